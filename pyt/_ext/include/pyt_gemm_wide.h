/* C[M, L] = A[M, K] @ B[K, L] for a few rows M and a long L: the GEMM of a convolution
   over one sample (M output channels, K = channels x kernel taps, L output positions).

   BLAS packs B before multiplying, and with few rows each packed value is used only M
   times, so for M of a few dozen the packing costs about as much as the arithmetic.
   This kernel reads B's rows where im2col left them (contiguous along L, in cache)
   and keeps a block of 6 rows x 16 columns of C in registers, 12 vectors of 8 floats
   (GCC vector extensions; 8-float vectors fit AVX2's 16 registers). Every C element
   is one sum over k in order, so results do not depend on blocking or threads.
   A[m, k] is at a[m * ars + k * acs]; B and C are row-major with leading dims ldb, ldc.
   Callers keep B's rows off power-of-two strides (they would share cache sets). */
#ifndef PYT_GEMM_WIDE_H
#define PYT_GEMM_WIDE_H
#include <string.h>
#include <Python.h>

typedef float pyt_v8f __attribute__((vector_size(32)));


/* rows m0 .. m0+MB-1, columns l0 .. l0+15 */
#define PYT_WIDE_BLOCK(MB, SUFFIX, TARGET)                                                 \
static inline __attribute__((always_inline)) TARGET void pyt_wide_block##MB##SUFFIX(      \
    Py_ssize_t K, const float *a, Py_ssize_t ars, Py_ssize_t acs, const float *b,          \
    Py_ssize_t ldb, float *c, Py_ssize_t ldc)                                             \
{                                                                                          \
    pyt_v8f acc0[MB], acc1[MB];                                                            \
    for (int i = 0; i < MB; i++) { acc0[i] = (pyt_v8f){0}; acc1[i] = (pyt_v8f){0}; }       \
    for (Py_ssize_t k = 0; k < K; k++) {                                                   \
        pyt_v8f b0, b1;                                                                    \
        memcpy(&b0, b + k * ldb, 32);                                                      \
        memcpy(&b1, b + k * ldb + 8, 32);                                                  \
        _Pragma("GCC unroll 8")                                                            \
        for (int i = 0; i < MB; i++) {                                                     \
            float av = a[i * ars + k * acs];                                               \
            acc0[i] += av * b0;                                                            \
            acc1[i] += av * b1;                                                            \
        }                                                                                  \
    }                                                                                      \
    for (int i = 0; i < MB; i++) {                                                         \
        memcpy(c + i * ldc, &acc0[i], 32);                                                 \
        memcpy(c + i * ldc + 8, &acc1[i], 32);                                             \
    }                                                                                      \
}

#define PYT_DEFINE_GEMM_WIDE(SUFFIX, TARGET)                                               \
PYT_WIDE_BLOCK(6, SUFFIX, TARGET)                                                          \
PYT_WIDE_BLOCK(4, SUFFIX, TARGET)                                                          \
PYT_WIDE_BLOCK(2, SUFFIX, TARGET)                                                          \
PYT_WIDE_BLOCK(1, SUFFIX, TARGET)                                                          \
static TARGET void pyt_gemm_wide_f##SUFFIX(Py_ssize_t M, Py_ssize_t K, Py_ssize_t L,        \
        const float *a, Py_ssize_t ars, Py_ssize_t acs, const float *b, Py_ssize_t ldb,    \
        float *c, Py_ssize_t ldc)                                                          \
{                                                                                          \
    Py_ssize_t l0 = 0, m0;                                                                 \
    for (; l0 + 16 <= L; l0 += 16) {                                                       \
        for (m0 = 0; m0 + 6 <= M; m0 += 6)                                                 \
            pyt_wide_block6##SUFFIX(K, a + m0 * ars, ars, acs, b + l0, ldb, c + m0 * ldc + l0, ldc); \
        for (; m0 + 4 <= M; m0 += 4)                                                       \
            pyt_wide_block4##SUFFIX(K, a + m0 * ars, ars, acs, b + l0, ldb, c + m0 * ldc + l0, ldc); \
        for (; m0 + 2 <= M; m0 += 2)                                                       \
            pyt_wide_block2##SUFFIX(K, a + m0 * ars, ars, acs, b + l0, ldb, c + m0 * ldc + l0, ldc); \
        for (; m0 < M; m0++)                                                               \
            pyt_wide_block1##SUFFIX(K, a + m0 * ars, ars, acs, b + l0, ldb, c + m0 * ldc + l0, ldc); \
    }                                                                                      \
    if (l0 < L) {                                  /* the last L % 16 columns */           \
        for (m0 = 0; m0 < M; m0++) {                                                       \
            float *cr = c + m0 * ldc;                                                      \
            for (Py_ssize_t l = l0; l < L; l++) cr[l] = 0;                                 \
            for (Py_ssize_t k = 0; k < K; k++) {                                           \
                float av = a[m0 * ars + k * acs];                                          \
                const float *br = b + k * ldb;                                             \
                for (Py_ssize_t l = l0; l < L; l++) cr[l] += av * br[l];                   \
            }                                                                              \
        }                                                                                  \
    }                                                                                      \
}

/* AVX2 + FMA where the CPU has them (chosen once, by its features), baseline otherwise.
   (GCC's target_clones cannot name the pair, and "arch=" clones match CPU models.) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
PYT_DEFINE_GEMM_WIDE(_fma, __attribute__((target("avx2,fma"))))
PYT_DEFINE_GEMM_WIDE(_base, )

static int pyt_cpu_has_fma(void)
{
    static int fma = -1;                           /* a benign race: every writer agrees */
    if (fma < 0) {
        __builtin_cpu_init();
        fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return fma;
}

static void pyt_gemm_wide_f(Py_ssize_t M, Py_ssize_t K, Py_ssize_t L, const float *a,
                            Py_ssize_t ars, Py_ssize_t acs, const float *b, Py_ssize_t ldb,
                            float *c, Py_ssize_t ldc)
{
    if (pyt_cpu_has_fma()) pyt_gemm_wide_f_fma(M, K, L, a, ars, acs, b, ldb, c, ldc);
    else pyt_gemm_wide_f_base(M, K, L, a, ars, acs, b, ldb, c, ldc);
}
#else
PYT_DEFINE_GEMM_WIDE(, )
#endif

#endif
