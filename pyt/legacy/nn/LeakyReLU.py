"""LeakyReLU: x for x > 0, negval * x otherwise."""
from .Module import Module


class LeakyReLU(Module):
    def __init__(self, negval=1 / 100, ip=False):
        super().__init__()
        self.negval = negval
        self.inplace = ip
        self._mask = None
        self._buffers = ("_mask",)

    def updateOutput(self, input):
        self._check_tensor(input)
        self._mask = input > 0
        scale = self._mask + (~self._mask) * self.negval
        self.output = input.mul_(scale) if self.inplace else input * scale
        return self.output

    def updateGradInput(self, input, gradOutput):
        scale = self._mask + (~self._mask) * self.negval
        self.gradInput = gradOutput.mul_(scale) if self.inplace else gradOutput * scale
        return self.gradInput

    def __repr__(self):
        return f"nn.LeakyReLU({self.negval})"
