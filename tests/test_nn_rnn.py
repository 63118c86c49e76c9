"""Recurrent layers, packed sequences and CTC loss: gradcheck, NumPy, torch, bad input."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import pyt
from pyt import nn
from pyt.autograd import gradcheck
from pyt.nn.utils import rnn as rnn_utils

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _np(t):
    return t.detach().numpy()


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(_np(a), b.detach().numpy() if hasattr(b, "detach") else b,
                               rtol=tol, atol=tol)


# ---------------------------------------------------------------- structure

def test_parameter_names_shapes_and_order():
    m = nn.LSTM(10, 20, 2, bidirectional=True, proj_size=5)
    names = [n for n, _ in m.named_parameters()]
    stems = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"]
    assert names == [f"{s}_l{k}{r}" for k in range(2) for r in ("", "_reverse") for s in stems]
    assert m.weight_ih_l0.shape == (80, 10)
    assert m.weight_hh_l0.shape == (80, 5)
    assert m.weight_hr_l0.shape == (5, 20)
    assert m.weight_ih_l1_reverse.shape == (80, 10)       # 2 directions x proj 5
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 5
    g = nn.GRU(3, 4, bias=False)
    assert [n for n, _ in g.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert g.weight_ih_l0.shape == (12, 3)
    cell = nn.LSTMCell(3, 4)
    assert [n for n, _ in cell.named_parameters()] == ["weight_ih", "weight_hh", "bias_ih",
                                                       "bias_hh"]
    m.flatten_parameters()


def test_default_init_range():
    m = nn.GRU(8, 16, 2)
    bound = 1 / math.sqrt(16)
    for p in m.parameters():
        assert float(p.abs().max()) <= bound
        assert float(p.abs().max()) > 0.5 * bound


def test_repr():
    assert repr(nn.LSTM(10, 20, 2, batch_first=True, dropout=0.1, bidirectional=True,
                        proj_size=5)) == ("LSTM(10, 20, proj_size=5, num_layers=2, "
                                          "batch_first=True, dropout=0.1, bidirectional=True)")
    assert repr(nn.RNN(10, 20, nonlinearity="relu", bias=False)) == \
        "RNN(10, 20, bias=False, nonlinearity=relu)"
    assert repr(nn.GRU(10, 20)) == "GRU(10, 20)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu", bias=False)) == \
        "RNNCell(3, 4, bias=False, nonlinearity=relu)"
    assert repr(nn.LSTMCell(10, 20)) == "LSTMCell(10, 20)"


def test_shapes_batch_first_and_unbatched():
    m = nn.LSTM(4, 6, 2, batch_first=True, bidirectional=True)
    out, (h, c) = m(pyt.randn(3, 5, 4))
    assert out.shape == (3, 5, 12) and h.shape == (4, 3, 6) and c.shape == (4, 3, 6)
    out, (h, c) = m(pyt.randn(5, 4))
    assert out.shape == (5, 12) and h.shape == (4, 6)
    out, h = nn.GRU(4, 6)(pyt.randn(5, 2, 4), pyt.zeros(1, 2, 6))
    assert out.shape == (5, 2, 6) and h.shape == (1, 2, 6)
    out, (h, c) = nn.LSTM(4, 6, proj_size=3)(pyt.randn(5, 2, 4))
    assert out.shape == (5, 2, 3) and h.shape == (1, 2, 3) and c.shape == (1, 2, 6)


def test_dropout_between_layers():
    pyt.manual_seed(0)
    m = nn.LSTM(4, 8, 2, dropout=0.5)
    x = pyt.randn(6, 3, 4)
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(_np(a), _np(b))                # training: random masks
    m.eval()
    np.testing.assert_array_equal(_np(m(x)[0]), _np(m(x)[0]))
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater"):
        nn.LSTM(4, 8, 1, dropout=0.5)


def test_cell_matches_numpy():
    cell = nn.LSTMCell(3, 4).double()
    x, h, c = (pyt.randn(2, 3, dtype=pyt.float64), pyt.randn(2, 4, dtype=pyt.float64),
               pyt.randn(2, 4, dtype=pyt.float64))
    h1, c1 = cell(x, (h, c))
    gates = (_np(x) @ _np(cell.weight_ih).T + _np(cell.bias_ih) + _np(h) @ _np(cell.weight_hh).T
             + _np(cell.bias_hh))
    i, f, g, o = np.split(gates, 4, axis=1)
    sig = lambda v: 1 / (1 + np.exp(-v))                                    # noqa: E731
    c_ref = sig(f) * _np(c) + sig(i) * np.tanh(g)
    np.testing.assert_allclose(_np(c1), c_ref, rtol=1e-12)
    np.testing.assert_allclose(_np(h1), sig(o) * np.tanh(c_ref), rtol=1e-12)
    h1, c1 = cell(x[0], (h[0], c[0]))                                       # unbatched
    np.testing.assert_allclose(_np(c1), c_ref[0], rtol=1e-12)


# ---------------------------------------------------------------- gradcheck (float64)

def _module_check(m, x):
    """gradcheck of the outputs and final states w.r.t. x and every parameter (the
    module's parameters swapped for gradcheck's inputs)."""
    m = m.double()
    names = [n for n, _ in m.named_parameters()]

    def fn(x, *values):
        for name, value in zip(names, values):
            m._parameters[name] = value
        out, state = m(x)
        return (out,) + (tuple(state) if isinstance(state, tuple) else (state,))

    leaves = [p.detach().clone().requires_grad_() for p in m.parameters()]
    assert gradcheck(fn, (x,) + tuple(leaves), atol=1e-6)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck_modules(kind):
    pyt.manual_seed(0)
    x = pyt.randn(3, 2, 2, dtype=pyt.float64, requires_grad=True)
    _module_check(getattr(nn, kind)(2, 3, 2, bidirectional=True), x)


def test_gradcheck_lstm_proj_and_initial_state():
    pyt.manual_seed(1)
    x = pyt.randn(3, 2, 2, dtype=pyt.float64, requires_grad=True)
    h0 = pyt.randn(4, 2, 2, dtype=pyt.float64, requires_grad=True)
    c0 = pyt.randn(4, 2, 3, dtype=pyt.float64, requires_grad=True)
    m = nn.LSTM(2, 3, 2, bidirectional=True, proj_size=2).double()
    assert gradcheck(lambda x, h, c: m(x, (h, c))[0], (x, h0, c0))
    m = nn.LSTM(2, 3, 1, bidirectional=True).double()                       # fast path
    h0 = pyt.randn(2, 2, 3, dtype=pyt.float64, requires_grad=True)
    assert gradcheck(lambda x, h, c: tuple([m(x, (h, c))[0]] + list(m(x, (h, c))[1])),
                     (x, h0, c0[:2].detach().clone().requires_grad_()))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck_packed(kind):
    pyt.manual_seed(2)
    x = pyt.randn(4, 3, 2, dtype=pyt.float64, requires_grad=True)
    m = getattr(nn, kind)(2, 3, 2, bidirectional=True).double()

    def fn(x):
        packed = rnn_utils.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
        out, state = m(packed)
        padded, _ = rnn_utils.pad_packed_sequence(out)
        return (padded,) + (tuple(state) if isinstance(state, tuple) else (state,))
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_gradcheck_cells(kind):
    pyt.manual_seed(3)
    cell = getattr(nn, kind)(2, 3).double()
    x = pyt.randn(2, 2, dtype=pyt.float64, requires_grad=True)
    h = pyt.randn(2, 3, dtype=pyt.float64, requires_grad=True)
    hx = (h, h * 0.5) if kind == "LSTMCell" else h
    assert gradcheck(lambda x, h: cell(x, (h, h * 0.5) if kind == "LSTMCell" else h), (x, h))
    assert cell(x, hx) is not None


def test_lstm_double_backward():
    m = nn.LSTM(2, 3).double()
    x = pyt.randn(3, 2, 2, dtype=pyt.float64, requires_grad=True)
    assert pyt.autograd.gradgradcheck(lambda x: m(x)[0], (x,))


# ---------------------------------------------------------------- against torch

def _pair(kind, *args, **kwargs):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, kind)(*args, **kwargs).double()
    mine = getattr(nn, kind)(*args, **kwargs).double()
    mine.load_state_dict({k: pyt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return torch, mine, theirs


def _compare_grads(mine, theirs, tol=1e-9):
    for (name, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), q.grad.numpy(), rtol=tol, atol=tol, err_msg=name)


@pytest.mark.parametrize("kind,extra", [
    ("RNN", {}), ("RNN", {"nonlinearity": "relu", "bias": False}), ("LSTM", {}),
    ("LSTM", {"proj_size": 2}), ("GRU", {}), ("GRU", {"bias": False})])
@pytest.mark.parametrize("batch_first", [False, True])
def test_modules_match_torch(kind, extra, batch_first):
    torch, mine, theirs = _pair(kind, 3, 4, 2, bidirectional=True, batch_first=batch_first,
                                **extra)
    x = torch.randn(5, 2, 3, dtype=torch.float64, requires_grad=True)
    xp = pyt.tensor(x.detach().numpy(), requires_grad=True)
    out_t, state_t = theirs(x)
    out_p, state_p = mine(xp)
    _close(out_p, out_t, 1e-10)
    states_t = state_t if isinstance(state_t, tuple) else (state_t,)
    states_p = state_p if isinstance(state_p, tuple) else (state_p,)
    for a, b in zip(states_p, states_t):
        _close(a, b, 1e-10)
    (out_t.sin().sum() + sum((s * s).sum() for s in states_t)).backward()
    (out_p.sin().sum() + sum((s * s).sum() for s in states_p)).backward()
    _close(xp.grad, x.grad, 1e-9)
    _compare_grads(mine, theirs)


def test_lstm_float32_matches_torch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LSTM(6, 8, 2, batch_first=True, bidirectional=True)
    mine = nn.LSTM(6, 8, 2, batch_first=True, bidirectional=True)
    mine.load_state_dict({k: pyt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = torch.randn(3, 7, 6, requires_grad=True)
    xp = pyt.tensor(x.detach().numpy(), requires_grad=True)
    out_t, (h_t, c_t) = theirs(x)
    out_p, (h_p, c_p) = mine(xp)
    for a, b in ((out_p, out_t), (h_p, h_t), (c_p, c_t)):
        _close(a, b, 1e-5)
    (out_t.sum() + c_t.sum()).backward()
    (out_p.sum() + c_p.sum()).backward()
    _close(xp.grad, x.grad, 1e-5)
    _compare_grads(mine, theirs, 1e-4)


def test_fused_and_composed_lstm_agree(monkeypatch):
    from pyt.nn import _rnn_steps
    m = nn.LSTM(3, 4, 2, bidirectional=True).double()
    x = pyt.randn(5, 2, 3, dtype=pyt.float64, requires_grad=True)
    results = []
    for kernels in (_rnn_steps._kernels, None):
        monkeypatch.setattr(_rnn_steps, "_kernels", kernels)
        m.zero_grad()
        x.grad = None
        out, (h, c) = m(x)
        (out.sin().sum() + h.sum() + (c * c).sum()).backward()
        results.append([_np(out), _np(h), _np(c), _np(x.grad)] +
                       [_np(p.grad) for p in m.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    empty, (h, c) = m(pyt.zeros(4, 0, 3, dtype=pyt.float64))
    assert empty.shape == (4, 0, 8) and h.shape == (4, 0, 4)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_fused_lstm_threaded_sizes_agree_with_composed(monkeypatch, threads):
    """Sizes where the C loop splits the hidden units between threads (hidden 67 does not
    divide evenly), both directions, given initial states: equal to the composed ops."""
    from pyt.nn import _rnn_steps
    previous = pyt.get_num_threads()
    pyt.set_num_threads(threads)
    try:
        pyt.manual_seed(0)
        m = nn.LSTM(30, 67, 1, bidirectional=True).double()
        x = pyt.randn(6, 33, 30, dtype=pyt.float64, requires_grad=True)
        h0 = pyt.randn(2, 33, 67, dtype=pyt.float64, requires_grad=True)
        c0 = pyt.randn(2, 33, 67, dtype=pyt.float64, requires_grad=True)
        results = []
        for kernels in (_rnn_steps._kernels, None):
            monkeypatch.setattr(_rnn_steps, "_kernels", kernels)
            m.zero_grad()
            for t in (x, h0, c0):
                t.grad = None
            out, (h, c) = m(x, (h0, c0))
            (out.sin().sum() + (h * h).sum() + c.cos().sum()).backward()
            results.append([_np(out), _np(h), _np(c), _np(x.grad), _np(h0.grad),
                            _np(c0.grad)] + [_np(p.grad) for p in m.parameters()])
        for a, b in zip(*results):
            np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-11)
    finally:
        pyt.set_num_threads(previous)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_initial_state_and_unbatched_match_torch(kind):
    torch, mine, theirs = _pair(kind, 3, 4, 2)
    x = torch.randn(5, 3, dtype=torch.float64)
    h0 = torch.randn(2, 4, dtype=torch.float64)
    hx = (h0, h0 * 2) if kind == "LSTM" else h0
    hxp = tuple(pyt.tensor(h.numpy()) for h in hx) if kind == "LSTM" else pyt.tensor(h0.numpy())
    out_t, state_t = theirs(x, hx)
    out_p, state_p = mine(pyt.tensor(x.numpy()), hxp)
    _close(out_p, out_t, 1e-10)
    for a, b in zip(state_p if kind == "LSTM" else (state_p,),
                    state_t if kind == "LSTM" else (state_t,)):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b, 1e-10)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_match_torch(kind, enforce_sorted):
    torch, mine, theirs = _pair(kind, 3, 4, 2, bidirectional=True)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = torch.randn(5, 4, 3, dtype=torch.float64, requires_grad=True)
    xp = pyt.tensor(x.detach().numpy(), requires_grad=True)
    h0 = torch.randn(4, 4, 4, dtype=torch.float64)
    hx = (h0, -h0) if kind == "LSTM" else h0
    hxp = tuple(pyt.tensor(h.numpy()) for h in hx) if kind == "LSTM" else pyt.tensor(h0.numpy())
    packed_t = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    packed_p = rnn_utils.pack_padded_sequence(xp, lengths, enforce_sorted=enforce_sorted)
    out_t, state_t = theirs(packed_t, hx)
    out_p, state_p = mine(packed_p, hxp)
    assert isinstance(out_p, rnn_utils.PackedSequence)
    _close(out_p.data, out_t.data, 1e-10)
    np.testing.assert_array_equal(_np(out_p.batch_sizes), out_t.batch_sizes.numpy())
    states_t = state_t if isinstance(state_t, tuple) else (state_t,)
    states_p = state_p if isinstance(state_p, tuple) else (state_p,)
    for a, b in zip(states_p, states_t):
        _close(a, b, 1e-10)
    pad_t, len_t = torch.nn.utils.rnn.pad_packed_sequence(out_t, batch_first=True)
    pad_p, len_p = rnn_utils.pad_packed_sequence(out_p, batch_first=True)
    _close(pad_p, pad_t, 1e-10)
    np.testing.assert_array_equal(_np(len_p), len_t.numpy())
    (pad_t.sin().sum() + sum(s.sum() for s in states_t)).backward()
    (pad_p.sin().sum() + sum(s.sum() for s in states_p)).backward()
    _close(xp.grad, x.grad, 1e-9)
    _compare_grads(mine, theirs)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(kind):
    torch, mine, theirs = _pair(kind, 3, 4)
    x = torch.randn(2, 3, dtype=torch.float64)
    out_t, out_p = theirs(x), mine(pyt.tensor(x.numpy()))
    for a, b in zip(out_p if kind == "LSTMCell" else (out_p,),
                    out_t if kind == "LSTMCell" else (out_t,)):
        _close(a, b, 1e-12)


# ---------------------------------------------------------------- pack / pad utilities

def test_pack_pad_roundtrip_and_numpy():
    x = pyt.arange(24, dtype=pyt.float32).reshape(4, 3, 2)
    packed = rnn_utils.pack_padded_sequence(x, [4, 2, 1])
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    expected = np.concatenate([_np(x)[0, :3], _np(x)[1, :2], _np(x)[2, :1], _np(x)[3, :1]])
    np.testing.assert_array_equal(_np(packed.data), expected)
    padded, lengths = rnn_utils.pad_packed_sequence(packed, padding_value=-1.0, total_length=5)
    assert padded.shape == (5, 3, 2) and lengths.tolist() == [4, 2, 1]
    assert lengths.dtype == pyt.int64
    assert float(padded[4].max()) == -1.0 and float(padded[2, 1, 0]) == -1.0
    np.testing.assert_array_equal(_np(padded[:2, 1]), _np(x)[:2, 1])


def test_packed_sequence_methods():
    packed = rnn_utils.pack_sequence([pyt.ones(2, 3), pyt.ones(3, 3)], enforce_sorted=False)
    assert packed.sorted_indices.tolist() == [1, 0]
    assert packed.unsorted_indices.tolist() == [1, 0]
    double = packed.to(pyt.float64)
    assert double.data.dtype == pyt.float64 and double.sorted_indices.dtype == pyt.int64
    assert packed.double().data.dtype == pyt.float64
    assert packed.to(pyt.float32) is packed
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert batch_sizes.tolist() == [2, 2, 1] and not packed.is_cuda
    assert [s.shape[0] for s in rnn_utils.unpack_sequence(packed)] == [2, 3]


def test_utils_match_torch():
    torch = pytest.importorskip("torch")
    tr = torch.nn.utils.rnn
    seqs = [torch.randn(n, 2) for n in (3, 5, 1)]
    mine = [pyt.tensor(s.numpy()) for s in seqs]
    for batch_first in (False, True):
        for side in ("right", "left"):
            _close(rnn_utils.pad_sequence(mine, batch_first, 7.0, side),
                   tr.pad_sequence(seqs, batch_first, 7.0, side), 0)
    a = tr.pack_sequence(seqs, enforce_sorted=False)
    b = rnn_utils.pack_sequence(mine, enforce_sorted=False)
    _close(b.data, a.data, 0)
    np.testing.assert_array_equal(_np(b.sorted_indices), a.sorted_indices.numpy())
    np.testing.assert_array_equal(_np(b.unsorted_indices), a.unsorted_indices.numpy())
    lengths = torch.tensor([3, 5, 1])
    padded = tr.pad_sequence(seqs, batch_first=True)
    a = tr.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    b = rnn_utils.pack_padded_sequence(pyt.tensor(padded.numpy()), pyt.tensor([3, 5, 1]),
                                       batch_first=True, enforce_sorted=False)
    _close(b.data, a.data, 0)
    for u, v in zip(rnn_utils.unpad_sequence(pyt.tensor(padded.numpy()), pyt.tensor([3, 5, 1]),
                                             batch_first=True),
                    tr.unpad_sequence(padded, lengths, batch_first=True)):
        _close(u, v, 0)


def test_pack_gradients_flow():
    x = pyt.randn(4, 2, 3, requires_grad=True)
    packed = rnn_utils.pack_padded_sequence(x, [4, 2])
    padded, _ = rnn_utils.pad_packed_sequence(packed)
    padded.sum().backward()
    expected = np.ones((4, 2, 3), dtype=np.float32)
    expected[2:, 1] = 0
    np.testing.assert_array_equal(_np(x.grad), expected)


def test_pack_bad_input():
    x = pyt.randn(5, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when "
                                           "`enforce_sorted` is True"):
        rnn_utils.pack_padded_sequence(x, [2, 5, 3])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn_utils.pack_padded_sequence(x, [5, 3, 0])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn_utils.pack_padded_sequence(x, [5, 0, 3], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to "
                                           r"batch_size, but got 2 \(batch_size=3\)"):
        rnn_utils.pack_padded_sequence(x, [5, 3])
    with pytest.raises(RuntimeError, match="at most the padded length"):
        rnn_utils.pack_padded_sequence(x, [6, 3, 1])
    with pytest.raises(RuntimeError, match="1D CPU int64 tensor"):
        rnn_utils.pack_padded_sequence(x, pyt.tensor([[5, 3, 1]]))
    packed = rnn_utils.pack_padded_sequence(x, [5, 3, 1])
    with pytest.raises(ValueError, match="total_length=4 and max sequence length being 5"):
        rnn_utils.pad_packed_sequence(packed, total_length=4)
    with pytest.raises(RuntimeError, match="padding_side to be one of left or right"):
        rnn_utils.pad_sequence([pyt.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        rnn_utils.pad_sequence([])


# ---------------------------------------------------------------- bad input to the layers

def test_layer_bad_input():
    m = nn.LSTM(10, 20, 2)
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        m(pyt.randn(1, 2, 3, 10))
    with pytest.raises(ValueError, match="RNN: Expected input to be 2D or 3D, got 4D tensor"):
        nn.RNN(10, 20)(pyt.randn(1, 2, 3, 10))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 10, got 7"):
        m(pyt.randn(5, 3, 7))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 3, 20\), got "
                                           r"\[1, 3, 20\]"):
        m(pyt.randn(5, 3, 10), (pyt.zeros(1, 3, 20), pyt.zeros(2, 3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size"):
        m(pyt.randn(5, 3, 10), (pyt.zeros(2, 3, 20), pyt.zeros(1, 3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 3, 20\), got \[1, 3, 20\]"):
        nn.GRU(10, 20, 2)(pyt.randn(5, 3, 10), pyt.zeros(1, 3, 20))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but "
                                           "got 3-D tensor"):
        nn.GRU(10, 20)(pyt.randn(5, 10), pyt.zeros(1, 4, 20))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D"):
        nn.GRU(10, 20)(pyt.randn(5, 3, 10), pyt.zeros(4, 20))
    with pytest.raises(RuntimeError, match="hx and cx should also be 2-D"):
        m(pyt.randn(5, 10), (pyt.zeros(2, 1, 20), pyt.zeros(2, 1, 20)))


def test_constructor_bad_input():
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(10, 20, proj_size=20)
    with pytest.raises(ValueError, match="proj_size should be a positive integer or zero"):
        nn.LSTM(10, 20, proj_size=-1)
    with pytest.raises(TypeError, match="hidden_size should be of type int, got: float"):
        nn.LSTM(10, 20.0)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.LSTM(10, 0)
    with pytest.raises(ValueError, match="num_layers must be greater than zero"):
        nn.LSTM(10, 20, 0)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(10, 20, dropout=2)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(10, 20, proj_size=2)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'foo'"):
        nn.RNN(10, 20, nonlinearity="foo")


def test_cell_bad_input():
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 11 expected "
                                           "10"):
        nn.RNNCell(10, 20)(pyt.randn(3, 11))
    with pytest.raises(ValueError, match="RNNCell: Expected input to be 1D or 2D, got 3D"):
        nn.RNNCell(10, 20)(pyt.randn(3, 2, 10))
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch "
                                           "size 4"):
        nn.RNNCell(10, 20)(pyt.randn(3, 10), pyt.randn(4, 20))
    with pytest.raises(RuntimeError, match="hidden1 has inconsistent hidden_size: got 21, "
                                           "expected 20"):
        nn.LSTMCell(10, 20)(pyt.randn(3, 10), (pyt.randn(3, 20), pyt.randn(3, 21)))


# ---------------------------------------------------------------- CTC loss

def _ctc_case(seed=0):
    rng = np.random.default_rng(seed)
    T, N, C = 8, 3, 5
    logits = rng.standard_normal((T, N, C))
    targets = rng.integers(1, C, (N, 4))
    targets[0, 1] = targets[0, 0]                     # a repeated label needs a blank between
    return logits, targets, [8, 6, 5], [4, 2, 0]


def _ctc_numpy(lp, labels, blank=0):
    """-log p(labels) by summing over every alignment (brute force, tiny sizes)."""
    import itertools
    T, C = lp.shape
    total = -np.inf
    for path in itertools.product(range(C), repeat=T):
        collapsed = [k for i, k in enumerate(path) if k != blank and (i == 0 or k != path[i - 1])]
        if collapsed == list(labels):
            total = np.logaddexp(total, sum(lp[t, k] for t, k in enumerate(path)))
    return -total


def test_ctc_matches_brute_force():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((5, 3))
    lp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    for labels in ([1, 2], [1, 1], [2], []):
        loss = nn.functional.ctc_loss(pyt.tensor(lp), pyt.tensor(labels, dtype=pyt.int64), 5,
                                      len(labels), reduction="sum")
        np.testing.assert_allclose(float(loss), _ctc_numpy(lp, labels), rtol=1e-10)


def test_ctc_gradcheck():
    logits, targets, il, tl = _ctc_case()
    x = pyt.tensor(logits, requires_grad=True)
    tg = pyt.tensor(targets)
    assert gradcheck(lambda x: nn.functional.ctc_loss(x, tg, il, tl, reduction="none"), (x,))
    assert gradcheck(lambda x: nn.functional.ctc_loss(x.log_softmax(2), tg, il, tl), (x,))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_matches_torch(reduction, zero_infinity, concatenated):
    torch = pytest.importorskip("torch")
    logits, targets, il, tl = _ctc_case(2)
    if zero_infinity:
        il = [8, 6, 1]                                # 2 labels cannot fit in 1 step: inf
        tl = [4, 2, 2]
    if concatenated:
        targets = np.concatenate([targets[n, :tl[n]] for n in range(3)])
    a = torch.tensor(logits, requires_grad=True)
    b = pyt.tensor(logits, requires_grad=True)
    la = torch.nn.functional.ctc_loss(a.log_softmax(2), torch.tensor(targets), torch.tensor(il),
                                      torch.tensor(tl), reduction=reduction,
                                      zero_infinity=zero_infinity)
    loss_fn = nn.CTCLoss(reduction=reduction, zero_infinity=zero_infinity)
    lb = loss_fn(b.log_softmax(2), pyt.tensor(targets), pyt.tensor(il), tuple(tl))
    _close(lb, la, 1e-10)
    if zero_infinity or reduction == "none":
        la.sum().backward()
        lb.sum().backward()
        _close(b.grad, a.grad, 1e-10)


def test_ctc_unbatched_and_blank():
    torch = pytest.importorskip("torch")
    logits, targets, il, tl = _ctc_case(3)
    lp = torch.tensor(logits[:, 0]).log_softmax(1)
    a = torch.nn.functional.ctc_loss(lp, torch.tensor(targets[0]) - 1,
                                     torch.tensor(8), torch.tensor(4), blank=4)
    b = nn.functional.ctc_loss(pyt.tensor(lp.numpy()), pyt.tensor(targets[0]) - 1, 8, 4, blank=4)
    _close(b, a, 1e-10)


def test_ctc_bad_input():
    logits, targets, il, tl = _ctc_case()
    lp, tg = pyt.tensor(logits), pyt.tensor(targets)
    F = nn.functional
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value at most 8, but "
                                           "got value 9"):
        F.ctc_loss(lp, tg, [9, 6, 5], tl)
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, tg, il, tl, blank=5)
    with pytest.raises(RuntimeError, match="input_lengths must be of size batch_size"):
        F.ctc_loss(lp, tg, [8], tl)
    with pytest.raises(RuntimeError, match="Expected target_lengths to have value at least 0"):
        F.ctc_loss(lp, tg, il, [4, -1, 0])
    with pytest.raises(RuntimeError, match="Expected tensor to have size at least 5 at "
                                           "dimension 1"):
        F.ctc_loss(lp, tg, il, [5, 1, 0])
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.ctc_loss(lp, tg, il, tl, reduction="foo")
    with pytest.raises(RuntimeError, match="Expected 3-dimensional tensor"):
        F.ctc_loss(lp.unsqueeze(0), tg, il, tl)


# ---------------------------------------------------------------- the example

def test_word_language_model_example():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "word_language_model.py"), "--tiny"],
        capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    perplexities = [float(line.split("valid ppl")[1].split()[0])
                    for line in result.stdout.splitlines() if "valid ppl" in line]
    assert len(perplexities) == 4
    assert min(perplexities[1:]) < 0.8 * perplexities[0]
