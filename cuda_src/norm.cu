/* pyt_cuda_norm_*: batch, layer and group normalisation on the GPU, with the CPU's
   formulas (pyt/_ext/nn_normalization.pxi). x is a contiguous [outer, K, L] tensor of
   float32 or float64 (half types are converted by the caller, as on the CPU); statistic
   k covers x[:, k, :] (M = outer * L values), and the affine parameter of (k, l) is
       a = (k % G) * Cg + l / S
   batch norm: [N, C, L] with G = C, Cg = 1, S = L; layer norm: [1, rows, n] with G = 1,
   Cg = n, S = 1; group norm: [1, N * G, Cg * HxW] with S = HxW.
   One block of 256 threads per statistic (forward, input gradient) or per affine
   parameter (weight and bias gradients); sums accumulate in double, two-pass (mean,
   then squared deviations), as the CPU's.
   Batch norm's few, long statistics (64 channels of 128 x 32 x 32 values: 64 blocks on a
   GPU of 132 multiprocessors) take the split path instead: each statistic is cut into
   parts, one block per (part, channel) reduces its part (two-pass within the part), one
   thread per channel combines the parts (Chan's formula for the variance, in double), and
   an elementwise kernel over every value normalises (forward) or forms the input
   gradient (backward). */
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

/* A training statistic's results: mean and rstd (when kept) and the running statistics
   (the running variance unbiased); v is the sum of squared deviations of M values.
   Returns rstd. */
template <typename T>
__device__ __forceinline__ double norm_store_stats(int64_t k, double m, double v, int64_t M,
                                                  double eps, double momentum, T *mean,
                                                  T *rstd, T *run_mean, T *run_var)
{
    const double rs = 1.0 / sqrt(v / (double)M + eps);
    if (mean) mean[k] = (T)m;
    if (rstd) rstd[k] = (T)rs;
    if (run_mean) run_mean[k] = (T)((1 - momentum) * (double)run_mean[k] + momentum * m);
    if (run_var)
        run_var[k] = (T)((1 - momentum) * (double)run_var[k] +
                         momentum * (M > 1 ? v / (double)(M - 1) : v / (double)M));
    return rs;
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
            if (threadIdx.x == 0)
                norm_store_stats(k, m, v, M, eps, momentum, mean, rstd, run_mean, run_var);
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

/* ---- the split path (batch norm's layout: G = K, Cg = 1, S = L, so channel k's affine
   parameter is k) ---------------------------------------------------------------------- */

#define NORM_PART 8192                  /* values of one statistic per block, at least */

/* How many parts each statistic is cut into: 1 (no split) unless the statistics are few
   and long. */
static int64_t norm_parts(const norm_shape &p)
{
    const int64_t M = p.outer * p.L;
    if (!(p.G == p.K && p.Cg == 1 && p.S == p.L) || p.K >= 1024 || p.K > 65535) return 1;
    int64_t parts = (M + NORM_PART - 1) / NORM_PART, most = (2048 + p.K - 1) / p.K;
    return parts < most ? parts : most;
}

/* The values t0, t0 + step, ... of statistic k (value t at x[(t / L * K + k) * L + t % L]),
   walked without a division per value. */
struct norm_walk {
    int64_t o, l, dout, dl, L, KL, kL;
    __device__ norm_walk(int64_t t0, int64_t step, const norm_shape &p, int64_t k)
        : o(t0 / p.L), l(t0 % p.L), dout(step / p.L), dl(step % p.L), L(p.L),
          KL(p.K * p.L), kL(k * p.L) {}
    __device__ int64_t index() const { return o * KL + kL + l; }
    __device__ void next()
    {
        o += dout;
        l += dl;
        if (l >= L) { l -= L; o++; }
    }
};

__device__ __forceinline__ void norm_part_range(int64_t M, int64_t parts, int64_t q,
                                                int64_t *t0, int64_t *t1)
{
    const int64_t len = (M + parts - 1) / parts;
    *t0 = q * len < M ? q * len : M;
    *t1 = *t0 + len < M ? *t0 + len : M;
}

/* part[(k * parts + q) * 3 + 0..2] = count, mean, sum of squared deviations of part q */
template <typename T>
__global__ void norm_split_stats_kernel(norm_shape p, int64_t parts, const T *x, double *part)
{
    __shared__ double shared[33];
    const int64_t k = blockIdx.y, q = blockIdx.x, M = p.outer * p.L;
    int64_t t0, t1;
    norm_part_range(M, parts, q, &t0, &t1);
    double s = 0;
    norm_walk w(t0 + threadIdx.x, blockDim.x, p, k);
    for (int64_t t = t0 + threadIdx.x; t < t1; t += blockDim.x, w.next())
        s += (double)x[w.index()];
    const double n = (double)(t1 - t0);
    double m = norm_block_sum(s, shared);
    m = n > 0 ? m / n : 0.0;
    double v = 0;
    norm_walk w2(t0 + threadIdx.x, blockDim.x, p, k);
    for (int64_t t = t0 + threadIdx.x; t < t1; t += blockDim.x, w2.next()) {
        const double d = (double)x[w2.index()] - m;
        v += d * d;
    }
    v = norm_block_sum(v, shared);
    if (threadIdx.x == 0) {
        double *out = part + (k * parts + q) * 3;
        out[0] = n;
        out[1] = m;
        out[2] = v;
    }
}

/* stat[2k], stat[2k + 1] = mean and 1 / sqrt(var + eps) of channel k: combined from the
   parts (training; also stored in mean / rstd and folded into the running statistics,
   as norm_forward_kernel does) or read from the running statistics (eval) */
template <typename T>
__global__ void norm_split_combine_kernel(norm_shape p, int64_t parts, const double *part,
                                          double eps, double momentum, T *mean, T *rstd,
                                          T *run_mean, T *run_var, int training, double *stat)
{
    const int64_t M = p.outer * p.L;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < p.K;
         k += (int64_t)gridDim.x * blockDim.x) {
        double m, rs;
        if (training) {
            double n = 0, v = 0;
            m = 0;
            for (int64_t q = 0; q < parts; q++) {
                const double *in = part + (k * parts + q) * 3;
                if (in[0] == 0) continue;
                const double nn = n + in[0], d = in[1] - m;
                m += d * in[0] / nn;
                v += in[2] + d * d * n * in[0] / nn;
                n = nn;
            }
            rs = norm_store_stats(k, m, v, M, eps, momentum, mean, rstd, run_mean, run_var);
        } else {
            m = (double)run_mean[k];
            rs = 1.0 / sqrt((double)run_var[k] + eps);
        }
        stat[2 * k] = m;
        stat[2 * k + 1] = rs;
    }
}

/* the rows r = o * K + k of L values each: blockIdx.y over rows, threads over l */
#define NORM_ROWS_LOOP(p)                                                                  \
    for (int64_t r = blockIdx.y; r < (p).outer * (p).K; r += gridDim.y)                     \
        for (int64_t l = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; l < (p).L;        \
             l += (int64_t)gridDim.x * blockDim.x)

template <typename T>
__global__ void norm_split_apply_kernel(norm_shape p, const double *stat, const T *x,
                                        const T *w, const T *b, T *y)
{
    NORM_ROWS_LOOP(p) {
        const int64_t k = r % p.K, i = r * p.L + l;
        const double m = stat[2 * k], rs = stat[2 * k + 1];
        if (w == NULL && b == NULL) {
            y[i] = (x[i] - (T)m) * (T)rs;
        } else {
            const double wa = w ? (double)w[k] : 1.0;
            y[i] = x[i] * (T)(rs * wa) + (T)((b ? (double)b[k] : 0.0) - m * rs * wa);
        }
    }
}

/* part[(k * parts + q) * 2 + 0..1] = sum of g and of g * (x - mean) over part q */
template <typename T>
__global__ void norm_split_grad_sums_kernel(norm_shape p, int64_t parts, const T *g,
                                            const T *x, const T *mean, double *part)
{
    __shared__ double shared[33];
    const int64_t k = blockIdx.y, q = blockIdx.x, M = p.outer * p.L;
    const double m = (double)mean[k];
    int64_t t0, t1;
    norm_part_range(M, parts, q, &t0, &t1);
    double sg = 0, sgx = 0;
    norm_walk w(t0 + threadIdx.x, blockDim.x, p, k);
    for (int64_t t = t0 + threadIdx.x; t < t1; t += blockDim.x, w.next()) {
        const int64_t i = w.index();
        const double gv = (double)g[i];
        sg += gv;
        sgx += gv * ((double)x[i] - m);
    }
    sg = norm_block_sum(sg, shared);
    sgx = norm_block_sum(sgx, shared);
    if (threadIdx.x == 0) {
        part[(k * parts + q) * 2] = sg;
        part[(k * parts + q) * 2 + 1] = sgx;
    }
}

/* per channel: the weight and bias gradients, and coef[3k..3k+2] = k0, k2, k1 of
   norm_backward_kernel's gx = g k1 - k0 - (x - mean) k2 (k0 = k2 = 0 in eval) */
template <typename T>
__global__ void norm_split_grad_combine_kernel(norm_shape p, int64_t parts, const double *part,
                                               const T *w, const T *rstd, T *gw, T *gb,
                                               int training, double *coef)
{
    const int64_t M = p.outer * p.L;
    for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < p.K;
         k += (int64_t)gridDim.x * blockDim.x) {
        double sg = 0, sgx = 0;
        for (int64_t q = 0; q < parts; q++) {
            sg += part[(k * parts + q) * 2];
            sgx += part[(k * parts + q) * 2 + 1];
        }
        const double rs = (double)rstd[k], wk = w ? (double)w[k] : 1.0;
        if (gb) gb[k] = (T)sg;
        if (gw) gw[k] = (T)(sgx * rs);
        const bool sums = training && M > 0;
        coef[3 * k] = sums ? rs * wk * sg / (double)M : 0.0;
        coef[3 * k + 1] = sums ? rs * rs * rs * wk * sgx / (double)M : 0.0;
        coef[3 * k + 2] = rs * wk;
    }
}

template <typename T>
__global__ void norm_split_grad_apply_kernel(norm_shape p, const double *coef, const T *g,
                                             const T *x, const T *mean, T *gx)
{
    NORM_ROWS_LOOP(p) {
        const int64_t k = r % p.K, i = r * p.L + l;
        gx[i] = g[i] * (T)coef[3 * k + 2] - (T)coef[3 * k] -
                (x[i] - mean[k]) * (T)coef[3 * k + 1];
    }
}

static dim3 norm_rows_grid(const norm_shape &p)
{
    const int64_t gx = (p.L + NORM_THREADS - 1) / NORM_THREADS, rows = p.outer * p.K;
    return dim3((unsigned)(gx < 65535 ? gx : 65535), (unsigned)(rows < 65535 ? rows : 65535));
}

template <typename T>
static int norm_split_forward(const norm_shape &p, int64_t parts, double eps, double momentum,
                              const T *x, const T *w, const T *b, T *y, T *mean, T *rstd,
                              T *run_mean, T *run_var, int training, cudaStream_t st)
{
    double *work = NULL;
    const int64_t n_part = training ? p.K * parts * 3 : 0;
    int rc = pyt_cuda_malloc((void **)&work, (n_part + 2 * p.K) * sizeof(double));
    if (rc) return rc;
    double *stat = work + n_part;
    if (training)
        norm_split_stats_kernel<T><<<dim3((unsigned)parts, (unsigned)p.K), NORM_THREADS, 0,
                                     st>>>(p, parts, x, work);
    norm_split_combine_kernel<T><<<(unsigned)((p.K + 255) / 256), 256, 0, st>>>(
        p, parts, work, eps, momentum, mean, rstd, run_mean, run_var, training, stat);
    if (p.outer * p.L > 0)
        norm_split_apply_kernel<T><<<norm_rows_grid(p), NORM_THREADS, 0, st>>>(p, stat, x, w,
                                                                               b, y);
    rc = pyt_launch_error();
    pyt_cuda_free(work);                /* the allocator reuses it in stream order */
    return rc;
}

template <typename T>
static int norm_split_backward(const norm_shape &p, int64_t parts, const T *g, const T *x,
                               const T *w, const T *mean, const T *rstd, T *gx, T *gw, T *gb,
                               int training, cudaStream_t st)
{
    double *work = NULL;
    const int64_t n_part = p.K * parts * 2;
    int rc = pyt_cuda_malloc((void **)&work, (n_part + 3 * p.K) * sizeof(double));
    if (rc) return rc;
    double *coef = work + n_part;
    norm_split_grad_sums_kernel<T><<<dim3((unsigned)parts, (unsigned)p.K), NORM_THREADS, 0,
                                     st>>>(p, parts, g, x, mean, work);
    norm_split_grad_combine_kernel<T><<<(unsigned)((p.K + 255) / 256), 256, 0, st>>>(
        p, parts, work, w, rstd, gw, gb, training, coef);
    if (gx != NULL && p.outer * p.L > 0)
        norm_split_grad_apply_kernel<T><<<norm_rows_grid(p), NORM_THREADS, 0, st>>>(
            p, coef, g, x, mean, gx);
    rc = pyt_launch_error();
    pyt_cuda_free(work);
    return rc;
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
    const int64_t parts = norm_parts(p);
    if (parts > 1 && dtype == PYT_FLOAT32)
        return norm_split_forward<float>(p, parts, eps, momentum, (const float *)x,
                                         (const float *)w, (const float *)b, (float *)y,
                                         (float *)mean, (float *)rstd, (float *)run_mean,
                                         (float *)run_var, training, st);
    if (parts > 1 && dtype == PYT_FLOAT64)
        return norm_split_forward<double>(p, parts, eps, momentum, (const double *)x,
                                          (const double *)w, (const double *)b, (double *)y,
                                          (double *)mean, (double *)rstd, (double *)run_mean,
                                          (double *)run_var, training, st);
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
    /* (the split path's weight and bias gradients are per channel: n_affine is K) */
    const bool per_channel = (gw == NULL && gb == NULL) || n_affine == K;
    const int64_t parts = K > 0 && per_channel ? norm_parts(p) : 1;
    if (parts > 1 && dtype == PYT_FLOAT32)
        return norm_split_backward<float>(p, parts, (const float *)g, (const float *)x,
                                          (const float *)w, (const float *)mean,
                                          (const float *)rstd, (float *)gx, (float *)gw,
                                          (float *)gb, training, st);
    if (parts > 1)
        return norm_split_backward<double>(p, parts, (const double *)g, (const double *)x,
                                           (const double *)w, (const double *)mean,
                                           (const double *)rstd, (double *)gx, (double *)gw,
                                           (double *)gb, training, st);
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
