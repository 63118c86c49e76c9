"""Whole training steps, pyt against PyTorch: forward, loss, zero_grad, backward and the
optimizer's step, with the same model code run on each library.

    python benchmarks/bench_training.py [--quick] [--threads N] [--parts]

Run from the repository root after building (``python setup.py build_ext --inplace``).
Cases (issue 5, at 2 threads): an MLP 784-512-256-10 (ReLU) at batch 128 with SGD
(momentum 0.9) and LeNet-5 at batch 64 on 1x28x28 with Adam, both with cross_entropy.
Targets: the MLP step no slower than torch's, LeNet at most 1.2x torch's time.
--parts also times forward+loss, backward and the optimizer step on their own.
NumPy has no autograd: its column reads "-".
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)                      # the in-place build, not an installed pyt
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyt                                    # noqa: E402
from _timing import measure, print_table, set_threads, torch   # noqa: E402


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def lenet5(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),     # 6x14x14
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),               # 16x5x5
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def sgd(lib, params):
    return lib.optim.SGD(params, lr=0.01, momentum=0.9)


def adam(lib, params):
    return lib.optim.Adam(params, lr=1e-3)


# name, model, optimizer, input shape; the data is generated once and shared
CASES = [
    ("MLP 784-512-256-10, batch 128, SGD momentum", mlp, sgd, (128, 784)),
    ("LeNet-5 1x28x28, batch 64, Adam", lenet5, adam, (64, 1, 28, 28)),
]


def make_steps(lib, build, make_optimizer, x_np, y_np):
    """The full step and its parts, as closures over one model on `lib`."""
    lib.manual_seed(0)
    model = build(lib)
    optimizer = make_optimizer(lib, model.parameters())
    x, y = lib.from_numpy(x_np.copy()), lib.from_numpy(y_np.copy())
    F = lib.nn.functional

    def step():
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def forward():
        F.cross_entropy(model(x), y)

    def backward():                           # forward not included: it is timed above
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()

    return {"step": step, "forward+loss": forward, "forward+backward": backward,
            "optimizer.step": optimizer.step}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    parser.add_argument("--threads", type=int, default=2, help="threads for both libraries")
    parser.add_argument("--parts", action="store_true",
                        help="also time forward+loss, forward+backward, optimizer.step")
    args = parser.parse_args()
    set_threads(args.threads)
    min_time, repeat = (0.05, 3) if args.quick else (0.3, 7)
    rng = np.random.default_rng(0)
    rows = []
    for name, build, make_optimizer, shape in CASES:
        x = rng.standard_normal(shape).astype(np.float32)
        y = rng.integers(0, 10, shape[0])
        mine = make_steps(pyt, build, make_optimizer, x, y)
        theirs = make_steps(torch, build, make_optimizer, x, y) if torch is not None else None
        parts = list(mine) if args.parts else ["step"]
        for part in parts:
            p = measure(mine[part], min_time, repeat)
            t = measure(theirs[part], min_time, repeat) if theirs else "-"
            label = name if part == "step" else f"  {part}"
            rows.append((label, p, "-", t, ""))
    versions = f"torch {torch.__version__}" if torch else "torch not installed"
    print_table(rows, title=f"pyt {pyt.__version__} vs {versions}; {args.threads} thread(s)"
                            f"{', quick' if args.quick else ''}; median time per training step")


if __name__ == "__main__":
    main()
