/* pyt_cuda_random_fill: philox.pyx's fill() on the GPU, value for value. One thread
   makes one Philox block and the values it holds (value i of a call comes from block
   first_block + i / per_block, slot i % per_block), maps them as _fill_chunk does and
   stores them with pyt's cast.

   pyt_philox.h's maps are evaluated here with explicitly rounded operations: nvcc would
   otherwise fuse a * b + c into one FMA and change the last bits of the CPU's
   (FMA-free) results. Only exp (log-normal), tan (Cauchy) and Poisson's log / exp are
   the GPU's own libm, within an ulp of the CPU's. */
#include "cast.cuh"
#include "iter.cuh"
#include "pyt_philox.h"

enum { PYT_RNG_UNIFORM = 0, PYT_RNG_NORMAL, PYT_RNG_LOG_NORMAL, PYT_RNG_EXPONENTIAL,
       PYT_RNG_GEOMETRIC, PYT_RNG_CAUCHY, PYT_RNG_BERNOULLI, PYT_RNG_INTEGER,
       PYT_RNG_POISSON, PYT_RNG_NUM_KINDS };

/* a * b, a + b, a - b, each rounded on its own (never fused) */
PYT_HD double pyt_rn_mul(double a, double b)
{
#ifdef __CUDA_ARCH__
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}
PYT_HD double pyt_rn_add(double a, double b)
{
#ifdef __CUDA_ARCH__
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}
PYT_HD double pyt_rn_sub(double a, double b)
{
#ifdef __CUDA_ARCH__
    return __dsub_rn(a, b);
#else
    return a - b;
#endif
}

/* c[0] + x (c[1] + x (c[2] + ...)), as the CPU's nested expression */
PYT_HD double pyt_rn_horner(double x, const double *c, int n)
{
    double t = c[n - 1];
    for (int k = n - 2; k >= 0; k--) t = pyt_rn_add(c[k], pyt_rn_mul(x, t));
    return t;
}

/* pyt_rng_log */
PYT_HD double pyt_cu_rng_log(double x)
{
    const double series_c[11] = {1.0, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13,
                                 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21};
    union { double d; int64_t i; } bits;
    bits.d = x;
    int64_t shifted = bits.i - 0x3fe6a09e667f3bcdll;
    int64_t exponent = shifted >> 52;
    bits.i -= exponent << 52;
    double m = bits.d, e = (double)exponent;
    double s = (m - 1.0) / (m + 1.0), s2 = pyt_rn_mul(s, s);
    double series = pyt_rn_horner(s2, series_c, 11);
    return pyt_rn_add(pyt_rn_mul(e, 0.69314718055994530942), pyt_rn_mul(pyt_rn_mul(2.0, s), series));
}

/* pyt_rng_cos_sin_turns */
PYT_HD void pyt_cu_rng_cos_sin_turns(double u, double *c, double *s)
{
    const double two_pi = 6.283185307179586476925286766559;
    const double sin_c[8] = {1.0, -1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880,
                             -1.0 / 39916800, 1.0 / 6227020800.0, -1.0 / 1307674368000.0};
    const double cos_c[9] = {1.0, -1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800,
                             1.0 / 479001600, -1.0 / 87178291200.0, 1.0 / 20922789888000.0};
    int quarter = (int)pyt_rn_add(pyt_rn_mul(u, 4.0), 0.5);
    double x = pyt_rn_mul(two_pi, pyt_rn_sub(u, pyt_rn_mul(0.25, (double)quarter)));
    double x2 = pyt_rn_mul(x, x);
    double sin_x = pyt_rn_mul(x, pyt_rn_horner(x2, sin_c, 8));
    double cos_x = pyt_rn_horner(x2, cos_c, 9);
    switch (quarter & 3) {
    case 0: *c = cos_x; *s = sin_x; break;
    case 1: *c = -sin_x; *s = cos_x; break;
    case 2: *c = -cos_x; *s = -sin_x; break;
    default: *c = sin_x; *s = -cos_x; break;
    }
}

/* pyt_rng_normal_pair */
PYT_HD void pyt_cu_rng_normal_pair(uint64_t r0, uint64_t r1, double *z0, double *z1)
{
    double radius = sqrt(pyt_rn_mul(-2.0, pyt_cu_rng_log(pyt_rng_open01(r0))));
    double c, s;
    pyt_cu_rng_cos_sin_turns(pyt_rng_uniform53(r1), &c, &s);
    *z0 = pyt_rn_mul(radius, c);
    *z1 = pyt_rn_mul(radius, s);
}

/* ---- Poisson (philox.pyx's _poisson): a varying number of draws from one block ----- */

namespace {
struct pyt_cu_draws {
    uint64_t seed, block, draw;
    uint32_t w[4];
    int left;
};
}  // namespace

PYT_HD double pyt_cu_next_open01(pyt_cu_draws *d)
{
    if (d->left == 0) {
        pyt_philox_block(d->seed, d->block, d->draw, d->w);
        d->draw += 1;
        d->left = 2;
    }
    d->left -= 1;
    if (d->left == 1) return pyt_rng_open01(pyt_rng_u64(d->w[0], d->w[1]));
    return pyt_rng_open01(pyt_rng_u64(d->w[2], d->w[3]));
}

PYT_HD double pyt_cu_log_factorial(double k)
{
    if (k < 16) {
        double p = 1.0;
        for (double i = 2; i <= k; i += 1) p *= i;
        return log(p);
    }
    double x = k + 1;
    double r = pyt_rn_sub(pyt_rn_mul(x - 0.5, log(x)), x);
    r = r + 0.91893853320467274178;
    r = r + 1.0 / (12.0 * x);
    r = r - 1.0 / (360.0 * x * x * x);
    return r + 1.0 / (1260.0 * x * x * x * x * x);
}

PYT_HD double pyt_cu_poisson(double rate, uint64_t seed, uint64_t block)
{
    pyt_cu_draws d;
    d.seed = seed;
    d.block = block;
    d.draw = 0;
    d.left = 0;
    if (rate <= 0) return 0;
    if (rate < 10) {                                   /* Knuth */
        double limit = exp(-rate), product = pyt_cu_next_open01(&d), k = 0;
        while (product > limit) {
            product *= pyt_cu_next_open01(&d);
            k += 1;
        }
        return k;
    }
    /* Hormann's PTRS */
    double slam = sqrt(rate), log_rate = log(rate);
    double b_ = pyt_rn_add(0.931, pyt_rn_mul(2.53, slam));
    double a_ = pyt_rn_add(-0.059, pyt_rn_mul(0.02483, b_));
    double inv_alpha = 1.1239 + 1.1328 / (b_ - 3.4);
    double v_r = 0.9277 - 3.6224 / (b_ - 2);
    for (;;) {
        double u = pyt_cu_next_open01(&d) - 0.5;
        double v = pyt_cu_next_open01(&d);
        double us = 0.5 - fabs(u);
        double k = floor(pyt_rn_add(pyt_rn_add(pyt_rn_mul(pyt_rn_add(2 * a_ / us, b_), u), rate), 0.43));
        if (us >= 0.07 && v <= v_r) return k;
        if (k < 0 || (us < 0.013 && v > us)) continue;
        double lhs = pyt_rn_sub(pyt_rn_add(log(v), log(inv_alpha)),
                                log(pyt_rn_add(a_ / pyt_rn_mul(us, us), b_)));
        double rhs = pyt_rn_sub(pyt_rn_add(-rate, pyt_rn_mul(k, log_rate)),
                                pyt_cu_log_factorial(k));
        if (lhs <= rhs) return k;
    }
}

/* ---- the values of one block ---------------------------------------------------------- */

PYT_HD int pyt_cu_mantissa_digits(int code)
{
    return code == PYT_FLOAT16 ? 11 : code == PYT_BFLOAT16 ? 8 : code == PYT_FLOAT32 ? 24 : 53;
}

PYT_HD int pyt_cu_values_per_block(int kind, int code)
{
    if (kind == PYT_RNG_UNIFORM && pyt_cu_mantissa_digits(code) <= 24) return 4;
    if (kind == PYT_RNG_POISSON) return 1;
    return 2;
}

/* Stores values [first, first + count) (count <= per_block: those of block
   first_block + first / per_block) into out (contiguous values of dtype code).
   log_q: log1p(-a), the geometric's constant, computed once by the CPU's libm. */
PYT_HD void pyt_cu_random_block(const pyt_cuda_random_spec &s, char *out, int code,
                                int64_t first, int count, uint64_t seed, uint64_t first_block,
                                double log_q)
{
    const int per = pyt_cu_values_per_block(s.kind, code), size = pyt_cu_itemsize(code);
    const uint64_t block = first_block + (uint64_t)(first / per);
    uint32_t w[4];
    pyt_wide v;
    if (s.kind == PYT_RNG_POISSON) {
        v.is_float = 1;
        v.i = 0;
        v.d = pyt_cu_poisson(s.a_each ? s.a_each[first] : s.a, seed, block);
        pyt_cu_write(out + first * size, code, v);
        return;
    }
    pyt_philox_block(seed, block, 0, w);
    const uint64_t r[2] = {pyt_rng_u64(w[0], w[1]), pyt_rng_u64(w[2], w[3])};
    double z[2] = {0, 0};
    if (s.kind == PYT_RNG_NORMAL || s.kind == PYT_RNG_LOG_NORMAL)
        pyt_cu_rng_normal_pair(r[0], r[1], &z[0], &z[1]);
    for (int j = 0; j < count; j++) {
        const int64_t i = first + j;
        double a = s.a, b = s.b, x;
        if (s.kind == PYT_RNG_INTEGER) {
            v.is_float = 0;
            v.d = 0;
            v.i = (int64_t)((uint64_t)s.low + pyt_rng_below(r[j], s.range));
            pyt_cu_write(out + i * size, code, v);
            continue;
        }
        switch (s.kind) {
        case PYT_RNG_UNIFORM:
            x = per == 4 ? pyt_rng_uniform_bits(w[j], pyt_cu_mantissa_digits(code))
                         : pyt_rng_uniform53(r[j]);
            x = pyt_rn_add(a, pyt_rn_mul(b - a, x));
            break;
        case PYT_RNG_NORMAL:
        case PYT_RNG_LOG_NORMAL:
            if (s.a_each) a = s.a_each[i];
            if (s.b_each) b = s.b_each[i];
            x = pyt_rn_add(a, pyt_rn_mul(b, z[j]));
            if (s.kind == PYT_RNG_LOG_NORMAL) x = exp(x);
            break;
        case PYT_RNG_BERNOULLI:
            if (s.a_each) a = s.a_each[i];
            x = pyt_rng_uniform53(r[j]) < a ? 1.0 : 0.0;
            break;
        case PYT_RNG_EXPONENTIAL:
            x = -pyt_cu_rng_log(pyt_rng_open01(r[j])) / a;
            break;
        case PYT_RNG_GEOMETRIC:
            x = ceil(pyt_cu_rng_log(pyt_rng_open01(r[j])) / log_q);
            break;
        default: {                                      /* Cauchy */
            const double pi = 3.14159265358979323846;
            x = pyt_rn_add(a, pyt_rn_mul(b, tan(pyt_rn_mul(pi, pyt_rng_open01(r[j]) - 0.5))));
            break;
        }
        }
        v.is_float = 1;
        v.i = 0;
        v.d = x;
        pyt_cu_write(out + i * size, code, v);
    }
}

#ifdef __CUDACC__
static __global__ void __launch_bounds__(PYT_CUDA_THREADS)
pyt_random_kernel(pyt_cuda_random_spec spec, char *out, int code, int64_t n, uint64_t seed,
                  uint64_t first_block, double log_q)
{
    const int per = pyt_cu_values_per_block(spec.kind, code);
    const int64_t blocks = (n + per - 1) / per, step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t b = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; b < blocks; b += step) {
        const int64_t first = b * per;
        const int count = n - first < per ? (int)(n - first) : per;
        pyt_cu_random_block(spec, out, code, first, count, seed, first_block, log_q);
    }
}

extern "C" int pyt_cuda_random_fill(const pyt_cuda_random_spec *spec, char *out, int code,
                                    int64_t n, uint64_t seed, uint64_t first_block)
{
    if (!spec || spec->kind < 0 || spec->kind >= PYT_RNG_NUM_KINDS || code < 0 ||
        code >= PYT_NUM_DTYPES || n < 0)
        return PYT_CUDA_ERR_INVALID;
    if (n == 0) return 0;
    if (!out) return PYT_CUDA_ERR_INVALID;
    const int per = pyt_cu_values_per_block(spec->kind, code);
    const double log_q = spec->kind == PYT_RNG_GEOMETRIC ? log1p(-spec->a) : 0.0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    pyt_random_kernel<<<pyt_blocks_for((n + per - 1) / per), PYT_CUDA_THREADS, 0, stream>>>(
        *spec, out, code, n, seed, first_block, log_q);
    return pyt_launch_error();
}
#endif
