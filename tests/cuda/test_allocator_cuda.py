"""The CUDA runtime on a GPU: the caching allocator's statistics (through tensors and
raw blocks), out-of-memory errors, streams and events, page-locked host memory."""
import ctypes
import gc
import threading

import pytest

import pyt
from pyt._ext import cuda as _cuda

pytestmark = pytest.mark.skipif(not pyt.cuda.is_available(), reason="needs a CUDA device")

MiB = 1024 * 1024


def stat(key):
    return pyt.cuda.memory_stats()[key]


# ----- devices ---------------------------------------------------------------------------

def test_device_queries():
    assert pyt.cuda.device_count() >= 1
    assert pyt.cuda.current_device() == 0
    assert pyt.cuda.is_initialized()
    props = pyt.cuda.get_device_properties(0)
    assert props.total_memory > 0 and props.multi_processor_count > 0
    assert pyt.cuda.get_device_capability() >= (8, 0)
    assert isinstance(pyt.cuda.get_device_name(), str) and pyt.cuda.get_device_name()
    assert pyt.cuda.get_device_name("cuda:0") == props.name
    free, total = pyt.cuda.mem_get_info()
    assert 0 < free <= total
    with pyt.cuda.device(0):
        assert pyt.cuda.current_device() == 0
    pyt.cuda.set_device("cuda:0")
    pyt.cuda.synchronize()


# ----- the allocator through raw blocks -------------------------------------------------------

def test_raw_blocks_are_rounded_and_cached():
    pyt.cuda.synchronize()
    base = stat("allocated_bytes.all.current")
    p = _cuda._malloc(1000)
    assert p != 0
    assert stat("allocated_bytes.all.current") - base == 1024
    assert stat("requested_bytes.all.current") >= 1000
    allocs = stat("num_device_alloc")
    _cuda._free(p)
    assert stat("allocated_bytes.all.current") == base
    q = _cuda._malloc(1000)                         # a cached block
    assert stat("num_device_alloc") == allocs
    _cuda._free(q)


def test_memset_and_copies_round_trip():
    n = 3 * MiB + 17
    src = (ctypes.c_ubyte * n).from_buffer_copy(bytes(range(256)) * (n // 256) + bytes(n % 256))
    dst = (ctypes.c_ubyte * n)()
    d1, d2 = _cuda._malloc(n), _cuda._malloc(n)
    try:
        _cuda._memcpy(d1, ctypes.addressof(src), n, "h2d")
        _cuda._memcpy(d2, d1, n, "d2d")
        _cuda._memcpy(ctypes.addressof(dst), d2, n, "d2h")
        assert bytes(dst) == bytes(src)
        _cuda._memset(d2, 7, n)
        _cuda._memcpy(ctypes.addressof(dst), d2, n, "d2h")
        assert bytes(dst) == bytes([7]) * n
    finally:
        _cuda._free(d1)
        _cuda._free(d2)


def test_empty_cache_gives_memory_back():
    p = _cuda._malloc(64 * MiB)
    reserved = pyt.cuda.memory_reserved()
    frees = stat("num_device_free")
    _cuda._free(p)
    assert pyt.cuda.memory_reserved() == reserved          # cached
    pyt.cuda.empty_cache()
    assert pyt.cuda.memory_reserved() <= reserved - 64 * MiB
    assert stat("num_device_free") > frees


def test_peaks_and_reset():
    pyt.cuda.empty_cache()
    pyt.cuda.reset_peak_memory_stats()
    base = pyt.cuda.memory_allocated()
    p = _cuda._malloc(30 * MiB)
    _cuda._free(p)
    assert pyt.cuda.max_memory_allocated() == base + 30 * MiB
    assert pyt.cuda.max_memory_reserved() >= 30 * MiB
    pyt.cuda.reset_peak_memory_stats()
    assert pyt.cuda.max_memory_allocated() == base
    pyt.cuda.reset_max_memory_allocated()
    assert "Allocated memory" in pyt.cuda.memory_summary()


def test_out_of_memory_raises_and_leaves_the_allocator_usable():
    ooms = stat("num_ooms")
    with pytest.raises(pyt.cuda.OutOfMemoryError) as info:
        _cuda._malloc(1 << 50)
    assert isinstance(info.value, RuntimeError)
    assert "CUDA out of memory. Tried to allocate" in str(info.value)
    assert stat("num_ooms") == ooms + 1
    assert stat("num_alloc_retries") >= 1
    p = _cuda._malloc(1000)                 # the error state was cleared
    _cuda._free(p)
    pyt.cuda.synchronize()


def test_block_used_on_another_stream_is_reused_once_it_is_done():
    pyt.cuda.empty_cache()
    size = 37 * MiB + 512                    # a segment of its own (38 MiB, not split)
    s = pyt.cuda.Stream()
    p = _cuda._malloc(size)
    allocs = stat("num_device_alloc")
    _cuda.record_stream(p, s)
    _cuda._free(p)
    s.synchronize()                          # the event recorded at free completes
    q = _cuda._malloc(size)
    assert q == p
    assert stat("num_device_alloc") == allocs
    _cuda._free(q)
    pyt.cuda.empty_cache()


def test_blocks_are_per_stream():
    s = pyt.cuda.Stream()
    p = _cuda._malloc(4096)
    _cuda._free(p)
    with pyt.cuda.stream(s):
        q = _cuda._malloc(4096)              # not the default stream's cached block
        assert q != p
        _cuda._free(q)


# ----- the allocator through tensors -----------------------------------------------------

def test_tensor_memory_is_counted_and_cached():
    gc.collect()
    pyt.cuda.synchronize()
    base = pyt.cuda.memory_allocated()
    x = pyt.empty(1000, dtype=pyt.uint8, device="cuda")
    assert pyt.cuda.memory_allocated() - base == 1024
    y = pyt.empty(256 * 1024, dtype=pyt.float32, device="cuda")     # 1 MiB
    assert pyt.cuda.memory_allocated() - base == 1024 + MiB
    assert pyt.cuda.max_memory_allocated() >= base + 1024 + MiB
    allocs = stat("num_device_alloc")
    del x, y
    assert pyt.cuda.memory_allocated() == base
    z = pyt.empty(256 * 1024, dtype=pyt.float32, device="cuda")
    assert stat("num_device_alloc") == allocs                 # from the cache
    assert pyt.cuda.memory_reserved() >= MiB
    del z


def test_tensor_out_of_memory():
    with pytest.raises(pyt.cuda.OutOfMemoryError):
        pyt.empty(1 << 50, dtype=pyt.uint8, device="cuda")
    x = pyt.zeros(10, device="cuda")
    assert x.cpu().tolist() == [0.0] * 10


# ----- streams and events ----------------------------------------------------------------

def test_default_and_current_streams():
    d = pyt.cuda.default_stream()
    assert d.cuda_stream == 0
    assert pyt.cuda.current_stream() == d
    assert d.device == pyt.device("cuda:0") and d.device_index == 0
    s = pyt.cuda.Stream()
    assert s != d and s.cuda_stream != 0
    assert {s: 1}[s] == 1
    with pyt.cuda.stream(s):
        assert pyt.cuda.current_stream() == s
        seen = []
        t = threading.Thread(target=lambda: seen.append(pyt.cuda.current_stream()))
        t.start()
        t.join()
        assert seen == [d]                           # the current stream is per thread
    assert pyt.cuda.current_stream() == d
    pyt.cuda.set_stream(s)
    assert pyt.cuda.current_stream() == s
    pyt.cuda.set_stream(d)
    assert pyt.cuda.current_stream() == d


def test_stream_priority_query_and_sync():
    s = pyt.cuda.Stream(priority=-1)
    assert s.priority == -1
    assert s.query() is True
    s.synchronize()
    assert "pyt.cuda.Stream" in repr(s)
    t = pyt.cuda.Stream(device="cuda:0")
    t.wait_stream(s)
    t.synchronize()


def test_events_time_and_order_work():
    n = 64 * MiB
    a, b = _cuda._malloc(n), _cuda._malloc(n)
    s = pyt.cuda.Stream()
    start = pyt.cuda.Event(enable_timing=True)
    end = pyt.cuda.Event(enable_timing=True)
    with pyt.cuda.stream(s):
        start.record()
        for _ in range(10):
            _cuda._memcpy(b, a, n, "d2d", non_blocking=True)
        end.record()
    pyt.cuda.current_stream().wait_event(end)
    end.synchronize()
    assert end.query() is True and start.query() is True
    assert start.elapsed_time(end) > 0
    e = s.record_event()
    e.wait()
    e.synchronize()
    assert e.cuda_event != 0
    with pytest.raises(RuntimeError):
        pyt.cuda.Event().elapsed_time(pyt.cuda.Event())
    _cuda.record_stream(a, s)
    _cuda.record_stream(b, s)
    _cuda._free(a)
    _cuda._free(b)
    pyt.cuda.synchronize()


# ----- page-locked host memory -----------------------------------------------------------

def test_pinned_host_memory():
    p = _cuda._host_alloc(1 << 20)
    try:
        assert p != 0
        assert _cuda._is_pinned(p)
        buf = ctypes.create_string_buffer(1 << 20)
        assert not _cuda._is_pinned(ctypes.addressof(buf))
        ctypes.memset(p, 3, 1 << 20)
        d = _cuda._malloc(1 << 20)
        _cuda._memcpy(d, p, 1 << 20, "h2d", non_blocking=True)
        _cuda._memcpy(ctypes.addressof(buf), d, 1 << 20, "d2h")
        assert buf.raw == bytes([3]) * (1 << 20)
        _cuda._free(d)
    finally:
        _cuda._host_free(p)
    assert _cuda._host_alloc(0) == 0


# ----- random numbers --------------------------------------------------------------------

def test_cuda_generators_are_seeded_with_the_cpu():
    pyt.manual_seed(123)
    assert pyt.cuda.initial_seed() == 123
    gens = pyt.cuda.default_generators
    assert len(gens) == pyt.cuda.device_count()
    assert gens[0].device == pyt.device("cuda:0")
    state = pyt.cuda.get_rng_state()
    pyt.cuda.manual_seed(5)
    assert pyt.cuda.initial_seed() == 5
    pyt.cuda.set_rng_state(state)
    assert pyt.cuda.initial_seed() == 123
    g = pyt.Generator(device="cuda")
    assert g.device == pyt.device("cuda:0")
