"""The later nn modules: padding layers, RMSNorm, Softmax2d, Dropout3d,
FeatureAlphaDropout, RReLU, ChannelShuffle, NLLLoss2d, the margin losses and the lazy
modules. NumPy checks first (they run without torch), then comparisons with torch."""
import warnings

import numpy as np
import pytest

import pyt
import pyt.nn as nn
import pyt.nn.functional as F


def _pyt(a, dtype=None):
    t = pyt.from_numpy(np.array(a, copy=True, order="C"))
    return t if dtype is None else t.to(dtype)


def _np(t):
    return t.detach().numpy()


_PAD_MODES = {"Constant": "constant", "Zero": "constant", "Reflection": "reflect",
              "Replication": "edge", "Circular": "wrap"}


def _np_pad(x, padding, mode, value=0.0):
    """np.pad with F.pad's padding order (last dim first)."""
    dims = len(padding) // 2
    width = [(0, 0)] * (x.ndim - dims)
    width += [(padding[2 * i], padding[2 * i + 1]) for i in reversed(range(dims))]
    if mode == "constant":
        return np.pad(x, width, mode, constant_values=value)
    return np.pad(x, width, mode)


# ---------------------------------------------------------------- without torch

@pytest.mark.parametrize("kind", list(_PAD_MODES))
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_padding_matches_numpy(kind, dims):
    rng = np.random.default_rng(dims)
    x = rng.standard_normal((2, 3) + (4,) * dims)
    padding = tuple(range(1, 2 * dims + 1)) if kind != "Reflection" else (1, 2) * dims
    padding = tuple(min(p, 3) for p in padding)
    args = (padding, 1.5) if kind == "Constant" else (padding,)
    m = getattr(nn, f"{kind}Pad{dims}d")(*args)
    assert m.padding == padding
    want = _np_pad(x, padding, _PAD_MODES[kind], 1.5 if kind == "Constant" else 0.0)
    np.testing.assert_allclose(_np(m(_pyt(x))), want)
    # unbatched input too
    np.testing.assert_allclose(_np(m(_pyt(x[0]))), want[0])


def test_padding_int_and_repr():
    assert nn.ZeroPad2d(2).padding == (2, 2, 2, 2)
    assert nn.ReflectionPad3d(1).padding == (1,) * 6
    assert repr(nn.ConstantPad1d(2, 1.5)) == "ConstantPad1d(padding=(2, 2), value=1.5)"
    assert repr(nn.ZeroPad1d(2)) == "ZeroPad1d((2, 2))"
    assert repr(nn.ReplicationPad2d((1, 2, 3, 4))) == "ReplicationPad2d((1, 2, 3, 4))"
    assert repr(nn.CircularPad1d(1)) == "CircularPad1d((1, 1))"
    assert nn.ZeroPad1d(1).value == 0.0


def test_padding_wrong_rank():
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.CircularPad2d(1)(pyt.zeros(3, 3))
    with pytest.raises(ValueError, match=r"expected 4D or 5D input \(got 6D input\)"):
        nn.CircularPad3d(1)(pyt.zeros(2, 2, 2, 2, 2, 2))
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D"):
        nn.ReflectionPad1d(1)(pyt.zeros(2, 2, 2, 2))
    with pytest.raises(RuntimeError, match="Padding length should be less than"):
        nn.ReplicationPad3d(1)(pyt.zeros(3, 3))
    with pytest.raises(RuntimeError, match="Padding length should be less than"):
        nn.ZeroPad2d(1)(pyt.zeros(3))


def test_padding_backward_sums_the_copies():
    x = pyt.ones(1, 1, 3, requires_grad=True)
    nn.ReplicationPad1d((2, 1))(x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [[[3.0, 1.0, 2.0]]])


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_rms_norm_matches_numpy(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 5))
    m = nn.RMSNorm([4, 5], dtype=dtype)
    assert m.weight.shape == (4, 5) and m.weight.dtype == dtype and m.eps is None
    with pyt.no_grad():
        m.weight.copy_(_pyt(rng.standard_normal((4, 5))))
    eps = np.finfo(np.float32 if dtype == pyt.float32 else np.float64).eps
    want = x / np.sqrt((x ** 2).mean((1, 2), keepdims=True) + eps) * _np(m.weight)
    got = m(_pyt(x, dtype))
    assert got.dtype == dtype
    np.testing.assert_allclose(_np(got), want, rtol=1e-5 if dtype == pyt.float32 else 1e-12)
    assert list(m.state_dict()) == ["weight"]
    assert repr(m) == "RMSNorm((4, 5), eps=None, elementwise_affine=True)"
    m2 = nn.RMSNorm(5, eps=1e-3, elementwise_affine=False)
    assert m2.weight is None and list(m2.state_dict()) == []
    assert repr(m2) == "RMSNorm((5,), eps=0.001, elementwise_affine=False)"
    np.testing.assert_allclose(_np(m2(_pyt(x))),
                               x / np.sqrt((x ** 2).mean(2, keepdims=True) + 1e-3))


def test_rms_norm_gradcheck_and_errors():
    rng = np.random.default_rng(1)
    x = _pyt(rng.standard_normal((2, 3))).requires_grad_()
    w = _pyt(rng.standard_normal(3)).requires_grad_()
    assert pyt.autograd.gradcheck(lambda a, b: F.rms_norm(a, (3,), b, 1e-6), (x, w))
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn.RMSNorm(4)(pyt.zeros(2, 3))


def test_softmax2d():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5))
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(_np(nn.Softmax2d()(_pyt(x))), e / e.sum(1, keepdims=True))
    np.testing.assert_allclose(_np(nn.Softmax2d()(_pyt(x[0]))), (e / e.sum(1, keepdims=True))[0])
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(pyt.zeros(2, 3))
    assert repr(nn.Softmax2d()) == "Softmax2d()"


def test_rrelu_eval_is_fixed_slope():
    x = _pyt(np.linspace(-3, 3, 13))
    m = nn.RReLU(0.1, 0.3).eval()
    want = np.where(_np(x) >= 0, _np(x), _np(x) * 0.2)
    np.testing.assert_allclose(_np(m(x)), want)
    np.testing.assert_allclose(_np(m(x)), _np(m(x)))
    assert repr(m) == "RReLU(lower=0.1, upper=0.3)"
    assert repr(nn.RReLU(inplace=True)) == \
        "RReLU(lower=0.125, upper=0.3333333333333333, inplace=True)"


def test_rrelu_training_draws_slopes_in_range():
    pyt.manual_seed(0)
    x = -pyt.ones(20000, dtype=pyt.float64)
    slopes = -_np(nn.RReLU(0.1, 0.3)(x))
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005               # U(0.1, 0.3): sd / sqrt(n) ~ 4e-4
    assert abs(slopes.std() - 0.2 / np.sqrt(12)) < 0.005
    pos = pyt.ones(100)
    np.testing.assert_array_equal(_np(nn.RReLU()(pos)), np.ones(100))
    pyt.manual_seed(5)
    a = _np(nn.RReLU()(x[:50]))
    pyt.manual_seed(5)
    np.testing.assert_array_equal(_np(nn.RReLU()(x[:50])), a)


def test_rrelu_inplace_and_grad():
    x = -pyt.ones(50, dtype=pyt.float64)
    y = F.rrelu_(x, 0.1, 0.3, training=True)
    assert y is x and bool((x < -0.099).all()) and bool((x > -0.301).all())
    x = pyt.tensor([-2.0, 3.0], requires_grad=True)
    nn.RReLU(0.1, 0.3).eval()(x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [0.2, 1.0], rtol=1e-6)


def test_dropout3d_drops_whole_channels():
    pyt.manual_seed(1)
    x = pyt.ones(8, 16, 2, 3, 3)
    m = nn.Dropout3d(0.5)
    y = _np(m(x)).reshape(8, 16, -1)
    per_channel = y[:, :, 0]
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert (y == per_channel[:, :, None]).all()
    assert 0.3 < (per_channel == 0).mean() < 0.7
    m.eval()
    assert m(x) is x
    assert repr(m) == "Dropout3d(p=0.5, inplace=False)"
    with pytest.raises(ValueError, match="dropout probability"):
        nn.Dropout3d(1.5)


def test_feature_alpha_dropout_structure():
    pyt.manual_seed(2)
    x = _pyt(np.random.default_rng(0).standard_normal((16, 8, 5)))
    m = nn.FeatureAlphaDropout(0.5)
    y = _np(m(x))
    p = 0.5
    alpha = 1.7580993408473766                  # minus SELU's saturation value
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    kept = np.isclose(y, _np(x) * a + alpha * a * p)
    dropped = np.isclose(y, -alpha * a + alpha * a * p)
    assert (kept | dropped).all()
    assert (kept.all(2) | dropped.all(2)).all()             # the whole channel at once
    m.eval()
    np.testing.assert_array_equal(_np(m(x)), _np(x))
    assert repr(m) == "FeatureAlphaDropout(p=0.5, inplace=False)"


def test_channel_shuffle():
    x = np.arange(2 * 6 * 2).reshape(2, 6, 2).astype(np.float32)
    want = x.reshape(2, 3, 2, 2).transpose(0, 2, 1, 3).reshape(2, 6, 2)
    np.testing.assert_array_equal(_np(nn.ChannelShuffle(3)(_pyt(x))), want)
    assert repr(nn.ChannelShuffle(3)) == "ChannelShuffle(groups=3)"
    with pytest.raises(RuntimeError, match="divisible by groups"):
        nn.ChannelShuffle(4)(_pyt(x))


def test_nll_loss_2d_is_nll_loss():
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        m = nn.NLLLoss2d()
    assert isinstance(m, nn.NLLLoss)
    logp = _pyt(np.log(np.full((2, 3, 2, 2), 1 / 3)))
    target = pyt.zeros(2, 2, 2, dtype=pyt.int64)
    np.testing.assert_allclose(float(m(logp, target)), np.log(3))


def _np_multi_margin(x, y, p, margin, w):
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j != y[i]:
                z = max(0.0, margin - x[i, y[i]] + x[i, j]) ** p
                out[i] += z * (1.0 if w is None else w[y[i]])
    return out / c


def _np_multilabel_margin(x, t):
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        targets = []
        for v in t[i]:
            if v < 0:
                break
            targets.append(v)
        for j in targets:
            for k in range(c):
                if k not in targets:
                    out[i] += max(0.0, 1 - (x[i, j] - x[i, k]))
    return out / c


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss_matches_numpy(p, weighted):
    rng = np.random.default_rng(p)
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    w = rng.random(4) + 0.5 if weighted else None
    m = nn.MultiMarginLoss(p=p, margin=0.7, weight=None if w is None else _pyt(w),
                           reduction="none")
    np.testing.assert_allclose(_np(m(_pyt(x), _pyt(y))), _np_multi_margin(x, y, p, 0.7, w))
    assert list(m.state_dict()) == (["weight"] if weighted else [])
    xt = _pyt(x).requires_grad_()
    assert pyt.autograd.gradcheck(
        lambda a: F.multi_margin_loss(a, _pyt(y), p, 0.7, None if w is None else _pyt(w)),
        (xt,))


def test_multi_margin_loss_errors():
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="expected weight to be None or 1D tensor, got 2D"):
        nn.MultiMarginLoss(weight=pyt.ones(2, 2))
    assert repr(nn.MultiMarginLoss()) == "MultiMarginLoss()"


def test_multilabel_margin_loss_matches_numpy():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 5))
    t = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 1, 1, 1, 1], [4, 4, -1, 0, 0]])
    m = nn.MultiLabelMarginLoss(reduction="none")
    np.testing.assert_allclose(_np(m(_pyt(x), _pyt(t))), _np_multilabel_margin(x, t))
    np.testing.assert_allclose(float(nn.MultiLabelMarginLoss()(_pyt(x), _pyt(t))),
                               _np_multilabel_margin(x, t).mean())
    xt = _pyt(x).requires_grad_()
    assert pyt.autograd.gradcheck(lambda a: F.multilabel_margin_loss(a, _pyt(t)), (xt,))


def test_triplet_margin_with_distance_loss():
    rng = np.random.default_rng(5)
    a, p, n = (rng.standard_normal((5, 3)) for _ in range(3))
    m = nn.TripletMarginWithDistanceLoss(margin=0.5, reduction="none")
    assert isinstance(m.distance_function, nn.PairwiseDistance)
    d = lambda u, v: np.linalg.norm(u - v + 1e-6, axis=1)
    np.testing.assert_allclose(_np(m(_pyt(a), _pyt(p), _pyt(n))),
                               np.maximum(d(a, p) - d(a, n) + 0.5, 0))
    cos = lambda u, v: 1.0 - F.cosine_similarity(u, v)
    ms = nn.TripletMarginWithDistanceLoss(distance_function=cos, swap=True)
    tensors = tuple(_pyt(v).requires_grad_() for v in (a, p, n))
    assert pyt.autograd.gradcheck(lambda *t: ms(*t), tensors)
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    assert repr(m) == "TripletMarginWithDistanceLoss(\n  (distance_function): " \
                      "PairwiseDistance()\n)"
