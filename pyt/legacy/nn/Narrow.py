"""Narrow: ``length`` entries from ``index`` along ``dimension`` (length < 0: up to
size + length + 1, so -1 means 'to the end')."""
import pyt

from .Module import Module


class Narrow(Module):
    def __init__(self, dimension, offset, length=1):
        super().__init__()
        self.dimension = dimension
        self.index = offset
        self.length = length

    def _range(self, input):
        self._check_tensor(input)
        d = self.dimension
        if not -input.dim() <= d < input.dim():
            self._error(f"dimension {d} out of range for input of size {list(input.shape)}",
                        IndexError)
        n = input.shape[d]
        length = self.length if self.length >= 0 else n - self.index + self.length + 1
        if self.index < 0 or length < 0 or self.index + length > n:
            self._error(f"cannot take {length} entries from index {self.index} along dim "
                        f"{d} of input of size {list(input.shape)}", IndexError)
        return d, length

    def updateOutput(self, input):
        d, length = self._range(input)
        self.output = input.narrow(d, self.index, length)
        return self.output

    def updateGradInput(self, input, gradOutput):
        d, length = self._range(input)
        grad = pyt.zeros_like(input)
        grad.narrow(d, self.index, length).copy_(gradOutput)
        self.gradInput = grad
        return self.gradInput
