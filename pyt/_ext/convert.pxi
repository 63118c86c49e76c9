# Copies between tensors, dtype and device conversion, and the ways out to Python
# and NumPy: item, tolist, numpy, the buffer protocol, pickling.

cdef dict _LEGACY_TYPE_NAMES = {}
cdef dict _LEGACY_NAME_OF = {}
for _name, _dt in [("BoolTensor", _dtypes.bool_), ("ByteTensor", _dtypes.uint8),
                   ("CharTensor", _dtypes.int8), ("ShortTensor", _dtypes.int16),
                   ("IntTensor", _dtypes.int32), ("LongTensor", _dtypes.int64),
                   ("HalfTensor", _dtypes.float16), ("BFloat16Tensor", _dtypes.bfloat16),
                   ("FloatTensor", _dtypes.float32), ("DoubleTensor", _dtypes.float64)]:
    _LEGACY_TYPE_NAMES["pyt." + _name] = _dt
    _LEGACY_TYPE_NAMES["torch." + _name] = _dt
    _LEGACY_NAME_OF[_dt] = "pyt." + _name


cdef str _legacy_type_name(Tensor t):
    return _LEGACY_NAME_OF[t._dtype]


cdef Tensor _as_tensor_arg(object value, Tensor like):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        return scalar_tensor_of(value, like._dtype)
    return _tensor_from_data(value, None)


cpdef Tensor copy_(Tensor self, object src):
    """Copies src into self in place, broadcasting and converting dtype."""
    return _copy(self, src, False)


cdef Tensor _copy(Tensor self, object src, bint non_blocking):
    """copy_; non_blocking lets a copy between pinned host memory and a GPU return before
    it is done (as torch's)."""
    cdef Tensor source = _as_tensor_arg(src, self)
    if not pyt_grad_disabled and (self._requires_grad or source._requires_grad):
        _check_inplace_allowed(self)
    if self._device is _cpu and source._device is _cpu:
        copy_into(self, source)
    else:
        if _has_internal_overlap(self):
            copy_into(self, source)                  # raises torch's error
        _cuda_copy_into(self, source, non_blocking)
    self._storage.version += 1
    if self._dtype.is_floating_point:                 # integer results take no gradient
        _track_overwrite(self, source, "CopyBackwards")
    return self


cpdef Tensor fill_(Tensor self, object value):
    """Sets every element of self to value."""
    if isinstance(value, Tensor):
        return _fill(self, value, "FillBackward3")
    return _fill(self, value, "FillBackward2")


cdef Tensor _fill(Tensor self, object value, str name):
    """fill_ / zero_: a 0-d tensor value passes its gradient on (the sum of self's)."""
    cdef bint value_grad = isinstance(value, Tensor) and (<Tensor>value)._requires_grad
    if isinstance(value, Tensor) and (<Tensor>value)._ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{(<Tensor>value)._ndim} dimensions.")
    if not pyt_grad_disabled and (self._requires_grad or value_grad):
        _check_inplace_allowed(self)
    copy_into(self, value if isinstance(value, Tensor) else scalar_tensor_of(value, self._dtype))
    self._storage.version += 1
    if self._dtype.is_floating_point:
        _track_overwrite(self, value if value_grad else None, name)
    return self


cdef Tensor _to_dtype(Tensor t, dtype dt, bint copy):
    """t as dtype dt on its own device (recorded as ToCopyBackward0)."""
    if dt is t._dtype and not copy:
        return t
    cdef Tensor out = _empty_like_layout(t, dt)
    copy_into(out, t)
    return _track_copy(t, out, "ToCopyBackward0")


cdef Tensor _to(Tensor t, tuple args, dict kwargs):
    """Tensor.to(dtype), .to(device, dtype), .to(other), with copy= and non_blocking=."""
    dt = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    non_blocking = kwargs.pop("non_blocking", False)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {list(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dt, dev = (<Tensor>a)._dtype, (<Tensor>a)._device
        elif isinstance(a, dtype):
            dt = a
        elif isinstance(a, (str, device, int)) and not isinstance(a, bool):
            dev = a
        elif isinstance(a, bool):
            non_blocking = a                            # non_blocking given by position
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got "
                            f"({type(a).__name__})")
    cdef DType target = t._dtype if dt is None else _parse_dtype(dt)
    if dev is not None:
        dev = _check_device(dev)
        if dev is not t._device:
            return _track_copy(t, _to_device(t, dev, target, bool(copy), bool(non_blocking)),
                               "ToCopyBackward0")
    return _to_dtype(t, target, copy)


cdef object _read_element(char* p, int code):
    if code == PYT_BOOL:
        return (<uint8_t*>p)[0] != 0
    if code == PYT_UINT8:
        return (<uint8_t*>p)[0]
    if code == PYT_INT8:
        return (<int8_t*>p)[0]
    if code == PYT_INT16:
        return (<int16_t*>p)[0]
    if code == PYT_INT32:
        return (<int32_t*>p)[0]
    if code == PYT_INT64:
        return (<int64_t*>p)[0]
    if code == PYT_FLOAT16:
        return <double>pyt_half_to_float((<uint16_t*>p)[0])
    if code == PYT_BFLOAT16:
        return <double>pyt_bfloat16_to_float((<uint16_t*>p)[0])
    if code == PYT_FLOAT32:
        return <double>(<float*>p)[0]
    return (<double*>p)[0]


cpdef object item(Tensor t):
    """The value of a one-element tensor as a Python number."""
    if t._numel != 1:
        raise RuntimeError(f"a Tensor with {t._numel} elements cannot be converted to Scalar")
    if t._device is not _cpu:
        return _host_item(t)
    return _read_element(t._data, t._dtype.code)


cdef object _single_item(Tensor t):
    if t._numel != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return item(t)


def tolist(Tensor t):
    """The tensor as nested Python lists (a number for a 0-d tensor)."""
    if t._device is not _cpu:
        t = _to_host(detach(t))
    if t._dtype.code == PYT_BFLOAT16:
        t = _to_dtype(t, _float32, False)
    return to_numpy(detach(t), False).tolist()


cpdef object to_numpy(Tensor t, bint force):
    """A NumPy array sharing t's memory."""
    if t._device is not _cpu and force:             # torch: force copies to the host
        t = _to_host(detach(t))
    if t._device is not _cpu:
        raise TypeError(f"can't convert {t._device.type}:{t._device.index or 0} device type "
                        "tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
    if t._requires_grad:
        if not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        t = detach(t)
    if t._dtype.code == PYT_BFLOAT16:
        raise TypeError("Got unsupported ScalarType BFloat16")
    return np.asarray(_BufferView(t))


cdef class _BufferView:
    """Exports a tensor's memory to NumPy even when the tensor requires grad
    (Tensor.numpy(force=True) and detach() views go through here)."""
    cdef Tensor t

    def __cinit__(self, Tensor t):
        self.t = t

    def __getbuffer__(self, Py_buffer* buf, int flags):
        _fill_buffer(self.t, buf, flags, self)

    def __releasebuffer__(self, Py_buffer* buf):
        free(buf.internal)


cdef const char* _FORMATS[10]
_FORMATS[:] = [b"?", b"B", b"b", b"h", b"i", b"q", b"e", b"", b"f", b"d"]


cdef int _get_buffer(Tensor t, Py_buffer* buf, int flags) except -1:
    if t._requires_grad:
        raise BufferError("Can't export the buffer of a Tensor that requires grad. "
                          "Use tensor.detach() first.")
    return _fill_buffer(t, buf, flags, t)


cdef int _fill_buffer(Tensor t, Py_buffer* buf, int flags, object owner) except -1:
    """PEP 3118 export: the tensor's own memory, strides in bytes."""
    cdef Py_ssize_t* geometry
    cdef int i
    if t._device is not _cpu:
        raise BufferError(f"can't export the memory of a {t._device} tensor as a buffer. "
                          f"Use Tensor.cpu() to copy the tensor to host memory first.")
    if t._dtype.code == PYT_BFLOAT16:
        raise BufferError("bfloat16 has no buffer-protocol format")
    if (flags & PyBUF_STRIDES) != PyBUF_STRIDES and not is_contiguous(t):
        raise BufferError("tensor is not contiguous; ask for a strided buffer")
    geometry = <Py_ssize_t*>malloc((2 * t._ndim + 1) * sizeof(Py_ssize_t))
    if geometry == NULL:
        raise MemoryError()
    for i in range(t._ndim):
        geometry[i] = t._shape[i]
        geometry[t._ndim + i] = t._strides[i] * t._dtype.itemsize
    buf.buf = t._data
    buf.obj = owner
    buf.len = t._numel * t._dtype.itemsize
    buf.readonly = 0
    buf.itemsize = t._dtype.itemsize
    buf.format = <char*>_FORMATS[t._dtype.code] if (flags & PyBUF_FORMAT) else NULL
    buf.ndim = t._ndim
    buf.shape = geometry if (flags & PyBUF_ND) else NULL
    buf.strides = geometry + t._ndim if (flags & PyBUF_STRIDES) == PyBUF_STRIDES else NULL
    if not (flags & PyBUF_ND):
        # no shape asked for: one flat run (t is contiguous, checked above), of bytes when
        # no format is asked for either. A consumer reads a NULL shape as 1-d; with ndim 2
        # CPython's memoryview copied the shape from NULL (a crash: t.__buffer__(0)).
        buf.ndim = 1
        if buf.format == NULL:
            buf.itemsize = 1
    buf.suboffsets = NULL
    buf.internal = geometry
    return 0


def _rebuild_tensor(str dtype_name, shape, bytes data, bint requires_grad, device=None):
    cdef dtype dt = _dtypes._dtype_by_name(dtype_name)
    cdef Tensor t
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef int nd = _parse_size((shape,), sizes, "pickle")
    t = new_empty(nd, sizes, dt, _cpu, False)
    if len(data) != t._numel * dt.itemsize:
        raise RuntimeError("corrupt tensor pickle: data size does not match its shape")
    memcpy(t._data, <const char*>data, len(data))
    if device is not None and device != "cpu":
        t = _moved(t, _check_device(device))
    if requires_grad:
        t._requires_grad = True
    return t


cdef tuple _reduce_tensor(Tensor t):
    cdef Tensor c = _to_host(contiguous(t))
    data = (<char*>c._data)[:c._numel * c._dtype.itemsize]
    if t._device is not _cpu:
        return (_rebuild_tensor, (t._dtype.name, tuple(t.size()), data, t._requires_grad,
                                  str(t._device)))
    return (_rebuild_tensor, (t._dtype.name, tuple(t.size()), data, t._requires_grad))


cdef Tensor resize_(Tensor self, tuple sizes):
    """Gives self a new contiguous shape, keeping its data when the storage is big enough
    and growing the storage (old bytes kept) otherwise."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int nd = _parse_size(sizes, shape, "resize_")
    cdef Py_ssize_t numel = _checked_numel(nd, shape, self._dtype.itemsize)
    cdef Py_ssize_t needed = (self._offset + numel) * self._dtype.itemsize
    cdef Storage grown
    if needed > self._storage.length:
        if self._device is not _cpu:                 # device memory: grow on the device
            grown = _cuda_new_storage(needed, self._device, False)
            _memcpy_checked(grown.data, self._storage.data, self._storage.length,
                            PYT_CUDA_D2D, False)
        elif self._storage.owner is not None:
            raise RuntimeError("Trying to resize storage that is not resizable")
        else:
            grown = new_storage(needed, False)
            memcpy(grown.data, self._storage.data, self._storage.length)
        grown.version = self._storage.version
        self._storage = grown
        self._data = grown.data + self._offset * self._dtype.itemsize
    _contiguous_strides(nd, shape, strides)
    self._set_geometry(nd, shape, strides)
    self._storage.version += 1
    return self
