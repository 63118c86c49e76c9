"""nvcc for the host checks: the CUDA sources of tests/cuda_host (or a kernel file of
cuda_src compiled for the host) built into a shared library and loaded with ctypes."""
import ctypes
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NVCC = shutil.which("nvcc")
INCLUDES = ["-I", os.path.join(ROOT, "cuda_src"),
            "-I", os.path.join(ROOT, "pyt", "_ext", "include")]


def run(cmd):
    """Runs cmd; fails the test with the end of its output when it fails."""
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r


def host_library(directory, source, *flags, opt="-O2"):
    """source (a path) compiled by nvcc into a shared library in directory, loaded."""
    name = os.path.splitext(os.path.basename(source))[0] + ".so"
    path = os.path.join(str(directory), name)
    run([NVCC, "-std=c++17", opt, "-shared", "-Xcompiler", "-fPIC", *flags, *INCLUDES,
         source, "-o", path])
    return ctypes.CDLL(path)
