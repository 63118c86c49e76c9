"""SpatialConvolution: 2D convolution of (nInputPlane, H, W) images, batched or not.

Lua's argument order: kernel width before height (kW, kH, dW, dH, padW, padH). The
weight is (nOutputPlane, nInputPlane, kH, kW).
"""
import math

import pyt
from pyt._ext import nn_kernels

from ._FunctionalModule import FunctionalModule


class SpatialConvolution(FunctionalModule):
    def __init__(self, nInputPlane, nOutputPlane, kW, kH, dW=1, dH=1, padW=0, padH=None):
        super().__init__()
        self.nInputPlane, self.nOutputPlane = nInputPlane, nOutputPlane
        self.kW, self.kH, self.dW, self.dH = kW, kH, dW, dH
        self.padW = padW
        self.padH = padW if padH is None else padH
        self.weight = pyt.empty(nOutputPlane, nInputPlane, kH, kW)
        self.gradWeight = pyt.zeros(nOutputPlane, nInputPlane, kH, kW)
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
        ok = input.dim() in (3, 4) and input.shape[-3] == n
        if ok:
            h, w = input.shape[-2] + 2 * self.padH, input.shape[-1] + 2 * self.padW
            if h < self.kH or w < self.kW:
                self._error(f"input of size {list(input.shape)} (padded {h}x{w}) is smaller "
                            f"than the kernel {self.kH}x{self.kW}")
        self._check_size(input, ok, f"[*, {n}, H, W]")

    def _function(self, input, weight, bias=None):
        return nn_kernels.conv_forward(input, weight, bias, (self.dH, self.dW),
                                       (self.padH, self.padW))

    def _grads(self, input, gradOutput, want_input, want_params):
        bias = want_params and self.bias is not None
        gi, gw, gb = nn_kernels.conv_backward(
            gradOutput, input, self.weight, (self.dH, self.dW), (self.padH, self.padW),
            output_mask=(want_input, want_params, bias))
        return gi, ([gw, gb] if bias else [gw]) if want_params else None

    def __repr__(self):
        s = f"nn.SpatialConvolution({self.nInputPlane} -> {self.nOutputPlane}, " \
            f"{self.kW}x{self.kH}"
        if self.dW != 1 or self.dH != 1 or self.padW or self.padH:
            s += f", {self.dW},{self.dH}"
        if self.padW or self.padH:
            s += f", {self.padW},{self.padH}"
        return s + ")"
