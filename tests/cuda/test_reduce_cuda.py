"""Reductions and softmax on the GPU (cuda_src/reduce.cu, softmax.cu) against pyt's own
CPU results, through the torch-style API: `x.cuda().sum(1).cpu()` equals `x.sum(1)`.
(These tests skip without a GPU: tests/cuda/conftest.py.)"""
import numpy as np
import pytest

import pyt
from _helpers import same_on_gpu, sample

ALL_DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
              pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
INTS = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]
# tolerances for results that may round differently (the GPU adds in another order)
RTOL = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 1e-5, pyt.float64: 1e-10}


host = sample
same = same_on_gpu


def tol(dtype):
    return RTOL.get(dtype, 0.0)


def layouts(x):
    """x and non-contiguous views of the same values' shape family: transposed, stepped,
    expanded."""
    yield x
    if x.dim() >= 2:
        yield x.transpose(0, x.dim() - 1)
    if x.dim() >= 1 and x.shape[0] >= 2:
        yield x[::2]
    if x.dim() >= 1:
        yield x[:1].expand(3, *x.shape[1:])


DIMS = [None, 0, 1, -1, (0, 2)]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_sum_prod_counts(dtype):
    base = host((4, 5, 6), dtype, seed=1)
    for x in layouts(base):
        xc = x.cuda()
        for dim in DIMS:
            for keepdim in (False, True):
                kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
                same(x.sum(**kw), xc.sum(**kw), tol(dtype))
                if not isinstance(dim, tuple):            # prod takes one dim
                    same(x.prod(**kw), xc.prod(**kw), tol(dtype) * 4)
                if dim is not None:
                    same(x.all(dim, keepdim), xc.all(dim, keepdim))
                    same(x.any(dim, keepdim), xc.any(dim, keepdim))
                    same(x.amax(dim, keepdim), xc.amax(dim, keepdim))
                    same(x.amin(dim, keepdim), xc.amin(dim, keepdim))
            same(pyt.count_nonzero(x, dim), pyt.count_nonzero(xc, dim))
        same(x.all(), xc.all())
        same(x.any(), xc.any())
        same(x.amax(), xc.amax())
        same(x.amin(), xc.amin())


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_reductions_with_nan(dtype):
    x = host((6, 7, 5), dtype, seed=2, nan=True)
    xc = x.cuda()
    for dim in DIMS:
        kw = {} if dim is None else {"dim": dim}
        same(x.sum(**kw), xc.sum(**kw), tol(dtype))
        same(x.nansum(**kw), xc.nansum(**kw), tol(dtype))
        same(x.mean(**kw), xc.mean(**kw), tol(dtype))
        same(x.nanmean(**kw), xc.nanmean(**kw), tol(dtype))
        same(x.amax(**kw), xc.amax(**kw))
        same(x.amin(**kw), xc.amin(**kw))
    same(x.sum(1, dtype=pyt.float64), xc.sum(1, dtype=pyt.float64), 1e-12)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_max_min_with_indices(dtype):
    for nan in (False, True) if dtype.is_floating_point else (False,):
        base = host((5, 8, 7), dtype, seed=3, nan=nan)
        for x in layouts(base):
            xc = x.cuda()
            for dim in (0, 1, 2, -1):
                for keepdim in (False, True):
                    for fn in ("max", "min"):
                        c = getattr(x, fn)(dim, keepdim)
                        g = getattr(xc, fn)(dim, keepdim)
                        same((c.values, c.indices), (g.values, g.indices))
                    if dtype is not pyt.bool:              # as torch: no bool argmax
                        same(x.argmax(dim, keepdim), xc.argmax(dim, keepdim))
                        same(x.argmin(dim, keepdim), xc.argmin(dim, keepdim))
            if dtype is not pyt.bool:
                same(x.argmax(), xc.argmax())
                same(x.argmin(), xc.argmin())
            same(x.max(), xc.max())
            same(x.min(), xc.min())


@pytest.mark.parametrize("dtype", FLOATS)
def test_var_std(dtype):
    base = host((6, 5, 9), dtype, seed=4, ties=False)
    for x in layouts(base):
        xc = x.cuda()
        for dim in (None, 0, 2, (0, 1)):
            for correction in (0, 1):
                same(x.var(dim, correction=correction), xc.var(dim, correction=correction),
                     tol(dtype), 1e-6)
                same(x.std(dim, correction=correction), xc.std(dim, correction=correction),
                     tol(dtype), 1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_norms_and_logsumexp(dtype):
    base = host((7, 6, 5), dtype, seed=5, ties=False)
    for x in layouts(base):
        xc = x.cuda()
        for p in (1, 2, 3, 0.5, -1.5, 0, float("inf"), float("-inf")):
            for dim in (None, 1, (0, 2)):
                same(pyt.linalg.vector_norm(x, p, dim), pyt.linalg.vector_norm(xc, p, dim),
                     tol(dtype) * 2, 1e-6)
        same(x.norm(), xc.norm(), tol(dtype) * 2)
        for dim in (0, 1, (1, 2)):
            same(pyt.logsumexp(x, dim), pyt.logsumexp(xc, dim), tol(dtype) * 2, 1e-6)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.int32, pyt.float16, pyt.float64])
def test_large(dtype):
    n = 1 << 22
    x = host((n,), dtype, seed=6, ties=True)
    xc = x.cuda()
    same(x.sum(), xc.sum(), tol(dtype))
    same(x.amax(), xc.amax())
    same(x.argmax(), xc.argmax())
    same(x.argmin(), xc.argmin())
    same(pyt.count_nonzero(x), pyt.count_nonzero(xc))
    m = x.reshape(1024, 4096)
    mc = xc.reshape(1024, 4096)
    for dim in (0, 1):
        same(m.sum(dim), mc.sum(dim), tol(dtype))
        c, g = m.max(dim), mc.max(dim)
        same((c.values, c.indices), (g.values, g.indices))
    t = x.reshape(4, 1 << 20)               # few outputs, long rows and long columns
    tc = xc.reshape(4, 1 << 20)
    same(t.sum(1), tc.sum(1), tol(dtype))
    same(t.t().contiguous().sum(0), tc.t().contiguous().sum(0), tol(dtype))
    same(t.argmin(1), tc.argmin(1))
    same(t.t().contiguous().argmax(0), tc.t().contiguous().argmax(0))
    if dtype.is_floating_point:
        same(x.mean(), xc.mean(), tol(dtype))
        same(x.var(), xc.var(), tol(dtype) * 10)


def test_large_float_sum_accuracy():
    # float32 sums accumulate in double, as on the CPU
    x = pyt.tensor(np.random.default_rng(7).standard_normal(1 << 22).astype(np.float32))
    same(x.sum(), x.cuda().sum(), 1e-6)
    same(x.abs().sum(), x.cuda().abs().sum(), 1e-6)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.int64, pyt.bool])
def test_empty(dtype):
    x = host((3, 0, 4), dtype)
    xc = x.cuda()
    same(x.sum(1), xc.sum(1))
    same(x.prod(1), xc.prod(1))
    same(x.sum(0), xc.sum(0))
    same(x.sum(), xc.sum())
    same(x.all(1), xc.all(1))
    same(x.any(1), xc.any(1))
    same(pyt.count_nonzero(x, 1), pyt.count_nonzero(xc, 1))
    same(x.amax(2), xc.amax(2))
    with pytest.raises(IndexError):
        xc.amax(1)
    with pytest.raises(IndexError if dtype is not pyt.bool else RuntimeError):
        xc.argmax(1)


def test_many_dims():
    x = host((2,) * 12, pyt.float32, seed=8).permute(*reversed(range(12)))
    xc = x.cuda()
    same(x.sum((0, 3, 5, 7, 11)), xc.sum((0, 3, 5, 7, 11)), 1e-6)
    c, g = x.max(4), xc.max(4)
    same((c.values, c.indices), (g.values, g.indices))


# ----- softmax ---------------------------------------------------------------------------

SOFTMAX_SHAPES = [((4, 10), 1), ((4, 10), 0), ((3, 2000), 1), ((2, 5, 3), 1),
                  ((2, 5, 3), 0), ((2, 5, 3), 2), ((1, 1), 0), ((6, 0), 1)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("log", [False, True])
def test_softmax_forward(dtype, log):
    fn = pyt.log_softmax if log else pyt.softmax
    for shape, dim in SOFTMAX_SHAPES:
        x = host(shape, dtype, seed=9, ties=False) * 3
        same(fn(x, dim), fn(x.cuda(), dim), tol(dtype), 1e-6)
    x = host((5, 7), dtype, seed=10, nan=True)
    same(fn(x, 1), fn(x.cuda(), 1), tol(dtype), 1e-6)
    big = host((2, 3), dtype, seed=11, ties=False) * 1000     # exp under- and overflow
    same(fn(big, 1), fn(big.cuda(), 1), tol(dtype), 1e-6)
    t = host((4, 9), dtype, seed=12, ties=False).t()           # non-contiguous input
    same(fn(t, 1), fn(t.cuda(), 1), tol(dtype), 1e-6)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_backward(dtype, log):
    fn = pyt.log_softmax if log else pyt.softmax
    for shape, dim in SOFTMAX_SHAPES:
        x = host(shape, dtype, seed=13, ties=False)
        w = host(shape, dtype, seed=14, ties=False)
        xc = x.cuda().requires_grad_()
        x = x.requires_grad_()
        (fn(x, dim) * w).sum().backward()
        (fn(xc, dim) * w.cuda()).sum().backward()
        same(x.grad, xc.grad, tol(dtype) * 10, 1e-6)


def test_softmax_large_rows():
    x = host((8, 50000), pyt.float32, seed=15, ties=False)
    same(pyt.softmax(x, 1), pyt.softmax(x.cuda(), 1), 1e-5, 1e-9)
    same(pyt.log_softmax(x, 0), pyt.log_softmax(x.cuda(), 0), 1e-5, 1e-6)
