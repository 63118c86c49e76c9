# Creating tensors: from Python data, from NumPy, filled, ranges, and *_like.

cdef dtype _parse_dtype(object d):
    """A pyt dtype from a pyt dtype, a Python type (float, int, bool) or a numpy dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return _float64
    if d is int:
        return _int64
    if d is bool:
        return _bool
    if isinstance(d, str) and d in _LEGACY_TYPE_NAMES:
        return _LEGACY_TYPE_NAMES[d]
    try:
        return _dtypes.from_numpy_dtype(d)
    except TypeError:
        raise TypeError(f"dtype must be a pyt.dtype, not {type(d).__name__}") from None


cdef dtype _dtype_or_default(object d, dtype default):
    return default if d is None else _parse_dtype(d)


cdef object _check_device(object dev):
    """The canonical device object for dev (None: the CPU): _cpu, or cuda_device(i) after
    checking that CUDA device i exists ('cuda' alone: the current device)."""
    cdef int index
    if dev is None or dev is _cpu:
        return _cpu
    if type(dev) is device and dev.index is not None:
        index = dev.index
        if 0 <= index < _cuda_count and index < len(_cuda_devices) and \
                _cuda_devices[index] is dev:
            return dev                              # a canonical device, checked before
    dev = device(dev)
    if dev.type == "cpu":
        return _cpu
    return _cuda_device_checked(dev)


cdef Tensor _moved(Tensor t, object dev):
    """t (built on the CPU) on device dev (canonical)."""
    if dev is _cpu:
        return t
    return _to_device(t, dev, t._dtype, False, False)


cdef Tensor _finish(Tensor t, bint requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


cdef dtype _scalar_dtype(object value):
    """The dtype torch infers for a Python scalar."""
    if isinstance(value, bool):
        return _bool
    if isinstance(value, int):
        return _int64
    if isinstance(value, float):
        return get_default(True)
    if isinstance(value, Tensor):
        return (<Tensor>value)._dtype
    if isinstance(value, (np.bool_,)):
        return _bool
    if isinstance(value, np.integer):
        return _int64
    if isinstance(value, np.floating):
        return get_default(True)
    if isinstance(value, complex):
        raise TypeError("pyt has no complex dtypes yet")
    raise TypeError(f"expected a number, got {type(value).__name__}")


cdef int _write_scalar(char* p, dtype dt, object value) except -1:
    """Stores a Python number into one element of dtype dt; a value outside an integer
    dtype's range raises, as torch's fill and full do."""
    cdef int64_t iv = 0
    cdef double dv = 0
    cdef int code = dt.code
    cdef bint is_float = False
    if isinstance(value, Tensor):
        value = item(value)
    if isinstance(value, (bool, np.bool_)):
        iv = 1 if value else 0
        dv = iv
    elif isinstance(value, (int, np.integer)):
        try:
            iv = value
        except OverflowError:
            raise RuntimeError(f"value cannot be converted to type "
                               f"{_OVERFLOW_TYPE_NAMES.get(code, dt.name)} without overflow") from None
        dv = <double>iv
    elif isinstance(value, (float, np.floating)):
        dv = value
        is_float = True
        if code != PYT_BOOL and not dt.is_floating_point:
            if dv != dv or dv >= 9.2e18 or dv <= -9.2e18:
                raise RuntimeError(f"value cannot be converted to type "
                               f"{_OVERFLOW_TYPE_NAMES.get(code, dt.name)} without overflow")
            iv = <int64_t>dv
    else:
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if code != PYT_BOOL and not dt.is_floating_point and code != PYT_INT64:
        lo, hi = _INT_RANGES[code]
        if iv < lo or iv > hi:
            raise RuntimeError(f"value cannot be converted to type "
                               f"{_OVERFLOW_TYPE_NAMES.get(code, dt.name)} without overflow")
    if code == PYT_BOOL:
        (<uint8_t*>p)[0] = (dv != 0) if is_float else (iv != 0)
    elif code == PYT_UINT8:
        (<uint8_t*>p)[0] = <uint8_t>iv
    elif code == PYT_INT8:
        (<int8_t*>p)[0] = <int8_t>iv
    elif code == PYT_INT16:
        (<int16_t*>p)[0] = <int16_t>iv
    elif code == PYT_INT32:
        (<int32_t*>p)[0] = <int32_t>iv
    elif code == PYT_INT64:
        (<int64_t*>p)[0] = iv
    elif code == PYT_FLOAT16:
        (<uint16_t*>p)[0] = pyt_float_to_half(<float>dv)
    elif code == PYT_BFLOAT16:
        (<uint16_t*>p)[0] = pyt_float_to_bfloat16(<float>dv)
    elif code == PYT_FLOAT32:
        (<float*>p)[0] = <float>dv
    else:
        (<double*>p)[0] = dv
    return 0


# the values a scalar may have to be stored as each integer dtype (torch's checked_convert:
# an unsigned type also takes negatives down to -max, which wrap)
cdef dict _INT_RANGES = {PYT_UINT8: (-255, 255), PYT_INT8: (-128, 127),
                         PYT_INT16: (-32768, 32767), PYT_INT32: (-2**31, 2**31 - 1)}
cdef dict _OVERFLOW_TYPE_NAMES = {PYT_UINT8: "uint8_t", PYT_INT8: "int8_t", PYT_INT16: "int16_t",
                                  PYT_INT32: "int", PYT_INT64: "int64_t"}


cdef Tensor scalar_tensor_of(object value, dtype dt):
    """A 0-d tensor holding value as dtype dt."""
    cdef Tensor t = new_empty(0, NULL, dt, _cpu, False)
    _write_scalar(t._data, dt, value)
    return t


def scalar_tensor(value, *, dtype=None, device=None, requires_grad=False):
    dev = _check_device(device)
    return _finish(_moved(scalar_tensor_of(value, _dtype_or_default(dtype, get_default(True))),
                          dev), requires_grad)


cdef Tensor _from_numpy_view(object a):
    """A tensor sharing a's memory (any strides that are whole elements)."""
    cdef dtype dt = _dtypes.from_numpy_dtype(a.dtype)
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t itemsize = dt.itemsize, lo = 0, hi = 0, step, numel = 1
    cdef int i, nd
    cdef char* ptr
    cdef Py_buffer view
    cdef Tensor t
    # the buffer protocol gives pointer, shape and byte strides without Python objects
    PyObject_GetBuffer(a, &view, PyBUF_RECORDS_RO)
    try:
        nd = view.ndim
        if nd > PYT_MAX_DIMS:
            raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions")
        ptr = <char*>view.buf
        for i in range(nd):
            shape[i] = view.shape[i]
            numel *= shape[i]
            if view.strides[i] % itemsize != 0:
                raise ValueError("given numpy array strides not a multiple of the element "
                                 "byte size. Copy the numpy array to reallocate the memory.")
            strides[i] = view.strides[i] // itemsize
    finally:
        PyBuffer_Release(&view)
    if numel > 0:
        for i in range(nd):
            step = (shape[i] - 1) * strides[i]
            if step < 0:
                lo += step
            else:
                hi += step
    t = Tensor.__new__(Tensor)
    # the storage starts at the lowest element, so negative strides stay in bounds
    t._storage = wrap_storage(ptr + lo * itemsize, (hi - lo + 1) * itemsize if numel else 0, a)
    t._dtype = dt
    t._device = _cpu
    t._set_geometry(nd, shape, strides)
    t._offset = -lo
    t._data = ptr
    return t


def from_numpy(ndarray):
    """A tensor that shares memory with a NumPy array (and keeps it alive)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if not ndarray.flags.writeable:
        import warnings
        warnings.warn("The given NumPy array is not writable, and PyTorch does not support "
                      "non-writable tensors. This means writing to this tensor will result in "
                      "undefined behavior.", UserWarning, stacklevel=2)
    return _from_numpy_view(ndarray)


cdef object _python_data_to_numpy(object data):
    """Nested Python sequences of numbers as a NumPy array of bool, int64 or float64."""
    if isinstance(data, str) or isinstance(data, bytes):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    try:
        try:
            a = np.asarray(data)
        except RuntimeError:         # tensors that require grad refuse numpy(): take values
            a = np.asarray(_detached_items(data))
    except ValueError as e:
        raise ValueError(f"expected sequence of equal lengths: {e}") from None
    except OverflowError:
        raise RuntimeError("Overflow when unpacking long") from None
    kind = a.dtype.kind
    if kind == "b":
        return a
    if kind == "i":
        return a.astype(np.int64, copy=False)
    if kind == "u":
        if a.size and a.max() > np.iinfo(np.int64).max:
            raise RuntimeError("Overflow when unpacking long")
        return a.astype(np.int64)
    if kind == "f":
        return a.astype(np.float64, copy=False)
    if kind == "O":
        for x in a.flat:
            if isinstance(x, int) and not isinstance(x, bool):
                raise RuntimeError("Overflow when unpacking long")
        raise TypeError(f"new(): invalid data type '{type(a.flat[0]).__name__}'"
                        if a.size else "new(): invalid data")
    if kind == "c":
        raise TypeError("pyt has no complex dtypes yet")
    raise TypeError(f"new(): invalid data type '{a.dtype}'")


cdef object _detached_items(object data):
    """data (nested lists and tuples) with its tensors detached."""
    if isinstance(data, Tensor):
        return detach(data)
    if isinstance(data, (list, tuple)):
        return [_detached_items(x) for x in data]
    return data


cdef Tensor _tensor_from_data(object data, object dt):
    """A new tensor (own memory) holding a copy of data."""
    cdef Tensor src, out
    cdef dtype target
    if isinstance(data, Tensor):
        src = data
        target = _dtype_or_default(dt, src._dtype)
    elif isinstance(data, np.ndarray):
        if data.dtype.kind in "iub" or data.dtype.kind == "f":
            if data.dtype.byteorder not in "=|":
                data = data.astype(data.dtype.newbyteorder("="))
            src = _from_numpy_view(data)
            target = _dtype_or_default(dt, src._dtype)
        else:
            return _tensor_from_data(_python_data_to_numpy(data.tolist()), dt)
    elif isinstance(data, np.generic):
        return _tensor_from_data(np.asarray(data), dt)       # a NumPy scalar keeps its dtype
    elif isinstance(data, (bool, int, float)):
        target = _dtype_or_default(dt, _scalar_dtype(data))
        return scalar_tensor_of(data, target)
    else:
        arr = _python_data_to_numpy(data)
        src = _from_numpy_view(arr)
        if dt is not None:
            target = _parse_dtype(dt)
        elif arr.dtype.kind == "f":
            target = get_default(True)
        else:
            target = src._dtype
    out = new_empty(src._ndim, src._shape, target, _cpu, False)
    copy_into(out, src)
    return out


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor with a copy of data (nested lists, numbers, arrays or tensors)."""
    cdef object dev
    cdef Tensor t
    if device is None and isinstance(data, Tensor):       # a tensor's copy stays on its device
        dev = (<Tensor>data)._device
    else:
        dev = _check_device(device)
    if dev is not _cpu and isinstance(data, Tensor):      # straight to the device
        t = data
        t = _to_device(t, dev, _dtype_or_default(dtype, t._dtype), True, False)
    else:
        t = _moved(_tensor_from_data(data, dtype), dev)
    if pin_memory and dev is _cpu:
        t = t.pin_memory()
    return _finish(t, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """data as a tensor, sharing memory when it already is one of the right dtype."""
    cdef Tensor t
    cdef object dev = None if device is None else _check_device(device)
    if isinstance(data, Tensor):
        t = data
        if dev is None or dev is t._device:
            if dtype is None or _parse_dtype(dtype) is t._dtype:
                return t
            return _to_dtype(t, _parse_dtype(dtype), False)
        return _track_copy(t, _to_device(t, dev, _dtype_or_default(dtype, t._dtype), False,
                                         False), "ToCopyBackward0")
    if dev is None:
        dev = _cpu
    if isinstance(data, np.ndarray):
        try:
            t = _from_numpy_view(data)
        except TypeError:
            return _moved(_tensor_from_data(data, dtype), dev)
        if dev is _cpu and (dtype is None or _parse_dtype(dtype) is t._dtype):
            return t
        return _to_device(t, dev, _dtype_or_default(dtype, t._dtype), False, False)
    return _moved(_tensor_from_data(data, dtype), dev)


asarray = as_tensor


cdef Tensor _filled(tuple size, object value, object dt, object dev, bint requires_grad,
                    str what):
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int nd = _parse_size(size, shape, what)
    cdef dtype target = _dtype_or_default(dt, get_default(True) if value is None
                                          else _scalar_dtype(value))
    cdef Tensor out
    dev = _check_device(dev)
    if value is None:                                   # empty
        out = new_empty(nd, shape, target, dev, False)
    elif value == 0 and not (isinstance(value, float) and str(value) == "-0.0"):
        out = new_empty(nd, shape, target, dev, True)   # calloc / memset: zero bytes
    else:
        out = new_empty(nd, shape, target, dev, False)
        copy_into(out, scalar_tensor_of(value, target))  # on a GPU: a fill kernel
    return _finish(out, requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """A tensor of zeros."""
    return _into_out(_filled(size, 0, dtype or get_default(True), device, requires_grad, "zeros"), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """A tensor of ones."""
    return _into_out(_filled(size, 1, dtype or get_default(True), device, requires_grad, "ones"), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """A tensor whose memory is not initialised."""
    return _into_out(_filled(size, None, dtype, device, requires_grad, "empty"), out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """A tensor filled with fill_value (its dtype inferred from the value)."""
    if isinstance(size, int):
        raise TypeError("full(): argument 'size' must be tuple of ints, not int")
    return _into_out(_filled((size,), fill_value, dtype, device, requires_grad, "full"), out)


cdef object _into_out(Tensor result, object out):
    if out is None:
        return result
    cdef Tensor o = out
    if _category(result._dtype) > _category(o._dtype):
        raise RuntimeError(f"result type {scalar_type_name(result._dtype.code)} can't be cast to "
                           f"the desired output type {scalar_type_name(o._dtype.code)}")
    if o.size() != result.size():
        o.resize_(result.size())
    copy_into(o, result)
    o._storage.version += 1
    return o


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised tensor with the given strides."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int nd = _parse_size((size,), shape, "empty_strided")
    cdef int ns = _parse_size((stride,), strides, "empty_strided")
    cdef Py_ssize_t extent = 1
    cdef int i
    cdef DType dt = _dtype_or_default(dtype, get_default(True))
    if nd != ns:
        raise RuntimeError("mismatch in length of strides and shape")
    _check_sizes_nonnegative(nd, shape)
    dev = _check_device(device)
    for i in range(nd):
        if strides[i] < 0:
            raise RuntimeError("empty_strided: negative strides are not supported")
        if shape[i] == 0:
            extent = 0
            break
        extent += (shape[i] - 1) * strides[i]
    cdef Tensor base = new_empty(1, &extent, dt, dev, False)
    cdef Tensor out = new_view(base, nd, shape, strides, 0)
    out._view_of = None
    return _finish(out, requires_grad)


cdef Tensor _like(Tensor input, object value, object dt, object dev, bint requires_grad):
    cdef dtype target = _dtype_or_default(dt, input._dtype)
    cdef Tensor out
    dev = input._device if dev is None else _check_device(dev)
    out = _empty_like_on(input, target, dev)
    if value is not None:
        copy_into(out, scalar_tensor_of(value, target))
    return _finish(out, requires_grad)


def zeros_like(Tensor input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(input, 0, dtype, device, requires_grad)


def ones_like(Tensor input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(input, 1, dtype, device, requires_grad)


def empty_like(Tensor input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(input, None, dtype, device, requires_grad)


def full_like(Tensor input, fill_value, *, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None):
    return _like(input, fill_value, dtype, device, requires_grad)


cdef Tensor _from_doubles(object values, dtype dt):
    """A 1-d tensor of dt from a float64 NumPy array (cast with pyt's own rules)."""
    cdef Tensor src = _from_numpy_view(np.ascontiguousarray(values, dtype=np.float64))
    cdef Tensor out = new_empty(1, src._shape, dt, _cpu, False)
    copy_into(out, src)
    return out


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from start (inclusive) to end (exclusive), step apart."""
    cdef Tensor result, src
    cdef Py_ssize_t n
    if end is None:
        start, end = 0, start
    for v in (start, end, step):
        if isinstance(v, Tensor):
            pass
        elif not isinstance(v, (int, float)):
            raise TypeError(f"arange(): argument must be a number, not {type(v).__name__}")
    start, end, step = [item(v) if isinstance(v, Tensor) else v for v in (start, end, step)]
    all_int = all(isinstance(v, int) for v in (start, end, step))
    cdef DType dt = _dtype_or_default(dtype, _int64 if all_int else get_default(True))
    dev = _check_device(device)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not all(np.isfinite([start, end])):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if all_int:
        n = max(0, -((start - end) // step))
        values = np.arange(start, start + n * step, step, dtype=np.int64)[:n]
        src = _from_numpy_view(values)
        result = new_empty(1, &n, dt, _cpu, False)
        copy_into(result, src)
    else:
        import math
        n = max(0, math.ceil((end - start) / step))
        result = _from_doubles(start + np.arange(n, dtype=np.float64) * step, dt)
    return _into_out(_finish(_moved(result, dev), requires_grad), out)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """steps values evenly spaced from start to end, both included."""
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dev = _check_device(device)
    start = item(start) if isinstance(start, Tensor) else start
    end = item(end) if isinstance(end, Tensor) else end
    cdef DType dt = _dtype_or_default(dtype, get_default(True))
    values = _linspace_values(start, end, steps)
    if not dt.is_floating_point:
        values = np.trunc(values)
    return _into_out(_finish(_moved(_from_doubles(values, dt), dev), requires_grad), out)


cdef object _linspace_values(double start, double end, Py_ssize_t steps):
    # symmetric formula as torch: the first half counts up from start, the rest down
    # from end, so both ends are exact
    if steps == 0:
        return np.empty(0)
    if steps == 1:
        return np.array([start])
    step = (end - start) / (steps - 1)
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    return np.where(i < half, start + i * step, end - (steps - 1 - i) * step)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """steps values from base**start to base**end, evenly spaced in log scale."""
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dev = _check_device(device)
    cdef DType dt = _dtype_or_default(dtype, get_default(True))
    values = np.power(float(base), _linspace_values(start, end, steps))
    return _into_out(_finish(_moved(_from_doubles(values, dt), dev), requires_grad), out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A 2-d tensor with ones on the diagonal and zeros elsewhere."""
    cdef Py_ssize_t shape[2]
    if m is None:
        m = n
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    shape[0] = n
    shape[1] = m
    dev = _check_device(device)
    cdef DType dt = _dtype_or_default(dtype, get_default(True))
    cdef Tensor result = new_empty(2, shape, dt, _cpu, True)
    if n and m:
        copy_into(diagonal(result), scalar_tensor_of(1, dt))
    return _into_out(_finish(_moved(result, dev), requires_grad), out)
