# Indexing: t[...] and t[...] = v, and the index ops (gather, scatter, ...).

cdef Py_ssize_t _slice_length(Py_ssize_t size, Py_ssize_t* start, Py_ssize_t step,
                              Py_ssize_t stop) noexcept:
    if start[0] >= stop:
        return 0
    return (stop - start[0] + step - 1) // step


cdef Tensor _basic_index(Tensor t, tuple index):
    """A view for an index made only of ints, slices, None and Ellipsis."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t offset = t._offset, size, i_val, start, stop, step
    cdef int nd = 0, d = 0, consumed = 0, i
    cdef int n_ellipsis = 0
    for item_ in index:
        if item_ is Ellipsis:
            n_ellipsis += 1
        elif item_ is not None:
            consumed += 1
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > t._ndim:
        raise IndexError(f"too many indices for tensor of dimension {t._ndim}")
    for item_ in index:
        if item_ is None:
            sizes[nd] = 1
            strides[nd] = 0
            nd += 1
        elif item_ is Ellipsis:
            for i in range(t._ndim - consumed):
                sizes[nd] = t._shape[d]
                strides[nd] = t._strides[d]
                nd += 1
                d += 1
        elif isinstance(item_, slice):
            size = t._shape[d]
            step = 1 if item_.step is None else item_.step.__index__()
            if step <= 0:
                if step == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(item_.start, item_.stop, step).indices(size)
            offset += start * t._strides[d]
            sizes[nd] = _slice_length(size, &start, step, stop)
            strides[nd] = t._strides[d] * step
            nd += 1
            d += 1
        else:
            size = t._shape[d]
            i_val = item_.__index__()
            if i_val < -size or i_val >= size:
                raise IndexError(f"index {i_val} is out of bounds for dimension {d} with size {size}")
            if i_val < 0:
                i_val += size
            offset += i_val * t._strides[d]
            d += 1
        if nd > PYT_MAX_DIMS:
            raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions")
    while d < t._ndim:
        sizes[nd] = t._shape[d]
        strides[nd] = t._strides[d]
        nd += 1
        d += 1
    return new_view(t, nd, sizes, strides, offset)


cdef bint _is_basic(object item_):
    return (item_ is None or item_ is Ellipsis or isinstance(item_, slice) or
            (isinstance(item_, int) and not isinstance(item_, bool)) or
            (isinstance(item_, Tensor) and (<Tensor>item_)._ndim == 0 and
             is_integral(( <Tensor>item_)._dtype, False)) or
            isinstance(item_, np.integer))


cdef tuple _as_index_tuple(object index):
    if isinstance(index, tuple):
        return index
    return (index,)


cdef object _getitem(Tensor self, object index):
    cdef tuple idx = _as_index_tuple(index)
    for item_ in idx:
        if not _is_basic(item_):
            return _advanced_getitem(self, idx)
    return _basic_index(self, idx)


cdef int _setitem(Tensor self, object index, object value) except -1:
    cdef tuple idx = _as_index_tuple(index)
    for item_ in idx:
        if not _is_basic(item_):
            _advanced_setitem(self, idx, value)
            return 0
    cdef Tensor target = _basic_index(self, idx)
    copy_into(target, _as_tensor_arg(value, self))
    self._storage.version += 1
    return 0


cdef object _advanced_getitem(Tensor self, tuple index):
    raise NotImplementedError("advanced indexing")


cdef int _advanced_setitem(Tensor self, tuple index, object value) except -1:
    raise NotImplementedError("advanced indexing")


def index_select(Tensor input, dim, index, *, out=None):
    raise NotImplementedError("index_select")

def gather(Tensor input, dim, index, *, sparse_grad=False, out=None):
    raise NotImplementedError("gather")

def scatter(Tensor input, dim, index, src=None, *, value=None, reduce=None):
    raise NotImplementedError("scatter")

cdef _scatter_(Tensor self, dim, index, src, value, reduce):
    raise NotImplementedError("scatter_")

def scatter_add(Tensor input, dim, index, src):
    raise NotImplementedError("scatter_add")

cdef _scatter_add_(Tensor self, dim, index, src):
    raise NotImplementedError("scatter_add_")

def masked_fill(Tensor input, mask, value):
    raise NotImplementedError("masked_fill")

cdef _masked_fill_(Tensor self, mask, value):
    raise NotImplementedError("masked_fill_")

def masked_select(Tensor input, mask, *, out=None):
    raise NotImplementedError("masked_select")

cdef _masked_scatter_(Tensor self, mask, source):
    raise NotImplementedError("masked_scatter_")

def where(condition, input=None, other=None, *, out=None):
    raise NotImplementedError("where")

def take(Tensor input, index):
    raise NotImplementedError("take")

def nonzero(Tensor input, *, out=None, as_tuple=False):
    raise NotImplementedError("nonzero")

cdef _index_add_(Tensor self, dim, index, source, alpha):
    raise NotImplementedError("index_add_")

cdef _index_copy_(Tensor self, dim, index, source):
    raise NotImplementedError("index_copy_")

cdef _index_fill_(Tensor self, dim, index, value):
    raise NotImplementedError("index_fill_")

cdef _index_put_(Tensor self, indices, values, accumulate):
    raise NotImplementedError("index_put_")

cdef _put_(Tensor self, index, source, accumulate):
    raise NotImplementedError("put_")
