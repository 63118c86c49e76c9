"""MarginCriterion: the two-class hinge loss sum max(0, margin - y x), y in {-1, 1}."""
from .Criterion import Criterion


class MarginCriterion(Criterion):
    def __init__(self, margin=1, sizeAverage=True):
        super().__init__()
        self.margin = margin
        self.sizeAverage = sizeAverage

    def updateOutput(self, input, target):
        target = self._check_same_size(input, target)
        self.output = (self.margin - input * target).clamp(min=0).sum().item() / self._scale(input)
        return self.output

    def updateGradInput(self, input, target):
        target = self._check_same_size(input, target)
        active = (input * target) < self.margin
        self.gradInput = (-target).masked_fill(~active, 0) / self._scale(input)
        return self.gradInput
