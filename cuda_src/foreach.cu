/* pyt_cuda_foreach: fused elementwise updates over lists of contiguous tensors (the
   _foreach_* ops and the optimizers' multi-tensor steps), a launch per chunk of
   PYT_FOREACH_CHUNK tensors.

   The chunk (pointers, sizes, per-tensor scalars) is the kernel's argument, passed by
   value, so a launch needs no host-to-device copy. Block (x, y) works on tensor y of the
   chunk in a grid-stride loop over its elements: blocks of short tensors just finish
   early. One kernel per dtype, the op chosen by a switch inside (keeps compile time
   small); float16 and bfloat16 compute in float, as the CPU does. The per-element code
   (fe_tensor::apply) is __host__ __device__: tests/cuda_host runs it on the CPU. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "iter.cuh"
#include "cast.cuh"

#ifndef PYT_FOREACH_HOST_SIM        /* a host check runs the element code on the CPU */
extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);
#endif

namespace {

struct pyt_fe_args {
    char *ptr[PYT_FOREACH_MAX_LISTS][PYT_FOREACH_CHUNK];
    int64_t numel[PYT_FOREACH_CHUNK];
    double s0[PYT_FOREACH_CHUNK], s1[PYT_FOREACH_CHUNK];
    double p[PYT_FOREACH_NPARAMS];
    int op, nlists;
};
/* CUDA's kernel-parameter limit is 4 KB */
static_assert(sizeof(pyt_fe_args) < 4000, "foreach chunk too large for a kernel argument");

/* the CPU's lerp (pyt_math.h): exact at both ends */
#define FE_HD __host__ __device__ __forceinline__

/* the CPU's lerp (pyt_math.h): exact at both ends */
template <typename C>
FE_HD C fe_lerp(C a, C b, C w)
{
    C diff = b - a;
    return fabs(w) < (C)0.5 ? a + w * diff : b - diff * ((C)1 - w);
}

/* maximum / minimum propagate NaN, as torch's */
template <typename C>
FE_HD C fe_max(C a, C b)
{
    return (a != a || b != b) ? a + b : (a > b ? a : b);
}
template <typename C>
FE_HD C fe_min(C a, C b)
{
    return (a != a || b != b) ? a + b : (a < b ? a : b);
}

template <typename C>
FE_HD C fe_binary(int op, C a, C b)
{
    switch (op) {
    case PYT_FE_ADD: return a + b;
    case PYT_FE_SUB: return a - b;
    case PYT_FE_MUL: return a * b;
    case PYT_FE_DIV: return a / b;
    case PYT_FE_MAXIMUM: return fe_max(a, b);
    default: return fe_min(a, b);
    }
}

template <typename C>
FE_HD C fe_unary(int op, C a)
{
    switch (op) {
    case PYT_FE_SQRT: return sqrt(a);
    case PYT_FE_NEG: return -a;
    case PYT_FE_ABS: return fabs(a);
    case PYT_FE_SIGN: return (C)((a > (C)0) - (a < (C)0));
    case PYT_FE_EXP: return exp(a);
    default: return a;                           /* COPY */
    }
}

/* What one thread needs for tensor t of the chunk, read once from the argument. */
template <int CODE>
struct fe_tensor {
    typedef pyt_dt<CODE> D;
    typedef typename D::T T;
    typedef typename D::C C;
    T *x[PYT_FOREACH_MAX_LISTS];
    int64_t n;
    C s0, s1, p[PYT_FOREACH_NPARAMS];
    /* 1 - p[k], 1 - lr * weight_decay and -lr / s0 in double, then rounded, as the CPU
       loop's Python scalars are (1.0f - 0.999f is 100 ulp off 0.001f) */
    C one_minus[3], decay, adam_step;
    int op, nl;
    bool flag4, flag5, flag6;

    FE_HD fe_tensor(const pyt_fe_args &a, int t)
    {
        for (int l = 0; l < PYT_FOREACH_MAX_LISTS; l++) x[l] = (T *)a.ptr[l][t];
        n = a.numel[t];
        s0 = (C)a.s0[t];
        s1 = (C)a.s1[t];
        for (int k = 0; k < PYT_FOREACH_NPARAMS; k++) p[k] = (C)a.p[k];
        for (int k = 0; k < 3; k++) one_minus[k] = (C)(1.0 - a.p[k]);
        decay = (C)(1.0 - a.p[2] * a.p[4]);
        adam_step = (C)(-a.p[2] / a.s0[t]);
        op = a.op;
        nl = a.nlists;
        flag4 = a.p[4] != 0;
        flag5 = a.p[5] != 0;
        flag6 = a.p[6] != 0;
    }

    /* writes v to dst[i] and returns the value stored (v rounded to T) */
    FE_HD static C store(T *dst, int64_t i, C v)
    {
        D d;
        T bits = d.st(v);
        dst[i] = bits;
        return d.ld(bits);
    }

    /* element i of every list */
    FE_HD void apply(int64_t i) const
    {
        D d;
        switch (op) {
        case PYT_FE_ADD: case PYT_FE_SUB: case PYT_FE_MUL: case PYT_FE_DIV:
        case PYT_FE_MAXIMUM: case PYT_FE_MINIMUM: {
            C va = d.ld(x[1][i]), vb;
            if (nl == 2) vb = s0;
            else {
                vb = d.ld(x[2][i]);
                if (op == PYT_FE_ADD || op == PYT_FE_SUB) vb = p[0] * vb;
            }
            x[0][i] = d.st(fe_binary(op, va, vb));
            break;
        }
        case PYT_FE_ADDCMUL:
            x[0][i] = d.st(d.ld(x[1][i]) + s0 * d.ld(x[2][i]) * d.ld(x[3][i]));
            break;
        case PYT_FE_ADDCDIV:
            x[0][i] = d.st(d.ld(x[1][i]) + s0 * (d.ld(x[2][i]) / d.ld(x[3][i])));
            break;
        case PYT_FE_LERP: {
            C w = nl == 4 ? d.ld(x[3][i]) : s0;
            x[0][i] = d.st(fe_lerp(d.ld(x[1][i]), d.ld(x[2][i]), w));
            break;
        }
        case PYT_FE_ZERO:
            x[0][i] = d.st((C)0);
            break;
        case PYT_FE_ADAM: {
            /* p: beta1, beta2, lr, eps, weight_decay, decoupled, maximize;
               s0 = 1 - beta1^step, s1 = sqrt(1 - beta2^step) */
            C param = d.ld(x[0][i]), g = d.ld(x[1][i]);
            if (flag6) g = -g;
            if (p[4] != (C)0) {
                if (flag5) param = param * decay;
                else g = g + p[4] * param;
            }
            /* the moments go on as stored (rounded to T), as the CPU loop's do */
            C m = store(x[2], i, fe_lerp(d.ld(x[2][i]), g, one_minus[0]));
            C v = store(x[3], i, d.ld(x[3][i]) * p[1] + one_minus[1] * g * g);
            if (nl == 5)                         /* amsgrad */
                v = store(x[4], i, fe_max(d.ld(x[4][i]), v));
            C denom = sqrt(v) / s1 + p[3];
            x[0][i] = d.st(param + adam_step * (m / denom));
            break;
        }
        case PYT_FE_SGD: {
            /* p: lr, momentum, dampening, weight_decay, nesterov, maximize; s0 = 1: the
               momentum buffer is new */
            C param = d.ld(x[0][i]), g = d.ld(x[1][i]);
            if (flag5) g = -g;
            if (p[3] != (C)0) g = g + p[3] * param;
            if (nl == 3) {
                C buf = s0 != (C)0 ? g : d.ld(x[2][i]) * p[1] + one_minus[2] * g;
                buf = store(x[2], i, buf);
                g = flag4 ? g + p[1] * buf : buf;
            }
            x[0][i] = d.st(param + (-p[0]) * g);
            break;
        }
        default:
            x[0][i] = d.st(fe_unary(op, d.ld(x[1][i])));
            break;
        }
    }
};

#ifndef PYT_FOREACH_HOST_SIM
/* block (x, y): tensor y of the chunk, a grid-stride loop over its elements */
template <int CODE>
__global__ void __launch_bounds__(PYT_CUDA_THREADS) pyt_foreach_kernel(const pyt_fe_args a)
{
    const fe_tensor<CODE> w(a, blockIdx.y);
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.n;
         i += (int64_t)gridDim.x * blockDim.x)
        w.apply(i);
}
#endif

/* the lists each op needs: [min, max] */
bool fe_lists_ok(int op, int nlists)
{
    switch (op) {
    case PYT_FE_ADD: case PYT_FE_SUB: case PYT_FE_MUL: case PYT_FE_DIV:
    case PYT_FE_MAXIMUM: case PYT_FE_MINIMUM: case PYT_FE_LERP:
        return nlists == 2 + (op == PYT_FE_LERP) || nlists == 3 + (op == PYT_FE_LERP);
    case PYT_FE_ADDCMUL: case PYT_FE_ADDCDIV: return nlists == 4;
    case PYT_FE_ZERO: return nlists == 1;
    case PYT_FE_ADAM: return nlists == 4 || nlists == 5;
    case PYT_FE_SGD: return nlists == 2 || nlists == 3;
    default: return op >= 0 && op < PYT_FE_NUM_OPS && nlists == 2;
    }
}

#ifndef PYT_FOREACH_HOST_SIM
template <int CODE>
int fe_launch_as(const pyt_fe_args &a, int ntensors, int64_t max_numel)
{
    /* enough blocks per tensor to fill the GPU a few times over, in all */
    int64_t per_tensor = (max_numel + PYT_CUDA_THREADS - 1) / PYT_CUDA_THREADS;
    int64_t cap = 8192 / ntensors;
    if (per_tensor > cap) per_tensor = cap;
    if (per_tensor < 1) per_tensor = 1;
    dim3 grid((unsigned)per_tensor, (unsigned)ntensors);
    cudaStream_t st = (cudaStream_t)pyt_cuda_current_stream();
    pyt_foreach_kernel<CODE><<<grid, PYT_CUDA_THREADS, 0, st>>>(a);
    return pyt_launch_error();
}
#else
/* the host check (tests/cuda_host): the kernel's work, tensor by tensor, on host memory */
template <int CODE>
int fe_launch_as(const pyt_fe_args &a, int ntensors, int64_t max_numel)
{
    (void)max_numel;
    for (int t = 0; t < ntensors; t++) {
        const fe_tensor<CODE> w(a, t);
        for (int64_t i = 0; i < w.n; i++) w.apply(i);
    }
    return 0;
}
#endif

int fe_launch(int dtype, const pyt_fe_args &a, int ntensors, int64_t max_numel)
{
    switch (dtype) {
    case PYT_FLOAT16: return fe_launch_as<PYT_FLOAT16>(a, ntensors, max_numel);
    case PYT_BFLOAT16: return fe_launch_as<PYT_BFLOAT16>(a, ntensors, max_numel);
    case PYT_FLOAT32: return fe_launch_as<PYT_FLOAT32>(a, ntensors, max_numel);
    default: return fe_launch_as<PYT_FLOAT64>(a, ntensors, max_numel);
    }
}

}  // namespace

extern "C" int pyt_cuda_foreach(int op, int dtype, int nlists, int ntensors,
                                char *const *ptrs, const int64_t *numel, const double *s,
                                const double *p)
{
    if (dtype != PYT_FLOAT16 && dtype != PYT_BFLOAT16 && dtype != PYT_FLOAT32 &&
        dtype != PYT_FLOAT64)
        return PYT_CUDA_ERR_UNSUPPORTED;
    if (!fe_lists_ok(op, nlists) || ntensors < 0 || (ntensors > 0 && (!ptrs || !numel)))
        return PYT_CUDA_ERR_INVALID;
    pyt_fe_args a;
    memset(&a, 0, sizeof(a));
    a.op = op;
    a.nlists = nlists;
    for (int k = 0; k < PYT_FOREACH_NPARAMS; k++) a.p[k] = p ? p[k] : 0.0;
    int k = 0;
    int64_t max_numel = 0;
    for (int t = 0; t < ntensors; t++) {
        if (numel[t] <= 0) continue;
        for (int l = 0; l < nlists; l++) a.ptr[l][k] = ptrs[(int64_t)t * nlists + l];
        a.numel[k] = numel[t];
        a.s0[k] = s ? s[2 * t] : 0.0;
        a.s1[k] = s ? s[2 * t + 1] : 0.0;
        if (numel[t] > max_numel) max_numel = numel[t];
        if (++k == PYT_FOREACH_CHUNK) {
            int err = fe_launch(dtype, a, k, max_numel);
            if (err) return err;
            k = 0;
            max_numel = 0;
        }
    }
    return k ? fe_launch(dtype, a, k, max_numel) : 0;
}
