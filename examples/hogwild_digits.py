"""Hogwild training on scikit-learn's digits: several processes update one shared model.

The model's parameters are moved into shared memory with ``model.share_memory()``; each
worker process trains that very model, without locks, with its own Adam optimizer on its
own shard of the training set (Hogwild!, Niu et al. 2011). The parent then evaluates the
shared model and, for comparison, trains the same network alone in one process.

Written as PyTorch code with pyt in place of torch:

    python examples/hogwild_digits.py --processes 2 --epochs 15 --start-method spawn
"""
import argparse
import sys
import time

import pyt as torch
import pyt.multiprocessing as mp
import pyt.nn.functional as F
from pyt import nn, optim


def load_split(test_fraction, seed):
    """Digits as float32 in [0, 1] plus int64 labels, split by a seeded permutation."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).reshape(-1, 64) / 16.0
    labels = torch.tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    n_test = int(len(images) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (images[train], labels[train]), (images[test], labels[test])


def make_model(hidden):
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                         nn.ReLU(), nn.Linear(hidden, 10))


def train(rank, model, images, labels, epochs, batch_size, lr, seed, nprocs):
    """One worker: Adam on its shard (every nprocs-th image, from rank), writing straight
    into the shared parameters."""
    torch.set_num_threads(1)             # the workers share the cores
    torch.manual_seed(seed + rank)
    images, labels = images[rank::nprocs], labels[rank::nprocs]
    optimizer = optim.Adam(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        total = 0.0
        for batch in torch.randperm(len(images)).split(batch_size):
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        # one write per line, so that the workers' lines do not interleave
        sys.stdout.write(f"[worker {rank}] epoch {epoch:3d}  loss {total / len(images):.4f}\n")
        sys.stdout.flush()


@torch.no_grad()
def accuracy(model, images, labels):
    return (model(images).argmax(1) == labels).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start-method", default="fork", choices=["fork", "spawn", "forkserver"])
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the single-process run")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    (train_x, train_y), (test_x, test_y) = load_split(0.25, args.seed)
    print(f"train: {len(train_x)} images, test: {len(test_x)} images")

    model = make_model(args.hidden)
    model.share_memory()                 # the workers write into these very parameters
    print(f"{args.processes} processes ({args.start_method}), {args.epochs} epochs each "
          f"on 1/{args.processes} of the training set")
    start = time.perf_counter()
    mp.start_processes(train, args=(model, train_x, train_y, args.epochs, args.batch_size,
                                    args.lr, args.seed, args.processes),
                       nprocs=args.processes, start_method=args.start_method)
    seconds = time.perf_counter() - start
    print(f"hogwild test accuracy: {accuracy(model, test_x, test_y):.3f}  ({seconds:.1f} s)")

    if not args.no_baseline:
        torch.manual_seed(args.seed)
        alone = make_model(args.hidden)
        start = time.perf_counter()
        train(0, alone, train_x, train_y, args.epochs, args.batch_size, args.lr, args.seed, 1)
        seconds = time.perf_counter() - start
        print(f"single-process test accuracy: {accuracy(alone, test_x, test_y):.3f}  "
              f"({seconds:.1f} s)")


if __name__ == "__main__":
    main()
