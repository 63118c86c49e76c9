"""RAdam: Adam whose adaptive step is switched on once its variance is tractable."""
import math

import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _foreach_lists,
                        _params_with_grad, _use_foreach, _use_grad)


class RAdam(Optimizer):
    """Rectified Adam (Liu et al.): plain momentum SGD while rho_t <= 5, then rectified Adam."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_common(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            pairs = _params_with_grad(group)
            for p, _ in pairs:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _float_step()
                    state["exp_avg"] = pyt.zeros_like(p)
                    state["exp_avg_sq"] = pyt.zeros_like(p)
            if _use_foreach(group, [p for p, _ in pairs]):
                self._foreach_step(group, pairs)
                continue
            for p, grad in pairs:
                state = self.state[p]
                if group["maximize"]:
                    grad = -grad
                state["step"].add_(1)
                step = state["step"].item()
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * weight_decay)
                    else:
                        grad = grad.add(p, alpha=weight_decay)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                     / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    denom = exp_avg_sq.sqrt().add_(eps)
                    p.addcdiv_(exp_avg, denom, value=-lr * rect * math.sqrt(bias_correction2)
                               / bias_correction1)
                else:
                    p.add_(exp_avg, alpha=-lr / bias_correction1)
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's ops, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        beta1, beta2 = group["betas"]
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        rho_inf = 2 / (1 - beta2) - 1
        params, grads, states, steps = _foreach_lists(self, group, pairs)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                pyt._foreach_mul_(params, 1 - lr * weight_decay)
            else:
                grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        exp_avgs = [st["exp_avg"] for st in states]
        exp_avg_sqs = [st["exp_avg_sq"] for st in states]
        pyt._foreach_lerp_(exp_avgs, grads, 1 - beta1)
        pyt._foreach_mul_(exp_avg_sqs, beta2)
        pyt._foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2)
        # rectified (rho_t > 5) and plain-momentum tensors: two lists
        rect_p, rect_m, rect_v, rect_values = [], [], [], []
        for p, m, v, step in zip(params, exp_avgs, exp_avg_sqs, steps):
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            if rho_t > 5.0:
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                 / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                rect_p.append(p)
                rect_m.append(m)
                rect_v.append(v)
                rect_values.append(-lr * rect * math.sqrt(bias_correction2) / bias_correction1)
            else:
                p.add_(m, alpha=-lr / bias_correction1)
        if rect_p:
            denom = pyt._foreach_sqrt(rect_v)
            pyt._foreach_add_(denom, eps)
            pyt._foreach_addcdiv_(rect_p, rect_m, denom, rect_values)
