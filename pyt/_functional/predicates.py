"""Questions about tensors and dtypes answered with Python bools."""
import pyt
from pyt._functional._util import check_tensor


def is_nonzero(input):
    """Whether a one-element tensor's value is nonzero (nan counts as nonzero)."""
    check_tensor(input, "is_nonzero", "input")
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return input.item() != 0


def is_same_size(input, other):
    """Whether the two tensors have the same shape."""
    check_tensor(input, "is_same_size", "input")
    check_tensor(other, "is_same_size", "other")
    return tuple(input.shape) == tuple(other.shape)


def _kind(dtype):
    """0 for bool, 1 for integers, 2 for floating point: casts may only go up."""
    return 0 if dtype == pyt.bool else (2 if dtype.is_floating_point else 1)


def can_cast(from_, to):
    """Whether torch's type promotion allows casting from_ to to (no lower kind)."""
    for position, (name, value) in enumerate((("from_", from_), ("to", to)), 1):
        if not isinstance(value, pyt.dtype):
            raise TypeError(f"can_cast(): argument '{name}' (position {position}) must be "
                            f"torch.dtype, not {type(value).__name__}")
    return _kind(from_) <= _kind(to)
