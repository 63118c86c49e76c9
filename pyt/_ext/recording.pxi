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


cdef tuple _accumulate_backward(Node node, tuple grads):
    """AccumulateGrad: adds the gradient into the leaf's .grad (after the leaf's hooks)."""
    cdef Tensor leaf = node.ctx
    g = grads[0]
    if g is None:
        return ()
    meta = leaf._autograd_meta or {}
    for hook in meta.get("hooks", ()):
        result = hook(g)
        if result is not None:
            _check_hook_result(result, g, hook)
            g = result
    if not leaf._requires_grad:
        return ()
    if leaf._grad is None:
        leaf._grad = clone(g) if not pyt_grad_disabled else clone(detach(g))
    elif not pyt_grad_disabled:
        leaf._grad = leaf._grad + g                  # keeps the graph (create_graph=True)
    else:
        _binary(PYT_OP_ADD, leaf._grad, g, None, True)
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
        node = new_node("AccumulateGrad", _accumulate_backward, (), 1)
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
        return (t._grad_fn, t._output_nr)
    if t._requires_grad:
        return (_grad_accumulator(t), 0)
    return (None, 0)


cdef Node _record(str name, object backward_fn, tuple inputs, tuple outputs):
    """Makes outputs the results of a recorded op of inputs; returns its node (the op may
    keep what backward needs in node.ctx and node.save(...))."""
    cdef Node node = new_node(name, backward_fn, tuple([_edge_of(x) for x in inputs]),
                              len(outputs))
    cdef int i
    cdef Tensor out
    for i in range(len(outputs)):
        out = outputs[i]
        out._grad_fn = node
        out._output_nr = i
        out._requires_grad = True
    return node


cdef Node _record_inplace(str name, object backward_fn, Tensor self, tuple others):
    """An in-place op on self: self's history now ends in this op (its old history and
    the other inputs become the edges)."""
    if self._grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if self._view_of is not None and (<Tensor>self._view_of)._requires_grad and \
            (<Tensor>self._view_of)._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    return _record(name, backward_fn, (self,) + others, (self,))


def _record_op(str name, backward_fn, inputs, outputs):
    """Python access to _record for pyt's op modules and Function."""
    return _record(name, backward_fn, tuple(inputs), tuple(outputs))


def _grad_accumulator_of(Tensor leaf):
    return _grad_accumulator(leaf)


def _edge(x):
    return _edge_of(x)


# ----- helpers for backward functions ----------------------------------------------------------

cdef Tensor _sum_to(Tensor grad, tuple shape):
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
    shape, dt = meta
    cdef Tensor t = g
    if t.size() != shape:
        t = _sum_to(t, shape)
    if t._dtype is not dt:
        t = _to_dtype(t, dt, False)
    return t


cdef inline object _meta(object x):
    """(shape, dtype) of a tensor input, for reducing its gradient; None otherwise."""
    if isinstance(x, Tensor):
        return ((<Tensor>x).size(), (<Tensor>x)._dtype)
    return None
