"""Sparse COO tensors, pyt against PyTorch (torch.sparse) and SciPy: the graph-model
product S @ D (S 10000x10000 with 100k random elements, D 10000x64 float32), its backward,
coalesce and to_sparse.

    python benchmarks/bench_sparse.py [--quick] [--threads N] [--parts]

Run from the repository root after building (``python setup.py build_ext --inplace``).
The numpy column holds scipy.sparse (CSR @ dense, single-threaded) where it has the op.
--parts also times the three pyt ops S @ D is made of (gather rows of D, scale by the
values, index_add into the output rows), to show where its time goes.
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

N, NNZ, COLS = 10000, 100_000, 64


def problem(seed=0):
    rng = np.random.default_rng(seed)
    lin = rng.integers(0, N * N, NNZ)                          # duplicates are possible
    idx = np.stack([lin // N, lin % N]).astype(np.int64)
    vals = rng.standard_normal(NNZ).astype(np.float32)
    dense = rng.standard_normal((N, COLS)).astype(np.float32)
    return idx, vals, dense


def sparse_of(m, idx, vals):
    s = m.sparse_coo_tensor(m.from_numpy(idx.copy()), m.from_numpy(vals.copy()), (N, N))
    return s


def product(m, idx, vals, dense):
    s, d = sparse_of(m, idx, vals).coalesce(), m.from_numpy(dense.copy())
    return lambda: m.sparse.mm(s, d)


def product_backward(m, idx, vals, dense):
    s = sparse_of(m, idx, vals).coalesce().detach().requires_grad_()
    d = m.from_numpy(dense.copy()).requires_grad_()

    def step():
        s.grad = d.grad = None
        m.sparse.mm(s, d).sum().backward()
    return step


def coalesce(m, idx, vals, dense):
    s = sparse_of(m, idx, vals)
    return lambda: m.sparse_coo_tensor(s._indices(), s._values(), (N, N)).coalesce()


def to_sparse(m, idx, vals, dense):
    # a 2000x2000 matrix, 1% nonzero
    small = np.zeros((2000, 2000), np.float32)
    small.reshape(-1)[np.random.default_rng(1).integers(0, small.size, 40_000)] = 1
    d = m.from_numpy(small)
    return lambda: d.to_sparse()


def scipy_case(name, idx, vals, dense):
    try:
        import scipy.sparse as sp
    except ImportError:
        return "-"
    m = sp.coo_matrix((vals, (idx[0], idx[1])), shape=(N, N))
    if name == "S @ D":
        csr = m.tocsr()
        return lambda: csr @ dense
    if name == "coalesce":
        return lambda: sp.coo_matrix((vals, (idx[0], idx[1])), shape=(N, N)).tocsr()
    return "-"


def parts(idx, vals, dense):
    """The pyt ops inside S @ D, each timed on its own."""
    s = sparse_of(pyt, idx, vals).coalesce()
    row, col, v = s._indices()[0], s._indices()[1], s._values()
    d = pyt.from_numpy(dense.copy())
    picked = d.index_select(0, col)
    scaled = picked * v.unsqueeze(1)
    return [("  index_select rows", lambda: d.index_select(0, col)),
            ("  scale by values", lambda: picked * v.unsqueeze(1)),
            ("  index_add rows", lambda: pyt.zeros(N, COLS).index_add(0, row, scaled)),
            ("  zeros (output)", lambda: pyt.zeros(N, COLS))]


CASES = [("S @ D", product), ("S @ D fwd+bwd", product_backward), ("coalesce", coalesce),
         ("to_sparse 2000^2 1%", to_sparse)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    parser.add_argument("--threads", type=int, default=2, help="threads for all libraries")
    parser.add_argument("--parts", action="store_true", help="time the ops inside S @ D")
    args = parser.parse_args()
    set_threads(args.threads)
    min_time, repeat = (0.05, 3) if args.quick else (0.3, 7)
    idx, vals, dense = problem()
    rows = []
    for name, make in CASES:
        p = measure(make(pyt, idx, vals, dense), min_time, repeat)
        t = measure(make(torch, idx, vals, dense), min_time, repeat) if torch else "-"
        sc = scipy_case(name, idx, vals, dense)
        n = measure(sc, min_time, repeat) if callable(sc) else sc
        rows.append((name, p, n, t, "numpy column: scipy.sparse" if callable(sc) else ""))
        if name == "S @ D" and args.parts:
            for label, fn in parts(idx, vals, dense):
                rows.append((label, measure(fn, min_time, repeat), "-", "-", ""))
    versions = f"torch {torch.__version__}" if torch else "torch not installed"
    print_table(rows, title=f"pyt {pyt.__version__} vs {versions}; {args.threads} thread(s)"
                            f"{', quick' if args.quick else ''}; S {N}x{N} with {NNZ} "
                            f"elements, D {N}x{COLS} float32")


if __name__ == "__main__":
    main()
