# Indexing: t[...] and t[...] = v, and the index ops (gather, scatter, take, ...).
#
# Basic indices (ints, slices, None, Ellipsis) only make a view. Everything else is an
# "index plan" (_IndexPlan below) run by one of two executors:
#   1. the plan's index tensors are turned into int64 byte offsets by a pass that checks
#      every index first (index_offsets_loop), so an op never writes before it knows that
#      all its indices are valid;
#   2. a strided iteration over the result moves elements: the indexed tensor advances by
#      its strides with the indexed dims' strides set to 0, plus the offset read for each
#      element. _plan_gather reads through the offsets (in parallel); _plan_scatter writes
#      or accumulates through them, serially, so duplicate indices give deterministic
#      results (the last write wins, sums run in index order).
# The kernels live in index_kernels.pyx; they see only pointers and byte strides.

cdef enum:
    _STORE = -1                 # _plan_scatter mode that stores instead of accumulating

cdef str _OUT_OF_BOUNDS = "index {index} is out of bounds for dimension {dim} with size {size}"


cdef inline bint _is_index_dtype(Tensor t) noexcept:
    return t._dtype.code == PYT_INT64 or t._dtype.code == PYT_INT32


cdef inline bint _is_mask_dtype(Tensor t) noexcept:
    return t._dtype.code == PYT_BOOL or t._dtype.code == PYT_UINT8


cdef inline list _shape_list(Tensor t):
    return [t._shape[i] for i in range(t._ndim)]


cdef Tensor _as_1d(Tensor t):
    """A 0-d tensor as a one-element vector (a view); other tensors as they are."""
    cdef Py_ssize_t one = 1, zero = 0
    if t._ndim > 0:
        return t
    return new_view(t, 1, &one, &zero, t._offset)


cdef Tensor _require_tensor(object x, str what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{what} must be Tensor, not {type(x).__name__}")
    return <Tensor>x


cdef int _check_writable_once(Tensor t) except -1:
    """In-place ops refuse tensors in which several elements share memory (expanded)."""
    if _has_internal_overlap(t):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    return 0


# ----- the GPU side -------------------------------------------------------------------------
# A CUDA tensor runs the same plans on index.cu's twins of the loops (pyt_cuda_index_offsets,
# _gather, _scatter, _accumulate, ...): offsets live on the tensor's device, and CPU index
# tensors are copied there first, as torch accepts them. Scatters with repeated indices are
# not ordered on the GPU (the last write is any of them; sums are atomic), as in torch.

cdef Tensor _on_device(Tensor t, object dev):
    """t on device dev (itself when it is there already)."""
    cdef Tensor r
    if t._device is dev or t._device == dev:
        return t
    r = new_empty(t._ndim, t._shape, t._dtype, dev, False)
    copy_into(r, t)
    return r


cdef Tensor _index_on_device_of(Tensor index, Tensor base):
    """index where base's data is: a CPU index goes to base's GPU; a GPU index with a CPU
    (or another GPU's) tensor is torch's error."""
    if index._device is base._device or index._device == base._device:
        return index
    if index._device is _cpu:
        return _on_device(index, base._device)
    raise RuntimeError(f"indices should be either on cpu or on the same device as the "
                       f"indexed tensor ({base._device})")


cdef object _scalar_of(Tensor t):
    """The value of a one-element tensor, read where it lives."""
    if is_cuda(t):
        return item(t)
    return _read_element(t._data, t._dtype.code)


cdef int _plan_cuda_iter(pyt_cuda_iter* it, _IndexPlan p, Tensor other, bint gather) except -1:
    """The plan as a pyt_cuda_iter: [out, base, offsets] for a gather (other: the
    contiguous result), [base, values, offsets] for a scatter (other: the values,
    broadcast to the plan's shape)."""
    cdef int64_t shape[PYT_MAX_DIMS]
    cdef int64_t strides[3 * PYT_MAX_DIMS]
    cdef Py_ssize_t ostrides[PYT_MAX_DIMS]
    cdef char* base[3]
    cdef int i, nd = p.ndim, itemsize = p.base._dtype.itemsize
    cdef int kb = 1 if gather else 0, ko = 0 if gather else 1
    if gather:
        for i in range(nd):
            ostrides[i] = other._strides[i] * itemsize
    else:
        _operand_strides(other, nd, p.shape, ostrides)
    for i in range(nd):
        shape[i] = p.shape[i]
        strides[kb * nd + i] = p.strides[i] * itemsize
        strides[ko * nd + i] = ostrides[i]
        strides[2 * nd + i] = p.offset_strides[i]
    base[kb] = p.base._data
    base[ko] = other._data
    base[2] = p.offsets._data
    if pyt_cuda_iter_init(it, 3, nd, shape, base, NULL, strides) != 0:
        raise RuntimeError(f"pyt: a CUDA index op over {nd} dimensions that do not merge "
                           f"below {PYT_CUDA_MAX_DIMS}")
    return 0


cdef int _index_to_offsets_cuda(Tensor offsets, Tensor index, Py_ssize_t size,
                                Py_ssize_t stride, bint wrap, bint add, object exc,
                                str message, int dim) except -1:
    cdef pyt_cuda_iter it
    cdef int64_t bad = 0
    cdef int rc, isz
    if offsets._numel == 0:
        return 0
    index = _index_on_device_of(index, offsets)
    isz = index._dtype.itemsize
    cuda_iter(&it, offsets, index, None, None)
    with nogil:
        rc = pyt_cuda_index_offsets(&it, size, stride, isz, wrap, add, &bad)
    if rc == PYT_CUDA_ERR_INDEX:
        raise exc(message.format(index=bad, dim=dim, size=size))
    cuda_check(rc, "index")
    return 0


cdef Tensor _contiguous_as(Tensor t, int ndim, const Py_ssize_t* shape):
    """t broadcast to shape, as a contiguous tensor."""
    if not _has_shape(t, ndim, shape):
        t = expand(t, *[shape[i] for i in range(ndim)])
    return contiguous(t)


cdef Tensor _nonzero_cuda(Tensor x):
    """nonzero() of a CUDA tensor of >= 1 dims: (count, ndim) int64 on its device."""
    cdef Py_ssize_t shape[2]
    cdef int64_t count = 0
    cdef int rc, nd = x._ndim, isz = x._dtype.itemsize
    cdef bint is_float = x._dtype.is_floating_point
    cdef Tensor result
    x = contiguous(x)
    cdef const char* data = x._data
    with nogil:
        rc = pyt_cuda_count_nonzero(data, x._numel, isz, is_float, &count)
    cuda_check(rc, "nonzero")
    shape[0] = count
    shape[1] = nd
    result = new_empty(2, shape, _int64, x._device, False)
    if count > 0:
        with nogil:
            rc = pyt_cuda_nonzero(data, nd, <const int64_t*>x._shape, isz, is_float,
                                  <int64_t*>result._data, count)
        cuda_check(rc, "nonzero")
    return result


cdef tuple _mask_coordinates(Tensor t, Tensor mask):
    """For the masked ops on the GPU: t as a tensor of >= 1 dims (a view) and the index
    vectors of the positions where mask (broadcast to t's shape, on t's device) is True."""
    cdef Tensor m = _contiguous_as(_index_on_device_of(mask, t), t._ndim, t._shape)
    cdef Tensor coords
    t = _as_1d(t)
    coords = _nonzero_cuda(_as_1d(m))
    return t, [select(coords, 1, j) for j in range(t._ndim)]


# ----- iteration and broadcasting helpers ---------------------------------------------

cdef int _iterate(int nops, int ndim, const Py_ssize_t* shape, char** base,
                  const Py_ssize_t* strides, pyt_inner_loop fn, void* ctx,
                  bint parallel) except -1:
    """Runs fn over nops strided operands (strides: nops rows of ndim byte strides)."""
    cdef pyt_iter it
    cdef Py_ssize_t numel
    cdef int nthreads = num_threads() if parallel else 1
    with nogil:
        numel = pyt_iter_init(&it, nops, ndim, shape, base, strides)
        if numel > 0:
            pyt_iter_run(&it, numel, fn, ctx, nthreads, PYT_GRAIN_SIZE)
    return 0


cdef int _iterate_in_order(int nops, int ndim, const Py_ssize_t* shape, char** base,
                           const Py_ssize_t* strides, pyt_inner_loop fn, void* ctx) except -1:
    """Runs fn over the operands in row-major order, one thread, no cache tiles: for loops
    that move a cursor (masked_select, masked_scatter), where order is the result."""
    cdef pyt_iter it
    cdef Py_ssize_t numel
    with nogil:
        numel = pyt_iter_init(&it, nops, ndim, shape, base, strides)
        pyt_iter_range(&it, 0, numel, fn, ctx)
    return 0


cdef int _operand_strides(Tensor t, int ndim, const Py_ssize_t* shape, Py_ssize_t* out) except -1:
    """t's byte strides when broadcast to shape."""
    cdef int i
    _broadcast_strides_to(t, ndim, shape, out)
    for i in range(ndim):
        out[i] *= t._dtype.itemsize
    return 0


cdef int _broadcast_with(int nd, Py_ssize_t* shape, Tensor t) except -1:
    """Broadcasts shape (nd dims, room for PYT_MAX_DIMS) with t's shape in place; returns
    the new ndim. The error names shape as tensor a and t as tensor b, as torch does."""
    cdef int i, out_nd = nd if nd > t._ndim else t._ndim
    cdef int ia, it
    cdef Py_ssize_t sa, st
    for i in range(out_nd - 1, -1, -1):              # right-aligned, so fill from the end
        ia = i - (out_nd - nd)
        it = i - (out_nd - t._ndim)
        sa = shape[ia] if ia >= 0 else 1
        st = t._shape[it] if it >= 0 else 1
        if sa != st and sa != 1 and st != 1:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b "
                               f"({st}) at non-singleton dimension {i}")
        shape[i] = st if sa == 1 else sa
    return out_nd


cdef bint _has_shape(Tensor t, int nd, const Py_ssize_t* shape) noexcept:
    cdef int i
    if t._ndim != nd:
        return False
    for i in range(nd):
        if t._shape[i] != shape[i]:
            return False
    return True


cdef int _check_broadcasts_into(Tensor t, Tensor other) except -1:
    """other must broadcast to t's shape without growing it (in-place ops)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int i, nd = _broadcast_shape(t, other, shape)
    if not _has_shape(t, nd, shape):
        raise RuntimeError(f"output with shape {_shape_list(t)} doesn't match the broadcast "
                           f"shape {[shape[i] for i in range(nd)]}")
    return 0


cdef Py_ssize_t _count_nonzero(Tensor t, int ndim, const Py_ssize_t* shape) except -1:
    """The number of nonzero elements of t broadcast to shape."""
    cdef Masked ctx
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef char* base[1]
    cdef int64_t count = 0
    cdef int rc, isz = t._dtype.itemsize
    cdef bint is_float = t._dtype.is_floating_point
    if is_cuda(t):
        t = _contiguous_as(t, ndim, shape)
        with nogil:
            rc = pyt_cuda_count_nonzero(t._data, t._numel, isz, is_float, &count)
        cuda_check(rc, "count_nonzero")
        return count
    ctx.itemsize = t._dtype.itemsize
    ctx.is_float = t._dtype.is_floating_point
    ctx.count = 0
    _operand_strides(t, ndim, shape, strides)
    base[0] = t._data
    _iterate(1, ndim, shape, base, strides, count_nonzero_loop, &ctx, False)
    return ctx.count


# ----- index -> offset passes -------------------------------------------------------------

cdef int _index_to_offsets(Tensor offsets, Tensor index, Py_ssize_t size, Py_ssize_t stride,
                           bint wrap, bint add, object exc, str message, int dim) except -1:
    """offsets (+)= index * stride (bytes), index broadcast to offsets' shape, after checking
    that every index lies in [0, size) (or [-size, size) with wrap). A bad index raises
    exc(message) naming the first one."""
    cdef IndexOffsets ctx
    cdef Py_ssize_t strides[2 * PYT_MAX_DIMS]
    cdef char* base[2]
    cdef int i, nd = offsets._ndim
    if is_cuda(offsets):
        return _index_to_offsets_cuda(offsets, index, size, stride, wrap, add, exc, message,
                                      dim)
    if is_cuda(index):
        _index_on_device_of(index, offsets)             # torch's error
    ctx.size = size
    ctx.stride = stride
    ctx.index_itemsize = index._dtype.itemsize
    ctx.wrap = wrap
    ctx.add = add
    ctx.bad = 0
    ctx.bad_value = 0
    for i in range(nd):
        strides[i] = offsets._strides[i] * 8
    _operand_strides(index, nd, offsets._shape, strides + nd)
    base[0] = offsets._data
    base[1] = index._data
    _iterate(2, nd, offsets._shape, base, strides, index_offsets_loop, &ctx, True)
    if ctx.bad:
        ctx.bad = 0                                    # rerun serially: name the first one
        _iterate(2, nd, offsets._shape, base, strides, index_offsets_loop, &ctx, False)
        raise exc(message.format(index=ctx.bad_value, dim=dim, size=size))
    return 0


cdef Tensor _linear_to_offsets(Tensor t, Tensor index, object exc, str message):
    """Byte offsets into t of linear (row-major, negatives wrap) indices, index's shape."""
    cdef LinearOffsets ctx
    cdef Tensor offsets = new_empty(index._ndim, index._shape, _int64, t._device, False)
    cdef Py_ssize_t strides[2 * PYT_MAX_DIMS]
    cdef char* base[2]
    cdef int i, nd = index._ndim
    cdef pyt_cuda_iter it
    cdef int64_t cshape[PYT_MAX_DIMS]
    cdef int64_t cstrides[PYT_MAX_DIMS]
    cdef int64_t bad = 0
    cdef int rc
    index = _index_on_device_of(index, t)
    if is_cuda(t):
        if offsets._numel == 0:
            return offsets
        for i in range(t._ndim):
            cshape[i] = t._shape[i]
            cstrides[i] = t._strides[i] * t._dtype.itemsize
        cuda_iter(&it, offsets, index, None, None)
        with nogil:
            rc = pyt_cuda_linear_offsets(&it, t._ndim, cshape, cstrides, t._numel, &bad)
        if rc == PYT_CUDA_ERR_INDEX:
            raise exc(message.format(index=bad, size=t._numel))
        cuda_check(rc, "take")
        return offsets
    ctx.ndim = t._ndim
    ctx.numel = t._numel
    for i in range(t._ndim):
        ctx.shape[i] = t._shape[i]
        ctx.strides[i] = t._strides[i] * t._dtype.itemsize
    ctx.bad = 0
    ctx.bad_value = 0
    for i in range(nd):
        strides[i] = offsets._strides[i] * 8
        strides[nd + i] = index._strides[i] * 8
    base[0] = offsets._data
    base[1] = index._data
    _iterate(2, nd, index._shape, base, strides, linear_offsets_loop, &ctx, True)
    if ctx.bad:
        ctx.bad = 0
        _iterate(2, nd, index._shape, base, strides, linear_offsets_loop, &ctx, False)
        raise exc(message.format(index=ctx.bad_value, size=t._numel))
    return offsets


# ----- index plans -------------------------------------------------------------------------

cdef class _IndexPlan:
    """How an index op walks memory: an iteration over `shape` in which `base` moves by
    `strides` (elements; 0 along indexed dims) and each element adds the byte offset read
    from `offsets`, which moves by `offset_strides` (bytes; 0 along non-indexed dims)."""
    cdef Tensor base
    cdef Tensor offsets
    cdef int ndim
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t offset_strides[PYT_MAX_DIMS]

    cdef int add_dim(self, Py_ssize_t size, Py_ssize_t stride, Py_ssize_t offset_stride) except -1:
        if self.ndim >= PYT_MAX_DIMS:
            raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions")
        self.shape[self.ndim] = size
        self.strides[self.ndim] = stride
        self.offset_strides[self.ndim] = offset_stride
        self.ndim += 1
        return 0


cdef int _broadcast_index_shapes(list indices, Py_ssize_t* out) except -1:
    """The shape all index tensors broadcast to (IndexError like torch's otherwise)."""
    cdef int nd = 0, i, j
    cdef Tensor t
    cdef Py_ssize_t s
    for t in indices:
        nd = max(nd, t._ndim)
    if nd > PYT_MAX_DIMS:
        raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions")
    for i in range(nd):
        out[i] = 1
    for t in indices:
        for j in range(t._ndim):
            i = nd - t._ndim + j
            s = t._shape[j]
            if s != out[i] and s != 1 and out[i] != 1:
                raise IndexError("shape mismatch: indexing tensors could not be broadcast "
                                 "together with shapes " +
                                 ", ".join([str(_shape_list(x)) for x in indices]))
            if s != 1:
                out[i] = s
    return nd


cdef _IndexPlan _plan_indices(Tensor base, list positions, list indices, bint wrap,
                              object exc, str message, int report_dim):
    """The plan of advanced indexing: indices[k] (int32/int64, broadcast together) indexes
    dim positions[k] of base. The broadcast index dims replace the indexed dims where
    these are adjacent, and come first otherwise (torch's and NumPy's rule). Errors name
    report_dim, or the index's ordinal when it is -1 (as torch's advanced indexing does)."""
    cdef _IndexPlan p = _IndexPlan.__new__(_IndexPlan)
    cdef Py_ssize_t bshape[PYT_MAX_DIMS]
    cdef int bnd = _broadcast_index_shapes(indices, bshape)
    cdef Tensor offsets = new_empty(bnd, bshape, _int64, base._device, False)
    cdef Tensor index
    cdef int n = len(indices), k, j, pos, first, last
    cdef Py_ssize_t itemsize = base._dtype.itemsize
    cdef bint adjacent
    for k in range(n):
        pos = positions[k]
        index = indices[k]
        if base._shape[pos] == 0 and index._numel > 0 and report_dim < 0:
            raise IndexError("index is out of bounds for dimension with size 0")
        _index_to_offsets(offsets, index, base._shape[pos], base._strides[pos] * itemsize,
                          wrap, k > 0, exc, message, k if report_dim < 0 else report_dim)
    p.base = base
    p.offsets = offsets
    p.ndim = 0
    first = positions[0]
    last = positions[n - 1]
    adjacent = last - first == n - 1
    if adjacent:
        for j in range(first):
            p.add_dim(base._shape[j], base._strides[j], 0)
    for j in range(bnd):
        p.add_dim(bshape[j], 0, offsets._strides[j] * 8)
    for j in range(last + 1 if adjacent else 0, base._ndim):
        if adjacent or j not in positions:
            p.add_dim(base._shape[j], base._strides[j], 0)
    return p


cdef _IndexPlan _plan_along_dim(Tensor base, int dim, Tensor index, object exc, str message):
    """The plan of gather / scatter: element i of index (any shape) picks base's element
    at the same position, except along dim, where it picks index[i]."""
    cdef _IndexPlan p = _IndexPlan.__new__(_IndexPlan)
    cdef Tensor offsets = new_empty(index._ndim, index._shape, _int64, base._device, False)
    cdef Py_ssize_t size = base._shape[dim] if base._ndim else 1
    cdef Py_ssize_t stride = base._strides[dim] if base._ndim else 0
    cdef int i
    _index_to_offsets(offsets, index, size, stride * base._dtype.itemsize, False, False,
                      exc, message, dim)
    p.base = base
    p.offsets = offsets
    p.ndim = 0
    for i in range(index._ndim):
        p.add_dim(index._shape[i], 0 if i == dim else base._strides[i], offsets._strides[i] * 8)
    return p


cdef _IndexPlan _plan_linear(Tensor base, Tensor index, object exc, str message):
    """The plan of take / put: index (any shape) holds linear indices into base."""
    cdef _IndexPlan p = _IndexPlan.__new__(_IndexPlan)
    cdef int i
    p.base = base
    p.offsets = _linear_to_offsets(base, index, exc, message)
    p.ndim = 0
    for i in range(index._ndim):
        p.add_dim(index._shape[i], 0, p.offsets._strides[i] * 8)
    return p


cdef Tensor _plan_gather(_IndexPlan p):
    """A new contiguous tensor of the plan's shape read through the plan."""
    cdef Tensor out = new_empty(p.ndim, p.shape, p.base._dtype, p.base._device, False)
    cdef Py_ssize_t strides[3 * PYT_MAX_DIMS]
    cdef char* base[3]
    cdef int i, nd = p.ndim, itemsize = p.base._dtype.itemsize, rc
    cdef pyt_cuda_iter it
    if is_cuda(out):
        if out._numel > 0:
            _plan_cuda_iter(&it, p, out, True)
            with nogil:
                rc = pyt_cuda_gather(&it, itemsize)
            cuda_check(rc, "index")
        return out
    for i in range(nd):
        strides[i] = out._strides[i] * itemsize
        strides[nd + i] = p.strides[i] * itemsize
        strides[2 * nd + i] = p.offset_strides[i]
    base[0] = out._data
    base[1] = p.base._data
    base[2] = p.offsets._data
    _iterate(3, nd, p.shape, base, strides, gather_loop, &itemsize, True)
    return out


cdef int _plan_scatter(_IndexPlan p, Tensor values, int mode, object alpha) except -1:
    """Writes values (base's dtype, broadcastable to the plan's shape) through the plan:
    stores them (_STORE) or accumulates (ACC_ADD: += alpha * v, ACC_MULTIPLY: *= v)."""
    cdef Py_ssize_t strides[3 * PYT_MAX_DIMS]
    cdef char* base[3]
    cdef int i, nd = p.ndim, itemsize = p.base._dtype.itemsize
    cdef Accumulate acc
    cdef void* ctx = &itemsize
    cdef pyt_inner_loop fn = scatter_loop
    if is_cuda(p.base) or is_cuda(values):
        return _plan_scatter_cuda(p, values, mode, alpha)
    if values._storage is p.base._storage:
        values = clone(values)                   # the writes would change what they read
    for i in range(nd):
        strides[i] = p.strides[i] * itemsize
        strides[2 * nd + i] = p.offset_strides[i]
    _operand_strides(values, nd, p.shape, strides + nd)
    if mode != _STORE:
        acc.code = p.base._dtype.code
        acc.mode = mode
        acc.alpha_f = float(alpha)
        acc.alpha_i = int(alpha)
        ctx = &acc
        fn = accumulate_loop
    base[0] = p.base._data
    base[1] = values._data
    base[2] = p.offsets._data
    _iterate(3, nd, p.shape, base, strides, fn, ctx, False)
    p.base._storage.version += 1
    return 0


cdef int _plan_scatter_cuda(_IndexPlan p, Tensor values, int mode, object alpha) except -1:
    cdef pyt_cuda_iter it
    cdef int rc, itemsize = p.base._dtype.itemsize, code = p.base._dtype.code
    cdef double alpha_f = 0
    cdef int64_t alpha_i = 0
    if values._device is _cpu and values._ndim == 0:
        values = _on_device(values, p.base._device)      # a number travels as a 0-d tensor
    common_device((p.base, values))
    if values._storage is p.base._storage:
        values = clone(values)                   # the writes would change what they read
    if mode != _STORE:
        alpha_f = float(alpha)
        alpha_i = int(alpha)
    p.base._storage.version += 1
    if p.base._numel == 0 or p.offsets._numel == 0:
        return 0
    _plan_cuda_iter(&it, p, values, False)
    with nogil:
        if mode == _STORE:
            rc = pyt_cuda_scatter(&it, itemsize)
        else:
            rc = pyt_cuda_accumulate(&it, code, 0 if mode == ACC_ADD else 1, alpha_f, alpha_i)
    cuda_check(rc, "index_put_" if mode == _STORE else "index_add_")
    return 0


# ----- t[index]: parsing ----------------------------------------------------------------------

cdef tuple _index_tuple(object index):
    """The items of an index. Like torch (and old NumPy), a short list holding sequences,
    slices, None or Ellipsis means a tuple (deprecated); any other list is one index."""
    if isinstance(index, tuple):
        return index
    if isinstance(index, list) and len(<list>index) < 32:
        for x in <list>index:
            if (x is None or x is Ellipsis or isinstance(x, (Tensor, slice, list, tuple, range,
                                                             np.ndarray))):
                import warnings
                warnings.warn("Using a non-tuple sequence for multidimensional indexing is "
                              "deprecated; use x[tuple(seq)] instead of x[seq].",
                              UserWarning)
                return tuple(index)
    return (index,)


cdef Tensor _index_tensor_from_data(object data):
    """A list or array index as a tensor: bool stays a mask (uint8 arrays too, as torch),
    anything else becomes int64 positions (floats truncated, as torch does)."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        a = data
    else:
        a = _python_data_to_numpy(data if not isinstance(data, np.ndarray) else data.tolist())
    if a.dtype.kind != "b" and a.dtype != np.uint8:
        a = a.astype(np.int64)
    return _tensor_from_data(a, None)


cdef object _index_item(object item, bint tensors_stay):
    """One item of an index in the forms _apply_index walks: None, Ellipsis, slice, a Python
    bool, an int, or an index tensor (int32/int64 positions, bool/uint8 mask). 0-d integer
    tensors act as ints and 0-d masks as bools, unless tensors_stay (index_put_)."""
    cdef Tensor t
    if item is None or item is Ellipsis or isinstance(item, (slice, bool, int)):
        return item
    if isinstance(item, Tensor):
        t = item
        if t._ndim == 0:
            if _is_mask_dtype(t):
                return _scalar_of(t) != 0
            if not tensors_stay and is_integral(t._dtype, False):
                return int(_scalar_of(t))
        if not (_is_index_dtype(t) or _is_mask_dtype(t)):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if t._dtype.code == PYT_UINT8:
            import warnings
            warnings.warn("indexing with dtype pyt.uint8 is now deprecated, please use a "
                          "dtype pyt.bool instead.", UserWarning)
        return t
    if isinstance(item, np.integer):
        return int(item)
    if isinstance(item, (list, tuple, range, np.ndarray)):
        return _index_item(_index_tensor_from_data(item), tensors_stay)
    name = type(item).__name__ if type(item).__module__ == "builtins" else \
        f"{type(item).__module__}.{type(item).__name__}"
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {name})")


cdef inline int _dims_consumed(object item) noexcept:
    """How many dims of the indexed tensor an item of _index_item's forms uses up."""
    if isinstance(item, Tensor):
        return (<Tensor>item)._ndim if _is_mask_dtype(<Tensor>item) else 1
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    return 1                                            # int or slice


cdef Tensor _apply_index(Tensor t, tuple index, list entries, bint tensors_stay=False):
    """The view of t selected by the basic items of index (ints, slices, None, Ellipsis).
    Each advanced item (index tensor, mask, bool) keeps its dims in the view and is added
    to entries as (its first dim in the view, tensor); a Python bool adds a dim of size 1
    indexed by [0] (True) or [] (False), as torch does."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t offset = t._offset, size, i_val, start, stop, step, n
    cdef int nd = 0, d = 0, consumed = 0, ellipses = 0, kept, i
    cdef list items = [_index_item(x, tensors_stay) for x in index]
    for item_ in items:
        consumed += _dims_consumed(item_)
        ellipses += item_ is Ellipsis
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > t._ndim:
        raise IndexError(f"too many indices for tensor of dimension {t._ndim}")
    for item_ in items:
        # dims of t this item keeps in the view (new ones for None and bools)
        if item_ is Ellipsis:
            kept = t._ndim - consumed
        elif isinstance(item_, Tensor) or isinstance(item_, slice):
            kept = _dims_consumed(item_)
        else:
            kept = item_ is None or isinstance(item_, bool)
        if nd + kept > PYT_MAX_DIMS:
            raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions")
        if item_ is None or isinstance(item_, bool):
            sizes[nd] = 1
            strides[nd] = 0
            if item_ is not None:
                n = 1 if item_ else 0
                entries.append((nd, new_empty(1, &n, _int64, _cpu, True)))  # [0] or []
            nd += 1
        elif isinstance(item_, slice):
            size = t._shape[d]
            step = 1 if item_.step is None else item_.step.__index__()
            if step <= 0:
                if step == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(item_.start, item_.stop, step).indices(size)
            offset += start * t._strides[d]
            sizes[nd] = (stop - start + step - 1) // step if stop > start else 0
            strides[nd] = t._strides[d] * step
            nd += 1
            d += 1
        elif isinstance(item_, int):
            size = t._shape[d]
            try:
                i_val = item_
            except OverflowError:
                raise ValueError("Overflow when unpacking long long") from None
            if i_val < -size or i_val >= size:
                raise IndexError(f"index {i_val} is out of bounds for dimension {nd} with size {size}")
            offset += (i_val + size if i_val < 0 else i_val) * t._strides[d]
            d += 1
        else:                                       # Ellipsis or an index tensor: keep dims
            if item_ is not Ellipsis:
                entries.append((nd, item_))
            for i in range(kept):
                sizes[nd] = t._shape[d]
                strides[nd] = t._strides[d]
                nd += 1
                d += 1
    while d < t._ndim:
        sizes[nd] = t._shape[d]
        strides[nd] = t._strides[d]
        nd += 1
        d += 1
    return new_view(t, nd, sizes, strides, offset)


cdef Tensor _select_int(Tensor t, Py_ssize_t i):
    """t[i] for an int i: the fast path of the commonest index."""
    cdef Py_ssize_t size = t._shape[0]
    if i < -size or i >= size:
        raise IndexError(f"index {i} is out of bounds for dimension 0 with size {size}")
    if i < 0:
        i += size
    return new_view(t, t._ndim - 1, t._shape + 1, t._strides + 1, t._offset + i * t._strides[0])


cdef int _positions_and_indices(Tensor view, list entries, list positions, list indices) except -1:
    """Expands the entries of _apply_index into one int index tensor per indexed dim of
    view: a k-dim mask becomes the k columns of its nonzero() coordinates."""
    cdef Tensor t, coords
    cdef int pos, j
    for pos, t in entries:
        if not _is_mask_dtype(t):
            positions.append(pos)
            indices.append(t)
            continue
        for j in range(t._ndim):
            if t._shape[j] != view._shape[pos + j]:
                raise IndexError(f"The shape of the mask {_shape_list(t)} at index {j} does not "
                                 f"match the shape of the indexed tensor {_shape_list(view)} "
                                 f"at index {pos + j}")
        coords = nonzero(t)
        for j in range(t._ndim):
            positions.append(pos + j)
            indices.append(select(coords, 1, j))
    return 0


cdef bint _is_whole_mask(Tensor view, list entries):
    """True when the index is one bool mask covering every dim of view (t[mask])."""
    if len(entries) != 1:
        return False
    pos, t = entries[0]
    return (pos == 0 and (<Tensor>t)._dtype.code == PYT_BOOL and
            _has_shape(view, (<Tensor>t)._ndim, (<Tensor>t)._shape))


# ----- t[index] and t[index] = value -----------------------------------------------------

cdef object _getitem(Tensor self, object index):
    cdef list entries = []
    cdef list positions, indices
    cdef Tensor view
    if type(index) is int:
        if self._ndim > 0:
            try:
                return _select_int(self, index)
            except OverflowError:
                raise ValueError("Overflow when unpacking long long") from None
        if index == 0:                                  # torch's messages for scalar[i]
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python "
                             "or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"index {index} is out of bounds for dimension 0 with size 0")
    view = _apply_index(self, _index_tuple(index), entries)
    if not entries:
        return view
    if _is_whole_mask(view, entries):            # a CPU mask may index a GPU tensor
        return masked_select(view, _index_on_device_of(entries[0][1], view))
    positions, indices = [], []
    _positions_and_indices(view, entries, positions, indices)
    return _plan_gather(_plan_indices(view, positions, indices, True, IndexError,
                                      _OUT_OF_BOUNDS, -1))


cdef int _setitem(Tensor self, object index, object value) except -1:
    cdef list entries = []
    cdef Tensor view = _apply_index(self, _index_tuple(index), entries)
    cdef Tensor values = _as_tensor_arg(value, self)
    if not entries:
        copy_into(view, values)
        self._storage.version += 1
        return 0
    if values._dtype is not self._dtype:
        values = _to_dtype(values, self._dtype, False)
    if is_cuda(self) and values._device is not self._device:
        values = _on_device(values, self._device)    # t[index] = a CPU tensor, as torch
    if values._ndim == 0 and _is_whole_mask(view, entries) and not _has_internal_overlap(view):
        _masked_fill_into(view, entries[0][1], values)   # t[mask] = scalar
        return 0
    values = _strip_leading_ones(values)
    _index_put_entries(view, entries, values, False)
    return 0


cdef Tensor _strip_leading_ones(Tensor t):
    """t without its leading size-1 dims (t[i] = v accepts v of shape (1, 1, n) for (n,))."""
    cdef int lead = 0
    while lead < t._ndim and t._shape[lead] == 1:
        lead += 1
    if lead == 0:
        return t
    return new_view(t, t._ndim - lead, t._shape + lead, t._strides + lead, t._offset)


cdef int _index_put_entries(Tensor view, list entries, Tensor values, bint accumulate) except -1:
    """view[entries] = values (or += with accumulate): the advanced setitem / index_put_."""
    cdef list positions = [], indices = []
    cdef _IndexPlan p
    cdef int i, lead
    _positions_and_indices(view, entries, positions, indices)
    p = _plan_indices(view, positions, indices, True, IndexError, _OUT_OF_BOUNDS, -1)
    lead = p.ndim - values._ndim
    for i in range(values._ndim):
        if lead < 0 or (values._shape[i] != 1 and values._shape[i] != p.shape[lead + i]):
            raise RuntimeError(f"shape mismatch: value tensor of shape {_shape_list(values)} "
                               f"cannot be broadcast to indexing result of shape "
                               f"{[p.shape[j] for j in range(p.ndim)]}")
    if _has_internal_overlap(view):
        import warnings
        warnings.warn("Use of index_put_ on expanded tensors is deprecated. Please clone() the "
                      "tensor before performing this operation. This also applies to advanced "
                      "indexing e.g. tensor[indices] = tensor", UserWarning)
    _plan_scatter(p, values, ACC_ADD if accumulate else _STORE, 1)
    return 0


cdef Tensor _index_put_(Tensor self, indices, values, accumulate):
    """self[indices] = values in place (+= with accumulate=True), recorded."""
    if _wants_grad((self, values)):
        _begin_inplace(self)
        return _inplace_result(self, _index_put(clone(self), indices, values, accumulate))
    return _index_put_into(self, indices, values, accumulate)


cdef Tensor _index_put(Tensor input, indices, values, accumulate):
    """A copy of input with input[indices] = values (+= with accumulate=True), recorded
    (IndexPutBackward0) when input or values requires grad."""
    cdef Tensor result
    cdef Node node
    if not _wants_grad((input, values)):
        return _index_put_into(clone(input), indices, values, accumulate)
    with _RECORDING_OFF:
        result = _index_put_into(clone(input), indices, values, accumulate)
    node = _record("IndexPutBackward0", _index_put_backward, (input, values), (result,))
    node.ctx = (bool(accumulate), _meta(values))
    node.save(*indices)
    return result


cdef tuple _index_put_backward(Node node, tuple grads):
    """input: the gradient, except where values replaced it; values: the gradient read at
    the indices (summed over values' broadcast dims)."""
    accumulate, values_meta = node.ctx
    cdef Tensor g = grads[0]
    indices = node.saved_values()
    grad_input = grad_values = None
    if _wants_input_grad(node, 0):
        grad_input = g if accumulate else \
            _index_put(g, indices, zeros((), dtype=g._dtype, device=g._device), False)
    if _wants_input_grad(node, 1):
        grad_values = _grad_as(_getitem_tracked(g, indices), values_meta)
    return (grad_input, grad_values)


cdef Tensor _index_put_into(Tensor self, indices, values, accumulate):
    """self[indices] = values (+= with accumulate=True, summing duplicate indices)."""
    cdef list entries = []
    cdef Tensor view, v
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put_(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if len(indices) == 0:
        raise RuntimeError("index_put_(): expected at least one index tensor")
    if len(indices) > self._ndim:
        raise IndexError(f"too many indices for tensor of dimension {self._ndim} "
                         f"(got {len(indices)})")
    v = _require_tensor(values, "index_put_(): argument 'values' (position 2)")
    if v._dtype is not self._dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_scalar_type_name(self._dtype)} for the destination and "
                           f"{_scalar_type_name(v._dtype)} for the source.")
    view = _apply_index(self, tuple(indices), entries, True)
    _index_put_entries(view, entries, v, bool(accumulate))
    return self


def index_put_(Tensor input, indices, values, accumulate=False):
    """input[indices] = values in place (+= with accumulate=True)."""
    return _index_put_(input, indices, values, accumulate)


def index_put(Tensor input, indices, values, accumulate=False):
    """A copy of input with input[indices] = values (+= with accumulate=True)."""
    return _index_put(input, indices, values, accumulate)


# ----- index_select, index_add_, index_copy_, index_fill_ ---------------------------------------

cdef _IndexPlan _plan_one_dim(Tensor self, int d, Tensor index, bint wrap, object exc, str message):
    """The plan of self indexed along dim d by a vector (or 0-d) index: the shape of self
    with dim d replaced by the index's length. A 0-d self counts as a one-element vector."""
    return _plan_indices(_as_1d(self), [d], [_as_1d(index)], wrap, exc, message, d)


def index_select(Tensor input, dim, index, *, out=None):
    """The entries of input at the positions index (a vector) along dim."""
    cdef Tensor result
    cdef Node node
    if not _needs_grad(input):
        return _into_out(_index_select(input, dim, index), out)
    _refuse_out(out, "index_select")
    result = _index_select(input, dim, index)
    node = _record("IndexSelectBackward0", _index_select_backward, (input,), (result,))
    node.ctx = (wrap_dim(dim, input._ndim), _meta(input))
    node.save(index)
    return result


cdef tuple _index_select_backward(Node node, tuple grads):
    d, (shape, dt) = node.ctx                 # each picked slice adds back where it came from
    index, = node.saved_values()
    return (_index_add(zeros(shape, dtype=dt, device=grads[0].device), d, index,
                        grads[0], 1),)


cdef Tensor _index_select(Tensor input, dim, index):
    cdef Tensor idx = _require_tensor(index, "index_select(): argument 'index' (position 3)")
    cdef int d = wrap_dim(dim, input._ndim)
    cdef Tensor result
    if idx._ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if not _is_index_dtype(idx):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if input._ndim == 0 and idx._numel != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{idx._numel} value(s)")
    result = _plan_gather(_plan_one_dim(input, d, idx, False, IndexError,
                                        "index out of range in self"))
    if input._ndim == 0:
        result = new_view(result, 0, NULL, NULL, result._offset)
    return result


cdef int _check_index_source(Tensor self, int d, Tensor idx, Tensor source, str op) except -1:
    """source must be self's shape with dim d holding one slice per index."""
    cdef int i
    cdef Py_ssize_t n = source._shape[d] if source._ndim else 1
    if source._ndim != self._ndim:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {_shape_list(self)} "
                           f"source.shape = {_shape_list(source)}")
    if idx._numel != n:
        raise RuntimeError(f"{op}(): Number of indices ({idx._numel}) should be equal to "
                           f"source.size(dim): ({n}), for dim: {d}")
    for i in range(self._ndim):
        if i != d and self._shape[i] != source._shape[i]:
            raise RuntimeError(f"source tensor shape must match self tensor shape, excluding "
                               f"the specified dimension. Got self.shape = {_shape_list(self)} "
                               f"source.shape = {_shape_list(source)}")
    return 0


cdef Tensor _index_add_(Tensor self, dim, index, source, alpha):
    """index_add_, recorded."""
    if _wants_grad((self, source)):
        _begin_inplace(self)
        return _inplace_result(self, _index_add(clone(self), dim, index, source, alpha))
    return _index_add_into(self, dim, index, source, alpha)


cdef Tensor _index_add(Tensor input, dim, index, source, alpha):
    """A copy of input with alpha * source added at index along dim, recorded
    (IndexAddBackward0)."""
    cdef Tensor result
    cdef Node node
    if not _wants_grad((input, source)):
        return _index_add_into(clone(input), dim, index, source, alpha)
    with _RECORDING_OFF:
        result = _index_add_into(clone(input), dim, index, source, alpha)
    node = _record("IndexAddBackward0", _index_add_backward, (input, source), (result,))
    node.ctx = (wrap_dim(dim, input._ndim), alpha, _meta(source))
    node.save(index)
    return result


cdef tuple _index_add_backward(Node node, tuple grads):
    """input: the gradient; source: the gradient at the slices it was added to."""
    d, alpha, source_meta = node.ctx
    index, = node.saved_values()
    g = grads[0]
    grad_source = None
    if _wants_input_grad(node, 1):
        grad_source = index_select(g, d, index)
        if alpha != 1:
            grad_source = grad_source * alpha
        grad_source = _grad_as(grad_source, source_meta)
    return (g if _wants_input_grad(node, 0) else None, grad_source)


cdef Tensor _index_add_into(Tensor self, dim, index, source, alpha):
    """self[..., index[i], ...] += alpha * source[..., i, ...] along dim (duplicates sum)."""
    cdef Tensor idx = _require_tensor(index, "index_add_(): argument 'index' (position 2)")
    cdef Tensor src = _require_tensor(source, "index_add_(): argument 'source' (position 3)")
    cdef int d = wrap_dim(dim, self._ndim)
    if not _is_index_dtype(idx):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{_scalar_type_name(idx._dtype)}")
    if idx._ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{idx._ndim} with type: {_scalar_type_name(idx._dtype)} and size: "
                         f"{_shape_list(idx)}")
    if src._dtype is not self._dtype:
        raise RuntimeError(f"index_add_(): self ({_scalar_type_name(self._dtype)}) and source "
                           f"({_scalar_type_name(src._dtype)}) must have the same scalar type")
    _check_index_source(self, d, idx, src, "index_add_")
    _check_writable_once(self)
    if _index_add_rows(self, d, idx, src, alpha):
        return self
    _plan_scatter(_plan_one_dim(self, d, idx, False, RuntimeError, _OUT_OF_BOUNDS),
                  _as_1d(src), ACC_ADD, alpha)
    return self


ctypedef fused _row_value:
    float
    double


cdef void _add_rows(_row_value* dst, const _row_value* src, const int64_t* index,
                    Py_ssize_t count, Py_ssize_t width, _row_value alpha) noexcept nogil:
    """dst[index[i], :] += alpha * src[i, :], row after row (one thread: rows that
    repeat an index must not race)."""
    cdef Py_ssize_t i, k
    cdef _row_value* row
    cdef const _row_value* source
    for i in range(count):
        row = dst + index[i] * width
        source = src + i * width
        for k in range(width):
            row[k] += alpha * source[k]


cdef bint _index_add_rows(Tensor self, int d, Tensor idx, Tensor src, alpha) except -1:
    """index_add_ along dim 0 of contiguous float tensors, a whole row per index (the
    sparse @ dense product's inner step): a vectorised loop instead of the general
    element-by-element scatter. False when the case does not fit (the general path
    then runs, and reports bad indices)."""
    cdef Py_ssize_t count = idx._numel, rows, width, i, j
    cdef const int64_t* index
    cdef bint single
    cdef double scale
    if (is_cuda(self) or is_cuda(idx) or is_cuda(src)
            or d != 0 or self._ndim == 0 or idx._dtype is not _int64 or not is_contiguous(idx)
            or not is_contiguous(self) or not is_contiguous(src)
            or not (self._dtype is _float32 or self._dtype is _float64)
            or not isinstance(alpha, (int, float))):
        return False
    rows = self._shape[0]
    if rows == 0 or count == 0:
        return False
    width = self._numel // rows
    index = <const int64_t*>idx._data
    for i in range(count):
        j = index[i]
        if j < 0 or j >= rows:
            return False
    scale = alpha
    single = self._dtype is _float32
    with nogil:
        if single:
            _add_rows(<float*>self._data, <const float*>src._data, index, count, width,
                      <float>scale)
        else:
            _add_rows(<double*>self._data, <const double*>src._data, index, count, width,
                      scale)
    self._storage.version += 1
    return True


cdef Tensor _index_copy_(Tensor self, dim, index, source):
    """index_copy_, recorded."""
    if _wants_grad((self, source)):
        _begin_inplace(self)
        return _inplace_result(self, _index_copy(clone(self), dim, index, source))
    return _index_copy_into(self, dim, index, source)


cdef Tensor _index_copy(Tensor input, dim, index, source):
    """A copy of input with source's slices at index along dim, recorded
    (IndexCopyBackward0)."""
    cdef Tensor result
    cdef Node node
    if not _wants_grad((input, source)):
        return _index_copy_into(clone(input), dim, index, source)
    with _RECORDING_OFF:
        result = _index_copy_into(clone(input), dim, index, source)
    node = _record("IndexCopyBackward0", _index_copy_backward, (input, source), (result,))
    node.ctx = (wrap_dim(dim, input._ndim), _meta(source))
    node.save(index)
    return result


cdef tuple _index_copy_backward(Node node, tuple grads):
    """input: the gradient but at the replaced slices; source: the gradient there."""
    d, source_meta = node.ctx
    index, = node.saved_values()
    g = grads[0]
    return (_index_fill(g, d, index, 0) if _wants_input_grad(node, 0) else None,
            _grad_as(index_select(g, d, index), source_meta)
            if _wants_input_grad(node, 1) else None)


cdef Tensor _index_copy_into(Tensor self, dim, index, source):
    """self[..., index[i], ...] = source[..., i, ...] along dim (the last duplicate wins)."""
    cdef Tensor idx = _require_tensor(index, "index_copy_(): argument 'index' (position 2)")
    cdef Tensor src = _require_tensor(source, "index_copy_(): argument 'source' (position 3)")
    cdef int d = wrap_dim(dim, self._ndim), i
    cdef Py_ssize_t n
    if idx._ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx._ndim})")
    if idx._dtype.code != PYT_INT64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{_scalar_type_name(idx._dtype)}")
    if src._dtype is not self._dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {_scalar_type_name(self._dtype)} and (source) "
                           f"{_scalar_type_name(src._dtype)}")
    if src._ndim != self._ndim and src._ndim > 0 and self._ndim > 0:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({src._ndim}), "
                         f"destination dimensionality ({self._ndim})")
    n = src._shape[d] if src._ndim else 1
    if idx._numel != n:
        raise IndexError(f"index_copy_(): Number of indices ({idx._numel}) should be equal to "
                         f"source.size(dim) ({n})")
    for i in range(min(self._ndim, src._ndim)):
        if i != d and self._shape[i] != src._shape[i]:
            raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                               f"shapes. Destination slice shape: {self._shape[i]} at dimension "
                               f"{d} and source slice shape: {src._shape[i]} at dimension 0.")
    _check_writable_once(self)
    _plan_scatter(_plan_one_dim(self, d, idx, False, IndexError,
                                "index_copy_(): " + _OUT_OF_BOUNDS),
                  src, _STORE, 1)
    return self


cdef Tensor _index_fill_(Tensor self, dim, index, value):
    """index_fill_, recorded."""
    if _wants_grad((self, value)):
        _begin_inplace(self)
        return _inplace_result(self, _index_fill(clone(self), dim, index, value))
    return _index_fill_into(self, dim, index, value)


cdef Tensor _index_fill(Tensor input, dim, index, value):
    """A copy of input with value at index along dim, recorded: IndexFillBackward0 for a
    number, IndexFillBackward1 for a 0-d tensor value."""
    cdef Tensor result
    cdef Node node
    if not _wants_grad((input, value)):
        return _index_fill_into(clone(input), dim, index, value)
    with _RECORDING_OFF:
        result = _index_fill_into(clone(input), dim, index, value)
    if not result._dtype.is_floating_point:
        return result
    if isinstance(value, Tensor):
        node = _record("IndexFillBackward1", _index_fill_backward, (input, value), (result,))
    else:
        node = _record("IndexFillBackward0", _index_fill_backward, (input,), (result,))
    node.ctx = (wrap_dim(dim, input._ndim), _meta(value))
    node.save(index)
    return result


cdef tuple _index_fill_backward(Node node, tuple grads):
    """input: the gradient but at the filled slices; value: the sum of the gradient there
    (each filled element once, however often the index names it)."""
    d, value_meta = node.ctx
    index, = node.saved_values()
    g = grads[0]
    kept = _index_fill(g, d, index, 0)
    if value_meta is None:
        return (kept,)
    return (kept if _wants_input_grad(node, 0) else None,
            _grad_like(g.sum() - kept.sum(), value_meta) if _wants_input_grad(node, 1) else None)


cdef Tensor _index_fill_into(Tensor self, dim, index, value):
    """self[..., index[i], ...] = value along dim (negative indices count from the end)."""
    cdef Tensor idx = _require_tensor(index, "index_fill_(): argument 'index' (position 2)")
    cdef int d = wrap_dim(dim, self._ndim)
    if idx._dtype.code != PYT_INT64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx._ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and (<Tensor>value)._ndim != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {(<Tensor>value)._ndim} dimension(s).")
    _check_writable_once(self)
    _plan_scatter(_plan_one_dim(self, d, idx, True, IndexError, _OUT_OF_BOUNDS),
                  scalar_tensor_of(value, self._dtype), _STORE, 1)
    return self


def index_add(Tensor input, dim, index, source, *, alpha=1, out=None):
    if out is not None and _wants_grad((input, source)):
        _refuse_out(out, "index_add")
    return _into_out(_index_add(input, dim, index, source, alpha), out)


def index_copy(Tensor input, dim, index, source, *, out=None):
    if out is not None and _wants_grad((input, source)):
        _refuse_out(out, "index_copy")
    return _into_out(_index_copy(input, dim, index, source), out)


def index_fill(Tensor input, dim, index, value):
    return _index_fill(input, dim, index, value)


# ----- gather and scatter ------------------------------------------------------------------

cdef int _check_along_dim(Tensor self, int d, Tensor idx, Tensor src, str op) except -1:
    """gather / scatter shapes: index has self's ndim, and is no larger than self (except
    along d) and than src."""
    cdef int i
    cdef int nd = max(self._ndim, 1)
    cdef bint ok = True
    if not _is_index_dtype(idx):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    if max(idx._ndim, 1) != nd:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if op == 'gather' else 'self'} tensor")
    if src is not None and max(src._ndim, 1) != nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for i in range(idx._ndim):
        if i != d and idx._shape[i] > (self._shape[i] if self._ndim else 1):
            ok = False
        if src is not None and idx._shape[i] > (src._shape[i] if src._ndim else 1):
            ok = False
        if not ok and op == "gather":
            raise RuntimeError(f"Size does not match at dimension {i} expected index "
                               f"{_shape_list(idx)} to be no larger than self "
                               f"{_shape_list(self)} apart from dimension {d}")
        if not ok:
            raise RuntimeError(f"Expected index {_shape_list(idx)} to be no larger than self "
                               f"{_shape_list(self)} apart from dimension {d}" +
                               (f" and to be no larger size than src {_shape_list(src)}"
                                if src is not None else ""))
    return 0


def gather(Tensor input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j][k] = input[index[i][j][k]][j][k] for dim 0 (likewise for other dims)."""
    cdef Tensor result
    cdef Node node
    if not _needs_grad(input):
        return _into_out(_gather(input, dim, index), out)
    _refuse_out(out, "gather")
    result = _gather(input, dim, index)
    node = _record("GatherBackward0", _gather_backward, (input,), (result,))
    node.ctx = (wrap_dim(dim, input._ndim), _meta(input))
    node.save(index)
    return result


cdef tuple _gather_backward(Node node, tuple grads):
    d, (shape, dt) = node.ctx               # each read element's gradient adds back at its source
    index, = node.saved_values()
    return (_scatter_add(zeros(shape, dtype=dt, device=grads[0].device), d, index,
                         grads[0]),)


cdef Tensor _gather(Tensor input, dim, index):
    cdef Tensor idx = _require_tensor(index, "gather(): argument 'index' (position 3)")
    cdef int d = wrap_dim(dim, input._ndim)
    if idx._numel == 0:
        if not _is_index_dtype(idx):
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        return new_empty(idx._ndim, idx._shape, input._dtype, input._device, False)
    _check_along_dim(input, d, idx, None, "gather")
    return _plan_gather(_plan_along_dim(input, d, idx, RuntimeError, _OUT_OF_BOUNDS))


cdef Tensor _scatter_(Tensor self, dim, index, src, value, reduce):
    """scatter_, recorded."""
    if _wants_grad((self, src)):
        _begin_inplace(self)
        return _inplace_result(self, _scatter(clone(self), dim, index, src, value, reduce))
    return _scatter_into(self, dim, index, src, value, reduce)


cdef Tensor _scatter(Tensor input, dim, index, src, value, reduce):
    """A copy of input with src (or value) scattered into it, recorded: ScatterBackward0
    for a tensor src, ScatterBackward1 for a value; torch has no derivative with reduce=."""
    cdef Tensor result
    cdef Node node
    source = src if isinstance(src, Tensor) else None
    if not _wants_grad((input, source)):
        return _scatter_into(clone(input), dim, index, src, value, reduce)
    with _RECORDING_OFF:
        result = _scatter_into(clone(input), dim, index, src, value, reduce)
    if reduce is not None:
        _record_not_implemented("scatter", (input, source), result)
        return result
    if source is not None:
        node = _record("ScatterBackward0", _scatter_backward, (input, source), (result,))
    else:
        node = _record("ScatterBackward1", _scatter_backward, (input,), (result,))
    node.ctx = (wrap_dim(dim, input._ndim), _meta(source))
    node.save(index)
    return result


cdef tuple _scatter_backward(Node node, tuple grads):
    """input: the gradient but where the scatter wrote; src: the gradient read where each
    of its elements went (zero for the part of src the index does not reach)."""
    d, source_meta = node.ctx
    index, = node.saved_values()
    g = grads[0]
    kept = _scatter(g, d, index, None, 0, None) if _wants_input_grad(node, 0) else None
    if source_meta is None:
        return (kept,)
    return (kept, _pad_to(gather(g, d, index), source_meta[0])
            if _wants_input_grad(node, 1) else None)


cdef Tensor _scatter_into(Tensor self, dim, index, src, value, reduce):
    """self[index[i][j]][j] = src[i][j] for dim 0 (likewise for other dims), or value; with
    reduce='add' / 'multiply' the entries are combined instead of replaced."""
    cdef Tensor idx = _require_tensor(index, "scatter(): argument 'index' (position 3)")
    cdef Tensor values, source = None
    cdef int d = wrap_dim(dim, self._ndim)
    cdef int mode = _STORE
    if src is not None and not isinstance(src, Tensor):
        if value is not None or not isinstance(src, (bool, int, float, np.number)):
            raise TypeError(f"scatter(): expected a Tensor src or a number value, got "
                            f"{type(src).__name__}")
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter(): expected exactly one of 'src' (a Tensor) and 'value' "
                        "(a number)")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        mode = ACC_ADD if reduce == "add" else ACC_MULTIPLY
        if src is not None:
            import warnings
            warnings.warn("The reduce argument of scatter with Tensor src is deprecated in "
                          "torch (which suggests scatter_reduce; pyt has no scatter_reduce "
                          "yet).", UserWarning)
    if src is not None:
        source = src
        if source._dtype is not self._dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if not _is_index_dtype(idx):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if idx._numel == 0:
        return self
    _check_along_dim(self, d, idx, source, "scatter")
    _check_writable_once(self)
    if source is not None:
        values = _restrict_to(source, idx)
    else:
        values = scalar_tensor_of(value, self._dtype)
    _scatter_along_dim(self, d, idx, values, mode)
    return self


cdef int _scatter_along_dim(Tensor self, int d, Tensor idx, Tensor values, int mode) except -1:
    """The writes of scatter_ / scatter_add_. Half and bfloat16 reduce in a float32 copy and
    round once at the end, as torch's scatter reductions do."""
    cdef Tensor work = self
    if mode != _STORE and (self._dtype.code == PYT_FLOAT16 or self._dtype.code == PYT_BFLOAT16):
        work = _to_dtype(self, _float32, True)
        values = _to_dtype(values, _float32, False)
    _plan_scatter(_plan_along_dim(work, d, idx, RuntimeError, _OUT_OF_BOUNDS), values, mode, 1)
    if work is not self:
        copy_into(self, work)
        self._storage.version += 1
    return 0


cdef Tensor _restrict_to(Tensor src, Tensor idx):
    """The leading block of src with idx's shape (a view; a 0-d src stays a scalar)."""
    if src._ndim == 0 or idx._ndim == 0:
        return _as_1d(src) if idx._ndim else new_view(src, 0, NULL, NULL, src._offset)
    return new_view(src, idx._ndim, idx._shape, src._strides, src._offset)


def scatter(Tensor input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of input with src (or value) scattered into it along dim (see scatter_)."""
    return _scatter(input, dim, index, src, value, reduce)


cdef Tensor _scatter_add_(Tensor self, dim, index, src):
    """scatter_add_, recorded."""
    if _wants_grad((self, src)):
        _begin_inplace(self)
        return _inplace_result(self, _scatter_add(clone(self), dim, index, src))
    return _scatter_add_into(self, dim, index, src)


cdef Tensor _scatter_add(Tensor input, dim, index, src):
    """A copy of input with src added into it along dim, recorded (ScatterAddBackward0)."""
    cdef Tensor result
    cdef Node node
    if not _wants_grad((input, src)):
        return _scatter_add_into(clone(input), dim, index, src)
    with _RECORDING_OFF:
        result = _scatter_add_into(clone(input), dim, index, src)
    node = _record("ScatterAddBackward0", _scatter_add_backward, (input, src), (result,))
    node.ctx = (wrap_dim(dim, input._ndim), _meta(src))
    node.save(index)
    return result


cdef tuple _scatter_add_backward(Node node, tuple grads):
    """input: the gradient; src: the gradient where each of its elements was added."""
    d, source_meta = node.ctx
    index, = node.saved_values()
    g = grads[0]
    return (g if _wants_input_grad(node, 0) else None,
            _pad_to(gather(g, d, index), source_meta[0]) if _wants_input_grad(node, 1)
            else None)


cdef Tensor _scatter_add_into(Tensor self, dim, index, src):
    """self[index[i][j]][j] += src[i][j] for dim 0 (likewise for other dims)."""
    cdef Tensor source = _require_tensor(src, "scatter_add(): argument 'src' (position 4)")
    cdef Tensor idx = _require_tensor(index, "scatter_add(): argument 'index' (position 3)")
    cdef int d = wrap_dim(dim, self._ndim)
    if source._dtype is not self._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if not _is_index_dtype(idx):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if idx._numel == 0:
        return self
    _check_along_dim(self, d, idx, source, "scatter")
    _check_writable_once(self)
    _scatter_along_dim(self, d, idx, _restrict_to(source, idx), ACC_ADD)
    return self


def scatter_add(Tensor input, dim, index, src):
    """A copy of input with src added into it along dim (see scatter_add_)."""
    return _scatter_add(input, dim, index, src)


# ----- take and put ---------------------------------------------------------------------------

cdef str _LINEAR_OUT_OF_RANGE = "out of range: tried to access index {index} on a tensor of {size} elements."


def take(Tensor input, index):
    """input as a flat vector, read at index (any shape; negative indices wrap)."""
    cdef Tensor result
    cdef Node node
    result = _take(input, index)
    if _needs_grad(input):
        node = _record("TakeBackward0", _take_backward, (input,), (result,))
        node.ctx = _meta(input)
        node.save(index)
    return result


cdef tuple _take_backward(Node node, tuple grads):
    shape, dt = node.ctx                         # each read element's gradient adds back
    index, = node.saved_values()
    return (_put(zeros(shape, dtype=dt, device=grads[0].device), index, grads[0],
                 True),)


cdef Tensor _take(Tensor input, index):
    cdef Tensor idx = _require_tensor(index, "take(): argument 'index' (position 2)")
    if idx._dtype.code != PYT_INT64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_scalar_type_name(idx._dtype)}")
    if input._numel == 0 and idx._numel > 0:
        raise IndexError("take(): tried to take from an empty tensor")
    return _plan_gather(_plan_linear(input, idx, IndexError, _LINEAR_OUT_OF_RANGE))


cdef Tensor _put_(Tensor self, index, source, accumulate):
    """put_, recorded."""
    if _wants_grad((self, source)):
        _begin_inplace(self)
        return _inplace_result(self, _put(clone(self), index, source, accumulate))
    return _put_into(self, index, source, accumulate)


cdef Tensor _put(Tensor input, index, source, accumulate):
    """A copy of input with source put at the flat positions index, recorded
    (PutBackward0)."""
    cdef Tensor result
    cdef Node node
    if not _wants_grad((input, source)):
        return _put_into(clone(input), index, source, accumulate)
    with _RECORDING_OFF:
        result = _put_into(clone(input), index, source, accumulate)
    node = _record("PutBackward0", _put_backward, (input, source), (result,))
    node.ctx = (bool(accumulate), _meta(source))
    node.save(index)
    return result


cdef tuple _put_backward(Node node, tuple grads):
    """input: the gradient (but where put replaced values); source: the gradient read at
    the positions its elements went to."""
    accumulate, (shape, dt) = node.ctx
    index, = node.saved_values()
    cdef Tensor g = grads[0]
    grad_input = grad_source = None
    if _wants_input_grad(node, 0):
        grad_input = g if accumulate else _put(g, index, zeros(shape, dtype=g._dtype,
                                                                device=g._device), False)
    if _wants_input_grad(node, 1):
        grad_source = _grad_like(reshape(take(g, index), shape), (shape, dt))
    return (grad_input, grad_source)


cdef Tensor _put_into(Tensor self, index, source, accumulate):
    """self as a flat vector: self[index[i]] = source[i] (+= with accumulate=True)."""
    cdef Tensor idx = _require_tensor(index, "put_(): argument 'index' (position 1)")
    cdef Tensor src = _require_tensor(source, "put_(): argument 'source' (position 2)")
    if idx._dtype.code != PYT_INT64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got "
                           f"{_scalar_type_name(idx._dtype)}")
    if src._dtype is not self._dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_scalar_type_name(self._dtype)} and source.dtype = "
                           f"{_scalar_type_name(src._dtype)}")
    if src._numel != idx._numel:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {src._numel}, index.numel() = "
                         f"{idx._numel}")
    if self._numel == 0 and idx._numel > 0:
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    _check_writable_once(self)
    _plan_scatter(_plan_linear(self, idx, IndexError, _LINEAR_OUT_OF_RANGE),
                  reshape(src, idx.size()), _STORE if not accumulate else ACC_ADD, 1)
    return self


def put(Tensor input, index, source, accumulate=False):
    """A copy of input with source put at the flat positions index (see put_)."""
    return _put(input, index, source, accumulate)


# ----- masks ----------------------------------------------------------------------------------

cdef int _check_bool_mask(object mask, str message) except -1:
    _require_tensor(mask, "mask")
    if (<Tensor>mask)._dtype.code != PYT_BOOL:
        raise RuntimeError(message.format(dtype=cpp_type_name((<Tensor>mask)._dtype.code),
                                          name=_scalar_type_name((<Tensor>mask)._dtype)))
    return 0


cdef Tensor _masked_fill_(Tensor self, mask, value):
    """masked_fill_, recorded."""
    if _wants_grad((self, value)):
        _begin_inplace(self)
        _check_bool_mask(mask, "masked_fill_ only supports boolean masks, but got mask with "
                               "dtype {dtype}")
        _check_broadcasts_into(self, mask)
        return _inplace_result(self, _masked_fill(clone(self), mask, value))
    return _masked_fill_into(self, mask, value)


cdef Tensor _masked_fill(Tensor input, mask, value):
    """A copy of input (broadcast with mask) with value where mask is True, recorded:
    MaskedFillBackward0 for a number, MaskedFillBackward1 for a 0-d tensor value."""
    cdef Tensor result
    cdef Node node
    _check_bool_mask(mask, "masked_fill_ only supports boolean masks, but got mask with "
                           "dtype {dtype}")
    if not _wants_grad((input, value)):
        return _masked_fill_into(_expanded_copy(input, mask), mask, value)
    with _RECORDING_OFF:
        result = _masked_fill_into(_expanded_copy(input, mask), mask, value)
    if not result._dtype.is_floating_point:
        return result
    if isinstance(value, Tensor):
        node = _record("MaskedFillBackward1", _masked_fill_backward, (input, value), (result,))
    else:
        node = _record("MaskedFillBackward0", _masked_fill_backward, (input,), (result,))
    node.ctx = (_meta(input), _meta(value))
    node.save(mask)
    return result


cdef tuple _masked_fill_backward(Node node, tuple grads):
    """input: the gradient but where filled; value: the sum of the gradient there."""
    input_meta, value_meta = node.ctx
    mask, = node.saved_values()
    g = grads[0]
    kept = _grad_like(_masked_fill(g, mask, 0), input_meta) \
        if _wants_input_grad(node, 0) else None
    if value_meta is None:
        return (kept,)
    return (kept, _grad_like(where(mask, g, 0).sum(), value_meta)
            if _wants_input_grad(node, 1) else None)


cdef Tensor _masked_fill_into(Tensor self, mask, value):
    """self = value where mask (mask broadcasts to self)."""
    cdef Masked ctx
    cdef Tensor m
    cdef Py_ssize_t strides[2 * PYT_MAX_DIMS]
    cdef char* base[2]
    cdef int i, nd = self._ndim
    _check_bool_mask(mask, "masked_fill_ only supports boolean masks, but got mask with "
                           "dtype {dtype}")
    m = mask
    if isinstance(value, Tensor):
        if (<Tensor>value)._ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {(<Tensor>value)._ndim} dimension(s).")
    elif not isinstance(value, (bool, int, float, np.number)):
        raise TypeError(f"masked_fill_(): argument 'value' must be a Number or a 0-d Tensor, "
                        f"not {type(value).__name__}")
    _check_broadcasts_into(self, m)
    _check_writable_once(self)
    if is_cuda(self) or is_cuda(m):
        return _masked_fill_cuda(self, m, value)
    ctx.itemsize = self._dtype.itemsize
    _write_scalar(ctx.value, self._dtype, value)
    for i in range(nd):
        strides[i] = self._strides[i] * self._dtype.itemsize
    _operand_strides(m, nd, self._shape, strides + nd)
    base[0] = self._data
    base[1] = m._data
    _iterate(2, nd, self._shape, base, strides, masked_fill_loop, &ctx, True)
    self._storage.version += 1
    return self


cdef Tensor _masked_fill_cuda(Tensor self, Tensor m, object value):
    """self = value where m, as where(m, value, self) written into self (where.cu)."""
    cdef pyt_cuda_iter it
    cdef Tensor v
    cdef int rc, itemsize = self._dtype.itemsize
    m = _index_on_device_of(m, self)
    if isinstance(value, Tensor):
        v = _to_dtype(<Tensor>value, self._dtype, False)
    else:
        v = scalar_tensor_of(value, self._dtype)
    v = _operand_on(v, self._device)
    if self._numel > 0:
        cuda_iter(&it, self, m, v, self)
        with nogil:
            rc = pyt_cuda_where(&it, itemsize)
        cuda_check(rc, "masked_fill_")
    self._storage.version += 1
    return self


cdef Tensor _expanded_copy(Tensor input, Tensor mask):
    """A new tensor holding input broadcast against mask (out-of-place masked ops)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int nd = _broadcast_shape(input, mask, shape)
    cdef Tensor out
    if _has_shape(input, nd, shape):
        return clone(input)
    out = new_empty(nd, shape, input._dtype, input._device, False)
    copy_into(out, input)
    return out


def masked_fill(Tensor input, mask, value):
    """A copy of input (broadcast with mask) with value where mask is True."""
    return _masked_fill(input, mask, value)


def masked_select(Tensor input, mask, *, out=None):
    """The elements of input (broadcast with mask) where mask is True, as a vector."""
    cdef Tensor result
    cdef Node node
    if not _needs_grad(input):
        return _into_out(_masked_select(input, mask), out)
    _refuse_out(out, "masked_select")
    result = _masked_select(input, mask)
    node = _record("MaskedSelectBackward0", _masked_select_backward, (input,), (result,))
    node.ctx = _meta(input)
    node.save(mask)
    return result


cdef tuple _masked_select_backward(Node node, tuple grads):
    shape, dt = node.ctx                     # the gradient put back where it was selected
    mask, = node.saved_values()
    return (_grad_like(_masked_scatter(zeros(shape, dtype=dt, device=grads[0].device),
                                       mask, grads[0]), node.ctx),)


cdef Tensor _masked_select(Tensor input, mask):
    cdef Masked ctx
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[2 * PYT_MAX_DIMS]
    cdef char* base[2]
    cdef Tensor m, result
    cdef int nd
    cdef Py_ssize_t count
    _check_bool_mask(mask, "masked_select: expected BoolTensor for mask")
    m = mask
    nd = _broadcast_shape(m, input, shape)
    if is_cuda(input) or is_cuda(m):
        return _masked_select_cuda(input, m, nd, shape)
    count = _count_nonzero(m, nd, shape)
    result = new_empty(1, &count, input._dtype, _cpu, False)
    ctx.itemsize = input._dtype.itemsize
    ctx.cursor = result._data
    _operand_strides(input, nd, shape, strides)
    _operand_strides(m, nd, shape, strides + nd)
    base[0] = input._data
    base[1] = m._data
    _iterate_in_order(2, nd, shape, base, strides, masked_select_loop, &ctx)
    return result


cdef Tensor _masked_select_cuda(Tensor input, Tensor m, int nd, const Py_ssize_t* shape):
    """input[m] with both broadcast to shape: a gather at the mask's nonzero coordinates."""
    cdef Tensor view
    cdef list indices
    common_device((input, m))
    if input._device is _cpu:                       # a CPU 0-d input with a GPU mask
        input = _on_device(input, m._device)
    if not _has_shape(input, nd, shape):
        input = expand(input, *[shape[i] for i in range(nd)])
    view, indices = _mask_coordinates(input, m)
    return _plan_gather(_plan_indices(view, list(range(view._ndim)), indices, False,
                                      IndexError, _OUT_OF_BOUNDS, -1))


cdef Tensor _masked_scatter_(Tensor self, mask, source):
    """masked_scatter_, recorded."""
    if _wants_grad((self, source)):
        _begin_inplace(self)
        _check_bool_mask(mask, "masked_scatter_ only supports boolean masks, but got mask "
                               "with dtype {name}")
        _check_broadcasts_into(self, mask)
        return _inplace_result(self, _masked_scatter(clone(self), mask, source))
    return _masked_scatter_into(self, mask, source)


cdef Tensor _masked_scatter(Tensor input, mask, source):
    """A copy of input (broadcast with mask) with source's elements where mask is True,
    recorded (MaskedScatterBackward0)."""
    cdef Tensor result
    cdef Node node
    _check_bool_mask(mask, "masked_scatter_ only supports boolean masks, but got mask with "
                           "dtype {name}")
    if not _wants_grad((input, source)):
        return _masked_scatter_into(_expanded_copy(input, mask), mask, source)
    with _RECORDING_OFF:
        result = _masked_scatter_into(_expanded_copy(input, mask), mask, source)
    node = _record("MaskedScatterBackward0", _masked_scatter_backward, (input, source),
                   (result,))
    node.ctx = (_meta(input), _meta(source))
    node.save(mask)
    return result


cdef tuple _masked_scatter_backward(Node node, tuple grads):
    """input: the gradient but where source went; source: the gradient of the places its
    leading elements went to, in order (zero for the elements left unused)."""
    input_meta, (shape, dt) = node.ctx
    mask, = node.saved_values()
    cdef Tensor g = grads[0], used
    grad_input = grad_source = None
    if _wants_input_grad(node, 0):
        grad_input = _grad_like(_masked_fill(g, mask, 0), input_meta)
    if _wants_input_grad(node, 1):
        used = masked_select(g, mask)
        if used._numel < _shape_numel(shape):
            used = _cat([used, zeros(_shape_numel(shape) - used._numel, dtype=g._dtype,
                                      device=g._device)],
                        0, None)
        grad_source = _grad_like(reshape(used, shape), (shape, dt))
    return (grad_input, grad_source)


cdef Tensor _masked_scatter_into(Tensor self, mask, source):
    """Copies source's elements, in order, into self where mask is True."""
    cdef Masked ctx
    cdef Py_ssize_t strides[2 * PYT_MAX_DIMS]
    cdef char* base[2]
    cdef Tensor m, src = _require_tensor(source, "masked_scatter_(): argument 'source' (position 2)")
    cdef int i, nd = self._ndim
    _check_bool_mask(mask, "masked_scatter_ only supports boolean masks, but got mask with "
                           "dtype {name}")
    m = mask
    if src._dtype is not self._dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{_scalar_type_name(self._dtype)} and {_scalar_type_name(src._dtype)}")  # sic
    _check_broadcasts_into(self, m)
    _check_writable_once(self)
    if is_cuda(self) or is_cuda(m) or is_cuda(src):
        return _masked_scatter_cuda(self, m, src)
    if _count_nonzero(m, nd, self._shape) > src._numel:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    src = clone(src) if src._storage is self._storage else contiguous(src)
    ctx.itemsize = self._dtype.itemsize
    ctx.cursor = src._data
    for i in range(nd):
        strides[i] = self._strides[i] * self._dtype.itemsize
    _operand_strides(m, nd, self._shape, strides + nd)
    base[0] = self._data
    base[1] = m._data
    _iterate_in_order(2, nd, self._shape, base, strides, masked_scatter_loop, &ctx)
    self._storage.version += 1
    return self


cdef Tensor _masked_scatter_cuda(Tensor self, Tensor m, Tensor src):
    cdef Tensor view
    cdef list indices
    cdef Py_ssize_t count, one = 1
    common_device((self, src))
    view, indices = _mask_coordinates(self, m)
    count = (<Tensor>indices[0])._numel
    if count > src._numel:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    if count == 0:
        return self
    src = clone(src) if src._storage is self._storage else contiguous(src)
    _plan_scatter(_plan_indices(view, list(range(view._ndim)), indices, False, IndexError,
                                _OUT_OF_BOUNDS, -1),
                  new_view(src, 1, &count, &one, src._offset), _STORE, 1)
    return self


def masked_scatter(Tensor input, mask, source):
    """A copy of input (broadcast with mask) with source's elements where mask is True."""
    return _masked_scatter(input, mask, source)


# ----- where, nonzero ---------------------------------------------------------------------------

cdef Tensor _where_operand(object x, DType dt):
    if isinstance(x, Tensor):
        return _to_dtype(x, dt, False)
    return scalar_tensor_of(x, dt)


def where(condition, input=None, other=None, *, out=None):
    """input where condition else other, broadcast together (numbers allowed, types
    promoted); where(condition) alone is nonzero(condition, as_tuple=True)."""
    cdef Tensor cond = _require_tensor(condition, "where(): argument 'condition' (position 1)")
    cdef Tensor result
    cdef Node node
    if input is None and other is None:
        return nonzero(cond, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes a condition alone, or a condition, an input and an other")
    if cond._dtype.code == PYT_UINT8:
        import warnings
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated "
                      "and will be removed in a future version. Use a boolean condition "
                      "instead.", UserWarning)
    elif cond._dtype.code != PYT_BOOL:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_scalar_type_name(cond._dtype)}")
    if _wants_grad((input, other)):
        _refuse_out(out, "where")
        with _RECORDING_OFF:
            result = _select_where(cond, input, other)
        if result._dtype.is_floating_point:
            node = _record("WhereBackward0", _where_backward, (input, other), (result,))
            node.ctx = (_meta(input), _meta(other))
            node.save(cond if cond._dtype.code == PYT_BOOL else _to_dtype(cond, _bool, False))
        return result
    return _into_out(_select_where(cond, input, other), out)


cdef tuple _where_backward(Node node, tuple grads):
    """Each output element's gradient goes to the operand it was taken from."""
    input_meta, other_meta = node.ctx
    cond, = node.saved_values()
    g = grads[0]
    return (_grad_like(where(cond, g, 0), input_meta) if _wants_input_grad(node, 0) else None,
            _grad_like(where(cond, 0, g), other_meta) if _wants_input_grad(node, 1) else None)


cdef Tensor _select_where(Tensor cond, object input, object other):
    """where(cond, input, other) for a checked condition: a new tensor."""
    cdef Tensor x, y, result
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[4 * PYT_MAX_DIMS]
    cdef char* base[4]
    cdef int nd, itemsize
    cdef DType dt = _result_dtype(input, other)
    x = _where_operand(input, dt)
    y = _where_operand(other, dt)
    nd = _broadcast_shape(cond, x, shape)
    nd = _broadcast_with(nd, shape, y)
    dev = common_device((cond, x, y))
    if dev is not _cpu:
        return _select_where_cuda(_operand_on(cond, dev), _operand_on(x, dev),
                                  _operand_on(y, dev), nd, shape, dev)
    result = new_empty(nd, shape, dt, _cpu, False)
    itemsize = dt.itemsize
    for i in range(nd):
        strides[i] = result._strides[i] * itemsize
    _operand_strides(cond, nd, shape, strides + nd)
    _operand_strides(x, nd, shape, strides + 2 * nd)
    _operand_strides(y, nd, shape, strides + 3 * nd)
    base[0] = result._data
    base[1] = cond._data
    base[2] = x._data
    base[3] = y._data
    _iterate(4, nd, shape, base, strides, where_loop, &itemsize, True)
    return result


cdef Tensor _operand_on(Tensor t, object dev):
    """t on device dev, except a CPU 0-d tensor: cuda_iter passes that as a scalar operand
    (no copy to the device, and the kernel's contiguous path; relu's backward is
    where(v <= 0, 0.0, g))."""
    if t._ndim == 0 and t._device is _cpu:
        return t
    return _on_device(t, dev)


cdef Tensor _select_where_cuda(Tensor cond, Tensor x, Tensor y, int nd,
                               const Py_ssize_t* shape, object dev):
    """where on dev; any operand may be a CPU 0-d tensor (a scalar operand)."""
    cdef pyt_cuda_iter it
    cdef int rc, itemsize = x._dtype.itemsize
    cdef Tensor result = new_empty(nd, shape, x._dtype, dev, False)
    if result._numel > 0:
        cuda_iter(&it, result, cond, x, y)
        with nogil:
            rc = pyt_cuda_where(&it, itemsize)
        cuda_check(rc, "where")
    return result


def nonzero(Tensor input, *, out=None, as_tuple=False):
    """The coordinates of input's nonzero elements, one row each in row-major order, or
    with as_tuple one vector per dim."""
    cdef Py_ssize_t shape[2]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Tensor result
    cdef int i, nd = input._ndim
    if as_tuple:
        result = nonzero(_as_1d(input))
        return tuple([select(result, 1, i) for i in range(max(nd, 1))])
    if is_cuda(input):
        if nd == 0:                      # a 0-d input has no coordinates: (count, 0)
            shape[0] = _count_nonzero(input, 0, input._shape)
            shape[1] = 0
            return _into_out(new_empty(2, shape, _int64, input._device, False), out)
        return _into_out(_nonzero_cuda(input), out)
    shape[0] = _count_nonzero(input, nd, input._shape)
    shape[1] = nd
    result = new_empty(2, shape, _int64, _cpu, False)
    for i in range(nd):
        strides[i] = input._strides[i] * input._dtype.itemsize
    with nogil:
        nonzero_coordinates(input._data, nd, input._shape, strides, input._dtype.itemsize,
                            input._dtype.is_floating_point, <int64_t*>result._data, shape[0])
    return _into_out(result, out)


def argwhere(Tensor input):
    """nonzero(input): the coordinates of the nonzero elements, one row each."""
    return nonzero(input)
