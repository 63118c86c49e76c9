# Pooling over 1-3 spatial dims: max (with indices, dilation, ceil_mode), average
# (count_include_pad, divisor_override), adaptive average / max, max_unpool, and the
# gradients. Every kernel works on one "plane" (a sample's channel) at a time, with
# 1-D and 2-D pooling seen as 3-D with leading sizes of 1, and runs in parallel over
# the planes. Indices are flat positions inside a plane, as torch's are.

ctypedef fused pool_t:
    float
    double
    int64_t
    int32_t
    int16_t
    int8_t
    uint8_t


cdef struct PoolGeom:
    Py_ssize_t planes
    Py_ssize_t size[3]
    Py_ssize_t out[3]
    Py_ssize_t k[3]
    Py_ssize_t stride[3]
    Py_ssize_t pad[3]
    Py_ssize_t dil[3]
    bint count_include_pad
    Py_ssize_t divisor                  # divisor_override, 0 when not given


cdef inline Py_ssize_t _plane_len(const Py_ssize_t* s) noexcept nogil:
    return s[0] * s[1] * s[2]


cdef inline void _window(Py_ssize_t o, Py_ssize_t stride, Py_ssize_t pad, Py_ssize_t dil,
                         Py_ssize_t k, Py_ssize_t size, Py_ssize_t* start,
                         Py_ssize_t* k_lo, Py_ssize_t* k_hi) noexcept nogil:
    """Output o's window: input start + j * dil for j in [k_lo, k_hi) lie in [0, size)."""
    cdef Py_ssize_t s = o * stride - pad
    start[0] = s
    k_lo[0] = 0 if s >= 0 else (-s + dil - 1) // dil
    k_hi[0] = k if s + (k - 1) * dil < size else (size - s + dil - 1) // dil
    if k_hi[0] < k_lo[0]:
        k_hi[0] = k_lo[0]


cdef inline pool_t _lowest(const pool_t* like) noexcept nogil:
    """The max of an empty window (dilation can put all its taps in the padding): the type's
    lowest value, as torch gives; the window's index stays -1 and its gradient goes nowhere."""
    if pool_t is float or pool_t is double:
        return -INFINITY
    elif pool_t is int64_t:
        return -0x7fffffffffffffff - 1
    elif pool_t is int32_t:
        return -0x7fffffff - 1
    elif pool_t is int16_t:
        return -0x8000
    elif pool_t is int8_t:
        return -0x80
    else:
        return 0


cdef void _max_pool_plane(const pool_t* x, pool_t* y, int64_t* idx,
                          const PoolGeom* g) noexcept nogil:
    cdef Py_ssize_t o0, o1, o2, j0, j1, j2, i0, i1, i, best_i, o = 0
    cdef Py_ssize_t s0, s1, s2, lo0, hi0, lo1, hi1, lo2, hi2
    cdef pool_t v, best
    for o0 in range(g.out[0]):
        _window(o0, g.stride[0], g.pad[0], g.dil[0], g.k[0], g.size[0], &s0, &lo0, &hi0)
        for o1 in range(g.out[1]):
            _window(o1, g.stride[1], g.pad[1], g.dil[1], g.k[1], g.size[1], &s1, &lo1, &hi1)
            for o2 in range(g.out[2]):
                _window(o2, g.stride[2], g.pad[2], g.dil[2], g.k[2], g.size[2], &s2, &lo2,
                        &hi2)
                best_i = -1
                best = 0
                for j0 in range(lo0, hi0):
                    i0 = s0 + j0 * g.dil[0]
                    for j1 in range(lo1, hi1):
                        i1 = (i0 * g.size[1] + s1 + j1 * g.dil[1]) * g.size[2] + s2
                        for j2 in range(lo2, hi2):
                            i = i1 + j2 * g.dil[2]
                            v = x[i]
                            # NaN wins, as in torch (a later NaN replaces an earlier one)
                            if best_i < 0 or v > best or (
                                    (pool_t is float or pool_t is double) and v != v):
                                best = v
                                best_i = i
                y[o] = best if best_i >= 0 else _lowest(x)
                if idx != NULL:
                    idx[o] = best_i
                o += 1


cdef void _max_pool_kernel(const pool_t* x, pool_t* y, int64_t* idx,
                           const PoolGeom* g) noexcept nogil:
    cdef Py_ssize_t n, inl = _plane_len(g.size), outl = _plane_len(g.out)
    cdef int nt = _threads_for(g.planes * outl * _plane_len(g.k))
    if nt > 1 and g.planes > 1:
        for n in prange(g.planes, num_threads=nt, schedule="static"):
            _max_pool_plane(x + n * inl, y + n * outl, idx + n * outl if idx != NULL else NULL, g)
    else:
        for n in range(g.planes):
            _max_pool_plane(x + n * inl, y + n * outl, idx + n * outl if idx != NULL else NULL, g)


cdef inline Py_ssize_t _avg_window(Py_ssize_t o, const PoolGeom* g, int d, Py_ssize_t* lo,
                                   Py_ssize_t* hi) noexcept nogil:
    """Output o's window [lo, hi) along dim d, clipped to the input; returns the window's
    size counting the padding it covers (torch's divisor with count_include_pad)."""
    cdef Py_ssize_t a = o * g.stride[d] - g.pad[d]
    cdef Py_ssize_t b = a + g.k[d]
    if b > g.size[d] + g.pad[d]:
        b = g.size[d] + g.pad[d]
    lo[0] = a if a > 0 else 0
    hi[0] = b if b < g.size[d] else g.size[d]
    return b - a


cdef void _avg_pool_plane(const pool_t* x, pool_t* y, const pool_t* gy, pool_t* gx,
                          const PoolGeom* g) noexcept nogil:
    """Forward (x -> y) or, with gy given, backward (gy -> gx, which holds zeros)."""
    cdef Py_ssize_t o0, o1, o2, i0, i1, i2, o = 0, base
    cdef Py_ssize_t a0, b0, a1, b1, a2, b2, full0, full01, full, count, div
    cdef double acc, share
    cdef int64_t iacc
    for o0 in range(g.out[0]):
        full0 = _avg_window(o0, g, 0, &a0, &b0)
        for o1 in range(g.out[1]):
            full01 = full0 * _avg_window(o1, g, 1, &a1, &b1)
            for o2 in range(g.out[2]):
                full = full01 * _avg_window(o2, g, 2, &a2, &b2)
                count = (b0 - a0) * (b1 - a1) * (b2 - a2)
                if b0 <= a0 or b1 <= a1 or b2 <= a2:   # only padding (ceil_mode)
                    if gy == NULL:
                        y[o] = 0
                    o += 1
                    continue
                div = g.divisor if g.divisor != 0 else (full if g.count_include_pad else count)
                if gy != NULL:
                    share = <double>gy[o] / div
                    for i0 in range(a0, b0):
                        for i1 in range(a1, b1):
                            base = (i0 * g.size[1] + i1) * g.size[2]
                            for i2 in range(a2, b2):
                                gx[base + i2] += <pool_t>share
                elif pool_t is float or pool_t is double:
                    acc = 0
                    for i0 in range(a0, b0):
                        for i1 in range(a1, b1):
                            base = (i0 * g.size[1] + i1) * g.size[2]
                            for i2 in range(a2, b2):
                                acc += x[base + i2]
                    y[o] = <pool_t>(acc / div)
                else:                            # integers: an int64 sum, C division
                    iacc = 0
                    for i0 in range(a0, b0):
                        for i1 in range(a1, b1):
                            base = (i0 * g.size[1] + i1) * g.size[2]
                            for i2 in range(a2, b2):
                                iacc += x[base + i2]
                    y[o] = <pool_t>(iacc // div)     # truncates, as torch does
                o += 1


cdef void _avg_pool_kernel(const pool_t* x, pool_t* y, const pool_t* gy, pool_t* gx,
                           const PoolGeom* g) noexcept nogil:
    cdef Py_ssize_t n, inl = _plane_len(g.size), outl = _plane_len(g.out)
    cdef int nt = _threads_for(g.planes * outl * _plane_len(g.k))
    if nt > 1 and g.planes > 1:
        for n in prange(g.planes, num_threads=nt, schedule="static"):
            if gy == NULL:
                _avg_pool_plane(x + n * inl, y + n * outl, gy, gx, g)
            else:
                _avg_pool_plane(x, y, gy + n * outl, gx + n * inl, g)
    else:
        for n in range(g.planes):
            if gy == NULL:
                _avg_pool_plane(x + n * inl, y + n * outl, gy, gx, g)
            else:
                _avg_pool_plane(x, y, gy + n * outl, gx + n * inl, g)


cdef inline Py_ssize_t _adaptive_start(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return (o * n_in) // n_out


cdef inline Py_ssize_t _adaptive_end(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return ((o + 1) * n_in + n_out - 1) // n_out


cdef void _adaptive_plane(const real* x, real* y, int64_t* idx, const real* gy, real* gx,
                          const PoolGeom* g, bint is_max) noexcept nogil:
    """Adaptive avg or max pooling of one plane; with gy given, the avg gradient."""
    cdef Py_ssize_t o0, o1, o2, i0, i1, i2, i, o = 0, best_i
    cdef Py_ssize_t a0, b0, a1, b1, a2, b2
    cdef double acc, share
    cdef real v, best
    for o0 in range(g.out[0]):
        a0 = _adaptive_start(o0, g.size[0], g.out[0])
        b0 = _adaptive_end(o0, g.size[0], g.out[0])
        for o1 in range(g.out[1]):
            a1 = _adaptive_start(o1, g.size[1], g.out[1])
            b1 = _adaptive_end(o1, g.size[1], g.out[1])
            for o2 in range(g.out[2]):
                a2 = _adaptive_start(o2, g.size[2], g.out[2])
                b2 = _adaptive_end(o2, g.size[2], g.out[2])
                if gy != NULL:
                    share = <double>gy[o] / ((b0 - a0) * (b1 - a1) * (b2 - a2))
                    for i0 in range(a0, b0):
                        for i1 in range(a1, b1):
                            for i2 in range(a2, b2):
                                gx[(i0 * g.size[1] + i1) * g.size[2] + i2] += <real>share
                elif is_max:
                    best_i = -1
                    best = 0
                    for i0 in range(a0, b0):
                        for i1 in range(a1, b1):
                            for i2 in range(a2, b2):
                                i = (i0 * g.size[1] + i1) * g.size[2] + i2
                                v = x[i]
                                if best_i < 0 or v > best or v != v:
                                    best = v
                                    best_i = i
                    y[o] = best
                    idx[o] = best_i
                else:
                    acc = 0
                    for i0 in range(a0, b0):
                        for i1 in range(a1, b1):
                            for i2 in range(a2, b2):
                                acc += x[(i0 * g.size[1] + i1) * g.size[2] + i2]
                    y[o] = <real>(acc / ((b0 - a0) * (b1 - a1) * (b2 - a2)))
                o += 1


cdef void _adaptive_kernel(const real* x, real* y, int64_t* idx, const real* gy, real* gx,
                           const PoolGeom* g, bint is_max) noexcept nogil:
    cdef Py_ssize_t n, inl = _plane_len(g.size), outl = _plane_len(g.out)
    cdef int nt = _threads_for(g.planes * (inl + outl))
    if nt > 1 and g.planes > 1:
        for n in prange(g.planes, num_threads=nt, schedule="static"):
            if gy == NULL:
                _adaptive_plane(x + n * inl, y + n * outl,
                                idx + n * outl if idx != NULL else NULL, gy, gx, g, is_max)
            else:
                _adaptive_plane(x, y, idx, gy + n * outl, gx + n * inl, g, is_max)
    else:
        for n in range(g.planes):
            if gy == NULL:
                _adaptive_plane(x + n * inl, y + n * outl,
                                idx + n * outl if idx != NULL else NULL, gy, gx, g, is_max)
            else:
                _adaptive_plane(x, y, idx, gy + n * outl, gx + n * inl, g, is_max)


cdef enum:
    SCATTER_ADD = 0     # dst[idx[i]] += src[i]   (max-pool gradient)
    SCATTER_SET = 1     # dst[idx[i]] = src[i]    (max_unpool)
    GATHER = 2          # dst[i] = src[idx[i]]    (max_unpool gradient)


cdef void _scatter_plane(const real* src, const int64_t* idx, real* dst, Py_ssize_t n,
                         int mode) noexcept nogil:
    cdef Py_ssize_t i
    # index -1: an empty max-pool window, which has no input to take from or give to
    if mode == GATHER:
        for i in range(n):
            dst[i] = src[idx[i]] if idx[i] >= 0 else 0
    elif mode == SCATTER_SET:
        for i in range(n):
            if idx[i] >= 0:
                dst[idx[i]] = src[i]
    else:
        for i in range(n):
            if idx[i] >= 0:
                dst[idx[i]] += src[i]


cdef void _scatter_kernel(const real* src, const int64_t* idx, real* dst, Py_ssize_t planes,
                          Py_ssize_t src_len, Py_ssize_t dst_len, int mode) noexcept nogil:
    """Per plane; idx has src_len (scatter) or dst_len (gather) entries per plane."""
    cdef Py_ssize_t n, ilen = dst_len if mode == GATHER else src_len
    cdef int nt = _threads_for(planes * ilen)
    if nt > 1 and planes > 1:
        for n in prange(planes, num_threads=nt, schedule="static"):
            _scatter_plane(src + n * src_len, idx + n * ilen, dst + n * dst_len, ilen, mode)
    else:
        for n in range(planes):
            _scatter_plane(src + n * src_len, idx + n * ilen, dst + n * dst_len, ilen, mode)


# ----- argument checks ----------------------------------------------------------------------

cdef class _PoolArgs:
    """A checked pooling call."""
    cdef int k
    cdef bint batched
    cdef list lead                      # the non-spatial sizes ([N, C] or [C])
    cdef PoolGeom g
    cdef DType dtype

    cdef list out_shape(self):
        return self.lead + [self.g.out[3 - self.k + i] for i in range(self.k)]

    cdef list in_shape(self):
        return self.lead + [self.g.size[3 - self.k + i] for i in range(self.k)]


cdef str _rank_words(int k):
    return ("2D or 3D", "3D or 4D", "4D or 5D")[k - 1]


cdef _PoolArgs _pool_input(object input, int k, str op, bint allow_empty_spatial):
    """The input of a pooling op: [C, *spatial] or [N, C, *spatial]."""
    cdef Tensor x = _tensor_arg(input, "input", op)
    cdef _PoolArgs a = _PoolArgs.__new__(_PoolArgs)
    cdef int i, lead = 3 - k
    if x._ndim != k + 1 and x._ndim != k + 2:
        raise RuntimeError(f"{op}(): Expected {_rank_words(k)} (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got: {_shape(x)}")
    for i in range(1 if x._ndim == k + 2 else 0, x._ndim):
        if x._shape[i] == 0 and not allow_empty_spatial:
            raise RuntimeError(f"{op}(): Expected {_rank_words(k)} (batch mode) tensor with "
                               f"optional 0 dim batch size for input, but got: {_shape(x)}")
    a.k = k
    a.batched = x._ndim == k + 2
    a.dtype = x._dtype
    a.lead = _shape(x)[:x._ndim - k]
    a.g.planes = 1
    for s in a.lead:
        a.g.planes *= s
    for i in range(3):
        a.g.size[i] = x._shape[x._ndim - k + i - lead] if i >= lead else 1
        a.g.out[i] = a.g.size[i]
        a.g.k[i] = a.g.stride[i] = a.g.dil[i] = 1
        a.g.pad[i] = 0
    a.g.count_include_pad = True
    a.g.divisor = 0
    return a


cdef tuple _pool_param(object value, int k, str name, str op, object default):
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0):
        value = default
    t = _ntuple(value, k, name, op)
    if t is None:
        words = ("a single int, or a tuple of one int", "a single int, or a tuple of two ints",
                 "a single int, or a tuple of three ints")[k - 1]
        raise RuntimeError(f"{op}: {name} must either be {words}")
    return t


cdef _PoolArgs _pool_args(object input, int k, object kernel_size, object stride,
                          object padding, object dilation, bint ceil_mode, str op):
    """Checks a max/avg pooling call like torch and computes its output size."""
    cdef _PoolArgs a = _pool_input(input, k, op, False)
    cdef int i, lead = 3 - k
    cdef Py_ssize_t n, eff
    ks = _pool_param(kernel_size, k, "kernel_size", op, None)
    st = _pool_param(stride, k, "stride", op, ks)
    pd = _pool_param(padding, k, "padding", op, None)
    dl = _pool_param(dilation, k, "dilation", op, None)
    if any(s == 0 for s in st):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in ks):
        raise RuntimeError(f"kernel_size should be greater than zero, but got kernel_size: "
                           f"{list(ks)}")
    if any(v <= 0 for v in st):
        raise RuntimeError(f"stride should be greater than zero, but got stride: {list(st)}")
    if any(v <= 0 for v in dl):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation: "
                           f"{list(dl)}")
    if any(v < 0 for v in pd):
        raise RuntimeError(f"pad must be non-negative, but got pad: "
                           f"{pd[0] if k == 1 else list(pd)}")
    for i in range(k):
        if pd[i] > ((ks[i] - 1) * dl[i] + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pd[i]}, kernel_size={ks[i]} and dilation={dl[i]}")
    for i in range(k):
        a.g.k[lead + i] = ks[i]
        a.g.stride[lead + i] = st[i]
        a.g.pad[lead + i] = pd[i]
        a.g.dil[lead + i] = dl[i]
        n = a.g.size[lead + i] + 2 * pd[i] - dl[i] * (ks[i] - 1) - 1
        if ceil_mode:
            n += st[i] - 1
        n = (n // st[i] if n >= 0 else -((-n + st[i] - 1) // st[i])) + 1
        if ceil_mode and (n - 1) * st[i] >= a.g.size[lead + i] + pd[i]:
            n -= 1          # the last window must start inside the input or left padding
        a.g.out[lead + i] = n
    if any(a.g.out[lead + i] <= 0 for i in range(k)):
        # (no negative indexing: this module is compiled without wraparound)
        channel = a.lead[len(a.lead) - 1:]
        raise RuntimeError(
            f"Given input size: ({_dims_str(channel + a.in_shape()[len(a.lead):], 'x')}). "
            f"Calculated output size: ({_dims_str(channel + a.out_shape()[len(a.lead):], 'x')}). "
            f"Output size is too small")
    return a


cdef Tensor _pool_values(object input, _PoolArgs a, str op, bint ints_ok):
    """The input, contiguous, in the dtype the kernel runs in."""
    cdef Tensor x = <Tensor>input
    if x._dtype.is_floating_point:
        return _as(x, _compute_dtype(x._dtype))
    if not ints_ok or x._dtype.code == PYT_BOOL:
        raise NotImplementedError(f'"{op}" not implemented for \'{_type_name(x._dtype)}\'')
    return contiguous(x)


# ----- the GPU path (pool.cu): the same plane kernels, one thread per output ------------------

cdef enum:
    _CU_MAX = 0
    _CU_AVG = 1
    _CU_AVG_GRAD = 2
    _CU_ADAPTIVE_MAX = 3
    _CU_ADAPTIVE_AVG = 4
    _CU_ADAPTIVE_AVG_GRAD = 5


cdef int _cuda_pool(int op, Tensor x, Tensor y, Tensor idx, const PoolGeom* g,
                    str what) except -1:
    """pool.cu's op on contiguous tensors of x's device (y zeroed for the gradient ops)."""
    cdef int64_t geom[21]
    cdef int i, rc
    cdef int64_t* ip = <int64_t*>idx._data if idx is not None else NULL
    if g.planes * _plane_len(g.out) == 0:
        return 0                        # no output (or no output gradient): nothing to launch
    geom[0] = g.planes
    for i in range(3):
        geom[1 + i] = g.size[i]
        geom[4 + i] = g.out[i]
        geom[7 + i] = g.k[i]
        geom[10 + i] = g.stride[i]
        geom[13 + i] = g.pad[i]
        geom[16 + i] = g.dil[i]
    geom[19] = 1 if g.count_include_pad else 0
    geom[20] = g.divisor
    with nogil:
        rc = pyt_cuda_pool(op, x._dtype.code, x._data, y._data, ip, geom)
    cuda_check(rc, what)
    return 0


cdef int _check_pool_devices(tuple tensors) except -1:
    cdef object dev = None
    for x in tensors:
        if isinstance(x, Tensor):
            if dev is None:
                dev = (<Tensor>x)._device
            elif (<Tensor>x)._device is not dev and (<Tensor>x)._device != dev:
                raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                                   f"at least two devices, {dev} and {(<Tensor>x)._device}!")
    return 0


cdef Tensor _new_as(object shape, DType dt, bint zeroed, Tensor like):
    """_new on like's device."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef int i, n = len(shape)
    for i in range(n):
        sizes[i] = shape[i]
    return new_empty(n, sizes, dt, like._device, zeroed)


cdef int _run_pool(Tensor x, Tensor y, Tensor idx, PoolGeom* g, bint is_max) except -1:
    if is_cuda(x):
        return _cuda_pool(_CU_MAX if is_max else _CU_AVG, x, y, idx, g,
                          "max_pool" if is_max else "avg_pool")
    cdef int64_t* ip = <int64_t*>idx._data if idx is not None else NULL
    cdef int code = x._dtype.code
    with nogil:
        if is_max:
            if code == PYT_FLOAT32:
                _max_pool_kernel(<float*>x._data, <float*>y._data, ip, g)
            elif code == PYT_FLOAT64:
                _max_pool_kernel(<double*>x._data, <double*>y._data, ip, g)
            elif code == PYT_INT64:
                _max_pool_kernel(<int64_t*>x._data, <int64_t*>y._data, ip, g)
            elif code == PYT_INT32:
                _max_pool_kernel(<int32_t*>x._data, <int32_t*>y._data, ip, g)
            elif code == PYT_INT16:
                _max_pool_kernel(<int16_t*>x._data, <int16_t*>y._data, ip, g)
            elif code == PYT_INT8:
                _max_pool_kernel(<int8_t*>x._data, <int8_t*>y._data, ip, g)
            else:
                _max_pool_kernel(<uint8_t*>x._data, <uint8_t*>y._data, ip, g)
        else:
            if code == PYT_FLOAT32:
                _avg_pool_kernel(<float*>x._data, <float*>y._data, NULL, NULL, g)
            elif code == PYT_FLOAT64:
                _avg_pool_kernel(<double*>x._data, <double*>y._data, NULL, NULL, g)
            elif code == PYT_INT64:
                _avg_pool_kernel(<int64_t*>x._data, <int64_t*>y._data, NULL, NULL, g)
            elif code == PYT_INT32:
                _avg_pool_kernel(<int32_t*>x._data, <int32_t*>y._data, NULL, NULL, g)
            elif code == PYT_INT16:
                _avg_pool_kernel(<int16_t*>x._data, <int16_t*>y._data, NULL, NULL, g)
            elif code == PYT_INT8:
                _avg_pool_kernel(<int8_t*>x._data, <int8_t*>y._data, NULL, NULL, g)
            else:
                _avg_pool_kernel(<uint8_t*>x._data, <uint8_t*>y._data, NULL, NULL, g)
    return 0


# ----- max pooling ------------------------------------------------------------------------------

cdef tuple _max_pool(object input, int k, object kernel_size, object stride, object padding,
                     object dilation, bint ceil_mode, bint with_indices, str op):
    cdef _PoolArgs a = _pool_args(input, k, kernel_size, stride, padding, dilation, ceil_mode,
                                  op)
    cdef bint wants = _tracks(<Tensor>input)
    cdef Tensor x, y, idx
    if wants:
        set_grad_enabled_flag(False)
    try:
        x = _pool_values(input, a, op, True)
        y = _new_as(a.out_shape(), x._dtype, False, x)
        idx = _new_as(a.out_shape(), _i64, False, x) if with_indices or wants else None
        _run_pool(x, y, idx, &a.g, True)
        y = _cast(y, a.dtype)
    finally:
        if wants:
            set_grad_enabled_flag(True)
    if wants:
        _record_max(input, y, idx, k, f"MaxPool{max(k, 2)}DWithIndicesBackward0")
    return y, (idx if with_indices else None)


cdef Tensor _record_max(Tensor x, Tensor y, Tensor idx, int k, str name):
    """y, the maxima of x at idx: its gradient goes back to where each came from."""
    return _record_linear(x, y, name, _bind(_scatter_at, (idx, _shape(x), k)), _twice(name),
                          _bind(_gather_at, (idx, k)))


def _scatter_at(Tensor g, Tensor idx, list shape, int k):
    """Zeros of shape with g added at idx, per plane of the last k dims (idx: int64,
    contiguous, checked, shaped like g)."""
    cdef Tensor gc = _as(g, _compute_dtype(g._dtype))
    cdef Tensor out = _new_as(shape, gc._dtype, True, gc)
    cdef Py_ssize_t planes = 1, dst_len = 1, src_len = 1
    cdef int i, rc
    for i in range(len(shape) - k):
        planes *= shape[i]
    for i in range(k):
        dst_len *= shape[len(shape) - k + i]
        src_len *= g._shape[g._ndim - k + i]
    if is_cuda(gc):
        if idx._device is not gc._device and idx._device != gc._device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                               f"at least two devices, {gc._device} and {idx._device}!")
        idx = contiguous(idx)
        with nogil:
            rc = pyt_cuda_pool_scatter(gc._dtype.code, gc._data, <int64_t*>idx._data, out._data,
                                       planes, src_len, dst_len, 0)
        cuda_check(rc, "max_pool_backward")
        return _cast(out, g._dtype)
    with nogil:
        if gc._dtype.code == PYT_FLOAT32:
            _scatter_kernel(<float*>gc._data, <int64_t*>idx._data, <float*>out._data, planes,
                            src_len, dst_len, SCATTER_ADD)
        else:
            _scatter_kernel(<double*>gc._data, <int64_t*>idx._data, <double*>out._data, planes,
                            src_len, dst_len, SCATTER_ADD)
    return _cast(out, g._dtype)


def _gather_at(Tensor t, Tensor idx, int k):
    """t's values at idx, per plane of the last k dims: shaped like idx."""
    cdef Tensor tc = _as(t, _compute_dtype(t._dtype))
    cdef Tensor out = _new_as(_shape(idx), tc._dtype, False, tc)
    cdef Py_ssize_t planes = 1, src_len = 1, dst_len = 1
    cdef int i, rc
    for i in range(idx._ndim - k):
        planes *= idx._shape[i]
    for i in range(k):
        src_len *= t._shape[t._ndim - k + i]
        dst_len *= idx._shape[idx._ndim - k + i]
    if is_cuda(tc):
        if idx._device is not tc._device and idx._device != tc._device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                               f"at least two devices, {tc._device} and {idx._device}!")
        idx = contiguous(idx)
        with nogil:
            rc = pyt_cuda_pool_scatter(tc._dtype.code, tc._data, <int64_t*>idx._data, out._data,
                                       planes, src_len, dst_len, 1)
        cuda_check(rc, "max_pool_backward")
        return _cast(out, t._dtype)
    with nogil:
        if tc._dtype.code == PYT_FLOAT32:
            _scatter_kernel(<float*>tc._data, <int64_t*>idx._data, <float*>out._data, planes,
                            src_len, dst_len, GATHER)
        else:
            _scatter_kernel(<double*>tc._data, <int64_t*>idx._data, <double*>out._data, planes,
                            src_len, dst_len, GATHER)
    return _cast(out, t._dtype)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False):
    """(values, indices) of 1-D max pooling; indices are positions within each row."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, True,
                     "max_pool1d")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False):
    """(values, indices) of 2-D max pooling; indices are flat positions within each plane."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, True,
                     "max_pool2d")


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False):
    """(values, indices) of 3-D max pooling; indices are flat positions within each volume."""
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, True,
                     "max_pool3d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    r = _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode,
                  return_indices, "max_pool1d")
    return r if return_indices else r[0]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    r = _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode,
                  return_indices, "max_pool2d")
    return r if return_indices else r[0]


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    r = _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode,
                  return_indices, "max_pool3d")
    return r if return_indices else r[0]


cdef Tensor _checked_indices(object indices, list shape, Py_ssize_t limit, str op):
    """int64 indices of the given shape, every one inside [0, limit)."""
    cdef Tensor idx = _tensor_arg(indices, "indices", op)
    cdef int64_t* p
    cdef Py_ssize_t i, bad = -1
    if idx._dtype.code != PYT_INT64:
        raise RuntimeError(f"{op}: expected indices of dtype int64, but got {idx._dtype.name}")
    if _shape(idx) != shape:
        raise RuntimeError(f"{op}: expected indices of size {shape}, but got {_shape(idx)}")
    idx = contiguous(idx)
    if is_cuda(idx):                    # the check on the GPU, one value read back
        if idx._numel:
            badmask = (idx < 0) | (idx >= limit)
            if bool(badmask.any().item()):
                raise RuntimeError(f"{op}: Found an invalid max index: "
                                   f"{int(idx[badmask][0].item())} (output volumes are "
                                   f"of size {limit})")
        return idx
    p = <int64_t*>idx._data
    with nogil:
        for i in range(idx._numel):
            if p[i] < 0 or p[i] >= limit:
                bad = i
                break
    if bad >= 0:
        raise RuntimeError(f"{op}: Found an invalid max index: {p[bad]} (output volumes are "
                           f"of size {limit})")
    return idx


def max_pool_backward(grad_output, input, indices, int spatial_dims):
    """Gradient of max pooling (fixed or adaptive) over `spatial_dims` dims: each
    grad_output value goes to the input position its index names."""
    _check_pool_devices((grad_output, input, indices))
    cdef _PoolArgs a = _pool_input(input, spatial_dims, "max_pool_backward", True)
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "max_pool_backward")
    cdef Tensor idx
    cdef Py_ssize_t inl = _plane_len(a.g.size)
    if g._dtype is not a.dtype or not g._dtype.is_floating_point:
        raise RuntimeError(f"max_pool_backward: expected a floating grad_output of dtype "
                           f"{a.dtype.name}, but got {g._dtype.name}")
    if _shape(g)[:g._ndim - spatial_dims] != a.lead or g._ndim != len(a.lead) + spatial_dims:
        raise RuntimeError(f"max_pool_backward: grad_output of size {_shape(g)} does not fit "
                           f"input of size {a.in_shape()}")
    idx = _checked_indices(indices, _shape(g), inl, "max_pool_backward")
    name = f"MaxPool{max(spatial_dims, 2)}DWithIndicesBackward0"
    return _linear(g, _bind(_scatter_at, (idx, a.in_shape(), spatial_dims)), _twice(name),
                   _bind(_gather_at, (idx, spatial_dims)), name)


# ----- average pooling ----------------------------------------------------------------------

cdef _PoolArgs _avg_args(object input, int k, object kernel_size, object stride,
                         object padding, bint ceil_mode, bint count_include_pad,
                         object divisor_override, str op):
    cdef _PoolArgs a = _pool_args(input, k, kernel_size, stride, padding, 1, ceil_mode, op)
    a.g.count_include_pad = count_include_pad
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        a.g.divisor = divisor_override
    return a


cdef Tensor _avg_pool(object input, int k, object kernel_size, object stride, object padding,
                      bint ceil_mode, bint count_include_pad, object divisor_override, str op):
    cdef _PoolArgs a = _avg_args(input, k, kernel_size, stride, padding, ceil_mode,
                                 count_include_pad, divisor_override, op)
    if not _tracks(<Tensor>input):
        return _avg_forward(input, a, op)
    name = f"AvgPool{max(k, 2)}DBackward0"
    return _linear(input, _bind(_avg_forward, (a, op)), name,
                   _bind(_avg_adjoint, (a, op + "_backward")), _twice(name))


def _avg_forward(Tensor t, _PoolArgs a, str op):
    cdef Tensor x = _pool_values(t, a, op, True)
    cdef Tensor y = _new_as(a.out_shape(), x._dtype, False, x)
    _run_pool(x, y, None, &a.g, False)
    return _cast(y, a.dtype)


def _avg_adjoint(Tensor g, _PoolArgs a, str op):
    """The gradient of average pooling: each output's share spread over its window."""
    cdef Tensor gc = _float_input(g, op)
    cdef Tensor gi = _new_as(a.in_shape(), gc._dtype, True, gc)
    if is_cuda(gc):
        _cuda_pool(_CU_AVG_GRAD, gc, gi, None, &a.g, op)
        return _cast(gi, g._dtype)
    with nogil:
        if gc._dtype.code == PYT_FLOAT32:
            _avg_pool_kernel(<float*>NULL, <float*>NULL, <float*>gc._data, <float*>gi._data,
                             &a.g)
        else:
            _avg_pool_kernel(<double*>NULL, <double*>NULL, <double*>gc._data,
                             <double*>gi._data, &a.g)
    return _cast(gi, g._dtype)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     None, "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d")


cdef Tensor _avg_pool_backward(object grad_output, object input, int k, object kernel_size,
                               object stride, object padding, bint ceil_mode,
                               bint count_include_pad, object divisor_override, str op):
    cdef _PoolArgs a = _avg_args(input, k, kernel_size, stride, padding, ceil_mode,
                                 count_include_pad, divisor_override, op)
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", op)
    if _shape(g) != a.out_shape():
        raise RuntimeError(f"{op}: expected grad_output of size {a.out_shape()}, but got "
                           f"{_shape(g)}")
    name = f"AvgPool{k if k > 1 else 2}DBackward0"
    return _linear(g, _bind(_avg_adjoint, (a, op)), _twice(name),
                   _bind(_avg_forward, (a, op[:len(op) - 9])), name)


def avg_pool1d_backward(grad_output, input, kernel_size, stride=None, padding=0,
                        ceil_mode=False, count_include_pad=True):
    _check_pool_devices((grad_output, input))
    return _avg_pool_backward(grad_output, input, 1, kernel_size, stride, padding, ceil_mode,
                              count_include_pad, None, "avg_pool1d_backward")


def avg_pool2d_backward(grad_output, input, kernel_size, stride=None, padding=0,
                        ceil_mode=False, count_include_pad=True, divisor_override=None):
    _check_pool_devices((grad_output, input))
    return _avg_pool_backward(grad_output, input, 2, kernel_size, stride, padding, ceil_mode,
                              count_include_pad, divisor_override, "avg_pool2d_backward")


def avg_pool3d_backward(grad_output, input, kernel_size, stride=None, padding=0,
                        ceil_mode=False, count_include_pad=True, divisor_override=None):
    _check_pool_devices((grad_output, input))
    return _avg_pool_backward(grad_output, input, 3, kernel_size, stride, padding, ceil_mode,
                              count_include_pad, divisor_override, "avg_pool3d_backward")


# ----- adaptive pooling ---------------------------------------------------------------------

cdef _PoolArgs _adaptive_args(object input, int k, object output_size, str op):
    cdef _PoolArgs a = _pool_input(input, k, op, True)
    cdef int i, lead = 3 - k
    cdef Tensor x = <Tensor>input
    # torch's average pooling in 1-d and 2-d checks only the pooled dims (empty channels
    # pass there); the others check every non-batch dim
    cdef int first = (x._ndim - k if op in ("adaptive_avg_pool1d", "adaptive_avg_pool2d")
                      else 1 if a.batched else 0)
    for i in range(first, x._ndim):
        if x._shape[i] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_shape(x)} with dimension "
                               f"{i} being empty")
    if _is_int(output_size) or output_size is None:
        sizes = (output_size,) * k
    else:
        sizes = tuple(output_size)
        if len(sizes) != k:
            raise RuntimeError(f"{op}: output_size must be {k}")
    for i in range(k):
        s = sizes[i]
        if s is None:                   # None keeps the input's size
            s = a.g.size[lead + i]
        elif not _is_int(s):
            raise TypeError(f"{op}(): argument 'output_size' must be tuple of ints, but found "
                            f"element of type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"{op}: elements of output_size must be greater than or equal "
                               f"to 0 but received {s}")
        a.g.out[lead + i] = s
    return a


cdef tuple _adaptive(object input, int k, object output_size, bint is_max, str op):
    cdef _PoolArgs a = _adaptive_args(input, k, output_size, op)
    cdef bint wants = _tracks(<Tensor>input)
    cdef Tensor x, y, idx
    if not is_max:
        if not wants:
            return _adaptive_avg(input, a, op), None
        name = f"AdaptiveAvgPool{max(k, 2)}DBackward0"
        return _linear(input, _bind(_adaptive_avg, (a, op)), name,
                       _bind(_adaptive_avg_adjoint, (a,)), _twice(name)), None
    if wants:
        set_grad_enabled_flag(False)
    try:
        x = _float_input(<Tensor>input, op)
        y = _new_as(a.out_shape(), x._dtype, False, x)
        idx = _new_as(a.out_shape(), _i64, False, x)
        if is_cuda(x):
            _cuda_pool(_CU_ADAPTIVE_MAX, x, y, idx, &a.g, op)
        else:
            with nogil:
                if x._dtype.code == PYT_FLOAT32:
                    _adaptive_kernel(<float*>x._data, <float*>y._data, <int64_t*>idx._data,
                                     NULL, NULL, &a.g, True)
                else:
                    _adaptive_kernel(<double*>x._data, <double*>y._data, <int64_t*>idx._data,
                                     NULL, NULL, &a.g, True)
        y = _cast(y, a.dtype)
    finally:
        if wants:
            set_grad_enabled_flag(True)
    if wants:
        _record_max(input, y, idx, k, f"AdaptiveMaxPool{max(k, 2)}DBackward0")
    return y, idx


def _adaptive_avg(Tensor t, _PoolArgs a, str op):
    cdef Tensor x = _float_input(t, op)
    cdef Tensor y = _new_as(a.out_shape(), x._dtype, False, x)
    if is_cuda(x):
        _cuda_pool(_CU_ADAPTIVE_AVG, x, y, None, &a.g, op)
        return _cast(y, a.dtype)
    with nogil:
        if x._dtype.code == PYT_FLOAT32:
            _adaptive_kernel(<float*>x._data, <float*>y._data, NULL, NULL, NULL, &a.g, False)
        else:
            _adaptive_kernel(<double*>x._data, <double*>y._data, NULL, NULL, NULL, &a.g, False)
    return _cast(y, a.dtype)


def _adaptive_avg_adjoint(Tensor g, _PoolArgs a):
    cdef Tensor gc = _float_input(g, "adaptive_avg_pool_backward")
    cdef Tensor gi = _new_as(a.in_shape(), gc._dtype, True, gc)
    if is_cuda(gc):
        _cuda_pool(_CU_ADAPTIVE_AVG_GRAD, gc, gi, None, &a.g, "adaptive_avg_pool_backward")
        return _cast(gi, g._dtype)
    with nogil:
        if gc._dtype.code == PYT_FLOAT32:
            _adaptive_kernel(<float*>NULL, <float*>NULL, NULL, <float*>gc._data,
                             <float*>gi._data, &a.g, False)
        else:
            _adaptive_kernel(<double*>NULL, <double*>NULL, NULL, <double*>gc._data,
                             <double*>gi._data, &a.g, False)
    return _cast(gi, g._dtype)


def adaptive_avg_pool1d(input, output_size):
    return _adaptive(input, 1, output_size, False, "adaptive_avg_pool1d")[0]


def adaptive_avg_pool2d(input, output_size):
    return _adaptive(input, 2, output_size, False, "adaptive_avg_pool2d")[0]


def adaptive_avg_pool3d(input, output_size):
    return _adaptive(input, 3, output_size, False, "adaptive_avg_pool3d")[0]


def adaptive_max_pool1d(input, output_size, return_indices=False):
    r = _adaptive(input, 1, output_size, True, "adaptive_max_pool1d")
    return r if return_indices else r[0]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    r = _adaptive(input, 2, output_size, True, "adaptive_max_pool2d")
    return r if return_indices else r[0]


def adaptive_max_pool3d(input, output_size, return_indices=False):
    r = _adaptive(input, 3, output_size, True, "adaptive_max_pool3d")
    return r if return_indices else r[0]


def adaptive_max_pool1d_with_indices(input, output_size):
    return _adaptive(input, 1, output_size, True, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input, output_size):
    return _adaptive(input, 2, output_size, True, "adaptive_max_pool2d")


def adaptive_max_pool3d_with_indices(input, output_size):
    return _adaptive(input, 3, output_size, True, "adaptive_max_pool3d")


def adaptive_avg_pool_backward(grad_output, input, int spatial_dims):
    """Gradient of adaptive average pooling over `spatial_dims` dims."""
    _check_pool_devices((grad_output, input))
    cdef Tensor x = _tensor_arg(input, "input", "adaptive_avg_pool_backward")
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "adaptive_avg_pool_backward")
    cdef _PoolArgs a
    if g._ndim != x._ndim or g._ndim < spatial_dims:
        raise RuntimeError(f"adaptive_avg_pool_backward: grad_output of size {_shape(g)} "
                           f"does not fit input of size {_shape(x)}")
    a = _adaptive_args(x, spatial_dims, _shape(g)[g._ndim - spatial_dims:],
                       "adaptive_avg_pool_backward")
    if _shape(g) != a.out_shape():
        raise RuntimeError(f"adaptive_avg_pool_backward: grad_output of size {_shape(g)} "
                           f"does not fit input of size {_shape(x)}")
    name = f"AdaptiveAvgPool{max(spatial_dims, 2)}DBackward0"
    return _linear(g, _bind(_adaptive_avg_adjoint, (a,)), _twice(name),
                   _bind(_adaptive_avg, (a, "adaptive_avg_pool")), name)


# ----- max_unpool ---------------------------------------------------------------------------

cdef int _cuda_unpool(Tensor src, Tensor idx, Tensor dst, Py_ssize_t planes,
                      Py_ssize_t src_len, Py_ssize_t dst_len, str op) except -1:
    """unpool.cu's SCATTER_SET into dst (zeros); it checks every index before writing and
    reports the first bad one, worded as _checked_indices words it."""
    cdef int64_t bad = 0
    cdef int rc
    with nogil:
        rc = pyt_cuda_max_unpool(src._dtype.code, src._data, <int64_t*>idx._data, dst._data,
                                 planes, src_len, dst_len, &bad)
    if rc == PYT_CUDA_ERR_INDEX:
        raise RuntimeError(f"{op}: Found an invalid max index: {bad} (output volumes are "
                           f"of size {dst_len})")
    cuda_check(rc, op)
    return 0


cdef Tensor _max_unpool(object input, object indices, int k, object kernel_size,
                        object stride, object padding, object output_size, str op):
    cdef Tensor x = _tensor_arg(input, "input", op)
    cdef _PoolArgs a = _pool_input(x, k, op, True)
    cdef Tensor idx, xc, out
    cdef int i
    cdef bint wants
    cdef Py_ssize_t outl = 1, inl = _plane_len(a.g.size)
    ks = _pool_param(kernel_size, k, "kernel_size", op, None)
    st = _pool_param(stride, k, "stride", op, ks)
    pd = _pool_param(padding, k, "padding", op, 0)
    default = [(a.g.size[3 - k + i] - 1) * st[i] - 2 * pd[i] + ks[i] for i in range(k)]
    if output_size is None:
        sizes = default
    else:
        sizes = list(output_size)
        if len(sizes) == k + len(a.lead):
            sizes = sizes[len(a.lead):]
        if len(sizes) != k:
            raise ValueError(f"output_size should be a sequence containing {k} or "
                             f"{k + len(a.lead)} elements, but it has a length of "
                             f"'{len(sizes)}'")
        for i in range(k):
            lo = default[i] - st[i]
            hi = default[i] + st[i]
            if not lo < sizes[i] < hi:
                raise ValueError(f'invalid output_size "{tuple(sizes)}" (dim {i} must be '
                                 f'between {lo} and {hi})')
    for s in sizes:
        outl *= s
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f'"{op}" not implemented for \'{_type_name(x._dtype)}\'')
    idx = _tensor_arg(indices, "indices", op)
    _check_pool_devices((x, idx))
    if _shape(idx) != _shape(x):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input "
                           f"tensor ({_shape(x)}) but got indices tensor with shape: "
                           f"{_shape(idx)}")
    if is_cuda(x):                      # the kernel checks the indices itself
        if idx._dtype.code != PYT_INT64:
            raise RuntimeError(f"{op}: expected indices of dtype int64, but got "
                               f"{idx._dtype.name}")
        idx = contiguous(idx)
    else:
        idx = _checked_indices(idx, _shape(x), outl, op)
    wants = _tracks(x)
    if wants:
        set_grad_enabled_flag(False)
    try:
        xc = _float_input(x, op)
        out = _new_as(a.lead + list(sizes), xc._dtype, True, xc)
        if is_cuda(xc):
            _cuda_unpool(xc, idx, out, a.g.planes, inl, outl, op)
        else:
            with nogil:
                if xc._dtype.code == PYT_FLOAT32:
                    _scatter_kernel(<float*>xc._data, <int64_t*>idx._data, <float*>out._data,
                                    a.g.planes, inl, outl, SCATTER_SET)
                else:
                    _scatter_kernel(<double*>xc._data, <int64_t*>idx._data,
                                    <double*>out._data, a.g.planes, inl, outl, SCATTER_SET)
        out = _cast(out, x._dtype)
    finally:
        if wants:
            set_grad_enabled_flag(True)
    if wants:                           # each value's gradient is read back at its index
        name = f"MaxUnpool{max(k, 2)}DBackward0"
        _record_linear(x, out, name, _bind(_gather_at, (idx, k)), _twice(name),
                       _bind(_scatter_at, (idx, _shape(out), k)))
    return out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Places each value at its index in a zero output: a partial inverse of max_pool1d."""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size,
                       "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size,
                       "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size,
                       "max_unpool3d")


def max_unpool_backward(grad_output, indices, int spatial_dims):
    """Gradient of max_unpool: grad_output gathered at the indices."""
    _check_pool_devices((grad_output, indices))
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "max_unpool_backward")
    cdef Tensor idx = _tensor_arg(indices, "indices", "max_unpool_backward")
    cdef Py_ssize_t planes = 1, outl = 1, inl = 1
    cdef int i
    if g._ndim != idx._ndim or g._ndim < spatial_dims + 1:
        raise RuntimeError("max_unpool_backward: grad_output and indices must have the same "
                           "number of dims")
    for i in range(g._ndim - spatial_dims):
        if g._shape[i] != idx._shape[i]:
            raise RuntimeError("max_unpool_backward: grad_output and indices disagree in "
                               "their leading sizes")
        planes *= g._shape[i]
    for i in range(g._ndim - spatial_dims, g._ndim):
        outl *= g._shape[i]
        inl *= idx._shape[i]
    idx = _checked_indices(idx, _shape(idx), outl, "max_unpool_backward")
    if not g._dtype.is_floating_point:
        _float_input(g, "max_unpool_backward")
    name = f"MaxUnpool{max(spatial_dims, 2)}DBackward0"
    return _linear(g, _bind(_gather_at, (idx, spatial_dims)), _twice(name),
                   _bind(_scatter_at, (idx, _shape(g), spatial_dims)), name)
