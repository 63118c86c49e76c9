"""Scans and sorting on the GPU (cuda_src/scan.cu, sort.cu) against pyt's own CPU results,
through the torch-style API: `x.cuda().cumsum(1).cpu()` equals `x.cumsum(1)`; gradients
too. Indices and sorted values are exact; float sums/products within rounding.
(These tests skip without a GPU.)"""
import pytest

import pyt
from _helpers import same_on_gpu, sample

pytestmark = pytest.mark.skipif(not pyt.cuda.is_available(), reason="no CUDA device")

ALL_DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
              pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
NUMERIC = [d for d in ALL_DTYPES if d is not pyt.bool]
RTOL = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 1e-5, pyt.float64: 1e-10}


def host(shape, dtype, seed=0, nan=False, ties=True):
    return sample(shape, dtype, seed, nan, ties, negative_zero=True)


same = same_on_gpu


# shapes and dims: the line kernel (many lines / short lines), the block kernel (few long
# lines, innermost or strided), size-1 and empty dims
SCAN_CASES = [((7,), 0), ((5, 9), 1), ((5, 9), 0), ((3, 4, 5), 1), ((2, 3000), 1),
              ((3000, 2), 0), ((1, 70), 1), ((4, 1), 1), ((0, 5), 1), ((6, 4097), 1),
              ((2, 5000, 3), 1), ((5000, 3), 1)]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape,dim", SCAN_CASES)
def test_cumsum_cumprod(dtype, shape, dim):
    x = host(shape, dtype, seed=len(shape) + dim)
    xc = x.cuda()
    tol = RTOL.get(dtype, 0.0)
    same(x.cumsum(dim), xc.cumsum(dim), tol, tol)
    # products of many halves overflow / vanish: compare small pieces only
    y = (x if not dtype.is_floating_point else (x.abs() + 0.5).clamp(max=1.25))
    same(y.cumprod(dim), y.cuda().cumprod(dim), tol * 10, 1e-30 if tol else 0.0)


@pytest.mark.parametrize("dtype", NUMERIC)
@pytest.mark.parametrize("shape,dim", SCAN_CASES)
def test_cummax_cummin(dtype, shape, dim):
    x = host(shape, dtype, seed=3, nan=dtype.is_floating_point)
    xc = x.cuda()
    same(pyt.cummax(x, dim), pyt.cummax(xc, dim))
    same(pyt.cummin(x, dim), pyt.cummin(xc, dim))


def test_cummax_bool_and_nan_rules():
    x = host((4, 300), pyt.bool, seed=1)
    same(pyt.cummax(x, 1), pyt.cummax(x.cuda(), 1))
    same(pyt.cummin(x, 1), pyt.cummin(x.cuda(), 1))
    v = pyt.tensor([1.0, float("nan"), 3.0, float("nan"), 2.0, 5.0, 5.0, -1.0])
    for t in (v, v.repeat(400)):
        same(pyt.cummax(t, 0), pyt.cummax(t.cuda(), 0))
        same(pyt.cummin(t, 0), pyt.cummin(t.cuda(), 0))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,dim", SCAN_CASES)
def test_logcumsumexp(dtype, shape, dim):
    x = host(shape, dtype, seed=5, ties=False)
    tol = RTOL[dtype]
    same(x.logcumsumexp(dim), x.cuda().logcumsumexp(dim), tol * 10, tol * 10)


def test_scan_dtype_args_and_noncontiguous():
    x = host((6, 40), pyt.int32, seed=2)
    same(x.cumsum(1, dtype=pyt.float64), x.cuda().cumsum(1, dtype=pyt.float64))
    same(x.cumsum(0), x.cuda().cumsum(0))
    y = host((40, 6), pyt.float32, seed=4).t()
    same(y.cumsum(1), y.cuda().cumsum(1), 1e-5, 1e-5)
    same(pyt.cummax(y, 0), pyt.cummax(y.cuda(), 0))
    z = host((9, 7), pyt.float64, seed=6)[::2, 1::2]
    same(z.cumprod(0), z.cuda().cumprod(0), 1e-12, 1e-12)
    s = pyt.tensor(2.5)
    same(s.cumsum(0), s.cuda().cumsum(0))


def test_long_scans():
    x = host((100000,), pyt.float32, seed=7, ties=False)
    same(x.cumsum(0), x.cuda().cumsum(0), 1e-4, 1e-3)
    same(x.logcumsumexp(0), x.cuda().logcumsumexp(0), 1e-5, 1e-5)
    same(pyt.cummax(x, 0), pyt.cummax(x.cuda(), 0))
    i = host((3, 100000), pyt.int64, seed=8, ties=False)
    same(i.cumsum(1), i.cuda().cumsum(1))
    same(pyt.cummin(i, 1), pyt.cummin(i.cuda(), 1))
    m = host((20000, 7), pyt.float64, seed=9)      # many short lines
    same(m.cumsum(1), m.cuda().cumsum(1), 1e-12, 1e-12)
    same(pyt.cummax(m, 1), pyt.cummax(m.cuda(), 1))


# ----- sorting ---------------------------------------------------------------------------

SORT_CASES = [((7,), 0), ((5, 9), 1), ((5, 9), 0), ((3, 4, 5), 1), ((2, 2048), 1),
              ((2, 2049), 1), ((3, 3000, 2), 1), ((1, 1), 1), ((4, 33), -1), ((0, 5), 1),
              ((5, 0), 1)]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape,dim", SORT_CASES)
def test_sort_argsort(dtype, shape, dim):
    x = host(shape, dtype, seed=11, nan=dtype.is_floating_point)
    xc = x.cuda()
    for desc in (False, True):
        same(x.sort(dim, descending=desc), xc.sort(dim, descending=desc))
        same(x.sort(dim, descending=desc, stable=True),
             xc.sort(dim, descending=desc, stable=True))
        same(x.argsort(dim, descending=desc), xc.argsort(dim, descending=desc))
    if len(shape) > 1:
        same(pyt.msort(x), pyt.msort(xc))


@pytest.mark.parametrize("dtype", NUMERIC)
@pytest.mark.parametrize("shape,dim", [s for s in SORT_CASES if 0 not in s[0]])
def test_topk_kthvalue_median(dtype, shape, dim):
    x = host(shape, dtype, seed=13, nan=dtype.is_floating_point)
    xc = x.cuda()
    n = shape[dim]
    for k in sorted({1, min(3, n), n}):
        for largest in (True, False):
            same(x.topk(k, dim, largest=largest), xc.topk(k, dim, largest=largest))
        same(x.kthvalue(k, dim), xc.kthvalue(k, dim))
        same(x.kthvalue(k, dim, keepdim=True), xc.kthvalue(k, dim, keepdim=True))
    same(x.median(dim), xc.median(dim))
    same(x.nanmedian(dim), xc.nanmedian(dim))
    same(x.median(dim, keepdim=True), xc.median(dim, keepdim=True))
    same(x.median(), xc.median())
    same(x.nanmedian(), xc.nanmedian())


def test_sort_special_values():
    v = pyt.tensor([0.0, -0.0, float("nan"), float("inf"), -float("inf"), 1.0, float("nan"),
                    -0.0, 2.0, 0.0])
    for dt in FLOATS:
        t = v.to(dt)
        for long in (False, True):
            u = t.repeat(300) if long else t
            for desc in (False, True):
                same(u.sort(descending=desc), u.cuda().sort(descending=desc))
            same(u.topk(4), u.cuda().topk(4))
            same(u.median(0), u.cuda().median(0))
            same(u.nanmedian(0), u.cuda().nanmedian(0))
    allnan = pyt.full((3, 5), float("nan"))
    same(allnan.nanmedian(1), allnan.cuda().nanmedian(1))
    i = pyt.tensor([2 ** 62, -2 ** 63, 5, -1, 2 ** 63 - 1, 0], dtype=pyt.int64)
    same(i.sort(), i.cuda().sort())
    same(i.sort(descending=True), i.cuda().sort(descending=True))


def test_long_sorts():
    x = host((100000,), pyt.float32, seed=17, nan=True)
    xc = x.cuda()
    for desc in (False, True):
        same(x.sort(descending=desc), xc.sort(descending=desc))
    same(x.topk(50), xc.topk(50))
    same(x.topk(50, largest=False), xc.topk(50, largest=False))
    same(x.kthvalue(777), xc.kthvalue(777))
    same(x.median(0), xc.median(0))
    same(x.nanmedian(0), xc.nanmedian(0))
    for dt in (pyt.int64, pyt.float64, pyt.float16, pyt.int8, pyt.bool):
        y = host((3, 5000), dt, seed=19, nan=dt.is_floating_point)
        same(y.sort(1), y.cuda().sort(1))
        same(y.sort(0, descending=True), y.cuda().sort(0, descending=True))
        if dt is not pyt.bool:
            same(y.kthvalue(2500, 1), y.cuda().kthvalue(2500, 1))
            same(y.median(1), y.cuda().median(1))
    m = host((30000, 5), pyt.float32, seed=23, nan=True)     # many short rows
    same(m.sort(1), m.cuda().sort(1))
    same(m.sort(0), m.cuda().sort(0))
    same(m.topk(2, 1), m.cuda().topk(2, 1))


def test_sort_noncontiguous_and_out():
    x = host((12, 10), pyt.float32, seed=29, nan=True)[::3, ::2]
    xc = host((12, 10), pyt.float32, seed=29, nan=True).cuda()[::3, ::2]
    same(x.sort(1), xc.sort(1))
    same(x.t().sort(1, descending=True), xc.t().sort(1, descending=True))
    v, i = pyt.empty(0).cuda(), pyt.empty(0, dtype=pyt.int64).cuda()
    pyt.sort(xc, 1, out=(v, i))
    same(x.sort(1), (v, i))


# ----- gradients ---------------------------------------------------------------------------

def grads(fn, x, w):
    """(input gradient on the CPU, on the GPU) of sum(fn(x) * w)."""
    a = x.clone().requires_grad_()
    (fn(a) * w).sum().backward()
    b = x.cuda().requires_grad_()
    (fn(b) * w.cuda()).sum().backward()
    return a.grad, b.grad


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_scan_gradients(dtype):
    tol = 1e-4 if dtype is pyt.float32 else 1e-10
    x = host((4, 37), dtype, seed=31, ties=False)
    for dim in (0, 1):
        w = host(tuple(x.shape), dtype, seed=37, ties=False)
        same(*grads(lambda t: t.cumsum(dim), x, w), tol, tol)
        same(*grads(lambda t: t.cumprod(dim), x, w), tol, tol)
        same(*grads(lambda t: t.logcumsumexp(dim), x, w), tol, tol)
        same(*grads(lambda t: pyt.cummax(t, dim)[0], x, w), tol, tol)
        same(*grads(lambda t: pyt.cummin(t, dim)[0], x, w), tol, tol)
    z = x.clone()
    z[1, 3] = 0.0
    z[2, 5] = 0.0
    z[2, 9] = 0.0
    w = host(tuple(x.shape), dtype, seed=41, ties=False)
    same(*grads(lambda t: t.cumprod(1), z, w), tol, tol)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_prod_gradient(dtype):
    tol = 1e-4 if dtype is pyt.float32 else 1e-10
    x = host((5, 6), dtype, seed=43, ties=False)
    w = host((5,), dtype, seed=47, ties=False)
    same(*grads(lambda t: t.prod(1), x, w), tol, tol)
    x[2, 2] = 0.0
    same(*grads(lambda t: t.prod(1), x, w), tol, tol)
    same(*grads(lambda t: t.prod(), x, pyt.tensor(1.5, dtype=dtype)), tol, tol)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_sort_gradients(dtype):
    tol = 1e-5
    x = host((6, 50), dtype, seed=53, ties=False)
    w = host((6, 50), dtype, seed=59, ties=False)
    same(*grads(lambda t: t.sort(1, descending=True)[0], x, w), tol, tol)
    same(*grads(lambda t: t.sort(0)[0], x, w), tol, tol)
    w3 = host((6, 3), dtype, seed=61, ties=False)
    same(*grads(lambda t: t.topk(3, 1)[0], x, w3), tol, tol)
    w1 = host((6,), dtype, seed=67, ties=False)
    same(*grads(lambda t: t.kthvalue(7, 1)[0], x, w1), tol, tol)
    same(*grads(lambda t: t.median(1)[0], x, w1), tol, tol)
    same(*grads(lambda t: t.nanmedian(1)[0], x, w1), tol, tol)
    same(*grads(lambda t: t.median(), x, pyt.tensor(2.0, dtype=dtype)), tol, tol)
