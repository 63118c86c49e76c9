"""repr() of tensors, formatted like torch's."""
import numpy as np


def tensor_repr(t):
    data = t.detach()
    if data.dtype.name == "bfloat16":
        data = data.float()
    body = np.array2string(data.numpy(), separator=", ", prefix="tensor(")
    extras = []
    if t.dtype.name not in ("float32", "int64", "bool"):
        extras.append(f"dtype=pyt.{t.dtype.name}")
    if t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
