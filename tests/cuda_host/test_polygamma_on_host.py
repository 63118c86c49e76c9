"""pointwise.cu's polygamma element function (cuda_src/pointwise_ops.cuh) compiled for the
host and compared with pyt's CPU polygamma, n = 0..4: negatives, poles, tiny and large x,
nan and the infinities, float64 and float32 (the GPU path, as the CPU's, computes in double
and rounds once). On the host both use the same libm, so the values agree bit for bit; on
the GPU pow / tgamma are CUDA's (an ulp or two). Needs nvcc; skipped without it."""
import ctypes
import os

import numpy as np
import pytest

import pyt

from _nvcc import HERE, NVCC, host_library

pytestmark = pytest.mark.skipif(NVCC is None, reason="needs nvcc")


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    so = host_library(tmp_path_factory.mktemp("polygamma"), os.path.join(HERE, "polygamma_host.cu"))
    so.host_polygamma.restype = None
    so.host_polygamma.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    return so


def _inputs():
    special = [0.0, -0.0, -1.0, -2.0, -7.0, 1.0, 2.0, 0.5, -0.5, -1.5, -2.25, -10.75, -49.5,
               1e-8, -1e-8, 1e-300, 3.0e5, 1e10, 1e200, np.nan, np.inf, -np.inf]
    grid = np.linspace(-6.0, 30.0, 577)              # steps of 1/16: poles hit exactly
    rng = np.random.default_rng(0)
    return np.concatenate([special, grid, rng.uniform(-20, 20, 200), rng.exponential(50, 100)])


def _host(lib, n, x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.empty_like(x)
    lib.host_polygamma(n, x.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p),
                       x.size)
    return y


@pytest.mark.parametrize("n", range(5))
def test_float64_matches_the_cpu(lib, n):
    x = _inputs()
    cpu = pyt.polygamma(n, pyt.tensor(x, dtype=pyt.float64)).numpy()
    np.testing.assert_array_equal(_host(lib, n, x), cpu)


@pytest.mark.parametrize("n", range(1, 5))
def test_float32_matches_the_cpu(lib, n):
    # n = 0 is digamma's float kernel, already on the GPU; n >= 1 goes through double
    x = _inputs()
    x = x[~(np.abs(x) > 1e30)].astype(np.float32)
    cpu = pyt.polygamma(n, pyt.tensor(x)).numpy()
    with np.errstate(over="ignore"):                 # poles near 0 overflow float32
        got = _host(lib, n, x.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(got, cpu)
