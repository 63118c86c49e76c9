"""Add: the input plus a learnt bias (of inputSize, or one scalar)."""
import math

import pyt

from .Module import Module
from ._utils import sum_to


class Add(Module):
    def __init__(self, inputSize, scalar=False):
        super().__init__()
        size = 1 if scalar else inputSize
        if not isinstance(size, (tuple, list, pyt.Size)):
            size = (size,)
        self.scalar = scalar
        self.size = tuple(size)
        self.bias = pyt.empty(*self.size)
        self.gradBias = pyt.zeros(*self.size)
        self.reset()

    def reset(self, stdv=None):
        stdv = 1.0 / math.sqrt(self.bias.numel()) if stdv is None else stdv
        self.bias.uniform_(-stdv, stdv)
        return self

    def _bias_for(self, input):
        self._check_tensor(input)
        b = self.bias
        if self.scalar:
            return b[0]
        n = b.numel()
        if input.numel() == n:
            return b.view(input.shape)
        if input.dim() >= 1 and input[0].numel() == n:
            return b.view(input.shape[1:])
        self._error(f"expected input of size [*, {', '.join(map(str, self.size))}] but got "
                    f"{list(input.shape)}")

    def updateOutput(self, input):
        self.output = input + self._bias_for(input)
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        b = self._bias_for(input)
        if self.scalar:
            self.gradBias.add_(gradOutput.sum().view(1), alpha=scale)
        else:
            self.gradBias.add_(sum_to(gradOutput, b.shape).reshape(self.size), alpha=scale)
