"""unique / unique_consecutive, bincount, histc, searchsorted / bucketize and mode on the
GPU (cuda_src/unique_search.cu) against pyt's own CPU results, through the torch-style
API: `x.cuda().unique().cpu()` equals `x.unique()`. Counts and indices are exact;
bincount's float sums within rounding (atomics add in another order).
(These tests skip without a GPU.)"""
import numpy as np
import pytest

import pyt

from _helpers import assert_same

pytestmark = pytest.mark.skipif(not pyt.cuda.is_available(), reason="no CUDA device")

ALL_DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
              pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
INTS = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]
NUMERIC = [d for d in ALL_DTYPES if d is not pyt.bool]


def host(shape, dtype, seed=0, nan=False):
    """A CPU tensor of small values (many ties); floats get a -0.0, and NaNs when asked."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype is pyt.bool:
        return pyt.tensor(rng.random(n) > 0.5).reshape(shape)
    if dtype.is_floating_point:
        v = rng.integers(-6, 7, n) / 2.0
        if n > 2:
            v[1] = -0.0
        if nan and n > 0:
            v[rng.integers(0, n, max(1, n // 20))] = np.nan
        return pyt.tensor(v).to(dtype).reshape(shape)
    v = rng.integers(0, 5, n) if dtype is pyt.uint8 else rng.integers(-4, 5, n)
    return pyt.tensor(v).to(dtype).reshape(shape)


def same(cpu, gpu, rtol=0.0, atol=0.0):
    for g in (gpu if isinstance(gpu, (tuple, list)) else (gpu,)):
        assert g.is_cuda
    assert_same(cpu, gpu, rtol, atol)


def views(x):
    """x and non-contiguous views of it (transposed, stepped, expanded) on both devices."""
    out = [x]
    if x.dim() >= 2:
        out.append(x.transpose(0, 1))
    if x.dim() >= 1 and x.shape[0] > 2:
        out.append(x[::2])
    if x.dim() == 1 and x.numel() > 0:
        out.append(x[:3].expand(4, min(3, x.numel())))
    return out


# ----- unique ----------------------------------------------------------------------------

UNIQUE_SHAPES = [(0,), (1,), (7,), (40,), (3000,), (5, 6), (3, 4, 5), (), (0, 4), (4, 0)]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape", UNIQUE_SHAPES)
def test_unique_flat(dtype, shape):
    base = host(shape, dtype, seed=len(shape), nan=dtype.is_floating_point)
    for x in views(base):
        xc = x.cuda()
        for inv in (False, True):
            for cnt in (False, True):
                same(pyt.unique(x, return_inverse=inv, return_counts=cnt),
                     pyt.unique(xc, return_inverse=inv, return_counts=cnt))
                same(pyt.unique_consecutive(x, return_inverse=inv, return_counts=cnt),
                     pyt.unique_consecutive(xc, return_inverse=inv, return_counts=cnt))
        same(x.unique(sorted=False), xc.unique(sorted=False))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape", [(1,), (7,), (5, 6), (3, 4, 5), (40, 2), (0, 4), (3, 1)])
def test_unique_dim(dtype, shape):
    base = host(shape, dtype, seed=7, nan=dtype.is_floating_point)
    for x in views(base):
        xc = x.cuda()
        for d in range(-x.dim(), x.dim()):
            if 0 in x.shape and x.shape[d] != 0:
                continue                             # an error: tested below
            for kw in ({}, {"return_inverse": True}, {"return_counts": True},
                       {"return_inverse": True, "return_counts": True}):
                same(pyt.unique(x, dim=d, **kw), pyt.unique(xc, dim=d, **kw))
                same(pyt.unique_consecutive(x, dim=d, **kw),
                     pyt.unique_consecutive(xc, dim=d, **kw))


def test_unique_rows_with_ties_and_nan():
    rng = np.random.default_rng(3)
    rows = rng.integers(0, 2, (300, 6)).astype(np.float64)
    rows[:, :4] = 1.0                                # rows that differ only late
    rows[5, 2] = np.nan                              # rows with NaN stand alone
    rows[9] = rows[5]
    rows[11, 1] = -0.0
    for dt in (pyt.float32, pyt.float64, pyt.int64):
        x = pyt.tensor(rows).to(dt)
        for d in (0, 1):
            same(pyt.unique(x, dim=d, return_inverse=True, return_counts=True),
                 pyt.unique(x.cuda(), dim=d, return_inverse=True, return_counts=True))
            same(pyt.unique_consecutive(x, dim=d, return_inverse=True, return_counts=True),
                 pyt.unique_consecutive(x.cuda(), dim=d, return_inverse=True,
                                        return_counts=True))
    v = pyt.tensor([0.0, -0.0, float("nan"), 1.0, float("nan"), -0.0, 0.0, float("inf")])
    for dt in FLOATS:
        t = v.to(dt).repeat(500)
        same(pyt.unique(t, return_inverse=True, return_counts=True),
             pyt.unique(t.cuda(), return_inverse=True, return_counts=True))


def test_unique_errors():
    with pytest.raises(IndexError):
        pyt.unique(pyt.tensor(1.0).cuda(), dim=0)
    with pytest.raises(IndexError):
        pyt.unique(pyt.ones(2, 3).cuda(), dim=2)
    with pytest.raises(RuntimeError, match="0 sized dimensions"):
        pyt.unique(pyt.ones(2, 0).cuda(), dim=0)


# ----- bincount --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", INTS)
def test_bincount(dtype):
    rng = np.random.default_rng(1)
    for n in (0, 1, 9, 5000):
        x = pyt.tensor(rng.integers(0, 30 if n < 100 else 120, n)).to(dtype)
        xc = x.cuda()
        for ml in (0, 5, 200):
            same(pyt.bincount(x, minlength=ml), pyt.bincount(xc, minlength=ml))
        for wdt in (pyt.float32, pyt.float64, pyt.int32):
            w = pyt.tensor(rng.standard_normal(n)).to(wdt)
            tol = 1e-5 if wdt is pyt.float32 else 1e-12
            same(pyt.bincount(x, w, minlength=3), pyt.bincount(xc, w.cuda(), minlength=3),
                 tol, tol)
    x = pyt.tensor(rng.integers(0, 10, 40))
    same(pyt.bincount(x[::3]), pyt.bincount(x.cuda()[::3]))
    same(pyt.bincount(x[:1].expand(6)), pyt.bincount(x.cuda()[:1].expand(6)))
    same(x.bincount(), x.cuda().bincount())


def test_bincount_errors():
    with pytest.raises(RuntimeError, match="non-negative"):
        pyt.bincount(pyt.tensor([1, -1, 2]).cuda())
    with pytest.raises(RuntimeError, match="non-negative"):
        pyt.bincount(pyt.tensor([[1, 2]]).cuda())
    with pytest.raises(NotImplementedError):
        pyt.bincount(pyt.tensor([1.0, 2.0]).cuda())
    with pytest.raises(RuntimeError, match="minlength"):
        pyt.bincount(pyt.tensor([1, 2]).cuda(), minlength=-1)
    with pytest.raises(RuntimeError, match="weights"):
        pyt.bincount(pyt.tensor([1, 2]).cuda(), pyt.ones(3).cuda())
    with pytest.raises(RuntimeError, match="same device"):
        pyt.bincount(pyt.tensor([1, 2]).cuda(), pyt.ones(2))


# ----- histc -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_histc(dtype):
    rng = np.random.default_rng(2)
    data = pyt.tensor(rng.standard_normal(3000) * 3).to(dtype)
    edges = pyt.linspace(0, 1, 1001).to(dtype)            # values on the bin edges
    for x in (data, data.reshape(30, 100).t(), data[::7], edges, data[:0], data[:1]):
        xc = x.cuda()
        for bins, lo, hi in ((100, 0, 0), (10, 0.0, 1.0), (7, -2, 3.5), (1, -1, 1),
                             (13, 0.5, 0.5)):
            same(pyt.histc(x, bins, lo, hi), pyt.histc(xc, bins, lo, hi))
    nan = pyt.tensor([1.0, float("nan"), 2.0, 3.0]).to(dtype)
    same(pyt.histc(nan, 4, 0, 4), pyt.histc(nan.cuda(), 4, 0, 4))
    c = pyt.tensor([2.0, 2.0]).to(dtype)                  # min == max: data range +- 1
    same(pyt.histc(c, 5), pyt.histc(c.cuda(), 5))
    out = pyt.empty(0, dtype=dtype).cuda()
    r = pyt.histc(data.cuda(), 9, -1, 1, out=out)
    assert r is out
    same(pyt.histc(data, 9, -1, 1), out)


def test_histc_errors():
    with pytest.raises(RuntimeError, match="not finite"):
        pyt.histc(pyt.tensor([1.0, float("nan")]).cuda())
    with pytest.raises(RuntimeError, match="not finite"):
        pyt.histc(pyt.tensor([1.0, float("inf")]).cuda())
    with pytest.raises(RuntimeError, match="max must be larger"):
        pyt.histc(pyt.ones(3).cuda(), 4, 2, 1)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        pyt.histc(pyt.ones(3).cuda(), 0)
    with pytest.raises(NotImplementedError):
        pyt.histc(pyt.tensor([1, 2]).cuda())


# ----- searchsorted / bucketize -----------------------------------------------------------

@pytest.mark.parametrize("dtype", NUMERIC)
def test_searchsorted(dtype):
    seq = host((50,), dtype, seed=4, nan=dtype.is_floating_point).sort().values
    vals = host((6, 9), dtype, seed=5, nan=dtype.is_floating_point)
    seq2 = host((6, 20), dtype, seed=6).sort(dim=1).values
    sc, vc, s2c = seq.cuda(), vals.cuda(), seq2.cuda()
    for right in (False, True):
        same(pyt.searchsorted(seq, vals, right=right), pyt.searchsorted(sc, vc, right=right))
        same(pyt.searchsorted(seq2, vals, right=right),
             pyt.searchsorted(s2c, vc, right=right))
        same(pyt.searchsorted(seq2.t().contiguous().t(), vals.t().contiguous().t(),
                              right=right),
             pyt.searchsorted(s2c.t().contiguous().t(), vc.t().contiguous().t(),
                              right=right))
        same(pyt.searchsorted(seq, vals.t(), right=right),
             pyt.searchsorted(sc, vc.t(), right=right))
        same(pyt.searchsorted(seq[::2], vals[::2], right=right),
             pyt.searchsorted(sc[::2], vc[::2], right=right))
        same(pyt.searchsorted(seq, vals, right=right, out_int32=True),
             pyt.searchsorted(sc, vc, right=right, out_int32=True))
        same(pyt.bucketize(vals, seq, right=right), pyt.bucketize(vc, sc, right=right))
        same(pyt.searchsorted(seq[:0], vals, right=right),
             pyt.searchsorted(sc[:0], vc, right=right))
        same(pyt.searchsorted(seq, vals[:0], right=right),
             pyt.searchsorted(sc, vc[:0], right=right))
        same(pyt.searchsorted(seq, 2, right=right), pyt.searchsorted(sc, 2, right=right))
    for side in ("left", "right"):
        same(pyt.searchsorted(seq, vals, side=side), pyt.searchsorted(sc, vc, side=side))
    # an unsorted sequence seen through its sorter (1-D and per row)
    perm = pyt.tensor(np.random.default_rng(0).permutation(50))
    shuffled = seq[perm]
    sorter = shuffled.argsort(stable=True)
    same(pyt.searchsorted(shuffled, vals, sorter=sorter),
         pyt.searchsorted(shuffled.cuda(), vc, sorter=sorter.cuda()))
    rows = seq2.flip(1)
    rs = rows.argsort(dim=1, stable=True)
    same(pyt.searchsorted(rows, vals, sorter=rs, right=True),
         pyt.searchsorted(rows.cuda(), vc, sorter=rs.cuda(), right=True))


def test_searchsorted_mixed_dtypes_and_scalars():
    seq = pyt.tensor([1, 3, 3, 5, 9])
    vals = pyt.tensor([[0.5, 3.0], [3.5, 10.0]])
    same(pyt.searchsorted(seq, vals), pyt.searchsorted(seq.cuda(), vals.cuda()))
    same(pyt.searchsorted(seq, 3.0, right=True), pyt.searchsorted(seq.cuda(), 3.0, right=True))
    big = pyt.tensor([2 ** 62, 2 ** 62 + 1, 2 ** 62 + 2], dtype=pyt.int64)
    same(pyt.searchsorted(big, big), pyt.searchsorted(big.cuda(), big.cuda()))
    long_seq = pyt.arange(100000, dtype=pyt.float32) / 3
    q = pyt.linspace(-1, 40000, 5001)
    same(pyt.searchsorted(long_seq, q), pyt.searchsorted(long_seq.cuda(), q.cuda()))


def test_searchsorted_errors():
    seq = pyt.tensor([1.0, 2.0, 3.0]).cuda()
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        pyt.searchsorted(seq, seq, sorter=pyt.tensor([0, 1, 3]).cuda())
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        pyt.searchsorted(seq, seq, sorter=pyt.tensor([0, -1, 2]).cuda())
    with pytest.raises(RuntimeError, match="long dtype"):
        pyt.searchsorted(seq, seq, sorter=pyt.tensor([0, 1, 2], dtype=pyt.int32).cuda())
    with pytest.raises(RuntimeError, match="same device type"):
        pyt.searchsorted(seq, pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="same device type"):
        pyt.searchsorted(seq, seq, sorter=pyt.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="side"):
        pyt.searchsorted(seq, seq, side="middle")
    with pytest.raises(RuntimeError, match="boundaries tensor should be 1 dimension"):
        pyt.searchsorted(pyt.ones(2, 3).cuda(), pyt.ones(3, 3).cuda())
    with pytest.raises(NotImplementedError):
        pyt.searchsorted(pyt.tensor([False, True]).cuda(), pyt.tensor([True]).cuda())


# ----- mode ------------------------------------------------------------------------------

MODE_CASES = [((7,), 0), ((5, 9), 1), ((5, 9), 0), ((3, 4, 5), 1), ((2, 2049), 1),
              ((3, 3000, 2), 1), ((1, 1), 1), ((4, 33), -1), ((5, 0), 0)]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape,dim", MODE_CASES)
def test_mode(dtype, shape, dim):
    x = host(shape, dtype, seed=9, nan=dtype.is_floating_point)
    for v in views(x):
        if v.dim() == 0 or v.shape[dim] == 0:
            continue
        vc = v.cuda()
        same(v.mode(dim), vc.mode(dim))
        same(v.mode(dim, keepdim=True), vc.mode(dim, keepdim=True))
    s = pyt.tensor(3).to(dtype)
    same(s.mode(), s.cuda().mode())


def test_mode_ties_and_gradient():
    v = pyt.tensor([2.0, 1.0, float("nan"), 1.0, 2.0, -0.0, 0.0, float("nan"), 0.0])
    for dt in FLOATS:
        t = v.to(dt)
        same(t.mode(0), t.cuda().mode(0))
    x = host((4, 30), pyt.float64, seed=12)
    xc = x.cuda().requires_grad_()
    xh = x.clone().requires_grad_()
    xh.mode(1).values.sum().backward()
    xc.mode(1).values.sum().backward()
    same(xh.grad, xc.grad)
    with pytest.raises(IndexError):
        pyt.ones(3, 0).cuda().mode(1)
