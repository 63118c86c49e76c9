"""Every public op, called with a fixed set of argument lists: shared by the sweeps that
check pyt's CUDA dispatch (tests/test_cuda_dispatch_coverage.py, without a GPU) and its
CUDA results (tests/cuda/test_every_op_cuda.py, on a GPU)."""
import inspect

import numpy as np

import pyt
import pyt.nn.functional as F

# State-changing or I/O functions: not ops on tensor data.
NOT_OPS = {"set_default_device", "manual_seed", "seed", "set_default_dtype", "set_num_threads",
           "set_num_interop_threads", "load", "save", "set_printoptions", "set_rng_state",
           "use_deterministic_algorithms", "set_grad_enabled", "set_flush_denormal",
           "initial_seed", "get_rng_state"}

# Tensor methods that are the object protocol, not ops.
_PROTOCOL = {"__init__", "__new__", "__init_subclass__", "__subclasshook__", "__reduce_ex__",
             "__reduce__", "__setstate__", "__getstate__", "__repr__", "__str__", "__format__",
             "__dir__", "__delattr__", "__setattr__", "__getattribute__", "__deepcopy__",
             "__copy__"}


def public_ops():
    """(qualified name, name, callable) of every public function of pyt, nn.functional,
    linalg (special, fft where present) and every Tensor method (self first)."""
    for prefix, module in (("pyt", pyt), ("F", F), ("linalg", pyt.linalg),
                           ("special", getattr(pyt, "special", None)),
                           ("fft", getattr(pyt, "fft", None))):
        if module is None:
            continue
        for name in dir(module):
            obj = getattr(module, name)
            if (not name.startswith("_") and name not in NOT_OPS and callable(obj)
                    and not inspect.isclass(obj) and not inspect.ismodule(obj)):
                yield f"{prefix}.{name}", name, obj
    for name in dir(pyt.Tensor):
        if name in NOT_OPS or name in _PROTOCOL or (name.startswith("_") and not name.startswith("__")):
            continue
        if callable(getattr(pyt.Tensor, name)):
            yield f"Tensor.{name}", name, (lambda self, *a, _n=name: getattr(self, _n)(*a))


def _values(shape, kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "float":
        return pyt.tensor(rng.uniform(-2, 2, shape), dtype=pyt.float32)
    if kind == "positive":
        return pyt.tensor(rng.uniform(0.1, 2, shape), dtype=pyt.float32)
    if kind == "long":
        return pyt.tensor(rng.integers(0, 3, shape), dtype=pyt.int64)
    if kind == "bool":
        return pyt.tensor(rng.random(shape) > 0.5)
    if kind == "half":
        return pyt.tensor(rng.uniform(-2, 2, shape), dtype=pyt.float16)
    raise ValueError(kind)


# Each argument list, as (shape, kind) for a tensor or a plain value. Square float
# matrices, index vectors in range, a 4-d batch for the nn functions.
_TEMPLATES = [
    [((4, 4), "float")], [((4, 4), "float"), ((4, 4), "float")], [((4, 4), "float"), 1],
    [((4, 4), "float"), 0], [((4, 4), "long")], [((4, 4), "long"), ((4, 4), "long")],
    [((4, 4), "bool")], [((4,), "float")], [((4,), "float"), ((4,), "float")],
    [((4, 4), "float"), ((4,), "float")], [((2, 3, 4, 4), "float")],
    [((2, 3, 4, 4), "float"), ((2, 3, 4, 4), "float")], [((4, 4), "float"), ((4,), "long")],
    [((4,), "float"), ((4,), "long")], [((4, 4), "float"), 0, ((4,), "long")],
    [((4, 4), "float"), 1, ((4, 4), "long")], [((4, 4), "float"), 0, ((4, 4), "long"), ((4, 4), "float")],
    [((2, 3, 4, 4), "float"), 2], [((4, 4), "float"), ((4, 4), "float"), ((4, 4), "float")],
    [((4,), "long")], [((4, 4), "float"), ((4, 4), "bool")],
    [((4, 4), "float"), ((4, 4), "bool"), ((4, 4), "float")], [((2, 3, 4, 4), "float"), (2, 2)],
    [((), "float")], [((), "float"), ((), "float")], [((4, 4), "half")],
    [((4, 4), "half"), ((4, 4), "half")], [((4, 4), "float"), 2.0], [((4, 4), "long"), 2],
    [((4, 4), "float"), "fro"], [((4, 4), "float"), pyt.float64], [((4,), "float"), 3],
    [((2, 3, 4, 4), "float"), 3], [((4, 4), "positive")], [((4, 4), "positive"), ((4, 4), "positive")],
]


def argument_lists(place=lambda t: t):
    """Fresh argument lists (the same values at every call), each tensor passed through
    place (e.g. a move to the GPU)."""
    lists = []
    for i, template in enumerate(_TEMPLATES):
        args = []
        for j, item in enumerate(template):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str) \
                    and isinstance(item[0], tuple):
                args.append(place(_values(item[0], item[1], seed=100 * i + j)))
            else:
                args.append(item)
        lists.append(tuple(args))
    return lists


def describe(args):
    return "(" + ", ".join(f"{a.dtype}{list(a.shape)}" if isinstance(a, pyt.Tensor) else repr(a)
                           for a in args) + ")"
