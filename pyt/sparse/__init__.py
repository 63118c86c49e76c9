"""Sparse COO tensors: `pyt.sparse_coo_tensor`, `Tensor.to_sparse()`, and products with
them (`pyt.sparse.mm`, `addmm`, `S @ D`), differentiable in the values and the dense
operand."""
import pyt
from pyt.sparse._coo_tensor import SparseTensor
from pyt.sparse._creation import sparse_coo_tensor, to_sparse
from pyt.sparse._products import mm, spmm, addmm, matmul

__all__ = ["SparseTensor", "sparse_coo_tensor", "to_sparse", "mm", "spmm", "addmm", "sum"]


def sum(input, dim=None, dtype=None):
    """Sum of a sparse tensor's elements: all of them (a dense 0-d tensor), or over `dim`
    (an int or a tuple): sparse while sparse dims remain, dense otherwise."""
    if not isinstance(input, SparseTensor):
        return pyt.sum(input, dim, dtype=dtype) if dim is not None else pyt.sum(input, dtype=dtype)
    values = input._values()
    if dim is None:
        return values.sum(dtype=dtype)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = sorted({input._wrap(d) for d in dims})
    sparse_dim = input.sparse_dim()
    summed_sparse = [d for d in dims if d < sparse_dim]
    summed_dense = [d - sparse_dim + 1 for d in dims if d >= sparse_dim]
    if summed_dense:
        values = values.sum(summed_dense, dtype=dtype)
    elif dtype is not None:
        values = values.to(dtype)
    kept = [d for d in range(sparse_dim) if d not in summed_sparse]
    if not summed_sparse:
        size = [n for d, n in enumerate(input.shape) if d not in dims]
        return SparseTensor(input._indices(), values, size, input.is_coalesced())
    if not kept:
        return values.sum(0)
    indices = pyt.stack([input._indices()[d] for d in kept])
    size = [n for d, n in enumerate(input.shape) if d not in dims]
    return SparseTensor(indices, values, size).coalesce()
