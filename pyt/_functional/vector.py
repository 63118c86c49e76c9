"""Vector products and distances: cross and cdist."""
import pyt
from pyt._linalg_lu import _into
from pyt._functional._util import (wrap_dim, check_tensor, check_number, dtype_name,
                                    not_implemented)


def cross(input, other, dim=None, *, out=None):
    """The 3-vector cross product along dim (input and other broadcast).

    Without dim, torch's deprecated default: the first dim of size 3 (a warning says so).
    """
    _check_operands(input, other, "cross")
    if dim is None:
        import warnings
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
            "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value "
            "of dim will change to agree with that of linalg.cross in a future release.",
            UserWarning, stacklevel=2)
        sizes = list(pyt.broadcast_shapes(input.shape, other.shape))
        if 3 not in sizes:
            raise RuntimeError("no dimension of size 3 in input")
        dim = sizes.index(3)
    return _into(_cross(input, other, dim), out)


def linalg_cross(input, other, *, dim=-1, out=None):
    """torch.linalg.cross: cross with dim=-1 by default."""
    _check_operands(input, other, "linalg_cross")
    return _into(_cross(input, other, dim), out)


linalg_cross.__name__ = linalg_cross.__qualname__ = "cross"


def _check_operands(input, other, name):
    check_tensor(input, name, "input")
    check_tensor(other, name, "other")
    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.dtype != other.dtype:
        raise RuntimeError(f"expected scalar type {dtype_name(input.dtype)} but found "
                           f"{dtype_name(other.dtype)}")
    if input.dtype == pyt.bool:
        raise not_implemented("cross", input.dtype)


def _cross(input, other, dim):
    """The product of input and other (same rank) along dim: lengths checked, then broadcast."""
    d = wrap_dim(dim, input.dim())
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    a, b = pyt.broadcast_tensors(input, other)
    a0, a1, a2 = a.unbind(d)
    b0, b1, b2 = b.unbind(d)
    return pyt.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R).

    Computed from the differences directly (never by the matrix-product expansion), so
    every compute_mode gives the exact distances.
    """
    check_tensor(x1, "cdist", "x1")
    check_tensor(x2, "cdist", "x2")
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{x.dim()}D")
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{dtype_name(x.dtype)}")
        if x.dtype in (pyt.float16, pyt.bfloat16):
            raise not_implemented("cdist", x.dtype)
    if x1.dtype != x2.dtype:
        raise RuntimeError(f"expected scalar type {dtype_name(x1.dtype)} but found "
                           f"{dtype_name(x2.dtype)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError("X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    p = check_number(p, "cdist", "p")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1.shape[-1] == 0:
        shape = list(pyt.broadcast_shapes(x1.shape[:-2], x2.shape[:-2]))
        return pyt.zeros(shape + [x1.shape[-2], x2.shape[-2]], dtype=x1.dtype,
                         device=x1.device)
    rows = max(x1.shape[-2], x2.shape[-2])
    if p == 2 and (compute_mode == "use_mm_for_euclid_dist" or
                   (compute_mode == _COMPUTE_MODES[0] and rows > 25)):
        return _euclidean_by_matmul(x1, x2)
    # exact: the norm of every pairwise difference (memory P * R * M)
    return pyt.linalg.vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)


def _euclidean_by_matmul(x1, x2):
    """|a - b| as sqrt(|a|^2 + |b|^2 - 2 a.b) in one matrix product, as torch's mm modes
    compute it (memory P * R; cancellation makes tiny distances inexact)."""
    sq1 = (x1 * x1).sum(-1, keepdim=True)
    sq2 = (x2 * x2).sum(-1, keepdim=True)
    left = pyt.cat([x1 * -2, sq1, pyt.ones_like(sq1)], -1)
    right = pyt.cat([x2, pyt.ones_like(sq2), sq2], -1)
    squared = pyt.clamp_min(pyt.matmul(left, right.transpose(-1, -2)), 0)
    # the gradient of sqrt at 0 is infinite; torch's is 0 there
    positive = squared > 0
    root = pyt.sqrt(pyt.where(positive, squared, pyt.ones_like(squared)))
    return pyt.where(positive, root, pyt.zeros_like(root))
