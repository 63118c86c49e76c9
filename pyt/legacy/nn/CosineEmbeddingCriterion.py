"""CosineEmbeddingCriterion: on a table {x1, x2} of (N, D) batches and y in {-1, 1}:
1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""
import pyt

from .Criterion import Criterion


class CosineEmbeddingCriterion(Criterion):
    eps = 1e-12

    def __init__(self, margin=0, sizeAverage=True):
        super().__init__()
        self.margin = margin
        self.sizeAverage = sizeAverage

    def _check(self, input, target):
        if not isinstance(input, (list, tuple)) or len(input) != 2:
            self._error("expected a table of two tensors as input", TypeError)
        a, b = input
        if a.dim() not in (1, 2) or a.shape != b.shape:
            self._error(f"expected two inputs of the same size [N, D] but got "
                        f"{list(a.shape)} and {list(b.shape)}")
        a2 = a.unsqueeze(0) if a.dim() == 1 else a
        b2 = b.unsqueeze(0) if b.dim() == 1 else b
        y = pyt.tensor([target]) if not isinstance(target, pyt.Tensor) else target
        if y.numel() != a2.shape[0]:
            self._error(f"expected target of size [{a2.shape[0]}] but got {list(y.shape)}")
        return a2, b2, y.reshape(-1).to(a.dtype)

    def _loss(self, a, b, y):
        cos = (a * b).sum(1) / (((a * a).sum(1) + self.eps) * ((b * b).sum(1) + self.eps)).sqrt()
        loss = (1 - cos).where(y == 1, (cos - self.margin).clamp(min=0))
        return loss.sum() / (a.shape[0] if self.sizeAverage else 1)

    def updateOutput(self, input, target):
        a, b, y = self._check(input, target)
        self.output = self._loss(a, b, y).item()
        return self.output

    def updateGradInput(self, input, target):
        a, b, y = self._check(input, target)
        la, lb = a.detach().requires_grad_(True), b.detach().requires_grad_(True)
        with pyt.enable_grad():
            loss = self._loss(la, lb, y)
        ga, gb = pyt.autograd.grad(loss, [la, lb])
        self.gradInput = [ga.view(input[0].shape), gb.view(input[1].shape)]
        return self.gradInput
