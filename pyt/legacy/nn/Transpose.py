"""Transpose: swap the given pairs of dims, in order: Transpose((0, 1), (2, 3))."""
from .Module import Module


class Transpose(Module):
    def __init__(self, *permutations):
        super().__init__()
        self.permutations = [tuple(p) for p in permutations]

    def updateOutput(self, input):
        self._check_tensor(input)
        out = input
        for a, b in self.permutations:
            if max(a, b) >= input.dim() or min(a, b) < -input.dim():
                self._error(f"expected input with more than {max(a, b)} dims but got "
                            f"{list(input.shape)}", IndexError)
            out = out.transpose(a, b)
        self.output = out
        return self.output

    def updateGradInput(self, input, gradOutput):
        g = gradOutput
        for a, b in reversed(self.permutations):
            g = g.transpose(a, b)
        self.gradInput = g
        return self.gradInput
