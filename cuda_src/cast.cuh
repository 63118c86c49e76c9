/* Element types of pyt's dtypes on the GPU and the CPU's conversions between them
   (pyt_cast.h, pyt_dtypes.h), bit for bit. Every function is __host__ __device__, so a
   host program can check them against the CPU's loops. */
#ifndef PYT_CUDA_CAST_CUH
#define PYT_CUDA_CAST_CUH
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <type_traits>
#include <cuda_fp16.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"

#define PYT_HD static __host__ __device__ __forceinline__
#define PYT_HD_MEMBER __host__ __device__ __forceinline__

/* file-local: other .cu files of the library may use the same names */
namespace {

PYT_HD float pyt_cu_float_of_bits(uint32_t u)
{
#ifdef __CUDA_ARCH__
    return __uint_as_float(u);
#else
    float f; memcpy(&f, &u, 4); return f;
#endif
}

PYT_HD uint32_t pyt_cu_bits_of_float(float f)
{
#ifdef __CUDA_ARCH__
    return __float_as_uint(f);
#else
    uint32_t u; memcpy(&u, &f, 4); return u;
#endif
}

/* Exact, nan payloads included; a signalling nan comes out quiet, as the CPU's float
   multiplication leaves it. */
PYT_HD float pyt_cu_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) {                                      /* zero and subnormals: m 2^-24 */
        float f = (float)m * 5.9604644775390625e-08f;
        return sign ? -f : f;
    }
    uint32_t bits = e == 0x1f ? (0x7f800000u | (m << 13) | (m ? 0x00400000u : 0u))
                              : (((e + 112u) << 23) | (m << 13));
    return pyt_cu_float_of_bits(sign | bits);
}

/* Round to nearest even, as pyt_float_to_half; every nan becomes (sign | 0x7e00). */
PYT_HD uint16_t pyt_cu_float_to_half(float f)
{
    uint32_t bits = pyt_cu_bits_of_float(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)(((bits >> 16) & 0x8000u) | 0x7e00u);
    return __half_as_ushort(__float2half_rn(f));
}

PYT_HD float pyt_cu_bfloat16_to_float(uint16_t b)
{
    return pyt_cu_float_of_bits((uint32_t)b << 16);
}

PYT_HD uint16_t pyt_cu_float_to_bfloat16(float f)
{
    uint32_t u = pyt_cu_bits_of_float(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)               /* keep nan a quiet nan */
        return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* float -> int64 as x86's cvttsd2si: truncation, and INT64_MIN for nan and anything
   out of range (C leaves that undefined; the GPU would saturate instead) */
PYT_HD int64_t pyt_cu_double_to_int64(double d)
{
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return INT64_MIN;
    return (int64_t)d;
}

/* ---- the dtypes: storage type T, compute type C (pyt_binary.h's PYT_T_ / PYT_C_),
   load and store (PYT_LD_ / PYT_ST_), and the compute class K (0 integers and bool,
   1 float: float16, bfloat16, float32; 2 double) ---------------------------------- */

template <int CODE> struct pyt_dt;
#define PYT_DT_INT(CODE, TT, CT)                                                        \
    template <> struct pyt_dt<CODE> {                                                   \
        typedef TT T; typedef CT C;                                                     \
        static const int K = 0;                                                         \
        PYT_HD C ld(T x) { return (C)x; }                                               \
        template <typename V> PYT_HD T st(V x) { return (T)x; }                         \
    };
template <> struct pyt_dt<PYT_BOOL> {
    typedef uint8_t T; typedef int C;
    static const int K = 0;
    PYT_HD C ld(T x) { return (C)x; }
    template <typename V> PYT_HD T st(V x) { return (T)(x != 0); }
};
PYT_DT_INT(PYT_UINT8, uint8_t, uint8_t)
PYT_DT_INT(PYT_INT8, int8_t, int8_t)
PYT_DT_INT(PYT_INT16, int16_t, int16_t)
PYT_DT_INT(PYT_INT32, int32_t, int32_t)
PYT_DT_INT(PYT_INT64, int64_t, int64_t)
template <> struct pyt_dt<PYT_FLOAT16> {
    typedef uint16_t T; typedef float C;
    static const int K = 1;
    PYT_HD C ld(T x) { return pyt_cu_half_to_float(x); }
    template <typename V> PYT_HD T st(V x) { return pyt_cu_float_to_half((float)x); }
};
template <> struct pyt_dt<PYT_BFLOAT16> {
    typedef uint16_t T; typedef float C;
    static const int K = 1;
    PYT_HD C ld(T x) { return pyt_cu_bfloat16_to_float(x); }
    template <typename V> PYT_HD T st(V x) { return pyt_cu_float_to_bfloat16((float)x); }
};
template <> struct pyt_dt<PYT_FLOAT32> {
    typedef float T; typedef float C;
    static const int K = 1;
    PYT_HD C ld(T x) { return x; }
    template <typename V> PYT_HD T st(V x) { return (float)x; }
};
template <> struct pyt_dt<PYT_FLOAT64> {
    typedef double T; typedef double C;
    static const int K = 2;
    PYT_HD C ld(T x) { return x; }
    template <typename V> PYT_HD T st(V x) { return (double)x; }
};

/* Calls f.template operator()<CODE>() for a runtime dtype code; returns
   PYT_CUDA_ERR_INVALID for an unknown one. */
template <typename F>
static int pyt_dispatch_dtype(int code, F &&f)
{
    switch (code) {
    case PYT_BOOL: return f.template operator()<PYT_BOOL>();
    case PYT_UINT8: return f.template operator()<PYT_UINT8>();
    case PYT_INT8: return f.template operator()<PYT_INT8>();
    case PYT_INT16: return f.template operator()<PYT_INT16>();
    case PYT_INT32: return f.template operator()<PYT_INT32>();
    case PYT_INT64: return f.template operator()<PYT_INT64>();
    case PYT_FLOAT16: return f.template operator()<PYT_FLOAT16>();
    case PYT_BFLOAT16: return f.template operator()<PYT_BFLOAT16>();
    case PYT_FLOAT32: return f.template operator()<PYT_FLOAT32>();
    case PYT_FLOAT64: return f.template operator()<PYT_FLOAT64>();
    default: return PYT_CUDA_ERR_INVALID;
    }
}

PYT_HD int pyt_cu_itemsize(int code)
{
    return code <= PYT_INT8 ? 1 : code == PYT_INT16 ? 2 : code == PYT_INT32 ? 4
         : code == PYT_INT64 ? 8 : code <= PYT_BFLOAT16 ? 2 : code == PYT_FLOAT32 ? 4 : 8;
}

/* ---- pyt_cast.h's conversion: a value is read into a wide one (int64 for integers and
   bool, double for floats), then written as the destination dtype ------------------- */

struct pyt_wide {
    int is_float;
    int64_t i;
    double d;
};

PYT_HD pyt_wide pyt_cu_read(const void *p, int code)
{
    pyt_wide w;
    w.is_float = code >= PYT_FLOAT16;
    w.i = 0;
    w.d = 0;
    switch (code) {
    case PYT_BOOL: w.i = *(const uint8_t *)p != 0; break;
    case PYT_UINT8: w.i = *(const uint8_t *)p; break;
    case PYT_INT8: w.i = *(const int8_t *)p; break;
    case PYT_INT16: w.i = *(const int16_t *)p; break;
    case PYT_INT32: w.i = *(const int32_t *)p; break;
    case PYT_INT64: w.i = *(const int64_t *)p; break;
    case PYT_FLOAT16: w.d = pyt_cu_half_to_float(*(const uint16_t *)p); break;
    case PYT_BFLOAT16: w.d = pyt_cu_bfloat16_to_float(*(const uint16_t *)p); break;
    case PYT_FLOAT32: w.d = *(const float *)p; break;
    default: w.d = *(const double *)p; break;
    }
    return w;
}

PYT_HD void pyt_cu_write(void *p, int code, pyt_wide w)
{
    if (code == PYT_BOOL) {
        *(uint8_t *)p = w.is_float ? (w.d != 0) : (w.i != 0);
        return;
    }
    if (code < PYT_FLOAT16) {
        int64_t v = w.is_float ? pyt_cu_double_to_int64(w.d) : w.i;
        switch (code) {
        case PYT_UINT8: *(uint8_t *)p = (uint8_t)v; break;
        case PYT_INT8: *(int8_t *)p = (int8_t)v; break;
        case PYT_INT16: *(int16_t *)p = (int16_t)v; break;
        case PYT_INT32: *(int32_t *)p = (int32_t)v; break;
        default: *(int64_t *)p = v; break;
        }
        return;
    }
    if (code == PYT_FLOAT64) {
        *(double *)p = w.is_float ? w.d : (double)w.i;
        return;
    }
    /* float16, bfloat16 and float32 go through float, as (float)(v) on the CPU */
    float f = w.is_float ? (float)w.d : (float)w.i;
    if (code == PYT_FLOAT32) *(float *)p = f;
    else if (code == PYT_FLOAT16) *(uint16_t *)p = pyt_cu_float_to_half(f);
    else *(uint16_t *)p = pyt_cu_float_to_bfloat16(f);
}

}  // namespace

#endif
