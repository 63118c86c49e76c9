"""The ops that dispatch to the GPU (reductions, softmax, matrix products, index ops, cat),
the nn.functional ops composed of them, and a refused op, each against pyt's own CPU
result. Skipped without a GPU (tests/cuda/conftest.py)."""
import numpy as np
import pytest

import pyt
import pyt.nn.functional as F

# tests/cuda/conftest.py skips this directory without a GPU; this line does the same where
# that file is not there yet
pytestmark = pytest.mark.skipif(
    not (hasattr(pyt, "cuda") and pyt.cuda.is_available()), reason="needs a CUDA GPU")


def host(t):
    """A NumPy copy of a tensor on any device (half types through float64)."""
    t = t.detach().cpu()
    if t.dtype in (pyt.float16, pyt.bfloat16):
        t = t.double()
    return np.array(t.numpy(), copy=True)


def same(cpu, gpu, rtol=0.0, atol=0.0):
    """gpu (a CUDA tensor) holds cpu's values: same dtype, shape and values (exact by
    default); tuples compared item by item."""
    if isinstance(cpu, (tuple, list)):
        assert len(cpu) == len(gpu)
        for c, g in zip(cpu, gpu):
            same(c, g, rtol, atol)
        return
    assert gpu.is_cuda, gpu.device
    assert gpu.dtype is cpu.dtype, (gpu.dtype, cpu.dtype)
    assert tuple(gpu.shape) == tuple(cpu.shape), (tuple(gpu.shape), tuple(cpu.shape))
    a, e = host(gpu), host(cpu)
    if e.dtype.kind == "f":
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, e)


def rand(shape, dtype=pyt.float32, seed=0):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.uniform(-1, 1, shape), dtype=dtype)


def ints(shape, dtype=pyt.int64, seed=0, low=-5, high=6):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.integers(low, high, shape), dtype=dtype)


F32 = dict(rtol=1e-5, atol=1e-6)
F64 = dict(rtol=1e-12, atol=1e-12)


def tol(dtype):
    return F64 if dtype is pyt.float64 else F32


# ----- reductions ---------------------------------------------------------------------------

DIMS = [None, 0, 2, -1, (0, 2), (1,)]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "prod", "amax", "amin", "nansum", "var",
                                "std", "logsumexp", "norm"])
def test_float_reductions(dtype, dim, keepdim, op):
    x = rand((3, 4, 5), dtype)
    if op == "prod" and isinstance(dim, tuple):
        pytest.skip("prod takes one dim")
    if op == "logsumexp" and dim is None:
        dim = (0, 1, 2)
    for src in (x, x.transpose(0, 2)):               # contiguous and not
        fn = getattr(pyt, op)
        if op == "norm":
            c = fn(src, 2, dim, keepdim)
            g = fn(src.cuda(), 2, dim, keepdim)
        elif dim is None:
            c, g = fn(src), fn(src.cuda())
        else:
            c, g = fn(src, dim, keepdim=keepdim), fn(src.cuda(), dim, keepdim=keepdim)
        same(c, g, **tol(dtype))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.int32,
                                   pyt.uint8, pyt.bool])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_extremes_with_indices(dtype, dim):
    x = ints((6, 7), pyt.int64, low=-2, high=3).to(dtype)   # ties: the first one wins
    for name in ("max", "min"):
        c = getattr(pyt, name)(x, dim)
        g = getattr(pyt, name)(x.cuda(), dim)
        same(c.values, g.values)
        same(c.indices, g.indices)
    if dtype is not pyt.bool:
        same(pyt.argmax(x, dim), pyt.argmax(x.cuda(), dim))
        same(pyt.argmin(x, dim, keepdim=True), pyt.argmin(x.cuda(), dim, keepdim=True))
        same(pyt.argmax(x), pyt.argmax(x.cuda()))


def test_nan_wins_max():
    x = rand((4, 5))
    x[1, 3] = float("nan")
    same(pyt.max(x, 1).indices, pyt.max(x.cuda(), 1).indices)
    same(pyt.amax(x, 1), pyt.amax(x.cuda(), 1))


@pytest.mark.parametrize("dtype", [pyt.int8, pyt.int32, pyt.int64, pyt.bool, pyt.uint8])
def test_integer_reductions(dtype):
    x = ints((5, 6), pyt.int64, low=0 if dtype in (pyt.bool, pyt.uint8) else -5,
             high=2 if dtype is pyt.bool else 6).to(dtype)
    for dim in (None, 0, 1):
        if dim is None:
            same(pyt.sum(x), pyt.sum(x.cuda()))
            same(pyt.all(x), pyt.all(x.cuda()))
            same(pyt.any(x), pyt.any(x.cuda()))
            same(pyt.count_nonzero(x), pyt.count_nonzero(x.cuda()))
        else:
            same(pyt.sum(x, dim), pyt.sum(x.cuda(), dim))
            same(pyt.all(x, dim), pyt.all(x.cuda(), dim))
            same(pyt.any(x, dim), pyt.any(x.cuda(), dim))
            same(pyt.count_nonzero(x, dim), pyt.count_nonzero(x.cuda(), dim))


def test_half_sum_and_mean():
    x = rand((8, 33), pyt.float16)
    same(x.sum(1), x.cuda().sum(1), rtol=1e-3, atol=1e-3)
    same(x.mean(), x.cuda().mean(), rtol=1e-3, atol=1e-3)


def test_empty_reductions():
    x = pyt.zeros(0, 3)
    same(x.sum(0), x.cuda().sum(0))
    same(x.sum(), x.cuda().sum())
    same(x.prod(0), x.cuda().prod(0))


def test_reduction_backward():
    x = rand((4, 5), pyt.float64)
    xc = x.clone().requires_grad_()
    xg = x.cuda().requires_grad_()
    (xc.sum(1) * xc.mean(0).sum() + xc.var()).sum().backward()
    (xg.sum(1) * xg.mean(0).sum() + xg.var()).sum().backward()
    same(xc.grad, xg.grad, **F64)


def test_scan_sort_and_mode_run():
    # (each in depth: tests/cuda/test_scan_sort_cuda.py, test_unique_search_cuda.py)
    x = rand((3,))
    same(pyt.cumsum(x, 0), pyt.cumsum(x.cuda(), 0), 1e-6, 1e-6)
    same(pyt.sort(x)[1], pyt.sort(x.cuda())[1])
    same(pyt.mode(x), pyt.mode(x.cuda()))


# ----- softmax ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_forward_backward(dtype, dim, log):
    x = rand((4, 7, 5), dtype) * 4
    w = rand((4, 7, 5), dtype, seed=1)
    fn = F.log_softmax if log else F.softmax
    xc = x.clone().requires_grad_()
    xg = x.cuda().requires_grad_()
    yc, yg = fn(xc, dim), fn(xg, dim)
    same(yc, yg, **tol(dtype))
    (yc * w).sum().backward()
    (yg * w.cuda()).sum().backward()
    same(xc.grad, xg.grad, **tol(dtype))


@pytest.mark.parametrize("dtype", [pyt.float16, pyt.bfloat16])
def test_softmax_half(dtype):
    x = rand((3, 50), dtype) * 3
    same(F.softmax(x, 1), F.softmax(x.cuda(), 1), rtol=1e-2, atol=1e-3)
    same(F.log_softmax(x, 1), F.log_softmax(x.cuda(), 1), rtol=1e-2, atol=1e-2)


# ----- matrix products ----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_mm_layouts(dtype):
    a, b = rand((5, 7), dtype), rand((7, 3), dtype, seed=1)
    for x, y in ((a, b), (a.t().contiguous().t(), b), (a, b.t().contiguous().t()),
                 (a[:, ::2], rand((4, 3), dtype, seed=2)), (a[::2], b)):
        same(pyt.mm(x, y), pyt.mm(x.cuda(), y.cuda()), **tol(dtype))
        same(x @ y, x.cuda() @ y.cuda(), **tol(dtype))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_matmul_family(dtype):
    t = tol(dtype)
    A, B = rand((2, 3, 4, 5), dtype), rand((5, 6), dtype, seed=1)
    same(A @ B, A.cuda() @ B.cuda(), **t)                               # folded rows
    C = rand((2, 1, 6, 5), dtype, seed=2)                               # broadcast batch,
    same(A @ C.transpose(-1, -2), A.cuda() @ C.cuda().transpose(-1, -2), **t)  # transposed
    D = rand((3, 5, 2), dtype, seed=3)
    same(A @ D, A.cuda() @ D.cuda(), **t)
    v, w = rand((5,), dtype, seed=4), rand((4,), dtype, seed=5)
    same(A @ v, A.cuda() @ v.cuda(), **t)
    same(w @ A, w.cuda() @ A.cuda(), **t)
    same(pyt.dot(v, v), pyt.dot(v.cuda(), v.cuda()), **t)
    M = rand((4, 5), dtype, seed=6)
    same(pyt.mv(M, v), pyt.mv(M.cuda(), v.cuda()), **t)
    X, Y = rand((3, 4, 5), dtype, seed=7), rand((3, 5, 2), dtype, seed=8)
    same(pyt.bmm(X, Y), pyt.bmm(X.cuda(), Y.cuda()), **t)
    same(pyt.bmm(X, Y.transpose(1, 2).contiguous().transpose(1, 2)),
         pyt.bmm(X.cuda(), Y.cuda().transpose(1, 2).contiguous().transpose(1, 2)), **t)
    I = rand((4, 2), dtype, seed=9)
    same(pyt.addmm(I, M, rand((5, 2), dtype, seed=10), beta=0.5, alpha=2),
         pyt.addmm(I.cuda(), M.cuda(), rand((5, 2), dtype, seed=10).cuda(), beta=0.5,
                   alpha=2), **t)
    same(pyt.baddbmm(rand((3, 4, 2), dtype), X, Y, alpha=0.5),
         pyt.baddbmm(rand((3, 4, 2), dtype).cuda(), X.cuda(), Y.cuda(), alpha=0.5), **t)
    same(pyt.addbmm(rand((4, 2), dtype), X, Y),
         pyt.addbmm(rand((4, 2), dtype).cuda(), X.cuda(), Y.cuda()), **t)
    same(pyt.addmv(w, M, v), pyt.addmv(w.cuda(), M.cuda(), v.cuda()), **t)
    same(pyt.outer(v, w), pyt.outer(v.cuda(), w.cuda()), **t)
    same(pyt.einsum("bij,bjk->bik", X, Y), pyt.einsum("bij,bjk->bik", X.cuda(), Y.cuda()), **t)
    same(pyt.tensordot(X, Y, ([0, 2], [0, 1])),
         pyt.tensordot(X.cuda(), Y.cuda(), ([0, 2], [0, 1])), **t)
    W, bias = rand((6, 5), dtype, seed=11), rand((6,), dtype, seed=12)
    same(F.linear(A, W, bias), F.linear(A.cuda(), W.cuda(), bias.cuda()), **t)


def test_matmul_half():
    a, b = rand((16, 32), pyt.float16), rand((32, 8), pyt.float16, seed=1)
    same(a @ b, a.cuda() @ b.cuda(), rtol=2e-3, atol=2e-3)


def test_matmul_empty():
    a, b = rand((3, 0)), rand((0, 4))
    same(a @ b, a.cuda() @ b.cuda())
    same(rand((0, 3)) @ rand((3, 2)), rand((0, 3)).cuda() @ rand((3, 2)).cuda())


def test_matmul_errors():
    a = ints((3, 3)).cuda()
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        pyt.mm(a, a)
    with pytest.raises(RuntimeError, match="same device"):
        rand((3, 3)).cuda() @ rand((3, 3))


def test_matmul_backward():
    a, b = rand((4, 5), pyt.float64), rand((5, 3), pyt.float64, seed=1)
    ac, bc = a.clone().requires_grad_(), b.clone().requires_grad_()
    ag, bg = a.cuda().requires_grad_(), b.cuda().requires_grad_()
    (ac @ bc).sum().backward()
    (ag @ bg).sum().backward()
    same(ac.grad, ag.grad, **F64)
    same(bc.grad, bg.grad, **F64)


# ----- indexing -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [pyt.float32, pyt.int64, pyt.bool, pyt.float16])
def test_getitem(dtype):
    x = ints((5, 6, 4), pyt.int64, low=0, high=2 if dtype is pyt.bool else 9).to(dtype)
    g = x.cuda()
    idx = pyt.tensor([4, 0, -1, 2, 2])
    mask = ints((5, 6), pyt.int64, low=0, high=2).bool()
    for key in (idx, (slice(None), idx), (idx, idx), (idx, slice(None), pyt.tensor([0, 3]).reshape(2, 1)),
                mask, (mask, 1), (Ellipsis, pyt.tensor([1, 3])), (pyt.tensor(2), 1),
                [0, 2], x.bool() if dtype is pyt.bool else mask):
        same(x[key], g[key])
        gkey = tuple(k.cuda() if isinstance(k, pyt.Tensor) else k for k in key) \
            if isinstance(key, tuple) else (key.cuda() if isinstance(key, pyt.Tensor) else key)
        same(x[key], g[gkey])


def test_setitem_and_index_put():
    x = rand((5, 6))
    g = x.cuda()
    idx = pyt.tensor([4, 0, 2])
    mask = x > 0
    for key, value in ((idx, 1.5), ((idx, pyt.tensor([1, 2, 3])), rand((3,))),
                       (mask, -2.0), (mask.cuda(), 3.0), ((slice(None), idx), rand((5, 3)))):
        x[key if not isinstance(key, pyt.Tensor) or not key.is_cuda else key.cpu()] = value
        g[key] = value.cuda() if isinstance(value, pyt.Tensor) else value
        same(x, g)
    dup = pyt.tensor([1, 1, 3, 1])
    vals = pyt.tensor([1.0, 2.0, 4.0, 8.0])
    x.index_put_((dup,), vals.reshape(4, 1).expand(4, 6), accumulate=True)
    g.index_put_((dup.cuda(),), vals.reshape(4, 1).expand(4, 6).cuda(), accumulate=True)
    same(x, g)


def test_bad_index():
    g = rand((4, 3)).cuda()
    with pytest.raises(IndexError, match="out of bounds"):
        g[pyt.tensor([0, 7])]
    with pytest.raises(IndexError):
        g[pyt.tensor([0, -9]).cuda()] = 1.0
    with pytest.raises(IndexError, match="index out of range"):
        g.index_select(0, pyt.tensor([5]))
    with pytest.raises(RuntimeError):
        g.gather(1, pyt.tensor([[0], [3], [0], [0]]).cuda())
    with pytest.raises(IndexError, match="out of range"):
        pyt.take(g, pyt.tensor([12]).cuda())
    with pytest.raises(RuntimeError, match="indices should be either on cpu"):
        rand((4, 3))[pyt.tensor([0]).cuda()]


def test_index_ops():
    x = rand((5, 4))
    g = x.cuda()
    idx = pyt.tensor([3, 0, 3])
    same(x.index_select(0, idx), g.index_select(0, idx.cuda()))
    same(x.index_select(1, idx[:2]), g.index_select(1, idx[:2]))        # CPU index
    gi = ints((5, 4), low=0, high=4)
    same(x.gather(1, gi), g.gather(1, gi.cuda()))
    src = rand((5, 4), seed=3)
    si = pyt.stack([pyt.randperm(5) for _ in range(4)], 1)              # no duplicates
    same(x.scatter(0, si, src), g.scatter(0, si.cuda(), src.cuda()))
    same(x.scatter(0, si, 2.5), g.scatter(0, si.cuda(), 2.5))
    small = pyt.tensor([[1.0, 2.0, 4.0, 8.0]] * 5)                      # exact in any order
    same(x.scatter_add(0, gi, small), g.scatter_add(0, gi.cuda(), small.cuda()))
    same(x.index_add(0, idx, small[:3], alpha=2), g.index_add(0, idx.cuda(), small[:3].cuda(), alpha=2))
    ci = pyt.tensor([4, 1])
    same(x.index_copy(0, ci, src[:2]), g.index_copy(0, ci.cuda(), src[:2].cuda()))
    same(x.index_fill(1, pyt.tensor([0, -1]), -1.0), g.index_fill(1, pyt.tensor([0, -1]).cuda(), -1.0))
    m = x > 0.2
    same(x.masked_fill(m, 0.0), g.masked_fill(m.cuda(), 0.0))
    same(x.masked_fill(m[0], pyt.tensor(7.0)), g.masked_fill(m[0].cuda(), pyt.tensor(7.0)))
    same(x.masked_select(m), g.masked_select(m.cuda()))
    same(x.masked_select(m[0]), g.masked_select(m[0].cuda()))              # broadcast
    same(x.masked_scatter(m, src), g.masked_scatter(m.cuda(), src.cuda()))
    same(pyt.nonzero(m), pyt.nonzero(m.cuda()))
    same(pyt.argwhere(x), pyt.argwhere(g))
    same(pyt.nonzero(m, as_tuple=True), pyt.nonzero(m.cuda(), as_tuple=True))
    same(pyt.where(m, x, src), pyt.where(m.cuda(), g, src.cuda()))
    same(pyt.where(m, x, 0.0), pyt.where(m.cuda(), g, 0.0))
    ti = pyt.tensor([[0, 19], [-1, 5]])
    same(pyt.take(x, ti), pyt.take(g, ti.cuda()))
    same(x.clone().put_(pyt.tensor([1, 7]), pyt.tensor([9.0, 8.0])),
         g.clone().put_(pyt.tensor([1, 7]).cuda(), pyt.tensor([9.0, 8.0]).cuda()))
    same(x.clone().put_(pyt.tensor([1, 1]), pyt.tensor([1.0, 2.0]), accumulate=True),
         g.clone().put_(pyt.tensor([1, 1]).cuda(), pyt.tensor([1.0, 2.0]).cuda(),
                        accumulate=True))


def test_index_backward():
    x = rand((5, 4), pyt.float64)
    idx = pyt.tensor([1, 1, 3])
    xc, xg = x.clone().requires_grad_(), x.cuda().requires_grad_()
    (xc[idx] * 2).sum().backward()
    (xg[idx.cuda()] * 2).sum().backward()
    same(xc.grad, xg.grad)


# ----- joining ------------------------------------------------------------------------------

def test_cat_stack():
    a, b = rand((2, 3)), rand((4, 3), seed=1)
    same(pyt.cat([a, b]), pyt.cat([a.cuda(), b.cuda()]))
    same(pyt.cat([a, b.t().contiguous().t()], 0), pyt.cat([a.cuda(), b.cuda()], 0))
    same(pyt.cat([a.t(), b.t()], 1), pyt.cat([a.cuda().t(), b.cuda().t()], 1))
    same(pyt.cat([a, b.double()]), pyt.cat([a.cuda(), b.double().cuda()]))
    same(pyt.stack([a, a * 2], 1), pyt.stack([a.cuda(), a.cuda() * 2], 1))
    same(pyt.cat([a, b]).split(2), pyt.cat([a.cuda(), b.cuda()]).split(2))
    same(pyt.flip(b, [0]), pyt.flip(b.cuda(), [0]))
    same(pyt.roll(b, 1, 0), pyt.roll(b.cuda(), 1, 0))
    same(a.repeat(2, 3), a.cuda().repeat(2, 3))
    same(pyt.tril(b), pyt.tril(b.cuda()))
    same(pyt.triu(b, 1), pyt.triu(b.cuda(), 1))
    with pytest.raises(RuntimeError, match="same device"):
        pyt.cat([a.cuda(), b])


# ----- nn.functional ------------------------------------------------------------------------

def test_functional_composites():
    x, t = rand((6, 5), pyt.float64), rand((6, 5), pyt.float64, seed=1)
    same(F.relu(x), F.relu(x.cuda()))
    same(F.gelu(x), F.gelu(x.cuda()), **F64)
    same(F.mse_loss(x, t), F.mse_loss(x.cuda(), t.cuda()), **F64)
    y = pyt.tensor([0, 4, 2, 2, 1, 3])
    same(F.cross_entropy(x, y), F.cross_entropy(x.cuda(), y.cuda()), **F64)
    same(F.nll_loss(F.log_softmax(x, 1), y), F.nll_loss(F.log_softmax(x.cuda(), 1), y.cuda()),
         **F64)
    pyt.manual_seed(3)
    dc = F.dropout(x, 0.4)
    pyt.manual_seed(3)
    dg = F.dropout(x.cuda(), 0.4)
    same(dc, dg, **F64)


def test_mlp_training_step():
    """Two linear layers, ReLU, cross entropy and one SGD step: the same weights on both
    devices afterwards."""
    pyt.manual_seed(0)
    x, y = rand((16, 8), seed=1), pyt.tensor(np.arange(16) % 4)
    params = [rand((32, 8), seed=2) * 0.3, rand((32,), seed=3) * 0.1,
              rand((4, 32), seed=4) * 0.3, rand((4,), seed=5) * 0.1]
    results = []
    for dev in ("cpu", "cuda"):
        ps = [p.clone().to(dev).requires_grad_() for p in params]
        h = F.relu(F.linear(x.to(dev), ps[0], ps[1]))
        loss = F.cross_entropy(F.linear(h, ps[2], ps[3]), y.to(dev))
        loss.backward()
        with pyt.no_grad():
            for p in ps:
                p -= 0.1 * p.grad
        results.append((loss.detach(), [p.detach() for p in ps]))
    (lc, pc), (lg, pg) = results
    same(lc, lg, rtol=1e-4, atol=1e-4)
    for c, g in zip(pc, pg):
        same(c, g, rtol=1e-4, atol=1e-4)
