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

   Layouts: row-major, a row per batch element, the rows of step t at [tB, tB + B); so the
   gate math runs along contiguous rows (T = float or double, G = 4H):
     gx     (S*B, G)      input projection plus both biases
     acts   (S*B, G)      gate activations i, f, g, o (the backward reads them)
     tanh_c (S*B, H)      tanh of each step's cell
     cs     ((S+1)*B, H)  cells; block 0 (forward) or S (reverse) holds c0
     h_rows ((S+1)*B, H)  hidden states, blocks placed like cs's; also the layer's output
     d_out  (S*B, H)      gradient of the output rows;  d_gx (S*B, G) the gates' gradient
   The forward product runs as W_p (4Hp x H) @ h^T, BLAS's faster shape at a small batch,
   and is transposed in cache; the backward's as dg (B x 4Hp) @ W_p, also the faster one.
   Threads: the caller makes BLAS single-threaded while `threads` > 1. */
#ifndef PYT_LSTM_H
#define PYT_LSTM_H
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <sched.h>
#include "pyt_vecmath.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PYT_LSTM_PAUSE() _mm_pause()
#else
#define PYT_LSTM_PAUSE() ((void)0)
#endif

typedef void (*pyt_sgemm_fn)(char*, char*, int*, int*, int*, float*, float*, int*, float*,
                             int*, float*, float*, int*);
typedef void (*pyt_dgemm_fn)(char*, char*, int*, int*, int*, double*, double*, int*,
                             double*, int*, double*, double*, int*);

/* The barrier between steps. OpenMP's would put a thread that waits longer than
   GOMP_SPINCOUNT (pyt sets 1000) to sleep, and waking it costs more than a step; the
   waits here are a few microseconds, so the threads spin, yielding the core only after a
   long wait (more threads than cores, a preempted partner). Sense-reversing: `sense` is
   each thread's own flag, flipped at every wait. */
typedef struct { int arrived; int sense; } pyt_lstm_barrier;

static inline void pyt_lstm_barrier_wait(pyt_lstm_barrier* bar, int threads, int* sense)
{
    int mine = *sense = !*sense;
    if (__atomic_add_fetch(&bar->arrived, 1, __ATOMIC_ACQ_REL) == threads) {
        __atomic_store_n(&bar->arrived, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&bar->sense, mine, __ATOMIC_RELEASE);
        return;
    }
    for (unsigned spins = 0; __atomic_load_n(&bar->sense, __ATOMIC_ACQUIRE) != mine; spins++) {
        if (spins < 4096)
            PYT_LSTM_PAUSE();
        else
            sched_yield();
    }
}

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

/* Thread p's units of one step forward: pre (4Hp x B) is W_p @ h_prev^T, pre_t its
   transpose; adds the input projection, writes the activations, c, tanh(c) and h. */
#define PYT_LSTM_CELL_FORWARD(NAME, T, SIG, TANH)                                          \
static inline void NAME##_row(const T* restrict p, const T* restrict x, T* restrict a,    \
                              const T* restrict cp, T* restrict cn, T* restrict tn,       \
                              T* restrict hn, Py_ssize_t H, Py_ssize_t Hp)                \
{                                                                                          \
    for (Py_ssize_t j = 0; j < Hp; j++) {                                                  \
        T i = SIG(p[j] + x[j]), f = SIG(p[Hp + j] + x[H + j]);                             \
        T g = TANH(p[2 * Hp + j] + x[2 * H + j]), o = SIG(p[3 * Hp + j] + x[3 * H + j]);   \
        T cell = f * cp[j] + i * g;                                                        \
        T t = TANH(cell);                                                                  \
        a[j] = i; a[H + j] = f; a[2 * H + j] = g; a[3 * H + j] = o;                        \
        cn[j] = cell; tn[j] = t; hn[j] = o * t;                                            \
    }                                                                                      \
}                                                                                          \
static void NAME(const T* restrict pre, T* restrict pre_t, const T* restrict gx,          \
                 T* restrict act, const T* restrict c_prev, T* restrict c,                \
                 T* restrict tc, T* restrict h, Py_ssize_t B, Py_ssize_t H,               \
                 Py_ssize_t j0, Py_ssize_t j1)                                            \
{                                                                                          \
    Py_ssize_t Hp = j1 - j0, G = 4 * H;                                                    \
    for (Py_ssize_t r = 0; r < 4 * Hp; r++)                                                \
        for (Py_ssize_t b = 0; b < B; b++) pre_t[b * 4 * Hp + r] = pre[r * B + b];         \
    for (Py_ssize_t b = 0; b < B; b++) {                                                   \
        NAME##_row(pre_t + b * 4 * Hp, gx + b * G + j0, act + b * G + j0,                  \
                   c_prev + b * H + j0, c + b * H + j0, tc + b * H + j0, h + b * H + j0,   \
                   H, Hp);                                                                 \
    }                                                                                      \
}

/* Thread p's units of one step back. dh (B x Hp): the hidden state's gradient, which
   the caller summed; dc_in / dc_out (B x Hp): this thread's cell gradient reaching this
   step and leaving for the one before. Writes the gates' gradient as rows of d_gx and
   packed for this thread's product (dg, B x 4Hp). */
#define PYT_LSTM_CELL_BACKWARD(NAME, T)                                                    \
static inline void NAME##_row(const T* restrict a, const T* restrict tb,                  \
                              const T* restrict cp, const T* restrict dhb,                \
                              const T* restrict dci, T* restrict dco, T* restrict row,    \
                              T* restrict packed, Py_ssize_t H, Py_ssize_t Hp)            \
{                                                                                          \
    for (Py_ssize_t j = 0; j < Hp; j++) {                                                  \
        T dh = dhb[j];                                                                     \
        T i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j], t = tb[j];           \
        T dcell = dci[j] + dh * o * (1 - t * t);                                           \
        T gi = dcell * g * i * (1 - i), gf = dcell * cp[j] * f * (1 - f);                  \
        T gg = dcell * i * (1 - g * g), go = dh * t * o * (1 - o);                         \
        row[j] = gi; row[H + j] = gf; row[2 * H + j] = gg; row[3 * H + j] = go;            \
        packed[j] = gi; packed[Hp + j] = gf; packed[2 * Hp + j] = gg;                      \
        packed[3 * Hp + j] = go;                                                           \
        dco[j] = dcell * f;                                                                \
    }                                                                                      \
}                                                                                          \
static void NAME(const T* restrict act, const T* restrict tc, const T* restrict c_prev,   \
                 const T* restrict dh, const T* restrict dc_in, T* restrict dc_out,       \
                 T* restrict d_gx, T* restrict dg, Py_ssize_t B, Py_ssize_t H,            \
                 Py_ssize_t j0, Py_ssize_t j1)                                            \
{                                                                                          \
    Py_ssize_t Hp = j1 - j0, G = 4 * H;                                                    \
    for (Py_ssize_t b = 0; b < B; b++) {                                                   \
        NAME##_row(act + b * G + j0, tc + b * H + j0, c_prev + b * H + j0, dh + b * Hp,    \
                   dc_in + b * Hp, dc_out + b * Hp, d_gx + b * G + j0, dg + b * 4 * Hp,    \
                   H, Hp);                                                                 \
    }                                                                                      \
}

/* dh (B x Hp) of thread p's units: the output rows' gradient plus d_h's rows (first step
   back) or the sum of the np threads' partial products (blocks of B x H). */
#define PYT_LSTM_HIDDEN_GRAD(NAME, T)                                                      \
static void NAME(const T* restrict d_out, const T* restrict d_h, const T* restrict parts, \
                 int np, T* restrict dh, Py_ssize_t B, Py_ssize_t H, Py_ssize_t j0,       \
                 Py_ssize_t j1)                                                           \
{                                                                                          \
    Py_ssize_t Hp = j1 - j0;                                                               \
    for (Py_ssize_t b = 0; b < B; b++) {                                                   \
        T* restrict out = dh + b * Hp;                                                     \
        const T* restrict o = d_out + b * H + j0;                                          \
        if (d_h != NULL) {                                                                 \
            const T* restrict s = d_h + b * H + j0;                                        \
            for (Py_ssize_t j = 0; j < Hp; j++) out[j] = o[j] + s[j];                      \
            continue;                                                                      \
        }                                                                                  \
        for (Py_ssize_t j = 0; j < Hp; j++) out[j] = o[j];                                 \
        for (int q = 0; q < np; q++) {                                                     \
            const T* restrict s = parts + (q * B + b) * H + j0;                            \
            for (Py_ssize_t j = 0; j < Hp; j++) out[j] += s[j];                            \
        }                                                                                  \
    }                                                                                      \
}

/* Thread p of np owns units [j0, j1) and packs their 4 row blocks of W_hh into wp. */
#define PYT_LSTM_SHARE(T)                                                                  \
    int np = omp_get_num_threads(), p = omp_get_thread_num(), sense = 0;                   \
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
    T* pre_all = (T*)malloc(8 * H * B * sizeof(T));           /* pre and its transpose */ \
    if (w_all == NULL || pre_all == NULL) { free(w_all); free(pre_all); return -1; }      \
    pyt_lstm_barrier barrier = {0, 0};                                                     \
    _Pragma("omp parallel num_threads(threads)")                                           \
    {                                                                                      \
        PYT_LSTM_SHARE(T)                                                                  \
        T *pre = pre_all + 8 * j0 * B, *pre_t = pre + 4 * Hp * B;                          \
        for (Py_ssize_t s = 0; s < S; s++) {                                               \
            Py_ssize_t t = reverse ? S - 1 - s : s;                                        \
            Py_ssize_t now = reverse ? t : t + 1, prev = reverse ? t + 1 : t;              \
            GEMM(gemm, 0, 1, (int)(4 * Hp), (int)B, (int)H, wp, (int)H,                    \
                 h_rows + prev * B * H, (int)H, pre);                                      \
            CELL(pre, pre_t, gx + t * B * 4 * H, acts + t * B * 4 * H, cs + prev * B * H,  \
                 cs + now * B * H, tanh_c + t * B * H, h_rows + now * B * H, B, H, j0, j1);\
            pyt_lstm_barrier_wait(&barrier, np, &sense);                                   \
        }                                                                                  \
    }                                                                                      \
    free(w_all); free(pre_all);                                                            \
    return 0;                                                                              \
}

/* d_h, d_c, dh0, dc0: (B x H). Returns 0, or -1 when out of memory. */
#define PYT_LSTM_SEQUENCE_BACKWARD(NAME, T, FN, GEMM, HIDDEN, CELL)                        \
static int NAME(FN gemm, const T* acts, const T* tanh_c, const T* cs, const T* w_hh,      \
                const T* d_out, const T* d_h, const T* d_c, T* d_gx, T* dh0, T* dc0,      \
                Py_ssize_t S, Py_ssize_t B, Py_ssize_t H, int reverse, int threads)       \
{                                                                                          \
    T* w_all = (T*)malloc(4 * H * H * sizeof(T));                                          \
    T* dg_all = (T*)malloc(4 * H * B * sizeof(T));                                         \
    T* dc_all = (T*)malloc(3 * H * B * sizeof(T));     /* dh and two cell gradients */   \
    T* parts = (T*)malloc(2 * (size_t)threads * H * B * sizeof(T));                        \
    if (!w_all || !dg_all || !dc_all || !parts) {                                          \
        free(w_all); free(dg_all); free(dc_all); free(parts); return -1;                   \
    }                                                                                      \
    pyt_lstm_barrier barrier = {0, 0};                                                     \
    _Pragma("omp parallel num_threads(threads)")                                           \
    {                                                                                      \
        PYT_LSTM_SHARE(T)                                                                  \
        T *dg = dg_all + 4 * j0 * B, *dh = dc_all + 3 * j0 * B;                            \
        T *dc = dh + Hp * B, *dc_next = dc + Hp * B;                                       \
        for (Py_ssize_t b = 0; b < B; b++)                                                 \
            memcpy(dc + b * Hp, d_c + b * H + j0, Hp * sizeof(T));                         \
        for (Py_ssize_t s = 0; s < S; s++) {                                               \
            Py_ssize_t t = reverse ? s : S - 1 - s, prev = reverse ? t + 1 : t;            \
            const T* in = parts + ((s + 1) & 1) * np * H * B;  /* last step's partials */  \
            T* out = parts + (s & 1) * np * H * B + p * H * B;                             \
            HIDDEN(d_out + t * B * H, s == 0 ? d_h : NULL, in, np, dh, B, H, j0, j1);      \
            CELL(acts + t * B * 4 * H, tanh_c + t * B * H, cs + prev * B * H, dh, dc,      \
                 dc_next, d_gx + t * B * 4 * H, dg, B, H, j0, j1);                         \
            T* swap = dc; dc = dc_next; dc_next = swap;                                    \
            GEMM(gemm, 0, 0, (int)B, (int)H, (int)(4 * Hp), dg, (int)(4 * Hp), wp, (int)H,  \
                 out);                                                                     \
            pyt_lstm_barrier_wait(&barrier, np, &sense);                                   \
        }                                                                                  \
        const T* last = parts + ((S - 1) & 1) * np * H * B;                                \
        for (Py_ssize_t b = 0; b < B; b++)                                                 \
            for (Py_ssize_t j = j0; j < j1; j++) {                                         \
                T sum = 0;                                                                 \
                for (int q = 0; q < np; q++) sum += last[(q * B + b) * H + j];             \
                dh0[b * H + j] = sum;                                                      \
                dc0[b * H + j] = dc[b * Hp + j - j0];                                      \
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
PYT_LSTM_HIDDEN_GRAD(pyt_lstm_hidden_grad_f, float)
PYT_LSTM_HIDDEN_GRAD(pyt_lstm_hidden_grad_d, double)
PYT_LSTM_SEQUENCE_FORWARD(pyt_lstm_sequence_forward_f, float, pyt_sgemm_fn, pyt_lstm_gemm_f,
                          pyt_lstm_cell_forward_f)
PYT_LSTM_SEQUENCE_FORWARD(pyt_lstm_sequence_forward_d, double, pyt_dgemm_fn, pyt_lstm_gemm_d,
                          pyt_lstm_cell_forward_d)
PYT_LSTM_SEQUENCE_BACKWARD(pyt_lstm_sequence_backward_f, float, pyt_sgemm_fn,
                           pyt_lstm_gemm_f, pyt_lstm_hidden_grad_f, pyt_lstm_cell_backward_f)
PYT_LSTM_SEQUENCE_BACKWARD(pyt_lstm_sequence_backward_d, double, pyt_dgemm_fn,
                           pyt_lstm_gemm_d, pyt_lstm_hidden_grad_d, pyt_lstm_cell_backward_d)

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#endif
