/* pyt_cuda_softmax: pyt_softmax.h's softmax / log_softmax and their gradients over the
   middle dim of a contiguous [outer, n, inner] tensor, with the CPU's formulas:
     softmax      y = exp(x - max) * (1 / sum exp(x - max))
     log_softmax  y = (x - max) - log(sum exp(x - max))
     gradients    softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g)
   float16 and bfloat16 compute in float (as the CPU, which converts them to float32 and
   back, rounding to nearest even); float exp is the CPU's pyt_expf.

   inner == 1: a warp (n <= 1024) or a block of 256 threads per row, reading the row
   once per pass (max, sum, write); inner > 1: a thread per (outer, column) walking down
   its column, so neighbouring threads read neighbouring values. */
#include <math.h>
#include <stdint.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include "iter.cuh"
#include "row_math.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

#define SM_THREADS 256

/* inner == 1: gs threads per row of n values */
template <typename T, typename S>
__global__ void __launch_bounds__(SM_THREADS) softmax_rows(const T *a, const T *b, T *out,
        int64_t rows, int64_t n, int take_log, int grad, int gs)
{
    __shared__ S smem[SM_THREADS / 32];
    const int per_block = SM_THREADS / gs, lane = threadIdx.x % gs;
    const int64_t blocks = (rows + per_block - 1) / per_block;
    for (int64_t blk = blockIdx.x; blk < blocks; blk += gridDim.x) {
        int64_t row = blk * per_block + threadIdx.x / gs;
        bool active = row < rows;                 /* idle rows still join the combines */
        int64_t len = active ? n : 0;
        const T *x = a + (active ? row : 0) * n;
        T *y = out + (active ? row : 0) * n;
        if (!grad) {
            S m = -INFINITY, s = 0;
            for (int64_t i = lane; i < len; i += gs) m = row_max(m, row_load(x[i]));
            m = row_group<S, true, SM_THREADS>(m, gs, smem);
            for (int64_t i = lane; i < len; i += gs) s += row_exp(row_load(x[i]) - m);
            s = row_group<S, false, SM_THREADS>(s, gs, smem);
            if (take_log) {
                const S ls = row_log(s);
                for (int64_t i = lane; i < len; i += gs) y[i] = row_store<T>((row_load(x[i]) - m) - ls);
            } else {
                const S r = (S)1 / s;
                for (int64_t i = lane; i < len; i += gs) y[i] = row_store<T>(row_exp(row_load(x[i]) - m) * r);
            }
        } else {
            const T *g = b + (active ? row : 0) * n;      /* a: the forward output y */
            S s = 0;
            if (take_log) for (int64_t i = lane; i < len; i += gs) s += row_load(g[i]);
            else for (int64_t i = lane; i < len; i += gs) s += row_load(g[i]) * row_load(x[i]);
            s = row_group<S, false, SM_THREADS>(s, gs, smem);
            if (take_log)
                for (int64_t i = lane; i < len; i += gs)
                    y[i] = row_store<T>(row_load(g[i]) - row_exp(row_load(x[i])) * s);
            else
                for (int64_t i = lane; i < len; i += gs)
                    y[i] = row_store<T>(row_load(x[i]) * (row_load(g[i]) - s));
        }
    }
}

/* inner > 1: a thread per column (o, j), its n values `inner` apart */
template <typename T, typename S>
__global__ void __launch_bounds__(SM_THREADS) softmax_columns(const T *a, const T *b, T *out,
        int64_t outer, int64_t n, int64_t inner, int take_log, int grad)
{
    const int64_t cols = outer * inner;
    for (int64_t col = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; col < cols;
         col += (int64_t)gridDim.x * blockDim.x) {
        int64_t o = col / inner, base = o * n * inner + (col - o * inner);
        const T *x = a + base;
        T *y = out + base;
        if (!grad) {
            S m = row_load(x[0]), s = 0;
            for (int64_t d = 1; d < n; d++) m = row_max(m, row_load(x[d * inner]));
            for (int64_t d = 0; d < n; d++) s += row_exp(row_load(x[d * inner]) - m);
            if (take_log) {
                const S ls = row_log(s);
                for (int64_t d = 0; d < n; d++)
                    y[d * inner] = row_store<T>((row_load(x[d * inner]) - m) - ls);
            } else {
                const S r = (S)1 / s;
                for (int64_t d = 0; d < n; d++)
                    y[d * inner] = row_store<T>(row_exp(row_load(x[d * inner]) - m) * r);
            }
        } else {
            const T *g = b + base;
            S s = 0;
            for (int64_t d = 0; d < n; d++)
                s += take_log ? row_load(g[d * inner]) : row_load(g[d * inner]) * row_load(x[d * inner]);
            for (int64_t d = 0; d < n; d++) {
                S gv = row_load(g[d * inner]), yv = row_load(x[d * inner]);
                y[d * inner] = row_store<T>(take_log ? gv - row_exp(yv) * s : yv * (gv - s));
            }
        }
    }
}

template <typename T, typename S>
static int softmax_launch(const void *a, const void *b, void *out, int64_t outer, int64_t n,
                          int64_t inner, int take_log, int grad)
{
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    const T *ta = (const T *)a, *tb = (const T *)b;
    T *to = (T *)out;
    if (inner == 1) {
        int gs = n <= 1024 ? 32 : SM_THREADS;
        int64_t blocks = (outer + SM_THREADS / gs - 1) / (SM_THREADS / gs);
        if (blocks > (1 << 20)) blocks = 1 << 20;
        softmax_rows<T, S><<<(unsigned)blocks, SM_THREADS, 0, stream>>>(ta, tb, to, outer, n,
                                                                         take_log, grad, gs);
    } else {
        softmax_columns<T, S><<<pyt_blocks_for(outer * inner), SM_THREADS, 0, stream>>>(
            ta, tb, to, outer, n, inner, take_log, grad);
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_softmax(int dtype, const void *a, const void *b, void *out,
                                int64_t outer, int64_t n, int64_t inner, int log, int grad)
{
    if (outer < 0 || n < 0 || inner < 0 || (grad && b == NULL)) return PYT_CUDA_ERR_INVALID;
    if (outer == 0 || n == 0 || inner == 0) return 0;
    switch (dtype) {
    case PYT_FLOAT16: return softmax_launch<RowHalf, float>(a, b, out, outer, n, inner, log, grad);
    case PYT_BFLOAT16: return softmax_launch<RowBF16, float>(a, b, out, outer, n, inner, log, grad);
    case PYT_FLOAT32: return softmax_launch<float, float>(a, b, out, outer, n, inner, log, grad);
    case PYT_FLOAT64: return softmax_launch<double, double>(a, b, out, outer, n, inner, log, grad);
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
}
