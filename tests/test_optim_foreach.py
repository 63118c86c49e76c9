"""The optimizers' foreach (multi-tensor) path against their per-tensor loop, on the CPU:
the same ops in the same order, so the same bits; and both against torch's optimizers
when torch is installed. The _foreach_* ops against their per-tensor definitions."""
import math

import numpy as np
import pytest

import pyt
from pyt import optim

SHAPES = [(3, 4), (5,), (2, 3, 2), (), (7, 1)]


def _params(seed, dtype=pyt.float32):
    rng = np.random.default_rng(seed)
    return [pyt.tensor(rng.standard_normal(s).astype(np.float64), dtype=dtype).requires_grad_()
            for s in SHAPES]


def _grads(seed, step, dtype=pyt.float32):
    rng = np.random.default_rng(1000 * seed + step)
    return [pyt.tensor(rng.standard_normal(s).astype(np.float64), dtype=dtype) for s in SHAPES]


def _run(cls, kwargs, foreach, steps=6, dtype=pyt.float32, groups=False):
    params = _params(0, dtype)
    if groups:
        spec = [{"params": params[:2]}, {"params": params[2:], "lr": 0.003}]
    else:
        spec = params
    opt = cls(spec, foreach=foreach, **kwargs)
    for step in range(steps):
        for p, g in zip(params, _grads(0, step, dtype)):
            p.grad = g
        params[1].grad = None if step == 2 else params[1].grad   # a step without a grad
        opt.step()
    return params, opt


CASES = [
    (optim.SGD, dict(lr=0.1)),
    (optim.SGD, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    (optim.Adam, dict(lr=0.01)),
    (optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    (optim.Adam, dict(lr=0.01, maximize=True, betas=(0.8, 0.9))),
    (optim.AdamW, dict(lr=0.01)),
    (optim.AdamW, dict(lr=0.01, amsgrad=True, weight_decay=0.3)),
    (optim.RMSprop, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    (optim.Adamax, dict(lr=0.01, weight_decay=0.1)),
    (optim.NAdam, dict(lr=0.01)),
    (optim.NAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    (optim.RAdam, dict(lr=0.01)),
    (optim.RAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    (optim.ASGD, dict(lr=0.01, t0=2)),
    (optim.ASGD, dict(lr=0.01, weight_decay=0.1)),
    (optim.Adadelta, dict(lr=1.0, weight_decay=0.1)),
    (optim.Rprop, dict(lr=0.01)),
    (optim.Rprop, dict(lr=0.01, maximize=True)),
]


def _ids(case):
    cls, kwargs = case
    return cls.__name__ + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def _bits(t):
    return t.detach().numpy().tobytes()


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
@pytest.mark.parametrize("groups", [False, True])
def test_foreach_matches_loop_bitwise(case, groups):
    cls, kwargs = case
    loop_params, loop_opt = _run(cls, kwargs, False, groups=groups)
    fe_params, fe_opt = _run(cls, kwargs, True, groups=groups)
    for a, b in zip(loop_params, fe_params):
        assert _bits(a) == _bits(b)
    # the state too (momentum buffers, moments, step counters)
    for pa, pb in zip(loop_params, fe_params):
        sa, sb = loop_opt.state[pa], fe_opt.state[pb]
        assert sorted(sa) == sorted(sb)
        for key in sa:
            if isinstance(sa[key], pyt.Tensor):
                assert _bits(sa[key]) == _bits(sb[key]), key


@pytest.mark.parametrize("cls,kwargs", [(optim.SGD, dict(lr=0.1, momentum=0.9)),
                                        (optim.Adam, dict(lr=0.01, amsgrad=True)),
                                        (optim.AdamW, dict(lr=0.01))])
@pytest.mark.parametrize("dtype", [pyt.float64, pyt.float16, pyt.bfloat16])
def test_foreach_matches_loop_other_dtypes(cls, kwargs, dtype):
    loop_params, _ = _run(cls, kwargs, False, dtype=dtype)
    fe_params, _ = _run(cls, kwargs, True, dtype=dtype)
    for a, b in zip(loop_params, fe_params):
        assert pyt.equal(a, b)


def test_foreach_default_is_loop_on_cpu():
    # foreach=None: the loop on the CPU (every parameter would have to be on CUDA)
    from pyt.optim.optimizer import _use_foreach
    p = pyt.zeros(3, requires_grad=True)
    assert not _use_foreach({"foreach": None}, [p])
    assert _use_foreach({"foreach": True}, [p])
    assert not _use_foreach({"foreach": False}, [p])
    opt = optim.Adam([p])
    assert opt.param_groups[0]["foreach"] is None


def test_foreach_state_dict_round_trip():
    params, opt = _run(optim.Adam, dict(lr=0.01, amsgrad=True), True, steps=3)
    sd = opt.state_dict()
    params2 = [p.detach().clone().requires_grad_() for p in params]
    opt2 = optim.Adam(params2, lr=0.01, amsgrad=True, foreach=True)
    opt2.load_state_dict(sd)
    for p, q, g in zip(params, params2, _grads(5, 0)):
        p.grad, q.grad = g, g.clone()
    opt.step()
    opt2.step()
    for p, q in zip(params, params2):
        assert _bits(p) == _bits(q)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_foreach_matches_torch(case):
    torch = pytest.importorskip("torch")
    cls, kwargs = case
    ours, _ = _run(cls, kwargs, True)
    tparams = [torch.tensor(p.detach().numpy()).requires_grad_() for p in _params(0)]
    topt = getattr(torch.optim, cls.__name__)(tparams, foreach=True, **kwargs)
    for step in range(6):
        for p, g in zip(tparams, _grads(0, step)):
            p.grad = torch.tensor(g.numpy())
        tparams[1].grad = None if step == 2 else tparams[1].grad
        topt.step()
    for a, b in zip(ours, tparams):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
