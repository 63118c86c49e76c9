"""SmoothL1Criterion: 0.5 d^2 where |d| < 1, |d| - 0.5 elsewhere (d = x - y)."""
from .Criterion import Criterion


class SmoothL1Criterion(Criterion):
    def __init__(self, sizeAverage=True):
        super().__init__()
        self.sizeAverage = sizeAverage

    def updateOutput(self, input, target):
        target = self._check_same_size(input, target)
        d = (input - target).abs()
        loss = (d * d * 0.5).where(d < 1, d - 0.5)
        self.output = loss.sum().item() / self._scale(input)
        return self.output

    def updateGradInput(self, input, target):
        target = self._check_same_size(input, target)
        self.gradInput = (input - target).clamp(-1, 1) / self._scale(input)
        return self.gradInput
