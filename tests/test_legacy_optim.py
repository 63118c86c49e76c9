"""pyt.legacy.optim: Lua Torch's functional optimizers against their update rules in NumPy."""
import math

import numpy as np
import pytest

import pyt
from pyt.legacy import optim

A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
B = np.array([1.0, -2.0, 0.5])
X0_QUAD = np.array([0.5, 1.0, -1.5])
X0_ROSEN = np.array([-1.2, 1.0])


def quad_np(x):
    return 0.5 * x @ A @ x - B @ x, A @ x - B


def rosen_np(x):
    a, b = x
    f = (1 - a) ** 2 + 100 * (b - a * a) ** 2
    return f, np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


def as_opfunc(fn):
    """A pyt opfunc from a NumPy (f, grad) function; a fresh gradient tensor each call."""
    def opfunc(x):
        f, g = fn(x.numpy().copy())
        return f, pyt.tensor(g, dtype=x.dtype)
    return opfunc


PROBLEMS = {"quadratic": (quad_np, X0_QUAD), "rosenbrock": (rosen_np, X0_ROSEN)}


# -- the published update rules, step by step in NumPy --------------------------------

def ref_sgd(fn, x, steps, lr=1e-3, lrd=0, wd=0, mom=0, damp=None, nesterov=False,
            lrs=None, wds=None):
    damp = mom if damp is None else damp
    v = None
    for k in range(steps):
        g = fn(x)[1] + (wd * x if wd else (wds * x if wds is not None else 0))
        if mom:
            v = g.copy() if v is None else mom * v + (1 - damp) * g
            g = g + mom * v if nesterov else v
        x = x - lr / (1 + k * lrd) * (lrs * g if lrs is not None else g)
    return x


def ref_adam(fn, x, steps, lr=1e-3, lrd=0, b1=0.9, b2=0.999, eps=1e-8, wd=0):
    m = v = 0
    for t in range(1, steps + 1):
        g = fn(x)[1] + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        clr = lr / (1 + (t - 1) * lrd)
        x = x - clr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    return x


def ref_adamax(fn, x, steps, lr=2e-3, b1=0.9, b2=0.999, eps=1e-38):
    m = u = 0
    for t in range(1, steps + 1):
        g = fn(x)[1]
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        x = x - lr / (1 - b1 ** t) * m / u
    return x


def ref_adagrad(fn, x, steps, lr=1e-3, lrd=0):
    s = 0
    for k in range(steps):
        g = fn(x)[1]
        s = s + g * g
        x = x - lr / (1 + k * lrd) * g / (np.sqrt(s) + 1e-10)
    return x


def ref_adadelta(fn, x, steps, rho=0.9, eps=1e-6):
    eg = ed = 0
    for _ in range(steps):
        g = fn(x)[1]
        eg = rho * eg + (1 - rho) * g * g
        dx = np.sqrt(ed + eps) / np.sqrt(eg + eps) * g
        x = x - dx
        ed = rho * ed + (1 - rho) * dx * dx
    return x


def ref_rmsprop(fn, x, steps, lr=1e-2, alpha=0.99, eps=1e-8):
    m = 0
    for _ in range(steps):
        g = fn(x)[1]
        m = alpha * m + (1 - alpha) * g * g
        x = x - lr * g / (np.sqrt(m) + eps)
    return x


def ref_nag(fn, x, steps, lr=1e-3, mom=0.9):
    v = np.zeros_like(x)
    for _ in range(steps):
        g = fn(x + mom * v)[1]              # gradient at the look-ahead point
        v = mom * v - lr * g
        x = x + v
    return x


def ref_asgd(fn, x, steps, eta0=1e-2, lam=1e-4, alpha=0.75, t0=2):
    eta, mu, ax = eta0, 1.0, None
    for t in range(1, steps + 1):
        g = fn(x)[1]
        x = (1 - lam * eta) * x - eta * g
        ax = x.copy() if mu == 1 else ax + mu * (x - ax)
        eta = eta0 / (1 + lam * eta0 * t) ** alpha
        mu = 1 / max(1, t - t0)
    return x, ax


def ref_rprop(fn, x, steps, step0=0.1, up=1.2, down=0.5, smax=50.0, smin=1e-6):
    prev = np.zeros_like(x)
    size = np.full_like(x, step0)
    for _ in range(steps):
        g = fn(x)[1]
        agree = np.sign(g * prev)
        size = np.clip(size * np.where(agree > 0, up, np.where(agree < 0, down, 1.0)),
                       smin, smax)
        g = np.where(agree < 0, 0.0, g)
        x = x - np.sign(g) * size
        prev = g
    return x


CASES = [
    ("sgd", {}, ref_sgd, {}),
    ("sgd", {"learningRate": 2e-3, "momentum": 0.9, "learningRateDecay": 0.1,
             "weightDecay": 0.01}, ref_sgd, dict(lr=2e-3, mom=0.9, lrd=0.1, wd=0.01)),
    ("sgd", {"learningRate": 1e-3, "momentum": 0.8, "dampening": 0, "nesterov": True},
     ref_sgd, dict(mom=0.8, damp=0, nesterov=True)),
    ("sgd", {"momentum": 0.5, "dampening": 0.1}, ref_sgd, dict(mom=0.5, damp=0.1)),
    ("adam", {}, ref_adam, {}),
    ("adam", {"learningRate": 1e-2, "learningRateDecay": 0.05, "beta1": 0.8, "beta2": 0.99,
              "weightDecay": 0.1}, ref_adam, dict(lr=1e-2, lrd=0.05, b1=0.8, b2=0.99, wd=0.1)),
    ("adamax", {}, ref_adamax, {}),
    ("adamax", {"learningRate": 1e-2, "beta1": 0.5}, ref_adamax, dict(lr=1e-2, b1=0.5)),
    ("adagrad", {"learningRate": 1e-1, "learningRateDecay": 0.1}, ref_adagrad,
     dict(lr=1e-1, lrd=0.1)),
    ("adadelta", {}, ref_adadelta, {}),
    ("adadelta", {"rho": 0.5, "eps": 1e-3}, ref_adadelta, dict(rho=0.5, eps=1e-3)),
    ("rmsprop", {}, ref_rmsprop, {}),
    ("rmsprop", {"learningRate": 1e-3, "alpha": 0.9}, ref_rmsprop, dict(lr=1e-3, alpha=0.9)),
    ("nag", {}, ref_nag, {}),
    ("nag", {"learningRate": 1e-4, "momentum": 0.5}, ref_nag, dict(lr=1e-4, mom=0.5)),
    ("rprop", {}, ref_rprop, {}),
    ("rprop", {"stepsize": 0.5, "etaplus": 1.5, "stepsizemax": 1.0}, ref_rprop,
     dict(step0=0.5, up=1.5, smax=1.0)),
]


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("name, config, reference, ref_kwargs", CASES)
def test_iterates_follow_the_update_rule(name, config, reference, ref_kwargs, problem):
    fn, x0 = PROBLEMS[problem]
    x = pyt.tensor(x0, dtype=pyt.float64)
    config = dict(config)                   # state lives in config (state=None)
    values = []
    for steps in (1, 5, 25):
        while len(values) < steps:
            returned, fx = getattr(optim, name)(as_opfunc(fn), x, config)[:2]
            assert returned is x             # updated in place
            values.extend(fx)
        np.testing.assert_allclose(x.numpy(), reference(fn, x0.copy(), steps, **ref_kwargs),
                                   rtol=1e-9, atol=1e-12)
    # fx is f before each step: the first one is f(x0)
    assert values[0] == pytest.approx(fn(x0)[0])


def test_state_dict_separate_from_config():
    fn, x0 = PROBLEMS["rosenbrock"]
    config, state = {"learningRate": 1e-3, "momentum": 0.9}, {}
    x = pyt.tensor(x0, dtype=pyt.float64)
    for _ in range(4):
        optim.sgd(as_opfunc(fn), x, config, state)
    assert set(config) == {"learningRate", "momentum"}
    assert state["evalCounter"] == 4 and "dfdx" in state
    np.testing.assert_allclose(x.numpy(), ref_sgd(fn, x0.copy(), 4, mom=0.9), rtol=1e-12)


def test_sgd_per_element_rates_and_decays():
    fn, x0 = PROBLEMS["quadratic"]
    lrs, wds = np.array([1e-2, 2e-2, 5e-3]), np.array([0.1, 0.0, 0.3])
    config = {"learningRate": 1.0, "learningRates": pyt.tensor(lrs, dtype=pyt.float64),
              "weightDecays": pyt.tensor(wds, dtype=pyt.float64)}
    x = pyt.tensor(x0, dtype=pyt.float64)
    for _ in range(6):
        optim.sgd(as_opfunc(fn), x, config)
    np.testing.assert_allclose(x.numpy(), ref_sgd(fn, x0.copy(), 6, lr=1.0, lrs=lrs, wds=wds),
                               rtol=1e-12)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_asgd_iterates_and_average(problem):
    fn, x0 = PROBLEMS[problem]
    x = pyt.tensor(x0, dtype=pyt.float64)
    config = {"eta0": 1e-3, "lambda": 1e-2, "t0": 2}
    for _ in range(6):
        _, fx, ax = optim.asgd(as_opfunc(fn), x, config)
    ref_x, ref_ax = ref_asgd(fn, x0.copy(), 6, eta0=1e-3, lam=1e-2, t0=2)
    np.testing.assert_allclose(x.numpy(), ref_x, rtol=1e-12)
    np.testing.assert_allclose(ax.numpy(), ref_ax, rtol=1e-12)


def test_rprop_niter_returns_every_value():
    fn, x0 = PROBLEMS["rosenbrock"]
    x = pyt.tensor(x0, dtype=pyt.float64)
    _, fx = optim.rprop(as_opfunc(fn), x, {"niter": 7})
    assert len(fx) == 7
    np.testing.assert_allclose(x.numpy(), ref_rprop(fn, x0.copy(), 7), rtol=1e-12)


def test_float32_and_2d_parameters():
    # The optimizers only use elementwise tensor ops: any shape and float dtype works.
    target = pyt.tensor([[1.0, -2.0], [0.5, 3.0]])
    x = pyt.zeros(2, 2)
    config = {"learningRate": 0.1}
    for _ in range(300):
        optim.adam(lambda v: (float(((v - target) ** 2).sum()), 2 * (v - target)), x, config)
    assert x.dtype == pyt.float32
    np.testing.assert_allclose(x.numpy(), target.numpy(), atol=1e-3)


def test_bad_configurations():
    fn, x0 = PROBLEMS["quadratic"]
    x = pyt.tensor(x0, dtype=pyt.float64)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.sgd(as_opfunc(fn), x, {"nesterov": True, "momentum": 0.9})
    with pytest.raises(ValueError, match="Momentum must be positive"):
        optim.nag(as_opfunc(fn), x, {"momentum": 0})


# -- lbfgs, cg, line search ------------------------------------------------------------

def test_lbfgs_with_wolfe_line_search_finds_rosenbrock_minimum():
    fn, x0 = PROBLEMS["rosenbrock"]
    x = pyt.tensor(x0, dtype=pyt.float64)
    config = {"maxIter": 100, "maxEval": 200, "lineSearch": optim.lswolfe, "tolFun": 1e-10,
              "tolX": 1e-14}
    _, f_hist, evals = optim.lbfgs(as_opfunc(fn), x, config)
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-7)
    assert f_hist[0] == pytest.approx(fn(x0)[0]) and f_hist[-1] < 1e-10
    assert evals == config["funcEval"] and config["nIter"] < 100


def test_lbfgs_with_wolfe_matches_torch_lbfgs():
    # torch.optim.LBFGS(line_search_fn='strong_wolfe') follows the same algorithm.
    torch = pytest.importorskip("torch")
    fn, x0 = PROBLEMS["rosenbrock"]
    x = pyt.tensor(x0, dtype=pyt.float64)
    config = {"maxIter": 100, "lineSearch": optim.lswolfe, "tolFun": 1e-10, "tolX": 1e-9}
    _, _, evals = optim.lbfgs(as_opfunc(fn), x, config)

    xt = torch.tensor(x0, requires_grad=True)
    opt = torch.optim.LBFGS([xt], max_iter=100, line_search_fn="strong_wolfe",
                            tolerance_grad=1e-10, tolerance_change=1e-9)

    def closure():
        opt.zero_grad()
        f = (1 - xt[0]) ** 2 + 100 * (xt[1] - xt[0] ** 2) ** 2
        f.backward()
        return f

    opt.step(closure)
    np.testing.assert_allclose(x.numpy(), xt.detach().numpy(), rtol=1e-8)
    assert evals == opt.state[xt]["func_evals"]
    assert config["nIter"] == opt.state[xt]["n_iter"]


def test_lbfgs_fixed_step_continues_across_calls_and_solves_quadratic():
    fn, x0 = PROBLEMS["quadratic"]
    x = pyt.tensor(x0, dtype=pyt.float64)
    state = {}
    for _ in range(10):                      # maxIter 3 per call; the history carries on
        optim.lbfgs(as_opfunc(fn), x, {"maxIter": 3, "tolFun": 1e-12, "tolX": 1e-16}, state)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(A, B), atol=1e-8)
    assert state["nIter"] >= 6 and len(state["old_dirs"]) > 0


def test_lbfgs_first_steps_match_reference():
    # Two fixed-step iterations by hand: a scaled gradient step, then one BFGS update.
    fn, x0 = PROBLEMS["quadratic"]
    x = pyt.tensor(x0, dtype=pyt.float64)
    optim.lbfgs(as_opfunc(fn), x, {"maxIter": 2, "learningRate": 0.5})
    g0 = fn(x0)[1]
    d0 = -g0
    t0 = min(1, 1 / np.abs(g0).sum()) * 0.5
    x1 = x0 + t0 * d0
    g1 = fn(x1)[1]
    s, y = t0 * d0, g1 - g0
    rho = 1 / (y @ s)
    H = (np.eye(3) - rho * np.outer(s, y)) @ ((y @ s) / (y @ y) * np.eye(3)) \
        @ (np.eye(3) - rho * np.outer(y, s)) + rho * np.outer(s, s)
    x2 = x1 + 0.5 * (-H @ g1)
    np.testing.assert_allclose(x.numpy(), x2, rtol=1e-10)


def test_lbfgs_stops_at_optimum_and_with_reused_gradient_buffer():
    fn, _ = PROBLEMS["quadratic"]
    x = pyt.tensor(np.linalg.solve(A, B), dtype=pyt.float64)
    _, f_hist, evals = optim.lbfgs(as_opfunc(fn), x, {})
    assert len(f_hist) == 1 and evals == 1

    buffer = pyt.zeros(2, dtype=pyt.float64)  # opfunc writes into the same tensor each call

    def opfunc(v):
        f, g = rosen_np(v.numpy().copy())
        buffer.copy_(pyt.tensor(g, dtype=pyt.float64))
        return f, buffer

    x = pyt.tensor(X0_ROSEN, dtype=pyt.float64)
    optim.lbfgs(opfunc, x, {"maxIter": 100, "lineSearch": optim.lswolfe, "tolFun": 1e-10})
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-5)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_cg_finds_the_minimum(problem):
    fn, x0 = PROBLEMS[problem]
    x = pyt.tensor(x0, dtype=pyt.float64)
    _, fx, evals = optim.cg(as_opfunc(fn), x, {"maxEval": 300})
    expected = [1.0, 1.0] if problem == "rosenbrock" else np.linalg.solve(A, B)
    np.testing.assert_allclose(x.numpy(), expected, atol=1e-6)
    assert fx[0] == pytest.approx(fn(x0)[0])
    assert all(b <= a for a, b in zip(fx, fx[1:]))       # each line search decreases f
    assert evals <= 300


def test_cg_respects_eval_budget():
    fn, x0 = PROBLEMS["rosenbrock"]
    calls = []

    def opfunc(v):
        calls.append(1)
        return as_opfunc(fn)(v)

    x = pyt.tensor(x0, dtype=pyt.float64)
    _, _, evals = optim.cg(opfunc, x, {"maxEval": 25})
    assert evals == len(calls) <= 26


def test_lswolfe_meets_wolfe_conditions():
    fn, x0 = PROBLEMS["rosenbrock"]
    x = pyt.tensor(x0, dtype=pyt.float64)
    f, g = as_opfunc(fn)(x)
    d = -g
    gtd = float(g.dot(d))
    f_new, g_new, x_out, t, evals = optim.lswolfe(as_opfunc(fn), x, 1.0, d, f, g, gtd)
    assert x_out is x
    np.testing.assert_allclose(x.numpy(), x0 + t * d.numpy(), rtol=1e-12)
    assert f_new == pytest.approx(fn(x.numpy())[0])
    assert f_new <= f + 1e-4 * t * gtd                            # sufficient decrease
    assert abs(float(g_new.dot(d))) <= 0.9 * abs(gtd)             # curvature
    assert evals >= 1


def test_polyinterp_cubic_minimum():
    # f(t) = (t - 0.3)^2 (a parabola is its own cubic fit): minimum at 0.3.
    pts = [[0.0, 0.09, -0.6], [1.0, 0.49, 1.4]]
    assert optim.polyinterp(pts) == pytest.approx(0.3)
    t, f = optim.polyinterp(pts, -1.0, 2.0)
    assert t == pytest.approx(0.3) and f == pytest.approx(0.0, abs=1e-12)
    # f(t) = t^3 - 3t: local minimum at t = 1 within [0, 3].
    cubic = [[0.0, 0.0, -3.0], [3.0, 18.0, 24.0]]
    assert optim.polyinterp(cubic, 0.0, 3.0)[0] == pytest.approx(1.0)


# -- ConfusionMatrix -----------------------------------------------------------------

def test_confusion_matrix_numbers():
    cm = optim.ConfusionMatrix(["cat", "dog", "bird"])
    targets = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    preds = [0, 0, 1, 1, 2, 2, 2, 0, 2]
    scores = pyt.zeros(len(preds), 3)
    for i, p in enumerate(preds):
        scores[i, p] = 1.0
    cm.batchAdd(scores, pyt.tensor(targets))
    cm.add(1, 1)                             # indices
    cm.add(pyt.tensor([0.1, 0.2, 0.7]), 2)   # scores and an index
    cm.add(0, -1)                            # a missing target: ignored
    targets += [1, 2]
    preds += [1, 2]
    expected = np.zeros((3, 3), dtype=np.int64)
    for t, p in zip(targets, preds):
        expected[t, p] += 1
    np.testing.assert_array_equal(cm.mat.numpy(), expected)
    cm.updateValids()
    diag = np.diag(expected).astype(float)
    np.testing.assert_allclose(cm.valids.numpy(), diag / expected.sum(1), rtol=1e-6)
    np.testing.assert_allclose(cm.unionvalids.numpy(),
                               diag / (expected.sum(1) + expected.sum(0) - diag), rtol=1e-6)
    assert cm.totalValid == pytest.approx(diag.sum() / expected.sum())
    assert cm.averageValid == pytest.approx((diag / expected.sum(1)).mean(), rel=1e-6)
    text = str(cm)
    assert text.startswith("ConfusionMatrix:\n[[       2       1       0]   66.667% \t[class: cat]")
    assert "]]  " in text and "+ global correct: " in text
    assert f"{cm.totalValid * 100}%" in text
    cm.zero()
    assert cm.mat.sum().item() == 0 and cm.totalValid == 0


def test_confusion_matrix_unseen_class_and_bad_input():
    cm = optim.ConfusionMatrix(3)
    cm.batchAdd(pyt.tensor([0, 1, 1]), pyt.tensor([[0], [1], [1]]))
    cm.updateValids()
    assert math.isnan(cm.valids[2].item())
    assert cm.averageValid == pytest.approx(1.0)      # NaN classes are left out
    assert "[class" not in str(cm)
    with pytest.raises(IndexError, match="out of range"):
        cm.add(3, 0)
    with pytest.raises(ValueError, match="dimensions"):
        cm.batchAdd(pyt.zeros(2, 2, 2), pyt.zeros(2))
    with pytest.raises(ValueError):
        optim.ConfusionMatrix(0)


# -- Logger ---------------------------------------------------------------------------

def test_logger_writes_tab_separated_rows(tmp_path):
    path = tmp_path / "logs" / "train.log"
    logger = optim.Logger(str(path))
    logger.add({"loss": 0.5, "accuracy": 91.25})
    logger.add({"loss": pyt.tensor(0.25), "accuracy": 95})
    logger.add({"loss": "n/a", "accuracy": 96.0})
    logger.plot()                            # draws nothing, must not fail
    lines = path.read_text().split("\n")
    assert lines[0] == "loss\taccuracy\t"
    assert lines[1] == f"{0.5:11.4e}\t{91.25:11.4e}\t"
    assert lines[2] == f"{0.25:11.4e}\t{95:11.4e}\t"
    assert lines[3] == "n/a\t" + f"{96.0:11.4e}\t"
    assert logger.symbols["loss"] == [0.5, 0.25, "n/a"]
    with pytest.raises(TypeError, match="numbers and strings"):
        logger.add({"loss": [1, 2]})
    logger.close()


def test_logger_set_names_and_lists(tmp_path):
    path = tmp_path / "named.log"
    logger = optim.Logger(str(path)).setNames(["train", "test"])
    logger.add([1.0, 2.0])
    logger.close()
    assert path.read_text() == f"train\ttest\t\n{1.0:11.4e}\t{2.0:11.4e}\t\n"


def test_opfunc_from_autograd():
    # The usual pattern: differentiate a detached copy, hand back its gradient.
    def opfunc(x):
        v = x.detach().requires_grad_()
        f = (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2
        f.backward()
        return f.item(), v.grad

    x = pyt.tensor(X0_ROSEN, dtype=pyt.float64)
    optim.lbfgs(opfunc, x, {"maxIter": 100, "lineSearch": optim.lswolfe, "tolFun": 1e-10,
                            "tolX": 1e-14, "maxEval": 200})
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-7)
    x = pyt.tensor(X0_ROSEN, dtype=pyt.float64)
    config = {"learningRate": 0.01}
    for _ in range(5):
        optim.adam(opfunc, x, config)
    np.testing.assert_allclose(x.numpy(), ref_adam(rosen_np, X0_ROSEN.copy(), 5, lr=0.01),
                               rtol=1e-9)
