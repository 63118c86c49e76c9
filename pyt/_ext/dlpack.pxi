# DLPack exchange: Tensor.__dlpack__ / __dlpack_device__ (pyt as producer) and
# from_dlpack (pyt as consumer). The C structs are in include/dlpack.h.
#
# Producer: every export mallocs one block holding the managed tensor followed by its
# int64 shape and strides. manager_ctx is a strong reference to the tensor's Storage, so
# the memory outlives the exporting tensor; the deleter we hand out drops that reference
# and frees the block. Whoever consumes the capsule renames it "used_..." and calls the
# deleter when done; a capsule that nobody consumed calls it from its destructor.
#
# Consumer: the producer's managed tensor is kept by a _DLPackOwner stored as the new
# Storage's owner. When the last pyt tensor on that storage dies, the owner calls the
# producer's deleter, exactly once.

from cpython.pycapsule cimport (PyCapsule_New, PyCapsule_IsValid, PyCapsule_GetPointer,
                                PyCapsule_SetName, PyCapsule_GetName, PyCapsule_CheckExact)
from cpython.ref cimport PyObject, Py_INCREF, Py_XDECREF
from libc.stdint cimport uint32_t, uint64_t

cdef extern from "Python.h":
    int Py_IsInitialized() nogil

cdef extern from "dlpack.h":
    enum:
        DLPACK_MAJOR_VERSION
        DLPACK_MINOR_VERSION
        kDLCPU, kDLCUDA, kDLCUDAHost, kDLROCM, kDLROCMHost
        kDLInt, kDLUInt, kDLFloat, kDLBfloat, kDLComplex, kDLBool
    uint64_t DLPACK_FLAG_BITMASK_READ_ONLY
    uint64_t DLPACK_FLAG_BITMASK_IS_COPIED

    ctypedef struct DLDevice:
        int32_t device_type
        int32_t device_id
    ctypedef struct DLDataType:
        uint8_t code
        uint8_t bits
        uint16_t lanes
    ctypedef struct DLTensor:
        void* data
        DLDevice device
        int32_t ndim
        DLDataType dtype
        int64_t* shape
        int64_t* strides
        uint64_t byte_offset
    ctypedef struct DLManagedTensor:
        DLTensor dl_tensor
        void* manager_ctx
        void (*deleter)(DLManagedTensor*) noexcept nogil
    ctypedef struct DLPackVersion:
        uint32_t major
        uint32_t minor
    ctypedef struct DLManagedTensorVersioned:
        DLPackVersion version
        void* manager_ctx
        void (*deleter)(DLManagedTensorVersioned*) noexcept nogil
        uint64_t flags
        DLTensor dl_tensor


# DLPack (type code, bits) of each pyt dtype, indexed by pyt dtype code.
cdef uint8_t _DL_CODE[10]
cdef uint8_t _DL_BITS[10]
_DL_CODE[:] = [kDLBool, kDLUInt, kDLInt, kDLInt, kDLInt, kDLInt,
               kDLFloat, kDLBfloat, kDLFloat, kDLFloat]
_DL_BITS[:] = [8, 8, 8, 16, 32, 64, 16, 16, 32, 64]

cdef dict _DL_DEVICE_NAMES = {kDLCPU: "cpu", kDLCUDA: "cuda", kDLCUDAHost: "cuda_host",
                              kDLROCM: "rocm", kDLROCMHost: "rocm_host"}


# ----- producer -------------------------------------------------------------------------

cdef tuple _dlpack_device(Tensor self):
    if self._device.type == "cuda":
        return (kDLCUDA, self._device.index or 0)
    return (kDLCPU, 0)


cdef object _to_dlpack(Tensor self, stream, max_version, dl_device, copy):
    """A capsule sharing self's memory ("dltensor", or "dltensor_versioned" when the
    consumer says it understands DLPack >= 1.0 through max_version)."""
    cdef bint versioned, copied
    if self._requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if stream is not None and (type(stream) is not int):
        raise TypeError("stream must be ``int`` or ``none``")
    if stream is not None and stream != -1 and self._device.type == "cpu":
        raise BufferError("stream should be None on cpu.")
    if dl_device is not None and tuple(dl_device) != _dlpack_device(self):
        if int(dl_device[0]) != kDLCPU or self._device.type != "cpu":
            raise BufferError(f"can't export a {self._device.type} tensor to DLPack device "
                              f"{tuple(dl_device)} (pyt copies between devices with .to())")
    copied = copy is not None and bool(copy)
    versioned = max_version is not None and max_version[0] >= 1
    if self._device is not _cpu and stream != -1:
        # the consumer reads on its own stream: pyt's pending work on the tensor ends first
        cuda_check(pyt_cuda_synchronize(), "__dlpack__")
    return _export_capsule(clone(self) if copied else self, versioned, copied)


cdef bint _storage_is_read_only(Storage s):
    """Memory pyt borrowed from a producer that marked it read-only."""
    owner = s.owner
    if isinstance(owner, np.ndarray):
        return not owner.flags.writeable
    if isinstance(owner, _DLPackOwner):
        return (<_DLPackOwner>owner).read_only
    return False


cdef void _fill_dltensor(DLTensor* dl, Tensor t, int64_t* geometry) noexcept:
    """dl describes t in place (data points at t's first element, byte_offset 0);
    geometry has room for 2 * ndim int64s."""
    cdef int i
    for i in range(t._ndim):
        geometry[i] = t._shape[i]
        geometry[t._ndim + i] = t._strides[i]
    dl.data = t._data
    if t._device is _cpu:
        dl.device.device_type = kDLCPU
        dl.device.device_id = 0
    else:
        dl.device.device_type = kDLCUDA
        dl.device.device_id = t._device.index
    dl.ndim = t._ndim
    dl.dtype.code = _DL_CODE[t._dtype.code]
    dl.dtype.bits = _DL_BITS[t._dtype.code]
    dl.dtype.lanes = 1
    dl.shape = geometry
    dl.strides = geometry + t._ndim
    dl.byte_offset = 0


cdef object _export_capsule(Tensor t, bint versioned, bint copied):
    cdef size_t geometry_bytes = 2 * t._ndim * sizeof(int64_t)
    cdef DLManagedTensor* legacy
    cdef DLManagedTensorVersioned* vers
    cdef PyObject* ctx = <PyObject*>t._storage
    # the struct sizes are multiples of 8, so the int64 arrays after them are aligned
    if versioned:
        vers = <DLManagedTensorVersioned*>malloc(sizeof(DLManagedTensorVersioned) + geometry_bytes)
        if vers == NULL:
            raise MemoryError()
        vers.version.major = DLPACK_MAJOR_VERSION
        vers.version.minor = DLPACK_MINOR_VERSION
        vers.manager_ctx = ctx
        vers.deleter = _delete_versioned_export
        vers.flags = 0
        if copied:
            vers.flags |= DLPACK_FLAG_BITMASK_IS_COPIED
        if _storage_is_read_only(t._storage):
            vers.flags |= DLPACK_FLAG_BITMASK_READ_ONLY
        _fill_dltensor(&vers.dl_tensor, t, <int64_t*>(vers + 1))
        Py_INCREF(t._storage)
        try:
            return PyCapsule_New(vers, b"dltensor_versioned", _versioned_capsule_destructor)
        except BaseException:
            _delete_versioned_export(vers)
            raise
    legacy = <DLManagedTensor*>malloc(sizeof(DLManagedTensor) + geometry_bytes)
    if legacy == NULL:
        raise MemoryError()
    legacy.manager_ctx = ctx
    legacy.deleter = _delete_legacy_export
    _fill_dltensor(&legacy.dl_tensor, t, <int64_t*>(legacy + 1))
    Py_INCREF(t._storage)
    try:
        return PyCapsule_New(legacy, b"dltensor", _legacy_capsule_destructor)
    except BaseException:
        _delete_legacy_export(legacy)
        raise


cdef void _release_storage(void* ctx) noexcept nogil:
    # Consumers may free from any thread, without the GIL, or (C++ libraries holding a
    # tensor in a static) after the interpreter is gone: then the reference just leaks.
    if Py_IsInitialized():
        with gil:
            Py_XDECREF(<PyObject*>ctx)


cdef void _delete_legacy_export(DLManagedTensor* m) noexcept nogil:
    _release_storage(m.manager_ctx)
    free(m)


cdef void _delete_versioned_export(DLManagedTensorVersioned* m) noexcept nogil:
    _release_storage(m.manager_ctx)
    free(m)


cdef void _legacy_capsule_destructor(object capsule) noexcept:
    # A consumer renames the capsule when it takes ownership; only an unconsumed
    # capsule still carries its original name and must free the export itself.
    cdef DLManagedTensor* m
    if PyCapsule_IsValid(capsule, b"dltensor"):
        m = <DLManagedTensor*>PyCapsule_GetPointer(capsule, b"dltensor")
        if m.deleter != NULL:
            m.deleter(m)


cdef void _versioned_capsule_destructor(object capsule) noexcept:
    cdef DLManagedTensorVersioned* m
    if PyCapsule_IsValid(capsule, b"dltensor_versioned"):
        m = <DLManagedTensorVersioned*>PyCapsule_GetPointer(capsule, b"dltensor_versioned")
        if m.deleter != NULL:
            m.deleter(m)


# ----- consumer -------------------------------------------------------------------------

cdef class _DLPackOwner:
    """A consumed DLPack export, kept as the owner of a pyt Storage: gives the memory back
    to its producer (one deleter call) when the storage dies."""
    cdef void* managed              # DLManagedTensor* or DLManagedTensorVersioned*
    cdef bint versioned
    cdef readonly bint read_only

    def __dealloc__(self):
        cdef DLManagedTensor* legacy
        cdef DLManagedTensorVersioned* vers
        if self.managed == NULL:
            return
        if self.versioned:
            vers = <DLManagedTensorVersioned*>self.managed
            if vers.deleter != NULL:
                vers.deleter(vers)
        else:
            legacy = <DLManagedTensor*>self.managed
            if legacy.deleter != NULL:
                legacy.deleter(legacy)
        self.managed = NULL


cdef dtype _dtype_of_dl(DLDataType t):
    cdef int code = -1
    if t.lanes == 1:
        if t.code == kDLBool and t.bits == 8:
            code = PYT_BOOL
        elif t.code == kDLUInt and t.bits == 8:
            code = PYT_UINT8
        elif t.code == kDLInt:
            code = {8: PYT_INT8, 16: PYT_INT16, 32: PYT_INT32, 64: PYT_INT64}.get(t.bits, -1)
        elif t.code == kDLFloat:
            code = {16: PYT_FLOAT16, 32: PYT_FLOAT32, 64: PYT_FLOAT64}.get(t.bits, -1)
        elif t.code == kDLBfloat and t.bits == 16:
            code = PYT_BFLOAT16
    if code < 0:
        raise BufferError(f"from_dlpack: unsupported DLPack dtype (code {t.code}, "
                          f"{t.bits} bits, {t.lanes} lanes)")
    return dtype_of_code(code)


cdef object _dlpack_cuda_device(int index):
    """cuda:index for a producer's GPU memory; BufferError where pyt has no CUDA device."""
    try:
        return _check_device(f"cuda:{index}")
    except RuntimeError as e:
        raise BufferError(f"from_dlpack: pyt can only read host memory here ({e}), got a "
                          f"tensor on DLPack device cuda:{index}") from None


cdef Tensor _view_of_dltensor(DLTensor* dl, _DLPackOwner owner):
    """A tensor on dl's memory, after checking everything a kernel would rely on.
    Raises (and takes nothing) when dl cannot be represented."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t lo = 0, hi = 0, numel, step, limit
    cdef dtype dt
    cdef int i, nd = dl.ndim
    cdef char* first
    cdef Tensor t
    cdef object dev = _cpu
    if dl.device.device_type == kDLCUDA:          # GPU memory: a CUDA tensor over it
        dev = _dlpack_cuda_device(dl.device.device_id)
    elif dl.device.device_type not in (kDLCPU, kDLCUDAHost, kDLROCMHost):
        name = _DL_DEVICE_NAMES.get(dl.device.device_type, f"type {dl.device.device_type}")
        raise BufferError(f"from_dlpack: pyt can only read host memory, got a tensor "
                          f"on DLPack device {name}:{dl.device.device_id}")
    if nd < 0 or nd > PYT_MAX_DIMS:
        raise BufferError(f"from_dlpack: pyt supports 0 to {PYT_MAX_DIMS} dimensions, got {nd}")
    dt = _dtype_of_dl(dl.dtype)
    if nd > 0 and dl.shape == NULL:
        raise BufferError("from_dlpack: DLTensor has no shape")
    for i in range(nd):
        shape[i] = dl.shape[i]
    numel = _checked_numel(nd, shape, dt.itemsize)
    if dl.strides == NULL:                        # NULL strides: C-contiguous
        _contiguous_strides(nd, shape, strides)
    else:
        for i in range(nd):
            strides[i] = dl.strides[i]
    first = <char*>dl.data + dl.byte_offset
    if numel > 0:
        if dl.data == NULL:
            raise BufferError("from_dlpack: DLTensor has a NULL data pointer")
        # the storage spans the lowest to the highest element; limit keeps every
        # sum below and the storage's byte size far from overflowing
        limit = (<Py_ssize_t>1 << 60) // dt.itemsize
        for i in range(nd):
            if strides[i] > limit // shape[i] or strides[i] < -(limit // shape[i]):
                raise BufferError("from_dlpack: DLTensor strides are out of range")
            step = (shape[i] - 1) * strides[i]
            if step < 0:
                lo += step
            else:
                hi += step
            if hi > limit or lo < -limit:
                raise BufferError("from_dlpack: DLTensor strides are out of range")
    t = Tensor.__new__(Tensor)
    t._storage = wrap_storage(first + lo * dt.itemsize,
                              (hi - lo + 1) * dt.itemsize if numel > 0 else 0, owner)
    t._storage.device = dev
    t._dtype = dt
    t._device = dev
    t._set_geometry(nd, shape, strides)
    t._offset = -lo
    t._data = first
    return t


cdef Tensor _tensor_from_capsule(object capsule):
    """Consumes a "dltensor" or "dltensor_versioned" capsule (renaming it "used_...")."""
    cdef DLManagedTensorVersioned* vers
    cdef DLManagedTensor* legacy
    cdef _DLPackOwner owner = _DLPackOwner.__new__(_DLPackOwner)
    cdef const char* cname
    cdef Tensor t
    if not PyCapsule_CheckExact(capsule):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ or a DLPack "
                        f"capsule, got {type(capsule).__name__}")
    if PyCapsule_IsValid(capsule, b"dltensor_versioned"):
        vers = <DLManagedTensorVersioned*>PyCapsule_GetPointer(capsule, b"dltensor_versioned")
        if vers.version.major > DLPACK_MAJOR_VERSION:
            # the rest of the struct may be laid out differently: read nothing more
            raise BufferError(f"from_dlpack: DLPack {vers.version.major}.{vers.version.minor} "
                              f"is newer than pyt supports ({DLPACK_MAJOR_VERSION}.x)")
        owner.read_only = (vers.flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0
        t = _view_of_dltensor(&vers.dl_tensor, owner)
        # from here on the owner gives the memory back; the capsule must not
        owner.managed = vers
        owner.versioned = True
        PyCapsule_SetName(capsule, b"used_dltensor_versioned")
    elif PyCapsule_IsValid(capsule, b"dltensor"):
        legacy = <DLManagedTensor*>PyCapsule_GetPointer(capsule, b"dltensor")
        t = _view_of_dltensor(&legacy.dl_tensor, owner)
        owner.managed = legacy
        owner.versioned = False
        PyCapsule_SetName(capsule, b"used_dltensor")
    else:
        cname = PyCapsule_GetName(capsule)
        name = <bytes>cname if cname != NULL else b""
        if name.startswith(b"used_dltensor"):
            raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor "
                               "capsules can be consumed only once, so you might have "
                               "already constructed a tensor from it once.")
        raise TypeError(f"from_dlpack: capsule {name!r} is not a DLPack capsule")
    if owner.read_only:
        import warnings
        warnings.warn("The given DLPack tensor is read-only, and pyt does not support "
                      "read-only tensors. Writing to this tensor will result in undefined "
                      "behavior.", UserWarning, stacklevel=3)
    return t


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing memory with ext_tensor: any object with ``__dlpack__`` (NumPy
    arrays, torch or pyt tensors, ...) or a DLPack capsule, which this consumes (a capsule
    can be used only once). copy=True asks for a copy instead of a shared view.

    The producer's memory stays valid while any pyt tensor on it lives; pyt returns it to
    the producer (calls its deleter) once, when the last of them dies."""
    cdef Tensor t
    cdef object dev = _cpu
    if device is not None:
        dev = _check_device(device)
        if dev is not _cpu:                          # pyt reads host memory, then moves it
            return _moved(from_dlpack(ext_tensor, copy=copy), dev)
    if not hasattr(ext_tensor, "__dlpack__"):
        if copy is not None:
            raise ValueError("from_dlpack: copy= is not supported for a DLPack capsule")
        return _tensor_from_capsule(ext_tensor)
    dev = ext_tensor.__dlpack_device__()
    if int(dev[0]) not in (kDLCPU, kDLCUDA, kDLCUDAHost, kDLROCMHost):
        raise BufferError(f"from_dlpack: pyt can only read host and CUDA memory, got a "
                          f"tensor on DLPack device "
                          f"{_DL_DEVICE_NAMES.get(int(dev[0]), dev[0])}:{dev[1]}")
    kwargs = {"max_version": (DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION)}
    if int(dev[0]) == kDLCUDA:
        _dlpack_cuda_device(int(dev[1]))
        kwargs["stream"] = 1          # pyt's work runs on the legacy default stream
    if copy is not None:
        kwargs["copy"] = bool(copy)
    try:
        capsule = ext_tensor.__dlpack__(**kwargs)
    except TypeError:
        # producers older than the DLPack 1.0 Python API take no keywords
        capsule = ext_tensor.__dlpack__()
        if copy:
            return clone(_tensor_from_capsule(capsule))
    return _tensor_from_capsule(capsule)
