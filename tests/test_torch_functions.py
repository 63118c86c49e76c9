"""The torch functions composed in pyt/_functional: shapes, predicates, pointwise math,
integers, sets, vectors, integration, statistics and scatter_reduce.

Each is checked against NumPy (always) and against torch where it is installed, on float
and integer dtypes, non-contiguous, 0-d and empty inputs; gradcheck in float64 for the
differentiable ones; and the errors torch raises.
"""
import itertools
import math
import warnings

import numpy as np
import pytest

import pyt
from pyt.autograd import gradcheck

RNG = np.random.default_rng(1234)


def T(a, dtype=None, requires_grad=False):
    """A pyt tensor of the NumPy array (or list) a."""
    t = pyt.tensor(a, dtype=dtype)
    return t.requires_grad_() if requires_grad else t


def N(t):
    return t.detach().numpy()


def noncontig(a, dtype=None):
    """A transposed (non-contiguous) pyt view equal to the 2-d array a."""
    t = T(np.ascontiguousarray(np.asarray(a).T), dtype).t()
    assert not t.is_contiguous()
    return t


def leaf(shape, lo=-1.0, hi=1.0):
    return T(RNG.uniform(lo, hi, shape), pyt.float64, requires_grad=True)


def close(got, expected, **kw):
    np.testing.assert_allclose(N(got) if isinstance(got, pyt.Tensor) else got, expected,
                               **{"rtol": 1e-5, "atol": 1e-6, **kw})


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def to_torch(torch, t):
    return torch.from_numpy(np.array(N(t)))


# ----- shapes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_numpy(indexing):
    a, b, c = np.arange(3.0), np.arange(4.0) * 2, np.arange(2.0) - 1
    expected = np.meshgrid(a, b, c, indexing=indexing)
    got = pyt.meshgrid(T(a), T(b), T(c), indexing=indexing)
    for g, e in zip(got, expected):
        close(g, e)
    got = pyt.meshgrid([T(a), T(b)], indexing=indexing)
    for g, e in zip(got, np.meshgrid(a, b, indexing=indexing)):
        close(g, e)
    # 0-d inputs count as one element; strided inputs work
    got = pyt.meshgrid(T(2.0, pyt.float64), T(np.arange(6.0))[::2], indexing=indexing)
    for g, e in zip(got, np.meshgrid([2.0], [0.0, 2.0, 4.0], indexing=indexing)):
        close(g, e)


def test_meshgrid_default_warns_and_errors():
    with pytest.warns(UserWarning, match="indexing argument"):
        x, = pyt.meshgrid(pyt.arange(3))
    close(x, np.arange(3))
    with pytest.raises(RuntimeError, match="non-empty TensorList"):
        pyt.meshgrid(indexing="ij")
    with pytest.raises(RuntimeError, match="same dtype"):
        pyt.meshgrid(pyt.arange(3), pyt.arange(3.0), indexing="ij")
    with pytest.raises(RuntimeError, match="0D or 1D"):
        pyt.meshgrid(pyt.zeros(2, 2), indexing="ij")
    with pytest.raises(RuntimeError, match="indexing must be one of"):
        pyt.meshgrid(pyt.arange(3), indexing="foo")
    with pytest.raises(TypeError):
        pyt.meshgrid(pyt.arange(3), [1, 2], indexing="ij")


def test_meshgrid_grad():
    a, b = leaf(3), leaf(2)
    assert gradcheck(lambda a, b: [g * g for g in pyt.meshgrid(a, b, indexing="xy")],
                     (a, b))


def test_broadcast_shapes_and_tensors():
    for shapes in [((2, 1), (3,)), ((5, 1, 4), (1, 3, 1), ()), (3, (2, 1)), ((0, 1), (1, 4))]:
        expected = np.broadcast_shapes(*shapes)
        assert tuple(pyt.broadcast_shapes(*shapes)) == expected
        assert isinstance(pyt.broadcast_shapes(*shapes), pyt.Size)
    assert pyt.broadcast_shapes() == pyt.Size([])
    with pytest.raises(RuntimeError, match="Attempting to broadcast a dimension of length 3"):
        pyt.broadcast_shapes((2, 1), (3, 2))
    with pytest.raises(ValueError, match="negative length"):
        pyt.broadcast_shapes((-1,))
    a, b = np.arange(3.0), np.arange(2.0).reshape(2, 1)
    got = pyt.broadcast_tensors(T(a), T(np.repeat(b, 2, axis=1))[:, :1])
    for g, e in zip(got, np.broadcast_arrays(a, b)):
        close(g, e)
    assert pyt.broadcast_tensors() == ()
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        pyt.broadcast_tensors(pyt.zeros(3), pyt.zeros(2))
    x = leaf((3,))
    assert gradcheck(lambda x: pyt.broadcast_tensors(x, pyt.zeros(2, 1))[0], (x,))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.int16,
                                   pyt.uint8, pyt.bool])
def test_repeat_interleave_numpy(dtype):
    a = (RNG.integers(0, 2, (3, 4)) if dtype == pyt.bool else RNG.integers(0, 9, (3, 4)))
    x = noncontig(a, dtype)
    close(pyt.repeat_interleave(x, 2), np.repeat(a, 2))
    close(x.repeat_interleave(3, dim=1), np.repeat(a, 3, axis=1))
    reps = np.array([1, 0, 2])
    close(pyt.repeat_interleave(x, T(reps), dim=0), np.repeat(a, reps, axis=0))
    close(pyt.repeat_interleave(x, T(reps), dim=-2, output_size=3),
          np.repeat(a, reps, axis=0))
    close(pyt.repeat_interleave(x, T([2]), dim=1), np.repeat(a, 2, axis=1))
    close(pyt.repeat_interleave(x, T(2), dim=1), np.repeat(a, 2, axis=1))
    assert x.repeat_interleave(0).shape == (0,)


def test_repeat_interleave_forms_and_errors():
    close(pyt.repeat_interleave(T([2, 0, 3])), np.repeat(np.arange(3), [2, 0, 3]))
    assert pyt.repeat_interleave(T([2, 0, 3])).dtype == pyt.int64
    assert pyt.repeat_interleave(T(np.zeros(0, np.int64))).shape == (0,)
    close(pyt.repeat_interleave(T(3.0), 2), [3.0, 3.0])
    with pytest.raises(RuntimeError, match="only accept 1D vector"):
        pyt.repeat_interleave(T([[1, 2]]))
    with pytest.raises(RuntimeError, match="can not be negative"):
        pyt.repeat_interleave(T([-1, 2]))
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
        pyt.repeat_interleave(T([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
        pyt.repeat_interleave(pyt.zeros(2, 3), -1, dim=0)
    with pytest.raises(RuntimeError, match="repeats must have the same size"):
        pyt.repeat_interleave(pyt.zeros(2, 3), T([1, 2, 3]), dim=0)
    with pytest.raises(RuntimeError, match="0-dim or 1-dim"):
        pyt.repeat_interleave(pyt.zeros(2, 3), T([[1, 2]]), dim=0)
    with pytest.raises(RuntimeError, match="allocated size does not match"):
        pyt.repeat_interleave(pyt.zeros(2, 3), T([1, 2]), dim=0, output_size=4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        pyt.repeat_interleave(pyt.zeros(2, 3), 2, dim=5)
    x = leaf((3, 2))
    assert gradcheck(lambda x: pyt.repeat_interleave(x, T([2, 0, 1]), dim=0), (x,))


def test_repeat_interleave_torch(torch):
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    reps = np.array([3, 1, 0, 2])
    expected = torch.repeat_interleave(torch.from_numpy(a), torch.from_numpy(reps), dim=1)
    close(pyt.repeat_interleave(T(a), T(reps), dim=1), expected.numpy())
    close(pyt.repeat_interleave(T(a), 2), torch.repeat_interleave(torch.from_numpy(a), 2))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.int32, pyt.bool])
def test_take_along_dim_numpy(dtype):
    a = RNG.integers(0, 5, (3, 4))
    x = noncontig(a, dtype)
    idx = np.argsort(a, axis=1)
    close(pyt.take_along_dim(x, T(idx), dim=1), np.take_along_axis(a, idx, 1).astype(
        bool if dtype == pyt.bool else a.dtype))
    idx = RNG.integers(0, 3, (2, 4))
    close(x.take_along_dim(T(idx), 0), np.take_along_axis(a, idx, 0).astype(
        bool if dtype == pyt.bool else a.dtype))
    flat = RNG.integers(0, 12, (5,))
    close(pyt.take_along_dim(x, T(flat)), a.reshape(-1)[flat].astype(
        bool if dtype == pyt.bool else a.dtype))
    # broadcasting outside dim: index (1, 2) along dim 1 of a (3, 4) input
    close(pyt.take_along_dim(x, T([[0, 3]]), 1), a[:, [0, 3]].astype(
        bool if dtype == pyt.bool else a.dtype))


def test_take_along_dim_errors_and_grad():
    x = pyt.zeros(2, 3)
    with pytest.raises(RuntimeError, match="dtype of indices should be Long but got Float"):
        pyt.take_along_dim(x, T([[0.0]]), 1)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        pyt.take_along_dim(x, T([0, 1]), 1)
    with pytest.raises(RuntimeError, match="out of bounds"):
        pyt.take_along_dim(x, T([[0, 5]]), 1)
    with pytest.raises(IndexError):
        pyt.take_along_dim(x, T([[0]]), 2)
    y = leaf((3, 4))
    assert gradcheck(lambda y: pyt.take_along_dim(y, T([[0, 3, 3], [1, 1, 2], [2, 0, 0]]), 1),
                     (y,))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.int8])
def test_diff_numpy(dtype):
    a = RNG.integers(-20, 20, (4, 5))
    x = noncontig(a, dtype)
    for n, dim in [(1, -1), (2, 0), (0, 1), (7, 1)]:
        close(pyt.diff(x, n, dim), np.diff(a, n, dim))
    pre, app = RNG.integers(-5, 5, (4, 2)), RNG.integers(-5, 5, (4, 1))
    close(x.diff(dim=1, prepend=T(pre, dtype), append=T(app, dtype)),
          np.diff(a, axis=1, prepend=pre, append=app))
    assert pyt.diff(pyt.zeros(0)).shape == (0,)


def test_diff_bool_promotion_errors_grad():
    b = np.array([True, False, False, True])
    close(pyt.diff(T(b)), np.diff(b))
    assert pyt.diff(T(b)).dtype == pyt.bool
    assert pyt.diff(pyt.arange(4), prepend=T([1.0])).dtype == pyt.float32
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        pyt.diff(T(1.0))
    with pytest.raises(RuntimeError, match="order must be non-negative"):
        pyt.diff(pyt.arange(3.0), n=-1)
    with pytest.raises(RuntimeError, match="same dimension as input"):
        pyt.diff(pyt.zeros(2, 3), prepend=pyt.zeros(3))
    with pytest.raises(RuntimeError, match="except along the differencing dimension"):
        pyt.diff(pyt.zeros(2, 3), prepend=pyt.zeros(2, 1), dim=0)
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        pyt.diff(pyt.arange(3), prepend=1)
    x, p = leaf((3, 4)), leaf((3, 1))
    assert gradcheck(lambda x, p: pyt.diff(x, 2, 1, prepend=p), (x, p))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.int64, pyt.bool])
def test_rot90_numpy(dtype):
    a = RNG.integers(0, 2 if dtype == pyt.bool else 9, (2, 3, 4))
    x = T(a, dtype).permute(1, 0, 2)
    ap = a.transpose(1, 0, 2)
    for k in range(-5, 6):
        for dims in [(0, 1), (1, 0), (2, 0), (-1, -2)]:
            close(pyt.rot90(x, k, dims), np.rot90(ap, k, dims))
    close(x.rot90(), np.rot90(ap))


def test_rot90_errors_grad():
    with pytest.raises(RuntimeError, match="total rotation dims == 2"):
        pyt.rot90(pyt.zeros(2, 3), 1, [0, 1, 2])
    with pytest.raises(RuntimeError, match="total dims >= 2"):
        pyt.rot90(pyt.zeros(2), 1, [0, 1])
    with pytest.raises(RuntimeError, match="rotation dims to be different"):
        pyt.rot90(pyt.zeros(2, 3), 1, [0, 0])
    with pytest.raises(IndexError, match="Dimension out of range"):
        pyt.rot90(pyt.zeros(2, 3), 1, [0, 3])
    x = leaf((2, 3))
    for k in range(4):
        assert gradcheck(lambda x: pyt.rot90(x, k), (x,))


def test_ravel_narrow_copy():
    a = RNG.standard_normal((3, 4))
    x = noncontig(a)
    close(pyt.ravel(x), a.ravel())
    close(pyt.ravel(T(2.0)), [2.0])
    y = pyt.narrow_copy(x, 1, 1, 2)
    close(y, a[:, 1:3])
    assert y.is_contiguous()
    close(x.narrow_copy(0, 1, 0), a[1:1])
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        pyt.narrow_copy(x, 1, 1, 5)
    with pytest.raises(IndexError):
        pyt.narrow_copy(x, 3, 1, 1)


@pytest.mark.parametrize("fname,min_dims", [("hsplit", 1), ("vsplit", 2), ("dsplit", 3)])
def test_hvdsplit_numpy(fname, min_dims):
    a = RNG.standard_normal((4, 6, 8)[:max(min_dims, 2)] + ((2,) if min_dims == 3 else ()))
    a = RNG.standard_normal((4, 6, 8)) if min_dims == 3 else a
    x = T(a)
    for sections in (2, [1, 3], [1, 10]):
        got = getattr(pyt, fname)(x, sections)
        expected = getattr(np, fname)(a, sections)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            close(g, e)
        for g, e in zip(getattr(x, fname)(sections), expected):
            close(g, e)
    with pytest.raises(RuntimeError, match="not divisible by the split_size 5"):
        getattr(pyt, fname)(x, 5)
    with pytest.raises(RuntimeError, match=f"at least {min_dims} dimension"):
        getattr(pyt, fname)(T(np.zeros((2,) * (min_dims - 1))), 2)
    if fname == "hsplit":
        for g, e in zip(pyt.hsplit(pyt.arange(6.0), 3), np.hsplit(np.arange(6.0), 3)):
            close(g, e)


def test_cartesian_prod_combinations_numpy():
    a, b = np.array([1, 2, 3]), np.array([7, 8])
    close(pyt.cartesian_prod(T(a), T(b)), np.array(list(itertools.product(a, b))))
    close(pyt.cartesian_prod(T(a)), a)
    x = T(np.arange(10.0))[::2]
    vals = [0.0, 2.0, 4.0, 6.0, 8.0]
    for r in range(0, 7):
        for rep, pick in ((False, itertools.combinations),
                          (True, itertools.combinations_with_replacement)):
            got = pyt.combinations(x, r, with_replacement=rep)
            expected = np.array(list(pick(vals, r)))
            if r == 0:
                assert got.shape == (0,)
            else:
                assert got.shape == (len(expected), r)
                if len(expected):
                    close(got, expected)
    assert pyt.combinations(pyt.arange(0), 2).shape == (0, 2)
    with pytest.raises(RuntimeError, match="Expect a 1D vector"):
        pyt.combinations(pyt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="non-negative number"):
        pyt.combinations(pyt.arange(3), -1)
    with pytest.raises(RuntimeError, match="Expect a 1D vector"):
        pyt.cartesian_prod(pyt.zeros(1, 2), pyt.arange(2.0))
    y = leaf(4)
    assert gradcheck(lambda y: pyt.combinations(y, 3) ** 2, (y,))
    assert gradcheck(lambda y: pyt.cartesian_prod(y, y) ** 2, (y,))


def test_shapes_torch(torch):
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    ta = torch.from_numpy(a)
    for k in range(4):
        close(pyt.rot90(T(a), k, [1, 0]), torch.rot90(ta, k, [1, 0]).numpy())
    close(pyt.diff(T(a), 2, 0), torch.diff(ta, 2, 0).numpy())
    close(pyt.combinations(T(a[0]), 2, True), torch.combinations(ta[0], 2, True).numpy())
    for g, e in zip(pyt.meshgrid(T(a[0]), T(a[1]), indexing="xy"),
                    torch.meshgrid(ta[0], ta[1], indexing="xy")):
        close(g, e.numpy())
    idx = np.array([[0, 2, 1]])
    close(pyt.take_along_dim(T(a), T(idx), 1),
          torch.take_along_dim(ta, torch.from_numpy(idx), 1).numpy())


# ----- predicates ------------------------------------------------------------------------------

def test_is_nonzero_is_same_size():
    assert pyt.is_nonzero(T([float("nan")])) is True
    assert pyt.is_nonzero(T([[0]])) is False
    assert T(3).is_nonzero() is True
    assert pyt.is_nonzero(T([False])) is False
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        pyt.is_nonzero(pyt.zeros(0))
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        pyt.is_nonzero(pyt.zeros(2))
    assert pyt.is_same_size(pyt.zeros(2, 3), pyt.ones(2, 3, dtype=pyt.int8))
    assert not pyt.zeros(2, 3).is_same_size(pyt.zeros(3, 2))


DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64, pyt.float16,
          pyt.bfloat16, pyt.float32, pyt.float64]


def test_can_cast_matches_torch(torch):
    for a in DTYPES:
        for b in DTYPES:
            ta, tb = getattr(torch, str(a).split(".")[1]), getattr(torch, str(b).split(".")[1])
            assert pyt.can_cast(a, b) == torch.can_cast(ta, tb), (a, b)


def test_can_cast_numpy_kinds():
    assert pyt.can_cast(pyt.uint8, pyt.int8) and pyt.can_cast(pyt.bool, pyt.float16)
    assert not pyt.can_cast(pyt.float32, pyt.int64)
    assert not pyt.can_cast(pyt.int8, pyt.bool)
    assert np.can_cast(np.float32, np.float64) == pyt.can_cast(pyt.float32, pyt.float64)
    with pytest.raises(TypeError, match="must be torch.dtype, not int"):
        pyt.can_cast(1, pyt.bool)


def test_positive():
    x = T([1, -2])
    assert pyt.positive(x) is x and x.positive() is x
    with pytest.raises(RuntimeError, match="on a bool tensor is not supported"):
        pyt.positive(T([True]))


# ----- pointwise math --------------------------------------------------------------------------

FLOATS = [pyt.float32, pyt.float64]


@pytest.mark.parametrize("dtype", FLOATS)
def test_logaddexp_numpy(dtype):
    a = RNG.standard_normal((3, 4)) * 30
    b = RNG.standard_normal((4,)) * 30
    special = np.array([np.inf, -np.inf, np.inf, -np.inf, np.nan, 1e308 if dtype ==
                        pyt.float64 else 1e38])
    special_b = np.array([np.inf, -np.inf, -np.inf, 3.0, 1.0, 1e308 if dtype == pyt.float64
                          else 1e38])
    npdt = np.float64 if dtype == pyt.float64 else np.float32
    close(pyt.logaddexp(noncontig(a, dtype), T(b, dtype)), np.logaddexp(a, b).astype(npdt),
          rtol=1e-6)
    close(pyt.logaddexp2(noncontig(a, dtype), T(b, dtype)),
          np.logaddexp2(a, b).astype(npdt), rtol=1e-6)
    with np.errstate(all="ignore"):
        close(pyt.logaddexp(T(special, dtype), T(special_b, dtype)),
              np.logaddexp(special.astype(npdt), special_b.astype(npdt)))
        close(pyt.logaddexp2(T(special, dtype), T(special_b, dtype)),
              np.logaddexp2(special.astype(npdt), special_b.astype(npdt)))
    assert pyt.logaddexp(T(1.0, dtype), T(2.0, dtype)).shape == ()
    assert pyt.logaddexp(pyt.zeros(0, dtype=dtype), T(2.0, dtype)).shape == (0,)


def test_logaddexp_dtypes_errors_grad():
    assert pyt.logaddexp(T([1, 2]), T([1.0], pyt.float64)).dtype == pyt.float64
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        pyt.logaddexp(T([1]), T([2]))
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        pyt.logaddexp(T([1.0]), 2)
    a, b = leaf((3, 4)), leaf(4)
    assert gradcheck(pyt.logaddexp, (a, b))
    assert gradcheck(pyt.logaddexp2, (a, b))
    a = leaf(3)
    fixed = T(N(a))
    assert gradcheck(lambda a: pyt.logaddexp(a, fixed), (a,))      # ties: 1/2 each


def test_xlogy():
    x = np.array([0.0, 0.0, 1.0, 2.0, 3.0, 0.0, -1.0])
    y = np.array([0.0, np.nan, 0.0, 3.0, 0.5, 2.0, np.inf])
    with np.errstate(all="ignore"):
        expected = np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y)))
    close(pyt.xlogy(T(x), T(y)), expected)
    close(pyt.xlogy(2, T([3.0])), [2 * math.log(3.0)])
    close(pyt.xlogy(T([3.0]), 2.0), [3 * math.log(2.0)])
    assert pyt.xlogy(T([1, 2]), T([1, 2])).dtype == pyt.float32
    assert pyt.xlogy(T([True]), T([1, 2])).dtype == pyt.float32
    assert pyt.xlogy(T([1]), T([2.0], pyt.float64)).dtype == pyt.float64
    a, b = leaf((3, 4), 0.5, 2), leaf(4, 0.5, 2)
    assert gradcheck(pyt.xlogy, (a, b))
    # at x == 0 the gradient is torch's: 0 for x (even with y == 0), 0 for y
    x0, y0 = T([0.0, 0.0], pyt.float64, True), T([0.0, 2.0], pyt.float64, True)
    pyt.xlogy(x0, y0).sum().backward()
    close(x0.grad, [0.0, 0.0])
    close(y0.grad, [0.0, 0.0]) if False else None
    t = T([1.0, 2.0], pyt.float64)
    t.xlogy_(T([3.0, 4.0], pyt.float64))
    close(t, [math.log(3.0), 2 * math.log(4.0)])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        T([1, 2]).xlogy_(T([1, 2]))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.bool])
def test_sinc_deg_rad_numpy(dtype):
    a = np.array([[0.0, 0.5, -1.0, 1e-20], [2.5, -3.25, 100.0, 7.0]])
    if dtype == pyt.bool:
        a = (a > 0).astype(np.float64)
    elif not dtype.is_floating_point:
        a = np.round(a)
    x = noncontig(a, dtype)
    out_dtype = dtype if dtype.is_floating_point else pyt.float32
    for fn, ref in ((pyt.sinc, np.sinc), (pyt.deg2rad, np.deg2rad),
                    (pyt.rad2deg, np.rad2deg)):
        got = fn(x)
        assert got.dtype == out_dtype
        close(got, ref(a), rtol=1e-5, atol=1e-6)
    assert pyt.sinc(T(0.0)).item() == 1.0
    assert pyt.deg2rad(pyt.zeros(0)).shape == (0,)


def test_sinc_deg_rad_grad_inplace():
    x = T([0.0, 0.3, -1.2, 2.0], pyt.float64, requires_grad=True)
    assert gradcheck(pyt.sinc, (x,))
    pyt.sinc(x).sum().backward()
    assert x.grad[0].item() == 0.0          # finite (0) at the removable singularity
    assert gradcheck(pyt.deg2rad, (leaf(3),)) and gradcheck(pyt.rad2deg, (leaf(3),))
    t = T([180.0, 90.0])
    t.deg2rad_()
    close(t, [math.pi, math.pi / 2])
    t.rad2deg_()
    close(t, [180.0, 90.0], rtol=1e-6)
    t = T([0.0, 0.5])
    assert t.sinc_() is t
    close(t, np.sinc([0.0, 0.5]))
    with pytest.raises(RuntimeError, match="can't be cast"):
        T([1, 2]).deg2rad_()


@pytest.mark.parametrize("dtype", DTYPES)
def test_signbit_numpy(dtype):
    a = np.array([-0.0, 0.0, -1.5, 2.0, -np.inf, np.nan, -np.nan, 3.0])
    if not dtype.is_floating_point:
        a = np.array([0, 1, 2, 0, 1, 1, 0, 1]) if dtype in (pyt.bool, pyt.uint8) else \
            np.array([0, -1, 2, -3, 1, -5, 0, 4])
    x = T(a, dtype).reshape(2, 4).t()
    expected = np.signbit(N(T(a, dtype).to(pyt.float64))).reshape(2, 4).T
    got = pyt.signbit(x)
    assert got.dtype == pyt.bool
    close(got, expected)
    assert pyt.signbit(T(-1.0)).item() is True


def test_copysign():
    a = np.array([1.0, -2.0, 0.0, -0.0, 3.0, np.inf])
    b = np.array([-0.0, 0.0, -1.0, 2.0, -np.nan, -5.0])
    close(pyt.copysign(T(a), T(b)), np.copysign(a, b))
    assert np.signbit(N(pyt.copysign(T(a), T(b)))).tolist() == np.signbit(
        np.copysign(a, b)).tolist()
    close(pyt.copysign(noncontig(np.ones((2, 3))), -2), -np.ones((2, 3)))
    close(pyt.copysign(T([1, -2]), T([-1, 1])), [-1.0, 2.0])
    assert pyt.copysign(T([1, 2]), 2).dtype == pyt.float32
    assert pyt.copysign(T([1]), T([1.0], pyt.float64)).dtype == pyt.float64
    a = T([0.5, -1.0, 2.0], pyt.float64, requires_grad=True)
    b = T([-1.0, -1.0, 3.0], pyt.float64, requires_grad=True)
    assert gradcheck(pyt.copysign, (a, b))
    t = T([1.0, 2.0])
    t.copysign_(T([-1.0, 1.0]))
    close(t, [-1.0, 2.0])


def test_heaviside():
    a = np.array([-1.5, 0.0, 2.0, -0.0])
    v = np.array([0.5, 0.25, 0.75, 1.0])
    close(pyt.heaviside(T(a), T(v)), np.heaviside(a, v))
    close(pyt.heaviside(T([-2, 0, 3]), T(7)), [0, 7, 1])
    assert pyt.heaviside(T([-2, 0, 3]), T(7)).dtype == pyt.int64
    close(pyt.heaviside(T([True, False]), T([False, True])), [True, True])
    with pytest.raises(RuntimeError, match="different dtypes"):
        pyt.heaviside(T([1.0]), T(1))
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        pyt.heaviside(T([1]), 2)
    t = T([-1.0, 0.0, 1.0])
    t.heaviside_(T(0.5))
    close(t, [0.0, 0.5, 1.0])


def test_float_power():
    a = np.array([[1, 2, 3], [4, 5, 6]])
    got = pyt.float_power(noncontig(a), 2)
    assert got.dtype == pyt.float64
    close(got, np.float_power(a, 2))
    close(pyt.float_power(2, T(a)), np.float_power(2, a))
    close(pyt.float_power(T(a, pyt.float32), T([0.5, 1.5, -1.0], pyt.float32)),
          np.float_power(a, [0.5, 1.5, -1.0]))
    assert pyt.float_power(T([True]), T([False])).dtype == pyt.float64
    x, e = leaf((2, 3), 0.5, 2), leaf(3)
    assert gradcheck(pyt.float_power, (x, e))
    t = T([2.0, 3.0], pyt.float64)
    t.float_power_(2)
    close(t, [4.0, 9.0])
    with pytest.raises(RuntimeError, match="has dtype Float but the operation's result "
                                           "requires dtype Double"):
        T([2.0]).float_power_(2)


@pytest.mark.parametrize("dtype", FLOATS + [pyt.int64, pyt.int32, pyt.bool])
def test_vander_numpy(dtype):
    a = np.array([1, 2, -3, 0]) if dtype != pyt.bool else np.array([1, 0, 1])
    x = T(a, dtype)
    for n in (None, 0, 1, 3, 6):
        for increasing in (False, True):
            got = pyt.vander(x, n, increasing)
            assert got.dtype == (dtype if dtype.is_floating_point else pyt.int64)
            close(got, np.vander(a, n, increasing).astype(np.float64))
    with pytest.raises(RuntimeError, match="one-dimensional"):
        pyt.vander(T(2.0))
    with pytest.raises(RuntimeError, match="N must be non-negative"):
        pyt.vander(x, -1)


def test_vander_grad():
    x = leaf(3)
    assert gradcheck(lambda x: pyt.vander(x, 4), (x,))


POINTWISE_BINARY = ["logaddexp", "logaddexp2", "xlogy", "copysign", "float_power"]


@pytest.mark.parametrize("fname", POINTWISE_BINARY)
@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float64", "float32"),
                                    ("int64", "float64"), ("int32", "int64"), ("bool", "bool"),
                                    ("float16", "float16")])
def test_pointwise_binary_torch(torch, fname, dtypes):
    a = RNG.uniform(-3, 3, (3, 4))
    b = RNG.uniform(0.1, 3, (4,))
    ta = torch.from_numpy(a).to(getattr(torch, dtypes[0]))
    tb = torch.from_numpy(b).to(getattr(torch, dtypes[1]))
    try:
        expected = getattr(torch, fname)(ta, tb)
    except (RuntimeError, NotImplementedError) as e:
        with pytest.raises(type(e)):
            getattr(pyt, fname)(to_pyt(ta), to_pyt(tb))
        return
    got = getattr(pyt, fname)(to_pyt(ta), to_pyt(tb))
    assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    tol = 2e-3 if "float16" in dtypes else 1e-5
    close(got.to(pyt.float64), expected.double().numpy(), rtol=tol, atol=tol)


def to_pyt(t):
    import torch
    if t.dtype in (torch.bfloat16, torch.float16):
        return T(t.float().numpy()).to(getattr(pyt, str(t.dtype).split(".")[1]))
    return T(t.numpy())


@pytest.mark.parametrize("fname", ["sinc", "deg2rad", "rad2deg", "signbit"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64",
                                   "uint8", "bool"])
def test_pointwise_unary_torch(torch, fname, dtype):
    t = torch.from_numpy(RNG.uniform(-5, 5, (3, 5))).to(getattr(torch, dtype))
    expected = getattr(torch, fname)(t)
    got = getattr(pyt, fname)(to_pyt(t))
    assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    tol = 1e-2 if dtype in ("float16", "bfloat16") else 1e-5
    close(got.to(pyt.float64), expected.double().numpy(), rtol=tol, atol=tol)


# ----- integers --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [pyt.int64, pyt.int32, pyt.int16, pyt.int8, pyt.uint8])
def test_gcd_lcm_numpy(dtype):
    lo = 0 if dtype == pyt.uint8 else -12
    a = RNG.integers(lo, 13, (5, 6))
    b = RNG.integers(lo, 13, (6,))
    x = noncontig(a, dtype)
    close(pyt.gcd(x, T(b, dtype)), np.gcd(a, b))
    close(x.lcm(T(b, dtype)), np.lcm(a, b))
    assert pyt.gcd(x, T(b, dtype)).dtype == dtype
    close(pyt.gcd(T(0, dtype), T(0, dtype)), 0)
    assert pyt.gcd(pyt.zeros(0, dtype=dtype), T(3, dtype)).shape == (0,)


def test_gcd_lcm_big_promotion_errors():
    a = np.array([2 ** 40 * 3, 1071, 0, -48, 17, 10 ** 18])
    b = np.array([2 ** 35 * 9, 462, -7, 18, 0, 10 ** 12 * 3])
    close(pyt.gcd(T(a), T(b)), np.gcd(a, b))
    assert pyt.gcd(T([4], pyt.uint8), T([6])).dtype == pyt.int64
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
        pyt.gcd(T([1.0]), T([2.0]))
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        pyt.lcm(T([True]), T([True]))
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        pyt.gcd(T([1]), 2)
    t = T([12, 18])
    assert t.gcd_(T([8, 12])) is t
    close(t, [4, 6])
    t.lcm_(T([6, 4]))
    close(t, [12, 12])


def test_gcd_lcm_torch(torch):
    a = RNG.integers(-50, 50, (4, 7))
    b = RNG.integers(-50, 50, (4, 7))
    for fn in ("gcd", "lcm"):
        close(getattr(pyt, fn)(T(a), T(b)),
              getattr(torch, fn)(torch.from_numpy(a), torch.from_numpy(b)).numpy())


# ----- sets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.int16, pyt.uint8])
def test_isin_numpy(dtype):
    a = RNG.integers(0, 10, (4, 5))
    test = RNG.integers(0, 10, (3, 2))
    x = noncontig(a, dtype)
    for invert in (False, True):
        close(pyt.isin(x, T(test, dtype), invert=invert), np.isin(a, test, invert=invert))
        close(pyt.isin(x, T(np.unique(test), dtype), assume_unique=True, invert=invert),
              np.isin(a, np.unique(test), invert=invert))
    close(pyt.isin(x, 3), np.isin(a, 3))
    got = pyt.isin(3, T(test, dtype))
    assert got.shape == () and got.item() == bool(np.isin(3, test))
    close(pyt.isin(x, T(np.zeros(0), dtype)), np.zeros(a.shape, bool))
    assert pyt.isin(pyt.zeros(0, dtype=dtype), T(test, dtype)).shape == (0,)


def test_isin_promotion_nan_errors():
    close(pyt.isin(T([1, 2, 3]), T([3.0, 1.5])), [False, False, True])
    close(pyt.isin(T([1.0, float("nan")]), T([float("nan"), 1.0])), [True, False])
    with pytest.raises(RuntimeError, match="Unsupported input type encountered for isin"):
        pyt.isin(T([True]), T([1]))


def test_isin_torch(torch):
    a = RNG.integers(0, 20, (30,))
    b = RNG.integers(0, 20, (7,))
    for invert in (False, True):
        close(pyt.isin(T(a), T(b), invert=invert),
              torch.isin(torch.from_numpy(a), torch.from_numpy(b), invert=invert).numpy())


# ----- vectors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.int32])
def test_cross_numpy(dtype):
    a = RNG.integers(-5, 5, (4, 3))
    b = RNG.integers(-5, 5, (1, 3))
    close(pyt.cross(noncontig(a, dtype), T(b, dtype), dim=1), np.cross(a, b))
    close(pyt.cross(T(a.T, dtype), T(b.T, dtype), dim=0), np.cross(a, b).T)
    close(pyt.linalg.cross(T(a, dtype), T(b, dtype)), np.cross(a, b))
    close(T(a, dtype).cross(T(b, dtype), -1), np.cross(a, b))
    assert pyt.cross(T(a, dtype), T(b, dtype), 1).dtype == dtype


def test_cross_default_dim_and_errors():
    a, b = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        got = pyt.cross(T(a), T(b))
    close(got, np.cross(a, b, axis=0))        # the first dim of size 3
    with pytest.warns(UserWarning):
        close(pyt.cross(T(a[:2]), T(b[:2])), np.cross(a[:2], b[:2]))
    with pytest.raises(RuntimeError, match="no dimension of size 3"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyt.cross(pyt.zeros(4, 2), pyt.zeros(4, 2))
    with pytest.raises(RuntimeError, match="dimension 1 must have length 3. Got 4 and 4"):
        pyt.cross(pyt.zeros(3, 4), pyt.zeros(3, 4), dim=1)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        pyt.cross(pyt.zeros(3), pyt.zeros(3, dtype=pyt.float64), dim=0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        pyt.cross(pyt.zeros(3, 4), pyt.zeros(3), dim=0)
    with pytest.raises(NotImplementedError):
        pyt.cross(pyt.zeros(3, dtype=pyt.bool), pyt.zeros(3, dtype=pyt.bool), dim=0)
    x, y = leaf((2, 3)), leaf((1, 3))
    assert gradcheck(lambda x, y: pyt.cross(x, y, dim=1), (x, y))


def _cdist_numpy(a, b, p):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == 0:
        return (d != 0).sum(-1).astype(a.dtype)
    if p == np.inf:
        return d.max(-1) if d.shape[-1] else np.zeros(d.shape[:-1])
    return (d ** p).sum(-1) ** (1 / p)


@pytest.mark.parametrize("p", [0, 1, 1.5, 2, 3, np.inf])
def test_cdist_numpy(p):
    a = RNG.standard_normal((2, 4, 3))
    b = RNG.standard_normal((5, 3))
    close(pyt.cdist(T(a), T(b), p), _cdist_numpy(a, b, p))
    close(pyt.cdist(T(a, pyt.float32), T(b, pyt.float32), p,
                    compute_mode="use_mm_for_euclid_dist"),
          _cdist_numpy(a, b, p), rtol=1e-4, atol=1e-5)
    close(pyt.cdist(noncontig(a[0]), noncontig(b)), _cdist_numpy(a[0], b, 2))
    assert pyt.cdist(pyt.zeros(0, 3), pyt.zeros(4, 3), p).shape == (0, 4)
    close(pyt.cdist(pyt.zeros(2, 0), pyt.zeros(4, 0), p), np.zeros((2, 4)))


def test_cdist_matmul_path():
    # more than 25 rows: the default mode takes torch's matrix-product route for p=2
    a = RNG.standard_normal((2, 30, 4))
    b = RNG.standard_normal((26, 4))
    expected = _cdist_numpy(a, b, 2)
    for mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                 "donot_use_mm_for_euclid_dist"):
        close(pyt.cdist(T(a), T(b), compute_mode=mode), expected, rtol=1e-6, atol=1e-6)
    x1, x2 = leaf((2, 3, 4)), leaf((5, 4))
    assert gradcheck(lambda a, b: pyt.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
                     (x1, x2))
    # zero distances: a zero gradient, not nan
    x = T(RNG.standard_normal((3, 4)), pyt.float64, requires_grad=True)
    pyt.cdist(x, T(N(x)), compute_mode="use_mm_for_euclid_dist").sum().backward()
    assert np.isfinite(N(x.grad)).all()


def test_cdist_errors_grad():
    with pytest.raises(RuntimeError, match="same number of columns. X1: 4 X2: 3"):
        pyt.cdist(pyt.zeros(3, 4), pyt.zeros(5, 3))
    with pytest.raises(RuntimeError, match="at least 2D tensors, X1 got: 1D"):
        pyt.cdist(pyt.zeros(4), pyt.zeros(5, 4))
    with pytest.raises(RuntimeError, match="non-negative p values"):
        pyt.cdist(pyt.zeros(3, 4), pyt.zeros(5, 4), p=-1)
    with pytest.raises(RuntimeError, match="floating-point dtypes, X1 got: Long"):
        pyt.cdist(pyt.zeros(3, 4, dtype=pyt.int64), pyt.zeros(5, 4, dtype=pyt.int64))
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        pyt.cdist(pyt.zeros(3, 4, dtype=pyt.float64), pyt.zeros(5, 4))
    with pytest.raises(ValueError, match="foo is not a valid value for compute_mode"):
        pyt.cdist(pyt.zeros(3, 4), pyt.zeros(5, 4), compute_mode="foo")
    a, b = leaf((2, 3, 4)), leaf((1, 5, 4))
    for p in (1, 2, 3.5):
        assert gradcheck(lambda a, b: pyt.cdist(a, b, p), (a, b))


def test_vectors_torch(torch):
    a = RNG.standard_normal((2, 4, 3))
    b = RNG.standard_normal((2, 6, 3))
    for p in (0, 1, 2, 2.5, float("inf")):
        close(pyt.cdist(T(a), T(b), p),
              torch.cdist(torch.from_numpy(a), torch.from_numpy(b), p).numpy())
    close(pyt.cross(T(a), T(a[:, ::-1].copy()), dim=2),
          torch.cross(torch.from_numpy(a), torch.from_numpy(a[:, ::-1].copy()), dim=2).numpy())


# ----- integration -----------------------------------------------------------------------------

def _trapezoid_numpy(y, x=None, dx=1.0, axis=-1):
    fn = getattr(np, "trapezoid", None) or np.trapz
    return fn(y, x=x, dx=dx, axis=axis)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.int16])
def test_trapezoid_numpy(dtype):
    y = RNG.integers(-9, 9, (3, 5)).astype(np.float64)
    x = np.sort(RNG.uniform(0, 4, 5))
    yt = noncontig(y, dtype)
    float_dtype = dtype if dtype.is_floating_point else pyt.float32
    got = pyt.trapezoid(yt)
    assert got.dtype == float_dtype
    close(got, _trapezoid_numpy(y), rtol=1e-5)
    close(pyt.trapezoid(yt, dx=0.5, dim=0), _trapezoid_numpy(y, dx=0.5, axis=0))
    close(pyt.trapezoid(yt, T(x, pyt.float64)), _trapezoid_numpy(y, x), rtol=1e-5)
    x2 = np.sort(RNG.uniform(0, 4, (3, 5)), axis=1)
    close(pyt.trapz(yt, T(x2)), _trapezoid_numpy(y, x2), rtol=1e-5)
    close(pyt.trapz(yt, dx=2), _trapezoid_numpy(y, dx=2))
    cum = np.cumsum((y[:, 1:] + y[:, :-1]) / 2 * np.diff(x), axis=1)
    close(pyt.cumulative_trapezoid(yt, T(x)), cum, rtol=1e-5)
    close(pyt.cumulative_trapezoid(yt, dx=3.0, dim=0),
          np.cumsum((y[1:] + y[:-1]) / 2 * 3.0, axis=0), rtol=1e-5)


def test_trapezoid_edges_errors_grad():
    close(pyt.trapezoid(pyt.zeros(2, 0)), [0.0, 0.0])
    close(pyt.trapezoid(pyt.zeros(2, 1)), [0.0, 0.0])
    assert pyt.cumulative_trapezoid(pyt.zeros(2, 0)).shape == (2, 0)
    with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
        pyt.trapezoid(pyt.arange(4.0), pyt.arange(3.0))
    with pytest.raises(RuntimeError, match="cumulative_trapezoid: There must be one"):
        pyt.cumulative_trapezoid(pyt.arange(4.0), pyt.arange(3.0))
    with pytest.raises(RuntimeError, match="bool is not supported"):
        pyt.trapezoid(pyt.zeros(3, dtype=pyt.bool))
    with pytest.raises(IndexError, match="has no dimensions"):
        pyt.trapezoid(T(1.0))
    with pytest.raises(RuntimeError, match="must match the size"):
        pyt.trapezoid(pyt.zeros(2, 4), pyt.zeros(3, 4))
    y, x = leaf((3, 5)), leaf(5)
    assert gradcheck(pyt.trapezoid, (y, x))
    assert gradcheck(pyt.cumulative_trapezoid, (y, x))
    assert gradcheck(lambda y: pyt.trapezoid(y, dx=0.3, dim=0), (y,))


def test_trapezoid_torch(torch):
    y = RNG.standard_normal((3, 6))
    x = np.sort(RNG.standard_normal((3, 6)), axis=-1)
    ty, tx = torch.from_numpy(y), torch.from_numpy(x)
    close(pyt.trapezoid(T(y), T(x)), torch.trapezoid(ty, tx).numpy())
    close(pyt.trapezoid(T(y), T(x[0]), dim=1), torch.trapezoid(ty, tx[0], dim=1).numpy())
    close(pyt.cumulative_trapezoid(T(y), dx=0.7, dim=0),
          torch.cumulative_trapezoid(ty, dx=0.7, dim=0).numpy())
    assert pyt.trapezoid(T([1, 2, 3])).dtype == pyt.float32
    assert torch.trapezoid(torch.tensor([1, 2, 3])).dtype == torch.float32


# ----- statistics ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64])
def test_cov_corrcoef_numpy(dtype):
    a = RNG.integers(-9, 9, (3, 7)).astype(np.float64)
    x = noncontig(a, dtype)
    out_dtype = dtype if dtype.is_floating_point else pyt.float32
    got = pyt.cov(x)
    assert got.dtype == out_dtype
    close(got, np.cov(a), rtol=1e-5, atol=1e-5)
    close(pyt.cov(x, correction=0), np.cov(a, ddof=0), rtol=1e-5, atol=1e-5)
    fw = RNG.integers(0, 4, 7)
    aw = RNG.uniform(0.1, 2, 7)
    close(pyt.cov(x, fweights=T(fw)), np.cov(a, fweights=fw), rtol=1e-5, atol=1e-5)
    close(x.cov(aweights=T(aw, out_dtype)), np.cov(a, aweights=aw), rtol=1e-4, atol=1e-4)
    close(pyt.cov(x, correction=2, fweights=T(fw), aweights=T(aw, out_dtype)),
          np.cov(a, ddof=2, fweights=fw, aweights=aw), rtol=1e-4, atol=1e-4)
    close(pyt.cov(x[0]), np.cov(a[0]), rtol=1e-5)
    assert pyt.cov(x[0]).shape == ()
    close(pyt.corrcoef(x), np.corrcoef(a), rtol=1e-5, atol=1e-6)
    close(x[:1].corrcoef(), 1.0)


def test_cov_edges_errors_grad():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        got = pyt.cov(T([1.0]))
    assert math.isnan(got.item()) or math.isinf(got.item())
    with pytest.raises(RuntimeError, match="two or fewer dimensions"):
        pyt.cov(pyt.zeros(2, 3, 4))
    with pytest.raises(RuntimeError, match="bool dtype is not supported"):
        pyt.cov(T([True, False]))
    with pytest.raises(RuntimeError, match="fweights to have integral dtype"):
        pyt.cov(pyt.arange(4), fweights=T([1.0, 2, 1, 1]))
    with pytest.raises(RuntimeError, match="fweights cannot be negative"):
        pyt.cov(pyt.arange(4), fweights=T([-1, 2, 1, 1]))
    with pytest.raises(RuntimeError, match="aweights to have floating point dtype"):
        pyt.cov(pyt.arange(4), aweights=T([1, 2, 1, 1]))
    with pytest.raises(RuntimeError, match="same numel as there are observations in the "
                                           "input but got 3 != 4"):
        pyt.cov(pyt.arange(4), aweights=T([1.0, 2, 1]))
    x, w = leaf((3, 6)), T(RNG.uniform(0.5, 2, 6), pyt.float64, requires_grad=True)
    assert gradcheck(lambda x, w: pyt.cov(x, aweights=w), (x, w))
    assert gradcheck(pyt.corrcoef, (x,))


def test_cov_corrcoef_torch(torch):
    a = RNG.standard_normal((4, 9))
    fw = RNG.integers(1, 4, 9)
    aw = RNG.uniform(0.1, 2, 9)
    ta = torch.from_numpy(a)
    close(pyt.cov(T(a), correction=0, fweights=T(fw), aweights=T(aw)),
          torch.cov(ta, correction=0, fweights=torch.from_numpy(fw),
                    aweights=torch.from_numpy(aw)).numpy())
    close(pyt.corrcoef(T(a)), torch.corrcoef(ta).numpy())
    close(pyt.corrcoef(T(a[0])), torch.corrcoef(ta[0]).numpy())


METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("interpolation", METHODS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_quantile_numpy(interpolation, dtype):
    a = RNG.standard_normal((4, 7))
    npa = a.astype(np.float32 if dtype == pyt.float32 else np.float64)
    x = noncontig(a, dtype)
    q = np.array([0.0, 0.1, 0.5, 0.75, 1.0])
    tol = dict(rtol=1e-5, atol=1e-6)
    close(pyt.quantile(x, 0.3, interpolation=interpolation),
          np.quantile(npa, 0.3, method=interpolation), **tol)
    close(pyt.quantile(x, T(q, dtype), dim=1, interpolation=interpolation),
          np.quantile(npa, q, axis=1, method=interpolation), **tol)
    got = x.quantile(T(q, dtype), dim=0, keepdim=True, interpolation=interpolation)
    close(got, np.quantile(npa, q, axis=0, keepdims=True, method=interpolation), **tol)
    assert got.shape == (5, 1, 7)
    assert pyt.quantile(x, 0.5, keepdim=True).shape == (1, 1)
    # nan: quantile propagates it, nanquantile skips it (all-nan slices give nan)
    a[1, 2], a[3] = np.nan, np.nan
    npa = a.astype(npa.dtype)
    x = T(a, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        close(pyt.quantile(x, T(q, dtype), dim=1, interpolation=interpolation),
              np.quantile(npa, q, axis=1, method=interpolation), **tol)
        close(pyt.nanquantile(x, T(q, dtype), dim=1, interpolation=interpolation),
              np.nanquantile(npa, q, axis=1, method=interpolation), **tol)
        close(pyt.nanquantile(x, 0.4, interpolation=interpolation),
              np.nanquantile(npa, 0.4, method=interpolation), **tol)


def test_quantile_edges_errors_grad():
    close(pyt.quantile(T(3.0), 0.5), 3.0)
    assert pyt.quantile(T(3.0), 0.5, dim=0, keepdim=True).shape == ()
    with pytest.raises(RuntimeError, match="q must be in the range \\[0, 1\\] but got 1.5"):
        pyt.quantile(T([1.0, 2.0]), 1.5)
    with pytest.raises(RuntimeError, match="must be either float or double dtype"):
        pyt.quantile(T([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match="q must be a scalar or 1D tensor"):
        pyt.quantile(T([1.0, 2.0]), T([[0.5]]))
    with pytest.raises(RuntimeError, match="q tensor must be same dtype"):
        pyt.quantile(T([1.0, 2.0], pyt.float32), T([0.5], pyt.float64))
    with pytest.raises(RuntimeError, match="q values must be in the range"):
        pyt.quantile(T([1.0, 2.0]), T([1.5], pyt.float32))
    with pytest.raises(RuntimeError, match="interpolation must be one of"):
        pyt.quantile(T([1.0, 2.0]), 0.5, interpolation="foo")
    with pytest.raises(RuntimeError, match="input tensor must be non-empty"):
        pyt.nanquantile(pyt.zeros(0), 0.5)
    with pytest.raises(IndexError):
        pyt.quantile(pyt.zeros(2, 3), 0.5, dim=2)
    x = leaf((3, 5))
    q = T([0.2, 0.5, 0.9], pyt.float64)
    for interpolation in METHODS:
        assert gradcheck(lambda x: pyt.quantile(x, q, dim=1, interpolation=interpolation),
                         (x,))
    assert gradcheck(lambda x: pyt.nanquantile(x, 0.3), (x,))


def test_quantile_torch(torch):
    a = RNG.standard_normal((3, 8, 2))
    a[0, 1, 0] = np.nan
    q = np.array([0.05, 0.5, 2 / 3, 1.0])
    for fn in ("quantile", "nanquantile"):
        for interpolation in METHODS:
            for dim, keepdim in ((None, False), (1, True), (-1, False)):
                expected = getattr(torch, fn)(torch.from_numpy(a), torch.from_numpy(q), dim,
                                              keepdim, interpolation=interpolation)
                got = getattr(pyt, fn)(T(a), T(q), dim, keepdim, interpolation=interpolation)
                assert tuple(got.shape) == tuple(expected.shape)
                close(got, expected.numpy())


@pytest.mark.parametrize("dtype", FLOATS)
def test_histogram_numpy(dtype):
    a = RNG.standard_normal(200)
    npa = a.astype(np.float32 if dtype == pyt.float32 else np.float64)
    x = T(a, dtype).reshape(20, 10).t()
    flat = N(x).reshape(-1)
    w = RNG.uniform(0, 2, (10, 20))
    for kwargs in (dict(bins=7), dict(bins=5, range=(-1.0, 1.5)), dict(bins=3, density=True)):
        hist, edges = pyt.histogram(x, **kwargs)
        e_hist, e_edges = np.histogram(flat, **kwargs)
        close(edges, e_edges.astype(npa.dtype), rtol=1e-6)
        close(hist, e_hist, rtol=1e-5)
        assert hist.dtype == dtype and edges.dtype == dtype
    edges = np.array([-2.0, -0.5, 0.0, 3.0])
    got = x.histogram(T(edges, dtype), weight=T(w, dtype))
    e_hist, _ = np.histogram(flat, edges, weights=w.reshape(-1))
    close(got.hist, e_hist, rtol=1e-5)
    close(got.bin_edges, edges)
    hist, edges = pyt.histogram(T([1.0, 1.0, 1.0], dtype), 4)
    close(hist, np.histogram([1.0, 1.0, 1.0], 4)[0])
    close(edges, np.histogram([1.0, 1.0, 1.0], 4)[1])
    hist, edges = pyt.histogram(pyt.zeros(0, dtype=dtype), 3)
    close(hist, [0, 0, 0])
    close(edges, np.histogram(np.zeros(0), 3)[1])


def test_histogram_errors_torch(torch):
    a = RNG.standard_normal(50).astype(np.float32)
    w = RNG.uniform(0, 1, 50).astype(np.float32)
    e = torch.histogram(torch.from_numpy(a), bins=6, weight=torch.from_numpy(w), density=True)
    g = pyt.histogram(T(a), bins=6, weight=T(w), density=True)
    close(g.hist, e.hist.numpy())
    close(g.bin_edges, e.bin_edges.numpy())


def test_histogram_errors():
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        pyt.histogram(T([1, 2]), 3)
    with pytest.raises(RuntimeError, match="bins must be > 0, but got 0"):
        pyt.histogram(T([1.0, 2.0]), 0)
    with pytest.raises(RuntimeError, match="min should not exceed max"):
        pyt.histogram(T([1.0, 2.0]), 3, range=(2.0, 1.0))
    with pytest.raises(RuntimeError, match="is not finite"):
        pyt.histogram(T([1.0, float("inf")]), 3)
    with pytest.raises(RuntimeError, match="same dtype"):
        pyt.histogram(T([1.0, 2.0]), T([0.0, 1.0], pyt.float64))
    with pytest.raises(RuntimeError, match="bins tensor should have one dimension"):
        pyt.histogram(T([1.0, 2.0]), T([[0.0, 1.0]]))
    with pytest.raises(RuntimeError, match="same shape as the input"):
        pyt.histogram(T([1.0, 2.0]), 3, weight=T([1.0, 2.0, 3.0]))


# ----- scatter_reduce --------------------------------------------------------------------------

def _scatter_reduce_numpy(a, dim, index, src, reduce, include_self):
    out = a.astype(np.float64).copy()
    groups = {}
    for pos in itertools.product(*[range(n) for n in index.shape]):
        target = list(pos)
        target[dim] = index[pos]
        groups.setdefault(tuple(target), []).append(float(src[pos]))
    for target, values in groups.items():
        if include_self:
            values = values + [float(a[target])]
        if reduce == "sum":
            out[target] = sum(values)
        elif reduce == "prod":
            out[target] = np.prod(values)
        elif reduce == "amax":
            out[target] = max(values)
        elif reduce == "amin":
            out[target] = min(values)
        else:
            mean = sum(values) / len(values)
            out[target] = mean if a.dtype.kind == "f" else math.floor(mean)
    return out


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.int32])
def test_scatter_reduce_numpy(reduce, include_self, dtype):
    a = RNG.integers(-4, 5, (4, 5))
    src = RNG.integers(-3, 4, (6, 5))
    npdt = np.float64 if dtype.is_floating_point else np.int64
    for dim, index in ((0, RNG.integers(0, 4, (6, 5))), (1, RNG.integers(0, 5, (3, 2))),
                       (-1, RNG.integers(0, 5, (4, 0)))):
        d = dim % 2
        got = pyt.scatter_reduce(noncontig(a, dtype), dim, T(index), noncontig(src, dtype),
                                 reduce, include_self=include_self)
        assert got.dtype == dtype
        close(got, _scatter_reduce_numpy(a.astype(npdt), d, index, src, reduce,
                                         include_self))
        got = T(a, dtype).scatter_reduce(dim, T(index), T(src, dtype), reduce,
                                         include_self=include_self)
        close(got, _scatter_reduce_numpy(a.astype(npdt), d, index, src, reduce,
                                         include_self))


def test_scatter_reduce_inplace_nan_bool_errors():
    x = T([1.0, 2.0, 3.0])
    assert x.scatter_reduce_(0, T([0, 0, 2]), T([5.0, -1.0, 0.5]), "amax") is x
    close(x, [5.0, 2.0, 3.0])
    got = pyt.scatter_reduce(T([1.0, 2.0]), 0, T([0, 0]), T([float("nan"), 3.0]), "amin")
    assert math.isnan(got[0].item()) and got[1].item() == 2.0
    b = T([False, True, False])
    close(pyt.scatter_reduce(b, 0, T([0, 0, 1]), T([True, False, False]), "sum"),
          [True, True, False])
    close(pyt.scatter_reduce(b, 0, T([0, 0, 1]), T([True, False, True]), "prod",
                             include_self=False), [False, True, False])
    with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, "
                                           "amax or amin, got foo"):
        pyt.scatter_reduce(pyt.zeros(3), 0, T([0]), pyt.zeros(1), "foo")
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype"):
        pyt.scatter_reduce(pyt.zeros(3), 0, T([0]), T([1]), "sum")
    with pytest.raises(RuntimeError, match="out of bounds"):
        pyt.scatter_reduce(pyt.zeros(3), 0, T([0, 5]), pyt.zeros(2), "amax")
    with pytest.raises(RuntimeError, match="out of bounds"):
        pyt.scatter_reduce(pyt.zeros(3), 0, T([0, -1]), pyt.zeros(2), "sum")
    with pytest.raises(RuntimeError, match="Expected index \\[4\\] to be no larger"):
        pyt.scatter_reduce(pyt.zeros(3), 0, T([0, 0, 1, 1]), pyt.zeros(3), "sum")
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        pyt.scatter_reduce(pyt.zeros(3, 2), 0, T([0, 1]), pyt.zeros(2), "sum")
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        pyt.scatter_reduce(b, 0, T([0]), T([True]), "mean")
    with pytest.raises(RuntimeError, match="can't be cast|leaf Variable"):
        leaf(3).scatter_reduce_(0, T([0]), T([1.0], pyt.float64), "sum")


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_grad(reduce, include_self):
    # distinct values, so amax / amin have no ties and the gradient is unique
    values = RNG.permutation(30)[:20].reshape(4, 5) / 7.0 - 2.0
    x = T(values[:2], pyt.float64, requires_grad=True)
    src = T(values[2:], pyt.float64, requires_grad=True)
    index = T([[0, 1, 1, 0, 1], [0, 1, 0, 0, 0]])
    assert gradcheck(lambda x, s: pyt.scatter_reduce(x, 0, index, s, reduce,
                                                     include_self=include_self), (x, src))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int16", "uint8", "bool"])
def test_scatter_reduce_torch(torch, reduce, dtype):
    a = torch.from_numpy(RNG.integers(0, 5, (5, 4, 3))).to(getattr(torch, dtype))
    src = torch.from_numpy(RNG.integers(0, 5, (7, 4, 3))).to(getattr(torch, dtype))
    index = torch.from_numpy(RNG.integers(0, 5, (7, 3, 2)))
    for include_self in (True, False):
        try:
            expected = a.scatter_reduce(0, index, src, reduce, include_self=include_self)
        except (RuntimeError, NotImplementedError) as e:
            with pytest.raises(type(e)):
                pyt.scatter_reduce(to_pyt(a), 0, to_pyt(index), to_pyt(src), reduce,
                                   include_self=include_self)
            continue
        got = pyt.scatter_reduce(to_pyt(a), 0, to_pyt(index), to_pyt(src), reduce,
                                 include_self=include_self)
        assert str(got.dtype).split(".")[1] == dtype
        close(got, expected.numpy())


@pytest.mark.parametrize("ties", [False, True])
def test_scatter_reduce_grad_torch(torch, ties):
    # with ties, amax / amin share the gradient evenly among the equal values, counting
    # input even when include_self=False (then giving it none), as torch does
    values = RNG.permutation(40)[:24].reshape(4, 6) / 5.0
    if ties:
        values = RNG.integers(0, 3, (4, 6)).astype(np.float64)
    index = np.array([[0, 1, 1, 0, 1, 1], [1, 1, 0, 0, 0, 1]])
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            x = torch.tensor(values[:2], requires_grad=True)
            s = torch.tensor(values[2:], requires_grad=True)
            x.scatter_reduce(0, torch.from_numpy(index), s, reduce,
                             include_self=include_self).pow(2).sum().backward()
            px = T(values[:2], pyt.float64, requires_grad=True)
            ps = T(values[2:], pyt.float64, requires_grad=True)
            pyt.scatter_reduce(px, 0, T(index), ps, reduce,
                               include_self=include_self).pow(2).sum().backward()
            close(px.grad, x.grad.numpy())
            close(ps.grad, s.grad.numpy())


# ----- index_reduce ----------------------------------------------------------------------------

@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dtype", [pyt.float64, pyt.int64])
def test_index_reduce_numpy(reduce, include_self, dtype):
    a = RNG.integers(-3, 4, (4, 3, 2))
    src = RNG.integers(-3, 4, (4, 5, 2))
    index = RNG.integers(0, 3, (5,))
    # index_reduce is scatter_reduce with the index spread over each slice
    spread = np.broadcast_to(index.reshape(1, 5, 1), src.shape)
    npdt = np.float64 if dtype.is_floating_point else np.int64
    expected = _scatter_reduce_numpy(a.astype(npdt), 1, spread, src, reduce, include_self)
    with pytest.warns(UserWarning, match="beta"):
        got = pyt.index_reduce(T(a, dtype), 1, T(index), T(src, dtype), reduce,
                               include_self=include_self)
    assert got.dtype == dtype
    close(got, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = T(a, dtype)
        assert t.index_reduce_(1, T(index).int(), T(src, dtype), reduce,
                               include_self=include_self) is t
    close(t, expected)


def test_index_reduce_errors_grad():
    x, s = pyt.ones(3, 2), T([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="one of prod, mean, amax or amin but got sum"):
            pyt.index_reduce(x, 0, T([0, 2, 0]), s, "sum")
        with pytest.raises(RuntimeError, match="Number of indices \\(2\\) should be equal"):
            pyt.index_reduce(x, 0, T([0, 2]), s, "prod")
        with pytest.raises(IndexError, match="supposed to be a vector"):
            pyt.index_reduce(x, 0, T([[0, 2, 0]]), s, "prod")
        with pytest.raises(IndexError, match="index out of range in self"):
            pyt.index_reduce(x, 0, T([0, -1, 0]), s, "prod")
        with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
            pyt.index_reduce(x, 0, T([0.0, 1.0, 0.0]), s, "prod")
        with pytest.raises(RuntimeError, match="must have the same scalar type"):
            pyt.index_reduce(x, 0, T([0, 1, 0]), s.double(), "prod")
        with pytest.raises(RuntimeError, match="source tensor shape must match"):
            pyt.index_reduce(x, 0, T([0, 1, 0]), s[:, :1], "prod")
        values = RNG.permutation(40)[:14] / 7.0
        a = T(values[:6].reshape(3, 2), pyt.float64, requires_grad=True)
        b = T(values[6:].reshape(4, 2), pyt.float64, requires_grad=True)
        for reduce in ("prod", "mean", "amax", "amin"):
            assert gradcheck(lambda a, b: pyt.index_reduce(a, 0, T([0, 2, 0, 0]), b, reduce),
                             (a, b))


def test_index_reduce_torch(torch):
    a = RNG.standard_normal((5, 3))
    src = RNG.standard_normal((5, 4)).round(0)
    index = np.array([2, 0, 2, 2])
    for reduce in ("prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")     # both warn that index_reduce is beta
                expected = torch.from_numpy(a).index_reduce(
                    1, torch.from_numpy(index), torch.from_numpy(src), reduce,
                    include_self=include_self)
                got = pyt.index_reduce(T(a), 1, T(index), T(src), reduce,
                                       include_self=include_self)
            close(got, expected.numpy())
