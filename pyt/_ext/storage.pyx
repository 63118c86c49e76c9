# cython: language_level=3, boundscheck=False, wraparound=False
"""CPU storage: memory that pyt allocated, or memory of another object it keeps alive."""
cimport cython
from cpython.buffer cimport PyBUF_FORMAT, PyBUF_WRITABLE
from libc.string cimport memcpy
from pyt._ext.allocator cimport host_alloc, host_free
from pyt._ext.device import cpu as _cpu


# The collector must never clear `owner`: __dealloc__ reads "owner is None" as "pyt
# allocated this memory" and would free foreign memory (a NumPy array's, a buffer's) that
# a reference cycle through the storage left to the collector.
@cython.no_gc_clear
cdef class Storage:
    def __dealloc__(self):
        if self.owner is None and self.data != NULL:
            host_free(self.data, self.capacity)
        self.data = NULL

    def data_ptr(self):
        return <size_t>self.data

    def __len__(self):
        return self.length

    def __repr__(self):
        return f"<pyt storage of {self.length} bytes on {self.device}>"

    def nbytes(self):
        return self.length

    def size(self):
        return self.length

    def element_size(self):
        return 1

    @property
    def is_cuda(self):
        return False

    def is_shared(self):
        return self.shared is not None

    def share_memory_(self):
        raise NotImplementedError("share_memory_: shared-memory storages arrive with "
                                  "pyt.multiprocessing")

    # The bytes, as a one-dimensional writable buffer of unsigned chars: bytes(storage),
    # memoryview(storage) and file.write(storage) read them without a copy.
    def __getbuffer__(self, Py_buffer* buf, int flags):
        buf.buf = self.data
        buf.obj = self
        buf.len = self.length
        buf.readonly = 0
        buf.itemsize = 1
        buf.format = <char*>"B" if flags & PyBUF_FORMAT else NULL
        buf.ndim = 1
        buf.shape = &self.length
        buf.strides = NULL
        buf.suboffsets = NULL
        buf.internal = NULL

    def __releasebuffer__(self, Py_buffer* buf):
        pass

    @staticmethod
    def from_buffer(obj):
        """A storage over the bytes of a writable buffer (a bytearray, a writable mmap...),
        sharing its memory and keeping it alive; a read-only buffer is copied."""
        view = memoryview(obj).cast("B")
        cdef const unsigned char[::1] readable
        cdef unsigned char[::1] writable
        cdef Storage s
        if view.nbytes == 0:
            return new_storage(0, False)
        if view.readonly:
            readable = view
            s = new_storage(view.nbytes, False)
            memcpy(s.data, &readable[0], view.nbytes)
            return s
        writable = view
        return wrap_storage(<char*>&writable[0], view.nbytes, view)


cdef Storage new_storage(Py_ssize_t nbytes, bint zeroed):
    cdef Storage s = Storage.__new__(Storage)
    s.data = host_alloc(<size_t>nbytes, zeroed, &s.capacity)
    s.length = nbytes
    s.owner = None
    s.device = _cpu
    return s


cdef Storage wrap_storage(char* data, Py_ssize_t nbytes, object owner):
    cdef Storage s = Storage.__new__(Storage)
    s.data = data
    s.length = nbytes
    s.owner = owner
    s.device = _cpu
    return s
