"""Saves the model and optimizer every few epochs."""
import os

import pyt

from .plugin import Plugin


class Checkpoint(Plugin):
    """Every `every` epochs: `pyt.save({'model': ..., 'optimizer': ..., 'epoch': n}, path)`.

    `path` may contain '{epoch}' to keep one file per epoch; otherwise each save replaces
    the last. pyt.save writes to a temporary file and renames it, so an interruption or
    a crash leaves the previous checkpoint whole. The last saved path and epoch are in
    `trainer.stats['checkpoint']`.
    """
    stat_name = "checkpoint"

    def __init__(self, path, every=1):
        super().__init__([(every, "epoch")])
        self.path = os.fspath(path)

    def register(self, trainer):
        if not hasattr(pyt, "save"):
            raise RuntimeError("Checkpoint needs pyt.save, which this build of pyt lacks")
        if trainer.model is None:
            raise ValueError("Checkpoint: the trainer has no model to save")
        super().register(trainer)
        trainer.stats.setdefault(self.stat_name, {"path": None, "epoch": None})

    def epoch(self, epoch):
        trainer = self.trainer
        path = self.path.format(epoch=epoch)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        state = {"model": trainer.model.state_dict(),
                 "optimizer": (trainer.optimizer.state_dict()
                               if trainer.optimizer is not None else None),
                 "epoch": epoch}
        pyt.save(state, path)
        trainer.stats[self.stat_name].update(path=path, epoch=epoch)
