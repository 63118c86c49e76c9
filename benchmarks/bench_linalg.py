"""Linear algebra, pyt against NumPy and PyTorch: matrix products (GFLOP/s, and the share
of what SciPy's BLAS reaches on its own), batched products, and LAPACK decompositions.

    python benchmarks/bench_linalg.py [--quick] [--threads N]

Run from the repository root after building (``python setup.py build_ext --inplace``).
The note column gives pyt's GFLOP/s and, for products, the direct
``scipy.linalg.blas`` call on the same data (the BLAS pyt calls through cython_blas)
with pyt's share of it.
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


def lib(m, a):
    a = np.ascontiguousarray(a)
    return a if m is np else m.from_numpy(a.copy())


def timed(fn, *arrays):
    """op(m) for a case: converts the arrays for library m (untimed) and returns the
    callable that applies fn(m, *inputs)."""
    def op(m):
        inputs = [lib(m, a) for a in arrays]
        return lambda: fn(m, *inputs)
    return op


matmul = lambda m, x, y: x @ y


class Case:
    """`op(m)` builds inputs for library m untimed and returns the callable to time;
    `blas()` does the same for the direct SciPy BLAS call; `flops` per call."""

    def __init__(self, name, op, flops=None, blas=None, numpy_op=None):
        self.name, self.op, self.flops, self.blas, self.numpy_op = name, op, flops, blas, numpy_op


def product_cases(quick):
    from scipy.linalg import blas as sblas
    rng = np.random.default_rng(0)
    cases = []
    sizes = [256, 512, 1024] if quick else [256, 512, 1024, 2048]
    for n in sizes:
        a = rng.standard_normal((n, n)).astype(np.float32)
        b = rng.standard_normal((n, n)).astype(np.float32)
        # C = A @ B row-major is C^T = B^T A^T column-major: no copy on either side
        cases.append(Case(f"matmul f32 {n}", timed(matmul, a, b),
                          2 * n ** 3, lambda a=a, b=b: (lambda: sblas.sgemm(1.0, b.T, a.T))))
    n = 1024
    a64 = rng.standard_normal((n, n))
    b64 = rng.standard_normal((n, n))
    cases.append(Case("matmul f64 1024", timed(matmul, a64, b64),
                      2 * n ** 3, lambda: (lambda: sblas.dgemm(1.0, b64.T, a64.T))))
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    cases.append(Case("matmul f32 1024, A.T @ B", timed(lambda m, x, y: x.T @ y, a, b),
                      2 * n ** 3, lambda: (lambda: sblas.sgemm(1.0, b.T, a, trans_b=1))))
    for bs, n in [(64, 256), (512, 32)]:
        x = rng.standard_normal((bs, n, n)).astype(np.float32)
        y = rng.standard_normal((bs, n, n)).astype(np.float32)

        bmm = timed(lambda m, p, q: p @ q if m is np else m.bmm(p, q), x, y)

        def bmm_blas(x=x, y=y):
            return lambda: [sblas.sgemm(1.0, y[i].T, x[i].T) for i in range(len(x))]
        cases.append(Case(f"bmm f32 {bs}x{n}x{n}", bmm, 2 * bs * n ** 3, bmm_blas))
    x = rng.standard_normal((32, 128, 512)).astype(np.float32)
    w = rng.standard_normal((512, 512)).astype(np.float32)
    cases.append(Case("matmul (32,128,512)@(512,512)", timed(matmul, x, w),
                      2 * 32 * 128 * 512 * 512,
                      lambda: (lambda: sblas.sgemm(1.0, w.T, x.reshape(-1, 512).T))))
    mat = rng.standard_normal((4096, 4096)).astype(np.float32)
    vec = rng.standard_normal(4096).astype(np.float32)
    cases.append(Case("mv f32 4096", timed(matmul, mat, vec),
                      2 * 4096 * 4096, lambda: (lambda: sblas.sgemv(1.0, mat.T, vec, trans=1))))
    small = rng.standard_normal((64, 64)).astype(np.float32)
    cases.append(Case("matmul f32 64 (overhead)", timed(matmul, small, small),
                      2 * 64 ** 3, lambda: (lambda: sblas.sgemm(1.0, small.T, small.T))))
    ints = rng.integers(-100, 100, (256, 256)).astype(np.int32)
    cases.append(Case("matmul int32 256", timed(matmul, ints, ints), 2 * 256 ** 3))
    e1 = rng.standard_normal((16, 64, 128)).astype(np.float32)
    e2 = rng.standard_normal((16, 128, 64)).astype(np.float32)
    cases.append(Case("einsum bij,bjk->bik 16x64x128x64",
                      timed(lambda m, p, q: m.einsum("bij,bjk->bik", p, q), e1, e2),
                      2 * 16 * 64 * 128 * 64))
    return cases


def lapack_cases(quick):
    rng = np.random.default_rng(1)
    n = 256
    a = rng.standard_normal((n, n))
    spd = a @ a.T + n * np.eye(n)
    b = rng.standard_normal((n, 16))
    return [
        Case("linalg.inv f64 256", timed(lambda m, x: m.linalg.inv(x), a)),
        Case("linalg.det f64 256", timed(lambda m, x: m.linalg.det(x), a)),
        Case("linalg.solve f64 256, 16 rhs", timed(lambda m, x, y: m.linalg.solve(x, y), a, b)),
        Case("linalg.cholesky f64 256", timed(lambda m, x: m.linalg.cholesky(x), spd)),
        Case("linalg.qr f64 256", timed(lambda m, x: m.linalg.qr(x), a)),
        Case("linalg.svd f64 256", timed(lambda m, x: m.linalg.svd(x), a)),
        Case("linalg.eigh f64 256", timed(lambda m, x: m.linalg.eigh(x), spd)),
    ]


def run(cases, quick):
    rows, errors = [], []
    min_time = 0.02 if quick else 0.1
    for c in cases:
        times = {}
        for name, m in (("pyt", pyt), ("numpy", np), ("torch", torch)):
            if m is None:
                times[name] = "-"
                continue
            try:
                fn = c.op(m)
                times[name] = measure(fn, min_time=min_time, repeat=3 if quick else 5)
            except NotImplementedError:
                times[name] = None
            except Exception as e:                       # noqa: BLE001
                times[name] = "err"
                errors.append(f"{c.name} [{name}]: {type(e).__name__}: {e}")
        note = ""
        p = times["pyt"]
        if c.flops and isinstance(p, float):
            note = f"{c.flops / p / 1e9:.0f} GF/s"
            if isinstance(times["torch"], float):
                note += f", {p and times['torch'] / p:.2f}x torch's rate"
            if c.blas is not None:
                tb = measure(c.blas(), min_time=min_time, repeat=3 if quick else 5)
                note += f"; scipy blas {c.flops / tb / 1e9:.0f} GF/s, pyt {tb / p:.0%} of it"
        rows.append((c.name, p, times["numpy"], times["torch"], note))
    return rows, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    threads = args.threads or pyt.get_num_threads()
    set_threads(threads)
    rows, errors = run(product_cases(args.quick), args.quick)
    print_table(rows, f"Matrix products, {threads} threads")
    print()
    rows2, errors2 = run(lapack_cases(args.quick), args.quick)
    print_table(rows2, f"LAPACK, {threads} threads")
    for e in errors + errors2:
        print("  " + e)


if __name__ == "__main__":
    main()
