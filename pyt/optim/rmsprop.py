"""RMSprop: divide the gradient by a running root-mean-square of past gradients."""
import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _foreach_lists,
                        _params_with_grad, _use_foreach, _use_grad)


class RMSprop(Optimizer):
    """RMSprop (Hinton), optionally centered (subtracting the squared mean gradient) and
    with momentum."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_common(lr=lr, eps=eps)
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        _check_common(weight_decay=weight_decay)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _float_step()
            state["square_avg"] = pyt.zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = pyt.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = pyt.zeros_like(p)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            momentum, weight_decay = group["momentum"], group["weight_decay"]
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
                    grad = grad.add(p, alpha=weight_decay)
                square_avg = state["square_avg"]
                square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                if group["centered"]:
                    grad_avg = state["grad_avg"]
                    grad_avg.lerp_(grad, 1 - alpha)
                    avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_().add_(eps)
                else:
                    avg = square_avg.sqrt().add_(eps)
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf.mul_(momentum).addcdiv_(grad, avg)
                    p.add_(buf, alpha=-lr)
                else:
                    p.addcdiv_(grad, avg, value=-lr)
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's ops, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        params, grads, states, _ = _foreach_lists(self, group, pairs)
        if weight_decay != 0:
            grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        square_avgs = [st["square_avg"] for st in states]
        pyt._foreach_mul_(square_avgs, alpha)
        pyt._foreach_addcmul_(square_avgs, grads, grads, 1 - alpha)
        if group["centered"]:
            grad_avgs = [st["grad_avg"] for st in states]
            pyt._foreach_lerp_(grad_avgs, grads, 1 - alpha)
            avg = pyt._foreach_addcmul(square_avgs, grad_avgs, grad_avgs, -1)
            pyt._foreach_sqrt_(avg)
        else:
            avg = pyt._foreach_sqrt(square_avgs)
        pyt._foreach_add_(avg, eps)
        if momentum > 0:
            bufs = [st["momentum_buffer"] for st in states]
            pyt._foreach_mul_(bufs, momentum)
            pyt._foreach_addcdiv_(bufs, grads, avg)
            pyt._foreach_add_(params, bufs, alpha=-lr)
        else:
            pyt._foreach_addcdiv_(params, grads, avg, -lr)
