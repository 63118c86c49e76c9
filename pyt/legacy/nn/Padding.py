"""Padding: ``pad`` entries of ``value`` added along ``dim`` (pad < 0: before the data;
index > 0: inserted before entry ``index``)."""
import pyt

from .Module import Module


class Padding(Module):
    def __init__(self, dim, pad, nInputDim=None, value=0, index=0):
        super().__init__()
        self.dim = dim
        self.pad = pad
        self.nInputDim = nInputDim
        self.value = value
        self.index = index

    def _dim(self, input):
        dim = self.dim
        if self.nInputDim is not None and input.dim() != self.nInputDim:
            dim += 1
        if not 0 <= dim < input.dim():
            self._error(f"dim {dim} out of range for input of size {list(input.shape)}",
                        IndexError)
        return dim

    def _split(self, input, dim):
        """Where the pad goes: the number of data entries before it."""
        n = input.shape[dim]
        if self.index == 0:
            return n if self.pad > 0 else 0
        if not 0 < self.index <= n:
            self._error(f"index {self.index} out of range for size {n} along dim {dim}",
                        IndexError)
        return self.index

    def updateOutput(self, input):
        self._check_tensor(input)
        dim = self._dim(input)
        at = self._split(input, dim)
        shape = list(input.shape)
        shape[dim] = abs(self.pad)
        fill = pyt.full(shape, self.value, dtype=input.dtype)
        n = input.shape[dim]
        self.output = pyt.cat([input.narrow(dim, 0, at), fill, input.narrow(dim, at, n - at)], dim)
        return self.output

    def updateGradInput(self, input, gradOutput):
        dim = self._dim(input)
        at = self._split(input, dim)
        n = input.shape[dim]
        before = gradOutput.narrow(dim, 0, at)
        after = gradOutput.narrow(dim, at + abs(self.pad), n - at)
        self.gradInput = pyt.cat([before, after], dim)
        return self.gradInput
