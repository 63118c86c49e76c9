"""Averaged stochastic gradient descent (Bottou, 2012), as Lua's optim.asgd."""
import pyt

from ._state import config_and_state


def asgd(opfunc, x, config=None, state=None):
    """One ASGD step on `x` (in place); returns `(x, [f(x)], ax)`, ax the running average.

    x <- (1 - lambda * eta_t) x - eta_t * g; eta_t = eta0 / (1 + lambda eta0 t)^alpha;
    the average starts at t0 (mu_t = 1 / max(1, t - t0)). config: eta0 (1e-4),
    lambda (1e-4), alpha (0.75), t0 (1e6).
    """
    config, state = config_and_state(config, state)
    eta0 = config.get("eta0", 1e-4)
    lam = config.get("lambda", 1e-4)
    alpha = config.get("alpha", 0.75)
    t0 = config.get("t0", 1e6)
    state.setdefault("eta_t", eta0)
    state.setdefault("mu_t", 1)
    state.setdefault("t", 0)

    fx, dfdx = opfunc(x)
    x.mul_(1 - lam * state["eta_t"])
    x.add_(dfdx, alpha=-state["eta_t"])

    if "ax" not in state:
        state["ax"] = pyt.zeros_like(x)
        state["tmp"] = pyt.zeros_like(x)
    if state["mu_t"] != 1:
        state["tmp"].copy_(x).sub_(state["ax"]).mul_(state["mu_t"])
        state["ax"].add_(state["tmp"])
    else:
        state["ax"].copy_(x)

    state["t"] += 1
    state["eta_t"] = eta0 / (1 + lam * eta0 * state["t"]) ** alpha
    state["mu_t"] = 1 / max(1, state["t"] - t0)
    return x, [fx], state["ax"]
