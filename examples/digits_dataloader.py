"""Train an MLP on scikit-learn's 8x8 digits, fed by a DataLoader with worker processes
that augment every image at random (a shift of up to one pixel each way).

Written as PyTorch code with pyt in torch's place: a map-style Dataset, random_split
into train and validation, DataLoader(shuffle=True, num_workers=N, generator=...). The
workers draw their shifts from pyt's generator, which the DataLoader seeds in each
worker from the loader's generator: the same --seed gives the same shifts, batches and
losses on every run (for a given --workers).

    pip install ".[examples]" && python examples/digits_dataloader.py --workers 2
"""
import argparse
import time

import pyt as torch
import pyt.nn.functional as F
from pyt import nn, optim
from pyt.utils.data import DataLoader, Dataset, random_split


class Digits(Dataset):
    """The 1797 digits as (1x8x8 float32 in [0, 1], int64 label)."""

    def __init__(self, augment=False):
        from sklearn.datasets import load_digits
        digits = load_digits()
        self.images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
        self.labels = torch.tensor(digits.target, dtype=torch.int64)
        self.augment = augment

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = self.images[i]
        if self.augment:
            dy, dx = torch.randint(-1, 2, (2,)).tolist()   # this worker's seeded stream
            image = image.roll((dy, dx), dims=(1, 2))
        return image, self.labels[i]


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def train_epoch(model, optimizer, loader):
    model.train()
    total, correct, seen = 0.0, 0, 0
    for images, labels in loader:
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        correct += (logits.argmax(1) == labels).sum().item()
        seen += len(labels)
    return total / seen, correct / seen


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = seen = 0
    for images, labels in loader:
        correct += (model(images).argmax(1) == labels).sum().item()
        seen += len(labels)
    return correct / seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    split = torch.Generator().manual_seed(args.seed)
    train_part, val_part = random_split(range(1797), [0.8, 0.2], generator=split)
    # two views of the same images: augmented for training, plain for validation
    train_set = torch.utils.data.Subset(Digits(augment=True), train_part.indices)
    val_set = torch.utils.data.Subset(Digits(augment=False), val_part.indices)
    loader_kwargs = dict(num_workers=args.workers)
    if args.workers:
        loader_kwargs["persistent_workers"] = True
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              generator=torch.Generator().manual_seed(args.seed),
                              **loader_kwargs)
    val_loader = DataLoader(val_set, batch_size=256, **loader_kwargs)
    print(f"train: {len(train_set)} images in {len(train_loader)} batches, "
          f"validation: {len(val_set)} images, {args.workers} worker processes")

    model = mlp()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        loss, acc = train_epoch(model, optimizer, train_loader)
        val = evaluate(model, val_loader)
        print(f"epoch {epoch:3d}  loss {loss:.4f}  train accuracy {acc:.3f}  "
              f"validation accuracy {val:.3f}  ({time.perf_counter() - start:.2f} s)")
    print(f"final validation accuracy: {evaluate(model, val_loader):.3f}")


if __name__ == "__main__":
    main()
