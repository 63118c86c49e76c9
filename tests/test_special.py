"""pyt.special against SciPy (always) and torch.special (when installed)."""
import numpy as np
import pytest
import scipy.special as sp

import pyt
import pyt.special as S

X = np.array([-3.0, -0.5, 0.0, 1e-3, 0.7, 2.5, 40.0])


def T(a, dtype=pyt.float64):
    return pyt.tensor(a, dtype=dtype)


def close(got, want, rtol=1e-12):
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=rtol, atol=1e-300, equal_nan=True)


def test_aliases_are_the_ops():
    assert S.expit is pyt.sigmoid and S.gammaln is pyt.lgamma and S.psi is S.digamma
    close(S.expit(T(X)), sp.expit(X))
    close(S.gammaln(T(X[3:])), sp.gammaln(X[3:]))
    close(S.logsumexp(T(X), 0), sp.logsumexp(X))
    close(S.sinc(T(X)), np.sinc(X))
    close(S.xlogy(T(X), T(np.abs(X))), sp.xlogy(X, np.abs(X)))


def test_composed_against_scipy():
    y = np.array([-1.0, 0.0, 0.5, -0.99, np.nan, 3.0, 1e-20])
    close(S.xlog1py(T(X), T(y)), sp.xlog1py(X, y))
    close(S.xlog1py(T([0.0]), T([np.nan])), [np.nan])
    close(S.entr(T([-1.0, 0.0, 0.5, np.inf, np.nan])), sp.entr([-1.0, 0.0, 0.5, np.inf, np.nan]))
    close(S.ndtr(T(X)), sp.ndtr(X), rtol=1e-14)
    for p in (1, 2, 4):
        a = X[X > (p - 1) / 2]
        close(S.multigammaln(T(a), p), [sp.multigammaln(v, p) for v in a])
    assert pyt.mvlgamma is S.multigammaln


def test_dtypes_and_errors():
    assert S.ndtr(pyt.tensor([0, 1])).dtype is pyt.get_default_dtype()
    assert S.entr(T([0.5], pyt.float32)).dtype is pyt.float32
    assert S.xlog1py(2.0, T([1.0], pyt.float32)).dtype is pyt.float32
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        S.multigammaln(T([2.5]), 0)
    with pytest.raises(TypeError):
        S.multigammaln(T([2.5]), 1.5)
    with pytest.raises(TypeError):
        S.entr([0.5])


def test_gradients():
    x = T([0.3, 1.7, 2.9]).requires_grad_()
    y = T([0.5, -0.4, 2.0]).requires_grad_()
    assert pyt.autograd.gradcheck(S.xlog1py, (x, y))
    assert pyt.autograd.gradcheck(S.entr, (x,))
    assert pyt.autograd.gradcheck(S.ndtr, (y,))
    assert pyt.autograd.gradcheck(lambda t: S.multigammaln(t, 3), (x + 2,))
    # no nan gradient through the unused branches at 0
    z = T([0.0, 0.0]).requires_grad_()
    S.xlog1py(z, T([0.5, -1.0])).sum().backward()
    assert np.isfinite(z.grad.numpy()).all()


@pytest.mark.parametrize("name", ["expit", "logit", "erf", "erfc", "erfinv", "gammaln",
                                  "digamma", "psi", "exp2", "expm1", "log1p", "sinc",
                                  "entr", "ndtr"])
def test_unary_like_torch(name):
    torch = pytest.importorskip("torch")
    a = np.array([-2.5, -0.3, 0.0, 0.2, 0.9, 3.0])
    if name in ("logit", "erfinv"):
        a = np.array([0.0, 0.05, 0.5, 0.95, 1.0])
    for dtype, tdtype in ((pyt.float32, torch.float32), (pyt.float64, torch.float64)):
        got = getattr(S, name)(T(a, dtype))
        want = getattr(torch.special, name)(torch.tensor(a, dtype=tdtype))
        assert got.dtype.name == str(want.dtype).split(".")[1]
        rtol = 1e-5 if dtype is pyt.float32 else 1e-12
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=1e-7, equal_nan=True)


def test_binary_and_others_like_torch():
    torch = pytest.importorskip("torch")
    x, y = np.array([0.0, 1.0, 2.0, 0.0]), np.array([-1.0, 0.0, 1.0, np.nan])
    np.testing.assert_allclose(S.xlog1py(T(x), T(y)).numpy(),
                               torch.special.xlog1py(torch.tensor(x), torch.tensor(y)).numpy())
    a = np.array([2.5, 3.0, 7.25])
    np.testing.assert_allclose(S.multigammaln(T(a), 3).numpy(),
                               torch.special.multigammaln(torch.tensor(a), 3).numpy(), rtol=1e-12)
    r = np.random.default_rng(0).standard_normal((2, 3))
    np.testing.assert_allclose(S.softmax(T(r), 1).numpy(), torch.special.softmax(torch.tensor(r), 1).numpy())
    np.testing.assert_allclose(S.log_softmax(T(r), 0).numpy(),
                               torch.special.log_softmax(torch.tensor(r), 0).numpy())
    np.testing.assert_allclose(S.logit(T([0.1, 0.9]), eps=0.2).numpy(),
                               torch.special.logit(torch.tensor([0.1, 0.9]).double(), eps=0.2).numpy())
    np.testing.assert_allclose(S.round(T([1.25, 2.5]), decimals=1).numpy(),
                               torch.special.round(torch.tensor([1.25, 2.5]).double(), decimals=1).numpy())
