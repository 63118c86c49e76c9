"""FunctionalModule: a module whose backward comes from pyt's autograd over its forward."""
import pyt

from .Module import Module


class FunctionalModule(Module):
    """Subclasses define ``_function(input, *params)`` with pyt ops (and may check input
    in ``_check_input``). One autograd pass gives gradInput and the parameter gradients;
    ``backward`` therefore costs a single pass, and ``accGradParameters`` right after
    ``updateGradInput`` on the same tensors reuses it."""

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

    def _run_backward(self, input, gradOutput):
        table = isinstance(input, (list, tuple))
        inputs = list(input) if table else [input]
        n = len(inputs)
        params = self._params()

        def fn(*args):
            return self._function(list(args[:n]) if table else args[0], *args[n:])

        grads = self._autograd(fn, inputs, params, gradOutput)
        grads = [pyt.zeros_like(t) if g is None else g for g, t in zip(grads, inputs + params)]
        self.gradInput = grads[:n] if table else grads[0]
        self._pending = (input, gradOutput, grads[n:])
        return self.gradInput

    def updateGradInput(self, input, gradOutput):
        self._check_input(input)
        return self._run_backward(input, gradOutput)

    def accGradParameters(self, input, gradOutput, scale=1):
        if not self._params():
            return
        pending = getattr(self, "_pending", None)
        if pending is None or pending[0] is not input or pending[1] is not gradOutput:
            self._run_backward(input, gradOutput)
            pending = self._pending
        self._pending = None
        grads = iter(pending[2])
        for p, g in self._parameter_names:
            if getattr(self, p, None) is not None:
                getattr(self, g).add_(next(grads), alpha=scale)

    def clearState(self):
        self._pending = None
        return super().clearState()
