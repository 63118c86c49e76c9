"""finfo / iinfo, result_type and small predicates over tensors and dtypes."""
import builtins

import numpy as np

from pyt._ext import dtypes as _d
from pyt._ext.tensor import Tensor


class finfo:
    """Machine limits of a floating-point dtype (torch.finfo)."""

    def __init__(self, type=None):
        if type is None:
            type = _d.get_default_dtype()
        if not isinstance(type, _d.dtype) or not type.is_floating_point:
            raise TypeError(f"finfo(): type must be a floating-point dtype, got {type}")
        self.dtype = type.name
        if type is _d.bfloat16:
            self.bits, self.eps, self.max = 16, 2.0 ** -7, 3.3895313892515355e+38
            self.min, self.tiny = -self.max, 1.1754943508222875e-38
            self.smallest_normal, self.resolution = self.tiny, 0.01
        else:
            info = np.finfo(type.numpy_dtype)
            self.bits = info.bits
            self.eps = builtins.float(info.eps)
            self.max = builtins.float(info.max)
            self.min = builtins.float(info.min)
            self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
            self.resolution = builtins.float(info.resolution)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (torch.iinfo)."""

    def __init__(self, type):
        if not isinstance(type, _d.dtype) or type.is_floating_point or type is _d.bool_:
            raise TypeError(f"iinfo(): type must be an integer dtype, got {type}")
        info = np.iinfo(type.numpy_dtype)
        self.bits, self.min, self.max, self.dtype = info.bits, int(info.min), int(info.max), type.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def _category(d):
    return 0 if d is _d.bool_ else (2 if d.is_floating_point else 1)


def result_type(tensor1, tensor2):
    """The dtype of an arithmetic op on these operands (torch.result_type): tensors with
    dims outrank 0-d tensors, which outrank Python numbers, unless a lower-ranked operand
    is of a higher category (bool < integer < floating)."""
    def classify(x):
        if isinstance(x, Tensor):
            return (2 if x.dim() > 0 else 1), x.dtype
        if isinstance(x, builtins.bool):
            return 0, _d.bool_
        if isinstance(x, builtins.int):
            return 0, _d.int64
        if isinstance(x, builtins.float):
            return 0, _d.get_default_dtype()
        raise TypeError(f"result_type(): expected a Tensor or a number, got {type(x).__name__}")

    results = {}
    for rank, dt in (classify(tensor1), classify(tensor2)):
        results[rank] = dt if rank not in results else _d.promote_types(results[rank], dt)

    def combine(higher, lower):
        if higher is None:
            return lower
        if lower is None:
            return higher
        if _category(lower) > _category(higher):
            return _d.promote_types(higher, lower)
        return higher

    return combine(results.get(2), combine(results.get(1), results.get(0)))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def _tensor_argument(fname, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    return input


def is_floating_point(input):
    return _tensor_argument("is_floating_point", input).is_floating_point()


def numel(input):
    return _tensor_argument("numel", input).numel()
