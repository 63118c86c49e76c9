/* The strided iteration every CPU kernel runs on.

   A kernel supplies an inner loop over one dimension; pyt_loop() walks the
   outer dimensions. Before walking, dims of size 1 are dropped and dims that
   are contiguous with each other in every operand are merged, so a contiguous
   tensor of any shape becomes one long inner loop. Above a grain size the
   element range is split between OpenMP threads; below it no OpenMP call is
   made (and a forked child, which runs with one thread, never enters OpenMP). */
#ifndef PYT_LOOP_H
#define PYT_LOOP_H
#include <stddef.h>
#include <string.h>
#include <Python.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define PYT_MAX_OPERANDS 8
#define PYT_MAX_DIMS 64
#define PYT_GRAIN_SIZE 32768   /* elements; below it kernels stay serial */

/* ptrs[k]: first element of operand k in this row; strides[k]: its byte stride
   along the row; n: elements in the row. */
typedef void (*pyt_inner_loop)(char **ptrs, const Py_ssize_t *strides,
                               Py_ssize_t n, void *ctx);

typedef struct {
    int nops, ndim;
    Py_ssize_t shape[PYT_MAX_DIMS];                   /* innermost dim last */
    Py_ssize_t strides[PYT_MAX_OPERANDS][PYT_MAX_DIMS];
    char *base[PYT_MAX_OPERANDS];
} pyt_iter;

/* strides: nops rows of ndim byte strides. Returns the element count. */
static inline Py_ssize_t pyt_iter_init(pyt_iter *it, int nops, int ndim,
                                       const Py_ssize_t *shape, char **base,
                                       const Py_ssize_t *strides)
{
    Py_ssize_t numel = 1;
    int d, k, nd = 0;
    it->nops = nops;
    for (k = 0; k < nops; k++) it->base[k] = base[k];
    for (d = 0; d < ndim; d++) numel *= shape[d];
    /* drop size-1 dims, keep order */
    for (d = 0; d < ndim; d++) {
        if (shape[d] == 1) continue;
        it->shape[nd] = shape[d];
        for (k = 0; k < nops; k++) it->strides[k][nd] = strides[k * ndim + d];
        nd++;
    }
    /* merge dim i into dim i+1 when every operand steps over it contiguously */
    int out = 0;
    for (d = 0; d < nd; d++) {
        if (out > 0) {
            int mergeable = 1;
            for (k = 0; k < nops; k++)
                if (it->strides[k][out - 1] != it->strides[k][d] * it->shape[d]) { mergeable = 0; break; }
            if (mergeable) {
                it->shape[out - 1] *= it->shape[d];
                for (k = 0; k < nops; k++) it->strides[k][out - 1] = it->strides[k][d];
                continue;
            }
        }
        it->shape[out] = it->shape[d];
        for (k = 0; k < nops; k++) it->strides[k][out] = it->strides[k][d];
        out++;
    }
    if (out == 0) {                      /* a scalar: one row of one element */
        it->shape[0] = 1;
        for (k = 0; k < nops; k++) it->strides[k][0] = 0;
        out = 1;
    }
    it->ndim = out;
    return numel;
}

/* Runs the inner loop over linear elements [begin, end) of the iteration. */
static inline void pyt_iter_range(const pyt_iter *it, Py_ssize_t begin, Py_ssize_t end,
                                  pyt_inner_loop fn, void *ctx)
{
    int nd = it->ndim, nops = it->nops, d, k, last = nd - 1;
    Py_ssize_t idx[PYT_MAX_DIMS];
    char *row[PYT_MAX_OPERANDS], *ptrs[PYT_MAX_OPERANDS];
    Py_ssize_t inner[PYT_MAX_OPERANDS];
    Py_ssize_t rem = begin, row_len = it->shape[last], col;
    if (begin >= end) return;
    for (d = last; d >= 0; d--) { idx[d] = rem % it->shape[d]; rem /= it->shape[d]; }
    for (k = 0; k < nops; k++) {
        char *p = it->base[k];
        for (d = 0; d < last; d++) p += idx[d] * it->strides[k][d];
        row[k] = p;
        inner[k] = it->strides[k][last];
    }
    col = idx[last];
    for (Py_ssize_t pos = begin; ; ) {
        Py_ssize_t n = row_len - col;
        if (n > end - pos) n = end - pos;
        for (k = 0; k < nops; k++) ptrs[k] = row[k] + col * inner[k];
        fn(ptrs, inner, n, ctx);
        pos += n;
        if (pos >= end) break;
        col = 0;
        for (d = last - 1; d >= 0; d--) {          /* next row, with carry */
            idx[d]++;
            for (k = 0; k < nops; k++) row[k] += it->strides[k][d];
            if (idx[d] < it->shape[d]) break;
            for (k = 0; k < nops; k++) row[k] -= idx[d] * it->strides[k][d];
            idx[d] = 0;
        }
    }
}

/* Cache blocking. When some operand walks the innermost dim with a big stride while
   another walks it contiguously (out = a + b.t(), a transposed copy), row-by-row
   iteration touches a new cache line per element of the strided operand and reuses
   none of them. Walking the two innermost dims in square tiles instead keeps the lines
   of a tile in cache until all their elements are used. */
#define PYT_TILE 16

static inline int pyt_iter_wants_tiles(const pyt_iter *it)
{
    int nd = it->ndim, k;
    if (nd < 2 || it->shape[nd - 1] < PYT_TILE || it->shape[nd - 2] < PYT_TILE) return 0;
    for (k = 0; k < it->nops; k++) {
        Py_ssize_t inner = it->strides[k][nd - 1], outer = it->strides[k][nd - 2];
        if (inner < 0) inner = -inner;
        if (outer < 0) outer = -outer;
        if (inner > 64 && outer < inner) return 1;
    }
    return 0;
}

/* Tiles [begin, end) of the iteration: tile t covers rows (t % row_tiles) * PYT_TILE...
   of the 2-D slice t / row_tiles (slices are the outer dims, flattened). */
static inline void pyt_iter_tiles(const pyt_iter *it, Py_ssize_t begin, Py_ssize_t end,
                                  pyt_inner_loop fn, void *ctx)
{
    int nd = it->ndim, nops = it->nops, d, k;
    Py_ssize_t rows = it->shape[nd - 2], cols = it->shape[nd - 1];
    Py_ssize_t row_tiles = (rows + PYT_TILE - 1) / PYT_TILE;
    char *ptrs[PYT_MAX_OPERANDS];
    Py_ssize_t inner[PYT_MAX_OPERANDS];
    for (k = 0; k < nops; k++) inner[k] = it->strides[k][nd - 1];
    for (Py_ssize_t t = begin; t < end; t++) {
        Py_ssize_t slice = t / row_tiles, r0 = (t % row_tiles) * PYT_TILE, rem = slice;
        Py_ssize_t r1 = r0 + PYT_TILE < rows ? r0 + PYT_TILE : rows;
        char *base[PYT_MAX_OPERANDS];
        for (k = 0; k < nops; k++) base[k] = it->base[k];
        for (d = nd - 3; d >= 0; d--) {             /* the slice's outer multi-index */
            Py_ssize_t i = rem % it->shape[d];
            rem /= it->shape[d];
            for (k = 0; k < nops; k++) base[k] += i * it->strides[k][d];
        }
        for (Py_ssize_t c0 = 0; c0 < cols; c0 += PYT_TILE) {
            Py_ssize_t n = cols - c0 < PYT_TILE ? cols - c0 : PYT_TILE;
            for (Py_ssize_t r = r0; r < r1; r++) {
                for (k = 0; k < nops; k++)
                    ptrs[k] = base[k] + r * it->strides[k][nd - 2] + c0 * inner[k];
                fn(ptrs, inner, n, ctx);
            }
        }
    }
}

/* Runs the whole iteration, on nthreads threads when numel >= grain. */
static inline void pyt_iter_run(const pyt_iter *it, Py_ssize_t numel, pyt_inner_loop fn,
                                void *ctx, int nthreads, Py_ssize_t grain)
{
    if (pyt_iter_wants_tiles(it)) {
        int nd = it->ndim;
        Py_ssize_t rows = it->shape[nd - 2];
        Py_ssize_t tiles = numel / (rows * it->shape[nd - 1]) * ((rows + PYT_TILE - 1) / PYT_TILE);
#ifdef _OPENMP
        if (nthreads > 1 && numel >= grain && tiles > 1) {
            int nt = tiles < nthreads ? (int)tiles : nthreads;
            #pragma omp parallel num_threads(nt)
            {
                int t = omp_get_thread_num(), tn = omp_get_num_threads();
                pyt_iter_tiles(it, tiles * t / tn, tiles * (t + 1) / tn, fn, ctx);
            }
            return;
        }
#endif
        pyt_iter_tiles(it, 0, tiles, fn, ctx);
        return;
    }
#ifdef _OPENMP
    if (nthreads > 1 && numel >= grain) {
        Py_ssize_t chunks = numel / (grain / 2 > 0 ? grain / 2 : 1);
        int nt = chunks < nthreads ? (int)chunks : nthreads;
        if (nt > 1) {
            #pragma omp parallel num_threads(nt)
            {
                int t = omp_get_thread_num(), tn = omp_get_num_threads();
                Py_ssize_t b = numel * t / tn, e = numel * (t + 1) / tn;
                pyt_iter_range(it, b, e, fn, ctx);
            }
            return;
        }
    }
#endif
    pyt_iter_range(it, 0, numel, fn, ctx);
}

#endif
