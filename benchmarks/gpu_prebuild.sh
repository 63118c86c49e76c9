#!/usr/bin/env bash
# Prepares, on a machine with nvcc but no GPU, what a GPU machine would otherwise compile
# first: the CUDA objects for sm_90 and the Cython modules' C sources, packed into
# .gpu_carry/prebuilt.tar.gz (ignored by git) with gpu_source_hash.sh's hash of the
# sources. benchmarks/gpu_check.sh unpacks it when its tree hashes the same, and its build
# stage then compiles only the C sources for that machine's Python.
#
#     bash benchmarks/gpu_prebuild.sh [CYTHON_VERSION]
#     bash benchmarks/gpu_prebuild.sh --binaries PYTHON
#
# CYTHON_VERSION: the GPU machine's Cython (default 3.3.0). Cython regenerates a C file
# made by another version, so the files are labelled with that version: the generated C
# depends only on Python's headers, which the GPU machine's build supplies.
# --binaries: PYTHON is a local interpreter of the GPU machine's Python version (say
# pyenv's python3.12, with Cython installed): the whole package is built for it here and
# its extension modules and libpyt_cuda.so are packed into .gpu_carry/binaries.tar.gz,
# which gpu_check.sh loads instead of compiling anything (compiling the C sources took
# some 95 s of device time), stamped with gpu_source_hash.sh's hash of the sources: it
# builds instead when its tree hashes otherwise or the modules do not load there.
# PYT_OPT=-O1 in the environment builds faster (setup.py).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu_carry
grep -qx "/.gpu_carry/" .git/info/exclude 2>/dev/null || echo "/.gpu_carry/" >> .git/info/exclude
if [ "${1:-}" = "--binaries" ]; then
    PY="${2:?--binaries needs the Python to build for}"
    STAGE="$(mktemp -d)"
    trap 'rm -rf "$STAGE"' EXIT
    cp -a . "$STAGE/tree"
    rm -rf "$STAGE/tree/build/pyt_cuda"
    (cd "$STAGE/tree" && PYT_BUILD_CUDA=1 PYT_CUDA_ARCH=90 "$PY" setup.py build_ext --inplace \
        -j 2 > "$STAGE/build.log" 2>&1) || { tail -n 40 "$STAGE/build.log"; exit 1; }
    suffix="$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
    cd "$STAGE/tree"
    strip --strip-debug pyt/_ext/*"$suffix" pyt/_ext/libpyt_cuda.so
    tar czf "$OLDPWD/.gpu_carry/binaries.tar.gz" pyt/_ext/*"$suffix" pyt/_ext/libpyt_cuda.so
    bash benchmarks/gpu_source_hash.sh > "$OLDPWD/.gpu_carry/binaries.hash"
    ls -l "$OLDPWD/.gpu_carry/binaries.tar.gz"
    exit 0
fi
CYTHON_VERSION="${1:-3.3.0}"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
# a copy of the tree with this machine's build, so that only the CUDA part is rebuilt
cp -a . "$STAGE/tree"
rm -rf "$STAGE/tree/build/pyt_cuda"
(cd "$STAGE/tree" && PYT_BUILD_CUDA=1 PYT_CUDA_ARCH=90 python setup.py build_ext --inplace \
    > "$STAGE/build.log" 2>&1) || { tail -n 40 "$STAGE/build.log"; exit 1; }
mine="$(python -c 'import Cython; print(Cython.__version__)')"
sed -i "1s/Cython $mine/Cython $CYTHON_VERSION/" "$STAGE"/tree/pyt/_ext/*.c
# the objects' command stamps name this copy's path: gpu_check.sh puts in its own
echo "$STAGE/tree" > "$STAGE/tree/build/pyt_cuda/prebuilt_root"
(cd "$STAGE/tree" && tar czf "$OLDPWD/.gpu_carry/prebuilt.tar.gz" pyt/_ext/*.c \
    build/pyt_cuda/*.o build/pyt_cuda/*.cmd build/pyt_cuda/prebuilt_root)
bash benchmarks/gpu_source_hash.sh > .gpu_carry/prebuilt.hash
ls -l .gpu_carry/prebuilt.tar.gz
echo "carry it: the device tool's run with carry [\".gpu_carry\"] and bash benchmarks/gpu_check.sh"
