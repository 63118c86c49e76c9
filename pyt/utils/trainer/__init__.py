"""A training loop driven by plugins, as PyTorch's early torch.utils.trainer."""
from .trainer import Trainer
from . import plugins

__all__ = ["Trainer", "plugins"]
