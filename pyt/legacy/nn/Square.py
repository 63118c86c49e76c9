"""Square: x * x."""
from .Module import Module


class Square(Module):
    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input * input
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput * input * 2
        return self.gradInput
