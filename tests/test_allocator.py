"""The cache of medium and large CPU blocks: reuse, zeroing, limits."""
import numpy as np

import pyt
from pyt._ext import allocator

BIG = 3 * 1024 * 1024 // 4          # float32 elements in 3 MiB


def test_large_blocks_are_reused():
    allocator.empty_cache()
    before = allocator.cache_stats()
    a = pyt.empty(BIG)
    ptr = a.data_ptr()
    del a
    assert allocator.cache_stats()["cached_bytes"] == 4 * 1024 * 1024      # rounded to 2 MiB
    b = pyt.empty(BIG + 10)                                                # same rounded size
    assert b.data_ptr() == ptr
    assert allocator.cache_stats()["hits"] == before["hits"] + 1


def test_medium_blocks_are_reused_and_page_aligned():
    allocator.empty_cache()
    before = allocator.cache_stats()
    a = pyt.empty(140_000)                     # 560 kB: rounded to 576 kB (9 x 64 kB)
    ptr = a.data_ptr()
    assert ptr % 65536 == 0
    del a
    assert allocator.cache_stats()["cached_bytes"] == 9 * 65536
    b = pyt.empty(141_000)                     # 564 kB: the same rounded size
    assert b.data_ptr() == ptr and allocator.cache_stats()["hits"] == before["hits"] + 1
    small = pyt.empty(1000)                    # 4 kB: malloc's, not cached
    del small
    assert allocator.cache_stats()["cached_bytes"] == 0


def test_reused_blocks_are_zeroed_for_zeros():
    a = pyt.full((BIG,), 7.0)
    del a
    z = pyt.zeros(BIG)
    assert not z.numpy().any()
    assert pyt.zeros_like(pyt.empty(BIG)).numpy().max() == 0


def test_alignment_and_small_blocks():
    big = pyt.empty(BIG)
    assert big.data_ptr() % (2 * 1024 * 1024) == 0
    small = pyt.empty(10)
    small.fill_(1)
    assert small.tolist() == [1.0] * 10


def test_limit_and_empty_cache():
    allocator.empty_cache()
    try:
        allocator.set_cache_limit(0)
        a = pyt.empty(BIG)
        del a
        assert allocator.cache_stats()["cached_bytes"] == 0
    finally:
        allocator.set_cache_limit(1 << 30)
    a = pyt.empty(BIG)
    del a
    assert allocator.cache_stats()["cached_bytes"] > 0
    allocator.empty_cache()
    assert allocator.cache_stats()["cached_bytes"] == 0


def test_views_keep_cached_blocks_alive():
    a = pyt.arange(BIG, dtype=pyt.float32)
    v = a[10:20]
    del a
    c = pyt.full((BIG,), -1.0)          # must not get v's block
    assert v.tolist() == list(range(10, 20))
    assert c.data_ptr() != v.data_ptr() - 40
