"""Batch / layer / group norm and embedding on the GPU against pyt's CPU results, forward
and backward (through autograd), with the running statistics of batch norm."""
import numpy as np
import pytest

import pyt
import pyt.nn as nn
import pyt.nn.functional as F

pytestmark = pytest.mark.skipif(
    not (hasattr(pyt, "cuda") and pyt.cuda.is_available()), reason="needs a CUDA GPU")

FLOATS = [pyt.float32, pyt.float64, pyt.float16]


def rand(shape, dtype=pyt.float32, seed=0, scale=1.0, shift=0.0):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.uniform(-1, 1, shape) * scale + shift, dtype=dtype)


def tol(dtype):
    if dtype is pyt.float64:
        return dict(rtol=1e-9, atol=1e-10)
    if dtype is pyt.float16:
        return dict(rtol=1e-2, atol=2e-2)
    return dict(rtol=1e-4, atol=1e-5)


def close(cpu, gpu_t, dtype):
    assert gpu_t is not None and cpu is not None
    assert gpu_t.is_cuda
    assert gpu_t.dtype is cpu.dtype, (gpu_t.dtype, cpu.dtype)
    assert tuple(gpu_t.shape) == tuple(cpu.shape)
    a = gpu_t.detach().cpu().double().numpy()
    e = cpu.detach().double().numpy()
    np.testing.assert_allclose(a, e, equal_nan=True, **tol(dtype))


def leaf(t, device=None):
    t = t.detach().clone()
    if device is not None:
        t = t.to(device)
    return t.requires_grad_(True)


def run_both(fn, inputs, grad_seed=7, transpose=False):
    """fn(*inputs) on the CPU and on the GPU (leaves that need gradients; None stays None);
    backward of sum(y * G); returns ((y, grads) cpu, (y, grads) gpu)."""
    out = []
    for dev in (None, "cuda"):
        leaves = [None if t is None else leaf(t, dev) for t in inputs]
        args = list(leaves)
        if transpose:                   # a non-contiguous input of the same values
            x = args[0]
            args[0] = x.transpose(0, 1).contiguous().transpose(0, 1)
            assert x.dim() < 2 or not args[0].is_contiguous() or x.shape[0] == 1 \
                or x.shape[1] == 1
        y = fn(*args)
        G = rand(tuple(y.shape), pyt.float64, grad_seed).to(y.dtype)
        if dev is not None:
            G = G.to(dev)
        (y * G).sum().backward()
        out.append((y, [None if t is None else t.grad for t in leaves]))
    return out


def check(fn, inputs, dtype, transpose=False):
    (yc, gc), (yg, gg) = run_both(fn, inputs, transpose=transpose)
    close(yc, yg, dtype)
    for a, b in zip(gc, gg):
        if a is None:
            assert b is None
        else:
            close(a, b, dtype)


# ----- layer norm ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,k", [((3, 7), 1), ((2, 3, 5, 4), 2), ((4, 300), 1),
                                     ((5, 3), 1), ((2, 3, 33), 1)])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm(dtype, shape, k, affine):
    ns = shape[len(shape) - k:]
    x = rand(shape, dtype, 1, 2.0, 3.0)
    w = rand(ns, dtype, 2) if affine in ("both", "weight") else None
    b = rand(ns, dtype, 3) if affine in ("both", "bias") else None
    check(lambda x, w, b: F.layer_norm(x, ns, w, b, 1e-5), [x, w, b], dtype)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_layer_norm_noncontiguous_and_module(dtype):
    x = rand((6, 4, 10), dtype, 4)
    check(lambda x, w, b: F.layer_norm(x, (10,), w, b), [x, rand((10,), dtype, 5),
                                                          rand((10,), dtype, 6)], dtype,
          transpose=True)
    m = nn.LayerNorm([4, 10]).to(dtype)
    with pyt.no_grad():
        m.weight.copy_(rand((4, 10), dtype, 7))
        m.bias.copy_(rand((4, 10), dtype, 8))
    mg = nn.LayerNorm([4, 10]).to(dtype)
    mg.load_state_dict(m.state_dict())
    mg = mg.cuda()
    xc, xg = leaf(x), leaf(x, "cuda")
    yc, yg = m(xc), mg(xg)
    close(yc, yg, dtype)
    yc.sum().backward()
    yg.sum().backward()
    close(xc.grad, xg.grad, dtype)
    close(m.weight.grad, mg.weight.grad, dtype)
    close(m.bias.grad, mg.bias.grad, dtype)
    # native_layer_norm's saved statistics
    for a, b in zip(pyt.native_layer_norm(x, [10], None, None, 1e-5),
                    pyt.native_layer_norm(x.cuda(), [10], None, None, 1e-5)):
        close(a, b, dtype)


# ----- group norm ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 2), ((3, 4, 2, 3), 4), ((2, 6, 7), 1),
                                          ((4, 6), 3), ((1, 8, 33), 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm(dtype, shape, groups, affine):
    C = shape[1]
    x = rand(shape, dtype, 11, 1.5, -2.0)
    w = rand((C,), dtype, 12) if affine else None
    b = rand((C,), dtype, 13) if affine else None
    check(lambda x, w, b: F.group_norm(x, groups, w, b, 1e-5), [x, w, b], dtype)


def test_group_norm_module_noncontiguous():
    x = rand((3, 6, 4, 5), pyt.float32, 14)
    check(lambda x, w, b: F.group_norm(x, 3, w, b), [x, rand((6,), seed=15),
                                                      rand((6,), seed=16)], pyt.float32,
          transpose=True)
    m = nn.GroupNorm(2, 6)
    mg = nn.GroupNorm(2, 6)
    mg.load_state_dict(m.state_dict())
    mg = mg.cuda()
    xc, xg = leaf(x), leaf(x, "cuda")
    yc, yg = m(xc), mg(xg)
    close(yc, yg, pyt.float32)
    (yc * yc).sum().backward()
    (yg * yg).sum().backward()
    close(xc.grad, xg.grad, pyt.float32)
    close(m.weight.grad, mg.weight.grad, pyt.float32)
    close(m.bias.grad, mg.bias.grad, pyt.float32)


# ----- batch norm ---------------------------------------------------------------------------

# (64, 3, 24, 24) and (32, 2, 1000): few channels of many values take norm.cu's split path
LONG = [(64, 3, 24, 24), (32, 2, 1000)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(4, 3, 5), (5, 3), (2, 4, 3, 3), (7, 2, 1), (3, 5, 41)] + LONG)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batch_norm_training(dtype, shape, affine, momentum):
    C = shape[1]
    stat_dtype = pyt.float32 if dtype is pyt.float16 else dtype
    x = rand(shape, dtype, 21, 2.0, 1.0)
    w = rand((C,), dtype, 22) if affine else None
    b = rand((C,), dtype, 23) if affine else None
    rm0 = rand((C,), stat_dtype, 24)
    rv0 = rand((C,), stat_dtype, 25, 0.5, 1.0)
    stats = {}

    def fn(x, w, b):
        dev = x.device
        rm, rv = rm0.clone().to(dev), rv0.clone().to(dev)
        stats[str(dev)] = (rm, rv)
        return F.batch_norm(x, rm, rv, w, b, training=True, momentum=momentum, eps=1e-5)

    check(fn, [x, w, b], dtype)
    rmc, rvc = stats["cpu"]
    rmg, rvg = [v for k, v in stats.items() if k != "cpu"][0]
    close(rmc, rmg, stat_dtype)
    close(rvc, rvg, stat_dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(4, 3, 5), (5, 3), (2, 4, 3, 3)] + LONG)
def test_batch_norm_eval(dtype, shape):
    C = shape[1]
    stat_dtype = pyt.float32 if dtype is pyt.float16 else dtype
    x = rand(shape, dtype, 31)
    rm = rand((C,), stat_dtype, 32)
    rv = rand((C,), stat_dtype, 33, 0.5, 1.0)
    check(lambda x, w, b: F.batch_norm(x, rm.to(x.device), rv.to(x.device), w, b,
                                       training=False),
          [x, rand((C,), dtype, 34), rand((C,), dtype, 35)], dtype)
    check(lambda x: F.batch_norm(x, rm.to(x.device), rv.to(x.device), training=False),
          [x], dtype)


def test_batch_norm_no_running_stats_and_native():
    x = rand((6, 3, 4), pyt.float32, 41)
    check(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
          [x, rand((3,), seed=42), rand((3,), seed=43)], pyt.float32, transpose=True)
    rm, rv = rand((3,), seed=44), rand((3,), seed=45, scale=0.5, shift=1.0)
    rmg, rvg = rm.cuda(), rv.cuda()
    outc = pyt.native_batch_norm(x, None, None, rm, rv, True, 0.2, 1e-3)
    outg = pyt.native_batch_norm(x.cuda(), None, None, rmg, rvg, True, 0.2, 1e-3)
    for a, b in zip(outc, outg):
        close(a, b, pyt.float32)
    close(rm, rmg, pyt.float32)
    close(rv, rvg, pyt.float32)


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (8, 3)), (nn.BatchNorm1d, (4, 3, 6)),
                                       (nn.BatchNorm2d, (3, 4, 5, 5)),
                                       (nn.BatchNorm2d, (32, 4, 24, 24))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_module(cls, shape, momentum):
    C = shape[1]
    m = cls(C, momentum=momentum)
    with pyt.no_grad():
        m.weight.copy_(rand((C,), seed=51))
        m.bias.copy_(rand((C,), seed=52))
    mg = cls(C, momentum=momentum)
    mg.load_state_dict(m.state_dict())
    mg = mg.cuda()
    for step in range(3):
        x = rand(shape, pyt.float32, 60 + step, 3.0, step)
        xc, xg = leaf(x), leaf(x, "cuda")
        yc, yg = m(xc), mg(xg)
        close(yc, yg, pyt.float32)
        (yc * yc).sum().backward()
        (yg * yg).sum().backward()
        close(xc.grad, xg.grad, pyt.float32)
    close(m.weight.grad, mg.weight.grad, pyt.float32)
    close(m.bias.grad, mg.bias.grad, pyt.float32)
    close(m.running_mean, mg.running_mean, pyt.float32)
    close(m.running_var, mg.running_var, pyt.float32)
    assert int(mg.num_batches_tracked.cpu()) == int(m.num_batches_tracked) == 3
    m.eval()
    mg.eval()
    x = rand(shape, pyt.float32, 70)
    xc, xg = leaf(x), leaf(x, "cuda")
    yc, yg = m(xc), mg(xg)
    close(yc, yg, pyt.float32)
    yc.sum().backward()
    yg.sum().backward()
    close(xc.grad, xg.grad, pyt.float32)


def test_norm_device_mismatch():
    x = rand((4, 3, 5)).cuda()
    with pytest.raises(RuntimeError):
        F.batch_norm(x, pyt.zeros(3), pyt.ones(3), training=True)
    with pytest.raises(RuntimeError):
        F.layer_norm(x, (5,), pyt.ones(5))
    with pytest.raises(RuntimeError):
        F.group_norm(x, 3, pyt.ones(3).cuda(), pyt.zeros(3))


# ----- embedding ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
@pytest.mark.parametrize("idx_dtype", [pyt.int64, pyt.int32])
def test_embedding(dtype, padding_idx, idx_dtype):
    w = rand((10, 7), dtype, 81)
    idx = pyt.tensor([[0, 3, 3, 9], [3, 1, 0, 3], [9, 9, 2, 5]], dtype=idx_dtype)
    res = []
    for dev in (None, "cuda"):
        wl = leaf(w, dev)
        i = idx if dev is None else idx.to(dev)
        y = F.embedding(i, wl, padding_idx=padding_idx)
        G = rand(tuple(y.shape), pyt.float64, 82).to(dtype)
        (y * (G if dev is None else G.to(dev))).sum().backward()
        res.append((y, wl.grad))
    (yc, gc), (yg, gg) = res
    assert (yg.cpu() == yc).all()       # a gather: exact
    close(gc, gg, dtype)
    if padding_idx is not None:
        assert (gg.cpu()[padding_idx] == 0).all()


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_embedding_scale_grad_by_freq_and_module(dtype):
    w = rand((6, 5), dtype, 91)
    idx = pyt.tensor([1, 1, 4, 0, 1, 4, 2], dtype=pyt.int64)
    check(lambda w: F.embedding(idx.to(w.device), w, padding_idx=2, scale_grad_by_freq=True),
          [w], dtype)
    m = nn.Embedding(6, 5, padding_idx=1).to(dtype)
    mg = nn.Embedding(6, 5, padding_idx=1).to(dtype)
    mg.load_state_dict(m.state_dict())
    mg = mg.cuda()
    i2 = pyt.tensor([[1, 2, 2], [5, 1, 0]])
    yc, yg = m(i2), mg(i2.cuda())
    close(yc, yg, dtype)
    (yc * yc).sum().backward()
    (yg * yg).sum().backward()
    close(m.weight.grad, mg.weight.grad, dtype)
    # the top-level signature and embedding_backward directly
    close(pyt.embedding(m.weight.detach(), i2), pyt.embedding(mg.weight.detach(), i2.cuda()),
          dtype)


def test_embedding_many_repeats_and_errors():
    w = rand((3, 64), pyt.float32, 95)
    idx = pyt.tensor(np.random.default_rng(96).integers(0, 3, 5000))
    # integer gradients: every summation order gives the same float32 sums
    G = pyt.tensor(np.random.default_rng(97).integers(-3, 4, (5000, 64)), dtype=pyt.float32)
    grads = []
    for dev in ("cpu", "cuda"):
        wl = leaf(w, dev)
        (F.embedding(idx.to(dev), wl) * G.to(dev)).sum().backward()
        grads.append(wl.grad)
    assert (grads[1].cpu() == grads[0]).all()
    with pytest.raises(IndexError):
        F.embedding(pyt.tensor([0, 3]).cuda(), w.cuda(), max_norm=1.0)
    with pytest.raises(RuntimeError):
        F.embedding(idx, w.cuda())


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, float("inf"), -float("inf"), 0.0])
@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.float16])
def test_embedding_max_norm(dtype, norm_type):
    # the weight is renormalised in place (the rows idx names, each once), then looked up
    w = rand((12, 6), dtype, 101, scale=2.0)
    idx = pyt.tensor([[0, 3, 3, 9], [3, 1, 0, 3], [9, 9, 2, 5]])
    max_norm = {0.0: 4.0, -float("inf"): 0.1}.get(norm_type, 1.0)
    wc, wg = w.clone(), w.cuda()
    yc = F.embedding(idx, wc, max_norm=max_norm, norm_type=norm_type)
    yg = F.embedding(idx.cuda(), wg, max_norm=max_norm, norm_type=norm_type)
    close(wc, wg, dtype)
    close(yc, yg, dtype)
    assert (wc != w).any()
    unused = [4, 6, 7, 8, 10, 11]
    assert (wg.cpu()[unused] == w[unused]).all()


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_embedding_max_norm_grad_and_module(dtype):
    w = rand((8, 5), dtype, 111, scale=2.0)
    idx = pyt.tensor([1, 1, 4, 0, 7, 4])
    res = []
    for dev in (None, "cuda"):
        wl = leaf(w, dev)
        y = F.embedding(idx.to(wl.device), wl, max_norm=0.5)
        (y * y).sum().backward()
        res.append((wl.detach(), wl.grad))
    close(res[0][0], res[1][0], dtype)
    close(res[0][1], res[1][1], dtype)
    m = nn.Embedding(8, 5, max_norm=1.0).to(dtype)
    mg = nn.Embedding(8, 5, max_norm=1.0).to(dtype)
    mg.load_state_dict(m.state_dict())
    mg = mg.cuda()
    close(m(idx), mg(idx.cuda()), dtype)
    close(m.weight.detach(), mg.weight.detach(), dtype)
    # embedding_bag renormalises through embedding
    bc = F.embedding_bag(idx, w.clone(), pyt.tensor([0, 2]), max_norm=0.5, mode="sum")
    bg = F.embedding_bag(idx.cuda(), w.cuda(), pyt.tensor([0, 2]).cuda(), max_norm=0.5,
                         mode="sum")
    close(bc, bg, dtype)
