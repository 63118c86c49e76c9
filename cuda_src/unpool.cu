/* max_unpool on the GPU: zeros, then each value written at its index within its plane,
   as nn_pooling.pxi's SCATTER_SET does on the CPU.

   The CPU writes a plane's values in order, so when two values name the same position the
   later one stays. Here threads race, so a first pass checks every index and claims each
   target position for the largest source position naming it (atomicMax); the second pass
   writes only the claimed values: the same result as the CPU, every time. The first pass
   also records the first out-of-range index (atomicMin of its flat position), read back
   before anything is written, so a bad index raises and never writes out of bounds. */
#include <stdint.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include <cuda_runtime.h>
#include "iter.cuh"
#include "unpool.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

#define UNPOOL_NO_BAD 0xffffffffffffffffULL

/* win[p][j] = the largest i with idx[p][i] == j (win starts at -1); bad[0] = the smallest
   flat position e whose index is outside [0, dst_len) */
__global__ void unpool_claim_kernel(const int64_t *idx, long long *win, unsigned long long *bad,
                                    int64_t planes, int64_t src_len, int64_t dst_len)
{
    const int64_t total = planes * src_len;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t at = unpool_slot(idx, e, src_len, dst_len);
        if (at < 0) atomicMin(bad, (unsigned long long)e);
        else atomicMax(win + at, unpool_claim(e, src_len));
    }
}

/* bad[1] = the index at position bad[0], when one was bad */
__global__ void unpool_bad_value_kernel(const int64_t *idx, unsigned long long *bad)
{
    if (bad[0] != UNPOOL_NO_BAD) bad[1] = (unsigned long long)idx[bad[0]];
}

/* dst[p][idx[p][i]] = src[p][i] for the claimed i (every index is in range here) */
template <typename T>
__global__ void unpool_write_kernel(const T *src, const int64_t *idx, const long long *win,
                                    T *dst, int64_t planes, int64_t src_len, int64_t dst_len)
{
    const int64_t total = planes * src_len;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t at = unpool_slot(idx, e, src_len, dst_len);
        if (at >= 0 && win[at] == unpool_claim(e, src_len)) dst[at] = src[e];
    }
}

extern "C" int pyt_cuda_max_unpool(int dtype, const void *src, const int64_t *idx, void *dst,
                                   int64_t planes, int64_t src_len, int64_t dst_len,
                                   int64_t *bad_value)
{
    if (planes < 0 || src_len < 0 || dst_len < 0) return PYT_CUDA_ERR_INVALID;
    if (dtype != PYT_FLOAT32 && dtype != PYT_FLOAT64) return PYT_CUDA_ERR_UNSUPPORTED;
    const int64_t n = planes * src_len;
    if (n == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    /* buf[0], buf[1]: the bad position and its index; then planes * dst_len claims */
    unsigned long long *buf = nullptr, host[2];
    const size_t nbytes = (size_t)(2 + planes * dst_len) * sizeof(unsigned long long);
    int err = pyt_cuda_malloc((void **)&buf, nbytes);
    if (err) return err;
    long long *win = (long long *)(buf + 2);
    err = (int)cudaMemsetAsync(buf, 0xff, nbytes, s);      /* no bad position, claims -1 */
    if (!err) {
        unpool_claim_kernel<<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
            idx, win, buf, planes, src_len, dst_len);
        unpool_bad_value_kernel<<<1, 1, 0, s>>>(idx, buf);
        err = pyt_launch_error();
    }
    if (!err) err = (int)cudaMemcpyAsync(host, buf, sizeof host, cudaMemcpyDeviceToHost, s);
    if (!err) err = (int)cudaStreamSynchronize(s);
    if (!err && host[0] != UNPOOL_NO_BAD) {
        if (bad_value) *bad_value = (int64_t)host[1];
        err = PYT_CUDA_ERR_INDEX;
    }
    if (!err) {
        if (dtype == PYT_FLOAT32)
            unpool_write_kernel<float><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
                (const float *)src, idx, win, (float *)dst, planes, src_len, dst_len);
        else
            unpool_write_kernel<double><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, s>>>(
                (const double *)src, idx, win, (double *)dst, planes, src_len, dst_len);
        err = pyt_launch_error();
    }
    pyt_cuda_free(buf);     /* the allocator reuses it in stream order, after the writes */
    return err;
}
