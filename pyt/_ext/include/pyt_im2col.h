/* im2col and col2im: the data movement that turns a convolution into a GEMM.

   One image is `channels` planes of size[0] x size[1] x size[2] values (1-D and 2-D
   convolutions use leading sizes of 1). Its column matrix has one row per
   (channel, kernel offset) and one column per output position; row r starts at
   col + r * ldcol, so several images can sit side by side in one matrix and go
   through one GEMM. Positions that fall in the padding read as zero. col2im is
   the adjoint: it adds every column entry back onto the pixel it came from. */
#ifndef PYT_IM2COL_H
#define PYT_IM2COL_H
#include <stddef.h>
#include <string.h>
#include <Python.h>

typedef struct {
    Py_ssize_t channels;
    Py_ssize_t size[3], out[3], k[3], stride[3], pad[3], dil[3];
} pyt_im2col_geom;

/* The output positions [lo, hi) along the innermost dim whose input index
   o * stride + off lies inside [0, n). */
static inline void pyt_im2col_valid(Py_ssize_t off, Py_ssize_t stride, Py_ssize_t n,
                                    Py_ssize_t out, Py_ssize_t *lo, Py_ssize_t *hi)
{
    Py_ssize_t a = off >= 0 ? 0 : (-off + stride - 1) / stride;
    Py_ssize_t b = n - off <= 0 ? 0 : (n - off - 1) / stride + 1;
    if (a > out) a = out;
    if (b > out) b = out;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

#define PYT_DEFINE_IM2COL(T, SUFFIX)                                                        \
static void pyt_im2col_##SUFFIX(const T *im, T *col, const pyt_im2col_geom *g,               \
                                Py_ssize_t ldcol)                                          \
{                                                                                          \
    const Py_ssize_t plane = g->size[0] * g->size[1] * g->size[2];                               \
    const Py_ssize_t s2 = g->stride[2], n2 = g->out[2];                                    \
    Py_ssize_t row = 0;                                                                    \
    for (Py_ssize_t c = 0; c < g->channels; c++)                                           \
    for (Py_ssize_t k0 = 0; k0 < g->k[0]; k0++)                                            \
    for (Py_ssize_t k1 = 0; k1 < g->k[1]; k1++)                                            \
    for (Py_ssize_t k2 = 0; k2 < g->k[2]; k2++, row++) {                                   \
        T *dst = col + row * ldcol;                                                        \
        const Py_ssize_t off2 = k2 * g->dil[2] - g->pad[2];                                \
        Py_ssize_t lo, hi;                                                                 \
        pyt_im2col_valid(off2, s2, g->size[2], n2, &lo, &hi);                                \
        for (Py_ssize_t o0 = 0; o0 < g->out[0]; o0++) {                                    \
            const Py_ssize_t i0 = o0 * g->stride[0] + k0 * g->dil[0] - g->pad[0];          \
            for (Py_ssize_t o1 = 0; o1 < g->out[1]; o1++, dst += n2) {                     \
                const Py_ssize_t i1 = o1 * g->stride[1] + k1 * g->dil[1] - g->pad[1];      \
                if (i0 < 0 || i0 >= g->size[0] || i1 < 0 || i1 >= g->size[1] || lo == hi) {    \
                    memset(dst, 0, n2 * sizeof(T));                                        \
                    continue;                                                              \
                }                                                                          \
                const T *src = im + c * plane + (i0 * g->size[1] + i1) * g->size[2];           \
                if (lo > 0) memset(dst, 0, lo * sizeof(T));                                \
                if (s2 == 1) {                                                             \
                    memcpy(dst + lo, src + lo + off2, (hi - lo) * sizeof(T));              \
                } else {                                                                   \
                    for (Py_ssize_t o2 = lo; o2 < hi; o2++) dst[o2] = src[o2 * s2 + off2]; \
                }                                                                          \
                if (hi < n2) memset(dst + hi, 0, (n2 - hi) * sizeof(T));                   \
            }                                                                              \
        }                                                                                  \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* im must hold the values to add onto (zeros for a fresh gradient) */                     \
static void pyt_col2im_##SUFFIX(const T *col, T *im, const pyt_im2col_geom *g,               \
                                Py_ssize_t ldcol)                                          \
{                                                                                          \
    const Py_ssize_t plane = g->size[0] * g->size[1] * g->size[2];                               \
    const Py_ssize_t s2 = g->stride[2], n2 = g->out[2];                                    \
    Py_ssize_t row = 0;                                                                    \
    for (Py_ssize_t c = 0; c < g->channels; c++)                                           \
    for (Py_ssize_t k0 = 0; k0 < g->k[0]; k0++)                                            \
    for (Py_ssize_t k1 = 0; k1 < g->k[1]; k1++)                                            \
    for (Py_ssize_t k2 = 0; k2 < g->k[2]; k2++, row++) {                                   \
        const T *src = col + row * ldcol;                                                  \
        const Py_ssize_t off2 = k2 * g->dil[2] - g->pad[2];                                \
        Py_ssize_t lo, hi;                                                                 \
        pyt_im2col_valid(off2, s2, g->size[2], n2, &lo, &hi);                                \
        if (lo == hi) continue;                                                            \
        for (Py_ssize_t o0 = 0; o0 < g->out[0]; o0++) {                                    \
            const Py_ssize_t i0 = o0 * g->stride[0] + k0 * g->dil[0] - g->pad[0];          \
            for (Py_ssize_t o1 = 0; o1 < g->out[1]; o1++, src += n2) {                     \
                const Py_ssize_t i1 = o1 * g->stride[1] + k1 * g->dil[1] - g->pad[1];      \
                if (i0 < 0 || i0 >= g->size[0] || i1 < 0 || i1 >= g->size[1]) continue;        \
                T *dst = im + c * plane + (i0 * g->size[1] + i1) * g->size[2];                 \
                if (s2 == 1) {                                                             \
                    for (Py_ssize_t o2 = lo; o2 < hi; o2++) dst[o2 + off2] += src[o2];     \
                } else {                                                                   \
                    for (Py_ssize_t o2 = lo; o2 < hi; o2++) dst[o2 * s2 + off2] += src[o2];\
                }                                                                          \
            }                                                                              \
        }                                                                                  \
    }                                                                                      \
}

PYT_DEFINE_IM2COL(float, f)
PYT_DEFINE_IM2COL(double, d)

#endif
