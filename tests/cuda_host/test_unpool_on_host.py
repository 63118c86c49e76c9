"""unpool.cu's index math (cuda_src/unpool.cuh) compiled for the host and run as the GPU's
two passes run it (claim with the largest position, then write the claimed values), over
elements in shuffled orders, against pyt's CPU max_unpool: the same values bit for bit,
repeated indices included (the plane's last value stays), and the same first bad index.
Needs nvcc; skipped without it."""
import ctypes
import os

import numpy as np
import pytest

import pyt
import pyt.nn.functional as F

from _nvcc import HERE, NVCC, host_library

pytestmark = pytest.mark.skipif(NVCC is None, reason="needs nvcc")


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    so = host_library(tmp_path_factory.mktemp("unpool"), os.path.join(HERE, "unpool_host.cu"))
    so.host_unpool.restype = ctypes.c_int64
    so.host_unpool.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_int64] * 3 + [ctypes.c_void_p]
    return so


def ptr(a):
    return a.ctypes.data_as(ctypes.c_void_p)


def run_host(lib, vals, idx, planes, src_len, dst_len, seed):
    src = np.ascontiguousarray(vals, dtype=np.float64)
    ix = np.ascontiguousarray(idx, dtype=np.int64)
    dst = np.zeros(planes * dst_len)
    order = np.random.default_rng(seed).permutation(planes * src_len).astype(np.int64)
    bad = lib.host_unpool(ptr(src), ptr(ix), ptr(dst), planes, src_len, dst_len, ptr(order))
    return dst, bad


@pytest.mark.parametrize("seed", range(4))
def test_unpool_matches_the_cpu_with_repeats(lib, seed):
    rng = np.random.default_rng(seed)
    planes, src_len, k = 6, 12, 2                       # max_unpool1d: dst_len = 24
    vals = rng.standard_normal((2, 3, src_len))
    idx = rng.integers(0, 9, (2, 3, src_len))           # many repeats within a plane
    cpu = F.max_unpool1d(pyt.tensor(vals), pyt.tensor(idx), k).numpy().reshape(-1)
    dst, bad = run_host(lib, vals, idx, planes, src_len, 2 * src_len, seed)
    assert bad == -1
    assert (dst.view(np.int64) == cpu.view(np.int64)).all()


def test_unpool_from_max_pool_2d(lib):
    x = pyt.tensor(np.random.default_rng(5).standard_normal((2, 3, 9, 8)))
    y, idx = F.max_pool2d(x, 3, 2, 1, return_indices=True)      # overlapping windows
    cpu = F.max_unpool2d(y, idx, 3, 2, 1, (9, 8)).numpy().reshape(-1)
    dst, bad = run_host(lib, y.numpy(), idx.numpy(), 6, 5 * 4, 9 * 8, 1)
    assert bad == -1
    assert (dst.view(np.int64) == cpu.view(np.int64)).all()


def test_unpool_first_bad_index(lib):
    vals = np.ones((2, 3, 4))
    idx = np.zeros((2, 3, 4), dtype=np.int64)
    idx[1, 2, 3], idx[0, 1, 2], idx[1, 0, 0] = 8, 9, -3
    with pytest.raises(RuntimeError, match="invalid max index: 9 "):
        F.max_unpool1d(pyt.tensor(vals), pyt.tensor(idx), 2)
    for seed in range(3):
        dst, bad = run_host(lib, vals, idx, 6, 4, 8, seed)
        assert bad == 1 * 4 + 2 and idx.reshape(-1)[bad] == 9
        assert not dst.any()                            # nothing written
