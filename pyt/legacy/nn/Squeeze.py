"""Squeeze: drop dims of size 1 (all, or only ``dim``; numInputDims allows a batch dim)."""
from .Module import Module


class Squeeze(Module):
    def __init__(self, dim=None, numInputDims=None):
        super().__init__()
        self.dim = dim
        self.numInputDims = numInputDims

    def updateOutput(self, input):
        self._check_tensor(input)
        if self.dim is None:
            out = input.squeeze()
            if self.numInputDims is not None and input.dim() > self.numInputDims \
                    and input.shape[0] == 1:
                out = out.unsqueeze(0)      # keep a batch of one
        else:
            dim = self.dim
            if self.numInputDims is not None and input.dim() > self.numInputDims:
                dim += 1
            if not -input.dim() <= dim < input.dim():
                self._error(f"dim {dim} out of range for input of size {list(input.shape)}",
                            IndexError)
            out = input.squeeze(dim)
        self.output = out
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput.reshape(input.shape)
        return self.gradInput
