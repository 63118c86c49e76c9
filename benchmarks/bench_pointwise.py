"""Pointwise ops, pyt against NumPy and PyTorch: small-op overhead, then 16M-element
float32 arithmetic and math into fresh outputs and with out=, broadcasting and a
transposed operand.

    python benchmarks/bench_pointwise.py [--quick] [--threads N]

Run from the repository root after building (``python setup.py build_ext --inplace``).
The bandwidth note counts the bytes each call reads and writes.
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)                      # the in-place build, not an installed pyt
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyt                                    # noqa: E402
from _timing import print_table, set_threads, torch, try_measure   # noqa: E402

N = 1 << 24                                   # 16M elements
SIDE = 1 << 12                                # 4096 x 4096 = 16M


class Case:
    """One benchmark: op(m) builds library m's inputs (untimed) and returns the callable
    to time; numpy_op replaces it for NumPy where NumPy spells the op differently."""

    def __init__(self, name, op, numpy_op=None, nbytes=None):
        self.name, self.op, self.numpy_op, self.nbytes = name, op, numpy_op, nbytes


def lib_array(m, a, requires_grad=False):
    """A private copy of NumPy array a in library m."""
    a = a.copy()
    if m is np:
        return a
    t = m.from_numpy(a)
    return t.requires_grad_() if requires_grad else t


def unary(fn_name, np_fn, x, out=False):
    """Case builders for a unary op into a new tensor or into out=."""
    def op(m):
        a = lib_array(m, x)
        fn = getattr(m, fn_name)
        if out:
            o = lib_array(m, x)
            return lambda: fn(a, out=o)
        return lambda: fn(a)

    def numpy_op(m):
        a = x.copy()
        if out:
            o = x.copy()
            return lambda: np_fn(a, out=o)
        return lambda: np_fn(a)
    return op, numpy_op


def cases():
    rng = np.random.default_rng(0)
    small_a, small_b = (rng.standard_normal(64).astype(np.float32) for _ in range(2))
    x, y, z = (rng.standard_normal(N).astype(np.float32) for _ in range(3))
    sq, sq2 = (rng.standard_normal((SIDE, SIDE)).astype(np.float32) for _ in range(2))
    row = rng.standard_normal(SIDE).astype(np.float32)
    f4 = 4 * N                                   # bytes of one 16M float32 array

    def small_add(requires_grad):
        def op(m):
            a, b = lib_array(m, small_a, requires_grad), lib_array(m, small_b, requires_grad)
            return lambda: a + b
        return op

    def binary(fn, out=False):
        def op(m):
            a, b = lib_array(m, x), lib_array(m, y)
            if out:
                o = lib_array(m, x)
                return (lambda: np.add(a, b, out=o)) if m is np else (lambda: m.add(a, b, out=o))
            return lambda: fn(a, b)
        return op

    def fma(m):
        a, b, c = lib_array(m, x), lib_array(m, y), lib_array(m, z)
        return lambda: a * b + c

    def relu(m):
        a = lib_array(m, x)
        if m is np:
            return lambda: np.maximum(a, 0)
        return lambda: m.relu(a)

    def broadcast_add(m):
        a, r = lib_array(m, sq), lib_array(m, row)
        return lambda: a + r

    def transposed_add(m):
        a, b = lib_array(m, sq), lib_array(m, sq2)
        bt = b.T if m is np else b.t()
        return lambda: a + bt

    def transposed_add_first(m):
        a, b = lib_array(m, sq), lib_array(m, sq2)
        bt = b.T if m is np else b.t()
        return lambda: bt + a

    def clamp(m):
        a = lib_array(m, x)
        return (lambda: np.clip(a, -1, 1)) if m is np else (lambda: m.clamp(a, -1, 1))

    def square(m):
        a = lib_array(m, x)
        return lambda: a ** 2

    def maximum(m):
        a, b = lib_array(m, x), lib_array(m, y)
        return lambda: m.maximum(a, b)

    def sigmoid(m):
        a = lib_array(m, x)
        return (lambda: 1 / (1 + np.exp(-a))) if m is np else (lambda: m.sigmoid(a))

    exp_new, np_exp_new = unary("exp", np.exp, x)
    exp_out, np_exp_out = unary("exp", np.exp, x, out=True)
    log_new, np_log_new = unary("log", np.log, np.abs(x) + 1)
    tanh_new, np_tanh_new = unary("tanh", np.tanh, x)
    sin_new, np_sin_new = unary("sin", np.sin, x)
    exp_small, np_exp_small = unary("exp", np.exp, small_a)

    return [
        Case("a + b, 64 f32", small_add(False)),
        Case("a + b, 64 f32, requires_grad", small_add(True),
             numpy_op=lambda m: (lambda a, b: lambda: a + b)(small_a.copy(), small_b.copy())),
        Case("exp, 64 f32", exp_small, np_exp_small),
        Case("add 16M f32", binary(lambda a, b: a + b), nbytes=3 * f4),
        Case("add 16M f32, out=", binary(None, out=True), nbytes=3 * f4),
        Case("a * b + c 16M f32", fma, nbytes=6 * f4),
        Case("exp 16M f32", exp_new, np_exp_new, nbytes=2 * f4),
        Case("exp 16M f32, out=", exp_out, np_exp_out, nbytes=2 * f4),
        Case("relu 16M f32", relu, nbytes=2 * f4),
        Case("broadcast add 4096x4096 + 4096", broadcast_add, nbytes=2 * f4),
        Case("add 4096x4096 + (4096x4096).t()", transposed_add, nbytes=3 * f4),
        Case("add (4096x4096).t() + 4096x4096", transposed_add_first, nbytes=3 * f4),
        Case("log 16M f32", log_new, np_log_new, nbytes=2 * f4),
        Case("tanh 16M f32", tanh_new, np_tanh_new, nbytes=2 * f4),
        Case("sigmoid 16M f32", sigmoid, nbytes=2 * f4),
        Case("sin 16M f32", sin_new, np_sin_new, nbytes=2 * f4),
        Case("clamp(-1, 1) 16M f32", clamp, nbytes=2 * f4),
        Case("x ** 2 16M f32", square, nbytes=2 * f4),
        Case("maximum 16M f32", maximum, nbytes=3 * f4),
    ]


def run_case(case, lib, min_time, repeat, errors):
    """Seconds per call; None when pyt does not implement the op; "err" on failure."""
    make = case.numpy_op if (lib is np and case.numpy_op) else case.op
    return try_measure(None if lib is None else (lambda: make(lib)), min_time, repeat,
                       errors, f"{case.name} [{getattr(lib, '__name__', lib)}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    parser.add_argument("--threads", type=int, default=pyt.get_num_threads(),
                        help="threads for every library (default: pyt's current count)")
    parser.add_argument("--only", default=None, help="run the cases whose name has this text")
    args = parser.parse_args()
    set_threads(args.threads)
    min_time, repeat = (0.02, 3) if args.quick else (0.2, 7)

    rows, errors = [], []
    for case in cases():
        if args.only and args.only not in case.name:
            continue
        p, n, t = (run_case(case, lib, min_time, repeat, errors) for lib in (pyt, np, torch))
        note = f"{case.nbytes / p / 1e9:.1f} GB/s" if case.nbytes and isinstance(p, float) else ""
        rows.append((case.name, p, n, t, note))
    versions = f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else "")
    print_table(rows, title=f"pyt {pyt.__version__} vs {versions}; {args.threads} thread(s)"
                            f"{', quick' if args.quick else ''}; median time per call")
    for e in errors:
        print("error:", e)


if __name__ == "__main__":
    main()
