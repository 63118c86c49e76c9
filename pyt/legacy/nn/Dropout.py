"""Dropout: zero each entry with probability p while training.

The default scales the kept entries by 1 / (1 - p) while training and is the identity in
evaluation; ``v1=True`` is Lua's first version: no scaling while training, a factor
(1 - p) in evaluation.
"""
import pyt

from .Module import Module


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False, v1=False, stochasticInference=False):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be in [0, 1) but got {p}")
        self.p = p
        self.inplace = inplace
        self.v2 = not v1
        self.stochastic_inference = stochasticInference
        self.noise = None
        self._buffers = ("noise",)

    def setp(self, p):
        self.p = p

    def updateOutput(self, input):
        self._check_tensor(input)
        out = input if self.inplace else input.clone()
        if self.p > 0 and (self.train or self.stochastic_inference):
            self.noise = pyt.empty_like(input).bernoulli_(1 - self.p)
            if self.v2:
                self.noise.div_(1 - self.p)
            out.mul_(self.noise)
        elif not self.v2 and self.p > 0:
            out.mul_(1 - self.p)
        self.output = out
        return self.output

    def updateGradInput(self, input, gradOutput):
        g = gradOutput if self.inplace else gradOutput.clone()
        if self.train and self.p > 0:
            g.mul_(self.noise)      # only the entries kept in the forward pass
        elif not self.v2 and self.p > 0:
            g.mul_(1 - self.p)
        self.gradInput = g
        return self.gradInput

    def __repr__(self):
        return f"nn.Dropout({self.p:g})"
