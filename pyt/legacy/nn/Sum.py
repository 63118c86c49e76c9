"""Sum: the sum over ``dimension`` (a mean with sizeAverage; nInputDims allows a batch)."""
from .Module import Module


class Sum(Module):
    def __init__(self, dimension=0, nInputDims=None, sizeAverage=False, squeeze=True):
        super().__init__()
        self.dimension = dimension
        self.nInputDims = nInputDims
        self.sizeAverage = sizeAverage
        self.squeeze = squeeze

    def _dim(self, input):
        self._check_tensor(input)
        d = self.dimension
        if self.nInputDims is not None and input.dim() == self.nInputDims + 1:
            d += 1
        if not 0 <= d < input.dim():
            self._error(f"dimension {d} out of range for input of size {list(input.shape)}",
                        IndexError)
        return d

    def updateOutput(self, input):
        d = self._dim(input)
        out = input.sum(d, keepdim=True)
        if self.sizeAverage:
            out = out / input.shape[d]
        self.output = out.squeeze(d) if self.squeeze else out
        return self.output

    def updateGradInput(self, input, gradOutput):
        d = self._dim(input)
        g = gradOutput.unsqueeze(d) if self.squeeze else gradOutput
        if self.sizeAverage:
            g = g / input.shape[d]
        self.gradInput = g.expand(*input.shape).contiguous()
        return self.gradInput
