"""Hypothesis strategies for the fuzz suite: tensors of every dtype in every layout, and
the wild arguments that users (and bugs) pass to ops.

PYT_FUZZ_EXAMPLES sets the examples per op (CI's default is small; a release check runs
`PYT_FUZZ_EXAMPLES=2000 python -m pytest tests/fuzz -x`)."""
import os
import signal
from contextlib import contextmanager

import numpy as np
from hypothesis import HealthCheck, settings, strategies as st

import pyt

DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
          pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
EXAMPLES = int(os.environ.get("PYT_FUZZ_EXAMPLES", "12"))

# derandomize: CI failures reproduce exactly; the example count scales the search
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

LAYOUTS = ["contiguous", "transposed", "stepped", "expanded", "offset", "negative"]


def numpy_values(shape, dt, seed, special):
    """Values of dtype dt's NumPy twin (float32 for bfloat16), with NaN/inf if special."""
    rng = np.random.default_rng(seed)
    if dt is pyt.bool:
        return rng.random(shape) > 0.5
    if dt.is_floating_point:
        a = (rng.standard_normal(shape) * 3).astype(np.float32 if dt is pyt.bfloat16
                                                     else dt.numpy_dtype)
        if special and a.size:
            flat = a.reshape(-1)
            flat[rng.integers(0, a.size, 2)] = rng.choice([np.nan, np.inf, -np.inf], 2)
        return a
    info = np.iinfo(dt.numpy_dtype)
    return rng.integers(max(info.min, -20), min(info.max, 20) + 1, shape).astype(dt.numpy_dtype)


def lay_out(a, layout):
    """An array with a's values in the given memory layout (NumPy views throughout)."""
    if layout == "transposed" and a.ndim >= 2:
        return np.ascontiguousarray(a.swapaxes(0, 1)).swapaxes(0, 1)
    if layout == "stepped" and a.ndim >= 1:
        big = np.repeat(a, 2, axis=-1)
        return big[..., ::2]
    if layout == "expanded" and a.ndim >= 1 and a.shape[0] > 0:
        return np.broadcast_to(a[:1], a.shape)
    if layout == "offset":
        return np.concatenate([a.reshape(-1)[:1], a.reshape(-1)])[1:].reshape(a.shape)
    if layout == "negative" and a.ndim >= 1:
        return np.ascontiguousarray(a[::-1])[::-1]
    return a


def to_pyt(a, dt):
    """A pyt tensor with a's values, dtype and memory layout (strides kept when NumPy can
    share them; negative strides are copied by from_numpy like torch refuses them)."""
    if dt is pyt.bfloat16:
        return pyt.tensor(np.array(a)).to(pyt.bfloat16)
    if a.size == 0 or any(s < 0 for s in a.strides):
        return pyt.tensor(np.array(a))
    broadcast = [i for i, s in enumerate(a.strides) if s == 0 and a.shape[i] > 1]
    if broadcast:           # rebuild the zero strides with expand
        core = a[tuple(slice(0, 1) if i in broadcast else slice(None) for i in range(a.ndim))]
        return pyt.tensor(np.array(core)).expand(*a.shape)
    return pyt.from_numpy(a)


@st.composite
def arrays(draw, dtypes=DTYPES, min_dims=0, max_dims=4, max_side=5, special=True):
    """(numpy array, pyt tensor) pairs with the same values and dtype."""
    dt = draw(st.sampled_from(dtypes))
    shape = tuple(draw(st.lists(st.integers(0, max_side), min_size=min_dims,
                                max_size=max_dims)))
    return draw(arrays_of_shape(shape, dt, special))


@st.composite
def arrays_of_shape(draw, shape, dt, special=True):
    seed = draw(st.integers(0, 2**31))
    a = np.asarray(numpy_values(shape, dt, seed, special and draw(st.booleans())))
    a = lay_out(a, draw(st.sampled_from(LAYOUTS)))
    t = to_pyt(a, dt)
    if dt is pyt.bfloat16:          # NumPy's twin holds the rounded values
        a = t.float().numpy()
    return a, t


def tensors(**kwargs):
    return arrays(**kwargs).map(lambda pair: pair[1])


def wild_values():
    """Anything a caller might pass: tensors, numbers at the edges of int64 and float,
    None, shapes, dtypes, strings, nested lists."""
    return st.one_of(
        tensors(max_dims=3, max_side=4),
        # no sizes between 2**20 and 2**62: they would allocate gigabytes for real
        st.sampled_from([0, 1, -1, 2, 3, -3, 7, 2**62, -2**63, 2**63, 2**70]),
        st.sampled_from([0.5, -1.5, float("nan"), float("inf"), -float("inf"), 1e300]),
        st.sampled_from([None, True, False]),
        st.sampled_from([(1, 2), [0, -1], (), [2**62, 2**62], (-1,), (0, 0, 0), [1.5]]),
        st.sampled_from(DTYPES),
        st.sampled_from(["mean", "sum", "none", "foo", "cpu", "cuda", ""]),
        st.lists(tensors(max_dims=2, max_side=3), max_size=3),
    )


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds):
    """Turns a hang into a failure (SIGALRM interrupts Python code between bytecodes;
    a kernel stuck in C would still be caught by CI's overall timeout)."""
    def expire(signum, frame):
        raise Hang(f"call did not return within {seconds} s")
    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
