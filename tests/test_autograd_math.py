"""Derivatives of the elementwise math ops: math_ops.pyx (exp ... addcdiv, polygamma) and
the division family, neg and the reflected operators of pointwise.pxi."""
import math

import numpy as np
import pytest

import pyt
from pyt.autograd import gradcheck, gradgradcheck


def leaf(shape, lo=-1.0, hi=1.0, seed=0, dtype=pyt.float64):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.uniform(lo, hi, shape), dtype=dtype, requires_grad=True)


def grads_of(fn, inputs, seed=5):
    """Gradients of fn(*inputs) against a random output gradient."""
    out = fn(*inputs)
    rng = np.random.default_rng(seed)
    g = pyt.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
    return out, pyt.autograd.grad(out, [x for x in inputs if x.requires_grad], g,
                                  allow_unused=True)


# ----- unary ops -------------------------------------------------------------------------------

# (name, domain, smooth, torch's node name, node name of the in-place form or None when
# there is none)
UNARY = [
    ("exp", (-1, 1), True, "ExpBackward0", "ExpBackward0"),
    ("exp2", (-1, 1), True, "Exp2Backward0", "Exp2Backward0"),
    ("expm1", (-1, 1), True, "Expm1Backward0", "Expm1Backward0"),
    ("log", (0.5, 2), True, "LogBackward0", "LogBackward0"),
    ("log2", (0.5, 2), True, "Log2Backward0", "Log2Backward0"),
    ("log10", (0.5, 2), True, "Log10Backward0", "Log10Backward0"),
    ("log1p", (-0.5, 1), True, "Log1PBackward0", "Log1PBackward0"),
    ("sqrt", (0.5, 2), True, "SqrtBackward0", "SqrtBackward0"),
    ("rsqrt", (0.5, 2), True, "RsqrtBackward0", "RsqrtBackward0"),
    ("square", (-1, 1), True, "PowBackward0", "PowBackward0"),
    ("sin", (-2, 2), True, "SinBackward0", "SinBackward0"),
    ("cos", (-2, 2), True, "CosBackward0", "CosBackward0"),
    ("tan", (-1, 1), True, "TanBackward0", "TanBackward0"),
    ("asin", (-0.8, 0.8), True, "AsinBackward0", "AsinBackward0"),
    ("acos", (-0.8, 0.8), True, "AcosBackward0", "AcosBackward0"),
    ("atan", (-2, 2), True, "AtanBackward0", "AtanBackward0"),
    ("sinh", (-1, 1), True, "SinhBackward0", "SinhBackward0"),
    ("cosh", (-1, 1), True, "CoshBackward0", "CoshBackward0"),
    ("tanh", (-1, 1), True, "TanhBackward0", "TanhBackward0"),
    ("asinh", (-1, 1), True, "AsinhBackward0", "AsinhBackward1"),
    ("acosh", (1.2, 3), True, "AcoshBackward0", "AcoshBackward1"),
    ("atanh", (-0.8, 0.8), True, "AtanhBackward0", "AtanhBackward1"),
    ("arcsin", (-0.8, 0.8), True, "AsinBackward0", "AsinBackward0"),
    ("arccos", (-0.8, 0.8), True, "AcosBackward0", "AcosBackward0"),
    ("arctan", (-2, 2), True, "AtanBackward0", "AtanBackward0"),
    ("arcsinh", (-1, 1), True, "AsinhBackward0", "AsinhBackward1"),
    ("arccosh", (1.2, 3), True, "AcoshBackward0", "AcoshBackward1"),
    ("arctanh", (-0.8, 0.8), True, "AtanhBackward0", "AtanhBackward1"),
    ("sigmoid", (-2, 2), True, "SigmoidBackward0", "SigmoidBackward0"),
    ("logit", (0.1, 0.9), True, "LogitBackward0", "LogitBackward0"),
    ("erf", (-1, 1), True, "ErfBackward0", "ErfBackward0"),
    ("erfc", (-1, 1), True, "ErfcBackward0", "ErfcBackward0"),
    ("erfinv", (-0.8, 0.8), True, "ErfinvBackward0", "ErfinvBackward0"),
    ("lgamma", (0.5, 3), True, "LgammaBackward0", "LgammaBackward0"),
    ("digamma", (0.5, 3), True, "DigammaBackward0", "DigammaBackward0"),
    ("reciprocal", (0.5, 2), True, "ReciprocalBackward0", "ReciprocalBackward0"),
    ("abs", (-1, 1), True, "AbsBackward0", "AbsBackward0"),
    ("absolute", (-1, 1), True, "AbsBackward0", "AbsBackward0"),
    ("relu", (-1, 1), True, "ReluBackward0", "ReluBackward0"),
    ("nan_to_num", (-1, 1), True, "NanToNumBackward0", "NanToNumBackward0"),
    ("neg", (-1, 1), True, "NegBackward0", "NegBackward0"),
    ("negative", (-1, 1), True, "NegBackward0", None),
    ("frac", (-2.3, 2.3), True, "FracBackward0", "FracBackward0"),
    ("sign", (-2, 2), False, "SignBackward0", "SignBackward0"),
    ("sgn", (-2, 2), False, "SgnBackward0", "SgnBackward0"),
    ("floor", (-2.3, 2.3), False, "FloorBackward0", "FloorBackward0"),
    ("ceil", (-2.3, 2.3), False, "CeilBackward0", "CeilBackward0"),
    ("trunc", (-2.3, 2.3), False, "TruncBackward0", "TruncBackward0"),
    ("fix", (-2.3, 2.3), False, "TruncBackward0", "TruncBackward0"),
    ("round", (-2.3, 2.3), False, "RoundBackward0", "RoundBackward0"),
]
UNARY_IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize("name,domain,smooth,node,inplace_node", UNARY, ids=UNARY_IDS)
def test_unary_gradcheck(name, domain, smooth, node, inplace_node):
    f = getattr(pyt, name)
    x = leaf((3, 2), *domain)
    assert f(x).grad_fn.name() == node
    assert gradcheck(f, (x,))
    assert gradcheck(lambda t: f(t.t()), (x,))                     # transposed
    assert gradcheck(lambda t: f(t[::2]), (x,))                    # sliced with a step
    assert gradcheck(lambda t: f(t.expand(2, 3, 2)), (x,))         # expanded
    assert gradcheck(f, (leaf((), *domain, seed=1),))              # 0-d
    if smooth:
        assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("name,domain,smooth,node,inplace_node", UNARY, ids=UNARY_IDS)
def test_unary_inplace(name, domain, smooth, node, inplace_node):
    if inplace_node is None:
        return
    x = leaf((2, 3), *domain)
    y = getattr(x * 1, name + "_")()
    assert y.grad_fn.name() == inplace_node
    assert gradcheck(lambda t: getattr(t * 1, name + "_")(), (x,))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(x, name + "_")()


def test_unary_variants():
    x = leaf((2, 3), 0.05, 0.95)
    assert pyt.logit(x, 0.2).grad_fn.name() == "LogitBackward0"
    assert gradcheck(lambda t: pyt.logit(t, 0.2), (x,))
    assert gradgradcheck(lambda t: pyt.logit(t, 0.2), (x,))
    assert gradcheck(lambda t: t.logit(-1.0), (x,))                # negative eps: no clamp
    assert gradcheck(lambda t: (t * 1).logit_(0.2), (x,))
    for decimals in (0, 1, -1):
        assert pyt.round(x, decimals=decimals).grad_fn.name() == "RoundBackward1"
        assert gradcheck(lambda t: pyt.round(t * 10, decimals=decimals), (x,))
    assert gradcheck(lambda t: pyt.nan_to_num(t, nan=1.0, posinf=2.0, neginf=-2.0), (x,))
    assert gradcheck(lambda t: t.clamp(0.3, 0.6).relu_(), (x,))
    assert gradcheck(lambda t: abs(t - 0.5), (x,))


def test_unary_special_points():
    inf, nan = math.inf, math.nan
    x = pyt.tensor([0.0, -0.0, 1.5, -2.0, inf, -inf, nan], dtype=pyt.float64,
                   requires_grad=True)
    expect = {
        "abs": [0, 0, 1, -1, 1, -1, 0], "relu": [0, 0, 1, 0, 1, 0, 1],
        "nan_to_num": [1, 1, 1, 1, 0, 0, 0], "sign": [0] * 7, "floor": [0] * 7,
        "frac": [1] * 7,
    }
    for name, grad in expect.items():
        g, = pyt.autograd.grad(getattr(pyt, name)(x).sum(), x)
        np.testing.assert_array_equal(g.numpy(), grad, err_msg=name)
    p = pyt.tensor([-0.5, 0.0, 0.05, 0.5, 1.0, 1.5], dtype=pyt.float64, requires_grad=True)
    g, = pyt.autograd.grad(pyt.logit(p).sum(), p)
    np.testing.assert_array_equal(g.numpy(), [nan, inf, 1 / (0.05 * 0.95), 4, inf, nan])
    g, = pyt.autograd.grad(pyt.logit(p, 0.1).sum(), p)
    np.testing.assert_array_equal(g.numpy(), [0, 0, 0, 4, 0, 0])


# ----- polygamma --------------------------------------------------------------------------------

def test_polygamma_values():
    x = pyt.tensor([1.0, 0.5, 2.5, 10.0, 1e10, -2.5, -0.3], dtype=pyt.float64)
    zeta3, pi = 1.2020569031595942, math.pi
    got = pyt.polygamma(1, x).numpy()
    np.testing.assert_allclose(got[:2], [pi ** 2 / 6, pi ** 2 / 2], rtol=1e-14)
    np.testing.assert_allclose(pyt.polygamma(2, x[:1]).numpy(), [-2 * zeta3], rtol=1e-14)
    np.testing.assert_allclose(pyt.polygamma(3, x[:1]).numpy(), [pi ** 4 / 15], rtol=1e-14)
    np.testing.assert_allclose(got[4], 1e-10, rtol=1e-9)
    # reflection: psi1(1 - x) + psi1(x) = pi^2 / sin^2(pi x)
    for v in (-2.5, -0.3, 0.7):
        lhs = pyt.polygamma(1, pyt.tensor([1 - v, v], dtype=pyt.float64)).sum().item()
        assert lhs == pytest.approx(pi ** 2 / math.sin(pi * v) ** 2, rel=1e-12)
    # the recurrence psi_n(x + 1) = psi_n(x) + (-1)^n n! / x^(n+1)
    for n in (1, 2, 4):
        a, b = pyt.polygamma(n, pyt.tensor([2.3, 3.3], dtype=pyt.float64)).tolist()
        assert b == pytest.approx(a + (-1) ** n * math.factorial(n) / 2.3 ** (n + 1),
                                  rel=1e-12)
    # numerically, the derivative of digamma
    h = 1e-5
    d = (pyt.digamma(x[:4] + h) - pyt.digamma(x[:4] - h)) / (2 * h)
    np.testing.assert_allclose(pyt.polygamma(1, x[:4]).numpy(), d.numpy(), rtol=1e-7)
    np.testing.assert_array_equal(pyt.polygamma(0, x).numpy(), pyt.digamma(x).numpy())
    poles = pyt.tensor([0.0, -1.0, -3.0], dtype=pyt.float64)
    assert pyt.polygamma(1, poles).tolist() == [math.inf] * 3
    assert pyt.polygamma(2, poles).tolist() == [-math.inf] * 3
    inf = pyt.tensor([math.inf, -math.inf, math.nan], dtype=pyt.float64)
    np.testing.assert_array_equal(pyt.polygamma(1, inf).numpy(), [0, math.nan, math.nan])
    np.testing.assert_array_equal(pyt.polygamma(2, inf).numpy(),
                                  [math.nan, -math.inf, math.nan])


def test_polygamma_dtypes_and_errors():
    for dt in (pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64):
        r = pyt.polygamma(1, pyt.tensor([1, 2], dtype=dt))
        assert r.dtype is pyt.float32
        np.testing.assert_allclose(r.numpy()[0], math.pi ** 2 / 6, rtol=1e-6)
    e = pyt.tensor([2.0], dtype=pyt.float64).expand(2, 3)
    assert pyt.polygamma(2, e).tolist() == [[pyt.polygamma(2, e[0, 0]).item()] * 3] * 2
    for dt in (pyt.float16, pyt.bfloat16, pyt.float32):
        r = pyt.polygamma(2, pyt.tensor([1.0, 2.0], dtype=dt))
        assert r.dtype is dt
        np.testing.assert_allclose(r.float().numpy(), [-2.4041138, -0.4041138], rtol=1e-2)
    x = pyt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=pyt.float64)
    np.testing.assert_array_equal(pyt.polygamma(1, x.t()).numpy(),
                                  pyt.polygamma(1, x).numpy().T)
    assert pyt.polygamma(1, pyt.ones(0, 3)).shape == (0, 3)
    assert pyt.polygamma(1, pyt.tensor(2.0)).shape == ()
    y = x.clone()
    assert y.polygamma_(1) is y and pyt.equal(y, x.polygamma(1))
    out = pyt.empty(0, dtype=pyt.float64)
    assert pyt.polygamma(3, x, out=out) is out and pyt.equal(out, x.polygamma(3))
    with pytest.raises(RuntimeError, match="does not support negative n"):
        pyt.polygamma(-1, x)
    with pytest.raises(TypeError, match="must be int, not float"):
        pyt.polygamma(1.5, x)
    with pytest.raises(TypeError):
        pyt.polygamma(1, [1.0])
    with pytest.raises(RuntimeError, match="can't be cast"):
        pyt.tensor([1, 2]).polygamma_(1)


def test_polygamma_gradients():
    x = leaf((3, 2), 0.5, 3)
    for n in (0, 1, 2):
        assert pyt.polygamma(n, x).grad_fn.name() == "PolygammaBackward0"
        assert gradcheck(lambda t: pyt.polygamma(n, t), (x,))
        assert gradgradcheck(lambda t: pyt.polygamma(n, t), (x,))
    assert (x * 1).polygamma_(2).grad_fn.name() == "PolygammaBackward1"
    assert (x * 1).polygamma_(0).grad_fn.name() == "PolygammaBackward1"
    assert gradcheck(lambda t: (t * 1).polygamma_(1), (x,))
    assert gradgradcheck(pyt.lgamma, (x,))                         # lgamma -> digamma -> polygamma
    with pytest.raises(RuntimeError, match="out=... arguments"):
        pyt.polygamma(1, x, out=pyt.empty(3, 2, dtype=pyt.float64))


# ----- binary and ternary ops -------------------------------------------------------------------

A = np.array([[0.3, -1.7, 2.6], [-0.45, 1.15, 0.8]])
B = np.array([0.7, -0.9, 1.1])


def strided(x):
    """x's values in a non-contiguous view (every other element of a recorded product)."""
    v = (x.unsqueeze(-1) * pyt.ones(2, dtype=x.dtype))[..., 0]
    assert not v.is_contiguous() or x.numel() <= 1
    return v


def t(values, requires_grad=True):
    return pyt.tensor(values, dtype=pyt.float64, requires_grad=requires_grad)


# (id, function, inputs, torch's node name, smooth)
BINARY = [
    ("atan2", pyt.atan2, lambda: (t(A), t(B)), "Atan2Backward0", True),
    ("arctan2", pyt.arctan2, lambda: (t(A[:, :1]), t(B)), "Atan2Backward0", True),
    ("hypot", pyt.hypot, lambda: (t(A), t(B[:1])), "HypotBackward0", True),
    ("maximum", pyt.maximum, lambda: (t(A), t(B)), "MaximumBackward0", True),
    ("minimum", pyt.minimum, lambda: (t(A), t(B)), "MinimumBackward0", True),
    ("fmax", pyt.fmax, lambda: (t(A), t(B)), "FmaxBackward0", True),
    ("fmin", pyt.fmin, lambda: (t(A), t(B)), "FminBackward0", True),
    ("pow", pyt.pow, lambda: (t(abs(A) + 0.5), t(B)), "PowBackward1", True),
    ("pow_0d", pyt.pow, lambda: (t(abs(A) + 0.5), t(1.7)), "PowBackward1", True),
    ("pow_scalar", lambda x: x ** 2.5, lambda: (t(abs(A) + 0.5),), "PowBackward0", True),
    ("pow_int", lambda x: x ** 3, lambda: (t(A),), "PowBackward0", True),
    ("pow_neg", lambda x: pyt.pow(x, -1.5), lambda: (t(abs(A) + 0.5),), "PowBackward0", True),
    ("pow_half", lambda x: x.pow(0.5), lambda: (t(abs(A) + 0.5),), "PowBackward0", True),
    ("pow_zero", lambda x: x ** 0, lambda: (t(A),), "PowBackward0", True),
    ("rpow", lambda x: 2 ** x, lambda: (t(A),), "PowBackward2", True),
    ("rpow_frac", lambda x: pyt.pow(0.5, x), lambda: (t(A),), "PowBackward2", True),
    ("remainder", pyt.remainder, lambda: (t(A), t(B)), "RemainderBackward1", True),
    ("remainder_scalar", lambda x: x % 0.7, lambda: (t(A),), "RemainderBackward0", True),
    ("fmod", pyt.fmod, lambda: (t(A), t(B)), "FmodBackward1", True),
    ("fmod_scalar", lambda x: x.fmod(0.7), lambda: (t(A),), "FmodBackward0", True),
    ("div_floor", lambda a, b: pyt.div(a, b, rounding_mode="floor"), lambda: (t(A), t(B)),
     "DivBackward2", True),
    ("div_trunc", lambda a, b: a.div(b, rounding_mode="trunc"), lambda: (t(A), t(B)),
     "DivBackward2", True),
    ("true_divide", pyt.true_divide, lambda: (t(A), t(B)), "DivBackward0", True),
    ("add_alpha", lambda a, b: pyt.add(a, b, alpha=2.5), lambda: (t(A), t(B)),
     "AddBackward0", True),
    ("sub_alpha", lambda a, b: a.sub(b, alpha=-3), lambda: (t(A), t(B)), "SubBackward0", True),
    ("rsub", lambda x: 1 - x, lambda: (t(A),), "RsubBackward1", True),
    ("rtruediv", lambda x: 3 / x, lambda: (t(A),), "MulBackward0", True),
    ("clamp", lambda x: pyt.clamp(x, -0.5, 0.9), lambda: (t(A),), "ClampBackward1", True),
    ("clamp_min", lambda x: x.clamp(min=0.5), lambda: (t(A),), "ClampBackward1", True),
    ("clip_max", lambda x: pyt.clip(x, max=0.5), lambda: (t(A),), "ClampBackward1", True),
    ("clamp_min_fn", lambda x: pyt.clamp_min(x, 0.5), lambda: (t(A),), "ClampMinBackward0",
     True),
    ("clamp_max_fn", lambda x: x.clamp_max(0.5), lambda: (t(A),), "ClampMaxBackward0", True),
    ("clamp_tensors", pyt.clamp, lambda: (t(A), t(B - 0.5), t(B[:1] + 0.5)), "ClampBackward0",
     True),
    ("clamp_min_tensor", lambda x, m: x.clamp(min=m), lambda: (t(A), t(B)), "ClampBackward0",
     True),
    ("clamp_min_t_fn", pyt.clamp_min, lambda: (t(A), t(B)), "ClampMinBackward1", True),
    ("clamp_max_t_fn", pyt.clamp_max, lambda: (t(A), t(B)), "ClampMaxBackward1", True),
    ("clamp_inverted", pyt.clamp, lambda: (t(A), t(B + 0.5), t(B - 0.5)), "ClampBackward0",
     True),
    ("lerp", lambda a, b: pyt.lerp(a, b, 0.3), lambda: (t(A), t(B)), "LerpBackward0", True),
    ("lerp_tensor", pyt.lerp, lambda: (t(A), t(B), t(A[0] * 0.5)), "LerpBackward1", True),
    ("addcmul", lambda a, b, c: pyt.addcmul(a, b, c, value=0.5),
     lambda: (t(A), t(B), t(A[:1])), "AddcmulBackward0", True),
    ("addcdiv", lambda a, b, c: a.addcdiv(b, c, value=-2),
     lambda: (t(A[0]), t(A), t(B)), "AddcdivBackward0", True),
]
BINARY_IDS = [b[0] for b in BINARY]


@pytest.mark.parametrize("name,fn,inputs,node,smooth", BINARY, ids=BINARY_IDS)
def test_binary_gradcheck(name, fn, inputs, node, smooth):
    args = inputs()
    assert fn(*args).grad_fn.name() == node
    assert gradcheck(fn, args)
    if smooth:
        assert gradgradcheck(fn, args)
    # one operand without grad, and an operand not contiguous
    if len(args) > 1:
        fixed = (args[0].detach(),) + args[1:]
        assert gradcheck(fn, fixed)
        assert gradcheck(lambda a, *rest: fn(strided(a), *rest), args)


# in-place forms: (id, function of a non-leaf, inputs)
INPLACE = [
    ("atan2_", lambda a, b: (a * 1).atan2_(b), "Atan2Backward0"),
    ("hypot_", lambda a, b: (a * 1).hypot_(b), "HypotBackward0"),
    ("pow_", lambda a, b: (a.abs() + 0.5).pow_(b), "PowBackward1"),
    ("pow_scalar_", lambda a, b: (a * 1).pow_(3), "PowBackward0"),
    ("ipow", lambda a, b: _ipow(a.abs() + 0.5, b), "PowBackward1"),
    ("square_", lambda a, b: (a * 1).square_(), "PowBackward0"),
    ("remainder_", lambda a, b: (a * 1).remainder_(b), "RemainderBackward1"),
    ("imod", lambda a, b: _imod(a * 1, 0.7), "RemainderBackward0"),
    ("fmod_", lambda a, b: (a * 1).fmod_(b), "FmodBackward1"),
    ("div_floor_", lambda a, b: (a * 1).div_(b, rounding_mode="floor"), "DivBackward2"),
    ("add_alpha_", lambda a, b: (a * 1).add_(b, alpha=2), "AddBackward0"),
    ("sub_alpha_", lambda a, b: (a * 1).sub_(b, alpha=2), "SubBackward0"),
    ("clamp_", lambda a, b: (a * 1).clamp_(-0.5, 0.9), "ClampBackward1"),
    ("clamp_tensors_", lambda a, b: (a * 1).clamp_(b - 0.5, b + 0.5), "ClampBackward0"),
    ("clamp_min_", lambda a, b: (a * 1).clamp_min_(0.5), "ClampMinBackward0"),
    ("clamp_max_t_", lambda a, b: (a * 1).clamp_max_(b), "ClampMaxBackward1"),
    ("clip_", lambda a, b: (a * 1).clip_(max=0.5), "ClampBackward1"),
    ("lerp_", lambda a, b: (a * 1).lerp_(b, 0.3), "LerpBackward0"),
    ("lerp_tensor_", lambda a, b: (a * 1).lerp_(b, b * b), "LerpBackward1"),
    ("addcmul_", lambda a, b: (a * 1).addcmul_(b, a, value=2), "AddcmulBackward0"),
    ("addcdiv_", lambda a, b: (a * 1).addcdiv_(a, b, value=2), "AddcdivBackward0"),
    ("neg_", lambda a, b: (a * 1).neg_(), "NegBackward0"),
]


def _ipow(a, b):
    a **= b
    return a


def _imod(a, b):
    a %= b
    return a


@pytest.mark.parametrize("name,fn,node", INPLACE, ids=[i[0] for i in INPLACE])
def test_binary_inplace(name, fn, node):
    a, b = t(A), t(B)
    assert fn(a, b).grad_fn.name() == node
    assert gradcheck(fn, (a, b))


def test_inplace_checks():
    a, b = t(A), t(B)
    for op in (lambda: a.atan2_(b), lambda: a.pow_(2), lambda: a.clamp_(0, 1),
               lambda: a.lerp_(b, 0.5), lambda: a.addcmul_(b, b), lambda: a.neg_(),
               lambda: a.div_(b, rounding_mode="floor"), lambda: a.polygamma_(1),
               lambda: a.clamp_min_(b), lambda: a.hypot_(b), lambda: a.sub_(b, alpha=2)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            op()
    # the in-place kernel's own checks hold when recording
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        (b * 1).hypot_(a)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        (b * 1).add_(a, alpha=2)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        pyt.zeros(3, dtype=pyt.int64).atan2_(t(B).float())
    with pytest.raises(RuntimeError, match="result type Double can't be cast"):
        pyt.zeros(3, dtype=pyt.int64).mul_(t(B))
    # a saved input changed in place is caught; an input the formula does not read is not
    x = t(B) * 1
    y = x.sin()
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    x, w = t(B) * 1, t(B)
    y = pyt.lerp(x, w, 0.5) + pyt.addcmul(x, w, w)
    x.add_(1)
    y.sum().backward()
    assert w.grad is not None


def test_special_points_against_expectations():
    inf, nan = math.inf, math.nan
    a = t([1.0, 2.0, nan, 3.0])
    b = t([1.0, 3.0, 1.0, nan])
    expect = {
        pyt.maximum: ([0.5, 0, 1, 1], [0.5, 1, 1, 1]),
        pyt.minimum: ([0.5, 1, 1, 1], [0.5, 0, 1, 1]),
        pyt.fmax: ([1, 0, 0, 1], [0, 1, 1, 0]),
        pyt.fmin: ([1, 1, 0, 1], [0, 0, 1, 0]),
    }
    for f, (ga, gb) in expect.items():
        got = pyt.autograd.grad(f(a, b).sum(), (a, b))
        np.testing.assert_array_equal(got[0].numpy(), ga, err_msg=f.__name__)
        np.testing.assert_array_equal(got[1].numpy(), gb, err_msg=f.__name__)
    # clamp: the bounds count as inside; min > max gives max (and its gradient)
    x = t([-1.0, -0.5, 0.0, 0.5, 1.0, nan])
    g, = pyt.autograd.grad(pyt.clamp(x, -0.5, 0.5).sum(), x)
    assert g.tolist()[:5] == [0, 1, 1, 1, 0] and g.tolist()[5] == 0
    lo, hi = t([0.0] * 6), t([-1.0] * 6)
    g = pyt.autograd.grad(pyt.clamp(x, lo, hi).sum(), (x, lo, hi))
    assert [v.tolist() for v in g] == [[0] * 6, [0] * 6, [1] * 6]
    # pow at 0, as torch
    base, e = t([0.0, 0.0, 0.0, 2.0]), t([0.0, 2.0, -1.0, 0.0])
    gb, ge = pyt.autograd.grad(pyt.pow(base, e).sum(), (base, e))
    assert gb.tolist() == [0, 0, -inf, 0]
    assert ge.tolist()[:3] == [0, 0, -inf] and ge.tolist()[3] == pytest.approx(math.log(2))
    assert pyt.autograd.grad((base ** 0).sum(), base)[0].tolist() == [0] * 4
    assert pyt.autograd.grad(pyt.pow(0.0, e).sum(), e)[0].tolist() == [0, 0, -inf, 0]
    assert all(math.isnan(v) for v in pyt.autograd.grad(pyt.pow(-2.0, e).sum(), e)[0].tolist())
    # div with a rounding mode: zero gradient (nan stays nan, as torch's grad * 0)
    g = pyt.autograd.grad(pyt.div(a, b, rounding_mode="floor").sum(), (a, b))
    assert [v.tolist() for v in g] == [[0] * 4, [0] * 4]


def test_non_differentiable_outputs():
    a, b = t(A), t(B)
    for r in (pyt.isnan(a), pyt.isinf(a), pyt.isfinite(a), pyt.isposinf(a), pyt.isneginf(a),
              pyt.logical_not(a), pyt.logical_and(a, b), pyt.logical_or(a, b),
              pyt.logical_xor(a, b), pyt.isclose(a, a), a > b, a == b, pyt.ne(a, b),
              pyt.le(a, 0), a.isnan(), a.isfinite()):
        assert not r.requires_grad and r.grad_fn is None
    assert pyt.equal(a, a) is True and pyt.allclose(a, a) is True
    with pytest.raises(NotImplementedError):
        pyt.bitwise_and(a, b)


def test_ops_torch_cannot_differentiate():
    """torch records these with a node whose backward raises; so does pyt."""
    a, b = t(A), t(B)
    for r, op in ((pyt.floor_divide(a, b), "floor_divide"), (a // 2, "floor_divide"),
                  ((a * 1).floor_divide_(b), "floor_divide"), (2 % b, "remainder")):
        assert r.requires_grad and r.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match=f"derivative for aten::{op} is not implemented"):
            r.sum().backward()


def test_out_refused():
    a, b = t(A), t(B)
    out = pyt.empty(0, dtype=pyt.float64)
    for call, name in ((lambda: pyt.exp(a, out=out), "exp"),
                       (lambda: pyt.abs(a, out=out), "abs"),
                       (lambda: pyt.atan2(a, b, out=out), "atan2"),
                       (lambda: pyt.maximum(b, a, out=out), "maximum"),
                       (lambda: pyt.pow(a, 2, out=out), "pow"),
                       (lambda: pyt.pow(2, a, out=out), "pow"),
                       (lambda: pyt.clamp(a, 0, 1, out=out), "clamp"),
                       (lambda: pyt.clamp_min(a, b, out=out), "clamp_min"),
                       (lambda: pyt.lerp(a, a, 0.5, out=out), "lerp"),
                       (lambda: pyt.addcmul(a, b, b, out=out), "addcmul"),
                       (lambda: pyt.remainder(a, b, out=out), "remainder"),
                       (lambda: pyt.div(a, b, rounding_mode="trunc", out=out), "div"),
                       (lambda: pyt.neg(a, out=out), "neg"),
                       (lambda: pyt.sub(a, b, alpha=2, out=out), "sub")):
        with pytest.raises(RuntimeError, match=f"{name}\\(\\): functions with out=... "
                                               "arguments don't support automatic"):
            call()
    # without grad mode, out= works
    with pyt.no_grad():
        assert pyt.exp(a, out=out) is out and not out.requires_grad


def test_grad_dtypes_follow_inputs():
    x32 = leaf((2, 3), 0.5, 2, dtype=pyt.float32)
    x64 = leaf((3,), 0.5, 2, seed=2)
    for f in (pyt.exp, pyt.sqrt, pyt.sigmoid, pyt.digamma, lambda v: v ** 2.5,
              lambda v: pyt.clamp(v, 0.7, 1.2), lambda v: pyt.polygamma(1, v)):
        g, = pyt.autograd.grad(f(x32).sum(), x32)
        assert g.dtype is pyt.float32
    for f in (pyt.maximum, pyt.atan2, pyt.hypot, pyt.pow, pyt.remainder,
              lambda u, v: pyt.lerp(u, v.float(), 0.5),
              lambda u, v: pyt.addcdiv(u, v, v, value=2)):
        out, grads = grads_of(f, (x32, x64))
        assert grads[0].dtype is pyt.float32 and grads[1].dtype is pyt.float64
        assert grads[0].shape == x32.shape and grads[1].shape == x64.shape
    for dt in (pyt.float16, pyt.bfloat16):
        h = leaf((4,), 0.5, 2, dtype=dt)
        g, = pyt.autograd.grad((pyt.exp(h) * pyt.atan2(h, h)).sum(), h)
        assert g.dtype is dt


def test_integer_operands_get_no_gradient():
    x = leaf((3,), 0.5, 2)
    n = pyt.tensor([1, 2, 3])
    out, (gx,) = grads_of(lambda u: pyt.pow(u, n) + pyt.pow(n, u) + pyt.maximum(u, n), (x,))
    assert gx.shape == (3,)
    assert gradcheck(lambda u: pyt.pow(n, u) * pyt.atan2(n, u) + pyt.clamp(u, n - 2, n), (x,))


def test_no_grad_paths():
    a, b = t(A), t(B)
    with pyt.no_grad():
        for r in (pyt.exp(a), pyt.maximum(a, b), pyt.clamp(a, b, b + 1), a ** b, 2 ** a, -a,
                  pyt.lerp(a, a, 0.5), pyt.polygamma(1, a), a // b, 1 - a, 3 / a):
            assert not r.requires_grad and r.grad_fn is None
    plain = pyt.tensor(A)
    assert pyt.exp(plain).grad_fn is None and (plain ** 2).grad_fn is None
    y = plain.clone()
    y.exp_()
    assert not y.requires_grad


def test_graph_shapes_like_torch():
    a, b = t(A), t(B)
    # add / sub with alpha: one node straight to both inputs
    r = pyt.add(a, b, alpha=2)
    assert [n.name() for n, _ in r.grad_fn.next_functions] == ["AccumulateGrad"] * 2
    ga, gb = pyt.autograd.grad(r.sum(), (a, b))
    assert gb.tolist() == [4.0, 4.0, 4.0]
    # other / self is reciprocal(self) * other
    r = 3 / b
    assert r.grad_fn.name() == "MulBackward0"
    assert r.grad_fn.next_functions[0][0].name() == "ReciprocalBackward0"
    np.testing.assert_allclose(pyt.autograd.grad(r.sum(), b)[0].numpy(), -3 / B ** 2)
    assert (-a).grad_fn.name() == "NegBackward0"


def test_zero_size_and_0d():
    e = leaf((0, 3))
    for f in (pyt.exp, pyt.tanh, lambda v: pyt.clamp(v, 0, 1), lambda v: pyt.maximum(v, v),
              lambda v: v ** 2, lambda v: pyt.lerp(v, v, 0.5), lambda v: pyt.polygamma(1, v)):
        g, = pyt.autograd.grad(f(e).sum(), e)
        assert g.shape == (0, 3)
    s = leaf(())
    assert gradcheck(lambda v: pyt.atan2(v, pyt.tensor([1.0, 2.0], dtype=pyt.float64)), (s,))
    assert gradcheck(lambda v: pyt.addcmul(v, v, v), (s,))


# ----- against torch -------------------------------------------------------------------------------

SPECIAL = np.array([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, np.inf, -np.inf, np.nan])


def _torch_cases():
    a = np.array([[0.3, -1.7, 2.6, 0.0], [1.0, 1.0, -0.45, np.nan]])
    b = np.array([1.0, 1.0, 0.0, -0.9])
    pos = np.abs(a) + 0.25
    return [
        # (name, fn of (lib, *tensors), inputs, which inputs require grad)
        ("unary", lambda m, x: sum(getattr(m, n)(x).sum() * (i + 1) for i, n in enumerate((
            "exp", "expm1", "log1p", "sin", "cos", "tanh", "sigmoid", "erf", "erfc", "atan",
            "abs", "relu", "sign", "floor", "frac", "nan_to_num", "asinh", "neg", "square")))
         , (SPECIAL,), (0,)),
        ("unary_pos", lambda m, x: sum(getattr(m, n)(x).sum() * (i + 1) for i, n in enumerate((
            "log", "log2", "log10", "sqrt", "rsqrt", "reciprocal", "lgamma", "digamma",
            "exp2", "cosh", "sinh", "tan")))
         , (pos,), (0,)),
        ("unary_unit", lambda m, x: sum(getattr(m, n)(x).sum() * (i + 1) for i, n in enumerate((
            "asin", "acos", "atanh", "erfinv", "logit"))) + m.logit(x, 0.3).sum()
         , (np.array([0.1, 0.25, 0.5, 0.9, 0.3]),), (0,)),
        ("acosh", lambda m, x: m.acosh(x), (np.array([1.5, 2.0, 4.0]),), (0,)),
        ("polygamma", lambda m, x: m.polygamma(1, x) + m.polygamma(2, x) * 2,
         (np.array([0.5, 1.3, 7.0]),), (0,)),
        ("extrema", lambda m, x, y: m.maximum(x, y) + 2 * m.minimum(x, y) + 3 * m.fmax(x, y)
         + 4 * m.fmin(x, y), (a, b), (0, 1)),
        ("atan2_hypot", lambda m, x, y: m.atan2(x, y) * m.hypot(x, y), (a, b), (0, 1)),
        ("pow", lambda m, x, y: m.pow(x, y) + x ** 2 + 2 ** y + x ** 0.5 + 3 / x + 1 - y,
         (pos, b), (0, 1)),
        ("pow_zero", lambda m, x, y: m.pow(x, y), (np.array([0.0, 0.0, 0.0, 2.0]),
                                                   np.array([0.0, 2.0, -1.0, 0.0])), (0, 1)),
        ("remainder", lambda m, x, y: m.remainder(x, y) + m.fmod(x, y) * 2 + x % 0.7,
         (a, np.array([0.7, -0.9, 1.3, 2.0])), (0, 1)),
        ("clamp", lambda m, x, lo, hi: m.clamp(x, lo, hi) + m.clamp(x, -0.5, 0.5)
         + m.clamp_min(x, lo) + x.clamp(max=hi), (a, b - 0.5, b[:1]), (0, 1, 2)),
        ("lerp", lambda m, x, y, w: m.lerp(x, y, w) + m.lerp(x, y, 0.25),
         (a, b, np.array([0.2, 0.5, 0.8, 1.5])), (0, 1, 2)),
        ("addc", lambda m, x, y, z: m.addcmul(x, y, z, value=0.5) + m.addcdiv(x, y, z,
                                                                              value=-2),
         (a, b, pos), (0, 1, 2)),
        ("arith", lambda m, x, y: m.add(x, y, alpha=2) - m.sub(x, y, alpha=0.5) * m.div(x, y)
         + m.div(x, y, rounding_mode="floor"), (pos, np.array([1.5, -0.5, 2.0, 0.25])),
         (0, 1)),
    ]


@pytest.mark.parametrize("case", _torch_cases(), ids=lambda c: c[0])
def test_against_torch(case):
    torch = pytest.importorskip("torch")
    name, fn, arrays, diff = case
    # torch's trigamma (digamma's derivative) is a short series, good to ~5e-10
    rtol = 2e-9 if name in ("unary_pos", "polygamma") else 1e-10
    got, want = [], []
    for lib, store in ((pyt, got), (torch, want)):
        xs = [lib.tensor(v, dtype=lib.float64, requires_grad=i in diff)
              for i, v in enumerate(arrays)]
        out = fn(lib, *xs)
        g = lib.tensor(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape)),
                       dtype=lib.float64)
        grads = lib.autograd.grad(out, [xs[i] for i in diff], g)
        store.append(np.asarray(out.detach().numpy()))
        store.extend(np.asarray(v.numpy()) for v in grads)
    for p, q in zip(got, want):
        np.testing.assert_allclose(p, q, rtol=rtol, atol=1e-12, err_msg=name)


def test_node_names_against_torch():
    torch = pytest.importorskip("torch")
    for lib_fn in (lambda m, x, y: m.clamp(x, min=0.1), lambda m, x, y: m.clamp(x, y, y),
                   lambda m, x, y: m.clamp_min(x, y), lambda m, x, y: 2 ** x,
                   lambda m, x, y: x ** y, lambda m, x, y: 1 - x, lambda m, x, y: x // y,
                   lambda m, x, y: m.lerp(x, y, y), lambda m, x, y: m.round(x, decimals=1),
                   lambda m, x, y: (x * 1).asinh_(), lambda m, x, y: m.polygamma(2, x),
                   lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
                   lambda m, x, y: m.sgn(x), lambda m, x, y: m.fix(x)):
        names = []
        for m in (pyt, torch):
            x = m.tensor([0.5, 0.25], dtype=m.float64, requires_grad=True)
            y = m.tensor([0.75, 0.5], dtype=m.float64, requires_grad=True)
            names.append(lib_fn(m, x, y).grad_fn.name())
        assert names[0] == names[1]


def test_double_backward_against_torch():
    torch = pytest.importorskip("torch")
    vals = np.array([0.3, 0.7, 1.4])
    fns = [lambda m, x: m.tanh(x) * m.sigmoid(x) ** 2, lambda m, x: m.lgamma(x) + m.erfinv(x / 2),
           lambda m, x: m.atan2(x, x * x + 1) * m.hypot(x, 2 * x),
           lambda m, x: m.pow(x, x) + m.lerp(x, x * x, x), lambda m, x: m.logit(x / 2, 0.2)]
    for fn in fns:
        res = []
        for m in (pyt, torch):
            x = m.tensor(vals, dtype=m.float64, requires_grad=True)
            g, = m.autograd.grad(fn(m, x).sum(), x, create_graph=True)
            gg, = m.autograd.grad((g * g).sum(), x)
            res.append((g.detach().numpy(), gg.numpy()))
        np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10)
        np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-9)
