"""Identity: output is the input (a tensor or a table), gradInput is gradOutput."""
from .Module import Module


class Identity(Module):
    def updateOutput(self, input):
        self.output = input
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput
        return self.gradInput
