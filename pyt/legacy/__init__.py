"""Lua Torch's packages under torch.legacy's names (optim)."""
from . import optim
