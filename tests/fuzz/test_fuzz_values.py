"""Ops on random tensors (every dtype, memory layout, 0-d and empty, NaN and inf) give
NumPy's values, and bad indices raise IndexError where NumPy does."""
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import pyt
from _strategies import FUZZ, arrays, arrays_of_shape

FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
INTS = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]
# relative error allowed per result dtype (float16/bfloat16 round each result once)
TOLERANCE = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 2e-6, pyt.float64: 1e-12}


def as_float64(t):
    return t.detach().to(pyt.float64).numpy() if t.dtype.is_floating_point else t.numpy()


def rounded(expected, dtype):
    """NumPy float64 results rounded to a pyt dtype the way a kernel rounds its output."""
    return as_float64(pyt.tensor(np.asarray(expected, dtype=np.float64)).to(dtype))


def assert_matches(actual, expected, scale=0.0, factor=4):
    """actual (a pyt tensor) equals expected (NumPy) within the result dtype's rounding,
    with NaN in the same places; scale adds an absolute allowance (summation error)."""
    assert tuple(actual.shape) == np.shape(expected)
    if actual.dtype.is_floating_point:
        expected = rounded(expected, actual.dtype)
        got = as_float64(actual)
        rtol = TOLERANCE[actual.dtype] * factor
        same_nan = np.isnan(got) == np.isnan(expected)
        with np.errstate(invalid="ignore"):
            close = (got == expected) | (np.abs(got - expected)
                                         <= rtol * (np.abs(expected) + scale))
        bad = ~(same_nan & (close | np.isnan(expected)))
        assert not bad.any(), f"got {got[bad]}, expected {expected[bad]}"
    else:
        np.testing.assert_array_equal(actual.numpy(), np.asarray(expected))


def numpy_twin(a):
    """a as float64 for float dtypes (NumPy has no bfloat16), unchanged otherwise."""
    return a.astype(np.float64) if a.dtype.kind == "f" else a


# ----- pointwise ----------------------------------------------------------------------

UNARY = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tanh": np.tanh, "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "abs": np.abs,
    "neg": np.negative, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
    "round": np.round, "expm1": np.expm1, "log1p": np.log1p, "reciprocal": np.reciprocal,
    "square": np.square, "sign": lambda x: np.where(np.isnan(x), 0, np.sign(x)),  # as torch "atan": np.arctan, "exp2": np.exp2,
}
KEEPS_INTEGERS = {"abs", "neg", "square", "sign", "floor", "ceil", "trunc", "round"}


@pytest.mark.parametrize("name", sorted(UNARY))
@FUZZ
@given(pair=arrays(dtypes=FLOATS + INTS))
def test_unary_matches_numpy(name, pair):
    a, t = pair
    with np.errstate(all="ignore"):
        if t.dtype.is_floating_point or name not in KEEPS_INTEGERS:
            expected = UNARY[name](a.astype(np.float64))
        else:
            expected = UNARY[name](a)
    result = getattr(pyt, name)(t)
    if not t.dtype.is_floating_point and name not in KEEPS_INTEGERS:
        assert result.dtype is pyt.float32          # integers compute in the default dtype
    assert_matches(result, expected)


@st.composite
def broadcastable_pairs(draw, dtypes):
    """Two arrays whose shapes broadcast: the second drops leading dims and sets some
    dims to 1."""
    a, t = draw(arrays(dtypes=dtypes))
    dt = draw(st.sampled_from(dtypes))
    shape = list(a.shape[draw(st.integers(0, a.ndim)):])
    shape = tuple(1 if draw(st.booleans()) else n for n in shape)
    return (a, t), draw(arrays_of_shape(shape, dt, special=False))


BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "maximum": np.maximum,
          "minimum": np.minimum, "eq": np.equal, "lt": np.less, "ge": np.greater_equal}


@pytest.mark.parametrize("name", sorted(BINARY))
@FUZZ
@given(pairs=broadcastable_pairs(FLOATS + INTS))
def test_binary_matches_numpy_with_promotion_and_broadcasting(name, pairs):
    (a, t), (b, u) = pairs
    result = getattr(pyt, name)(t, u)
    common = pyt.result_type(t, u)       # 0-d tensors weigh less, as in torch
    if common.is_floating_point:
        # the op runs on both sides rounded to the common dtype, then rounds its result
        x, y = rounded(a, common), rounded(b, common)
    else:
        x, y = a.astype(common.numpy_dtype), b.astype(common.numpy_dtype)
    with np.errstate(all="ignore"):
        expected = BINARY[name](x, y)
    assert_matches(result, expected)


@FUZZ
@given(pairs=broadcastable_pairs(INTS))
def test_integer_floor_division_and_remainder_match_python(pairs):
    (a, t), (b, u) = pairs
    assume(b.size == 0 or (b != 0).all())
    common = pyt.result_type(t, u).numpy_dtype
    assume(b.size == 0 or (b.astype(common) != 0).all())
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(pyt.floor_divide(t, u).numpy(),
                                      np.floor_divide(a.astype(common), b.astype(common)))
        np.testing.assert_array_equal(pyt.remainder(t, u).numpy(),
                                      np.remainder(a.astype(common), b.astype(common)))


@FUZZ
@given(pairs=broadcastable_pairs(INTS))
def test_integer_division_by_zero_raises(pairs):
    (a, t), (b, u) = pairs
    common = pyt.result_type(t, u).numpy_dtype
    assume(b.size > 0 and a.size > 0 and (b.astype(common) == 0).any())
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        pyt.floor_divide(t, u)


# ----- reductions ---------------------------------------------------------------------

REDUCTIONS = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min,
              "prod": np.prod, "argmax": np.argmax, "argmin": np.argmin}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@FUZZ
@given(pair=arrays(dtypes=FLOATS + INTS, min_dims=1), data=st.data())
def test_reduction_along_a_dim_matches_numpy(name, pair, data):
    a, t = pair
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    keepdim = data.draw(st.booleans())
    if name == "mean" and not t.dtype.is_floating_point:
        with pytest.raises(RuntimeError):
            pyt.mean(t, dim)
        return
    x = numpy_twin(a)
    if name == "prod":                  # small factors: products stay exact and finite
        low = 0 if t.dtype is pyt.uint8 else -2
        t, x = pyt.clamp(t, low, 2), np.clip(x, low, 2)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            if name in ("argmax", "argmin"):
                expected = REDUCTIONS[name](x, axis=dim, keepdims=keepdim)
            elif name in ("sum", "prod") and x.dtype.kind in "iu":
                expected = REDUCTIONS[name](x, axis=dim, keepdims=keepdim, dtype=np.int64)
            else:
                expected = REDUCTIONS[name](x, axis=dim, keepdims=keepdim)
        except ValueError:                       # an empty dim has no max or argmax
            with pytest.raises((IndexError, RuntimeError)):
                getattr(pyt, name)(t, dim, keepdim=keepdim)
            return
    result = getattr(pyt, name)(t, dim, keepdim=keepdim)
    if name in ("argmax", "argmin") and t.dtype.is_floating_point:
        # ties after rounding to float16/bfloat16 may pick another index of equal value:
        # compare the values at the chosen indices
        values = as_float64(t)
        def at(indices):
            return np.take_along_axis(values, indices if keepdim else
                                      np.expand_dims(indices, dim), axis=dim)
        np.testing.assert_array_equal(at(result.numpy()), at(expected))
        return
    scale = np.sum(np.abs(x.astype(np.float64)), axis=dim, keepdims=keepdim) \
        if name in ("sum", "mean") else 0.0
    if name == "mean" and a.shape[dim] > 0:
        scale = scale / a.shape[dim]
    with np.errstate(all="ignore"):
        assert_matches(result, expected, scale=np.nan_to_num(scale, posinf=0), factor=8)


# ----- views and indexing ------------------------------------------------------------

@st.composite
def view_chains(draw):
    """A list of (name, args) view ops valid for a shape, applied one after another."""
    a, t = draw(arrays(min_dims=1))
    ops, shape = [], list(a.shape)
    for _ in range(draw(st.integers(1, 4))):
        nd = len(shape)
        kind = draw(st.sampled_from(["transpose", "unsqueeze", "squeeze", "narrow",
                                     "select", "flip", "reshape", "step", "permute"]))
        if kind == "transpose" and nd >= 2:
            i, j = draw(st.integers(0, nd - 1)), draw(st.integers(0, nd - 1))
            ops.append((kind, (i, j)))
            shape[i], shape[j] = shape[j], shape[i]
        elif kind == "permute" and nd >= 1:
            order = draw(st.permutations(range(nd)))
            ops.append((kind, tuple(order)))
            shape = [shape[i] for i in order]
        elif kind == "unsqueeze" and nd < 6:
            d = draw(st.integers(0, nd))
            ops.append((kind, (d,)))
            shape.insert(d, 1)
        elif kind == "squeeze" and nd >= 1:
            d = draw(st.integers(0, nd - 1))
            ops.append((kind, (d,)))
            if shape[d] == 1:
                shape.pop(d)
        elif kind == "narrow" and nd >= 1:
            d = draw(st.integers(0, nd - 1))
            start = draw(st.integers(0, shape[d]))
            length = draw(st.integers(0, shape[d] - start))
            ops.append((kind, (d, start, length)))
            shape[d] = length
        elif kind == "select" and nd >= 1:
            d = draw(st.integers(0, nd - 1))
            if shape[d] > 0:
                i = draw(st.integers(-shape[d], shape[d] - 1))
                ops.append((kind, (d, i)))
                shape.pop(d)
        elif kind == "flip" and nd >= 1:
            d = draw(st.integers(0, nd - 1))
            ops.append((kind, (d,)))
        elif kind == "reshape":
            ops.append((kind, (-1,)))
            shape = [int(np.prod(shape))]
        elif kind == "step" and nd >= 1:
            step = draw(st.integers(1, 3))
            ops.append((kind, (step,)))
            shape[0] = len(range(0, shape[0], step))
    return (a, t), ops


def apply_numpy(a, name, args):
    if name == "transpose":
        return np.swapaxes(a, *args)
    if name == "permute":
        return np.transpose(a, args)
    if name == "unsqueeze":
        return np.expand_dims(a, args[0])
    if name == "squeeze":
        return np.squeeze(a, args[0]) if a.shape[args[0]] == 1 else a
    if name == "narrow":
        d, start, length = args
        return np.take(a, range(start, start + length), axis=d)
    if name == "select":
        return np.take(a, args[1], axis=args[0])
    if name == "flip":
        return np.flip(a, args[0])
    if name == "reshape":
        return a.reshape(-1)
    return a[::args[0]]


def apply_pyt(t, name, args):
    if name == "step":
        return t[::args[0]]
    if name == "flip":
        return pyt.flip(t, args)
    if name == "permute":
        return t.permute(*args)
    return getattr(t, name)(*args)


@FUZZ
@given(chain=view_chains())
def test_chains_of_views_match_numpy(chain):
    (a, t), ops = chain
    x = numpy_twin(a)
    for name, args in ops:
        x, t = apply_numpy(x, name, args), apply_pyt(t, name, args)
    assert_matches(t, x, factor=1)


@st.composite
def index_tuples(draw):
    """An array and an index: ints (some out of range), slices, None, Ellipsis, an
    integer array (some entries out of range) or a boolean mask."""
    a, t = draw(arrays(min_dims=1))
    items, dim, used_ellipsis, advanced = [], 0, False, False
    for _ in range(draw(st.integers(1, a.ndim + 1))):
        kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis", "array", "mask"]))
        n = a.shape[dim] if dim < a.ndim else 0
        if kind == "int" and dim < a.ndim:
            items.append(draw(st.integers(-n - 1, n)))
            dim += 1
        elif kind == "slice" and dim < a.ndim:
            items.append(slice(draw(st.none() | st.integers(-n - 2, n + 2)),
                               draw(st.none() | st.integers(-n - 2, n + 2)),
                               draw(st.none() | st.integers(1, 3))))
            dim += 1
        elif kind == "none":
            items.append(None)
        elif kind == "ellipsis" and not used_ellipsis:
            items.append(Ellipsis)
            used_ellipsis = True
            dim = a.ndim            # the rest is taken by the ellipsis
        elif kind == "array" and dim < a.ndim and not advanced:
            size = draw(st.integers(0, 4))
            items.append(np.array(draw(st.lists(st.integers(-n - 1, n), min_size=size,
                                                max_size=size)), dtype=np.int64))
            advanced = True
            dim += 1
        elif kind == "mask" and dim < a.ndim and not advanced:
            items.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)),
                                  dtype=bool))
            advanced = True
            dim += 1
    return (a, t), tuple(items)


def to_pyt_index(index):
    return tuple(pyt.from_numpy(i.copy()) if isinstance(i, np.ndarray) else i
                 for i in index)


@FUZZ
@given(case=index_tuples())
def test_indexing_matches_numpy(case):
    (a, t), index = case
    x = numpy_twin(a)
    try:
        expected = x[index]
    except IndexError:
        with pytest.raises(IndexError):
            t[to_pyt_index(index)]
        return
    assert_matches(t[to_pyt_index(index)], expected, factor=1)


@FUZZ
@given(case=index_tuples(), value=st.sampled_from([0, 1, -1, 7]))
def test_index_assignment_matches_numpy(case, value):
    (a, t), index = case
    # NumPy refuses -1 for uint8 where torch wraps it: assign in int64, then wrap
    wide = t.dtype in (pyt.uint8, pyt.bool)
    x = np.array(numpy_twin(a), dtype=np.int64 if wide else None)
    t = t.clone()
    try:
        x[index] = value
    except IndexError:
        with pytest.raises(IndexError):
            t[to_pyt_index(index)] = value
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t[to_pyt_index(index)] = value
    if wide:
        x = x.astype(np.uint8) if t.dtype is pyt.uint8 else x != 0
    assert_matches(t, x, factor=1)
