"""Replicate: ``nfeature`` copies of the input stacked along a new dim (an expanded view)."""
from .Module import Module


class Replicate(Module):
    def __init__(self, nfeature, dim=0, ndim=None):
        super().__init__()
        self.nfeatures = nfeature
        self.dim = dim
        self.ndim = ndim

    def _dim(self, input):
        dim = self.dim + (1 if self.ndim is not None and input.dim() == self.ndim + 1 else 0)
        if not 0 <= dim <= input.dim():
            self._error(f"dim {dim} out of range for input of size {list(input.shape)}",
                        IndexError)
        return dim

    def updateOutput(self, input):
        self._check_tensor(input)
        dim = self._dim(input)
        shape = list(input.shape)
        shape.insert(dim, self.nfeatures)
        self.output = input.unsqueeze(dim).expand(*shape)
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput.sum(self._dim(input))
        return self.gradInput
