/* Device side of pyt_cuda_iter: the byte offsets of element i in each operand, and the
   launch shape every elementwise kernel uses. Shared by all .cu files. */
#ifndef PYT_CUDA_ITER_CUH
#define PYT_CUDA_ITER_CUH
#include <cuda_runtime.h>
#include "pyt_cuda.h"

#define PYT_CUDA_THREADS 256      /* threads per block of elementwise kernels */

/* Byte offsets of linear element i (row-major over it.shape) in operands 0..NOPS-1. */
template <int NOPS>
__device__ __forceinline__ void pyt_offsets(const pyt_cuda_iter &it, int64_t i, int64_t *off)
{
#pragma unroll
    for (int k = 0; k < NOPS; k++) off[k] = 0;
    for (int d = it.ndim - 1; d >= 0; d--) {
        int64_t size = it.shape[d];
        int64_t q = i / size, r = i - q * size;
#pragma unroll
        for (int k = 0; k < NOPS; k++) off[k] += r * it.strides[k][d];
        i = q;
    }
}

/* Operand k's element at byte offset off, or its scalar when it has no base. */
template <typename T>
__device__ __forceinline__ T pyt_load(const pyt_cuda_iter &it, int k, int64_t off)
{
    if (it.base[k] == nullptr) return *reinterpret_cast<const T *>(&it.scalar[k]);
    return *reinterpret_cast<const T *>(it.base[k] + off);
}

template <typename T>
__device__ __forceinline__ void pyt_store(const pyt_cuda_iter &it, int k, int64_t off, T v)
{
    *reinterpret_cast<T *>(it.base[k] + off) = v;
}

/* 1 when every operand is contiguous with element size `itemsize[k]` (or a scalar), so
   element i of operand k lies at i * itemsize[k]: the kernels' fast path. */
static inline bool pyt_iter_is_contiguous(const pyt_cuda_iter *it, const int *itemsize)
{
    if (it->ndim != 1) return false;
    for (int k = 0; k < it->nops; k++)
        if (it->base[k] != nullptr && it->strides[k][0] != itemsize[k]) return false;
    return true;
}

/* Blocks for n elements handled one per thread in a grid-stride loop: enough to fill the
   GPU a few times over, no more (the loop covers the rest). */
static inline unsigned pyt_blocks_for(int64_t n)
{
    int64_t blocks = (n + PYT_CUDA_THREADS - 1) / PYT_CUDA_THREADS;
    if (blocks > 65536) blocks = 65536;
    return blocks < 1 ? 1u : (unsigned)blocks;
}

/* The error of the launch just made (0 when none), as pyt_cuda_* calls return it. */
static inline int pyt_launch_error(void)
{
    return (int)cudaGetLastError();
}

#endif
