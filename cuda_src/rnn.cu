/* pyt_cuda_lstm_*: the fused LSTM cell of pyt/_ext/rnn_kernels.pyx on the GPU, with the
   CPU kernels' layout and formulas. The gate products (x W_ih^T + h W_hh^T + biases) are
   gemms done before; a cell step is then one launch, one thread per (batch, hidden)
   element, reading its four gates at b * 4H + {0, H, 2H, 3H} + j.
   float32 and float64 compute in their own type; float16 and bfloat16 load into float,
   compute there and round once when stored.
   The per-element work (lstm_forward_at / lstm_backward_at) is __host__ __device__, so
   tests/cuda_host compiles it for the host and compares it with the CPU kernels. */
#include <math.h>
#include <stdint.h>
#include <cuda_runtime.h>
#include "pyt_cuda.h"
#include "pyt_dtypes.h"
#include "iter.cuh"
#include "cast.cuh"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void);

namespace {

/* storage type, compute type and the conversions between them, per dtype code */
template <int CODE> struct lstm_elem;
template <> struct lstm_elem<PYT_FLOAT32> {
    typedef float storage;
    typedef float acc;
    PYT_HD_MEMBER static float load(float v) { return v; }
    PYT_HD_MEMBER static float store(float v) { return v; }
};
template <> struct lstm_elem<PYT_FLOAT64> {
    typedef double storage;
    typedef double acc;
    PYT_HD_MEMBER static double load(double v) { return v; }
    PYT_HD_MEMBER static double store(double v) { return v; }
};
template <> struct lstm_elem<PYT_FLOAT16> {
    typedef uint16_t storage;
    typedef float acc;
    PYT_HD_MEMBER static float load(uint16_t v) { return pyt_cu_half_to_float(v); }
    PYT_HD_MEMBER static uint16_t store(float v) { return pyt_cu_float_to_half(v); }
};
template <> struct lstm_elem<PYT_BFLOAT16> {
    typedef uint16_t storage;
    typedef float acc;
    PYT_HD_MEMBER static float load(uint16_t v) { return pyt_cu_bfloat16_to_float(v); }
    PYT_HD_MEMBER static uint16_t store(float v) { return pyt_cu_float_to_bfloat16(v); }
};

PYT_HD float lstm_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
PYT_HD double lstm_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
PYT_HD float lstm_tanh(float x) { return tanhf(x); }
PYT_HD double lstm_tanh(double x) { return tanh(x); }

/* Element e = b * hidden + j of a step: the gates' pre-activations become activations
   (i, f, g, o) in place; c = f * c_prev + i * g, tanh(c) and h = o * tanh(c). */
template <int CODE>
PYT_HD void lstm_forward_at(int64_t e, int64_t hidden,
                            typename lstm_elem<CODE>::storage *gates,
                            const typename lstm_elem<CODE>::storage *c_prev,
                            typename lstm_elem<CODE>::storage *c,
                            typename lstm_elem<CODE>::storage *tanh_c,
                            typename lstm_elem<CODE>::storage *h)
{
    typedef lstm_elem<CODE> E;
    typedef typename E::acc A;
    int64_t b = e / hidden, j = e - b * hidden;
    typename E::storage *g = gates + b * 4 * hidden + j;
    A i = lstm_sigmoid(E::load(g[0]));
    A f = lstm_sigmoid(E::load(g[hidden]));
    A gg = lstm_tanh(E::load(g[2 * hidden]));
    A o = lstm_sigmoid(E::load(g[3 * hidden]));
    A cn = f * E::load(c_prev[e]) + i * gg;
    A t = lstm_tanh(cn);
    g[0] = E::store(i);
    g[hidden] = E::store(f);
    g[2 * hidden] = E::store(gg);
    g[3 * hidden] = E::store(o);
    c[e] = E::store(cn);
    tanh_c[e] = E::store(t);
    h[e] = E::store(o * t);
}

/* One step back for element e: dh = dh_next + d_out; dc holds the gradient reaching this
   step's c and leaves with the previous step's (same element, so in place is safe). */
template <int CODE>
PYT_HD void lstm_backward_at(int64_t e, int64_t hidden,
                             const typename lstm_elem<CODE>::storage *act,
                             const typename lstm_elem<CODE>::storage *tanh_c,
                             const typename lstm_elem<CODE>::storage *c_prev,
                             const typename lstm_elem<CODE>::storage *dh_next,
                             const typename lstm_elem<CODE>::storage *d_out,
                             typename lstm_elem<CODE>::storage *dc,
                             typename lstm_elem<CODE>::storage *d_gates)
{
    typedef lstm_elem<CODE> E;
    typedef typename E::acc A;
    int64_t b = e / hidden, j = e - b * hidden;
    const typename E::storage *a = act + b * 4 * hidden + j;
    typename E::storage *d = d_gates + b * 4 * hidden + j;
    A i = E::load(a[0]), f = E::load(a[hidden]), g = E::load(a[2 * hidden]);
    A o = E::load(a[3 * hidden]), t = E::load(tanh_c[e]);
    A dh = E::load(dh_next[e]) + E::load(d_out[e]);
    A dcn = E::load(dc[e]) + dh * o * (1 - t * t);
    d[0] = E::store(dcn * g * i * (1 - i));
    d[hidden] = E::store(dcn * E::load(c_prev[e]) * f * (1 - f));
    d[2 * hidden] = E::store(dcn * i * (1 - g * g));
    d[3 * hidden] = E::store(dh * t * o * (1 - o));
    dc[e] = E::store(dcn * f);
}

template <int CODE>
__global__ void lstm_forward_kernel(int64_t n, int64_t hidden,
                                    typename lstm_elem<CODE>::storage *gates,
                                    const typename lstm_elem<CODE>::storage *c_prev,
                                    typename lstm_elem<CODE>::storage *c,
                                    typename lstm_elem<CODE>::storage *tanh_c,
                                    typename lstm_elem<CODE>::storage *h)
{
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n;
         e += (int64_t)gridDim.x * blockDim.x)
        lstm_forward_at<CODE>(e, hidden, gates, c_prev, c, tanh_c, h);
}

template <int CODE>
__global__ void lstm_backward_kernel(int64_t n, int64_t hidden,
                                     const typename lstm_elem<CODE>::storage *act,
                                     const typename lstm_elem<CODE>::storage *tanh_c,
                                     const typename lstm_elem<CODE>::storage *c_prev,
                                     const typename lstm_elem<CODE>::storage *dh_next,
                                     const typename lstm_elem<CODE>::storage *d_out,
                                     typename lstm_elem<CODE>::storage *dc,
                                     typename lstm_elem<CODE>::storage *d_gates)
{
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n;
         e += (int64_t)gridDim.x * blockDim.x)
        lstm_backward_at<CODE>(e, hidden, act, tanh_c, c_prev, dh_next, d_out, dc, d_gates);
}

template <int CODE>
int lstm_forward_launch(void *gates, const void *c_prev, void *c, void *tanh_c, void *h,
                        int64_t batch, int64_t hidden)
{
    typedef typename lstm_elem<CODE>::storage S;
    int64_t n = batch * hidden;
    lstm_forward_kernel<CODE><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0,
                                (cudaStream_t)pyt_cuda_current_stream()>>>(
        n, hidden, (S *)gates, (const S *)c_prev, (S *)c, (S *)tanh_c, (S *)h);
    return pyt_launch_error();
}

template <int CODE>
int lstm_backward_launch(const void *act, const void *tanh_c, const void *c_prev,
                         const void *dh_next, const void *d_out, void *dc, void *d_gates,
                         int64_t batch, int64_t hidden)
{
    typedef typename lstm_elem<CODE>::storage S;
    int64_t n = batch * hidden;
    lstm_backward_kernel<CODE><<<pyt_blocks_for(n), PYT_CUDA_THREADS, 0,
                                 (cudaStream_t)pyt_cuda_current_stream()>>>(
        n, hidden, (const S *)act, (const S *)tanh_c, (const S *)c_prev, (const S *)dh_next,
        (const S *)d_out, (S *)dc, (S *)d_gates);
    return pyt_launch_error();
}

}  // namespace

/* return F<code>(args...) for the dtype's code (PYT_CUDA_ERR_UNSUPPORTED for others) */
#define LSTM_DISPATCH(dtype, F, ...)                                                        \
    switch (dtype) {                                                                        \
    case PYT_FLOAT32: return F<PYT_FLOAT32>(__VA_ARGS__);                                   \
    case PYT_FLOAT64: return F<PYT_FLOAT64>(__VA_ARGS__);                                   \
    case PYT_FLOAT16: return F<PYT_FLOAT16>(__VA_ARGS__);                                   \
    case PYT_BFLOAT16: return F<PYT_BFLOAT16>(__VA_ARGS__);                                 \
    default: return PYT_CUDA_ERR_UNSUPPORTED;                                               \
    }

extern "C" int pyt_cuda_lstm_forward(int dtype, void *gates, const void *c_prev, void *c,
                                     void *tanh_c, void *h, int64_t batch, int64_t hidden)
{
    if (batch <= 0 || hidden <= 0) return PYT_CUDA_OK;
    LSTM_DISPATCH(dtype, lstm_forward_launch, gates, c_prev, c, tanh_c, h, batch, hidden)
}

extern "C" int pyt_cuda_lstm_backward(int dtype, const void *act, const void *tanh_c,
                                      const void *c_prev, const void *dh_next,
                                      const void *d_out, void *dc, void *d_gates,
                                      int64_t batch, int64_t hidden)
{
    if (batch <= 0 || hidden <= 0) return PYT_CUDA_OK;
    LSTM_DISPATCH(dtype, lstm_backward_launch, act, tanh_c, c_prev, dh_next, d_out, dc,
                  d_gates, batch, hidden)
}
