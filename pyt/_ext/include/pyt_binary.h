/* Inner loops of binary pointwise ops for pyt_loop: operands are (out, a, b), all of
   one dtype T except comparisons, whose out is bool. float16/bfloat16 compute in
   float. Each loop has a contiguous path and a path for a broadcast scalar operand,
   so the common cases are plain loops the compiler vectorises.
   The arithmetic table also holds the division family (floor and truncating division,
   remainder, fmod); integer division by zero is refused before these loops run, and
   the loops themselves never trap (x / 0 gives 0, INT_MIN / -1 wraps as torch's does). */
#ifndef PYT_BINARY_H
#define PYT_BINARY_H
#include <math.h>
#include "pyt_dtypes.h"
#include "pyt_loop.h"

enum { PYT_OP_ADD = 0, PYT_OP_SUB, PYT_OP_MUL, PYT_OP_DIV, PYT_OP_FLOORDIV, PYT_OP_TRUNCDIV,
       PYT_OP_REMAINDER, PYT_OP_FMOD, PYT_NUM_ARITH };
enum { PYT_CMP_EQ = 0, PYT_CMP_NE, PYT_CMP_LT, PYT_CMP_LE, PYT_CMP_GT, PYT_CMP_GE, PYT_NUM_CMP };

/* storage type, compute type, load and store of each dtype */
#define PYT_T_bool uint8_t
#define PYT_T_uint8 uint8_t
#define PYT_T_int8 int8_t
#define PYT_T_int16 int16_t
#define PYT_T_int32 int32_t
#define PYT_T_int64 int64_t
#define PYT_T_float16 pyt_half
#define PYT_T_bfloat16 pyt_bfloat16
#define PYT_T_float32 float
#define PYT_T_float64 double

#define PYT_C_bool int
#define PYT_C_uint8 uint8_t
#define PYT_C_int8 int8_t
#define PYT_C_int16 int16_t
#define PYT_C_int32 int32_t
#define PYT_C_int64 int64_t
#define PYT_C_float16 float
#define PYT_C_bfloat16 float
#define PYT_C_float32 float
#define PYT_C_float64 double

#define PYT_LD_bool(x) ((int)(x))
#define PYT_LD_uint8(x) (x)
#define PYT_LD_int8(x) (x)
#define PYT_LD_int16(x) (x)
#define PYT_LD_int32(x) (x)
#define PYT_LD_int64(x) (x)
#define PYT_LD_float16(x) pyt_half_to_float(x)
#define PYT_LD_bfloat16(x) pyt_bfloat16_to_float(x)
#define PYT_LD_float32(x) (x)
#define PYT_LD_float64(x) (x)

#define PYT_ST_bool(x) ((uint8_t)((x) != 0))
#define PYT_ST_uint8(x) ((uint8_t)(x))
#define PYT_ST_int8(x) ((int8_t)(x))
#define PYT_ST_int16(x) ((int16_t)(x))
#define PYT_ST_int32(x) ((int32_t)(x))
#define PYT_ST_int64(x) ((int64_t)(x))
#define PYT_ST_float16(x) pyt_float_to_half((float)(x))
#define PYT_ST_bfloat16(x) pyt_float_to_bfloat16((float)(x))
#define PYT_ST_float32(x) ((float)(x))
#define PYT_ST_float64(x) ((double)(x))

/* the ops on compute values; integer division is never reached (div promotes to float),
   but is defined safely so that no table entry can fault */
#define PYT_OPX_add(x, y) ((x) + (y))
#define PYT_OPX_sub(x, y) ((x) - (y))
#define PYT_OPX_mul(x, y) ((x) * (y))
#define PYT_OPX_div(x, y) ((y) != 0 ? (x) / (y) : 0)
#define PYT_OPF_div(x, y) ((x) / (y))

/* the division family on integers, with a wrapping y == -1 (x / -1 traps on INT_MIN) */
#define PYT_OPX_truncdiv(x, y) \
    ((y) == 0 ? 0 : (y) == -1 ? (0 - (x)) : (x) / (y))
#define PYT_OPX_floordiv(x, y) \
    ((y) == 0 ? 0 : (y) == -1 ? (0 - (x)) : (x) / (y) - (((x) % (y) != 0) && (((x) < 0) != ((y) < 0))))
#define PYT_OPX_fmod(x, y) ((y) == 0 || (y) == -1 ? 0 : (x) % (y))
#define PYT_OPX_remainder(x, y) \
    ((y) == 0 || (y) == -1 ? 0 : (x) % (y) + ((((x) % (y) != 0) && (((x) % (y) < 0) != ((y) < 0))) ? (y) : 0))

/* ... and on floats, in float (float16/bfloat16/float32) or double */
#define PYT_FLOAT_DIVISION(F, SFX)                                                      \
    static inline F pyt_floordiv_##SFX(F a, F b)                                        \
    {                                                                                   \
        if (b == 0) return a / b;                                                       \
        F mod = fmod##SFX(a, b);                                                        \
        F div = (a - mod) / b;             /* exact multiple of b over b */            \
        if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;                               \
        if (div == 0) return copysign##SFX(0, a / b);                                   \
        F fl = floor##SFX(div);                                                         \
        return div - fl > (F)0.5 ? fl + 1 : fl;                                         \
    }                                                                                   \
    static inline F pyt_remainder_##SFX(F a, F b)                                       \
    {                                                                                   \
        F mod = fmod##SFX(a, b);                                                        \
        return (mod != 0 && ((b < 0) != (mod < 0))) ? mod + b : mod;                    \
    }
PYT_FLOAT_DIVISION(float, f)
PYT_FLOAT_DIVISION(double, )
#define PYT_OPF_floordiv(x, y) pyt_floordiv_f(x, y)
#define PYT_OPF_truncdiv(x, y) truncf((x) / (y))
#define PYT_OPF_remainder(x, y) pyt_remainder_f(x, y)
#define PYT_OPF_fmod(x, y) fmodf(x, y)
#define PYT_OPD_floordiv(x, y) pyt_floordiv_(x, y)
#define PYT_OPD_truncdiv(x, y) trunc((x) / (y))
#define PYT_OPD_remainder(x, y) pyt_remainder_(x, y)
#define PYT_OPD_fmod(x, y) fmod(x, y)
#define PYT_CMPX_eq(x, y) ((x) == (y))
#define PYT_CMPX_ne(x, y) ((x) != (y))
#define PYT_CMPX_lt(x, y) ((x) < (y))
#define PYT_CMPX_le(x, y) ((x) <= (y))
#define PYT_CMPX_gt(x, y) ((x) > (y))
#define PYT_CMPX_ge(x, y) ((x) >= (y))

/* out[i] = EXPR(a[i], b[i]) with OUT the stored type of out */
#define PYT_BIN_LOOP(NAME, D, OUT, ST_OUT, EXPR) PYT_BIN_LOOP_ATTR(, NAME, D, OUT, ST_OUT, EXPR)
/* ATTR: PYT_SIMD_CLONES for loops worth compiling for wider vector units; EXPR may read
   ctx (the op's parameters) */
#define PYT_BIN_LOOP_ATTR(ATTR, NAME, D, OUT, ST_OUT, EXPR)                             \
    ATTR static void NAME(char **p, const Py_ssize_t *s, Py_ssize_t n, void *ctx)       \
    {                                                                                   \
        typedef PYT_T_##D T;                                                            \
        char *o = p[0]; const char *a = p[1], *b = p[2];                                \
        Py_ssize_t so = s[0], sa = s[1], sb = s[2], i;                                  \
        (void)ctx;                                                                      \
        if (so == (Py_ssize_t)sizeof(OUT) && sa == (Py_ssize_t)sizeof(T) &&             \
            sb == (Py_ssize_t)sizeof(T)) {                                              \
            OUT *po = (OUT *)o; const T *pa = (const T *)a, *pb = (const T *)b;         \
            for (i = 0; i < n; i++)                                                     \
                po[i] = ST_OUT(EXPR(PYT_LD_##D(pa[i]), PYT_LD_##D(pb[i])));             \
        } else if (so == (Py_ssize_t)sizeof(OUT) && sa == (Py_ssize_t)sizeof(T) && sb == 0) { \
            OUT *po = (OUT *)o; const T *pa = (const T *)a;                             \
            PYT_C_##D y = PYT_LD_##D(*(const T *)b);                                    \
            for (i = 0; i < n; i++)                                                     \
                po[i] = ST_OUT(EXPR(PYT_LD_##D(pa[i]), y));                             \
        } else if (so == (Py_ssize_t)sizeof(OUT) && sa == 0 && sb == (Py_ssize_t)sizeof(T)) { \
            OUT *po = (OUT *)o; const T *pb = (const T *)b;                             \
            PYT_C_##D x = PYT_LD_##D(*(const T *)a);                                    \
            for (i = 0; i < n; i++)                                                     \
                po[i] = ST_OUT(EXPR(x, PYT_LD_##D(pb[i])));                             \
        } else {                                                                        \
            for (i = 0; i < n; i++)                                                     \
                *(OUT *)(o + i * so) = ST_OUT(EXPR(PYT_LD_##D(*(const T *)(a + i * sa)), \
                                                   PYT_LD_##D(*(const T *)(b + i * sb)))); \
        }                                                                               \
    }

#define PYT_ARITH_FNS(D)                                                                \
    PYT_BIN_LOOP(pyt_add_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_add)                    \
    PYT_BIN_LOOP(pyt_sub_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_sub)                    \
    PYT_BIN_LOOP(pyt_mul_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_mul)                    \
    PYT_BIN_LOOP(pyt_div_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_div)                    \
    PYT_BIN_LOOP(pyt_floordiv_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_floordiv)          \
    PYT_BIN_LOOP(pyt_truncdiv_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_truncdiv)          \
    PYT_BIN_LOOP(pyt_remainder_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_remainder)        \
    PYT_BIN_LOOP(pyt_fmod_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_fmod)
#define PYT_ARITH_FNS_FLOAT(D, OPK)                                                     \
    PYT_BIN_LOOP(pyt_add_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_add)                    \
    PYT_BIN_LOOP(pyt_sub_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_sub)                    \
    PYT_BIN_LOOP(pyt_mul_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPX_mul)                    \
    PYT_BIN_LOOP(pyt_div_##D, D, PYT_T_##D, PYT_ST_##D, PYT_OPF_div)                    \
    PYT_BIN_LOOP(pyt_floordiv_##D, D, PYT_T_##D, PYT_ST_##D, OPK##_floordiv)            \
    PYT_BIN_LOOP(pyt_truncdiv_##D, D, PYT_T_##D, PYT_ST_##D, OPK##_truncdiv)            \
    PYT_BIN_LOOP(pyt_remainder_##D, D, PYT_T_##D, PYT_ST_##D, OPK##_remainder)          \
    PYT_BIN_LOOP(pyt_fmod_##D, D, PYT_T_##D, PYT_ST_##D, OPK##_fmod)
#define PYT_CMP_FNS(D)                                                                  \
    PYT_BIN_LOOP(pyt_eq_##D, D, uint8_t, (uint8_t), PYT_CMPX_eq)                        \
    PYT_BIN_LOOP(pyt_ne_##D, D, uint8_t, (uint8_t), PYT_CMPX_ne)                        \
    PYT_BIN_LOOP(pyt_lt_##D, D, uint8_t, (uint8_t), PYT_CMPX_lt)                        \
    PYT_BIN_LOOP(pyt_le_##D, D, uint8_t, (uint8_t), PYT_CMPX_le)                        \
    PYT_BIN_LOOP(pyt_gt_##D, D, uint8_t, (uint8_t), PYT_CMPX_gt)                        \
    PYT_BIN_LOOP(pyt_ge_##D, D, uint8_t, (uint8_t), PYT_CMPX_ge)

PYT_ARITH_FNS(bool) PYT_ARITH_FNS(uint8) PYT_ARITH_FNS(int8) PYT_ARITH_FNS(int16)
PYT_ARITH_FNS(int32) PYT_ARITH_FNS(int64) PYT_ARITH_FNS_FLOAT(float16, PYT_OPF)
PYT_ARITH_FNS_FLOAT(bfloat16, PYT_OPF) PYT_ARITH_FNS_FLOAT(float32, PYT_OPF)
PYT_ARITH_FNS_FLOAT(float64, PYT_OPD)
PYT_CMP_FNS(bool) PYT_CMP_FNS(uint8) PYT_CMP_FNS(int8) PYT_CMP_FNS(int16)
PYT_CMP_FNS(int32) PYT_CMP_FNS(int64) PYT_CMP_FNS(float16) PYT_CMP_FNS(bfloat16)
PYT_CMP_FNS(float32) PYT_CMP_FNS(float64)

#define PYT_BY_DTYPE(P)                                                                 \
    { P##bool, P##uint8, P##int8, P##int16, P##int32, P##int64, P##float16,             \
      P##bfloat16, P##float32, P##float64 }

static const pyt_inner_loop pyt_arith_table[PYT_NUM_ARITH][PYT_NUM_DTYPES] = {
    PYT_BY_DTYPE(pyt_add_), PYT_BY_DTYPE(pyt_sub_), PYT_BY_DTYPE(pyt_mul_),
    PYT_BY_DTYPE(pyt_div_), PYT_BY_DTYPE(pyt_floordiv_), PYT_BY_DTYPE(pyt_truncdiv_),
    PYT_BY_DTYPE(pyt_remainder_), PYT_BY_DTYPE(pyt_fmod_)
};

/* Whether n elements of itemsize bytes, stride bytes apart, hold an integer zero. */
static inline int pyt_has_zero(const char *p, Py_ssize_t n, Py_ssize_t stride, int itemsize)
{
    for (Py_ssize_t i = 0; i < n; i++, p += stride) {
        int k = 0;
        while (k < itemsize && p[k] == 0) k++;
        if (k == itemsize) return 1;
    }
    return 0;
}

static const pyt_inner_loop pyt_cmp_table[PYT_NUM_CMP][PYT_NUM_DTYPES] = {
    PYT_BY_DTYPE(pyt_eq_), PYT_BY_DTYPE(pyt_ne_), PYT_BY_DTYPE(pyt_lt_),
    PYT_BY_DTYPE(pyt_le_), PYT_BY_DTYPE(pyt_gt_), PYT_BY_DTYPE(pyt_ge_)
};

#endif
