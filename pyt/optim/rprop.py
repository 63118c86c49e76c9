"""Rprop: per-coordinate step sizes that grow or shrink with the gradient's sign."""
import pyt

from .optimizer import Optimizer, _check_common, _float_step, _params_with_grad, _use_grad


class Rprop(Optimizer):
    """Resilient backpropagation: only the sign of the gradient is used."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_common(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p, grad in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _float_step()
                    state["prev"] = pyt.zeros_like(p)
                    state["step_size"] = pyt.full_like(grad, group["lr"])
                if group["maximize"]:
                    grad = -grad
                state["step"].add_(1)
                prev, step_size = state["prev"], state["step_size"]
                agreement = grad.mul(prev)
                # Same sign: grow the step; sign change: shrink it and skip this update.
                factor = pyt.where(agreement > 0, etaplus,
                                   pyt.where(agreement < 0, etaminus, pyt.ones_like(grad)))
                step_size.mul_(factor).clamp_(step_size_min, step_size_max)
                grad = pyt.where(agreement < 0, 0.0, grad)
                p.addcmul_(grad.sign(), step_size, value=-1)
                prev.copy_(grad)
        return loss
