"""The fused cross-entropy (loss.cu), pad and interpolate (resample.cu) on the GPU against
pyt's CPU results: forward values and the gradients autograd gives, for float32 / float64
/ float16 (bfloat16 for the loss), every mode and option, non-contiguous inputs, and the
errors (out-of-range targets)."""
import numpy as np
import pytest

import pyt
import pyt.nn as nn
import pyt.nn.functional as F

from _helpers import assert_same

TOL = {pyt.float32: (1e-5, 1e-6), pyt.float64: (1e-12, 1e-14), pyt.float16: (1e-2, 2e-3),
       pyt.bfloat16: (3e-2, 2e-2)}


def rand(shape, dtype=pyt.float32, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return pyt.tensor((rng.uniform(-1, 1, shape) * scale).astype(np.float64), dtype=dtype)


def labels(shape, C, seed=0, ignore=None):
    t = np.random.default_rng(seed).integers(0, C, shape)
    if ignore is not None and t.size:
        t.reshape(-1)[::3] = ignore                 # every third target ignored
    return pyt.tensor(t, dtype=pyt.int64)


def run_both(fn, x, *others, grad_seed=7, prep=None):
    """fn(x, *others) on both devices with x a leaf needing grad (prep(x) applied after it
    becomes the leaf: a transpose for non-contiguous inputs); backward with the same random
    output gradient. Returns (cpu, gpu) pairs of [output, x.grad]."""
    results = []
    for device in ("cpu", "cuda"):
        leaf = (x.cuda() if device == "cuda" else x.clone()).detach().requires_grad_(True)
        args = [o.cuda() if device == "cuda" and isinstance(o, pyt.Tensor) else o for o in others]
        out = fn(leaf if prep is None else prep(leaf), *args)
        g = rand(tuple(out.shape), pyt.float64, seed=grad_seed).to(out.dtype)
        out.backward(g.cuda() if device == "cuda" else g)
        results.append([out.detach(), leaf.grad])
    return results


def compare(cpu, gpu, dtype):
    rtol, atol = TOL[dtype]
    for c, g in zip(cpu, gpu):
        assert g.is_cuda
        assert_same(c, g, rtol=rtol, atol=atol)


# ----- cross-entropy ----------------------------------------------------------------------

CE_SHAPES = [((8, 5), (8,)), ((6, 1500), (6,)),        # a warp per row / a block per row
             ((3, 4, 5, 6), (3, 5, 6)), ((2, 3, 7), (2, 7)),     # spatial: a thread per row
             ((5,), ())]                               # unbatched


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("shapes", CE_SHAPES)
def test_cross_entropy_matches_the_cpu(shapes, reduction, dtype):
    xs, ts = shapes
    C = xs[0] if len(xs) == 1 else xs[1]
    x = rand(xs, dtype, 1, scale=4.0)
    t = labels(ts, C, 2, ignore=-100 if len(xs) > 1 else None)
    w = rand((C,), dtype, 3).abs() + 0.1
    for weight in (None, w):
        fn = lambda x, t, weight: F.cross_entropy(x, t, weight, reduction=reduction)
        cpu, gpu = run_both(fn, x, t, weight)
        compare(cpu, gpu, dtype)


@pytest.mark.parametrize("dtype", [pyt.float16, pyt.bfloat16])
def test_cross_entropy_half_types(dtype):
    x = rand((6, 9), dtype, 1, scale=3.0)
    t = labels((6,), 9, 2)
    for reduction in ("none", "mean", "sum"):
        cpu, gpu = run_both(lambda x, t: F.cross_entropy(x, t, reduction=reduction), x, t)
        compare(cpu, gpu, dtype)


def test_cross_entropy_options():
    x = rand((4, 6, 3), pyt.float32, 1, scale=3.0)
    t = labels((4, 3), 6, 2)
    t[0, 0] = 2
    w = rand((6,), pyt.float32, 3).abs()
    # ignore_index a real class, a non-contiguous input, uint8 targets, the module
    fn = lambda x, t, w: F.cross_entropy(x, t, w, ignore_index=2)
    compare(*run_both(fn, x, t, w), pyt.float32)
    xt = rand((4, 3, 6), pyt.float32, 4)
    fn = lambda x, t: F.cross_entropy(x, t, reduction="sum")
    compare(*run_both(fn, xt, t, prep=lambda v: v.transpose(1, 2)), pyt.float32)
    fn = lambda x, t: nn.CrossEntropyLoss()(x, t)
    compare(*run_both(fn, x, t.to(pyt.uint8)), pyt.float32)
    # every target ignored: mean is 0 / 0
    allign = pyt.full((4, 3), -100, dtype=pyt.int64)
    assert_same(F.cross_entropy(x, allign), F.cross_entropy(x.cuda(), allign.cuda()))
    # label smoothing and probability targets take log_softmax + nll_loss on the GPU too
    fn = lambda x, t, w: F.cross_entropy(x, t, w, label_smoothing=0.2)
    compare(*run_both(fn, x, t, w), pyt.float32)
    p = F.softmax(rand((4, 6, 3), pyt.float32, 5), 1)
    compare(*run_both(lambda x, p: F.cross_entropy(x, p), x, p), pyt.float32)


def test_cross_entropy_bad_targets():
    x = rand((4, 5), pyt.float32, 1)
    good = pyt.tensor([0, 1, 2, 3])
    for bad, value in (([0, 7, 1, 9], 7), ([0, 1, -1, 2], -1), ([-100, 5, 0, 0], 5)):
        t = pyt.tensor(bad)
        with pytest.raises(IndexError, match=f"Target {value} is out of bounds."):
            F.cross_entropy(x, t)
        # the GPU call does not wait for its check: the bad rows read nothing (loss 0) ...
        loss = F.cross_entropy(x.cuda(), t.cuda(), reduction="none")
        # ... and the error surfaces at the next synchronize, once
        with pytest.raises(IndexError, match=f"Target {value} is out of bounds."):
            pyt.cuda.synchronize()
        pyt.cuda.synchronize()
        ok = (t >= 0) & (t < 5)
        expected = F.cross_entropy(x, t.masked_fill(~ok, 0), reduction="none") * ok
        assert_same(expected, loss, 1e-6, 1e-7)
        # or at the next cross_entropy call made after the GPU ran the bad one
        F.cross_entropy(x.cuda(), t.cuda()).item()
        with pytest.raises(IndexError, match=f"Target {value} is out of bounds."):
            F.cross_entropy(x.cuda(), good.cuda())
        # a bad target's row gets no gradient
        xg = x.cuda().requires_grad_()
        F.cross_entropy(xg, t.cuda(), reduction="sum").backward()
        with pytest.raises(IndexError, match=f"Target {value} is out of bounds."):
            pyt.cuda.synchronize()
        assert (xg.grad.cpu()[~ok] == 0).all()
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(x.cuda(), pyt.tensor([0, 1, 2, 3]).cuda(), pyt.ones(4).cuda())
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        F.cross_entropy(x.cuda(), pyt.tensor([0, 1, 2, 3]))
    # the GPU is still fine after a caught bad target
    t = pyt.tensor([0, 1, 2, 3])
    assert_same(F.cross_entropy(x, t), F.cross_entropy(x.cuda(), t.cuda()), 1e-6, 1e-7)


def test_cross_entropy_double_backward():
    x = rand((5, 4), pyt.float64, 1, scale=2.0)
    t = labels((5,), 4, 2)
    w = rand((4,), pyt.float64, 3).abs() + 0.5
    v = rand((5, 4), pyt.float64, 4)
    res = []
    for dev in ("cpu", "cuda"):
        leaf = x.to(dev).detach().requires_grad_(True)
        loss = F.cross_entropy(leaf, t.to(dev), w.to(dev))
        gx, = pyt.autograd.grad(loss, leaf, create_graph=True)
        (gx * v.to(dev)).sum().backward()
        res.append([gx.detach(), leaf.grad])
    compare(res[0], res[1], pyt.float64)


# ----- pad ----------------------------------------------------------------------------------

PAD_CASES = [
    ((2, 3, 6), (2, 3)), ((3, 6), (-1, 2)),                                 # 1 dim
    ((2, 3, 5, 6), (1, 2, 3, 0)), ((3, 5, 6), (2, 2, -1, 1)),               # 2 dims
    ((1, 2, 4, 5, 6), (1, 2, 0, 3, 2, 1)), ((2, 3, 4, 5), (1, 1, 1, 1, 1, 1)),  # 3 dims
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("case", PAD_CASES)
@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_pad_modes(case, mode, dtype):
    shape, pads = case
    if mode == "replicate" and min(pads) < 0:
        pads = tuple(abs(p) for p in pads)
    x = rand(shape, dtype, 1)
    cpu, gpu = run_both(lambda x: F.pad(x, pads, mode=mode), x)
    assert_same(cpu[0], gpu[0])                   # a copy: bit for bit
    compare(cpu, gpu, dtype)


def test_pad_dtypes_noncontiguous_and_constant():
    x = rand((2, 3, 7, 5), pyt.float16, 1)
    cpu, gpu = run_both(lambda x: F.pad(x, (2, 1, 3, 0), mode="reflect"), x)
    compare(cpu, gpu, pyt.float16)
    xt = rand((2, 5, 3, 7), pyt.float32, 2)
    cpu, gpu = run_both(lambda x: F.pad(x, (1, 2, 2, 2), mode="replicate"), xt,
                        prep=lambda v: v.transpose(1, 3))
    compare(cpu, gpu, pyt.float32)
    for dt in (pyt.int64, pyt.int32, pyt.uint8, pyt.bool, pyt.int16):
        xi = (rand((2, 3, 6), pyt.float32, 3) * 50).to(dt)
        for mode in ("reflect", "replicate", "circular"):
            assert_same(F.pad(xi, (3, 2), mode=mode), F.pad(xi.cuda(), (3, 2), mode=mode))
    for pads, value in (((1, 2, 0, 3), 0.0), ((2, -1, 1, 1), 1.5), ((0, 0, 0, 0, 1, 1), -2.0)):
        cpu, gpu = run_both(lambda x: F.pad(x, pads, value=value), rand((2, 3, 4), pyt.float32, 4))
        compare(cpu, gpu, pyt.float32)
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        F.pad(rand((2, 3, 5)).cuda(), (7, 0), mode="reflect")


# ----- interpolate --------------------------------------------------------------------------

INTERP_CASES = [
    # shape, mode, size, scale_factor, align_corners, recompute_scale_factor
    ((2, 3, 7), "nearest", 13, None, None, None),
    ((2, 3, 9), "nearest", None, 0.4, None, None),
    ((2, 3, 5, 6), "nearest", None, 2, None, None),
    ((1, 2, 3, 4, 5), "nearest", (5, 3, 8), None, None, None),
    ((2, 3, 7), "nearest-exact", 11, None, None, None),
    ((2, 2, 5, 7), "nearest-exact", None, (1.5, 0.7), None, None),
    ((2, 3, 7), "linear", 15, None, False, None),
    ((2, 3, 7), "linear", None, 1.7, True, None),
    ((2, 3, 12), "linear", None, 0.45, False, True),
    ((2, 3, 5, 6), "bilinear", (9, 4), None, False, None),
    ((2, 3, 5, 6), "bilinear", None, 2.5, True, None),
    ((2, 3, 5, 6), "bicubic", (8, 11), None, False, None),
    ((2, 3, 5, 6), "bicubic", None, (0.6, 1.3), True, None),
    ((2, 3, 6, 5), "bicubic", None, 1.5, False, True),
    ((1, 2, 3, 4, 5), "trilinear", (5, 6, 3), None, False, None),
    ((1, 2, 3, 4, 5), "trilinear", None, 1.6, True, None),
    ((2, 3, 9, 8), "area", (4, 3), None, None, None),
    ((2, 3, 10), "area", None, 0.5, None, None),
    ((1, 2, 3, 4, 3), "nearest", None, 2.34, None, None),
]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("case", INTERP_CASES)
def test_interpolate_modes(case, dtype):
    shape, mode, size, sf, ac, rsf = case
    fn = lambda x: F.interpolate(x, size=size, scale_factor=sf, mode=mode, align_corners=ac,
                                 recompute_scale_factor=rsf)
    cpu, gpu = run_both(fn, rand(shape, dtype, 1))
    compare(cpu, gpu, dtype)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("mode,size,sf,ac", [
    ("bilinear", (3, 4), None, False), ("bilinear", None, (0.3, 2.2), True),
    ("bicubic", None, 0.4, True), ("bicubic", (5, 17), None, False),
    ("lanczos", (4, 13), None, False)])
def test_interpolate_antialias(mode, size, sf, ac, dtype):
    fn = lambda x: F.interpolate(x, size=size, scale_factor=sf, mode=mode, align_corners=ac,
                                 antialias=True)
    cpu, gpu = run_both(fn, rand((2, 3, 9, 11), dtype, 1))
    compare(cpu, gpu, dtype)


def test_interpolate_half_noncontiguous_and_modules():
    x = rand((2, 3, 6, 5), pyt.float16, 1)
    cpu, gpu = run_both(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), x)
    compare(cpu, gpu, pyt.float16)
    xt = rand((2, 5, 6, 3), pyt.float32, 2)
    fn = lambda x: F.interpolate(x, size=(7, 9), mode="bicubic", align_corners=True)
    cpu, gpu = run_both(fn, xt, prep=lambda v: v.transpose(1, 3))
    compare(cpu, gpu, pyt.float32)
    up = nn.Upsample(scale_factor=2, mode="nearest")
    cpu, gpu = run_both(up, rand((2, 3, 4, 4), pyt.float32, 3))
    compare(cpu, gpu, pyt.float32)
    g = rand((2, 3, 8, 8), pyt.float32, 4)
    for mode, ac in (("bilinear", False), ("nearest", None), ("area", None)):
        kw = dict(size=(8, 8), mode=mode, align_corners=ac)
        from pyt._ext.nn_kernels import interpolate_backward
        assert_same(interpolate_backward(g, [2, 3, 5, 6], **kw),
                    interpolate_backward(g.cuda(), [2, 3, 5, 6], **kw), 1e-5, 1e-6)


# ----- grid_sample / affine_grid (composites of GPU ops) -----------------------------------

@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic", "bilinear3d",
                                  "nearest3d"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_and_grid_sample(mode, padding_mode, align_corners):
    volume = mode.endswith("3d")
    mode = mode[:-2] if volume else mode
    eye = pyt.eye(4 if volume else 3, dtype=pyt.float64)[:-1]
    theta = rand((2,) + tuple(eye.shape), pyt.float64, 1) + eye
    x = rand((2, 3, 4, 5, 6) if volume else (2, 3, 5, 6), pyt.float64, 2)
    size = [2, 3, 3, 4, 7] if volume else [2, 3, 4, 7]
    res = []
    for dev in ("cpu", "cuda"):
        th = theta.to(dev).detach().requires_grad_(True)
        leaf = x.to(dev).detach().requires_grad_(True)
        grid = F.affine_grid(th, size, align_corners=align_corners)
        out = F.grid_sample(leaf, grid, mode=mode, padding_mode=padding_mode,
                            align_corners=align_corners)
        out.backward(rand(tuple(out.shape), pyt.float64, 3).to(dev))
        res.append([grid.detach(), out.detach(), leaf.grad] +
                   ([th.grad] if mode != "nearest" else []))
    compare(res[0], res[1], pyt.float64)
