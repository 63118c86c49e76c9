# cython: language_level=3
"""pyt._ext.cuda: the CUDA runtime for Python (devices, streams, events, the caching
allocator's statistics), over cuda_src/pyt_cuda.h. pyt.cuda builds torch.cuda's API on
it. In a build without CUDA every call that needs a device raises RuntimeError, and the
queries answer "nothing" (no devices)."""
from libc.stdint cimport int64_t, uintptr_t
from cpython.mem cimport PyMem_Malloc, PyMem_Free


class OutOfMemoryError(RuntimeError):
    """The caching allocator could not get the memory (``torch.cuda.OutOfMemoryError``)."""


def _error_string(int err):
    return pyt_cuda_error_string(err).decode("utf-8", "replace")


cdef int check_cuda(int err) except -1:
    if err == 0:
        return 0
    if err == PYT_CUDA_ERR_OOM:
        msg = pyt_cuda_oom_message().decode("utf-8", "replace")
        raise OutOfMemoryError(msg or "CUDA out of memory")
    raise RuntimeError("CUDA error: " + _error_string(err))


# ----- devices -------------------------------------------------------------------------

def is_built():
    """Whether this pyt was compiled with CUDA."""
    return pyt_cuda_is_built() != 0


def device_count():
    """The number of CUDA devices; 0 without CUDA, a driver or a device (never raises)."""
    cdef int count = 0
    pyt_cuda_device_count(&count)
    return count


def _device_count_error():
    """Why device_count() is 0: the error string, or None when it is not an error."""
    cdef int count = 0
    cdef int err = pyt_cuda_device_count(&count)
    return _error_string(err) if err else None


def get_device():
    cdef int d = 0
    check_cuda(pyt_cuda_get_device(&d))
    return d


def set_device(int device):
    check_cuda(pyt_cuda_set_device(device))


def synchronize(device=None):
    """Waits for all work on a device (the current one by default). Then raises a
    cross_entropy target found out of range on the GPU and not reported yet (loss.cu
    reports it without synchronising the call itself)."""
    cdef int d = device_index(device), err
    cdef int64_t bad = 0
    with _on_device(d):
        with nogil:
            err = pyt_cuda_synchronize()
        check_cuda(err)
    if pyt_cuda_cross_entropy_error(&bad) == PYT_CUDA_ERR_INDEX:
        raise IndexError(f"Target {bad} is out of bounds.")


def device_index(device, bint optional=True):
    """The index of a CUDA device given as an int, 'cuda', 'cuda:1' or a pyt.device;
    None (and 'cuda' without an index) means the current device when optional."""
    from pyt._ext.device import device as _device
    if device is None:
        if not optional:
            raise ValueError("Expected a cuda device with a specified index or an integer, but got: None")
        return get_device()
    if isinstance(device, bool):
        raise TypeError("Invalid device: bool")
    if isinstance(device, int):
        return device
    if isinstance(device, str):
        device = _device(device)
    if isinstance(device, _device):
        if device.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {device}")
        if device.index is None:
            if not optional:
                raise ValueError(f"Expected a cuda device with a specified index or an integer, but got: {device}")
            return get_device()
        return device.index
    raise TypeError(f"Invalid device type: {type(device).__name__}")


class _on_device:
    """Makes a device current for a block, then restores the previous one."""

    def __init__(self, int device):
        self.device = device
        self.previous = -1

    def __enter__(self):
        cur = get_device()
        if cur != self.device:
            set_device(self.device)
            self.previous = cur
        return self

    def __exit__(self, *exc):
        if self.previous >= 0:
            set_device(self.previous)
        return False


def get_device_properties(device=None):
    """name, total_memory, major, minor, multi_processor_count of a device, as a dict."""
    cdef pyt_cuda_properties p
    cdef int d = device_index(device)
    check_cuda(pyt_cuda_get_properties(d, &p))
    return {"name": p.name.decode("utf-8", "replace"), "total_memory": p.total_memory,
            "major": p.major, "minor": p.minor,
            "multi_processor_count": p.multi_processor_count}


def mem_get_info(device=None):
    """(free, total) bytes of a device's memory, as the driver reports them."""
    cdef size_t free_bytes = 0, total_bytes = 0
    cdef int d = device_index(device)
    with _on_device(d):
        check_cuda(pyt_cuda_mem_get_info(&free_bytes, &total_bytes))
    return free_bytes, total_bytes


# ----- streams and events ----------------------------------------------------------------

# Streams that are (or were) some thread's current stream, by (device, handle): the
# Python object keeps the CUDA stream alive, and current_stream() gives it back.
_current_holders = {}


cdef class Stream:
    """A CUDA stream (``torch.cuda.Stream``): work queued on it runs in order, and may
    overlap with work on other streams. Stream(device=None, priority=0); a lower
    priority number is a higher priority."""
    cdef pyt_cuda_stream _handle
    cdef readonly int device_index
    cdef readonly int priority
    cdef bint _owned

    def __init__(self, device=None, int priority=0, **kwargs):
        if self._handle != NULL:
            return
        cdef int d = device_index(device)
        cdef pyt_cuda_stream s = NULL
        with _on_device(d):
            check_cuda(pyt_cuda_stream_create(&s, priority))
        self._handle = s
        self.device_index = d
        self.priority = priority
        self._owned = True

    def __dealloc__(self):
        if self._owned and self._handle != NULL:
            # queued work may still use memory the allocator would hand out once the
            # stream is gone: let it finish first
            pyt_cuda_stream_synchronize(self._handle)
            pyt_cuda_stream_destroy(self._handle)

    @property
    def cuda_stream(self):
        """The cudaStream_t as an int (0: the default stream)."""
        return <uintptr_t>self._handle

    @property
    def device(self):
        from pyt._ext.device import device as _device
        return _device("cuda", self.device_index)

    def query(self):
        """True when all work queued on it has completed."""
        cdef int err = pyt_cuda_stream_query(self._handle)
        if err == PYT_CUDA_ERR_NOT_READY:
            return False
        check_cuda(err)
        return True

    def synchronize(self):
        """Waits for all work queued on it."""
        cdef int err
        with nogil:
            err = pyt_cuda_stream_synchronize(self._handle)
        check_cuda(err)

    def wait_event(self, Event event):
        """Makes later work on this stream wait for the event."""
        if event._handle != NULL:
            check_cuda(pyt_cuda_stream_wait_event(self._handle, event._handle))

    def wait_stream(self, Stream stream):
        """Makes later work on this stream wait for the work queued on `stream` so far."""
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        """Records an event (a new one by default) on this stream and returns it."""
        if event is None:
            event = Event()
        (<Event?>event).record(self)
        return event

    def __eq__(self, other):
        if not isinstance(other, Stream):
            return NotImplemented
        return (self._handle == (<Stream>other)._handle
                and self.device_index == (<Stream>other).device_index)

    def __hash__(self):
        return hash((<uintptr_t>self._handle, self.device_index))

    def __repr__(self):
        return f"<pyt.cuda.Stream device=cuda:{self.device_index} cuda_stream={<uintptr_t>self._handle:#x}>"


cdef Stream _wrap_stream(pyt_cuda_stream handle, int device):
    held = _current_holders.get((device, <uintptr_t>handle))
    if held is not None:
        return held
    cdef Stream s = Stream.__new__(Stream)
    s._handle = handle
    s.device_index = device
    s.priority = 0
    s._owned = False
    return s


def current_stream(device=None):
    """The calling thread's current stream on a device (the current one by default)."""
    cdef int d = device_index(device)
    cdef pyt_cuda_stream h
    with _on_device(d):
        h = pyt_cuda_current_stream()
    return _wrap_stream(h, d)


def default_stream(device=None):
    """A device's default stream (the legacy NULL stream)."""
    return _wrap_stream(NULL, device_index(device))


def set_stream(Stream stream):
    """Makes `stream` the calling thread's current stream on its device."""
    if stream._owned:
        _current_holders[(stream.device_index, <uintptr_t>stream._handle)] = stream
    with _on_device(stream.device_index):
        pyt_cuda_set_current_stream(stream._handle)


cdef class Event:
    """A CUDA event (``torch.cuda.Event``): a marker in a stream's work, for waiting and
    timing. Created on the device of the stream it is first recorded on."""
    cdef pyt_cuda_event _handle
    cdef readonly bint enable_timing, blocking, interprocess
    cdef int _device

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        self.enable_timing = enable_timing
        self.blocking = blocking
        self.interprocess = interprocess
        self._device = -1

    def __dealloc__(self):
        if self._handle != NULL:
            pyt_cuda_event_destroy(self._handle)

    cdef int _create(self, int device) except -1:
        if self._handle == NULL:
            with _on_device(device):
                check_cuda(pyt_cuda_event_create(&self._handle, self.enable_timing,
                                                 self.blocking, self.interprocess))
            self._device = device
        return 0

    @property
    def cuda_event(self):
        return <uintptr_t>self._handle

    @property
    def device(self):
        from pyt._ext.device import device as _device
        return None if self._device < 0 else _device("cuda", self._device)

    def record(self, stream=None):
        """Records the event on a stream (the current stream by default)."""
        if stream is None:
            stream = current_stream()
        cdef Stream s = <Stream?>stream
        self._create(s.device_index)
        if self._device != s.device_index:
            raise RuntimeError(f"Event device cuda:{self._device} does not match recording "
                               f"stream's device cuda:{s.device_index}.")
        with _on_device(s.device_index):
            check_cuda(pyt_cuda_event_record(self._handle, s._handle))

    def wait(self, stream=None):
        """Makes later work on a stream (the current stream by default) wait for it."""
        if stream is None:
            stream = current_stream()
        (<Stream?>stream).wait_event(self)

    def query(self):
        """True when the work before the event has completed (or it was never recorded)."""
        if self._handle == NULL:
            return True
        cdef int err = pyt_cuda_event_query(self._handle)
        if err == PYT_CUDA_ERR_NOT_READY:
            return False
        check_cuda(err)
        return True

    def synchronize(self):
        """Waits for the work before the event."""
        cdef int err
        if self._handle == NULL:
            return
        with nogil:
            err = pyt_cuda_event_synchronize(self._handle)
        check_cuda(err)

    def elapsed_time(self, Event end_event):
        """Milliseconds between this event and end_event (both recorded, with timing)."""
        cdef float ms = 0
        if not self.enable_timing or not end_event.enable_timing:
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._handle == NULL or end_event._handle == NULL:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        check_cuda(pyt_cuda_event_elapsed_time(&ms, self._handle, end_event._handle))
        return ms

    def __repr__(self):
        if self._handle == NULL:
            return "<pyt.cuda.Event uninitialized>"
        return f"<pyt.cuda.Event {<uintptr_t>self._handle:#x}>"


# ----- memory ----------------------------------------------------------------------------

cdef dict _stats_dict(pyt_cuda_memory_stats* s):
    return {"allocated": s.allocated, "max_allocated": s.max_allocated,
            "reserved": s.reserved, "max_reserved": s.max_reserved,
            "active_blocks": s.active_blocks, "segments": s.segments,
            "num_device_allocs": s.num_device_allocs, "num_device_frees": s.num_device_frees,
            "num_alloc_retries": s.num_alloc_retries, "num_ooms": s.num_ooms,
            "requested": s.requested, "max_requested": s.max_requested,
            "inactive_split": s.inactive_split,
            "inactive_split_bytes": s.inactive_split_bytes,
            "allocated_total": s.allocated_total, "freed_total": s.freed_total,
            "num_allocs": s.num_allocs, "num_frees": s.num_frees,
            "max_active_blocks": s.max_active_blocks, "max_segments": s.max_segments}


def memory_stats(int device):
    """The caching allocator's counters on a device, as a dict of pyt_cuda_memory_stats's
    fields."""
    cdef pyt_cuda_memory_stats s
    check_cuda(pyt_cuda_get_memory_stats(device, &s))
    return _stats_dict(&s)


def reset_peak_memory_stats(int device):
    check_cuda(pyt_cuda_reset_peak_memory_stats(device))


def empty_cache():
    """Gives every fully free cached segment back to the device (all devices)."""
    if pyt_cuda_is_built():
        check_cuda(pyt_cuda_empty_cache())


def oom_message():
    return pyt_cuda_oom_message().decode("utf-8", "replace")


def record_stream(uintptr_t ptr, Stream stream):
    """Marks a block of the allocator (a device pointer as int) as used on `stream`."""
    check_cuda(pyt_cuda_record_stream(<void*>ptr, stream._handle))


# Raw memory as ints, for the tests of the runtime (tensors use the C API directly).

def _malloc(size_t nbytes):
    cdef void* p = NULL
    check_cuda(pyt_cuda_malloc(&p, nbytes))
    return <uintptr_t>p


def _free(uintptr_t ptr):
    pyt_cuda_free(<void*>ptr)


def _host_alloc(size_t nbytes):
    cdef void* p = NULL
    check_cuda(pyt_cuda_host_alloc(&p, nbytes))
    return <uintptr_t>p


def _host_free(uintptr_t ptr):
    check_cuda(pyt_cuda_host_free(<void*>ptr))


def _is_pinned(uintptr_t ptr):
    return pyt_cuda_is_pinned(<const void*>ptr) != 0


_COPY_KINDS = {"h2d": PYT_CUDA_H2D, "d2h": PYT_CUDA_D2H, "d2d": PYT_CUDA_D2D}


def _memcpy(uintptr_t dst, uintptr_t src, size_t nbytes, kind, bint non_blocking=False):
    cdef int k = _COPY_KINDS[kind], err
    with nogil:
        err = pyt_cuda_memcpy(<void*>dst, <const void*>src, nbytes, k, non_blocking)
    check_cuda(err)


def _memset(uintptr_t dst, int value, size_t nbytes):
    check_cuda(pyt_cuda_memset(<void*>dst, value, nbytes))


def set_allow_tf32(bint allow):
    pyt_cuda_set_allow_tf32(allow)


def get_allow_tf32():
    return pyt_cuda_get_allow_tf32() != 0


def _set_use_blas(bint use):
    """False: every CUDA matrix product runs pyt's own tiled kernel (tests compare both)."""
    pyt_cuda_set_use_blas(use)


def _blas_loaded():
    """Whether the matrix products run on cuBLAS (loaded at the first CUDA product)."""
    from pyt._ext.linalg import _load_cublas
    return _load_cublas()


# ----- the allocator over host memory, for tests ------------------------------------------

cdef class _HostCachingAllocator:
    """The CUDA caching allocator's bookkeeping over host memory, with `capacity` bytes
    playing the device's memory and plain ints as streams (tests/test_cuda_allocator.py).
    Pointers are ints."""
    cdef pyt_alloc_test* _a

    def __cinit__(self, size_t capacity):
        self._a = pyt_alloc_test_new(capacity)
        if self._a == NULL:
            raise MemoryError()

    def __dealloc__(self):
        if self._a != NULL:
            pyt_alloc_test_delete(self._a)

    def malloc(self, size_t nbytes, uintptr_t stream=0):
        cdef void* p = NULL
        cdef int err
        with nogil:     # the allocator locks for itself: threads may really overlap
            err = pyt_alloc_test_malloc(self._a, &p, nbytes, stream)
        if err == PYT_CUDA_ERR_OOM:
            raise OutOfMemoryError(pyt_alloc_test_oom_message(self._a).decode())
        check_cuda(err)
        return <uintptr_t>p

    def free(self, uintptr_t ptr):
        with nogil:
            pyt_alloc_test_free(self._a, <void*>ptr)

    def record_stream(self, uintptr_t ptr, uintptr_t stream):
        check_cuda(pyt_alloc_test_record_stream(self._a, <void*>ptr, stream))

    def hold_events(self, bint hold):
        """True: events recorded from now on stay pending until complete_events()."""
        pyt_alloc_test_hold_events(self._a, hold)

    def complete_events(self, uintptr_t stream):
        """Completes the events recorded on a stream; returns how many."""
        return pyt_alloc_test_complete_events(self._a, stream)

    def empty_cache(self):
        pyt_alloc_test_empty_cache(self._a)

    def stats(self):
        cdef pyt_cuda_memory_stats s
        pyt_alloc_test_stats(self._a, &s)
        return _stats_dict(&s)

    def reset_peak(self):
        pyt_alloc_test_reset_peak(self._a)

    def oom_message(self):
        return pyt_alloc_test_oom_message(self._a).decode()

    def blocks(self):
        """[(segment size, block size, state)] in address order; state 0 free,
        1 allocated, 2 freed but waiting for other streams' events."""
        cdef int n = 1 << 16, i
        cdef int64_t* out = <int64_t*>PyMem_Malloc(3 * n * sizeof(int64_t))
        if out == NULL:
            raise MemoryError()
        try:
            n = pyt_alloc_test_blocks(self._a, out, n)
            return [(out[3 * i], out[3 * i + 1], out[3 * i + 2]) for i in range(n)]
        finally:
            PyMem_Free(out)
