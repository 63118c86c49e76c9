"""CosineDistance: the cosine similarity of the rows of a table {x1, x2}."""
from ._FunctionalModule import FunctionalModule


class CosineDistance(FunctionalModule):
    eps = 1e-12

    def _check_input(self, input):
        self._check_table(input, 2)
        a, b = input
        self._check_size(a, a.dim() in (1, 2), "[*, n]")
        self._check_size(b, b.shape == a.shape, str(list(a.shape)))

    def _function(self, input):
        a, b = input
        dot = (a * b).sum(-1)
        norms = ((a * a).sum(-1) + self.eps) * ((b * b).sum(-1) + self.eps)
        out = dot / norms.sqrt()
        return out.reshape(1) if a.dim() == 1 else out
