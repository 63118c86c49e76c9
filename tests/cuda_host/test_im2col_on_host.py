"""conv.cu's im2col / col2im index math (cuda_src/im2col.cuh), compiled for the host and
run over every (sample, channel, position) as the kernels run it, against numpy's
slicing: random 1-3-d geometries (padding, stride, dilation, empty outputs), both column
layouts conv uses ([sample][row][L] for unfold, [row][sample][L] for the convolution's
products), both index widths, the unrolled square kernels (1, 3, 5) and the 32-bit
division by multiplication. Needs nvcc."""
import ctypes

import numpy as np
import pytest

from _nvcc import HERE, NVCC, host_library

pytestmark = pytest.mark.skipif(NVCC is None, reason="needs nvcc")

P64 = ctypes.POINTER(ctypes.c_int64)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    import os
    return host_library(tmp_path_factory.mktemp("im2col"), os.path.join(HERE, "im2col_host.cu"))


def _geom(C, size, out, k, stride, pad, dil):
    return np.array([C, *size, *out, *k, *stride, *pad, *dil], dtype=np.int64)


def _reference_cols(im, size, out, k, stride, pad, dil):
    """[B, C, kvol, L] columns of im [B, C, *size] by slicing its zero-padded copy."""
    B, C = im.shape[:2]
    padded = np.zeros((B, C) + tuple(s + 2 * p + k_ * d + o * st for s, p, k_, d, o, st
                                     in zip(size, pad, k, dil, out, stride)))
    padded[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(pad, size))] = \
        im.reshape((B, C) + tuple(size))
    cols = []
    for k0 in range(k[0]):
        for k1 in range(k[1]):
            for k2 in range(k[2]):
                taps = (k0, k1, k2)
                sl = tuple(slice(t * d, t * d + o * st, st) if o else slice(0, 0)
                           for t, d, o, st in zip(taps, dil, out, stride))
                cols.append(padded[(slice(None), slice(None)) + sl].reshape(B, C, -1))
    return np.stack(cols, axis=2)


def _random_geometry(rng):
    dims = rng.integers(1, 4)
    size, out, k, stride, pad, dil = ([1] * 3 for _ in range(6))
    size, out, k, stride, pad, dil = [list(x) for x in (size, out, k, stride, pad, dil)]
    for i in range(3 - dims, 3):
        k[i] = int(rng.choice([1, 2, 3, 5]))
        stride[i] = int(rng.integers(1, 4))
        dil[i] = int(rng.integers(1, 3))
        pad[i] = int(rng.integers(0, 3))
        size[i] = int(rng.integers(1, 9))
        span = size[i] + 2 * pad[i] - dil[i] * (k[i] - 1) - 1
        out[i] = span // stride[i] + 1 if span >= 0 else 0
    if dims >= 2 and rng.random() < 0.5:      # square kernels: conv.cu's unrolled ones
        k[1] = k[2]
        span = size[1] + 2 * pad[1] - dil[1] * (k[1] - 1) - 1
        out[1] = span // stride[1] + 1 if span >= 0 else 0
    for i in range(3 - dims):
        pad[i] = 0
    return int(rng.integers(1, 4)), size, out, k, stride, pad, dil


def _run(lib, to_columns, use32, im, cols, geom, B, im_stride, col_stride, ldcol, K=0):
    lib.host_im2col(ctypes.c_int(to_columns), ctypes.c_int(use32), ctypes.c_int(K),
                    im.ctypes.data_as(ctypes.c_void_p), cols.ctypes.data_as(ctypes.c_void_p),
                    geom.ctypes.data_as(P64), ctypes.c_int64(B), ctypes.c_int64(im_stride),
                    ctypes.c_int64(col_stride), ctypes.c_int64(ldcol))


@pytest.mark.parametrize("layout", ["sample_major", "row_major"])
@pytest.mark.parametrize("use32", [1, 0])
def test_im2col_and_col2im_match_numpy(lib, layout, use32):
    rng = np.random.default_rng(7 + use32)
    for trial in range(120):
        C, size, out, k, stride, pad, dil = _random_geometry(rng)
        geom = _geom(C, size, out, k, stride, pad, dil)
        assert lib.host_fits_int32(geom.ctypes.data_as(P64)) == 1
        B = int(rng.integers(1, 4))
        plane, L, kvol = int(np.prod(size)), int(np.prod(out)), int(np.prod(k))
        im = rng.standard_normal((B, C, plane))
        want = _reference_cols(im, size, out, k, stride, pad, dil)      # [B, C, kvol, L]
        if layout == "sample_major":
            col_stride, ldcol = C * kvol * L, L
            as_bckl = lambda flat: flat.reshape(B, C, kvol, L)
        else:
            col_stride, ldcol = L, B * L
            as_bckl = lambda flat: flat.reshape(C, kvol, B, L).transpose(2, 0, 1, 3)
        # K: the generic loops, and conv.cu's unrolled kernel where k[1] == k[2] is 1, 3, 5
        unrolled = [0] + ([k[2]] if k[1] == k[2] and k[2] in (1, 3, 5) else [])
        where = f"trial {trial}: C={C} size={size} out={out} k={k} s={stride} p={pad} d={dil}"
        for K in unrolled:
            cols = np.full(B * C * kvol * L, np.nan)
            _run(lib, 1, use32, im, cols, geom, B, C * plane, col_stride, ldcol, K)
            np.testing.assert_array_equal(as_bckl(cols), want, err_msg=f"{where} K={K}")

        # col2im: each pixel gets the sum of the entries that hold it (found by tagging
        # each pixel with its number), overwriting what was there
        y = rng.standard_normal(B * C * kvol * L)
        tags = _reference_cols(np.broadcast_to(np.arange(1.0, plane + 1), (B, C, plane)),
                               size, out, k, stride, pad, dil)
        y_bckl = as_bckl(y)
        want_back = np.zeros((B, C, plane))
        for p in range(plane):
            want_back[..., p] = np.where(tags == p + 1, y_bckl, 0).sum(axis=(2, 3))
        for K in unrolled:
            back = np.full((B, C, plane), np.nan)
            _run(lib, 0, use32, back, y, geom, B, C * plane, col_stride, ldcol, K)
            np.testing.assert_allclose(back, want_back, rtol=1e-12, atol=1e-12,
                                       err_msg=f"{where} K={K}")


def test_empty_output_overwrites_the_image_with_zeros(lib):
    geom = _geom(2, [1, 1, 3], [1, 1, 0], [1, 1, 5], [1, 1, 1], [0, 0, 0], [1, 1, 1])
    im = np.full((1, 2, 3), np.nan)
    _run(lib, 0, 1, im, np.zeros(1), geom, 1, 6, 0, 0)
    np.testing.assert_array_equal(im, 0)


def test_divider_by_multiplication(lib):
    rng = np.random.default_rng(3)
    d = np.concatenate([np.arange(1, 300), rng.integers(1, 1 << 30, 3000),
                        1 << np.arange(31), (1 << np.arange(1, 31)) + 1,
                        (1 << np.arange(2, 31)) - 1]).astype(np.int64)
    n = np.concatenate([rng.integers(0, 1 << 31, d.size // 2),
                        rng.integers(0, 1 << 12, d.size - d.size // 2)]).astype(np.int64)
    extremes = np.repeat(np.array([0, 1, (1 << 31) - 1, (1 << 30) - 1, (1 << 30)]), 64)
    d = np.concatenate([d, rng.choice(d, extremes.size)])
    n = np.concatenate([n, extremes]).astype(np.int64)
    n = np.concatenate([n, d * (n % 7)]).clip(0, (1 << 31) - 1)
    d = np.concatenate([d, d])
    bad = lib.host_divider_check(d.ctypes.data_as(P64), n.ctypes.data_as(P64),
                                 ctypes.c_int64(d.size))
    assert bad == -1, (int(d[bad]), int(n[bad]))
