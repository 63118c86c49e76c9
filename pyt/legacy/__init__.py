"""Lua Torch's nn (and optim, where present) over pyt tensors, as torch.legacy was."""
from . import nn

try:  # pyt.legacy.optim is written separately; nn works without it
    from . import optim
except ImportError:  # pragma: no cover
    pass
