"""Nonlinear conjugate gradient with Rasmussen's line search, as Lua's optim.cg."""
import math

from ._state import config_and_state


def cg(opfunc, x, config=None, state=None):
    """Polack-Ribiere conjugate gradients on `x` (in place), Rasmussen's `minimize`.

    Returns `(x, f after each successful line search (the first: f(x0)), evaluations)`.
    config: maxEval (1.25 maxIter, the evaluation budget), maxIter (20, the evaluations
    per line search), rho (0.01) and sig (0.5) (Wolfe-Powell constants), int (0.1, how
    close to a bracket end a point may be), ext (3.0, the largest extrapolation),
    ratio (100, the largest slope ratio).
    """
    config, state = config_and_state(config, state)
    rho = config.get("rho", 0.01)
    sig = config.get("sig", 0.5)
    interp = config.get("int", 0.1)
    ext = config.get("ext", 3.0)
    max_iter = config.get("maxIter", 20)
    ratio = config.get("ratio", 100)
    max_eval = config.get("maxEval", max_iter * 1.25)
    red = 1.0

    def evaluate():
        f_new, g_new = opfunc(x)
        return float(f_new), g_new.clone()

    history = []
    f1, df1 = evaluate()
    history.append(f1)
    evals = 1
    s = df1.neg()                        # steepest descent first
    d1 = -float(s.dot(s))                # slope along s
    z1 = red / (1 - d1)                  # initial step
    ls_failed = False

    while evals < abs(max_eval):
        x0, f0, df0 = x.clone(), f1, df1.clone()
        x.add_(s, alpha=z1)
        f2, df2 = evaluate()
        evals += 1
        d2 = float(df2.dot(s))
        f3, d3, z3 = f1, d1, -z1         # point 3 starts as point 1
        m = min(max_iter, max_eval - evals)
        success, limit = False, -1.0
        while True:
            # Interpolate back while the point is not good enough and evaluations remain.
            while (f2 > f1 + z1 * rho * d1 or d2 > -sig * d1) and m > 0:
                limit = z1
                if f2 > f1:
                    z2 = _safe(lambda: z3 - 0.5 * d3 * z3 * z3 / (d3 * z3 + f2 - f3))  # quadratic
                else:
                    A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)                 # cubic fit
                    B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
                    z2 = _safe(lambda: (math.sqrt(B * B - A * d2 * z3 * z3) - B) / A)
                if not math.isfinite(z2):
                    z2 = z3 / 2
                z2 = max(min(z2, interp * z3), (1 - interp) * z3)
                z1 += z2
                x.add_(s, alpha=z2)
                f2, df2 = evaluate()
                evals += 1
                m -= 1
                d2 = float(df2.dot(s))
                z3 -= z2
            if f2 > f1 + z1 * rho * d1 or d2 > -sig * d1:
                break                    # failure
            if d2 > sig * d1:
                success = True
                break
            if m == 0:
                break
            # Extrapolate with a cubic, within limits.
            A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
            B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
            z2 = _safe(lambda: -d2 * z3 * z3 / (B + math.sqrt(B * B - A * d2 * z3 * z3)))
            if not math.isfinite(z2) or z2 < 0:
                z2 = z1 * (ext - 1) if limit < -0.5 else (limit - z1) / 2
            elif limit > -0.5 and z2 + z1 > limit:
                z2 = (limit - z1) / 2
            elif limit < -0.5 and z2 + z1 > z1 * ext:
                z2 = z1 * (ext - 1)
            elif z2 < -z3 * interp:
                z2 = -z3 * interp
            elif limit > -0.5 and z2 < (limit - z1) * (1 - interp):
                z2 = (limit - z1) * (1 - interp)
            f3, d3, z3 = f2, d2, -z2
            z1 += z2
            x.add_(s, alpha=z2)
            f2, df2 = evaluate()
            evals += 1
            m -= 1
            d2 = float(df2.dot(s))

        if success:
            f1 = f2
            history.append(f1)
            # Polack-Ribiere direction.
            beta = (float(df2.dot(df2)) - float(df2.dot(df1))) / float(df1.dot(df1))
            s.mul_(beta).sub_(df2)
            df1, df2 = df2, df1
            d2 = float(df1.dot(s))
            if d2 > 0:                   # not downhill: restart from steepest descent
                s = df1.neg()
                d2 = -float(s.dot(s))
            z1 *= min(ratio, d1 / (d2 - 1e-320))
            d1 = d2
            ls_failed = False
        else:
            x.copy_(x0)
            f1, df1 = f0, df0
            # Two failures in a row, or no budget left: give up. (Lua tests its 0/1
            # flag for truth, and 0 is true in Lua, so it gave up after one failure.)
            if ls_failed or evals > max_eval:
                break
            df1, df2 = df2, df1
            s = df1.neg()
            d1 = -float(s.dot(s))
            z1 = 1 / (1 - d1)
            ls_failed = True

    state.update(df1=df1, s=s)
    return x, history, evals


def _safe(formula):
    """The formula's value, NaN where it divides by zero or takes a negative root."""
    try:
        return formula()
    except (ZeroDivisionError, ValueError, OverflowError):
        return math.nan
