"""Sparse COO tensors on the GPU (pyt/sparse over CUDA ops) against the same ops on the
CPU: creation, coalesce, to_dense / to_sparse, products, sums, gradients, moves between
devices and the mixed-device errors. Values are small halves, so every sum is exact on
both devices whatever the order of its terms. (These tests skip without a GPU.)"""
import numpy as np
import pytest

import pyt
from pyt.sparse import SparseTensor
from _helpers import assert_same, sample

pytestmark = pytest.mark.skipif(not pyt.cuda.is_available(), reason="no CUDA device")

ALL_DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
              pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
FLOATS = [pyt.float32, pyt.float64]
GPU = "cuda"


def on_gpu(t):
    return t.device.type == "cuda"


def same_sparse(cpu, gpu):
    """gpu is the sparse tensor cpu is, on the GPU: same flags, indices and values."""
    assert isinstance(gpu, SparseTensor), type(gpu)
    assert on_gpu(gpu) and on_gpu(gpu._indices()) and on_gpu(gpu._values())
    assert gpu.shape == cpu.shape and gpu.sparse_dim() == cpu.sparse_dim()
    assert gpu.is_coalesced() == cpu.is_coalesced()
    assert_same(cpu._indices(), gpu._indices())
    assert_same(cpu._values(), gpu._values())


def same_dense(cpu, gpu):
    assert isinstance(gpu, pyt.Tensor) and on_gpu(gpu), gpu.device
    assert_same(cpu, gpu)


def random_coo(shape, nnz, dtype=pyt.float64, dense_shape=(), seed=0):
    """A CPU sparse tensor with duplicate entries, unsorted."""
    rng = np.random.default_rng(seed)
    lin = rng.integers(0, int(np.prod(shape)), nnz)
    indices = pyt.tensor(np.stack(np.unravel_index(lin, shape)).astype(np.int64))
    values = sample((nnz,) + tuple(dense_shape), dtype, seed)
    return pyt.sparse_coo_tensor(indices, values, tuple(shape) + tuple(dense_shape))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_creation_and_moves(dtype):
    s = random_coo((5, 7), 12, dtype)
    i, v = s._indices(), s._values()
    g = s.cuda()
    same_sparse(s, g)
    assert g.get_device() == 0 and g.dtype is dtype
    same_sparse(s, pyt.sparse_coo_tensor(i, v, (5, 7), device=GPU))
    same_sparse(s, pyt.sparse_coo_tensor(i.cuda(), v.cuda(), (5, 7)))
    same_sparse(s, pyt.sparse_coo_tensor(i.cuda(), v.cuda(), (5, 7), device=GPU))
    same_sparse(s, pyt.sparse_coo_tensor(i.tolist(), v.cuda(), (5, 7)))     # list indices
    same_sparse(s, s.to(GPU))
    same_sparse(s, s.to(device=GPU))
    inferred = pyt.sparse_coo_tensor(i.cuda(), v.cuda())
    assert inferred.shape == pyt.sparse_coo_tensor(i, v).shape
    back = g.cpu()
    assert isinstance(back, SparseTensor) and back.device.type == "cpu"
    assert_same(s._indices(), back._indices())
    assert_same(s._values(), back._values())
    assert g.to("cpu")._values().device.type == "cpu"
    assert g.type() == s.type().replace("pyt.", "pyt.cuda.")
    assert g.cuda() is g and g.to(GPU) is g


def test_dtype_and_other_conversions_stay_put():
    s = random_coo((4, 6), 9, pyt.float64)
    g = s.cuda()
    same_sparse(s.to(pyt.float32), g.to(pyt.float32))
    same_sparse(s.float(), g.float())
    same_sparse(s.to(pyt.int64), g.to(GPU, pyt.int64))
    same_sparse(s, s.to(g))                          # another sparse tensor's device
    same_sparse(s, s.to(pyt.zeros(1, dtype=pyt.float64).cuda()))
    assert g.to(s).device.type == "cpu"
    c = g.to(GPU, copy=True)
    same_sparse(s, c)
    assert c._values().data_ptr() != g._values().data_ptr()
    assert c._indices().data_ptr() != g._indices().data_ptr()
    same_sparse(s.clone(), g.clone())
    same_sparse(s.detach(), g.detach())


def test_repr_names_the_device():
    s = pyt.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))
    text = repr(s.cuda())
    assert text == repr(s).replace("size=(2, 3)", "device='cuda:0', size=(2, 3)")


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_coalesce_and_to_dense(dtype):
    s = random_coo((6, 5), 20, dtype, seed=1)
    g = s.cuda()
    same_sparse(s.coalesce(), g.coalesce())
    same_dense(s.to_dense(), g.to_dense())
    same_dense(s.coalesce().to_dense(), g.coalesce().to_dense())


def test_coalesce_hybrid_and_empty():
    s = random_coo((4, 3), 10, pyt.float32, dense_shape=(2, 3), seed=2)
    same_sparse(s.coalesce(), s.cuda().coalesce())
    same_dense(s.to_dense(), s.cuda().to_dense())
    e = pyt.sparse_coo_tensor(pyt.empty(2, 0, dtype=pyt.int64), pyt.empty(0), (3, 4))
    same_sparse(e.coalesce(), e.cuda().coalesce())
    same_dense(e.to_dense(), e.cuda().to_dense())


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("sparse_dim", [None, 1, 2, 3])
def test_to_sparse(dtype, sparse_dim):
    x = sample((4, 3, 2), dtype, seed=3)
    x[1] = 0                                          # a whole slice of zeros
    same_sparse(x.to_sparse(sparse_dim), x.cuda().to_sparse(sparse_dim))
    same_dense(x, x.cuda().to_sparse(sparse_dim).to_dense())
    t = x.transpose(0, 2)                             # not contiguous
    same_sparse(t.to_sparse(sparse_dim), t.cuda().to_sparse(sparse_dim))


def test_to_sparse_edge_cases():
    same_sparse(pyt.tensor(3.).to_sparse(), pyt.tensor(3.).cuda().to_sparse())
    same_sparse(pyt.zeros(2, 3).to_sparse(), pyt.zeros(2, 3).cuda().to_sparse())
    x = sample((3, 4), pyt.float32, seed=4)
    same_sparse(x.to_sparse(dense_dim=1), x.cuda().to_sparse(dense_dim=1))
    same_sparse(x.to_sparse_coo(), x.cuda().to_sparse_coo())


@pytest.mark.parametrize("dtype", FLOATS + [pyt.int64], ids=str)
def test_products(dtype):
    s = random_coo((6, 5), 14, dtype, seed=5)
    g = s.cuda()
    x = sample((5, 3), dtype, seed=6)
    y = sample((4, 6), dtype, seed=7)
    c = sample((6, 3), dtype, seed=8)
    xg, yg, cg = x.cuda(), y.cuda(), c.cuda()
    same_dense(s @ x, g @ xg)
    same_dense(pyt.sparse.mm(s, x), pyt.sparse.mm(g, xg))
    same_dense(pyt.mm(s, x), pyt.mm(g, xg))
    same_dense(pyt.spmm(s, x), pyt.spmm(g, xg))
    same_dense(pyt.sparse.spmm(s, x), pyt.sparse.spmm(g, xg))
    same_dense(y @ s, yg @ g)
    same_dense(s @ x[:, 0], g @ xg[:, 0])
    same_dense(y[0] @ s, yg[0] @ g)
    same_dense(pyt.sparse.addmm(c, s, x), pyt.sparse.addmm(cg, g, xg))
    same_dense(pyt.addmm(c, s, x, beta=2, alpha=3), pyt.addmm(cg, g, xg, beta=2, alpha=3))
    same_dense(pyt.sparse.addmm(c, s, x, beta=0), pyt.sparse.addmm(cg, g, xg, beta=0))
    t = random_coo((5, 4), 8, dtype, seed=9)
    same_sparse(pyt.sparse.mm(s, t), pyt.sparse.mm(g, t.cuda()))


def test_elementwise_and_shape_ops():
    s = random_coo((5, 4), 12, pyt.float64, seed=10)
    t = random_coo((5, 4), 9, pyt.float64, seed=11)
    d = sample((5, 4), pyt.float64, seed=12)
    g, tg, dg = s.cuda(), t.cuda(), d.cuda()
    same_sparse(s + t, g + tg)
    same_sparse(s - t, g - tg)
    same_sparse(s * t, g * tg)
    same_sparse(s * d, g * dg)
    same_sparse(s * 2.5, g * 2.5)
    same_sparse(-s, -g)
    same_sparse(s / 2, g / 2)
    same_dense(d + s, dg + g)
    same_dense(d - s, dg - g)
    same_sparse(s.t(), g.t())
    h = random_coo((3, 4), 7, pyt.float32, dense_shape=(2, 5), seed=13)
    same_sparse(h.transpose(2, 3), h.cuda().transpose(2, 3))


def test_sum():
    s = random_coo((6, 5), 15, pyt.float64, seed=14)
    g = s.cuda()
    same_dense(s.sum(), g.sum())
    same_dense(pyt.sparse.sum(s), pyt.sparse.sum(g))
    same_sparse(pyt.sparse.sum(s, 0), pyt.sparse.sum(g, 0))
    same_sparse(s.sum(1), g.sum(1))
    same_dense(pyt.sparse.sum(s, (0, 1)), pyt.sparse.sum(g, (0, 1)))
    h = random_coo((3, 4), 9, pyt.float64, dense_shape=(2,), seed=15)
    hg = h.cuda()
    same_sparse(pyt.sparse.sum(h, 2), pyt.sparse.sum(hg, 2))
    same_dense(pyt.sparse.sum(h, (0, 1)), pyt.sparse.sum(hg, (0, 1)))
    same_sparse(pyt.sparse.sum(h, 0), pyt.sparse.sum(hg, 0))
    i = random_coo((4, 4), 6, pyt.int32, seed=16)
    same_dense(pyt.sparse.sum(i, dtype=pyt.float64), pyt.sparse.sum(i.cuda(), dtype=pyt.float64))


def _grads(device):
    """Gradients of one graph through the sparse ops, built on `device`."""
    s = random_coo((6, 5), 14, pyt.float64, seed=17)
    x = sample((5, 3), pyt.float64, seed=18)
    bias = sample((6, 3), pyt.float64, seed=19)
    v = s._values().detach().clone().to(device).requires_grad_()
    x = x.to(device).requires_grad_()
    bias = bias.to(device).requires_grad_()
    m = pyt.sparse_coo_tensor(s._indices().to(device), v * 2, s.shape)
    out = pyt.sparse.addmm(bias, m, x, beta=0.5, alpha=2) + (x.t() @ m.t()).t()
    loss = out.pow(2).sum() + pyt.sparse.sum(m.coalesce() * 3).pow(2)
    loss.backward()
    leaf = pyt.sparse_coo_tensor(s._indices(), s._values().detach(), s.shape,
                                 requires_grad=True, device=device)
    (leaf @ x.detach()).pow(2).sum().backward()
    return v.grad, x.grad, bias.grad, leaf.grad


def test_gradients():
    cpu, gpu = _grads("cpu"), _grads(GPU)
    for c, g in zip(cpu[:3], gpu[:3]):
        same_dense(c, g)
    same_sparse(cpu[3], gpu[3])


def test_backward_from_a_sparse_result():
    grads = []
    for device in ("cpu", GPU):
        v = pyt.tensor([1., 2.], device=device, requires_grad=True)
        s = pyt.sparse_coo_tensor([[0, 1]], v, (3,)) * 3
        s.backward(pyt.tensor([1., 10., 100.], device=device))
        grads.append(v.grad)
    same_dense(*grads)


def test_mixed_devices_are_refused():
    s = random_coo((3, 4), 5, pyt.float32, seed=20)
    i, v = s._indices(), s._values()
    with pytest.raises(RuntimeError, match="values is on cuda:0, different from other "
                                           "tensors on cpu"):
        pyt.sparse_coo_tensor(i, v.cuda(), (3, 4))
    with pytest.raises(RuntimeError, match="values is on cpu, different from other "
                                           "tensors on cuda:0"):
        pyt.sparse_coo_tensor(i.cuda(), v, (3, 4))
    with pytest.raises(RuntimeError, match="values is on cpu, different from other "
                                           "tensors on cuda:0"):
        pyt.sparse_coo_tensor(i.cuda(), v.tolist(), (3, 4))     # data values: on the CPU
    two = "Expected all tensors to be on the same device, but found at least two devices"
    g, x = s.cuda(), pyt.ones(4, 2)
    for op in (lambda: g @ x, lambda: s @ x.cuda(), lambda: pyt.sparse.mm(g, x),
               lambda: x.t() @ g.t(), lambda: g @ x[:, 0],
               lambda: pyt.sparse.addmm(pyt.ones(3, 2), g, x.cuda()),
               lambda: pyt.sparse.mm(g, s.t()), lambda: g + s, lambda: g * s,
               lambda: g * pyt.ones(3, 4), lambda: pyt.ones(3, 4) + g):
        with pytest.raises(RuntimeError, match=two):
            op()


def test_save_and_load_with_map_location(tmp_path):
    s = random_coo((4, 5), 7, pyt.float32, seed=21)
    pyt.save({"s": s.cuda(), "c": s.coalesce().cuda()}, tmp_path / "s.pt")
    here = pyt.load(tmp_path / "s.pt", weights_only=False)
    same_sparse(s, here["s"])
    same_sparse(s.coalesce(), here["c"])
    moved = pyt.load(tmp_path / "s.pt", map_location="cpu", weights_only=False)
    for key, expected in (("s", s), ("c", s.coalesce())):
        assert moved[key].device.type == "cpu" and moved[key]._indices().device.type == "cpu"
        assert_same(expected._indices(), moved[key]._indices())
        assert_same(expected._values(), moved[key]._values())
        assert moved[key].is_coalesced() == expected.is_coalesced()
