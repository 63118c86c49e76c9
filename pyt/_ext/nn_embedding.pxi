# Embedding lookup and its gradient (an index_add into a zero weight gradient), and
# dropout.
#
# Dropout draws its mask from pyt's generator through one small interface: a float32
# tensor of uniform [0, 1) values, `u = empty(shape).uniform_(0, 1, generator=...)`,
# and keeps an element when u >= p (probability 1 - p), scaling it by 1 / (1 - p).


# ----- embedding ----------------------------------------------------------------------------

cdef Tensor _indices_arg(object indices, str op):
    cdef Tensor idx = _tensor_arg(indices, "indices", op)
    if idx._dtype.code != PYT_INT64 and idx._dtype.code != PYT_INT32:
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got "
                           f"pyt.{_type_name(idx._dtype)}Tensor instead (while checking "
                           f"arguments for {op})")
    return contiguous(_to_dtype(idx, _i64, False))


cdef int _check_index_range(Tensor idx, Py_ssize_t n) except -1:
    cdef const int64_t* p = <int64_t*>idx._data
    cdef Py_ssize_t i
    cdef bint bad = False
    with nogil:
        for i in range(idx._numel):
            if p[i] < 0 or p[i] >= n:
                bad = True
                break
    if bad:
        raise IndexError("index out of range in self")
    return 0


cdef void _gather_rows(const char* w, const int64_t* idx, char* out, Py_ssize_t n,
                       Py_ssize_t row_bytes) noexcept nogil:
    cdef Py_ssize_t i
    cdef int nt = _threads_for(n * row_bytes // 4)
    if nt > 1 and n > 1:
        for i in prange(n, num_threads=nt, schedule="static"):
            memcpy(out + i * row_bytes, w + idx[i] * row_bytes, row_bytes)
    else:
        for i in range(n):
            memcpy(out + i * row_bytes, w + idx[i] * row_bytes, row_bytes)


cdef void _embedding_renorm(real* w, const int64_t* idx, Py_ssize_t n, Py_ssize_t D,
                            double max_norm, double norm_type, uint8_t* seen) noexcept nogil:
    """Rows of w named by idx whose norm exceeds max_norm are scaled down to it, in place
    (each row once, however often idx names it; seen: one zeroed flag per row)."""
    cdef Py_ssize_t i, j
    cdef double norm, scale, a
    cdef real* row
    for i in range(n):
        if seen[idx[i]]:
            continue
        seen[idx[i]] = 1
        row = w + idx[i] * D
        norm = INFINITY if norm_type == -INFINITY else 0
        for j in range(D):
            a = fabs(row[j])
            if norm_type == 1:
                norm += a
            elif norm_type == 2:
                norm += row[j] * row[j]
            elif norm_type == INFINITY:         # the largest |x| (nan wins, as amax)
                if a > norm or a != a:
                    norm = a
            elif norm_type == -INFINITY:        # the smallest |x|
                if a < norm or a != a:
                    norm = a
            elif norm_type == 0:                # how many are not zero
                norm += a != 0
            else:
                norm += c_pow(a, norm_type)
        if norm_type == 2:
            norm = sqrt(norm)
        elif norm_type != 1 and norm_type != 0 and norm_type != INFINITY \
                and norm_type != -INFINITY:
            norm = c_pow(norm, 1.0 / norm_type)
        if norm > max_norm:
            scale = max_norm / (norm + 1e-7)
            for j in range(D):
                row[j] = <real>(row[j] * scale)


cdef Tensor _embedding(Tensor weight, object indices, Py_ssize_t padding_idx, object max_norm,
                       double norm_type):
    cdef Tensor idx = _indices_arg(indices, "embedding")
    cdef Tensor w, out, wc, seen
    cdef Py_ssize_t D
    cdef double norm_max
    if weight._ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if is_cuda(weight) or is_cuda(idx):
        if max_norm is not None:
            _same_device2("embedding", weight, idx)
            _embedding_renorm_by_ops(weight, idx, max_norm, norm_type)
        return _embedding_cuda(weight, idx)
    _check_index_range(idx, weight._shape[0])
    D = weight._shape[1]
    if max_norm is not None:                # torch renormalises the weight in place
        if not weight._dtype.is_floating_point:
            raise RuntimeError("embedding_renorm_: expected a floating weight")
        wc = _as(weight, _compute_dtype(weight._dtype))
        norm_max = max_norm
        seen = _new([weight._shape[0]], _u8, True)
        with nogil:
            if wc._dtype.code == PYT_FLOAT32:
                _embedding_renorm(<float*>wc._data, <int64_t*>idx._data, idx._numel, D,
                                  norm_max, norm_type, <uint8_t*>seen._data)
            else:
                _embedding_renorm(<double*>wc._data, <int64_t*>idx._data, idx._numel, D,
                                  norm_max, norm_type, <uint8_t*>seen._data)
        if wc._data != weight._data:
            copy_into(weight, wc)
    w = contiguous(weight)
    out = _new(_shape(idx) + [D], w._dtype, False)
    with nogil:
        _gather_rows(w._data, <int64_t*>idx._data, out._data, idx._numel, D * w._dtype.itemsize)
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of weight [num_embeddings, dim] picked by the int64/int32 indices in input
    (torch.nn.functional.embedding). padding_idx only matters to the gradient; max_norm
    renormalises the picked rows of weight in place."""
    _norm_devices("embedding", (input, weight))
    cdef Tensor w = _tensor_arg(weight, "weight", "embedding")
    if padding_idx is not None and w._ndim == 2:
        if padding_idx > 0:
            if padding_idx >= w._shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -w._shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
    if padding_idx is not None and padding_idx < 0 and w._ndim == 2:
        padding_idx += w._shape[0]
    return _embedding_op(w, input, padding_idx, max_norm, norm_type, scale_grad_by_freq)


def _embedding_top(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding's signature (weight first; padding_idx -1 means none)."""
    _norm_devices("embedding", (weight, indices))
    return _embedding_op(_tensor_arg(weight, "weight", "embedding"), indices,
                         padding_idx if padding_idx is not None and padding_idx >= 0 else None,
                         None, 2.0, scale_grad_by_freq)


cdef Tensor _embedding_op(Tensor weight, object indices, object padding_idx, object max_norm,
                          double norm_type, bint scale_grad_by_freq):
    """embedding, recorded: the weight's gradient is embedding_backward (padding_idx, a
    row number or None, gets none)."""
    cdef Tensor out, idx
    if not _wants_grad((weight,)):
        return _embedding(weight, indices, -1, max_norm, norm_type)
    set_grad_enabled_flag(False)
    try:
        out = _embedding(weight, indices, -1, max_norm, norm_type)
        idx = _indices_arg(indices, "embedding")
    finally:
        set_grad_enabled_flag(True)
    args = (idx, weight._shape[0], padding_idx, scale_grad_by_freq)
    return _record_linear(weight, out, "EmbeddingBackward0", _bind(_embedding_grad, args),
                          "EmbeddingBackwardBackward0", _bind(_embedding_rows, args))


def _embedding_rows(Tensor t, Tensor idx, Py_ssize_t num_weights, padding_idx,
                    bint scale_grad_by_freq):
    """The adjoint of embedding_backward: t's rows at idx, zero at padding_idx and divided
    by each index's count when scale_grad_by_freq."""
    cdef Tensor rows = _embedding(t, idx, -1, None, 2.0)
    cdef Tensor f, counts
    cdef const int64_t* ip = <int64_t*>idx._data
    cdef double* fp
    cdef int64_t* cp = NULL
    cdef Py_ssize_t i, pad = -1 if padding_idx is None else padding_idx
    if pad < 0 and not scale_grad_by_freq:
        return rows
    if is_cuda(t) or is_cuda(idx):
        return rows * _cast(_embedding_factors_cuda(idx, num_weights, pad, scale_grad_by_freq,
                                                    t._device), t._dtype)
    f = _new(_shape(idx) + [1], _f64, False)
    fp = <double*>f._data
    if scale_grad_by_freq:
        counts = _new([num_weights], _i64, True)
        cp = <int64_t*>counts._data
        for i in range(idx._numel):
            cp[ip[i]] += 1
    for i in range(idx._numel):
        fp[i] = 0.0 if ip[i] == pad else (1.0 / cp[ip[i]] if scale_grad_by_freq else 1.0)
    return rows * _cast(f, t._dtype)


cdef void _index_add_rows(const real* g, const int64_t* idx, real* gw, Py_ssize_t n,
                          Py_ssize_t D, Py_ssize_t padding_idx,
                          const int64_t* counts) noexcept nogil:
    """gw[idx[i]] += g[i] / counts[idx[i]] (counts may be NULL), skipping padding_idx; in
    index order, so the result does not depend on threads. Parallel over columns."""
    cdef Py_ssize_t i, j, j0, block = 256
    cdef int nt = _threads_for(n * D)
    cdef Py_ssize_t nblocks = (D + block - 1) // block
    if nt > 1 and nblocks > 1:
        for j0 in prange(nblocks, num_threads=nt, schedule="static"):
            _index_add_block(g, idx, gw, n, D, padding_idx, counts, j0 * block,
                             min(D, (j0 + 1) * block))
    else:
        _index_add_block(g, idx, gw, n, D, padding_idx, counts, 0, D)


cdef void _index_add_block(const real* g, const int64_t* idx, real* gw, Py_ssize_t n,
                           Py_ssize_t D, Py_ssize_t padding_idx, const int64_t* counts,
                           Py_ssize_t j_lo, Py_ssize_t j_hi) noexcept nogil:
    cdef Py_ssize_t i, j
    cdef real scale
    cdef real* row
    cdef const real* src
    for i in range(n):
        if idx[i] == padding_idx:
            continue
        row = gw + idx[i] * D
        src = g + i * D
        if counts != NULL:
            scale = <real>1 / counts[idx[i]]
            for j in range(j_lo, j_hi):
                row[j] += src[j] * scale
        else:
            for j in range(j_lo, j_hi):
                row[j] += src[j]


def embedding_backward(grad_output, indices, Py_ssize_t num_weights, padding_idx=None,
                       bint scale_grad_by_freq=False):
    """Gradient of embedding for the weight: grad_output rows [*indices.shape, dim] summed
    into a zero [num_weights, dim] tensor at their indices. Rows at padding_idx (None:
    no padding row; negative counts from the end) get nothing; scale_grad_by_freq
    divides by how often each index occurs. Recorded when grad_output needs a gradient."""
    _norm_devices("embedding_backward", (grad_output, indices))
    cdef Tensor idx
    if not _wants_grad((grad_output,)):
        return _embedding_grad(grad_output, indices, num_weights, padding_idx,
                               scale_grad_by_freq)
    idx = _indices_arg(indices, "embedding_backward")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num_weights
    args = (idx, num_weights, padding_idx, scale_grad_by_freq)
    return _linear(grad_output, _bind(_embedding_grad, args), "EmbeddingBackwardBackward0",
                   _bind(_embedding_rows, args), "EmbeddingBackward0")


def _embedding_grad(grad_output, indices, Py_ssize_t num_weights, padding_idx,
                    bint scale_grad_by_freq):
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "embedding_backward")
    cdef Tensor idx = _indices_arg(indices, "embedding_backward")
    cdef Tensor gc, gw, counts = None
    cdef Py_ssize_t D, pad = -1, i
    cdef int64_t* ip
    cdef int64_t* cp
    if g._ndim != idx._ndim + 1 or _shape(g)[:idx._ndim] != _shape(idx):
        raise RuntimeError(f"embedding_backward: grad_output of size {_shape(g)} does not fit "
                           f"indices of size {_shape(idx)}")
    if padding_idx is not None:
        pad = padding_idx if padding_idx >= 0 else padding_idx + num_weights
        if pad < 0 or pad >= num_weights:
            raise AssertionError("Padding_idx must be within num_embeddings")
    if is_cuda(g) or is_cuda(idx):
        return _embedding_grad_cuda(g, idx, num_weights, pad, scale_grad_by_freq)
    _check_index_range(idx, num_weights)
    D = g._shape[g._ndim - 1]
    gc = _float_input(g, "embedding_backward")
    gw = _new([num_weights, D], gc._dtype, True)
    if scale_grad_by_freq:
        counts = _new([num_weights], _i64, True)
        ip = <int64_t*>idx._data
        cp = <int64_t*>counts._data
        for i in range(idx._numel):
            cp[ip[i]] += 1
    with nogil:
        if gc._dtype.code == PYT_FLOAT32:
            _index_add_rows(<float*>gc._data, <int64_t*>idx._data, <float*>gw._data,
                            idx._numel, D, pad, <int64_t*>_ptr(counts))
        else:
            _index_add_rows(<double*>gc._data, <int64_t*>idx._data, <double*>gw._data,
                            idx._numel, D, pad, <int64_t*>_ptr(counts))
    return _cast(gw, g._dtype)


cdef int _same_device2(str what, Tensor a, Tensor b) except -1:
    if a._device is not b._device and a._device != b._device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                           f"least two devices, {a._device} and {b._device}! (in {what})")
    return 0


cdef Tensor _embedding_cuda(Tensor weight, Tensor idx):
    """The rows of a CUDA weight at the (int64, contiguous) indices: index_select's gather
    on the device (which checks the indices' range)."""
    _same_device2("embedding", weight, idx)
    cdef list shape = _shape(idx) + [weight._shape[1]]
    return weight.index_select(0, idx.reshape(-1)).reshape(shape)


def _embedding_renorm_by_ops(Tensor weight, Tensor idx, double max_norm, double norm_type):
    """_embedding_renorm composed of device-generic tensor ops (the CUDA path; the CPU
    runs it in tests against the kernel): each row named by idx once (unique), its norm in
    double with the kernel's terms added in the kernel's order (a cumsum walks the row as
    the kernel does, where a sum may pair the terms otherwise), the rows over max_norm
    scaled by max_norm / (norm + 1e-7) in double, rounded through the kernel's compute
    dtype, and written back in place without autograd. Out-of-range indices fail in
    index_select before anything is written."""
    import pyt
    cdef Py_ssize_t D = weight._shape[1]
    if not weight._dtype.is_floating_point:
        raise RuntimeError("embedding_renorm_: expected a floating weight")
    if idx._numel == 0 or D == 0:
        return
    rows = pyt.unique(idx.reshape(-1))
    with pyt.no_grad():
        wc = weight.index_select(0, rows).to(_compute_dtype(weight._dtype))
        w = wc.to(pyt.float64)                                  # exact
        a = w.abs()
        if norm_type == INFINITY:
            norm = a.amax(1)
        elif norm_type == -INFINITY:
            norm = a.amin(1)
        else:
            if norm_type == 1:
                terms = a
            elif norm_type == 2:
                terms = (wc * wc).to(pyt.float64)               # squared in the compute dtype
            elif norm_type == 0:
                terms = (a != 0).to(pyt.float64)
            else:
                terms = a.pow(norm_type)
            norm = terms.cumsum(1).select(1, D - 1)
            if norm_type == 2:
                norm = norm.sqrt()
            elif norm_type != 1 and norm_type != 0:
                norm = norm.pow(1.0 / norm_type)
        scale = pyt.where(norm > max_norm, max_norm / (norm + 1e-7), 1.0)   # 1: unchanged
        scaled = (w * scale.unsqueeze(1)).to(wc.dtype).to(weight.dtype)
        weight.index_copy_(0, rows, scaled)


cdef Tensor _embedding_factors_cuda(Tensor idx, Py_ssize_t num_weights, Py_ssize_t pad,
                                    bint scale_grad_by_freq, object dev):
    """_embedding_rows's factors on the device: [*idx.shape, 1] float64, 0 at padding_idx,
    1 / (count of the index) when scale_grad_by_freq, else 1."""
    import pyt
    cdef Tensor flat = idx.reshape(-1)
    if flat._device is not dev and flat._device != dev:
        flat = flat.to(dev)
    f = pyt.ones(flat._numel, dtype=pyt.float64, device=dev)
    if scale_grad_by_freq:
        counts = pyt.zeros(num_weights, dtype=pyt.int64, device=dev)
        counts.index_add_(0, flat, pyt.ones_like(flat))
        f = 1.0 / counts.index_select(0, flat).to(pyt.float64)
    if pad >= 0:
        f = pyt.where(flat == pad, 0.0, f)
    return f.reshape(_shape(idx) + [1])


cdef Tensor _embedding_grad_cuda(Tensor g, Tensor idx, Py_ssize_t num_weights,
                                 Py_ssize_t pad, bint scale_grad_by_freq):
    """embedding_backward on the device: the grad rows (zero at padding_idx, divided by
    their index's count when scale_grad_by_freq) index_add'ed (atomically) into zeros,
    in the CPU's compute dtype (float16 and bfloat16 sum in float32)."""
    import pyt
    _same_device2("embedding_backward", g, idx)
    cdef Py_ssize_t D = g._shape[g._ndim - 1]
    cdef Tensor gc = _float_input(g, "embedding_backward")
    cdef Tensor flat = idx.reshape(-1)
    src = gc.reshape(idx._numel, D)
    if scale_grad_by_freq:              # the CPU's (real)1 / count, in the compute dtype
        counts = pyt.zeros(num_weights, dtype=pyt.int64, device=g.device)
        counts.index_add_(0, flat, pyt.ones_like(flat))
        src = src * (1.0 / counts.index_select(0, flat).to(gc.dtype)).unsqueeze(1)
    if pad >= 0:
        src = pyt.where((flat != pad).unsqueeze(1), src, 0.0)
    gw = pyt.zeros(num_weights, D, dtype=gc.dtype, device=g.device)
    gw.index_add_(0, flat, src)
    return _cast(gw, g._dtype)


# ----- dropout ------------------------------------------------------------------------------

cdef Tensor _uniform(list shape, object generator):
    """float32 uniform [0, 1) values from pyt's generator."""
    cdef Tensor u = _new(shape, _f32, False)
    try:
        u.uniform_(0.0, 1.0, generator=generator)
    except NotImplementedError:
        raise NotImplementedError("dropout needs pyt's random generator (Tensor.uniform_), "
                                  "which this build does not have") from None
    return u


cdef void _dropout_kernel(const real* x, const float* u, real* y, uint8_t* mask,
                          Py_ssize_t n, float p, real scale) noexcept nogil:
    cdef Py_ssize_t i
    cdef bint keep
    for i in range(n):
        keep = u[i] >= p
        y[i] = x[i] * scale if keep else 0
        if mask != NULL:
            mask[i] = keep


def native_dropout(input, double p, train, generator=None):
    """(output, mask): output = input * mask / (1 - p) with mask true with probability
    1 - p (torch.native_dropout). Not training: (input, all-true mask)."""
    cdef Tensor x = _tensor_arg(input, "input", "dropout")
    cdef Tensor mask
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_type_name(x._dtype)}")
    if train is False or train is None:
        if is_cuda(x):
            return x, fill_(new_empty(x._ndim, x._shape, _bool, x._device, False), True)
        mask = _new(_shape(x), _bool, False)
        memset(mask._data, 1, mask._numel)
        return x, mask
    return _dropout_recorded(x, p, _uniform(_shape(x), generator), "NativeDropoutBackward0")


cdef tuple _dropout_recorded(Tensor x, double p, Tensor u, str name):
    """_dropout_with, recorded: the gradient is grad * mask / (1 - p)."""
    cdef Tensor y, mask
    if not _tracks(x):
        return _dropout_with(x, p, u)
    y, mask = _untracked(_dropout_with, (x, p, u))
    scale = _bind(_dropout_scale, (mask, 1.0 / (1.0 - p) if p < 1 else 0.0))
    _record_linear(x, y, name, scale, _twice(name), scale)
    return y, mask


def _dropout_with(Tensor x, double p, Tensor u):
    """native_dropout's output and mask for the given float32 uniform values u."""
    cdef Tensor xc = _float_input(x, "dropout")
    cdef Tensor y, mask
    cdef double scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    if is_cuda(x):
        return _dropout_cuda(x, xc, p, u, scale)
    y = _new(_shape(x), xc._dtype, False)
    mask = _new(_shape(x), _bool, False)
    u = _as(u, _f32)
    if u._numel != x._numel:
        raise RuntimeError("dropout: the uniform values do not match the input")
    with nogil:
        if xc._dtype.code == PYT_FLOAT32:
            _dropout_kernel(<float*>xc._data, <float*>u._data, <float*>y._data,
                            <uint8_t*>mask._data, xc._numel, <float>p, <float>scale)
        else:
            _dropout_kernel(<double*>xc._data, <float*>u._data, <double*>y._data,
                            <uint8_t*>mask._data, xc._numel, <float>p, scale)
    return _cast(y, x._dtype), mask


cdef tuple _dropout_cuda(Tensor x, Tensor xc, double p, Tensor u, double scale):
    """_dropout_with for a CUDA x, from pointwise ops: the uniform values (drawn on the
    CPU, so a seed drops the same elements on both devices) go to the device, and the
    comparisons and products round as the CPU kernel's do (p in float32, the scale in
    the compute dtype)."""
    import pyt
    if u._numel != x._numel:
        raise RuntimeError("dropout: the uniform values do not match the input")
    u = _as(u, _f32).to(x.device).reshape(_shape(x))
    cdef Tensor mask = u >= <double><float>p
    s = <double><float>scale if xc._dtype.code == PYT_FLOAT32 else scale
    cdef Tensor y = pyt.where(mask, xc * s, 0.0)
    return _cast(y, x._dtype), mask


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """torch.nn.functional.dropout: zeroes elements with probability p and scales the
    rest by 1 / (1 - p); the input itself when not training or p == 0."""
    cdef Tensor x = _tensor_arg(input, "input", "dropout")
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return x
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_type_name(x._dtype)}")
    y = _dropout_recorded(x, p, _uniform(_shape(x), generator), "MulBackward0")[0]
    if inplace:
        if (<Tensor>y)._requires_grad:
            return _inplace_result(x, y)
        copy_into(x, y)
        return x
    return y


def _dropout_top(input, p, train):
    """torch.dropout's signature (the top-level pyt.dropout)."""
    cdef Tensor x
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train or p == 0:
        return input
    x = _tensor_arg(input, "input", "dropout")
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_type_name(x._dtype)}")
    return _dropout_recorded(x, p, _uniform(_shape(x), None), "MulBackward0")[0]


def dropout_backward(grad_output, mask, double scale):
    """Gradient of dropout: grad_output * mask * scale (torch.native_dropout_backward)."""
    if not _wants_grad((grad_output,)):
        return _dropout_scale(grad_output, mask, scale)
    fn = _bind(_dropout_scale, (mask, scale))
    return _linear(grad_output, fn, "NativeDropoutBackwardBackward0", fn,
                   "NativeDropoutBackward0")


def _dropout_scale(grad_output, mask, double scale):
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "dropout_backward")
    cdef Tensor m = _tensor_arg(mask, "mask", "dropout_backward")
    cdef Tensor gc, mc, out
    cdef Py_ssize_t i
    if _shape(g) != _shape(m):
        raise RuntimeError(f"dropout_backward: mask of size {_shape(m)} does not match "
                           f"grad_output of size {_shape(g)}")
    gc = _float_input(g, "dropout_backward")
    if is_cuda(g) or is_cuda(m):
        import pyt
        s = <double><float>scale if gc._dtype.code == PYT_FLOAT32 else scale
        return _cast(pyt.where(_as(m, _bool), gc * s, 0.0), g._dtype)
    mc = _as(m, _bool)
    out = _new(_shape(g), gc._dtype, False)
    with nogil:
        for i in range(gc._numel):
            if gc._dtype.code == PYT_FLOAT32:
                (<float*>out._data)[i] = (<float*>gc._data)[i] * <float>scale if (<uint8_t*>mc._data)[i] else 0
            else:
                (<double*>out._data)[i] = (<double*>gc._data)[i] * scale if (<uint8_t*>mc._data)[i] else 0
    return _cast(out, g._dtype)
