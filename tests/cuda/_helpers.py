"""Helpers for the GPU tests: compare a CUDA result with the CPU result of the same op."""
import contextlib

import numpy as np

import pyt
import pyt.backends.cudnn


@contextlib.contextmanager
def exact_float32():
    """float32 products on the GPU in full float32, as the CPU computes them: TensorFloat-32
    off for matmul (torch's default) and for convolutions (on by default, as in torch)."""
    saved = pyt.backends.cuda.matmul.allow_tf32, pyt.backends.cudnn.allow_tf32
    pyt.backends.cuda.matmul.allow_tf32 = pyt.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        pyt.backends.cuda.matmul.allow_tf32, pyt.backends.cudnn.allow_tf32 = saved


def to_host_numpy(x):
    """A NumPy copy of a tensor on any device (bfloat16 through float32, which is exact),
    or of a number / bool."""
    if isinstance(x, pyt.Tensor):
        x = x.detach()
        if x.is_cuda:
            x = x.cpu()
        if x.dtype is pyt.bfloat16:
            x = x.float()
        return np.array(x.numpy(), copy=True)
    return np.asarray(x)


def assert_same(cpu_result, cuda_result, rtol=0.0, atol=0.0):
    """cuda_result (a tensor on the GPU, or already copied back) equals cpu_result: same
    dtype, same shape, values within rtol/atol (exact by default), NaN equal to NaN.
    Tuples and lists (e.g. (values, indices)) are compared element by element."""
    if isinstance(cpu_result, (tuple, list)):
        assert isinstance(cuda_result, (tuple, list)), type(cuda_result)
        assert len(cpu_result) == len(cuda_result)
        for c, g in zip(cpu_result, cuda_result):
            assert_same(c, g, rtol, atol)
        return
    if isinstance(cpu_result, pyt.Tensor):
        assert isinstance(cuda_result, pyt.Tensor), type(cuda_result)
        assert cuda_result.dtype is cpu_result.dtype, (cuda_result.dtype, cpu_result.dtype)
        assert tuple(cuda_result.shape) == tuple(cpu_result.shape), \
            (tuple(cuda_result.shape), tuple(cpu_result.shape))
    expected, actual = to_host_numpy(cpu_result), to_host_numpy(cuda_result)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected)


def bits(t):
    """The raw bits of a tensor (any device) as a NumPy integer array, for bit-exact checks
    (NaN payloads and -0.0 included)."""
    as_int = {pyt.bool: pyt.uint8, pyt.float16: pyt.int16, pyt.bfloat16: pyt.int16,
              pyt.float32: pyt.int32, pyt.float64: pyt.int64}
    t = t.detach()
    if t.is_cuda:
        t = t.cpu()
    t = t.contiguous()
    if t.dtype in as_int:
        t = t.view(as_int[t.dtype])
    return np.array(t.numpy(), copy=True)


def same_on_gpu(cpu_result, cuda_result, rtol=0.0, atol=0.0):
    """assert_same, and every tensor of cuda_result is still on the GPU."""
    for t in (cuda_result if isinstance(cuda_result, (tuple, list)) else (cuda_result,)):
        assert t.is_cuda, t.device
    assert_same(cpu_result, cuda_result, rtol, atol)


def sample(shape, dtype, seed=0, nan=False, ties=True, negative_zero=False):
    """A CPU tensor: small integers / halves (many ties, exact sums) or normal values;
    floats may get NaNs, and a -0.0 at flat position 1."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype is pyt.bool:
        return pyt.tensor(rng.random(n) > 0.5).reshape(shape)
    if dtype.is_floating_point:
        v = rng.integers(-6, 7, n) / 2.0 if ties else rng.standard_normal(n)
        if negative_zero and n > 2:
            v[1] = -0.0
        if nan and n > 0:
            v[rng.integers(0, n, max(1, n // 20))] = np.nan
        return pyt.tensor(v.astype(np.float64)).to(dtype).reshape(shape)
    if dtype is pyt.uint8:
        v = rng.integers(0, 5 if ties else 256, n)
    else:
        v = rng.integers(-4, 5, n) if ties else rng.integers(-100, 100, n)
    return pyt.tensor(v.astype(np.int64)).to(dtype).reshape(shape)
