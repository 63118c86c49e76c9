"""Exp: exp(x)."""
from .Module import Module


class Exp(Module):
    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input.exp()
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput * self.output
        return self.gradInput
