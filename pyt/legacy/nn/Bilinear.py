"""Bilinear: y_k = x1^T W_k x2 + b_k for a table {x1, x2} of batches."""
import math

import pyt
import pyt.nn.functional as F

from ._FunctionalModule import FunctionalModule


class Bilinear(FunctionalModule):
    def __init__(self, inputSize1, inputSize2, outputSize, bias=True):
        super().__init__()
        self.weight = pyt.empty(outputSize, inputSize1, inputSize2)
        self.gradWeight = pyt.zeros(outputSize, inputSize1, inputSize2)
        self.bias = pyt.empty(outputSize) if bias else None
        self.gradBias = pyt.zeros(outputSize) if bias else None
        self.reset()

    def reset(self, stdv=None):
        stdv = 1.0 / math.sqrt(self.weight.shape[1]) if stdv is None else stdv
        self.weight.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.uniform_(-stdv, stdv)
        return self

    def _check_input(self, input):
        self._check_table(input, 2)
        _, n1, n2 = self.weight.shape
        for x, n in zip(input, (n1, n2)):
            self._check_size(x, x.dim() == 2 and x.shape[1] == n, f"[*, {n}]")
        if input[0].shape[0] != input[1].shape[0]:
            self._error(f"expected inputs with the same batch size but got "
                        f"{list(input[0].shape)} and {list(input[1].shape)}")

    def _function(self, input, weight, bias=None):
        return F.bilinear(input[0], input[1], weight, bias)

    def __repr__(self):
        out, n1, n2 = self.weight.shape
        return f"nn.Bilinear([{n1} x {n2}] -> {out})"
