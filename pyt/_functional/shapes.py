"""Shape functions: broadcasting, grids, rotations, splits and index repetition.

Each is a composition of pyt's views, copies and gathers, so the results are views where
torch's are (meshgrid, broadcast_tensors, hsplit...) and gradients come from those ops.
"""
import pyt
from pyt._functional._util import wrap_dim, check_tensor, check_int, not_implemented


def _tensor_list(tensors, fname):
    """f(a, b) and f([a, b]) both name the tensors a and b."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, pyt.Tensor):
            raise TypeError(f"{fname}(): expected Tensor as element {i} in argument 0, "
                            f"but got {type(t).__name__}")
    return tuple(tensors)


def broadcast_pair(a, b):
    """The shape that shapes a and b broadcast to, as a tuple, with the error of a
    binary tensor op (torch's wording for the tensors a and b)."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def broadcast_shapes(*shapes):
    """The shape that tensors of all these shapes broadcast to (a shape may be an int)."""
    sizes = []
    for i, shape in enumerate(shapes):
        shape = (shape,) if isinstance(shape, int) else shape
        if not isinstance(shape, (tuple, list)) or \
                not all(isinstance(s, int) for s in shape):
            raise TypeError(f"broadcast_shapes(): expected ints or sequences of ints, but "
                            f"argument {i} is {shape!r}")
        shape = tuple(shape)
        if any(s < 0 for s in shape):
            raise ValueError("Attempting to broadcast a dimension with negative length!")
        for k in range(1, len(shape) + 1):
            have = sizes[-k] if k <= len(sizes) else None
            size = shape[-k]
            if have is None:
                sizes.insert(0, size)
            elif have == 1:
                sizes[-k] = size
            elif size != 1 and size != have:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {size} at {-k}! "
                    f"Mismatching argument at index {i} had {shape}; but expected shape "
                    f"should be broadcastable to {sizes}")
    return pyt.Size(sizes)


def _broadcast_shape_of(tensors):
    """Like broadcast_shapes, with the error of a binary op on mismatching tensors."""
    sizes = []
    for t in tensors:
        shape = tuple(t.shape)
        for k in range(1, len(shape) + 1):
            if k > len(sizes):
                sizes.insert(0, shape[-k])
            elif sizes[-k] == 1:
                sizes[-k] = shape[-k]
            elif shape[-k] != 1 and shape[-k] != sizes[-k]:
                raise RuntimeError(
                    f"The size of tensor a ({sizes[-k]}) must match the size of tensor b "
                    f"({shape[-k]}) at non-singleton dimension {len(sizes) - k}")
    return sizes


def broadcast_tensors(*tensors):
    """Views of the tensors expanded to their common broadcast shape."""
    tensors = _tensor_list(tensors, "broadcast_tensors")
    shape = _broadcast_shape_of(tensors)
    return tuple(t.expand(shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 0-d or 1-d tensors: views, one per input."""
    tensors = _tensor_list(tensors, "meshgrid")
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass "
                      "the indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor "
                               f"list but got: {t}")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    # 'xy' is 'ij' with the first two inputs swapped, and their grids swapped back
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors = (tensors[1], tensors[0]) + tensors[2:]
    shape = [t.numel() for t in tensors]
    grids = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = -1
        grids.append(t.reshape(view_shape).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    """All tuples of one element from each 1-d tensor, as rows of a 2-d tensor."""
    tensors = _tensor_list(tensors, "cartesian_prod")
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return pyt.stack([g.flatten() for g in grids], dim=1)


def combinations(input, r=2, with_replacement=False):
    """All length-r combinations of the elements of a 1-d tensor (rows, in order)."""
    check_tensor(input, "combinations", "input")
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    check_int(r, "combinations", "r")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    import itertools
    import math
    n = input.shape[0]
    count = math.comb(n + r - 1, r) if with_replacement else math.comb(n, r)
    if count * r > 2 ** 40:
        raise RuntimeError(f"combinations(): {count} combinations of length {r} are too "
                           "many to allocate")
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    index = pyt.tensor(rows, dtype=pyt.int64, device=input.device).reshape(len(rows), r)
    return pyt.index_select(input, 0, index.reshape(-1)).reshape(len(rows), r)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along dim) repeated repeats times, in place order.

    With only a 1-d integer tensor, returns arange(len) with element i repeated input[i]
    times (the index form the other forms are built on).
    """
    check_tensor(input, "repeat_interleave", "input")
    if output_size is not None:
        check_int(output_size, "repeat_interleave", "output_size")
    if repeats is None:      # the index form keeps the repeats' dtype
        return _repeat_index(input, output_size).to(input.dtype)
    if not isinstance(repeats, (int, pyt.Tensor)):
        raise TypeError("repeat_interleave(): argument 'repeats' must be Tensor or int, "
                        f"not {type(repeats).__name__}")
    if dim is None:
        input = input.flatten()
        dim = 0
    dim = wrap_dim(dim, input.dim())
    if input.dim() == 0:
        input = input.reshape(1)
    size = input.shape[dim]
    if isinstance(repeats, pyt.Tensor):
        if repeats.dim() > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats.dtype not in (pyt.int32, pyt.int64):
            raise not_implemented("repeat_interleave_cpu", repeats.dtype)
        if repeats.numel() == 1:
            repeats = int(repeats.item())
        elif repeats.shape[0] != size:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got "
                f"repeats.size(0) = {repeats.shape[0]} and input.size({dim}) = {size}")
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        if output_size is not None and output_size != size * repeats:
            raise RuntimeError("allocated size does not match required size")
        index = pyt.arange(size, device=input.device).reshape(size, 1)
        index = index.expand(size, repeats).reshape(-1)
    else:
        index = _repeat_index(repeats.to(input.device), output_size)
    return pyt.index_select(input, dim, index)


def _repeat_index(repeats, output_size):
    """[0]*repeats[0] + [1]*repeats[1] + ... as an int64 tensor."""
    if repeats.dim() != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if repeats.dtype not in (pyt.int32, pyt.int64):
        raise not_implemented("repeat_interleave_cpu", repeats.dtype)
    if repeats.numel() and bool((repeats < 0).any()):
        raise RuntimeError("repeats can not be negative")
    ends = pyt.cumsum(repeats, 0, dtype=pyt.int64)
    total = int(ends[-1].item()) if repeats.numel() else 0
    if output_size is not None and output_size != total:
        raise RuntimeError("allocated size does not match required size")
    # output position p belongs to the first element whose running end exceeds p
    positions = pyt.arange(total, device=repeats.device)
    return pyt.searchsorted(ends, positions, right=True)


def take_along_dim(input, indices, dim=None):
    """input's values at indices along dim (input and indices broadcast elsewhere)."""
    check_tensor(input, "take_along_dim", "input")
    check_tensor(indices, "take_along_dim", "indices")
    if indices.dtype != pyt.int64:
        from pyt._functional._util import dtype_name
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but "
                           f"got {dtype_name(indices.dtype)}")
    if dim is None:
        return pyt.gather(input.reshape(-1), 0, indices.reshape(-1))
    dim = wrap_dim(dim, input.dim())
    if input.dim() != indices.dim():
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.dim()} dimensions for input, and {indices.dim()} "
            "dimensions for indices")
    if input.dim() == 0:
        return pyt.gather(input, 0, indices)
    # broadcast every dim but dim itself, where each keeps its own length
    in_shape, ix_shape = list(input.shape), list(indices.shape)
    ix_shape[dim] = in_shape[dim]
    ix_target = list(_broadcast_shape_of([input, indices.new_empty(ix_shape)]))
    ix_target[dim] = indices.shape[dim]
    in_target = list(ix_target)
    in_target[dim] = input.shape[dim]
    return pyt.gather(input.expand(in_target), dim, indices.expand(ix_target))


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (logical xor for bool)."""
    check_tensor(input, "diff", "input")
    check_int(n, "diff", "n")
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.dim())
    parts = []
    for name, extra in (("prepend", prepend), (None, input), ("append", append)):
        if extra is None:
            continue
        if name is not None:
            check_tensor(extra, "diff", name)
            if extra.dim() != input.dim():
                raise RuntimeError("diff expects prepend or append to be the same "
                                   "dimension as input")
            for d in range(input.dim()):
                if d != dim and extra.shape[d] != input.shape[d]:
                    raise RuntimeError(
                        "diff expects the shape of tensor to prepend or append to match "
                        "that of input except along the differencing dimension; "
                        f"input.size({d}) = {input.shape[d]}, but got "
                        f"tensor.size({d}) = {extra.shape[d]}")
        parts.append(extra)
    out = pyt.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = out.shape[dim]
        if length == 0:
            break
        later, earlier = out.narrow(dim, 1, length - 1), out.narrow(dim, 0, length - 1)
        out = pyt.logical_xor(later, earlier) if out.dtype == pyt.bool else later - earlier
    return out


def rot90(input, k=1, dims=(0, 1)):
    """input rotated by k quarter turns in the plane of dims, from dims[0] to dims[1]."""
    check_tensor(input, "rot90", "input")
    check_int(k, "rot90", "k")
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = wrap_dim(dims[0], input.dim()), wrap_dim(dims[1], input.dim())
    if d0 == d1:
        raise RuntimeError("expected rotation dims to be different, but got dim0 = "
                           f"{d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip([d0, d1])
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


def ravel(input):
    """input as a 1-d tensor: a view when its layout allows, else a copy."""
    check_tensor(input, "ravel", "input")
    return input.reshape(-1)


def narrow_copy(input, dim, start, length):
    """A contiguous copy of input.narrow(dim, start, length)."""
    check_tensor(input, "narrow_copy", "input")
    part = input.narrow(dim, start, length)
    copy = part.contiguous()
    return part.clone() if copy is part else copy


def _split_along(input, sections, dim, fname, min_dims):
    check_tensor(input, fname, "input")
    if input.dim() < min_dims:
        raise RuntimeError(f"torch.{fname} requires a tensor with at least {min_dims} "
                           f"dimension, but got a tensor with {input.dim()} dimensions!")
    if isinstance(sections, int):
        size = input.shape[dim]
        if sections == 0 or size % sections != 0:
            raise RuntimeError(
                f"torch.{fname} attempted to split along dimension {dim}, but the size of "
                f"the dimension {size} is not divisible by the split_size {sections}!")
    return pyt.tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 of a 1-d tensor); sections must divide evenly."""
    dim = 0 if isinstance(input, pyt.Tensor) and input.dim() == 1 else 1
    return _split_along(input, indices_or_sections, dim, "hsplit", 1)


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a tensor of at least 2 dims."""
    return _split_along(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a tensor of at least 3 dims."""
    return _split_along(input, indices_or_sections, 2, "dsplit", 3)
