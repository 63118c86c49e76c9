"""SoftPlus: log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
import pyt.nn.functional as F

from .Module import Module


class SoftPlus(Module):
    def __init__(self, beta=1, threshold=20):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def updateOutput(self, input):
        self._check_tensor(input)
        self.output = F.softplus(input, self.beta, self.threshold)
        return self.output

    def updateGradInput(self, input, gradOutput):
        bx = input * self.beta
        slope = bx.sigmoid().masked_fill(bx > self.threshold, 1)
        self.gradInput = gradOutput * slope
        return self.gradInput
