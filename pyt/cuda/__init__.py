"""pyt.cuda: torch.cuda's API over pyt's CUDA backend.

The queries work everywhere: without CUDA (a build without nvcc, or no driver or device)
is_available() is False, device_count() 0 and the memory counters 0. What needs a device
(current_device(), Stream(), ...) initialises CUDA on first use and raises there."""
import threading

from pyt._ext import cuda as _cuda
from pyt._ext.cuda import OutOfMemoryError
from pyt._ext.device import device as _device

from pyt.cuda.streams import Stream, Event, StreamContext, stream, current_stream, default_stream, set_stream
from pyt.cuda.memory import (
    memory_allocated, max_memory_allocated, memory_reserved, max_memory_reserved,
    memory_stats, reset_peak_memory_stats, reset_max_memory_allocated, empty_cache,
    memory_summary, mem_get_info)
from pyt.cuda.random import (
    manual_seed, manual_seed_all, seed, seed_all, initial_seed, get_rng_state,
    get_rng_state_all, set_rng_state, set_rng_state_all)

__all__ = [
    "is_available", "is_initialized", "init", "device_count", "current_device",
    "set_device", "device", "device_of", "synchronize", "get_device_name",
    "get_device_properties", "get_device_capability", "mem_get_info", "OutOfMemoryError",
    "Stream", "Event", "StreamContext", "stream", "current_stream", "default_stream",
    "set_stream", "memory_allocated", "max_memory_allocated", "memory_reserved",
    "max_memory_reserved", "memory_stats", "reset_peak_memory_stats",
    "reset_max_memory_allocated", "empty_cache", "memory_summary", "manual_seed",
    "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
    "get_rng_state_all", "set_rng_state", "set_rng_state_all", "default_generators",
]

_initialized = False
_init_lock = threading.Lock()


def is_available():
    """True when pyt was built with CUDA and a device can be used (never raises)."""
    try:
        return _cuda.device_count() > 0
    except Exception:
        return False


def is_initialized():
    """Whether CUDA has been initialised (by init() or a first call that needs it)."""
    return _initialized


def _lazy_init():
    global _initialized
    if _initialized:
        return
    with _init_lock:
        if _initialized:
            return
        if not _cuda.is_built():
            # torch raises AssertionError here too
            raise AssertionError("pyt not compiled with CUDA enabled")
        if _cuda.device_count() == 0:
            reason = _cuda._device_count_error()
            raise RuntimeError("No CUDA GPUs are available" + (f": {reason}" if reason else ""))
        _initialized = True


def init():
    """Initialises CUDA (raises when it is not available)."""
    _lazy_init()


def device_count():
    """The number of CUDA devices (0 without CUDA)."""
    return _cuda.device_count()


def current_device():
    """The index of the current device."""
    _lazy_init()
    return _cuda.get_device()


def _index(device, optional=True):
    _lazy_init()
    return _cuda.device_index(device, optional)


def set_device(device):
    """Makes a device current (an int, 'cuda:1' or a pyt.device); a negative int is a
    no-op, as in torch."""
    if isinstance(device, int) and not isinstance(device, bool) and device < 0:
        return
    _cuda.set_device(_index(device))


class device:
    """Context manager that makes a device current inside it (None or -1: no change)."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev_idx = _cuda.get_device()
            if self.prev_idx != self.idx:
                _cuda.set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.idx >= 0 and self.prev_idx != self.idx:
            _cuda.set_device(self.prev_idx)
        return False


class device_of(device):
    """Context manager that makes the device of a tensor current (a no-op for CPU ones)."""

    def __init__(self, obj):
        dev = obj.device
        super().__init__(dev.index if dev.type == "cuda" else None)


def synchronize(device=None):
    """Waits for all work on a device (the current one by default)."""
    _cuda.synchronize(_index(device))


class _CudaDeviceProperties:
    __slots__ = ("name", "total_memory", "major", "minor", "multi_processor_count")

    def __init__(self, info):
        for key in self.__slots__:
            setattr(self, key, info[key])

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, "
                f"minor={self.minor}, total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None):
    """name, total_memory, major, minor and multi_processor_count of a device."""
    return _CudaDeviceProperties(_cuda.get_device_properties(_index(device)))


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    """(major, minor) compute capability of a device."""
    props = get_device_properties(device)
    return props.major, props.minor


def __getattr__(name):
    # the generators are made on first use: counting devices initialises the driver
    if name == "default_generators":
        from pyt._ext.philox import cuda_default_generators
        return cuda_default_generators()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
