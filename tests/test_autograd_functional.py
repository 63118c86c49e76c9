"""pyt.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp."""
import numpy as np
import pytest

import pyt
from pyt.autograd import functional as F, gradcheck


def arr(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def t(a, requires_grad=False):
    return pyt.tensor(a, dtype=pyt.float64, requires_grad=requires_grad)


def close(actual, expected):
    np.testing.assert_allclose(actual.detach().numpy(), expected, rtol=1e-10, atol=1e-12)


def no_history(result):
    if isinstance(result, (tuple, list)):
        return all(no_history(r) for r in result)
    return not result.requires_grad and result.grad_fn is None


JACOBIAN_MODES = [{}, {"vectorize": True},
                  {"vectorize": True, "strategy": "forward-mode"}]


# ----- closed-form derivatives ----------------------------------------------------------

@pytest.mark.parametrize("mode", JACOBIAN_MODES)
def test_jacobian_polynomial_and_transcendental(mode):
    x = arr(4)
    jac = F.jacobian(lambda a: a ** 3 + 2 * a, t(x), **mode)
    close(jac, np.diag(3 * x ** 2 + 2))
    jac = F.jacobian(lambda a: a.exp() * a.sin(), t(x), **mode)
    close(jac, np.diag(np.exp(x) * (np.sin(x) + np.cos(x))))
    grad = F.jacobian(lambda a: (a.exp() * a.sin()).sum(), t(x), **mode)
    close(grad, np.exp(x) * (np.sin(x) + np.cos(x)))


@pytest.mark.parametrize("mode", JACOBIAN_MODES)
def test_jacobian_matmul(mode):
    a, x, b = arr(3, 4), arr(4, 2, seed=1), arr(2, 5, seed=2)
    jac = F.jacobian(lambda m: pyt.matmul(t(a), m), t(x), **mode)
    assert jac.shape == (3, 2, 4, 2)
    close(jac, np.einsum("ik,jl->ijkl", a, np.eye(2)))
    jac_a, jac_b = F.jacobian(pyt.matmul, (t(x), t(b)), **mode)
    assert jac_a.shape == (4, 5, 4, 2) and jac_b.shape == (4, 5, 2, 5)
    close(jac_a, np.einsum("ik,lj->ijkl", np.eye(4), b))
    close(jac_b, np.einsum("ik,jl->ijkl", x, np.eye(5)))


@pytest.mark.parametrize("mode", JACOBIAN_MODES)
def test_jacobian_multi_input_multi_output(mode):
    x, y = arr(3), arr(3, 2, seed=1)

    def f(a, b):
        return a.sin(), (a.unsqueeze(1) * b).sum(), b.exp()

    jac = F.jacobian(f, (t(x), t(y)), **mode)
    assert len(jac) == 3 and all(len(row) == 2 for row in jac)
    close(jac[0][0], np.diag(np.cos(x)))
    close(jac[0][1], np.zeros((3, 3, 2)))                      # output 0 ignores b
    close(jac[1][0], y.sum(1))
    close(jac[1][1], np.repeat(x[:, None], 2, 1))
    close(jac[2][0], np.zeros((3, 2, 3)))
    close(jac[2][1], np.einsum("ik,jl->ijkl", np.eye(3), np.eye(2)) * np.exp(y)[:, :, None, None])


def test_jacobian_nesting():
    x, y = t(arr(3)), t(arr(2, seed=1))
    assert isinstance(F.jacobian(lambda a: a * 2, x), pyt.Tensor)
    single_in = F.jacobian(lambda a: (a * 2, a.sum()), x)
    assert isinstance(single_in, tuple) and [j.shape for j in single_in] == [(3, 3), (3,)]
    single_out = F.jacobian(lambda a, b: a.sum() * b, (x, y))
    assert isinstance(single_out, tuple) and [j.shape for j in single_out] == [(2, 3), (2, 2)]
    one_one = F.jacobian(lambda a: (a * 2,), (x,))
    assert isinstance(one_one, tuple) and isinstance(one_one[0], tuple)
    assert one_one[0][0].shape == (3, 3)
    scalar = F.jacobian(lambda a: a * a, t(1.5))
    assert scalar.shape == () and scalar.item() == 3.0
    # torch's forward-mode path nests in lists where both sides are tuples
    both = F.jacobian(lambda a, b: (a * b.sum(),), (x, y), vectorize=True,
                      strategy="forward-mode")
    assert isinstance(both, list) and isinstance(both[0], list)


def test_jacobian_dtypes_and_noncontiguous_input():
    x = pyt.tensor(arr(3, 2), dtype=pyt.float32).t()            # transposed view
    jac = F.jacobian(lambda a: a * a, x)
    assert jac.dtype == pyt.float32 and jac.shape == (2, 3, 2, 3)
    expected = np.einsum("ik,jl->ijkl", np.eye(2), np.eye(3)) * 2 * x.numpy()[:, :, None, None]
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-6)
    # reverse mode gives the input's dtype, forward mode the output's
    d = t(arr(3))
    assert F.jacobian(lambda a: a.float(), d).dtype == pyt.float64
    assert F.jacobian(lambda a: a.float(), d, vectorize=True,
                      strategy="forward-mode").dtype == pyt.float32


def test_jacobian_zero_size():
    jac = F.jacobian(lambda a: a[:0], t(arr(3)))
    assert jac.shape == (0, 3)
    jac = F.jacobian(lambda a: a * 2, t(np.zeros(0)), vectorize=True, strategy="forward-mode")
    assert jac.shape == (0, 0)


@pytest.mark.parametrize("mode", [{}, {"vectorize": True},
                                  {"vectorize": True, "outer_jacobian_strategy": "forward-mode"}])
def test_hessian_closed_form(mode):
    x, y, a = arr(3), arr(3, seed=1), arr(3, 3, seed=2)
    close(F.hessian(lambda u: (u ** 3).sum(), t(x), **mode), np.diag(6 * x))
    close(F.hessian(lambda u: u @ (t(a) @ u), t(x), **mode), a + a.T)
    hess = F.hessian(lambda u, w: (u * u * w).sum(), (t(x), t(y)), **mode)
    nest = list if "outer_jacobian_strategy" in mode else tuple    # as torch nests them
    assert isinstance(hess, nest) and all(isinstance(row, nest) for row in hess)
    close(hess[0][0], np.diag(2 * y))
    close(hess[0][1], np.diag(2 * x))
    close(hess[1][0], np.diag(2 * x))
    close(hess[1][1], np.zeros((3, 3)))
    # a linear function's Hessian is zero (not an error when strict=False)
    close(F.hessian(lambda u: u.sum() * 2, t(x), **mode), np.zeros((3, 3)))
    hess = F.hessian(lambda u: (u ** 2).sum(), (t(arr(2, 2)),), **mode)
    assert hess[0][0].shape == (2, 2, 2, 2)


def test_vjp_jvp_closed_form():
    x, y, v, w = arr(3), arr(3, 2, seed=1), arr(3, seed=2), arr(3, 2, seed=3)

    def f(a, b):
        return a.exp(), (a.unsqueeze(1) * b).sum()

    out, (gx, gy) = F.vjp(f, (t(x), t(y)), (t(v), t(2.0)))
    close(out[0], np.exp(x))
    close(gx, v * np.exp(x) + 2 * y.sum(1))
    close(gy, 2 * np.repeat(x[:, None], 2, 1))
    out, (e, s) = F.jvp(f, (t(x), t(y)), (t(v), t(w)))
    close(e, v * np.exp(x))
    close(s, (v[:, None] * y + x[:, None] * w).sum())
    # v may be left out for a single-element output / input
    _, g = F.vjp(lambda a: (a ** 2).sum(), t(x))
    close(g, 2 * x)
    _, d = F.jvp(lambda a: a * t(x), t([2.0]))
    close(d, x)


def test_vhp_hvp_closed_form():
    x, y, v, w = arr(3), arr(3, seed=1), arr(3, seed=2), arr(3, seed=3)
    a = arr(3, 3, seed=4)
    for product in (F.vhp, F.hvp):
        out, r = product(lambda u: (u ** 3).sum(), t(x), t(v))
        close(out, (x ** 3).sum())
        close(r, 6 * x * v)
        _, (rx, ry) = product(lambda u, z: (u * u * z).sum(), (t(x), t(y)), (t(v), t(w)))
        close(rx, 2 * y * v + 2 * x * w)
        close(ry, 2 * x * v)
    # the two products differ by a transpose of the Hessian (symmetric here: A + A^T)
    _, r = F.vhp(lambda u: u @ (t(a) @ u), t(x), t(v))
    close(r, v @ (a + a.T))
    _, r = F.hvp(lambda u: u @ (t(a) @ u), t(x), t(v))
    close(r, (a + a.T) @ v)


# ----- no side effects, no history unless asked ----------------------------------------

def test_inputs_untouched_and_results_detached():
    x = t(arr(3), requires_grad=True)
    y = t(arr(3, seed=1))
    before = x.detach().numpy().copy()
    results = [
        F.vjp(lambda a, b: a * b, (x, y), y),
        F.jvp(lambda a, b: a * b, (x, y), (y, y)),
        F.jacobian(lambda a, b: a * b, (x, y)),
        F.jacobian(lambda a, b: a * b, (x, y), vectorize=True, strategy="forward-mode"),
        F.hessian(lambda a, b: (a * a * b).sum(), (x, y)),
        F.vhp(lambda a: (a ** 3).sum(), x, y),
        F.hvp(lambda a: (a ** 3).sum(), x, y),
    ]
    for result in results:
        assert no_history(result)
    assert x.requires_grad and x.grad is None and not y.requires_grad
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_works_under_no_grad():
    x = t(arr(3))
    with pyt.no_grad():
        _, g = F.vjp(lambda a: (a ** 3).sum(), x)
        jac = F.jacobian(lambda a: a ** 2, x)
        _, h = F.hvp(lambda a: (a ** 3).sum(), x, x)
        assert pyt.is_grad_enabled() is False
    close(g, 3 * x.numpy() ** 2)
    close(jac, np.diag(2 * x.numpy()))
    close(h, 6 * x.numpy() ** 2)


# ----- create_graph=True: the results are differentiable -------------------------------

def test_create_graph_results_differentiate_back_to_inputs():
    x0 = arr(3)
    x = t(x0, requires_grad=True)
    jac = F.jacobian(lambda a: a ** 3, x, create_graph=True)
    assert jac.requires_grad
    jac.sum().backward()
    close(x.grad, 6 * x0)

    x = t(x0, requires_grad=True)
    out, g = F.vjp(lambda a: (a ** 3).sum(), x, create_graph=True)
    assert out.requires_grad and g.requires_grad
    (dg,) = pyt.autograd.grad(g.sum(), x)
    close(dg, 6 * x0)

    x = t(x0, requires_grad=True)
    _, d = F.jvp(lambda a: a.sin(), x, t(np.ones(3)), create_graph=True)
    (dd,) = pyt.autograd.grad(d.sum(), x)
    close(dd, -np.sin(x0))

    x = t(x0, requires_grad=True)
    hess = F.hessian(lambda a: (a ** 4).sum(), x, create_graph=True)
    (third,) = pyt.autograd.grad(hess.sum(), x)
    close(third, 24 * x0)

    for product in (F.vhp, F.hvp):
        x = t(x0, requires_grad=True)
        _, r = product(lambda a: (a ** 4).sum(), x, t(np.ones(3)), create_graph=True)
        (dr,) = pyt.autograd.grad(r.sum(), x)
        close(dr, 24 * x0)


def test_create_graph_gradcheck():
    x = t(arr(3), requires_grad=True)
    assert gradcheck(lambda a: F.jacobian(lambda u: u.exp() * u, a, create_graph=True), (x,))
    assert gradcheck(lambda a: F.vjp(lambda u: u.sin().sum(), a, create_graph=True)[1], (x,))
    assert gradcheck(lambda a: F.hvp(lambda u: (u ** 3).sum(), a, a, create_graph=True)[1],
                     (x,))


# ----- strict mode and bad input -------------------------------------------------------

def _linear(a):
    return a * 2


@pytest.mark.parametrize("call, message", [
    (lambda x: F.vjp(lambda a: pyt.ones(3), x, x, strict=True),
     "Output 0 of the user-provided function does not require gradients"),
    (lambda x: F.vjp(lambda a, b: a * 2, (x, x), x, strict=True),
     "The output of the user-provided function is independent of input 1"),
    (lambda x: F.vjp(_linear, x, x, strict=True, create_graph=True),
     "The jacobian of the user-provided function is independent of input 0. This is not "
     "allowed in strict mode when create_graph=True."),
    (lambda x: F.jvp(lambda a, b: a * 2, (x, x), (x, x), strict=True),
     "The output of the user-provided function is independent of input 1"),
    (lambda x: F.jacobian(lambda a, b: a * 2, (x, x), strict=True),
     "Output 0 of the user-provided function is independent of input 1"),
    (lambda x: F.jacobian(_linear, x, strict=True, vectorize=True),
     "`strict=True` and `vectorized=True` are not supported together"),
    (lambda x: F.jacobian(_linear, x, strict=True, vectorize=True, strategy="forward-mode"),
     '`strict=True` and `strategy="forward-mode"` are not supported together'),
    (lambda x: F.hessian(lambda a: a.sum(), x, strict=True),
     "While computing the hessian, found that the jacobian of the user-provided function "
     "with respect to input 0 is independent of the input"),
    (lambda x: F.hessian(lambda a: (a * a).sum(), x, strict=True, create_graph=True),
     "The jacobian of the user-provided function is independent of input 0"),
    (lambda x: F.vhp(lambda a: a.sum(), x, x, strict=True),
     "While computing the hessian, found that the jacobian"),
    (lambda x: F.hvp(lambda a, b: (a ** 2).sum(), (x, x), (x, x), strict=True),
     "The output of the user-provided function is independent of input 1"),
    (lambda x: F.hvp(lambda a: (a * a).sum(), x, x, strict=True, create_graph=True),
     "The hessian of the user-provided function is independent of input 0. This is not "
     "allowed in strict mode when create_graph=True."),
])
def test_strict_errors(call, message):
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(t(arr(3)))


def test_non_strict_gives_zeros_instead():
    x = t(arr(3))
    _, (_, g) = F.vjp(lambda a, b: a * 2, (x, x), x)
    close(g, np.zeros(3))
    _, r = F.vhp(lambda a: a.sum(), x, x)
    close(r, np.zeros(3))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.vjp(_linear, [x], x), TypeError,
     "The inputs given to vjp must be either a Tensor or a tuple of Tensors but the given "
     "inputs has type <class 'list'>."),
    (lambda x: F.jacobian(_linear, (x, 3)), TypeError,
     "the value at index 1 has type <class 'int'>"),
    (lambda x: F.jvp(_linear, 1.0, x), TypeError, "The inputs given to jvp"),
    (lambda x: F.vjp(lambda a: [a], x, x), TypeError,
     "The outputs of the user-provided function given to vjp must be either a Tensor or a "
     "tuple of Tensors"),
    (lambda x: F.hessian(lambda a: 1.0, x), TypeError,
     "outputs of the user-provided function given to hessian"),
    (lambda x: F.vjp(_linear, x, [x]), TypeError, "The v given to vjp"),
    (lambda x: F.vjp(_linear, x, pyt.ones(2)), RuntimeError,
     "v has invalid size: should be pyt.Size([3]) but got pyt.Size([2])."),
    (lambda x: F.jvp(_linear, (x, x), (x, pyt.ones(2))), RuntimeError,
     "Entry 1 in v has invalid size"),
    (lambda x: F.vjp(lambda a: (a, a), x, (x,)), RuntimeError,
     "v is a tuple of invalid length: should be 2 but got 1."),
    (lambda x: F.hvp(lambda a: a.sum(), x, (x, x)), RuntimeError,
     "The given v should contain a single Tensor."),
    (lambda x: F.vjp(_linear, x), RuntimeError,
     "The vector v can only be None if the user-provided function returns a single Tensor"),
    (lambda x: F.jvp(_linear, x), RuntimeError,
     "The vector v can only be None if the input to the user-provided function"),
    (lambda x: F.hessian(_linear, x), RuntimeError,
     "The Tensor returned by the function given to hessian should contain a single element"),
    (lambda x: F.vhp(lambda a: (a.sum(),), x, x), RuntimeError,
     "The function given to vhp should return a single Tensor"),
    (lambda x: F.jacobian(_linear, x, strategy="sideways"), AssertionError,
     'Expected strategy to be either "forward-mode" or "reverse-mode"'),
    (lambda x: F.jacobian(_linear, x, strategy="forward-mode"), NotImplementedError,
     "only implemented for `vectorize=True`"),
    (lambda x: F.jacobian(_linear, x, strategy="forward-mode", create_graph=True),
     NotImplementedError, '`create_graph=True` and `strategy="forward-mode"`'),
])
def test_bad_input(call, error, message):
    with pytest.raises(error) as info:
        call(t(arr(3)))
    assert message in str(info.value)


# ----- against torch -------------------------------------------------------------------

def _functions(lib):
    return {
        "poly": (lambda a: a ** 3 - 2 * a, [(3,)]),
        "exp_sin_sum": (lambda a: (a.exp() * a.sin()).sum(), [(2, 3)]),
        "scalar": (lambda a: a * a.sin(), [()]),
        "matmul": (lambda a, b: lib.matmul(a, b).tanh(), [(2, 3), (3, 2)]),
        "multi": (lambda a, b: (a.sin(), (a.unsqueeze(1) * b).sum(), b.exp()), [(3,), (3, 2)]),
        "unused": (lambda a, b: a * 2, [(3,), (2,)]),
        "one_tuple": (lambda a: (a.exp(),), [(3,)]),
    }


def _convert(value, lib):
    if isinstance(value, tuple):
        return tuple(_convert(v, lib) for v in value)
    return lib.tensor(value, dtype=lib.float64)


def _same(ours, theirs, check_history=True):
    if isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b, check_history)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.requires_grad == theirs.requires_grad or not check_history
    assert not ours.requires_grad or check_history
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                               rtol=1e-10, atol=1e-12)


def _like(shapes, seed):
    """Random float64 values of these shapes: a tuple for several, an array for one."""
    values = tuple(arr(*shape, seed=seed + i) for i, shape in enumerate(shapes))
    return values if len(values) > 1 else values[0]


@pytest.mark.parametrize("name", list(_functions(np)))
@pytest.mark.parametrize("mode", JACOBIAN_MODES + [{"create_graph": True}])
def test_jacobian_matches_torch(name, mode):
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF
    inputs = _like(_functions(np)[name][1], seed=0)
    theirs = TF.jacobian(_functions(torch)[name][0], _convert(inputs, torch), **mode)
    ours = F.jacobian(_functions(pyt)[name][0], _convert(inputs, pyt), **mode)
    _same(ours, theirs)


@pytest.mark.parametrize("name", list(_functions(np)))
@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp_jvp_match_torch(name, create_graph):
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF
    fn_t, fn_p = _functions(torch)[name][0], _functions(pyt)[name][0]
    in_shapes = _functions(np)[name][1]
    inputs, v_in = _like(in_shapes, seed=0), _like(in_shapes, seed=9)
    out = fn_t(*(_convert(v, torch) for v in (inputs if len(in_shapes) > 1 else (inputs,))))
    if isinstance(out, tuple):
        v_out = tuple(arr(*o.shape, seed=7 + i) for i, o in enumerate(out))
    else:
        v_out = arr(*out.shape, seed=7)
    for fn, v in (("vjp", v_out), ("jvp", v_in)):
        theirs = getattr(TF, fn)(fn_t, _convert(inputs, torch), _convert(v, torch),
                                 create_graph=create_graph)
        ours = getattr(F, fn)(fn_p, _convert(inputs, pyt), _convert(v, pyt),
                              create_graph=create_graph)
        _same(ours, theirs)


def _scalar_functions(lib):
    return {
        "cubic": (lambda a: (a ** 3).sum(), [(3,)]),
        "exp_sin": (lambda a: (a.exp() * a.sin()).sum(), [(2, 2)]),
        "coupled": (lambda a, b: (lib.matmul(a, b) ** 2).sum() + (a ** 3).sum(), [(2, 3), (3,)]),
        "linear": (lambda a, b: (a * 2).sum() + b.sum(), [(3,), (2,)]),
        "one_tuple": (lambda a: (a ** 4).sum(), [(3,)]),
        "scalar": (lambda a: a ** 4, [()]),
    }


@pytest.mark.parametrize("name", list(_scalar_functions(np)))
@pytest.mark.parametrize("mode", [{}, {"create_graph": True}, {"vectorize": True},
                                  {"vectorize": True, "outer_jacobian_strategy": "forward-mode"}])
def test_hessian_vhp_hvp_match_torch(name, mode):
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF
    fn_t, fn_p = _scalar_functions(torch)[name][0], _scalar_functions(pyt)[name][0]
    shapes = _scalar_functions(np)[name][1]
    inputs = tuple(arr(*s, seed=i) for i, s in enumerate(shapes))
    v = tuple(arr(*s, seed=5 + i) for i, s in enumerate(shapes))
    if name != "one_tuple" and len(inputs) == 1:
        inputs, v = inputs[0], v[0]
    theirs = TF.hessian(fn_t, _convert(inputs, torch), **mode)
    ours = F.hessian(fn_p, _convert(inputs, pyt), **mode)
    # torch leaks history out of a forward-mode outer Jacobian; pyt's results never carry
    # any without create_graph
    _same(ours, theirs, check_history="outer_jacobian_strategy" not in mode)
    if "vectorize" in mode:
        return
    for fn in ("vhp", "hvp"):
        theirs = getattr(TF, fn)(fn_t, _convert(inputs, torch), _convert(v, torch), **mode)
        ours = getattr(F, fn)(fn_p, _convert(inputs, pyt), _convert(v, pyt), **mode)
        _same(ours, theirs)
