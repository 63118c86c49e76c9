"""Numerical integration by the trapezoidal rule: trapezoid, trapz, cumulative_trapezoid."""
import pyt
from pyt._functional._util import check_tensor, check_number, wrap_dim


def _spacing_and_mean_heights(fname, y, x, dx, dim):
    """(interval widths or a number, mean height of each interval) along dim."""
    check_tensor(y, fname, "y")
    if x is not None and dx is not None:
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        "both x and dx")
    if dx is not None:
        dx = check_number(dx, fname, "dx")
    if y.dtype == pyt.bool:
        raise RuntimeError(f"{fname}: received a bool input for `y`, but bool is not "
                           "supported")
    if y.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, y.dim())
    length = y.shape[d]
    heights = (_later(y, d) + _earlier(y, d)) / 2
    if x is None:
        return (1 if dx is None else dx), heights, d
    check_tensor(x, fname, "x")
    if x.dtype == pyt.bool:
        raise RuntimeError(f"{fname}: received a bool input for `x`, but bool is not "
                           "supported")
    if x.dim() == 1:
        if x.shape[0] != length:
            raise RuntimeError(f"{fname}: There must be one `x` value for each sample "
                               "point")
        widths = pyt.diff(x)
        view = [1] * y.dim()
        view[d] = widths.shape[0]
        return widths.reshape(view), heights, d
    return _later(x, d) - _earlier(x, d), heights, d


def _later(t, d):
    """t without its first entry along d (empty when t is)."""
    n = t.shape[d]
    return t.narrow(d, min(1, n), max(n - 1, 0))


def _earlier(t, d):
    """t without its last entry along d (empty when t is)."""
    return t.narrow(d, 0, max(t.shape[d] - 1, 0))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y along dim by the trapezoidal rule, at points x or spacing dx."""
    widths, heights, d = _spacing_and_mean_heights("trapezoid", y, x, dx, dim)
    if y.shape[d] == 0:         # nothing to integrate: zeros of y's own dtype
        return pyt.zeros(y.shape[:d] + y.shape[d + 1:], dtype=y.dtype, device=y.device)
    return pyt.sum(widths * heights, d)


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of trapezoid (dx defaults to 1)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running integral of y along dim (one value fewer than y along dim)."""
    widths, heights, d = _spacing_and_mean_heights("cumulative_trapezoid", y, x, dx, dim)
    return pyt.cumsum(widths * heights, d)
