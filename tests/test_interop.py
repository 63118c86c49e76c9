"""Zero-copy interop: buffer protocol, numpy() / from_numpy, DLPack, pickling.

NumPy is the oracle throughout; the torch tests skip when torch is not installed.
"""
import copy
import ctypes
import gc
import pickle
import sys
import warnings
import weakref

import numpy as np
import pytest

import pyt
import pyt.utils.dlpack


# dtypes that NumPy has, with their buffer-protocol format codes (bfloat16 has none)
NUMPY_DTYPES = [
    (pyt.bool, np.bool_, "?"), (pyt.uint8, np.uint8, "B"), (pyt.int8, np.int8, "b"),
    (pyt.int16, np.int16, "h"), (pyt.int32, np.int32, "i"), (pyt.int64, np.int64, "q"),
    (pyt.float16, np.float16, "e"), (pyt.float32, np.float32, "f"),
    (pyt.float64, np.float64, "d"),
]
ALL_DTYPES = [d for d, _, _ in NUMPY_DTYPES] + [pyt.bfloat16]
NP_OF = {d: n for d, n, _ in NUMPY_DTYPES}


def sample(np_dtype, shape=(2, 3, 4)):
    """Distinct small values of np_dtype (exact in every dtype, bfloat16 included);
    always an array, 0-d included."""
    values = np.arange(int(np.prod(shape))).reshape(shape) % 11 - 3
    if np_dtype is np.bool_:
        values = values % 2 == 0
    elif np.dtype(np_dtype).kind == "u":
        values = values + 3
    return np.asarray(values, dtype=np_dtype)


def pyt_sample(dt, shape=(2, 3, 4)):
    if dt is pyt.bfloat16:
        return pyt.tensor(sample(np.float32, shape), dtype=pyt.bfloat16)
    return pyt.tensor(sample(NP_OF[dt], shape))


def noncontiguous_views(t):
    """Transposed, stepped, offset and expanded views of a 3-d tensor."""
    return {
        "transposed": t.transpose(0, 2),
        "stepped": t[:, ::2, 1::2],
        "offset": t[1],
        "permuted": t.permute(1, 2, 0),
        "expanded": t[:, :1, :].expand(2, 3, 4),
    }


# ----- buffer protocol ------------------------------------------------------------------

@pytest.mark.parametrize("dt,np_dtype,fmt", NUMPY_DTYPES)
def test_buffer_every_dtype(dt, np_dtype, fmt):
    t = pyt_sample(dt)
    m = memoryview(t)
    assert m.format == fmt and m.itemsize == dt.itemsize
    assert m.shape == (2, 3, 4) and m.strides == tuple(s * dt.itemsize for s in t.stride())
    assert not m.readonly
    a = np.asarray(t)
    assert a.dtype == np_dtype
    np.testing.assert_array_equal(a, sample(np_dtype))
    assert a.ctypes.data == t.data_ptr()            # no copy


@pytest.mark.parametrize("dt,np_dtype,fmt", NUMPY_DTYPES)
@pytest.mark.parametrize("kind", ["transposed", "stepped", "offset", "permuted", "expanded"])
def test_buffer_strided_views(dt, np_dtype, fmt, kind):
    t = pyt_sample(dt)
    v = noncontiguous_views(t)[kind]
    expected = {
        "transposed": lambda a: a.transpose(2, 1, 0),
        "stepped": lambda a: a[:, ::2, 1::2],
        "offset": lambda a: a[1],
        "permuted": lambda a: a.transpose(1, 2, 0),
        "expanded": lambda a: np.broadcast_to(a[:, :1, :], (2, 3, 4)),
    }[kind](sample(np_dtype))
    a = np.asarray(v)
    np.testing.assert_array_equal(a, expected)
    assert a.strides == tuple(s * dt.itemsize for s in v.stride())
    assert a.ctypes.data == v.data_ptr()
    assert bytes(memoryview(v)) == expected.tobytes()


def test_buffer_negative_strides():
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = pyt.from_numpy(base[::-1, ::-2])
    m = memoryview(t)
    assert m.strides == (-24, -8)
    a = np.asarray(t)
    np.testing.assert_array_equal(a, base[::-1, ::-2])
    a[0, 0] = -1                                      # writes land in base
    assert base[3, 5] == -1


def test_buffer_zero_dim_and_zero_size():
    s = pyt.tensor(2.5)
    m = memoryview(s)
    assert m.shape == () and m.ndim == 0 and m.format == "f"
    assert np.asarray(s).shape == () and np.asarray(s)[()] == 2.5
    for shape in [(0,), (0, 3), (3, 0, 2)]:
        z = pyt.zeros(*shape)
        assert memoryview(z).shape == shape
        assert np.asarray(z).shape == shape and np.asarray(z).size == 0


def test_buffer_shares_memory_both_ways():
    t = pyt.zeros(3, 4, dtype=pyt.int32)
    a = np.asarray(t)
    a[1, 2] = 7                                       # numpy writes, pyt sees
    assert t.tolist()[1][2] == 7
    t.fill_(5)                                        # pyt writes, numpy sees
    assert (a == 5).all()
    m = memoryview(t.t())
    t[0].fill_(9)
    assert m[2, 0] == 9


def test_buffer_contiguous_only_request():
    # ctypes asks for a plain writable buffer: fine when contiguous, refused otherwise
    t = pyt.zeros(4, dtype=pyt.float64)
    c = (ctypes.c_double * 4).from_buffer(t)
    c[2] = 3.0
    assert t.tolist() == [0.0, 0.0, 3.0, 0.0]
    with pytest.raises((BufferError, TypeError, ValueError)):
        (ctypes.c_double * 4).from_buffer(pyt.zeros(2, 2, dtype=pyt.float64).t())


def test_buffer_bfloat16_refused():
    t = pyt.ones(3, dtype=pyt.bfloat16)
    with pytest.raises(BufferError):
        memoryview(t)
    with pytest.raises((BufferError, TypeError)):
        np.asarray(t)


def test_buffer_requires_grad_refused():
    t = pyt.ones(3, requires_grad=True)
    with pytest.raises(BufferError):
        memoryview(t)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(t)


def test_buffer_releases_tensor():
    t = pyt.ones(3)
    ref = weakref.ref(t)
    m = memoryview(t)
    del t
    gc.collect()
    assert ref() is not None                          # the memoryview holds the tensor
    m.release()
    del m
    gc.collect()
    assert ref() is None


# ----- Tensor.numpy() ----------------------------------------------------------------------

@pytest.mark.parametrize("dt,np_dtype,fmt", NUMPY_DTYPES)
def test_numpy_shares_memory(dt, np_dtype, fmt):
    t = pyt_sample(dt)
    a = t.numpy()
    assert type(a) is np.ndarray and a.dtype == np_dtype
    np.testing.assert_array_equal(a, sample(np_dtype))
    assert a.ctypes.data == t.data_ptr()
    v = t.transpose(0, 2).numpy()
    assert v.strides == tuple(s * dt.itemsize for s in t.transpose(0, 2).stride())
    np.testing.assert_array_equal(v, sample(np_dtype).transpose(2, 1, 0))


def test_numpy_write_through():
    t = pyt.zeros(2, 3)
    t.numpy()[1, 1] = 4.0
    assert t.tolist() == [[0, 0, 0], [0, 4, 0]]


def test_numpy_requires_grad():
    t = pyt.arange(3.0).requires_grad_()
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires "
                                           r"grad. Use tensor.detach\(\).numpy\(\) instead."):
        t.numpy()
    a = t.numpy(force=True)
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])
    assert t.requires_grad                            # force does not change the tensor
    np.testing.assert_array_equal(t.detach().numpy(), a)


def test_numpy_bfloat16():
    with pytest.raises(TypeError, match="BFloat16"):
        pyt.ones(2, dtype=pyt.bfloat16).numpy()


def test_numpy_zero_dim_and_zero_size():
    assert pyt.tensor(3).numpy().shape == () and pyt.tensor(3).numpy()[()] == 3
    assert pyt.zeros(0, 5).numpy().shape == (0, 5)


# ----- pyt.from_numpy ----------------------------------------------------------------------

@pytest.mark.parametrize("dt,np_dtype,fmt", NUMPY_DTYPES)
def test_from_numpy_every_dtype(dt, np_dtype, fmt):
    a = sample(np_dtype)
    t = pyt.from_numpy(a)
    assert t.dtype is dt and t.shape == a.shape
    assert t.stride() == tuple(s // a.itemsize for s in a.strides)
    assert t.data_ptr() == a.ctypes.data
    assert t.tolist() == a.tolist()
    a[0, 0, 0] = a[1, 2, 3]                           # shared memory
    assert t.tolist()[0][0][0] == a.tolist()[1][2][3]


@pytest.mark.parametrize("index", [
    (slice(None), slice(None, None, 2)),              # stepped
    (slice(1, None), slice(2, 5)),                    # offset
    (slice(None, None, -1),),                         # negative stride
    (slice(None, None, -2), slice(None, None, -3)),   # negative strides, stepped
    (slice(3, 0, -1), slice(1, None, 2)),             # mixed signs
])
@pytest.mark.parametrize("np_dtype", [np.float32, np.int64, np.bool_, np.float16])
def test_from_numpy_strided(index, np_dtype):
    # torch.from_numpy refuses negative strides; pyt takes them as they are
    base = sample(np_dtype, (5, 7))
    a = base[index]
    t = pyt.from_numpy(a)
    assert t.stride() == tuple(s // a.itemsize for s in a.strides)
    assert t.tolist() == a.tolist()
    assert t.contiguous().tolist() == a.tolist()
    assert t.clone().tolist() == a.tolist()
    np.testing.assert_array_equal(np.asarray(t), a)
    assert t.data_ptr() == a.ctypes.data


def test_from_numpy_negative_strides_write_through():
    base = np.zeros((3, 4))
    t = pyt.from_numpy(base[::-1, ::-1])
    t[0].fill_(7)                                     # first row of the view = last of base
    assert base[2].tolist() == [7] * 4 and base[:2].sum() == 0
    t.copy_(pyt.arange(12.0).view(3, 4))
    np.testing.assert_array_equal(base, np.arange(12.0).reshape(3, 4)[::-1, ::-1])
    f = pyt.from_numpy(np.arange(10)[::-3])
    assert f.tolist() == [9, 6, 3, 0]
    assert f[1:].tolist() == [6, 3, 0]


def test_from_numpy_transposed_and_zero_sizes():
    a = np.arange(12.0).reshape(3, 4).T
    assert pyt.from_numpy(a).tolist() == a.tolist()
    for shape in [(), (0,), (2, 0), (0, 3, 1)]:
        z = np.zeros(shape, dtype=np.float32)
        t = pyt.from_numpy(z)
        assert t.shape == shape and t.numel() == z.size
    assert pyt.from_numpy(np.array(5, dtype=np.int16)).item() == 5
    assert pyt.from_numpy(np.zeros((3, 0))[::-1]).shape == (3, 0)


def test_from_numpy_keeps_array_alive():
    a = np.arange(1000.0)
    ref = weakref.ref(a)
    t = pyt.from_numpy(a)
    view = t[10:20]
    del a, t
    gc.collect()
    assert ref() is not None
    assert view.tolist() == list(range(10, 20))       # memory still valid
    del view
    gc.collect()
    assert ref() is None                              # and released with the last view


def test_from_numpy_non_writable_warns():
    a = np.arange(3.0)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):
        t = pyt.from_numpy(a)
    assert t.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("a", [
    np.zeros(3, dtype=np.complex64), np.zeros(3, dtype=np.complex128),
    np.zeros(3, dtype=np.uint16), np.zeros(3, dtype=np.uint32), np.zeros(3, dtype=np.uint64),
    np.array([1, "a"], dtype=object), np.zeros(3, dtype=">f4"), np.zeros(3, dtype=">i8"),
    np.zeros(3, dtype="U3"), np.zeros(3, dtype=[("x", "<f4"), ("y", "<i4")]),
], ids=lambda a: str(a.dtype))
def test_from_numpy_unsupported_dtypes(a):
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        pyt.from_numpy(a)


def test_from_numpy_misaligned_strides():
    packed = np.zeros(4, dtype=np.dtype([("tag", "u1"), ("value", "<f4")], align=False))
    with pytest.raises(ValueError, match="strides not a multiple of the element byte size"):
        pyt.from_numpy(packed["value"])               # stride 5 bytes, element 4


def test_from_numpy_rejects_non_arrays():
    with pytest.raises(TypeError, match="expected np.ndarray"):
        pyt.from_numpy([1, 2, 3])


# ----- DLPack --------------------------------------------------------------------------------

class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device_type", ctypes.c_int32),
                ("device_id", ctypes.c_int32), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p),
                ("deleter", DELETER)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER),
                ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]


_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_capsule_name = ctypes.pythonapi.PyCapsule_GetName
_capsule_name.restype = ctypes.c_char_p
_capsule_name.argtypes = [ctypes.py_object]
_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


def read_capsule(capsule):
    """The managed tensor struct inside a DLPack capsule (a ctypes view, no copy)."""
    name = _capsule_name(capsule)
    struct = DLManagedTensorVersioned if name == b"dltensor_versioned" else DLManagedTensor
    return struct.from_address(_capsule_pointer(capsule, name))


DL_CODES = {pyt.bool: (6, 8), pyt.uint8: (1, 8), pyt.int8: (0, 8), pyt.int16: (0, 16),
            pyt.int32: (0, 32), pyt.int64: (0, 64), pyt.float16: (2, 16),
            pyt.bfloat16: (4, 16), pyt.float32: (2, 32), pyt.float64: (2, 64)}


def storage_refcount(t):
    return sys.getrefcount(t.untyped_storage())


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
def test_dlpack_capsule_layout(dt):
    t = pyt_sample(dt).transpose(0, 2)[1:]
    for kwargs, name in [({}, b"dltensor"), ({"max_version": (0, 8)}, b"dltensor"),
                         ({"max_version": (1, 0)}, b"dltensor_versioned"),
                         ({"max_version": (1, 3)}, b"dltensor_versioned")]:
        capsule = t.__dlpack__(**kwargs)
        assert _capsule_name(capsule) == name
        m = read_capsule(capsule)
        if name == b"dltensor_versioned":
            assert (m.major, m.minor) == (1, 0) and m.flags == 0
        dl = m.dl_tensor
        assert dl.data == t.data_ptr() and dl.byte_offset == 0
        assert (dl.device_type, dl.device_id) == (1, 0)
        assert (dl.dtype.code, dl.dtype.bits, dl.dtype.lanes) == DL_CODES[dt] + (1,)
        assert dl.ndim == 3
        assert [dl.shape[i] for i in range(3)] == list(t.shape)
        assert [dl.strides[i] for i in range(3)] == list(t.stride())   # in elements


def test_dlpack_device():
    assert pyt.ones(2).__dlpack_device__() == (1, 0)
    assert pyt.utils.dlpack.DLDeviceType.kDLCPU == 1


@pytest.mark.parametrize("dt,np_dtype,fmt", NUMPY_DTYPES)
def test_dlpack_pyt_to_numpy(dt, np_dtype, fmt):
    t = pyt_sample(dt)
    for v in [t] + list(noncontiguous_views(t).values()):
        a = np.from_dlpack(v)
        assert a.dtype == np_dtype
        np.testing.assert_array_equal(a, np.asarray(v))
        assert a.ctypes.data == v.data_ptr()
        assert a.strides == tuple(s * dt.itemsize for s in v.stride())
    a = np.from_dlpack(t)
    a[0, 0, 0] = a[1, 1, 1]
    assert t.tolist()[0][0][0] == a.tolist()[1][1][1]


@pytest.mark.parametrize("dt,np_dtype,fmt", NUMPY_DTYPES)
def test_dlpack_numpy_to_pyt(dt, np_dtype, fmt):
    base = sample(np_dtype, (4, 6))
    for a in [base, base.T, base[::2, 1::3], base[::-1], base[::-2, ::-1], base[2],
              base[0, 0, ...], base[:0]]:
        t = pyt.from_dlpack(a)
        assert t.dtype is dt and t.shape == a.shape
        assert t.tolist() == a.tolist()
        assert t.stride() == tuple(s // a.itemsize for s in a.strides) or a.size == 0
        if a.size:
            assert t.data_ptr() == a.ctypes.data
    t = pyt.from_dlpack(base)
    t[1].fill_(base[0, 0].item())
    assert (base[1] == base[0, 0]).all()


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
def test_dlpack_pyt_to_pyt(dt):
    t = pyt_sample(dt)
    for v in [t] + list(noncontiguous_views(t).values()):
        for make in [lambda: v, lambda: v.__dlpack__(),
                     lambda: v.__dlpack__(max_version=(1, 0)),
                     lambda: pyt.utils.dlpack.to_dlpack(v)]:
            u = pyt.from_dlpack(make())
            assert u.dtype is dt and u.shape == v.shape and u.stride() == v.stride()
            assert u.data_ptr() == v.data_ptr()
            assert u.tolist() == v.tolist()
    u = pyt.utils.dlpack.from_dlpack(t)
    u[0].fill_(1)
    assert t[0].tolist() == u[0].tolist()


def test_dlpack_zero_dim_and_zero_size():
    for t in [pyt.tensor(4.0), pyt.zeros(0), pyt.zeros(3, 0, 2, dtype=pyt.int8)]:
        u = pyt.from_dlpack(t)
        assert u.shape == t.shape and u.tolist() == t.tolist()
        assert np.from_dlpack(t).shape == tuple(t.shape)


def test_dlpack_capsule_consumed_once():
    t = pyt.arange(3)
    for capsule, used in [(t.__dlpack__(), b"used_dltensor"),
                          (t.__dlpack__(max_version=(1, 0)), b"used_dltensor_versioned")]:
        pyt.from_dlpack(capsule)
        assert _capsule_name(capsule) == used
        with pytest.raises(RuntimeError, match="consumed only once"):
            pyt.from_dlpack(capsule)


def test_dlpack_export_errors():
    with pytest.raises(BufferError, match="require gradient"):
        pyt.ones(2, requires_grad=True).__dlpack__()
    with pytest.raises(BufferError, match="stream"):
        pyt.ones(2).__dlpack__(stream=1)
    with pytest.raises(TypeError, match="stream"):
        pyt.ones(2).__dlpack__(stream="0")
    with pytest.raises(BufferError, match="device"):
        pyt.ones(2).__dlpack__(dl_device=(2, 0))
    pyt.from_dlpack(pyt.ones(2).__dlpack__(stream=-1, dl_device=(1, 0), copy=False))
    with pytest.raises(TypeError, match="to_dlpack"):
        pyt.utils.dlpack.to_dlpack(np.ones(2))


def test_dlpack_copy():
    t = pyt.arange(4.0)
    capsule = t.__dlpack__(max_version=(1, 0), copy=True)
    assert read_capsule(capsule).flags == 2           # DLPACK_FLAG_BITMASK_IS_COPIED
    u = pyt.from_dlpack(capsule)
    assert u.data_ptr() != t.data_ptr() and u.tolist() == t.tolist()
    for src in [t, np.arange(4.0)]:
        c = pyt.from_dlpack(src, copy=True)
        c.fill_(9)
        assert src.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert pyt.from_dlpack(t, copy=False).data_ptr() == t.data_ptr()
    assert pyt.from_dlpack(t, device="cpu").data_ptr() == t.data_ptr()


def test_dlpack_read_only_flag():
    a = np.arange(3.0)
    a.flags.writeable = False
    capsule = a.__dlpack__(max_version=(1, 0))
    assert read_capsule(capsule).flags & 1
    with pytest.warns(UserWarning, match="read-only"):
        t = pyt.from_dlpack(capsule)
    assert t.tolist() == [0.0, 1.0, 2.0]
    # and pyt passes the flag on when it re-exports that memory
    assert read_capsule(t.__dlpack__(max_version=(1, 0))).flags & 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert read_capsule(pyt.from_numpy(a).__dlpack__(max_version=(1, 0))).flags & 1


def test_dlpack_consumer_errors():
    with pytest.raises(TypeError, match="__dlpack__"):
        pyt.from_dlpack("not a tensor")
    import datetime                                   # a capsule of another kind
    with pytest.raises(TypeError, match="not a DLPack capsule"):
        pyt.from_dlpack(datetime.datetime_CAPI)
    for np_dtype in [np.complex64, np.uint16, np.uint64]:
        a = np.zeros(2, np_dtype)
        ref = weakref.ref(a)
        with pytest.raises(BufferError, match="unsupported DLPack dtype"):
            pyt.from_dlpack(a)
        del a
        gc.collect()
        assert ref() is None                          # the refused capsule freed its export

    class OnGpu:
        def __dlpack_device__(self):
            return (2, 0)

        def __dlpack__(self, **kwargs):
            raise AssertionError("must not be called")

    with pytest.raises(BufferError, match="host memory"):
        pyt.from_dlpack(OnGpu())


def test_dlpack_old_style_producer():
    class Legacy:                                     # a producer from before DLPack 1.0
        def __init__(self, t):
            self.t = t

        def __dlpack__(self, stream=None):
            return self.t.__dlpack__()

        def __dlpack_device__(self):
            return self.t.__dlpack_device__()

    t = pyt.arange(5)
    u = pyt.from_dlpack(Legacy(t))
    assert u.tolist() == t.tolist() and u.data_ptr() == t.data_ptr()
    c = pyt.from_dlpack(Legacy(t), copy=True)
    assert c.data_ptr() != t.data_ptr() and c.tolist() == t.tolist()


def test_dlpack_foreign_capsule_fields():
    # a hand-made producer: NULL strides (C order), a byte offset, no deleter
    buf = (ctypes.c_float * 8)(*range(8))
    shape = (ctypes.c_int64 * 2)(2, 3)
    m = DLManagedTensor()
    m.dl_tensor = DLTensor(ctypes.addressof(buf), 1, 0, 2, DLDataType(2, 32, 1),
                           shape, None, 8)
    capsule = _capsule_new(ctypes.addressof(m), b"dltensor", None)
    t = pyt.from_dlpack(capsule)
    assert t.tolist() == [[2, 3, 4], [5, 6, 7]] and t.stride() == (3, 1)
    assert t.data_ptr() == ctypes.addressof(buf) + 8
    del t

    # a version newer than pyt knows: refused without touching the capsule
    v = DLManagedTensorVersioned()
    v.major, v.minor = 2, 0
    capsule = _capsule_new(ctypes.addressof(v), b"dltensor_versioned", None)
    with pytest.raises(BufferError, match="newer"):
        pyt.from_dlpack(capsule)
    assert _capsule_name(capsule) == b"dltensor_versioned"

    # vector lanes, a GPU device and huge strides are refused
    for field, value, match in [("lanes", 4, "dtype"), ("device_type", 2, "host memory"),
                                ("strides", (ctypes.c_int64 * 2)(1 << 61, 1), "strides")]:
        m = DLManagedTensor()
        m.dl_tensor = DLTensor(ctypes.addressof(buf), 1, 0, 2, DLDataType(2, 32, 1),
                               shape, None, 0)
        if field == "lanes":
            m.dl_tensor.dtype.lanes = value
        else:
            setattr(m.dl_tensor, field, value)
        capsule = _capsule_new(ctypes.addressof(m), b"dltensor", None)
        with pytest.raises(BufferError, match=match):
            pyt.from_dlpack(capsule)


def test_dlpack_deleter_called_once_when_storage_dies():
    calls = []
    buf = (ctypes.c_int32 * 6)(*range(6))
    shape, strides = (ctypes.c_int64 * 2)(3, 2), (ctypes.c_int64 * 2)(1, 3)
    for name, struct in [(b"dltensor", DLManagedTensor),
                         (b"dltensor_versioned", DLManagedTensorVersioned)]:
        m = struct()
        if struct is DLManagedTensorVersioned:
            m.major = 1
        m.dl_tensor = DLTensor(ctypes.addressof(buf), 1, 0, 2, DLDataType(0, 32, 1),
                               shape, strides, 0)
        m.deleter = deleter = DELETER(calls.append)
        t = pyt.from_dlpack(_capsule_new(ctypes.addressof(m), name, None))
        views = [t.t(), t[1:], t.view(-1) if t.is_contiguous() else t.t().reshape(-1)]
        assert t.tolist() == [[0, 3], [1, 4], [2, 5]]
        del t
        gc.collect()
        assert calls == []
        del views
        gc.collect()
        assert calls == [ctypes.addressof(m)]         # once, with the managed tensor
        calls.clear()
        del deleter

    # and through a real producer: NumPy releases its array when pyt lets go
    a = np.arange(100.0)
    ref = weakref.ref(a)
    t = pyt.from_dlpack(a)
    v = t[50:]
    del a, t
    gc.collect()
    assert ref() is not None and v.tolist()[0] == 50.0
    del v
    gc.collect()
    assert ref() is None


def test_dlpack_producer_memory_outlives_producer():
    t = pyt.arange(1000.0)
    storage_ref = weakref.ref(t.untyped_storage())
    a = np.from_dlpack(t)
    capsule = t.__dlpack__()
    del t
    gc.collect()
    assert storage_ref() is not None
    np.testing.assert_array_equal(a, np.arange(1000.0))
    u = pyt.from_dlpack(capsule)
    del capsule
    gc.collect()
    assert u.tolist()[999] == 999.0
    del a
    gc.collect()
    assert storage_ref() is not None                  # u still uses it
    del u
    gc.collect()
    assert storage_ref() is None                      # every export let go exactly once


def test_dlpack_unconsumed_capsule_frees_export():
    t = pyt.ones(10)
    before = storage_refcount(t)
    capsules = [t.__dlpack__(), t.__dlpack__(max_version=(1, 0))]
    assert storage_refcount(t) == before + 2
    del capsules
    gc.collect()
    assert storage_refcount(t) == before


def test_dlpack_no_leak():
    import tracemalloc
    t = pyt.arange(64.0)
    a = np.arange(64.0)
    before_t, before_a = storage_refcount(t), sys.getrefcount(a)

    def cycle():
        pyt.from_dlpack(t)
        pyt.from_dlpack(t.__dlpack__(max_version=(1, 0)))
        np.from_dlpack(t)
        t.__dlpack__()                                # never consumed
        pyt.from_dlpack(a)

    for _ in range(200):                              # warm up caches and free lists
        cycle()
    gc.collect()
    tracemalloc.start()
    start, _ = tracemalloc.get_traced_memory()
    for _ in range(10_000):
        cycle()
    gc.collect()
    end, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert end - start < 100_000, f"{end - start} bytes still allocated"
    assert storage_refcount(t) == before_t
    assert sys.getrefcount(a) == before_a


# ----- DLPack with torch ------------------------------------------------------------------

TORCH_NAMES = {pyt.bool: "bool", pyt.uint8: "uint8", pyt.int8: "int8", pyt.int16: "int16",
               pyt.int32: "int32", pyt.int64: "int64", pyt.float16: "float16",
               pyt.bfloat16: "bfloat16", pyt.float32: "float32", pyt.float64: "float64"}


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
def test_dlpack_torch_round_trip(dt):
    torch = pytest.importorskip("torch")
    t = pyt_sample(dt)
    # negative strides are left out: torch.from_dlpack cannot take them (it aborts)
    for v in [t] + list(noncontiguous_views(t).values()):
        x = torch.from_dlpack(v)
        assert x.dtype == getattr(torch, TORCH_NAMES[dt])
        assert tuple(x.shape) == tuple(v.shape) and x.stride() == v.stride()
        assert x.data_ptr() == v.data_ptr()
        assert x.tolist() == v.tolist()
        back = pyt.from_dlpack(x)
        assert back.dtype is dt and back.data_ptr() == v.data_ptr()
        assert back.tolist() == v.tolist()
    x = getattr(torch, "arange")(24).reshape(2, 3, 4).to(getattr(torch, TORCH_NAMES[dt]))
    for y in [x, x.transpose(0, 2), x[:, ::2], x[1]]:
        u = pyt.from_dlpack(y)
        assert u.dtype is dt and u.stride() == y.stride() and u.data_ptr() == y.data_ptr()
        assert u.tolist() == y.tolist()
        u2 = pyt.from_dlpack(torch.utils.dlpack.to_dlpack(y))
        assert u2.tolist() == y.tolist()


def test_dlpack_torch_memory_lifetime():
    torch = pytest.importorskip("torch")
    x = torch.arange(100.0)
    u = pyt.from_dlpack(x)
    del x
    gc.collect()
    assert u.tolist()[99] == 99.0                     # torch's deleter not called yet
    t = pyt.arange(100.0)
    storage_ref = weakref.ref(t.untyped_storage())
    y = torch.from_dlpack(t)
    del t
    gc.collect()
    assert storage_ref() is not None and y[99].item() == 99.0
    y.add_(1)
    assert u.tolist()[0] == 0.0
    del y
    gc.collect()
    assert storage_ref() is None
    for _ in range(2000):                             # no crash, no double free
        torch.from_dlpack(pyt.ones(4))
        pyt.from_dlpack(torch.ones(4))


# ----- pickling -------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
def test_pickle_every_dtype(dt):
    t = pyt_sample(dt)
    for v in [t, pyt_sample(dt, ()), pyt_sample(dt, (0, 3))] + list(noncontiguous_views(t).values()):
        for u in [pickle.loads(pickle.dumps(v, protocol=p))
                  for p in range(2, pickle.HIGHEST_PROTOCOL + 1)] + [copy.deepcopy(v)]:
            assert type(u) is pyt.Tensor and u.dtype is dt
            assert u.shape == v.shape and u.tolist() == v.tolist()
            assert u.is_contiguous() or u.stride() == v.stride()
            if v.numel():
                assert u.data_ptr() != v.data_ptr()


def test_pickle_keeps_requires_grad_and_independence():
    t = pyt.arange(6.0).view(2, 3).requires_grad_()
    for u in [pickle.loads(pickle.dumps(t)), copy.deepcopy(t)]:
        assert u.requires_grad and u.tolist() == t.tolist()
    c = copy.deepcopy(t.detach())
    c.fill_(0)
    assert t.tolist() == [[0, 1, 2], [3, 4, 5]]
    pair = copy.deepcopy([t, t])                      # deepcopy's memo keeps identity
    assert pair[0] is pair[1]


def test_pickle_corrupt_data():
    t = pyt.arange(4)
    fn, args = t.__reduce_ex__(2)
    with pytest.raises(RuntimeError, match="corrupt"):
        fn(args[0], args[1], args[2][:-1], args[3])


class _PyBuffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int),
                ("ndim", ctypes.c_int), ("format", ctypes.c_char_p),
                ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
                ("strides", ctypes.POINTER(ctypes.c_ssize_t)),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


@pytest.mark.parametrize("flags,ndim,itemsize,fmt", [
    (0, 1, 1, None),            # PyBUF_SIMPLE: one flat run of bytes
    (1, 1, 1, None),            # PyBUF_WRITABLE
    (4, 1, 4, b"f"),            # PyBUF_FORMAT: flat, of floats
    (8, 2, 4, None),            # PyBUF_ND: the shape
    (0x1c, 2, 4, b"f")])        # PyBUF_STRIDES | PyBUF_FORMAT
def test_buffer_requests_without_a_shape_get_a_flat_buffer(flags, ndim, itemsize, fmt):
    # a buffer with ndim 2 and no shape crashed CPython's memoryview (t.__buffer__(0) on
    # Python 3.12): without PyBUF_ND the export is 1-d, as PEP 3118 has consumers read it
    t = pyt.arange(12.0).reshape(3, 4)
    view = _PyBuffer()
    get = ctypes.pythonapi.PyObject_GetBuffer
    get.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
    assert get(t, ctypes.byref(view), flags) == 0
    try:
        assert (view.ndim, view.itemsize, view.format, view.len) == (ndim, itemsize, fmt, 48)
        assert bool(view.shape) == bool(flags & 8)
    finally:
        ctypes.pythonapi.PyBuffer_Release(ctypes.byref(view))
    if sys.version_info >= (3, 12):
        assert t.__buffer__(flags).tobytes() == t.numpy().tobytes()
