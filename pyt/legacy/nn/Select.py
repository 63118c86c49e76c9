"""Select: the slice ``index`` along ``dimension`` (negative index counts from the end)."""
import pyt

from .Module import Module


class Select(Module):
    def __init__(self, dimension, index):
        super().__init__()
        self.dimension = dimension
        self.index = index

    def _where(self, input):
        self._check_tensor(input)
        d = self.dimension
        if not -input.dim() <= d < input.dim():
            self._error(f"dimension {d} out of range for input of size {list(input.shape)}",
                        IndexError)
        n = input.shape[d]
        if not -n <= self.index < n:
            self._error(f"index {self.index} out of range for size {n} along dim {d}",
                        IndexError)
        return d, self.index % n

    def updateOutput(self, input):
        d, i = self._where(input)
        self.output = input.select(d, i)
        return self.output

    def updateGradInput(self, input, gradOutput):
        d, i = self._where(input)
        grad = pyt.zeros_like(input)
        grad.select(d, i).copy_(gradOutput)
        self.gradInput = grad
        return self.gradInput
