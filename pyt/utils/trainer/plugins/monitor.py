"""Base class of the plugins that record one number per iteration."""
from .plugin import Plugin


class Monitor(Plugin):
    """Records `_get_value(...)` each iteration in `trainer.stats[stat_name]`.

    Keeps 'last', 'running_avg' (exponential: smoothing * old + (1 - smoothing) * new,
    starting at the first value) and, at each epoch's end, 'epoch_mean' (and
    'epoch_history', one mean per epoch). 'log_iter_fields' and 'log_epoch_fields' say
    how the Logger and ProgressMonitor print them.
    """
    stat_name = None

    def __init__(self, running_average=True, epoch_average=True, smoothing=0.7,
                 precision=4, number_format=None, unit=""):
        super().__init__([(1, "iteration"), (1, "epoch")])
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        self.smoothing = smoothing
        self.with_running_average = running_average
        self.with_epoch_average = epoch_average
        self.log_format = number_format or f".{precision}f"
        self.log_unit = unit

        def field(key):
            return "{" + key + ":" + self.log_format + "}" + unit.replace("{", "{{").replace("}", "}}")

        self.log_iter_fields = [field("last")]
        if running_average:
            self.log_iter_fields.append("(" + field("running_avg") + ")")
        self.log_epoch_fields = [field("epoch_mean")] if epoch_average else []

    def register(self, trainer):
        super().register(trainer)
        stats = trainer.stats.setdefault(self.stat_name, {})
        stats.update(log_format=self.log_format, log_unit=self.log_unit,
                     log_iter_fields=self.log_iter_fields,
                     log_epoch_fields=self.log_epoch_fields, epoch_history=[])
        self._sum, self._count = 0.0, 0

    def _get_value(self, iteration, input, target, output, loss):
        raise NotImplementedError

    def iteration(self, *args):
        stats = self.trainer.stats[self.stat_name]
        value = float(self._get_value(*args))
        stats["last"] = value
        if self.with_running_average:
            previous = stats.get("running_avg")
            stats["running_avg"] = value if previous is None else (
                self.smoothing * previous + (1 - self.smoothing) * value)
        self._sum += value
        self._count += 1

    def epoch(self, epoch):
        stats = self.trainer.stats[self.stat_name]
        if self.with_epoch_average and self._count:
            stats["epoch_mean"] = self._sum / self._count
            stats["epoch_history"].append(stats["epoch_mean"])
        self._sum, self._count = 0.0, 0
