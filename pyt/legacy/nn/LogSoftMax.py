"""LogSoftMax: log of SoftMax, computed stably, over the feature (or plane) dim."""
from .Module import Module
from ._softmax_dim import softmax_dim


class LogSoftMax(Module):
    def updateOutput(self, input):
        self.output = input.log_softmax(softmax_dim(self, input))
        return self.output

    def updateGradInput(self, input, gradOutput):
        d = softmax_dim(self, input)
        self.gradInput = gradOutput - self.output.exp() * gradOutput.sum(d, keepdim=True)
        return self.gradInput
