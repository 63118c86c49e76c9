"""pyt.nn.functional: forward and input gradients against torch, gradcheck on float64,
the losses' reductions / weights / ignore_index, and torch's errors for bad input."""
import math
import warnings

import numpy as np
import pytest

import pyt
import pyt.nn.functional as F

rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape)


def rand(*shape, lo=0.0, hi=1.0):
    return rng.uniform(lo, hi, shape)


def ints(hi, *shape, lo=0):
    return rng.integers(lo, hi, shape).astype(np.int64)


def probs(*shape, dim=1):
    e = np.exp(randn(*shape))
    return e / e.sum(dim, keepdims=True)


# (function name, positional array args, kwargs). Float arrays become tensors that
# require grad; int arrays become int64 tensors; other values pass as they are.
CASES = [
    ("linear", [randn(4, 3), randn(5, 3), randn(5)], {}),
    ("linear", [randn(2, 4, 3), randn(5, 3)], {}),
    ("linear", [randn(3), randn(5, 3), randn(5)], {}),
    ("bilinear", [randn(4, 3), randn(4, 2), randn(5, 3, 2), randn(5)], {}),
    ("conv2d", [randn(2, 3, 6, 6), randn(4, 3, 3, 3), randn(4)], dict(padding=1)),
    ("conv1d", [randn(2, 3, 7), randn(4, 3, 3)], dict(stride=2)),
    ("conv_transpose2d", [randn(1, 2, 4, 4), randn(2, 3, 3, 3)], dict(stride=2)),
    ("conv3d", [randn(1, 2, 4, 4, 4), randn(3, 2, 2, 2, 2), randn(3)], dict(padding=1)),
    ("conv2d", [randn(1, 4, 5, 5), randn(4, 2, 3, 3)], dict(padding="same", groups=2,
                                                            dilation=2)),
    ("conv_transpose1d", [randn(2, 2, 5), randn(2, 3, 3), randn(3)], dict(stride=2,
                                                                         output_padding=1)),
    ("conv_transpose3d", [randn(1, 2, 2, 3, 2), randn(2, 1, 2, 2, 2)], {}),
    ("max_pool1d", [randn(2, 3, 7), 3], dict(stride=2, padding=1)),
    ("max_pool3d", [randn(1, 2, 4, 4, 4), 2], {}),
    ("max_pool2d", [randn(2, 3, 7, 7), 3], dict(stride=2, ceil_mode=True, dilation=1)),
    ("avg_pool1d", [randn(2, 3, 7), 3], dict(stride=2, count_include_pad=False, padding=1)),
    ("avg_pool3d", [randn(1, 2, 4, 4, 4), 2], {}),
    ("adaptive_avg_pool1d", [randn(2, 3, 7), 3], {}),
    ("adaptive_avg_pool3d", [randn(1, 2, 5, 4, 3), (2, 2, 2)], {}),
    ("adaptive_max_pool1d", [randn(2, 3, 7), 3], {}),
    ("lp_pool3d", [rand(1, 1, 4, 4, 4, lo=0.5), 2, 2], {}),
    ("interpolate", [randn(1, 1, 2, 3, 2)], dict(scale_factor=2, mode="trilinear")),
    ("interpolate", [randn(1, 1, 5)], dict(size=3, mode="area")),
    ("max_pool2d", [randn(2, 3, 6, 6), 2], {}),
    ("avg_pool2d", [randn(2, 3, 6, 6), 3], dict(stride=2, padding=1)),
    ("adaptive_avg_pool2d", [randn(2, 3, 7, 5), (3, 2)], {}),
    ("adaptive_max_pool2d", [randn(2, 3, 7, 5), (3, 2)], {}),
    ("lp_pool2d", [rand(1, 2, 4, 4, lo=0.5), 2, 2], {}),
    ("lp_pool1d", [rand(1, 2, 6, lo=0.5), 3, 2], {}),
    ("batch_norm", [randn(4, 3, 5), np.zeros(3), np.ones(3), rand(3), randn(3)],
     dict(training=True)),
    ("instance_norm", [randn(2, 3, 5, 4)], {}),
    ("instance_norm", [randn(2, 3, 5), None, None, randn(3), randn(3)], {}),
    ("layer_norm", [randn(2, 3, 4), (3, 4), randn(3, 4), randn(3, 4)], {}),
    ("group_norm", [randn(2, 4, 5), 2, randn(4), randn(4)], {}),
    ("local_response_norm", [randn(2, 5, 4), 3], {}),
    ("local_response_norm", [randn(2, 5, 3, 4), 2], dict(alpha=0.1, k=2.0)),
    ("normalize", [randn(4, 5)], {}),
    ("normalize", [randn(4, 5)], dict(p=1, dim=0)),
    ("embedding", [ints(6, 3, 2), randn(6, 4)], dict(padding_idx=1)),
    ("embedding_bag", [ints(6, 3, 4), randn(6, 3)], {}),
    ("embedding_bag", [ints(6, 3, 4), randn(6, 3)], dict(mode="max")),
    ("embedding_bag", [ints(6, 3, 4), randn(6, 3)], dict(mode="sum", padding_idx=2)),
    ("embedding_bag", [ints(6, 7), randn(6, 3), np.array([0, 2, 2, 5])], {}),
    ("embedding_bag", [ints(6, 7), randn(6, 3), np.array([0, 2, 2, 5])], dict(mode="max")),
    ("embedding_bag", [ints(6, 7), randn(6, 3), np.array([0, 3, 7])],
     dict(mode="sum", include_last_offset=True)),
    ("embedding_bag", [ints(6, 7), randn(6, 3), np.array([0, 3])],
     dict(mode="sum", per_sample_weights=None)),
    ("pad", [randn(2, 3, 4), (1, 2)], dict(mode="reflect")),
    ("pad", [randn(2, 3, 4), (1, 2, 0, 1)], dict(value=2.5)),
    ("pad", [randn(1, 2, 3, 4), (1, 2, 2, 1)], dict(mode="replicate")),
    ("pad", [randn(1, 2, 3, 4), (1, 2, 2, 1)], dict(mode="circular")),
    ("interpolate", [randn(1, 2, 3, 4)], dict(scale_factor=2, mode="bilinear",
                                              align_corners=False)),
    ("interpolate", [randn(1, 2, 3, 4)], dict(size=(5, 7), mode="nearest")),
    ("pixel_shuffle", [randn(2, 8, 3, 2), 2], {}),
    ("pixel_unshuffle", [randn(2, 2, 4, 6), 2], {}),
    ("unfold", [randn(2, 3, 5, 5), 2], dict(stride=2, padding=1)),
    ("fold", [randn(2, 12, 9), (4, 4), 2], dict(padding=1, stride=2)),
    ("cosine_similarity", [randn(4, 5), randn(4, 5)], {}),
    ("cosine_similarity", [randn(4, 1), randn(4, 5)], dict(dim=0)),
    ("pairwise_distance", [randn(4, 5), randn(4, 5)], {}),
    ("pairwise_distance", [randn(4, 5), randn(4, 5)], dict(p=1.0, keepdim=True)),
    ("pdist", [randn(5, 3)], {}),
    ("affine_grid", [randn(2, 2, 3), (2, 3, 4, 5)], dict(align_corners=False)),
    ("affine_grid", [randn(2, 2, 3), (2, 3, 4, 5)], dict(align_corners=True)),
    ("affine_grid", [randn(1, 3, 4), (1, 1, 2, 3, 4)], dict(align_corners=False)),
    ("rms_norm", [randn(2, 3, 4), (4,), randn(4)], {}),
    ("rms_norm", [randn(2, 3, 4), (3, 4)], dict(eps=1e-3)),
    ("channel_shuffle", [randn(2, 6, 2, 3), 3], {}),
    ("scaled_dot_product_attention", [randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 2)], {}),
    ("scaled_dot_product_attention", [randn(2, 4, 3), randn(2, 4, 3), randn(2, 4, 2)],
     dict(is_causal=True, scale=0.3)),
    ("scaled_dot_product_attention", [randn(1, 3, 4), randn(1, 5, 4), randn(1, 5, 2)],
     dict(attn_mask=randn(3, 5))),
    # activations
    ("relu", [randn(3, 4)], {}),
    ("relu6", [randn(3, 4) * 5], {}),
    ("leaky_relu", [randn(3, 4)], dict(negative_slope=0.2)),
    ("prelu", [randn(2, 3, 4), rand(3)], {}),
    ("prelu", [randn(2, 3), rand(1)], {}),
    ("rrelu", [randn(3, 4)], {}),
    ("elu", [randn(3, 4)], dict(alpha=0.7)),
    ("selu", [randn(3, 4)], {}),
    ("celu", [randn(3, 4)], dict(alpha=1.5)),
    ("gelu", [randn(3, 4)], {}),
    ("gelu", [randn(3, 4)], dict(approximate="tanh")),
    ("silu", [randn(3, 4)], {}),
    ("mish", [randn(3, 4)], {}),
    ("sigmoid", [randn(3, 4)], {}),
    ("tanh", [randn(3, 4)], {}),
    ("hardtanh", [randn(3, 4)], dict(min_val=-0.5, max_val=0.7)),
    ("hardsigmoid", [randn(3, 4) * 4], {}),
    ("hardswish", [randn(3, 4) * 4], {}),
    ("softplus", [randn(3, 4) * 10], dict(beta=2.0, threshold=5.0)),
    ("softsign", [randn(3, 4)], {}),
    ("softmax", [randn(3, 4)], dict(dim=1)),
    ("softmax", [randn(3, 4)], dict(dim=0, dtype=pyt.float64)),
    ("log_softmax", [randn(3, 4, 2)], dict(dim=1)),
    ("softmin", [randn(3, 4)], dict(dim=1)),
    ("threshold", [randn(3, 4)], dict(threshold=0.1, value=-2.0)),
    ("glu", [randn(3, 4)], {}),
    ("glu", [randn(4, 3)], dict(dim=0)),
    ("logsigmoid", [randn(3, 4) * 30], {}),
    ("tanhshrink", [randn(3, 4)], {}),
    ("softshrink", [randn(3, 4)], dict(lambd=0.3)),
    ("hardshrink", [randn(3, 4)], dict(lambd=0.3)),
    # losses
    ("mse_loss", [randn(3, 4), randn(3, 4)], {}),
    ("mse_loss", [randn(3, 4), randn(3, 4)], dict(reduction="sum")),
    ("mse_loss", [randn(3, 4), randn(3, 4)], dict(weight=rand(3, 4))),
    ("l1_loss", [randn(3, 4), randn(3, 4)], dict(reduction="none")),
    ("l1_loss", [randn(3, 4), randn(3, 4)], dict(weight=rand(3, 4))),
    ("smooth_l1_loss", [randn(3, 4), randn(3, 4)], dict(beta=0.5)),
    ("smooth_l1_loss", [randn(3, 4), randn(3, 4)], dict(beta=0.0, reduction="sum")),
    ("huber_loss", [randn(3, 4) * 2, randn(3, 4)], dict(delta=0.7)),
    ("huber_loss", [randn(3, 4) * 2, randn(3, 4)], dict(weight=rand(3, 4))),
    ("cross_entropy", [randn(5, 4), ints(4, 5)], {}),
    ("cross_entropy", [randn(4), ints(4)], {}),
    ("cross_entropy", [randn(5, 4, 3, 2), ints(4, 5, 3, 2)], dict(reduction="sum")),
    ("cross_entropy", [randn(6, 4), np.array([0, -100, 3, 2, -100, 1])],
     dict(weight=rand(4) + 0.5)),
    ("cross_entropy", [randn(6, 4), np.array([0, 7, 3, 2, 7, 1])],
     dict(ignore_index=7, label_smoothing=0.2)),
    ("cross_entropy", [randn(6, 4), np.array([0, 7, 3, 2, 7, 1])],
     dict(ignore_index=7, label_smoothing=0.2, weight=rand(4) + 0.5)),
    ("cross_entropy", [randn(6, 4, 2), ints(4, 6, 2)],
     dict(label_smoothing=0.1, reduction="none")),
    ("cross_entropy", [randn(5, 4), probs(5, 4)], {}),
    ("cross_entropy", [randn(5, 4, 3), probs(5, 4, 3)],
     dict(weight=rand(4), label_smoothing=0.3)),
    ("cross_entropy", [randn(5, 4), probs(5, 4)], dict(reduction="none")),
    ("nll_loss", [randn(5, 4), ints(4, 5)], {}),
    ("nll_loss", [randn(5, 4, 3), ints(4, 5, 3)], dict(weight=rand(4), reduction="none")),
    ("nll_loss", [randn(6, 4), np.array([0, -100, 3, 2, -100, 1])],
     dict(weight=rand(4) + 0.5)),
    ("nll_loss", [randn(6, 4), np.array([0, 2, 3, 2, 2, 1])], dict(ignore_index=2,
                                                                    reduction="sum")),
    ("binary_cross_entropy", [rand(3, 4, lo=0.05, hi=0.95), rand(3, 4)], {}),
    ("binary_cross_entropy", [rand(3, 4, lo=0.05, hi=0.95), rand(3, 4), rand(3, 4)],
     dict(reduction="none")),
    ("binary_cross_entropy_with_logits", [randn(3, 4) * 30, rand(3, 4)], {}),
    ("binary_cross_entropy_with_logits", [randn(3, 4), rand(3, 4), rand(3, 4)],
     dict(pos_weight=rand(4) + 0.5, reduction="sum")),
    ("kl_div", [np.log(probs(3, 4)), probs(3, 4)], dict(reduction="batchmean")),
    ("kl_div", [np.log(probs(3, 4)), np.log(probs(3, 4))],
     dict(reduction="sum", log_target=True)),
    ("kl_div", [np.log(probs(3, 4)), np.where(rand(3, 4) > 0.5, probs(3, 4), 0.0)],
     dict(reduction="none")),
    ("margin_ranking_loss", [randn(5), randn(5), np.sign(randn(5))], dict(margin=0.3)),
    ("hinge_embedding_loss", [randn(6), np.sign(randn(6))], dict(margin=0.5)),
    ("cosine_embedding_loss", [randn(5, 3), randn(5, 3), np.sign(randn(5))],
     dict(margin=0.1)),
    ("triplet_margin_loss", [randn(5, 3), randn(5, 3), randn(5, 3)], {}),
    ("triplet_margin_loss", [randn(5, 3), randn(5, 3), randn(5, 3)],
     dict(swap=True, p=1, reduction="none")),
    ("poisson_nll_loss", [randn(3, 4), rand(3, 4, hi=4)], {}),
    ("poisson_nll_loss", [rand(3, 4, lo=0.1, hi=3), rand(3, 4, hi=4)],
     dict(log_input=False, full=True, reduction="sum")),
    ("gaussian_nll_loss", [randn(4, 3), randn(4, 3), rand(4, 3, lo=0.1)], {}),
    ("gaussian_nll_loss", [randn(4, 3), randn(4, 3), rand(4, lo=0.1)],
     dict(full=True, reduction="none")),
    ("gaussian_nll_loss", [randn(4, 3), randn(4, 3), rand(4, 1, lo=0.1)], {}),
    ("multilabel_soft_margin_loss", [randn(4, 5), (rand(4, 5) > 0.5) * 1.0], {}),
    ("multilabel_soft_margin_loss", [randn(4, 5), (rand(4, 5) > 0.5) * 1.0, rand(5)],
     dict(reduction="none")),
    ("soft_margin_loss", [randn(4, 5), np.sign(randn(4, 5))], {}),
    ("triplet_margin_with_distance_loss", [randn(5, 3), randn(5, 3), randn(5, 3)],
     dict(swap=True, margin=0.5)),
    ("multi_margin_loss", [randn(4, 5), ints(5, 4)], {}),
    ("multi_margin_loss", [randn(4, 5), ints(5, 4)], dict(p=2, margin=0.5, weight=rand(5))),
    ("multilabel_margin_loss", [randn(3, 4), np.array([[3, 0, -1, 1], [0, 1, 2, 3],
                                                       [-1, 0, 0, 0]])], {}),
    ("grid_sample", [randn(2, 3, 4, 5), rand(2, 3, 2, 2, lo=-1.2, hi=1.2)],
     dict(align_corners=False)),
    ("grid_sample", [randn(1, 2, 4, 5), rand(1, 3, 2, 2, lo=-1.3, hi=1.3)],
     dict(padding_mode="border", align_corners=True)),
    ("grid_sample", [randn(1, 2, 4, 5), rand(1, 3, 3, 2, lo=-2.5, hi=2.5)],
     dict(padding_mode="reflection", align_corners=False)),
    ("grid_sample", [randn(1, 2, 4, 5), rand(1, 3, 3, 2, lo=-2.5, hi=2.5)],
     dict(padding_mode="reflection", align_corners=True)),
    ("grid_sample", [randn(1, 2, 4, 5), rand(1, 3, 3, 2, lo=-1.3, hi=1.3)],
     dict(mode="nearest", align_corners=False)),
    ("grid_sample", [randn(2, 2, 4, 5), rand(2, 3, 2, 2, lo=-1.4, hi=1.4)],
     dict(mode="bicubic", align_corners=False)),
    ("grid_sample", [randn(1, 2, 4, 5), rand(1, 3, 3, 2, lo=-1.4, hi=1.4)],
     dict(mode="bicubic", padding_mode="border", align_corners=True)),
    ("grid_sample", [randn(1, 2, 4, 5), rand(1, 3, 3, 2, lo=-2.5, hi=2.5)],
     dict(mode="bicubic", padding_mode="reflection", align_corners=False)),
    ("grid_sample", [randn(1, 2, 4, 5), rand(1, 3, 3, 2, lo=-2.5, hi=2.5)],
     dict(mode="bicubic", padding_mode="reflection", align_corners=True)),
    ("grid_sample", [randn(2, 2, 3, 4, 5), rand(2, 2, 3, 2, 3, lo=-1.3, hi=1.3)],
     dict(align_corners=False)),
    ("grid_sample", [randn(1, 2, 3, 4, 5), rand(1, 2, 2, 3, 3, lo=-1.3, hi=1.3)],
     dict(padding_mode="border", align_corners=True)),
    ("grid_sample", [randn(1, 2, 3, 4, 2), rand(1, 2, 3, 2, 3, lo=-2.5, hi=2.5)],
     dict(padding_mode="reflection", align_corners=False)),
    ("grid_sample", [randn(1, 1, 3, 4, 5), rand(1, 2, 3, 2, 3, lo=-2.5, hi=2.5)],
     dict(padding_mode="reflection", align_corners=True)),
    ("grid_sample", [randn(1, 2, 3, 4, 5), rand(1, 2, 3, 2, 3, lo=-1.3, hi=1.3)],
     dict(mode="nearest", padding_mode="border", align_corners=False)),
]

# Targets / labels / weights that torch does not differentiate: they never require grad.
NO_GRAD_ARGS = {
    "cross_entropy": {1}, "nll_loss": {1}, "margin_ranking_loss": {2},
    "hinge_embedding_loss": {1}, "cosine_embedding_loss": {2},
    "multilabel_soft_margin_loss": {1, 2}, "soft_margin_loss": {1},
    "multi_margin_loss": {1}, "batch_norm": {1, 2}, "binary_cross_entropy": {2},
    "binary_cross_entropy_with_logits": {2}, "poisson_nll_loss": {1},
    "multilabel_margin_loss": {1},
}
# Checked separately below.
NO_GRADCHECK = {"embedding_bag"}
# kl_div's target has a kink at 0 (t log t), where finite differences disagree.
GRADCHECK_FIXED = {"kl_div": {1}}


def _case_id(case):
    name, _, kw = case
    return name + ("-" + ",".join(f"{k}={v}" for k, v in kw.items()) if kw else "")


def _make(lib, name, args, kwargs, dtype_np=np.float64):
    """Tensors of lib for args (float ones requiring grad where torch allows it)."""
    out, leaves = [], []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            if a.dtype.kind == "f":
                t = lib.tensor(a.astype(dtype_np))
                if i not in NO_GRAD_ARGS.get(name, ()):
                    t.requires_grad_(True)
                    leaves.append(t)
            else:
                t = lib.tensor(a)
            out.append(t)
        else:
            out.append(a)
    kw = {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            v = lib.tensor(v)
        elif lib is not pyt and isinstance(v, pyt.dtype):
            v = getattr(lib, str(v).split(".")[-1])
        kw[k] = v
    return out, kw, leaves


def _numpy(t):
    return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_against_torch(case):
    torch = pytest.importorskip("torch")
    name, args, kwargs = case
    p_args, p_kw, p_leaves = _make(pyt, name, args, kwargs)
    t_args, t_kw, t_leaves = _make(torch, name, args, kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_out = getattr(F, name)(*p_args, **p_kw)
        t_out = getattr(torch.nn.functional, name)(*t_args, **t_kw)
    assert tuple(p_out.shape) == tuple(t_out.shape)
    assert p_out.dtype == getattr(pyt, str(t_out.dtype).split(".")[-1])
    np.testing.assert_allclose(_numpy(p_out), _numpy(t_out), rtol=1e-7, atol=1e-9)
    if not p_leaves or not p_out.requires_grad:
        return
    g = rng.standard_normal(tuple(p_out.shape))
    (p_out * pyt.tensor(g)).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()
    for pl, tl in zip(p_leaves, t_leaves):
        if tl.grad is None or pl.grad is None:
            assert not (tl.grad is not None and _numpy(tl.grad).any())
            assert not (pl.grad is not None and _numpy(pl.grad).any())
            continue
        expected = _numpy(tl.grad)
        finite = np.isfinite(expected)      # torch's kl_div target gradient is nan at 0
        np.testing.assert_allclose(_numpy(pl.grad)[finite], expected[finite], rtol=1e-6,
                                   atol=1e-8)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] not in NO_GRADCHECK],
                         ids=[_case_id(c) for c in CASES if c[0] not in NO_GRADCHECK])
def test_gradcheck(case):
    name, args, kwargs = case
    p_args, p_kw, leaves = _make(pyt, name, args, kwargs)
    fixed = [p_args[i] for i in GRADCHECK_FIXED.get(name, ())]
    leaves = [leaf for leaf in leaves if not any(leaf is f for f in fixed)]
    if not leaves or name == "grid_sample" and kwargs.get("mode") == "nearest":
        return                          # piecewise constant in the grid
    if name == "embedding" and "padding_idx" in kwargs:
        pytest.skip("padding_idx's row gets no gradient by design (compared with torch)")
    positions = [i for i, a in enumerate(p_args) if any(a is leaf for leaf in leaves)]

    def fn(*xs):
        full = list(p_args)
        for i, x in zip(positions, xs):
            full[i] = x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(F, name)(*full, **p_kw)

    assert pyt.autograd.gradcheck(fn, tuple(leaves), eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_against_torch_float32(case):
    torch = pytest.importorskip("torch")
    name, args, kwargs = case
    kwargs = {k: (v.astype(np.float32) if isinstance(v, np.ndarray) and v.dtype.kind == "f"
                  else v) for k, v in kwargs.items()}
    p_args, p_kw, _ = _make(pyt, name, args, kwargs, np.float32)
    t_args, t_kw, _ = _make(torch, name, args, kwargs, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_out = getattr(F, name)(*p_args, **p_kw)
        t_out = getattr(torch.nn.functional, name)(*t_args, **t_kw)
    assert p_out.dtype == getattr(pyt, str(t_out.dtype).split(".")[-1])
    np.testing.assert_allclose(_numpy(p_out), _numpy(t_out), rtol=2e-5, atol=2e-5)


def test_embedding_bag_gradcheck():
    w = pyt.tensor(randn(6, 3), requires_grad=True)
    psw = pyt.tensor(rand(7), requires_grad=True)
    idx = pyt.tensor(np.array([0, 1, 5, 2, 2, 4, 3]))
    offsets = pyt.tensor(np.array([0, 2, 2, 5]))
    for mode in ("sum", "mean", "max"):
        assert pyt.autograd.gradcheck(
            lambda w: F.embedding_bag(idx, w, offsets, mode=mode), (w,))
    assert pyt.autograd.gradcheck(
        lambda w, s: F.embedding_bag(idx, w, offsets, mode="sum", per_sample_weights=s),
        (w, psw))


def test_embedding_bag_per_sample_weights_torch():
    torch = pytest.importorskip("torch")
    w, idx, off, s = randn(6, 3), ints(6, 7), np.array([0, 3, 3]), rand(7)
    p = F.embedding_bag(pyt.tensor(idx), pyt.tensor(w), pyt.tensor(off), mode="sum",
                        per_sample_weights=pyt.tensor(s))
    t = torch.nn.functional.embedding_bag(torch.tensor(idx), torch.tensor(w),
                                          torch.tensor(off), mode="sum",
                                          per_sample_weights=torch.tensor(s))
    np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=1e-7)


# ---------------------------------------------------------------- behaviours vs NumPy

def test_cross_entropy_matches_numpy_float32():
    x = randn(8, 5).astype(np.float32)
    y = ints(5, 8)
    logp = x - x.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    expected = -logp[np.arange(8), y].mean()
    got = F.cross_entropy(pyt.tensor(x), pyt.tensor(y))
    assert got.dtype == pyt.float32
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)


def test_linear_noncontiguous_and_grad():
    x = randn(6, 4)
    w = randn(4, 3)            # used transposed: weight [3, 4] non-contiguous
    px = pyt.tensor(x)[::2]
    pw = pyt.tensor(w).t()
    np.testing.assert_allclose(F.linear(px, pw).numpy(), x[::2] @ w, rtol=1e-12)


def test_legacy_reduction_flags():
    x, t = pyt.tensor(randn(3, 4)), pyt.tensor(randn(3, 4))
    with pytest.warns(UserWarning, match="size_average and reduce"):
        s = F.mse_loss(x, t, size_average=False)
    assert np.isclose(s.item(), F.mse_loss(x, t, reduction="sum").item())
    with pytest.warns(UserWarning):
        n = F.l1_loss(x, t, reduce=False)
    assert n.shape == (3, 4)
    with pytest.warns(UserWarning):
        m = F.nll_loss(x, pyt.tensor([0, 1, 2]), size_average=True, reduce=True)
    assert m.shape == ()


def test_softmax_implicit_dim_warns():
    x = pyt.tensor(randn(3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.numpy(), F.softmax(x, 1).numpy())
    with pytest.warns(UserWarning, match="log_softmax"):
        F.log_softmax(pyt.tensor(randn(4)))


def test_inplace_activations():
    for fn, args in [(F.relu_, ()), (F.elu_, ()), (F.leaky_relu_, (0.1,)),
                     (F.hardtanh_, ()), (F.threshold_, (0.0, 2.0))]:
        x = pyt.tensor(randn(3, 4))
        expected = getattr(F, fn.__name__[:-1])(x.clone(), *args)
        out = fn(x, *args)
        assert out is x
        np.testing.assert_allclose(x.numpy(), expected.numpy())
    x = pyt.tensor(randn(5))
    assert F.relu(x, inplace=True) is x and (x.numpy() >= 0).all()


def test_dropout_family():
    x = pyt.ones(20, 30, 4, dtype=pyt.float64)
    pyt.manual_seed(0)
    y = F.dropout(x, 0.4)
    vals = np.unique(y.numpy())
    assert set(np.round(vals, 6)) <= {0.0, round(1 / 0.6, 6)}
    assert F.dropout(x, 0.4, training=False) is x
    y = F.dropout1d(x, 0.5)
    planes = y.numpy()
    assert ((planes == 0).all(2) | (planes == 2).all(2)).all()
    y = F.dropout2d(pyt.ones(4, 6, 3, 3), 0.5)
    assert ((y.numpy() == 0).all((2, 3)) | (y.numpy() == 2).all((2, 3))).all()
    y = F.dropout3d(pyt.ones(4, 6, 2, 3, 3), 0.5)
    assert ((y.numpy() == 0).all((2, 3, 4)) | (y.numpy() == 2).all((2, 3, 4))).all()
    # alpha dropout keeps zero mean / unit variance of a standard normal input
    z = pyt.randn(200000, dtype=pyt.float64)
    a = F.alpha_dropout(z, 0.3, training=True)
    assert abs(a.mean().item()) < 0.02 and abs(a.std().item() - 1) < 0.02
    assert F.alpha_dropout(z, 0.3) is z
    fa = F.feature_alpha_dropout(pyt.randn(50, 40, 8), 0.5, training=True)
    assert fa.shape == (50, 40, 8)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        F.dropout(x, 1.5)
    with pytest.raises(ValueError, match="dropout probability"):
        F.alpha_dropout(x, -0.1, True)


def test_rrelu_training_slopes():
    x = pyt.tensor(-np.ones(1000))
    y = F.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert (y <= -0.1 + 1e-12).all() and (y >= -0.3 - 1e-12).all() and y.std() > 0.01


def test_one_hot():
    t = pyt.tensor([[0, 2], [1, 1]])
    out = F.one_hot(t)
    assert out.dtype == pyt.int64 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.numpy(), np.eye(3, dtype=np.int64)[t.numpy()])
    assert F.one_hot(t, 5).shape == (2, 2, 5)
    assert F.one_hot(pyt.zeros(0, dtype=pyt.int64), 4).shape == (0, 4)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(pyt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(pyt.tensor([1, -2]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(pyt.tensor([1, 5]), 3)


def test_instance_norm_running_stats():
    torch = pytest.importorskip("torch")
    x = randn(3, 2, 6)
    rm, rv = pyt.zeros(2, dtype=pyt.float64), pyt.ones(2, dtype=pyt.float64)
    trm, trv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    F.instance_norm(pyt.tensor(x), rm, rv, momentum=0.2)
    torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, momentum=0.2)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-10)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-10)
    out = F.instance_norm(pyt.tensor(x), rm, rv, use_input_stats=False)
    ref = torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, use_input_stats=False)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10)


def test_instance_norm_refuses_non_tensor_running_stats():
    # found by the fuzz suite: an int running_mean reached running_mean.mul_ (AttributeError)
    x = pyt.zeros(1, 1, 0, dtype=pyt.bool)
    with pytest.raises(TypeError, match="'running_mean'.*must be Tensor, not int"):
        F.instance_norm(x, 0)
    with pytest.raises(TypeError, match="'running_var'.*must be Tensor, not float"):
        F.instance_norm(pyt.ones(1, 1, 3), None, 1.0)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic", "trilinear", "nearest3d"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_non_finite_grid(mode, padding_mode, align_corners):
    # a NaN grid point became index INT64_MIN and made grid_sample raise. torch's 2-D
    # kernel gives NaN (zeros, bilinear / bicubic), 0 (zeros, nearest) or samples pixel 0
    # (border, reflection); its 3-D kernel skips the taps outside (0 for zeros) and
    # samples the last pixel for border and reflection.
    torch = pytest.importorskip("torch")
    nan, inf = float("nan"), float("inf")
    if mode in ("trilinear", "nearest3d"):
        mode = mode[:-2] if mode == "nearest3d" else "bilinear"
        x = np.arange(24.0).reshape(1, 1, 2, 3, 4) + 1
        g = np.array([[[[[nan, 0.2, 0.1], [0.2, nan, 0.0], [inf, 0.2, 0.0], [0.2, -inf, 0.1],
                         [0.0, 0.0, nan], [-0.4, 0.7, 0.3], [-1e3, 0.2, 0.1]]]]])
    else:
        x = np.arange(12.0).reshape(1, 1, 3, 4) + 1
        g = np.array([[[[nan, 0.2], [0.2, nan], [inf, 0.2], [0.2, -inf], [-0.4, 0.7],
                        [5.0, 0.3], [-1e3, 0.2]]]])
    for dtype in (np.float64, np.float32):
        out = F.grid_sample(pyt.tensor(x.astype(dtype)), pyt.tensor(g.astype(dtype)),
                            mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        ref = torch.nn.functional.grid_sample(
            torch.tensor(x.astype(dtype)), torch.tensor(g.astype(dtype)), mode=mode,
            padding_mode=padding_mode, align_corners=align_corners)
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, equal_nan=True)


@pytest.mark.parametrize("case", [
    # points exactly on the edges (torch passes no grid gradient there) and on pixel
    # centres, where the tap choice flips
    ((1, 2, 3, 4), [[-1.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-0.5, 0.5], [-3.0, 3.0]],
     dict(padding_mode="border", align_corners=True)),
    ((1, 2, 3, 4), [[-1.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-0.5, 0.5], [-3.0, 3.0]],
     dict(padding_mode="reflection", align_corners=True)),
    ((1, 2, 3, 4), [[-0.75, 1.0 / 3], [0.75, 0.0], [0.25, -2.0 / 3], [-1.75, 1.5]],
     dict(padding_mode="reflection", align_corners=False)),
    ((1, 2, 3, 4), [[-1.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-0.5, 0.5], [-3.0, 3.0]],
     dict(mode="bicubic", padding_mode="reflection", align_corners=True)),
    ((1, 2, 3, 4), [[-0.75, 1.0 / 3], [0.75, 0.0], [0.25, -2.0 / 3], [-1.75, 1.5]],
     dict(mode="bicubic", padding_mode="zeros", align_corners=False)),
    ((1, 2, 1, 1), [[-0.3, 0.9], [2.0, -2.0]],
     dict(mode="bicubic", padding_mode="reflection", align_corners=True)),
    ((1, 2, 2, 3, 4), [[-1.0, 1.0, 0.0], [1.0, 0.0, -1.0], [-3.0, 0.5, 3.0]],
     dict(padding_mode="border", align_corners=True)),
    ((1, 2, 2, 3, 4), [[-0.75, 1.0 / 3, 0.5], [0.75, 0.0, -0.5], [-1.75, 1.5, 0.25]],
     dict(padding_mode="reflection", align_corners=False)),
])
def test_grid_sample_edges_against_torch(case):
    torch = pytest.importorskip("torch")
    shape, points, kw = case
    x = randn(*shape)
    g = np.array(points).reshape((1,) * (len(shape) - 2) + (len(points), len(shape) - 2))
    for dtype in (np.float64, np.float32):
        tol = dict(rtol=1e-6, atol=1e-9) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
        outs = []
        for lib in (pyt, torch):
            xl = lib.tensor(x.astype(dtype), requires_grad=True)
            gl = lib.tensor(g.astype(dtype), requires_grad=True)
            out = lib.nn.functional.grid_sample(xl, gl, **kw)
            (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
                              .astype(dtype))).sum().backward()
            outs.append([out.detach().numpy(), xl.grad.numpy(), gl.grad.numpy()])
        for mine, ref in zip(*outs):
            np.testing.assert_allclose(mine, ref, **tol)


def test_grid_sample_noncontiguous_and_empty():
    torch = pytest.importorskip("torch")
    x = randn(2, 5, 3, 4, 6)
    g = rand(2, 3, 4, 2, 3, lo=-1.2, hi=1.2)
    views = [lambda t: t.transpose(2, 4), lambda t: t[:, ::2],
             lambda t: t[:1].expand(2, *t.shape[1:])]
    for view in views:
        for mode in ("bilinear", "nearest"):
            mine = F.grid_sample(view(pyt.tensor(x)), pyt.tensor(g).permute(0, 2, 1, 3, 4),
                                 mode=mode, align_corners=False)
            ref = torch.nn.functional.grid_sample(view(torch.tensor(x)),
                                                  torch.tensor(g).permute(0, 2, 1, 3, 4),
                                                  mode=mode, align_corners=False)
            np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-7, atol=1e-9)
    x2, g2 = randn(2, 4, 5, 6), rand(2, 6, 3, 2, lo=-1.2, hi=1.2)
    mine = F.grid_sample(pyt.tensor(x2).transpose(2, 3)[:, ::2], pyt.tensor(g2)[:, ::2],
                         mode="bicubic", align_corners=True)
    ref = torch.nn.functional.grid_sample(torch.tensor(x2).transpose(2, 3)[:, ::2],
                                          torch.tensor(g2)[:, ::2], mode="bicubic",
                                          align_corners=True)
    np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-7, atol=1e-9)
    # empty batch, channels or output points give empty results, as in torch
    for xs, gs, mode in [((0, 2, 3, 4), (0, 2, 2, 2), "bicubic"),
                         ((1, 0, 3, 4), (1, 2, 2, 2), "bilinear"),
                         ((1, 2, 3, 4, 2), (1, 0, 2, 2, 3), "nearest")]:
        out = F.grid_sample(pyt.zeros(xs), pyt.zeros(gs), mode=mode, align_corners=False)
        assert list(out.shape) == list(xs[:2]) + list(gs[1:-1])


def test_grid_sample_errors():
    r = pyt.zeros
    F_ = F.grid_sample
    _raises(RuntimeError, r"bicubic interpolation only supports 4D input", F_,
            r(1, 2, 3, 4, 5), r(1, 2, 2, 2, 3), mode="bicubic")
    _raises(RuntimeError, r"expected grid to have size 3 in last dimension, but got grid "
            r"with sizes \[1, 2, 2, 2, 2\]", F_, r(1, 2, 3, 4, 5), r(1, 2, 2, 2, 2))
    _raises(RuntimeError, r"expected grid and input to have same batch size", F_,
            r(1, 2, 3, 4), r(2, 2, 2, 2))
    _raises(RuntimeError, r"expected 4D input and grid with same number of dimensions", F_,
            r(1, 2, 3, 4), r(1, 2, 2, 2, 2))
    _raises(RuntimeError, r"expected 5D input and grid with same number of dimensions", F_,
            r(1, 2, 3), r(1, 2, 1))
    _raises(RuntimeError, r"expected input to have non-empty spatial dimensions, but input "
            r"has sizes \[1, 2, 3, 0, 4\] with dimension 3 being empty", F_,
            r(1, 2, 3, 0, 4), r(1, 2, 2, 2, 3))
    _raises(RuntimeError, r"expected scalar type Float but found Double", F_,
            r(1, 2, 3, 4), r(1, 2, 2, 2, dtype=pyt.float64))
    _raises(NotImplementedError, r"\"grid_sampler_2d_cpu_kernel_impl\" not implemented for "
            r"'Long'", F_, r(1, 2, 3, 4, dtype=pyt.int64), r(1, 2, 2, 2, dtype=pyt.int64))
    _raises(NotImplementedError, r"\"grid_sampler3d_cpu\" not implemented for 'Int'", F_,
            r(1, 2, 3, 4, 5, dtype=pyt.int32), r(1, 2, 2, 2, 3, dtype=pyt.int32))
    _raises(ValueError, r"expected padding_mode to be 'zeros', 'border', or 'reflection'",
            F_, r(1, 2, 3, 4), r(1, 2, 2, 2), padding_mode="wrap")
    # align_corners left out: torch's reminder of the default's change
    for fn, args in ((F_, (r(1, 1, 2, 2), r(1, 1, 1, 2))), (F.affine_grid, (r(1, 2, 3), (1, 1, 2, 2)))):
        with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
            fn(*args)


def test_max_pool_return_indices_and_unpool():
    x = pyt.tensor(randn(1, 2, 4, 4))
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    assert idx.dtype == pyt.int64
    up = F.max_unpool2d(y, idx, 2)
    assert up.shape == x.shape
    np.testing.assert_allclose(F.max_pool2d(up, 2).numpy(), y.numpy())
    y1, i1 = F.max_pool1d(pyt.tensor(randn(1, 2, 6)), 2, return_indices=True)
    assert F.max_unpool1d(y1, i1, 2).shape == (1, 2, 6)


def test_upsample_wrappers_warn():
    x = pyt.tensor(randn(1, 1, 2, 2))
    with pytest.warns(UserWarning, match="deprecated"):
        y = F.upsample(x, scale_factor=2)
    assert y.shape == (1, 1, 4, 4)
    with pytest.warns(UserWarning):
        z = F.upsample_bilinear(x, size=(3, 3))
    np.testing.assert_allclose(z.numpy()[0, 0, 0, 0], x.numpy()[0, 0, 0, 0])


def test_losses_zero_size_and_mean_of_empty():
    x, t = pyt.zeros(0, 3), pyt.zeros(0, 3)
    assert F.mse_loss(x, t, reduction="sum").item() == 0
    assert math.isnan(F.mse_loss(x, t).item())


# ---------------------------------------------------------------- bad input

def _raises(exc, match, fn, *args, **kwargs):
    with pytest.raises(exc, match=match):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(*args, **kwargs)


def test_bad_input_errors():
    r = lambda *s: pyt.randn(*s)
    _raises(RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 5x2\)",
            F.linear, r(4, 3), r(2, 5))
    _raises(RuntimeError, r"\(8x3 and 5x2\)", F.linear, r(2, 4, 3), r(2, 5))
    _raises(RuntimeError, r"\(1x3 and 5x2\)", F.linear, r(3), r(2, 5))
    _raises(RuntimeError, r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but "
            r"got input of size: \[2, 3\]", F.conv2d, r(2, 3), r(4, 3, 3, 3))
    _raises(IndexError, r"Target 5 is out of bounds.", F.nll_loss, r(3, 4),
            pyt.tensor([0, 5, 1]))
    _raises(IndexError, r"Target -1 is out of bounds.", F.cross_entropy, r(3, 4),
            pyt.tensor([0, -1, 1]))
    _raises(IndexError, r"Target 5 is out of bounds.", F.cross_entropy, r(3, 4, 2),
            pyt.tensor([[0, 5], [1, 1], [1, 1]]))
    _raises(ValueError, r"Expected input batch_size \(3\) to match target batch_size \(2\)",
            F.cross_entropy, r(3, 4), pyt.tensor([0, 1]))
    _raises(RuntimeError, r"expected target dtype to be Long or Byte, but got Float",
            F.nll_loss, r(3, 4), pyt.tensor([0.0, 1, 1]))
    _raises(RuntimeError, r"Expected target size \[3, 5\], got \[3\]", F.nll_loss,
            r(3, 4, 5), pyt.tensor([0, 1, 2]))
    _raises(ValueError, r"For 1D input, 1D target must have size 1", F.nll_loss, r(3),
            pyt.tensor([0, 1]))
    _raises(RuntimeError, r"weight tensor should be defined either for all 4 classes",
            F.cross_entropy, r(3, 4), pyt.tensor([0, 1, 2]), weight=pyt.ones(3))
    _raises(ValueError, r"x is not a valid value for reduction", F.mse_loss, r(3), r(3),
            reduction="x")
    _raises(ValueError, r"not a valid value for reduction", F.cross_entropy, r(3, 4),
            pyt.tensor([0, 1, 2]), reduction="avg")
    _raises(ValueError, r"Using a target size \(torch.Size\(\[3, 1\]\)\)|Using a target size",
            F.binary_cross_entropy, pyt.rand(3), pyt.rand(3, 1))
    _raises(RuntimeError, r"all elements of input should be between 0 and 1",
            F.binary_cross_entropy, pyt.rand(3) + 1, pyt.rand(3))
    _raises(ValueError, r"Target size .* must be the same as input size",
            F.binary_cross_entropy_with_logits, r(3), r(3, 1))
    _raises(RuntimeError, r"smooth_l1_loss does not support negative values for beta",
            F.smooth_l1_loss, r(3), r(3), beta=-1)
    _raises(ValueError, r"Weights and input must have the same size", F.mse_loss, r(4, 3),
            r(4, 3), weight=r(3, 1))
    _raises(RuntimeError, r"margin_ranking_loss : All input tensors should have same "
            r"dimension", F.margin_ranking_loss, r(3), r(3), r(3, 1))
    _raises(ValueError, r"var is of incorrect size", F.gaussian_nll_loss, r(4, 3), r(4, 3),
            pyt.rand(2))
    _raises(ValueError, r"var has negative entry", F.gaussian_nll_loss, r(4, 3), r(4, 3),
            -pyt.rand(4, 3))
    _raises(RuntimeError, r"pixel_shuffle expects input to have at least 3 dimensions",
            F.pixel_shuffle, r(3, 4), 2)
    _raises(RuntimeError, r"input.size\(-3\)=3 is not divisible by 4", F.pixel_shuffle,
            r(3, 4, 4), 2)
    _raises(RuntimeError, r"input.size\(-2\)=3 is not divisible by 2", F.pixel_unshuffle,
            r(4, 3, 4), 2)
    _raises(RuntimeError, r"Mismatch of parameter numbers and input channel size. Found "
            r"parameter numbers = 3 and channel size = 4.", F.prelu, r(3, 4, 4), r(3))
    _raises(RuntimeError, r"Halving dimension must be even, but dimension 1 is size 3",
            F.glu, r(3, 3), 1)
    _raises(RuntimeError, r"approximate argument must be either none or tanh.", F.gelu,
            r(3), approximate="x")
    _raises(RuntimeError, r"dropout1d: Expected 2D or 3D input, but received a 4D input",
            F.dropout1d, r(2, 2, 2, 2))
    _raises(ValueError, r"Expected 3D or higher dimensionality", F.local_response_norm,
            r(3, 2), 2)
    _raises(ValueError, r"offsets has to be a 1D Tensor but got None", F.embedding_bag,
            pyt.tensor([1, 2]), r(3, 5))
    _raises(IndexError, r"index out of range in self", F.embedding, pyt.tensor([7]), r(3, 5))
    _raises(RuntimeError, r"Padding length must be divisible by 2", F.pad, r(3, 4), (1,))
    _raises(ValueError, r"nn.functional.grid_sample\(\): expected mode", F.grid_sample,
            r(1, 1, 2, 2), r(1, 2, 2, 2), mode="cubic")
    _raises(RuntimeError, r"label_smoothing must be between 0.0 and 1.0",
            F.cross_entropy, r(3, 4), pyt.tensor([0, 1, 2]), label_smoothing=1.5)
    _raises(ValueError, r"Expected a batch of 2D affine matrices of shape Nx2x3",
            F.affine_grid, r(1, 3, 3), (1, 1, 2, 2))


def test_double_backward():
    from pyt.autograd import gradgradcheck
    x = pyt.tensor(randn(4, 3), requires_grad=True)
    t = pyt.tensor([0, 2, 1, 1])
    assert gradgradcheck(lambda x: F.cross_entropy(x, t, label_smoothing=0.1), (x,))
    assert gradgradcheck(F.linear, (pyt.tensor(randn(2, 3), requires_grad=True),
                                    pyt.tensor(randn(4, 3), requires_grad=True),
                                    pyt.tensor(randn(4), requires_grad=True)))
    for fn in (F.gelu, F.softplus, F.elu, F.mish, F.logsigmoid, F.silu):
        assert gradgradcheck(fn, (pyt.tensor(randn(3, 2), requires_grad=True),))


def test_noncontiguous_inputs_match_contiguous():
    xt = pyt.tensor(randn(3, 5)).t()
    t = pyt.tensor([0, 1, 2, 0, 1])
    assert np.isclose(F.cross_entropy(xt, t).item(), F.cross_entropy(xt.contiguous(), t).item())
    xe = pyt.tensor(randn(1, 4)).expand(3, 4)
    w = pyt.tensor(randn(2, 4))
    np.testing.assert_allclose(F.linear(xe, w).numpy(), F.linear(xe.contiguous(), w).numpy())
    img = pyt.tensor(randn(1, 2, 3, 4))
    grid = pyt.tensor(rand(1, 3, 3, 2, lo=-1, hi=1)).permute(0, 2, 1, 3)
    np.testing.assert_allclose(F.grid_sample(img, grid, align_corners=False).numpy(),
                               F.grid_sample(img, grid.contiguous(),
                                             align_corners=False).numpy())
    xs = pyt.tensor(randn(4, 6))[:, ::2]
    np.testing.assert_allclose(F.gelu(xs).numpy(), F.gelu(xs.contiguous()).numpy())


def test_more_torch_rules():
    with pytest.raises(ValueError, match="Expected more than 1 spatial element"):
        F.instance_norm(pyt.randn(2, 3))
    with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
        F.celu(pyt.randn(3), alpha=0.0)
    # a negative target gives nan, as torch's xlogy does
    with pytest.warns(UserWarning, match="batchmean"):
        out = F.kl_div(pyt.randn(3), pyt.tensor([-1.0, 0.5, 0.0]))
    assert math.isnan(out.item())
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(pyt.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(pyt.randn(3, 1), pyt.randn(3))


def test_embedding_bag_max_norm_touches_used_rows_only():
    torch = pytest.importorskip("torch")
    w, idx, off = randn(5, 3) * 3, np.array([1, 2, 4, 2]), np.array([0, 1, 1])
    pw, tw = pyt.tensor(w), torch.tensor(w)
    a = F.embedding_bag(pyt.tensor(idx), pw, pyt.tensor(off), max_norm=1.0, mode="sum")
    b = torch.nn.functional.embedding_bag(torch.tensor(idx), tw, torch.tensor(off),
                                          max_norm=1.0, mode="sum")
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)
    np.testing.assert_allclose(pw.numpy(), tw.numpy(), rtol=1e-10)


def test_embedding_bag_errors():
    w = pyt.randn(5, 3)
    _raises(RuntimeError, r"offsets\[0\] has to be 0", F.embedding_bag, pyt.tensor([1, 2, 3]),
            w, pyt.tensor([1, 2]))
    _raises(RuntimeError, r"offsets\[-1\] can not be greater than input's length 3 but got "
            r"offsets\[-1\] of 5", F.embedding_bag, pyt.tensor([1, 2, 3]), w,
            pyt.tensor([0, 5]))
    _raises(ValueError, "offsets has to be a 1D Tensor", F.embedding_bag,
            pyt.tensor([1, 2, 3]), w, pyt.tensor([[0, 1]]))
    _raises(ValueError, "input has to be 1D or 2D Tensor, but got Tensor of dimension 3",
            F.embedding_bag, pyt.tensor([[[1]]]), w)
    _raises(NotImplementedError, "per_sample_weights is only supported for mode='sum'",
            F.embedding_bag, pyt.tensor([1, 2, 3]), w, pyt.tensor([0, 1]),
            per_sample_weights=pyt.ones(3))
    _raises(ValueError, "mode has to be one of sum, mean or max", F.embedding_bag,
            pyt.tensor([1, 2, 3]), w, pyt.tensor([0, 1]), mode="x")
    _raises(IndexError, "index out of range", F.embedding_bag, pyt.tensor([1, 7]), w,
            pyt.tensor([0]))


def test_margin_loss_errors():
    _raises(RuntimeError, "target out of range", F.multi_margin_loss, pyt.randn(3, 4),
            pyt.tensor([0, 5, 1]))
    _raises(ValueError, "only p == 1 and p == 2 supported", F.multi_margin_loss,
            pyt.randn(3, 4), pyt.tensor([0, 1, 1]), 3)
    _raises(RuntimeError, "1D target tensor expects 2D input tensors",
            F.cosine_embedding_loss, pyt.randn(3, 2, 2), pyt.randn(3, 2, 2), pyt.ones(3))


@pytest.mark.parametrize("name,kernel", [
    ("gelu", "GeluKernelImpl"), ("elu", "elu_cpu"), ("selu", "elu_cpu"),
    ("leaky_relu", "leaky_relu_cpu"), ("softplus", "softplus_cpu"), ("silu", "silu_cpu"),
    ("mish", "mish_cpu"), ("hardswish", "hardswish_cpu"), ("logsigmoid", "log_sigmoid_cpu"),
    ("hardsigmoid", "hardsigmoid_cpu"), ("hardshrink", "hardshrink_cpu"), ("glu", "glu_cpu")])
def test_activations_need_floats(name, kernel):
    with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for \'Long\''):
        getattr(F, name)(pyt.tensor([1, -2]))


def test_integer_friendly_activations():
    x = pyt.tensor([1, -2, 7])
    assert F.relu(x).dtype == pyt.int64 and F.relu6(x).tolist() == [1, 0, 6]
    assert F.hardtanh(x).tolist() == [1, -1, 1] and F.hardtanh(x).dtype == pyt.int64
    assert F.threshold(x, 0, 5).tolist() == [1, 5, 7]
    assert F.softsign(x).dtype == pyt.float32


@pytest.mark.parametrize("name,args", [
    ("elu_", ()), ("relu_", ()), ("leaky_relu_", (0.1,)), ("hardtanh_", ()),
    ("threshold_", (0.1, 2.0)), ("selu_", ()), ("celu_", ()), ("rrelu_", ()),
    ("silu", ()), ("mish", ()), ("hardswish", ()), ("hardsigmoid", ()), ("relu6", ()),
    ("threshold", (0.1, 2.0))])
def test_inplace_variants_under_autograd(name, args):
    torch = pytest.importorskip("torch")
    a = randn(6)
    results = []
    for lib, fns in ((pyt, F), (torch, torch.nn.functional)):
        leaf = lib.tensor(a, requires_grad=True)
        x = leaf * 1                    # a non-leaf, so in-place writes are allowed
        kw = {} if name.endswith("_") else {"inplace": True}
        assert getattr(fns, name)(x, *args, **kw) is x
        (x * lib.arange(6, dtype=lib.float64)).sum().backward()
        results.append((x.detach().numpy(), leaf.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-7)  # torch: float 1/6


def test_inplace_dropout_under_autograd():
    leaf = pyt.tensor(randn(3, 4, 5, 2), requires_grad=True)
    x = leaf * 1
    F.dropout2d(x, 0.5, inplace=True)
    x.sum().backward()
    kept = (x.detach().numpy() != 0)
    np.testing.assert_allclose(leaf.grad.numpy(), kept * 2.0)
    leaf = pyt.tensor(randn(3, 4), requires_grad=True)
    x = leaf * 1
    F.alpha_dropout(x, 0.5, training=True, inplace=True)
    x.sum().backward()
    assert leaf.grad is not None


ZERO_SIZE_AND_SCALAR = [
    ("cross_entropy", [randn(0, 4), np.zeros(0, dtype=np.int64)], {}),
    ("cross_entropy", [randn(0, 4), np.zeros(0, dtype=np.int64)], dict(reduction="sum")),
    ("cross_entropy", [randn(3, 4), np.full(3, -100)], {}),
    ("nll_loss", [randn(4), np.array(2)], dict(reduction="none")),
    ("cross_entropy", [randn(4), np.array(2)], dict(label_smoothing=0.1)),
    ("linear", [randn(0, 3), randn(2, 3), randn(2)], {}),
    ("gelu", [np.array(0.5)], {}),
    ("softmax", [np.array(0.5)], dict(dim=0)),
    ("sigmoid", [randn(0, 3)], {}),
    ("normalize", [randn(0, 3)], {}),
    ("pairwise_distance", [np.array(1.0), np.array(3.0)], {}),
    ("pdist", [randn(1, 3)], {}),
    ("multi_margin_loss", [randn(4), np.array(2)], {}),
    ("mse_loss", [randn(0, 3), randn(0, 3)], dict(reduction="sum")),
    ("binary_cross_entropy_with_logits", [np.array([-800.0, 0, 800.0]),
                                          np.array([1.0, 0.5, 0.0])], {}),
    ("logsigmoid", [np.array([-800.0, 0, 800.0])], {}),
    ("embedding_bag", [np.zeros(0, dtype=np.int64), randn(3, 2), np.array([0, 0])], {}),
]


@pytest.mark.parametrize("case", ZERO_SIZE_AND_SCALAR,
                         ids=[_case_id(c) for c in ZERO_SIZE_AND_SCALAR])
def test_zero_size_and_scalar_against_torch(case):
    torch = pytest.importorskip("torch")
    name, args, kwargs = case
    p_args, p_kw, _ = _make(pyt, name, args, kwargs)
    t_args, t_kw, _ = _make(torch, name, args, kwargs)
    p_out = getattr(F, name)(*p_args, **p_kw)
    t_out = getattr(torch.nn.functional, name)(*t_args, **t_kw)
    assert tuple(p_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(_numpy(p_out), _numpy(t_out), rtol=1e-7, equal_nan=True)
