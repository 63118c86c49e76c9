"""Derivatives of the linear algebra ops: products, contractions, decompositions, solvers.

Each op is checked with finite differences (gradcheck) and, when smooth, its derivative
too (gradgradcheck); a sample against torch, when installed, for gradients and node names.
Decompositions are checked through functions of their outputs that do not depend on the
free choices (signs of singular vectors and eigenvectors)."""
import numpy as np
import pytest

import pyt
from pyt.autograd import gradcheck, gradgradcheck

f64 = pyt.float64


def leaf(*shape, seed=0, dtype=f64):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)


def leaves(*shapes):
    return tuple(leaf(*s, seed=i) for i, s in enumerate(shapes))


def spd(x):
    """A symmetric positive-definite matrix made of x (recorded)."""
    return x @ x.mT + 2 * pyt.eye(x.shape[-1], dtype=x.dtype)


def sym(x):
    return x + x.mT


# ----- products ------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)), ((2, 2, 3), (3,)), ((3,), (2, 3, 4)), ((2, 3), (2, 3, 2)),
    ((2, 2, 3), (2, 3, 2)), ((1, 2, 3), (2, 3, 2)), ((2, 1, 2, 3), (3, 3, 2)),
    ((2, 0, 3), (3, 2)), ((2, 0), (0, 3)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul(sa, sb):
    a, b = leaf(*sa), leaf(*sb, seed=1)
    assert gradcheck(pyt.matmul, (a, b))
    assert gradgradcheck(pyt.matmul, (a, b))
    np.testing.assert_allclose((a @ b).detach().numpy(), a.detach().numpy() @ b.detach().numpy())


@pytest.mark.parametrize("sa,sb", [((3, 2), (3, 4)), ((2, 3, 2), (3, 4)), ((2, 3, 2), (2, 3, 4))],
                         ids=str)
def test_matmul_noncontiguous(sa, sb):
    a, b = leaf(*sa), leaf(*sb, seed=1)
    # transposed, sliced with a step, and broadcast (expanded) operands
    assert gradcheck(lambda a, b: a.mT @ b, (a, b))
    assert gradcheck(lambda a, b: a.mT[..., ::2, :] @ b, (a, b))
    assert gradcheck(lambda a, b: a.mT @ b[..., ::2], (a, b))
    assert gradgradcheck(lambda a, b: a.mT @ b, (a, b))


@pytest.mark.parametrize("fn", [pyt.matmul, pyt.mm, pyt.addmm, pyt.baddbmm],
                         ids=["matmul", "mm", "addmm", "baddbmm"])
def test_only_one_input_requires_grad(fn):
    shapes = {pyt.addmm: [(2, 4), (2, 3), (3, 4)], pyt.baddbmm: [(2, 2, 4), (2, 2, 3), (2, 3, 4)]}
    inputs = list(leaves(*shapes.get(fn, [(2, 3), (3, 4)])))
    for i in range(len(inputs)):
        args = [x if j == i else x.detach() for j, x in enumerate(inputs)]
        assert gradcheck(fn, tuple(args))
        fn(*args).sum().backward()
        assert all(x.grad is None for j, x in enumerate(inputs) if j != i)
        inputs[i].grad = None


def test_lapack_noncontiguous_inputs():
    a = well_conditioned(3, 3)
    for fn in (lambda x: pyt.linalg.det(x.mT), lambda x: pyt.linalg.inv(x.mT),
               lambda x: pyt.linalg.svdvals(x[:, ::2]), lambda x: pyt.linalg.solve(x.mT, x[0]),
               lambda x: pyt.linalg.pinv(x[::2]), lambda x: pyt.linalg.matrix_norm(x.mT, 1),
               lambda x: pyt.linalg.cholesky(spd(x.mT)), lambda x: pyt.linalg.qr(x[:, ::2]).Q):
        assert gradcheck(fn, (a,))


def test_matmul_expanded_operand():
    a, b = leaf(1, 2, 3), leaf(3, 2, seed=1)
    assert gradcheck(lambda a, b: a.expand(4, 2, 3) @ b, (a, b))
    assert gradcheck(lambda a, b: b.mT @ a.expand(4, 2, 3).mT, (a, b))


PRODUCTS = {
    "mm": (pyt.mm, [(2, 3), (3, 4)]),
    "bmm": (pyt.bmm, [(2, 2, 3), (2, 3, 4)]),
    "mv": (pyt.mv, [(2, 3), (3,)]),
    "dot": (pyt.dot, [(3,), (3,)]),
    "vdot": (pyt.vdot, [(3,), (3,)]),
    "inner": (pyt.inner, [(2, 3), (4, 3)]),
    "inner_vec": (pyt.inner, [(3,), (3,)]),
    "inner_0d": (pyt.inner, [(), (2, 3)]),
    "outer": (pyt.outer, [(3,), (2,)]),
    "ger": (pyt.ger, [(3,), (2,)]),
    "kron": (pyt.kron, [(2, 3), (2, 2)]),
    "kron_rank": (pyt.kron, [(2,), (2, 3)]),
    "tensordot1": (lambda a, b: pyt.tensordot(a, b, 1), [(2, 3), (3, 4)]),
    "tensordot2": (lambda a, b: pyt.tensordot(a, b, ([0, 2], [2, 0])), [(2, 3, 2), (2, 2, 2)]),
    "tensordot0": (lambda a, b: pyt.tensordot(a, b, 0), [(2,), (3,)]),
    "addmm": (pyt.addmm, [(2, 4), (2, 3), (3, 4)]),
    "addmm_broadcast": (lambda c, a, b: pyt.addmm(c, a, b, beta=0.5, alpha=-2), [(4,), (2, 3), (3, 4)]),
    "addmm_beta0": (lambda c, a, b: pyt.addmm(c, a, b, beta=0), [(2, 4), (2, 3), (3, 4)]),
    "addmv": (lambda c, a, b: pyt.addmv(c, a, b, beta=2, alpha=0.5), [(2,), (2, 3), (3,)]),
    "addmv_broadcast": (pyt.addmv, [(1,), (2, 3), (3,)]),
    "baddbmm": (lambda c, a, b: pyt.baddbmm(c, a, b, beta=-1, alpha=3), [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    "baddbmm_broadcast": (pyt.baddbmm, [(2, 1), (2, 2, 3), (2, 3, 1)]),
    "addbmm": (lambda c, a, b: pyt.addbmm(c, a, b, beta=0.5, alpha=2), [(2, 4), (3, 2, 3), (3, 3, 4)]),
    "addbmm_broadcast": (pyt.addbmm, [(4,), (3, 2, 3), (3, 3, 4)]),
    "chain_matmul": (pyt.chain_matmul, [(2, 3), (3, 4), (4, 2)]),
    "chain_matmul_one": (pyt.chain_matmul, [(2, 3)]),
    "multi_dot": (lambda *m: pyt.linalg.multi_dot(m), [(2, 3), (3, 4), (4, 2), (2, 3)]),
    "multi_dot_vectors": (lambda *m: pyt.linalg.multi_dot(m), [(3,), (3, 4), (4,)]),
    "multi_dot_first_vector": (lambda *m: pyt.linalg.multi_dot(m), [(3,), (3, 4), (4, 2)]),
    "linalg_matmul": (pyt.linalg.matmul, [(2, 2, 3), (3, 2)]),
}


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_products(name):
    fn, shapes = PRODUCTS[name]
    inputs = leaves(*shapes)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_method_forms():
    a, b, v = leaf(2, 3), leaf(3, 4, seed=1), leaf(3, seed=2)
    c = leaf(2, 4, seed=3)
    for fn, args in [(lambda a, b: a.matmul(b), (a, b)), (lambda a, b: a.mm(b), (a, b)),
                     (lambda a, v: a.mv(v), (a, v)), (lambda v: v.dot(v), (v,)),
                     (lambda c, a, b: c.addmm(a, b, beta=2), (c, a, b)),
                     (lambda v: v.outer(v), (v,)), (lambda v: v.inner(v), (v,))]:
        assert gradcheck(fn, args)


# ----- in-place products -----------------------------------------------------------------------

INPLACE = {
    "addmm_": (lambda c, a, b: c.clone().addmm_(a, b, beta=0.5, alpha=2), [(2, 4), (2, 3), (3, 4)]),
    "addmv_": (lambda c, a, b: c.clone().addmv_(a, b, alpha=2), [(2,), (2, 3), (3,)]),
    "baddbmm_": (lambda c, a, b: c.clone().baddbmm_(a, b, beta=2), [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    "addbmm_": (lambda c, a, b: c.clone().addbmm_(a, b, alpha=-1), [(2, 4), (3, 2, 3), (3, 3, 4)]),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_products(name):
    fn, shapes = INPLACE[name]
    inputs = leaves(*shapes)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
    out = fn(*inputs)
    torch_name = {"addmm_": "AddmmBackward0", "addmv_": "AddmvBackward0",
                  "baddbmm_": "BaddbmmBackward0", "addbmm_": "AddbmmBackward0"}[name]
    assert out.grad_fn.name() == torch_name


def test_inplace_on_leaf_raises():
    c, a, b = leaves((2, 4), (2, 3), (3, 4))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        c.addmm_(a, b)
    # a leaf that needs no grad takes the recorded result and its history
    d = pyt.zeros(2, 4, dtype=f64)
    d.addmm_(a, b)
    assert d.requires_grad and d.grad_fn.name() == "AddmmBackward0"
    d.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.ones((2, 4)) @ b.detach().numpy().T)
    with pyt.no_grad():                          # no recording: a plain in-place update
        c.addmm_(a, b)
    assert c.grad_fn is None


# ----- contractions -------------------------------------------------------------------------

EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("i,i->", [(3,), (3,)]), ("i,j->ij", [(3,), (2,)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij->j", [(2, 3)]), ("ij->", [(2, 3)]), ("ji", [(2, 3)]), ("...ij,...jk", [(2, 2, 3), (3, 2)]),
    ("bij,jk,bk->bi", [(2, 2, 3), (3, 2), (2, 2)]), ("iij->j", [(2, 2, 3)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]), ("ij,kj->ik", [(1, 3), (2, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(eq, shapes):
    inputs = leaves(*shapes)
    assert gradcheck(lambda *ops: pyt.einsum(eq, *ops), inputs)
    assert gradgradcheck(lambda *ops: pyt.einsum(eq, *ops), inputs)


CONTRACTIONS = {
    "trace": (pyt.trace, [(3, 3)]),
    "trace_wide": (pyt.trace, [(2, 4)]),
    "trace_method": (lambda x: x.trace(), [(3, 2)]),
    "diag_vector": (pyt.diag, [(3,)]),
    "diag_vector_offset": (lambda x: pyt.diag(x, 1), [(3,)]),
    "diag_vector_below": (lambda x: pyt.diag(x, -2), [(2,)]),
    "diag_matrix": (pyt.diag, [(3, 4)]),
    "diag_matrix_offset": (lambda x: pyt.diag(x, -1), [(3, 3)]),
    "diag_method": (lambda x: x.diag(1), [(3, 3)]),
    "diagflat": (pyt.diagflat, [(2, 2)]),
    "diagflat_offset": (lambda x: pyt.diagflat(x, -1), [(3,)]),
}


@pytest.mark.parametrize("name", list(CONTRACTIONS))
def test_contractions(name):
    fn, shapes = CONTRACTIONS[name]
    inputs = leaves(*shapes)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power(n):
    a = leaf(3, 3)
    with pyt.no_grad():
        a += 3 * pyt.eye(3, dtype=f64)          # well conditioned for the inverse powers
    assert gradcheck(lambda x: pyt.linalg.matrix_power(x, n), (a,))
    assert gradgradcheck(lambda x: pyt.matrix_power(x, n), (a,))
    b = leaf(2, 2, 2)
    assert gradcheck(lambda x: x.matrix_power(n) if n >= 0 else x.matrix_power(-1), (b,))


def test_matrix_power_zero_requires_grad():
    a = leaf(2, 2)
    r = pyt.linalg.matrix_power(a, 0)
    assert r.requires_grad
    np.testing.assert_allclose(r.detach().numpy(), np.eye(2))


# ----- determinants and inverses ---------------------------------------------------------

def well_conditioned(*shape, seed=0):
    x = leaf(*shape, seed=seed)
    with pyt.no_grad():
        x += 2 * pyt.eye(shape[-1], dtype=f64)
    return x


LAPACK = {
    "det": (pyt.linalg.det, (3, 3)),
    "det_batched": (pyt.det, (2, 2, 2)),
    "det_method": (lambda x: x.det(), (2, 2)),
    "slogdet": (lambda x: pyt.linalg.slogdet(x).logabsdet, (3, 3)),
    "slogdet_old": (lambda x: pyt.slogdet(x)[1], (2, 2, 2)),
    "slogdet_method": (lambda x: x.slogdet()[1], (2, 2)),
    "logdet": (lambda x: pyt.logdet(spd(x)), (3, 3)),
    "logdet_method": (lambda x: spd(x).logdet(), (2, 2, 2)),
    "inv": (pyt.linalg.inv, (3, 3)),
    "inv_batched": (pyt.inverse, (2, 2, 2)),
    "inv_method": (lambda x: x.inverse(), (2, 2)),
    "inv_ex": (lambda x: pyt.linalg.inv_ex(x).inverse, (2, 2)),
    "solve": (lambda x: pyt.linalg.solve(x, x[..., :2] * 2 + 1), (3, 3)),
}


@pytest.mark.parametrize("name", list(LAPACK))
def test_lapack_smooth(name):
    fn, shape = LAPACK[name]
    a = well_conditioned(*shape)
    assert gradcheck(fn, (a,))
    assert gradgradcheck(fn, (a,))


def test_det_of_singular_matrix():
    """det is a polynomial: a singular matrix has a gradient (its adjugate), nonzero at rank
    n - 1."""
    a = pyt.tensor([[1., 2, 3], [2, 4, 6], [1, 0, 1]], dtype=f64, requires_grad=True)
    assert gradcheck(pyt.linalg.det, (a,))
    pyt.linalg.det(a).backward()
    A = a.detach().numpy()
    cof = np.array([[np.linalg.det(np.delete(np.delete(A, i, 0), j, 1)) * (-1) ** (i + j)
                     for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(a.grad.numpy(), cof, atol=1e-12)


def test_det_of_singular_matrix_double_backward():
    a = pyt.tensor([[1., 2], [2, 4]], dtype=f64, requires_grad=True)
    assert gradgradcheck(pyt.linalg.det, (a,))


def test_logdet_negative_determinant_gets_no_gradient():
    a = pyt.tensor([[0., 1], [1, 0]], dtype=f64, requires_grad=True)     # det = -1
    r = pyt.logdet(a)
    assert np.isnan(r.item())
    r.backward()
    np.testing.assert_allclose(a.grad.numpy(), np.zeros((2, 2)))


SOLVE = [
    ((3, 3), (3, 2), True), ((3, 3), (3,), True), ((2, 3, 3), (3, 2), True),
    ((3, 3), (2, 3, 1), True), ((2, 3, 3), (2, 3), True), ((1, 3, 3), (2, 3, 2), True),
    ((3, 3), (2, 3), False), ((2, 3, 3), (1, 2, 3), False),
]


@pytest.mark.parametrize("sa,sb,left", SOLVE, ids=str)
def test_solve(sa, sb, left):
    a, b = well_conditioned(*sa), leaf(*sb, seed=1)
    fn = lambda a, b: pyt.linalg.solve(a, b, left=left)
    assert gradcheck(fn, (a, b))
    assert gradgradcheck(fn, (a, b))
    assert fn(a, b).grad_fn.name() == "LinalgSolveExBackward0"


def test_solve_one_input_requires_grad():
    a, b = well_conditioned(3, 3), leaf(3, 2, seed=1)
    assert gradcheck(lambda b: pyt.linalg.solve(a.detach(), b), (b,))
    assert gradcheck(lambda a: pyt.linalg.solve(a, b.detach()), (a,))


PINV = [(3, 2), (2, 3), (2, 2), (2, 3, 2)]


@pytest.mark.parametrize("shape", PINV, ids=str)
def test_pinv(shape):
    a = leaf(*shape)
    assert gradcheck(pyt.linalg.pinv, (a,))
    assert gradgradcheck(pyt.linalg.pinv, (a,))
    assert gradcheck(pyt.pinverse, (a,))
    assert gradcheck(lambda x: x.pinverse(), (a,))


LSTSQ = [((4, 3), (4, 2)), ((4, 3), (4,)), ((3, 3), (3, 1)), ((2, 4, 2), (1, 4, 2)),
         ((4, 2), (2, 4, 1))]


@pytest.mark.parametrize("sa,sb", LSTSQ, ids=str)
def test_lstsq(sa, sb):
    a, b = leaf(*sa), leaf(*sb, seed=1)
    fn = lambda a, b: pyt.linalg.lstsq(a, b).solution
    assert gradcheck(fn, (a, b))
    assert gradgradcheck(fn, (a, b))


def test_lstsq_residuals():
    a, b = leaf(4, 2), leaf(4, 3, seed=1)
    fn = lambda a, b: pyt.linalg.lstsq(a, b, driver="gelsd").residuals
    assert gradcheck(fn, (a, b))
    r = pyt.linalg.lstsq(a, b, driver="gelsd")
    assert not r.rank.requires_grad and not r.singular_values.requires_grad


# ----- decompositions --------------------------------------------------------------------------

def cholesky_fns():
    return {
        "lower": lambda x: pyt.linalg.cholesky(spd(x)),
        "upper": lambda x: pyt.linalg.cholesky(spd(x), upper=True),
        "ex": lambda x: pyt.linalg.cholesky_ex(spd(x)).L,
        "old": lambda x: pyt.cholesky(spd(x)),
        "method": lambda x: spd(x).cholesky(upper=True),
    }


@pytest.mark.parametrize("name", list(cholesky_fns()))
@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2)], ids=str)
def test_cholesky(name, shape):
    assert gradcheck(cholesky_fns()[name], (leaf(*shape),))


def test_cholesky_double_backward():
    assert gradgradcheck(cholesky_fns()["lower"], (leaf(3, 3),))
    assert gradgradcheck(cholesky_fns()["upper"], (leaf(2, 2),))


QR = [((3, 3), "reduced"), ((4, 2), "reduced"), ((2, 3), "reduced"), ((2, 3), "complete"),
      ((3, 3), "complete"), ((2, 3, 2), "reduced")]


@pytest.mark.parametrize("shape,mode", QR, ids=str)
def test_qr(shape, mode):
    a = leaf(*shape)
    assert gradcheck(lambda x: tuple(pyt.linalg.qr(x, mode)), (a,))
    assert gradcheck(lambda x: pyt.linalg.qr(x, mode).R, (a,))
    assert gradcheck(lambda x: pyt.linalg.qr(x, mode).Q, (a,))


def test_qr_old_and_method():
    a = leaf(3, 2)
    assert gradcheck(lambda x: tuple(pyt.qr(x)), (a,))
    assert gradcheck(lambda x: tuple(x.qr()), (a,))


def test_qr_double_backward():
    for shape in [(3, 2), (2, 3)]:
        assert gradgradcheck(lambda x: tuple(pyt.linalg.qr(x)), (leaf(*shape),))


def test_qr_not_differentiable_modes():
    a = leaf(2, 3)
    _, R = pyt.linalg.qr(a, mode="r")
    with pytest.raises(RuntimeError, match="mode='r'"):
        R.sum().backward()
    Q, R = pyt.linalg.qr(leaf(3, 2), mode="complete")
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        Q.sum().backward()


def svd_fns(full):
    def parts(x):
        U, S, Vh = pyt.linalg.svd(x, full_matrices=full)
        k = S.shape[-1]
        return U[..., :, :k], S, Vh[..., :k, :]
    return {
        "S": lambda x: pyt.linalg.svd(x, full_matrices=full).S,
        "USVh": lambda x: (lambda U, S, Vh: (U * S.unsqueeze(-2)) @ Vh)(*parts(x)),
        "polar": lambda x: (lambda U, S, Vh: U @ Vh)(*parts(x)),
        "U_squared": lambda x: (lambda U, S, Vh: U * U)(*parts(x)),
        "Vh_squared": lambda x: (lambda U, S, Vh: Vh * Vh * S.unsqueeze(-1))(*parts(x)),
    }


SVD_SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 2)]


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("name", list(svd_fns(False)))
@pytest.mark.parametrize("shape", SVD_SHAPES, ids=str)
def test_svd(shape, name, full):
    assert gradcheck(svd_fns(full)[name], (leaf(*shape),))


@pytest.mark.parametrize("shape", SVD_SHAPES, ids=str)
def test_svdvals(shape):
    a = leaf(*shape)
    assert gradcheck(pyt.linalg.svdvals, (a,))
    assert gradgradcheck(pyt.linalg.svdvals, (a,))
    assert pyt.linalg.svdvals(a).grad_fn.name() == "LinalgSvdBackward0"


def test_svd_old():
    a = leaf(3, 2)
    assert gradcheck(lambda x: (lambda U, S, V: (U * S.unsqueeze(-2)) @ V.mT)(*pyt.svd(x)), (a,))
    assert gradcheck(lambda x: x.svd().S, (a,))
    assert gradcheck(lambda x: pyt.svd(x, compute_uv=False).S, (a,))


def test_svd_double_backward():
    for name in ("USVh", "polar"):
        assert gradgradcheck(svd_fns(False)[name], (leaf(3, 2),))


def eigh_fns():
    return {
        "values": lambda x: pyt.linalg.eigh(sym(x)).eigenvalues,
        "eigvalsh": lambda x: pyt.linalg.eigvalsh(sym(x)),
        "upper": lambda x: pyt.linalg.eigvalsh(sym(x), UPLO="U"),
        "V_squared": lambda x: (lambda L, V: V * V)(*pyt.linalg.eigh(sym(x))),
        "both": lambda x: (lambda L, V: (V * L.unsqueeze(-2) * V).sum(-1))(*pyt.linalg.eigh(sym(x))),
    }


@pytest.mark.parametrize("name", list(eigh_fns()))
@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2)], ids=str)
def test_eigh(name, shape):
    assert gradcheck(eigh_fns()[name], (leaf(*shape),))


def test_eigvalsh_double_backward():
    assert gradgradcheck(eigh_fns()["eigvalsh"], (leaf(3, 3),))
    assert gradgradcheck(eigh_fns()["V_squared"], (leaf(2, 2),))


def test_eigh_double_backward():
    assert gradgradcheck(eigh_fns()["both"], (leaf(3, 3),))


# ----- matrix norms ------------------------------------------------------------------------

NORMS = [
    ("fro", None, False), ("nuc", None, False), (2, None, False), (-2, None, False),
    (1, None, False), (-1, None, False), (float("inf"), None, False), (float("-inf"), None, False),
    ("fro", (0, 2), True), (1, (2, 0), True), ("nuc", (-1, 0), False), (float("inf"), (1, 2), True),
]


@pytest.mark.parametrize("ord,dim,keepdim", NORMS, ids=str)
def test_matrix_norm(ord, dim, keepdim):
    shape = (3, 2) if dim is None else (2, 3, 2)
    a = leaf(*shape)
    fn = lambda x: pyt.linalg.matrix_norm(x, ord, dim if dim is not None else (-2, -1), keepdim)
    assert gradcheck(fn, (a,))
    assert gradgradcheck(fn, (a,))


def test_norm_matrix_cases():
    a = leaf(3, 2)
    for fn in (lambda x: pyt.linalg.norm(x, "fro"), lambda x: pyt.linalg.norm(x, 1),
               lambda x: pyt.linalg.norm(x, "nuc"), lambda x: pyt.linalg.norm(x, 2, dim=(1, 0))):
        assert gradcheck(fn, (a,))


def test_norm_zero_matrix_gradient_is_zero():
    a = pyt.zeros(2, 2, dtype=f64, requires_grad=True)
    pyt.linalg.matrix_norm(a).backward()
    np.testing.assert_allclose(a.grad.numpy(), np.zeros((2, 2)))


def test_norm_ties_split_the_gradient():
    a = pyt.tensor([[1., -2], [3, 2]], dtype=f64, requires_grad=True)    # both columns sum to 4
    pyt.linalg.matrix_norm(a, 1).backward()
    np.testing.assert_allclose(a.grad.numpy(), 0.5 * np.sign(a.detach().numpy()))


# ----- what is not recorded ------------------------------------------------------------------

def test_integer_products_need_no_grad():
    a = pyt.ones(2, 3, dtype=pyt.int64)
    b = pyt.ones(3, 2, dtype=pyt.int64)
    for r in (a @ b, pyt.mm(a, b), pyt.einsum("ij,jk", a, b), pyt.trace(a[:, :2]),
              pyt.tensordot(a, b, 1), pyt.kron(a, b)):
        assert not r.requires_grad and r.grad_fn is None


def test_integer_outputs_need_no_grad():
    a = well_conditioned(3, 3)
    assert not pyt.linalg.matrix_rank(a).requires_grad
    assert not pyt.linalg.inv_ex(a).info.requires_grad
    assert not pyt.linalg.cholesky_ex(spd(a)).info.requires_grad


def test_no_grad_records_nothing():
    a, b = leaf(2, 3), leaf(3, 2, seed=1)
    with pyt.no_grad():
        for r in (a @ b, pyt.linalg.det(a @ b), pyt.linalg.svd(a).S, pyt.einsum("ij,jk", a, b),
                  pyt.linalg.inv(a @ b), pyt.linalg.matrix_norm(a, 1)):
            assert r.grad_fn is None and not r.requires_grad
    c = pyt.ones(2, 3) @ pyt.ones(3, 2)
    assert c.grad_fn is None


def test_out_with_grad_raises():
    a, b = leaf(2, 3), leaf(3, 2, seed=1)
    sq = well_conditioned(2, 2)
    out = pyt.empty(0, dtype=f64)
    for call in (lambda: pyt.matmul(a, b, out=out), lambda: pyt.mm(a, b, out=out),
                 lambda: pyt.addmm(pyt.zeros(2, 2, dtype=f64), a, b, out=out),
                 lambda: pyt.dot(a[0], b[:, 0], out=out), lambda: pyt.linalg.det(sq, out=out),
                 lambda: pyt.linalg.inv(sq, out=out), lambda: pyt.linalg.solve(sq, sq, out=out),
                 lambda: pyt.linalg.svdvals(a, out=out), lambda: pyt.tensordot(a, b, 1, out=out),
                 lambda: pyt.linalg.matrix_norm(a, out=out), lambda: pyt.linalg.pinv(a, out=out)):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            call()
    with pyt.no_grad():
        pyt.matmul(a, b, out=out)


@pytest.mark.parametrize("fn,shapes", [
    (pyt.matmul, [(2, 2, 3), (3, 2)]), (pyt.addmm, [(2, 2), (2, 3), (3, 2)]),
    (pyt.linalg.det, [(2, 2)]), (lambda x: pyt.linalg.svd(x).S, [(3, 2)]),
    (pyt.linalg.inv, [(2, 2)]), (lambda x: pyt.linalg.matrix_norm(x, 1), [(2, 2)]),
], ids=["matmul", "addmm", "det", "svd", "inv", "matrix_norm"])
def test_float32_gives_float32_grads(fn, shapes):
    inputs = [leaf(*s, seed=i, dtype=pyt.float32) for i, s in enumerate(shapes)]
    with pyt.no_grad():
        for x in inputs:
            if x.ndim == 2 and x.shape[0] == x.shape[1]:
                x += 2 * pyt.eye(x.shape[0])
    fn(*inputs).sum().backward()
    for x in inputs:
        assert x.grad.dtype == pyt.float32 and x.grad.shape == x.shape


def test_half_matmul_gradients():
    a = leaf(2, 3, dtype=pyt.float16)
    b = leaf(3, 2, seed=1, dtype=pyt.float16)
    (a @ b).sum().backward()
    assert a.grad.dtype == pyt.float16
    np.testing.assert_allclose(a.grad.float().numpy(),
                               np.ones((2, 2)) @ b.detach().float().numpy().T, rtol=1e-2)


def test_saved_tensor_modified_in_place_is_caught():
    a, b = leaf(2, 3), leaf(3, 2, seed=1)
    x = a * 1
    y = x @ b
    with pyt.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ----- against torch ------------------------------------------------------------------------------

def _torch_compare(fn, shapes, prep=None):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    if prep is not None:
        arrays = prep(arrays)
    names, grads = [], []
    for lib in (pyt, torch):
        xs = [lib.tensor(x, dtype=lib.float64, requires_grad=True) for x in arrays]
        out = fn(lib, *xs)
        names.append(out.grad_fn.name())
        seed = np.random.default_rng(1).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(seed, dtype=lib.float64))
        grads.append([x.grad.numpy() for x in xs])
    for g_pyt, g_torch in zip(*grads):
        np.testing.assert_allclose(g_pyt, g_torch, rtol=1e-7, atol=1e-9)
    return names


def _well_conditioned(arrays):
    return [a + 3 * np.eye(a.shape[-1]) if a.shape[-1] == a.shape[-2] else a for a in arrays]


TORCH_CASES = {
    "dot": (lambda m, a, b: m.dot(a, b), [(3,), (3,)], None, "DotBackward0"),
    "vdot": (lambda m, a, b: m.vdot(a, b), [(3,), (3,)], None, "VdotBackward0"),
    "mv": (lambda m, a, b: m.matmul(a, b), [(2, 3), (3,)], None, "MvBackward0"),
    "mm": (lambda m, a, b: m.matmul(a, b), [(2, 3), (3, 4)], None, "MmBackward0"),
    "vec_mat": (lambda m, a, b: m.matmul(a, b), [(3,), (3, 2)], None, "SqueezeBackward4"),
    "folded": (lambda m, a, b: m.matmul(a, b), [(2, 2, 3), (3, 4)], None, "UnsafeViewBackward0"),
    "batched": (lambda m, a, b: m.matmul(a, b), [(2, 1, 2, 3), (3, 3, 4)], None, "UnsafeViewBackward0"),
    "bmm": (lambda m, a, b: m.bmm(a, b), [(2, 2, 3), (2, 3, 4)], None, "BmmBackward0"),
    "addmm": (lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2), [(4,), (2, 3), (3, 4)], None,
              "AddmmBackward0"),
    "addmv": (lambda m, c, a, b: m.addmv(c, a, b, beta=2), [(2,), (2, 3), (3,)], None, "AddmvBackward0"),
    "baddbmm": (lambda m, c, a, b: m.baddbmm(c, a, b, alpha=3), [(2, 2, 4), (2, 2, 3), (2, 3, 4)],
                None, "BaddbmmBackward0"),
    "addbmm": (lambda m, c, a, b: m.addbmm(c, a, b, beta=-1), [(2, 4), (3, 2, 3), (3, 3, 4)], None,
               "AddbmmBackward0"),
    "trace": (lambda m, a: m.trace(a), [(3, 4)], None, "TraceBackward0"),
    "diag": (lambda m, a: m.diag(a, 1), [(3,)], None, "DiagEmbedBackward0"),
    "einsum": (lambda m, a, b: m.einsum("bij,jk->bik", a, b), [(2, 2, 3), (3, 2)], None, None),
    "tensordot": (lambda m, a, b: m.tensordot(a, b, 2), [(2, 3, 2), (3, 2, 2)], None, None),
    "det": (lambda m, a: m.linalg.det(a), [(2, 3, 3)], None, "LinalgDetBackward0"),
    "slogdet": (lambda m, a: m.linalg.slogdet(a)[1], [(3, 3)], _well_conditioned,
                "LinalgSlogdetBackward0"),
    "inv": (lambda m, a: m.linalg.inv(a), [(3, 3)], _well_conditioned, "LinalgInvExBackward0"),
    "pinv": (lambda m, a: m.linalg.pinv(a), [(3, 2)], None, "LinalgPinvBackward0"),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (2, 3, 2)], _well_conditioned,
              "LinalgSolveExBackward0"),
    "lstsq": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [(4, 3), (4, 2)], None,
              "LinalgLstsqBackward0"),
    "cholesky": (lambda m, a: m.linalg.cholesky(a @ a.mT + m.eye(3, dtype=m.float64)), [(3, 3)],
                 None, "LinalgCholeskyExBackward0"),
    "cholesky_upper": (lambda m, a: m.linalg.cholesky(a @ a.mT + m.eye(3, dtype=m.float64),
                                                      upper=True), [(3, 3)], None, None),
    "qr_tall": (lambda m, a: (lambda q, r: q * 2 + r.sum())(*m.linalg.qr(a)), [(4, 3)], None, None),
    "qr_wide": (lambda m, a: (lambda q, r: q.sum() + r * 3)(*m.linalg.qr(a)), [(2, 4)], None, None),
    "qr_R": (lambda m, a: m.linalg.qr(a).R, [(3, 3)], None, "LinalgQrBackward0"),
    "svd_S": (lambda m, a: m.linalg.svdvals(a), [(3, 2)], None, "LinalgSvdBackward0"),
    "svd_polar": (lambda m, a: (lambda u, s, vh: u @ vh)(*m.linalg.svd(a, full_matrices=False)),
                  [(4, 3)], None, None),
    "svd_wide": (lambda m, a: (lambda u, s, vh: (u * s.unsqueeze(-2) * 2) @ vh + vh * vh)(
        *m.linalg.svd(a, full_matrices=False)), [(2, 4)], None, None),
    "eigh": (lambda m, a: (lambda l, v: v * v * l)(*m.linalg.eigh(a + a.mT)), [(3, 3)], None, None),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(a + a.mT), [(3, 3)], None, "LinalgEighBackward0"),
    "norm_fro": (lambda m, a: m.linalg.matrix_norm(a), [(3, 2)], None, "LinalgVectorNormBackward0"),
    "norm_nuc": (lambda m, a: m.linalg.matrix_norm(a, "nuc"), [(3, 2)], None, None),
    "norm_2": (lambda m, a: m.linalg.matrix_norm(a, 2, keepdim=True), [(2, 3, 2)], None, None),
    "norm_1": (lambda m, a: m.linalg.matrix_norm(a, 1), [(3, 2)], None, "AmaxBackward0"),
    "norm_-inf": (lambda m, a: m.linalg.matrix_norm(a, float("-inf")), [(3, 2)], None, "AminBackward0"),
    "matrix_power": (lambda m, a: m.linalg.matrix_power(a, -2), [(3, 3)], _well_conditioned,
                     "MmBackward0"),
    "multi_dot": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(3,), (3, 4), (4, 2)], None, None),
}


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_against_torch(name):
    fn, shapes, prep, torch_name = TORCH_CASES[name]
    names = _torch_compare(fn, shapes, prep)
    if torch_name is not None:
        assert names == [torch_name, torch_name]
