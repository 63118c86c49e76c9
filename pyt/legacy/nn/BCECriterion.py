"""BCECriterion: -sum w [y log(x + eps) + (1 - y) log(1 - x + eps)] over probabilities x."""
from .Criterion import Criterion


class BCECriterion(Criterion):
    eps = 1e-12

    def __init__(self, weights=None, sizeAverage=True):
        super().__init__()
        self.weights = weights
        self.sizeAverage = sizeAverage

    def _weights(self, input):
        if self.weights is None:
            return None
        if self.weights.numel() != input.numel() and self.weights.shape[-1] != input.shape[-1]:
            self._error(f"weights of size {list(self.weights.shape)} do not match input of "
                        f"size {list(input.shape)}")
        return self.weights.to(input.dtype)

    def updateOutput(self, input, target):
        target = self._check_same_size(input, target)
        eps = self.eps
        loss = target * (input + eps).log() + (1 - target) * (1 - input + eps).log()
        w = self._weights(input)
        if w is not None:
            loss = loss * w.reshape(input.shape) if w.numel() == input.numel() else loss * w
        self.output = -loss.sum().item() / self._scale(input)
        return self.output

    def updateGradInput(self, input, target):
        target = self._check_same_size(input, target)
        eps = self.eps
        grad = (input - target) / ((1 - input + eps) * (input + eps))
        w = self._weights(input)
        if w is not None:
            grad = grad * w.reshape(input.shape) if w.numel() == input.numel() else grad * w
        self.gradInput = grad / self._scale(input)
        return self.gradInput
