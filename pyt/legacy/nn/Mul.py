"""Mul: the input times one learnt scalar."""

import pyt

from .Module import Module


class Mul(Module):
    def __init__(self):
        super().__init__()
        self.weight = pyt.empty(1)
        self.gradWeight = pyt.zeros(1)
        self.reset()

    def reset(self, stdv=None):
        stdv = 1.0 if stdv is None else stdv
        self.weight.uniform_(-stdv, stdv)
        return self

    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = input * self.weight[0]
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput * self.weight[0]
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        self.gradWeight.add_((input * gradOutput).sum().view(1), alpha=scale)
