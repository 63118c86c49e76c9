"""AdaGrad, as Lua's optim.adagrad."""
import pyt

from ._state import config_and_state


def adagrad(opfunc, x, config=None, state=None):
    """One AdaGrad step on `x` (in place); returns `(x, [f(x)])`.

    config: learningRate (1e-3), learningRateDecay (0), weightDecay (0). state keeps
    evalCounter and paramVariance (the running sum of squared gradients).
    """
    config, state = config_and_state(config, state)
    lr = config.get("learningRate", 1e-3)
    lrd = config.get("learningRateDecay", 0)
    wd = config.get("weightDecay", 0)
    state.setdefault("evalCounter", 0)

    fx, dfdx = opfunc(x)
    if wd != 0:
        dfdx.add_(x, alpha=wd)

    clr = lr / (1 + state["evalCounter"] * lrd)
    if "paramVariance" not in state:
        state["paramVariance"] = pyt.zeros_like(dfdx)
        state["paramStd"] = pyt.zeros_like(dfdx)
    state["paramVariance"].addcmul_(dfdx, dfdx)
    state["paramStd"].copy_(state["paramVariance"]).sqrt_().add_(1e-10)
    x.addcdiv_(dfdx, state["paramStd"], value=-clr)

    state["evalCounter"] += 1
    return x, [fx]
