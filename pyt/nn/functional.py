# Interim: replaced by the full functional module at merge
"""A minimal nn.functional, enough for the layer modules and their tests on this branch."""
import math

import pyt
from pyt._ext import nn_kernels as _k
from pyt._ext.nn_kernels import (
    conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, pad,
    avg_pool1d, avg_pool2d, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
    adaptive_max_pool2d, max_unpool1d, max_unpool2d, batch_norm, layer_norm, group_norm,
    dropout, embedding, interpolate, softmax, log_softmax, unfold, fold,
)


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _inplace(input, result, inplace):
    if inplace:
        input.copy_(result)
        return input
    return result


def linear(input, weight, bias=None):
    out = pyt.matmul(input, weight.t())
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    out = pyt.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if return_indices:
        return _k.max_pool1d_with_indices(input, kernel_size, stride, padding, dilation,
                                          ceil_mode)
    return _k.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if return_indices:
        return _k.max_pool2d_with_indices(input, kernel_size, stride, padding, dilation,
                                          ceil_mode)
    return _k.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    n, c = input.shape[0], input.shape[1]
    folded = input.reshape(1, n * c, *input.shape[2:])
    rm = running_mean.repeat(n) if running_mean is not None else None
    rv = running_var.repeat(n) if running_var is not None else None
    out = batch_norm(folded, rm, rv, None, None, use_input_stats, momentum, eps)
    if running_mean is not None and use_input_stats:
        with pyt.no_grad():
            running_mean.copy_(rm.reshape(n, c).mean(0))
            running_var.copy_(rv.reshape(n, c).mean(0))
    out = out.reshape(input.shape)
    shape = [1, c] + [1] * (input.dim() - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    sq = (input * input).unsqueeze(1)
    spatial = input.dim() - 2
    sq = pad(sq, [0, 0] * spatial + [size // 2, (size - 1) // 2])
    if spatial == 1:
        div = avg_pool2d(sq, (size, 1), stride=1).squeeze(1)
    else:
        shape = sq.shape
        div = avg_pool2d(sq.reshape(shape[0], 1, shape[2], -1), (size, 1), stride=1)
        div = div.reshape(input.shape)
    return input / (div * alpha + k).pow(beta)


def _feature_dropout(input, p, training, inplace, feature_dims):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    mask_shape = list(input.shape[:-feature_dims]) + [1] * feature_dims
    keep = pyt.bernoulli(pyt.full(mask_shape, 1 - p, dtype=input.dtype))
    return _inplace(input, input * keep / (1 - p) if p < 1 else input * 0, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 2)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    alpha = -1.7580993408473766
    keep = pyt.bernoulli(pyt.full(input.shape, 1 - p, dtype=input.dtype))
    a = 1 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    return _inplace(input, (input * keep + alpha * (1 - keep)) * a - a * alpha * p, inplace)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    if input.dim() == 2:
        bags = [(input[i], None if per_sample_weights is None else per_sample_weights[i])
                for i in range(input.shape[0])]
    else:
        bounds = offsets.tolist() + ([] if include_last_offset else [input.shape[0]])
        bags = [(input[a:b], None if per_sample_weights is None
                 else per_sample_weights[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    rows = []
    for idx, w in bags:
        keep = [i for i, v in enumerate(idx.tolist()) if v != padding_idx]
        sel = pyt.tensor(keep, dtype=pyt.int64)
        vecs = embedding(idx.index_select(0, sel), weight, None, max_norm, norm_type)
        if w is not None:
            vecs = vecs * w.index_select(0, sel).unsqueeze(1)
        if len(keep) == 0:
            rows.append(pyt.zeros(weight.shape[1], dtype=weight.dtype))
        elif mode == "sum":
            rows.append(vecs.sum(0))
        elif mode == "mean":
            rows.append(vecs.mean(0))
        else:
            rows.append(vecs.amax(0))
    return pyt.stack(rows)


def pixel_shuffle(input, upscale_factor):
    r = upscale_factor
    *batch, c, h, w = input.shape
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    n = len(batch)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    r = downscale_factor
    *batch, c, h, w = input.shape
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    n = len(batch)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return pyt.norm(x1 - x2 + eps, p, -1, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    n1 = pyt.clamp_min(pyt.norm(x1, 2, dim), eps)
    n2 = pyt.clamp_min(pyt.norm(x2, 2, dim), eps)
    return (x1 * x2).sum(dim) / (n1 * n2)


# ----- activations -------------------------------------------------------------------
def threshold(input, threshold, value, inplace=False):
    return _inplace(input, pyt.where(input > threshold, input, value), inplace)


def relu(input, inplace=False):
    return _inplace(input, pyt.relu(input), inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _inplace(input, pyt.clamp(input, min_val, max_val), inplace)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    return _inplace(input, pyt.where(input > 0, input, pyt.expm1(input) * alpha), inplace)


def celu(input, alpha=1.0, inplace=False):
    return _inplace(input, pyt.where(input > 0, input, pyt.expm1(input / alpha) * alpha),
                    inplace)


def selu(input, inplace=False):
    scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    return _inplace(input, elu(input, alpha) * scale, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _inplace(input, pyt.where(input > 0, input, input * negative_slope), inplace)


def prelu(input, weight):
    w = weight.reshape([-1] + [1] * (input.dim() - 2)) if input.dim() >= 2 else weight
    return pyt.where(input > 0, input, input * w)


def gelu(input, approximate="none"):
    if approximate == "tanh":
        inner = (input + input.pow(3) * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (pyt.tanh(inner) + 1)
    return input * 0.5 * (pyt.erf(input / math.sqrt(2)) + 1)


def softplus(input, beta=1.0, threshold=20.0):
    scaled = input * beta
    return pyt.where(scaled > threshold, input, pyt.log1p(pyt.exp(scaled)) / beta)


def silu(input, inplace=False):
    return _inplace(input, input * pyt.sigmoid(input), inplace)


def mish(input, inplace=False):
    return _inplace(input, input * pyt.tanh(softplus(input)), inplace)


def hardsigmoid(input, inplace=False):
    return _inplace(input, pyt.clamp(input / 6 + 0.5, 0, 1), inplace)


def hardswish(input, inplace=False):
    return _inplace(input, input * pyt.clamp(input / 6 + 0.5, 0, 1), inplace)


def softsign(input):
    return input / (input.abs() + 1)


def logsigmoid(input):
    return -softplus(-input)


def tanhshrink(input):
    return input - pyt.tanh(input)


def softshrink(input, lambd=0.5):
    return pyt.where(input > lambd, input - lambd,
                     pyt.where(input < -lambd, input + lambd, input * 0))


def hardshrink(input, lambd=0.5):
    return pyt.where(input.abs() > lambd, input, input * 0)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-input, dim, dtype)


def glu(input, dim=-1):
    a, b = input.chunk(2, dim)
    return a * pyt.sigmoid(b)


# ----- losses ------------------------------------------------------------------------
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _reduce((input - target).abs(), reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _reduce((input - target).square(), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    d = (input - target).abs()
    return _reduce(pyt.where(d < delta, d.square() * 0.5, (d - 0.5 * delta) * delta),
                   reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",
                   beta=1.0):
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(pyt.where(d < beta, d.square() * (0.5 / beta), d - 0.5 * beta), reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    c = input.shape[1] if input.dim() > 1 else input.shape[0]
    if input.dim() == 1:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    valid = target != ignore_index
    safe = pyt.where(valid, target, 0)
    if ((safe < 0) | (safe >= c)).any():
        raise IndexError(f"Target {int(safe.max())} is out of bounds.")
    picked = -input.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = (weight if weight is not None else pyt.ones(c, dtype=input.dtype))[safe]
    w = w * valid.to(input.dtype)
    loss = picked * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    logp = log_softmax(input, 1 if input.dim() > 1 else 0)
    if target.is_floating_point():     # class probabilities
        c = input.shape[1] if input.dim() > 1 else input.shape[0]
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / c
        if weight is not None:
            logp = logp * weight.reshape([-1] + [1] * (input.dim() - 2))
        loss = -(logp * target).sum(1 if input.dim() > 1 else 0)
        if reduction == "mean" and input.dim() > 1:
            return loss.sum() / (input.numel() // c)
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    c = input.shape[1]
    valid = (target != ignore_index).to(input.dtype)
    wl = logp * weight.reshape([-1] + [1] * (input.dim() - 2)) if weight is not None else logp
    smooth = -wl.sum(1) * valid
    if reduction == "mean":
        denom = (weight[pyt.where(target != ignore_index, target, 0)] * valid).sum() \
            if weight is not None else valid.sum()
        smooth = smooth.sum() / denom
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    loss = -(target * pyt.clamp_min(pyt.log(input), -100)
             + (1 - target) * pyt.clamp_min(pyt.log(1 - input), -100))
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    log_sig, log_one_minus = logsigmoid(input), logsigmoid(-input)
    pos = log_sig * target if pos_weight is None else log_sig * target * pos_weight
    loss = -(pos + (1 - target) * log_one_minus)
    return _reduce(loss if weight is None else loss * weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if log_target:
        loss = pyt.exp(target) * (target - input)
    else:
        loss = pyt.where(target > 0, target * (pyt.log(target) - input), target * 0)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0]
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    return _reduce(pyt.clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    loss = pyt.where(target == 1, input, input * 0) + \
        pyt.where(target == -1, pyt.clamp_min(margin - input, 0), input * 0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    cos = (input1 * input2).sum(-1) / pyt.sqrt(
        ((input1 * input1).sum(-1) + 1e-12) * ((input2 * input2).sum(-1) + 1e-12))
    loss = pyt.where(target == 1, 1 - cos, pyt.clamp_min(cos - margin, 0))
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = pyt.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(pyt.clamp_min(d_pos - d_neg + margin, 0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    loss = pyt.exp(input) - target * input if log_input else input - target * pyt.log(input + eps)
    if full:
        stirling = target * pyt.log(target) - target + 0.5 * pyt.log(2 * math.pi * target)
        loss = loss + pyt.where(target > 1, stirling, target * 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if var.dim() == input.dim() - 1:
        var = var.unsqueeze(-1)
    var = pyt.clamp_min(var, eps)
    loss = 0.5 * (pyt.log(var) + (input - target).square() / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.mean(-1), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _reduce(pyt.log1p(pyt.exp(-target * input)), reduction)
