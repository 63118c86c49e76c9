"""BatchNormalization: normalise each feature of a (N, nOutput) batch by the batch
statistics while training (updating running_mean / running_var), by the running ones in
evaluation; then scale by weight and shift by bias (when ``affine``). Native kernels
both ways."""
import pyt
from pyt._ext import nn_kernels

from ._FunctionalModule import FunctionalModule


class BatchNormalization(FunctionalModule):
    nDim = 2

    def __init__(self, nOutput, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        if nOutput <= 0:
            raise ValueError(f"{type(self).__name__}: nOutput must be positive")
        self.nOutput = nOutput
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.running_mean = pyt.zeros(nOutput)
        self.running_var = pyt.ones(nOutput)
        self.save_mean = self.save_invstd = None
        self._buffers = ("save_mean", "save_invstd")
        if affine:
            self.weight = pyt.empty(nOutput)
            self.bias = pyt.empty(nOutput)
            self.gradWeight = pyt.zeros(nOutput)
            self.gradBias = pyt.zeros(nOutput)
            self.reset()
        else:
            self.weight = self.bias = self.gradWeight = self.gradBias = None

    def reset(self, stdv=None):
        if self.weight is not None:
            self.weight.uniform_(0, 1)
            self.bias.zero_()
        self.running_mean.zero_()
        self.running_var.fill_(1)
        return self

    def _check_input(self, input):
        self._check_tensor(input)
        n, d = self.nOutput, self.nDim
        expected = "[N, %d]" % n if d == 2 else "[N, %d, H, W]" % n
        self._check_size(input, input.dim() == d and input.shape[1] == n, expected)
        if self.train and input.numel() // n <= 1:
            self._error(f"expected more than one value per feature while training but got "
                        f"input of size {list(input.shape)}")

    def updateOutput(self, input):
        self._check_input(input)
        # the batch statistics are kept for the backward pass
        self.output, self.save_mean, self.save_invstd = nn_kernels.native_batch_norm(
            input, self.weight, self.bias, self.running_mean, self.running_var, self.train,
            self.momentum, self.eps)
        return self.output

    def _grads(self, input, gradOutput, want_input, want_params):
        want_params = want_params and self.affine
        gi, gw, gb = nn_kernels.native_batch_norm_backward(
            gradOutput, input, self.weight, self.running_mean, self.running_var,
            self.save_mean, self.save_invstd, self.train, self.eps,
            (want_input, want_params, want_params))
        return gi, ([gw, gb] if want_params else None)

    def __repr__(self):
        return f"nn.{type(self).__name__} ({self.nOutput})"
