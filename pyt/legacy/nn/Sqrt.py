"""Sqrt: sqrt(x + eps)."""
from .Module import Module


class Sqrt(Module):
    def __init__(self, b=0, eps=0):
        super().__init__()
        self.eps = b or eps

    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = (input + self.eps).sqrt() if self.eps else input.sqrt()
        return self.output

    def updateGradInput(self, input, gradOutput):
        # a zero output gives a zero gradient, as Lua's kernel does
        self.gradInput = (gradOutput * 0.5 / self.output).masked_fill(self.output == 0, 0)
        return self.gradInput
