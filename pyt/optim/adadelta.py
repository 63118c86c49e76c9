"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _foreach_lists,
                        _params_with_grad, _use_foreach, _use_grad)


class Adadelta(Optimizer):
    """Adadelta (Zeiler): delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * grad."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_common(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_common(eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, capturable=capturable, foreach=foreach,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            weight_decay = group["weight_decay"]
            pairs = _params_with_grad(group)
            for p, _ in pairs:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _float_step()
                    state["square_avg"] = pyt.zeros_like(p)
                    state["acc_delta"] = pyt.zeros_like(p)
            if _use_foreach(group, [p for p, _ in pairs]):
                self._foreach_step(group, pairs)
                continue
            for p, grad in pairs:
                state = self.state[p]
                state["step"].add_(1)
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
                std = square_avg.add(eps).sqrt_()
                delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
                acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                p.add_(delta, alpha=-lr)
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's ops, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        weight_decay = group["weight_decay"]
        params, grads, states, _ = _foreach_lists(self, group, pairs)
        if weight_decay != 0:
            grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        square_avgs = [st["square_avg"] for st in states]
        acc_deltas = [st["acc_delta"] for st in states]
        pyt._foreach_mul_(square_avgs, rho)
        pyt._foreach_addcmul_(square_avgs, grads, grads, 1 - rho)
        std = pyt._foreach_add(square_avgs, eps)
        pyt._foreach_sqrt_(std)
        deltas = pyt._foreach_add(acc_deltas, eps)
        pyt._foreach_sqrt_(deltas)
        pyt._foreach_div_(deltas, std)
        pyt._foreach_mul_(deltas, grads)
        pyt._foreach_mul_(acc_deltas, rho)
        pyt._foreach_addcmul_(acc_deltas, deltas, deltas, 1 - rho)
        pyt._foreach_add_(params, deltas, alpha=-lr)
