"""Class-index targets of the classification criterions, checked and weighted."""
import pyt


def class_targets(criterion, input, target):
    """(N, C) input, (N,) int64 targets, per-sample weights (``criterion.weights`` of the
    targets, 0 where ignored) and the divisor (their sum with ``criterion.sizeAverage``)."""
    if not isinstance(input, pyt.Tensor):
        criterion._error(f"expected input to be a Tensor but got {type(input).__name__}",
                    TypeError)
    if input.dim() not in (1, 2):
        criterion._error(f"expected input of size [C] or [N, C] but got {list(input.shape)}")
    x = input.unsqueeze(0) if input.dim() == 1 else input
    n, c = x.shape
    if not isinstance(target, pyt.Tensor):
        target = pyt.tensor([target] if isinstance(target, int) else target)
    if target.is_floating_point():
        criterion._error(f"expected integer class targets but got {target.dtype}", TypeError)
    if target.numel() != n:
        criterion._error(f"expected target of size [{n}] but got {list(target.shape)}")
    t = target.reshape(n).to(pyt.int64)
    keep = t != criterion.ignoreIndex
    if bool(((t < 0) | (t >= c)).logical_and(keep).any()):
        criterion._error(f"target out of range: classes must be in [0, {c - 1}]", IndexError)
    safe = t.masked_fill(~keep, 0)
    if criterion.weights is not None:
        if criterion.weights.numel() != c:
            criterion._error(f"expected weights of size [{c}] but got "
                        f"{list(criterion.weights.shape)}")
        w = criterion.weights.to(x.dtype)[safe]
    else:
        w = pyt.ones(n, dtype=x.dtype)
    w = w.masked_fill(~keep, 0)
    total = w.sum().item() if criterion.sizeAverage else 1.0
    return x, safe, w, total
