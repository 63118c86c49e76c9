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

/* n / d for 0 <= n. The int32_t one (indices inside one image) multiplies and shifts
   instead of dividing (d >= 1, n < 2^31: (mulhi(n, m) + n) >> s with s = ceil(log2 d),
   m = 2^32 (2^s - d) / d + 1, Granlund and Montgomery's method); a hardware division
   costs some 20 instructions, and im2col did five per element. */
template <typename I> struct Divider;
template <> struct Divider<int64_t> {
    int64_t d;
    Divider() = default;
    explicit Divider(int64_t d_) : d(d_) {}
    __host__ __device__ int64_t div(int64_t n) const { return n / d; }
};
template <> struct Divider<int32_t> {
    uint32_t m, s;
    Divider() = default;
    explicit Divider(int64_t d)
    {
        s = 0;
        while (((uint64_t)1 << s) < (uint64_t)d) s++;
        const uint64_t d64 = (uint64_t)d;
        m = (uint32_t)((((uint64_t)1 << 32) * (((uint64_t)1 << s) - d64)) / d64 + 1);
    }
    __device__ int32_t div(int32_t n) const
    {
        return (int32_t)((__umulhi((uint32_t)n, m) + (uint32_t)n) >> s);
    }
};

/* the divisors of im2col's index arithmetic */
template <typename I> struct Im2colDividers {
    Divider<I> kvol, k2, k1, out2, out1;
};

/* col[b * col_stride + row * ldcol + o] = im[b][c][i], row = (c, k0, k1, k2),
   i = o * stride + k * dil - pad (0 in the padding). A block's threads run along o in x
   (coalesced stores) and over rows in y, so that a row's kernel offsets are worked out
   once per thread, not per element; the grid covers rows in y and samples in z, looping
   past the grid's limits. I is the index type inside one image: int32_t when the image
   fits (conv_fits_int32), with divisions by multiplication. */
template <typename T, typename I>
__global__ void im2col_kernel(const T *im, T *col, ConvGeom g, Im2colDividers<I> D,
                              int64_t batch, int64_t im_stride, int64_t col_stride,
                              int64_t ldcol)
{
    const I size0 = (I)g.size[0], size1 = (I)g.size[1], size2 = (I)g.size[2];
    const I out1 = (I)g.out[1], out2 = (I)g.out[2], L = (I)g.out[0] * out1 * out2;
    const I k1n = (I)g.k[1], k2n = (I)g.k[2], kvol = (I)g.k[0] * k1n * k2n;
    const I rows = (I)g.channels * kvol, plane = size0 * size1 * size2;
    for (int64_t b = blockIdx.z; b < batch; b += gridDim.z) {
        for (I row = (I)blockIdx.y * (I)blockDim.y + (I)threadIdx.y; row < rows;
             row += (I)gridDim.y * (I)blockDim.y) {
            const I c = D.kvol.div(row);
            const I kr = row - c * kvol, kq = D.k2.div(kr);
            const I k2 = kr - kq * k2n, k0 = D.k1.div(kq), k1 = kq - k0 * k1n;
            const I base0 = k0 * (I)g.dil[0] - (I)g.pad[0];
            const I base1 = k1 * (I)g.dil[1] - (I)g.pad[1];
            const I base2 = k2 * (I)g.dil[2] - (I)g.pad[2];
            const T *src = im + b * im_stride + (int64_t)c * plane;
            T *dst = col + b * col_stride + (int64_t)row * ldcol;
            for (I o = (I)blockIdx.x * (I)blockDim.x + (I)threadIdx.x; o < L;
                 o += (I)gridDim.x * (I)blockDim.x) {
                const I t = D.out2.div(o), o2 = o - t * out2;
                const I o0 = D.out1.div(t), o1 = t - o0 * out1;
                const I i0 = o0 * (I)g.stride[0] + base0;
                const I i1 = o1 * (I)g.stride[1] + base1;
                const I i2 = o2 * (I)g.stride[2] + base2;
                T v = T(0);
                if (i0 >= 0 && i0 < size0 && i1 >= 0 && i1 < size1 && i2 >= 0 && i2 < size2)
                    v = src[(i0 * size1 + i1) * size2 + i2];
                dst[o] = v;
            }
        }
    }
}

/* the kernel offsets k along one dim (and their outputs o) that read input index i */
template <typename I>
__device__ __forceinline__ bool conv_hit(I i, I kk, I stride, I pad, I dil, I out, I *o)
{
    const I t = i + pad - kk * dil;
    if (t < 0 || t % stride != 0) return false;
    *o = t / stride;
    return *o < out;
}

/* im[b][c][i] = sum of col[b][(c, k)][o] over the (k, o) with o * stride + k * dil - pad == i */
template <typename T, typename Acc, typename I>
__global__ void col2im_kernel(const T *col, T *im, ConvGeom g, int64_t batch,
                              int64_t im_stride, int64_t col_stride, int64_t ldcol)
{
    const I size1 = (I)g.size[1], size2 = (I)g.size[2];
    const I plane = (I)g.size[0] * size1 * size2;
    const I k0n = (I)g.k[0], k1n = (I)g.k[1], k2n = (I)g.k[2], kvol = k0n * k1n * k2n;
    const I out1 = (I)g.out[1], out2 = (I)g.out[2];
    const int64_t total = batch * g.channels * plane;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        I p = (I)(e % plane);
        const int64_t t = e / plane;
        const int64_t c = t % g.channels;
        const int64_t b = t / g.channels;
        const I i2 = p % size2;
        p /= size2;
        const I i1 = p % size1, i0 = p / size1;
        const T *src = col + b * col_stride + c * kvol * ldcol;
        Acc acc = Acc(0);
        for (I k0 = 0; k0 < k0n; k0++) {
            I o0;
            if (!conv_hit<I>(i0, k0, (I)g.stride[0], (I)g.pad[0], (I)g.dil[0], (I)g.out[0], &o0))
                continue;
            for (I k1 = 0; k1 < k1n; k1++) {
                I o1;
                if (!conv_hit<I>(i1, k1, (I)g.stride[1], (I)g.pad[1], (I)g.dil[1], out1, &o1))
                    continue;
                for (I k2 = 0; k2 < k2n; k2++) {
                    I o2;
                    if (!conv_hit<I>(i2, k2, (I)g.stride[2], (I)g.pad[2], (I)g.dil[2], out2,
                                     &o2))
                        continue;
                    const I row = (k0 * k1n + k1) * k2n + k2;
                    acc += (Acc)src[(int64_t)row * ldcol + (o0 * out1 + o1) * out2 + o2];
                }
            }
        }
        im[b * im_stride + c * plane + (i0 * size1 + i1) * size2 + i2] = (T)acc;
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

/* Every index inside one image, its columns and its padded extent fits in int32. */
static bool conv_fits_int32(const ConvGeom &g)
{
    const int64_t lim = (int64_t)1 << 30;
    int64_t plane = 1, L = 1, kvol = 1;
    for (int i = 0; i < 3; i++) {
        plane *= g.size[i];
        L *= g.out[i];
        kvol *= g.k[i];
        if (g.size[i] + 2 * g.pad[i] >= lim || g.k[i] * g.dil[i] >= lim ||
            g.out[i] * g.stride[i] >= lim)
            return false;
    }
    return plane < lim && L < lim && g.channels * kvol < lim;
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

template <typename T, typename I>
static void im2col_launch(const T *im, T *col, const ConvGeom &g, int64_t batch,
                          int64_t im_stride, int64_t col_stride, int64_t ldcol, cudaStream_t s)
{
    const int64_t L = g.out[0] * g.out[1] * g.out[2];
    const int64_t rows = g.channels * g.k[0] * g.k[1] * g.k[2];
    /* x: 32..256 threads along o (short outputs leave fewer idle), y: the rest over rows */
    const int tx = L >= PYT_CUDA_THREADS ? PYT_CUDA_THREADS : (int)((L + 31) / 32 * 32);
    const int ty = PYT_CUDA_THREADS / tx;
    const int64_t gx = (L + tx - 1) / tx, gy = (rows + ty - 1) / ty;
    dim3 grid((unsigned)(gx < 65535 ? gx : 65535), (unsigned)(gy < 65535 ? gy : 65535),
              (unsigned)(batch < 65535 ? batch : 65535));
    Im2colDividers<I> D;
    D.kvol = Divider<I>(g.k[0] * g.k[1] * g.k[2]);
    D.k2 = Divider<I>(g.k[2]);
    D.k1 = Divider<I>(g.k[1]);
    D.out2 = Divider<I>(g.out[2]);
    D.out1 = Divider<I>(g.out[1]);
    im2col_kernel<T, I><<<grid, dim3(tx, ty), 0, s>>>(im, col, g, D, batch, im_stride,
                                                      col_stride, ldcol);
}

template <typename T>
static void im2col_any(const void *im, void *col, const ConvGeom &g, int64_t batch,
                       int64_t im_stride, int64_t col_stride, int64_t ldcol, cudaStream_t s)
{
    if (conv_fits_int32(g))
        im2col_launch<T, int32_t>((const T *)im, (T *)col, g, batch, im_stride, col_stride,
                                  ldcol, s);
    else
        im2col_launch<T, int64_t>((const T *)im, (T *)col, g, batch, im_stride, col_stride,
                                  ldcol, s);
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
    case PYT_FLOAT32: im2col_any<float>(im, col, g, batch, im_stride, col_stride, ldcol, s); break;
    case PYT_FLOAT64: im2col_any<double>(im, col, g, batch, im_stride, col_stride, ldcol, s); break;
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
    return pyt_launch_error();
}

template <typename T>
static void col2im_any(const void *col, void *im, const ConvGeom &g, int64_t batch,
                       int64_t im_stride, int64_t col_stride, int64_t ldcol, int64_t n,
                       cudaStream_t s)
{
    if (conv_fits_int32(g))
        col2im_kernel<T, T, int32_t><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (const T *)col, (T *)im, g, batch, im_stride, col_stride, ldcol);
    else
        col2im_kernel<T, T, int64_t><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            (const T *)col, (T *)im, g, batch, im_stride, col_stride, ldcol);
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
        col2im_any<float>(col, im, g, batch, im_stride, col_stride, ldcol, n, s);
        break;
    case PYT_FLOAT64:
        col2im_any<double>(col, im, g, batch, im_stride, col_stride, ldcol, n, s);
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
