"""Triangular solves, LU, Cholesky solves, solve_ex, cond, matrix_exp and the small linalg
compositions (pyt/_linalg_lu.py): against NumPy/SciPy always, against torch when it is
installed; batches, broadcasting, empty and non-contiguous inputs, errors, gradcheck and
gradgradcheck in float64."""
import math

import numpy as np
import pytest
import scipy.linalg as sl

import pyt
from pyt.autograd import gradcheck, gradgradcheck

FLOATS = [pyt.float32, pyt.float64]
TOL = {pyt.float32: dict(rtol=1e-4, atol=1e-4), pyt.float64: dict(rtol=1e-10, atol=1e-10)}


def rand(*shape, seed=0, dtype=pyt.float64, diag=0.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if diag:
        x = x + diag * np.eye(shape[-1])
    return pyt.tensor(x).to(dtype)


def close(actual, expected, dtype=pyt.float64):
    a = actual.detach().numpy() if isinstance(actual, pyt.Tensor) else np.asarray(actual)
    e = expected.detach().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    assert a.shape == e.shape, (a.shape, e.shape)
    np.testing.assert_allclose(a, e, **TOL[dtype])


def leaf(x):
    return x.detach().contiguous().requires_grad_(True)


# ----- solve_triangular / triangular_solve ------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_scipy(dtype, upper, left, unit):
    A = rand(2, 4, 4, dtype=dtype, diag=4)
    B = rand(2, 4, 3, seed=1, dtype=dtype) if left else rand(2, 3, 4, seed=1, dtype=dtype)
    X = pyt.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unit)
    assert X.dtype is dtype
    a, b = A.numpy().astype(np.float64), B.numpy().astype(np.float64)
    for i in range(2):
        if left:
            ref = sl.solve_triangular(a[i], b[i], lower=not upper, unit_diagonal=unit)
        else:
            ref = sl.solve_triangular(a[i].T, b[i].T, lower=upper, unit_diagonal=unit).T
        close(X[i], ref, dtype)


def test_solve_triangular_broadcast_noncontiguous_empty():
    A = rand(6, 6, diag=4)[::2, ::2].mT                   # strided and transposed
    B = rand(2, 1, 3, 2, seed=1).expand(2, 5, 3, 2)
    X = pyt.linalg.solve_triangular(A, B, upper=False)
    assert X.shape == (2, 5, 3, 2)
    ref = sl.solve_triangular(A.numpy(), B.numpy()[1, 4], lower=True)
    close(X[1, 4], ref)
    assert pyt.linalg.solve_triangular(pyt.zeros(0, 3, 3), pyt.zeros(3, 2),
                                       upper=True).shape == (0, 3, 2)
    assert pyt.linalg.solve_triangular(pyt.zeros(3, 3), pyt.zeros(3, 0),
                                       upper=True).shape == (3, 0)
    assert pyt.linalg.solve_triangular(pyt.zeros(0, 0), pyt.zeros(0, 2),
                                       upper=True).shape == (0, 2)


def test_solve_triangular_reads_one_triangle_and_singular_gives_inf():
    A = rand(3, 3, diag=4)
    X = pyt.linalg.solve_triangular(A, pyt.eye(3, dtype=A.dtype), upper=True)
    close(X, np.linalg.inv(np.triu(A.numpy())))
    S = pyt.tensor([[1.0, 2.0], [0.0, 0.0]])
    assert not pyt.isfinite(pyt.linalg.solve_triangular(S, pyt.ones(2, 1), upper=True)).all()


def test_solve_triangular_errors():
    A = pyt.randn(3, 3)
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation "
                                           r"AX = B \(3x3 and 4x2\)"):
        pyt.linalg.solve_triangular(A, pyt.randn(4, 2), upper=True)
    with pytest.raises(RuntimeError, match=r"XA = B \(3x3 and 2x4\)"):
        pyt.linalg.solve_triangular(A, pyt.randn(2, 4), upper=True, left=False)
    with pytest.raises(RuntimeError, match="B must have at least 2 dimensions"):
        pyt.linalg.solve_triangular(A, pyt.randn(3), upper=True)
    with pytest.raises(RuntimeError, match="must be batches of square matrices"):
        pyt.linalg.solve_triangular(pyt.randn(3, 4), pyt.randn(3, 2), upper=True)
    with pytest.raises(NotImplementedError, match="not implemented for 'Int'"):
        pyt.linalg.solve_triangular(A.int(), pyt.ones(3, 2).int(), upper=True)
    with pytest.raises(TypeError):
        pyt.linalg.solve_triangular(A, pyt.randn(3, 2))
    # B takes A's dtype, as torch's
    assert pyt.linalg.solve_triangular(A, pyt.randn(3, 2).double(), upper=True).dtype is \
        pyt.float32


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_gradcheck(upper, left, unit):
    A = leaf(rand(2, 3, 3, diag=3))
    B = leaf(rand(3, 2, seed=1) if left else rand(2, 3, seed=1))   # broadcast over A's batch

    def f(a, b):
        return pyt.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)
    assert gradcheck(f, (A, B))
    assert gradgradcheck(f, (A, B))


def test_triangular_solve_old_api():
    A = rand(2, 3, 3, diag=3)
    b = rand(3, 2, seed=1)
    for upper in (True, False):
        for transpose in (True, False):
            r = pyt.triangular_solve(b, A, upper=upper, transpose=transpose)
            assert r._fields == ("solution", "cloned_coefficient")
            tri = np.triu if upper else np.tril
            a = tri(A.numpy())
            a = a.swapaxes(-1, -2) if transpose else a
            close(r.solution, np.linalg.solve(a, b.numpy()))
            close(r.cloned_coefficient, A)
            assert r.cloned_coefficient.stride() == (9, 1, 3)
    with pytest.raises(RuntimeError, match="each A matrix is 3 by 3 but each b matrix is 4 by 2"):
        pyt.triangular_solve(pyt.randn(4, 2), pyt.randn(3, 3))
    with pytest.raises(RuntimeError, match="Expected b to have at least 2 dimensions"):
        pyt.triangular_solve(pyt.randn(3), pyt.randn(3, 3))


# ----- LU -------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (2, 3, 3)])
def test_lu_factor_scipy(dtype, shape):
    A = rand(*shape, dtype=dtype)
    LU, piv = pyt.linalg.lu_factor(A)
    assert piv.dtype is pyt.int32 and LU.dtype is dtype
    a = A.numpy().reshape(-1, *shape[-2:]).astype(np.float64)
    lus = LU.numpy().reshape(-1, *shape[-2:])
    pivs = piv.numpy().reshape(-1, min(shape[-2:]))
    for i in range(a.shape[0]):
        if shape[-1] == shape[-2]:
            ref_lu, ref_piv = sl.lu_factor(a[i])
            close(lus[i], ref_lu, dtype)
            np.testing.assert_array_equal(pivs[i], ref_piv + 1)
    # P L U reproduces A
    P, L, U = pyt.linalg.lu(A)
    close(P @ L @ U, A, dtype)
    k = min(shape[-2:])
    assert L.shape == (*shape[:-1], k) and U.shape == (*shape[:-2], k, shape[-1])
    assert P.shape == (*shape[:-1], shape[-2])


def test_lu_matches_scipy_lu():
    A = rand(5, 3)
    P, L, U = pyt.linalg.lu(A)
    p, l, u = sl.lu(A.numpy())
    close(P, p)
    close(L, l)
    close(U, u)


def test_lu_factor_ex_singular_and_errors():
    Z = pyt.zeros(2, 3, 3)
    r = pyt.linalg.lu_factor_ex(Z)
    assert r._fields == ("LU", "pivots", "info")
    assert r.info.tolist() == [1, 1]
    assert r.pivots.tolist() == [[1, 2, 3], [1, 2, 3]]
    with pytest.raises(pyt.linalg.LinAlgError, match=r"\(Batch element 0\): U\[1,1\] is zero"):
        pyt.linalg.lu_factor(Z)
    with pytest.raises(RuntimeError, match=r"torch.linalg.lu_factor: U\[1,1\] is zero"):
        pyt.linalg.lu_factor(Z[0])
    with pytest.raises(RuntimeError, match="U\\[1,1\\] is zero"):
        pyt.linalg.lu_factor_ex(Z, check_errors=True)
    with pytest.raises(RuntimeError, match="Expected tensor with 2 or more dimensions"):
        pyt.linalg.lu_factor(pyt.zeros(3))
    with pytest.raises(NotImplementedError, match="\"lu_cpu\" not implemented for 'Int'"):
        pyt.linalg.lu_factor(pyt.zeros(3, 3).int())
    with pytest.raises(RuntimeError, match="LU without pivoting is not implemented on the CPU"):
        pyt.linalg.lu_factor(pyt.eye(3), pivot=False)
    P, L, U = pyt.linalg.lu(Z)                      # linalg.lu does not raise
    close(P @ L @ U, Z)


def test_lu_empty_and_noncontiguous():
    for shape in [(0, 3, 3), (2, 0, 3), (3, 0), (0, 0)]:
        P, L, U = pyt.linalg.lu(pyt.zeros(*shape))
        m, n = shape[-2:]
        k = min(m, n)
        assert P.shape == (*shape[:-2], m, m)
        assert L.shape == (*shape[:-2], m, k) and U.shape == (*shape[:-2], k, n)
    A = rand(3, 8, 8, diag=2)[:, 1::2, ::2].mT
    P, L, U = pyt.linalg.lu(A)
    close(P @ L @ U, A)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (2, 3, 3)])
def test_lu_gradcheck(shape):
    A = leaf(rand(*shape, diag=0))
    assert gradcheck(lambda a: pyt.linalg.lu_factor(a).LU, (A,))
    assert gradgradcheck(lambda a: pyt.linalg.lu_factor(a).LU, (A,))
    assert gradcheck(lambda a: pyt.linalg.lu(a)[1:], (A,))
    assert gradgradcheck(lambda a: pyt.linalg.lu(a)[1:], (A,))


def test_lu_unpack():
    A = rand(2, 4, 3)
    LU, piv = pyt.linalg.lu_factor(A)
    P, L, U = pyt.lu_unpack(LU, piv)
    close(P @ L @ U, A)
    r = pyt.lu_unpack(LU, piv, unpack_data=False)
    assert r.L.shape == (0,) and r.U.shape == (0,)
    close(r.P, P)
    assert pyt.lu_unpack(LU, piv, unpack_pivots=False).P.shape == (0,)
    with pytest.raises(RuntimeError, match="int32"):
        pyt.lu_unpack(LU, piv.long())
    with pytest.raises(RuntimeError, match="must be between 1 and LU.size"):
        pyt.lu_unpack(LU, piv * 0)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve(dtype, left, adjoint):
    A = rand(2, 4, 4, dtype=dtype, diag=2)
    B = rand(2, 4, 3, seed=1, dtype=dtype)
    B = B if left else B.mT
    LU, piv = pyt.linalg.lu_factor(A)
    X = pyt.linalg.lu_solve(LU, piv, B, left=left, adjoint=adjoint)
    a = A.numpy().astype(np.float64)
    a = a.swapaxes(-1, -2) if adjoint else a
    b = B.numpy().astype(np.float64)
    ref = np.linalg.solve(a, b) if left else \
        np.linalg.solve(a.swapaxes(-1, -2), b.swapaxes(-1, -2)).swapaxes(-1, -2)
    close(X, ref, dtype)
    if left and not adjoint:
        lu_sp = sl.lu_factor(a[0])
        close(X[0], sl.lu_solve(lu_sp, b[0]), dtype)
        close(pyt.lu_solve(B, LU, piv), X, dtype)            # the old argument order


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_gradcheck(left, adjoint):
    LU, piv = pyt.linalg.lu_factor(rand(2, 3, 3, diag=2))
    LU = leaf(LU)
    B = leaf(rand(3, 2, seed=1) if left else rand(2, 3, seed=1))

    def f(lu, b):
        return pyt.linalg.lu_solve(lu, piv, b, left=left, adjoint=adjoint)
    assert gradcheck(f, (LU, B))
    assert gradgradcheck(f, (LU, B))


def test_lu_solve_errors():
    LU, piv = pyt.linalg.lu_factor(rand(3, 3, diag=2))
    with pytest.raises(RuntimeError, match="pivots should be a Tensor of scalar type torch.int32"):
        pyt.linalg.lu_solve(LU, piv.long(), pyt.zeros(3, 2, dtype=LU.dtype))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation "
                                           r"AX = B \(3x3 and 4x2\)"):
        pyt.linalg.lu_solve(LU, piv, pyt.zeros(4, 2, dtype=LU.dtype))
    with pytest.raises(RuntimeError, match="Number of pivots per batch"):
        pyt.linalg.lu_solve(LU, piv[:2], pyt.zeros(3, 2, dtype=LU.dtype))
    with pytest.raises(RuntimeError, match="B must have at least 2 dimensions"):
        pyt.linalg.lu_solve(LU, piv, pyt.zeros(3, dtype=LU.dtype))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices"):
        pyt.linalg.lu_solve(pyt.zeros(3, 4), piv, pyt.zeros(3, 2))


def test_lu_old_api():
    A = rand(2, 3, 3)
    LU, piv = pyt.lu(A)
    r = pyt.linalg.lu_factor(A)
    close(LU, r.LU)
    assert piv.tolist() == r.pivots.tolist()
    r = pyt.lu(pyt.zeros(3, 3), get_infos=True)      # no error for a singular matrix
    assert r._fields == ("LU", "pivots", "info") and int(r.info) == 1


# ----- Cholesky solves ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("upper", [True, False])
def test_cholesky_solve_inverse(dtype, upper):
    M = rand(2, 4, 4, dtype=dtype)
    A = M @ M.mT + 4 * pyt.eye(4, dtype=dtype)
    L = pyt.linalg.cholesky(A, upper=upper)
    B = rand(4, 3, seed=1, dtype=dtype)
    a = A.numpy().astype(np.float64)
    close(pyt.cholesky_solve(B, L, upper=upper), np.linalg.solve(a, B.numpy()), dtype)
    close(pyt.cholesky_solve(B, L[0], upper), sl.cho_solve((L.numpy()[0], not upper), B.numpy()),
          dtype)
    close(pyt.cholesky_inverse(L, upper=upper), np.linalg.inv(a), dtype)
    close(pyt.cholesky_inverse(L[0], upper), np.linalg.inv(a[0]), dtype)


def test_cholesky_solve_inverse_errors_and_empty():
    with pytest.raises(RuntimeError, match="each A matrix is 3 by 3 but each b matrix is 4 by 2"):
        pyt.cholesky_solve(pyt.zeros(4, 2), pyt.eye(3))
    with pytest.raises(RuntimeError, match="b should have at least 2 dimensions"):
        pyt.cholesky_solve(pyt.zeros(3), pyt.eye(3))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices"):
        pyt.cholesky_inverse(pyt.eye(3)[:2])
    with pytest.raises(pyt.linalg.LinAlgError, match=r"\(Batch element 0\): The diagonal "
                                                     r"element 1 is zero"):
        pyt.cholesky_inverse(pyt.zeros(2, 3, 3))
    assert pyt.cholesky_inverse(pyt.zeros(0, 3, 3)).shape == (0, 3, 3)
    assert pyt.cholesky_solve(pyt.zeros(0, 2), pyt.zeros(0, 0)).shape == (0, 2)


@pytest.mark.parametrize("upper", [True, False])
def test_cholesky_solve_inverse_gradcheck(upper):
    M = rand(3, 3)
    L = leaf(pyt.linalg.cholesky(M @ M.mT + 3 * pyt.eye(3, dtype=M.dtype), upper=upper))
    B = leaf(rand(2, 3, 2, seed=1))
    tri = (lambda x: x.triu()) if upper else (lambda x: x.tril())   # torch's gradient is full
    assert gradcheck(lambda l, b: pyt.cholesky_solve(b, tri(l), upper), (L, B))
    assert gradgradcheck(lambda l, b: pyt.cholesky_solve(b, tri(l), upper), (L, B))
    assert gradcheck(lambda l: pyt.cholesky_inverse(tri(l), upper), (L,))
    assert gradgradcheck(lambda l: pyt.cholesky_inverse(tri(l), upper), (L,))


# ----- solve_ex, cond, matrix_exp ---------------------------------------------------------------

def test_solve_ex():
    A = rand(2, 3, 3, diag=2)
    B = rand(2, 3, 2, seed=1)
    r = pyt.linalg.solve_ex(A, B)
    assert r._fields == ("result", "info")
    close(r.result, np.linalg.solve(A.numpy(), B.numpy()))
    assert r.info.tolist() == [0, 0]
    S = A.clone()
    S[1] = 0
    r = pyt.linalg.solve_ex(S, B)
    assert r.info.tolist() == [0, 1]
    close(r.result[0], np.linalg.solve(A.numpy()[0], B.numpy()[0]))
    with pytest.raises(pyt.linalg.LinAlgError, match="The solver failed because the input "
                                                     "matrix is singular"):
        pyt.linalg.solve_ex(S, B, check_errors=True)
    v = pyt.linalg.solve_ex(A, B[..., 0]).result
    assert v.shape == (2, 3)
    assert pyt.linalg.solve_ex(pyt.eye(3), pyt.ones(2, 3, 1)).info.shape == ()   # A's batch
    assert gradcheck(lambda a, b: pyt.linalg.solve_ex(a, b).result, (leaf(A), leaf(B)))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1])
def test_cond(p):
    A = rand(2, 4, 4, diag=1)
    a = A.numpy()
    ref = np.array([np.linalg.cond(m, p) for m in a])
    close(pyt.linalg.cond(A, p), ref)
    assert gradcheck(lambda x: pyt.linalg.cond(x, p), (leaf(A[:, :3, :3]),))
    assert gradgradcheck(lambda x: pyt.linalg.cond(x, p), (leaf(A[:, :3, :3]),))


def test_cond_shapes_and_errors():
    R = rand(3, 5)
    close(pyt.linalg.cond(R), np.linalg.cond(R.numpy()))
    with pytest.raises(RuntimeError, match=r"linalg.cond\(ord=fro\): A must be batches of "
                                           r"square matrices"):
        pyt.linalg.cond(R, "fro")
    with pytest.raises(RuntimeError, match="linalg.cond got an invalid norm type: 3"):
        pyt.linalg.cond(rand(3, 3), 3)
    assert float(pyt.linalg.cond(pyt.zeros(3, 3), "fro")) == math.inf
    assert pyt.linalg.cond(pyt.zeros(0, 0)).shape == ()


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("scale", [1e-3, 1.0, 3.0, 8.0])
def test_matrix_exp_scipy(dtype, scale):
    M = rand(3, 5, 5, dtype=pyt.float64) * scale
    M[1] = M[1] * 1e-3                    # matrices of a batch with different scalings
    E = pyt.linalg.matrix_exp(M.to(dtype))
    assert E.dtype is dtype
    for i in range(3):
        ref = sl.expm(M.numpy()[i])
        err = np.abs(E.numpy()[i] - ref).max() / np.abs(ref).max()
        assert err < (1e-5 if dtype is pyt.float32 else 1e-11), err
    close(pyt.matrix_exp(M[0]), sl.expm(M.numpy()[0]))


def test_matrix_exp_special_and_errors():
    assert pyt.linalg.matrix_exp(pyt.zeros(0, 0)).shape == (0, 0)
    assert pyt.linalg.matrix_exp(pyt.zeros(2, 0, 3, 3)).shape == (2, 0, 3, 3)
    close(pyt.linalg.matrix_exp(pyt.zeros(2, 3, 3)), np.broadcast_to(np.eye(3), (2, 3, 3)),
          pyt.float32)
    d = pyt.tensor([1.0, -2.0, 0.5])
    close(pyt.linalg.matrix_exp(pyt.diag(d)), np.diag(np.exp(d.numpy())), pyt.float32)
    A = rand(6, 6)[::2, ::2].mT
    close(pyt.linalg.matrix_exp(A), sl.expm(A.numpy()))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices"):
        pyt.linalg.matrix_exp(pyt.zeros(3, 4))
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        pyt.linalg.matrix_exp(pyt.zeros(3))
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as "
                                           "input. Got Int"):
        pyt.linalg.matrix_exp(pyt.zeros(3, 3).int())


def test_matrix_exp_gradcheck():
    M = leaf(rand(2, 3, 3) * 2)
    assert gradcheck(pyt.linalg.matrix_exp, (M,))
    assert gradgradcheck(pyt.linalg.matrix_exp, (M,))


# ----- vecdot, diagonal, cross, vander, householder, tensorinv/solve ---------------------------------

def test_vecdot_diagonal():
    x, y = rand(2, 3, 4), rand(4, seed=1)
    close(pyt.linalg.vecdot(x, y), (x.numpy() * y.numpy()).sum(-1))
    close(pyt.linalg.vecdot(x, x, dim=1), (x.numpy() ** 2).sum(1))
    with pytest.raises(RuntimeError, match="Expected x and y to have the same dtype"):
        pyt.linalg.vecdot(x, y.float())
    with pytest.raises(RuntimeError, match="Got Int"):
        pyt.linalg.vecdot(x.int(), x.int())
    close(pyt.linalg.diagonal(x), np.diagonal(x.numpy(), 0, -2, -1))
    close(pyt.linalg.diagonal(x, offset=1, dim1=0, dim2=2), np.diagonal(x.numpy(), 1, 0, 2))
    assert gradcheck(lambda a, b: pyt.linalg.vecdot(a, b), (leaf(x), leaf(y)))


def test_cross():
    x, y = rand(2, 4, 3), rand(1, 4, 3, seed=1)
    close(pyt.linalg.cross(x, y), np.cross(x.numpy(), y.numpy()))
    close(pyt.linalg.cross(x.mT, y.mT, dim=1), np.cross(x.numpy(), y.numpy()).swapaxes(1, 2))
    close(pyt.cross(x.mT, y.mT), np.cross(x.numpy(), y.numpy()).swapaxes(1, 2))
    xi = pyt.tensor([[1, 0, 0]])
    assert pyt.linalg.cross(xi, pyt.tensor([[0, 1, 0]])).tolist() == [[0, 0, 1]]
    with pytest.raises(RuntimeError, match="inputs dimension -1 must have length 3. Got 3 and 2"):
        pyt.linalg.cross(pyt.ones(3), pyt.ones(2))
    with pytest.raises(RuntimeError, match="inputs must have the same number of dimensions"):
        pyt.linalg.cross(pyt.ones(2, 3), pyt.ones(3))
    with pytest.raises(RuntimeError, match="no dimension of size 3 in input"):
        pyt.cross(pyt.ones(2, 2), pyt.ones(2, 2))
    assert gradcheck(lambda a, b: pyt.linalg.cross(a, b), (leaf(x), leaf(y)))


def test_vander():
    x = rand(2, 3)
    close(pyt.linalg.vander(x), np.stack([np.vander(r, increasing=True) for r in x.numpy()]))
    close(pyt.linalg.vander(x, N=5)[0], np.vander(x.numpy()[0], 5, increasing=True))
    xi = pyt.tensor([1, 2, 3])
    v = pyt.linalg.vander(xi)
    assert v.dtype is pyt.int64 and v.tolist() == np.vander([1, 2, 3], increasing=True).tolist()
    for dtype in (pyt.int8, pyt.uint8, pyt.int32):
        assert pyt.linalg.vander(xi.to(dtype)).dtype is pyt.int64
    for dtype in (pyt.bool, pyt.float16, pyt.bfloat16):
        with pytest.raises(RuntimeError, match="linalg.vander supports floating point"):
            pyt.linalg.vander(xi.to(dtype))
    with pytest.raises(RuntimeError, match="N must be greater than 1."):
        pyt.linalg.vander(x, N=1)
    with pytest.raises(RuntimeError, match="N must be greater than 1."):
        pyt.linalg.vander(pyt.ones(()))
    assert gradcheck(lambda a: pyt.linalg.vander(a, N=4), (leaf(x),))
    assert gradgradcheck(lambda a: pyt.linalg.vander(a, N=4), (leaf(x),))


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_geqrf_householder_ormqr(dtype):
    A = rand(2, 5, 3, dtype=dtype)
    r = pyt.geqrf(A)
    assert r._fields == ("a", "tau")
    a, tau = r
    Q = pyt.linalg.householder_product(a, tau)
    R = a.triu()[..., :3, :]
    close(Q @ R, A, dtype)
    Qr, Rr = np.linalg.qr(A.numpy().astype(np.float64))
    close(Q.abs(), np.abs(Qr), dtype)                 # LAPACK's signs, the same as NumPy's
    close(pyt.orgqr(a, tau), Q, dtype)
    C = rand(2, 5, 2, seed=1, dtype=dtype)
    Qfull = pyt.linalg.householder_product(pyt.cat([a, pyt.zeros(2, 5, 2, dtype=dtype)], -1),
                                           tau)
    close(pyt.ormqr(a, tau, C), Qfull @ C, dtype)
    close(pyt.ormqr(a, tau, C, transpose=True), Qfull.mT @ C, dtype)
    close(pyt.ormqr(a, tau, C.mT, left=False), C.mT @ Qfull, dtype)


def test_householder_product_errors_and_grad():
    with pytest.raises(RuntimeError, match=r"input.shape\[-2\] must be greater than or equal "
                                           r"to input.shape\[-1\]"):
        pyt.linalg.householder_product(pyt.ones(3, 4), pyt.ones(2))
    with pytest.raises(RuntimeError, match=r"input.shape\[-1\] must be greater than or equal "
                                           r"to tau.shape\[-1\]"):
        pyt.linalg.householder_product(pyt.ones(4, 3), pyt.ones(4))
    with pytest.raises(RuntimeError, match="Expected tau to have one dimension less than input"):
        pyt.linalg.householder_product(pyt.ones(4, 3), pyt.ones(2, 2))
    with pytest.raises(RuntimeError, match="tau dtype Double does not match input dtype Float"):
        pyt.linalg.householder_product(pyt.ones(4, 3), pyt.ones(2).double())
    with pytest.raises(RuntimeError, match="input must have at least 2 dimensions"):
        pyt.linalg.householder_product(pyt.ones(4), pyt.ones(2))
    with pytest.raises(RuntimeError, match="torch.geqrf: input must have at least 2 dimensions"):
        pyt.geqrf(pyt.ones(3))
    a, tau = pyt.geqrf(rand(4, 3))
    Q = pyt.linalg.householder_product(leaf(a), tau)
    with pytest.raises(RuntimeError, match="derivative of linalg.householder_product is not "
                                           "implemented"):
        Q.sum().backward()
    assert pyt.linalg.householder_product(pyt.zeros(0, 4, 3), pyt.zeros(0, 2)).shape == \
        (0, 4, 3)


def test_tensorinv_tensorsolve():
    T = rand(4, 6, 8, 3)
    Ti = pyt.linalg.tensorinv(T, ind=2)
    close(Ti, np.linalg.tensorinv(T.numpy(), ind=2))
    with pytest.raises(RuntimeError, match=r"prod\(self.shape\[ind:\]\) == "
                                           r"prod\(self.shape\[:ind\]\), but got 48 != 4"):
        pyt.linalg.tensorinv(pyt.ones(4, 6, 8), ind=1)
    with pytest.raises(RuntimeError, match="strictly positive integer for 'ind'"):
        pyt.linalg.tensorinv(pyt.ones(4, 4), ind=0)
    A = rand(2, 3, 6)
    B = rand(2, 3, seed=1)
    close(pyt.linalg.tensorsolve(A, B), np.linalg.tensorsolve(A.numpy(), B.numpy()))
    A2 = rand(6, 2, 3)
    close(pyt.linalg.tensorsolve(A2, B, dims=(0,)),
          np.linalg.tensorsolve(A2.numpy(), B.numpy(), axes=(0,)))
    with pytest.raises(RuntimeError, match="but got 48 != 5"):
        pyt.linalg.tensorsolve(pyt.ones(4, 6, 8), pyt.ones(5))
    assert gradcheck(lambda t: pyt.linalg.tensorinv(t, ind=2), (leaf(rand(2, 3, 6)),))


def test_multi_dot_still_there():
    assert pyt.linalg.multi_dot is not None


# ----- against torch ---------------------------------------------------------------------------

def _torch():
    torch = pytest.importorskip("torch")
    import warnings
    warnings.filterwarnings("ignore", message=".*deprecated.*")
    return torch


def _t(torch, x):
    return torch.tensor(x.detach().numpy())


def test_against_torch_values():
    torch = _torch()
    A = rand(2, 4, 4, diag=2)
    B = rand(2, 4, 3, seed=1)
    tA, tB = _t(torch, A), _t(torch, B)
    close(pyt.linalg.solve_triangular(A, B, upper=True),
          torch.linalg.solve_triangular(tA, tB, upper=True))
    for shape in [(4, 4), (3, 5), (5, 3)]:
        M = rand(*shape, seed=2)
        r, t = pyt.linalg.lu_factor(M), torch.linalg.lu_factor(_t(torch, M))
        close(r.LU, t.LU)
        assert r.pivots.tolist() == t.pivots.tolist()
        assert r.LU.stride() == t.LU.stride()
        for x, y in zip(pyt.linalg.lu(M), torch.linalg.lu(_t(torch, M))):
            close(x, y)
    LU, piv = torch.linalg.lu_factor(tA)
    for left in (True, False):
        for adjoint in (True, False):
            b = tB if left else tB.mT
            close(pyt.linalg.lu_solve(pyt.tensor(LU.numpy()), pyt.tensor(piv.numpy()),
                                      pyt.tensor(b.numpy()), left=left, adjoint=adjoint),
                  torch.linalg.lu_solve(LU, piv, b, left=left, adjoint=adjoint))
    for p in [None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1]:
        close(pyt.linalg.cond(A, p), torch.linalg.cond(tA, p))
    close(pyt.linalg.matrix_exp(A * 3), torch.linalg.matrix_exp(tA * 3))
    r = pyt.triangular_solve(B, A, upper=False, transpose=True)
    t = torch.triangular_solve(tB, tA, upper=False, transpose=True)
    close(r.solution, t.solution)
    close(r.cloned_coefficient, t.cloned_coefficient)
    Z = torch.zeros(3, 3)
    close(pyt.lu_unpack(*pyt.linalg.lu_factor_ex(pyt.zeros(3, 3))[:2]).P,
          torch.lu_unpack(*torch.linalg.lu_factor_ex(Z)[:2]).P, pyt.float32)
    x = rand(2, 3)
    close(pyt.linalg.vander(x, N=4), torch.linalg.vander(_t(torch, x), N=4))


def test_against_torch_gradients():
    torch = _torch()
    rng = np.random.default_rng(5)
    A = rand(2, 3, 3, diag=2)
    W = rng.standard_normal((2, 3, 3))

    def both(fn_p, fn_t, x):
        xp = leaf(x)
        xt = _t(torch, x).requires_grad_(True)
        (fn_p(xp) * pyt.tensor(W)).sum().backward()
        (fn_t(xt) * torch.tensor(W)).sum().backward()
        close(xp.grad, xt.grad)

    both(lambda a: pyt.linalg.matrix_exp(a), lambda a: torch.linalg.matrix_exp(a), A)
    both(lambda a: pyt.linalg.lu_factor(a).LU, lambda a: torch.linalg.lu_factor(a).LU, A)
    both(lambda a: pyt.linalg.solve_triangular(a, a, upper=True),
         lambda a: torch.linalg.solve_triangular(a, a, upper=True), A)
    L = pyt.linalg.cholesky(A @ A.mT + pyt.eye(3, dtype=A.dtype))
    both(lambda l: pyt.cholesky_solve(pyt.tensor(W), l),
         lambda l: torch.cholesky_solve(torch.tensor(W), l), L)
    both(lambda l: pyt.cholesky_inverse(l), lambda l: torch.cholesky_inverse(l), L)
    LU = pyt.linalg.lu_factor(A).LU
    piv = pyt.linalg.lu_factor(A).pivots
    tpiv = torch.tensor(piv.numpy())
    both(lambda lu: pyt.linalg.lu_solve(lu, piv, pyt.tensor(W)),
         lambda lu: torch.linalg.lu_solve(lu, tpiv, torch.tensor(W)), LU)
    for shape in [(2, 4), (4, 2)]:
        M = rand(*shape, seed=3)
        Wl = rng.standard_normal((shape[0], min(shape)))
        xp, xt = leaf(M), _t(torch, M).requires_grad_(True)
        (pyt.linalg.lu(xp).L * pyt.tensor(Wl)).sum().backward()
        (torch.linalg.lu(xt).L * torch.tensor(Wl)).sum().backward()
        close(xp.grad, xt.grad)


@pytest.mark.parametrize("dtype", [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32,
                                   pyt.int64, pyt.float16, pyt.bfloat16], ids=str)
def test_other_dtypes(dtype):
    """LAPACK ops refuse them as torch's dispatch does; matrix_exp takes half precision."""
    A = pyt.eye(3).to(dtype)
    with pytest.raises(NotImplementedError, match="not implemented for"):
        pyt.linalg.solve_triangular(A, A, upper=True)
    with pytest.raises(NotImplementedError, match="\"lu_cpu\" not implemented for"):
        pyt.linalg.lu_factor(A)
    with pytest.raises((RuntimeError, NotImplementedError)):
        pyt.linalg.cond(A)
    with pytest.raises((RuntimeError, NotImplementedError)):
        pyt.cholesky_inverse(A)
    if dtype in (pyt.float16, pyt.bfloat16):
        E = pyt.linalg.matrix_exp(A * 0.5)
        assert E.dtype is dtype
        np.testing.assert_allclose(E.float().numpy(), np.eye(3) * math.exp(0.5), rtol=1e-2)
    else:
        with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor"):
            pyt.linalg.matrix_exp(A)


def test_tensor_methods():
    A = rand(3, 3, diag=3)
    B = rand(3, 2, seed=1)
    close(A.matrix_exp(), sl.expm(A.numpy()))
    close(B.triangular_solve(A).solution, pyt.triangular_solve(B, A).solution)
    LU, piv = A.lu()
    close(B.lu_solve(LU, piv), np.linalg.solve(A.numpy(), B.numpy()))
    L = pyt.linalg.cholesky(A @ A.mT)
    close(B.cholesky_solve(L), np.linalg.solve((A @ A.mT).numpy(), B.numpy()))
    close(L.cholesky_inverse(), np.linalg.inv((A @ A.mT).numpy()))
    close(A.cross(A.flip(0)), np.cross(A.numpy(), A.numpy()[::-1], axis=0))
    a, tau = A.geqrf()
    Q = a.orgqr(tau)
    close(Q @ a.triu(), A)
    close(a.ormqr(tau, B), Q @ B)
