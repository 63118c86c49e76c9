"""Normalize: each sample divided by its p-norm (inputs of 1 or 2 dims)."""
from ._FunctionalModule import FunctionalModule


class Normalize(FunctionalModule):
    def __init__(self, p, eps=1e-10):
        super().__init__()
        if p <= 0:
            raise ValueError("Normalize: p must be positive")
        self.p = p
        self.eps = eps

    def _check_input(self, input):
        self._check_size(input, input.dim() in (1, 2), "[*, n]")

    def _function(self, input):
        if self.p == float("inf"):
            norm = input.abs().amax(-1, keepdim=True)
        else:
            norm = input.abs().pow(self.p).sum(-1, keepdim=True).pow(1.0 / self.p)
        return input / (norm + self.eps)

    def __repr__(self):
        return f"nn.Normalize({self.p:g})"
