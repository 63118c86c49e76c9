"""PairwiseDistance: the p-norm distance between the rows of a table {x1, x2}."""
from .Module import Module


class PairwiseDistance(Module):
    def __init__(self, p=2):
        super().__init__()
        if p <= 0:
            raise ValueError("PairwiseDistance: p must be positive")
        self.norm = p

    def _check(self, input):
        self._check_table(input, 2)
        a, b = input
        self._check_size(a, a.dim() in (1, 2), "[*, n]")
        self._check_size(b, b.shape == a.shape, str(list(a.shape)))

    def updateOutput(self, input):
        self._check(input)
        a, b = input
        out = (a - b).abs().pow(self.norm).sum(-1).pow(1.0 / self.norm)
        self.output = out.reshape(1) if a.dim() == 1 else out
        return self.output

    def updateGradInput(self, input, gradOutput):
        # d||d||_p / dd = sign(d) |d|^(p-1) / ||d||^(p-1); zero where the distance is
        self._check(input)
        a, b = input
        d = a - b
        dist = self.output.reshape(-1, 1) if a.dim() == 2 else self.output
        scale = gradOutput.reshape(dist.shape) / dist.pow(self.norm - 1)
        scale = scale.masked_fill(dist == 0, 0)
        ga = d.sign() * d.abs().pow(self.norm - 1) * scale
        self.gradInput = [ga, -ga]
        return self.gradInput
