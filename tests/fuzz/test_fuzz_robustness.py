"""Every public op and Tensor method, called with random tensors (every dtype, layout,
0-d and empty) and wild arguments: it returns, or raises a Python exception of the kinds
torch raises. A crash fails the run; a hang fails the test."""
import inspect
import warnings

import pytest
from hypothesis import given, strategies as st

import pyt
import pyt.nn.functional as F
from _strategies import FUZZ, tensors, time_limit, wild_values

# what torch raises for bad input (OverflowError: ints beyond int64, where torch says
# "Overflow when unpacking long"; MemoryError: a size that fits int64 but not in memory)
CLEAN = (RuntimeError, TypeError, IndexError, ValueError, NotImplementedError,
         OverflowError, MemoryError)

# functions that change process-wide state, do I/O or wait by design
UNSAFE = {"set_num_threads", "manual_seed", "seed", "set_default_dtype", "set_printoptions",
          "save", "load", "set_rng_state", "use_deterministic_algorithms", "set_grad_enabled",
          "set_default_tensor_type", "set_flush_denormal", "compile", "set_anomaly_enabled",
          "share_memory_", "register_hook", "register_post_accumulate_grad_hook",
          "set_warn_always", "spawn"}


def _public_functions(module):
    for name in sorted(dir(module)):
        obj = getattr(module, name)
        if (name.startswith("_") or name in UNSAFE or inspect.isclass(obj)
                or inspect.ismodule(obj) or not callable(obj)):
            continue
        yield name


OPERATORS = ["__getitem__", "__setitem__", "__add__", "__radd__", "__iadd__", "__sub__",
             "__rsub__", "__mul__", "__imul__", "__truediv__", "__rtruediv__",
             "__floordiv__", "__mod__", "__pow__", "__rpow__", "__matmul__", "__and__",
             "__or__", "__xor__", "__lshift__", "__rshift__", "__eq__", "__lt__", "__ge__",
             "__neg__", "__invert__", "__abs__", "__bool__", "__int__", "__float__",
             "__index__", "__len__", "__iter__", "__contains__", "__format__", "__repr__"]
METHODS = [m for m in _public_functions(pyt.Tensor) if m not in ("numpy",)] + OPERATORS


def _exercise(result):
    """Reads what an op returned, so garbage geometry shows up as an error or a crash."""
    if isinstance(result, pyt.Tensor) and result.numel() <= 10_000:
        result.tolist()
    elif isinstance(result, (tuple, list)):
        for item in result[:8]:
            _exercise(item)


def _call(fn, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with time_limit(20):
            try:
                result = fn(*args)
                if inspect.isgenerator(result) or hasattr(result, "__next__"):
                    result = list(zip(range(8), result))
                _exercise(result)
            except CLEAN:
                pass


@pytest.mark.parametrize("name", list(_public_functions(pyt)))
@FUZZ
@given(args=st.lists(wild_values(), max_size=3))
def test_function_survives_any_arguments(name, args):
    _call(getattr(pyt, name), args)


@pytest.mark.parametrize("name", list(_public_functions(F)))
@FUZZ
@given(args=st.lists(wild_values(), min_size=1, max_size=3))
def test_functional_survives_any_arguments(name, args):
    _call(getattr(F, name), args)


@pytest.mark.parametrize("name", METHODS)
@FUZZ
@given(self=tensors(), args=st.lists(wild_values(), max_size=3))
def test_method_survives_any_arguments(name, self, args):
    _call(getattr(self, name), args)
