"""MultiCriterion: a weighted sum of criterions applied to the same input and target."""
from .Container import _add_tables
from .Criterion import Criterion


class MultiCriterion(Criterion):
    def __init__(self):
        super().__init__()
        self.criterions = []
        self.weights = []

    def add(self, criterion, weight=1):
        if not isinstance(criterion, Criterion):
            self._error(f"expected a criterion but got {type(criterion).__name__}", TypeError)
        self.criterions.append(criterion)
        self.weights.append(weight)
        return self

    def updateOutput(self, input, target):
        self.output = sum(w * c.updateOutput(input, target)
                          for c, w in zip(self.criterions, self.weights))
        return self.output

    def updateGradInput(self, input, target):
        total = None
        for c, w in zip(self.criterions, self.weights):
            g = _scaled(c.updateGradInput(input, target), w)
            total = g if total is None else _add_tables(total, g)
        self.gradInput = total
        return self.gradInput


def _scaled(g, w):
    if isinstance(g, (list, tuple)):
        return [_scaled(x, w) for x in g]
    return g * w
