"""ASGD: SGD with a decaying step and a running (Polyak) average of the iterates."""
import pyt

from .optimizer import Optimizer, _check_common, _float_step, _params_with_grad, _use_grad


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky); the average is in state['ax'], averaging starts
    after t0 steps."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_common(lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
            weight_decay = group["weight_decay"]
            for p, grad in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _float_step()
                    # eta and mu are float32 0-d tensors in torch: their rounding is part
                    # of the trajectory.
                    state["eta"] = pyt.tensor(float(lr), dtype=pyt.float32)
                    state["mu"] = pyt.ones((), dtype=pyt.float32)
                    state["ax"] = pyt.zeros_like(p)
                if group["maximize"]:
                    grad = -grad
                state["step"].add_(1)
                step = state["step"].item()
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                eta = state["eta"].item()
                p.mul_(1 - lambd * eta).add_(grad, alpha=-eta)
                ax, mu = state["ax"], state["mu"].item()
                if mu != 1:
                    ax.add_(p.sub(ax).mul_(mu))
                else:
                    ax.copy_(p)
                state["eta"].fill_(lr / ((1 + lambd * lr * step) ** alpha))
                state["mu"].fill_(1 / max(1, step - t0))
        return loss
