"""ParallelCriterion: a weighted sum of criterions, criterion i on input[i] and target[i]
(or on the whole target with repeatTarget)."""
from .Criterion import Criterion
from .MultiCriterion import _scaled


class ParallelCriterion(Criterion):
    def __init__(self, repeatTarget=False):
        super().__init__()
        self.criterions = []
        self.weights = []
        self.repeatTarget = repeatTarget

    def add(self, criterion, weight=1):
        if not isinstance(criterion, Criterion):
            self._error(f"expected a criterion but got {type(criterion).__name__}", TypeError)
        self.criterions.append(criterion)
        self.weights.append(weight)
        return self

    def _pairs(self, input, target):
        if not isinstance(input, (list, tuple)) or len(input) != len(self.criterions):
            self._error(f"expected a table of {len(self.criterions)} inputs", TypeError)
        targets = [target] * len(input) if self.repeatTarget else target
        if len(targets) != len(input):
            self._error(f"expected a table of {len(input)} targets", TypeError)
        return zip(self.criterions, self.weights, input, targets)

    def updateOutput(self, input, target):
        self.output = sum(w * c.updateOutput(x, t) for c, w, x, t in self._pairs(input, target))
        return self.output

    def updateGradInput(self, input, target):
        self.gradInput = [_scaled(c.updateGradInput(x, t), w)
                          for c, w, x, t in self._pairs(input, target)]
        return self.gradInput
