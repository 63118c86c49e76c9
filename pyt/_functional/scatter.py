"""scatter_reduce: src's values combined into input along dim with sum, prod, mean, amax
or amin.

sum and mean are scatter_add (its gradient is torch's). prod, amax and amin sort the
scattered values by their target element and combine equal-target neighbours with a
segmented scan (log2(n) rounds of pointwise ops), then write each target's total once.
Gradients flow through those pointwise ops for prod; amax/amin take torch's gradient
(shared evenly by all the values equal to the result) from a mean of those values.
"""
import pyt
from pyt._functional._util import wrap_dim, check_tensor, dtype_name, not_implemented

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of input where each src[i][j] (dim 0) is reduced into input[index[i][j]][j]."""
    check_tensor(input, "scatter_reduce", "input")
    check_tensor(index, "scatter_reduce", "index")
    check_tensor(src, "scatter_reduce", "src")
    if not isinstance(reduce, str):
        raise TypeError("scatter_reduce(): argument 'reduce' must be str, not "
                        f"{type(reduce).__name__}")
    if reduce not in _REDUCTIONS:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, "
                           f"got {reduce}")
    if src.dtype != input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if index.dtype not in (pyt.int64, pyt.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if reduce == "mean" and input.dtype == pyt.bool:
        raise not_implemented("scatter_gather_tensor_cpu_reduce_mean", input.dtype)
    d = wrap_dim(dim, input.dim())
    if input.dim() == 0 or index.dim() == 0 or src.dim() == 0:
        # torch takes a 0-d tensor here as a 1-d one of one element
        as_1d = [t.reshape(1) if t.dim() == 0 else t for t in (input, index, src)]
        return scatter_reduce(*as_1d[:1], d, *as_1d[1:], reduce,
                              include_self=include_self).reshape(input.shape)
    _check_shapes(input, d, index, src)
    if index.numel() == 0:
        return input.clone()
    # how many src values land on each element of input (scatter_add checks the indices)
    ones = pyt.ones(index.shape, dtype=pyt.int64, device=input.device)
    hits = pyt.scatter_add(pyt.zeros(input.shape, dtype=pyt.int64, device=input.device),
                           d, index, ones)
    touched = hits > 0
    if reduce in ("sum", "mean"):
        return _sum_or_mean(input, d, index, src, reduce, include_self, hits, touched)
    if reduce == "prod" or not pyt.is_grad_enabled() or not (
            input.requires_grad or src.requires_grad):
        return _scan_reduce(input, d, index, src, reduce, include_self)
    with pyt.no_grad():
        extreme = _scan_reduce(input, d, index, src, reduce, include_self)
    return _with_tie_sharing_grad(extreme, input, d, index, src, include_self, touched)


def _with_tie_sharing_grad(extreme, input, d, index, src, include_self, touched):
    """extreme (amax or amin, computed without grad) with torch's gradient: shared evenly
    by every contributor (src element, or input itself) that equals the result."""
    values = _used_src(src, index)
    hit_src = values == pyt.gather(extreme, d, index)
    hit_self = input == extreme
    zeros = pyt.zeros_like(extreme)
    # like torch, input counts among the ties even when not included (it then gets none)
    count = hit_self.to(input.dtype) + pyt.scatter_add(zeros, d, index,
                                                       hit_src.to(input.dtype))
    if not include_self:
        hit_self = hit_self & ~touched
    total = pyt.where(hit_self, input, zeros) + pyt.scatter_add(
        zeros, d, index, pyt.where(hit_src, values, pyt.zeros_like(values)))
    share = total / count
    # the value stays exactly extreme; the gradient is share's (none where not finite)
    return pyt.where(pyt.isfinite(share), extreme + (share - share.detach()), extreme)


def _scan_reduce(input, d, index, src, reduce, include_self):
    targets, values = _flat_targets(input, d, index, src)
    order = pyt.argsort(targets, stable=True)
    targets, values = targets[order], values[order]
    combine = {"prod": pyt.mul, "amax": pyt.maximum, "amin": pyt.minimum}[reduce]
    if input.dtype == pyt.bool:
        combine = pyt.logical_and if reduce in ("prod", "amin") else pyt.logical_or
    totals = _segmented_scan(values, targets, combine)
    last = pyt.ones(targets.shape, dtype=pyt.bool, device=input.device)
    if targets.shape[0] > 1:
        last[:-1] = targets[1:] != targets[:-1]
    targets, totals = targets[last], totals[last]
    flat = input.reshape(-1)
    if include_self:
        totals = combine(flat[targets], totals)
    return flat.index_put((targets,), totals).reshape(input.shape)


def _check_shapes(input, d, index, src):
    if index.dim() != input.dim() and index.numel():
        raise RuntimeError("Index tensor must have the same number of dimensions as self "
                           "tensor")
    if index.dim() != src.dim() and index.numel():
        raise RuntimeError("Index tensor must have the same number of dimensions as src "
                           "tensor")
    for k in range(index.dim()):
        if index.shape[k] > src.shape[k] or (k != d and index.shape[k] > input.shape[k]):
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be no larger than self "
                f"{list(input.shape)} apart from dimension {d} and to be no larger size "
                f"than src {list(src.shape)}")


def _used_src(src, index):
    """The leading block of src that index addresses."""
    return src[tuple(slice(0, n) for n in index.shape)] if index.dim() else src


def _sum_or_mean(input, d, index, src, reduce, include_self, hits, touched):
    values = _used_src(src, index)
    work_dtype = pyt.int64 if input.dtype == pyt.bool else input.dtype
    base = input.to(work_dtype)
    if not include_self:
        base = pyt.where(touched, pyt.zeros_like(base), base)
    total = pyt.scatter_add(base, d, index, values.to(work_dtype))
    if reduce == "sum":
        return total != 0 if input.dtype == pyt.bool else total
    count = hits + 1 if include_self else hits.clamp_min(1)
    if input.dtype.is_floating_point:
        return total / count.to(input.dtype)
    return pyt.floor_divide(total, count.to(input.dtype))


def _flat_targets(input, d, index, src):
    """(linear position in input, value) of every scattered element, as 1-d tensors."""
    strides = [1] * input.dim()
    for k in range(input.dim() - 2, -1, -1):
        strides[k] = strides[k + 1] * input.shape[k + 1]
    target = index.to(pyt.int64) * (strides[d] if strides else 1)
    for k in range(index.dim()):
        if k != d:
            shape = [1] * index.dim()
            shape[k] = index.shape[k]
            position = pyt.arange(index.shape[k], device=input.device).reshape(shape)
            target = target + position * strides[k]
    return target.reshape(-1), _used_src(src, index).reshape(-1)


def _segmented_scan(values, keys, combine):
    """Inclusive scan of combine over each run of equal keys (Hillis-Steele doubling)."""
    n = values.shape[0]
    step = 1
    while step < n:
        same = keys[step:] == keys[:-step]
        combined = combine(values[step:], values[:-step])
        values = pyt.cat([values[:step], pyt.where(same, combined, values[step:])])
        step *= 2
    return values


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """A copy of input where slice i of source along dim is reduced (prod, mean, amax or
    amin) into slice index[i] of input: scatter_reduce with index spread over the slices."""
    check_tensor(input, "index_reduce", "input")
    check_tensor(index, "index_reduce", "index")
    check_tensor(source, "index_reduce", "source")
    import warnings
    warnings.warn("index_reduce() is in beta and the API may change at any time.",
                  UserWarning, stacklevel=2)
    if not isinstance(reduce, str) or reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    d = wrap_dim(dim, input.dim())
    if index.dim() > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector, but got dim: "
                         f"{index.dim()} with type: {dtype_name(index.dtype)} and size: "
                         f"{list(index.shape)}")
    if index.dtype not in (pyt.int32, pyt.int64):
        raise RuntimeError("index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{dtype_name(index.dtype)}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_reduce_(): self ({dtype_name(input.dtype)}) and source "
                           f"({dtype_name(source.dtype)}) must have the same scalar type")
    in_shape = list(input.shape) or [1]
    src_shape = list(source.shape) or [1]
    if input.dim() != source.dim() or any(
            a != b for k, (a, b) in enumerate(zip(in_shape, src_shape)) if k != d):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(input.shape)} source.shape = "
            f"{list(source.shape)}")
    if index.numel() != src_shape[d]:
        raise RuntimeError(f"index_reduce_(): Number of indices ({index.numel()}) should be "
                           f"equal to source.size(dim): ({src_shape[d]}), for dim: {dim}")
    if index.numel() and bool(((index < 0) | (index >= in_shape[d])).any()):
        raise IndexError("index out of range in self")
    spread = [1] * len(src_shape)
    spread[d] = -1
    expanded = index.reshape(spread).expand(src_shape)
    out = scatter_reduce(input.reshape(in_shape), d, expanded, source.reshape(src_shape),
                         reduce, include_self=include_self)
    return out.reshape(input.shape)
