# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Elementwise math: float functions (exp, log, sin, erfinv, ...), rounding and sign,
clamp, pow, maximum/minimum, bitwise and logical ops, lerp / addcmul / addcdiv, and the
closeness tests, with torch's dtype rules, broadcasting, in-place forms and out=.

Every op picks an inner loop from the tables of include/pyt_math.h (by op and dtype code;
NULL where torch refuses the dtype) and runs it through one driver: _unary, _binop or
_ternary, which settle the dtypes and the shape, and _finish, which writes a new tensor,
the tensor itself (in-place) or out=. add/sub/mul/div and the division family
(floor_divide, remainder, fmod) run in the tensor module (pointwise.pxi)."""

from libc.stdint cimport int64_t
from libc.string cimport memchr

from pyt._ext.tensor cimport (Tensor, new_empty, copy_into, clone, _empty_like_layout,
    _broadcast_shape, _broadcast_strides_to, _result_dtype, _result_dtype_of, _operand,
    _to_dtype, _may_overlap, _has_internal_overlap, resize_, _binary)
from pyt._ext.dtypes cimport dtype as DType
from pyt._ext.dtypes cimport (get_default, PYT_BOOL, PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32,
    PYT_FLOAT64, PYT_NUM_DTYPES)
from pyt._ext.loop cimport (PYT_MAX_DIMS, PYT_GRAIN_SIZE, pyt_inner_loop, pyt_iter,
    pyt_iter_init, pyt_iter_run)
from pyt._ext.parallel cimport num_threads

from pyt._ext import dtypes as _dtypes
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

cdef DType _bool = _dtypes.bool_
# torch's names of the dtypes in "not implemented for" and cast errors, and C++'s in lerp's
cdef tuple _TYPE_NAMES = ("Bool", "Byte", "Char", "Short", "Int", "Long", "Half",
                          "BFloat16", "Float", "Double")
cdef tuple _CPP_NAMES = ("bool", "unsigned char", "signed char", "short int", "int",
                         "long int", "c10::Half", "c10::BFloat16", "float", "double")
# largest finite values, for nan_to_num's defaults
cdef dict _FLOAT_MAX = {PYT_FLOAT16: 65504.0, PYT_BFLOAT16: 3.3895313892515355e+38,
                        PYT_FLOAT32: 3.4028234663852886e+38, PYT_FLOAT64: 1.7976931348623157e+308}


# ----- the drivers ------------------------------------------------------------------------

cdef inline int _category(DType d) noexcept:
    return 0 if d.code == PYT_BOOL else (2 if d.is_floating_point else 1)


cdef object _not_implemented(str kernel, DType dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_TYPE_NAMES[dt.code]}\'')


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


cdef int _run(pyt_inner_loop fn, void* ctx, Tensor out, Tensor a, Tensor b, Tensor c) except -1:
    """out = fn(a[, b[, c]]) elementwise, the inputs broadcast to out's shape."""
    cdef Py_ssize_t strides[4 * PYT_MAX_DIMS]
    cdef char* base[4]
    cdef pyt_iter it
    cdef int nd = out._ndim, nops = 2, nthreads = num_threads()
    cdef Py_ssize_t numel
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


cdef bint _same_geometry(Tensor a, Tensor b) noexcept:
    cdef int i
    if a._ndim != b._ndim:
        return False
    for i in range(a._ndim):
        if a._shape[i] != b._shape[i] or a._strides[i] != b._strides[i]:
            return False
    return True


cdef Tensor _unaliased(Tensor x, Tensor out):
    """x, or a copy of it when it partly overlaps out (an exact alias is safe)."""
    if x is not None and _may_overlap(out, x) and not (
            out._data == x._data and _same_geometry(out, x) and out._dtype is x._dtype):
        return clone(x)
    return x


cdef Tensor _finish(pyt_inner_loop fn, void* ctx, object target, bint inplace, DType dt,
                    int nd, Py_ssize_t* shape, Tensor a, Tensor b, Tensor c, Tensor like):
    """Runs fn over the inputs into a new tensor of dtype dt (target None; laid out like
    `like` when given), or into target: the tensor of an in-place op, or out=."""
    cdef Tensor result, t
    cdef int i
    cdef bint same_shape
    if target is None:
        if like is not None:
            result = _empty_like_layout(like, dt)
        else:
            result = new_empty(nd, shape, dt, a._device, False)
        _run(fn, ctx, result, a, b, c)
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
        raise RuntimeError(f"result type {_TYPE_NAMES[dt.code]} can't be cast to the desired "
                           f"output type {_TYPE_NAMES[t._dtype.code]}")
    if t._dtype is dt:
        _run(fn, ctx, t, _unaliased(a, t), _unaliased(b, t), _unaliased(c, t))
    else:
        result = new_empty(nd, shape, dt, t._device, False)
        _run(fn, ctx, result, a, b, c)
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
    return _finish(fn, ctx, input if inplace else out, inplace,
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
    return _finish(fn, ctx, a if inplace else out, inplace, _bool if bool_result else dt,
                   nd, shape, ta, tb, None, None)


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
    return _finish(fn, ctx, target, inplace, dt, nd, shape, ta, tb, tc, None)


cdef bint _all_nonzero(Tensor t) noexcept:
    """Whether a new (contiguous) bool tensor is all True."""
    return t._numel == 0 or memchr(t._data, 0, t._numel) == NULL


# ----- float functions: integer inputs give the default float dtype ----------------------

def exp(input, *, out=None):
    return _unary(PYT_UN_EXP, "exp", input, out, False)

def exp_(input):
    return _unary(PYT_UN_EXP, "exp", input, None, True)

def exp2(input, *, out=None):
    return _unary(PYT_UN_EXP2, "exp2", input, out, False)

def exp2_(input):
    return _unary(PYT_UN_EXP2, "exp2", input, None, True)

def expm1(input, *, out=None):
    return _unary(PYT_UN_EXPM1, "expm1", input, out, False)

def expm1_(input):
    return _unary(PYT_UN_EXPM1, "expm1", input, None, True)

def log(input, *, out=None):
    return _unary(PYT_UN_LOG, "log", input, out, False)

def log_(input):
    return _unary(PYT_UN_LOG, "log", input, None, True)

def log2(input, *, out=None):
    return _unary(PYT_UN_LOG2, "log2", input, out, False)

def log2_(input):
    return _unary(PYT_UN_LOG2, "log2", input, None, True)

def log10(input, *, out=None):
    return _unary(PYT_UN_LOG10, "log10", input, out, False)

def log10_(input):
    return _unary(PYT_UN_LOG10, "log10", input, None, True)

def log1p(input, *, out=None):
    return _unary(PYT_UN_LOG1P, "log1p", input, out, False)

def log1p_(input):
    return _unary(PYT_UN_LOG1P, "log1p", input, None, True)

def sqrt(input, *, out=None):
    return _unary(PYT_UN_SQRT, "sqrt", input, out, False)

def sqrt_(input):
    return _unary(PYT_UN_SQRT, "sqrt", input, None, True)

def rsqrt(input, *, out=None):
    return _unary(PYT_UN_RSQRT, "rsqrt", input, out, False)

def rsqrt_(input):
    return _unary(PYT_UN_RSQRT, "rsqrt", input, None, True)

def sin(input, *, out=None):
    return _unary(PYT_UN_SIN, "sin", input, out, False)

def sin_(input):
    return _unary(PYT_UN_SIN, "sin", input, None, True)

def cos(input, *, out=None):
    return _unary(PYT_UN_COS, "cos", input, out, False)

def cos_(input):
    return _unary(PYT_UN_COS, "cos", input, None, True)

def tan(input, *, out=None):
    return _unary(PYT_UN_TAN, "tan", input, out, False)

def tan_(input):
    return _unary(PYT_UN_TAN, "tan", input, None, True)

def asin(input, *, out=None):
    return _unary(PYT_UN_ASIN, "asin", input, out, False)

def asin_(input):
    return _unary(PYT_UN_ASIN, "asin", input, None, True)

def acos(input, *, out=None):
    return _unary(PYT_UN_ACOS, "acos", input, out, False)

def acos_(input):
    return _unary(PYT_UN_ACOS, "acos", input, None, True)

def atan(input, *, out=None):
    return _unary(PYT_UN_ATAN, "atan", input, out, False)

def atan_(input):
    return _unary(PYT_UN_ATAN, "atan", input, None, True)

def sinh(input, *, out=None):
    return _unary(PYT_UN_SINH, "sinh", input, out, False)

def sinh_(input):
    return _unary(PYT_UN_SINH, "sinh", input, None, True)

def cosh(input, *, out=None):
    return _unary(PYT_UN_COSH, "cosh", input, out, False)

def cosh_(input):
    return _unary(PYT_UN_COSH, "cosh", input, None, True)

def tanh(input, *, out=None):
    return _unary(PYT_UN_TANH, "tanh", input, out, False)

def tanh_(input):
    return _unary(PYT_UN_TANH, "tanh", input, None, True)

def asinh(input, *, out=None):
    return _unary(PYT_UN_ASINH, "asinh", input, out, False)

def asinh_(input):
    return _unary(PYT_UN_ASINH, "asinh", input, None, True)

def acosh(input, *, out=None):
    return _unary(PYT_UN_ACOSH, "acosh", input, out, False)

def acosh_(input):
    return _unary(PYT_UN_ACOSH, "acosh", input, None, True)

def atanh(input, *, out=None):
    return _unary(PYT_UN_ATANH, "atanh", input, out, False)

def atanh_(input):
    return _unary(PYT_UN_ATANH, "atanh", input, None, True)

def sigmoid(input, *, out=None):
    return _unary(PYT_UN_SIGMOID, "sigmoid", input, out, False)

def sigmoid_(input):
    return _unary(PYT_UN_SIGMOID, "sigmoid", input, None, True)

def erf(input, *, out=None):
    return _unary(PYT_UN_ERF, "erf", input, out, False)

def erf_(input):
    return _unary(PYT_UN_ERF, "erf", input, None, True)

def erfc(input, *, out=None):
    return _unary(PYT_UN_ERFC, "erfc", input, out, False)

def erfc_(input):
    return _unary(PYT_UN_ERFC, "erfc", input, None, True)

def erfinv(input, *, out=None):
    return _unary(PYT_UN_ERFINV, "erfinv", input, out, False)

def erfinv_(input):
    return _unary(PYT_UN_ERFINV, "erfinv", input, None, True)

def lgamma(input, *, out=None):
    return _unary(PYT_UN_LGAMMA, "lgamma", input, out, False)

def lgamma_(input):
    return _unary(PYT_UN_LGAMMA, "lgamma", input, None, True)

def digamma(input, *, out=None):
    return _unary(PYT_UN_DIGAMMA, "digamma", input, out, False)

def digamma_(input):
    return _unary(PYT_UN_DIGAMMA, "digamma", input, None, True)

def reciprocal(input, *, out=None):
    return _unary(PYT_UN_RECIPROCAL, "reciprocal", input, out, False)

def reciprocal_(input):
    return _unary(PYT_UN_RECIPROCAL, "reciprocal", input, None, True)


cdef Tensor _logit(object input, object eps, object out, bint inplace):
    cdef pyt_math_ctx ctx
    ctx.i[0] = eps is not None and eps >= 0          # torch ignores a negative eps
    ctx.d[0] = eps if ctx.i[0] else 0.0
    return _unary(PYT_UN_LOGIT, "logit", input, out, inplace, &ctx)

def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    return _logit(input, eps, out, False)

def logit_(input, eps=None):
    return _logit(input, eps, None, True)


# ----- the input's dtype: rounding, sign, abs, relu, nan_to_num -----------------------

def abs(input, *, out=None):
    return _unary(PYT_UN_ABS, "abs_cpu", input, out, False, NULL, "abs")

def abs_(input):
    return _unary(PYT_UN_ABS, "abs_cpu", input, None, True, NULL, "abs")

def floor(input, *, out=None):
    return _unary(PYT_UN_FLOOR, "floor_vml_cpu", input, out, False, NULL, "floor")

def floor_(input):
    return _unary(PYT_UN_FLOOR, "floor_vml_cpu", input, None, True, NULL, "floor")

def ceil(input, *, out=None):
    return _unary(PYT_UN_CEIL, "ceil_vml_cpu", input, out, False, NULL, "ceil")

def ceil_(input):
    return _unary(PYT_UN_CEIL, "ceil_vml_cpu", input, None, True, NULL, "ceil")

def trunc(input, *, out=None):
    return _unary(PYT_UN_TRUNC, "trunc_vml_cpu", input, out, False, NULL, "trunc")

def trunc_(input):
    return _unary(PYT_UN_TRUNC, "trunc_vml_cpu", input, None, True, NULL, "trunc")

def frac(input, *, out=None):
    """x - trunc(x); floats only, as torch."""
    return _unary(PYT_UN_FRAC, "frac_cpu", input, out, False, NULL, "frac")

def frac_(input):
    return _unary(PYT_UN_FRAC, "frac_cpu", input, None, True, NULL, "frac")


cdef Tensor _round(object input, object decimals, object out, bint inplace):
    cdef pyt_math_ctx ctx
    if decimals is None:
        return _unary(PYT_UN_ROUND, "round_vml_cpu", input, out, inplace, NULL, "round")
    decimals = int(decimals)
    if decimals == 0:        # an explicit 0 takes torch's float-only overload
        if isinstance(input, Tensor) and not (<Tensor>input)._dtype.is_floating_point:
            raise _not_implemented("round_vml_cpu", (<Tensor>input)._dtype)
        return _unary(PYT_UN_ROUND, "round_vml_cpu", input, out, inplace, NULL, "round")
    ctx.d[0] = 10.0 ** min(decimals if decimals > 0 else -decimals, 308)
    ctx.i[0] = decimals
    return _unary(PYT_UN_ROUND_DECIMALS, "round_cpu", input, out, inplace, &ctx, "round")

def round(input, *, decimals=None, out=None):
    """Round half to even, to `decimals` decimal places (negative: to tens, hundreds...)."""
    return _round(input, decimals, out, False)

def round_(input, *, decimals=None):
    return _round(input, decimals, None, True)

def sign(input, *, out=None):
    """-1, 0 or 1 (0 for nan, as torch); bool stays bool."""
    return _unary(PYT_UN_SIGN, "sign_cpu", input, out, False, NULL, "sign")

def sign_(input):
    return _unary(PYT_UN_SIGN, "sign_cpu", input, None, True, NULL, "sign")

sgn = sign       # the same for real dtypes
sgn_ = sign_


cdef Tensor _relu(object input, bint inplace):
    if isinstance(input, Tensor) and (<Tensor>input)._dtype.code == PYT_BOOL:
        raise RuntimeError("Boolean inputs not supported for relu")
    return _unary(PYT_UN_RELU, "relu", input, None, inplace)

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
    return _unary(PYT_UN_NAN_TO_NUM, "nan_to_num", x, out, inplace, &ctx)

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
            return _finish(pyt_arith_table[PYT_OP_MUL][dt.code], NULL,
                           base if inplace else out, inplace, dt, tb._ndim, tb._shape,
                           tb, tb, None, tb)
        if dt.is_floating_point and exponent in (0.5, -0.5, -1):
            # as torch: sqrt (sqrt(-0.) is -0.), rsqrt and reciprocal, all vectorised
            tb = _operand(base, dt)
            op = PYT_UN_SQRT if exponent == 0.5 else (
                PYT_UN_RSQRT if exponent == -0.5 else PYT_UN_RECIPROCAL)
            return _finish(pyt_unary_table[op][dt.code], NULL, base if inplace else out,
                           inplace, dt, tb._ndim, tb._shape, tb, None, None, tb)
    return _binop(PYT_BI_POW, "pow", base, exponent, out, inplace)

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
    return _binop(PYT_BI_ATAN2, "atan2_cpu", input, other, out, False, NULL, True)

def atan2_(input, other):
    _require_tensor(other, "atan2_", "other", 1)
    return _binop(PYT_BI_ATAN2, "atan2_cpu", input, other, None, True, NULL, True)

def hypot(input, other, *, out=None):
    _require_tensor(input, "hypot", "input", 1)
    _require_tensor(other, "hypot", "other", 2)
    return _binop(PYT_BI_HYPOT, "hypot_cpu", input, other, out, False)

def hypot_(input, other):
    _require_tensor(other, "hypot_", "other", 1)
    return _binop(PYT_BI_HYPOT, "hypot_cpu", input, other, None, True)


cdef Tensor _tensor_binop(int op, str fname, object input, object other, object out,
                          bint bool_result=False):
    _require_tensor(input, fname, "input", 1)
    _require_tensor(other, fname, "other", 2)
    return _binop(op, fname, input, other, out, False, NULL, False, bool_result)

def maximum(input, other, *, out=None):
    """Elementwise max; nan if either is nan."""
    return _tensor_binop(PYT_BI_MAXIMUM, "maximum", input, other, out)

def minimum(input, other, *, out=None):
    """Elementwise min; nan if either is nan."""
    return _tensor_binop(PYT_BI_MINIMUM, "minimum", input, other, out)

def fmax(input, other, *, out=None):
    """Elementwise max ignoring nan (nan only where both are)."""
    return _tensor_binop(PYT_BI_FMAX, "fmax", input, other, out)

def fmin(input, other, *, out=None):
    """Elementwise min ignoring nan (nan only where both are)."""
    return _tensor_binop(PYT_BI_FMIN, "fmin", input, other, out)


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

cdef Tensor _clamp(object input, object lo, object hi, object out, bint inplace):
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
    target = x if inplace else out
    if lo is not None and hi is not None:
        if dt.code == PYT_BOOL:
            raise _not_implemented("clamp_cpu" if tensors else "clamp_scalar_cpu", dt)
        return _ternary(PYT_TER_CLAMP, "clamp_cpu", dt, x, lo, hi, target, inplace)
    if dt.code == PYT_BOOL and not tensors:
        raise _not_implemented("clamp_min_scalar_cpu" if hi is None else
                               "clamp_max_scalar_cpu", dt)
    if hi is None:
        return _binop(PYT_BI_MAXIMUM, "clamp_min", x, lo, out, inplace)
    return _binop(PYT_BI_MINIMUM, "clamp_max", x, hi, out, inplace)

def clamp(input, min=None, max=None, *, out=None):
    """Each element limited to [min, max] (numbers or tensors; either may be None);
    min(max(x, min), max), so min > max gives max; nan stays nan."""
    return _clamp(input, min, max, out, False)

def clamp_(input, min=None, max=None):
    return _clamp(input, min, max, None, True)

def clamp_min(input, min, *, out=None):
    return _clamp(input, min, None, out, False)

def clamp_min_(input, min):
    return _clamp(input, min, None, None, True)

def clamp_max(input, max, *, out=None):
    return _clamp(input, None, max, out, False)

def clamp_max_(input, max):
    return _clamp(input, None, max, None, True)

clip = clamp
clip_ = clamp_


# ----- lerp, addcmul, addcdiv -------------------------------------------------------------

cdef Tensor _lerp(object input, object end, object weight, object out, bint inplace):
    cdef Tensor x = _require_tensor(input, "lerp", "input", 1)
    cdef Tensor e = _require_tensor(end, "lerp", "end", 2)
    cdef DType dt = x._dtype
    if e._dtype is not dt:
        raise RuntimeError(f"expected dtype {_CPP_NAMES[dt.code]} for `end` but got dtype "
                           f"{_CPP_NAMES[e._dtype.code]}")
    if isinstance(weight, Tensor) and (<Tensor>weight)._dtype is not dt:
        raise RuntimeError(f"expected dtype {_CPP_NAMES[dt.code]} for `weight` but got dtype "
                           f"{_CPP_NAMES[(<Tensor>weight)._dtype.code]}")
    if not dt.is_floating_point:
        raise _not_implemented("lerp_kernel_tensor" if isinstance(weight, Tensor) else
                               "lerp_kernel_scalar", dt)
    return _ternary(PYT_TER_LERP, "lerp", dt, x, e, weight, x if inplace else out, inplace)

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
    return _ternary(op, "addcmul_cpu_out" if op == PYT_TER_ADDCMUL else "addcdiv_cpu_out",
                    dt, x, t1, t2, x if inplace else out, inplace, &ctx)

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
        raise RuntimeError(f"{_TYPE_NAMES[a._dtype.code]} did not match "
                           f"{_TYPE_NAMES[b._dtype.code]}")
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
    result = new_empty(a._ndim, a._shape, _bool, a._device, False)
    _run(pyt_cmp_table[PYT_CMP_EQ][dt.code], NULL, result, _operand(a, dt), _operand(b, dt),
         None)
    return _all_nonzero(result)


# torch's other names
absolute, absolute_ = abs, abs_
fix, fix_ = trunc, trunc_
arcsin, arcsin_, arccos, arccos_, arctan, arctan_ = asin, asin_, acos, acos_, atan, atan_
arcsinh, arcsinh_, arccosh, arccosh_ = asinh, asinh_, acosh, acosh_
arctanh, arctanh_ = atanh, atanh_
arctan2, arctan2_ = atan2, atan2_
