# cython: language_level=3, boundscheck=False, wraparound=False
"""CPU storage: memory that pyt allocated, or memory of another object it keeps alive."""
from pyt._ext.allocator cimport host_alloc, host_free
from pyt._ext.device import cpu as _cpu


cdef class Storage:
    def __dealloc__(self):
        if self.owner is None and self.data != NULL:
            host_free(self.data, self.capacity)
        self.data = NULL

    def nbytes_(self):
        return self.nbytes

    def data_ptr(self):
        return <size_t>self.data

    def __len__(self):
        return self.nbytes

    def __repr__(self):
        return f"<pyt storage of {self.nbytes} bytes on {self.device}>"


cdef Storage new_storage(Py_ssize_t nbytes, bint zeroed):
    cdef Storage s = Storage.__new__(Storage)
    s.data = host_alloc(<size_t>nbytes, zeroed, &s.capacity)
    s.nbytes = nbytes
    s.owner = None
    s.device = _cpu
    return s


cdef Storage wrap_storage(char* data, Py_ssize_t nbytes, object owner):
    cdef Storage s = Storage.__new__(Storage)
    s.data = data
    s.nbytes = nbytes
    s.owner = owner
    s.device = _cpu
    return s
