/* pyt_cuda_pointwise: the CPU's pointwise op tables (pyt_binary.h, pyt_math.h) on the
   GPU. One kernel pair (strided, contiguous) per (family, dtype, output kind), the op
   chosen by a switch inside (pointwise_ops.cuh), which keeps the number of kernels, and
   the compile time, small. */
#include "pointwise_ops.cuh"
#include "elementwise.cuh"

/* The contiguous path's vector width V: arithmetic and comparisons are memory bound and
   gain from 16-byte accesses; the math families keep one element per step (their switch
   would be copied V times). */
namespace {

struct pyt_pointwise_launch {
    int family, op;
    const pyt_cuda_iter *it;
    pyt_cuda_math_ctx ctx;

    template <int CODE> int operator()() const
    {
        typedef typename pyt_dt<CODE>::T T;
        /* 16 bytes of float32 / float16 (8 for bytes) per vector; integer arithmetic
           (its divisions inline large code) keeps one element per step */
        const int V = pyt_dt<CODE>::K == 0 ? 1 : sizeof(T) >= 4 ? 4 : 8;
        const bool to_bool = pyt_cu_pointwise_bool_out(family, op);
        switch (family) {
        case PYT_CUDA_ARITH: return pyt_elementwise<2, T, V>(it, pyt_arith_op<CODE>{op});
        case PYT_CUDA_CMP: return pyt_elementwise<2, T, V>(it, pyt_cmp_op<CODE>{op});
        case PYT_CUDA_UNARY:
            if (to_bool) return pyt_elementwise<1, T, 4>(it, pyt_unary_pred<CODE>{op});
            if (op == PYT_UN_RELU) return pyt_elementwise<1, T, V>(it, pyt_relu_op<CODE>{});
            return pyt_elementwise<1, T, 1>(it, pyt_unary_op<CODE>{op, ctx});
        case PYT_CUDA_MATH_BINARY:
            if (to_bool) return pyt_elementwise<2, T, 1>(it, pyt_binary_pred<CODE>{op, ctx});
            return pyt_elementwise<2, T, 1>(it, pyt_binary_op<CODE>{op});
        default: return pyt_elementwise<3, T, 1>(it, pyt_ternary_op<CODE>{op, ctx});
        }
    }
};

}  // namespace

extern "C" int pyt_cuda_pointwise_supported(int family, int op, int dtype)
{
    return pyt_cu_pointwise_has(family, op, dtype);
}

extern "C" int pyt_cuda_pointwise(int family, int op, int dtype, const pyt_cuda_iter *it,
                                  const pyt_cuda_math_ctx *ctx)
{
    if (!pyt_cu_pointwise_has(family, op, dtype)) return PYT_CUDA_ERR_UNSUPPORTED;
    if (it == nullptr) return PYT_CUDA_ERR_INVALID;
    pyt_pointwise_launch launch{family, op, it, {}};
    if (ctx) launch.ctx = *ctx;
    return pyt_dispatch_dtype(dtype, launch);
}

/* polygamma(n, x) for n >= 1 over contiguous float64 (the CPU computes it in double too) */
namespace {
__global__ void polygamma_kernel(int n, const double *x, double *y, int64_t count)
{
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < count;
         i += (int64_t)gridDim.x * blockDim.x)
        y[i] = pyt_cu_polygamma(n, x[i]);
}
}  // namespace

extern "C" int pyt_cuda_polygamma(int n, const double *x, double *y, int64_t count)
{
    if (n < 1 || count < 0) return PYT_CUDA_ERR_INVALID;
    if (count == 0) return 0;
    cudaStream_t s = (cudaStream_t)pyt_cuda_current_stream();
    polygamma_kernel<<<pyt_blocks_for(count), PYT_CUDA_THREADS, 0, s>>>(n, x, y, count);
    return pyt_launch_error();
}
