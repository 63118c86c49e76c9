"""Linear: y = W x + b for one sample (1D) or a batch (2D)."""
import math

import pyt

from .Module import Module


class Linear(Module):
    def __init__(self, inputSize, outputSize, bias=True):
        super().__init__()
        self.weight = pyt.empty(outputSize, inputSize)
        self.gradWeight = pyt.zeros(outputSize, inputSize)
        self.bias = pyt.empty(outputSize) if bias else None
        self.gradBias = pyt.zeros(outputSize) if bias else None
        self.reset()

    def noBias(self):
        self.bias = self.gradBias = None
        return self

    def reset(self, stdv=None):
        stdv = 1.0 / math.sqrt(self.weight.shape[1]) if stdv is None else stdv
        self.weight.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.uniform_(-stdv, stdv)
        return self

    def _check(self, input):
        n = self.weight.shape[1]
        self._check_size(input, input.dim() in (1, 2) and input.shape[-1] == n, f"[*, {n}]")

    def updateOutput(self, input):
        self._check(input)
        if self.bias is None:
            self.output = input.matmul(self.weight.t())
        elif input.dim() == 2:
            self.output = pyt.addmm(self.bias, input, self.weight.t())
        else:
            self.output = pyt.addmv(self.bias, self.weight, input)
        return self.output

    def updateGradInput(self, input, gradOutput):
        self._check(input)
        self.gradInput = gradOutput.matmul(self.weight)
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        if input.dim() == 2:
            self.gradWeight.addmm_(gradOutput.t(), input, alpha=scale)
            if self.bias is not None:
                self.gradBias.add_(gradOutput.sum(0), alpha=scale)
        else:
            self.gradWeight.add_(pyt.outer(gradOutput, input), alpha=scale)
            if self.bias is not None:
                self.gradBias.add_(gradOutput, alpha=scale)

    def __repr__(self):
        out, inp = self.weight.shape
        return f"nn.Linear({inp} -> {out})" + ("" if self.bias is not None else " without bias")
