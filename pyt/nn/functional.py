"""torch.nn.functional: the stateless forms of pyt.nn's layers, activations and losses.

The heavy ops (convolution, pooling, normalisation, softmax, embedding, dropout, pad,
interpolate, unfold/fold) are native kernels of pyt._ext.nn_kernels that record their own
derivatives; everything else here is composed from pyt ops, which record theirs, so every
function is differentiable without extra code.
"""
import itertools
import math
import warnings

import numpy as np

import pyt
from pyt.nn._argument_checks import check_tensor_arguments
from pyt._functional.shapes import broadcast_pair
from pyt._ext import nn_kernels as _k
from pyt._ext.nn_kernels import (
    conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
    max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices, max_pool2d_with_indices,
    max_pool3d_with_indices, avg_pool1d, avg_pool2d, avg_pool3d, adaptive_avg_pool1d,
    adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d, adaptive_max_pool2d,
    adaptive_max_pool3d, adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices, max_unpool1d, max_unpool2d, max_unpool3d, unfold, fold,
    pad, interpolate, batch_norm, layer_norm, group_norm, embedding,
)
from pyt.nn._ctc import ctc_loss

# ---------------------------------------------------------------- helpers

def _legacy_reduction(size_average, reduce):
    """The reduction string that torch's deprecated size_average / reduce flags stand for."""
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='{}' instead.".format(
                      _legacy_string(size_average, reduce)), stacklevel=3)
    return _legacy_string(size_average, reduce)


def _legacy_string(size_average, reduce):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    return reduction


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_reduction(reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_target_size(input, target):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _inplace(input, result):
    """Writes result into input (the in-place variants) and returns input."""
    return input.copy_(result)


def _source(input, inplace):
    """The tensor an in-place variant computes from: a copy when autograd tracks input, so
    the values its derivative saves are not the ones overwritten."""
    return input.clone() if inplace and input.requires_grad else input


def _float_only(input, kernel):
    """torch's activation kernels exist for floating types only."""
    if not input.is_floating_point():
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_type_name(input.dtype)}'")


def _check_dropout_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


# ---------------------------------------------------------------- linear layers

def linear(input, weight, bias=None):
    """y = input @ weight.T + bias over the last dim of input."""
    if input.dim() == 2:
        if bias is None:
            return pyt.mm(input, weight.t())
        return pyt.addmm(bias, input, weight.t())
    if input.dim() > 2:                 # one matrix product over all leading dims
        flat = input.reshape(-1, input.shape[-1])
        out = linear(flat, weight, bias)
        return out.reshape(tuple(input.shape[:-1]) + tuple(out.shape[1:]))
    if input.dim() == 1 and weight.dim() == 2 and input.shape[0] != weight.shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{input.shape[0]} "
                           f"and {weight.shape[1]}x{weight.shape[0]})")
    out = pyt.matmul(input, weight.t() if weight.dim() == 2 else weight)
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = x1[..., i] * weight[o, i, j] * x2[..., j] + bias[o]."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got "
                           f"{weight.dim()}")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {in2}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # [B, i] @ [i, o * j] -> [B, o, j], then contract j against x2
    mixed = pyt.mm(x1, weight.permute(1, 0, 2).reshape(in1, out_f * in2))
    out = (mixed.reshape(-1, out_f, in2) * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (out_f,))


# ---------------------------------------------------------------- pooling extras

def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x ** p) ** (1 / p)."""
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kernel_size).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kh * kw).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kh, kw = (kernel_size,) * 3 if isinstance(kernel_size, int) else kernel_size
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kd * kh * kw).pow(1.0 / norm_type)


def _fractional_starts(samples, in_size, out_size, pool):
    """Window starts [N, C, out_size] from one uniform sample per plane: the pseudo-random
    increasing sequence of Graham's fractional max pooling, computed as torch's kernel does
    (in the samples' floating type, truncated) so the same samples give the same windows."""
    ftype = np.float64 if samples.dtype == np.float64 else np.float32
    s = samples.astype(ftype)
    starts = np.empty(s.shape + (out_size,), np.int64)
    if out_size > 1:
        alpha = ftype(in_size - pool) / ftype(out_size - 1)
        steps = np.arange(out_size - 1, dtype=ftype)
        starts[..., :-1] = ((steps + s[..., None]) * alpha).astype(np.int64) - \
            (s * alpha).astype(np.int64)[..., None]
    if out_size > 0:
        starts[..., -1] = in_size - pool
    return starts


def _fractional_max_pool(input, kernel_size, output_size, output_ratio, samples, nd, name):
    """Max over the windows that _fractional_starts places; returns (values, indices into
    each flattened plane), the first maximum of a window winning, or its last NaN."""
    kernel = (kernel_size,) * nd if isinstance(kernel_size, int) else tuple(kernel_size)
    if output_size is None and output_ratio is None:
        raise ValueError(f"fractional_max_pool{nd}d requires specifying either an output_size "
                         f"or an output_ratio")
    if output_size is None:
        if len(output_ratio) > nd:
            raise ValueError(f"fractional_max_pool{nd}d requires output_ratio to either be a "
                             f"single Int or tuple of Ints.")
        ratio = (output_ratio,) * nd if isinstance(output_ratio, (int, float)) else \
            tuple(output_ratio)
        output_size = [int(input.size(d - nd) * ratio[d]) for d in range(nd)]
    out = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    if samples is None:
        # drawn before the rank checks, so a too-small input fails on its size() as in torch
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        samples = pyt.rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype,
                           device=input.device)
    where = f"fractional_max_pool{nd}d()" if nd == 2 else "fractional_max_pool3d_out()"
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{where}: Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    for d in range(input.dim() - nd - 1, input.dim()):
        if input.size(d) == 0:
            raise RuntimeError(f"{where}: Expected input to have non-zero size for non-batch "
                               f"dimensions, but got{list(input.shape)} with dimension {d} "
                               f"being empty.")
    batched = input.dim() == nd + 2
    x = input if batched else input.unsqueeze(0)
    N, C, spatial = x.size(0), x.size(1), tuple(x.shape[2:])
    if samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got "
                           f"{samples.dim()}")
    if samples.size(2) != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got "
                           f"{samples.size(2)}.")
    if samples.size(0) < N:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.size(1) != C:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    names = ("height", "width") if nd == 2 else ("time", "height", "width")
    for d in range(nd):
        fits = out[d] + kernel[d] - 1 <= spatial[d] if nd == 2 else \
            out[d] + kernel[d] - 1 < spatial[d]         # torch's 3-d check is strict
        if not fits:
            raise RuntimeError(f"{where}: pool {names[d]} {kernel[d]} too large relative to "
                               f"input {names[d]} {spatial[d]}")
    if any(o < 0 for o in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(out)}: {[N, C, *out]}")
    # the flat position in its plane of every element of every window: [N, C, *out, *kernel]
    host = samples[:N].detach().cpu().numpy()
    strides = [int(np.prod(spatial[d + 1:])) for d in range(nd)]
    flat = np.zeros((N, C) + out + kernel, np.int64)
    for d in range(nd):
        # torch's samples are ordered width, height for 2-d and time, height, width for 3-d
        which = (1, 0)[d] if nd == 2 else d
        starts = _fractional_starts(host[:, :, which], spatial[d], out[d], kernel[d])
        pos = starts[..., None] + np.arange(kernel[d])           # [N, C, out_d, kernel_d]
        shape = [N, C] + [1] * (2 * nd)
        shape[2 + d], shape[2 + nd + d] = out[d], kernel[d]
        flat = flat + (pos * strides[d]).reshape(shape)
    window = int(np.prod(kernel))
    flat = pyt.from_numpy(np.ascontiguousarray(flat.reshape(N, C, -1))).to(input.device)
    vals = x.reshape(N, C, -1).gather(2, flat).reshape(N, C, *out, window)
    nan = vals.isnan()
    last_nan = (window - 1) - nan.flip(-1).long().argmax(-1, keepdim=True)
    choice = pyt.where(nan.any(-1, keepdim=True), last_nan, vals.argmax(-1, keepdim=True))
    values = vals.gather(-1, choice).squeeze(-1)
    indices = flat.reshape(N, C, *out, window).gather(-1, choice).squeeze(-1)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return values, indices


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """Max pooling over pseudo-randomly placed kH x kW windows giving output_size (or
    input size * output_ratio); one uniform sample per (sample, channel) and dim places
    them. Returns (output, indices)."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio,
                                _random_samples, 2, "fractional_max_pool2d")


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    out, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size,
                                                      output_ratio, return_indices,
                                                      _random_samples)
    return (out, indices) if return_indices else out


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """The 3-d form of fractional_max_pool2d_with_indices."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio,
                                _random_samples, 3, "fractional_max_pool3d")


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    out, indices = fractional_max_pool3d_with_indices(input, kernel_size, output_size,
                                                      output_ratio, return_indices,
                                                      _random_samples)
    return (out, indices) if return_indices else out


# ---------------------------------------------------------------- normalisation

def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalises each (sample, channel) plane over its spatial dims."""
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum,
                          eps)
    spatial = 1
    for s in input.shape[2:]:
        spatial *= s
    if spatial == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input "
                         f"size {input.size()}")
    N, C = input.shape[0], input.shape[1]
    if running_mean is not None or running_var is not None:
        # the running statistics average the per-instance ones over the batch
        with pyt.no_grad():
            planes = input.detach().reshape(N, C, -1)
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(planes.mean(2).mean(0) * momentum)
            if running_var is not None:
                running_var.mul_(1 - momentum).add_(
                    planes.var(2, correction=1).mean(0) * momentum)
    # group norm with one group per channel is instance norm
    return group_norm(input, C, weight, bias, eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Divides each value by (k + alpha * mean of squares over `size` neighbouring
    channels) ** beta."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          "
                         f"input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    sq = (input * input).unsqueeze(1)
    if dim == 3:
        sq = pad(sq, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(sq, (size, 1), stride=1).squeeze(1)
    else:
        shape = input.shape
        sq = sq.reshape(shape[0], 1, shape[1], shape[2], -1)
        sq = pad(sq, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(sq, (size, 1, 1), stride=1).squeeze(1).reshape(shape)
    return input / (div * alpha + k).pow(beta)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """input / sqrt(mean(input ** 2 over the trailing normalized_shape dims) + eps) * weight,
    computed in float32 for half inputs and returned in the input's dtype, as torch does."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    if not input.is_floating_point():
        raise NotImplementedError(f'"rms_norm" not implemented for '
                                  f"'{_type_name(input.dtype)}'")
    if input.dim() < len(shape):
        raise ValueError(f"Input tensor must have at least {len(shape)} dimensions, but got "
                         f"{input.dim()}")
    if tuple(input.shape[input.dim() - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in shape)}], but got input of size"
                           f"{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(shape)}")
    x = input.float() if input.dtype in (pyt.float16, pyt.bfloat16) else input
    if eps is None:
        eps = pyt.finfo(x.dtype).eps            # of the float32 it computes in, for halves
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    out = x * pyt.rsqrt((x * x).mean(dims, keepdim=True) + eps)
    if weight is not None:
        out = out * weight
    return out.to(input.dtype)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return pyt.div(input, denom, out=out)


# ---------------------------------------------------------------- dropout

def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes elements with probability p and scales the rest by 1 / (1 - p)."""
    return _k.dropout(input, p, training, inplace)


def _feature_dropout(input, p, training, inplace, batched_dims):
    """Drops whole channels: one keep/drop draw per (sample, channel)."""
    _check_dropout_p(p)
    if not training or p == 0:
        return input
    batched = input.dim() == batched_dims
    x = _source(input, inplace)
    x = x if batched else x.unsqueeze(0)
    if x.dim() < 2 and p != 1:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    mask_shape = tuple(x.shape[:2]) + (1,) * (x.dim() - 2)
    keep = pyt.empty(mask_shape, dtype=x.dtype, device=x.device).bernoulli_(1 - p)
    scale = 0.0 if p == 1 else 1.0 / (1 - p)
    out = x * (keep * scale)
    if not batched:
        out = out.squeeze(0)
    return _inplace(input, out) if inplace else out


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_dropout_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a "
                           f"{input.dim()}D input. Note that dropout1d exists to provide "
                           f"channel-wise dropout on inputs with 1 spatial dimension, a "
                           f"channel dimension, and an optional batch dimension (i.e. 2D or "
                           f"3D inputs).")
    return _feature_dropout(input, p, training, inplace, 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_dropout_p(p)
    if input.dim() not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.dim()}-D input to dropout2d, which is "
                      f"deprecated and will result in an error in a future release. To "
                      f"retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that dropout2d exists to provide channel-wise dropout on "
                      f"inputs with 2 spatial dimensions, a channel dimension, and an optional "
                      f"batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    # torch treats every input as batched here (a 3-D one as [N, C, L])
    return _feature_dropout(input, p, training, inplace, input.dim())


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_dropout_p(p)
    if input.dim() not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.dim()}-D input to dropout3d, which is "
                      f"deprecated and will result in an error in a future release. To "
                      f"retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that dropout3d exists to provide channel-wise dropout on "
                      f"inputs with 3 spatial dimensions, a channel dimension, and an optional "
                      f"batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, 5)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_ALPHA_PRIME = _SELU_ALPHA * _SELU_SCALE    # the value SELU saturates to, negated


def _alpha_dropout(input, p, training, inplace, feature):
    """Dropout that keeps SELU's zero mean and unit variance: dropped values go to SELU's
    saturation value, then an affine map restores the moments."""
    _check_dropout_p(p)
    if not training or p == 0:
        return input
    if p == 1:
        out = input * 0.0
        return _inplace(input, out) if inplace else out
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = (tuple(input.shape[:2]) + (1,) * (input.dim() - 2)) if feature else input.shape
    keep = pyt.empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p)
    a = 1.0 / math.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    b = (keep - 1) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p
    out = _source(input, inplace) * (keep * a) + b
    return _inplace(input, out) if inplace else out


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, inplace, True)


# ---------------------------------------------------------------- sparse

def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxes of bags of embedding rows. A 2-D input holds one bag per row;
    a 1-D input is cut into bags at `offsets`."""
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                      f"per_sample_weights is only supported for "
                                      f"mode='sum' (got mode='{mode}'). Please open a feature "
                                      f"request on GitHub.")
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}"
                             f") is not None, then it must have the same shape as the input "
                             f"({input.shape})")
    num_weights = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num_weights:
                raise AssertionError("padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num_weights:
                raise AssertionError("padding_idx must be within num_embeddings")
            padding_idx += num_weights
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is "
                             f"treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {type(offsets)}")
        B, L = input.shape
        idx = input
        valid = pyt.ones(B, L, dtype=pyt.bool, device=input.device)
        psw = per_sample_weights
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = offsets.long()
        n = input.shape[0]
        if include_last_offset:
            ends_given = offs[1:]
            offs = offs[:-1]
        B = offs.shape[0]
        if B and int(offs[0]) != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                               f"mini-batch has to start from position 0. However, got "
                               f"{int(offs[0])}")
        if B and int(offs[-1]) > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} "
                               f"but got offsets[-1] of {int(offs[-1])}")
        ends = pyt.cat([offs[1:], pyt.tensor([n], device=offs.device)]) if B else offs
        if include_last_offset and B:
            ends = pyt.minimum(ends, ends_given)
        lengths = (ends - offs).clamp_min(0)
        L = int(lengths.max()) if B else 0
        # lay the bags out as rows of a [B, L] grid, padded where a bag is shorter
        pos = pyt.arange(L, device=input.device).unsqueeze(0)
        valid = pos < lengths.unsqueeze(1)
        flat = (offs.unsqueeze(1) + pos).clamp_max(max(n - 1, 0))
        idx = input.long()[flat] if n else pyt.zeros(B, L, dtype=pyt.int64,
                                                        device=input.device)
        psw = per_sample_weights[flat] if per_sample_weights is not None else None
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if padding_idx is not None:
        valid = valid & (idx != padding_idx)
    if max_norm is not None:            # renormalise only the rows the bags really use
        embedding(idx[valid], weight, None, max_norm, norm_type)
    rows = embedding(idx.masked_fill(~valid, 0), weight, None, None, norm_type,
                     scale_grad_by_freq, sparse)
    keep = valid.unsqueeze(-1)
    if mode == "max":
        picked = rows.masked_fill(~keep, float("-inf")).amax(1) if L else \
            pyt.zeros(B, weight.shape[1], dtype=weight.dtype, device=weight.device)
        return picked.masked_fill(~valid.any(1, keepdim=True), 0) if L else picked
    if psw is not None:
        rows = rows * psw.unsqueeze(-1)
    total = (rows * keep.to(rows.dtype)).sum(1)
    if mode == "sum":
        return total
    count = valid.sum(1, keepdim=True).clamp_min(1).to(total.dtype)
    return total / count


def one_hot(tensor, num_classes=-1):
    """[..., num_classes] int64 with a 1 at each index of tensor."""
    if tensor.dtype != pyt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes < 1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return pyt.zeros(tuple(tensor.shape) + (num_classes,), dtype=pyt.int64,
                         device=tensor.device)
    if int(tensor.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(tensor.max()) + 1
    elif int(tensor.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = pyt.zeros(tuple(tensor.shape) + (num_classes,), dtype=pyt.int64,
                    device=tensor.device)
    return out.scatter_(-1, tensor.unsqueeze(-1), 1)


# ---------------------------------------------------------------- vision

def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input, upscale_factor):
    """[*, C * r * r, H, W] -> [*, C, H * r, W * r]."""
    r = upscale_factor
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """[*, C, H * r, W * r] -> [*, C * r * r, H, W]."""
    r = downscale_factor
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, "
                           f"but got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """Interleaves the channels of `groups` groups: [N, g * k, *] -> channel order
    (0, k, 2k, ..., 1, k + 1, ...)."""
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input "
                           f"with sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value "
                           f"of groups:{groups}")
    n, c = input.shape[0], input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    rest = tuple(input.shape[2:])
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


def affine_grid(theta, size, align_corners=None):
    """The sampling grid [N, H, W, 2] (or [N, D, H, W, 3]) of the affine maps theta."""
    if align_corners is None:
        _warn_align_corners()
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    spatial = size[2:]

    def coords(n):
        c = pyt.linspace(-1, 1, n, dtype=theta.dtype, device=theta.device) if n > 1 else \
            pyt.zeros(1, dtype=theta.dtype, device=theta.device)
        return c if align_corners else c * ((n - 1) / n)

    # homogeneous base grid, x (the last dim) first
    axes = [coords(n) for n in reversed(spatial)]
    k = len(spatial)
    parts = []
    for i, a in enumerate(axes):
        shape = [1] * k
        shape[k - 1 - i] = spatial[k - 1 - i]
        parts.append(a.reshape(shape).expand(*spatial))
    parts.append(pyt.ones(spatial, dtype=theta.dtype, device=theta.device))
    base = pyt.stack(parts, -1).reshape(1, -1, k + 1)
    grid = pyt.matmul(base.expand(size[0], -1, -1), theta.transpose(1, 2))
    return grid.reshape(size[0], *spatial, k)


def _warn_align_corners():
    warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.",
                  stacklevel=4)  # past the argument-check wrapper


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, low, high):
    """Folds coord into [low, high] by reflecting at the ends (low, high doubled)."""
    if low == high:
        return pyt.zeros_like(coord)
    lo, span = low / 2, (high - low) / 2
    x = (coord - lo).abs()
    extra = pyt.fmod(x, span)
    flips = pyt.floor(x / span)
    return pyt.where(pyt.fmod(flips, 2) == 0, extra + lo, span - extra + lo)


def _pad_coord(x, size, padding_mode, align_corners, nan_to):
    """Moves pixel coordinate x into [0, size - 1] as padding_mode says ('zeros' leaves it)."""
    if padding_mode == "zeros":
        return x
    if padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
    # a coordinate that is NaN (or inf folded by reflection) samples pixel nan_to, as
    # torch's kernels do: 0 in 2-D, the last pixel in 3-D; like theirs, the gradient
    # passes strictly inside the input only (not on its edges)
    edge = pyt.where(pyt.isnan(x), float(nan_to), x.clamp(0, size - 1)).detach()
    return pyt.where((x > 0) & (x < size - 1), x, edge)


def _cubic_weights(t):
    """Cubic convolution (A = -0.75) weights of the taps at -1, 0, 1, 2 for fraction t."""
    A = -0.75

    def near(s):                        # |s| <= 1
        return ((A + 2) * s - (A + 3)) * s * s + 1

    def far(s):                         # 1 < |s| < 2
        return ((A * s - 5 * A) * s + 8 * A) * s - 4 * A
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Samples input [N, C, H, W] ([N, C, D, H, W]) at the normalised (x, y) ((x, y, z))
    points of grid [N, Ho, Wo, 2] ([N, Do, Ho, Wo, 3])."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        _warn_align_corners()
        align_corners = False
    _check_grid_sample(input, grid, mode)
    N, C = input.shape[:2]
    k = input.dim() - 2
    sizes = list(input.shape[2:])[::-1]             # W, H (, D): the grid's order
    out_shape = list(grid.shape[1:-1])
    flat = input.reshape(N, C, math.prod(sizes))
    points = [_unnormalize(grid[..., i], sizes[i], align_corners) for i in range(k)]
    nan_to = [0 if k == 2 else s - 1 for s in sizes]
    if mode != "bicubic":               # bicubic pads each tap instead of the point
        points = [_pad_coord(p, s, padding_mode, align_corners, n)
                  for p, s, n in zip(points, sizes, nan_to)]

    def tap(coords, weight):
        """weight * input at integer points coords (x, y[, z]), each [N, *out_shape]:
        zero outside the input."""
        if mode == "bicubic":
            coords = [_pad_coord(c, s, padding_mode, align_corners, n)
                      for c, s, n in zip(coords, sizes, nan_to)]
        inside = True
        for c, s in zip(coords, sizes):
            inside = inside & (c >= 0) & (c <= s - 1)
        # points outside (NaN included: .long() of NaN is no index) read element 0
        lin = 0
        for c, s in zip(coords[::-1], sizes[::-1]):
            lin = lin * s + pyt.where(inside, c, 0.0)
        lin = lin.long().reshape(N, 1, math.prod(out_shape))
        vals = flat.gather(2, lin.expand(N, C, lin.shape[2])).reshape(N, C, *out_shape)
        inside = inside.unsqueeze(1)
        if k == 3:                      # torch's 3-D kernel skips such taps, NaN weights too
            return pyt.where(inside, vals * weight, 0.0)
        return vals * inside.to(vals.dtype) * weight

    if mode == "nearest":               # torch rounds half to even
        return tap([pyt.round(p).detach() for p in points], 1)
    # per axis, the taps' integer coordinates and their weights
    axes = []
    for p in points:
        p0 = pyt.floor(p).detach()
        t = (p - p0).unsqueeze(1)
        if mode == "bilinear":
            axes.append([(p0, 1 - t), (p0 + 1, t)])
        else:
            axes.append([(p0 + (j - 1), w) for j, w in enumerate(_cubic_weights(t))])
    out = 0
    for combo in itertools.product(*axes):
        weight = 1
        for _, w in combo:
            weight = weight * w
        out = out + tap([c for c, _ in combo], weight)
    return out


def _check_grid_sample(input, grid, mode):
    if input.dtype != grid.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input.dtype)} but found "
                           f"{_type_name(grid.dtype)}")
    if input.dim() >= 1 and grid.dim() >= 1 and input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if grid.dim() < 1 or grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in "
                           f"last dimension, but got grid with sizes {list(grid.shape)}")
    for i in range(2, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {i} being empty")
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected {4 if input.dim() == 4 else 5}D input "
                           f"and grid with same number of dimensions, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if mode == "bicubic" and input.dim() != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.dtype.is_floating_point:
        kernel = "grid_sampler_2d_cpu_kernel_impl" if input.dim() == 4 else "grid_sampler3d_cpu"
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_type_name(input.dtype)}'")


# ---------------------------------------------------------------- distances

def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along dim."""
    shape = broadcast_pair(x1.shape, x2.shape)
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim."""
    dim = max(x1.dim(), x2.dim()) - 1
    diff = x1 - x2 + eps
    if dim < 0:                         # two 0-d inputs: the norm of one number
        return diff.abs()
    return diff.norm(p, dim, keepdim=keepdim)


def pdist(input, p=2):
    """Distances between every pair of rows of input [N, M] (the upper triangle, row by
    row)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = pyt.triu_indices(n, n, 1)
    return (input[i] - input[j]).norm(p, 1)


# ---------------------------------------------------------------- activations

def threshold(input, threshold, value, inplace=False):
    x = _source(input, inplace)
    out = pyt.where(x > threshold, x, pyt.full_like(x, value))
    return _inplace(input, out) if inplace else out


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, True)


def relu(input, inplace=False):
    return pyt.relu_(input) if inplace else pyt.relu(input)


def relu_(input):
    return pyt.relu_(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if not input.is_floating_point():   # torch keeps an integer input's dtype
        min_val, max_val = int(min_val), int(max_val)
    return input.clamp_(min_val, max_val) if inplace else input.clamp(min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    _float_only(input, "elu_cpu")
    x = _source(input, inplace)
    out = pyt.where(x > 0, x, x.clamp_max(0).expm1() * alpha)
    return _inplace(input, out) if inplace else out


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    _float_only(input, "elu_cpu")
    x = _source(input, inplace)
    out = elu(x, _SELU_ALPHA) * _SELU_SCALE
    return _inplace(input, out) if inplace else out


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    _float_only(input, "elu_cpu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    x = _source(input, inplace)
    out = pyt.where(x > 0, x, (x.clamp_max(0) / alpha).expm1() * alpha)
    return _inplace(input, out) if inplace else out


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _float_only(input, "leaky_relu_cpu")
    x = _source(input, inplace)
    out = pyt.where(x > 0, x, x * negative_slope)
    return _inplace(input, out) if inplace else out


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), weight one slope or one per channel (dim 1)."""
    _float_only(input, "prelu_cpu")
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        if weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
        if weight.dim() != 1:
            raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but "
                               f"got: ndim = {weight.dim()}")
        if input.dim() >= 2:
            weight = weight.reshape((channels,) + (1,) * (input.dim() - 2))
    elif weight.dim() > 1:
        weight = weight.reshape(())
    return pyt.where(input > 0, input, input * weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element when
    training, and is their mean otherwise."""
    _float_only(input, "leaky_relu_cpu")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    x = _source(input, inplace)
    if training:
        slope = pyt.empty_like(x).uniform_(lower, upper)
        out = pyt.where(x > 0, x, x * slope)      # zero takes the slope, as in torch
    else:
        out = leaky_relu(x, (lower + upper) / 2)
    return _inplace(input, out) if inplace else out


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def glu(input, dim=-1):
    """a * sigmoid(b), a and b the two halves of input along dim."""
    _float_only(input, "glu_cpu")
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim + input.dim() if dim < 0 else dim
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * pyt.sigmoid(b)


def gelu(input, approximate="none"):
    _float_only(input, "GeluKernelImpl")
    if approximate == "none":
        return input * (1 + pyt.erf(input * (1 / math.sqrt(2)))) * 0.5
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * (1 + pyt.tanh(inner)) * 0.5
    raise RuntimeError("approximate argument must be either none or tanh.")


def logsigmoid(input):
    """log(sigmoid(x)), stable: min(x, 0) - log1p(exp(-|x|))."""
    _float_only(input, "log_sigmoid_cpu")
    return input.clamp_max(0) - pyt.log1p(pyt.exp(-input.abs()))


def hardshrink(input, lambd=0.5):
    _float_only(input, "hardshrink_cpu")
    return pyt.where(input.abs() > lambd, input, pyt.zeros_like(input))


def tanhshrink(input):
    return input - pyt.tanh(input)


def softsign(input):
    return input / (1 + input.abs())


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, linear above threshold."""
    _float_only(input, "softplus_cpu")
    scaled = input * beta
    # the clamp keeps exp finite in the branch that where() throws away (and its gradient)
    soft = pyt.log1p(pyt.exp(scaled.clamp_max(threshold))) / beta
    return pyt.where(scaled > threshold, input, soft)


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=3)
    return _k._implicit_softmax_dim(ndim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    return _k.softmax(-input if dtype is None else -input.to(dtype), dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    return _k.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    return _k.log_softmax(input, dim, dtype)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """Samples from the Gumbel-softmax distribution; hard=True returns one-hot vectors
    with the soft sample's gradient."""
    gumbels = -pyt.empty_like(logits).exponential_().log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = pyt.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def softshrink(input, lambd=0.5):
    _float_only(input, "softshrink_check")
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    zero = pyt.zeros_like(input)
    return pyt.where(input > lambd, input - lambd,
                     pyt.where(input < -lambd, input + lambd, zero))


def tanh(input):
    return pyt.tanh(input)


def sigmoid(input):
    return pyt.sigmoid(input)


def hardsigmoid(input, inplace=False):
    _float_only(input, "hardsigmoid_cpu")
    x = _source(input, inplace)
    out = (x / 6 + 0.5).clamp(0, 1)
    return _inplace(input, out) if inplace else out


def silu(input, inplace=False):
    _float_only(input, "silu_cpu")
    x = _source(input, inplace)
    out = x * pyt.sigmoid(x)
    return _inplace(input, out) if inplace else out


def mish(input, inplace=False):
    _float_only(input, "mish_cpu")
    x = _source(input, inplace)
    out = x * pyt.tanh(softplus(x))
    return _inplace(input, out) if inplace else out


def hardswish(input, inplace=False):
    _float_only(input, "hardswish_cpu")
    x = _source(input, inplace)
    out = x * (x + 3).clamp(0, 6) / 6
    return _inplace(input, out) if inplace else out


# ---------------------------------------------------------------- attention

# the C++ names torch's attention messages give dtypes
_CPP_TYPE_NAMES = {
    "bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
    "int32": "int", "int64": "long int", "float16": "c10::Half",
    "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
}


def _cpp_name(dtype):
    return _CPP_TYPE_NAMES.get(str(dtype).rsplit(".", 1)[-1], str(dtype))


def _check_sdpa_inputs(query, key, value, attn_mask, dropout_p):
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.dim()} key.dim: {key.dim()} and "
                           f"value.dim: {value.dim()} instead.")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_cpp_name(query.dtype)} key.dtype: "
                           f"{_cpp_name(key.dtype)} and value.dtype: {_cpp_name(value.dtype)} "
                           f"instead.")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found "
                           f"{_type_name(query.dtype)}")
    if attn_mask is not None and attn_mask.dtype not in (pyt.bool, pyt.float32, query.dtype):
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {_cpp_name(attn_mask.dtype)} and  "
                           f"query.dtype: {_cpp_name(query.dtype)} instead.")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got "
                           f"{dropout_p}")


def _causal_keep(L, S, device=None):
    """(L, S) bool: True where query i may see key j (j <= i, aligned at the top left)."""
    return pyt.ones(L, S, dtype=pyt.bool, device=device).tril()


def _repeat_heads(t, reps):
    """Each head of t (..., Hk, S, E) repeated reps times in place: (..., Hk * reps, S, E)."""
    shape = tuple(t.shape)
    return t.unsqueeze(-3).expand(*shape[:-2], reps, *shape[-2:]).reshape(
        *shape[:-3], shape[-3] * reps, *shape[-2:])


def _attention_scores(query, key, scale):
    """q @ k^T * scale, the scale applied to q: the smaller tensor when L <= S."""
    return pyt.matmul(query * scale, key.transpose(-2, -1))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q @ k^T * scale + mask) @ v over the last two dims.

    A bool mask marks the pairs that take part, a float mask is added to the scores;
    is_causal also hides the future (together with attn_mask when both are given). A query
    whose every key is masked gets zeros, as torch's kernels give, not NaN."""
    _check_sdpa_inputs(query, key, value, attn_mask, dropout_p)
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in query")
        if hk != hq:
            key = _repeat_heads(key, hq // hk)
        if hv != hq:
            value = _repeat_heads(value, hq // hv)
    scores = _attention_scores(query, key, scale)
    keep = None                     # bool mask of the pairs that take part, when any is hidden
    if is_causal:
        keep = _causal_keep(L, S, query.device)
    if attn_mask is not None:
        if attn_mask.dtype == pyt.bool:
            keep = attn_mask if keep is None else attn_mask & keep
        else:
            if keep is not None:
                attn_mask = attn_mask.masked_fill(~keep, float("-inf"))
                keep = None
            scores = scores + attn_mask
    if keep is not None:
        scores = scores.masked_fill(~keep, float("-inf"))
    # rows with no visible key: softmax would give NaN (and NaN gradients); torch gives 0
    blind = None
    if attn_mask is not None:
        blind = ~keep.any(-1, keepdim=True) if keep is not None else \
            (attn_mask == float("-inf")).all(-1, keepdim=True)
        if not bool(blind.any()):
            blind = None
    if blind is not None:
        scores = scores.masked_fill(blind, 0.0)
    weights = _k.softmax(scores, -1)
    if blind is not None:
        weights = weights.masked_fill(blind, 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return pyt.matmul(weights, value)


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True = hidden) as an additive float mask of target_type; float masks
    pass through."""
    if mask is None:
        return None
    if mask.dtype != pyt.bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      f"Use same type for both instead.", stacklevel=3)
    if mask.dtype == pyt.bool:
        mask = pyt.zeros(mask.shape, dtype=target_type, device=mask.device).masked_fill_(
            mask, float("-inf"))
    return mask


def _none_or_dtype(t):
    return None if t is None else t.dtype


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the input is batched; torch's AssertionErrors for inconsistent ranks."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 f"respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 f"instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`,"
                                 f" 2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to "
                                 f"be 2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 f"respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 f"instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     f"instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _in_projection(query, key, value, w_q, w_k, w_v, b_q, b_k, b_v, E):
    """q, k, v projected; one product when the inputs are the same tensor (self-attention)
    or key is value (cross-attention), its parts taken as views, never copied (split: their
    gradients are joined by one concatenation)."""
    if query is key and key is value and w_k is None:
        return linear(query, w_q, b_q).split(E, -1)
    if key is value and w_k is None:
        k, v = linear(key, w_q[E:], None if b_q is None else b_q[E:]).split(E, -1)
        return linear(query, w_q[:E], None if b_q is None else b_q[:E]), k, v
    if w_k is None:                  # packed weights, three different inputs
        w_q, w_k, w_v = w_q.chunk(3)
        if b_q is not None:
            b_q, b_k, b_v = b_q.chunk(3)
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """nn.MultiheadAttention's computation on (L, N, E) inputs (or unbatched (L, E)).

    Returns (attn_output, attn_weights); the weights are None unless need_weights, averaged
    over the heads when average_attn_weights."""
    return _multi_head_attention(
        query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
        bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
        key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
        k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
        batch_first=False)


def _multi_head_attention(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                          in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                          out_proj_weight, out_proj_bias, training, key_padding_mask,
                          need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
                          k_proj_weight, v_proj_weight, static_k, static_v,
                          average_attn_weights, is_causal, batch_first):
    """multi_head_attention_forward for either layout: batch_first inputs are (N, L, E).
    The heads are strided views of the projections, (N, H, L, D), that the batched
    products read in place, so neither layout pays for transposing copies."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    seq, bat = (1, 0) if batch_first else (0, 1)       # the dims of sequence and batch
    if not is_batched:
        query, key, value = query.unsqueeze(bat), key.unsqueeze(bat), value.unsqueeze(bat)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape[seq], query.shape[bat], query.shape[2]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None                # the causal flag alone says it, for the fused path
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     f"is None")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, b_q, b_k, b_v, embed_dim)
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection(query, key, value, in_proj_weight, None, None, in_proj_bias,
                                 None, None, embed_dim)
    src_len = key.shape[seq]
    for t in (k, v):                 # the batch would broadcast silently in the products
        if t.shape[bat] != bsz:
            raise RuntimeError(f"shape '[{t.shape[seq]}, {bsz * num_heads}, {head_dim}]' is "
                               f"invalid for input of size {t.numel()}")
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        # one more key and value, the learnt biases, for every batch entry
        extra = (bsz, 1, embed_dim) if batch_first else (1, bsz, embed_dim)
        k = pyt.cat([k, bias_k.reshape(1, 1, embed_dim).expand(*extra)], seq)
        v = pyt.cat([v, bias_v.reshape(1, 1, embed_dim).expand(*extra)], seq)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    # (N, H, len, D) views: split E into heads, batch and heads first
    order = (0, 2, 1, 3) if batch_first else (1, 2, 0, 3)
    q = q.unflatten(2, (num_heads, head_dim)).permute(*order)
    k = _static_heads(static_k, "static_k", bsz, num_heads, head_dim) if static_k is not None \
        else k.unflatten(2, (num_heads, head_dim)).permute(*order)
    v = _static_heads(static_v, "static_v", bsz, num_heads, head_dim) if static_v is not None \
        else v.unflatten(2, (num_heads, head_dim)).permute(*order)
    if add_zero_attn:
        zeros = pyt.zeros(bsz, num_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k = pyt.cat([k, zeros], 2)
        v = pyt.cat([v, zeros], 2)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[2]
    if attn_mask is not None:
        # (1 or N * H, L, S) -> (1 or N, H or 1, L, S): broadcasts against the scores
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else \
            attn_mask.view(bsz, num_heads, tgt_len, src_len)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    weights = None
    if need_weights:
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        scores = _attention_scores(q, k, 1.0 / math.sqrt(head_dim))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = _k.softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p, True)
        out = pyt.matmul(weights, v)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            weights = weights.squeeze(0)
    else:
        out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    # back to the input's layout, the heads joined again: one copy
    out = out.permute(*((0, 2, 1, 3) if batch_first else (2, 0, 1, 3)))
    out = out.reshape(*query.shape[:2], embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    if not is_batched:
        out = out.squeeze(bat)
    return out, weights


def _static_heads(t, name, bsz, num_heads, head_dim):
    """A caller's (N * H, S, D) keys or values as (N, H, S, D)."""
    if t.size(0) != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got "
                             f"{t.size(0)}")
    if t.size(2) != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {t.size(2)}")
    return t.view(bsz, num_heads, t.size(1), head_dim)


# ---------------------------------------------------------------- losses

def _weighted(loss, weight, reduction):
    """Weighted elementwise loss: its mean divides by the sum of the weights."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_target_size(input, target)
    return _weighted((input - target).abs(), weight, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_target_size(input, target)
    diff = input - target
    return _weighted(diff * diff, weight, reduction)


def _huber(diff, delta):
    absd = diff.abs()
    return pyt.where(absd < delta, diff * diff * 0.5, (absd - 0.5 * delta) * delta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",
                   beta=1.0):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_target_size(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    diff = input - target
    if beta == 0:
        return _reduce(diff.abs(), reduction)
    absd = diff.abs()
    return _reduce(pyt.where(absd < beta, diff * diff * (0.5 / beta), absd - 0.5 * beta),
                   reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _check_reduction(reduction)
    _warn_target_size(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    loss = _huber(input - target, delta)
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    return _reduce(loss * weight, reduction)


def _check_class_target(input, target):
    """nll_loss's shape and dtype rules for class-index targets."""
    if target.dtype not in (pyt.int64, pyt.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_type_name(target.dtype)}")
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() == 1:
        if target.dim() > 1 or (target.dim() == 1 and target.shape[0] != 1):
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target "
                             f"size: {target.shape[0] if target.dim() == 1 else 0}")
        return
    if input.shape[0] != (target.shape[0] if target.dim() else 1):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.dim() else 0}).")
    expected = [input.shape[0]] + list(input.shape[2:])
    if list(target.shape) != expected:
        raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")


def _type_name(dtype):
    return {pyt.float32: "Float", pyt.float64: "Double", pyt.float16: "Half",
            pyt.bfloat16: "BFloat16", pyt.int32: "Int", pyt.int16: "Short",
            pyt.int8: "Char", pyt.bool: "Bool", pyt.int64: "Long",
            pyt.uint8: "Byte"}.get(dtype, str(dtype))


def _check_class_weight(weight, C):
    if weight is not None and (weight.dim() != 1 or weight.numel() != C):
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or "
                           f"no classes but got weight tensor of shape: {list(weight.shape)}")


def _nll(logp, target, weight, ignore_index, reduction):
    """nll_loss on log-probabilities logp [N, C, *] (or [C]) and class indices target."""
    C = logp.shape[1] if logp.dim() > 1 else logp.shape[0]
    _check_class_weight(weight, C)
    if logp.dim() == 1:                 # one sample: [C] with a 0-d or [1] target
        logp, target = logp.unsqueeze(0), target.reshape(1)
        out = _nll(logp, target, weight, ignore_index, reduction)
        return out.reshape(()) if reduction == "none" else out
    target = target.long()
    ignored = target == ignore_index
    safe = target.masked_fill(ignored, 0)
    if safe.numel():
        bad = (safe < 0) | (safe >= C)
        if bool(bad.any()):
            raise IndexError(f"Target {int(safe[bad][0])} is out of bounds.")
    picked = -logp.gather(1, safe.unsqueeze(1)).squeeze(1)
    keep = (~ignored).to(picked.dtype)
    w = keep if weight is None else weight[safe] * keep
    loss = picked * w
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of class indices under log-probabilities input [N, C, *]."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_class_target(input, target)
    return _nll(input, target, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """log_softmax over dim 1 (dim 0 for an unbatched input) then the negative log
    likelihood of class indices, or the cross entropy against class probabilities."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    C = input.shape[class_dim] if input.dim() else 0
    if target.is_floating_point():
        if target.shape != input.shape:
            raise RuntimeError(f"Expected target size {list(input.shape)}, got "
                               f"{list(target.shape)}")
        logp = _k.log_softmax(input, class_dim)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / C
        prod = logp * target
        if weight is not None:
            prod = prod * weight.reshape((C,) + (1,) * (input.dim() - class_dim - 1))
        loss = -prod.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // C) if C else loss.sum() / 0.0
        return _reduce(loss, reduction)
    _check_class_target(input, target)
    if input.is_cuda and label_smoothing <= 0 and input.is_floating_point() and \
            input.numel() and not (weight is not None and weight.requires_grad and
                                   pyt.is_grad_enabled()):
        _check_class_weight(weight, C)          # one fused kernel each way (nn_loss.pxi)
        return _k.fused_cross_entropy(input, target, weight, ignore_index, reduction)
    logp = _k.log_softmax(input, class_dim)
    nll = _nll(logp, target, weight, ignore_index, reduction)
    if label_smoothing <= 0:
        return nll
    # smoothing spreads label_smoothing of the target mass evenly over all classes
    if weight is not None:
        w_shape = (C,) + (1,) * (input.dim() - class_dim - 1)
        smooth = -(logp * weight.reshape(w_shape)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    ignored = (target == ignore_index).reshape(smooth.shape)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            safe = target.masked_fill(target == ignore_index, 0).reshape(smooth.shape)
            denom = (weight[safe] * (~ignored).to(weight.dtype)).sum()
        else:
            denom = (~ignored).sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / C)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(t * log(x) + (1 - t) * log(1 - x)), each log clamped at -100 as torch does."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the "
                         f"input size ({input.size()}) is deprecated. Please ensure they have "
                         f"the same size.")
    if input.numel() and bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(target * pyt.log(input).clamp_min(-100) +
             (1 - target) * pyt.log(1 - input).clamp_min(-100))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target) computed stably from the logits:
    (1 - t) * x + (1 + (pw - 1) * t) * (log1p(exp(-|x|)) + max(-x, 0))."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    softplus_neg = pyt.log1p(pyt.exp(-input.abs())) + (-input).clamp_min(0)
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",
           log_target=False):
    """KL(target || input) with input log-probabilities; target probabilities or, with
    log_target, log-probabilities."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                      "the support size.'batchmean' divides only by the batch size, and "
                      "aligns with the KL div math definition.'mean' will be changed to "
                      "behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = pyt.exp(target) * (target - input)
    else:
        # t * log(t) is 0 where t is 0; the where() keeps log's gradient finite there
        # (a negative target still gives nan, as in torch)
        tlogt = target * pyt.log(pyt.where(target == 0, pyt.ones_like(target), target))
        loss = tlogt - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = pyt.exp(input) - target * input
    else:
        loss = input - target * pyt.log(input + eps)
    if full:
        # Stirling's term for log(target!), counted where target > 1
        t = pyt.where(target > 1, target, pyt.ones_like(target))
        stirling = t * pyt.log(t) - t + 0.5 * pyt.log(2 * math.pi * t)
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 * (log(var) + (input - target) ** 2 / var) (+ 0.5 * log(2 pi) when full)."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = pyt.full_like(input, float(var))
    elif not isinstance(var, pyt.Tensor):
        raise TypeError(f"gaussian_nll_loss(): argument 'var' must be Tensor or float, not "
                        f"{type(var).__name__}")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)         # one variance per sample, homoscedastic
        elif (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.dim() and
              var.shape[-1] == 1):
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    # clamp for stability without changing the gradient (torch clamps under no_grad)
    var = var + (var.clamp_min(eps) - var).detach()
    diff = input - target
    loss = 0.5 * (pyt.log(var) + diff * diff / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same "
                           f"dimension but got sizes: input1: {input1.size()}, input2: "
                           f"{input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    zero = pyt.zeros_like(input)
    from_margin = pyt.where(target != 1, (margin - input).clamp_min(0), zero)
    from_self = pyt.where(target != -1, input, zero)
    return _reduce(from_margin + from_self, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.dim() not in (1, 2) or input1.shape != input2.shape:
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    dim = input1.dim() - 1
    eps = 1e-12
    dot = (input1 * input2).sum(dim)
    mag = ((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)
    cos = dot / mag.sqrt()
    zero = pyt.zeros_like(cos)
    pos = pyt.where(target == 1, 1 - cos, zero)
    neg = pyt.where(target == -1, (cos - margin).clamp_min(0), zero)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    a, pz, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pz == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{pz}D, and negative {n}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = pyt.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pz, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pz == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{pz}D, and negative {n}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = pyt.minimum(d_neg, dist(positive, negative))
    return _reduce((d_pos - d_neg + margin).clamp_min(0), reduction)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target, ...), for
    input [N, in] or [in] and linear_weight [C, *K, in] (a K-dimensional loss). torch's
    chunked path (options) never builds the full logits; pyt always does, for the same
    loss."""
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.dim()}")
    batches = tuple(input.shape[:-1])
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions "
                           f"(in_features), got {in_features} and {linear_weight.shape[-1]}, "
                           f"respectively")
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, (N, "
                           f"{in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batches, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains "
                           "probabilities")
    if options is not None and (out_features or reduction not in ("mean", "sum", "none")
                                or label_smoothing != 0.0 or target.dtype != pyt.int64):
        warnings.warn(f"linear_cross_entropy: ``options`` ignored; chunked path needs "
                      f"reduction in {{'mean','sum','none'}}, label_smoothing == 0, "
                      f"target.dtype == int64, out_features == (). Got "
                      f"reduction={reduction!r}, label_smoothing={label_smoothing}, "
                      f"target.dtype={target.dtype}, out_features={out_features}, "
                      f"tracing=False, linear_bias.shape="
                      f"{tuple(linear_bias.shape) if linear_bias is not None else None}.",
                      stacklevel=2)
    rows = math.prod(out_features) * num_classes
    logits = linear(input, linear_weight.reshape(rows, in_features),
                    None if linear_bias is None else linear_bias.reshape(rows))
    return cross_entropy(logits.reshape(logits_shape), target, weight,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce(softplus(-target * input, 1.0, float("inf")), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def _check_margin_input(input, target, kernel):
    """The checks torch's multi-class margin kernels share: a float vector or matrix with
    non-empty classes, and int64 targets."""
    if input.dtype not in (pyt.float32, pyt.float64):
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_type_name(input.dtype)}'")
    ok = input.numel() > 0 if input.dim() <= 1 else \
        input.dim() == 2 and input.shape[1] != 0
    if not ok:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    if target.dtype != pyt.int64:
        raise RuntimeError(f"expected scalar type Long but found {_type_name(target.dtype)}")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum over classes i != y of max(0, margin - x[y] + x[i]) ** p / C, per sample."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _check_margin_input(input, target, "multi_margin_loss_cpu_kernel")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    N, C = x.shape
    if target.dim() > 1 or target.numel() != N:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal "
                           f"to the number of input samples (batch size). Expected target "
                           f"size [{N}], but got {list(target.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    if weight is not None:
        if weight.numel() != C:
            raise RuntimeError(f"inconsistent weight size, expected {C} but got "
                               f"{list(weight.shape)}")
        if weight.dtype != input.dtype:
            raise RuntimeError(f"expected scalar type {_type_name(input.dtype)} but found "
                               f"{_type_name(weight.dtype)}")
    y = target.reshape(-1)
    if y.numel() and bool(((y < 0) | (y >= C)).any()):
        raise RuntimeError("target out of range")
    own = x.gather(1, y.unsqueeze(1))
    terms = (x - own + margin).clamp_min(0)
    if p == 2:
        terms = terms * terms
    if weight is not None:
        terms = terms * weight[y].unsqueeze(1)
    not_own = pyt.ones_like(terms).scatter_(1, y.unsqueeze(1), 0.0)
    loss = (terms * not_own).sum(1) / C
    if input.dim() < 2:
        loss = loss.reshape(target.shape)     # torch keeps a [1] target's shape
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Targets: class indices per sample, ended by the first -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_margin_input(input, target, "multilabel_margin_loss_forward_out_frame")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    same = target.dim() <= 1 and target.numel() == x.shape[1] if input.dim() < 2 else \
        target.dim() == 2 and tuple(target.shape) == tuple(input.shape)
    if not same:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of "
                           f"size: {list(input.shape)}")
    t = target.reshape(x.shape)
    C = x.shape[1]
    if t.numel() and bool(((t < -1) | (t >= C)).any()):
        raise RuntimeError("argument #2 'target' is out of range")
    # a target counts until the first -1 of its row
    valid = (t >= 0).long().cumprod(1).bool()
    safe = t.masked_fill(~valid, 0)
    # scatter_add, so the placeholder entries pointing at class 0 cannot unset a real one
    is_target = pyt.zeros(x.shape, dtype=pyt.int64, device=x.device).scatter_add_(
        1, safe, valid.long()) > 0
    own = x.gather(1, safe)                                # [N, C]: x at each target
    terms = (1 - (own.unsqueeze(2) - x.unsqueeze(1))).clamp_min(0)  # [N, target j, class i]
    mask = valid.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = (terms * mask.to(terms.dtype)).sum((1, 2)) / C
    if input.dim() < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("math", "warnings", "pyt",
                                                                  "np")]

check_tensor_arguments(globals())
