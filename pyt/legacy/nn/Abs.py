"""Abs: |x|."""
from .Module import Module


class Abs(Module):
    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input.abs()
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput * input.sign()
        return self.gradInput
