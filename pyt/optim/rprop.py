"""Rprop: per-coordinate step sizes that grow or shrink with the gradient's sign."""
import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _foreach_lists,
                        _params_with_grad, _use_foreach, _use_grad)


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
            pairs = _params_with_grad(group)
            for p, grad in pairs:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _float_step()
                    state["prev"] = pyt.zeros_like(p)
                    state["step_size"] = pyt.full_like(grad, group["lr"])
            if _use_foreach(group, [p for p, _ in pairs]):
                self._foreach_step(group, pairs)
                continue
            for p, grad in pairs:
                state = self.state[p]
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

    def _foreach_step(self, group, pairs):
        """The loop's ops, each over the whole list where torch has a list op (so the
        results are the loop's)."""
        if not pairs:
            return
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        params, grads, states, _ = _foreach_lists(self, group, pairs)
        prevs, step_sizes = [st["prev"] for st in states], [st["step_size"] for st in states]
        agreements = pyt._foreach_mul(grads, prevs)
        factors = [pyt.where(a > 0, etaplus, pyt.where(a < 0, etaminus, pyt.ones_like(g)))
                   for a, g in zip(agreements, grads)]
        pyt._foreach_mul_(step_sizes, factors)
        for s in step_sizes:
            s.clamp_(step_size_min, step_size_max)
        grads = [pyt.where(a < 0, 0.0, g) for a, g in zip(agreements, grads)]
        pyt._foreach_addcmul_(params, pyt._foreach_sign(grads), step_sizes, -1)
        pyt._foreach_copy_(prevs, grads)
