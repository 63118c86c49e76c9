"""Line search satisfying the strong Wolfe conditions (minFunc's), as Lua's optim.lswolfe."""
from .polyinterp import polyinterp


def lswolfe(opfunc, x, t, d, f, g, gtd, options=None):
    """Search along `d` from `x` (moved in place) for a step meeting the Wolfe conditions.

    t: initial step, f/g: value and gradient at x, gtd: g . d (negative).
    options: c1 (1e-4, sufficient decrease), c2 (0.9, curvature), tolX (1e-9),
    maxIter (20). Returns `(f_new, g_new, x, t, number of function evaluations)`.
    """
    options = options or {}
    c1 = options.get("c1", 1e-4)
    c2 = options.get("c2", 0.9)
    tol_x = options.get("tolX", 1e-9)
    max_iter = options.get("maxIter", 20)
    verbose = options.get("verbose", False)

    def evaluate(step):
        x.copy_(x_init).add_(d, alpha=step)
        f_step, g_step = opfunc(x)
        g_step = g_step.clone()          # opfunc may hand back the same buffer each call
        return float(f_step), g_step, float(g_step.dot(d))

    x_init = x.clone()
    f, gtd = float(f), float(gtd)
    f_new, g_new, gtd_new = evaluate(t)
    evals = 1

    # Bracketing phase: find an interval that contains a Wolfe point (or the point itself).
    ls_iter, t_prev, done = 0, 0.0, False
    f_prev, g_prev, gtd_prev = f, g.clone(), gtd
    bracket = None
    while ls_iter < max_iter:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket = [[t_prev, f_prev, g_prev], [t, f_new, g_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = [[t, f_new, g_new]], True
            break
        if gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev], [t, f_new, g_new]]
            break
        # Extrapolate with the cubic through the last two points, within [t + 1%, 10 t].
        t_old, t_prev = t_prev, t
        t, _ = polyinterp([[t_old, f_prev, gtd_prev], [t, f_new, gtd_new]],
                          t + 0.01 * (t - t_old), t * 10)
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new, gtd_new = evaluate(t)
        evals += 1
        ls_iter += 1
    if ls_iter == max_iter:
        bracket = [[0.0, f, g], [t, f_new, g_new]]

    # Zoom phase: shrink the bracket until a point meets the Wolfe conditions.
    insufficient_progress = False
    while not done and ls_iter < max_iter:
        lo = 0 if bracket[0][1] <= bracket[1][1] else 1
        hi = 1 - lo
        t = polyinterp([[b[0], b[1], float(b[2].dot(d))] for b in bracket])
        b_max = max(bracket[0][0], bracket[1][0])
        b_min = min(bracket[0][0], bracket[1][0])
        if b_max == b_min:               # the bracket collapsed: nothing left to search
            break
        # Keep away from the bracket's ends: a point too close to one makes little progress.
        if min(b_max - t, t - b_min) / (b_max - b_min) < 0.1:
            if insufficient_progress or t >= b_max or t <= b_min:
                if abs(t - b_max) < abs(t - b_min):
                    t = b_max - 0.1 * (b_max - b_min)
                else:
                    t = b_min + 0.1 * (b_max - b_min)
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new, gtd_new = evaluate(t)
        evals += 1
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[lo][1]:
            bracket[hi] = [t, f_new, g_new]
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[hi][0] - bracket[lo][0]) >= 0:
                bracket[hi] = bracket[lo]
            bracket[lo] = [t, f_new, g_new]
        if not done and abs((bracket[0][0] - bracket[1][0]) * gtd_new) < tol_x:
            break

    if verbose and ls_iter == max_iter:
        print("<optim.lswolfe> reached max number of iterations")
    t, f_new, g_new = min(bracket, key=lambda b: b[1])
    x.copy_(x_init).add_(d, alpha=t)
    return f_new, g_new, x, t, evals
