"""SpatialAveragePooling: the mean over kW x kH windows.

Padding counts in the divisor by default, as in Lua (``setCountExcludePad`` changes it);
``ceil()`` rounds the output size up.
"""
import pyt.nn.functional as F
from pyt._ext import nn_kernels

from ._FunctionalModule import FunctionalModule


class SpatialAveragePooling(FunctionalModule):
    def __init__(self, kW, kH, dW=1, dH=1, padW=0, padH=0):
        super().__init__()
        self.kW, self.kH, self.dW, self.dH = kW, kH, dW, dH
        self.padW, self.padH = padW, padH
        self.ceil_mode = False
        self.count_include_pad = True
        self.divide = True

    def ceil(self):
        self.ceil_mode = True
        return self

    def floor(self):
        self.ceil_mode = False
        return self

    def setCountIncludePad(self):
        self.count_include_pad = True
        return self

    def setCountExcludePad(self):
        self.count_include_pad = False
        return self

    def _check_input(self, input):
        self._check_tensor(input)
        if input.dim() not in (3, 4):
            self._error(f"expected input of size [*, C, H, W] but got {list(input.shape)}")
        if input.shape[-2] + 2 * self.padH < self.kH or input.shape[-1] + 2 * self.padW < self.kW:
            self._error(f"input of size {list(input.shape)} is smaller than the kernel "
                        f"{self.kH}x{self.kW}")

    def _function(self, input):
        out = F.avg_pool2d(input, (self.kH, self.kW), (self.dH, self.dW),
                           (self.padH, self.padW), self.ceil_mode, self.count_include_pad)
        return out if self.divide else out * (self.kW * self.kH)

    def _grads(self, input, gradOutput, want_input, want_params):
        if not self.divide:
            gradOutput = gradOutput * (self.kW * self.kH)
        gi = nn_kernels.avg_pool2d_backward(gradOutput, input, (self.kH, self.kW),
                                            (self.dH, self.dW), (self.padH, self.padW),
                                            self.ceil_mode, self.count_include_pad)
        return gi, None

    def __repr__(self):
        s = f"nn.SpatialAveragePooling({self.kW}x{self.kH}, {self.dW},{self.dH}"
        if self.padW or self.padH:
            s += f", {self.padW},{self.padH}"
        return s + ")"
