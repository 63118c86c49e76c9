"""Reshape: the input reshaped to ``size``, keeping a batch dim when there is one."""
import math

import pyt

from .Module import Module


class Reshape(Module):
    def __init__(self, *size, batchMode=None):
        super().__init__()
        if len(size) == 1 and isinstance(size[0], (tuple, list, pyt.Size)):
            size = tuple(size[0])
        self.size = tuple(size)
        self.nelement = math.prod(self.size)
        self.batchMode = batchMode

    def updateOutput(self, input):
        self._check_tensor(input)
        n = input.numel()
        batched = self.batchMode if self.batchMode is not None else n != self.nelement
        if batched and input.dim() >= 1 and input[0].numel() == self.nelement:
            shape = (input.shape[0],) + self.size
        elif not batched and n == self.nelement:
            shape = self.size
        else:
            self._error(f"expected input of {self.nelement} elements (or [*, "
                        f"{self.nelement}] in batch mode) but got {list(input.shape)}")
        self.output = input.reshape(shape)
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput.reshape(input.shape)
        return self.gradInput

    def __repr__(self):
        return f"nn.Reshape({'x'.join(map(str, self.size))})"
