#!/usr/bin/env bash
# The one script to run on a GPU machine, from the repository root:
#     bash benchmarks/gpu_check.sh [build] [smi] [tests] [training] [layers] [profile] [examples] [cpu] [bench]
# (default: all). Builds pyt in place with CUDA for sm_90, runs the GPU tests (tests/cuda,
# one pytest process per file, GPU_CHECK_JOBS at a time), the training benchmarks
# (bench_cuda_training.py), their layers one by one (bench_cuda_layers.py), the ResNet
# step's kernels by GPU time (profile_cuda_step.py, torch.profiler's), the digits
# examples with --device cuda, a quick CPU sanity subset and benchmarks/bench_cuda.py, and
# leaves its logs in $OUT (./gpu_out when OUT is unset): build.log, nvidia_smi.txt,
# tests_cuda.log, training.log, layers.log, profile.log, examples.log, tests_cpu.log,
# bench_cuda.log, gpu_check.log (10 files: the device tool brings 8 back, so name the
# stages you need). With .gpu_carry/binaries.tar.gz (benchmarks/gpu_prebuild.sh
# --binaries) built from this tree's sources the build compiles nothing; with
# .gpu_carry/prebuilt.tar.gz (gpu_prebuild.sh) from them it skips nvcc. A
# failing stage does not stop the later ones (except a failed build); the exit status is 1
# when any stage failed. Each stage has a time cap, and the whole run stays inside
# GPU_CHECK_BUDGET seconds (default 540), so it ends inside one device call. PYT_OPT=-O1
# in the environment builds the Cython modules about three times faster (setup.py).
set -u
set -o pipefail
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/.." || exit 1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"     # the in-place build, for the examples
OUT="${OUT:-$PWD/gpu_out}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
BUDGET="${GPU_CHECK_BUDGET:-540}"
JOBS="${GPU_CHECK_JOBS:-6}"
START=$(date +%s)
STAGES="${*:-build smi tests training layers profile examples cpu bench}"
FAILED=""

exec > >(tee -a "$OUT/gpu_check.log") 2>&1

wants() { case " $STAGES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# seconds this stage may take: its cap, or what is left of the budget when that is less
limit() {
    local left=$((BUDGET - ($(date +%s) - START)))
    if [ "$left" -lt "$1" ]; then echo "$left"; else echo "$1"; fi
}

stage() { echo; echo "=== $1 ($(($(date +%s) - START)) s in) ==="; }

# false (and the stage counted as failed) when the budget has under 20 s left for it
have_time() {
    if [ "$1" -ge 20 ]; then return 0; fi
    echo "skipped: only $1 s of the ${BUDGET} s budget left"
    FAILED="$FAILED $2(no-time)"
    return 1
}

finish() {
    stage "done"
    if [ -n "$FAILED" ]; then echo "FAILED stages:$FAILED"; exit 1; fi
    echo "all stages passed: $STAGES"
    exit 0
}

echo "gpu_check: stages [$STAGES], logs in $OUT, budget ${BUDGET} s, $(date -u)"

if wants build; then
    stage "build (PYT_BUILD_CUDA=1 PYT_CUDA_ARCH=90)"
    T=$(limit 300)
    if ! have_time "$T" build; then finish; fi
    BUILT=""
    SOURCES="$(bash benchmarks/gpu_source_hash.sh)"     # carried builds must match it
    if [ -f .gpu_carry/binaries.tar.gz ] \
            && [ "$(cat .gpu_carry/binaries.hash 2>/dev/null)" != "$SOURCES" ]; then
        echo "the carried binaries were built from other sources: building"
    elif [ -f .gpu_carry/binaries.tar.gz ]; then    # gpu_prebuild.sh --binaries: no compile
        tar xzf .gpu_carry/binaries.tar.gz
        if "$PY" -c "import pyt, sys; sys.exit(not pyt.cuda.is_available())" \
                > "$OUT/build.log" 2>&1; then
            echo "unpacked .gpu_carry/binaries.tar.gz: built for this Python, nothing to compile"
            BUILT=1
        else
            echo "the carried binaries do not load here (build.log): building"
            rm -f $(tar tzf .gpu_carry/binaries.tar.gz)
        fi
    fi
    if [ -z "$BUILT" ] && [ -f .gpu_carry/prebuilt.tar.gz ] \
            && [ "$(cat .gpu_carry/prebuilt.hash 2>/dev/null)" != "$SOURCES" ]; then
        echo "the carried C sources and objects were made from other sources: full build"
    elif [ -z "$BUILT" ] && [ -f .gpu_carry/prebuilt.tar.gz ]; then  # gpu_prebuild.sh's work
        tar xzf .gpu_carry/prebuilt.tar.gz
        sed -i "s#$(cat build/pyt_cuda/prebuilt_root)#$PWD#g" build/pyt_cuda/*.cmd
        touch pyt/_ext/*.c && sleep 1 && touch build/pyt_cuda/*.o     # newer than sources
        echo "unpacked .gpu_carry/prebuilt.tar.gz: CUDA objects and C sources"
    fi
    if [ -n "$BUILT" ]; then :
    elif PYT_BUILD_CUDA=1 PYT_CUDA_ARCH=90 timeout -k 10 "$T" \
            "$PY" setup.py build_ext --inplace -j 16 >> "$OUT/build.log" 2>&1; then
        echo "build ok ($(grep -ci warning "$OUT/build.log") lines mention warnings)"
    else
        echo "BUILD FAILED (status $?, cap $T s); the last 60 lines of build.log:"
        tail -n 60 "$OUT/build.log"
        FAILED="$FAILED build"
        finish
    fi
fi

if wants smi; then
    stage "machine"
    { nvidia-smi; nvidia-smi -q -d CLOCK,PERFORMANCE | head -n 60; } > "$OUT/nvidia_smi.txt" 2>&1
    head -n 20 "$OUT/nvidia_smi.txt"
    timeout 60 "$PY" - <<'EOF'
import platform, sys
print("python", platform.python_version(), sys.executable)
for name in ("numpy", "scipy", "torch", "Cython", "pytest"):
    try:
        mod = __import__(name)
        print(f"{name} {getattr(mod, '__version__', '?')}")
    except Exception as e:
        print(f"{name}: {type(e).__name__}: {e}")
try:
    import pyt
    print("pyt", pyt.__file__)
    print("pyt.cuda.is_available():", pyt.cuda.is_available(),
          "device_count():", pyt.cuda.device_count())
except Exception as e:
    print(f"pyt.cuda: {type(e).__name__}: {e}")
EOF
fi

if wants tests; then
    stage "GPU tests (tests/cuda)"
    if ! "$PY" -c "import pyt, sys; sys.exit(not pyt.cuda.is_available())"; then
        echo "pyt.cuda.is_available() is not True here: every GPU test will SKIP"
        FAILED="$FAILED no-gpu-seen"
    fi
    T=$(limit 200)
    # one process per file, JOBS at a time (the files share the GPU; the machine has the
    # cores); faulthandler_timeout: a test stuck over 60 s prints where it hangs
    if have_time "$T" tests; then
        PARTS="$(mktemp -d)"
        PIDS=""
        for f in tests/cuda/test_*.py; do
            while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.2; done
            name="$(basename "$f" .py)"
            ( timeout -k 10 "$T" "$PY" -m pytest -q "$f" -p no:cacheprovider -rfEs \
                  -o faulthandler_timeout=60 --durations=5 > "$PARTS/$name.log" 2>&1
              echo $? > "$PARTS/$name.rc" ) &
            PIDS="$PIDS $!"
        done
        wait $PIDS              # (a bare wait would also wait for the log's tee)
        : > "$OUT/tests_cuda.log"
        for log in "$PARTS"/*.log; do
            name="$(basename "$log" .log)"
            rc="$(cat "$PARTS/$name.rc")"
            { echo "----- $name (status $rc)"; cat "$log"; } >> "$OUT/tests_cuda.log"
            echo "$name: status $rc: $(tail -n 1 "$log")"
            if [ "$rc" != 0 ]; then FAILED="$FAILED tests:$name"; fi
        done
        rm -rf "$PARTS"
    fi
fi

# A stage that runs one command under its cap (at most cap seconds, less when the budget
# has less left), its output shown and kept in $OUT/log; a failing command fails the stage.
capped_stage() {
    local name="$1" cap="$2" log="$3" T rc
    shift 3
    T=$(limit "$cap")
    if ! have_time "$T" "$name"; then return; fi
    timeout -k 10 "$T" "$@" 2>&1 | tee "$OUT/$log"
    rc=$?
    if [ "$rc" != 0 ]; then
        echo "$name: status $rc"
        FAILED="$FAILED $name"
    fi
}

if wants training; then
    stage "benchmarks/bench_cuda_training.py (pyt vs torch on this GPU)"
    capped_stage training 120 training.log "$PY" benchmarks/bench_cuda_training.py
fi

if wants layers; then
    stage "benchmarks/bench_cuda_layers.py (the training benchmarks' layers, pyt vs torch)"
    capped_stage layers 90 layers.log "$PY" benchmarks/bench_cuda_layers.py
fi

if wants profile; then
    stage "benchmarks/profile_cuda_step.py (the ResNet step's kernels, pyt and torch)"
    capped_stage profile 60 profile.log "$PY" benchmarks/profile_cuda_step.py
fi

if wants examples; then
    stage "examples on the GPU (digits MLP and CNN, --device cuda)"
    capped_stage examples 90 examples.log bash -c \
        "'$PY' examples/digits_mlp.py --device cuda && '$PY' examples/digits_cnn.py --device cuda"
fi

if wants cpu; then
    stage "CPU sanity (tests/test_pointwise.py)"
    capped_stage cpu 60 tests_cpu.log "$PY" -m pytest -q tests/test_pointwise.py -x \
        -p no:cacheprovider
fi

if wants bench; then
    stage "benchmarks/bench_cuda.py"
    T=$(limit 120)
    if ! have_time "$T" bench; then :
    # the script prints its table when its own --timeout runs out; the outer cap is a backstop
    elif timeout -k 10 "$((T + 15))" "$PY" benchmarks/bench_cuda.py --timeout "$((T - 5))" \
            2>&1 | tee "$OUT/bench_cuda.log"; then
        :
    else
        echo "bench: status $?"
        FAILED="$FAILED bench"
    fi
fi

finish
