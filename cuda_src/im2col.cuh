/* im2col / col2im's index math, shared by conv.cu's kernels and the host check
   (tests/cuda_host/im2col_host.cu). Columns of one sample: col[row * ldcol + o], row =
   (c, k0, k1, k2), o = (o0, o1, o2), holding im[c][i] with i = o * stride + k * dil - pad
   (0 in the padding). One thread handles one (sample, channel, output position) and walks
   that channel's kvol kernel taps, so the index arithmetic is paid once per kvol elements
   and a warp's loads and stores run along o, contiguous. col2im's thread gathers every
   tap that lands on its pixel (no atomics, no zero fill). I is the index type inside one
   image: int32_t when it fits (conv_fits_int32), with divisions by multiplication. */
#ifndef PYT_IM2COL_CUH
#define PYT_IM2COL_CUH
#include <stdint.h>

struct ConvGeom {
    int64_t channels, size[3], out[3], k[3], stride[3], pad[3], dil[3];
};

/* geom: 19 int64 values, channels, size[3], out[3], k[3], stride[3], pad[3], dil[3] (as
   pyt_im2col_geom, pyt_cuda.h) */
inline ConvGeom conv_geom(const int64_t *geom)
{
    ConvGeom g;
    g.channels = geom[0];
    for (int i = 0; i < 3; i++) {
        g.size[i] = geom[1 + i];
        g.out[i] = geom[4 + i];
        g.k[i] = geom[7 + i];
        g.stride[i] = geom[10 + i];
        g.pad[i] = geom[13 + i];
        g.dil[i] = geom[16 + i];
    }
    return g;
}

__host__ __device__ inline uint32_t mulhi_u32(uint32_t a, uint32_t b)
{
#ifdef __CUDA_ARCH__
    return __umulhi(a, b);
#else
    return (uint32_t)(((uint64_t)a * b) >> 32);
#endif
}

/* n / d for 0 <= n. The int32_t one multiplies and shifts instead of dividing (d >= 1,
   n < 2^31: (mulhi(n, m) + n) >> s with s = ceil(log2 d), m = 2^32 (2^s - d) / d + 1,
   Granlund and Montgomery's method): a hardware division costs some 20 instructions. */
template <typename I> struct Divider;
template <> struct Divider<int64_t> {
    int64_t d;
    Divider() = default;
    explicit Divider(int64_t d_) : d(d_ > 0 ? d_ : 1) {}  /* 1 for empty dims: never used */
    __host__ __device__ int64_t div(int64_t n) const { return n / d; }
};
template <> struct Divider<int32_t> {
    uint32_t m, s;
    Divider() = default;
    explicit Divider(int64_t d)
    {
        if (d < 1) d = 1;
        s = 0;
        while (((uint64_t)1 << s) < (uint64_t)d) s++;
        const uint64_t d64 = (uint64_t)d;
        m = (uint32_t)((((uint64_t)1 << 32) * (((uint64_t)1 << s) - d64)) / d64 + 1);
    }
    __host__ __device__ int32_t div(int32_t n) const
    {
        return (int32_t)((mulhi_u32((uint32_t)n, m) + (uint32_t)n) >> s);
    }
};

/* the divisors of the index arithmetic: output positions (im2col), image positions and
   strides (col2im) */
template <typename I> struct ConvDividers {
    Divider<I> out1, out2, size1, size2, stride[3];
    ConvDividers() = default;
    explicit ConvDividers(const ConvGeom &g)
        : out1(g.out[1]), out2(g.out[2]), size1(g.size[1]), size2(g.size[2])
    {
        for (int i = 0; i < 3; i++) stride[i] = Divider<I>(g.stride[i]);
    }
};

/* Every index inside one image, its columns and its padded extent fits in int32. */
inline bool conv_fits_int32(const ConvGeom &g)
{
    const int64_t lim = (int64_t)1 << 30;
    int64_t plane = 1, L = 1, kvol = 1;
    for (int i = 0; i < 3; i++) {
        plane *= g.size[i];
        L *= g.out[i];
        kvol *= g.k[i];
        if (g.size[i] + 2 * g.pad[i] >= lim || g.k[i] * g.dil[i] >= lim ||
            g.out[i] * g.stride[i] >= lim)
            return false;
    }
    return plane < lim && L < lim && g.channels * kvol < lim;
}

/* im2col of one channel at output position o: src is the channel's image, dst its first
   column row (col + c * kvol * ldcol); writes kvol entries, ldcol apart. K > 0: the
   kernel's last two dims are K x K, known when compiling, so that a (k0) plane's K * K
   loads are all issued before its stores (one load at a time left the GPU waiting). */
template <typename T, typename I, int K>
__host__ __device__ inline void im2col_taps(const T *src, T *dst, const ConvGeom &g,
                                            const ConvDividers<I> &D, I o, int64_t ldcol)
{
    const I size0 = (I)g.size[0], size1 = (I)g.size[1], size2 = (I)g.size[2];
    const I t = D.out2.div(o), o2 = o - t * (I)g.out[2];
    const I o0 = D.out1.div(t), o1 = t - o0 * (I)g.out[1];
    const I s0 = o0 * (I)g.stride[0] - (I)g.pad[0];
    const I s1 = o1 * (I)g.stride[1] - (I)g.pad[1];
    const I s2 = o2 * (I)g.stride[2] - (I)g.pad[2];
    const I k1n = K > 0 ? (I)K : (I)g.k[1], k2n = K > 0 ? (I)K : (I)g.k[2];
    const I dil1 = (I)g.dil[1], dil2 = (I)g.dil[2];
    int64_t at = o;
    for (I k0 = 0; k0 < (I)g.k[0]; k0++) {
        const I i0 = s0 + k0 * (I)g.dil[0];
        const bool in0 = i0 >= 0 && i0 < size0;
        if constexpr (K > 0) {
            T v[K * K];
#pragma unroll
            for (int k1 = 0; k1 < K; k1++) {
                const I i1 = s1 + (I)k1 * dil1;
                const bool in01 = in0 && i1 >= 0 && i1 < size1;
                const T *line = in01 ? src + (i0 * size1 + i1) * size2 : src;
#pragma unroll
                for (int k2 = 0; k2 < K; k2++) {
                    const I i2 = s2 + (I)k2 * dil2;
                    v[k1 * K + k2] = in01 && i2 >= 0 && i2 < size2 ? line[i2] : T(0);
                }
            }
#pragma unroll
            for (int k = 0; k < K * K; k++, at += ldcol) dst[at] = v[k];
        } else {
            for (I k1 = 0; k1 < k1n; k1++) {
                const I i1 = s1 + k1 * dil1;
                const bool in01 = in0 && i1 >= 0 && i1 < size1;
                const T *line = in01 ? src + (i0 * size1 + i1) * size2 : src;
                for (I k2 = 0; k2 < k2n; k2++, at += ldcol) {
                    const I i2 = s2 + k2 * dil2;
                    dst[at] = in01 && i2 >= 0 && i2 < size2 ? line[i2] : T(0);
                }
            }
        }
    }
}

/* the output index o along one dim whose tap kk reads image index i, if there is one */
template <typename I>
__host__ __device__ inline bool conv_hit(I i, I kk, I stride, const Divider<I> &by_stride,
                                         I pad, I dil, I out, I *o)
{
    const I t = i + pad - kk * dil;
    if (t < 0) return false;
    const I q = by_stride.div(t);
    if (q * stride != t) return false;
    *o = q;
    return q < out;
}

/* col2im at image position p of one channel: the sum of the column entries that hold
   it. src is the channel's first column row (col + c * kvol * ldcol). K as im2col_taps':
   a plane's K * K taps are loaded (0 where none lands) before they are added, so their
   loads are in flight together. */
template <typename T, typename Acc, typename I, int K>
__host__ __device__ inline T col2im_gather(const T *src, const ConvGeom &g,
                                           const ConvDividers<I> &D, I p, int64_t ldcol)
{
    const I q = D.size2.div(p), i2 = p - q * (I)g.size[2];
    const I i0 = D.size1.div(q), i1 = q - i0 * (I)g.size[1];
    const I k1n = K > 0 ? (I)K : (I)g.k[1], k2n = K > 0 ? (I)K : (I)g.k[2];
    const I out1 = (I)g.out[1], out2 = (I)g.out[2];
    Acc acc = Acc(0);
    for (I k0 = 0; k0 < (I)g.k[0]; k0++) {
        I o0;
        if (!conv_hit<I>(i0, k0, (I)g.stride[0], D.stride[0], (I)g.pad[0], (I)g.dil[0],
                         (I)g.out[0], &o0))
            continue;
        const T *plane = src + (int64_t)(k0 * k1n * k2n) * ldcol;
        if constexpr (K > 0) {
            T v[K * K];
#pragma unroll
            for (int k1 = 0; k1 < K; k1++) {
                I o1 = 0;
                const bool hit1 = conv_hit<I>(i1, (I)k1, (I)g.stride[1], D.stride[1],
                                              (I)g.pad[1], (I)g.dil[1], out1, &o1);
#pragma unroll
                for (int k2 = 0; k2 < K; k2++) {
                    I o2 = 0;
                    const bool hit = hit1 && conv_hit<I>(i2, (I)k2, (I)g.stride[2], D.stride[2],
                                                         (I)g.pad[2], (I)g.dil[2], out2, &o2);
                    v[k1 * K + k2] =
                        hit ? plane[(int64_t)(k1 * K + k2) * ldcol + (o0 * out1 + o1) * out2 + o2]
                            : T(0);
                }
            }
#pragma unroll
            for (int k = 0; k < K * K; k++) acc += (Acc)v[k];
        } else {
            for (I k1 = 0; k1 < k1n; k1++) {
                I o1;
                if (!conv_hit<I>(i1, k1, (I)g.stride[1], D.stride[1], (I)g.pad[1],
                                 (I)g.dil[1], out1, &o1))
                    continue;
                const int64_t base = (int64_t)(k1 * k2n) * ldcol + (o0 * out1 + o1) * out2;
                for (I k2 = 0; k2 < k2n; k2++) {
                    I o2;
                    if (conv_hit<I>(i2, k2, (I)g.stride[2], D.stride[2], (I)g.pad[2],
                                    (I)g.dil[2], out2, &o2))
                        acc += (Acc)plane[base + (int64_t)k2 * ldcol + o2];
                }
            }
        }
    }
    return (T)acc;
}

#endif
