# cython: language_level=3
"""Nodes of the autograd graph.

An op that records itself creates one Node: the edges to the nodes of its inputs
(`next_functions`), the function that maps the gradients of its outputs to those of
its inputs, and the tensors that function needs (saved with their version, so that an
in-place change between forward and backward is caught). The engine (autograd.pyx) walks
these nodes. This module knows nothing of Tensor, so the tensor module can create nodes
without a circular import."""

cdef Py_ssize_t _next_sequence_nr = 0
cdef version_fn _version_of = NULL


cdef void set_version_reader(version_fn reader) noexcept:
    global _version_of
    _version_of = reader


cdef class Node:
    def name(self):
        return self._name

    def __repr__(self):
        return f"<{self._name} object at {hex(id(self))}>"

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs), called after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> new grad_outputs or None, called before backward."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return _RemovableHandle(self._pre_hooks, fn)

    def save(self, *tensors):
        """Keeps tensors for backward, with their current versions."""
        for t in tensors:
            self.save_tensor(t)

    cdef int save_tensor(self, object t) except -1:
        self._saved.append(t)
        self._saved.append(None if t is None else _version_of(t))
        return 0

    def save_output(self, t):
        """Keeps an output of this node for backward. It is held without its history, as
        output -> node -> output would be a reference cycle that keeps both alive until
        the cycle collector runs; the history is put back when backward reads it."""
        self._saved.append(_SavedOutput(_detach(t), t.output_nr))
        self._saved.append(_version_of(t))

    cdef tuple saved_values(self):
        cdef Py_ssize_t i
        if self._released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate "
                "values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward through "
                "the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        out = []
        for i in range(0, len(self._saved), 2):
            t = self._saved[i]
            if type(t) is _SavedOutput:
                t = _reattach((<_SavedOutput>t).data, self, (<_SavedOutput>t).output_nr)
            if t is not None and _version_of(t) != <Py_ssize_t>self._saved[i + 1]:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{t.type()} {list(t.shape)}], which is output "
                    f"{t.output_nr} of {self._name}, is at version {t._version}; expected "
                    f"version {self._saved[i + 1]} instead. Hint: the backtrace further above "
                    f"can show the operation that failed to compute its gradient.")
            out.append(t)
        return tuple(out)

    @property
    def saved_tensors(self):
        return self.saved_values()

    def release(self):
        """Frees the saved tensors (after a backward without retain_graph). ctx stays: it
        holds only small things (shapes, scalars, the leaf of an AccumulateGrad)."""
        self.release_saved()

    cdef void release_saved(self) noexcept:
        if self._saved:
            self._saved = []
            self._released = True

    cdef tuple call_backward(self, tuple grads):
        if self.backward_c != NULL:
            return self.backward_c(self, grads)
        result = self.backward_fn(self, grads)
        return result if isinstance(result, tuple) else (result,)

    def apply(self, *grads):
        return self.call_backward(grads)

    def __call__(self, *grads):
        return self.call_backward(grads)


cdef class _SavedOutput:
    cdef readonly object data           # the output without history (same storage)
    cdef readonly int output_nr

    def __cinit__(self, data, int output_nr):
        self.data = data
        self.output_nr = output_nr


# set by the tensor module (which this one cannot import): t -> t without history, and
# (t, node, output_nr) -> a new alias of t whose history is that output of node
_detach = None
_reattach = None


class _KeepCtx:
    """Base of Function's ctx (kept for compatibility of its class hierarchy)."""


class _RemovableHandle:
    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


cdef Node new_node(str name, object backward_fn, tuple next_functions, int num_outputs):
    global _next_sequence_nr
    cdef Node n = Node.__new__(Node)
    n._name = name
    n.backward_fn = backward_fn
    n.next_functions = next_functions
    n.num_outputs = num_outputs
    n._saved = []
    n._pre_hooks = None
    n._post_hooks = None
    n._output_pre_hooks = None
    n.view_version = -1
    n.sequence_nr = _next_sequence_nr
    _next_sequence_nr += 1
    return n


cdef Node new_c_node(str name, backward_c_fn backward, tuple next_functions, int num_outputs):
    cdef Node n = new_node(name, None, next_functions, num_outputs)
    n.backward_c = backward
    return n


def make_node(str name, backward_fn, tuple next_functions, int num_outputs=1):
    """Python access to new_node, for pyt.autograd.Function."""
    return new_node(name, backward_fn, next_functions, num_outputs)


def add_output_hook(Node node, int output_nr, fn):
    """A hook on the gradient of one output of node (Tensor.register_hook on a non-leaf)."""
    if node._output_pre_hooks is None:
        node._output_pre_hooks = {}
    node._output_pre_hooks.setdefault(output_nr, []).append(fn)
    return _RemovableHandle(node._output_pre_hooks[output_nr], fn)


def output_hooks(Node node, int output_nr):
    if node._output_pre_hooks is None:
        return ()
    return node._output_pre_hooks.get(output_nr, ())


def pre_hooks(Node node):
    return node._pre_hooks or []


def post_hooks(Node node):
    return node._post_hooks or []
