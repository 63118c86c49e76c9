"""Helpers for the GPU tests: compare a CUDA result with the CPU result of the same op."""
import numpy as np

import pyt


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
