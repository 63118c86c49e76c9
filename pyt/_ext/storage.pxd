# Storage: one block of memory that tensors view.

cdef class Storage:
    cdef char* data
    cdef Py_ssize_t length     # in bytes
    cdef object owner          # keeps foreign memory alive; None when pyt allocated it
    cdef size_t capacity       # what allocator.host_free needs for pyt's own memory
    cdef readonly object device
    cdef public Py_ssize_t version   # bumped by in-place ops, shared by all views
    cdef object shared         # the shared-memory handle once shared between processes
    cdef object __weakref__


cdef Storage new_storage(Py_ssize_t nbytes, bint zeroed)
cdef Storage wrap_storage(char* data, Py_ssize_t nbytes, object owner)
cdef Storage cuda_storage(void* ptr, Py_ssize_t nbytes, object device, bint pinned)
