"""Argument checks shared by the _functional modules, worded as torch words them."""
import pyt


def wrap_dim(dim, ndim):
    """dim in [-ndim, ndim) as a non-negative dim; a 0-d tensor takes dims -1 and 0."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"dim must be int, not {type(dim).__name__}")
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-rank}, {rank - 1}], but got {dim})")
    return dim % rank


def check_tensor(value, fname, argname):
    if not isinstance(value, pyt.Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' must be Tensor, "
                        f"not {type(value).__name__}")


def dtype_name(dtype):
    """'Float', 'Long', ... as torch's dispatch errors name a dtype."""
    return {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
            "int32": "Int", "int64": "Long", "float16": "Half", "bfloat16": "BFloat16",
            "float32": "Float", "float64": "Double"}[str(dtype).split(".")[-1]]


def not_implemented(fname, dtype):
    return NotImplementedError(f"\"{fname}\" not implemented for '{dtype_name(dtype)}'")


def write_inplace(self, result):
    """The in-place form of an op: result written into self, as torch's foo_ writes it.

    result is computed out of place from a clone of self (so the autograd graph never sees
    self change under it); like torch, the result dtype must cast to self's without
    changing kind, and result must not need a larger shape than self's.
    """
    from pyt._functional.predicates import can_cast
    if not can_cast(result.dtype, self.dtype):
        raise RuntimeError(f"result type {dtype_name(result.dtype)} can't be cast to the "
                           f"desired output type {dtype_name(self.dtype)}")
    if tuple(result.shape) != tuple(self.shape):
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                           f"broadcast shape {list(result.shape)}")
    return self.copy_(result)


def check_int(value, fname, argname):
    """An int argument (bool counts, as in torch's parser); TypeError otherwise."""
    if not isinstance(value, int):
        raise TypeError(f"{fname}(): argument '{argname}' must be int, not "
                        f"{type(value).__name__}")
    return value


def check_number(value, fname, argname):
    """A Python number (or 0-d tensor) argument; TypeError otherwise."""
    if isinstance(value, pyt.Tensor):
        if value.numel() != 1:
            raise TypeError(f"{fname}(): argument '{argname}' must be Number, not Tensor")
        return value.item()
    if not isinstance(value, (int, float)):
        raise TypeError(f"{fname}(): argument '{argname}' must be Number, not "
                        f"{type(value).__name__}")
    return value
