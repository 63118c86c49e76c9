# What every op's CUDA path shares: the canonical CUDA device objects, the device check
# across operands, turning a pyt_cuda_* error code into torch's exception, and the
# pyt_cuda_iter built from tensors (the GPU twin of the pyt_iter the CPU kernels run on).

cdef list _cuda_devices = []        # device('cuda', i) for each index seen, reused


cdef object cuda_device(int index):
    """The one device object for cuda:index (so device checks can compare with `is`)."""
    while len(_cuda_devices) <= index:
        _cuda_devices.append(device("cuda", len(_cuda_devices)))
    return _cuda_devices[index]


cdef bint is_cuda(Tensor t) noexcept:
    return t._device is not _cpu


cdef int cuda_check(int rc, str what) except -1:
    """Raises torch's exception for a pyt_cuda_* return code (0: nothing to raise)."""
    if rc == PYT_CUDA_OK:
        return 0
    if rc == PYT_CUDA_ERR_OOM:
        from pyt._ext.cuda import OutOfMemoryError
        raise OutOfMemoryError(pyt_cuda_oom_message().decode())
    if rc == PYT_CUDA_ERR_NOT_BUILT:
        raise RuntimeError("Torch not compiled with CUDA enabled (pyt was built without "
                           "a CUDA toolkit: see README, 'Building with CUDA')")
    if rc == PYT_CUDA_ERR_UNSUPPORTED:
        raise NotImplementedError(f"pyt: '{what}' is not implemented for CUDA tensors "
                                  f"of this dtype")
    raise RuntimeError(f"CUDA error: {pyt_cuda_error_string(rc).decode()} (in {what})")


cdef object common_device(tuple tensors):
    """The device an op on these operands runs on, checked as torch does: all tensors on
    one device, except that a CPU 0-d tensor may join a CUDA op (as a scalar). None and
    non-tensor entries are skipped."""
    cdef object dev = None
    cdef bint cpu_scalar = False
    cdef Tensor t
    for x in tensors:
        if not isinstance(x, Tensor):
            continue
        t = x
        if t._device is _cpu and t._ndim == 0:
            cpu_scalar = True
            continue
        if dev is None:
            dev = t._device
        elif t._device is not dev and t._device != dev:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                               f"at least two devices, {dev} and {t._device}!")
    return _cpu if dev is None else dev


cdef int refuse_cuda(str what, Tensor t) except -1:
    """For ops with no CUDA kernel yet: a clear error instead of a CPU kernel reading
    device memory."""
    if t is not None and t._device is not _cpu:
        raise NotImplementedError(f"pyt: '{what}' is not implemented for CUDA tensors yet")
    return 0


cdef int _refuse_args(str what, tuple args) except -1:
    """refuse_cuda for every tensor argument, and every tensor in a list argument."""
    for x in args:
        if isinstance(x, Tensor):
            refuse_cuda(what, <Tensor>x)
        elif isinstance(x, (list, tuple)):
            for y in x:
                if isinstance(y, Tensor):
                    refuse_cuda(what, <Tensor>y)
    return 0


cdef int cuda_iter(void* it, Tensor out, Tensor a, Tensor b, Tensor c) except -1:
    """Fills it for out = f(a[, b[, c]]): the inputs broadcast to out's shape, byte strides.
    A CPU 0-d input becomes a scalar operand (its bits travel in the launch); any other
    input must live on out's device. Dims that do not coalesce below PYT_CUDA_MAX_DIMS
    are a RuntimeError (never seen with tensors of <= 16 dims)."""
    cdef list ops = [out]
    cdef int64_t strides[4 * PYT_MAX_DIMS]
    cdef Py_ssize_t estrides[PYT_MAX_DIMS]
    cdef int64_t shape[PYT_MAX_DIMS]
    cdef char* base[4]
    cdef uint64_t scalar[4]
    cdef int k, i, nd = out._ndim, nops
    cdef Tensor t
    for t in (a, b, c):
        if t is None:
            break
        ops.append(t)
    nops = len(ops)
    for i in range(nd):
        shape[i] = out._shape[i]
    for k in range(nops):
        t = ops[k]
        scalar[k] = 0
        if t._device is _cpu:
            if k == 0 or t._ndim != 0:
                raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                                   f"at least two devices, {out._device} and cpu!")
            memcpy(&scalar[k], t._data, t._dtype.itemsize)
            base[k] = NULL
            for i in range(nd):
                strides[k * nd + i] = 0
            continue
        if t._device is not out._device and t._device != out._device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                               f"at least two devices, {out._device} and {t._device}!")
        _broadcast_strides_to(t, nd, out._shape, estrides)
        for i in range(nd):
            strides[k * nd + i] = estrides[i] * t._dtype.itemsize
        base[k] = t._data
    if pyt_cuda_iter_init(<pyt_cuda_iter*>it, nops, nd, shape, base, scalar, strides) != 0:
        raise RuntimeError(f"pyt: a CUDA elementwise op over {nd} dimensions that do not "
                           f"merge below {PYT_CUDA_MAX_DIMS}: make the inputs contiguous")
    return 0


# ----- devices --------------------------------------------------------------------------

cdef int _cuda_count = 0            # devices seen by the first successful query (fixed)


cdef object _cuda_device_checked(object dev):
    """The canonical cuda:i for a parsed 'cuda' device (no index: the current device),
    with torch's errors when there is no such device."""
    cdef int count = 0, index = 0, rc
    global _cuda_count
    if _cuda_count == 0:
        rc = pyt_cuda_device_count(&count)
        if rc == PYT_CUDA_ERR_NOT_BUILT:
            cuda_check(rc, "device")
        if count <= 0:
            if rc != PYT_CUDA_OK:
                raise RuntimeError("Found no NVIDIA driver on your system. Please check that "
                                   "you have an NVIDIA GPU and installed a driver from "
                                   "http://www.nvidia.com/Download/index.aspx")
            raise RuntimeError("No CUDA GPUs are available")
        _cuda_count = count
    if dev.index is None:
        cuda_check(pyt_cuda_get_device(&index), "current_device")
    else:
        index = dev.index
    if index >= _cuda_count:
        raise RuntimeError("CUDA error: invalid device ordinal")
    return cuda_device(index)


# ----- memory ---------------------------------------------------------------------------

cdef Storage _cuda_new_storage(Py_ssize_t nbytes, object dev, bint zeroed):
    """nbytes of device memory on dev from the caching allocator (zeroed when asked). On
    OOM, Python's garbage is collected first (tensors kept alive by cycles hold blocks)
    and the allocation tried once more."""
    cdef void* p = NULL
    cdef int rc, current = 0, index = dev.index
    cdef size_t n = <size_t>nbytes
    cuda_check(pyt_cuda_get_device(&current), "malloc")
    if current != index:
        cuda_check(pyt_cuda_set_device(index), "set_device")
    try:
        with nogil:
            rc = pyt_cuda_malloc(&p, n)
        if rc == PYT_CUDA_ERR_OOM:
            import gc
            gc.collect()
            with nogil:
                rc = pyt_cuda_malloc(&p, n)
        cuda_check(rc, "malloc")
        if zeroed and n:
            rc = pyt_cuda_memset(p, 0, n)
            if rc != PYT_CUDA_OK:
                pyt_cuda_free(p)
                cuda_check(rc, "memset")
    finally:
        if current != index:
            pyt_cuda_set_device(current)
    return cuda_storage(p, nbytes, dev, False)


cdef Tensor _pinned_copy(Tensor t):
    """A contiguous copy of CPU tensor t in page-locked host memory (Tensor.pin_memory)."""
    cdef void* p = NULL
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef size_t n = <size_t>(t._numel * t._dtype.itemsize)
    cdef Tensor out
    if t._device is not _cpu:
        raise RuntimeError(f"cannot pin '{_legacy_cuda_name(t)}' only dense CPU tensors "
                           f"can be pinned")
    cdef int rc = pyt_cuda_host_alloc(&p, n), count = 0
    if rc != PYT_CUDA_OK and rc != PYT_CUDA_ERR_OOM and (
            pyt_cuda_device_count(&count) != PYT_CUDA_OK or count == 0):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    cuda_check(rc, "pin_memory")
    out = Tensor.__new__(Tensor)
    out._storage = cuda_storage(p, n, _cpu, True)
    out._dtype = t._dtype
    out._device = _cpu
    _contiguous_strides(t._ndim, t._shape, strides)
    out._set_geometry(t._ndim, t._shape, strides)
    out._offset = 0
    out._data = out._storage.data
    copy_into(out, t)
    return out


cdef str _legacy_cuda_name(Tensor t):
    return "torch.cuda." + _legacy_type_name(t)[4:]


cdef bint _is_pinned(Tensor t) noexcept:
    return t._device is _cpu and t._data != NULL and pyt_cuda_is_pinned(t._data) == 1


# ----- copies ---------------------------------------------------------------------------

cdef int _memcpy_checked(char* dst, const char* src, Py_ssize_t nbytes, int kind,
                         bint non_blocking) except -1:
    cdef int rc
    if nbytes == 0:
        return 0
    with nogil:
        rc = pyt_cuda_memcpy(dst, src, <size_t>nbytes, kind, non_blocking)
    return cuda_check(rc, "copy_")


cdef int _cuda_copy_into(Tensor dst, Tensor src, bint non_blocking) except -1:
    """copy_into where dst or src lives on a CUDA device (dst has no internal overlap:
    copy_into checked). Same device: one conversion kernel over any strides. Between
    host and device: the host side is made a contiguous tensor of the copied dtype (the
    CPU converts) and moved with one memcpy, straight into / out of the other tensor when
    it is contiguous, else through a contiguous device temporary. non_blocking only lets
    a copy from / to pinned memory return early, as in torch."""
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef pyt_cuda_iter it
    cdef Tensor host, tmp
    cdef Py_ssize_t nbytes
    _broadcast_strides_to(src, dst._ndim, dst._shape, strides)     # shape check first
    if dst._numel == 0:
        return 0
    if dst._device is not _cpu:
        if src._device is dst._device or (src._device is _cpu and src._ndim == 0):
            if _may_overlap(dst, src) and not (dst._data == src._data and
                                               _same_geometry(dst, src) and
                                               dst._dtype is src._dtype):
                src = clone(src)
            cuda_iter(&it, dst, src, None, None)
            return cuda_check(pyt_cuda_copy(&it, dst._dtype.code, src._dtype.code), "copy_")
        if src._device is not _cpu:                  # another CUDA device
            if src._dtype is dst._dtype and src._numel == dst._numel and \
                    is_contiguous(src) and is_contiguous(dst):
                return _memcpy_checked(dst._data, src._data,
                                       dst._numel * dst._dtype.itemsize, PYT_CUDA_D2D, False)
            return _cuda_copy_into(dst, _to_host(src), non_blocking)
        # host -> device
        if src._dtype is dst._dtype and is_contiguous(src):
            host = src
        else:
            host = new_empty(src._ndim, src._shape, dst._dtype, _cpu, False)
            copy_into(host, src)
        nbytes = host._numel * host._dtype.itemsize
        non_blocking = non_blocking and host is src and _is_pinned(host)
        if host._numel == dst._numel and is_contiguous(dst):
            return _memcpy_checked(dst._data, host._data, nbytes, PYT_CUDA_H2D, non_blocking)
        tmp = new_empty(host._ndim, host._shape, dst._dtype, dst._device, False)
        _memcpy_checked(tmp._data, host._data, nbytes, PYT_CUDA_H2D, non_blocking)
        cuda_iter(&it, dst, tmp, None, None)
        return cuda_check(pyt_cuda_copy(&it, dst._dtype.code, dst._dtype.code), "copy_")
    # device -> host
    tmp = contiguous(src)
    nbytes = tmp._numel * tmp._dtype.itemsize
    if tmp._dtype is dst._dtype and tmp._numel == dst._numel and is_contiguous(dst):
        return _memcpy_checked(dst._data, tmp._data, nbytes, PYT_CUDA_D2H,
                               non_blocking and _is_pinned(dst))
    host = new_empty(tmp._ndim, tmp._shape, tmp._dtype, _cpu, False)
    _memcpy_checked(host._data, tmp._data, nbytes, PYT_CUDA_D2H, False)
    return copy_into(dst, host)


cdef Tensor _to_host(Tensor t):
    """A contiguous CPU copy of t (t itself when it is on the CPU)."""
    if t._device is _cpu:
        return t
    cdef Tensor host = new_empty(t._ndim, t._shape, t._dtype, _cpu, False)
    _cuda_copy_into(host, t, False)
    return host


cdef Tensor _to_device(Tensor t, object dev, DType dt, bint copy, bint non_blocking):
    """t on device dev (canonical) with dtype dt: a new tensor (t's layout when dense)
    unless t already is that and copy is False."""
    if dev is t._device and dt is t._dtype and not copy:
        return t
    cdef Tensor out = _empty_like_on(t, dt, dev)
    if t._device is _cpu and out._device is _cpu:
        copy_into(out, t)
    else:
        _cuda_copy_into(out, t, non_blocking)
    return out


cdef object _host_item(Tensor t):
    """The value of a one-element CUDA tensor: one copy of itemsize bytes to the host."""
    cdef uint64_t bits = 0
    _memcpy_checked(<char*>&bits, t._data, t._dtype.itemsize, PYT_CUDA_D2H, False)
    return _read_element(<char*>&bits, t._dtype.code)


# ----- pointwise ops --------------------------------------------------------------------

cdef int cuda_pointwise(int family, int op, int dtype_code, const void* ctx, Tensor out,
                        Tensor a, Tensor b, Tensor c) except -1:
    """out = op(a[, b[, c]]) on the GPU: (family, op) names the CPU's kernel table entry,
    dtype_code the dtype it computes in (every input has it). CPU 0-d inputs (and Python
    numbers wrapped as such) are scalars; anything else on another device is torch's
    device error."""
    cdef pyt_cuda_iter it
    cdef pyt_cuda_math_ctx zero
    if out._device is _cpu:
        dev = common_device((a, b, c))
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                           f"least two devices, {dev} and cpu!")
    if out._numel == 0:
        return 0
    cuda_iter(&it, out, a, b, c)
    if ctx == NULL:
        memset(&zero, 0, sizeof(zero))
        ctx = &zero
    return cuda_check(pyt_cuda_pointwise(family, op, dtype_code, &it,
                                         <const pyt_cuda_math_ctx*>ctx), "pointwise op")


cdef object _op_device(Tensor a, Tensor b):
    """The device an op on a and b (either may be None) runs on: the CPU without a look
    further when both are there (the CPU's fast path), else torch's device rule."""
    if (a is None or a._device is _cpu) and (b is None or b._device is _cpu):
        return _cpu
    return common_device((a, b))


def _storage_to(Storage s, dev):
    """A copy of storage s on device dev (s itself when it is there): how pyt.save writes
    device storages and pyt.load restores them."""
    dev = _check_device(dev)
    if s.device is dev:
        return s
    cdef Storage out
    cdef int kind
    if dev is _cpu:
        out = new_storage(s.length, False)
        kind = PYT_CUDA_D2H
    else:
        out = _cuda_new_storage(s.length, dev, False)
        kind = PYT_CUDA_H2D if s.device is _cpu else PYT_CUDA_D2D
    _memcpy_checked(out.data, s.data, s.length, kind, False)
    return out
