"""LayerNorm, GroupNorm, LocalResponseNorm, CrossMapLRN2d, RMSNorm."""
import numbers

import numpy as np

import pyt
from pyt.nn import functional as F
from pyt.nn import init
from pyt.nn.parameter import Parameter
from pyt.nn.modules.module import Module
from pyt.autograd import Function

__all__ = ["LayerNorm", "GroupNorm", "LocalResponseNorm", "CrossMapLRN2d", "RMSNorm"]


class LayerNorm(Module):
    """Normalises over the last len(normalized_shape) dims of each sample."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(pyt.empty(*self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(pyt.empty(*self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalises each group of num_channels // num_groups channels of each sample."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(pyt.empty(num_channels, dtype=dtype))
            if bias:
                self.bias = Parameter(pyt.empty(num_channels, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """Divides each value by a power of the summed squares of its neighbour channels."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    """Divides by the root mean square over the last len(normalized_shape) dims; eps None
    means the input dtype's machine epsilon."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(pyt.empty(*self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


def _channel_windows(channels, size):
    """The [C, C] 0/1 matrices of torch's legacy CrossMapLRN2d: which channels' squares
    each channel's scale sums (a window of 2 * pre_pad - 1 channels, plus channel 0, which
    torch's running sum never subtracts), and which ratios its gradient sums."""
    pre_pad = int((size - 1) / 2 + 1)
    c = np.arange(channels)[:, None]
    j = np.arange(channels)[None, :]
    lo = np.maximum(c - pre_pad + 1, 0)
    forward = ((j >= lo) & (j <= c + pre_pad - 1)) | ((j == 0) & (lo > 0))
    shift = int(size - (size - 1) / 2)
    backward = (j >= c - shift) & (j <= c + size - 1 - shift)
    return forward.astype(np.float64), backward.astype(np.float64)


def _mix_channels(t, matrix):
    """out[:, c] = sum over j of matrix[c, j] * t[:, j]."""
    m = pyt.from_numpy(matrix).to(t.dtype).to(t.device)
    return (t.movedim(1, -1) @ m.t()).movedim(-1, 1)


class _CrossMapLRN2dFunction(Function):
    """torch's legacy forward and its hand-written backward, vectorised over channels."""

    @staticmethod
    def forward(ctx, input, size, alpha, beta, k):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             f"instead.")
        forward, backward = _channel_windows(input.size(1), size)
        scale = _mix_channels(input * input, forward) * (alpha / size) + k
        output = scale.pow(-beta) * input
        ctx.save_for_backward(input, output, scale)
        ctx.backward_window, ctx.size, ctx.alpha, ctx.beta = backward, size, alpha, beta
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, output, scale = ctx.saved_tensors
        accum = _mix_channels(grad_output * output / scale, ctx.backward_window)
        grad = scale.pow(-ctx.beta) * grad_output - \
            (2 * ctx.alpha * ctx.beta / ctx.size) * input * accum
        return grad, None, None, None, None


class CrossMapLRN2d(Module):
    """torch's legacy (Lua Torch) cross-channel LRN for 4-D input; unlike
    LocalResponseNorm its window is always odd and always includes channel 0."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return _CrossMapLRN2dFunction.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
