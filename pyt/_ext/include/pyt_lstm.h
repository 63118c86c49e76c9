/* The time loop of one LSTM layer and direction on the CPU, in C.

   A step is one small product, W_hh (4H x H) @ h (H x B), then the gate math. Run from
   Python, with BLAS threading that product, each step costs a call or two from the
   interpreter and moves the gates between cores (BLAS's threads write them, the gate
   kernel reads them on one core). Here the hidden units are split between the threads
   once: thread p owns units [j0, j1), keeps the 4 (j1 - j0) rows of W_hh that feed them
   packed in its own buffer, multiplies them with a single-threaded GEMM and applies the
   gate math to its own units, so that each core's share of W_hh stays in its cache and
   gates never cross cores. One barrier per step publishes the new h.
   Backward, thread p takes its units' gate gradients back through its rows of W_hh,
   giving a partial dh for every unit; the next step sums the partials of its own units.
   Two partial buffers alternate, so one barrier per step suffices there too.

   Layouts (row-major, T = float or double, G = 4H):
     gx     (S*B, G)      input projection plus both biases, step t in rows [tB, tB+B)
     acts   (S, G, B)     gate activations i, f, g, o of each step (the backward reads them)
     tanh_c (S, H, B)     tanh of each step's cell
     cs     (S+1, H, B)   cells; block 0 (forward) or S (reverse) holds c0
     h_rows ((S+1)*B, H)  hidden states, blocks placed like cs's; also the layer's output
     d_out  (S*B, H)      gradient of the output rows;  d_gx (S*B, G) the gates' gradient
   Threads: the caller makes BLAS single-threaded while `threads` > 1. */
#ifndef PYT_LSTM_H
#define PYT_LSTM_H
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "pyt_vecmath.h"

typedef void (*pyt_sgemm_fn)(char*, char*, int*, int*, int*, float*, float*, int*, float*,
                             int*, float*, float*, int*);
typedef void (*pyt_dgemm_fn)(char*, char*, int*, int*, int*, double*, double*, int*,
                             double*, int*, double*, double*, int*);

/* compiled like pyt_vecmath.h's functions, so that GCC inlines and vectorises them here
   (a differing optimize attribute blocks inlining) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

static inline double pyt_lstm_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Row-major C (M x N) = op(A) (M x K) @ op(B) (K x N) through column-major BLAS, which
   sees C^T = op(B)^T op(A)^T: the operands swap, each keeps its transpose flag. */
#define PYT_LSTM_GEMM(NAME, T, FN)                                                         \
static inline void NAME(FN gemm, int trans_a, int trans_b, int M, int N, int K,          \
                        const T* A, int lda, const T* B, int ldb, T* C)                   \
{                                                                                          \
    char ta = trans_b ? 'T' : 'N', tb = trans_a ? 'T' : 'N';                               \
    T one = 1, zero = 0;                                                                   \
    int ldc = N;                                                                           \
    gemm(&ta, &tb, &N, &M, &K, &one, (T*)B, &ldb, (T*)A, &lda, &zero, C, &ldc);           \
}

/* Thread p's units of one step forward: pre (4Hp x B) is W_p @ h_prev^T; adds the input
   projection, writes the activations, c, tanh(c) and h (as a row of h_rows). */
#define PYT_LSTM_CELL_FORWARD(NAME, T, SIG, TANH)                                          \
static void NAME(const T* restrict pre, const T* restrict gx, T* restrict act,            \
                 const T* restrict c_prev, T* restrict c, T* restrict tc,                 \
                 T* restrict h, Py_ssize_t B, Py_ssize_t H, Py_ssize_t j0, Py_ssize_t j1)  \
{                                                                                          \
    Py_ssize_t Hp = j1 - j0, G = 4 * H;                                                    \
    for (Py_ssize_t jj = 0; jj < Hp; jj++) {                                               \
        Py_ssize_t j = j0 + jj;                                                            \
        const T *pi = pre + jj * B, *pf = pre + (Hp + jj) * B;                             \
        const T *pg = pre + (2 * Hp + jj) * B, *po = pre + (3 * Hp + jj) * B;              \
        T *ai = act + j * B, *af = act + (H + j) * B;                                      \
        T *ag = act + (2 * H + j) * B, *ao = act + (3 * H + j) * B;                        \
        const T* cp = c_prev + j * B;                                                      \
        T *cn = c + j * B, *tn = tc + j * B;                                               \
        for (Py_ssize_t b = 0; b < B; b++) {                                               \
            const T* x = gx + b * G + j;                                                   \
            T i = SIG(pi[b] + x[0]), f = SIG(pf[b] + x[H]);                                \
            T g = TANH(pg[b] + x[2 * H]), o = SIG(po[b] + x[3 * H]);                       \
            T cell = f * cp[b] + i * g;                                                    \
            T t = TANH(cell);                                                              \
            ai[b] = i; af[b] = f; ag[b] = g; ao[b] = o;                                    \
            cn[b] = cell; tn[b] = t; h[b * H + j] = o * t;                                 \
        }                                                                                  \
    }                                                                                      \
}

/* Thread p's units of one step back. dh: the rows of d_h (first step back) or the sum of
   the threads' partial products `parts` (np blocks of (H x B)); dc (Hp x B) is this
   thread's cell gradient, updated in place. Writes the gates' gradient as a row of d_gx
   and packed for this thread's product (dg, 4Hp x B). */
#define PYT_LSTM_CELL_BACKWARD(NAME, T)                                                    \
static void NAME(const T* restrict act, const T* restrict tc, const T* restrict c_prev,   \
                 const T* restrict d_h, const T* restrict parts, int np,                  \
                 const T* restrict d_out, T* restrict dc, T* restrict d_gx,               \
                 T* restrict dg, Py_ssize_t B, Py_ssize_t H, Py_ssize_t j0, Py_ssize_t j1) \
{                                                                                          \
    Py_ssize_t Hp = j1 - j0, G = 4 * H;                                                    \
    for (Py_ssize_t jj = 0; jj < Hp; jj++) {                                               \
        Py_ssize_t j = j0 + jj;                                                            \
        const T *ai = act + j * B, *af = act + (H + j) * B;                                \
        const T *ag = act + (2 * H + j) * B, *ao = act + (3 * H + j) * B;                  \
        const T *tb = tc + j * B, *cp = c_prev + j * B;                                    \
        T *dcb = dc + jj * B;                                                              \
        T *di = dg + jj * B, *df = dg + (Hp + jj) * B;                                     \
        T *dgg = dg + (2 * Hp + jj) * B, *dout = dg + (3 * Hp + jj) * B;                   \
        for (Py_ssize_t b = 0; b < B; b++) {                                               \
            T dh = d_out[b * H + j];                                                       \
            if (d_h != NULL)                                                               \
                dh += d_h[b * H + j];                                                      \
            else                                                                           \
                for (int p = 0; p < np; p++) dh += parts[(p * H + j) * B + b];             \
            T i = ai[b], f = af[b], g = ag[b], o = ao[b], t = tb[b];                       \
            T dcell = dcb[b] + dh * o * (1 - t * t);                                       \
            T gi = dcell * g * i * (1 - i), gf = dcell * cp[b] * f * (1 - f);              \
            T gg = dcell * i * (1 - g * g), go = dh * t * o * (1 - o);                     \
            T* row = d_gx + b * G + j;                                                     \
            row[0] = gi; row[H] = gf; row[2 * H] = gg; row[3 * H] = go;                    \
            di[b] = gi; df[b] = gf; dgg[b] = gg; dout[b] = go;                             \
            dcb[b] = dcell * f;                                                            \
        }                                                                                  \
    }                                                                                      \
}

/* Thread p of np owns units [j0, j1) and packs their 4 row blocks of W_hh into wp. */
#define PYT_LSTM_SHARE(T)                                                                  \
    int np = omp_get_num_threads(), p = omp_get_thread_num();                              \
    Py_ssize_t j0 = H * p / np, j1 = H * (p + 1) / np, Hp = j1 - j0;                       \
    T* wp = w_all + 4 * j0 * H;                                                            \
    for (int q = 0; q < 4; q++)                                                            \
        memcpy(wp + q * Hp * H, w_hh + (q * H + j0) * H, Hp * H * sizeof(T));

/* Returns 0, or -1 when out of memory. */
#define PYT_LSTM_SEQUENCE_FORWARD(NAME, T, FN, GEMM, CELL)                                 \
static int NAME(FN gemm, const T* gx, const T* w_hh, T* acts, T* tanh_c, T* cs,           \
                T* h_rows, Py_ssize_t S, Py_ssize_t B, Py_ssize_t H, int reverse,        \
                int threads)                                                               \
{                                                                                          \
    T* w_all = (T*)malloc(4 * H * H * sizeof(T));                                          \
    T* pre_all = (T*)malloc(4 * H * B * sizeof(T));                                        \
    if (w_all == NULL || pre_all == NULL) { free(w_all); free(pre_all); return -1; }      \
    _Pragma("omp parallel num_threads(threads)")                                           \
    {                                                                                      \
        PYT_LSTM_SHARE(T)                                                                  \
        T* pre = pre_all + 4 * j0 * B;                                                     \
        for (Py_ssize_t s = 0; s < S; s++) {                                               \
            Py_ssize_t t = reverse ? S - 1 - s : s;                                        \
            Py_ssize_t now = reverse ? t : t + 1, prev = reverse ? t + 1 : t;              \
            GEMM(gemm, 0, 1, (int)(4 * Hp), (int)B, (int)H, wp, (int)H,                    \
                 h_rows + prev * B * H, (int)H, pre);                                      \
            CELL(pre, gx + t * B * 4 * H, acts + t * 4 * H * B, cs + prev * H * B,         \
                 cs + now * H * B, tanh_c + t * H * B, h_rows + now * B * H, B, H, j0, j1);\
            _Pragma("omp barrier")                                                         \
        }                                                                                  \
    }                                                                                      \
    free(w_all); free(pre_all);                                                            \
    return 0;                                                                              \
}

/* d_h, d_c, dh0, dc0: (B x H). Returns 0, or -1 when out of memory. */
#define PYT_LSTM_SEQUENCE_BACKWARD(NAME, T, FN, GEMM, CELL)                                \
static int NAME(FN gemm, const T* acts, const T* tanh_c, const T* cs, const T* w_hh,      \
                const T* d_out, const T* d_h, const T* d_c, T* d_gx, T* dh0, T* dc0,      \
                Py_ssize_t S, Py_ssize_t B, Py_ssize_t H, int reverse, int threads)       \
{                                                                                          \
    T* w_all = (T*)malloc(4 * H * H * sizeof(T));                                          \
    T* dg_all = (T*)malloc(4 * H * B * sizeof(T));                                         \
    T* dc_all = (T*)malloc(H * B * sizeof(T));                                             \
    T* parts = (T*)malloc(2 * (size_t)threads * H * B * sizeof(T));                        \
    if (!w_all || !dg_all || !dc_all || !parts) {                                          \
        free(w_all); free(dg_all); free(dc_all); free(parts); return -1;                   \
    }                                                                                      \
    _Pragma("omp parallel num_threads(threads)")                                           \
    {                                                                                      \
        PYT_LSTM_SHARE(T)                                                                  \
        T *dg = dg_all + 4 * j0 * B, *dc = dc_all + j0 * B;                                \
        for (Py_ssize_t jj = 0; jj < Hp; jj++)                                             \
            for (Py_ssize_t b = 0; b < B; b++) dc[jj * B + b] = d_c[b * H + j0 + jj];      \
        for (Py_ssize_t s = 0; s < S; s++) {                                               \
            Py_ssize_t t = reverse ? s : S - 1 - s, prev = reverse ? t + 1 : t;            \
            const T* in = parts + ((s + 1) & 1) * np * H * B;  /* last step's partials */  \
            T* out = parts + (s & 1) * np * H * B + p * H * B;                             \
            CELL(acts + t * 4 * H * B, tanh_c + t * H * B, cs + prev * H * B,              \
                 s == 0 ? d_h : NULL, in, np, d_out + t * B * H, dc, d_gx + t * B * 4 * H, \
                 dg, B, H, j0, j1);                                                        \
            GEMM(gemm, 1, 0, (int)H, (int)B, (int)(4 * Hp), wp, (int)H, dg, (int)B, out);  \
            _Pragma("omp barrier")                                                         \
        }                                                                                  \
        const T* last = parts + ((S - 1) & 1) * np * H * B;                                \
        for (Py_ssize_t jj = 0; jj < Hp; jj++)                                             \
            for (Py_ssize_t b = 0; b < B; b++) {                                           \
                Py_ssize_t j = j0 + jj;                                                    \
                T sum = 0;                                                                 \
                for (int q = 0; q < np; q++) sum += last[(q * H + j) * B + b];             \
                dh0[b * H + j] = sum;                                                      \
                dc0[b * H + j] = dc[jj * B + b];                                           \
            }                                                                              \
    }                                                                                      \
    free(w_all); free(dg_all); free(dc_all); free(parts);                                  \
    return 0;                                                                              \
}

PYT_LSTM_GEMM(pyt_lstm_gemm_f, float, pyt_sgemm_fn)
PYT_LSTM_GEMM(pyt_lstm_gemm_d, double, pyt_dgemm_fn)
PYT_SIMD_CLONES PYT_LSTM_CELL_FORWARD(pyt_lstm_cell_forward_f, float, pyt_vsigmoidf, pyt_vtanhf)
PYT_LSTM_CELL_FORWARD(pyt_lstm_cell_forward_d, double, pyt_lstm_sigmoid, tanh)
PYT_SIMD_CLONES PYT_LSTM_CELL_BACKWARD(pyt_lstm_cell_backward_f, float)
PYT_LSTM_CELL_BACKWARD(pyt_lstm_cell_backward_d, double)
PYT_LSTM_SEQUENCE_FORWARD(pyt_lstm_sequence_forward_f, float, pyt_sgemm_fn, pyt_lstm_gemm_f,
                          pyt_lstm_cell_forward_f)
PYT_LSTM_SEQUENCE_FORWARD(pyt_lstm_sequence_forward_d, double, pyt_dgemm_fn, pyt_lstm_gemm_d,
                          pyt_lstm_cell_forward_d)
PYT_LSTM_SEQUENCE_BACKWARD(pyt_lstm_sequence_backward_f, float, pyt_sgemm_fn,
                           pyt_lstm_gemm_f, pyt_lstm_cell_backward_f)
PYT_LSTM_SEQUENCE_BACKWARD(pyt_lstm_sequence_backward_d, double, pyt_dgemm_fn,
                           pyt_lstm_gemm_d, pyt_lstm_cell_backward_d)

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#endif
