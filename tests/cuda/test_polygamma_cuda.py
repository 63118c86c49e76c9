"""polygamma(n, x) on the GPU (pointwise.cu's pyt_cuda_polygamma for n >= 1, digamma's
kernel for n = 0) against pyt's CPU result: values for n = 0..4 (poles, negatives, large x,
nan, inf), every float dtype, integer inputs, in place, and the gradient (polygamma(n + 1)).
CUDA's pow / tgamma differ from glibc's by an ulp or two, hence the tolerances."""
import math

import numpy as np
import pytest

import pyt

from _helpers import assert_same

pytestmark = pytest.mark.skipif(not pyt.cuda.is_available(), reason="no CUDA device")

SPECIALS = [0.0, -0.0, -1.0, -3.0, 0.5, -0.5, -2.25, 1e-6, 1e5, 1e10,
            math.nan, math.inf, -math.inf]
# relative, and absolute too: for x < 0 the terms of the sum differ in sign and cancel near
# the roots
RTOL = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 1e-5, pyt.float64: 1e-10}


def sample(dtype=pyt.float64, seed=0):
    rng = np.random.default_rng(seed)
    values = np.concatenate([SPECIALS, rng.uniform(-8, 8, 200), rng.exponential(40, 60),
                             np.linspace(-4, 4, 35)])   # 308 values
    return pyt.tensor(values).reshape(4, -1).to(dtype)


@pytest.mark.parametrize("n", range(5))
@pytest.mark.parametrize("dtype", [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64])
def test_values(n, dtype):
    x = sample(dtype)
    assert_same(pyt.polygamma(n, x), pyt.polygamma(n, x.cuda()), rtol=RTOL[dtype],
                atol=RTOL[dtype])


@pytest.mark.parametrize("n", [1, 3])
def test_strided_integer_and_inplace(n):
    x = sample()
    xt = x.t()                                          # not contiguous
    assert_same(pyt.polygamma(n, xt), pyt.polygamma(n, xt.cuda()), rtol=1e-10, atol=1e-10)
    ints = pyt.arange(-3, 20)
    assert_same(pyt.polygamma(n, ints), pyt.polygamma(n, ints.cuda()), rtol=1e-5, atol=1e-5)
    y = x.float().cuda()
    y.polygamma_(n)
    assert_same(x.float().polygamma(n), y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n", range(4))
def test_gradient(n):
    x = pyt.tensor(np.random.default_rng(1).uniform(0.2, 6.0, 50))
    xc = x.clone().requires_grad_()
    xg = x.cuda().requires_grad_()
    pyt.polygamma(n, xc).sum().backward()
    pyt.polygamma(n, xg).sum().backward()
    assert_same(xc.grad, xg.grad, rtol=1e-12)
    assert_same(pyt.polygamma(n + 1, x), xg.grad, rtol=1e-12)
