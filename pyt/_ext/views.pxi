# Views: new shapes and strides over the same storage. No data moves here, except
# in reshape/flatten/clone when a view is impossible.


cdef int _infer_size(Py_ssize_t* shape, int ndim, Py_ssize_t numel) except -1:
    """Replaces one -1 in shape so that it holds numel elements."""
    cdef int i, infer = -1
    cdef Py_ssize_t known = 1
    for i in range(ndim):
        if shape[i] == -1:
            if infer >= 0:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif shape[i] < 0:
            raise RuntimeError(f"invalid shape dimension {shape[i]}")
        else:
            known *= shape[i]
    if infer >= 0:
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of {numel} elements into shape "
                               f"{[shape[j] for j in range(ndim)]} because the unspecified "
                               f"dimension size -1 can be any value and is ambiguous")
        if numel % known != 0:
            raise RuntimeError(f"shape '{[shape[j] for j in range(ndim)]}' is invalid for "
                               f"input of size {numel}")
        shape[infer] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{[shape[j] for j in range(ndim)]}' is invalid for "
                           f"input of size {numel}")
    return 0


cdef bint _view_strides(Tensor t, int ndim, const Py_ssize_t* shape, Py_ssize_t* out) noexcept:
    """Strides that give t the new shape without copying, if any exist (torch's
    computeStride): each run of old dims that is contiguous in memory can be
    re-split freely."""
    cdef Py_ssize_t one = 1
    cdef const Py_ssize_t* oshape = t._shape
    cdef const Py_ssize_t* ostride = t._strides
    cdef int ond = t._ndim
    cdef int view_d = ndim - 1, tensor_d
    cdef Py_ssize_t chunk_base_stride, tensor_numel = 1, view_numel = 1
    if ond == 0:                         # a scalar is a one-element vector here
        oshape = &one
        ostride = &one
        ond = 1
    if t._numel == 0:
        _contiguous_strides(ndim, shape, out)
        return True
    chunk_base_stride = ostride[ond - 1]
    for tensor_d in range(ond - 1, -1, -1):
        tensor_numel *= oshape[tensor_d]
        if tensor_d == 0 or (oshape[tensor_d - 1] != 1 and
                             ostride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or shape[view_d] == 1):
                out[view_d] = view_numel * chunk_base_stride
                view_numel *= shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return False
            if tensor_d > 0:
                chunk_base_stride = ostride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    return view_d == -1


def view(Tensor input, *shape):
    """A view of input with a new shape (no copy; fails when strides do not allow it)."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int nd
    if len(shape) == 1 and isinstance(shape[0], dtype):
        return _view_dtype(input, shape[0])
    nd = _parse_size(shape, sizes, "view")
    _infer_size(sizes, nd, input._numel)
    if not _view_strides(input, nd, sizes, strides):
        raise RuntimeError("view size is not compatible with input tensor's size and stride "
                           "(at least one dimension spans across two contiguous subspaces). "
                           "Use .reshape(...) instead.")
    return _track_view(input, new_view(input, nd, sizes, strides, input._offset),
                       "ViewBackward0", _VIEW_RESHAPE, None)


cdef Tensor _view_dtype(Tensor input, dtype dt):
    if dt.itemsize != input._dtype.itemsize:
        raise RuntimeError(f"pyt: view({dt}) needs a dtype of the same element size as "
                           f"{input._dtype} ({input._dtype.itemsize} bytes)")
    cdef Tensor v = new_view(input, input._ndim, input._shape, input._strides, input._offset)
    v._dtype = dt
    v._requires_grad = False
    return v


def reshape(Tensor input, *shape):
    """input with a new shape: a view when possible, a copy otherwise."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int nd = _parse_size(shape, sizes, "reshape")
    _infer_size(sizes, nd, input._numel)
    if _view_strides(input, nd, sizes, strides):
        return _track_view(input, new_view(input, nd, sizes, strides, input._offset),
                           "ViewBackward0", _VIEW_RESHAPE, None)
    cdef Tensor c = contiguous(input)
    _contiguous_strides(nd, sizes, strides)
    return _track_view(input, new_view(c, nd, sizes, strides, c._offset),
                       "UnsafeViewBackward0", _VIEW_RESHAPE, None)


cpdef Tensor transpose(Tensor input, dim0, dim1):
    """input with dims dim0 and dim1 swapped (a view)."""
    cdef int a = wrap_dim(dim0, input._ndim), b = wrap_dim(dim1, input._ndim)
    cdef Tensor v = new_view(input, input._ndim, input._shape, input._strides, input._offset)
    if input._ndim > 0:
        v._shape[a], v._shape[b] = input._shape[b], input._shape[a]
        v._strides[a], v._strides[b] = input._strides[b], input._strides[a]
    order = list(range(input._ndim))
    if input._ndim > 0:
        order[a], order[b] = b, a
    return _track_view(input, v, "TransposeBackward0", _VIEW_PERMUTE, order)


swapaxes = transpose
swapdims = transpose


cdef tuple _dims_arg(tuple dims):
    """f(0, 1) and f((0, 1)) alike."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list, Size)):
        return tuple(dims[0])
    return dims


def permute(Tensor input, *dims):
    """input with its dims reordered (a view)."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef bint seen[PYT_MAX_DIMS]
    cdef int i, d
    dims = _dims_arg(dims)
    if len(dims) != input._ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {input._ndim} is not equal to len(dims) = {len(dims)}")
    for i in range(input._ndim):
        seen[i] = False
    for i in range(input._ndim):
        d = wrap_dim(dims[i], input._ndim)
        if seen[d]:
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        seen[d] = True
        sizes[i] = input._shape[d]
        strides[i] = input._strides[d]
    inverse = [0] * input._ndim
    for i in range(input._ndim):
        inverse[wrap_dim(dims[i], input._ndim)] = i
    return _track_view(input, new_view(input, input._ndim, sizes, strides, input._offset),
                       "PermuteBackward0", _VIEW_PERMUTE, inverse)


def t(Tensor input):
    """The transpose of a matrix; vectors and scalars come back unchanged."""
    if input._ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._ndim}D")
    if input._ndim < 2:
        return _track_view(input, new_view(input, input._ndim, input._shape, input._strides,
                                           input._offset), "TBackward0", _VIEW_IDENTITY, None)
    cdef Tensor v = new_view(input, 2, input._shape, input._strides, input._offset)
    v._shape[0], v._shape[1] = input._shape[1], input._shape[0]
    v._strides[0], v._strides[1] = input._strides[1], input._strides[0]
    return _track_view(input, v, "TBackward0", _VIEW_PERMUTE, [1, 0])


cdef Tensor _reverse_dims(Tensor input):
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i, n = input._ndim
    for i in range(n):
        sizes[i] = input._shape[n - 1 - i]
        strides[i] = input._strides[n - 1 - i]
    return _track_view(input, new_view(input, n, sizes, strides, input._offset),
                       "PermuteBackward0", _VIEW_PERMUTE, list(range(n - 1, -1, -1)))


def squeeze(Tensor input, dim=None):
    """input without its size-1 dims (all of them, or those named by dim)."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef bint drop[PYT_MAX_DIMS]
    cdef int i, nd = 0
    for i in range(input._ndim):
        drop[i] = dim is None and input._shape[i] == 1
    if dim is not None:
        for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
            i = wrap_dim(d, input._ndim)
            if input._ndim > 0 and input._shape[i] == 1:
                drop[i] = True
    for i in range(input._ndim):
        if not drop[i]:
            sizes[nd] = input._shape[i]
            strides[nd] = input._strides[i]
            nd += 1
    return _track_view(input, new_view(input, nd, sizes, strides, input._offset),
                       "SqueezeBackward0" if dim is None else "SqueezeBackward2"
                       if isinstance(dim, (tuple, list)) else "SqueezeBackward1",
                       _VIEW_RESHAPE, None)


def unsqueeze(Tensor input, dim):
    """input with a new size-1 dim at position dim."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i, j = 0, d = wrap_dim(dim, input._ndim + 1)
    if input._ndim + 1 > PYT_MAX_DIMS:
        raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions")
    for i in range(input._ndim + 1):
        if i == d:
            sizes[i] = 1
            strides[i] = input._strides[i] * input._shape[i] if i < input._ndim else 1
        else:
            sizes[i] = input._shape[j]
            strides[i] = input._strides[j]
            j += 1
    return _track_view(input, new_view(input, input._ndim + 1, sizes, strides, input._offset),
                       "UnsqueezeBackward0", _VIEW_RESHAPE, None)


def expand(Tensor input, *sizes):
    """input broadcast to sizes without copying (-1 keeps a dim's size)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i, j, nd = _parse_size(sizes, shape, "expand")
    cdef int lead = nd - input._ndim
    if lead < 0:
        raise RuntimeError(f"expand({_legacy_type_name(input)}{{{list(input.size())}}}, "
                           f"size={[shape[k] for k in range(nd)]}): the number of sizes "
                           f"provided ({nd}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({input._ndim})")
    for i in range(nd):
        j = i - lead
        if j < 0:
            if shape[i] < 0:
                raise RuntimeError(f"The expanded size of the tensor ({shape[i]}) isn't allowed "
                                   f"in a leading, non-existing dimension {i}")
            strides[i] = 0
        elif shape[i] == -1 or shape[i] == input._shape[j]:
            shape[i] = input._shape[j]
            strides[i] = input._strides[j]
        elif input._shape[j] == 1 and shape[i] >= 0:
            strides[i] = 0
        else:
            raise RuntimeError(f"The expanded size of the tensor ({shape[i]}) must match the "
                               f"existing size ({input._shape[j]}) at non-singleton dimension "
                               f"{i}.  Target sizes: {[shape[k] for k in range(nd)]}.  "
                               f"Tensor sizes: {list(input.size())}")
    return _track_view(input, new_view(input, nd, shape, strides, input._offset),
                       "ExpandBackward0", _VIEW_EXPAND, None)


def broadcast_to(Tensor input, size):
    return expand(input, size)


def flatten(Tensor input, start_dim=0, end_dim=-1):
    """input with dims start_dim..end_dim merged into one (a view when possible)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int i, nd = 0
    cdef int s = wrap_dim(start_dim, input._ndim), e = wrap_dim(end_dim, input._ndim)
    cdef Py_ssize_t merged = 1
    if input._ndim == 0:
        return reshape(input, 1)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input                                  # torch's flatten gives input itself
    for i in range(s):
        shape[nd] = input._shape[i]
        nd += 1
    for i in range(s, e + 1):
        merged *= input._shape[i]
    shape[nd] = merged
    nd += 1
    for i in range(e + 1, input._ndim):
        shape[nd] = input._shape[i]
        nd += 1
    return reshape(input, tuple([shape[i] for i in range(nd)]))


def unflatten(Tensor input, dim, sizes):
    """input with dim split into sizes (one of them may be -1)."""
    cdef int d = wrap_dim(dim, input._ndim)
    sizes = list(sizes)
    if len(sizes) == 0:
        raise RuntimeError("unflatten: sizes must be non-empty")
    inferred = [i for i, s in enumerate(sizes) if s == -1]
    if len(inferred) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if inferred and known != 0:
        sizes[inferred[0]] = input._shape[d] // known
        known *= sizes[inferred[0]]
    if known != input._shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size "
                           f"of dim {dim} ({input._shape[d]}) in the input tensor")
    shape = list(input.size())
    return view(input, shape[:d] + sizes + shape[d + 1:])


def narrow(Tensor input, dim, start, Py_ssize_t length):
    """The elements start..start+length of dim (a view)."""
    cdef int d
    cdef Py_ssize_t s, size
    if input._ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._ndim)
    size = input._shape[d]
    s = start
    if s < -size or s > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {s})")
    if s < 0:
        s += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if s + length > size:
        raise RuntimeError(f"start ({s}) + length ({length}) exceeds dimension size ({size}).")
    return _narrow(input, d, s, length)


cdef Tensor _narrow(Tensor input, int d, Py_ssize_t start, Py_ssize_t length):
    return _track_view(input, _narrow_view(input, d, start, length), "SliceBackward0",
                       _VIEW_PICK, _Narrower(d, start, length))


cdef Tensor _narrow_view(Tensor input, int d, Py_ssize_t start, Py_ssize_t length):
    """The elements start..start+length of dim d, not recorded."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef int i
    for i in range(input._ndim):
        sizes[i] = input._shape[i]
    sizes[d] = length
    return new_view(input, input._ndim, sizes, input._strides,
                    input._offset + start * input._strides[d])


def select(Tensor input, dim, index):
    """The slice at index along dim, with that dim removed (a view)."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i, j = 0, d
    cdef Py_ssize_t idx, size
    if input._ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._ndim)
    size = input._shape[d]
    idx = index
    if idx < -size or idx >= size:
        raise IndexError(f"select(): index {idx} out of range for tensor of size "
                         f"{list(input.size())} at dimension {d}")
    if idx < 0:
        idx += size
    for i in range(input._ndim):
        if i != d:
            sizes[j] = input._shape[i]
            strides[j] = input._strides[i]
            j += 1
    return _track_view(input, new_view(input, input._ndim - 1, sizes, strides,
                                       input._offset + idx * input._strides[d]),
                       "SelectBackward0", _VIEW_PICK, _Selector(d, idx))


def unbind(Tensor input, dim=0):
    """The slices along dim, as a tuple of views."""
    if input._ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    cdef int d = wrap_dim(dim, input._ndim)
    cdef tuple pieces
    if not _needs_grad(input):
        return tuple([select(input, d, i) for i in range(input._shape[d])])
    with _RECORDING_OFF:
        pieces = tuple([select(input, d, i) for i in range(input._shape[d])])
    if pieces:
        _record("UnbindBackward0", _unbind_backward, (input,), pieces).ctx = \
            (d, _meta(input))
    return pieces


cdef tuple _unbind_backward(Node node, tuple grads):
    d, (shape, dt) = node.ctx                 # the slices' gradients stacked (unused: zero)
    piece = tuple(shape)[:d] + tuple(shape)[d + 1:]
    dev = next((g.device for g in grads if g is not None), None)
    return (stack([zeros(piece, dtype=dt, device=dev) if g is None else g for g in grads], d),)


def split(Tensor input, split_size_or_sections, dim=0):
    """Pieces of split_size along dim (the last may be smaller), or pieces of the given sizes."""
    if input._ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    cdef int d = wrap_dim(dim, input._ndim)
    cdef Py_ssize_t size = input._shape[d], step, start = 0
    cdef list lengths = []
    if isinstance(split_size_or_sections, (list, tuple)):
        lengths = [int(s) for s in split_size_or_sections]
        if sum(lengths) != size or any(s < 0 for s in lengths):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={lengths}")
        return _split_pieces(input, d, lengths, "SplitWithSizesBackward0")
    step = split_size_or_sections
    if step < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
    if step == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                           f"dimension size of {size}")
    while start < size or (size == 0 and not lengths):
        lengths.append(min(step, size - start))
        start += max(step, 1)
    return _split_pieces(input, d, lengths, "SplitBackward0")


cdef tuple _split_pieces(Tensor input, int d, list lengths, str name):
    """The views of input along d with the given lengths, recorded as one node."""
    cdef list pieces = []
    cdef Py_ssize_t start = 0
    for n in lengths:
        pieces.append(_narrow_view(input, d, start, n))
        start += n
    if _needs_grad(input) and pieces:
        _record(name, _split_backward, (input,), tuple(pieces)).ctx = \
            (d, [p.size() for p in pieces], input._dtype)
    return tuple(pieces)


cdef tuple _split_backward(Node node, tuple grads):
    d, shapes, dt = node.ctx                  # the pieces' gradients joined (unused: zero)
    dev = next((g.device for g in grads if g is not None), None)
    return (_cat([zeros(shape, dtype=dt, device=dev) if g is None else g
                  for g, shape in zip(grads, shapes)], d, None),)


def tensor_split(Tensor input, indices_or_sections, dim=0):
    """numpy.array_split: n nearly equal pieces, or pieces cut at the given indices."""
    cdef int d = wrap_dim(dim, input._ndim)
    cdef Py_ssize_t size = input._shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        base, extra = divmod(size, n)
        bounds = [0]
        for i in range(n):
            bounds.append(bounds[len(bounds) - 1] + base + (1 if i < extra else 0))
    else:
        bounds = [0] + [min(max(int(i) if i >= 0 else int(i) + size, 0), size)
                        for i in indices_or_sections] + [size]
    return tuple([_narrow(input, d, bounds[i], max(bounds[i + 1] - bounds[i], 0))
                  for i in range(len(bounds) - 1)])


def chunk(Tensor input, chunks, dim=0):
    """At most chunks pieces of equal size along dim (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    cdef int d = wrap_dim(dim, input._ndim)
    cdef Py_ssize_t size = input._shape[d]
    return split(input, (size + chunks - 1) // chunks if size else 0, d)


def movedim(Tensor input, source, destination):
    """input with dims moved from source to destination positions (a view)."""
    src = list(source) if isinstance(source, (tuple, list)) else [source]
    dst = list(destination) if isinstance(destination, (tuple, list)) else [destination]
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    n = input._ndim
    src = [wrap_dim(s, n) for s in src]
    dst = [wrap_dim(s, n) for s in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source) if isinstance(source, (tuple, list)) else [source]})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination) if isinstance(destination, (tuple, list)) else [destination]})")
    order = [-1] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter([i for i in range(n) if i not in src])
    order = [o if o >= 0 else next(rest) for o in order]
    return permute(input, order)


moveaxis = movedim


def as_strided(Tensor input, size, stride, storage_offset=None):
    """A view with explicit sizes, element strides and storage offset, checked against
    the bounds of input's storage."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int nd = _parse_size((size,), shape, "as_strided")
    cdef int ns = _parse_size((stride,), strides, "as_strided")
    cdef Py_ssize_t offset = input._offset if storage_offset is None else storage_offset
    cdef Py_ssize_t itemsize = input._dtype.itemsize
    cdef int i
    if nd != ns:
        raise RuntimeError(f"mismatch in length of strides and shape")
    _check_sizes_nonnegative(nd, shape)
    for i in range(nd):
        if strides[i] < 0:
            raise RuntimeError("as_strided: Negative strides are not supported at the moment, "
                               f"got strides: {[strides[j] for j in range(nd)]}")
    _check_in_storage(nd, shape, strides, offset, itemsize, input._storage)
    cdef Tensor v = new_view(input, nd, shape, strides, offset)
    if _needs_grad(input):
        _record("AsStridedBackward0", _as_strided_backward, (input,), (v,)).ctx = (
            _geometry(input), _geometry(v), input._dtype, _has_internal_overlap(input))
    return v


cdef int _check_in_storage(int nd, const Py_ssize_t* shape, const Py_ssize_t* strides,
                           Py_ssize_t offset, Py_ssize_t itemsize, Storage storage) except -1:
    """Raises unless a geometry with non-negative strides lies inside storage."""
    cdef Py_ssize_t last = 0
    cdef int i
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if _checked_numel(nd, shape, itemsize) == 0:
        return 0
    for i in range(nd):
        last += (shape[i] - 1) * strides[i]
    if (offset + last + 1) * itemsize > storage.length:
        raise RuntimeError(f"setStorage: sizes {[shape[j] for j in range(nd)]}, strides "
                           f"{[strides[j] for j in range(nd)]}, storage offset {offset}, "
                           f"and itemsize {itemsize} requiring a storage size of "
                           f"{(offset + last + 1) * itemsize} are out of bounds for storage "
                           f"of size {storage.length}")
    return 0


cdef Tensor set_(Tensor self, source, Py_ssize_t storage_offset, size, stride):
    """Makes self look at source's memory: a Storage (with an offset, sizes and strides,
    contiguous strides by default) or a Tensor (its storage and geometry). self is no longer a
    view of its old base; the old memory is released when nothing else holds it."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t itemsize = self._dtype.itemsize
    cdef Storage storage
    cdef Tensor other
    cdef int nd, i
    if _needs_grad(self) or (isinstance(source, Tensor) and _needs_grad(<Tensor>source)):
        raise RuntimeError("set_ is not allowed on a Tensor that requires grad or on "
                           "a source that requires grad while grad mode is on")
    if source is None:                  # torch: an empty tensor on self's own device
        nd, storage_offset = 1, 0
        shape[0] = 0
        strides[0] = 1
        storage = new_empty(1, shape, self._dtype, self._device, False)._storage
    elif isinstance(source, Tensor):
        other = <Tensor>source
        if other._dtype is not self._dtype:
            raise RuntimeError(f"Expected a Tensor of type {self._dtype} but got {other._dtype} "
                               "for argument #1 'source'")
        storage, nd, storage_offset = other._storage, other._ndim, other._offset
        for i in range(nd):
            shape[i] = other._shape[i]
            strides[i] = other._strides[i]
    elif isinstance(source, Storage):
        storage = <Storage>source
        if size is None:
            nd = 1
            shape[0] = storage.length // itemsize
        else:
            nd = _parse_size((size,), shape, "set_")
        if stride is None:
            _contiguous_strides(nd, shape, strides)
        elif _parse_size((stride,), strides, "set_") != nd:
            raise RuntimeError("mismatch in length of strides and shape")
        _check_sizes_nonnegative(nd, shape)
        for i in range(nd):
            if strides[i] < 0:
                raise RuntimeError("set_: negative strides are not supported")
        _check_in_storage(nd, shape, strides, storage_offset, itemsize, storage)
    else:
        raise TypeError(f"set_(): argument 'source' must be Tensor or Storage, not "
                        f"{type(source).__name__}")
    if storage.device != self._device:
        raise RuntimeError(f"Attempted to set the storage of a tensor on device "
                           f"\"{self._device}\" to a storage on different device "
                           f"\"{storage.device}\"")
    self._storage = storage
    self._offset = storage_offset
    self._data = storage.data + storage_offset * itemsize
    self._view_of = None
    self._set_geometry(nd, shape, strides)
    storage.version += 1
    return self


cdef tuple _geometry(Tensor t):
    return (t.size(), t.stride(), t._offset)


cdef tuple _storage_span(tuple geometry):
    """The first and last storage positions a (shape, strides, offset) geometry touches
    ((offset, offset - 1) when it has no elements)."""
    shape, strides, offset = geometry
    lo = hi = offset
    for n, s in zip(shape, strides):
        if n == 0:
            return (offset, offset - 1)
        if s > 0:
            hi += (n - 1) * s
        else:
            lo += (n - 1) * s
    return (lo, hi)


cdef Tensor _positions(Tensor numbers, tuple geometry, Py_ssize_t base):
    """The storage position (minus base) of each element of a geometry, read from numbers,
    which holds 0, 1, 2, ... (strides may be negative or zero here)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i, nd = len(geometry[0])
    for i in range(nd):
        shape[i] = geometry[0][i]
        strides[i] = geometry[1][i]
    return reshape(new_view(numbers, nd, shape, strides, geometry[2] - base), -1)


cdef tuple _as_strided_backward(Node node, tuple grads):
    """Through storage: each output element's gradient adds into the storage position it
    reads, and each input element takes the gradient of its position (shared among the
    input elements that overlap there, as torch does)."""
    in_geometry, out_geometry, dt, overlapping = node.ctx
    cdef Tensor g = grads[0], numbers, inputs_at, storage, grad, counts
    in_lo, in_hi = _storage_span(in_geometry)
    out_lo, out_hi = _storage_span(out_geometry)
    if in_hi < in_lo or out_hi < out_lo:
        return (zeros(in_geometry[0], dtype=dt, device=g._device),)
    base = min(in_lo, out_lo)
    numbers = arange(max(in_hi, out_hi) - base + 1, device=g._device)
    inputs_at = _positions(numbers, in_geometry, base)
    storage = zeros(numbers._numel, dtype=g._dtype, device=g._device).index_add(
        0, _positions(numbers, out_geometry, base), reshape(g, -1))
    grad = storage.index_select(0, inputs_at)
    if overlapping:
        counts = zeros(numbers._numel, dtype=g._dtype, device=g._device).index_add(
            0, inputs_at, ones(inputs_at._numel, dtype=g._dtype, device=g._device))
        grad = grad / counts.index_select(0, inputs_at)
    return (_grad_like(reshape(grad, in_geometry[0]), (in_geometry[0], dt)),)


def diagonal(Tensor input, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes, as a view with that dim last."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int a = wrap_dim(dim1, input._ndim), b = wrap_dim(dim2, input._ndim)
    cdef int i, nd = 0
    cdef Py_ssize_t off = offset, n, start = input._offset
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if off >= 0:
        n = max(min(input._shape[a], input._shape[b] - off), 0)
        if n > 0:
            start += off * input._strides[b]
    else:
        n = max(min(input._shape[a] + off, input._shape[b]), 0)
        if n > 0:
            start -= off * input._strides[a]
    for i in range(input._ndim):
        if i != a and i != b:
            sizes[nd] = input._shape[i]
            strides[nd] = input._strides[i]
            nd += 1
    sizes[nd] = n
    strides[nd] = input._strides[a] + input._strides[b]
    return _track_view(input, new_view(input, nd + 1, sizes, strides, start),
                       "DiagonalBackward0", _VIEW_PICK, _Diagonal(offset, dim1, dim2))


cdef Tensor _unfold_view(Tensor input, dimension, Py_ssize_t size, Py_ssize_t step):
    """Tensor.unfold: every window of `size` elements, `step` apart, along dimension."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int d = wrap_dim(dimension, input._ndim), i
    cdef Py_ssize_t dim_size = input._shape[d] if input._ndim else 1
    cdef Py_ssize_t dim_stride = input._strides[d] if input._ndim else 1
    if size > dim_size:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {dim_size} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    for i in range(input._ndim):
        sizes[i] = input._shape[i]
        strides[i] = input._strides[i]
    if input._ndim:
        sizes[d] = (dim_size - size) // step + 1
        strides[d] = step * dim_stride
    sizes[max(input._ndim, 1) if input._ndim else 0] = size
    strides[max(input._ndim, 1) if input._ndim else 0] = dim_stride
    return _track_view(input, new_view(input, input._ndim + 1 if input._ndim else 1, sizes,
                                       strides, input._offset),
                       "UnfoldBackward0", _VIEW_PICK, _Unfolder(dimension, size, step))


# ----- in-place view ops: t_, transpose_, squeeze_, unsqueeze_ -------------------------

cdef Tensor _transpose_(Tensor self, dim0, dim1, str name):
    """transpose_ and t_ (which leaves vectors and scalars as they are)."""
    cdef int a, b
    if name == "TBackward1" and self._ndim < 2:
        return _restride_(self, self, name, _VIEW_IDENTITY, None)
    a, b = wrap_dim(dim0, self._ndim), wrap_dim(dim1, self._ndim)
    order = list(range(self._ndim))
    if self._ndim > 0:
        order[a], order[b] = b, a
    return _restride_(self, _untracked_view(transpose, self, (a, b)), name, _VIEW_PERMUTE,
                      order)


cdef Tensor _reshape_(Tensor self, object view_fn, tuple args, str name):
    """squeeze_ / unsqueeze_: self takes the shape of view_fn(self, *args)."""
    return _restride_(self, _untracked_view(view_fn, self, args), name, _VIEW_RESHAPE, None)


cdef Tensor _untracked_view(object view_fn, Tensor self, tuple args):
    if pyt_grad_disabled:
        return view_fn(self, *args)
    with _RECORDING_OFF:
        return view_fn(self, *args)


cdef Tensor _restride_(Tensor self, Tensor v, str name, int kind, object arg):
    """self takes the geometry of v, a view of itself; its history gains that view (the
    leaf rules of in-place ops apply). The version moves on: a saved self would not have
    the shape backward expects."""
    cdef Node node
    if _needs_grad(self):
        node = _record_inplace(name, _view_backward, self, ())
        node.ctx = (kind, self.size(), self._dtype, arg)
    self._set_geometry(v._ndim, v._shape, v._strides)
    self._storage.version += 1
    return self


cpdef Tensor clone(Tensor input):
    """A copy of input in new memory (keeping its dim order when it is dense)."""
    cdef Tensor out = _empty_like_layout(input, input._dtype)
    copy_into(out, input)
    return _track_copy(input, out, "CloneBackward0")


cpdef Tensor detach(Tensor input):
    """A view of input outside the autograd graph."""
    cdef Tensor v = new_view(input, input._ndim, input._shape, input._strides, input._offset)
    v._requires_grad = False
    v._view_of = input._view_of
    return v


# Picks that redo a view on another tensor, for the backward of views that select elements.
cdef class _Narrower:
    cdef int d
    cdef Py_ssize_t start, length

    def __cinit__(self, int d, Py_ssize_t start, Py_ssize_t length):
        self.d, self.start, self.length = d, start, length

    def __call__(self, Tensor t):
        return _narrow(t, self.d, self.start, self.length)


cdef class _Selector:
    cdef int d
    cdef Py_ssize_t index

    def __cinit__(self, int d, Py_ssize_t index):
        self.d, self.index = d, index

    def __call__(self, Tensor t):
        return select(t, self.d, self.index)


cdef class _Diagonal:
    cdef object offset, dim1, dim2

    def __cinit__(self, offset, dim1, dim2):
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def __call__(self, Tensor t):
        return diagonal(t, self.offset, self.dim1, self.dim2)


cdef class _Unfolder:
    cdef object dimension
    cdef Py_ssize_t size, step

    def __cinit__(self, dimension, Py_ssize_t size, Py_ssize_t step):
        self.dimension, self.size, self.step = dimension, size, step

    def __call__(self, Tensor t):
        return _unfold_view(t, self.dimension, self.size, self.step)
