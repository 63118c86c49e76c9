"""Core tensor operations, pyt against NumPy and PyTorch: creation, view overhead,
indexing and copies.

    python benchmarks/bench_core.py [--quick] [--threads N]

Run from the repository root after building (``python setup.py build_ext --inplace``).
Cases whose pyt op is not implemented yet print "n/a"; other failures print "err" and
their message under the table.
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

MB = 1 << 20


class Case:
    """One benchmark. `op(m)` receives the library module (pyt, numpy or torch), builds
    its inputs untimed, and returns the zero-argument callable to time. Where NumPy
    spells the operation differently, `numpy_op` replaces `op` for it. `nbytes` (bytes
    read + written per call) adds a bandwidth note."""

    def __init__(self, name, op, numpy_op=None, nbytes=None):
        self.name, self.op, self.numpy_op, self.nbytes = name, op, numpy_op, nbytes


def as_lib(m, a):
    """A private copy of NumPy array a as library m's array type."""
    a = a.copy()
    return a if m is np else m.from_numpy(a)


def cases():
    n = MB                                     # creation size: 1M float32
    lst = [float(i) for i in range(1000)]
    rng = np.random.default_rng(0)
    small = rng.standard_normal((4, 4)).astype(np.float32)
    big = rng.standard_normal((4096, 1024)).astype(np.float32)
    mask = big > 0
    rows = rng.integers(0, 4096, 1024)
    new_rows = rng.standard_normal((1024, 1024)).astype(np.float32)
    flat = rng.standard_normal(16 * MB).astype(np.float32)
    square = rng.standard_normal((4096, 4096)).astype(np.float32)

    def copy_into(m, src, transposed=False):
        s, d = as_lib(m, src), as_lib(m, src)
        s = s.T if transposed else s
        if m is np:
            return lambda: np.copyto(d, s)
        return lambda: d.copy_(s)

    def set_rows(m):
        x, idx, v = as_lib(m, big), as_lib(m, rows), as_lib(m, new_rows)

        def op():
            x[idx] = v
        return op

    return [
        # creation
        Case("zeros 1M f32", lambda m: lambda: m.zeros(n, dtype=m.float32)),
        Case("ones 1M f32", lambda m: lambda: m.ones(n, dtype=m.float32)),
        Case("full 1M f32", lambda m: lambda: m.full((n,), 1.5, dtype=m.float32)),
        Case("empty 1M f32", lambda m: lambda: m.empty(n, dtype=m.float32)),
        Case("arange 1M f32", lambda m: lambda: m.arange(n, dtype=m.float32)),
        Case("tensor(list of 1000 floats)", lambda m: lambda: m.tensor(lst),
             numpy_op=lambda m: lambda: np.array(lst, dtype=np.float32)),
        Case("from_numpy 1M (zero-copy)", lambda m: lambda: m.from_numpy(flat),
             numpy_op=lambda m: lambda: flat.view()),
        # view overhead on a small tensor
        Case("view: t[0] (4x4)", lambda m: (lambda x: lambda: x[0])(as_lib(m, small))),
        Case("view: t.view(-1) (4x4)", lambda m: (lambda x: lambda: x.view(-1))(as_lib(m, small)),
             numpy_op=lambda m: (lambda x: lambda: x.reshape(-1))(small.copy())),
        Case("view: t.transpose(0,1) (4x4)",
             lambda m: (lambda x: lambda: x.transpose(0, 1))(as_lib(m, small)),
             numpy_op=lambda m: (lambda x: lambda: x.swapaxes(0, 1))(small.copy())),
        # indexing on 4096x1024 float32
        Case("t[::2].contiguous() 4096x1024",
             lambda m: (lambda x: lambda: x[::2].contiguous())(as_lib(m, big)),
             numpy_op=lambda m: (lambda x: lambda: np.ascontiguousarray(x[::2]))(big.copy()),
             nbytes=big.nbytes),
        Case("t[1234] int index", lambda m: (lambda x: lambda: x[1234])(as_lib(m, big))),
        Case("t[mask] bool select (50%)",
             lambda m: (lambda x, k: lambda: x[k])(as_lib(m, big), as_lib(m, mask))),
        Case("index_select(0, 1024 rows)",
             lambda m: (lambda x, i: lambda: m.index_select(x, 0, i))(as_lib(m, big), as_lib(m, rows)),
             numpy_op=lambda m: (lambda x: lambda: np.take(x, rows, axis=0))(big.copy())),
        Case("t[idx] get 1024 rows",
             lambda m: (lambda x, i: lambda: x[i])(as_lib(m, big), as_lib(m, rows))),
        Case("t[idx] = v set 1024 rows", set_rows),
        # copies
        Case("copy_ 16M f32 contiguous", lambda m: copy_into(m, flat), nbytes=2 * flat.nbytes),
        Case("copy_ 4096x4096 transposed", lambda m: copy_into(m, square, transposed=True),
             nbytes=2 * square.nbytes),
        Case("cast 16M f32 -> f64", lambda m: (lambda x: lambda: x.to(m.float64))(as_lib(m, flat)),
             numpy_op=lambda m: lambda: flat.astype(np.float64), nbytes=12 * flat.size),
        Case("cast 16M f32 -> f16", lambda m: (lambda x: lambda: x.to(m.float16))(as_lib(m, flat)),
             numpy_op=lambda m: lambda: flat.astype(np.float16), nbytes=6 * flat.size),
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
    args = parser.parse_args()
    set_threads(args.threads)
    min_time, repeat = (0.01, 3) if args.quick else (0.1, 7)

    rows, errors = [], []
    for case in cases():
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
