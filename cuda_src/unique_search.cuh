/* The element functions of unique_search.cu (unique, bincount / histc bins, searchsorted,
   mode), each __host__ __device__ so that tests/cuda_host can run them on the host and
   compare them with pyt's CPU kernels (pyt_sort.h and reductions.pyx). */
#ifndef PYT_CUDA_UNIQUE_SEARCH_CUH
#define PYT_CUDA_UNIQUE_SEARCH_CUH
#include <stdint.h>
#include <string.h>
#include "cast.cuh"
#include "sort_key.cuh"

namespace {

/* the raw bits of the int64 or float64 value whose key is k (0.0 for +-0; NaN's key
   gives a NaN) */
PYT_HD uint64_t us_bits_of_key(int code, uint64_t k)
{
    if (code == PYT_INT64) return k ^ ((uint64_t)1 << 63);
    return (k >> 63) ? (k ^ ((uint64_t)1 << 63)) : ~k;
}

/* the key NaN has (0: the dtype has no NaN) */
PYT_HD uint64_t us_nan_key(int code)
{
    switch (code) {
    case PYT_FLOAT16: case PYT_BFLOAT16: return 0xffffu;
    case PYT_FLOAT32: return 0xffffffffu;
    case PYT_FLOAT64: return ~(uint64_t)0;
    default: return 0;
    }
}

/* ----- unique: rows of L elements compared whole (pyt_rows_cmp's order) ----------------- */

struct UsRows {
    int code, itemsize;
    const char *data;          /* n contiguous rows of L elements */
    int64_t L;
    PYT_HD_MEMBER uint64_t key(int64_t row, int64_t j) const
    {
        return pyt_sort_key(code, data + (row * L + j) * itemsize);
    }
    PYT_HD_MEMBER int cmp(int64_t a, int64_t b) const
    {
        for (int64_t j = 0; j < L; j++) {
            uint64_t x = key(a, j), y = key(b, j);
            if (x != y) return x < y ? -1 : 1;
        }
        return 0;
    }
    PYT_HD_MEMBER bool has_nan(int64_t row) const
    {
        uint64_t nan = us_nan_key(code);
        if (nan == 0) return false;
        for (int64_t j = 0; j < L; j++)
            if (key(row, j) == nan) return true;
        return false;
    }
};

/* One pass of a bottom-up stable merge sort of row numbers: src holds sorted runs of w
   rows; the element at i moves to where it lands in the merge of its run with the
   neighbouring one. Its rank there: its place in its own run plus how many rows of the
   other run go before it (strictly smaller ones when it is on the left, smaller or
   equal ones when it is on the right, so that ties keep their order). */
PYT_HD int64_t us_merge_dest(const UsRows &rows, const int64_t *src, int64_t n, int64_t w,
                             int64_t i)
{
    int64_t lo = (i / (2 * w)) * (2 * w);
    int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
    int64_t x = src[i], a, b;
    bool left = i < mid;
    if (left) { a = mid; b = hi; } else { a = lo; b = mid; }
    while (a < b) {                       /* the first of the other run that goes after x */
        int64_t c = a + (b - a) / 2;
        int r = rows.cmp(src[c], x);
        if (r < 0 || (!left && r == 0)) a = c + 1; else b = c;
    }
    return i + a - mid;     /* left: lo + (i - lo) + (a - mid); right: lo + (i - mid) + (a - lo) */
}

/* 1 when position r (r > 0) of the rows taken in perm order starts a new run: it differs
   from the row before it or holds a NaN (a NaN equals nothing). Position 0 gives 0, so an
   inclusive sum of these flags is each position's run number. */
PYT_HD int64_t us_run_flag(const UsRows &rows, const int64_t *perm, int64_t r)
{
    if (r == 0) return 0;
    int64_t a = perm ? perm[r] : r, b = perm ? perm[r - 1] : r - 1;
    return (rows.cmp(a, b) != 0 || rows.has_nan(a)) ? 1 : 0;
}

/* ----- bins ----------------------------------------------------------------------------- */

/* x rounded to the float type code (float64: itself): one step of arithmetic in that type,
   done in double and rounded (exact for + - * /: double holds twice float's digits) */
PYT_HD double us_round_to(int code, double x)
{
    if (code == PYT_FLOAT32) return (double)(float)x;
    if (code == PYT_FLOAT16) return pyt_cu_half_to_float(pyt_cu_float_to_half((float)x));
    if (code == PYT_BFLOAT16) return pyt_cu_bfloat16_to_float(pyt_cu_float_to_bfloat16((float)x));
    return x;
}

/* histc's bin of v (reductions.pyx's _histc_bin): -1 outside [lo, hi] or NaN; the last bin
   is closed. As torch, (v - lo) * nbins / (hi - lo) in the input's type code, each step
   rounded (lo and hi are of that type); where that overflows (half), in double. */
PYT_HD int64_t us_hist_bin(int code, double v, double lo, double hi, int64_t nbins)
{
    if (!(v >= lo && v <= hi)) return -1;
    double pos = us_round_to(code, us_round_to(code, v - lo) * us_round_to(code, (double)nbins));
    pos = us_round_to(code, pos / us_round_to(code, hi - lo));
    if (!(pos <= (double)nbins)) pos = (v - lo) / (hi - lo) * (double)nbins;
    if (!(pos < (double)nbins)) return nbins - 1;
    return pos > 0 ? (int64_t)pos : 0;
}

/* ----- searchsorted ----------------------------------------------------------------------- */

/* element of dtype code at p as the type pyt_sort.h's pyt_search_* compares in */
template <typename T>
PYT_HD T us_load(int code, const char *p)
{
    switch (code) {
    case PYT_BOOL: return (T)(*(const uint8_t *)p != 0);
    case PYT_UINT8: return (T)*(const uint8_t *)p;
    case PYT_INT8: return (T)*(const int8_t *)p;
    case PYT_INT16: return (T)*(const int16_t *)p;
    case PYT_INT32: return (T)*(const int32_t *)p;
    case PYT_INT64: return (T)*(const int64_t *)p;
    case PYT_FLOAT16: return (T)pyt_cu_half_to_float(*(const uint16_t *)p);
    case PYT_BFLOAT16: return (T)pyt_cu_bfloat16_to_float(*(const uint16_t *)p);
    case PYT_FLOAT32: return (T)*(const float *)p;
    default: return (T)*(const double *)p;
    }
}

/* The insertion point of v into seq[0..n) (seen through sorter when not NULL): the first
   position whose value is >= v (> v with right), with pyt_search_*'s comparisons, so NaN
   lands where the CPU puts it. T: int32_t for bool .. int32, int64_t, float for the
   16-bit floats and float32, double for float64. */
template <typename T>
PYT_HD int64_t us_search(int code, const char *seq, int64_t n, const int64_t *sorter, T v,
                         int right)
{
    int64_t lo = 0, hi = n, size = pyt_cu_itemsize(code);
    while (lo < hi) {
        int64_t mid = lo + ((hi - lo) >> 1);
        T x = us_load<T>(code, seq + (sorter ? sorter[mid] : mid) * size);
        if (right ? !(x > v) : !(x >= v)) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* ----- mode --------------------------------------------------------------------------- */

/* PYT_ROW_MODE's pick among n sorted keys (key_at(i)): the sorted position of the last
   element of the longest run of equal keys, the first such run on ties (the smallest
   value); every NaN is a run of its own. */
template <typename KeyAt>
PYT_HD int64_t us_mode_pick(int64_t n, uint64_t nan_key, KeyAt key_at)
{
    int64_t start = 0, best_len = 0, best = 0;
    uint64_t first = n > 0 ? key_at(0) : 0;
    for (int64_t i = 1; i <= n; i++) {
        if (i < n) {
            uint64_t k = key_at(i);
            if (k == first && !(nan_key != 0 && k == nan_key)) continue;
            if (i - start > best_len) { best_len = i - start; best = i - 1; }
            start = i;
            first = k;
        } else if (i - start > best_len) {
            best_len = i - start;
            best = i - 1;
        }
    }
    return best;
}

}  // namespace

#endif
