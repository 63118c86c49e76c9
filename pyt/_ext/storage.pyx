# cython: language_level=3, boundscheck=False, wraparound=False
"""CPU storage: memory that pyt allocated, or memory of another object it keeps alive.

Shared memory (for pyt.multiprocessing) is an anonymous memfd mapped MAP_SHARED: it has no
name in /dev/shm, so the kernel frees it when the last process holding the fd or a
mapping exits, however it exits. A shared storage keeps its fd open (one per storage, as
torch's file_descriptor strategy does) so that it can be sent on to other processes."""
import os
cimport cython
from cpython.buffer cimport PyBUF_FORMAT, PyBUF_WRITABLE
from libc.errno cimport errno
from libc.string cimport memcpy
from posix.types cimport off_t
from posix.unistd cimport close, pwrite
from pyt._ext.allocator cimport host_alloc, host_free
from pyt._ext.cuda_api cimport pyt_cuda_free, pyt_cuda_host_free, pyt_cuda_is_pinned
from pyt._ext.device import cpu as _cpu

cdef extern from "<sys/mman.h>" nogil:
    void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset)
    int munmap(void* addr, size_t length)
    int madvise(void* addr, size_t length, int advice)
    void* MAP_FAILED
    enum:
        PROT_READ
        PROT_WRITE
        MAP_SHARED
        MAP_PRIVATE
        MAP_ANONYMOUS
        MAP_FIXED
        MADV_HUGEPAGE

cdef size_t PAGE = os.sysconf("SC_PAGESIZE")


cdef inline size_t _page_round(size_t n) noexcept:
    return (n + PAGE - 1) // PAGE * PAGE if n else PAGE


cdef int _new_memfd(size_t nbytes) except -1:
    fd = os.memfd_create("pyt_shared", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, nbytes)
    except BaseException:
        os.close(fd)
        raise
    return fd


cdef char* _map_shared(int fd, size_t maplen, void* at) except NULL:
    cdef int flags = MAP_SHARED | (MAP_FIXED if at != NULL else 0)
    cdef void* p = mmap(at, maplen, PROT_READ | PROT_WRITE, flags, fd, 0)
    if p == MAP_FAILED:
        raise OSError(errno, f"pyt: cannot map {maplen} bytes of shared memory: "
                             f"{os.strerror(errno)}")
    return <char*>p


@cython.final
cdef class _SharedBlock:
    """Owns the shared memory of one storage: the memfd, its mapping and, after an
    out-of-place share_memory_, the storage's previous memory."""
    cdef int fd
    cdef char* addr
    cdef size_t maplen
    cdef bint in_place          # addr is an allocator block with the memfd mapped over it
    cdef char* old_block        # pyt's previous (malloc'd) block, freed with this
    cdef object old_owner       # or the previous foreign owner, released with this

    def __cinit__(self):
        self.fd = -1

    def __dealloc__(self):
        cdef void* p
        if self.addr != NULL:
            if self.in_place:
                # give the allocator private pages again: free() and the block cache
                # must never see pages another process may still be using
                p = mmap(self.addr, self.maplen, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                if p != MAP_FAILED:
                    madvise(self.addr, self.maplen, MADV_HUGEPAGE)
                    host_free(self.addr, self.maplen)
                # else: leak the range rather than hand shared pages to malloc
            else:
                munmap(self.addr, self.maplen)
            self.addr = NULL
        if self.fd >= 0:
            close(self.fd)
            self.fd = -1
        if self.old_block != NULL:
            host_free(self.old_block, 0)
            self.old_block = NULL


@cython.final
cdef class _CudaBlock:
    """Owns one block of the CUDA caching allocator (device memory) or one page-locked
    host block (pinned): handed back when the last storage over it dies."""
    cdef void* ptr
    cdef bint pinned

    def __dealloc__(self):
        if self.ptr != NULL:
            if self.pinned:
                pyt_cuda_host_free(self.ptr)
            else:
                pyt_cuda_free(self.ptr)
            self.ptr = NULL


cdef Storage cuda_storage(void* ptr, Py_ssize_t nbytes, object device, bint pinned):
    """A storage owning ptr: device memory on `device` from pyt_cuda_malloc, or (pinned)
    host memory from pyt_cuda_host_alloc on the CPU."""
    cdef _CudaBlock block = _CudaBlock.__new__(_CudaBlock)
    block.ptr = ptr
    block.pinned = pinned
    cdef Storage s = wrap_storage(<char*>ptr, nbytes, block)
    if not pinned:
        s.device = device
    return s


# Storage is never cleared by the cycle collector: clearing `owner` before __dealloc__
# would make foreign or shared memory look like pyt's own malloc'd block.
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
        return self.device.type == "cuda"

    def is_pinned(self, device=None):
        return self.device is _cpu and self.data != NULL and pyt_cuda_is_pinned(self.data) == 1

    def is_shared(self):
        return self.shared is not None

    def share_memory_(self, *, _find_views=True):
        """Moves the bytes into shared memory, keeping them at the same address wherever
        it can (see _share); a no-op when already shared. Returns self."""
        if self.shared is None and self.device is _cpu:    # CUDA memory: a no-op, as torch
            _share(self, _find_views)
        return self

    def _share_fd_cpu_(self):
        """Shares the storage and returns (fd, nbytes): the fd stays owned by the
        storage (dup it to keep it longer than the storage lives)."""
        if self.device is not _cpu:
            raise RuntimeError("pyt: sharing CUDA storages between processes is not "
                               "supported")
        self.share_memory_()
        return (<_SharedBlock>self.shared).fd, self.length

    @staticmethod
    def _new_shared(Py_ssize_t nbytes):
        """A fresh storage of nbytes zeroed bytes in shared memory."""
        if nbytes < 0:
            raise RuntimeError(f"Storage size must be non-negative, got {nbytes}")
        return _from_memfd(_new_memfd(_page_round(nbytes)), nbytes)

    @staticmethod
    def _new_shared_fd_cpu(int fd, Py_ssize_t nbytes):
        """The storage of nbytes shared bytes behind fd (received from another process).
        Takes ownership of fd: it is closed when the storage dies."""
        if nbytes < 0:
            raise RuntimeError(f"Storage size must be non-negative, got {nbytes}")
        size = os.fstat(fd).st_size
        if size < nbytes:
            raise RuntimeError(f"shared memory of {size} bytes is too small for a storage "
                               f"of {nbytes} bytes")
        return _from_memfd(fd, nbytes)

    # The bytes, as a one-dimensional writable buffer of unsigned chars: bytes(storage),
    # memoryview(storage) and file.write(storage) read them without a copy.
    def __getbuffer__(self, Py_buffer* buf, int flags):
        if self.device is not _cpu:
            raise BufferError(f"a {self.device} storage has no host buffer: copy it to the "
                              f"CPU first")
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


cdef Storage _from_memfd(int fd, Py_ssize_t nbytes):
    """A storage mapping fd (whose ownership it takes)."""
    cdef _SharedBlock block = _SharedBlock.__new__(_SharedBlock)
    block.fd = fd                     # closed by block's __dealloc__ from here on
    block.maplen = _page_round(nbytes)
    block.addr = _map_shared(fd, block.maplen, NULL)
    cdef Storage s = wrap_storage(block.addr, nbytes, block)
    s.shared = block
    return s


cdef int _write_all(int fd, const char* data, size_t n) except -1:
    cdef size_t done = 0
    cdef Py_ssize_t k
    while done < n:
        with nogil:
            k = pwrite(fd, data + done, n - done if n - done < (1 << 30) else (1 << 30),
                       <off_t>done)
        if k < 0:
            if errno == 4:                # EINTR
                continue
            raise OSError(errno, f"pyt: cannot fill shared memory: {os.strerror(errno)}")
        done += k
    return 0


cdef int _share(Storage s, bint find_views) except -1:
    """Moves s into a new memfd.

    pyt's cached blocks (capacity > 0: 2 MiB- or 64 KiB-aligned, a whole number of such
    units) are runs of pages that belong to the block alone, so the memfd, filled with the
    block's bytes, is mapped with MAP_FIXED over the very same addresses: every tensor, NumPy array and buffer that points into
    the storage keeps working and sees the shared pages. _SharedBlock puts private pages
    back before the block returns to the allocator.

    Small blocks share their pages with other malloc'd objects and foreign memory (NumPy's,
    a bytearray's) is not ours to remap, so those get a new mapping: the bytes are copied,
    the storage points at the copy and every live tensor over it is told to re-read its
    data pointer. The previous memory stays alive with the storage, so a buffer exported
    before sharing stays valid (it no longer sees the tensor's writes; torch would leave it
    dangling). Small storages are cheap to copy; large ones are the ones that matter.
    Finding the tensors scans the heap (gc.get_referrers), so Tensor.share_memory_ skips
    it (find_views False) when the reference count shows that it alone holds s."""
    cdef _SharedBlock block = _SharedBlock.__new__(_SharedBlock)
    cdef char* old = s.data
    if s.owner is None and s.capacity > 0:
        block.maplen = s.capacity
        block.fd = _new_memfd(block.maplen)
        _write_all(block.fd, s.data, <size_t>s.length)
        block.addr = _map_shared(block.fd, block.maplen, s.data)
        block.in_place = True         # from here on block gives the pages back
        s.owner = block               # and the storage no longer frees them itself
        s.shared = block
        return 0
    block.maplen = _page_round(s.length)
    block.fd = _new_memfd(block.maplen)
    block.addr = _map_shared(block.fd, block.maplen, NULL)
    with nogil:
        memcpy(block.addr, s.data, s.length)
    if s.owner is None:
        block.old_block = s.data
    else:
        block.old_owner = s.owner
    s.data = block.addr
    s.owner = block
    s.shared = block
    if find_views:
        from pyt._ext.tensor import _storage_moved
        _storage_moved(s)
    return 0


cdef Storage wrap_storage(char* data, Py_ssize_t nbytes, object owner):
    cdef Storage s = Storage.__new__(Storage)
    s.data = data
    s.length = nbytes
    s.owner = owner
    s.device = _cpu
    return s
