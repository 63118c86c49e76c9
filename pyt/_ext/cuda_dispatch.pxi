# What every op's CUDA path shares: the canonical CUDA device objects, the device check
# across operands, turning a pyt_cuda_* error code into torch's exception, and the
# pyt_cuda_iter built from tensors (the GPU twin of the pyt_iter the CPU kernels run on).
from pyt._ext.cuda_api cimport *

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


cdef int cuda_iter(pyt_cuda_iter* it, Tensor out, Tensor a, Tensor b, Tensor c) except -1:
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
    if pyt_cuda_iter_init(it, nops, nd, shape, base, scalar, strides) != 0:
        raise RuntimeError(f"pyt: a CUDA elementwise op over {nd} dimensions that do not "
                           f"merge below {PYT_CUDA_MAX_DIMS}: make the inputs contiguous")
    return 0
