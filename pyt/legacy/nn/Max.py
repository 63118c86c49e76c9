"""Max: the maximum over ``dimension``; the gradient goes to the arg max."""
import pyt

from .Sum import Sum


class Max(Sum):
    _reduce = "max"

    def __init__(self, dimension=0, nInputDims=None):
        super().__init__(dimension, nInputDims)
        self._indices = None
        self._buffers = ("_indices",)

    def updateOutput(self, input):
        d = self._dim(input)
        values, self._indices = getattr(input, self._reduce)(d, keepdim=True)
        self.output = values.squeeze(d)
        return self.output

    def updateGradInput(self, input, gradOutput):
        d = self._dim(input)
        grad = pyt.zeros_like(input)
        grad.scatter_(d, self._indices, gradOutput.unsqueeze(d))
        self.gradInput = grad
        return self.gradInput
