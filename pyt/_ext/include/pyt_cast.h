/* Element conversion between every pair of dtypes, as inner loops for pyt_loop.
   pyt_cast_table[dst][src] copies a row from src (operand 1) to dst (operand 0).
   Values go through a wide type: double for floats, int64 for integers, so
   int64 -> int64 and float64 -> float64 are exact. */
#ifndef PYT_CAST_H
#define PYT_CAST_H
#include "pyt_dtypes.h"
#include "pyt_loop.h"

/* read an element of each dtype into a wide C value */
#define PYT_RD_bool(p)     (*(const pyt_bool *)(p) != 0)
#define PYT_RD_uint8(p)    (*(const uint8_t *)(p))
#define PYT_RD_int8(p)     (*(const int8_t *)(p))
#define PYT_RD_int16(p)    (*(const int16_t *)(p))
#define PYT_RD_int32(p)    (*(const int32_t *)(p))
#define PYT_RD_int64(p)    (*(const int64_t *)(p))
#define PYT_RD_float16(p)  pyt_half_to_float(*(const pyt_half *)(p))
#define PYT_RD_bfloat16(p) pyt_bfloat16_to_float(*(const pyt_bfloat16 *)(p))
#define PYT_RD_float32(p)  (*(const float *)(p))
#define PYT_RD_float64(p)  (*(const double *)(p))

/* write a wide value as each dtype; integers go through int64 so that a
   negative float lands like torch's (wrapping) rather than as undefined */
#define PYT_WR_bool(p, v)     (*(pyt_bool *)(p) = (pyt_bool)((v) != 0))
#define PYT_WR_uint8(p, v)    (*(uint8_t *)(p) = (uint8_t)(int64_t)(v))
#define PYT_WR_int8(p, v)     (*(int8_t *)(p) = (int8_t)(int64_t)(v))
#define PYT_WR_int16(p, v)    (*(int16_t *)(p) = (int16_t)(int64_t)(v))
#define PYT_WR_int32(p, v)    (*(int32_t *)(p) = (int32_t)(int64_t)(v))
#define PYT_WR_int64(p, v)    (*(int64_t *)(p) = (int64_t)(v))
#define PYT_WR_float16(p, v)  (*(pyt_half *)(p) = pyt_float_to_half((float)(v)))
#define PYT_WR_bfloat16(p, v) (*(pyt_bfloat16 *)(p) = pyt_float_to_bfloat16((float)(v)))
#define PYT_WR_float32(p, v)  (*(float *)(p) = (float)(v))
#define PYT_WR_float64(p, v)  (*(double *)(p) = (double)(v))

/* element sizes, so that a contiguous row gets a loop with constant strides: the
   compiler vectorises that one (a runtime stride keeps it scalar, 5-10x slower) */
#define PYT_SIZE_bool     1
#define PYT_SIZE_uint8    1
#define PYT_SIZE_int8     1
#define PYT_SIZE_int16    2
#define PYT_SIZE_int32    4
#define PYT_SIZE_int64    8
#define PYT_SIZE_float16  2
#define PYT_SIZE_bfloat16 2
#define PYT_SIZE_float32  4
#define PYT_SIZE_float64  8

/* float32 <-> float16 on x86 CPUs with F16C: the conversion instructions, chosen at run
   time (the build targets plain x86-64), 8 values at a time. */
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define PYT_HAVE_F16C_PATH 1
__attribute__((target("avx,f16c")))
static void pyt_f32_to_f16_f16c(pyt_half *d, const float *s, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(d + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++)
        d[i] = pyt_float_to_half(s[i]);
}

__attribute__((target("avx,f16c")))
static void pyt_f16_to_f32_f16c(float *d, const pyt_half *s, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + i))));
    for (; i < n; i++)
        d[i] = pyt_half_to_float(s[i]);
}

static inline int pyt_has_f16c(void)
{
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
    }
    return known;
}
#endif

#define PYT_CODE_bool     PYT_BOOL
#define PYT_CODE_uint8    PYT_UINT8
#define PYT_CODE_int8     PYT_INT8
#define PYT_CODE_int16    PYT_INT16
#define PYT_CODE_int32    PYT_INT32
#define PYT_CODE_int64    PYT_INT64
#define PYT_CODE_float16  PYT_FLOAT16
#define PYT_CODE_bfloat16 PYT_BFLOAT16
#define PYT_CODE_float32  PYT_FLOAT32
#define PYT_CODE_float64  PYT_FLOAT64

/* A contiguous row by an instruction-level path when one exists (1), else 0; the
   dtype codes are constants, so other pairs compile to nothing. */
static inline int pyt_cast_by_instructions(int dst, int src, char *d, const char *s,
                                           Py_ssize_t n)
{
#ifdef PYT_HAVE_F16C_PATH
    if (dst == PYT_FLOAT16 && src == PYT_FLOAT32 && pyt_has_f16c()) {
        pyt_f32_to_f16_f16c((pyt_half *)d, (const float *)s, n);
        return 1;
    }
    if (dst == PYT_FLOAT32 && src == PYT_FLOAT16 && pyt_has_f16c()) {
        pyt_f16_to_f32_f16c((float *)d, (const pyt_half *)s, n);
        return 1;
    }
#endif
    (void)dst; (void)src; (void)d; (void)s; (void)n;
    return 0;
}

#define PYT_CAST_FN(D, S)                                                          \
    static void pyt_cast_##D##_##S(char **p, const Py_ssize_t *s, Py_ssize_t n,    \
                                   void *ctx)                                      \
    {                                                                              \
        char *d = p[0]; const char *src = p[1];                                    \
        Py_ssize_t ds = s[0], ss = s[1];                                           \
        (void)ctx;                                                                 \
        if (ds == PYT_SIZE_##D && ss == PYT_SIZE_##S) {                            \
            if (pyt_cast_by_instructions(PYT_CODE_##D, PYT_CODE_##S, d, src, n))     \
                return;                                                            \
            for (Py_ssize_t i = 0; i < n; i++)                                     \
                PYT_WR_##D(d + i * PYT_SIZE_##D, PYT_RD_##S(src + i * PYT_SIZE_##S)); \
            return;                                                                \
        }                                                                          \
        for (Py_ssize_t i = 0; i < n; i++) {                                       \
            PYT_WR_##D(d + i * ds, PYT_RD_##S(src + i * ss));                      \
        }                                                                          \
    }

#define PYT_CAST_ROW(D)                                                            \
    PYT_CAST_FN(D, bool) PYT_CAST_FN(D, uint8) PYT_CAST_FN(D, int8)                \
    PYT_CAST_FN(D, int16) PYT_CAST_FN(D, int32) PYT_CAST_FN(D, int64)              \
    PYT_CAST_FN(D, float16) PYT_CAST_FN(D, bfloat16) PYT_CAST_FN(D, float32)       \
    PYT_CAST_FN(D, float64)

PYT_CAST_ROW(bool) PYT_CAST_ROW(uint8) PYT_CAST_ROW(int8) PYT_CAST_ROW(int16)
PYT_CAST_ROW(int32) PYT_CAST_ROW(int64) PYT_CAST_ROW(float16) PYT_CAST_ROW(bfloat16)
PYT_CAST_ROW(float32) PYT_CAST_ROW(float64)

#define PYT_CAST_ENTRY(D)                                                          \
    { pyt_cast_##D##_bool, pyt_cast_##D##_uint8, pyt_cast_##D##_int8,              \
      pyt_cast_##D##_int16, pyt_cast_##D##_int32, pyt_cast_##D##_int64,            \
      pyt_cast_##D##_float16, pyt_cast_##D##_bfloat16, pyt_cast_##D##_float32,     \
      pyt_cast_##D##_float64 }

static const pyt_inner_loop pyt_cast_table[PYT_NUM_DTYPES][PYT_NUM_DTYPES] = {
    PYT_CAST_ENTRY(bool), PYT_CAST_ENTRY(uint8), PYT_CAST_ENTRY(int8),
    PYT_CAST_ENTRY(int16), PYT_CAST_ENTRY(int32), PYT_CAST_ENTRY(int64),
    PYT_CAST_ENTRY(float16), PYT_CAST_ENTRY(bfloat16), PYT_CAST_ENTRY(float32),
    PYT_CAST_ENTRY(float64)
};

/* Same-dtype copies only move bytes: one loop per element size, with fast paths the
   compiler turns into memcpy or vector moves: contiguous rows, a broadcast scalar, and
   a row read backwards (the innermost dim of a flip). */
#define PYT_MOVE_FN(T, NAME)                                                       \
    static void pyt_move_##NAME(char **p, const Py_ssize_t *s, Py_ssize_t n,       \
                                void *ctx)                                         \
    {                                                                              \
        char *d = p[0]; const char *src = p[1];                                    \
        Py_ssize_t ds = s[0], ss = s[1];                                           \
        (void)ctx;                                                                 \
        if (ds == (Py_ssize_t)sizeof(T) && ss == (Py_ssize_t)sizeof(T)) {          \
            memmove(d, src, (size_t)n * sizeof(T));                                \
        } else if (ds == (Py_ssize_t)sizeof(T) && ss == -(Py_ssize_t)sizeof(T)) {  \
            T *dd = (T *)d; const T *ps = (const T *)src;                          \
            for (Py_ssize_t i = 0; i < n; i++) dd[i] = ps[-i];                     \
        } else if (ss == 0 && ds == (Py_ssize_t)sizeof(T)) {                       \
            T v = *(const T *)src, *dd = (T *)d;                                   \
            for (Py_ssize_t i = 0; i < n; i++) dd[i] = v;                          \
        } else if (ss == 0) {                                                      \
            T v = *(const T *)src;                                                 \
            for (Py_ssize_t i = 0; i < n; i++) *(T *)(d + i * ds) = v;             \
        } else {                                                                   \
            for (Py_ssize_t i = 0; i < n; i++)                                     \
                *(T *)(d + i * ds) = *(const T *)(src + i * ss);                   \
        }                                                                          \
    }
PYT_MOVE_FN(uint8_t, 1) PYT_MOVE_FN(uint16_t, 2) PYT_MOVE_FN(uint32_t, 4)
PYT_MOVE_FN(uint64_t, 8)

static inline pyt_inner_loop pyt_move_loop(int itemsize)
{
    switch (itemsize) {
    case 1: return pyt_move_1;
    case 2: return pyt_move_2;
    case 4: return pyt_move_4;
    default: return pyt_move_8;
    }
}

#endif
