/* cuda_src/unique_search.cu's element functions run on the host, each kernel replaced by
   a loop over its threads (a pass at a time, as the launches run), for
   test_unique_search_host.py to compare with pyt's CPU unique / histc / searchsorted /
   mode through ctypes. */
#include <stdlib.h>
#include "unique_search.cuh"

/* pyt_cuda_sort_rows (when sort) + pyt_cuda_unique_runs + pyt_cuda_unique_emit */
extern "C" int64_t host_unique(int code, const char *data, int64_t n, int64_t L, int sort,
                    char *values, int64_t *counts, int64_t *inverse)
{
    UsRows rows;
    rows.code = code;
    rows.itemsize = pyt_cu_itemsize(code);
    rows.data = data;
    rows.L = L;
    int64_t *perm = NULL, *tmp = (int64_t *)malloc((n + 1) * sizeof(int64_t));
    int64_t *run_of = (int64_t *)malloc((n + 1) * sizeof(int64_t));
    int64_t *starts = (int64_t *)malloc((n + 1) * sizeof(int64_t));
    int64_t runs = 0;
    if (sort) {
        int64_t *src = (int64_t *)malloc((n + 1) * sizeof(int64_t)), *dst = tmp;
        for (int64_t i = 0; i < n; i++) src[i] = i;
        for (int64_t w = 1; w < n; w *= 2) {
            for (int64_t i = 0; i < n; i++) dst[us_merge_dest(rows, src, n, w, i)] = src[i];
            int64_t *t = src; src = dst; dst = t;
        }
        perm = src;
        tmp = dst;
    }
    for (int64_t r = 0; r < n; r++) run_of[r] = us_run_flag(rows, perm, r);
    for (int64_t r = 1; r < n; r++) run_of[r] += run_of[r - 1];        /* the scan */
    runs = n > 0 ? run_of[n - 1] + 1 : 0;
    for (int64_t r = 0; r < n; r++) {
        if (r == 0 || run_of[r] != run_of[r - 1]) starts[run_of[r]] = r;
        inverse[perm ? perm[r] : r] = run_of[r];
    }
    for (int64_t run = 0; run < runs; run++)
        counts[run] = (run + 1 < runs ? starts[run + 1] : n) - starts[run];
    for (int64_t e = 0; e < runs * L; e++) {
        int64_t run = e / L, j = e - run * L, s = starts[run], row = perm ? perm[s] : s;
        memcpy(values + e * rows.itemsize, data + (row * L + j) * rows.itemsize,
               rows.itemsize);
    }
    free(perm); free(tmp); free(run_of); free(starts);
    return runs;
}

/* pyt_cuda_minmax's answer (keys reduced, then decoded) */
extern "C" void host_minmax(int code, const char *data, int64_t n, uint64_t *lo_hi)
{
    uint64_t lo = ~(uint64_t)0, hi = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t k = pyt_sort_key(code, data + i * pyt_cu_itemsize(code));
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    lo_hi[0] = us_bits_of_key(code, lo);
    lo_hi[1] = us_bits_of_key(code, hi);
}

extern "C" void host_histc(int code, const double *x, int64_t n, double lo, double hi, int64_t nbins,
                int64_t *counts)
{
    for (int64_t i = 0; i < n; i++) {
        int64_t b = us_hist_bin(code, x[i], lo, hi, nbins);
        if (b >= 0) counts[b]++;
    }
}

template <typename T>
static void search_all(int code, const char *seq, const int64_t *sorter, int64_t n,
                       const char *vals, int64_t m, int64_t rows, int right, int64_t *out)
{
    int64_t size = pyt_cu_itemsize(code);
    for (int64_t e = 0; e < rows * m; e++) {
        int64_t r = e / m;
        T v = us_load<T>(code, vals + e * size);
        out[e] = us_search<T>(code, seq + r * n * size, n, sorter ? sorter + r * n : NULL, v,
                              right);
    }
}

/* pyt_cuda_searchsorted's dispatch and threads */
extern "C" void host_searchsorted(int code, const char *seq, const int64_t *sorter, int64_t n,
                       const char *vals, int64_t m, int64_t rows, int right, int64_t *out)
{
    switch (code) {
    case PYT_INT64: search_all<int64_t>(code, seq, sorter, n, vals, m, rows, right, out); break;
    case PYT_FLOAT16: case PYT_BFLOAT16: case PYT_FLOAT32:
        search_all<float>(code, seq, sorter, n, vals, m, rows, right, out); break;
    case PYT_FLOAT64: search_all<double>(code, seq, sorter, n, vals, m, rows, right, out); break;
    default: search_all<int32_t>(code, seq, sorter, n, vals, m, rows, right, out); break;
    }
}

struct HostKeys {
    int code, itemsize;
    const char *p;
    int64_t stride;
    uint64_t operator()(int64_t i) const { return pyt_sort_key(code, p + i * stride * itemsize); }
};

/* pyt_cuda_mode's threads over sorted [A, n, B] rows */
extern "C" void host_mode(int code, int64_t A, int64_t n, int64_t B, const char *sv, const int64_t *si,
               char *vals, int64_t *idx)
{
    int size = pyt_cu_itemsize(code);
    for (int64_t row = 0; row < A * B; row++) {
        int64_t a = row / B, b = row - a * B, first = a * n * B + b;
        HostKeys keys = { code, size, sv + first * size, B };
        int64_t at = first + us_mode_pick(n, us_nan_key(code), keys) * B;
        memcpy(vals + row * size, sv + at * size, size);
        idx[row] = si[at];
    }
}

