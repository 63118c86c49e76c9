"""cuda_src/foreach.cu's per-element code and chunking, compiled for the host
(-DPYT_FOREACH_HOST_SIM: each "launch" runs its tensors on the CPU) and called through
pyt_cuda_foreach with CPU tensors: every op, every float dtype, more tensors than one
chunk, against pyt's CPU ops. Checks the GPU formulas without a GPU; needs nvcc."""
import ctypes
import os

import numpy as np
import pytest

import pyt
import pyt._foreach as fe

from _nvcc import ROOT, NVCC, host_library

pytestmark = pytest.mark.skipif(NVCC is None, reason="needs nvcc")

FLOATS = [pyt.float32, pyt.float64, pyt.float16, pyt.bfloat16]
TOL = {pyt.float32: 2e-6, pyt.float64: 1e-14, pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2}
# 53 tensors: two chunks of the launch; empty and 0-d ones among them
SHAPES = [(3, 5), (0,), (), (700,)] + [(i % 7 + 1, 2) for i in range(49)]


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    lib = host_library(tmp_path_factory.mktemp("foreach"),
                       os.path.join(ROOT, "cuda_src", "foreach.cu"),
                       "--expt-relaxed-constexpr", "-DPYT_FOREACH_HOST_SIM")
    lib.pyt_cuda_foreach.argtypes = [ctypes.c_int] * 4 + [ctypes.c_void_p] * 4
    return lib


def run(lib, op, lists, s0=None, s1=None, params=()):
    """pyt_cuda_foreach over CPU tensors (list 0 written in place); returns its code."""
    n, nl = len(lists[0]), len(lists)
    ptrs = (ctypes.c_void_p * (n * nl))(*[lists[l][t].data_ptr() for t in range(n)
                                         for l in range(nl)])
    numel = (ctypes.c_int64 * n)(*[t.numel() for t in lists[0]])
    s = None
    if s0 is not None or s1 is not None:
        vals = []
        for t in range(n):
            vals += [s0[t] if s0 is not None else 0.0, s1[t] if s1 is not None else 0.0]
        s = (ctypes.c_double * (2 * n))(*vals)
    p = (ctypes.c_double * 8)(*(list(params) + [0.0] * (8 - len(params))))
    code = lists[0][0].dtype.code
    return lib.pyt_cuda_foreach(op, code, nl, n, ctypes.cast(ptrs, ctypes.c_void_p),
                                ctypes.cast(numel, ctypes.c_void_p),
                                None if s is None else ctypes.cast(s, ctypes.c_void_p),
                                ctypes.cast(p, ctypes.c_void_p))


def host_list(seed, dtype, positive=False):
    rng = np.random.default_rng(seed)
    out = []
    for shape in SHAPES:
        a = rng.standard_normal(shape)
        if positive:
            a = np.abs(a) + 0.5
        out.append(pyt.tensor(a, dtype=pyt.float64).to(dtype))
    return out


def check(expected, actual, dtype, scale=1):
    for e, a in zip(expected, actual):
        assert e.dtype == a.dtype and e.shape == a.shape
        np.testing.assert_allclose(a.double().numpy(), e.double().numpy(),
                                   rtol=scale * TOL[dtype], atol=scale * TOL[dtype])


def empties(xs):
    return [pyt.empty_like(x) for x in xs]


@pytest.mark.parametrize("dtype", FLOATS)
def test_generic_ops(lib, dtype):
    a, b, c = host_list(1, dtype), host_list(2, dtype), host_list(3, dtype, positive=True)
    n = len(a)
    scal = [0.25 * (i - 20) for i in range(n)]
    cases = [
        (fe.FE_ADD, [a, b], dict(params=(0.5,)), pyt._foreach_add(a, b, alpha=0.5)),
        (fe.FE_SUB, [a, b], dict(params=(2.0,)), pyt._foreach_sub(a, b, alpha=2.0)),
        (fe.FE_MUL, [a, b], {}, pyt._foreach_mul(a, b)),
        (fe.FE_DIV, [a, c], {}, pyt._foreach_div(a, c)),
        (fe.FE_MAXIMUM, [a, b], {}, pyt._foreach_maximum(a, b)),
        (fe.FE_MINIMUM, [a, b], {}, pyt._foreach_minimum(a, b)),
        (fe.FE_ADD, [a], dict(s0=scal), pyt._foreach_add(a, scal)),
        (fe.FE_SUB, [a], dict(s0=scal), pyt._foreach_sub(a, scal)),
        (fe.FE_MUL, [a], dict(s0=scal), pyt._foreach_mul(a, scal)),
        (fe.FE_DIV, [a], dict(s0=[3.0] * n), pyt._foreach_div(a, 3.0)),
        (fe.FE_MAXIMUM, [a], dict(s0=[0.1] * n), pyt._foreach_maximum(a, 0.1)),
        (fe.FE_MINIMUM, [a], dict(s0=[0.1] * n), pyt._foreach_minimum(a, 0.1)),
        (fe.FE_ADDCMUL, [a, b, c], dict(s0=scal), pyt._foreach_addcmul(a, b, c, scal)),
        (fe.FE_ADDCDIV, [a, b, c], dict(s0=scal), pyt._foreach_addcdiv(a, b, c, scal)),
        (fe.FE_LERP, [a, b], dict(s0=[0.3] * n), pyt._foreach_lerp(a, b, 0.3)),
        (fe.FE_LERP, [a, b], dict(s0=[0.8] * n), pyt._foreach_lerp(a, b, 0.8)),
        (fe.FE_LERP, [a, b, c], {}, pyt._foreach_lerp(a, b, c)),
        (fe.FE_SQRT, [c], {}, pyt._foreach_sqrt(c)),
        (fe.FE_NEG, [a], {}, pyt._foreach_neg(a)),
        (fe.FE_ABS, [a], {}, pyt._foreach_abs(a)),
        (fe.FE_SIGN, [a], {}, pyt._foreach_sign(a)),
        (fe.FE_EXP, [a], {}, pyt._foreach_exp(a)),
        (fe.FE_COPY, [b], {}, tuple(b)),
    ]
    for op, inputs, kw, expected in cases:
        out = empties(a)
        assert run(lib, op, [out] + inputs, **kw) == 0, op
        check(expected, out, dtype)
    out = [x.clone() for x in a]
    assert run(lib, fe.FE_ZERO, [out]) == 0
    assert all(float(x.abs().sum()) == 0 for x in out)


def test_nan_propagates_through_maximum(lib):
    a = [pyt.tensor([float("nan"), 1.0, 2.0])]
    b = [pyt.tensor([0.0, float("nan"), 1.0])]
    out = empties(a)
    assert run(lib, fe.FE_MAXIMUM, [out, a, b]) == 0
    assert np.isnan(out[0].numpy()[:2]).all() and out[0][2].item() == 2.0


def test_bad_arguments(lib):
    a = [pyt.ones(3)]
    assert run(lib, fe.FE_ADDCMUL, [a, a]) == -6              # PYT_CUDA_ERR_INVALID
    assert run(lib, 99, [a, a]) == -6
    assert run(lib, fe.FE_ADD, [[pyt.ones(3, dtype=pyt.int32)]] * 2) == -3   # UNSUPPORTED


def adam_reference(params, grads, ms, vs, vmaxs, steps, beta1, beta2, lr, eps, wd,
                   decoupled, maximize):
    """optim.Adam's loop, op for op."""
    for i, (p, g, m, v) in enumerate(zip(params, grads, ms, vs)):
        if maximize:
            g = -g
        if wd != 0:
            if decoupled:
                p.mul_(1 - lr * wd)
            else:
                g = g.add(p, alpha=wd)
        m.lerp_(g, 1 - beta1)
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        bc1, bc2s = 1 - beta1 ** steps[i], (1 - beta2 ** steps[i]) ** 0.5
        second = v
        if vmaxs is not None:
            vmaxs[i].copy_(pyt.maximum(vmaxs[i], v))
            second = vmaxs[i]
        p.addcdiv_(m, (second.sqrt() / bc2s).add_(eps), value=-lr / bc1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("amsgrad,wd,decoupled,maximize",
                         [(False, 0, 0, 0), (True, 0.1, 0, 1), (False, 0.1, 1, 0),
                          (True, 0.3, 1, 1)])
def test_adam_step(lib, dtype, amsgrad, wd, decoupled, maximize):
    beta1, beta2, lr, eps = 0.9, 0.99, 0.01, 1e-8
    lists = [host_list(4, dtype), host_list(5, dtype), host_list(6, dtype),
             host_list(7, dtype, positive=True)]
    if amsgrad:
        lists.append(host_list(8, dtype, positive=True))
    steps = [1 + i % 4 for i in range(len(SHAPES))]
    ref = [[x.clone() for x in L] for L in lists]
    adam_reference(*ref[:4], ref[4] if amsgrad else None, steps, beta1, beta2, lr, eps, wd,
                   decoupled, maximize)
    rc = run(lib, fe.FE_ADAM, lists, s0=[1 - beta1 ** s for s in steps],
             s1=[(1 - beta2 ** s) ** 0.5 for s in steps],
             params=(beta1, beta2, lr, eps, wd, decoupled, maximize))
    assert rc == 0
    for k in (0, 2, 3) + ((4,) if amsgrad else ()):
        check(ref[k], lists[k], dtype)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_adam_first_step_from_zero_moments(lib, dtype):
    """The default betas on fresh state: 1 - beta2 is taken in double, as the CPU loop's
    Python scalar (1.0f - 0.999f is 1.3e-5 off 0.001f, which the second moment shows)."""
    beta1, beta2, lr, eps = 0.9, 0.999, 1e-3, 1e-8
    lists = [host_list(4, dtype), host_list(5, dtype),
             [pyt.zeros(s, dtype=dtype) for s in SHAPES], [pyt.zeros(s, dtype=dtype) for s in SHAPES]]
    steps = [1] * len(SHAPES)
    ref = [[x.clone() for x in L] for L in lists]
    adam_reference(*ref, None, steps, beta1, beta2, lr, eps, 0.0, 0, 0)
    rc = run(lib, fe.FE_ADAM, lists, s0=[1 - beta1] * len(SHAPES),
             s1=[(1 - beta2) ** 0.5] * len(SHAPES), params=(beta1, beta2, lr, eps, 0.0, 0, 0))
    assert rc == 0
    check(ref[0], lists[0], dtype)
    for k in (2, 3):                      # relative: the moments are small
        for e, a in zip(ref[k], lists[k]):
            np.testing.assert_allclose(a.double().numpy(), e.double().numpy(),
                                       rtol=TOL[dtype], atol=0)


def sgd_reference(params, grads, bufs, new, lr, momentum, dampening, wd, nesterov, maximize):
    """optim.SGD's loop, op for op."""
    for i, (p, g) in enumerate(zip(params, grads)):
        d = -g if maximize else g
        if wd != 0:
            d = d.add(p, alpha=wd)
        if bufs is not None:
            if new[i]:
                bufs[i].copy_(d)
            else:
                bufs[i].mul_(momentum).add_(d, alpha=1 - dampening)
            d = d.add(bufs[i], alpha=momentum) if nesterov else bufs[i]
        p.add_(d, alpha=-lr)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("momentum,dampening,wd,nesterov,maximize",
                         [(0, 0, 0, 0, 0), (0, 0, 0.1, 0, 1), (0.9, 0, 0, 1, 0),
                          (0.9, 0.3, 0.01, 0, 1)])
def test_sgd_step(lib, dtype, momentum, dampening, wd, nesterov, maximize):
    lr = 0.1
    lists = [host_list(4, dtype), host_list(5, dtype)]
    if momentum:
        lists.append(host_list(6, dtype))
    new = [i % 3 == 0 for i in range(len(SHAPES))]
    ref = [[x.clone() for x in L] for L in lists]
    sgd_reference(ref[0], ref[1], ref[2] if momentum else None, new, lr, momentum,
                  dampening, wd, nesterov, maximize)
    rc = run(lib, fe.FE_SGD, lists, s0=[float(x) for x in new],
             params=(lr, momentum, dampening, wd, nesterov, maximize))
    assert rc == 0
    for k in range(len(lists)):
        if k != 1:
            check(ref[k], lists[k], dtype)
