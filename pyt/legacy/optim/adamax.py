"""AdaMax (Adam with the infinity norm), as Lua's optim.adamax."""
import pyt

from ._state import config_and_state


def adamax(opfunc, x, config=None, state=None):
    """One AdaMax step on `x` (in place); returns `(x, [f(x)])`.

    config: learningRate (2e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-38),
    weightDecay (0). state keeps t, m and u (the exponentially weighted infinity norm).
    """
    config, state = config_and_state(config, state)
    lr = config.get("learningRate", 2e-3)
    beta1 = config.get("beta1", 0.9)
    beta2 = config.get("beta2", 0.999)
    eps = config.get("epsilon", 1e-38)
    wd = config.get("weightDecay", 0)

    fx, dfdx = opfunc(x)
    if wd != 0:
        dfdx.add_(x, alpha=wd)

    state.setdefault("t", 0)
    if "m" not in state:
        state["m"] = pyt.zeros_like(dfdx)
        state["u"] = pyt.zeros_like(dfdx)
    state["t"] += 1

    state["m"].mul_(beta1).add_(dfdx, alpha=1 - beta1)
    # u = max(beta2 * u, |g| + eps)
    state["u"].copy_(pyt.maximum(state["u"].mul_(beta2), dfdx.abs().add_(eps)))

    step = lr / (1 - beta1 ** state["t"])
    x.addcdiv_(state["m"], state["u"], value=-step)
    return x, [fx]
