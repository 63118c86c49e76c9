"""Records the training accuracy of a classifier."""
from .monitor import Monitor


class AccuracyMonitor(Monitor):
    """Percentage of the batch whose highest-scoring class (output.argmax(1)) is the target."""
    stat_name = "accuracy"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("unit", "%")
        kwargs.setdefault("precision", 2)
        super().__init__(*args, **kwargs)

    def _get_value(self, iteration, input, target, output, loss):
        predictions = output.argmax(1)
        return 100.0 * (predictions == target).sum().item() / len(target)
