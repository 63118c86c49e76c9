"""Stochastic gradient descent, as Lua's optim.sgd."""
from ._state import config_and_state


def sgd(opfunc, x, config=None, state=None):
    """One SGD step on `x` (updated in place); returns `(x, [f(x) before the step])`.

    config: learningRate (1e-3), learningRateDecay (0), weightDecay (0), weightDecays
    (a tensor of per-element decays), momentum (0), dampening (= momentum), nesterov
    (False), learningRates (a tensor of per-element rates). The step count and momentum
    buffer live in `state` (`config` when state is None).
    """
    config, state = config_and_state(config, state)
    lr = config.get("learningRate", 1e-3)
    lrd = config.get("learningRateDecay", 0)
    wd = config.get("weightDecay", 0)
    mom = config.get("momentum", 0)
    damp = config.get("dampening", mom)
    nesterov = config.get("nesterov", False)
    lrs = config.get("learningRates")
    wds = config.get("weightDecays")
    state.setdefault("evalCounter", 0)
    if nesterov and (mom <= 0 or damp != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    fx, dfdx = opfunc(x)

    if wd != 0:
        dfdx.add_(x, alpha=wd)
    elif wds is not None:
        if "decayParameters" not in state:
            state["decayParameters"] = dfdx.clone()
        state["decayParameters"].copy_(wds).mul_(x)
        dfdx.add_(state["decayParameters"])

    if mom != 0:
        if "dfdx" not in state:
            state["dfdx"] = dfdx.clone()
        else:
            state["dfdx"].mul_(mom).add_(dfdx, alpha=1 - damp)
        if nesterov:
            dfdx.add_(state["dfdx"], alpha=mom)
        else:
            dfdx = state["dfdx"]

    # Annealing: the rate falls as 1 / (1 + n * decay) with the evaluation count n.
    clr = lr / (1 + state["evalCounter"] * lrd)

    if lrs is not None:
        if "deltaParameters" not in state:
            state["deltaParameters"] = dfdx.clone()
        state["deltaParameters"].copy_(lrs).mul_(dfdx)
        x.add_(state["deltaParameters"], alpha=-clr)
    else:
        x.add_(dfdx, alpha=-clr)

    state["evalCounter"] += 1
    return x, [fx]
