"""The autograd engine, Function, grad modes, and derivatives of the core ops."""
import gc
import threading
import weakref

import numpy as np
import pytest

import pyt
from pyt.autograd import Function, gradcheck, gradgradcheck


def leaf(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.standard_normal(shape), dtype=pyt.float64, requires_grad=True)


# ----- the engine ---------------------------------------------------------------------------

def test_chain_and_accumulation():
    a, b = leaf(3), leaf(3, seed=1)
    y = a * b + a / 2 - 3
    assert y.grad_fn.name() == "SubBackward0" and not y.is_leaf
    y.backward(pyt.ones(3, dtype=pyt.float64))
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy() + 0.5)
    np.testing.assert_allclose(b.grad.numpy(), a.detach().numpy())
    (a * 2).backward(pyt.ones(3, dtype=pyt.float64))          # accumulates
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy() + 2.5)


def test_tensor_used_twice_sums_gradients():
    a = leaf(4)
    (a * a + a).backward(pyt.ones(4, dtype=pyt.float64))
    np.testing.assert_allclose(a.grad.numpy(), 2 * a.detach().numpy() + 1)


def test_next_functions_and_names():
    a, b = leaf(2), leaf(2)
    y = a * b
    (n0, i0), (n1, i1) = y.grad_fn.next_functions
    assert n0.name() == "AccumulateGrad" and n1.name() == "AccumulateGrad"
    assert (a + 1).grad_fn.next_functions[1] == (None, 0)
    assert "MulBackward0" in repr(y)


def test_backward_errors():
    a = leaf(3)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (a * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        pyt.ones(2).backward(pyt.ones(2))
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (a * 2).backward(pyt.ones(2, dtype=pyt.float64))
    with pytest.raises(RuntimeError, match="Mismatch in dtype"):
        (a * 2).backward(pyt.ones(3, dtype=pyt.int64))


def test_retain_graph():
    a, b = leaf(3), leaf(3)
    y = a * b
    g = pyt.ones(3, dtype=pyt.float64)
    y.backward(g, retain_graph=True)
    y.backward(g)
    np.testing.assert_allclose(a.grad.numpy(), 2 * b.detach().numpy())
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward(g)


def test_saved_tensors_are_released():
    a = leaf(1000)
    b = a * 2
    ref = weakref.ref(b)
    y = b * b                       # saves b twice
    del b
    gc.collect()
    assert ref() is not None        # the graph still needs b
    y.backward(pyt.ones(1000, dtype=pyt.float64))
    gc.collect()
    assert ref() is None            # freed by backward without retain_graph


def test_graphs_free_without_the_cycle_collector():
    """Ops that keep their own output for backward (exp, tanh, softmax...) hold it
    without a reference cycle: dropping the last reference frees the whole graph."""
    a = leaf(100)
    gc.disable()
    try:
        for op in (pyt.exp, pyt.tanh, pyt.sigmoid, pyt.sqrt, lambda t: t.softmax(0)):
            y = op(a * a)
            ref = weakref.ref(y)
            node_ref = weakref.ref(y.grad_fn)
            del y
            assert ref() is None and node_ref() is None
    finally:
        gc.enable()


def test_grad_takes_the_leafs_layout():
    """A weight used as w.t() gets its gradient transposed from matmul's backward; .grad
    still has w's strides (torch's layout contract), so optimizers walk both in order."""
    w = leaf(4, 3)
    x = leaf(5, 3)
    (x @ w.t()).sum().backward()
    assert w.grad.stride() == w.stride() == (3, 1)
    np.testing.assert_allclose(w.grad.numpy(), np.ones((5, 4)).T @ x.detach().numpy())


def test_inplace_modification_of_saved_tensor_is_caught():
    a = leaf(3)
    b = a * 1
    y = b * b
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(pyt.ones(3, dtype=pyt.float64))


def test_inplace_on_leaf_and_views():
    a = leaf(3)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        a.add_(1)
    with pyt.no_grad():
        a.add_(1)                   # allowed without recording
    b = a * 1
    b.mul_(3)                       # in-place on a non-leaf: history rebased
    b.backward(pyt.ones(3, dtype=pyt.float64))
    np.testing.assert_allclose(a.grad.numpy(), [3, 3, 3])


def _inplace_on_view_case(lib, case):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = lib.tensor(rng.standard_normal((4,)), requires_grad=True)
    y = x * 2
    if case == "select":
        y[1].mul_(w)
    elif case == "slice twice":
        v = y[:, 1:3]
        v.add_(1)
        v.mul_(v.detach() * 0 + 3)
    elif case == "view of a transposed view":
        y = (x * 2).t()
        y[2].mul_(w[:3])
    elif case == "base without grad":
        z = lib.zeros(3, 4, dtype=lib.float64)
        z[0].copy_(w)
        y = y + z
    elif case == "transposed layout base":
        y = x.t() * 2
        y[1].mul_(w[:3])
    elif case == "strided fill":
        y[1:, ::2].fill_(5.0)
    elif case == "diagonal":
        y.diagonal().mul_(3)
    elif case == "view used after":
        v = y[1]
        v.mul_(2)
        y = y * v
    elif case == "setitem":
        y[:, 0] = w[:3] * 2
    (y * y).sum().backward()
    return x.grad.numpy().copy(), None if w.grad is None else w.grad.numpy().copy()


@pytest.mark.parametrize("case", ["select", "slice twice", "view of a transposed view",
                                  "base without grad", "transposed layout base",
                                  "strided fill", "diagonal", "view used after", "setitem"])
def test_inplace_on_views_matches_torch(case):
    torch = pytest.importorskip("torch")
    got, want = _inplace_on_view_case(pyt, case), _inplace_on_view_case(torch, case)
    np.testing.assert_allclose(got[0], want[0])
    assert (got[1] is None) == (want[1] is None)
    if got[1] is not None:
        np.testing.assert_allclose(got[1], want[1])


def test_inplace_on_views_rebases_history():
    x = leaf(2, 3)
    y = x * 1
    v = y[0]
    v.mul_(3)
    assert y.grad_fn.name() == "CopySlices"
    assert v.grad_fn.name() == "AsStridedBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[3, 3, 3], [1, 1, 1]])
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0].mul_(2)
    # double backward through CopySlices
    x = leaf(3)
    y = x * x
    y[1:].mul_(x[1:])
    g, = pyt.autograd.grad(y.sum(), x, create_graph=True)
    xs = x.detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), [2 * xs[0], 3 * xs[1] ** 2, 3 * xs[2] ** 2])
    h, = pyt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [2, 6 * xs[1], 6 * xs[2]])


def test_grad_function():
    a, b = leaf(3), leaf(3)
    y = a * b
    ga, gb = pyt.autograd.grad(y, (a, b), pyt.ones(3, dtype=pyt.float64))
    np.testing.assert_allclose(ga.numpy(), b.detach().numpy())
    assert a.grad is None                              # grad() does not accumulate
    c = leaf(2)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        pyt.autograd.grad((a * 2).view(-1)[0], (a, c))
    ga, gc_ = pyt.autograd.grad((a * 2)[0], (a, c), allow_unused=True)
    assert gc_ is None and ga.tolist() == [2, 0, 0]


def test_backward_inputs_limits_accumulation():
    a, b = leaf(2), leaf(2)
    (a * b).backward(pyt.ones(2, dtype=pyt.float64), inputs=[a])
    assert a.grad is not None and b.grad is None


def test_hooks():
    a = leaf(3)
    seen = []
    h = a.register_hook(lambda g: seen.append(g.tolist()) or g * 2)
    b = a * 1
    b.register_hook(lambda g: g + 1)
    b.backward(pyt.ones(3, dtype=pyt.float64))
    assert seen == [[2, 2, 2]] and a.grad.tolist() == [4, 4, 4]
    h.remove()
    with pytest.raises(RuntimeError, match="has changed the size"):
        c = a * 1
        c.register_hook(lambda g: g[:1])
        c.backward(pyt.ones(3, dtype=pyt.float64))
    with pytest.raises(RuntimeError):
        pyt.ones(2).register_hook(lambda g: g)


def test_retain_grad():
    a = leaf(3)
    b = a * 2
    b.retain_grad()
    assert b.retains_grad
    (b * b).backward(pyt.ones(3, dtype=pyt.float64))
    np.testing.assert_allclose(b.grad.numpy(), 2 * b.detach().numpy())


def test_create_graph_gives_second_derivatives():
    x = leaf(3)
    y = x * x * x
    (g,) = pyt.autograd.grad(y, x, pyt.ones(3, dtype=pyt.float64), create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2)
    assert g.requires_grad
    (gg,) = pyt.autograd.grad(g, x, pyt.ones(3, dtype=pyt.float64))
    np.testing.assert_allclose(gg.numpy(), 6 * x.detach().numpy())


# ----- grad modes ------------------------------------------------------------------------------

def test_no_grad_and_friends():
    a = leaf(2)
    with pyt.no_grad():
        assert not (a * 2).requires_grad and not pyt.is_grad_enabled()
        with pyt.enable_grad():
            assert (a * 2).requires_grad
    assert pyt.is_grad_enabled()
    with pyt.set_grad_enabled(False):
        assert not (a * 2).requires_grad
    assert (a * 2).requires_grad
    with pyt.inference_mode():
        assert not (a * 2).requires_grad and pyt.is_inference_mode_enabled()

    @pyt.no_grad()
    def f(x):
        return x * 2

    @pyt.no_grad
    def g(x):
        return x * 2
    assert not f(a).requires_grad and not g(a).requires_grad and pyt.is_grad_enabled()


def test_grad_mode_is_thread_local():
    results = []
    with pyt.no_grad():
        t = threading.Thread(target=lambda: results.append(pyt.is_grad_enabled()))
        t.start()
        t.join()
    assert results == [True]


# ----- Function -------------------------------------------------------------------------------

class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


class SplitTwo(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        ctx.mark_non_differentiable
        return x * scale, x + 1

    @staticmethod
    def backward(ctx, ga, gb):
        return ga * ctx.scale + gb, None


def test_function():
    x = leaf(4)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    assert gradcheck(Cube.apply, (x,))
    assert gradgradcheck(Cube.apply, (x,))
    a, b = SplitTwo.apply(x, 3.0)
    (a * 1).backward(pyt.ones(4, dtype=pyt.float64))      # b's grad is materialised as zeros
    np.testing.assert_allclose(x.grad.numpy(), [3] * 4)
    assert SplitTwo.apply(x, 2.0)[0].requires_grad


def test_function_needs_input_grad_and_dirty():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.flags = ctx.needs_input_grad
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2, None
    x = leaf(2) * 1
    y = pyt.ones(2)
    out = Scale.apply(x, y)
    assert out is x and out.grad_fn.name() == "ScaleBackward"


def test_once_differentiable():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @pyt.autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g
    x = leaf(3)
    (g,) = pyt.autograd.grad(Square.apply(x), x, pyt.ones(3, dtype=pyt.float64), create_graph=True)
    assert not g.requires_grad


def test_anomaly_mode_names_the_op():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")
    x = leaf(2)
    with pyt.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="Function 'BadBackward' returned nan values in its 0th output"):
            Bad.apply(x).backward(pyt.ones(2, dtype=pyt.float64))


# ----- derivatives of the core ops ----------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: 2.5 * a - b / 3 + 1, lambda a, b: -a, lambda a, b: 1 / (b * b + 1),
])
def test_arithmetic_gradcheck(fn):
    assert gradcheck(fn, (leaf(3, 2), leaf(3, 2, seed=1)))
    assert gradgradcheck(fn, (leaf(3, 2), leaf(3, 2, seed=1)))


@pytest.mark.parametrize("fn", [
    lambda x: x.view(6, 4), lambda x: x.reshape(-1), lambda x: x.transpose(0, 2),
    lambda x: x.permute(2, 0, 1), lambda x: x.t() if x.dim() == 2 else x.mT,
    lambda x: x[1], lambda x: x[:, 1:3], lambda x: x[..., ::2], lambda x: x[None, 0, :, 1],
    lambda x: x.select(2, -1), lambda x: x.narrow(1, 1, 2), lambda x: x.unsqueeze(1),
    lambda x: x.view(2, 1, 3, 4).squeeze(1), lambda x: x.flatten(1), lambda x: x.unflatten(2, (2, 2)),
    lambda x: x.diagonal(0, 1, 2), lambda x: x.unfold(2, 2, 1), lambda x: x.movedim(0, -1),
    lambda x: x.split(1, dim=1)[2], lambda x: x.chunk(2, dim=2)[1], lambda x: x.unbind(0)[1],
    lambda x: x.clone(), lambda x: x.transpose(0, 1).contiguous(), lambda x: x.T,
    lambda x: x[pyt.tensor([1, 0, 1])], lambda x: x[x.detach() > 0],
    lambda x: x[:, [0, 2, 2], 1:], lambda x: x.as_strided((2, 2), (3, 1), 1),
])
def test_view_gradcheck(fn):
    assert gradcheck(fn, (leaf(2, 3, 4),))


def test_dtype_conversion_gradient():
    x = leaf(3)
    y = x.float() * 2
    assert y.dtype is pyt.float32
    y.backward(pyt.ones(3))
    assert x.grad.dtype is pyt.float64 and x.grad.tolist() == [2, 2, 2]


def test_setitem_and_copy_gradients():
    x, v = leaf(4), leaf(2, seed=3)

    def set_slice(x, v):
        y = x * 1
        y[1:3] = v
        return y
    assert gradcheck(set_slice, (x, v))

    def set_scalar(x):
        y = x * 1
        y[0] = 5.0
        return y * y
    assert gradcheck(set_scalar, (x,))

    def copy_into(x, v):
        y = x * 1
        y.copy_(v[:1])                  # broadcast: v[0]'s gradient sums over y
        return y
    assert gradcheck(copy_into, (x, v))


def test_outputs_of_non_differentiable_ops():
    x = leaf(3)
    assert not (x > 0).requires_grad and not (x == x).requires_grad
    assert not x.detach().requires_grad


def test_no_graph_without_requires_grad():
    a = pyt.ones(3)
    assert (a * 2).grad_fn is None and not (a[1:] + 1).requires_grad
