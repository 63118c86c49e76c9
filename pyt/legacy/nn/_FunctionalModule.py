"""FunctionalModule: a module whose gradients come from one call that computes the wanted
ones together (a native backward kernel, or pyt's autograd over the forward)."""
import pyt

from .Module import Module


class FunctionalModule(Module):
    """Subclasses define ``_function(input, *params)`` with pyt ops (and may check input
    in ``_check_input``); those with a native backward kernel override ``_grads``.
    ``backward`` asks for gradInput and the parameter gradients in a single pass."""

    def _function(self, input, *params):
        raise NotImplementedError

    def _check_input(self, input):
        pass

    def _params(self):
        return [getattr(self, p) for p, g in self._parameter_names
                if getattr(self, p, None) is not None]

    def updateOutput(self, input):
        self._check_input(input)
        with pyt.no_grad():
            self.output = self._function(input, *self._params())
        return self.output

    def _grads(self, input, gradOutput, want_input, want_params):
        """(gradInput or None, parameter gradients in _params order or None).

        The default differentiates ``_function`` with pyt's autograd: the forward runs
        again on detached leaves.
        """
        table = isinstance(input, (list, tuple))
        inputs = [t.detach().requires_grad_(want_input) for t in (input if table else [input])]
        params = [p.detach().requires_grad_(want_params) for p in self._params()]
        n = len(inputs)
        with pyt.enable_grad():
            out = self._function(inputs if table else inputs[0], *params)
        wanted = (inputs if want_input else []) + (params if want_params else [])
        grads = pyt.autograd.grad(out, wanted, gradOutput, allow_unused=True)
        grads = [pyt.zeros_like(t) if g is None else g for g, t in zip(grads, wanted)]
        gi = None
        if want_input:
            gi = grads[:n] if table else grads[0]
            grads = grads[n:]
        return gi, (grads if want_params else None)

    def _accumulate(self, grads, scale):
        grads = iter(grads)
        for p, g in self._parameter_names:
            if getattr(self, p, None) is not None:
                getattr(self, g).add_(next(grads), alpha=scale)

    def updateGradInput(self, input, gradOutput):
        self._check_input(input)
        self.gradInput = self._grads(input, gradOutput, True, False)[0]
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        if self._params():
            self._accumulate(self._grads(input, gradOutput, False, True)[1], scale)

    def backward(self, input, gradOutput, scale=1):
        self._check_input(input)
        has_params = bool(self._params())
        self.gradInput, grads = self._grads(input, gradOutput, True, has_params)
        if has_params:
            self._accumulate(grads, scale)
        return self.gradInput
