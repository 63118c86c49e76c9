"""HingeEmbeddingCriterion: x where y = 1, max(0, margin - x) where y = -1."""
from .Criterion import Criterion


class HingeEmbeddingCriterion(Criterion):
    def __init__(self, margin=1, sizeAverage=True):
        super().__init__()
        self.margin = margin
        self.sizeAverage = sizeAverage

    def updateOutput(self, input, target):
        target = self._check_same_size(input, target)
        pos = input.masked_fill(target != 1, 0)
        neg = (self.margin - input).clamp(min=0).masked_fill(target != -1, 0)
        self.output = (pos + neg).sum().item() / self._scale(input)
        return self.output

    def updateGradInput(self, input, target):
        target = self._check_same_size(input, target)
        grad = (target == 1).to(input.dtype) \
            - ((target == -1) & (input < self.margin)).to(input.dtype)
        self.gradInput = grad / self._scale(input)
        return self.gradInput
