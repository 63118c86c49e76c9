/* pyt_cuda_reduce: the CPU reduction engine's contract (pyt_reduce.h) on the GPU.

   Every accumulator lives in one of two types while it folds: double for float inputs
   (the CPU's sums are double too; max/min/arg values of float, half and bfloat16 are
   exact in double) and int64 for integer and bool inputs (sums and products wrap as the
   CPU's int64 does; max/min of any integer type are the same in int64). The result is
   converted to the accumulator dtype the CPU gives (acc_code) when stored. Arg ops
   carry the reduced index too, and ties go to the lower index, so the order in which
   threads combine never changes the winner: a NaN beats everything, the first NaN wins.

   The kept dims and the reduced dims are coalesced apart on the host (the reduced ones
   sorted innermost last unless an index is wanted, which must stay row-major in the
   logical order). Three kernels cover the layouts:
     group:  the reduced dims hold the input's innermost dim: a group of gs threads
             (1 .. 256, a power of two, about 8 elements per thread) folds one output's
             reduced range, with 16-byte loads when that range is contiguous;
     column: a kept dim is innermost: threads along the outputs (coalesced loads), each
             folding a share of the reduced range, combined through shared memory;
     final:  when one output's range is long and the outputs few, it is cut into slices
             (a count that depends on the shape only, so results are deterministic);
             each slice leaves a partial in a temporary buffer and a warp per output
             combines them in a second pass. No atomics anywhere. */
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <type_traits>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#ifndef PYT_REDUCE_HOST_SIM
#include "iter.cuh"
#endif

/* the op codes of pyt_reduce.h (which cannot be included here: it needs Python.h) */
enum {
    RED_SUM = 0, RED_NANSUM, RED_PROD, RED_MAX, RED_MIN, RED_ARGMAX, RED_ARGMIN, RED_ALL,
    RED_ANY, RED_COUNT, RED_NOTNAN, RED_ABSSUM, RED_SQSUM, RED_ABSMAX, RED_ABSMIN,
    RED_POWSUM, RED_SQDEV, RED_EXPSUM, RED_NUM_OPS
};

#define RED_THREADS 256
#define RED_SLICE 65536          /* group kernel: reduced elements per slice when cut (64M
                                    floats: 1024 blocks, about one wave on an H100/H200) */

/* ---- the accumulator dtype the CPU gives (pyt_red_acc_code) ------------------------ */

static int red_acc_code(int op, int code)
{
    bool is_float = code >= PYT_FLOAT16 && code <= PYT_FLOAT64;
    if (op < 0 || op >= RED_NUM_OPS || code < 0 || code >= PYT_NUM_DTYPES) return -1;
    switch (op) {
    case RED_SUM: case RED_NANSUM: case RED_PROD:
        return is_float ? PYT_FLOAT64 : PYT_INT64;
    case RED_MAX: case RED_MIN: case RED_ARGMAX: case RED_ARGMIN:
        return code == PYT_FLOAT16 || code == PYT_BFLOAT16 ? PYT_FLOAT32 : code;
    case RED_ALL: case RED_ANY:
        return PYT_UINT8;
    case RED_COUNT: case RED_NOTNAN:
        return PYT_INT64;
    default:                                       /* the float-only ops */
        return is_float ? PYT_FLOAT64 : -1;
    }
}

/* ---- element types: storage, load into the compute type, accumulator type --------- */

struct Half { uint16_t bits; };
struct BF16 { uint16_t bits; };

__host__ __device__ __forceinline__ float half_to_float(uint16_t h)
{
#ifdef __CUDA_ARCH__
    return __half2float(__ushort_as_half(h));
#else
    return pyt_half_to_float(h);
#endif
}

__host__ __device__ __forceinline__ float bf16_to_float(uint16_t b)
{
#ifdef __CUDA_ARCH__
    return __uint_as_float((uint32_t)b << 16);
#else
    return pyt_bfloat16_to_float(b);
#endif
}

template <typename T> struct Elem;                 /* C: compute type, V: accumulator */
template <> struct Elem<uint8_t> { typedef int64_t C; typedef int64_t V; };
template <> struct Elem<int8_t> { typedef int64_t C; typedef int64_t V; };
template <> struct Elem<int16_t> { typedef int64_t C; typedef int64_t V; };
template <> struct Elem<int32_t> { typedef int64_t C; typedef int64_t V; };
template <> struct Elem<int64_t> { typedef int64_t C; typedef int64_t V; };
template <> struct Elem<Half> { typedef float C; typedef double V; };
template <> struct Elem<BF16> { typedef float C; typedef double V; };
template <> struct Elem<float> { typedef float C; typedef double V; };
template <> struct Elem<double> { typedef double C; typedef double V; };

template <typename T>
__host__ __device__ __forceinline__ typename Elem<T>::C load_value(T x)
{
    return (typename Elem<T>::C)x;
}
template <> __host__ __device__ __forceinline__ float load_value<Half>(Half x)
{
    return half_to_float(x.bits);
}
template <> __host__ __device__ __forceinline__ float load_value<BF16>(BF16 x)
{
    return bf16_to_float(x.bits);
}

/* ---- accumulators: value, and the reduced index of arg ops -------------------------- */

template <typename V> struct Acc { V v; int64_t i; };

__host__ __device__ __forceinline__ double v_add(double a, double b) { return a + b; }
__host__ __device__ __forceinline__ int64_t v_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);  /* wraps, as the CPU's int64 */
}
__host__ __device__ __forceinline__ double v_mul(double a, double b) { return a * b; }
__host__ __device__ __forceinline__ int64_t v_mul(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}
__host__ __device__ __forceinline__ bool v_isnan(double a) { return a != a; }
__host__ __device__ __forceinline__ bool v_isnan(int64_t) { return false; }
/* max / min that propagate NaN (the CPU's PYT_R_STEP_MAX / MIN) */
template <typename V> __host__ __device__ __forceinline__ V v_max(V a, V b)
{
    return (b > a || v_isnan(b)) ? b : a;
}
template <typename V> __host__ __device__ __forceinline__ V v_min(V a, V b)
{
    return (b < a || v_isnan(b)) ? b : a;
}

template <typename V> __host__ __device__ __forceinline__ V v_lowest();
template <> __host__ __device__ __forceinline__ double v_lowest<double>() { return -INFINITY; }
template <> __host__ __device__ __forceinline__ int64_t v_lowest<int64_t>() { return INT64_MIN; }
template <typename V> __host__ __device__ __forceinline__ V v_highest();
template <> __host__ __device__ __forceinline__ double v_highest<double>() { return INFINITY; }
template <> __host__ __device__ __forceinline__ int64_t v_highest<int64_t>() { return INT64_MAX; }

/* The identity an idle thread starts from; its index loses every tie. */
template <typename V> __host__ __device__ __forceinline__ Acc<V> acc_identity(int op)
{
    Acc<V> a;
    a.i = INT64_MAX;
    switch (op) {
    case RED_PROD: case RED_ALL: a.v = (V)1; break;
    case RED_MAX: case RED_ARGMAX: a.v = v_lowest<V>(); break;
    case RED_MIN: case RED_ARGMIN: case RED_ABSMIN: a.v = v_highest<V>(); break;
    default: a.v = (V)0; break;
    }
    return a;
}

/* is x strictly better than y (a NaN beats a number) */
template <typename V> __host__ __device__ __forceinline__ bool better_max(V x, V y)
{
    return x > y || (v_isnan(x) && !v_isnan(y));
}
template <typename V> __host__ __device__ __forceinline__ bool better_min(V x, V y)
{
    return x < y || (v_isnan(x) && !v_isnan(y));
}
/* arg ops: the better value, or on a tie (equal, or both NaN) the lower index */
template <typename V> __host__ __device__ __forceinline__ Acc<V> arg_pick(bool is_max, Acc<V> a,
                                                                          Acc<V> b)
{
    bool b_wins = is_max ? better_max(b.v, a.v) : better_min(b.v, a.v);
    bool a_wins = is_max ? better_max(a.v, b.v) : better_min(a.v, b.v);
    if (b_wins) return b;
    if (a_wins) return a;
    return b.i < a.i ? b : a;
}

/* Combines two accumulators of the same output (partials of different elements). */
template <typename V> __host__ __device__ __forceinline__ Acc<V> acc_merge(int op, Acc<V> a,
                                                                           Acc<V> b)
{
    switch (op) {
    case RED_PROD: a.v = v_mul(a.v, b.v); break;
    case RED_MAX: case RED_ABSMAX: case RED_ANY: a.v = v_max(a.v, b.v); break;
    case RED_MIN: case RED_ABSMIN: case RED_ALL: a.v = v_min(a.v, b.v); break;
    case RED_ARGMAX: return arg_pick(true, a, b);
    case RED_ARGMIN: return arg_pick(false, a, b);
    default: a.v = v_add(a.v, b.v); break;
    }
    return a;
}

/* exp(x - center) as the CPU's EXPSUM computes it: in float for float and narrower */
__host__ __device__ __forceinline__ double shifted_exp(float x, double c)
{
    return (double)expf(x - (float)c);
}
__host__ __device__ __forceinline__ double shifted_exp(double x, double c)
{
    return exp(x - c);
}

/* the ops whose folds are unrolled over packs; arg ops, pow and exp (long code, rarely
   hot) go element by element, which keeps the kernels small */
__host__ __device__ __forceinline__ bool batched_op(int op)
{
    return op != RED_ARGMAX && op != RED_ARGMIN && op != RED_POWSUM && op != RED_EXPSUM;
}

/* Folds the N elements xs[0 .. N) into a (N > 1: batched ops only); r is the reduced
   index of xs[0] (used when N == 1). The switch on op is outside the element loop, so a
   batch of packs pays for it once. */
template <typename T, int N>
__host__ __device__ __forceinline__ void fold(Acc<typename Elem<T>::V> &a, int op, const T *xs,
                                              int64_t r, double c, double p)
{
    typedef typename Elem<T>::C C;
    typedef typename Elem<T>::V V;
#define RED_EACH(STMT) _Pragma("unroll") for (int k = 0; k < N; k++) { C x = load_value(xs[k]); STMT; }
    if (N > 1 && !batched_op(op)) return;         /* the caller folds these one by one */
    switch (op) {
    case RED_SUM: RED_EACH(a.v = v_add(a.v, (V)x)) break;
    case RED_NANSUM: RED_EACH(a.v = v_add(a.v, x == x ? (V)x : (V)0)) break;
    case RED_PROD: RED_EACH(a.v = v_mul(a.v, (V)x)) break;
    case RED_MAX: RED_EACH(a.v = v_max(a.v, (V)x)) break;
    case RED_MIN: RED_EACH(a.v = v_min(a.v, (V)x)) break;
    case RED_ARGMAX: if (N == 1) { RED_EACH(Acc<V> b; b.v = (V)x; b.i = r; a = arg_pick(true, a, b)) } break;
    case RED_ARGMIN: if (N == 1) { RED_EACH(Acc<V> b; b.v = (V)x; b.i = r; a = arg_pick(false, a, b)) } break;
    case RED_ALL: RED_EACH(a.v = (x != 0) ? a.v : (V)0) break;
    case RED_ANY: RED_EACH(a.v = (x != 0) ? (V)1 : a.v) break;
    case RED_COUNT: RED_EACH(a.v = v_add(a.v, (V)(x != 0 ? 1 : 0))) break;
    case RED_NOTNAN: RED_EACH(a.v = v_add(a.v, (V)(x == x ? 1 : 0))) break;
    default: break;
    }
    if constexpr (std::is_floating_point<V>::value) {   /* the float-only ops */
        switch (op) {
        case RED_ABSSUM: RED_EACH(a.v += fabs((double)x)) break;
        case RED_SQSUM: RED_EACH(a.v += (double)x * (double)x) break;
        case RED_ABSMAX: RED_EACH(a.v = v_max(a.v, fabs((double)x))) break;
        case RED_ABSMIN: RED_EACH(a.v = v_min(a.v, fabs((double)x))) break;
        case RED_SQDEV: RED_EACH(double d = (double)x - c; a.v += d * d) break;
        case RED_POWSUM: if (N == 1) { RED_EACH(a.v += pow(fabs((double)x), p)) } break;
        case RED_EXPSUM: if (N == 1) { RED_EACH(a.v += shifted_exp(x, c)) } break;
        default: break;
        }
    }
#undef RED_EACH
}

/* ---- the plan: coalesced dims and the launch shape ----------------------------------- */

struct RedPlan {
    int op, acc_code, arg;
    int nk, nr;                              /* kept / reduced dims, innermost last */
    int contig;                              /* nr == 1 and the reduced dim is dense */
    int kernel;                              /* 0 group, 1 column */
    int gs;                                  /* group: threads per output */
    int bx, by;                              /* column: threads along outputs / reduced */
    int64_t kshape[PYT_CUDA_MAX_DIMS], kstride[PYT_CUDA_MAX_DIMS];
    int64_t rshape[PYT_CUDA_MAX_DIMS], rstride[PYT_CUDA_MAX_DIMS];
    int64_t M, K;                            /* outputs, reduced length */
    int64_t G, chunk;                        /* slices per output, elements per slice */
    double p;
    const char *in;
    char *acc;
    int64_t *idx;
    const double *center;
    void *part_v;                            /* G > 1: M * G partial values ... */
    int64_t *part_i;                         /* ... and indices (arg ops) */
};

static int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

/* Drops size-1 dims and merges neighbours that step contiguously; sort: order by
   |stride| first, outermost first (stable). Returns the count, or -1 past the limit. */
static int coalesce(int n, int64_t *shape, int64_t *stride, bool sort)
{
    int out = 0;
    if (sort) {
        for (int i = 1; i < n; i++) {
            int64_t a = shape[i], b = stride[i];
            int j = i - 1;
            for (; j >= 0 && abs64(stride[j]) < abs64(b); j--) {
                shape[j + 1] = shape[j]; stride[j + 1] = stride[j];
            }
            shape[j + 1] = a; stride[j + 1] = b;
        }
    }
    for (int i = 0; i < n; i++) {
        if (shape[i] == 1) continue;
        if (out > 0 && stride[out - 1] == stride[i] * shape[i]) {
            shape[out - 1] *= shape[i];
            stride[out - 1] = stride[i];
            continue;
        }
        shape[out] = shape[i]; stride[out] = stride[i];
        out++;
    }
    return out;
}

static const int red_itemsize[PYT_NUM_DTYPES] = { 1, 1, 1, 2, 4, 8, 2, 2, 4, 8 };

static int64_t pow2_ceil(int64_t x)
{
    int64_t p = 1;
    while (p < x) p *= 2;
    return p;
}

/* Fills the plan; returns 0 or an error code. */
static int red_make_plan(RedPlan *P, int op, int in_code, int acc_code, int ndim,
                         const int64_t *shape, const int64_t *in_strides, const char *mask,
                         const char *in, char *acc, int64_t *idx, const double *center,
                         double p)
{
    int64_t ks[64], kst[64], rs[64], rst[64];
    int nk = 0, nr = 0, want = red_acc_code(op, in_code);
    if (ndim < 0 || ndim > 64) return PYT_CUDA_ERR_INVALID;
    if (want < 0) return PYT_CUDA_ERR_UNSUPPORTED;
    if (acc_code != want) return PYT_CUDA_ERR_INVALID;
    if ((op == RED_SQDEV || op == RED_EXPSUM) && center == NULL) return PYT_CUDA_ERR_INVALID;
    /* max / min with indices are argmax / argmin (same value, same winner) */
    if (idx && op == RED_MAX) op = RED_ARGMAX;
    if (idx && op == RED_MIN) op = RED_ARGMIN;
    P->op = op;
    P->acc_code = acc_code;
    P->arg = op == RED_ARGMAX || op == RED_ARGMIN;
    P->M = P->K = 1;
    for (int d = 0; d < ndim; d++) {
        if (mask[d]) {
            rs[nr] = shape[d]; rst[nr] = in_strides[d]; nr++; P->K *= shape[d];
        } else {
            ks[nk] = shape[d]; kst[nk] = in_strides[d]; nk++; P->M *= shape[d];
        }
    }
    /* kept dims stay in order (the output is row-major over them); the reduced ones
       may be reordered unless their row-major index is wanted */
    nk = coalesce(nk, ks, kst, false);
    nr = coalesce(nr, rs, rst, !P->arg);
    if (nk > PYT_CUDA_MAX_DIMS || nr > PYT_CUDA_MAX_DIMS) return PYT_CUDA_ERR_TOO_MANY_DIMS;
    P->nk = nk; P->nr = nr;
    for (int d = 0; d < nk; d++) { P->kshape[d] = ks[d]; P->kstride[d] = kst[d]; }
    for (int d = 0; d < nr; d++) { P->rshape[d] = rs[d]; P->rstride[d] = rst[d]; }
    P->contig = nr == 1 && rst[0] == red_itemsize[in_code];
    P->p = p; P->in = in; P->acc = acc; P->idx = idx; P->center = center;
    P->part_v = NULL; P->part_i = NULL;
    P->gs = 1; P->bx = 1; P->by = 1; P->G = 1; P->chunk = P->K;
    if (P->M == 0 || P->K == 0) {            /* nothing to split: see pyt_cuda_reduce */
        P->kernel = 0;
        return 0;
    }
    P->kernel = nk > 0 && nr > 0 && abs64(kst[nk - 1]) < abs64(rst[nr - 1]);
    if (P->kernel == 0) {
        int64_t gs = pow2_ceil((P->K + 7) / 8);
        P->gs = (int)(gs > RED_THREADS ? RED_THREADS : gs);
        if (P->K >= 2 * RED_SLICE && P->M < 1024) {
            P->chunk = RED_SLICE;
            P->G = (P->K + RED_SLICE - 1) / RED_SLICE;
        }
    } else {
        int64_t w = pow2_ceil(ks[nk - 1]), nbx, want_g;
        P->bx = (int)(w > 32 ? 32 : w);
        P->by = RED_THREADS / P->bx;
        nbx = (P->M + P->bx - 1) / P->bx;
        /* few column blocks and long columns: slice the columns too */
        want_g = (1024 + nbx - 1) / nbx;
        if (want_g > 1 && P->K >= 2 * 32 * (int64_t)P->by) {
            int64_t chunk = (P->K + want_g - 1) / want_g;
            if (chunk < 32 * (int64_t)P->by) chunk = 32 * (int64_t)P->by;
            chunk = (chunk + P->by - 1) / P->by * P->by;
            P->chunk = chunk;
            P->G = (P->K + chunk - 1) / chunk;
        }
    }
    return 0;
}

/* ---- index math shared by the kernels (and by the host check) ------------------------ */

__host__ __device__ __forceinline__ int64_t kept_offset(const RedPlan &P, int64_t o)
{
    int64_t off = 0;
    for (int d = P.nk - 1; d >= 0; d--) {
        int64_t q = o / P.kshape[d];
        off += (o - q * P.kshape[d]) * P.kstride[d];
        o = q;
    }
    return off;
}

__host__ __device__ __forceinline__ int64_t reduced_offset(const RedPlan &P, int64_t r)
{
    if (P.nr == 1) return r * P.rstride[0];
    int64_t off = 0;
    for (int d = P.nr - 1; d >= 0; d--) {
        int64_t q = r / P.rshape[d];
        off += (r - q * P.rshape[d]) * P.rstride[d];
        r = q;
    }
    return off;
}

template <typename T>
__host__ __device__ __forceinline__ T load_at(const char *p)
{
    return *reinterpret_cast<const T *>(p);
}

template <typename T> struct alignas(16) Pack { T v[16 / sizeof(T)]; };

/* One thread's share of the group kernel: elements r0 + lane, r0 + lane + gs, ... of
   [r0, r1) of the output whose kept offset is base. On the dense path: rounds of 16-byte
   packs dealt round the group, then the unaligned head and the tail, elementwise. */
template <typename T>
__host__ __device__ __forceinline__ void group_fold(Acc<typename Elem<T>::V> &a,
        const RedPlan &P, int64_t base, int64_t r0, int64_t r1, int lane, int gs, double c)
{
    const int E = 16 / sizeof(T);
    const T *x = reinterpret_cast<const T *>(P.in + base);
    int64_t head = r1 - r0, s = r1, nvec = 0;
    if (P.contig && batched_op(P.op)) {
        uintptr_t addr = (uintptr_t)(x + r0);
        if (addr % sizeof(T) == 0) head = (int64_t)(((16 - addr % 16) % 16) / sizeof(T));
        if (head > r1 - r0) head = r1 - r0;
        s = r0 + head;
        /* U packs in flight per thread: 16 bytes of 1-byte types are already 16 values;
           whole rounds of U * gs packs only, the rest goes elementwise */
        const int U = E >= 16 ? 1 : E == 8 ? 2 : 4;
        const int64_t round = (int64_t)U * gs;
        nvec = (r1 - s) / E / round * round;
        const Pack<T> *pv = reinterpret_cast<const Pack<T> *>(x + s);
        for (int64_t v = lane; v < nvec; v += round) {
            struct alignas(16) { T v[U * E]; } q;
#pragma unroll
            for (int u = 0; u < U; u++)
                *reinterpret_cast<Pack<T> *>(q.v + u * E) = pv[v + u * gs];
            fold<T, U * E>(a, P.op, q.v, s + v * E, c, P.p);
        }
    }
    /* the head and the tail (everything, off the dense path), in one loop */
    int64_t tail0 = s + nvec * E, loose = head + (r1 - tail0);
    for (int64_t j = lane; j < loose; j += gs) {
        int64_t i = j < head ? r0 + j : tail0 + (j - head);
        T xi = P.contig ? x[i] : load_at<T>(P.in + base + reduced_offset(P, i));
        fold<T, 1>(a, P.op, &xi, i, c, P.p);
    }
}

/* One thread's share of the column kernel: rows r0 + ty, r0 + ty + by, ... (batched
   ops load 4 rows before folding them, so that 4 loads are in flight) */
template <typename T>
__host__ __device__ __forceinline__ void column_fold(Acc<typename Elem<T>::V> &a,
        const RedPlan &P, int64_t base, int64_t r0, int64_t r1, int ty, int by, double c)
{
    const char *p = P.in + base;
    const int64_t s = P.rstride[0];
    int64_t r = r0 + ty;
    if (batched_op(P.op)) {
        for (; r + 3 * (int64_t)by < r1; r += 4 * (int64_t)by) {
            T xs[4];
#pragma unroll
            for (int u = 0; u < 4; u++)
                xs[u] = load_at<T>(p + (P.nr == 1 ? (r + u * by) * s
                                                  : reduced_offset(P, r + u * by)));
            fold<T, 4>(a, P.op, xs, r, c, P.p);
        }
    }
    for (; r < r1; r += by) {
        T x = load_at<T>(p + (P.nr == 1 ? r * s : reduced_offset(P, r)));
        fold<T, 1>(a, P.op, &x, r, c, P.p);
    }
}

/* Stores output o's accumulator as the CPU's accumulator dtype. */
template <typename V>
__host__ __device__ __forceinline__ void store_result(const RedPlan &P, int64_t o, Acc<V> a)
{
    switch (P.acc_code) {
    case PYT_BOOL: case PYT_UINT8: ((uint8_t *)P.acc)[o] = (uint8_t)a.v; break;
    case PYT_INT8: ((int8_t *)P.acc)[o] = (int8_t)a.v; break;
    case PYT_INT16: ((int16_t *)P.acc)[o] = (int16_t)a.v; break;
    case PYT_INT32: ((int32_t *)P.acc)[o] = (int32_t)a.v; break;
    case PYT_INT64: ((int64_t *)P.acc)[o] = (int64_t)a.v; break;
    case PYT_FLOAT32: ((float *)P.acc)[o] = (float)a.v; break;
    case PYT_FLOAT64: ((double *)P.acc)[o] = (double)a.v; break;
    default: break;
    }
    if (P.idx && P.arg) P.idx[o] = a.i;
}

/* A finished slice: the output itself when it is the only one, else its partial. */
template <typename V>
__host__ __device__ __forceinline__ void emit(const RedPlan &P, int64_t o, int64_t slice,
                                              Acc<V> a)
{
    if (P.G == 1) {
        store_result(P, o, a);
    } else {
        ((V *)P.part_v)[o * P.G + slice] = a.v;
        if (P.arg) P.part_i[o * P.G + slice] = a.i;
    }
}

__host__ __device__ __forceinline__ double center_of(const RedPlan &P, int64_t o)
{
    return (P.op == RED_SQDEV || P.op == RED_EXPSUM) ? P.center[o] : 0.0;
}

/* The identity of an empty reduction in the accumulator dtype (the CPU's init): raw
   bits of one value of acc_code. */
static uint64_t empty_bits(int op, int in_code, int acc_code)
{
    static const int64_t lo[6] = { 0, 0, INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN };
    static const int64_t hi[6] = { 1, UINT8_MAX, INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX };
    double f = 0;
    int64_t i = 0;
    uint64_t bits = 0;
    switch (op) {
    case RED_PROD: case RED_ALL: f = 1; i = 1; break;
    case RED_MAX: case RED_ARGMAX: f = -INFINITY; i = in_code < PYT_FLOAT16 ? lo[in_code] : 0; break;
    case RED_MIN: case RED_ARGMIN: case RED_ABSMIN:
        f = INFINITY; i = in_code < PYT_FLOAT16 ? hi[in_code] : 0; break;
    default: break;
    }
    if (acc_code == PYT_FLOAT32) { float g = (float)f; memcpy(&bits, &g, 4); }
    else if (acc_code == PYT_FLOAT64) memcpy(&bits, &f, 8);
    else bits = (uint64_t)i;                      /* little-endian: the low bytes */
    return bits;
}

#ifndef PYT_REDUCE_HOST_SIM
/* ---- the kernels ----------------------------------------------------------------------- */

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

__device__ __forceinline__ double shfl_down(double v, int off, int width)
{
    return __shfl_down_sync(0xffffffffu, v, off, width);
}
__device__ __forceinline__ int64_t shfl_down(int64_t v, int off, int width)
{
    return (int64_t)__shfl_down_sync(0xffffffffu, (long long)v, off, width);
}

/* Combines the accumulators of each aligned run of `width` lanes (a power of two up
   to 32) into the run's first lane. Every lane of the warp must call it. */
template <typename V>
__device__ __forceinline__ Acc<V> warp_combine(int op, Acc<V> a, int width)
{
    for (int off = width / 2; off > 0; off /= 2) {
        Acc<V> b;
        b.v = shfl_down(a.v, off, width);
        b.i = shfl_down(a.i, off, width);
        a = acc_merge(op, a, b);
    }
    return a;
}

template <typename T>
__global__ void __launch_bounds__(RED_THREADS) red_group_kernel(RedPlan P)
{
    typedef typename Elem<T>::V V;
    __shared__ V sv[RED_THREADS / 32];
    __shared__ int64_t si[RED_THREADS / 32];
    const int gs = P.gs, per_block = RED_THREADS / gs;
    const int g = threadIdx.x / gs, lane = threadIdx.x % gs;
    const int warp = threadIdx.x / 32, wlane = threadIdx.x % 32;
    const int64_t items = P.M * P.G, blocks = (items + per_block - 1) / per_block;
    for (int64_t b = blockIdx.x; b < blocks; b += gridDim.x) {
        int64_t item = b * per_block + g, o = item / P.G, slice = item - o * P.G;
        Acc<V> a = acc_identity<V>(P.op);
        if (item < items) {
            int64_t r0 = slice * P.chunk, r1 = r0 + P.chunk < P.K ? r0 + P.chunk : P.K;
            group_fold<T>(a, P, kept_offset(P, o), r0, r1, lane, gs, center_of(P, o));
        }
        a = warp_combine(P.op, a, gs < 32 ? gs : 32);
        if (gs > 32) {                              /* several warps per group */
            if (wlane == 0) { sv[warp] = a.v; si[warp] = a.i; }
            __syncthreads();
            if (lane == 0) {
                for (int w = 1; w < gs / 32; w++) {
                    Acc<V> c; c.v = sv[warp + w]; c.i = si[warp + w];
                    a = acc_merge(P.op, a, c);
                }
            }
            __syncthreads();
        }
        if (lane == 0 && item < items) emit(P, o, slice, a);
    }
}

template <typename T>
__global__ void __launch_bounds__(RED_THREADS) red_column_kernel(RedPlan P)
{
    typedef typename Elem<T>::V V;
    __shared__ V sv[RED_THREADS];
    __shared__ int64_t si[RED_THREADS];
    const int bx = P.bx, by = P.by, tx = threadIdx.x % bx, ty = threadIdx.x / bx;
    const int64_t nbx = (P.M + bx - 1) / bx, blocks = nbx * P.G;
    for (int64_t b = blockIdx.x; b < blocks; b += gridDim.x) {
        int64_t slice = b / nbx, o = (b - slice * nbx) * bx + tx;
        int64_t r0 = slice * P.chunk, r1 = r0 + P.chunk < P.K ? r0 + P.chunk : P.K;
        Acc<V> a = acc_identity<V>(P.op);
        if (o < P.M) column_fold<T>(a, P, kept_offset(P, o), r0, r1, ty, by, center_of(P, o));
        sv[threadIdx.x] = a.v; si[threadIdx.x] = a.i;
        __syncthreads();
        if (ty == 0 && o < P.M) {
            for (int y = 1; y < by; y++) {
                Acc<V> c; c.v = sv[y * bx + tx]; c.i = si[y * bx + tx];
                a = acc_merge(P.op, a, c);
            }
            emit(P, o, slice, a);
        }
        __syncthreads();
    }
}

/* fs threads (32, or RED_THREADS for many slices) per output combine its G partials */
template <typename V>
__global__ void __launch_bounds__(RED_THREADS) red_final_kernel(RedPlan P, int fs)
{
    __shared__ V sv[RED_THREADS / 32];
    __shared__ int64_t si[RED_THREADS / 32];
    const int per_block = RED_THREADS / fs, lane = threadIdx.x % fs;
    const int warp = threadIdx.x / 32, wlane = threadIdx.x % 32;
    const V *pv = (const V *)P.part_v;
    const int64_t blocks = (P.M + per_block - 1) / per_block;
    for (int64_t b = blockIdx.x; b < blocks; b += gridDim.x) {
        int64_t o = b * per_block + threadIdx.x / fs;
        Acc<V> a = acc_identity<V>(P.op);
        if (o < P.M) {
#pragma unroll 4
            for (int64_t s = lane; s < P.G; s += fs) {
                Acc<V> c; c.v = pv[o * P.G + s]; c.i = P.arg ? P.part_i[o * P.G + s] : 0;
                a = acc_merge(P.op, a, c);
            }
        }
        a = warp_combine(P.op, a, 32);
        if (fs > 32) {
            if (wlane == 0) { sv[warp] = a.v; si[warp] = a.i; }
            __syncthreads();
            if (threadIdx.x == 0) {
                for (int w = 1; w < RED_THREADS / 32; w++) {
                    Acc<V> c; c.v = sv[w]; c.i = si[w];
                    a = acc_merge(P.op, a, c);
                }
            }
            __syncthreads();
        }
        if (lane == 0 && o < P.M) store_result(P, o, a);
    }
}

__global__ void red_empty_kernel(char *acc, int64_t *idx, int64_t M, int size, uint64_t bits)
{
    for (int64_t o = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; o < M;
         o += (int64_t)gridDim.x * blockDim.x) {
        for (int k = 0; k < size; k++) acc[o * size + k] = (char)(bits >> (8 * k));
        if (idx) idx[o] = 0;
    }
}

static unsigned grid_for(int64_t blocks)
{
    if (blocks > (1 << 20)) blocks = 1 << 20;      /* grid-stride loops cover the rest */
    return blocks < 1 ? 1u : (unsigned)blocks;
}

template <typename T>
static int red_launch(RedPlan &P, cudaStream_t stream)
{
    typedef typename Elem<T>::V V;
    void *part = NULL;
    int rc;
    if (P.G > 1) {
        size_t nv = (size_t)(P.M * P.G);
        rc = pyt_cuda_malloc(&part, nv * sizeof(V) + (P.arg ? nv * sizeof(int64_t) : 0));
        if (rc) return rc;
        P.part_v = part;
        P.part_i = P.arg ? (int64_t *)((char *)part + nv * sizeof(V)) : NULL;
    }
    if (P.kernel == 0) {
        int per_block = RED_THREADS / P.gs;
        red_group_kernel<T><<<grid_for((P.M * P.G + per_block - 1) / per_block), RED_THREADS,
                              0, stream>>>(P);
    } else {
        red_column_kernel<T><<<grid_for((P.M + P.bx - 1) / P.bx * P.G), RED_THREADS, 0,
                               stream>>>(P);
    }
    rc = pyt_launch_error();
    if (rc == 0 && P.G > 1) {
        int fs = P.G >= 256 ? RED_THREADS : 32;
        red_final_kernel<V><<<grid_for((P.M + RED_THREADS / fs - 1) / (RED_THREADS / fs)),
                              RED_THREADS, 0, stream>>>(P, fs);
        rc = pyt_launch_error();
    }
    if (part) pyt_cuda_free(part);        /* the allocator reuses it in stream order */
    return rc;
}

extern "C" int pyt_cuda_reduce(int op, int in_code, int acc_code, int ndim,
                               const int64_t *shape, const int64_t *in_strides,
                               const char *mask, const char *in, char *acc, int64_t *idx,
                               const double *center, double p)
{
    RedPlan P;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    int rc = red_make_plan(&P, op, in_code, acc_code, ndim, shape, in_strides, mask, in, acc,
                           idx, center, p);
    if (rc) return rc;
    if (P.M == 0) return 0;
    if (P.K == 0) {
        red_empty_kernel<<<pyt_blocks_for(P.M), PYT_CUDA_THREADS, 0, stream>>>(
            acc, idx, P.M, red_itemsize[acc_code], empty_bits(P.op, in_code, acc_code));
        return pyt_launch_error();
    }
    switch (in_code) {
    case PYT_BOOL: case PYT_UINT8: return red_launch<uint8_t>(P, stream);
    case PYT_INT8: return red_launch<int8_t>(P, stream);
    case PYT_INT16: return red_launch<int16_t>(P, stream);
    case PYT_INT32: return red_launch<int32_t>(P, stream);
    case PYT_INT64: return red_launch<int64_t>(P, stream);
    case PYT_FLOAT16: return red_launch<Half>(P, stream);
    case PYT_BFLOAT16: return red_launch<BF16>(P, stream);
    case PYT_FLOAT32: return red_launch<float>(P, stream);
    case PYT_FLOAT64: return red_launch<double>(P, stream);
    default: return PYT_CUDA_ERR_UNSUPPORTED;
    }
}
#endif
