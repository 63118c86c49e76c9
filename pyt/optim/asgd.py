"""ASGD: SGD with a decaying step and a running (Polyak) average of the iterates."""
import pyt

from .optimizer import (Optimizer, _check_common, _float_step, _foreach_lists,
                        _params_with_grad, _use_foreach, _use_grad)


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky); the average is in state['ax'], averaging starts
    after t0 steps."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_common(lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
            weight_decay = group["weight_decay"]
            pairs = _params_with_grad(group)
            for p, _ in pairs:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _float_step()
                    # eta and mu are float32 0-d tensors in torch: their rounding is part
                    # of the trajectory.
                    state["eta"] = pyt.tensor(float(lr), dtype=pyt.float32)
                    state["mu"] = pyt.ones((), dtype=pyt.float32)
                    state["ax"] = pyt.zeros_like(p)
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
                    grad = grad.add(p, alpha=weight_decay)
                eta = state["eta"].item()
                p.mul_(1 - lambd * eta).add_(grad, alpha=-eta)
                ax, mu = state["ax"], state["mu"].item()
                if mu != 1:
                    ax.add_(p.sub(ax).mul_(mu))
                else:
                    ax.copy_(p)
                state["eta"].fill_(lr / ((1 + lambd * lr * step) ** alpha))
                state["mu"].fill_(1 / max(1, step - t0))
        return loss

    def _foreach_step(self, group, pairs):
        """The loop's ops, each over the whole list (so the results are the loop's)."""
        if not pairs:
            return
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        weight_decay = group["weight_decay"]
        params, grads, states, steps = _foreach_lists(self, group, pairs)
        if weight_decay != 0:
            grads = pyt._foreach_add(grads, params, alpha=weight_decay)
        etas = [st["eta"].item() for st in states]
        pyt._foreach_mul_(params, [1 - lambd * eta for eta in etas])
        if all(eta == etas[0] for eta in etas):
            pyt._foreach_add_(params, grads, alpha=-etas[0])
        else:
            for p, g, eta in zip(params, grads, etas):
                p.add_(g, alpha=-eta)
        axs, mus = [st["ax"] for st in states], [st["mu"].item() for st in states]
        if all(mu == 1 for mu in mus):
            pyt._foreach_copy_(axs, params)
        else:
            for p, ax, mu in zip(params, axs, mus):
                if mu != 1:
                    ax.add_(p.sub(ax).mul_(mu))
                else:
                    ax.copy_(p)
        for st, step in zip(states, steps):
            st["eta"].fill_(lr / ((1 + lambd * lr * step) ** alpha))
            st["mu"].fill_(1 / max(1, step - t0))
