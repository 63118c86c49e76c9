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


# ---------------------------------------------------------------- against torch

def _pair_modules(torch, name, args, kwargs):
    """The torch and pyt modules, the torch parameters and buffers copied to pyt."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tm = getattr(torch.nn, name)(*args, **kwargs)
        pm = getattr(nn, name)(*args, **kwargs)
    assert list(pm.state_dict()) == list(tm.state_dict())
    state = {k: _pyt(v.detach().numpy()) for k, v in tm.state_dict().items()}
    pm.load_state_dict(state)
    assert repr(pm) == repr(tm)
    return tm, pm


_MODULES = [
    ("ConstantPad1d", ((1, 2), -0.5), {}, [(2, 3, 4)]),
    ("ConstantPad2d", (1, 0.5), {}, [(2, 3, 4, 5)]),
    ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 2.0), {}, [(2, 3, 4, 5)]),
    ("ZeroPad1d", (2,), {}, [(3, 4)]),
    ("ZeroPad2d", ((1, 2, -1, 1),), {}, [(2, 3, 4, 5)]),
    ("ZeroPad3d", (1,), {}, [(2, 3, 4, 5, 2)]),
    ("ReflectionPad1d", ((3, 1),), {}, [(2, 3, 4)]),
    ("ReflectionPad2d", (2,), {}, [(3, 4, 5)]),
    ("ReflectionPad3d", ((1, 2, 0, 1, 2, 1),), {}, [(2, 3, 3, 4, 5)]),
    ("ReplicationPad1d", ((3, 1),), {}, [(3, 4)]),
    ("ReplicationPad2d", ((1, 2, 3, 0),), {}, [(2, 3, 4, 5)]),
    ("ReplicationPad3d", (2,), {}, [(3, 3, 4, 5)]),
    ("CircularPad1d", ((3, 1),), {}, [(2, 3, 4)]),
    ("CircularPad2d", ((1, 2, 3, 0),), {}, [(3, 4, 5)]),
    ("CircularPad3d", (1,), {}, [(2, 3, 3, 4, 5)]),
    ("RMSNorm", ([4, 5],), {}, [(3, 4, 5)]),
    ("RMSNorm", (5,), {"eps": 1e-2, "elementwise_affine": False}, [(2, 3, 5)]),
    ("Softmax2d", (), {}, [(2, 3, 4, 5)]),
    ("ChannelShuffle", (2,), {}, [(2, 6, 3)]),
    ("RReLU", (0.2, 0.4), {}, [(3, 7)]),                       # compared in eval mode
    ("Dropout3d", (0.3,), {}, [(2, 3, 2, 2, 2)]),
    ("FeatureAlphaDropout", (0.3,), {}, [(2, 3, 4)]),
    ("TripletMarginWithDistanceLoss", (), {"margin": 2.0, "swap": True},
     [(4, 5), (4, 5), (4, 5)]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,kwargs,shapes", _MODULES,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(_MODULES)])
def test_module_matches_torch(name, args, kwargs, shapes, dtype):
    torch = pytest.importorskip("torch")
    tm, pm = _pair_modules(torch, name, args, kwargs)
    tm.eval()
    pm.eval()
    tm.to(getattr(torch, dtype))
    pm.to(getattr(pyt, dtype))
    rng = np.random.default_rng(len(name))
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    t_in = [torch.from_numpy(a).requires_grad_() for a in arrays]
    p_in = [_pyt(a).requires_grad_() for a in arrays]
    t_out, p_out = tm(*t_in), pm(*p_in)
    assert p_out.dtype == getattr(pyt, dtype) and tuple(p_out.shape) == tuple(t_out.shape)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), **tol)
    cot = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
    t_out.backward(torch.from_numpy(cot))
    p_out.backward(_pyt(cot))
    for t, p in zip(t_in, p_in):
        np.testing.assert_allclose(_np(p.grad), t.grad.numpy(), **tol)
    for (k, tp), (_, pp) in zip(tm.named_parameters(), pm.named_parameters()):
        np.testing.assert_allclose(_np(pp.grad), tp.grad.numpy(), **tol, err_msg=k)


_LOSSES = [
    ("MultiMarginLoss", {}, "class"),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5, "reduction": "sum"}, "class"),
    ("MultiMarginLoss", {"weight": "w", "reduction": "none"}, "class"),
    ("MultiMarginLoss", {"p": 2, "weight": "w"}, "class"),
    ("MultiLabelMarginLoss", {}, "labels"),
    ("MultiLabelMarginLoss", {"reduction": "none"}, "labels"),
    ("MultiLabelMarginLoss", {"reduction": "sum"}, "labels"),
    ("NLLLoss2d", {"weight": "w", "ignore_index": 1}, "class2d"),
]


def _loss_targets(kind, rng, n, c):
    if kind == "class":
        return rng.integers(0, c, n)
    if kind == "class2d":
        return rng.integers(0, c, (n, 2, 3))
    t = np.full((n, c), -1)
    for i in range(n):
        k = rng.integers(0, c + 1)
        t[i, :k] = rng.permutation(c)[:k]
    t[0, :2] = [1, 1]                            # a repeated label
    return t


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("name,kwargs,kind", _LOSSES,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(_LOSSES)])
def test_loss_matches_torch(name, kwargs, kind, unbatched, dtype):
    torch = pytest.importorskip("torch")
    if unbatched and kind == "class2d":
        pytest.skip("NLLLoss2d takes batched images")
    rng = np.random.default_rng(7)
    n, c = 6, 4
    w = (rng.random(c) + 0.5).astype(dtype)
    t_kw = {k: torch.from_numpy(w) if v == "w" else v for k, v in kwargs.items()}
    p_kw = {k: _pyt(w) if v == "w" else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tm, pm = getattr(torch.nn, name)(**t_kw), getattr(nn, name)(**p_kw)
    assert repr(pm) == repr(tm)
    assert list(pm.state_dict()) == list(tm.state_dict())
    x = rng.standard_normal((n, c, 2, 3) if kind == "class2d" else (n, c)).astype(dtype)
    t = _loss_targets(kind, rng, n, c)
    if unbatched:
        x, t = x[0], (t[:1] if kind == "class" else t[0])
    t_x, p_x = torch.from_numpy(x).requires_grad_(), _pyt(x).requires_grad_()
    t_out, p_out = tm(t_x, torch.from_numpy(t)), pm(p_x, _pyt(t))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert tuple(p_out.shape) == tuple(t_out.shape) and p_out.dtype == getattr(pyt, dtype)
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), **tol)
    t_out.sum().backward()
    p_out.sum().backward()
    np.testing.assert_allclose(_np(p_x.grad), t_x.grad.numpy(), **tol)


def _same_error(torch, t_call, p_call):
    with pytest.raises(Exception) as t_err:
        t_call()
    with pytest.raises(Exception) as p_err:
        p_call()
    assert p_err.type is t_err.type, (p_err.value, t_err.value)
    t_msg, p_msg = str(t_err.value), str(p_err.value)
    assert t_msg.startswith(p_msg.split("\n")[0][:40]), (p_msg, t_msg)


@pytest.mark.parametrize("name,args", [
    ("ConstantPad1d", (1, 0.0)), ("ConstantPad2d", (1, 0.0)), ("ConstantPad3d", (1, 0.0)),
    ("ZeroPad1d", (1,)), ("ZeroPad2d", (1,)), ("ZeroPad3d", (1,)),
    ("ReflectionPad1d", (1,)), ("ReflectionPad2d", (1,)), ("ReflectionPad3d", (1,)),
    ("ReplicationPad1d", (1,)), ("ReplicationPad2d", (1,)), ("ReplicationPad3d", (1,)),
    ("CircularPad1d", (1,)), ("CircularPad2d", (1,)), ("CircularPad3d", (1,)),
    ("Softmax2d", ()), ("ChannelShuffle", (2,)), ("Dropout3d", ()),
    ("FeatureAlphaDropout", ()),
])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_wrong_rank_errors_match_torch(name, args):
    torch = pytest.importorskip("torch")
    tm, pm = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    for rank in range(0, 7):
        shape = (2,) * rank
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tm(torch.zeros(shape))
        except Exception:
            _same_error(torch, lambda: tm(torch.zeros(shape)), lambda: pm(pyt.zeros(shape)))
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert tuple(pm(pyt.zeros(shape)).shape) == tuple(tm(torch.zeros(shape)).shape)


def test_constructor_errors_match_torch():
    torch = pytest.importorskip("torch")
    for name, kw in [("MultiMarginLoss", {"p": 3}), ("TripletMarginWithDistanceLoss",
                                                      {"margin": -1.0}),
                     ("Dropout3d", {"p": -0.1}), ("FeatureAlphaDropout", {"p": 2})]:
        _same_error(torch, lambda: getattr(torch.nn, name)(**kw),
                    lambda: getattr(nn, name)(**kw))


def test_triplet_with_distance_custom_function_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    arrays = [rng.standard_normal((5, 4)) for _ in range(3)]
    tm = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda u, v: (u - v).abs().sum(-1), margin=0.3, reduction="none")
    pm = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda u, v: (u - v).abs().sum(-1), margin=0.3, reduction="none")
    assert repr(pm) == repr(tm)
    np.testing.assert_allclose(_np(pm(*[_pyt(a) for a in arrays])),
                               tm(*[torch.from_numpy(a) for a in arrays]).numpy())


def test_rrelu_training_matches_torch_in_law():
    """Same support and same slope distribution in training mode (the draws differ)."""
    torch = pytest.importorskip("torch")
    x = -np.ones(20000)
    t = -torch.nn.RReLU(0.1, 0.3)(torch.from_numpy(x)).numpy()
    p = -_np(nn.RReLU(0.1, 0.3)(_pyt(x)))
    assert abs(t.mean() - p.mean()) < 0.01 and abs(t.std() - p.std()) < 0.01


def test_margin_loss_errors_match_torch():
    torch = pytest.importorskip("torch")
    x, y = np.zeros((3, 4)), np.array([0, 1, 2])
    cases = [
        ("multi_margin_loss", np.zeros(4), np.array([1, 2]), {}),
        ("multi_margin_loss", np.zeros((3, 0)), y, {}),
        ("multi_margin_loss", np.zeros((2, 3, 4)), y[:2], {}),
        ("multi_margin_loss", x, y.reshape(3, 1), {}),
        ("multi_margin_loss", x, np.array([0, 4, 1]), {}),
        ("multi_margin_loss", x, np.array([0, -1, 1]), {}),
        ("multi_margin_loss", x, y.astype(np.int32), {}),
        ("multi_margin_loss", x.astype(np.int32), y, {}),
        ("multi_margin_loss", x, y, {"weight": np.ones(3)}),
        ("multi_margin_loss", x, y, {"weight": np.ones((2, 2))}),
        ("multi_margin_loss", x, y, {"p": 3}),
        ("multi_margin_loss", x, y, {"reduction": "foo"}),
        ("multilabel_margin_loss", x, np.zeros((3, 3), np.int64), {}),
        ("multilabel_margin_loss", x, np.full((3, 4), 4), {}),
        ("multilabel_margin_loss", x, np.full((3, 4), -2), {}),
        ("multilabel_margin_loss", np.zeros(4), np.array([1, 0, -1, 9]), {}),
        ("multilabel_margin_loss", np.zeros(4), np.zeros((1, 4), np.int64), {}),
        ("multilabel_margin_loss", x, np.zeros((3, 4)), {}),
        ("multilabel_margin_loss", np.zeros((2, 3, 4)), np.zeros((2, 3, 4), np.int64), {}),
    ]
    for fn, a, t, kw in cases:
        t_kw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                for k, v in kw.items()}
        p_kw = {k: _pyt(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        _same_error(torch,
                    lambda: getattr(torch.nn.functional, fn)(torch.from_numpy(a),
                                                             torch.from_numpy(t), **t_kw),
                    lambda: getattr(F, fn)(_pyt(a), _pyt(t), **p_kw))


@pytest.mark.parametrize("fn,a,t", [
    ("multi_margin_loss", (), ()), ("multi_margin_loss", (4,), (1,)),
    ("multi_margin_loss", (4,), ()), ("multi_margin_loss", (0, 4), (0,)),
    ("multilabel_margin_loss", (), ()), ("multilabel_margin_loss", (4,), (4,)),
    ("multilabel_margin_loss", (1,), (1,)), ("multilabel_margin_loss", (0, 4), (0, 4)),
])
def test_margin_loss_shapes_match_torch(fn, a, t):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(a)
    y = np.zeros(t, np.int64)
    for reduction in ("none", "sum"):
        want = getattr(torch.nn.functional, fn)(torch.from_numpy(x), torch.from_numpy(y),
                                                reduction=reduction)
        got = getattr(F, fn)(_pyt(x), _pyt(y), reduction=reduction)
        assert tuple(got.shape) == tuple(want.shape)
        if x.size:                      # torch's sum over no samples is uninitialised memory
            np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- lazy modules

_LAZY = [
    ("LazyLinear", (3,), {}, (4, 5), "Linear"),
    ("LazyConv1d", (4, 3), {"groups": 2, "padding": 1}, (2, 6, 7), "Conv1d"),
    ("LazyConv2d", (4, 3), {"bias": False, "padding_mode": "reflect", "padding": 1},
     (3, 6, 6), "Conv2d"),
    ("LazyConv3d", (2, 2), {"stride": 2}, (1, 3, 4, 4, 4), "Conv3d"),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2, "output_padding": 1}, (2, 3, 5),
     "ConvTranspose1d"),
    ("LazyConvTranspose2d", (4, 3), {"groups": 2}, (2, 4, 3, 3), "ConvTranspose2d"),
    ("LazyConvTranspose3d", (2, 2), {"dilation": 2}, (3, 3, 3, 3), "ConvTranspose3d"),
    ("LazyBatchNorm1d", (), {}, (6, 3), "BatchNorm1d"),
    ("LazyBatchNorm2d", (), {"momentum": None, "bias": False}, (4, 3, 2, 2), "BatchNorm2d"),
    ("LazyBatchNorm3d", (), {"affine": False}, (2, 3, 2, 2, 2), "BatchNorm3d"),
    ("LazyBatchNorm1d", (), {"track_running_stats": False}, (6, 3, 2), "BatchNorm1d"),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 5), "InstanceNorm1d"),
    ("LazyInstanceNorm2d", (), {"affine": False, "track_running_stats": False},
     (2, 3, 4, 4), "InstanceNorm2d"),
    ("LazyInstanceNorm3d", (), {"eps": 1e-3}, (2, 3, 2, 3, 2), "InstanceNorm3d"),
]


@pytest.mark.parametrize("name,args,kwargs,shape,becomes", _LAZY,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(_LAZY)])
@pytest.mark.filterwarnings("ignore:input's size at dim=1 does not match num_features")
def test_lazy_module_materialises(name, args, kwargs, shape, becomes):
    m = getattr(nn, name)(*args, **kwargs)
    lazy_names = [k for k, v in m.state_dict(keep_vars=True).items()
                  if isinstance(v, (nn.UninitializedParameter, nn.UninitializedBuffer))]
    assert m.has_uninitialized_params() == bool(lazy_names)
    assert "(0," in repr(m) or "in_features=0" in repr(m)
    pyt.manual_seed(0)
    x = pyt.randn(*shape)
    y = m(x)
    assert type(m) is getattr(nn, becomes)
    assert not any(isinstance(v, (nn.UninitializedParameter, nn.UninitializedBuffer))
                   for v in m.state_dict(keep_vars=True).values())
    assert all(type(p) is nn.Parameter for p in m.parameters())
    assert all(type(b) is pyt.Tensor for b in m.buffers())
    assert not m._forward_pre_hooks and not m._load_state_dict_pre_hooks
    # the same module built eagerly with the inferred size gives the same output
    if name == "LazyLinear":
        eager = nn.Linear(m.in_features, *args, **kwargs)
    elif "Conv" in name:
        eager = getattr(nn, becomes)(m.in_channels, *args, **kwargs)
    else:
        # the lazy instance norms default to affine and tracking, the eager ones do not
        settings = {"affine": m.affine, "track_running_stats": m.track_running_stats}
        eager = getattr(nn, becomes)(m.num_features, **{**settings, **kwargs})
    assert repr(eager) == repr(m)
    assert list(eager.state_dict()) == list(m.state_dict())
    eager.load_state_dict(m.state_dict())
    m.eval()
    eager.eval()
    np.testing.assert_allclose(_np(eager(x)), _np(m(x)), rtol=1e-6)
    y2 = m(x)                        # no second initialisation
    assert y2.shape == y.shape


def test_lazy_parameters_train():
    pyt.manual_seed(1)
    m = nn.Sequential(nn.LazyConv1d(4, 3), nn.LazyBatchNorm1d(), nn.ReLU(), nn.Flatten(),
                      nn.LazyLinear(2))
    x, t = pyt.randn(8, 2, 6), pyt.randn(8, 2)
    # an optimizer may be made before the first forward (it holds the same Parameters)
    opt = pyt.optim.SGD(m.parameters(), lr=0.1)
    loss0 = F.mse_loss(m(x), t)
    assert [type(c).__name__ for c in m] == ["Conv1d", "BatchNorm1d", "ReLU", "Flatten",
                                             "Linear"]
    for _ in range(20):
        opt.zero_grad()
        loss = F.mse_loss(m(x), t)
        loss.backward()
        opt.step()
    assert float(loss) < float(loss0)


def test_lazy_state_dict_round_trip():
    m = nn.LazyBatchNorm2d()
    state = m.state_dict()
    assert isinstance(state["weight"], nn.UninitializedParameter)
    assert isinstance(state["running_mean"], nn.UninitializedBuffer)
    assert type(state["num_batches_tracked"]) is pyt.Tensor
    # a lazy state_dict loads into a lazy module; a real one fixes the shapes
    nn.LazyBatchNorm2d().load_state_dict(state)
    source = nn.BatchNorm2d(5)
    with pyt.no_grad():
        source.running_mean.fill_(0.5)
    m.load_state_dict(source.state_dict())
    assert type(m) is nn.LazyBatchNorm2d and m.num_features == 0     # until forward
    assert tuple(m.running_mean.shape) == (5,) and type(m.running_mean) is pyt.Tensor
    np.testing.assert_array_equal(_np(m.running_mean), np.full(5, 0.5))
    m.eval()
    m(pyt.randn(2, 5, 3, 3))
    assert type(m) is nn.BatchNorm2d
    np.testing.assert_array_equal(_np(m.running_mean), np.full(5, 0.5))
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "weight"'):
        nn.LazyLinear(3).load_state_dict({})


def test_lazy_dtype_before_forward():
    m = nn.LazyBatchNorm1d().double()
    assert isinstance(m.running_mean, nn.UninitializedBuffer)
    assert m.running_mean.dtype == pyt.float64 and m.weight.dtype == pyt.float64
    m(pyt.randn(4, 3, dtype=pyt.float64))
    assert m.running_mean.dtype == pyt.float64 and m.weight.dtype == pyt.float64
    lin = nn.LazyLinear(2, dtype=pyt.float64)
    lin(pyt.randn(3, 4, dtype=pyt.float64))
    assert lin.weight.dtype == pyt.float64


def test_lazy_instance_norm_without_parameters_keeps_zero_features():
    # nothing to materialise: num_features stays 0 and the eager module warns, as in torch
    m = nn.LazyInstanceNorm2d(affine=False, track_running_stats=False)
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        m(pyt.randn(2, 3, 4, 4))
    assert type(m) is nn.InstanceNorm2d and m.num_features == 0


def test_lazy_errors():
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) "
                                           r"input to LazyConv2d"):
        nn.LazyConv2d(2, 3)(pyt.zeros(2, 3))
    m = nn.LazyConv1d(6, 3, groups=4)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        m(pyt.zeros(2, 6, 5))
    assert type(m) is nn.LazyConv1d
    lin = nn.LazyLinear(3)
    lin.load_state_dict(nn.Linear(4, 3).state_dict())
    with pytest.raises(AssertionError, match="in_features inferred from input: 5"):
        lin(pyt.zeros(2, 5))
    buf = nn.UninitializedBuffer()
    assert repr(buf) == "<UninitializedBuffer>" and not buf.requires_grad
    buf.materialize((2, 3))
    assert tuple(buf.shape) == (2, 3) and not isinstance(buf, nn.UninitializedBuffer)


@pytest.mark.parametrize("name,args,kwargs,shape,becomes", _LAZY,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(_LAZY)])
@pytest.mark.filterwarnings("ignore:input's size at dim=1 does not match num_features")
def test_lazy_module_matches_torch(name, args, kwargs, shape, becomes):
    torch = pytest.importorskip("torch")
    tm, pm = getattr(torch.nn, name)(*args, **kwargs), getattr(nn, name)(*args, **kwargs)
    assert repr(pm) == repr(tm)
    t_state, p_state = tm.state_dict(), pm.state_dict()
    assert list(p_state) == list(t_state)
    assert [type(v).__name__ for v in p_state.values()] == \
        [type(v).__name__ for v in t_state.values()]
    x = np.random.default_rng(3).standard_normal(shape)
    tm.double()
    pm.double()
    t_x, p_x = torch.from_numpy(x).requires_grad_(), _pyt(x).requires_grad_()
    tm(t_x)                                              # materialise both
    pm(p_x)
    assert type(pm).__name__ == type(tm).__name__ == becomes
    assert repr(pm) == repr(tm)
    assert list(pm.state_dict()) == list(tm.state_dict())
    pm.load_state_dict({k: _pyt(v.numpy()) for k, v in tm.state_dict().items()})
    t_out, p_out = tm(t_x), pm(p_x)
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    t_out.sum().backward()
    p_out.sum().backward()
    np.testing.assert_allclose(_np(p_x.grad), t_x.grad.numpy(), rtol=1e-9, atol=1e-10)
    for (k, v), (_, w) in zip(tm.state_dict().items(), pm.state_dict().items()):
        np.testing.assert_allclose(_np(w), v.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)


def test_rrelu_zero_takes_the_slope_and_bounds_checked():
    for training in (False, True):
        x = pyt.tensor([0.0, -1.0, 2.0], requires_grad=True)
        F.rrelu(x, 0.2, 0.2, training=training).sum().backward()
        np.testing.assert_allclose(_np(x.grad), [0.2, 0.2, 1.0], rtol=1e-6)
        with pytest.raises(RuntimeError, match="Lower bound should be less than or equal"):
            F.rrelu(x, 0.5, 0.1, training=training)


@pytest.mark.parametrize("dtype,wdtype", [("float16", None), ("bfloat16", None),
                                          ("float16", "float32"), ("float32", "float64"),
                                          ("float64", "float32")])
@pytest.mark.filterwarnings("ignore:Mismatch dtype")
def test_rms_norm_dtypes_match_torch(dtype, wdtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 4, 5))
    w = rng.standard_normal(5)
    t_x, p_x = torch.from_numpy(x).to(getattr(torch, dtype)), _pyt(x, getattr(pyt, dtype))
    t_w = None if wdtype is None else torch.from_numpy(w).to(getattr(torch, wdtype))
    p_w = None if wdtype is None else _pyt(w, getattr(pyt, wdtype))
    want, got = torch.nn.functional.rms_norm(t_x, [5], t_w), F.rms_norm(p_x, [5], p_w)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    tol = 1e-2 if dtype in ("float16", "bfloat16") else 1e-6
    np.testing.assert_allclose(_np(got.double()), want.double().numpy(), rtol=tol, atol=tol)


def test_rms_norm_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [((3,), [2, 3], None), ((2, 4), [3], None), ((2, 4, 5), [3, 5], None),
             ((), [1], None), ((2, 3), [3], (2,))]
    for shape, ns, wshape in cases:
        _same_error(torch,
                    lambda: torch.nn.functional.rms_norm(
                        torch.ones(shape), ns, None if wshape is None else torch.ones(wshape)),
                    lambda: F.rms_norm(pyt.ones(shape), ns,
                                       None if wshape is None else pyt.ones(wshape)))
        with pytest.raises(Exception) as t_err:
            torch.nn.functional.rms_norm(torch.ones(shape), ns,
                                         None if wshape is None else torch.ones(wshape))
        with pytest.raises(Exception) as p_err:
            F.rms_norm(pyt.ones(shape), ns, None if wshape is None else pyt.ones(wshape))
        assert str(p_err.value) == str(t_err.value)
    _same_error(torch, lambda: torch.nn.functional.rms_norm(torch.ones(2, dtype=torch.int64),
                                                            [2]),
                lambda: F.rms_norm(pyt.ones(2, dtype=pyt.int64), [2]))


# ---------------------------------------------------------------- adaptive softmax

def _np_log_softmax(z):
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def test_adaptive_log_softmax_matches_numpy():
    pyt.manual_seed(3)
    m = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0).double()
    assert [tuple(p.shape) for p in m.parameters()] == [(5, 8), (4, 8), (3, 4), (2, 8), (4, 2)]
    assert list(m.state_dict()) == ["head.weight", "tail.0.0.weight", "tail.0.1.weight",
                                    "tail.1.0.weight", "tail.1.1.weight"]
    x = np.random.default_rng(0).standard_normal((7, 8))
    y = np.array([0, 9, 4, 3, 2, 7, 5])
    w = {k: _np(v) for k, v in m.state_dict().items()}
    head = _np_log_softmax(x @ w["head.weight"].T)
    full = [head[:, :3]]
    for i in range(2):
        tail = _np_log_softmax(x @ w[f"tail.{i}.0.weight"].T @ w[f"tail.{i}.1.weight"].T)
        full.append(tail + head[:, 3 + i:4 + i])
    full = np.concatenate(full, 1)
    np.testing.assert_allclose(_np(m.log_prob(_pyt(x))), full, rtol=1e-12)
    np.testing.assert_allclose(np.exp(full).sum(1), 1.0, rtol=1e-12)
    out = m(_pyt(x), _pyt(y))
    np.testing.assert_allclose(_np(out.output), full[np.arange(7), y], rtol=1e-12)
    np.testing.assert_allclose(float(out.loss), -full[np.arange(7), y].mean(), rtol=1e-12)
    np.testing.assert_array_equal(_np(m.predict(_pyt(x))), full.argmax(1))
    one = m(_pyt(x[2]), pyt.tensor(4))
    assert one.output.shape == () and abs(float(one.output) - full[2, 4]) < 1e-12
    xt = _pyt(x).requires_grad_()
    assert pyt.autograd.gradcheck(lambda a: m(a, _pyt(y)).loss, (xt,))


def test_adaptive_log_softmax_errors():
    for cutoffs in ([], [3, 3], [0], [10], [5, 2], [2.5]):
        with pytest.raises(ValueError, match="cutoffs should be a sequence"):
            nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)
    m = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])
    with pytest.raises(RuntimeError, match="same size in the batch dimension"):
        m(pyt.randn(3, 8), pyt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\], but values "
                                           r"in range \[-2, 3\] were found"):
        m(pyt.randn(3, 8), pyt.tensor([1, -2, 3]))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        m(pyt.randn(3, 8), pyt.tensor([[1]]))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D input tensors"):
        m(pyt.randn(2, 8), pyt.tensor(1))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adaptive_log_softmax_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 6, 9], div_value=2.0,
                                             head_bias=True).to(getattr(torch, dtype))
    pm = nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 6, 9], div_value=2.0,
                                       head_bias=True).to(getattr(pyt, dtype))
    assert repr(pm) == repr(tm)
    assert list(pm.state_dict()) == list(tm.state_dict())
    pm.load_state_dict({k: _pyt(v.numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 8)).astype(dtype)
    y = np.array([0, 11, 4, 3, 2, 7, 5, 1, 1])       # cluster 2 (9, 10) has one row only
    t_x, p_x = torch.from_numpy(x).requires_grad_(), _pyt(x).requires_grad_()
    t_out, p_out = tm(t_x, torch.from_numpy(y)), pm(p_x, _pyt(y))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(p_out.output), t_out.output.detach().numpy(), **tol)
    np.testing.assert_allclose(float(p_out.loss), float(t_out.loss.detach()), **tol)
    t_out.loss.backward()
    p_out.loss.backward()
    np.testing.assert_allclose(_np(p_x.grad), t_x.grad.numpy(), **tol)
    for (k, a), (_, b) in zip(tm.named_parameters(), pm.named_parameters()):
        np.testing.assert_allclose(_np(b.grad), a.grad.numpy(), **tol, err_msg=k)
    np.testing.assert_allclose(_np(pm.log_prob(p_x)), tm.log_prob(t_x).detach().numpy(), **tol)
    np.testing.assert_array_equal(_np(pm.predict(p_x)), tm.predict(t_x).numpy())


# ---------------------------------------------------------------- fractional max pooling

def _np_fractional_starts(u, in_size, out_size, pool):
    starts = [int((i + u) * ((in_size - pool) / (out_size - 1))) -
              int(u * ((in_size - pool) / (out_size - 1))) for i in range(out_size - 1)]
    return starts + [in_size - pool]


def test_fractional_max_pool2d_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 11, 9))
    u = rng.random((2, 3, 2))
    out, idx = F.fractional_max_pool2d(_pyt(x), (3, 2), (4, 5), return_indices=True,
                                       _random_samples=_pyt(u))
    assert tuple(out.shape) == (2, 3, 4, 5) and idx.dtype == pyt.int64
    for n in range(2):
        for c in range(3):
            rows = _np_fractional_starts(u[n, c, 1], 11, 4, 3)    # sample 1: height
            cols = _np_fractional_starts(u[n, c, 0], 9, 5, 2)     # sample 0: width
            assert rows == sorted(rows) and rows[0] >= 0 and rows[-1] == 8
            want = np.array([[x[n, c, r:r + 3, q:q + 2].max() for q in cols] for r in rows])
            np.testing.assert_array_equal(_np(out[n, c]), want)
            np.testing.assert_array_equal(x[n, c].ravel()[_np(idx[n, c])], want)


def test_fractional_max_pool_gradient_and_randomness():
    pyt.manual_seed(0)
    x = pyt.randn(2, 2, 8, 8, dtype=pyt.float64, requires_grad=True)
    u = pyt.rand(2, 2, 2, dtype=pyt.float64)
    assert pyt.autograd.gradcheck(
        lambda a: F.fractional_max_pool2d(a, 2, output_size=5, _random_samples=u), (x,))
    m = nn.FractionalMaxPool3d(2, output_ratio=0.5, return_indices=True)
    assert repr(m) == "FractionalMaxPool3d()" and list(m.state_dict()) == []
    y = pyt.randn(2, 3, 11, 11, 11)           # 11 -> 5: the window starts vary with u
    a, ia = m(y)
    b, ib = m(y)
    assert tuple(a.shape) == (2, 3, 5, 5, 5)
    assert not bool((ia == ib).all())         # fresh samples per call
    pyt.manual_seed(4)
    c = m(y)[0]
    pyt.manual_seed(4)
    np.testing.assert_array_equal(_np(m(y)[0]), _np(c))
    fixed = nn.FractionalMaxPool2d(3, output_size=(4, 4), _random_samples=pyt.rand(1, 3, 2))
    assert list(fixed.state_dict()) == ["_random_samples"]
    z = pyt.randn(3, 9, 9)                    # unbatched
    np.testing.assert_array_equal(_np(fixed(z)), _np(fixed(z)))
    assert tuple(fixed(z).shape) == (3, 4, 4)


def test_fractional_max_pool_errors():
    with pytest.raises(ValueError, match="requires specifying either an output size"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool3d(2, output_size=3, output_ratio=0.5)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.0\)"):
        nn.FractionalMaxPool2d(2, output_ratio=1.0)
    x = pyt.randn(2, 3, 10, 9)
    with pytest.raises(RuntimeError, match="pool height 3 too large relative to input height"):
        F.fractional_max_pool2d(x, 3, output_size=9)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D tensor"):
        F.fractional_max_pool2d(pyt.randn(2, 3, 4, 5, 6), 2, output_size=1)
    with pytest.raises(IndexError):                     # no channel dim for the samples
        F.fractional_max_pool2d(pyt.randn(4, 5), 2, output_size=1)
    with pytest.raises(RuntimeError, match="same dtype as input"):
        F.fractional_max_pool2d(x, 2, output_size=3, _random_samples=pyt.rand(2, 3, 2,
                                                                             dtype=pyt.float64))


@pytest.mark.parametrize("nd", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fractional_max_pool_matches_torch(nd, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(nd)
    for trial in range(15):
        spatial = rng.integers(3, 10 if nd == 2 else 7, nd)
        kernel = tuple(int(k) for k in rng.integers(1, 4, nd).clip(max=spatial - 1))
        out = [int(rng.integers(1, s - k + (2 if nd == 2 else 1)))
               for s, k in zip(spatial, kernel)]
        n, c = (int(v) for v in rng.integers(1, 3, 2))
        x = rng.standard_normal((n, c) + tuple(spatial)).astype(dtype)
        if trial % 3 == 0:
            x = x.round()                                   # ties: the first maximum
        if trial % 4 == 0:
            x.flat[rng.integers(0, x.size, 3)] = np.nan      # NaN: the last one of a window
        u = rng.random((n, c, nd)).astype(dtype)
        t_x, p_x = torch.from_numpy(x).requires_grad_(), _pyt(x).requires_grad_()
        tf = getattr(torch.nn.functional, f"fractional_max_pool{nd}d")
        pf = getattr(F, f"fractional_max_pool{nd}d")
        t_out, t_idx = tf(t_x, kernel, out, return_indices=True,
                          _random_samples=torch.from_numpy(u))
        p_out, p_idx = pf(p_x, kernel, out, return_indices=True, _random_samples=_pyt(u))
        np.testing.assert_array_equal(_np(p_out), t_out.detach().numpy())
        np.testing.assert_array_equal(_np(p_idx), t_idx.numpy())
        g = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
        t_out.backward(torch.from_numpy(g))
        p_out.backward(_pyt(g))
        np.testing.assert_allclose(_np(p_x.grad), t_x.grad.numpy(), rtol=1e-6)


def test_fractional_max_pool_errors_match_torch():
    torch = pytest.importorskip("torch")
    x = np.zeros((2, 3, 10, 9), np.float32)
    cases = [
        (2, x, 3, {"output_size": 9}), (2, x, 3, {"output_size": 8}),
        (2, x, 3, {}), (2, x, 3, {"output_ratio": (0.5, 0.5, 0.5)}),
        (2, x, 3, {"output_ratio": 0.5}),
        (2, x[0, 0], 3, {"output_size": 4}), (2, np.zeros((2, 3, 4, 5, 6)), 3,
                                              {"output_size": 2}),
        (2, np.zeros((2, 0, 10, 9), np.float32), 3, {"output_size": 4}),
        (2, x, 3, {"output_size": 4, "_random_samples": np.zeros((2, 3, 3), np.float32)}),
        (2, x, 3, {"output_size": 4, "_random_samples": np.zeros((1, 3, 2), np.float32)}),
        (2, x, 3, {"output_size": 4, "_random_samples": np.zeros((2, 2, 2), np.float32)}),
        (2, x, 3, {"output_size": 4, "_random_samples": np.zeros((2, 3, 2, 1), np.float32)}),
        (2, x, 3, {"output_size": 4, "_random_samples": np.zeros((2, 3, 2))}),
        (2, x, 2, {"output_size": -1}),
        (3, np.zeros((1, 1, 6, 7, 8)), 2, {"output_size": (5, 3, 3)}),
        (3, np.zeros((1, 1, 6, 7, 8)), 2, {"output_size": (3, 6, 3)}),
        (3, np.zeros((1, 1, 6, 7, 8)), 2, {"output_size": (3, 3, 7)}),
        (3, np.zeros((5, 6, 7, 8, 2, 2)), 2, {"output_size": 3}),
        (3, np.zeros((2, 0, 6, 7, 8)), 2, {"output_size": 3}),
    ]
    for nd, a, k, kw in cases:
        t_kw = {key: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                for key, v in kw.items()}
        p_kw = {key: _pyt(v) if isinstance(v, np.ndarray) else v for key, v in kw.items()}
        _same_error(torch,
                    lambda: getattr(torch.nn.functional, f"fractional_max_pool{nd}d")(
                        torch.from_numpy(a), k, **t_kw),
                    lambda: getattr(F, f"fractional_max_pool{nd}d")(_pyt(a), k, **p_kw))
    for cls in ("FractionalMaxPool2d", "FractionalMaxPool3d"):
        for kw in ({}, {"output_size": 3, "output_ratio": 0.5}, {"output_ratio": 1.0},
                   {"output_ratio": (0.5, 0)}):
            _same_error(torch, lambda: getattr(torch.nn, cls)(2, **kw),
                        lambda: getattr(nn, cls)(2, **kw))
        assert repr(getattr(nn, cls)(2, output_size=3)) == \
            repr(getattr(torch.nn, cls)(2, output_size=3))


def test_lazy_module_deepcopy_initialises_on_its_own():
    import copy
    m = nn.Sequential(nn.LazyLinear(3), nn.LazyConv1d(2, 1), nn.LazyBatchNorm1d())
    c = copy.deepcopy(m)
    c(pyt.randn(4, 5, 5))
    c(pyt.randn(4, 5, 5))                         # the copy's hooks are gone too
    assert [type(x).__name__ for x in c] == ["Linear", "Conv1d", "BatchNorm1d"]
    assert [type(x).__name__ for x in m] == ["LazyLinear", "LazyConv1d", "LazyBatchNorm1d"]
    m(pyt.randn(4, 6, 6))
    assert m[0].in_features == 6 and c[0].in_features == 5


# ---------------------------------------------------------------- SyncBatchNorm, Container

def test_sync_batch_norm_is_batch_norm_in_one_process():
    pyt.manual_seed(0)
    x = pyt.randn(6, 4, 3, 2, 2)                  # any rank >= 2
    sync, plain = nn.SyncBatchNorm(4, momentum=None), nn.BatchNorm3d(4, momentum=None)
    np.testing.assert_allclose(_np(sync(x)), _np(plain(x)), rtol=1e-6)
    np.testing.assert_allclose(_np(sync.running_var), _np(plain.running_var), rtol=1e-6)
    assert sync.process_group is None
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
        sync(pyt.randn(4))
    with pytest.raises(ValueError, match="number of input channels should be non-zero"):
        sync(pyt.randn(3, 0, 2))
    net = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Sequential(nn.BatchNorm2d(4)))
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert type(converted[1]) is nn.SyncBatchNorm and type(converted[2][0]) is nn.SyncBatchNorm
    assert converted[1].weight is net[1].weight
    assert converted[1].running_mean is net[1].running_mean
    assert list(converted.state_dict()) == list(net.state_dict())


def test_container_is_deprecated_module():
    with pytest.warns(FutureWarning, match="nn.Container` is deprecated"):
        c = nn.Container(a=nn.Linear(1, 1), b=nn.ReLU())
    assert list(dict(c.named_children())) == ["a", "b"]
    assert list(c.state_dict()) == ["a.weight", "a.bias"]


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 2, 2, 2)])
def test_sync_batch_norm_matches_torch(shape):
    torch = pytest.importorskip("torch")
    tm, pm = _pair_modules(torch, "SyncBatchNorm", (3,), {})
    tm.double()
    pm.double()
    x = np.random.default_rng(2).standard_normal(shape)
    for train in (True, False):
        tm.train(train)
        pm.train(train)
        t_x, p_x = torch.from_numpy(x).requires_grad_(), _pyt(x).requires_grad_()
        t_out, p_out = tm(t_x), pm(p_x)
        np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
        t_out.pow(2).sum().backward()
        p_out.pow(2).sum().backward()
        np.testing.assert_allclose(_np(p_x.grad), t_x.grad.numpy(), rtol=1e-9, atol=1e-10)
        for k, v in tm.state_dict().items():
            np.testing.assert_allclose(_np(pm.state_dict()[k]), v.numpy(), rtol=1e-10, err_msg=k)
    converted = torch.nn.SyncBatchNorm.convert_sync_batchnorm(
        torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.BatchNorm1d(4, affine=False)))
    ours = nn.SyncBatchNorm.convert_sync_batchnorm(
        nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4, affine=False)))
    assert repr(ours) == repr(converted)


# ---------------------------------------------------------------- CrossMapLRN2d

def test_cross_map_lrn2d_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 3, 2))
    size, alpha, beta, k = 4, 0.3, 0.75, 2.0
    pre_pad = int((size - 1) / 2 + 1)                   # 2: a window of 3 channels
    sq = x ** 2
    scale = np.empty_like(x)
    for c in range(7):
        lo, hi = max(0, c - pre_pad + 1), min(6, c + pre_pad - 1)
        # torch's running sum never subtracts channel 0 again
        scale[:, c] = sq[:, lo:hi + 1].sum(1) + (sq[:, 0] if lo > 0 else 0)
    want = x * (scale * alpha / size + k) ** -beta
    m = nn.CrossMapLRN2d(size, alpha, beta, k)
    np.testing.assert_allclose(_np(m(_pyt(x))), want, rtol=1e-12)
    assert repr(m) == "CrossMapLRN2d(4, alpha=0.3, beta=0.75, k=2.0)"
    assert list(m.state_dict()) == []
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D"):
        m(pyt.randn(2, 3, 4))


@pytest.mark.parametrize("size", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_map_lrn2d_matches_torch(size, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(size)
    for channels in (1, 2, 7):
        x = rng.standard_normal((2, channels, 3, 2)).astype(dtype)
        t_x, p_x = torch.from_numpy(x).requires_grad_(), _pyt(x).requires_grad_()
        t_out = torch.nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(t_x)
        p_out = nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(p_x)
        tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else \
            dict(rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), **tol)
        g = rng.standard_normal(x.shape).astype(dtype)
        t_out.backward(torch.from_numpy(g))           # torch's own hand-written backward
        p_out.backward(_pyt(g))
        np.testing.assert_allclose(_np(p_x.grad), t_x.grad.numpy(), **tol)


# ---------------------------------------------------------------- LinearCrossEntropyLoss

def test_linear_cross_entropy_is_linear_then_cross_entropy():
    rng = np.random.default_rng(0)
    x, w = _pyt(rng.standard_normal((4, 8))), _pyt(rng.standard_normal((5, 3, 8)))
    t = _pyt(rng.integers(0, 5, (4, 3)))
    logits = (x @ w.reshape(15, 8).t()).reshape(4, 5, 3)
    np.testing.assert_allclose(float(F.linear_cross_entropy(x, w, t)),
                               float(F.cross_entropy(logits, t)), rtol=1e-12)
    m = nn.LinearCrossEntropyLoss(8, 5, out_features=(3,), bias=True)
    assert list(m.state_dict()) == ["linear.weight", "linear.bias"]
    assert tuple(m.linear.weight.shape) == (15, 8)
    xt = x.clone().requires_grad_()
    assert pyt.autograd.gradcheck(lambda a: m.double()(a, t), (xt,))
    with pytest.raises(RuntimeError, match="expected input with dimensionality 1 or 2"):
        F.linear_cross_entropy(pyt.zeros(2, 3, 8), w, t)
    with pytest.raises(RuntimeError, match="requires batched input"):
        F.linear_cross_entropy(pyt.zeros(8), w, t[0])
    with pytest.raises(ValueError, match="invalid acc_policy"):
        nn.LinearCrossEntropyOptions(acc_policy="x")
    with pytest.raises(RuntimeError, match=r"expected weight shape to be \(5,\), got \(3,\)"):
        nn.LinearCrossEntropyLoss(8, 5, weight=pyt.ones(3))


@pytest.mark.parametrize("kwargs", [
    {}, {"reduction": "none"}, {"reduction": "sum", "ignore_index": 2},
    {"label_smoothing": 0.2, "weight": "w"}, {"out_features": (3,)},
    {"out_features": (2, 2), "bias": True, "reduction": "none"},
    {"options": "opt"}, {"options": "opt", "reduction": "none", "bias": True},
])
@pytest.mark.parametrize("unbatched", [False, True])
def test_linear_cross_entropy_loss_matches_torch(kwargs, unbatched):
    torch = pytest.importorskip("torch")
    if unbatched and "out_features" in kwargs:
        pytest.skip("a K-dimensional loss needs a batch")
    rng = np.random.default_rng(5)
    w = rng.random(5) + 0.5
    conv = {"w": (torch.from_numpy(w), _pyt(w)),
            "opt": (torch.nn.LinearCrossEntropyOptions(), nn.LinearCrossEntropyOptions())}
    t_kw = {k: conv[v][0] if isinstance(v, str) and v in conv else v
            for k, v in kwargs.items()}
    p_kw = {k: conv[v][1] if isinstance(v, str) and v in conv else v
            for k, v in kwargs.items()}
    tm = torch.nn.LinearCrossEntropyLoss(8, 5, **t_kw).double()
    pm = nn.LinearCrossEntropyLoss(8, 5, **p_kw).double()
    assert repr(pm) == repr(tm)
    assert list(pm.state_dict()) == list(tm.state_dict())
    pm.load_state_dict({k: _pyt(v.numpy()) for k, v in tm.state_dict().items()})
    x = rng.standard_normal((6, 8))
    t = rng.integers(0, 5, (6,) + tuple(kwargs.get("out_features", ())))
    t[1] = 2
    if unbatched:
        x, t = x[0], np.asarray(t[0])
    t_x, p_x = torch.from_numpy(x).requires_grad_(), _pyt(x).requires_grad_()
    t_out, p_out = tm(t_x, torch.from_numpy(t)), pm(p_x, _pyt(t))
    assert tuple(p_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    t_out.sum().backward()
    p_out.sum().backward()
    np.testing.assert_allclose(_np(p_x.grad), t_x.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (k, a), (_, b) in zip(tm.named_parameters(), pm.named_parameters()):
        np.testing.assert_allclose(_np(b.grad), a.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=k)


def test_every_new_name_is_exported():
    names = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
             "ZeroPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
             "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
             "CircularPad2d", "CircularPad3d", "RMSNorm", "Softmax2d", "Dropout3d",
             "FeatureAlphaDropout", "RReLU", "ChannelShuffle", "NLLLoss2d", "MultiMarginLoss",
             "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss", "LazyConv1d",
             "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
             "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
             "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
             "UninitializedBuffer", "AdaptiveLogSoftmaxWithLoss", "FractionalMaxPool2d",
             "FractionalMaxPool3d", "SyncBatchNorm", "Container", "CrossMapLRN2d",
             "LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]
    missing = [n for n in names if not hasattr(nn, n)]
    assert not missing
    from pyt.nn.modules.lazy import LazyModuleMixin
    assert issubclass(nn.LazyConv2d, LazyModuleMixin)
    for fn in ("rms_norm", "rrelu", "rrelu_", "dropout3d", "feature_alpha_dropout",
               "multi_margin_loss", "multilabel_margin_loss",
               "triplet_margin_with_distance_loss", "fractional_max_pool2d",
               "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
               "fractional_max_pool3d_with_indices", "linear_cross_entropy"):
        assert fn in F.__all__
