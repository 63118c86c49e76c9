/* Convolution's data movement on the GPU (im2col.cuh's im2col / col2im, batched), the
   swap of a block's two leading dims (the products' [channel][sample][L] results to and
   from the tensors' [sample][channel][L]) and the bias kernel; the products run through
   pyt_cuda_gemm_tf32 from nn_conv.pxi. geom: the 19 values im2col.cuh's conv_geom reads. */
#include <stdint.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include <cuda_runtime.h>
#include "iter.cuh"
#include "im2col.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

/* The launch shape of the kernels below, which walk [outer][middle][inner] blocks: x along
   inner (a power of two up to 256 threads, so that short lines leave few threads idle), y
   over middle with the rest of the block, z over outer; each loops past the grid. */
struct BlockWalk {
    dim3 grid, block;
};

static unsigned grid_cap(int64_t n) { return (unsigned)(n < 65535 ? (n > 0 ? n : 1) : 65535); }

static BlockWalk block_walk(int64_t inner, int64_t middle, int64_t outer)
{
    int tx = 1;
    while (tx < inner && tx < PYT_CUDA_THREADS) tx *= 2;
    const int ty = PYT_CUDA_THREADS / tx;
    BlockWalk w;
    w.block = dim3(tx, ty);
    w.grid = dim3(grid_cap((inner + tx - 1) / tx), grid_cap((middle + ty - 1) / ty),
                  grid_cap(outer));
    return w;
}

/* col[b * col_stride + (c * kvol) * ldcol ...] from im[b * im_stride + c * plane ...]:
   one thread per (sample, channel, output position), walking its kernel taps */
template <typename T, typename I, int K>
__global__ void im2col_kernel(const T *im, T *col, ConvGeom g, ConvDividers<I> D,
                              int64_t batch, int64_t im_stride, int64_t col_stride,
                              int64_t ldcol)
{
    const I L = (I)(g.out[0] * g.out[1] * g.out[2]);
    const int64_t plane = g.size[0] * g.size[1] * g.size[2];
    const int64_t kvol = g.k[0] * g.k[1] * g.k[2];
    for (int64_t b = blockIdx.z; b < batch; b += gridDim.z)
        for (int64_t c = (int64_t)blockIdx.y * blockDim.y + threadIdx.y; c < g.channels;
             c += (int64_t)gridDim.y * blockDim.y)
            for (I o = (I)(blockIdx.x * blockDim.x + threadIdx.x); o < L;
                 o += (I)(gridDim.x * blockDim.x))
                im2col_taps<T, I, K>(im + b * im_stride + c * plane,
                                  col + b * col_stride + c * kvol * ldcol, g, D, o, ldcol);
}

/* im[b][c][p] = the sum of the column entries that hold it: one thread per pixel */
template <typename T, typename Acc, typename I, int K>
__global__ void col2im_kernel(const T *col, T *im, ConvGeom g, ConvDividers<I> D,
                              int64_t batch, int64_t im_stride, int64_t col_stride,
                              int64_t ldcol)
{
    const I plane = (I)(g.size[0] * g.size[1] * g.size[2]);
    const int64_t kvol = g.k[0] * g.k[1] * g.k[2];
    for (int64_t b = blockIdx.z; b < batch; b += gridDim.z)
        for (int64_t c = (int64_t)blockIdx.y * blockDim.y + threadIdx.y; c < g.channels;
             c += (int64_t)gridDim.y * blockDim.y)
            for (I p = (I)(blockIdx.x * blockDim.x + threadIdx.x); p < plane;
                 p += (I)(gridDim.x * blockDim.x))
                im[b * im_stride + c * plane + p] = col2im_gather<T, Acc, I, K>(
                    col + b * col_stride + c * kvol * ldcol, g, D, p, ldcol);
}

template <typename T, int W> struct alignas(sizeof(T) * W) ConvVec {
    T v[W];
};

/* dst[b][a][l] = src[a][b][l] (+ bias[a] when bias is given), for [A][B][L] blocks, W
   elements (one aligned vector, W dividing L) per thread and step */
template <typename T, int W>
__global__ void swap_leading_kernel(const T *src, T *dst, const T *bias, int64_t A, int64_t B,
                                    int64_t L)
{
    typedef ConvVec<T, W> V;
    const V *from = reinterpret_cast<const V *>(src);
    V *to = reinterpret_cast<V *>(dst);
    const int64_t Lw = L / W;
    for (int64_t a = blockIdx.z; a < A; a += gridDim.z) {
        const T add = bias != nullptr ? bias[a] : T(0);
        for (int64_t b = (int64_t)blockIdx.y * blockDim.y + threadIdx.y; b < B;
             b += (int64_t)gridDim.y * blockDim.y)
            for (int64_t l = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; l < Lw;
                 l += (int64_t)gridDim.x * blockDim.x) {
                V x = from[(a * B + b) * Lw + l];
#pragma unroll
                for (int e = 0; e < W; e++) x.v[e] += add;
                to[(b * A + a) * Lw + l] = x;
            }
    }
}

/* swap_leading_kernel in 16-byte vectors where L and the pointers allow */
template <typename T>
static void swap_leading_launch(const T *src, T *dst, const T *bias, int64_t A, int64_t B,
                                int64_t L, cudaStream_t s)
{
    constexpr int W = 16 / (int)sizeof(T);
    if (L % W == 0 && (uintptr_t)src % 16 == 0 && (uintptr_t)dst % 16 == 0) {
        const BlockWalk w = block_walk(L / W, B, A);
        swap_leading_kernel<T, W><<<w.grid, w.block, 0, s>>>(src, dst, bias, A, B, L);
    } else {
        const BlockWalk w = block_walk(L, B, A);
        swap_leading_kernel<T, 1><<<w.grid, w.block, 0, s>>>(src, dst, bias, A, B, L);
    }
}

/* x[n][c][l] += bias[c] */
template <typename T>
__global__ void channel_bias_kernel(T *x, const T *bias, int64_t N, int64_t C, int64_t L)
{
    for (int64_t n = blockIdx.z; n < N; n += gridDim.z)
        for (int64_t c = (int64_t)blockIdx.y * blockDim.y + threadIdx.y; c < C;
             c += (int64_t)gridDim.y * blockDim.y) {
            const T add = bias[c];
            for (int64_t l = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; l < L;
                 l += (int64_t)gridDim.x * blockDim.x)
                x[(n * C + c) * L + l] += add;
        }
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

/* im2col (im read, col written) and col2im (col read, im written) on one dtype, in the
   index type the geometry allows, with the kernel's last two dims K x K fixed when
   compiling (K = 0: any) */
template <typename T, typename I, int K>
static void im2col_run(bool to_columns, const void *im, void *col, const ConvGeom &g,
                       int64_t batch, int64_t im_stride, int64_t col_stride, int64_t ldcol,
                       cudaStream_t s)
{
    const ConvDividers<I> D(g);
    if (to_columns) {
        const BlockWalk w = block_walk(g.out[0] * g.out[1] * g.out[2], g.channels, batch);
        im2col_kernel<T, I, K><<<w.grid, w.block, 0, s>>>((const T *)im, (T *)col, g, D,
                                                          batch, im_stride, col_stride, ldcol);
    } else {
        const BlockWalk w = block_walk(g.size[0] * g.size[1] * g.size[2], g.channels, batch);
        col2im_kernel<T, T, I, K><<<w.grid, w.block, 0, s>>>(
            (const T *)col, (T *)im, g, D, batch, im_stride, col_stride, ldcol);
    }
}

template <typename T>
static void im2col_any(bool to_columns, const void *im, void *col, const ConvGeom &g,
                       int64_t batch, int64_t im_stride, int64_t col_stride, int64_t ldcol,
                       cudaStream_t s)
{
    const int64_t K = g.k[1] == g.k[2] ? g.k[1] : 0;    /* the common square kernels */
    if (!conv_fits_int32(g))
        im2col_run<T, int64_t, 0>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol,
                                  s);
    else if (K == 3)
        im2col_run<T, int32_t, 3>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol,
                                  s);
    else if (K == 1)
        im2col_run<T, int32_t, 1>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol,
                                  s);
    else if (K == 5)
        im2col_run<T, int32_t, 5>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol,
                                  s);
    else
        im2col_run<T, int32_t, 0>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol,
                                  s);
}

static int im2col_call(bool to_columns, int dtype, const void *im, void *col,
                       const int64_t *geom, int64_t batch, int64_t im_stride,
                       int64_t col_stride, int64_t ldcol)
{
    ConvGeom g = conv_geom(geom);
    if (!conv_geom_ok(g) || batch < 0) return PYT_CUDA_ERR_INVALID;
    const int64_t positions = to_columns ? g.k[0] * g.k[1] * g.k[2] * g.out[0] * g.out[1] *
                                               g.out[2]
                                         : g.size[0] * g.size[1] * g.size[2];
    if (batch * g.channels * positions == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    switch (dtype) {
    case PYT_FLOAT32:
        im2col_any<float>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol, s);
        break;
    case PYT_FLOAT64:
        im2col_any<double>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol, s);
        break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_im2col(int dtype, const void *im, void *col, const int64_t *geom,
                               int64_t batch, int64_t im_stride, int64_t col_stride,
                               int64_t ldcol)
{
    return im2col_call(true, dtype, im, col, geom, batch, im_stride, col_stride, ldcol);
}

extern "C" int pyt_cuda_col2im(int dtype, const void *col, void *im, const int64_t *geom,
                               int64_t batch, int64_t im_stride, int64_t col_stride,
                               int64_t ldcol)
{
    return im2col_call(false, dtype, im, (void *)col, geom, batch, im_stride, col_stride,
                       ldcol);
}

extern "C" int pyt_cuda_swap_leading(int dtype, const void *src, void *dst, const void *bias,
                                     int64_t A, int64_t B, int64_t L)
{
    if (A < 0 || B < 0 || L < 0) return PYT_CUDA_ERR_INVALID;
    if (A * B * L == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    switch (dtype) {
    case PYT_FLOAT32:
        swap_leading_launch<float>((const float *)src, (float *)dst, (const float *)bias, A, B,
                                   L, s);
        break;
    case PYT_FLOAT64:
        swap_leading_launch<double>((const double *)src, (double *)dst, (const double *)bias,
                                    A, B, L, s);
        break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_channel_bias(int dtype, void *x, const void *bias, int64_t N,
                                     int64_t C, int64_t L)
{
    if (N < 0 || C < 0 || L < 0) return PYT_CUDA_ERR_INVALID;
    if (N * C * L == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    const BlockWalk w = block_walk(L, C, N);
    switch (dtype) {
    case PYT_FLOAT32:
        channel_bias_kernel<float><<<w.grid, w.block, 0, s>>>((float *)x, (const float *)bias,
                                                              N, C, L);
        break;
    case PYT_FLOAT64:
        channel_bias_kernel<double><<<w.grid, w.block, 0, s>>>((double *)x,
                                                               (const double *)bias, N, C, L);
        break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}
