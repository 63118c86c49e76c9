/* Inner loops of the elementwise math of math_ops.pyx, in tables indexed by op and dtype
   code; a NULL entry means the op refuses that dtype (math_ops raises torch's error).
     unary    (out, x)        pyt_unary_table
     binary   (out, a, b)     pyt_math_binary_table   (add/sub/mul/div live in pyt_binary.h)
     ternary  (out, a, b, c)  pyt_ternary_table
   Every op is written once per compute class: _f (float; float16/bfloat16 load into it),
   _d (double) and _i (integers and bool, as macros over the promoted C type). The op's
   parameters (clamp bounds, eps, ...) come in a pyt_math_ctx. */
#ifndef PYT_MATH_H
#define PYT_MATH_H
#include <math.h>
#include <stdint.h>
#include "pyt_binary.h"
#include "pyt_vecmath.h"
#include "pyt_special.h"

/* GCC only turns float selects (x < 0 ? 0 : x, isnan(x) ? ...) into vector blends, and
   floor/ceil/trunc into vector rounding, when FP exceptions may not trap: pyt never
   unmasks them. (sqrt also needs -fno-math-errno, which setup.py sets: GCC ignores
   that one in a pragma.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

typedef struct {
    double d[3];
    int64_t i[2];
} pyt_math_ctx;

#define PYT_CAT(a, b) a##b
#define PYT_XCAT(a, b) PYT_CAT(a, b)
#define PYT_K_bool i
#define PYT_K_uint8 i
#define PYT_K_int8 i
#define PYT_K_int16 i
#define PYT_K_int32 i
#define PYT_K_int64 i
#define PYT_K_float16 f
#define PYT_K_bfloat16 f
#define PYT_K_float32 f
#define PYT_K_float64 d
/* the op's function for dtype D's compute class: pyt_exp_f, pyt_abs_i, ... */
#define PYT_FN(op, D) PYT_XCAT(pyt_##op##_, PYT_K_##D)

/* ===== unary ops ================================================================= */

enum {
    /* float results (integer inputs are converted to the default float dtype first) */
    PYT_UN_EXP = 0, PYT_UN_EXP2, PYT_UN_EXPM1, PYT_UN_LOG, PYT_UN_LOG2, PYT_UN_LOG10,
    PYT_UN_LOG1P, PYT_UN_SQRT, PYT_UN_RSQRT, PYT_UN_SIN, PYT_UN_COS, PYT_UN_TAN,
    PYT_UN_ASIN, PYT_UN_ACOS, PYT_UN_ATAN, PYT_UN_SINH, PYT_UN_COSH, PYT_UN_TANH,
    PYT_UN_ASINH, PYT_UN_ACOSH, PYT_UN_ATANH, PYT_UN_SIGMOID, PYT_UN_ERF, PYT_UN_ERFC,
    PYT_UN_ERFINV, PYT_UN_LGAMMA, PYT_UN_DIGAMMA, PYT_UN_RECIPROCAL, PYT_UN_LOGIT,
    PYT_UN_ROUND_DECIMALS, PYT_UN_FRAC,
    /* the input's dtype */
    PYT_UN_ABS, PYT_UN_FLOOR, PYT_UN_CEIL, PYT_UN_ROUND, PYT_UN_TRUNC, PYT_UN_SIGN,
    PYT_UN_RELU, PYT_UN_BITWISE_NOT, PYT_UN_NAN_TO_NUM,
    /* bool results */
    PYT_UN_ISNAN, PYT_UN_ISINF, PYT_UN_ISPOSINF, PYT_UN_ISNEGINF, PYT_UN_ISFINITE,
    PYT_UN_LOGICAL_NOT,
    PYT_NUM_UNARY
};

#define PYT_UN_LOOP(ATTR, NAME, D, OUT, ST_OUT, FN)                                     \
    ATTR static void NAME(char **p, const Py_ssize_t *s, Py_ssize_t n, void *ctx)       \
    {                                                                                   \
        typedef PYT_T_##D T;                                                            \
        const pyt_math_ctx *c = (const pyt_math_ctx *)ctx;                              \
        Py_ssize_t i;                                                                   \
        (void)c;                                                                        \
        if (s[0] == (Py_ssize_t)sizeof(OUT) && s[1] == (Py_ssize_t)sizeof(T)) {         \
            OUT *po = (OUT *)p[0];                                                      \
            const T *pa = (const T *)p[1];                                              \
            (void)pa;                                                                   \
            for (i = 0; i < n; i++)                                                     \
                po[i] = ST_OUT(FN(PYT_LD_##D(pa[i]), c));                               \
        } else {                                                                        \
            for (i = 0; i < n; i++)                                                     \
                *(OUT *)(p[0] + i * s[0]) =                                             \
                    ST_OUT(FN(PYT_LD_##D(*(const T *)(p[1] + i * s[1])), c));           \
        }                                                                               \
    }

/* float ops: a libm (or pyt_vecmath) function per class */
#define PYT_LIBM(op, FF, DF)                                                            \
    static inline float pyt_##op##_f(float x, const pyt_math_ctx *c)                    \
    { (void)c; return FF(x); }                                                          \
    static inline double pyt_##op##_d(double x, const pyt_math_ctx *c)                  \
    { (void)c; return DF(x); }

static inline float pyt_rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline double pyt_rsqrt(double x) { return 1.0 / sqrt(x); }
static inline double pyt_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static inline float pyt_reciprocalf(float x) { return 1.0f / x; }
static inline double pyt_reciprocal(double x) { return 1.0 / x; }
static inline float pyt_fracf(float x) { return x - truncf(x); }
static inline double pyt_frac(double x) { return x - trunc(x); }
static inline float pyt_erfinvf(float x) { return (float)pyt_erfinv(x); }
static inline float pyt_lgammaf(float x) { return (float)pyt_lgamma(x); }
static inline float pyt_digammaf(float x) { return (float)pyt_digamma(x); }

PYT_LIBM(exp, pyt_vexpf, exp)
PYT_LIBM(exp2, exp2f, exp2)
PYT_LIBM(expm1, pyt_vexpm1f, expm1)
PYT_LIBM(log, pyt_vlogf, log)
PYT_LIBM(log2, log2f, log2)
PYT_LIBM(log10, log10f, log10)
PYT_LIBM(log1p, pyt_vlog1pf, log1p)
PYT_LIBM(sqrt, sqrtf, sqrt)
PYT_LIBM(rsqrt, pyt_rsqrtf, pyt_rsqrt)
static inline float pyt_sinf(float x)
{ return fabsf(x) <= PYT_VTRIG_LIMIT ? pyt_vsinf(x) : sinf(x); }
static inline float pyt_cosf(float x)
{ return fabsf(x) <= PYT_VTRIG_LIMIT ? pyt_vcosf(x) : cosf(x); }
PYT_LIBM(sin, pyt_sinf, sin)
PYT_LIBM(cos, pyt_cosf, cos)
PYT_LIBM(tan, tanf, tan)
PYT_LIBM(asin, asinf, asin)
PYT_LIBM(acos, acosf, acos)
PYT_LIBM(atan, atanf, atan)
PYT_LIBM(sinh, sinhf, sinh)
PYT_LIBM(cosh, coshf, cosh)
PYT_LIBM(tanh, pyt_vtanhf, tanh)
PYT_LIBM(asinh, asinhf, asinh)
PYT_LIBM(acosh, acoshf, acosh)
PYT_LIBM(atanh, atanhf, atanh)
PYT_LIBM(sigmoid, pyt_vsigmoidf, pyt_sigmoid)
PYT_LIBM(erf, pyt_verff, erf)
PYT_LIBM(erfc, erfcf, erfc)
PYT_LIBM(erfinv, pyt_erfinvf, pyt_erfinv)
PYT_LIBM(lgamma, pyt_lgammaf, pyt_lgamma)
PYT_LIBM(digamma, pyt_digammaf, pyt_digamma)
PYT_LIBM(reciprocal, pyt_reciprocalf, pyt_reciprocal)
PYT_LIBM(frac, pyt_fracf, pyt_frac)

/* logit: d[0] = eps, used when i[0] (torch clamps to [eps, 1 - eps] for eps >= 0) */
#define PYT_LOGIT(F, SFX, LOG)                                                          \
    static inline F pyt_logit_##SFX(F x, const pyt_math_ctx *c)                         \
    {                                                                                   \
        if (c->i[0]) {                                                                  \
            F lo = (F)c->d[0], hi = 1 - (F)c->d[0];                                     \
            x = x < lo ? lo : (x > hi ? hi : x);                                        \
        }                                                                               \
        return LOG(x / (1 - x));                                                        \
    }
PYT_LOGIT(float, f, pyt_vlogf)
PYT_LOGIT(double, d, log)

/* round(decimals): d[0] = 10^|decimals|, i[0] = decimals */
#define PYT_ROUND_DECIMALS(F, SFX, RINT)                                                \
    static inline F pyt_round_decimals_##SFX(F x, const pyt_math_ctx *c)                \
    {                                                                                   \
        F ten = (F)c->d[0];                                                             \
        return c->i[0] > 0 ? RINT(x * ten) / ten : RINT(x / ten) * ten;                 \
    }
PYT_ROUND_DECIMALS(float, f, rintf)
PYT_ROUND_DECIMALS(double, d, rint)

/* ops on every dtype; integers take the _i macros (bool computes as int) */
#define PYT_SAME(op, FF, DF)                                                            \
    static inline float pyt_##op##_f(float x, const pyt_math_ctx *c)                    \
    { (void)c; return FF(x); }                                                          \
    static inline double pyt_##op##_d(double x, const pyt_math_ctx *c)                  \
    { (void)c; return DF(x); }
#define pyt_identity(x) (x)
#define pyt_sign_of(x) ((0 < (x)) - ((x) < 0))           /* 0 for +-0 and nan, as torch */
#define pyt_relu_of(x) ((x) < 0 ? 0 : (x))               /* keeps -0.0 and nan */
PYT_SAME(abs, fabsf, fabs)
PYT_SAME(floor, floorf, floor)
PYT_SAME(ceil, ceilf, ceil)
PYT_SAME(round, rintf, rint)                             /* half to even */
PYT_SAME(trunc, truncf, trunc)
PYT_SAME(sign, (float)pyt_sign_of, (double)pyt_sign_of)
PYT_SAME(relu, pyt_relu_of, pyt_relu_of)
#define pyt_abs_i(x, c) ((x) < 0 ? -(x) : (x))
#define pyt_floor_i(x, c) (x)
#define pyt_ceil_i(x, c) (x)
#define pyt_round_i(x, c) (x)
#define pyt_trunc_i(x, c) (x)
#define pyt_sign_i(x, c) pyt_sign_of(x)
#define pyt_relu_i(x, c) pyt_relu_of(x)
#define pyt_bitwise_not_i(x, c) (~(x))
#define pyt_logical_not_i(x, c) ((x) == 0)

/* nan_to_num: d = {nan, posinf, neginf} replacements; integers have none of these */
#define PYT_NAN_TO_NUM(F, SFX)                                                          \
    static inline F pyt_nan_to_num_##SFX(F x, const pyt_math_ctx *c)                    \
    {                                                                                   \
        return x != x ? (F)c->d[0] : x == (F)INFINITY ? (F)c->d[1]                      \
               : x == -(F)INFINITY ? (F)c->d[2] : x;                                    \
    }
PYT_NAN_TO_NUM(float, f)
PYT_NAN_TO_NUM(double, d)
#define pyt_nan_to_num_i(x, c) (x)

/* predicates */
#define PYT_PRED(op, EXPR)                                                              \
    static inline int pyt_##op##_f(float x, const pyt_math_ctx *c) { (void)c; return EXPR; } \
    static inline int pyt_##op##_d(double x, const pyt_math_ctx *c) { (void)c; return EXPR; }
PYT_PRED(isnan, x != x)
PYT_PRED(isinf, x == INFINITY || x == -INFINITY)
PYT_PRED(isposinf, x == INFINITY)
PYT_PRED(isneginf, x == -INFINITY)
PYT_PRED(isfinite, x - x == 0)                            /* nan for inf and nan */
PYT_PRED(logical_not, x == 0)
#define pyt_isnan_i(x, c) 0
#define pyt_isinf_i(x, c) 0
#define pyt_isposinf_i(x, c) 0
#define pyt_isneginf_i(x, c) 0
#define pyt_isfinite_i(x, c) 1

/* loop sets; ATTR is PYT_SIMD_CLONES where the loop vectorises */
#define PYT_UN(ATTR, op, D) PYT_UN_LOOP(ATTR, pyt_un_##op##_##D, D, PYT_T_##D, PYT_ST_##D, PYT_FN(op, D))
#define PYT_UN_PRED(op, D) PYT_UN_LOOP(, pyt_un_##op##_##D, D, uint8_t, (uint8_t), PYT_FN(op, D))
#define PYT_UN_FLOATS(ATTR, op)                                                         \
    PYT_UN(, op, float16) PYT_UN(, op, bfloat16) PYT_UN(ATTR, op, float32) PYT_UN(ATTR, op, float64)
#define PYT_UN_INTS(op)                                                                 \
    PYT_UN(, op, uint8) PYT_UN(, op, int8) PYT_UN(, op, int16) PYT_UN(, op, int32) PYT_UN(, op, int64)
#define PYT_UN_PREDS(op)                                                                \
    PYT_UN_PRED(op, bool) PYT_UN_PRED(op, uint8) PYT_UN_PRED(op, int8) PYT_UN_PRED(op, int16) \
    PYT_UN_PRED(op, int32) PYT_UN_PRED(op, int64) PYT_UN_PRED(op, float16)              \
    PYT_UN_PRED(op, bfloat16) PYT_UN_PRED(op, float32) PYT_UN_PRED(op, float64)

#define PYT_ROW_FLOATS(P)                                                               \
    { NULL, NULL, NULL, NULL, NULL, NULL, P##float16, P##bfloat16, P##float32, P##float64 }
#define PYT_ROW_NO_BOOL(P)                                                              \
    { NULL, P##uint8, P##int8, P##int16, P##int32, P##int64, P##float16, P##bfloat16,  \
      P##float32, P##float64 }
#define PYT_ROW_INTS(P)                                                                 \
    { P##bool, P##uint8, P##int8, P##int16, P##int32, P##int64, NULL, NULL, NULL, NULL }

PYT_UN_FLOATS(PYT_SIMD_CLONES, exp)
PYT_UN_FLOATS(, exp2)
PYT_UN_FLOATS(PYT_SIMD_CLONES, expm1)
PYT_UN_FLOATS(PYT_SIMD_CLONES, log)
PYT_UN_FLOATS(, log2)
PYT_UN_FLOATS(, log10)
PYT_UN_FLOATS(PYT_SIMD_CLONES, log1p)
PYT_UN_FLOATS(PYT_SIMD_CLONES, sqrt)
PYT_UN_FLOATS(PYT_SIMD_CLONES, rsqrt)
PYT_UN(, sin, float16) PYT_UN(, sin, bfloat16) PYT_UN(, sin, float64)
PYT_UN(, cos, float16) PYT_UN(, cos, bfloat16) PYT_UN(, cos, float64)

/* float32 sin and cos in blocks: a block whose |x| are all within PYT_VTRIG_LIMIT takes
   the vector code, any other the libm one */
#define PYT_TRIG_LOOP(NAME, VF, LIBM)                                                   \
    PYT_SIMD_CLONES static void NAME(char **p, const Py_ssize_t *s, Py_ssize_t n, void *ctx) \
    {                                                                                   \
        Py_ssize_t i, b, m;                                                             \
        (void)ctx;                                                                      \
        if (s[0] != 4 || s[1] != 4) {                                                  \
            for (i = 0; i < n; i++) {                                                   \
                float x = *(const float *)(p[1] + i * s[1]);                            \
                *(float *)(p[0] + i * s[0]) = fabsf(x) <= PYT_VTRIG_LIMIT ? VF(x) : LIBM(x); \
            }                                                                           \
            return;                                                                     \
        }                                                                               \
        float *po = (float *)p[0];                                                      \
        const float *pa = (const float *)p[1];                                          \
        for (b = 0; b < n; b += 256) {                                                  \
            int wild = 0;                                                               \
            m = n - b < 256 ? n - b : 256;                                              \
            for (i = b; i < b + m; i++) wild |= !(fabsf(pa[i]) <= PYT_VTRIG_LIMIT);     \
            if (wild)                                                                   \
                for (i = b; i < b + m; i++) po[i] = LIBM(pa[i]);                        \
            else                                                                        \
                for (i = b; i < b + m; i++) po[i] = VF(pa[i]);                          \
        }                                                                               \
    }
PYT_TRIG_LOOP(pyt_un_sin_float32, pyt_vsinf, sinf)
PYT_TRIG_LOOP(pyt_un_cos_float32, pyt_vcosf, cosf)
PYT_UN_FLOATS(, tan)
PYT_UN_FLOATS(, asin)
PYT_UN_FLOATS(, acos)
PYT_UN_FLOATS(, atan)
PYT_UN_FLOATS(, sinh)
PYT_UN_FLOATS(, cosh)
PYT_UN_FLOATS(PYT_SIMD_CLONES, tanh)
PYT_UN_FLOATS(, asinh)
PYT_UN_FLOATS(, acosh)
PYT_UN_FLOATS(, atanh)
PYT_UN_FLOATS(PYT_SIMD_CLONES, sigmoid)
PYT_UN_FLOATS(PYT_SIMD_CLONES, erf)
PYT_UN_FLOATS(, erfc)
PYT_UN_FLOATS(, erfinv)
PYT_UN_FLOATS(, lgamma)
PYT_UN_FLOATS(, digamma)
PYT_UN_FLOATS(PYT_SIMD_CLONES, reciprocal)
PYT_UN_FLOATS(, logit)
PYT_UN_FLOATS(PYT_SIMD_CLONES, round_decimals)
PYT_UN_FLOATS(PYT_SIMD_CLONES, frac)
PYT_UN_FLOATS(PYT_SIMD_CLONES, abs) PYT_UN_INTS(abs)
PYT_UN_FLOATS(PYT_SIMD_CLONES, floor) PYT_UN_INTS(floor)
PYT_UN_FLOATS(PYT_SIMD_CLONES, ceil) PYT_UN_INTS(ceil)
PYT_UN_FLOATS(PYT_SIMD_CLONES, round) PYT_UN_INTS(round)
PYT_UN_FLOATS(PYT_SIMD_CLONES, trunc) PYT_UN_INTS(trunc)
PYT_UN_FLOATS(PYT_SIMD_CLONES, sign) PYT_UN_INTS(sign) PYT_UN(, sign, bool)
PYT_UN_FLOATS(PYT_SIMD_CLONES, relu) PYT_UN_INTS(relu)
PYT_UN_INTS(bitwise_not)
PYT_UN_FLOATS(, nan_to_num) PYT_UN_INTS(nan_to_num) PYT_UN(, nan_to_num, bool)
PYT_UN_PREDS(isnan)
PYT_UN_PREDS(isinf)
PYT_UN_PREDS(isposinf)
PYT_UN_PREDS(isneginf)
PYT_UN_PREDS(isfinite)
PYT_UN_PREDS(logical_not)

/* ~ on bool is logical not, stored as the bool it is */
#define pyt_un_bitwise_not_bool pyt_un_logical_not_bool

static const pyt_inner_loop pyt_unary_table[PYT_NUM_UNARY][PYT_NUM_DTYPES] = {
    [PYT_UN_EXP] = PYT_ROW_FLOATS(pyt_un_exp_),
    [PYT_UN_EXP2] = PYT_ROW_FLOATS(pyt_un_exp2_),
    [PYT_UN_EXPM1] = PYT_ROW_FLOATS(pyt_un_expm1_),
    [PYT_UN_LOG] = PYT_ROW_FLOATS(pyt_un_log_),
    [PYT_UN_LOG2] = PYT_ROW_FLOATS(pyt_un_log2_),
    [PYT_UN_LOG10] = PYT_ROW_FLOATS(pyt_un_log10_),
    [PYT_UN_LOG1P] = PYT_ROW_FLOATS(pyt_un_log1p_),
    [PYT_UN_SQRT] = PYT_ROW_FLOATS(pyt_un_sqrt_),
    [PYT_UN_RSQRT] = PYT_ROW_FLOATS(pyt_un_rsqrt_),
    [PYT_UN_SIN] = PYT_ROW_FLOATS(pyt_un_sin_),
    [PYT_UN_COS] = PYT_ROW_FLOATS(pyt_un_cos_),
    [PYT_UN_TAN] = PYT_ROW_FLOATS(pyt_un_tan_),
    [PYT_UN_ASIN] = PYT_ROW_FLOATS(pyt_un_asin_),
    [PYT_UN_ACOS] = PYT_ROW_FLOATS(pyt_un_acos_),
    [PYT_UN_ATAN] = PYT_ROW_FLOATS(pyt_un_atan_),
    [PYT_UN_SINH] = PYT_ROW_FLOATS(pyt_un_sinh_),
    [PYT_UN_COSH] = PYT_ROW_FLOATS(pyt_un_cosh_),
    [PYT_UN_TANH] = PYT_ROW_FLOATS(pyt_un_tanh_),
    [PYT_UN_ASINH] = PYT_ROW_FLOATS(pyt_un_asinh_),
    [PYT_UN_ACOSH] = PYT_ROW_FLOATS(pyt_un_acosh_),
    [PYT_UN_ATANH] = PYT_ROW_FLOATS(pyt_un_atanh_),
    [PYT_UN_SIGMOID] = PYT_ROW_FLOATS(pyt_un_sigmoid_),
    [PYT_UN_ERF] = PYT_ROW_FLOATS(pyt_un_erf_),
    [PYT_UN_ERFC] = PYT_ROW_FLOATS(pyt_un_erfc_),
    [PYT_UN_ERFINV] = PYT_ROW_FLOATS(pyt_un_erfinv_),
    [PYT_UN_LGAMMA] = PYT_ROW_FLOATS(pyt_un_lgamma_),
    [PYT_UN_DIGAMMA] = PYT_ROW_FLOATS(pyt_un_digamma_),
    [PYT_UN_RECIPROCAL] = PYT_ROW_FLOATS(pyt_un_reciprocal_),
    [PYT_UN_LOGIT] = PYT_ROW_FLOATS(pyt_un_logit_),
    [PYT_UN_ROUND_DECIMALS] = PYT_ROW_FLOATS(pyt_un_round_decimals_),
    [PYT_UN_FRAC] = PYT_ROW_FLOATS(pyt_un_frac_),
    [PYT_UN_ABS] = PYT_ROW_NO_BOOL(pyt_un_abs_),
    [PYT_UN_FLOOR] = PYT_ROW_NO_BOOL(pyt_un_floor_),
    [PYT_UN_CEIL] = PYT_ROW_NO_BOOL(pyt_un_ceil_),
    [PYT_UN_ROUND] = PYT_ROW_NO_BOOL(pyt_un_round_),
    [PYT_UN_TRUNC] = PYT_ROW_NO_BOOL(pyt_un_trunc_),
    [PYT_UN_SIGN] = PYT_BY_DTYPE(pyt_un_sign_),
    [PYT_UN_RELU] = PYT_ROW_NO_BOOL(pyt_un_relu_),
    [PYT_UN_BITWISE_NOT] = PYT_ROW_INTS(pyt_un_bitwise_not_),
    [PYT_UN_NAN_TO_NUM] = PYT_BY_DTYPE(pyt_un_nan_to_num_),
    [PYT_UN_ISNAN] = PYT_BY_DTYPE(pyt_un_isnan_),
    [PYT_UN_ISINF] = PYT_BY_DTYPE(pyt_un_isinf_),
    [PYT_UN_ISPOSINF] = PYT_BY_DTYPE(pyt_un_isposinf_),
    [PYT_UN_ISNEGINF] = PYT_BY_DTYPE(pyt_un_isneginf_),
    [PYT_UN_ISFINITE] = PYT_BY_DTYPE(pyt_un_isfinite_),
    [PYT_UN_LOGICAL_NOT] = PYT_BY_DTYPE(pyt_un_logical_not_),
};

/* ===== binary ops ================================================================ */

enum {
    PYT_BI_POW = 0, PYT_BI_ATAN2, PYT_BI_HYPOT, PYT_BI_MAXIMUM, PYT_BI_MINIMUM,
    PYT_BI_FMAX, PYT_BI_FMIN, PYT_BI_BITWISE_AND, PYT_BI_BITWISE_OR, PYT_BI_BITWISE_XOR,
    PYT_BI_LSHIFT, PYT_BI_RSHIFT, PYT_BI_LOGICAL_AND, PYT_BI_LOGICAL_OR,
    PYT_BI_LOGICAL_XOR, PYT_BI_ISCLOSE,
    PYT_NUM_MATH_BINARY
};

/* integer power by squaring, wrapping like torch; negative exponents give 1, -1 or 0 */
static inline int64_t pyt_ipow(int64_t base, int64_t e)
{
    if (e < 0) return base == 1 ? 1 : base == -1 ? ((e & 1) ? -1 : 1) : 0;
    uint64_t r = 1, b = (uint64_t)base;
    while (e) {
        if (e & 1) r *= b;
        b *= b;
        e >>= 1;
    }
    return (int64_t)r;
}

/* maximum/minimum propagate nan; fmax/fmin ignore it (nan only when both are).
   a < b ? b : a is exactly a vector max instruction; nan is patched in with a select */
#define PYT_MINMAX(F, SFX, SEL)                                                         \
    static inline F pyt_maximum_##SFX(F a, F b)                                         \
    { return SEL((a != a) | (b != b), a + b, a < b ? b : a); }                          \
    static inline F pyt_minimum_##SFX(F a, F b)                                         \
    { return SEL((a != a) | (b != b), a + b, b < a ? b : a); }                          \
    static inline F pyt_fmax_##SFX(F a, F b)                                            \
    { return SEL(a != a, b, a < b ? b : a); }                                           \
    static inline F pyt_fmin_##SFX(F a, F b)                                            \
    { return SEL(a != a, b, b < a ? b : a); }
PYT_MINMAX(float, f, pyt_fsel)
PYT_MINMAX(double, d, pyt_dsel)
#define pyt_maximum_i(a, b) ((a) < (b) ? (b) : (a))
#define pyt_minimum_i(a, b) ((b) < (a) ? (b) : (a))
#define pyt_fmax_i pyt_maximum_i
#define pyt_fmin_i pyt_minimum_i

#define pyt_pow_f(a, b) powf(a, b)
#define pyt_pow_d(a, b) pow(a, b)
#define pyt_pow_i(a, b) pyt_ipow((int64_t)(a), (int64_t)(b))
#define pyt_atan2_f(a, b) atan2f(a, b)
#define pyt_atan2_d(a, b) atan2(a, b)
#define pyt_hypot_f(a, b) hypotf(a, b)
#define pyt_hypot_d(a, b) hypot(a, b)
#define pyt_bitwise_and_i(a, b) ((a) & (b))
#define pyt_bitwise_or_i(a, b) ((a) | (b))
#define pyt_bitwise_xor_i(a, b) ((a) ^ (b))
/* shifts by a negative or too large amount: 0, or the sign for >> (torch's rule);
   T is the stored integer type of the loop */
#define PYT_BITS ((int64_t)(8 * sizeof(T)))
#define pyt_lshift_i(a, b) \
    ((b) < 0 || (int64_t)(b) >= PYT_BITS ? 0 : (int64_t)((uint64_t)(a) << (b)))
#define pyt_rshift_i(a, b) \
    ((b) < 0 || (int64_t)(b) >= PYT_BITS ? ((a) < 0 ? -1 : 0) : (a) >> (b))
#define pyt_logical_and_x(a, b) (((a) != 0) & ((b) != 0))
#define pyt_logical_or_x(a, b) (((a) != 0) | ((b) != 0))
#define pyt_logical_xor_x(a, b) (((a) != 0) ^ ((b) != 0))

/* isclose: |a - b| <= atol + rtol |b| (d[0] = rtol, d[1] = atol), or a == b, or both nan
   when i[0] (equal_nan) */
#define PYT_ISCLOSE(F, SFX)                                                             \
    static inline int pyt_isclose_##SFX(F a, F b, const pyt_math_ctx *c)                \
    {                                                                                   \
        if (a == b) return 1;                                                           \
        if (a != a || b != b) return c->i[0] && a != a && b != b;                       \
        double err = fabs((double)a - (double)b);                                       \
        return err - err == 0 && err <= c->d[1] + c->d[0] * fabs((double)b);            \
    }
PYT_ISCLOSE(float, f)
PYT_ISCLOSE(double, d)
/* integers: the difference is exact in 64 bits */
static inline int pyt_isclose_i(int64_t a, int64_t b, const pyt_math_ctx *c)
{
    uint64_t diff = a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
    return a == b || (double)diff <= c->d[1] + c->d[0] * fabs((double)b);
}
#define PYT_ISCLOSE_F(a, b) pyt_isclose_f(a, b, (const pyt_math_ctx *)ctx)
#define PYT_ISCLOSE_D(a, b) pyt_isclose_d(a, b, (const pyt_math_ctx *)ctx)
#define PYT_ISCLOSE_I(a, b) pyt_isclose_i(a, b, (const pyt_math_ctx *)ctx)
#define PYT_ISCLOSE_B(a, b) ((a) == (b))

#define PYT_BI(ATTR, op, D) \
    PYT_BIN_LOOP_ATTR(ATTR, pyt_bi_##op##_##D, D, PYT_T_##D, PYT_ST_##D, PYT_FN(op, D))
#define PYT_BI_FLOATS(ATTR, op)                                                         \
    PYT_BI(, op, float16) PYT_BI(, op, bfloat16) PYT_BI(ATTR, op, float32) PYT_BI(ATTR, op, float64)
#define PYT_BI_INTS(op)                                                                 \
    PYT_BI(, op, uint8) PYT_BI(, op, int8) PYT_BI(, op, int16) PYT_BI(, op, int32) PYT_BI(, op, int64)
#define PYT_BI_LOGICAL(op, D) \
    PYT_BIN_LOOP(pyt_bi_##op##_##D, D, uint8_t, (uint8_t), pyt_##op##_x)
#define PYT_BI_LOGICALS(op)                                                             \
    PYT_BI_LOGICAL(op, bool) PYT_BI_LOGICAL(op, uint8) PYT_BI_LOGICAL(op, int8)          \
    PYT_BI_LOGICAL(op, int16) PYT_BI_LOGICAL(op, int32) PYT_BI_LOGICAL(op, int64)        \
    PYT_BI_LOGICAL(op, float16) PYT_BI_LOGICAL(op, bfloat16) PYT_BI_LOGICAL(op, float32) \
    PYT_BI_LOGICAL(op, float64)
#define PYT_BI_ISCLOSE(D, FN) PYT_BIN_LOOP(pyt_bi_isclose_##D, D, uint8_t, (uint8_t), FN)

PYT_BI_FLOATS(, pow) PYT_BI_INTS(pow)
PYT_BI_FLOATS(, atan2)
PYT_BI_FLOATS(, hypot)
PYT_BI_FLOATS(PYT_SIMD_CLONES, maximum) PYT_BI_INTS(maximum) PYT_BI(, maximum, bool)
PYT_BI_FLOATS(PYT_SIMD_CLONES, minimum) PYT_BI_INTS(minimum) PYT_BI(, minimum, bool)
PYT_BI_FLOATS(PYT_SIMD_CLONES, fmax) PYT_BI_INTS(fmax) PYT_BI(, fmax, bool)
PYT_BI_FLOATS(PYT_SIMD_CLONES, fmin) PYT_BI_INTS(fmin) PYT_BI(, fmin, bool)
PYT_BI_INTS(bitwise_and) PYT_BI(, bitwise_and, bool)
PYT_BI_INTS(bitwise_or) PYT_BI(, bitwise_or, bool)
PYT_BI_INTS(bitwise_xor) PYT_BI(, bitwise_xor, bool)
PYT_BI_INTS(lshift)
PYT_BI_INTS(rshift)
PYT_BI_LOGICALS(logical_and)
PYT_BI_LOGICALS(logical_or)
PYT_BI_LOGICALS(logical_xor)
PYT_BI_ISCLOSE(bool, PYT_ISCLOSE_B)
PYT_BI_ISCLOSE(uint8, PYT_ISCLOSE_I) PYT_BI_ISCLOSE(int8, PYT_ISCLOSE_I)
PYT_BI_ISCLOSE(int16, PYT_ISCLOSE_I) PYT_BI_ISCLOSE(int32, PYT_ISCLOSE_I)
PYT_BI_ISCLOSE(int64, PYT_ISCLOSE_I) PYT_BI_ISCLOSE(float16, PYT_ISCLOSE_F)
PYT_BI_ISCLOSE(bfloat16, PYT_ISCLOSE_F) PYT_BI_ISCLOSE(float32, PYT_ISCLOSE_F)
PYT_BI_ISCLOSE(float64, PYT_ISCLOSE_D)

#define PYT_ROW_INTS_NO_BOOL(P)                                                         \
    { NULL, P##uint8, P##int8, P##int16, P##int32, P##int64, NULL, NULL, NULL, NULL }

static const pyt_inner_loop pyt_math_binary_table[PYT_NUM_MATH_BINARY][PYT_NUM_DTYPES] = {
    [PYT_BI_POW] = PYT_ROW_NO_BOOL(pyt_bi_pow_),
    [PYT_BI_ATAN2] = PYT_ROW_FLOATS(pyt_bi_atan2_),
    [PYT_BI_HYPOT] = PYT_ROW_FLOATS(pyt_bi_hypot_),
    [PYT_BI_MAXIMUM] = PYT_BY_DTYPE(pyt_bi_maximum_),
    [PYT_BI_MINIMUM] = PYT_BY_DTYPE(pyt_bi_minimum_),
    [PYT_BI_FMAX] = PYT_BY_DTYPE(pyt_bi_fmax_),
    [PYT_BI_FMIN] = PYT_BY_DTYPE(pyt_bi_fmin_),
    [PYT_BI_BITWISE_AND] = PYT_ROW_INTS(pyt_bi_bitwise_and_),
    [PYT_BI_BITWISE_OR] = PYT_ROW_INTS(pyt_bi_bitwise_or_),
    [PYT_BI_BITWISE_XOR] = PYT_ROW_INTS(pyt_bi_bitwise_xor_),
    [PYT_BI_LSHIFT] = PYT_ROW_INTS_NO_BOOL(pyt_bi_lshift_),
    [PYT_BI_RSHIFT] = PYT_ROW_INTS_NO_BOOL(pyt_bi_rshift_),
    [PYT_BI_LOGICAL_AND] = PYT_BY_DTYPE(pyt_bi_logical_and_),
    [PYT_BI_LOGICAL_OR] = PYT_BY_DTYPE(pyt_bi_logical_or_),
    [PYT_BI_LOGICAL_XOR] = PYT_BY_DTYPE(pyt_bi_logical_xor_),
    [PYT_BI_ISCLOSE] = PYT_BY_DTYPE(pyt_bi_isclose_),
};

/* ===== ternary ops =============================================================== */

enum { PYT_TER_ADDCMUL = 0, PYT_TER_ADDCDIV, PYT_TER_LERP, PYT_TER_CLAMP, PYT_NUM_TERNARY };

/* out = FN(a, b, c, ctx); paths for all contiguous and for scalar b and c (clamp bounds) */
#define PYT_TER_LOOP(ATTR, NAME, D, FN)                                                 \
    ATTR static void NAME(char **p, const Py_ssize_t *s, Py_ssize_t n, void *ctx)       \
    {                                                                                   \
        typedef PYT_T_##D T;                                                            \
        const pyt_math_ctx *c = (const pyt_math_ctx *)ctx;                              \
        const Py_ssize_t z = (Py_ssize_t)sizeof(T);                                     \
        Py_ssize_t i;                                                                   \
        (void)c;                                                                        \
        if (s[0] == z && s[1] == z && s[2] == z && s[3] == z) {                         \
            T *po = (T *)p[0];                                                          \
            const T *pa = (const T *)p[1], *pb = (const T *)p[2], *pc = (const T *)p[3]; \
            for (i = 0; i < n; i++)                                                     \
                po[i] = PYT_ST_##D(FN(PYT_LD_##D(pa[i]), PYT_LD_##D(pb[i]),             \
                                      PYT_LD_##D(pc[i]), c));                           \
        } else if (s[0] == z && s[1] == z && s[2] == 0 && s[3] == 0) {                  \
            T *po = (T *)p[0];                                                          \
            const T *pa = (const T *)p[1];                                              \
            PYT_C_##D y = PYT_LD_##D(*(const T *)p[2]), w = PYT_LD_##D(*(const T *)p[3]); \
            for (i = 0; i < n; i++)                                                     \
                po[i] = PYT_ST_##D(FN(PYT_LD_##D(pa[i]), y, w, c));                     \
        } else {                                                                        \
            for (i = 0; i < n; i++)                                                     \
                *(T *)(p[0] + i * s[0]) = PYT_ST_##D(FN(                                \
                    PYT_LD_##D(*(const T *)(p[1] + i * s[1])),                          \
                    PYT_LD_##D(*(const T *)(p[2] + i * s[2])),                          \
                    PYT_LD_##D(*(const T *)(p[3] + i * s[3])), c));                     \
        }                                                                               \
    }

/* addcmul / addcdiv: a + value * b * c, value in d[0] (floats) or i[0] (integers) */
#define pyt_addcmul_f(a, b, w, c) ((a) + (float)(c)->d[0] * (b) * (w))
#define pyt_addcmul_d(a, b, w, c) ((a) + (c)->d[0] * (b) * (w))
#define pyt_addcmul_i(a, b, w, c) ((a) + (c)->i[0] * (b) * (w))
#define pyt_addcdiv_f(a, b, w, c) ((a) + (float)(c)->d[0] * ((b) / (w)))
#define pyt_addcdiv_d(a, b, w, c) ((a) + (c)->d[0] * ((b) / (w)))
/* lerp(start, end, weight), exact at both ends */
#define PYT_LERP(F, SFX, ABS)                                                           \
    static inline F pyt_lerp_##SFX(F a, F b, F w, const pyt_math_ctx *c)                \
    {                                                                                   \
        (void)c;                                                                        \
        F diff = b - a;                                                                 \
        return ABS(w) < (F)0.5 ? a + w * diff : b - diff * (1 - w);                     \
    }
PYT_LERP(float, f, fabsf)
PYT_LERP(double, d, fabs)
/* clamp(x, lo, hi) = min(max(x, lo), hi), nan in any of them gives nan */
#define pyt_clamp_f(x, lo, hi, c) pyt_minimum_f(pyt_maximum_f(x, lo), hi)
#define pyt_clamp_d(x, lo, hi, c) pyt_minimum_d(pyt_maximum_d(x, lo), hi)
#define pyt_clamp_i(x, lo, hi, c) pyt_minimum_i(pyt_maximum_i(x, lo), hi)

#define PYT_TER(ATTR, op, D) PYT_TER_LOOP(ATTR, pyt_ter_##op##_##D, D, PYT_FN(op, D))
#define PYT_TER_FLOATS(ATTR, op)                                                        \
    PYT_TER(, op, float16) PYT_TER(, op, bfloat16) PYT_TER(ATTR, op, float32)           \
    PYT_TER(ATTR, op, float64)
#define PYT_TER_INTS(op)                                                                \
    PYT_TER(, op, uint8) PYT_TER(, op, int8) PYT_TER(, op, int16) PYT_TER(, op, int32)   \
    PYT_TER(, op, int64)

PYT_TER_FLOATS(PYT_SIMD_CLONES, addcmul) PYT_TER_INTS(addcmul)
PYT_TER_FLOATS(PYT_SIMD_CLONES, addcdiv)
PYT_TER_FLOATS(PYT_SIMD_CLONES, lerp)
PYT_TER_FLOATS(PYT_SIMD_CLONES, clamp) PYT_TER_INTS(clamp)

static const pyt_inner_loop pyt_ternary_table[PYT_NUM_TERNARY][PYT_NUM_DTYPES] = {
    [PYT_TER_ADDCMUL] = PYT_ROW_NO_BOOL(pyt_ter_addcmul_),
    [PYT_TER_ADDCDIV] = PYT_ROW_FLOATS(pyt_ter_addcdiv_),
    [PYT_TER_LERP] = PYT_ROW_FLOATS(pyt_ter_lerp_),
    [PYT_TER_CLAMP] = PYT_ROW_NO_BOOL(pyt_ter_clamp_),
};

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
