"""Tanh: the hyperbolic tangent, elementwise."""
from .Module import Module


class Tanh(Module):
    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input.tanh()
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput * (1 - self.output * self.output)
        return self.gradInput
