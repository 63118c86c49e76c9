/* pyt_cuda.h for a build without a CUDA toolkit: every call reports that CUDA is not
   built (queries answer "nothing": no devices, not pinned), so pyt imports and runs on
   the CPU, and pyt.cuda.is_available() is False. tests/test_cuda_runtime_host.py checks that every
   function of pyt_cuda.h has its stub here (pyt_alloc_test_*: allocator.cpp, built either way). */
#include <stddef.h>
#include "pyt_cuda.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

const char *pyt_cuda_error_string(int err)
{
    switch (err) {
    case PYT_CUDA_OK: return "no error";
    case PYT_CUDA_ERR_NOT_BUILT: return "pyt was built without CUDA";
    /* the host allocator of the tests (allocator.cpp) reports these without CUDA too */
    case PYT_CUDA_ERR_OOM: return "CUDA out of memory";
    case PYT_CUDA_ERR_INVALID: return "invalid argument to a CUDA call";
    default: return "CUDA error (pyt was built without CUDA)";
    }
}

int pyt_cuda_is_built(void) { return 0; }
int pyt_cuda_device_count(int *count) { *count = 0; return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_get_device(int *device) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_set_device(int device) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_synchronize(void) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_get_properties(int device, pyt_cuda_properties *props) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_mem_get_info(size_t *free_bytes, size_t *total_bytes) { return PYT_CUDA_ERR_NOT_BUILT; }
pyt_cuda_stream pyt_cuda_current_stream(void) { return NULL; }
void pyt_cuda_set_current_stream(pyt_cuda_stream s) { }
int pyt_cuda_stream_create(pyt_cuda_stream *s, int priority) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_stream_destroy(pyt_cuda_stream s) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_stream_query(pyt_cuda_stream s) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_stream_synchronize(pyt_cuda_stream s) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_stream_wait_event(pyt_cuda_stream s, pyt_cuda_event e) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_event_create(pyt_cuda_event *e, int enable_timing, int blocking, int interprocess) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_event_destroy(pyt_cuda_event e) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_event_record(pyt_cuda_event e, pyt_cuda_stream s) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_event_query(pyt_cuda_event e) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_event_synchronize(pyt_cuda_event e) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_event_elapsed_time(float *ms, pyt_cuda_event start, pyt_cuda_event end) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_malloc(void **ptr, size_t nbytes) { return PYT_CUDA_ERR_NOT_BUILT; }
void pyt_cuda_free(void *ptr) { }
const char *pyt_cuda_oom_message(void) { return "pyt was built without CUDA"; }
int pyt_cuda_record_stream(void *ptr, pyt_cuda_stream s) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_empty_cache(void) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_get_memory_stats(int device, pyt_cuda_memory_stats *stats) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_reset_peak_memory_stats(int device) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_host_alloc(void **ptr, size_t nbytes) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_host_free(void *ptr) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_is_pinned(const void *ptr) { (void)ptr; return 0; }
int pyt_cuda_memcpy(void *dst, const void *src, size_t nbytes, int kind, int non_blocking) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_memset(void *dst, int value, size_t nbytes) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_pointwise_supported(int family, int op, int dtype) { return 0; }
int pyt_cuda_pointwise(int family, int op, int dtype, const pyt_cuda_iter *it, const pyt_cuda_math_ctx *ctx) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_copy(const pyt_cuda_iter *it, int dst_dtype, int src_dtype) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_fill(const pyt_cuda_iter *it, int itemsize, uint64_t bits) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_where(const pyt_cuda_iter *it, int itemsize) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_random_fill(const pyt_cuda_random_spec *spec, char *out, int code, int64_t n, uint64_t seed, uint64_t first_block) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_reduce(int op, int in_code, int acc_code, int ndim, const int64_t *shape, const int64_t *in_strides, const char *mask, const char *in, char *acc, int64_t *idx, const double *center, double p) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_softmax(int dtype, const void *a, const void *b, void *out, int64_t outer, int64_t n, int64_t inner, int log, int grad) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_norm_forward(int dtype, int64_t outer, int64_t K, int64_t L, int64_t G, int64_t Cg, int64_t S, double eps, double momentum, const void *x, const void *w, const void *b, void *y, void *mean, void *rstd, void *run_mean, void *run_var, int training) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_norm_backward(int dtype, int64_t outer, int64_t K, int64_t L, int64_t G, int64_t Cg, int64_t S, const void *g, const void *x, const void *w, const void *mean, const void *rstd, void *gx, void *gw, void *gb, int64_t n_affine, int training) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_gemm(int dtype, char transa, char transb, int64_t m, int64_t n, int64_t k, double alpha, const void *A, int64_t lda, int64_t stride_a, const void *B, int64_t ldb, int64_t stride_b, double beta, void *C, int64_t ldc, int64_t stride_c, int64_t batch) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_gemm_tf32(int tf32, int dtype, char transa, char transb, int64_t m, int64_t n, int64_t k, double alpha, const void *A, int64_t lda, int64_t stride_a, const void *B, int64_t ldb, int64_t stride_b, double beta, void *C, int64_t ldc, int64_t stride_c, int64_t batch) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_blas_loaded(void) { return 0; }
int pyt_cuda_blas_try_load(const char *path) { return 0; }
/* the flag is kept, so pyt.backends.cuda.matmul.allow_tf32 reads back what was set */
static int allow_tf32 = 0;
void pyt_cuda_set_allow_tf32(int allow) { allow_tf32 = allow != 0; }
int pyt_cuda_get_allow_tf32(void) { return allow_tf32; }
void pyt_cuda_set_use_blas(int use) { }
int pyt_cuda_index_offsets(const pyt_cuda_iter *it, int64_t size, int64_t stride, int index_itemsize, int wrap, int add, int64_t *bad_value) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_linear_offsets(const pyt_cuda_iter *it, int ndim, const int64_t *shape, const int64_t *strides, int64_t numel, int64_t *bad_value) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_gather(const pyt_cuda_iter *it, int itemsize) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_scatter(const pyt_cuda_iter *it, int itemsize) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_accumulate(const pyt_cuda_iter *it, int code, int mode, double alpha_f, int64_t alpha_i) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_count_nonzero(const char *data, int64_t numel, int itemsize, int is_float, int64_t *count) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_nonzero(const char *data, int ndim, const int64_t *shape, int itemsize, int is_float, int64_t *out, int64_t count) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_im2col(int dtype, const void *im, void *col, const int64_t *geom, int64_t batch, int64_t im_stride, int64_t col_stride, int64_t ldcol) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_col2im(int dtype, const void *col, void *im, const int64_t *geom, int64_t batch, int64_t im_stride, int64_t col_stride, int64_t ldcol) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_swap_leading(int dtype, const void *src, void *dst, const void *bias, int64_t A, int64_t B, int64_t L) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_channel_bias(int dtype, void *x, const void *bias, int64_t N, int64_t C, int64_t L) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_pool(int op, int dtype, const void *x, void *y, int64_t *idx, const int64_t *geom) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_pool_scatter(int dtype, const void *src, const int64_t *idx, void *dst, int64_t planes, int64_t src_len, int64_t dst_len, int gather) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_scan(int op, int code, const void *in, void *out, int64_t *idx, int64_t A,
                  int64_t n, int64_t B) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_rowop(int kind, int code, int descending, int64_t A, int64_t n, int64_t B,
                   int64_t kout, int64_t k, const void *in, void *vals, int64_t *idx) { return PYT_CUDA_ERR_NOT_BUILT; }

/* unique_search.cu */
int pyt_cuda_sort_rows(int code, const void *rows, int64_t n, int64_t L, int64_t *perm) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_unique_runs(int code, const void *rows, const int64_t *perm, int64_t n, int64_t L, int64_t *run_of, int64_t *num_runs) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_unique_emit(int code, const void *rows, const int64_t *perm, int64_t n, int64_t L, const int64_t *run_of, int64_t num_runs, void *values, int64_t *counts, int64_t *inverse) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_minmax(int code, const void *data, int64_t n, void *lo_hi) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_bincount(const int64_t *v, int64_t n, const double *weights, void *out, int64_t length) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_histc(int code, const double *x, int64_t n, double lo, double hi, int64_t nbins, int64_t *counts) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_searchsorted(int code, const void *seq, const int64_t *sorter, int64_t n, const void *vals, int64_t m, int64_t rows, int right, int64_t *out) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_mode(int code, int64_t A, int64_t n, int64_t B, const void *sorted_vals, const int64_t *sorted_idx, void *vals, int64_t *idx) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_cross_entropy(int dtype, int reduction, const void *x, const int64_t *target, const void *weight, int64_t N, int64_t C, int64_t S, int64_t ignore_index, void *out, void *stats, void *total_w, int64_t *bad_value) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_cross_entropy_backward(int dtype, int reduction, const void *x, const int64_t *target, const void *weight, const void *stats, const void *total_w, const void *grad, void *gx, int64_t N, int64_t C, int64_t S, int64_t ignore_index) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_pad(int grad, int dtype, const void *x, void *y, int64_t planes, const int64_t *size, const int64_t *out, const int64_t *maps) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_resample(int adjoint, int dtype, const void *x, void *y, int64_t outer, int64_t n_in, int64_t n_out, int64_t inner, int64_t ntaps, const int64_t *idx, const double *w) { return PYT_CUDA_ERR_NOT_BUILT; }
/* multi-tensor (foreach) updates */
int pyt_cuda_foreach(int op, int dtype, int nlists, int ntensors, char *const *ptrs,
                     const int64_t *numel, const double *s, const double *p) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_lstm_forward(int dtype, void *gates, const void *c_prev, void *c, void *tanh_c, void *h, int64_t batch, int64_t hidden) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_lstm_backward(int dtype, const void *act, const void *tanh_c, const void *c_prev, const void *dh_next, const void *d_out, void *dc, void *d_gates, int64_t batch, int64_t hidden) { return PYT_CUDA_ERR_NOT_BUILT; }
/* max_unpool */
int pyt_cuda_max_unpool(int dtype, const void *src, const int64_t *idx, void *dst, int64_t planes, int64_t src_len, int64_t dst_len, int64_t *bad_value) { return PYT_CUDA_ERR_NOT_BUILT; }
/* polygamma */
int pyt_cuda_polygamma(int n, const double *x, double *y, int64_t count) { return PYT_CUDA_ERR_NOT_BUILT; }
int pyt_cuda_cross_entropy_error(int64_t *bad_value) { return PYT_CUDA_ERR_NOT_BUILT; }
