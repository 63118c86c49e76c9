# The CUDA backend's C API (cuda_src/pyt_cuda.h) for Cython: `from pyt._ext.cuda_api cimport *`.
# Every module links to libpyt_cuda.so (setup.py), so these are direct calls. Keep this in
# step with the header (tests/test_cuda_runtime_host.py checks that every function is here).
from libc.stdint cimport int64_t, uint64_t, uintptr_t

cdef extern from "pyt_cuda.h" nogil:
    enum:
        PYT_CUDA_OK, PYT_CUDA_ERR_NOT_BUILT, PYT_CUDA_ERR_OOM, PYT_CUDA_ERR_UNSUPPORTED,
        PYT_CUDA_ERR_TOO_MANY_DIMS, PYT_CUDA_ERR_INDEX, PYT_CUDA_ERR_INVALID,
        PYT_CUDA_ERR_NOT_READY
        PYT_CUDA_H2D, PYT_CUDA_D2H, PYT_CUDA_D2D
        PYT_CUDA_MAX_DIMS, PYT_CUDA_MAX_OPERANDS
        PYT_CUDA_ARITH, PYT_CUDA_CMP, PYT_CUDA_UNARY, PYT_CUDA_MATH_BINARY, PYT_CUDA_TERNARY

    ctypedef struct pyt_cuda_properties:
        char name[256]
        size_t total_memory
        int major, minor
        int multi_processor_count

    ctypedef void* pyt_cuda_stream
    ctypedef void* pyt_cuda_event

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

    ctypedef struct pyt_alloc_test:
        pass

    ctypedef struct pyt_cuda_iter:
        int nops, ndim
        int64_t numel
        int64_t shape[16]
        int64_t strides[4][16]
        char* base[4]
        uint64_t scalar[4]

    int pyt_cuda_iter_init(pyt_cuda_iter* it, int nops, int ndim, const int64_t* shape,
                           char* const* base, const uint64_t* scalar, const int64_t* strides)

    ctypedef struct pyt_cuda_math_ctx:
        double d[3]
        int64_t i[2]

    ctypedef struct pyt_cuda_random_spec:
        int kind
        double a, b
        const double* a_each
        const double* b_each
        int64_t low
        uint64_t range

    const char *pyt_cuda_error_string(int err)
    int pyt_cuda_is_built()
    int pyt_cuda_device_count(int *count)
    int pyt_cuda_get_device(int *device)
    int pyt_cuda_set_device(int device)
    int pyt_cuda_synchronize()
    int pyt_cuda_get_properties(int device, pyt_cuda_properties *props)
    int pyt_cuda_mem_get_info(size_t *free_bytes, size_t *total_bytes)
    pyt_cuda_stream pyt_cuda_current_stream()
    void pyt_cuda_set_current_stream(pyt_cuda_stream s)
    int pyt_cuda_stream_create(pyt_cuda_stream *s, int priority)
    int pyt_cuda_stream_destroy(pyt_cuda_stream s)
    int pyt_cuda_stream_query(pyt_cuda_stream s)
    int pyt_cuda_stream_synchronize(pyt_cuda_stream s)
    int pyt_cuda_stream_wait_event(pyt_cuda_stream s, pyt_cuda_event e)
    int pyt_cuda_event_create(pyt_cuda_event *e, int enable_timing, int blocking, int interprocess)
    int pyt_cuda_event_destroy(pyt_cuda_event e)
    int pyt_cuda_event_record(pyt_cuda_event e, pyt_cuda_stream s)
    int pyt_cuda_event_query(pyt_cuda_event e)
    int pyt_cuda_event_synchronize(pyt_cuda_event e)
    int pyt_cuda_event_elapsed_time(float *ms, pyt_cuda_event start, pyt_cuda_event end)
    int pyt_cuda_malloc(void **ptr, size_t nbytes)
    void pyt_cuda_free(void *ptr)
    const char *pyt_cuda_oom_message()
    int pyt_cuda_record_stream(void *ptr, pyt_cuda_stream s)
    int pyt_cuda_empty_cache()
    int pyt_cuda_get_memory_stats(int device, pyt_cuda_memory_stats *stats)
    int pyt_cuda_reset_peak_memory_stats(int device)
    int pyt_cuda_host_alloc(void **ptr, size_t nbytes)
    int pyt_cuda_host_free(void *ptr)
    int pyt_cuda_is_pinned(const void *ptr)
    int pyt_cuda_memcpy(void *dst, const void *src, size_t nbytes, int kind, int non_blocking)
    int pyt_cuda_memset(void *dst, int value, size_t nbytes)
    pyt_alloc_test *pyt_alloc_test_new(size_t capacity)
    void pyt_alloc_test_delete(pyt_alloc_test *a)
    int pyt_alloc_test_malloc(pyt_alloc_test *a, void **ptr, size_t nbytes, uintptr_t stream)
    void pyt_alloc_test_free(pyt_alloc_test *a, void *ptr)
    int pyt_alloc_test_empty_cache(pyt_alloc_test *a)
    int pyt_alloc_test_stats(pyt_alloc_test *a, pyt_cuda_memory_stats *stats)
    int pyt_alloc_test_reset_peak(pyt_alloc_test *a)
    const char *pyt_alloc_test_oom_message(pyt_alloc_test *a)
    int pyt_alloc_test_blocks(pyt_alloc_test *a, int64_t *out, int max)
    int pyt_alloc_test_record_stream(pyt_alloc_test *a, void *ptr, uintptr_t stream)
    void pyt_alloc_test_hold_events(pyt_alloc_test *a, int hold)
    int pyt_alloc_test_complete_events(pyt_alloc_test *a, uintptr_t stream)
    int pyt_cuda_pointwise_supported(int family, int op, int dtype)
    int pyt_cuda_pointwise(int family, int op, int dtype, const pyt_cuda_iter *it, const pyt_cuda_math_ctx *ctx)
    int pyt_cuda_copy(const pyt_cuda_iter *it, int dst_dtype, int src_dtype)
    int pyt_cuda_fill(const pyt_cuda_iter *it, int itemsize, uint64_t bits)
    int pyt_cuda_where(const pyt_cuda_iter *it, int itemsize)
    int pyt_cuda_random_fill(const pyt_cuda_random_spec *spec, char *out, int code, int64_t n, uint64_t seed, uint64_t first_block)
    int pyt_cuda_reduce(int op, int in_code, int acc_code, int ndim, const int64_t *shape, const int64_t *in_strides, const char *mask, const char *input, char *acc, int64_t *idx, const double *center, double p)
    int pyt_cuda_softmax(int dtype, const void *a, const void *b, void *out, int64_t outer, int64_t n, int64_t inner, int log, int grad)
    int pyt_cuda_norm_forward(int dtype, int64_t outer, int64_t K, int64_t L, int64_t G, int64_t Cg, int64_t S, double eps, double momentum, const void *x, const void *w, const void *b, void *y, void *mean, void *rstd, void *run_mean, void *run_var, int training)
    int pyt_cuda_norm_backward(int dtype, int64_t outer, int64_t K, int64_t L, int64_t G, int64_t Cg, int64_t S, const void *g, const void *x, const void *w, const void *mean, const void *rstd, void *gx, void *gw, void *gb, int64_t n_affine, int training)
    int pyt_cuda_scan(int op, int code, const void *in_, void *out, int64_t *idx, int64_t A, int64_t n, int64_t B)
    int pyt_cuda_rowop(int kind, int code, int descending, int64_t A, int64_t n, int64_t B, int64_t kout, int64_t k, const void *in_, void *vals, int64_t *idx)
    int pyt_cuda_gemm(int dtype, char transa, char transb, int64_t m, int64_t n, int64_t k, double alpha, const void *A, int64_t lda, int64_t stride_a, const void *B, int64_t ldb, int64_t stride_b, double beta, void *C, int64_t ldc, int64_t stride_c, int64_t batch)
    int pyt_cuda_gemm_tf32(int tf32, int dtype, char transa, char transb, int64_t m, int64_t n, int64_t k, double alpha, const void *A, int64_t lda, int64_t stride_a, const void *B, int64_t ldb, int64_t stride_b, double beta, void *C, int64_t ldc, int64_t stride_c, int64_t batch)
    int pyt_cuda_blas_loaded()
    void pyt_cuda_set_allow_tf32(int allow)
    int pyt_cuda_get_allow_tf32()
    void pyt_cuda_set_use_blas(int use)
    int pyt_cuda_blas_try_load(const char *path)
    int pyt_cuda_im2col(int dtype, const void *im, void *col, const int64_t *geom, int64_t batch, int64_t im_stride, int64_t col_stride, int64_t ldcol)
    int pyt_cuda_col2im(int dtype, const void *col, void *im, const int64_t *geom, int64_t batch, int64_t im_stride, int64_t col_stride, int64_t ldcol)
    int pyt_cuda_swap_leading(int dtype, const void *src, void *dst, const void *bias, int64_t A, int64_t B, int64_t L)
    int pyt_cuda_channel_bias(int dtype, void *x, const void *bias, int64_t N, int64_t C, int64_t L)
    int pyt_cuda_pool(int op, int dtype, const void *x, void *y, int64_t *idx, const int64_t *geom)
    int pyt_cuda_pool_scatter(int dtype, const void *src, const int64_t *idx, void *dst, int64_t planes, int64_t src_len, int64_t dst_len, int gather)
    int pyt_cuda_max_unpool(int dtype, const void *src, const int64_t *idx, void *dst, int64_t planes, int64_t src_len, int64_t dst_len, int64_t *bad_value)
    int pyt_cuda_index_offsets(const pyt_cuda_iter *it, int64_t size, int64_t stride, int index_itemsize, int wrap, int add, int64_t *bad_value)
    int pyt_cuda_linear_offsets(const pyt_cuda_iter *it, int ndim, const int64_t *shape, const int64_t *strides, int64_t numel, int64_t *bad_value)
    int pyt_cuda_gather(const pyt_cuda_iter *it, int itemsize)
    int pyt_cuda_scatter(const pyt_cuda_iter *it, int itemsize)
    int pyt_cuda_accumulate(const pyt_cuda_iter *it, int code, int mode, double alpha_f, int64_t alpha_i)
    int pyt_cuda_count_nonzero(const char *data, int64_t numel, int itemsize, int is_float, int64_t *count)
    int pyt_cuda_nonzero(const char *data, int ndim, const int64_t *shape, int itemsize, int is_float, int64_t *out, int64_t count)
    int pyt_cuda_sort_rows(int code, const void *rows, int64_t n, int64_t L, int64_t *perm)
    int pyt_cuda_unique_runs(int code, const void *rows, const int64_t *perm, int64_t n, int64_t L, int64_t *run_of, int64_t *num_runs)
    int pyt_cuda_unique_emit(int code, const void *rows, const int64_t *perm, int64_t n, int64_t L, const int64_t *run_of, int64_t num_runs, void *values, int64_t *counts, int64_t *inverse)
    int pyt_cuda_minmax(int code, const void *data, int64_t n, void *lo_hi)
    int pyt_cuda_bincount(const int64_t *v, int64_t n, const double *weights, void *out, int64_t length)
    int pyt_cuda_histc(int code, const double *x, int64_t n, double lo, double hi, int64_t nbins, int64_t *counts)
    int pyt_cuda_searchsorted(int code, const void *seq, const int64_t *sorter, int64_t n, const void *vals, int64_t m, int64_t rows, int right, int64_t *out)
    int pyt_cuda_mode(int code, int64_t A, int64_t n, int64_t B, const void *sorted_vals, const int64_t *sorted_idx, void *vals, int64_t *idx)
    int pyt_cuda_cross_entropy(int dtype, int reduction, const void *x, const int64_t *target, const void *weight, int64_t N, int64_t C, int64_t S, int64_t ignore_index, void *out, void *stats, void *total_w, int64_t *bad_value)
    int pyt_cuda_cross_entropy_backward(int dtype, int reduction, const void *x, const int64_t *target, const void *weight, const void *stats, const void *total_w, const void *grad, void *gx, int64_t N, int64_t C, int64_t S, int64_t ignore_index)
    int pyt_cuda_pad(int grad, int dtype, const void *x, void *y, int64_t planes, const int64_t *size, const int64_t *out, const int64_t *maps)
    int pyt_cuda_resample(int adjoint, int dtype, const void *x, void *y, int64_t outer, int64_t n_in, int64_t n_out, int64_t inner, int64_t ntaps, const int64_t *idx, const double *w)

# multi-tensor (foreach) updates (foreach.cu)
cdef extern from "pyt_cuda.h" nogil:
    enum:
        PYT_FOREACH_CHUNK, PYT_FOREACH_MAX_LISTS, PYT_FOREACH_NPARAMS
        PYT_FE_ADD, PYT_FE_SUB, PYT_FE_MUL, PYT_FE_DIV, PYT_FE_MAXIMUM, PYT_FE_MINIMUM
        PYT_FE_ADDCMUL, PYT_FE_ADDCDIV, PYT_FE_LERP
        PYT_FE_SQRT, PYT_FE_NEG, PYT_FE_ABS, PYT_FE_SIGN, PYT_FE_EXP, PYT_FE_COPY, PYT_FE_ZERO
        PYT_FE_ADAM, PYT_FE_SGD, PYT_FE_NUM_OPS
    int pyt_cuda_foreach(int op, int dtype, int nlists, int ntensors, char *const *ptrs, const int64_t *numel, const double *s, const double *p)
    int pyt_cuda_lstm_forward(int dtype, void *gates, const void *c_prev, void *c, void *tanh_c, void *h, int64_t batch, int64_t hidden)
    int pyt_cuda_lstm_backward(int dtype, const void *act, const void *tanh_c, const void *c_prev, const void *dh_next, const void *d_out, void *dc, void *d_gates, int64_t batch, int64_t hidden)

# polygamma (pointwise.cu)
cdef extern from "pyt_cuda.h" nogil:
    int pyt_cuda_polygamma(int n, const double *x, double *y, int64_t count)

# cross-entropy's deferred target check (loss.cu)
cdef extern from "pyt_cuda.h" nogil:
    int pyt_cuda_cross_entropy_error(int64_t *bad_value)
