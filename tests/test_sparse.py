"""Sparse COO tensors (pyt.sparse): construction, coalescing, conversions, products,
autograd, against NumPy (dense computation), SciPy and torch where installed."""
import pickle

import numpy as np
import pytest

import pyt
from pyt.sparse import SparseTensor

# torch warns on each sparse_coo_tensor that its invariant checks are off
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64, pyt.float16,
          pyt.bfloat16, pyt.float32, pyt.float64]


def random_sparse(n, m, nnz, seed=0, dtype=pyt.float64, duplicates=False):
    rng = np.random.default_rng(seed)
    if duplicates:
        lin = rng.integers(0, n * m, nnz)
    else:
        lin = rng.choice(n * m, nnz, replace=False)
    idx = np.stack([lin // m, lin % m])
    vals = rng.standard_normal(nnz)
    return pyt.sparse_coo_tensor(pyt.tensor(idx), pyt.tensor(vals, dtype=dtype), (n, m)), idx, vals


def dense_of(idx, vals, shape):
    d = np.zeros(shape)
    np.add.at(d, tuple(idx), vals)
    return d


# ----- construction ----------------------------------------------------------------------

def test_construction_api():
    s = pyt.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))
    assert isinstance(s, SparseTensor)
    assert s.layout is pyt.sparse_coo and s.is_sparse
    assert s.shape == pyt.Size([2, 3]) and s.size() == (2, 3) and s.size(-1) == 3
    assert s.dim() == 2 and s.ndim == 2 and len(s) == 2 and s.numel() == 6
    assert s.dtype is pyt.float32 and s.device == pyt.device("cpu")
    assert s.sparse_dim() == 2 and s.dense_dim() == 0 and s._nnz() == 3
    assert not s.is_coalesced()
    assert s._indices().dtype is pyt.int64 and s._indices().tolist() == [[0, 1, 1], [2, 0, 2]]
    assert s._values().tolist() == [3., 4., 5.]
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.indices()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.values()
    assert pyt.Tensor([1.]).layout is pyt.strided


def test_repr_like_torch():
    s = pyt.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))
    assert repr(s) == ("tensor(indices=tensor([[0, 1, 1],\n"
                       "                       [2, 0, 2]]),\n"
                       "       values=tensor([3., 4., 5.]),\n"
                       "       size=(2, 3), nnz=3, layout=pyt.sparse_coo)")
    d = s.double().requires_grad_()
    assert repr(d).endswith("size=(2, 3), nnz=3, dtype=pyt.float64, layout=pyt.sparse_coo, "
                            "requires_grad=True)")
    e = pyt.sparse_coo_tensor(pyt.empty(2, 0, dtype=pyt.int64), pyt.empty(0), (2, 2))
    assert repr(e) == ("tensor(indices=tensor([], size=(2, 0)),\n"
                       "       values=tensor([], size=(0,)),\n"
                       "       size=(2, 2), nnz=0, layout=pyt.sparse_coo)")


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    i, v = [[0, 1, 1], [2, 0, 2]], [[1., 2.], [3., 4.], [5., 6.]]
    ours = repr(pyt.sparse_coo_tensor(i, v, (2, 3, 2), dtype=pyt.float64))
    theirs = repr(torch.sparse_coo_tensor(i, v, (2, 3, 2), dtype=torch.float64))
    assert ours == theirs.replace("torch.", "pyt.")


def test_size_inferred_and_dtype_options():
    s = pyt.sparse_coo_tensor([[0, 4], [1, 0]], [1, 2])
    assert s.shape == (5, 2) and s.dtype is pyt.int64
    h = pyt.sparse_coo_tensor([[0, 3]], pyt.ones(2, 4))
    assert h.shape == (4, 4) and h.sparse_dim() == 1 and h.dense_dim() == 1
    f = pyt.sparse_coo_tensor(pyt.tensor([[0, 1]], dtype=pyt.int32), [1, 2], (2,),
                              dtype=pyt.float64)
    assert f.dtype is pyt.float64 and f._indices().dtype is pyt.int64
    assert pyt.sparse_coo_tensor([[0, 1]], [1., 2.], is_coalesced=True).is_coalesced()


def test_bad_construction():
    i = pyt.tensor([[0, 1, 1], [2, 0, 2]])
    v = pyt.tensor([3., 4., 5.])
    with pytest.raises(RuntimeError, match="size is inconsistent with indices: for dim 0, "
                                           "size is 1 but found index 1"):
        pyt.sparse_coo_tensor(i, v, (1, 3))
    with pytest.raises(RuntimeError, match="found negative index -1 for dim 0"):
        pyt.sparse_coo_tensor(-i, v, (2, 3))
    with pytest.raises(RuntimeError, match="found negative index -1 for dim 0"):
        pyt.sparse_coo_tensor(-i, v)
    with pytest.raises(RuntimeError, match="indices and values must have same nnz, but got "
                                           "nnz from indices: 3, nnz from values: 2"):
        pyt.sparse_coo_tensor(i, v[:2], (2, 3))
    with pytest.raises(RuntimeError, match="indices must be sparse_dim x nnz"):
        pyt.sparse_coo_tensor(i[0], v)
    with pytest.raises(RuntimeError, match="'len\\(size\\) == sparse_dim \\+ dense_dim'"):
        pyt.sparse_coo_tensor(i, v, (2, 3, 4))
    with pytest.raises(RuntimeError, match="values has incorrect size"):
        pyt.sparse_coo_tensor(i, pyt.ones(3, 2), (2, 3, 5))
    with pytest.raises(RuntimeError, match="floating point"):
        pyt.sparse_coo_tensor(i, pyt.tensor([1, 2, 3]), requires_grad=True)


def test_bad_construction_matches_torch():
    torch = pytest.importorskip("torch")
    i, v = [[0, 1, 1], [2, 0, 2]], [3., 4., 5.]
    for args in [(i, v[:2], (2, 3)), (i, v, (2, 3, 4)), ([[-1, 0, 0], [0, 0, 0]], v)]:
        with pytest.raises(RuntimeError) as ours:
            pyt.sparse_coo_tensor(*args)
        with pytest.raises(RuntimeError) as theirs:
            torch.sparse_coo_tensor(*args)
        assert str(ours.value) == str(theirs.value)


# ----- coalesce and conversions ----------------------------------------------------------

def test_coalesce_sums_duplicates_and_sorts():
    s = pyt.sparse_coo_tensor([[1, 0, 1, 0], [0, 2, 0, 1]], [1., 2., 3., 4.], (2, 3))
    c = s.coalesce()
    assert c.is_coalesced() and c.coalesce() is c
    assert c.indices().tolist() == [[0, 0, 1], [1, 2, 0]]
    assert c.values().tolist() == [4., 2., 4.]
    np.testing.assert_array_equal(c.to_dense().numpy(), s.to_dense().numpy())


def test_coalesce_random_against_numpy():
    s, idx, vals = random_sparse(30, 40, 500, duplicates=True)
    c = s.coalesce()
    lin = c.indices()[0] * 40 + c.indices()[1]
    assert (lin[1:] > lin[:-1]).all()
    np.testing.assert_allclose(c.to_dense().numpy(), dense_of(idx, vals, (30, 40)))


def test_coalesce_hybrid():
    s = pyt.sparse_coo_tensor([[2, 0, 2]], pyt.tensor([[1., 2.], [3., 4.], [5., 6.]]), (3, 2))
    c = s.coalesce()
    assert c.indices().tolist() == [[0, 2]] and c.values().tolist() == [[3., 4.], [6., 8.]]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_round_trip_dtypes(dtype):
    a = np.array([[0, 1, 0, 2], [0, 0, 0, 0], [3, 0, 1, 0]])
    d = pyt.tensor(a).to(dtype)
    s = d.to_sparse()
    assert s.is_coalesced() and s.dtype is dtype and s._nnz() == int((a != 0).sum())
    assert s.to_dense().dtype is dtype
    np.testing.assert_array_equal(s.to_dense().to(pyt.float64).numpy(),
                                  d.to(pyt.float64).numpy())
    assert s.to_sparse() is s and d.to_sparse_coo()._nnz() == s._nnz()


@pytest.mark.parametrize("sparse_dim", [1, 2, 3])
def test_hybrid_round_trip(sparse_dim):
    a = np.zeros((4, 3, 2))
    a[1, 2, 0] = 5
    a[3, 0, :] = [1, 2]
    d = pyt.tensor(a)
    s = d.to_sparse(sparse_dim)
    assert s.sparse_dim() == sparse_dim and s.dense_dim() == 3 - sparse_dim
    np.testing.assert_array_equal(s.to_dense().numpy(), a)
    assert d.to_sparse(dense_dim=3 - sparse_dim).sparse_dim() == sparse_dim


def test_to_sparse_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[[0., 1.], [0., 0.]], [[2., 0.], [3., 4.]]])
    for sd in (1, 2, 3):
        ours, theirs = pyt.tensor(a).to_sparse(sd), torch.tensor(a).to_sparse(sd)
        np.testing.assert_array_equal(ours._indices().numpy(), theirs._indices().numpy())
        np.testing.assert_array_equal(ours._values().numpy(), theirs._values().numpy())


def test_to_sparse_edge_cases():
    s = pyt.tensor(3.).to_sparse()
    assert s.shape == () and s._nnz() == 1 and s.to_dense().item() == 3.
    z = pyt.zeros(2, 3).to_sparse()
    assert z._nnz() == 0 and z.to_dense().tolist() == [[0.] * 3] * 2
    with pytest.raises(RuntimeError, match="sparse_dim argument must be in \\[0,2\\]"):
        pyt.zeros(2, 3).to_sparse(3)
    with pytest.raises(RuntimeError, match="must be in >0"):
        pyt.zeros(2, 3).to_sparse(0)
    with pytest.raises(RuntimeError, match="conversion from Sparse to Sparse"):
        pyt.ones(2, 2).to_sparse().to_sparse(1)


def test_dtype_conversions_clone_detach_pickle():
    s = pyt.sparse_coo_tensor([[0, 1], [1, 0]], [1., 2.], (2, 2))
    assert s.double().dtype is pyt.float64 and s.to(pyt.int32).dtype is pyt.int32
    assert s.float() is s and s.to("cpu") is s
    c = s.clone()
    assert c._values() is not s._values() and c.to_dense().tolist() == s.to_dense().tolist()
    r = s.requires_grad_()
    assert r is s and s.requires_grad and s.is_leaf and not s.detach().requires_grad
    back = pickle.loads(pickle.dumps(s))
    assert isinstance(back, SparseTensor) and back.requires_grad
    assert back.to_dense().tolist() == [[0., 1.], [2., 0.]]


def test_dense_only_ops_refuse_sparse():
    s = pyt.ones(2, 2).to_sparse()
    with pytest.raises(TypeError):
        pyt.exp(s)
    with pytest.raises(TypeError):
        s.numpy()


# ----- arithmetic ------------------------------------------------------------------------

def test_transpose():
    s, idx, vals = random_sparse(5, 7, 10)
    d = dense_of(idx, vals, (5, 7))
    np.testing.assert_allclose(s.t().to_dense().numpy(), d.T)
    np.testing.assert_allclose(s.transpose(0, 1).to_dense().numpy(), d.T)
    assert s.t().shape == (7, 5)
    h = pyt.tensor(np.arange(24.).reshape(2, 3, 4)).to_sparse(1)
    np.testing.assert_array_equal(h.transpose(1, 2).to_dense().numpy(),
                                  np.arange(24.).reshape(2, 3, 4).transpose(0, 2, 1))
    with pytest.raises(RuntimeError):
        h.transpose(0, 1)


def test_add_mul_neg():
    a, ia, va = random_sparse(6, 5, 8, seed=1)
    b, ib, vb = random_sparse(6, 5, 8, seed=2)
    da, db = dense_of(ia, va, (6, 5)), dense_of(ib, vb, (6, 5))
    np.testing.assert_allclose((a + b).to_dense().numpy(), da + db)
    assert (a + b).is_coalesced()
    np.testing.assert_allclose((a - b).to_dense().numpy(), da - db)
    np.testing.assert_allclose(a.add(b, alpha=2).to_dense().numpy(), da + 2 * db)
    np.testing.assert_allclose((-a).to_dense().numpy(), -da)
    np.testing.assert_allclose((a * 3).to_dense().numpy(), 3 * da)
    np.testing.assert_allclose((2.5 * a).to_dense().numpy(), 2.5 * da)
    np.testing.assert_allclose((a / 2).to_dense().numpy(), da / 2)
    dense = pyt.tensor(db)
    am = a * dense
    assert isinstance(am, SparseTensor)
    np.testing.assert_allclose(am.to_dense().numpy(), da * db)
    np.testing.assert_allclose((dense * a).to_dense().numpy(), da * db)
    ab = a * b
    assert isinstance(ab, SparseTensor)
    np.testing.assert_allclose(ab.to_dense().numpy(), da * db)
    s = dense + a
    assert isinstance(s, pyt.Tensor)
    np.testing.assert_allclose(s.numpy(), da + db)
    np.testing.assert_allclose((dense - a).numpy(), db - da)
    with pytest.raises(RuntimeError, match="add\\(sparse, dense\\) is not supported"):
        a + dense
    with pytest.raises(RuntimeError, match="same size"):
        a + pyt.ones(2, 2).to_sparse().double()


def test_sum():
    s, idx, vals = random_sparse(6, 5, 12, duplicates=True)
    d = dense_of(idx, vals, (6, 5))
    assert abs(s.sum().item() - d.sum()) < 1e-12
    assert abs(pyt.sparse.sum(s).item() - d.sum()) < 1e-12
    r = pyt.sparse.sum(s, 0)
    assert isinstance(r, SparseTensor) and r.shape == (5,)
    np.testing.assert_allclose(r.to_dense().numpy(), d.sum(0))
    np.testing.assert_allclose(s.sum(1).to_dense().numpy(), d.sum(1))
    full = pyt.sparse.sum(s, (0, 1))
    assert isinstance(full, pyt.Tensor) and abs(full.item() - d.sum()) < 1e-12
    h = pyt.tensor(np.arange(12.).reshape(2, 3, 2)).to_sparse(2)
    np.testing.assert_allclose(pyt.sparse.sum(h, 2).to_dense().numpy(),
                               np.arange(12.).reshape(2, 3, 2).sum(2))
    np.testing.assert_allclose(pyt.sparse.sum(h, (0, 1)).numpy(),
                               np.arange(12.).reshape(2, 3, 2).sum((0, 1)))
    i = pyt.tensor([[1, 2]]).to_sparse()
    assert i.sum().dtype is pyt.int64
    assert pyt.sparse.sum(i.int(), dtype=pyt.float64).dtype is pyt.float64


# ----- products --------------------------------------------------------------------------

def test_products_against_dense():
    s, idx, vals = random_sparse(20, 15, 60, duplicates=True)
    d = dense_of(idx, vals, (20, 15))
    x = np.random.default_rng(3).standard_normal((15, 4))
    y = np.random.default_rng(4).standard_normal((6, 20))
    X, Y = pyt.tensor(x), pyt.tensor(y)
    for r in (pyt.sparse.mm(s, X), pyt.spmm(s, X), pyt.sparse.spmm(s, X), s @ X, s.mm(X),
              s.matmul(X), pyt.mm(s, X), pyt.matmul(s, X)):
        assert isinstance(r, pyt.Tensor)
        np.testing.assert_allclose(r.numpy(), d @ x, rtol=1e-12, atol=1e-12)
    for r in (Y @ s, pyt.mm(Y, s), Y.mm(s), pyt.matmul(Y, s), pyt.sparse.mm(Y, s)):
        np.testing.assert_allclose(r.numpy(), y @ d, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((s @ X[:, 0]).numpy(), d @ x[:, 0], atol=1e-12)
    np.testing.assert_allclose((Y[0] @ s).numpy(), y[0] @ d, atol=1e-12)
    c = pyt.ones(20, 4, dtype=pyt.float64)
    for r in (pyt.sparse.addmm(c, s, X, beta=2, alpha=3), pyt.addmm(c, s, X, beta=2, alpha=3)):
        np.testing.assert_allclose(r.numpy(), 2 + 3 * (d @ x), atol=1e-12)
    np.testing.assert_allclose(pyt.sparse.addmm(c, s, X, beta=0).numpy(), d @ x, atol=1e-12)


def test_sparse_sparse_product():
    a, ia, va = random_sparse(8, 6, 12, seed=5)
    b, ib, vb = random_sparse(6, 7, 12, seed=6)
    r = pyt.sparse.mm(a, b)
    assert isinstance(r, SparseTensor) and r.is_coalesced()
    np.testing.assert_allclose(r.to_dense().numpy(),
                               dense_of(ia, va, (8, 6)) @ dense_of(ib, vb, (6, 7)), atol=1e-12)
    assert isinstance(a @ b, SparseTensor)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64], ids=str)
def test_product_dtypes(dtype):
    s = pyt.tensor([[0, 2, 0], [1, 0, 3]]).to(dtype).to_sparse()
    x = pyt.tensor([[1, 2], [3, 4], [5, 6]]).to(dtype)
    r = s @ x
    assert r.dtype is dtype and r.tolist() == [[6, 8], [16, 20]]


def test_products_against_scipy():
    sp = pytest.importorskip("scipy.sparse")
    s, idx, vals = random_sparse(50, 40, 200, duplicates=True)
    m = sp.coo_matrix((vals, (idx[0], idx[1])), shape=(50, 40))
    x = np.random.default_rng(7).standard_normal((40, 3))
    np.testing.assert_allclose((s @ pyt.tensor(x)).numpy(), m @ x, rtol=1e-12, atol=1e-12)
    c = s.coalesce()
    mc = m.tocsr()
    mc.sum_duplicates()
    mc = mc.tocoo()
    np.testing.assert_array_equal(c.indices().numpy(), np.stack([mc.row, mc.col]))


def test_products_against_torch():
    torch = pytest.importorskip("torch")
    s, idx, vals = random_sparse(30, 20, 80, duplicates=True, dtype=pyt.float32)
    x = np.random.default_rng(8).standard_normal((20, 5)).astype(np.float32)
    t = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(vals, dtype=torch.float32),
                                (30, 20))
    np.testing.assert_allclose((s @ pyt.tensor(x)).numpy(),
                               torch.sparse.mm(t, torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(s.coalesce().indices().numpy(),
                                  t.coalesce().indices().numpy())
    np.testing.assert_allclose(s.coalesce().values().numpy(), t.coalesce().values().numpy(),
                               rtol=1e-6)


def test_product_errors_like_torch():
    s = pyt.eye(3).to_sparse()
    with pytest.raises(RuntimeError, match="addmm: Argument #3 \\(dense\\): Expected dim 0 "
                                           "size 3, got 4"):
        pyt.sparse.mm(s, pyt.ones(4, 2))
    with pytest.raises(RuntimeError, match="addmm: Argument #3 \\(dense\\): Expected dim 0 "
                                           "size 3, got 4"):
        pyt.mm(pyt.ones(2, 4), s)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        s @ pyt.ones(3, 2, dtype=pyt.float64)
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        pyt.sparse.mm(s, pyt.eye(4).to_sparse())
    with pytest.raises(RuntimeError, match="scalar values expected"):
        pyt.sparse.mm(pyt.ones(3, 3, 2).to_sparse(2), pyt.ones(3, 2))
    with pytest.raises(TypeError):
        pyt.mm(pyt.ones(2, 2), [[1.]])


# ----- autograd --------------------------------------------------------------------------

def test_gradients_against_dense():
    s, idx, vals = random_sparse(7, 5, 12)
    s = s.requires_grad_()
    x = pyt.tensor(np.random.default_rng(9).standard_normal((5, 3)), requires_grad=True)
    (s @ x).pow(2).sum().backward()
    dense = pyt.tensor(dense_of(idx, vals, (7, 5)), requires_grad=True)
    x2 = x.detach().clone().requires_grad_()
    (dense @ x2).pow(2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-12)
    g = s.grad
    assert isinstance(g, SparseTensor) and g.layout is pyt.sparse_coo
    assert g.is_coalesced() and g.indices().tolist() == s.coalesce().indices().tolist()
    np.testing.assert_allclose(g.to_dense().numpy(),
                               dense.grad.numpy() * (dense_of(idx, np.ones(12), (7, 5)) > 0))


def test_grad_of_uncoalesced_leaf_like_torch():
    i = [[0, 1, 1, 0], [2, 0, 2, 2]]
    s = pyt.sparse_coo_tensor(i, [3., 4., 5., 1.], (2, 3), dtype=pyt.float64,
                              requires_grad=True)
    pyt.sparse.mm(s, pyt.ones(3, 2, dtype=pyt.float64)).pow(2).sum().backward()
    assert s.grad._indices().tolist() == [[0, 1, 1], [2, 0, 2]]
    assert s.grad._values().tolist() == [16., 36., 36.]


def test_values_from_graph_get_gradients():
    v = pyt.tensor([1., 2., 3.], dtype=pyt.float64, requires_grad=True)
    s = pyt.sparse_coo_tensor([[0, 1, 2], [0, 0, 1]], v * 2, (3, 2))
    assert s.requires_grad and not s.is_leaf and s.grad_fn is not None
    (s @ pyt.ones(2, 1, dtype=pyt.float64)).sum().backward()
    assert v.grad.tolist() == [2., 2., 2.]
    # a leaf built with requires_grad=True leaves the given values tensor alone
    w = pyt.tensor([1., 2.])
    pyt.sparse_coo_tensor([[0, 1]], w, requires_grad=True)
    assert not w.requires_grad


def test_gradcheck_mm_values_and_dense():
    i = pyt.tensor([[0, 1, 1, 2, 0], [2, 0, 2, 1, 2]])
    v = pyt.randn(5, dtype=pyt.float64, requires_grad=True)
    d = pyt.randn(3, 4, dtype=pyt.float64, requires_grad=True)
    c = pyt.randn(3, 4, dtype=pyt.float64, requires_grad=True)

    def product(values, dense):
        return pyt.sparse.mm(pyt.sparse_coo_tensor(i, values, (3, 3)), dense)

    def through_everything(values, dense, bias):
        s = pyt.sparse_coo_tensor(i, values, (3, 3))
        r = pyt.sparse.addmm(bias, s.coalesce() * 2, dense, beta=0.5) + (dense.t() @ s.t().t()).t()
        return r.sum(1) + pyt.sparse.sum(s * dense.narrow(1, 0, 3), 1).to_dense()

    assert pyt.autograd.gradcheck(product, (v, d))
    assert pyt.autograd.gradcheck(lambda values, dense: dense.t() @ pyt.sparse_coo_tensor(
        i, values, (3, 3)), (v, d))
    assert pyt.autograd.gradcheck(lambda a, b: pyt.sparse.mm(
        pyt.sparse_coo_tensor(i, a, (3, 3)), pyt.sparse_coo_tensor(i, b, (3, 3))).to_dense(),
        (v, v.detach().clone().requires_grad_()))
    assert pyt.autograd.gradcheck(through_everything, (v, d, c))


def test_backward_from_sparse_output():
    v = pyt.tensor([1., 2.], requires_grad=True)
    s = pyt.sparse_coo_tensor([[0, 1]], v, (3,)) * 3
    s.backward(pyt.tensor([1., 10., 100.]))
    assert v.grad.tolist() == [3., 30.]


def test_gcn_layer_trains():
    # a tiny GCN layer, A_hat @ (X @ W): a ring graph of 12 nodes with self-loops
    pyt.manual_seed(0)
    n = 12
    src = list(range(n)) * 3
    dst = list(range(n)) + [(k + 1) % n for k in range(n)] + [(k - 1) % n for k in range(n)]
    a_hat = pyt.sparse_coo_tensor([src, dst], pyt.full((3 * n,), 1 / 3), (n, n))
    x = pyt.randn(n, 5)
    labels = pyt.tensor([k % 2 for k in range(n)])
    w = pyt.randn(5, 2, requires_grad=True)
    opt = pyt.optim.Adam([w], lr=0.1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = pyt.nn.functional.cross_entropy(a_hat @ (x @ w), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_digits_gcn_example():
    pytest.importorskip("sklearn")
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, os.path.join(root, "examples", "digits_gcn.py"),
                             "--epochs", "30"], capture_output=True, text=True, timeout=300,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert "pyt.sparse_coo" in result.stdout and "GCN epoch  30" in result.stdout
    gcn = float(result.stdout.split("test accuracy: GCN")[1].split(",")[0])
    assert gcn > 0.85
