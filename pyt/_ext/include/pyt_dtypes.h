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

#include <math.h>
#include <string.h>

static inline float pyt_bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t pyt_float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* The half <-> float conversions are branch-free, with the float unit doing the
   rebiasing and the rounding (the technique of Marat Dukhan's FP16 library, which
   PyTorch uses too), so that a loop of them vectorises: a branchy version made casting
   to and from float16 10-50x slower than torch's. Checked against a bit-by-bit reference
   on every input (all 2^32 floats, all 2^16 halves). */
static inline float pyt_half_to_float(pyt_half h)
{
    uint32_t twice = (uint32_t)h << 17;               /* exponent and mantissa, no sign */
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    /* normal, inf and nan: shift the fields into place and rebias by a multiplication,
       which also maps half's top exponent to float's */
    float normal = pyt_bits_to_float((twice >> 4) + (0xe0u << 23)) * 0x1.0p-112f;
    /* subnormal: the mantissa as the low bits of 0.5's mantissa, then minus 0.5 */
    float subnormal = pyt_bits_to_float((twice >> 17) | (126u << 23)) - 0.5f;
    uint32_t r = twice < (1u << 27) ? pyt_float_to_bits(subnormal) : pyt_float_to_bits(normal);
    return pyt_bits_to_float(sign | r);
}

static inline pyt_half pyt_float_to_half(float f)
{
    uint32_t bits = pyt_float_to_bits(f);
    uint32_t sign = (bits >> 16) & 0x8000u;
    uint32_t twice = bits + bits;                    /* drops the sign */
    /* too large for a half: scaling up and back down makes it infinity */
    float magnitude = (fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f;
    /* adding 2^(e + 13) (at least 2^-1, for half's subnormals) leaves the bits a half
       keeps in the sum's low mantissa, rounded to nearest even by the addition */
    uint32_t exponent = twice & 0xff000000u;
    if (exponent < 0x71000000u)
        exponent = 0x71000000u;
    float rounded = pyt_bits_to_float((exponent >> 1) + 0x07800000u) + magnitude;
    uint32_t r = pyt_float_to_bits(rounded);
    uint32_t half_bits = ((r >> 13) & 0x7c00u) + (r & 0x0fffu);
    return (pyt_half)(sign | (twice > 0xff000000u ? 0x7e00u : half_bits));
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
