"""View: the input viewed as ``sizes`` (one may be -1), keeping a batch dim."""
import math

import pyt

from .Module import Module


class View(Module):
    def __init__(self, *sizes):
        super().__init__()
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, pyt.Size)):
            sizes = tuple(sizes[0])
        if list(sizes).count(-1) > 1:
            raise RuntimeError("View: only one dimension can be inferred (-1)")
        self.size = tuple(sizes)
        self.numElements = math.prod(n for n in self.size if n != -1)
        self.numInputDims = None

    def setNumInputDims(self, numInputDims):
        """Sample dims of the input: one more dim than this is a batch."""
        self.numInputDims = numInputDims
        return self

    def _batch_size(self, input):
        if self.numInputDims is not None:
            return input.shape[0] if input.dim() > self.numInputDims else None
        if -1 in self.size:
            return None
        n = input.numel()
        if n != self.numElements and self.numElements and n % self.numElements == 0:
            return n // self.numElements
        return None

    def updateOutput(self, input):
        self._check_tensor(input)
        batch = self._batch_size(input)
        shape = self.size if batch is None else (batch,) + self.size
        n = input.numel() if batch is None else input.numel() // max(batch, 1)
        ok = n % self.numElements == 0 if -1 in self.size else n == self.numElements
        if not ok or (batch is not None and input.numel() != batch * n):
            self._error(f"input of size {list(input.shape)} cannot be viewed as "
                        f"{list(self.size)}")
        self.output = input.reshape(shape)    # a view whenever the input allows one
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput.reshape(input.shape)
        return self.gradInput

    def __repr__(self):
        return f"nn.View({', '.join(map(str, self.size))})"
