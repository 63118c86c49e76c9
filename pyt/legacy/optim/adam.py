"""Adam (Kingma & Ba, 2014), as Lua's optim.adam."""
import math

import pyt

from ._state import config_and_state


def adam(opfunc, x, config=None, state=None):
    """One Adam step on `x` (in place); returns `(x, [f(x)])`.

    config: learningRate (1e-3), learningRateDecay (0), beta1 (0.9), beta2 (0.999),
    epsilon (1e-8), weightDecay (0). state keeps t, m, v.
    """
    config, state = config_and_state(config, state)
    lr = config.get("learningRate", 1e-3)
    lrd = config.get("learningRateDecay", 0)
    beta1 = config.get("beta1", 0.9)
    beta2 = config.get("beta2", 0.999)
    eps = config.get("epsilon", 1e-8)
    wd = config.get("weightDecay", 0)

    fx, dfdx = opfunc(x)
    if wd != 0:
        dfdx.add_(x, alpha=wd)

    state.setdefault("t", 0)
    if "m" not in state:
        state["m"] = pyt.zeros_like(dfdx)
        state["v"] = pyt.zeros_like(dfdx)
        state["denom"] = pyt.zeros_like(dfdx)

    clr = lr / (1 + state["t"] * lrd)
    state["t"] += 1
    t = state["t"]

    state["m"].mul_(beta1).add_(dfdx, alpha=1 - beta1)
    state["v"].mul_(beta2).addcmul_(dfdx, dfdx, value=1 - beta2)
    state["denom"].copy_(state["v"]).sqrt_().add_(eps)

    # Bias corrections folded into the step size (eps stays uncorrected, as in Lua).
    step = clr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    x.addcdiv_(state["m"], state["denom"], value=-step)
    return x, [fx]
