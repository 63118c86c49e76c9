"""Measures the model on held-out data every few epochs."""
import pyt

from .plugin import Plugin


class Validation(Plugin):
    """Every `every` epochs: mean loss (and accuracy, for classifiers) on `dataset`.

    `dataset` is an iterable of (input, target) batches; `criterion` defaults to the
    trainer's. The model runs in eval mode without gradients, then returns to the mode
    it was in. Records `trainer.stats['validation']`: loss, accuracy (percent; None if
    `accuracy=False`), epoch and history (a list of (epoch, loss, accuracy)).
    """
    stat_name = "validation"

    def __init__(self, dataset, every=1, criterion=None, accuracy=True):
        super().__init__([(every, "epoch")])
        self.dataset = dataset
        self.criterion = criterion
        self.with_accuracy = accuracy

    def register(self, trainer):
        super().register(trainer)
        fields = ["loss {loss:.4f}"] + (["accuracy {accuracy:.2f}%"] if self.with_accuracy
                                        else [])
        trainer.stats.setdefault(self.stat_name, {}).update(
            log_epoch_fields=fields, log_iter_fields=[], log_format=".4f", log_unit="",
            history=[])

    def evaluate(self):
        """(mean loss, accuracy in percent or None) of the trainer's model on the dataset."""
        model = self.trainer.model
        criterion = self.criterion or self.trainer.criterion
        was_training = getattr(model, "training", False)
        if hasattr(model, "eval"):
            model.eval()
        total_loss, correct, count = 0.0, 0, 0
        try:
            with pyt.no_grad():
                for batch_input, batch_target in self.dataset:
                    output = model(batch_input)
                    n = len(batch_target)
                    # Criteria average over the batch: weight by its size for the mean.
                    total_loss += criterion(output, batch_target).item() * n
                    if self.with_accuracy:
                        correct += (output.argmax(1) == batch_target).sum().item()
                    count += n
        finally:
            if was_training and hasattr(model, "train"):
                model.train()
        if count == 0:
            raise ValueError("Validation: the validation dataset is empty")
        return total_loss / count, (100.0 * correct / count if self.with_accuracy else None)

    def epoch(self, epoch):
        loss, accuracy = self.evaluate()
        stats = self.trainer.stats[self.stat_name]
        stats.update(loss=loss, accuracy=accuracy, epoch=epoch)
        stats["history"].append((epoch, loss, accuracy))
