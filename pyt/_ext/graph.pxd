# A node of the autograd graph: what backward runs for one op (see graph.pyx).

cdef class Node

# backward(node, grads) -> grads of the inputs, as a C function (pyt's own ops)
ctypedef tuple (*backward_c_fn)(Node node, tuple grads)
# a tensor's version counter (the tensor module supplies it: this module cannot cimport it)
ctypedef Py_ssize_t (*version_fn)(object t) except? -1

cdef class Node:
    cdef readonly tuple next_functions  # ((Node or None, input's output_nr), ...) per input
    cdef backward_c_fn backward_c       # the backward of a pyt op, or NULL
    cdef object backward_fn             # else a Python backward (autograd.Function)
    cdef public object ctx              # whatever the op keeps for its backward
    cdef list _saved                    # [tensor, its version at save time, ...]
    cdef readonly str _name
    cdef readonly int num_outputs
    cdef readonly Py_ssize_t sequence_nr
    cdef bint _released
    cdef list _pre_hooks                # fn(grads) -> grads or None, before backward (or None)
    cdef list _post_hooks               # fn(grad_inputs, grad_outputs), after backward (or None)
    cdef dict _output_pre_hooks         # output index -> [fn(grad) -> grad or None]
    cdef public object metadata
    cdef Py_ssize_t view_version        # for a view's node: its storage's version then, else -1
    cdef object __weakref__

    cdef tuple saved_values(self)
    cdef int save_tensor(self, object t) except -1
    cdef void release_saved(self) noexcept
    cdef tuple call_backward(self, tuple grads)


cdef Node new_node(str name, object backward_fn, tuple next_functions, int num_outputs)
cdef Node new_c_node(str name, backward_c_fn backward, tuple next_functions, int num_outputs)
cdef void set_version_reader(version_fn reader) noexcept
