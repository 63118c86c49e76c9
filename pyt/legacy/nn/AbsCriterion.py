"""AbsCriterion: sum |x - y|, divided by the element count with sizeAverage."""
from .Criterion import Criterion


class AbsCriterion(Criterion):
    def __init__(self, sizeAverage=True):
        super().__init__()
        self.sizeAverage = sizeAverage

    def updateOutput(self, input, target):
        target = self._check_same_size(input, target)
        self.output = (input - target).abs().sum().item() / self._scale(input)
        return self.output

    def updateGradInput(self, input, target):
        target = self._check_same_size(input, target)
        self.gradInput = (input - target).sign() / self._scale(input)
        return self.gradInput
