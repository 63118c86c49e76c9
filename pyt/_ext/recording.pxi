# Recording ops on the autograd tape. An op whose inputs require grad (in grad mode)
# creates one Node (graph.pyx): the edges to its inputs' nodes, its backward function
# and what that needs. The engine that runs the nodes is autograd.pyx.
#
# A backward function has the signature backward(node, grads) -> tuple with one gradient
# (or None) per recorded input, and is written with pyt ops, so that with
# create_graph=True the backward pass is itself recorded (double backward).


cdef inline bint _needs_grad(Tensor t) noexcept:
    return t._requires_grad and not pyt_grad_disabled


cdef inline bint _any_needs_grad(object a, object b):
    """For binary ops: either operand a Tensor that requires grad, in grad mode."""
    if pyt_grad_disabled:
        return False
    return ((isinstance(a, Tensor) and (<Tensor>a)._requires_grad) or
            (isinstance(b, Tensor) and (<Tensor>b)._requires_grad))


# Serialises the read-modify-write of .grad: the add kernel runs without the GIL, so
# threads running backward through one leaf at once (shared weights) would otherwise
# lose each other's gradients. Hooks run outside it: a hook may itself call backward.
_grad_accumulation_lock = _threading.Lock()


cdef tuple _accumulate_backward(Node node, tuple grads):
    """AccumulateGrad: adds the gradient into the leaf's .grad (after the leaf's hooks)."""
    cdef Tensor leaf = <Tensor?>node.ctx
    g = grads[0]
    if g is None:
        return ()
    meta = leaf._autograd_meta
    if meta:
        for hook in meta.get("hooks", ()):
            result = hook(g)
            if result is not None:
                _check_hook_result(result, g, hook)
                g = result
    if not leaf._requires_grad:
        return ()
    with _grad_accumulation_lock:
        if leaf._grad is None:
            if pyt_grad_disabled and not _same_geometry(g, leaf):
                # torch's layout contract: .grad has the leaf's strides, so that optimizers
                # update parameter, gradient and state in one order (a weight's gradient
                # often arrives transposed from matmul's backward)
                grad = _empty_like_layout(leaf, (<Tensor>g)._dtype)
                copy_into(grad, g)
                leaf._grad = grad
            else:
                leaf._grad = clone(g)      # recorded only under create_graph, as torch
        elif not pyt_grad_disabled:
            leaf._grad = leaf._grad + g              # keeps the graph (create_graph=True)
        else:
            _binary(PYT_OP_ADD, leaf._grad, g, None, True)
    if meta:
        for hook in meta.get("post_accumulate_hooks", ()):
            hook(leaf)
    return ()


cdef int _check_hook_result(object result, object grad, object hook) except -1:
    if not isinstance(result, Tensor):
        raise TypeError(f"expected a Tensor or None from hook "
                        f"{getattr(hook, '__name__', hook)}, got {type(result).__name__}")
    if (<Tensor>result).size() != (<Tensor>grad).size():
        raise RuntimeError(f"hook '{getattr(hook, '__name__', 'hook')}' has changed the size "
                           f"of value")
    return 0


cdef Node _grad_accumulator(Tensor leaf):
    """The AccumulateGrad node of a leaf (one per leaf while a graph refers to it)."""
    if leaf._autograd_meta is None:
        leaf._autograd_meta = {}
    ref = leaf._autograd_meta.get("accumulator")
    node = ref() if ref is not None else None
    if node is None:
        node = new_c_node("AccumulateGrad", _accumulate_backward, (), 1)
        (<Node>node).ctx = leaf
        leaf._autograd_meta["accumulator"] = _weakref(node)
    return node


cdef tuple _edge_of(object x):
    """(node, output_nr) through which a gradient reaches x; (None, 0) when it needs none."""
    cdef Tensor t
    if not isinstance(x, Tensor):
        return (None, 0)
    t = x
    if t._grad_fn is not None:
        if t._view_of is not None:
            _refresh_view_history(t)
        return (t._grad_fn, t._output_nr)
    if t._requires_grad:
        return (_grad_accumulator(t), 0)
    return (None, 0)


cdef int _refresh_view_history(Tensor view) except -1:
    """A view whose storage was changed in place since its history was recorded (through
    another view, or its base) now reads its values from the base's current history."""
    cdef Node node = view._grad_fn
    cdef Tensor base = view._view_of
    if node.view_version < 0 or node.view_version == view._storage.version:
        return 0
    if not base._requires_grad or not _is_non_overlapping_and_dense(base):
        return 0
    geometry = _view_geometry(base, view)
    node = _record("AsStridedBackward0", _view_backward, (base,), (view,))
    node.ctx = (_VIEW_PICK, base.size(), base._dtype, geometry)
    node.view_version = view._storage.version
    return 0


cdef Node _record(str name, backward_c_fn backward, tuple inputs, tuple outputs):
    """Makes outputs the results of a recorded op of inputs; returns its node (the op may
    keep what backward needs in node.ctx and node.save(...))."""
    return _attach_outputs(new_c_node(name, backward, _edges_of(inputs), len(outputs)),
                           outputs)


cdef tuple _edges_of(tuple inputs):
    cdef Py_ssize_t i, n = len(inputs)
    cdef tuple edges = PyTuple_New(n)
    cdef object e
    for i in range(n):
        e = _edge_of(inputs[i])
        Py_INCREF(e)
        PyTuple_SET_ITEM(edges, i, e)
    return edges


cdef Node _attach_outputs(Node node, tuple outputs):
    cdef Py_ssize_t i
    cdef Tensor out
    for i in range(len(outputs)):
        out = outputs[i]
        out._grad_fn = node
        out._output_nr = i
        out._requires_grad = True
    return node


cdef Node _record_inplace(str name, backward_c_fn backward, Tensor self, tuple others):
    """An in-place op on self: self's history now ends in this op (its old history and
    the other inputs become the edges)."""
    if self._grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if self._view_of is not None and (<Tensor>self._view_of)._requires_grad and \
            (<Tensor>self._view_of)._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    cdef Node node = _record(name, backward, (self,) + others, (self,))
    _rebase_view(self)
    return node


def _record_op(str name, backward_fn, inputs, outputs):
    """Python access to recording, for pyt.autograd.Function and Python-level ops:
    backward_fn(node, grads) -> a gradient per input."""
    inputs = tuple(inputs)
    return _attach_outputs(new_node(name, backward_fn, _edges_of(inputs), len(outputs)),
                           tuple(outputs))


def _grad_accumulator_of(Tensor leaf):
    return _grad_accumulator(leaf)


def _edge(x):
    return _edge_of(x)


cdef Tensor _add_grads(Tensor a, Tensor b):
    """Two gradients of one tensor, summed (by the engine)."""
    return _binary(PYT_OP_ADD, a, b, None, False)


# ----- helpers for backward functions ----------------------------------------------------------

cdef Tensor _sum_to(Tensor grad, object shape):
    """grad summed over the dims that broadcasting added or expanded to reach shape."""
    cdef int lead = grad._ndim - len(shape)
    cdef list dims = list(range(lead))
    cdef int i
    if lead < 0:
        raise RuntimeError(f"sum_to: gradient of shape {list(grad.size())} cannot be reduced "
                           f"to {list(shape)}")
    for i in range(len(shape)):
        if shape[i] == 1 and grad._shape[lead + i] != 1:
            dims.append(lead + i)
    if dims:
        grad = grad.sum(tuple(dims), keepdim=True)
    if lead or grad._ndim != len(shape):
        grad = reshape(grad, shape)
    return grad


cdef object _grad_like(object g, object meta):
    """A gradient brought back to an input's (shape, dtype); None for non-tensor inputs."""
    if meta is None or g is None:
        return None
    if meta is _SAME:
        return g
    shape, dt = meta
    cdef Tensor t = g
    if not _shape_equals(t, shape):
        t = _sum_to(t, shape)
    if t._dtype is not dt:
        t = _to_dtype(t, dt, False)
    return t


cdef object _meta(object x):
    """(shape, dtype) of a tensor input, for reducing its gradient; None otherwise."""
    if isinstance(x, Tensor):
        return (_shape_tuple(x), (<Tensor>x)._dtype)
    return None


# _meta_vs's answer for an input with the result's shape and dtype: nothing to reduce
cdef object _SAME = object()


cdef object _meta_vs(object x, Tensor result):
    """What backward needs to bring a gradient back to input x of an op with this result:
    None when x gets none (a number, or a tensor that does not require grad), _SAME when
    x has result's shape and dtype, else x's (shape, dtype)."""
    cdef Tensor t
    cdef int i
    if not isinstance(x, Tensor) or not (<Tensor>x)._requires_grad:
        return None
    t = x
    if t._dtype is result._dtype and t._ndim == result._ndim:
        for i in range(t._ndim):
            if t._shape[i] != result._shape[i]:
                return (_shape_tuple(t), t._dtype)
        return _SAME
    return (_shape_tuple(t), t._dtype)


cdef tuple _shape_tuple(Tensor t):
    """t's shape as a plain tuple (cheaper than a Size, which is a Python class)."""
    cdef tuple shape = PyTuple_New(t._ndim)
    cdef int i
    cdef object v
    for i in range(t._ndim):
        v = t._shape[i]
        Py_INCREF(v)
        PyTuple_SET_ITEM(shape, i, v)
    return shape


cdef bint _shape_equals(Tensor t, object shape):
    cdef int i
    if len(shape) != t._ndim:
        return False
    for i in range(t._ndim):
        if <Py_ssize_t>shape[i] != t._shape[i]:
            return False
    return True


# ----- the pattern every differentiable op follows ------------------------------------------
#   result = <kernel>(...)                        # kernels never record
#   if _wants_grad((a, b)):
#       _refuse_out(out, "name")
#       node = _record("NameBackward0", _name_backward, (a, b), (result,))
#       node.save(...); node.ctx = ...
# and its in-place form computes the recorded result out of place from a clone and ends
# with _inplace_result(self, result).

cdef bint _wants_grad(tuple inputs):
    """Grad mode is on and some tensor among inputs requires grad."""
    if pyt_grad_disabled:
        return False
    for x in inputs:
        if isinstance(x, Tensor) and (<Tensor>x)._requires_grad:
            return True
    return False


cdef int _refuse_out(object out, str name) except -1:
    if out is not None:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           f"automatic differentiation, but one of the arguments requires "
                           f"grad.")
    return 0


cdef Tensor _inplace_result(Tensor self, Tensor result):
    """Ends an in-place op that was computed (and recorded) out of place: self takes
    result's values and its history; returns self."""
    _check_inplace_allowed(self)
    cdef bint was_enabled = not pyt_grad_disabled
    set_grad_enabled_flag(False)
    try:
        copy_into(self, result)
    finally:
        set_grad_enabled_flag(was_enabled)
    self._storage.version += 1
    self._grad_fn = result._grad_fn
    self._output_nr = result._output_nr
    self._requires_grad = result._requires_grad
    _rebase_view(self)
    return self


cdef Node _record_not_implemented(str op, tuple inputs, Tensor result):
    """An op torch records without a derivative: backward through it raises."""
    cdef Node node = _record("torch::autograd::NotImplemented", _not_implemented_backward,
                             inputs, (result,))
    node.ctx = op
    return node


cdef tuple _not_implemented_backward(Node node, tuple grads):
    raise RuntimeError(f"derivative for aten::{node.ctx} is not implemented")


# ----- in-place ops on views ---------------------------------------------------------------
# An in-place op on a view changes its base too. The op is first recorded on the view as
# if it stood alone; then the base's history becomes CopySlices(base's old history, the
# view's new values), and the view becomes an as_strided view of that new history. The
# gradient of the old base is the incoming gradient with the view's region zeroed; the
# view's new values get that region.

cdef int _rebase_view(Tensor view) except -1:
    if view._view_of is None or pyt_grad_disabled or not view._requires_grad:
        return 0
    cdef Tensor base = view._view_of
    cdef Node node
    geometry = _view_geometry(base, view)
    node = _record("CopySlices", _copy_slices_backward, (base, view), (base,))
    node.ctx = (geometry, _meta(view))
    node = _record("AsStridedBackward0", _view_backward, (base,), (view,))
    node.ctx = (_VIEW_PICK, base.size(), base._dtype, geometry)
    node.view_version = view._storage.version
    return 0


cdef class _ViewOfContiguous:
    """t -> the view with these sizes, strides and offset (relative to t's own offset) of
    a contiguous t: a view of a base, taken again of the base's gradient."""
    cdef tuple size, stride
    cdef Py_ssize_t offset

    def __cinit__(self, tuple size, tuple stride, Py_ssize_t offset):
        self.size, self.stride, self.offset = size, stride, offset

    def __call__(self, Tensor t):
        return as_strided(t, self.size, self.stride, t._offset + self.offset)


cdef _ViewOfContiguous _view_geometry(Tensor base, Tensor view):
    """How to take view of a contiguous tensor shaped like base (a gradient): view's
    strides and offset in base's logical (row-major) element numbering. base must be
    dense; each storage step then splits uniquely into steps along base's dims."""
    cdef Py_ssize_t logical[PYT_MAX_DIMS]
    cdef int order[PYT_MAX_DIMS]
    cdef int i, j, k, n = 0
    cdef Py_ssize_t acc = 1
    if is_contiguous(base):
        return _ViewOfContiguous(_shape_tuple(view), view.stride(), view._offset - base._offset)
    for i in range(base._ndim - 1, -1, -1):
        logical[i] = acc
        acc *= base._shape[i]
        if base._shape[i] > 1:
            order[n] = i
            n += 1
    for i in range(1, n):                        # dims by storage stride, largest first
        k = order[i]
        j = i - 1
        while j >= 0 and base._strides[order[j]] < base._strides[k]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k

    def to_logical(Py_ssize_t step):
        cdef Py_ssize_t rest = step, result = 0, digit
        cdef int m
        for m in range(n):
            digit = rest // base._strides[order[m]]
            rest -= digit * base._strides[order[m]]
            result += digit * logical[order[m]]
        return result

    strides = tuple([to_logical(view._strides[i]) if view._shape[i] > 1 else 0
                     for i in range(view._ndim)])
    return _ViewOfContiguous(_shape_tuple(view), strides, to_logical(view._offset - base._offset))


cdef tuple _copy_slices_backward(Node node, tuple grads):
    geometry, view_meta = node.ctx
    cdef Tensor g = contiguous(clone(grads[0]))
    region = geometry(g)
    view_grad = clone(region)
    fill_(region, 0)
    return (g, _grad_like(view_grad, view_meta))


# ----- views ---------------------------------------------------------------------------------
# A view's gradient goes back to its input by undoing the view: reshape back, permute
# back, sum over expanded dims, or scatter into zeros where the view picked elements.

cdef enum:
    _VIEW_RESHAPE = 0     # same elements, new shape: grad.reshape(input shape)
    _VIEW_PERMUTE = 1     # arg: the inverse permutation
    _VIEW_EXPAND = 2      # sum over the broadcast dims
    _VIEW_PICK = 3        # arg: f(t) that takes the same view of t; grad scattered into zeros
    _VIEW_IDENTITY = 4


cdef Tensor _track_view(Tensor input, Tensor v, str name, int kind, object arg):
    """v, a view of input, recorded when input needs a gradient."""
    cdef Node node
    if not _needs_grad(input):
        return v
    node = _record(name, _view_backward, (input,), (v,))
    node.ctx = (kind, input.size(), input._dtype, arg)
    node.view_version = v._storage.version
    return v


cdef tuple _view_backward(Node node, tuple grads):
    cdef int kind
    kind, shape, dt, arg = node.ctx
    g = grads[0]
    if kind == _VIEW_RESHAPE:
        return (reshape(g, shape),)
    if kind == _VIEW_PERMUTE:
        return (permute(g, arg),)
    if kind == _VIEW_EXPAND:
        return (_sum_to(g, shape),)
    if kind == _VIEW_IDENTITY:
        return (g,)
    return (_scatter_picked(g, shape, dt, arg),)


cdef Tensor _scatter_picked(Tensor g, object shape, DType dt, object pick):
    """Zeros of shape with g added where pick(zeros) looks: the gradient of any indexing.
    Element numbers taken through the same pick tell where each element of g goes, so
    slices, steps, masks, index lists and repeated indices all sum correctly."""
    cdef Tensor out = zeros(shape, dtype=dt, device=g._device)
    cdef Tensor ids
    cdef bint was_enabled = not pyt_grad_disabled
    set_grad_enabled_flag(False)
    try:
        ids = pick(arange(out._numel, device=g._device).view(shape))
        out.view(-1).index_add_(0, reshape(ids, -1), reshape(g, -1))
    finally:
        set_grad_enabled_flag(was_enabled)
    if _needs_grad(g):                     # double backward: the grad of this is pick(grad)
        _record("IndexAddBackward0", _pick_backward, (g,), (out,)).ctx = pick
    return out


cdef tuple _pick_backward(Node node, tuple grads):
    return (node.ctx(grads[0]),)


# ----- copies ----------------------------------------------------------------------------------

cdef Tensor _track_copy(Tensor input, Tensor out, str name):
    """out, a new tensor with input's values (maybe another dtype), recorded."""
    cdef Node node
    if input is out or not _needs_grad(input) or not out._dtype.is_floating_point:
        return out
    node = _record(name, _copy_backward, (input,), (out,))
    node.ctx = (input.size(), input._dtype, input._device)
    return out


cdef tuple _copy_backward(Node node, tuple grads):
    size, dt, dev = node.ctx
    g = _grad_like(grads[0], (size, dt))
    if g is not None and (<Tensor>g)._device is not dev:     # a copy between devices
        g = _track_copy(g, _to_device(g, dev, (<Tensor>g)._dtype, False, False),
                        "ToCopyBackward0")
    return (g,)


cdef tuple _overwrite_backward(Node node, tuple grads):
    """copy_/fill_: the old value of self gets no gradient; the source gets grad."""
    meta = node.ctx
    if meta is None:
        return (None,)
    return (None, _grad_like(grads[0], meta))


cdef int _track_overwrite(Tensor self, object src, str name) except -1:
    """Records self.copy_(src) / self.fill_(value) after the data moved."""
    if pyt_grad_disabled:
        return 0
    cdef bint src_grad = isinstance(src, Tensor) and (<Tensor>src)._requires_grad
    if not (self._requires_grad or src_grad):
        return 0
    if src_grad:
        node = _record_inplace(name, _overwrite_backward, self, (src,))
        node.ctx = _meta(src)
    else:
        _record_inplace(name, _overwrite_backward, self, ()).ctx = None
    return 0


# ----- t[index] and t[index] = v -------------------------------------------------------------

cdef object _getitem_tracked(Tensor self, object index):
    cdef Tensor out
    cdef Node node
    if not _needs_grad(self):
        return _getitem(self, index)
    set_grad_enabled_flag(False)
    try:
        out = _getitem(self, index)
    finally:
        set_grad_enabled_flag(True)
    node = _record(_indexing_name(index) if out._storage is self._storage
                   else "IndexBackward0", _view_backward, (self,), (out,))
    node.ctx = (_VIEW_PICK, self.size(), self._dtype, _Picker(index))
    if out._storage is self._storage:
        node.view_version = out._storage.version
    return out


cdef str _indexing_name(object index):
    """torch names a basic-indexing view after its last step."""
    last = index[-1] if isinstance(index, tuple) and len(index) else index
    if last is None:
        return "UnsqueezeBackward0"
    if last is Ellipsis:
        return "AliasBackward0"
    if isinstance(last, slice):
        return "SliceBackward0"
    return "SelectBackward0"


cdef class _Picker:
    """t -> t[index], kept by a node to redo the same indexing in backward."""
    cdef readonly object index

    def __cinit__(self, index):
        self.index = index

    def __call__(self, t):
        return _getitem_tracked(t, self.index)


cdef int _setitem_tracked(Tensor self, object index, object value) except -1:
    cdef bint value_grad = isinstance(value, Tensor) and (<Tensor>value)._requires_grad
    if pyt_grad_disabled or not (self._requires_grad or value_grad):
        return _setitem(self, index, value)
    _check_inplace_allowed(self)
    set_grad_enabled_flag(False)
    try:
        _setitem(self, index, value)
    finally:
        set_grad_enabled_flag(True)
    node = _record_inplace("CopySlices", _setitem_backward, self, (value,) if value_grad else ())
    node.ctx = (_Picker(index), _meta(value) if value_grad else None)
    return 0


cdef tuple _setitem_backward(Node node, tuple grads):
    """self[index] = value: self's old value gets grad except where it was overwritten;
    value gets grad[index] (summed over its broadcast dims)."""
    pick, value_meta = node.ctx
    cdef Tensor g = grads[0]
    cdef Tensor kept = clone(g)
    if _needs_grad(kept):
        _setitem_tracked(kept, pick.index, 0)     # double backward sees the zeroing too
    else:
        _setitem(kept, pick.index, 0)
    if value_meta is None:
        return (kept,)
    return (kept, _grad_like(pick(g), value_meta))


# ----- saved outputs (Node.save_output) -------------------------------------------------------

def _reattach_output(Tensor data, Node node, int output_nr):
    """An alias of a saved output with its history back, for the backward that reads it."""
    cdef Tensor t = detach(data)
    t._grad_fn = node
    t._output_nr = output_nr
    t._requires_grad = True
    return t


cdef Py_ssize_t _version_of_tensor(object t) except? -1:
    return (<Tensor?>t)._storage.version


set_version_reader(_version_of_tensor)
from pyt._ext import graph as _graph_module
_graph_module._detach = detach
_graph_module._reattach = _reattach_output
