/* The reduction engine: sum, prod, max/min (with indices), all/any, counts and the
   float-only sums behind mean, var, norm and logsumexp.

   A reduction maps the input's dims to kept dims (one accumulator each, stored in a
   contiguous buffer in kept-dim order) and reduced dims. Two kernel shapes cover
   every layout, chosen by which group holds the input's innermost (smallest
   stride) dim:

     inner:  reduced dims innermost; each accumulator folds rows of its reduction
             through 16 independent lanes merged pairwise (vectorisable, and
             accurate: floats accumulate in double, in 16 lanes);
     vector: a kept dim innermost; a tile of accumulators folds whole input rows at
             once (out[j] op= x[i, j], up to 4 rows per pass over the tile), so a
             reduction over an outer dim streams memory row by row instead of
             walking down strided columns.

   Determinism: the reduced range is cut into chunks whose size depends on the shape
   only, never on the thread count, and chunk partials are combined in chunk order.
   Threads then share out chunks, blocks of outputs or column tiles; none of these
   changes the order in which any one accumulator sees its values, so 1 and N
   threads give bit-identical results. */
#ifndef PYT_REDUCE_H
#define PYT_REDUCE_H
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "pyt_dtypes.h"
#include "pyt_loop.h"

enum {
    PYT_RED_SUM = 0, PYT_RED_NANSUM, PYT_RED_PROD, PYT_RED_MAX, PYT_RED_MIN,
    PYT_RED_ARGMAX, PYT_RED_ARGMIN, PYT_RED_ALL, PYT_RED_ANY, PYT_RED_COUNT,
    PYT_RED_NOTNAN,                                  /* counts of non-NaN values */
    /* float inputs only, double accumulators */
    PYT_RED_ABSSUM, PYT_RED_SQSUM, PYT_RED_ABSMAX, PYT_RED_ABSMIN, PYT_RED_POWSUM,
    PYT_RED_SQDEV,                                   /* sum (x - center)^2 */
    PYT_RED_EXPSUM,                                  /* sum exp(x - center) */
    PYT_RED_NUM_OPS
};

#define PYT_RED_LANES 16
#define PYT_RED_TILE 512         /* vector tiles up to this width live on the stack */
#define PYT_RED_CHUNK 32768      /* inner kernel: reduced elements per chunk */
#define PYT_RED_VCHUNK 1048576   /* vector kernel: input elements per chunk of rows */
#define PYT_RED_WIDE 16384       /* vector kernel: widest tile */

/* storage type, compute type (what max/min compare in) and load of each dtype */
#define PYT_R_T_bool uint8_t
#define PYT_R_T_uint8 uint8_t
#define PYT_R_T_int8 int8_t
#define PYT_R_T_int16 int16_t
#define PYT_R_T_int32 int32_t
#define PYT_R_T_int64 int64_t
#define PYT_R_T_float16 pyt_half
#define PYT_R_T_bfloat16 pyt_bfloat16
#define PYT_R_T_float32 float
#define PYT_R_T_float64 double

#define PYT_R_C_bool uint8_t
#define PYT_R_C_uint8 uint8_t
#define PYT_R_C_int8 int8_t
#define PYT_R_C_int16 int16_t
#define PYT_R_C_int32 int32_t
#define PYT_R_C_int64 int64_t
#define PYT_R_C_float16 float
#define PYT_R_C_bfloat16 float
#define PYT_R_C_float32 float
#define PYT_R_C_float64 double

#define PYT_R_CCODE_bool PYT_BOOL
#define PYT_R_CCODE_uint8 PYT_UINT8
#define PYT_R_CCODE_int8 PYT_INT8
#define PYT_R_CCODE_int16 PYT_INT16
#define PYT_R_CCODE_int32 PYT_INT32
#define PYT_R_CCODE_int64 PYT_INT64
#define PYT_R_CCODE_float16 PYT_FLOAT32
#define PYT_R_CCODE_bfloat16 PYT_FLOAT32
#define PYT_R_CCODE_float32 PYT_FLOAT32
#define PYT_R_CCODE_float64 PYT_FLOAT64

/* accumulator of sums and products: double for floats, int64 otherwise (torch's) */
#define PYT_R_S_bool int64_t
#define PYT_R_S_uint8 int64_t
#define PYT_R_S_int8 int64_t
#define PYT_R_S_int16 int64_t
#define PYT_R_S_int32 int64_t
#define PYT_R_S_int64 int64_t
#define PYT_R_S_float16 double
#define PYT_R_S_bfloat16 double
#define PYT_R_S_float32 double
#define PYT_R_S_float64 double
#define PYT_R_SCODE_bool PYT_INT64
#define PYT_R_SCODE_uint8 PYT_INT64
#define PYT_R_SCODE_int8 PYT_INT64
#define PYT_R_SCODE_int16 PYT_INT64
#define PYT_R_SCODE_int32 PYT_INT64
#define PYT_R_SCODE_int64 PYT_INT64
#define PYT_R_SCODE_float16 PYT_FLOAT64
#define PYT_R_SCODE_bfloat16 PYT_FLOAT64
#define PYT_R_SCODE_float32 PYT_FLOAT64
#define PYT_R_SCODE_float64 PYT_FLOAT64

#define PYT_R_LD_bool(x) (x)
#define PYT_R_LD_uint8(x) (x)
#define PYT_R_LD_int8(x) (x)
#define PYT_R_LD_int16(x) (x)
#define PYT_R_LD_int32(x) (x)
#define PYT_R_LD_int64(x) (x)
#define PYT_R_LD_float16(x) pyt_half_to_float(x)
#define PYT_R_LD_bfloat16(x) pyt_bfloat16_to_float(x)
#define PYT_R_LD_float32(x) (x)
#define PYT_R_LD_float64(x) (x)

/* identities of max and min in the compute type */
#define PYT_R_LOWEST_bool 0
#define PYT_R_LOWEST_uint8 0
#define PYT_R_LOWEST_int8 INT8_MIN
#define PYT_R_LOWEST_int16 INT16_MIN
#define PYT_R_LOWEST_int32 INT32_MIN
#define PYT_R_LOWEST_int64 INT64_MIN
#define PYT_R_LOWEST_float16 (-INFINITY)
#define PYT_R_LOWEST_bfloat16 (-INFINITY)
#define PYT_R_LOWEST_float32 (-INFINITY)
#define PYT_R_LOWEST_float64 (-INFINITY)
#define PYT_R_HIGHEST_bool 1
#define PYT_R_HIGHEST_uint8 UINT8_MAX
#define PYT_R_HIGHEST_int8 INT8_MAX
#define PYT_R_HIGHEST_int16 INT16_MAX
#define PYT_R_HIGHEST_int32 INT32_MAX
#define PYT_R_HIGHEST_int64 INT64_MAX
#define PYT_R_HIGHEST_float16 INFINITY
#define PYT_R_HIGHEST_bfloat16 INFINITY
#define PYT_R_HIGHEST_float32 INFINITY
#define PYT_R_HIGHEST_float64 INFINITY

#define PYT_R_FOR_ALL(G) G(bool) G(uint8) G(int8) G(int16) G(int32) G(int64) \
    G(float16) G(bfloat16) G(float32) G(float64)
#define PYT_R_FOR_FLOAT(G) G(float16) G(bfloat16) G(float32) G(float64)

/* The four functions of one (op, dtype). acc points at the accumulator array (of
   the op's accumulator type), idx at the index array of arg ops (else unused).
     init(acc, idx, o, i0)                accumulator o := identity (index i0)
     row(acc, idx, o, p, n, s, i0, c, pp) fold n elements at p (byte stride s),
                                          whose first has reduced index i0, into o
     vec(acc, idx, p, w, s, i, cen, pp, rs, nrows)
                                          fold nrows rows of w elements (rows rs bytes
                                          apart, the first with reduced index i) into
                                          acc[0..w), row after row
     comb(acc, idx, o, src, sidx)         acc[o] := acc[o] op src[o] (src is later)
   c / cen: the center of SQDEV and EXPSUM; pp: the p of POWSUM. */
typedef struct {
    void (*init)(void *acc, int64_t *idx, Py_ssize_t o, int64_t i0);
    void (*row)(void *acc, int64_t *idx, Py_ssize_t o, const char *p, Py_ssize_t n,
                Py_ssize_t s, int64_t i0, double c, double pp);
    void (*vec)(void *acc, int64_t *idx, const char *p, Py_ssize_t w, Py_ssize_t s,
                int64_t i, const double *cen, double pp, Py_ssize_t rs, int nrows);
    void (*comb)(void *acc, int64_t *idx, Py_ssize_t o, const void *src, const int64_t *sidx);
    int acc_code;             /* dtype code of the accumulators; -1: unsupported */
} pyt_red_kernel;

/* ----- op definitions: identity, step (fold a compute value x into a), merge ----- */
#define PYT_R_STEP_SUM(a, x) ((a) + (x))
#define PYT_R_STEP_NANSUM(a, x) ((a) + ((x) == (x) ? (x) : 0))
#define PYT_R_STEP_PROD(a, x) ((a) * (x))
/* bitwise | rather than ||: no branch, so the compiler can vectorise */
#define PYT_R_STEP_MAX(a, x) ((((x) > (a)) | ((x) != (x))) ? (x) : (a))
#define PYT_R_STEP_MIN(a, x) ((((x) < (a)) | ((x) != (x))) ? (x) : (a))
#define PYT_R_STEP_ALL(a, x) ((uint8_t)((a) & ((x) != 0)))
#define PYT_R_STEP_ANY(a, x) ((uint8_t)((a) | ((x) != 0)))
#define PYT_R_STEP_COUNT(a, x) ((a) + ((x) != 0))
#define PYT_R_STEP_NOTNAN(a, x) ((a) + ((x) == (x)))
#define PYT_R_STEP_ABSSUM(a, x) ((a) + fabs((double)(x)))
#define PYT_R_STEP_SQSUM(a, x) ((a) + (double)(x) * (double)(x))
#define PYT_R_STEP_ABSMAX(a, x) PYT_R_STEP_MAX(a, fabs((double)(x)))
#define PYT_R_STEP_ABSMIN(a, x) PYT_R_STEP_MIN(a, fabs((double)(x)))
#define PYT_R_STEP_POWSUM(a, x) ((a) + pow(fabs((double)(x)), pp))
#define PYT_R_STEP_SQDEV(a, x) ((a) + ((double)(x) - c) * ((double)(x) - c))
/* exp in the compute type: expf is enough for float32 and narrower (the sum stays in
   double) and much faster than exp */
#define PYT_R_EXP_SHIFTED(x, c) _Generic((x), float: (double)expf((x) - (float)(c)), \
                                         default: exp((double)(x) - (c)))
#define PYT_R_STEP_EXPSUM(a, x) ((a) + PYT_R_EXP_SHIFTED(x, c))

#define PYT_R_MERGE_ADD(a, b) ((a) + (b))
#define PYT_R_MERGE_MUL(a, b) ((a) * (b))
#define PYT_R_MERGE_AND(a, b) ((uint8_t)((a) & (b)))
#define PYT_R_MERGE_OR(a, b) ((uint8_t)((a) | (b)))

/* arg ops: is x strictly better than a (a NaN beats everything, the first NaN wins) */
#define PYT_R_BETTER_MAX(x, a) (((x) > (a)) | (((x) != (x)) & ((a) == (a))))
#define PYT_R_BETTER_MIN(x, a) (((x) < (a)) | (((x) != (x)) & ((a) == (a))))

/* The hot loops are compiled twice, for AVX2 and for the baseline, and the loader picks
   one (GCC function multi-versioning); SSE2 alone cannot vectorise several of them
   (selects that mix 32- and 64-bit lanes, as argmax's value and index). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PYT_R_SIMD __attribute__((target_clones("avx2", "default")))
#else
#define PYT_R_SIMD
#endif

/* keeps the lane loop a loop, for the loop vectoriser (unrolled, SLP gives up on selects) */
#define PYT_R_ROLLED _Pragma("GCC unroll 1")

/* Kernels of a fold op: A accumulator type, IDENT identity, STEP and MERGE above. */
#define PYT_R_FOLD(NAME, D, A, IDENT, STEP, MERGE)                                      \
static void NAME##_init(void *acc, int64_t *idx, Py_ssize_t o, int64_t i0)              \
{ (void)idx; (void)i0; ((A *)acc)[o] = (A)(IDENT); }                                    \
PYT_R_SIMD static void NAME##_row(void *acc_, int64_t *idx, Py_ssize_t o, const char *p,           \
                       Py_ssize_t n, Py_ssize_t s, int64_t i0, double c, double pp)     \
{                                                                                       \
    typedef PYT_R_T_##D T; typedef PYT_R_C_##D C;                                       \
    A *acc = (A *)acc_; A lane[PYT_RED_LANES]; Py_ssize_t i = 0; int l, w;              \
    (void)idx; (void)i0; (void)c; (void)pp;                                             \
    for (l = 0; l < PYT_RED_LANES; l++) lane[l] = (A)(IDENT);                           \
    if (s == (Py_ssize_t)sizeof(T)) {                                                   \
        const T *x = (const T *)p;                                                      \
        for (; i + PYT_RED_LANES <= n; i += PYT_RED_LANES)                              \
            PYT_R_ROLLED for (l = 0; l < PYT_RED_LANES; l++) {                          \
                C v = PYT_R_LD_##D(x[i + l]); lane[l] = STEP(lane[l], v);               \
            }                                                                           \
    } else {                                                                            \
        for (; i + PYT_RED_LANES <= n; i += PYT_RED_LANES)                              \
            for (l = 0; l < PYT_RED_LANES; l++) {                                       \
                C v = PYT_R_LD_##D(*(const T *)(p + (i + l) * s));                      \
                lane[l] = STEP(lane[l], v);                                             \
            }                                                                           \
    }                                                                                   \
    for (l = 0; i < n; i++, l++) {                                                      \
        C v = PYT_R_LD_##D(*(const T *)(p + i * s)); lane[l] = STEP(lane[l], v);        \
    }                                                                                   \
    for (w = PYT_RED_LANES / 2; w > 0; w /= 2)                                          \
        for (l = 0; l < w; l++) lane[l] = MERGE(lane[l], lane[l + w]);                  \
    acc[o] = MERGE(acc[o], lane[0]);                                                    \
}                                                                                       \
PYT_R_SIMD static void NAME##_vec(void *acc_, int64_t *idx, const char *p, Py_ssize_t w,  \
                       Py_ssize_t s, int64_t i, const double *cen, double pp,           \
                       Py_ssize_t rs, int nrows)                                        \
{                                                                                       \
    typedef PYT_R_T_##D T; typedef PYT_R_C_##D C;                                       \
    A *acc = (A *)acc_; Py_ssize_t j; int r;                                            \
    (void)idx; (void)i; (void)cen; (void)pp;                                            \
    if (nrows == 4 && s == (Py_ssize_t)sizeof(T)) {   /* 4 rows per accumulator pass */ \
        A *restrict ac = acc; const double *restrict ce = cen;                          \
        const T *restrict x0 = (const T *)p, *restrict x1 = (const T *)(p + rs);        \
        const T *restrict x2 = (const T *)(p + 2 * rs);                                 \
        const T *restrict x3 = (const T *)(p + 3 * rs);                                 \
        for (j = 0; j < w; j++) {                                                       \
            double c = ce[j]; A a = ac[j]; C v; (void)c;                                \
            v = PYT_R_LD_##D(x0[j]); a = STEP(a, v);                                    \
            v = PYT_R_LD_##D(x1[j]); a = STEP(a, v);                                    \
            v = PYT_R_LD_##D(x2[j]); a = STEP(a, v);                                    \
            v = PYT_R_LD_##D(x3[j]); a = STEP(a, v);                                    \
            ac[j] = a;                                                                  \
        }                                                                               \
        return;                                                                         \
    }                                                                                   \
    for (r = 0; r < nrows; r++, p += rs) {                                              \
        if (s == (Py_ssize_t)sizeof(T)) {                                               \
            const T *restrict x = (const T *)p;                                         \
            A *restrict ac = acc; const double *restrict ce = cen;                      \
            for (j = 0; j < w; j++) {                                                   \
                C v = PYT_R_LD_##D(x[j]); double c = ce[j]; (void)c;                    \
                ac[j] = STEP(ac[j], v);                                                 \
            }                                                                           \
        } else {                                                                        \
            for (j = 0; j < w; j++) {                                                   \
                C v = PYT_R_LD_##D(*(const T *)(p + j * s)); double c = cen[j]; (void)c; \
                acc[j] = STEP(acc[j], v);                                               \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
}                                                                                       \
static void NAME##_comb(void *acc, int64_t *idx, Py_ssize_t o, const void *src,         \
                        const int64_t *sidx)                                            \
{ (void)idx; (void)sidx; ((A *)acc)[o] = MERGE(((A *)acc)[o], ((const A *)src)[o]); }

/* Kernels of argmax / argmin: value in the compute type plus the reduced index. */
#define PYT_R_ARG(NAME, D, IDENT, STEP, BETTER)                                         \
static void NAME##_init(void *acc, int64_t *idx, Py_ssize_t o, int64_t i0)              \
{ ((PYT_R_C_##D *)acc)[o] = (PYT_R_C_##D)(IDENT); idx[o] = i0; }                        \
PYT_R_SIMD static void NAME##_row(void *acc_, int64_t *idx, Py_ssize_t o, const char *p,           \
                       Py_ssize_t n, Py_ssize_t s, int64_t i0, double c, double pp)     \
{                                                                                       \
    typedef PYT_R_T_##D T; typedef PYT_R_C_##D C;                                       \
    C *acc = (C *)acc_; C lane[PYT_RED_LANES], m; Py_ssize_t i = 0, j; int l, w;        \
    (void)c; (void)pp;                                                                  \
    /* the segment's best value first (vectorised), then its first position */          \
    for (l = 0; l < PYT_RED_LANES; l++) lane[l] = (C)(IDENT);                           \
    if (s == (Py_ssize_t)sizeof(T)) {                                                   \
        const T *x = (const T *)p;                                                      \
        for (; i + PYT_RED_LANES <= n; i += PYT_RED_LANES)                              \
            PYT_R_ROLLED for (l = 0; l < PYT_RED_LANES; l++) {                          \
                C v = PYT_R_LD_##D(x[i + l]); lane[l] = STEP(lane[l], v);               \
            }                                                                           \
    }                                                                                   \
    for (l = 0; i < n; i++, l = (l + 1) % PYT_RED_LANES) {                              \
        C v = PYT_R_LD_##D(*(const T *)(p + i * s)); lane[l] = STEP(lane[l], v);        \
    }                                                                                   \
    for (w = PYT_RED_LANES / 2; w > 0; w /= 2)                                          \
        for (l = 0; l < w; l++) lane[l] = STEP(lane[l], lane[l + w]);                   \
    m = lane[0];                                                                        \
    if (!(BETTER(m, acc[o]))) return;                                                   \
    for (j = 0; j < n; j++) {                                                           \
        C v = PYT_R_LD_##D(*(const T *)(p + j * s));                                    \
        if (v == m || (m != m && v != v)) break;                                        \
    }                                                                                   \
    acc[o] = m; idx[o] = i0 + j;                                                        \
}                                                                                       \
PYT_R_SIMD static void NAME##_vec(void *acc_, int64_t *idx, const char *p, Py_ssize_t w,  \
                       Py_ssize_t s, int64_t i, const double *cen, double pp,           \
                       Py_ssize_t rs, int nrows)                                        \
{                                                                                       \
    typedef PYT_R_T_##D T; typedef PYT_R_C_##D C;                                       \
    C *acc = (C *)acc_; Py_ssize_t j; int r;                                            \
    (void)cen; (void)pp;                                                                \
    /* Row by row (a select chain over several rows defeats the vectoriser). restrict  \
       lets the selects become blends and full stores, not masked stores (slow on AMD). */ \
    for (r = 0; r < nrows; r++, p += rs, i++) {                                         \
        C *restrict ac = acc; int64_t *restrict ix = idx;                               \
        if (s == (Py_ssize_t)sizeof(T)) {                                               \
            const T *restrict x = (const T *)p;                                         \
            for (j = 0; j < w; j++) {                                                   \
                C v = PYT_R_LD_##D(x[j]), a = ac[j]; int take = BETTER(v, a);           \
                C nv = take ? v : a; int64_t ni = take ? i : ix[j];                     \
                ac[j] = nv; ix[j] = ni;                                                 \
            }                                                                           \
        } else {                                                                        \
            for (j = 0; j < w; j++) {                                                   \
                C v = PYT_R_LD_##D(*(const T *)(p + j * s)), a = ac[j];                 \
                int take = BETTER(v, a);                                                \
                C nv = take ? v : a; int64_t ni = take ? i : ix[j];                     \
                ac[j] = nv; ix[j] = ni;                                                 \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
}                                                                                       \
static void NAME##_comb(void *acc_, int64_t *idx, Py_ssize_t o, const void *src,        \
                        const int64_t *sidx)                                            \
{                                                                                       \
    PYT_R_C_##D *acc = (PYT_R_C_##D *)acc_, v = ((const PYT_R_C_##D *)src)[o];          \
    if (BETTER(v, acc[o])) { acc[o] = v; idx[o] = sidx[o]; }                            \
}

#define PYT_R_GEN_ALL(D)                                                                 \
    PYT_R_FOLD(pyt_red_sum_##D, D, PYT_R_S_##D, 0, PYT_R_STEP_SUM, PYT_R_MERGE_ADD)      \
    PYT_R_FOLD(pyt_red_nansum_##D, D, PYT_R_S_##D, 0, PYT_R_STEP_NANSUM, PYT_R_MERGE_ADD) \
    PYT_R_FOLD(pyt_red_prod_##D, D, PYT_R_S_##D, 1, PYT_R_STEP_PROD, PYT_R_MERGE_MUL)    \
    PYT_R_FOLD(pyt_red_max_##D, D, PYT_R_C_##D, PYT_R_LOWEST_##D, PYT_R_STEP_MAX,        \
               PYT_R_STEP_MAX)                                                           \
    PYT_R_FOLD(pyt_red_min_##D, D, PYT_R_C_##D, PYT_R_HIGHEST_##D, PYT_R_STEP_MIN,       \
               PYT_R_STEP_MIN)                                                           \
    PYT_R_ARG(pyt_red_argmax_##D, D, PYT_R_LOWEST_##D, PYT_R_STEP_MAX, PYT_R_BETTER_MAX) \
    PYT_R_ARG(pyt_red_argmin_##D, D, PYT_R_HIGHEST_##D, PYT_R_STEP_MIN, PYT_R_BETTER_MIN) \
    PYT_R_FOLD(pyt_red_all_##D, D, uint8_t, 1, PYT_R_STEP_ALL, PYT_R_MERGE_AND)          \
    PYT_R_FOLD(pyt_red_any_##D, D, uint8_t, 0, PYT_R_STEP_ANY, PYT_R_MERGE_OR)           \
    PYT_R_FOLD(pyt_red_count_##D, D, int64_t, 0, PYT_R_STEP_COUNT, PYT_R_MERGE_ADD)      \
    PYT_R_FOLD(pyt_red_notnan_##D, D, int64_t, 0, PYT_R_STEP_NOTNAN, PYT_R_MERGE_ADD)
#define PYT_R_GEN_FLOAT(D)                                                               \
    PYT_R_FOLD(pyt_red_abssum_##D, D, double, 0, PYT_R_STEP_ABSSUM, PYT_R_MERGE_ADD)     \
    PYT_R_FOLD(pyt_red_sqsum_##D, D, double, 0, PYT_R_STEP_SQSUM, PYT_R_MERGE_ADD)       \
    PYT_R_FOLD(pyt_red_absmax_##D, D, double, 0, PYT_R_STEP_ABSMAX, PYT_R_STEP_MAX)      \
    PYT_R_FOLD(pyt_red_absmin_##D, D, double, INFINITY, PYT_R_STEP_ABSMIN, PYT_R_STEP_MIN) \
    PYT_R_FOLD(pyt_red_powsum_##D, D, double, 0, PYT_R_STEP_POWSUM, PYT_R_MERGE_ADD)     \
    PYT_R_FOLD(pyt_red_sqdev_##D, D, double, 0, PYT_R_STEP_SQDEV, PYT_R_MERGE_ADD)       \
    PYT_R_FOLD(pyt_red_expsum_##D, D, double, 0, PYT_R_STEP_EXPSUM, PYT_R_MERGE_ADD)

PYT_R_FOR_ALL(PYT_R_GEN_ALL)
PYT_R_FOR_FLOAT(PYT_R_GEN_FLOAT)

#define PYT_R_K(NAME, CODE) { NAME##_init, NAME##_row, NAME##_vec, NAME##_comb, CODE }
#define PYT_R_NONE { NULL, NULL, NULL, NULL, -1 }
#define PYT_R_ROW_ALL(OP, CODEKIND)                                                      \
    { PYT_R_K(pyt_red_##OP##_bool, CODEKIND(bool)), PYT_R_K(pyt_red_##OP##_uint8, CODEKIND(uint8)), \
      PYT_R_K(pyt_red_##OP##_int8, CODEKIND(int8)), PYT_R_K(pyt_red_##OP##_int16, CODEKIND(int16)), \
      PYT_R_K(pyt_red_##OP##_int32, CODEKIND(int32)), PYT_R_K(pyt_red_##OP##_int64, CODEKIND(int64)), \
      PYT_R_K(pyt_red_##OP##_float16, CODEKIND(float16)),                                \
      PYT_R_K(pyt_red_##OP##_bfloat16, CODEKIND(bfloat16)),                              \
      PYT_R_K(pyt_red_##OP##_float32, CODEKIND(float32)),                                \
      PYT_R_K(pyt_red_##OP##_float64, CODEKIND(float64)) }
#define PYT_R_ROW_FLOAT(OP)                                                              \
    { PYT_R_NONE, PYT_R_NONE, PYT_R_NONE, PYT_R_NONE, PYT_R_NONE, PYT_R_NONE,            \
      PYT_R_K(pyt_red_##OP##_float16, PYT_FLOAT64), PYT_R_K(pyt_red_##OP##_bfloat16, PYT_FLOAT64), \
      PYT_R_K(pyt_red_##OP##_float32, PYT_FLOAT64), PYT_R_K(pyt_red_##OP##_float64, PYT_FLOAT64) }
#define PYT_R_SUMCODE(D) PYT_R_SCODE_##D
#define PYT_R_CMPCODE(D) PYT_R_CCODE_##D
#define PYT_R_U8CODE(D) PYT_UINT8
#define PYT_R_I64CODE(D) PYT_INT64

static const pyt_red_kernel pyt_red_table[PYT_RED_NUM_OPS][PYT_NUM_DTYPES] = {
    PYT_R_ROW_ALL(sum, PYT_R_SUMCODE), PYT_R_ROW_ALL(nansum, PYT_R_SUMCODE),
    PYT_R_ROW_ALL(prod, PYT_R_SUMCODE), PYT_R_ROW_ALL(max, PYT_R_CMPCODE),
    PYT_R_ROW_ALL(min, PYT_R_CMPCODE), PYT_R_ROW_ALL(argmax, PYT_R_CMPCODE),
    PYT_R_ROW_ALL(argmin, PYT_R_CMPCODE), PYT_R_ROW_ALL(all, PYT_R_U8CODE),
    PYT_R_ROW_ALL(any, PYT_R_U8CODE), PYT_R_ROW_ALL(count, PYT_R_I64CODE),
    PYT_R_ROW_ALL(notnan, PYT_R_I64CODE),
    PYT_R_ROW_FLOAT(abssum), PYT_R_ROW_FLOAT(sqsum), PYT_R_ROW_FLOAT(absmax),
    PYT_R_ROW_FLOAT(absmin), PYT_R_ROW_FLOAT(powsum), PYT_R_ROW_FLOAT(sqdev),
    PYT_R_ROW_FLOAT(expsum)
};

static inline int pyt_red_acc_code(int op, int code)
{
    return pyt_red_table[op][code].acc_code;
}

/* ----- the engine ----------------------------------------------------------------- */
typedef struct {
    const pyt_red_kernel *kern;
    int accsize;
    int nk, nr;                                /* kept / reduced dims, innermost last */
    Py_ssize_t kshape[PYT_MAX_DIMS], kin[PYT_MAX_DIMS], kout[PYT_MAX_DIMS];
    Py_ssize_t rshape[PYT_MAX_DIMS], rin[PYT_MAX_DIMS];
    Py_ssize_t M, K;                           /* accumulators, reduced length */
    const char *in;
    char *acc;
    int64_t *idx;                              /* arg ops: reduced index of the best */
    const double *center;                      /* SQDEV / EXPSUM: one per accumulator */
    double p;                                  /* POWSUM */
} pyt_reduction;

static const int pyt_r_itemsize[PYT_NUM_DTYPES] = { 1, 1, 1, 2, 4, 8, 2, 2, 4, 8 };

static inline Py_ssize_t pyt_r_abs(Py_ssize_t x) { return x < 0 ? -x : x; }

/* Orders a group of dims outermost first (by |stride|, stable), drops size-1 dims
   and merges neighbours that step contiguously. sort=0 keeps the logical order
   (arg ops need the reduced index in logical order). */
static int pyt_r_group(int n, Py_ssize_t *shape, Py_ssize_t *s1, Py_ssize_t *s2, int sort)
{
    int i, j, out = 0;
    if (sort) {
        for (i = 1; i < n; i++) {
            Py_ssize_t a = shape[i], b = s1[i], c = s2 ? s2[i] : 0;
            for (j = i - 1; j >= 0 && pyt_r_abs(s1[j]) < pyt_r_abs(b); j--) {
                shape[j + 1] = shape[j]; s1[j + 1] = s1[j]; if (s2) s2[j + 1] = s2[j];
            }
            shape[j + 1] = a; s1[j + 1] = b; if (s2) s2[j + 1] = c;
        }
    }
    for (i = 0; i < n; i++) {
        if (shape[i] == 1) continue;
        if (out > 0 && s1[out - 1] == s1[i] * shape[i] &&
                (!s2 || s2[out - 1] == s2[i] * shape[i])) {
            shape[out - 1] *= shape[i];
            s1[out - 1] = s1[i]; if (s2) s2[out - 1] = s2[i];
            continue;
        }
        shape[out] = shape[i]; s1[out] = s1[i]; if (s2) s2[out] = s2[i];
        out++;
    }
    return out;
}

/* strides: byte strides of the input; reduce[d]: whether dim d is reduced; ostride[d]:
   element stride of kept dim d in the accumulator array. */
static void pyt_reduce_setup(pyt_reduction *r, int op, int code, int ndim,
                             const Py_ssize_t *shape, const Py_ssize_t *strides,
                             const char *reduce, const Py_ssize_t *ostride)
{
    int d, is_arg = (op == PYT_RED_ARGMAX || op == PYT_RED_ARGMIN);
    r->kern = &pyt_red_table[op][code];
    r->nk = r->nr = 0; r->M = r->K = 1;
    for (d = 0; d < ndim; d++) {
        if (reduce[d]) {
            r->rshape[r->nr] = shape[d]; r->rin[r->nr] = strides[d]; r->nr++;
            r->K *= shape[d];
        } else {
            r->kshape[r->nk] = shape[d]; r->kin[r->nk] = strides[d];
            r->kout[r->nk] = ostride[d]; r->nk++;
            r->M *= shape[d];
        }
    }
    r->nk = pyt_r_group(r->nk, r->kshape, r->kin, r->kout, 1);
    r->nr = pyt_r_group(r->nr, r->rshape, r->rin, NULL, !is_arg);
    if (r->nk == 0 && r->nr == 0) {          /* one element: a reduction of length 1 */
        r->nr = 1; r->rshape[0] = 1; r->rin[0] = 0;
    }
    r->accsize = pyt_r_itemsize[r->kern->acc_code];
    r->center = NULL; r->p = 0; r->idx = NULL;
}

/* outputs [q0, q1) in kept-dim order, reduced range [c0, c1), inner kernel */
static void pyt_r_inner_unit(const pyt_reduction *r, Py_ssize_t q0, Py_ssize_t q1,
                             Py_ssize_t c0, Py_ssize_t c1, char *acc, int64_t *idx)
{
    const pyt_red_kernel *k = r->kern;
    Py_ssize_t kidx[PYT_MAX_DIMS], ridx[PYT_MAX_DIMS];
    Py_ssize_t ioff = 0, o = 0, rem = q0, q;
    int d, last = r->nr - 1;
    Py_ssize_t rlen = r->rshape[last], rs = r->rin[last];
    for (d = r->nk - 1; d >= 0; d--) {
        kidx[d] = rem % r->kshape[d]; rem /= r->kshape[d];
        ioff += kidx[d] * r->kin[d]; o += kidx[d] * r->kout[d];
    }
    for (q = q0; q < q1; q++) {
        Py_ssize_t roff = 0, pos = c0;
        double c = r->center ? r->center[o] : 0.0;
        k->init(acc, idx, o, c0);
        rem = c0;
        for (d = last; d >= 0; d--) {
            ridx[d] = rem % r->rshape[d]; rem /= r->rshape[d];
            roff += ridx[d] * r->rin[d];
        }
        for (;;) {
            Py_ssize_t n = rlen - ridx[last];
            if (n > c1 - pos) n = c1 - pos;
            k->row(acc, idx, o, r->in + ioff + roff, n, rs, pos, c, r->p);
            pos += n;
            if (pos >= c1) break;
            roff -= ridx[last] * rs; ridx[last] = 0;
            for (d = last - 1; d >= 0; d--) {
                ridx[d]++; roff += r->rin[d];
                if (ridx[d] < r->rshape[d]) break;
                roff -= ridx[d] * r->rin[d]; ridx[d] = 0;
            }
        }
        for (d = r->nk - 1; d >= 0; d--) {
            kidx[d]++; ioff += r->kin[d]; o += r->kout[d];
            if (kidx[d] < r->kshape[d]) break;
            ioff -= kidx[d] * r->kin[d]; o -= kidx[d] * r->kout[d]; kidx[d] = 0;
        }
    }
}

/* Columns [j0, j0 + w) of the innermost kept dim, at position rq of the other kept
   dims, reduced range [c0, c1), vector kernel. Each input row of the range is folded
   into w accumulators at once, so memory is read row by row. */
static int pyt_r_vector_unit(const pyt_reduction *r, Py_ssize_t rq, Py_ssize_t j0,
                             Py_ssize_t w, Py_ssize_t c0, Py_ssize_t c1, char *acc,
                             int64_t *idx)
{
    const pyt_red_kernel *k = r->kern;
    double small_acc[PYT_RED_TILE], small_cen[PYT_RED_TILE];   /* any accumulator type */
    int64_t small_idx[PYT_RED_TILE];
    char *tacc = (char *)small_acc; double *tcen = small_cen; int64_t *tidx = small_idx;
    char *heap = NULL;
    Py_ssize_t ridx[PYT_MAX_DIMS];
    int d, kl = r->nk - 1, last = r->nr - 1, size = r->accsize;
    Py_ssize_t ioff = 0, o = 0, rem = rq, roff = 0, pos, j;
    if (w > PYT_RED_TILE) {
        /* cache-line aligned, so that wide vector accesses do not split lines */
        if (posix_memalign((void **)&heap, 64, (size_t)w * (8 + 8 + 8)) != 0) return -1;
        tacc = heap; tcen = (double *)(heap + w * 8); tidx = (int64_t *)(heap + w * 16);
    }
    for (d = kl - 1; d >= 0; d--) {
        Py_ssize_t i = rem % r->kshape[d]; rem /= r->kshape[d];
        ioff += i * r->kin[d]; o += i * r->kout[d];
    }
    ioff += j0 * r->kin[kl]; o += j0 * r->kout[kl];
    for (j = 0; j < w; j++) {
        k->init(tacc, tidx, j, c0);
        tcen[j] = r->center ? r->center[o + j * r->kout[kl]] : 0.0;
    }
    if (r->nr == 0) {
        k->vec(tacc, tidx, r->in + ioff, w, r->kin[kl], 0, tcen, r->p, 0, 1);
    } else {
        rem = c0;
        for (d = last; d >= 0; d--) {
            ridx[d] = rem % r->rshape[d]; rem /= r->rshape[d];
            roff += ridx[d] * r->rin[d];
        }
        for (pos = c0; pos < c1; ) {
            Py_ssize_t n = r->rshape[last] - ridx[last];     /* rows before a carry */
            if (n > c1 - pos) n = c1 - pos;
            if (n > 4) n = 4;
            k->vec(tacc, tidx, r->in + ioff + roff, w, r->kin[kl], pos, tcen, r->p,
                   r->rin[last], (int)n);
            pos += n;
            ridx[last] += n; roff += n * r->rin[last];
            for (d = last; d >= 0 && ridx[d] >= r->rshape[d]; d--) {
                roff -= ridx[d] * r->rin[d]; ridx[d] = 0;
                if (d > 0) { ridx[d - 1]++; roff += r->rin[d - 1]; }
            }
        }
    }
    for (j = 0; j < w; j++) {
        Py_ssize_t oj = o + j * r->kout[kl];
        memcpy(acc + oj * size, tacc + j * size, size);
        if (idx) idx[oj] = tidx[j];
    }
    free(heap);
    return 0;
}

/* Runs the reduction into r->acc (and r->idx). Returns -1 when out of memory.
   The chunking of the reduced range (which fixes the order of the arithmetic) depends
   on the shape only; how columns are grouped into tasks may depend on the thread
   count, since every column folds its rows in the same order either way. */
static int pyt_reduce_run(pyt_reduction *r, int nthreads)
{
    const pyt_red_kernel *k = r->kern;
    Py_ssize_t M = r->M, K = r->K, units, chunk, nch, ntasks, ob = 1, rest = 1, tiles = 1;
    Py_ssize_t W = 1, tw = 1, t, o, c, size = r->accsize;
    int vector, parallel, failed = 0;
    char *part = NULL; int64_t *pidx = NULL;
    if (M == 0) return 0;
    if (K == 0) {
        for (o = 0; o < M; o++) k->init(r->acc, r->idx, o, 0);
        return 0;
    }
    parallel = nthreads > 1 && M * K >= PYT_GRAIN_SIZE;
    vector = r->nk > 0 && (r->nr == 0 ||
                           pyt_r_abs(r->kin[r->nk - 1]) < pyt_r_abs(r->rin[r->nr - 1]));
    if (vector) {
        /* Rows shorter than PYT_RED_WIDE fold in chunks of about PYT_RED_VCHUNK elements
           (threads then stream whole rows); longer rows split into column tiles. */
        W = r->kshape[r->nk - 1]; rest = M / W;
        chunk = K;
        if (W < PYT_RED_WIDE && K * W > PYT_RED_VCHUNK) {
            chunk = (PYT_RED_VCHUNK + W - 1) / W;
            chunk = (chunk + 3) / 4 * 4;
        }
        nch = (K + chunk - 1) / chunk;
        tw = W;
        if (parallel && rest * nch < 2 * nthreads)            /* too few tasks: split rows */
            tw = (W + 2 * nthreads - 1) / (2 * nthreads);
        if (tw > PYT_RED_WIDE) tw = PYT_RED_WIDE;
        if (tw < 64) tw = W < 64 ? W : 64;
        tiles = (W + tw - 1) / tw;
        units = rest * tiles;
    } else {
        ob = 16384 / K; if (ob < 1) ob = 1; if (ob > M) ob = M;
        units = (M + ob - 1) / ob;
        chunk = (M < 64 && K > 2 * PYT_RED_CHUNK) ? PYT_RED_CHUNK : K;
    }
    nch = (K + chunk - 1) / chunk;
    if (nch > 1) {
        part = (char *)malloc((size_t)(nch - 1) * M * size);
        if (r->idx) pidx = (int64_t *)malloc((size_t)(nch - 1) * M * sizeof(int64_t));
        if (!part || (r->idx && !pidx)) { free(part); free(pidx); return -1; }
    }
    ntasks = units * nch;
    parallel = parallel && ntasks > 1;
#define PYT_R_TASK(t)                                                                    \
    {                                                                                    \
        Py_ssize_t u = (t) / nch, ch = (t) % nch;                                        \
        Py_ssize_t c0 = ch * chunk, c1 = c0 + chunk < K ? c0 + chunk : K;                \
        char *a = ch == 0 ? r->acc : part + (ch - 1) * M * size;                         \
        int64_t *ix = !r->idx ? NULL : ch == 0 ? r->idx : pidx + (ch - 1) * M;           \
        if (vector) {                                                                    \
            Py_ssize_t j0 = (u % tiles) * tw, w = W - j0 < tw ? W - j0 : tw;             \
            if (pyt_r_vector_unit(r, u / tiles, j0, w, c0, c1, a, ix) < 0) failed = 1;   \
        } else {                                                                         \
            pyt_r_inner_unit(r, u * ob, (u + 1) * ob < M ? (u + 1) * ob : M, c0, c1, a, ix); \
        }                                                                                \
    }
#ifdef _OPENMP
    if (parallel) {
        #pragma omp parallel for schedule(static) num_threads(nthreads) reduction(|:failed)
        for (t = 0; t < ntasks; t++) PYT_R_TASK(t)
    } else
#endif
    {
        for (t = 0; t < ntasks; t++) PYT_R_TASK(t)
    }
#undef PYT_R_TASK
    for (c = 1; c < nch && !failed; c++) {
        const char *src = part + (c - 1) * M * size;
        const int64_t *sidx = pidx ? pidx + (c - 1) * M : NULL;
        for (o = 0; o < M; o++) k->comb(r->acc, r->idx, o, src, sidx);
    }
    free(part); free(pidx);
    return failed ? -1 : 0;
}

#endif
