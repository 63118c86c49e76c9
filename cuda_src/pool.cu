/* Pooling on the GPU: nn_pooling.pxi's plane kernels (max, avg, adaptive max / avg and the
   avg gradients) and the index scatter / gather of the max gradients, with the CPU's
   window rules, NaN handling and index convention (row-major within a plane).

   geom: 21 int64 values, planes, size[3], out[3], k[3], stride[3], pad[3], dil[3],
   count_include_pad, divisor (0: none), as nn_pooling.pxi's PoolGeom. Contiguous
   [planes, size] inputs and [planes, out] outputs, float32 or float64 (the CPU computes
   half types in float32 too); max and avg pooling also take the integer types the CPU
   takes. Forward ops: one thread per output; gradients (inputs of zeros) add each
   output's share with atomics. */
#include <stdint.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include <cuda_runtime.h>
#include <cuda/std/limits>
#include "iter.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

struct PoolGeomC {
    int64_t planes, size[3], out[3], k[3], stride[3], pad[3], dil[3];
    int64_t count_include_pad, divisor;
};

/* the fixed window of output o along dim d: input start + j * dil, j in [lo, hi) */
__device__ __forceinline__ void pool_window(const PoolGeomC &g, int d, int64_t o,
                                            int64_t *start, int64_t *lo, int64_t *hi)
{
    const int64_t s = o * g.stride[d] - g.pad[d], dil = g.dil[d], k = g.k[d];
    *start = s;
    *lo = s >= 0 ? 0 : (-s + dil - 1) / dil;
    *hi = s + (k - 1) * dil < g.size[d] ? k : (g.size[d] - s + dil - 1) / dil;
    if (*hi < *lo) *hi = *lo;
}

/* the avg window [lo, hi) clipped to the input; returns its size counting padding */
__device__ __forceinline__ int64_t avg_window(const PoolGeomC &g, int d, int64_t o,
                                              int64_t *lo, int64_t *hi)
{
    const int64_t a = o * g.stride[d] - g.pad[d];
    int64_t b = a + g.k[d];
    if (b > g.size[d] + g.pad[d]) b = g.size[d] + g.pad[d];
    *lo = a > 0 ? a : 0;
    *hi = b < g.size[d] ? b : g.size[d];
    return b - a;
}

__device__ __forceinline__ void adaptive_window(const PoolGeomC &g, int d, int64_t o,
                                                int64_t *lo, int64_t *hi)
{
    *lo = (o * g.size[d]) / g.out[d];
    *hi = ((o + 1) * g.size[d] + g.out[d] - 1) / g.out[d];
}

__device__ __forceinline__ void atomic_add(float *p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double *p, double v) { atomicAdd(p, v); }

/* output element e (row-major over planes x out[0] x out[1] x out[2]): its plane and
   position */
__device__ __forceinline__ void output_position(const PoolGeomC &g, int64_t e, int64_t outl,
                                                int64_t *n, int64_t *o0, int64_t *o1,
                                                int64_t *o2)
{
    *n = e / outl;
    int64_t r = e % outl;
    *o2 = r % g.out[2];
    r /= g.out[2];
    *o1 = r % g.out[1];
    *o0 = r / g.out[1];
}

/* The max of output position (o0, o1, o2)'s window over the plane xp, *best_i its flat
   index; for floats NaN wins (the last one), as the CPU's. An empty window (dilation can
   put every tap in the padding) gives torch's value, -inf or the integer type's lowest,
   and index -1, which the gradient kernels skip. */
template <typename T>
__device__ T window_max(const PoolGeomC &g, const T *xp, int64_t o0, int64_t o1, int64_t o2,
                        int64_t *best_i)
{
    int64_t s0, lo0, hi0, s1, lo1, hi1, s2, lo2, hi2;
    pool_window(g, 0, o0, &s0, &lo0, &hi0);
    pool_window(g, 1, o1, &s1, &lo1, &hi1);
    pool_window(g, 2, o2, &s2, &lo2, &hi2);
    int64_t at = -1;
    T best = T(0);
    for (int64_t j0 = lo0; j0 < hi0; j0++) {
        const int64_t i0 = s0 + j0 * g.dil[0];
        for (int64_t j1 = lo1; j1 < hi1; j1++) {
            const int64_t i1 = (i0 * g.size[1] + s1 + j1 * g.dil[1]) * g.size[2] + s2;
            for (int64_t j2 = lo2; j2 < hi2; j2++) {
                const int64_t i = i1 + j2 * g.dil[2];
                const T v = xp[i];
                if (at < 0 || v > best || v != v) {       /* v != v: never for integers */
                    best = v;
                    at = i;
                }
            }
        }
    }
    *best_i = at;
    typedef cuda::std::numeric_limits<T> limits;
    return at >= 0 ? best : limits::has_infinity ? -limits::infinity() : limits::lowest();
}

enum { POOL_MAX = 0, POOL_AVG = 1, POOL_AVG_GRAD = 2, POOL_ADAPTIVE_MAX = 3,
       POOL_ADAPTIVE_AVG = 4, POOL_ADAPTIVE_AVG_GRAD = 5 };

/* x: the input (forward) or the output gradient (grad ops); y: the output (forward) or
   the input gradient (grad ops, holding zeros) */
template <typename T>
__global__ void pool_kernel(int op, const T *x, T *y, int64_t *idx, PoolGeomC g)
{
    const int64_t outl = g.out[0] * g.out[1] * g.out[2];
    const int64_t inl = g.size[0] * g.size[1] * g.size[2];
    const int64_t total = g.planes * outl;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        int64_t n, o0, o1, o2;
        output_position(g, e, outl, &n, &o0, &o1, &o2);
        if (op == POOL_MAX) {
            int64_t best_i;
            y[e] = window_max(g, x + n * inl, o0, o1, o2, &best_i);
            if (idx != nullptr) idx[e] = best_i;
        } else if (op == POOL_AVG || op == POOL_AVG_GRAD) {
            int64_t a0, b0, a1, b1, a2, b2;
            const int64_t full = avg_window(g, 0, o0, &a0, &b0) * avg_window(g, 1, o1, &a1, &b1) *
                                 avg_window(g, 2, o2, &a2, &b2);
            if (b0 <= a0 || b1 <= a1 || b2 <= a2) {     /* only padding (ceil_mode) */
                if (op == POOL_AVG) y[e] = T(0);
                continue;
            }
            const int64_t count = (b0 - a0) * (b1 - a1) * (b2 - a2);
            const int64_t div = g.divisor != 0 ? g.divisor : (g.count_include_pad ? full : count);
            if (op == POOL_AVG) {
                const T *xp = x + n * inl;
                double acc = 0;
                for (int64_t i0 = a0; i0 < b0; i0++)
                    for (int64_t i1 = a1; i1 < b1; i1++) {
                        const int64_t base = (i0 * g.size[1] + i1) * g.size[2];
                        for (int64_t i2 = a2; i2 < b2; i2++) acc += (double)xp[base + i2];
                    }
                y[e] = (T)(acc / (double)div);
            } else {
                T *gp = y + n * inl;
                const T share = (T)((double)x[e] / (double)div);
                for (int64_t i0 = a0; i0 < b0; i0++)
                    for (int64_t i1 = a1; i1 < b1; i1++) {
                        const int64_t base = (i0 * g.size[1] + i1) * g.size[2];
                        for (int64_t i2 = a2; i2 < b2; i2++) atomic_add(gp + base + i2, share);
                    }
            }
        } else {
            int64_t a0, b0, a1, b1, a2, b2;
            adaptive_window(g, 0, o0, &a0, &b0);
            adaptive_window(g, 1, o1, &a1, &b1);
            adaptive_window(g, 2, o2, &a2, &b2);
            const int64_t count = (b0 - a0) * (b1 - a1) * (b2 - a2);
            if (op == POOL_ADAPTIVE_MAX) {
                const T *xp = x + n * inl;
                int64_t best_i = -1;
                T best = T(0);
                for (int64_t i0 = a0; i0 < b0; i0++)
                    for (int64_t i1 = a1; i1 < b1; i1++)
                        for (int64_t i2 = a2; i2 < b2; i2++) {
                            const int64_t i = (i0 * g.size[1] + i1) * g.size[2] + i2;
                            const T v = xp[i];
                            if (best_i < 0 || v > best || v != v) {
                                best = v;
                                best_i = i;
                            }
                        }
                y[e] = best;
                idx[e] = best_i;
            } else if (op == POOL_ADAPTIVE_AVG) {
                const T *xp = x + n * inl;
                double acc = 0;
                for (int64_t i0 = a0; i0 < b0; i0++)
                    for (int64_t i1 = a1; i1 < b1; i1++)
                        for (int64_t i2 = a2; i2 < b2; i2++)
                            acc += (double)xp[(i0 * g.size[1] + i1) * g.size[2] + i2];
                y[e] = (T)(acc / (double)count);
            } else {
                T *gp = y + n * inl;
                const T share = (T)((double)x[e] / (double)count);
                for (int64_t i0 = a0; i0 < b0; i0++)
                    for (int64_t i1 = a1; i1 < b1; i1++)
                        for (int64_t i2 = a2; i2 < b2; i2++)
                            atomic_add(gp + (i0 * g.size[1] + i1) * g.size[2] + i2, share);
            }
        }
    }
}

/* gather = 0: dst[p][idx[p][i]] += src[p][i] (dst holds zeros), i < src_len;
   gather = 1: dst[p][i] = src[p][idx[p][i]], i < dst_len */
template <typename T>
__global__ void pool_scatter_kernel(const T *src, const int64_t *idx, T *dst, int64_t planes,
                                    int64_t src_len, int64_t dst_len, int gather)
{
    const int64_t ilen = gather ? dst_len : src_len;
    const int64_t total = planes * ilen;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t p = e / ilen, i = e % ilen;
        const int64_t j = idx[e];           /* -1: an empty window, nothing to move */
        if (gather) dst[p * dst_len + i] = j >= 0 ? src[p * src_len + j] : T(0);
        else if (j >= 0) atomic_add(dst + p * dst_len + j, src[p * src_len + i]);
    }
}

/* Integer max and avg pooling (forward only: integers have no gradient), as the CPU does
   them: the max without NaN rules, the avg an int64 sum divided with C's truncation. */
template <typename T>
__global__ void int_pool_kernel(int op, const T *x, T *y, int64_t *idx, PoolGeomC g)
{
    const int64_t outl = g.out[0] * g.out[1] * g.out[2];
    const int64_t inl = g.size[0] * g.size[1] * g.size[2];
    const int64_t total = g.planes * outl;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        int64_t n, o0, o1, o2;
        output_position(g, e, outl, &n, &o0, &o1, &o2);
        const T *xp = x + n * inl;
        if (op == POOL_MAX) {
            int64_t best_i;
            y[e] = window_max(g, xp, o0, o1, o2, &best_i);
            if (idx != nullptr) idx[e] = best_i;
        } else {
            int64_t a0, b0, a1, b1, a2, b2;
            const int64_t full = avg_window(g, 0, o0, &a0, &b0) * avg_window(g, 1, o1, &a1, &b1) *
                                 avg_window(g, 2, o2, &a2, &b2);
            if (b0 <= a0 || b1 <= a1 || b2 <= a2) {     /* only padding (ceil_mode) */
                y[e] = T(0);
                continue;
            }
            const int64_t count = (b0 - a0) * (b1 - a1) * (b2 - a2);
            const int64_t div = g.divisor != 0 ? g.divisor : (g.count_include_pad ? full : count);
            int64_t acc = 0;
            for (int64_t i0 = a0; i0 < b0; i0++)
                for (int64_t i1 = a1; i1 < b1; i1++) {
                    const int64_t base = (i0 * g.size[1] + i1) * g.size[2];
                    for (int64_t i2 = a2; i2 < b2; i2++) acc += (int64_t)xp[base + i2];
                }
            y[e] = (T)(acc / div);
        }
    }
}

template <typename T>
static void launch_int_pool(int op, const void *x, void *y, int64_t *idx, const PoolGeomC &g,
                            int64_t n, cudaStream_t s)
{
    int_pool_kernel<T><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
        op, (const T *)x, (T *)y, idx, g);
}

extern "C" int pyt_cuda_pool(int op, int dtype, const void *x, void *y, int64_t *idx,
                             const int64_t *geom)
{
    PoolGeomC g;
    g.planes = geom[0];
    for (int i = 0; i < 3; i++) {
        g.size[i] = geom[1 + i];
        g.out[i] = geom[4 + i];
        g.k[i] = geom[7 + i];
        g.stride[i] = geom[10 + i];
        g.pad[i] = geom[13 + i];
        g.dil[i] = geom[16 + i];
        if (g.size[i] < 0 || g.out[i] < 0 || g.k[i] < 1 || g.stride[i] < 1 || g.pad[i] < 0 ||
            g.dil[i] < 1)
            return PYT_CUDA_ERR_INVALID;
    }
    g.count_include_pad = geom[19];
    g.divisor = geom[20];
    if (op < POOL_MAX || op > POOL_ADAPTIVE_AVG_GRAD || g.planes < 0)
        return PYT_CUDA_ERR_INVALID;
    /* every op loops over the outputs: none, nothing to do (and no launch: an empty grid
       is an invalid launch). Checked before the pointers, which are NULL for empty
       tensors (an adaptive max pool to size 0 has empty indices). */
    const int64_t n = g.planes * g.out[0] * g.out[1] * g.out[2];
    if (n == 0) return 0;
    if (op == POOL_ADAPTIVE_MAX && idx == nullptr) return PYT_CUDA_ERR_INVALID;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    if (dtype != PYT_FLOAT32 && dtype != PYT_FLOAT64 && op != POOL_MAX && op != POOL_AVG)
        return PYT_CUDA_ERR_UNSUPPORTED;
    switch (dtype) {
    case PYT_INT64: launch_int_pool<int64_t>(op, x, y, idx, g, n, s); break;
    case PYT_INT32: launch_int_pool<int32_t>(op, x, y, idx, g, n, s); break;
    case PYT_INT16: launch_int_pool<int16_t>(op, x, y, idx, g, n, s); break;
    case PYT_INT8: launch_int_pool<int8_t>(op, x, y, idx, g, n, s); break;
    case PYT_UINT8: launch_int_pool<uint8_t>(op, x, y, idx, g, n, s); break;
    case PYT_FLOAT32:
        pool_kernel<float><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            op, (const float *)x, (float *)y, idx, g);
        break;
    case PYT_FLOAT64:
        pool_kernel<double><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            op, (const double *)x, (double *)y, idx, g);
        break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_pool_scatter(int dtype, const void *src, const int64_t *idx, void *dst,
                                     int64_t planes, int64_t src_len, int64_t dst_len,
                                     int gather)
{
    if (planes < 0 || src_len < 0 || dst_len < 0) return PYT_CUDA_ERR_INVALID;
    const int64_t n = planes * (gather ? dst_len : src_len);
    if (n == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    switch (dtype) {
    case PYT_FLOAT32:
        pool_scatter_kernel<float><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (const float *)src, idx, (float *)dst, planes, src_len, dst_len, gather);
        break;
    case PYT_FLOAT64:
        pool_scatter_kernel<double><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (const double *)src, idx, (double *)dst, planes, src_len, dst_len, gather);
        break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}
