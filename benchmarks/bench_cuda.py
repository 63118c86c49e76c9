"""pyt on the GPU side by side with PyTorch on the same GPU.

Times each case with CUDA events (median of repeated loops; wall clock with a synchronize
at the end for the per-call overhead cases) and prints one table: time per call, the
pyt/torch ratio, the rate (GB/s of memory traffic, TFLOP/s, or us per call) and the
targets of the CUDA issue: pointwise add >= 85% and sum >= 80% of the device-to-device
copy bandwidth measured in the same run, float32 matmul >= 90% of torch's rate with the
same TF32 setting, a cached allocation + free under 2 us, small-op overhead no worse
than torch's.

pyt and torch run in two child processes (`--child pyt|torch`), so neither library's
CUDA runtime can interfere with the other's, and a crash or hang in one still leaves the
other's column. A case pyt does not implement shows `n/a` and its error below the table.

    python benchmarks/bench_cuda.py [--quick] [--only pyt|torch]
"""
import argparse
import ctypes
import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)                      # the in-place build, not an installed pyt

N = 64 << 20                    # elements of the bandwidth cases (256 MB of float32)
MM = 4096                       # matmul size
ROWS, COLS = 262144, 128        # index_select source
SM = 4096                       # softmax rows and columns
SMALL = 1000                    # elements of the small-op case


# ---- the cases: (name, how it is timed, work per call, setup(lib) -> callable) --------------
# work: ("bytes", n) memory traffic, ("flops", n), or ("us", None) for per-call costs

def _copy(lib):
    a = lib.rand(N, device="cuda")
    b = lib.empty(N, device="cuda")
    return lambda: b.copy_(a)


def _add(lib):
    a, b = lib.rand(N, device="cuda"), lib.rand(N, device="cuda")
    return lambda: a + b


def _mul_scalar(lib):
    a = lib.rand(N, device="cuda")
    return lambda: a * 1.5


def _sum(lib):
    a = lib.rand(N, device="cuda")
    return lambda: a.sum()


def _sum_rows(lib):
    a = lib.rand(8192, 8192, device="cuda")
    return lambda: a.sum(1)


def _rand(lib):
    return lambda: lib.rand(N, device="cuda")


def _matmul(allow_tf32):
    def setup(lib):
        lib.backends.cuda.matmul.allow_tf32 = allow_tf32
        a, b = lib.randn(MM, MM, device="cuda"), lib.randn(MM, MM, device="cuda")
        return lambda: a @ b
    return setup


def _softmax(lib):
    x = lib.randn(SM, SM, device="cuda")
    return lambda: lib.softmax(x, -1)


def _index_select(lib):
    src = lib.randn(ROWS, COLS, device="cuda")
    idx = lib.randint(0, ROWS, (ROWS,), device="cuda")
    return lambda: lib.index_select(src, 0, idx)


def _h2d(lib):
    p = lib.rand(N).pin_memory()
    g = lib.empty(N, device="cuda")
    return lambda: g.copy_(p, non_blocking=True)


def _d2h(lib):
    g = lib.rand(N, device="cuda")
    p = lib.empty(N).pin_memory()
    return lambda: p.copy_(g, non_blocking=True)


def _alloc_free(lib):
    def loop():
        for _ in range(1000):
            t = lib.empty(1024, device="cuda")
            del t
    return loop


def _small_add(lib):
    x, y = lib.rand(SMALL, device="cuda"), lib.rand(SMALL, device="cuda")

    def loop():
        for _ in range(1000):
            x + y
    return loop


CASES = [
    ("copy d2d 64M f32", "gpu", ("bytes", 2 * 4 * N), _copy),
    ("add 64M f32", "gpu", ("bytes", 3 * 4 * N), _add),
    ("mul scalar 64M f32", "gpu", ("bytes", 2 * 4 * N), _mul_scalar),
    ("sum 64M f32", "gpu", ("bytes", 4 * N), _sum),
    ("sum(1) 8192x8192 f32", "gpu", ("bytes", 4 * 8192 * 8192), _sum_rows),
    ("rand 64M f32", "gpu", ("bytes", 4 * N), _rand),
    ("matmul 4096^3 f32", "gpu", ("flops", 2 * MM ** 3), _matmul(False)),
    ("matmul 4096^3 f32 tf32", "gpu", ("flops", 2 * MM ** 3), _matmul(True)),
    ("softmax 4096x4096 f32", "gpu", ("bytes", 2 * 4 * SM * SM), _softmax),
    ("index_select 256Kx128 f32", "gpu", ("bytes", 2 * 4 * ROWS * COLS + 8 * ROWS),
     _index_select),
    ("copy h2d 64M f32 pinned", "gpu", ("bytes", 4 * N), _h2d),
    ("copy d2h 64M f32 pinned", "gpu", ("bytes", 4 * N), _d2h),
    ("empty(1024) + free", "wall", ("us", 1000), _alloc_free),
    ("x + y, 1000 elements", "wall", ("us", 1000), _small_add),
]


# ---- timing (in a child) ----------------------------------------------------------------------

def gpu_seconds(lib, fn, min_ms, repeat):
    """Median seconds per call from CUDA events around loops lasting about min_ms."""
    fn()
    lib.cuda.synchronize()
    start, end = lib.cuda.Event(enable_timing=True), lib.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    end.synchronize()
    iters = max(1, min(1000, int(min_ms / max(start.elapsed_time(end), 1e-3))))
    runs = []
    for _ in range(repeat):
        start.record()
        for _ in range(iters):
            fn()
        end.record()
        end.synchronize()
        runs.append(start.elapsed_time(end) / 1e3 / iters)
    return statistics.median(runs)


def wall_seconds(lib, loop, calls, repeat):
    """Median wall-clock seconds per call of a loop of `calls` calls, synchronised at the
    end (so queued GPU work is paid for)."""
    loop()
    lib.cuda.synchronize()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        loop()
        lib.cuda.synchronize()
        runs.append((time.perf_counter() - t0) / calls)
    return statistics.median(runs)


def emit(record):
    print("JSON " + json.dumps(record), flush=True)


def _pyt_library():
    import pyt
    paths = glob.glob(os.path.join(os.path.dirname(pyt._ext.__file__), "libpyt_cuda*.so"))
    return ctypes.CDLL(paths[0]) if paths else None


class _Props(ctypes.Structure):            # pyt_cuda_properties of cuda_src/pyt_cuda.h
    _fields_ = [("name", ctypes.c_char * 256), ("total_memory", ctypes.c_size_t),
                ("major", ctypes.c_int), ("minor", ctypes.c_int),
                ("multi_processor_count", ctypes.c_int)]


def _meta(which, lib):
    meta = {"lib": which, "version": getattr(lib, "__version__", "?")}
    try:
        if which == "torch":
            meta["cuda"] = lib.version.cuda
            meta["gpu"] = lib.cuda.get_device_name(0)
            cap = lib.cuda.get_device_capability(0)
            meta["sm"] = f"{cap[0]}{cap[1]}"
        else:
            so = _pyt_library()
            props = _Props()
            if so is not None and so.pyt_cuda_get_properties(0, ctypes.byref(props)) == 0:
                meta["gpu"] = props.name.decode()
                meta["sm"] = f"{props.major}{props.minor}"
                meta["sms"] = props.multi_processor_count
                meta["memory_gib"] = round(props.total_memory / 2 ** 30, 1)
    except Exception as e:
        meta["error"] = f"{type(e).__name__}: {e}"
    return meta


def _raw_allocator(repeat):
    """pyt_cuda_malloc + pyt_cuda_free called through ctypes, minus the cost of two empty
    ctypes calls: the allocator without Python's tensor machinery (roughly)."""
    so = _pyt_library()
    so.pyt_cuda_malloc.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t]
    so.pyt_cuda_free.argtypes = [ctypes.c_void_p]
    so.pyt_cuda_free.restype = None
    ptr, n = ctypes.c_void_p(), 20000
    malloc, free, noop = so.pyt_cuda_malloc, so.pyt_cuda_free, so.pyt_cuda_is_built
    ref = ctypes.byref(ptr)

    def pairs():
        for _ in range(n):
            if malloc(ref, 4096) != 0:
                raise RuntimeError("pyt_cuda_malloc failed")
            free(ptr)

    def noops():
        for _ in range(n):
            noop()
            noop()
    best = []
    for loop in (pairs, noops):
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            loop()
            runs.append((time.perf_counter() - t0) / n)
        best.append(statistics.median(runs))
    return best[0] - best[1], best[0]


def child(which, quick):
    min_ms, repeat = (5, 3) if quick else (25, 7)
    try:
        if which == "torch":
            import torch as lib
        else:
            import pyt as lib
        lib.cuda.synchronize()
        emit({"meta": _meta(which, lib)})
    except Exception as e:
        emit({"meta": {"lib": which, "error": f"{type(e).__name__}: {e}"}})
        return
    for name, how, (unit, work), setup in CASES:
        record = {"case": name}
        try:
            fn = setup(lib)
            if how == "gpu":
                record["seconds"] = gpu_seconds(lib, fn, min_ms, repeat)
            else:
                record["seconds"] = wall_seconds(lib, fn, work, repeat)
        except Exception as e:
            record["error"] = f"{type(e).__name__}: {e}".splitlines()[0][:300]
        fn = None
        emit(record)
    if which == "pyt":
        record = {"case": "raw allocator (ctypes)"}
        try:
            record["seconds"], record["with_ctypes"] = _raw_allocator(repeat)
        except Exception as e:
            record["error"] = f"{type(e).__name__}: {e}"
        emit(record)
        try:
            record = {"blas": bool(_pyt_library().pyt_cuda_blas_loaded())}
            emit(record)
        except Exception:
            pass
    try:
        lib.backends.cuda.matmul.allow_tf32 = False
    except Exception:
        pass


# ---- the parent: run both children, print one table ---------------------------------------------

def run_child(which, quick, timeout):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", which] + (["--quick"] if quick else [])
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    note = None
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout, env=env,
                              cwd=ROOT)
        out = proc.stdout
        if proc.returncode != 0:
            note = f"{which} process ended with status {proc.returncode}"
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        note = f"{which} process killed after {timeout} s"
    records = [json.loads(line[5:]) for line in out.splitlines() if line.startswith("JSON ")]
    for line in out.splitlines():
        if not line.startswith("JSON "):
            print(f"[{which}] {line}")
    return records, note


def fmt_time(s):
    if s is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def rate(seconds, unit, work):
    if seconds is None or seconds <= 0:
        return None
    if unit == "bytes":
        return work / seconds / 1e9
    if unit == "flops":
        return work / seconds / 1e12
    return seconds * 1e6


def fmt_rate(r, unit):
    if r is None:
        return "-"
    return {"bytes": f"{r:.0f} GB/s", "flops": f"{r:.1f} TFLOP/s", "us": f"{r:.2f} us"}[unit]


def verdict(ok):
    return "ok" if ok else "MISSED"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    ap.add_argument("--only", choices=["pyt", "torch"], help="run one library")
    ap.add_argument("--child", choices=["pyt", "torch"], help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=float, default=110,
                    help="seconds for both libraries together (the table prints anyway)")
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.quick)
    deadline = time.monotonic() + args.timeout

    print(f"python {platform.python_version()}, {platform.machine()}")
    if shutil.which("nvidia-smi"):
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                              "--format=csv,noheader"], stdout=subprocess.PIPE, text=True)
        print("nvidia-smi:", smi.stdout.strip())
    results, metas, notes, extra = {"pyt": {}, "torch": {}}, {}, [], {}
    for which in ("pyt", "torch"):
        if args.only and args.only != which:
            continue
        if which == "torch":
            import importlib.util
            if importlib.util.find_spec("torch") is None:
                notes.append("torch is not installed: no torch column")
                continue
        left = deadline - time.monotonic()
        if which == "pyt" and not args.only:        # keep time for the torch column
            left -= min(45, left / 3)
        records, note = run_child(which, args.quick, max(left, 1))
        if note:
            notes.append(note)
        for r in records:
            if "meta" in r:
                metas[which] = r["meta"]
            elif "case" in r:
                results[which][r["case"]] = r
            else:
                extra.update(r)
    for which, meta in metas.items():
        print(f"{which}: " + ", ".join(f"{k} {v}" for k, v in meta.items() if k != "lib"))
    if "blas" in extra:
        print("pyt matmul: " + ("cuBLAS" if extra["blas"] else "pyt's own tiled kernel"))

    def seconds(which, case):
        return results[which].get(case, {}).get("seconds")

    copy = {w: rate(seconds(w, "copy d2d 64M f32"), "bytes", 2 * 4 * N) for w in results}
    rows, errors = [], []
    for name, _, (unit, work), _ in CASES + [("raw allocator (ctypes)", "", ("us", 1), None)]:
        p, t = seconds("pyt", name), seconds("torch", name)
        pr, tr = rate(p, unit, work), rate(t, unit, work)
        err = results["pyt"].get(name, {}).get("error")
        note = ""
        if err:
            errors.append(f"{name}: {err}")
            note = "n/a: " + (err if len(err) <= 60 else err[:57] + "...")
        elif name not in results["pyt"]:
            note = "n/a: " + metas.get("pyt", {}).get("error", "not run")[:60]
        elif unit == "bytes" and "copy" not in name and copy["pyt"] and pr:
            share = pr / copy["pyt"]
            note = f"{share:.0%} of pyt's copy"
            if copy.get("torch") and tr:
                note += f" (torch {tr / copy['torch']:.0%})"
            target = {"add 64M f32": 0.85, "sum 64M f32": 0.80}.get(name)
            if target:
                note += f"; target >= {target:.0%}: {verdict(share >= target)}"
        elif unit == "flops" and pr and tr:
            note = f"{pr / tr:.0%} of torch's rate; target >= 90%: {verdict(pr / tr >= 0.9)}"
        elif name == "empty(1024) + free" and pr:
            note = f"target < 2 us: {verdict(pr < 2)}"
        elif name == "x + y, 1000 elements" and pr and tr:
            note = f"target <= torch: {verdict(pr <= tr * 1.05)}"
        elif name == "raw allocator (ctypes)" and pr:
            note = (f"ctypes overhead removed; {results['pyt'][name]['with_ctypes'] * 1e6:.2f}"
                    " us with it")
        ratio = f"{p / t:.2f}" if p and t else "-"
        rows.append((name, "n/a" if err else fmt_time(p), fmt_time(t), ratio,
                     fmt_rate(pr, unit), fmt_rate(tr, unit), note))

    header = ("case", "pyt", "torch", "pyt/torch", "pyt rate", "torch rate", "note")
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    print()
    for i, row in enumerate([header] + rows):
        cells = [c.ljust(w) if j in (0, 6) else c.rjust(w)
                 for j, (c, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("\n(times per call; rates: memory traffic GB/s, TFLOP/s, or us per call; "
          "pyt/torch below 1 means pyt is faster)")
    for line in errors:
        print("n/a:", line)
    for line in notes:
        print("note:", line)


if __name__ == "__main__":
    main()
