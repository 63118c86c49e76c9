"""pyt.nn._rnn_cuda (the CUDA LSTM layer, time loops in C) run on CPU tensors, where
pyt._ext.lstm_loop uses its plain reference loops: the same buffers, pointer arithmetic
and backward as on the GPU, compared with the CPU's _LSTMSequence. Checks everything but
the two device calls (cuBLAS's gemm, cuda_src/rnn.cu's cell kernels, checked on the host
in tests/cuda_host/test_rnn_on_host.py)."""
import numpy as np
import pytest

import pyt

pytest.importorskip("pyt._ext.lstm_loop")
from pyt.nn import _rnn_steps  # noqa: E402
from pyt.nn._rnn_cuda import LSTMSequenceCUDA  # noqa: E402


def rand(shape, seed, dtype):
    return pyt.tensor(np.random.default_rng(seed).uniform(-1, 1, shape), dtype=dtype)


def run(function, steps, batch, hidden, reverse, dtype, create_graph=False):
    leaves = [rand((steps * batch, 4 * hidden), 1, dtype) * 2, rand((batch, hidden), 2, dtype),
              rand((batch, hidden), 3, dtype), rand((4 * hidden, hidden), 4, dtype)]
    leaves = [t.requires_grad_() for t in leaves]
    out, h, c = function.apply(*leaves, steps, reverse)
    loss = ((out * rand(tuple(out.shape), 5, dtype)).sum()
            + (h * rand((batch, hidden), 6, dtype)).sum()
            + (c * rand((batch, hidden), 7, dtype)).sum())
    if create_graph:
        grads = pyt.autograd.grad(loss, leaves, create_graph=True)
        sum((g * g).sum() for g in grads).backward()
        return [out, h, c] + list(grads) + [t.grad for t in leaves]
    loss.backward()
    return [out, h, c] + [t.grad for t in leaves]


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64], ids=str)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("steps, batch, hidden", [(5, 3, 4), (1, 1, 1), (7, 1, 6), (2, 4, 1)])
def test_matches_the_cpu_sequence(steps, batch, hidden, reverse, dtype):
    want = run(_rnn_steps._LSTMSequence, steps, batch, hidden, reverse, dtype)
    got = run(LSTMSequenceCUDA, steps, batch, hidden, reverse, dtype)
    tol = 1e-5 if dtype is pyt.float32 else 1e-12
    for a, b in zip(want, got):
        assert b.dtype is a.dtype and tuple(b.shape) == tuple(a.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("reverse", [False, True])
def test_double_backward_matches(reverse):
    want = run(_rnn_steps._LSTMSequence, 3, 2, 3, reverse, pyt.float64, create_graph=True)
    got = run(LSTMSequenceCUDA, 3, 2, 3, reverse, pyt.float64, create_graph=True)
    for a, b in zip(want, got):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_inputs_are_left_alone():
    """The loops write into their own buffers, never into gx, h0, c0 or the gradients."""
    gx = rand((2, 4), 1, pyt.float64).requires_grad_()         # steps 2, batch 1, hidden 1
    h0, c0 = rand((1, 1), 2, pyt.float64), rand((1, 1), 3, pyt.float64)
    w = rand((4, 1), 4, pyt.float64)
    before = [t.detach().clone() for t in (gx, h0, c0, w)]
    out, h, c = LSTMSequenceCUDA.apply(gx, h0, c0, w, 2, False)
    gh, gc = pyt.ones(1, 1, dtype=pyt.float64), pyt.ones(1, 1, dtype=pyt.float64)
    pyt.autograd.backward([out.sum(), h, c], [None, gh, gc])
    for a, b in zip(before, (gx, h0, c0, w)):
        assert pyt.equal(a, b.detach())
    assert gh.item() == 1 and gc.item() == 1


def test_bad_buffers_are_refused():
    from pyt._ext import lstm_loop
    f = pyt.float32
    acts, hs, cs, tc = (pyt.zeros(2, 4, 3, dtype=f), pyt.zeros(3, 1, 3, dtype=f),
                        pyt.zeros(3, 1, 3, dtype=f), pyt.zeros(2, 1, 3, dtype=f))
    w = pyt.zeros(4, 1, dtype=f)
    lstm_loop.forward_steps(acts, hs, cs, tc, w, 2, 3, 1, False)
    with pytest.raises(RuntimeError, match="contiguous"):
        lstm_loop.forward_steps(acts, hs, cs, tc, w, 3, 3, 1, False)     # too few elements
    with pytest.raises(RuntimeError, match="contiguous"):
        lstm_loop.forward_steps(acts, hs, cs, tc.double(), w, 2, 3, 1, False)
    with pytest.raises(TypeError):
        lstm_loop.forward_steps(acts.half(), hs.half(), cs.half(), tc.half(), w.half(), 2, 3,
                                1, False)
