"""Matrix products with a sparse COO operand.

sparse @ dense is one gather, one multiply and one scatter-add over the stored elements
(no Python loop over them): out[row] += values * dense[col]. Duplicate entries simply add,
so the sparse operand needs no coalescing. All three steps are differentiable pyt ops, so
the dense operand and the values get gradients.
"""
import pyt
from pyt.sparse._coo_tensor import SparseTensor, check_same_device

# the names torch's messages give dtypes
_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                 "int32": "Int", "int64": "Long", "float16": "Half", "bfloat16": "BFloat16",
                 "float32": "Float", "float64": "Double"}


def scalar_type_name(dtype):
    return _SCALAR_NAMES.get(repr(dtype).split(".")[-1], repr(dtype))


def _check_matrix(s, name="mat1"):
    if s.sparse_dim() != 2:
        raise RuntimeError(f"addmm: 2D tensor expected, got {s.sparse_dim()}D tensor")
    if s.dense_dim() != 0:
        raise RuntimeError(f"addmm: scalar values expected, got {s.dense_dim()}D values")


def _check_dense(s, d):
    if not isinstance(d, pyt.Tensor):
        raise TypeError(f"mm(): argument 'mat2' (position 2) must be Tensor, not "
                        f"{type(d).__name__}")
    check_same_device(s, d)
    if d.dim() != 2:
        raise RuntimeError(f"addmm: matrices expected, got {d.dim()}D tensor")
    if d.shape[0] != s.shape[1]:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {s.shape[1]}, "
                           f"got {d.shape[0]}")
    if d.dtype is not s.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(s.dtype)} but found "
                           f"{scalar_type_name(d.dtype)}")


def _sparse_dense(s, d):
    """s @ d for a 2-D sparse s and a 2-D dense d (checked)."""
    row, col = s._ind[0], s._ind[1]
    picked = d.index_select(0, col) * s._val.unsqueeze(1)
    out = pyt.zeros(s.shape[0], d.shape[1], dtype=picked.dtype, device=picked.device)
    return out.index_add(0, row, picked)


def mm(mat1, mat2):
    """mat1 @ mat2 where either is sparse COO: sparse @ dense and dense @ sparse give dense,
    sparse @ sparse gives sparse."""
    if isinstance(mat1, SparseTensor):
        _check_matrix(mat1)
        if isinstance(mat2, SparseTensor):
            _check_matrix(mat2, "mat2")
            if mat1.shape[1] != mat2.shape[0]:
                raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                                   f"({mat1.shape[0]}x{mat1.shape[1]} and "
                                   f"{mat2.shape[0]}x{mat2.shape[1]})")
            check_same_device(mat1, mat2)
            if mat1.dtype is not mat2.dtype:
                raise RuntimeError(f"expected scalar type {scalar_type_name(mat1.dtype)} but "
                                   f"found {scalar_type_name(mat2.dtype)}")
            # the second operand densified: simple and vectorised; its memory is what limits
            # this (a sort-merge join on the shared index would not need it)
            return pyt.sparse.to_sparse(_sparse_dense(mat1, mat2.to_dense()))
        _check_dense(mat1, mat2)
        return _sparse_dense(mat1, mat2)
    if isinstance(mat2, SparseTensor):
        _check_matrix(mat2, "mat2")
        if not isinstance(mat1, pyt.Tensor):
            raise TypeError(f"mm(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(mat1).__name__}")
        if mat1.dim() != 2:
            raise RuntimeError(f"addmm: matrices expected, got {mat1.dim()}D tensor")
        check_same_device(mat2, mat1)
        # d @ s == (s^T @ d^T)^T
        st = mat2.t()
        _check_dense(st, mat1.t())
        return _sparse_dense(st, mat1.t()).t()
    return pyt.mm(mat1, mat2)


def spmm(input, mat2):
    return mm(input, mat2)


def matmul(input, other):
    """matmul with a sparse operand: 2-D products as mm, a 1-D dense operand as a vector."""
    if isinstance(other, pyt.Tensor) and other.dim() == 1:
        _check_matrix(input)
        check_same_device(input, other)
        return mm(input, other.unsqueeze(1)).squeeze(1)
    if isinstance(input, pyt.Tensor) and input.dim() == 1:
        _check_matrix(other, "mat2")
        check_same_device(other, input)
        return mm(input.unsqueeze(0), other).squeeze(0)
    return mm(input, other)


def addmm(mat, mat1, mat2, *, beta=1, alpha=1):
    """beta * mat + alpha * (mat1 @ mat2) with a sparse mat1 (or mat2); mat is dense and
    is ignored when beta is 0, like torch."""
    product = mm(mat1, mat2)
    if isinstance(product, SparseTensor):
        product = product.to_dense()
    if alpha != 1:
        product = product * alpha
    if not isinstance(mat, pyt.Tensor):
        raise TypeError(f"addmm(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(mat).__name__}")
    check_same_device(product, mat)
    mat = mat.expand(tuple(product.shape))
    if beta == 0:
        return product + pyt.zeros_like(mat)
    return product + (mat if beta == 1 else mat * beta)
