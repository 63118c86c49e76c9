import copy
import pickle

import numpy as np
import pytest

import pyt
from conftest import ALL_DTYPES, NUMPY_DTYPES, to_numpy, sample, make


def np_dtype(dt):
    return np.float32 if dt is pyt.bfloat16 else dt.numpy_dtype


@pytest.mark.parametrize("src", ALL_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("dst", ALL_DTYPES, ids=lambda d: d.name)
def test_cast_every_pair(src, dst):
    values = np.array([0, 1, 2, 5, 7, 100, 127], dtype=np.float64)
    if src is pyt.bool:
        values = np.array([0, 1, 1, 0])
    t = pyt.tensor(values, dtype=src)
    out = t.to(dst)
    assert out.dtype is dst
    expected = to_numpy(t).astype(np.float64).astype(np_dtype(dst))
    np.testing.assert_array_equal(to_numpy(out), expected)


def test_cast_matches_torch_on_awkward_values():
    torch = pytest.importorskip("torch")
    values = [-3.7, -1.5, -0.5, 0.5, 1.5, 2.5, 1e6, 65519.0, 65520.0, 3.0e38, float("inf"),
              float("-inf"), 1e-8, -1e-30, 6e-8, 3e-5]
    for dst in ["float16", "bfloat16", "float32", "bool"]:
        mine = pyt.tensor(values, dtype=pyt.float64).to(getattr(pyt, dst)).to(pyt.float64)
        theirs = torch.tensor(values, dtype=torch.float64).to(getattr(torch, dst)).double()
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy(), err_msg=dst)
    for dst in ["int8", "uint8", "int16", "int32", "int64"]:
        small = [-3.7, -1.5, -0.5, 0.5, 1.5, 2.5, 100.9, -100.9]
        mine = pyt.tensor(small, dtype=pyt.float32).to(getattr(pyt, dst))
        theirs = torch.tensor(small, dtype=torch.float32).to(getattr(torch, dst))
        assert mine.tolist() == theirs.tolist(), dst
    nan = pyt.tensor([float("nan")]).half().float().item()
    assert nan != nan


def test_half_rounding_is_exact():
    # every float16 bit pattern survives float16 -> float32 -> float16
    bits = np.arange(0, 1 << 16, dtype=np.uint16)
    halves = bits.view(np.float16)
    t = pyt.from_numpy(halves)
    back = t.float().half().numpy().view(np.uint16)
    finite = np.isfinite(halves)
    np.testing.assert_array_equal(back[finite], bits[finite])
    np.testing.assert_array_equal(t.float().numpy()[finite], halves[finite].astype(np.float32))
    # float32 -> float16 rounds to nearest even like NumPy
    f = np.random.default_rng(0).standard_normal(100000).astype(np.float32) * 1000
    f = np.concatenate([f, np.float32([1e-7, 6.1e-5, 65504, 65520, -1e-9, 2.98e-8, 5.96e-8])])
    with np.errstate(over="ignore"):
        expected = f.astype(np.float16)
    np.testing.assert_array_equal(pyt.from_numpy(f).half().numpy(), expected)


def test_copy_broadcast_and_convert(any_dtype):
    dst = pyt.zeros(3, 4, dtype=any_dtype)
    src = pyt.tensor([[1], [0], [1]], dtype=pyt.int64)
    dst.copy_(src)
    np.testing.assert_array_equal(to_numpy(dst), np.broadcast_to([[1], [0], [1]], (3, 4)))
    with pytest.raises(RuntimeError, match="must match the size"):
        dst.copy_(pyt.zeros(5))


def test_copy_into_noncontiguous_and_overlapping():
    a = pyt.arange(16, dtype=pyt.float32).view(4, 4)
    a.t().copy_(pyt.arange(16, dtype=pyt.float32).view(4, 4))
    np.testing.assert_array_equal(a.numpy(), np.arange(16).reshape(4, 4).T)
    b = pyt.arange(10)
    b[1:].copy_(b[:-1])                     # overlapping: must read before writing
    assert b.tolist() == [0, 0, 1, 2, 3, 4, 5, 6, 7, 8]
    c = pyt.arange(6).view(2, 3)
    c.copy_(c)                              # a tensor onto itself is a no-op
    assert c.tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        pyt.zeros(1).expand(3).copy_(pyt.ones(3))


def test_copy_large_parallel_matches_serial():
    src = pyt.from_numpy(np.random.default_rng(1).standard_normal((700, 300)))
    dst = pyt.empty(300, 700, dtype=pyt.float32)
    n = pyt.get_num_threads()
    try:
        pyt.set_num_threads(2)
        dst.copy_(src.t())
        two = dst.numpy().copy()
        pyt.set_num_threads(1)
        dst.copy_(src.t())
        one = dst.numpy().copy()
    finally:
        pyt.set_num_threads(n)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, src.numpy().T.astype(np.float32))


def test_fill_and_zero(any_dtype):
    t = make((3, 5), any_dtype).t()
    t.fill_(1)
    assert (to_numpy(t) == 1).all()
    t.zero_()
    assert (to_numpy(t) == 0).all()
    t.fill_(pyt.tensor(1))
    assert (to_numpy(t) == 1).all()
    with pytest.raises(RuntimeError):
        t.fill_(pyt.ones(2))


def test_to_signatures():
    t = pyt.tensor([1.5, 2.5])
    assert t.to(pyt.float64).dtype is pyt.float64
    assert t.to("cpu") is t and t.to(pyt.float32) is t and t.to(t) is t
    assert t.to("cpu", pyt.int32).dtype is pyt.int32
    assert t.to(dtype=pyt.float16).dtype is pyt.float16
    assert t.to(pyt.float32, copy=True) is not t
    assert t.to(pyt.zeros(1, dtype=pyt.int64)).dtype is pyt.int64
    assert t.double().dtype is pyt.float64 and t.long().tolist() == [1, 2]
    assert t.int().dtype is pyt.int32 and t.short().dtype is pyt.int16
    assert t.char().dtype is pyt.int8 and t.byte().dtype is pyt.uint8
    assert t.bool().tolist() == [True, True] and t.half().dtype is pyt.float16
    assert t.bfloat16().dtype is pyt.bfloat16 and t.float() is t
    assert t.type() == "pyt.FloatTensor" and t.type(pyt.float64).dtype is pyt.float64
    assert t.type("torch.LongTensor").dtype is pyt.int64
    assert t.type_as(pyt.zeros(1, dtype=pyt.int16)).dtype is pyt.int16
    with pytest.raises(RuntimeError):
        t.to("cuda")
    with pytest.raises(TypeError):
        t.to([1])


def test_item_and_python_numbers(any_dtype):
    t = pyt.tensor([[3]], dtype=any_dtype)
    v = t.item()
    assert v == (True if any_dtype is pyt.bool else 3)
    assert type(v) is (bool if any_dtype is pyt.bool else float if any_dtype.is_floating_point else int)
    assert float(t) == float(v) and int(t) == int(v) and bool(t)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        pyt.zeros(2).item()
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(pyt.zeros(2))
    with pytest.raises(ValueError):
        float(pyt.zeros(2))


def test_index_protocol():
    assert [10, 20, 30][pyt.tensor(1)] == 20
    with pytest.raises(TypeError):
        [1, 2][pyt.tensor(1.0)]
    with pytest.raises(TypeError):
        [1, 2][pyt.tensor([0, 1])]


def test_tolist_len_iter(any_dtype):
    a = sample((2, 3), any_dtype)
    t = pyt.tensor(a, dtype=any_dtype)
    expected = to_numpy(t).tolist()
    assert t.tolist() == expected and t.t().tolist() == np.array(expected).T.tolist()
    assert len(t) == 2 and [r.tolist() for r in t] == expected
    assert pyt.tensor(5).tolist() == 5
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(pyt.tensor(5))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(pyt.tensor(5))


def test_numpy_shares_memory():
    t = pyt.zeros(2, 3)
    a = t.numpy()
    a[0, 1] = 7
    assert t[0, 1].item() == 7
    assert np.shares_memory(t.t().numpy(), a)
    r = pyt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        r.numpy()
    assert r.numpy(force=True).tolist() == [1, 1] and r.detach().numpy().tolist() == [1, 1]
    with pytest.raises(TypeError, match="BFloat16"):
        pyt.zeros(2, dtype=pyt.bfloat16).numpy()


def test_pickle_and_deepcopy(any_dtype):
    t = make((3, 4), any_dtype).t()
    for other in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert other.dtype is any_dtype and other.shape == t.shape
        np.testing.assert_array_equal(to_numpy(other), to_numpy(t))
    g = pyt.ones(2, requires_grad=True)
    assert pickle.loads(pickle.dumps(g)).requires_grad


def test_resize():
    t = pyt.arange(6)
    t.resize_(2, 2)
    assert t.tolist() == [[0, 1], [2, 3]]
    t.resize_(4, 4)
    assert t.shape == (4, 4) and t.flatten()[:6].tolist() == [0, 1, 2, 3, 4, 5]


def test_requires_grad_fields():
    t = pyt.ones(2)
    assert not t.requires_grad and t.grad is None and t.grad_fn is None and t.is_leaf
    t.requires_grad_()
    assert t.requires_grad
    t.grad = pyt.zeros(2)
    with pytest.raises(RuntimeError):
        t.grad = pyt.zeros(3)
    with pytest.raises(RuntimeError):
        t.grad = pyt.zeros(2, dtype=pyt.float64)
    with pytest.raises(RuntimeError, match="floating point"):
        pyt.ones(2, dtype=pyt.int64).requires_grad_()
    t.foo = 3                          # tensors accept attributes like torch's
    assert t.foo == 3


def test_subclass():
    class Param(pyt.Tensor):
        pass
    p = Param(2, 3)
    assert isinstance(p, pyt.Tensor) and p.shape == (2, 3)
