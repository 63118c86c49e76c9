"""Limited-memory BFGS, as Lua's optim.lbfgs."""
from ._state import config_and_state


def lbfgs(opfunc, x, config=None, state=None):
    """Up to maxIter L-BFGS iterations on `x` (in place).

    Returns `(x, f_hist, number of evaluations)`; f_hist holds f at the start and after
    each step. config: maxIter (20), maxEval (1.25 maxIter), tolFun (1e-5, on the
    gradient's L1 norm), tolX (1e-9), nCorrection (100, the history length),
    learningRate (1, the fixed step when lineSearch is None), lineSearch (e.g.
    optim.lswolfe), lineSearchOptions, verbose. The history survives in `state`, so
    calls continue one run.
    """
    config, state = config_and_state(config, state)
    max_iter = int(config.get("maxIter", 20))
    max_eval = config.get("maxEval", max_iter * 1.25)
    tol_fun = config.get("tolFun", 1e-5)
    tol_x = config.get("tolX", 1e-9)
    n_correction = config.get("nCorrection", 100)
    line_search = config.get("lineSearch")
    line_search_opts = config.get("lineSearchOptions")
    lr = config.get("learningRate", 1)
    verbose = config.get("verbose", False)

    def say(message):
        if verbose:
            print("<optim.lbfgs>", message)

    state.setdefault("funcEval", 0)
    state.setdefault("nIter", 0)

    f, g = opfunc(x)
    f = float(f)
    f_hist = [f]
    evals = 1
    state["funcEval"] += 1

    if float(g.abs().sum()) <= tol_fun:
        say("optimality condition below tolFun")
        return x, f_hist, evals

    # Lua's names: old_dirs holds the steps s, old_stps the gradient changes y.
    d, t = state.get("d"), state.get("t")
    old_dirs, old_stps = state.get("old_dirs"), state.get("old_stps")
    h_diag, g_old, f_old = state.get("Hdiag"), state.get("g_old"), state.get("f_old")

    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        state["nIter"] += 1

        if state["nIter"] == 1:
            d = g.neg()
            old_dirs, old_stps, h_diag = [], [], 1.0
        else:
            y = g - g_old
            s = d * t
            ys = float(y.dot(s))
            if ys > 1e-10:               # keep only pairs with positive curvature
                if len(old_dirs) == n_correction:
                    old_dirs.pop(0)
                    old_stps.pop(0)
                old_dirs.append(s)
                old_stps.append(y)
                h_diag = ys / float(y.dot(y))
            # Two-loop recursion: d = -H g with H the implicit inverse Hessian.
            k = len(old_dirs)
            ro = [1.0 / float(old_stps[i].dot(old_dirs[i])) for i in range(k)]
            al = [0.0] * k
            q = g.neg()
            for i in range(k - 1, -1, -1):
                al[i] = float(old_dirs[i].dot(q)) * ro[i]
                q.add_(old_stps[i], alpha=-al[i])
            d = q.mul_(h_diag)
            for i in range(k):
                be_i = float(old_stps[i].dot(d)) * ro[i]
                d.add_(old_dirs[i], alpha=al[i] - be_i)

        g_old = g.clone()
        f_old = f

        gtd = float(g.dot(d))
        if gtd > -tol_x:                 # not a descent direction any more
            break

        # The first step is scaled by the gradient so that it is not absurdly long.
        t = min(1.0, 1.0 / float(g.abs().sum())) * lr if state["nIter"] == 1 else lr

        ls_evals = 0
        if line_search is not None:
            f, g, x, t, ls_evals = line_search(opfunc, x, t, d, f, g, gtd, line_search_opts)
            f = float(f)
            f_hist.append(f)
        else:
            x.add_(d, alpha=t)
            if n_iter != max_iter:
                # Re-evaluate except after the last iteration (useless when stochastic).
                f, g = opfunc(x)
                f = float(f)
                ls_evals = 1
                f_hist.append(f)
        evals += ls_evals
        state["funcEval"] += ls_evals

        if n_iter == max_iter:
            say("reached max number of iterations")
            break
        if evals >= max_eval:
            say("max nb of function evals")
            break
        if float(g.abs().sum()) <= tol_fun:
            say("optimality condition below tolFun")
            break
        if float(d.abs().sum()) * abs(t) <= tol_x:
            say("step size below tolX")
            break
        if abs(f - f_old) < tol_x:
            say("function value changing less than tolX")
            break

    state.update(old_dirs=old_dirs, old_stps=old_stps, Hdiag=h_diag, g_old=g_old,
                 f_old=f_old, t=t, d=d)
    return x, f_hist, evals
