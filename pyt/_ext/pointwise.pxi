# Binary pointwise ops: add, sub, mul, div (with its rounding modes) and the comparisons,
# with torch's type promotion, broadcasting, Python scalars, in-place forms and out=.
# The rest of the elementwise math lives in math_ops.pyx, on the machinery below.

cdef extern from "pyt_binary.h":
    enum:
        PYT_OP_ADD, PYT_OP_SUB, PYT_OP_MUL, PYT_OP_DIV, PYT_OP_FLOORDIV, PYT_OP_TRUNCDIV,
        PYT_OP_REMAINDER, PYT_OP_FMOD
        PYT_CMP_EQ, PYT_CMP_NE, PYT_CMP_LT, PYT_CMP_LE, PYT_CMP_GT, PYT_CMP_GE
    const pyt_inner_loop pyt_arith_table[8][PYT_NUM_DTYPES]
    const pyt_inner_loop pyt_cmp_table[6][PYT_NUM_DTYPES]
    int pyt_has_zero(const char* p, Py_ssize_t n, Py_ssize_t stride, int itemsize) noexcept nogil

# kernel names in torch's "not implemented for" errors
cdef tuple _ARITH_NAMES = ("add", "sub", "mul", "div", "div_floor_cpu", "div_trunc_cpu",
                           "remainder_cpu", "fmod_cpu")
cdef tuple _CMP_NAMES = ("eq", "ne", "lt", "le", "gt", "ge")


cdef inline int _category(DType d) noexcept:
    return 0 if d.code == PYT_BOOL else (2 if d.is_floating_point else 1)


cdef inline bint _is_operand(object x):
    """What a Tensor's operator accepts; anything else gets NotImplemented."""
    return isinstance(x, (Tensor, int, float, np.integer, np.floating, np.bool_))


cdef DType _wrapped_dtype(object x):
    """The dtype a Python number takes in an op with tensors."""
    if isinstance(x, (bool, np.bool_)):
        return _bool
    if isinstance(x, (int, np.integer)):
        return _int64
    if isinstance(x, (float, np.floating)):
        return get_default(True)
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


cdef DType _combine(DType higher, DType lower):
    """torch's rule: a lower-priority operand matters only with a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _category(lower) > _category(higher):
        return promote(higher, lower)
    return higher


cdef DType _result_dtype(object a, object b):
    """The dtype torch computes a binary op in (dimensioned tensors outrank 0-d tensors,
    which outrank Python numbers)."""
    if a is None or b is None:
        _wrapped_dtype(None)                         # TypeError
    return _result_dtype_of((a, b))


cdef DType _result_dtype_of(tuple operands):
    """_result_dtype for any number of operands; None entries are left out."""
    cdef DType dims = None, zero = None, wrapped = None, d
    for x in operands:
        if x is None:
            continue
        if isinstance(x, Tensor):
            d = (<Tensor>x)._dtype
            if (<Tensor>x)._ndim > 0:
                dims = d if dims is None else promote(dims, d)
            else:
                zero = d if zero is None else promote(zero, d)
        else:
            d = _wrapped_dtype(x)
            wrapped = d if wrapped is None else promote(wrapped, d)
    return _combine(dims, _combine(zero, wrapped))


cdef Tensor _operand(object x, DType dt):
    """x as a tensor of dtype dt (a Python number wraps to integers like a cast)."""
    cdef Tensor t
    if isinstance(x, Tensor):
        t = x
        return t if t._dtype is dt else _to_dtype(t, dt, False)
    if dt.is_floating_point or dt.code == PYT_BOOL:
        return scalar_tensor_of(x, dt)
    return _to_dtype(scalar_tensor_of(x, _wrapped_dtype(x)), dt, False)


cdef int _broadcast_shape(Tensor a, Tensor b, Py_ssize_t* out) except -1:
    cdef int nd = a._ndim if a._ndim > b._ndim else b._ndim
    cdef int i, ia, ib
    cdef Py_ssize_t sa, sb
    for i in range(nd):
        ia = i - (nd - a._ndim)
        ib = i - (nd - b._ndim)
        sa = a._shape[ia] if ia >= 0 else 1
        sb = b._shape[ib] if ib >= 0 else 1
        if sa == sb or sb == 1:
            out[i] = sa
        elif sa == 1:
            out[i] = sb
        else:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b "
                               f"({sb}) at non-singleton dimension {i}")
    return nd


cdef int _run_binary_op(int family, int op, pyt_inner_loop fn, Tensor out, Tensor a,
                        Tensor b) except -1:
    """out = op(a, b): the CPU loop fn, or on a GPU the kernel of (family, op) computing in
    a's dtype (b has it too)."""
    if out._device is _cpu and a._device is _cpu and b._device is _cpu:
        return _run_binary(fn, out, a, b)
    return cuda_pointwise(family, op, a._dtype.code, NULL, out, a, b, None)


cdef int _run_binary(pyt_inner_loop fn, Tensor out, Tensor a, Tensor b) except -1:
    """out = fn(a, b) elementwise on the CPU, a and b broadcast to out's shape."""
    cdef Py_ssize_t strides[3 * PYT_MAX_DIMS]
    cdef char* base[3]
    cdef pyt_iter it
    cdef int i, nd = out._ndim, nthreads = num_threads()
    cdef Py_ssize_t numel
    if out._device is not _cpu or a._device is not _cpu or b._device is not _cpu:
        raise NotImplementedError("pyt: a CPU kernel was given CUDA tensors (call "
                                  "_run_binary_op)")
    if out._numel == 0:
        return 0
    _broadcast_strides_to(a, nd, out._shape, strides + nd)
    _broadcast_strides_to(b, nd, out._shape, strides + 2 * nd)
    for i in range(nd):
        strides[i] = out._strides[i] * out._dtype.itemsize
        strides[nd + i] *= a._dtype.itemsize
        strides[2 * nd + i] *= b._dtype.itemsize
    base[0] = out._data
    base[1] = a._data
    base[2] = b._data
    with nogil:
        numel = pyt_iter_init(&it, 3, nd, out._shape, base, strides)
        pyt_iter_run(&it, numel, fn, NULL, nthreads, PYT_GRAIN_SIZE)
    return 0


cdef Tensor _unaliased(Tensor x, Tensor out):
    """x, or a copy of it when it partly overlaps out (an exact alias is safe)."""
    if _may_overlap(out, x) and not (out._data == x._data and _same_geometry(out, x)
                                     and out._dtype is x._dtype):
        return clone(x)
    return x


cdef inline bint _is_bool_operand(object x):
    return (<Tensor>x)._dtype.code == PYT_BOOL if isinstance(x, Tensor) else type(x) is bool


cdef int _check_bool_subtraction(object a, object b) except -1:
    """torch refuses subtraction with a bool operand (a Python bool counts as one)."""
    cdef bint bool_a = _is_bool_operand(a), bool_b = _is_bool_operand(b)
    if bool_a and bool_b:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if bool_a or bool_b:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")
    return 0


cdef Tensor _binary(int op, object a, object b, object out, bint inplace):
    """The one entry of add/sub/mul/div: dtype, shape, operands, output, kernel."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Tensor ta, tb, result, target
    cdef DType dt
    cdef int nd
    cdef object dev
    if _any_needs_grad(a, b):
        return _binary_recorded(op, a, b, out, inplace)     # which comes back here
    if op == PYT_OP_SUB:
        _check_bool_subtraction(a, b)
    dt = _result_dtype(a, b)
    if op == PYT_OP_DIV and _category(dt) < 2:
        dt = get_default(True)                       # true division of integers
    if op >= PYT_OP_FLOORDIV and dt.code == PYT_BOOL:
        raise NotImplementedError(f'"{_ARITH_NAMES[op]}" not implemented for \'Bool\'')
    ta = _operand(a, dt)
    tb = _operand(b, dt)
    dev = _op_device(ta, tb)
    # integer division by zero: the CPU raises; CUDA kernels do not check (as torch's)
    if op >= PYT_OP_FLOORDIV and _category(dt) == 1 and dev is _cpu and _has_zero(tb):
        raise RuntimeError("ZeroDivisionError")
    nd = _broadcast_shape(ta, tb, shape)
    target = a if inplace else out
    if target is None:
        result = new_empty(nd, shape, dt, dev, False)
        _run_binary_op(PYT_CUDA_ARITH, op, pyt_arith_table[op][dt.code], result, ta, tb)
        return result
    return _binary_into(PYT_CUDA_ARITH, op, pyt_arith_table[op][dt.code], target, ta, tb, nd,
                        shape, dt, _ARITH_NAMES[op], inplace)


cdef Tensor _binary_into(int family, int op, pyt_inner_loop fn, Tensor target, Tensor ta,
                         Tensor tb, int nd, Py_ssize_t* shape, DType dt, str name,
                         bint inplace):
    """Runs a binary op into an existing tensor (in-place op or out=)."""
    cdef Tensor result
    cdef int i
    cdef bint same_shape = target._ndim == nd
    for i in range(min(nd, target._ndim)):
        same_shape = same_shape and target._shape[i] == shape[i]
    if not same_shape:
        if inplace:
            raise RuntimeError(f"output with shape {list(target.size())} doesn't match the "
                               f"broadcast shape {[shape[j] for j in range(nd)]}")
        resize_(target, tuple([shape[j] for j in range(nd)]))
    if _category(dt) > _category(target._dtype) or (
            dt.code != PYT_BOOL and target._dtype.code == PYT_BOOL):
        raise RuntimeError(f"result type {scalar_type_name(dt.code)} can't be cast to the desired "
                           f"output type {scalar_type_name(target._dtype.code)}")
    if target._dtype is dt and not _has_internal_overlap(target):
        _run_binary_op(family, op, fn, target, _unaliased(ta, target), _unaliased(tb, target))
    else:
        result = new_empty(nd, shape, dt, target._device, False)
        _run_binary_op(family, op, fn, result, ta, tb)
        copy_into(target, result)
    target._storage.version += 1
    return target


cdef Tensor _compare(int op, object a, object b, object out):
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef DType dt = _result_dtype(a, b)
    cdef Tensor ta = _operand(a, dt), tb = _operand(b, dt), result
    cdef int nd = _broadcast_shape(ta, tb, shape)
    if out is None:
        result = new_empty(nd, shape, _bool, _op_device(ta, tb), False)
        _run_binary_op(PYT_CUDA_CMP, op, pyt_cmp_table[op][dt.code], result, ta, tb)
        return result
    return _binary_into(PYT_CUDA_CMP, op, pyt_cmp_table[op][dt.code], out, ta, tb, nd, shape,
                        _bool, _CMP_NAMES[op], False)


cdef object _scaled(object other, object alpha):
    if alpha is None or (not isinstance(alpha, Tensor) and alpha == 1):
        return other
    if isinstance(other, Tensor) and isinstance(alpha, float) and \
            not (<Tensor>other)._dtype.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a "
                           "floating point number.")
    return _binary(PYT_OP_MUL, other, alpha, None, False)


cdef Tensor _add_sub(int op, object a, object b, object alpha, object out, bint inplace):
    """a + alpha * b or a - alpha * b (one node with alpha when recorded, as torch's)."""
    if alpha is None or (not isinstance(alpha, Tensor) and alpha == 1):
        return _binary(op, a, b, out, inplace)
    if op == PYT_OP_SUB:
        _check_bool_subtraction(a, b)       # _binary sees b only once alpha made it a number
    if _any_needs_grad(a, b):
        return _binary_recorded(op, a, b, out, inplace, alpha)
    return _binary(op, a, _scaled(b, alpha), out, inplace)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and type promotion."""
    return _add_sub(PYT_OP_ADD, input, other, alpha, out, False)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    return _add_sub(PYT_OP_SUB, input, other, alpha, out, False)


def mul(input, other, *, out=None):
    return _binary(PYT_OP_MUL, input, other, out, False)


cdef bint _has_zero(Tensor t) except -1:
    """Whether an integer tensor holds a zero (a divisor, checked before dividing)."""
    cdef Tensor c = contiguous(t)
    cdef bint found
    with nogil:
        found = pyt_has_zero(c._data, c._numel, c._dtype.itemsize, c._dtype.itemsize)
    return found


cdef int _division_op(object rounding_mode) except -1:
    if rounding_mode is None:
        return PYT_OP_DIV
    if rounding_mode == "trunc":
        return PYT_OP_TRUNCDIV
    if rounding_mode == "floor":
        return PYT_OP_FLOORDIV
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


cdef Tensor _div(object a, object b, object rounding_mode, object out, bint inplace):
    cdef int op = _division_op(rounding_mode)
    if op != PYT_OP_DIV and _any_needs_grad(a, b):   # torch: DivBackward2, zero gradients
        return _binary_recorded(op, a, b, out, inplace, None, True)
    return _binary(op, a, b, out, inplace)


def div(input, other, *, rounding_mode=None, out=None):
    """input / other: true division (integers give floats) or, with rounding_mode 'trunc' or
    'floor', the quotient rounded toward zero or down, in the promoted dtype."""
    return _div(input, other, rounding_mode, out, False)


def eq(input, other, *, out=None):
    return _compare(PYT_CMP_EQ, input, other, out)


def ne(input, other, *, out=None):
    return _compare(PYT_CMP_NE, input, other, out)


def lt(input, other, *, out=None):
    return _compare(PYT_CMP_LT, input, other, out)


def le(input, other, *, out=None):
    return _compare(PYT_CMP_LE, input, other, out)


def gt(input, other, *, out=None):
    return _compare(PYT_CMP_GT, input, other, out)


def ge(input, other, *, out=None):
    return _compare(PYT_CMP_GE, input, other, out)


cdef Tensor _neg(object input, object out, bint inplace):
    cdef Tensor x = <Tensor?>input, result
    if x._dtype.code == PYT_BOOL:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")
    if not _needs_grad(x):
        return _binary(PYT_OP_MUL, x, -1, out, inplace)     # -1 * 0.0 is -0.0, as torch
    _refuse_out(out, "neg")
    if inplace:
        _check_inplace_allowed(x)
        return _inplace_result(x, _neg(clone(x), None, False))
    set_grad_enabled_flag(False)
    try:
        result = _binary(PYT_OP_MUL, x, -1, None, False)
    finally:
        set_grad_enabled_flag(True)
    _record("NegBackward0", _neg_backward, (x,), (result,))
    return result


cdef tuple _neg_backward(Node node, tuple grads):
    return (None if grads[0] is None else _neg(grads[0], None, False),)


def neg(input, *, out=None):
    return _neg(input, out, False)


def neg_(input):
    return _neg(input, None, True)


# ----- derivatives -------------------------------------------------------------------------

cdef tuple _BACKWARD_NAMES = ("AddBackward0", "SubBackward0", "MulBackward0", "DivBackward0",
                              None, None, "RemainderBackward1", "FmodBackward1")
# torch's op names, in its errors
cdef tuple _OP_NAMES = ("add", "sub", "mul", "div", "floor_divide", "div", "remainder", "fmod")


cdef Tensor _binary_recorded(int op, object a, object b, object out, bint inplace,
                             object alpha=None, bint rounding_div=False):
    """_binary when a gradient is needed: the result comes from the plain path (run with
    recording off), then the op is recorded. An in-place op is recorded as the same op on
    a copy of self's old value, whose result self takes over (data and history). alpha:
    add's / sub's; rounding_div: div with a rounding mode (zero gradients)."""
    cdef Tensor result
    cdef Node node
    cdef str name
    _refuse_out(out, _OP_NAMES[op])
    if inplace:
        _check_inplace_allowed(a)
        return _inplace_fit(a, _binary_recorded(op, clone(a), b, None, False, alpha,
                                                rounding_div))
    if op == PYT_OP_DIV and not isinstance(a, Tensor):
        return _math_ops.reciprocal(b) * a          # other / self, as torch's __rtruediv__
    set_grad_enabled_flag(False)
    try:
        result = _binary(op, a, b if alpha is None else _scaled(b, alpha), None, False)
    finally:
        set_grad_enabled_flag(True)
    if rounding_div:
        name = "DivBackward2"
    elif op == PYT_OP_FLOORDIV or (op == PYT_OP_REMAINDER and not isinstance(a, Tensor)):
        # torch records these but cannot differentiate them: backward raises
        _record_not_implemented(_OP_NAMES[op], (a, b), result)
        return result
    elif op == PYT_OP_SUB and not isinstance(a, Tensor):
        name = "RsubBackward1"                       # number - tensor
    elif op >= PYT_OP_REMAINDER and not isinstance(b, Tensor):
        name = "RemainderBackward0" if op == PYT_OP_REMAINDER else "FmodBackward0"
    else:
        name = _BACKWARD_NAMES[op]
    node = _record(name, _binary_backward, (a, b), (result,))
    meta_a, meta_b = _meta_vs(a, result), _meta_vs(b, result)
    node.ctx = (op, meta_a, meta_b, None if isinstance(a, Tensor) else a,
                None if isinstance(b, Tensor) else b, alpha, rounding_div)
    if not rounding_div and (op == PYT_OP_MUL or op == PYT_OP_DIV or (
            op >= PYT_OP_REMAINDER and isinstance(b, Tensor))):
        # only what the wanted gradients read: a's needs b; b's needs a (and b)
        node.save_tensor(a if isinstance(a, Tensor) and meta_b is not None else None)
        node.save_tensor(b if isinstance(b, Tensor) and (
            meta_a is not None or op != PYT_OP_MUL) else None)
    return result


cdef tuple _binary_backward(Node node, tuple grads):
    cdef int op
    op, meta_a, meta_b, scalar_a, scalar_b, alpha, rounding_div = node.ctx
    g = grads[0]
    if g is None:
        return (None, None)
    if rounding_div:                                 # piecewise constant; g * 0 keeps nan
        return (_grad_like(g * 0, meta_a), _grad_like(g * 0, meta_b))
    if op == PYT_OP_ADD:
        return (_grad_like(g, meta_a), _grad_like(g if alpha is None else g * alpha, meta_b))
    if op == PYT_OP_SUB:
        return (_grad_like(g, meta_a),
                _grad_like(-g if alpha is None else -g * alpha, meta_b)
                if meta_b is not None else None)
    if op >= PYT_OP_REMAINDER and meta_b is None:    # remainder / fmod by a number
        return (_grad_like(g, meta_a), None)
    a, b = node.saved_values()
    a = scalar_a if a is None else a
    b = scalar_b if b is None else b
    if op == PYT_OP_MUL:                             # _binary: no operator dispatch
        return (_grad_like(_binary(PYT_OP_MUL, g, b, None, False), meta_a)
                if meta_a is not None else None,
                _grad_like(_binary(PYT_OP_MUL, g, a, None, False), meta_b)
                if meta_b is not None else None)
    if op == PYT_OP_DIV:                             # d(a/b) = g/b, -g a/b**2
        return (_grad_like(g / b, meta_a) if meta_a is not None else None,
                _grad_like(-g * ((a / b) / b), meta_b) if meta_b is not None else None)
    # remainder / fmod: a - b * q with q = a / b rounded (down / toward zero)
    return (_grad_like(g, meta_a),
            _grad_like(-g * _div(a, b, "floor" if op == PYT_OP_REMAINDER else "trunc", None,
                                 False), meta_b) if meta_b is not None else None)


cdef Tensor _inplace_fit(Tensor self, Tensor result):
    """_inplace_result after the checks an in-place kernel makes (shape, dtype)."""
    if result.size() != self.size():
        raise RuntimeError(f"output with shape {list(self.size())} doesn't match the "
                           f"broadcast shape {list(result.size())}")
    if _category(result._dtype) > _category(self._dtype) or (
            result._dtype.code != PYT_BOOL and self._dtype.code == PYT_BOOL):
        raise RuntimeError(f"result type {scalar_type_name(result._dtype.code)} can't be "
                           f"cast to the desired output type "
                           f"{scalar_type_name(self._dtype.code)}")
    return _inplace_result(self, result)


cdef int _check_inplace_allowed(Tensor self) except -1:
    if pyt_grad_disabled:
        return 0
    if self._grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    cdef Tensor base = self._view_of
    if base is None:
        return 0
    if base._requires_grad and base._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if not _is_non_overlapping_and_dense(base):
        raise RuntimeError("pyt: an in-place operation on a view of a tensor whose elements "
                           "are not dense in memory is not supported with autograd; apply "
                           "it to a clone()")
    return 0
