"""Derivatives of the nn kernels: convolution, pooling, softmax, normalisation, embedding,
dropout, pad, interpolate, unfold / fold. gradcheck for every op, gradgradcheck for the
smooth ones, torch's gradients and node names where torch is installed."""
import numpy as np
import pytest

import pyt
from pyt._ext import nn_kernels as K
from pyt.autograd import gradcheck, gradgradcheck


def leaf(*shape, seed=0, dtype=pyt.float64):
    rng = np.random.default_rng(seed + 7 * len(shape) + sum(shape))
    return pyt.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)


def const(values, dtype=pyt.float64):
    return pyt.tensor(values, dtype=dtype)


IDX = pyt.tensor([[1, 2, 4], [2, 0, 1]])
RUN_MEAN = const([0.1, -0.2, 0.3])
RUN_VAR = const([1.5, 0.5, 2.0])


def T(x):
    """A non-contiguous input with x's values (x built transposed in its last two dims)."""
    return x.transpose(-1, -2)


# (id, op, input shapes, smooth: gradgradcheck too)
OPS = [
    ("conv1d", lambda x, w, b: K.conv1d(x, w, b, stride=2, padding=1), [(2, 2, 5), (3, 2, 2), (3,)], True),
    ("conv1d_same_unbatched", lambda x, w: K.conv1d(x, w, padding="same", dilation=2), [(2, 5), (2, 2, 2)], True),
    ("conv2d_same_asymmetric", lambda x, w: K.conv2d(x, w, padding="same"), [(1, 2, 3, 4), (2, 2, 2, 3)], True),
    ("conv2d_groups", lambda x, w: K.conv2d(x, w, groups=2, padding=(1, 0), dilation=(2, 1)), [(1, 4, 4, 3), (2, 2, 2, 2)], True),
    ("conv2d_noncontig", lambda x, w, b: K.conv2d(T(x), w, b, stride=(2, 1)), [(1, 2, 4, 5), (2, 2, 2, 2), (2,)], True),
    ("conv3d", lambda x, w: K.conv3d(x, w, padding=1, stride=2), [(1, 1, 3, 3, 3), (2, 1, 2, 2, 2)], True),
    ("conv_transpose1d", lambda x, w, b: K.conv_transpose1d(x, w, b, stride=2, output_padding=1), [(2, 2, 3), (2, 3, 2), (3,)], True),
    ("conv_transpose2d", lambda x, w: K.conv_transpose2d(x, w, stride=2, padding=1, groups=2, dilation=2), [(1, 2, 3, 2), (2, 1, 2, 2)], True),
    ("conv_transpose3d", lambda x, w: K.conv_transpose3d(x, w, stride=(1, 2, 1)), [(1, 1, 2, 2, 2), (1, 2, 2, 1, 2)], True),
    ("max_pool1d", lambda x: K.max_pool1d(x, 2, 2, ceil_mode=True), [(2, 5)], False),
    ("max_pool2d", lambda x: K.max_pool2d(x, 3, 2, 1, dilation=1), [(1, 2, 5, 4)], False),
    ("max_pool2d_noncontig", lambda x: K.max_pool2d(T(x), 2, 1, dilation=(1, 2)), [(1, 2, 5, 4)], False),
    ("max_pool3d", lambda x: K.max_pool3d(x, 2, ceil_mode=True), [(1, 3, 3, 3)], False),
    ("avg_pool1d", lambda x: K.avg_pool1d(x, 3, 2, 1, count_include_pad=False), [(2, 2, 6)], True),
    ("avg_pool2d", lambda x: K.avg_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 5, 5)], True),
    ("avg_pool2d_divisor", lambda x: K.avg_pool2d(T(x), 2, divisor_override=3), [(2, 5, 4)], True),
    ("avg_pool3d", lambda x: K.avg_pool3d(x, 2, 1, count_include_pad=False, padding=1), [(1, 1, 2, 3, 3)], True),
    ("adaptive_avg_pool1d", lambda x: K.adaptive_avg_pool1d(x, 4), [(2, 2, 7)], True),
    ("adaptive_avg_pool2d", lambda x: K.adaptive_avg_pool2d(x, (3, None)), [(1, 2, 5, 3)], True),
    ("adaptive_avg_pool3d", lambda x: K.adaptive_avg_pool3d(x, 2), [(1, 3, 3, 2)], True),
    ("adaptive_max_pool1d", lambda x: K.adaptive_max_pool1d(x, 3), [(2, 2, 7)], False),
    ("adaptive_max_pool2d", lambda x: K.adaptive_max_pool2d(x, (2, 3)), [(1, 2, 5, 4)], False),
    ("adaptive_max_pool3d", lambda x: K.adaptive_max_pool3d(x, 2), [(1, 3, 3, 3)], False),
    ("max_unpool2d", lambda x: K.max_unpool2d(*K.max_pool2d(x, 2, return_indices=True), 2), [(1, 2, 4, 4)], False),
    ("max_unpool1d", lambda x: K.max_unpool1d(*K.max_pool1d(x, 2, return_indices=True), 2, output_size=[7]), [(2, 7)], False),
    ("softmax", lambda x: K.softmax(x, 1), [(2, 3, 4)], True),
    ("softmax_0d", lambda x: K.softmax(x, 0), [()], True),
    ("softmax_noncontig", lambda x: pyt.softmax(T(x), -1), [(3, 4)], True),
    ("softmax_method", lambda x: x.softmax(0), [(3, 2)], True),
    ("log_softmax", lambda x: K.log_softmax(x, -1), [(2, 3, 4)], True),
    ("log_softmax_method", lambda x: T(x).log_softmax(1), [(2, 3, 4)], True),
    ("layer_norm", lambda x, w, b: K.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)], True),
    ("layer_norm_plain", lambda x: pyt.layer_norm(T(x), (4,)), [(2, 4, 3)], True),
    ("layer_norm_weight", lambda x, w: K.layer_norm(x, 3, w), [(3,), (3,)], True),
    ("group_norm", lambda x, w, b: K.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)], True),
    ("group_norm_plain", lambda x: pyt.group_norm(x, 3), [(2, 3, 2, 2)], True),
    ("batch_norm_train", lambda x, w, b: K.batch_norm(x, None, None, w, b, training=True), [(3, 3, 2), (3,), (3,)], True),
    ("batch_norm_train_stats", lambda x: K.batch_norm(T(x), RUN_MEAN.clone(), RUN_VAR.clone(), training=True), [(2, 3, 2, 3)], True),
    ("batch_norm_eval", lambda x, w, b: K.batch_norm(x, RUN_MEAN, RUN_VAR, w, b), [(2, 3, 4), (3,), (3,)], True),
    ("batch_norm_top", lambda x, w: pyt.batch_norm(x, w, None, None, None, True, 0.1, 1e-5, False), [(4, 3), (3,)], True),
    ("embedding", lambda w: K.embedding(IDX, w), [(5, 3)], True),
    ("embedding_top", lambda w: pyt.embedding(w, IDX[0]), [(5, 2)], True),
    ("native_dropout", lambda x: K.native_dropout(x, 0.0, True)[0] * 2, [(3, 4)], True),
    ("constant_pad_nd", lambda x: K.constant_pad_nd(x, (1, -1, 0, 2), 2.5), [(2, 3, 3)], True),
    ("pad_constant", lambda x: K.pad(T(x), (2, 1)), [(2, 3)], True),
    ("pad_reflect", lambda x: K.pad(x, (2, 1), mode="reflect"), [(2, 3, 4)], True),
    ("pad_reflect2d", lambda x: K.pad(x, (1, 1, 2, 0), mode="reflect"), [(1, 3, 3)], True),
    ("pad_replicate", lambda x: K.pad(x, (2, 1, 1, 1), mode="replicate"), [(1, 2, 2, 3)], True),
    ("pad_replicate3d", lambda x: K.pad(x, (1, 0, 0, 1, 1, 1), mode="replicate"), [(1, 2, 2, 2)], True),
    ("pad_circular", lambda x: K.pad(x, (2, -1), mode="circular"), [(2, 3, 4)], True),
    ("interpolate_nearest", lambda x: K.interpolate(x, size=5), [(1, 2, 3)], True),
    ("interpolate_nearest_exact", lambda x: K.interpolate(x, scale_factor=(1.5, 0.7), mode="nearest-exact"), [(1, 1, 3, 4)], True),
    ("interpolate_linear", lambda x: K.interpolate(x, size=5, mode="linear"), [(1, 2, 3)], True),
    ("interpolate_bilinear", lambda x: K.interpolate(T(x), size=(4, 3), mode="bilinear", align_corners=True), [(1, 2, 3, 2)], True),
    ("interpolate_bicubic", lambda x: K.interpolate(x, scale_factor=1.5, mode="bicubic"), [(1, 1, 3, 3)], True),
    ("interpolate_trilinear", lambda x: K.interpolate(x, size=(2, 3, 2), mode="trilinear"), [(1, 1, 2, 2, 3)], True),
    ("interpolate_area", lambda x: K.interpolate(x, size=(2, 2), mode="area"), [(1, 2, 3, 5)], True),
    ("interpolate_bilinear_aa", lambda x: K.interpolate(x, size=(2, 5), mode="bilinear", antialias=True), [(1, 2, 5, 4)], True),
    ("interpolate_bicubic_aa", lambda x: K.interpolate(T(x), scale_factor=0.4, mode="bicubic", align_corners=True, antialias=True), [(1, 1, 6, 7)], True),
    ("interpolate_lanczos", lambda x: K.interpolate(x, size=(3, 2), mode="lanczos", antialias=True), [(1, 1, 7, 5)], True),
    ("interpolate_nearest3d_steps", lambda x: K.interpolate(x, scale_factor=(2.34, 1.2, 0.8)), [(1, 1, 3, 4, 5)], True),
    ("unfold", lambda x: K.unfold(x, 2, padding=1, stride=2), [(1, 2, 4, 3)], True),
    ("unfold_unbatched", lambda x: K.unfold(x, (2, 1), dilation=(1, 2)), [(2, 3, 3)], True),
    ("fold", lambda x: K.fold(x, (3, 3), 2), [(1, 8, 4)], True),
]


@pytest.mark.parametrize("name,op,shapes,smooth", OPS, ids=[o[0] for o in OPS])
def test_gradcheck(name, op, shapes, smooth):
    inputs = tuple(leaf(*s, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(op, inputs)
    out = op(*inputs)
    assert out.requires_grad and out.grad_fn is not None


SMOOTH = [o for o in OPS if o[3]]


@pytest.mark.parametrize("name,op,shapes,smooth", SMOOTH, ids=[o[0] for o in SMOOTH])
def test_gradgradcheck(name, op, shapes, smooth):
    inputs = tuple(leaf(*s, seed=i) for i, s in enumerate(shapes))
    assert gradgradcheck(op, inputs)


# ----- names, values and gradients against torch -------------------------------------------

def _torch_cases(F, torch):
    """(id, pyt op, torch op, input shapes, extra non-grad args as (pyt, torch) pairs)."""
    idx = [[1, 2, 4], [2, 0, 1]]
    return [
        ("conv2d", lambda x, w, b: K.conv2d(x, w, b, 2, 1, groups=1),
         lambda x, w, b: F.conv2d(x, w, b, 2, 1), [(2, 2, 5, 5), (3, 2, 3, 3), (3,)]),
        ("conv_transpose2d", lambda x, w, b: K.conv_transpose2d(x, w, b, 2, 1, 1),
         lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1), [(2, 2, 3, 3), (2, 3, 3, 3), (3,)]),
        ("max_pool2d", lambda x: K.max_pool2d(x, 2, ceil_mode=True),
         lambda x: F.max_pool2d(x, 2, ceil_mode=True), [(2, 2, 5, 5)]),
        ("max_pool3d", lambda x: K.max_pool3d(x, 2), lambda x: F.max_pool3d(x, 2), [(1, 2, 4, 4, 4)]),
        ("avg_pool2d", lambda x: K.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
         lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(2, 2, 5, 5)]),
        ("avg_pool3d", lambda x: K.avg_pool3d(x, 2), lambda x: F.avg_pool3d(x, 2), [(1, 2, 4, 4, 4)]),
        ("adaptive_avg_pool2d", lambda x: K.adaptive_avg_pool2d(x, 3),
         lambda x: F.adaptive_avg_pool2d(x, 3), [(2, 2, 5, 4)]),
        ("adaptive_max_pool2d", lambda x: K.adaptive_max_pool2d(x, 3),
         lambda x: F.adaptive_max_pool2d(x, 3), [(2, 2, 5, 4)]),
        ("max_unpool2d", lambda x: K.max_unpool2d(*K.max_pool2d(x, 2, return_indices=True), 2),
         lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), [(1, 2, 4, 4)]),
        ("softmax", lambda x: K.softmax(x, 1), lambda x: F.softmax(x, 1), [(2, 3, 4)]),
        ("log_softmax", lambda x: K.log_softmax(x, 0), lambda x: F.log_softmax(x, 0), [(3, 4)]),
        ("layer_norm", lambda x, w, b: K.layer_norm(x, (4,), w, b),
         lambda x, w, b: F.layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)]),
        ("group_norm", lambda x, w, b: K.group_norm(x, 2, w, b),
         lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3, 2), (4,), (4,)]),
        ("batch_norm", lambda x, w, b: K.batch_norm(x, None, None, w, b, True),
         lambda x, w, b: F.batch_norm(x, None, None, w, b, True), [(4, 3, 2), (3,), (3,)]),
        ("embedding", lambda w: K.embedding(pyt.tensor(idx), w, padding_idx=2, scale_grad_by_freq=True),
         lambda w: F.embedding(torch.tensor(idx), w, padding_idx=2, scale_grad_by_freq=True), [(5, 3)]),
        ("embedding_neg_pad", lambda w: K.embedding(pyt.tensor(idx), w, padding_idx=-1),
         lambda w: F.embedding(torch.tensor(idx), w, padding_idx=-1), [(5, 3)]),
        ("pad_constant", lambda x: K.pad(x, (1, 2)), lambda x: F.pad(x, (1, 2)), [(2, 3)]),
        ("pad_reflect", lambda x: K.pad(x, (2, 1, 1, 1), mode="reflect"),
         lambda x: F.pad(x, (2, 1, 1, 1), mode="reflect"), [(1, 2, 3, 4)]),
        ("pad_replicate", lambda x: K.pad(x, (2, 1), mode="replicate"),
         lambda x: F.pad(x, (2, 1), mode="replicate"), [(2, 3, 4)]),
        ("interpolate_bilinear", lambda x: K.interpolate(x, scale_factor=2, mode="bilinear"),
         lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), [(1, 2, 3, 3)]),
        ("interpolate_nearest", lambda x: K.interpolate(x, size=(5, 2)),
         lambda x: F.interpolate(x, size=(5, 2)), [(1, 2, 3, 3)]),
        ("interpolate_trilinear", lambda x: K.interpolate(x, size=3, mode="trilinear"),
         lambda x: F.interpolate(x, size=3, mode="trilinear"), [(1, 1, 2, 2, 2)]),
        ("unfold", lambda x: K.unfold(x, 2, stride=2), lambda x: F.unfold(x, 2, stride=2), [(1, 2, 4, 4)]),
        ("fold", lambda x: K.fold(x, (3, 3), 2), lambda x: F.fold(x, (3, 3), 2), [(1, 8, 4)]),
    ]


def _torch_case_ids():
    return ["conv2d", "conv_transpose2d", "max_pool2d", "max_pool3d", "avg_pool2d", "avg_pool3d",
            "adaptive_avg_pool2d", "adaptive_max_pool2d", "max_unpool2d", "softmax",
            "log_softmax", "layer_norm", "group_norm", "batch_norm", "embedding",
            "embedding_neg_pad", "pad_constant", "pad_reflect", "pad_replicate",
            "interpolate_bilinear", "interpolate_nearest", "interpolate_trilinear", "unfold",
            "fold"]


@pytest.mark.parametrize("case", _torch_case_ids())
def test_against_torch(case):
    torch = pytest.importorskip("torch")
    name, mine, theirs, shapes = {c[0]: c for c in _torch_cases(torch.nn.functional, torch)}[case]
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    p_in = [pyt.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    p_out, t_out = mine(*p_in), theirs(*t_in)
    assert p_out.grad_fn.name() == t_out.grad_fn.name()
    np.testing.assert_allclose(p_out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(tuple(t_out.shape))
    p_out.backward(pyt.tensor(g))
    t_out.backward(torch.tensor(g))
    for p, t in zip(p_in, t_in):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("op", ["conv2d", "softmax", "log_softmax", "layer_norm", "batch_norm",
                                "group_norm", "conv_transpose2d"])
def test_second_derivatives_against_torch(op):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    ops = {
        "conv2d": (lambda x, w: K.conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
                   lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
                   [(2, 4, 5, 5), (4, 2, 3, 2)]),
        "conv_transpose2d": (lambda x, w: K.conv_transpose2d(x, w, stride=2, output_padding=1),
                             lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=1),
                             [(2, 2, 3, 3), (2, 3, 2, 2)]),
        "softmax": (lambda x: K.softmax(x, 1), lambda x: F.softmax(x, 1), [(2, 5, 3)]),
        "log_softmax": (lambda x: K.log_softmax(x, 1), lambda x: F.log_softmax(x, 1), [(2, 5, 3)]),
        "layer_norm": (lambda x, w: K.layer_norm(x, (5, 3), w), lambda x, w: F.layer_norm(x, (5, 3), w),
                       [(2, 5, 3), (5, 3)]),
        "batch_norm": (lambda x, w: K.batch_norm(x, None, None, w, None, True),
                       lambda x, w: F.batch_norm(x, None, None, w, None, True), [(4, 3, 2), (3,)]),
        "group_norm": (lambda x, w: K.group_norm(x, 2, w), lambda x, w: F.group_norm(x, 2, w),
                       [(2, 4, 3), (4,)]),
    }
    mine, theirs, shapes = ops[op]
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in shapes]
    p_in = [pyt.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    p_out, t_out = mine(*p_in), theirs(*t_in)
    g = rng.standard_normal(tuple(t_out.shape))
    p_g = pyt.autograd.grad(p_out, p_in, pyt.tensor(g), create_graph=True)
    t_g = torch.autograd.grad(t_out, t_in, torch.tensor(g), create_graph=True)
    # a scalar of the first derivatives, differentiated again
    p_s = sum(((a * a * a).sum() for a in p_g), pyt.tensor(0.0, dtype=pyt.float64))
    t_s = sum((a ** 3).sum() for a in t_g)
    for p, t in zip(pyt.autograd.grad(p_s, p_in), torch.autograd.grad(t_s, t_in)):
        np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=1e-9, atol=1e-9)


def test_softmax_dtype_casts_first():
    x = leaf(4, 3, dtype=pyt.float32)
    y = K.log_softmax(x, 0, dtype=pyt.float64)
    assert y.dtype is pyt.float64 and y.grad_fn.name() == "LogSoftmaxBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "ToCopyBackward0"
    y.backward(pyt.ones(4, 3, dtype=pyt.float64))
    assert x.grad.dtype is pyt.float32
    np.testing.assert_allclose(x.grad.numpy(), 1 - 4 * np.exp(y.detach().numpy()), atol=1e-6)


def test_create_graph_names():
    x, w = leaf(1, 2, 4, 4), leaf(3, 2, 3, 3)
    y = K.conv2d(x, w)
    gx, gw = pyt.autograd.grad(y, (x, w), pyt.ones(1, 3, 2, 2, dtype=pyt.float64), create_graph=True)
    assert gx.grad_fn.name() == "ConvolutionBackwardBackward0"
    assert gw.grad_fn.name() == "ConvolutionBackwardBackward0"
    g = leaf(1, 2, 2, 2)
    gx = pyt.autograd.grad(K.avg_pool2d(x, 2), x, g, create_graph=True)[0]
    assert gx.grad_fn.name() == "AvgPool2DBackwardBackward0"
    gx = pyt.autograd.grad(K.max_pool2d(x, 2), x, g, create_graph=True)[0]
    assert gx.grad_fn.name() == "MaxPool2DWithIndicesBackwardBackward0"


@pytest.mark.parametrize("op,shapes", [
    (lambda x, w: K.conv1d(x, w, padding=1), [(1, 2, 3), (2, 2, 2)]),
    (lambda x: K.softmax(x, 1), [(2, 3)]),
    (lambda x: K.log_softmax(x, 0), [(3, 2)]),
    (lambda x, w: K.layer_norm(x, (3,), w), [(2, 3), (3,)]),
    (lambda x: K.group_norm(x, 1), [(1, 2, 2)]),
], ids=["conv1d", "softmax", "log_softmax", "layer_norm", "group_norm"])
def test_third_derivatives(op, shapes):
    """The first derivatives, recorded with create_graph, pass gradgradcheck themselves."""
    inputs = tuple(leaf(*s, seed=i) for i, s in enumerate(shapes))
    with pyt.no_grad():
        g = pyt.tensor(np.random.default_rng(3).standard_normal(tuple(op(*inputs).shape)))

    def first(*xs):
        return pyt.autograd.grad(op(*xs), xs, g, create_graph=True)
    seeds = tuple(leaf(*s, seed=5 + i) for i, s in enumerate(shapes))
    assert gradgradcheck(first, inputs, seeds)


# ----- what takes no gradient ---------------------------------------------------------------

def test_non_differentiable_outputs():
    x = leaf(1, 2, 4, 4)
    values, indices = K.max_pool2d(x, 2, return_indices=True)
    assert values.requires_grad and not indices.requires_grad
    values, indices = K.adaptive_max_pool2d(x, 2, return_indices=True)
    assert values.requires_grad and not indices.requires_grad
    out, mask = K.native_dropout(x, 0.5, True)
    assert out.requires_grad and out.grad_fn.name() == "NativeDropoutBackward0"
    assert not mask.requires_grad
    # layer and batch norm hand out their statistics without history, group norm with (torch)
    assert [t.requires_grad for t in K.native_layer_norm(x, (4,))] == [True, False, False]
    assert [t.requires_grad for t in K.native_batch_norm(x, None, None, None, None, True, 0.1,
                                                         1e-5)] == [True, False, False]
    assert [t.requires_grad for t in K.native_group_norm(x, None, None, 1, 2, 16, 2,
                                                         1e-5)] == [True, True, True]
    # the running statistics are updated, not differentiated
    rm, rv = pyt.zeros(2, dtype=pyt.float64), pyt.ones(2, dtype=pyt.float64)
    y = K.batch_norm(x, rm, rv, training=True)
    assert len(y.grad_fn.next_functions) == 3 and not rm.requires_grad
    assert abs(rm.numpy()).sum() > 0
    y.sum().backward()
    # integer inputs take no gradient, and no-grad mode records nothing
    assert not K.max_pool2d(pyt.arange(16).view(1, 4, 4), 2).requires_grad
    with pyt.no_grad():
        assert not K.conv2d(x, leaf(1, 2, 2, 2)).requires_grad
        assert not K.softmax(x, 1).requires_grad


def test_embedding_gradient_rules():
    w = leaf(5, 2)
    idx = pyt.tensor([0, 3, 3, 1, 0])
    K.embedding(idx, w, padding_idx=0).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 0], [1, 1], [0, 0], [2, 2], [0, 0]])
    w.grad = None
    K.embedding(idx, w, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1, 1], [1, 1], [0, 0], [1, 1], [0, 0]])
    assert not idx.requires_grad


def test_embedding_max_norm():
    w = pyt.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]], requires_grad=True)
    y = K.embedding(pyt.tensor([0, 1]), w, max_norm=1.0)
    assert y.grad_fn.name() == "EmbeddingBackward0"
    np.testing.assert_allclose(w.detach().numpy()[0], [0.6, 0.8], rtol=1e-6)   # renormed in place
    np.testing.assert_allclose(w.detach().numpy()[2], [6.0, 8.0])              # not looked up
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1, 1], [1, 1], [0, 0]])


def test_dropout():
    pyt.manual_seed(0)
    x = leaf(50, 20)
    y = K.dropout(x, 0.25)
    assert y.grad_fn.name() == "MulBackward0"
    y.backward(pyt.ones(50, 20, dtype=pyt.float64))
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.75)
    assert 0.6 < kept.mean() < 0.9
    assert K.dropout(x, 0.5, training=False) is x
    y = pyt.dropout(x, 1.0, True)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        K.dropout(x, 0.5, inplace=True)
    h = x * 1
    assert K.dropout(h, 0.5, inplace=True) is h and h.grad_fn.name() == "MulBackward0"
    x.grad = None
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (h.detach().numpy() != 0) * 2.0)


LOW_PRECISION_OPS = [
    ("conv2d", lambda x, w, b: K.conv2d(x, w, b, padding=1), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]),
    ("conv_transpose2d", lambda x, w, b: K.conv_transpose2d(x, w, b, stride=2),
     [(2, 3, 3, 3), (3, 4, 2, 2), (4,)]),
    ("softmax", lambda x: K.softmax(x, 1) * K.log_softmax(x, 2), [(2, 3, 4)]),
    ("layer_norm", lambda x, w, b: K.layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)]),
    ("group_norm", lambda x, w, b: K.group_norm(x, 3, w, b), [(2, 3, 4), (3,), (3,)]),
    ("batch_norm", lambda x, w, b: K.batch_norm(x, None, None, w, b, True), [(4, 3, 5), (3,), (3,)]),
    ("pooling", lambda x: K.max_pool2d(x, 2) + K.avg_pool2d(x, 2), [(2, 3, 4, 4)]),
    ("resize", lambda x: K.interpolate(K.pad(x, (1, 1, 0, 1), mode="reflect"), scale_factor=2,
                                       mode="bilinear"), [(1, 2, 3, 3)]),
    ("embedding", lambda w: K.embedding(IDX, w), [(5, 3)]),
    ("unfold", lambda x: K.unfold(x, 2), [(1, 2, 3, 3)]),
]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float16, pyt.bfloat16])
@pytest.mark.parametrize("name,op,shapes", LOW_PRECISION_OPS, ids=[o[0] for o in LOW_PRECISION_OPS])
def test_grads_keep_the_input_dtype(name, op, shapes, dtype):
    low = [leaf(*s, seed=i, dtype=dtype) for i, s in enumerate(shapes)]
    high = [t.detach().double().requires_grad_() for t in low]
    out = op(*low)
    g = pyt.tensor(np.random.default_rng(4).standard_normal(tuple(out.shape)))
    out.backward(g.to(dtype))
    op(*high).backward(g)
    tol = 1e-4 if dtype is pyt.float32 else 3e-2
    for t, r in zip(low, high):
        assert t.grad.dtype is dtype
        scale = max(1.0, np.abs(r.grad.numpy()).max())
        np.testing.assert_allclose(t.grad.double().numpy(), r.grad.numpy(), rtol=tol,
                                   atol=tol * scale)


def test_saved_inputs_are_checked_and_released():
    x, w = leaf(1, 2, 4, 4), leaf(3, 2, 3, 3)
    y = K.conv2d(x, w)
    with pyt.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    y = K.softmax(x, 1)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()
    y = K.layer_norm(x, (4,))
    y.backward(pyt.ones(1, 2, 4, 4, dtype=pyt.float64), retain_graph=True)
    y.backward(pyt.ones(1, 2, 4, 4, dtype=pyt.float64))


def test_unbatched_convolution_records_through_views():
    x, w = leaf(2, 5), leaf(3, 2, 2)
    y = K.conv1d(x, w)
    assert list(y.shape) == [3, 4] and y.grad_fn.next_functions[0][0].name() == "ConvolutionBackward0"
    y.sum().backward()
    assert list(x.grad.shape) == [2, 5]


def test_backward_functions_are_differentiable():
    # the public gradient functions record themselves too (linear in grad_output)
    x = leaf(1, 2, 4, 4).detach()
    g = leaf(1, 2, 2, 2, seed=3)
    _, idx = K.max_pool2d(x, 2, return_indices=True)
    cases = [
        lambda g: K.avg_pool2d_backward(g, x, 2),
        lambda g: K.adaptive_avg_pool_backward(g, x, 2),
        lambda g: K.max_pool_backward(g, x, idx, 2),
        lambda g: K.max_unpool_backward(K.max_pool_backward(g, x, idx, 2), idx, 2),
        lambda g: K.pad_backward(g, [1, 2, 1, 1], (1, 0, 0, 1), "replicate"),
        lambda g: K.pad_backward(g, [1, 2, 3, 3], (0, -1, 0, -1)),
        lambda g: K.interpolate_backward(g, [1, 2, 3, 3], size=(2, 2), mode="bicubic"),
        lambda g: K.embedding_backward(g.view(4, 2), pyt.tensor([0, 2, 2, 1]), 3, padding_idx=1),
        lambda g: K.dropout_backward(g, g.detach() > 0, 2.0),
    ]
    for f in cases:
        assert gradcheck(f, (g,))
    assert gradgradcheck(lambda g, y: K.softmax_backward(g, y, 1), (leaf(2, 3), leaf(2, 3, seed=1)))
    w = leaf(3, 2, 3, 3)
    assert gradgradcheck(lambda g, x, w: K.conv_backward(g, x, w),
                         (leaf(1, 3, 2, 2), leaf(1, 2, 4, 4), w))
    assert gradcheck(lambda g, x, w: K.conv_transpose_backward(g, x, w),
                     (leaf(1, 2, 4, 4), leaf(1, 3, 2, 2), w.detach().requires_grad_()))


@pytest.mark.parametrize("kind", ["layer", "group", "batch_train", "batch_eval"])
def test_norm_backward_functions_are_differentiable(kind):
    x, g = leaf(3, 2, 4), leaf(3, 2, 4, seed=1)
    if kind == "layer":
        w, b = leaf(4, seed=2), leaf(4, seed=3).detach()
        _, m, r = K.native_layer_norm(x.detach(), (4,), w.detach(), b)

        def f(g, x, m, r, w):
            return K.native_layer_norm_backward(g, x, (4,), m, r, w, b)
    elif kind == "group":
        w = leaf(2, seed=2)
        _, m, r = K.native_group_norm(x.detach(), w.detach(), None, 3, 2, 4, 1, 1e-5)

        def f(g, x, m, r, w):
            return K.native_group_norm_backward(g, x, m, r, w, 3, 2, 4, 1)
    else:
        train = kind == "batch_train"
        w = leaf(2, seed=2)
        rm, rv = const([0.2, -0.1]), const([0.7, 1.3])
        _, m, r = K.native_batch_norm(x.detach(), w.detach(), None, None, None, True, 0.1, 1e-5)
        if not train:
            m, r = rm.clone(), rv.clone()       # stand-ins: eval reads the running statistics

        def f(g, x, m, r, w):
            return K.native_batch_norm_backward(g, x, w, rm, rv, m, r, train, 1e-5)
    inputs = (g, x, m.detach().requires_grad_(), r.detach().requires_grad_(), w)
    with pyt.no_grad():
        native = f(*inputs)
    recorded = f(*inputs)
    for a, b in zip(native, recorded):
        assert a.shape == b.shape and b.requires_grad
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-10)
    if kind == "batch_eval":                    # the statistics are constants there
        inputs = inputs[:2] + (m, r) + inputs[4:]
    assert gradcheck(f, inputs)


def test_log_softmax_backward_is_differentiable():
    assert gradgradcheck(lambda g, y: K.log_softmax_backward(g, y, 1),
                         (leaf(2, 3), leaf(2, 3, seed=1)))
