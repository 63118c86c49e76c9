"""MSECriterion: sum (x - y)^2, divided by the element count with sizeAverage."""
from .Criterion import Criterion


class MSECriterion(Criterion):
    def __init__(self, sizeAverage=True):
        super().__init__()
        self.sizeAverage = sizeAverage

    def updateOutput(self, input, target):
        target = self._check_same_size(input, target)
        d = input - target
        self.output = (d * d).sum().item() / self._scale(input)
        return self.output

    def updateGradInput(self, input, target):
        target = self._check_same_size(input, target)
        self.gradInput = (input - target) * (2.0 / self._scale(input))
        return self.gradInput
