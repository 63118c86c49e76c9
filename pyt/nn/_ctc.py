"""Connectionist temporal classification loss (F.ctc_loss).

The forward (alpha) and backward (beta) recursions run in log space over the "extended"
target (a blank before, between and after the labels), vectorised over the batch with
NumPy in float64. The gradient is the exact derivative of the loss with respect to
log_probs (torch's kernel returns the one for logits behind a log_softmax instead: the
two agree on the logits' gradient)."""
import numpy as np

import pyt
from pyt.autograd import Function

_NEG_INF = -np.inf


def _lengths(value, name):
    """input/target lengths (tensor, list, tuple or int) as an int64 NumPy array."""
    if isinstance(value, pyt.Tensor):
        return np.asarray(value.detach().to(pyt.int64).reshape(-1).tolist(), dtype=np.int64)
    if isinstance(value, (list, tuple)):
        return np.asarray([int(v) for v in value], dtype=np.int64)
    if isinstance(value, int):
        return np.asarray([value], dtype=np.int64)
    raise TypeError(f"ctc_loss(): argument '{name}' must be a tuple of ints or a Tensor, not "
                    f"{type(value).__name__}")


def _logsumexp(*terms):
    top = np.maximum.reduce(terms)
    safe = np.where(np.isfinite(top), top, 0.0)
    total = sum(np.exp(t - safe) for t in terms)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(top), np.log(total) + safe, top)


def _shift(a, k):
    """a moved k places along the last axis (right for k > 0, left for k < 0), -inf in."""
    out = np.full_like(a, _NEG_INF)
    if abs(k) < a.shape[-1]:
        if k > 0:
            out[..., k:] = a[..., :-k]
        else:
            out[..., :k] = a[..., -k:]
    return out


def _ctc(lp, labels, in_lens, tgt_lens, blank, want_grad):
    """lp: (T, N, C) float64; labels: (N, S) int. Returns (nll (N,), grad (T, N, C) of
    each nll w.r.t. lp, or None)."""
    steps, batch, _ = lp.shape
    width = 2 * labels.shape[1] + 1
    ext = np.full((batch, width), blank, dtype=np.int64)
    ext[:, 1::2] = labels
    pos = np.arange(width)
    valid = pos[None, :] < (2 * tgt_lens + 1)[:, None]
    skip = np.zeros((batch, width), dtype=bool)      # s may come from s - 2 (distinct labels)
    skip[:, 2:] = (pos[2:] % 2 == 1)[None, :] & (ext[:, 2:] != ext[:, :-2])
    rows = np.arange(batch)[:, None]
    emit = lp[:, rows, ext] if steps else np.zeros((0, batch, width))     # (T, N, width)

    alpha = np.full((steps, batch, width), _NEG_INF)
    if steps:
        alpha[0, :, 0] = emit[0, :, 0]
        if width > 1:
            alpha[0, :, 1] = np.where(tgt_lens > 0, emit[0, :, 1], _NEG_INF)
        alpha[0] = np.where(valid, alpha[0], _NEG_INF)
    for t in range(1, steps):
        prev = alpha[t - 1]
        two = np.where(skip, _shift(prev, 2), _NEG_INF)
        one = _shift(prev, 1)
        alpha[t] = np.where(valid, _logsumexp(prev, one, two) + emit[t], _NEG_INF)

    last = np.maximum(in_lens - 1, 0)
    end = alpha[last, np.arange(batch)] if steps else np.full((batch, width), _NEG_INF)
    final_blank = end[np.arange(batch), 2 * tgt_lens]
    final_label = np.where(tgt_lens > 0, end[np.arange(batch), np.maximum(2 * tgt_lens - 1, 0)],
                           _NEG_INF)
    loglik = _logsumexp(final_blank, final_label)
    loglik = np.where(in_lens == 0, np.where(tgt_lens == 0, 0.0, _NEG_INF), loglik)
    nll = -loglik
    if not want_grad:
        return nll, None

    beta = np.full((steps, batch, width), _NEG_INF)
    for t in range(steps - 1, -1, -1):
        start = np.full((batch, width), _NEG_INF)              # the last step of each sample
        start[np.arange(batch), 2 * tgt_lens] = emit[t, np.arange(batch), 2 * tgt_lens]
        has_label = tgt_lens > 0
        label_pos = np.maximum(2 * tgt_lens - 1, 0)
        start[has_label, label_pos[has_label]] = emit[t, has_label, label_pos[has_label]]
        if t + 1 < steps:
            nxt = beta[t + 1]
            one = _shift(nxt, -1)
            two = np.where(_shift(np.where(skip, 0.0, _NEG_INF), -2) == 0, _shift(nxt, -2),
                           _NEG_INF)
            inner = _logsumexp(nxt, one, two) + emit[t]
        else:
            inner = np.full((batch, width), _NEG_INF)
        here = np.where((t == in_lens - 1)[:, None], start,
                        np.where((t < in_lens - 1)[:, None], inner, _NEG_INF))
        beta[t] = np.where(valid, here, _NEG_INF)

    # d nll / d lp[t, n, c] = -sum over s with ext[s] = c of alpha*beta / (p * y_t(c))
    finite = np.isfinite(loglik)
    with np.errstate(invalid="ignore", over="ignore"):
        occupancy = np.exp(alpha + beta - np.where(finite, loglik, 0.0)[None, :, None])
    occupancy = np.where(np.isfinite(occupancy), occupancy, 0.0)
    summed = np.zeros_like(lp)
    t_idx = np.broadcast_to(np.arange(steps)[:, None, None], occupancy.shape)
    n_idx = np.broadcast_to(np.arange(batch)[None, :, None], occupancy.shape)
    c_idx = np.broadcast_to(ext[None], occupancy.shape)
    np.add.at(summed, (t_idx, n_idx, c_idx), occupancy)
    with np.errstate(over="ignore", invalid="ignore"):
        grad = np.where(summed > 0, -summed * np.exp(-lp), 0.0)
    grad[:, ~finite] = np.nan
    return nll, grad


class _CTCNegLogLikelihood(Function):
    """Per-sample negative log likelihood (N,) of the targets under log_probs (T, N, C)."""

    @staticmethod
    def forward(ctx, log_probs, labels, in_lens, tgt_lens, blank, zero_infinity):
        lp = log_probs.detach().to(pyt.float64).numpy()
        nll, grad = _ctc(lp, labels, in_lens, tgt_lens, blank, log_probs.requires_grad)
        if zero_infinity:
            infinite = np.isinf(nll)
            nll = np.where(infinite, 0.0, nll)
            if grad is not None:
                grad[:, infinite] = 0.0
        ctx.grad = grad
        return pyt.from_numpy(nll).to(log_probs.dtype)

    @staticmethod
    def backward(ctx, grad_nll):
        grad = pyt.from_numpy(ctx.grad).to(grad_nll.dtype)
        return grad * grad_nll.reshape(1, -1, 1), None, None, None, None, None


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """CTC loss of log_probs (T, N, C) or (T, C) for targets padded (N, S) or concatenated
    (sum(target_lengths),); reduction 'mean' divides each loss by its target length."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    in_lens = _lengths(input_lengths, "input_lengths")
    tgt_lens = _lengths(target_lengths, "target_lengths")
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if targets.dim() == 1 and tgt_lens.size == 1 and targets.numel() >= tgt_lens[0]:
            targets = targets.unsqueeze(0)
    if log_probs.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {log_probs.dim()}-"
                           "dimensional tensor for argument #1 'log_probs' (while checking "
                           "arguments for ctc_loss_allocate_outputs)")
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    if in_lens.size != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tgt_lens.size != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    for name, lens, most in (("input_lengths", in_lens, steps), ("target_lengths", tgt_lens, None)):
        for v in lens:
            if v < 0:
                raise RuntimeError(f"Expected {name} to have value at least 0, but got value "
                                   f"{v} (while checking arguments for "
                                   "ctc_loss_allocate_outputs)")
            if most is not None and v > most:
                raise RuntimeError(f"Expected {name} to have value at most {most}, but got "
                                   f"value {v} (while checking arguments for "
                                   "ctc_loss_allocate_outputs)")
    flat = np.asarray(targets.detach().to(pyt.int64).numpy())
    longest = int(tgt_lens.max()) if batch else 0
    labels = np.full((batch, longest), blank, dtype=np.int64)
    if flat.ndim == 1:                           # concatenated targets
        if flat.size < tgt_lens.sum():
            raise RuntimeError(f"Expected tensor to have size at least {tgt_lens.sum()} at "
                               f"dimension 0, but got size {flat.size} for argument #2 "
                               "'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        start = 0
        for n, length in enumerate(tgt_lens):
            labels[n, :length] = flat[start:start + length]
            start += length
    else:
        if flat.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension "
                               f"1, but got size {flat.shape[1]} for argument #2 'targets' "
                               "(while checking arguments for ctc_loss_allocate_outputs)")
        for n, length in enumerate(tgt_lens):
            labels[n, :length] = flat[n, :length]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {classes}), got "
                           f"{int(labels.min()) if labels.min() < 0 else int(labels.max())}")
    nll = _CTCNegLogLikelihood.apply(log_probs, labels, in_lens, tgt_lens, blank,
                                     zero_infinity)
    if reduction == "none":
        return nll.squeeze(0) if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    divisor = pyt.from_numpy(np.maximum(tgt_lens, 1)).to(nll.dtype)
    return (nll / divisor).mean()
