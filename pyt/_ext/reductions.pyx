# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Reductions, scans and sorting: sum ... logsumexp, cumsum ... logcumsumexp, sort ...
unique, bincount, histc, searchsorted.

Every op checks its arguments here (torch's errors), brings its input into the layout
its kernel wants, and runs a C kernel without the GIL:
    include/pyt_reduce.h   the reduction engine (inner and vector kernels, chunked
                           deterministically, so 1 and N threads agree bit for bit)
    include/pyt_scan.h     scans along a dim
    include/pyt_sort.h     order-preserving keys, stable radix/merge sort, selection,
                           binary search
"""
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from libc.math cimport sqrt, log, pow, fabs, isfinite, isnan, INFINITY, NAN

from pyt._ext.tensor cimport (Tensor, new_empty, copy_into, contiguous, wrap_dim,
    _contiguous_strides, _to_dtype, _parse_dtype, scalar_tensor_of, grad_enabled,
    set_grad_enabled_flag, _wants_grad, _refuse_out, _record, _grad_like, _meta,
    is_cuda, cuda_check, refuse_cuda)
from pyt._ext.cuda_api cimport pyt_cuda_reduce, pyt_cuda_scan, pyt_cuda_rowop
from pyt._ext.cuda_api cimport (pyt_cuda_sort_rows, pyt_cuda_unique_runs,
    pyt_cuda_unique_emit, pyt_cuda_minmax, pyt_cuda_bincount, pyt_cuda_histc,
    pyt_cuda_searchsorted, pyt_cuda_mode)
from pyt._ext.graph cimport Node
from pyt._ext.dtypes cimport dtype as DType
from pyt._ext.dtypes cimport scalar_type_name, cpp_type_name
from pyt._ext.dtypes cimport (pyt_half_to_float, pyt_float_to_half, pyt_bfloat16_to_float,
    pyt_float_to_bfloat16)
from pyt._ext.dtypes cimport (dtype_of_code, promote, get_default, is_integral,
    PYT_BOOL, PYT_UINT8, PYT_INT8, PYT_INT16, PYT_INT32, PYT_INT64, PYT_FLOAT16,
    PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64, PYT_NUM_DTYPES)
from pyt._ext.loop cimport PYT_MAX_DIMS
from pyt._ext.parallel cimport num_threads

import warnings as _warnings
from pyt._ext import dtypes as _dtypes
from pyt._ext.tensor import (zeros as _zeros, ones_like as _ones_like, where as _where,
    cat as _cat)
from pyt import return_types as _rt

cdef extern from "pyt_reduce.h":
    enum:
        PYT_RED_SUM, PYT_RED_NANSUM, PYT_RED_PROD, PYT_RED_MAX, PYT_RED_MIN,
        PYT_RED_ARGMAX, PYT_RED_ARGMIN, PYT_RED_ALL, PYT_RED_ANY, PYT_RED_COUNT,
        PYT_RED_NOTNAN, PYT_RED_ABSSUM, PYT_RED_SQSUM, PYT_RED_ABSMAX, PYT_RED_ABSMIN,
        PYT_RED_POWSUM, PYT_RED_SQDEV, PYT_RED_EXPSUM
    ctypedef struct pyt_reduction:
        const char* in_ "in"
        char* acc
        int64_t* idx
        const double* center
        double p
    int pyt_red_acc_code(int op, int code) nogil
    void pyt_reduce_setup(pyt_reduction* r, int op, int code, int ndim,
                          const Py_ssize_t* shape, const Py_ssize_t* strides,
                          const char* reduce, const Py_ssize_t* ostride) nogil
    int pyt_reduce_run(pyt_reduction* r, int nthreads) nogil

cdef extern from "pyt_scan.h":
    enum:
        PYT_SCAN_SUM, PYT_SCAN_PROD, PYT_SCAN_MAX, PYT_SCAN_MIN, PYT_SCAN_LOGSUMEXP
        PYT_SCAN_I64, PYT_SCAN_F32, PYT_SCAN_F64
    ctypedef void (*pyt_scan_fn)(const char* inp, char* out, int64_t* idx, Py_ssize_t n,
                                 Py_ssize_t B, Py_ssize_t a, Py_ssize_t b0,
                                 Py_ssize_t b1) noexcept nogil
    const pyt_scan_fn pyt_scan_table[5][3]
    void pyt_scan_run(pyt_scan_fn fn, const char* inp, char* out, int64_t* idx,
                      Py_ssize_t A, Py_ssize_t n, Py_ssize_t B, int nthreads) nogil

cdef extern from "pyt_sort.h":
    enum:
        PYT_ROW_SORT, PYT_ROW_TOPK, PYT_ROW_KTH, PYT_ROW_MEDIAN, PYT_ROW_NANMEDIAN,
        PYT_ROW_MODE
    ctypedef struct pyt_rowop:
        int kind, code, itemsize, descending
        Py_ssize_t A, n, B, kout, k
        const char* in_ "in"
        char* vals
        int64_t* idx
    int pyt_rowop_run(const pyt_rowop* op, int nthreads) nogil
    ctypedef void (*pyt_keys_fn)(const char* p, Py_ssize_t n, Py_ssize_t s, uint64_t* k,
                                 int desc) noexcept nogil
    const pyt_keys_fn pyt_keys_table[10]
    const uint64_t pyt_nan_key[10]
    void pyt_sort_pairs(uint64_t* k, int64_t* ix, Py_ssize_t n, uint64_t* tk,
                        int64_t* tix) nogil
    void pyt_sort_rows(const uint64_t* k, Py_ssize_t L, int64_t* perm, Py_ssize_t n,
                       int64_t* tmp) nogil
    int pyt_rows_cmp(const uint64_t* k, Py_ssize_t L, int64_t a, int64_t b) nogil
    ctypedef void (*pyt_search_fn)(const char* seq, Py_ssize_t n, const int64_t* sorter,
                                   const char* vals, Py_ssize_t m, int right,
                                   int64_t* out) noexcept nogil
    const pyt_search_fn pyt_search_table[10]

cdef DType _bool = _dtypes.bool_
cdef DType _uint8 = _dtypes.uint8
cdef DType _int32 = _dtypes.int32
cdef DType _int64 = _dtypes.int64
cdef DType _float32 = _dtypes.float32
cdef DType _float64 = _dtypes.float64


# ----- shared helpers -----------------------------------------------------------------

cdef inline Tensor _tensor_arg(object x, str fname, str argname="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be Tensor, "
                        f"not {type(x).__name__}")
    return <Tensor>x


cdef int _dim_mask(Tensor x, object dim, char* mask, bint empty_means_all) except -1:
    """mask[d] = 1 for each dim the op reduces (dim: None, an int, or a tuple/list)."""
    cdef int i, d, nd = x._ndim
    cdef bint all_dims = dim is None
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        all_dims = empty_means_all
    for i in range(nd):
        mask[i] = 1 if all_dims else 0
    if all_dims or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return 0
    for item in (dim if isinstance(dim, (tuple, list)) else (dim,)):
        d = wrap_dim(item, nd)
        if nd == 0:
            continue
        if mask[d]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        mask[d] = 1
    return 0


cdef Py_ssize_t _reduced_size(Tensor x, const char* mask) noexcept:
    cdef Py_ssize_t k = 1
    cdef int d
    for d in range(x._ndim):
        if mask[d]:
            k *= x._shape[d]
    return k


cdef int _check_nonempty(Tensor x, const char* mask, str fname, bint had_dim) except -1:
    """The ops without an identity (max, argmax, ...) refuse empty reductions."""
    cdef int d
    if not had_dim and x._numel == 0:
        raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for "
                           f"input.numel() == 0. Specify the reduction dim with the 'dim' "
                           f"argument.")
    for d in range(x._ndim):
        if mask[d] and x._shape[d] == 0:
            raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")
    return 0


cdef tuple _run(Tensor x, int op, const char* mask, Tensor center=None, double p=0,
                bint want_idx=False):
    """Runs the engine: the accumulators (contiguous, kept dims) and the indices of
    arg ops. center: float64 accumulator-shaped tensor for SQDEV / EXPSUM."""
    cdef Py_ssize_t kshape[PYT_MAX_DIMS]
    cdef Py_ssize_t kstrides[PYT_MAX_DIMS]
    cdef Py_ssize_t ostride[PYT_MAX_DIMS]
    cdef Py_ssize_t bstrides[PYT_MAX_DIMS]
    cdef int d, nk = 0, nd = x._ndim, code = pyt_red_acc_code(op, x._dtype.code)
    cdef int nthreads = num_threads(), rc
    cdef pyt_reduction r
    cdef Tensor acc, idx = None
    if code < 0:
        raise TypeError(f"reduction not supported for {x._dtype}")
    if is_cuda(x):
        return _run_cuda(x, op, mask, center, p, want_idx, code)
    for d in range(nd):
        bstrides[d] = x._strides[d] * x._dtype.itemsize
        if not mask[d]:
            kshape[nk] = x._shape[d]
            nk += 1
    _contiguous_strides(nk, kshape, kstrides)
    nk = 0
    for d in range(nd):
        ostride[d] = 0
        if not mask[d]:
            ostride[d] = kstrides[nk]
            nk += 1
    acc = new_empty(nk, kshape, dtype_of_code(code), x._device, False)
    if want_idx:
        idx = new_empty(nk, kshape, _int64, x._device, False)
    pyt_reduce_setup(&r, op, x._dtype.code, nd, x._shape, bstrides, mask, ostride)
    r.in_ = x._data
    r.acc = acc._data
    r.idx = <int64_t*>idx._data if want_idx else NULL
    r.center = <const double*>center._data if center is not None else NULL
    r.p = p
    with nogil:
        rc = pyt_reduce_run(&r, nthreads)
    if rc < 0:
        raise MemoryError()
    return acc, idx


cdef tuple _run_cuda(Tensor x, int op, const char* mask, Tensor center, double p,
                     bint want_idx, int code):
    """_run on the GPU: the same engine contract (reduce.cu), the results on x's device."""
    cdef int64_t shape[PYT_MAX_DIMS]
    cdef int64_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t kshape[PYT_MAX_DIMS]
    cdef int d, nk = 0, nd = x._ndim, rc
    cdef Tensor acc, idx = None
    cdef const char* inp = x._data
    cdef char* accp
    cdef int64_t* idxp = NULL
    cdef const double* cp = NULL
    for d in range(nd):
        shape[d] = x._shape[d]
        strides[d] = x._strides[d] * x._dtype.itemsize
        if not mask[d]:
            kshape[nk] = x._shape[d]
            nk += 1
    acc = new_empty(nk, kshape, dtype_of_code(code), x._device, False)
    accp = acc._data
    if want_idx:
        idx = new_empty(nk, kshape, _int64, x._device, False)
        idxp = <int64_t*>idx._data
    if center is not None:
        if not is_cuda(center) or center._dtype is not _float64 or center._numel != acc._numel:
            raise RuntimeError("pyt: internal error: a CUDA reduction's center must be a "
                               "float64 tensor of the result's shape on the same device")
        center = contiguous(center)
        cp = <const double*>center._data
    with nogil:
        rc = pyt_cuda_reduce(op, x._dtype.code, code, nd, shape, strides, mask, inp, accp,
                             idxp, cp, p)
    cuda_check(rc, "reduction")
    return acc, idx


cdef Tensor _shaped(Tensor t, Tensor x, const char* mask, bint keepdim):
    """t (contiguous, kept dims) with the reduced dims back as size 1 when keepdim."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int d
    if not keepdim or x._ndim == t._ndim:
        return t
    for d in range(x._ndim):
        shape[d] = 1 if mask[d] else x._shape[d]
    _contiguous_strides(x._ndim, shape, strides)
    t._set_geometry(x._ndim, shape, strides)
    return t


cdef Tensor _cast(Tensor t, DType dt):
    return t if t._dtype is dt else _to_dtype(t, dt, False)


cdef object _store(Tensor result, object out):
    """Copies result into out (resized to fit) when given; out's dtype is the caller's
    check."""
    cdef Tensor o
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    o = out
    if o.size() != result.size():
        o.resize_(result.size())
    copy_into(o, result)
    o._storage.version += 1
    return o


cdef object _store_exact(Tensor result, object out, str fname):
    if out is not None and isinstance(out, Tensor) and (<Tensor>out)._dtype is not result._dtype:
        raise RuntimeError(f"{fname}(): Expected out tensor to have dtype "
                           f"{result._dtype.name}, but got {(<Tensor>out)._dtype.name} instead")
    return _store(result, out)


cdef tuple _out_pair(object out, str fname):
    if out is None:
        return (None, None)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{fname}(): argument 'out' must be tuple of Tensors")
    return tuple(out)


cdef DType _dtype_arg(object dtype):
    return None if dtype is None else _parse_dtype(dtype)


cdef Tensor _floating_input(Tensor x):
    """Integer inputs of ops that compute in floating point go to the default dtype."""
    return x if x._dtype.is_floating_point else _to_dtype(x, get_default(True), False)


# ----- derivatives: shared pieces --------------------------------------------------------------
# A differentiable op checks _wants_grad first (the no-grad path stays as it was), then
# runs its kernel with recording off and records one node under torch's name. The
# backward functions are written with pyt ops, so that create_graph=True records them.

cdef class _Untracked:
    """`with _untracked:` runs the forward of a recorded op (grad mode is on) without
    recording the helpers it calls."""
    def __enter__(self):
        set_grad_enabled_flag(False)

    def __exit__(self, *exc):
        set_grad_enabled_flag(True)


cdef _Untracked _untracked = _Untracked()


cdef tuple _reduced_dims(Tensor x, object dim):
    """The dims a reduction over dim removes, wrapped and sorted (all for None or ())."""
    if x._ndim == 0:
        return ()
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(x._ndim))
    if isinstance(dim, (tuple, list)):
        return tuple(sorted(wrap_dim(d, x._ndim) for d in dim))
    return (wrap_dim(dim, x._ndim),)


cdef object _unreduce(object g, tuple dims, bint keepdim):
    """A reduced tensor with its reduced dims back as size 1, to broadcast against the
    input."""
    if not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    return g


cdef object _div_or_zero(object num, object den):
    """num / den, and 0 where den is 0 (torch's masked_fill_(den == 0, 0)); made of
    arithmetic, so it stays differentiable."""
    is_zero = den == 0
    return num / (den + is_zero) * is_zero.logical_not()


cdef object _share_among(object g, object mask, tuple dims):
    """g (reduced over dims, kept as size 1) shared evenly among the set positions of
    mask: the gradient of a max/min whose ties split it."""
    return g / mask.sum(dims, keepdim=True) * mask


cdef Node _record_selection(str name, Tensor x, Tensor values, Tensor indices, int d,
                            bint keepdim):
    """Records values = x's elements at indices along d (max(dim), sort, topk, ...)."""
    cdef Node node = _record(name, _selection_backward, (x,), (values,))
    node.save(indices)
    node.ctx = (_meta(x), d, keepdim)
    return node


cdef tuple _selection_backward(Node node, tuple grads):
    """The gradient goes back to where each value was taken from."""
    meta, d, keepdim = node.ctx
    indices, = node.saved_values()
    g = grads[0]
    if len(meta[0]) == 0:                               # a 0-d input: its only element
        return (_grad_like(g, meta),)
    if not keepdim:
        g = g.unsqueeze(d)
        indices = indices.unsqueeze(d)
    return (_grad_like(_zeros(meta[0], dtype=g.dtype, device=g.device).scatter(d, indices, g), meta),)


cdef Node _record_tied(str name, Tensor x, Tensor result):
    """Records result = one of x's values (max(), median(), ...): the gradient is shared
    evenly among the elements equal to it (NaN: among the NaNs), as torch does."""
    cdef Node node = _record(name, _tied_backward, (x,), (result,))
    node.save(x)
    node.save_output(result)
    node.ctx = _meta(x)
    return node


cdef tuple _tied_backward(Node node, tuple grads):
    x, value = node.saved_values()
    mask = x.isnan() if value.isnan().item() else x == value
    return (_grad_like(mask * (grads[0] / mask.sum()), node.ctx),)


# ----- sums, products, means ------------------------------------------------------------

cdef DType _sum_dtype(Tensor x):
    return _int64 if is_integral(x._dtype, True) else x._dtype


cdef object _sum_like(int op, Tensor x, object dim, bint keepdim, object dtype, object out):
    cdef char mask[PYT_MAX_DIMS]
    cdef DType dt = _dtype_arg(dtype)
    if dt is None and out is not None and isinstance(out, Tensor):
        dt = (<Tensor>out)._dtype
    if dt is not None:
        x = _cast(x, dt)
    _dim_mask(x, dim, mask, True)
    acc = _run(x, op, mask)[0]
    return _store(_shaped(_cast(acc, dt if dt is not None else _sum_dtype(x)), x, mask,
                          keepdim), out)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over all elements or over dim(s); integers and bools sum to int64."""
    cdef Tensor x = _tensor_arg(input, "sum")
    if not _wants_grad((x,)):
        return _sum_like(PYT_RED_SUM, x, dim, keepdim, dtype, out)
    _refuse_out(out, "sum")
    set_grad_enabled_flag(False)        # not `with _untracked`: sum is hot, keep it lean
    try:
        result = _sum_like(PYT_RED_SUM, x, dim, keepdim, dtype, None)
    finally:
        set_grad_enabled_flag(True)
    return _record_reduction("SumBackward0" if dim is None else "SumBackward1", x, result,
                             dim, keepdim, 1.0)


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """sum, treating NaN as zero."""
    cdef Tensor x = _tensor_arg(input, "nansum")
    cdef Tensor result
    cdef Node node
    if not _wants_grad((x,)):
        return _sum_like(PYT_RED_NANSUM, x, dim, keepdim, dtype, out)
    _refuse_out(out, "nansum")
    with _untracked:
        result = _sum_like(PYT_RED_NANSUM, x, dim, keepdim, dtype, None)
    if result._dtype.is_floating_point:
        node = _record("NansumBackward0", _nansum_backward, (x,), (result,))
        node.save(x)
        node.ctx = (_meta(x), _reduced_dims(x, dim), keepdim)
    return result


cdef tuple _nansum_backward(Node node, tuple grads):
    """Like sum's, but NaN elements (counted as zero) get none."""
    meta, dims, keepdim = node.ctx
    x, = node.saved_values()
    g = _unreduce(grads[0], dims, keepdim)
    return (_grad_like(g * x.isnan().logical_not(), meta),)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product over all elements or over one dim."""
    cdef Tensor x
    cdef Tensor result
    cdef Node node
    if dim is not None and isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not " + type(dim).__name__)
    x = _tensor_arg(input, "prod")
    if not _wants_grad((x,)):
        return _sum_like(PYT_RED_PROD, x, dim, keepdim, dtype, out)
    _refuse_out(out, "prod")
    with _untracked:
        result = _sum_like(PYT_RED_PROD, x, dim, keepdim, dtype, None)
    if result._dtype.is_floating_point:
        node = _record("ProdBackward0" if dim is None else "ProdBackward1", _prod_backward,
                       (x,), (result,))
        node.save(x)
        node.save_output(result)
        node.ctx = (_meta(x), None if dim is None else wrap_dim(dim, x._ndim), keepdim)
    return result


cdef tuple _prod_backward(Node node, tuple grads):
    meta, d, keepdim = node.ctx
    x, result = node.saved_values()
    g = grads[0]
    if len(meta[0]) == 0:
        return (_grad_like(g, meta),)
    if d is None:                       # over all elements: over dim 0 of the flat input
        x, g, result, d = x.reshape(-1), g.reshape(1), result.reshape(1), 0
    elif not keepdim:
        g, result = g.unsqueeze(d), result.unsqueeze(d)
    if x.dtype != result.dtype:         # prod(dtype=...): differentiate in that dtype
        x = x.to(result.dtype)
    return (_grad_like((g * _products_of_others(x, result, d)).reshape(meta[0]), meta),)


cdef object _products_of_others(object x, object result, int d):
    """For each element of x, the product of the other elements along d (result: the
    product over d, kept as size 1); where x holds zeros, made without dividing."""
    if not (x == 0).any():
        return result / x
    if grad_enabled():                  # create_graph: a form that records its own steps
        return _by_position(x, d, lambda before, i, after: (
            before.prod(d, keepdim=True) * after.prod(d, keepdim=True)))
    return _exclusive_cumprod(x, d) * _exclusive_cumprod(x.flip(d), d).flip(d)


cdef object _exclusive_cumprod(object x, int d):
    """At each position along d, the product of the elements before it."""
    n = x.shape[d]
    return _cat([_ones_like(x.narrow(d, 0, 1)), x.narrow(d, 0, n - 1)], d).cumprod(d)


cdef object _by_position(object x, int d, object piece):
    """A tensor of x's shape whose slice i along d is piece(x[:i], i, x[i+1:]) (taken
    along d), assembled by recorded copies: the O(n^2) double-backward forms."""
    n = x.shape[d]
    result = _zeros(x.shape, dtype=x.dtype, device=x.device)
    lead = (slice(None),) * d
    for i in range(n):
        result[lead + (slice(i, i + 1),)] = piece(x.narrow(d, 0, i), i,
                                                  x.narrow(d, i + 1, n - i - 1))
    return result


cdef Tensor _divide(Tensor num, Tensor den):
    """num / den elementwise on float64 accumulators (same shape), in place on num."""
    cdef double* a = <double*>num._data
    cdef const double* b = <const double*>den._data
    cdef Py_ssize_t i
    if is_cuda(num):
        return num.div_(den)
    for i in range(num._numel):
        a[i] = a[i] / b[i]
    return num


cdef Tensor _scaled(Tensor acc, double divisor):
    cdef double* a = <double*>acc._data
    cdef Py_ssize_t i
    if is_cuda(acc):
        return acc.div_(divisor)
    for i in range(acc._numel):
        a[i] = a[i] / divisor
    return acc


cdef DType _mean_dtype(str fname, Tensor x, DType dt, bint skip_nan):
    """The result dtype of mean / nanmean (floating point only, torch's errors)."""
    if skip_nan and not x._dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex "
                           f"dtype but got {scalar_type_name(x._dtype.code)}")
    if dt is None and not x._dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be "
                           f"either a floating point or complex dtype. Got: "
                           f"{scalar_type_name(x._dtype.code)}")
    if dt is not None and not dt.is_floating_point:
        raise RuntimeError(f"{fname}(): could not infer output dtype. Optional dtype must be "
                           f"either a floating point or complex dtype. Got: "
                           f"{scalar_type_name(dt.code)}")
    return dt if dt is not None else x._dtype


cdef object _mean(str fname, Tensor x, object dim, bint keepdim, object dtype, object out,
                  bint skip_nan):
    cdef char mask[PYT_MAX_DIMS]
    cdef DType dt = _dtype_arg(dtype)
    cdef DType result_dt
    if dt is None and out is not None and isinstance(out, Tensor):
        dt = (<Tensor>out)._dtype
    result_dt = _mean_dtype(fname, x, dt, skip_nan)
    x = _cast(x, result_dt)
    _dim_mask(x, dim, mask, True)
    if skip_nan:
        acc = _run(x, PYT_RED_NANSUM, mask)[0]
        _divide(acc, _cast(_run(x, PYT_RED_NOTNAN, mask)[0], _float64))
    else:
        acc = _scaled(_run(x, PYT_RED_SUM, mask)[0], <double>_reduced_size(x, mask))
    return _store(_shaped(_cast(acc, result_dt), x, mask, keepdim), out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over all elements or over dim(s); floating point only (or with dtype=)."""
    cdef Tensor x = _tensor_arg(input, "mean")
    cdef Tensor result
    if not _wants_grad((x,)):
        return _mean("mean", x, dim, keepdim, dtype, out, False)
    _refuse_out(out, "mean")
    set_grad_enabled_flag(False)
    try:
        result = _mean("mean", x, dim, keepdim, dtype, None, False)
    finally:
        set_grad_enabled_flag(True)
    count = x._numel // result._numel if result._numel else 0
    return _record_reduction("MeanBackward0" if dim is None else "MeanBackward1", x, result,
                             dim, keepdim, 1.0 / count if count else float("nan"))


cdef Tensor _record_reduction(str name, Tensor x, Tensor result, object dim, bint keepdim,
                              double scale):
    """Records result = scale * sum of x over dim (sum, mean)."""
    if not result._dtype.is_floating_point:
        return result
    cdef Node node = _record(name, _spread_backward, (x,), (result,))
    node.ctx = (_meta(x), _reduced_dims(x, dim), keepdim, scale)
    return result


cdef tuple _spread_backward(Node node, tuple grads):
    """The gradient spread back over the reduced dims."""
    meta, dims, keepdim, scale = node.ctx
    g = _unreduce(grads[0], dims, keepdim)
    if scale != 1.0:
        g = g * scale
    return (_grad_like(g.expand(meta[0]), meta),)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of the non-NaN elements."""
    cdef Tensor x = _tensor_arg(input, "nanmean")
    if not _wants_grad((x,)):
        return _mean("nanmean", x, dim, keepdim, dtype, out, True)
    _refuse_out(out, "nanmean")
    _mean_dtype("nanmean", x, _dtype_arg(dtype), True)
    with _untracked:
        count = x.isnan().logical_not().sum(dim, keepdim)
    return nansum(x, dim, keepdim, dtype=dtype) / count     # as torch: a recorded nansum / count


# ----- max, min and their indices ---------------------------------------------------------

cdef object _extreme_values(str fname, Tensor x, object dim, bint keepdim, int op, object out):
    """amax / amin / max() / min(): values only."""
    cdef char mask[PYT_MAX_DIMS]
    _dim_mask(x, dim, mask, True)
    _check_nonempty(x, mask, fname, not (dim is None or (isinstance(dim, (tuple, list))
                                                         and len(dim) == 0)))
    acc = _run(x, op, mask)[0]
    return _store_exact(_shaped(_cast(acc, x._dtype), x, mask, keepdim), out, fname)


cdef tuple _extreme_with_index(str fname, Tensor x, object dim, bint keepdim, int op):
    cdef char mask[PYT_MAX_DIMS]
    _dim_mask(x, dim, mask, True)
    _check_nonempty(x, mask, fname, True)
    acc, idx = _run(x, op, mask, None, 0, True)
    return (_shaped(_cast(acc, x._dtype), x, mask, keepdim), _shaped(idx, x, mask, keepdim))


cdef object _max_min(str fname, object input, object dim, bint keepdim, object out, bint is_max):
    cdef Tensor x = _tensor_arg(input, fname)
    if isinstance(dim, Tensor):                          # max(input, other): elementwise
        import pyt
        fn = pyt.maximum if is_max else pyt.minimum
        return fn(x, dim) if out is None else fn(x, dim, out=out)
    if not _wants_grad((x,)):
        return _max_min_values(fname, x, dim, keepdim, out, is_max)
    _refuse_out(out, fname)
    with _untracked:
        result = _max_min_values(fname, x, dim, keepdim, None, is_max)
    name = "MaxBackward" if is_max else "MinBackward"
    if dim is None:
        _record_tied(name + "1", x, result)
    else:
        _record_selection(name + "0", x, result[0], result[1], wrap_dim(dim, x._ndim), keepdim)
    return result


cdef object _max_min_values(str fname, Tensor x, object dim, bint keepdim, object out,
                            bint is_max):
    if dim is None:
        return _extreme_values(fname, x, None, False, PYT_RED_MAX if is_max else PYT_RED_MIN,
                               out)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{fname}(): argument 'dim' must be int, not {type(dim).__name__}")
    values, indices = _extreme_with_index(fname, x, dim, keepdim,
                                          PYT_RED_ARGMAX if is_max else PYT_RED_ARGMIN)
    return _pair_result(_rt.max if is_max else _rt.min, values, indices, out, fname)


def max(input, dim=None, keepdim=False, *, out=None):
    """max(input): the largest element; max(input, dim): (values, indices) along dim
    (the first index of the maximum; NaN wins); max(input, other): elementwise."""
    return _max_min("max", input, dim, keepdim, out, True)


def min(input, dim=None, keepdim=False, *, out=None):
    """min(input) / min(input, dim) -> (values, indices) / min(input, other)."""
    return _max_min("min", input, dim, keepdim, out, False)


cdef object _amax_amin(str fname, object input, object dim, bint keepdim, object out, int op):
    cdef Tensor x = _tensor_arg(input, fname)
    cdef Node node
    if not _wants_grad((x,)):
        return _extreme_values(fname, x, dim, keepdim, op, out)
    _refuse_out(out, fname)
    with _untracked:
        result = _extreme_values(fname, x, dim, keepdim, op, None)
    node = _record("AmaxBackward0" if op == PYT_RED_MAX else "AminBackward0", _amax_backward,
                   (x,), (result,))
    node.save(x)
    node.save_output(result)
    node.ctx = (_meta(x), _reduced_dims(x, dim), keepdim)
    return result


cdef tuple _amax_backward(Node node, tuple grads):
    """Ties share the gradient evenly."""
    meta, dims, keepdim = node.ctx
    x, result = node.saved_values()
    mask = _unreduce(result, dims, keepdim) == x
    return (_grad_like(_share_among(_unreduce(grads[0], dims, keepdim), mask, dims), meta),)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Largest values over dim(s) (all dims when dim is empty); NaN propagates."""
    return _amax_amin("amax", input, dim, keepdim, out, PYT_RED_MAX)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Smallest values over dim(s)."""
    return _amax_amin("amin", input, dim, keepdim, out, PYT_RED_MIN)


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """(min, max) over all elements or one dim."""
    cdef Tensor x = _tensor_arg(input, "aminmax")
    cdef Node node
    if not _wants_grad((x,)):
        return _aminmax(x, dim, keepdim, out)
    _refuse_out(out, "aminmax")
    with _untracked:
        result = _aminmax(x, dim, keepdim, None)
    node = _record("AminmaxBackward0", _aminmax_backward, (x,), tuple(result))
    node.save(x)
    node.save_output(result[0])
    node.save_output(result[1])
    node.ctx = (_meta(x), _reduced_dims(x, dim), keepdim)
    return result


cdef tuple _aminmax_backward(Node node, tuple grads):
    """amin's and amax's gradients, for whichever output was used."""
    meta, dims, keepdim = node.ctx
    x, lo, hi = node.saved_values()
    total = None
    for g, value in zip(grads, (lo, hi)):
        if g is not None:
            part = _share_among(_unreduce(g, dims, keepdim),
                                _unreduce(value, dims, keepdim) == x, dims)
            total = part if total is None else total + part
    return (_grad_like(total, meta),)


cdef object _aminmax(Tensor x, object dim, bint keepdim, object out):
    cdef char mask[PYT_MAX_DIMS]
    cdef int d
    if dim is None and x._numel == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    _dim_mask(x, dim, mask, True)
    for d in range(x._ndim):
        if mask[d] and x._shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    lo = _shaped(_cast(_run(x, PYT_RED_MIN, mask)[0], x._dtype), x, mask, keepdim)
    hi = _shaped(_cast(_run(x, PYT_RED_MAX, mask)[0], x._dtype), x, mask, keepdim)
    if out is not None:
        olo, ohi = _out_pair(out, "aminmax")
        lo, hi = _store_exact(lo, olo, "aminmax"), _store_exact(hi, ohi, "aminmax")
    return _rt.aminmax(lo, hi)


cdef object _arg(str fname, object input, object dim, bint keepdim, object out, int op):
    cdef Tensor x = _tensor_arg(input, fname)
    cdef char mask[PYT_MAX_DIMS]
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int d
    if x._dtype.code == PYT_BOOL:
        raise RuntimeError(f"{fname}(): does not support bool input")
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{fname}(): argument 'dim' must be int, not {type(dim).__name__}")
    if dim is None and x._numel == 0:
        raise IndexError(f"{fname}(): Expected reduction dim to be specified for "
                         f"input.numel() == 0.")
    _dim_mask(x, dim, mask, True)
    _check_nonempty(x, mask, fname, True)
    idx = _run(x, op, mask, None, 0, True)[1]
    if dim is None and keepdim:                         # every dim kept as size 1
        for d in range(x._ndim):
            shape[d] = 1
            strides[d] = 1
        (<Tensor>idx)._set_geometry(x._ndim, shape, strides)
    else:
        idx = _shaped(idx, x, mask, keepdim)
    return _store_exact(idx, out, fname)


def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the first maximum (of the flattened input when dim is None)."""
    return _arg("argmax", input, dim, keepdim, out, PYT_RED_ARGMAX)


def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the first minimum."""
    return _arg("argmin", input, dim, keepdim, out, PYT_RED_ARGMIN)


# ----- logical reductions and counts ------------------------------------------------------

cdef object _logical(str fname, Tensor x, object dim, bint keepdim, object out, int op):
    cdef char mask[PYT_MAX_DIMS]
    _dim_mask(x, dim, mask, False)                       # dim=() reduces nothing
    acc = _run(x, op, mask)[0]
    result = _shaped(_cast(acc, _uint8 if x._dtype.code == PYT_UINT8 else _bool), x, mask,
                     keepdim)
    return _store(result, out)


def all(input, dim=None, keepdim=False, *, out=None):
    """True where every element (over dim(s)) is nonzero; uint8 input gives uint8."""
    return _logical("all", _tensor_arg(input, "all"), dim, keepdim, out, PYT_RED_ALL)


def any(input, dim=None, keepdim=False, *, out=None):
    """True where some element (over dim(s)) is nonzero."""
    return _logical("any", _tensor_arg(input, "any"), dim, keepdim, out, PYT_RED_ANY)


def count_nonzero(input, dim=None):
    """Number of nonzero elements over all dims or dim(s) (int64)."""
    cdef Tensor x = _tensor_arg(input, "count_nonzero")
    cdef char mask[PYT_MAX_DIMS]
    _dim_mask(x, dim, mask, True)
    return _run(x, PYT_RED_COUNT, mask)[0]


# ----- variance and standard deviation ------------------------------------------------------

cdef double _correction(str fname, object unbiased, object correction) except? -1:
    if unbiased is not None and correction is not None:
        raise TypeError(f"{fname}(): got both 'unbiased' and 'correction'")
    if correction is not None:
        if isinstance(correction, bool) or not isinstance(correction, (int, float)):
            raise TypeError(f"{fname}(): argument 'correction' must be Number, not "
                            f"{type(correction).__name__}")
        return <double>correction
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


cdef tuple _var_mean(Tensor x, object dim, double corr, bint keepdim, bint take_sqrt):
    """(var or std, mean), both in the input's dtype."""
    cdef char mask[PYT_MAX_DIMS]
    cdef double dof
    cdef Py_ssize_t K, i
    cdef double* v
    if not x._dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    _dim_mask(x, dim, mask, True)
    K = _reduced_size(x, mask)
    mean_acc = _scaled(_run(x, PYT_RED_SUM, mask)[0], <double>K)
    var_acc = _run(x, PYT_RED_SQDEV, mask, mean_acc)[0]
    dof = K - corr
    if dof <= 0:
        _warnings.warn(f"{'std' if take_sqrt else 'var'}(): degrees of freedom is <= 0. "
                       f"Correction should be strictly less than the reduction factor "
                       f"(input numel divided by output numel).", UserWarning, stacklevel=3)
        dof = 0
    if is_cuda(x):
        var_acc.div_(dof)
        if take_sqrt:
            var_acc.sqrt_()
        return (_shaped(_cast(var_acc, x._dtype), x, mask, keepdim),
                _shaped(_cast(mean_acc, x._dtype), x, mask, keepdim))
    v = <double*>(<Tensor>var_acc)._data
    for i in range((<Tensor>var_acc)._numel):
        v[i] = v[i] / dof
        if take_sqrt:
            v[i] = sqrt(v[i])
    return (_shaped(_cast(var_acc, x._dtype), x, mask, keepdim),
            _shaped(_cast(mean_acc, x._dtype), x, mask, keepdim))


cdef object _var_std(str fname, str grad_name, object input, object dim, object unbiased,
                     bint keepdim, object correction, bint take_sqrt, bint with_mean,
                     object out):
    """var / std, or (with_mean) the tuple (var or std, mean)."""
    cdef Tensor x = _tensor_arg(input, fname)
    cdef double corr
    cdef Node node
    if isinstance(dim, bool):                           # var(input, unbiased)
        if unbiased is not None:
            raise TypeError(f"{fname}(): 'unbiased' given twice")
        dim, unbiased = None, dim
    corr = _correction(fname, unbiased, correction)
    if not _wants_grad((x,)):
        results = _var_mean(x, dim, corr, keepdim, take_sqrt)
        return results if with_mean else _store_exact(results[0], out, fname)
    _refuse_out(out, fname)
    with _untracked:
        results = _var_mean(x, dim, corr, keepdim, take_sqrt)
    node = _record(grad_name, _var_std_backward, (x,), results if with_mean else results[:1])
    node.save(x)
    if take_sqrt:
        node.save_output(results[0])
    node.ctx = (_meta(x), _reduced_dims(x, dim), keepdim, corr, take_sqrt,
                dim is None or x._ndim == 0)
    return results if with_mean else results[0]


cdef Py_ssize_t _count_over(object shape, tuple dims):
    cdef Py_ssize_t n = 1
    for d in dims:
        n *= shape[d]
    return n


cdef tuple _var_std_backward(Node node, tuple grads):
    """var's (or std's) gradient, plus the mean's for var_mean / std_mean."""
    meta, dims, keepdim, corr, take_sqrt, all_dims = node.ctx
    saved = node.saved_values()
    total = None
    if grads[0] is not None:
        g = _unreduce(grads[0], dims, keepdim)
        if take_sqrt:                   # std = sqrt(var); torch gives 0 where std is 0
            g = _div_or_zero(g, _unreduce(saved[1], dims, keepdim) * 2)
        total = _var_grad(g, saved[0], dims, corr, all_dims)
    if len(grads) > 1 and grads[1] is not None:
        part = (_unreduce(grads[1], dims, keepdim) / _count_over(meta[0], dims)).expand(meta[0])
        total = part if total is None else total + part
    return (_grad_like(total, meta),)


cdef object _var_grad(object g, object x, tuple dims, double corr, bint all_dims):
    """The gradient of var over dims (g kept as size 1 there): 2 (x - mean) / (N - corr)."""
    cdef double dof = _count_over(x.shape, dims) - corr
    mean = x.mean(dims, keepdim=True)
    if dof <= 0 and all_dims:           # as torch: NaN where x is its mean, inf elsewhere
        return g * _where(x == mean, NAN, INFINITY)
    return (2.0 / dof if dof != 0 else INFINITY) * g * (x - mean)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over dim(s) with Bessel's correction (correction=1) by default."""
    return _var_std("var", "VarBackward0", input, dim, unbiased, keepdim, correction, False,
                    False, out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over dim(s)."""
    return _var_std("std", "StdBackward0", input, dim, unbiased, keepdim, correction, True,
                    False, out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean), a plain tuple as torch returns."""
    return _var_std("var_mean", "VarMeanBackward0", input, dim, unbiased, keepdim, correction,
                    False, True, None)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean)."""
    return _var_std("std_mean", "StdMeanBackward0", input, dim, unbiased, keepdim, correction,
                    True, True, None)


# ----- logsumexp and norms -------------------------------------------------------------------

def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over dim(s), computed stably around the maximum."""
    cdef Tensor x = _tensor_arg(input, "logsumexp")
    cdef Node node
    if not _wants_grad((x,)):
        return _logsumexp(x, dim, keepdim, out)
    _refuse_out(out, "logsumexp")
    with _untracked:
        result = _logsumexp(x, dim, keepdim, None)
    node = _record("LogsumexpBackward0", _logsumexp_backward, (x,), (result,))
    node.save(x)
    node.save_output(result)
    node.ctx = (_meta(x), _reduced_dims(x, dim), keepdim)
    return result


cdef tuple _logsumexp_backward(Node node, tuple grads):
    """softmax of x over the dims, times the gradient."""
    meta, dims, keepdim = node.ctx
    x, result = node.saved_values()
    g = _unreduce(grads[0], dims, keepdim)
    return (_grad_like(g * (x - _unreduce(result, dims, keepdim)).exp(), meta),)


cdef object _logsumexp(Tensor x, object dim, bint keepdim, object out):
    cdef char mask[PYT_MAX_DIMS]
    cdef Tensor center, acc
    cdef double* c
    cdef double* a
    cdef Py_ssize_t i
    x = _floating_input(x)
    _dim_mask(x, dim, mask, True)
    if _reduced_size(x, mask) > 0:
        center = _cast(_run(x, PYT_RED_MAX, mask)[0], _float64)    # a fresh tensor
        if is_cuda(center):
            center = _where(center.isinf(), 0.0, center)
        else:
            c = <double*>center._data
            for i in range(center._numel):
                if c[i] == INFINITY or c[i] == -INFINITY:    # torch: infinite maxima shift by 0
                    c[i] = 0
    else:
        center = _run(x, PYT_RED_COUNT, mask)[0]         # zeros of the right shape
        center = _cast(center, _float64)
    acc = _run(x, PYT_RED_EXPSUM, mask, center)[0]
    if is_cuda(acc):
        acc = acc.log_().add_(center)
        return _store_exact(_shaped(_cast(acc, x._dtype), x, mask, keepdim), out, "logsumexp")
    a = <double*>acc._data
    c = <double*>center._data
    for i in range(acc._numel):
        a[i] = log(a[i]) + c[i]
    return _store_exact(_shaped(_cast(acc, x._dtype), x, mask, keepdim), out, "logsumexp")


cdef str _ord_text(double p):
    if p == INFINITY:
        return "inf"
    if p == -INFINITY:
        return "-inf"
    if p == <double><long long>p:
        return str(<long long>p)
    return repr(p)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The p-norm of the elements over dim(s): p = 2 (default), 1, inf, -inf, 0 (count of
    nonzeros) or any other real p."""
    cdef Tensor t = _tensor_arg(x, "linalg.vector_norm", "x")
    cdef Node node
    if not _wants_grad((t,)):
        return _vector_norm(t, ord, dim, keepdim, dtype, out)
    _refuse_out(out, "linalg.vector_norm")
    with _untracked:
        result = _vector_norm(t, ord, dim, keepdim, dtype, None)
    node = _record("LinalgVectorNormBackward0", _vector_norm_backward, (t,), (result,))
    node.save(t)
    node.save_output(result)
    node.ctx = (_meta(t), _reduced_dims(t, dim), keepdim, float(ord))
    return result


cdef tuple _vector_norm_backward(Node node, tuple grads):
    """torch's formulas for each p; 0 where the norm (or, for p < 1, the element) is 0."""
    meta, dims, keepdim, p = node.ctx
    x, norm = node.saved_values()
    if p == 0:
        return (None,)
    g = _unreduce(grads[0], dims, keepdim)
    norm = _unreduce(norm, dims, keepdim)
    if p == 1:
        grad = x.sgn() * g
    elif p == 2:
        grad = g * _div_or_zero(x, norm)
    elif p == INFINITY or p == -INFINITY:       # the elements whose |x| is the norm share g
        size = x.abs()
        grad = x.sgn() * _share_among(g, (size == norm).logical_or(size.isnan()), dims)
    elif p < 1:                                 # |x|^(p-1) is infinite at 0: sgn makes it 0
        size = x.abs()
        grad = x.sgn() * (size + (x == 0)).pow(p - 1) * g * norm.pow(1 - p)
    elif p < 2:
        grad = x.sgn() * x.abs().pow(p - 1) * _div_or_zero(g, norm.pow(p - 1))
    else:
        grad = x * x.abs().pow(p - 2) * _div_or_zero(g, norm.pow(p - 1))
    return (_grad_like(grad, meta),)


cdef object _vector_norm(Tensor t, object ord, object dim, bint keepdim, object dtype,
                         object out):
    cdef DType dt = _dtype_arg(dtype)
    cdef char mask[PYT_MAX_DIMS]
    cdef double p
    cdef Tensor acc
    cdef double* a
    cdef Py_ssize_t i
    cdef int op, d
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, "
                        f"not {type(ord).__name__}")
    p = ord
    if not t._dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {scalar_type_name(t._dtype.code)}")
    if dt is not None:
        if not dt.is_floating_point or dt.itemsize < t._dtype.itemsize or \
                (dt.itemsize == t._dtype.itemsize and dt is not t._dtype):
            raise RuntimeError(f"linalg.vector_norm: the dtype of the input "
                               f"({scalar_type_name(t._dtype.code)}) should be convertible "
                               f"without narrowing to the specified dtype "
                               f"({scalar_type_name(dt.code)})")
        t = _cast(t, dt)
    _dim_mask(t, dim, mask, True)
    if p < 0 or p == INFINITY:
        if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
            if t._numel == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_text(p)} norm "
                                   f"on an empty tensor because the operation does not have "
                                   f"an identity")
        else:
            for d in range(t._ndim):
                if mask[d] and t._shape[d] == 0:
                    raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_text(p)} "
                                       f"norm on the dimension {d}because this dimension is "
                                       f"empty and the operation does not have an identity")
    if p == INFINITY:
        op = PYT_RED_ABSMAX
    elif p == -INFINITY:
        op = PYT_RED_ABSMIN
    elif p == 0:
        op = PYT_RED_COUNT
    elif p == 1:
        op = PYT_RED_ABSSUM
    elif p == 2:
        op = PYT_RED_SQSUM
    else:
        op = PYT_RED_POWSUM
    acc = _cast(_run(t, op, mask, None, p)[0], _float64)
    if is_cuda(acc):
        if op == PYT_RED_SQSUM:
            acc.sqrt_()
        elif op == PYT_RED_POWSUM:
            acc.pow_(1.0 / p)
        return _store_exact(_shaped(_cast(acc, t._dtype), t, mask, keepdim), out,
                            "linalg.vector_norm")
    a = <double*>acc._data
    if op == PYT_RED_SQSUM:
        for i in range(acc._numel):
            a[i] = sqrt(a[i])
    elif op == PYT_RED_POWSUM:
        for i in range(acc._numel):
            a[i] = pow(a[i], 1.0 / p)
    return _store_exact(_shaped(_cast(acc, t._dtype), t, mask, keepdim), out,
                        "linalg.vector_norm")


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: 'fro' and numeric p are vector norms over dim(s); 'nuc' needs
    pyt.linalg.matrix_norm."""
    cdef Tensor x = _tensor_arg(input, "norm")
    if isinstance(p, str):
        if p == "fro":
            if isinstance(dim, (tuple, list)) and len(dim) > 2:
                raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " +
                                   " ".join(str(d) for d in dim))
            p = 2
        elif p == "nuc":
            import pyt.linalg
            return pyt.linalg.matrix_norm(x, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim,
                      dtype=dtype, out=out)
        else:
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    elif p is None:
        p = 2
    return vector_norm(x, p, dim, keepdim, dtype=dtype, out=out)


# ----- scans -------------------------------------------------------------------------------

cdef dict _SCAN_NAMES = {PYT_SCAN_SUM: "cumsum", PYT_SCAN_PROD: "cumprod",
                         PYT_SCAN_MAX: "cummax", PYT_SCAN_MIN: "cummin",
                         PYT_SCAN_LOGSUMEXP: "logcumsumexp"}


cdef tuple _scan(Tensor x, object dim, int op, DType scan_dt, bint want_idx):
    """Runs a scan along dim on x converted to scan_dt (int64, float32 or float64)."""
    cdef int d = wrap_dim(dim, x._ndim), i, stype
    cdef Py_ssize_t A = 1, n = 1, B = 1
    cdef Tensor src, out, idx = None
    cdef pyt_scan_fn fn
    cdef int nthreads = num_threads()
    cdef int rc
    src = contiguous(_cast(x, scan_dt))
    for i in range(x._ndim):
        if i < d:
            A *= x._shape[i]
        elif i == d:
            n = x._shape[i]
        else:
            B *= x._shape[i]
    stype = PYT_SCAN_I64 if scan_dt.code == PYT_INT64 else (
        PYT_SCAN_F32 if scan_dt.code == PYT_FLOAT32 else PYT_SCAN_F64)
    fn = pyt_scan_table[op][stype]
    out = new_empty(x._ndim, x._shape, scan_dt, x._device, False)
    if want_idx:
        idx = new_empty(x._ndim, x._shape, _int64, x._device, False)
    if is_cuda(x):                      # scan.cu: the same contract on the GPU
        with nogil:
            rc = pyt_cuda_scan(op, scan_dt.code, src._data, out._data,
                               <int64_t*>idx._data if want_idx else NULL, A, n, B)
        cuda_check(rc, _SCAN_NAMES[op])
        return out, idx
    with nogil:
        pyt_scan_run(fn, src._data, out._data, <int64_t*>idx._data if want_idx else NULL,
                     A, n, B, nthreads)
    return out, idx


cdef DType _scan_dtype(DType d):
    if not d.is_floating_point:
        return _int64
    return _float64 if d.code == PYT_FLOAT64 else _float32


cdef object _cum_fold(Tensor x, object dim, object dtype, object out, int op):
    cdef DType dt = _dtype_arg(dtype)
    if dt is None and out is not None and isinstance(out, Tensor):
        dt = (<Tensor>out)._dtype
    if dt is not None:
        x = _cast(x, dt)
    result = _scan(x, dim, op, _scan_dtype(x._dtype), False)[0]
    return _store(_cast(result, dt if dt is not None else _sum_dtype(x)), out)


cdef object _cumulative(str fname, object input, object dim, object dtype, object out, int op):
    """cumsum / cumprod, recorded when input needs a gradient."""
    cdef Tensor x = _tensor_arg(input, fname)
    cdef Tensor result
    cdef Node node
    if not _wants_grad((x,)):
        return _cum_fold(x, dim, dtype, out, op)
    _refuse_out(out, fname)
    with _untracked:
        result = _cum_fold(x, dim, dtype, None, op)
    if not result._dtype.is_floating_point:
        return result
    if op == PYT_SCAN_SUM:
        node = _record("CumsumBackward0", _cumsum_backward, (x,), (result,))
    else:
        node = _record("CumprodBackward0", _cumprod_backward, (x,), (result,))
        node.save(x)
        node.save_output(result)
    node.ctx = (_meta(x), wrap_dim(dim, x._ndim))
    return result


def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along dim; integers and bools accumulate in int64."""
    return _cumulative("cumsum", input, dim, dtype, out, PYT_SCAN_SUM)


def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along dim."""
    return _cumulative("cumprod", input, dim, dtype, out, PYT_SCAN_PROD)


cdef inline bint _single_along(tuple meta, int d):
    """The scan of a 0-d input or of a dim of size <= 1 is the input itself."""
    return len(meta[0]) == 0 or meta[0][d] <= 1


cdef object _reversed_cumsum(object g, int d):
    """Sums from each position to the end of dim d."""
    return g.flip(d).cumsum(d).flip(d)


cdef tuple _cumsum_backward(Node node, tuple grads):
    meta, d = node.ctx
    g = grads[0]
    return (_grad_like(g if _single_along(meta, d) else _reversed_cumsum(g, d), meta),)


cdef tuple _cumprod_backward(Node node, tuple grads):
    """d out_k / d x_i = product of x_j for j <= k, j != i (k >= i)."""
    meta, d = node.ctx
    x, result = node.saved_values()
    g = grads[0]
    if _single_along(meta, d):
        return (_grad_like(g, meta),)
    if x.dtype != result.dtype:         # cumprod(dtype=...): differentiate in that dtype
        x = x.to(result.dtype)
    zero = x == 0
    if not zero.any():
        grad = _reversed_cumsum(g * result, d) / x
    elif grad_enabled():                # create_graph: a form that records its own steps
        n = x.shape[d]
        grad = _by_position(x, d, lambda before, i, after: before.prod(d, keepdim=True) * (
            g.narrow(d, i, 1) + (g.narrow(d, i + 1, n - i - 1) * after.cumprod(d)).sum(
                d, keepdim=True)))
    else:
        grad = _cumprod_grad_with_zeros(g, x, result, zero, d)
    return (_grad_like(grad, meta),)


cdef object _cumprod_grad_with_zeros(object g, object x, object result, object zero, int d):
    """Before the first zero of a row, the gradient is as without zeros; at the first zero,
    it sums g against the running products that take that zero as 1; after it, it is 0.
    (Picked with where, not multiplied by masks, so NaNs stay where torch has them.)"""
    zeros_so_far = zero.cumsum(d)
    before = zeros_so_far == 0
    x_or_one = x + zero
    grad_before = _reversed_cumsum(_where(before, g * result, 0.0), d) / x_or_one
    grad_at_first = _reversed_cumsum(_where(zeros_so_far == 1, g * x_or_one.cumprod(d), 0.0), d)
    return _where(before, grad_before, _where(zero, grad_at_first, 0.0))


cdef tuple _cum_extreme_run(Tensor x, object dim, int op):
    values, indices = _scan(x, dim, op, _scan_dtype(x._dtype), True)
    return _cast(values, x._dtype), indices


cdef object _cum_extreme(str fname, object input, object dim, object out, int op):
    cdef Tensor x = _tensor_arg(input, fname)
    cdef Node node
    result_type = _rt.cummax if op == PYT_SCAN_MAX else _rt.cummin
    if not _wants_grad((x,)):
        values, indices = _cum_extreme_run(x, dim, op)
        return _pair_result(result_type, values, indices, out, fname)
    _refuse_out(out, fname)
    with _untracked:
        values, indices = _cum_extreme_run(x, dim, op)
    node = _record("CummaxBackward0" if op == PYT_SCAN_MAX else "CumminBackward0",
                   _cum_extreme_backward, (x,), (values,))
    node.save(indices)
    node.ctx = (_meta(x), wrap_dim(dim, x._ndim))
    return result_type(values, indices)


cdef tuple _cum_extreme_backward(Node node, tuple grads):
    """Each running max/min passes its gradient to the element it came from."""
    meta, d = node.ctx
    indices, = node.saved_values()
    g = grads[0]
    if len(meta[0]) == 0 or g.numel() == 0:
        return (_grad_like(g, meta),)
    return (_grad_like(_zeros(meta[0], dtype=g.dtype, device=g.device).scatter_add(d, indices, g), meta),)


def cummax(input, dim, *, out=None):
    """(values, indices) of the running maximum along dim (a later equal value or NaN
    takes over, as in torch)."""
    return _cum_extreme("cummax", input, dim, out, PYT_SCAN_MAX)


def cummin(input, dim, *, out=None):
    """(values, indices) of the running minimum along dim."""
    return _cum_extreme("cummin", input, dim, out, PYT_SCAN_MIN)


def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input))) along dim, computed stably."""
    cdef Tensor x = _tensor_arg(input, "logcumsumexp")
    cdef Node node
    if not _wants_grad((x,)):
        return _logcumsumexp(x, dim, out)
    _refuse_out(out, "logcumsumexp")
    with _untracked:
        result = _logcumsumexp(x, dim, None)
    node = _record("LogcumsumexpBackward0", _logcumsumexp_backward, (x,), (result,))
    node.save(x)
    node.save_output(result)
    node.ctx = (_meta(x), wrap_dim(dim, x._ndim))
    return result


cdef object _logcumsumexp(Tensor x, object dim, object out):
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{scalar_type_name(x._dtype.code)}'")
    result = _scan(x, dim, PYT_SCAN_LOGSUMEXP, _scan_dtype(x._dtype), False)[0]
    return _store_exact(_cast(result, x._dtype), out, "logcumsumexp")


cdef tuple _logcumsumexp_backward(Node node, tuple grads):
    """grad_i = sum over k >= i of g_k exp(x_i - out_k), summed in log space for the
    positive and the negative parts of g apart (as torch does), so nothing overflows."""
    meta, d = node.ctx
    x, result = node.saved_values()
    g = grads[0]
    if len(meta[0]) == 0 or g.numel() == 0:
        return (_grad_like(g, meta),)
    from pyt._dtype_info import finfo
    lowest = finfo(g.dtype).min
    log_size = g.abs().log()
    parts = []
    for sign_mask in (g > 0, g < 0):
        logs = _where(sign_mask, log_size, lowest) - result
        parts.append((logs.flip(d).logcumsumexp(d).flip(d) + x).exp())
    return (_grad_like(parts[0] - parts[1], meta),)


# ----- sorting and selection ------------------------------------------------------------------

cdef dict _ROW_NAMES = {PYT_ROW_SORT: "sort", PYT_ROW_TOPK: "topk",
                        PYT_ROW_KTH: "kthvalue", PYT_ROW_MEDIAN: "median",
                        PYT_ROW_NANMEDIAN: "nanmedian", PYT_ROW_MODE: "mode"}


cdef tuple _rows(Tensor x, int d, int kind, Py_ssize_t kout, Py_ssize_t k, bint desc,
                 bint keep_dim):
    """Runs a row op of pyt_sort.h along dim d: (values, indices) with dim d of length
    kout (dropped when kout is 1 and not keep_dim)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef pyt_rowop op
    cdef int i, nd = x._ndim, rc, nthreads = num_threads()
    cdef Tensor src, vals, idx
    src = contiguous(x)
    op.A = 1
    op.n = 1
    op.B = 1
    for i in range(nd):
        shape[i] = x._shape[i]
        if i < d:
            op.A *= x._shape[i]
        elif i == d:
            op.n = x._shape[i]
        else:
            op.B *= x._shape[i]
    if nd > 0:
        shape[d] = kout
    vals = new_empty(nd, shape, x._dtype, x._device, False)
    idx = new_empty(nd, shape, _int64, x._device, False)
    op.kind = kind
    op.code = x._dtype.code
    op.itemsize = x._dtype.itemsize
    op.descending = desc
    op.kout = kout
    op.k = k
    op.in_ = src._data
    op.vals = vals._data
    op.idx = <int64_t*>idx._data
    if is_cuda(x) and kind == PYT_ROW_MODE:
        _mode_cuda(src, &op)
    elif is_cuda(x):                    # sort.cu: the same contract on the GPU
        with nogil:
            rc = pyt_cuda_rowop(kind, op.code, op.descending, op.A, op.n, op.B, op.kout,
                                op.k, op.in_, op.vals, op.idx)
        cuda_check(rc, _ROW_NAMES[kind])
    else:
        with nogil:
            rc = pyt_rowop_run(&op, nthreads)
        if rc < 0:
            raise MemoryError()
    if kout == 1 and not keep_dim and nd > 0:
        for i in range(d, nd - 1):
            shape[i] = shape[i + 1]
        _contiguous_strides(nd - 1, shape, strides)
        vals._set_geometry(nd - 1, shape, strides)
        idx._set_geometry(nd - 1, shape, strides)
    return vals, idx


cdef int _mode_cuda(Tensor src, pyt_rowop* op) except -1:
    """mode on the GPU: the rows sorted (sort.cu), then PYT_ROW_MODE's walk over each
    sorted row (unique_search.cu)."""
    cdef Tensor sv = new_empty(src._ndim, src._shape, src._dtype, src._device, False)
    cdef Tensor si = new_empty(src._ndim, src._shape, _int64, src._device, False)
    cdef int rc
    with nogil:
        rc = pyt_cuda_rowop(PYT_ROW_SORT, op.code, 0, op.A, op.n, op.B, op.n, 0, op.in_,
                            sv._data, <int64_t*>si._data)
    cuda_check(rc, "mode")
    with nogil:
        rc = pyt_cuda_mode(op.code, op.A, op.n, op.B, sv._data, <const int64_t*>si._data,
                           op.vals, op.idx)
    return cuda_check(rc, "mode")


cdef inline Py_ssize_t _dim_size(Tensor x, int d) noexcept:
    return x._shape[d] if x._ndim > 0 else 1


cdef object _pair_result(object result_type, Tensor values, Tensor indices, object out,
                         str fname):
    if out is None:
        return result_type(values, indices)
    ov, oi = _out_pair(out, fname)
    return result_type(_store_exact(values, ov, fname), _store_exact(indices, oi, fname))


def sort(input, dim=-1, descending=False, stable=None, *, out=None):
    """(values, indices) sorted along dim. Always stable; NaN sorts as the largest value."""
    cdef Tensor x = _tensor_arg(input, "sort")
    cdef int d = wrap_dim(dim, x._ndim)
    values, indices = _rows(x, d, PYT_ROW_SORT, _dim_size(x, d), 0, bool(descending), True)
    if _wants_grad((x,)):               # torch names the overload with stable= apart
        _refuse_out(out, "sort")
        _record_selection("SortBackward0" if stable is None else "SortBackward1", x, values,
                          indices, d, True)
    return _pair_result(_rt.sort, values, indices, out, "sort")


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort input along dim (stably)."""
    cdef Tensor x = _tensor_arg(input, "argsort")
    cdef int d = wrap_dim(dim, x._ndim)
    return _rows(x, d, PYT_ROW_SORT, _dim_size(x, d), 0, bool(descending), True)[1]


def msort(input, *, out=None):
    """input sorted along its first dim."""
    cdef Tensor x = _tensor_arg(input, "msort")
    cdef int d = wrap_dim(0, x._ndim)
    values, indices = _rows(x, d, PYT_ROW_SORT, _dim_size(x, d), 0, False, True)
    if _wants_grad((x,)):
        _refuse_out(out, "msort")
        _record_selection("SortBackward0", x, values, indices, d, True)
    return _store_exact(values, out, "msort")


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The k largest (or smallest) elements along dim and their indices, sorted."""
    cdef Tensor x = _tensor_arg(input, "topk")
    cdef int d = wrap_dim(dim, x._ndim)
    cdef Py_ssize_t kk
    if isinstance(k, bool) or not (isinstance(k, int) or hasattr(k, "__index__")):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    kk = k.__index__()
    if kk < 0 or kk > _dim_size(x, d):
        raise RuntimeError("selected index k out of range")
    if x._dtype.code == PYT_BOOL:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    values, indices = _rows(x, d, PYT_ROW_TOPK, kk, kk, bool(largest), True)
    if _wants_grad((x,)):
        _refuse_out(out, "topk")
        _record_selection("TopkBackward0", x, values, indices, d, True)
    return _pair_result(_rt.topk, values, indices, out, "topk")


cdef int _check_dim_nonempty(Tensor x, int d, str fname) except -1:
    if x._ndim > 0 and x._shape[d] == 0:
        raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")
    return 0


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """(values, indices) of the k-th smallest element (k from 1) along dim."""
    cdef Tensor x = _tensor_arg(input, "kthvalue")
    cdef int d = wrap_dim(dim, x._ndim)
    cdef Py_ssize_t kk
    if isinstance(k, bool) or not (isinstance(k, int) or hasattr(k, "__index__")):
        raise TypeError(f"kthvalue(): argument 'k' must be int, not {type(k).__name__}")
    kk = k.__index__()
    _check_dim_nonempty(x, d, "kthvalue")
    if kk < 1 or kk > _dim_size(x, d):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if x._dtype.code == PYT_BOOL:
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    values, indices = _rows(x, d, PYT_ROW_KTH, 1, kk - 1, False, keepdim)
    if _wants_grad((x,)):
        _refuse_out(out, "kthvalue")
        _record_selection("KthvalueBackward0", x, values, indices, d, keepdim)
    return _pair_result(_rt.kthvalue, values, indices, out, "kthvalue")


cdef int _no_bool_median(Tensor x, str variant) except -1:
    if x._dtype.code == PYT_BOOL:
        raise NotImplementedError(f"\"median_{variant}\" not implemented for 'Bool'")
    return 0


cdef object _median(str fname, object input, object dim, bint keepdim, object out, int kind):
    cdef Tensor x = _tensor_arg(input, fname)
    cdef str name = "MedianBackward" if kind == PYT_ROW_MEDIAN else "NanmedianBackward"
    if not _wants_grad((x,)):
        return _median_values(fname, x, dim, keepdim, out, kind)
    _refuse_out(out, fname)
    with _untracked:
        result = _median_values(fname, x, dim, keepdim, None, kind)
    if dim is None:
        _record_tied(name + "0", x, result)
    else:
        _record_selection(name + "1", x, result[0], result[1], wrap_dim(dim, x._ndim), keepdim)
    return result


cdef object _median_values(str fname, Tensor x, object dim, bint keepdim, object out,
                           int kind):
    cdef Tensor flat
    cdef Py_ssize_t n
    cdef int d
    if dim is None:                                     # value only, over all elements
        if x._numel == 0:
            nan_value = _cast(scalar_tensor_of(NAN, _float64), x._dtype)
            if is_cuda(x):
                nan_value = nan_value.to(x._device)
            return _store_exact(nan_value, out, fname)
        _no_bool_median(x, "cpu")
        n = x._numel
        flat = contiguous(x)
        flat = flat.reshape(n)
        return _store_exact(_rows(flat, 0, kind, 1, 0, False, False)[0], out, fname)
    d = wrap_dim(dim, x._ndim)
    _check_dim_nonempty(x, d, "median")
    _no_bool_median(x, "out")
    values, indices = _rows(x, d, kind, 1, 0, False, keepdim)
    return _pair_result(_rt.median if kind == PYT_ROW_MEDIAN else _rt.nanmedian, values,
                        indices, out, fname)


def median(input, dim=None, keepdim=False, *, out=None):
    """The lower median (of all elements, or (values, indices) along dim); NaN if the
    values hold a NaN."""
    return _median("median", input, dim, keepdim, out, PYT_ROW_MEDIAN)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """median ignoring NaN values."""
    return _median("nanmedian", input, dim, keepdim, out, PYT_ROW_NANMEDIAN)


def mode(input, dim=-1, keepdim=False, *, out=None):
    """(values, indices) of the most frequent value along dim (the smallest among equally
    frequent ones; its last index)."""
    cdef Tensor x = _tensor_arg(input, "mode")
    cdef int d = wrap_dim(dim, x._ndim)
    if x._ndim > 0 and x._shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    values, indices = _rows(x, d, PYT_ROW_MODE, 1, 0, False, keepdim)
    if _wants_grad((x,)):
        _refuse_out(out, "mode")
        _record_selection("ModeBackward0", x, values, indices, d, keepdim)
    return _pair_result(_rt.mode, values, indices, out, "mode")


# ----- unique ------------------------------------------------------------------------------

cdef Tensor _gather_flat(Tensor src, const int64_t* pos, Py_ssize_t n):
    """src (contiguous, 1-D) at positions pos[0..n)."""
    cdef Tensor out = new_empty(1, &n, src._dtype, src._device, False)
    cdef Py_ssize_t i, size = src._dtype.itemsize
    for i in range(n):
        memcpy(out._data + i * size, src._data + pos[i] * size, size)
    return out


cdef object _unique_flat(Tensor x, bint sort_first, bint return_inverse, bint return_counts):
    if is_cuda(x):
        return _unique_cuda(x, contiguous(x), -1, x._numel, 1, sort_first, return_inverse,
                            return_counts)
    cdef Py_ssize_t n = x._numel, i, r, runs = 0
    cdef Tensor flat = contiguous(x)
    cdef uint64_t* keys = <uint64_t*>malloc((2 * n + 1) * sizeof(uint64_t))
    cdef int64_t* order = <int64_t*>malloc((2 * n + 1) * sizeof(int64_t))
    cdef int64_t* starts
    cdef uint64_t nan = pyt_nan_key[x._dtype.code]
    cdef bint has_nan = x._dtype.is_floating_point
    cdef Tensor inverse, counts, values
    cdef int64_t* inv
    cdef int64_t* cnt
    if keys == NULL or order == NULL:
        free(keys)
        free(order)
        raise MemoryError()
    try:
        with nogil:
            pyt_keys_table[x._dtype.code](flat._data, n, x._dtype.itemsize, keys, 0)
            for i in range(n):
                order[i] = i
            if sort_first:
                pyt_sort_pairs(keys, order, n, keys + n, order + n)
            starts = order + n                          # run starts, reusing scratch
            for i in range(n):
                if i == 0 or keys[i] != keys[i - 1] or (has_nan and keys[i] == nan):
                    starts[runs] = i
                    runs += 1
            starts[runs] = n
        inverse = new_empty(x._ndim, x._shape, _int64, x._device, False)
        counts = new_empty(1, &runs, _int64, x._device, False)
        inv = <int64_t*>inverse._data
        cnt = <int64_t*>counts._data
        for i in range(runs):
            cnt[i] = starts[i + 1] - starts[i]
        r = 0
        for i in range(n):
            if starts[r + 1] == i:
                r += 1
            inv[order[i]] = r
        for i in range(runs):                           # first element of each run
            starts[i] = order[starts[i]]
        values = _gather_flat(flat.reshape(n), starts, runs)
    finally:
        free(keys)
        free(order)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


cdef object _unique_result(Tensor values, Tensor inverse, Tensor counts, bint return_inverse,
                           bint return_counts):
    if return_inverse and return_counts:
        return values, inverse, counts
    if return_inverse:
        return values, inverse
    if return_counts:
        return values, counts
    return values


cdef inline bint _row_has_nan(const uint64_t* k, Py_ssize_t L, uint64_t nan) noexcept nogil:
    cdef Py_ssize_t i
    if nan == 0:
        return False
    for i in range(L):
        if k[i] == nan:
            return True
    return False


cdef object _unique_dim(Tensor x, object dim, bint sort_first, bint return_inverse,
                        bint return_counts):
    """unique slices along dim: rows of x moved to dim 0, compared whole."""
    cdef int d = wrap_dim(dim, x._ndim), i
    cdef Py_ssize_t n, L, r, runs = 0, size = x._dtype.itemsize
    cdef uint64_t nan = pyt_nan_key[x._dtype.code]
    cdef Tensor rows, values, inverse, counts
    cdef uint64_t* keys
    cdef int64_t* perm
    cdef int64_t* starts
    cdef int64_t* inv
    cdef int64_t* cnt
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    if x._ndim == 0:
        raise IndexError("unique(): dim is out of range for a 0-d tensor")
    n = x._shape[d]
    L = x._numel // n if n > 0 else 0
    for i in range(x._ndim):
        if i != d and x._shape[i] == 0 and n > 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                               "unique cannot be applied")
    rows = contiguous(x.movedim(d, 0))
    if is_cuda(x):
        return _unique_cuda(x, rows, d, n, L, sort_first, return_inverse, return_counts)
    keys = <uint64_t*>malloc((n * L + 1) * sizeof(uint64_t))
    perm = <int64_t*>malloc((3 * n + 1) * sizeof(int64_t))
    if keys == NULL or perm == NULL:
        free(keys)
        free(perm)
        raise MemoryError()
    try:
        with nogil:
            pyt_keys_table[x._dtype.code](rows._data, n * L, size, keys, 0)
            for r in range(n):
                perm[r] = r
            if sort_first:
                pyt_sort_rows(keys, L, perm, n, perm + n)
            starts = perm + 2 * n
            for r in range(n):                           # rows holding NaN never match
                if r == 0 or pyt_rows_cmp(keys, L, perm[r], perm[r - 1]) != 0 or \
                        _row_has_nan(keys + perm[r] * L, L, nan):
                    starts[runs] = r
                    runs += 1
        inverse = new_empty(1, &n, _int64, x._device, False)
        counts = new_empty(1, &runs, _int64, x._device, False)
        inv = <int64_t*>inverse._data
        cnt = <int64_t*>counts._data
        for i in range(runs):
            cnt[i] = (starts[i + 1] if i + 1 < runs else n) - starts[i]
        i = -1
        for r in range(n):
            if i + 1 < runs and starts[i + 1] == r:
                i += 1
            inv[perm[r]] = i
        for i in range(rows._ndim):
            shape[i] = rows._shape[i]
        shape[0] = runs
        values = new_empty(rows._ndim, shape, x._dtype, x._device, False)
        for i in range(runs):
            memcpy(values._data + i * L * size, rows._data + perm[starts[i]] * L * size,
                   L * size)
    finally:
        free(keys)
        free(perm)
    return _unique_result(contiguous(values.movedim(0, d)), inverse, counts, return_inverse,
                          return_counts)


cdef object _unique_cuda(Tensor x, Tensor rows, int d, Py_ssize_t n, Py_ssize_t L,
                         bint sort_first, bint return_inverse, bint return_counts):
    """unique on the GPU (unique_search.cu): rows (n contiguous rows of L elements; d -1:
    the flat case) taken in sorted order (the CPU's stable order) or as they are, split
    into runs of equal rows, as on the CPU."""
    cdef Tensor perm = None, run_of, values, inverse = None, counts = None
    cdef const int64_t* pp = NULL
    cdef int64_t* cp = NULL
    cdef int64_t* ip = NULL
    cdef int64_t num_runs = 0
    cdef Py_ssize_t runs
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int i, rc, code = x._dtype.code
    if sort_first and n > 0:
        if d < 0:                           # values: sort.cu's stable sort
            perm = _rows(rows.reshape(n), 0, PYT_ROW_SORT, n, 0, False, True)[1]
        else:
            perm = new_empty(1, &n, _int64, x._device, False)
            with nogil:
                rc = pyt_cuda_sort_rows(code, rows._data, n, L, <int64_t*>perm._data)
            cuda_check(rc, "unique")
        pp = <const int64_t*>perm._data
    run_of = new_empty(1, &n, _int64, x._device, False)
    if n > 0:
        with nogil:
            rc = pyt_cuda_unique_runs(code, rows._data, pp, n, L, <int64_t*>run_of._data,
                                      &num_runs)
        cuda_check(rc, "unique")
    runs = num_runs
    if d < 0:
        values = new_empty(1, &runs, x._dtype, x._device, False)
    else:
        for i in range(rows._ndim):
            shape[i] = rows._shape[i]
        shape[0] = runs
        values = new_empty(rows._ndim, shape, x._dtype, x._device, False)
    if return_inverse:
        inverse = new_empty(x._ndim, x._shape, _int64, x._device, False) if d < 0 else \
            new_empty(1, &n, _int64, x._device, False)
        ip = <int64_t*>inverse._data
    if return_counts:
        counts = new_empty(1, &runs, _int64, x._device, False)
        cp = <int64_t*>counts._data
    if n > 0:
        with nogil:
            rc = pyt_cuda_unique_emit(code, rows._data, pp, n, L,
                                      <const int64_t*>run_of._data, runs, values._data, cp,
                                      ip)
        cuda_check(rc, "unique")
    if d >= 0:
        values = contiguous(values.movedim(0, d))
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (or slices along dim), sorted, with optional inverse indices
    and counts."""
    cdef Tensor x = _tensor_arg(input, "unique")
    if dim is None:
        return _unique_flat(x, True, return_inverse, return_counts)
    return _unique_dim(x, dim, True, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapses runs of equal consecutive values (or slices along dim)."""
    cdef Tensor x = _tensor_arg(input, "unique_consecutive")
    if dim is None:
        return _unique_flat(x, False, return_inverse, return_counts)
    return _unique_dim(x, dim, False, return_inverse, return_counts)


# ----- counting into bins ---------------------------------------------------------------------

def bincount(input, weights=None, minlength=0):
    """Counts of each non-negative integer in a 1-D tensor (or sums of weights)."""
    cdef Tensor x = _tensor_arg(input, "bincount")
    cdef Tensor xs, w = None, out
    cdef Py_ssize_t n, i, length, ml
    cdef int64_t* v
    cdef int64_t* counts
    cdef double* sums
    cdef const double* wv
    cdef int64_t top = -1
    cdef DType out_dt
    if isinstance(weights, Tensor):
        _same_device(x, <Tensor>weights)
    if x._dtype.is_floating_point or x._dtype.code == PYT_BOOL:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for "
                                  f"'{scalar_type_name(x._dtype.code)}'")
    ml = minlength
    if ml < 0:
        raise RuntimeError("minlength should be >= 0")
    if x._ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    n = x._numel
    xs = contiguous(_cast(x, _int64))
    if is_cuda(x):
        return _bincount_cuda(xs, weights, ml)
    v = <int64_t*>xs._data
    for i in range(n):
        if v[i] < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        if v[i] > top:
            top = v[i]
    if weights is not None:
        w = _tensor_arg(weights, "bincount", "weights")
        if w._ndim != 1 or w._numel != n:
            raise RuntimeError("weights should be 1-d and have the same length as input")
    length = top + 1 if top + 1 > ml else ml
    if w is None:
        out = new_empty(1, &length, _int64, x._device, True)
        counts = <int64_t*>out._data
        with nogil:
            for i in range(n):
                counts[v[i]] += 1
        return out
    out_dt = _float32 if w._dtype.code == PYT_FLOAT32 else _float64
    out = new_empty(1, &length, _float64, x._device, True)
    w = contiguous(_cast(w, _float64))
    sums = <double*>out._data
    wv = <const double*>w._data
    with nogil:
        for i in range(n):
            sums[v[i]] += wv[i]
    return _cast(out, out_dt)


cdef int _same_device(Tensor a, Tensor b) except -1:
    if a._device is not b._device and a._device != b._device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                           f"least two devices, {a._device} and {b._device}!")
    return 0


cdef object _bincount_cuda(Tensor xs, object weights, Py_ssize_t ml):
    """bincount on the GPU (unique_search.cu): xs contiguous int64 on the device. The
    values' range is checked (one small copy to the host) before any bin is touched."""
    cdef Py_ssize_t n = xs._numel, length
    cdef int64_t lo_hi[2]
    cdef int64_t top = -1
    cdef int rc
    cdef Tensor w = None, out
    cdef DType out_dt
    if n > 0:
        with nogil:
            rc = pyt_cuda_minmax(PYT_INT64, xs._data, n, lo_hi)
        cuda_check(rc, "bincount")
        if lo_hi[0] < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        top = lo_hi[1]
    if weights is not None:
        w = _tensor_arg(weights, "bincount", "weights")
        if w._ndim != 1 or w._numel != n:
            raise RuntimeError("weights should be 1-d and have the same length as input")
    length = top + 1 if top + 1 > ml else ml
    if w is None:
        out = new_empty(1, &length, _int64, xs._device, True)
        with nogil:
            rc = pyt_cuda_bincount(<const int64_t*>xs._data, n, NULL, out._data, length)
        cuda_check(rc, "bincount")
        return out
    out_dt = _float32 if w._dtype.code == PYT_FLOAT32 else _float64
    out = new_empty(1, &length, _float64, xs._device, True)
    w = contiguous(_cast(w, _float64))
    with nogil:
        rc = pyt_cuda_bincount(<const int64_t*>xs._data, n, <const double*>w._data,
                               out._data, length)
    cuda_check(rc, "bincount")
    return _cast(out, out_dt)


cdef str _num_text(double v):
    if isnan(v):
        return "nan"
    if v == <double><long long>v and fabs(v) < 1e15:
        return str(<long long>v)
    return repr(v)


cdef inline double _round_to(int code, double x) noexcept nogil:
    """x rounded to the float type code (float64: itself): one step of arithmetic in that
    type, done in double and rounded (exact for + - * /: double holds twice float's
    digits)."""
    if code == PYT_FLOAT32:
        return <float>x
    if code == PYT_FLOAT16:
        return pyt_half_to_float(pyt_float_to_half(<float>x))
    if code == PYT_BFLOAT16:
        return pyt_bfloat16_to_float(pyt_float_to_bfloat16(<float>x))
    return x


cdef inline Py_ssize_t _histc_bin(int code, double v, double lo, double hi,
                                  Py_ssize_t nbins) noexcept nogil:
    """v's bin, -1 outside [lo, hi] or NaN; the last bin is closed. As torch, (v - lo) *
    nbins / (hi - lo) in the input's type code, each step rounded (lo and hi are of that
    type); where that overflows (half), in double. cuda_src's us_hist_bin is the same."""
    if not (v >= lo and v <= hi):
        return -1
    cdef double pos = _round_to(code, _round_to(code, v - lo) * _round_to(code, <double>nbins))
    pos = _round_to(code, pos / _round_to(code, hi - lo))
    if not (pos <= <double>nbins):
        pos = (v - lo) / (hi - lo) * <double>nbins
    if not (pos < <double>nbins):
        return nbins - 1
    return <Py_ssize_t>pos if pos > 0 else 0


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of equal-width bins between min and max (the data's range when both are
    equal); values outside are ignored."""
    cdef Tensor x = _tensor_arg(input, "histc")
    cdef Tensor xs, counts
    cdef Py_ssize_t nbins, n, i, b
    cdef double lo, hi, v
    cdef const double* xv
    cdef int64_t* c
    cdef double lo_hi[2]
    cdef int rc, code = x._dtype.code
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for "
                                  f"'{scalar_type_name(x._dtype.code)}'")
    nbins = bins
    if nbins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {nbins} for "
                           f"dimension 0")
    lo = min
    hi = max
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    n = x._numel
    xs = contiguous(_cast(x, _float64))
    xv = <const double*>xs._data
    if lo == hi and n > 0 and is_cuda(x):               # the data's range, on the device
        with nogil:
            rc = pyt_cuda_minmax(PYT_FLOAT64, xs._data, n, lo_hi)
        cuda_check(rc, "histc")
        lo, hi = lo_hi[0], lo_hi[1]
        if isnan(lo) or isnan(hi):
            lo = hi = NAN
    elif lo == hi and n > 0:
        lo = INFINITY
        hi = -INFINITY
        for i in range(n):
            v = xv[i]
            if isnan(v):
                lo = hi = NAN
                break
            if v < lo:
                lo = v
            if v > hi:
                hi = v
    if not (isfinite(lo) and isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_num_text(lo)}, {_num_text(hi)}] is not "
                           f"finite")
    if lo == hi:
        lo -= 1
        hi += 1
    # the edges in the input's type, as torch's linspace of them
    lo, hi = _round_to(code, lo), _round_to(code, hi)
    counts = new_empty(1, &nbins, _int64, x._device, True)
    c = <int64_t*>counts._data
    if is_cuda(x):
        with nogil:
            rc = pyt_cuda_histc(code, xv, n, lo, hi, nbins, c)
        cuda_check(rc, "histc")
        return _store_exact(_cast(counts, x._dtype), out, "histc")
    with nogil:
        for i in range(n):
            b = _histc_bin(code, xv[i], lo, hi, nbins)
            if b >= 0:
                c[b] += 1
    return _store_exact(_cast(counts, x._dtype), out, "histc")


# ----- binary search -----------------------------------------------------------------------

cdef Tensor _value_tensor(object v, DType like):
    if isinstance(v, Tensor):
        return v
    if isinstance(v, bool):
        return scalar_tensor_of(v, _bool)
    if isinstance(v, int):
        return scalar_tensor_of(v, like if not like.is_floating_point else _int64)
    if isinstance(v, float):
        return scalar_tensor_of(v, like if like.is_floating_point else get_default(True))
    raise TypeError(f"searchsorted(): argument 'input' must be Tensor or Number, not "
                    f"{type(v).__name__}")


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 out=None, sorter=None):
    """Indices at which input's values would be inserted into sorted_sequence (along its
    last dim) to keep it sorted."""
    cdef Tensor seq = _tensor_arg(sorted_sequence, "searchsorted", "sorted_sequence")
    cdef Tensor vals
    cdef Tensor order = None, result
    cdef DType dt
    vals = _value_tensor(input, seq._dtype)
    cdef Py_ssize_t n, rows, m, r, i
    cdef int64_t* so = NULL
    cdef int64_t lo_hi[2]
    cdef int rc
    cdef int64_t* res
    cdef bint use_right
    cdef pyt_search_fn fn
    cdef int d
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if side == "left" and right:
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
    use_right = bool(right) or side == "right"
    if not isinstance(input, Tensor) and is_cuda(seq):       # a number: on seq's device
        vals = vals.to(seq._device)
    if vals._device is not seq._device and vals._device != seq._device:
        raise RuntimeError(f"torch.searchsorted(): boundaries and input value tensors should "
                           f"have same device type, but got boundaries tensor device type "
                           f"{seq._device} and input value tensor device type {vals._device}")
    if isinstance(sorter, Tensor) and (<Tensor>sorter)._device is not seq._device and \
            (<Tensor>sorter)._device != seq._device:
        raise RuntimeError(f"torch.searchsorted(): sorter and boundary tensors should have "
                           f"same device type, but got sorter tensor device type "
                           f"{(<Tensor>sorter)._device} and input value tensor device type "
                           f"{seq._device}")
    if seq._ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if seq._ndim > 1:
        same = vals._ndim == seq._ndim
        for d in range(seq._ndim - 1):
            same = same and vals._shape[d] == seq._shape[d]
        if not same:
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension "
                               f"or the first N-1 dimensions of boundaries tensor and input "
                               f"value tensor must match, but we got boundaries tensor "
                               f"{list(seq.size())} and input value tensor "
                               f"{list(vals.size())}")
    dt = promote(seq._dtype, vals._dtype)
    if dt.code == PYT_BOOL:
        raise NotImplementedError("\"searchsorted_out_cpu\" not implemented for 'Bool'")
    n = seq._shape[seq._ndim - 1]
    rows = seq._numel // n if n > 0 else 1
    if sorter is not None:
        order = _tensor_arg(sorter, "searchsorted", "sorter")
        if order.size() != seq.size():
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {list(seq.size())}and got "
                               f"sorter tensor {list(order.size())}")
        if order._dtype.code != PYT_INT64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype")
        order = contiguous(order)
        so = <int64_t*>order._data
        if not is_cuda(order):
            for i in range(order._numel):
                if so[i] < 0 or so[i] >= n:
                    raise RuntimeError("torch.searchsorted(): sorter index out of range")
        elif order._numel > 0:              # checked on the device before any search reads
            with nogil:
                rc = pyt_cuda_minmax(PYT_INT64, order._data, order._numel, lo_hi)
            cuda_check(rc, "searchsorted")
            if lo_hi[0] < 0 or lo_hi[1] >= n:
                raise RuntimeError("torch.searchsorted(): sorter index out of range")
    seq = contiguous(_cast(seq, dt))
    vals = contiguous(_cast(vals, dt))
    result = new_empty(vals._ndim, vals._shape, _int64, vals._device, False)
    res = <int64_t*>result._data
    m = (vals._numel // rows if rows > 0 else 0) if seq._ndim > 1 else vals._numel
    fn = pyt_search_table[dt.code]
    if seq._ndim == 1:
        rows = 1
    if is_cuda(seq):                    # unique_search.cu: one thread per value
        with nogil:
            rc = pyt_cuda_searchsorted(dt.code, seq._data, so, n, vals._data, m, rows,
                                       use_right, res)
        cuda_check(rc, "searchsorted")
    else:
        with nogil:
            for r in range(rows):
                fn(seq._data + r * n * dt.itemsize, n, so + r * n if so != NULL else NULL,
                   vals._data + r * m * dt.itemsize, m, use_right, res + r * m)
    if out_int32:
        result = _cast(result, _int32)
    return _store_exact(result, out, "searchsorted")


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket of each value given 1-D sorted boundaries."""
    cdef Tensor b = _tensor_arg(boundaries, "bucketize", "boundaries")
    if b._ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b._ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right, out=out)
