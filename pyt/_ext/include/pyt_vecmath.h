/* float32 exp, log, tanh, sigmoid, expm1, log1p, erf, sin and cos that the C compiler
   can vectorise: branch-free (special cases are chosen with bit selects, not branches),
   no libm calls. Checked against double libm over every float (exp, log, tanh,
   sigmoid) or every 31st (the others): within 1.4 ulp (exp, log, tanh, expm1), 2.5 ulp
   (sigmoid, erf), 2.8 ulp (log1p); sin/cos within 2 ulp or 1e-15 |x|. libm's float
   functions are scalar calls, 3 to 30 times slower in a loop.

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

/* compiled like pyt_math.h's kernels (see there), so that GCC inlines these functions
   into them */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

static inline float pyt_float_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t pyt_float_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* c ? a : b without a branch, which GCC vectorises in any case */
static inline float pyt_fsel(int c, float a, float b)
{
    uint32_t m = 0u - (uint32_t)(c != 0);
    return pyt_float_from_bits((pyt_float_bits(a) & m) | (pyt_float_bits(b) & ~m));
}

static inline double pyt_dsel(int c, double a, double b)
{
    uint64_t m = 0u - (uint64_t)(c != 0), ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    ua = (ua & m) | (ub & ~m);
    memcpy(&a, &ua, 8);
    return a;
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

/* expm1(x) = 2^k expm1(r) + (2^k - 1): for small |x| (k = 0) the polynomial keeps full
   relative precision. k = 128 (x near the overflow) is applied as 2^127 and 2 expm1(r) + 1. */
static inline float pyt_vexpm1f(float x)
{
    int isnan_x = x != x;
    float xc = x < -88.0f ? -88.0f : x;               /* expm1(-88) rounds to -1 */
    xc = xc > 89.0f ? 89.0f : xc;
    xc = pyt_fsel(isnan_x, 0.0f, xc);
    float kf = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - kf * 0.693145751953125f;
    r = r - kf * 1.42860682030941723212e-6f;
    float q = 0.00019824127957690507f;                /* (expm1(r) - r - r^2/2) / r^3 */
    q = q * r + 0.00139332446269691f;
    q = q * r + 0.0083334194496274f;
    q = q * r + 0.041666481643915176f;
    q = q * r + 0.1666666567325592f;
    float p = r + r * r * (0.5f + r * q);
    int32_t k = (int32_t)kf;
    int top = k > 127;
    p = pyt_fsel(top, 2.0f * p + 1.0f, p);
    k = top ? 127 : k;
    float s = pyt_float_from_bits((uint32_t)(k + 127) << 23);   /* 0 for k = -127 */
    float res = s * p + (s - 1.0f);
    res = pyt_fsel(k == 0, p, res);                   /* full precision for small x */
    return pyt_fsel(isnan_x | (x == 0.0f), x, res);   /* nan, and -0.0 stays -0.0 */
}

/* log1p(x) = log(u) x / (u - 1) with u = 1 + x rounded: the quotient corrects for the
   rounding of u (Kahan's trick) */
static inline float pyt_vlog1pf(float x)
{
    float u = 1.0f + x;
    float d = u - 1.0f;
    float res = pyt_vlogf(u) * (x / d);
    res = pyt_fsel(d == 0.0f, x, res);                /* u == 1: log1p(x) = x */
    return pyt_fsel(x == INFINITY, x, res);
}

/* erf: x P(x^2) for |x| < 1; beyond, 1 - e^{-x^2} g(x) with g = erfc e^{x^2} fitted in
   x - 2.5 on [1, 4] (erf(4) rounds to 1) */
static inline float pyt_verff(float x)
{
    float s = x * x;
    float p = 7.889120752224699e-05f;
    p = p * s - 0.0008020841632969677f;
    p = p * s + 0.005189535208046436f;
    p = p * s - 0.026854444295167923f;
    p = p * s + 0.11283600330352783f;
    p = p * s - 0.3761262595653534f;
    p = p * s + 1.1283791065216064f;
    float ax = x < 0.0f ? -x : x;
    float a = ax > 4.0f ? 4.0f : ax;
    float u = a - 2.5f;
    float g = 7.024203114269767e-06f;
    g = g * u + 1.3583610780187882e-05f;
    g = g * u + 3.087971344939433e-05f;
    g = g * u - 7.31855325284414e-05f;
    g = g * u + 0.00017821232904680073f;
    g = g * u - 0.0007487561088055372f;
    g = g * u + 0.002473004162311554f;
    g = g * u - 0.007994807325303555f;
    g = g * u + 0.02493927627801895f;
    g = g * u - 0.07434753328561783f;
    g = g * u + 0.21080632507801056f;
    float big = 1.0f - pyt_vexpf(-a * a) * g;
    big = pyt_fsel(x < 0.0f, -big, big);
    float res = pyt_fsel(ax < 1.0f, x * p, big);
    return pyt_fsel(x != x, x, res);
}

/* sin and cos of a float with |x| <= PYT_VTRIG_LIMIT, in double: x = n pi/2 + r with
   |r| <= pi/4 (pi/2 in two parts, n times the first exact for |n| < 2^20), Taylor
   polynomials for sin r and cos r (error below 1e-11), and the quadrant n picks one and
   its sign. Callers send larger |x|, inf and nan to libm. */
#define PYT_VTRIG_LIMIT 1.0e5f

static inline float pyt_vsincosf(float x, int quadrant_shift)
{
    double d = x;
    double n = (d * 0.63661977236758134308 + 6755399441055744.0) - 6755399441055744.0;
    double r = (d - n * 1.57079632673412561417) - n * 6.07710050650619224932e-11;
    double r2 = r * r;
    double sn = r * (1.0 + r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040
                + r2 * (1.0 / 362880 - r2 / 39916800)))));
    double cs = 1.0 - 0.5 * r2 + r2 * r2 * (1.0 / 24 + r2 * (-1.0 / 720 + r2 * (1.0 / 40320
                + r2 * (-1.0 / 3628800 + r2 / 479001600))));
    int32_t q = (int32_t)n + quadrant_shift;
    double odd = (double)(q & 1), negate = (double)(q & 2);     /* arithmetic vectorises */
    double v = sn + odd * (cs - sn);
    float res = (float)(v - negate * v);
    return pyt_fsel(x == 0.0f && quadrant_shift == 0, x, res);  /* sin(-0.0) is -0.0 */
}

static inline float pyt_vsinf(float x) { return pyt_vsincosf(x, 0); }
static inline float pyt_vcosf(float x) { return pyt_vsincosf(x, 1); }

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
