"""Adam: moment estimates of the gradient and of its square, bias-corrected."""
import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _params_with_grad, _use_foreach,
                        _use_grad)


class Adam(Optimizer):
    """Adam (Kingma & Ba), with optional AMSGrad and decoupled (AdamW) weight decay."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_common(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("decoupled_weight_decay", False)

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _float_step()
            state["exp_avg"] = pyt.zeros_like(p)
            state["exp_avg_sq"] = pyt.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = pyt.zeros_like(p)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            pairs = _params_with_grad(group)
            for p, _ in pairs:
                self._init_state(p, group)
            if _use_foreach(group, [p for p, _ in pairs]):
                self._foreach_step(group, pairs)
                continue
            for p, grad in pairs:
                state = self.state[p]
                if group["maximize"]:
                    grad = -grad
                state["step"].add_(1)
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * weight_decay)
                    else:
                        grad = grad.add(p, alpha=weight_decay)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                step = state["step"].item()
                bias_correction1 = 1 - beta1 ** step
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                if group["amsgrad"]:
                    max_sq = state["max_exp_avg_sq"]
                    max_sq.copy_(pyt.maximum(max_sq, exp_avg_sq))
                    second = max_sq
                else:
                    second = exp_avg_sq
                denom = (second.sqrt() / bias_correction2_sqrt).add_(eps)
                p.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's step over all tensors at once: one fused kernel on CUDA, else the
        loop's ops, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        beta1, beta2 = group["betas"]
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        params, grads = [p for p, _ in pairs], [g for _, g in pairs]
        states = [self.state[p] for p in params]
        exp_avgs = [st["exp_avg"] for st in states]
        exp_avg_sqs = [st["exp_avg_sq"] for st in states]
        max_sqs = [st["max_exp_avg_sq"] for st in states] if group["amsgrad"] else None
        steps = [st["step"] for st in states]
        pyt._foreach_add_(steps, 1)
        steps = [s.item() for s in steps]
        bias_correction1 = [1 - beta1 ** s for s in steps]
        bias_correction2_sqrt = [(1 - beta2 ** s) ** 0.5 for s in steps]
        decoupled = group["decoupled_weight_decay"]
        if pyt._foreach._fused_adam(params, grads, exp_avgs, exp_avg_sqs, max_sqs,
                                    bias_correction1, bias_correction2_sqrt, beta1, beta2,
                                    lr, eps, weight_decay, decoupled, group["maximize"]):
            return
        if group["maximize"]:
            grads = pyt._foreach_neg(grads)
        if weight_decay != 0:
            if decoupled:
                pyt._foreach_mul_(params, 1 - lr * weight_decay)
            else:
                grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        pyt._foreach_lerp_(exp_avgs, grads, 1 - beta1)
        pyt._foreach_mul_(exp_avg_sqs, beta2)
        pyt._foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2)
        if max_sqs is not None:
            pyt._foreach_maximum_(max_sqs, exp_avg_sqs)
        denom = pyt._foreach_sqrt(exp_avg_sqs if max_sqs is None else max_sqs)
        pyt._foreach_div_(denom, bias_correction2_sqrt)
        pyt._foreach_add_(denom, eps)
        pyt._foreach_addcdiv_(params, exp_avgs, denom, [-lr / bc for bc in bias_correction1])
