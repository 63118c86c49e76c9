"""Shared helpers for pyt's tests."""
import os

import numpy as np
import pytest

import pyt

ALL_DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
              pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
NUMPY_DTYPES = [d for d in ALL_DTYPES if d is not pyt.bfloat16]
FLOAT_DTYPES = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]


def to_numpy(t):
    """A NumPy copy of any tensor (bfloat16 goes through float32)."""
    t = t.detach()
    if t.dtype is pyt.bfloat16:
        t = t.float()
    return np.array(t.numpy(), copy=True)


def sample(shape, dt, seed=0):
    """A NumPy array of dtype dt's NumPy equivalent with varied values."""
    rng = np.random.default_rng(seed)
    if dt is pyt.bool:
        return rng.random(shape) > 0.5
    if dt.is_floating_point:
        values = rng.standard_normal(shape) * 10
        return values.astype(np.float32 if dt is pyt.bfloat16 else dt.numpy_dtype)
    info = np.iinfo(dt.numpy_dtype)
    return rng.integers(max(info.min, -100), min(info.max, 100), shape).astype(dt.numpy_dtype)


def make(shape, dt, seed=0):
    """A pyt tensor of dtype dt with the values of sample()."""
    return pyt.tensor(sample(shape, dt, seed), dtype=dt)


@pytest.fixture(params=ALL_DTYPES, ids=lambda d: d.name)
def any_dtype(request):
    return request.param


def child_processes():
    """(live, zombie) pids of this process's children, read from /proc (multiprocessing
    only knows the children it started itself)."""
    me = str(os.getpid())
    live, zombies = [], []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the fields after the parenthesised command: state, ppid, ...
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if ppid == me:
            (zombies if state == "Z" else live).append(int(pid))
    return live, zombies


def cuda_available():
    """pyt.cuda.is_available(), False when pyt.cuda is missing or asking fails."""
    cuda = getattr(pyt, "cuda", None)
    try:
        return bool(cuda is not None and cuda.is_available())
    except Exception:
        return False


_CUDA_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cuda")


def pytest_collection_modifyitems(config, items):
    """Every test under tests/cuda/ skips unless pyt sees a CUDA device. (This hook lives
    here, not in a tests/cuda/conftest.py: a second module named conftest would replace
    this one in sys.modules and break the tests' `from conftest import ...`.)"""
    if cuda_available():
        return
    skip = pytest.mark.skip(reason="no CUDA device (pyt.cuda.is_available() is False)")
    for item in items:
        if os.path.abspath(str(item.fspath)).startswith(_CUDA_TESTS + os.sep):
            item.add_marker(skip)
