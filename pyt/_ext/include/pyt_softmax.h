/* softmax / log_softmax and their gradients over the middle dim of a contiguous
   [outer, n, inner] block.

   Numerically stable: the row maximum is subtracted before exp. A row (inner == 1)
   is processed by one thread, and with inner > 1 a block of up to PYT_SOFTMAX_COLS
   columns is, so results do not depend on the thread count. float rows use an exp
   written so that the compiler vectorises it (libm's expf does not vectorise), and
   the hot functions are compiled for AVX-512, AVX2 and baseline x86-64, chosen at
   load time by the CPU's features. */
#ifndef PYT_SOFTMAX_H
#define PYT_SOFTMAX_H
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <Python.h>
#include "pyt_loop.h"

#if defined(PYT_SIMD_CLONES)
/* given by the build */
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PYT_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PYT_SIMD_CLONES
#endif

#if defined(__GNUC__)
#define PYT_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define PYT_ALWAYS_INLINE inline
#endif

#define PYT_SOFTMAX_COLS 256

/* exp(x) for float, within about 1 ulp; 0 below -87 (where expf is subnormal),
   NaN for NaN. Range reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6
   polynomial for exp(r) and 2^n built in the exponent bits. */
static PYT_ALWAYS_INLINE float pyt_expf(float x)
{
    float xc = x < -87.0f ? -87.0f : x;
    xc = xc > 88.0f ? 88.0f : xc;
    const float shifter = 12582912.0f;                 /* 1.5 * 2^23: rounds to nearest */
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
    union { int32_t i; float f; } scale;
    scale.i = ((int32_t)n + 127) << 23;
    float e = p * scale.f;
    return x < -87.0f ? 0.0f : e;
}

static PYT_ALWAYS_INLINE double pyt_exp_d(double x) { return exp(x); }
static PYT_ALWAYS_INLINE double pyt_log_d(double x) { return log(x); }

#define PYT_DEFINE_SOFTMAX(T, SUFFIX, EXP, LOG)                                              \
/* one row of n contiguous values */                                                       \
PYT_SIMD_CLONES static void pyt_softmax_row_##SUFFIX(const T *x, T *y, Py_ssize_t n, int take_log) \
{                                                                                          \
    T m = -INFINITY, s = 0;                                                                \
    Py_ssize_t i;                                                                          \
    _Pragma("omp simd reduction(max:m)")                                                   \
    for (i = 0; i < n; i++) m = x[i] > m ? x[i] : m;                                       \
    if (take_log) {                                                                             \
        _Pragma("omp simd reduction(+:s)")                                                 \
        for (i = 0; i < n; i++) s += EXP(x[i] - m);                                        \
        const T ls = LOG(s);                                                               \
        for (i = 0; i < n; i++) y[i] = (x[i] - m) - ls;                                    \
    } else {                                                                               \
        _Pragma("omp simd reduction(+:s)")                                                 \
        for (i = 0; i < n; i++) { T e = EXP(x[i] - m); y[i] = e; s += e; }                 \
        const T r = (T)1 / s;                                                              \
        for (i = 0; i < n; i++) y[i] *= r;                                                 \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* w columns (w <= PYT_SOFTMAX_COLS) of n rows that are `inner` apart */                   \
PYT_SIMD_CLONES static void pyt_softmax_cols_##SUFFIX(const T *x, T *y, Py_ssize_t n,       \
                                                      Py_ssize_t inner, Py_ssize_t w, int take_log) \
{                                                                                          \
    T m[PYT_SOFTMAX_COLS], s[PYT_SOFTMAX_COLS];                                            \
    Py_ssize_t d, j;                                                                       \
    for (j = 0; j < w; j++) { m[j] = x[j]; s[j] = 0; }                                     \
    for (d = 1; d < n; d++) {                                                              \
        const T *row = x + d * inner;                                                      \
        for (j = 0; j < w; j++) m[j] = row[j] > m[j] ? row[j] : m[j];                      \
    }                                                                                      \
    for (d = 0; d < n; d++) {                                                              \
        const T *row = x + d * inner;                                                      \
        T *out = y + d * inner;                                                            \
        if (take_log) { for (j = 0; j < w; j++) s[j] += EXP(row[j] - m[j]); }                   \
        else { for (j = 0; j < w; j++) { T e = EXP(row[j] - m[j]); out[j] = e; s[j] += e; } } \
    }                                                                                      \
    if (take_log) {                                                                             \
        for (j = 0; j < w; j++) s[j] = LOG(s[j]);                                          \
        for (d = 0; d < n; d++) {                                                          \
            const T *row = x + d * inner;                                                  \
            T *out = y + d * inner;                                                        \
            for (j = 0; j < w; j++) out[j] = (row[j] - m[j]) - s[j];                       \
        }                                                                                  \
    } else {                                                                               \
        for (j = 0; j < w; j++) s[j] = (T)1 / s[j];                                        \
        for (d = 0; d < n; d++) {                                                          \
            T *out = y + d * inner;                                                        \
            for (j = 0; j < w; j++) out[j] *= s[j];                                        \
        }                                                                                  \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g) */            \
PYT_SIMD_CLONES static void pyt_softmax_grad_cols_##SUFFIX(const T *g, const T *y, T *gx,  \
        Py_ssize_t n, Py_ssize_t inner, Py_ssize_t w, int take_log)                             \
{                                                                                          \
    T s[PYT_SOFTMAX_COLS];                                                                 \
    Py_ssize_t d, j;                                                                       \
    for (j = 0; j < w; j++) s[j] = 0;                                                      \
    for (d = 0; d < n; d++) {                                                              \
        const T *gr = g + d * inner, *yr = y + d * inner;                                  \
        if (take_log) { for (j = 0; j < w; j++) s[j] += gr[j]; }                                \
        else { for (j = 0; j < w; j++) s[j] += gr[j] * yr[j]; }                            \
    }                                                                                      \
    for (d = 0; d < n; d++) {                                                              \
        const T *gr = g + d * inner, *yr = y + d * inner;                                  \
        T *out = gx + d * inner;                                                           \
        if (take_log) { for (j = 0; j < w; j++) out[j] = gr[j] - EXP(yr[j]) * s[j]; }           \
        else { for (j = 0; j < w; j++) out[j] = yr[j] * (gr[j] - s[j]); }                  \
    }                                                                                      \
}                                                                                          \
                                                                                           \
PYT_SIMD_CLONES static void pyt_softmax_grad_row_##SUFFIX(const T *g, const T *y, T *gx,   \
                                                          Py_ssize_t n, int take_log)           \
{                                                                                          \
    T s = 0;                                                                               \
    Py_ssize_t i;                                                                          \
    if (take_log) {                                                                             \
        _Pragma("omp simd reduction(+:s)")                                                 \
        for (i = 0; i < n; i++) s += g[i];                                                 \
        for (i = 0; i < n; i++) gx[i] = g[i] - EXP(y[i]) * s;                              \
    } else {                                                                               \
        _Pragma("omp simd reduction(+:s)")                                                 \
        for (i = 0; i < n; i++) s += g[i] * y[i];                                          \
        for (i = 0; i < n; i++) gx[i] = y[i] * (g[i] - s);                                 \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* work item `it` of outer * chunks: one row, or one block of columns */                   \
static inline void pyt_softmax_item_##SUFFIX(const T *a, const T *b, T *out, Py_ssize_t it, \
        Py_ssize_t chunks, Py_ssize_t n, Py_ssize_t inner, int take_log, int grad)              \
{                                                                                          \
    Py_ssize_t o = it / chunks, c0 = (it % chunks) * PYT_SOFTMAX_COLS;                     \
    Py_ssize_t base = o * n * inner + c0;                                                  \
    Py_ssize_t w = inner - c0 < PYT_SOFTMAX_COLS ? inner - c0 : PYT_SOFTMAX_COLS;          \
    if (grad) {                                                                            \
        if (inner == 1) pyt_softmax_grad_row_##SUFFIX(a + base, b + base, out + base, n, take_log); \
        else pyt_softmax_grad_cols_##SUFFIX(a + base, b + base, out + base, n, inner, w, take_log); \
    } else {                                                                               \
        if (inner == 1) pyt_softmax_row_##SUFFIX(a + base, out + base, n, take_log);            \
        else pyt_softmax_cols_##SUFFIX(a + base, out + base, n, inner, w, take_log);            \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* forward (grad = 0): out = softmax(a); backward (grad = 1): out = grad of a = g,        \
   b = the forward's output */                                                             \
static void pyt_softmax_##SUFFIX(const T *a, const T *b, T *out, Py_ssize_t outer,         \
        Py_ssize_t n, Py_ssize_t inner, int take_log, int grad, int nthreads)                   \
{                                                                                          \
    Py_ssize_t chunks = (inner + PYT_SOFTMAX_COLS - 1) / PYT_SOFTMAX_COLS;                 \
    Py_ssize_t items = outer * chunks, it;                                                 \
    if (n == 0 || items == 0) return;                                                      \
    if (nthreads > 1 && items > 1 && outer * n * inner >= PYT_GRAIN_SIZE) {                \
        int nt = items < nthreads ? (int)items : nthreads;                                 \
        _Pragma("omp parallel for num_threads(nt) schedule(static)")                       \
        for (it = 0; it < items; it++)                                                     \
            pyt_softmax_item_##SUFFIX(a, b, out, it, chunks, n, inner, take_log, grad);         \
        return;                                                                            \
    }                                                                                      \
    for (it = 0; it < items; it++)                                                         \
        pyt_softmax_item_##SUFFIX(a, b, out, it, chunks, n, inner, take_log, grad);             \
}

PYT_DEFINE_SOFTMAX(float, f, pyt_expf, logf)
PYT_DEFINE_SOFTMAX(double, d, pyt_exp_d, pyt_log_d)

#endif
