"""AdaDelta (Zeiler, 2012), as Lua's optim.adadelta."""
import pyt

from ._state import config_and_state


def adadelta(opfunc, x, config=None, state=None):
    """One AdaDelta step on `x` (in place); returns `(x, [f(x)])`.

    config: rho (0.9), eps (1e-6), weightDecay (0). No learning rate: the step is
    sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g.
    """
    config, state = config_and_state(config, state)
    rho = config.get("rho", 0.9)
    eps = config.get("eps", 1e-6)
    wd = config.get("weightDecay", 0)
    state.setdefault("evalCounter", 0)

    fx, dfdx = opfunc(x)
    if wd != 0:
        dfdx.add_(x, alpha=wd)

    if "paramVariance" not in state:
        for name in ("paramVariance", "paramStd", "delta", "accDelta"):
            state[name] = pyt.zeros_like(dfdx)
    state["paramVariance"].mul_(rho).addcmul_(dfdx, dfdx, value=1 - rho)
    state["paramStd"].copy_(state["paramVariance"]).add_(eps).sqrt_()
    state["delta"].copy_(state["accDelta"]).add_(eps).sqrt_() \
        .div_(state["paramStd"]).mul_(dfdx)
    x.sub_(state["delta"])
    state["accDelta"].mul_(rho).addcmul_(state["delta"], state["delta"], value=1 - rho)

    state["evalCounter"] += 1
    return x, [fx]
