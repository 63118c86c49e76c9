"""Builds pyt's Cython core (with OpenMP) and, when asked or found, its CUDA part.

Environment:
    PYT_BUILD_CUDA=0|1|auto   build cuda_src/ (auto: when nvcc is found; nothing to build yet)
    PYT_CUDA_ARCH             GPU targets for nvcc, e.g. "80;90"
    PYT_DEBUG=1               -O0 -g, for fast rebuilds while developing
    PYT_SANITIZE=address      AddressSanitizer build (-O1 -g): finds out-of-bounds reads and
                              writes and use-after-free in the C/Cython code. Run Python with
                              the runtime preloaded, e.g.
                              LD_PRELOAD=$(gcc -print-file-name=libasan.so)
                              ASAN_OPTIONS=detect_leaks=0 python -m pytest tests/fuzz
                              and rebuild without it afterwards (the flags change forces a
                              full rebuild either way).
"""
import os
import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).parent
EXT_DIR = Path("pyt") / "_ext"
INCLUDE_DIR = str(EXT_DIR / "include")


def want_cuda():
    choice = os.environ.get("PYT_BUILD_CUDA", "auto").lower()
    if choice in ("0", "no", "off", "false"):
        return False
    found = shutil.which("nvcc") is not None
    if choice in ("1", "yes", "on", "true") and not found:
        sys.exit("PYT_BUILD_CUDA=1 but nvcc was not found on PATH")
    return found


def sanitize_args():
    """Flags for PYT_SANITIZE (compile and link alike); empty for a normal build."""
    choice = os.environ.get("PYT_SANITIZE", "").lower()
    if not choice:
        return []
    if choice != "address":
        sys.exit(f"PYT_SANITIZE={choice!r}: only 'address' is supported")
    # -O1 keeps ASan's reports readable and its slowdown small; frame pointers give
    # full stack traces without unwinding tables
    return ["-fsanitize=address", "-fno-omit-frame-pointer", "-O1", "-g"]


def compile_args():
    # -fno-math-errno: nothing reads errno after a math call, and with it set GCC cannot
    # vectorise sqrt, floor & co. (it must call libm for the errno side effect)
    if os.environ.get("PYT_DEBUG") == "1":
        args = ["-O0", "-g", "-fopenmp", "-fwrapv", "-fno-math-errno"]
    else:
        args = ["-O3", "-fopenmp", "-fno-strict-aliasing", "-fwrapv", "-fno-math-errno"]
    # the sanitizer's -O1 comes last, so it overrides -O3 (GCC takes the last -O)
    return args + sanitize_args()


def extensions():
    from Cython.Build import cythonize

    exts = []
    for pyx in sorted((ROOT / EXT_DIR).glob("*.pyx")):
        rel = pyx.relative_to(ROOT)
        name = ".".join(rel.with_suffix("").parts)
        exts.append(Extension(
            name, [str(rel)],
            include_dirs=[INCLUDE_DIR],
            extra_compile_args=compile_args(),
            extra_link_args=["-fopenmp"] + sanitize_args(),
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        ))
    if want_cuda():
        # cuda_src/ holds no kernels yet: the CUDA issue adds its extension here.
        print("pyt: nvcc found; the CUDA backend has no sources yet", file=sys.stderr)
    return cythonize(
        exts,
        include_path=[str(EXT_DIR), INCLUDE_DIR],
        # None passed for a typed argument (def f(Tensor x)) is a TypeError, not a NULL
        # dereference in the body; arguments that default to None still accept it
        compiler_directives={"language_level": "3", "embedsignature": True,
                             "allow_none_for_extension_args": False},
        nthreads=os.cpu_count() or 1,
    )


class ParallelBuildExt(build_ext):
    """build_ext on every core, rebuilding everything when the flags change (an -O3
    build after a PYT_DEBUG=1 or PYT_SANITIZE one would otherwise keep those objects)."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1
        stamp = Path(self.build_temp) / "pyt-compile-flags"
        flags = " ".join(compile_args())
        if not stamp.exists() or stamp.read_text() != flags:
            self.force = True
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(flags)


setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": ParallelBuildExt},
    package_data={"pyt._ext": ["*.pxd", "*.pxi", "include/*.h"]},
)
