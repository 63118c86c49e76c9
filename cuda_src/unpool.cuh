/* max_unpool's index math, shared by unpool.cu's kernels and the host check
   (tests/cuda_host/unpool_host.cu): source element e = p * src_len + i of plane p. */
#ifndef PYT_UNPOOL_CUH
#define PYT_UNPOOL_CUH
#include <stdint.h>

/* e's slot p * dst_len + idx[e] in the output (and in the claims), or -1 when idx[e] is
   outside [0, dst_len) */
__host__ __device__ inline int64_t unpool_slot(const int64_t *idx, int64_t e, int64_t src_len,
                                               int64_t dst_len)
{
    const int64_t j = idx[e];
    if (j < 0 || j >= dst_len) return -1;
    return (e / src_len) * dst_len + j;
}

/* the claim e makes on its slot: its position in its plane (the largest claim wins, so the
   value written is the plane's last one for that slot, as on the CPU) */
__host__ __device__ inline long long unpool_claim(int64_t e, int64_t src_len)
{
    return (long long)(e % src_len);
}

#endif
