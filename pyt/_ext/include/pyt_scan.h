/* Scans along one dim: cumsum, cumprod, cummax / cummin (with indices), logcumsumexp.

   Input and output are contiguous [A, n, B] arrays of one dtype (the caller converts
   first: integers to int64, half / bfloat16 to float32), scanned along n. A task is
   one a and a block of up to PYT_SCAN_BLOCK columns b; it walks i = 0..n-1 and
   updates the whole block at each step, so a scan along an outer dim runs over
   contiguous rows. Each output comes from one sequential recurrence, so results do
   not depend on the thread count. float32 scans carry their running value in double,
   as torch's CPU kernels do. */
#ifndef PYT_SCAN_H
#define PYT_SCAN_H
#include <math.h>
#include "pyt_dtypes.h"
#include "pyt_loop.h"

#define PYT_SCAN_BLOCK 512

enum { PYT_SCAN_SUM = 0, PYT_SCAN_PROD, PYT_SCAN_MAX, PYT_SCAN_MIN, PYT_SCAN_LOGSUMEXP,
       PYT_SCAN_NUM_OPS };
/* the dtypes scans run in */
enum { PYT_SCAN_I64 = 0, PYT_SCAN_F32, PYT_SCAN_F64, PYT_SCAN_NUM_TYPES };

static inline double pyt_logaddexp(double a, double b)
{
    double m;
    if (a != a || b != b) return a + b;
    m = a > b ? a : b;
    if (m == INFINITY || m == -INFINITY) return m;    /* avoids inf - inf */
    return m + log1p(exp(-fabs(a - b)));
}

/* running value S, step STEP(s, x) with x in S; cummax/cummin also keep an index */
#define PYT_SCAN_FOLD(NAME, T, S, INIT, STEP)                                            \
static void NAME(const char *in_, char *out_, int64_t *idx, Py_ssize_t n, Py_ssize_t B,  \
                 Py_ssize_t a, Py_ssize_t b0, Py_ssize_t b1)                              \
{                                                                                        \
    const T *in = (const T *)in_ + a * n * B; T *out = (T *)out_ + a * n * B;            \
    S s[PYT_SCAN_BLOCK]; Py_ssize_t i, b, w = b1 - b0;                                   \
    (void)idx;                                                                           \
    if (w == 1) {                       /* one column: keep the running value in a register */ \
        S acc = INIT;                                                                    \
        for (i = 0; i < n; i++) { acc = STEP(acc, (S)in[i * B + b0]); out[i * B + b0] = (T)acc; } \
        return;                                                                          \
    }                                                                                    \
    for (b = 0; b < w; b++) s[b] = INIT;                                                 \
    for (i = 0; i < n; i++) {                                                            \
        const T *x = in + i * B + b0; T *y = out + i * B + b0;                           \
        for (b = 0; b < w; b++) { s[b] = STEP(s[b], (S)x[b]); y[b] = (T)s[b]; }          \
    }                                                                                    \
}

/* torch: a later equal value (>= / <=) and any NaN take over the running extreme */
#define PYT_SCAN_EXT(NAME, T, INIT, TAKES)                                               \
static void NAME(const char *in_, char *out_, int64_t *idx, Py_ssize_t n, Py_ssize_t B,  \
                 Py_ssize_t a, Py_ssize_t b0, Py_ssize_t b1)                              \
{                                                                                        \
    const T *in = (const T *)in_ + a * n * B; T *out = (T *)out_ + a * n * B;            \
    T s[PYT_SCAN_BLOCK]; int64_t si[PYT_SCAN_BLOCK]; Py_ssize_t i, b, w = b1 - b0;       \
    idx += a * n * B;                                                                    \
    for (b = 0; b < w; b++) { s[b] = INIT; si[b] = 0; }                                  \
    for (i = 0; i < n; i++) {                                                            \
        const T *x = in + i * B + b0; T *y = out + i * B + b0; int64_t *yi = idx + i * B + b0; \
        for (b = 0; b < w; b++) {                                                        \
            T v = x[b]; int take = i == 0 || TAKES(v, s[b]);                             \
            s[b] = take ? v : s[b]; si[b] = take ? i : si[b];                            \
            y[b] = s[b]; yi[b] = si[b];                                                  \
        }                                                                                \
    }                                                                                    \
}

#define PYT_SCAN_ADD(s, x) ((s) + (x))
#define PYT_SCAN_MUL(s, x) ((s) * (x))
#define PYT_SCAN_TAKES_MAX(v, s) ((v) >= (s) || (v) != (v))
#define PYT_SCAN_TAKES_MIN(v, s) ((v) <= (s) || (v) != (v))

PYT_SCAN_FOLD(pyt_cumsum_i64, int64_t, int64_t, 0, PYT_SCAN_ADD)
PYT_SCAN_FOLD(pyt_cumsum_f32, float, double, 0, PYT_SCAN_ADD)
PYT_SCAN_FOLD(pyt_cumsum_f64, double, double, 0, PYT_SCAN_ADD)
PYT_SCAN_FOLD(pyt_cumprod_i64, int64_t, int64_t, 1, PYT_SCAN_MUL)
PYT_SCAN_FOLD(pyt_cumprod_f32, float, double, 1, PYT_SCAN_MUL)
PYT_SCAN_FOLD(pyt_cumprod_f64, double, double, 1, PYT_SCAN_MUL)
PYT_SCAN_FOLD(pyt_logcumsumexp_f32, float, double, -INFINITY, pyt_logaddexp)
PYT_SCAN_FOLD(pyt_logcumsumexp_f64, double, double, -INFINITY, pyt_logaddexp)
PYT_SCAN_EXT(pyt_cummax_i64, int64_t, 0, PYT_SCAN_TAKES_MAX)
PYT_SCAN_EXT(pyt_cummax_f32, float, 0, PYT_SCAN_TAKES_MAX)
PYT_SCAN_EXT(pyt_cummax_f64, double, 0, PYT_SCAN_TAKES_MAX)
PYT_SCAN_EXT(pyt_cummin_i64, int64_t, 0, PYT_SCAN_TAKES_MIN)
PYT_SCAN_EXT(pyt_cummin_f32, float, 0, PYT_SCAN_TAKES_MIN)
PYT_SCAN_EXT(pyt_cummin_f64, double, 0, PYT_SCAN_TAKES_MIN)

typedef void (*pyt_scan_fn)(const char *in, char *out, int64_t *idx, Py_ssize_t n,
                            Py_ssize_t B, Py_ssize_t a, Py_ssize_t b0, Py_ssize_t b1);

static const pyt_scan_fn pyt_scan_table[PYT_SCAN_NUM_OPS][PYT_SCAN_NUM_TYPES] = {
    { pyt_cumsum_i64, pyt_cumsum_f32, pyt_cumsum_f64 },
    { pyt_cumprod_i64, pyt_cumprod_f32, pyt_cumprod_f64 },
    { pyt_cummax_i64, pyt_cummax_f32, pyt_cummax_f64 },
    { pyt_cummin_i64, pyt_cummin_f32, pyt_cummin_f64 },
    { NULL, pyt_logcumsumexp_f32, pyt_logcumsumexp_f64 },
};

static void pyt_scan_run(pyt_scan_fn fn, const char *in, char *out, int64_t *idx,
                         Py_ssize_t A, Py_ssize_t n, Py_ssize_t B, int nthreads)
{
    Py_ssize_t blocks = (B + PYT_SCAN_BLOCK - 1) / PYT_SCAN_BLOCK, tasks = A * blocks, t;
    if (A == 0 || n == 0 || B == 0) return;
#define PYT_SCAN_TASK(t)                                                                 \
    {                                                                                    \
        Py_ssize_t a = (t) / blocks, b0 = ((t) % blocks) * PYT_SCAN_BLOCK;               \
        fn(in, out, idx, n, B, a, b0, b0 + PYT_SCAN_BLOCK < B ? b0 + PYT_SCAN_BLOCK : B); \
    }
#ifdef _OPENMP
    if (nthreads > 1 && tasks > 1 && A * n * B >= PYT_GRAIN_SIZE) {
        #pragma omp parallel for schedule(static) num_threads(nthreads)
        for (t = 0; t < tasks; t++) PYT_SCAN_TASK(t)
        return;
    }
#endif
    (void)nthreads;
    for (t = 0; t < tasks; t++) PYT_SCAN_TASK(t)
#undef PYT_SCAN_TASK
}

#endif
