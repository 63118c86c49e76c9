"""ConcatTable: every module sees the same input; the output is the table of outputs."""
from .Container import Container, _add_tables


class ConcatTable(Container):
    def updateOutput(self, input):
        self.output = [m.updateOutput(input) for m in self.modules]
        return self.output

    def _gather(self, grads):
        total = None
        for g in grads:
            total = g if total is None else _add_tables(total, g)
        return total

    def updateGradInput(self, input, gradOutput):
        self._check_table(gradOutput, len(self.modules))
        self.gradInput = self._gather(m.updateGradInput(input, g)
                                      for m, g in zip(self.modules, gradOutput))
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        for m, g in zip(self.modules, gradOutput):
            m.accGradParameters(input, g, scale)

    def backward(self, input, gradOutput, scale=1):
        self._check_table(gradOutput, len(self.modules))
        self.gradInput = self._gather(m.backward(input, g, scale)
                                      for m, g in zip(self.modules, gradOutput))
        return self.gradInput

    def __repr__(self):
        return self._repr_children("nn.ConcatTable")
