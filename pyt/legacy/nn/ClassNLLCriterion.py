"""ClassNLLCriterion: -x[class] for log-probabilities x and 0-based class targets.

With ``weights`` each sample counts w[class]; sizeAverage divides by the total weight of
the targets. Targets equal to ``ignoreIndex`` are skipped.
"""
import pyt

from .Criterion import Criterion
from ._class_targets import class_targets


class ClassNLLCriterion(Criterion):
    def __init__(self, weights=None, sizeAverage=True, ignoreIndex=-100):
        super().__init__()
        self.weights = weights
        self.sizeAverage = sizeAverage
        self.ignoreIndex = ignoreIndex

    def updateOutput(self, input, target):
        x, t, w, total = class_targets(self, input, target)
        picked = x.gather(1, t.unsqueeze(1)).squeeze(1)
        self.output = -(picked * w).sum().item() / total if total else 0.0
        return self.output

    def updateGradInput(self, input, target):
        x, t, w, total = class_targets(self, input, target)
        grad = pyt.zeros(x.shape, dtype=x.dtype)
        if total:
            grad.scatter_(1, t.unsqueeze(1), (-w / total).unsqueeze(1))
        self.gradInput = grad.view(input.shape)
        return self.gradInput
