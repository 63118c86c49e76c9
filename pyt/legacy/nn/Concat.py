"""Concat: every module sees the same input; outputs are joined along a dimension."""
import pyt

from .Container import Container, _add_tables


class Concat(Container):
    def __init__(self, dimension, *modules):
        super().__init__(*modules)
        self.dimension = dimension
        self._sizes = []

    def updateOutput(self, input):
        outputs = [m.updateOutput(input) for m in self.modules]
        self._sizes = [o.shape[self.dimension] for o in outputs]
        self.output = pyt.cat(outputs, self.dimension)
        return self.output

    def _slices(self, gradOutput):
        offset = 0
        for m, size in zip(self.modules, self._sizes):
            yield m, gradOutput.narrow(self.dimension, offset, size)
            offset += size

    def _sum_grads(self, grads):
        total = None
        for g in grads:
            total = g if total is None else _add_tables(total, g)
        return total

    def updateGradInput(self, input, gradOutput):
        self.gradInput = self._sum_grads(m.updateGradInput(input, g)
                                         for m, g in self._slices(gradOutput))
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        for m, g in self._slices(gradOutput):
            m.accGradParameters(input, g, scale)

    def backward(self, input, gradOutput, scale=1):
        self.gradInput = self._sum_grads(m.backward(input, g, scale)
                                         for m, g in self._slices(gradOutput))
        return self.gradInput

    def __repr__(self):
        return self._repr_children(f"nn.{type(self).__name__}({self.dimension})")
