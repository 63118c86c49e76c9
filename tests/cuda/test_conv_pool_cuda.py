"""Convolution (conv.cu: im2col / col2im + pyt_cuda_gemm) and pooling (pool.cu) on the GPU
against pyt's CPU results: forward values, pooling indices (exact), and the gradients
autograd gives (input, weight, bias), for float32 / float64 / float16, odd sizes, groups,
dilation, padding, ceil_mode, non-contiguous inputs. TF32 is off (for convolutions it is
on by default, as in torch), so float32 products agree with the CPU's to rounding."""
import numpy as np
import pytest

import pyt
import pyt.nn.functional as F

from _helpers import assert_same, exact_float32

TOL = {pyt.float32: (1e-4, 1e-5), pyt.float64: (1e-10, 1e-12), pyt.float16: (1e-2, 2e-3)}


@pytest.fixture(autouse=True)
def _no_tf32():
    with exact_float32():
        yield


def rand(shape, dtype=pyt.float32, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return pyt.tensor((rng.uniform(-1, 1, shape) * scale).astype(np.float64), dtype=dtype)


def leaf(t, device):
    t = t.to(device) if device == "cuda" else t.clone()
    return t.detach().requires_grad_(True)


def run_both(fn, inputs, grad_seed=7):
    """fn(*inputs) on the CPU and on the GPU (inputs as leaves requiring grad, None kept),
    then backward with the same random output gradient; returns (cpu, gpu) lists of
    [output, grad of each input]."""
    results = []
    for device in ("cpu", "cuda"):
        xs = [None if t is None else leaf(t, device) for t in inputs]
        out = fn(*xs)
        y = out[0] if isinstance(out, tuple) else out
        g = rand(tuple(y.shape), pyt.float64, seed=grad_seed).to(y.dtype)
        if device == "cuda":
            g = g.cuda()
        y.backward(g)
        res = [out[0].detach(), out[1]] if isinstance(out, tuple) else [out.detach()]
        res += [None if x is None else x.grad for x in xs]
        results.append(res)
    return results


def compare(cpu, gpu, dtype, exact_first=False):
    rtol, atol = TOL[dtype]
    for i, (c, g) in enumerate(zip(cpu, gpu)):
        if c is None:
            assert g is None
            continue
        assert g.is_cuda, i
        if exact_first and i == 0:
            assert_same(c, g)
        else:
            assert_same(c, g, rtol=rtol, atol=atol)


# ----- convolution --------------------------------------------------------------------------

CONV2D_CASES = [
    # N, C, H, W, O, kernel, stride, padding, dilation, groups, bias
    (2, 3, 7, 9, 4, (3, 2), (1, 2), (1, 0), (1, 2), 1, True),
    (3, 4, 6, 5, 6, (3, 3), 1, 1, 1, 2, True),
    (2, 5, 8, 8, 7, (1, 1), 1, 0, 1, 1, True),          # 1x1 stride 1: no im2col
    (2, 4, 9, 7, 4, (1, 1), 2, 0, 1, 1, False),          # 1x1 strided: im2col
    (1, 6, 5, 11, 6, (2, 3), (2, 1), (0, 1), (2, 1), 3, False),
    (4, 1, 13, 13, 5, (5, 5), 1, 2, 1, 1, True),
    (2, 4, 10, 10, 4, (3, 3), 2, 1, 1, 4, True),         # depthwise
]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d_forward_backward(case, dtype):
    N, C, H, W, O, k, stride, padding, dilation, groups, bias = case
    x = rand((N, C, H, W), dtype, 1)
    w = rand((O, C // groups) + k, dtype, 2)
    b = rand((O,), dtype, 3) if bias else None
    fn = lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups)
    cpu, gpu = run_both(fn, [x, w, b])
    compare(cpu, gpu, dtype)


def test_conv2d_float16():
    x, w, b = rand((2, 3, 9, 8), pyt.float16, 1), rand((5, 3, 3, 3), pyt.float16, 2), \
        rand((5,), pyt.float16, 3)
    fn = lambda x, w, b: F.conv2d(x, w, b, 1, 1)
    cpu, gpu = run_both(fn, [x, w, b])
    compare(cpu, gpu, pyt.float16)


def test_conv2d_noncontiguous_unbatched_same():
    base = rand((3, 9, 7), pyt.float32, 4)
    w = rand((4, 3, 3, 3), pyt.float32, 5)
    cpu = F.conv2d(base.transpose(1, 2), w, padding="same")
    gpu = F.conv2d(base.cuda().transpose(1, 2), w.cuda(), padding="same")
    assert tuple(gpu.shape) == (4, 7, 9)
    assert_same(cpu, gpu, rtol=1e-4, atol=1e-5)
    x4 = rand((2, 9, 3, 7), pyt.float32, 6).permute(0, 2, 1, 3)      # [2, 3, 9, 7], strided
    cpu, gpu = run_both(lambda x, w: F.conv2d(x.permute(0, 2, 1, 3), w, stride=2),
                        [rand((2, 9, 3, 7), pyt.float32, 6), w])
    compare(cpu, gpu, pyt.float32)
    assert_same(F.conv2d(x4, w), F.conv2d(x4.cuda(), w.cuda()), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_conv1d_conv3d(dtype):
    x, w, b = rand((3, 4, 17), dtype, 1), rand((6, 2, 3), dtype, 2), rand((6,), dtype, 3)
    cpu, gpu = run_both(lambda x, w, b: F.conv1d(x, w, b, 2, 2, 2, 2), [x, w, b])
    compare(cpu, gpu, dtype)
    x, w, b = rand((2, 3, 5, 6, 7), dtype, 4), rand((4, 3, 2, 3, 2), dtype, 5), \
        rand((4,), dtype, 6)
    cpu, gpu = run_both(lambda x, w, b: F.conv3d(x, w, b, (1, 2, 1), (1, 0, 1)), [x, w, b])
    compare(cpu, gpu, dtype)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_conv_transpose(dtype):
    x, w, b = rand((2, 4, 5, 6), dtype, 1), rand((4, 3, 3, 2), dtype, 2), rand((6,), dtype, 3)
    fn = lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                                            groups=2)
    cpu, gpu = run_both(fn, [x, w, b])
    compare(cpu, gpu, dtype)
    x, w = rand((2, 3, 9), dtype, 4), rand((3, 5, 4), dtype, 5)
    cpu, gpu = run_both(lambda x, w: F.conv_transpose1d(x, w, stride=3, dilation=2), [x, w])
    compare(cpu, gpu, dtype)


def test_conv2d_double_backward():
    res = []
    for device in ("cpu", "cuda"):
        x = leaf(rand((2, 3, 6, 6), pyt.float64, 1), device)
        w = leaf(rand((4, 3, 3, 3), pyt.float64, 2), device)
        y = F.conv2d(x, w, padding=1, stride=2)
        gx, gw = pyt.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        (gx.sum() + (gw * gw).sum()).backward()
        res.append([y.detach(), gx.detach(), gw.detach(), x.grad, w.grad])
    compare(res[0], res[1], pyt.float64)


def test_conv_mixed_devices_raise():
    x, w = rand((1, 2, 5, 5)), rand((3, 2, 3, 3))
    with pytest.raises(RuntimeError):
        F.conv2d(x.cuda(), w)
    with pytest.raises(RuntimeError):
        F.conv2d(x, w.cuda())


# ----- pooling ------------------------------------------------------------------------------

MAXPOOL2D_CASES = [
    # kernel, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False),
    (3, 2, 1, 1, False),
    (3, 2, 1, 1, True),
    ((3, 2), (2, 1), (1, 0), (2, 1), True),
    ((2, 3), (3, 2), (1, 1), 1, False),
]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.float16])
@pytest.mark.parametrize("case", MAXPOOL2D_CASES)
def test_max_pool2d(case, dtype):
    k, s, p, d, ceil = case
    x = rand((2, 3, 11, 10), dtype, 1)
    fn = lambda x: F.max_pool2d(x, k, s, p, d, ceil, return_indices=True)
    cpu, gpu = run_both(fn, [x])
    assert_same(cpu[1], gpu[1])             # the indices, exactly
    compare(cpu, gpu, dtype, exact_first=True)


def test_max_pool_nan_unbatched_noncontiguous():
    x = rand((3, 9, 8), pyt.float32, 2)
    x[0, 1, 1] = float("nan")
    x[1, 4, 5] = float("nan")
    x[1, 4, 6] = float("nan")
    xt = x.transpose(1, 2)
    cpu = F.max_pool2d(xt, 3, 2, 1, return_indices=True)
    gpu = F.max_pool2d(xt.cuda(), 3, 2, 1, return_indices=True)
    assert_same(cpu[1], gpu[1])
    assert_same(cpu[0], gpu[0])


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.int64, pyt.uint8])
def test_max_pool_window_wholly_in_the_padding(dtype):
    x = pyt.tensor([[[1, 5], [3, 4]]]).to(dtype)
    cpu = F.max_pool1d(x, 2, stride=1, padding=1, dilation=3, return_indices=True)
    gpu = F.max_pool1d(x.cuda(), 2, stride=1, padding=1, dilation=3, return_indices=True)
    assert_same(cpu, gpu)
    if dtype.is_floating_point:
        xg = x.cuda().requires_grad_()
        F.max_pool1d(xg, 2, stride=1, padding=1, dilation=3).sum().backward()
        xc = x.clone().requires_grad_()
        F.max_pool1d(xc, 2, stride=1, padding=1, dilation=3).sum().backward()
        assert_same(xc.grad, xg.grad)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_max_pool1d_3d(dtype):
    cpu, gpu = run_both(lambda x: F.max_pool1d(x, 3, 2, 1, 2, True, return_indices=True),
                        [rand((2, 3, 19), dtype, 1)])
    assert_same(cpu[1], gpu[1])
    compare(cpu, gpu, dtype, exact_first=True)
    cpu, gpu = run_both(lambda x: F.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0),
                                               return_indices=True),
                        [rand((2, 2, 5, 7, 6), dtype, 2)])
    assert_same(cpu[1], gpu[1])
    compare(cpu, gpu, dtype, exact_first=True)


AVGPOOL2D_CASES = [
    # kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    (2, None, 0, False, True, None),
    (3, 2, 1, False, True, None),
    (3, 2, 1, True, False, None),
    ((3, 2), (2, 3), (1, 1), True, True, None),
    (3, 2, 1, True, True, 5),
    ((2, 3), 1, (1, 0), False, False, None),
]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.float16])
@pytest.mark.parametrize("case", AVGPOOL2D_CASES)
def test_avg_pool2d(case, dtype):
    k, s, p, ceil, cip, div = case
    x = rand((2, 3, 11, 10), dtype, 1)
    fn = lambda x: F.avg_pool2d(x, k, s, p, ceil, cip, div)
    cpu, gpu = run_both(fn, [x])
    compare(cpu, gpu, dtype)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_avg_pool1d_3d(dtype):
    cpu, gpu = run_both(lambda x: F.avg_pool1d(x, 4, 3, 2, True, False),
                        [rand((2, 3, 20), dtype, 1)])
    compare(cpu, gpu, dtype)
    cpu, gpu = run_both(lambda x: F.avg_pool3d(x, 3, 2, 1, True, True),
                        [rand((2, 2, 6, 7, 5), dtype, 2)])
    compare(cpu, gpu, dtype)


ADAPTIVE_CASES = [((2, 3, 7, 5), (3, 4)), ((2, 4, 6, 6), 1), ((3, 5, 9), (4, 2)),
                  ((1, 2, 3, 4), (5, 7)), ((2, 3, 10, 13), (None, 4))]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.float16])
@pytest.mark.parametrize("case", ADAPTIVE_CASES)
def test_adaptive_pool2d(case, dtype):
    shape, size = case
    x = rand(shape, dtype, 1)
    cpu, gpu = run_both(lambda x: F.adaptive_avg_pool2d(x, size), [x])
    compare(cpu, gpu, dtype)
    cpu, gpu = run_both(lambda x: F.adaptive_max_pool2d(x, size, return_indices=True), [x])
    assert_same(cpu[1], gpu[1])
    compare(cpu, gpu, dtype, exact_first=True)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_adaptive_pool1d_3d(dtype):
    x = rand((2, 3, 11), dtype, 1)
    compare(*run_both(lambda x: F.adaptive_avg_pool1d(x, 4), [x]), dtype)
    cpu, gpu = run_both(lambda x: F.adaptive_max_pool1d(x, 4, return_indices=True), [x])
    assert_same(cpu[1], gpu[1])
    x = rand((2, 2, 5, 6, 7), dtype, 2)
    compare(*run_both(lambda x: F.adaptive_avg_pool3d(x, (2, 3, 4)), [x]), dtype)
    cpu, gpu = run_both(lambda x: F.adaptive_max_pool3d(x, (3, 2, 4), return_indices=True), [x])
    assert_same(cpu[1], gpu[1])
    compare(cpu, gpu, dtype, exact_first=True)


def test_pool_double_backward():
    """The gradients of the pooling gradients (gather at the indices, avg forward)."""
    res = []
    for device in ("cpu", "cuda"):
        x = leaf(rand((2, 3, 8, 9), pyt.float64, 1), device)
        y = F.max_pool2d(x, 3, 2, 1) + F.avg_pool2d(x, 3, 2, 1) + F.adaptive_avg_pool2d(x, (4, 5))
        (g,) = pyt.autograd.grad((y * y).sum(), (x,), create_graph=True)
        (g * g).sum().backward()
        res.append([y.detach(), g.detach(), x.grad])
    compare(res[0], res[1], pyt.float64)


def test_pool_integers_and_refusals():
    xi = pyt.arange(2 * 3 * 6 * 6).reshape(2, 3, 6, 6)
    assert_same(F.max_pool2d(xi, 2), F.max_pool2d(xi.cuda(), 2))     # integer pooling
    with pytest.raises(NotImplementedError):                          # as on the CPU
        F.adaptive_max_pool2d(xi.cuda(), 2)


# ----- small networks -----------------------------------------------------------------------

def test_lenet_training_step():
    """LeNet-5's forward and every parameter gradient, GPU against CPU."""
    rng = np.random.default_rng(0)
    shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 16 * 5 * 5), (120,),
              (84, 120), (84,), (10, 84), (10,)]
    params = [pyt.tensor(rng.uniform(-0.2, 0.2, s).astype(np.float32)) for s in shapes]
    x = pyt.tensor(rng.uniform(0, 1, (8, 1, 32, 32)).astype(np.float32))
    target = pyt.tensor(rng.uniform(0, 1, (8, 10)).astype(np.float32))
    res = []
    for device in ("cpu", "cuda"):
        ps = [leaf(p, device) for p in params]
        h = x.to(device)
        h = F.max_pool2d(F.relu(F.conv2d(h, ps[0], ps[1])), 2)
        h = F.avg_pool2d(F.relu(F.conv2d(h, ps[2], ps[3])), 2)
        h = h.reshape(8, -1)
        h = F.relu(F.linear(h, ps[4], ps[5]))
        h = F.relu(F.linear(h, ps[6], ps[7]))
        loss = -(F.log_softmax(F.linear(h, ps[8], ps[9]), 1) * target.to(device)).sum()
        loss.backward()
        res.append([loss.detach()] + [p.grad for p in ps])
    compare(res[0], res[1], pyt.float32)


def test_resnet_block_step():
    """conv-relu-conv + skip, strided 1x1 shortcut, global average pool: the gradients."""
    rng = np.random.default_rng(1)
    shapes = [(8, 3, 3, 3), (8, 8, 3, 3), (8, 3, 1, 1), (5, 8)]
    params = [pyt.tensor(rng.uniform(-0.3, 0.3, s).astype(np.float32)) for s in shapes]
    x = pyt.tensor(rng.uniform(-1, 1, (4, 3, 12, 12)).astype(np.float32))
    res = []
    for device in ("cpu", "cuda"):
        ps = [leaf(p, device) for p in params]
        h = x.to(device)
        a = F.relu(F.conv2d(h, ps[0], stride=2, padding=1))
        a = F.conv2d(a, ps[1], padding=1)
        h = F.relu(a + F.conv2d(h, ps[2], stride=2))
        h = F.adaptive_avg_pool2d(F.max_pool2d(h, 3, 1, 1), 1).reshape(4, 8)
        loss = (F.linear(h, ps[3]) ** 2).sum()
        loss.backward()
        res.append([loss.detach()] + [p.grad for p in ps])
    compare(res[0], res[1], pyt.float32)


def test_float32_convolutions_use_tf32_unless_told_not_to():
    # torch's cudnn.allow_tf32 (True by default) decides it for torch's convolutions;
    # pyt.backends.cudnn.allow_tf32 for pyt's (this module's fixture turns it off)
    x, w = rand((8, 64, 16, 16), seed=1), rand((64, 64, 3, 3), seed=2)
    exact = F.conv2d(x.double(), w.double()).numpy()

    def error(y):
        return float(np.abs(y.cpu().double().numpy() - exact).max() / np.abs(exact).max())

    assert error(F.conv2d(x.cuda(), w.cuda())) < 1e-5
    pyt.backends.cudnn.allow_tf32 = True
    tf32 = error(F.conv2d(x.cuda(), w.cuda()))
    assert 1e-6 < tf32 < 1e-2, tf32         # TensorFloat-32 keeps 10 bits of mantissa
