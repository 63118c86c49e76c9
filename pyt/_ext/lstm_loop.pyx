# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The time loop of one fused LSTM layer and direction, in C, for CUDA tensors
(pyt.nn._rnn_cuda): a step is one gemm and one cell kernel launch (cuda_src/rnn.cu) with no
Python in between. On the GPU a step's work is a few microseconds, so the Python of a loop
over pyt ops (a dozen calls, four launches per step) would set the pace.

Layout: states and gates are transposed, (H, B) and (4H, B); buffers hold one such block
per time step, one after the other.
The CPU branch is a plain reference of the same arithmetic (naive loops), so that the
tests check the pointer arithmetic on a machine without a GPU; the CPU layers keep their
own, faster loop."""
from libc.stdint cimport int64_t
from libc.math cimport exp, tanh
from pyt._ext.tensor cimport Tensor, is_contiguous, is_cuda, common_device, cuda_check
from pyt._ext.dtypes cimport PYT_FLOAT32, PYT_FLOAT64, PYT_FLOAT16, PYT_BFLOAT16
from pyt._ext.cuda_api cimport pyt_cuda_gemm, pyt_cuda_lstm_forward, pyt_cuda_lstm_backward


cdef void _ref_gemm(int code, int64_t m, int64_t n, int64_t k, const char* A, int64_t lda,
                    const char* B, int64_t ldb, double beta, char* C,
                    int64_t ldc) noexcept nogil:
    """Column-major C = A @ B + beta * C (A m x k, B k x n), as pyt_cuda_gemm('N', 'N')
    reads its arguments; C is not read when beta is 0."""
    cdef int64_t i, j, p
    cdef double s
    for j in range(n):
        for i in range(m):
            s = 0
            if code == PYT_FLOAT32:
                for p in range(k):
                    s += <double>(<const float*>A)[i + p * lda] * (<const float*>B)[p + j * ldb]
                if beta != 0:
                    s += beta * (<float*>C)[i + j * ldc]
                (<float*>C)[i + j * ldc] = <float>s
            else:
                for p in range(k):
                    s += (<const double*>A)[i + p * lda] * (<const double*>B)[p + j * ldb]
                if beta != 0:
                    s += beta * (<double*>C)[i + j * ldc]
                (<double*>C)[i + j * ldc] = s


cdef inline double _value(int code, const char* p, int64_t i) noexcept nogil:
    return (<const float*>p)[i] if code == PYT_FLOAT32 else (<const double*>p)[i]


cdef inline void _put(int code, char* p, int64_t i, double v) noexcept nogil:
    if code == PYT_FLOAT32:
        (<float*>p)[i] = <float>v
    else:
        (<double*>p)[i] = v


cdef inline double _sigmoid(double x) noexcept nogil:
    return 1.0 / (1.0 + exp(-x))


cdef void _ref_forward(int code, char* gates, const char* c_prev, char* c, char* tc,
                       char* h, int64_t n) noexcept nogil:
    """pyt_cuda_lstm_forward's contract with batch 1, hidden n (the transposed blocks)."""
    cdef int64_t e
    cdef double i, f, g, o, cn, t
    for e in range(n):
        i = _sigmoid(_value(code, gates, e))
        f = _sigmoid(_value(code, gates, n + e))
        g = tanh(_value(code, gates, 2 * n + e))
        o = _sigmoid(_value(code, gates, 3 * n + e))
        cn = f * _value(code, c_prev, e) + i * g
        t = tanh(cn)
        _put(code, gates, e, i)
        _put(code, gates, n + e, f)
        _put(code, gates, 2 * n + e, g)
        _put(code, gates, 3 * n + e, o)
        _put(code, c, e, cn)
        _put(code, tc, e, t)
        _put(code, h, e, o * t)


cdef void _ref_backward(int code, const char* act, const char* tc, const char* c_prev,
                        const char* dh_next, const char* d_out, char* dc, char* dg,
                        int64_t n) noexcept nogil:
    """pyt_cuda_lstm_backward's contract with batch 1, hidden n."""
    cdef int64_t e
    cdef double i, f, g, o, t, dh, dcn
    for e in range(n):
        i = _value(code, act, e)
        f = _value(code, act, n + e)
        g = _value(code, act, 2 * n + e)
        o = _value(code, act, 3 * n + e)
        t = _value(code, tc, e)
        dh = _value(code, dh_next, e) + _value(code, d_out, e)
        dcn = _value(code, dc, e) + dh * o * (1 - t * t)
        _put(code, dg, e, dcn * g * i * (1 - i))
        _put(code, dg, n + e, dcn * _value(code, c_prev, e) * f * (1 - f))
        _put(code, dg, 2 * n + e, dcn * i * (1 - g * g))
        _put(code, dg, 3 * n + e, dh * t * o * (1 - o))
        _put(code, dc, e, dcn * f)


cdef int _gemm(bint cuda, int code, int64_t m, int64_t n, int64_t k, const char* A,
               int64_t lda, const char* B, int64_t ldb, double beta, char* C,
               int64_t ldc) except -1:
    cdef int rc
    if cuda:
        with nogil:
            rc = pyt_cuda_gemm(code, b'N', b'N', m, n, k, 1.0, A, lda, 0, B, ldb, 0, beta, C,
                               ldc, 0, 1)
        return cuda_check(rc, "lstm")
    with nogil:
        _ref_gemm(code, m, n, k, A, lda, B, ldb, beta, C, ldc)
    return 0


cdef int _check(tuple tensors, tuple sizes) except -1:
    """Contiguous, one dtype, one device, the numels the loops index with."""
    cdef Tensor first = tensors[0], t
    common_device(tensors)
    cdef int code = first._dtype.code
    if not (code == PYT_FLOAT32 or code == PYT_FLOAT64 or
            (is_cuda(first) and (code == PYT_FLOAT16 or code == PYT_BFLOAT16))):
        raise TypeError(f"lstm loop: unsupported dtype {first._dtype}")
    for t, size in zip(tensors, sizes):
        if t._dtype is not first._dtype or not is_contiguous(t) or t._numel != size:
            raise RuntimeError(f"lstm loop: expected a contiguous {first._dtype} tensor of "
                               f"{size} elements, got {t._dtype} {list(t.shape)}")
    return 0


def forward_steps(Tensor acts, Tensor hs, Tensor cs, Tensor tanh_c, Tensor w_hh,
                  Py_ssize_t steps, Py_ssize_t batch, Py_ssize_t hidden, bint reverse):
    """acts (steps * 4H, B) holds each step's x W_ih^T + biases (transposed) and leaves
    with the activations; hs / cs ((steps + 1) * H, B) hold h0 / c0 in their first block
    (the last when reverse) and receive every step's h / c; tanh_c (steps * H, B)."""
    cdef int64_t H = hidden, B = batch, HB = hidden * batch, k, t, new, prev
    _check((acts, hs, cs, tanh_c, w_hh),
           (steps * 4 * HB, (steps + 1) * HB, (steps + 1) * HB, steps * HB, 4 * H * H))
    cdef bint cuda = is_cuda(acts)
    cdef int code = acts._dtype.code, size = acts._dtype.itemsize, rc
    cdef char* a = acts._data
    cdef char* h = hs._data
    cdef char* c = cs._data
    cdef char* tc = tanh_c._data
    cdef const char* w = w_hh._data
    if HB == 0:
        return
    for k in range(steps):
        t = steps - 1 - k if reverse else k
        new = t if reverse else t + 1
        prev = t + 1 if reverse else t
        # acts[t] (4H, B) += W_hh (4H, H) @ h[prev] (H, B), row-major: column-major
        # acts[t]^T = h[prev]^T @ W_hh^T
        _gemm(cuda, code, B, 4 * H, H, h + prev * HB * size, B, w, H, 1.0,
              a + t * 4 * HB * size, B)
        if cuda:
            rc = pyt_cuda_lstm_forward(code, a + t * 4 * HB * size, c + prev * HB * size,
                                       c + new * HB * size, tc + t * HB * size,
                                       h + new * HB * size, 1, HB)
            cuda_check(rc, "lstm")
        else:
            _ref_forward(code, a + t * 4 * HB * size, c + prev * HB * size,
                         c + new * HB * size, tc + t * HB * size, h + new * HB * size, HB)


def backward_steps(Tensor acts, Tensor tanh_c, Tensor cs, Tensor w_t, Tensor d_out,
                   Tensor dh, Tensor dc, Tensor d_gates, Py_ssize_t steps, Py_ssize_t batch,
                   Py_ssize_t hidden, bint reverse):
    """Back through time: d_gates (steps * 4H, B) of every step from the saved activations,
    tanh_c and cs (forward_steps' buffers), w_t = W_hh^T (H, 4H) and d_out (steps * H, B),
    the output's gradient. dh and dc (H, B) come in as the final states' gradients and
    leave as those of h0 and c0."""
    cdef int64_t H = hidden, B = batch, HB = hidden * batch, k, t, prev
    _check((acts, tanh_c, cs, w_t, d_out, dh, dc, d_gates),
           (steps * 4 * HB, steps * HB, (steps + 1) * HB, 4 * H * H, steps * HB, HB, HB,
            steps * 4 * HB))
    cdef bint cuda = is_cuda(acts)
    cdef int code = acts._dtype.code, size = acts._dtype.itemsize, rc
    cdef const char* a = acts._data
    cdef const char* tc = tanh_c._data
    cdef const char* c = cs._data
    cdef const char* w = w_t._data
    cdef const char* go = d_out._data
    cdef char* dhp = dh._data
    cdef char* dcp = dc._data
    cdef char* dg = d_gates._data
    if HB == 0:
        return
    for k in range(steps):
        t = k if reverse else steps - 1 - k
        prev = t + 1 if reverse else t
        if cuda:
            rc = pyt_cuda_lstm_backward(code, a + t * 4 * HB * size, tc + t * HB * size,
                                        c + prev * HB * size, dhp, go + t * HB * size, dcp,
                                        dg + t * 4 * HB * size, 1, HB)
            cuda_check(rc, "lstm")
        else:
            _ref_backward(code, a + t * 4 * HB * size, tc + t * HB * size,
                          c + prev * HB * size, dhp, go + t * HB * size, dcp,
                          dg + t * 4 * HB * size, HB)
        # the cell is done with dh: dh (H, B) = W_hh^T (H, 4H) @ d_gates[t] (4H, B)
        _gemm(cuda, code, B, H, 4 * H, dg + t * 4 * HB * size, B, w, 4 * H, 0.0, dhp, B)
