/* Copies with dtype conversion (pyt_cast.h's, bit for bit), fill and where. */
#include "cast.cuh"
#include "elementwise.cuh"

namespace {

/* a same-dtype copy moves bytes: an unsigned type of the item's size */
template <typename T> struct pyt_move_op {
    typedef T Out;
    __device__ __forceinline__ T operator()(const T *x) const { return x[0]; }
};

template <typename T> int pyt_move(const pyt_cuda_iter *it)
{
    return pyt_elementwise<1, T, 16 / (int)sizeof(T)>(it, pyt_move_op<T>{});
}

/* between float dtypes: the typed load and store of pointwise ops, which are pyt_cast.h's
   conversions for these pairs (through float, or double for float64) */
template <int DST, int SRC> struct pyt_float_convert_op {
    typedef typename pyt_dt<DST>::T Out;
    __device__ __forceinline__ Out operator()(const typename pyt_dt<SRC>::T *x) const
    {
        return pyt_dt<DST>::st(pyt_dt<SRC>::ld(x[0]));
    }
};

struct pyt_float_convert {
    const pyt_cuda_iter *it;
    int src;

    template <int DST> int operator()() const
    {
        auto run = [this](auto src_tag) {
            constexpr int SRC = decltype(src_tag)::value;
            typedef typename pyt_dt<SRC>::T T;
            return pyt_elementwise<1, T, 4>(it, pyt_float_convert_op<DST, SRC>{});
        };
        switch (src) {
        case PYT_FLOAT16: return run(std::integral_constant<int, PYT_FLOAT16>());
        case PYT_BFLOAT16: return run(std::integral_constant<int, PYT_BFLOAT16>());
        case PYT_FLOAT32: return run(std::integral_constant<int, PYT_FLOAT32>());
        default: return run(std::integral_constant<int, PYT_FLOAT64>());
        }
    }
};

/* Element i's byte offsets: i * itemsize when every operand is contiguous (or a
   scalar), else from the strides. */
template <bool CONTIGUOUS, int NOPS>
__device__ __forceinline__ void pyt_element_offsets(const pyt_cuda_iter &it, int64_t i,
                                                    const int *itemsize, int64_t *off)
{
    if (CONTIGUOUS) {
#pragma unroll
        for (int k = 0; k < NOPS; k++) off[k] = i * itemsize[k];
    } else {
        pyt_offsets<NOPS>(it, i, off);
    }
}

/* operand k's element at offset off, or its scalar */
__device__ __forceinline__ const char *pyt_element(const pyt_cuda_iter &it, int k, int64_t off)
{
    return it.base[k] ? it.base[k] + off : reinterpret_cast<const char *>(&it.scalar[k]);
}

template <bool CONTIGUOUS>
__global__ void __launch_bounds__(PYT_CUDA_THREADS)
pyt_convert_kernel(pyt_cuda_iter it, int dst_code, int src_code)
{
    const int itemsize[2] = {pyt_cu_itemsize(dst_code), pyt_cu_itemsize(src_code)};
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < it.numel; i += step) {
        int64_t off[2];
        pyt_element_offsets<CONTIGUOUS, 2>(it, i, itemsize, off);
        pyt_cu_write(it.base[0] + off[0], dst_code, pyt_cu_read(pyt_element(it, 1, off[1]), src_code));
    }
}

template <typename T, bool CONTIGUOUS>
__global__ void __launch_bounds__(PYT_CUDA_THREADS)
pyt_fill_kernel(pyt_cuda_iter it, T value)
{
    const int itemsize[1] = {(int)sizeof(T)};
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < it.numel; i += step) {
        int64_t off[1];
        pyt_element_offsets<CONTIGUOUS, 1>(it, i, itemsize, off);
        *reinterpret_cast<T *>(it.base[0] + off[0]) = value;
    }
}

template <typename T, bool CONTIGUOUS>
__global__ void __launch_bounds__(PYT_CUDA_THREADS)
pyt_where_kernel(pyt_cuda_iter it)
{
    const int itemsize[4] = {(int)sizeof(T), 1, (int)sizeof(T), (int)sizeof(T)};
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < it.numel; i += step) {
        int64_t off[4];
        pyt_element_offsets<CONTIGUOUS, 4>(it, i, itemsize, off);
        /* both sides read with fixed operand numbers: choosing the operand by the
           condition indexed the launch's parameters at run time, which put them in local
           memory (relu's backward, where(v <= 0, 0.0, g), ran at a third of copy speed) */
        const bool condition = pyt_load<uint8_t>(it, 1, off[1]) != 0;
        const T x = pyt_load<T>(it, 2, off[2]), y = pyt_load<T>(it, 3, off[3]);
        *reinterpret_cast<T *>(it.base[0] + off[0]) = condition ? x : y;
    }
}

template <typename T> int pyt_fill_typed(const pyt_cuda_iter *it, uint64_t bits)
{
    T value;
    memcpy(&value, &bits, sizeof(T));                  /* the low bytes (little endian) */
    const int itemsize[1] = {(int)sizeof(T)};
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    if (pyt_iter_is_contiguous(it, itemsize))
        pyt_fill_kernel<T, true><<<pyt_blocks_for(it->numel), PYT_CUDA_THREADS, 0, stream>>>(*it, value);
    else
        pyt_fill_kernel<T, false><<<pyt_blocks_for(it->numel), PYT_CUDA_THREADS, 0, stream>>>(*it, value);
    return pyt_launch_error();
}

template <typename T> int pyt_where_typed(const pyt_cuda_iter *it)
{
    const int itemsize[4] = {(int)sizeof(T), 1, (int)sizeof(T), (int)sizeof(T)};
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    if (pyt_iter_is_contiguous(it, itemsize))
        pyt_where_kernel<T, true><<<pyt_blocks_for(it->numel), PYT_CUDA_THREADS, 0, stream>>>(*it);
    else
        pyt_where_kernel<T, false><<<pyt_blocks_for(it->numel), PYT_CUDA_THREADS, 0, stream>>>(*it);
    return pyt_launch_error();
}

bool pyt_valid_code(int code) { return code >= 0 && code < PYT_NUM_DTYPES; }

}  // namespace

extern "C" int pyt_cuda_copy(const pyt_cuda_iter *it, int dst_dtype, int src_dtype)
{
    if (!it || it->nops != 2 || !pyt_valid_code(dst_dtype) || !pyt_valid_code(src_dtype))
        return PYT_CUDA_ERR_INVALID;
    if (it->numel <= 0) return 0;
    if (dst_dtype == src_dtype) {
        switch (pyt_cu_itemsize(dst_dtype)) {
        case 1: return pyt_move<uint8_t>(it);
        case 2: return pyt_move<uint16_t>(it);
        case 4: return pyt_move<uint32_t>(it);
        default: return pyt_move<uint64_t>(it);
        }
    }
    const int itemsize[2] = {pyt_cu_itemsize(dst_dtype), pyt_cu_itemsize(src_dtype)};
    if (dst_dtype >= PYT_FLOAT16 && src_dtype >= PYT_FLOAT16 && pyt_iter_is_contiguous(it, itemsize)) {
        switch (dst_dtype) {               /* the mixed-precision casts: typed, vectorised */
        case PYT_FLOAT16: return pyt_float_convert{it, src_dtype}.operator()<PYT_FLOAT16>();
        case PYT_BFLOAT16: return pyt_float_convert{it, src_dtype}.operator()<PYT_BFLOAT16>();
        case PYT_FLOAT32: return pyt_float_convert{it, src_dtype}.operator()<PYT_FLOAT32>();
        default: return pyt_float_convert{it, src_dtype}.operator()<PYT_FLOAT64>();
        }
    }
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    unsigned blocks = pyt_blocks_for(it->numel);
    if (pyt_iter_is_contiguous(it, itemsize))
        pyt_convert_kernel<true><<<blocks, PYT_CUDA_THREADS, 0, stream>>>(*it, dst_dtype, src_dtype);
    else
        pyt_convert_kernel<false><<<blocks, PYT_CUDA_THREADS, 0, stream>>>(*it, dst_dtype, src_dtype);
    return pyt_launch_error();
}

extern "C" int pyt_cuda_fill(const pyt_cuda_iter *it, int itemsize, uint64_t bits)
{
    if (!it || it->nops != 1 || !it->base[0]) return PYT_CUDA_ERR_INVALID;
    if (it->numel <= 0) return 0;
    switch (itemsize) {
    case 1: return pyt_fill_typed<uint8_t>(it, bits);
    case 2: return pyt_fill_typed<uint16_t>(it, bits);
    case 4: return pyt_fill_typed<uint32_t>(it, bits);
    case 8: return pyt_fill_typed<uint64_t>(it, bits);
    default: return PYT_CUDA_ERR_INVALID;
    }
}

extern "C" int pyt_cuda_where(const pyt_cuda_iter *it, int itemsize)
{
    if (!it || it->nops != 4 || !it->base[0]) return PYT_CUDA_ERR_INVALID;
    if (it->numel <= 0) return 0;
    switch (itemsize) {
    case 1: return pyt_where_typed<uint8_t>(it);
    case 2: return pyt_where_typed<uint16_t>(it);
    case 4: return pyt_where_typed<uint32_t>(it);
    case 8: return pyt_where_typed<uint64_t>(it);
    default: return PYT_CUDA_ERR_INVALID;
    }
}
