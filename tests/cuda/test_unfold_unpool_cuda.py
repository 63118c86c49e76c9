"""unfold / fold (conv.cu's im2col / col2im) and max_unpool (unpool.cu) on the GPU against
pyt's CPU results: values (bit-exact: both are data movement, and col2im sums a pixel's
entries in the CPU's order), shapes, dtypes, errors, and the gradients autograd gives,
for float32 / float64 (float16 through float32, as on the CPU), non-contiguous inputs
and several kernel / stride / padding / dilation settings."""
import numpy as np
import pytest

import pyt
import pyt.nn as nn
import pyt.nn.functional as F

from _helpers import assert_same, bits


def rand(shape, dtype=pyt.float32, seed=0):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.uniform(-1, 1, shape), dtype=dtype)


def both(fn, x, grad_seed=7, extra=()):
    """fn(x, *extra) on the CPU and on the GPU with x a leaf requiring grad, then backward
    with one random output gradient: [(output, x.grad)] for cpu and gpu."""
    results = []
    for device in ("cpu", "cuda"):
        leaf = (x.cuda() if device == "cuda" else x.clone()).detach().requires_grad_(True)
        args = [e.cuda() if device == "cuda" and isinstance(e, pyt.Tensor) else e
                for e in extra]
        y = fn(leaf, *args)
        g = rand(tuple(y.shape), pyt.float64, grad_seed).to(y.dtype)
        y.backward(g.cuda() if device == "cuda" else g)
        results.append((y.detach(), leaf.grad))
    return results


def check_same(cpu, gpu):
    for c, g in zip(cpu, gpu):
        assert g.is_cuda
        assert_same(c, g)
        assert (bits(c) == bits(g)).all()


# ----- unfold / fold ------------------------------------------------------------------------

FOLD_CASES = [
    # N, C, H, W, kernel, dilation, padding, stride
    (2, 3, 7, 9, (3, 2), 1, 0, 1),
    (1, 2, 8, 8, 3, 1, 1, 1),
    (3, 4, 9, 7, (2, 3), (2, 1), (1, 2), (2, 1)),
    (2, 1, 10, 11, 4, 2, 3, 3),
    (2, 5, 5, 6, 1, 1, 0, 2),
    (1, 3, 6, 6, (6, 6), 1, 0, 1),                      # one block
]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("case", FOLD_CASES)
def test_unfold_forward_backward(case, dtype):
    N, C, H, W, k, d, p, s = case
    x = rand((N, C, H, W), dtype, 1)
    check_same(*both(lambda t: F.unfold(t, k, d, p, s), x))
    check_same(*both(lambda t: nn.functional.unfold(t[0], k, d, p, s), x))  # 3-D input


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("case", FOLD_CASES)
def test_fold_forward_backward(case, dtype):
    N, C, H, W, k, d, p, s = case
    cols = F.unfold(rand((N, C, H, W), dtype, 2), k, d, p, s)
    cols = rand(tuple(cols.shape), dtype, 3)
    check_same(*both(lambda t: F.fold(t, (H, W), k, d, p, s), cols))
    check_same(*both(lambda t: F.fold(t[0], (H, W), k, d, p, s), cols))   # 2-D input


def test_unfold_fold_noncontiguous_and_half():
    base = rand((2, 9, 3, 7), pyt.float32, 4)
    x = base.permute(0, 2, 1, 3)                        # [2, 3, 9, 7], strided
    assert_same(F.unfold(x, 3, 1, 1, 2), F.unfold(base.cuda().permute(0, 2, 1, 3), 3, 1, 1, 2))
    check_same(*both(lambda t: F.unfold(t.permute(0, 2, 1, 3)[:, :, ::2], (2, 3), 2, 1, 1),
                     base))
    # columns [2, 12, 30] (C=1, 4x3 kernel, 5x6 blocks of a 8x8 image) read transposed
    check_same(*both(lambda t: F.fold(t.transpose(1, 2), (8, 8), (4, 3), 1, 0, 1),
                     rand((2, 30, 12), pyt.float64, 5)))
    h = rand((1, 2, 6, 5), pyt.float16, 6)
    assert_same(F.unfold(h, 2, 1, 1, 1), F.unfold(h.cuda(), 2, 1, 1, 1))
    c = rand((2, 8, 12), pyt.bfloat16, 7)
    assert_same(F.fold(c, (4, 5), 2), F.fold(c.cuda(), (4, 5), 2))


def test_unfold_fold_errors_match_cpu():
    x = rand((1, 2, 3, 3))
    for fn in (lambda t: F.unfold(t, 5),                        # no block fits
               lambda t: F.unfold(t.long(), 2),                  # integer input
               lambda t: F.unfold(t[0, 0], 2),                   # 2-D input
               lambda t: F.fold(t.reshape(1, 2, 9), (3, 3), 2)):  # 9 != 2 * 2 blocks
        with pytest.raises((RuntimeError, NotImplementedError)) as cpu_err:
            fn(x)
        with pytest.raises(cpu_err.type) as gpu_err:
            fn(x.cuda())
        assert str(gpu_err.value) == str(cpu_err.value)


def test_unfold_empty_batch():
    x = rand((0, 2, 5, 5))
    assert_same(F.unfold(x, 2), F.unfold(x.cuda(), 2))
    c = rand((0, 8, 16))
    assert_same(F.fold(c, (5, 5), 2), F.fold(c.cuda(), (5, 5), 2))


# ----- max_unpool ---------------------------------------------------------------------------

UNPOOL_CASES = [
    # k, input shape, kernel, stride, padding (the default output size is the input's)
    (1, (2, 3, 11), 3, 2, 1),
    (1, (4, 10), 2, None, 0),
    (2, (2, 3, 9, 8), (3, 2), (2, 2), (1, 0)),
    (2, (3, 8, 6), 2, None, 0),
    (2, (1, 2, 10, 10), 3, 3, 1),
    (3, (2, 2, 6, 4, 6), 2, None, 0),
    (3, (2, 5, 5, 6), (2, 3, 2), (1, 2, 2), (1, 1, 0)),
]


def pooled(case, dtype, seed):
    k, shape, kernel, stride, padding = case
    pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[k - 1]
    x = rand(shape, dtype, seed)
    y, idx = pool(x, kernel, stride, padding, return_indices=True)
    return y, idx


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("case", UNPOOL_CASES)
def test_max_unpool_forward_backward(case, dtype):
    k, shape, kernel, stride, padding = case
    unpool = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[k - 1]
    y, idx = pooled(case, dtype, 1)
    vals = rand(tuple(y.shape), dtype, 2)      # distinct values: overlapping windows repeat
    check_same(*both(lambda t, i: unpool(t, i, kernel, stride, padding), vals, extra=(idx,)))
    size = list(shape[-k:])                     # output_size given: the input's size
    check_same(*both(lambda t, i: unpool(t, i, kernel, stride, padding, size), vals,
                     extra=(idx,)))


def test_max_unpool_repeated_indices_last_wins():
    # the CPU writes a plane's values in order: the last value for a position stays
    vals = pyt.arange(24, dtype=pyt.float32).reshape(2, 3, 4)
    idx = pyt.tensor([[0, 1, 0, 1], [2, 2, 2, 2], [3, 0, 3, 0]] * 2).reshape(2, 3, 4)
    cpu = F.max_unpool1d(vals, idx, 2)
    gpu = F.max_unpool1d(vals.cuda(), idx.cuda(), 2)
    assert_same(cpu, gpu)
    for _ in range(5):
        assert (bits(F.max_unpool1d(vals.cuda(), idx.cuda(), 2)) == bits(cpu)).all()


def test_max_unpool_noncontiguous_modules_and_half():
    y, idx = pooled(UNPOOL_CASES[2], pyt.float32, 3)
    yt = y.transpose(2, 3).contiguous().transpose(2, 3)       # same values, strided
    it = idx.transpose(2, 3).contiguous().transpose(2, 3)
    assert not yt.is_contiguous() and not it.is_contiguous()
    assert_same(F.max_unpool2d(yt, it, (3, 2), 2, (1, 0)),
                F.max_unpool2d(yt.cuda(), it.cuda(), (3, 2), 2, (1, 0)))
    y4 = rand((2, 3, 8, 6), pyt.float32, 4)
    ys = y4[:, :, ::2, ::2]                               # strided values
    _, i4 = F.max_pool2d(rand((2, 3, 8, 6), pyt.float32, 5), 2, return_indices=True)
    assert_same(F.max_unpool2d(ys, i4, 2), F.max_unpool2d(ys.cuda(), i4.cuda(), 2))
    m = nn.MaxUnpool2d(2)
    assert_same(m(ys, i4), m(ys.cuda(), i4.cuda()))
    m1 = nn.MaxUnpool1d(2)
    _, i1 = F.max_pool1d(rand((2, 3, 8), pyt.float32, 6), 2, return_indices=True)
    v1 = rand((2, 3, 4), pyt.float64, 7)
    assert_same(m1(v1, i1), m1(v1.cuda(), i1.cuda()))
    h = ys.half()
    assert_same(F.max_unpool2d(h, i4, 2), F.max_unpool2d(h.cuda(), i4.cuda(), 2))


def test_max_unpool_bad_indices_raise_like_cpu():
    vals = rand((2, 3, 4))
    for bad in (8, -1, 100):
        idx = pyt.zeros(2, 3, 4, dtype=pyt.int64)
        idx[1, 2, 3] = bad
        idx[1, 2, 1] = 1
        with pytest.raises(RuntimeError) as cpu_err:
            F.max_unpool1d(vals, idx, 2)
        with pytest.raises(RuntimeError) as gpu_err:
            F.max_unpool1d(vals.cuda(), idx.cuda(), 2)
        assert str(gpu_err.value) == str(cpu_err.value)
    # the first bad index in flat order is the one named
    idx = pyt.zeros(2, 3, 4, dtype=pyt.int64)
    idx[0, 1, 2], idx[1, 0, 0] = 9, -3
    with pytest.raises(RuntimeError, match="invalid max index: 9 "):
        F.max_unpool1d(vals.cuda(), idx.cuda(), 2)
    # the GPU still works after the error (nothing was written out of bounds)
    good = pyt.zeros(2, 3, 4, dtype=pyt.int64)
    assert_same(F.max_unpool1d(vals, good, 2), F.max_unpool1d(vals.cuda(), good.cuda(), 2))
    with pytest.raises(RuntimeError):                     # int32 indices
        F.max_unpool1d(vals.cuda(), good.int().cuda(), 2)
    with pytest.raises(RuntimeError, match="same device"):
        F.max_unpool1d(vals.cuda(), good, 2)
    with pytest.raises(NotImplementedError):              # integer values, as on the CPU
        F.max_unpool1d(vals.long().cuda(), good.cuda(), 2)


def test_max_unpool_backward_function():
    from pyt._ext.nn_kernels import max_unpool_backward
    _, idx = pooled(UNPOOL_CASES[5], pyt.float64, 8)
    g = rand((2, 2, 6, 4, 6), pyt.float64, 9)
    assert_same(max_unpool_backward(g, idx, 3), max_unpool_backward(g.cuda(), idx.cuda(), 3))
    bad = idx.clone()
    bad[0, 0, 0, 0, 0] = 6 * 4 * 6
    with pytest.raises(RuntimeError) as cpu_err:
        max_unpool_backward(g, bad, 3)
    with pytest.raises(RuntimeError) as gpu_err:
        max_unpool_backward(g.cuda(), bad.cuda(), 3)
    assert str(gpu_err.value) == str(cpu_err.value)


# ----- integer pooling (pool.cu's int_pool_kernel) ------------------------------------------

INT_DTYPES = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_max_and_avg_pooling(dtype):
    rng = np.random.default_rng(11)
    lo = 0 if dtype is pyt.uint8 else -100
    x = pyt.tensor(rng.integers(lo, 100, (2, 3, 9, 8)), dtype=dtype)
    xs = x.transpose(2, 3)                                   # non-contiguous
    for t in (x, xs):
        for args in ((2,), (3, 2, 1), ((3, 2), (2, 1), (1, 0), (2, 1)), (3, 2, 1, 1, True)):
            assert_same(F.max_pool2d(t, *args, return_indices=True),
                        F.max_pool2d(t.cuda(), *args, return_indices=True))
        for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                   dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                   dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                   dict(kernel_size=(2, 3), divisor_override=4)):
            assert_same(F.avg_pool2d(t, **kw), F.avg_pool2d(t.cuda(), **kw))
    x1 = pyt.tensor(rng.integers(lo, 100, (3, 4, 11)), dtype=dtype)
    assert_same(F.max_pool1d(x1, 3, 2, 1), F.max_pool1d(x1.cuda(), 3, 2, 1))
    assert_same(F.avg_pool1d(x1, 3, 2, 1), F.avg_pool1d(x1.cuda(), 3, 2, 1))
    x3 = pyt.tensor(rng.integers(lo, 100, (2, 2, 5, 6, 7)), dtype=dtype)
    assert_same(F.max_pool3d(x3, 2, return_indices=True),
                F.max_pool3d(x3.cuda(), 2, return_indices=True))
    assert_same(F.avg_pool3d(x3, 3, 2, 1), F.avg_pool3d(x3.cuda(), 3, 2, 1))
