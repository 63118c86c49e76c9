# Joining and reordering: cat, stack (and the h/v/d/column stacks), atleast_nd, flip,
# roll, repeat, tile, tril/triu and their indices, diag_embed, block_diag.
#
# Almost everything here is geometry: the output is allocated once and each piece of it
# is filled by copy_into (strided, dtype-converting, OpenMP above a grain) from a view of
# an input. One kernel of their own: tril/triu zero the dropped triangle; flip is a copy
# from a negative-stride view (the move loop has a fast path for it). Small cats of
# contiguous pieces skip the general iterator: per-piece overhead dominates them.

# ----- argument checking ------------------------------------------------------------

cdef bint _is_int(object x):
    """An int-like argument (numpy ints, one-element integer tensors), never a bool."""
    return not isinstance(x, bool) and (isinstance(x, int) or hasattr(type(x), "__index__"))


cdef Py_ssize_t _int_arg(object x, str fname, str argname, int pos) except? -1:
    if not _is_int(x):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be int, "
                        f"not {type(x).__name__}")
    return x.__index__()


cdef tuple _int_tuple(object value, str fname, str argname, int pos, bint allow_int):
    """value as a tuple of ints, refused with the TypeError of torch's argument parser
    otherwise. allow_int: a lone int counts as a 1-tuple."""
    if allow_int and _is_int(value):
        return (value.__index__(),)
    if not isinstance(value, (tuple, list)):        # pyt.Size is a tuple
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be tuple of "
                        f"ints, not {type(value).__name__}")
    for i, x in enumerate(value):
        if not _is_int(x):
            raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be tuple "
                            f"of ints, but found element of type {type(x).__name__} at pos {i}")
    return tuple([x.__index__() for x in value])


cdef list _tensor_list(object tensors, str fname):
    """A list or tuple of tensors, checked element by element as torch does."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of "
                        f"Tensors, not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return list(tensors)


cdef list _nonempty_tensor_list(object tensors, str fname):
    cdef list ts = _tensor_list(tensors, fname)
    if not ts:
        raise RuntimeError(f"{fname} expects a non-empty TensorList")
    return ts


# ----- recording: what the derivatives of joining, indexing and random share -----------
# Each differentiable op here runs its forward with recording off and then records one
# node (torch's name) whose backward is written with pyt ops, so that it records itself
# under create_graph (double backward). In-place forms compute the recorded result out
# of place from a clone of self and hand it to _inplace_result.

cdef class _RecordingOff:
    """`with _RECORDING_OFF:` the internal ops of a forward do not record (the op records
    itself once, afterwards). Only entered with grad mode on."""
    def __enter__(self):
        set_grad_enabled_flag(False)

    def __exit__(self, *exc):
        set_grad_enabled_flag(True)
        return False


cdef _RecordingOff _RECORDING_OFF = _RecordingOff()


cdef inline bint _wants_input_grad(Node node, int i):
    """Whether recorded input i of node takes a gradient (it has an edge)."""
    return node.next_functions[i][0] is not None


cdef object _grad_as(object g, object meta):
    """g brought to an input's (shape, dtype): summed over broadcast dims, or reshaped when
    it has fewer dims (a 0-d gradient of a one-element input)."""
    if meta is None or g is None:
        return None
    if (<Tensor>g)._ndim < len(meta[0]):
        g = reshape(g, meta[0])
    return _grad_like(g, meta)


cdef Py_ssize_t _shape_numel(object shape):
    cdef Py_ssize_t n = 1
    for s in shape:
        n *= s
    return n


cdef Tensor _pad_to(Tensor t, object shape):
    """t in the leading corner of zeros of shape (gradients of sources larger than the
    index that reads them)."""
    if t.size() == shape:
        return t
    cdef Tensor out = zeros(shape, dtype=t._dtype, device=t._device)
    out[tuple([slice(0, n) for n in t.size()])] = t
    return out


cdef object _zero_meta(object x):
    """(shape, dtype, device) of a tensor input: what _zero_backward builds; None otherwise."""
    if isinstance(x, Tensor):
        return (_shape_tuple(x), (<Tensor>x)._dtype, (<Tensor>x)._device)
    return None


cdef tuple _zero_backward(Node node, tuple grads):
    """Random draws: their values do not depend on what they replace or on their parameters;
    torch gives those a zero gradient, on the input's device. ctx: the inputs' _zero_metas."""
    return tuple([None if m is None else zeros(m[0], dtype=m[1], device=m[2])
                  for m in node.ctx])


cdef int _begin_inplace(Tensor self) except -1:
    """The checks of a recorded in-place op, before anything is written."""
    _check_inplace_allowed(self)
    return _check_writable_once(self)


cdef bint _can_cast(DType src, DType dst) noexcept:
    """torch.can_cast: no float -> integer and no number -> bool."""
    if src.is_floating_point and not dst.is_floating_point:
        return False
    return dst.code != PYT_BOOL or src.code == PYT_BOOL


cdef Tensor _result_tensor(object out, int ndim, const Py_ssize_t* shape, DType dt,
                           str fname, object dev=None):
    """A new output tensor, or out= resized to shape (torch's resize rules) after checking
    that results of dtype dt may be written into it."""
    cdef Tensor o
    cdef int i
    if out is None:
        return new_empty(ndim, shape, dt, _cpu if dev is None else dev, False)
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}: argument 'out' must be Tensor, not {type(out).__name__}")
    o = out
    if dev is not None and o._device is not dev and o._device != dev:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                           f"least two devices, {dev} and {o._device}!")
    if not _can_cast(dt, o._dtype):
        raise TypeError(f"{fname}: input types can't be cast to the desired output type "
                        f"{_scalar_type_name(o._dtype)}")
    if o._ndim != ndim or any([o._shape[i] != shape[i] for i in range(ndim)]):
        resize_(o, (tuple([shape[i] for i in range(ndim)]),))
    o._storage.version += 1
    return o


# ----- cat and the stacks ----------------------------------------------------------

cdef inline bint _skipped_in_cat(Tensor t) noexcept:
    """torch's legacy rule: a 1-d empty tensor, shape (0,), joins anything (it only takes
    part in dtype promotion)."""
    return t._ndim == 1 and t._shape[0] == 0


def cat(tensors, dim=0, *, axis=None, out=None):
    """The tensors joined along an existing dim; all other sizes must match. The result
    dtype is the promotion of every input's dtype."""
    if axis is not None:                             # numpy's name, accepted by torch too
        dim = axis
    return _cat(_tensor_list(tensors, "cat"), dim, out)


cdef Tensor _cat(list tensors, object dim, object out):
    """cat of a checked list of tensors, recorded (CatBackward0) when one requires grad."""
    cdef Tensor result, t
    cdef Node node
    cdef tuple inputs = tuple(tensors)
    if not _wants_grad(inputs):
        return _cat_data(tensors, dim, out)
    _refuse_out(out, "cat")
    with _RECORDING_OFF:
        result = _cat_data(tensors, dim, None)
    node = _record("CatBackward0", _cat_backward, inputs, (result,))
    # each input's length along the dim, -1 for the (0,) tensors cat skips
    lengths = []
    d = 0
    for t in tensors:
        if _skipped_in_cat(t):
            lengths.append(-1)
        else:
            d = wrap_dim(dim, t._ndim)
            lengths.append(t._shape[d])
    node.ctx = (d, lengths, [_meta(t) for t in tensors])
    return result


cdef tuple _cat_backward(Node node, tuple grads):
    d, lengths, metas = node.ctx
    cdef Tensor g = grads[0]
    cdef Py_ssize_t start = 0
    cdef list out = []
    for i in range(len(lengths)):
        n = lengths[i]
        if not _wants_input_grad(node, i):
            out.append(None)
        elif n < 0:
            out.append(zeros(metas[i][0], dtype=metas[i][1], device=g._device))
        else:
            out.append(_grad_like(_narrow(g, d, start, n), metas[i]))
        start += max(n, 0)
    return tuple(out)


cdef Tensor _cat_data(list tensors, object dim, object out):
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Tensor t, result, ref = None
    cdef DType dt
    cdef Py_ssize_t start = 0
    cdef int i, k, d, nd
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    if not _is_int(dim):
        raise TypeError(f"cat(): argument 'dim' (position 2) must be int, not "
                        f"{type(dim).__name__}")
    dt = (<Tensor>tensors[0])._dtype
    for i in range(len(tensors)):
        t = tensors[i]
        if t._ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               f"concatenated")
        dt = promote(dt, t._dtype)
        if ref is None and not _skipped_in_cat(t):
            ref = t
    dev = common_device(tuple(tensors))              # torch's error when devices mix
    if ref is None:                                  # nothing but (0,) tensors
        shape[0] = 0
        return _result_tensor(out, 1, shape, dt, "torch.cat()", dev)
    nd = ref._ndim
    d = wrap_dim(dim, nd)
    for k in range(nd):
        shape[k] = ref._shape[k]
    shape[d] = 0
    for i in range(len(tensors)):
        t = tensors[i]
        if _skipped_in_cat(t):
            continue
        if t._ndim != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} "
                               f"and {t._ndim}")
        for k in range(nd):
            if k != d and t._shape[k] != ref._shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref._shape[k]} but got size "
                                   f"{t._shape[k]} for tensor number {i} in the list.")
        shape[d] += t._shape[d]
    result = _result_tensor(out, nd, shape, dt, "torch.cat()", dev)
    if out is not None:
        tensors = _unaliased_inputs(result, tensors)
    elif result._numel < PYT_GRAIN_SIZE and _cat_small_contiguous(result, tensors, d):
        return result
    for t in tensors:
        if _skipped_in_cat(t) or t._shape[d] == 0:
            continue
        copy_into(_narrow(result, d, start, t._shape[d]), t)
        start += t._shape[d]
    return result


cdef bint _cat_small_contiguous(Tensor result, list tensors, int d) except -1:
    """cat into a new contiguous result by plain memcpy, when every input is contiguous
    and of the result's dtype (False, having done nothing, otherwise). Seen as
    (outer, size along d * inner), each input fills a column band of the result."""
    cdef Tensor t
    cdef Py_ssize_t outer = 1, inner = result._dtype.itemsize, o, band, start = 0
    cdef Py_ssize_t row_bytes
    cdef int k
    if is_cuda(result):
        return False                        # the GPU copies each piece (copy_into)
    for t in tensors:
        if t._dtype is not result._dtype or not is_contiguous(t):
            return False
    for k in range(d):
        outer *= result._shape[k]
    for k in range(d + 1, result._ndim):
        inner *= result._shape[k]
    row_bytes = result._shape[d] * inner
    for t in tensors:
        if _skipped_in_cat(t):
            continue
        band = t._shape[d] * inner
        for o in range(outer):
            memcpy(result._data + o * row_bytes + start, t._data + o * band, band)
        start += band
    return True


cdef list _unaliased_inputs(Tensor out, list tensors):
    """The inputs, with those that share memory with out copied away first: cat writes
    out piece by piece, and a later input must not be overwritten before it is read.
    torch refuses the case it can prove (both dense); the rest it leaves undefined."""
    cdef list safe = []
    cdef Tensor t
    for t in tensors:
        if _may_overlap(out, t):
            if is_contiguous(out) and is_contiguous(t):
                raise RuntimeError("unsupported operation: some elements of the input tensor "
                                   "and the written-to tensor refer to a single memory "
                                   "location. Please clone() the tensor before performing "
                                   "the operation.")
            t = clone(t)
        safe.append(t)
    return safe


concat = cat
concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """The tensors, all of one shape, joined along a new dim."""
    cdef list ts = _nonempty_tensor_list(tensors, "stack")
    cdef Tensor first = ts[0], t
    cdef int i, k, d = wrap_dim(dim, first._ndim + 1)
    for i in range(1, len(ts)):
        t = ts[i]
        if t._ndim != first._ndim or any([t._shape[k] != first._shape[k]
                                          for k in range(t._ndim)]):
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(first.size())} at entry 0 and {list(t.size())} at "
                               f"entry {i}")
    cdef tuple inputs = tuple(ts)
    cdef Tensor result
    if not _wants_grad(inputs):
        return _cat([_unsqueezed(t, d) for t in ts], d, out)
    _refuse_out(out, "stack")
    with _RECORDING_OFF:
        result = _cat([_unsqueezed(t, d) for t in ts], d, None)
    _record("StackBackward0", _stack_backward, inputs, (result,)).ctx = \
        (d, [_meta(t) for t in ts])
    return result


cdef tuple _stack_backward(Node node, tuple grads):
    d, metas = node.ctx
    return tuple([_grad_like(select(grads[0], d, i), metas[i])
                  if _wants_input_grad(node, i) else None for i in range(len(metas))])


cdef Tensor _unsqueezed(Tensor t, int d):
    """t with a new size-1 dim at d (a view; d already wrapped)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i, j = 0
    if t._ndim + 1 > PYT_MAX_DIMS:
        raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions")
    for i in range(t._ndim + 1):
        if i == d:
            shape[i] = 1             # any stride would do; this one is torch's
            strides[i] = t._shape[i] * t._strides[i] if i < t._ndim else 1
        else:
            shape[i] = t._shape[j]
            strides[i] = t._strides[j]
            j += 1
    return new_view(t, t._ndim + 1, shape, strides, t._offset)


def hstack(tensors, *, out=None):
    """Joins along dim 1, or dim 0 for vectors (0-d inputs count as vectors)."""
    cdef list ts = [_atleast(t, 1) for t in _nonempty_tensor_list(tensors, "hstack")]
    return _cat(ts, 0 if (<Tensor>ts[0])._ndim == 1 else 1, out)


def vstack(tensors, *, out=None):
    """Joins along dim 0, vectors becoming rows."""
    return _cat([_atleast(t, 2) for t in _nonempty_tensor_list(tensors, "vstack")], 0, out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Joins along dim 2, after atleast_3d."""
    return _cat([_atleast(t, 3) for t in _nonempty_tensor_list(tensors, "dstack")], 2, out)


def column_stack(tensors, *, out=None):
    """Joins along dim 1, vectors (and scalars) becoming columns."""
    cdef Py_ssize_t column[2]
    cdef list ts = []
    cdef Tensor t
    for t in _nonempty_tensor_list(tensors, "column_stack"):
        if t._ndim <= 1:
            column[0] = t._numel
            column[1] = 1
            t = reshape(t, column[0], column[1])
        ts.append(t)
    return _cat(ts, 1, out)


cdef Tensor _atleast(Tensor t, int n):
    """t viewed with at least n dims the way numpy does it: a scalar becomes all ones, a
    vector becomes a row (1, k) and then (1, k, 1), a matrix gets a trailing dim."""
    cdef Py_ssize_t ones[3]
    cdef Tensor v = t
    if t._ndim >= n:
        return t
    if t._ndim == 0:
        ones[0] = ones[1] = ones[2] = 1
        v = new_view(t, n, ones, ones, t._offset)
    else:
        if v._ndim == 1:
            v = _unsqueezed(v, 0)
        if v._ndim < n:
            v = _unsqueezed(v, 2)
    return _track_view(t, v, "ViewBackward0" if t._ndim == 0 else "UnsqueezeBackward0",
                       _VIEW_RESHAPE, None)


cdef object _atleast_args(tuple tensors, int n, str fname):
    """atleast_nd(t) gives a tensor; atleast_nd(a, b) and atleast_nd([a, b]) a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _atleast(tensors[0], n)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                            f"({type(t).__name__}), but expected one of: (Tensor input) or "
                            f"(tuple of Tensors tensors)")
    return tuple([_atleast(t, n) for t in tensors])


def atleast_1d(*tensors):
    return _atleast_args(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    return _atleast_args(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    return _atleast_args(tensors, 3, "atleast_3d")


def block_diag(*tensors):
    """The tensors (each at most 2-d; vectors are rows) as blocks along the diagonal of
    one zero matrix."""
    cdef Tensor result, t
    cdef Py_ssize_t row = 0, col = 0, r, c
    if not _wants_grad(tensors):
        return _block_diag(tensors)
    with _RECORDING_OFF:
        result = _block_diag(tensors)
    blocks = []                          # (meta, first row, first column, rows, columns)
    for t in tensors:
        r = t._shape[0] if t._ndim == 2 else 1           # vectors and scalars are rows
        c = t._shape[1] if t._ndim == 2 else t._numel
        blocks.append((_meta(t), row, col, r, c))
        row += r
        col += c
    _record("BlockDiagBackward0", _block_diag_backward, tensors, (result,)).ctx = blocks
    return result


cdef tuple _block_diag_backward(Node node, tuple grads):
    cdef Tensor g = grads[0]
    cdef list out = []
    for i, (meta, row, col, r, c) in enumerate(node.ctx):
        if _wants_input_grad(node, i):
            out.append(_grad_like(reshape(_narrow(_narrow(g, 0, row, r), 1, col, c), meta[0]),
                                  meta))
        else:
            out.append(None)
    return tuple(out)


cdef Tensor _block_diag(tuple tensors):
    cdef Py_ssize_t shape[2]
    cdef list blocks = []
    cdef Tensor t
    cdef DType dt = get_default(True)
    cdef Py_ssize_t row = 0, col = 0
    for i, t in enumerate(_tensor_list(tensors, "block_diag")):
        if t._ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t._ndim} dimensions")
        dt = t._dtype if i == 0 else promote(dt, t._dtype)
        blocks.append(_atleast(t, 2))
    shape[0] = sum([b.shape[0] for b in blocks])
    shape[1] = sum([b.shape[1] for b in blocks]) if blocks else 0
    if not blocks:
        shape[0] = 1                                  # torch's (1, 0) for no input
    cdef Tensor result = new_empty(2, shape, dt, common_device(tuple(blocks)), True)
    for t in blocks:
        copy_into(_narrow(_narrow(result, 0, row, t._shape[0]), 1, col, t._shape[1]), t)
        row += t._shape[0]
        col += t._shape[1]
    return result


# ----- reordering: flip, roll ------------------------------------------------------

def flip(Tensor input, dims):
    """A copy of input with the order of elements reversed along dims."""
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef bint seen[PYT_MAX_DIMS]
    cdef Py_ssize_t offset = input._offset
    cdef int i, d
    dims = _int_tuple(dims, "flip", "dims", 2, False)
    seen[0] = False                                 # a scalar accepts dim 0 (or -1)
    for i in range(input._ndim):
        seen[i] = False
        strides[i] = input._strides[i]
    for x in dims:
        d = wrap_dim(x, input._ndim)
        if seen[d]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen[d] = True
        if input._ndim == 0:
            continue                                # a scalar has nothing to reverse
        # walk dim d from its last element backwards
        if input._shape[d] > 0:
            offset += (input._shape[d] - 1) * input._strides[d]
        strides[d] = -input._strides[d]
    cdef Tensor result = _empty_like_layout(input, input._dtype)
    _copy_flipped(result, new_view(input, input._ndim, input._shape, strides, offset))
    if _needs_grad(input):
        _record("FlipBackward0", _flip_backward, (input,), (result,)).ctx = dims
    return result


cdef tuple _flip_backward(Node node, tuple grads):
    return (flip(grads[0], node.ctx),)


cdef int _copy_flipped(Tensor dst, Tensor src) except -1:
    """dst[...] = src, for a src of dst's shape and dtype in other memory (no broadcast or
    overlap checks needed)."""
    cdef Py_ssize_t strides[2 * PYT_MAX_DIMS]
    cdef char* base[2]
    cdef pyt_iter it
    cdef int i, nd = dst._ndim, nthreads = num_threads()
    cdef Py_ssize_t numel, itemsize = dst._dtype.itemsize
    cdef pyt_inner_loop fn = pyt_move_loop(dst._dtype.itemsize)
    if dst._numel == 0:
        return 0
    if is_cuda(dst) or is_cuda(src):
        return copy_into(dst, src)
    for i in range(nd):
        strides[i] = dst._strides[i] * itemsize
        strides[nd + i] = src._strides[i] * itemsize
    base[0] = dst._data
    base[1] = src._data
    with nogil:
        numel = pyt_iter_init(&it, 2, nd, dst._shape, base, strides)
        pyt_iter_run(&it, numel, fn, NULL, nthreads, PYT_GRAIN_SIZE)
    return 0


def fliplr(Tensor input):
    """flip along dim 1."""
    if input._ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(Tensor input):
    """flip along dim 0."""
    if input._ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(Tensor input, shifts, dims=None):
    """A copy of input with elements shifted along dims, wrapping around the end; with no
    dims, the shift runs over the flattened tensor."""
    cdef Tensor result
    if not _needs_grad(input):
        return _roll(input, shifts, dims)
    with _RECORDING_OFF:
        result = _roll(input, shifts, dims)
    shifts = _int_tuple(shifts, "roll", "shifts", 2, True)
    _record("RollBackward0", _roll_backward, (input,), (result,)).ctx = \
        (tuple([-s for s in shifts]), dims)
    return result


cdef tuple _roll_backward(Node node, tuple grads):
    back, dims = node.ctx                             # rolled back by the opposite shifts
    return (roll(grads[0], back, dims),)


cdef Tensor _roll(Tensor input, shifts, dims):
    cdef Py_ssize_t net[PYT_MAX_DIMS]
    cdef Py_ssize_t n
    cdef int i, d
    shifts = _int_tuple(shifts, "roll", "shifts", 2, True)
    dims = () if dims is None else _int_tuple(dims, "roll", "dims", 3, True)
    if len(shifts) == 0:
        raise RuntimeError("`shifts` required")
    if len(dims) == 0:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:0")
        if input._ndim == 0:
            return clone(input)
        return view(_roll(contiguous(input).reshape(-1), shifts, 0), input.size())
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    if input._ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    for i in range(input._ndim):
        net[i] = 0
    for s, x in zip(shifts, dims):          # shifts along a repeated dim add up
        d = wrap_dim(x, input._ndim)
        n = input._shape[d]
        if n > 0:
            net[d] = (net[d] + s % n) % n
    cdef Tensor result = new_empty(input._ndim, input._shape, input._dtype, input._device,
                                   False)
    _copy_rolled(result, input, net, 0)
    return result


cdef int _copy_rolled(Tensor dst, Tensor src, const Py_ssize_t* shift, int d) except -1:
    """dst = src rolled by shift[k] along every dim k >= d. A roll by s along a dim of size
    n is two block copies, dst[s:] = src[:n-s] and dst[:s] = src[n-s:]; over several
    dims the blocks multiply (at most numel of them, usually 2 or 4)."""
    cdef Py_ssize_t n, s
    while d < src._ndim and shift[d] == 0:
        d += 1
    if d == src._ndim:
        return copy_into(dst, src)
    n = src._shape[d]
    s = shift[d]
    _copy_rolled(_narrow(dst, d, s, n - s), _narrow(src, d, 0, n - s), shift, d + 1)
    _copy_rolled(_narrow(dst, d, 0, s), _narrow(src, d, n - s, s), shift, d + 1)
    return 0


# ----- repetition: repeat, tile ---------------------------------------------------

cdef Tensor _repeat(Tensor input, tuple sizes):
    """Tensor.repeat(*sizes): input tiled sizes[i] times along dim i (sizes may add
    leading dims)."""
    cdef Tensor result
    if not _needs_grad(input):
        return _repeat_data(input, sizes)
    with _RECORDING_OFF:
        result = _repeat_data(input, sizes)
    _record("RepeatBackward0", _repeat_backward, (input,), (result,)).ctx = \
        (input.size(), result.size())
    return result


cdef tuple _repeat_backward(Node node, tuple grads):
    """Each input element appears once per tile: its gradient sums the tiles. The
    gradient is viewed with each dim split into (repeat, size) and summed over the
    repeats (and over the leading dims repeat added)."""
    shape, out_shape = node.ctx
    cdef Tensor g = grads[0]
    cdef int lead = len(out_shape) - len(shape), i
    if g._numel == 0 or _shape_numel(shape) == 0:
        return (zeros(shape, dtype=g._dtype, device=g._device),)
    split, summed = [], []
    for i in range(len(out_shape)):
        s = shape[i - lead] if i >= lead else 1
        if out_shape[i] != s:
            summed.append(len(split))
            split.append(out_shape[i] // s)
        if i >= lead:
            split.append(s)
    if summed:
        g = reshape(g, tuple(split)).sum(tuple(summed))
    return (reshape(g, shape),)


cdef Tensor _repeat_data(Tensor input, tuple sizes):
    """One copy does it all: the output is viewed with each repeated dim split into
    (repeat, size), and the input broadcast into that view with stride 0 over the repeat
    dims."""
    cdef Py_ssize_t out_shape[PYT_MAX_DIMS]
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t dst_strides[PYT_MAX_DIMS]
    cdef Py_ssize_t src_strides[PYT_MAX_DIMS]
    cdef Py_ssize_t r, s, in_stride, out_stride
    cdef int i, nd, lead, k = 0
    if len(sizes) == 0:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    reps = _int_tuple(sizes[0] if len(sizes) == 1 and not _is_int(sizes[0]) else sizes,
                      "repeat", "repeats", 1, False)
    nd = len(reps)
    if nd < input._ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                           "number of dimensions of tensor")
    if nd > PYT_MAX_DIMS:
        raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions, got {nd}")
    lead = nd - input._ndim
    for i in range(nd):
        s = input._shape[i - lead] if i >= lead else 1
        r = reps[i]
        if r > 0 and s > ((<Py_ssize_t>1) << 62) // r:
            raise RuntimeError(f"Storage size calculation overflowed with sizes="
                               f"{[(input._shape[j - lead] if j >= lead else 1) * reps[j] for j in range(nd)]}")
        out_shape[i] = s * r
    cdef Tensor result = new_empty(nd, out_shape, input._dtype, input._device, False)
    if result._numel == 0:
        return result
    for i in range(nd):
        s = input._shape[i - lead] if i >= lead else 1
        in_stride = input._strides[i - lead] if i >= lead else 0
        out_stride = result._strides[i]
        r = reps[i]
        if r > 1 and s > 1:                          # split into (repeat, size)
            shape[k] = r
            dst_strides[k] = s * out_stride
            src_strides[k] = 0
            k += 1
            shape[k] = s
            dst_strides[k] = out_stride
            src_strides[k] = in_stride
        else:                                        # a plain dim or a plain broadcast
            shape[k] = r * s
            dst_strides[k] = out_stride
            src_strides[k] = in_stride if r == 1 else 0
        k += 1
    copy_into(new_view(result, k, shape, dst_strides, 0),
              new_view(input, k, shape, src_strides, input._offset))
    return result


def tile(Tensor input, dims):
    """input repeated dims[i] times along dim i; missing leading reps count as 1."""
    cdef tuple reps = _int_tuple(dims, "tile", "dims", 2, False)
    if len(reps) < input._ndim:
        reps = (1,) * (input._ndim - len(reps)) + reps
    return _repeat(input, (reps,))


# ----- triangles: tril, triu, their indices, diag_embed ----------------------------

cdef void _zero_outside_triangle(char* data, Py_ssize_t nmat, Py_ssize_t rows,
                                 Py_ssize_t cols, Py_ssize_t itemsize, Py_ssize_t k,
                                 bint lower) noexcept nogil:
    """In each of nmat contiguous rows x cols matrices, zeroes what tril (lower) or triu
    keeps out: the elements above diagonal k (j > i + k), or those below it (j < i + k).
    All-zero bytes are zero in every dtype."""
    cdef Py_ssize_t m, i, first, stop
    cdef Py_ssize_t row_bytes = cols * itemsize
    cdef char* row
    for m in range(nmat):
        for i in range(rows):
            row = data + (m * rows + i) * row_bytes
            if lower:
                first = min(max(i + k + 1, 0), cols)     # first column to zero
                memset(row + first * itemsize, 0, (cols - first) * itemsize)
            else:
                stop = min(max(i + k, 0), cols)          # columns before it are zeroed
                memset(row, 0, stop * itemsize)


cdef Tensor _triangle(Tensor input, object diagonal, object out, bint lower):
    cdef Tensor result
    if not _needs_grad(input):
        return _triangle_data(input, diagonal, out, lower)
    _refuse_out(out, "tril" if lower else "triu")
    with _RECORDING_OFF:
        result = _triangle_data(input, diagonal, None, lower)
    _record("TrilBackward0" if lower else "TriuBackward0", _triangle_backward, (input,),
            (result,)).ctx = (diagonal, lower)
    return result


cdef tuple _triangle_backward(Node node, tuple grads):
    diagonal, lower = node.ctx                       # the kept triangle of the gradient
    return (_triangle(grads[0], diagonal, None, lower),)


cdef Tensor _triangle_(Tensor self, object diagonal, bint lower):
    """tril_ / triu_."""
    if _needs_grad(self):
        _begin_inplace(self)
        return _inplace_result(self, _triangle(clone(self), diagonal, None, lower))
    return copy_(self, _triangle_data(self, diagonal, None, lower))


cdef Tensor _triangle_data(Tensor input, object diagonal, object out, bint lower):
    cdef str fname = "tril" if lower else "triu"
    cdef Py_ssize_t k = _int_arg(diagonal, fname, "diagonal", 2)
    cdef Py_ssize_t rows, cols
    if input._ndim < 2:
        raise RuntimeError(f"{fname}: input tensor must have at least 2 dimensions")
    rows = input._shape[input._ndim - 2]
    cols = input._shape[input._ndim - 1]
    k = min(max(k, -rows), cols)           # beyond the matrix a diagonal changes nothing
    if is_cuda(input):
        return _into_out(_triangle_cuda(input, rows, cols, k, lower), out)
    cdef Tensor result = new_empty(input._ndim, input._shape, input._dtype, _cpu, False)
    copy_into(result, input)
    cdef char* data = result._data
    cdef Py_ssize_t nmat = result._numel // (rows * cols) if result._numel else 0
    cdef Py_ssize_t itemsize = result._dtype.itemsize
    with nogil:
        _zero_outside_triangle(data, nmat, rows, cols, itemsize, k, lower)
    return _into_out(result, out)


cdef Tensor _triangle_cuda(Tensor input, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t k,
                           bint lower):
    """tril / triu of a CUDA tensor from pointwise ops: where(col - row <= k, input, 0)
    (>= k for triu), the comparison of arange()s broadcast over the matrices."""
    import pyt
    r = pyt.arange(rows, device=input.device).unsqueeze(1)
    c = pyt.arange(cols, device=input.device)
    keep = (c - r <= k) if lower else (c - r >= k)
    return _select_where(keep, input, zeros((), dtype=input._dtype, device=input.device))


def tril(Tensor input, diagonal=0, *, out=None):
    """The lower triangle of each matrix in input (the last two dims): elements with
    column <= row + diagonal are kept, the others set to zero."""
    return _triangle(input, diagonal, out, True)


def triu(Tensor input, diagonal=0, *, out=None):
    """The upper triangle of each matrix in input: elements with column >= row + diagonal
    are kept, the others set to zero."""
    return _triangle(input, diagonal, out, False)


cdef Tensor _triangle_indices(object row, object col, object offset, object dtype,
                              object device, bint lower):
    cdef str fname = "tril_indices" if lower else "triu_indices"
    cdef Py_ssize_t r = _int_arg(row, fname, "row", 1)
    cdef Py_ssize_t c = _int_arg(col, fname, "col", 2)
    cdef Py_ssize_t k = _int_arg(offset, fname, "offset", 3)
    cdef DType dt = _dtype_or_default(dtype, _int64)
    _check_device(device)
    if r < 0:
        raise RuntimeError(f"row must be non-negative, got{r}")
    if c < 0:
        raise RuntimeError(f"col must be non-negative, got{c}")
    if dt.code != PYT_INT64 and dt.code != PYT_INT32:
        raise NotImplementedError(f'"{fname}" not implemented for '
                                  f"'{_scalar_type_name(dt)}'")
    # numpy lists the coordinates in the same row-major order as torch
    k = min(max(k, -r), c)
    found = (np.tril_indices if lower else np.triu_indices)(r, k, c)
    return _tensor_from_data(np.stack(found).astype(np.int64).reshape(2, -1), dt)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) coordinates of the lower triangle of a row x col matrix, as a
    2 x N tensor in row-major order."""
    return _triangle_indices(row, col, offset, dtype, device, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) coordinates of the upper triangle of a row x col matrix."""
    return _triangle_indices(row, col, offset, dtype, device, False)


def diag_embed(Tensor input, offset=0, dim1=-2, dim2=-1):
    """Zero matrices (in dims dim1, dim2 of a result with one more dim) whose diagonal
    number offset holds input's last dim."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int nd = input._ndim + 1, i, j = 0
    cdef int a = wrap_dim(dim1, nd), b = wrap_dim(dim2, nd)
    cdef Py_ssize_t k = _int_arg(offset, "diag_embed", "offset", 2)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if nd > PYT_MAX_DIMS:
        raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions")
    for i in range(nd):
        if i == a or i == b:
            shape[i] = input._shape[input._ndim - 1] + (k if k >= 0 else -k)
        else:
            shape[i] = input._shape[j]
            j += 1
    cdef Tensor result = new_empty(nd, shape, input._dtype, input._device, True)
    copy_into(diagonal(result, k, a, b), input)
    if _needs_grad(input):
        _record("DiagEmbedBackward0", _diag_embed_backward, (input,), (result,)).ctx = \
            (k, a, b)
    return result


cdef tuple _diag_embed_backward(Node node, tuple grads):
    k, a, b = node.ctx                                # the gradient's same diagonal
    return (diagonal(grads[0], k, a, b),)
