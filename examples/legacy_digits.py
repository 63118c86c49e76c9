"""Train a Lua-style convolutional network on scikit-learn's 8x8 digits with pyt.legacy.nn.

Written as Lua Torch code was: an nn.Sequential of SpatialConvolution, ReLU,
SpatialMaxPooling, View, Linear and LogSoftMax; a ClassNLLCriterion; explicit
forward/backward calls; one flat parameter vector and one flat gradient vector from
flattenParameters (Lua's getParameters) handed to pyt.legacy.optim.sgd through a closure.

    pip install ".[examples]" && python examples/legacy_digits.py --epochs 15
"""
import argparse
import time

import pyt
from pyt.legacy import nn, optim


def load_split(test_fraction, seed):
    """Digits as (N, 1, 8, 8) float32 in [0, 1] plus int64 labels, seeded split."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = pyt.tensor(digits.images, dtype=pyt.float32).unsqueeze(1) / 16.0
    labels = pyt.tensor(digits.target, dtype=pyt.int64)
    order = pyt.randperm(len(images), generator=pyt.Generator().manual_seed(seed))
    n_test = int(len(images) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (images[train], labels[train]), (images[test], labels[test])


def build_model():
    model = nn.Sequential()
    model.add(nn.SpatialConvolution(1, 16, 3, 3, 1, 1, 1, 1))     # 16 x 8 x 8
    model.add(nn.ReLU())
    model.add(nn.SpatialMaxPooling(2, 2, 2, 2))                   # 16 x 4 x 4
    model.add(nn.SpatialConvolution(16, 32, 3, 3, 1, 1, 1, 1))    # 32 x 4 x 4
    model.add(nn.ReLU())
    model.add(nn.SpatialMaxPooling(2, 2, 2, 2))                   # 32 x 2 x 2
    model.add(nn.View(32 * 2 * 2).setNumInputDims(3))
    model.add(nn.Linear(32 * 2 * 2, 64))
    model.add(nn.ReLU())
    model.add(nn.Linear(64, 10))
    model.add(nn.LogSoftMax())
    return model


def accuracy(model, images, labels):
    model.evaluate()
    predicted = model.forward(images).argmax(1)
    return (predicted == labels).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-fraction", type=float, default=0.25)
    args = parser.parse_args()

    pyt.manual_seed(args.seed)
    (train_x, train_y), (test_x, test_y) = load_split(args.test_fraction, args.seed)
    print(f"train: {len(train_x)} images, test: {len(test_x)} images")

    model = build_model()
    criterion = nn.ClassNLLCriterion()
    params, grad_params = model.flattenParameters()
    print(model)
    print(f"{params.numel()} parameters in one flat vector")

    # Lua's sgd damps momentum by default (dampening = momentum); 0 is classical momentum
    config = {"learningRate": args.lr, "momentum": args.momentum, "dampening": 0}
    state = {}

    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        model.training()
        total_loss, correct = 0.0, 0
        for batch in pyt.randperm(len(train_x)).split(args.batch_size):
            inputs, targets = train_x[batch], train_y[batch]

            def feval(x):
                # x is params itself: the modules already see its values
                grad_params.zero_()
                output = model.forward(inputs)
                loss = criterion.forward(output, targets)
                model.backward(inputs, criterion.backward(output, targets))
                feval.correct = (output.argmax(1) == targets).sum().item()
                return loss, grad_params

            _, fx = optim.sgd(feval, params, config, state)
            loss = fx[0] if isinstance(fx, (list, tuple)) else fx
            total_loss += float(loss) * len(batch)
            correct += feval.correct
        n = len(train_x)
        print(f"epoch {epoch:2d}  loss {total_loss / n:.4f}  train accuracy "
              f"{100 * correct / n:5.1f}%  ({time.perf_counter() - start:.2f} s)")

    print(f"test accuracy {100 * accuracy(model, test_x, test_y):.2f}%")


if __name__ == "__main__":
    main()
