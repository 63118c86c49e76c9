"""resample.cu's index math (cuda_src/resample.cuh) compiled for the host and run over
whole tensors, against pyt's CPU pad / interpolate and their gradients, bit for bit: the
GPU kernels call the same functions per element, on the tables the CPU code makes
(_pad_index_maps, _interpolate_taps). Needs nvcc; skipped without it."""
import ctypes
import os

import numpy as np
import pytest

import pyt
import pyt.nn.functional as F
from pyt._ext import nn_kernels as K

from _nvcc import HERE, NVCC, host_library

pytestmark = pytest.mark.skipif(NVCC is None, reason="needs nvcc")

I64 = ctypes.c_int64


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return host_library(tmp_path_factory.mktemp("resample"), os.path.join(HERE, "resample_host.cu"))


def ptr(a):
    return a.ctypes.data_as(ctypes.c_void_p)


def rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


PAD_CASES = [
    ((2, 3, 5), (2, 1), "reflect"),
    ((3, 6), (-1, 2), "reflect"),
    ((2, 3, 4, 5), (3, 3, -1, 2), "reflect"),
    ((1, 2, 3, 3, 4), (1, 2, 2, 0, 1, 1), "reflect"),
    ((2, 3, 5), (4, 0), "replicate"),
    ((2, 2, 4, 5), (1, 6, 3, 2), "replicate"),
    ((2, 3, 2, 3, 4), (2, 2, 1, 0, 3, 1), "replicate"),
    ((2, 3, 5), (5, 2), "circular"),
    ((3, 6), (-2, 3), "circular"),
    ((2, 2, 4, 5), (1, 2, 4, 0), "circular"),
    ((1, 2, 3, 3, 4), (1, -1, 2, 3, 0, 2), "circular"),
]


@pytest.mark.parametrize("shape,pads,mode", PAD_CASES)
def test_pad_index_math_matches_the_cpu(lib, shape, pads, mode):
    planes, size, out, maps = K._pad_index_maps(shape, pads, mode)
    size = np.array(size, np.int64)
    out = np.array(out, np.int64)
    flat = np.array(maps[0] + maps[1] + maps[2], np.int64)
    x = rand(shape, np.float64)
    expected = F.pad(pyt.tensor(x), pads, mode=mode).numpy()
    y = np.empty(expected.shape, np.float64)
    lib.host_pad_gather(ptr(x), ptr(y), I64(planes), ptr(size), ptr(out), ptr(flat))
    np.testing.assert_array_equal(y, expected)
    for dt, fn in ((np.float32, lib.host_pad_grad_f), (np.float64, lib.host_pad_grad_d)):
        g = rand(expected.shape, dt, seed=1)
        cpu = K.pad_backward(pyt.tensor(g), list(shape), pads, mode).numpy()
        gi = np.empty(shape, dt)
        fn(ptr(g), ptr(gi), I64(planes), ptr(size), ptr(out), ptr(flat))
        np.testing.assert_array_equal(gi, cpu)       # same adds in the same order


def _pass(lib, adjoint, x, shape_out, taps, n_in, n_out, outer, inner):
    idx = np.array(taps[0], np.int64)
    w = np.array(taps[1], np.float64)
    y = np.empty(shape_out, x.dtype)
    fn = lib.host_resample_f if x.dtype == np.float32 else lib.host_resample_d
    fn(ctypes.c_int(adjoint), ptr(x), ptr(y), I64(outer), I64(n_in), I64(n_out), I64(inner),
       I64(taps[2]), ptr(idx), ptr(w))
    return y


ONE_DIM = [  # (L in, mode, size, scale_factor, align_corners)
    (7, "nearest", 13, None, None), (9, "nearest", None, 0.37, None),
    (5, "nearest", None, 2, None), (6, "nearest", 6, None, None),
    (7, "nearest-exact", 11, None, None), (10, "nearest-exact", None, 0.6, None),
    (7, "linear", 15, None, False), (7, "linear", 15, None, True),
    (12, "linear", None, 0.45, False), (12, "linear", None, 1.7, True),
    (1, "linear", 4, None, True), (5, "linear", 1, None, True),
]


@pytest.mark.parametrize("n_in,mode,size,sf,ac", ONE_DIM)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_one_dim_passes_match_the_cpu(lib, n_in, mode, size, sf, ac, dt):
    x = rand((2, 3, n_in), dt)
    kw = dict(size=size, scale_factor=sf, mode=mode, align_corners=ac)
    expected = F.interpolate(pyt.tensor(x), **kw).numpy()
    n_out = expected.shape[-1]
    taps = K._interpolate_taps(n_in, n_out, mode, bool(ac), sf)
    y = _pass(lib, 0, x, expected.shape, taps, n_in, n_out, 6, 1)
    np.testing.assert_array_equal(y, expected)
    g = rand(expected.shape, dt, seed=2)
    cpu = K.interpolate_backward(pyt.tensor(g), list(x.shape), **kw).numpy()
    gi = _pass(lib, 1, g, x.shape, taps, n_in, n_out, 6, 1)
    np.testing.assert_array_equal(gi, cpu)


INNER = [  # along H of [N, C, H, W], W kept (its pass is then exact identity)
    ("bicubic", 9, False), ("bicubic", 4, True), ("bicubic", 3, False),
    ("bilinear", 11, False), ("bilinear", 3, True), ("nearest", 10, None),
    ("bilinear-aa", 3, False), ("bicubic-aa", 2, True), ("bicubic-aa", 9, False),
]


@pytest.mark.parametrize("mode,h_out,ac", INNER)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_inner_passes_match_the_cpu(lib, mode, h_out, ac, dt):
    x = rand((2, 2, 6, 5), dt)
    # "-aa": antialias, whose taps per output vary with the scale (spare ones weigh 0)
    kw = dict(size=(h_out, 5), mode=mode.replace("-aa", ""), align_corners=ac,
              antialias=mode.endswith("-aa"))
    expected = F.interpolate(pyt.tensor(x), **kw).numpy()
    taps = K._interpolate_taps(6, h_out, mode, bool(ac), None)
    y = _pass(lib, 0, x, expected.shape, taps, 6, h_out, 4, 5)
    np.testing.assert_array_equal(y, expected)
    g = rand(expected.shape, dt, seed=3)
    cpu = K.interpolate_backward(pyt.tensor(g), list(x.shape), **kw).numpy()
    gi = _pass(lib, 1, g, x.shape, taps, 6, h_out, 4, 5)
    np.testing.assert_array_equal(gi, cpu)
