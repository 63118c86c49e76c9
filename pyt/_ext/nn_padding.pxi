# pad: constant padding (any dtype; negative pads crop) is a fill plus one strided copy
# between views. reflect / replicate / circular padding build, per padded dim, a map
# from output position to input position; a gather kernel follows the maps (moving
# elements by their size, so every dtype works) and the gradient scatter-adds along
# the same maps. On CUDA, resample.cu runs the gather and the gradient from the same maps.

ctypedef fused move_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t


cdef struct PadMaps:
    Py_ssize_t planes
    Py_ssize_t size[3]
    Py_ssize_t out[3]
    int64_t* map[3]                     # map[d][o]: the input index output o reads
    Py_ssize_t run_lo, run_hi           # outputs along the last dim that copy a
                                        # contiguous stretch of input (map[2][o] = o - pad)


cdef void _pad_plane(const move_t* x, move_t* y, const PadMaps* m) noexcept nogil:
    cdef Py_ssize_t o0, o1, o2, base, shift
    cdef const int64_t* last = m.map[2]
    shift = last[m.run_lo] - m.run_lo if m.run_hi > m.run_lo else 0
    for o0 in range(m.out[0]):
        for o1 in range(m.out[1]):
            base = (m.map[0][o0] * m.size[1] + m.map[1][o1]) * m.size[2]
            for o2 in range(m.run_lo):
                y[o2] = x[base + last[o2]]
            if m.run_hi > m.run_lo:     # the interior: one copy
                memcpy(y + m.run_lo, x + base + m.run_lo + shift,
                       (m.run_hi - m.run_lo) * sizeof(move_t))
            for o2 in range(m.run_hi, m.out[2]):
                y[o2] = x[base + last[o2]]
            y += m.out[2]


cdef void _pad_plane_grad(const real* g, real* gx, const PadMaps* m) noexcept nogil:
    cdef Py_ssize_t o0, o1, o2, base
    for o0 in range(m.out[0]):
        for o1 in range(m.out[1]):
            base = (m.map[0][o0] * m.size[1] + m.map[1][o1]) * m.size[2]
            for o2 in range(m.out[2]):
                gx[base + m.map[2][o2]] += g[0]
                g += 1


cdef void _pad_kernel(const move_t* x, move_t* y, const PadMaps* m) noexcept nogil:
    cdef Py_ssize_t n, inl = m.size[0] * m.size[1] * m.size[2]
    cdef Py_ssize_t outl = m.out[0] * m.out[1] * m.out[2]
    cdef int nt = _threads_for(m.planes * outl)
    if nt > 1 and m.planes > 1:
        for n in prange(m.planes, num_threads=nt, schedule="static"):
            _pad_plane(x + n * inl, y + n * outl, m)
    else:
        for n in range(m.planes):
            _pad_plane(x + n * inl, y + n * outl, m)


cdef void _pad_grad_kernel(const real* g, real* gx, const PadMaps* m) noexcept nogil:
    cdef Py_ssize_t n, inl = m.size[0] * m.size[1] * m.size[2]
    cdef Py_ssize_t outl = m.out[0] * m.out[1] * m.out[2]
    cdef int nt = _threads_for(m.planes * outl)
    if nt > 1 and m.planes > 1:
        for n in prange(m.planes, num_threads=nt, schedule="static"):
            _pad_plane_grad(g + n * outl, gx + n * inl, m)
    else:
        for n in range(m.planes):
            _pad_plane_grad(g + n * outl, gx + n * inl, m)


cdef list _pad_list(object pad, str op):
    try:
        values = list(pad)
    except TypeError:
        raise TypeError(f"{op}(): argument 'pad' must be tuple of ints, not "
                        f"{type(pad).__name__}") from None
    for v in values:
        if not _is_int(v):
            raise TypeError(f"{op}(): argument 'pad' must be tuple of ints, but found element "
                            f"of type {type(v).__name__}")
    return [int(v) for v in values]


cdef Tensor _window_view(Tensor t, list starts, list lengths):
    """The view of t starting at starts with sizes lengths (same strides)."""
    cdef Py_ssize_t offset = t._offset
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef int i
    for i in range(t._ndim):
        offset += starts[i] * t._strides[i]
        sizes[i] = lengths[i]
    return new_view(t, t._ndim, sizes, t._strides, offset)


cdef tuple _constant_windows(list in_shape, list pads):
    """Output shape and the matching windows (input starts, output starts, lengths)."""
    cdef int i, d, n = len(in_shape)
    out_shape = list(in_shape)
    in_start = [0] * n
    out_start = [0] * n
    length = list(in_shape)
    for i in range(len(pads) // 2):
        d = n - 1 - i
        lo = pads[2 * i]
        hi = pads[2 * i + 1]
        out_shape[d] = in_shape[d] + lo + hi
        if out_shape[d] < 0:
            raise RuntimeError(f"The input size {in_shape[d]}, plus negative padding {lo} and "
                               f"{hi} resulted in a negative output size, which is invalid. "
                               f"Check dimension {d} of your input.")
        in_start[d] = max(0, -lo)
        out_start[d] = max(0, lo)
        length[d] = max(0, in_shape[d] - max(0, -lo) - max(0, -hi))
    return out_shape, in_start, out_start, length


def constant_pad_nd(input, pad, value=0):
    """Pads the last len(pad) // 2 dims with value (pad = (left of last dim, right of
    last dim, left of the one before, ...)); negative pads crop. Its gradient is the
    opposite padding (a crop, or zeros where it cropped)."""
    cdef Tensor x = _tensor_arg(input, "input", "constant_pad_nd")
    if not _tracks(x):
        return _constant_pad(x, pad, value)
    pads = _pad_list(pad, "constant_pad_nd")
    return _linear(x, _bind(_constant_pad, (pads, value)), "ConstantPadNdBackward0",
                   _bind(_constant_pad, ([-v for v in pads], 0)), "ConstantPadNdBackward0",
                   _bind(_constant_pad, (pads, 0)))


def _constant_pad(Tensor x, pad, value):
    cdef Tensor out
    pads = _pad_list(pad, "constant_pad_nd")
    if len(pads) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pads)}")
    if len(pads) // 2 > x._ndim:
        raise RuntimeError(f"Length of pad should be no more than twice the number of "
                           f"dimensions of the input. Pad length is {len(pads)} while the "
                           f"input has {x._ndim} dimensions.")
    out_shape, in_start, out_start, length = _constant_windows(_shape(x), pads)
    if not x._dtype.is_floating_point and isinstance(value, float):
        value = bool(value) if x._dtype.code == PYT_BOOL else int(value)
    out = _new_on(out_shape, x._dtype, value == 0, x)
    if value != 0 and out._numel:
        fill_(out, value)
    if x._numel and out._numel:
        copy_into(_window_view(out, out_start, length), _window_view(x, in_start, length))
    return out


cdef int _pad_maps(PadMaps* m, list shape, list pads, str mode) except -1:
    """Index maps of reflect / replicate / circular padding of the last k dims (malloc'ed
    into m.map; the caller frees them)."""
    cdef int k = len(pads) // 2, i, d, j
    cdef Py_ssize_t o, src, n, lo, hi, keep
    m.map[0] = m.map[1] = m.map[2] = NULL
    m.planes = 1
    for s in shape[:len(shape) - k]:
        m.planes *= s
    for d in range(3):
        j = d - (3 - k)                 # index into the padded dims, first to last
        n = shape[len(shape) - k + j] if j >= 0 else 1
        i = k - 1 - j                   # pads come last dim first
        lo = pads[2 * i] if j >= 0 else 0
        hi = pads[2 * i + 1] if j >= 0 else 0
        m.size[d] = n
        m.out[d] = n + lo + hi
        m.map[d] = <int64_t*>_alloc(max(m.out[d], 1) * sizeof(int64_t))
        for o in range(m.out[d]):
            src = o - lo
            if mode == "reflect":
                if src < 0:
                    src = -src
                if src >= n:
                    src = 2 * (n - 1) - src
            elif mode == "replicate":
                src = 0 if src < 0 else (n - 1 if src >= n else src)
            else:                       # circular wraps within what negative pads keep
                keep = n + min(lo, 0) + min(hi, 0)
                src = max(-lo, 0) + (((o - max(lo, 0)) % keep) + keep) % keep
            if src < 0 or src >= n:         # unreachable after the checks; never read outside
                raise RuntimeError(f"pad: {mode} padding {pads} does not fit input {shape}")
            m.map[d][o] = src
    # the stretch of the last dim where the map steps by one
    m.run_lo = m.run_hi = 0
    o = 0
    while o < m.out[2]:
        j = o
        while j + 1 < m.out[2] and m.map[2][j + 1] == m.map[2][j] + 1:
            j += 1
        if j + 1 - o > m.run_hi - m.run_lo:
            m.run_lo, m.run_hi = o, j + 1
        o = j + 1
    return 0


cdef void _free_maps(PadMaps* m) noexcept:
    free(m.map[0])
    free(m.map[1])
    free(m.map[2])


cdef int _check_pad_mode(list shape, list pads, str mode) except -1:
    cdef int k = len(pads) // 2, nd = len(shape), i, d
    if k > 3 or k == 0 or (nd != k + 1 and nd != k + 2):
        raise NotImplementedError(f"Padding size {len(pads)} is not supported for {nd}D "
                                  f"input tensor.")
    for d in range(1 if nd == k + 2 else 0, nd):
        if shape[d] == 0:
            words = ("2D or 3D", "3D or 4D", "4D or 5D")[k - 1]
            raise RuntimeError(f"Expected {words} (batch mode) tensor with possibly 0 batch "
                               f"size and other non-zero dimensions for input, but got: "
                               f"{shape}")
    for i in range(k):
        d = nd - 1 - i
        lo = pads[2 * i]
        hi = pads[2 * i + 1]
        if mode == "reflect" and not (-shape[d] < lo < shape[d] and -shape[d] < hi < shape[d]):
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"at dimension {d} of input {shape}")
        if mode == "circular" and (lo > shape[d] or hi > shape[d]):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "circular" and shape[d] + min(lo, 0) + min(hi, 0) < 1:
            raise RuntimeError(f"Negative padding ({lo}, {hi}) leaves nothing of dimension {d} "
                               f"of input {shape} to wrap around")
        if shape[d] + lo + hi < 1:
            raise RuntimeError(f"input (size {shape[d]} at dimension {d}) is too small. "
                               f"Calculated output size: {shape[d] + lo + hi}")
    return 0


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: mode 'constant' (any dims, any dtype), 'reflect',
    'replicate' or 'circular' (the last 1-3 dims of a batched or unbatched input)."""
    cdef Tensor x = _tensor_arg(input, "input", "pad")
    pads = _pad_list(pad, "pad")
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) // 2 > x._ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pads)} and input of "
                           f"dimension {x._ndim}")
    if mode == "constant":
        return constant_pad_nd(x, pads, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    _check_pad_mode(_shape(x), pads, mode)
    if not _tracks(x):
        return _pad_gather(x, pads, mode)
    name = _pad_name(mode, len(pads) // 2)
    return _linear(x, _bind(_pad_gather, (pads, mode)), name,
                   _bind(_pad_scatter, (_shape(x), pads, mode)), _twice(name))


cdef str _pad_name(str mode, int k):
    if mode == "reflect":
        return f"ReflectionPad{k}DBackward0"
    if mode == "replicate":
        return f"ReplicationPad{k}DBackward0"
    return "CopySlices"                 # torch builds circular padding from slice copies


cdef int _cuda_pad(int grad, Tensor x, Tensor y, const PadMaps* m) except -1:
    """resample.cu's pad (grad 0: y = x gathered) or its gradient (grad 1: x the output
    gradient, y the input gradient) along m's maps."""
    cdef int64_t size[3]
    cdef int64_t outs[3]
    cdef int64_t* maps
    cdef Py_ssize_t at = 0
    cdef int d, rc
    for d in range(3):
        size[d] = m.size[d]
        outs[d] = m.out[d]
    maps = <int64_t*>_alloc((m.out[0] + m.out[1] + m.out[2]) * sizeof(int64_t))
    for d in range(3):
        memcpy(maps + at, m.map[d], m.out[d] * sizeof(int64_t))
        at += m.out[d]
    try:
        with nogil:
            rc = pyt_cuda_pad(grad, x._dtype.code, x._data, y._data, m.planes, size, outs, maps)
        cuda_check(rc, "pad_backward" if grad else "pad")
    finally:
        free(maps)
    return 0


def _pad_index_maps(shape, pad, str mode):
    """The maps reflect / replicate / circular padding reads through (as 3 lists, one
    per dim of the plane, unused leading dims of size 1): for the host checks of the
    GPU's index math."""
    cdef PadMaps m
    shape = [int(s) for s in shape]
    pads = _pad_list(pad, "pad")
    _check_pad_mode(shape, pads, mode)
    try:
        _pad_maps(&m, shape, pads, mode)
        return (m.planes, [m.size[d] for d in range(3)], [m.out[d] for d in range(3)],
                [[m.map[d][o] for o in range(m.out[d])] for d in range(3)])
    finally:
        _free_maps(&m)


def _pad_gather(Tensor x, list pads, str mode):
    """reflect / replicate / circular padding of x (checked)."""
    cdef Tensor xc = contiguous(x)
    cdef Tensor out
    cdef PadMaps m
    try:
        _pad_maps(&m, _shape(x), pads, mode)
        out = _new_on(_shape(x)[:x._ndim - len(pads) // 2] +
                      [m.out[3 - len(pads) // 2 + i] for i in range(len(pads) // 2)],
                      x._dtype, False, x)
        if is_cuda(xc):
            _cuda_pad(0, xc, out, &m)
            return out
        with nogil:
            if xc._dtype.itemsize == 1:
                _pad_kernel(<uint8_t*>xc._data, <uint8_t*>out._data, &m)
            elif xc._dtype.itemsize == 2:
                _pad_kernel(<uint16_t*>xc._data, <uint16_t*>out._data, &m)
            elif xc._dtype.itemsize == 4:
                _pad_kernel(<uint32_t*>xc._data, <uint32_t*>out._data, &m)
            else:
                _pad_kernel(<uint64_t*>xc._data, <uint64_t*>out._data, &m)
    finally:
        _free_maps(&m)
    return out


def pad_backward(grad_output, input_shape, pad, mode="constant"):
    """Gradient of pad for its input: the padded gradient cut back to input_shape; for
    reflect / replicate / circular, the gradients of the copies summed onto their
    sources. Recorded when grad_output needs a gradient."""
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "pad_backward")
    shape = [int(s) for s in input_shape]
    pads = _pad_list(pad, "pad_backward")
    if len(pads) % 2 or len(pads) // 2 > len(shape):
        raise RuntimeError(f"pad_backward: invalid padding {pads} for input of size {shape}")
    if mode == "constant":
        out_shape = _constant_windows(shape, pads)[0]
        if _shape(g) != out_shape:
            raise RuntimeError(f"pad_backward: expected grad_output of size {out_shape}, but "
                               f"got {_shape(g)}")
        return _linear(g, _bind(_constant_pad, ([-v for v in pads], 0)),
                       "ConstantPadNdBackward0", _bind(_constant_pad, (pads, 0)),
                       "ConstantPadNdBackward0")
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    _check_pad_mode(shape, pads, mode)
    name = _pad_name(mode, len(pads) // 2)
    return _linear(g, _bind(_pad_scatter, (shape, pads, mode)), _twice(name),
                   _bind(_pad_gather, (pads, mode)), name)


def _pad_scatter(Tensor g, list shape, list pads, str mode):
    """The adjoint of _pad_gather: g's values summed onto the positions they copy."""
    cdef Tensor gc = _float_input(g, "pad_backward")
    cdef Tensor gi
    cdef PadMaps m
    try:
        _pad_maps(&m, shape, pads, mode)
        expected = shape[:len(shape) - len(pads) // 2] + \
            [m.out[3 - len(pads) // 2 + i] for i in range(len(pads) // 2)]
        if _shape(g) != expected:
            raise RuntimeError(f"pad_backward: expected grad_output of size {expected}, but "
                               f"got {_shape(g)}")
        if is_cuda(gc):
            gi = _new_on(shape, gc._dtype, False, gc)
            _cuda_pad(1, gc, gi, &m)
            return _cast(gi, g._dtype)
        gi = _new(shape, gc._dtype, True)
        with nogil:
            if gc._dtype.code == PYT_FLOAT32:
                _pad_grad_kernel(<float*>gc._data, <float*>gi._data, &m)
            else:
                _pad_grad_kernel(<double*>gc._data, <double*>gi._data, &m)
    finally:
        _free_maps(&m)
    return _cast(gi, g._dtype)
