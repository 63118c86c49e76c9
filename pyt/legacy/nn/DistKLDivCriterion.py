"""DistKLDivCriterion: KL(target || p) for log-probabilities x: sum y (log y - x), y > 0."""
from .Criterion import Criterion


class DistKLDivCriterion(Criterion):
    def __init__(self, sizeAverage=True):
        super().__init__()
        self.sizeAverage = sizeAverage

    def updateOutput(self, input, target):
        target = self._check_same_size(input, target)
        positive = target > 0
        log_target = target.masked_fill(~positive, 1).log()     # 0 log 0 counts as 0
        terms = (target * (log_target - input)).masked_fill(~positive, 0)
        self.output = terms.sum().item() / self._scale(input)
        return self.output

    def updateGradInput(self, input, target):
        target = self._check_same_size(input, target)
        self.gradInput = (-target).masked_fill(target <= 0, 0) / self._scale(input)
        return self.gradInput
