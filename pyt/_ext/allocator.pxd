# CPU memory for storages: small blocks from malloc, large ones from a cache of
# huge-page-backed blocks (see allocator.pyx).

cdef char* host_alloc(size_t nbytes, bint zeroed, size_t* capacity) except NULL
cdef void host_free(char* data, size_t capacity) noexcept
