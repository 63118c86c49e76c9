import numpy as np
import pytest

import pyt
from conftest import ALL_DTYPES, to_numpy, sample, make


def shares(a, b):
    return a.untyped_storage() is b.untyped_storage()


def noncontig(dt):
    """A transposed, stepped view with values 0..: shape (3, 4)."""
    base = pyt.tensor(np.arange(40).reshape(8, 5), dtype=dt)
    return base[::2, 1:].t()[:3].t().t()


def test_view_and_reshape(any_dtype):
    t = make((2, 3, 4), any_dtype)
    a = to_numpy(t)
    for shape in [(6, 4), (24,), (-1, 2), (2, -1, 3), (4, 3, 2), (1, 24, 1)]:
        v = t.view(shape)
        assert shares(v, t)
        np.testing.assert_array_equal(to_numpy(v), a.reshape(shape))
        np.testing.assert_array_equal(to_numpy(t.reshape(*shape)), a.reshape(shape))
    v = t.view(-1)
    v[0] = 1
    assert t[0, 0, 0].item() == 1
    assert t._version == v._version


def test_view_of_noncontiguous():
    t = pyt.arange(24).view(2, 3, 4).transpose(0, 1)     # (3, 2, 4), last dim contiguous
    v = t.view(3, 2, 2, 2)                                # splitting a contiguous dim works
    np.testing.assert_array_equal(v.numpy(), t.numpy().reshape(3, 2, 2, 2))
    with pytest.raises(RuntimeError, match=r"view size is not compatible.*Use \.reshape"):
        t.view(6, 4)
    r = t.reshape(6, 4)
    assert not shares(r, t)
    np.testing.assert_array_equal(r.numpy(), t.numpy().reshape(6, 4))


def test_view_errors():
    t = pyt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        t.view(4, 2)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        t.view(-1, -1)
    with pytest.raises(RuntimeError, match="ambiguous"):
        pyt.zeros(0, 3).view(-1, 0)


def test_view_scalar_and_empty():
    s = pyt.tensor(5.0)
    assert s.view(1).shape == (1,) and s.view(1, 1).shape == (1, 1) and s.view(()).shape == ()
    e = pyt.zeros(0, 3)
    assert e.view(3, 0).shape == (3, 0) and e.reshape(-1).shape == (0,)


def test_view_dtype():
    t = pyt.tensor([1.0, 2.0])
    i = t.view(pyt.int32)
    assert i.dtype is pyt.int32 and i.tolist() == np.array([1.0, 2.0], np.float32).view(np.int32).tolist()
    with pytest.raises(RuntimeError):
        t.view(pyt.float64)


def test_transpose_permute_t(any_dtype):
    t = make((2, 3, 4), any_dtype)
    a = to_numpy(t)
    np.testing.assert_array_equal(to_numpy(t.transpose(0, 2)), a.swapaxes(0, 2))
    np.testing.assert_array_equal(to_numpy(pyt.swapaxes(t, -1, 0)), a.swapaxes(-1, 0))
    np.testing.assert_array_equal(to_numpy(t.permute(2, 0, 1)), a.transpose(2, 0, 1))
    np.testing.assert_array_equal(to_numpy(t.permute((1, 2, 0))), a.transpose(1, 2, 0))
    np.testing.assert_array_equal(to_numpy(t.T), a.T)
    np.testing.assert_array_equal(to_numpy(t.mT), a.swapaxes(-1, -2))
    m = t[0]
    np.testing.assert_array_equal(to_numpy(m.t()), to_numpy(m).T)
    assert pyt.tensor([1, 2]).t().shape == (2,)
    assert not t.transpose(0, 1).is_contiguous()
    assert shares(t.permute(2, 1, 0), t)


def test_transpose_errors():
    t = pyt.zeros(2, 3, 4)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        t.transpose(0, 3)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        t.t()
    with pytest.raises(RuntimeError):
        t.permute(0, 1)
    with pytest.raises(RuntimeError):
        t.permute(0, 1, 1)
    with pytest.raises(RuntimeError):
        pyt.zeros(3).mT


def test_squeeze_unsqueeze():
    t = pyt.zeros(1, 3, 1, 2)
    assert t.squeeze().shape == (3, 2)
    assert t.squeeze(0).shape == (3, 1, 2) and t.squeeze(1).shape == (1, 3, 1, 2)
    assert t.squeeze((0, 2)).shape == (3, 2)
    assert t.unsqueeze(0).shape == (1, 1, 3, 1, 2) and t.unsqueeze(-1).shape == (1, 3, 1, 2, 1)
    assert pyt.tensor(1.0).unsqueeze(0).shape == (1,)
    u = pyt.arange(6).view(2, 3).t().unsqueeze(1)
    np.testing.assert_array_equal(u.numpy(), np.arange(6).reshape(2, 3).T[:, None])
    with pytest.raises(IndexError):
        t.unsqueeze(6)
    s = pyt.zeros(1, 2)
    s.unsqueeze_(0)
    assert s.shape == (1, 1, 2)
    s.squeeze_()
    assert s.shape == (2,)


def test_expand(any_dtype):
    t = make((3, 1), any_dtype)
    e = t.expand(2, 3, 4)
    np.testing.assert_array_equal(to_numpy(e), np.broadcast_to(to_numpy(t), (2, 3, 4)))
    assert e.stride() == (0, 1, 0) and shares(e, t)
    assert t.expand(-1, 5).shape == (3, 5)
    assert t.expand_as(pyt.zeros(3, 7)).shape == (3, 7)
    assert pyt.broadcast_to(t, (3, 2)).shape == (3, 2)
    with pytest.raises(RuntimeError, match="must match the existing size"):
        t.expand(4, 4)
    with pytest.raises(RuntimeError, match="must be greater or equal"):
        t.expand(3)


def test_flatten_unflatten():
    t = pyt.arange(24).view(2, 3, 4)
    assert t.flatten().shape == (24,) and t.flatten(1).shape == (2, 12)
    assert t.flatten(0, 1).shape == (6, 4) and pyt.tensor(3).flatten().shape == (1,)
    np.testing.assert_array_equal(t.transpose(0, 2).flatten().numpy(),
                                  np.arange(24).reshape(2, 3, 4).transpose(2, 1, 0).ravel())
    assert t.unflatten(2, (2, 2)).shape == (2, 3, 2, 2)
    assert t.unflatten(-1, (-1, 2)).shape == (2, 3, 2, 2)
    with pytest.raises(RuntimeError):
        t.unflatten(1, (2, 2))
    with pytest.raises(RuntimeError):
        t.flatten(2, 1)


def test_narrow_select_unbind():
    t = pyt.arange(24).view(4, 6)
    a = np.arange(24).reshape(4, 6)
    np.testing.assert_array_equal(t.narrow(1, 2, 3).numpy(), a[:, 2:5])
    assert t.narrow(1, 2, 3).numel() == 12 and [p.numel() for p in t.split(4, 1)] == [16, 8]
    np.testing.assert_array_equal(t.narrow(0, -2, 2).numpy(), a[-2:])
    np.testing.assert_array_equal(t.select(1, -1).numpy(), a[:, -1])
    assert [u.tolist() for u in t.unbind(1)] == [list(c) for c in a.T]
    assert len(pyt.unbind(t)) == 4
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        t.narrow(0, 3, 2)
    with pytest.raises(IndexError, match="out of range"):
        t.select(0, 4)
    with pytest.raises(IndexError):
        pyt.tensor(1).select(0, 0)


def test_split_chunk():
    t = pyt.arange(10)
    assert [p.tolist() for p in t.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [p.tolist() for p in t.split([3, 7])] == [[0, 1, 2], [3, 4, 5, 6, 7, 8, 9]]
    assert [len(p) for p in t.chunk(3)] == [4, 4, 2]
    assert [len(p) for p in pyt.arange(5).chunk(6)] == [1, 1, 1, 1, 1]
    assert [len(p) for p in t.tensor_split(3)] == [4, 3, 3]
    assert [p.tolist() for p in t.tensor_split([2, 5])] == [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]]
    m = pyt.arange(12).view(3, 4)
    assert [p.shape for p in m.split(3, dim=1)] == [(3, 3), (3, 1)]
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly to 10"):
        t.split([3, 3])
    with pytest.raises(RuntimeError):
        t.chunk(0)


def test_movedim():
    t = pyt.zeros(2, 3, 4, 5)
    a = np.zeros((2, 3, 4, 5))
    for s, d in [(0, -1), ((0, 1), (2, 3)), (3, 0), ((1, 3), (0, 1))]:
        assert t.movedim(s, d).shape == np.moveaxis(a, s, d).shape
    with pytest.raises(RuntimeError):
        t.movedim((0, 0), (1, 2))


def test_as_strided():
    t = pyt.arange(10)
    w = t.as_strided((4, 3), (2, 1))
    np.testing.assert_array_equal(w.numpy(), np.lib.stride_tricks.as_strided(
        np.arange(10), (4, 3), (16, 8)))
    assert t.as_strided((2,), (1,), 8).tolist() == [8, 9]
    with pytest.raises(RuntimeError, match="out of bounds for storage"):
        t.as_strided((4, 4), (3, 1))
    with pytest.raises(RuntimeError, match="Negative strides"):
        t.as_strided((2,), (-1,))
    with pytest.raises(RuntimeError, match="out of bounds"):
        t.as_strided((1,), (1,), 10)


def test_diagonal():
    a = np.arange(20).reshape(4, 5)
    t = pyt.tensor(a)
    for off in (-5, -2, 0, 1, 4, 6):
        np.testing.assert_array_equal(t.diagonal(off).numpy(), np.diagonal(a, off))
    b = np.arange(60).reshape(3, 4, 5)
    np.testing.assert_array_equal(pyt.tensor(b).diagonal(1, 0, 2).numpy(), np.diagonal(b, 1, 0, 2))
    with pytest.raises(RuntimeError):
        t.diagonal(0, 1, 1)


def test_unfold():
    t = pyt.arange(7)
    assert t.unfold(0, 3, 2).tolist() == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    m = pyt.arange(12).view(3, 4)
    assert m.unfold(1, 2, 2).shape == (3, 2, 2)


def test_contiguous_clone_detach(any_dtype):
    t = make((3, 4), any_dtype).t()
    c = t.contiguous()
    assert c.is_contiguous() and not shares(c, t)
    np.testing.assert_array_equal(to_numpy(c), to_numpy(t))
    assert c.contiguous() is c
    k = t.clone()
    assert not shares(k, t) and k.stride() == t.stride()         # dense layouts are kept
    np.testing.assert_array_equal(to_numpy(k), to_numpy(t))
    d = t.detach()
    assert shares(d, t) and not d.requires_grad


def test_views_bump_shared_version():
    t = pyt.zeros(4)
    v = t[1:]
    before = t._version
    v.fill_(1)
    assert t._version == v._version == before + 1
    assert v._base is t and t[1:][1:]._base is t


def test_size_and_stride_queries():
    t = pyt.zeros(2, 3, 4)
    assert t.size() == (2, 3, 4) and t.size(-1) == 4 and t.stride() == (12, 4, 1)
    assert t.stride(0) == 12 and t.dim() == 3 and t.ndim == 3 and t.numel() == 24
    assert repr(t.shape) == "pyt.Size([2, 3, 4])" and t.shape[1:] == pyt.Size([3, 4])
    assert t.element_size() == 4 and t.nbytes == 96 and t.storage_offset() == 0
    assert t[1].storage_offset() == 12 and t[1].data_ptr() == t.data_ptr() + 48
    with pytest.raises(IndexError):
        t.size(3)


def test_many_dims():
    t = pyt.zeros(*([1] * 10 + [2]))
    assert t.dim() == 11 and t.squeeze().shape == (2,)
    assert t.view(2).shape == (2,) and t.permute(*reversed(range(11))).shape[0] == 2
    with pytest.raises(RuntimeError, match="at most 64"):
        pyt.zeros(*([1] * 65))


# ----- storages and set_ --------------------------------------------------------------

def test_storage_is_a_buffer_of_the_tensors_bytes():
    t = pyt.arange(6, dtype=pyt.float32)
    s = t.untyped_storage()
    assert s.nbytes() == len(s) == 24
    np.testing.assert_array_equal(np.frombuffer(s, dtype=np.float32), np.arange(6))
    memoryview(s).cast("B")[:4] = np.float32(7).tobytes()
    assert t[0].item() == 7


def test_storage_from_buffer_shares_writable_memory_and_copies_readonly():
    data = bytearray(np.arange(4, dtype=np.float32).tobytes())
    t = pyt.empty(0).set_(pyt.UntypedStorage.from_buffer(data))
    t += 1
    np.testing.assert_array_equal(np.frombuffer(data, np.float32), [1, 2, 3, 4])
    frozen = bytes(data)
    u = pyt.empty(0).set_(pyt.UntypedStorage.from_buffer(frozen))
    u += 1
    np.testing.assert_array_equal(np.frombuffer(frozen, np.float32), [1, 2, 3, 4])
    assert pyt.UntypedStorage.from_buffer(b"").nbytes() == 0


def test_set_views_a_storage_or_a_tensor():
    base = pyt.arange(10.)
    s = base.untyped_storage()
    t = pyt.empty(0).set_(s, 2, (2, 3))
    np.testing.assert_array_equal(t.numpy(), np.arange(2, 8).reshape(2, 3))
    t = pyt.empty(0).set_(s, 1, (3,), (3,))
    np.testing.assert_array_equal(t.numpy(), [1, 4, 7])
    t[0] = -1
    assert base[1].item() == -1                      # same memory
    u = pyt.zeros(2).set_(base[::2])
    assert u.shape == (5,) and u.stride() == (2,) and u.data_ptr() == base.data_ptr()
    assert pyt.zeros(3).set_().shape == (0,)


def test_set_refuses_out_of_bounds_and_bad_sources():
    s = pyt.arange(4.).untyped_storage()
    with pytest.raises(RuntimeError, match="out of bounds"):
        pyt.empty(0).set_(s, 3, (2,))
    with pytest.raises(RuntimeError, match="out of bounds"):
        pyt.empty(0).set_(s, 0, (2, 2), (3, 1))
    with pytest.raises(RuntimeError, match="invalid storage offset"):
        pyt.empty(0).set_(s, -1, (1,))
    with pytest.raises(RuntimeError, match="Expected a Tensor of type"):
        pyt.empty(0).set_(pyt.arange(3))
    with pytest.raises(TypeError):
        pyt.empty(0).set_([1, 2])
    with pytest.raises(RuntimeError, match="requires grad"):
        pyt.zeros(2, requires_grad=True).set_(s)


def test_layout_objects():
    import pickle
    assert pyt.zeros(2).layout is pyt.strided
    assert repr(pyt.strided) == "pyt.strided" and pyt.strided != pyt.sparse_coo
    assert pickle.loads(pickle.dumps(pyt.sparse_coo)) is pyt.sparse_coo
