/* Matrix products on the GPU: cuBLAS, loaded at run time, or pyt's own tiled kernel.

   cuBLAS is opened with dlopen on first use, so the extension neither links against it
   nor needs its headers: the few entry points and enum values used are declared here.
   When no cuBLAS loads (or pyt_cuda_set_use_blas(0)), a shared-memory tiled kernel
   computes the same product (column-major, as cuBLAS's gemmStridedBatched). */
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <atomic>
#include <mutex>
#include "pyt_cuda.h"
#include "iter.cuh"
#include "pyt_dtypes.h"

/* ---- cuBLAS, declared by hand ------------------------------------------------------
   Values from the CUDA toolkit's headers: the data types from library_types.h
   (cudaDataType_t), the rest from cublas_api.h (cublasOperation_t, cublasMath_t,
   cublasComputeType_t, cublasGemmAlgo_t); all are plain C enums, passed as int. */
enum {
    PYT_CUDA_R_32F = 0,                  /* library_types.h */
    PYT_CUDA_R_16F = 2,
    PYT_CUDA_R_16BF = 14,
    PYT_CUBLAS_OP_N = 0,                 /* cublas_api.h */
    PYT_CUBLAS_OP_T = 1,
    PYT_CUBLAS_DEFAULT_MATH = 0,
    PYT_CUBLAS_TF32_TENSOR_OP_MATH = 3,
    PYT_CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION = 16,
    PYT_CUBLAS_COMPUTE_32F = 68,
    PYT_CUBLAS_COMPUTE_32F_FAST_TF32 = 77,
    PYT_CUBLAS_GEMM_DEFAULT = -1,
    PYT_CUBLAS_STATUS_SUCCESS = 0
};

typedef void *blas_handle;
typedef int (*create_fn)(blas_handle *);
typedef int (*destroy_fn)(blas_handle);
typedef int (*set_stream_fn)(blas_handle, cudaStream_t);
typedef int (*set_math_mode_fn)(blas_handle, int);
typedef int (*sgemm_fn)(blas_handle, int, int, int, int, int, const float *, const float *,
                        int, long long, const float *, int, long long, const float *,
                        float *, int, long long, int);
typedef int (*dgemm_fn)(blas_handle, int, int, int, int, int, const double *,
                        const double *, int, long long, const double *, int, long long,
                        const double *, double *, int, long long, int);
typedef int (*gemm_ex_fn)(blas_handle, int, int, int, int, int, const void *, const void *,
                          int, int, long long, const void *, int, int, long long,
                          const void *, void *, int, int, long long, int, int, int);

struct blas_api {
    void *lib;
    create_fn create;
    destroy_fn destroy;
    set_stream_fn set_stream;
    set_math_mode_fn set_math_mode;
    sgemm_fn sgemm;
    dgemm_fn dgemm;
    gemm_ex_fn gemm_ex;
};

#define PYT_BLAS_MAX_DEVICES 64

static blas_api blas;                          /* valid once blas_ready is true */
static std::atomic<bool> blas_ready(false);
static std::atomic<bool> defaults_tried(false);
static std::atomic<int> allow_tf32(0);         /* torch's default: matmul.allow_tf32 False */
static std::atomic<int> use_blas(1);
static std::mutex blas_mutex;                  /* loading and handle creation */
static std::mutex device_mutex[PYT_BLAS_MAX_DEVICES];   /* one handle's stream + call */
static blas_handle handles[PYT_BLAS_MAX_DEVICES];
static bool handle_failed[PYT_BLAS_MAX_DEVICES];        /* cublasCreate refused: don't retry */

/* cublas_v2.h maps the handle functions to their _v2 symbols; a later cuBLAS may
   export the plain names only */
static void *symbol(void *lib, const char *name, const char *other)
{
    void *p = dlsym(lib, name);
    return p ? p : dlsym(lib, other);
}

/* Opens path and takes cuBLAS's entry points from it; the caller holds blas_mutex. */
static bool open_blas(const char *path)
{
    if (blas_ready.load()) return true;
    if (path == nullptr || path[0] == '\0') return false;
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return false;
    blas_api api;
    api.lib = lib;
    api.create = (create_fn)symbol(lib, "cublasCreate_v2", "cublasCreate");
    api.destroy = (destroy_fn)symbol(lib, "cublasDestroy_v2", "cublasDestroy");
    api.set_stream = (set_stream_fn)symbol(lib, "cublasSetStream_v2", "cublasSetStream");
    api.set_math_mode = (set_math_mode_fn)dlsym(lib, "cublasSetMathMode");
    api.sgemm = (sgemm_fn)dlsym(lib, "cublasSgemmStridedBatched");
    api.dgemm = (dgemm_fn)dlsym(lib, "cublasDgemmStridedBatched");
    api.gemm_ex = (gemm_ex_fn)dlsym(lib, "cublasGemmStridedBatchedEx");
    if (!api.create || !api.destroy || !api.set_stream || !api.set_math_mode || !api.sgemm ||
        !api.dgemm || !api.gemm_ex) {
        dlclose(lib);
        return false;
    }
    blas = api;
    blas_ready.store(true);
    return true;
}

/* The usual places once: PYT_CUBLAS_PATH, then the loader's search path. */
static void try_default_paths(void)
{
    if (blas_ready.load() || defaults_tried.load()) return;
    std::lock_guard<std::mutex> lock(blas_mutex);
    if (defaults_tried.load()) return;
    static const char *names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
    if (!open_blas(getenv("PYT_CUBLAS_PATH")))
        for (const char *name : names)
            if (open_blas(name)) break;
    defaults_tried.store(true);
}

extern "C" int pyt_cuda_blas_try_load(const char *path)
{
    if (path == nullptr) {
        try_default_paths();
        return blas_ready.load() ? 1 : 0;
    }
    std::lock_guard<std::mutex> lock(blas_mutex);
    return open_blas(path) ? 1 : 0;
}

extern "C" int pyt_cuda_blas_loaded(void)
{
    try_default_paths();
    return blas_ready.load() ? 1 : 0;
}

extern "C" void pyt_cuda_set_allow_tf32(int allow) { allow_tf32.store(allow != 0); }
extern "C" int pyt_cuda_get_allow_tf32(void) { return allow_tf32.load(); }
extern "C" void pyt_cuda_set_use_blas(int use) { use_blas.store(use != 0); }

/* The current device's handle, created on first use; NULL when that fails. */
static blas_handle device_handle(int device)
{
    std::lock_guard<std::mutex> lock(blas_mutex);
    if (handles[device] == nullptr && !handle_failed[device]) {
        blas_handle h = nullptr;
        if (blas.create(&h) == PYT_CUBLAS_STATUS_SUCCESS) handles[device] = h;
        else handle_failed[device] = true;       /* e.g. a driver too old for this cuBLAS */
    }
    return handles[device];
}

static bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

/* 1: cuBLAS ran it; 0: it did not (not loaded, sizes over int, a status it refused). */
static int gemm_blas(int dtype, int tf32, int opa, int opb, int64_t m, int64_t n, int64_t k,
                     double alpha, const void *A, int64_t lda, int64_t stride_a,
                     const void *B, int64_t ldb, int64_t stride_b, double beta, void *C,
                     int64_t ldc, int64_t stride_c, int64_t batch)
{
    if (!use_blas.load()) return 0;
    try_default_paths();
    if (!blas_ready.load()) return 0;
    if (!fits_int(m) || !fits_int(n) || !fits_int(k) || !fits_int(lda) || !fits_int(ldb) ||
        !fits_int(ldc) || !fits_int(batch))
        return 0;
    int device = 0;
    if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= PYT_BLAS_MAX_DEVICES)
        return 0;
    blas_handle h = device_handle(device);
    if (h == nullptr) return 0;
    std::lock_guard<std::mutex> lock(device_mutex[device]);
    if (blas.set_stream(h, (cudaStream_t)pyt_cuda_current_stream()) != 0) return 0;
    int status;
    if (dtype == PYT_FLOAT64) {
        blas.set_math_mode(h, PYT_CUBLAS_DEFAULT_MATH);
        status = blas.dgemm(h, opa, opb, (int)m, (int)n, (int)k, &alpha, (const double *)A,
                            (int)lda, stride_a, (const double *)B, (int)ldb, stride_b, &beta,
                            (double *)C, (int)ldc, stride_c, (int)batch);
    } else if (dtype == PYT_FLOAT32) {
        float a = (float)alpha, b = (float)beta;
        blas.set_math_mode(h, tf32 ? PYT_CUBLAS_TF32_TENSOR_OP_MATH : PYT_CUBLAS_DEFAULT_MATH);
        status = blas.sgemm(h, opa, opb, (int)m, (int)n, (int)k, &a, (const float *)A,
                            (int)lda, stride_a, (const float *)B, (int)ldb, stride_b, &b,
                            (float *)C, (int)ldc, stride_c, (int)batch);
    } else {
        /* half and bfloat16: inputs and output in 16 bits, products summed in float,
           also across split-k partial sums, as the CPU sums them (one final rounding) */
        float a = (float)alpha, b = (float)beta;
        int type = dtype == PYT_FLOAT16 ? PYT_CUDA_R_16F : PYT_CUDA_R_16BF;
        blas.set_math_mode(h, PYT_CUBLAS_DEFAULT_MATH |
                              PYT_CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION);
        status = blas.gemm_ex(h, opa, opb, (int)m, (int)n, (int)k, &a, A, type, (int)lda,
                              stride_a, B, type, (int)ldb, stride_b, &b, C, type, (int)ldc,
                              stride_c, (int)batch, PYT_CUBLAS_COMPUTE_32F,
                              PYT_CUBLAS_GEMM_DEFAULT);
    }
    return status == PYT_CUBLAS_STATUS_SUCCESS ? 1 : 0;
}

/* ---- the tiled kernel ----------------------------------------------------------------
   A block computes a 64x64 tile of C with 256 threads, each a 4x4 micro-tile whose rows
   are tr, tr + 16, ... and columns tc, tc + 16, ... (tr = thread % 16, tc = thread / 16),
   so that neighbouring threads touch neighbouring rows: the stores to column-major C
   and the shared-memory reads are coalesced. A and B go through shared memory in
   slices of 16 along k. */
#define TILE_M 64
#define TILE_N 64
#define TILE_K 16
#define GEMM_THREADS 256

template <typename T> struct gemm_elem;
template <> struct gemm_elem<float> {
    typedef float acc;
    static __device__ float load(const float *p) { return *p; }
    static __device__ void store(float *p, float v) { *p = v; }
};
template <> struct gemm_elem<double> {
    typedef double acc;
    static __device__ double load(const double *p) { return *p; }
    static __device__ void store(double *p, double v) { *p = v; }
};
template <> struct gemm_elem<__half> {
    typedef float acc;
    static __device__ float load(const __half *p) { return __half2float(*p); }
    static __device__ void store(__half *p, float v) { *p = __float2half_rn(v); }
};
template <> struct gemm_elem<__nv_bfloat16> {
    typedef float acc;
    static __device__ float load(const __nv_bfloat16 *p) { return __bfloat162float(*p); }
    static __device__ void store(__nv_bfloat16 *p, float v) { *p = __float2bfloat16_rn(v); }
};

struct gemm_args {
    int trans_a, trans_b;
    int64_t m, n, k;
    double alpha, beta;
    const void *A, *B;
    void *C;
    int64_t lda, ldb, ldc, stride_a, stride_b, stride_c, batch;
};

/* Element e (< TILE_M * TILE_K) of a tile load: its (row, depth) within the tile. The
   thread order follows memory, so the loads are coalesced: rows fastest for an
   untransposed (column-major m x k) matrix, depth fastest for a transposed one. */
__host__ __device__ inline void tile_coords(int e, int trans, int rows, int *r, int *d)
{
    if (trans) { *d = e % TILE_K; *r = e / TILE_K; }
    else { *r = e % rows; *d = e / rows; }
}

template <typename T>
__global__ void __launch_bounds__(GEMM_THREADS) gemm_tiled(gemm_args g)
{
    typedef typename gemm_elem<T>::acc Acc;
    /* +1 column: the transposed loads write down a column, which would otherwise hit
       one bank 16 times */
    __shared__ Acc As[TILE_K][TILE_M + 1];
    __shared__ Acc Bs[TILE_K][TILE_N + 1];
    const int t = threadIdx.x, tr = t % 16, tc = t / 16;
    const int64_t tiles_m = (g.m + TILE_M - 1) / TILE_M, tiles_n = (g.n + TILE_N - 1) / TILE_N;
    const Acc alpha = (Acc)g.alpha, beta = (Acc)g.beta;
    for (int64_t z = blockIdx.z; z < g.batch; z += gridDim.z)
    for (int64_t tn = blockIdx.y; tn < tiles_n; tn += gridDim.y)
    for (int64_t tm = blockIdx.x; tm < tiles_m; tm += gridDim.x) {
        const T *A = (const T *)g.A + z * g.stride_a;
        const T *B = (const T *)g.B + z * g.stride_b;
        T *C = (T *)g.C + z * g.stride_c;
        const int64_t row0 = tm * TILE_M, col0 = tn * TILE_N;
        Acc acc[4][4];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) acc[i][j] = 0;
        for (int64_t k0 = 0; k0 < g.k; k0 += TILE_K) {
            /* op(A)[i, l] is A[i + l * lda], or A[l + i * lda] when transposed;
               op(B)[l, j] is B[l + j * ldb], or B[j + l * ldb] when transposed */
#pragma unroll
            for (int e = t; e < TILE_M * TILE_K; e += GEMM_THREADS) {
                int r, d;
                tile_coords(e, g.trans_a, TILE_M, &r, &d);
                int64_t i = row0 + r, l = k0 + d;
                Acc v = 0;
                if (i < g.m && l < g.k)
                    v = gemm_elem<T>::load(g.trans_a ? A + l + i * g.lda : A + i + l * g.lda);
                As[d][r] = v;
            }
#pragma unroll
            for (int e = t; e < TILE_N * TILE_K; e += GEMM_THREADS) {
                int c, d;
                /* B untransposed is k x n column-major: depth runs fastest in memory */
                tile_coords(e, !g.trans_b, TILE_N, &c, &d);
                int64_t j = col0 + c, l = k0 + d;
                Acc v = 0;
                if (j < g.n && l < g.k)
                    v = gemm_elem<T>::load(g.trans_b ? B + j + l * g.ldb : B + l + j * g.ldb);
                Bs[d][c] = v;
            }
            __syncthreads();
#pragma unroll
            for (int d = 0; d < TILE_K; d++) {
                Acc a[4], b[4];
#pragma unroll
                for (int i = 0; i < 4; i++) a[i] = As[d][tr + 16 * i];
#pragma unroll
                for (int j = 0; j < 4; j++) b[j] = Bs[d][tc + 16 * j];
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
            }
            __syncthreads();
        }
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int64_t col = col0 + tc + 16 * j;
            if (col >= g.n) continue;
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int64_t row = row0 + tr + 16 * i;
                if (row >= g.m) continue;
                T *c = C + row + col * g.ldc;
                /* alpha 0 drops the product, as BLAS does: NaN in A or B must not leak */
                Acc v = alpha == (Acc)0 ? (Acc)0 : alpha * acc[i][j];
                if (beta != (Acc)0) v += beta * gemm_elem<T>::load(c);   /* beta 0: C unread */
                gemm_elem<T>::store(c, v);
            }
        }
    }
}

static int gemm_fallback(int dtype, const gemm_args &g)
{
    int64_t tiles_m = (g.m + TILE_M - 1) / TILE_M, tiles_n = (g.n + TILE_N - 1) / TILE_N;
    dim3 grid((unsigned)(tiles_m < 65535 ? tiles_m : 65535),
              (unsigned)(tiles_n < 65535 ? tiles_n : 65535),
              (unsigned)(g.batch < 65535 ? g.batch : 65535));
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    switch (dtype) {
    case PYT_FLOAT32: gemm_tiled<float><<<grid, GEMM_THREADS, 0, s>>>(g); break;
    case PYT_FLOAT64: gemm_tiled<double><<<grid, GEMM_THREADS, 0, s>>>(g); break;
    case PYT_FLOAT16: gemm_tiled<__half><<<grid, GEMM_THREADS, 0, s>>>(g); break;
    default: gemm_tiled<__nv_bfloat16><<<grid, GEMM_THREADS, 0, s>>>(g); break;
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_gemm(int dtype, char transa, char transb, int64_t m, int64_t n,
                             int64_t k, double alpha, const void *A, int64_t lda,
                             int64_t stride_a, const void *B, int64_t ldb, int64_t stride_b,
                             double beta, void *C, int64_t ldc, int64_t stride_c,
                             int64_t batch)
{
    return pyt_cuda_gemm_tf32(allow_tf32.load(), dtype, transa, transb, m, n, k, alpha, A,
                              lda, stride_a, B, ldb, stride_b, beta, C, ldc, stride_c, batch);
}

extern "C" int pyt_cuda_gemm_tf32(int tf32, int dtype, char transa, char transb, int64_t m,
                                  int64_t n, int64_t k, double alpha, const void *A,
                                  int64_t lda, int64_t stride_a, const void *B, int64_t ldb,
                                  int64_t stride_b, double beta, void *C, int64_t ldc,
                                  int64_t stride_c, int64_t batch)
{
    if (dtype != PYT_FLOAT32 && dtype != PYT_FLOAT64 && dtype != PYT_FLOAT16 &&
        dtype != PYT_BFLOAT16)
        return PYT_CUDA_ERR_UNSUPPORTED;
    int ta = transa == 'T' || transa == 't', tb = transb == 'T' || transb == 't';
    if ((!ta && transa != 'N' && transa != 'n') || (!tb && transb != 'N' && transb != 'n'))
        return PYT_CUDA_ERR_INVALID;
    if (m < 0 || n < 0 || k < 0 || batch < 0) return PYT_CUDA_ERR_INVALID;
    if (m == 0 || n == 0 || batch == 0) return 0;
    /* k == 0 is C = beta * C: the tiled kernel does it without cuBLAS's ld rules */
    if (k > 0 && gemm_blas(dtype, tf32, ta ? PYT_CUBLAS_OP_T : PYT_CUBLAS_OP_N,
                           tb ? PYT_CUBLAS_OP_T : PYT_CUBLAS_OP_N, m, n, k, alpha, A, lda,
                           stride_a, B, ldb, stride_b, beta, C, ldc, stride_c, batch))
        return 0;
    gemm_args g;
    g.trans_a = ta; g.trans_b = tb;
    g.m = m; g.n = n; g.k = k;
    g.alpha = alpha; g.beta = beta;
    g.A = A; g.B = B; g.C = C;
    g.lda = lda; g.ldb = ldb; g.ldc = ldc;
    g.stride_a = stride_a; g.stride_b = stride_b; g.stride_c = stride_c;
    g.batch = batch;
    return gemm_fallback(dtype, g);
}
