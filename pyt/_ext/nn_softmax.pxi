# softmax and log_softmax along any dim, and their gradients. The tensor is seen as
# [outer, n, inner] around the dim; the kernels (include/pyt_softmax.h) subtract the
# maximum before exp and accumulate in float32 for half types (which compute in float32).

cdef extern from "pyt_softmax.h":
    void pyt_softmax_f(const float* a, const float* b, float* out, Py_ssize_t outer,
                       Py_ssize_t n, Py_ssize_t inner, int log, int grad, int nthreads) nogil
    void pyt_softmax_d(const double* a, const double* b, double* out, Py_ssize_t outer,
                       Py_ssize_t n, Py_ssize_t inner, int log, int grad, int nthreads) nogil


cdef void _around(Tensor t, int d, Py_ssize_t* outer, Py_ssize_t* n, Py_ssize_t* inner) noexcept:
    cdef int i
    outer[0] = 1
    inner[0] = 1
    n[0] = t._shape[d] if t._ndim > 0 else 1
    for i in range(d):
        outer[0] *= t._shape[i]
    for i in range(d + 1, t._ndim):
        inner[0] *= t._shape[i]


cdef Tensor _softmax(object input, object dim, object dtype, bint log):
    cdef str op = "log_softmax" if log else "softmax"
    cdef Tensor x = _tensor_arg(input, "input", op)
    cdef Tensor y
    cdef Node node
    if dim is None:
        raise TypeError(f"{op}() missing required argument 'dim'")
    if dtype is not None:               # torch casts the input before the op (recorded)
        x = _to_dtype(x, _parse_dtype(dtype), False)
    if not _tracks(x):
        return _softmax_native(x, dim, log)
    set_grad_enabled_flag(False)
    try:
        y = _softmax_native(x, dim, log)
    finally:
        set_grad_enabled_flag(True)
    node = _record("LogSoftmaxBackward0" if log else "SoftmaxBackward0", _softmax_node_backward,
                   (x,), (y,))
    node.save_output(y)
    node.ctx = (wrap_dim(dim, x._ndim), log)
    return y


cdef tuple _softmax_node_backward(Node node, tuple grads):
    """From the output y: softmax y * (g - sum(g * y)), log_softmax g - exp(y) * sum(g),
    native at first order; recorded ops under create_graph (exp(y) of a log_softmax is
    softmax(y): equal values, and equal derivatives along the log_softmax's output)."""
    cdef int d
    d, log = node.ctx
    cdef Tensor y = node.saved_values()[0]
    cdef Tensor g = grads[0]
    if not grad_enabled():
        return (_softmax_backward(g, y, d, log),)
    if log:
        return (g - _softmax(y, d, None, False) * g.sum(d, keepdim=True),)
    return (y * (g - (g * y).sum(d, keepdim=True)),)


cdef Tensor _softmax_native(Tensor x, object dim, bint log):
    cdef str op = "log_softmax" if log else "softmax"
    cdef Tensor xc, out
    cdef Py_ssize_t outer, n, inner
    cdef int d, nt
    d = wrap_dim(dim, x._ndim)
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f'"{op}_lastdim_kernel_impl" not implemented for '
                                  f'\'{_type_name(x._dtype)}\'')
    if is_cuda(x):
        return _softmax_cuda(x, None, d, log)
    xc = _as(x, _compute_dtype(x._dtype))
    out = _new(_shape(x), xc._dtype, False)
    _around(x, d, &outer, &n, &inner)
    nt = num_threads()
    with nogil:
        if xc._dtype.code == PYT_FLOAT32:
            pyt_softmax_f(<float*>xc._data, NULL, <float*>out._data, outer, n, inner, log, 0, nt)
        else:
            pyt_softmax_d(<double*>xc._data, NULL, <double*>out._data, outer, n, inner, log, 0,
                          nt)
    return _cast(out, x._dtype)


cdef Tensor _softmax_backward(object grad_output, object output, object dim, bint log):
    cdef str op = "log_softmax_backward" if log else "softmax_backward"
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", op)
    cdef Tensor y = _tensor_arg(output, "output", op)
    cdef Tensor gc, yc, out
    cdef Py_ssize_t outer, n, inner
    cdef int d, nt
    if _shape(g) != _shape(y):
        raise RuntimeError(f"{op}: grad_output of size {_shape(g)} does not match output of "
                           f"size {_shape(y)}")
    d = wrap_dim(dim, y._ndim)
    if is_cuda(g) or is_cuda(y):
        if not g._dtype.is_floating_point or not y._dtype.is_floating_point:
            _float_input(g if not g._dtype.is_floating_point else y, op)    # torch's error
        return _softmax_cuda(y, g, d, log)
    gc = _float_input(g, op)
    yc = _as(_float_input(y, op), gc._dtype)
    out = _new(_shape(y), gc._dtype, False)
    _around(y, d, &outer, &n, &inner)
    nt = num_threads()
    with nogil:
        if gc._dtype.code == PYT_FLOAT32:
            pyt_softmax_f(<float*>gc._data, <float*>yc._data, <float*>out._data, outer, n,
                          inner, log, 1, nt)
        else:
            pyt_softmax_d(<double*>gc._data, <double*>yc._data, <double*>out._data, outer, n,
                          inner, log, 1, nt)
    return _cast(out, g._dtype)


cdef Tensor _softmax_cuda(Tensor y, Tensor g, int d, bint log):
    """softmax.cu: the forward of y (g None), or the gradient from the output y and the
    incoming gradient g, in their own dtype (half types accumulate in float32 there)."""
    cdef Tensor a, b = None, out
    cdef Py_ssize_t outer, n, inner
    cdef const void* pa
    cdef const void* pb = NULL
    cdef void* po
    cdef int rc, code
    if g is not None:
        if g._device is not y._device and g._device != y._device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                               f"at least two devices, {y._device} and {g._device}!")
        b = contiguous(g)
        a = contiguous(_cast(y, g._dtype))
    else:
        a = contiguous(y)
    code = a._dtype.code
    out = new_empty(a._ndim, a._shape, a._dtype, a._device, False)
    if out._numel == 0:
        return out
    _around(a, d, &outer, &n, &inner)
    pa = a._data
    po = out._data
    if b is not None:
        pb = b._data        # the kernel's a: the forward output; its b: the incoming gradient
    with nogil:
        rc = pyt_cuda_softmax(code, pa, pb, po, outer, n, inner, log, 1 if g is not None else 0)
    cuda_check(rc, "log_softmax" if log else "softmax")
    return out


def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along dim, computed stably (the maximum is subtracted first);
    dtype casts the input before the op."""
    return _softmax(input, dim, dtype, False)


def log_softmax(input, dim, dtype=None):
    """log(softmax(x)) along dim, as x - max - log(sum(exp(x - max)))."""
    return _softmax(input, dim, dtype, True)


cdef int _softmax_backward_dim(object grad_output, object output, object dim,
                               bint log) except -1:
    """The checks of _softmax_backward; returns the wrapped dim."""
    cdef str op = "log_softmax_backward" if log else "softmax_backward"
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", op)
    cdef Tensor y = _tensor_arg(output, "output", op)
    if _shape(g) != _shape(y):
        raise RuntimeError(f"{op}: grad_output of size {_shape(g)} does not match output of "
                           f"size {_shape(y)}")
    return wrap_dim(dim, y._ndim)


def softmax_backward(grad_output, output, dim):
    """Gradient of softmax from its output y: y * (g - sum(g * y, dim)) (recorded ops when
    its inputs need gradients)."""
    if _wants_grad((grad_output, output)):
        d = _softmax_backward_dim(grad_output, output, dim, False)
        return output * (grad_output - (grad_output * output).sum(d, keepdim=True))
    return _softmax_backward(grad_output, output, dim, False)


def log_softmax_backward(grad_output, output, dim):
    """Gradient of log_softmax from its output y: g - exp(y) * sum(g, dim)."""
    if _wants_grad((grad_output, output)):
        d = _softmax_backward_dim(grad_output, output, dim, True)
        return grad_output - output.exp() * grad_output.sum(d, keepdim=True)
    return _softmax_backward(grad_output, output, dim, True)


def _implicit_softmax_dim(int ndim):
    """The dim torch's softmax picks when none is given (deprecated there)."""
    return 0 if ndim in (0, 1, 3) else 1
