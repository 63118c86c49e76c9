"""SoftSign: x / (1 + |x|)."""
from .Module import Module


class SoftSign(Module):
    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input / (1 + input.abs())
        return self.output

    def updateGradInput(self, input, gradOutput):
        d = 1 + input.abs()
        self.gradInput = gradOutput / (d * d)
        return self.gradInput
