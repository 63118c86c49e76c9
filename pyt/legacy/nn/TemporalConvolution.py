"""TemporalConvolution: 1D convolution over frames of (nFrame, inputFrameSize) sequences,
batched or not. The weight is (outputFrameSize, kW * inputFrameSize), frame-major."""
import math

import pyt

from ._FunctionalModule import FunctionalModule


class TemporalConvolution(FunctionalModule):
    def __init__(self, inputFrameSize, outputFrameSize, kW, dW=1):
        super().__init__()
        self.inputFrameSize, self.outputFrameSize = inputFrameSize, outputFrameSize
        self.kW, self.dW = kW, dW
        self.weight = pyt.empty(outputFrameSize, kW * inputFrameSize)
        self.gradWeight = pyt.zeros(outputFrameSize, kW * inputFrameSize)
        self.bias = pyt.empty(outputFrameSize)
        self.gradBias = pyt.zeros(outputFrameSize)
        self.reset()

    def reset(self, stdv=None):
        stdv = 1.0 / math.sqrt(self.kW * self.inputFrameSize) if stdv is None else stdv
        self.weight.uniform_(-stdv, stdv)
        self.bias.uniform_(-stdv, stdv)
        return self

    def _check_input(self, input):
        self._check_tensor(input)
        n = self.inputFrameSize
        self._check_size(input, input.dim() in (2, 3) and input.shape[-1] == n,
                         f"[*, nFrame, {n}]")
        if input.shape[-2] < self.kW:
            self._error(f"input of {input.shape[-2]} frames is shorter than the kernel "
                        f"width {self.kW}")

    def _function(self, input, weight, bias):
        # windows of kW frames, each flattened frame after frame: (..., nOut, kW * size)
        windows = input.unfold(-2, self.kW, self.dW).transpose(-1, -2)
        windows = windows.reshape(*windows.shape[:-2], -1)
        return windows.matmul(weight.t()) + bias

    def __repr__(self):
        return (f"nn.TemporalConvolution({self.inputFrameSize} -> {self.outputFrameSize}, "
                f"{self.kW}, {self.dW})")
