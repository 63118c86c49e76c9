"""Shared helpers for pyt's benchmarks: equal thread counts, robust timings, one table.

Every benchmark compares pyt with NumPy and, when installed, PyTorch in the same run,
so the ratios are meaningful on whatever machine runs them.
"""
import statistics
import time

try:
    import torch
except ImportError:          # torch is optional: its column then reads "-"
    torch = None

_pools = None                # threadpoolctl's limiter, kept alive for the whole run


def set_threads(n):
    """The same thread count for pyt (OpenMP + its BLAS), torch, and NumPy's BLAS."""
    global _pools
    import pyt
    pyt.set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
        _pools = threadpool_limits(limits=n)
    except ImportError:
        pass


def require_gpu(note=""):
    """For the GPU benchmarks: exits unless pyt sees a GPU, else prints its name."""
    import sys
    import pyt
    if not pyt.cuda.is_available():
        sys.exit("no GPU: pyt.cuda.is_available() is False")
    print("gpu:", pyt.cuda.get_device_name(0) + note)


def measure(fn, min_time=0.05, repeat=7):
    """Median seconds per call of fn(), over `repeat` runs of a loop long enough to
    last min_time (so that timer resolution and call overhead wash out)."""
    fn()                                           # warm up: caches, lazy imports
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or number >= 1 << 20:
            break
        number *= max(2, min(10, int(min_time / max(elapsed, 1e-9))))
    runs = [elapsed / number]
    for _ in range(repeat - 1):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def try_measure(make, min_time, repeat, errors, label):
    """measure(make()) for a case that may be missing or fail: "-" when make is None (a
    library not installed), None when pyt does not implement the op, "err" on failure,
    with the error kept in errors to print below the table."""
    if make is None:
        return "-"
    try:
        return measure(make(), min_time, repeat)
    except NotImplementedError:
        return None
    except Exception as e:                    # keep going; report below the table
        errors.append(f"{label}: {type(e).__name__}: {e}")
        return "err"


def format_time(seconds):
    if seconds is None:
        return "n/a"
    if isinstance(seconds, str):
        return seconds
    for unit, scale in [("s", 1), ("ms", 1e-3), ("us", 1e-6)]:
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _ratio(a, b):
    if not isinstance(a, float) or not isinstance(b, float) or b == 0:
        return "-"
    return f"{a / b:.2f}"


def print_table(rows, title=None):
    """rows: (case, pyt, numpy, torch, note) with times in seconds, None for an op that
    is not implemented, "-" where a library is absent, or a short error string."""
    header = ("case", "pyt", "numpy", "torch", "pyt/np", "pyt/torch", "note")
    lines = [(case, format_time(p), format_time(n), format_time(t), _ratio(p, n),
              _ratio(p, t), note or "") for case, p, n, t, note in rows]
    widths = [max(len(str(r[i])) for r in [header] + lines) for i in range(len(header))]
    if title:
        print(title)
    for i, line in enumerate([header] + lines):
        cells = [str(c).ljust(w) if j == 0 or j == 6 else str(c).rjust(w)
                 for j, (c, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
