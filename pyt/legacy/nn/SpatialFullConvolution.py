"""SpatialFullConvolution: the transposed ('full', fractionally strided) 2D convolution.

Weight (nInputPlane, nOutputPlane, kH, kW); output size (H - 1) * dH - 2 padH + kH + adjH.
"""
import math

import pyt
import pyt.nn.functional as F
from pyt._ext import nn_kernels

from ._FunctionalModule import FunctionalModule


class SpatialFullConvolution(FunctionalModule):
    def __init__(self, nInputPlane, nOutputPlane, kW, kH, dW=1, dH=1, padW=0, padH=0,
                 adjW=0, adjH=0):
        super().__init__()
        if adjW > dW - 1 and adjW or adjH > dH - 1 and adjH:
            raise ValueError("SpatialFullConvolution: adjW and adjH must be smaller than "
                             "dW and dH")
        self.nInputPlane, self.nOutputPlane = nInputPlane, nOutputPlane
        self.kW, self.kH, self.dW, self.dH = kW, kH, dW, dH
        self.padW, self.padH, self.adjW, self.adjH = padW, padH, adjW, adjH
        self.weight = pyt.empty(nInputPlane, nOutputPlane, kH, kW)
        self.gradWeight = pyt.zeros(nInputPlane, nOutputPlane, kH, kW)
        self.bias = pyt.empty(nOutputPlane)
        self.gradBias = pyt.zeros(nOutputPlane)
        self.reset()

    def noBias(self):
        self.bias = self.gradBias = None
        return self

    def reset(self, stdv=None):
        stdv = 1.0 / math.sqrt(self.kW * self.kH * self.nInputPlane) if stdv is None else stdv
        self.weight.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.uniform_(-stdv, stdv)
        return self

    def _check_input(self, input):
        self._check_tensor(input)
        n = self.nInputPlane
        self._check_size(input, input.dim() in (3, 4) and input.shape[-3] == n,
                         f"[*, {n}, H, W]")

    def _function(self, input, weight, bias=None):
        return F.conv_transpose2d(input, weight, bias, (self.dH, self.dW),
                                  (self.padH, self.padW), (self.adjH, self.adjW))

    def _grads(self, input, gradOutput, want_input, want_params):
        bias = want_params and self.bias is not None
        gi, gw, gb = nn_kernels.conv_transpose_backward(
            gradOutput, input, self.weight, (self.dH, self.dW), (self.padH, self.padW),
            (self.adjH, self.adjW), output_mask=(want_input, want_params, bias))
        return gi, ([gw, gb] if bias else [gw]) if want_params else None

    def __repr__(self):
        return (f"nn.SpatialFullConvolution({self.nInputPlane} -> {self.nOutputPlane}, "
                f"{self.kW}x{self.kH}, {self.dW},{self.dH}, {self.padW},{self.padH}, "
                f"{self.adjW},{self.adjH})")
