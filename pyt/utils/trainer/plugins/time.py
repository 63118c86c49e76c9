"""Records how long each batch takes."""
import time

from .monitor import Monitor


class TimeMonitor(Monitor):
    """Milliseconds from a batch's start (its 'batch' call) to its end (the step's end)."""
    stat_name = "time"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("unit", "ms")
        kwargs.setdefault("precision", 0)
        super().__init__(*args, **kwargs)
        self.trigger_interval.append((1, "batch"))
        self._start = None

    def batch(self, iteration, input, target):
        self._start = time.perf_counter()

    def _get_value(self, *args):
        return 1000.0 * (time.perf_counter() - self._start)
