"""Datasets and process bodies for tests/test_faults.py, in an importable module so that
processes started with 'spawn' can unpickle them."""
import ctypes
import os
import signal
import time

import pyt
from pyt import nn
from pyt.utils.data import Dataset


class SegfaultDataset(Dataset):
    """The worker that fetches index `bad` reads address 0 (a real SIGSEGV)."""

    def __init__(self, n, bad):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            ctypes.string_at(0)
        return i


class HangingDataset(Dataset):
    """Sample `bad` takes `seconds` (far past any test's timeout); the worker writes its
    pid to `pid_file` first, so the test can check that it was terminated."""

    def __init__(self, n, bad, seconds, pid_file):
        self.n, self.bad, self.seconds, self.pid_file = n, bad, seconds, pid_file

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            with open(self.pid_file, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(self.seconds)
        return i


class PidDataset(Dataset):
    """Sample i: (i, pid of the process that fetched it)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i, os.getpid()


def make_model():
    pyt.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))


def hogwild_step(model, optimizer, step):
    g = pyt.Generator().manual_seed(step)
    x = pyt.randn(32, 8, generator=g)
    y = x.sum(1, keepdim=True) * 0.1
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def hogwild_train(rank, model, die_after, started_dir):
    """Hogwild training on the shared `model`: rank 1 kills itself with SIGKILL after
    `die_after` steps (after every rank has started, so it dies mid-training); the
    others train until the parent stops them."""
    pyt.set_num_threads(1)
    optimizer = pyt.optim.SGD(model.parameters(), lr=0.01)
    open(os.path.join(started_dir, str(rank)), "w").close()
    deadline = time.monotonic() + 60          # never outlive a broken test
    step = 0
    while time.monotonic() < deadline:
        hogwild_step(model, optimizer, rank * 100000 + step)
        step += 1
        if rank == 1 and step >= die_after and len(os.listdir(started_dir)) >= 2:
            os.kill(os.getpid(), signal.SIGKILL)


class BigSampleDataset(Dataset):
    """Samples of `nbytes` bytes (pickled by value through the result pipe, unlike
    tensors, which go through shared memory)."""

    def __init__(self, n, nbytes):
        self.n, self.nbytes = n, nbytes

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return bytes([i % 256]) * self.nbytes
