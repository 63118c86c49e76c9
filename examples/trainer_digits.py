"""Train an MLP on scikit-learn's 8x8 digits with pyt.utils.trainer and its plugins.

The Trainer runs the loop; plugins do the rest: a progress bar (plain lines when the
output is not a terminal), loss and accuracy monitors, a validation pass and a log line
each epoch, early stopping on the validation loss, and a checkpoint each epoch (when
this pyt has pyt.save). Ctrl-C stops after the current batch. At the end: the test
accuracy and Lua Torch's confusion matrix (pyt.legacy.optim.ConfusionMatrix).

    pip install ".[examples]" && python examples/trainer_digits.py --epochs 20
"""
import argparse
import math
import os
import tempfile

import pyt as torch
from pyt import nn, optim
from pyt.legacy.optim import ConfusionMatrix
from pyt.utils.trainer import Trainer
from pyt.utils.trainer.plugins import (
    AccuracyMonitor, Checkpoint, EarlyStopping, Logger, LossMonitor, ProgressMonitor,
    Validation,
)


class Batches:
    """(images, labels) mini-batches, reshuffled at each pass when `shuffle`."""

    def __init__(self, images, labels, batch_size, shuffle=False):
        self.images, self.labels = images, labels
        self.batch_size, self.shuffle = batch_size, shuffle

    def __len__(self):
        return math.ceil(len(self.images) / self.batch_size)

    def __iter__(self):
        n = len(self.images)
        order = torch.randperm(n) if self.shuffle else torch.arange(n)
        for batch in order.split(self.batch_size):
            yield self.images[batch], self.labels[batch]


def load_splits(seed, test_fraction=0.25, validation_fraction=0.1):
    """Digits in [0, 1] and their labels: train, validation and test by a seeded shuffle."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32) / 16.0
    labels = torch.tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    n_test = int(len(images) * test_fraction)
    n_val = int(len(images) * validation_fraction)
    parts = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    return [(images[p], labels[p]) for p in parts]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=os.path.join(tempfile.gettempdir(),
                                                             "pyt_trainer_digits.pt"),
                        help="checkpoint file ('' for none)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    test, validation, train = load_splits(args.seed)
    print(f"train: {len(train[0])}, validation: {len(validation[0])}, "
          f"test: {len(test[0])} images")

    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, args.hidden), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(args.hidden, args.hidden), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(args.hidden, 10),
    )
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=args.lr),
                      Batches(*train, args.batch_size, shuffle=True))
    trainer.register_plugin(ProgressMonitor(fields=["loss", "accuracy"]))
    trainer.register_plugin(LossMonitor())
    trainer.register_plugin(AccuracyMonitor())
    trainer.register_plugin(Validation(Batches(*validation, 256)))
    trainer.register_plugin(Logger(["loss", "accuracy", "validation"], interval=[(1, "epoch")]))
    trainer.register_plugin(EarlyStopping("validation.loss", patience=args.patience))
    if args.checkpoint and hasattr(torch, "save"):
        trainer.register_plugin(Checkpoint(args.checkpoint))
        print(f"checkpoints: {args.checkpoint}")
    trainer.run(args.epochs)

    model.eval()
    with torch.no_grad():
        predictions = model(test[0]).argmax(1)
    confusion = ConfusionMatrix([str(d) for d in range(10)])
    confusion.batchAdd(predictions, test[1])
    print(confusion)
    print(f"trained {trainer.epochs} epochs ({trainer.iterations} steps)")
    print(f"test accuracy: {100 * confusion.totalValid:.2f}%")


if __name__ == "__main__":
    main()
