"""Unsqueeze: insert a dim of size 1 at ``pos`` (shifted by a batch dim with numInputDims)."""
from .Module import Module


class Unsqueeze(Module):
    def __init__(self, pos, numInputDims=None):
        super().__init__()
        self.pos = pos
        self.numInputDims = numInputDims

    def setNumInputDims(self, numInputDims):
        self.numInputDims = numInputDims
        return self

    def updateOutput(self, input):
        self._check_tensor(input)
        pos = self.pos
        if self.numInputDims is not None and input.dim() > self.numInputDims:
            pos += input.dim() - self.numInputDims
        if not 0 <= pos <= input.dim():
            self._error(f"position {pos} out of range for input of size "
                        f"{list(input.shape)}", IndexError)
        self.output = input.unsqueeze(pos)
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput.reshape(input.shape)
        return self.gradInput

    def __repr__(self):
        return f"nn.Unsqueeze({self.pos})"
