"""Plugins of the Trainer: monitors, progress, logging, validation, checkpoints, stopping."""
from .plugin import Plugin
from .monitor import Monitor
from .loss import LossMonitor
from .accuracy import AccuracyMonitor
from .time import TimeMonitor
from .progress import ProgressMonitor
from .logger import Logger
from .checkpoint import Checkpoint
from .validation import Validation
from .early_stopping import EarlyStopping

__all__ = ["Plugin", "Monitor", "LossMonitor", "AccuracyMonitor", "TimeMonitor",
           "ProgressMonitor", "Logger", "Checkpoint", "Validation", "EarlyStopping"]
