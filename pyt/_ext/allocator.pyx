# cython: language_level=3
"""CPU memory for storages.

Small blocks come from malloc. Large blocks (>= 1 MiB) are where time goes: a fresh
64 MB output costs 16k page faults, each zeroing a 4 KiB page, which makes a pointwise op
into new memory several times slower than into existing memory. So large blocks are
rounded up to 2 MiB, aligned to 2 MiB with transparent huge pages requested (one fault per
2 MiB, as NumPy does), and kept in a cache when freed, so that the next op of the same
size reuses warm pages instead of faulting new ones. Medium blocks (128 KiB to 1 MiB) are
cached too, rounded up to 64 KiB: malloc maps them afresh or trims its heap when they are
freed, so a loop that frees and allocates a few of them per iteration (an LSTM step's
buffers) paid page faults for them every time. The cache holds at most
`cache_limit()` bytes; `empty_cache()` returns everything to the system, and an
allocation that fails empties the cache and retries before raising.

Every call runs with the GIL held (storages are created and freed by Python code), so
the cache needs no lock."""
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memset
from posix.stdlib cimport posix_memalign

cdef extern from "<sys/mman.h>" nogil:
    int madvise(void* addr, size_t length, int advice)
    enum:
        MADV_HUGEPAGE

cdef size_t MEDIUM = 128 << 10       # blocks from here up are cached
cdef size_t MEDIUM_GRANULE = 64 << 10   # rounding of medium blocks
cdef size_t LARGE = 1 << 20          # from here up: huge pages
cdef size_t GRANULE = 2 << 20        # huge-page size and rounding of large blocks

cdef dict _free_blocks = {}          # capacity -> list of addresses (as ints)
cdef size_t _cached_bytes = 0
cdef size_t _cache_limit = 1 << 30   # 1 GiB
cdef size_t _hits = 0, _misses = 0


cdef char* _fresh_block(size_t capacity) noexcept:
    cdef void* p = NULL
    if capacity < LARGE:
        # aligned to the granule (a multiple of any page size): a cached block is whole
        # pages of its own, which Storage.share_memory_ maps shared memory over in place
        return <char*>(p if posix_memalign(&p, MEDIUM_GRANULE, capacity) == 0 else NULL)
    if posix_memalign(&p, GRANULE, capacity) != 0:
        return NULL
    madvise(p, capacity, MADV_HUGEPAGE)      # a hint: ignored where THP is off
    return <char*>p


cdef char* host_alloc(size_t nbytes, bint zeroed, size_t* capacity) except NULL:
    """A block of at least nbytes (at least 1). capacity receives what host_free needs:
    0 for a malloc'd block, the rounded size of a cacheable one."""
    global _cached_bytes, _hits, _misses
    cdef char* p
    cdef size_t cap, granule
    if nbytes < MEDIUM:
        capacity[0] = 0
        p = <char*>(calloc(nbytes if nbytes else 1, 1) if zeroed else malloc(nbytes if nbytes else 1))
        if p == NULL:
            empty_cache()
            p = <char*>(calloc(nbytes if nbytes else 1, 1) if zeroed else malloc(nbytes if nbytes else 1))
    else:
        granule = MEDIUM_GRANULE if nbytes < LARGE else GRANULE
        cap = (nbytes + granule - 1) // granule * granule
        capacity[0] = cap
        blocks = _free_blocks.get(cap)
        if blocks:
            p = <char*><size_t>blocks.pop()
            _cached_bytes -= cap
            _hits += 1
        else:
            _misses += 1
            p = _fresh_block(cap)
            if p == NULL:
                empty_cache()
                p = _fresh_block(cap)
        if p != NULL and zeroed:
            with nogil:
                memset(p, 0, nbytes)
    if p == NULL:
        raise MemoryError(f"DefaultCPUAllocator: not enough memory: you tried to allocate "
                          f"{nbytes} bytes.")
    return p


cdef void host_free(char* data, size_t capacity) noexcept:
    global _cached_bytes
    if capacity == 0 or _cached_bytes + capacity > _cache_limit:
        free(data)
        return
    blocks = _free_blocks.get(capacity)
    if blocks is None:
        _free_blocks[capacity] = [<size_t>data]
    else:
        blocks.append(<size_t>data)
    _cached_bytes += capacity


def empty_cache():
    """Returns every cached large block to the system."""
    global _cached_bytes
    for blocks in _free_blocks.values():
        for address in blocks:
            free(<void*><size_t>address)
    _free_blocks.clear()
    _cached_bytes = 0


def set_cache_limit(size_t nbytes):
    """The most bytes of freed large blocks kept for reuse (0 turns the cache off)."""
    global _cache_limit
    _cache_limit = nbytes
    if _cached_bytes > nbytes:
        empty_cache()


def cache_stats():
    """{'cached_bytes', 'cache_limit', 'hits', 'misses'} of the large-block cache."""
    return {"cached_bytes": _cached_bytes, "cache_limit": _cache_limit,
            "hits": _hits, "misses": _misses}
