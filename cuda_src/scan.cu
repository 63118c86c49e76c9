/* pyt_cuda_scan: pyt_scan.h's scans (cumsum, cumprod, cummax / cummin with indices,
   logcumsumexp) on the GPU.

   Input and output are contiguous [A, n, B] arrays of the scan dtype (int64, float32 or
   float64: the Cython side converts first, as for the CPU), scanned along n. The running
   value is kept as on the CPU: int64 for int64 (sums and products wrap), double for both
   float dtypes. Two kernels:
     line:  one thread per line (a, b), walking i = 0..n-1 like the CPU; neighbouring
            threads hold neighbouring b, so every step is one coalesced load across lines.
            Used when there are many lines or the lines are short.
     block: one block per line, for few long lines: the line is cut into chunks of
            THREADS * ITEMS elements; each thread folds its ITEMS consecutive elements, a
            block-wide inclusive scan of those partials (shared memory) gives each thread
            its prefix, the thread rewalks its elements from that prefix, and the chunk's
            total carries into the next chunk.
   cummax / cummin: a later equal value (>= / <=) or any NaN takes over, as on the CPU;
   combining a left partial L with a right partial R gives R when R's value takes over
   L's, else L -- the same answer as the sequential walk, so indices agree exactly. Sums
   and products in float are associated differently from the CPU's walk (within rounding). */
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include "iter.cuh"

namespace {

/* pyt_scan.h's op codes */
enum { SC_SUM = 0, SC_PROD = 1, SC_MAX = 2, SC_MIN = 3, SC_LSE = 4 };

#define SCAN_THREADS 256
#define SCAN_ITEMS 8

__device__ __forceinline__ double scan_logaddexp(double a, double b)
{
    double m;
    if (a != a || b != b) return a + b;
    m = a > b ? a : b;
    if (m == INFINITY || m == -INFINITY) return m;
    return m + log1p(exp(-fabs(a - b)));
}

__device__ __forceinline__ int64_t scan_fold(int op, int64_t s, int64_t x)
{
    if (op == SC_PROD) return (int64_t)((uint64_t)s * (uint64_t)x);
    return (int64_t)((uint64_t)s + (uint64_t)x);
}

__device__ __forceinline__ double scan_fold(int op, double s, double x)
{
    if (op == SC_PROD) return s * x;
    if (op == SC_LSE) return scan_logaddexp(s, x);
    return s + x;
}

template <typename T>
__device__ __forceinline__ bool scan_takes(int op, T v, T s)
{
    return op == SC_MAX ? (v >= s || v != v) : (v <= s || v != v);
}

template <typename T> struct ScanAcc { typedef double type; };
template <> struct ScanAcc<int64_t> { typedef int64_t type; };

/* a partial: the fold of a run of elements (s), or its extreme (v, i); has: not empty */
template <typename T>
struct ScanPart {
    typename ScanAcc<T>::type s;
    T v;
    int64_t i;
    int has;
};

template <typename T>
__device__ __forceinline__ ScanPart<T> scan_combine(int op, const ScanPart<T> &l,
                                                    const ScanPart<T> &r)
{
    if (!r.has) return l;
    if (!l.has) return r;
    ScanPart<T> o = l;
    if (op == SC_MAX || op == SC_MIN) {
        if (scan_takes<T>(op, r.v, l.v)) { o.v = r.v; o.i = r.i; }
    } else {
        o.s = scan_fold(op, l.s, r.s);
    }
    return o;
}

/* one step of the walk: element x at position i joins partial p */
template <typename T>
__device__ __forceinline__ void scan_step(int op, ScanPart<T> &p, T x, int64_t i)
{
    typedef typename ScanAcc<T>::type S;
    if (op == SC_MAX || op == SC_MIN) {
        if (!p.has || scan_takes<T>(op, x, p.v)) { p.v = x; p.i = i; }
    } else {
        p.s = p.has ? scan_fold(op, p.s, (S)x) : (S)x;
    }
    p.has = 1;
}

template <typename T>
__device__ __forceinline__ void scan_emit(int op, const ScanPart<T> &p, T *out,
                                          int64_t *idx, int64_t at)
{
    if (op == SC_MAX || op == SC_MIN) { out[at] = p.v; idx[at] = p.i; }
    else out[at] = (T)p.s;
}

template <typename T>
__global__ void scan_line_kernel(int op, const T *__restrict__ in, T *__restrict__ out,
                                 int64_t *__restrict__ idx, int64_t A, int64_t n, int64_t B)
{
    int64_t lines = A * B;
    for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < lines;
         t += (int64_t)gridDim.x * blockDim.x) {
        int64_t a = t / B, b = t - a * B, base = a * n * B + b;
        ScanPart<T> p;
        p.s = 0; p.v = 0; p.i = 0; p.has = 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t at = base + i * B;
            scan_step<T>(op, p, in[at], i);
            scan_emit<T>(op, p, out, idx, at);
        }
    }
}

template <typename T>
__global__ void __launch_bounds__(SCAN_THREADS)
scan_block_kernel(int op, const T *__restrict__ in, T *__restrict__ out,
                  int64_t *__restrict__ idx, int64_t A, int64_t n, int64_t B)
{
    __shared__ ScanPart<T> buf[2][SCAN_THREADS];
    const int tid = threadIdx.x;
    const int64_t chunk = (int64_t)SCAN_THREADS * SCAN_ITEMS;
    int64_t lines = A * B;
    for (int64_t line = blockIdx.x; line < lines; line += gridDim.x) {
        int64_t a = line / B, b = line - a * B, base = a * n * B + b;
        ScanPart<T> carry;
        carry.s = 0; carry.v = 0; carry.i = 0; carry.has = 0;
        for (int64_t c0 = 0; c0 < n; c0 += chunk) {
            int64_t first = c0 + (int64_t)tid * SCAN_ITEMS;
            ScanPart<T> p;
            p.s = 0; p.v = 0; p.i = 0; p.has = 0;
            for (int j = 0; j < SCAN_ITEMS; j++) {
                int64_t i = first + j;
                if (i < n) scan_step<T>(op, p, in[base + i * B], i);
            }
            /* inclusive Hillis-Steele scan of the threads' partials */
            int cur = 0;
            buf[cur][tid] = p;
            __syncthreads();
            for (int off = 1; off < SCAN_THREADS; off <<= 1) {
                ScanPart<T> v = buf[cur][tid];
                if (tid >= off) v = scan_combine<T>(op, buf[cur][tid - off], v);
                buf[cur ^ 1][tid] = v;
                cur ^= 1;
                __syncthreads();
            }
            ScanPart<T> pre = carry;
            if (tid > 0) pre = scan_combine<T>(op, carry, buf[cur][tid - 1]);
            for (int j = 0; j < SCAN_ITEMS; j++) {
                int64_t i = first + j;
                if (i < n) {
                    int64_t at = base + i * B;
                    scan_step<T>(op, pre, in[at], i);
                    scan_emit<T>(op, pre, out, idx, at);
                }
            }
            carry = scan_combine<T>(op, carry, buf[cur][SCAN_THREADS - 1]);
            __syncthreads();            /* buf is rewritten by the next chunk */
        }
    }
}

template <typename T>
int scan_launch(int op, const void *in, void *out, int64_t *idx, int64_t A, int64_t n,
                int64_t B)
{
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    int64_t lines = A * B;
    const T *src = (const T *)in;
    T *dst = (T *)out;
    if (lines >= 4096 || n <= 64) {
        scan_line_kernel<T><<<pyt_blocks_for(lines), PYT_CUDA_THREADS, 0, stream>>>(
            op, src, dst, idx, A, n, B);
    } else {
        unsigned blocks = (unsigned)(lines < 65535 ? lines : 65535);
        scan_block_kernel<T><<<blocks, SCAN_THREADS, 0, stream>>>(op, src, dst, idx, A, n, B);
    }
    return pyt_launch_error();
}

}  // namespace

extern "C" int pyt_cuda_scan(int op, int code, const void *in, void *out, int64_t *idx,
                             int64_t A, int64_t n, int64_t B)
{
    if (op < SC_SUM || op > SC_LSE) return PYT_CUDA_ERR_INVALID;
    if (A <= 0 || n <= 0 || B <= 0) return 0;      /* (an empty idx may be NULL) */
    if ((op == SC_MAX || op == SC_MIN) && idx == nullptr) return PYT_CUDA_ERR_INVALID;
    switch (code) {
    case PYT_INT64:
        if (op == SC_LSE) return PYT_CUDA_ERR_UNSUPPORTED;
        return scan_launch<int64_t>(op, in, out, idx, A, n, B);
    case PYT_FLOAT32: return scan_launch<float>(op, in, out, idx, A, n, B);
    case PYT_FLOAT64: return scan_launch<double>(op, in, out, idx, A, n, B);
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
}
