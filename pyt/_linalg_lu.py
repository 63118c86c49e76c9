"""Triangular solves, LU factorisations and the linalg ops built from them and from other
pyt ops (torch.linalg.solve_triangular, lu_factor, lu, lu_solve, solve_ex, cond,
matrix_exp, householder_product, ... and the old torch.triangular_solve, lu, lu_solve,
lu_unpack, cholesky_solve, cholesky_inverse, geqrf, orgqr, ormqr).

The LAPACK/BLAS work is in pyt/_ext/linalg_lu.pxi (trsm, getrf, orgqr, geqrf): two ops
need a derivative of their own (solve_triangular and lu_factor_ex, autograd.Functions whose
backward is written with these same ops, so it is differentiable again); everything else
is a composition of recorded ops, so autograd comes for free. Ops that call LAPACK take
CUDA tensors through a host round trip (_via_host), as those of linalg_lapack.pxi do.
Real dtypes only: pyt has no complex dtype, so adjoint means transpose here.
"""
import math

import pyt
from pyt._ext import linalg as _L
from pyt._ext.linalg import LinAlgError, _via_host
from pyt.autograd import Function
from pyt import return_types as _rt
from pyt._functional.shapes import broadcast_pair

_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                "int32": "Int", "int64": "Long", "float16": "Half", "bfloat16": "BFloat16",
                "float32": "Float", "float64": "Double"}


def _name(dtype):
    return _TORCH_NAMES[str(dtype).split(".")[-1]]


def _check_tensor(x, fn, arg, pos):
    if not isinstance(x, pyt.Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _check_matrices(A, fn, name="A", square=False, lapack=None):
    """torch's checks of a (batch of) float matrix input; lapack names the kernel for the
    NotImplementedError torch's dispatch raises for other dtypes."""
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    if lapack is not None and A.dtype not in (pyt.float32, pyt.float64):
        raise NotImplementedError(f'"{lapack}" not implemented for \'{_name(A.dtype)}\'')
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{_name(A.dtype)}")
    if A.dtype not in (pyt.float32, pyt.float64):
        raise RuntimeError(f"{fn}: Low precision dtypes not supported. Got {_name(A.dtype)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fn}: {name} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _sum_to(g, shape):
    """g summed over the dims it gained by broadcasting from shape."""
    shape = tuple(shape)
    if tuple(g.shape) == shape:
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(tuple(range(lead)))
    dims = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(dims, keepdim=True) if dims else g


def _eye_like(n, A):
    return pyt.eye(n, dtype=A.dtype, device=A.device)


# ----- triangular solves ---------------------------------------------------------------------

def _triangle(g, upper, unitriangular):
    """g on the triangle solve_triangular reads (the diagonal left out when unit)."""
    if upper:
        return g.triu(1 if unitriangular else 0)
    return g.tril(-1 if unitriangular else 0)


class _SolveTriangular(Function):
    @staticmethod
    def forward(ctx, A, B, upper, left, unitriangular):
        X = _L._trsm_raw(A, B, upper, left, unitriangular)
        ctx.flags = (upper, left, unitriangular, tuple(A.shape), tuple(B.shape))
        ctx.save_for_backward(A, X)
        return X

    @staticmethod
    def backward(ctx, g):
        """A X = B: dX = A^-1 (dB - dA X), so gB = A^-T g and gA = -gB X^T on A's triangle
        (X A = B: gB = g A^-T and gA = -X^T gB); each summed over its broadcast dims."""
        upper, left, unit, a_shape, b_shape = ctx.flags
        A, X = ctx.saved_tensors
        gB = solve_triangular(A.mT, g, upper=not upper, left=left, unitriangular=unit)
        gA = None
        if ctx.needs_input_grad[0]:
            gA = -(gB @ X.mT) if left else -(X.mT @ gB)
            gA = _sum_to(_triangle(gA, upper, unit), a_shape)
        return gA, _sum_to(gB, b_shape), None, None, None


@_via_host
def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (X A = B when left=False), A upper or lower triangular (only that
    triangle is read; with unitriangular its diagonal is taken as ones). No check for
    singularity: a zero on the diagonal gives infinities or NaNs, as torch's."""
    fn = "linalg.solve_triangular"
    _check_tensor(A, "linalg_solve_triangular", "input", 1)
    _check_tensor(B, "linalg_solve_triangular", "B", 2)
    if B.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor B must have at least 2 dimensions.")
    _check_matrices(A, fn, lapack="triangular_solve_cpu")
    _check_matrices(A, fn, square=True)
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        shape_b = f"{B.shape[-2]}x{B.shape[-1]}"
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {shape_b})")
    if B.dtype != A.dtype:
        B = B.to(A.dtype)
    X = _SolveTriangular.apply(A, B, bool(upper), bool(left), bool(unitriangular))
    return _into(X, out)


def _into(x, out):
    if out is None:
        return x
    if x.requires_grad and pyt.is_grad_enabled():
        raise RuntimeError("out=... arguments don't support automatic differentiation, but "
                           "one of the arguments requires grad.")
    out.resize_(x.shape)
    out.copy_(x)
    return out


def _check_system(b, A, op):
    """The old API's checks of a system A X = b (torch's messages): square A matrices
    matching b's rows, one dtype."""
    if A.shape[-1] != A.shape[-2] or b.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for {op}: each A matrix is "
                           f"{A.shape[-2]} by {A.shape[-1]} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    if b.dtype != A.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_name(b.dtype)} and A of type {_name(A.dtype)} instead.")


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """The old API: (X, A's copy) with op(A) X = b, op(A) = A^T when transpose."""
    _check_tensor(b, "triangular_solve", "input", 1)
    _check_tensor(A, "triangular_solve", "A", 2)
    if b.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions, "
                           f"but it has {b.ndim} dimensions instead")
    if A.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected A to have at least 2 dimensions, "
                           f"but it has {A.ndim} dimensions instead")
    _check_system(b, A, "triangular_solve")
    batch = broadcast_pair(tuple(b.shape[:-2]), tuple(A.shape[:-2]))
    coeff = A.expand(*batch, *A.shape[-2:]).mT.contiguous().mT           # column-major, as torch's
    op_a = A.mT if transpose else A
    X = solve_triangular(op_a, b, upper=bool(upper) != bool(transpose),
                         unitriangular=unitriangular)
    if out is not None:
        _into(X, out[0])
        _into(coeff, out[1])
        return _rt.triangular_solve(*out)
    return _rt.triangular_solve(X, coeff)


# ----- LU --------------------------------------------------------------------------------------

def _lu_backward(gL, gU, P, L, U):
    """The gradient of A = P L U (L m x k unit lower, U k x n upper, k = min(m, n)) from
    those of L and U, each already on its own triangle (gL strictly lower, gU upper).
    Square: gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T. Wide (k = m): U = [U1 U2]
    adds gA2 = P L^-T gU2 and -gU2 U2^T inside. Tall (k = n): L = [L1; L2] adds the rows
    gL2 U^-T and -L2^T gL2 inside."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        phi = (L.mT @ gL).tril(-1) + (gU @ U.mT).triu()
        inner = solve_triangular(L.mT, phi, upper=True, unitriangular=True)
        return P @ solve_triangular(U.mT, inner, upper=False, left=False)
    if m < n:
        U1, U2, gU1, gU2 = U[..., :k], U[..., k:], gU[..., :k], gU[..., k:]
        phi = (L.mT @ gL - gU2 @ U2.mT).tril(-1) + (gU1 @ U1.mT).triu()
        g1 = solve_triangular(U1.mT, solve_triangular(L.mT, phi, upper=True,
                              unitriangular=True), upper=False, left=False)
        g2 = solve_triangular(L.mT, gU2, upper=True, unitriangular=True)
        return P @ pyt.cat([g1, g2], -1)
    L1, L2, gL1, gL2 = L[..., :k, :], L[..., k:, :], gL[..., :k, :], gL[..., k:, :]
    phi = (L1.mT @ gL1).tril(-1) + (gU @ U.mT - L2.mT @ gL2).triu()
    top = solve_triangular(L1.mT, phi, upper=True, unitriangular=True)
    return P @ solve_triangular(U.mT, pyt.cat([top, gL2], -2), upper=False, left=False)


class _LUFactor(Function):
    @staticmethod
    def forward(ctx, A):
        LU, pivots, info = _L._getrf_raw(A)
        ctx.mark_non_differentiable(pivots, info)
        ctx.save_for_backward(LU, pivots)
        return LU, pivots, info

    @staticmethod
    def backward(ctx, gLU, gpiv, ginfo):
        LU, pivots = ctx.saved_tensors
        m, n = LU.shape[-2], LU.shape[-1]
        k = min(m, n)
        P, L, U = lu_unpack(LU, pivots)
        return _lu_backward(gLU[..., :, :k].tril(-1), gLU[..., :k, :].triu(), P, L, U)


def _lu_factor_checks(A, fn, pivot):
    _check_tensor(A, fn.replace("linalg.", "linalg_"), "A", 1)
    if A.ndim < 2:
        raise RuntimeError(f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(A.shape)} instead" if fn != "linalg.lu" else
                           f"linalg.lu: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A.shape)} instead")
    if A.dtype not in (pyt.float32, pyt.float64):
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_name(A.dtype)}'")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


@_via_host
def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info): A = P L U packed as LAPACK's getrf leaves it (L's unit diagonal
    implicit), pivots int32 and 1-based; info > 0 where U[info-1, info-1] is zero."""
    _lu_factor_checks(A, "linalg.lu_factor_ex", pivot)
    LU, pivots, info = _LUFactor.apply(A)
    if check_errors:
        _raise_lu(info, A, "torch.linalg.lu_factor_ex")
    if out is not None:
        for r, o in zip((LU, pivots, info), out):
            _into(r, o)
        return _rt.linalg_lu_factor_ex(*out)
    return _rt.linalg_lu_factor_ex(LU, pivots, info)


def _raise_lu(info, A, fn):
    bad = (info.reshape(-1) != 0).nonzero()
    if bad.numel():
        i = int(bad[0, 0])
        d = int(info.reshape(-1)[i])
        prefix = f"(Batch element {i}): " if A.ndim > 2 else ""
        raise LinAlgError(f"{fn}: {prefix}U[{d},{d}] is zero and using it on lu_solve would "
                          f"result in a division by zero. If you still want to perform the "
                          f"factorization, consider calling linalg.lu(A, pivot) or "
                          f"linalg.lu_factor_ex(A, pivot)")


def lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots) as lu_factor_ex, raising for a singular matrix."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    _raise_lu(info, A, "torch.linalg.lu_factor")
    if out is not None:
        _into(LU, out[0])
        _into(pivots, out[1])
        return _rt.linalg_lu_factor(*out)
    return _rt.linalg_lu_factor(LU, pivots)


def _permutation(pivots, m, device, dtype):
    """P (..., m, m) with A = P L U from getrf's 1-based row swaps (applied in order to the
    rows of A they give P^T A); computed on the host, as the swaps are sequential."""
    import numpy as np
    piv = pivots.cpu().numpy().astype(np.int64) - 1
    batch = piv.shape[:-1]
    count = math.prod(batch)
    flat = piv.reshape(count, piv.shape[-1])
    if flat.size and (flat.min() < 0 or flat.max() >= m):
        raise RuntimeError("pivots passed to lu_unpack must be between 1 and LU.size(-2) "
                           "inclusive.Did you properly pass the result of lu_factor?")
    perm = np.tile(np.arange(m), (count, 1))
    rows = np.arange(count)
    for i in range(min(flat.shape[1], m)):
        j = flat[:, i]
        here = perm[:, i].copy()
        perm[:, i] = perm[rows, j]
        perm[rows, j] = here
    P = np.zeros((count, m, m))
    P[rows[:, None], perm, np.arange(m)[None, :]] = 1       # P[perm[i], i] = 1
    return pyt.tensor(P.reshape(*batch, m, m), dtype=dtype).to(device)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """(P, L, U) from lu_factor's packed result; L and U are differentiable in LU_data."""
    _check_tensor(LU_data, "lu_unpack", "LU_data", 1)
    _check_tensor(LU_pivots, "lu_unpack", "LU_pivots", 2)
    if LU_data.ndim < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(LU_data.shape)} instead")
    if LU_pivots.dtype != pyt.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor "
                           "of torch.int32 dtype.\nNote: this function is intended to be used "
                           "with the output produced by torch.linalg.lu_factor")
    if LU_pivots.ndim == 0:
        raise RuntimeError("torch.lu_unpack: Expected LU_pivots to have at least one "
                           "dimension")
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    empty = pyt.empty(0, dtype=LU_data.dtype, device=LU_data.device)
    if unpack_data:
        L = LU_data[..., :, :k].tril(-1) + _eye_like(m, LU_data)[:, :k]
        U = LU_data[..., :k, :].triu()
    else:
        L = U = empty
    if unpack_pivots:
        batch = broadcast_pair(tuple(LU_data.shape[:-2]), tuple(LU_pivots.shape[:-1]))
        P = _permutation(LU_pivots, m, LU_data.device, LU_data.dtype)
        P = P.expand(*batch, m, m).contiguous() if tuple(P.shape[:-2]) != batch else P
    else:
        P = empty
    if out is not None:
        for r, o in zip((P, L, U), out):
            _into(r, o)
        return _rt.lu_unpack(*out)
    return _rt.lu_unpack(P, L, U)


def lu(A, *, pivot=True, out=None):
    """(P, L, U) with A = P L U (torch.linalg.lu); no error for a singular A."""
    _lu_factor_checks(A, "linalg.lu", pivot)
    LU, pivots, _ = lu_factor_ex(A)
    P, L, U = lu_unpack(LU, pivots)
    if out is not None:
        for r, o in zip((P, L, U), out):
            _into(r, o)
        return _rt.linalg_lu(*out)
    return _rt.linalg_lu(P, L, U)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with A X = B (X A = B when left=False; A^T for adjoint), A given by lu_factor.
    A = P L U, so A^-1 = U^-1 L^-1 P^T and A^-T = P L^-T U^-T: triangular solves on the
    packed LU itself (L's triangle read as unit) and a product with P."""
    fn = "linalg.lu_solve"
    _check_tensor(LU, "linalg_lu_solve", "LU", 1)
    _check_tensor(pivots, "linalg_lu_solve", "pivots", 2)
    _check_tensor(B, "linalg_lu_solve", "B", 3)
    if LU.ndim < 2:
        raise RuntimeError(f"torch.{fn}: The input tensor A must have at least 2 dimensions.")
    if B.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor B must have at least 2 dimensions.")
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f"torch.{fn}: A must be batches of square matrices, but they are "
                           f"{LU.shape[-2]} by {LU.shape[-1]} matrices")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if pivots.dtype != pyt.int32:
        raise RuntimeError(f"{fn}: pivots should be a Tensor of scalar type torch.int32")
    if pivots.ndim < 1 or pivots.shape[-1] != n:
        raise RuntimeError(f"{fn}: Number of pivots per batch should be same as the dimension "
                           f"of the matrix")
    if B.dtype != LU.dtype:
        raise RuntimeError(f"{fn}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {_name(LU.dtype)} and B of type {_name(B.dtype)} instead")
    _check_matrices(LU, fn)
    P = lu_unpack(LU, pivots, unpack_data=False).P

    def lower(X, transposed, side_left):      # L^-1 X (or the transposed / right variants)
        M = LU.mT if transposed else LU
        return solve_triangular(M, X, upper=transposed, left=side_left, unitriangular=True)

    def upper(X, transposed, side_left):
        M = LU.mT if transposed else LU
        return solve_triangular(M, X, upper=not transposed, left=side_left)

    if left and not adjoint:          # U^-1 L^-1 P^T B
        X = upper(lower(P.mT @ B, False, True), False, True)
    elif left:                        # P L^-T U^-T B
        X = P @ lower(upper(B, True, True), True, True)
    elif not adjoint:                 # B U^-1 L^-1 P^T
        X = lower(upper(B, False, False), False, False) @ P.mT
    else:                             # B P L^-T U^-T
        X = upper(lower(B @ P, True, False), True, False)
    return _into(X, out)


def lu_old(A, pivot=True, get_infos=False, out=None):
    """torch.lu: (LU, pivots), or (LU, pivots, info) with get_infos; never raises for a
    singular matrix."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    if out is not None:
        for r, o in zip((LU, pivots, info), out):
            _into(r, o)
        LU, pivots = out[0], out[1]
        info = out[2] if len(out) > 2 else info
    if get_infos:
        return _rt._lu_with_info(LU, pivots, info)
    return LU, pivots


def lu_solve_old(b, LU_data, LU_pivots, *, out=None):
    """torch.lu_solve: the old argument order of linalg.lu_solve."""
    return lu_solve(LU_data, LU_pivots, b, out=out)


# ----- Cholesky-based solves --------------------------------------------------------------------

def _cholesky_solve_raw(B, L, upper):
    if upper:             # U^T U X = B
        return _L._trsm_raw(L, _L._trsm_raw(L.mT, B, False, True, False), True, True, False)
    return _L._trsm_raw(L.mT, _L._trsm_raw(L, B, False, True, False), True, True, False)


# torch differentiates these two as functions of the whole of L (A = L L^T with L full,
# though only its triangle is read): its gradients are full matrices, and so are these.

class _CholeskySolve(Function):
    @staticmethod
    def forward(ctx, B, L, upper):
        X = _cholesky_solve_raw(B, L, upper)
        ctx.flags = (upper, tuple(B.shape), tuple(L.shape))
        ctx.save_for_backward(L, X)
        return X

    @staticmethod
    def backward(ctx, g):
        """X = A^-1 B, A = L L^T: gB = A^-1 g, gA = -gB X^T, gL = (gA + gA^T) L."""
        upper, b_shape, l_shape = ctx.flags
        L, X = ctx.saved_tensors
        gB = cholesky_solve(g, L, upper)
        gL = None
        if ctx.needs_input_grad[1]:
            common = gB @ X.mT
            common = common + common.mT
            gL = _sum_to(-(L @ common) if upper else -(common @ L), l_shape)
        return _sum_to(gB, b_shape), gL, None


class _CholeskyInverse(Function):
    @staticmethod
    def forward(ctx, L, upper):
        n = L.shape[-1]
        eye = pyt.eye(n, dtype=L.dtype).expand(*L.shape)
        X = _cholesky_solve_raw(eye, L, upper)
        ctx.upper = upper
        ctx.save_for_backward(L, X)
        return X

    @staticmethod
    def backward(ctx, g):
        """X = A^-1: gA = -X g X (symmetrised), gL = (gA + gA^T) L."""
        L, X = ctx.saved_tensors
        common = X @ ((g + g.mT) @ X)
        return (-(L @ common) if ctx.upper else -(common @ L)), None


@_via_host
def cholesky_solve(B, L, upper=False, *, out=None):
    """X with A X = B for A = L L^T (A = U^T U when upper): two triangular solves."""
    _check_tensor(B, "cholesky_solve", "input", 1)
    _check_tensor(L, "cholesky_solve", "input2", 2)
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions "
                           f"instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions "
                           f"instead")
    _check_system(B, L, "cholesky_solve")
    _check_matrices(L, "cholesky_solve", lapack="cholesky_solve_cpu")
    X = _CholeskySolve.apply(B, L, bool(upper))
    return _into(X, out)


@_via_host
def cholesky_inverse(L, upper=False, *, out=None):
    """(L L^T)^-1 (or (U^T U)^-1): L^-T L^-1 from one triangular solve."""
    fn = "cholesky_inverse"
    _check_tensor(L, fn, "input", 1)
    if L.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    _check_matrices(L, fn, square=True, lapack="cholesky_inverse_out_cpu")
    n = L.shape[-1]
    diag = L.diagonal(0, -2, -1).reshape(-1, n) if L.numel() else None
    if diag is not None:
        zeros = (diag == 0).nonzero()
        if zeros.numel():
            b, i = int(zeros[0, 0]), int(zeros[0, 1])
            prefix = f"(Batch element {b}): " if L.ndim > 2 else ""
            raise LinAlgError(f"{fn}: {prefix}The diagonal element {i + 1} is zero, the "
                              f"inversion could not be completed because the input matrix is "
                              f"singular.")
    X = _CholeskyInverse.apply(L, bool(upper))
    return _into(X, out)


# ----- solve_ex, cond, matrix_exp ----------------------------------------------------------------

def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """(result, info): linalg.solve that reports a singular matrix in info instead of
    raising (unless check_errors); its result there is LAPACK's (infinities, NaNs)."""
    _check_tensor(A, "linalg_solve_ex", "A", 1)
    _check_tensor(B, "linalg_solve_ex", "B", 2)
    _check_matrices(A, "linalg.solve_ex", square=True)
    info = lu_factor_ex(A.detach()).info          # A's batch shape, as torch's
    if (info != 0).any():
        if check_errors:
            raise LinAlgError("torch.linalg.solve_ex: The solver failed because the input "
                              "matrix is singular.")
        LU, pivots, _ = lu_factor_ex(A)
        vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
        Bm = B.unsqueeze(-1) if vector and left else B
        X = lu_solve(LU, pivots, Bm, left=left)
        result = X.squeeze(-1) if vector and left else X
    else:
        result = _L.solve(A, B, left=left)
    if out is not None:
        _into(result, out[0])
        _into(info, out[1])
        return _rt.linalg_solve_ex(*out)
    return _rt.linalg_solve_ex(result, info)


def cond(A, p=None, *, out=None):
    """The condition number of each matrix in the norm p: the ratio of the extreme singular
    values for p None, 2, -2 (any shape); ||A||_p ||A^-1||_p otherwise (square matrices;
    infinity for a singular one, as torch's)."""
    _check_tensor(A, "linalg_cond", "A", 1)
    if p not in (None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if p in (None, 2, -2):
        if A.ndim < 2:
            raise RuntimeError("linalg.cond: The input tensor A must have at least 2 "
                               "dimensions.")
        if A.dtype in (pyt.float16, pyt.bfloat16):
            raise NotImplementedError(f"\"linalg_svd_cpu\" not implemented for "
                                      f"'{_name(A.dtype)}'")
        _check_matrices(A, "linalg.svd")
        if A.shape[-1] == 0 or A.shape[-2] == 0:
            return _into(pyt.zeros(A.shape[:-2], dtype=A.dtype, device=A.device), out)
        S = _L.svdvals(A)
        r = S[..., 0] / S[..., -1] if p != -2 else S[..., -1] / S[..., 0]
        return _into(r, out)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.cond(ord={p}): The input tensor A must have at least 2 "
                           f"dimensions.")
    _check_matrices(A, "linalg.inv")
    _check_matrices(A, f"linalg.cond(ord={p})", square=True)
    if A.shape[-1] == 0:
        return _into(pyt.zeros(A.shape[:-2], dtype=A.dtype, device=A.device), out)
    inverse, info = _L.inv_ex(A)
    r = _L.matrix_norm(A, p) * _L.matrix_norm(inverse, p)
    r = pyt.where(info != 0, pyt.full_like(r, math.inf), r)
    return _into(r, out)


# Higham (2005)'s degree-13 Pade approximant of exp and its bound on ||A||_1 / 2^s
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def matrix_exp(A):
    """exp(A) of each square matrix: scaling and squaring with a degree-13 Pade approximant
    (Higham 2005), per matrix: A / 2^s_i, r_13, then s_i squarings (a matrix stops being
    squared once it had its own count). Written with recorded ops, so it differentiates."""
    fn = "linalg.matrix_exp"
    _check_tensor(A, "linalg_matrix_exp", "A", 1)
    if A.dtype in (pyt.float16, pyt.bfloat16):       # computed in float32, rounded back
        _check_matrices(A.float(), fn, square=True)
        return matrix_exp(A.float()).to(A.dtype)
    _check_matrices(A, fn, square=True)
    n = A.shape[-1]
    if A.numel() == 0:
        return A.clone()
    norms = A.detach().abs().sum(-2).amax(-1)            # the 1-norm of each matrix
    s = pyt.clamp(pyt.ceil(pyt.log2(norms / _THETA13)), min=0)
    s = pyt.where(pyt.isfinite(s), s, pyt.zeros_like(s))
    steps = int(s.max()) if s.numel() else 0
    X = A * pyt.pow(2.0, -s).unsqueeze(-1).unsqueeze(-1).to(A.dtype)
    b = _PADE13
    eye = _eye_like(n, A)
    X2 = X @ X
    X4 = X2 @ X2
    X6 = X4 @ X2
    U = X @ (X6 @ (b[13] * X6 + b[11] * X4 + b[9] * X2) + b[7] * X6 + b[5] * X4 +
             b[3] * X2 + b[1] * eye)
    V = X6 @ (b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 + \
        b[0] * eye
    R = _L.solve(V - U, V + U)
    for j in range(steps):
        more = (s > j).unsqueeze(-1).unsqueeze(-1)
        R = pyt.where(more, R @ R, R)
    return R


# ----- small compositions -----------------------------------------------------------------------

def vecdot(x, y, *, dim=-1, out=None):
    """sum(x * y, dim) (the conjugate of x is x itself: real dtypes only)."""
    _check_tensor(x, "linalg_vecdot", "x", 1)
    _check_tensor(y, "linalg_vecdot", "y", 2)
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {_name(x.dtype)} and y of type {_name(y.dtype)} instead")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as "
                           f"input. Got {_name(x.dtype)}")
    return _into((x * y).sum(dim), out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return pyt.diagonal(A, offset, dim1, dim2)


def vander(x, *, N=None):
    """(..., n, N) with columns x^0, x^1, ..., x^(N-1): a cumulative product of copies."""
    _check_tensor(x, "linalg_vander", "x", 1)
    if x.dtype in (pyt.bool, pyt.float16, pyt.bfloat16):
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer "
                           f"tensors, but got {_name(x.dtype)}")
    if x.ndim == 0:
        raise RuntimeError("N must be greater than 1.")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    dtype = pyt.int64 if not x.dtype.is_floating_point else x.dtype
    xs = x.to(dtype).unsqueeze(-1).expand(*x.shape, N - 1)
    ones = pyt.ones(*x.shape, 1, dtype=dtype, device=x.device)
    return pyt.cat([ones, xs], -1).cumprod(-1)


class _HouseholderProduct(Function):
    @staticmethod
    def forward(ctx, A, tau):
        return _L._orgqr_raw(A, tau)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("pyt: the derivative of linalg.householder_product is not "
                           "implemented")


@_via_host
def householder_product(A, tau, *, out=None):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i below the
    diagonal of column i of A (unit first entry): LAPACK's orgqr. Not differentiable here:
    the backward raises."""
    fn = "torch.linalg.householder_product"
    _check_tensor(A, "linalg_householder_product", "input", 1)
    _check_tensor(tau, "linalg_householder_product", "tau", 2)
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError(f"{fn}: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{fn}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {tau.ndim} and input.ndim is equal to "
                           f"{A.ndim}")
    if A.shape[-1] < tau.shape[-1]:
        raise RuntimeError(f"{fn}: input.shape[-1] must be greater than or equal to "
                           f"tau.shape[-1]")
    if tau.shape[:-1] != A.shape[:-2]:
        raise RuntimeError(f"{fn}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{fn}: tau dtype {_name(tau.dtype)} does not match input dtype "
                           f"{_name(A.dtype)}")
    _check_matrices(A, fn, lapack="orgqr_cpu")
    return _into(_HouseholderProduct.apply(A, tau), out)


def orgqr(input, tau, *, out=None):
    return householder_product(input, tau, out=out)


@_via_host
def geqrf(input, *, out=None):
    """LAPACK's geqrf: (a, tau), R on and above a's diagonal, the reflectors below."""
    _check_tensor(input, "geqrf", "input", 1)
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _check_matrices(input, "torch.geqrf", lapack="geqrf_cpu")
    if input.requires_grad and pyt.is_grad_enabled():
        raise RuntimeError("pyt: the derivative for 'geqrf' is not implemented.")
    a, tau = _L._geqrf_raw(input)
    if out is not None:
        _into(a, out[0])
        _into(tau, out[1])
        return _rt.geqrf(*out)
    return _rt.geqrf(a, tau)


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """Q @ other (other @ Q when not left; Q^T with transpose), Q the full m x m product of
    geqrf's reflectors: householder_product of input padded with zero columns."""
    _check_tensor(input, "ormqr", "input", 1)
    _check_tensor(tau, "ormqr", "input2", 2)
    _check_tensor(other, "ormqr", "input3", 3)
    if input.ndim < 2:
        raise RuntimeError("torch.ormqr: input must have at least 2 dimensions.")
    if other.ndim < 2:
        raise RuntimeError("torch.ormqr: other must have at least 2 dimensions.")
    m = input.shape[-2]
    if input.shape[-1] < m:
        pad = pyt.zeros(*input.shape[:-1], m - input.shape[-1], dtype=input.dtype,
                        device=input.device)
        full = pyt.cat([input, pad], -1)
    else:
        full = input[..., :m]
    Q = householder_product(full, tau)
    Q = Q.mT if transpose else Q
    return _into(Q @ other if left else other @ Q, out)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of A read as a matrix (prod(shape[:ind]) by prod(shape[ind:])),
    shaped shape[ind:] + shape[:ind]."""
    _check_tensor(A, "linalg_tensorinv", "A", 1)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) "
                           f"== prod(self.shape[:ind]), but got {cols} != {rows}")
    r = _L.inv(A.reshape(rows, cols)).reshape(*A.shape[ind:], *A.shape[:ind])
    return _into(r, out)


def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B: A read as a prod(B.shape) by prod(rest) matrix
    (dims of A moved to the end first)."""
    _check_tensor(A, "linalg_tensorsolve", "A", 1)
    _check_tensor(B, "linalg_tensorsolve", "B", 2)
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    rows = B.numel()
    rest = A.shape[B.ndim:]
    cols = math.prod(rest)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape["
                           f"other.ndim:]) == prod(self.shape[:other.ndim]), but got {cols} != "
                           f"{rows}")
    X = _L.solve(A.reshape(rows, cols), B.reshape(rows))
    return _into(X.reshape(rest), out)
