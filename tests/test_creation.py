import math

import numpy as np
import pytest

import pyt
from conftest import ALL_DTYPES, NUMPY_DTYPES, to_numpy, sample


def test_tensor_infers_dtype_like_torch():
    assert pyt.tensor(1.5).dtype is pyt.float32
    assert pyt.tensor(3).dtype is pyt.int64
    assert pyt.tensor(True).dtype is pyt.bool
    assert pyt.tensor([1, 2.5]).dtype is pyt.float32
    assert pyt.tensor([True, 2]).dtype is pyt.int64
    assert pyt.tensor([[1, 2], [3, 4]]).shape == (2, 2)
    assert pyt.tensor([]).shape == (0,) and pyt.tensor([]).dtype is pyt.float32
    assert pyt.tensor(np.float64(2.5)).dtype is pyt.float64      # NumPy scalars keep their dtype
    assert pyt.tensor(np.int16(3)).dtype is pyt.int16 and pyt.tensor(np.bool_(1)).dtype is pyt.bool
    assert pyt.tensor(np.array([1.5])).dtype is pyt.float64       # arrays keep their dtype
    assert pyt.tensor(np.array([1], dtype=np.int16)).dtype is pyt.int16


def test_tensor_values_and_dtype_argument(any_dtype):
    data = [[0, 1, 2], [3, 4, 5]]
    t = pyt.tensor(data, dtype=any_dtype)
    assert t.dtype is any_dtype and t.shape == (2, 3) and t.is_contiguous()
    np.testing.assert_array_equal(to_numpy(t), np.array(data).astype(
        np.float32 if any_dtype is pyt.bfloat16 else any_dtype.numpy_dtype))


def test_tensor_copies_and_as_tensor_shares():
    a = np.arange(6.0)
    t = pyt.tensor(a)
    a[0] = 100
    assert t[0].item() == 0
    s = pyt.as_tensor(a)
    a[1] = 7
    assert s[1].item() == 7 and pyt.as_tensor(s) is s
    assert pyt.as_tensor(a, dtype=pyt.float32).dtype is pyt.float32
    base = pyt.ones(3)
    copy = pyt.tensor(base)
    base[0] = 5
    assert copy[0].item() == 1.0


def test_tensor_from_list_of_0d_tensors():
    t = pyt.tensor([pyt.tensor(1.5), pyt.tensor(2.5)])
    np.testing.assert_array_equal(t.numpy(), [1.5, 2.5])


def test_tensor_bad_input():
    with pytest.raises(ValueError):
        pyt.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        pyt.tensor("abc")
    with pytest.raises(TypeError):
        pyt.tensor([object()])
    with pytest.raises(RuntimeError, match="Overflow"):
        pyt.tensor([2 ** 70])
    with pytest.raises(TypeError):
        pyt.tensor([1.0], dtype="float32x")


@pytest.mark.parametrize("fn,value", [(pyt.zeros, 0), (pyt.ones, 1)])
def test_zeros_ones(fn, value, any_dtype):
    for args in [(2, 3), ((2, 3),), ([2, 3],), (pyt.Size([2, 3]),)]:
        t = fn(*args, dtype=any_dtype)
        assert t.shape == (2, 3) and t.dtype is any_dtype
        assert (to_numpy(t) == value).all()
    assert fn(()).shape == () and fn(0, 5).numel() == 0
    assert fn(2).dtype is pyt.float32


def test_full_infers_dtype():
    assert pyt.full((2,), 1.5).dtype is pyt.float32
    assert pyt.full((2,), 7).dtype is pyt.int64
    assert pyt.full((2,), True).dtype is pyt.bool
    assert pyt.full((2, 2), 3, dtype=pyt.float16).numpy().tolist() == [[3, 3], [3, 3]]
    np.testing.assert_array_equal(pyt.full((3,), -2.5, dtype=pyt.float64).numpy(), [-2.5] * 3)
    with pytest.raises(RuntimeError, match="overflow"):
        pyt.full((2,), 300, dtype=pyt.uint8)
    with pytest.raises(RuntimeError, match="overflow"):
        pyt.full((2,), float("nan"), dtype=pyt.int32)
    with pytest.raises(TypeError):
        pyt.full(3, 1.0)


def test_empty_and_like(any_dtype):
    e = pyt.empty(3, 4, dtype=any_dtype)
    assert e.shape == (3, 4) and e.dtype is any_dtype
    base = pyt.ones(2, 5, dtype=any_dtype).t()
    for fn, val in [(pyt.zeros_like, 0), (pyt.ones_like, 1)]:
        t = fn(base)
        assert t.shape == (5, 2) and t.dtype is any_dtype and (to_numpy(t) == val).all()
        assert t.stride() == base.stride()          # torch's preserve_format
    assert pyt.full_like(base, 1, dtype=pyt.float64).dtype is pyt.float64
    assert pyt.empty_like(base).shape == (5, 2)


def test_empty_strided():
    t = pyt.empty_strided((2, 3), (1, 2))
    assert t.stride() == (1, 2) and t.shape == (2, 3)
    t.fill_(3.0)
    assert (t.numpy() == 3).all()


def test_negative_size_errors():
    with pytest.raises(RuntimeError, match="negative dimension"):
        pyt.zeros(2, -1)
    with pytest.raises(TypeError):
        pyt.zeros(2.5)
    with pytest.raises(RuntimeError):
        pyt.empty(2 ** 40, 2 ** 40)


def test_requires_grad_keyword():
    t = pyt.zeros(3, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None
    with pytest.raises(RuntimeError, match="floating point"):
        pyt.zeros(3, dtype=pyt.int64, requires_grad=True)


@pytest.mark.parametrize("args,kwargs", [
    ((5,), {}), ((2, 9), {}), ((1, 10, 3), {}), ((10, 1, -3), {}), ((0, 1, 0.1), {}),
    ((-1.5, 2.0, 0.5), {}), ((3,), {"dtype": pyt.float64}), ((0, 5), {"dtype": pyt.uint8}),
    ((0.0, 1.0, 0.3), {"dtype": pyt.float16}), ((5, 5), {}),
])
def test_arange(args, kwargs):
    t = pyt.arange(*args, **kwargs)
    all_int = all(isinstance(a, int) for a in args)
    dt = kwargs.get("dtype", pyt.int64 if all_int else pyt.float32)
    assert t.dtype is dt
    expected = np.arange(*args, dtype=np.float64)
    np.testing.assert_allclose(to_numpy(t).astype(np.float64), expected.astype(
        dt.numpy_dtype).astype(np.float64), rtol=1e-3)


def test_arange_errors():
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        pyt.arange(0, 10, 0)
    with pytest.raises(RuntimeError, match="inconsistent"):
        pyt.arange(10, 0, 1)
    with pytest.raises(TypeError):
        pyt.arange("a")


def test_linspace_logspace():
    np.testing.assert_allclose(pyt.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5), rtol=1e-6)
    np.testing.assert_allclose(pyt.linspace(-3, 7, 11, dtype=pyt.float64).numpy(),
                               np.linspace(-3, 7, 11))
    assert pyt.linspace(0, 1, 0).shape == (0,) and pyt.linspace(2, 5, 1).tolist() == [2.0]
    assert pyt.linspace(0, 10, 5, dtype=pyt.int64).tolist() == [0, 2, 5, 7, 10]
    np.testing.assert_allclose(pyt.logspace(0, 3, 4).numpy(), [1, 10, 100, 1000], rtol=1e-6)
    np.testing.assert_allclose(pyt.logspace(0, 3, 4, base=2).numpy(), [1, 2, 4, 8])
    with pytest.raises(RuntimeError):
        pyt.linspace(0, 1, -1)


def test_eye(any_dtype):
    np.testing.assert_array_equal(to_numpy(pyt.eye(3, dtype=any_dtype)),
                                  np.eye(3).astype(np.float32 if any_dtype is pyt.bfloat16
                                                   else any_dtype.numpy_dtype))
    np.testing.assert_array_equal(pyt.eye(2, 4).numpy(), np.eye(2, 4))
    assert pyt.eye(0).shape == (0, 0)
    with pytest.raises(RuntimeError):
        pyt.eye(-1)


def test_out_argument():
    out = pyt.empty(0)
    r = pyt.arange(4, out=out, dtype=pyt.float32)
    assert r is out and out.tolist() == [0, 1, 2, 3]
    z = pyt.ones(2, 2)
    pyt.zeros(2, 2, out=z)
    assert z.tolist() == [[0, 0], [0, 0]]


def test_legacy_constructor():
    assert pyt.Tensor(2, 3).shape == (2, 3)
    assert pyt.Tensor([1, 2]).dtype is pyt.float32


def test_scalar_tensor():
    s = pyt.scalar_tensor(3)
    assert s.dim() == 0 and s.dtype is pyt.float32 and s.item() == 3.0


def test_new_tensor_methods_take_dtype_and_device_from_self():
    t = pyt.zeros(2, 3, dtype=pyt.float64)
    assert t.new_zeros(2).dtype == pyt.float64 and t.new_zeros(2).tolist() == [0, 0]
    assert t.new_ones((1, 2)).tolist() == [[1, 1]]
    assert t.new_full((2,), 3).tolist() == [3, 3] and t.new_full((2,), 3).dtype == pyt.float64
    assert t.new_empty(0, 4).shape == (0, 4)
    assert t.new_tensor([1, 2]).dtype == pyt.float64
    assert t.new_tensor([1, 2], dtype=pyt.int32).dtype == pyt.int32
    n = t.new_zeros(3, requires_grad=True)
    assert n.requires_grad and n.is_leaf
    src = pyt.ones(2, requires_grad=True)
    copy = t.new_tensor(src)
    copy += 1
    assert src.tolist() == [1, 1] and not copy.requires_grad


def test_size_concatenates_and_repeats_as_size():
    assert pyt.Size([1, 2]) + pyt.Size([3]) == (1, 2, 3)
    assert type(pyt.Size([1]) + (2,)) is pyt.Size and type((2,) + pyt.Size([1])) is pyt.Size
    assert type(pyt.Size([2]) * 2) is pyt.Size and pyt.Size([2]) * 2 == (2, 2)
    with pytest.raises(TypeError):
        pyt.Size([1]) + [2]
