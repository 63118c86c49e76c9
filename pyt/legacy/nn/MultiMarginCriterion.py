"""MultiMarginCriterion: the multi-class hinge loss
sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C per sample (p = 1 or 2)."""

from .Criterion import Criterion
from ._class_targets import class_targets


class MultiMarginCriterion(Criterion):
    def __init__(self, p=1, weights=None, margin=1, sizeAverage=True):
        if p not in (1, 2):
            raise ValueError("MultiMarginCriterion: only p = 1 and p = 2 are supported")
        super().__init__()
        self.weights = weights
        self.sizeAverage = sizeAverage
        self.ignoreIndex = -100
        self.p = p
        self.margin = margin

    def _terms(self, input, target):
        x, t, w, _ = class_targets(self, input, target)
        n, c = x.shape
        picked = x.gather(1, t.unsqueeze(1))
        z = (x - picked + self.margin).clamp(min=0)
        z.scatter_(1, t.unsqueeze(1), 0.0)          # the target class is not a violation
        divisor = c * (n if self.sizeAverage else 1)
        return x, t, w.unsqueeze(1), z, divisor

    def updateOutput(self, input, target):
        x, t, w, z, divisor = self._terms(input, target)
        loss = z if self.p == 1 else z * z
        self.output = (loss * w).sum().item() / divisor
        return self.output

    def updateGradInput(self, input, target):
        x, t, w, z, divisor = self._terms(input, target)
        g = (z > 0).to(x.dtype) if self.p == 1 else 2 * z
        g = g * w / divisor
        # the target entry gets minus the sum of the others
        g.scatter_(1, t.unsqueeze(1), -g.sum(1, keepdim=True))
        self.gradInput = g.view(input.shape)
        return self.gradInput
