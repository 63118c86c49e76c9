/* pyt_cuda_softmax: pyt_softmax.h's softmax / log_softmax and their gradients over the
   middle dim of a contiguous [outer, n, inner] tensor, with the CPU's formulas:
     softmax      y = exp(x - max) * (1 / sum exp(x - max))
     log_softmax  y = (x - max) - log(sum exp(x - max))
     gradients    softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g)
   float16 and bfloat16 compute in float (as the CPU, which converts them to float32 and
   back, rounding to nearest even); float exp is the CPU's pyt_expf.

   inner == 1: a warp (n <= 1024) or a block of 256 threads per row, reading the row
   once per pass (max, sum, write); inner > 1: a thread per (outer, column) walking down
   its column, so neighbouring threads read neighbouring values. */
#include <math.h>
#include <stdint.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#ifndef PYT_SOFTMAX_HOST_SIM        /* a host check compiles the kernels with stand-ins */
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include "iter.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);
#endif

#define SM_THREADS 256

/* storage <-> compute type */
struct SmHalf { uint16_t bits; };
struct SmBF16 { uint16_t bits; };

__device__ __forceinline__ float sm_load(SmHalf x) { return __half2float(__ushort_as_half(x.bits)); }
__device__ __forceinline__ float sm_load(SmBF16 x) { return __uint_as_float((uint32_t)x.bits << 16); }
__device__ __forceinline__ float sm_load(float x) { return x; }
__device__ __forceinline__ double sm_load(double x) { return x; }

template <typename T> __device__ __forceinline__ T sm_store(float v);
template <> __device__ __forceinline__ SmHalf sm_store<SmHalf>(float v)
{
    SmHalf h; h.bits = __half_as_ushort(__float2half_rn(v)); return h;
}
/* pyt_float_to_bfloat16: NaN stays a quiet NaN, otherwise round to nearest even */
template <> __device__ __forceinline__ SmBF16 sm_store<SmBF16>(float v)
{
    uint32_t u = __float_as_uint(v);
    SmBF16 b;
    if ((u & 0x7fffffffu) > 0x7f800000u) b.bits = (uint16_t)((u >> 16) | 0x40u);
    else b.bits = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    return b;
}
template <> __device__ __forceinline__ float sm_store<float>(float v) { return v; }
template <typename T> __device__ __forceinline__ T sm_store(double v) { return v; }

/* the CPU's pyt_expf: 0 below -87, NaN for NaN, within about 1 ulp */
__device__ __forceinline__ float sm_exp(float x)
{
    float xc = x < -87.0f ? -87.0f : x;
    xc = xc > 88.0f ? 88.0f : xc;
    const float shifter = 12582912.0f;
    float n = (xc * 1.44269504088896341f + shifter) - shifter;
    float r = xc - n * 0.693145751953125f;
    r = r - n * 1.428606765330187045e-06f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    float e = p * __int_as_float(((int32_t)n + 127) << 23);
    return x < -87.0f ? 0.0f : e;
}
__device__ __forceinline__ double sm_exp(double x) { return exp(x); }
__device__ __forceinline__ float sm_log(float x) { return logf(x); }
__device__ __forceinline__ double sm_log(double x) { return log(x); }

/* max as the CPU folds it (a NaN never replaces the running maximum) */
template <typename S> __device__ __forceinline__ S sm_max(S a, S b) { return b > a ? b : a; }

/* Combines v over each aligned group of gs threads (32, or SM_THREADS for the block);
   every thread of the block calls it and gets its group's result. */
template <typename S, bool IS_MAX>
__device__ __forceinline__ S group_all(S v, int gs, S *smem)
{
    for (int off = 16; off > 0; off /= 2) {
        S o = __shfl_xor_sync(0xffffffffu, v, off);
        v = IS_MAX ? sm_max(v, o) : v + o;
    }
    if (gs > 32) {
        const int warp = threadIdx.x / 32;
        __syncthreads();                          /* smem free from the last use */
        if (threadIdx.x % 32 == 0) smem[warp] = v;
        __syncthreads();
        v = smem[0];
        for (int w = 1; w < SM_THREADS / 32; w++) v = IS_MAX ? sm_max(v, smem[w]) : v + smem[w];
    }
    return v;
}

/* inner == 1: gs threads per row of n values */
template <typename T, typename S>
__global__ void __launch_bounds__(SM_THREADS) softmax_rows(const T *a, const T *b, T *out,
        int64_t rows, int64_t n, int take_log, int grad, int gs)
{
    __shared__ S smem[SM_THREADS / 32];
    const int per_block = SM_THREADS / gs, lane = threadIdx.x % gs;
    const int64_t blocks = (rows + per_block - 1) / per_block;
    for (int64_t blk = blockIdx.x; blk < blocks; blk += gridDim.x) {
        int64_t row = blk * per_block + threadIdx.x / gs;
        bool active = row < rows;                 /* idle rows still join the combines */
        int64_t len = active ? n : 0;
        const T *x = a + (active ? row : 0) * n;
        T *y = out + (active ? row : 0) * n;
        if (!grad) {
            S m = -INFINITY, s = 0;
            for (int64_t i = lane; i < len; i += gs) m = sm_max(m, sm_load(x[i]));
            m = group_all<S, true>(m, gs, smem);
            for (int64_t i = lane; i < len; i += gs) s += sm_exp(sm_load(x[i]) - m);
            s = group_all<S, false>(s, gs, smem);
            if (take_log) {
                const S ls = sm_log(s);
                for (int64_t i = lane; i < len; i += gs) y[i] = sm_store<T>((sm_load(x[i]) - m) - ls);
            } else {
                const S r = (S)1 / s;
                for (int64_t i = lane; i < len; i += gs) y[i] = sm_store<T>(sm_exp(sm_load(x[i]) - m) * r);
            }
        } else {
            const T *g = b + (active ? row : 0) * n;      /* a: the forward output y */
            S s = 0;
            if (take_log) for (int64_t i = lane; i < len; i += gs) s += sm_load(g[i]);
            else for (int64_t i = lane; i < len; i += gs) s += sm_load(g[i]) * sm_load(x[i]);
            s = group_all<S, false>(s, gs, smem);
            if (take_log)
                for (int64_t i = lane; i < len; i += gs)
                    y[i] = sm_store<T>(sm_load(g[i]) - sm_exp(sm_load(x[i])) * s);
            else
                for (int64_t i = lane; i < len; i += gs)
                    y[i] = sm_store<T>(sm_load(x[i]) * (sm_load(g[i]) - s));
        }
    }
}

/* inner > 1: a thread per column (o, j), its n values `inner` apart */
template <typename T, typename S>
__global__ void __launch_bounds__(SM_THREADS) softmax_columns(const T *a, const T *b, T *out,
        int64_t outer, int64_t n, int64_t inner, int take_log, int grad)
{
    const int64_t cols = outer * inner;
    for (int64_t col = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; col < cols;
         col += (int64_t)gridDim.x * blockDim.x) {
        int64_t o = col / inner, base = o * n * inner + (col - o * inner);
        const T *x = a + base;
        T *y = out + base;
        if (!grad) {
            S m = sm_load(x[0]), s = 0;
            for (int64_t d = 1; d < n; d++) m = sm_max(m, sm_load(x[d * inner]));
            for (int64_t d = 0; d < n; d++) s += sm_exp(sm_load(x[d * inner]) - m);
            if (take_log) {
                const S ls = sm_log(s);
                for (int64_t d = 0; d < n; d++)
                    y[d * inner] = sm_store<T>((sm_load(x[d * inner]) - m) - ls);
            } else {
                const S r = (S)1 / s;
                for (int64_t d = 0; d < n; d++)
                    y[d * inner] = sm_store<T>(sm_exp(sm_load(x[d * inner]) - m) * r);
            }
        } else {
            const T *g = b + base;
            S s = 0;
            for (int64_t d = 0; d < n; d++)
                s += take_log ? sm_load(g[d * inner]) : sm_load(g[d * inner]) * sm_load(x[d * inner]);
            for (int64_t d = 0; d < n; d++) {
                S gv = sm_load(g[d * inner]), yv = sm_load(x[d * inner]);
                y[d * inner] = sm_store<T>(take_log ? gv - sm_exp(yv) * s : yv * (gv - s));
            }
        }
    }
}

#ifndef PYT_SOFTMAX_HOST_SIM
template <typename T, typename S>
static int softmax_launch(const void *a, const void *b, void *out, int64_t outer, int64_t n,
                          int64_t inner, int take_log, int grad)
{
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    const T *ta = (const T *)a, *tb = (const T *)b;
    T *to = (T *)out;
    if (inner == 1) {
        int gs = n <= 1024 ? 32 : SM_THREADS;
        int64_t blocks = (outer + SM_THREADS / gs - 1) / (SM_THREADS / gs);
        if (blocks > (1 << 20)) blocks = 1 << 20;
        softmax_rows<T, S><<<(unsigned)blocks, SM_THREADS, 0, stream>>>(ta, tb, to, outer, n,
                                                                         take_log, grad, gs);
    } else {
        softmax_columns<T, S><<<pyt_blocks_for(outer * inner), SM_THREADS, 0, stream>>>(
            ta, tb, to, outer, n, inner, take_log, grad);
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_softmax(int dtype, const void *a, const void *b, void *out,
                                int64_t outer, int64_t n, int64_t inner, int log, int grad)
{
    if (outer < 0 || n < 0 || inner < 0 || (grad && b == NULL)) return PYT_CUDA_ERR_INVALID;
    if (outer == 0 || n == 0 || inner == 0) return 0;
    switch (dtype) {
    case PYT_FLOAT16: return softmax_launch<SmHalf, float>(a, b, out, outer, n, inner, log, grad);
    case PYT_BFLOAT16: return softmax_launch<SmBF16, float>(a, b, out, outer, n, inner, log, grad);
    case PYT_FLOAT32: return softmax_launch<float, float>(a, b, out, outer, n, inner, log, grad);
    case PYT_FLOAT64: return softmax_launch<double, double>(a, b, out, outer, n, inner, log, grad);
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
}
#endif
