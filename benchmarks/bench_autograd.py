"""Autograd overhead, pyt against PyTorch: forward + backward of graphs of small tensors,
where the time is the tape and the engine, not arithmetic (issue 4's targets: at most
0.3x PyTorch's time for `(a*b).sum()` and for a chain of 10 ops on 64 elements), then
graphs where the arithmetic matters (an MLP layer, a gradient penalty).

    python benchmarks/bench_autograd.py [--quick] [--threads N]

Run from the repository root after building (``python setup.py build_ext --inplace``).
NumPy has no autograd: its column shows the forward alone, as a floor.
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


def mul_sum(lib, a, b):
    (a * b).sum().backward()


def chain10(lib, a, b):
    x = a
    for i in range(10):
        x = x * b if i % 2 else x + b
    x.sum().backward()


def mlp_layer(lib, x, w):
    lib.tanh(x @ w).sum().backward()


def gradient_penalty(lib, x, w):
    y = lib.tanh(x @ w).sum()
    g, = lib.autograd.grad(y, x, create_graph=True)
    (g * g).sum().backward()


def numpy_floor(name, a, b):
    if name == "mul_sum":
        return lambda: (a * b).sum()
    if name == "chain10":
        def chain():
            x = a
            for i in range(10):
                x = x * b if i % 2 else x + b
            return x.sum()
        return chain
    return lambda: np.tanh(a @ b).sum()


CASES = [                          # (name, function, shape of the first, of the second)
    ("mul_sum", mul_sum, (64,), (64,)),
    ("chain10", chain10, (64,), (64,)),
    ("mlp_layer", mlp_layer, (128, 256), (256, 256)),
    ("gradient_penalty", gradient_penalty, (128, 256), (256, 256)),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter timings")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.threads)
    min_time = 0.02 if args.quick else 0.1
    rng = np.random.default_rng(0)
    rows = []
    for name, fn, shape_a, shape_b in CASES:
        a = rng.standard_normal(shape_a).astype(np.float32)
        b = rng.standard_normal(shape_b).astype(np.float32)
        times = {}
        for label, lib in (("pyt", pyt), ("torch", torch)):
            if lib is None:
                times[label] = "-"
                continue
            x = lib.tensor(a, requires_grad=True)
            w = lib.tensor(b, requires_grad=True)
            times[label] = measure(lambda: fn(lib, x, w), min_time=min_time)
        floor = measure(numpy_floor(name, a, b), min_time=min_time)
        rows.append((name, times["pyt"], floor, times["torch"], "numpy: forward only"))
    print_table(rows, title=f"autograd forward + backward, {args.threads} thread(s)")


if __name__ == "__main__":
    main()
