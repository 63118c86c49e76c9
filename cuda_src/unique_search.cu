/* unique / unique_consecutive, bincount, histc, searchsorted and mode on the GPU, with
   the CPU's answers (reductions.pyx, pyt_sort.h). The element functions are in
   unique_search.cuh (host-checked by tests/cuda_host).

   unique works on rows (L elements each; L = 1 for the flat case), in an order perm:
     sort_rows   a bottom-up stable merge sort of the row numbers, each pass one thread
                 per row that finds its place in the merged run by a binary search (the
                 flat sorted case sorts with pyt_cuda_rowop instead: CUB's radix sort);
     runs        flag the positions that start a new run, CUB's inclusive sum gives each
                 position its run number, and the last one (copied to the host) the
                 number of runs, which sizes the outputs;
     emit        the first row of each run, the run lengths, the inverse indices.
   bincount / histc: one thread per value, atomicAdd into zeroed bins (int64 counts via
   unsigned long long, float64 sums). minmax: order-preserving keys reduced with 64-bit
   atomicMin / atomicMax (for bincount's length and check, histc's range, sorter checks).
   searchsorted: one thread per value, a binary search. mode: one thread per row walks
   the row sorted by pyt_cuda_rowop. */
#include <cuda_runtime.h>
#include <stdint.h>
#include <limits.h>
#include <cub/device/device_scan.cuh>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include "iter.cuh"
#include "unique_search.cuh"

#define US_LOOP(i, n)                                                                  \
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n);         \
         i += (int64_t)gridDim.x * blockDim.x)

namespace {

UsRows us_rows(int code, const void *rows, int64_t L)
{
    UsRows r;
    r.code = code;
    r.itemsize = pyt_cu_itemsize(code);
    r.data = (const char *)rows;
    r.L = L;
    return r;
}

__device__ __forceinline__ void us_copy_item(char *dst, const char *src, int itemsize)
{
    switch (itemsize) {
    case 1: *(uint8_t *)dst = *(const uint8_t *)src; break;
    case 2: *(uint16_t *)dst = *(const uint16_t *)src; break;
    case 4: *(uint32_t *)dst = *(const uint32_t *)src; break;
    default: *(uint64_t *)dst = *(const uint64_t *)src; break;
    }
}

__global__ void us_iota_kernel(int64_t *p, int64_t n)
{
    US_LOOP(i, n) p[i] = i;
}

__global__ void us_merge_kernel(UsRows rows, const int64_t *src, int64_t *dst, int64_t n,
                                int64_t w)
{
    US_LOOP(i, n) dst[us_merge_dest(rows, src, n, w, i)] = src[i];
}

__global__ void us_flag_kernel(UsRows rows, const int64_t *perm, int64_t *flags, int64_t n)
{
    US_LOOP(r, n) flags[r] = us_run_flag(rows, perm, r);
}

/* starts[run] = the position where each run starts; inverse[perm[r]] = run_of[r] */
__global__ void us_starts_kernel(const int64_t *perm, const int64_t *run_of, int64_t n,
                                 int64_t *starts, int64_t *inverse)
{
    US_LOOP(r, n) {
        int64_t run = run_of[r];
        if (r == 0 || run != run_of[r - 1]) starts[run] = r;
        if (inverse) inverse[perm ? perm[r] : r] = run;
    }
}

__global__ void us_counts_kernel(const int64_t *starts, int64_t runs, int64_t n,
                                 int64_t *counts)
{
    US_LOOP(run, runs) counts[run] = (run + 1 < runs ? starts[run + 1] : n) - starts[run];
}

/* values[run, j] = rows[perm[starts[run]], j] */
__global__ void us_values_kernel(UsRows rows, const int64_t *perm, const int64_t *starts,
                                 int64_t runs, char *values)
{
    US_LOOP(e, runs * rows.L) {
        int64_t run = e / rows.L, j = e - run * rows.L, s = starts[run];
        int64_t row = perm ? perm[s] : s;
        us_copy_item(values + e * rows.itemsize,
                     rows.data + (row * rows.L + j) * rows.itemsize, rows.itemsize);
    }
}

/* lo_hi[0] = atomicMin, lo_hi[1] = atomicMax of the keys (a warp reduces first) */
__global__ void us_minmax_kernel(int code, const char *data, int64_t n,
                                 unsigned long long *lo_hi)
{
    int size = pyt_cu_itemsize(code);
    unsigned long long lo = ~0ull, hi = 0;
    US_LOOP(i, n) {
        unsigned long long k = pyt_sort_key(code, data + i * size);
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    for (int off = 16; off > 0; off >>= 1) {
        unsigned long long a = __shfl_down_sync(0xffffffffu, lo, off);
        unsigned long long b = __shfl_down_sync(0xffffffffu, hi, off);
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    if ((threadIdx.x & 31) == 0) {
        atomicMin(&lo_hi[0], lo);
        atomicMax(&lo_hi[1], hi);
    }
}

__global__ void us_bincount_kernel(const int64_t *v, int64_t n, const double *w, void *out,
                                   int64_t length)
{
    US_LOOP(i, n) {
        int64_t b = v[i];
        if (b < 0 || b >= length) continue;          /* checked by the caller: never here */
        if (w) atomicAdd((double *)out + b, w[i]);
        else atomicAdd((unsigned long long *)out + b, 1ull);
    }
}

__global__ void us_histc_kernel(int code, const double *x, int64_t n, double lo, double hi,
                                int64_t nbins, int64_t *counts)
{
    US_LOOP(i, n) {
        int64_t b = us_hist_bin(code, x[i], lo, hi, nbins);
        if (b >= 0) atomicAdd((unsigned long long *)counts + b, 1ull);
    }
}

template <typename T>
__global__ void us_search_kernel(int code, const char *seq, const int64_t *sorter, int64_t n,
                                 const char *vals, int64_t m, int64_t rows, int right,
                                 int64_t *out)
{
    int64_t size = pyt_cu_itemsize(code);
    US_LOOP(e, rows * m) {
        int64_t r = e / m;
        T v = us_load<T>(code, vals + e * size);
        out[e] = us_search<T>(code, seq + r * n * size, n, sorter ? sorter + r * n : nullptr,
                              v, right);
    }
}

struct UsSortedKeys {
    int code, itemsize;
    const char *p;             /* the row's first sorted value */
    int64_t stride;            /* elements between consecutive ones */
    PYT_HD_MEMBER uint64_t operator()(int64_t i) const
    {
        return pyt_sort_key(code, p + i * stride * itemsize);
    }
};

__global__ void us_mode_kernel(int code, int64_t A, int64_t n, int64_t B, const char *sv,
                               const int64_t *si, char *vals, int64_t *idx)
{
    int size = pyt_cu_itemsize(code);
    US_LOOP(row, A * B) {
        int64_t a = row / B, b = row - a * B, first = a * n * B + b;
        UsSortedKeys keys;
        keys.code = code;
        keys.itemsize = size;
        keys.p = sv + first * size;
        keys.stride = B;
        int64_t at = first + us_mode_pick(n, us_nan_key(code), keys) * B;
        us_copy_item(vals + row * size, sv + at * size, size);
        idx[row] = si[at];
    }
}

bool us_code_ok(int code) { return code >= 0 && code < PYT_NUM_DTYPES; }

}  // namespace

extern "C" int pyt_cuda_sort_rows(int code, const void *rows, int64_t n, int64_t L,
                                  int64_t *perm)
{
    if (!us_code_ok(code) || n < 0 || L < 0) return PYT_CUDA_ERR_INVALID;
    if (n == 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    UsRows r = us_rows(code, rows, L);
    int64_t *tmp = nullptr, *src = perm, *dst;
    int rc = pyt_cuda_malloc((void **)&tmp, n * sizeof(int64_t));
    if (rc) return rc;
    dst = tmp;
    us_iota_kernel<<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, stream>>>(perm, n);
    rc = pyt_launch_error();
    for (int64_t w = 1; w < n && !rc; w *= 2) {
        us_merge_kernel<<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, stream>>>(r, src, dst, n, w);
        rc = pyt_launch_error();
        int64_t *t = src; src = dst; dst = t;
    }
    if (!rc && src != perm)
        rc = (int)cudaMemcpyAsync(perm, src, n * sizeof(int64_t), cudaMemcpyDeviceToDevice,
                                  stream);
    pyt_cuda_free(tmp);
    return rc;
}

extern "C" int pyt_cuda_unique_runs(int code, const void *rows, const int64_t *perm,
                                    int64_t n, int64_t L, int64_t *run_of, int64_t *num_runs)
{
    *num_runs = 0;
    if (!us_code_ok(code) || n < 0 || L < 0) return PYT_CUDA_ERR_INVALID;
    if (n == 0) return 0;
    if (n > INT_MAX) return PYT_CUDA_ERR_UNSUPPORTED;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    int64_t *flags = nullptr, last = 0;
    void *tmp = nullptr;
    size_t tmp_bytes = 0;
    int rc = (int)cub::DeviceScan::InclusiveSum(tmp, tmp_bytes, flags, run_of, (int)n, stream);
    if (rc) return rc;
    if ((rc = pyt_cuda_malloc((void **)&flags, n * sizeof(int64_t))) ||
        (rc = pyt_cuda_malloc(&tmp, tmp_bytes > 0 ? tmp_bytes : 1)))
        goto done;
    us_flag_kernel<<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, stream>>>(
        us_rows(code, rows, L), perm, flags, n);
    if ((rc = pyt_launch_error())) goto done;
    if ((rc = (int)cub::DeviceScan::InclusiveSum(tmp, tmp_bytes, flags, run_of, (int)n,
                                                 stream)))
        goto done;
    if ((rc = (int)cudaMemcpyAsync(&last, run_of + n - 1, sizeof(int64_t),
                                   cudaMemcpyDeviceToHost, stream)))
        goto done;
    if ((rc = (int)cudaStreamSynchronize(stream))) goto done;
    *num_runs = last + 1;
done:
    pyt_cuda_free(flags);
    pyt_cuda_free(tmp);
    return rc;
}

extern "C" int pyt_cuda_unique_emit(int code, const void *rows, const int64_t *perm,
                                    int64_t n, int64_t L, const int64_t *run_of,
                                    int64_t num_runs, void *values, int64_t *counts,
                                    int64_t *inverse)
{
    if (!us_code_ok(code) || n < 0 || L < 0 || num_runs < 0 || num_runs > n)
        return PYT_CUDA_ERR_INVALID;
    if (n == 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    UsRows r = us_rows(code, rows, L);
    int64_t *starts = nullptr;
    int rc = pyt_cuda_malloc((void **)&starts, num_runs * sizeof(int64_t));
    if (rc) return rc;
    us_starts_kernel<<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, stream>>>(perm, run_of, n,
                                                                       starts, inverse);
    if ((rc = pyt_launch_error())) goto done;
    if (counts) {
        us_counts_kernel<<<pyt_blocks_for(num_runs), PYT_CUDA_THREADS, 0, stream>>>(
            starts, num_runs, n, counts);
        if ((rc = pyt_launch_error())) goto done;
    }
    if (values && num_runs * L > 0) {
        us_values_kernel<<<pyt_blocks_for(num_runs * L), PYT_CUDA_THREADS, 0, stream>>>(
            r, perm, starts, num_runs, (char *)values);
        rc = pyt_launch_error();
    }
done:
    pyt_cuda_free(starts);
    return rc;
}

extern "C" int pyt_cuda_minmax(int code, const void *data, int64_t n, void *lo_hi)
{
    if ((code != PYT_INT64 && code != PYT_FLOAT64) || n <= 0) return PYT_CUDA_ERR_INVALID;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    unsigned long long *dev = nullptr, keys[2];
    int rc = pyt_cuda_malloc((void **)&dev, 2 * sizeof(unsigned long long));
    if (rc) return rc;
    if ((rc = (int)cudaMemsetAsync(dev, 0xff, sizeof(unsigned long long), stream)) ||
        (rc = (int)cudaMemsetAsync(dev + 1, 0, sizeof(unsigned long long), stream)))
        goto done;
    us_minmax_kernel<<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, stream>>>(
        code, (const char *)data, n, dev);
    if ((rc = pyt_launch_error())) goto done;
    if ((rc = (int)cudaMemcpyAsync(keys, dev, sizeof(keys), cudaMemcpyDeviceToHost, stream)) ||
        (rc = (int)cudaStreamSynchronize(stream)))
        goto done;
    for (int k = 0; k < 2; k++) {
        uint64_t u = us_bits_of_key(code, keys[k]);
        memcpy((char *)lo_hi + 8 * k, &u, 8);
    }
done:
    pyt_cuda_free(dev);
    return rc;
}

extern "C" int pyt_cuda_bincount(const int64_t *v, int64_t n, const double *weights,
                                 void *out, int64_t length)
{
    if (n < 0 || length < 0) return PYT_CUDA_ERR_INVALID;
    if (n == 0 || length == 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    us_bincount_kernel<<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, stream>>>(v, n, weights,
                                                                         out, length);
    return pyt_launch_error();
}

extern "C" int pyt_cuda_histc(int code, const double *x, int64_t n, double lo, double hi,
                              int64_t nbins, int64_t *counts)
{
    if (n < 0 || nbins <= 0) return PYT_CUDA_ERR_INVALID;
    if (n == 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    us_histc_kernel<<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0, stream>>>(code, x, n, lo, hi,
                                                                      nbins, counts);
    return pyt_launch_error();
}

extern "C" int pyt_cuda_searchsorted(int code, const void *seq, const int64_t *sorter,
                                     int64_t n, const void *vals, int64_t m, int64_t rows,
                                     int right, int64_t *out)
{
    if (!us_code_ok(code) || n < 0 || m < 0 || rows < 0) return PYT_CUDA_ERR_INVALID;
    int64_t total = rows * m;
    if (total == 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    const char *s = (const char *)seq, *v = (const char *)vals;
    unsigned blocks = pyt_blocks_for(total);
    switch (code) {
    case PYT_INT64:
        us_search_kernel<int64_t><<<blocks, PYT_CUDA_THREADS, 0, stream>>>(
            code, s, sorter, n, v, m, rows, right, out);
        break;
    case PYT_FLOAT16: case PYT_BFLOAT16: case PYT_FLOAT32:
        us_search_kernel<float><<<blocks, PYT_CUDA_THREADS, 0, stream>>>(
            code, s, sorter, n, v, m, rows, right, out);
        break;
    case PYT_FLOAT64:
        us_search_kernel<double><<<blocks, PYT_CUDA_THREADS, 0, stream>>>(
            code, s, sorter, n, v, m, rows, right, out);
        break;
    default:                                      /* bool .. int32 compare as int */
        us_search_kernel<int32_t><<<blocks, PYT_CUDA_THREADS, 0, stream>>>(
            code, s, sorter, n, v, m, rows, right, out);
        break;
    }
    return pyt_launch_error();
}

extern "C" int pyt_cuda_mode(int code, int64_t A, int64_t n, int64_t B,
                             const void *sorted_vals, const int64_t *sorted_idx, void *vals,
                             int64_t *idx)
{
    if (!us_code_ok(code)) return PYT_CUDA_ERR_INVALID;
    if (A <= 0 || n <= 0 || B <= 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    us_mode_kernel<<<pyt_blocks_for(A * B), PYT_CUDA_THREADS, 0, stream>>>(
        code, A, n, B, (const char *)sorted_vals, sorted_idx, (char *)vals, idx);
    return pyt_launch_error();
}
