"""Records the training loss."""
from .monitor import Monitor


class LossMonitor(Monitor):
    """The criterion's value on each batch (at the closure's first evaluation)."""
    stat_name = "loss"

    def _get_value(self, iteration, input, target, output, loss):
        return loss.item()
