"""Stochastic gradient descent, with momentum (heavy-ball or Nesterov)."""
import pyt

from .optimizer import Optimizer, _check_common, _params_with_grad, _use_foreach, _use_grad


class SGD(Optimizer):
    """p -= lr * (grad + weight_decay * p), with an optional momentum buffer."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check_common(lr=lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        _check_common(weight_decay=weight_decay)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay = group["weight_decay"]
            pairs = _params_with_grad(group)
            if _use_foreach(group, [p for p, _ in pairs]):
                self._foreach_step(group, pairs)
                continue
            for p, grad in pairs:
                d_p = -grad if group["maximize"] else grad
                if weight_decay != 0:
                    d_p = d_p.add(p, alpha=weight_decay)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = d_p.clone().detach()
                    else:
                        buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
                    d_p = d_p.add(buf, alpha=momentum) if group["nesterov"] else buf
                p.add_(d_p, alpha=-lr)
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's step over all tensors at once: one fused kernel on CUDA, else the
        same ops as the loop, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        params, grads = [p for p, _ in pairs], [g for _, g in pairs]
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], \
            group["maximize"]
        bufs = new = None
        if momentum != 0:
            bufs, new = [], []
            for p, g in pairs:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                new.append(buf is None)
                if buf is None:
                    buf = state["momentum_buffer"] = pyt.zeros(g.shape, dtype=g.dtype,
                                                               device=g.device)
                bufs.append(buf)
        if pyt._foreach._fused_sgd(params, grads, bufs, new, lr, momentum, dampening,
                                   weight_decay, nesterov, maximize):
            return
        if maximize:
            grads = pyt._foreach_neg(grads)
        if weight_decay != 0:
            grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        if momentum != 0:
            if not any(new):
                pyt._foreach_mul_(bufs, momentum)
                pyt._foreach_add_(bufs, grads, alpha=1 - dampening)
            else:
                for buf, fresh, g in zip(bufs, new, grads):
                    if fresh:
                        buf.copy_(g)
                    else:
                        buf.mul_(momentum).add_(g, alpha=1 - dampening)
            grads = pyt._foreach_add(grads, bufs, alpha=momentum) if nesterov else bufs
        pyt._foreach_add_(params, grads, alpha=-lr)
