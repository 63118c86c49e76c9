"""The _foreach_* ops and the optimizers' foreach steps on the GPU (cuda_src/foreach.cu)
against pyt's CPU results: lists longer than one launch chunk (48 tensors), tensors large
enough for a grid-stride loop, empty tensors, every float dtype; and DataLoader
pin_memory=True giving pinned batches. (These tests skip without a GPU.)"""
import numpy as np
import pytest

import pyt
import pyt._foreach as fe
from pyt import optim

from _helpers import assert_same

pytestmark = pytest.mark.skipif(not pyt.cuda.is_available(), reason="no CUDA device")

FLOATS = [pyt.float32, pyt.float64, pyt.float16, pyt.bfloat16]
RTOL = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 1e-5, pyt.float64: 1e-12}
ATOL = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 1e-6, pyt.float64: 1e-12}
# 60 tensors: two launches; one of 300000 elements (more than the blocks of one launch
# cover), some empty, some 0-d
SHAPES = [(3, 5), (0,), (), (7,), (300000,)] + [(i % 9 + 1, 3) for i in range(55)]


def _host_list(seed, dtype, positive=False):
    rng = np.random.default_rng(seed)
    out = []
    for s in SHAPES:
        a = rng.standard_normal(s)
        if positive:
            a = np.abs(a) + 0.5
        out.append(pyt.tensor(a, dtype=pyt.float64).to(dtype))
    return out


def _cuda(xs):
    return [x.cuda() for x in xs]


@pytest.fixture
def kernel_calls(monkeypatch):
    """Records what each cuda_foreach call answered (True: the kernel ran)."""
    answers = []
    real = fe._cuda_foreach

    def spy(*args, **kwargs):
        answers.append(real(*args, **kwargs))
        return answers[-1]
    monkeypatch.setattr(fe, "_cuda_foreach", spy)
    return answers


def _check(cpu, gpu, dtype):
    assert len(cpu) == len(gpu)
    for c, g in zip(cpu, gpu):
        assert g.is_cuda
        assert_same(c, g, rtol=RTOL[dtype], atol=ATOL[dtype])


CASES = [
    ("_foreach_add", lambda L: (L[0], L[1]), {"alpha": 0.5}),
    ("_foreach_add", lambda L: (L[0], 1.25), {}),
    ("_foreach_sub", lambda L: (L[0], L[1]), {"alpha": 2}),
    ("_foreach_sub", lambda L: (L[0], [0.5 * i for i in range(len(L[0]))]), {}),
    ("_foreach_mul", lambda L: (L[0], L[1]), {}),
    ("_foreach_mul", lambda L: (L[0], 0.3), {}),
    ("_foreach_div", lambda L: (L[0], L[2]), {}),
    ("_foreach_div", lambda L: (L[0], 3.0), {}),
    ("_foreach_maximum", lambda L: (L[0], L[1]), {}),
    ("_foreach_maximum", lambda L: (L[0], 0.1), {}),
    ("_foreach_minimum", lambda L: (L[0], L[1]), {}),
    ("_foreach_addcmul", lambda L: (L[0], L[1], L[2], 0.3), {}),
    ("_foreach_addcdiv", lambda L: (L[0], L[1], L[2], [0.1 * i for i in range(len(L[0]))]),
     {}),
    ("_foreach_lerp", lambda L: (L[0], L[1], 0.3), {}),
    ("_foreach_lerp", lambda L: (L[0], L[1], 0.8), {}),
    ("_foreach_lerp", lambda L: (L[0], L[1], L[2]), {}),
    ("_foreach_sqrt", lambda L: (L[2],), {}),
    ("_foreach_neg", lambda L: (L[0],), {}),
    ("_foreach_abs", lambda L: (L[0],), {}),
    ("_foreach_sign", lambda L: (L[0],), {}),
    ("_foreach_exp", lambda L: (L[0],), {}),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("inplace", [False, True])
def test_foreach_ops_on_cuda(name, args, kwargs, dtype, inplace, kernel_calls):
    if inplace:
        name += "_"
    lists = [_host_list(1, dtype), _host_list(2, dtype), _host_list(3, dtype, True)]
    glists = [_cuda(L) for L in lists]
    cpu_in = [[x.clone() for x in L] for L in lists]
    cpu = getattr(pyt, name)(*args(cpu_in), **kwargs)
    gpu = getattr(pyt, name)(*args(glists), **kwargs)
    _check(cpu, gpu, dtype)
    if inplace:
        _check(cpu_in[0], glists[0], dtype)      # the first list itself changed
    assert kernel_calls and all(kernel_calls)


@pytest.mark.parametrize("dtype", FLOATS)
def test_zero_copy_norm_on_cuda(dtype, kernel_calls):
    a, b = _cuda(_host_list(1, dtype)), _cuda(_host_list(2, dtype))
    pyt._foreach_copy_(a, b)
    _check(_host_list(2, dtype), a, dtype)
    pyt._foreach_zero_(a)
    assert all(float(x.abs().sum()) == 0 for x in a)
    assert all(kernel_calls)
    host = _host_list(3, dtype)
    _check(pyt._foreach_norm(host), pyt._foreach_norm(_cuda(host)), dtype)


def test_mixed_dtypes_and_layouts_on_cuda(kernel_calls):
    # float32 and float16 tensors in one list: a launch per dtype
    host = [pyt.randn(4, 3), pyt.randn(5).half(), pyt.randn(7), pyt.randn(2).half()]
    gpu = [x.cuda() for x in host]
    for c, g in zip(pyt._foreach_mul(host, 2), pyt._foreach_mul(gpu, 2)):
        assert_same(c, g, rtol=2e-3)
    for c, g in zip(pyt._foreach_add(host, host), pyt._foreach_add(gpu, gpu)):
        assert_same(c, g, rtol=2e-3)
    assert kernel_calls == [True, True]
    # a transposed tensor and an integer one: the per-tensor loop
    host = [pyt.randn(3, 4).t(), pyt.arange(6), pyt.randn(3)]
    gpu = [x.cuda() for x in host]
    assert not gpu[0].is_contiguous()
    for c, g in zip(pyt._foreach_mul(host, 2), pyt._foreach_mul(gpu, 2)):
        assert_same(c, g, rtol=1e-6)
    assert kernel_calls[2:] == [False]


def test_device_mismatch_raises():
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        pyt._foreach_add([pyt.ones(2).cuda()], [pyt.ones(2)])


OPTIMIZERS = [
    (optim.SGD, dict(lr=0.1)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01, dampening=0.2)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    (optim.Adam, dict(lr=0.01)),
    (optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    (optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    (optim.AdamW, dict(lr=0.01, amsgrad=True)),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (optim.Adagrad, dict(lr=0.1)),
    (optim.Adamax, dict(lr=0.01)),
    (optim.NAdam, dict(lr=0.01)),
    (optim.RAdam, dict(lr=0.01)),
    (optim.ASGD, dict(lr=0.01)),
    (optim.Adadelta, dict(lr=1.0)),
    (optim.Rprop, dict(lr=0.01)),
]


def _train(cls, kwargs, device, foreach, dtype=pyt.float32, steps=5):
    params = [p.to(device).requires_grad_() for p in _host_list(7, dtype)[:50]]
    opt = cls(params, foreach=foreach, **kwargs)
    for step in range(steps):
        for p, g in zip(params, _host_list(100 + step, dtype)[:50]):
            p.grad = g.to(device)
        opt.step()
    return params, opt


@pytest.mark.parametrize("cls,kwargs", OPTIMIZERS,
                         ids=[c.__name__ + str(i) for i, (c, _) in enumerate(OPTIMIZERS)])
def test_optimizer_foreach_on_cuda_matches_cpu_loop(cls, kwargs):
    cpu, _ = _train(cls, kwargs, "cpu", False)
    gpu, opt = _train(cls, kwargs, "cuda", None)      # None: foreach, all params on CUDA
    for c, g in zip(cpu, gpu):
        assert_same(c, g, rtol=1e-4, atol=1e-5)
    assert opt.param_groups[0]["foreach"] is None


@pytest.mark.parametrize("cls,kwargs", [(optim.SGD, dict(lr=0.1, momentum=0.9)),
                                        (optim.Adam, dict(lr=0.01, amsgrad=True)),
                                        (optim.AdamW, dict(lr=0.01))])
@pytest.mark.parametrize("dtype", FLOATS)
def test_fused_steps_every_dtype(cls, kwargs, dtype, kernel_calls):
    if dtype is pyt.float16 and cls is not optim.SGD:
        # Adam's default eps (1e-8) is 0 in half: the CPU loop (like torch's) then divides
        # by sqrt(v) = 0 and gives inf, while the fused kernel (like torch's) adds eps in
        # float. An eps that half can hold compares the two updates themselves.
        kwargs = dict(kwargs, eps=1e-4)
    cpu, _ = _train(cls, kwargs, "cpu", False, dtype)
    gpu, _ = _train(cls, kwargs, "cuda", True, dtype)
    tol = {pyt.float16: 1e-2, pyt.bfloat16: 5e-2}.get(dtype, 1e-4)
    for c, g in zip(cpu, gpu):
        assert_same(c, g, rtol=tol, atol=tol)
    assert kernel_calls and all(kernel_calls)      # the fused kernel ran every step


def test_pin_memory_dataloader_gives_pinned_batches():
    from pyt.utils.data import DataLoader, TensorDataset
    data = TensorDataset(pyt.arange(20.0).reshape(10, 2), pyt.arange(10))
    for workers in (0, 1):
        # spawn: a worker forked from a process using CUDA must not inherit its state
        ctx = "spawn" if workers else None
        batches = list(DataLoader(data, batch_size=4, pin_memory=True, num_workers=workers,
                                  multiprocessing_context=ctx))
        assert len(batches) == 3
        for x, y in batches:
            assert not x.is_cuda and x.is_pinned() and y.is_pinned()
        assert pyt.equal(pyt.cat([b[0] for b in batches]), data.tensors[0])
        x = batches[0][0].cuda(non_blocking=True)
        assert pyt.equal(x.cpu(), data.tensors[0][:4])


def test_repeated_tensors_take_the_per_tensor_path(kernel_calls):
    # the kernel's blocks would update a repeated tensor at once; one op after the other
    # gives the CPU's (and torch's) sequential result
    for dtype in (pyt.float32, pyt.float64):
        host = [pyt.tensor(np.arange(1.0, 301.0), dtype=dtype) for _ in range(2)]
        a, b = _cuda(host)
        fe._foreach_add_([a, b, a], 1)
        assert kernel_calls[-1] is False
        fe._foreach_mul_([a, b, a, b], [b, a, b, a])
        ha, hb = host
        ha += 1; hb += 1; ha += 1
        ha *= hb; hb *= ha; ha *= hb; hb *= ha
        assert_same(ha, a)
        assert_same(hb, b)
        s = pyt.arange(100.0, dtype=dtype, device="cuda")
        fe._foreach_add_([s[:60], s[40:]], 1.0)
        assert kernel_calls[-1] is False
        expected = np.arange(100.0) + 1
        expected[40:60] += 1
        assert_same(pyt.tensor(expected, dtype=dtype), s)
        # distinct tensors still take the kernel
        c, d = _cuda(host)
        fe._foreach_add_([c, d], 1)
        assert kernel_calls[-1] is True
    # the optimizers' fused steps decline too (their caller then takes the foreach ops)
    p, g = pyt.ones(10, device="cuda"), pyt.full((10,), 0.5, device="cuda")
    assert fe._fused_sgd([p, p], [g, g], None, [False, False], 0.1, 0.0, 0.0, 0.0, False,
                         False) is False
    assert_same(pyt.ones(10), p)
