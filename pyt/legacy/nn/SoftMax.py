"""SoftMax: exp(x_i) / sum_j exp(x_j) over the feature (or plane) dim."""
from .Module import Module
from ._softmax_dim import softmax_dim


class SoftMax(Module):
    def updateOutput(self, input):
        self.output = input.softmax(softmax_dim(self, input))
        return self.output

    def updateGradInput(self, input, gradOutput):
        d = softmax_dim(self, input)
        y = self.output
        self.gradInput = y * (gradOutput - (gradOutput * y).sum(d, keepdim=True))
        return self.gradInput
