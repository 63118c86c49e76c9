"""Indexing (t[...], t[...] = v) and the index ops, checked against NumPy (and against
torch where it is installed, for torch's own placement and scatter rules)."""
import warnings

import numpy as np
import pytest

import pyt

ALL_DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
              pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
NUMERIC_DTYPES = [d for d in ALL_DTYPES if d is not pyt.bool]


def to_np(t):
    """A NumPy copy of a tensor (bfloat16 through float32)."""
    if t.dtype is pyt.bfloat16:
        t = t.float()
    return np.array(t.numpy(), copy=True)


def sample(shape, dt, seed=0):
    rng = np.random.default_rng(seed)
    if dt is pyt.bool:
        return rng.random(shape) > 0.5
    if dt.is_floating_point:
        return (rng.standard_normal(shape) * 10).astype(np.float32 if dt is pyt.bfloat16
                                                        else dt.numpy_dtype)
    info = np.iinfo(dt.numpy_dtype)
    return rng.integers(max(info.min, -100), min(info.max, 100), shape).astype(dt.numpy_dtype)


def make(shape, dt, seed=0):
    return pyt.tensor(sample(shape, dt, seed), dtype=dt)


def small_ints(shape, dt, seed=0):
    """Values that every dtype holds exactly, and whose small sums it holds too."""
    a = np.random.default_rng(seed).integers(0, 4, shape)
    return pyt.tensor(a.astype(bool) if dt is pyt.bool else a, dtype=dt)


def layouts(shape, dt, seed=0, writable=False):
    """The same logical shape as a contiguous, a transposed, a stepped and (read-only) an
    expanded tensor."""
    out = [("contiguous", make(shape, dt, seed))]
    if len(shape) >= 2:
        out.append(("transposed", make(shape[::-1], dt, seed).permute(*range(len(shape))[::-1])))
    if len(shape) >= 1:
        big = make((shape[0] * 2,) + tuple(shape[1:]), dt, seed)
        out.append(("stepped", big[::2]))
        if not writable:
            out.append(("expanded", make((1,) + tuple(shape[1:]), dt, seed).expand(*shape)))
    return out


def check(result, expected, dt):
    assert result.dtype is dt
    assert tuple(result.shape) == expected.shape
    np.testing.assert_array_equal(to_np(result), expected)


@pytest.fixture(params=ALL_DTYPES, ids=lambda d: d.name)
def dt(request):
    return request.param


# ----- t[index] against NumPy ---------------------------------------------------------------

B = np.array
GETITEM_CASES = [           # indices where NumPy and torch agree
    (0,), (-1,), (slice(None), 1), (Ellipsis, 2), (None, 1, None), (slice(1, None, 2),),
    (slice(None, None, 3), slice(-2, None)), ([0, 1],), ([[0, 1], [1, 0]],),
    (slice(None), [0, 2, 1]), (slice(None), [0, 2], [1, 3]), ([0, 1], slice(None), [0, 2]),
    (Ellipsis, [0, 1]), (slice(None), None, [0, 1], [0, 1]), (slice(None), [0, 1], None, [0, 1]),
    (B([True, False]),), (slice(None), B([True, False, True])), (np.ones((2, 3), bool),),
    (B([1, 0]), B([[0], [2]])), ([0, 1], slice(1, None), [0, 1]), ([-2, 1], [-3, 2]),
    (B([], dtype=np.int64),), (slice(None), B([False, False, False])),
    (None, B([True, False]), None), ([1, 1, 1],), (Ellipsis, B([True, False, True, True, False])),
    (np.eye(2, 3, dtype=bool), Ellipsis, [1, 3]), (np.int64(1), np.int32(2)),
]


def np_index(index):
    return tuple(list(i) if isinstance(i, list) else i for i in index)


def pyt_index(index):
    return tuple(pyt.tensor(i) if isinstance(i, np.ndarray) else i for i in index)


@pytest.mark.parametrize("index", GETITEM_CASES, ids=repr)
def test_getitem_matches_numpy(dt, index):
    for name, t in layouts((2, 3, 4, 5), dt):
        a = to_np(t)
        expected = a[np_index(index)]
        check(t[pyt_index(index)], expected, dt)


@pytest.mark.parametrize("index", GETITEM_CASES[:8], ids=repr)
def test_getitem_with_tensor_lists_and_arrays(index):
    # lists, NumPy arrays and pyt tensors are the same index
    t = make((2, 3, 4, 5), pyt.int32)
    a = to_np(t)
    as_arrays = tuple(B(i) if isinstance(i, list) else i for i in index)
    as_tensors = pyt_index(as_arrays)
    np.testing.assert_array_equal(to_np(t[as_tensors]), a[as_arrays])


def test_basic_index_is_a_view_advanced_is_a_copy():
    t = pyt.zeros(3, 4)
    v = t[1, 1:3]
    v[0] = 5.0
    assert t[1, 1].item() == 5.0 and v._base is t
    c = t[[1]]
    c[0, 0] = 9.0
    assert t[1, 0].item() == 0.0 and c._base is None
    m = t[pyt.tensor([True, False, True])]
    m.fill_(7.0)
    assert to_np(t).sum() == 5.0


def test_int_index_tensor_dtypes():
    t = make((5, 3), pyt.float32)
    a = to_np(t)
    for idx_dt in (pyt.int64, pyt.int32):
        np.testing.assert_array_equal(to_np(t[pyt.tensor([4, 0, -1], dtype=idx_dt)]), a[[4, 0, -1]])
    # 0-d integer tensors of any integer dtype act as ints (a view)
    for idx_dt in (pyt.int64, pyt.int32, pyt.int16, pyt.int8):
        v = t[pyt.tensor(2, dtype=idx_dt)]
        assert v._base is t
        np.testing.assert_array_equal(to_np(v), a[2])


def test_float_lists_and_arrays_truncate_like_torch():
    t = make((4,), pyt.int64)
    a = to_np(t)
    np.testing.assert_array_equal(to_np(t[[0.5, 2.7]]), a[[0, 2]])
    np.testing.assert_array_equal(to_np(t[B([1.0, 3.0])]), a[[1, 3]])
    np.testing.assert_array_equal(to_np(t[B([1, 3], dtype=np.int16)]), a[[1, 3]])
    assert t[[]].shape == (0,)


def test_python_bools_and_0d_masks():
    t = make((3, 4), pyt.float64)
    a = to_np(t)
    np.testing.assert_array_equal(to_np(t[True]), a[None])
    assert t[False].shape == (0, 3, 4)
    assert t[:, True].shape == (3, 1, 4)
    np.testing.assert_array_equal(to_np(t[[0, 1], True]), a[[0, 1]])
    np.testing.assert_array_equal(to_np(t[pyt.tensor(True)]), a[None])
    assert t[pyt.tensor(False)].shape == (0, 3, 4)
    s = pyt.tensor(5)
    assert s[True].tolist() == [5] and s[pyt.tensor(False)].shape == (0,)
    assert s[None].tolist() == [5] and s[...].tolist() == 5


def test_uint8_masks_are_deprecated_masks():
    t = make((3,), pyt.int16)
    with pytest.warns(UserWarning, match="uint8"):
        r = t[pyt.tensor([1, 0, 1], dtype=pyt.uint8)]
    np.testing.assert_array_equal(to_np(r), to_np(t)[[0, 2]])


def test_list_of_sequences_is_a_tuple_with_a_warning():
    t = make((3, 4), pyt.int64)
    a = to_np(t)
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        r = t[[[0, 1], [1, 2]]]
    np.testing.assert_array_equal(to_np(r), a[[0, 1], [1, 2]])
    with pytest.warns(UserWarning):
        r = t[[0, slice(None)]]
    np.testing.assert_array_equal(to_np(r), a[0])
    np.testing.assert_array_equal(to_np(t[[1, True]]), a[[1, 1]])   # flat list: positions


def test_torch_placement_of_ints_between_advanced_indices():
    # torch applies ints as select() first, so an int does not separate advanced indices
    # (NumPy would put the broadcast dims first here)
    t = make((2, 3, 4, 5), pyt.int64)
    a = to_np(t)
    r = t[:, 0, :, [0, 1]]
    assert r.shape == (2, 4, 2)
    np.testing.assert_array_equal(to_np(r), a[:, 0][:, :, [0, 1]])
    r = t[[0, 1], 0, :, [0, 1]]          # adjacent after the select: in place
    np.testing.assert_array_equal(to_np(r), a[:, 0][[0, 1], :, [0, 1]])
    r = t[:, [0, 1], :, [0, 1]]          # separated by a slice: broadcast dims first
    assert r.shape == (2, 2, 4)
    np.testing.assert_array_equal(to_np(r), a[:, [0, 1], :, [0, 1]])


def test_zero_size_and_0d():
    t = make((0, 3), pyt.float32)
    assert t[[]].shape == (0, 3)
    assert t[:, [0, 2]].shape == (0, 2)
    assert t[pyt.zeros(0, dtype=pyt.bool)].shape == (0, 3)
    u = make((3, 0), pyt.int8)
    assert u[[1, 2]].shape == (2, 0)
    assert u[pyt.tensor([True, False, True])].shape == (2, 0)
    e = make((3,), pyt.float32)[pyt.tensor([False, False, False])]
    assert e.shape == (0,)
    s = make((), pyt.float64)
    assert s[...].shape == () and s[None, None].shape == (1, 1)
    assert make((4,), pyt.float32)[2:2].shape == (0,)


def test_getitem_errors():
    t = pyt.zeros(3, 4)
    cases = [
        ((5,), IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
        ((slice(None), 5), IndexError, "index 5 is out of bounds for dimension 1 with size 4"),
        (([5],), IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
        (([-4],), IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
        (([0], [7]), IndexError, "index 7 is out of bounds for dimension 1 with size 4"),
        ((pyt.tensor([True, False]),), IndexError,
         "The shape of the mask [2] at index 0 does not match the shape of the indexed "
         "tensor [3, 4] at index 0"),
        ((slice(None), pyt.tensor([True, False, True])), IndexError,
         "The shape of the mask [3] at index 0 does not match the shape of the indexed "
         "tensor [3, 4] at index 1"),
        ((pyt.tensor([0.0, 1.0]),), IndexError,
         "tensors used as indices must be long, int, byte or bool tensors"),
        ((pyt.tensor([0, 1], dtype=pyt.int16),), IndexError,
         "tensors used as indices must be long, int, byte or bool tensors"),
        ((pyt.tensor(1.0),), IndexError, "tensors used as indices must be long, int"),
        (([1, 2], [1, 2, 3]), IndexError,
         "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]"),
        ((1, 2, 3), IndexError, "too many indices for tensor of dimension 2"),
        ((slice(None, None, -1),), ValueError, "step must be greater than zero"),
        ((slice(None, None, 0),), ValueError, "slice step cannot be zero"),
        ((1.0,), IndexError, "only integers, slices"),
        ((Ellipsis, Ellipsis), IndexError, "single ellipsis"),
        ((2 ** 70,), ValueError, "Overflow"),
    ]
    for index, exc, message in cases:
        with pytest.raises(exc) as info:
            t[index if len(index) > 1 else index[0]]
        assert message in str(info.value), (index, str(info.value))
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        pyt.tensor(5.0)[0]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 0"):
        pyt.tensor(5.0)[[0]]
    with pytest.raises(IndexError, match="index is out of bounds for dimension with size 0"):
        pyt.zeros(0)[[0]]


# ----- t[index] = value ------------------------------------------------------------------------

SETITEM_CASES = [
    (0,), (slice(None), 1), (Ellipsis, [1, 3]), ([1, 0],), (slice(None), [2, 0]),
    ([0, 1], slice(None), [0, 3]), (np.ones((2, 3), bool),), (B([True, False]),),
    ([[0], [1]], [0, 2]), (None, [0, 1], None), (slice(None), B([False, True, True])),
]


@pytest.mark.parametrize("index", SETITEM_CASES, ids=repr)
def test_setitem_matches_numpy(dt, index):
    for name, t in layouts((2, 3, 4), dt, writable=True):
        a = to_np(t)
        shape = a[np_index(index)].shape
        src = make(shape, dt, seed=1)
        a[np_index(index)] = to_np(src)
        t[pyt_index(index)] = src
        np.testing.assert_array_equal(to_np(t), a, err_msg=name)


def test_setitem_broadcasts_and_converts_values(dt):
    t = make((3, 4), dt)
    a = to_np(t)
    one = True if dt is pyt.bool else 1
    t[[0, 2]] = one                                   # a number
    a[[0, 2]] = one
    np.testing.assert_array_equal(to_np(t), a)
    row = small_ints((4,), pyt.int64, seed=3)         # another dtype, broadcast over rows
    t[[1, 2]] = row
    a[[1, 2]] = to_np(row).astype(a.dtype)
    np.testing.assert_array_equal(to_np(t), a)
    t[:, [0]] = [[1], [0], [1]]                       # a list (torch refuses; pyt converts)
    a[:, [0]] = np.array([[1], [0], [1]]).astype(a.dtype)
    np.testing.assert_array_equal(to_np(t), a)
    t[pyt.tensor([True, False, True])] = pyt.zeros((1, 1, 4), dtype=dt)   # leading 1s
    a[[0, 2]] = 0
    np.testing.assert_array_equal(to_np(t), a)


def test_setitem_masks_fill():
    t = make((3, 4), pyt.float32)
    a = to_np(t)
    m = a > 0
    t[pyt.tensor(m)] = 0.0
    a[m] = 0.0
    np.testing.assert_array_equal(to_np(t), a)
    t[pyt.tensor(m)] = pyt.tensor(2)                  # a 0-d tensor of another dtype
    a[m] = 2
    np.testing.assert_array_equal(to_np(t), a)
    t[True] = 1.5
    assert (to_np(t) == 1.5).all()
    t[False] = 3.0
    assert (to_np(t) == 1.5).all()


def test_setitem_duplicates_last_write_wins():
    t = pyt.zeros(3, 2)
    t[[0, 0, 0]] = pyt.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert t[0].tolist() == [3.0, 3.0]
    v = pyt.zeros(4, dtype=pyt.int64)
    v[pyt.tensor([1, 3, 1, 1, 3])] = pyt.tensor([1, 2, 3, 4, 5])
    assert v.tolist() == [0, 4, 0, 5]


def test_setitem_with_aliasing_value():
    t = pyt.arange(5)
    t[[1, 2, 3]] = t[[0, 1, 2]]
    assert t.tolist() == [0, 0, 1, 2, 4]
    t = pyt.arange(5)
    t[[4, 3, 2, 1, 0]] = t                                    # reverse in place
    assert t.tolist() == [4, 3, 2, 1, 0]


def test_setitem_errors():
    t = pyt.zeros(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        t[[5]] = 1.0
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        t[5] = 1.0
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[2\] cannot "
                                           r"be broadcast to indexing result of shape \[2, 4\]"):
        t[[0, 2]] = pyt.tensor([1.0, 2.0])
    with pytest.raises(IndexError, match="The shape of the mask"):
        t[pyt.tensor([True, False])] = 1.0
    # nothing was written by the failing assignments
    t[[0, 1]] = pyt.ones(2, 4)
    with pytest.raises(IndexError):
        t[[2, 7]] = 5.0
    assert to_np(t).sum() == 8.0
    with pytest.raises(RuntimeError, match="overflow"):
        pyt.zeros(2, dtype=pyt.uint8)[[0]] = 300


def test_setitem_0d():
    s = pyt.tensor(1.5)
    s[...] = 2
    assert s.item() == 2.0
    s[None] = pyt.tensor([3.0])
    assert s.item() == 3.0
    s[True] = 4.0
    assert s.item() == 4.0
    s[pyt.tensor(False)] = 5.0
    assert s.item() == 4.0


def test_failed_index_ops_write_nothing():
    t = pyt.arange(6.0).view(2, 3)
    before = t.tolist()
    bad = pyt.tensor([0, 1, 9])
    for op in (lambda: t.index_add_(1, bad, pyt.ones(2, 3)),
               lambda: t.index_copy_(1, bad, pyt.ones(2, 3)),
               lambda: t.index_fill_(1, bad, 7.0),
               lambda: t.index_put_((pyt.tensor([0, 1]), bad[1:]), pyt.ones(2), accumulate=True),
               lambda: t.put_(pyt.tensor([0, 1, 6]), pyt.ones(3), accumulate=True),
               lambda: t.scatter_add_(1, pyt.tensor([[0, 1, 3]]), pyt.ones(1, 3)),
               lambda: t.__setitem__((slice(None), bad), 1.0)):
        with pytest.raises((IndexError, RuntimeError)):
            op()
        assert t.tolist() == before


def test_setitem_on_expanded_warns():
    t = pyt.zeros(3).expand(2, 3)
    with pytest.warns(UserWarning, match="expanded"):
        t[[0]] = 1.0
    assert t.tolist() == [[1.0] * 3] * 2


# ----- index_select, gather, take ----------------------------------------------------------------

def test_index_select(dt):
    idx = [3, 0, 3, -0]
    for name, t in layouts((4, 3, 2), dt):
        a = to_np(t)
        for dim in (0, -1, 1):
            n = a.shape[dim]
            i = [k % n for k in idx]
            for idx_dt in (pyt.int64, pyt.int32):
                check(pyt.index_select(t, dim, pyt.tensor(i, dtype=idx_dt)), np.take(a, i, axis=dim), dt)
        check(t.index_select(1, pyt.tensor(2)), np.take(a, [2], axis=1), dt)
        check(t.index_select(0, pyt.tensor([], dtype=pyt.int64)), a[:0], dt)
    s = make((), dt)
    check(pyt.index_select(s, 0, pyt.tensor([0])), to_np(s), dt)


def test_index_select_errors():
    t = pyt.zeros(3, 4)
    with pytest.raises(IndexError, match="index out of range in self"):
        t.index_select(1, pyt.tensor([4]))
    with pytest.raises(IndexError, match="index out of range in self"):
        t.index_select(1, pyt.tensor([-1]))
    with pytest.raises(IndexError, match="supposed to be a vector"):
        t.index_select(1, pyt.tensor([[1]]))
    with pytest.raises(RuntimeError, match="Expected dtype int32 or int64 for index"):
        t.index_select(1, pyt.tensor([1.0]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.index_select(2, pyt.tensor([1]))
    with pytest.raises(TypeError):
        t.index_select(0, [1])
    with pytest.raises(RuntimeError, match="Index to scalar can have only 1 value"):
        pyt.index_select(pyt.tensor(5.0), 0, pyt.tensor([0, 0]))
    out = pyt.zeros(1)
    assert pyt.index_select(pyt.arange(3.0), 0, pyt.tensor([2, 1]), out=out) is out
    assert out.tolist() == [2.0, 1.0]


def test_gather(dt):
    rng = np.random.default_rng(0)
    for name, t in layouts((4, 3, 5), dt):
        a = to_np(t)
        for dim in range(3):
            shape = [2, 3, 4]
            shape[dim] = 6                                   # larger than a along dim is fine
            i = rng.integers(0, a.shape[dim], shape)
            block = tuple(slice(None) if k == dim else slice(0, shape[k]) for k in range(3))
            expected = np.take_along_axis(a[block], i, axis=dim)
            check(pyt.gather(t, dim, pyt.tensor(i)), expected, dt)
            check(t.gather(dim, pyt.tensor(i, dtype=pyt.int32)), expected, dt)
    # a transposed index, 0-d and empty
    i = pyt.tensor(rng.integers(0, 3, (2, 4))).t()
    a = to_np(make((4, 3), dt))
    check(pyt.gather(make((4, 3), dt), 1, i), np.take_along_axis(a, to_np(i), 1), dt)
    check(pyt.gather(make((), dt), 0, pyt.tensor(0)), to_np(make((), dt)), dt)
    check(pyt.gather(make((3,), dt), 0, pyt.tensor(2)), to_np(make((3,), dt))[2], dt)
    assert pyt.gather(make((3, 4), dt), 1, pyt.zeros(0, 2, dtype=pyt.int64)).shape == (0, 2)


def test_gather_errors():
    t = pyt.zeros(3, 4)
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 4"):
        t.gather(1, pyt.tensor([[4]]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 1 with size 4"):
        t.gather(1, pyt.tensor([[0], [-1]]))
    with pytest.raises(RuntimeError, match="same number of dimensions as input"):
        t.gather(1, pyt.tensor([0]))
    with pytest.raises(RuntimeError, match="Size does not match at dimension 0"):
        t.gather(1, pyt.zeros(4, 1, dtype=pyt.int64))
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
        t.gather(1, pyt.zeros(1, 1))


def test_take(dt):
    rng = np.random.default_rng(1)
    for name, t in layouts((3, 4), dt):
        a = to_np(t)
        i = rng.integers(-12, 12, (2, 5))
        check(pyt.take(t, pyt.tensor(i)), a.reshape(-1)[i], dt)
        check(t.take(pyt.tensor(i).t()), a.reshape(-1)[i.T], dt)
    check(pyt.take(make((), dt), pyt.tensor(0)), to_np(make((), dt)), dt)
    assert pyt.take(make((0,), dt), pyt.tensor([], dtype=pyt.int64)).shape == (0,)


def test_take_errors():
    t = pyt.zeros(3, 4)
    with pytest.raises(IndexError, match="out of range: tried to access index 12 on a tensor of 12 elements."):
        pyt.take(t, pyt.tensor([12]))
    with pytest.raises(IndexError, match="index -13"):
        pyt.take(t, pyt.tensor([-13]))
    with pytest.raises(RuntimeError, match="Expected a long tensor for index, but got Int"):
        pyt.take(t, pyt.tensor([1], dtype=pyt.int32))
    with pytest.raises(IndexError, match="take from an empty tensor"):
        pyt.take(pyt.zeros(0), pyt.tensor([0]))


# ----- scatter family -------------------------------------------------------------------------

def np_scatter(a, dim, index, src, op=None):
    """NumPy reference of scatter_ (serial, so the last duplicate wins)."""
    out = a.copy()
    with np.errstate(over="ignore"):                         # integers wrap, as in pyt
        _np_scatter_into(out, dim, index, src, op)
    return out


def _np_scatter_into(out, dim, index, src, op):
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[dim] = index[pos]
        target = tuple(target)
        v = src[pos] if np.ndim(src) else src
        if op == "add":
            out[target] = (out[target] | v) if out.dtype == bool else out[target] + v
        elif op == "multiply":
            out[target] = (out[target] & v) if out.dtype == bool else out[target] * v
        else:
            out[target] = v


def test_scatter(dt):
    rng = np.random.default_rng(2)
    for name, t in layouts((4, 5), dt, writable=True):
        a = to_np(t)
        for dim in (0, 1):
            i = rng.integers(0, a.shape[dim], (3, 4))
            src = make((4, 6), dt, seed=5)                   # larger than the index
            expected = np_scatter(a, dim, i, to_np(src))
            check(pyt.scatter(t, dim, pyt.tensor(i), src), expected, dt)
            check(t.scatter(dim, pyt.tensor(i, dtype=pyt.int32), src.t().t()), expected, dt)
            value = True if dt is pyt.bool else 3
            check(t.scatter(dim, pyt.tensor(i), value), np_scatter(a, dim, i, value), dt)
            check(t.scatter(dim, pyt.tensor(i), value=value), np_scatter(a, dim, i, value), dt)
        np.testing.assert_array_equal(to_np(t), a)          # out-of-place left t alone
    u = make((3, 4), dt)
    a = to_np(u)
    i = np.array([[2, 0, 1, 2]])
    r = u.scatter_(0, pyt.tensor(i), make((1, 4), dt, seed=9))
    assert r is u
    np.testing.assert_array_equal(to_np(u), np_scatter(a, 0, i, to_np(make((1, 4), dt, seed=9))))


def test_scatter_add_and_reduce(dt):
    rng = np.random.default_rng(3)
    for name, t in layouts((4, 5), dt, writable=True):
        t.copy_(small_ints((4, 5), dt))
        a = to_np(t)
        for dim in (0, 1):
            i = rng.integers(0, 2, (4, 5))                  # many duplicates
            src = small_ints((4, 5), dt, seed=4)
            check(pyt.scatter_add(t, dim, pyt.tensor(i), src),
                  np_scatter(a, dim, i, to_np(src), "add"), dt)
            value = True if dt is pyt.bool else 2
            check(pyt.scatter(t, dim, pyt.tensor(i), value=value, reduce="add"),
                  np_scatter(a, dim, i, value, "add"), dt)
            with pytest.warns(UserWarning, match="deprecated"):
                r = t.scatter(dim, pyt.tensor(i), src, reduce="multiply")
            check(r, np_scatter(a, dim, i, to_np(src), "multiply"), dt)
    u = small_ints((3,), dt)
    a = to_np(u)
    assert u.scatter_add_(0, pyt.tensor([0, 0, 2]), small_ints((3,), dt, 1)) is u
    np.testing.assert_array_equal(to_np(u), np_scatter(a, 0, np.array([0, 0, 2]),
                                                       to_np(small_ints((3,), dt, 1)), "add"))


def test_scatter_add_integer_wraps_like_torch():
    r = pyt.scatter_add(pyt.zeros(3, dtype=pyt.int8), 0, pyt.tensor([0, 0]),
                        pyt.tensor([100, 100], dtype=pyt.int8))
    assert r.tolist() == [-56, 0, 0]


def test_scatter_errors():
    t = pyt.zeros(3, 4)
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 4"):
        t.scatter_(1, pyt.tensor([[4]]), pyt.ones(1, 1))
    assert to_np(t).sum() == 0
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype"):
        t.scatter(1, pyt.tensor([[0]]), pyt.ones(1, 1, dtype=pyt.float64))
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype"):
        t.scatter_add(1, pyt.tensor([[0]]), pyt.ones(1, 1, dtype=pyt.float64))
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        t.scatter(1, pyt.tensor([[0]]), pyt.ones(1, 1), reduce="mean")
    with pytest.raises(RuntimeError, match="no larger size than src"):
        t.scatter(1, pyt.tensor([[0, 1]]), pyt.ones(1, 1))
    with pytest.raises(RuntimeError, match="to be no larger than self"):
        t.scatter(1, pyt.zeros(4, 1, dtype=pyt.int64), pyt.ones(4, 1))
    with pytest.raises(RuntimeError, match="same number of dimensions as self"):
        t.scatter(1, pyt.zeros(1, 1, 1, dtype=pyt.int64), pyt.ones(1, 1, 1))
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
        t.scatter(1, pyt.zeros(1, 1), pyt.ones(1, 1))
    with pytest.raises(TypeError):
        t.scatter(1, pyt.tensor([[0]]))
    with pytest.raises(RuntimeError, match="single memory location"):
        pyt.zeros(3).expand(2, 3).scatter_(1, pyt.tensor([[0]]), 1.0)


# ----- index_add_, index_copy_, index_fill_, index_put_, put_ ------------------------------------

def test_index_add(dt):
    for name, t in layouts((4, 3), dt, writable=True):
        t.copy_(small_ints((4, 3), dt))
        a = to_np(t)
        for dim in (0, 1):
            i = np.array([1, 0, 1, 1, 2])
            shape = [4, 3]
            shape[dim] = 5
            src = small_ints(shape, dt, seed=7)
            expected = a.copy()
            moved = np.moveaxis(expected, dim, 0)
            for k, j in enumerate(i):
                s = np.moveaxis(to_np(src), dim, 0)[k]
                moved[j] = (moved[j] | s) if dt is pyt.bool else moved[j] + s
            check(t.index_add(dim, pyt.tensor(i), src), expected, dt)
    if dt is not pyt.bool:
        r = pyt.zeros(3, 2, dtype=dt).index_add_(0, pyt.tensor([0, 0, 2], dtype=pyt.int32),
                                                 pyt.ones(3, 2, dtype=dt), alpha=2)
        check(r, np.array([[4, 4], [0, 0], [2, 2]]).astype(to_np(r).dtype), dt)


def test_index_add_details():
    assert pyt.zeros(3, 2).index_add_(0, pyt.tensor(1), pyt.ones(1, 2)).tolist() == \
        [[0, 0], [1, 1], [0, 0]]
    assert pyt.zeros(()).index_add_(0, pyt.tensor([0]), pyt.ones(())).item() == 1.0
    r = pyt.zeros(3, 2, dtype=pyt.int64).index_add_(0, pyt.tensor([0, 0, 2]),
                                                    pyt.ones(3, 2, dtype=pyt.int64), alpha=2.5)
    assert r.tolist() == [[4, 4], [0, 0], [2, 2]]            # torch truncates alpha
    assert pyt.index_add(pyt.zeros(2), 0, pyt.tensor([1]), pyt.ones(1), alpha=3).tolist() == [0, 3]
    with pytest.raises(RuntimeError, match="index 3 is out of bounds for dimension 0 with size 3"):
        pyt.zeros(3, 2).index_add_(0, pyt.tensor([3]), pyt.ones(1, 2))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds"):
        pyt.zeros(3, 2).index_add_(0, pyt.tensor([-1]), pyt.ones(1, 2))
    with pytest.raises(RuntimeError, match="must have the same scalar type"):
        pyt.zeros(3, 2).index_add_(0, pyt.tensor([0]), pyt.ones(1, 2, dtype=pyt.float64))
    with pytest.raises(RuntimeError, match=r"Number of indices \(1\) should be equal"):
        pyt.zeros(3, 2).index_add_(0, pyt.tensor([0]), pyt.ones(2, 2))
    with pytest.raises(RuntimeError, match="source tensor shape must match self tensor shape"):
        pyt.zeros(3, 2).index_add_(0, pyt.tensor([0]), pyt.ones(1, 3))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        pyt.zeros(3, 2).index_add_(0, pyt.tensor([[0]]), pyt.ones(1, 2))
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index but got: Float"):
        pyt.zeros(3, 2).index_add_(0, pyt.tensor([1.0]), pyt.ones(1, 2))


def test_index_copy_and_fill(dt):
    for name, t in layouts((4, 3), dt, writable=True):
        a = to_np(t)
        src = make((4, 2), dt, seed=8)
        expected = a.copy()
        expected[:, [2, 0]] = to_np(src)[:, [0, 1]]
        check(t.index_copy(1, pyt.tensor([2, 0]), src[:, :2]), expected, dt)
        value = False if dt is pyt.bool else 7
        expected = a.copy()
        expected[[1, 3]] = value
        check(t.index_fill(0, pyt.tensor([1, -1]), value), expected, dt)
        np.testing.assert_array_equal(to_np(t), a)
        assert t.index_fill_(0, pyt.tensor(1), pyt.tensor(value)) is t
        a[1] = value
        np.testing.assert_array_equal(to_np(t), a)
    # duplicates: the last one wins
    assert pyt.zeros(3).index_copy_(0, pyt.tensor([0, 0]), pyt.tensor([1.0, 2.0])).tolist() == \
        [2.0, 0.0, 0.0]


def test_index_copy_and_fill_errors():
    with pytest.raises(IndexError, match="index_copy_\\(\\): index 3 is out of bounds for dimension 0 with size 3"):
        pyt.zeros(3).index_copy_(0, pyt.tensor([3]), pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Expected a long tensor for index, but got Int"):
        pyt.zeros(3).index_copy_(0, pyt.tensor([1], dtype=pyt.int32), pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="same dtype"):
        pyt.zeros(3).index_copy_(0, pyt.tensor([1]), pyt.tensor([1]))
    with pytest.raises(IndexError, match="Number of indices"):
        pyt.zeros(3, 2).index_copy_(0, pyt.tensor([1]), pyt.ones(2, 2))
    with pytest.raises(IndexError, match="index 2 is out of bounds for dimension 1 with size 2"):
        pyt.zeros(3, 2).index_fill_(1, pyt.tensor([2]), 5)
    with pytest.raises(IndexError, match="Expected dtype int64 for index"):
        pyt.zeros(3, 2).index_fill_(1, pyt.tensor([1], dtype=pyt.int32), 5)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        pyt.zeros(3, 2).index_fill_(1, pyt.tensor([1]), pyt.tensor([5.0]))


def test_index_put(dt):
    for name, t in layouts((4, 3), dt, writable=True):
        t.copy_(small_ints((4, 3), dt))
        a = to_np(t)
        rows, cols = np.array([0, 3, 0, 0]), np.array([1, 2, 1, 1])
        vals = small_ints((4,), dt, seed=11)
        expected = a.copy()
        expected[rows, cols] = to_np(vals)                   # NumPy: the last write wins too
        check(t.index_put((pyt.tensor(rows), pyt.tensor(cols)), vals), expected, dt)
        expected = a.copy()
        if dt is pyt.bool:
            np.logical_or.at(expected, (rows, cols), to_np(vals))
        else:
            np.add.at(expected, (rows, cols), to_np(vals))
        check(t.index_put([pyt.tensor(rows), pyt.tensor(cols)], vals, accumulate=True), expected, dt)
        mask = np.array([True, False, True, True])
        expected = a.copy()
        expected[mask] = to_np(vals)[:3, None]
        assert t.index_put_((pyt.tensor(mask),), vals[:3].view(3, 1)) is t
        np.testing.assert_array_equal(to_np(t), expected)


def test_index_put_details():
    r = pyt.zeros(3, 2).index_put_((pyt.tensor([0, 1]), pyt.tensor([0])), pyt.tensor([1.0, 2.0]),
                                   accumulate=True)
    assert r.tolist() == [[1, 0], [2, 0], [0, 0]]
    assert pyt.zeros(3, 2).index_put_((pyt.tensor(True),), pyt.tensor(1.0)).tolist() == [[1, 1]] * 3
    assert pyt.zeros(3, 2).index_put_((pyt.tensor(1),), pyt.tensor(1.0)).tolist() == \
        [[0, 0], [1, 1], [0, 0]]
    assert pyt.index_put(pyt.zeros(3), (pyt.tensor([1]),), pyt.tensor([2.0])).tolist() == [0, 2, 0]
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        pyt.zeros(3, 2).index_put_((pyt.tensor([0]),), pyt.tensor(7))
    with pytest.raises(IndexError, match=r"too many indices for tensor of dimension 2 \(got 3\)"):
        pyt.zeros(3, 2).index_put_((pyt.tensor([0]),) * 3, pyt.tensor(7.0))
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        pyt.zeros(3, 2).index_put_((pyt.tensor([5]),), pyt.tensor(7.0), accumulate=True)
    with pytest.raises(TypeError, match="expected Tensor as element 0"):
        pyt.zeros(3, 2).index_put_((1,), pyt.tensor(7.0))
    with pytest.raises(TypeError):
        pyt.zeros(3).index_put_((pyt.tensor([0]),), 1.0)
    with pytest.raises(IndexError, match="tensors used as indices"):
        pyt.zeros(3, 2).index_put_((pyt.tensor([1.0]),), pyt.tensor(1.0))


def test_put(dt):
    for name, t in layouts((2, 3), dt, writable=True):
        t.copy_(small_ints((2, 3), dt))
        a = to_np(t)
        i = np.array([[0, 5], [-1, 0]])
        src = small_ints((2, 2), dt, seed=12)
        expected = a.copy().reshape(-1)
        for k, j in zip(i.reshape(-1), to_np(src).reshape(-1)):
            expected[k] = j
        check(t.put(pyt.tensor(i), src), expected.reshape(2, 3), dt)
        expected = a.copy().reshape(-1)
        for k, j in zip(i.reshape(-1), to_np(src).reshape(-1)):
            expected[k] = (expected[k] | j) if dt is pyt.bool else expected[k] + j
        assert t.put_(pyt.tensor(i), src.reshape(-1), accumulate=True) is t
        np.testing.assert_array_equal(to_np(t), expected.reshape(2, 3))


def test_put_errors():
    t = pyt.zeros(2, 3)
    with pytest.raises(IndexError, match="tried to access index 6 on a tensor of 6 elements"):
        t.put_(pyt.tensor([6]), pyt.tensor([1.0]))
    with pytest.raises(IndexError, match="same number of elements"):
        t.put_(pyt.tensor([0, 0]), pyt.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match="same dtype"):
        t.put_(pyt.tensor([1]), pyt.tensor([1]))
    with pytest.raises(RuntimeError, match="Expected a long tensor for index"):
        t.put_(pyt.tensor([1], dtype=pyt.int32), pyt.tensor([1.0]))
    with pytest.raises(IndexError, match="empty tensor"):
        pyt.zeros(0).put_(pyt.tensor([0]), pyt.ones(1))


# ----- masks ----------------------------------------------------------------------------------------

def test_masked_fill(dt):
    rng = np.random.default_rng(4)
    value = True if dt is pyt.bool else 5
    for name, t in layouts((3, 4), dt):
        a = to_np(t)
        m = rng.random((3, 4)) > 0.5
        check(t.masked_fill(pyt.tensor(m), value), np.where(m, value, a).astype(a.dtype), dt)
        row = m[0]
        check(pyt.masked_fill(t, pyt.tensor(row), value), np.where(row, value, a).astype(a.dtype), dt)
        col = m[:, :1][None]                                     # broadcasts input to (1, 3, 4)
        check(pyt.masked_fill(t, pyt.tensor(col), pyt.tensor(value)),
              np.where(col, value, a).astype(a.dtype), dt)
    for name, t in layouts((3, 4), dt, writable=True):
        a = to_np(t)
        m = rng.random(4) > 0.5
        assert t.masked_fill_(pyt.tensor(m), value) is t
        np.testing.assert_array_equal(to_np(t), np.where(m, value, a).astype(a.dtype))


def test_masked_fill_conversions_and_errors():
    assert pyt.zeros(2, dtype=pyt.int32).masked_fill(pyt.tensor([True, False]), 2.7).tolist() == [2, 0]
    assert pyt.zeros(2).masked_fill(pyt.tensor([True, False]), pyt.tensor(2)).tolist() == [2.0, 0.0]
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        pyt.zeros(4).masked_fill(pyt.tensor([1, 0, 1, 0], dtype=pyt.uint8), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        pyt.zeros(4).masked_fill(pyt.tensor([True] * 4), pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"output with shape \[4\] doesn't match the broadcast shape \[2, 4\]"):
        pyt.zeros(4).masked_fill_(pyt.tensor([[True], [False]]), 1.0)
    with pytest.raises(RuntimeError, match="must match the size"):
        pyt.zeros(3, 2).masked_fill_(pyt.tensor([True, False, True]), 1.0)
    with pytest.raises(RuntimeError, match="overflow"):
        pyt.zeros(2, dtype=pyt.uint8).masked_fill(pyt.tensor([True, False]), 300)
    with pytest.raises(TypeError):
        pyt.zeros(2).masked_fill(pyt.tensor([True, False]), "a")


def test_masked_select(dt):
    rng = np.random.default_rng(5)
    for name, t in layouts((3, 4), dt):
        a = to_np(t)
        m = rng.random((3, 4)) > 0.5
        check(pyt.masked_select(t, pyt.tensor(m)), a[m], dt)
        check(t.masked_select(pyt.tensor(m[:, :1])), a[np.broadcast_to(m[:, :1], a.shape)], dt)
        big = rng.random((2, 3, 4)) > 0.5                      # broadcasts the input
        check(pyt.masked_select(t, pyt.tensor(big)), np.broadcast_to(a, big.shape)[big], dt)
    assert pyt.masked_select(make((0, 4), dt), pyt.zeros(0, 4, dtype=pyt.bool)).shape == (0,)
    check(pyt.masked_select(make((), dt), pyt.tensor(True)), to_np(make((), dt)).reshape(1), dt)


def test_masked_select_errors():
    with pytest.raises(RuntimeError, match="expected BoolTensor for mask"):
        pyt.masked_select(pyt.arange(4), pyt.tensor([1, 0, 1, 0], dtype=pyt.uint8))
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        pyt.masked_select(pyt.arange(4), pyt.tensor([True, False]))


def test_masked_scatter(dt):
    rng = np.random.default_rng(6)
    for name, t in layouts((3, 4), dt, writable=True):
        a = to_np(t)
        m = rng.random((3, 4)) > 0.5
        src = make((4, 4), dt, seed=13)                        # more than enough elements
        expected = a.copy()
        expected[m] = to_np(src).reshape(-1)[:m.sum()]
        check(t.masked_scatter(pyt.tensor(m), src), expected, dt)
        assert t.masked_scatter_(pyt.tensor(m[0]), src.t()) is t
        expected = a.copy()
        mb = np.broadcast_to(m[0], a.shape)
        expected[mb] = to_np(src.t()).reshape(-1)[:mb.sum()]
        np.testing.assert_array_equal(to_np(t), expected)
    r = pyt.masked_scatter(pyt.zeros(4), pyt.tensor([[True], [False]]), pyt.arange(8.0).view(2, 4))
    assert r.tolist() == [[0, 1, 2, 3], [0, 0, 0, 0]]


def test_masked_select_and_scatter_keep_row_major_order_in_large_views():
    # the iterator walks big transposed operands in cache tiles; masked_select and
    # masked_scatter move a cursor, so they must walk row by row (they used to return
    # elements in tile order from 16 x 16 up)
    rng = np.random.default_rng(7)
    a = rng.standard_normal((40, 50)).astype(np.float32)
    t, m = pyt.tensor(a).t(), pyt.tensor(a.T > 0)             # strides (1, 50) and (40, 1)
    np.testing.assert_array_equal(pyt.masked_select(t, m).numpy(), a.T[a.T > 0])
    np.testing.assert_array_equal(t[m].numpy(), a.T[a.T > 0])
    src = pyt.arange(2000.0)
    expected = a.T.copy()
    expected[a.T > 0] = np.arange(float((a > 0).sum()))
    np.testing.assert_array_equal(t.clone().t().t().masked_scatter(m, src).numpy(), expected)
    u = pyt.tensor(a).t()
    u.masked_scatter_(m, src)
    np.testing.assert_array_equal(u.numpy(), expected)


def test_masked_scatter_errors():
    with pytest.raises(RuntimeError, match="Number of elements of source < number of ones in mask"):
        pyt.zeros(4).masked_scatter_(pyt.tensor([True, False, True, False]), pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="same dtypes"):
        pyt.zeros(4).masked_scatter_(pyt.tensor([True] * 4), pyt.ones(4, dtype=pyt.float64))
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        pyt.zeros(4).masked_scatter_(pyt.tensor([1, 0, 1, 0], dtype=pyt.uint8), pyt.ones(4))


# ----- where, nonzero ---------------------------------------------------------------------------

def test_where(dt):
    rng = np.random.default_rng(7)
    for name, t in layouts((3, 4), dt):
        a = to_np(t)
        m = rng.random((3, 4)) > 0.5
        other = make((4,), dt, seed=3)
        check(pyt.where(pyt.tensor(m), t, other), np.where(m, a, to_np(other)), dt)
        check(t.where(pyt.tensor(m[:, :1]), other), np.where(m[:, :1], a, to_np(other)), dt)
        check(pyt.where(pyt.tensor(m).t().t(), t, t[0, 0]), np.where(m, a, a[0, 0]), dt)


def test_where_type_promotion():
    c = pyt.tensor([True, False])
    cases = [
        ((pyt.tensor([1, 2]), pyt.tensor([1.5])), pyt.float32, [1.0, 1.5]),
        ((1, 2.5), pyt.float32, [1.0, 2.5]),
        ((1, 2), pyt.int64, [1, 2]),
        ((True, False), pyt.bool, [True, False]),
        ((pyt.arange(2, dtype=pyt.int32), 2.5), pyt.float32, [0.0, 2.5]),
        ((pyt.arange(2, dtype=pyt.int32), 7), pyt.int32, [0, 7]),
        ((pyt.arange(2, dtype=pyt.int32), pyt.tensor(2.5, dtype=pyt.float64)), pyt.float64, [0.0, 2.5]),
        ((pyt.arange(2, dtype=pyt.int32), pyt.tensor(2, dtype=pyt.int64)), pyt.int32, [0, 2]),
        ((pyt.ones(2, dtype=pyt.float16), 2.5), pyt.float16, [1.0, 2.5]),
        ((pyt.ones(2, dtype=pyt.uint8), pyt.ones(2, dtype=pyt.int8)), pyt.int16, [1, 1]),
        ((pyt.ones(2, dtype=pyt.bool), 3), pyt.int64, [1, 3]),
    ]
    for (x, y), dtype, expected in cases:
        r = pyt.where(c, x, y)
        assert r.dtype is dtype and r.tolist() == expected, (x, y, r)
    r = pyt.where(pyt.tensor(True), pyt.tensor(1), pyt.tensor(2.0))
    assert r.shape == () and r.dtype is pyt.float32 and r.item() == 1.0


def test_where_condition_only_and_errors():
    r = pyt.where(pyt.tensor([[1, 0], [0, 3]]))
    assert isinstance(r, tuple) and [x.tolist() for x in r] == [[0, 1], [0, 1]]
    with pytest.warns(UserWarning, match="uint8 condition"):
        assert pyt.where(pyt.tensor([1, 0], dtype=pyt.uint8), 1.0, 2.0).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor, but "
                                           "got a tensor with dtype Float"):
        pyt.where(pyt.tensor([1.0, 0.0]), 1.0, 2.0)
    with pytest.raises(RuntimeError, match="must match the size"):
        pyt.where(pyt.tensor([True, False]), pyt.ones(3), 0.0)
    with pytest.raises(TypeError):
        pyt.where(pyt.tensor([True, False]), pyt.ones(2))


def test_nonzero(dt):
    for name, t in layouts((3, 4, 2), dt):
        a = to_np(t)
        r = pyt.nonzero(t)
        assert r.dtype is pyt.int64
        np.testing.assert_array_equal(to_np(r), np.argwhere(a))
        np.testing.assert_array_equal(to_np(t.argwhere()), np.argwhere(a))
        cols = t.nonzero(as_tuple=True)
        assert len(cols) == 3
        for c, e in zip(cols, np.nonzero(a)):
            np.testing.assert_array_equal(to_np(c), e)
    assert pyt.nonzero(make((0, 3), dt)).shape == (0, 2)
    s = pyt.ones((), dtype=dt)
    assert pyt.nonzero(s).shape == (1, 0)
    assert pyt.nonzero(pyt.zeros((), dtype=dt)).shape == (0, 0)
    assert [c.tolist() for c in pyt.nonzero(s, as_tuple=True)] == [[0]]
    assert [c.tolist() for c in pyt.nonzero(pyt.zeros((), dtype=dt), as_tuple=True)] == [[]]


def test_nonzero_float_zeros():
    for dtype in (pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64):
        t = pyt.tensor([float("nan"), -0.0, 0.0, 1e-3, -2.0], dtype=dtype)
        assert pyt.nonzero(t).view(-1).tolist() == [0, 3, 4]


# ----- bigger inputs: the parallel paths give the same answers ---------------------------------

def test_large_inputs_use_threads_consistently():
    rng = np.random.default_rng(8)
    a = rng.standard_normal((300, 400)).astype(np.float32)
    t = pyt.tensor(a)
    i = rng.integers(-300, 300, 100000)
    np.testing.assert_array_equal(to_np(t[pyt.tensor(i)]), a[i])
    m = a > 0
    np.testing.assert_array_equal(to_np(t[pyt.tensor(m)]), a[m])
    np.testing.assert_array_equal(to_np(pyt.where(pyt.tensor(m), t, 0.0)), np.where(m, a, 0))
    bad = i.copy()
    bad[77777] = 300
    bad[88888] = 400
    with pytest.raises(IndexError, match="index 300 is out of bounds"):   # the first bad one
        t[pyt.tensor(bad)]
    acc = pyt.zeros(50, dtype=pyt.float64)
    j = rng.integers(0, 50, 200000)
    acc.index_put_((pyt.tensor(j),), pyt.ones(200000, dtype=pyt.float64), accumulate=True)
    np.testing.assert_array_equal(to_np(acc), np.bincount(j, minlength=50))


# ----- against torch ----------------------------------------------------------------------------

TORCH_GETITEM = [
    "x[:, 0, :, [0, 1]]", "x[[0, 1], 0, :, [0, 1]]", "x[:, [0, 1], :, [0, 1]]",
    "x[[0, 1], :, [0, 1]]", "x[:, [0, 1], [0, 1]]", "x[..., [0, 1]]",
    "x[:, None, [0, 1], [0, 1]]", "x[:, [0, 1], None, [0, 1]]", "x[None, [0, 1], None, [1, 2]]",
    "x[[[0], [1]], :, [[0, 1, 2]]]", "x[T([[True, False, True], [False, True, True]]), [0, 1, 2, 3]]",
    "x[T([[True, False, True], [False, True, True]]), :, [1]]", "x[:, True]", "x[[0, 1], True]",
    "x[1, T([0, 2])]", "x[T(1), T([1])]", "x[[1, True]]", "x[[0.5, 1.7]]", "x[T(True)]",
    "x[:, T([True, False, True]), 1:3, T([[0], [4]])]", "x[[]]", "x[T([], dtype=L.int64), 1]",
]


@pytest.mark.parametrize("expr", TORCH_GETITEM)
def test_getitem_against_torch(expr):
    torch = pytest.importorskip("torch")
    results = []
    for L in (torch, pyt):
        x = L.arange(2 * 3 * 4 * 5).view(2, 3, 4, 5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eval(expr, {"x": x, "T": L.tensor, "L": L})
        results.append((tuple(r.shape), r.tolist()))
    assert results[0] == results[1]


TORCH_SETITEM = [
    ("x[[0, 0, 0]] = v", "L.tensor([[[1.0]], [[2.0]], [[3.0]]]).expand(3, 3, 4)"),
    ("x[:, [1, 0], [2, 2]] = v", "L.tensor([5.0, 6.0])"),
    ("x[T([True, False]), :, 1] = v", "L.tensor([[7.0, 8.0, 9.0]])"),
    ("x[:, 1, [0, 3]] = v", "L.tensor([[1.0], [2.0]])"),
    ("x[None, 1, ..., T([0, 3])] = v", "L.tensor(3.0)"),
    ("x[[0, 1], :, [0, 1]] = v", "L.arange(6.0).view(2, 3)"),
]


@pytest.mark.parametrize("stmt, value", TORCH_SETITEM)
def test_setitem_against_torch(stmt, value):
    torch = pytest.importorskip("torch")
    results = []
    for L in (torch, pyt):
        x = L.zeros(2, 3, 4)
        exec(stmt, {"x": x, "v": eval(value, {"L": L}), "T": L.tensor})
        results.append(x.tolist())
    assert results[0] == results[1]


def test_scatter_semantics_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    self_ = rng.integers(0, 5, (4, 6)).astype(np.float32)
    index = rng.integers(0, 4, (3, 5))
    src = rng.integers(0, 5, (4, 6)).astype(np.float32)
    i6 = index % 6                                            # no pointwise ops in pyt yet
    ops = [
        lambda L, s, i, j, v: s.scatter_add(0, i, v),
        lambda L, s, i, j, v: s.scatter(0, i, v, reduce="add"),
        lambda L, s, i, j, v: s.scatter(0, i, v, reduce="multiply"),
        lambda L, s, i, j, v: s.scatter(1, j, 2.0, reduce="add"),
        lambda L, s, i, j, v: L.gather(s, 1, i),
        lambda L, s, i, j, v: s.index_add(1, i[0], v[:, :5], alpha=3),
        lambda L, s, i, j, v: s.clone().index_put_((i[0], j[1]), v[0, :5], accumulate=True),
        lambda L, s, i, j, v: s.clone().index_put_((i[:, :1], j[:1, :]), v[:3, :5], accumulate=True),
        lambda L, s, i, j, v: s.clone().put_(j.reshape(-1), v[:3, :5].reshape(-1), accumulate=True),
        lambda L, s, i, j, v: s.clone().index_copy_(0, i[0, :1], v[:1]),
    ]
    for op in ops:
        results = []
        for L in (torch, pyt):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = op(L, L.tensor(self_), L.tensor(index), L.tensor(i6), L.tensor(src))
            results.append(r.tolist())
        assert results[0] == results[1]
    for dtype in ("float16", "bfloat16"):                        # reductions round like torch's
        results = []
        for L in (torch, pyt):
            v = L.tensor([0.1, 0.2, 0.3, 0.7], dtype=getattr(L, dtype))
            r = L.zeros(2, dtype=getattr(L, dtype)).scatter_add_(0, L.tensor([0, 0, 0, 1]), v)
            results.append(r.float().tolist())
        assert results[0] == results[1]


def test_error_messages_against_torch():
    torch = pytest.importorskip("torch")
    exprs = [
        "x[5]", "x[:, [7]]", "x[[0], [9]]", "x[T([True, False])]", "x[T([0.0])]", "x[::-1]",
        "x[[1, 2], [1, 2, 3]]", "x.gather(1, T([[5]]))", "x.index_select(0, T([[0]]))",
        "x.take(T([99]))", "x.masked_fill(T([1, 0, 1, 0], dtype=L.uint8), 1.0)",
        "x.index_fill(0, T([3]), 1.0)", "x.index_copy(0, T([3]), L.zeros(1, 4))",
    ]
    for expr in exprs:
        messages = []
        for L in (torch, pyt):
            x = L.zeros(3, 4)
            with pytest.raises(Exception) as info:
                eval(expr, {"x": x, "T": L.tensor, "L": L})
            messages.append((type(info.value), str(info.value)))
        assert messages[0] == messages[1], expr


@pytest.mark.parametrize("dt", [pyt.float32, pyt.float64])
def test_index_add_of_whole_rows_sums_duplicates(dt):
    """The row-at-a-time path (dim 0, contiguous floats) against NumPy's add.at."""
    rng = np.random.default_rng(0)
    target = rng.standard_normal((50, 7))
    index = rng.integers(0, 50, 400)
    source = rng.standard_normal((400, 7))
    expected = target.copy()
    np.add.at(expected, index, 2.5 * source)
    t = pyt.tensor(target, dtype=dt)
    t.index_add_(0, pyt.tensor(index), pyt.tensor(source, dtype=dt), alpha=2.5)
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match="out of bounds"):        # as torch
        t.index_add_(0, pyt.tensor([0, 50]), pyt.ones(2, 7, dtype=dt))
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-5, atol=1e-5)   # untouched
