/* Host check of cuda_src's element functions (pointwise_ops.cuh, cast.cuh) against the
   CPU's loops (cpu_ref.c): every (family, op, dtype) of the CPU tables, every dtype pair
   of the casts, on special and random values. Bit for bit, except the transcendental
   math (the host's libm against pyt_vecmath) and the fused float32 / float64 ternary ops
   (fused on the CPU only where its AVX2 clone runs). Exit status 0 when all agree. */
#include <stdio.h>
#include <stdlib.h>
#include <vector>
#include <random>
#include "pointwise_ops.cuh"

extern "C" {
int cpu_pointwise(int family, int op, int dtype, char **ptrs, int nops, const int *sizes,
                  long n, void *ctx);
int cpu_cast(int dst, int src, char *d, const char *s, long n, int dsize, int ssize);
unsigned short cpu_f2h(float f);
float cpu_h2f(unsigned short h);
}

static const int N = 5000;
static std::mt19937_64 rng(12345);

static void gen(int code, char *p, int n, int which)
{
    int size = pyt_cu_itemsize(code);
    for (int i = 0; i < n; i++) {
        uint64_t r = rng();
        int mode = (int)(r % 8);
        uint64_t bits = rng();
        char *q = p + (size_t)i * size;
        if (code == PYT_BOOL) { *(uint8_t *)q = bits & 1; continue; }
        if (code < PYT_FLOAT16) {
            int64_t v;
            if (mode < 3) v = (int64_t)(bits % 21) - 10;
            else if (mode < 5) v = (int64_t)bits;
            else if (mode == 5) { int64_t ex[] = {0, -1, 1, INT64_MIN, INT64_MAX, -128, 127, 255, -32768, 32767, INT32_MIN, INT32_MAX, 63, 64, 7, 8, 31, 32, 15, 16}; v = ex[bits % 20]; }
            else v = (int64_t)(bits % 200) - 100;
            memcpy(q, &v, size);                         /* low bytes: wraps */
            continue;
        }
        double d;
        if (mode == 0) { double ex[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 0.5, 1.5, 2.5, -2.5, -0.5, 1.0, -1.0, 3.0, 1e30, -1e30, 0.999, 0.001, 65504.0, 1e-40, 100.0}; d = ex[bits % 20]; }
        else if (mode < 3) d = (double)((int64_t)(bits % 41) - 20) * 0.25;
        else if (mode < 5) d = std::uniform_real_distribution<double>(-1, 1)(rng);
        else if (mode < 7) d = std::normal_distribution<double>(0, 30)(rng);
        else {                                          /* raw bits */
            if (size == 2) { memcpy(q, &bits, 2); continue; }
            if (size == 4) { uint32_t u = (uint32_t)bits; memcpy(q, &u, 4); continue; }
            memcpy(q, &bits, 8); continue;
        }
        pyt_wide w; w.is_float = 1; w.i = 0; w.d = d;
        pyt_cu_write(q, code, w);
    }
}

static double as_double(int code, const char *p)
{
    pyt_wide w = pyt_cu_read(p, code);
    return w.is_float ? w.d : (double)w.i;
}

template <int CODE> static void mine(int family, int op, char **ptrs, int nops, long n,
                                     const pyt_cuda_math_ctx &ctx)
{
    typedef typename pyt_dt<CODE>::T T;
    for (long i = 0; i < n; i++) {
        T x[3];
        for (int k = 1; k < nops; k++) x[k - 1] = ((T *)ptrs[k])[i];
        bool b = pyt_cu_pointwise_bool_out(family, op);
        switch (family) {
        case 0: ((T *)ptrs[0])[i] = pyt_arith_op<CODE>{op}(x); break;
        case 1: ((uint8_t *)ptrs[0])[i] = pyt_cmp_op<CODE>{op}(x); break;
        case 2:
            if (b) ((uint8_t *)ptrs[0])[i] = pyt_unary_pred<CODE>{op}(x);
            else if (op == PYT_UN_RELU) ((T *)ptrs[0])[i] = pyt_relu_op<CODE>{}(x);  /* as launched */
            else ((T *)ptrs[0])[i] = pyt_unary_op<CODE>{op, ctx}(x);
            break;
        case 3:
            if (b) ((uint8_t *)ptrs[0])[i] = pyt_binary_pred<CODE>{op, ctx}(x);
            else ((T *)ptrs[0])[i] = pyt_binary_op<CODE>{op}(x);
            break;
        default: ((T *)ptrs[0])[i] = pyt_ternary_op<CODE>{op, ctx}(x); break;
        }
    }
}

static void mine_dispatch(int code, int family, int op, char **ptrs, int nops, long n,
                          const pyt_cuda_math_ctx &ctx)
{
    switch (code) {
    case 0: mine<0>(family, op, ptrs, nops, n, ctx); break;
    case 1: mine<1>(family, op, ptrs, nops, n, ctx); break;
    case 2: mine<2>(family, op, ptrs, nops, n, ctx); break;
    case 3: mine<3>(family, op, ptrs, nops, n, ctx); break;
    case 4: mine<4>(family, op, ptrs, nops, n, ctx); break;
    case 5: mine<5>(family, op, ptrs, nops, n, ctx); break;
    case 6: mine<6>(family, op, ptrs, nops, n, ctx); break;
    case 7: mine<7>(family, op, ptrs, nops, n, ctx); break;
    case 8: mine<8>(family, op, ptrs, nops, n, ctx); break;
    case 9: mine<9>(family, op, ptrs, nops, n, ctx); break;
    }
}

/* float ops whose CPU results come from approximations (pyt_vecmath, libm) */
static bool approximate(int family, int op, int code)
{
    if (code < PYT_FLOAT16) return false;
    if (family == 2) return op <= PYT_UN_LOGIT;
    if (family == 3) return op <= PYT_BI_HYPOT;
    if (family == 4) return op != PYT_TER_CLAMP && code >= PYT_FLOAT32;
    return false;
}

static int failures = 0;

static void check(int family, int op, int code, const pyt_cuda_math_ctx &ctx, const char *what)
{
    int nops = family == 2 ? 2 : family == 4 ? 4 : 3;
    int has = pyt_cu_pointwise_has(family, op, code);
    int size = pyt_cu_itemsize(code);
    int out_code = pyt_cu_pointwise_bool_out(family, op) ? PYT_BOOL : code;
    int osize = pyt_cu_itemsize(out_code);
    std::vector<char> in[3], o1((size_t)N * osize), o2((size_t)N * osize);
    char *p1[4], *p2[4];
    int sizes[4] = {osize, size, size, size};
    for (int k = 1; k < nops; k++) {
        in[k - 1].resize((size_t)N * size);
        gen(code, in[k - 1].data(), N, k);
        p1[k] = p2[k] = in[k - 1].data();
    }
    p1[0] = o1.data(); p2[0] = o2.data();
    if (family == 0 && op == PYT_OP_DIV && code > PYT_BOOL && code < PYT_FLOAT16)
        for (int i = 0; i < N; i++) {   /* the CPU's int div (never called) traps on MIN / -1 */
            pyt_wide w = pyt_cu_read(p1[2] + (size_t)i * size, code);
            if (w.i == -1) { w.i = 1; pyt_cu_write(p1[2] + (size_t)i * size, code, w); }
        }

    int cpu = cpu_pointwise(family, op, code, p1, nops, sizes, N, (void *)&ctx);
    if ((cpu == 0) != (has != 0)) {
        printf("TABLE MISMATCH family %d op %d dtype %d: cpu %d mine %d\n", family, op, code, cpu == 0, has);
        failures++;
        return;
    }
    if (!has) return;
    mine_dispatch(code, family, op, p2, nops, N, ctx);
    bool approx = approximate(family, op, code);
    double tol = code == PYT_FLOAT16 ? 2e-3 : code == PYT_BFLOAT16 ? 1.6e-2 : code == PYT_FLOAT32 ? 2e-5 : 1e-12;
    int bad = 0;
    for (int i = 0; i < N; i++) {
        const char *a = o1.data() + (size_t)i * osize, *b = o2.data() + (size_t)i * osize;
        if (memcmp(a, b, osize) == 0) continue;
        if (out_code >= PYT_FLOAT16) {
            double x = as_double(out_code, a), y = as_double(out_code, b);
            if (x != x && y != y) continue;
            if (approx && (x == y || fabs(x - y) <= tol * fmax(fabs(x), fabs(y)) || fabs(x - y) < 1e-30)) continue;
            /* exact ops with FMA on the CPU's clone: ternary handled by approx */
        }
        if (bad < 4) {
            printf("family %d op %d dtype %d (%s) i %d: in", family, op, code, what, i);
            for (int k = 1; k < nops; k++) printf(" %.17g", as_double(code, p1[k] + (size_t)i * size));
            printf(" -> cpu %.17g mine %.17g\n", as_double(out_code, a), as_double(out_code, b));
        }
        bad++;
    }
    if (bad) { printf("  family %d op %d dtype %d: %d / %d differ\n", family, op, code, bad, N); failures++; }
}

int main()
{
    setvbuf(stdout, NULL, _IONBF, 0);
    /* conversions: half both ways, exhaustively */
    long hbad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float a = cpu_h2f((uint16_t)h), b = pyt_cu_half_to_float((uint16_t)h);
        if (pyt_cu_bits_of_float(a) != pyt_cu_bits_of_float(b)) hbad++;
    }
    printf("half->float mismatches: %ld\n", hbad);
    hbad = 0;
    for (uint64_t u = 0; u < (1ull << 32); u += 97) {
        float f = pyt_cu_float_of_bits((uint32_t)u);
        if (cpu_f2h(f) != pyt_cu_float_to_half(f)) { if (hbad < 3) printf("f2h %08x cpu %04x mine %04x\n", (uint32_t)u, cpu_f2h(f), pyt_cu_float_to_half(f)); hbad++; }
    }
    printf("float->half mismatches (every 97th float): %ld\n", hbad);
    if (hbad) failures++;

    /* casts: every pair */
    for (int s = 0; s < PYT_NUM_DTYPES; s++) {
        std::vector<char> in((size_t)N * 8);
        gen(s, in.data(), N, 0);
        for (int d = 0; d < PYT_NUM_DTYPES; d++) {
            int ds = pyt_cu_itemsize(d), ss = pyt_cu_itemsize(s);
            std::vector<char> o1((size_t)N * 8), o2((size_t)N * 8);
            cpu_cast(d, s, o1.data(), in.data(), N, ds, ss);
            for (int i = 0; i < N; i++) pyt_cu_write(o2.data() + (size_t)i * ds, d, pyt_cu_read(in.data() + (size_t)i * ss, s));
            int bad = 0;
            for (int i = 0; i < N; i++) {
                const char *a = o1.data() + (size_t)i * ds, *b = o2.data() + (size_t)i * ds;
                if (memcmp(a, b, ds) == 0) continue;
                double x = as_double(d, a), y = as_double(d, b);
                if (d >= PYT_FLOAT16 && x != x && y != y) continue;
                if (bad < 3) printf("cast %d <- %d: in %.17g cpu %.17g mine %.17g\n", d, s, as_double(s, in.data() + (size_t)i * ss), x, y);
                bad++;
            }
            if (bad) { printf("  cast %d <- %d: %d differ\n", d, s, bad); failures++; }
        }
    }

    pyt_cuda_math_ctx c1 = {{0.0, 100.0, -100.0}, {0, 0}}, c2;
    for (int family = 0; family < 5; family++) {
        int nop = family == 0 ? PYT_NUM_ARITH : family == 1 ? PYT_NUM_CMP : family == 2 ? PYT_NUM_UNARY
                : family == 3 ? PYT_NUM_MATH_BINARY : PYT_NUM_TERNARY;
        for (int op = 0; op < nop; op++)
            for (int code = 0; code < PYT_NUM_DTYPES; code++) {
                c1 = {{0.0, 100.0, -100.0}, {0, 0}};
                c2 = {{1.5, 7.0, -7.0}, {1, 0}};
                if (family == 2 && op == PYT_UN_LOGIT) { c1 = {{0.0, 0, 0}, {0, 0}}; c2 = {{0.01, 0, 0}, {1, 0}}; }
                if (family == 2 && op == PYT_UN_ROUND_DECIMALS) { c1 = {{100.0, 0, 0}, {2, 0}}; c2 = {{10.0, 0, 0}, {-1, 0}}; }
                if (family == 3 && op == PYT_BI_ISCLOSE) { c1 = {{1e-5, 1e-8, 0}, {0, 0}}; c2 = {{0.1, 0.5, 0}, {1, 0}}; }
                if (family == 4) { c1 = {{0.5, 0, 0}, {3, 0}}; c2 = {{-2.0, 0, 0}, {-2, 0}}; }
                check(family, op, code, c1, "ctx1");
                check(family, op, code, c2, "ctx2");
            }
    }
    printf("%s: %d failing checks\n", failures ? "FAIL" : "OK", failures);
    return failures != 0;
}
