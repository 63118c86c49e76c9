/* float32 exp, log, tanh and sigmoid that the C compiler can vectorise: branch-free
   (special cases are chosen with bit selects, not branches), no libm calls. Each is
   within about 1.3 ulp of the correctly rounded result (sigmoid 2.5 ulp), checked over
   every float. libm's expf/logf are scalar calls, about 10x slower in a loop.

   PYT_SIMD_CLONES compiles a kernel for plain x86-64, AVX2 and AVX-512 and picks one
   when the module loads (GCC's target_clones); elsewhere it is empty. */
#ifndef PYT_VECMATH_H
#define PYT_VECMATH_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && defined(__x86_64__) \
    && defined(__linux__) && !defined(PYT_NO_SIMD_CLONES)
#define PYT_SIMD_CLONES \
    __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define PYT_SIMD_CLONES
#endif

/* compiled like pyt_math.h's kernels (no errno from math calls), so that GCC inlines
   these functions into them */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-math-errno", "no-trapping-math")
#endif

static inline float pyt_float_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t pyt_float_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* c ? a : b without a branch (GCC will not if-convert float selects under -ftrapping-math) */
static inline float pyt_fsel(int c, float a, float b)
{
    uint32_t m = 0u - (uint32_t)(c != 0);
    return pyt_float_from_bits((pyt_float_bits(a) & m) | (pyt_float_bits(b) & ~m));
}

/* exp(x) = 2^k exp(r), k = round(x / ln2), |r| <= ln2 / 2; 2^k is applied as two factors
   so that results down in the subnormal range are still rounded once */
static inline float pyt_vexpf(float x)
{
    int isnan_x = x != x;
    float xc = x < -104.0f ? -104.0f : x;            /* exp(-104) rounds to 0 */
    xc = xc > 89.0f ? 89.0f : xc;                     /* exp(89) overflows to inf */
    xc = pyt_fsel(isnan_x, 0.0f, xc);
    float kf = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;   /* round */
    float r = xc - kf * 0.693145751953125f;           /* ln2 in two parts: the first */
    r = r - kf * 1.42860682030941723212e-6f;          /* times k is exact */
    float q = 0.0013814610429108143f;                 /* (exp(r) - 1 - r) / r^2, fitted */
    q = q * r + 0.008368710055947304f;
    q = q * r + 0.04166838899254799f;
    q = q * r + 0.1666652113199234f;
    q = q * r + 0.4999999403953552f;
    float p = 1.0f + (r + r * r * q);
    int32_t k = (int32_t)kf, k1 = k >> 1, k2 = k - k1;
    float s1 = pyt_float_from_bits((uint32_t)(k1 + 127) << 23);
    float s2 = pyt_float_from_bits((uint32_t)(k2 + 127) << 23);
    return pyt_fsel(isnan_x, x, p * s1 * s2);
}

/* log(x) = e ln2 + log1p(f), x = 2^e (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)) */
static inline float pyt_vlogf(float x)
{
    int sub = x < 1.17549435e-38f;                    /* subnormals: scale up first */
    uint32_t u = pyt_float_bits(x * pyt_fsel(sub, 8388608.0f, 1.0f));
    int32_t e = (int32_t)((u >> 23) & 0xff) - 127 - (sub ? 23 : 0);
    float m = pyt_float_from_bits((u & 0x007fffffu) | 0x3f800000u);
    int big = m > 1.41421356f;
    m = m * pyt_fsel(big, 0.5f, 1.0f);
    e += big;
    float f = m - 1.0f;                               /* exact */
    float g = -0.07634429633617401f;                  /* (log1p(f) - f + f^2/2) / f^3 */
    g = g * f + 0.12761549651622772f;
    g = g * f - 0.131601944565773f;
    g = g * f + 0.14201761782169342f;
    g = g * f - 0.16623356938362122f;
    g = g * f + 0.20001226663589478f;
    g = g * f - 0.250008225440979f;
    g = g * f + 0.3333333134651184f;
    float f2 = f * f;
    float lp = f - 0.5f * f2 + f2 * f * g;
    float ef = (float)e;
    float res = ef * 0.693145751953125f + (lp + ef * 1.42860682030941723212e-6f);
    res = pyt_fsel(x == 0.0f, -INFINITY, res);
    res = pyt_fsel(x < 0.0f, NAN, res);
    res = pyt_fsel(x == INFINITY, x, res);
    return pyt_fsel(x != x, x, res);
}

/* tanh: an odd polynomial near 0, 1 - 2 / (exp(2|x|) + 1) beyond */
static inline float pyt_vtanhf(float x)
{
    float ax = x < 0.0f ? -x : x;
    float x2 = x * x;
    float h = 0.0021429588086903095f;                 /* (tanh(x) - x) / x^3 in x^2 */
    h = h * x2 - 0.008177394978702068f;
    h = h * x2 + 0.021700700744986534f;
    h = h * x2 - 0.05394676327705383f;
    h = h * x2 + 0.1333320587873459f;
    h = h * x2 - 0.3333333134651184f;
    float small = pyt_fsel(x == 0.0f, x, x + x * x2 * h);     /* keeps -0.0 */
    float big = 1.0f - 2.0f / (pyt_vexpf(2.0f * ax) + 1.0f);
    big = pyt_fsel(x < 0.0f, -big, big);
    return pyt_fsel(ax < 0.625f, small, big);
}

/* 1 / (1 + e^-x), as e^x / (1 + e^x) for x < 0 so that tiny results keep their digits */
static inline float pyt_vsigmoidf(float x)
{
    float e = pyt_vexpf(x < 0.0f ? x : -x);
    float r = 1.0f / (1.0f + e);
    return pyt_fsel(x < 0.0f, e * r, r);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
