/* pyt_cuda_rowop: pyt_sort.h's row ops (sort, topk, kthvalue, median, nanmedian) on the
   GPU, with the CPU's exact answers.

   As on the CPU, every value maps to an unsigned 64-bit key whose integer order is
   torch's order (-0.0 and 0.0 share a key, NaN has the largest, a descending sort
   inverts the keys), and (key, original index) pairs are sorted: sorting by the pair
   is the stable sort, so every op picks the same element the CPU picks:
     sort / topk: the first kout pairs; kthvalue: pair k; median: the first NaN when the
     row has one, else pair (n-1)/2; nanmedian: pair (m-1)/2 of the m non-NaN values.
   Rows of up to SORT_SMALL elements: one block per row, a bitonic sort of the pairs in
   shared memory (compared as pairs, so ties keep index order). Longer rows: keys and
   indices laid out row by row in temporaries, CUB's segmented radix sort (stable, on the
   dtype's key bits only: one instantiation, uint64 keys with int64 values), then a
   kernel that picks the outputs. */
#include <cuda_runtime.h>
#include <stdint.h>
#include <limits.h>
#include <cub/device/device_segmented_radix_sort.cuh>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include "iter.cuh"
#include "sort_key.cuh"

namespace {

/* pyt_sort.h's row kinds */
enum { ROW_SORT = 0, ROW_TOPK = 1, ROW_KTH = 2, ROW_MEDIAN = 3, ROW_NANMEDIAN = 4 };

#define SORT_SMALL 2048

__device__ __forceinline__ void copy_item(char *dst, const char *src, int itemsize)
{
    switch (itemsize) {
    case 1: *(uint8_t *)dst = *(const uint8_t *)src; break;
    case 2: *(uint16_t *)dst = *(const uint16_t *)src; break;
    case 4: *(uint32_t *)dst = *(const uint32_t *)src; break;
    default: *(uint64_t *)dst = *(const uint64_t *)src; break;
    }
}

struct RowArgs {
    int kind, code, itemsize;
    uint64_t flip, nan_key;       /* flip: ~0 for a descending sort; nan_key: 0 if none */
    int has_nan;
    int64_t A, n, B, kout, k;
    const char *in;
    char *vals;
    int64_t *idx;
};

/* the sorted position output p takes, m = the number of non-NaN values of the row */
__device__ __forceinline__ int64_t out_pos(const RowArgs &r, int64_t p, int64_t m)
{
    switch (r.kind) {
    case ROW_KTH: return r.k;
    case ROW_MEDIAN: return m < r.n ? m : (r.n - 1) / 2;
    case ROW_NANMEDIAN: return m > 0 ? (m - 1) / 2 : 0;
    default: return p;
    }
}

__device__ __forceinline__ void emit(const RowArgs &r, int64_t a, int64_t b, int64_t p,
                                     int64_t src)
{
    int64_t at = (a * r.kout + p) * r.B + b;
    copy_item(r.vals + at * r.itemsize, r.in + ((a * r.n + src) * r.B + b) * r.itemsize,
              r.itemsize);
    r.idx[at] = src;
}

/* one block per row: bitonic sort of P (a power of two >= n) pairs in shared memory */
__global__ void __launch_bounds__(1024) row_small_kernel(RowArgs r, int P)
{
    extern __shared__ uint64_t smem[];
    uint64_t *key = smem;
    int64_t *ix = (int64_t *)(smem + P);
    __shared__ int64_t m_sh;
    int64_t rows = r.A * r.B;
    for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
        int64_t a = row / r.B, b = row - a * r.B;
        for (int i = threadIdx.x; i < P; i += blockDim.x) {
            if (i < r.n) {
                key[i] = pyt_sort_key(r.code, r.in + ((a * r.n + i) * r.B + b) * r.itemsize) ^ r.flip;
                ix[i] = i;
            } else {
                key[i] = ~(uint64_t)0;
                ix[i] = INT64_MAX;
            }
        }
        if (threadIdx.x == 0) m_sh = r.n;
        __syncthreads();
        for (int k = 2; k <= P; k <<= 1) {
            for (int j = k >> 1; j > 0; j >>= 1) {
                for (int t = threadIdx.x; t < P / 2; t += blockDim.x) {
                    int i = 2 * t - (t & (j - 1)), l = i + j;
                    bool up = (i & k) == 0;
                    uint64_t ki = key[i], kl = key[l];
                    int64_t xi = ix[i], xl = ix[l];
                    bool l_less = kl < ki || (kl == ki && xl < xi);
                    if (l_less == up) { key[i] = kl; key[l] = ki; ix[i] = xl; ix[l] = xi; }
                }
                __syncthreads();
            }
        }
        if (r.has_nan)        /* the first NaN: where the non-NaN values end */
            for (int i = threadIdx.x; i < r.n; i += blockDim.x)
                if (key[i] == r.nan_key && (i == 0 || key[i - 1] != r.nan_key)) m_sh = i;
        __syncthreads();
        int64_t m = m_sh;
        for (int64_t p = threadIdx.x; p < r.kout; p += blockDim.x)
            emit(r, a, b, p, ix[out_pos(r, p, m)]);
        __syncthreads();      /* smem is rewritten by the next row */
    }
}

/* long rows: keys and indices row by row (row = a * B + b) */
__global__ void row_keys_kernel(RowArgs r, uint64_t *keys, int64_t *ix, int *offsets)
{
    int64_t total = r.A * r.B * r.n, rows = r.A * r.B;
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        int64_t row = e / r.n, i = e - row * r.n, a = row / r.B, b = row - a * r.B;
        keys[e] = pyt_sort_key(r.code, r.in + ((a * r.n + i) * r.B + b) * r.itemsize) ^ r.flip;
        ix[e] = i;
        if (i == 0) offsets[row] = (int)e;
        if (e == total - 1) offsets[rows] = (int)total;
    }
}

__global__ void row_pick_kernel(RowArgs r, const uint64_t *keys, const int64_t *ix)
{
    int64_t total = r.A * r.B * r.kout;
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        int64_t row = e / r.kout, p = e - row * r.kout, a = row / r.B, b = row - a * r.B;
        const uint64_t *k = keys + row * r.n;
        int64_t m = r.n;
        if (r.has_nan && (r.kind == ROW_MEDIAN || r.kind == ROW_NANMEDIAN)) {
            int64_t lo = 0, hi = r.n;          /* the first NaN key (the largest key) */
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                if (k[mid] < r.nan_key) lo = mid + 1; else hi = mid;
            }
            m = lo;
        }
        emit(r, a, b, p, ix[row * r.n + out_pos(r, p, m)]);
    }
}

int row_large(const RowArgs &r, cudaStream_t stream)
{
    int64_t rows = r.A * r.B, total = rows * r.n;
    if (total > INT_MAX) return PYT_CUDA_ERR_UNSUPPORTED;
    uint64_t *k0 = nullptr, *k1 = nullptr;
    int64_t *i0 = nullptr, *i1 = nullptr;
    int *offsets = nullptr;
    void *tmp = nullptr;
    size_t tmp_bytes = 0;
    int rc;
    cub::DoubleBuffer<uint64_t> dk(nullptr, nullptr);
    cub::DoubleBuffer<int64_t> dv(nullptr, nullptr);
    int end_bit = 8 * r.itemsize;
    rc = (int)cub::DeviceSegmentedRadixSort::SortPairs(
        tmp, tmp_bytes, dk, dv, (int)total, (int)rows, offsets, offsets + 1, 0, end_bit,
        stream);
    if (rc) return rc;
    if ((rc = pyt_cuda_malloc((void **)&k0, total * sizeof(uint64_t))) ||
        (rc = pyt_cuda_malloc((void **)&k1, total * sizeof(uint64_t))) ||
        (rc = pyt_cuda_malloc((void **)&i0, total * sizeof(int64_t))) ||
        (rc = pyt_cuda_malloc((void **)&i1, total * sizeof(int64_t))) ||
        (rc = pyt_cuda_malloc((void **)&offsets, (rows + 1) * sizeof(int))) ||
        (rc = pyt_cuda_malloc(&tmp, tmp_bytes > 0 ? tmp_bytes : 1)))
        goto done;
    row_keys_kernel<<<pyt_blocks_for(total), PYT_CUDA_THREADS, 0, stream>>>(r, k0, i0,
                                                                          offsets);
    if ((rc = pyt_launch_error())) goto done;
    {
        cub::DoubleBuffer<uint64_t> keys(k0, k1);
        cub::DoubleBuffer<int64_t> vals(i0, i1);
        rc = (int)cub::DeviceSegmentedRadixSort::SortPairs(
            tmp, tmp_bytes, keys, vals, (int)total, (int)rows, offsets, offsets + 1, 0,
            end_bit, stream);
        if (rc) goto done;
        row_pick_kernel<<<pyt_blocks_for(rows * r.kout), PYT_CUDA_THREADS, 0, stream>>>(
            r, keys.Current(), vals.Current());
        rc = pyt_launch_error();
    }
done:
    pyt_cuda_free(k0); pyt_cuda_free(k1); pyt_cuda_free(i0); pyt_cuda_free(i1);
    pyt_cuda_free(offsets); pyt_cuda_free(tmp);
    return rc;
}

}  // namespace

extern "C" int pyt_cuda_rowop(int kind, int code, int descending, int64_t A, int64_t n,
                              int64_t B, int64_t kout, int64_t k, const void *in,
                              void *vals, int64_t *idx)
{
    static const uint64_t nan_keys[PYT_NUM_DTYPES] = {
        0, 0, 0, 0, 0, 0, 0xffffu, 0xffffu, 0xffffffffu, ~(uint64_t)0
    };
    static const int itemsizes[PYT_NUM_DTYPES] = { 1, 1, 1, 2, 4, 8, 2, 2, 4, 8 };
    if (kind < ROW_SORT || kind > ROW_NANMEDIAN) return PYT_CUDA_ERR_UNSUPPORTED;
    if (code < 0 || code >= PYT_NUM_DTYPES) return PYT_CUDA_ERR_UNSUPPORTED;
    if (A <= 0 || n <= 0 || B <= 0 || kout <= 0) return 0;
    if (kout > n || (kind == ROW_KTH && (k < 0 || k >= n))) return PYT_CUDA_ERR_INVALID;
    RowArgs r;
    r.kind = kind;
    r.code = code;
    r.itemsize = itemsizes[code];
    r.flip = ((kind == ROW_SORT || kind == ROW_TOPK) && descending) ? ~(uint64_t)0 : 0;
    r.nan_key = nan_keys[code];
    r.has_nan = code >= PYT_FLOAT16 && r.flip == 0;
    r.A = A; r.n = n; r.B = B; r.kout = kout; r.k = k;
    r.in = (const char *)in;
    r.vals = (char *)vals;
    r.idx = idx;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    if (n <= SORT_SMALL) {
        int P = 1;
        while (P < n) P <<= 1;
        if (P < 2) P = 2;
        int threads = P / 2 < 32 ? 32 : (P / 2 > 1024 ? 1024 : P / 2);
        int64_t rows = A * B;
        unsigned blocks = (unsigned)(rows < 65535 * 16 ? rows : 65535 * 16);
        row_small_kernel<<<blocks, threads, (size_t)P * 16, stream>>>(r, P);
        return pyt_launch_error();
    }
    return row_large(r, stream);
}
