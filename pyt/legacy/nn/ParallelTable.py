"""ParallelTable: module i is applied to the i-th entry of a table input."""
from .Container import Container


class ParallelTable(Container):
    def updateOutput(self, input):
        self._check_table(input, len(self.modules))
        self.output = [m.updateOutput(x) for m, x in zip(self.modules, input)]
        return self.output

    def updateGradInput(self, input, gradOutput):
        self._check_table(gradOutput, len(self.modules))
        self.gradInput = [m.updateGradInput(x, g)
                          for m, x, g in zip(self.modules, input, gradOutput)]
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        for m, x, g in zip(self.modules, input, gradOutput):
            m.accGradParameters(x, g, scale)

    def backward(self, input, gradOutput, scale=1):
        self._check_table(gradOutput, len(self.modules))
        self.gradInput = [m.backward(x, g, scale)
                          for m, x, g in zip(self.modules, input, gradOutput)]
        return self.gradInput

    def __repr__(self):
        return self._repr_children("nn.ParallelTable")
