"""RMSprop, as Lua's optim.rmsprop."""
import pyt

from ._state import config_and_state


def rmsprop(opfunc, x, config=None, state=None):
    """One RMSprop step on `x` (in place); returns `(x, [f(x)])`.

    config: learningRate (1e-2), alpha (0.99), epsilon (1e-8), weightDecay (0),
    initialMean (0, the starting value of the mean square). state keeps m.
    """
    config, state = config_and_state(config, state)
    lr = config.get("learningRate", 1e-2)
    alpha = config.get("alpha", 0.99)
    eps = config.get("epsilon", 1e-8)
    wd = config.get("weightDecay", 0)
    mfill = config.get("initialMean", 0)

    fx, dfdx = opfunc(x)
    if wd != 0:
        dfdx.add_(x, alpha=wd)

    if "m" not in state:
        state["m"] = pyt.full_like(dfdx, mfill)
        state["tmp"] = pyt.zeros_like(dfdx)
    state["m"].mul_(alpha).addcmul_(dfdx, dfdx, value=1 - alpha)
    state["tmp"].copy_(state["m"]).sqrt_().add_(eps)
    x.addcdiv_(dfdx, state["tmp"], value=-lr)
    return x, [fx]
