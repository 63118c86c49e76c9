"""Elementwise math (math_ops.pyx and the division family of pointwise.pxi): values against
NumPy/SciPy for every dtype and layout, special values, errors, in-place and out=, thread
counts; dtype promotion against torch where it is installed."""
import operator

import numpy as np
import pytest

import pyt
from conftest import ALL_DTYPES, FLOAT_DTYPES, to_numpy, sample, make

special = pytest.importorskip("scipy.special")

INT_DTYPES = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]
TOL = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 1e-5, pyt.float64: 1e-12}


def np_dtype(dt):
    return np.float32 if dt is pyt.bfloat16 else dt.numpy_dtype


def tensor_of(values, dt):
    """values (float64 / int64 NumPy) as a pyt tensor of dtype dt, and the exact values it
    holds, in float64."""
    t = pyt.tensor(np.asarray(values).astype(np_dtype(dt)), dtype=dt)
    return t, to_numpy(t).astype(np.float64)


def layouts(values, dt):
    """(tensor, the float64 values it holds) for a contiguous, transposed, step-sliced,
    expanded, 0-d and zero-size tensor made from the 2-D array values."""
    t, v = tensor_of(values, dt)
    yield t, v
    yield t.t(), v.T
    yield t[::2, 1::3], v[::2, 1::3]
    yield t[:1].expand(4, t.shape[1]), np.broadcast_to(v[:1], (4, v.shape[1]))
    yield t[1, 2], v[1, 2]
    yield t[:0], v[:0]


def close(got, want, dt, scale=1.0):
    tol = TOL.get(dt, 0)
    got = to_numpy(got).astype(np.float64)
    assert got.shape == np.shape(want)
    if dt.is_floating_point:          # overflow to inf as the result dtype does
        with np.errstate(over="ignore"):
            want = np.asarray(want).astype(np_dtype(dt)).astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, equal_nan=True)


# ----- float functions ------------------------------------------------------------------

def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


FLOAT_OPS = {
    "exp": (np.exp, _uniform(-10, 10)),
    "exp2": (np.exp2, _uniform(-10, 10)),
    "expm1": (np.expm1, _uniform(-5, 5)),
    "log": (np.log, _uniform(0.01, 100)),
    "log2": (np.log2, _uniform(0.01, 100)),
    "log10": (np.log10, _uniform(0.01, 100)),
    "log1p": (np.log1p, _uniform(-0.9, 100)),
    "sqrt": (np.sqrt, _uniform(0, 100)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), _uniform(0.01, 100)),
    "sin": (np.sin, _uniform(-5, 5)),
    "cos": (np.cos, _uniform(-5, 5)),
    "tan": (np.tan, _uniform(-1.4, 1.4)),
    "asin": (np.arcsin, _uniform(-0.99, 0.99)),
    "acos": (np.arccos, _uniform(-0.99, 0.99)),
    "atan": (np.arctan, _uniform(-5, 5)),
    "sinh": (np.sinh, _uniform(-5, 5)),
    "cosh": (np.cosh, _uniform(-5, 5)),
    "tanh": (np.tanh, _uniform(-5, 5)),
    "asinh": (np.arcsinh, _uniform(-5, 5)),
    "acosh": (np.arccosh, _uniform(1, 50)),
    "atanh": (np.arctanh, _uniform(-0.95, 0.95)),
    "sigmoid": (special.expit, _uniform(-12, 12)),
    "erf": (special.erf, _uniform(-3, 3)),
    "erfc": (special.erfc, _uniform(-3, 3)),
    "erfinv": (special.erfinv, _uniform(-0.999, 0.999)),
    "lgamma": (special.gammaln, _uniform(0.1, 30)),
    "digamma": (special.psi, _uniform(0.1, 20)),
    "reciprocal": (lambda x: 1 / x, _uniform(0.1, 10)),
    "logit": (special.logit, _uniform(0.01, 0.99)),
}


@pytest.mark.parametrize("name", sorted(FLOAT_OPS))
@pytest.mark.parametrize("dt", FLOAT_DTYPES, ids=lambda d: d.name)
def test_float_op_values_and_layouts(name, dt):
    ref, domain = FLOAT_OPS[name]
    values = domain(np.random.default_rng(hash(name) % 1000), (6, 7))
    fn = getattr(pyt, name)
    for t, v in layouts(values, dt):
        r = fn(t)
        assert r.dtype is dt and r.shape == t.shape
        with np.errstate(all="ignore"):
            want = ref(v)
        # functions near a root (lgamma at 1 and 2, digamma at 1.46) need an absolute margin
        close(r, want, dt, scale=10 if name in ("lgamma", "digamma", "tan") else 1)
        assert getattr(t, name)().dtype is dt


@pytest.mark.parametrize("name", ["exp", "sqrt", "sin", "sigmoid", "log1p", "erf"])
@pytest.mark.parametrize("dt", [pyt.bool] + INT_DTYPES, ids=lambda d: d.name)
def test_float_op_promotes_integers(name, dt):
    ref, _ = FLOAT_OPS[name]
    t = make((3, 4), dt).abs() if dt is not pyt.bool else make((3, 4), dt)
    r = getattr(pyt, name)(t)
    assert r.dtype is pyt.float32
    close(r, ref(to_numpy(t).astype(np.float64)), pyt.float32)
    pyt.set_default_dtype(pyt.float64)
    try:
        assert getattr(pyt, name)(t).dtype is pyt.float64
    finally:
        pyt.set_default_dtype(pyt.float32)


def test_float32_fast_functions_over_a_wide_range():
    """exp, log, tanh and sigmoid are pyt's own float32 code: check them densely."""
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-104, 89, 200_000), rng.uniform(-1, 1, 50_000),
                        np.linspace(-0.7, 0.7, 10_001)]).astype(np.float32)
    t = pyt.from_numpy(x)
    x64 = x.astype(np.float64)
    for fn, ref in [(pyt.exp, np.exp), (pyt.tanh, np.tanh), (pyt.sigmoid, special.expit),
                    (pyt.expm1, np.expm1), (pyt.erf, special.erf)]:
        got = fn(t).numpy().astype(np.float64)
        with np.errstate(over="ignore"):
            want = ref(x64)
            rounded = want.astype(np.float32)
        overflow = np.isinf(rounded)
        np.testing.assert_array_equal(got[overflow], rounded[overflow])
        got, want = got[~overflow], want[~overflow]
        ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
        ulp = np.maximum(ulp, np.float64(np.float32(1.4e-45)))
        assert np.max(np.abs(got - want) / ulp) <= 3.0, fn
    trig = np.concatenate([x, rng.uniform(-1e5, 1e5, 100_000).astype(np.float32),
                           np.float32([np.pi, -np.pi / 2, 1e5, 3 * np.pi / 2])])
    t = pyt.from_numpy(trig)
    for fn, ref in [(pyt.sin, np.sin), (pyt.cos, np.cos)]:
        got = fn(t).numpy().astype(np.float64)
        want = ref(trig.astype(np.float64))
        # the reduction is absolute: within 2 ulp of the result or 1e-15 * |x|
        err = np.abs(got - want) / np.spacing(np.abs(want).astype(np.float32))
        assert np.all((err <= 2.0) | (np.abs(got - want) <= 1e-15 * np.abs(trig))), fn
    pos = np.abs(x) + np.float32(1e-30)
    got = pyt.log(pyt.from_numpy(pos)).numpy().astype(np.float64)
    want = np.log(pos.astype(np.float64))
    assert np.max(np.abs(got - want) / np.spacing(np.abs(want).astype(np.float32))) <= 2.0
    above = np.concatenate([pos - 1, rng.uniform(-1e-3, 1e-3, 10_000)]).astype(np.float32)
    got = pyt.log1p(pyt.from_numpy(above)).numpy().astype(np.float64)
    with np.errstate(divide="ignore"):
        want = np.log1p(above.astype(np.float64))
    finite = np.isfinite(want)
    got, want = got[finite], want[finite]
    assert np.max(np.abs(got - want) / np.spacing(np.abs(want).astype(np.float32))) <= 3.0


def test_float_special_values():
    inf, nan = float("inf"), float("nan")
    x = [0.0, -0.0, inf, -inf, nan, 1e-45, -1e-45, 1e-40, 89.0, 88.7, -104.0, -88.0, 1e5,
         -1.5e5, 3e38]
    for dt in (pyt.float32, pyt.float64):
        t = pyt.tensor(x, dtype=dt)
        a = np.array(x, dtype=dt.numpy_dtype).astype(np.float64)
        with np.errstate(all="ignore"):
            for name, ref in [("exp", np.exp), ("log", np.log), ("tanh", np.tanh),
                              ("sigmoid", special.expit), ("sqrt", np.sqrt),
                              ("expm1", np.expm1), ("log1p", np.log1p), ("sin", np.sin),
                              ("cos", np.cos), ("maximum", lambda v: np.maximum(v, v[::-1])),
                              ("erf", special.erf), ("erfinv", special.erfinv),
                              ("reciprocal", lambda v: 1 / v)]:
                fn = getattr(pyt, name)
                got = to_numpy(fn(t, t.flip(0)) if name == "maximum" else fn(t))
                got = got.astype(np.float64)
                want = ref(a).astype(dt.numpy_dtype).astype(np.float64)
                np.testing.assert_allclose(got, want, rtol=4e-7, atol=0, equal_nan=True,
                                           err_msg=f"{name} {dt}")
                if name == "erfinv":          # torch keeps -0.0 (SciPy does not)
                    want = np.where(want == 0, a, want)
                # the sign of zero too
                zeros = want == 0
                np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]),
                                              err_msg=f"{name} {dt}")


def test_special_function_edges():
    inf, nan = float("inf"), float("nan")
    t = pyt.tensor([1.0, -1.0, 2.0, 0.0, -0.0, nan])
    assert pyt.erfinv(t).tolist()[:3] == [inf, -inf, pytest.approx(nan, nan_ok=True)]
    assert np.signbit(pyt.erfinv(t).numpy()[4])
    # digamma as torch: -inf at +0, +inf at -0, nan at negative integers
    d = pyt.digamma(pyt.tensor([0.0, -0.0, -1.0, -2.0, 1.0], dtype=pyt.float64)).tolist()
    assert d[0] == -inf and d[1] == inf and np.isnan(d[2]) and np.isnan(d[3])
    assert d[4] == pytest.approx(-0.5772156649015329, rel=1e-14)
    neg = np.array([-0.5, -1.5, -2.25, -10.3, -100.7])
    np.testing.assert_allclose(pyt.digamma(pyt.tensor(neg)).numpy(), special.psi(neg),
                               rtol=1e-10)
    small = np.array([1e-8, 1e-3, 1e3, 1e8])
    np.testing.assert_allclose(pyt.digamma(pyt.tensor(small)).numpy(), special.psi(small),
                               rtol=1e-13)
    tails = np.array([1 - 1e-12, -(1 - 1e-15), 1e-300, 0.5, -0.999999])
    np.testing.assert_allclose(pyt.erfinv(pyt.tensor(tails)).numpy(), special.erfinv(tails),
                               rtol=1e-13)
    g = np.array([0.0, -0.0, -1.0, 1.0, 2.0, -0.5, -2.5, 1e30, 1e-30])
    np.testing.assert_allclose(pyt.lgamma(pyt.tensor(g)).numpy(), special.gammaln(g),
                               rtol=1e-14)


def test_logit_eps():
    x = pyt.tensor([0.0, 0.3, 1.0, 2.0])
    np.testing.assert_allclose(pyt.logit(x, eps=0.1).numpy(),
                               special.logit(np.clip([0.0, 0.3, 1.0, 2.0], 0.1, 0.9)),
                               rtol=1e-6)
    r = pyt.logit(x).numpy()
    assert r[0] == -np.inf and r[2] == np.inf and np.isnan(r[3])
    np.testing.assert_array_equal(pyt.logit(x, eps=-1).numpy(), r)
    y = x.clone()
    y.logit_(0.1)
    np.testing.assert_allclose(y.numpy(), pyt.logit(x, 0.1).numpy())


# ----- ops that keep the dtype ----------------------------------------------------------

SAME_OPS = {
    "abs": np.abs, "floor": np.floor, "ceil": np.ceil, "round": np.round,
    "trunc": np.trunc, "sign": np.sign, "relu": lambda v: np.maximum(v, 0),
    "frac": lambda v: v - np.trunc(v), "square": np.square,
}


@pytest.mark.parametrize("name", sorted(SAME_OPS))
def test_same_dtype_ops(name, any_dtype):
    dt = any_dtype
    fn = getattr(pyt, name)
    values = sample((6, 7), dt, 3)
    if dt.is_floating_point:
        values = values / 3          # fractions, halves for round
        values[0, :3] = [2.5, -2.5, 0.5]
    refused = {"abs": "abs_cpu", "floor": "floor_vml_cpu", "ceil": "ceil_vml_cpu",
               "round": "round_vml_cpu", "trunc": "trunc_vml_cpu", "frac": "frac_cpu"}
    if name in refused and (dt is pyt.bool or (name == "frac" and not dt.is_floating_point)):
        with pytest.raises(NotImplementedError, match=f'"{refused[name]}" not implemented for'):
            fn(tensor_of(values, dt)[0])
        return
    if name == "relu" and dt is pyt.bool:
        with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
            fn(tensor_of(values, dt)[0])
        return
    for t, v in layouts(values, dt):
        r = fn(t)
        if name == "square" and dt is pyt.bool:
            assert r.dtype is pyt.int64
        else:
            assert r.dtype is dt
        want = SAME_OPS[name](v)
        if not dt.is_floating_point:           # integer results wrap in the dtype
            want = want.astype(np.int64).astype(np_dtype(r.dtype)).astype(np.float64)
        close(r, want, r.dtype)


def test_sign_and_zero_signs():
    x = pyt.tensor([-0.0, 0.0, float("nan"), -2.0, 3.0, float("-inf")])
    assert pyt.sign(x).tolist()[:3] == [0.0, 0.0, 0.0]
    assert not np.signbit(pyt.sign(x).numpy()[0])
    assert pyt.sgn(x).tolist()[3:] == [-1.0, 1.0, -1.0]
    assert pyt.sign(pyt.tensor([True, False])).tolist() == [True, False]
    assert not np.signbit(pyt.abs(pyt.tensor([-0.0])).numpy()[0])
    r = pyt.relu(pyt.tensor([-0.0, float("nan"), -1.0])).numpy()
    assert np.signbit(r[0]) and np.isnan(r[1]) and r[2] == 0
    assert np.signbit(pyt.trunc(pyt.tensor([-0.5])).numpy()[0])
    assert pyt.round(pyt.tensor([-0.4, 0.5, 1.5, 2.5, -2.5])).tolist() == [-0.0, 0, 2, 2, -2]
    assert pyt.frac(pyt.tensor([-1.5, 2.25, float("inf")])).tolist()[:2] == [-0.5, 0.25]
    assert pyt.abs(pyt.tensor([-128], dtype=pyt.int8)).tolist() == [-128]


def test_round_decimals():
    x = pyt.tensor([2.5, 3.5, -2.5, 1.2345, 1234.5])
    np.testing.assert_allclose(pyt.round(x, decimals=2).numpy(),
                               np.round(np.float32([2.5, 3.5, -2.5, 1.2345, 1234.5]), 2),
                               rtol=1e-6)
    assert pyt.round(pyt.tensor([1234.5, 3.5]), decimals=-2).tolist() == [1200.0, 0.0]
    assert x.round(decimals=1).dtype is pyt.float32
    assert pyt.round(pyt.tensor([3, 4])).tolist() == [3, 4]
    with pytest.raises(NotImplementedError, match='"round_cpu" not implemented for \'Long\''):
        pyt.round(pyt.tensor([1234]), decimals=-2)
    y = x.clone()
    y.round_(decimals=1)
    np.testing.assert_allclose(y.numpy(), pyt.round(x, decimals=1).numpy())


def test_nan_to_num(any_dtype):
    if not any_dtype.is_floating_point:
        t = make((5,), any_dtype)
        np.testing.assert_array_equal(to_numpy(pyt.nan_to_num(t, nan=2.5)), to_numpy(t))
        return
    inf, nan = float("inf"), float("nan")
    t = pyt.tensor([nan, inf, -inf, 1.5], dtype=any_dtype)
    big = {pyt.float16: 65504.0, pyt.bfloat16: 3.3895313892515355e+38,
           pyt.float32: 3.4028234663852886e+38, pyt.float64: 1.7976931348623157e+308}
    assert pyt.nan_to_num(t).tolist() == [0.0, big[any_dtype], -big[any_dtype], 1.5]
    assert pyt.nan_to_num(t, nan=2, posinf=1, neginf=-1).tolist() == [2, 1, -1, 1.5]
    t.nan_to_num_(nan=3)
    assert t.tolist()[0] == 3
    if any_dtype is pyt.float32:
        assert pyt.nan_to_num(pyt.tensor([inf]), posinf=1e40).tolist() == [inf]


@pytest.mark.parametrize("name", ["isnan", "isinf", "isposinf", "isneginf", "isfinite",
                                  "logical_not"])
def test_predicates(name, any_dtype):
    values = sample((4, 5), any_dtype, 2)
    if any_dtype.is_floating_point:
        values[0, :4] = [np.nan, np.inf, -np.inf, 0.0]
    ref = {"isnan": np.isnan, "isinf": np.isinf, "isposinf": np.isposinf,
           "isneginf": np.isneginf, "isfinite": np.isfinite,
           "logical_not": np.logical_not}[name]
    for t, v in layouts(values, any_dtype):
        r = getattr(pyt, name)(t)
        assert r.dtype is pyt.bool
        np.testing.assert_array_equal(to_numpy(r), ref(v))


def test_bitwise_not_and_invert(any_dtype):
    t = make((3, 4), any_dtype)
    if any_dtype.is_floating_point:
        with pytest.raises(NotImplementedError, match='"bitwise_not_cpu" not implemented'):
            pyt.bitwise_not(t)
        with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
            ~t
        return
    want = ~to_numpy(t)
    np.testing.assert_array_equal(to_numpy(~t), want)
    np.testing.assert_array_equal(to_numpy(pyt.bitwise_not(t.t())), want.T)


# ----- binary ops -----------------------------------------------------------------------

def wide(a):
    return a.astype(np.float64 if a.dtype.kind == "f" else np.int64)


def binary_pairs(dt, seed=0, positive_b=False, nonzero_b=False):
    """(a, b, numpy a, numpy b) for same-shape, broadcast, transposed and scalar operands."""
    a = make((4, 5), dt, seed)
    bv = sample((4, 5), dt, seed + 1)
    if positive_b:
        bv = np.abs(bv) if dt is not pyt.bool else bv
    if nonzero_b:
        bv = np.where(bv == 0, 3, bv).astype(bv.dtype)
    b = pyt.tensor(bv, dtype=dt)
    yield a, b, to_numpy(a), to_numpy(b)
    yield a, b[1], to_numpy(a), to_numpy(b)[1]
    yield a.t(), b.t(), to_numpy(a).T, to_numpy(b).T
    yield a[:, ::2], b[:1, ::2], to_numpy(a)[:, ::2], to_numpy(b)[:1, ::2]
    yield a[0, 0], b[1, 1], to_numpy(a)[0, 0], to_numpy(b)[1, 1]
    yield a[:0], b[:0], to_numpy(a)[:0], to_numpy(b)[:0]


def check_binary(fn, ref, dt, **kw):
    for a, b, na, nb in binary_pairs(dt, **kw):
        r = fn(a, b)
        with np.errstate(all="ignore"):
            want = ref(wide(na), wide(nb))
        if not r.dtype.is_floating_point:
            want = np.asarray(want).astype(np.int64).astype(np_dtype(r.dtype))
        close(r, np.asarray(want).astype(np.float64), r.dtype)


def test_division_family(any_dtype):
    dt = any_dtype
    if dt is pyt.bool:
        for fn, kernel in [(pyt.floor_divide, "div_floor_cpu"), (pyt.remainder, "remainder_cpu"),
                           (pyt.fmod, "fmod_cpu")]:
            with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented'):
                fn(make((3,), dt), make((3,), dt))
        with pytest.raises(NotImplementedError, match='"div_trunc_cpu" not implemented'):
            pyt.div(make((3,), dt), make((3,), dt), rounding_mode="trunc")
        return
    check_binary(pyt.floor_divide, np.floor_divide, dt, nonzero_b=True)
    check_binary(operator.floordiv, np.floor_divide, dt, nonzero_b=True)
    check_binary(pyt.remainder, np.remainder, dt, nonzero_b=True)
    check_binary(operator.mod, np.remainder, dt, nonzero_b=True)
    check_binary(pyt.fmod, np.fmod, dt, nonzero_b=True)
    check_binary(lambda a, b: pyt.div(a, b, rounding_mode="floor"), np.floor_divide, dt,
                 nonzero_b=True)
    trunc = (lambda a, b: np.trunc(a / b)) if dt.is_floating_point else \
        (lambda a, b: np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b)))
    check_binary(lambda a, b: pyt.div(a, b, rounding_mode="trunc"), trunc, dt, nonzero_b=True)


def test_division_family_edges():
    i = pyt.tensor([-7, 7, -7, 7])
    j = pyt.tensor([2, -2, 3, -3])
    assert (i % j).tolist() == [1, -1, 2, -2]
    assert pyt.fmod(i, j).tolist() == [-1, 1, -1, 1]
    assert (i // j).tolist() == [-4, -4, -3, -3]
    assert pyt.div(i, j, rounding_mode="trunc").tolist() == [-3, -3, -2, -2]
    inf = float("inf")
    f = pyt.tensor([-7.0, 7, -7, 7, 0.0, -0.0])
    g = pyt.tensor([2.0, -2, 0.5, 0.0, -3.0, 3.0])
    assert (f // g).tolist()[:4] == [-4, -4, -14, inf]
    assert np.signbit((f // g).numpy()[4:]).all()                 # -0.0 like torch
    r = (pyt.tensor([0.0, -7, 7, -0.0]) % pyt.tensor([-3.0, inf, -inf, 3.0])).numpy()
    assert r.tolist() == [0.0, inf, -inf, 0.0] and not np.signbit(r[0]) and np.signbit(r[3])
    assert np.isnan((pyt.tensor([1.0]) % 0.0).item())
    assert pyt.div(pyt.tensor([1.0, -2.0]), 0, rounding_mode="floor").tolist() == [inf, -inf]
    # INT_MIN / -1 wraps instead of trapping
    for dt, lo in [(pyt.int64, -2**63), (pyt.int32, -2**31), (pyt.int8, -128)]:
        m = pyt.tensor([lo], dtype=dt)
        assert (m // -1).tolist() == [lo]
        assert pyt.div(m, -1, rounding_mode="trunc").tolist() == [lo]
        assert (m % -1).tolist() == [0] and pyt.fmod(m, -1).tolist() == [0]
    # scalars on either side
    assert pyt.remainder(3, pyt.tensor([2])).tolist() == [1]
    assert pyt.floor_divide(7, pyt.tensor([2])).tolist() == [3]
    assert (7 // pyt.tensor([2])).tolist() == [3] and (7 % pyt.tensor([4])).tolist() == [3]
    assert pyt.remainder(3.5, pyt.tensor([2])).dtype is pyt.float32


def test_integer_division_by_zero_raises():
    a = pyt.tensor([1, 2, 3])
    for fn in (lambda: a // 0, lambda: a % 0, lambda: pyt.fmod(a, 0),
               lambda: pyt.div(a, pyt.tensor([1, 0, 1]), rounding_mode="trunc"),
               lambda: pyt.div(a, 0, rounding_mode="floor"),
               lambda: pyt.tensor([1], dtype=pyt.uint8) % pyt.tensor([0], dtype=pyt.uint8)):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn()
    before = a.clone()
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        a //= pyt.tensor([1, 0, 1])
    assert a.tolist() == before.tolist()                 # checked before writing
    with pytest.raises(RuntimeError, match="expected rounding_mode to be one of None, "
                                           "'trunc', or 'floor' but found 'bogus'"):
        pyt.div(a, 2, rounding_mode="bogus")


def test_div_rounding_in_place_and_out():
    a = pyt.tensor([7, -7])
    a.div_(2, rounding_mode="floor")
    assert a.tolist() == [3, -4]
    out = pyt.empty(2, dtype=pyt.int64)
    pyt.div(pyt.tensor([7, -7]), 2, rounding_mode="trunc", out=out)
    assert out.tolist() == [3, -3]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        pyt.tensor([1, 2]).floor_divide_(1.5)
    b = pyt.tensor([5.0, 6.0])
    b %= 4
    b //= 1.5
    assert b.tolist() == [0.0, 1.0]


def test_pow(any_dtype):
    dt = any_dtype
    if dt is pyt.bool:
        with pytest.raises(NotImplementedError, match='"pow" not implemented for \'Bool\''):
            pyt.pow(make((3,), dt), make((3,), dt))
        assert (make((3,), dt) ** 2).dtype is pyt.int64
        return
    check_binary(pyt.pow, np.power, dt, positive_b=True)
    a = make((3, 4), dt)
    for e in (2, 3, 0.5, 2.5, 0, -1, -0.5):
        if e < 0 and not dt.is_floating_point:
            continue
        r = (a.abs() if e == -0.5 else a) ** e
        with np.errstate(all="ignore"):
            want = np.power(wide(np.abs(to_numpy(a)) if e == -0.5 else to_numpy(a)), e)
        if not r.dtype.is_floating_point:
            want = want.astype(np.int64).astype(np_dtype(r.dtype))
        close(r, np.asarray(want, dtype=np.float64), r.dtype)
    r = 2 ** a.abs() if dt is not pyt.uint8 else 2 ** a
    if not dt.is_floating_point:
        want = (2 ** wide(np.abs(to_numpy(a)))).astype(np_dtype(dt))
        np.testing.assert_array_equal(to_numpy(r), want)


def test_pow_integer_rules():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not "
                                           "allowed"):
        pyt.tensor([1, 2, 3]) ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        pyt.pow(pyt.tensor(2), -1)
    assert pyt.pow(pyt.tensor([-1, 2, 0, 1, -1]), pyt.tensor([-1, -1, -1, -3, -2])).tolist() \
        == [-1, 0, 0, 1, 1]
    assert pyt.pow(2, pyt.tensor([-1, 2])).tolist() == [0, 4]
    assert (pyt.tensor([3], dtype=pyt.int8) ** 5).tolist() == [-13]        # 243 wraps
    assert pyt.pow(pyt.tensor([2, 3]), 0.5).dtype is pyt.float32
    assert pyt.pow(pyt.tensor([0.0, -0.0]), -1).tolist() == [float("inf"), float("-inf")]
    r = pyt.pow(pyt.tensor([float("-inf"), -0.0]), 0.5).numpy()
    assert np.isnan(r[0]) and np.signbit(r[1])                              # as sqrt
    assert (pyt.tensor([2.0]) ** pyt.tensor([3])).tolist() == [8.0]
    assert pyt.pow(2.5, pyt.tensor([2])).tolist() == [6.25]
    x = pyt.tensor([1.0, 2.0])
    x **= 2
    x.pow_(0.5)
    assert x.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError):
        pyt.pow(2, 3)


@pytest.mark.parametrize("name,ref", [("maximum", np.maximum), ("minimum", np.minimum),
                                      ("fmax", np.fmax), ("fmin", np.fmin)])
def test_min_max(name, ref, any_dtype):
    check_binary(getattr(pyt, name), ref, any_dtype)
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'other' \(position 2\) must "
                                        r"be Tensor, not int"):
        getattr(pyt, name)(make((2,), any_dtype), 1)


def test_min_max_nan_and_zero():
    nan = float("nan")
    a, b = pyt.tensor([1.0, nan, nan]), pyt.tensor([nan, 2.0, nan])
    assert np.isnan(pyt.maximum(a, b).numpy()).all()
    assert np.isnan(pyt.minimum(a, b).numpy()).all()
    assert pyt.fmax(a, b).tolist()[:2] == [1.0, 2.0] and np.isnan(pyt.fmin(a, b).numpy()[2])
    assert np.signbit(pyt.maximum(pyt.tensor([-0.0]), pyt.tensor([0.0])).numpy()[0])
    assert not np.signbit(pyt.maximum(pyt.tensor([0.0]), pyt.tensor([-0.0])).numpy()[0])
    assert pyt.maximum(pyt.tensor([1]), pyt.tensor([2.5])).dtype is pyt.float32


@pytest.mark.parametrize("name,ref", [("atan2", np.arctan2), ("hypot", np.hypot)])
def test_atan2_hypot(name, ref, any_dtype):
    fn = getattr(pyt, name)
    if name == "hypot" and not any_dtype.is_floating_point:
        with pytest.raises(NotImplementedError, match='"hypot_cpu" not implemented for'):
            fn(make((3,), any_dtype), make((3,), any_dtype))
        return
    check_binary(fn, ref, any_dtype)
    if not any_dtype.is_floating_point:
        assert fn(make((3,), any_dtype), make((3,), any_dtype)).dtype is pyt.float32
    assert pyt.arctan2 is pyt.atan2


@pytest.mark.parametrize("name,ref", [("bitwise_and", np.bitwise_and),
                                      ("bitwise_or", np.bitwise_or),
                                      ("bitwise_xor", np.bitwise_xor)])
def test_bitwise(name, ref, any_dtype):
    fn = getattr(pyt, name)
    if any_dtype.is_floating_point:
        with pytest.raises(NotImplementedError,
                           match=f'"{name}_cpu" not implemented for'):
            fn(make((3,), any_dtype), make((3,), any_dtype))
        return
    for a, b, na, nb in binary_pairs(any_dtype):
        np.testing.assert_array_equal(to_numpy(fn(a, b)), ref(na, nb))
    op = {"bitwise_and": operator.and_, "bitwise_or": operator.or_,
          "bitwise_xor": operator.xor}[name]
    t = make((5,), any_dtype)
    if any_dtype is pyt.bool:
        np.testing.assert_array_equal(to_numpy(op(t, True)), ref(to_numpy(t), True))
        assert op(t, 3).dtype is pyt.int64
    else:
        np.testing.assert_array_equal(to_numpy(op(t, 3)), ref(to_numpy(t), 3))
        np.testing.assert_array_equal(to_numpy(op(3, t)), ref(3, to_numpy(t)))
    u = t.clone()
    assert getattr(u, name + "_")(t) is u
    np.testing.assert_array_equal(to_numpy(u), ref(to_numpy(t), to_numpy(t)))


def test_shifts(any_dtype):
    t = make((6,), any_dtype)
    if any_dtype.is_floating_point or any_dtype is pyt.bool:
        kname = "lshift_cpu"
        with pytest.raises(NotImplementedError, match=f'"{kname}" not implemented for'):
            t << make((6,), any_dtype)
        return
    bits = 8 * np.dtype(any_dtype.numpy_dtype).itemsize
    amounts = pyt.tensor([0, 1, 3, bits - 1, bits, bits + 5], dtype=any_dtype)
    na, ns = to_numpy(t).astype(np.int64), to_numpy(amounts).astype(np.int64)
    left = np.where((ns < 0) | (ns >= bits), 0, na << np.minimum(ns, 63))
    right = np.where((ns < 0) | (ns >= bits), np.where(na < 0, -1, 0), na >> np.minimum(ns, 63))
    np.testing.assert_array_equal(to_numpy(t << amounts),
                                  left.astype(any_dtype.numpy_dtype))
    np.testing.assert_array_equal(to_numpy(t >> amounts),
                                  right.astype(any_dtype.numpy_dtype))
    assert (1 << pyt.tensor([1, 3])).tolist() == [2, 8]
    assert (pyt.tensor([-5]) >> 64).tolist() == [-1] and (pyt.tensor([1]) << -1).tolist() == [0]
    assert (pyt.tensor([-5]) >> -1).tolist() == [-1]
    u = t.clone()
    u <<= 1
    u >>= 1
    want = ((to_numpy(t).astype(np.int64) << 1).astype(any_dtype.numpy_dtype) >> 1)
    np.testing.assert_array_equal(to_numpy(u), want)
    assert pyt.bitwise_left_shift(3, pyt.tensor([1])).tolist() == [6]


@pytest.mark.parametrize("name,ref", [("logical_and", np.logical_and),
                                      ("logical_or", np.logical_or),
                                      ("logical_xor", np.logical_xor)])
def test_logical(name, ref, any_dtype):
    fn = getattr(pyt, name)
    for a, b, na, nb in binary_pairs(any_dtype):
        r = fn(a, b)
        assert r.dtype is pyt.bool
        np.testing.assert_array_equal(to_numpy(r), ref(na, nb))
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'other'"):
        fn(make((2,), any_dtype), 1)
    t = make((4,), pyt.int64)
    getattr(t, name + "_")(make((4,), any_dtype, 5))      # keeps int64: 0 / 1
    assert t.dtype is pyt.int64 and set(t.tolist()) <= {0, 1}
    out = pyt.empty(0, dtype=pyt.float32)
    fn(make((4,), any_dtype), make((4,), any_dtype, 9), out=out)
    assert out.shape == (4,) and set(out.tolist()) <= {0.0, 1.0}


# ----- clamp, lerp, addcmul, addcdiv --------------------------------------------------------

def test_clamp(any_dtype):
    dt = any_dtype
    t = make((4, 5), dt)
    v = to_numpy(t)
    if dt is pyt.bool:
        with pytest.raises(NotImplementedError, match='"clamp_scalar_cpu" not implemented'):
            pyt.clamp(t, True, True)
        with pytest.raises(NotImplementedError, match='"clamp_min_scalar_cpu"'):
            pyt.clamp(t, min=True)
        with pytest.raises(NotImplementedError, match='"clamp_cpu" not implemented'):
            pyt.clamp(t, t, t)
        assert pyt.clamp(t, min=pyt.tensor(True)).tolist() == [[True] * 5] * 4
        return
    lo, hi = (-3, 40) if dt is not pyt.uint8 else (20, 60)
    np.testing.assert_array_equal(to_numpy(pyt.clamp(t, lo, hi)), np.clip(v, lo, hi))
    np.testing.assert_array_equal(to_numpy(pyt.clip(t, min=lo)), np.maximum(v, lo))
    np.testing.assert_array_equal(to_numpy(t.clamp(max=hi)), np.minimum(v, hi))
    np.testing.assert_array_equal(to_numpy(t.t().clamp(lo, hi)), np.clip(v, lo, hi).T)
    lo_t, hi_t = make((5,), dt, 3), make((4, 1), dt, 4)
    want = np.minimum(np.maximum(v, to_numpy(lo_t)), to_numpy(hi_t))
    np.testing.assert_array_equal(to_numpy(pyt.clamp(t, lo_t, hi_t)), want)
    u = t.clone()
    u.clamp_(lo, hi)
    np.testing.assert_array_equal(to_numpy(u), np.clip(v, lo, hi))
    if not dt.is_floating_point:
        assert pyt.clamp(t, min=2.5).dtype is pyt.float32
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            t.clone().clamp_(min=0.5)


def test_clamp_semantics():
    nan = float("nan")
    x = pyt.tensor([1.0, 5, 9, nan])
    r = pyt.clamp(x, min=6, max=3).tolist()
    assert r[:3] == [3.0, 3.0, 3.0] and np.isnan(r[3])
    assert np.isnan(pyt.clamp(x, min=nan).numpy()).all()
    assert pyt.clamp(pyt.tensor([True, False]), min=0).tolist() == [1, 0]
    assert pyt.clip(pyt.tensor([1, 5, 9], dtype=pyt.uint8), min=-1).tolist() == [255] * 3
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        pyt.clamp(x)
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        pyt.clamp(x, min=pyt.tensor([1.0]), max=3)
    assert pyt.clamp_min(x, 2).tolist()[:3] == [2, 5, 9]
    assert pyt.clamp_max(x, 2).tolist()[:3] == [1, 2, 2]


def test_lerp():
    for dt in FLOAT_DTYPES:
        a, b, w = make((3, 4), dt, 1), make((3, 4), dt, 2), make((4,), dt, 3)
        na, nb, nw = (to_numpy(x).astype(np.float64) for x in (a, b, w))
        close(pyt.lerp(a, b, w), na + nw * (nb - na), dt, scale=100)
        close(pyt.lerp(a, b, 0.25), na + 0.25 * (nb - na), dt, scale=100)
        close(a.t().lerp(b.t(), 0.75), (na + 0.75 * (nb - na)).T, dt, scale=100)
    a, b = pyt.tensor([1.0, 2]), pyt.tensor([3.0, 4])
    assert pyt.lerp(a, b, pyt.tensor([0.0, 1.0])).tolist() == [1.0, 4.0]       # exact ends
    assert pyt.lerp(a, b, 2).tolist() == [5.0, 6.0]
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype "
                                           "double"):
        pyt.lerp(a, b.double(), 0.5)
    with pytest.raises(RuntimeError, match="expected dtype float for `weight` but got dtype "
                                           "double"):
        pyt.lerp(a, b, pyt.tensor([0.5], dtype=pyt.float64))
    with pytest.raises(NotImplementedError, match='"lerp_kernel_scalar" not implemented for '
                                                  "'Long'"):
        pyt.lerp(pyt.tensor([1]), pyt.tensor([2]), 0.5)
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the "
                                           r"broadcast shape \[2, 2\]"):
        a.lerp_(pyt.tensor([2.0]), pyt.tensor([[0.5], [1.0]]))
    c = a.clone()
    c.lerp_(b, 0.5)
    assert c.tolist() == [2.0, 3.0]


def test_addcmul_addcdiv(any_dtype):
    dt = any_dtype
    a, b, c = make((3, 4), dt, 1), make((4,), dt, 2), make((3, 1), dt, 3)
    na, nb, nc = (wide(to_numpy(x)) for x in (a, b, c))
    if dt is pyt.bool:
        with pytest.raises(NotImplementedError, match='"addcmul_cpu_out" not implemented'):
            pyt.addcmul(a, b, c)
    else:
        want = (na + 2 * nb * nc)
        if not dt.is_floating_point:
            want = want.astype(np.int64).astype(dt.numpy_dtype)
        close(pyt.addcmul(a, b, c, value=2), np.asarray(want, dtype=np.float64), dt, scale=100)
    if not dt.is_floating_point:
        with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer "
                                               "supported"):
            pyt.addcdiv(a, b, c)
        return
    nc = np.where(nc == 0, 1, nc)
    c = pyt.tensor(nc.astype(np_dtype(dt)), dtype=dt)
    close(pyt.addcdiv(a, b, c, value=0.5), na + 0.5 * nb / wide(to_numpy(c)), dt, scale=100)


def test_addcmul_addcdiv_promotion_and_in_place():
    i = pyt.tensor([1, 2])
    assert pyt.addcmul(i, pyt.tensor([3, 4]), pyt.tensor([5, 6]), value=2).tolist() == [31, 50]
    assert pyt.addcmul(i, pyt.tensor([3, 4]), pyt.tensor([5, 6]), value=0.5).tolist() == [1, 2]
    assert pyt.addcmul(i, pyt.tensor([3.0, 4]), pyt.tensor([5, 6])).tolist() == [16.0, 26.0]
    r = pyt.addcdiv(i, pyt.tensor([3.0, 4]), pyt.tensor([5, 6]))
    assert r.dtype is pyt.float32
    np.testing.assert_allclose(r.numpy(), [1.6, 2 + 4 / 6], rtol=1e-6)
    x = pyt.tensor([1.0, 2.0])
    x.addcmul_(x, x, value=pyt.tensor(2.0))
    x.addcdiv_(x, x)
    assert x.tolist() == [4.0, 11.0]


# ----- closeness and equality ---------------------------------------------------------------

def test_isclose_allclose(any_dtype):
    a = make((4, 5), any_dtype, 1)
    b = a.clone()
    assert to_numpy(pyt.isclose(a, b)).all()
    assert pyt.allclose(a, b) is True
    if any_dtype.is_floating_point:
        c = a + 1
        np.testing.assert_array_equal(to_numpy(pyt.isclose(a, c, rtol=0, atol=0.5)),
                                      np.zeros((4, 5), bool))
        assert pyt.allclose(a, c, atol=1.5)
    with pytest.raises(RuntimeError, match="did not match"):
        pyt.isclose(a, a.to(pyt.float64 if any_dtype is not pyt.float64 else pyt.float32))


def test_isclose_semantics():
    inf, nan = float("inf"), float("nan")
    a = pyt.tensor([1.0, inf, nan, 5.0, -inf, 1.0, 1.0])
    b = pyt.tensor([1.0, inf, nan, inf, inf, 1.000009, 1.00002])
    assert pyt.isclose(a, b).tolist() == [True, True, False, False, False, True, False]
    assert pyt.isclose(a, b, equal_nan=True).tolist()[2] is True
    assert pyt.isclose(pyt.tensor([10**17]), pyt.tensor([10**17 + 1]),
                       rtol=0, atol=0).tolist() == [False]
    assert pyt.isclose(pyt.tensor([1, 2]), pyt.tensor([1, 3]), atol=1).tolist() == [True, True]
    with pytest.raises(RuntimeError, match="Long did not match Float"):
        pyt.isclose(pyt.tensor([1]), pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero"):
        pyt.isclose(a, a, rtol=-1)
    with pytest.raises(RuntimeError, match="atol must be greater than or equal to zero"):
        pyt.isclose(a, a, atol=-1)
    assert pyt.allclose(pyt.tensor([1.0, 2]), pyt.tensor([[1.0, 2], [1, 2]]))
    assert not pyt.allclose(pyt.tensor([1.0, 2]), pyt.tensor([1.0, 2.1]))


def test_equal():
    assert pyt.equal(pyt.tensor([1.0, 2]), pyt.tensor([1, 2]))
    assert not pyt.equal(pyt.tensor([1.0, 2]), pyt.tensor([1.0]))
    assert not pyt.equal(pyt.tensor([1.0, 2]), pyt.tensor([[1.0, 2]]))
    assert not pyt.equal(pyt.tensor([1.0, float("nan")]), pyt.tensor([1.0, float("nan")]))
    assert pyt.equal(pyt.zeros(0, 3), pyt.zeros(0, 3))
    a = make((5, 6), pyt.int32)
    assert pyt.equal(a.t(), a.t().contiguous()) and a.equal(a.clone())
    with pytest.raises(TypeError, match=r"equal\(\): argument 'other' \(position 2\) must be "
                                        r"Tensor, not int"):
        pyt.equal(a, 1)


# ----- in-place, out=, errors ---------------------------------------------------------------

def test_in_place_and_out():
    x = pyt.tensor([1.0, 4.0, 9.0])
    assert x.sqrt_() is x and x.tolist() == [1.0, 2.0, 3.0]
    v = x.view(3)
    v.exp_()
    np.testing.assert_allclose(x.numpy(), np.exp([1.0, 2.0, 3.0]), rtol=1e-6)
    out = pyt.empty(3, dtype=pyt.float64)
    r = pyt.exp(pyt.tensor([1, 2, 3]), out=out)
    assert r is out and out.dtype is pyt.float64
    np.testing.assert_allclose(out.numpy(), np.exp([1, 2, 3]), rtol=1e-6)
    out = pyt.empty(0)
    pyt.sin(pyt.ones(2, 3), out=out)
    assert out.shape == (2, 3)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        pyt.exp(pyt.tensor([1, 2]), out=pyt.tensor([0, 0]))
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        pyt.tensor([1, 2]).exp_()
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        pyt.exp(pyt.tensor([1.0]), out=pyt.zeros(1).expand(3))
    with pytest.raises(RuntimeError, match="more than one element"):
        pyt.zeros(1).expand(3).exp_()
    y = pyt.tensor([-1, 2])
    y.abs_()
    assert y.tolist() == [1, 2]
    # overlapping input and output: a shifted view
    z = pyt.arange(6, dtype=pyt.float32)
    pyt.neg(z[:5], out=z[1:])
    assert z.tolist() == [0, 0, -1, -2, -3, -4] and np.signbit(z.numpy()[1])
    pyt.maximum(z[1:], z[:5], out=z[:5])
    assert z.tolist() == [0, 0, -1, -2, -3, -4] and np.signbit(z.numpy()[:2]).all()


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"exp\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not float"):
        pyt.exp(2.0)
    with pytest.raises(TypeError, match="must be Tensor"):
        pyt.atan2(pyt.ones(2), 1)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1"):
        pyt.maximum(pyt.ones(2, 3), pyt.ones(4))
    with pytest.raises(RuntimeError, match="must match the size"):
        pyt.lerp(pyt.ones(3), pyt.ones(4), 0.5)
    with pytest.raises(RuntimeError, match="must match the size"):
        pyt.clamp(pyt.ones(3), pyt.ones(4), pyt.ones(3))
    assert pyt.ones(2, 3).__pow__("a") is NotImplemented
    with pytest.raises(TypeError):
        pyt.ones(2) % "a"
    with pytest.raises(TypeError):
        pyt.ones(2, dtype=pyt.int64) & None


def test_operators_match_functions():
    a = make((3, 4), pyt.int32).abs() + 1
    b = make((3, 4), pyt.int32, 1).abs() + 1
    for op, fn in [(operator.mod, pyt.remainder), (operator.floordiv, pyt.floor_divide),
                   (operator.pow, pyt.pow), (operator.and_, pyt.bitwise_and),
                   (operator.or_, pyt.bitwise_or), (operator.xor, pyt.bitwise_xor),
                   (operator.lshift, pyt.bitwise_left_shift),
                   (operator.rshift, pyt.bitwise_right_shift)]:
        bb = b % 5 if op in (operator.pow, operator.lshift, operator.rshift) else b
        np.testing.assert_array_equal(op(a, bb).numpy(), fn(a, bb).numpy())
        c = a.clone()
        iop = getattr(operator, "i" + op.__name__.strip("_"))
        d = iop(c, bb)
        assert d is c
        np.testing.assert_array_equal(c.numpy(), fn(a, bb).numpy())
    assert abs(pyt.tensor([-3, 4])).tolist() == [3, 4]
    assert (~pyt.tensor([True, False])).tolist() == [False, True]


def test_many_dims_and_big_tensors():
    """More than 8 dims, and tensors past the parallel grain and the tiling threshold."""
    t = pyt.ones(*([2] * 10))
    assert pyt.exp(t).shape == t.shape
    assert pyt.maximum(t, t[0]).shape == t.shape
    rng = np.random.default_rng(0)
    a = rng.standard_normal((301, 517)).astype(np.float32)
    b = rng.standard_normal((517, 301)).astype(np.float32)
    ta, tb = pyt.from_numpy(a), pyt.from_numpy(b)
    np.testing.assert_array_equal((ta + tb.t()).numpy(), a + b.T)
    np.testing.assert_array_equal(pyt.maximum(ta, tb.t()).numpy(), np.maximum(a, b.T))
    np.testing.assert_array_equal(pyt.maximum(tb.t(), ta).numpy(), np.maximum(b.T, a))
    c = rng.standard_normal((3, 64, 200)).astype(np.float32)
    tc = pyt.from_numpy(c)
    np.testing.assert_array_equal((tc.permute(0, 2, 1) * 2 + tc.permute(0, 2, 1)).numpy(),
                                  c.transpose(0, 2, 1) * 3)
    out = pyt.empty(517, 301)
    pyt.add(tb, ta.t(), out=out)                   # out= and a transposed input
    np.testing.assert_array_equal(out.numpy(), b + a.T)
    np.testing.assert_array_equal((ta + tb.t().flip(0)).numpy(), a + b.T[::-1])


def test_results_identical_for_one_and_two_threads():
    rng = np.random.default_rng(0)
    x = pyt.from_numpy(rng.uniform(-20, 20, 200_003).astype(np.float32))
    m = pyt.from_numpy(rng.standard_normal((700, 600)).astype(np.float32))
    n = pyt.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            pyt.set_num_threads(threads)
            results.append([pyt.exp(x).numpy().copy(), pyt.tanh(x).numpy().copy(),
                            pyt.sigmoid(x).numpy().copy(), pyt.log(x.abs()).numpy().copy(),
                            (m[:600] + m[:600].t()).numpy().copy(),
                            pyt.clamp(x, -1, 1).numpy().copy(),
                            pyt.pow(x, 3).numpy().copy()])
    finally:
        pyt.set_num_threads(n)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)


# ----- dtype promotion against torch --------------------------------------------------------

TORCH_BINARY = ["pow", "atan2", "hypot", "maximum", "minimum", "fmax", "fmin", "remainder",
                "fmod", "floor_divide", "bitwise_and", "bitwise_or", "bitwise_xor",
                "bitwise_left_shift", "bitwise_right_shift", "logical_and", "logical_or",
                "logical_xor"]
TORCH_UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin",
               "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
               "atanh", "sigmoid", "logit", "erf", "erfc", "erfinv", "lgamma", "digamma",
               "reciprocal", "abs", "floor", "ceil", "round", "trunc", "frac", "sign", "sgn",
               "relu", "square", "bitwise_not", "nan_to_num", "isnan", "isinf", "isposinf",
               "isneginf", "isfinite", "logical_not"]


def _torch_outcome(fn):
    try:
        r = fn()
    except Exception as e:                      # noqa: BLE001 - the type is the outcome
        return type(e).__name__
    return r.dtype if hasattr(r, "dtype") else r


def _name(d):
    return str(d).split(".")[-1]


@pytest.mark.parametrize("name", TORCH_UNARY)
def test_unary_dtypes_match_torch(name):
    torch = pytest.importorskip("torch")
    for dt in ALL_DTYPES:
        p = pyt.ones(3, dtype=dt)
        t = torch.ones(3, dtype=getattr(torch, dt.name))
        want = _torch_outcome(lambda: getattr(torch, name)(t))
        got = _torch_outcome(lambda: getattr(pyt, name)(p))
        assert _name(got) == _name(want), (name, dt)


@pytest.mark.parametrize("name", TORCH_BINARY)
def test_binary_dtypes_match_torch(name):
    torch = pytest.importorskip("torch")
    pairs = [(a, b) for a in ALL_DTYPES for b in ALL_DTYPES]
    for da, db in pairs:
        pa, pb = pyt.ones(3, dtype=da), pyt.ones(3, dtype=db)
        ta, tb = torch.ones(3, dtype=getattr(torch, da.name)), \
            torch.ones(3, dtype=getattr(torch, db.name))
        want = _torch_outcome(lambda: getattr(torch, name)(ta, tb))
        got = _torch_outcome(lambda: getattr(pyt, name)(pa, pb))
        assert _name(got) == _name(want), (name, da, db)
    # Python scalars on either side, and 0-d tensors
    for d in ALL_DTYPES:
        for s in (2, 2.5, True):
            for order in (0, 1):
                pa, ta = pyt.ones(3, dtype=d), torch.ones(3, dtype=getattr(torch, d.name))
                args_p = (pa, s) if order == 0 else (s, pa)
                args_t = (ta, s) if order == 0 else (s, ta)
                want = _torch_outcome(lambda: getattr(torch, name)(*args_t))
                got = _torch_outcome(lambda: getattr(pyt, name)(*args_p))
                assert _name(got) == _name(want), (name, d, s, order)
        p0, t0 = pyt.ones((), dtype=pyt.float64), torch.ones((), dtype=torch.float64)
        pa, ta = pyt.ones(3, dtype=d), torch.ones(3, dtype=getattr(torch, d.name))
        want = _torch_outcome(lambda: getattr(torch, name)(ta, t0))
        got = _torch_outcome(lambda: getattr(pyt, name)(pa, p0))
        assert _name(got) == _name(want), (name, d, "0-d")


def test_ternary_dtypes_match_torch():
    torch = pytest.importorskip("torch")
    for da in ALL_DTYPES:
        for db in ALL_DTYPES:
            pa, pb = pyt.ones(3, dtype=da), pyt.ones(3, dtype=db)
            ta = torch.ones(3, dtype=getattr(torch, da.name))
            tb = torch.ones(3, dtype=getattr(torch, db.name))
            for name, pf, tf in [
                    ("addcmul", lambda: pyt.addcmul(pa, pb, pb), lambda: torch.addcmul(ta, tb, tb)),
                    ("addcdiv", lambda: pyt.addcdiv(pa, pb, pa), lambda: torch.addcdiv(ta, tb, ta)),
                    ("clamp", lambda: pyt.clamp(pa, pb, pb), lambda: torch.clamp(ta, tb, tb)),
                    ("clamp_min", lambda: pyt.clamp(pa, min=pb), lambda: torch.clamp(ta, min=tb)),
                    ("lerp", lambda: pyt.lerp(pa, pb, 0.5), lambda: torch.lerp(ta, tb, 0.5))]:
                assert _name(_torch_outcome(pf)) == _name(_torch_outcome(tf)), (name, da, db)
        pa, ta = pyt.ones(3, dtype=da), torch.ones(3, dtype=getattr(torch, da.name))
        for lo, hi in [(0, 1), (0.5, None), (None, True), (True, True)]:
            want = _torch_outcome(lambda: torch.clamp(ta, lo, hi))
            got = _torch_outcome(lambda: pyt.clamp(pa, lo, hi))
            assert _name(got) == _name(want), ("clamp", da, lo, hi)


def test_values_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.uniform(-30, 30, 2000).astype(np.float32)
    y = rng.uniform(-5, 5, 2000).astype(np.float32)
    px, py = pyt.from_numpy(x), pyt.from_numpy(y)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    for name in ["exp", "tanh", "sigmoid", "sin", "erf", "floor", "round", "sign", "relu"]:
        np.testing.assert_allclose(getattr(pyt, name)(px).numpy(),
                                   getattr(torch, name)(tx).numpy(), rtol=2e-6, atol=1e-30)
    for name in ["remainder", "fmod", "floor_divide", "atan2", "maximum", "fmin", "hypot"]:
        np.testing.assert_allclose(getattr(pyt, name)(px, py).numpy(),
                                   getattr(torch, name)(tx, ty).numpy(), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(pyt.pow(px.abs(), py).numpy(),
                               torch.pow(tx.abs(), ty).numpy(), rtol=2e-6)
    np.testing.assert_allclose(pyt.erfinv(py / 5.01).numpy(), torch.erfinv(ty / 5.01).numpy(),
                               rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(pyt.digamma(px).numpy(), torch.digamma(tx).numpy(),
                               rtol=1e-4, atol=1e-5)
