"""Builds pyt's Cython core (with OpenMP) and, when asked or found, its CUDA part.

Environment:
    PYT_BUILD_CUDA=0|1|auto   build cuda_src/ with nvcc (auto: when nvcc is on PATH; 1: fail
                              loudly without it). Without it, cuda_src/stub.c stands in and
                              pyt.cuda.is_available() is False.
    PYT_CUDA_ARCH             GPU targets for nvcc (default "80;90": machine code for both
                              plus PTX of the newest, which later GPUs compile at load)

The CUDA part is one shared library, pyt/_ext/libpyt_cuda.so (the CUDA runtime linked in
statically), built before the Cython modules, which link to it (rpath $ORIGIN) and call
cuda_src/pyt_cuda.h directly.
    PYT_DEBUG=1               -O0 -g, for fast rebuilds while developing
    PYT_OPT=-O1               the C compiler's optimisation level for the Cython modules
                              (default -O3); -O1 builds several times faster (tensor.c: 25 s
                              against 70 s), for a quick build on a borrowed GPU machine
    PYT_SANITIZE=address      AddressSanitizer build (-O1 -g): finds out-of-bounds reads and
                              writes and use-after-free in the C/Cython code. Run Python with
                              the runtime preloaded, e.g.
                              LD_PRELOAD=$(gcc -print-file-name=libasan.so)
                              ASAN_OPTIONS=detect_leaks=0 python -m pytest tests/fuzz
                              and rebuild without it afterwards (the flags change forces a
                              full rebuild either way).
"""
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).parent
EXT_DIR = Path("pyt") / "_ext"
INCLUDE_DIR = str(EXT_DIR / "include")
CUDA_DIR = Path("cuda_src")
CUDA_LIB = "libpyt_cuda.so"


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
        args = [os.environ.get("PYT_OPT", "-O3"), "-fopenmp", "-fno-strict-aliasing", "-fwrapv",
                "-fno-math-errno"]
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
            include_dirs=[INCLUDE_DIR, str(CUDA_DIR)],
            extra_compile_args=compile_args(),
            # libpyt_cuda.so sits beside the modules, inplace and installed alike
            library_dirs=[str(cuda_build_dir())],
            libraries=["pyt_cuda"],
            extra_link_args=["-fopenmp", "-Wl,-rpath,$ORIGIN"] + sanitize_args(),
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        ))
    return cythonize(
        exts,
        include_path=[str(EXT_DIR), INCLUDE_DIR],
        # None passed for a typed argument (def f(Tensor x)) is a TypeError, not a NULL
        # dereference in the body; arguments that default to None still accept it
        compiler_directives={"language_level": "3", "embedsignature": True,
                             "allow_none_for_extension_args": False},
        nthreads=os.cpu_count() or 1,
    )


def cuda_build_dir():
    return ROOT / "build" / "pyt_cuda"


def cuda_arch_flags():
    archs = [a.strip() for a in os.environ.get("PYT_CUDA_ARCH", "80;90").replace(",", ";").split(";")
             if a.strip()]
    flags = []
    for arch in archs:
        flags += ["-gencode", f"arch=compute_{arch},code=sm_{arch}"]
    newest = max(archs, key=int)
    return flags + ["-gencode", f"arch=compute_{newest},code=compute_{newest}"]


def _run(cmd):
    print(" ".join(shlex.quote(c) for c in cmd), flush=True)
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"pyt: failed: {' '.join(cmd[:2])} ... (exit {result.returncode})")


def build_cuda_library(jobs):
    """Compiles cuda_src/ into build/pyt_cuda/libpyt_cuda.so (only what changed) and
    returns its path: the .cu kernels with nvcc when CUDA is wanted, else stub.c; the
    allocator's C++ bookkeeping either way."""
    with_cuda = want_cuda()
    out_dir = cuda_build_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    debug = os.environ.get("PYT_DEBUG") == "1"
    opt = ["-O0", "-g"] if debug else ["-O3"]
    includes = ["-I", str(CUDA_DIR), "-I", INCLUDE_DIR]
    headers = list(CUDA_DIR.glob("*.h")) + list(CUDA_DIR.glob("*.cuh")) + list(Path(INCLUDE_DIR).glob("*.h"))
    newest_header = max((h.stat().st_mtime for h in headers), default=0)
    sources = sorted(CUDA_DIR.glob("*.cpp"))
    sources += sorted(CUDA_DIR.glob("*.cu")) if with_cuda else [CUDA_DIR / "stub.c"]
    nvcc_flags = (["nvcc", "-std=c++17", "-Xcompiler", "-fPIC", "--expt-relaxed-constexpr"]
                  + opt + cuda_arch_flags() + includes)
    jobs_list = []
    for src in sources:
        obj = out_dir / (src.name + ".o")
        if src.suffix == ".cu":
            cmd = nvcc_flags + ["-c", str(src), "-o", str(obj)]
        elif src.suffix == ".cpp":
            cmd = ["g++", "-std=c++17", "-fPIC", "-Wall"] + opt + includes + (
                ["-DPYT_WITH_CUDA"] if with_cuda else []) + ["-c", str(src), "-o", str(obj)]
        else:
            cmd = ["gcc", "-fPIC", "-Wall"] + opt + includes + ["-c", str(src), "-o", str(obj)]
        stamp = obj.with_suffix(".cmd")
        fresh = (obj.exists() and stamp.exists() and stamp.read_text() == " ".join(cmd)
                 and obj.stat().st_mtime >= max(src.stat().st_mtime, newest_header))
        if not fresh:
            jobs_list.append((cmd, stamp))
    def compile_one(job):
        cmd, stamp = job
        _run(cmd)
        stamp.write_text(" ".join(cmd))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(compile_one, jobs_list))
    lib = out_dir / CUDA_LIB
    objects = [str(out_dir / (src.name + ".o")) for src in sources]
    if with_cuda:
        # nvcc links the CUDA runtime statically by default: no libcudart.so needed at run time
        # --exclude-libs: the static runtime's symbols stay private, so a process that
        # also loads torch (with its own libcudart) sees no clash
        link = ["nvcc", "-shared", "--cudart", "static", "-Xlinker", "--exclude-libs,ALL",
                "-o", str(lib)] + objects + ["-ldl", "-lrt", "-lpthread"]
    else:
        link = ["g++", "-shared", "-o", str(lib)] + objects
    stamp = out_dir / "link.cmd"
    if jobs_list or not lib.exists() or not stamp.exists() or stamp.read_text() != " ".join(link):
        _run(link)
        stamp.write_text(" ".join(link))
    return lib


class ParallelBuildExt(build_ext):
    """build_ext on every core, rebuilding everything when the flags change (an -O3
    build after a PYT_DEBUG=1 or PYT_SANITIZE one would otherwise keep those objects)."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1
        stamp = Path(self.build_temp) / "pyt-compile-flags"
        flags = " ".join(compile_args()) + " (links libpyt_cuda)"
        if not stamp.exists() or stamp.read_text() != flags:
            self.force = True
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(flags)

    def run(self):
        lib = build_cuda_library(self.parallel)
        # beside the modules in the source tree (inplace / editable) and in build_lib
        targets = [EXT_DIR] if self.inplace else [EXT_DIR, Path(self.build_lib) / EXT_DIR]
        for target in targets:
            target.mkdir(parents=True, exist_ok=True)
            dest = target / CUDA_LIB
            if not dest.exists() or dest.read_bytes() != lib.read_bytes():
                tmp = dest.with_suffix(".so.tmp")
                shutil.copyfile(lib, tmp)
                os.replace(tmp, dest)       # a running process keeps its mapped copy
        super().run()


setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": ParallelBuildExt},
    package_data={"pyt._ext": ["*.pxd", "*.pxi", "include/*.h"]},
)
