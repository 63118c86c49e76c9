/* Sort keys: pyt_sort.h's PYT_KEY_* for a value of any dtype, an unsigned integer whose
   order is torch's order of the values (NaN last, -0.0 equal to 0.0). __host__ __device__:
   sort.cu and unique_search.cu use them, tests/cuda_host checks them on the host. */
#ifndef PYT_CUDA_SORT_KEY_CUH
#define PYT_CUDA_SORT_KEY_CUH
#include <stdint.h>
#include <string.h>
#include "cast.cuh"

namespace {

PYT_HD uint64_t pyt_sort_key_bits16(uint16_t h, int is_bf16)
{
    uint16_t mag = h & 0x7fffu;
    if (mag > (is_bf16 ? 0x7f80u : 0x7c00u)) return 0xffffu;          /* NaN */
    if (mag == 0) return 0x8000u;                                       /* +-0 */
    return (h & 0x8000u) ? (uint64_t)(uint16_t)~h : (uint64_t)(uint16_t)(h | 0x8000u);
}

PYT_HD uint64_t pyt_sort_key(int code, const char *p)
{
    switch (code) {
    case PYT_BOOL: return (uint64_t)(*(const uint8_t *)p != 0);
    case PYT_UINT8: return (uint64_t)*(const uint8_t *)p;
    case PYT_INT8: return (uint64_t)(uint8_t)(*(const uint8_t *)p ^ 0x80u);
    case PYT_INT16: return (uint64_t)(uint16_t)(*(const uint16_t *)p ^ 0x8000u);
    case PYT_INT32: return (uint64_t)(*(const uint32_t *)p ^ 0x80000000u);
    case PYT_INT64: return *(const uint64_t *)p ^ ((uint64_t)1 << 63);
    case PYT_FLOAT16: return pyt_sort_key_bits16(*(const uint16_t *)p, 0);
    case PYT_BFLOAT16: return pyt_sort_key_bits16(*(const uint16_t *)p, 1);
    case PYT_FLOAT32: {
        float x = *(const float *)p;
        if (x != x) return 0xffffffffu;
        uint32_t u = x == 0 ? 0u : pyt_cu_bits_of_float(x);
        return (u & 0x80000000u) ? (uint64_t)(uint32_t)~u : (uint64_t)(u | 0x80000000u);
    }
    default: {
        double x = *(const double *)p;
        uint64_t u = 0;
        if (x != x) return ~(uint64_t)0;
        if (x != 0) memcpy(&u, &x, 8);
        return (u >> 63) ? ~u : (u | ((uint64_t)1 << 63));
    }
    }
}

}  // namespace
#endif
