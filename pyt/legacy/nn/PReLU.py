"""PReLU: x for x > 0, a * x otherwise, with a learnt slope a (one, or per channel)."""
import pyt

from .Module import Module
from ._utils import sum_to


class PReLU(Module):
    def __init__(self, nOutputPlane=0):
        super().__init__()
        self.nOutputPlane = nOutputPlane
        self.weight = pyt.full((max(nOutputPlane, 1),), 0.25)
        self.gradWeight = pyt.zeros(max(nOutputPlane, 1))

    def _slope(self, input):
        """weight shaped to broadcast over input: channels are dim 0, or 1 with a batch."""
        self._check_tensor(input)
        if self.nOutputPlane == 0:
            return self.weight[0]
        cdim = 0 if input.dim() in (1, 3) else 1
        if input.dim() > 4 or input.dim() <= cdim or input.shape[cdim] != self.nOutputPlane:
            self._error(f"expected input of size [*, {self.nOutputPlane}, ...] (channels in "
                        f"dim 0, or dim 1 with a batch) but got {list(input.shape)}")
        shape = [1] * input.dim()
        shape[cdim] = self.nOutputPlane
        return self.weight.view(shape)

    def updateOutput(self, input):
        slope = self._slope(input)
        self.output = input.where(input > 0, input * slope)
        return self.output

    def updateGradInput(self, input, gradOutput):
        slope = self._slope(input)
        self.gradInput = gradOutput.where(input > 0, gradOutput * slope)
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        slope = self._slope(input)
        contrib = (input * gradOutput).masked_fill(input > 0, 0)
        if self.nOutputPlane == 0:
            self.gradWeight.add_(contrib.sum().view(1), alpha=scale)
        else:
            self.gradWeight.add_(sum_to(contrib, slope.shape).reshape(-1), alpha=scale)
