# Batch, layer and group normalisation: forward with the saved statistics (mean and
# inverse standard deviation) and the backward formulas as plain functions.
#
# Statistics accumulate in double, two-pass (mean, then squared deviations), so that
# float32 inputs with a large mean keep their precision. Layer and group norm share one
# row kernel: a row is what one mean/rstd covers (layer norm: the normalized dims of
# one sample; group norm: one group of one sample, a contiguous block of Cg * HxW),
# and the affine parameter of position j of row r is
#     weight[(r % G) * Cg + j // S]
# (layer norm: G = 1, S = 1; group norm: Cg channels of S = HxW values each).


cdef struct RowNorm:
    Py_ssize_t rows, n              # rows of n values
    Py_ssize_t G, Cg, S             # affine index of (r, j): (r % G) * Cg + j // S
    double eps


cdef inline bint _per_element(const RowNorm* p) noexcept nogil:
    """Layer norm: one affine parameter per position of the row."""
    return p.G == 1 and p.S == 1


cdef void _row_norm_forward(const RowNorm* p, const real* x, const real* w, const real* b,
                            real* y, real* mean, real* rstd, Py_ssize_t r) noexcept nogil:
    cdef const real* xr = x + r * p.n
    cdef real* yr = y + r * p.n
    cdef Py_ssize_t j, c, a
    cdef double m, rs
    cdef real fm, frs, scale, shift
    m = _sum(xr, p.n) / p.n
    rs = 1.0 / sqrt(_sqdev(xr, p.n, m) / p.n + p.eps)
    mean[r] = <real>m
    rstd[r] = <real>rs
    fm = <real>m
    frs = <real>rs
    if w == NULL and b == NULL:
        for j in range(p.n):
            yr[j] = (xr[j] - fm) * frs
    elif _per_element(p):
        if b == NULL:
            for j in range(p.n):
                yr[j] = (xr[j] - fm) * frs * w[j]
        elif w == NULL:
            for j in range(p.n):
                yr[j] = (xr[j] - fm) * frs + b[j]
        else:
            for j in range(p.n):
                yr[j] = (xr[j] - fm) * frs * w[j] + b[j]
    else:                               # one scale and shift per channel of the group
        for c in range(p.Cg):
            a = (r % p.G) * p.Cg + c
            scale = <real>(rs * (w[a] if w != NULL else 1))
            shift = <real>((b[a] if b != NULL else 0) - m * rs * (w[a] if w != NULL else 1))
            for j in range(c * p.S, (c + 1) * p.S):
                yr[j] = xr[j] * scale + shift


cdef void _row_norm_backward(const RowNorm* p, const real* g, const real* x, const real* w,
                             const real* mean, const real* rstd, real* gx,
                             Py_ssize_t r) noexcept nogil:
    """gx = rstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)), gxhat = g * w."""
    cdef const real* xr = x + r * p.n
    cdef const real* gr = g + r * p.n
    cdef real* out = gx + r * p.n
    cdef Py_ssize_t j, c, a
    cdef double m = mean[r], rs = rstd[r], sum_g = 0, sum_gx = 0, wc
    cdef real fm = mean[r], k0, k1, k2
    if _per_element(p) or w == NULL:
        sum_g = _wsum(gr, w, p.n)
        sum_gx = _wdotdev(gr, w, xr, p.n, m)
    else:
        for c in range(p.Cg):
            wc = w[(r % p.G) * p.Cg + c]
            sum_g += wc * _sum(gr + c * p.S, p.S)
            sum_gx += wc * _wdotdev(gr + c * p.S, <real*>NULL, xr + c * p.S, p.S, m)
    # gx = g * w * rs - rs * sum_g / n - (x - m) * rs^3 * sum_gx / n
    k0 = <real>(rs * sum_g / p.n)
    k2 = <real>(rs * rs * rs * sum_gx / p.n)
    if w == NULL:
        k1 = <real>rs
        for j in range(p.n):
            out[j] = gr[j] * k1 - k0 - (xr[j] - fm) * k2
    elif _per_element(p):
        k1 = <real>rs
        for j in range(p.n):
            out[j] = gr[j] * w[j] * k1 - k0 - (xr[j] - fm) * k2
    else:
        for c in range(p.Cg):
            k1 = <real>(rs * w[(r % p.G) * p.Cg + c])
            for j in range(c * p.S, (c + 1) * p.S):
                out[j] = gr[j] * k1 - k0 - (xr[j] - fm) * k2


cdef void _row_norm_affine_block(const RowNorm* p, const real* g, const real* x,
                                 const real* mean, const real* rstd, real* gw, real* gb,
                                 Py_ssize_t j0, Py_ssize_t j1) noexcept nogil:
    """Layer norm: gw[j] = sum over rows of g * xhat, gb[j] = sum of g, for j in [j0, j1)
    (at most 256 columns), walking the rows once."""
    cdef double accw[256]
    cdef double accb[256]
    cdef Py_ssize_t r, j, w = j1 - j0
    cdef const real* gr
    cdef const real* xr
    cdef real fm, frs
    for j in range(w):
        accw[j] = 0
        accb[j] = 0
    for r in range(p.rows):
        gr = g + r * p.n + j0
        xr = x + r * p.n + j0
        fm = mean[r]
        frs = rstd[r]
        for j in range(w):
            accb[j] += gr[j]
            accw[j] += gr[j] * ((xr[j] - fm) * frs)
    for j in range(w):
        if gw != NULL:
            gw[j0 + j] = <real>accw[j]
        if gb != NULL:
            gb[j0 + j] = <real>accb[j]


cdef void _row_norm_affine_channel(const RowNorm* p, const real* g, const real* x,
                                   const real* mean, const real* rstd, real* gw, real* gb,
                                   Py_ssize_t a) noexcept nogil:
    """Group norm: gw[a], gb[a] over the segments that channel a scales."""
    cdef Py_ssize_t grp = a // p.Cg, seg = (a % p.Cg) * p.S, r
    cdef double sw = 0, sb = 0
    r = grp
    while r < p.rows:
        sb += _sum(g + r * p.n + seg, p.S)
        sw += rstd[r] * _wdotdev(g + r * p.n + seg, <real*>NULL, x + r * p.n + seg, p.S,
                                 mean[r])
        r += p.G
    if gw != NULL:
        gw[a] = <real>sw
    if gb != NULL:
        gb[a] = <real>sb


cdef void _row_norm_kernel(const RowNorm* p, const real* x, const real* w, const real* b,
                           real* y, real* mean, real* rstd, const real* g, real* gx,
                           real* gw, real* gb, Py_ssize_t n_affine) noexcept nogil:
    """Forward (g NULL) or backward, in parallel over rows (and affine parameters)."""
    cdef Py_ssize_t r, a, nblocks
    cdef int nt = _threads_for(p.rows * p.n)
    if g == NULL or gx != NULL:
        if nt > 1 and p.rows > 1:
            for r in prange(p.rows, num_threads=nt, schedule="static"):
                if g == NULL:
                    _row_norm_forward(p, x, w, b, y, mean, rstd, r)
                else:
                    _row_norm_backward(p, g, x, w, mean, rstd, gx, r)
        else:
            for r in range(p.rows):
                if g == NULL:
                    _row_norm_forward(p, x, w, b, y, mean, rstd, r)
                else:
                    _row_norm_backward(p, g, x, w, mean, rstd, gx, r)
    if g == NULL or (gw == NULL and gb == NULL):
        return
    if _per_element(p):
        nblocks = (p.n + 255) // 256
        if nt > 1 and nblocks > 1:
            for a in prange(nblocks, num_threads=nt, schedule="static"):
                _row_norm_affine_block(p, g, x, mean, rstd, gw, gb, a * 256,
                                       min(p.n, (a + 1) * 256))
        else:
            for a in range(nblocks):
                _row_norm_affine_block(p, g, x, mean, rstd, gw, gb, a * 256,
                                       min(p.n, (a + 1) * 256))
    elif nt > 1 and n_affine > 1:
        for a in prange(n_affine, num_threads=nt, schedule="static"):
            _row_norm_affine_channel(p, g, x, mean, rstd, gw, gb, a)
    else:
        for a in range(n_affine):
            _row_norm_affine_channel(p, g, x, mean, rstd, gw, gb, a)


cdef tuple _run_row_norm(RowNorm* p, Tensor x, Tensor w, Tensor b, Tensor y, Tensor mean,
                         Tensor rstd, Tensor g, Tensor gx, Tensor gw, Tensor gb,
                         Py_ssize_t n_affine):
    """Runs the row kernel on contiguous tensors of one compute dtype (None = absent)."""
    cdef bint f32 = x._dtype.code == PYT_FLOAT32
    cdef char* xp = x._data
    cdef char* wp = w._data if w is not None else NULL
    cdef char* bp = b._data if b is not None else NULL
    cdef char* yp = y._data if y is not None else NULL
    cdef char* mp = mean._data
    cdef char* rp = rstd._data
    cdef char* gp = g._data if g is not None else NULL
    cdef char* gxp = gx._data if gx is not None else NULL
    cdef char* gwp = gw._data if gw is not None else NULL
    cdef char* gbp = gb._data if gb is not None else NULL
    if is_cuda(x):
        return _run_row_norm_cuda(p, x, w, b, y, mean, rstd, g, gx, gw, gb, n_affine)
    with nogil:
        if f32:
            _row_norm_kernel(p, <float*>xp, <float*>wp, <float*>bp, <float*>yp, <float*>mp,
                             <float*>rp, <float*>gp, <float*>gxp, <float*>gwp, <float*>gbp,
                             n_affine)
        else:
            _row_norm_kernel(p, <double*>xp, <double*>wp, <double*>bp, <double*>yp,
                             <double*>mp, <double*>rp, <double*>gp, <double*>gxp,
                             <double*>gwp, <double*>gbp, n_affine)
    return None


# ----- the GPU (norm.cu) --------------------------------------------------------------------

cdef int _norm_devices(str what, tuple args) except -1:
    """Every tensor argument on one device (a CUDA input's statistics and parameters too:
    no kernel may read another device's memory)."""
    cdef object dev = None
    for t in args:
        if isinstance(t, Tensor):
            if dev is None:
                dev = (<Tensor>t)._device
            elif (<Tensor>t)._device is not dev and (<Tensor>t)._device != dev:
                raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                                   f"at least two devices, {dev} and {(<Tensor>t)._device}! "
                                   f"(in {what})")
    return 0


cdef inline void* _dptr(Tensor t) noexcept:
    return <void*>t._data if t is not None else NULL


cdef int _norm_cuda(str what, Tensor x, int64_t outer, int64_t K, int64_t L, int64_t G,
                    int64_t Cg, int64_t S, double eps, double momentum, Tensor w, Tensor b,
                    Tensor y, Tensor mean, Tensor rstd, Tensor run_mean, Tensor run_var,
                    Tensor g, Tensor gx, Tensor gw, Tensor gb, int64_t n_affine,
                    bint training) except -1:
    """norm.cu's forward (g None) or backward on contiguous tensors of x's compute dtype
    on x's device (None = absent)."""
    cdef int rc, code = x._dtype.code
    cdef void* xp = _dptr(x)
    cdef void* wp = _dptr(w)
    cdef void* bp = _dptr(b)
    cdef void* yp = _dptr(y)
    cdef void* mp = _dptr(mean)
    cdef void* rp = _dptr(rstd)
    cdef void* rmp = _dptr(run_mean)
    cdef void* rvp = _dptr(run_var)
    cdef void* gp = _dptr(g)
    cdef void* gxp = _dptr(gx)
    cdef void* gwp = _dptr(gw)
    cdef void* gbp = _dptr(gb)
    for t in (w, b, y, mean, rstd, run_mean, run_var, g, gx, gw, gb):
        if t is not None:
            if (<Tensor>t)._device is not x._device and (<Tensor>t)._device != x._device:
                raise RuntimeError(f"Expected all tensors to be on the same device, but "
                                   f"found at least two devices, {x._device} and "
                                   f"{(<Tensor>t)._device}! (in {what})")
            if (<Tensor>t)._dtype is not x._dtype or not is_contiguous(<Tensor>t):
                raise RuntimeError(f"{what}: internal error, operands of the CUDA kernel "
                                   f"differ in dtype or layout")
    if not is_contiguous(x):
        raise RuntimeError(f"{what}: internal error, a non-contiguous input")
    with nogil:
        if g is None:
            rc = pyt_cuda_norm_forward(code, outer, K, L, G, Cg, S, eps, momentum, xp, wp, bp,
                                       yp, mp, rp, rmp, rvp, training)
        else:
            rc = pyt_cuda_norm_backward(code, outer, K, L, G, Cg, S, gp, xp, wp, mp, rp, gxp,
                                        gwp, gbp, n_affine, training)
    cuda_check(rc, what)
    return 0


cdef tuple _run_row_norm_cuda(RowNorm* p, Tensor x, Tensor w, Tensor b, Tensor y, Tensor mean,
                              Tensor rstd, Tensor g, Tensor gx, Tensor gw, Tensor gb,
                              Py_ssize_t n_affine):
    """_run_row_norm on the GPU: rows are the statistics of a [1, rows, n] tensor."""
    _norm_cuda("layer_norm" if _per_element(p) else "group_norm", x, 1, p.rows, p.n, p.G,
               p.Cg, p.S, p.eps, 0.0, w, b, y, mean, rstd, None, None, g, gx, gw, gb,
               n_affine, True)
    return None


cdef Tensor _param(object t, DType cdt, str name, str op):
    """An optional affine parameter / statistic, contiguous in the compute dtype."""
    if t is None:
        return None
    return _as(_tensor_arg(t, name, op), cdt)


# ----- layer norm ---------------------------------------------------------------------------

cdef tuple _layer_norm_shape(Tensor x, object normalized_shape, object weight, object bias):
    if _is_int(normalized_shape):
        normalized = [int(normalized_shape)]
    else:
        normalized = [int(s) for s in normalized_shape]
    k = len(normalized)
    if k == 0 or k > x._ndim or _shape(x)[x._ndim - k:] != normalized:
        raise RuntimeError(f"Given normalized_shape={normalized}, expected input with shape "
                           f"[*{''.join([', ' + str(s) for s in normalized])}], but got input "
                           f"of size{_shape(x)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and _shape(_tensor_arg(t, name, "layer_norm")) != normalized:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {_shape(<Tensor>t)} and normalized_shape "
                               f"= {normalized}")
    return normalized, _shape(x)[:x._ndim - k]


def native_layer_norm(input, normalized_shape, weight=None, bias=None, double eps=1e-5):
    """(output, mean, rstd) of layer normalisation over the trailing normalized_shape dims;
    mean and rstd have the input's leading sizes followed by ones."""
    _norm_devices("native_layer_norm", (input, normalized_shape, weight, bias))
    cdef Tensor x
    if not _wants_grad((input, weight, bias)):
        return _layer_norm_native(input, normalized_shape, weight, bias, eps)
    x = _tensor_arg(input, "input", "layer_norm")
    normalized, lead = _layer_norm_shape(x, normalized_shape, weight, bias)
    y, mean, rstd = _untracked(_layer_norm_native, (x, normalized, weight, bias, eps))
    k = len(lead)
    n = 1
    for v in normalized:
        n *= v
    _record_norm("NativeLayerNormBackward0", x, weight, bias, y, mean, rstd,
                 (_shape(x), _shape(mean), normalized, tuple(range(k, x._ndim)),
                  tuple(range(k)), n, True, _bind(_layer_norm_grads, (normalized, lead))))
    return y, detach(mean), detach(rstd)


def _layer_norm_native(input, normalized_shape, weight, bias, double eps):
    cdef Tensor x = _tensor_arg(input, "input", "layer_norm")
    cdef RowNorm p
    cdef Tensor xc, y, mean, rstd
    normalized, lead = _layer_norm_shape(x, normalized_shape, weight, bias)
    xc = _float_input(x, "LayerNormKernelImpl")
    p.rows = 1
    for s in lead:
        p.rows *= s
    p.n = 1
    for s in normalized:
        p.n *= s
    p.G = 1
    p.Cg = p.n
    p.S = 1
    p.eps = eps
    y = _new_on(_shape(x), xc._dtype, False, x)
    stat_shape = lead + [1] * len(normalized)
    mean = _new_on(stat_shape, xc._dtype, False, x)
    rstd = _new_on(stat_shape, xc._dtype, False, x)
    _run_row_norm(&p, xc, _param(weight, xc._dtype, "weight", "layer_norm"),
                  _param(bias, xc._dtype, "bias", "layer_norm"), y, mean, rstd, None, None,
                  None, None, 0)
    return _cast(y, x._dtype), _cast(mean, x._dtype), _cast(rstd, x._dtype)


def layer_norm(input, normalized_shape, weight=None, bias=None, double eps=1e-5):
    """torch.nn.functional.layer_norm."""
    _norm_devices("layer_norm", (input, normalized_shape, weight, bias))
    return native_layer_norm(input, normalized_shape, weight, bias, eps)[0]


def _layer_norm_top(input, normalized_shape, weight=None, bias=None, double eps=1e-5,
                    cudnn_enable=True):
    """torch.layer_norm's signature (the top-level pyt.layer_norm)."""
    _norm_devices("layer_norm", (input, normalized_shape, weight, bias, cudnn_enable))
    return native_layer_norm(input, normalized_shape, weight, bias, eps)[0]


def native_layer_norm_backward(grad_output, input, normalized_shape, mean, rstd, weight=None,
                               bias=None, output_mask=(True, True, True)):
    """(grad_input, grad_weight, grad_bias) of layer_norm, from the saved mean and rstd."""
    _norm_devices("native_layer_norm_backward", (grad_output, input, normalized_shape, mean,
                                                rstd, weight, bias, output_mask))
    cdef Tensor x = _tensor_arg(input, "input", "layer_norm_backward")
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "layer_norm_backward")
    normalized, lead = _layer_norm_shape(x, normalized_shape, weight, bias)
    if _shape(g) != _shape(x):
        raise RuntimeError(f"layer_norm_backward: grad_output of size {_shape(g)} does not "
                           f"match input of size {_shape(x)}")
    mask = (bool(output_mask[0]), bool(output_mask[1] and weight is not None),
            bool(output_mask[2] and bias is not None))
    if _wants_grad((g, x, mean, rstd, weight)):
        k = len(lead)
        n = 1
        for v in normalized:
            n *= v
        info = (_shape(x), lead + [1] * len(normalized), normalized, tuple(range(k, x._ndim)),
                tuple(range(k)), n, True, None)
        return _public_norm_grads(info, g, x, weight, bias, mean, rstd, mask, normalized)
    return _layer_norm_grads(g, x, weight, mean, rstd, mask, normalized, lead)


cdef tuple _public_norm_grads(tuple info, Tensor g, Tensor x, object weight, object bias,
                              object mean, object rstd, tuple mask, list affine_shape):
    """The norm backward functions with recorded ops (mean and rstd as given inputs)."""
    gx, gw, gb = _norm_composite(info, x, weight, mean, rstd, g, None, None, mask)
    affine = (affine_shape, (<Tensor>weight)._dtype if weight is not None else x._dtype)
    return (_fit(gx, _meta(x)), _fit(gw, affine),
            _fit(gb, _meta(bias) if bias is not None else affine))


def _layer_norm_grads(Tensor g, Tensor x, weight, mean, rstd, mask, list normalized,
                      list lead):
    """The native gradients of layer norm (checked arguments; mask says which)."""
    cdef RowNorm p
    cdef Tensor xc, gc, gx = None, gw = None, gb = None
    xc = _float_input(x, "layer_norm_backward")
    gc = _as(g, xc._dtype)
    p.rows = 1
    for s in lead:
        p.rows *= s
    p.n = 1
    for s in normalized:
        p.n *= s
    p.G = 1
    p.Cg = p.n
    p.S = 1
    p.eps = 0
    m = _as(_tensor_arg(mean, "mean", "layer_norm_backward"), xc._dtype)
    r = _as(_tensor_arg(rstd, "rstd", "layer_norm_backward"), xc._dtype)
    if (<Tensor>m)._numel != p.rows or (<Tensor>r)._numel != p.rows:
        raise RuntimeError(f"layer_norm_backward: expected mean and rstd with {p.rows} "
                           f"elements")
    if mask[0]:
        gx = _new_on(_shape(x), xc._dtype, False, x)
    if mask[1]:
        gw = _new_on(normalized, xc._dtype, False, x)
    if mask[2]:
        gb = _new_on(normalized, xc._dtype, False, x)
    _run_row_norm(&p, xc, _param(weight, xc._dtype, "weight", "layer_norm"), None, None, m, r,
                  gc, gx, gw, gb, p.n)
    return tuple([_cast(t, x._dtype) if t is not None else None for t in (gx, gw, gb)])


# ----- group norm ---------------------------------------------------------------------------

cdef tuple _group_norm_args(Tensor x, object num_groups, object weight, object bias):
    if x._ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{x._ndim}")
    if not _is_int(num_groups):
        raise TypeError(f"group_norm(): argument 'num_groups' must be int, not "
                        f"{type(num_groups).__name__}")
    G = int(num_groups)
    C = x._shape[1]
    if G <= 0 or C % G != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {_shape(x)} and "
                           f"num_groups={G}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            _tensor_arg(t, name, "group_norm")
            if (<Tensor>t)._ndim != 1 or (<Tensor>t)._numel != C:
                raise RuntimeError(f"Expected {name} to be a vector of size equal to the "
                                   f"number of channels in input, but got {name} of shape "
                                   f"{_shape(<Tensor>t)} and input of shape {_shape(x)}")
    HxW = 1
    for s in _shape(x)[2:]:
        HxW *= s
    return G, C, HxW


cdef void _group_plan(RowNorm* p, Py_ssize_t N, Py_ssize_t C, Py_ssize_t HxW, Py_ssize_t G,
                      double eps) noexcept:
    p.rows = N * G
    p.n = (C // G) * HxW
    p.G = G
    p.Cg = C // G
    p.S = HxW if HxW > 0 else 1
    p.eps = eps


def native_group_norm(input, weight, bias, N, C, HxW, group, double eps):
    """(output, mean, rstd) of group normalisation; mean and rstd are [N, group]
    (torch.native_group_norm)."""
    _norm_devices("native_group_norm", (input, weight, bias, N, C, HxW, group))
    cdef Tensor x
    if not _wants_grad((input, weight, bias)):
        return _group_norm_native(input, weight, bias, N, C, HxW, group, eps)
    x = _tensor_arg(input, "input", "group_norm")
    y, mean, rstd = _untracked(_group_norm_native, (x, weight, bias, N, C, HxW, group, eps))
    Cg = C // group
    _record_norm("NativeGroupNormBackward0", x, weight, bias, y, mean, rstd,
                 ([N, group, Cg, HxW], [N, group, 1, 1], [group, Cg, 1], (2, 3), (0, 3),
                  Cg * HxW, True, _bind(_group_norm_grads, (N, C, HxW, group))))
    return y, mean, rstd


def _group_norm_grads(g, x, weight, mean, rstd, mask, N, C, HxW, group):
    return native_group_norm_backward(g, x, mean, rstd, weight, N, C, HxW, group, mask)


def _group_norm_native(input, weight, bias, N, C, HxW, group, double eps):
    cdef Tensor x = _tensor_arg(input, "input", "group_norm")
    cdef RowNorm p
    cdef Tensor xc, y, mean, rstd
    G, C_, HxW_ = _group_norm_args(x, group, weight, bias)
    if x._shape[0] != N or C_ != C or HxW_ != HxW:
        raise RuntimeError(f"native_group_norm: N={N}, C={C}, HxW={HxW} do not match input "
                           f"of size {_shape(x)}")
    xc = _float_input(x, "GroupNormKernelImpl")
    _group_plan(&p, N, C, HxW, G, eps)
    y = _new_on(_shape(x), xc._dtype, False, x)
    mean = _new_on([N, G], xc._dtype, False, x)
    rstd = _new_on([N, G], xc._dtype, False, x)
    _run_row_norm(&p, xc, _param(weight, xc._dtype, "weight", "group_norm"),
                  _param(bias, xc._dtype, "bias", "group_norm"), y, mean, rstd, None, None,
                  None, None, 0)
    return _cast(y, x._dtype), _cast(mean, x._dtype), _cast(rstd, x._dtype)


def group_norm(input, num_groups, weight=None, bias=None, double eps=1e-5):
    """torch.nn.functional.group_norm over an input [N, C, *]."""
    _norm_devices("group_norm", (input, num_groups, weight, bias))
    cdef Tensor x = _tensor_arg(input, "input", "group_norm")
    G, C, HxW = _group_norm_args(x, num_groups, weight, bias)
    return native_group_norm(x, weight, bias, x._shape[0], C, HxW, G, eps)[0]


def _group_norm_top(input, num_groups, weight=None, bias=None, double eps=1e-5,
                    cudnn_enabled=True):
    """torch.group_norm's signature (the top-level pyt.group_norm)."""
    _norm_devices("group_norm", (input, num_groups, weight, bias, cudnn_enabled))
    return group_norm(input, num_groups, weight, bias, eps)


def native_group_norm_backward(grad_output, input, mean, rstd, weight, N, C, HxW, group,
                               output_mask=(True, True, True)):
    """(grad_input, grad_weight, grad_bias) of group norm from the saved mean and rstd."""
    _norm_devices("native_group_norm_backward", (grad_output, input, mean, rstd, weight, N, C,
                                                HxW, group, output_mask))
    cdef Tensor x = _tensor_arg(input, "input", "group_norm_backward")
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "group_norm_backward")
    cdef RowNorm p
    cdef Tensor xc, gc, gx = None, gw = None, gb = None
    G, C_, HxW_ = _group_norm_args(x, group, weight, None)
    if x._shape[0] != N or C_ != C or HxW_ != HxW:
        raise RuntimeError(f"native_group_norm_backward: N={N}, C={C}, HxW={HxW} do not "
                           f"match input of size {_shape(x)}")
    if _shape(g) != _shape(x):
        raise RuntimeError(f"group_norm_backward: grad_output of size {_shape(g)} does not "
                           f"match input of size {_shape(x)}")
    if _wants_grad((g, x, mean, rstd, weight)):
        info = ([N, group, C // group, HxW], [N, group, 1, 1], [group, C // group, 1], (2, 3),
                (0, 3), C // group * HxW, True, None)
        return _public_norm_grads(info, g, x, weight, None, mean, rstd,
                                  tuple([bool(m) for m in output_mask]), [C])
    xc = _float_input(x, "group_norm_backward")
    gc = _as(g, xc._dtype)
    m = _as(_tensor_arg(mean, "mean", "group_norm_backward"), xc._dtype)
    r = _as(_tensor_arg(rstd, "rstd", "group_norm_backward"), xc._dtype)
    if (<Tensor>m)._numel != N * G or (<Tensor>r)._numel != N * G:
        raise RuntimeError(f"group_norm_backward: expected mean and rstd with {N * G} "
                           f"elements")
    _group_plan(&p, N, C, HxW, G, 0)
    if output_mask[0]:
        gx = _new_on(_shape(x), xc._dtype, False, x)
    if output_mask[1]:
        gw = _new_on([C], xc._dtype, False, x)
    if output_mask[2]:
        gb = _new_on([C], xc._dtype, False, x)
    _run_row_norm(&p, xc, _param(weight, xc._dtype, "weight", "group_norm"), None, None, m, r,
                  gc, gx, gw, gb, C)
    return tuple([_cast(t, x._dtype) if t is not None else None for t in (gx, gw, gb)])


# ----- batch norm ---------------------------------------------------------------------------

cdef struct ChannelNorm:
    Py_ssize_t N, C, L              # input [N, C, L]
    double eps, momentum
    bint training


cdef void _bn_channel_forward(const ChannelNorm* p, const real* x, const real* w,
                              const real* b, real* y, real* save_mean, real* save_invstd,
                              real* run_mean, real* run_var, Py_ssize_t c) noexcept nogil:
    cdef Py_ssize_t n, l, M = p.N * p.L
    cdef const real* row
    cdef real* out
    cdef double m = 0, v = 0, invstd
    cdef real scale, shift
    if p.training:
        for n in range(p.N):
            m += _sum(x + (n * p.C + c) * p.L, p.L)
        m = m / M
        for n in range(p.N):
            v += _sqdev(x + (n * p.C + c) * p.L, p.L, m)
        invstd = 1.0 / sqrt(v / M + p.eps)
        save_mean[c] = <real>m
        save_invstd[c] = <real>invstd
        if run_mean != NULL:
            run_mean[c] = <real>((1 - p.momentum) * run_mean[c] + p.momentum * m)
        if run_var != NULL:      # the running variance is unbiased
            run_var[c] = <real>((1 - p.momentum) * run_var[c] +
                                p.momentum * (v / (M - 1) if M > 1 else v / M))
    else:
        m = run_mean[c]
        invstd = 1.0 / sqrt(<double>run_var[c] + p.eps)
    scale = <real>(invstd * (w[c] if w != NULL else 1))
    shift = <real>((b[c] if b != NULL else 0) - m * invstd * (w[c] if w != NULL else 1))
    for n in range(p.N):
        row = x + (n * p.C + c) * p.L
        out = y + (n * p.C + c) * p.L
        for l in range(p.L):
            out[l] = row[l] * scale + shift


cdef void _bn_channel_backward(const ChannelNorm* p, const real* g, const real* x,
                               const real* w, const real* mean, const real* invstd,
                               real* gx, real* gw, real* gb, Py_ssize_t c) noexcept nogil:
    """training: gx = w * invstd * (g - mean(g) - xhat * mean(g * xhat));
    eval: gx = w * invstd * g. mean / invstd are the saved or the running statistics."""
    cdef Py_ssize_t n, l, M = p.N * p.L
    cdef const real* gr
    cdef const real* xr
    cdef real* out
    cdef double m = mean[c], rs = invstd[c], sum_g = 0, sum_gx = 0, wc
    cdef real fm = mean[c], k0, k1, k2
    for n in range(p.N):
        sum_g += _sum(g + (n * p.C + c) * p.L, p.L)
        sum_gx += _wdotdev(g + (n * p.C + c) * p.L, <real*>NULL, x + (n * p.C + c) * p.L,
                           p.L, m)
    if gb != NULL:
        gb[c] = <real>sum_g
    if gw != NULL:
        gw[c] = <real>(sum_gx * rs)
    if gx == NULL:
        return
    wc = w[c] if w != NULL else 1
    k1 = <real>(rs * wc)
    k0 = <real>(rs * wc * sum_g / M) if p.training and M > 0 else 0
    k2 = <real>(rs * rs * rs * wc * sum_gx / M) if p.training and M > 0 else 0
    for n in range(p.N):
        gr = g + (n * p.C + c) * p.L
        xr = x + (n * p.C + c) * p.L
        out = gx + (n * p.C + c) * p.L
        for l in range(p.L):
            out[l] = gr[l] * k1 - k0 - (xr[l] - fm) * k2


cdef void _bn_kernel(const ChannelNorm* p, const real* x, const real* w, const real* b,
                     real* y, real* save_mean, real* save_invstd, real* run_mean,
                     real* run_var, const real* g, real* gx, real* gw,
                     real* gb) noexcept nogil:
    """Forward (g NULL) or backward (save_mean / save_invstd are the statistics used),
    in parallel over channels."""
    cdef Py_ssize_t c
    cdef int nt = _threads_for(p.N * p.C * p.L)
    if nt > 1 and p.C > 1:
        for c in prange(p.C, num_threads=nt, schedule="static"):
            if g == NULL:
                _bn_channel_forward(p, x, w, b, y, save_mean, save_invstd, run_mean, run_var, c)
            else:
                _bn_channel_backward(p, g, x, w, save_mean, save_invstd, gx, gw, gb, c)
    else:
        for c in range(p.C):
            if g == NULL:
                _bn_channel_forward(p, x, w, b, y, save_mean, save_invstd, run_mean, run_var, c)
            else:
                _bn_channel_backward(p, g, x, w, save_mean, save_invstd, gx, gw, gb, c)


cdef Tensor _bn_stat(object t, Py_ssize_t C, str name, DType cdt):
    """A per-channel vector (weight, bias, running statistic), checked, in cdt."""
    if t is None:
        return None
    cdef Tensor v = _tensor_arg(t, name, "batch_norm")
    if v._numel != C:
        raise RuntimeError(f"{name} should contain {C} elements not {v._numel}")
    return _reshaped(_as(v, cdt), [C])


cdef Tensor _invstd_of(Tensor var, double eps):
    cdef Tensor out
    cdef Py_ssize_t c
    if is_cuda(var):                    # 1 / sqrt(var + eps) in double, as below
        return _cast(1.0 / (_to_dtype(var, _f64, False) + eps).sqrt(), var._dtype)
    out = _new(_shape(var), var._dtype, False)
    for c in range(var._numel):
        if var._dtype.code == PYT_FLOAT32:
            (<float*>out._data)[c] = <float>(1.0 / sqrt((<float*>var._data)[c] + eps))
        else:
            (<double*>out._data)[c] = 1.0 / sqrt((<double*>var._data)[c] + eps)
    return out


cdef inline char* _ptr(Tensor t) noexcept nogil:
    return t._data if t is not None else NULL


def native_batch_norm(input, weight, bias, running_mean, running_var, bint training,
                      double momentum, double eps):
    """(output, save_mean, save_invstd) of batch normalisation over the channels (dim 1)
    of an input [N, C, *]; running statistics update in place when training. In eval
    mode the saved statistics are empty, as torch's are. The running statistics take
    no gradient."""
    _norm_devices("native_batch_norm", (input, weight, bias, running_mean, running_var))
    cdef Tensor x
    if not _wants_grad((input, weight, bias)):
        return _batch_norm_native(input, weight, bias, running_mean, running_var, training,
                                  momentum, eps)
    x = _tensor_arg(input, "input", "batch_norm")
    y, sm, si = _untracked(_batch_norm_native, (x, weight, bias, running_mean, running_var,
                                                training, momentum, eps))
    C = x._shape[1]
    L = x._numel // max(1, x._shape[0] * C)
    info = ([x._shape[0], C, L], [1, C, 1], [C, 1], (0, 2), (0, 2), x._shape[0] * L, training,
            _bind(_batch_norm_grads, (running_mean, running_var, training, eps)))
    if training:
        _record_norm("NativeBatchNormBackward0", x, weight, bias, y, sm, si, info)
    else:                               # normalised by the running statistics: constants
        _record_norm("NativeBatchNormBackward0", x, weight, bias, y, None, None, info,
                     running_mean, _invstd_of(_bn_stat(running_var, C, "running_var",
                                                        _compute_dtype(x._dtype)), eps))
    return y, detach(sm), detach(si)


def _batch_norm_grads(g, x, weight, mean, invstd, mask, running_mean, running_var, training,
                      eps):
    return native_batch_norm_backward(g, x, weight, running_mean, running_var, mean, invstd,
                                      training, eps, mask)


def _batch_norm_native(input, weight, bias, running_mean, running_var, bint training,
                       double momentum, double eps):
    cdef Tensor x = _tensor_arg(input, "input", "batch_norm")
    cdef ChannelNorm p
    cdef Tensor xc, y, sm, si, rm, rv, w, b
    cdef Py_ssize_t C
    if x._ndim < 2:
        raise RuntimeError(f"batch_norm: expected an input with at least 2 dims [N, C, *], "
                           f"but got input of size {_shape(x)}")
    C = x._shape[1]
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f'"batch_norm" not implemented for '
                                  f'\'{_type_name(x._dtype)}\'')
    xc = _float_input(x, "batch_norm")
    rm = _bn_stat(running_mean, C, "running_mean", xc._dtype)
    rv = _bn_stat(running_var, C, "running_var", xc._dtype)
    if not training and (rm is None or rv is None):
        raise RuntimeError(f"running_{'mean' if rm is None else 'var'} must be defined in "
                           f"evaluation mode")
    w = _bn_stat(weight, C, "weight", xc._dtype)
    b = _bn_stat(bias, C, "bias", xc._dtype)
    p.N = x._shape[0]
    p.C = C
    p.L = 1
    for s in _shape(x)[2:]:
        p.L *= s
    p.eps = eps
    p.momentum = momentum
    p.training = training
    y = _new_on(_shape(x), xc._dtype, False, x)
    sm = _new_on([C if training else 0], xc._dtype, False, x)
    si = _new_on([C if training else 0], xc._dtype, False, x)
    if training and x._numel == 0:
        raise RuntimeError(f"input tensor must have at least one element, but got "
                           f"input_sizes = {_shape(x)}")
    if is_cuda(xc):
        _norm_cuda("batch_norm", xc, p.N, C, p.L, C, 1, p.L, eps, momentum, w, b, y,
                   sm if training else None, si if training else None, rm, rv, None, None,
                   None, None, 0, training)
    else:
      with nogil:
        if xc._dtype.code == PYT_FLOAT32:
            _bn_kernel(&p, <float*>xc._data, <float*>_ptr(w), <float*>_ptr(b), <float*>y._data,
                       <float*>sm._data, <float*>si._data,
                       <float*>_ptr(rm),
                       <float*>_ptr(rv), NULL, NULL, NULL, NULL)
        else:
            _bn_kernel(&p, <double*>xc._data, <double*>_ptr(w), <double*>_ptr(b),
                       <double*>y._data, <double*>sm._data, <double*>si._data,
                       <double*>_ptr(rm),
                       <double*>_ptr(rv), NULL, NULL, NULL, NULL)
    if training and rm is not None:     # write the updated statistics back in place
        if rm._data != (<Tensor>running_mean)._data or rm._dtype is not (<Tensor>running_mean)._dtype:
            copy_into(<Tensor>running_mean, _reshaped(rm, _shape(<Tensor>running_mean)))
    if training and rv is not None:
        if rv._data != (<Tensor>running_var)._data or rv._dtype is not (<Tensor>running_var)._dtype:
            copy_into(<Tensor>running_var, _reshaped(rv, _shape(<Tensor>running_var)))
    stat_dtype = x._dtype if weight is None else (<Tensor>weight)._dtype
    return _cast(y, x._dtype), _cast(sm, stat_dtype), _cast(si, stat_dtype)


cdef Tensor _empty_batch_norm(Tensor x, object weight, object bias):
    """batch norm of an empty input: an empty result, recorded as torch records it (a
    copy, scaled and shifted)."""
    cdef Tensor out
    if not _wants_grad((x, weight, bias)):
        return _new_on(_shape(x), x._dtype, False, x)
    out = clone(x)
    view = [1, x._shape[1]] + [1] * (x._ndim - 2)
    if weight is not None:
        out = out * weight.reshape(view)
    if bias is not None:
        out = out + bias.reshape(view)
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm."""
    _norm_devices("batch_norm", (input, running_mean, running_var, weight, bias, training,
                                momentum, eps))
    cdef Tensor x = _tensor_arg(input, "input", "batch_norm")
    cdef Py_ssize_t n
    if training:
        n = x._numel // x._shape[1] if x._ndim >= 2 and x._shape[1] > 0 else x._numel
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input size {x.size()}")
    if x._numel == 0:                   # nothing to normalise; statistics stay as they are
        return _empty_batch_norm(x, weight, bias)
    return native_batch_norm(x, weight, bias, running_mean, running_var, training,
                             0.0 if momentum is None else momentum, eps)[0]


def _batch_norm_top(input, weight, bias, running_mean, running_var, training, momentum, eps,
                    cudnn_enabled):
    """torch.batch_norm's signature (the top-level pyt.batch_norm)."""
    _norm_devices("batch_norm", (input, weight, bias, running_mean, running_var, training,
                                momentum, eps, cudnn_enabled))
    if (<Tensor?>input)._numel == 0:
        return _empty_batch_norm(input, weight, bias)
    return native_batch_norm(input, weight, bias, running_mean, running_var, training,
                             momentum, eps)[0]


def native_batch_norm_backward(grad_output, input, weight, running_mean, running_var,
                               save_mean, save_invstd, bint train, double eps,
                               output_mask=(True, True, True)):
    """(grad_input, grad_weight, grad_bias) of batch norm. Training uses the saved
    statistics; eval uses the running ones (torch.native_batch_norm_backward)."""
    _norm_devices("native_batch_norm_backward", (grad_output, input, weight, running_mean,
                                                running_var, save_mean, save_invstd,
                                                output_mask))
    cdef Tensor x = _tensor_arg(input, "input", "batch_norm_backward")
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "batch_norm_backward")
    cdef ChannelNorm p
    cdef Tensor xc, gc, mean, invstd, w, gx = None, gw = None, gb = None
    cdef Py_ssize_t C, c
    if x._ndim < 2 or _shape(g) != _shape(x):
        raise RuntimeError(f"batch_norm_backward: grad_output of size {_shape(g)} does not "
                           f"match input of size {_shape(x)}")
    C = x._shape[1]
    if _wants_grad((g, x, weight, save_mean, save_invstd)):
        L = x._numel // max(1, x._shape[0] * C)
        info = ([x._shape[0], C, L], [1, C, 1], [C, 1], (0, 2), (0, 2), x._shape[0] * L, train,
                None)
        if train:
            mean, invstd = save_mean, save_invstd
        else:                           # the running statistics: constants
            mean = _tensor_arg(running_mean, "running_mean", "batch_norm_backward")
            invstd = _invstd_of(_bn_stat(running_var, C, "running_var",
                                         _compute_dtype(x._dtype)), eps)
        return _public_norm_grads(info, g, x, weight, None, mean, invstd,
                                  tuple([bool(m) for m in output_mask]), [C])
    xc = _float_input(x, "batch_norm_backward")
    gc = _as(g, xc._dtype)
    w = _bn_stat(weight, C, "weight", xc._dtype)
    if train:
        mean = _bn_stat(save_mean, C, "save_mean", xc._dtype)
        invstd = _bn_stat(save_invstd, C, "save_invstd", xc._dtype)
    else:
        mean = _bn_stat(running_mean, C, "running_mean", xc._dtype)
        invstd = _bn_stat(running_var, C, "running_var", xc._dtype)
        if invstd is not None:          # eval normalises with 1 / sqrt(running_var + eps)
            invstd = _invstd_of(invstd, eps)
    if mean is None or invstd is None:
        raise RuntimeError("batch_norm_backward: the statistics of the forward are needed")
    p.N = x._shape[0]
    p.C = C
    p.L = 1
    for s in _shape(x)[2:]:
        p.L *= s
    p.eps = eps
    p.momentum = 0
    p.training = train
    if output_mask[0]:
        gx = _new_on(_shape(x), xc._dtype, False, x)
    if output_mask[1]:
        gw = _new_on([C], xc._dtype, False, x)
    if output_mask[2]:
        gb = _new_on([C], xc._dtype, False, x)
    if is_cuda(xc):
        _norm_cuda("batch_norm_backward", xc, p.N, C, p.L, C, 1, p.L, eps, 0.0, w, None, None,
                   mean, invstd, None, None, gc, gx, gw, gb, C, train)
    else:
      with nogil:
        if xc._dtype.code == PYT_FLOAT32:
            _bn_kernel(&p, <float*>xc._data, <float*>_ptr(w), NULL, NULL, <float*>mean._data,
                       <float*>invstd._data, NULL, NULL, <float*>gc._data, <float*>_ptr(gx),
                       <float*>_ptr(gw), <float*>_ptr(gb))
        else:
            _bn_kernel(&p, <double*>xc._data, <double*>_ptr(w), NULL, NULL,
                       <double*>mean._data, <double*>invstd._data, NULL, NULL,
                       <double*>gc._data, <double*>_ptr(gx), <double*>_ptr(gw),
                       <double*>_ptr(gb))
    wdt = x._dtype if weight is None else (<Tensor>weight)._dtype
    return (_cast(gx, x._dtype) if gx is not None else None,
            _cast(gw, wdt) if gw is not None else None,
            _cast(gb, wdt) if gb is not None else None)


# the names the brief of this module uses
batch_norm_backward = native_batch_norm_backward
layer_norm_backward = native_layer_norm_backward
group_norm_backward = native_group_norm_backward


# ----- derivatives --------------------------------------------------------------------------
# Layer, group and batch norm are one computation on a view of x: statistics (mean, rstd)
# over some dims, x_hat = (x - mean) * rstd, y = x_hat * w + b. The node's outputs are
# y, mean and rstd (layer and batch norm hand the user detached statistics, as torch),
# and the backward reads the statistics back as those outputs: under create_graph their
# dependence on x is then differentiated through this same node, so the backward needs
# only arithmetic and sums, and derivatives of every order are right. At first order the
# native kernels run.

cdef int _record_norm(str name, Tensor x, object weight, object bias, Tensor y, Tensor mean,
                      Tensor rstd, tuple info, object const_mean=None,
                      object const_rstd=None) except -1:
    """info: (view of x, view of the statistics, view of w, dims the statistics reduce,
    dims the affine gradients sum, elements per statistic, training, native gradients)."""
    cdef Node node
    if mean is None:                    # batch norm in eval: no statistics of x
        node = _record(name, _norm_backward, (x, weight, bias), (y,))
        node.save(x, weight, const_mean, const_rstd)
    else:
        node = _record(name, _norm_backward, (x, weight, bias), (y, mean, rstd))
        node.save(x, weight)
        node.save_output(mean)
        node.save_output(rstd)
    node.ctx = (info, _meta(x), _meta(weight), _meta(bias))
    return 0


cdef Tensor _sum_over(Tensor t, tuple dims):
    return t.sum(dims) if dims else t


cdef object _fit(object t, object meta):
    """A gradient in the (shape, dtype) of meta."""
    cdef Tensor r = t
    if r is None:
        return None
    if r.size() != meta[0]:
        r = r.reshape(meta[0])
    if r._dtype is not meta[1]:
        r = _to_dtype(r, meta[1], False)
    return r


cdef tuple _norm_backward(Node node, tuple grads):
    info, x_meta, w_meta, b_meta = node.ctx
    view, stat_view, w_view, red, aff, n, training, native = info
    saved = node.saved_values()
    x, w, mean, rstd = saved[0], saved[1], saved[2], saved[3]
    g = grads[0]
    gm = grads[1] if len(grads) > 1 else None
    gr = grads[2] if len(grads) > 2 else None
    need = _needs(node)
    if not grad_enabled() and gm is None and gr is None:
        gx, gw, gb = native(g, x, w, mean, rstd, need)
        return (gx, _fit(gw, w_meta), _fit(gb, b_meta))
    gX, gW, gB = _norm_composite(info, x, w, mean, rstd, g, gm, gr, need)
    return (_fit(gX, x_meta), _fit(gW, w_meta), _fit(gB, b_meta))


cdef tuple _norm_composite(tuple info, Tensor x, object w, Tensor mean, Tensor rstd, object g,
                           object gm, object gr, tuple need):
    """The gradients (input's in the view's shape) written with recorded ops; gm and gr
    are the gradients that reach mean and rstd."""
    view, stat_view, w_view, red, aff, n, training, native = info
    X = x.reshape(view)
    M = mean.reshape(stat_view)
    R = rstd.reshape(stat_view)
    W = w.reshape(w_view) if w is not None else None
    xmu = X - M
    xhat = xmu * R
    gX = gW = gB = None
    if g is not None:
        G = g.reshape(view)
        gxhat = G * W if W is not None else G
        if not need[0]:
            pass
        elif training:
            gX = R * (gxhat - gxhat.mean(red, keepdim=True) -
                      xhat * (gxhat * xhat).mean(red, keepdim=True))
        else:
            gX = gxhat * R
        if need[1]:
            gW = _sum_over(G * xhat, aff)
        if need[2]:
            gB = _sum_over(G, aff)
    if gm is not None and need[0]:      # d mean / dx = 1 / n
        t = (gm.reshape(stat_view) * (1.0 / n)).expand(view)
        gX = t if gX is None else gX + t
    if gr is not None and need[0]:      # d rstd / dx = -rstd^3 (x - mean) / n
        t = xmu * (gr.reshape(stat_view) * R * R * R * (-1.0 / n))
        gX = t if gX is None else gX + t
    return gX, gW, gB
