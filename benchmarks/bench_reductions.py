"""Reductions, scans and sorting, pyt against NumPy and PyTorch: sums and max over all
and along each dim of a 4096 x 4096 float32 matrix (the issue's targets: sum over all and
along dim 1 at least torch's speed; max along dim 0, values and indices, at least 10x),
then mean / var / argmax / cumsum / sort / topk / median / unique of 1M elements.

    python benchmarks/bench_reductions.py [--quick] [--threads N]

Run from the repository root after building (``python setup.py build_ext --inplace``).
The note gives the bandwidth of reading the input once.
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

SIDE = 4096
N1 = 1 << 20


def cases(matrix, vector):
    """(name, {library: callable}, bytes read). Each library gets its own copy."""
    libs = {"pyt": pyt, "torch": torch}
    mats = {k: m.from_numpy(matrix.copy()) for k, m in libs.items() if m is not None}
    vecs = {k: m.from_numpy(vector.copy()) for k, m in libs.items() if m is not None}
    a, v = matrix.copy(), vector.copy()

    def both(fn):
        return {k: (lambda t=t: fn(t)) for k, t in mats.items()}

    def both1(fn):
        return {k: (lambda t=t: fn(t)) for k, t in vecs.items()}

    def topk_np(x, k):
        part = np.argpartition(x, -k)[-k:]
        return part[np.argsort(-x[part], kind="stable")]

    mb, vb = a.nbytes, v.nbytes
    return [
        ("sum, all of 4096x4096", both(lambda t: t.sum()), lambda: a.sum(), mb),
        ("sum, dim 1", both(lambda t: t.sum(1)), lambda: a.sum(1), mb),
        ("sum, dim 0", both(lambda t: t.sum(0)), lambda: a.sum(0), mb),
        ("mean, all", both(lambda t: t.mean()), lambda: a.mean(), mb),
        ("max, dim 0 (values+indices)", both(lambda t: t.max(0)),
         lambda: (a.max(0), a.argmax(0)), mb),
        ("max, dim 1 (values+indices)", both(lambda t: t.max(1)),
         lambda: (a.max(1), a.argmax(1)), mb),
        ("amax, dim 0", both(lambda t: t.amax(0)), lambda: a.max(0), mb),
        ("argmax, all", both(lambda t: t.argmax()), lambda: a.argmax(), mb),
        ("var, all", both(lambda t: t.var()), lambda: a.var(ddof=1), mb),
        ("std, dim 1", both(lambda t: t.std(1)), lambda: a.std(1, ddof=1), mb),
        ("logsumexp, dim 1", both(lambda t: t.logsumexp(1)),
         lambda: np.log(np.exp(a - a.max(1, keepdims=True)).sum(1)) + a.max(1), mb),
        ("cumsum, dim 1", both(lambda t: t.cumsum(1)), lambda: a.cumsum(1), mb),
        ("mean, 1M", both1(lambda t: t.mean()), lambda: v.mean(), vb),
        ("var, 1M", both1(lambda t: t.var()), lambda: v.var(ddof=1), vb),
        ("argmax, 1M", both1(lambda t: t.argmax()), lambda: v.argmax(), vb),
        ("cumsum, 1M", both1(lambda t: t.cumsum(0)), lambda: v.cumsum(), vb),
        ("sort, 1M (stable)", both1(lambda t: t.sort(stable=True)),
         lambda: np.sort(v, kind="stable"), vb),
        ("argsort, 1M", both1(lambda t: t.argsort()), lambda: np.argsort(v, kind="stable"), vb),
        ("topk k=10, 1M", both1(lambda t: t.topk(10)), lambda: topk_np(v, 10), vb),
        ("topk k=1000, 1M", both1(lambda t: t.topk(1000)), lambda: topk_np(v, 1000), vb),
        ("median, 1M", both1(lambda t: t.median()), lambda: np.median(v), vb),
        ("unique, 1M", {k: (lambda t=t, m=libs[k]: m.unique(t)) for k, t in vecs.items()},
         lambda: np.unique(v), vb),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter, noisier timings")
    parser.add_argument("--threads", type=int, default=pyt.get_num_threads())
    args = parser.parse_args()
    set_threads(args.threads)
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((SIDE, SIDE)).astype(np.float32)
    vector = rng.standard_normal(N1).astype(np.float32)
    min_time, repeat = (0.02, 3) if args.quick else (0.1, 7)
    rows, errors = [], []
    for name, fns, numpy_fn, nbytes in cases(matrix, vector):
        times = {}
        for lib in ("pyt", "torch"):
            if lib not in fns:
                times[lib] = "-"
                continue
            try:
                times[lib] = measure(fns[lib], min_time, repeat)
            except Exception as e:                      # noqa: BLE001 - reported below
                times[lib] = "err"
                errors.append(f"{name} ({lib}): {type(e).__name__}: {e}")
        times["numpy"] = measure(numpy_fn, min_time, repeat)
        p = times["pyt"]
        note = f"{nbytes / p / 1e9:.1f} GB/s" if isinstance(p, float) else ""
        rows.append((name, p, times["numpy"], times["torch"], note))
    print_table(rows, f"reductions, {args.threads} thread(s)")
    for e in errors:
        print("  " + e)


if __name__ == "__main__":
    main()
