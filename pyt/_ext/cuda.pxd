# The CUDA runtime's C API (cuda_src/pyt_cuda.h: errors, devices, streams and events,
# memory) and the helpers other Cython modules use to report its errors.
from libc.stdint cimport int64_t, uintptr_t


cdef extern from "pyt_cuda.h" nogil:
    enum:
        PYT_CUDA_OK
        PYT_CUDA_ERR_NOT_BUILT
        PYT_CUDA_ERR_OOM
        PYT_CUDA_ERR_UNSUPPORTED
        PYT_CUDA_ERR_TOO_MANY_DIMS
        PYT_CUDA_ERR_INDEX
        PYT_CUDA_ERR_INVALID
        PYT_CUDA_ERR_NOT_READY
        PYT_CUDA_H2D
        PYT_CUDA_D2H
        PYT_CUDA_D2D

    const char* pyt_cuda_error_string(int err)
    int pyt_cuda_is_built()

    int pyt_cuda_device_count(int* count)
    int pyt_cuda_get_device(int* device)
    int pyt_cuda_set_device(int device)
    int pyt_cuda_synchronize()
    ctypedef struct pyt_cuda_properties:
        char name[256]
        size_t total_memory
        int major, minor
        int multi_processor_count
    int pyt_cuda_get_properties(int device, pyt_cuda_properties* props)
    int pyt_cuda_mem_get_info(size_t* free_bytes, size_t* total_bytes)

    ctypedef void* pyt_cuda_stream
    ctypedef void* pyt_cuda_event
    pyt_cuda_stream pyt_cuda_current_stream()
    void pyt_cuda_set_current_stream(pyt_cuda_stream s)
    int pyt_cuda_stream_create(pyt_cuda_stream* s, int priority)
    int pyt_cuda_stream_destroy(pyt_cuda_stream s)
    int pyt_cuda_stream_query(pyt_cuda_stream s)
    int pyt_cuda_stream_synchronize(pyt_cuda_stream s)
    int pyt_cuda_stream_wait_event(pyt_cuda_stream s, pyt_cuda_event e)
    int pyt_cuda_event_create(pyt_cuda_event* e, int enable_timing, int blocking, int interprocess)
    int pyt_cuda_event_destroy(pyt_cuda_event e)
    int pyt_cuda_event_record(pyt_cuda_event e, pyt_cuda_stream s)
    int pyt_cuda_event_query(pyt_cuda_event e)
    int pyt_cuda_event_synchronize(pyt_cuda_event e)
    int pyt_cuda_event_elapsed_time(float* ms, pyt_cuda_event start, pyt_cuda_event end)

    int pyt_cuda_malloc(void** ptr, size_t nbytes)
    void pyt_cuda_free(void* ptr)
    const char* pyt_cuda_oom_message()
    int pyt_cuda_record_stream(void* ptr, pyt_cuda_stream s)
    int pyt_cuda_empty_cache()
    ctypedef struct pyt_cuda_memory_stats:
        int64_t allocated, max_allocated
        int64_t reserved, max_reserved
        int64_t active_blocks, segments
        int64_t num_device_allocs, num_device_frees
        int64_t num_alloc_retries, num_ooms
        int64_t requested, max_requested
        int64_t inactive_split, inactive_split_bytes
        int64_t allocated_total, freed_total
        int64_t num_allocs, num_frees
        int64_t max_active_blocks, max_segments
    int pyt_cuda_get_memory_stats(int device, pyt_cuda_memory_stats* stats)
    int pyt_cuda_reset_peak_memory_stats(int device)
    int pyt_cuda_host_alloc(void** ptr, size_t nbytes)
    int pyt_cuda_host_free(void* ptr)
    int pyt_cuda_is_pinned(const void* ptr)
    int pyt_cuda_memcpy(void* dst, const void* src, size_t nbytes, int kind, int non_blocking)
    int pyt_cuda_memset(void* dst, int value, size_t nbytes)

    void pyt_cuda_set_allow_tf32(int allow)
    int pyt_cuda_get_allow_tf32()


# Raises for a nonzero code of pyt_cuda.h: OutOfMemoryError (with the allocator's
# message) for PYT_CUDA_ERR_OOM, RuntimeError("CUDA error: ...") otherwise. Returns 0.
cdef int check_cuda(int err) except -1
