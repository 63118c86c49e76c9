"""Lua Torch's nn and optim over pyt tensors, as torch.legacy was."""
from . import nn, optim
