/* Dtype codes shared by the Cython core and the C kernels. The order is also
   the order of pyt's dtype table; never reorder (pickles and kernels index by it). */
#ifndef PYT_DTYPES_H
#define PYT_DTYPES_H
#include <stdint.h>

enum {
    PYT_BOOL = 0, PYT_UINT8, PYT_INT8, PYT_INT16, PYT_INT32, PYT_INT64,
    PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64,
    PYT_NUM_DTYPES
};

/* half and bfloat16 are stored as raw 16-bit patterns */
typedef uint16_t pyt_half;
typedef uint16_t pyt_bfloat16;
typedef uint8_t pyt_bool;

static inline float pyt_half_to_float(pyt_half h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else {                       /* subnormal: renormalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400u)) { man <<= 1; exp--; }
            man &= 0x3ffu;
            bits = sign | (exp << 23) | (man << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);   /* inf / nan */
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    union { uint32_t u; float f; } v; v.u = bits;
    return v.f;
}

static inline pyt_half pyt_float_to_half(float f)
{
    union { uint32_t u; float f; } v; v.f = f;
    uint32_t x = v.u;
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u)                         /* inf or nan */
        return (pyt_half)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
    if (absx >= 0x477ff000u)                         /* rounds past 65504: inf */
        return (pyt_half)(sign | 0x7c00u);
    if (absx < 0x38800000u) {                        /* subnormal half or zero */
        if (absx < 0x33000000u) return (pyt_half)sign;   /* below half the smallest */
        uint32_t e = absx >> 23;
        uint32_t m = (absx & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - e;                    /* 14..24 */
        uint32_t r = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) r++;
        return (pyt_half)(sign | r);
    }
    /* normal: rebias the exponent and round to nearest even on 13 dropped bits */
    uint32_t r = ((absx - 0x38000000u) >> 13);
    uint32_t rem = absx & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) r++;
    return (pyt_half)(sign | r);
}

static inline float pyt_bfloat16_to_float(pyt_bfloat16 b)
{
    union { uint32_t u; float f; } v; v.u = (uint32_t)b << 16;
    return v.f;
}

static inline pyt_bfloat16 pyt_float_to_bfloat16(float f)
{
    union { uint32_t u; float f; } v; v.f = f;
    if ((v.u & 0x7fffffffu) > 0x7f800000u)           /* keep nan a quiet nan */
        return (pyt_bfloat16)((v.u >> 16) | 0x40u);
    uint32_t rounding = 0x7fffu + ((v.u >> 16) & 1u);
    return (pyt_bfloat16)((v.u + rounding) >> 16);
}

#endif
