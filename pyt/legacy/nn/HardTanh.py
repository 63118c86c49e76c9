"""HardTanh: x clipped to [min_value, max_value]; zero gradient outside."""
from .Module import Module


class HardTanh(Module):
    def __init__(self, min_value=-1, max_value=1, inplace=False):
        super().__init__()
        if max_value <= min_value:
            raise ValueError("HardTanh: max_value must be larger than min_value")
        self.min_val = min_value
        self.max_val = max_value
        self.inplace = inplace
        self._mask = None
        self._buffers = ("_mask",)

    def updateOutput(self, input):
        self._check_tensor(input)
        self._mask = (input > self.min_val) & (input < self.max_val)
        if self.inplace:
            self.output = input.clamp_(self.min_val, self.max_val)
        else:
            self.output = input.clamp(self.min_val, self.max_val)
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput.masked_fill(~self._mask, 0)
        return self.gradInput
