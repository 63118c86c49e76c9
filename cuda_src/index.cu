/* The index kernels on the GPU: index_kernels.pyx's loops, element for element.

   Index -> offset passes check every index; a bad one raises a flag in a small device
   buffer (the smallest bad position, with atomicMin, so the index reported is the first
   in iteration order, as the CPU's serial rerun reports it), which the host reads back.
   Moves need only the element size; accumulation is atomic, so repeated offsets add up
   (in an unspecified order, as in torch's CUDA kernels). */
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include "pyt_cuda.h"
#include "iter.cuh"
#include "pyt_dtypes.h"
#include "index_atomics.cuh"

#define PYT_INDEX_MAX_DIMS 64          /* PYT_MAX_DIMS of the CPU side */

static inline cudaStream_t current_stream(void)
{
    return (cudaStream_t)pyt_cuda_current_stream();
}

#define GRID_STRIDE_LOOP(i, n) \
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (int64_t)blockDim.x * gridDim.x)

/* ---- index -> byte offset, validating every index ---------------------------------- */

#define NO_BAD_POSITION (~0ull)

__device__ __forceinline__ int64_t read_index(const pyt_cuda_iter &it, int64_t off, int itemsize)
{
    return itemsize == 8 ? pyt_load<int64_t>(it, 1, off) : (int64_t)pyt_load<int32_t>(it, 1, off);
}

__global__ void index_offsets_kernel(pyt_cuda_iter it, int64_t size, int64_t stride,
                                     int itemsize, int wrap, int add, unsigned long long *bad)
{
    const int64_t lo = wrap ? -size : 0;
    GRID_STRIDE_LOOP(i, it.numel) {
        int64_t off[2];
        pyt_offsets<2>(it, i, off);
        int64_t v = read_index(it, off[1], itemsize);
        if (v < lo || v >= size) {
            atomicMin(bad, (unsigned long long)i);
            continue;
        }
        if (v < 0) v += size;
        int64_t *out = (int64_t *)(it.base[0] + off[0]);
        *out = add ? *out + v * stride : v * stride;
    }
}

struct linear_shape {
    int ndim;
    int64_t numel;
    int64_t shape[PYT_INDEX_MAX_DIMS];
    int64_t strides[PYT_INDEX_MAX_DIMS];   /* bytes */
};

__global__ void linear_offsets_kernel(pyt_cuda_iter it, linear_shape t, unsigned long long *bad)
{
    GRID_STRIDE_LOOP(i, it.numel) {
        int64_t off[2];
        pyt_offsets<2>(it, i, off);
        int64_t v = pyt_load<int64_t>(it, 1, off[1]);
        if (v < -t.numel || v >= t.numel) {
            atomicMin(bad, (unsigned long long)i);
            continue;
        }
        int64_t rest = v < 0 ? v + t.numel : v, byte_offset = 0;
        for (int d = t.ndim - 1; d >= 0; d--) {          /* unravel in row-major order */
            byte_offset += (rest % t.shape[d]) * t.strides[d];
            rest /= t.shape[d];
        }
        *(int64_t *)(it.base[0] + off[0]) = byte_offset;
    }
}

/* bad[1] = the index at position bad[0], when one was bad */
__global__ void bad_value_kernel(pyt_cuda_iter it, int itemsize, unsigned long long *bad)
{
    if (bad[0] == NO_BAD_POSITION) return;
    int64_t off[2];
    pyt_offsets<2>(it, (int64_t)bad[0], off);
    bad[1] = (unsigned long long)read_index(it, off[1], itemsize);
}

/* Runs launch(bad) (which enqueues a validating kernel on s), then reads the flag back. */
template <typename Launch>
static int run_checked(const pyt_cuda_iter *it, int itemsize, int64_t *bad_value, Launch launch)
{
    cudaStream_t s = current_stream();
    unsigned long long *bad = nullptr, host[2];
    int err = pyt_cuda_malloc((void **)&bad, 2 * sizeof(unsigned long long));
    if (err) return err;
    err = (int)cudaMemsetAsync(bad, 0xff, 2 * sizeof(unsigned long long), s);
    if (!err) {
        launch(s, bad);
        err = pyt_launch_error();
    }
    if (!err) {
        bad_value_kernel<<<1, 1, 0, s>>>(*it, itemsize, bad);
        err = pyt_launch_error();
    }
    if (!err) err = (int)cudaMemcpyAsync(host, bad, sizeof host, cudaMemcpyDeviceToHost, s);
    if (!err) err = (int)cudaStreamSynchronize(s);
    pyt_cuda_free(bad);
    if (err) return err;
    if (host[0] != NO_BAD_POSITION) {
        if (bad_value) *bad_value = (int64_t)host[1];
        return PYT_CUDA_ERR_INDEX;
    }
    return 0;
}

extern "C" int pyt_cuda_index_offsets(const pyt_cuda_iter *it, int64_t size, int64_t stride,
                                      int index_itemsize, int wrap, int add,
                                      int64_t *bad_value)
{
    if (it->nops != 2 || (index_itemsize != 4 && index_itemsize != 8))
        return PYT_CUDA_ERR_INVALID;
    if (it->numel == 0) return 0;
    pyt_cuda_iter copy = *it;
    return run_checked(it, index_itemsize, bad_value,
                       [&](cudaStream_t s, unsigned long long *bad) {
        index_offsets_kernel<<<pyt_blocks_for(copy.numel), PYT_CUDA_THREADS, 0, s>>>(
            copy, size, stride, index_itemsize, wrap, add, bad);
    });
}

extern "C" int pyt_cuda_linear_offsets(const pyt_cuda_iter *it, int ndim, const int64_t *shape,
                                       const int64_t *strides, int64_t numel,
                                       int64_t *bad_value)
{
    if (it->nops != 2 || ndim < 0 || ndim > PYT_INDEX_MAX_DIMS) return PYT_CUDA_ERR_INVALID;
    if (it->numel == 0) return 0;
    linear_shape t;
    t.ndim = ndim;
    t.numel = numel;
    for (int d = 0; d < PYT_INDEX_MAX_DIMS; d++) {
        t.shape[d] = d < ndim ? shape[d] : 1;
        t.strides[d] = d < ndim ? strides[d] : 0;
    }
    pyt_cuda_iter copy = *it;
    return run_checked(it, 8, bad_value, [&](cudaStream_t s, unsigned long long *bad) {
        linear_offsets_kernel<<<pyt_blocks_for(copy.numel), PYT_CUDA_THREADS, 0, s>>>(
            copy, t, bad);
    });
}

/* ---- moves through offsets --------------------------------------------------------- */

template <typename W>
__global__ void gather_kernel(pyt_cuda_iter it)
{
    GRID_STRIDE_LOOP(i, it.numel) {
        int64_t off[3];
        pyt_offsets<3>(it, i, off);
        int64_t o = pyt_load<int64_t>(it, 2, off[2]);
        pyt_store<W>(it, 0, off[0], pyt_load<W>(it, 1, off[1] + o));
    }
}

template <typename W>
__global__ void scatter_kernel(pyt_cuda_iter it)
{
    GRID_STRIDE_LOOP(i, it.numel) {
        int64_t off[3];
        pyt_offsets<3>(it, i, off);
        int64_t o = pyt_load<int64_t>(it, 2, off[2]);
        pyt_store<W>(it, 0, off[0] + o, pyt_load<W>(it, 1, off[1]));
    }
}

template <template <typename> class Kernel>
static int launch_by_size(const pyt_cuda_iter *it, int itemsize)
{
    if (it->nops != 3) return PYT_CUDA_ERR_INVALID;
    if (it->numel == 0) return 0;
    unsigned blocks = pyt_blocks_for(it->numel);
    cudaStream_t s = current_stream();
    switch (itemsize) {
    case 1: Kernel<uint8_t>::launch(blocks, s, *it); break;
    case 2: Kernel<uint16_t>::launch(blocks, s, *it); break;
    case 4: Kernel<uint32_t>::launch(blocks, s, *it); break;
    case 8: Kernel<uint64_t>::launch(blocks, s, *it); break;
    default: return PYT_CUDA_ERR_INVALID;
    }
    return pyt_launch_error();
}

template <typename W> struct gather_launch {
    static void launch(unsigned b, cudaStream_t s, const pyt_cuda_iter &it)
    {
        gather_kernel<W><<<b, PYT_CUDA_THREADS, 0, s>>>(it);
    }
};
template <typename W> struct scatter_launch {
    static void launch(unsigned b, cudaStream_t s, const pyt_cuda_iter &it)
    {
        scatter_kernel<W><<<b, PYT_CUDA_THREADS, 0, s>>>(it);
    }
};

extern "C" int pyt_cuda_gather(const pyt_cuda_iter *it, int itemsize)
{
    return launch_by_size<gather_launch>(it, itemsize);
}

extern "C" int pyt_cuda_scatter(const pyt_cuda_iter *it, int itemsize)
{
    return launch_by_size<scatter_launch>(it, itemsize);
}

/* ---- accumulation through offsets (atomic) ----------------------------------------- */

struct accumulate_ctx {
    int code, mode;
    float alpha_float;      /* float32 (and the half types' alpha before rounding) */
    double alpha_double;
    int64_t alpha_int;
};

enum { ACC_ADD = 0, ACC_MULTIPLY = 1 };

/* One element: *dst (+)= alpha * src or *= src in dst's type, as the CPU's
   _accumulate_row* do it (integers wrap, half types round after every operation). */
__device__ void accumulate_one(char *dst, const pyt_cuda_iter &it, int64_t src_off,
                               const accumulate_ctx &c)
{
    const bool multiply = c.mode == ACC_MULTIPLY;
    switch (c.code) {
    case PYT_FLOAT32: {
        float v = pyt_load<float>(it, 1, src_off);
        if (multiply) atomic_update32((uint32_t *)dst, mul_float32{v});
        else atomicAdd((float *)dst, c.alpha_float * v);
        break;
    }
    case PYT_FLOAT64: {
        double v = pyt_load<double>(it, 1, src_off);
        if (multiply) atomic_update64((unsigned long long *)dst, mul_float64{v});
        else atomicAdd((double *)dst, c.alpha_double * v);
        break;
    }
    case PYT_INT64: {
        unsigned long long v = (unsigned long long)pyt_load<int64_t>(it, 1, src_off);
        if (multiply) atomic_update64((unsigned long long *)dst, mul_uint64{v});
        else atomicAdd((unsigned long long *)dst, (unsigned long long)c.alpha_int * v);
        break;
    }
    case PYT_INT32: {
        uint32_t v = (uint32_t)pyt_load<int32_t>(it, 1, src_off);
        if (multiply) atomic_update32((uint32_t *)dst, mul_uint32{v});
        else atomicAdd((unsigned int *)dst, (uint32_t)c.alpha_int * v);
        break;
    }
    case PYT_INT16: case PYT_INT8: case PYT_UINT8: {
        /* mod 2^bits only the low bits of alpha and v matter */
        int size = c.code == PYT_INT16 ? 2 : 1;
        uint32_t v = size == 2 ? (uint32_t)pyt_load<uint16_t>(it, 1, src_off)
                               : (uint32_t)pyt_load<uint8_t>(it, 1, src_off);
        if (multiply) atomic_update_lane(dst, size, lane_mul{v});
        else atomic_update_lane(dst, size, lane_add{(uint32_t)c.alpha_int * v});
        break;
    }
    case PYT_BOOL: {
        uint32_t v = pyt_load<uint8_t>(it, 1, src_off) != 0;
        atomic_update_lane(dst, 1, bool_update{multiply, c.alpha_int != 0, v});
        break;
    }
    case PYT_FLOAT16: case PYT_BFLOAT16: {
        bool bf16 = c.code == PYT_BFLOAT16;
        float v = bits16_to_float(pyt_load<uint16_t>(it, 1, src_off), bf16);
        if (!multiply) {
            float a = bits16_to_float(float_to_bits16(c.alpha_float, bf16), bf16);
            if (a != 1.0f) v = bits16_to_float(float_to_bits16(a * v, bf16), bf16);
        }
        atomic_update_lane(dst, 2, half_update{multiply, bf16, v});
        break;
    }
    }
}

__global__ void accumulate_kernel(pyt_cuda_iter it, accumulate_ctx c)
{
    GRID_STRIDE_LOOP(i, it.numel) {
        int64_t off[3];
        pyt_offsets<3>(it, i, off);
        int64_t o = pyt_load<int64_t>(it, 2, off[2]);
        accumulate_one(it.base[0] + off[0] + o, it, off[1], c);
    }
}

extern "C" int pyt_cuda_accumulate(const pyt_cuda_iter *it, int code, int mode, double alpha_f,
                                   int64_t alpha_i)
{
    if (it->nops != 3 || code < PYT_BOOL || code > PYT_FLOAT64 ||
        (mode != ACC_ADD && mode != ACC_MULTIPLY))
        return PYT_CUDA_ERR_INVALID;
    if (it->numel == 0) return 0;
    accumulate_ctx c;
    c.code = code;
    c.mode = mode;
    c.alpha_float = (float)alpha_f;
    c.alpha_double = alpha_f;
    c.alpha_int = alpha_i;
    accumulate_kernel<<<pyt_blocks_for(it->numel), PYT_CUDA_THREADS, 0, current_stream()>>>(*it, c);
    return pyt_launch_error();
}

/* ---- nonzero ------------------------------------------------------------------------ */

/* Element i of a contiguous array is nonzero: any bit set, a float's sign bit aside. */
__device__ __forceinline__ bool nonzero_at(const char *data, int64_t i, int itemsize, int is_float)
{
    switch (itemsize) {
    case 1: return (((const uint8_t *)data)[i] & (is_float ? 0x7fu : 0xffu)) != 0;
    case 2: return (((const uint16_t *)data)[i] & (is_float ? 0x7fffu : 0xffffu)) != 0;
    case 4: return (((const uint32_t *)data)[i] & (is_float ? 0x7fffffffu : 0xffffffffu)) != 0;
    default:
        return (((const uint64_t *)data)[i] &
                (is_float ? 0x7fffffffffffffffull : 0xffffffffffffffffull)) != 0;
    }
}

/* Exclusive prefix sum of v over the block's threads; *total gets the block's sum. */
template <int THREADS>
__device__ int64_t block_exclusive_scan(int64_t v, int64_t *total)
{
    __shared__ int64_t warp_sums[THREADS / 32];
    __shared__ int64_t block_total;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int64_t x = v;                                   /* inclusive scan within the warp */
    for (int d = 1; d < 32; d <<= 1) {
        int64_t y = __shfl_up_sync(0xffffffffu, x, d);
        if (lane >= d) x += y;
    }
    if (lane == 31) warp_sums[warp] = x;
    __syncthreads();
    if (warp == 0) {                                 /* scan the warps' sums */
        int64_t w = lane < THREADS / 32 ? warp_sums[lane] : 0, wx = w;
        for (int d = 1; d < 32; d <<= 1) {
            int64_t y = __shfl_up_sync(0xffffffffu, wx, d);
            if (lane >= d) wx += y;
        }
        if (lane < THREADS / 32) warp_sums[lane] = wx - w;
        if (lane == 31) block_total = wx;
    }
    __syncthreads();
    int64_t result = warp_sums[warp] + x - v;
    *total = block_total;
    __syncthreads();                                 /* the shared sums can be reused */
    return result;
}

__global__ void count_nonzero_kernel(const char *data, int64_t n, int itemsize, int is_float,
                                     unsigned long long *count)
{
    int64_t mine = 0, total;
    GRID_STRIDE_LOOP(i, n) mine += nonzero_at(data, i, itemsize, is_float);
    block_exclusive_scan<PYT_CUDA_THREADS>(mine, &total);      /* one atomic per block */
    if (threadIdx.x == 0 && total) atomicAdd(count, (unsigned long long)total);
}

extern "C" int pyt_cuda_count_nonzero(const char *data, int64_t numel, int itemsize,
                                      int is_float, int64_t *count)
{
    if (numel < 0 || (itemsize != 1 && itemsize != 2 && itemsize != 4 && itemsize != 8))
        return PYT_CUDA_ERR_INVALID;
    *count = 0;
    if (numel == 0) return 0;
    cudaStream_t s = current_stream();
    unsigned long long *dev = nullptr, host = 0;
    int err = pyt_cuda_malloc((void **)&dev, sizeof host);
    if (err) return err;
    err = (int)cudaMemsetAsync(dev, 0, sizeof host, s);
    if (!err) {
        count_nonzero_kernel<<<pyt_blocks_for(numel), PYT_CUDA_THREADS, 0, s>>>(
            data, numel, itemsize, is_float, dev);
        err = pyt_launch_error();
    }
    if (!err) err = (int)cudaMemcpyAsync(&host, dev, sizeof host, cudaMemcpyDeviceToHost, s);
    if (!err) err = (int)cudaStreamSynchronize(s);
    pyt_cuda_free(dev);
    if (!err) *count = (int64_t)host;
    return err;
}

/* The coordinates come out in order by an ordered compaction in three passes over
   chunks of NZ_CHUNK elements: count each chunk's nonzeros, scan the counts into each
   chunk's first output row, then each chunk writes its rows (a block scan over its
   threads orders them within the chunk). A block reads NZ_ITEMS rounds of 256
   consecutive elements, so the reads are coalesced. */
#define NZ_THREADS 256
#define NZ_ITEMS 16
#define NZ_CHUNK (NZ_THREADS * NZ_ITEMS)
#define SCAN_THREADS 1024

__global__ void chunk_count_kernel(const char *data, int64_t n, int itemsize, int is_float,
                                   int64_t *counts)
{
    const int64_t first = (int64_t)blockIdx.x * NZ_CHUNK;
    int64_t mine = 0, total;
    for (int r = 0; r < NZ_ITEMS; r++) {
        int64_t i = first + (int64_t)r * NZ_THREADS + threadIdx.x;
        if (i < n) mine += nonzero_at(data, i, itemsize, is_float);
    }
    block_exclusive_scan<NZ_THREADS>(mine, &total);
    if (threadIdx.x == 0) counts[blockIdx.x] = total;
}

/* counts[0..nchunks) becomes its exclusive prefix sum; one block */
__global__ void scan_counts_kernel(int64_t *counts, int64_t nchunks)
{
    const int64_t per = (nchunks + SCAN_THREADS - 1) / SCAN_THREADS;
    const int64_t begin = threadIdx.x * per;
    const int64_t end = begin + per < nchunks ? begin + per : nchunks;
    int64_t sum = 0, total;
    for (int64_t j = begin; j < end; j++) sum += counts[j];
    int64_t running = block_exclusive_scan<SCAN_THREADS>(sum, &total);
    for (int64_t j = begin; j < end; j++) {
        int64_t c = counts[j];
        counts[j] = running;
        running += c;
    }
}

struct nonzero_shape {
    int ndim;
    int64_t shape[PYT_INDEX_MAX_DIMS];
};

__global__ void nonzero_write_kernel(const char *data, int64_t n, int itemsize, int is_float,
                                     const int64_t *first_row, nonzero_shape t, int64_t *out,
                                     int64_t count)
{
    const int64_t first = (int64_t)blockIdx.x * NZ_CHUNK;
    int64_t row = first_row[blockIdx.x];
    for (int r = 0; r < NZ_ITEMS; r++) {
        int64_t i = first + (int64_t)r * NZ_THREADS + threadIdx.x, total;
        int64_t flag = i < n && nonzero_at(data, i, itemsize, is_float);
        int64_t pos = row + block_exclusive_scan<NZ_THREADS>(flag, &total);
        if (flag && pos < count) {
            int64_t rest = i, *coords = out + pos * t.ndim;
            for (int d = t.ndim - 1; d >= 0; d--) {
                coords[d] = rest % t.shape[d];
                rest /= t.shape[d];
            }
        }
        row += total;
    }
}

extern "C" int pyt_cuda_nonzero(const char *data, int ndim, const int64_t *shape, int itemsize,
                                int is_float, int64_t *out, int64_t count)
{
    if (ndim < 0 || ndim > PYT_INDEX_MAX_DIMS ||
        (itemsize != 1 && itemsize != 2 && itemsize != 4 && itemsize != 8))
        return PYT_CUDA_ERR_INVALID;
    if (count <= 0 || ndim == 0) return 0;          /* a 0-d tensor has no coordinates */
    nonzero_shape t;
    int64_t n = 1;
    t.ndim = ndim;
    for (int d = 0; d < PYT_INDEX_MAX_DIMS; d++) {
        t.shape[d] = d < ndim ? shape[d] : 1;
        if (d < ndim) n *= shape[d];
    }
    if (n <= 0) return 0;
    const int64_t nchunks = (n + NZ_CHUNK - 1) / NZ_CHUNK;
    if (nchunks > INT32_MAX) return PYT_CUDA_ERR_INVALID;
    cudaStream_t s = current_stream();
    int64_t *first_row = nullptr;
    int err = pyt_cuda_malloc((void **)&first_row, nchunks * sizeof(int64_t));
    if (err) return err;
    chunk_count_kernel<<<(unsigned)nchunks, NZ_THREADS, 0, s>>>(data, n, itemsize, is_float,
                                                                first_row);
    err = pyt_launch_error();
    if (!err) {
        scan_counts_kernel<<<1, SCAN_THREADS, 0, s>>>(first_row, nchunks);
        err = pyt_launch_error();
    }
    if (!err) {
        nonzero_write_kernel<<<(unsigned)nchunks, NZ_THREADS, 0, s>>>(
            data, n, itemsize, is_float, first_row, t, out, count);
        err = pyt_launch_error();
    }
    pyt_cuda_free(first_row);                       /* reused in stream order: safe */
    return err;
}
