"""pyt.nn layer modules: forward and parameter/input gradients against torch, default
initialisation, loading a torch state_dict, bad input."""
import math

import numpy as np
import pytest

import pyt
import pyt.nn as nn


def _pyt(a):
    return pyt.from_numpy(np.array(a, copy=True, order="C"))


def _np(t):
    return t.detach().numpy()


def _copy_params(torch_module, pyt_module):
    """torch's state dict, converted through NumPy, loaded into the pyt module."""
    state = {k: _pyt(v.detach().numpy().copy()) for k, v in torch_module.state_dict().items()}
    result = pyt_module.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def _make_pair(torch, name, args, kwargs):
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    pm = getattr(nn, name)(*args, **kwargs).double()
    _copy_params(tm, pm)
    return tm, pm


def _check_module(torch, name, args, kwargs, inputs, train=True, rtol=1e-6, atol=1e-8,
                  int_inputs=()):
    """Same outputs, same gradients of inputs and parameters, same buffers afterwards."""
    tm, pm = _make_pair(torch, name, args, kwargs)
    tm.train(train)
    pm.train(train)
    t_in, p_in = [], []
    for i, a in enumerate(inputs):
        if i in int_inputs or a.dtype.kind in "iu":
            t_in.append(torch.from_numpy(a.copy()))
            p_in.append(_pyt(a.copy()))
        else:
            t_in.append(torch.from_numpy(a.copy()).requires_grad_())
            p_in.append(_pyt(a.copy()).requires_grad_())
    t_out, p_out = tm(*t_in), pm(*p_in)
    if isinstance(t_out, tuple):
        t_out, p_out = t_out[0], p_out[0]
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), rtol=rtol, atol=atol)
    if not t_out.requires_grad:
        return tm, pm
    weights = np.random.default_rng(0).standard_normal(tuple(t_out.shape))
    (t_out * torch.from_numpy(weights)).sum().backward()
    (p_out * _pyt(weights)).sum().backward()
    for t, p in zip(t_in, p_in):
        if t.requires_grad:
            np.testing.assert_allclose(_np(p.grad), t.grad.numpy(), rtol=rtol, atol=atol)
    t_params = dict(tm.named_parameters())
    for key, p in pm.named_parameters():
        tg = t_params[key].grad
        if tg is None:
            assert p.grad is None or not _np(p.grad).any()
        else:
            np.testing.assert_allclose(_np(p.grad), tg.numpy(), rtol=rtol, atol=atol,
                                       err_msg=key)
    t_bufs = dict(tm.named_buffers())
    for key, b in pm.named_buffers():
        np.testing.assert_allclose(_np(b), t_bufs[key].numpy(), rtol=rtol, atol=atol,
                                   err_msg=key)
    return tm, pm


def _randn(*shape, seed=0):
    return np.random.default_rng(seed + len(shape)).standard_normal(shape)


LAYERS = [
    ("Identity", (), {}, [(3, 4)]),
    ("Linear", (5, 3), {}, [(4, 5)]),
    ("Linear", (5, 3), {"bias": False}, [(2, 6, 5)]),
    ("Bilinear", (3, 4, 2), {}, [(5, 3), (5, 4)]),
    ("Flatten", (), {}, [(2, 3, 4)]),
    ("Flatten", (0, 1), {}, [(2, 3, 4)]),
    ("Unflatten", (1, (2, 3)), {}, [(4, 6)]),
    ("Conv1d", (2, 4, 3), {"stride": 2, "padding": 1}, [(2, 2, 9)]),
    ("Conv1d", (2, 4, 3), {"padding": "same", "padding_mode": "circular"}, [(2, 2, 7)]),
    ("Conv2d", (2, 4, 3), {"padding": "same", "dilation": 2}, [(2, 2, 7, 6)]),
    ("Conv2d", (2, 4, 4), {"padding": "same"}, [(1, 2, 6, 6)]),
    ("Conv2d", (2, 4, 3), {"padding": "valid", "bias": False}, [(2, 6, 6)]),
    ("Conv2d", (4, 4, 3), {"groups": 2, "padding": 1, "padding_mode": "reflect"},
     [(2, 4, 5, 5)]),
    ("Conv2d", (2, 3, (3, 2)), {"padding": (1, 2), "padding_mode": "replicate",
                                "stride": (2, 1)}, [(1, 2, 5, 4)]),
    ("Conv2d", (2, 3, 3), {"padding": 2, "padding_mode": "circular"}, [(1, 2, 4, 5)]),
    ("Conv3d", (2, 3, 2), {"stride": (1, 2, 1)}, [(1, 2, 3, 4, 3)]),
    ("ConvTranspose1d", (2, 3, 3), {"stride": 2}, [(2, 2, 4)]),
    ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2}, [(1, 4, 3, 3)]),
    ("ConvTranspose2d", (2, 2, 2), {"dilation": 2, "bias": False}, [(2, 3, 3)]),
    ("MaxPool1d", (2,), {}, [(2, 3, 8)]),
    ("MaxPool2d", (3, 2, 1), {}, [(2, 3, 7, 6)]),
    ("MaxPool2d", (2,), {"ceil_mode": True, "dilation": 1}, [(3, 5, 5)]),
    ("AvgPool1d", (3, 2, 1), {}, [(2, 3, 8)]),
    ("AvgPool2d", (2,), {"ceil_mode": True, "count_include_pad": False}, [(2, 3, 5, 5)]),
    ("AvgPool2d", (3,), {"stride": 1, "padding": 1, "divisor_override": 2}, [(1, 2, 4, 4)]),
    ("AdaptiveAvgPool1d", (3,), {}, [(2, 3, 8)]),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, [(2, 3, 5, 7)]),
    ("AdaptiveMaxPool2d", (2,), {}, [(2, 3, 5, 5)]),
    ("BatchNorm1d", (3,), {}, [(4, 3)]),
    ("BatchNorm1d", (3,), {"momentum": None}, [(4, 3, 5)]),
    ("BatchNorm1d", (3,), {"affine": False}, [(4, 3, 5)]),
    ("BatchNorm2d", (3,), {}, [(2, 3, 4, 4)]),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, [(2, 3, 4, 4)]),
    ("LayerNorm", ((4, 5),), {}, [(2, 3, 4, 5)]),
    ("LayerNorm", (5,), {"elementwise_affine": False}, [(3, 5)]),
    ("LayerNorm", (5,), {"bias": False}, [(3, 5)]),
    ("GroupNorm", (2, 4), {}, [(3, 4, 5)]),
    ("GroupNorm", (1, 4), {"affine": False}, [(2, 4, 3, 3)]),
    ("GroupNorm", (2, 4), {"bias": False}, [(2, 4, 3)]),
    ("BatchNorm1d", (3,), {"bias": False}, [(4, 3)]),
    ("LocalResponseNorm", (3,), {}, [(2, 5, 4, 4)]),
    ("LocalResponseNorm", (2,), {"alpha": 0.1, "k": 2.0}, [(2, 4, 6)]),
    ("InstanceNorm2d", (3,), {}, [(2, 3, 4, 4)]),
    ("InstanceNorm2d", (3,), {"affine": True}, [(3, 4, 5)]),
    ("InstanceNorm2d", (3,), {"track_running_stats": True, "affine": True}, [(2, 3, 4, 4)]),
    ("ConvTranspose3d", (2, 2, 2), {"stride": (1, 2, 1)}, [(1, 2, 2, 3, 2)]),
    ("BatchNorm3d", (2,), {}, [(2, 2, 2, 3, 2)]),
    ("InstanceNorm1d", (3,), {"affine": True}, [(2, 3, 6)]),
    ("AdaptiveMaxPool1d", (3,), {}, [(2, 3, 7)]),
    ("UpsamplingBilinear2d", (), {"scale_factor": 2}, [(1, 1, 3, 3)]),
    ("PixelShuffle", (2,), {}, [(2, 8, 3, 3)]),
    ("PixelUnshuffle", (2,), {}, [(2, 2, 4, 6)]),
    ("Upsample", (), {"scale_factor": 2, "mode": "bilinear"}, [(1, 2, 3, 3)]),
    ("Upsample", (), {"size": (5, 4), "mode": "nearest"}, [(1, 2, 3, 3)]),
    ("Upsample", (), {"scale_factor": 2, "mode": "bilinear", "align_corners": True},
     [(1, 2, 3, 3)]),
    ("UpsamplingNearest2d", (), {"scale_factor": 3}, [(1, 1, 2, 2)]),
    ("CosineSimilarity", (), {}, [(3, 4), (3, 4)]),
    ("CosineSimilarity", (-1,), {"eps": 1e-6}, [(2, 3, 4), (2, 3, 4)]),
    ("PairwiseDistance", (), {}, [(3, 4), (3, 4)]),
    ("PairwiseDistance", (1.0,), {"keepdim": True}, [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("name,args,kwargs,shapes", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_layer_matches_torch(name, args, kwargs, shapes):
    torch = pytest.importorskip("torch")
    inputs = [_randn(*s, seed=i) for i, s in enumerate(shapes)]
    _check_module(torch, name, args, kwargs, inputs)


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d", "InstanceNorm2d"])
def test_norm_eval_uses_running_stats(name):
    torch = pytest.importorskip("torch")
    shape = (4, 3, 5) if name == "BatchNorm1d" else (4, 3, 4, 4)
    kwargs = {"track_running_stats": True, "affine": True} if name == "InstanceNorm2d" \
        else {"momentum": None}
    tm, pm = _make_pair(torch, name, (3,), kwargs)
    for seed in range(3):                   # a few training steps move the statistics
        x = _randn(*shape, seed=seed)
        tm(torch.from_numpy(x))
        pm(_pyt(x))
    for key, b in pm.named_buffers():
        np.testing.assert_allclose(_np(b), dict(tm.named_buffers())[key].numpy(), rtol=1e-6)
    assert int(pm.num_batches_tracked) == int(tm.num_batches_tracked)
    tm.eval()
    pm.eval()
    x = _randn(*shape, seed=9)
    np.testing.assert_allclose(_np(pm(_pyt(x))), tm(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-8)


ACTIVATIONS = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (0.2,), {}), ("PReLU", (), {}),
    ("PReLU", (3,), {"init": 0.1}), ("ELU", (), {"alpha": 0.7}), ("SELU", (), {}),
    ("CELU", (), {"alpha": 1.5}), ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}), ("Mish", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Hardtanh", (-0.5, 0.7), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}),
    ("Softplus", (), {"beta": 2.0, "threshold": 1.0}), ("Softsign", (), {}),
    ("Softmax", (1,), {}), ("LogSoftmax", (-1,), {}), ("Softmin", (0,), {}),
    ("Threshold", (0.1, -2.0), {}), ("GLU", (), {}), ("GLU", (0,), {}),
    ("LogSigmoid", (), {}), ("Tanhshrink", (), {}), ("Softshrink", (0.3,), {}),
    ("Hardshrink", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", ACTIVATIONS,
                         ids=[f"{a[0]}-{i}" for i, a in enumerate(ACTIVATIONS)])
def test_activation_matches_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    x = _randn(4, 3, 6) * 3
    _check_module(torch, name, args, kwargs, [x])
    tm = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(tm)


@pytest.mark.parametrize("name", ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU",
                                  "SiLU", "Mish", "Hardtanh", "Hardsigmoid", "Hardswish"])
def test_inplace_activation(name):
    torch = pytest.importorskip("torch")
    x = _randn(3, 4) * 3
    t, p = torch.from_numpy(x.copy()), _pyt(x.copy())
    out = getattr(nn, name)(inplace=True)(p)
    getattr(torch.nn, name)(inplace=True)(t)
    np.testing.assert_allclose(_np(p), t.numpy(), rtol=1e-6, atol=1e-12)
    assert out is p
    assert repr(getattr(nn, name)(inplace=True)) == repr(getattr(torch.nn, name)(inplace=True))


def _targets(kind, n, c, rng):
    if kind == "class":
        return rng.integers(0, c, size=n)
    if kind == "prob":
        p = rng.random((n, c))
        return p / p.sum(1, keepdims=True)
    if kind == "binary":
        return rng.integers(0, 2, size=(n, c)).astype(np.float64)
    if kind == "sign":
        return np.where(rng.random(n) > 0.5, 1.0, -1.0)
    if kind == "sign2":
        return np.where(rng.random((n, c)) > 0.5, 1.0, -1.0)
    return rng.standard_normal((n, c))


LOSSES = [
    # name, ctor kwargs, [input kinds] (x = logits / predictions of shape (n, c))
    ("MSELoss", {}, ["x", "real"]),
    ("L1Loss", {"reduction": "sum"}, ["x", "real"]),
    ("SmoothL1Loss", {"beta": 0.5}, ["x", "real"]),
    ("SmoothL1Loss", {"reduction": "none"}, ["x", "real"]),
    ("HuberLoss", {"delta": 0.7}, ["x", "real"]),
    ("CrossEntropyLoss", {}, ["x", "class"]),
    ("CrossEntropyLoss", {"weight": "w", "ignore_index": 1}, ["x", "class"]),
    ("CrossEntropyLoss", {"label_smoothing": 0.2, "weight": "w"}, ["x", "class"]),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "reduction": "sum"}, ["x", "class"]),
    ("CrossEntropyLoss", {}, ["x", "prob"]),
    ("CrossEntropyLoss", {"label_smoothing": 0.3, "reduction": "none"}, ["x", "prob"]),
    ("NLLLoss", {"weight": "w"}, ["logp", "class"]),
    ("NLLLoss", {"reduction": "none", "ignore_index": 0}, ["logp", "class"]),
    ("BCELoss", {}, ["prob01", "binary"]),
    ("BCELoss", {"weight": "w", "reduction": "sum"}, ["prob01", "binary"]),
    ("BCEWithLogitsLoss", {"pos_weight": "w"}, ["x", "binary"]),
    ("BCEWithLogitsLoss", {"weight": "w", "reduction": "none"}, ["x", "binary"]),
    ("KLDivLoss", {"reduction": "batchmean"}, ["logp", "prob"]),
    ("KLDivLoss", {"log_target": True}, ["logp", "logp2"]),
    ("MarginRankingLoss", {"margin": 0.3}, ["vec", "vec", "sign"]),
    ("HingeEmbeddingLoss", {"margin": 0.5}, ["x", "sign2"]),
    ("CosineEmbeddingLoss", {"margin": 0.2}, ["x", "x2", "sign"]),
    ("TripletMarginLoss", {"margin": 0.5}, ["x", "x2", "x3"]),
    ("TripletMarginLoss", {"p": 1.0, "swap": True}, ["x", "x2", "x3"]),
    ("PoissonNLLLoss", {}, ["x", "counts"]),
    ("PoissonNLLLoss", {"log_input": False, "full": True}, ["pos", "counts"]),
    ("GaussianNLLLoss", {}, ["x", "real", "pos"]),
    ("GaussianNLLLoss", {"full": True, "reduction": "sum"}, ["x", "real", "posvec"]),
    ("MultiLabelSoftMarginLoss", {"weight": "w"}, ["x", "binary"]),
    ("SoftMarginLoss", {}, ["x", "sign2"]),
]


@pytest.mark.parametrize("name,kwargs,kinds", LOSSES,
                         ids=[f"{l[0]}-{i}" for i, l in enumerate(LOSSES)])
def test_loss_matches_torch(name, kwargs, kinds):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    n, c = 5, 4
    arrays = []
    for kind in kinds:
        if kind in ("x", "x2", "x3", "real"):
            arrays.append(rng.standard_normal((n, c)))
        elif kind == "vec":
            arrays.append(rng.standard_normal(n))
        elif kind in ("logp", "logp2"):
            z = rng.standard_normal((n, c))
            arrays.append(z - np.log(np.exp(z).sum(1, keepdims=True)))
        elif kind == "prob01":
            arrays.append(rng.random((n, c)) * 0.98 + 0.01)
        elif kind == "pos":
            arrays.append(rng.random((n, c)) + 0.1)
        elif kind == "posvec":
            arrays.append(rng.random(n) + 0.1)
        elif kind == "counts":
            arrays.append(rng.integers(0, 5, size=(n, c)).astype(np.float64))
        else:
            arrays.append(_targets(kind, n, c, rng))
    w = rng.random(c) + 0.5
    t_kwargs = {k: torch.from_numpy(w) if v == "w" else v for k, v in kwargs.items()}
    p_kwargs = {k: _pyt(w) if v == "w" else v for k, v in kwargs.items()}
    tm, pm = getattr(torch.nn, name)(**t_kwargs), getattr(nn, name)(**p_kwargs)
    t_in = [torch.from_numpy(a).requires_grad_(a.dtype == np.float64 and i == 0)
            for i, a in enumerate(arrays)]
    p_in = [_pyt(a).requires_grad_(a.dtype == np.float64 and i == 0)
            for i, a in enumerate(arrays)]
    t_out, p_out = tm(*t_in), pm(*p_in)
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), rtol=1e-6, atol=1e-10)
    t_out.sum().backward()
    p_out.sum().backward()
    np.testing.assert_allclose(_np(p_in[0].grad), t_in[0].grad.numpy(), rtol=1e-6,
                               atol=1e-10)
    assert repr(pm) == repr(tm)
    assert list(dict(pm.named_buffers())) == list(dict(tm.named_buffers()))


def test_loss_legacy_reduction_flags():
    with pytest.warns(UserWarning):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.L1Loss(reduce=False).reduction == "none"


def test_cross_entropy_bad_class_raises():
    loss = nn.CrossEntropyLoss()
    with pytest.raises(IndexError):
        loss(pyt.randn(3, 4), pyt.tensor([0, 4, 1]))
    with pytest.raises(IndexError):
        loss(pyt.randn(3, 4), pyt.tensor([0, -2, 1]))


# ----- modules with indices or randomness --------------------------------------------

def test_embedding_matches_torch():
    torch = pytest.importorskip("torch")
    idx = np.array([[1, 0, 3], [3, 9, 0]])
    _check_module(torch, "Embedding", (10, 3), {"padding_idx": 0}, [idx])
    tm, pm = _check_module(torch, "Embedding", (10, 3), {"padding_idx": -1}, [idx])
    assert pm.padding_idx == 9 == tm.padding_idx
    assert repr(pm) == repr(tm)


def test_embedding_padding_row_is_zero_and_gets_no_grad():
    emb = nn.Embedding(5, 3, padding_idx=2)
    assert not _np(emb.weight[2]).any()
    emb(pyt.tensor([2, 2, 1])).sum().backward()
    assert not _np(emb.weight.grad[2]).any()
    assert _np(emb.weight.grad[1]).tolist() == [1.0, 1.0, 1.0]


def test_embedding_max_norm_renormalises_rows():
    emb = nn.Embedding(4, 3, max_norm=1.0)
    with pyt.no_grad():
        emb.weight.mul_(10)
    out = emb(pyt.tensor([0, 1]))
    assert np.all(np.linalg.norm(_np(out), axis=1) <= 1 + 1e-5)
    assert np.all(np.linalg.norm(_np(emb.weight)[:2], axis=1) <= 1 + 1e-5)


def test_embedding_from_pretrained():
    w = pyt.tensor([[1.0, 2.0], [3.0, 4.0]])
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad
    assert _np(emb(pyt.tensor([1]))).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(pyt.ones(3))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_matches_torch(mode):
    torch = pytest.importorskip("torch")
    tm, pm = _make_pair(torch, "EmbeddingBag", (10, 3), {"mode": mode})
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    offsets = np.array([0, 4])
    t_out = tm(torch.from_numpy(idx), torch.from_numpy(offsets))
    p_out = pm(_pyt(idx), _pyt(offsets))
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), rtol=1e-6)
    t_out.sum().backward()
    p_out.sum().backward()
    np.testing.assert_allclose(_np(pm.weight.grad), tm.weight.grad.numpy(), rtol=1e-6)
    idx2 = np.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_allclose(_np(pm(_pyt(idx2))), tm(torch.from_numpy(idx2)).detach().numpy(),
                               rtol=1e-6)
    assert repr(pm) == repr(tm)


def test_max_unpool2d_matches_torch():
    torch = pytest.importorskip("torch")
    x = _randn(1, 2, 4, 4)
    t_out, t_idx = torch.nn.MaxPool2d(2, return_indices=True)(torch.from_numpy(x))
    p_out, p_idx = nn.MaxPool2d(2, return_indices=True)(_pyt(x))
    assert _np(p_idx).tolist() == t_idx.numpy().tolist()
    t_un = torch.nn.MaxUnpool2d(2)(t_out, t_idx)
    p_un = nn.MaxUnpool2d(2)(p_out, p_idx)
    np.testing.assert_allclose(_np(p_un), t_un.numpy())
    assert repr(nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))


def test_conv_transpose_output_size():
    torch = pytest.importorskip("torch")
    tm, pm = _make_pair(torch, "ConvTranspose2d", (2, 3, 3), {"stride": 2})
    x = _randn(1, 2, 4, 4)
    t_out = tm(torch.from_numpy(x), output_size=[10, 10])
    p_out = pm(_pyt(x), output_size=[10, 10])
    assert tuple(p_out.shape) == tuple(t_out.shape) == (1, 3, 10, 10)
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), rtol=1e-6, atol=1e-10)
    with pytest.raises(ValueError, match="requested an output size"):
        pm(_pyt(x), output_size=[20, 20])


def test_dropout_train_and_eval():
    pyt.manual_seed(0)
    x = pyt.ones(2000, dtype=pyt.float64)
    d = nn.Dropout(0.25)
    y = _np(d(x))
    assert set(np.unique(y).tolist()) <= {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.05
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)


@pytest.mark.parametrize("cls,shape", [(nn.Dropout1d, (8, 16, 9)), (nn.Dropout2d, (8, 16, 3, 3))])
def test_feature_dropout_zeroes_whole_channels(cls, shape):
    pyt.manual_seed(1)
    y = _np(cls(0.5)(pyt.ones(*shape)))
    per_channel = y.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0.2 < (per_channel == 0).all(-1).mean() < 0.8
    assert cls(0.5).eval()(pyt.ones(*shape)).sum() == 8 * 16 * 9


def test_max_unpool1d_matches_torch():
    torch = pytest.importorskip("torch")
    x = _randn(2, 3, 8)
    t_out, t_idx = torch.nn.MaxPool1d(2, return_indices=True)(torch.from_numpy(x))
    p_out, p_idx = nn.MaxPool1d(2, return_indices=True)(_pyt(x))
    np.testing.assert_allclose(_np(nn.MaxUnpool1d(2)(p_out, p_idx)),
                               torch.nn.MaxUnpool1d(2)(t_out, t_idx).numpy())


def test_alpha_dropout_keeps_statistics():
    pyt.manual_seed(2)
    x = pyt.randn(200000, dtype=pyt.float64)
    y = _np(nn.AlphaDropout(0.2)(x))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert nn.AlphaDropout(0.2).eval()(x) is x


def test_lazy_linear():
    m = nn.LazyLinear(4)
    assert isinstance(m.weight, nn.UninitializedParameter)
    out = m(pyt.randn(3, 7))
    assert tuple(out.shape) == (3, 4)
    assert type(m) is nn.Linear and m.in_features == 7
    assert type(m.weight) is nn.Parameter and tuple(m.weight.shape) == (4, 7)
    bound = 1 / math.sqrt(7)
    assert np.abs(_np(m.weight)).max() <= bound
    out.sum().backward()
    assert tuple(m.weight.grad.shape) == (4, 7)
    loaded = nn.LazyLinear(3)
    assert repr(loaded) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    source = nn.Linear(5, 3)
    loaded.load_state_dict(source.state_dict())
    # as in torch, the module stays lazy until its first forward
    assert type(loaded) is nn.LazyLinear and tuple(loaded.weight.shape) == (3, 5)
    np.testing.assert_array_equal(_np(loaded.weight), _np(source.weight))
    loaded(pyt.randn(2, 5))
    assert type(loaded) is nn.Linear and loaded.in_features == 5


# ----- default initialisation --------------------------------------------------------

def test_default_init_bounds():
    pyt.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = _np(lin.weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound      # uniform's std
    assert np.abs(_np(lin.bias)).max() <= bound
    conv = nn.Conv2d(8, 16, 3)
    cb = 1 / math.sqrt(8 * 9)
    assert np.abs(_np(conv.weight)).max() <= cb and np.abs(_np(conv.bias)).max() <= cb
    convt = nn.ConvTranspose2d(8, 4, 3)           # fan_in from weight dim 1: 4 * 9
    assert np.abs(_np(convt.weight)).max() <= 1 / math.sqrt(36)
    bil = nn.Bilinear(10, 20, 5)
    assert np.abs(_np(bil.weight)).max() <= 1 / math.sqrt(10)
    emb = _np(nn.Embedding(1000, 50).weight)
    assert abs(emb.mean()) < 0.02 and abs(emb.std() - 1) < 0.02
    bn = nn.BatchNorm2d(5)
    assert _np(bn.weight).tolist() == [1.0] * 5 and _np(bn.bias).tolist() == [0.0] * 5
    assert _np(bn.running_var).tolist() == [1.0] * 5 and int(bn.num_batches_tracked) == 0
    assert _np(nn.PReLU(3).weight).tolist() == [0.25] * 3
    assert _np(nn.LayerNorm(4).weight).tolist() == [1.0] * 4


def test_init_functions():
    pyt.manual_seed(0)
    t = pyt.empty(200, 300)
    nn.init.xavier_uniform_(t)
    assert np.abs(_np(t)).max() <= math.sqrt(6 / 500)
    nn.init.xavier_normal_(t, gain=2.0)
    assert abs(_np(t).std() - 2 * math.sqrt(2 / 500)) < 0.01
    nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert abs(_np(t).std() - math.sqrt(2 / 200)) < 0.005
    nn.init.kaiming_uniform_(t, nonlinearity="relu")
    assert np.abs(_np(t).max()) <= math.sqrt(6 / 300)
    nn.init.trunc_normal_(t, mean=1.0, std=2.0, a=-1.0, b=2.0)
    assert _np(t).min() >= -1.0 and _np(t).max() <= 2.0
    nn.init.uniform_(t, -3, -2)
    assert -3 <= _np(t).min() and _np(t).max() <= -2
    nn.init.normal_(t, 5, 0.1)
    assert abs(_np(t).mean() - 5) < 0.01
    nn.init.constant_(t, 0.5)
    assert np.all(_np(t) == 0.5)
    nn.init.ones_(t)
    nn.init.zeros_(t)
    assert not _np(t).any()
    e = nn.init.eye_(pyt.empty(3, 5))
    np.testing.assert_array_equal(_np(e), np.eye(3, 5))
    q = _np(nn.init.orthogonal_(pyt.empty(4, 6)))
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-5)
    q = _np(nn.init.orthogonal_(pyt.empty(6, 2, 2), gain=2.0)).reshape(6, 4)
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-4)
    d = _np(nn.init.dirac_(pyt.empty(2, 2, 3, 3)))
    assert d[0, 0, 1, 1] == 1 and d[1, 1, 1, 1] == 1 and d.sum() == 2
    assert nn.init.calculate_gain("relu") == math.sqrt(2)
    assert nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert nn.init.calculate_gain("selu") == 0.75 and nn.init.calculate_gain("conv2d") == 1
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("foo")
    assert nn.init._calculate_fan_in_and_fan_out(pyt.empty(16, 8, 3, 3)) == (72, 144)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(pyt.empty(3))
    with pytest.raises(ValueError, match="Mode fan_up not supported"):
        nn.init.kaiming_uniform_(pyt.empty(3, 3), mode="fan_up")
    w = nn.Parameter(pyt.empty(3, 3))
    nn.init.normal_(w)
    assert w.is_leaf and w.grad_fn is None


# ----- a torch model's weights in the same pyt model ---------------------------------

def _lenet(ns):
    return ns.Sequential(
        ns.Conv2d(1, 6, 5, padding=2), ns.ReLU(), ns.MaxPool2d(2),
        ns.Conv2d(6, 16, 5), ns.ReLU(), ns.MaxPool2d(2), ns.Flatten(),
        ns.Linear(16 * 5 * 5, 120), ns.ReLU(), ns.Linear(120, 84), ns.ReLU(),
        ns.Linear(84, 10))


def test_torch_state_dict_loads_into_pyt_model():
    torch = pytest.importorskip("torch")
    tm, pm = _lenet(torch.nn), _lenet(nn)
    assert str(pm) == str(tm)
    state = {k: _pyt(v.numpy()) for k, v in tm.state_dict().items()}
    assert repr(pm.load_state_dict(state)) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((4, 1, 28, 28)).astype(np.float32)
    t_out, p_out = tm(torch.from_numpy(x)), pm(_pyt(x))
    np.testing.assert_allclose(_np(p_out), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    target = np.array([1, 2, 3, 4])
    torch.nn.CrossEntropyLoss()(t_out, torch.from_numpy(target)).backward()
    nn.CrossEntropyLoss()(p_out, _pyt(target)).backward()
    t_params = dict(tm.named_parameters())
    for key, p in pm.named_parameters():
        np.testing.assert_allclose(_np(p.grad), t_params[key].grad.numpy(), rtol=1e-3,
                                   atol=1e-5, err_msg=key)


def test_batchnorm_state_dict_from_torch():
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    tm(torch.randn(2, 3, 5, 5))
    pm = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    assert list(pm.state_dict()) == list(tm.state_dict())
    pm.load_state_dict({k: _pyt(v.numpy()) for k, v in tm.state_dict().items()})
    assert int(pm[1].num_batches_tracked) == 1
    np.testing.assert_allclose(_np(pm[1].running_mean), tm[1].running_mean.numpy())


# ----- printed structure -------------------------------------------------------------

def test_repr_matches_torch():
    torch = pytest.importorskip("torch")

    def build(ns):
        return ns.Sequential(
            ns.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, bias=False,
                      padding_mode="reflect"),
            ns.Conv2d(3, 4, (3, 5), padding="same"),
            ns.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1),
            ns.BatchNorm1d(4, momentum=None), ns.BatchNorm2d(3, affine=False),
            ns.LayerNorm((3, 4)), ns.GroupNorm(2, 4), ns.InstanceNorm2d(3),
            ns.LocalResponseNorm(2), ns.Dropout(0.3), ns.Dropout2d(), ns.AlphaDropout(0.1),
            ns.MaxPool1d(3), ns.MaxPool2d((2, 3), stride=1, ceil_mode=True), ns.AvgPool1d(2),
            ns.AvgPool2d(3, padding=1), ns.AdaptiveAvgPool1d(4), ns.AdaptiveAvgPool2d((2, 2)),
            ns.AdaptiveMaxPool2d(3), ns.Embedding(10, 3, padding_idx=1, max_norm=2.0),
            ns.EmbeddingBag(5, 2, mode="sum"), ns.PixelShuffle(2),
            ns.Upsample(scale_factor=2, mode="bilinear"), ns.Upsample(size=(3, 4)),
            ns.Flatten(), ns.Unflatten(1, (2, 3)), ns.Identity(), ns.Bilinear(2, 3, 4),
            ns.CosineSimilarity(), ns.PairwiseDistance(),
            ns.ModuleList([ns.Linear(2, 2) for _ in range(3)] + [ns.ReLU()]),
            ns.ModuleDict({"act": ns.Tanh(), "lin": ns.Linear(1, 1, bias=False)}),
            ns.Sequential(ns.Sequential(ns.ReLU())))
    assert str(build(nn)) == str(build(torch.nn))


# ----- bad input ---------------------------------------------------------------------

def test_bad_inputs_raise_torch_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(4x3 and 5x2\)"):
        nn.Linear(5, 2)(pyt.randn(4, 3))
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) "
                                           r"input to conv2d, but got input of size: "
                                           r"\[2, 3\]"):
        nn.Conv2d(1, 1, 3)(pyt.randn(2, 3))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(pyt.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(pyt.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(pyt.randn(1, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported'):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError):
        nn.Linear(-1, 3)
    with pytest.raises(IndexError):
        nn.Embedding(3, 2)(pyt.tensor([3]))
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_modules_follow_dtype(dtype):
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    m.to(dtype)
    out = m(pyt.randn(2, 1, 4, 4, dtype=dtype))
    assert out.dtype == dtype
    assert m[1].num_batches_tracked.dtype == pyt.int64


def test_clip_grad_and_vectors():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    for norm_type in (2.0, 1.0, math.inf):
        tp = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        pp = [nn.Parameter(pyt.zeros(*g.shape, dtype=pyt.float64)) for g in grads]
        for t, p, g in zip(tp, pp, grads):
            t.grad = torch.from_numpy(g.copy())
            p.grad = _pyt(g.copy())
        t_norm = torch.nn.utils.clip_grad_norm_(tp, 1.5, norm_type)
        p_norm = nn.utils.clip_grad_norm_(pp, 1.5, norm_type)
        assert abs(float(p_norm) - float(t_norm)) < 1e-9
        for t, p in zip(tp, pp):
            np.testing.assert_allclose(_np(p.grad), t.grad.numpy(), rtol=1e-9)
    p = nn.Parameter(pyt.zeros(4, dtype=pyt.float64))
    p.grad = pyt.tensor([-3.0, -0.5, 0.5, 3.0], dtype=pyt.float64)
    nn.utils.clip_grad_value_([p], 1.0)
    assert _np(p.grad).tolist() == [-1.0, -0.5, 0.5, 1.0]
    p.grad = pyt.tensor([float("nan"), 1.0, 1.0, 1.0], dtype=pyt.float64)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    m = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(m.parameters())
    assert tuple(vec.shape) == (8,)
    np.testing.assert_array_equal(_np(vec[:6]), _np(m.weight).reshape(-1))
    nn.utils.vector_to_parameters(pyt.arange(8.0), m.parameters())
    assert _np(m.bias).tolist() == [6.0, 7.0]
    assert type(m.weight) is nn.Parameter
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], m.parameters())


@pytest.mark.parametrize("name,args,shape", [
    ("MaxPool3d", (2,), (2, 3, 6, 6, 6)), ("AvgPool3d", (2,), (2, 3, 6, 6, 6)),
    ("AdaptiveAvgPool3d", (2,), (2, 3, 5, 6, 7)), ("AdaptiveMaxPool3d", (2,), (2, 3, 5, 6, 7)),
    ("LPPool1d", (2, 3), (2, 3, 9)), ("LPPool2d", (2, 3), (2, 3, 9, 9)),
    ("LPPool3d", (3, 2), (2, 3, 6, 6, 6)), ("InstanceNorm3d", (3,), (2, 3, 4, 4, 4)),
    ("Unfold", (2,), (2, 3, 5, 5)), ("Fold", ((4, 5), 2), (2, 12, 12))])
def test_3d_pool_lp_pool_fold_modules_match_torch(name, args, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    mine, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mine) == repr(theirs)
    np.testing.assert_allclose(mine(pyt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-5, atol=1e-5)


def test_max_unpool3d_module_inverts_max_pool3d():
    x = pyt.tensor(np.random.default_rng(1).permutation(128).reshape(1, 2, 4, 4, 4),
                   dtype=pyt.float32)
    pooled, indices = nn.MaxPool3d(2, return_indices=True)(x)
    restored = nn.MaxUnpool3d(2)(pooled, indices)
    assert restored.shape == x.shape
    kept = restored != 0
    assert kept.sum().item() == pooled.numel()
    np.testing.assert_array_equal(restored[kept].numpy(), x[kept].numpy())
