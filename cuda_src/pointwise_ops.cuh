/* The element functions of pyt's pointwise op tables (pyt_binary.h, pyt_math.h) for the
   GPU: the same formulas, one function per family and compute class, the op picked by
   a switch on its code. Each family is a functor over a dtype: it loads its inputs'
   storage values, computes, and returns the stored output. Everything is
   __host__ __device__ so that a host program can compare them with the CPU's loops. */
#ifndef PYT_CUDA_POINTWISE_OPS_CUH
#define PYT_CUDA_POINTWISE_OPS_CUH
#include "cast.cuh"

/* the integer formulas are written once for every integer type: comparisons that are
   always false for the unsigned ones are expected */
#pragma nv_diag_suppress 186
#pragma nv_diag_suppress 514

/* file-local: other .cu files of the library may use the same names */
namespace {

/* the op codes: the CPU's enums */
enum { PYT_OP_ADD = 0, PYT_OP_SUB, PYT_OP_MUL, PYT_OP_DIV, PYT_OP_FLOORDIV, PYT_OP_TRUNCDIV,
       PYT_OP_REMAINDER, PYT_OP_FMOD, PYT_NUM_ARITH };
enum { PYT_CMP_EQ = 0, PYT_CMP_NE, PYT_CMP_LT, PYT_CMP_LE, PYT_CMP_GT, PYT_CMP_GE, PYT_NUM_CMP };
enum {
    PYT_UN_EXP = 0, PYT_UN_EXP2, PYT_UN_EXPM1, PYT_UN_LOG, PYT_UN_LOG2, PYT_UN_LOG10,
    PYT_UN_LOG1P, PYT_UN_SQRT, PYT_UN_RSQRT, PYT_UN_SIN, PYT_UN_COS, PYT_UN_TAN,
    PYT_UN_ASIN, PYT_UN_ACOS, PYT_UN_ATAN, PYT_UN_SINH, PYT_UN_COSH, PYT_UN_TANH,
    PYT_UN_ASINH, PYT_UN_ACOSH, PYT_UN_ATANH, PYT_UN_SIGMOID, PYT_UN_ERF, PYT_UN_ERFC,
    PYT_UN_ERFINV, PYT_UN_LGAMMA, PYT_UN_DIGAMMA, PYT_UN_RECIPROCAL, PYT_UN_LOGIT,
    PYT_UN_ROUND_DECIMALS, PYT_UN_FRAC,
    PYT_UN_ABS, PYT_UN_FLOOR, PYT_UN_CEIL, PYT_UN_ROUND, PYT_UN_TRUNC, PYT_UN_SIGN,
    PYT_UN_RELU, PYT_UN_BITWISE_NOT, PYT_UN_NAN_TO_NUM,
    PYT_UN_ISNAN, PYT_UN_ISINF, PYT_UN_ISPOSINF, PYT_UN_ISNEGINF, PYT_UN_ISFINITE,
    PYT_UN_LOGICAL_NOT,
    PYT_NUM_UNARY
};
enum {
    PYT_BI_POW = 0, PYT_BI_ATAN2, PYT_BI_HYPOT, PYT_BI_MAXIMUM, PYT_BI_MINIMUM,
    PYT_BI_FMAX, PYT_BI_FMIN, PYT_BI_BITWISE_AND, PYT_BI_BITWISE_OR, PYT_BI_BITWISE_XOR,
    PYT_BI_LSHIFT, PYT_BI_RSHIFT, PYT_BI_LOGICAL_AND, PYT_BI_LOGICAL_OR,
    PYT_BI_LOGICAL_XOR, PYT_BI_ISCLOSE,
    PYT_NUM_MATH_BINARY
};
enum { PYT_TER_ADDCMUL = 0, PYT_TER_ADDCDIV, PYT_TER_LERP, PYT_TER_CLAMP, PYT_NUM_TERNARY };

/* ---- which (family, op, dtype) the CPU tables hold ---------------------------------- */

PYT_HD int pyt_cu_pointwise_has(int family, int op, int dtype)
{
    const int is_float = dtype >= PYT_FLOAT16, is_bool = dtype == PYT_BOOL;
    if (dtype < 0 || dtype >= PYT_NUM_DTYPES) return 0;
    switch (family) {
    case PYT_CUDA_ARITH: return op >= 0 && op < PYT_NUM_ARITH;
    case PYT_CUDA_CMP: return op >= 0 && op < PYT_NUM_CMP;
    case PYT_CUDA_UNARY:
        if (op < 0 || op >= PYT_NUM_UNARY) return 0;
        if (op <= PYT_UN_FRAC) return is_float;
        if (op == PYT_UN_SIGN || op >= PYT_UN_NAN_TO_NUM) return 1;
        if (op == PYT_UN_BITWISE_NOT) return !is_float;
        return !is_bool;                                /* abs .. trunc, relu */
    case PYT_CUDA_MATH_BINARY:
        switch (op) {
        case PYT_BI_POW: return !is_bool;
        case PYT_BI_ATAN2: case PYT_BI_HYPOT: return is_float;
        case PYT_BI_BITWISE_AND: case PYT_BI_BITWISE_OR: case PYT_BI_BITWISE_XOR:
            return !is_float;
        case PYT_BI_LSHIFT: case PYT_BI_RSHIFT: return !is_float && !is_bool;
        default: return op >= 0 && op < PYT_NUM_MATH_BINARY;
        }
    case PYT_CUDA_TERNARY:
        switch (op) {
        case PYT_TER_ADDCMUL: case PYT_TER_CLAMP: return !is_bool;
        case PYT_TER_ADDCDIV: case PYT_TER_LERP: return is_float;
        default: return 0;
        }
    default: return 0;
    }
}

/* the ops writing bool whatever the input dtype */
PYT_HD int pyt_cu_pointwise_bool_out(int family, int op)
{
    return family == PYT_CUDA_CMP || (family == PYT_CUDA_UNARY && op >= PYT_UN_ISNAN) ||
           (family == PYT_CUDA_MATH_BINARY && op >= PYT_BI_LOGICAL_AND);
}

/* ---- helpers -------------------------------------------------------------------------- */

/* integer + - * and negation that wrap (the CPU builds with -fwrapv) */
template <typename C> PYT_HD C pyt_wadd(C a, C b)
{
    typedef typename std::make_unsigned<decltype(a + b)>::type U;
    return (C)(decltype(a + b))((U)a + (U)b);
}
template <typename C> PYT_HD C pyt_wsub(C a, C b)
{
    typedef typename std::make_unsigned<decltype(a - b)>::type U;
    return (C)(decltype(a - b))((U)a - (U)b);
}
template <typename C> PYT_HD C pyt_wmul(C a, C b)
{
    typedef typename std::make_unsigned<decltype(a * b)>::type U;
    return (C)(decltype(a * b))((U)a * (U)b);
}
template <typename C> PYT_HD decltype(+C()) pyt_wneg(C a)
{
    typedef decltype(+C()) P;
    typedef typename std::make_unsigned<P>::type U;
    return (P)((U)0 - (U)(P)a);
}

/* a * b + c rounded twice, never fused (the CPU's x86-64 code has no FMA) */
PYT_HD double pyt_mul_d(double a, double b)
{
#ifdef __CUDA_ARCH__
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}

/* pyt_math.h's maximum / minimum / fmax / fmin (nan: a + b) */
template <typename F> PYT_HD F pyt_cu_maximum(F a, F b)
{ return ((a != a) | (b != b)) ? a + b : (a < b ? b : a); }
template <typename F> PYT_HD F pyt_cu_minimum(F a, F b)
{ return ((a != a) | (b != b)) ? a + b : (b < a ? b : a); }
template <typename F> PYT_HD F pyt_cu_fmax(F a, F b) { return a != a ? b : (a < b ? b : a); }
template <typename F> PYT_HD F pyt_cu_fmin(F a, F b) { return a != a ? b : (b < a ? b : a); }
template <typename C> PYT_HD C pyt_cu_imax(C a, C b) { return a < b ? b : a; }
template <typename C> PYT_HD C pyt_cu_imin(C a, C b) { return b < a ? b : a; }

/* ---- arith: pyt_binary.h ---------------------------------------------------------------- */

template <typename C> PYT_HD C pyt_cu_arith_int(int op, C x, C y)
{
    switch (op) {
    case PYT_OP_ADD: return pyt_wadd(x, y);
    case PYT_OP_SUB: return pyt_wsub(x, y);
    case PYT_OP_MUL: return pyt_wmul(x, y);
    case PYT_OP_DIV: case PYT_OP_TRUNCDIV:
        return y == 0 ? (C)0 : y == -1 ? (C)pyt_wneg(x) : (C)(x / y);
    case PYT_OP_FLOORDIV:
        return y == 0 ? (C)0 : y == -1 ? (C)pyt_wneg(x)
             : (C)(x / y - ((x % y != 0) && ((x < 0) != (y < 0))));
    case PYT_OP_REMAINDER:
        if (y == 0 || y == -1) return 0;
        return (C)(x % y + ((((x % y) != 0) && (((x % y) < 0) != (y < 0))) ? y : 0));
    default:                                            /* fmod */
        return (y == 0 || y == -1) ? (C)0 : (C)(x % y);
    }
}

template <typename F> PYT_HD F pyt_cu_floordiv(F a, F b)
{
    if (b == 0) return a / b;
    F mod = fmod(a, b);
    F div = (a - mod) / b;                              /* exact multiple of b over b */
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return copysign((F)0, a / b);
    F fl = floor(div);
    return div - fl > (F)0.5 ? fl + 1 : fl;
}

template <typename F> PYT_HD F pyt_cu_remainder(F a, F b)
{
    F mod = fmod(a, b);
    return (mod != 0 && ((b < 0) != (mod < 0))) ? mod + b : mod;
}

template <typename F> PYT_HD F pyt_cu_arith_float(int op, F x, F y)
{
    switch (op) {
    case PYT_OP_ADD: return x + y;
    case PYT_OP_SUB: return x - y;
    case PYT_OP_MUL: return x * y;
    case PYT_OP_DIV: return x / y;
    case PYT_OP_FLOORDIV: return pyt_cu_floordiv(x, y);
    case PYT_OP_TRUNCDIV: return trunc(x / y);
    case PYT_OP_REMAINDER: return pyt_cu_remainder(x, y);
    default: return fmod(x, y);
    }
}

template <int CODE> struct pyt_arith_op {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef T Out;
    int op;
    PYT_HD_MEMBER Out operator()(const T *x) const
    {
        typename D::C a = D::ld(x[0]), b = D::ld(x[1]);
        if constexpr (D::K == 0) return D::st(pyt_cu_arith_int(op, a, b));
        else return D::st(pyt_cu_arith_float(op, a, b));
    }
};

template <int CODE> struct pyt_cmp_op {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef uint8_t Out;
    int op;
    PYT_HD_MEMBER Out operator()(const T *x) const
    {
        typename D::C a = D::ld(x[0]), b = D::ld(x[1]);
        switch (op) {
        case PYT_CMP_EQ: return a == b;
        case PYT_CMP_NE: return a != b;
        case PYT_CMP_LT: return a < b;
        case PYT_CMP_LE: return a <= b;
        case PYT_CMP_GT: return a > b;
        default: return a >= b;
        }
    }
};

/* ---- unary: pyt_math.h ------------------------------------------------------------------ */

/* digamma as pyt_special.h computes it (libm's pieces are the GPU's) */
PYT_HD double pyt_cu_digamma_pos(double x)
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

PYT_HD double pyt_cu_digamma(double x)
{
    const double pi = 3.14159265358979323846;
    if (x == 0.0) return copysign((double)INFINITY, -x);
    if (x < 0.0) {
        if (x == floor(x)) return NAN;
        double r = x - nearbyint(x);
        return pyt_cu_digamma_pos(1.0 - x) - pi / tan(pi * r);
    }
    return pyt_cu_digamma_pos(x);
}

/* polygamma(n, x), n >= 1, as math_ops.pyx's _polygamma_value computes it:
   (-1)^(n+1) n! zeta(n + 1, x), the Hurwitz zeta summed term by term until q + k >= s + 10,
   then its Euler-Maclaurin tail (B_2k / (2k)!, k = 1..8) */
PYT_HD double pyt_cu_hurwitz_zeta(double s, double q)
{
    const double bernoulli[8] = {1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600,
                                 1.0 / 47900160, -691.0 / 1307674368000, 1.0 / 74724249600,
                                 -3617.0 / 10670622842880000};
    if (q <= 0.0 && q == floor(q)) return INFINITY;     /* a pole (or q = -inf) */
    double total = 0.0, a = q;
    while (a < s + 10.0) {
        total += pow(a, -s);
        a += 1.0;
    }
    double tail = pow(a, 1.0 - s) / (s - 1.0) + 0.5 * pow(a, -s);
    double rising = s * pow(a, -s - 1.0);             /* s (s+1) ... (s+2k-2) a^(-s-2k+1) */
    const double inv_a2 = 1.0 / (a * a);
    for (int k = 0; k < 8; k++) {
        const double term = bernoulli[k] * rising;
        tail += term;
        if (fabs(term) <= 1e-17 * fabs(total + tail)) break;
        rising *= (s + 2 * k + 1) * (s + 2 * k + 2) * inv_a2;
    }
    return total + tail;
}

/* nan at the infinities where torch gives nan (trigamma at -inf, higher orders at +inf) */
PYT_HD double pyt_cu_polygamma(int n, double x)
{
    if (isinf(x) && ((n == 1) != (x > 0))) return NAN;
    return (n % 2 ? 1.0 : -1.0) * tgamma(n + 1.0) * pyt_cu_hurwitz_zeta(n + 1.0, x);
}

PYT_HD double pyt_cu_erfinv(double y)
{
#ifdef __CUDA_ARCH__
    return erfinv(y);
#else
    /* the host has no erfinv: pyt_special.h's Newton-Halley version */
    if (!(y > -1.0 && y < 1.0)) {
        if (y == 1.0) return INFINITY;
        if (y == -1.0) return -INFINITY;
        return NAN;
    }
    if (y == 0.0) return y;
    const double a = 0.147, pi = 3.14159265358979323846;
    double w = log((1.0 - y) * (1.0 + y));
    double t = 2.0 / (pi * a) + 0.5 * w;
    double x = copysign(sqrt(sqrt(t * t - w / a) - t), y);
    for (int i = 0; i < 2; i++) {
        double f;
        if (y >= 0.5) f = (1.0 - y) - erfc(x);
        else if (y <= -0.5) f = erfc(-x) - (1.0 + y);
        else f = erf(x) - y;
        double df = 1.1283791670955126 * exp(-x * x);
        x -= f / (df + x * f);
    }
    return x;
#endif
}

/* the ops of the float class: F is float (float16, bfloat16, float32) or double; the
   float overloads of <cmath> pick expf etc. for float */
/* the transcendental ops (exp .. round_decimals): one out-of-line copy per compute
   class, shared by every kernel that calls it, which keeps the compile time down */
template <typename F> static __host__ __device__ __noinline__ F
pyt_cu_unary_math(int op, F x, const pyt_cuda_math_ctx &c)
{
    switch (op) {
    case PYT_UN_EXP: return exp(x);
    case PYT_UN_EXP2: return exp2(x);
    case PYT_UN_EXPM1: return expm1(x);
    case PYT_UN_LOG: return log(x);
    case PYT_UN_LOG2: return log2(x);
    case PYT_UN_LOG10: return log10(x);
    case PYT_UN_LOG1P: return log1p(x);
    case PYT_UN_SQRT: return sqrt(x);
    case PYT_UN_RSQRT: return (F)1 / sqrt(x);
    case PYT_UN_SIN: return sin(x);
    case PYT_UN_COS: return cos(x);
    case PYT_UN_TAN: return tan(x);
    case PYT_UN_ASIN: return asin(x);
    case PYT_UN_ACOS: return acos(x);
    case PYT_UN_ATAN: return atan(x);
    case PYT_UN_SINH: return sinh(x);
    case PYT_UN_COSH: return cosh(x);
    case PYT_UN_TANH: return tanh(x);
    case PYT_UN_ASINH: return asinh(x);
    case PYT_UN_ACOSH: return acosh(x);
    case PYT_UN_ATANH: return atanh(x);
    case PYT_UN_SIGMOID: return (F)1 / ((F)1 + exp(-x));
    case PYT_UN_ERF: return erf(x);
    case PYT_UN_ERFC: return erfc(x);
    case PYT_UN_ERFINV: return (F)pyt_cu_erfinv((double)x);
    case PYT_UN_LGAMMA: return (F)lgamma((double)x);
    case PYT_UN_DIGAMMA: return (F)pyt_cu_digamma((double)x);
    case PYT_UN_RECIPROCAL: return (F)1 / x;
    case PYT_UN_LOGIT:
        if (c.i[0]) {                       /* clamp to [eps, 1 - eps] */
            F lo = (F)c.d[0], hi = 1 - (F)c.d[0];
            x = x < lo ? lo : (x > hi ? hi : x);
        }
        return log(x / (1 - x));
    case PYT_UN_ROUND_DECIMALS: {           /* d[0] = 10^|decimals|, i[0] = decimals */
        F ten = (F)c.d[0];
        return c.i[0] > 0 ? rint(x * ten) / ten : rint(x / ten) * ten;
    }
    default: return x - trunc(x);           /* frac */
    }
}

template <typename F> PYT_HD F pyt_cu_unary_float(int op, F x, const pyt_cuda_math_ctx &c)
{
    switch (op) {
    case PYT_UN_ABS: return fabs(x);
    case PYT_UN_FLOOR: return floor(x);
    case PYT_UN_CEIL: return ceil(x);
    case PYT_UN_ROUND: return rint(x);      /* half to even */
    case PYT_UN_TRUNC: return trunc(x);
    case PYT_UN_SIGN: return (F)((0 < x) - (x < 0));
    case PYT_UN_RELU: return x < 0 ? (F)0 : x;    /* keeps -0.0 and nan */
    case PYT_UN_NAN_TO_NUM:                 /* d = {nan, posinf, neginf} */
        return x != x ? (F)c.d[0] : x == (F)INFINITY ? (F)c.d[1]
             : x == -(F)INFINITY ? (F)c.d[2] : x;
    case PYT_UN_SQRT: return sqrt(x);
    case PYT_UN_RSQRT: return (F)1 / sqrt(x);
    case PYT_UN_RECIPROCAL: return (F)1 / x;
    default: return pyt_cu_unary_math(op, x, c);
    }
}

template <typename C> PYT_HD decltype(+C()) pyt_cu_unary_int(int op, C x)
{
    switch (op) {
    case PYT_UN_ABS: return x < 0 ? pyt_wneg(x) : +x;
    case PYT_UN_SIGN: return (0 < x) - (x < 0);
    case PYT_UN_RELU: return x < 0 ? 0 : +x;
    case PYT_UN_BITWISE_NOT: return ~x;
    default: return +x;                     /* floor, ceil, round, trunc, nan_to_num */
    }
}

/* unary ops of the input's dtype (exp .. nan_to_num) */
template <int CODE> struct pyt_unary_op {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef T Out;
    int op;
    pyt_cuda_math_ctx ctx;
    PYT_HD_MEMBER Out operator()(const T *x) const
    {
        typename D::C v = D::ld(x[0]);
        if constexpr (D::K != 0) return D::st(pyt_cu_unary_float(op, v, ctx));
        else if constexpr (CODE == PYT_BOOL)     /* ~ on bool is logical not */
            return D::st(op == PYT_UN_BITWISE_NOT ? v == 0 : pyt_cu_unary_int(op, v));
        else return D::st(pyt_cu_unary_int(op, v));
    }
};

/* relu alone: memory bound and in every convolutional network, so it gets the vectorised
   contiguous path that the unary family's large switch does not */
template <int CODE> struct pyt_relu_op {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef T Out;
    PYT_HD_MEMBER Out operator()(const T *x) const
    {
        typename D::C v = D::ld(x[0]);
        if constexpr (D::K != 0) return D::st(v < 0 ? (typename D::C)0 : v);
        else return D::st(pyt_cu_unary_int(PYT_UN_RELU, v));
    }
};

/* unary predicates (isnan .. logical_not), writing bool */
template <int CODE> struct pyt_unary_pred {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef uint8_t Out;
    int op;
    PYT_HD_MEMBER Out operator()(const T *x) const
    {
        typename D::C v = D::ld(x[0]);
        if (op == PYT_UN_LOGICAL_NOT) return v == 0;
        if constexpr (D::K == 0) {
            return op == PYT_UN_ISFINITE;
        } else {
            switch (op) {
            case PYT_UN_ISNAN: return v != v;
            case PYT_UN_ISINF: return v == (typename D::C)INFINITY || v == -(typename D::C)INFINITY;
            case PYT_UN_ISPOSINF: return v == (typename D::C)INFINITY;
            case PYT_UN_ISNEGINF: return v == -(typename D::C)INFINITY;
            default: return v - v == 0;    /* isfinite: nan for inf and nan */
            }
        }
    }
};

/* ---- binary math: pyt_math.h ------------------------------------------------------------ */

PYT_HD int64_t pyt_cu_ipow(int64_t base, int64_t e)
{
    if (e < 0) return base == 1 ? 1 : base == -1 ? ((e & 1) ? -1 : 1) : 0;
    uint64_t r = 1, b = (uint64_t)base;
    while (e) {
        if (e & 1) r *= b;
        b *= b;
        e >>= 1;
    }
    return (int64_t)r;
}

template <typename F> static __host__ __device__ __noinline__ F
pyt_cu_binary_math(int op, F a, F b)
{
    return op == PYT_BI_POW ? pow(a, b) : op == PYT_BI_ATAN2 ? atan2(a, b) : hypot(a, b);
}

template <typename F> PYT_HD F pyt_cu_binary_float(int op, F a, F b)
{
    switch (op) {
    case PYT_BI_POW: case PYT_BI_ATAN2: case PYT_BI_HYPOT: return pyt_cu_binary_math(op, a, b);
    case PYT_BI_MAXIMUM: return pyt_cu_maximum(a, b);
    case PYT_BI_MINIMUM: return pyt_cu_minimum(a, b);
    case PYT_BI_FMAX: return pyt_cu_fmax(a, b);
    default: return pyt_cu_fmin(a, b);
    }
}

/* T: the stored type, whose width bounds the shifts */
template <typename T, typename C> PYT_HD int64_t pyt_cu_binary_int(int op, C a, C b)
{
    const int64_t bits = 8 * (int64_t)sizeof(T);
    switch (op) {
    case PYT_BI_POW: return pyt_cu_ipow((int64_t)a, (int64_t)b);
    case PYT_BI_MAXIMUM: case PYT_BI_FMAX: return pyt_cu_imax(a, b);
    case PYT_BI_MINIMUM: case PYT_BI_FMIN: return pyt_cu_imin(a, b);
    case PYT_BI_BITWISE_AND: return a & b;
    case PYT_BI_BITWISE_OR: return a | b;
    case PYT_BI_BITWISE_XOR: return a ^ b;
    case PYT_BI_LSHIFT:          /* a negative or too large shift: 0, or the sign for >> */
        return b < 0 || (int64_t)b >= bits ? 0 : (int64_t)((uint64_t)a << b);
    default:
        return b < 0 || (int64_t)b >= bits ? (a < 0 ? -1 : 0) : (int64_t)(a >> b);
    }
}

/* binary math ops of the input's dtype (pow .. rshift) */
template <int CODE> struct pyt_binary_op {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef T Out;
    int op;
    PYT_HD_MEMBER Out operator()(const T *x) const
    {
        typename D::C a = D::ld(x[0]), b = D::ld(x[1]);
        if constexpr (D::K != 0) return D::st(pyt_cu_binary_float(op, a, b));
        else return D::st(pyt_cu_binary_int<T>(op, a, b));
    }
};

template <typename F> PYT_HD int pyt_cu_isclose_float(F a, F b, const pyt_cuda_math_ctx &c)
{
    if (a == b) return 1;
    if (a != a || b != b) return c.i[0] && a != a && b != b;
    double err = fabs((double)a - (double)b);
    return err - err == 0 && err <= c.d[1] + pyt_mul_d(c.d[0], fabs((double)b));
}

PYT_HD int pyt_cu_isclose_int(int64_t a, int64_t b, const pyt_cuda_math_ctx &c)
{
    uint64_t diff = a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
    return a == b || (double)diff <= c.d[1] + pyt_mul_d(c.d[0], fabs((double)b));
}

/* binary ops writing bool (logical_and .. isclose) */
template <int CODE> struct pyt_binary_pred {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef uint8_t Out;
    int op;
    pyt_cuda_math_ctx ctx;
    PYT_HD_MEMBER Out operator()(const T *x) const
    {
        typename D::C a = D::ld(x[0]), b = D::ld(x[1]);
        switch (op) {
        case PYT_BI_LOGICAL_AND: return (a != 0) & (b != 0);
        case PYT_BI_LOGICAL_OR: return (a != 0) | (b != 0);
        case PYT_BI_LOGICAL_XOR: return (a != 0) ^ (b != 0);
        default:
            if constexpr (CODE == PYT_BOOL) return a == b;
            else if constexpr (D::K == 0) return pyt_cu_isclose_int(a, b, ctx);
            else return pyt_cu_isclose_float(a, b, ctx);
        }
    }
};

/* ---- ternary: pyt_math.h ---------------------------------------------------------------- */

/* x * y + z fused, or rounded twice: the CPU's float32 and float64 loops are compiled
   for AVX2 too (target_clones), where GCC fuses them; its float16 and bfloat16 loops
   are not */
template <typename F, bool FUSED> PYT_HD F pyt_cu_madd(F x, F y, F z)
{
    if (FUSED) return fma(x, y, z);
#ifdef __CUDA_ARCH__
    return __fadd_rn(__fmul_rn(x, y), z);
#else
    return x * y + z;
#endif
}

template <typename F, bool FUSED> PYT_HD F pyt_cu_ternary_float(int op, F a, F b, F w,
                                                                const pyt_cuda_math_ctx &c)
{
    switch (op) {
    case PYT_TER_ADDCMUL: return pyt_cu_madd<F, FUSED>((F)c.d[0] * b, w, a);
    case PYT_TER_ADDCDIV: return pyt_cu_madd<F, FUSED>((F)c.d[0], b / w, a);
    case PYT_TER_LERP: {                    /* exact at both ends */
        F diff = b - a;
        return fabs(w) < (F)0.5 ? pyt_cu_madd<F, FUSED>(w, diff, a)
                                : pyt_cu_madd<F, FUSED>(-diff, 1 - w, b);
    }
    default: return pyt_cu_minimum(pyt_cu_maximum(a, b), w);   /* clamp */
    }
}

template <typename C> PYT_HD int64_t pyt_cu_ternary_int(int op, C a, C b, C w,
                                                        const pyt_cuda_math_ctx &c)
{
    if (op == PYT_TER_ADDCMUL)                  /* a + value * b * w in int64, wrapping */
        return (int64_t)((uint64_t)(int64_t)a +
                         (uint64_t)c.i[0] * (uint64_t)(int64_t)b * (uint64_t)(int64_t)w);
    return pyt_cu_imin(pyt_cu_imax(a, b), w);  /* clamp */
}

template <int CODE> struct pyt_ternary_op {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef T Out;
    int op;
    pyt_cuda_math_ctx ctx;
    PYT_HD_MEMBER Out operator()(const T *x) const
    {
        typename D::C a = D::ld(x[0]), b = D::ld(x[1]), w = D::ld(x[2]);
        const bool fused = CODE == PYT_FLOAT32 || CODE == PYT_FLOAT64;
        if constexpr (D::K != 0) return D::st(pyt_cu_ternary_float<typename D::C, fused>(op, a, b, w, ctx));
        else return D::st(pyt_cu_ternary_int(op, a, b, w, ctx));
    }
};

}  // namespace

#endif
