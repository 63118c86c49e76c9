/* Sums over one contiguous row for the normalisation kernels, accumulated in double.

   A plain double accumulation is a chain of dependent adds that the compiler may not
   reorder; `omp simd reduction` lets it keep one partial sum per vector lane, so these
   run at memory speed. The lane split is fixed at compile time, so results do not
   depend on the thread count. Compiled for AVX-512, AVX2 and baseline x86-64 like the
   softmax kernels (PYT_SIMD_CLONES from pyt_softmax.h). */
#ifndef PYT_NN_ROWS_H
#define PYT_NN_ROWS_H
#include <Python.h>
#include "pyt_softmax.h"

#define PYT_DEFINE_ROWS(T, SUFFIX)                                                           \
/* sum of x */                                                                             \
PYT_SIMD_CLONES static double pyt_sum_##SUFFIX(const T *x, Py_ssize_t n)                   \
{                                                                                          \
    double s = 0;                                                                          \
    _Pragma("omp simd reduction(+:s)")                                                     \
    for (Py_ssize_t i = 0; i < n; i++) s += x[i];                                          \
    return s;                                                                              \
}                                                                                          \
/* sum of (x - m)^2 */                                                                     \
PYT_SIMD_CLONES static double pyt_sqdev_##SUFFIX(const T *x, Py_ssize_t n, double m)       \
{                                                                                          \
    double s = 0;                                                                          \
    _Pragma("omp simd reduction(+:s)")                                                     \
    for (Py_ssize_t i = 0; i < n; i++) { double d = x[i] - m; s += d * d; }                \
    return s;                                                                              \
}                                                                                          \
/* sum of g * w (w NULL: ones) */                                                          \
PYT_SIMD_CLONES static double pyt_wsum_##SUFFIX(const T *g, const T *w, Py_ssize_t n)      \
{                                                                                          \
    double s = 0;                                                                          \
    if (w == NULL) return pyt_sum_##SUFFIX(g, n);                                          \
    _Pragma("omp simd reduction(+:s)")                                                     \
    for (Py_ssize_t i = 0; i < n; i++) s += (double)g[i] * w[i];                           \
    return s;                                                                              \
}                                                                                          \
/* sum of g * w * (x - m) (w NULL: ones) */                                                \
PYT_SIMD_CLONES static double pyt_wdotdev_##SUFFIX(const T *g, const T *w, const T *x,     \
                                                   Py_ssize_t n, double m)                 \
{                                                                                          \
    double s = 0;                                                                          \
    if (w == NULL) {                                                                       \
        _Pragma("omp simd reduction(+:s)")                                                 \
        for (Py_ssize_t i = 0; i < n; i++) s += g[i] * (x[i] - m);                         \
    } else {                                                                               \
        _Pragma("omp simd reduction(+:s)")                                                 \
        for (Py_ssize_t i = 0; i < n; i++) s += (double)g[i] * w[i] * (x[i] - m);          \
    }                                                                                      \
    return s;                                                                              \
}

PYT_DEFINE_ROWS(float, f)
PYT_DEFINE_ROWS(double, d)

#endif
