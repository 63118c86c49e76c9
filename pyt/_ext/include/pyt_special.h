/* Special functions libm lacks (erfinv, digamma) and a thread-safe lgamma, in double;
   float callers convert. */
#ifndef PYT_SPECIAL_H
#define PYT_SPECIAL_H
#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* compiled like pyt_math.h's kernels (see there), so that GCC inlines these functions
   into them */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

/* lgamma() writes the global signgam; lgamma_r does not */
static inline double pyt_lgamma(double x)
{
#if defined(__GLIBC__)
    int sign;
    return lgamma_r(x, &sign);
#else
    return lgamma(x);
#endif
}

/* The inverse of erf: a closed-form first guess (relative error below 2e-3), then
   two Halley steps on erf(x) = y, each of which triples the correct digits. Near |y| = 1
   the residual is taken through erfc, where 1 - |y| is exact. */
static inline double pyt_erfinv(double y)
{
    if (!(y > -1.0 && y < 1.0)) {
        if (y == 1.0) return INFINITY;
        if (y == -1.0) return -INFINITY;
        return NAN;
    }
    if (y == 0.0) return y;
    const double a = 0.147;
    double w = log((1.0 - y) * (1.0 + y));
    double t = 2.0 / (M_PI * a) + 0.5 * w;
    double x = copysign(sqrt(sqrt(t * t - w / a) - t), y);
    for (int i = 0; i < 2; i++) {
        double f;
        if (y >= 0.5) f = (1.0 - y) - erfc(x);
        else if (y <= -0.5) f = erfc(-x) - (1.0 + y);
        else f = erf(x) - y;
        double df = 1.1283791670955126 * exp(-x * x);   /* 2 / sqrt(pi) e^{-x^2} */
        x -= f / (df + x * f);
    }
    return x;
}

/* digamma for x >= 1ish: shift up past 10, then the asymptotic series in 1/x^2 */
static inline double pyt_digamma_pos(double x)
{
    double acc = 0.0;
    while (x < 10.0) {
        acc -= 1.0 / x;
        x += 1.0;
    }
    double z = 1.0 / (x * x);
    double series = z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240
                    - z * (1.0 / 132 - z * (691.0 / 32760 - z / 12))))));
    return acc + log(x) - 0.5 / x - series;
}

/* digamma as torch defines it: -+inf at +-0, nan at the negative integers */
static inline double pyt_digamma(double x)
{
    if (x == 0.0) return copysign(INFINITY, -x);
    if (x < 0.0) {
        if (x == floor(x)) return NAN;
        /* reflection: psi(x) = psi(1 - x) - pi / tan(pi x); tan has period pi, so
           reduce x by the nearest integer first (exact) */
        double r = x - nearbyint(x);
        return pyt_digamma_pos(1.0 - x) - M_PI / tan(M_PI * r);
    }
    return pyt_digamma_pos(x);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
