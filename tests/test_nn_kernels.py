"""NN kernels (pyt._ext.nn_kernels and the top-level pyt.conv2d, pyt.softmax, ...):
convolution and its gradients, transposed convolution, pooling, softmax, batch / layer /
group norm, embedding, dropout, pad, interpolate, unfold / fold.

Checked against NumPy reference implementations (direct loops over small sizes) that
need no torch, and against torch.nn.functional and torch autograd where torch is
installed: every forward and every gradient formula."""
import itertools
import warnings

import numpy as np
import pytest

import pyt
from pyt._ext import nn_kernels as K

FLOATS = [pyt.float32, pyt.float64]


def P(a, dtype=None):
    return pyt.tensor(np.asarray(a), dtype=dtype)


def N(t):
    if t.dtype in (pyt.bfloat16, pyt.float16):
        t = t.float()
    return np.array(t.numpy(), copy=True)


def rand(shape, seed=0, dtype=np.float64, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def tol(dt):
    return dict(rtol=1e-4, atol=1e-4) if dt in (pyt.float32, np.float32) else dict(rtol=1e-10, atol=1e-10)


def close(a, b, dt=pyt.float64, scale=None):
    b = np.asarray(b)
    t = tol(dt)
    atol = t["atol"] * (scale if scale is not None else (max(1.0, np.abs(b).max()) if b.size else 1.0))
    np.testing.assert_allclose(N(a) if isinstance(a, pyt.Tensor) else a, b, rtol=t["rtol"], atol=atol)


def noncontiguous(a):
    """A pyt tensor with a's values whose memory is not contiguous (transposed twice)."""
    t = P(np.ascontiguousarray(np.swapaxes(a, 0, -1)))
    return t.transpose(0, a.ndim - 1)


# ----- NumPy references --------------------------------------------------------------------

def ref_conv(x, w, b, stride, pad, dil, groups):
    """Direct convolution: for each kernel offset, a strided slice of the padded input
    times that weight tap."""
    k = w.ndim - 2
    s, p, d = ([v] * k if np.isscalar(v) else list(v) for v in (stride, pad, dil))
    xp = np.pad(x, [(0, 0), (0, 0)] + [(q, q) for q in p])
    ins = xp.shape[2:]
    outs = [(ins[i] - d[i] * (w.shape[2 + i] - 1) - 1) // s[i] + 1 for i in range(k)]
    O, Cg = w.shape[:2]
    Og = O // groups
    y = np.zeros((x.shape[0], O) + tuple(outs))
    for off in itertools.product(*[range(n) for n in w.shape[2:]]):
        sl = tuple(slice(off[i] * d[i], off[i] * d[i] + s[i] * (outs[i] - 1) + 1, s[i])
                   for i in range(k))
        patch = xp[(slice(None), slice(None)) + sl]
        for g in range(groups):
            wg = w[(slice(g * Og, (g + 1) * Og), slice(None)) + off]
            y[:, g * Og:(g + 1) * Og] += np.einsum("nc...,oc->no...",
                                                   patch[:, g * Cg:(g + 1) * Cg], wg)
    if b is not None:
        y += b.reshape((1, -1) + (1,) * k)
    return y


def ref_conv_grads(g, x, w, stride, pad, dil, groups):
    """Gradients of ref_conv by the same slices: grad_input scatters, grad_weight
    correlates, grad_bias sums."""
    k = w.ndim - 2
    s, p, d = ([v] * k if np.isscalar(v) else list(v) for v in (stride, pad, dil))
    xp = np.pad(x, [(0, 0), (0, 0)] + [(q, q) for q in p])
    gxp = np.zeros_like(xp)
    gw = np.zeros_like(w)
    outs = g.shape[2:]
    O, Cg = w.shape[:2]
    Og = O // groups
    for off in itertools.product(*[range(n) for n in w.shape[2:]]):
        sl = tuple(slice(off[i] * d[i], off[i] * d[i] + s[i] * (outs[i] - 1) + 1, s[i])
                   for i in range(k))
        idx = (slice(None), slice(None)) + sl
        for grp in range(groups):
            cs = slice(grp * Cg, (grp + 1) * Cg)
            gg = g[:, grp * Og:(grp + 1) * Og]
            wg = w[(slice(grp * Og, (grp + 1) * Og), slice(None)) + off]
            gxp[idx][:, cs] += np.einsum("no...,oc->nc...", gg, wg)
            gw[(slice(grp * Og, (grp + 1) * Og), slice(None)) + off] += np.einsum(
                "nol,ncl->oc", gg.reshape(gg.shape[0], Og, -1),
                xp[idx][:, cs].reshape(gg.shape[0], Cg, -1))
    crop = (slice(None), slice(None)) + tuple(slice(q, q + n) for q, n in zip(p, x.shape[2:]))
    return gxp[crop], gw, g.sum(axis=(0,) + tuple(range(2, g.ndim)))


def ref_pool(x, k, s, p, d, ceil, kind, count_include_pad=True):
    """Max or average pooling of [N, C, *spatial] by direct loops."""
    nd = x.ndim - 2
    outs = []
    for i in range(nd):
        n = x.shape[2 + i] + 2 * p[i] - d[i] * (k[i] - 1) - 1
        o = (n + (s[i] - 1 if ceil else 0)) // s[i] + 1
        if ceil and (o - 1) * s[i] >= x.shape[2 + i] + p[i]:
            o -= 1
        outs.append(o)
    y = np.zeros(x.shape[:2] + tuple(outs))
    idx = np.zeros(y.shape, dtype=np.int64)
    for o in itertools.product(*[range(v) for v in outs]):
        start = [o[i] * s[i] - p[i] for i in range(nd)]
        if kind == "max":
            best = np.full(x.shape[:2], -np.inf)
            bi = np.zeros(x.shape[:2], dtype=np.int64)
            for j in itertools.product(*[range(v) for v in k]):
                pos = [start[i] + j[i] * d[i] for i in range(nd)]
                if all(0 <= pos[i] < x.shape[2 + i] for i in range(nd)):
                    v = x[(slice(None), slice(None)) + tuple(pos)]
                    flat = np.ravel_multi_index(pos, x.shape[2:])
                    take = v > best
                    best = np.where(take, v, best)
                    bi = np.where(take, flat, bi)
            y[(slice(None), slice(None)) + o] = best
            idx[(slice(None), slice(None)) + o] = bi
        else:
            lo = [max(start[i], 0) for i in range(nd)]
            hi = [min(start[i] + k[i], x.shape[2 + i]) for i in range(nd)]
            full = np.prod([min(start[i] + k[i], x.shape[2 + i] + p[i]) - start[i]
                            for i in range(nd)])
            win = x[(slice(None), slice(None)) + tuple(slice(a, b) for a, b in zip(lo, hi))]
            cnt = np.prod([b - a for a, b in zip(lo, hi)])
            div = full if count_include_pad else cnt
            y[(slice(None), slice(None)) + o] = win.sum(axis=tuple(range(2, 2 + nd))) / div
    return y, idx


def ref_softmax(x, dim, log=False):
    if x.size == 0:
        return x.copy()
    m = x.max(axis=dim, keepdims=True)
    e = np.exp(x - m)
    s = e.sum(axis=dim, keepdims=True)
    return (x - m) - np.log(s) if log else e / s


# ----- convolution: against NumPy -----------------------------------------------------------

CONV_CASES = [
    # k, N, C, O, spatial, kernel, stride, pad, dil, groups
    (1, 2, 4, 6, (9,), (3,), 1, 0, 1, 1),
    (1, 3, 4, 6, (9,), (2,), 2, 1, 2, 2),
    (2, 2, 3, 4, (7, 6), (3, 3), 1, 1, 1, 1),
    (2, 2, 4, 6, (7, 8), (3, 2), (2, 1), (1, 0), (1, 2), 2),
    (2, 1, 4, 4, (6, 6), (3, 3), 1, 1, 1, 4),          # depthwise
    (2, 3, 4, 5, (5, 5), (1, 1), 1, 0, 1, 1),          # 1x1: no im2col
    (2, 2, 4, 6, (5, 5), (1, 1), 2, 1, 1, 2),          # 1x1 strided and padded
    (2, 3, 3, 5, (16, 8), (3, 3), 1, 1, 1, 1),         # 128 positions: padded column rows
    (2, 2, 32, 7, (5, 6), (3, 3), 1, 1, 1, 1),         # 288 rows of columns: BLAS for float32
    (2, 2, 4, 300, (4, 4), (3, 3), 1, 1, 1, 1),        # 300 output channels
    (3, 2, 2, 4, (4, 5, 3), (2, 3, 2), 1, (1, 0, 1), 1, 2),
    (3, 1, 2, 2, (5, 4, 6), (3, 2, 3), 2, 1, (1, 2, 1), 1),
]


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_conv_forward_backward_numpy(case, dt):
    k, n, c, o, sz, ks, stride, pad, dil, groups = case
    npdt = dt.numpy_dtype
    x = rand((n, c) + sz, 1, npdt)
    w = rand((o, c // groups) + ks, 2, npdt)
    b = rand((o,), 3, npdt)
    y = K.conv_forward(P(x), P(w), P(b), stride, pad, dil, groups)
    expected = ref_conv(x.astype(np.float64), w.astype(np.float64), b, stride, pad, dil, groups)
    assert y.dtype is dt and list(y.shape) == list(expected.shape)
    close(y, expected, dt)
    g = rand(expected.shape, 4, npdt)
    gi, gw, gb = K.conv_backward(P(g), P(x), P(w), stride, pad, dil, groups)
    egi, egw, egb = ref_conv_grads(g.astype(np.float64), x.astype(np.float64),
                                   w.astype(np.float64), stride, pad, dil, groups)
    close(gi, egi, dt)
    close(gw, egw, dt)
    close(gb, egb, dt)


@pytest.mark.parametrize("case", CONV_CASES[:7])
def test_conv_transpose_is_the_adjoint(case):
    """<conv(x), y> == <x, conv_transpose(y)>, with the weight read as [C_in, C_out/g, k]."""
    k, n, c, o, sz, ks, stride, pad, dil, groups = case
    x = rand((n, c) + sz, 1)
    w = rand((o, c // groups) + ks, 2)
    y = K.conv_forward(P(x), P(w), None, stride, pad, dil, groups)
    z = rand(tuple(y.shape), 3)
    # the transposed convolution of z with the same weight, sized back to x
    sp = [stride] * k if np.isscalar(stride) else list(stride)
    opad = [x.shape[2 + i] - ((y.shape[2 + i] - 1) * sp[i] - 2 * ([pad] * k if np.isscalar(pad) else pad)[i]
            + ([dil] * k if np.isscalar(dil) else dil)[i] * (ks[i] - 1) + 1) for i in range(k)]
    zt = K.conv_transpose_forward(P(z), P(w), None, stride, pad, opad, groups, dil)
    assert list(zt.shape) == list(x.shape)
    np.testing.assert_allclose(np.vdot(N(y), z), np.vdot(x, N(zt)), rtol=1e-10)
    gi = K.conv_backward(P(z), P(x), P(w), stride, pad, dil, groups, (True, False, False))[0]
    close(gi, N(zt))


def test_conv_unbatched_zero_batch_and_channels():
    x = rand((3, 6, 5), 1)
    w = rand((4, 3, 3, 2), 2)
    y = pyt.conv2d(P(x), P(w), padding=1)
    close(y, ref_conv(x[None], w, None, 1, 1, 1, 1)[0])
    assert list(y.shape) == [4, 6, 6]
    gi, gw, gb = K.conv_backward(y, P(x), P(w), padding=1)
    assert list(gi.shape) == [3, 6, 5] and list(gw.shape) == [4, 3, 3, 2]
    y0 = pyt.conv2d(P(np.zeros((0, 3, 6, 5))), P(w), P(np.ones(4)))
    assert list(y0.shape) == [0, 4, 4, 4]
    gi, gw, gb = K.conv_backward(P(np.zeros((0, 4, 4, 4))), P(np.zeros((0, 3, 6, 5))), P(w))
    assert list(gi.shape) == [0, 3, 6, 5] and np.all(N(gw) == 0) and np.all(N(gb) == 0)
    # no input channels: the output is the bias
    y = pyt.conv2d(P(np.zeros((2, 0, 4, 4))), P(np.zeros((3, 0, 3, 3))), P(np.arange(3.)))
    np.testing.assert_array_equal(N(y), np.broadcast_to(np.arange(3.)[None, :, None, None],
                                                        (2, 3, 2, 2)))


def test_conv_noncontiguous_inputs():
    x = rand((2, 3, 7, 6), 1)
    w = rand((4, 3, 3, 3), 2)
    expected = ref_conv(x, w, None, 1, 1, 1, 1)
    close(pyt.conv2d(noncontiguous(x), noncontiguous(w), padding=1), expected)
    big = rand((2, 6, 14, 6), 3)
    sliced = P(big)[:, ::2, ::2]
    close(pyt.conv2d(sliced, P(w)), ref_conv(big[:, ::2, ::2], w, None, 1, 0, 1, 1))


def test_conv_padding_same_and_valid():
    x = rand((2, 3, 7), 1)
    for ks, dil in ((3, 1), (4, 1), (4, 2), (5, 3)):
        w = rand((2, 3, ks), 2)
        y = pyt.conv1d(P(x), P(w), padding="same", dilation=dil)
        assert list(y.shape) == [2, 2, 7]
        total = dil * (ks - 1)
        xp = np.pad(x, [(0, 0), (0, 0), (total // 2, total - total // 2)])
        close(y, ref_conv(xp, w, None, 1, 0, dil, 1))
        gi, gw, _ = K.conv_backward(y, P(x), P(w), 1, "same", dil)
        egi, egw, _ = ref_conv_grads(N(y), xp, w, 1, 0, dil, 1)
        close(gi, egi[:, :, total // 2:total // 2 + 7])
        close(gw, egw)
    w = rand((2, 3, 3), 2)
    close(pyt.conv1d(P(x), P(w), padding="valid"), ref_conv(x, w, None, 1, 0, 1, 1))


@pytest.mark.parametrize("dt", [pyt.float16, pyt.bfloat16, pyt.int64, pyt.int32])
def test_conv_other_dtypes(dt):
    x = np.random.default_rng(0).integers(-3, 4, (2, 3, 5, 5)).astype(np.float64)
    w = np.random.default_rng(1).integers(-3, 4, (4, 3, 3, 3)).astype(np.float64)
    y = pyt.conv2d(P(x, dt), P(w, dt), padding=1)
    assert y.dtype is dt
    np.testing.assert_array_equal(N(y), ref_conv(x, w, None, 1, 1, 1, 1))  # small integers: exact


def test_conv_results_do_not_depend_on_threads():
    x, w = P(rand((20, 4, 9, 9), 1, np.float32)), P(rand((6, 4, 3, 3), 2, np.float32))
    g = P(rand((20, 6, 9, 9), 3, np.float32))
    old = pyt.get_num_threads()
    try:
        results = []
        for nt in (1, 2):
            pyt.set_num_threads(nt)
            results.append([N(t) for t in (K.conv_forward(x, w, None, 1, 1),)
                            + K.conv_backward(g, x, w, 1, 1)])
    finally:
        pyt.set_num_threads(old)
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-5)


CONV_ERRORS = [
    (lambda: pyt.conv2d(P(rand((2, 3))), P(rand((8, 4, 3, 3)))),
     RuntimeError, "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]"),
    (lambda: pyt.conv2d(P(rand((2, 3, 5, 5))), P(rand((8, 4, 3, 3)))),
     RuntimeError, "Given groups=1, weight of size [8, 4, 3, 3], expected input[2, 3, 5, 5] to have 4 channels, but got 3 channels instead"),
    (lambda: pyt.conv2d(P(rand((2, 4, 2, 2))), P(rand((8, 4, 3, 3)))),
     RuntimeError, "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3))), stride=0),
     RuntimeError, "non-positive stride is not supported"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3))), padding=-1),
     RuntimeError, "negative padding is not supported"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3))), dilation=0),
     RuntimeError, "non-positive dilation is not supported"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3))), groups=0),
     RuntimeError, "non-positive groups is not supported"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3))), stride=(1, 1, 1)),
     RuntimeError, "expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3))), padding="same", stride=2),
     RuntimeError, "padding='same' is not supported for strided convolutions"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3))), padding="foo"),
     RuntimeError, "Invalid padding string: 'foo'"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3))), P(rand(7))),
     RuntimeError, "Given weight of size [8, 4, 3, 3], expected bias to be 1-dimensional with 8 elements, but got bias of size [7] instead"),
    (lambda: pyt.conv2d(P(rand((2, 8, 5, 5))), P(rand((7, 4, 3, 3))), groups=2),
     RuntimeError, "Given groups=2, expected weight to be divisible by 2 at dimension 0"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4)))),
     RuntimeError, "weight should have at least three dimensions"),
    (lambda: pyt.conv2d(P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3), dtype=np.float32))),
     RuntimeError, "Input type (float64) and weight type (float32) should be the same"),
    (lambda: pyt.conv2d(P(np.ones((2, 4, 5, 5), bool)), P(np.ones((8, 4, 3, 3), bool))),
     NotImplementedError, "not implemented for 'Bool'"),
    (lambda: pyt.conv2d([1.0], P(rand((8, 4, 3, 3)))), TypeError, "must be Tensor"),
    (lambda: pyt.conv_transpose2d(P(rand((2, 3, 5, 5))), P(rand((4, 8, 3, 3)))),
     RuntimeError, "Given transposed=1, weight of size [4, 8, 3, 3], expected input[2, 3, 5, 5] to have 4 channels, but got 3 channels instead"),
    (lambda: pyt.conv_transpose2d(P(rand((2, 4, 5, 5))), P(rand((4, 8, 3, 3))), output_padding=1),
     RuntimeError, "output padding must be smaller than either stride or dilation, but got output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1"),
    (lambda: pyt.conv_transpose1d(P(rand((2, 4, 1))), P(rand((4, 8, 3))), padding=2),
     RuntimeError, "Calculated output size per channel: (-1). Output size is too small"),
    (lambda: K.conv_backward(P(rand((2, 8, 4, 4))), P(rand((2, 4, 5, 5))), P(rand((8, 4, 3, 3)))),
     RuntimeError, "expected grad_output of size [2, 8, 3, 3]"),
]


@pytest.mark.parametrize("i", range(len(CONV_ERRORS)))
def test_conv_errors(i):
    fn, exc, msg = CONV_ERRORS[i]
    with pytest.raises(exc) as info:
        fn()
    assert msg in str(info.value)


# ----- unfold / fold ------------------------------------------------------------------------

def test_unfold_fold_numpy():
    x = rand((2, 3, 6, 5), 1)
    cols = K.unfold(P(x), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    oh, ow = (8 - 2) // 2 + 1, (7 - 5) // 1 + 1
    expected = np.zeros((2, 3, 2, 3, oh, ow))
    for i, j in itertools.product(range(2), range(3)):
        expected[:, :, i, j] = xp[:, :, i:i + 2 * (oh - 1) + 1:2, 2 * j:2 * j + ow]
    close(cols, expected.reshape(2, 18, oh * ow))
    # fold is the adjoint of unfold
    z = rand(tuple(cols.shape), 2)
    back = K.fold(P(z), (6, 5), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    np.testing.assert_allclose(np.vdot(N(cols), z), np.vdot(x, N(back)), rtol=1e-10)
    assert list(K.unfold(P(x[0]), 2).shape) == [12, 20]
    assert list(K.fold(P(z[0]), (6, 5), (2, 3), (1, 2), 1, (2, 1)).shape) == [3, 6, 5]


def test_unfold_fold_errors():
    with pytest.raises(RuntimeError, match="calculated shape of the array of sliding blocks as"):
        K.unfold(P(rand((1, 2, 3, 3))), 4)
    with pytest.raises(RuntimeError, match="It is expected kernel_size equals to 2"):
        K.unfold(P(rand((1, 2, 3, 3))), (2, 2, 2))
    with pytest.raises(RuntimeError, match="stride should be greater than zero"):
        K.unfold(P(rand((1, 2, 3, 3))), 2, stride=0)
    with pytest.raises(RuntimeError, match="Only 3D or 4D input Tensors are supported"):
        K.unfold(P(rand((2, 3))), 2)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        K.fold(P(rand((1, 7, 4))), (3, 3), 2)
    with pytest.raises(RuntimeError, match="match the calculated number of sliding blocks"):
        K.fold(P(rand((1, 8, 5))), (3, 3), 2)
    with pytest.raises(NotImplementedError):
        K.unfold(P(np.ones((1, 2, 3, 3), np.int64)), 2)


# ----- pooling ------------------------------------------------------------------------------

POOL_CASES = [
    # spatial, kernel, stride, pad, dil, ceil
    ((9,), (3,), (2,), (1,), (1,), False),
    ((10,), (2,), (3,), (0,), (2,), True),
    ((7, 6), (3, 2), (2, 2), (1, 1), (1, 1), False),
    ((7, 6), (3, 3), (2, 1), (1, 0), (2, 1), True),
    ((8, 8), (2, 2), (2, 2), (0, 0), (1, 1), True),
    ((5, 4, 6), (2, 3, 2), (2, 1, 2), (1, 1, 0), (1, 1, 2), True),
]


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_max_pool_numpy(case, dt):
    sz, k, s, p, d, ceil = case
    nd = len(sz)
    x = rand((2, 3) + sz, 1, dt.numpy_dtype)
    fn = getattr(K, f"max_pool{nd}d_with_indices")
    y, idx = fn(P(x), k, s, p, d, ceil)
    ey, eidx = ref_pool(x.astype(np.float64), k, s, p, d, ceil, "max")
    np.testing.assert_array_equal(N(y), ey)
    np.testing.assert_array_equal(N(idx), eidx)
    assert y.dtype is dt and idx.dtype is pyt.int64
    g = rand(ey.shape, 2, dt.numpy_dtype)
    gi = K.max_pool_backward(P(g), P(x), idx, nd)
    expected = np.zeros((6, int(np.prod(sz))))
    np.add.at(expected, (np.arange(6)[:, None], eidx.reshape(6, -1)), g.reshape(6, -1))
    close(gi, expected.reshape(x.shape), dt)
    # the top-level function without indices, and unbatched input
    np.testing.assert_array_equal(N(getattr(pyt, f"max_pool{nd}d")(P(x[0]), k, s, p, d, ceil)), ey[0])


@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[4] == (1,) * len(c[0])])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_numpy(case, count_include_pad):
    sz, k, s, p, _, ceil = case
    nd = len(sz)
    x = rand((2, 3) + sz, 1)
    y = getattr(K, f"avg_pool{nd}d")(P(x), k, s, p, ceil, count_include_pad)
    ey, _ = ref_pool(x, k, s, p, (1,) * nd, ceil, "avg", count_include_pad)
    close(y, ey)
    # the gradient is the adjoint
    g = rand(ey.shape, 2)
    gi = getattr(K, f"avg_pool{nd}d_backward")(P(g), P(x), k, s, p, ceil, count_include_pad)
    z = rand(x.shape, 3)
    zy = getattr(K, f"avg_pool{nd}d")(P(z), k, s, p, ceil, count_include_pad)
    np.testing.assert_allclose(np.vdot(N(zy), g), np.vdot(z, N(gi)), rtol=1e-10)


def test_avg_pool_divisor_override_and_integers():
    x = rand((1, 2, 6, 6), 1)
    y = K.avg_pool2d(P(x), 3, 2, 1, divisor_override=2)
    ey, _ = ref_pool(x, (3, 3), (2, 2), (1, 1), (1, 1), False, "avg")
    full = ref_pool(np.ones_like(x), (3, 3), (2, 2), (1, 1), (1, 1), False, "avg")[0]
    close(y, ey * 9 / 2)
    xi = np.array([[[[-3, -2], [0, 0]], [[3, 2], [0, 1]]]])
    np.testing.assert_array_equal(N(K.avg_pool2d(P(xi), 2)), [[[[-1]], [[1]]]])  # truncates
    xi8 = np.random.default_rng(0).integers(-100, 100, (2, 3, 7, 7)).astype(np.int8)
    y8 = pyt.max_pool2d(P(xi8), 3, 2, 1)
    assert y8.dtype is pyt.int8
    np.testing.assert_array_equal(N(y8), ref_pool(xi8.astype(np.float64), (3, 3), (2, 2), (1, 1), (1, 1), False, "max")[0])
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        K.avg_pool2d(P(x), 2, divisor_override=0)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("out", [1, 3, 4])
def test_adaptive_pool_numpy(nd, out):
    sz = (7, 5, 6)[:nd]
    x = rand((2, 3) + sz, 1)
    y = getattr(K, f"adaptive_avg_pool{nd}d")(P(x), out)
    ym, idx = getattr(K, f"adaptive_max_pool{nd}d_with_indices")(P(x), out)
    ey = np.zeros((2, 3) + (out,) * nd)
    em = np.zeros_like(ey)
    for o in itertools.product(range(out), repeat=nd):
        sl = tuple(slice(o[i] * sz[i] // out, -((-(o[i] + 1) * sz[i]) // out)) for i in range(nd))
        win = x[(slice(None), slice(None)) + sl]
        ey[(slice(None), slice(None)) + o] = win.mean(axis=tuple(range(2, 2 + nd)))
        em[(slice(None), slice(None)) + o] = win.max(axis=tuple(range(2, 2 + nd)))
    close(y, ey)
    np.testing.assert_array_equal(N(ym), em)
    flat = x.reshape(6, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, N(idx).reshape(6, -1), 1), em.reshape(6, -1))
    g = rand(ey.shape, 2)
    gi = K.adaptive_avg_pool_backward(P(g), P(x), nd)
    z = rand(x.shape, 3)
    np.testing.assert_allclose(np.vdot(N(getattr(K, f"adaptive_avg_pool{nd}d")(P(z), out)), g),
                               np.vdot(z, N(gi)), rtol=1e-10)


def test_max_pool_nan_and_inf():
    x = np.array([[[1.0, np.nan, 3.0, 2.0, -np.inf, -np.inf]]])
    y, idx = K.max_pool1d_with_indices(P(x), 2)
    np.testing.assert_array_equal(N(y), [[[np.nan, 3.0, -np.inf]]])
    np.testing.assert_array_equal(N(idx), [[[1, 2, 4]]])


def test_max_pool_window_wholly_in_the_padding():
    """Dilation can put every tap of a window in the padding: torch's value (the type's
    lowest), index -1, and no gradient to anywhere (it once wrote before the buffer)."""
    import pyt.nn.functional as F
    x = pyt.tensor([[[1.0, 2.0], [3.0, 4.0]]], requires_grad=True)
    y, idx = F.max_pool1d(x, 2, stride=1, padding=1, dilation=3, return_indices=True)
    assert y.tolist() == [[[-np.inf], [-np.inf]]] and idx.tolist() == [[[-1], [-1]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[0.0, 0.0], [0.0, 0.0]]]
    # double backward gathers from the same indices
    x2 = pyt.tensor([[[1.0, 5.0]]], dtype=pyt.float64, requires_grad=True)
    g, = pyt.autograd.grad(F.max_pool1d(x2, 2, 1, 1, 3).sum(), x2, create_graph=True)
    assert g.tolist() == [[[0.0, 0.0]]]
    gg = pyt.ones_like(g, requires_grad=True)
    assert pyt.autograd.grad((g * gg).sum(), gg)[0].tolist() == [[[0.0, 0.0]]]
    for dt, lowest in ((pyt.int64, -2 ** 63), (pyt.int32, -2 ** 31), (pyt.int16, -2 ** 15),
                       (pyt.int8, -128), (pyt.uint8, 0), (pyt.float16, -np.inf)):
        xi = pyt.tensor([[[[1, 2], [3, 4]]]]).to(dt)
        assert F.max_pool2d(xi, 2, stride=1, padding=1, dilation=3).item() == lowest


def test_max_unpool():
    x = rand((2, 3, 6, 6), 1)
    y, idx = K.max_pool2d_with_indices(P(x), 2)
    u = K.max_unpool2d(y, idx, 2)
    expected = np.zeros((6, 36))
    np.put_along_axis(expected, N(idx).reshape(6, -1), N(y).reshape(6, -1), 1)
    np.testing.assert_array_equal(N(u), expected.reshape(2, 3, 6, 6))
    assert list(K.max_unpool2d(y, idx, 2, output_size=(7, 7)).shape) == [2, 3, 7, 7]
    g = rand((2, 3, 6, 6), 2)
    np.testing.assert_array_equal(N(K.max_unpool_backward(P(g), idx, 2)),
                                  np.take_along_axis(g.reshape(6, -1), N(idx).reshape(6, -1), 1).reshape(2, 3, 3, 3))
    bad = P(np.array([[[[0, 1], [4, 17]]]]))
    with pytest.raises(RuntimeError, match="Found an invalid max index: 17"):
        K.max_unpool2d(P(rand((1, 1, 2, 2))), bad, 2)


def test_pool_zero_batch_noncontiguous_and_threads():
    assert list(pyt.max_pool2d(P(np.zeros((0, 3, 5, 5))), 2).shape) == [0, 3, 2, 2]
    assert list(K.avg_pool2d(P(np.zeros((0, 3, 5, 5))), 2).shape) == [0, 3, 2, 2]
    x = rand((2, 3, 8, 7), 1)
    ey, _ = ref_pool(x, (3, 3), (2, 2), (1, 1), (1, 1), False, "max")
    np.testing.assert_array_equal(N(pyt.max_pool2d(noncontiguous(x), 3, 2, 1)), ey)
    big = P(rand((64, 32, 32, 32), 2, np.float32))
    old = pyt.get_num_threads()
    try:
        outs = []
        for nt in (1, 2):
            pyt.set_num_threads(nt)
            outs.append([N(K.max_pool2d(big, 3, 2, 1)), N(K.avg_pool2d(big, 3, 2, 1)),
                         N(K.adaptive_avg_pool2d(big, 5))])
    finally:
        pyt.set_num_threads(old)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


POOL_ERRORS = [
    (lambda: pyt.max_pool2d(P(rand((1, 3, 2, 2))), 3), RuntimeError,
     "Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small"),
    (lambda: pyt.max_pool2d(P(rand((1, 3, 5, 5))), 3, padding=2), RuntimeError,
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
    (lambda: pyt.max_pool2d(P(rand((1, 3, 5, 5))), 3, stride=0), RuntimeError, "stride should not be zero"),
    (lambda: pyt.max_pool2d(P(rand((3, 5))), 2), RuntimeError, "3D or 4D (batch mode) tensor"),
    (lambda: pyt.max_pool2d(P(rand((1, 0, 5, 5))), 2), RuntimeError, "3D or 4D (batch mode) tensor"),
    (lambda: pyt.max_pool2d(P(rand((1, 3, 5, 5))), 2, dilation=0), RuntimeError, "dilation should be greater than zero"),
    (lambda: pyt.max_pool2d(P(rand((1, 3, 5, 5))), 2, padding=-1), RuntimeError, "pad must be non-negative"),
    (lambda: pyt.max_pool2d(P(np.ones((1, 1, 4, 4), bool)), 2), NotImplementedError, "not implemented for 'Bool'"),
    (lambda: pyt.max_pool2d(P(rand((1, 3, 5, 5))), (2, 2, 2)), RuntimeError,
     "kernel_size must either be a single int, or a tuple of two ints"),
    (lambda: K.adaptive_avg_pool2d(P(rand((1, 3, 0, 5))), 2), RuntimeError,
     "Expected input to have non-zero size for non-batch dimensions"),
    (lambda: K.adaptive_max_pool2d(P(np.ones((1, 3, 5, 5), np.int64)), 2), NotImplementedError,
     "not implemented for 'Long'"),
    (lambda: K.max_pool_backward(P(rand((1, 1, 2, 2))), P(rand((1, 1, 4, 4))),
                                 P(np.array([[[[0, 1], [99, 3]]]])), 2),
     RuntimeError, "invalid max index: 99"),
]


def test_adaptive_pool_empty_channels_as_torch():
    """torch's adaptive average pooling in 1-d and 2-d takes empty channels; 3-d and max
    refuse them."""
    import pyt.nn.functional as F
    assert list(F.adaptive_avg_pool2d(pyt.zeros(1, 0, 4, 4), 2).shape) == [1, 0, 2, 2]
    assert list(F.adaptive_avg_pool2d(pyt.zeros(0, 4, 4), 2).shape) == [0, 2, 2]
    assert list(F.adaptive_avg_pool1d(pyt.zeros(3, 0, 4), 2).shape) == [3, 0, 2]
    x = pyt.zeros(2, 0, 4, 4, requires_grad=True)
    F.adaptive_avg_pool2d(x, 3).sum().backward()
    assert list(x.grad.shape) == [2, 0, 4, 4]
    for fn, shape in ((F.adaptive_avg_pool3d, (1, 0, 4, 4, 4)), (F.adaptive_max_pool2d, (1, 0, 4, 4)),
                      (F.adaptive_avg_pool2d, (3, 0, 4))):
        with pytest.raises(RuntimeError, match="non-zero size for non-batch dimensions"):
            fn(pyt.zeros(shape), 2)


@pytest.mark.parametrize("i", range(len(POOL_ERRORS)))
def test_pool_errors(i):
    fn, exc, msg = POOL_ERRORS[i]
    with pytest.raises(exc) as info:
        fn()
    assert msg in str(info.value)


# ----- softmax ------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,dim", [((5, 7), 1), ((5, 7), 0), ((3, 4, 300), 1),
                                       ((3, 600, 2), -2), ((4,), 0), ((), 0), ((2, 0, 3), 1),
                                       ((300, 257), 0)])
@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
@pytest.mark.parametrize("log", [False, True])
def test_softmax_numpy(shape, dim, dt, log):
    x = rand(shape, 1, dt.numpy_dtype, 5)
    fn = pyt.log_softmax if log else pyt.softmax
    y = fn(P(x), dim)
    assert y.dtype is dt and list(y.shape) == list(shape)
    ax = dim % max(len(shape), 1) if len(shape) else None
    expected = ref_softmax(x.astype(np.float64), ax, log) if len(shape) else (0.0 if log else 1.0)
    close(y, expected, dt, scale=1.0)
    g = rand(shape, 2, dt.numpy_dtype)
    gi = (K.log_softmax_backward if log else K.softmax_backward)(P(g), y, dim)
    yy = N(y).astype(np.float64)
    if len(shape):
        eg = g - np.exp(yy) * g.sum(ax, keepdims=True) if log else yy * (g - (g * yy).sum(ax, keepdims=True))
    else:
        eg = g - np.exp(yy) * g if log else yy * (g - g * yy)
    close(gi, eg, dt, scale=1.0)


def test_softmax_stability_and_special_values():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1e4, 0.0, -np.inf], [np.nan, 1.0, 2.0],
                  [-np.inf, -np.inf, -np.inf]], dtype=np.float32)
    y = N(pyt.softmax(P(x), 1))
    close(y[0], ref_softmax(x[:1].astype(np.float64), 1)[0], pyt.float32, 1.0)
    assert y[1, 2] == 0.0 and y[1, 0] == 0.0 and y[1, 1] == 1.0   # masked entries exactly 0
    assert np.isnan(y[2]).all() and np.isnan(y[3]).all()
    ly = N(pyt.log_softmax(P(x), 1))
    assert np.isfinite(ly[0]).all() and ly[1, 2] == -np.inf


@pytest.mark.parametrize("dt", [pyt.float16, pyt.bfloat16])
def test_softmax_half_types(dt):
    x = rand((6, 9), 1, np.float32, 3)
    xh = P(x).to(dt)
    y = pyt.softmax(xh, 1)
    assert y.dtype is dt
    expected = ref_softmax(N(xh).astype(np.float64), 1)
    np.testing.assert_allclose(N(y), expected, rtol=1e-2, atol=1e-3)
    y32 = xh.softmax(1, dtype=pyt.float32)
    assert y32.dtype is pyt.float32
    close(y32, expected, pyt.float32, 1.0)


def test_softmax_dtype_noncontiguous_threads_and_errors():
    xi = P(np.arange(12).reshape(3, 4))
    close(pyt.softmax(xi, 1, dtype=pyt.float64), ref_softmax(np.arange(12.).reshape(3, 4), 1))
    x = rand((40, 50), 1)
    close(pyt.log_softmax(noncontiguous(x), 0), ref_softmax(x, 0, True))
    close(P(x).t().softmax(1), ref_softmax(x.T, 1))
    big = P(rand((512, 1000), 2, np.float32, 4))
    old = pyt.get_num_threads()
    try:
        outs = []
        for nt in (1, 2):
            pyt.set_num_threads(nt)
            outs.append([N(pyt.softmax(big, 1)), N(pyt.softmax(big, 0)), N(pyt.log_softmax(big, 1))])
    finally:
        pyt.set_num_threads(old)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        pyt.softmax(xi, 1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        pyt.softmax(P(x), 2)
    with pytest.raises(TypeError):
        pyt.softmax(P(x))


# ----- normalisation ------------------------------------------------------------------------

def ref_norm(x, axes, w=None, b=None, eps=1e-5):
    m = x.mean(axis=axes, keepdims=True)
    v = x.var(axis=axes, keepdims=True)
    y = (x - m) / np.sqrt(v + eps)
    return y * (w if w is not None else 1) + (b if b is not None else 0), m, 1 / np.sqrt(v + eps)


def ref_norm_grad(g, x, axes, w, eps=1e-5):
    """Gradient of (x - mean) * rstd * w over the normalised axes, by the formula's parts."""
    n = np.prod([x.shape[a] for a in axes])
    m = x.mean(axis=axes, keepdims=True)
    rs = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xh = (x - m) * rs
    gh = g * (w if w is not None else 1)
    return rs * (gh - gh.mean(axis=axes, keepdims=True) - xh * (gh * xh).sum(axis=axes, keepdims=True) / n)


@pytest.mark.parametrize("shape,ns", [((4, 5), [5]), ((2, 3, 4), [3, 4]), ((2, 3, 4), [4]),
                                      ((0, 4), [4])])
@pytest.mark.parametrize("dt", FLOATS, ids=lambda d: d.name)
def test_layer_norm_numpy(shape, ns, dt):
    x = rand(shape, 1, dt.numpy_dtype, 3) + 1
    w, b = rand(ns, 2, dt.numpy_dtype), rand(ns, 3, dt.numpy_dtype)
    axes = tuple(range(len(shape) - len(ns), len(shape)))
    y, m, r = K.native_layer_norm(P(x), ns, P(w), P(b), 1e-5)
    ey, em, er = ref_norm(x.astype(np.float64), axes, w, b)
    close(y, ey, dt)
    close(m, em, dt)
    close(r, er, dt)
    assert list(m.shape) == list(shape[:len(shape) - len(ns)]) + [1] * len(ns)
    close(pyt.layer_norm(P(x), ns), ref_norm(x.astype(np.float64), axes)[0], dt)
    g = rand(shape, 4, dt.numpy_dtype)
    gx, gw, gb = K.native_layer_norm_backward(P(g), P(x), ns, m, r, P(w), P(b))
    xx = x.astype(np.float64)
    close(gx, ref_norm_grad(g, xx, axes, w), dt)
    lead = tuple(range(len(shape) - len(ns)))
    close(gw, (g * (xx - em) * er).sum(axis=lead), dt)
    close(gb, g.sum(axis=lead), dt)


@pytest.mark.parametrize("shape,G", [((2, 6, 5), 3), ((3, 4, 2, 3), 2), ((2, 4), 4), ((0, 4, 3), 2)])
def test_group_norm_numpy(shape, G):
    x = rand(shape, 1, np.float64, 3) + 1
    C = shape[1]
    w, b = rand((C,), 2), rand((C,), 3)
    HxW = int(np.prod(shape[2:]))
    y, m, r = K.native_group_norm(P(x), P(w), P(b), shape[0], C, HxW, G, 1e-5)
    xg = x.reshape(shape[0], G, C // G * HxW)
    yg, mg, rg = ref_norm(xg, (2,))
    bshape = (1, C) + (1,) * (len(shape) - 2)
    close(y, yg.reshape(shape) * w.reshape(bshape) + b.reshape(bshape))
    close(m, mg.reshape(shape[0], G))
    close(r, rg.reshape(shape[0], G))
    close(pyt.group_norm(P(x), G, P(w), P(b)), N(y))
    g = rand(shape, 4)
    gx, gw, gb = K.native_group_norm_backward(P(g), P(x), m, r, P(w), shape[0], C, HxW, G)
    wfull = np.broadcast_to(w.reshape(bshape), shape).reshape(xg.shape)
    close(gx, ref_norm_grad(g.reshape(xg.shape), xg, (2,), wfull).reshape(shape))
    red = (0,) + tuple(range(2, len(shape)))
    close(gw, (g * yg.reshape(shape)).sum(axis=red))
    close(gb, g.sum(axis=red))


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (3, 2, 4, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_numpy(shape, training):
    x = rand(shape, 1, np.float64, 3) + 1
    C = shape[1]
    w, b = rand((C,), 2), rand((C,), 3)
    rm, rv = rand((C,), 4), np.random.default_rng(5).random(C) + 0.5
    prm, prv = P(rm), P(rv)
    y, sm, si = K.native_batch_norm(P(x), P(w), P(b), prm, prv, training, 0.1, 1e-5)
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = (1, C) + (1,) * (len(shape) - 2)
    if training:
        ey, em, er = ref_norm(x, axes, w.reshape(bshape), b.reshape(bshape))
        close(sm, em.reshape(C))
        close(si, er.reshape(C))
        n = x.size // C
        close(prm, 0.9 * rm + 0.1 * em.reshape(C))              # updated in place
        close(prv, 0.9 * rv + 0.1 * x.var(axis=axes) * n / (n - 1))
    else:
        ey = (x - rm.reshape(bshape)) / np.sqrt(rv.reshape(bshape) + 1e-5) * w.reshape(bshape) + b.reshape(bshape)
        assert list(sm.shape) == [0]
        np.testing.assert_array_equal(N(prm), rm)
    close(y, ey)
    g = rand(shape, 6)
    gx, gw, gb = K.native_batch_norm_backward(P(g), P(x), P(w), prm, prv, sm, si, training, 1e-5)
    if training:
        close(gx, ref_norm_grad(g, x, axes, w.reshape(bshape)))
        xh = (x - em) * er
    else:
        rs = 1 / np.sqrt(N(prv).reshape(bshape) + 1e-5)
        close(gx, g * rs * w.reshape(bshape))
        xh = (x - rm.reshape(bshape)) * rs
    close(gw, (g * xh).sum(axis=axes))
    close(gb, g.sum(axis=axes))


def test_norm_half_types_noncontiguous_and_top_level_signatures():
    x = rand((4, 6, 5), 1, np.float32)
    for dt in (pyt.float16, pyt.bfloat16):
        y = pyt.layer_norm(P(x).to(dt), [5])
        assert y.dtype is dt
        np.testing.assert_allclose(N(y), ref_norm(N(P(x).to(dt)).astype(np.float64), (2,))[0], atol=2e-2)
    close(pyt.layer_norm(noncontiguous(x.astype(np.float64)), [5]), ref_norm(x.astype(np.float64), (2,))[0])
    rm, rv = P(np.zeros(6)), P(np.ones(6))
    # torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn)
    y = pyt.batch_norm(P(x.astype(np.float64)), None, None, rm, rv, True, 0.5, 1e-5, False)
    close(y, ref_norm(x.astype(np.float64), (0, 2))[0])
    close(rm, 0.5 * x.astype(np.float64).mean(axis=(0, 2)))
    y = K.batch_norm(P(x.astype(np.float64)), rm, rv, training=False)
    close(y, (x - N(rm)[None, :, None]) / np.sqrt(N(rv)[None, :, None] + 1e-5))


NORM_ERRORS = [
    (lambda: K.layer_norm(P(rand((2, 3, 4))), [3]), RuntimeError,
     "Given normalized_shape=[3], expected input with shape [*, 3], but got input of size[2, 3, 4]"),
    (lambda: K.layer_norm(P(rand((2, 3, 4))), [4], P(rand(3))), RuntimeError,
     "Expected weight to be of same shape as normalized_shape, but got weight of shape [3] and normalized_shape = [4]"),
    (lambda: K.layer_norm(P(np.ones((2, 4), np.int64)), [4]), NotImplementedError, "not implemented for 'Long'"),
    (lambda: K.group_norm(P(rand((2, 3, 4))), 2), RuntimeError,
     "Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 3, 4] and num_groups=2"),
    (lambda: K.group_norm(P(rand((2, 4, 4))), 2, P(rand(3))), RuntimeError,
     "Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [3] and input of shape [2, 4, 4]"),
    (lambda: K.group_norm(P(rand((4,))), 2), RuntimeError, "Expected at least 2 dimensions for input tensor but received 1"),
    (lambda: K.batch_norm(P(rand((1, 3))), P(np.zeros(3)), P(np.ones(3)), training=True), ValueError,
     "Expected more than 1 value per channel when training, got input size"),
    (lambda: K.batch_norm(P(rand((2, 3))), P(np.zeros(4)), P(np.ones(4)), training=True), RuntimeError,
     "running_mean should contain 3 elements not 4"),
    (lambda: K.batch_norm(P(rand((2, 3))), None, None, training=False), RuntimeError,
     "running_mean must be defined in evaluation mode"),
    (lambda: K.batch_norm(P(np.ones((2, 3), np.int64)), None, None, training=True), NotImplementedError,
     "not implemented for 'Long'"),
]


@pytest.mark.parametrize("i", range(len(NORM_ERRORS)))
def test_norm_errors(i):
    fn, exc, msg = NORM_ERRORS[i]
    with pytest.raises(exc) as info:
        fn()
    assert msg in str(info.value)


# ----- embedding ----------------------------------------------------------------------------

@pytest.mark.parametrize("idx_dtype", [np.int64, np.int32])
def test_embedding_numpy(idx_dtype):
    w = rand((10, 4), 1)
    idx = np.random.default_rng(2).integers(0, 10, (3, 5)).astype(idx_dtype)
    y = K.embedding(P(idx), P(w), padding_idx=2)
    np.testing.assert_array_equal(N(y), w[idx])
    np.testing.assert_array_equal(N(pyt.embedding(P(w), P(idx))), w[idx])   # torch.embedding order
    g = rand((3, 5, 4), 3)
    gw = K.embedding_backward(P(g), P(idx), 10, padding_idx=2)
    expected = np.zeros_like(w)
    np.add.at(expected, idx.reshape(-1), g.reshape(-1, 4))
    expected[2] = 0
    close(gw, expected)
    counts = np.bincount(idx.reshape(-1), minlength=10)
    gws = K.embedding_backward(P(g), P(idx), 10, scale_grad_by_freq=True)
    expected = np.zeros_like(w)
    np.add.at(expected, idx.reshape(-1), g.reshape(-1, 4) / counts[idx.reshape(-1), None])
    close(gws, expected)
    # any weight dtype works for the lookup
    wi = np.arange(40).reshape(10, 4).astype(np.int16)
    np.testing.assert_array_equal(N(K.embedding(P(idx), P(wi))), wi[idx])
    np.testing.assert_array_equal(N(K.embedding(P(idx), P(w).t().contiguous().t())), w[idx])


def test_embedding_max_norm_and_errors():
    w = rand((6, 3), 1, scale=3)
    pw = P(w.copy())
    idx = np.array([0, 2, 2, 5])
    K.embedding(P(idx), pw, max_norm=1.0)
    expected = w.copy()
    for i in (0, 2, 5):
        n = np.linalg.norm(w[i])
        if n > 1:
            expected[i] = w[i] / (n + 1e-7)
    close(pw, expected)
    with pytest.raises(IndexError, match="index out of range in self"):
        K.embedding(P(np.array([6])), P(w))
    with pytest.raises(IndexError, match="index out of range in self"):
        K.embedding(P(np.array([-1])), P(w))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        K.embedding(P(np.array([1.0])), P(w))
    with pytest.raises(RuntimeError, match="'weight' must be 2-D"):
        K.embedding(P(np.array([1])), P(np.ones(5)))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        K.embedding(P(np.array([1])), P(w), padding_idx=6)
    with pytest.raises(IndexError):
        K.embedding_backward(P(rand((1, 3))), P(np.array([9])), 6)


# ----- dropout ------------------------------------------------------------------------------

def _has_rng():
    try:
        pyt.empty(2).uniform_(0.0, 1.0)
        return True
    except (NotImplementedError, TypeError):
        return False


def test_dropout_without_randomness():
    x = P(rand((3, 4), 1))
    assert K.dropout(x, 0.5, training=False) is x
    assert K.dropout(x, 0.0) is x
    assert pyt.dropout(x, 0.3, False) is x
    y, mask = K.native_dropout(x, 0.5, False)
    assert y is x and N(mask).all()
    g = P(rand((3, 4), 2))
    m = P(np.array([[True, False, True, True]] * 3))
    np.testing.assert_array_equal(N(K.dropout_backward(g, m, 2.0)), N(g) * N(m) * 2.0)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        K.dropout(x, 1.5)
    with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1"):
        pyt.dropout(x, -0.1, True)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        K.native_dropout(P(np.ones(3, np.int64)), 0.5, True)


def test_dropout_mask_from_uniform_values():
    """The documented interface to the generator: keep where u >= p, scale by 1 / (1 - p)."""
    x = rand((40, 50), 1)
    u = np.random.default_rng(2).random((40, 50)).astype(np.float32)
    for dt in (pyt.float32, pyt.float64, pyt.float16):
        y, mask = K._dropout_with(P(x, dt), 0.3, P(u))
        keep = u >= np.float32(0.3)
        np.testing.assert_array_equal(N(mask), keep)
        assert y.dtype is dt and mask.dtype is pyt.bool
        np.testing.assert_allclose(N(y), np.where(keep, N(P(x, dt)) / 0.7, 0), rtol=1e-3 if dt is pyt.float16 else 1e-6)
    y, mask = K._dropout_with(P(x), 1.0, P(u))
    assert (N(y) == 0).all() and not N(mask).any()


@pytest.mark.skipif(not _has_rng(), reason="pyt's random generator (Tensor.uniform_) is not in this build")
def test_dropout_masks_from_the_generator():
    x = P(np.ones((200, 500)))
    y, mask = K.native_dropout(x, 0.3, True)
    yn, mn = N(y), N(mask)
    assert abs(mn.mean() - 0.7) < 0.01
    np.testing.assert_allclose(yn[mn], 1 / 0.7)
    assert (yn[~mn] == 0).all()
    assert (N(K.dropout(x, 1.0)) == 0).all()
    z = P(np.ones((10, 10)))
    assert K.dropout(z, 0.5, inplace=True) is z


# ----- pad ----------------------------------------------------------------------------------

PAD_CASES = [((2, 3, 5), (2, 1)), ((2, 3, 5, 4), (1, 2, 3, 0)), ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)),
             ((2, 3, 5), (-1, 2)), ((3, 5), (2, -2)), ((2, 3, 5), (0, 0))]
NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def np_pad(x, pads, mode, value=0):
    """F.pad by numpy.pad: positive pads pad, negative pads crop (circular crops first)."""
    k = len(pads) // 2
    widths = [(0, 0)] * (x.ndim - k) + [(pads[2 * i], pads[2 * i + 1]) for i in range(k)][::-1]
    if mode == "circular":
        crop = tuple(slice(max(-a, 0), x.shape[d] - max(-b, 0)) for d, (a, b) in enumerate(widths))
        x = x[crop]
    y = np.pad(x, [(max(a, 0), max(b, 0)) for a, b in widths], NP_MODES[mode],
               **({"constant_values": value} if mode == "constant" else {}))
    if mode != "circular":
        crop = tuple(slice(max(-a, 0), y.shape[d] - max(-b, 0)) for d, (a, b) in enumerate(widths))
        y = y[crop]
    return y


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("case", PAD_CASES)
def test_pad_numpy(mode, case):
    shape, pads = case
    x = rand(shape, 1)
    y = K.pad(P(x), pads, mode)
    np.testing.assert_array_equal(N(y), np_pad(x, pads, mode))
    g = rand(tuple(y.shape), 2)
    gi = K.pad_backward(P(g), shape, pads, mode)
    z = rand(shape, 3)
    np.testing.assert_allclose(np.vdot(np_pad(z, pads, mode), g), np.vdot(z, N(gi)), rtol=1e-10)


@pytest.mark.parametrize("dt", [pyt.bool, pyt.uint8, pyt.int16, pyt.int64, pyt.float16, pyt.bfloat16, pyt.float32])
def test_pad_dtypes_and_layouts(dt):
    x = np.arange(24).reshape(2, 3, 4) % 5
    t = P(x, dt)
    for mode in ("reflect", "replicate", "circular"):
        y = K.pad(t.transpose(1, 2), (1, 2), mode)
        assert y.dtype is dt
        np.testing.assert_array_equal(N(y), np_pad(N(t.transpose(1, 2)), (1, 2), mode))
    y = pyt.constant_pad_nd(t, (1, 1, 0, 2), 3)
    np.testing.assert_array_equal(N(y), np_pad(N(t), (1, 1, 0, 2), "constant", 3 if dt is not pyt.bool else True))
    assert y.dtype is dt


def test_pad_constant_value_and_errors():
    x = np.arange(6).reshape(1, 2, 3)
    np.testing.assert_array_equal(N(K.pad(P(x), (1, 1), value=2.5)), np_pad(x, (1, 1), "constant", 2))
    np.testing.assert_array_equal(N(K.pad(P(x.astype(float)), (1, 1, 1, 0, 1, 0), value=-1.5)),
                                  np_pad(x.astype(float), (1, 1, 1, 0, 1, 0), "constant", -1.5))
    errors = [
        (lambda: K.pad(P(x), (3, 3), "reflect"), RuntimeError, "Padding size should be less than the corresponding input dimension"),
        (lambda: K.pad(P(x), (4, 4), "circular"), RuntimeError, "Padding value causes wrapping around more than once."),
        (lambda: K.pad(P(rand((1, 2, 3, 4))), (1, 1), "reflect"), NotImplementedError, "Padding size 2 is not supported for 4D input tensor."),
        (lambda: K.pad(P(x), (1, 1), "foo"), NotImplementedError, "Unrecognised padding mode foo"),
        (lambda: K.pad(P(x), (1,)), RuntimeError, "Padding length must be divisible by 2"),
        (lambda: K.pad(P(x), (1,) * 8), RuntimeError, "Padding length should be less than or equal to two times the input dimension"),
        (lambda: K.pad(P(x), (-2, -2)), RuntimeError, "resulted in a negative output size"),
        (lambda: K.pad(P(x), (1, 1), "reflect", 2.5), RuntimeError, 'Padding mode "reflect" doesn\'t take in value argument'),
        (lambda: K.pad(P(np.zeros((1, 0, 3))), (1, 1), "reflect"), RuntimeError, "non-zero dimensions"),
        (lambda: pyt.constant_pad_nd(P(x), (1, 2, 3)), RuntimeError, "Length of pad must be even but instead it equals 3"),
    ]
    for fn, exc, msg in errors:
        with pytest.raises(exc) as info:
            fn()
        assert msg in str(info.value)
    assert list(K.pad(P(np.zeros((0, 2, 3))), (1, 1), "reflect").shape) == [0, 2, 5]
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        K.pad(P(x), (-5, 3), "reflect")


def test_batch_norm_empty_input():
    rm, rv = P(np.zeros(3)), P(np.ones(3))
    y = K.batch_norm(P(np.zeros((0, 3))), rm, rv, training=True)
    assert list(y.shape) == [0, 3]
    np.testing.assert_array_equal(N(rm), 0)
    with pytest.raises(RuntimeError, match="input tensor must have at least one element"):
        K.native_batch_norm(P(np.zeros((0, 3))), None, None, rm, rv, True, 0.1, 1e-5)


# ----- interpolate --------------------------------------------------------------------------

def test_interpolate_nearest_and_linear_numpy():
    x = rand((1, 2, 5), 1)
    y = K.interpolate(P(x), scale_factor=2)
    np.testing.assert_array_equal(N(y), np.repeat(x, 2, axis=2))
    y = K.interpolate(P(x), size=3)
    np.testing.assert_array_equal(N(y), x[:, :, np.minimum(np.floor(np.arange(3) * np.float32(5 / 3)).astype(int), 4)])
    y = K.interpolate(P(x), size=9, mode="linear", align_corners=True)
    src = np.arange(9) * 4 / 8
    close(y, np.stack([np.stack([np.interp(src, np.arange(5), x[0, c])]) for c in range(2)], 1))
    y = K.interpolate(P(x), size=8, mode="linear")
    src = np.clip((np.arange(8) + 0.5) * 5 / 8 - 0.5, 0, None)
    close(y, np.stack([np.stack([np.interp(src, np.arange(5), x[0, c])]) for c in range(2)], 1))
    x2 = rand((1, 1, 4, 5), 2)
    y = K.interpolate(P(x2), size=(7, 9), mode="bilinear", align_corners=True)
    r, c = np.arange(7) * 3 / 6, np.arange(9) * 4 / 8
    rows = np.stack([np.interp(c, np.arange(5), x2[0, 0, i]) for i in range(4)])
    expected = np.stack([np.interp(r, np.arange(4), rows[:, j]) for j in range(9)], 1)
    close(y[0, 0], expected)
    y = K.interpolate(P(x2), scale_factor=0.5, mode="area")
    close(y, N(K.adaptive_avg_pool2d(P(x2), (2, 2))))


@pytest.mark.parametrize("mode,shape", [("nearest", (1, 2, 5, 3)), ("nearest-exact", (2, 2, 5, 7)),
                                        ("linear", (2, 3, 5)), ("bilinear", (2, 3, 5, 6)),
                                        ("bicubic", (2, 3, 5, 6)), ("trilinear", (1, 2, 3, 4, 5))])
def test_interpolate_gradient_is_the_adjoint(mode, shape):
    kw = dict(size=tuple([4, 9, 3][:len(shape) - 2]))
    ac = None if mode.startswith("nearest") else False
    x = rand(shape, 1)
    y = K.interpolate(P(x), mode=mode, align_corners=ac, **kw)
    g = rand(tuple(y.shape), 2)
    gi = K.interpolate_backward(P(g), shape, mode=mode, align_corners=ac, **kw)
    np.testing.assert_allclose(np.vdot(N(y), g), np.vdot(x, N(gi)), rtol=1e-10)


def test_interpolate_half_and_errors():
    x = rand((1, 2, 3, 3), 1, np.float32)
    y = K.interpolate(P(x).half(), scale_factor=2, mode="bicubic")
    assert y.dtype is pyt.float16
    np.testing.assert_allclose(N(y), N(K.interpolate(P(x), scale_factor=2, mode="bicubic")), atol=1e-2)
    errors = [
        (lambda: K.interpolate(P(rand((1, 2, 3))), scale_factor=2, mode="bilinear"), NotImplementedError, "Got 3D input, but bilinear mode needs 4D input"),
        (lambda: K.interpolate(P(rand((1, 2, 3))), scale_factor=2, size=3), ValueError, "only one of size or scale_factor should be defined"),
        (lambda: K.interpolate(P(rand((1, 2, 3)))), ValueError, "either size or scale_factor should be defined"),
        (lambda: K.interpolate(P(rand((1, 2, 3))), size=4, align_corners=True), ValueError, "align_corners option can only be set with the interpolating modes"),
        (lambda: K.interpolate(P(rand((1, 2, 3))), size=4, mode="foo"), NotImplementedError, "Only 3D, 4D and 5D input Tensors supported"),
        (lambda: K.interpolate(P(rand((1, 2, 3))), size=0), RuntimeError, "Input and output sizes should be greater than 0, but got input (W: 3) and output (W: 0)"),
        (lambda: K.interpolate(P(rand((1, 2, 3))), size=(2, 2)), ValueError, "Input and output must have the same number of spatial dimensions"),
        (lambda: K.interpolate(P(rand((1, 2, 3))), size=4, recompute_scale_factor=True), ValueError, "recompute_scale_factor is not meaningful with an explicit size."),
        (lambda: K.interpolate(P(np.ones((1, 2, 3), np.int64)), scale_factor=2), NotImplementedError, "not implemented for 'Long'"),
        (lambda: K.interpolate(P(rand((2, 3))), scale_factor=2), NotImplementedError, "(got 2D)"),
    ]
    for fn, exc, msg in errors:
        with pytest.raises(exc) as info:
            fn()
        assert msg in str(info.value)


# ----- against torch ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def T(torch, a, grad=False):
    return torch.tensor(np.asarray(a), requires_grad=grad)


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("n,groups,stride,pad,dil", [(1, 1, 1, 0, 1), (3, 2, 2, 1, 1),
                                                     (2, 1, 1, "same", 2), (2, 2, 1, 2, 2),
                                                     (2, 1, (2, 1, 3), (0, 1, 2), (1, 2, 1))])
def test_conv_against_torch(torch, k, n, groups, stride, pad, dil):
    if not (isinstance(stride, int) and isinstance(pad, (int, str)) and isinstance(dil, int)):
        stride, pad, dil = stride[:k], pad[:k], dil[:k]
    F = torch.nn.functional
    x, w, b = rand((n, 4) + (7, 6, 8)[:k], 1), rand((6, 4 // groups) + (3, 2, 3)[:k], 2), rand(6, 3)
    tx, tw, tb = T(torch, x, True), T(torch, w, True), T(torch, b, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ty = getattr(F, f"conv{k}d")(tx, tw, tb, stride, pad, dil, groups)
    y = getattr(pyt, f"conv{k}d")(P(x), P(w), P(b), stride, pad, dil, groups)
    close(y, ty.detach().numpy())
    g = rand(tuple(ty.shape), 4)
    ty.backward(T(torch, g))
    for mine, theirs in zip(K.conv_backward(P(g), P(x), P(w), stride, pad, dil, groups),
                            (tx.grad, tw.grad, tb.grad)):
        close(mine, theirs.numpy())


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("n,groups,stride,pad,opad,dil", [(1, 1, 1, 0, 0, 1), (3, 2, 2, 1, 1, 1),
                                                          (2, 1, 3, 1, 2, 2), (2, 2, 1, 0, 1, 2)])
def test_conv_transpose_against_torch(torch, k, n, groups, stride, pad, opad, dil):
    F = torch.nn.functional
    x, w, b = rand((n, 4) + (5, 4, 3)[:k], 1), rand((4, 6 // groups) + (3, 2, 3)[:k], 2), rand(6, 3)
    tx, tw, tb = T(torch, x, True), T(torch, w, True), T(torch, b, True)
    ty = getattr(F, f"conv_transpose{k}d")(tx, tw, tb, stride, pad, opad, groups, dil)
    y = getattr(pyt, f"conv_transpose{k}d")(P(x), P(w), P(b), stride, pad, opad, groups, dil)
    close(y, ty.detach().numpy())
    g = rand(tuple(ty.shape), 4)
    ty.backward(T(torch, g))
    for mine, theirs in zip(K.conv_transpose_backward(P(g), P(x), P(w), stride, pad, opad, groups, dil),
                            (tx.grad, tw.grad, tb.grad)):
        close(mine, theirs.numpy())


def test_conv_float32_and_errors_against_torch(torch):
    F = torch.nn.functional
    x, w = rand((4, 16, 12, 12), 1, np.float32), rand((8, 16, 3, 3), 2, np.float32)
    close(pyt.conv2d(P(x), P(w), padding=1, stride=2), F.conv2d(T(torch, x), T(torch, w), padding=1, stride=2).numpy(), pyt.float32)
    for fn in (lambda m: m.conv2d(m.zeros(2, 3, 5, 5), m.zeros(8, 4, 3, 3)),
               lambda m: m.conv2d(m.zeros(2, 4, 2, 2), m.zeros(8, 4, 3, 3)),
               lambda m: m.conv2d(m.zeros(2, 3), m.zeros(8, 4, 3, 3)),
               lambda m: m.conv1d(m.zeros(2, 4, 5), m.zeros(8, 4, 3), stride=(1, 1)),
               lambda m: m.conv_transpose2d(m.zeros(2, 3, 5, 5), m.zeros(4, 8, 3, 3))):
        with pytest.raises(RuntimeError) as mine:
            fn(pyt)
        with pytest.raises(RuntimeError) as theirs:
            fn(torch)
        assert str(mine.value) == str(theirs.value).split("\n")[0]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("ks,st,pd,dl,cm", [(2, None, 0, 1, False), (3, 2, 1, 1, True),
                                            (3, 1, 1, 2, False), (2, 3, 1, 1, True)])
def test_pooling_against_torch(torch, nd, ks, st, pd, dl, cm):
    F = torch.nn.functional
    x = rand((2, 3) + (9, 8, 7)[:nd], 1)
    tx = T(torch, x, True)
    ty, ti = getattr(F, f"max_pool{nd}d")(tx, ks, st, pd, dl, cm, return_indices=True)
    y, i = getattr(K, f"max_pool{nd}d")(P(x), ks, st, pd, dl, cm, return_indices=True)
    np.testing.assert_array_equal(N(y), ty.detach().numpy())
    np.testing.assert_array_equal(N(i), ti.numpy())
    g = rand(tuple(ty.shape), 2)
    ty.backward(T(torch, g))
    close(K.max_pool_backward(P(g), P(x), i, nd), tx.grad.numpy())
    if dl == 1:
        for cip in (True, False):
            tx.grad = None
            ty = getattr(F, f"avg_pool{nd}d")(tx, ks, st, pd, cm, cip)
            close(getattr(K, f"avg_pool{nd}d")(P(x), ks, st, pd, cm, cip), ty.detach().numpy())
            ty.backward(T(torch, g[tuple(slice(0, s) for s in ty.shape)]))
            close(getattr(K, f"avg_pool{nd}d_backward")(P(g[tuple(slice(0, s) for s in ty.shape)]), P(x), ks, st, pd, cm, cip),
                  tx.grad.numpy())
    for out in (1, 3, 5):
        tx.grad = None
        ty = getattr(F, f"adaptive_avg_pool{nd}d")(tx, out)
        close(getattr(K, f"adaptive_avg_pool{nd}d")(P(x), out), ty.detach().numpy())
        gg = rand(tuple(ty.shape), 3)
        ty.backward(T(torch, gg))
        close(K.adaptive_avg_pool_backward(P(gg), P(x), nd), tx.grad.numpy())
        ty, ti = getattr(F, f"adaptive_max_pool{nd}d")(tx, out, True)
        y, i = getattr(K, f"adaptive_max_pool{nd}d")(P(x), out, True)
        np.testing.assert_array_equal(N(y), ty.detach().numpy())
        np.testing.assert_array_equal(N(i), ti.numpy())


def test_softmax_against_torch(torch):
    for shape, dim in [((7, 300), 1), ((7, 300), 0), ((3, 5, 40), 1)]:
        x = rand(shape, 1, np.float32, 5)
        for log in (False, True):
            tx = T(torch, x, True)
            ty = (torch.log_softmax if log else torch.softmax)(tx, dim)
            y = (pyt.log_softmax if log else pyt.softmax)(P(x), dim)
            close(y, ty.detach().numpy(), pyt.float32, 1.0)
            g = rand(shape, 2, np.float32)
            ty.backward(T(torch, g))
            close((K.log_softmax_backward if log else K.softmax_backward)(P(g), y, dim), tx.grad.numpy(), pyt.float32, 1.0)


def test_norms_against_torch(torch):
    F = torch.nn.functional
    x = rand((4, 6, 5), 1, scale=3)
    w, b = rand(6, 2), rand(6, 3)
    for training in (True, False):
        rm, rv = rand(6, 4), np.random.default_rng(5).random(6) + 0.5
        tx, tw, tb = T(torch, x, True), T(torch, w, True), T(torch, b, True)
        trm, trv, prm, prv = T(torch, rm), T(torch, rv), P(rm), P(rv)
        ty = F.batch_norm(tx, trm, trv, tw, tb, training, 0.1, 1e-5)
        y, sm, si = K.native_batch_norm(P(x), P(w), P(b), prm, prv, training, 0.1, 1e-5)
        close(y, ty.detach().numpy())
        close(prm, trm.numpy())
        close(prv, trv.numpy())
        g = rand(x.shape, 6)
        ty.backward(T(torch, g))
        for mine, theirs in zip(K.native_batch_norm_backward(P(g), P(x), P(w), prm, prv, sm, si, training, 1e-5),
                                (tx.grad, tw.grad, tb.grad)):
            close(mine, theirs.numpy())
    tx, tw, tb = T(torch, x, True), T(torch, rand(5, 2), True), T(torch, rand(5, 3), True)
    ty = F.layer_norm(tx, [5], tw, tb)
    y, m, r = K.native_layer_norm(P(x), [5], P(tw.detach().numpy()), P(tb.detach().numpy()))
    close(y, ty.detach().numpy())
    ty.backward(T(torch, g))
    for mine, theirs in zip(K.native_layer_norm_backward(P(g), P(x), [5], m, r, P(tw.detach().numpy()), P(tb.detach().numpy())),
                            (tx.grad, tw.grad, tb.grad)):
        close(mine, theirs.numpy())
    tx, tw, tb = T(torch, x, True), T(torch, w, True), T(torch, b, True)
    ty = F.group_norm(tx, 3, tw, tb)
    y, m, r = K.native_group_norm(P(x), P(w), P(b), 4, 6, 5, 3, 1e-5)
    close(y, ty.detach().numpy())
    ty.backward(T(torch, g))
    for mine, theirs in zip(K.native_group_norm_backward(P(g), P(x), m, r, P(w), 4, 6, 5, 3),
                            (tx.grad, tw.grad, tb.grad)):
        close(mine, theirs.numpy())


def test_embedding_pad_interpolate_unfold_against_torch(torch):
    F = torch.nn.functional
    w, idx = rand((10, 4), 1), np.random.default_rng(2).integers(0, 10, (3, 5))
    tw = T(torch, w, True)
    ty = F.embedding(T(torch, idx), tw, padding_idx=-1, scale_grad_by_freq=True)
    np.testing.assert_array_equal(N(K.embedding(P(idx), P(w), padding_idx=-1)), ty.detach().numpy())
    g = rand((3, 5, 4), 2)
    ty.backward(T(torch, g))
    close(K.embedding_backward(P(g), P(idx), 10, padding_idx=-1, scale_grad_by_freq=True), tw.grad.numpy())
    for mode in ("constant", "reflect", "replicate", "circular"):
        for shape, pads in PAD_CASES:
            x = rand(shape, 1)
            tx = T(torch, x, True)
            ty = F.pad(tx, pads, mode)
            np.testing.assert_array_equal(N(K.pad(P(x), pads, mode)), ty.detach().numpy())
            g = rand(tuple(ty.shape), 2)
            ty.backward(T(torch, g))
            close(K.pad_backward(P(g), shape, pads, mode), tx.grad.numpy())
    for mode, shape in [("nearest", (1, 2, 5)), ("nearest", (1, 2, 5, 3)), ("nearest", (1, 2, 3, 4, 5)),
                        ("nearest-exact", (2, 2, 5, 7)), ("linear", (2, 3, 5)), ("bilinear", (2, 3, 5, 6)),
                        ("bicubic", (2, 3, 5, 6)), ("trilinear", (1, 2, 3, 4, 5)), ("area", (1, 2, 7, 6))]:
        for kw in [dict(scale_factor=2), dict(scale_factor=0.7), dict(size=tuple([4, 9, 3][:len(shape) - 2])),
                   dict(scale_factor=1.7, recompute_scale_factor=True), dict(scale_factor=3.3)]:
            for ac in ((None,) if mode in ("nearest", "nearest-exact", "area") else (False, True)):
                x = rand(shape, 1)
                tx = T(torch, x, True)
                ty = F.interpolate(tx, mode=mode, align_corners=ac, **kw)
                close(K.interpolate(P(x), mode=mode, align_corners=ac, **kw), ty.detach().numpy())
                g = rand(tuple(ty.shape), 2)
                ty.backward(T(torch, g))
                close(K.interpolate_backward(P(g), shape, mode=mode, align_corners=ac, **kw), tx.grad.numpy())
    x = rand((2, 3, 7, 6), 1)
    tx = T(torch, x, True)
    ty = F.unfold(tx, (2, 3), (2, 1), 1, (1, 2))
    close(K.unfold(P(x), (2, 3), (2, 1), 1, (1, 2)), ty.detach().numpy())
    close(K.fold(P(N(K.unfold(P(x), 3, 1, 1, 2))), (7, 6), 3, 1, 1, 2),
          F.fold(F.unfold(T(torch, x), 3, 1, 1, 2), (7, 6), 3, 1, 1, 2).numpy())


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_interpolate_antialias_against_torch(torch, mode, dt):
    F = torch.nn.functional
    x = rand((2, 3, 9, 11), 1, dt)
    cases = [dict(size=(4, 3)), dict(size=(2, 17)), dict(size=(9, 11)), dict(size=(1, 1)),
             dict(scale_factor=0.3), dict(scale_factor=(0.45, 2.5)),
             dict(scale_factor=0.7, recompute_scale_factor=True)]
    for kw in cases:
        for ac in ((False,) if mode == "lanczos" else (False, True)):
            tx = T(torch, x, True)
            ty = F.interpolate(tx, mode=mode, align_corners=ac, antialias=True, **kw)
            g = rand(tuple(ty.shape), 2, dt)
            ty.backward(T(torch, g))
            for xp in (P(x), noncontiguous(x)):
                xp.requires_grad_(True)
                y = K.interpolate(xp, mode=mode, align_corners=ac, antialias=True, **kw)
                assert y.grad_fn.name() == ty.grad_fn.name()
                close(y.detach(), ty.detach().numpy(), P(x).dtype)
                y.backward(P(g))
                close(xp.grad, tx.grad.numpy(), P(x).dtype)
            gi = K.interpolate_backward(P(g), list(x.shape), mode=mode, align_corners=ac,
                                        antialias=True, **kw)
            close(gi, tx.grad.numpy(), P(x).dtype)


def test_interpolate_nearest_steps_and_bytes_against_torch(torch):
    # torch's CPU forward takes the exact copy / halving shortcut for nearest (size kept
    # or doubled) only on 2-D inputs: a 1-D or 3-D one with scale_factor 2.34 from 3 to 6
    # reads the float scale's indices. pyt's gradient is the adjoint of its forward
    # (torch's backward takes the shortcut in every rank).
    F = torch.nn.functional
    for shape in [(1, 2, 3), (1, 2, 3, 3), (1, 1, 3, 4, 3)]:
        for sf in (2.34, 1.2, 0.8):
            x = rand(shape, 1)
            y = K.interpolate(P(x), scale_factor=sf)
            np.testing.assert_array_equal(N(y), F.interpolate(T(torch, x), scale_factor=sf).numpy())
            g = rand(tuple(y.shape), 2)
            gi = K.interpolate_backward(P(g), list(shape), scale_factor=sf)
            np.testing.assert_allclose(np.vdot(N(y), g), np.vdot(x, N(gi)), rtol=1e-12)
    # uint8 images resize with nearest, in every rank
    for shape in [(1, 2, 5), (2, 3, 5, 7), (1, 2, 3, 4, 5)]:
        xb = np.random.default_rng(3).integers(0, 256, shape).astype(np.uint8)
        for mode, kw in [("nearest", dict(scale_factor=1.7)), ("nearest-exact", dict(size=4)),
                         ("nearest", dict(scale_factor=0.6))]:
            y = K.interpolate(P(xb), mode=mode, **kw)
            assert y.dtype is pyt.uint8
            np.testing.assert_array_equal(N(y), F.interpolate(T(torch, xb), mode=mode, **kw).numpy())


def test_interpolate_area_empty_output_and_checks(torch):
    F = torch.nn.functional
    # area is adaptive average pooling: an empty output is no error (torch's forward)
    x = rand((1, 2, 3, 5, 4), 1)
    y = K.interpolate(P(x), scale_factor=0.3, mode="area")
    assert tuple(y.shape) == tuple(F.interpolate(T(torch, x), scale_factor=0.3, mode="area").shape)
    errors = [
        (lambda: K.interpolate(P(rand((1, 2, 5, 6))), size=3, mode="lanczos"), ValueError,
         "Lanczos mode requires antialias=True"),
        (lambda: K.interpolate(P(rand((1, 2, 5, 6))), size=3, mode="lanczos", align_corners=True,
                               antialias=True), ValueError, "Lanczos mode does not support align_corners=True"),
        (lambda: K.interpolate(P(rand((1, 2, 5))), size=3, mode="lanczos"), NotImplementedError,
         "Only 3D, 4D and 5D input Tensors supported (got 3D)"),
        (lambda: K.interpolate(P(rand((1, 2, 3, 4, 5))), size=3, mode="bicubic"), NotImplementedError,
         "Only 3D, 4D and 5D input Tensors supported (got 5D) for the modes: nearest | linear | "
         "bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got bicubic)"),
        (lambda: K.interpolate(P(rand((1, 2, 5))), size=3, mode="linear", antialias=True), ValueError,
         "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D tensor"),
        (lambda: K.interpolate(P(rand((1, 2, 5, 6))), size=3, antialias=True), ValueError,
         "Anti-alias option is restricted"),
        (lambda: K.interpolate(P(rand((1, 2, 5, 6))).half(), size=3, mode="bilinear", antialias=True),
         NotImplementedError, "\"compute_index_ranges_weights\" not implemented for 'Half'"),
        (lambda: K.interpolate(P(np.ones((1, 2, 5, 6), np.int64)), size=3, mode="bicubic", antialias=True),
         NotImplementedError, "\"compute_index_ranges_weights\" not implemented for 'Long'"),
        (lambda: K.interpolate(P(np.ones((1, 2, 5), np.uint8)), size=3, mode="linear"),
         NotImplementedError, "\"compute_indices_weights_linear\" not implemented for 'Byte'"),
        (lambda: K.interpolate(P(np.ones((1, 2, 5, 6), np.uint8)), size=3, mode="bilinear"),
         NotImplementedError, "pyt has no uint8 'bilinear' mode"),
        (lambda: K.interpolate(P(rand((1, 2, 5, 6))), size=(3.5, 2)), TypeError,
         "expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], "
         "but got size with types [<class 'float'>, <class 'int'>]"),
    ]
    for fn, exc, msg in errors:
        with pytest.raises(exc) as info:
            fn()
        assert msg in str(info.value)
    # integer tensors count as sizes, as in torch
    assert tuple(K.interpolate(P(rand((1, 2, 5, 6))), size=(P(3), 2)).shape) == (1, 2, 3, 2)
