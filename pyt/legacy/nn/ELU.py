"""ELU: x for x > 0, alpha * (exp(x) - 1) otherwise."""
from .Module import Module


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace
        self._mask = None
        self._buffers = ("_mask",)

    def updateOutput(self, input):
        self._check_tensor(input)
        self._mask = input > 0
        neg = input.clamp(max=0).expm1() * self.alpha
        out = input.where(self._mask, neg)
        self.output = input.copy_(out) if self.inplace else out
        return self.output

    def updateGradInput(self, input, gradOutput):
        # the derivative from the output: alpha * exp(x) = output + alpha for x <= 0
        slope = (self.output + self.alpha).where(~self._mask, 1.0)
        self.gradInput = gradOutput * slope
        return self.gradInput

    def __repr__(self):
        return f"nn.ELU (alpha:{self.alpha})"
