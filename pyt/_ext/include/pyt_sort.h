/* Sorting, selection and binary search for sort/argsort/topk/kthvalue/median/mode/
   unique/searchsorted.

   Every dtype is first mapped to unsigned 64-bit keys whose integer order is torch's
   order of the values: -0.0 and 0.0 share a key (they compare equal), NaN gets the
   largest key (NaN sorts last ascending, first descending), and a descending sort
   inverts the keys. Sorting (key, original index) pairs stably then gives exactly
   torch's stable sort, and selections break ties by index, so every op is
   deterministic: LSD radix sort for long rows, merge sort for short ones (both
   stable, so they agree). */
#ifndef PYT_SORT_H
#define PYT_SORT_H
#include <stdlib.h>
#include <string.h>
#include "pyt_dtypes.h"
#include "pyt_loop.h"

#define PYT_SORT_RADIX_MIN 1024      /* rows at least this long use radix sort */

/* ----- keys ----------------------------------------------------------------------- */
static inline uint64_t pyt_key_bits16(uint16_t h, int is_bf16)
{
    uint16_t mag = h & 0x7fffu;
    if (mag > (is_bf16 ? 0x7f80u : 0x7c00u)) return 0xffffu;          /* NaN */
    if (mag == 0) return 0x8000u;                                       /* +-0 */
    return (h & 0x8000u) ? (uint16_t)~h : (uint16_t)(h | 0x8000u);
}

static inline uint64_t pyt_key_f32(float x)
{
    uint32_t u;
    if (x != x) return 0xffffffffu;
    if (x == 0) x = 0.0f;
    memcpy(&u, &x, 4);
    return (u & 0x80000000u) ? (uint32_t)~u : (u | 0x80000000u);
}

static inline uint64_t pyt_key_f64(double x)
{
    uint64_t u;
    if (x != x) return ~(uint64_t)0;
    if (x == 0) x = 0.0;
    memcpy(&u, &x, 8);
    return (u >> 63) ? ~u : (u | ((uint64_t)1 << 63));
}

#define PYT_KEY_bool(p) ((uint64_t)(*(const uint8_t *)(p) != 0))
#define PYT_KEY_uint8(p) ((uint64_t)*(const uint8_t *)(p))
#define PYT_KEY_int8(p) ((uint64_t)(uint8_t)(*(const int8_t *)(p) ^ INT8_MIN))
#define PYT_KEY_int16(p) ((uint64_t)(uint16_t)(*(const int16_t *)(p) ^ INT16_MIN))
#define PYT_KEY_int32(p) ((uint64_t)(uint32_t)(*(const int32_t *)(p) ^ INT32_MIN))
#define PYT_KEY_int64(p) ((uint64_t)*(const int64_t *)(p) ^ ((uint64_t)1 << 63))
#define PYT_KEY_float16(p) pyt_key_bits16(*(const uint16_t *)(p), 0)
#define PYT_KEY_bfloat16(p) pyt_key_bits16(*(const uint16_t *)(p), 1)
#define PYT_KEY_float32(p) pyt_key_f32(*(const float *)(p))
#define PYT_KEY_float64(p) pyt_key_f64(*(const double *)(p))

typedef void (*pyt_keys_fn)(const char *p, Py_ssize_t n, Py_ssize_t s, uint64_t *k, int desc);

#define PYT_KEYS(D)                                                                     \
static void pyt_keys_##D(const char *p, Py_ssize_t n, Py_ssize_t s, uint64_t *k, int desc) \
{                                                                                       \
    Py_ssize_t i;                                                                       \
    uint64_t flip = desc ? ~(uint64_t)0 : 0;                                            \
    for (i = 0; i < n; i++) k[i] = PYT_KEY_##D(p + i * s) ^ flip;                       \
}
PYT_KEYS(bool) PYT_KEYS(uint8) PYT_KEYS(int8) PYT_KEYS(int16) PYT_KEYS(int32)
PYT_KEYS(int64) PYT_KEYS(float16) PYT_KEYS(bfloat16) PYT_KEYS(float32) PYT_KEYS(float64)

static const pyt_keys_fn pyt_keys_table[PYT_NUM_DTYPES] = {
    pyt_keys_bool, pyt_keys_uint8, pyt_keys_int8, pyt_keys_int16, pyt_keys_int32,
    pyt_keys_int64, pyt_keys_float16, pyt_keys_bfloat16, pyt_keys_float32, pyt_keys_float64
};

/* the (ascending) key of NaN; 0 for dtypes without NaN */
static const uint64_t pyt_nan_key[PYT_NUM_DTYPES] = {
    0, 0, 0, 0, 0, 0, 0xffffu, 0xffffu, 0xffffffffu, ~(uint64_t)0
};

/* ----- stable sort of (key, index) pairs --------------------------------------------- */
static void pyt_merge_sort(uint64_t *k, int64_t *ix, Py_ssize_t n, uint64_t *tk, int64_t *tix)
{
    Py_ssize_t i, j, w, lo;
    uint64_t *sk = k, *dk = tk; int64_t *si = ix, *di = tix;
    for (lo = 0; lo < n; lo += 16) {                     /* insertion-sorted runs of 16 */
        Py_ssize_t hi = lo + 16 < n ? lo + 16 : n;
        for (i = lo + 1; i < hi; i++) {
            uint64_t key = k[i]; int64_t v = ix[i];
            for (j = i - 1; j >= lo && k[j] > key; j--) { k[j + 1] = k[j]; ix[j + 1] = ix[j]; }
            k[j + 1] = key; ix[j + 1] = v;
        }
    }
    for (w = 16; w < n; w *= 2) {
        for (lo = 0; lo < n; lo += 2 * w) {
            Py_ssize_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            Py_ssize_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi) {
                if (sk[b] < sk[a]) { dk[o] = sk[b]; di[o++] = si[b++]; }
                else { dk[o] = sk[a]; di[o++] = si[a++]; }
            }
            while (a < mid) { dk[o] = sk[a]; di[o++] = si[a++]; }
            while (b < hi) { dk[o] = sk[b]; di[o++] = si[b++]; }
        }
        { uint64_t *t = sk; sk = dk; dk = t; }
        { int64_t *t = si; si = di; di = t; }
    }
    if (sk != k) { memcpy(k, sk, n * sizeof(uint64_t)); memcpy(ix, si, n * sizeof(int64_t)); }
}

static void pyt_radix_sort(uint64_t *k, int64_t *ix, Py_ssize_t n, uint64_t *tk, int64_t *tix)
{
    Py_ssize_t hist[8][256], i;
    uint64_t all_or = 0, all_and = ~(uint64_t)0, varying;
    uint64_t *sk = k, *dk = tk; int64_t *si = ix, *di = tix;
    int b, nb = 0, bytes[8];
    for (i = 0; i < n; i++) { all_or |= k[i]; all_and &= k[i]; }
    varying = all_or ^ all_and;                          /* bytes that differ somewhere */
    for (b = 0; b < 8; b++) if ((varying >> (8 * b)) & 0xff) bytes[nb++] = b;
    if (nb == 0) return;
    memset(hist, 0, sizeof(Py_ssize_t) * 256 * nb);
    for (i = 0; i < n; i++)
        for (b = 0; b < nb; b++) hist[b][(k[i] >> (8 * bytes[b])) & 0xff]++;
    for (b = 0; b < nb; b++) {
        Py_ssize_t pos[256], acc = 0; int d, shift = 8 * bytes[b];
        for (d = 0; d < 256; d++) { pos[d] = acc; acc += hist[b][d]; }
        for (i = 0; i < n; i++) {
            Py_ssize_t at = pos[(sk[i] >> shift) & 0xff]++;
            dk[at] = sk[i]; di[at] = si[i];
        }
        { uint64_t *t = sk; sk = dk; dk = t; }
        { int64_t *t = si; si = di; di = t; }
    }
    if (sk != k) { memcpy(k, sk, n * sizeof(uint64_t)); memcpy(ix, si, n * sizeof(int64_t)); }
}

/* Sorts pairs by key, stably. tk / tix: scratch of n entries. */
static void pyt_sort_pairs(uint64_t *k, int64_t *ix, Py_ssize_t n, uint64_t *tk, int64_t *tix)
{
    if (n >= PYT_SORT_RADIX_MIN) pyt_radix_sort(k, ix, n, tk, tix);
    else pyt_merge_sort(k, ix, n, tk, tix);
}

/* ----- selection: the key that sorts to position kth (0-based) -------------------------- */
static void pyt_sift_down(uint64_t *a, Py_ssize_t i, Py_ssize_t n)
{
    for (;;) {
        Py_ssize_t c = 2 * i + 1;
        if (c >= n) return;
        if (c + 1 < n && a[c + 1] > a[c]) c++;
        if (a[i] >= a[c]) return;
        { uint64_t t = a[i]; a[i] = a[c]; a[c] = t; }
        i = c;
    }
}

static uint64_t pyt_select_key(uint64_t *a, Py_ssize_t n, Py_ssize_t kth)
{
    Py_ssize_t lo = 0, hi = n - 1, budget = 16, m;
    for (m = n; m > 0; m >>= 1) budget += 2;
    while (hi > lo) {
        Py_ssize_t i = lo, j = hi, mid = lo + (hi - lo) / 2;
        uint64_t x = a[lo], y = a[mid], z = a[hi], pivot;
        if (--budget == 0) {                          /* bad pivots: heapsort the rest */
            Py_ssize_t len = hi - lo + 1, e;
            uint64_t *h = a + lo;
            for (e = len / 2 - 1; e >= 0; e--) pyt_sift_down(h, e, len);
            for (e = len - 1; e > 0; e--) {
                uint64_t t = h[0]; h[0] = h[e]; h[e] = t;
                pyt_sift_down(h, 0, e);
            }
            return a[kth];
        }
        pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        while (i <= j) {                               /* Hoare partition */
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) { uint64_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (kth <= j) hi = j;
        else if (kth >= i) lo = i;
        else return a[kth];
    }
    return a[kth];
}

/* the (kth+1)-th smallest key for small kth: a max-heap of the kth+1 smallest seen */
static uint64_t pyt_heap_select_key(const uint64_t *k, Py_ssize_t n, Py_ssize_t kth,
                                    uint64_t *heap)
{
    Py_ssize_t m = kth + 1, i;
    memcpy(heap, k, m * sizeof(uint64_t));
    for (i = m / 2 - 1; i >= 0; i--) pyt_sift_down(heap, i, m);
    for (i = m; i < n; i++)
        if (k[i] < heap[0]) { heap[0] = k[i]; pyt_sift_down(heap, 0, m); }
    return heap[0];
}

/* the key that sorts to position kth of k[0..n) (k is left as it is) */
static uint64_t pyt_kth_key(const uint64_t *k, Py_ssize_t n, Py_ssize_t kth, uint64_t *scratch)
{
    if (kth < n / 64) return pyt_heap_select_key(k, n, kth, scratch);
    memcpy(scratch, k, n * sizeof(uint64_t));
    return pyt_select_key(scratch, n, kth);
}

/* ----- row ops ---------------------------------------------------------------------- */
enum { PYT_ROW_SORT = 0, PYT_ROW_TOPK, PYT_ROW_KTH, PYT_ROW_MEDIAN, PYT_ROW_NANMEDIAN,
       PYT_ROW_MODE };

/* Input: a contiguous [A, n, B] array, rows along n (stride B). Outputs: values
   (input dtype) and int64 indices, [A, kout, B]. */
typedef struct {
    int kind, code, itemsize, descending;
    Py_ssize_t A, n, B, kout, k;
    const char *in;
    char *vals;
    int64_t *idx;
} pyt_rowop;

typedef struct { uint64_t *k, *tk, *sel; int64_t *ix, *tix; } pyt_rowbuf;

static void pyt_row_emit(const pyt_rowop *op, const char *row, Py_ssize_t a, Py_ssize_t b,
                         Py_ssize_t pos, int64_t src)
{
    Py_ssize_t at = (a * op->kout + pos) * op->B + b;
    memcpy(op->vals + at * op->itemsize, row + src * op->B * op->itemsize, op->itemsize);
    op->idx[at] = src;
}

/* position of the (r+1)-th smallest pair, ties by index: its original index */
static int64_t pyt_row_kth(const pyt_rowop *op, pyt_rowbuf *buf, Py_ssize_t r)
{
    Py_ssize_t n = op->n, i, less = 0;
    uint64_t t;
    t = pyt_kth_key(buf->k, n, r, buf->sel);
    for (i = 0; i < n; i++) less += buf->k[i] < t;
    for (i = 0; i < n; i++)
        if (buf->k[i] == t && less++ == r) return i;
    return 0;                                         /* not reached */
}

static void pyt_row_run1(const pyt_rowop *op, pyt_rowbuf *buf, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t n = op->n, i, B = op->B;
    const char *row = op->in + (a * n * B + b) * op->itemsize;
    uint64_t nan = pyt_nan_key[op->code];
    int has_nan = op->code >= PYT_FLOAT16;
    int desc = (op->kind == PYT_ROW_SORT || op->kind == PYT_ROW_TOPK) && op->descending;
    pyt_keys_table[op->code](row, n, B * op->itemsize, buf->k, desc);
    switch (op->kind) {
    case PYT_ROW_SORT:
        for (i = 0; i < n; i++) buf->ix[i] = i;
        pyt_sort_pairs(buf->k, buf->ix, n, buf->tk, buf->tix);
        for (i = 0; i < n; i++) pyt_row_emit(op, row, a, b, i, buf->ix[i]);
        break;
    case PYT_ROW_TOPK: {
        Py_ssize_t kk = op->k, less = 0, got = 0;
        uint64_t t;
        if (kk == 0) break;
        t = pyt_kth_key(buf->k, n, kk - 1, buf->sel);
        for (i = 0; i < n; i++) less += buf->k[i] < t;
        for (i = 0; i < n; i++) {                     /* the kk first pairs, index order */
            if (buf->k[i] < t || (buf->k[i] == t && less < kk)) {
                if (buf->k[i] == t) less++;
                buf->tk[got] = buf->k[i]; buf->tix[got++] = i;
            }
        }
        memcpy(buf->k, buf->tk, kk * sizeof(uint64_t));
        memcpy(buf->ix, buf->tix, kk * sizeof(int64_t));
        pyt_sort_pairs(buf->k, buf->ix, kk, buf->tk, buf->tix);
        for (i = 0; i < kk; i++) pyt_row_emit(op, row, a, b, i, buf->ix[i]);
        break;
    }
    case PYT_ROW_KTH:
        pyt_row_emit(op, row, a, b, 0, pyt_row_kth(op, buf, op->k));
        break;
    case PYT_ROW_MEDIAN:                              /* a NaN anywhere is the median */
        if (has_nan)
            for (i = 0; i < n; i++)
                if (buf->k[i] == nan) { pyt_row_emit(op, row, a, b, 0, i); return; }
        pyt_row_emit(op, row, a, b, 0, pyt_row_kth(op, buf, (n - 1) / 2));
        break;
    case PYT_ROW_NANMEDIAN: {
        Py_ssize_t m = 0;
        for (i = 0; i < n; i++) m += !(has_nan && buf->k[i] == nan);
        pyt_row_emit(op, row, a, b, 0, pyt_row_kth(op, buf, m > 0 ? (m - 1) / 2 : 0));
        break;
    }
    case PYT_ROW_MODE: {                              /* longest run; ties: smallest value */
        Py_ssize_t start = 0, best_len = 0; int64_t best = 0;
        for (i = 0; i < n; i++) buf->ix[i] = i;
        pyt_sort_pairs(buf->k, buf->ix, n, buf->tk, buf->tix);
        for (i = 1; i <= n; i++) {
            if (i < n && buf->k[i] == buf->k[start] && !(has_nan && buf->k[i] == nan))
                continue;
            if (i - start > best_len) { best_len = i - start; best = buf->ix[i - 1]; }
            start = i;
        }
        pyt_row_emit(op, row, a, b, 0, best);
        break;
    }
    }
}

/* Runs the row op on every row, rows split between threads. -1: out of memory. */
static int pyt_rowop_run(const pyt_rowop *op, int nthreads)
{
    Py_ssize_t rows = op->A * op->B, n = op->n;
    int failed = 0;
    if (rows == 0 || n == 0) return 0;
#ifdef _OPENMP
    if (nthreads > 1 && rows > 1 && rows * n >= PYT_GRAIN_SIZE) {
        #pragma omp parallel num_threads(nthreads) reduction(|:failed)
        {
            pyt_rowbuf buf;
            Py_ssize_t r;
            buf.k = (uint64_t *)malloc(n * 3 * sizeof(uint64_t));
            buf.ix = (int64_t *)malloc(n * 2 * sizeof(int64_t));
            int ok = buf.k && buf.ix;
            if (!ok) failed = 1;
            else { buf.tk = buf.k + n; buf.sel = buf.k + 2 * n; buf.tix = buf.ix + n; }
            #pragma omp for schedule(static)
            for (r = 0; r < rows; r++)           /* every thread meets the loop */
                if (ok) pyt_row_run1(op, &buf, r / op->B, r % op->B);
            free(buf.k); free(buf.ix);
        }
        return failed ? -1 : 0;
    }
#endif
    {
        pyt_rowbuf buf;
        Py_ssize_t r;
        buf.k = (uint64_t *)malloc(n * 3 * sizeof(uint64_t));
        buf.ix = (int64_t *)malloc(n * 2 * sizeof(int64_t));
        if (!buf.k || !buf.ix) { free(buf.k); free(buf.ix); return -1; }
        buf.tk = buf.k + n; buf.sel = buf.k + 2 * n; buf.tix = buf.ix + n;
        for (r = 0; r < rows; r++) pyt_row_run1(op, &buf, r / op->B, r % op->B);
        free(buf.k); free(buf.ix);
    }
    (void)failed; (void)nthreads;
    return 0;
}

/* ----- whole-row comparisons for unique(dim=...) --------------------------------------- */
static inline int pyt_rows_cmp(const uint64_t *k, Py_ssize_t L, int64_t a, int64_t b)
{
    const uint64_t *x = k + a * L, *y = k + b * L;
    Py_ssize_t i;
    for (i = 0; i < L; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* Stable merge sort of the row numbers perm[0..n) by their key rows (n rows of L keys). */
static void pyt_sort_rows(const uint64_t *k, Py_ssize_t L, int64_t *perm, Py_ssize_t n,
                          int64_t *tmp)
{
    Py_ssize_t w, lo;
    int64_t *src = perm, *dst = tmp;
    for (w = 1; w < n; w *= 2) {
        for (lo = 0; lo < n; lo += 2 * w) {
            Py_ssize_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            Py_ssize_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                dst[o++] = pyt_rows_cmp(k, L, src[b], src[a]) < 0 ? src[b++] : src[a++];
            while (a < mid) dst[o++] = src[a++];
            while (b < hi) dst[o++] = src[b++];
        }
        { int64_t *t = src; src = dst; dst = t; }
    }
    if (src != perm) memcpy(perm, src, n * sizeof(int64_t));
}

/* ----- binary search (torch's comparisons, so NaN lands as torch puts it) -------------- */
#define PYT_SS_C_bool int
#define PYT_SS_C_uint8 int
#define PYT_SS_C_int8 int
#define PYT_SS_C_int16 int
#define PYT_SS_C_int32 int32_t
#define PYT_SS_C_int64 int64_t
#define PYT_SS_C_float16 float
#define PYT_SS_C_bfloat16 float
#define PYT_SS_C_float32 float
#define PYT_SS_C_float64 double
#define PYT_SS_SIZE_bool 1
#define PYT_SS_SIZE_uint8 1
#define PYT_SS_SIZE_int8 1
#define PYT_SS_SIZE_int16 2
#define PYT_SS_SIZE_int32 4
#define PYT_SS_SIZE_int64 8
#define PYT_SS_SIZE_float16 2
#define PYT_SS_SIZE_bfloat16 2
#define PYT_SS_SIZE_float32 4
#define PYT_SS_SIZE_float64 8
#define PYT_SS_LD_bool(p) (*(const uint8_t *)(p) != 0)
#define PYT_SS_LD_uint8(p) (*(const uint8_t *)(p))
#define PYT_SS_LD_int8(p) (*(const int8_t *)(p))
#define PYT_SS_LD_int16(p) (*(const int16_t *)(p))
#define PYT_SS_LD_int32(p) (*(const int32_t *)(p))
#define PYT_SS_LD_int64(p) (*(const int64_t *)(p))
#define PYT_SS_LD_float16(p) pyt_half_to_float(*(const uint16_t *)(p))
#define PYT_SS_LD_bfloat16(p) pyt_bfloat16_to_float(*(const uint16_t *)(p))
#define PYT_SS_LD_float32(p) (*(const float *)(p))
#define PYT_SS_LD_float64(p) (*(const double *)(p))

/* For each of the m values, the insertion point into the sorted row seq[0..n)
   (seen through sorter when given). */
typedef void (*pyt_search_fn)(const char *seq, Py_ssize_t n, const int64_t *sorter,
                              const char *vals, Py_ssize_t m, int right, int64_t *out);

#define PYT_SEARCH(D)                                                                   \
static void pyt_search_##D(const char *seq, Py_ssize_t n, const int64_t *sorter,        \
                           const char *vals, Py_ssize_t m, int right, int64_t *out)     \
{                                                                                       \
    Py_ssize_t i, sz = PYT_SS_SIZE_##D;                                             \
    for (i = 0; i < m; i++) {                                                           \
        PYT_SS_C_##D v = PYT_SS_LD_##D(vals + i * sz);                                  \
        Py_ssize_t lo = 0, hi = n;                                                      \
        while (lo < hi) {                                                               \
            Py_ssize_t mid = lo + ((hi - lo) >> 1);                                     \
            PYT_SS_C_##D x = PYT_SS_LD_##D(seq + (sorter ? sorter[mid] : mid) * sz);    \
            if (right ? !(x > v) : !(x >= v)) lo = mid + 1; else hi = mid;              \
        }                                                                               \
        out[i] = lo;                                                                    \
    }                                                                                   \
}
PYT_SEARCH(bool) PYT_SEARCH(uint8) PYT_SEARCH(int8) PYT_SEARCH(int16) PYT_SEARCH(int32)
PYT_SEARCH(int64) PYT_SEARCH(float16) PYT_SEARCH(bfloat16) PYT_SEARCH(float32)
PYT_SEARCH(float64)

static const pyt_search_fn pyt_search_table[PYT_NUM_DTYPES] = {
    pyt_search_bool, pyt_search_uint8, pyt_search_int8, pyt_search_int16, pyt_search_int32,
    pyt_search_int64, pyt_search_float16, pyt_search_bfloat16, pyt_search_float32,
    pyt_search_float64
};

#endif
