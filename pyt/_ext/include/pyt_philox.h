/* Philox4x32-10, the counter-based generator behind every pyt random number,
   and the maps from its raw bits to numbers.

   Philox (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as
   1, 2, 3", SC 2011) turns a 128-bit counter and a 64-bit key into 128 random
   bits with ten rounds of multiply / xor. There is no state to carry from one
   number to the next: block b of a stream is philox(counter = b, key = seed),
   so any thread (or GPU lane) can compute any block directly.

   pyt's stream layout (the same on every device, so keep it fixed):
     key      = the generator's 64-bit seed (low word first)
     counter  = (block: 64 bits, draw: 64 bits), low words first
   A generator's offset counts the blocks handed out so far. A call filling n
   values of a kind that takes k values per block (see _values_per_block in
   philox.pyx) reserves ceil(n / k) blocks starting at the offset; value i comes
   from block offset + i / k, slot i % k, with draw = 0. A sampler that needs
   a varying number of draws per value (Poisson) gives value i block offset + i
   and counts its draws in the draw half of the counter.

   Everything here is a pure function, written so that a CUDA file can include
   it unchanged. */
#ifndef PYT_PHILOX_H
#define PYT_PHILOX_H
#include <stdint.h>
#include <math.h>

#ifdef __CUDACC__
#define PYT_RNG_FN static __host__ __device__ __forceinline__
#else
#define PYT_RNG_FN static inline
#endif

#define PYT_PHILOX_M0 0xD2511F53u        /* round multipliers */
#define PYT_PHILOX_M1 0xCD9E8D57u
#define PYT_PHILOX_W0 0x9E3779B9u        /* key schedule: golden ratio, sqrt(3) - 1 */
#define PYT_PHILOX_W1 0xBB67AE85u

/* The raw bijection, as published (Random123's known-answer vectors test it). */
PYT_RNG_FN void pyt_philox4x32_10_raw(const uint32_t ctr[4], const uint32_t key[2],
                                      uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        if (round > 0) { k0 += PYT_PHILOX_W0; k1 += PYT_PHILOX_W1; }
        uint64_t p0 = (uint64_t)PYT_PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PYT_PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1;
        c3 = (uint32_t)p0;
        c0 = n0;
        c2 = n2;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/* Block `block`, draw `draw` of the stream of `seed`. */
PYT_RNG_FN void pyt_philox_block(uint64_t seed, uint64_t block, uint64_t draw, uint32_t out[4])
{
    uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32),
                       (uint32_t)draw, (uint32_t)(draw >> 32)};
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    pyt_philox4x32_10_raw(ctr, key, out);
}

PYT_RNG_FN uint64_t pyt_rng_u64(uint32_t lo, uint32_t hi)
{
    return (uint64_t)lo | ((uint64_t)hi << 32);
}

/* [0, 1) on a grid of 2^-digits (digits <= 24): the dtype's own precision, so
   the result never rounds up to 1 when stored (float16: 11, bfloat16: 8). */
PYT_RNG_FN double pyt_rng_uniform_bits(uint32_t w, int digits)
{
    return (double)(w >> (32 - digits)) * (1.0 / (double)(1u << digits));
}

/* [0, 1) with 53 random bits. */
PYT_RNG_FN double pyt_rng_uniform53(uint64_t r)
{
    return (double)(r >> 11) * (1.0 / 9007199254740992.0);
}

/* (0, 1), never 0 nor 1, for the samplers that take a log or a tan of it. */
PYT_RNG_FN double pyt_rng_open01(uint64_t r)
{
    return ((double)(r >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}

/* An integer in [0, range) from 64 random bits, range == 0 meaning 2^64: the
   high half of r * range (Lemire). The bias is below range / 2^64, far under
   anything a test can see for the ranges a 32-bit-or-smaller dtype allows. */
PYT_RNG_FN uint64_t pyt_rng_below(uint64_t r, uint64_t range)
{
    if (range == 0) return r;
#if defined(__CUDA_ARCH__)
    return __umul64hi(r, range);
#elif defined(__SIZEOF_INT128__)
    return (uint64_t)(((unsigned __int128)r * range) >> 64);
#else
    uint64_t a = r >> 32, b = r & 0xffffffffu, c = range >> 32, d = range & 0xffffffffu;
    uint64_t bd = b * d, ad = a * d, bc = b * c;
    uint64_t mid = (bd >> 32) + (ad & 0xffffffffu) + (bc & 0xffffffffu);
    return a * c + (ad >> 32) + (bc >> 32) + (mid >> 32);
#endif
}

/* Natural log of a normal, positive double, with no libm call (so that a GPU
   computes the same digits): x = m 2^e with m in [sqrt(1/2), sqrt(2)), then
   log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series to
   s^21 (what it leaves out is below 1e-17 of the result). */
PYT_RNG_FN double pyt_rng_log(double x)
{
    union { double d; int64_t i; } bits;
    bits.d = x;
    /* shift the exponent so that the mantissa lands in [sqrt(1/2), sqrt(2)):
       0x3fe6a09e667f3bcd is sqrt(1/2) */
    int64_t shifted = bits.i - 0x3fe6a09e667f3bcdll;
    int64_t exponent = shifted >> 52;                   /* floor, x > 0 */
    bits.i -= exponent << 52;
    double m = bits.d, e = (double)exponent;
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double series = 1.0 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9
                    + s2 * (1.0 / 11 + s2 * (1.0 / 13 + s2 * (1.0 / 15 + s2 * (1.0 / 17
                    + s2 * (1.0 / 19 + s2 * (1.0 / 21))))))))));
    return e * 0.69314718055994530942 + 2.0 * s * series;
}

/* cos and sin of one turn times u, u in [0, 1): u is reduced to the nearest
   quarter turn exactly (u is a multiple of 2^-53), leaving |x| <= pi/4 for the
   Taylor series (to x^15 and x^16: error below 1e-16). */
PYT_RNG_FN void pyt_rng_cos_sin_turns(double u, double *c, double *s)
{
    const double two_pi = 6.283185307179586476925286766559;
    int quarter = (int)(u * 4.0 + 0.5);                 /* 0..4 */
    double x = two_pi * (u - 0.25 * quarter), x2 = x * x;
    double sin_x = x * (1.0 + x2 * (-1.0 / 6 + x2 * (1.0 / 120 + x2 * (-1.0 / 5040
                   + x2 * (1.0 / 362880 + x2 * (-1.0 / 39916800 + x2 * (1.0 / 6227020800.0
                   + x2 * (-1.0 / 1307674368000.0))))))));
    double cos_x = 1.0 + x2 * (-1.0 / 2 + x2 * (1.0 / 24 + x2 * (-1.0 / 720
                   + x2 * (1.0 / 40320 + x2 * (-1.0 / 3628800 + x2 * (1.0 / 479001600
                   + x2 * (-1.0 / 87178291200.0 + x2 * (1.0 / 20922789888000.0))))))));
    switch (quarter & 3) {                               /* turn back by quarter * pi/2 */
    case 0: *c = cos_x; *s = sin_x; break;
    case 1: *c = -sin_x; *s = cos_x; break;
    case 2: *c = -cos_x; *s = -sin_x; break;
    default: *c = sin_x; *s = -cos_x; break;
    }
}

/* Two independent standard normals from the two 64-bit halves of a block
   (Box-Muller): radius from the first, angle from the second. */
PYT_RNG_FN void pyt_rng_normal_pair(uint64_t r0, uint64_t r1, double *z0, double *z1)
{
    double radius = sqrt(-2.0 * pyt_rng_log(pyt_rng_open01(r0)));
    double c, s;
    pyt_rng_cos_sin_turns(pyt_rng_uniform53(r1), &c, &s);
    *z0 = radius * c;
    *z1 = radius * s;
}

#endif
