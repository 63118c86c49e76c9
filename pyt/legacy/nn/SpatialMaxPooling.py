"""SpatialMaxPooling: the maximum over kW x kH windows (``ceil()`` rounds the output
size up)."""
import pyt
import pyt.nn.functional as F

from .Module import Module


class SpatialMaxPooling(Module):
    def __init__(self, kW, kH, dW=None, dH=None, padW=0, padH=0):
        super().__init__()
        self.kW, self.kH = kW, kH
        self.dW = kW if dW is None else dW
        self.dH = kH if dH is None else dH
        self.padW, self.padH = padW, padH
        self.ceil_mode = False
        self.indices = None
        self._buffers = ("indices",)

    def ceil(self):
        self.ceil_mode = True
        return self

    def floor(self):
        self.ceil_mode = False
        return self

    def _check(self, input):
        self._check_tensor(input)
        if input.dim() not in (3, 4):
            self._error(f"expected input of size [*, C, H, W] but got {list(input.shape)}")
        if input.shape[-2] + 2 * self.padH < self.kH or input.shape[-1] + 2 * self.padW < self.kW:
            self._error(f"input of size {list(input.shape)} is smaller than the kernel "
                        f"{self.kH}x{self.kW}")

    def updateOutput(self, input):
        self._check(input)
        self.output, self.indices = F.max_pool2d_with_indices(
            input, (self.kH, self.kW), (self.dH, self.dW), (self.padH, self.padW),
            ceil_mode=self.ceil_mode)
        return self.output

    def updateGradInput(self, input, gradOutput):
        # each window's gradient goes to its arg max (flat index within the plane)
        planes = input.shape[:-2]
        flat = gradOutput.reshape(*planes, -1)
        grad = pyt.zeros(*planes, input.shape[-2] * input.shape[-1], dtype=gradOutput.dtype)
        grad.scatter_add_(-1, self.indices.reshape(*planes, -1), flat)
        self.gradInput = grad.view(input.shape)
        return self.gradInput

    def __repr__(self):
        s = f"nn.SpatialMaxPooling({self.kW}x{self.kH}, {self.dW},{self.dH}"
        if self.padW or self.padH:
            s += f", {self.padW},{self.padH}"
        return s + ")"
