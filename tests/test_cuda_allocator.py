"""The CUDA caching allocator's bookkeeping (cuda_src/allocator.cpp), run over host memory
through pyt._ext.cuda._HostCachingAllocator: no GPU needed. Streams are plain ints;
blocks() lists (segment size, block size, state) in address order, state 0 free,
1 allocated, 2 freed but waiting for another stream's event."""
import threading

import pytest

from pyt._ext.cuda import _HostCachingAllocator, OutOfMemoryError

KiB = 1024
MiB = 1024 * 1024
FREE, USED, WAITING = 0, 1, 2


def make(capacity=1024 * MiB):
    return _HostCachingAllocator(capacity)


def test_sizes_are_rounded_to_512_bytes():
    a = make()
    p = a.malloc(1)
    q = a.malloc(513)
    r = a.malloc(1024)
    assert a.blocks() == [(2 * MiB, 512, USED), (2 * MiB, 1024, USED), (2 * MiB, 1024, USED),
                          (2 * MiB, 2 * MiB - 2560, FREE)]
    assert (q - p, r - q) == (512, 1024)          # carved one after another
    s = a.stats()
    assert s["allocated"] == 2560
    assert s["requested"] == 1 + 513 + 1024
    assert s["active_blocks"] == 3


def test_zero_bytes_is_null_and_costs_nothing():
    a = make()
    assert a.malloc(0) == 0
    a.free(0)
    assert a.blocks() == []
    assert a.stats()["num_device_allocs"] == 0


@pytest.mark.parametrize("nbytes, segment, block, rest", [
    (1 * MiB, 2 * MiB, 1 * MiB, 1 * MiB),                    # the largest small request
    (1 * MiB + 1, 20 * MiB, 1 * MiB + 512, 19 * MiB - 512),  # the smallest large one
    (10 * MiB - 512, 20 * MiB, 10 * MiB - 512, 10 * MiB + 512),
    (10 * MiB, 10 * MiB, 10 * MiB, None),                    # its own segment
    (11 * MiB, 12 * MiB, 12 * MiB, None),                    # rest 1 MiB: not worth it
    (11 * MiB - 512, 12 * MiB, 11 * MiB - 512, 1 * MiB + 512),  # rest > 1 MiB: split
])
def test_pools_and_segment_sizes(nbytes, segment, block, rest):
    a = make()
    a.malloc(nbytes)
    expected = [(segment, block, USED)] + ([(segment, rest, FREE)] if rest else [])
    assert a.blocks() == expected
    s = a.stats()
    assert s["reserved"] == segment and s["segments"] == 1
    assert s["allocated"] == block
    assert s["num_device_allocs"] == 1


def test_small_and_large_requests_never_share_a_segment():
    a = make()
    a.malloc(1 * MiB)
    a.malloc(2 * MiB)            # large: a 20 MiB segment, not the small one's free MiB
    assert sorted(seg for seg, _, _ in a.blocks()) == [2 * MiB, 2 * MiB, 20 * MiB, 20 * MiB]
    assert a.stats()["segments"] == 2


def test_small_pool_exact_fit_is_not_split():
    a = make()
    a.malloc(1 * MiB)
    a.malloc(1 * MiB)            # takes exactly the rest of the segment
    assert a.blocks() == [(2 * MiB, 1 * MiB, USED), (2 * MiB, 1 * MiB, USED)]
    assert a.stats()["segments"] == 1


def test_small_pool_keeps_a_512_byte_rest():
    a = make()
    a.malloc(1 * MiB)
    a.malloc(1 * MiB - 512)
    assert a.blocks()[-1] == (2 * MiB, 512, FREE)


def test_best_fit_takes_the_smallest_free_block_that_fits():
    a = make()
    p4 = a.malloc(4 * KiB)
    a.malloc(512)                # keeps the free blocks apart
    p8 = a.malloc(8 * KiB)
    a.malloc(512)
    a.free(p8)
    a.free(p4)
    assert a.malloc(4 * KiB) == p4      # exact fit, though 8 KiB and the rest also fit
    assert a.malloc(5000) == p8         # 5 KiB: the 8 KiB block, split
    assert a.blocks()[:6] == [(2 * MiB, 4 * KiB, USED), (2 * MiB, 512, USED),
                              (2 * MiB, 5 * KiB, USED), (2 * MiB, 3 * KiB, FREE),
                              (2 * MiB, 512, USED), (2 * MiB, 2 * MiB - 13 * KiB, FREE)]
    assert a.stats()["num_device_allocs"] == 1


def test_best_fit_prefers_the_lower_address_among_equal_sizes():
    a = make()
    p = a.malloc(4 * KiB)
    a.malloc(512)
    q = a.malloc(4 * KiB)
    a.malloc(512)
    a.free(q)
    a.free(p)
    assert a.malloc(4 * KiB) == p


def test_free_merges_with_free_neighbours():
    a = make()
    p, q, r = a.malloc(1024), a.malloc(2048), a.malloc(4096)
    a.free(p)
    a.free(r)                     # merges with the segment's free rest
    assert a.blocks() == [(2 * MiB, 1024, FREE), (2 * MiB, 2048, USED),
                          (2 * MiB, 2 * MiB - 3072, FREE)]
    assert a.stats()["inactive_split"] == 2
    assert a.stats()["inactive_split_bytes"] == 2 * MiB - 2048
    a.free(q)                     # joins both sides: the segment is whole again
    assert a.blocks() == [(2 * MiB, 2 * MiB, FREE)]
    s = a.stats()
    assert s["allocated"] == 0 and s["active_blocks"] == 0
    assert s["inactive_split"] == 0 and s["inactive_split_bytes"] == 0
    assert s["reserved"] == 2 * MiB           # cached, not given back


def test_cached_blocks_are_reused_without_new_device_allocations():
    a = make()
    for _ in range(10):
        a.free(a.malloc(3 * MiB))
        a.free(a.malloc(100))
    s = a.stats()
    assert s["num_device_allocs"] == 2
    assert s["num_allocs"] == 20 and s["num_frees"] == 20


def test_blocks_are_reused_per_stream():
    a = make()
    p = a.malloc(1000, stream=1)
    a.free(p)
    q = a.malloc(1000, stream=2)        # stream 1's cache is not used by stream 2
    assert a.stats()["num_device_allocs"] == 2
    assert a.malloc(1000, stream=1) == p
    assert a.stats()["num_device_allocs"] == 2
    a.free(q)
    assert a.malloc(1000, stream=2) == q


def test_cross_stream_use_waits_for_the_other_stream():
    a = make()
    a.hold_events(True)
    p = a.malloc(1000, stream=1)
    q = a.malloc(1000, stream=1)
    a.record_stream(p, 2)
    a.record_stream(p, 1)              # its own stream: nothing to wait for
    a.free(p)
    assert a.blocks()[0] == (2 * MiB, 1024, WAITING)
    assert a.stats()["allocated"] == 1024          # counted as freed already
    r = a.malloc(1000, stream=1)
    assert r not in (p, q)                         # p is not reusable yet
    assert a.complete_events(3) == 0
    assert a.complete_events(2) == 1
    assert a.malloc(1000, stream=1) == p           # now it is
    a.free(q)
    assert a.blocks()[1] == (2 * MiB, 1024, FREE)


def test_cross_stream_events_that_complete_at_once():
    a = make()
    p = a.malloc(1000, stream=1)
    a.record_stream(p, 7)
    a.free(p)
    # the event is checked at the next malloc
    assert a.malloc(1000, stream=1) == p


def test_block_waiting_on_events_is_not_released_by_empty_cache():
    a = make()
    a.hold_events(True)
    p = a.malloc(1000, stream=1)
    a.record_stream(p, 2)
    a.free(p)
    a.empty_cache()
    assert a.stats()["segments"] == 1
    a.complete_events(2)
    a.empty_cache()
    s = a.stats()
    assert s["segments"] == 0 and s["reserved"] == 0 and s["num_device_frees"] == 1


def test_record_stream_of_an_unknown_pointer_is_an_error():
    a = make()
    with pytest.raises(RuntimeError):
        a.record_stream(12345, 1)


def test_out_of_memory_frees_the_cache_and_retries():
    a = make(24 * MiB)
    a.free(a.malloc(1 * MiB))          # a cached 2 MiB small segment
    a.malloc(12 * MiB)                 # 12 MiB segment: 14 MiB reserved
    a.malloc(11 * MiB)                 # 12 more: fits only once the cache is freed
    s = a.stats()
    assert s["num_alloc_retries"] == 1 and s["num_ooms"] == 0
    assert s["num_device_frees"] == 1
    assert s["reserved"] == 24 * MiB and s["segments"] == 2
    with pytest.raises(OutOfMemoryError) as info:
        a.malloc(2 * MiB)
    assert isinstance(info.value, RuntimeError)
    msg = str(info.value)
    assert msg.startswith("CUDA out of memory. Tried to allocate 2.00 MiB.")
    assert "total capacity of 24.00 MiB of which 0 bytes is free" in msg
    assert "24.00 MiB is allocated by pyt" in msg
    s = a.stats()
    assert s["num_alloc_retries"] == 2 and s["num_ooms"] == 1
    assert s["allocated"] == 24 * MiB                  # nothing changed
    assert a.oom_message() == msg


def test_out_of_memory_for_a_request_larger_than_the_device():
    a = make(8 * MiB)
    with pytest.raises(OutOfMemoryError, match="Tried to allocate 9.00 MiB"):
        a.malloc(9 * MiB)
    assert a.stats()["num_ooms"] == 1
    assert a.blocks() == []
    assert a.malloc(1000) != 0          # still usable


def test_empty_cache_releases_only_fully_free_segments():
    a = make()
    keep = a.malloc(1000)               # its segment stays: partly in use
    a.free(a.malloc(3 * MiB))           # a 20 MiB segment, fully free
    a.free(a.malloc(30 * MiB))          # its own 30 MiB segment, fully free
    assert a.stats()["reserved"] == 52 * MiB
    a.empty_cache()
    s = a.stats()
    assert s["reserved"] == 2 * MiB and s["segments"] == 1
    assert s["num_device_frees"] == 2
    assert a.blocks() == [(2 * MiB, 1024, USED), (2 * MiB, 2 * MiB - 1024, FREE)]
    a.free(keep)
    a.empty_cache()
    assert a.stats()["reserved"] == 0 and a.blocks() == []


def test_peaks_and_reset():
    a = make()
    p = a.malloc(3 * MiB)
    q = a.malloc(100)
    a.free(p)
    s = a.stats()
    assert s["allocated"] == 512 and s["max_allocated"] == 3 * MiB + 512
    assert s["requested"] == 100 and s["max_requested"] == 3 * MiB + 100
    assert s["reserved"] == 22 * MiB and s["max_reserved"] == 22 * MiB
    assert s["max_active_blocks"] == 2 and s["max_segments"] == 2
    assert s["allocated_total"] == 3 * MiB + 512 and s["freed_total"] == 3 * MiB
    a.empty_cache()
    a.reset_peak()
    s = a.stats()
    assert s["max_allocated"] == 512 and s["max_reserved"] == 2 * MiB
    assert s["max_requested"] == 100 and s["max_active_blocks"] == 1
    a.free(q)
    assert a.stats()["max_allocated"] == 512


def test_freeing_an_unknown_pointer_is_ignored():
    a = make()
    p = a.malloc(100)
    a.free(p + 512)
    a.free(p)
    a.free(p)                            # twice: the second is ignored
    assert a.stats()["allocated"] == 0 and a.stats()["num_frees"] == 1


def test_many_blocks_round_trip():
    a = make()
    ptrs = [a.malloc(n) for n in range(1, 200000, 997)]
    assert len(set(ptrs)) == len(ptrs)
    for p in ptrs[::2]:
        a.free(p)
    for p in ptrs[1::2]:
        a.free(p)
    assert a.stats()["allocated"] == 0
    assert all(state == FREE for _, _, state in a.blocks())
    assert all(seg == size for seg, size, _ in a.blocks())     # every segment whole again


def test_threads_share_one_allocator():
    a = make()
    errors = []

    def work(seed):
        try:
            live = []
            for i in range(3000):
                live.append(a.malloc((seed * 7919 + i * 104729) % (3 * MiB) + 1, stream=seed % 2))
                if len(live) > 8:
                    a.free(live.pop(i % len(live)))
            for p in live:
                a.free(p)
        except Exception as e:          # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    s = a.stats()
    assert s["allocated"] == 0 and s["active_blocks"] == 0 and s["requested"] == 0
    assert s["num_allocs"] == s["num_frees"] == 4 * 3000
    assert all(seg == size and state == FREE for seg, size, state in a.blocks())
