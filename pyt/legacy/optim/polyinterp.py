"""Minimiser of the polynomial through points with values and slopes (minFunc's)."""
import math

import pyt


def _polyval(coeffs, x):
    value = 0.0
    for c in coeffs:
        value = value * x + c
    return value


def _real_roots_in(coeffs, lo, hi):
    """Real roots in [lo, hi] of the polynomial with `coeffs` (highest power first)."""
    while coeffs and coeffs[0] == 0:
        coeffs = coeffs[1:]
    degree = len(coeffs) - 1
    if degree < 1:
        return []
    if degree == 1:
        return [-coeffs[1] / coeffs[0]]
    if degree == 2:
        a, b, c = coeffs
        disc = b * b - 4 * a * c
        if disc < 0:
            return []
        r = math.sqrt(disc)
        return [(-b + r) / (2 * a), (-b - r) / (2 * a)]
    # Higher degrees: only roots inside the bounds matter, so bracket sign changes on a
    # grid and bisect them.
    roots, n = [], 256
    grid = [lo + (hi - lo) * i / n for i in range(n + 1)]
    values = [_polyval(coeffs, g) for g in grid]
    for a, b, fa, fb in zip(grid, grid[1:], values, values[1:]):
        if fa == 0:
            roots.append(a)
        elif fa * fb < 0:
            for _ in range(60):
                m = 0.5 * (a + b)
                fm = _polyval(coeffs, m)
                if fa * fm <= 0:
                    b = m
                else:
                    a, fa = m, fm
            roots.append(0.5 * (a + b))
    return roots


def polyinterp(points, xmin_bound=None, xmax_bound=None):
    """Minimum of the Hermite polynomial through rows (x, f(x), f'(x)) of `points`.

    Returns `(t, f(t))` estimates in [xmin_bound, xmax_bound] (default: the points'
    range); the two-point unbounded case (the one line searches use most) is the
    closed-form cubic minimiser and returns t only, like Lua's.
    """
    pts = [[float(v) for v in row] for row in (points.tolist()
                                                if isinstance(points, pyt.Tensor) else points)]
    n = len(pts)
    order = 2 * n - 1
    if n == 2 and xmin_bound is None and xmax_bound is None:
        lo, hi = (pts[0], pts[1]) if pts[0][0] <= pts[1][0] else (pts[1], pts[0])
        d1 = lo[2] + hi[2] - 3 * (lo[1] - hi[1]) / (lo[0] - hi[0])
        d2 = d1 * d1 - lo[2] * hi[2]
        if d2 >= 0:
            d2 = math.sqrt(d2)
            t = hi[0] - (hi[0] - lo[0]) * ((hi[2] + d2 - d1) / (hi[2] - lo[2] + 2 * d2))
            return min(max(t, lo[0]), hi[0])
        return (lo[0] + hi[0]) / 2

    xs = [p[0] for p in pts]
    xmin_bound = min(xs) if xmin_bound is None else xmin_bound
    xmax_bound = max(xs) if xmax_bound is None else xmax_bound

    # Fit: one row per value and one per slope, coefficients highest power first.
    rows, rhs = [], []
    for x, f, _ in pts:
        rows.append([x ** (order - j) for j in range(order + 1)])
        rhs.append([f])
    for x, _, g in pts:
        rows.append([(order - j) * x ** (order - j - 1) if j < order else 0.0
                     for j in range(order + 1)])
        rhs.append([g])
    solution = pyt.linalg.lstsq(pyt.tensor(rows, dtype=pyt.float64),
                                pyt.tensor(rhs, dtype=pyt.float64)).solution
    params = [0.0 if abs(c) <= 1e-12 else c for c in solution.reshape(-1).tolist()]
    dparams = [c * (order - j) for j, c in enumerate(params[:-1])]

    candidates = [xmin_bound, xmax_bound] + xs
    if all(math.isfinite(c) for c in dparams):
        candidates += _real_roots_in(dparams, xmin_bound, xmax_bound)
    best, fbest = (xmin_bound + xmax_bound) / 2, math.inf     # bisection by default
    for x in candidates:
        if xmin_bound <= x <= xmax_bound:
            fx = _polyval(params, x)
            if fx < fbest:
                best, fbest = x, fx
    return best, fbest
