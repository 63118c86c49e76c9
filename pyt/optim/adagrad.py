"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients."""
import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _foreach_lists,
                        _params_with_grad, _use_foreach, _use_grad)


class Adagrad(Optimizer):
    """sum += grad^2; p -= lr / (1 + (t - 1) * lr_decay) * grad / (sqrt(sum) + eps)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check_common(lr=lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        _check_common(weight_decay=weight_decay)
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        _check_common(eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)
        # Unlike the others, Adagrad's state exists from the start (torch does the same).
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = _float_step()
        state["sum"] = pyt.full_like(p, group["initial_accumulator_value"])

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay = group["weight_decay"]
            pairs = _params_with_grad(group)
            for p, _ in pairs:
                if len(self.state[p]) == 0:  # a parameter of a group added later
                    self._init_state(p, group)
            if _use_foreach(group, [p for p, _ in pairs]):
                self._foreach_step(group, pairs)
                continue
            for p, grad in pairs:
                state = self.state[p]
                state["step"].add_(1)
                step = state["step"].item()
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)
                clr = lr / (1 + (step - 1) * lr_decay)
                state["sum"].addcmul_(grad, grad, value=1)
                std = state["sum"].sqrt().add_(eps)
                p.addcdiv_(grad, std, value=-clr)
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's ops, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay = group["weight_decay"]
        params, grads, states, steps = _foreach_lists(self, group, pairs)
        if weight_decay != 0:
            grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        sums = [st["sum"] for st in states]
        pyt._foreach_addcmul_(sums, grads, grads, 1)
        std = pyt._foreach_sqrt(sums)
        pyt._foreach_add_(std, eps)
        pyt._foreach_addcdiv_(params, grads, std,
                              [-(lr / (1 + (s - 1) * lr_decay)) for s in steps])
