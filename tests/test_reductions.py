"""Reductions, scans and sorting: sum ... logsumexp, cumsum ... logcumsumexp, sort ...
unique, bincount, histc, searchsorted. Checked against NumPy on every dtype each op
supports and on contiguous, transposed, sliced, expanded, zero-size and 0-d inputs;
bit-identical results for 1 and 2 threads; torch's dtype rules, tie-breaking and error
messages where torch is installed."""
import math
import warnings

import numpy as np
import pytest

import pyt

DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
          pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
NAN = float("nan")
INF = float("inf")


def np_of(t):
    """A NumPy copy of any tensor (bfloat16 through float32)."""
    if t.dtype is pyt.bfloat16:
        t = t.float()
    return np.array(t.numpy(), copy=True)


def make(shape, dt, seed=0, low=-100, high=100):
    rng = np.random.default_rng(seed)
    if dt is pyt.bool:
        return pyt.tensor(rng.random(shape) > 0.5)
    if dt.is_floating_point:
        return pyt.tensor(np.round(rng.standard_normal(shape) * 10, 2), dtype=dt)
    return pyt.tensor(rng.integers(0 if dt is pyt.uint8 else low, high, shape), dtype=dt)


def layouts(dt, seed=0):
    """(name, tensor) of shape (4, 5, 6) in several memory layouts."""
    yield "contiguous", make((4, 5, 6), dt, seed)
    yield "transposed", make((6, 5, 4), dt, seed).permute(2, 1, 0)
    yield "sliced", make((8, 5, 13), dt, seed)[::2, :, 1::2]
    yield "expanded", make((4, 1, 6), dt, seed).expand(4, 5, 6)


def odd_shapes(dt):
    yield "zero-size", make((0, 5, 6), dt)
    yield "zero-size-inner", make((4, 5, 0), dt)
    yield "0-d", make((), dt)


def rtol(dt):
    return {pyt.float16: 2e-3, pyt.bfloat16: 1e-2, pyt.float32: 1e-5}.get(dt, 1e-12)


def close(got, want, dt, what=""):
    got = np_of(got) if isinstance(got, pyt.Tensor) else np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    if got.dtype.kind == "f" or want.dtype.kind == "f":
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                                   rtol=rtol(dt), atol=rtol(dt), equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


DIMS = [None, 0, 1, -1, (0, 2), (-1, 0, 1)]


def np_axis(dim):
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


def keep(a, x, dim, keepdim):
    """numpy result a reshaped like a keepdim reduction of x."""
    if not keepdim:
        return a
    dims = range(x.ndim) if dim is None else [d % x.ndim for d in (
        dim if isinstance(dim, (tuple, list)) else (dim,))]
    return np.asarray(a).reshape([1 if d in dims else s for d, s in enumerate(x.shape)])


# ----- sums, products, means ---------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.name)
def test_sum_every_dtype_and_layout(dt):
    acc = np.float64 if dt.is_floating_point else np.int64
    out_dt = dt if dt.is_floating_point else pyt.int64
    for name, x in list(layouts(dt)) + list(odd_shapes(dt)):
        a = np_of(x)
        for dim in DIMS if x.ndim == 3 else [None, 0, -1]:
            for keepdim in (False, True):
                for fn in ("sum", "nansum"):
                    got = getattr(pyt, fn)(x, dim, keepdim)
                    assert got.dtype is out_dt
                    want = keep(np.sum(a, axis=np_axis(dim) if x.ndim else None, dtype=acc),
                                a, dim if x.ndim else None, keepdim)
                    close(got, want, dt, f"{fn} {name} dim={dim} keepdim={keepdim}")


@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.name)
def test_prod(dt):
    acc = np.float64 if dt.is_floating_point else np.int64
    for name, x in list(layouts(dt)) + list(odd_shapes(dt)):
        if dt.is_floating_point:                        # modest values: no overflow
            x = x / 100 + 1
        a = np_of(x)
        for dim in [None, 0, -1] + ([1] if x.ndim == 3 else []):
            got = pyt.prod(x, dim) if dim is not None else pyt.prod(x)
            assert got.dtype is (dt if dt.is_floating_point else pyt.int64)
            want = np.prod(a.astype(acc), axis=dim if x.ndim else None)
            if dt.is_floating_point:
                np.testing.assert_allclose(np_of(got).astype(np.float64), want,
                                           rtol=rtol(dt) * 20, err_msg=name)
            else:
                close(got, want, dt, f"prod {name} {dim}")


def test_integer_sums_accumulate_in_int64():
    x = pyt.full((1000,), 100, dtype=pyt.int8)
    assert pyt.sum(x).item() == 100000
    assert pyt.tensor([200, 200], dtype=pyt.uint8).sum().item() == 400
    assert pyt.tensor([True, True, True]).sum().dtype is pyt.int64
    assert pyt.tensor([200, 200], dtype=pyt.int32).sum(dtype=pyt.uint8).item() == 144
    assert pyt.tensor([100, 100], dtype=pyt.int8).prod().item() == 10000
    big = pyt.full((3,), 2 ** 62, dtype=pyt.int64)
    assert big.sum().item() == (3 * 2 ** 62 + 2 ** 63) % 2 ** 64 - 2 ** 63   # wraps as int64


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_mean_and_nanmean(dt):
    for name, x in list(layouts(dt)) + list(odd_shapes(dt)):
        a = np_of(x).astype(np.float64)
        for dim in DIMS if x.ndim == 3 else [None, 0]:
            for keepdim in (False, True):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    want = keep(np.mean(a, axis=np_axis(dim) if x.ndim else None), a,
                                dim if x.ndim else None, keepdim)
                got = pyt.mean(x, dim, keepdim)
                assert got.dtype is dt
                close(got, want, dt, f"mean {name} {dim} {keepdim}")
    x = pyt.tensor([1.0, NAN, 3.0, NAN], dtype=dt)
    assert pyt.nanmean(x).item() == 2.0
    assert math.isnan(pyt.nanmean(pyt.tensor([NAN], dtype=dt)).item())
    assert pyt.nansum(x).item() == 4.0


def test_mean_of_integers():
    x = pyt.tensor([1, 2, 4])
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype. Input "
                                           r"dtype must be either a floating point or complex "
                                           r"dtype. Got: Long"):
        x.mean()
    assert abs(x.mean(dtype=pyt.float32).item() - 7 / 3) < 1e-6
    assert x.mean(dtype=pyt.float64).dtype is pyt.float64
    with pytest.raises(RuntimeError, match="Optional dtype must be either a floating point"):
        x.float().mean(dtype=pyt.int32)
    with pytest.raises(RuntimeError, match=r"nanmean\(\): expected input to have floating "
                                           r"point or complex dtype but got Long"):
        x.nanmean()


def test_sum_dtype_and_out():
    x = make((3, 4), pyt.int32)
    got = pyt.sum(x, 1, dtype=pyt.float64)
    assert got.dtype is pyt.float64
    close(got, np_of(x).sum(1).astype(np.float64), pyt.float64)
    out = pyt.empty(0)
    r = pyt.sum(make((3, 4), pyt.float32), 0, out=out)
    assert r is out and out.shape == (4,)
    out = pyt.empty(7, dtype=pyt.int64)                  # torch sums in out's dtype
    pyt.sum(pyt.ones(2, 3), 0, out=out)
    assert out.tolist() == [2, 2, 2]
    assert x.sum(dim=[]).item() == np_of(x).sum()        # an empty dim list: all dims
    assert x.sum((0, 1), keepdim=True).shape == (1, 1)
    assert x.sum(None, keepdim=True).shape == (1, 1)


def test_float32_sum_accuracy_against_numpy():
    rng = np.random.default_rng(5)
    a = (rng.random(10_000_000) * 2 - 0.5).astype(np.float32)
    exact = math.fsum(a.astype(np.float64))
    ours = pyt.from_numpy(a).sum().item()
    theirs = float(a.sum())
    assert abs(ours - exact) <= max(abs(theirs - exact), abs(exact) * 2 ** -24)
    b = a.reshape(1000, 10000)
    for dim in (0, 1):
        exact = b.astype(np.float64).sum(dim)
        ours = np_of(pyt.from_numpy(b).sum(dim)).astype(np.float64)
        theirs = b.sum(dim).astype(np.float64)
        assert np.abs(ours - exact).max() <= np.abs(theirs - exact).max() + 1e-12
        np.testing.assert_allclose(ours, exact, rtol=2 ** -23)


# ----- max, min, arg ---------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.name)
def test_amax_amin_max_min(dt):
    for name, x in layouts(dt):
        a = np_of(x)
        for dim in DIMS:
            for keepdim in (False, True):
                for fn, ref in (("amax", np.max), ("amin", np.min)):
                    got = getattr(pyt, fn)(x, () if dim is None else dim, keepdim)
                    assert got.dtype is dt
                    close(got, keep(ref(a, axis=np_axis(dim)), a, dim, keepdim), dt,
                          f"{fn} {name} {dim}")
        assert pyt.max(x).item() == np_of(pyt.max(x)).item() == a.max()
        assert pyt.min(x).item() == a.min()
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                for fn, ref, arg in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
                    values, indices = getattr(pyt, fn)(x, dim, keepdim)
                    assert values.dtype is dt and indices.dtype is pyt.int64
                    close(values, keep(ref(a, axis=dim), a, dim, keepdim), dt)
                    close(indices, keep(arg(a, axis=dim), a, dim, keepdim), dt,
                          f"{fn} indices {name} {dim}")


@pytest.mark.parametrize("dt", [d for d in DTYPES if d is not pyt.bool], ids=lambda d: d.name)
def test_argmax_argmin(dt):
    for name, x in layouts(dt):
        a = np_of(x)
        close(pyt.argmax(x), np.argmax(a), dt, name)      # index into the flattened input
        close(pyt.argmin(x), np.argmin(a), dt, name)
        assert pyt.argmax(x, keepdim=True).shape == (1, 1, 1)
        for dim in (0, 1, 2, -1):
            for keepdim in (False, True):
                close(pyt.argmax(x, dim, keepdim), keep(np.argmax(a, axis=dim), a, dim, keepdim),
                      dt, f"{name} {dim}")
                close(x.argmin(dim, keepdim), keep(np.argmin(a, axis=dim), a, dim, keepdim), dt)


def test_max_nan_propagation_and_first_index():
    x = pyt.tensor([1.0, NAN, 3.0, NAN, 3.0])
    assert math.isnan(x.max().item()) and math.isnan(x.amin().item())
    assert x.argmax().item() == 1 and x.argmin().item() == 1
    v, i = x.max(0)
    assert math.isnan(v.item()) and i.item() == 1
    y = pyt.tensor([[3.0, 1.0], [3.0, 1.0], [1.0, 5.0]])
    assert y.max(0).indices.tolist() == [0, 2]
    assert y.argmin(0).tolist() == [2, 0]
    z = pyt.tensor([-INF, -INF])
    assert z.argmax().item() == 0 and z.max(0).indices.item() == 0
    assert pyt.tensor([INF, INF]).argmin().item() == 0


def test_aminmax():
    x = make((4, 5), pyt.int16)
    lo, hi = pyt.aminmax(x)
    assert lo.item() == np_of(x).min() and hi.item() == np_of(x).max()
    r = x.aminmax(dim=1, keepdim=True)
    assert r.min.shape == (4, 1)
    close(r.max, np_of(x).max(1, keepdims=True), pyt.int16)


def test_max_of_two_tensors_delegates_or_explains():
    a, b = pyt.tensor([1, 5]), pyt.tensor([3, 2])
    if hasattr(pyt, "maximum"):
        assert pyt.max(a, b).tolist() == [3, 5]
    else:
        with pytest.raises(NotImplementedError, match="maximum"):
            pyt.max(a, b)


# ----- logical reductions ----------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.name)
def test_all_any_count_nonzero(dt):
    for name, x in list(layouts(dt)) + list(odd_shapes(dt)):
        x = x if dt is pyt.bool else x * (x > 0) if dt.is_floating_point else x
        a = np_of(x)
        out_dt = pyt.uint8 if dt is pyt.uint8 else pyt.bool
        for dim in [None, 0, -1] + ([(0, 2)] if x.ndim == 3 else []):
            for keepdim in (False, True):
                ax = np_axis(dim) if x.ndim else None
                for fn, ref in (("all", np.all), ("any", np.any)):
                    got = getattr(pyt, fn)(x, dim, keepdim)
                    assert got.dtype is out_dt
                    close(got, keep(ref(a, axis=ax), a, dim if x.ndim else None, keepdim)
                          .astype(np.uint8 if dt is pyt.uint8 else bool), dt, f"{fn} {name}")
            got = pyt.count_nonzero(x, dim)
            assert got.dtype is pyt.int64
            close(got, np.count_nonzero(a, axis=ax), dt)
    assert pyt.tensor([NAN]).all().item() is True
    x = pyt.tensor([[0, 1], [2, 0]])
    assert x.all(dim=()).tolist() == [[False, True], [True, False]]   # reduces nothing
    assert x.count_nonzero(dim=()).item() == 2                         # reduces everything


# ----- var, std, norms, logsumexp ------------------------------------------------------------------

@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_var_std(dt):
    for name, x in layouts(dt):
        a = np_of(x).astype(np.float64)
        for dim in DIMS:
            for correction in (0, 1, 2):
                for keepdim in (False, True):
                    ax = np_axis(dim)
                    v = pyt.var(x, dim, keepdim=keepdim, correction=correction)
                    assert v.dtype is dt
                    close(v, keep(np.var(a, axis=ax, ddof=correction), a, dim, keepdim), dt,
                          f"var {name} {dim}")
                    close(x.std(dim, keepdim=keepdim, correction=correction),
                          keep(np.std(a, axis=ax, ddof=correction), a, dim, keepdim), dt)
        close(pyt.var(x, 1, False), np.var(a, axis=1), dt)            # var(x, dim, unbiased)
        close(pyt.var(x, unbiased=False), np.var(a), dt)
        close(pyt.var(x, False), np.var(a), dt)                       # var(x, unbiased)
        s, m = pyt.std_mean(x, 1)
        close(s, np.std(a, axis=1, ddof=1), dt)
        close(m, np.mean(a, axis=1), dt)
        v, m = pyt.var_mean(x, (0, 2), keepdim=True)
        close(v, np.var(a, axis=(0, 2), ddof=1, keepdims=True), dt)
        assert type(pyt.var_mean(x)) is tuple


def test_var_degrees_of_freedom_and_errors():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert math.isnan(pyt.tensor([1.0]).var().item())
    with pytest.warns(UserWarning):
        assert math.isnan(pyt.empty(0, 3).var(0)[0].item())
    with pytest.raises(RuntimeError, match="std and var only support floating point and "
                                           "complex dtypes"):
        pyt.tensor([1, 2]).std()


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_norms(dt):
    for name, x in list(layouts(dt)) + [("0-d", make((), dt))]:
        a = np_of(x).astype(np.float64)
        for dim in ([None, 0, -1, (0, 2)] if x.ndim else [None]):
            ax = np_axis(dim)
            for p in (0, 1, 2, 3, 0.5, INF, -INF, -1):
                want = (np.count_nonzero(a, axis=ax) if p == 0 else
                        np.max(np.abs(a), axis=ax) if p == INF else
                        np.min(np.abs(a), axis=ax) if p == -INF else
                        np.sum(np.abs(a) ** p, axis=ax) ** (1 / p))
                with np.errstate(divide="ignore", over="ignore"):
                    got = pyt.linalg.vector_norm(x, p, dim)
                    if dt is pyt.float16:                   # what float16 can hold
                        want = np.asarray(want).astype(np.float16)
                assert got.dtype is dt
                close(got, want, dt, f"vector_norm {name} p={p} dim={dim}")
            close(pyt.norm(x, dim=dim), np.sqrt(np.sum(a * a, axis=ax)), dt)
            close(x.norm(1, dim, keepdim=True), keep(np.abs(a).sum(axis=ax), a, dim, True), dt)
    x = make((3, 4), dt)
    assert pyt.norm(x, dtype=pyt.float64).dtype is pyt.float64
    assert pyt.linalg.vector_norm(pyt.empty(0, dtype=dt)).item() == 0


def test_norm_errors():
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point or "
                                           "complex tensor as input. Got Long"):
        pyt.norm(pyt.tensor([3, 4]))
    with pytest.raises(RuntimeError, match="cannot compute the inf norm on an empty tensor"):
        pyt.linalg.vector_norm(pyt.empty(0), INF)
    with pytest.raises(RuntimeError, match="cannot compute the -1 norm on the dimension 0"):
        pyt.linalg.vector_norm(pyt.empty(0, 3), -1, dim=0)
    with pytest.raises(RuntimeError, match="should be convertible without narrowing"):
        pyt.linalg.vector_norm(pyt.ones(3), dtype=pyt.float16)
    with pytest.raises(TypeError, match="must be Number, not str"):
        pyt.linalg.vector_norm(pyt.ones(3), "fro")
    with pytest.raises(RuntimeError, match="Order abc not supported"):
        pyt.norm(pyt.ones(3), "abc")
    with pytest.raises(RuntimeError, match="dim must be a 2-tuple"):
        pyt.norm(pyt.ones(2, 2, 2), "fro", dim=(0, 1, 2))


@pytest.mark.parametrize("dt", FLOATS + [pyt.int64], ids=lambda d: d.name)
def test_logsumexp(dt):
    for name, x in layouts(dt):
        a = np_of(x).astype(np.float64)
        for dim in (0, -1, (0, 1)):
            for keepdim in (False, True):
                m = np.max(a, axis=np_axis(dim), keepdims=True)
                want = np.log(np.sum(np.exp(a - m), axis=np_axis(dim), keepdims=True)) + m
                if not keepdim:
                    want = np.squeeze(want, axis=np_axis(dim))
                got = pyt.logsumexp(x, dim, keepdim)
                assert got.dtype is (dt if dt.is_floating_point else pyt.float32)
                close(got, want, dt if dt.is_floating_point else pyt.float32, name)
    got = pyt.logsumexp(pyt.tensor([[1.0, INF], [-INF, -INF], [1.0, NAN]]), 1)
    assert got[0].item() == INF and got[1].item() == -INF and math.isnan(got[2].item())
    assert pyt.logsumexp(pyt.empty(0, 3), 0).tolist() == [-INF] * 3
    assert abs(pyt.logsumexp(pyt.tensor([1000.0, 1000.0]), 0).item() - 1000.6931) < 1e-3


# ----- scans ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.name)
def test_cumsum_cumprod(dt):
    acc = np.float64 if dt.is_floating_point else np.int64
    out_dt = dt if dt.is_floating_point else pyt.int64
    for name, x in list(layouts(dt)) + list(odd_shapes(dt)):
        a = np_of(x)
        for dim in ([0, 1, -1] if x.ndim else [0, -1]):
            got = pyt.cumsum(x, dim)
            assert got.dtype is out_dt and got.shape == x.shape
            close(got, np.cumsum(a, axis=dim if x.ndim else None, dtype=acc).reshape(a.shape),
                  dt, f"cumsum {name} {dim}")
            small = x if not dt.is_floating_point else x / 20 + 1
            got = pyt.cumprod(small, dim)
            want = np.cumprod(np_of(small).astype(acc), axis=dim if x.ndim else None)
            if dt.is_floating_point:
                np.testing.assert_allclose(np_of(got).astype(np.float64),
                                           want.reshape(a.shape), rtol=rtol(dt) * 20)
            else:
                close(got, want.reshape(a.shape), dt)
    x = make((3, 4), pyt.int8)
    y = x.clone()
    assert y.cumsum_(1) is y and y.dtype is pyt.int8
    close(y, np.cumsum(np_of(x), 1).astype(np.int8), pyt.int8)
    assert pyt.cumsum(x, 0, dtype=pyt.float32).dtype is pyt.float32


@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.name)
def test_cummax_cummin(dt):
    for name, x in list(layouts(dt)) + list(odd_shapes(dt)):
        a = np_of(x)
        for dim in ([0, 2, -1] if x.ndim else [0]):
            for fn, better in (("cummax", np.greater_equal), ("cummin", np.less_equal)):
                values, indices = getattr(pyt, fn)(x, dim)
                assert values.dtype is dt and indices.dtype is pyt.int64
                # reference: a later equal value takes over (torch)
                moved = np.moveaxis(a, dim, 0) if a.ndim else a.reshape(1)
                v = moved.copy()
                ix = np.zeros(moved.shape, np.int64)
                for i in range(1, moved.shape[0]):
                    take = better(moved[i], v[i - 1])
                    v[i] = np.where(take, moved[i], v[i - 1])
                    ix[i] = np.where(take, i, ix[i - 1])
                back = (lambda t: np.moveaxis(t, 0, dim)) if a.ndim else (lambda t: t.reshape(()))
                close(values, back(v), dt, f"{fn} {name}")
                close(indices, back(ix), dt, f"{fn} indices {name}")
    v, i = pyt.tensor([1.0, 3.0, 2.0, 3.0, NAN, 5.0, NAN]).cummax(0)
    assert i.tolist() == [0, 1, 1, 3, 4, 4, 6]
    assert math.isnan(v[5].item())


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_logcumsumexp(dt):
    x = make((4, 5), dt) / 5
    a = np_of(x).astype(np.float64)
    close(pyt.logcumsumexp(x, 1), np.logaddexp.accumulate(a, axis=1), dt)
    close(x.t().logcumsumexp(0), np.logaddexp.accumulate(a.T, axis=0), dt)
    got = pyt.tensor([1.0, -INF, INF, 2.0]).logcumsumexp(0)
    assert got.tolist() == [1.0, 1.0, INF, INF]
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        pyt.tensor([1, 2]).logcumsumexp(0)


# ----- sorting and selection --------------------------------------------------------------------

def stable_order(a, descending):
    """Indices of a stable sort with torch's order (NaN largest, -0.0 == 0.0)."""
    keys = [(1, 0.0) if isinstance(v, float) and math.isnan(v) else (0, v) for v in a.tolist()]
    return sorted(range(len(keys)), key=lambda i: keys[i], reverse=False) if not descending \
        else sorted(range(len(keys)), key=lambda i: keys[i], reverse=True)


@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.name)
def test_sort_argsort(dt):
    for name, x in list(layouts(dt)) + list(odd_shapes(dt)):
        a = np_of(x)
        for dim in ([0, 1, -1] if x.ndim else [0]):
            values, indices = pyt.sort(x, dim)
            close(values, np.sort(a, axis=dim if a.ndim else None, kind="stable")
                  .reshape(a.shape), dt, f"sort {name}")
            close(indices, np.argsort(a, axis=dim if a.ndim else None, kind="stable")
                  .reshape(a.shape), dt, f"argsort {name}")
            close(pyt.argsort(x, dim), np_of(indices), dt)
            down_v, down_i = x.sort(dim, descending=True, stable=True)
            if a.ndim:
                close(down_v, np.flip(np.sort(np.flip(a, dim), axis=dim, kind="stable"), dim),
                      dt, f"descending {name}")
                # gathered values agree with the indices
                close(np.take_along_axis(a, np_of(down_i), dim), np_of(down_v), dt)
    assert pyt.msort(make((4, 3), dt)).shape == (4, 3)


def test_sort_nan_signed_zero_and_stability():
    x = pyt.tensor([1.0, NAN, -0.0, 0.0, -INF, INF, NAN, 1.0])
    v, i = x.sort()
    assert i.tolist() == [4, 2, 3, 0, 7, 5, 1, 6]
    assert math.copysign(1, v[1].item()) == -1                     # -0.0 kept, in place
    v, i = x.sort(descending=True)
    assert i.tolist() == [1, 6, 5, 0, 7, 2, 3, 4]
    assert pyt.tensor([2, 1, 2, 1]).argsort(descending=True).tolist() == [0, 2, 1, 3]
    big = make((5000,), pyt.int16, low=-5, high=5)                   # radix sort path
    assert pyt.argsort(big).tolist() == np.argsort(np_of(big), kind="stable").tolist()
    fl = pyt.tensor(np.random.default_rng(0).standard_normal(3000).astype(np.float32))
    fl[::7] = NAN
    assert pyt.argsort(fl, descending=True).tolist() == stable_order(np_of(fl), True)


@pytest.mark.parametrize("dt", [d for d in DTYPES if d is not pyt.bool], ids=lambda d: d.name)
def test_topk_kthvalue_median_mode(dt):
    for name, x in list(layouts(dt)) + [("0-d", make((), dt))]:
        a = np_of(x)
        for dim in ([0, 1, -1] if x.ndim else [0]):
            ax = dim if a.ndim else None
            n = a.shape[dim] if a.ndim else 1
            srt = np.sort(a, axis=ax).reshape(a.shape) if a.ndim else a
            for k in {1, min(3, n), n}:
                v, i = pyt.topk(x, k, dim)
                want = np.flip(srt, ax).take(range(k), axis=ax) if a.ndim else a
                close(v, want, dt, f"topk {name}")
                if a.ndim:
                    close(np.take_along_axis(a, np_of(i), dim), np_of(v), dt)
                v, i = pyt.topk(x, k, dim, largest=False)
                close(v, srt.take(range(k), axis=ax) if a.ndim else a, dt)
                for keepdim in (False, True):
                    v, i = pyt.kthvalue(x, k, dim, keepdim)
                    close(v, keep(srt.take(k - 1, axis=ax) if a.ndim else a, a, dim, keepdim)
                          if a.ndim else a, dt, f"kthvalue {name}")
                    if a.ndim:
                        ii = np_of(i) if keepdim else np.expand_dims(np_of(i), dim)
                        close(np.take_along_axis(a, ii, dim), np_of(v).reshape(ii.shape), dt)
            v, i = pyt.median(x, dim)
            close(v, srt.take((n - 1) // 2, axis=ax) if a.ndim else a, dt, f"median {name}")
            v, i = pyt.mode(x, dim)
            if a.ndim:
                ref = np.apply_along_axis(
                    lambda r: sorted(set(r.tolist()), key=lambda u: (-list(r).count(u), u))[0],
                    dim, a)
                close(v, ref, dt, f"mode {name}")
                close(np.take_along_axis(a, np.expand_dims(np_of(i), dim), dim),
                      np.expand_dims(np_of(v), dim), dt)
        close(pyt.median(x), np.sort(a.ravel())[(a.size - 1) // 2], dt)


def test_median_nan_and_nanmedian():
    x = pyt.tensor([1.0, NAN, 2.0, 0.0])
    v, i = x.median(0)
    assert math.isnan(v.item()) and i.item() == 1
    assert math.isnan(x.median().item())
    assert x.nanmedian().item() == 1.0
    v, i = pyt.tensor([NAN, NAN]).nanmedian(0)
    assert math.isnan(v.item()) and i.item() == 0
    assert pyt.tensor([4.0, 1.0, 3.0, 2.0]).median().item() == 2.0     # the lower median
    assert math.isnan(pyt.empty(0).median().item())


def test_mode_ties_pick_smallest_value_and_last_index():
    v, i = pyt.tensor([3, 1, 2, 1, 3, 0]).mode()
    assert (v.item(), i.item()) == (1, 3)
    v, i = pyt.tensor([[1, 2, 2], [3, 3, 1]]).mode(1)
    assert v.tolist() == [2, 3] and i.tolist() == [2, 1]


def test_sort_family_errors():
    x = pyt.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        x.topk(3)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        x.topk(-1)
    assert x.topk(0).values.shape == (0,)
    with pytest.raises(RuntimeError, match=r"kthvalue\(\): selected number k out of range for "
                                           r"dimension 0"):
        x.kthvalue(3)
    with pytest.raises(IndexError, match=r"kthvalue\(\): Expected reduction dim 0 to have "
                                         r"non-zero size."):
        pyt.empty(0, 3).kthvalue(1, 0)
    with pytest.raises(IndexError, match=r"median\(\): Expected reduction dim 0"):
        pyt.empty(0, 3).median(0)
    with pytest.raises(IndexError, match=r"mode\(\): Expected reduction dim 0"):
        pyt.empty(0, 3).mode(0)
    with pytest.raises(RuntimeError, match="topk does not support bool dtypes on CPU"):
        pyt.tensor([True, False]).topk(1)
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        pyt.tensor([True, False]).median(0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sort(1)
    with pytest.raises(TypeError):
        x.topk(1.5)


# ----- unique -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.name)
def test_unique(dt):
    for name, x in list(layouts(dt)) + list(odd_shapes(dt)):
        if not (dt is pyt.bool or dt.is_floating_point):      # many repeats
            x = pyt.tensor(np_of(x) % 7, dtype=dt)
        a = np_of(x)
        values, inverse, counts = pyt.unique(x, return_inverse=True, return_counts=True)
        u, inv, cnt = np.unique(a, return_inverse=True, return_counts=True)
        close(values, u, dt, f"unique {name}")
        close(inverse, inv.reshape(a.shape), dt)
        close(counts, cnt, dt)
        assert pyt.unique(x).dtype is dt
        if a.ndim and a.size:
            for dim in (0, 1):
                v, inv, cnt = pyt.unique(x, dim=dim, return_inverse=True, return_counts=True)
                u, iv, ct = np.unique(a, axis=dim, return_inverse=True, return_counts=True)
                close(v, u, dt, f"unique dim {name}")
                close(inv, iv.ravel(), dt)
                close(cnt, ct, dt)
    x = pyt.tensor([3.0, NAN, 1.0, NAN])
    assert pyt.unique(x).shape == (4,)                        # NaNs stay distinct, as in torch


def test_unique_consecutive():
    x = pyt.tensor([1, 1, 2, 2, 3, 1, 1])
    v, inv, cnt = pyt.unique_consecutive(x, return_inverse=True, return_counts=True)
    assert v.tolist() == [1, 2, 3, 1] and inv.tolist() == [0, 0, 1, 1, 2, 3, 3]
    assert cnt.tolist() == [2, 2, 1, 2]
    v, cnt = pyt.tensor([[1, 1], [1, 1], [2, 3]]).unique_consecutive(return_counts=True, dim=0)
    assert v.tolist() == [[1, 1], [2, 3]] and cnt.tolist() == [2, 1]
    v, inv = pyt.tensor([[1, 1], [2, 2]]).unique_consecutive(return_inverse=True)
    assert inv.tolist() == [[0, 0], [1, 1]]
    with pytest.raises(RuntimeError, match="There are 0 sized dimensions"):
        pyt.unique(pyt.empty(3, 0), dim=0)
    assert pyt.unique(pyt.empty(0, 3), dim=0).shape == (0, 3)


# ----- bincount, histc, searchsorted --------------------------------------------------------------

def test_bincount():
    for dt in (pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64):
        x = make((50,), dt, low=0, high=20)
        close(pyt.bincount(x), np.bincount(np_of(x)), dt)
        close(x.bincount(minlength=40), np.bincount(np_of(x), minlength=40), dt)
    x = pyt.tensor([0, 2, 2, 5])
    w = pyt.tensor([1.0, 2.0, 3.0, 4.0])
    got = pyt.bincount(x, w)
    assert got.dtype is pyt.float32 and got.tolist() == [1, 0, 5, 0, 0, 4]
    assert pyt.bincount(x, w.double()).dtype is pyt.float64
    assert pyt.bincount(x, pyt.tensor([1, 2, 3, 4])).dtype is pyt.float64
    assert pyt.bincount(pyt.tensor([], dtype=pyt.int64)).shape == (0,)
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral"):
        pyt.bincount(pyt.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral"):
        pyt.bincount(pyt.tensor([[1, 2]]))
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
        pyt.bincount(pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="weights should be 1-d and have the same length"):
        pyt.bincount(x, pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="minlength should be >= 0"):
        pyt.bincount(x, minlength=-1)


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_histc(dt):
    x = make((200,), dt)
    got = pyt.histc(x, bins=7, min=-10, max=10)
    assert got.dtype is dt
    a = np_of(x)
    # NumPy bins in float64; pyt, as torch, in the input's type, which can move a half
    # or bfloat16 value that sits by an edge (test_histc_bins_in_the_input_type_like_torch)
    compare = close if dt in (pyt.float32, pyt.float64) else \
        (lambda g, w, d: np.testing.assert_allclose(np_of(g).sum(), w.sum()))
    want, _ = np.histogram(a, bins=7, range=(-10, 10))
    compare(got, want, dt)
    want, _ = np.histogram(a, bins=5, range=(a.min(), a.max()))
    compare(x.histc(5), want, dt)                                     # range from the data
    assert pyt.histc(pyt.tensor([2.0, 2.0], dtype=dt), bins=4).tolist() == [0, 0, 2, 0]
    assert pyt.histc(pyt.tensor([1.0, NAN], dtype=dt), 4, 0, 3).tolist() == [0, 1, 0, 0]


@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_histc_bins_in_the_input_type_like_torch(dt):
    """torch computes (v - lo) * bins / (hi - lo) in the input's type: values on the bin
    edges (0.7 in float32 is 7.0000005 tenths) land where torch puts them."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for trial in range(40):
        bins = int(rng.integers(1, 40))
        values = np.round(rng.uniform(-0.2, 1.2, 100) * bins) / bins
        x = pyt.tensor(values).to(dt)
        want = torch.histc(torch.tensor(values).to(getattr(torch, dt.name)), bins, 0, 1)
        assert pyt.histc(x, bins, 0, 1).double().tolist() == want.double().tolist()
    values = [0.1, 0.2, 0.3, 0.7, 0.9, 1.0]
    want = torch.histc(torch.tensor(values).to(getattr(torch, dt.name)), 10, 0, 1)
    assert pyt.histc(pyt.tensor(values).to(dt), 10, 0, 1).double().tolist() == \
        want.double().tolist()


def test_histc_errors():
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        pyt.histc(pyt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        pyt.histc(pyt.tensor([1.0]), 4, 3, 1)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        pyt.histc(pyt.tensor([1.0]), 0)
    with pytest.raises(RuntimeError, match=r"range of \[1, inf\] is not finite"):
        pyt.histc(pyt.tensor([1.0, INF]))


@pytest.mark.parametrize("dt", [d for d in DTYPES if d is not pyt.bool], ids=lambda d: d.name)
def test_searchsorted_bucketize(dt):
    seq = pyt.tensor(np.sort(np_of(make((20,), dt))), dtype=dt)
    vals = make((3, 4), dt, seed=3)
    for right in (False, True):
        want = np.searchsorted(np_of(seq), np_of(vals), side="right" if right else "left")
        close(pyt.searchsorted(seq, vals, right=right), want, dt)
        close(pyt.searchsorted(seq, vals, side="right" if right else "left"), want, dt)
        close(pyt.bucketize(vals, seq, right=right), want, dt)
    got = pyt.searchsorted(seq, vals, out_int32=True)
    assert got.dtype is pyt.int32


def test_searchsorted_batched_sorter_and_errors():
    seq = pyt.tensor([[1, 3, 5, 7], [2, 4, 6, 8]])
    assert pyt.searchsorted(seq, pyt.tensor([[3, 6], [1, 9]])).tolist() == [[1, 3], [0, 4]]
    assert pyt.searchsorted(pyt.tensor([5, 1, 3]), pyt.tensor([2, 4]),
                            sorter=pyt.tensor([1, 2, 0])).tolist() == [1, 2]
    assert pyt.searchsorted(pyt.tensor([1, 3, 5]), 4).item() == 2
    assert pyt.searchsorted(pyt.tensor([1.0, 3.0, NAN]), pyt.tensor([NAN, 2.0])).tolist() == [3, 1]
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        pyt.searchsorted(seq[0], pyt.tensor([1]), side="left", right=True)
    with pytest.raises(RuntimeError, match="side can only be 'left' or 'right'"):
        pyt.searchsorted(seq[0], pyt.tensor([1]), side="middle")
    with pytest.raises(RuntimeError, match="first N-1 dimensions of boundaries tensor and input"):
        pyt.searchsorted(seq, pyt.tensor([[2], [3], [4]]))
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        pyt.searchsorted(seq[0], pyt.tensor([1]), sorter=pyt.tensor([0, 1, 2, 9]))
    with pytest.raises(RuntimeError, match="boundary and sorter must have the same size"):
        pyt.searchsorted(seq[0], pyt.tensor([1]), sorter=pyt.tensor([0]))
    with pytest.raises(RuntimeError, match="should have positive dimension"):
        pyt.searchsorted(pyt.tensor(1), pyt.tensor([1]))
    with pytest.raises(RuntimeError, match=r"boundaries tensor must be 1 dimension, but got dim\(2\)"):
        pyt.bucketize(pyt.tensor([1]), seq)


# ----- errors shared by the reductions -------------------------------------------------------------

def test_reduction_errors():
    x = pyt.ones(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        x.sum(2)
    with pytest.raises(IndexError):
        x.amax(-3)
    with pytest.raises(IndexError):
        pyt.cumsum(x, 5)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        x.sum((0, -2))
    with pytest.raises(TypeError):
        x.sum(0.5)
    with pytest.raises(TypeError):
        pyt.sum([1, 2])
    with pytest.raises(TypeError):
        x.prod((0, 1))
    with pytest.raises(TypeError):
        x.argmax((0, 1))
    e = pyt.empty(0, 3)
    assert e.sum(0).tolist() == [0, 0, 0] and e.prod(0).tolist() == [1, 1, 1]
    assert e.sum().item() == 0 and e.any().item() is False and e.all(0).tolist() == [True] * 3
    assert all(math.isnan(v) for v in e.mean(0).tolist())
    assert e.max(1).values.shape == (0,)
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified for "
                                           r"input.numel\(\) == 0. Specify the reduction dim "
                                           r"with the 'dim' argument."):
        e.max()
    with pytest.raises(IndexError, match=r"max\(\): Expected reduction dim 0 to have non-zero "
                                         r"size."):
        e.max(0)
    with pytest.raises(IndexError, match=r"amax\(\): Expected reduction dim 0 to have non-zero"):
        e.amax(0)
    with pytest.raises(RuntimeError, match=r"amin\(\): Expected reduction dim to be specified"):
        e.amin()
    with pytest.raises(IndexError, match=r"argmax\(\): Expected reduction dim to be specified "
                                         r"for input.numel\(\) == 0."):
        e.argmax()
    with pytest.raises(IndexError, match=r"argmin\(\): Expected reduction dim 0"):
        e.argmin(0)
    with pytest.raises(RuntimeError, match=r"aminmax\(\): cannot compute aminmax over an empty "
                                           r"dimension"):
        e.aminmax()
    with pytest.raises(IndexError, match="aminmax: Expected reduction dim 0 to have non-zero"):
        pyt.aminmax(e, dim=0)
    with pytest.raises(RuntimeError, match=r"argmax\(\): does not support bool input"):
        pyt.tensor([True]).argmax()


def test_zero_d_inputs():
    s = pyt.tensor(5.0)
    for fn in (pyt.sum, pyt.amax, pyt.mean, pyt.prod):
        assert fn(s, 0).item() == 5.0 and fn(s, -1).shape == ()
    v, i = s.max(0)
    assert v.item() == 5.0 and i.item() == 0
    assert s.argmax(0).item() == 0 and s.cumsum(0).item() == 5.0
    assert s.sort().values.item() == 5.0 and s.topk(1).indices.item() == 0
    assert s.kthvalue(1).values.item() == 5.0 and s.median(0).values.item() == 5.0
    with pytest.raises(IndexError):
        s.sum(1)


def test_many_dims():
    x = make((2,) * 10, pyt.float64)
    a = np_of(x)
    close(x.sum((1, 3, 5, 7, 9)), a.sum((1, 3, 5, 7, 9)), pyt.float64)
    close(x.amax(9), a.max(9), pyt.float64)
    close(x.argmax(4), a.argmax(4), pyt.float64)
    close(x.sort(6).values, np.sort(a, 6), pyt.float64)


def test_tensor_methods_and_return_types():
    x = make((3, 4), pyt.float32)
    r = x.max(1)
    assert isinstance(r, pyt.return_types.max) and isinstance(r, tuple)
    values, indices = r
    assert r.values is values and r[1] is indices
    assert "pyt.return_types.max(\nvalues=" in repr(r)
    assert type(x.sort()).__name__ == "sort" and type(x.topk(2)).__name__ == "topk"
    assert x.kthvalue(1)._fields == ("values", "indices")
    assert pyt.aminmax(x)._fields == ("min", "max")
    import pickle
    assert pickle.loads(pickle.dumps(pyt.return_types.max((1, 2)))) == (1, 2)
    for m in ("sum", "nansum", "mean", "prod", "amax", "amin", "argmax", "argmin", "all", "any",
              "std", "var", "norm", "count_nonzero", "median", "nanmedian", "msort", "unique"):
        getattr(x, m)()
    for m in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "logsumexp", "sort",
              "argsort", "mode"):
        getattr(x, m)(1)
    assert x.histc(4).shape == (4,)
    out_v, out_i = pyt.empty(0), pyt.empty(0, dtype=pyt.int64)
    r = pyt.max(x, 1, out=(out_v, out_i))
    assert r.values is out_v and out_i.shape == (3,)
    with pytest.raises(RuntimeError, match="Expected out tensor to have dtype"):
        pyt.argmax(x, 1, out=pyt.empty(3))


# ----- determinism --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4000, 1000), (5, 400_000), (300_000, 6), (2, 700, 900)])
def test_bit_identical_for_one_and_two_threads(shape):
    rng = np.random.default_rng(11)
    x = pyt.from_numpy((rng.standard_normal(shape) * 100).astype(np.float32))
    before = pyt.get_num_threads()
    ops = [("sum", lambda t, d: t.sum(d)), ("mean", lambda t, d: t.mean(d)),
           ("var", lambda t, d: t.var(d)), ("norm", lambda t, d: t.norm(dim=d)),
           ("max", lambda t, d: t.amax(() if d is None else d)),
           ("argmax", lambda t, d: t.argmax(d)),
           ("logsumexp", lambda t, d: t.logsumexp(tuple(range(t.ndim)) if d is None else d)),
           ("sum64", lambda t, d: t.double().sum(d)), ("isum", lambda t, d: t.int().sum(d))]
    results = {}
    try:
        for n in (1, 2):
            pyt.set_num_threads(n)
            for dim in [None] + list(range(x.ndim)):
                for name, op in ops:
                    results.setdefault((name, dim), []).append(np_of(op(x, dim)).tobytes())
                    if dim is not None and name == "sum":
                        results.setdefault(("cumsum", dim), []).append(
                            np_of(x.cumsum(dim)).tobytes())
            results.setdefault(("transposed", 0), []).append(np_of(x.transpose(0, -1).sum(0))
                                                              .tobytes())
    finally:
        pyt.set_num_threads(before)
    for key, (one, two) in results.items():
        assert one == two, key


# ----- torch: dtype rules, ties, messages -----------------------------------------------------------

def test_against_torch_dtype_rules_and_ties():
    torch = pytest.importorskip("torch")
    tdt = {pyt.bool: torch.bool, pyt.uint8: torch.uint8, pyt.int8: torch.int8,
           pyt.int16: torch.int16, pyt.int32: torch.int32, pyt.int64: torch.int64,
           pyt.float16: torch.float16, pyt.bfloat16: torch.bfloat16,
           pyt.float32: torch.float32, pyt.float64: torch.float64}
    name_of = {v: k for k, v in tdt.items()}
    cases = [("sum", ()), ("nansum", ()), ("prod", ()), ("amax", ()), ("amin", ()), ("all", ()),
             ("any", ()), ("count_nonzero", ()), ("cumsum", (0,)), ("cumprod", (0,)),
             ("max", (0,)), ("cummax", (0,)), ("sort", (0,)), ("argsort", (0,)),
             ("unique", ()), ("mode", (0,)), ("mean", ()), ("var", ()), ("std", ()),
             ("norm", ()), ("logsumexp", (0,)), ("median", ()), ("kthvalue", (1, 0)),
             ("topk", (1,)), ("argmax", ())]
    for dt in DTYPES:
        p = make((6,), dt, low=0, high=3)
        t = torch.from_numpy(np_of(p)).to(tdt[dt])
        for name, args in cases:
            try:
                want = getattr(torch, name)(t, *args)
            except Exception as e:                      # the same kind of refusal
                with pytest.raises(type(e)):
                    getattr(pyt, name)(p, *args)
                continue
            got = getattr(pyt, name)(p, *args)
            want = want if isinstance(want, tuple) else (want,)
            got = got if isinstance(got, tuple) else (got,)
            for g, w in zip(got, want):
                assert g.dtype is name_of[w.dtype], (name, dt)
                if name not in ("median", "kthvalue", "mode", "topk") or g.dtype.is_floating_point \
                        or g is got[0]:
                    np.testing.assert_allclose(np_of(g).astype(np.float64),
                                               w.double().numpy(), rtol=1e-2, err_msg=name)
    # tie-breaking of the indices torch specifies
    for dt in (pyt.int32, pyt.float32):
        p = make((7, 9), dt, low=0, high=3)
        t = torch.from_numpy(np_of(p))
        for dim in (0, 1):
            for name in ("max", "min", "cummax", "cummin"):
                assert np_of(getattr(p, name)(dim).indices).tolist() == \
                    getattr(t, name)(dim).indices.tolist(), (name, dim)
            assert np_of(p.argmax(dim)).tolist() == t.argmax(dim).tolist()
            assert np_of(p.argmin(dim)).tolist() == t.argmin(dim).tolist()
            assert np_of(p.sort(dim, stable=True).indices).tolist() == \
                t.sort(dim=dim, stable=True).indices.tolist()
            assert np_of(p.sort(dim, descending=True, stable=True).indices).tolist() == \
                t.sort(dim=dim, descending=True, stable=True).indices.tolist()
            assert np_of(p.topk(3, dim).values).tolist() == t.topk(3, dim).values.tolist()
            assert np_of(p.mode(dim).values).tolist() == t.mode(dim).values.tolist()
    x = [1.0, NAN, 3.0, NAN, -INF]
    p, t = pyt.tensor(x), torch.tensor(x)
    assert p.argmax().item() == t.argmax().item() and p.argmin().item() == t.argmin().item()
    assert p.max(0).indices.item() == t.max(0).indices.item()
    assert p.median(0).indices.item() == t.median(0).indices.item()


def test_against_torch_error_messages():
    torch = pytest.importorskip("torch")
    cases = [
        lambda m: m.empty(0, 3).max(),
        lambda m: m.empty(0, 3).max(0),
        lambda m: m.empty(0, 3).amax(0),
        lambda m: m.empty(0, 3).argmax(),
        lambda m: m.empty(0, 3).aminmax(),
        lambda m: m.tensor([1, 2]).mean(),
        lambda m: m.tensor([1, 2]).var(),
        lambda m: m.tensor([1, 2]).norm(),
        lambda m: m.ones(2, 3).sum((0, 0)),
        lambda m: m.ones(2, 3).sum(2),
        lambda m: m.tensor([1.0, 2.0]).topk(3),
        lambda m: m.tensor([1.0, 2.0]).kthvalue(3),
        lambda m: m.bincount(m.tensor([-1])),
        lambda m: m.histc(m.tensor([1.0]), 4, 3, 1),
        lambda m: m.searchsorted(m.tensor([1, 3]), m.tensor([2]), side="x"),
        lambda m: m.tensor([True]).argmax(),
        lambda m: m.linalg.vector_norm(m.empty(0), float("inf")),
    ]
    for case in cases:
        with pytest.raises(Exception) as want:
            case(torch)
        with pytest.raises(type(want.value)) as got:
            case(pyt)
        assert str(got.value).split("\n")[0] == str(want.value).split("\n")[0]
