# interpolate: nearest, nearest-exact, linear / bilinear / trilinear, bicubic, lanczos
# (bilinear and bicubic with or without antialias, lanczos with), area.
#
# Every mode but area is separable: output position o along a dim reads a few input
# positions ("taps") with weights, computed once per dim exactly as torch computes
# them (its source-index formulas, align_corners, scale_factor; antialias widens the
# filter by the downscale factor). The resize then runs
# as one pass per spatial dim; the gradient runs the adjoint passes (scatter-add along
# the same taps) in reverse order. area is adaptive average pooling. On CUDA each pass
# is resample.cu's, from the same taps.

cdef struct Taps:
    Py_ssize_t n_in, n_out, ntaps
    int64_t* idx                        # [n_out, ntaps] input positions
    double* w                           # [n_out, ntaps] weights


cdef void _resample_slice(const real* x, real* y, const Taps* t, Py_ssize_t inner,
                          bint adjoint) noexcept nogil:
    """One [n, inner] slice. Forward: y[o] = sum_k w[o, k] * x[idx[o, k]] (rows of inner
    values); adjoint: y[idx[o, k]] += w[o, k] * x[o] (y holds zeros)."""
    cdef Py_ssize_t o, k, i
    cdef real wk, acc, w0, w1
    cdef real* yr
    cdef const real* xr
    cdef const real* xr1
    if inner == 1:                      # the innermost dim: a gather per output
        if adjoint:
            for o in range(t.n_out):
                for k in range(t.ntaps):
                    y[t.idx[o * t.ntaps + k]] += <real>t.w[o * t.ntaps + k] * x[o]
        elif t.ntaps == 2:
            for o in range(t.n_out):
                y[o] = (<real>t.w[2 * o] * x[t.idx[2 * o]] +
                        <real>t.w[2 * o + 1] * x[t.idx[2 * o + 1]])
        else:
            for o in range(t.n_out):
                acc = 0
                for k in range(t.ntaps):
                    acc = acc + <real>t.w[o * t.ntaps + k] * x[t.idx[o * t.ntaps + k]]
                y[o] = acc
        return
    if not adjoint and t.ntaps == 2:    # linear: two rows blended, no zeroing pass
        for o in range(t.n_out):
            yr = y + o * inner
            xr = x + t.idx[2 * o] * inner
            xr1 = x + t.idx[2 * o + 1] * inner
            w0 = <real>t.w[2 * o]
            w1 = <real>t.w[2 * o + 1]
            for i in range(inner):
                yr[i] = w0 * xr[i] + w1 * xr1[i]
        return
    for o in range(t.n_out):
        if adjoint:
            xr = x + o * inner
            for k in range(t.ntaps):
                wk = <real>t.w[o * t.ntaps + k]
                yr = y + t.idx[o * t.ntaps + k] * inner
                for i in range(inner):
                    yr[i] += wk * xr[i]
        else:
            yr = y + o * inner
            for i in range(inner):
                yr[i] = 0
            for k in range(t.ntaps):
                wk = <real>t.w[o * t.ntaps + k]
                xr = x + t.idx[o * t.ntaps + k] * inner
                for i in range(inner):
                    yr[i] += wk * xr[i]


cdef void _resample_kernel(const real* x, real* y, const Taps* t, Py_ssize_t outer,
                           Py_ssize_t inner, bint adjoint) noexcept nogil:
    cdef Py_ssize_t o
    cdef Py_ssize_t xl = (t.n_out if adjoint else t.n_in) * inner
    cdef Py_ssize_t yl = (t.n_in if adjoint else t.n_out) * inner
    cdef int nt = _threads_for(outer * t.n_out * inner * t.ntaps)
    if nt > 1 and outer > 1:
        for o in prange(outer, num_threads=nt, schedule="static"):
            _resample_slice(x + o * xl, y + o * yl, t, inner, adjoint)
    else:
        for o in range(outer):
            _resample_slice(x + o * xl, y + o * yl, t, inner, adjoint)


# ----- taps, as torch computes them ---------------------------------------------------------

cdef double _area_scale(Py_ssize_t n_in, Py_ssize_t n_out, bint align_corners, object sf):
    if align_corners:
        return (n_in - 1) / <double>(n_out - 1) if n_out > 1 else 0.0
    if sf is not None and sf > 0:
        return 1.0 / sf
    return n_in / <double>n_out


cdef double _source_index(double scale, Py_ssize_t o, bint align_corners, bint cubic):
    cdef double src
    if align_corners:
        return scale * o
    src = scale * (o + 0.5) - 0.5
    return 0.0 if (not cubic and src < 0) else src


cdef inline double _cubic1(double x, double A):
    return ((A + 2) * x - (A + 3)) * x * x + 1


cdef inline double _cubic2(double x, double A):
    return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A


cdef inline double _sinc(double x):
    return 1.0 if x == 0.0 else sin(x * M_PI) / (x * M_PI)


cdef inline double _aa_filter(double x, int radius):
    """The antialiasing filters, by radius: 1 a triangle, 2 Keys' cubic with A = -0.5,
    3 Lanczos-3 (as PIL's)."""
    if radius == 3:
        return _sinc(x) * _sinc(x / 3.0) if -3.0 <= x < 3.0 else 0.0
    x = fabs(x)
    if radius == 1:
        return 1.0 - x if x < 1.0 else 0.0
    if x < 1.0:
        return _cubic1(x, -0.5)
    return _cubic2(x, -0.5) if x < 2.0 else 0.0


cdef int _make_aa_taps(Taps* t, Py_ssize_t n_in, Py_ssize_t n_out, int radius,
                       bint align_corners, object sf) except -1:
    """antialias=True: each output averages the inputs under the filter stretched by the
    downscale factor (unstretched when upscaling), weights normalised to sum 1."""
    cdef Py_ssize_t o, j, xmin, xsize
    cdef double scale = _area_scale(n_in, n_out, align_corners, sf)
    cdef double support = radius * (scale if scale >= 1.0 else 1.0)
    cdef double invscale = 1.0 / scale if scale >= 1.0 else 1.0
    cdef double center, w, total
    t.ntaps = <Py_ssize_t>ceil(support) * 2 + 1
    t.idx = <int64_t*>_alloc(n_out * t.ntaps * sizeof(int64_t))
    t.w = <double*>_alloc(n_out * t.ntaps * sizeof(double))
    for o in range(n_out):
        center = scale * (o + 0.5)
        # C casts (truncation toward zero), as torch's
        xmin = max(<Py_ssize_t>(center - support + 0.5), 0)
        xsize = min(max(min(<Py_ssize_t>(center + support + 0.5), n_in) - xmin, 0), t.ntaps)
        total = 0.0
        for j in range(t.ntaps):
            w = _aa_filter((j + xmin - center + 0.5) * invscale, radius) if j < xsize else 0.0
            t.w[o * t.ntaps + j] = w
            t.idx[o * t.ntaps + j] = min(xmin + j, n_in - 1)   # spare taps weigh 0
            total += w
        if total != 0.0:
            for j in range(xsize):
                t.w[o * t.ntaps + j] /= total
    return 0


cdef int _make_taps(Taps* t, Py_ssize_t n_in, Py_ssize_t n_out, str mode, bint align_corners,
                    object sf, bint exact_steps) except -1:
    """Fills t (malloc'ed arrays; the caller frees them). mode may end in "-aa"
    (antialias). exact_steps: nearest copies (size kept) or halves indices (size doubled)
    instead of using the float scale, as torch's CPU forward does for 2-D inputs only (and
    its backward always)."""
    cdef Py_ssize_t o, k, i0
    cdef float fscale
    cdef double scale, src, lam, tt
    cdef double A = -0.75
    t.n_in = n_in
    t.n_out = n_out
    t.idx = NULL
    t.w = NULL
    if mode.endswith("-aa"):
        return _make_aa_taps(t, n_in, n_out, _AA_RADIUS[mode], align_corners, sf)
    t.ntaps = 1 if mode in ("nearest", "nearest-exact") else (4 if mode == "bicubic" else 2)
    t.idx = <int64_t*>_alloc(n_out * t.ntaps * sizeof(int64_t))
    t.w = <double*>_alloc(n_out * t.ntaps * sizeof(double))
    if t.ntaps == 1:                    # torch computes nearest indices in float
        fscale = <float>(1.0 / sf) if (sf is not None and sf > 0) else (<float>n_in / n_out)
        for o in range(n_out):
            if mode == "nearest" and exact_steps and n_out == n_in:
                i0 = o
            elif mode == "nearest" and exact_steps and n_out == 2 * n_in:
                i0 = o >> 1
            elif mode == "nearest":
                i0 = <Py_ssize_t>floor(<float>(o * fscale))
            else:
                i0 = <Py_ssize_t>floor(<float>((o + 0.5) * <double>fscale))
            t.idx[o] = min(i0, n_in - 1)
            t.w[o] = 1.0
        return 0
    scale = _area_scale(n_in, n_out, align_corners, sf)
    for o in range(n_out):
        src = _source_index(scale, o, align_corners, t.ntaps == 4)
        if t.ntaps == 2:
            i0 = min(<Py_ssize_t>floor(src), n_in - 1)
            lam = min(max(src - i0, 0.0), 1.0)
            t.idx[2 * o] = i0
            t.idx[2 * o + 1] = i0 + 1 if i0 < n_in - 1 else i0
            t.w[2 * o] = 1.0 - lam
            t.w[2 * o + 1] = lam
        else:
            i0 = <Py_ssize_t>floor(src)
            tt = src - i0
            t.w[4 * o] = _cubic2(tt + 1.0, A)
            t.w[4 * o + 1] = _cubic1(tt, A)
            t.w[4 * o + 2] = _cubic1(1.0 - tt, A)
            t.w[4 * o + 3] = _cubic2(2.0 - tt, A)
            for k in range(4):          # taps outside the input repeat its edge
                t.idx[4 * o + k] = min(max(i0 - 1 + k, 0), n_in - 1)
    return 0


def _interpolate_taps(n_in, n_out, str mode, bint align_corners, scale_factor=None,
                      bint exact_steps=False):
    """(input positions, weights, taps per output) of one dim, as the passes use them:
    for the host checks of the GPU's index math."""
    cdef Taps t
    t.idx = NULL
    t.w = NULL
    try:
        _make_taps(&t, n_in, n_out, mode, align_corners, scale_factor, exact_steps)
        return ([t.idx[q] for q in range(t.n_out * t.ntaps)],
                [t.w[q] for q in range(t.n_out * t.ntaps)], t.ntaps)
    finally:
        free(t.idx)
        free(t.w)


# ----- planning, as torch.nn.functional.interpolate does it ---------------------------------

cdef dict _INTERP_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5,
                          "lanczos": 4}
cdef dict _AA_RADIUS = {"bilinear-aa": 1, "bicubic-aa": 2, "lanczos-aa": 3}


cdef tuple _interp_plan(list in_shape, object size, object scale_factor, str mode,
                        object align_corners, object recompute_scale_factor, bint antialias):
    """(output spatial sizes, scale factors per dim or None, align_corners)."""
    cdef int nd = len(in_shape), dim = nd - 2, i
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    elif mode == "lanczos" and align_corners:
        raise ValueError("Lanczos mode does not support align_corners=True")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    elif size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{in_shape[2:]} and output size of {size}. Please provide "
                                 f"input tensor in (N, C, d1, d2, ...,dK) format and output "
                                 f"size in (o1, o2, ...,oK) format.")
            out_size = list(size)
        else:
            out_size = [size] * dim
        if not all(isinstance(s, int) or isinstance(s, Tensor) and not
                   (<Tensor>s)._dtype.is_floating_point for s in out_size):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] "
                            f"or Tuple[int, int, int], but got size with types "
                            f"{[type(s) for s in out_size]}")
        out_size = [int(s) for s in out_size]
    elif scale_factor is not None:
        out_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{in_shape[2:]} and scale_factor of shape {scale_factor}. "
                                 f"Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 f"format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_size is None:
        recompute_scale_factor = True
    if out_size is None:
        out_size = [<Py_ssize_t>floor(in_shape[2 + i] * scales[i]) for i in range(dim)]
    if recompute_scale_factor:
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and nd == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if mode not in ("nearest", "nearest-exact", "area") and mode not in _INTERP_RANK or \
            nd < 3 or nd > 5:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {nd}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | lanczos | area | nearest-exact "
                                  f"(got {mode})")
    if mode in ("bicubic", "lanczos") and nd != 4:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {nd}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | lanczos | area | nearest-exact "
                                  f"(got {mode})")
    if mode == "lanczos" and not antialias:
        raise ValueError("Lanczos mode requires antialias=True")
    if mode in _INTERP_RANK and _INTERP_RANK[mode] != nd:
        raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs "
                                  f"{_INTERP_RANK[mode]}D input")
    if mode == "area":                  # adaptive_avg_pool checks its own sizes
        return out_size, scales, False
    if any(s <= 0 for s in in_shape[2:]) or any(s <= 0 for s in out_size):
        names = ("D", "H", "W")[3 - dim:]
        ins = ", ".join([f"{n}: {s}" for n, s in zip(names, in_shape[2:])])
        outs = ", ".join([f"{n}: {s}" for n, s in zip(names, out_size)])
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({ins}){' and' if dim == 1 else ''} output ({outs})")
    if in_shape[1] == 0:
        raise RuntimeError(f"Non-empty {nd}D data tensor expected but got a tensor with sizes "
                           f"{in_shape}")
    return out_size, scales, bool(align_corners)


cdef Tensor _run_passes(Tensor x, list in_shape, list out_size, list scales, str mode,
                        bint align_corners, bint adjoint):
    """Forward: resize x (shaped in_shape) dim by dim; adjoint: x is the gradient of the
    output, and the passes run backwards."""
    cdef int dim = len(out_size), i, d, rc
    cdef Taps t
    cdef Py_ssize_t outer, inner
    cdef Tensor cur = x, nxt
    shape = list(in_shape) if not adjoint else in_shape[:2] + list(out_size)
    # shrinking passes first, and of equal ones the innermost (a gather per element)
    # first, so the gathers and later passes see as little data as possible
    order = sorted(range(dim), key=lambda i: (out_size[i] / in_shape[2 + i], -i))
    if adjoint:
        order = order[::-1]
    for i in order:
        d = 2 + i
        t.idx = NULL
        t.w = NULL
        try:
            _make_taps(&t, in_shape[d], out_size[i], mode, align_corners,
                       scales[i] if scales is not None else None, dim == 2)
            outer = 1
            for s in shape[:d]:
                outer *= s
            inner = 1
            for s in shape[d + 1:]:
                inner *= s
            shape[d] = in_shape[d] if adjoint else out_size[i]
            if is_cuda(cur):
                nxt = _new_on(shape, cur._dtype, False, cur)
                with nogil:
                    rc = pyt_cuda_resample(adjoint, cur._dtype.code, cur._data, nxt._data,
                                           outer, t.n_in, t.n_out, inner, t.ntaps, t.idx, t.w)
                cuda_check(rc, "interpolate_backward" if adjoint else "interpolate")
            else:
                nxt = _new(shape, cur._dtype, adjoint)
                with nogil:
                    if cur._dtype.code == PYT_FLOAT32:
                        _resample_kernel(<float*>cur._data, <float*>nxt._data, &t, outer,
                                         inner, adjoint)
                    else:
                        _resample_kernel(<double*>cur._data, <double*>nxt._data, &t, outer,
                                         inner, adjoint)
            cur = nxt
        finally:
            free(t.idx)
            free(t.w)
    return cur


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """torch.nn.functional.interpolate for [N, C, *spatial] inputs with 1-3 spatial dims."""
    cdef Tensor x = _tensor_arg(input, "input", "interpolate")
    in_shape = _shape(x)
    out_size, scales, ac = _interp_plan(in_shape, size, scale_factor, mode, align_corners,
                                        recompute_scale_factor, antialias)
    if mode == "area":
        return _adaptive(x, x._ndim - 2, out_size, False, f"adaptive_avg_pool{x._ndim - 2}d")[0]
    if x._dtype.code == PYT_UINT8 and mode.startswith("nearest"):
        # torch resizes images of bytes too; nearest just moves them, so float32 is exact
        return _cast(interpolate(_to_dtype(x, _f32, False), size, scale_factor,
                                 mode, align_corners, recompute_scale_factor), x._dtype)
    if x._dtype.code == PYT_UINT8 and mode in ("bilinear", "bicubic", "lanczos"):
        raise NotImplementedError(f"interpolate: pyt has no uint8 '{mode}' mode (torch "
                                  f"rounds it through fixed-point weights); convert to float")
    if antialias and not x._dtype.is_floating_point or \
            antialias and x._dtype.code in (PYT_FLOAT16, PYT_BFLOAT16) and not is_cuda(x):
        raise NotImplementedError(f'"compute_index_ranges_weights" not implemented for '
                                  f'\'{_type_name(x._dtype)}\'')
    if not x._dtype.is_floating_point:
        kind = "nearest" if mode.startswith("nearest") else (
            "cubic" if mode == "bicubic" else "linear")
        raise NotImplementedError(f'"compute_indices_weights_{kind}" not implemented for '
                                  f'\'{_type_name(x._dtype)}\'')
    if antialias:
        mode = mode + "-aa"
    plan = (in_shape, out_size, scales, mode, ac)
    if not _tracks(x):
        return _resize(x, *plan)
    name = _upsample_name(mode, len(out_size))
    return _linear(x, _bind(_resize, plan), name, _bind(_resize_adjoint, plan), _twice(name))


cdef str _upsample_name(str mode, int dim):
    if mode == "nearest":
        return f"UpsampleNearest{dim}DBackward0"
    if mode == "nearest-exact":
        return f"UpsampleNearestExact{dim}DBackward0"
    return {"linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
            "bicubic": "UpsampleBicubic2DBackward0", "trilinear": "UpsampleTrilinear3DBackward0",
            "bilinear-aa": "UpsampleBilinear2DAaBackward0",
            "bicubic-aa": "UpsampleBicubic2DAaBackward0",
            "lanczos-aa": "UpsampleLanczos2DAaBackward0"}[mode]


def _resize(Tensor x, list in_shape, list out_size, scales, str mode, bint ac):
    return _cast(_run_passes(_float_input(x, "interpolate"), in_shape, out_size, scales, mode,
                             ac, False), x._dtype)


def _resize_adjoint(Tensor g, list in_shape, list out_size, scales, str mode, bint ac):
    return _cast(_run_passes(_float_input(g, "interpolate_backward"), in_shape, out_size,
                             scales, mode, ac, True), g._dtype)


def interpolate_backward(grad_output, input_size, size=None, scale_factor=None,
                         mode="nearest", align_corners=None, recompute_scale_factor=None,
                         antialias=False):
    """Gradient of interpolate for its input (of shape input_size); recorded when
    grad_output needs a gradient."""
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", "interpolate_backward")
    in_shape = [int(s) for s in input_size]
    out_size, scales, ac = _interp_plan(in_shape, size, scale_factor, mode, align_corners,
                                        recompute_scale_factor, antialias)
    expected = in_shape[:2] + list(out_size)
    if _shape(g) != expected:
        raise RuntimeError(f"interpolate_backward: expected grad_output of size {expected}, "
                           f"but got {_shape(g)}")
    if mode == "area":
        return adaptive_avg_pool_backward(g, _new_on(in_shape, g._dtype, False, g),
                                          len(out_size))
    if antialias:
        mode = mode + "-aa"
    plan = (in_shape, out_size, scales, mode, ac)
    name = _upsample_name(mode, len(out_size))
    return _linear(g, _bind(_resize_adjoint, plan), _twice(name), _bind(_resize, plan), name)
