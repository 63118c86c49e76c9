# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Fused LSTM gate math for pyt.nn's recurrent layers: one pass over batch x hidden per
time step instead of a dozen pointwise ops (the matmuls stay with BLAS).

lstm_cell_forward turns a step's gate pre-activations into activations in place and
writes c, tanh(c) and h; lstm_cell_backward takes those back to the gates' gradient and
the cell gradient of the previous step. float32 uses pyt_vecmath.h's vectorisable
sigmoid/tanh (compiled for AVX2/AVX-512 too); float64 uses libm. No OpenMP: a step is
small and the time loop is sequential."""
from pyt._ext.tensor cimport Tensor, is_contiguous, is_cuda, common_device, cuda_check
from pyt._ext.dtypes cimport PYT_FLOAT32, PYT_FLOAT64, PYT_FLOAT16, PYT_BFLOAT16
from pyt._ext.cuda_api cimport pyt_cuda_lstm_forward, pyt_cuda_lstm_backward

cdef extern from *:
    """
    #include "pyt_vecmath.h"

    /* compiled like pyt_vecmath.h's functions, so that GCC inlines and vectorises them
       here (a differing optimize attribute blocks inlining) */
    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC push_options
    #pragma GCC optimize("no-trapping-math")
    #endif

    #define PYT_LSTM_FORWARD(NAME, T, SIG, TANH)                                           \\
    static void NAME(T* restrict gates, const T* restrict c_prev, T* restrict c,          \\
                     T* restrict tc, T* restrict h, Py_ssize_t batch, Py_ssize_t hidden)  \\
    {                                                                                      \\
        for (Py_ssize_t b = 0; b < batch; b++) {                                           \\
            T* restrict gi = gates + b * 4 * hidden;                                       \\
            T* restrict gf = gi + hidden;                                                  \\
            T* restrict gg = gf + hidden;                                                  \\
            T* restrict go = gg + hidden;                                                  \\
            const T* restrict cp = c_prev + b * hidden;                                    \\
            T* restrict cb = c + b * hidden;                                               \\
            T* restrict tb = tc + b * hidden;                                              \\
            T* restrict hb = h + b * hidden;                                               \\
            for (Py_ssize_t j = 0; j < hidden; j++) {                                      \\
                T i = SIG(gi[j]), f = SIG(gf[j]), g = TANH(gg[j]), o = SIG(go[j]);         \\
                T cn = f * cp[j] + i * g;                                                  \\
                T t = TANH(cn);                                                            \\
                gi[j] = i; gf[j] = f; gg[j] = g; go[j] = o;                                \\
                cb[j] = cn; tb[j] = t; hb[j] = o * t;                                      \\
            }                                                                              \\
        }                                                                                  \\
    }

    /* dh = dh_next + d_out (the step's output gradient); dc holds the gradient reaching
       this step's c from the next step and leaves with the previous step's */
    #define PYT_LSTM_BACKWARD(NAME, T)                                                     \\
    static void NAME(const T* restrict act, const T* restrict tc,                         \\
                     const T* restrict c_prev, const T* restrict dh_next,                 \\
                     const T* restrict d_out, T* restrict dc, T* restrict dgates,         \\
                     Py_ssize_t batch, Py_ssize_t hidden)                                  \\
    {                                                                                      \\
        for (Py_ssize_t b = 0; b < batch; b++) {                                           \\
            const T* restrict ai = act + b * 4 * hidden;                                   \\
            T* restrict di = dgates + b * 4 * hidden;                                      \\
            const T* restrict tb = tc + b * hidden;                                        \\
            const T* restrict cp = c_prev + b * hidden;                                    \\
            const T* restrict hn = dh_next + b * hidden;                                   \\
            const T* restrict ob = d_out + b * hidden;                                     \\
            T* restrict cb = dc + b * hidden;                                              \\
            for (Py_ssize_t j = 0; j < hidden; j++) {                                      \\
                T i = ai[j], f = ai[hidden + j], g = ai[2 * hidden + j];                   \\
                T o = ai[3 * hidden + j], t = tb[j];                                       \\
                T dh = hn[j] + ob[j];                                                      \\
                T dcn = cb[j] + dh * o * (1 - t * t);                                      \\
                di[j] = dcn * g * i * (1 - i);                                             \\
                di[hidden + j] = dcn * cp[j] * f * (1 - f);                                \\
                di[2 * hidden + j] = dcn * i * (1 - g * g);                                \\
                di[3 * hidden + j] = dh * t * o * (1 - o);                                 \\
                cb[j] = dcn * f;                                                           \\
            }                                                                              \\
        }                                                                                  \\
    }

    static inline double pyt_lstm_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

    PYT_SIMD_CLONES PYT_LSTM_FORWARD(pyt_lstm_forward_f, float, pyt_vsigmoidf, pyt_vtanhf)
    PYT_LSTM_FORWARD(pyt_lstm_forward_d, double, pyt_lstm_sigmoid, tanh)
    PYT_SIMD_CLONES PYT_LSTM_BACKWARD(pyt_lstm_backward_f, float)
    PYT_LSTM_BACKWARD(pyt_lstm_backward_d, double)

    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC pop_options
    #endif
    """
    void pyt_lstm_forward_f(float* gates, const float* c_prev, float* c, float* tc, float* h,
                            Py_ssize_t batch, Py_ssize_t hidden) nogil
    void pyt_lstm_forward_d(double* gates, const double* c_prev, double* c, double* tc,
                            double* h, Py_ssize_t batch, Py_ssize_t hidden) nogil
    void pyt_lstm_backward_f(const float* act, const float* tc, const float* c_prev,
                             const float* dh_next, const float* d_out, float* dc,
                             float* dgates, Py_ssize_t batch, Py_ssize_t hidden) nogil
    void pyt_lstm_backward_d(const double* act, const double* tc, const double* c_prev,
                             const double* dh_next, const double* d_out, double* dc,
                             double* dgates, Py_ssize_t batch, Py_ssize_t hidden) nogil


cdef int _check(str name, tuple tensors, tuple widths) except -1:
    """Every tensor contiguous, 2-D (batch, width * hidden), of the first one's float
    dtype; the kernels trust these sizes, so a mismatch must never reach them."""
    cdef Tensor first = tensors[0]
    common_device(tensors)              # CUDA (cuda_src/rnn.cu): all on one device
    cdef int code = first._dtype.code
    if is_cuda(first) and (code == PYT_FLOAT16 or code == PYT_BFLOAT16):
        pass                            # the GPU kernels compute halves in float
    elif code != PYT_FLOAT32 and code != PYT_FLOAT64:
        raise TypeError(f"{name}: expected float32 or float64 tensors, got {first._dtype}")
    cdef Py_ssize_t batch = first._shape[0] if first._ndim == 2 else -1
    cdef Py_ssize_t hidden = first._shape[1] // widths[0] if first._ndim == 2 else -1
    cdef Tensor t
    for t, width in zip(tensors, widths):
        if t._dtype is not first._dtype:
            raise TypeError(f"{name}: expected all tensors of dtype {first._dtype}, got "
                            f"{t._dtype}")
        if t._ndim != 2 or t._shape[0] != batch or t._shape[1] != width * hidden:
            raise RuntimeError(f"{name}: expected a ({batch}, {width * hidden}) tensor, got "
                               f"{list(t.shape)}")
        if not is_contiguous(t):
            raise RuntimeError(f"{name}: expected contiguous tensors")
    return 0


def lstm_cell_forward(Tensor gates, Tensor c_prev, Tensor c, Tensor tanh_c, Tensor h):
    """In place: gates (B, 4H) pre-activations -> activations (i, f, g, o); writes
    c = f * c_prev + i * g, tanh(c) and h = o * tanh(c) (each (B, H))."""
    _check("lstm_cell_forward", (gates, c_prev, c, tanh_c, h), (4, 1, 1, 1, 1))
    cdef Py_ssize_t batch = gates._shape[0], hidden = gates._shape[1] // 4
    if is_cuda(gates):
        cuda_check(pyt_cuda_lstm_forward(gates._dtype.code, gates._data, c_prev._data,
                                         c._data, tanh_c._data, h._data, batch, hidden),
                   "lstm_cell_forward")
    elif gates._dtype.itemsize == 4:
        with nogil:
            pyt_lstm_forward_f(<float*>gates._data, <float*>c_prev._data, <float*>c._data,
                               <float*>tanh_c._data, <float*>h._data, batch, hidden)
    else:
        with nogil:
            pyt_lstm_forward_d(<double*>gates._data, <double*>c_prev._data,
                               <double*>c._data, <double*>tanh_c._data, <double*>h._data,
                               batch, hidden)


def lstm_cell_backward(Tensor act, Tensor tanh_c, Tensor c_prev, Tensor dh_next,
                       Tensor d_out, Tensor dc, Tensor d_gates):
    """One step back: d_gates (B, 4H) from the activations, tanh(c), c_prev, the hidden
    gradient (dh_next + d_out) and dc (in: this step's cell gradient; out: the previous
    step's)."""
    _check("lstm_cell_backward", (act, tanh_c, c_prev, dh_next, d_out, dc, d_gates),
           (4, 1, 1, 1, 1, 1, 4))
    cdef Py_ssize_t batch = act._shape[0], hidden = act._shape[1] // 4
    if is_cuda(act):
        cuda_check(pyt_cuda_lstm_backward(act._dtype.code, act._data, tanh_c._data,
                                          c_prev._data, dh_next._data, d_out._data, dc._data,
                                          d_gates._data, batch, hidden), "lstm_cell_backward")
    elif act._dtype.itemsize == 4:
        with nogil:
            pyt_lstm_backward_f(<float*>act._data, <float*>tanh_c._data, <float*>c_prev._data,
                                <float*>dh_next._data, <float*>d_out._data, <float*>dc._data,
                                <float*>d_gates._data, batch, hidden)
    else:
        with nogil:
            pyt_lstm_backward_d(<double*>act._data, <double*>tanh_c._data,
                                <double*>c_prev._data, <double*>dh_next._data,
                                <double*>d_out._data, <double*>dc._data,
                                <double*>d_gates._data, batch, hidden)
