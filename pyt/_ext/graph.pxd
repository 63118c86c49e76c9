# A node of the autograd graph: what backward runs for one op (see graph.pyx).

cdef class Node:
    cdef readonly tuple next_functions  # ((Node or None, input's output_nr), ...) per input
    cdef object backward_fn             # backward_fn(node, grads) -> grads of the inputs
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
    cdef object __weakref__

    cdef tuple saved_values(self)
    cdef int save_tensor(self, object t) except -1
    cdef void release_saved(self) noexcept


cdef Node new_node(str name, object backward_fn, tuple next_functions, int num_outputs)
