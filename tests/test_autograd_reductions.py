"""Derivatives of the reductions, scans and sorting ops (pyt/_ext/reductions.pyx)."""
import warnings

import numpy as np
import pytest

import pyt
from pyt.autograd import gradcheck, gradgradcheck

INF = float("inf")


def leaf(data, dtype=pyt.float64):
    return pyt.tensor(np.asarray(data, dtype=np.float64), dtype=dtype, requires_grad=True)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(*shape, seed=0):
    """Values 0.3 apart, with distinct sizes and no zero (no ties for finite differences
    to straddle)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) * 0.3 - n * 0.15 + 0.05).reshape(shape)


A = randn(2, 3)
ROW = randn(1, 3, seed=1)                         # expanded to (2, 3) inside the op
ZEROS1 = np.array([[1.5, 0.0, -2.0], [0.5, 1.2, -0.7]])      # one zero
ZEROS2 = np.array([[0.0, 1.1, 0.0, -2.0], [0.7, 0.0, 1.3, 0.0]])  # zeros in every row
NANS = np.array([[1.0, np.nan, -2.0], [0.5, 0.3, np.nan]])
TIES = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, -1.0]])  # two-way ties (finite differences see 1/2)
SCALAR = np.array(0.7)
D23, D32 = distinct(2, 3), distinct(3, 2)


def case(name, fn, data):
    return pytest.param(fn, data, id=name)


# Smooth ops: gradcheck and gradgradcheck. Non-contiguous and broadcast inputs are made
# inside fn (gradcheck perturbs contiguous leaves).
SMOOTH = [
    case("sum", lambda x: x.sum(), A),
    case("sum_dim", lambda x: x.sum(1), A),
    case("sum_dims_keepdim", lambda x: pyt.sum(x, (0, -1), keepdim=True), A),
    case("sum_dim_list", lambda x: x.sum([1]), A),
    case("sum_0d", lambda x: x.sum(), SCALAR),
    case("sum_0d_dim", lambda x: x.sum(0, keepdim=True), SCALAR),
    case("sum_transposed", lambda x: x.t().sum(1), A),
    case("sum_expanded", lambda x: x.expand(2, 3).sum(0), ROW),
    case("sum_dtype", lambda x: x.sum(1, dtype=pyt.float64), A),
    case("mean", lambda x: x.mean(), A),
    case("mean_dim_keepdim", lambda x: x.mean(-1, keepdim=True), A),
    case("mean_dims", lambda x: pyt.mean(x[:, ::2], (0, 1)), A),
    case("mean_dtype", lambda x: x.mean(0, dtype=pyt.float64), A),
    case("nansum", lambda x: x.nansum(), NANS),
    case("nansum_dim", lambda x: pyt.nansum(x, 1, keepdim=True), NANS),
    case("nanmean", lambda x: x.nanmean(), NANS),
    case("nanmean_dim", lambda x: pyt.nanmean(x, 0), NANS),
    case("prod", lambda x: x.prod(), A),
    case("prod_dim", lambda x: x.prod(1), A),
    case("prod_dim_keepdim", lambda x: pyt.prod(x.t(), 0, keepdim=True), A),
    case("prod_0d", lambda x: x.prod(), SCALAR),
    case("prod_one_zero", lambda x: x.prod(), ZEROS1),
    case("prod_dim_zeros", lambda x: x.prod(1), ZEROS2),
    case("prod_dim0_zeros", lambda x: x.prod(0), ZEROS2),
    case("var", lambda x: x.var(), A),
    case("var_dim", lambda x: x.var(1), A),
    case("var_unbiased_false", lambda x: pyt.var(x, 0, unbiased=False, keepdim=True), A),
    case("var_correction", lambda x: x.var((0, 1), correction=2), A),
    case("var_positional_unbiased", lambda x: pyt.var(x, False), A),
    case("std", lambda x: x.std(), A),
    case("std_dim_keepdim", lambda x: x.std(-1, keepdim=True), A),
    case("std_correction0", lambda x: pyt.std(x.t(), 1, correction=0), A),
    case("var_mean", lambda x: pyt.var_mean(x, 1), A),
    case("std_mean", lambda x: pyt.std_mean(x, (0, 1), keepdim=True), A),
    case("norm", lambda x: x.norm(), A),
    case("norm_fro_dim", lambda x: x.norm("fro", dim=(0, 1)), A),
    case("norm2_dim", lambda x: pyt.norm(x, 2, dim=1, keepdim=True), A),
    case("norm1", lambda x: x.norm(1, dim=0), A),
    case("vector_norm", lambda x: pyt.linalg.vector_norm(x.expand(2, 3), dim=0), ROW),
    case("norm3", lambda x: x.norm(3, dim=1), A),
    case("norm1_5", lambda x: x.norm(1.5), A),
    case("norm0_5", lambda x: x.norm(0.5, dim=0), A),
    case("norm_neg", lambda x: x.norm(-1.5, dim=1), A),
    case("logsumexp", lambda x: x.logsumexp(1), A),
    case("logsumexp_dims", lambda x: pyt.logsumexp(x, (0, 1), keepdim=True), A),
    case("cumsum", lambda x: x.cumsum(1), A),
    case("cumsum_dim0", lambda x: pyt.cumsum(x.t(), 0), A),
    case("cumprod", lambda x: x.cumprod(1), A),
    case("cumprod_zeros", lambda x: x.cumprod(1), ZEROS2),
    case("cumprod_zeros_dim0", lambda x: pyt.cumprod(x, 0), ZEROS2),
    case("logcumsumexp", lambda x: x.logcumsumexp(1), A),
]


@pytest.mark.parametrize("fn, data", SMOOTH)
def test_gradcheck_smooth(fn, data):
    assert gradcheck(fn, (leaf(data),))


@pytest.mark.parametrize("fn, data", SMOOTH)
def test_gradgradcheck_smooth(fn, data):
    assert gradgradcheck(fn, (leaf(data),))


# Scans of a dim of size 1 and of 0-d inputs are the input itself.
@pytest.mark.parametrize("fn, data", [
    case("cumsum_0d", lambda x: x.cumsum(0), SCALAR),
    case("cumprod_0d", lambda x: x.cumprod(0), SCALAR),
    case("cumprod_size1", lambda x: x.cumprod(0), A[:1]),
    case("logcumsumexp_0d", lambda x: x.logcumsumexp(0), SCALAR),
    case("cummax_0d", lambda x: x.cummax(0).values, SCALAR),
])
def test_scans_of_single_elements(fn, data):
    assert gradcheck(fn, (leaf(data),))
    assert gradgradcheck(fn, (leaf(data),))


# Ops that pick elements: the gradient goes to the element taken (ties shared evenly by
# the ops without indices). Those with indices put it back with scatter.
PICKING = [
    case("max", lambda x: x.max(), TIES),
    case("min", lambda x: pyt.min(x), TIES),
    case("amax", lambda x: x.amax(), TIES),
    case("amax_dim", lambda x: x.amax(1), TIES),
    case("amin_dims_keepdim", lambda x: pyt.amin(x, (0, 1), keepdim=True), TIES),
    case("aminmax", lambda x: pyt.aminmax(x), TIES),
    case("aminmax_dim", lambda x: pyt.aminmax(x, dim=0, keepdim=True), TIES),
    case("median", lambda x: x.median(), D23),
    case("nanmedian", lambda x: x.nanmedian(), NANS),
    case("norm_inf", lambda x: x.norm(INF, dim=1), TIES),
    case("norm_neg_inf", lambda x: pyt.linalg.vector_norm(x, -INF), D23),
    case("max_0d", lambda x: x.max(), SCALAR),
    case("max_0d_dim", lambda x: x.max(0)[0], SCALAR),
    case("sort_0d", lambda x: x.sort()[0], SCALAR),
]
SELECTING = [
    case("max_dim", lambda x: x.max(1).values, D23),
    case("max_dim_keepdim", lambda x: pyt.max(x.t(), 0, keepdim=True)[0], D23),
    case("min_dim", lambda x: x.min(0)[0], D23),
    case("sort", lambda x: x.sort()[0], D23),
    case("sort_desc_dim0", lambda x: pyt.sort(x, 0, descending=True).values, D32),
    case("sort_stable", lambda x: x.sort(stable=True)[0], D23),
    case("msort", lambda x: pyt.msort(x[:, ::2]), distinct(3, 3)),
    case("topk", lambda x: x.topk(2)[0], D23),
    case("topk_smallest_dim0", lambda x: pyt.topk(x, 1, 0, largest=False)[0], D23),
    case("kthvalue", lambda x: x.kthvalue(2)[0], D23),
    case("kthvalue_keepdim", lambda x: pyt.kthvalue(x, 1, 0, keepdim=True)[0], D23),
    case("median_dim", lambda x: x.median(1)[0], D23),
    case("nanmedian_dim", lambda x: pyt.nanmedian(x, 1, keepdim=True)[0], NANS),
    case("mode", lambda x: x.mode(1)[0], D23),
    case("cummax", lambda x: x.cummax(1)[0], D23),
    case("cummin_dim0", lambda x: pyt.cummin(x, 0).values, D32),
]


@pytest.mark.parametrize("fn, data", PICKING + SELECTING)
def test_gradcheck_picking(fn, data):
    assert gradcheck(fn, (leaf(data),))


@pytest.mark.parametrize("fn, data", PICKING + SELECTING)
def test_gradgradcheck_picking(fn, data):
    if data is TIES:                    # the first derivative jumps at a tie
        data = D23
    assert gradgradcheck(fn, (leaf(data),))


def grad_of(fn, data, dtype=pyt.float64):
    x = leaf(data, dtype)
    y = fn(x)
    y.backward(pyt.ones(tuple(y.shape), dtype=y.dtype))
    return x.grad


@pytest.mark.parametrize("fn, expected", [
    (lambda x: x.max(), [0, 1 / 3, 1 / 3, 0, 1 / 3]),
    (lambda x: x.amax(), [0, 1 / 3, 1 / 3, 0, 1 / 3]),
    (lambda x: x.amax(0), [0, 1 / 3, 1 / 3, 0, 1 / 3]),
    (lambda x: x.min(), [1, 0, 0, 0, 0]),
    (lambda x: x.max(0)[0], [0, 1, 0, 0, 0]),                 # the index max returns
    (lambda x: pyt.aminmax(x).max, [0, 1 / 3, 1 / 3, 0, 1 / 3]),
    (lambda x: x.norm(INF), [0, 1 / 3, 1 / 3, 0, 1 / 3]),
    (lambda x: x.median(), [0, 1 / 3, 1 / 3, 0, 1 / 3]),
    (lambda x: x.cummax(0)[0], [1, 1, 2, 0, 1]),              # a later equal value takes over
])
def test_ties(fn, expected):
    np.testing.assert_allclose(grad_of(fn, [1.0, 3.0, 3.0, 2.0, 3.0]).numpy(), expected)


def test_nan_picks():
    data = [1.0, np.nan, 3.0, np.nan]
    np.testing.assert_allclose(grad_of(lambda x: x.max(), data).numpy(), [0, 0.5, 0, 0.5])
    np.testing.assert_allclose(grad_of(lambda x: x.median(), data).numpy(), [0, 0.5, 0, 0.5])
    np.testing.assert_allclose(grad_of(lambda x: x.nanmedian(), data).numpy(), [1, 0, 0, 0])
    np.testing.assert_allclose(grad_of(lambda x: x.nansum(), data).numpy(), [1, 0, 1, 0])
    np.testing.assert_allclose(grad_of(lambda x: x.nanmean(), data).numpy(), [.5, 0, .5, 0])


def test_prod_and_cumprod_with_zeros():
    data = [[2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 1.0, 2.0], [1.0, 2.0, 3.0, 4.0]]
    np.testing.assert_allclose(grad_of(lambda x: x.prod(), data).numpy(), np.zeros((3, 4)))
    np.testing.assert_allclose(grad_of(lambda x: x.prod(1), data).numpy(),
                               [[0, 24, 0, 0], [0, 0, 0, 0], [24, 12, 8, 6]])
    weights = pyt.arange(1, 5, dtype=pyt.float64)
    np.testing.assert_allclose(grad_of(lambda x: x.cumprod(1) * weights, data).numpy(),
                               [[1, 2 * 2 + 3 * 6 + 4 * 24, 0, 0], [1, 0, 0, 0],
                                [119, 59, 38, 24]])
    np.testing.assert_allclose(grad_of(lambda x: x[:1, :2].prod(), data).numpy()[0, :2],
                               [0, 2])


def test_std_and_norm_at_zero_spread():
    np.testing.assert_array_equal(grad_of(lambda x: x.std(), [2.0, 2.0, 2.0]).numpy(), 0)
    np.testing.assert_array_equal(grad_of(lambda x: x.std(0), [[2.0], [2.0]]).numpy(), 0)
    np.testing.assert_array_equal(grad_of(lambda x: x.norm(), [0.0, 0.0]).numpy(), 0)
    np.testing.assert_array_equal(grad_of(lambda x: x.norm(2.5), [0.0, 0.0]).numpy(), 0)
    np.testing.assert_allclose(grad_of(lambda x: x.norm(0.5), [0.0, 1.0, -4.0]).numpy(),
                               [0, 3, -1.5])
    np.testing.assert_array_equal(grad_of(lambda x: x.norm(-1), [0.0, 1.0]).numpy(), 0)


def test_var_with_no_degrees_of_freedom():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = grad_of(lambda x: x.var(correction=3), [1.0, 1.0, 1.0]).numpy()
        assert np.isnan(g).all()
        g = grad_of(lambda x: x.var(), [1.0, 2.0, 1.0][:1]).numpy()
        assert np.isnan(g).all()


def test_norm_zero_has_no_gradient():
    x = leaf([1.0, 0.0])
    x.norm(0).backward()
    assert x.grad is None


def test_multi_output_uses_one_output():
    x = leaf(A)
    pyt.var_mean(x, 1)[1].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 1 / 3))
    x = leaf(TIES)
    pyt.aminmax(x).min.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0, 0], [0, 0.5, 0.5]])


def test_dtype_argument_and_float32_gradients():
    data = randn(2, 3)
    for fn in (lambda x: x.sum(dtype=pyt.float64), lambda x: x.nansum(1, dtype=pyt.float64),
               lambda x: x.mean(dtype=pyt.float64), lambda x: x.nanmean(0, dtype=pyt.float64),
               lambda x: x.prod(1, dtype=pyt.float64),
               lambda x: x.cumsum(1, dtype=pyt.float64),
               lambda x: x.cumprod(1, dtype=pyt.float64),
               lambda x: pyt.linalg.vector_norm(x, dtype=pyt.float64)):
        g32 = grad_of(fn, data, pyt.float32)
        assert g32.dtype == pyt.float32
        np.testing.assert_allclose(g32.numpy(), grad_of(fn, data.astype(np.float32).astype(
            np.float64)).numpy(), rtol=1e-5)
    x = leaf(data, pyt.float64)
    assert x.sum(dtype=pyt.float32).dtype == pyt.float32
    x.sum(dtype=pyt.float32).backward()
    assert x.grad.dtype == pyt.float64


FLOAT32_OPS = [lambda x: x.sum(1), lambda x: x.nansum(), lambda x: x.prod(0),
               lambda x: x.max(), lambda x: x.amin(1), lambda x: x.std(0),
               lambda x: pyt.var_mean(x)[0], lambda x: x.norm(3), lambda x: x.logsumexp(0),
               lambda x: x.cumsum(0), lambda x: x.cumprod(1), lambda x: x.cummin(1)[0],
               lambda x: x.logcumsumexp(1), lambda x: x.sort(0)[0], lambda x: x.topk(1)[0],
               lambda x: x.median(), lambda x: x.mode(0)[0], lambda x: x.kthvalue(1)[0]]


@pytest.mark.parametrize("fn", FLOAT32_OPS)
@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float16, pyt.bfloat16])
def test_low_precision_gradients_keep_dtype(fn, dtype):
    g = grad_of(fn, D23, dtype)
    assert g.dtype == dtype and tuple(g.shape) == (2, 3)
    ref = grad_of(fn, np.asarray(pyt.tensor(D23, dtype=dtype).to(pyt.float64)))
    tol = 1e-5 if dtype == pyt.float32 else 5e-2
    np.testing.assert_allclose(g.to(pyt.float64).numpy(), ref.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("fn", [
    lambda x: x.sum(0), lambda x: x.prod(0), lambda x: x.mean(1), lambda x: x.cumsum(0),
    lambda x: x.cumprod(1), lambda x: x.sort(0)[0], lambda x: x.logsumexp(1),
    lambda x: x.amax(1), lambda x: x.norm(dim=1), lambda x: x.var(1),
    lambda x: x.logcumsumexp(0), lambda x: x.cummax(0)[0],
])
def test_zero_size_inputs(fn):
    x = pyt.zeros((0, 3), dtype=pyt.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = fn(x)
        assert y.requires_grad
        y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3)


def test_sum_of_empty_and_prod_of_empty():
    x = pyt.zeros((2, 0), dtype=pyt.float64, requires_grad=True)
    x.prod(1).sum().backward()
    assert tuple(x.grad.shape) == (2, 0)
    y = pyt.zeros((0,), dtype=pyt.float64, requires_grad=True)
    y.sum().backward()
    assert tuple(y.grad.shape) == (0,)


@pytest.mark.parametrize("fn", [
    lambda x: x.argmax(), lambda x: x.argmin(1), lambda x: x.all(), lambda x: x.any(0),
    lambda x: x.count_nonzero(), lambda x: pyt.count_nonzero(x, 1), lambda x: x.argsort(),
    lambda x: x.max(1).indices, lambda x: x.min(0)[1], lambda x: x.sort()[1],
    lambda x: x.topk(2)[1], lambda x: x.kthvalue(1)[1], lambda x: x.median(0)[1],
    lambda x: x.nanmedian(0)[1], lambda x: x.mode(1)[1], lambda x: x.cummax(1)[1],
    lambda x: x.cummin(0)[1], lambda x: x.unique(), lambda x: x.unique(dim=0),
    lambda x: pyt.unique(x, return_inverse=True, return_counts=True),
    lambda x: x.unique_consecutive(return_counts=True),
    lambda x: pyt.unique_consecutive(x, dim=1), lambda x: x.histc(4),
    lambda x: pyt.searchsorted(x.sort()[0], x), lambda x: pyt.searchsorted(x[0].sort()[0], 0.5),
    lambda x: pyt.bucketize(x, pyt.tensor([0.0, 1.0])),
    lambda x: pyt.bincount(pyt.tensor([0, 1, 1]), weights=x[0]),
])
def test_non_differentiable_outputs(fn):
    results = fn(leaf(A))
    for r in (results if isinstance(results, tuple) else (results,)):
        assert not r.requires_grad and r.grad_fn is None


@pytest.mark.parametrize("fn, out", [
    (lambda x, o: pyt.sum(x, out=o), 0), (lambda x, o: pyt.nansum(x, out=o), 0),
    (lambda x, o: pyt.prod(x, 0, out=o), 0), (lambda x, o: pyt.mean(x, out=o), 0),
    (lambda x, o: pyt.nanmean(x, out=o), 0), (lambda x, o: pyt.amax(x, out=o), 0),
    (lambda x, o: pyt.amin(x, 1, out=o), 0), (lambda x, o: pyt.max(x, 0, out=o), 2),
    (lambda x, o: pyt.min(x, out=o), 0), (lambda x, o: pyt.aminmax(x, out=o), 3),
    (lambda x, o: pyt.var(x, out=o), 0), (lambda x, o: pyt.std(x, 1, out=o), 0),
    (lambda x, o: pyt.logsumexp(x, 1, out=o), 0), (lambda x, o: pyt.norm(x, out=o), 0),
    (lambda x, o: pyt.linalg.vector_norm(x, out=o), 0),
    (lambda x, o: pyt.cumsum(x, 1, out=o), 0), (lambda x, o: pyt.cumprod(x, 1, out=o), 0),
    (lambda x, o: pyt.cummax(x, 1, out=o), 2), (lambda x, o: pyt.logcumsumexp(x, 1, out=o), 0),
    (lambda x, o: pyt.sort(x, out=o), 2), (lambda x, o: pyt.msort(x, out=o), 0),
    (lambda x, o: pyt.topk(x, 1, out=o), 2), (lambda x, o: pyt.kthvalue(x, 1, out=o), 2),
    (lambda x, o: pyt.median(x, out=o), 0), (lambda x, o: pyt.nanmedian(x, 0, out=o), 2),
    (lambda x, o: pyt.mode(x, out=o), 2),
])
def test_out_with_grad_raises(fn, out):
    o = pyt.empty(0, dtype=pyt.float64)
    if out > 1:                                 # (values, indices) or aminmax's (min, max)
        o = (o, pyt.empty(0, dtype=pyt.int64 if out == 2 else pyt.float64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        fn(leaf(A), o)
    with pyt.no_grad():
        fn(leaf(A), o)                           # fine without grad


def test_no_grad_and_inputs_without_grad():
    x = leaf(A)
    with pyt.no_grad():
        for y in (x.sum(), x.prod(1), x.std(), x.cumsum(0), x.sort()[0], x.norm()):
            assert not y.requires_grad
    plain = pyt.tensor(A)
    assert plain.cumprod(1).grad_fn is None and plain.max(0).values.grad_fn is None


def test_inplace_scans():
    x = leaf(A)
    for method in ("cumsum_", "cumprod_"):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            getattr(x, method)(1)
    h = x * 1
    h.cumprod_(1)
    assert h.grad_fn.name() == "CumprodBackward0"
    h.cumsum_(0)
    assert h.grad_fn.name() == "CumsumBackward0"
    h.sum().backward()
    expected = leaf(A)
    expected.cumprod(1).cumsum(0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected.grad.numpy())
    np.testing.assert_allclose(h.detach().numpy(), np.cumsum(np.cumprod(A, 1), 0))


def test_saved_input_modified_in_place():
    x = leaf(A)
    h = x * 1
    y = h.prod()
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_create_graph_second_derivative_values():
    x = leaf([1.0, 2.0, 3.0])
    (g,) = pyt.autograd.grad(x.prod(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [6, 3, 2])
    (h,) = pyt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [5, 4, 3])             # sums of the other pairs
    x = leaf([2.0, 0.0, 3.0])                                    # through the zero-safe form
    (g,) = pyt.autograd.grad(x.prod(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [0, 6, 0])
    (h,) = pyt.autograd.grad(g[1], x)
    np.testing.assert_allclose(h.numpy(), [3, 0, 2])


# ----- against torch -----------------------------------------------------------------------

TORCH_CASES = [
    ("sum_dtype", lambda m, x: x.sum(1, dtype=m.float32), A),
    ("nansum", lambda m, x: x.nansum(1), NANS),
    ("nanmean", lambda m, x: x.nanmean(), NANS),
    ("prod", lambda m, x: x.prod(), ZEROS1),
    ("prod_dim", lambda m, x: x.prod(1), ZEROS2),
    ("prod_dim_keepdim", lambda m, x: x.prod(0, keepdim=True), ZEROS2),
    ("max", lambda m, x: x.max(), TIES),
    ("max_dim", lambda m, x: x.max(1)[0], TIES),
    ("min_dim_keepdim", lambda m, x: x.min(1, keepdim=True)[0], TIES),
    ("amax", lambda m, x: x.amax(1), TIES),
    ("amin", lambda m, x: x.amin((0, 1)), TIES),
    ("aminmax", lambda m, x: m.aminmax(x, dim=1)[0] * 2 + m.aminmax(x, dim=1)[1], TIES),
    ("std", lambda m, x: x.std(1), A),
    ("var", lambda m, x: x.var(0, correction=0), A),
    ("var_mean", lambda m, x: m.var_mean(x, 1)[0] + m.var_mean(x, 1)[1], A),
    ("std_mean", lambda m, x: m.std_mean(x)[0], A),
    ("norm", lambda m, x: x.norm(), ZEROS1),
    ("norm1", lambda m, x: x.norm(1, dim=1), ZEROS1),
    ("norm_inf", lambda m, x: x.norm(float("inf"), dim=1), TIES),
    ("norm_neg_inf", lambda m, x: x.norm(float("-inf")), ZEROS1),
    ("norm0_5", lambda m, x: x.norm(0.5, dim=1), ZEROS1),
    ("norm1_5", lambda m, x: x.norm(1.5, dim=1), ZEROS1),
    ("norm3", lambda m, x: x.norm(3, dim=0, keepdim=True), ZEROS1),
    ("norm_neg2", lambda m, x: x.norm(-2, dim=0), A),
    ("vector_norm", lambda m, x: m.linalg.vector_norm(x, 2, dim=(0, 1)), A),
    ("logsumexp", lambda m, x: x.logsumexp(1), A),
    ("cumsum", lambda m, x: x.cumsum(1), A),
    ("cumprod", lambda m, x: x.cumprod(1), A),
    ("cumprod_zeros", lambda m, x: x.cumprod(1), ZEROS2),
    ("cumprod_zeros_dim0", lambda m, x: x.cumprod(0), ZEROS2),
    ("prod_nan_and_zero", lambda m, x: x.prod(1), [[1.0, np.nan, 0.0], [2.0, 0.0, 0.0]]),
    ("cumprod_nan_and_zero", lambda m, x: x.cumprod(1),
     [[1.0, np.nan, 0.0, 2.0], [2.0, 0.0, np.nan, 2.0]]),
    ("cummax", lambda m, x: x.cummax(1)[0], TIES),
    ("cummin", lambda m, x: x.cummin(0)[0], TIES),
    ("logcumsumexp", lambda m, x: x.logcumsumexp(1), A),
    ("sort", lambda m, x: x.sort(1)[0], A),
    ("sort_stable", lambda m, x: x.sort(stable=True, dim=0, descending=True)[0], A),
    ("msort", lambda m, x: m.msort(x), A),
    ("topk", lambda m, x: x.topk(2)[0], A),
    ("kthvalue", lambda m, x: x.kthvalue(2, 0)[0], A),
    ("median", lambda m, x: x.median(), TIES),
    ("median_dim", lambda m, x: x.median(1)[0], D23),
    ("nanmedian", lambda m, x: x.nanmedian(), NANS),
    ("nanmedian_dim", lambda m, x: x.nanmedian(0, keepdim=True)[0], NANS),
    ("mode", lambda m, x: x.mode(1)[0], TIES),
]


@pytest.mark.parametrize("fn, data", [pytest.param(f, d, id=n) for n, f, d in TORCH_CASES])
def test_against_torch(fn, data):
    torch = pytest.importorskip("torch")
    x = leaf(data)
    xt = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    y, yt = fn(pyt, x), fn(torch, xt)
    assert y.grad_fn.name() == yt.grad_fn.name()
    seed = randn(*yt.shape, seed=2)
    y.backward(pyt.tensor(seed, dtype=y.dtype))
    yt.backward(torch.tensor(seed, dtype=yt.dtype))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-9)
