"""Log: the natural logarithm."""
from .Module import Module


class Log(Module):
    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input.log()
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput / input
        return self.gradInput
