"""Euclidean: y_j = || x - w_j || for the columns w_j of weight (inputSize x outputSize)."""
import math

import pyt

from ._FunctionalModule import FunctionalModule


class Euclidean(FunctionalModule):
    def __init__(self, inputSize, outputSize):
        super().__init__()
        self.weight = pyt.empty(inputSize, outputSize)
        self.gradWeight = pyt.zeros(inputSize, outputSize)
        self.bias = self.gradBias = None
        self.reset()

    def reset(self, stdv=None):
        stdv = 1.0 / math.sqrt(self.weight.shape[0]) if stdv is None else stdv
        self.weight.uniform_(-stdv, stdv)
        return self

    def _check_input(self, input):
        n = self.weight.shape[0]
        self._check_size(input, input.dim() in (1, 2) and input.shape[-1] == n, f"[*, {n}]")

    def _function(self, input, weight):
        diff = input.unsqueeze(-1) - weight             # (..., inputSize, outputSize)
        return diff.pow(2).sum(-2).sqrt()

    def __repr__(self):
        return f"nn.Euclidean({self.weight.shape[0]} -> {self.weight.shape[1]})"
