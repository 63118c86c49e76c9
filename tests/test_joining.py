"""Joining and reordering: cat, stack and friends, flip, roll, repeat, tile, tril/triu,
diag_embed, block_diag. Checked against NumPy on every dtype and layout, and against
torch where it is installed."""
import numpy as np
import pytest

import pyt

DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
          pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]


def np_of(t):
    """A NumPy copy of any tensor (bfloat16 through float32)."""
    if t.dtype is pyt.bfloat16:
        t = t.float()
    return np.array(t.numpy(), copy=True)


def make(shape, dt, seed=0):
    """A tensor of dtype dt with varied values."""
    rng = np.random.default_rng(seed)
    if dt is pyt.bool:
        return pyt.tensor(rng.random(shape) > 0.5)
    if dt.is_floating_point:
        return pyt.tensor(rng.standard_normal(shape) * 10, dtype=dt)
    return pyt.tensor(rng.integers(0 if dt is pyt.uint8 else -100, 100, shape), dtype=dt)


def layouts(shape, dt, seed=0):
    """The same values of the given shape in several memory layouts: contiguous,
    transposed, sliced with steps, and expanded (broadcast) when a dim allows it."""
    base = make(shape, dt, seed)
    out = {"contiguous": base}
    if len(shape) >= 2:
        out["transposed"] = make(shape[::-1], dt, seed).transpose(0, len(shape) - 1) \
            if len(shape) == 2 else make(shape, dt, seed).transpose(0, 1).contiguous().transpose(0, 1)
    big = make([2 * s for s in shape], dt, seed)
    out["stepped"] = big[tuple(slice(None, None, 2) for _ in shape)]
    if len(shape) >= 1 and shape[0] > 0:
        row = make((1,) + tuple(shape[1:]), dt, seed)
        out["expanded"] = row.expand(*shape)
    return out


def check(result, expected, dtype=None):
    """result (a tensor) equals expected (a NumPy array), shape and dtype included."""
    assert isinstance(result, pyt.Tensor)
    assert tuple(result.shape) == expected.shape
    if dtype is not None:
        assert result.dtype is dtype
    np.testing.assert_array_equal(np_of(result), expected)


def raises(exc, match, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert match in str(info.value), str(info.value)


# ----- cat ---------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=str)
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_cat_all_dtypes_and_layouts(dt, dim):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    for name, a in layouts(shapes[0], dt, 1).items():
        b = make(shapes[1], dt, 2)
        c = make(shapes[2], dt, 3).transpose(1, 2).contiguous().transpose(1, 2)
        check(pyt.cat([a, b, c], dim),
              np.concatenate([np_of(a), np_of(b), np_of(c)], axis=dim), dt)


def test_cat_uneven_sizes_along_dim():
    a, b, c = make((2, 1, 3), pyt.float32), make((2, 4, 3), pyt.float32), make((2, 0, 3), pyt.float32)
    check(pyt.cat((a, b, c), 1), np.concatenate([np_of(a), np_of(b), np_of(c)], 1))
    check(pyt.cat([a], dim=-2), np_of(a))


@pytest.mark.parametrize("d1", DTYPES, ids=str)
@pytest.mark.parametrize("d2", DTYPES, ids=str)
def test_cat_promotes_dtypes(d1, d2):
    a, b = make((2, 2), d1, 1), make((3, 2), d2, 2)
    r = pyt.cat([a, b])
    want = pyt.promote_types(d1, d2)
    assert r.dtype is want
    np.testing.assert_array_equal(np_of(r), np.concatenate([np_of(a.to(want)), np_of(b.to(want))]))


def test_cat_skips_legacy_empty_vectors():
    a = make((2, 3), pyt.int16)
    empty8 = pyt.zeros(0, dtype=pyt.int8)
    empty64 = pyt.zeros(0, dtype=pyt.float64)
    check(pyt.cat([empty8, a, empty8], 1), np_of(a), pyt.int16)
    check(pyt.cat([a, empty64], 0), np_of(a).astype(np.float64), pyt.float64)  # still promotes
    check(pyt.cat([pyt.zeros(0), pyt.zeros(0)], 5), np.zeros(0, np.float32))  # no dim check
    check(pyt.cat([pyt.zeros(0), pyt.arange(3.)]), np.arange(3.0, dtype=np.float32))


def test_cat_zero_size():
    check(pyt.cat([pyt.zeros(2, 0), pyt.zeros(3, 0)]), np.zeros((5, 0), np.float32))
    check(pyt.cat([pyt.zeros(0, 3), pyt.ones(2, 3)]), np.ones((2, 3), np.float32))
    check(pyt.cat([pyt.zeros(0, 3), pyt.zeros(0, 3)], 1), np.zeros((0, 6), np.float32))


def test_cat_aliases_and_axis():
    a = make((2, 3), pyt.float32)
    ref = np.concatenate([np_of(a), np_of(a)], 1)
    check(pyt.concat([a, a], 1), ref)
    check(pyt.concatenate([a, a], axis=1), ref)
    check(pyt.cat(tensors=[a, a], dim=1), ref)


def test_cat_errors():
    a = pyt.zeros(2, 3)
    raises(RuntimeError, "Sizes of tensors must match except in dimension 1. Expected size 2 "
           "but got size 3 for tensor number 1 in the list.", pyt.cat, [a, pyt.zeros(3, 3)], 1)
    raises(RuntimeError, "Sizes of tensors must match except in dimension 0. Expected size 3 "
           "but got size 4 for tensor number 2 in the list.",
           pyt.cat, [a, a, pyt.zeros(2, 4)])
    raises(RuntimeError, "Tensors must have same number of dimensions: got 2 and 1",
           pyt.cat, [a, pyt.zeros(2)])
    raises(RuntimeError, "zero-dimensional tensor (at position 1) cannot be concatenated",
           pyt.cat, [a, pyt.tensor(1.0)])
    raises(ValueError, "expected a non-empty list of Tensors", pyt.cat, [])
    raises(ValueError, "expected a non-empty list of Tensors", pyt.cat, ())
    raises(TypeError, "must be tuple of Tensors, not Tensor", pyt.cat, a)
    raises(TypeError, "expected Tensor as element 1 in argument 0, but got int", pyt.cat, [a, 1])
    raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
           pyt.cat, [a, a], 2)
    raises(IndexError, "but got -3", pyt.cat, [a, a], -3)
    raises(TypeError, "must be int, not float", pyt.cat, [a, a], 1.0)
    raises(TypeError, "must be int, not bool", pyt.cat, [a, a], True)


def test_cat_out():
    a, b = make((2, 3), pyt.int32, 1), make((1, 3), pyt.int32, 2)
    ref = np.concatenate([np_of(a), np_of(b)])
    out = pyt.zeros(3, 3, dtype=pyt.float64)
    assert pyt.cat([a, b], out=out) is out
    check(out, ref.astype(np.float64))
    out = pyt.zeros(7, dtype=pyt.int8)                     # resized
    check(pyt.cat([a, b], out=out), ref.astype(np.int8))
    check(out, ref.astype(np.int8))
    strided = pyt.zeros(3, 3, dtype=pyt.int64).t()          # right shape, any strides
    pyt.cat([a, b], out=strided)
    check(strided, ref)
    raises(TypeError, "can't be cast to the desired output type Int",
           pyt.cat, [pyt.zeros(2)], out=pyt.zeros(2, dtype=pyt.int32))
    raises(TypeError, "can't be cast to the desired output type Bool",
           pyt.cat, [a], out=pyt.zeros(2, 3, dtype=pyt.bool))


def test_cat_out_overlapping_inputs():
    x = pyt.arange(12.).reshape(4, 3)
    raises(RuntimeError, "refer to a single memory location", pyt.cat, [x[:2], x[2:]], out=x)
    y = pyt.arange(8.)
    pyt.cat([y[:2], y[2:4]], out=y[4:])                     # disjoint memory: fine
    check(y, np.array([0, 1, 2, 3, 0, 1, 2, 3], np.float32))
    # strided inputs inside a strided out: read before being overwritten
    w = pyt.arange(24.).reshape(4, 6)
    every_other = w[:, ::2]                                   # (4, 3), not contiguous
    x = np_of(every_other)
    pyt.cat([every_other[:, 2:], every_other[:, :2]], 1, out=every_other)
    check(every_other, np.concatenate([x[:, 2:], x[:, :2]], 1))
    check(w[:, 1::2], np.arange(24.0, dtype=np.float32).reshape(4, 6)[:, 1::2])


# ----- stack and the h/v/d/column stacks -------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_stack_all_dtypes_and_layouts(dt):
    for name, a in layouts((3, 4), dt, 1).items():
        b = make((3, 4), dt, 2)
        for dim in (0, 1, 2, -1, -3):
            check(pyt.stack([a, b], dim), np.stack([np_of(a), np_of(b)], dim), dt)


def test_stack_scalars_promotion_and_zero_size():
    check(pyt.stack([pyt.tensor(1), pyt.tensor(2.5)]), np.array([1, 2.5], np.float32),
          pyt.float32)
    check(pyt.stack([pyt.zeros(0), pyt.zeros(0)]), np.zeros((2, 0), np.float32))
    check(pyt.stack((pyt.zeros(2, 0),), 1), np.zeros((2, 1, 0), np.float32))
    a = make((2, 3), pyt.int8)
    check(pyt.stack([a, a.to(pyt.int64)], 1), np.stack([np_of(a)] * 2, 1).astype(np.int64),
          pyt.int64)


def test_stack_out_and_errors():
    a = make((2, 3), pyt.float32)
    out = pyt.empty(0)
    assert pyt.stack([a, a], out=out) is out
    check(out, np.stack([np_of(a)] * 2))
    raises(RuntimeError, "stack expects each tensor to be equal size, but got [2, 3] at entry 0 "
           "and [2, 4] at entry 1", pyt.stack, [pyt.zeros(2, 3), pyt.zeros(2, 4)])
    raises(RuntimeError, "but got [2, 3] at entry 0 and [3] at entry 2",
           pyt.stack, [a, a, pyt.zeros(3)])
    raises(RuntimeError, "stack expects a non-empty TensorList", pyt.stack, [])
    raises(IndexError, "expected to be in range of [-3, 2], but got 3", pyt.stack, [a, a], 3)
    raises(TypeError, "must be tuple of Tensors, not Tensor", pyt.stack, a)
    raises(TypeError, "expected Tensor as element 1", pyt.stack, [a, 1])
    raises(TypeError, "can't be cast to the desired output type Short",
           pyt.stack, [a], out=pyt.zeros(1, dtype=pyt.int16))


@pytest.mark.parametrize("name", ["hstack", "vstack", "row_stack", "dstack", "column_stack"])
@pytest.mark.parametrize("shapes", [[(), ()], [(3,), (3,)], [(2, 3), (2, 3)], [(2, 3, 4), (2, 3, 4)],
                                    [(0,), (0,)], [(2, 0), (2, 0)]])
def test_named_stacks_match_numpy(name, shapes):
    ts = [make(s, pyt.int32, i) for i, s in enumerate(shapes)]
    fn = getattr(np, "vstack" if name == "row_stack" else name)
    check(getattr(pyt, name)(ts), fn([np_of(t) for t in ts]), pyt.int32)
    check(getattr(pyt, name)(tuple(t.to(pyt.bfloat16) for t in ts)),
          fn([np_of(t.to(pyt.bfloat16)) for t in ts]), pyt.bfloat16)


def test_named_stacks_mixed_shapes():
    check(pyt.hstack([pyt.zeros(2, 1), pyt.ones(2, 3)]),
          np.hstack([np.zeros((2, 1)), np.ones((2, 3))]).astype(np.float32))
    check(pyt.vstack([pyt.arange(3), pyt.ones(2, 3, dtype=pyt.int64)]),
          np.vstack([np.arange(3), np.ones((2, 3), np.int64)]))
    check(pyt.column_stack([pyt.arange(3), pyt.ones(3, 2, dtype=pyt.int64)]),
          np.column_stack([np.arange(3), np.ones((3, 2), np.int64)]))
    a = make((4, 5), pyt.float64).t()
    check(pyt.dstack([a, a]), np.dstack([np_of(a)] * 2))
    out = pyt.empty(0, dtype=pyt.float64)
    assert pyt.vstack([a, a], out=out) is out
    check(out, np.vstack([np_of(a)] * 2))


def test_named_stack_errors():
    for name in ("hstack", "vstack", "dstack", "column_stack"):
        raises(RuntimeError, f"{name} expects a non-empty TensorList", getattr(pyt, name), [])
        raises(TypeError, "must be tuple of Tensors, not Tensor", getattr(pyt, name), pyt.zeros(2))
    raises(RuntimeError, "Tensors must have same number of dimensions: got 1 and 2",
           pyt.hstack, [pyt.zeros(3), pyt.zeros(2, 3)])
    raises(RuntimeError, "Expected size 3 but got size 4",
           pyt.column_stack, [pyt.zeros(3), pyt.zeros(4)])


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("shape", [(), (0,), (4,), (2, 3), (2, 3, 4), (1, 2, 3, 4)])
def test_atleast_nd(n, shape):
    t = make(shape, pyt.float32)
    fn = getattr(pyt, f"atleast_{n}d")
    ref = getattr(np, f"atleast_{n}d")(np_of(t))
    r = fn(t)
    check(r, ref)
    if len(shape) >= n:
        assert r is t
    else:
        assert r.data_ptr() == t.data_ptr()                 # a view
    both = fn(t, t)
    assert isinstance(both, tuple) and len(both) == 2
    check(both[1], ref)
    assert isinstance(fn([t]), tuple) and len(fn([t])) == 1
    assert fn() == ()


def test_atleast_views_of_strided():
    t = pyt.arange(10.)[::3]
    v = pyt.atleast_3d(t)
    check(v, np.atleast_3d(np.arange(10.0, dtype=np.float32)[::3]))
    v[0, 1, 0] = 100
    assert t[1].item() == 100
    with pytest.raises(TypeError):
        pyt.atleast_1d(1)


# ----- block_diag ------------------------------------------------------------------

def test_block_diag():
    a, b, c = pyt.tensor(7), pyt.arange(2, dtype=pyt.float64), make((2, 3), pyt.int8)
    r = pyt.block_diag(a, b, c)
    ref = np.zeros((4, 6))
    ref[0, 0] = 7
    ref[1, 1:3] = np_of(b)
    ref[2:4, 3:6] = np_of(c)
    check(r, ref, pyt.float64)
    check(pyt.block_diag(), np.zeros((1, 0), np.float32))
    check(pyt.block_diag(pyt.zeros(0, 2), pyt.ones(2, 0)), np.zeros((2, 2), np.float32))
    check(pyt.block_diag(c.t()), np_of(c).T)
    raises(RuntimeError, "Input tensors must have 2 or fewer dimensions. Input 1 has 3 dimensions",
           pyt.block_diag, a, pyt.zeros(1, 1, 1))
    raises(TypeError, "expected Tensor as element 0 in argument 0, but got list",
           pyt.block_diag, [a])


# ----- flip --------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_flip_all_dtypes_and_layouts(dt):
    for name, a in layouts((3, 4, 5), dt, 1).items():
        x = np_of(a)
        for dims in [(0,), (1,), (2,), (-1,), (0, 2), [0, 1, 2], ()]:
            check(pyt.flip(a, dims), np.flip(x, dims) if dims else x, dt)
        check(a.flip(0, 2), np.flip(x, (0, 2)))
        check(a.flip((1,)), np.flip(x, 1))
        check(pyt.fliplr(a), np.fliplr(x))
        check(pyt.flipud(a), np.flipud(x))


def test_flip_copies_and_keeps_dense_layout():
    a = pyt.arange(12.).reshape(3, 4)
    r = pyt.flip(a.t(), [0])
    assert r.stride() == (1, 4)                             # torch keeps a dense layout
    check(r, np.flip(np.arange(12.0, dtype=np.float32).reshape(3, 4).T, 0))
    r[0, 0] = -1
    assert a[0, 3].item() == 3                              # a copy, not a view
    assert pyt.flip(a[:, ::2], [0]).is_contiguous()


def test_flip_zero_size_and_scalar():
    check(pyt.flip(pyt.zeros(2, 0, 3), (1,)), np.zeros((2, 0, 3), np.float32))
    check(pyt.flip(pyt.zeros(0), (0,)), np.zeros(0, np.float32))
    check(pyt.flip(pyt.tensor(5), (0,)), np.array(5))
    check(pyt.flip(pyt.tensor(5), ()), np.array(5))


def test_flip_errors():
    a = pyt.zeros(2, 3)
    raises(RuntimeError, "dim 0 appears multiple times in the list of dims", pyt.flip, a, (0, 0))
    raises(RuntimeError, "dim 0 appears multiple times in the list of dims", pyt.flip, a, (0, -2))
    raises(RuntimeError, "dim 0 appears multiple times", pyt.flip, pyt.tensor(1.), (0, -1))
    raises(TypeError, "must be tuple of ints, not int", pyt.flip, a, 0)
    raises(TypeError, "must be tuple of ints, not float", pyt.flip, a, 1.0)
    raises(TypeError, "found element of type bool at pos 0", pyt.flip, a, (True,))
    raises(IndexError, "expected to be in range of [-2, 1], but got 5", pyt.flip, a, (5,))
    raises(RuntimeError, "Input must be >= 2-d.", pyt.fliplr, pyt.zeros(3))
    raises(RuntimeError, "Input must be >= 1-d.", pyt.flipud, pyt.tensor(1))


# ----- roll --------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_roll_all_dtypes_and_layouts(dt):
    for name, a in layouts((3, 4, 5), dt, 1).items():
        x = np_of(a)
        for shifts, dims in [(1, 0), (-2, 1), (7, 2), (-13, -1), ((1, 2), (0, 1)),
                             ((1, -1, 3), (0, 1, 2)), ((2, 3), (1, 1)), (0, 0), (4, None),
                             (-61, None), ((5,), None), ([2], [2])]:
            check(pyt.roll(a, shifts, dims), np.roll(x, shifts, dims), dt)
        check(a.roll(1, 0), np.roll(x, 1, 0))


def test_roll_zero_size_and_scalar():
    check(pyt.roll(pyt.zeros(0, 3), 1, 0), np.zeros((0, 3), np.float32))
    check(pyt.roll(pyt.zeros(0, 3), 1), np.zeros((0, 3), np.float32))
    check(pyt.roll(pyt.tensor(2.5), 3), np.array(2.5, np.float32))
    check(pyt.roll(pyt.arange(5), 1, ()), np.roll(np.arange(5), 1))
    check(pyt.roll(pyt.arange(5), pyt.tensor(2)), np.roll(np.arange(5), 2))


def test_roll_errors():
    a = pyt.zeros(2, 3)
    raises(RuntimeError, "shifts and dimensions must align. shifts: 2, dims:1", pyt.roll, a, (1, 2), 0)
    raises(RuntimeError, "shifts and dimensions must align. shifts: 2, dims:0", pyt.roll, a, (1, 2))
    raises(RuntimeError, "shifts and dimensions must align. shifts: 1, dims:2", pyt.roll, a, 1, (0, 0))
    raises(RuntimeError, "`shifts` required", pyt.roll, a, (), ())
    raises(IndexError, "expected to be in range of [-2, 1], but got 5", pyt.roll, a, 1, 5)
    raises(IndexError, "Dimension specified as 0 but tensor has no dimensions",
           pyt.roll, pyt.tensor(1.), 1, 0)
    raises(TypeError, "argument 'shifts' (position 2) must be tuple of ints, not float",
           pyt.roll, a, 1.5)
    raises(TypeError, "argument 'dims' (position 3) must be tuple of ints, not float",
           pyt.roll, a, 1, 0.0)


# ----- repeat and tile -----------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_repeat_all_dtypes_and_layouts(dt):
    for name, a in layouts((2, 3), dt, 1).items():
        x = np_of(a)
        for reps in [(1, 1), (2, 1), (1, 3), (2, 3), (4, 2, 1), (2, 1, 1, 2), (0, 2), (3, 0, 1)]:
            check(a.repeat(*reps), np.tile(x, reps), dt)
            check(a.repeat(reps), np.tile(x, reps))
            check(pyt.tile(a, reps), np.tile(x, reps))
        check(a.repeat([2, 2]), np.tile(x, (2, 2)))
        check(a.repeat(pyt.Size([1, 2])), np.tile(x, (1, 2)))
        check(a.tile(2), np.tile(x, 2))
        check(a.tile(2, 2), np.tile(x, (2, 2)))
        check(pyt.tile(a, (3,)), np.tile(x, 3))
        check(pyt.tile(a, ()), x)


def test_repeat_size_one_dims_and_scalars():
    a = make((1, 3, 1), pyt.int16)
    check(a.repeat(4, 1, 5), np.tile(np_of(a), (4, 1, 5)))
    check(pyt.tensor(1.5).repeat(3), np.array([1.5] * 3, np.float32))
    check(pyt.tensor(1.5).repeat(()), np.array(1.5, np.float32))
    check(pyt.tensor(2).repeat(2, 3), np.full((2, 3), 2))
    check(pyt.tile(pyt.tensor(1.), (2,)), np.ones(2, np.float32))
    check(pyt.zeros(0).repeat(-1), np.zeros(0, np.float32))
    r = pyt.arange(3.).repeat(2)
    r[0] = 9                                                 # a copy
    check(r, np.array([9, 1, 2, 0, 1, 2], np.float32))


def test_repeat_errors():
    a = pyt.zeros(2, 3)
    raises(RuntimeError, "Number of dimensions of repeat dims can not be smaller than number of "
           "dimensions of tensor", a.repeat, 2)
    raises(RuntimeError, "Number of dimensions of repeat dims", pyt.tensor([1., 2]).repeat, ())
    raises(RuntimeError, "Trying to create tensor with negative dimension -2: [-2, 6]",
           a.repeat, -1, 2)
    raises(RuntimeError, "Trying to create tensor with negative dimension -3: [2, -3]",
           pyt.tile, a, (-1,))
    raises(RuntimeError, "overflow", a.repeat, 2 ** 40, 2 ** 40)
    raises(TypeError, "missing 1 required positional arguments", a.repeat)
    raises(TypeError, "must be tuple of ints", a.repeat, 2.0, 2)
    raises(TypeError, "must be tuple of ints, not int", pyt.tile, a, 2)


# ----- tril / triu -------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_tril_triu_all_dtypes_and_layouts(dt):
    for shape in [(4, 5), (5, 3), (2, 3, 4)]:
        for name, a in layouts(shape, dt, 1).items():
            x = np_of(a)
            for k in range(-6, 7):
                check(pyt.tril(a, k), np.tril(x, k), dt)
                check(pyt.triu(a, k), np.triu(x, k), dt)
            check(a.tril(), np.tril(x))
            check(a.triu(diagonal=1), np.triu(x, 1))


def test_tril_triu_zero_size_huge_diagonal_and_in_place():
    check(pyt.tril(pyt.ones(0, 3)), np.zeros((0, 3), np.float32))
    check(pyt.triu(pyt.ones(2, 0, 3)), np.zeros((2, 0, 3), np.float32))
    check(pyt.triu(pyt.ones(3, 3, 0), 1), np.zeros((3, 3, 0), np.float32))
    a = pyt.arange(1., 13.).reshape(3, 4)
    check(pyt.tril(a, 10 ** 18), np_of(a))
    check(pyt.tril(a, -10 ** 18), np.zeros((3, 4), np.float32))
    check(pyt.triu(a, -10 ** 18), np_of(a))
    b = a.clone()
    assert b.tril_(-1) is b
    check(b, np.tril(np_of(a), -1))
    b = a.t().clone()
    b.triu_(1)
    check(b, np.triu(np_of(a).T, 1))
    out = pyt.empty(0)
    assert pyt.triu(a, out=out) is out
    check(out, np.triu(np_of(a)))
    assert pyt.tril(a.t()).is_contiguous()


def test_tril_triu_errors():
    raises(RuntimeError, "tril: input tensor must have at least 2 dimensions", pyt.tril, pyt.zeros(3))
    raises(RuntimeError, "triu: input tensor must have at least 2 dimensions", pyt.triu, pyt.tensor(1.))
    raises(TypeError, "argument 'diagonal' (position 2) must be int, not float",
           pyt.tril, pyt.zeros(2, 2), 1.5)


@pytest.mark.parametrize("row, col", [(3, 3), (3, 5), (5, 2), (0, 4), (4, 0), (1, 1)])
@pytest.mark.parametrize("offset", [-100, -3, -1, 0, 1, 2, 100])
def test_tril_triu_indices(row, col, offset):
    check(pyt.tril_indices(row, col, offset), np.stack(np.tril_indices(row, offset, col)).reshape(2, -1),
          pyt.int64)
    check(pyt.triu_indices(row, col, offset, dtype=pyt.int32),
          np.stack(np.triu_indices(row, offset, col)).reshape(2, -1).astype(np.int32), pyt.int32)


def test_tril_indices_errors():
    raises(RuntimeError, "row must be non-negative", pyt.tril_indices, -1, 4)
    raises(RuntimeError, "col must be non-negative", pyt.triu_indices, 1, -4)
    raises(NotImplementedError, "\"tril_indices\" not implemented for 'Float'",
           pyt.tril_indices, 3, 3, dtype=pyt.float32)
    raises(NotImplementedError, "not implemented for 'Char'", pyt.triu_indices, 3, 3, dtype=pyt.int8)
    raises(TypeError, "argument 'row' (position 1) must be int, not float", pyt.tril_indices, 3.0, 3)
    raises(TypeError, "argument 'offset' (position 3) must be int", pyt.tril_indices, 3, 3, 1.0)


# ----- diag_embed ----------------------------------------------------------------------

def np_diag_embed(x, offset, dim1, dim2):
    """numpy reference: x's last dim on diagonal `offset` of dims dim1, dim2 of the result."""
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n), x.dtype)
    for i in range(x.shape[-1]):
        r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
        out[..., r, c] = x[..., i]
    nd = out.ndim
    d1, d2 = dim1 % nd, dim2 % nd
    # out has the diagonal dims last (rows at nd-2): move them to d1, d2
    rest = [i for i in range(nd) if i not in (d1, d2)]
    order = [0] * nd
    for src, dst in zip(list(range(nd - 2)) + [nd - 2, nd - 1], rest + [d1, d2]):
        order[dst] = src
    return out.transpose(order)


@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_diag_embed(dt):
    for shape in [(3,), (2, 3), (2, 0, 3)]:
        for name, a in layouts(shape, dt, 1).items():
            x = np_of(a)
            for offset, d1, d2 in [(0, -2, -1), (1, -2, -1), (-2, -2, -1), (1, 0, -1), (-1, -1, 0)]:
                check(pyt.diag_embed(a, offset, d1, d2), np_diag_embed(x, offset, d1, d2), dt)
            check(a.diag_embed(), np_diag_embed(x, 0, -2, -1))
    raises(RuntimeError, "diagonal dimensions cannot be identical 0, 0",
           pyt.diag_embed, pyt.zeros(3), 0, 0, 0)
    raises(IndexError, "expected to be in range of [-1, 0], but got -2", pyt.diag_embed, pyt.tensor(1.))


# ----- against torch -------------------------------------------------------------------

def test_against_torch():
    torch = pytest.importorskip("torch")

    def both(fn):
        """fn(lib) run with pyt and with torch: same shape, dtype, strides and values."""
        p, t = fn(pyt), fn(torch)
        ps, ts = (p, t) if isinstance(p, tuple) else ((p,), (t,))
        for p, t in zip(ps, ts):
            assert tuple(p.shape) == tuple(t.shape)
            assert p.dtype.name == str(t.dtype).replace("torch.", "")
            assert p.stride() == t.stride()
            np.testing.assert_array_equal(np_of(p), t.float().numpy() if t.dtype is torch.bfloat16
                                          else t.numpy())

    def data(lib, shape, dtype="float32", seed=0):
        x = np.random.default_rng(seed).standard_normal(shape) * 5
        return lib.tensor(x, dtype=getattr(lib, dtype))

    both(lambda lib: lib.cat([data(lib, (2, 3)), data(lib, (2, 3), "int8").t().contiguous().t(),
                              data(lib, (0,), "float64")], 1))
    both(lambda lib: lib.cat([data(lib, (2, 3), "bfloat16"), data(lib, (2, 3), "float16")]))
    both(lambda lib: lib.stack([data(lib, (2, 3)).t(), data(lib, (3, 2), "int16")], 1))
    both(lambda lib: lib.hstack([data(lib, (2, 3)), data(lib, (2, 1), "bool")]))
    both(lambda lib: lib.vstack([data(lib, (3,)), data(lib, (2, 3))]))
    both(lambda lib: lib.dstack([data(lib, (3,)), data(lib, (3,))]))
    both(lambda lib: lib.column_stack([data(lib, ()), data(lib, ())]))
    both(lambda lib: lib.atleast_3d(data(lib, (4, 5))[:, ::2]))
    both(lambda lib: lib.atleast_2d(data(lib, (3,)), data(lib, ())))
    both(lambda lib: lib.flip(data(lib, (3, 4, 5)).permute(2, 0, 1), (0, 2)))
    both(lambda lib: lib.flip(data(lib, (3, 4, 5))[:, ::2], (1,)))
    both(lambda lib: lib.roll(data(lib, (3, 4, 5)).transpose(0, 2), (1, -7), (0, 2)))
    both(lambda lib: lib.roll(data(lib, (3, 4)), -5))
    both(lambda lib: data(lib, (2, 3)).t().repeat(2, 1, 3))
    both(lambda lib: lib.tile(data(lib, (2, 3), "int32"), (2,)))
    both(lambda lib: lib.tril(data(lib, (2, 4, 3)).transpose(1, 2), -1))
    both(lambda lib: lib.triu(data(lib, (5, 3), "bool"), 1))
    both(lambda lib: lib.tril_indices(4, 6, 2))
    both(lambda lib: lib.triu_indices(6, 4, -1, dtype=lib.int32))
    both(lambda lib: lib.diag_embed(data(lib, (2, 3)), 1, 0, 2))
    both(lambda lib: lib.block_diag(data(lib, ()), data(lib, (3,), "float64"), data(lib, (2, 2), "int8")))


def test_large_tensors_split_over_threads():
    """Above the kernels' grain size the copies run on several threads."""
    a = make((300, 257), pyt.float32, 1)
    b = make((300, 129), pyt.float32, 2).t().contiguous().t()
    x, y = np_of(a), np_of(b)
    check(pyt.cat([a, b], 1), np.concatenate([x, y], 1))
    check(pyt.stack([a, a.flip((0,))]), np.stack([x, x[::-1]]))
    check(pyt.roll(a, (5, -7), (0, 1)), np.roll(x, (5, -7), (0, 1)))
    check(a.t().repeat(2, 3), np.tile(x.T, (2, 3)))
    check(pyt.tril(pyt.stack([a, a]), 3), np.tril(np.stack([x, x]), 3))
