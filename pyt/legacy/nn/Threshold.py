"""Threshold: x where x > threshold, else ``val`` (``ip``: in place)."""
from .Module import Module


class Threshold(Module):
    def __init__(self, th=1e-6, v=0, ip=False):
        super().__init__()
        self.threshold = th
        self.val = v
        self.inplace = ip
        self._mask = None
        self._buffers = ("_mask",)

    def updateOutput(self, input):
        self._check_tensor(input)
        self._mask = input > self.threshold     # kept: in place, the input is overwritten
        if self.inplace:
            self.output = input.masked_fill_(~self._mask, self.val)
        else:
            self.output = input.masked_fill(~self._mask, self.val)
        return self.output

    def updateGradInput(self, input, gradOutput):
        if self.inplace:
            self.gradInput = gradOutput.masked_fill_(~self._mask, 0)
        else:
            self.gradInput = gradOutput.masked_fill(~self._mask, 0)
        return self.gradInput

    def __repr__(self):
        return f"nn.{type(self).__name__}"
