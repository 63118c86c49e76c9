/* pyt's CUDA backend: the one C API the Cython side calls.

   Everything here is plain C. The implementation lives in cuda_src/ and is built by
   setup.py into pyt/_ext/libpyt_cuda.so: with nvcc from the .cu files (the CUDA runtime
   linked statically, so the library loads on a machine with no GPU or driver), or, when
   no CUDA toolkit is there, from stub.c, where every call answers PYT_CUDA_ERR_NOT_BUILT.
   The caching allocator's bookkeeping (allocator.cpp) is plain C++ built either way; its
   host-memory backend lets the tests exercise it without a GPU.

   Conventions
   - Every call returns 0 on success, a cudaError_t (> 0), or one of pyt's codes (< 0)
     below; pyt_cuda_error_string() names any of them.
   - Work runs on the calling thread's current device and current stream (set with
     pyt_cuda_set_device / pyt_cuda_set_current_stream); kernels are launched
     asynchronously and checked with cudaGetLastError right after the launch.
   - Dtype codes are pyt's (PYT_BOOL .. PYT_FLOAT64 of pyt_dtypes.h); half and bfloat16
     are stored as their 16-bit patterns, as on the CPU.
   - Strides are in bytes. Pointers into tensors are device pointers unless a comment
     says "host". */
#ifndef PYT_CUDA_H
#define PYT_CUDA_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors -------------------------------------------------------------------- */

enum {
    PYT_CUDA_OK = 0,
    PYT_CUDA_ERR_NOT_BUILT = -1,      /* this pyt was built without CUDA */
    PYT_CUDA_ERR_OOM = -2,            /* the caching allocator could not get the memory */
    PYT_CUDA_ERR_UNSUPPORTED = -3,    /* no CUDA kernel for this op / dtype */
    PYT_CUDA_ERR_TOO_MANY_DIMS = -4,  /* more than PYT_CUDA_MAX_DIMS after coalescing */
    PYT_CUDA_ERR_INDEX = -5,          /* an index out of range; *bad_value says which */
    PYT_CUDA_ERR_INVALID = -6,        /* a bad argument (a bug on the Cython side) */
    PYT_CUDA_ERR_NOT_READY = -7       /* query: the work is still running */
};

const char *pyt_cuda_error_string(int err);
int pyt_cuda_is_built(void);          /* 1 when compiled with nvcc, 0 for the stub */

/* ---- devices ------------------------------------------------------------------- */

int pyt_cuda_device_count(int *count);   /* *count = 0 (and the error) without a driver */
int pyt_cuda_get_device(int *device);
int pyt_cuda_set_device(int device);
int pyt_cuda_synchronize(void);          /* waits for all work on the current device */

typedef struct {
    char name[256];
    size_t total_memory;
    int major, minor;
    int multi_processor_count;
} pyt_cuda_properties;

int pyt_cuda_get_properties(int device, pyt_cuda_properties *props);
int pyt_cuda_mem_get_info(size_t *free_bytes, size_t *total_bytes);

/* ---- streams and events (opaque handles; NULL is the default stream) ------------ */

typedef void *pyt_cuda_stream;
typedef void *pyt_cuda_event;

pyt_cuda_stream pyt_cuda_current_stream(void);        /* this thread's, current device */
void pyt_cuda_set_current_stream(pyt_cuda_stream s);
int pyt_cuda_stream_create(pyt_cuda_stream *s, int priority);
int pyt_cuda_stream_destroy(pyt_cuda_stream s);
int pyt_cuda_stream_query(pyt_cuda_stream s);          /* 0 done, PYT_CUDA_ERR_NOT_READY */
int pyt_cuda_stream_synchronize(pyt_cuda_stream s);
int pyt_cuda_stream_wait_event(pyt_cuda_stream s, pyt_cuda_event e);

int pyt_cuda_event_create(pyt_cuda_event *e, int enable_timing, int blocking, int interprocess);
int pyt_cuda_event_destroy(pyt_cuda_event e);
int pyt_cuda_event_record(pyt_cuda_event e, pyt_cuda_stream s);
int pyt_cuda_event_query(pyt_cuda_event e);            /* 0 done, PYT_CUDA_ERR_NOT_READY */
int pyt_cuda_event_synchronize(pyt_cuda_event e);
int pyt_cuda_event_elapsed_time(float *ms, pyt_cuda_event start, pyt_cuda_event end);

/* ---- memory -------------------------------------------------------------------- */

/* The caching allocator, on the current device, for use on the current stream.
   nbytes 0 gives NULL and success. On failure (after freeing cached blocks and retrying)
   PYT_CUDA_ERR_OOM; pyt_cuda_oom_message() then describes it as torch does. */
int pyt_cuda_malloc(void **ptr, size_t nbytes);
void pyt_cuda_free(void *ptr);
const char *pyt_cuda_oom_message(void);
/* ptr (a block of the allocator) is used on stream s too: its reuse waits for s. */
int pyt_cuda_record_stream(void *ptr, pyt_cuda_stream s);
int pyt_cuda_empty_cache(void);

typedef struct {
    int64_t allocated, max_allocated;         /* bytes in blocks handed out */
    int64_t reserved, max_reserved;           /* bytes in segments got from the device */
    int64_t active_blocks, segments;
    int64_t num_device_allocs, num_device_frees;
    int64_t num_alloc_retries, num_ooms;
    int64_t requested, max_requested;         /* bytes asked for, before rounding */
    int64_t inactive_split, inactive_split_bytes;   /* free parts of segments in use */
    int64_t allocated_total, freed_total;   /* bytes handed out / given back, ever */
    int64_t num_allocs, num_frees;          /* blocks handed out / given back, ever */
    int64_t max_active_blocks, max_segments;
} pyt_cuda_memory_stats;

int pyt_cuda_get_memory_stats(int device, pyt_cuda_memory_stats *stats);
int pyt_cuda_reset_peak_memory_stats(int device);

/* Page-locked host memory (Tensor.pin_memory) and copies. */
int pyt_cuda_host_alloc(void **ptr, size_t nbytes);
int pyt_cuda_host_free(void *ptr);
int pyt_cuda_is_pinned(const void *ptr);               /* 1 or 0 */

enum { PYT_CUDA_H2D = 1, PYT_CUDA_D2H = 2, PYT_CUDA_D2D = 3 };
/* On the current stream; waits for the copy unless non_blocking. */
int pyt_cuda_memcpy(void *dst, const void *src, size_t nbytes, int kind, int non_blocking);
int pyt_cuda_memset(void *dst, int value, size_t nbytes);

/* The caching allocator over host memory, for tests on machines without a GPU: the same
   bookkeeping, with malloc behind it and a capacity that plays the device's memory.
   Streams are plain integers here; pyt_alloc_test_free takes effect at once. */
typedef struct pyt_alloc_test pyt_alloc_test;
pyt_alloc_test *pyt_alloc_test_new(size_t capacity);
void pyt_alloc_test_delete(pyt_alloc_test *a);
int pyt_alloc_test_malloc(pyt_alloc_test *a, void **ptr, size_t nbytes, uintptr_t stream);
void pyt_alloc_test_free(pyt_alloc_test *a, void *ptr);
int pyt_alloc_test_empty_cache(pyt_alloc_test *a);
int pyt_alloc_test_stats(pyt_alloc_test *a, pyt_cuda_memory_stats *stats);
int pyt_alloc_test_reset_peak(pyt_alloc_test *a);
const char *pyt_alloc_test_oom_message(pyt_alloc_test *a);
/* the segment and block sizes the allocator holds, for checking splits and merges:
   writes up to max (segment_size, block_size, state) triples in address order, state 0
   free, 1 allocated, 2 freed but waiting for other streams' events; returns the count */
int pyt_alloc_test_blocks(pyt_alloc_test *a, int64_t *out, int max);
/* record_stream: ptr is used on `stream` too. Events recorded on a stream complete at
   once, unless held (hold 1): then they stay pending until complete_events(stream)
   completes those recorded on that stream (it returns how many). */
int pyt_alloc_test_record_stream(pyt_alloc_test *a, void *ptr, uintptr_t stream);
void pyt_alloc_test_hold_events(pyt_alloc_test *a, int hold);
int pyt_alloc_test_complete_events(pyt_alloc_test *a, uintptr_t stream);

/* ---- the strided iteration every elementwise kernel runs on ---------------------- */

#define PYT_CUDA_MAX_DIMS 16
#define PYT_CUDA_MAX_OPERANDS 4

/* Operand 0 is the output. Dims are coalesced as on the CPU (pyt_loop.h): size-1 dims
   dropped, dims contiguous in every operand merged, innermost last. An operand whose
   base is NULL is a scalar: every element reads `scalar[k]`, the raw bits of one value
   of that operand's dtype (a CPU 0-d tensor or a Python number in a CUDA op). */
typedef struct {
    int nops, ndim;
    int64_t numel;
    int64_t shape[PYT_CUDA_MAX_DIMS];
    int64_t strides[PYT_CUDA_MAX_OPERANDS][PYT_CUDA_MAX_DIMS];
    char *base[PYT_CUDA_MAX_OPERANDS];
    uint64_t scalar[PYT_CUDA_MAX_OPERANDS];
} pyt_cuda_iter;

/* Fills it from ndim-dim shapes and nops rows of ndim byte strides (the layout of
   pyt_iter_init). Returns 0, or PYT_CUDA_ERR_TOO_MANY_DIMS (then make the operands
   contiguous and call again). */
static inline int pyt_cuda_iter_init(pyt_cuda_iter *it, int nops, int ndim,
                                     const int64_t *shape, char *const *base,
                                     const uint64_t *scalar, const int64_t *strides)
{
    int64_t sh[64], st[PYT_CUDA_MAX_OPERANDS][64];
    int d, k, nd = 0, out = 0;
    if (nops < 1 || nops > PYT_CUDA_MAX_OPERANDS || ndim < 0 || ndim > 64)
        return PYT_CUDA_ERR_INVALID;
    it->nops = nops;
    it->numel = 1;
    for (k = 0; k < PYT_CUDA_MAX_OPERANDS; k++) {
        it->base[k] = k < nops ? base[k] : 0;
        it->scalar[k] = (k < nops && scalar) ? scalar[k] : 0;
    }
    for (d = 0; d < ndim; d++) it->numel *= shape[d];
    for (d = 0; d < ndim; d++) {                 /* drop size-1 dims */
        if (shape[d] == 1) continue;
        sh[nd] = shape[d];
        for (k = 0; k < nops; k++) st[k][nd] = it->base[k] ? strides[k * ndim + d] : 0;
        nd++;
    }
    for (d = 0; d < nd; d++) {                   /* merge dims contiguous in every operand */
        if (out > 0) {
            int mergeable = 1;
            for (k = 0; k < nops; k++)
                if (st[k][out - 1] != st[k][d] * sh[d]) { mergeable = 0; break; }
            if (mergeable) {
                sh[out - 1] *= sh[d];
                for (k = 0; k < nops; k++) st[k][out - 1] = st[k][d];
                continue;
            }
        }
        sh[out] = sh[d];
        for (k = 0; k < nops; k++) st[k][out] = st[k][d];
        out++;
    }
    if (out > PYT_CUDA_MAX_DIMS) return PYT_CUDA_ERR_TOO_MANY_DIMS;
    if (out == 0) {                              /* a single element */
        sh[0] = 1;
        for (k = 0; k < nops; k++) st[k][0] = 0;
        out = 1;
    }
    it->ndim = out;
    for (d = 0; d < out; d++) {
        it->shape[d] = sh[d];
        for (k = 0; k < nops; k++) it->strides[k][d] = st[k][d];
    }
    for (k = nops; k < PYT_CUDA_MAX_OPERANDS; k++)
        for (d = 0; d < out; d++) it->strides[k][d] = 0;
    return 0;
}

/* ---- pointwise kernels (pointwise.cu) ------------------------------------------- */

/* The op families and op codes are the CPU's: PYT_OP_* / PYT_CMP_* of pyt_binary.h,
   PYT_UN_* / PYT_BI_* / PYT_TER_* of pyt_math.h, with the same results element for
   element (same formulas, half and bfloat16 computed in float). dtype is the dtype the
   op computes in: every input has it; the output has it too, except that CMP, the unary
   ops from PYT_UN_ISNAN on, and the binary ops that give bool on the CPU write bool. */
enum {
    PYT_CUDA_ARITH = 0,       /* pyt_arith_table: add .. fmod */
    PYT_CUDA_CMP = 1,         /* pyt_cmp_table: eq .. ge */
    PYT_CUDA_UNARY = 2,       /* pyt_unary_table */
    PYT_CUDA_MATH_BINARY = 3, /* pyt_math_binary_table */
    PYT_CUDA_TERNARY = 4      /* pyt_ternary_table */
};

/* the op's scalar parameters: the layout of pyt_math.h's pyt_math_ctx */
typedef struct { double d[3]; int64_t i[2]; } pyt_cuda_math_ctx;

/* 1 when (family, op, dtype) has a kernel (the CPU table entry is not NULL) */
int pyt_cuda_pointwise_supported(int family, int op, int dtype);
int pyt_cuda_pointwise(int family, int op, int dtype, const pyt_cuda_iter *it,
                       const pyt_cuda_math_ctx *ctx);

/* dst = src converted from src_dtype to dst_dtype, with the CPU's conversions
   (pyt_cast.h): operands [dst, src]; any strides, broadcast src (stride 0) included. */
int pyt_cuda_copy(const pyt_cuda_iter *it, int dst_dtype, int src_dtype);
/* every element of operand 0 = bits (raw bits of one value of an itemsize-byte dtype) */
int pyt_cuda_fill(const pyt_cuda_iter *it, int itemsize, uint64_t bits);
/* operands [dst, condition (bool or uint8), x, y]: dst = condition ? x : y */
int pyt_cuda_where(const pyt_cuda_iter *it, int itemsize);

/* ---- random numbers (random.cu): the CPU's Philox streams, value for value -------- */

/* kinds: philox.pxd's RandomKind (UNIFORM = 0 .. POISSON = 8) */
typedef struct {
    int kind;
    double a, b;
    const double *a_each;     /* device: per-value a (n values, logical order), or NULL */
    const double *b_each;     /* device: per-value b, or NULL */
    int64_t low;              /* INTEGER */
    uint64_t range;           /* INTEGER */
} pyt_cuda_random_spec;

/* out: n contiguous values of dtype `code`, value i drawn exactly as philox.pyx's fill()
   draws it (same blocks, same maps, same casts). */
int pyt_cuda_random_fill(const pyt_cuda_random_spec *spec, char *out, int code, int64_t n,
                         uint64_t seed, uint64_t first_block);

/* ---- reductions (reduce.cu) ------------------------------------------------------ */

/* The CPU reduction engine's contract (pyt_reduce.h): op is a PYT_RED_* code, in_code the
   input dtype, acc_code = pyt_red_acc_code(op, in_code) the accumulator dtype. The input
   has ndim dims of byte strides in_strides; mask[d] != 0 marks a reduced dim. acc is a
   contiguous tensor of the kept dims (in order) receiving the reduced values; idx, when
   not NULL, the int64 positions (within the reduced dims, row-major) of ARGMAX / ARGMIN /
   MAX / MIN winners, first occurrence on ties, NaN winning as on the CPU. center (SQDEV,
   EXPSUM): a contiguous float64 tensor of acc's shape; p: POWSUM's exponent. */
int pyt_cuda_reduce(int op, int in_code, int acc_code, int ndim, const int64_t *shape,
                    const int64_t *in_strides, const char *mask, const char *input,
                    char *acc, int64_t *idx, const double *center, double p);

/* ---- softmax (softmax.cu): pyt_softmax.h's contract on the GPU --------------------- */

/* Contiguous [outer, n, inner] tensors of dtype (float16, bfloat16, float32, float64).
   grad = 0: out = softmax(a) (log: log_softmax) along the middle dim; b unused.
   grad = 1: a is the forward output, b the incoming gradient, out the input gradient. */
int pyt_cuda_softmax(int dtype, const void *a, const void *b, void *out, int64_t outer,
                     int64_t n, int64_t inner, int log, int grad);

/* ---- normalisation (norm.cu): nn_normalization.pxi's batch / layer / group norm ---- */

/* x: contiguous [outer, K, L] of dtype float32 or float64 (half types are converted by the
   caller); statistic k covers x[:, k, :] (M = outer * L values) and the affine parameter
   of (k, l) is a = (k % G) * Cg + l / S (batch norm [N, C, L]: G = C, Cg = 1, S = L;
   layer norm [1, rows, n]: G = 1, Cg = n, S = 1; group norm [1, N * G, Cg * HxW]:
   Cg = C / G, S = HxW). w, b: NULL or the affine parameters.
   Forward, training: mean[k], rstd[k] = 1 / sqrt(biased var + eps) (two-pass, in double),
   written when not NULL; run_mean / run_var (NULL: none) become (1 - momentum) * old +
   momentum * (mean, unbiased var). Eval (training 0): run_mean and run_var are the
   statistics (rs = 1 / sqrt(run_var + eps)); mean and rstd unused.
   y = (x - mean) * rstd * w[a] + b[a] with the CPU's rounding. */
int pyt_cuda_norm_forward(int dtype, int64_t outer, int64_t K, int64_t L, int64_t G,
                          int64_t Cg, int64_t S, double eps, double momentum, const void *x,
                          const void *w, const void *b, void *y, void *mean, void *rstd,
                          void *run_mean, void *run_var, int training);
/* Backward from the statistics used (mean, rstd: K values each). gx (NULL: not wanted):
   training: rstd * (gw - mean(gw) - xhat * mean(gw * xhat)) with gw = g * w[a]; eval:
   g * w[a] * rstd. gw[a] = sum g * xhat, gb[a] = sum g over the n_affine parameters
   (either NULL: not wanted). */
int pyt_cuda_norm_backward(int dtype, int64_t outer, int64_t K, int64_t L, int64_t G,
                           int64_t Cg, int64_t S, const void *g, const void *x, const void *w,
                           const void *mean, const void *rstd, void *gx, void *gw, void *gb,
                           int64_t n_affine, int training);

/* ---- matrix products (gemm.cu) --------------------------------------------------- */

/* Column-major C[i] = alpha * op(A[i]) @ op(B[i]) + beta * C[i] for i < batch, as cuBLAS's
   gemmStridedBatched (trans 'N' or 'T'; strides in elements). float16 and bfloat16
   accumulate in float32. cuBLAS when it loads (dlopen at first use), else pyt's own tiled
   kernel; integer dtypes are PYT_CUDA_ERR_UNSUPPORTED, as in torch. */
int pyt_cuda_gemm(int dtype, char transa, char transb, int64_t m, int64_t n, int64_t k,
                  double alpha, const void *A, int64_t lda, int64_t stride_a,
                  const void *B, int64_t ldb, int64_t stride_b, double beta,
                  void *C, int64_t ldc, int64_t stride_c, int64_t batch);
/* pyt_cuda_gemm with TensorFloat-32 for float32 chosen by the caller (tf32 != 0) instead
   of by matmul.allow_tf32: convolutions follow backends.cudnn.allow_tf32, as torch's do. */
int pyt_cuda_gemm_tf32(int tf32, int dtype, char transa, char transb, int64_t m, int64_t n,
                       int64_t k, double alpha, const void *A, int64_t lda, int64_t stride_a,
                       const void *B, int64_t ldb, int64_t stride_b, double beta, void *C,
                       int64_t ldc, int64_t stride_c, int64_t batch);
int pyt_cuda_blas_loaded(void);            /* 1 once cuBLAS is loaded (tries the defaults) */
void pyt_cuda_set_allow_tf32(int allow);   /* torch.backends.cuda.matmul.allow_tf32 */
int pyt_cuda_get_allow_tf32(void);
void pyt_cuda_set_use_blas(int use);       /* 0: always the tiled kernel (tests) */
/* Opens cuBLAS from path (a full path, e.g. site-packages/nvidia/cublas/lib/libcublas.so.13,
   which C cannot find by itself); 1 when cuBLAS is loaded (now or before), 0 when that
   path does not give it. NULL tries the defaults: $PYT_CUBLAS_PATH, then libcublas.so.13,
   .so.12 and .so on the loader's path (also tried, once, at the first pyt_cuda_gemm and by
   pyt_cuda_blas_loaded). The Cython side may call it with candidates before first use. */
int pyt_cuda_blas_try_load(const char *path);

/* ---- convolution (conv.cu): im2col.cuh's data movement, batched ------------------- */

/* geom: 19 int64, pyt_im2col_geom's channels, size[3], out[3], k[3], stride[3], pad[3],
   dil[3] (host memory). For b < batch, image b starts at im + b * im_stride and its column
   matrix (rows (channel, k0, k1, k2), row r at r * ldcol) at col + b * col_stride, strides
   in elements; float32 and float64 (others: PYT_CUDA_ERR_UNSUPPORTED).
   im2col writes every column entry (padding reads as 0). col2im OVERWRITES every image
   element with the sum of the column entries that came from it (no fill needed). */
int pyt_cuda_im2col(int dtype, const void *im, void *col, const int64_t *geom, int64_t batch,
                    int64_t im_stride, int64_t col_stride, int64_t ldcol);
int pyt_cuda_col2im(int dtype, const void *col, void *im, const int64_t *geom, int64_t batch,
                    int64_t im_stride, int64_t col_stride, int64_t ldcol);
/* contiguous [A, B, L] src to [B, A, L] dst: dst[b, a, l] = src[a, b, l] (+ bias[a] when
   bias is not NULL; float32, float64): the products' [channel][sample][L] to and from
   the tensors' [sample][channel][L] */
int pyt_cuda_swap_leading(int dtype, const void *src, void *dst, const void *bias, int64_t A,
                          int64_t B, int64_t L);
/* contiguous [N, C, L] x: x[n, c, l] += bias[c] (float32, float64) */
int pyt_cuda_channel_bias(int dtype, void *x, const void *bias, int64_t N, int64_t C, int64_t L);

/* ---- pooling (pool.cu): nn_pooling.pxi's plane kernels ----------------------------- */

/* geom: 21 int64, PoolGeom's planes, size[3], out[3], k[3], stride[3], pad[3], dil[3],
   count_include_pad, divisor (0: none) (host memory). Contiguous float32 / float64; ops 0
   and 1 also int64, int32, int16, int8, uint8 (avg: an int64 sum, C's truncating division).
   op 0 max (idx: int64 within-plane positions or NULL), 1 avg, 3 adaptive max (idx
   required), 4 adaptive avg: x [planes, size] -> y [planes, out]. op 2 avg gradient,
   5 adaptive avg gradient: x the output gradient [planes, out], y the input gradient
   [planes, size], which must hold zeros (atomics add into it). */
int pyt_cuda_pool(int op, int dtype, const void *x, void *y, int64_t *idx, const int64_t *geom);
/* gather 0: dst[p * dst_len + idx[p * src_len + i]] += src[p * src_len + i] (dst zeroed);
   gather 1: dst[p * dst_len + i] = src[p * src_len + idx[p * dst_len + i]]. idx checked. */
int pyt_cuda_pool_scatter(int dtype, const void *src, const int64_t *idx, void *dst,
                          int64_t planes, int64_t src_len, int64_t dst_len, int gather);

/* ---- index kernels (index.cu): index_kernels.pxd's loops on the GPU ---------------- */

/* operands [int64 byte offsets (out), index (int32 or int64)]: offsets (+)= index * stride,
   each index checked against size (-size <= i < 0 accepted when wrap). On a bad index:
   PYT_CUDA_ERR_INDEX and *bad_value (host) = one offending index. Synchronises. */
int pyt_cuda_index_offsets(const pyt_cuda_iter *it, int64_t size, int64_t stride,
                           int index_itemsize, int wrap, int add, int64_t *bad_value);
/* operands [int64 byte offsets (out), int64 linear index]: a linear index (wrapped when
   negative, checked against numel) into a strided tensor of ndim dims */
int pyt_cuda_linear_offsets(const pyt_cuda_iter *it, int ndim, const int64_t *shape,
                            const int64_t *strides, int64_t numel, int64_t *bad_value);
/* operands [dst, src, offsets]: dst = *(src + offset) */
int pyt_cuda_gather(const pyt_cuda_iter *it, int itemsize);
/* operands [dst, src, offsets]: *(dst + offset) = src */
int pyt_cuda_scatter(const pyt_cuda_iter *it, int itemsize);
/* operands [dst, src, offsets]: *(dst + offset) += alpha * src (mode 0) or *= src (mode 1),
   atomically, so repeated offsets accumulate */
int pyt_cuda_accumulate(const pyt_cuda_iter *it, int code, int mode, double alpha_f,
                        int64_t alpha_i);
/* contiguous input of numel elements: *count (host) = how many are nonzero (floats:
   -0.0 is zero). Synchronises. */
int pyt_cuda_count_nonzero(const char *data, int64_t numel, int itemsize, int is_float,
                           int64_t *count);
/* the coordinates of the nonzero elements of a contiguous tensor (row-major order) into
   out: count rows of ndim int64 each */
int pyt_cuda_nonzero(const char *data, int ndim, const int64_t *shape, int itemsize,
                     int is_float, int64_t *out, int64_t count);

/* ---- scans (scan.cu): pyt_scan.h's contract on the GPU ------------------------------ */

/* Contiguous [A, n, B] input and output of dtype code (PYT_INT64, PYT_FLOAT32 or
   PYT_FLOAT64: the Cython side converts first, as for the CPU), scanned along n. op: a
   PYT_SCAN_* code (SUM, PROD, MAX, MIN, LOGSUMEXP; LOGSUMEXP not for int64). idx (MAX /
   MIN only): int64 [A, n, B], the position of each running extreme, a later equal value
   or any NaN taking over, as on the CPU. Running values in int64 (wrapping) or double. */
int pyt_cuda_scan(int op, int code, const void *in, void *out, int64_t *idx, int64_t A,
                  int64_t n, int64_t B);

/* ---- sorting and selection (sort.cu): pyt_sort.h's row ops on the GPU --------------- */

/* pyt_rowop's contract: kind PYT_ROW_SORT, TOPK, KTH, MEDIAN or NANMEDIAN (MODE:
   PYT_CUDA_ERR_UNSUPPORTED); a contiguous [A, n, B] input of any dtype code, rows along
   n; vals (input dtype) and idx (int64) contiguous [A, kout, B]. Same picks as the CPU:
   (key, index) pairs sorted stably, NaN largest, descending for SORT / TOPK. */
int pyt_cuda_rowop(int kind, int code, int descending, int64_t A, int64_t n, int64_t B,
                   int64_t kout, int64_t k, const void *in, void *vals, int64_t *idx);

/* ---- unique, bins, binary search, mode (unique_search.cu) ------------------------- */

/* unique works on n contiguous rows of L elements of dtype code (L = 1: single values),
   compared as pyt_sort.h's keys (torch's order; -0.0 equals 0.0; NaN largest).
   sort_rows: perm (n int64) = 0..n-1 stably sorted by their rows, lexicographically
   (pyt_sort_rows' order). */
int pyt_cuda_sort_rows(int code, const void *rows, int64_t n, int64_t L, int64_t *perm);
/* The runs of the rows taken in the order perm (n int64, or NULL: 0..n-1): run_of (n
   int64) = the run (from 0) each position belongs to, a run being a stretch of equal
   rows where a row holding a NaN stands alone; *num_runs (host) = how many runs.
   Synchronises. At most INT_MAX rows (more: PYT_CUDA_ERR_UNSUPPORTED). */
int pyt_cuda_unique_runs(int code, const void *rows, const int64_t *perm, int64_t n,
                         int64_t L, int64_t *run_of, int64_t *num_runs);
/* From those runs (each optional, NULL: not wanted): values (num_runs rows of L) = the
   first row of each run; counts (num_runs int64) = each run's length; inverse (n int64):
   inverse[perm[r]] = run_of[r]. */
int pyt_cuda_unique_emit(int code, const void *rows, const int64_t *perm, int64_t n,
                         int64_t L, const int64_t *run_of, int64_t num_runs, void *values,
                         int64_t *counts, int64_t *inverse);
/* lo_hi (host: 2 values of dtype code, PYT_INT64 or PYT_FLOAT64) = the smallest and the
   largest of n > 0 contiguous values; a NaN makes hi NaN. Synchronises. */
int pyt_cuda_minmax(int code, const void *data, int64_t n, void *lo_hi);
/* bincount: for each of the n int64 values v[i] (the caller checked 0 <= v[i] < length):
   out[v[i]] += 1 (weights NULL: out int64) or += weights[i] (float64), atomically; out
   holds zeros on entry. */
int pyt_cuda_bincount(const int64_t *v, int64_t n, const double *weights, void *out,
                      int64_t length);
/* histc: counts (nbins int64, zeroed) += 1 for each of the n float64 values in [lo, hi]
   (lo < hi, finite, of the input's float type code), into bin (v - lo) * nbins / (hi - lo)
   computed in that type as torch does, the last bin closed. */
int pyt_cuda_histc(int code, const double *x, int64_t n, double lo, double hi, int64_t nbins,
                   int64_t *counts);
/* searchsorted: rows of n sorted values (seq, dtype code; sorter NULL or n int64 per
   row, each in [0, n)) and rows of m values (vals, the same dtype), all contiguous:
   out[r * m + j] = where vals[r * m + j] goes into row r, pyt_sort.h's pyt_search_*
   comparisons (the first value >= it; > it when right). */
int pyt_cuda_searchsorted(int code, const void *seq, const int64_t *sorter, int64_t n,
                          const void *vals, int64_t m, int64_t rows, int right,
                          int64_t *out);
/* mode: sorted_vals (dtype code) and sorted_idx, contiguous [A, n, B], as pyt_cuda_rowop
   (PYT_ROW_SORT, ascending) leaves them; vals / idx [A, 1, B] = PYT_ROW_MODE's pick: the
   longest run of equal keys (every NaN alone), the first of the longest, its last index. */
int pyt_cuda_mode(int code, int64_t A, int64_t n, int64_t B, const void *sorted_vals,
                  const int64_t *sorted_idx, void *vals, int64_t *idx);

/* ---- fused cross-entropy (loss.cu): F.cross_entropy with class-index targets ------- */

/* x: contiguous [N, C, S] logits of dtype (float16, bfloat16, float32, float64); target:
   contiguous int64 [N, S]; weight: NULL or C values of the compute dtype (float32 for the
   half types, else dtype). Row r = n * S + s. Computed in the compute dtype:
   stats[2r], stats[2r + 1] = the row's max m and ls = log(sum exp(x - m)) (compute dtype,
   kept for the backward); loss_r = w[t] * (ls - (x[t] - m)), 0 when t == ignore_index.
   reduction 0 (none): out = loss_r, N * S values of dtype; 1 (mean) / 2 (sum): out is one
   value of dtype, sum loss_r (mean: / sum of w[t] over the rows not ignored), and
   total_w (one value, compute dtype) that sum of weights. A target outside [0, C) other
   than ignore_index reads nothing (its row's loss is 0) and is reported later, without a
   synchronisation here: the call's first such target (row order) is kept on the host
   (mapped memory) once the GPU has run the call, and the next pyt_cuda_cross_entropy, or
   pyt_cuda_cross_entropy_error, returns PYT_CUDA_ERR_INDEX with *bad_value (host) = that
   target, doing nothing else (the first unreported one is kept; each is reported once).
   Where host memory cannot be mapped, the call reads its flag back (synchronises) and
   reports its own bad target at once. */
int pyt_cuda_cross_entropy(int dtype, int reduction, const void *x, const int64_t *target,
                           const void *weight, int64_t N, int64_t C, int64_t S,
                           int64_t ignore_index, void *out, void *stats, void *total_w,
                           int64_t *bad_value);
/* gx [N, C, S] of dtype = (exp((x - m) - ls) - (c == t)) * w[t] * g_r, 0 on ignored rows,
   from the forward's stats (and total_w for mean); g_r = grad[r] (none: N * S values of
   dtype), grad[0] (sum), grad[0] / total_w (mean). */
int pyt_cuda_cross_entropy_backward(int dtype, int reduction, const void *x,
                                    const int64_t *target, const void *weight,
                                    const void *stats, const void *total_w, const void *grad,
                                    void *gx, int64_t N, int64_t C, int64_t S,
                                    int64_t ignore_index);

/* ---- pad and interpolate (resample.cu): nn_padding.pxi / nn_interpolate.pxi's tables -- */

/* reflect / replicate / circular pad of contiguous [planes, size0, size1, size2] (unused
   leading dims of size 1) into [planes, out0, out1, out2]. maps (host): out0 + out1 + out2
   int64, map[d][o] the position along d that output o copies (inside [0, size[d])).
   grad 0: y = x gathered, any dtype (elements moved by size). grad 1: x is the output
   gradient [planes, out], y (overwritten) the input gradient [planes, size]: each element
   the sum of the gradients of its copies, added in the CPU's order; float32 / float64. */
int pyt_cuda_pad(int grad, int dtype, const void *x, void *y, int64_t planes,
                 const int64_t *size, const int64_t *out, const int64_t *maps);
/* One pass of interpolate along one dim, float32 / float64: idx, w (host) hold n_out *
   ntaps taps (input positions in [0, n_in), weights) as nn_interpolate.pxi's Taps.
   adjoint 0: y[a, o, i] = sum_k w[o, k] * x[a, idx[o, k], i], x [outer, n_in, inner], y
   [outer, n_out, inner]. adjoint 1: x [outer, n_out, inner] (the output gradient), y
   (overwritten) [outer, n_in, inner] = the transposed map, summed in the CPU's order. */
int pyt_cuda_resample(int adjoint, int dtype, const void *x, void *y, int64_t outer,
                      int64_t n_in, int64_t n_out, int64_t inner, int64_t ntaps,
                      const int64_t *idx, const double *w);

/* ---- multi-tensor (foreach) updates (foreach.cu) ----------------------------------- */

/* One fused elementwise op over a list of tensors in a few launches: the tensors travel
   PYT_FOREACH_CHUNK at a time in a kernel argument (their pointers and sizes by value,
   as torch's multi_tensor_apply), and every block works on one tensor of the chunk.
   Every tensor is contiguous; dtype (float16, bfloat16, float32, float64; computed in
   float, double for float64) is that of every tensor of every list.
   ptrs (host): ntensors * nlists device pointers, tensor-major: ptrs[t * nlists + l] is
   tensor t of list l; numel (host): tensor t has numel[t] elements in every list;
   s (host): 2 per-tensor scalars s[2t], s[2t + 1] (NULL: zeros); p (host):
   PYT_FOREACH_NPARAMS op parameters. List 0 is written; lists may alias (in place).
     ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM  [out, a]: out = a op s[2t];
                          [out, a, b]: out = a op b (ADD / SUB: a +- p[0] * b)
     ADDCMUL, ADDCDIV     [out, a, b, c]: out = a + s[2t] * b * c, a + s[2t] * (b / c)
     LERP                 [out, a, b]: lerp(a, b, s[2t]); [out, a, b, w]: weight w
     SQRT, NEG, ABS, SIGN, EXP, COPY  [out, a]        ZERO  [out]
     ADAM  [param, grad, exp_avg, exp_avg_sq(, max_exp_avg_sq: amsgrad)]: one Adam step
           as optim.Adam's loop; p = beta1, beta2, lr, eps, weight_decay, decoupled
           (AdamW) 0/1, maximize 0/1; s[2t] = 1 - beta1^step, s[2t+1] = sqrt(1 - beta2^step)
     SGD   [param, grad(, momentum_buffer)]: one SGD step as optim.SGD's loop; p = lr,
           momentum, dampening, weight_decay, nesterov 0/1, maximize 0/1; s[2t] = 1:
           the buffer is new (it becomes the first update, as torch's clone)
   The optimizer states (moments, buffer) go on with their values as stored, rounded to
   dtype, as in the CPU loop.
   PYT_CUDA_ERR_UNSUPPORTED for another dtype, PYT_CUDA_ERR_INVALID for a bad op or list
   count. */
#define PYT_FOREACH_CHUNK 48          /* tensors per launch: the argument stays < 4 KB */
#define PYT_FOREACH_MAX_LISTS 5
#define PYT_FOREACH_NPARAMS 8
enum {
    PYT_FE_ADD = 0, PYT_FE_SUB, PYT_FE_MUL, PYT_FE_DIV, PYT_FE_MAXIMUM, PYT_FE_MINIMUM,
    PYT_FE_ADDCMUL, PYT_FE_ADDCDIV, PYT_FE_LERP,
    PYT_FE_SQRT, PYT_FE_NEG, PYT_FE_ABS, PYT_FE_SIGN, PYT_FE_EXP, PYT_FE_COPY, PYT_FE_ZERO,
    PYT_FE_ADAM, PYT_FE_SGD, PYT_FE_NUM_OPS
};
int pyt_cuda_foreach(int op, int dtype, int nlists, int ntensors, char *const *ptrs,
                     const int64_t *numel, const double *s, const double *p);
/* ---- recurrent cells (rnn.cu): rnn_kernels.pyx's fused LSTM step on the GPU --------- */

/* Contiguous tensors of dtype float32, float64, float16 or bfloat16 (halves computed in
   float): gates, act and d_gates are (batch, 4 * hidden), the gates i, f, g, o of row b
   at b * 4 * hidden + {0, 1, 2, 3} * hidden; the others are (batch, hidden).
   forward: gates (pre-activations) become the activations in place; c = f * c_prev + i * g,
   tanh_c = tanh(c), h = o * tanh(c).
   backward: with dh = dh_next + d_out and dc' = dc + dh * o * (1 - tanh_c^2), d_gates =
   (dc' g i (1 - i), dc' c_prev f (1 - f), dc' i (1 - g^2), dh tanh_c o (1 - o)) and dc
   becomes dc' * f (in place: the gradient of the previous step's c). */
int pyt_cuda_lstm_forward(int dtype, void *gates, const void *c_prev, void *c, void *tanh_c,
                          void *h, int64_t batch, int64_t hidden);
int pyt_cuda_lstm_backward(int dtype, const void *act, const void *tanh_c, const void *c_prev,
                           const void *dh_next, const void *d_out, void *dc, void *d_gates,
                           int64_t batch, int64_t hidden);

/* ---- max_unpool (unpool.cu): nn_pooling.pxi's SCATTER_SET on the GPU ------------ */

/* dst (zeros, [planes, dst_len]) gets dst[p * dst_len + idx[p * src_len + i]] =
   src[p * src_len + i] for i < src_len; when indices repeat within a plane the largest i
   wins, as on the CPU. float32 / float64. Every index is checked first (Synchronises):
   one outside [0, dst_len) gives PYT_CUDA_ERR_INDEX with *bad_value the first such index
   in flat order, and nothing written. */
int pyt_cuda_max_unpool(int dtype, const void *src, const int64_t *idx, void *dst,
                        int64_t planes, int64_t src_len, int64_t dst_len, int64_t *bad_value);

/* ---- polygamma (pointwise.cu): math_ops.pyx's _polygamma_value on the GPU --------- */

/* y[i] = polygamma(n, x[i]) for n >= 1 over count contiguous float64 values, with the
   CPU's formula (PYT_CUDA_ERR_INVALID for n < 1: n = 0 is digamma). */
int pyt_cuda_polygamma(int n, const double *x, double *y, int64_t count);

/* ---- cross-entropy's deferred target check (loss.cu) -------------------------------- */

/* PYT_CUDA_ERR_INDEX and *bad_value when an out-of-range target of an earlier
   pyt_cuda_cross_entropy waits to be reported (it is taken: reported once), else 0.
   Reads host memory only; after pyt_cuda_synchronize it sees every finished call. */
int pyt_cuda_cross_entropy_error(int64_t *bad_value);

#ifdef __cplusplus
}
#endif
#endif
