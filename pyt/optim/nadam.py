"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule (Dozat)."""
import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _foreach_lists,
                        _params_with_grad, _use_foreach, _use_grad)


class NAdam(Optimizer):
    """Adam whose step mixes the current gradient and the next momentum (mu_t schedule)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_common(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            momentum_decay = group["momentum_decay"]
            pairs = _params_with_grad(group)
            for p, _ in pairs:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _float_step()
                    # The running product of the mu_t, kept in float32 like torch.
                    state["mu_product"] = pyt.ones((), dtype=pyt.float32)
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
                bias_correction2 = 1 - beta2 ** step
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * weight_decay)
                    else:
                        grad = grad.add(p, alpha=weight_decay)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                mu_product = state["mu_product"].mul_(mu).item()
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = exp_avg_sq.div(bias_correction2).sqrt_().add_(eps)
                p.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
                p.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product * mu_next))
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's ops, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        beta1, beta2 = group["betas"]
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        momentum_decay = group["momentum_decay"]
        params, grads, states, steps = _foreach_lists(self, group, pairs)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                pyt._foreach_mul_(params, 1 - lr * weight_decay)
            else:
                grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        mus = [beta1 * (1.0 - 0.5 * 0.96 ** (s * momentum_decay)) for s in steps]
        mu_nexts = [beta1 * (1.0 - 0.5 * 0.96 ** ((s + 1) * momentum_decay)) for s in steps]
        mu_products = [st["mu_product"] for st in states]
        pyt._foreach_mul_(mu_products, mus)
        mu_products = [m.item() for m in mu_products]
        exp_avgs = [st["exp_avg"] for st in states]
        exp_avg_sqs = [st["exp_avg_sq"] for st in states]
        pyt._foreach_lerp_(exp_avgs, grads, 1 - beta1)
        pyt._foreach_mul_(exp_avg_sqs, beta2)
        pyt._foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2)
        denom = pyt._foreach_div(exp_avg_sqs, [1 - beta2 ** s for s in steps])
        pyt._foreach_sqrt_(denom)
        pyt._foreach_add_(denom, eps)
        pyt._foreach_addcdiv_(params, grads, denom,
                              [-lr * (1.0 - mu) / (1.0 - mp) for mu, mp in zip(mus, mu_products)])
        pyt._foreach_addcdiv_(params, exp_avgs, denom,
                              [-lr * mn / (1.0 - mp * mn) for mn, mp in zip(mu_nexts, mu_products)])
