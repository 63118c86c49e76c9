"""NN kernels, pyt against PyTorch (and NumPy where it has the operation): convolution
forward and backward, pooling, softmax, normalisation, embedding, interpolate, pad.

    python benchmarks/bench_nn.py [--quick] [--threads N]

Run from the repository root after building (``python setup.py build_ext --inplace``).
NumPy has no convolution or pooling: those rows compare with torch only (their
correctness is tested against NumPy/SciPy references in tests/test_nn_kernels.py).
Targets (issue 3, at 2 threads): conv2d forward+backward at most 1.25x torch's time,
softmax along dim 1 at least torch's speed.
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)                      # the in-place build, not an installed pyt
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyt                                    # noqa: E402
from pyt._ext import nn_kernels as K          # noqa: E402
from _timing import print_table, set_threads, torch, try_measure   # noqa: E402


def f32(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def conv_case(backward):
    """conv2d, N=32, 16 -> 32 channels, 32x32, k=3, pad=1 (the issue's case)."""
    x, w, b, g = f32((32, 16, 32, 32), 1), f32((32, 16, 3, 3), 2), f32(32, 3), f32((32, 32, 32, 32), 4)

    def mine():
        px, pw, pb, pg = (pyt.from_numpy(a.copy()) for a in (x, w, b, g))
        if not backward:
            return lambda: pyt.conv2d(px, pw, pb, padding=1)

        def step():
            pyt.conv2d(px, pw, pb, padding=1)
            K.conv_backward(pg, px, pw, 1, 1)
        return step

    def theirs():
        F = torch.nn.functional
        tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_(backward) for a in (x, w, b))
        tg = torch.from_numpy(g.copy())
        if not backward:
            return lambda: F.conv2d(tx, tw, tb, padding=1)

        def step():
            F.conv2d(tx, tw, tb, padding=1).backward(tg)
        return step
    return mine, None, theirs


def softmax_case(dim, log=False):
    a = f32((4096, 4096), 5)

    def numpy_softmax():
        def op():
            m = a.max(axis=dim, keepdims=True)
            e = np.exp(a - m)
            s = e.sum(axis=dim, keepdims=True)
            return (a - m) - np.log(s) if log else e / s
        return op
    fn = "log_softmax" if log else "softmax"
    return ((lambda: (lambda t: lambda: getattr(pyt, fn)(t, dim))(pyt.from_numpy(a.copy()))),
            numpy_softmax,
            (lambda: (lambda t: lambda: getattr(torch, fn)(t, dim))(torch.from_numpy(a.copy()))))


def simple_case(pyt_op, torch_op, *arrays):
    """Both libraries get private copies of the arrays."""
    return ((lambda: (lambda *t: lambda: pyt_op(*t))(*[pyt.from_numpy(a.copy()) for a in arrays])),
            None,
            (lambda: (lambda *t: lambda: torch_op(*t))(*[torch.from_numpy(a.copy()) for a in arrays])))


def cases():
    F = torch.nn.functional if torch is not None else None
    pool_in = f32((32, 32, 64, 64), 6)
    idx = np.random.default_rng(7).integers(0, 30000, (64, 128))
    return [
        ("conv2d fwd+bwd N=32 16->32 32x32 k3", conv_case(True)),
        ("conv2d fwd N=32 16->32 32x32 k3", conv_case(False)),
        ("max_pool2d k2 32x32x64x64", simple_case(lambda x: pyt.max_pool2d(x, 2),
                                                  lambda x: F.max_pool2d(x, 2), pool_in)),
        ("max_pool2d k3 s2 p1 + indices", simple_case(
            lambda x: K.max_pool2d_with_indices(x, 3, 2, 1),
            lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True), pool_in)),
        ("avg_pool2d k2 32x32x64x64", simple_case(lambda x: K.avg_pool2d(x, 2),
                                                  lambda x: F.avg_pool2d(x, 2), pool_in)),
        ("softmax dim 1 4096x4096", softmax_case(1)),
        ("log_softmax dim 1 4096x4096", softmax_case(1, True)),
        ("softmax dim 0 4096x4096", softmax_case(0)),
        ("layer_norm 8192x1024", simple_case(lambda x: pyt.layer_norm(x, [1024]),
                                             lambda x: F.layer_norm(x, [1024]),
                                             f32((8192, 1024), 8))),
        ("batch_norm train 32x64x32x32", simple_case(
            lambda x: pyt.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
            lambda x: F.batch_norm(x, None, None, training=True), f32((32, 64, 32, 32), 9))),
        ("embedding 64x128 of 30000x512", simple_case(
            lambda i, w: K.embedding(i, w), lambda i, w: F.embedding(i, w), idx,
            f32((30000, 512), 10))),
        ("interpolate bilinear x2 8x16x64x64", simple_case(
            lambda x: K.interpolate(x, scale_factor=2, mode="bilinear"),
            lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), f32((8, 16, 64, 64), 11))),
        ("pad reflect 2 8x16x64x64", simple_case(
            lambda x: K.pad(x, (2, 2, 2, 2), "reflect"),
            lambda x: F.pad(x, (2, 2, 2, 2), mode="reflect"), f32((8, 16, 64, 64), 12))),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    parser.add_argument("--threads", type=int, default=pyt.get_num_threads(),
                        help="threads for every library (default: pyt's current count)")
    args = parser.parse_args()
    set_threads(args.threads)
    min_time, repeat = (0.02, 3) if args.quick else (0.2, 7)
    rows, errors = [], []
    for name, (mine, numpy_op, theirs) in cases():
        p = try_measure(mine, min_time, repeat, errors, f"{name} [pyt]")
        n = try_measure(numpy_op, min_time, repeat, errors, f"{name} [numpy]")
        t = try_measure(theirs if torch is not None else None, min_time, repeat, errors,
                f"{name} [torch]")
        rows.append((name, p, n, t, ""))
    versions = f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else "")
    print_table(rows, title=f"pyt {pyt.__version__} vs {versions}; {args.threads} thread(s)"
                            f"{', quick' if args.quick else ''}; median time per call")
    for e in errors:
        print("error:", e)


if __name__ == "__main__":
    main()
