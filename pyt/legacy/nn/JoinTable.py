"""JoinTable: a table of tensors concatenated along one dimension."""
import pyt

from .Module import Module


class JoinTable(Module):
    """``nInputDims`` makes ``dimension`` count from the sample dims (a batch dim in
    front shifts it by one)."""

    def __init__(self, dimension, nInputDims=None):
        super().__init__()
        self.dimension = dimension
        self.nInputDims = nInputDims
        self._sizes = []

    def _dim(self, first):
        if self.nInputDims is not None and first.dim() == self.nInputDims + 1:
            return self.dimension + 1
        return self.dimension

    def updateOutput(self, input):
        self._check_table(input)
        if not input:
            self._error("expected a non-empty table")
        dim = self._dim(input[0])
        shape = list(input[0].shape)
        for t in input:
            self._check_tensor(t)
            other = list(t.shape)
            if dim >= len(shape) or len(other) != len(shape) or \
                    other[:dim] + other[dim + 1:] != shape[:dim] + shape[dim + 1:]:
                want = shape[:dim] + ["*"] + shape[dim + 1:] if dim < len(shape) else shape
                self._error(f"expected input of size {want} but got {other}".replace("'", ""))
        self._sizes = [t.shape[dim] for t in input]
        self.output = pyt.cat(list(input), dim)
        return self.output

    def updateGradInput(self, input, gradOutput):
        dim = self._dim(input[0])
        self.gradInput = list(gradOutput.split(self._sizes, dim))
        return self.gradInput

    def __repr__(self):
        return f"nn.JoinTable({self.dimension})"
