/* pyt_cuda_norm_*: batch, layer and group normalisation on the GPU, with the CPU's
   formulas (pyt/_ext/nn_normalization.pxi). x is a contiguous [outer, K, L] tensor of
   float32 or float64 (half types are converted by the caller, as on the CPU); statistic
   k covers x[:, k, :] (M = outer * L values), and the affine parameter of (k, l) is
       a = (k % G) * Cg + l / S
   batch norm: [N, C, L] with G = C, Cg = 1, S = L; layer norm: [1, rows, n] with G = 1,
   Cg = n, S = 1; group norm: [1, N * G, Cg * HxW] with S = HxW.
   One block of 256 threads per statistic (forward, input gradient) or per affine
   parameter (weight and bias gradients); sums accumulate in double, two-pass (mean,
   then squared deviations), as the CPU's. */
#include <math.h>
#include <stdint.h>
#include <cuda_runtime.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include "iter.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

#define NORM_THREADS 256

struct norm_shape {
    int64_t outer, K, L, G, Cg, S;
};

/* the sum of v over the block, returned to every thread (all threads must call it) */
__device__ double norm_block_sum(double v, double *shared)
{
    for (int off = 16; off > 0; off >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, off);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();                    /* shared is reused from a previous call */
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < (int)(blockDim.x >> 5) ? shared[lane] : 0.0;
        for (int off = 16; off > 0; off >>= 1)
            v += __shfl_down_sync(0xffffffffu, v, off);
        if (lane == 0) shared[32] = v;
    }
    __syncthreads();
    return shared[32];
}

__device__ __forceinline__ int64_t norm_index(const norm_shape &p, int64_t k, int64_t t)
{
    int64_t o = t / p.L, l = t - o * p.L;
    return (o * p.K + k) * p.L + l;
}

__device__ __forceinline__ int64_t norm_affine(const norm_shape &p, int64_t k, int64_t l)
{
    return (k % p.G) * p.Cg + l / p.S;
}

/* y (and, training, the statistics and the running ones); eval: run_mean and run_var
   are the statistics, rs = 1 / sqrt(run_var + eps) */
template <typename T>
__global__ void norm_forward_kernel(norm_shape p, double eps, double momentum,
                                    const T *x, const T *w, const T *b, T *y, T *mean,
                                    T *rstd, T *run_mean, T *run_var, int training)
{
    __shared__ double shared[33];
    __shared__ double stats[2];
    int64_t M = p.outer * p.L;
    bool per_element = p.G == 1 && p.S == 1;
    for (int64_t k = blockIdx.x; k < p.K; k += gridDim.x) {
        double m, rs;
        if (training) {
            double s = 0;
            for (int64_t t = threadIdx.x; t < M; t += blockDim.x)
                s += (double)x[norm_index(p, k, t)];
            m = norm_block_sum(s, shared) / (double)M;
            double v = 0;
            for (int64_t t = threadIdx.x; t < M; t += blockDim.x) {
                double d = (double)x[norm_index(p, k, t)] - m;
                v += d * d;
            }
            v = norm_block_sum(v, shared);
            rs = 1.0 / sqrt(v / (double)M + eps);
            if (threadIdx.x == 0) {
                if (mean) mean[k] = (T)m;
                if (rstd) rstd[k] = (T)rs;
                if (run_mean)
                    run_mean[k] = (T)((1 - momentum) * (double)run_mean[k] + momentum * m);
                if (run_var)        /* the running variance is unbiased */
                    run_var[k] = (T)((1 - momentum) * (double)run_var[k] +
                                     momentum * (M > 1 ? v / (double)(M - 1) : v / (double)M));
            }
        } else {
            if (threadIdx.x == 0) {
                stats[0] = (double)run_mean[k];
                stats[1] = 1.0 / sqrt((double)run_var[k] + eps);
            }
            __syncthreads();
            m = stats[0];
            rs = stats[1];
            __syncthreads();            /* before the next statistic overwrites them */
        }
        T fm = (T)m, frs = (T)rs;
        for (int64_t t = threadIdx.x; t < M; t += blockDim.x) {
            int64_t i = norm_index(p, k, t);
            int64_t l = t % p.L;
            if (w == NULL && b == NULL) {
                y[i] = (x[i] - fm) * frs;
            } else if (per_element) {
                T r = (x[i] - fm) * frs;
                if (w) r = r * w[l];
                if (b) r = r + b[l];
                y[i] = r;
            } else {
                int64_t a = norm_affine(p, k, l);
                double wa = w ? (double)w[a] : 1.0;
                T scale = (T)(rs * wa);
                T shift = (T)((b ? (double)b[a] : 0.0) - m * rs * wa);
                y[i] = x[i] * scale + shift;
            }
        }
    }
}

/* gx = rs * (g w - mean(g w) - xhat mean(g w xhat)) (training), g w rs (eval) */
template <typename T>
__global__ void norm_backward_kernel(norm_shape p, const T *g, const T *x, const T *w,
                                     const T *mean, const T *rstd, T *gx, int training)
{
    __shared__ double shared[33];
    int64_t M = p.outer * p.L;
    bool per_element = p.G == 1 && p.S == 1;
    for (int64_t k = blockIdx.x; k < p.K; k += gridDim.x) {
        double m = (double)mean[k], rs = (double)rstd[k];
        T fm = mean[k];
        T k0 = 0, k2 = 0;
        if (training && M > 0) {
            double sg = 0, sgx = 0;
            for (int64_t t = threadIdx.x; t < M; t += blockDim.x) {
                int64_t i = norm_index(p, k, t);
                double gw = (double)g[i];
                if (w) gw *= (double)w[norm_affine(p, k, t % p.L)];
                sg += gw;
                sgx += gw * ((double)x[i] - m);
            }
            sg = norm_block_sum(sg, shared);
            sgx = norm_block_sum(sgx, shared);
            k0 = (T)(rs * sg / (double)M);
            k2 = (T)(rs * rs * rs * sgx / (double)M);
        }
        for (int64_t t = threadIdx.x; t < M; t += blockDim.x) {
            int64_t i = norm_index(p, k, t);
            int64_t l = t % p.L;
            if (w == NULL) {
                gx[i] = g[i] * (T)rs - k0 - (x[i] - fm) * k2;
            } else if (per_element) {
                gx[i] = g[i] * w[l] * (T)rs - k0 - (x[i] - fm) * k2;
            } else {
                T k1 = (T)(rs * (double)w[norm_affine(p, k, l)]);
                gx[i] = g[i] * k1 - k0 - (x[i] - fm) * k2;
            }
        }
    }
}

/* gw[a] = sum of g * (x - mean) * rstd, gb[a] = sum of g over the values a scales */
template <typename T>
__global__ void norm_affine_kernel(norm_shape p, const T *g, const T *x, const T *mean,
                                   const T *rstd, T *gw, T *gb, int64_t n_affine)
{
    __shared__ double shared[33];
    int64_t KG = p.K / p.G;
    int64_t count = p.L > 0 ? p.outer * KG * p.S : 0;     /* no values: sums of 0 */
    for (int64_t a = blockIdx.x; a < n_affine; a += gridDim.x) {
        int64_t grp = a / p.Cg, c = a - grp * p.Cg;
        double sw = 0, sb = 0;
        for (int64_t t = threadIdx.x; t < count; t += blockDim.x) {
            int64_t t2 = t / p.S;
            int64_t l = c * p.S + (t - t2 * p.S);
            int64_t o = t2 / KG, kk = t2 - o * KG;
            int64_t k = grp + kk * p.G;
            int64_t i = (o * p.K + k) * p.L + l;
            double gv = (double)g[i];
            sb += gv;
            sw += gv * ((double)x[i] - (double)mean[k]) * (double)rstd[k];
        }
        sw = norm_block_sum(sw, shared);
        sb = norm_block_sum(sb, shared);
        if (threadIdx.x == 0) {
            if (gw) gw[a] = (T)sw;
            if (gb) gb[a] = (T)sb;
        }
    }
}

static unsigned norm_grid(int64_t n)
{
    return n > 65536 ? 65536u : (unsigned)n;
}

static norm_shape norm_make(int64_t outer, int64_t K, int64_t L, int64_t G, int64_t Cg,
                            int64_t S)
{
    norm_shape p;
    p.outer = outer; p.K = K; p.L = L;
    p.G = G < 1 ? 1 : G; p.Cg = Cg < 1 ? 1 : Cg; p.S = S < 1 ? 1 : S;
    return p;
}

extern "C" int pyt_cuda_norm_forward(int dtype, int64_t outer, int64_t K, int64_t L,
                                     int64_t G, int64_t Cg, int64_t S, double eps,
                                     double momentum, const void *x, const void *w,
                                     const void *b, void *y, void *mean, void *rstd,
                                     void *run_mean, void *run_var, int training)
{
    norm_shape p = norm_make(outer, K, L, G, Cg, S);
    if (K <= 0) return PYT_CUDA_OK;
    cudaStream_t st = (cudaStream_t)pyt_cuda_current_stream();
    if (dtype == PYT_FLOAT32)
        norm_forward_kernel<float><<<norm_grid(K), NORM_THREADS, 0, st>>>(
            p, eps, momentum, (const float *)x, (const float *)w, (const float *)b,
            (float *)y, (float *)mean, (float *)rstd, (float *)run_mean, (float *)run_var,
            training);
    else if (dtype == PYT_FLOAT64)
        norm_forward_kernel<double><<<norm_grid(K), NORM_THREADS, 0, st>>>(
            p, eps, momentum, (const double *)x, (const double *)w, (const double *)b,
            (double *)y, (double *)mean, (double *)rstd, (double *)run_mean,
            (double *)run_var, training);
    else
        return PYT_CUDA_ERR_UNSUPPORTED;
    return pyt_launch_error();
}

extern "C" int pyt_cuda_norm_backward(int dtype, int64_t outer, int64_t K, int64_t L,
                                      int64_t G, int64_t Cg, int64_t S, const void *g,
                                      const void *x, const void *w, const void *mean,
                                      const void *rstd, void *gx, void *gw, void *gb,
                                      int64_t n_affine, int training)
{
    norm_shape p = norm_make(outer, K, L, G, Cg, S);
    cudaStream_t st = (cudaStream_t)pyt_cuda_current_stream();
    if (dtype != PYT_FLOAT32 && dtype != PYT_FLOAT64) return PYT_CUDA_ERR_UNSUPPORTED;
    if (gx != NULL && K > 0) {
        if (dtype == PYT_FLOAT32)
            norm_backward_kernel<float><<<norm_grid(K), NORM_THREADS, 0, st>>>(
                p, (const float *)g, (const float *)x, (const float *)w,
                (const float *)mean, (const float *)rstd, (float *)gx, training);
        else
            norm_backward_kernel<double><<<norm_grid(K), NORM_THREADS, 0, st>>>(
                p, (const double *)g, (const double *)x, (const double *)w,
                (const double *)mean, (const double *)rstd, (double *)gx, training);
    }
    if ((gw != NULL || gb != NULL) && n_affine > 0) {
        if (dtype == PYT_FLOAT32)
            norm_affine_kernel<float><<<norm_grid(n_affine), NORM_THREADS, 0, st>>>(
                p, (const float *)g, (const float *)x, (const float *)mean,
                (const float *)rstd, (float *)gw, (float *)gb, n_affine);
        else
            norm_affine_kernel<double><<<norm_grid(n_affine), NORM_THREADS, 0, st>>>(
                p, (const double *)g, (const double *)x, (const double *)mean,
                (const double *)rstd, (double *)gw, (double *)gb, n_affine);
    }
    return pyt_launch_error();
}
