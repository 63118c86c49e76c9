"""Making sparse COO tensors: pyt.sparse_coo_tensor and Tensor.to_sparse."""
import pyt
from pyt._ext.layout import sparse_coo
from pyt.sparse._coo_tensor import SparseTensor, _linear_index


def check_parts_device(indices_device, values_device):
    """torch's error for indices and values on different devices: its sparse constructor
    reaches a CUDA kernel (either part on a GPU is enough) whose device check names the
    values as the odd one out."""
    if indices_device != values_device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but got values is "
                           f"on {values_device}, different from other tensors on "
                           f"{indices_device} (when checking argument in method "
                           f"wrapper_SparseCUDA___sparse_coo_tensor_with_dims_and_tensors)")


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None,
                      pin_memory=False, requires_grad=False, check_invariants=None,
                      is_coalesced=None):
    """A sparse COO tensor with the given indices ((sparse_dim, nnz), any integer dtype:
    they are stored as int64) and values ((nnz, *dense_shape)).

    The tensor lives on `device` (both parts are moved there), by default on the values'
    device; indices given as data are made there too, and tensors on two devices are
    torch's RuntimeError.

    Unlike torch, the indices are always checked against the size (torch checks only with
    check_invariants=True and otherwise may read out of bounds): one reduction per dim,
    whose results are read on the host (on a GPU, that waits for it).
    """
    if not isinstance(values, pyt.Tensor):
        values = pyt.as_tensor(values, dtype=dtype, device=device)
    else:
        values = values.to(device=device, dtype=dtype)      # itself when neither changes
    if not isinstance(indices, pyt.Tensor):
        # as torch: indices given as data are made where the values are
        indices = pyt.as_tensor(indices, dtype=pyt.int64, device=values.device)
    elif device is not None:
        indices = indices.to(device)
    check_parts_device(indices.device, values.device)
    if indices.dim() != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(indices.shape)}")
    indices = indices.detach().to(pyt.int64)
    sparse_dim, nnz = indices.shape
    if values.dim() == 0 or values.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{nnz}, nnz from values: {values.shape[0] if values.dim() else 1}")
    dense_shape = tuple(values.shape[1:])
    if nnz:
        # the bounds are checked (and the size inferred) on the host: one copy of
        # 2 * sparse_dim numbers
        lowest, highest = pyt.stack([indices.amin(1), indices.amax(1)]).tolist()
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
        return SparseTensor(pyt.zeros(0, 1, dtype=pyt.int64, device=tensor.device),
                            tensor.reshape(1), (), True)
    present = tensor != 0
    if dense_shape:
        present = present.reshape(sparse_shape + (-1,)).any(-1)
    # row-major order: coalesced (nonzero waits for the GPU: its count sizes the result)
    indices = present.nonzero().t().contiguous()
    flat = tensor.reshape((-1,) + dense_shape)
    values = flat.index_select(0, _linear_index(indices, sparse_shape))
    return SparseTensor(indices, values, shape, True)
