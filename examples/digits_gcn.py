"""Semi-supervised digit classification with a graph convolutional network on a sparse graph.

Scikit-learn's 1797 8x8 digits become the nodes of a k-nearest-neighbour graph (built with
pyt: distances by a matrix product, neighbours by topk). Only a few labels per class are
known; a two-layer GCN (Kipf & Welling: H' = A_hat @ H @ W, A_hat the symmetrically
normalised adjacency with self-loops, a sparse COO tensor) spreads them along the graph.
An MLP trained on the same few labels is the baseline. Written as PyTorch code: only the
imports name pyt instead of torch.

    pip install ".[examples]" && python examples/digits_gcn.py --labels-per-class 5
"""
import argparse

import pyt as torch
import pyt.nn.functional as F
from pyt import nn, optim


def load_digits():
    from sklearn.datasets import load_digits
    digits = load_digits()
    return (torch.tensor(digits.data, dtype=torch.float32) / 16.0,
            torch.tensor(digits.target, dtype=torch.int64))


def knn_graph(x, k):
    """A_hat = D^-1/2 (A + I) D^-1/2 for the symmetric k-nearest-neighbour graph of x."""
    n = x.shape[0]
    squared = (x * x).sum(1)
    dist = squared.unsqueeze(1) - 2 * x @ x.t() + squared.unsqueeze(0)
    neighbours = dist.topk(k + 1, dim=1, largest=False).indices       # includes the node
    rows = torch.arange(n).unsqueeze(1).expand(n, k + 1).reshape(-1)
    cols = neighbours.reshape(-1)
    # both directions (coalescing merges an edge found from both ends), then weights 1
    edges = torch.sparse_coo_tensor(torch.stack([torch.cat([rows, cols]), torch.cat([cols, rows])]),
                                    torch.ones(2 * rows.shape[0]), (n, n)).coalesce()
    index = edges.indices()
    adjacency = torch.sparse_coo_tensor(index, torch.ones(index.shape[1]), (n, n),
                                        is_coalesced=True)
    degree = torch.sparse.sum(adjacency, 1).to_dense()
    scale = degree.rsqrt()
    weights = scale[index[0]] * scale[index[1]]
    return torch.sparse_coo_tensor(index, weights, (n, n), is_coalesced=True)


class GCN(nn.Module):
    def __init__(self, features, hidden, classes, dropout=0.5):
        super().__init__()
        self.first = nn.Linear(features, hidden)
        self.second = nn.Linear(hidden, classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, a_hat, x):
        h = F.relu(a_hat @ self.first(self.dropout(x)))
        return a_hat @ self.second(self.dropout(h))


class MLP(nn.Module):
    def __init__(self, features, hidden, classes, dropout=0.5):
        super().__init__()
        self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(features, hidden), nn.ReLU(),
                                 nn.Dropout(dropout), nn.Linear(hidden, classes))

    def forward(self, a_hat, x):          # the graph is ignored
        return self.net(x)


def labelled_subset(labels, per_class, generator):
    """per_class node indices of each class, chosen at random."""
    chosen = []
    for c in range(10):
        members = (labels == c).nonzero().reshape(-1)
        pick = torch.randperm(members.shape[0], generator=generator)[:per_class]
        chosen.append(members[pick])
    return torch.cat(chosen)


def train(model, a_hat, x, labels, known, unknown, epochs, lr, name):
    optimizer = optim.Adam(model.parameters(), lr=lr, weight_decay=5e-4)
    for epoch in range(1, epochs + 1):
        model.train()
        loss = F.cross_entropy(model(a_hat, x)[known], labels[known])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % max(1, epochs // 5) == 0 or epoch == epochs:
            print(f"{name} epoch {epoch:3d}  loss {loss.item():.4f}  "
                  f"accuracy on unlabelled {accuracy(model, a_hat, x, labels, unknown):.3f}")
    return accuracy(model, a_hat, x, labels, unknown)


@torch.no_grad()
def accuracy(model, a_hat, x, labels, nodes):
    model.eval()
    return (model(a_hat, x)[nodes].argmax(1) == labels[nodes]).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels-per-class", type=int, default=5)
    parser.add_argument("--neighbours", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    x, labels = load_digits()
    a_hat = knn_graph(x, args.neighbours)
    print(f"graph: {x.shape[0]} nodes, {a_hat._nnz()} stored edges (self-loops included), "
          f"{a_hat.layout}")
    known = labelled_subset(labels, args.labels_per_class, torch.Generator().manual_seed(args.seed))
    mask = torch.ones(x.shape[0], dtype=torch.bool)
    mask[known] = False
    unknown = mask.nonzero().reshape(-1)
    print(f"labelled nodes: {known.shape[0]}, unlabelled: {unknown.shape[0]}")

    gcn = train(GCN(64, args.hidden, 10), a_hat, x, labels, known, unknown, args.epochs,
                args.lr, "GCN")
    mlp = train(MLP(64, args.hidden, 10), a_hat, x, labels, known, unknown, args.epochs,
                args.lr, "MLP")
    print(f"test accuracy: GCN {gcn:.3f}, MLP {mlp:.3f} (same {known.shape[0]} labels)")


if __name__ == "__main__":
    main()
