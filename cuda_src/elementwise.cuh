/* The launch of an elementwise functor over a pyt_cuda_iter: out = f(in_1 .. in_NIN),
   every input of one storage type TI, the output of f's Out type. Two kernels: a
   strided one (any strides, offsets from the linear index) and a contiguous one (every
   operand contiguous or scalar: element i at index i), which moves V elements per thread
   and step in aligned vectors when every pointer allows. */
#ifndef PYT_CUDA_ELEMENTWISE_CUH
#define PYT_CUDA_ELEMENTWISE_CUH
#include <cuda_runtime.h>
#include "pyt_cuda.h"
#include "iter.cuh"

/* file-local: other .cu files of the library may use the same names */
namespace {

template <typename T, int V> struct alignas(sizeof(T) * V) pyt_vec { T v[V]; };

template <int NIN, typename TI, typename F>
__global__ void __launch_bounds__(PYT_CUDA_THREADS)
pyt_elementwise_strided(pyt_cuda_iter it, F f)
{
    typedef typename F::Out TO;
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < it.numel; i += step) {
        int64_t off[NIN + 1];
        pyt_offsets<NIN + 1>(it, i, off);
        TI x[NIN];
#pragma unroll
        for (int k = 0; k < NIN; k++) x[k] = pyt_load<TI>(it, k + 1, off[k + 1]);
        pyt_store<TO>(it, 0, off[0], f(x));
    }
}

template <int NIN, typename TI, int V, typename F>
__global__ void __launch_bounds__(PYT_CUDA_THREADS)
pyt_elementwise_contiguous(pyt_cuda_iter it, F f, bool vectors)
{
    typedef typename F::Out TO;
    TO *out = reinterpret_cast<TO *>(it.base[0]);
    const TI *in[NIN];
    TI scalar[NIN];
#pragma unroll
    for (int k = 0; k < NIN; k++) {
        in[k] = reinterpret_cast<const TI *>(it.base[k + 1]);
        scalar[k] = *reinterpret_cast<const TI *>(&it.scalar[k + 1]);
    }
    const int64_t n = it.numel, step = (int64_t)gridDim.x * blockDim.x;
    const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    int64_t done = 0;
    if (V > 1 && vectors) {
        const int64_t nv = n / V;
        for (int64_t j = tid; j < nv; j += step) {
            pyt_vec<TI, V> xv[NIN];
#pragma unroll
            for (int k = 0; k < NIN; k++) {
                if (in[k]) {
                    xv[k] = reinterpret_cast<const pyt_vec<TI, V> *>(in[k])[j];
                } else {
#pragma unroll
                    for (int e = 0; e < V; e++) xv[k].v[e] = scalar[k];
                }
            }
            pyt_vec<TO, V> o;
#pragma unroll
            for (int e = 0; e < V; e++) {
                TI x[NIN];
#pragma unroll
                for (int k = 0; k < NIN; k++) x[k] = xv[k].v[e];
                o.v[e] = f(x);
            }
            reinterpret_cast<pyt_vec<TO, V> *>(out)[j] = o;
        }
        done = nv * V;
    }
    for (int64_t i = done + tid; i < n; i += step) {
        TI x[NIN];
#pragma unroll
        for (int k = 0; k < NIN; k++) x[k] = in[k] ? in[k][i] : scalar[k];
        out[i] = f(x);
    }
}

/* Launches f over it (operands: output, then NIN inputs of storage type TI) on the
   current stream. */
template <int NIN, typename TI, int V, typename F>
static int pyt_elementwise(const pyt_cuda_iter *it, F f)
{
    typedef typename F::Out TO;
    if (it->nops != NIN + 1) return PYT_CUDA_ERR_INVALID;
    if (!it->base[0]) return PYT_CUDA_ERR_INVALID;
    if (it->numel <= 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    int itemsize[NIN + 1];
    itemsize[0] = (int)sizeof(TO);
    for (int k = 1; k <= NIN; k++) itemsize[k] = (int)sizeof(TI);
    if (pyt_iter_is_contiguous(it, itemsize)) {
        bool vectors = V > 1 && it->numel >= V;
        for (int k = 0; k <= NIN; k++)
            if (it->base[k] && (uintptr_t)it->base[k] % ((uintptr_t)itemsize[k] * V) != 0)
                vectors = false;
        int64_t work = vectors ? (it->numel + V - 1) / V : it->numel;
        pyt_elementwise_contiguous<NIN, TI, V, F>
            <<<pyt_blocks_for(work), PYT_CUDA_THREADS, 0, stream>>>(*it, f, vectors);
    } else {
        pyt_elementwise_strided<NIN, TI, F>
            <<<pyt_blocks_for(it->numel), PYT_CUDA_THREADS, 0, stream>>>(*it, f);
    }
    return pyt_launch_error();
}

}  // namespace

#endif
