/* Atomic read-modify-write of any element type, for index.cu's accumulation.

   The GPU has atomicCAS on 32- and 64-bit words only: an 8- or 16-bit element is
   updated through the aligned 32-bit word that holds it (its "lane"), retrying until no
   other thread changed the word in between. The lane arithmetic and the 16-bit float
   conversions are __host__ __device__ so that host tests can check them. */
#ifndef PYT_INDEX_ATOMICS_CUH
#define PYT_INDEX_ATOMICS_CUH
#include <stdint.h>
#include <string.h>
#include <cuda_fp16.h>

/* ---- lanes of a 32-bit word (little-endian: the byte at address a is bits 8*(a%4)..) --- */

__host__ __device__ inline uint32_t lane_shift(uintptr_t address)
{
    return (uint32_t)(address & 3u) * 8u;
}

__host__ __device__ inline uint32_t lane_mask(int size)
{
    return size == 1 ? 0xffu : 0xffffu;
}

/* word with the lane of the element at `address` (size 1 or 2 bytes) replaced by
   f(the lane's old bits); bits of f's result beyond the lane are dropped */
template <typename F>
__host__ __device__ inline uint32_t lane_apply(uint32_t word, uintptr_t address, int size, F f)
{
    uint32_t shift = lane_shift(address), mask = lane_mask(size);
    uint32_t old = (word >> shift) & mask;
    uint32_t updated = f(old) & mask;
    return (word & ~(mask << shift)) | (updated << shift);
}

/* ---- 16-bit floats, converted as pyt_dtypes.h converts them --------------------------- */

__host__ __device__ inline uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

__host__ __device__ inline float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

__host__ __device__ inline float bits16_to_float(uint32_t b, bool bf16)
{
    if (bf16) return bits_float(b << 16);
    __half_raw raw;
    raw.x = (unsigned short)b;
    return __half2float(__half(raw));
}

/* round to nearest even; nan becomes the quiet nan pyt's CPU conversions give */
__host__ __device__ inline uint32_t float_to_bits16(float f, bool bf16)
{
    uint32_t u = float_bits(f);
    bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    if (bf16) {
        if (nan) return ((u >> 16) | 0x40u) & 0xffffu;
        return ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16) & 0xffffu;
    }
    if (nan) return ((u >> 16) & 0x8000u) | 0x7e00u;
    __half_raw raw = __half_raw(__float2half_rn(f));
    return raw.x;
}

/* ---- the updates (each maps a lane's or word's old bits to its new bits) -------------- */

struct lane_add {                /* integers mod 2^bits: old + alpha * v */
    uint32_t delta;
    __host__ __device__ uint32_t operator()(uint32_t old) const { return old + delta; }
};

struct lane_mul {
    uint32_t v;
    __host__ __device__ uint32_t operator()(uint32_t old) const { return old * v; }
};

struct bool_update {             /* bool arithmetic: + is or, * is and */
    bool multiply, alpha;
    uint32_t v;
    __host__ __device__ uint32_t operator()(uint32_t old) const
    {
        return multiply ? (old != 0 && v != 0) : (old != 0 || (alpha && v != 0));
    }
};

struct half_update {             /* float16 / bfloat16: computed in float, rounded back */
    bool multiply, bf16;
    float v;
    __host__ __device__ uint32_t operator()(uint32_t old) const
    {
        float o = bits16_to_float(old, bf16);
        return float_to_bits16(multiply ? o * v : o + v, bf16);
    }
};

struct mul_uint32 {
    uint32_t v;
    __host__ __device__ uint32_t operator()(uint32_t old) const { return old * v; }
};

struct mul_uint64 {
    unsigned long long v;
    __host__ __device__ unsigned long long operator()(unsigned long long old) const
    {
        return old * v;
    }
};

struct mul_float32 {
    float v;
    __host__ __device__ uint32_t operator()(uint32_t old) const
    {
        return float_bits(bits_float(old) * v);
    }
};

struct mul_float64 {
    double v;
    __host__ __device__ unsigned long long operator()(unsigned long long old) const
    {
        double d;
        memcpy(&d, &old, 8);
        d *= v;
        unsigned long long r;
        memcpy(&r, &d, 8);
        return r;
    }
};

/* ---- the compare-and-swap loops -------------------------------------------------------- */

#ifdef __CUDACC__
template <typename F>
__device__ inline void atomic_update32(uint32_t *p, F f)
{
    unsigned int old = *p, assumed;
    do {
        assumed = old;
        old = atomicCAS((unsigned int *)p, assumed, (unsigned int)f(assumed));
    } while (old != assumed);
}

template <typename F>
__device__ inline void atomic_update64(unsigned long long *p, F f)
{
    unsigned long long old = *p, assumed;
    do {
        assumed = old;
        old = atomicCAS(p, assumed, f(assumed));
    } while (old != assumed);
}

/* the element of `size` (1 or 2) bytes at p, through its aligned 32-bit word */
template <typename F>
__device__ inline void atomic_update_lane(char *p, int size, F f)
{
    uintptr_t address = (uintptr_t)p;
    unsigned int *word = (unsigned int *)(address & ~(uintptr_t)3);
    unsigned int old = *word, assumed;
    do {
        assumed = old;
        old = atomicCAS(word, assumed, lane_apply(assumed, address, size, f));
    } while (old != assumed);
}
#endif

#endif
