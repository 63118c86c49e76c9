"""Sigmoid: 1 / (1 + exp(-x)), elementwise."""
from .Module import Module


class Sigmoid(Module):
    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input.sigmoid()
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput * self.output * (1 - self.output)
        return self.gradInput
