# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The LSTM time loop of pyt.nn's recurrent layers, forward and backward, in C
(include/pyt_lstm.h): per step one small product and one fused pass of gate math, with the
hidden units split between pyt's threads and BLAS single-threaded inside them. float32
uses pyt_vecmath.h's vectorisable sigmoid/tanh (compiled for AVX2/AVX-512 too); float64
uses libm."""
from pyt._ext.tensor cimport Tensor, is_contiguous, refuse_cuda
from pyt._ext.dtypes cimport PYT_FLOAT32, PYT_FLOAT64
from pyt._ext.parallel cimport num_threads
from pyt._ext.scipy_blas cimport (scipy_entry, pyt_fork_guard_install, pyt_blas_enter,
    pyt_blas_exit, PYT_BLAS_MAX_LIBS, pyt_blas_threads_init, pyt_blas_serial_begin,
    pyt_blas_serial_end)

cdef extern from "pyt_lstm.h":
    ctypedef void (*pyt_sgemm_fn)(char*, char*, int*, int*, int*, float*, float*, int*,
                                  float*, int*, float*, float*, int*) noexcept nogil
    ctypedef void (*pyt_dgemm_fn)(char*, char*, int*, int*, int*, double*, double*, int*,
                                  double*, int*, double*, double*, int*) noexcept nogil
    int pyt_lstm_sequence_forward_f(pyt_sgemm_fn, const float*, const float*, float*, float*,
                                    float*, float*, Py_ssize_t, Py_ssize_t, Py_ssize_t, int,
                                    int) nogil
    int pyt_lstm_sequence_forward_d(pyt_dgemm_fn, const double*, const double*, double*,
                                    double*, double*, double*, Py_ssize_t, Py_ssize_t,
                                    Py_ssize_t, int, int) nogil
    int pyt_lstm_sequence_backward_f(pyt_sgemm_fn, const float*, const float*, const float*,
                                     const float*, const float*, const float*, const float*,
                                     float*, float*, float*, Py_ssize_t, Py_ssize_t,
                                     Py_ssize_t, int, int) nogil
    int pyt_lstm_sequence_backward_d(pyt_dgemm_fn, const double*, const double*,
                                     const double*, const double*, const double*,
                                     const double*, const double*, double*, double*, double*,
                                     Py_ssize_t, Py_ssize_t, Py_ssize_t, int, int) nogil

cdef pyt_sgemm_fn _sgemm = NULL
cdef pyt_dgemm_fn _dgemm = NULL
cdef int _blas_libs = 0           # OpenBLAS libraries this module can make single-threaded


cdef int _load_blas() except -1:
    """SciPy's sgemm/dgemm (the BLAS every pyt product uses), taken on first use."""
    global _sgemm, _dgemm, _blas_libs
    if _sgemm != NULL:
        return 0
    import pyt._ext.linalg            # noqa: F401  sets OpenBLAS's thread timeout first
    _dgemm = <pyt_dgemm_fn>scipy_entry("cython_blas", "dgemm")
    _blas_libs = pyt_blas_threads_init()
    pyt_fork_guard_install()            # after OpenBLAS registered its own fork handler
    _sgemm = <pyt_sgemm_fn>scipy_entry("cython_blas", "sgemm")
    return 0


cdef int _threads_for(Py_ssize_t batch, Py_ssize_t hidden):
    """Threads for the loop: one unless a step's product is worth splitting (below about
    half a million multiply-adds a barrier per step costs more than it saves) and BLAS
    can be made single-threaded inside the parallel region."""
    cdef int n = num_threads()
    if n <= 1 or _blas_libs == 0 or 4 * hidden * hidden * batch < (1 << 19):
        return 1
    return <int>min(<Py_ssize_t>n, hidden)


cdef int _check_sequence(tuple tensors, tuple shapes) except -1:
    cdef Tensor first = tensors[0], t
    if first._dtype.code != PYT_FLOAT32 and first._dtype.code != PYT_FLOAT64:
        raise TypeError(f"lstm_sequence: expected float32 or float64 tensors, got {first._dtype}")
    for t, shape in zip(tensors, shapes):
        refuse_cuda("lstm_sequence", t)
        if t._dtype is not first._dtype:
            raise TypeError(f"lstm_sequence: expected all tensors of dtype {first._dtype}, "
                            f"got {t._dtype}")
        if tuple(t.shape) != shape:
            raise RuntimeError(f"lstm_sequence: expected a tensor of shape {list(shape)}, got "
                               f"{list(t.shape)}")
        if not is_contiguous(t):
            raise RuntimeError("lstm_sequence: expected contiguous tensors")
    return 0


def lstm_sequence_forward(Tensor gx, Tensor w_hh, Tensor acts, Tensor tanh_c, Tensor cs,
                          Tensor h_rows, Py_ssize_t steps, bint reverse):
    """Runs the recurrence of one layer and direction (layouts in pyt_lstm.h): gx
    (steps * B, 4H), w_hh (4H, H); writes acts (steps * B, 4H), tanh_c (steps * B, H),
    the cells into cs and the hidden states into h_rows (both ((steps + 1) * B, H)), whose
    initial blocks the caller has filled."""
    cdef Py_ssize_t hidden = w_hh._shape[1] if w_hh._ndim == 2 else 0
    cdef Py_ssize_t batch = h_rows._shape[0] // (steps + 1) if h_rows._ndim == 2 and steps >= 0 else 0
    if steps <= 0 or batch <= 0 or hidden <= 0 or 4 * hidden * hidden >= (1 << 31):
        raise RuntimeError("lstm_sequence_forward: needs steps, batch and hidden size > 0 "
                           "and a W_hh of fewer than 2^31 elements")
    _check_sequence((gx, w_hh, acts, tanh_c, cs, h_rows),
                    ((steps * batch, 4 * hidden), (4 * hidden, hidden),
                     (steps * batch, 4 * hidden), (steps * batch, hidden),
                     ((steps + 1) * batch, hidden), ((steps + 1) * batch, hidden)))
    _load_blas()
    cdef int threads = _threads_for(batch, hidden), err
    cdef int saved[PYT_BLAS_MAX_LIBS]
    with nogil:
        pyt_blas_enter()
        if threads > 1:
            pyt_blas_serial_begin(saved)
        if gx._dtype.itemsize == 4:
            err = pyt_lstm_sequence_forward_f(_sgemm, <float*>gx._data, <float*>w_hh._data,
                                              <float*>acts._data, <float*>tanh_c._data,
                                              <float*>cs._data, <float*>h_rows._data, steps,
                                              batch, hidden, reverse, threads)
        else:
            err = pyt_lstm_sequence_forward_d(_dgemm, <double*>gx._data, <double*>w_hh._data,
                                              <double*>acts._data, <double*>tanh_c._data,
                                              <double*>cs._data, <double*>h_rows._data, steps,
                                              batch, hidden, reverse, threads)
        if threads > 1:
            pyt_blas_serial_end(saved)
        pyt_blas_exit()
    if err:
        raise MemoryError("lstm_sequence_forward: out of memory")


def lstm_sequence_backward(Tensor acts, Tensor tanh_c, Tensor cs, Tensor w_hh, Tensor d_out,
                           Tensor d_h, Tensor d_c, Tensor d_gx, Tensor dh0, Tensor dc0,
                           Py_ssize_t steps, bint reverse):
    """Back through the recurrence saved by lstm_sequence_forward: from the output rows'
    gradient d_out (steps * B, H) and the final states' d_h, d_c (B, H), writes the gates'
    gradient d_gx (steps * B, 4H) and the initial states' dh0, dc0 (B, H)."""
    cdef Py_ssize_t hidden = w_hh._shape[1] if w_hh._ndim == 2 else 0
    cdef Py_ssize_t batch = d_h._shape[0] if d_h._ndim == 2 else 0
    if steps <= 0 or batch <= 0 or hidden <= 0 or 4 * hidden * hidden >= (1 << 31):
        raise RuntimeError("lstm_sequence_backward: needs steps, batch and hidden size > 0 "
                           "and a W_hh of fewer than 2^31 elements")
    _check_sequence((acts, tanh_c, cs, w_hh, d_out, d_h, d_c, d_gx, dh0, dc0),
                    ((steps * batch, 4 * hidden), (steps * batch, hidden),
                     ((steps + 1) * batch, hidden), (4 * hidden, hidden),
                     (steps * batch, hidden), (batch, hidden), (batch, hidden),
                     (steps * batch, 4 * hidden), (batch, hidden), (batch, hidden)))
    _load_blas()
    cdef int threads = _threads_for(batch, hidden), err
    cdef int saved[PYT_BLAS_MAX_LIBS]
    with nogil:
        pyt_blas_enter()
        if threads > 1:
            pyt_blas_serial_begin(saved)
        if acts._dtype.itemsize == 4:
            err = pyt_lstm_sequence_backward_f(
                _sgemm, <float*>acts._data, <float*>tanh_c._data, <float*>cs._data,
                <float*>w_hh._data, <float*>d_out._data, <float*>d_h._data, <float*>d_c._data,
                <float*>d_gx._data, <float*>dh0._data, <float*>dc0._data, steps, batch, hidden,
                reverse, threads)
        else:
            err = pyt_lstm_sequence_backward_d(
                _dgemm, <double*>acts._data, <double*>tanh_c._data, <double*>cs._data,
                <double*>w_hh._data, <double*>d_out._data, <double*>d_h._data,
                <double*>d_c._data, <double*>d_gx._data, <double*>dh0._data,
                <double*>dc0._data, steps, batch, hidden, reverse, threads)
        if threads > 1:
            pyt_blas_serial_end(saved)
        pyt_blas_exit()
    if err:
        raise MemoryError("lstm_sequence_backward: out of memory")
