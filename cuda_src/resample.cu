/* pad (reflect / replicate / circular) and interpolate (its separable passes) on the GPU,
   from the tables the CPU code computes (resample.cuh says why and holds the index math).
   The tables travel to the device with each call (a non-blocking copy from pageable
   memory: the runtime has staged the bytes when the call returns, so no stream waits);
   a thread per output element, gradients as gathers through the inverted tables. */
#include <stdint.h>
#include <string.h>
#include <vector>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include <cuda_runtime.h>
#include "iter.cuh"
#include "resample.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

/* nbytes of host memory copied to a new block of the caching allocator (*dev) */
static int rs_upload(const void *host, size_t nbytes, void **dev)
{
    *dev = nullptr;
    int err = pyt_cuda_malloc(dev, nbytes);
    if (err) return err;
    err = pyt_cuda_memcpy(*dev, host, nbytes, PYT_CUDA_H2D, 1);
    if (err) {
        pyt_cuda_free(*dev);
        *dev = nullptr;
    }
    return err;
}

template <typename T>
__global__ void pad_gather_kernel(const T *x, T *y, PadGeom g, const int64_t *maps, int64_t n)
{
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n;
         e += (int64_t)gridDim.x * blockDim.x)
        y[e] = x[pad_source(e, g, maps)];
}

template <typename T>
__global__ void pad_grad_kernel(const T *gout, T *gin, PadGeom g, const int64_t *ptr,
                                const int64_t *lst, int64_t n)
{
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n;
         e += (int64_t)gridDim.x * blockDim.x)
        gin[e] = pad_grad_element(e, g, gout, ptr, lst);
}

static int itemsize_of(int code)
{
    switch (code) {
    case PYT_BOOL: case PYT_UINT8: case PYT_INT8: return 1;
    case PYT_INT16: case PYT_FLOAT16: case PYT_BFLOAT16: return 2;
    case PYT_INT32: case PYT_FLOAT32: return 4;
    case PYT_INT64: case PYT_FLOAT64: return 8;
    default: return 0;
    }
}

extern "C" int pyt_cuda_pad(int grad, int dtype, const void *x, void *y, int64_t planes,
                            const int64_t *size, const int64_t *out, const int64_t *maps)
{
    PadGeom g;
    g.planes = planes;
    int64_t nmaps = 0;
    for (int d = 0; d < 3; d++) {
        g.size[d] = size[d];
        g.out[d] = out[d];
        if (size[d] < 1 || out[d] < 0) return PYT_CUDA_ERR_INVALID;
        nmaps += out[d];
    }
    for (int64_t q = 0, d = 0, o = 0; q < nmaps; q++, o++) {      /* every map inside */
        while (o == g.out[d]) { d++; o = 0; }
        if (maps[q] < 0 || maps[q] >= g.size[d]) return PYT_CUDA_ERR_INVALID;
    }
    if (planes < 0) return PYT_CUDA_ERR_INVALID;
    const int64_t n = planes * (grad ? g.size[0] * g.size[1] * g.size[2]
                                     : g.out[0] * g.out[1] * g.out[2]);
    if (n == 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    int64_t *dev = nullptr;
    int err;
    if (!grad) {
        const int isz = itemsize_of(dtype);
        if (isz == 0) return PYT_CUDA_ERR_UNSUPPORTED;
        err = rs_upload(maps, nmaps * sizeof(int64_t), (void **)&dev);
        if (err) return err;
        const unsigned blocks = pyt_blocks_for(n);
        if (isz == 1)
            pad_gather_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const uint8_t *)x, (uint8_t *)y, g, dev, n);
        else if (isz == 2)
            pad_gather_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const uint16_t *)x, (uint16_t *)y, g, dev, n);
        else if (isz == 4)
            pad_gather_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const uint32_t *)x, (uint32_t *)y, g, dev, n);
        else
            pad_gather_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const uint64_t *)x, (uint64_t *)y, g, dev, n);
    } else {
        if (dtype != PYT_FLOAT32 && dtype != PYT_FLOAT64) return PYT_CUDA_ERR_UNSUPPORTED;
        const int64_t nptr = g.size[0] + g.size[1] + g.size[2] + 3;
        std::vector<int64_t> table(nptr + nmaps);
        pad_invert(g, maps, table.data(), table.data() + nptr);
        err = rs_upload(table.data(), table.size() * sizeof(int64_t), (void **)&dev);
        if (err) return err;
        const unsigned blocks = pyt_blocks_for(n);
        if (dtype == PYT_FLOAT32)
            pad_grad_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const float *)x, (float *)y, g, dev, dev + nptr, n);
        else
            pad_grad_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const double *)x, (double *)y, g, dev, dev + nptr, n);
    }
    err = pyt_launch_error();
    pyt_cuda_free(dev);
    return err;
}

template <typename T>
__global__ void resample_kernel(const T *x, T *y, ResampleGeom g, const int64_t *idx,
                                const double *w, int64_t n)
{
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n;
         e += (int64_t)gridDim.x * blockDim.x)
        y[e] = resample_element(e, g, x, idx, w);
}

template <typename T>
__global__ void resample_adjoint_kernel(const T *x, T *y, ResampleGeom g, const int64_t *ptr,
                                        const int64_t *lst, const double *w, int64_t n)
{
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n;
         e += (int64_t)gridDim.x * blockDim.x)
        y[e] = resample_adjoint_element(e, g, x, ptr, lst, w);
}

extern "C" int pyt_cuda_resample(int adjoint, int dtype, const void *x, void *y, int64_t outer,
                                 int64_t n_in, int64_t n_out, int64_t inner, int64_t ntaps,
                                 const int64_t *idx, const double *w)
{
    ResampleGeom g = {outer, n_in, n_out, inner, ntaps};
    if (outer < 0 || n_in < 1 || n_out < 0 || inner < 0 || ntaps < 1)
        return PYT_CUDA_ERR_INVALID;
    if (dtype != PYT_FLOAT32 && dtype != PYT_FLOAT64) return PYT_CUDA_ERR_UNSUPPORTED;
    const int64_t taps = n_out * ntaps;
    for (int64_t q = 0; q < taps; q++)
        if (idx[q] < 0 || idx[q] >= n_in) return PYT_CUDA_ERR_INVALID;
    const int64_t n = outer * (adjoint ? n_in : n_out) * inner;
    if (n == 0) return 0;
    /* one upload: the int64 part (idx, or ptr + lst), then the weights */
    const int64_t nint = adjoint ? n_in + 1 + taps : taps;
    std::vector<int64_t> table(nint + taps);
    if (adjoint) resample_invert(g, idx, table.data(), table.data() + n_in + 1);
    else memcpy(table.data(), idx, taps * sizeof(int64_t));
    memcpy(table.data() + nint, w, taps * sizeof(double));
    int64_t *dev = nullptr;
    int err = rs_upload(table.data(), table.size() * sizeof(int64_t), (void **)&dev);
    if (err) return err;
    const double *dw = (const double *)(dev + nint);
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    const unsigned blocks = pyt_blocks_for(n);
    if (!adjoint) {
        if (dtype == PYT_FLOAT32)
            resample_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const float *)x, (float *)y, g, dev, dw, n);
        else
            resample_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const double *)x, (double *)y, g, dev, dw, n);
    } else {
        const int64_t *lst = dev + n_in + 1;
        if (dtype == PYT_FLOAT32)
            resample_adjoint_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const float *)x, (float *)y, g, dev, lst, dw, n);
        else
            resample_adjoint_kernel<<<blocks, PYT_CUDA_THREADS, 0, stream>>>((const double *)x, (double *)y, g, dev, lst, dw, n);
    }
    err = pyt_launch_error();
    pyt_cuda_free(dev);
    return err;
}
