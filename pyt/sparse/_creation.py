"""Making sparse COO tensors: pyt.sparse_coo_tensor and Tensor.to_sparse."""
import pyt
from pyt._ext.layout import sparse_coo
from pyt.sparse._coo_tensor import SparseTensor, _linear_index


def _check_device(device):
    if device is not None and pyt.device(device).type != "cpu":
        raise RuntimeError(f"pyt: sparse tensors live on the CPU only, not on {device}")


def _refuse_cuda(what, *tensors):
    """Sparse tensors live on the CPU only: a CUDA input is refused before any kernel
    reads its memory."""
    for t in tensors:
        if isinstance(t, pyt.Tensor) and t.is_cuda:
            raise NotImplementedError(f"pyt: '{what}' is not implemented for CUDA tensors yet")


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None,
                      pin_memory=False, requires_grad=False, check_invariants=None,
                      is_coalesced=None):
    """A sparse COO tensor with the given indices ((sparse_dim, nnz), any integer dtype:
    they are stored as int64) and values ((nnz, *dense_shape)).

    Unlike torch, the indices are always checked against the size (torch checks only with
    check_invariants=True and otherwise may read out of bounds): one reduction per dim.
    """
    _refuse_cuda("sparse_coo_tensor", indices, values)
    _check_device(device)
    if not isinstance(indices, pyt.Tensor):
        indices = pyt.as_tensor(indices, dtype=pyt.int64)
    if not isinstance(values, pyt.Tensor):
        values = pyt.as_tensor(values, dtype=dtype)
    elif dtype is not None and values.dtype is not dtype:
        values = values.to(dtype)
    if indices.dim() != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(indices.shape)}")
    indices = indices.detach().to(pyt.int64)
    sparse_dim, nnz = indices.shape
    if values.dim() == 0 or values.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{nnz}, nnz from values: {values.shape[0] if values.dim() else 1}")
    dense_shape = tuple(values.shape[1:])
    if nnz:
        lowest = indices.amin(1).tolist()
        highest = indices.amax(1).tolist()
    else:
        lowest = highest = [-1] * sparse_dim
    for d, low in enumerate(lowest):
        if low < 0 and nnz:
            raise RuntimeError(f"found negative index {low} for dim {d}")
    if size is None:
        size = tuple(h + 1 for h in highest) + dense_shape
    else:
        size = tuple(pyt.Size(size))
        if len(size) != sparse_dim + len(dense_shape):
            raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: "
                               f"len(size) = {len(size)}, sparse_dim = {sparse_dim}, "
                               f"dense_dim = {len(dense_shape)}")
        if tuple(size[sparse_dim:]) != dense_shape:
            raise RuntimeError(f"values has incorrect size, expected "
                               f"{[nnz] + list(size[sparse_dim:])}, got {list(values.shape)}")
        for d, (n, high) in enumerate(zip(size, highest)):
            if high >= n:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is "
                                   f"{n} but found index {high}")
    s = SparseTensor(indices, values, size, bool(is_coalesced) or nnz <= 1)
    return s.requires_grad_() if requires_grad else s


def to_sparse(tensor, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """The COO form of a dense tensor: its first sparse_dim dims become sparse (default:
    all of them); a slice over the remaining (dense) dims is stored if any of it is
    nonzero. The result is coalesced."""
    _refuse_cuda("to_sparse", tensor)
    if isinstance(tensor, SparseTensor):
        return tensor.to_sparse(sparse_dim, layout=layout)
    if layout not in (None, sparse_coo):
        raise RuntimeError(f"to_sparse: layout {layout!r} is not supported (pyt has only "
                           f"pyt.sparse_coo)")
    if blocksize is not None:
        raise RuntimeError("to_sparse: blocksize is only for block sparse layouts")
    ndim = tensor.dim()
    if dense_dim is not None:
        if sparse_dim is not None:
            raise RuntimeError("to_sparse: give sparse_dim or dense_dim, not both")
        sparse_dim = ndim - dense_dim
    if sparse_dim is None:
        sparse_dim = ndim
    if not 0 <= sparse_dim <= ndim:
        raise RuntimeError(f"dense_to_sparse: sparse_dim argument must be in [0,{ndim}] "
                           f"range, but {sparse_dim} is given")
    if sparse_dim == 0 and ndim > 0:
        raise RuntimeError("dense_to_sparse: sparse_dim argument must be in >0 when "
                           "self.dim()>0")
    shape = tuple(tensor.shape)
    sparse_shape, dense_shape = shape[:sparse_dim], shape[sparse_dim:]
    if sparse_dim == 0:                       # a 0-d tensor: one element, no index
        return SparseTensor(pyt.zeros(0, 1, dtype=pyt.int64), tensor.reshape(1), (), True)
    present = tensor != 0
    if dense_shape:
        present = present.reshape(sparse_shape + (-1,)).any(-1)
    indices = present.nonzero().t().contiguous()      # row-major order: coalesced
    flat = tensor.reshape((-1,) + dense_shape)
    values = flat.index_select(0, _linear_index(indices, sparse_shape))
    return SparseTensor(indices, values, shape, True)
