/* The index math of pad and interpolate on the GPU (resample.cu), written for host and
   device so that tests/cuda_host can run it on the CPU against pyt's CPU kernels.

   The tables come from the CPU code (nn_padding.pxi's maps, nn_interpolate.pxi's taps),
   so indices and weights are the CPU's by construction. Gradients are gathers through
   the inverted tables (for each input position, the outputs that read it, ascending):
   each input element adds its contributions in the CPU's scatter order, without atomics,
   and the GPU result is the CPU's bit for bit. */
#ifndef PYT_RESAMPLE_CUH
#define PYT_RESAMPLE_CUH
#include <stdint.h>

#ifdef __CUDACC__
#define RS_FN __host__ __device__ __forceinline__
#else
#define RS_FN static inline
#endif

/* products and sums rounded one at a time (the CPU, built for baseline x86-64, has no
   fused multiply-add; nvcc would fuse them) */
RS_FN float rs_mul(float a, float b)
{
#ifdef __CUDA_ARCH__
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}
RS_FN double rs_mul(double a, double b)
{
#ifdef __CUDA_ARCH__
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}
RS_FN float rs_add(float a, float b)
{
#ifdef __CUDA_ARCH__
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}
RS_FN double rs_add(double a, double b)
{
#ifdef __CUDA_ARCH__
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}

/* ---- pad: [planes, size0, size1, size2] <-> [planes, out0, out1, out2] ---------------- */

typedef struct {
    int64_t planes, size[3], out[3];
} PadGeom;

/* maps: out0 + out1 + out2 input indices, map[d][o] the position output o reads along d.
   The input element (row-major over [planes, size]) output element e copies. */
RS_FN int64_t pad_source(int64_t e, const PadGeom &g, const int64_t *maps)
{
    const int64_t o2 = e % g.out[2];
    e /= g.out[2];
    const int64_t o1 = e % g.out[1];
    e /= g.out[1];
    const int64_t o0 = e % g.out[0];
    const int64_t n = e / g.out[0];
    const int64_t *m1 = maps + g.out[0], *m2 = m1 + g.out[1];
    return ((n * g.size[0] + maps[o0]) * g.size[1] + m1[o1]) * g.size[2] + m2[o2];
}

/* the table inverted: ptr (size0 + 1 + size1 + 1 + size2 + 1 offsets into lst, absolute)
   and lst (out0 + out1 + out2 output positions); the outputs reading position i of dim d
   are lst[ptr_d[i] .. ptr_d[i + 1]), ascending. Host only. */
static inline void pad_invert(const PadGeom &g, const int64_t *maps, int64_t *ptr, int64_t *lst)
{
    int64_t pbase = 0, lbase = 0;
    for (int d = 0; d < 3; d++) {
        const int64_t *m = maps + lbase;
        int64_t *p = ptr + pbase;
        for (int64_t i = 0; i <= g.size[d]; i++) p[i] = 0;
        for (int64_t o = 0; o < g.out[d]; o++) p[m[o] + 1]++;
        p[0] = lbase;
        for (int64_t i = 0; i < g.size[d]; i++) p[i + 1] += p[i];
        for (int64_t o = 0; o < g.out[d]; o++) lst[p[m[o]]++] = o;     /* p[i] moves to p[i+1] */
        for (int64_t i = g.size[d]; i > 0; i--) p[i] = p[i - 1];        /* and back */
        p[0] = lbase;
        pbase += g.size[d] + 1;
        lbase += g.out[d];
    }
}

/* the gradient of input element e: the sum of the output gradients gout of the outputs
   that copy it, added in row-major output order (as the CPU's scatter adds them) */
template <typename T>
RS_FN T pad_grad_element(int64_t e, const PadGeom &g, const T *gout, const int64_t *ptr,
                         const int64_t *lst)
{
    const int64_t i2 = e % g.size[2];
    e /= g.size[2];
    const int64_t i1 = e % g.size[1];
    e /= g.size[1];
    const int64_t i0 = e % g.size[0];
    const int64_t n = e / g.size[0];
    const int64_t *p1 = ptr + g.size[0] + 1, *p2 = p1 + g.size[1] + 1;
    const T *gp = gout + n * g.out[0] * g.out[1] * g.out[2];
    T acc = 0;
    for (int64_t a = ptr[i0]; a < ptr[i0 + 1]; a++)
        for (int64_t b = p1[i1]; b < p1[i1 + 1]; b++) {
            const int64_t base = (lst[a] * g.out[1] + lst[b]) * g.out[2];
            for (int64_t c = p2[i2]; c < p2[i2 + 1]; c++) acc = rs_add(acc, gp[base + lst[c]]);
        }
    return acc;
}

/* ---- interpolate: one pass along one dim, [outer, n_in, inner] -> [outer, n_out, inner] */

typedef struct {
    int64_t outer, n_in, n_out, inner, ntaps;
} ResampleGeom;

/* forward element e of [outer, n_out, inner]: sum_k w[o, k] * x[idx[o, k]], the weights
   cast to T first and summed as the CPU's _resample_slice (two taps: one sum) */
template <typename T>
RS_FN T resample_element(int64_t e, const ResampleGeom &g, const T *x, const int64_t *idx,
                         const double *w)
{
    const int64_t i = e % g.inner, r = e / g.inner;
    const int64_t o = r % g.n_out, a = r / g.n_out;
    const T *xa = x + a * g.n_in * g.inner + i;
    const int64_t *io = idx + o * g.ntaps;
    const double *wo = w + o * g.ntaps;
    if (g.ntaps == 2)
        return rs_add(rs_mul((T)wo[0], xa[io[0] * g.inner]), rs_mul((T)wo[1], xa[io[1] * g.inner]));
    T acc = 0;
    for (int64_t k = 0; k < g.ntaps; k++) acc = rs_add(acc, rs_mul((T)wo[k], xa[io[k] * g.inner]));
    return acc;
}

/* the taps inverted: ptr (n_in + 1 offsets into lst) and lst (the n_out * ntaps tap
   numbers o * ntaps + k, ascending for each input position). Host only. */
static inline void resample_invert(const ResampleGeom &g, const int64_t *idx, int64_t *ptr,
                                   int64_t *lst)
{
    const int64_t taps = g.n_out * g.ntaps;
    for (int64_t j = 0; j <= g.n_in; j++) ptr[j] = 0;
    for (int64_t q = 0; q < taps; q++) ptr[idx[q] + 1]++;
    for (int64_t j = 0; j < g.n_in; j++) ptr[j + 1] += ptr[j];
    for (int64_t q = 0; q < taps; q++) lst[ptr[idx[q]]++] = q;
    for (int64_t j = g.n_in; j > 0; j--) ptr[j] = ptr[j - 1];
    ptr[0] = 0;
}

/* adjoint element e of [outer, n_in, inner] from x = the output gradient [outer, n_out,
   inner]: sum over the taps reading position j of w * x[o], in the CPU's order */
template <typename T>
RS_FN T resample_adjoint_element(int64_t e, const ResampleGeom &g, const T *x,
                                 const int64_t *ptr, const int64_t *lst, const double *w)
{
    const int64_t i = e % g.inner, r = e / g.inner;
    const int64_t j = r % g.n_in, a = r / g.n_in;
    const T *xa = x + a * g.n_out * g.inner + i;
    T acc = 0;
    for (int64_t q = ptr[j]; q < ptr[j + 1]; q++) {
        const int64_t tap = lst[q];
        acc = rs_add(acc, rs_mul((T)w[tap], xa[(tap / g.ntaps) * g.inner]));
    }
    return acc;
}

#endif
