/* Cache blocking for pointwise iterations in which an operand crosses the others: its
   elements along the innermost dim lie far apart while its next row is near (a + b.t()).
   Walking row by row, every element of such an operand loads a cache line that is evicted
   before the next row comes back for the rest of it. Cutting the two innermost dims into
   tiles keeps those lines in cache while a tile is done.

   pyt_iter_run_blocked() runs an iteration like pyt_iter_run(), tiled when that helps;
   tiles are split between OpenMP threads above the grain size. */
#ifndef PYT_BLOCKED_H
#define PYT_BLOCKED_H
#include "pyt_loop.h"

#define PYT_TILE_ROWS 32     /* 32 rows of 4-byte elements: two cache lines per column */
#define PYT_TILE_COLS 128

static inline Py_ssize_t pyt_abs_stride(Py_ssize_t s) { return s < 0 ? -s : s; }

/* whether some operand steps further along the innermost dim than along the next one */
static inline int pyt_iter_crosses(const pyt_iter *it)
{
    int last = it->ndim - 1;
    if (last < 1 || it->shape[last] < PYT_TILE_COLS / 4 || it->shape[last - 1] < PYT_TILE_ROWS)
        return 0;
    for (int k = 0; k < it->nops; k++) {
        Py_ssize_t inner = pyt_abs_stride(it->strides[k][last]);
        Py_ssize_t outer = pyt_abs_stride(it->strides[k][last - 1]);
        if (inner > 64 && outer != 0 && outer < inner) return 1;
    }
    return 0;
}

/* tiles [begin, end) of the iteration; a tile index runs over the outer dims, then the
   row tiles, then the column tiles */
static inline void pyt_iter_tiles(const pyt_iter *it, Py_ssize_t begin, Py_ssize_t end,
                                  pyt_inner_loop fn, void *ctx)
{
    int nd = it->ndim, last = nd - 1, nops = it->nops, d, k;
    Py_ssize_t rows = it->shape[last - 1], cols = it->shape[last];
    Py_ssize_t row_tiles = (rows + PYT_TILE_ROWS - 1) / PYT_TILE_ROWS;
    Py_ssize_t col_tiles = (cols + PYT_TILE_COLS - 1) / PYT_TILE_COLS;
    char *ptrs[PYT_MAX_OPERANDS];
    Py_ssize_t inner[PYT_MAX_OPERANDS];
    for (k = 0; k < nops; k++) inner[k] = it->strides[k][last];
    for (Py_ssize_t t = begin; t < end; t++) {
        Py_ssize_t tc = t % col_tiles, rest = t / col_tiles;
        Py_ssize_t tr = rest % row_tiles, outer = rest / row_tiles;
        Py_ssize_t r0 = tr * PYT_TILE_ROWS, c0 = tc * PYT_TILE_COLS;
        Py_ssize_t nr = rows - r0 < PYT_TILE_ROWS ? rows - r0 : PYT_TILE_ROWS;
        Py_ssize_t nc = cols - c0 < PYT_TILE_COLS ? cols - c0 : PYT_TILE_COLS;
        char *corner[PYT_MAX_OPERANDS];
        for (k = 0; k < nops; k++) {
            char *p = it->base[k] + r0 * it->strides[k][last - 1] + c0 * inner[k];
            Py_ssize_t o = outer;
            for (d = last - 2; d >= 0; d--) {
                p += (o % it->shape[d]) * it->strides[k][d];
                o /= it->shape[d];
            }
            corner[k] = p;
        }
        for (Py_ssize_t r = 0; r < nr; r++) {
            for (k = 0; k < nops; k++) ptrs[k] = corner[k] + r * it->strides[k][last - 1];
            fn(ptrs, inner, nc, ctx);
        }
    }
}

static inline void pyt_iter_run_blocked(const pyt_iter *it, Py_ssize_t numel,
                                        pyt_inner_loop fn, void *ctx, int nthreads,
                                        Py_ssize_t grain)
{
    if (numel == 0) return;
    if (!pyt_iter_crosses(it)) {
        pyt_iter_run(it, numel, fn, ctx, nthreads, grain);
        return;
    }
    int last = it->ndim - 1;
    Py_ssize_t row_tiles = (it->shape[last - 1] + PYT_TILE_ROWS - 1) / PYT_TILE_ROWS;
    Py_ssize_t col_tiles = (it->shape[last] + PYT_TILE_COLS - 1) / PYT_TILE_COLS;
    Py_ssize_t tiles = numel / (it->shape[last - 1] * it->shape[last]) * row_tiles * col_tiles;
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
}

#endif
