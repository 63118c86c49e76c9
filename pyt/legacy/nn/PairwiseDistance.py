"""PairwiseDistance: the p-norm distance between the rows of a table {x1, x2}."""
from ._FunctionalModule import FunctionalModule


class PairwiseDistance(FunctionalModule):
    def __init__(self, p=2):
        super().__init__()
        self.norm = p

    def _check_input(self, input):
        self._check_table(input, 2)
        a, b = input
        self._check_size(a, a.dim() in (1, 2), "[*, n]")
        self._check_size(b, b.shape == a.shape, str(list(a.shape)))

    def _function(self, input):
        a, b = input
        out = (a - b).abs().pow(self.norm).sum(-1).pow(1.0 / self.norm)
        return out.reshape(1) if a.dim() == 1 else out
