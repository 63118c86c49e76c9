"""Power: x ** p."""
from .Module import Module


class Power(Module):
    def __init__(self, p):
        super().__init__()
        self.pow = p

    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input.pow(self.pow)
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput * input.pow(self.pow - 1) * self.pow
        return self.gradInput
