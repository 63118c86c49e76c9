"""pyt.optim: optimizers' trajectories (vs NumPy implementations of the published rules
and vs torch), their checkpoints, argument checks, and the learning-rate schedulers."""
import copy
import math

import numpy as np
import pytest

import pyt
from pyt import optim
from pyt.optim import lr_scheduler

RNG = np.random.default_rng(0)
_M = RNG.standard_normal((5, 5))
QUAD_A = _M @ _M.T / 5 + np.eye(5)          # symmetric positive definite
QUAD_B = RNG.standard_normal(5)
QUAD_X0 = RNG.standard_normal(5)
REG_X = RNG.standard_normal((16, 3))
REG_Y = REG_X @ RNG.standard_normal((3, 2)) + 0.1 * RNG.standard_normal((16, 2))
REG_W0 = RNG.standard_normal((3, 2))
REG_B0 = RNG.standard_normal(2)


# ---- problems, written once for any torch-like library ---------------------------------
def quadratic(lib):
    x = lib.tensor(QUAD_X0, requires_grad=True)
    A, b = lib.tensor(QUAD_A), lib.tensor(QUAD_B)
    return [x], lambda: 0.5 * (x * (A @ x)).sum() - (b * x).sum()


def rosenbrock(lib):
    xy = lib.tensor([-1.2, 1.0], dtype=lib.float64, requires_grad=True)
    return [xy], lambda: (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2


def regression(lib):
    W = lib.tensor(REG_W0, requires_grad=True)
    bias = lib.tensor(REG_B0, requires_grad=True)
    X, Y = lib.tensor(REG_X), lib.tensor(REG_Y)
    return [W, bias], lambda: ((X @ W + bias - Y) ** 2).mean()


PROBLEMS = {"quadratic": quadratic, "rosenbrock": rosenbrock, "regression": regression}


def trajectory(lib, name, kwargs, problem, steps=20):
    """The parameters (as NumPy arrays) after each of `steps` optimizer steps."""
    params, loss_fn = PROBLEMS[problem](lib)
    opt = getattr(lib.optim, name)(params, **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        opt.step(closure)
        out.append([p.detach().numpy().copy() for p in params])
    return out


def assert_same_trajectory(got, want, rtol=1e-6, atol=1e-9):
    for step, (g, w) in enumerate(zip(got, want)):
        for gp, wp in zip(g, w):
            np.testing.assert_allclose(gp, wp, rtol=rtol, atol=atol, err_msg=f"step {step}")


# ---- NumPy implementations of the published rules (no torch needed) ---------------------
def quad_grad(x):
    return QUAD_A @ x - QUAD_B


def numpy_sgd(steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
              maximize=False):
    x, buf, out = QUAD_X0.copy(), None, []
    for _ in range(steps):
        g = quad_grad(x)
        g = -g if maximize else g
        g = g + weight_decay * x
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        x = x - lr * g
        out.append([x.copy()])
    return out


def numpy_adam(steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
               maximize=False, decoupled=False):
    b1, b2 = betas
    x = QUAD_X0.copy()
    m, v, vmax, out = np.zeros(5), np.zeros(5), np.zeros(5), []
    for t in range(1, steps + 1):
        g = quad_grad(x)
        g = -g if maximize else g
        if decoupled:
            x = x * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - b1 ** t)
        v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
        x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append([x.copy()])
    return out


@pytest.mark.parametrize("kwargs", [
    dict(lr=0.05), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True), dict(lr=0.01, maximize=True),
])
def test_sgd_vs_numpy(kwargs):
    assert_same_trajectory(trajectory(pyt, "SGD", kwargs, "quadratic", 25),
                           numpy_sgd(25, **kwargs), rtol=1e-10)


@pytest.mark.parametrize("kwargs", [
    dict(lr=0.1), dict(lr=0.1, amsgrad=True), dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3), dict(lr=0.01, maximize=True),
    dict(lr=0.1, amsgrad=True, weight_decay=0.05, maximize=True),
])
def test_adam_vs_numpy(kwargs):
    assert_same_trajectory(trajectory(pyt, "Adam", kwargs, "quadratic", 25),
                           numpy_adam(25, **kwargs), rtol=1e-10)


def test_adamw_vs_numpy():
    got = trajectory(pyt, "AdamW", dict(lr=0.1, weight_decay=0.1), "quadratic", 25)
    assert_same_trajectory(got, numpy_adam(25, lr=0.1, weight_decay=0.1, decoupled=True),
                           rtol=1e-10)


def test_sgd_converges_on_regression():
    params, loss_fn = regression(pyt)
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    for _ in range(400):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
    Xb = np.hstack([REG_X, np.ones((16, 1))])
    best = np.linalg.lstsq(Xb, REG_Y, rcond=None)[0]
    np.testing.assert_allclose(params[0].detach().numpy(), best[:3], atol=1e-6)
    np.testing.assert_allclose(params[1].detach().numpy(), best[3], atol=1e-6)


# ---- against torch -------------------------------------------------------------------
CASES = [
    ("SGD", dict(lr=1e-3, momentum=0.9)),
    ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=1e-3, momentum=0.9, dampening=0.3, maximize=False)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.05, maximize=True)),
    ("AdamW", dict(lr=0.05, amsgrad=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.001, alpha=0.9, momentum=0.5, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.5, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("ASGD", dict(lr=1e-3)),
    ("ASGD", dict(lr=1e-3, t0=5, lambd=0.01, weight_decay=0.1)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-3, 0.5), maximize=True)),
]


@pytest.mark.parametrize("problem", ["quadratic", "rosenbrock", "regression"])
@pytest.mark.parametrize("name,kwargs", CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_vs_torch(name, kwargs, problem):
    torch = pytest.importorskip("torch")
    assert_same_trajectory(trajectory(pyt, name, kwargs, problem, 25),
                           trajectory(torch, name, kwargs, problem, 25))


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("problem", ["rosenbrock", "regression"])
def test_lbfgs_vs_torch(line_search_fn, problem):
    torch = pytest.importorskip("torch")
    kwargs = dict(lr=1 if line_search_fn else 0.1, max_iter=5, history_size=7,
                  line_search_fn=line_search_fn)
    # Without a line search, Rosenbrock's valley amplifies rounding differences
    # chaotically after ~60 iterations: compare the first 12 steps there.
    steps = 12 if problem == "rosenbrock" and line_search_fn is None else 20
    assert_same_trajectory(trajectory(pyt, "LBFGS", kwargs, problem, steps),
                           trajectory(torch, "LBFGS", kwargs, problem, steps))


def test_lbfgs_strong_wolfe_solves_rosenbrock():
    params, loss_fn = rosenbrock(pyt)
    opt = optim.LBFGS(params, line_search_fn="strong_wolfe", max_iter=100)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(params[0].detach().numpy(), [1.0, 1.0], atol=1e-4)
    assert float(loss_fn()) < 1e-8
    assert opt.state[params[0]]["n_iter"] > 10


def test_lbfgs_closure_must_return_a_scalar():
    x = pyt.ones(3, requires_grad=True)
    opt = optim.LBFGS([x])
    with pytest.raises((ValueError, RuntimeError)):
        opt.step(lambda: x * 2)


def test_lbfgs_bad_line_search():
    params, loss_fn = quadratic(pyt)
    opt = optim.LBFGS(params, line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


ALL = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad",
       "Adadelta", "ASGD", "Rprop"]


@pytest.mark.parametrize("name", ALL)
def test_float32_parameters_and_foreach(name):
    """float32 parameters keep their dtype and state dtype; foreach=True is accepted and
    gives the same steps; the updates are not recorded by autograd."""
    results = []
    for foreach in (None, True):
        x = pyt.tensor([[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]], requires_grad=True)
        opt = getattr(optim, name)([x], lr=0.01, foreach=foreach)
        for _ in range(3):
            opt.zero_grad()
            (x * x).sum().backward()
            opt.step()
        assert x.dtype == pyt.float32 and x.is_leaf and x.grad_fn is None
        for key, value in opt.state[x].items():
            if isinstance(value, pyt.Tensor) and value.dim() > 0:
                assert value.dtype == pyt.float32 and value.shape == x.shape, key
        results.append(x.detach().numpy().copy())
    np.testing.assert_array_equal(results[0], results[1])
    assert np.all(np.abs(results[0]) < np.abs([[1.0, 2.0, 3.0], [0.5, 0.25, 1.0]]))


def test_param_group_added_later_gets_state():
    x, y = pyt.ones(2, requires_grad=True), pyt.ones(2, requires_grad=True)
    for name in ALL:
        opt = getattr(optim, name)([x], lr=0.1)
        opt.add_param_group({"params": [y], "lr": 0.01})
        x.grad, y.grad = pyt.ones(2), pyt.ones(2)
        opt.step()
        assert y in opt.state or name == "SGD"


def test_lbfgs_stops_at_a_stationary_point():
    x = pyt.zeros(3, dtype=pyt.float64, requires_grad=True)
    opt = optim.LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss
    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1 and opt.state[x]["func_evals"] == 1


# ---- state -----------------------------------------------------------------------------
def _state_keys(opt):
    sd = opt.state_dict()
    return ({k: sorted(v) for k, v in sd["state"].items()},
            [{k: (v if k != "params" else v) for k, v in g.items()} for g in sd["param_groups"]])


@pytest.mark.parametrize("name,kwargs", CASES[::2] + [("LBFGS", dict(history_size=5))],
                         ids=[n for n, _ in CASES[::2]] + ["LBFGS"])
def test_state_dict_layout_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    layouts, values = [], []
    for lib in (pyt, torch):
        params, loss_fn = regression(lib)
        opt = getattr(lib.optim, name)(params, **kwargs)
        for _ in range(2):
            def closure():
                opt.zero_grad()
                loss = loss_fn()
                loss.backward()
                return loss
            opt.step(closure)
        layouts.append(_state_keys(opt))
        sd = opt.state_dict()
        values.append(_as_numbers(sd["state"]))
        if "step" in sd["state"][0]:
            step = sd["state"][0]["step"]
            assert step.dim() == 0 and str(step.dtype).endswith("float32")
            assert float(step) == 2
    assert layouts[0] == layouts[1]
    _assert_close_nested(values[0], values[1])


def _as_numbers(value):
    """A state dict with its tensors as NumPy arrays (for comparing pyt's with torch's)."""
    if isinstance(value, dict):
        return {k: _as_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_numbers(v) for v in value]
    if hasattr(value, "detach"):
        return value.detach().numpy().copy()
    return value


def _assert_close_nested(got, want):
    if isinstance(want, dict):
        assert sorted(got) == sorted(want)
        for k in want:
            _assert_close_nested(got[k], want[k])
    elif isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _assert_close_nested(g, w)
    elif want is None:
        assert got is None
    else:
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.01, momentum=0.9)), ("Adam", dict(lr=0.05, amsgrad=True)),
    ("NAdam", dict(lr=0.05)), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1)), ("ASGD", dict(lr=0.01, t0=3)), ("Rprop", dict()),
    ("Adadelta", dict()), ("Adamax", dict()), ("RAdam", dict()),
    ("LBFGS", dict(max_iter=3, line_search_fn="strong_wolfe")),
])
def test_state_dict_round_trip(name, kwargs):
    """Checkpoint mid-training, continue in a fresh optimizer: the same trajectory."""
    params, loss_fn = regression(pyt)
    opt = getattr(optim, name)(params, **kwargs)

    def run(opt, params, steps):
        def closure():
            opt.zero_grad()
            loss = loss_fn_of[id(opt)]()
            loss.backward()
            return loss
        out = []
        for _ in range(steps):
            opt.step(closure)
            out.append([p.detach().numpy().copy() for p in params])
        return out

    loss_fn_of = {id(opt): loss_fn}
    run(opt, params, 5)
    # state_dict() shares the live state tensors (as torch's does): copy it, as saving
    # it to a file would.
    checkpoint = copy.deepcopy(opt.state_dict())
    saved_params = [p.detach().clone() for p in params]
    expected = run(opt, params, 10)

    params2, loss_fn2 = regression(pyt)
    with pyt.no_grad():
        for p, s in zip(params2, saved_params):
            p.copy_(s)
    opt2 = getattr(optim, name)(params2, **kwargs)
    opt2.load_state_dict(checkpoint)
    loss_fn_of[id(opt2)] = loss_fn2
    # Loading casts floating state to the parameter's dtype, as torch does: ASGD's float32
    # eta/mu become float64, which moves its trajectory by ~1e-8 (torch's does the same).
    assert_same_trajectory(run(opt2, params2, 10), expected,
                           rtol=1e-6 if name == "ASGD" else 1e-12)


def test_state_dict_structure():
    a = pyt.zeros(2, requires_grad=True)
    b = pyt.zeros(3, requires_grad=True)
    c = pyt.zeros(1, requires_grad=True)
    opt = optim.SGD([{"params": [a, b]}, {"params": c, "lr": 0.5}], lr=0.1, momentum=0.9)
    for p in (a, b, c):
        p.grad = pyt.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["lr"] == 0.1
    assert list(sd["param_groups"][0])[-1] == "params"
    np.testing.assert_allclose(sd["state"][1]["momentum_buffer"].numpy(), np.ones(3))
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([{"params": [a]}, {"params": [b, c]}], lr=0.1).load_state_dict(sd)


def test_param_groups_and_zero_grad():
    a = pyt.ones(2, requires_grad=True)
    b = pyt.ones(2, requires_grad=True)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})
    c = pyt.ones(1, requires_grad=True)
    opt.add_param_group({"params": c, "eps": 1.0})
    assert opt.param_groups[2]["params"] == [c] and opt.param_groups[2]["eps"] == 1.0
    (a.sum() + b.sum()).backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    # parameters without a gradient are skipped, and get no state
    opt.step()
    assert len(opt.state) == 0


def test_step_returns_closure_loss_and_hooks():
    x = pyt.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([x], lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert float(loss) == 5.0 and calls == ["pre", "post"]
    np.testing.assert_allclose(x.detach().numpy(), [0.8, 1.6])
    assert x.requires_grad and x.grad_fn is None
    pre.remove()
    opt.step(closure)
    assert calls == ["pre", "post", "post"]


@pytest.mark.parametrize("make,message", [
    (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
    (lambda p: optim.Adam(p, lr=-1.0), "Invalid learning rate: -1.0"),
    (lambda p: optim.Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.Adam(p, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
    (lambda p: optim.RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Rprop(p, etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    (lambda p: optim.LBFGS(p, lr=-2), "Invalid learning rate: -2"),
    (lambda p: optim.ASGD(p, weight_decay=-2), "Invalid weight_decay value: -2"),
    (lambda p: optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
    (lambda p: optim.SGD([p[0] * 2], lr=0.1), "can't optimize a non-leaf Tensor"),
    (lambda p: optim.LBFGS([{"params": p}, {"params": [pyt.ones(1, requires_grad=True)]}]),
     "LBFGS doesn't support per-parameter options"),
])
def test_bad_hyper_parameters(make, message):
    params = [pyt.ones(2, requires_grad=True)]
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make(params)


def test_bad_params_type():
    x = pyt.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(x, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {x}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([x, 3.0], lr=0.1)


# ---- schedulers ------------------------------------------------------------------------
def _lr_sequence(lib, make, steps=30, groups=2, opt_name="SGD", metrics=None):
    params = [lib.zeros(1, requires_grad=True) for _ in range(groups)]
    opt = getattr(lib.optim, opt_name)([{"params": [p], "lr": 0.1 * (i + 1)}
                                        for i, p in enumerate(params)], lr=0.1, momentum=0.9) \
        if opt_name == "SGD" else getattr(lib.optim, opt_name)(
            [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)])
    sched = make(lib.optim.lr_scheduler, opt)
    seq = [list(sched.get_last_lr())]
    for i in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        seq.append(list(sched.get_last_lr()) + [g.get("momentum", g.get("betas", (0,))[0])
                                                for g in opt.param_groups])
    return seq


SCHEDULERS = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-list": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9),
    "StepLR": lambda m, o: m.StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=10),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=12, power=2.0),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, 4, 2, 0.001),
    "CyclicLR": lambda m, o: m.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=3, step_size_down=5),
    "CyclicLR-tri2": lambda m, o: m.CyclicLR(o, 0.01, 0.1, 4, mode="triangular2"),
    "CyclicLR-exp": lambda m, o: m.CyclicLR(o, 0.01, 0.1, 4, mode="exp_range", gamma=0.9),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=31),
    "OneCycleLR-3": lambda m, o: m.OneCycleLR(o, max_lr=1.0, epochs=4, steps_per_epoch=8,
                                              anneal_strategy="linear", three_phase=True),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, 0.1, total_iters=5), m.ExponentialLR(o, 0.8)], milestones=[6]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, 0.5, total_iters=4), m.ExponentialLR(o, 0.9)]),
    "Chained-cosine-step": lambda m, o: m.ChainedScheduler(
        [m.CosineAnnealingLR(o, T_max=5), m.StepLR(o, 3, 0.5)]),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_vs_torch(name):
    torch = pytest.importorskip("torch")
    got = _lr_sequence(pyt, SCHEDULERS[name])
    want = _lr_sequence(torch, SCHEDULERS[name])
    np.testing.assert_allclose(np.array(got[1:]), np.array(want[1:]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_onecycle_momentum_vs_torch(opt_name):
    torch = pytest.importorskip("torch")
    make = SCHEDULERS["OneCycleLR"]
    np.testing.assert_allclose(np.array(_lr_sequence(pyt, make, opt_name=opt_name)[1:]),
                               np.array(_lr_sequence(torch, make, opt_name=opt_name)[1:]),
                               rtol=1e-12)


def test_reduce_lr_on_plateau_vs_torch():
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.9, 0.9, 0.95, 0.91, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7] * 2
    for kwargs in (dict(patience=2), dict(patience=1, cooldown=2, factor=0.5, min_lr=0.02),
                   dict(mode="max", threshold_mode="abs", threshold=0.05, patience=0)):
        make = lambda m, o: m.ReduceLROnPlateau(o, **kwargs)  # noqa: E731
        got = _lr_sequence(pyt, make, steps=len(metrics), metrics=metrics)
        want = _lr_sequence(torch, make, steps=len(metrics), metrics=metrics)
        np.testing.assert_allclose(np.array(got[1:]), np.array(want[1:]), rtol=1e-12)
        assert got[0] == want[0]


def test_closed_form_schedules():
    """Reference values from the formulas, without torch."""
    x = pyt.zeros(1, requires_grad=True)
    opt = optim.SGD([x], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(9):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs == [0.5 ** (e // 3) for e in range(10)]

    opt = optim.SGD([x], lr=1.0)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    for e in range(1, 11):
        opt.step()
        sched.step()
        want = 0.1 + 0.9 * (1 + math.cos(math.pi * e / 10)) / 2
        assert math.isclose(sched.get_last_lr()[0], want, rel_tol=1e-12, abs_tol=1e-14)

    opt = optim.SGD([x], lr=2.0)
    sched = lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + e))
    for e in range(1, 6):
        opt.step()
        sched.step()
        assert sched.get_last_lr() == [2.0 / (1 + e)] == [opt.param_groups[0]["lr"]]
    assert opt.param_groups[0]["initial_lr"] == 2.0

    # step(epoch) uses the closed form
    opt = optim.SGD([x], lr=1.0)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning):
        sched.step(4)
    assert sched.get_last_lr() == [0.0625]


def test_scheduler_state_dict_round_trip():
    x = pyt.zeros(1, requires_grad=True)

    def make():
        opt = optim.SGD([x], lr=1.0, momentum=0.9)
        return opt, lr_scheduler.SequentialLR(
            opt, [lr_scheduler.ConstantLR(opt, 0.5, total_iters=3),
                  lr_scheduler.CosineAnnealingLR(opt, T_max=8)], milestones=[4])

    opt, sched = make()
    for _ in range(6):
        opt.step()
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved_sched
    expected = []
    for _ in range(5):
        opt.step()
        sched.step()
        expected.append(sched.get_last_lr())

    opt2, sched2 = make()
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    got = []
    for _ in range(5):
        opt2.step()
        sched2.step()
        got.append(sched2.get_last_lr())
    assert got == expected


def test_scheduler_bad_arguments():
    x = pyt.zeros(1, requires_grad=True)
    opt = optim.SGD([x], lr=1.0)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), 3)
    with pytest.raises(ValueError, match="Constant multiplicative factor"):
        lr_scheduler.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="You must define either total_steps"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        lr_scheduler.OneCycleLR(optim.Adagrad([x]), max_lr=1.0, total_steps=5)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1, lambda e: 1])
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optim.SGD([pyt.zeros(1, requires_grad=True)], lr=1.0), 3,
                            last_epoch=4)
    sched = lr_scheduler.OneCycleLR(optim.SGD([x], lr=1.0, momentum=0.9), 1.0, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()
