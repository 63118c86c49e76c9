# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Elementwise math: float functions (exp, log, sin, erfinv, ...), rounding and sign,
clamp, pow, maximum/minimum, bitwise and logical ops, lerp / addcmul / addcdiv, and the
closeness tests, with torch's dtype rules, broadcasting, in-place forms and out=.

Every op picks an inner loop from the tables of include/pyt_math.h (by op and dtype code;
NULL where torch refuses the dtype) and runs it through one driver: _unary, _binop or
_ternary, which settle the dtypes and the shape, and _finish, which writes a new tensor,
the tensor itself (in-place) or out=. add/sub/mul/div and the division family
(floor_divide, remainder, fmod) run in the tensor module (pointwise.pxi).

Differentiable ops go through the recording forms of the drivers (_unary_fn, _binop_fn,
_ternary_fn): when an input needs a gradient, the op runs with recording off and is
recorded as one node, whose backward (torch's formula) is written with pyt ops so that
it records itself under create_graph. Ops that cannot be differentiated (predicates,
bitwise and logical ops, isclose) call the plain drivers: their outputs never require
grad."""

from libc.stdint cimport int64_t
from libc.string cimport memchr
from libc.math cimport (pow as c_pow, log as c_log, floor as c_floor, tgamma as c_tgamma,
    fabs as c_fabs, isinf as c_isinf, INFINITY, NAN)

from pyt._ext.tensor cimport (Tensor, new_empty, copy_into, clone, contiguous,
    _empty_like_layout, _broadcast_shape, _broadcast_strides_to, _result_dtype,
    _result_dtype_of, _operand, _to_dtype, _may_overlap, _has_internal_overlap, resize_,
    _binary, _into_out, grad_enabled, set_grad_enabled_flag, _record, _refuse_out,
    _inplace_result, _grad_like, _meta, _check_inplace_allowed, _same_geometry,
    common_device, cuda_check, refuse_cuda, is_cuda)
from pyt._ext.cuda_api cimport (pyt_cuda_iter, pyt_cuda_math_ctx, pyt_cuda_pointwise,
    pyt_cuda_polygamma,
    PYT_CUDA_ARITH, PYT_CUDA_CMP, PYT_CUDA_UNARY, PYT_CUDA_MATH_BINARY, PYT_CUDA_TERNARY)
from pyt._ext.tensor cimport cuda_iter
from pyt._ext.graph cimport Node
from pyt._ext.dtypes cimport dtype as DType
from pyt._ext.dtypes cimport scalar_type_name, cpp_type_name
from pyt._ext.dtypes cimport (get_default, PYT_BOOL, PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32,
    PYT_FLOAT64, PYT_NUM_DTYPES)
from pyt._ext.loop cimport (PYT_MAX_DIMS, PYT_GRAIN_SIZE, pyt_inner_loop, pyt_iter,
    pyt_iter_init, pyt_iter_run)
from pyt._ext.parallel cimport num_threads

from pyt._ext import dtypes as _dtypes
from pyt._ext.device import cpu as _cpu_device
from pyt._ext.tensor import where as _where_values, zeros_like as _zeros_like
from numpy import bool_ as np_bool

cdef extern from "pyt_math.h":
    ctypedef struct pyt_math_ctx:
        double d[3]
        int64_t i[2]
    enum:
        PYT_UN_EXP, PYT_UN_EXP2, PYT_UN_EXPM1, PYT_UN_LOG, PYT_UN_LOG2, PYT_UN_LOG10,
        PYT_UN_LOG1P, PYT_UN_SQRT, PYT_UN_RSQRT, PYT_UN_SIN, PYT_UN_COS, PYT_UN_TAN,
        PYT_UN_ASIN, PYT_UN_ACOS, PYT_UN_ATAN, PYT_UN_SINH, PYT_UN_COSH, PYT_UN_TANH,
        PYT_UN_ASINH, PYT_UN_ACOSH, PYT_UN_ATANH, PYT_UN_SIGMOID, PYT_UN_ERF, PYT_UN_ERFC,
        PYT_UN_ERFINV, PYT_UN_LGAMMA, PYT_UN_DIGAMMA, PYT_UN_RECIPROCAL, PYT_UN_LOGIT,
        PYT_UN_ROUND_DECIMALS, PYT_UN_FRAC,
        PYT_UN_ABS, PYT_UN_FLOOR, PYT_UN_CEIL, PYT_UN_ROUND, PYT_UN_TRUNC, PYT_UN_SIGN,
        PYT_UN_RELU, PYT_UN_BITWISE_NOT, PYT_UN_NAN_TO_NUM,
        PYT_UN_ISNAN, PYT_UN_ISINF, PYT_UN_ISPOSINF, PYT_UN_ISNEGINF, PYT_UN_ISFINITE,
        PYT_UN_LOGICAL_NOT, PYT_NUM_UNARY
    enum:
        PYT_BI_POW, PYT_BI_ATAN2, PYT_BI_HYPOT, PYT_BI_MAXIMUM, PYT_BI_MINIMUM,
        PYT_BI_FMAX, PYT_BI_FMIN, PYT_BI_BITWISE_AND, PYT_BI_BITWISE_OR,
        PYT_BI_BITWISE_XOR, PYT_BI_LSHIFT, PYT_BI_RSHIFT, PYT_BI_LOGICAL_AND,
        PYT_BI_LOGICAL_OR, PYT_BI_LOGICAL_XOR, PYT_BI_ISCLOSE, PYT_NUM_MATH_BINARY
    enum:
        PYT_TER_ADDCMUL, PYT_TER_ADDCDIV, PYT_TER_LERP, PYT_TER_CLAMP, PYT_NUM_TERNARY
    const pyt_inner_loop pyt_unary_table[PYT_NUM_UNARY][PYT_NUM_DTYPES]
    const pyt_inner_loop pyt_math_binary_table[PYT_NUM_MATH_BINARY][PYT_NUM_DTYPES]
    const pyt_inner_loop pyt_ternary_table[PYT_NUM_TERNARY][PYT_NUM_DTYPES]

cdef extern from "pyt_binary.h":
    enum:
        PYT_OP_MUL, PYT_OP_FLOORDIV, PYT_OP_REMAINDER, PYT_OP_FMOD, PYT_CMP_EQ
    const pyt_inner_loop pyt_arith_table[8][PYT_NUM_DTYPES]
    const pyt_inner_loop pyt_cmp_table[6][PYT_NUM_DTYPES]

cdef object _CPU = _cpu_device       # a C-level name: `t._device is _CPU` costs nothing
cdef DType _bool = _dtypes.bool_
cdef DType _float64 = _dtypes.float64
# largest finite values, for nan_to_num's defaults
cdef dict _FLOAT_MAX = {PYT_FLOAT16: 65504.0, PYT_BFLOAT16: 3.3895313892515355e+38,
                        PYT_FLOAT32: 3.4028234663852886e+38, PYT_FLOAT64: 1.7976931348623157e+308}


# ----- the drivers ------------------------------------------------------------------------

cdef inline int _category(DType d) noexcept:
    return 0 if d.code == PYT_BOOL else (2 if d.is_floating_point else 1)


cdef object _not_implemented(str kernel, DType dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(dt.code)}\'')


cdef Tensor _require_tensor(object x, str fname, str arg, int position):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {position}) must be Tensor, "
                        f"not {type(x).__name__}")
    return <Tensor>x


cdef inline void _add_operand(Tensor t, int k, int nd, const Py_ssize_t* shape,
                              Py_ssize_t* strides, char** base) except *:
    cdef int i
    _broadcast_strides_to(t, nd, shape, strides + k * nd)
    for i in range(nd):
        strides[k * nd + i] *= t._dtype.itemsize
    base[k] = t._data


cdef inline bint _on_cpu(Tensor out, Tensor a, Tensor b, Tensor c) noexcept:
    return out._device is _CPU and a._device is _CPU and (b is None or b._device is _CPU) \
        and (c is None or c._device is _CPU)


cdef object _device_of(Tensor a, Tensor b, Tensor c):
    """The device an op on a, b, c (b, c may be None) runs on (torch's device rule; the
    CPU at once when all are there)."""
    if a._device is _CPU and (b is None or b._device is _CPU) and (
            c is None or c._device is _CPU):
        return _CPU
    return common_device((a, b, c))


cdef int _run_cuda(int family, int op, void* ctx, Tensor out, Tensor a, Tensor b,
                   Tensor c) except -1:
    """_run on a GPU: the kernel of (family, op) computing in a's dtype."""
    cdef pyt_cuda_iter it
    cdef pyt_math_ctx zero
    if out._device is _CPU:
        dev = common_device((a, b, c))
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                           f"least two devices, {dev} and cpu!")
    if out._numel == 0:
        return 0
    cuda_iter(&it, out, a, b, c)
    if ctx == NULL:
        zero.d[0] = zero.d[1] = zero.d[2] = 0
        zero.i[0] = zero.i[1] = 0
        ctx = &zero
    return cuda_check(pyt_cuda_pointwise(family, op, a._dtype.code, &it,
                                         <const pyt_cuda_math_ctx*>ctx), "pointwise op")


cdef int _run(int family, int op, pyt_inner_loop fn, void* ctx, Tensor out, Tensor a,
              Tensor b, Tensor c) except -1:
    """out = fn(a[, b[, c]]) elementwise, the inputs broadcast to out's shape. fn is the
    CPU loop; (family, op) names it for the GPU (pyt_cuda_pointwise)."""
    cdef Py_ssize_t strides[4 * PYT_MAX_DIMS]
    cdef char* base[4]
    cdef pyt_iter it
    cdef int nd = out._ndim, nops = 2, nthreads = num_threads()
    cdef Py_ssize_t numel
    if not _on_cpu(out, a, b, c):
        return _run_cuda(family, op, ctx, out, a, b, c)
    if out._numel == 0:
        return 0
    _add_operand(out, 0, nd, out._shape, strides, base)
    _add_operand(a, 1, nd, out._shape, strides, base)
    if b is not None:
        _add_operand(b, 2, nd, out._shape, strides, base)
        nops = 3
        if c is not None:
            _add_operand(c, 3, nd, out._shape, strides, base)
            nops = 4
    with nogil:
        numel = pyt_iter_init(&it, nops, nd, out._shape, base, strides)
        pyt_iter_run(&it, numel, fn, ctx, nthreads, PYT_GRAIN_SIZE)
    return 0


cdef Tensor _unaliased(Tensor x, Tensor out):
    """x, or a copy of it when it partly overlaps out (an exact alias is safe)."""
    if x is not None and _may_overlap(out, x) and not (
            out._data == x._data and _same_geometry(out, x) and out._dtype is x._dtype):
        return clone(x)
    return x


cdef Tensor _finish(int family, int op, pyt_inner_loop fn, void* ctx, object target,
                    bint inplace, DType dt, int nd, Py_ssize_t* shape, Tensor a, Tensor b,
                    Tensor c, Tensor like):
    """Runs fn over the inputs into a new tensor of dtype dt (target None; laid out like
    `like` when given), or into target: the tensor of an in-place op, or out=."""
    cdef Tensor result, t
    cdef int i
    cdef bint same_shape
    if target is None:
        if like is not None:
            result = _empty_like_layout(like, dt)
        else:
            result = new_empty(nd, shape, dt, _device_of(a, b, c), False)
        _run(family, op, fn, ctx, result, a, b, c)
        return result
    if not isinstance(target, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(target).__name__}")
    t = target
    if _has_internal_overlap(t):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    same_shape = t._ndim == nd
    for i in range(nd if nd < t._ndim else t._ndim):
        same_shape = same_shape and t._shape[i] == shape[i]
    if not same_shape:
        if inplace:
            raise RuntimeError(f"output with shape {list(t.shape)} doesn't match the "
                               f"broadcast shape {[shape[i] for i in range(nd)]}")
        resize_(t, tuple([shape[i] for i in range(nd)]))
    if _category(dt) > _category(t._dtype) or (dt.code != PYT_BOOL and t._dtype.code == PYT_BOOL):
        raise RuntimeError(f"result type {scalar_type_name(dt.code)} can't be cast to the desired "
                           f"output type {scalar_type_name(t._dtype.code)}")
    if t._dtype is dt:
        _run(family, op, fn, ctx, t, _unaliased(a, t), _unaliased(b, t), _unaliased(c, t))
    else:
        result = new_empty(nd, shape, dt, t._device, False)
        _run(family, op, fn, ctx, result, a, b, c)
        copy_into(t, result)
    t._storage.version += 1
    return t


cdef Tensor _unary(int op, str kernel, object input, object out, bint inplace,
                   void* ctx=NULL, str fname=None):
    """Unary ops. Up to logit, integer inputs compute in the default float dtype; then
    the result has the input's dtype (NULL entries refuse it); from isnan on, bool."""
    cdef Tensor x = _require_tensor(input, fname or kernel, "input", 1)
    cdef DType dt = x._dtype
    cdef pyt_inner_loop fn
    if op < PYT_UN_ROUND_DECIMALS and not dt.is_floating_point:
        dt = get_default(True)
    fn = pyt_unary_table[op][dt.code]
    if fn == NULL:
        raise _not_implemented(kernel, dt)
    if dt is not x._dtype:
        x = _to_dtype(x, dt, False)
    return _finish(PYT_CUDA_UNARY, op, fn, ctx, input if inplace else out, inplace,
                   _bool if op >= PYT_UN_ISNAN else dt, x._ndim, x._shape, x, None, None, x)


cdef Tensor _binop(int op, str kernel, object a, object b, object out, bint inplace,
                   void* ctx=NULL, bint float_result=False, bint bool_result=False):
    """Binary ops with torch's promotion: the result has the promoted dtype (ints become
    the default float dtype when float_result; bool when bool_result)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef DType dt = _result_dtype(a, b)
    cdef pyt_inner_loop fn
    cdef Tensor ta, tb
    cdef int nd
    if float_result and not dt.is_floating_point:
        dt = get_default(True)
    fn = pyt_math_binary_table[op][dt.code]
    if fn == NULL:
        raise _not_implemented(kernel, dt)
    ta = _operand(a, dt)
    tb = _operand(b, dt)
    nd = _broadcast_shape(ta, tb, shape)
    return _finish(PYT_CUDA_MATH_BINARY, op, fn, ctx, a if inplace else out, inplace,
                   _bool if bool_result else dt, nd, shape, ta, tb, None, None)


cdef int _broadcast_with(Py_ssize_t* shape, int nd, Tensor t) except -1:
    """Broadcasts shape (nd dims) with t's shape, in place; returns the new ndim."""
    cdef int new_nd = nd if nd > t._ndim else t._ndim
    cdef int i, j, shift = new_nd - nd
    cdef Py_ssize_t have, size
    if shift:
        for i in range(nd - 1, -1, -1):
            shape[i + shift] = shape[i]
        for i in range(shift):
            shape[i] = 1
    for i in range(t._ndim):
        j = new_nd - t._ndim + i
        have = shape[j]
        size = t._shape[i]
        if have == 1:
            shape[j] = size
        elif size != 1 and size != have:
            raise RuntimeError(f"The size of tensor a ({have}) must match the size of tensor "
                               f"b ({size}) at non-singleton dimension {j}")
    return new_nd


cdef Tensor _ternary(int op, str kernel, DType dt, object a, object b, object c,
                     object target, bint inplace, void* ctx=NULL):
    """Ternary ops in dtype dt; a, b, c broadcast together."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef pyt_inner_loop fn = pyt_ternary_table[op][dt.code]
    cdef Tensor ta, tb, tc
    cdef int nd
    if fn == NULL:
        raise _not_implemented(kernel, dt)
    ta = _operand(a, dt)
    tb = _operand(b, dt)
    tc = _operand(c, dt)
    nd = _broadcast_with(shape, 0, ta)
    nd = _broadcast_with(shape, nd, tb)
    nd = _broadcast_with(shape, nd, tc)
    return _finish(PYT_CUDA_TERNARY, op, fn, ctx, target, inplace, dt, nd, shape, ta, tb, tc,
                   None)


cdef bint _all_nonzero(Tensor t) except -1:
    """Whether a new (contiguous) bool tensor is all True."""
    if t._device is not _CPU:
        t = t.cpu()
    return t._numel == 0 or memchr(t._data, 0, t._numel) == NULL


# ----- recording: the drivers of the differentiable ops ----------------------------------

cdef double _LN2 = 0.6931471805599453
cdef double _LN10 = 2.302585092994046
cdef double _TWO_OVER_SQRT_PI = 1.1283791670955126
cdef double _HALF_SQRT_PI = 0.886226925452758


cdef inline bint _tracked(object x) noexcept:
    return isinstance(x, Tensor) and (<Tensor>x)._requires_grad


cdef inline bint _grad_wanted(object a, object b=None, object c=None) noexcept:
    """Some input is a tensor that requires grad, in grad mode (cheap when none is)."""
    return (_tracked(a) or _tracked(b) or _tracked(c)) and grad_enabled()


cdef inline bint _edge(Node node, int i):
    """Whether input i of node needs its gradient."""
    return node.next_functions[i][0] is not None


cdef Tensor _inplace_op(Tensor self, Tensor result):
    """Ends a recorded in-place op that was computed out of place (from a clone of self):
    the checks the in-place kernel makes, then self takes result's values and history."""
    if result.size() != self.size():
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                           f"broadcast shape {list(result.shape)}")
    if _category(result._dtype) > _category(self._dtype) or (
            result._dtype.code != PYT_BOOL and self._dtype.code == PYT_BOOL):
        raise RuntimeError(f"result type {scalar_type_name(result._dtype.code)} can't be cast to "
                           f"the desired output type {scalar_type_name(self._dtype.code)}")
    return _inplace_result(self, result)


cdef object _where(object cond, object a, object b):
    """where(cond, a, b) for the backward formulas, recorded (WhereBackward0) when a or b
    requires grad, so that those formulas differentiate again."""
    cdef Node node
    if not _grad_wanted(a, b):
        return _where_values(cond, a, b)
    set_grad_enabled_flag(False)
    try:
        result = _where_values(cond, a, b)
    finally:
        set_grad_enabled_flag(True)
    node = _record("WhereBackward0", _where_backward, (a, b), (result,))
    node.ctx = (_meta(a), _meta(b))
    node.save(cond)
    return result


cdef tuple _where_backward(Node node, tuple grads):
    meta_a, meta_b = node.ctx
    cond = node.saved_values()[0]
    g = grads[0]
    return (_grad_like(_where(cond, g, 0.0), meta_a) if _edge(node, 0) else None,
            _grad_like(_where(cond, 0.0, g), meta_b) if _edge(node, 1) else None)


# unary ops: torch's node name, and what the backward reads
cdef enum:
    _KEEP_NOTHING, _KEEP_INPUT, _KEEP_RESULT

cdef dict _UNARY_GRADS = {
    PYT_UN_EXP: ("ExpBackward0", _KEEP_RESULT),
    PYT_UN_EXP2: ("Exp2Backward0", _KEEP_RESULT),
    PYT_UN_EXPM1: ("Expm1Backward0", _KEEP_RESULT),
    PYT_UN_LOG: ("LogBackward0", _KEEP_INPUT),
    PYT_UN_LOG2: ("Log2Backward0", _KEEP_INPUT),
    PYT_UN_LOG10: ("Log10Backward0", _KEEP_INPUT),
    PYT_UN_LOG1P: ("Log1PBackward0", _KEEP_INPUT),
    PYT_UN_SQRT: ("SqrtBackward0", _KEEP_RESULT),
    PYT_UN_RSQRT: ("RsqrtBackward0", _KEEP_RESULT),
    PYT_UN_SIN: ("SinBackward0", _KEEP_INPUT),
    PYT_UN_COS: ("CosBackward0", _KEEP_INPUT),
    PYT_UN_TAN: ("TanBackward0", _KEEP_RESULT),
    PYT_UN_ASIN: ("AsinBackward0", _KEEP_INPUT),
    PYT_UN_ACOS: ("AcosBackward0", _KEEP_INPUT),
    PYT_UN_ATAN: ("AtanBackward0", _KEEP_INPUT),
    PYT_UN_SINH: ("SinhBackward0", _KEEP_INPUT),
    PYT_UN_COSH: ("CoshBackward0", _KEEP_INPUT),
    PYT_UN_TANH: ("TanhBackward0", _KEEP_RESULT),
    PYT_UN_ASINH: ("AsinhBackward0", _KEEP_INPUT),
    PYT_UN_ACOSH: ("AcoshBackward0", _KEEP_INPUT),
    PYT_UN_ATANH: ("AtanhBackward0", _KEEP_INPUT),
    PYT_UN_SIGMOID: ("SigmoidBackward0", _KEEP_RESULT),
    PYT_UN_ERF: ("ErfBackward0", _KEEP_INPUT),
    PYT_UN_ERFC: ("ErfcBackward0", _KEEP_INPUT),
    PYT_UN_ERFINV: ("ErfinvBackward0", _KEEP_RESULT),
    PYT_UN_LGAMMA: ("LgammaBackward0", _KEEP_INPUT),
    PYT_UN_DIGAMMA: ("DigammaBackward0", _KEEP_INPUT),
    PYT_UN_RECIPROCAL: ("ReciprocalBackward0", _KEEP_RESULT),
    PYT_UN_LOGIT: ("LogitBackward0", _KEEP_INPUT),
    PYT_UN_ABS: ("AbsBackward0", _KEEP_INPUT),
    PYT_UN_RELU: ("ReluBackward0", _KEEP_RESULT),
    PYT_UN_NAN_TO_NUM: ("NanToNumBackward0", _KEEP_INPUT),
    PYT_UN_FRAC: ("FracBackward0", _KEEP_NOTHING),
    PYT_UN_FLOOR: ("FloorBackward0", _KEEP_NOTHING),
    PYT_UN_CEIL: ("CeilBackward0", _KEEP_NOTHING),
    PYT_UN_TRUNC: ("TruncBackward0", _KEEP_NOTHING),
    PYT_UN_ROUND: ("RoundBackward0", _KEEP_NOTHING),
    PYT_UN_ROUND_DECIMALS: ("RoundBackward1", _KEEP_NOTHING),
    PYT_UN_SIGN: ("SignBackward0", _KEEP_NOTHING),
}


cdef Tensor _unary_fn(int op, str kernel, object input, object out, bint inplace,
                      void* ctx=NULL, str fname=None, str grad_name=None, object arg=None):
    """_unary for a differentiable op: recorded when input requires grad. grad_name
    overrides the node's name (where torch names a form apart: sgn, asinh_ ...); arg is
    what the backward needs besides the tensors (logit's eps)."""
    cdef Tensor x, result
    cdef Node node
    if not _grad_wanted(input):
        return _unary(op, kernel, input, out, inplace, ctx, fname)
    x = input
    _refuse_out(out, fname or kernel)
    if inplace:
        _check_inplace_allowed(x)
        return _inplace_op(x, _unary_fn(op, kernel, clone(x), None, False, ctx, fname,
                                        grad_name, arg))
    set_grad_enabled_flag(False)
    try:
        result = _unary(op, kernel, x, None, False, ctx, fname)
    finally:
        set_grad_enabled_flag(True)
    name, keep = _UNARY_GRADS[op]
    node = _record(grad_name or name, _unary_backward, (x,), (result,))
    node.ctx = (op, arg)
    if keep == _KEEP_INPUT:
        node.save(x)
    elif keep == _KEEP_RESULT:
        node.save_output(result)
    return result


cdef tuple _unary_backward(Node node, tuple grads):
    op, arg = node.ctx
    saved = node.saved_values()
    if grads[0] is None:
        return (None,)
    return (_unary_grad(op, grads[0], saved[0] if saved else None, arg),)


cdef object _unary_grad(int op, object g, object v, object arg):
    """torch's derivative of unary op `op`: the input's gradient from the output's, g;
    v is the op's input or result (as _UNARY_GRADS says)."""
    if op == PYT_UN_EXP:
        return g * v
    if op == PYT_UN_EXP2:
        return g * v * _LN2
    if op == PYT_UN_EXPM1:
        return g * (v + 1)
    if op == PYT_UN_LOG:
        return g / v
    if op == PYT_UN_LOG2:
        return g / (v * _LN2)
    if op == PYT_UN_LOG10:
        return g / (v * _LN10)
    if op == PYT_UN_LOG1P:
        return g / (v + 1)
    if op == PYT_UN_SQRT:
        return g / (2 * v)
    if op == PYT_UN_RSQRT:
        return -0.5 * g * v.pow(3)
    if op == PYT_UN_SIN:
        return g * v.cos()
    if op == PYT_UN_COS:
        return g * -v.sin()
    if op == PYT_UN_TAN:
        return g * (1 + v.pow(2))
    if op == PYT_UN_ASIN:
        return g * (-v * v + 1).rsqrt()
    if op == PYT_UN_ACOS:
        return g * -((-v * v + 1).rsqrt())
    if op == PYT_UN_ATAN:
        return g / (v * v + 1)
    if op == PYT_UN_SINH:
        return g * v.cosh()
    if op == PYT_UN_COSH:
        return g * v.sinh()
    if op == PYT_UN_TANH:
        return g * (1 - v * v)
    if op == PYT_UN_ASINH:
        return g * (v.pow(2) + 1).rsqrt()
    if op == PYT_UN_ACOSH:
        return g * (v.pow(2) - 1).rsqrt()
    if op == PYT_UN_ATANH:
        return g / (1 - v.pow(2))
    if op == PYT_UN_SIGMOID:
        return g * (1 - v) * v
    if op == PYT_UN_ERF:
        return _TWO_OVER_SQRT_PI * (-v.pow(2)).exp() * g
    if op == PYT_UN_ERFC:
        return -_TWO_OVER_SQRT_PI * (-v.pow(2)).exp() * g
    if op == PYT_UN_ERFINV:
        return _HALF_SQRT_PI * v.pow(2).exp() * g
    if op == PYT_UN_LGAMMA:
        return g * digamma(v)
    if op == PYT_UN_DIGAMMA:
        return g * polygamma(1, v)
    if op == PYT_UN_RECIPROCAL:
        return -g * (v * v)
    if op == PYT_UN_LOGIT:
        return _logit_grad(g, v, arg)
    if op == PYT_UN_ABS:
        return g * sign(v)                           # abs'(0) = 0
    if op == PYT_UN_RELU:
        return _where(v <= 0, 0.0, g)                # torch's threshold_backward: nan passes
    if op == PYT_UN_NAN_TO_NUM:
        return g * isfinite(v)
    if op == PYT_UN_FRAC:
        return g
    return _zeros_like(g)                            # floor, ceil, trunc, round, sign


cdef object _logit_grad(object g, object x, object eps):
    """g / (x (1 - x)); without eps nan outside [0, 1], with eps 0 outside [eps, 1 - eps]
    (where the forward clamps)."""
    grad = g / (x * (1 - x))
    if eps is None:
        return _where(logical_or(x < 0, x > 1), NAN, grad)
    return _where(logical_or(x < eps, x > 1 - eps), 0.0, grad)


# binary ops: which derivative formula
cdef enum:
    _ATAN2, _HYPOT, _MAXIMUM, _MINIMUM, _FMAX, _FMIN, _CLAMP_MIN, _CLAMP_MAX


cdef Tensor _binop_fn(int kind, str name, str fname, int op, str kernel, object a, object b,
                      object out, bint inplace, bint float_result=False):
    """_binop for a differentiable op, recorded as `name` with the formula `kind` when an
    input requires grad."""
    cdef Tensor result
    cdef Node node
    if not _grad_wanted(a, b) or not isinstance(a, Tensor):
        return _binop(op, kernel, a, b, out, inplace, NULL, float_result)
    _refuse_out(out, fname)
    if inplace:
        _check_inplace_allowed(a)
        return _inplace_op(a, _binop_fn(kind, name, fname, op, kernel, clone(a), b, None,
                                        False, float_result))
    set_grad_enabled_flag(False)
    try:
        result = _binop(op, kernel, a, b, None, False, NULL, float_result)
    finally:
        set_grad_enabled_flag(True)
    node = _record(name, _binop_backward, (a, b), (result,))
    node.ctx = (kind, _meta(a), _meta(b), None if isinstance(b, Tensor) else b)
    node.save(a, b if isinstance(b, Tensor) else None)
    if kind == _HYPOT:
        node.save_output(result)
    return result


cdef tuple _binop_backward(Node node, tuple grads):
    kind, meta_a, meta_b, number = node.ctx
    saved = node.saved_values()
    a = saved[0]
    b = number if saved[1] is None else saved[1]
    g = grads[0]
    want_a, want_b = _edge(node, 0), _edge(node, 1)
    ga = gb = None
    if g is None:
        return (None, None)
    if kind == _ATAN2:
        recip = (a * a + b * b).reciprocal()
        ga = g * b * recip if want_a else None
        gb = g * -a * recip if want_b else None
    elif kind == _HYPOT:
        ga = g * a / saved[2] if want_a else None
        gb = g * b / saved[2] if want_b else None
    elif kind == _MAXIMUM or kind == _MINIMUM:
        split = _where(a == b, g / 2, g)             # ties share; nan reaches both
        if want_a:
            ga = _where(a < b if kind == _MAXIMUM else a > b, 0.0, split)
        if want_b:
            gb = _where(a > b if kind == _MAXIMUM else a < b, 0.0, split)
    elif kind == _FMAX or kind == _FMIN:
        to_a = logical_or(a >= b if kind == _FMAX else a <= b, isnan(b))
        ga = _where(to_a, g, 0.0) if want_a else None
        gb = _where(to_a, 0.0, g) if want_b else None
    elif kind == _CLAMP_MIN:                         # the bound counts as inside
        ga = _where(a >= b, g, 0.0) if want_a else None
        gb = _where(a < b, g, 0.0) if want_b else None
    else:
        ga = _where(a <= b, g, 0.0) if want_a else None
        gb = _where(a > b, g, 0.0) if want_b else None
    return (_grad_like(ga, meta_a), _grad_like(gb, meta_b))


# ternary ops: which derivative formula
cdef enum:
    _CLAMP, _LERP, _ADDCMUL, _ADDCDIV


cdef Tensor _ternary_fn(int kind, str name, str fname, int op, str kernel, DType dt,
                        object a, object b, object c, object out, bint inplace,
                        void* ctx=NULL, object value=None):
    """_ternary for a differentiable op, recorded as `name` with the formula `kind` when
    an input requires grad; value is addcmul's / addcdiv's."""
    cdef Tensor result
    cdef Node node
    cdef bint keep_a
    if not _grad_wanted(a, b, c) or not isinstance(a, Tensor):
        return _ternary(op, kernel, dt, a, b, c, a if inplace else out, inplace, ctx)
    _refuse_out(out, fname)
    if inplace:
        _check_inplace_allowed(a)
        return _inplace_op(a, _ternary_fn(kind, name, fname, op, kernel, dt, clone(a), b, c,
                                          None, False, ctx, value))
    set_grad_enabled_flag(False)
    try:
        result = _ternary(op, kernel, dt, a, b, c, None, False, ctx)
    finally:
        set_grad_enabled_flag(True)
    node = _record(name, _ternary_backward, (a, b, c), (result,))
    node.ctx = (kind, _meta(a), _meta(b), _meta(c), None if isinstance(b, Tensor) else b,
                None if isinstance(c, Tensor) else c, value)
    # save only what the formula reads (saving more would refuse harmless in-place changes)
    keep_a = kind == _CLAMP or (kind == _LERP and isinstance(c, Tensor))
    node.save(a if keep_a else None,
              b if isinstance(b, Tensor) and (keep_a or kind != _LERP) else None,
              c if isinstance(c, Tensor) else None)
    return result


cdef tuple _ternary_backward(Node node, tuple grads):
    kind, meta_a, meta_b, meta_c, number_b, number_c, value = node.ctx
    saved = node.saved_values()
    a = saved[0]
    b = number_b if saved[1] is None else saved[1]
    c = number_c if saved[2] is None else saved[2]
    g = grads[0]
    want_a, want_b, want_c = _edge(node, 0), _edge(node, 1), _edge(node, 2)
    ga = gb = gc = None
    if g is None:
        return (None, None, None)
    if kind == _CLAMP:               # a clamped to [b, c]; a bound gets g where it wins
        ga = _where(logical_and(a >= b, a <= c), g, 0.0) if want_a else None
        gb = _where(logical_and(a < b, b < c), g, 0.0) if want_b else None
        gc = _where(logical_or(a > c, c < b), g, 0.0) if want_c else None
    elif kind == _LERP:              # a + c (b - a)
        ga = g * (1 - c) if want_a else None
        gb = g * c if want_b else None
        gc = g * (b - a) if want_c else None
    elif kind == _ADDCMUL:           # a + value b c
        ga = g if want_a else None
        gb = g * (c * value) if want_b else None
        gc = g * (b * value) if want_c else None
    else:                            # a + value b / c
        ga = g if want_a else None
        gb = g * (value / c) if want_b else None
        gc = -g * (value * b / (c * c)) if want_c else None
    return (_grad_like(ga, meta_a), _grad_like(gb, meta_b), _grad_like(gc, meta_c))


# ----- float functions: integer inputs give the default float dtype ----------------------

def exp(input, *, out=None):
    return _unary_fn(PYT_UN_EXP, "exp", input, out, False)

def exp_(input):
    return _unary_fn(PYT_UN_EXP, "exp", input, None, True)

def exp2(input, *, out=None):
    return _unary_fn(PYT_UN_EXP2, "exp2", input, out, False)

def exp2_(input):
    return _unary_fn(PYT_UN_EXP2, "exp2", input, None, True)

def expm1(input, *, out=None):
    return _unary_fn(PYT_UN_EXPM1, "expm1", input, out, False)

def expm1_(input):
    return _unary_fn(PYT_UN_EXPM1, "expm1", input, None, True)

def log(input, *, out=None):
    return _unary_fn(PYT_UN_LOG, "log", input, out, False)

def log_(input):
    return _unary_fn(PYT_UN_LOG, "log", input, None, True)

def log2(input, *, out=None):
    return _unary_fn(PYT_UN_LOG2, "log2", input, out, False)

def log2_(input):
    return _unary_fn(PYT_UN_LOG2, "log2", input, None, True)

def log10(input, *, out=None):
    return _unary_fn(PYT_UN_LOG10, "log10", input, out, False)

def log10_(input):
    return _unary_fn(PYT_UN_LOG10, "log10", input, None, True)

def log1p(input, *, out=None):
    return _unary_fn(PYT_UN_LOG1P, "log1p", input, out, False)

def log1p_(input):
    return _unary_fn(PYT_UN_LOG1P, "log1p", input, None, True)

def sqrt(input, *, out=None):
    return _unary_fn(PYT_UN_SQRT, "sqrt", input, out, False)

def sqrt_(input):
    return _unary_fn(PYT_UN_SQRT, "sqrt", input, None, True)

def rsqrt(input, *, out=None):
    return _unary_fn(PYT_UN_RSQRT, "rsqrt", input, out, False)

def rsqrt_(input):
    return _unary_fn(PYT_UN_RSQRT, "rsqrt", input, None, True)

def sin(input, *, out=None):
    return _unary_fn(PYT_UN_SIN, "sin", input, out, False)

def sin_(input):
    return _unary_fn(PYT_UN_SIN, "sin", input, None, True)

def cos(input, *, out=None):
    return _unary_fn(PYT_UN_COS, "cos", input, out, False)

def cos_(input):
    return _unary_fn(PYT_UN_COS, "cos", input, None, True)

def tan(input, *, out=None):
    return _unary_fn(PYT_UN_TAN, "tan", input, out, False)

def tan_(input):
    return _unary_fn(PYT_UN_TAN, "tan", input, None, True)

def asin(input, *, out=None):
    return _unary_fn(PYT_UN_ASIN, "asin", input, out, False)

def asin_(input):
    return _unary_fn(PYT_UN_ASIN, "asin", input, None, True)

def acos(input, *, out=None):
    return _unary_fn(PYT_UN_ACOS, "acos", input, out, False)

def acos_(input):
    return _unary_fn(PYT_UN_ACOS, "acos", input, None, True)

def atan(input, *, out=None):
    return _unary_fn(PYT_UN_ATAN, "atan", input, out, False)

def atan_(input):
    return _unary_fn(PYT_UN_ATAN, "atan", input, None, True)

def sinh(input, *, out=None):
    return _unary_fn(PYT_UN_SINH, "sinh", input, out, False)

def sinh_(input):
    return _unary_fn(PYT_UN_SINH, "sinh", input, None, True)

def cosh(input, *, out=None):
    return _unary_fn(PYT_UN_COSH, "cosh", input, out, False)

def cosh_(input):
    return _unary_fn(PYT_UN_COSH, "cosh", input, None, True)

def tanh(input, *, out=None):
    return _unary_fn(PYT_UN_TANH, "tanh", input, out, False)

def tanh_(input):
    return _unary_fn(PYT_UN_TANH, "tanh", input, None, True)

def asinh(input, *, out=None):
    return _unary_fn(PYT_UN_ASINH, "asinh", input, out, False)

def asinh_(input):
    return _unary_fn(PYT_UN_ASINH, "asinh", input, None, True, NULL, None,
                     "AsinhBackward1")

def acosh(input, *, out=None):
    return _unary_fn(PYT_UN_ACOSH, "acosh", input, out, False)

def acosh_(input):
    return _unary_fn(PYT_UN_ACOSH, "acosh", input, None, True, NULL, None,
                     "AcoshBackward1")

def atanh(input, *, out=None):
    return _unary_fn(PYT_UN_ATANH, "atanh", input, out, False)

def atanh_(input):
    return _unary_fn(PYT_UN_ATANH, "atanh", input, None, True, NULL, None,
                     "AtanhBackward1")

def sigmoid(input, *, out=None):
    return _unary_fn(PYT_UN_SIGMOID, "sigmoid", input, out, False)

def sigmoid_(input):
    return _unary_fn(PYT_UN_SIGMOID, "sigmoid", input, None, True)

def erf(input, *, out=None):
    return _unary_fn(PYT_UN_ERF, "erf", input, out, False)

def erf_(input):
    return _unary_fn(PYT_UN_ERF, "erf", input, None, True)

def erfc(input, *, out=None):
    return _unary_fn(PYT_UN_ERFC, "erfc", input, out, False)

def erfc_(input):
    return _unary_fn(PYT_UN_ERFC, "erfc", input, None, True)

def erfinv(input, *, out=None):
    return _unary_fn(PYT_UN_ERFINV, "erfinv", input, out, False)

def erfinv_(input):
    return _unary_fn(PYT_UN_ERFINV, "erfinv", input, None, True)

def lgamma(input, *, out=None):
    return _unary_fn(PYT_UN_LGAMMA, "lgamma", input, out, False)

def lgamma_(input):
    return _unary_fn(PYT_UN_LGAMMA, "lgamma", input, None, True)

def digamma(input, *, out=None):
    return _unary_fn(PYT_UN_DIGAMMA, "digamma", input, out, False)

def digamma_(input):
    return _unary_fn(PYT_UN_DIGAMMA, "digamma", input, None, True)

def reciprocal(input, *, out=None):
    return _unary_fn(PYT_UN_RECIPROCAL, "reciprocal", input, out, False)

def reciprocal_(input):
    return _unary_fn(PYT_UN_RECIPROCAL, "reciprocal", input, None, True)


# ----- polygamma: the derivatives of digamma ---------------------------------------------

# B_2k / (2k)!, k = 1..8: the coefficients of the Euler-Maclaurin tail of a zeta sum
cdef double _EULER_MACLAURIN[8]
_EULER_MACLAURIN[:] = [1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160,
                       -691.0 / 1307674368000, 1.0 / 74724249600,
                       -3617.0 / 10670622842880000]


cdef double _hurwitz_zeta(double s, double q) noexcept nogil:
    """The sum over k >= 0 of (q + k)^-s, for s > 1: terms one by one until q + k is large
    (s + 10), then the Euler-Maclaurin tail (integral, half the first term, corrections)."""
    cdef double total = 0.0, a = q, tail, term, rising, inv_a2
    cdef int k
    if q <= 0.0 and q == c_floor(q):
        return INFINITY                              # a pole (or q = -inf)
    while a < s + 10.0:
        total += c_pow(a, -s)
        a += 1.0
    tail = c_pow(a, 1.0 - s) / (s - 1.0) + 0.5 * c_pow(a, -s)
    rising = s * c_pow(a, -s - 1.0)                  # s (s+1) ... (s+2k-2) a^(-s-2k+1)
    inv_a2 = 1.0 / (a * a)
    for k in range(8):
        term = _EULER_MACLAURIN[k] * rising
        tail += term
        if c_fabs(term) <= 1e-17 * c_fabs(total + tail):
            break
        rising *= (s + 2 * k + 1) * (s + 2 * k + 2) * inv_a2
    return total + tail


cdef double _polygamma_value(int n, double x) noexcept nogil:
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x), n >= 1; nan at the infinities where
    torch gives nan (trigamma at -inf, higher orders at +inf)."""
    if c_isinf(x) and ((n == 1) != (x > 0)):
        return NAN
    return (1.0 if n % 2 else -1.0) * c_tgamma(n + 1.0) * _hurwitz_zeta(n + 1.0, x)


cdef Tensor _polygamma_values(int n, Tensor x):
    """polygamma(n, x), n >= 1, computed in double; x's float dtype (integers: the
    default one). Run with recording off."""
    cdef DType dt = x._dtype if x._dtype.is_floating_point else get_default(True)
    cdef Tensor src = contiguous(_to_dtype(x, _float64, False))
    cdef Tensor result = new_empty(src._ndim, src._shape, _float64, src._device, False)
    cdef const double* p = <const double*>src._data
    cdef double* q = <double*>result._data
    cdef Py_ssize_t i, count = src._numel
    cdef int rc
    if is_cuda(src):                    # pointwise.cu: the same formula on the GPU
        with nogil:
            rc = pyt_cuda_polygamma(n, p, q, count)
        cuda_check(rc, "polygamma")
    else:
        with nogil:
            for i in range(count):
                q[i] = _polygamma_value(n, p[i])
    return result if dt is _float64 else _to_dtype(result, dt, False)


cdef Tensor _polygamma(object n, object input, object out, bint inplace):
    cdef Tensor x = _require_tensor(input, "polygamma", "input", 2)
    cdef Tensor result
    cdef Node node
    cdef str name = "PolygammaBackward1" if inplace else "PolygammaBackward0"
    if not isinstance(n, int):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if n == 0:
        return _unary_fn(PYT_UN_DIGAMMA, "digamma", x, out, inplace, NULL, "polygamma", name)
    if not _grad_wanted(x):
        return _into_out(_polygamma_values(n, x), x if inplace else out)
    _refuse_out(out, "polygamma")
    if inplace:
        _check_inplace_allowed(x)
        x = clone(x)
    set_grad_enabled_flag(False)
    try:
        result = _polygamma_values(n, x)
    finally:
        set_grad_enabled_flag(True)
    node = _record(name, _polygamma_backward, (x,), (result,))
    node.ctx = n
    node.save(x)
    return _inplace_op(<Tensor>input, result) if inplace else result


cdef tuple _polygamma_backward(Node node, tuple grads):
    return (None if grads[0] is None else
            grads[0] * polygamma(node.ctx + 1, node.saved_values()[0]),)

def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma (n >= 0)."""
    return _polygamma(n, input, out, False)

def polygamma_(input, n):
    """Tensor.polygamma_(n)."""
    return _polygamma(n, input, None, True)


cdef Tensor _logit(object input, object eps, object out, bint inplace):
    cdef pyt_math_ctx ctx
    ctx.i[0] = eps is not None and eps >= 0          # torch ignores a negative eps
    ctx.d[0] = eps if ctx.i[0] else 0.0
    return _unary_fn(PYT_UN_LOGIT, "logit", input, out, inplace, &ctx, None, None,
                     eps if ctx.i[0] else None)

def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    return _logit(input, eps, out, False)

def logit_(input, eps=None):
    return _logit(input, eps, None, True)


# ----- the input's dtype: rounding, sign, abs, relu, nan_to_num -----------------------

def abs(input, *, out=None):
    return _unary_fn(PYT_UN_ABS, "abs_cpu", input, out, False, NULL, "abs")

def abs_(input):
    return _unary_fn(PYT_UN_ABS, "abs_cpu", input, None, True, NULL, "abs")

def floor(input, *, out=None):
    return _unary_fn(PYT_UN_FLOOR, "floor_vml_cpu", input, out, False, NULL, "floor")

def floor_(input):
    return _unary_fn(PYT_UN_FLOOR, "floor_vml_cpu", input, None, True, NULL, "floor")

def ceil(input, *, out=None):
    return _unary_fn(PYT_UN_CEIL, "ceil_vml_cpu", input, out, False, NULL, "ceil")

def ceil_(input):
    return _unary_fn(PYT_UN_CEIL, "ceil_vml_cpu", input, None, True, NULL, "ceil")

def trunc(input, *, out=None):
    return _unary_fn(PYT_UN_TRUNC, "trunc_vml_cpu", input, out, False, NULL, "trunc")

def trunc_(input):
    return _unary_fn(PYT_UN_TRUNC, "trunc_vml_cpu", input, None, True, NULL, "trunc")

def frac(input, *, out=None):
    """x - trunc(x); floats only, as torch."""
    return _unary_fn(PYT_UN_FRAC, "frac_cpu", input, out, False, NULL, "frac")

def frac_(input):
    return _unary_fn(PYT_UN_FRAC, "frac_cpu", input, None, True, NULL, "frac")


cdef Tensor _round(object input, object decimals, object out, bint inplace):
    cdef pyt_math_ctx ctx
    if decimals is None:
        return _unary_fn(PYT_UN_ROUND, "round_vml_cpu", input, out, inplace, NULL, "round")
    decimals = int(decimals)
    if decimals == 0:        # an explicit 0 takes torch's float-only overload
        if isinstance(input, Tensor) and not (<Tensor>input)._dtype.is_floating_point:
            raise _not_implemented("round_vml_cpu", (<Tensor>input)._dtype)
        return _unary_fn(PYT_UN_ROUND, "round_vml_cpu", input, out, inplace, NULL, "round",
                         "RoundBackward1")
    ctx.d[0] = 10.0 ** min(decimals if decimals > 0 else -decimals, 308)
    ctx.i[0] = decimals
    return _unary_fn(PYT_UN_ROUND_DECIMALS, "round_cpu", input, out, inplace, &ctx, "round")

def round(input, *, decimals=None, out=None):
    """Round half to even, to `decimals` decimal places (negative: to tens, hundreds...)."""
    return _round(input, decimals, out, False)

def round_(input, *, decimals=None):
    return _round(input, decimals, None, True)

def sign(input, *, out=None):
    """-1, 0 or 1 (0 for nan, as torch); bool stays bool."""
    return _unary_fn(PYT_UN_SIGN, "sign_cpu", input, out, False, NULL, "sign")

def sign_(input):
    return _unary_fn(PYT_UN_SIGN, "sign_cpu", input, None, True, NULL, "sign")

def sgn(input, *, out=None):
    """sign, for real dtypes (torch records it apart)."""
    return _unary_fn(PYT_UN_SIGN, "sign_cpu", input, out, False, NULL, "sgn", "SgnBackward0")

def sgn_(input):
    return _unary_fn(PYT_UN_SIGN, "sign_cpu", input, None, True, NULL, "sgn", "SgnBackward0")


cdef Tensor _relu(object input, bint inplace):
    if isinstance(input, Tensor) and (<Tensor>input)._dtype.code == PYT_BOOL:
        raise RuntimeError("Boolean inputs not supported for relu")
    return _unary_fn(PYT_UN_RELU, "relu", input, None, inplace)

def relu(input):
    """max(x, 0), keeping -0.0 and nan as they are."""
    return _relu(input, False)

def relu_(input):
    return _relu(input, True)


cdef Tensor _nan_to_num(object input, object nan, object posinf, object neginf, object out,
                        bint inplace):
    cdef Tensor x = _require_tensor(input, "nan_to_num", "input", 1)
    cdef pyt_math_ctx ctx
    cdef double big = _FLOAT_MAX.get(x._dtype.code, 0.0)
    ctx.d[0] = 0.0 if nan is None else nan
    ctx.d[1] = big if posinf is None else posinf
    ctx.d[2] = -big if neginf is None else neginf
    return _unary_fn(PYT_UN_NAN_TO_NUM, "nan_to_num", x, out, inplace, &ctx)

def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """nan, +inf and -inf replaced (by 0 and the dtype's largest finite values by default)."""
    return _nan_to_num(input, nan, posinf, neginf, out, False)

def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):
    return _nan_to_num(input, nan, posinf, neginf, None, True)


def square(input, *, out=None):
    """input * input (bool gives int64, as pow(input, 2))."""
    return _pow(input, 2, out, False)

def square_(input):
    return _pow(input, 2, None, True)


# ----- predicates: bool results -------------------------------------------------------

def isnan(input):
    return _unary(PYT_UN_ISNAN, "isnan", input, None, False)

def isinf(input):
    return _unary(PYT_UN_ISINF, "isinf", input, None, False)

def isposinf(input, *, out=None):
    return _unary(PYT_UN_ISPOSINF, "isposinf", input, out, False)

def isneginf(input, *, out=None):
    return _unary(PYT_UN_ISNEGINF, "isneginf", input, out, False)

def isfinite(input):
    return _unary(PYT_UN_ISFINITE, "isfinite", input, None, False)

def logical_not(input, *, out=None):
    return _unary(PYT_UN_LOGICAL_NOT, "logical_not", input, out, False)

def logical_not_(input):
    return _unary(PYT_UN_LOGICAL_NOT, "logical_not", input, None, True)

def bitwise_not(input, *, out=None):
    return _unary(PYT_UN_BITWISE_NOT, "bitwise_not_cpu", input, out, False, NULL, "bitwise_not")

def bitwise_not_(input):
    return _unary(PYT_UN_BITWISE_NOT, "bitwise_not_cpu", input, None, True, NULL, "bitwise_not")

def _invert(Tensor input):
    """The ~ operator."""
    if input._dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(input)


# ----- pow ------------------------------------------------------------------------------

cdef bint _negative_int(object x):
    return isinstance(x, int) and not isinstance(x, bool) and x < 0


cdef Tensor _pow(object base, object exponent, object out, bint inplace):
    cdef DType dt
    cdef Tensor tb
    cdef int op
    if _grad_wanted(base, exponent) and (isinstance(base, Tensor) or not inplace):
        return _pow_recorded(base, exponent, out, inplace)
    if not isinstance(base, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"pow() received an invalid combination of arguments - got "
                        f"({type(base).__name__}, {type(exponent).__name__})")
    dt = _result_dtype(base, exponent)
    if dt.code == PYT_BOOL:
        if isinstance(base, Tensor) and isinstance(exponent, (bool, np_bool)):
            # torch copies for ** True and fills ones for ** False: x or not e
            return _binop(PYT_BI_LOGICAL_OR, "pow", base, not exponent, out, inplace, NULL,
                          False, True)
        raise _not_implemented("pow", dt)
    if not dt.is_floating_point and _negative_int(exponent):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if isinstance(base, Tensor) and not isinstance(exponent, Tensor):
        if exponent == 2:                            # x * x: exact and vectorised
            tb = _operand(base, dt)
            return _finish(PYT_CUDA_ARITH, PYT_OP_MUL, pyt_arith_table[PYT_OP_MUL][dt.code],
                           NULL, base if inplace else out, inplace, dt, tb._ndim, tb._shape,
                           tb, tb, None, tb)
        if dt.is_floating_point and exponent in (0.5, -0.5, -1):
            # as torch: sqrt (sqrt(-0.) is -0.), rsqrt and reciprocal, all vectorised
            tb = _operand(base, dt)
            op = PYT_UN_SQRT if exponent == 0.5 else (
                PYT_UN_RSQRT if exponent == -0.5 else PYT_UN_RECIPROCAL)
            return _finish(PYT_CUDA_UNARY, op, pyt_unary_table[op][dt.code], NULL,
                           base if inplace else out, inplace, dt, tb._ndim, tb._shape, tb,
                           None, None, tb)
    return _binop(PYT_BI_POW, "pow", base, exponent, out, inplace)

cdef Tensor _pow_recorded(object base, object exponent, object out, bint inplace):
    """pow with a gradient: PowBackward0 (tensor ** number), PowBackward1 (tensor **
    tensor) or PowBackward2 (number ** tensor)."""
    cdef Tensor result
    cdef Node node
    _refuse_out(out, "pow")
    if inplace:
        _check_inplace_allowed(base)
        return _inplace_op(base, _pow_recorded(clone(base), exponent, None, False))
    set_grad_enabled_flag(False)
    try:
        result = _pow(base, exponent, None, False)
    finally:
        set_grad_enabled_flag(True)
    if isinstance(base, Tensor) and isinstance(exponent, Tensor):
        node = _record("PowBackward1", _pow_backward, (base, exponent), (result,))
        node.save(base, exponent)
        node.save_output(result)
        node.ctx = (_meta(base), _meta(exponent), None)
    elif isinstance(base, Tensor):
        node = _record("PowBackward0", _pow_backward, (base, exponent), (result,))
        node.save(base)
        node.ctx = (_meta(base), None, exponent)
    else:
        node = _record("PowBackward2", _pow_backward, (base, exponent), (result,))
        node.save(exponent)
        node.save_output(result)
        node.ctx = (None, _meta(exponent), base)
    return result


cdef tuple _pow_backward(Node node, tuple grads):
    meta_base, meta_exp, number = node.ctx
    saved = node.saved_values()
    g = grads[0]
    if g is None:
        return (None, None)
    if meta_exp is None:                             # x ** e, e a number
        x = saved[0]
        if number == 0:
            return (_zeros_like(x), None)
        return (g * (float(number) * x.pow(float(number) - 1)), None)
    if meta_base is None:                            # b ** e, b a number
        e, y = saved
        if number == 0:                              # 0 ** e: no gradient where e >= 0
            return (None, _grad_like(g * _where(e >= 0, 0.0, y * -INFINITY), meta_exp))
        return (None, _grad_like(g * (y * c_log(float(number))), meta_exp))
    x, e, y = saved
    gx = ge = None
    if _edge(node, 0):
        gx = _grad_like(_where(e == 0, 0.0, g * (e * x.pow(e - 1))), meta_base)
    if _edge(node, 1):
        ge = _grad_like(g * _where(logical_and(x == 0, e >= 0), 0.0, y * x.to(y.dtype).log()),
                        meta_exp)
    return (gx, ge)


def pow(input, exponent, *, out=None):
    """input ** exponent; either may be a Python number. Integer powers wrap like torch's;
    a negative Python int exponent of an integer tensor is an error."""
    return _pow(input, exponent, out, False)

def pow_(input, exponent):
    return _pow(input, exponent, None, True)


# ----- binary math ----------------------------------------------------------------------

def atan2(input, other, *, out=None):
    _require_tensor(input, "atan2", "input", 1)
    _require_tensor(other, "atan2", "other", 2)
    return _binop_fn(_ATAN2, "Atan2Backward0", "atan2", PYT_BI_ATAN2, "atan2_cpu", input,
                     other, out, False, True)

def atan2_(input, other):
    _require_tensor(other, "atan2_", "other", 1)
    return _binop_fn(_ATAN2, "Atan2Backward0", "atan2", PYT_BI_ATAN2, "atan2_cpu", input,
                     other, None, True, True)

def hypot(input, other, *, out=None):
    _require_tensor(input, "hypot", "input", 1)
    _require_tensor(other, "hypot", "other", 2)
    return _binop_fn(_HYPOT, "HypotBackward0", "hypot", PYT_BI_HYPOT, "hypot_cpu", input,
                     other, out, False)

def hypot_(input, other):
    _require_tensor(other, "hypot_", "other", 1)
    return _binop_fn(_HYPOT, "HypotBackward0", "hypot", PYT_BI_HYPOT, "hypot_cpu", input,
                     other, None, True)


cdef Tensor _tensor_binop(int op, str fname, object input, object other, object out,
                          bint bool_result=False):
    _require_tensor(input, fname, "input", 1)
    _require_tensor(other, fname, "other", 2)
    return _binop(op, fname, input, other, out, False, NULL, False, bool_result)

cdef Tensor _extremum(int kind, str name, int op, str fname, object input, object other,
                      object out):
    _require_tensor(input, fname, "input", 1)
    _require_tensor(other, fname, "other", 2)
    return _binop_fn(kind, name, fname, op, fname, input, other, out, False)

def maximum(input, other, *, out=None):
    """Elementwise max; nan if either is nan."""
    return _extremum(_MAXIMUM, "MaximumBackward0", PYT_BI_MAXIMUM, "maximum", input, other, out)

def minimum(input, other, *, out=None):
    """Elementwise min; nan if either is nan."""
    return _extremum(_MINIMUM, "MinimumBackward0", PYT_BI_MINIMUM, "minimum", input, other, out)

def fmax(input, other, *, out=None):
    """Elementwise max ignoring nan (nan only where both are)."""
    return _extremum(_FMAX, "FmaxBackward0", PYT_BI_FMAX, "fmax", input, other, out)

def fmin(input, other, *, out=None):
    """Elementwise min ignoring nan (nan only where both are)."""
    return _extremum(_FMIN, "FminBackward0", PYT_BI_FMIN, "fmin", input, other, out)


def floor_divide(input, other, *, out=None):
    """input // other: the quotient rounded down, in the promoted dtype."""
    return _binary(PYT_OP_FLOORDIV, input, other, out, False)

def floor_divide_(input, other):
    return _binary(PYT_OP_FLOORDIV, input, other, None, True)

def remainder(input, other, *, out=None):
    """input % other, with the sign of other (Python's %)."""
    return _binary(PYT_OP_REMAINDER, input, other, out, False)

def remainder_(input, other):
    return _binary(PYT_OP_REMAINDER, input, other, None, True)

def fmod(input, other, *, out=None):
    """The C remainder: the sign of input."""
    _require_tensor(input, "fmod", "input", 1)
    return _binary(PYT_OP_FMOD, input, other, out, False)

def fmod_(input, other):
    return _binary(PYT_OP_FMOD, input, other, None, True)


# bitwise ops: integers and bool; Python ints on either side
cdef Tensor _bitwise(int op, str kernel, object a, object b, object out, bint inplace):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{kernel.replace("_cpu", "")}() expects at least one Tensor argument")
    return _binop(op, kernel, a, b, out, inplace)

def bitwise_and(input, other, *, out=None):
    return _bitwise(PYT_BI_BITWISE_AND, "bitwise_and_cpu", input, other, out, False)

def bitwise_and_(input, other):
    return _bitwise(PYT_BI_BITWISE_AND, "bitwise_and_cpu", input, other, None, True)

def bitwise_or(input, other, *, out=None):
    return _bitwise(PYT_BI_BITWISE_OR, "bitwise_or_cpu", input, other, out, False)

def bitwise_or_(input, other):
    return _bitwise(PYT_BI_BITWISE_OR, "bitwise_or_cpu", input, other, None, True)

def bitwise_xor(input, other, *, out=None):
    return _bitwise(PYT_BI_BITWISE_XOR, "bitwise_xor_cpu", input, other, out, False)

def bitwise_xor_(input, other):
    return _bitwise(PYT_BI_BITWISE_XOR, "bitwise_xor_cpu", input, other, None, True)

def bitwise_left_shift(input, other, *, out=None):
    """input << other; shifting by a negative or too large amount gives 0."""
    return _bitwise(PYT_BI_LSHIFT, "lshift_cpu", input, other, out, False)

def bitwise_left_shift_(input, other):
    return _bitwise(PYT_BI_LSHIFT, "lshift_cpu", input, other, None, True)

def bitwise_right_shift(input, other, *, out=None):
    """input >> other (arithmetic); too large an amount leaves only the sign."""
    return _bitwise(PYT_BI_RSHIFT, "rshift_cpu", input, other, out, False)

def bitwise_right_shift_(input, other):
    return _bitwise(PYT_BI_RSHIFT, "rshift_cpu", input, other, None, True)


def logical_and(input, other, *, out=None):
    return _tensor_binop(PYT_BI_LOGICAL_AND, "logical_and", input, other, out, True)

def logical_and_(input, other):
    _require_tensor(other, "logical_and_", "other", 1)
    return _binop(PYT_BI_LOGICAL_AND, "logical_and", input, other, None, True, NULL, False, True)

def logical_or(input, other, *, out=None):
    return _tensor_binop(PYT_BI_LOGICAL_OR, "logical_or", input, other, out, True)

def logical_or_(input, other):
    _require_tensor(other, "logical_or_", "other", 1)
    return _binop(PYT_BI_LOGICAL_OR, "logical_or", input, other, None, True, NULL, False, True)

def logical_xor(input, other, *, out=None):
    return _tensor_binop(PYT_BI_LOGICAL_XOR, "logical_xor", input, other, out, True)

def logical_xor_(input, other):
    _require_tensor(other, "logical_xor_", "other", 1)
    return _binop(PYT_BI_LOGICAL_XOR, "logical_xor", input, other, None, True, NULL, False, True)


# ----- clamp ----------------------------------------------------------------------------

cdef str _clamp_node_name(str fname, bint tensors):
    """torch's: ClampBackward0 for tensor bounds, 1 for numbers; clamp_min / clamp_max the
    other way round."""
    if fname == "clamp":
        return "ClampBackward0" if tensors else "ClampBackward1"
    return ("ClampMinBackward" if fname == "clamp_min" else "ClampMaxBackward") + (
        "1" if tensors else "0")


cdef Tensor _clamp(object input, object lo, object hi, object out, bint inplace,
                   str fname="clamp"):
    """clamp, or clamp_min / clamp_max (fname): one kernel, named apart in autograd."""
    cdef Tensor x = _require_tensor(input, "clamp", "input", 1)
    cdef DType dt
    cdef bint tensors
    if lo is None and hi is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tensors = isinstance(lo, Tensor) or isinstance(hi, Tensor)
    if tensors and (lo is not None and hi is not None) and not (
            isinstance(lo, Tensor) and isinstance(hi, Tensor)):
        raise TypeError(f"clamp() received an invalid combination of arguments - got "
                        f"(Tensor, min={type(lo).__name__}, max={type(hi).__name__})")
    dt = _result_dtype_of((x, lo, hi))
    name = _clamp_node_name(fname, tensors) if _grad_wanted(x, lo, hi) else None
    if lo is not None and hi is not None:
        if dt.code == PYT_BOOL:
            raise _not_implemented("clamp_cpu" if tensors else "clamp_scalar_cpu", dt)
        return _ternary_fn(_CLAMP, name, fname, PYT_TER_CLAMP, "clamp_cpu", dt, x, lo, hi,
                           out, inplace)
    if dt.code == PYT_BOOL and not tensors:
        raise _not_implemented("clamp_min_scalar_cpu" if hi is None else
                               "clamp_max_scalar_cpu", dt)
    if hi is None:
        return _binop_fn(_CLAMP_MIN, name, fname, PYT_BI_MAXIMUM, "clamp_min", x, lo, out,
                         inplace)
    return _binop_fn(_CLAMP_MAX, name, fname, PYT_BI_MINIMUM, "clamp_max", x, hi, out, inplace)

def clamp(input, min=None, max=None, *, out=None):
    """Each element limited to [min, max] (numbers or tensors; either may be None);
    min(max(x, min), max), so min > max gives max; nan stays nan."""
    return _clamp(input, min, max, out, False)

def clamp_(input, min=None, max=None):
    return _clamp(input, min, max, None, True)

def clamp_min(input, min, *, out=None):
    return _clamp(input, min, None, out, False, "clamp_min")

def clamp_min_(input, min):
    return _clamp(input, min, None, None, True, "clamp_min")

def clamp_max(input, max, *, out=None):
    return _clamp(input, None, max, out, False, "clamp_max")

def clamp_max_(input, max):
    return _clamp(input, None, max, None, True, "clamp_max")

clip = clamp
clip_ = clamp_


# ----- lerp, addcmul, addcdiv -------------------------------------------------------------

cdef Tensor _lerp(object input, object end, object weight, object out, bint inplace):
    cdef Tensor x = _require_tensor(input, "lerp", "input", 1)
    cdef Tensor e = _require_tensor(end, "lerp", "end", 2)
    cdef DType dt = x._dtype
    if e._dtype is not dt:
        raise RuntimeError(f"expected dtype {cpp_type_name(dt.code)} for `end` but got dtype "
                           f"{cpp_type_name(e._dtype.code)}")
    if isinstance(weight, Tensor) and (<Tensor>weight)._dtype is not dt:
        raise RuntimeError(f"expected dtype {cpp_type_name(dt.code)} for `weight` but got dtype "
                           f"{cpp_type_name((<Tensor>weight)._dtype.code)}")
    if not dt.is_floating_point:
        raise _not_implemented("lerp_kernel_tensor" if isinstance(weight, Tensor) else
                               "lerp_kernel_scalar", dt)
    return _ternary_fn(_LERP, "LerpBackward1" if isinstance(weight, Tensor) else "LerpBackward0",
                       "lerp", PYT_TER_LERP, "lerp", dt, x, e, weight, out, inplace)

def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input), exact at weight 0 and 1."""
    return _lerp(input, end, weight, out, False)

def lerp_(input, end, weight):
    return _lerp(input, end, weight, None, True)


cdef Tensor _addc(int op, object input, object tensor1, object tensor2, object value,
                  object out, bint inplace):
    cdef str fname = "addcmul" if op == PYT_TER_ADDCMUL else "addcdiv"
    cdef Tensor x = _require_tensor(input, fname, "input", 1)
    cdef Tensor t1 = _require_tensor(tensor1, fname, "tensor1", 2)
    cdef Tensor t2 = _require_tensor(tensor2, fname, "tensor2", 3)
    cdef pyt_math_ctx ctx
    cdef DType dt = _result_dtype_of((x, t1, t2))
    if op == PYT_TER_ADDCDIV and not t1._dtype.is_floating_point and \
            not t2._dtype.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic "
            "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
            "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
            "tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    if isinstance(value, Tensor):
        value = (<Tensor>value).item()
    ctx.d[0] = float(value)
    ctx.i[0] = int(value) if not dt.is_floating_point else 0
    if op == PYT_TER_ADDCMUL:
        return _ternary_fn(_ADDCMUL, "AddcmulBackward0", fname, op, "addcmul_cpu_out", dt, x,
                           t1, t2, out, inplace, &ctx, value)
    return _ternary_fn(_ADDCDIV, "AddcdivBackward0", fname, op, "addcdiv_cpu_out", dt, x, t1,
                       t2, out, inplace, &ctx, value)

def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    return _addc(PYT_TER_ADDCMUL, input, tensor1, tensor2, value, out, False)

def addcmul_(input, tensor1, tensor2, *, value=1):
    return _addc(PYT_TER_ADDCMUL, input, tensor1, tensor2, value, None, True)

def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (tensor1 and tensor2 not both integral)."""
    return _addc(PYT_TER_ADDCDIV, input, tensor1, tensor2, value, out, False)

def addcdiv_(input, tensor1, tensor2, *, value=1):
    return _addc(PYT_TER_ADDCDIV, input, tensor1, tensor2, value, None, True)


# ----- closeness and equality -----------------------------------------------------------

def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (or equal, or both nan when
    equal_nan); the dtypes must match."""
    cdef Tensor a = _require_tensor(input, "isclose", "input", 1)
    cdef Tensor b = _require_tensor(other, "isclose", "other", 2)
    cdef pyt_math_ctx ctx
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{scalar_type_name(a._dtype.code)} did not match "
                           f"{scalar_type_name(b._dtype.code)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    ctx.d[0] = rtol
    ctx.d[1] = atol
    ctx.i[0] = bool(equal_nan)
    return _binop(PYT_BI_ISCLOSE, "isclose", a, b, None, False, &ctx, False, True)

def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether isclose() holds everywhere (a Python bool)."""
    return _all_nonzero(isclose(input, other, rtol, atol, equal_nan))

def equal(input, other):
    """True when both have the same shape and the same values (nan is not equal)."""
    cdef Tensor a = _require_tensor(input, "equal", "input", 1)
    cdef Tensor b = _require_tensor(other, "equal", "other", 2)
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef DType dt
    cdef Tensor result
    cdef int i
    if a._ndim != b._ndim:
        return False
    for i in range(a._ndim):
        if a._shape[i] != b._shape[i]:
            return False
    dt = _result_dtype(a, b)
    result = new_empty(a._ndim, a._shape, _bool, _device_of(a, b, None), False)
    _run(PYT_CUDA_CMP, PYT_CMP_EQ, pyt_cmp_table[PYT_CMP_EQ][dt.code], NULL, result,
         _operand(a, dt), _operand(b, dt), None)
    return _all_nonzero(result)


# torch's other names
absolute, absolute_ = abs, abs_
fix, fix_ = trunc, trunc_
arcsin, arcsin_, arccos, arccos_, arctan, arctan_ = asin, asin_, acos, acos_, atan, atan_
arcsinh, arcsinh_, arccosh, arccosh_ = asinh, asinh_, acosh, acosh_
arctanh, arctanh_ = atanh, atanh_
arctan2, arctan2_ = atan2, atan2_
