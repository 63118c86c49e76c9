"""Stops training when a measured value stops improving."""
import math

from .plugin import Plugin, lookup


class EarlyStopping(Plugin):
    """Stops the trainer when `monitor` has not improved for `patience` epochs.

    `monitor` is a dotted path in `trainer.stats`: 'validation.loss' (the default),
    'validation.accuracy' with mode='max', or a Monitor's name ('loss' means its
    epoch_mean). Improving means beating the best value by more than `min_delta`.
    It runs after the measuring plugins due at the same epoch (its `order` is 50).
    Records best, best_epoch, wait and stopped_epoch in
    `trainer.stats['early_stopping']`.
    """
    order = 50
    stat_name = "early_stopping"

    def __init__(self, monitor="validation.loss", patience=5, mode="min", min_delta=0.0,
                 verbose=True):
        super().__init__([(1, "epoch")])
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive integer, got {patience!r}")
        self.monitor = monitor
        self.patience = patience
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.verbose = verbose

    def register(self, trainer):
        super().register(trainer)
        trainer.stats[self.stat_name] = {
            "best": math.inf if self.mode == "min" else -math.inf,
            "best_epoch": None, "wait": 0, "stopped_epoch": None}

    def _current(self):
        try:
            value = lookup(self.trainer.stats, self.monitor)
        except KeyError:
            raise KeyError(f"EarlyStopping: trainer.stats has no {self.monitor!r} (register "
                           "the plugin that records it before EarlyStopping)") from None
        if isinstance(value, dict):      # a Monitor: its mean over the epoch
            value = value.get("epoch_mean")
        if value is None:
            raise KeyError(f"EarlyStopping: {self.monitor!r} has no value yet")
        return float(value)

    def epoch(self, epoch):
        stats = self.trainer.stats[self.stat_name]
        value = self._current()
        if self.mode == "min":
            improved = value < stats["best"] - self.min_delta
        else:
            improved = value > stats["best"] + self.min_delta
        if improved:
            stats.update(best=value, best_epoch=epoch, wait=0)
            return
        stats["wait"] += 1
        if stats["wait"] >= self.patience:
            stats["stopped_epoch"] = epoch
            reason = (f"early stopping at epoch {epoch}: {self.monitor} has not improved for "
                      f"{self.patience} epochs (best {stats['best']:.6g} at epoch "
                      f"{stats['best_epoch']})")
            if self.verbose:
                print(reason)
            self.trainer.stop(reason)
