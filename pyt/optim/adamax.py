"""Adamax: Adam with the infinity norm in place of the second moment."""
import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _foreach_lists,
                        _params_with_grad, _use_foreach, _use_grad)


class Adamax(Optimizer):
    """exp_inf = max(beta2 * exp_inf, |grad| + eps); p -= lr / (1 - beta1^t) * m / exp_inf."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_common(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            pairs = _params_with_grad(group)
            for p, _ in pairs:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _float_step()
                    state["exp_avg"] = pyt.zeros_like(p)
                    state["exp_inf"] = pyt.zeros_like(p)
            if _use_foreach(group, [p for p, _ in pairs]):
                self._foreach_step(group, pairs)
                continue
            for p, grad in pairs:
                state = self.state[p]
                if group["maximize"]:
                    grad = -grad
                state["step"].add_(1)
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_inf.copy_(pyt.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps)))
                clr = lr / (1 - beta1 ** state["step"].item())
                p.addcdiv_(exp_avg, exp_inf, value=-clr)
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's ops, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        beta1, beta2 = group["betas"]
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        params, grads, states, steps = _foreach_lists(self, group, pairs)
        if weight_decay != 0:
            grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        exp_avgs, exp_infs = [st["exp_avg"] for st in states], [st["exp_inf"] for st in states]
        pyt._foreach_lerp_(exp_avgs, grads, 1 - beta1)
        pyt._foreach_mul_(exp_infs, beta2)
        abs_grads = pyt._foreach_abs(grads)
        pyt._foreach_add_(abs_grads, eps)
        pyt._foreach_maximum_(exp_infs, abs_grads)
        pyt._foreach_addcdiv_(params, exp_avgs, exp_infs,
                              [-(lr / (1 - beta1 ** s)) for s in steps])
