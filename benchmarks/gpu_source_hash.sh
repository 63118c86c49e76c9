#!/usr/bin/env bash
# Prints the hash of what pyt's compiled part is built from (Cython and CUDA sources, C
# headers, setup.py). gpu_prebuild.sh --binaries stamps its build with it, and
# gpu_check.sh loads carried binaries only when its own tree hashes the same: binaries
# left from an older tree would test old code.
cd "$(dirname "$0")/.." || exit 1
find pyt/_ext cuda_src -type f \( -name '*.pyx' -o -name '*.pxi' -o -name '*.pxd' \
        -o -name '*.h' -o -name '*.cu' -o -name '*.cuh' -o -name '*.cpp' \
        -o -path 'cuda_src/*.c' \) | LC_ALL=C sort | xargs cat setup.py | sha256sum | cut -d' ' -f1
