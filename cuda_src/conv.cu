/* Convolution's data movement on the GPU (pyt_im2col.h's im2col / col2im, batched) and
   the bias kernel; the products run through pyt_cuda_gemm from nn_conv.pxi.

   geom: 19 int64 values, channels, size[3], out[3], k[3], stride[3], pad[3], dil[3], as
   pyt_im2col_geom. One thread per column entry (im2col) or image element (col2im, which
   gathers the entries that land on its pixel, so it needs no atomics and no zero fill). */
#include <stdint.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include <cuda_runtime.h>
#include "iter.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

struct ConvGeom {
    int64_t channels, size[3], out[3], k[3], stride[3], pad[3], dil[3];
};

static ConvGeom conv_geom(const int64_t *g)
{
    ConvGeom c;
    c.channels = g[0];
    for (int i = 0; i < 3; i++) {
        c.size[i] = g[1 + i];
        c.out[i] = g[4 + i];
        c.k[i] = g[7 + i];
        c.stride[i] = g[10 + i];
        c.pad[i] = g[13 + i];
        c.dil[i] = g[16 + i];
    }
    return c;
}

/* col[b][row][o] = im[b][c][i], row = (c, k0, k1, k2), i = o * stride + k * dil - pad */
template <typename T>
__global__ void im2col_kernel(const T *im, T *col, ConvGeom g, int64_t batch,
                              int64_t im_stride, int64_t col_stride, int64_t ldcol)
{
    const int64_t L = g.out[0] * g.out[1] * g.out[2];
    const int64_t kvol = g.k[0] * g.k[1] * g.k[2];
    const int64_t rows = g.channels * kvol;
    const int64_t total = batch * rows * L;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        int64_t o = e % L;
        int64_t t = e / L;
        const int64_t row = t % rows;
        const int64_t b = t / rows;
        const int64_t c = row / kvol;
        int64_t kr = row % kvol;
        const int64_t k2 = kr % g.k[2];
        kr /= g.k[2];
        const int64_t k1 = kr % g.k[1];
        const int64_t k0 = kr / g.k[1];
        const int64_t o2 = o % g.out[2];
        o /= g.out[2];
        const int64_t o1 = o % g.out[1];
        const int64_t o0 = o / g.out[1];
        const int64_t i0 = o0 * g.stride[0] + k0 * g.dil[0] - g.pad[0];
        const int64_t i1 = o1 * g.stride[1] + k1 * g.dil[1] - g.pad[1];
        const int64_t i2 = o2 * g.stride[2] + k2 * g.dil[2] - g.pad[2];
        T v = T(0);
        if (i0 >= 0 && i0 < g.size[0] && i1 >= 0 && i1 < g.size[1] && i2 >= 0 &&
            i2 < g.size[2])
            v = im[b * im_stride + ((c * g.size[0] + i0) * g.size[1] + i1) * g.size[2] + i2];
        col[b * col_stride + row * ldcol + (e % L)] = v;
    }
}

/* the kernel offsets k along one dim (and their outputs o) that read input index i */
__device__ __forceinline__ bool conv_hit(int64_t i, int64_t kk, int64_t stride, int64_t pad,
                                         int64_t dil, int64_t out, int64_t *o)
{
    const int64_t t = i + pad - kk * dil;
    if (t < 0 || t % stride != 0) return false;
    *o = t / stride;
    return *o < out;
}

/* im[b][c][i] = sum of col[b][(c, k)][o] over the (k, o) with o * stride + k * dil - pad == i */
template <typename T, typename Acc>
__global__ void col2im_kernel(const T *col, T *im, ConvGeom g, int64_t batch,
                              int64_t im_stride, int64_t col_stride, int64_t ldcol)
{
    const int64_t plane = g.size[0] * g.size[1] * g.size[2];
    const int64_t kvol = g.k[0] * g.k[1] * g.k[2];
    const int64_t total = batch * g.channels * plane;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        int64_t p = e % plane;
        const int64_t t = e / plane;
        const int64_t c = t % g.channels;
        const int64_t b = t / g.channels;
        const int64_t i2 = p % g.size[2];
        p /= g.size[2];
        const int64_t i1 = p % g.size[1];
        const int64_t i0 = p / g.size[1];
        const T *src = col + b * col_stride + c * kvol * ldcol;
        Acc acc = Acc(0);
        for (int64_t k0 = 0; k0 < g.k[0]; k0++) {
            int64_t o0;
            if (!conv_hit(i0, k0, g.stride[0], g.pad[0], g.dil[0], g.out[0], &o0)) continue;
            for (int64_t k1 = 0; k1 < g.k[1]; k1++) {
                int64_t o1;
                if (!conv_hit(i1, k1, g.stride[1], g.pad[1], g.dil[1], g.out[1], &o1)) continue;
                for (int64_t k2 = 0; k2 < g.k[2]; k2++) {
                    int64_t o2;
                    if (!conv_hit(i2, k2, g.stride[2], g.pad[2], g.dil[2], g.out[2], &o2))
                        continue;
                    const int64_t row = (k0 * g.k[1] + k1) * g.k[2] + k2;
                    acc += (Acc)src[row * ldcol + (o0 * g.out[1] + o1) * g.out[2] + o2];
                }
            }
        }
        im[b * im_stride + c * plane + (i0 * g.size[1] + i1) * g.size[2] + i2] = (T)acc;
    }
}

template <typename T>
__global__ void channel_bias_kernel(T *x, const T *bias, int64_t N, int64_t C, int64_t L)
{
    const int64_t total = N * C * L;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x)
        x[e] += bias[(e / L) % C];
}

static bool conv_geom_ok(const ConvGeom &g)
{
    if (g.channels < 0) return false;
    for (int i = 0; i < 3; i++)
        if (g.size[i] < 0 || g.out[i] < 0 || g.k[i] < 1 || g.stride[i] < 1 || g.pad[i] < 0 ||
            g.dil[i] < 1)
            return false;
    return true;
}

extern "C" int pyt_cuda_im2col(int dtype, const void *im, void *col, const int64_t *geom,
                               int64_t batch, int64_t im_stride, int64_t col_stride,
                               int64_t ldcol)
{
    ConvGeom g = conv_geom(geom);
    if (!conv_geom_ok(g) || batch < 0) return PYT_CUDA_ERR_INVALID;
    const int64_t n = batch * g.channels * g.k[0] * g.k[1] * g.k[2] * g.out[0] * g.out[1] *
                      g.out[2];
    if (n == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    switch (dtype) {
    case PYT_FLOAT32:
        im2col_kernel<float><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (const float *)im, (float *)col, g, batch, im_stride, col_stride, ldcol);
        break;
    case PYT_FLOAT64:
        im2col_kernel<double><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (const double *)im, (double *)col, g, batch, im_stride, col_stride, ldcol);
        break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_col2im(int dtype, const void *col, void *im, const int64_t *geom,
                               int64_t batch, int64_t im_stride, int64_t col_stride,
                               int64_t ldcol)
{
    ConvGeom g = conv_geom(geom);
    if (!conv_geom_ok(g) || batch < 0) return PYT_CUDA_ERR_INVALID;
    const int64_t n = batch * g.channels * g.size[0] * g.size[1] * g.size[2];
    if (n == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    switch (dtype) {
    case PYT_FLOAT32:
        col2im_kernel<float, float><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (const float *)col, (float *)im, g, batch, im_stride, col_stride, ldcol);
        break;
    case PYT_FLOAT64:
        col2im_kernel<double, double><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (const double *)col, (double *)im, g, batch, im_stride, col_stride, ldcol);
        break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_channel_bias(int dtype, void *x, const void *bias, int64_t N,
                                     int64_t C, int64_t L)
{
    if (N < 0 || C < 0 || L < 0) return PYT_CUDA_ERR_INVALID;
    const int64_t n = N * C * L;
    if (n == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    switch (dtype) {
    case PYT_FLOAT32:
        channel_bias_kernel<float><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (float *)x, (const float *)bias, N, C, L);
        break;
    case PYT_FLOAT64:
        channel_bias_kernel<double><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (double *)x, (const double *)bias, N, C, L);
        break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}
