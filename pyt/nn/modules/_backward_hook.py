"""Full backward hooks of a Module: identity autograd Functions around the module's
tensor inputs and outputs see the gradients flowing through them."""
from pyt._ext.tensor import Tensor
from pyt.autograd.function import Function
from pyt.autograd.grad_mode import is_grad_enabled


class _GradientTap(Function):
    """Identity on its tensors; its backward passes their gradients through ``tap``."""

    @staticmethod
    def forward(ctx, tap, *tensors):
        ctx.tap = tap
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.tap(grads))


class BackwardHook:
    """One forward call's hook state: the grad_output seen at the outputs is kept
    until the gradients reach the inputs, where the full backward hooks run."""

    def __init__(self, module):
        self.module = module
        self.grad_output = None
        self.n_inputs = 0
        self.inputs_tapped = False

    def wrap_inputs(self, args):
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(positions)
        if not (is_grad_enabled() and any(args[i].requires_grad for i in positions)):
            return args
        self.needs_grad = [args[i].requires_grad for i in positions]
        tapped = _GradientTap.apply(self._at_inputs, *[args[i] for i in positions])
        self.inputs_tapped = True
        args = list(args)
        for i, t in zip(positions, tapped):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, result):
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not isinstance(outputs, tuple) or not is_grad_enabled():
            return result
        positions = [i for i, o in enumerate(outputs)
                     if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return result
        tapped = _GradientTap.apply(self._at_outputs, *[outputs[i] for i in positions])
        outputs = list(outputs)
        for i, t in zip(positions, tapped):
            outputs[i] = t
        return outputs[0] if single else tuple(outputs)

    def _at_outputs(self, grads):
        for hook in self.module._backward_pre_hooks.values():
            result = hook(self.module, grads)
            if result is not None:
                result = result if isinstance(result, tuple) else (result,)
                if len(result) != len(grads):
                    raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(result)}, but expected "
                                       f"{len(grads)}")
                grads = result
        self.grad_output = grads
        if not self.inputs_tapped:      # no input needs a gradient: the hooks run now
            self._run_hooks(tuple(None for _ in range(self.n_inputs)))
        return grads

    def _at_inputs(self, grads):
        grads = tuple(g if need else None for g, need in zip(grads, self.needs_grad))
        return self._run_hooks(grads)

    def _run_hooks(self, grad_input):
        for hook in self.module._backward_hooks.values():
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = result if isinstance(result, tuple) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of "
                                       f"grad_input, got {len(result)}, but expected "
                                       f"{len(grad_input)}")
                grad_input = result
        return grad_input
