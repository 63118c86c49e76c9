"""Train a CNN on scikit-learn's 8x8 handwritten digits with pyt.

Written exactly as PyTorch code: only the imports name pyt instead of torch. A fixed,
seeded train/test split; shuffled mini-batches from torch.randperm; Adam; per-epoch
loss and train accuracy; the test accuracy at the end.

    pip install ".[examples]" && python examples/digits_cnn.py --epochs 20
    python examples/digits_cnn.py --device cuda        # the same training on a GPU
"""
import argparse

import pyt as torch
import pyt.nn.functional as F
from pyt import nn, optim


def load_split(test_fraction, seed):
    """Digits as float32 in [0, 1] plus int64 labels, split by a seeded permutation."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0  # (1797, 1, 8, 8)
    labels = torch.tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    n_test = int(len(images) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (images[train], labels[train]), (images[test], labels[test])


class CNN(nn.Module):
    """Two 3x3 convolutions (padding keeps 8x8), one 2x2 pooling, two linear layers."""

    def __init__(self, channels=(16, 32), hidden=128, dropout=0.25):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(c2 * 4 * 4, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))                      # (N, c1, 8, 8)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)     # (N, c2, 4, 4)
        x = self.dropout(torch.flatten(x, 1))
        return self.fc2(self.dropout(F.relu(self.fc1(x))))


def train_epoch(model, optimizer, images, labels, batch_size):
    model.train()
    total_loss, correct = 0.0, 0
    for batch in torch.randperm(len(images)).split(batch_size):
        x, y = images[batch], labels[batch]
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(batch)
        correct += (logits.argmax(1) == y).sum().item()
    return total_loss / len(images), correct / len(images)


@torch.no_grad()
def accuracy(model, images, labels):
    model.eval()
    return (model(images).argmax(1) == labels).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args()
    device = torch.device(args.device)

    torch.manual_seed(args.seed)
    (train_x, train_y), (test_x, test_y) = load_split(args.test_fraction, args.seed)
    print(f"train: {len(train_x)} images, test: {len(test_x)} images, on {device}")
    train_x, train_y = train_x.to(device), train_y.to(device)
    test_x, test_y = test_x.to(device), test_y.to(device)

    model = CNN().to(device)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    print(model)
    for epoch in range(1, args.epochs + 1):
        loss, acc = train_epoch(model, optimizer, train_x, train_y, args.batch_size)
        print(f"epoch {epoch:3d}  loss {loss:.4f}  train accuracy {acc:.3f}")
    print(f"test accuracy: {accuracy(model, test_x, test_y):.3f}")


if __name__ == "__main__":
    main()
