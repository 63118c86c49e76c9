/* Fused cross-entropy with class-index targets (F.cross_entropy without label smoothing):
   one kernel computes each row's log-sum-exp and loss, one kernel the input gradient,
   instead of log_softmax + gather + nll and their gradients.

   Logits x are a contiguous [N, C, S] tensor (S: the product of the spatial dims, 1 for
   [N, C]); row r = n * S + s holds the C values x[n, :, s]. The row's statistics are the
   CPU's log_softmax: m = max, ls = log(sum exp(x - m)), logp = (x - m) - ls, so
   loss_r = w[t] * (ls - (x[t] - m)), w = 1 without weights, 0 for ignored rows.
   Half types compute in float, as the CPU (log_softmax in float32).

   S == 1: a warp (C <= 1024) or a block of 256 threads per row; S > 1: a thread per row,
   walking its column (neighbouring threads read neighbouring values).

   Out-of-range targets, without a synchronisation per call: a bad row reads nothing
   outside its row (its loss and gradient are 0) and the first bad row of the call is
   noted, by a one-thread kernel after the forward, in a word of mapped (zero-copy)
   pinned host memory (ce_error: the first unreported bad target). The host reads that
   word without waiting: at the start of every later forward, and in
   pyt_cuda_cross_entropy_error (pyt.cuda.synchronize). So the IndexError surfaces at the
   first of those made after the GPU ran the bad call, as torch's device-side assert
   surfaces at a later synchronisation. Without mapped memory the forward reads its own
   flag back (synchronising), as before. */
#include <math.h>
#include <stdint.h>
#include <atomic>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include "iter.cuh"
#include "row_math.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

#define CE_THREADS 256
#define CE_NO_BAD_ROW 0xffffffffffffffffull

template <typename T, typename S>
struct CeArgs {
    const T *x;
    const int64_t *target;        /* [rows] */
    const S *weight;              /* [C] or NULL */
    int64_t rows, C, spatial;
    int64_t ignore_index;
    int reduction;                /* 0 none, 1 mean, 2 sum */
    T *out;                       /* none: [rows] */
    S *stats;                     /* [rows, 2]: max, log of the sum */
    S *loss;                      /* mean / sum: per-row loss and weight, [rows] each */
    S *wrow;
    unsigned long long *bad_row;  /* the first row whose target is out of range */
};

/* row r's results, from its statistics; xr: the row's first value, cs apart */
template <typename T, typename S>
__device__ __forceinline__ void ce_row_done(const CeArgs<T, S> &a, int64_t r, S m, S ls,
                                            const T *xr, int64_t cs)
{
    a.stats[2 * r] = m;
    a.stats[2 * r + 1] = ls;
    const int64_t t = a.target[r];
    S loss = 0, w = 0;
    if (t != a.ignore_index) {
        if (t < 0 || t >= a.C) {
            atomicMin(a.bad_row, (unsigned long long)r);
        } else {
            w = a.weight != nullptr ? a.weight[t] : (S)1;
            loss = (ls - (row_load(xr[t * cs]) - m)) * w;    /* -logp[t] * w */
        }
    }
    if (a.reduction == 0) {
        a.out[r] = row_store<T>(loss);
    } else {
        a.loss[r] = loss;
        a.wrow[r] = w;
    }
}

/* S == 1: gs threads per row */
template <typename T, typename S>
__global__ void __launch_bounds__(CE_THREADS) ce_rows(CeArgs<T, S> a, int gs)
{
    __shared__ S smem[CE_THREADS / 32];
    const int per_block = CE_THREADS / gs, lane = threadIdx.x % gs;
    const int64_t blocks = (a.rows + per_block - 1) / per_block;
    for (int64_t blk = blockIdx.x; blk < blocks; blk += gridDim.x) {
        const int64_t row = blk * per_block + threadIdx.x / gs;
        const bool active = row < a.rows;         /* idle rows still join the combines */
        const int64_t len = active ? a.C : 0;
        const T *xr = a.x + (active ? row : 0) * a.C;
        S m = -INFINITY, s = 0;
        for (int64_t i = lane; i < len; i += gs) m = row_max(m, (S)row_load(xr[i]));
        m = row_group<S, true, CE_THREADS>(m, gs, smem);
        for (int64_t i = lane; i < len; i += gs) s += row_exp((S)row_load(xr[i]) - m);
        s = row_group<S, false, CE_THREADS>(s, gs, smem);
        if (active && lane == 0) ce_row_done(a, row, m, row_log(s), xr, 1);
    }
}

/* S > 1: a thread per row, its C values S apart */
template <typename T, typename S>
__global__ void __launch_bounds__(CE_THREADS) ce_columns(CeArgs<T, S> a)
{
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < a.rows;
         r += (int64_t)gridDim.x * blockDim.x) {
        const int64_t n = r / a.spatial;
        const T *xr = a.x + n * a.C * a.spatial + (r - n * a.spatial);
        S m = -INFINITY, s = 0;
        for (int64_t c = 0; c < a.C; c++) m = row_max(m, (S)row_load(xr[c * a.spatial]));
        for (int64_t c = 0; c < a.C; c++) s += row_exp((S)row_load(xr[c * a.spatial]) - m);
        ce_row_done(a, r, m, row_log(s), xr, a.spatial);
    }
}

/* the first unreported bad target, in mapped host memory: value is written before set */
struct CeError {
    unsigned long long set, value;
};

struct CeErrorWord {
    CeError *host, *device;      /* one allocation (the same address under UVA) */
};

/* the word's host address once it exists (the checks never allocate it) */
static std::atomic<CeError *> ce_error_host{nullptr};

/* allocated at the first forward (a context exists then), never freed; NULLs when the
   memory cannot be mapped */
static CeErrorWord ce_error_word(void)
{
    static const CeErrorWord word = [] {
        CeErrorWord w = {nullptr, nullptr};
        void *h = nullptr, *d = nullptr;
        if (cudaHostAlloc(&h, sizeof(CeError), cudaHostAllocMapped | cudaHostAllocPortable)
                != cudaSuccess) {
            cudaGetLastError();
            return w;
        }
        /* with unified addressing (every 64-bit process) kernels on any device use the
           host address itself */
        int device = 0, uva = 0;
        if (cudaGetDevice(&device) == cudaSuccess &&
            cudaDeviceGetAttribute(&uva, cudaDevAttrUnifiedAddressing, device) == cudaSuccess &&
            uva)
            d = h;
        else if (cudaHostGetDevicePointer(&d, h, 0) != cudaSuccess)
            d = nullptr;
        if (d == nullptr) {
            cudaGetLastError();
            cudaFreeHost(h);
            return w;
        }
        w.host = (CeError *)h;
        w.device = (CeError *)d;
        w.host->set = 0;
        w.host->value = 0;
        ce_error_host.store(w.host);
        return w;
    }();
    return word;
}

/* after the forward, on its stream: the call's first bad target into the word, unless
   an earlier one waits there to be reported */
__global__ void ce_note_bad(const unsigned long long *bad_row, const int64_t *target,
                            CeError *err)
{
    const unsigned long long r = *bad_row;
    volatile CeError *e = err;
    if (r == CE_NO_BAD_ROW || e->set) return;
    e->value = (unsigned long long)target[r];
    __threadfence_system();
    e->set = 1;
}

/* PYT_CUDA_ERR_INDEX and *bad_value when a bad target waits in the word (taking it:
   reported once), else 0. Reads host memory only. */
static int ce_take_error(int64_t *bad_value)
{
    CeError *e = ce_error_host.load();
    if (e == nullptr || __atomic_load_n(&e->set, __ATOMIC_ACQUIRE) == 0) return 0;
    const int64_t value = (int64_t)__atomic_load_n(&e->value, __ATOMIC_ACQUIRE);
    __atomic_store_n(&e->set, 0ull, __ATOMIC_RELEASE);
    if (bad_value) *bad_value = value;
    return PYT_CUDA_ERR_INDEX;
}

/* mean / sum: one block adds the rows' losses and weights (in double, in a fixed order:
   the same result every run) */
template <typename T, typename S>
__global__ void __launch_bounds__(CE_THREADS) ce_total(const S *loss, const S *wrow,
                                                       int64_t rows, int mean, T *out,
                                                       S *total_w)
{
    __shared__ double sl[CE_THREADS], sw[CE_THREADS];
    double l = 0, w = 0;
    for (int64_t r = threadIdx.x; r < rows; r += CE_THREADS) {
        l += (double)loss[r];
        w += (double)wrow[r];
    }
    sl[threadIdx.x] = l;
    sw[threadIdx.x] = w;
    __syncthreads();
    for (int h = CE_THREADS / 2; h > 0; h /= 2) {
        if (threadIdx.x < h) {
            sl[threadIdx.x] += sl[threadIdx.x + h];
            sw[threadIdx.x] += sw[threadIdx.x + h];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        /* as the CPU: the sums in the compute dtype, then their quotient */
        const S sum_l = (S)sl[0], sum_w = (S)sw[0];
        *total_w = sum_w;
        out[0] = row_store<T>(mean ? sum_l / sum_w : sum_l);
    }
}

/* gx[n, c, s] = (exp(logp) - (c == t)) * coefficient of row r: w[t] * grad[r] (none),
   w[t] * grad (sum), w[t] * (grad / total_w) (mean); 0 on ignored rows */
template <typename T, typename S>
__global__ void __launch_bounds__(CE_THREADS) ce_grad(
        const T *x, const int64_t *target, const S *weight, const S *stats, const S *total_w,
        const T *grad, T *gx, int64_t N, int64_t C, int64_t Sp, int64_t ignore_index,
        int reduction)
{
    const int64_t total = N * C * Sp, plane = C * Sp;
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t n = e / plane, rem = e - n * plane;
        const int64_t c = rem / Sp, s = rem - c * Sp;
        const int64_t r = n * Sp + s;
        const int64_t t = target[r];
        if (t == ignore_index || t < 0 || t >= C) {   /* out of range: never after a forward */
            gx[e] = row_store<T>((S)0);
            continue;
        }
        S g = (S)row_load(grad[reduction == 0 ? r : 0]);
        if (reduction == 1) g = g / total_w[0];
        const S coef = (weight != nullptr ? weight[t] : (S)1) * g;
        const S p = row_exp(((S)row_load(x[e]) - stats[2 * r]) - stats[2 * r + 1]);
        gx[e] = row_store<T>((p - (c == t ? (S)1 : (S)0)) * coef);
    }
}

template <typename T, typename S>
static int ce_forward(int reduction, const void *x, const int64_t *target, const void *weight,
                      int64_t N, int64_t C, int64_t Sp, int64_t ignore_index, void *out,
                      void *stats, void *total_w, int64_t *bad_value)
{
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    const CeErrorWord word = ce_error_word();
    CeArgs<T, S> a;
    a.x = (const T *)x;
    a.target = target;
    a.weight = (const S *)weight;
    a.rows = N * Sp;
    a.C = C;
    a.spatial = Sp;
    a.ignore_index = ignore_index;
    a.reduction = reduction;
    a.out = (T *)out;
    a.stats = (S *)stats;
    a.loss = a.wrow = nullptr;
    a.bad_row = nullptr;
    int err = pyt_cuda_malloc((void **)&a.bad_row, sizeof(unsigned long long));
    if (err) return err;
    if (reduction != 0) {
        err = pyt_cuda_malloc((void **)&a.loss, 2 * a.rows * sizeof(S));
        if (err) {
            pyt_cuda_free(a.bad_row);
            return err;
        }
        a.wrow = a.loss + a.rows;
    }
    err = pyt_cuda_memset(a.bad_row, 0xff, sizeof(unsigned long long));   /* no bad row */
    if (!err) {
        if (Sp == 1) {
            const int gs = C <= 1024 ? 32 : CE_THREADS;
            int64_t blocks = (a.rows + CE_THREADS / gs - 1) / (CE_THREADS / gs);
            if (blocks > (1 << 20)) blocks = 1 << 20;
            ce_rows<T, S><<<(unsigned)blocks, CE_THREADS, 0, stream>>>(a, gs);
        } else {
            ce_columns<T, S><<<pyt_blocks_for(a.rows), CE_THREADS, 0, stream>>>(a);
        }
        err = pyt_launch_error();
    }
    if (!err && reduction != 0) {
        ce_total<T, S><<<1, CE_THREADS, 0, stream>>>(a.loss, a.wrow, a.rows, reduction == 1,
                                                     (T *)out, (S *)total_w);
        err = pyt_launch_error();
    }
    if (!err && word.device != nullptr) {          /* noted on the device: no waiting */
        ce_note_bad<<<1, 1, 0, stream>>>(a.bad_row, target, word.device);
        err = pyt_launch_error();
    }
    unsigned long long first = CE_NO_BAD_ROW;
    if (!err && word.device == nullptr)
        err = pyt_cuda_memcpy(&first, a.bad_row, sizeof(first), PYT_CUDA_D2H, 0);
    if (!err && first != CE_NO_BAD_ROW) {
        int64_t t = 0;
        err = pyt_cuda_memcpy(&t, target + first, sizeof(t), PYT_CUDA_D2H, 0);
        if (!err) {
            *bad_value = t;
            err = PYT_CUDA_ERR_INDEX;
        }
    }
    pyt_cuda_free(a.loss);
    pyt_cuda_free(a.bad_row);
    return err;
}

extern "C" int pyt_cuda_cross_entropy(int dtype, int reduction, const void *x,
                                      const int64_t *target, const void *weight, int64_t N,
                                      int64_t C, int64_t S, int64_t ignore_index, void *out,
                                      void *stats, void *total_w, int64_t *bad_value)
{
    if (N < 0 || C < 1 || S < 1 || reduction < 0 || reduction > 2 || stats == nullptr ||
        (reduction != 0 && total_w == nullptr))
        return PYT_CUDA_ERR_INVALID;
    if (dtype != PYT_FLOAT16 && dtype != PYT_BFLOAT16 && dtype != PYT_FLOAT32 &&
        dtype != PYT_FLOAT64)
        return PYT_CUDA_ERR_UNSUPPORTED;
    const int earlier = ce_take_error(bad_value);   /* a bad target of an earlier call */
    if (earlier) return earlier;
    if (N == 0) return 0;
    switch (dtype) {
    case PYT_FLOAT16: return ce_forward<RowHalf, float>(reduction, x, target, weight, N, C, S,
                                                       ignore_index, out, stats, total_w, bad_value);
    case PYT_BFLOAT16: return ce_forward<RowBF16, float>(reduction, x, target, weight, N, C, S,
                                                        ignore_index, out, stats, total_w, bad_value);
    case PYT_FLOAT32: return ce_forward<float, float>(reduction, x, target, weight, N, C, S,
                                                      ignore_index, out, stats, total_w, bad_value);
    case PYT_FLOAT64: return ce_forward<double, double>(reduction, x, target, weight, N, C, S,
                                                        ignore_index, out, stats, total_w, bad_value);
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
}

template <typename T, typename S>
static int ce_backward(int reduction, const void *x, const int64_t *target, const void *weight,
                       const void *stats, const void *total_w, const void *grad, void *gx,
                       int64_t N, int64_t C, int64_t Sp, int64_t ignore_index)
{
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    ce_grad<T, S><<<pyt_blocks_for(N * C * Sp), CE_THREADS, 0, stream>>>(
        (const T *)x, target, (const S *)weight, (const S *)stats, (const S *)total_w,
        (const T *)grad, (T *)gx, N, C, Sp, ignore_index, reduction);
    return pyt_launch_error();
}

extern "C" int pyt_cuda_cross_entropy_backward(int dtype, int reduction, const void *x,
                                               const int64_t *target, const void *weight,
                                               const void *stats, const void *total_w,
                                               const void *grad, void *gx, int64_t N,
                                               int64_t C, int64_t S, int64_t ignore_index)
{
    if (N < 0 || C < 1 || S < 1 || reduction < 0 || reduction > 2 ||
        (reduction == 1 && total_w == nullptr))
        return PYT_CUDA_ERR_INVALID;
    if (N == 0) return 0;
    switch (dtype) {
    case PYT_FLOAT16: return ce_backward<RowHalf, float>(reduction, x, target, weight, stats,
                                                        total_w, grad, gx, N, C, S, ignore_index);
    case PYT_BFLOAT16: return ce_backward<RowBF16, float>(reduction, x, target, weight, stats,
                                                         total_w, grad, gx, N, C, S, ignore_index);
    case PYT_FLOAT32: return ce_backward<float, float>(reduction, x, target, weight, stats,
                                                       total_w, grad, gx, N, C, S, ignore_index);
    case PYT_FLOAT64: return ce_backward<double, double>(reduction, x, target, weight, stats,
                                                         total_w, grad, gx, N, C, S, ignore_index);
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
}

extern "C" int pyt_cuda_cross_entropy_error(int64_t *bad_value)
{
    return ce_take_error(bad_value);
}
