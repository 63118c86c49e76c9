"""cuda_src's element functions (pointwise ops, casts, random maps) compiled for the host
and compared with the CPU's kernels: checks the GPU formulas without a GPU. Needs nvcc
and gcc; skipped without them."""
import ctypes
import os
import shutil
import sysconfig

import numpy as np
import pytest

import pyt

from _nvcc import HERE, NVCC, INCLUDES, run

pytestmark = pytest.mark.skipif(NVCC is None or shutil.which("gcc") is None,
                                reason="needs nvcc and gcc")


def test_element_functions_match_the_cpu_loops(tmp_path):
    obj = tmp_path / "cpu_ref.o"
    run(["gcc", "-O2", "-fwrapv", "-fno-math-errno", "-c", os.path.join(HERE, "cpu_ref.c"),
          *INCLUDES, "-I", sysconfig.get_paths()["include"], "-o", obj])
    exe = tmp_path / "check_ops"
    run([NVCC, "-std=c++17", "-O2", *INCLUDES, "-Xcompiler", "-fwrapv",
          os.path.join(HERE, "check_ops.cu"), obj, "-o", exe, "-lm"])
    out = run([exe]).stdout
    assert "OK: 0 failing checks" in out


class Spec(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("a", ctypes.c_double), ("b", ctypes.c_double),
                ("a_each", ctypes.c_void_p), ("b_each", ctypes.c_void_p),
                ("low", ctypes.c_int64), ("range", ctypes.c_uint64)]


UNIFORM, NORMAL, LOG_NORMAL, EXPONENTIAL, GEOMETRIC, CAUCHY, BERNOULLI, INTEGER, POISSON = range(9)
DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64, pyt.float16,
          pyt.bfloat16, pyt.float32, pyt.float64]
FLOATS = DTYPES[6:]


def _raw(t):
    if t.dtype in (pyt.float16, pyt.bfloat16):
        t = t.view(pyt.int16)
    return t.contiguous().numpy().tobytes()


def test_random_values_match_philox_fill(tmp_path):
    lib_path = tmp_path / "random_host.so"
    run([NVCC, "-std=c++17", "-O2", "-shared", "-Xcompiler", "-fPIC", *INCLUDES,
          os.path.join(HERE, "random_host.cu"), "-o", lib_path])
    lib = ctypes.CDLL(str(lib_path))
    failures = []

    def compare(name, dtype, cpu, spec, n, seed):
        code = DTYPES.index(dtype)
        buf = ctypes.create_string_buffer(n * cpu.element_size())
        lib.host_random_fill(ctypes.byref(spec), buf, code, ctypes.c_int64(n),
                             ctypes.c_uint64(seed), ctypes.c_uint64(0))
        if buf.raw != _raw(cpu):
            failures.append((name, str(dtype), seed))

    def draw(seed, make):
        pyt.manual_seed(seed)
        return make()

    n = 513
    keep = []                                   # the per-value arrays outlive the calls
    for seed in (0, 2**63 + 5):
        for dt in FLOATS:
            x = draw(seed, lambda: pyt.empty(n, dtype=dt).uniform_(-3, 5))
            compare("uniform", dt, x, Spec(UNIFORM, -3.0, 5.0, None, None, 0, 0), n, seed)
            x = draw(seed, lambda: pyt.empty(n, dtype=dt).normal_(1.5, 2.0))
            compare("normal", dt, x, Spec(NORMAL, 1.5, 2.0, None, None, 0, 0), n, seed)
            x = draw(seed, lambda: pyt.empty(n, dtype=dt).log_normal_(0.5, 0.75))
            compare("log_normal", dt, x, Spec(LOG_NORMAL, 0.5, 0.75, None, None, 0, 0), n, seed)
            x = draw(seed, lambda: pyt.empty(n, dtype=dt).exponential_(2.5))
            compare("exponential", dt, x, Spec(EXPONENTIAL, 2.5, 0, None, None, 0, 0), n, seed)
            x = draw(seed, lambda: pyt.empty(n, dtype=dt).cauchy_(0.5, 2.0))
            compare("cauchy", dt, x, Spec(CAUCHY, 0.5, 2.0, None, None, 0, 0), n, seed)
            means, stds = pyt.linspace(-3, 3, n).to(dt), pyt.linspace(0.1, 4, n).to(dt)
            x = draw(seed, lambda: pyt.normal(means, stds))
            m64, s64 = means.double().numpy().copy(), stds.double().numpy().copy()
            keep += [m64, s64]
            compare("normal(tensors)", dt, x,
                    Spec(NORMAL, 0, 0, m64.ctypes.data, s64.ctypes.data, 0, 0), n, seed)
            rates = pyt.linspace(0, 40, n).to(dt)
            x = draw(seed, lambda: pyt.poisson(rates))
            r64 = rates.double().numpy().copy()
            keep.append(r64)
            compare("poisson", dt, x, Spec(POISSON, 0, 0, r64.ctypes.data, None, 0, 0), n, seed)
        for dt in DTYPES:
            x = draw(seed, lambda: pyt.empty(n, dtype=dt).bernoulli_(0.3))
            compare("bernoulli", dt, x, Spec(BERNOULLI, 0.3, 0, None, None, 0, 0), n, seed)
            ps = np.linspace(0, 1, n)
            keep.append(ps)
            x = draw(seed, lambda: pyt.empty(n, dtype=dt).bernoulli_(pyt.tensor(ps)))
            compare("bernoulli(p)", dt, x, Spec(BERNOULLI, 0, 0, ps.ctypes.data, None, 0, 0),
                    n, seed)
            x = draw(seed, lambda: pyt.empty(n, dtype=dt).random_(0, 2))
            compare("random_(0, 2)", dt, x, Spec(INTEGER, 0, 0, None, None, 0, 2), n, seed)
            if dt is not pyt.bool:
                x = draw(seed, lambda: pyt.empty(n, dtype=dt).geometric_(0.2))
                compare("geometric", dt, x, Spec(GEOMETRIC, 0.2, 0, None, None, 0, 0), n, seed)
                x = draw(seed, lambda: pyt.empty(n, dtype=dt).random_(3, 100))
                compare("random_", dt, x, Spec(INTEGER, 0, 0, None, None, 3, 97), n, seed)
        x = draw(seed, lambda: pyt.randint(-2**40, 2**40, (n,)))
        compare("randint", pyt.int64, x, Spec(INTEGER, 0, 0, None, None, -2**40, 2**41), n, seed)
        x = draw(seed, lambda: pyt.empty(n, dtype=pyt.int64).random_())
        compare("random_()", pyt.int64, x, Spec(INTEGER, 0, 0, None, None, 0, 2**63), n, seed)
    assert not failures, failures
