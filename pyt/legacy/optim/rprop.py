"""Resilient backpropagation (Riedmiller & Braun, 1993), as Lua's optim.rprop."""
import pyt

from ._state import config_and_state


def rprop(opfunc, x, config=None, state=None):
    """`niter` Rprop steps on `x` (in place); returns `(x, [f(x) of each step])`.

    Each element keeps its own step size: times etaplus while its gradient keeps its
    sign, times etaminus when it flips (and that element's gradient is then ignored
    once), clamped to [stepsizemin, stepsizemax]; x moves by -sign(g) * step size.
    config: stepsize (0.1), etaplus (1.2), etaminus (0.5), stepsizemax (50),
    stepsizemin (1e-6), niter (1).
    """
    config, state = config_and_state(config, state)
    stepsize = config.get("stepsize", 0.1)
    etaplus = config.get("etaplus", 1.2)
    etaminus = config.get("etaminus", 0.5)
    stepsizemax = config.get("stepsizemax", 50.0)
    stepsizemin = config.get("stepsizemin", 1e-6)
    niter = config.get("niter", 1)

    history = []
    for _ in range(niter):
        fx, dfdx = opfunc(x)
        if "delta" not in state:
            state["delta"] = pyt.zeros_like(dfdx)
            state["stepsize"] = pyt.full_like(dfdx, stepsize)

        # Sign of g_t * g_{t-1}: +1 grow, -1 shrink, 0 keep.
        agreement = pyt.sign(dfdx * state["delta"])
        factor = pyt.full_like(dfdx, 1.0)
        factor.masked_fill_(agreement > 0, etaplus)
        flipped = agreement < 0
        factor.masked_fill_(flipped, etaminus)
        state["stepsize"].mul_(factor).clamp_(stepsizemin, stepsizemax)

        # After a sign flip the element does not move this time (its gradient counts 0).
        dfdx.masked_fill_(flipped, 0)
        x.addcmul_(pyt.sign(dfdx), state["stepsize"], value=-1)
        state["delta"].copy_(dfdx)
        history.append(fx)
    return x, history
