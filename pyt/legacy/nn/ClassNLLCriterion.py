"""ClassNLLCriterion: -x[class] for log-probabilities x and 0-based class targets.

With ``weights`` each sample counts w[class]; sizeAverage divides by the total weight of
the targets. Targets equal to ``ignoreIndex`` are skipped.
"""
import pyt

from .Criterion import Criterion


class ClassNLLCriterion(Criterion):
    def __init__(self, weights=None, sizeAverage=True, ignoreIndex=-100):
        super().__init__()
        self.weights = weights
        self.sizeAverage = sizeAverage
        self.ignoreIndex = ignoreIndex

    def _prepare(self, input, target):
        """(N, C) input, (N,) int64 target, per-sample weights and the divisor."""
        if not isinstance(input, pyt.Tensor):
            self._error(f"expected input to be a Tensor but got {type(input).__name__}",
                        TypeError)
        if input.dim() not in (1, 2):
            self._error(f"expected input of size [C] or [N, C] but got {list(input.shape)}")
        x = input.unsqueeze(0) if input.dim() == 1 else input
        n, c = x.shape
        if not isinstance(target, pyt.Tensor):
            target = pyt.tensor([target] if isinstance(target, int) else target)
        if target.is_floating_point():
            self._error(f"expected integer class targets but got {target.dtype}", TypeError)
        if target.numel() != n:
            self._error(f"expected target of size [{n}] but got {list(target.shape)}")
        t = target.reshape(n).to(pyt.int64)
        keep = t != self.ignoreIndex
        if bool(((t < 0) | (t >= c)).logical_and(keep).any()):
            self._error(f"target out of range: classes must be in [0, {c - 1}]", IndexError)
        safe = t.masked_fill(~keep, 0)
        if self.weights is not None:
            if self.weights.numel() != c:
                self._error(f"expected weights of size [{c}] but got "
                            f"{list(self.weights.shape)}")
            w = self.weights.to(x.dtype)[safe]
        else:
            w = pyt.ones(n, dtype=x.dtype)
        w = w.masked_fill(~keep, 0)
        total = w.sum().item() if self.sizeAverage else 1.0
        return x, safe, w, total

    def updateOutput(self, input, target):
        x, t, w, total = self._prepare(input, target)
        picked = x.gather(1, t.unsqueeze(1)).squeeze(1)
        self.output = -(picked * w).sum().item() / total if total else 0.0
        return self.output

    def updateGradInput(self, input, target):
        x, t, w, total = self._prepare(input, target)
        grad = pyt.zeros(x.shape, dtype=x.dtype)
        if total:
            grad.scatter_(1, t.unsqueeze(1), (-w / total).unsqueeze(1))
        self.gradInput = grad.view(input.shape)
        return self.gradInput
