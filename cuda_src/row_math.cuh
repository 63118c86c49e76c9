/* What softmax.cu and loss.cu share: half/bfloat16 storage types and their float
   conversions (as the CPU's), the CPU's exp, and the warp / block reduction of a row's
   max or sum. */
#ifndef PYT_CUDA_ROW_MATH_CUH
#define PYT_CUDA_ROW_MATH_CUH
#include <math.h>
#include <stdint.h>
#include <cuda_runtime.h>
#include <cuda_fp16.h>

namespace {

/* storage <-> compute type */
struct RowHalf { uint16_t bits; };
struct RowBF16 { uint16_t bits; };

__device__ __forceinline__ float row_load(RowHalf x) { return __half2float(__ushort_as_half(x.bits)); }
__device__ __forceinline__ float row_load(RowBF16 x) { return __uint_as_float((uint32_t)x.bits << 16); }
__device__ __forceinline__ float row_load(float x) { return x; }
__device__ __forceinline__ double row_load(double x) { return x; }

template <typename T> __device__ __forceinline__ T row_store(float v);
template <> __device__ __forceinline__ RowHalf row_store<RowHalf>(float v)
{
    RowHalf h; h.bits = __half_as_ushort(__float2half_rn(v)); return h;
}
/* pyt_float_to_bfloat16: NaN stays a quiet NaN, otherwise round to nearest even */
template <> __device__ __forceinline__ RowBF16 row_store<RowBF16>(float v)
{
    uint32_t u = __float_as_uint(v);
    RowBF16 b;
    if ((u & 0x7fffffffu) > 0x7f800000u) b.bits = (uint16_t)((u >> 16) | 0x40u);
    else b.bits = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    return b;
}
template <> __device__ __forceinline__ float row_store<float>(float v) { return v; }
template <typename T> __device__ __forceinline__ T row_store(double v) { return v; }

/* the CPU's pyt_expf: 0 below -87, NaN for NaN, within about 1 ulp */
__device__ __forceinline__ float row_exp(float x)
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
__device__ __forceinline__ double row_exp(double x) { return exp(x); }
__device__ __forceinline__ float row_log(float x) { return logf(x); }
__device__ __forceinline__ double row_log(double x) { return log(x); }

/* max as the CPU folds it (a NaN never replaces the running maximum) */
template <typename S> __device__ __forceinline__ S row_max(S a, S b) { return b > a ? b : a; }

/* Combines v over each aligned group of gs threads (32, or THREADS for the block);
   every thread of the block calls it and gets its group's result. */
template <typename S, bool IS_MAX, int THREADS>
__device__ __forceinline__ S row_group(S v, int gs, S *smem)
{
    for (int off = 16; off > 0; off /= 2) {
        S o = __shfl_xor_sync(0xffffffffu, v, off);
        v = IS_MAX ? row_max(v, o) : v + o;
    }
    if (gs > 32) {
        const int warp = threadIdx.x / 32;
        __syncthreads();                          /* smem free from the last use */
        if (threadIdx.x % 32 == 0) smem[warp] = v;
        __syncthreads();
        v = smem[0];
        for (int w = 1; w < THREADS / 32; w++) v = IS_MAX ? row_max(v, smem[w]) : v + smem[w];
    }
    return v;
}

}  // namespace
#endif
