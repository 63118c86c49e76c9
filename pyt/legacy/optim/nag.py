"""Nesterov's accelerated gradient (Sutskever et al., 2013), as Lua's optim.nag."""
import pyt

from ._state import config_and_state


def nag(opfunc, x, config=None, state=None):
    """One NAG step on `x` (in place); returns `(x, [f(x)])`.

    The gradient is taken at x + momentum * v (the look-ahead point), then x and the
    velocity v move by -lr * gradient. config: learningRate (1e-3), learningRateDecay (0),
    weightDecay (0), momentum (0.9, must be positive), learningRates (per element).
    """
    config, state = config_and_state(config, state)
    lr = config.get("learningRate", 1e-3)
    lrd = config.get("learningRateDecay", 0)
    wd = config.get("weightDecay", 0)
    mom = config.get("momentum", 0.9)
    lrs = config.get("learningRates")
    state.setdefault("evalCounter", 0)
    if mom <= 0:
        raise ValueError("Momentum must be positive for Nesterov Accelerated Gradient")

    if "dfdx" in state:
        x.add_(state["dfdx"], alpha=mom)      # step to the look-ahead point first
    fx, dfdx = opfunc(x)
    if wd != 0:
        dfdx.add_(x, alpha=wd)

    clr = lr / (1 + state["evalCounter"] * lrd)
    if "dfdx" not in state:
        state["dfdx"] = pyt.zeros_like(dfdx)
    else:
        state["dfdx"].mul_(mom)

    if lrs is not None:
        if "deltaParameters" not in state:
            state["deltaParameters"] = dfdx.clone()
        step = state["deltaParameters"].copy_(lrs).mul_(dfdx)
    else:
        step = dfdx
    x.add_(step, alpha=-clr)
    state["dfdx"].add_(step, alpha=-clr)

    state["evalCounter"] += 1
    return x, [fx]
