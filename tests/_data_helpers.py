"""Datasets for tests/test_data.py, in an importable module so that worker processes
started with 'spawn' or 'forkserver' can unpickle them."""
import os
import random
import signal
import time

import numpy as np

import pyt
from pyt.utils.data import Dataset, IterableDataset, get_worker_info


class RangeDataset(Dataset):
    """Sample i: (float64 tensor [i, i + 0.5], i)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return pyt.tensor([i, i + 0.5], dtype=pyt.float64), i


class RandomDataset(Dataset):
    """Draws from pyt, `random` and NumPy: reproducible only if workers are seeded."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return pyt.rand(2), random.random(), float(np.random.rand())


class WorkerInfoDataset(Dataset):
    """Sample i: (i, worker id, worker seed, num_workers, pid)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        if info is None:
            return i, -1, -1, 0, os.getpid()
        return i, info.id, info.seed, info.num_workers, os.getpid()


class FailingDataset(Dataset):
    """Raises ValueError at index `bad`."""

    def __init__(self, n, bad):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise ValueError(f"bad sample {i}")
        return i


class KillingDataset(Dataset):
    """The worker that fetches index `bad` kills itself with SIGKILL."""

    def __init__(self, n, bad):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


class SlowDataset(Dataset):
    """Sleeps `delay` seconds per sample."""

    def __init__(self, n, delay):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delay)
        return i


class MatmulDataset(Dataset):
    """Runs multithreaded-size pyt kernels per sample (matmul and a reduction)."""

    def __init__(self, n, size=96):
        self.n = n
        self.a = pyt.ones(size, size)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        product = pyt.matmul(self.a * i, self.a)
        return product.sum() / product.numel()


class ShardedRange(IterableDataset):
    """range(start, end), split into contiguous shares, one per worker."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __len__(self):
        return self.end - self.start

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per_worker = -(-(self.end - self.start) // info.num_workers)
        first = self.start + info.id * per_worker
        return iter(range(first, min(first + per_worker, self.end)))


class UnshardedRange(IterableDataset):
    """range(n) in every worker (the common mistake: duplicates)."""

    def __init__(self, n, length=None):
        self.n = n
        self.length = n if length is None else length

    def __len__(self):
        return self.length

    def __iter__(self):
        return iter(range(self.n))


def record_init(worker_id):
    """worker_init_fn: marks the worker's dataset copy."""
    get_worker_info().dataset.initialized_by = worker_id


class InitCheckDataset(Dataset):
    initialized_by = None

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return self.initialized_by


def failing_init(worker_id):
    raise KeyError("no such key")


class ExitingDataset(Dataset):
    """The worker that fetches index `bad` exits at once with status 3."""

    def __init__(self, n, bad):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            os._exit(3)
        return i
