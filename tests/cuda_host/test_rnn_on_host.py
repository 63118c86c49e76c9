"""cuda_src/rnn.cu's LSTM cell functions compiled for the host and compared with the
cell's formulas in NumPy (float64) on the same inputs: float32 / float64 within rounding,
float16 / bfloat16 (computed in float, rounded once when stored) within an ulp or two.
Needs nvcc; skipped without it."""
import ctypes
import os

import numpy as np
import pytest

import pyt

from _nvcc import HERE, NVCC, host_library

pytestmark = pytest.mark.skipif(NVCC is None, reason="needs nvcc")
CODES = {pyt.float16: 6, pyt.bfloat16: 7, pyt.float32: 8, pyt.float64: 9}
TOL = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 2e-6, pyt.float64: 1e-13}


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return host_library(tmp_path_factory.mktemp("rnn_host"), os.path.join(HERE, "rnn_host.cu"))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_forward(gates, c_prev):
    """(activations, c, tanh(c), h) of one step, batch-major (B, 4H) gates."""
    i, f, g, o = np.split(gates, 4, axis=1)
    i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
    c = f * c_prev + i * g
    return np.concatenate([i, f, g, o], 1), c, np.tanh(c), o * np.tanh(c)


def np_backward(act, tanh_c, c_prev, dh_next, d_out, dc):
    """(d_gates, the previous step's dc) of one step."""
    i, f, g, o = np.split(act, 4, axis=1)
    dh = dh_next + d_out
    dcn = dc + dh * o * (1 - tanh_c * tanh_c)
    d_gates = np.concatenate([dcn * g * i * (1 - i), dcn * c_prev * f * (1 - f),
                              dcn * i * (1 - g * g), dh * tanh_c * o * (1 - o)], 1)
    return d_gates, dcn * f


def _raw(t):
    """A contiguous numpy copy of t's raw values (halves as their 16-bit patterns)."""
    if t.dtype in (pyt.float16, pyt.bfloat16):
        t = t.view(pyt.int16)
    return np.ascontiguousarray(t.numpy()).copy()


def _values(a, dtype):
    """A host buffer of dtype's raw values as float64."""
    t = pyt.from_numpy(a.copy())
    if dtype in (pyt.float16, pyt.bfloat16):
        t = t.view(dtype)
    return t.double().numpy()


def _rounded(x, dtype):
    """float64 values rounded to dtype and back."""
    return pyt.from_numpy(np.asarray(x, dtype=np.float64)).to(dtype).double().numpy()


def _check(got, want, dtype, what):
    """got (raw dtype buffer) against a float64 reference: rounded once to dtype for the
    halves (the GPU rounds once), within rounding for float32 / float64."""
    if dtype in (pyt.float16, pyt.bfloat16):
        want = _rounded(want, dtype)
    np.testing.assert_allclose(_values(got, dtype), want, rtol=TOL[dtype], atol=TOL[dtype],
                               err_msg=what)


def _ptr(a):
    return ctypes.c_void_p(a.ctypes.data)


def _inputs(dtype, batch, hidden, seed):
    """Gate pre-activations (some saturating), states and gradients, as dtype tensors."""
    g = np.random.default_rng(seed)
    gates = g.normal(0, 2, (batch, 4 * hidden))
    gates.flat[::7] *= 15
    vals = [gates] + [g.normal(0, 1, (batch, hidden)) for _ in range(4)]
    return [pyt.tensor(v).to(dtype) for v in vals]


@pytest.mark.parametrize("dtype", list(CODES), ids=str)
@pytest.mark.parametrize("batch, hidden", [(3, 37), (1, 8 * 5), (2, 1)])
def test_lstm_cell_forward_and_backward_match_the_formulas(lib, dtype, batch, hidden):
    gates, c_prev, dh_next, d_out, dc = _inputs(dtype, batch, hidden, batch * 100 + hidden)
    act_w, c_w, tc_w, h_w = np_forward(gates.double().numpy(), c_prev.double().numpy())

    # forward: the gates become activations in place
    g_buf, cp_buf = _raw(gates), _raw(c_prev)
    c_buf, tc_buf, h_buf = (np.empty_like(cp_buf) for _ in range(3))
    assert lib.host_lstm_forward(CODES[dtype], _ptr(g_buf), _ptr(cp_buf), _ptr(c_buf),
                                 _ptr(tc_buf), _ptr(h_buf), ctypes.c_int64(batch),
                                 ctypes.c_int64(hidden)) == 0
    for got, want, what in ((g_buf, act_w, "activations"), (c_buf, c_w, "c"),
                            (tc_buf, tc_w, "tanh(c)"), (h_buf, h_w, "h")):
        _check(got, want, dtype, what)

    # backward, from the forward's (stored, rounded) activations and tanh(c)
    act, tc = _values(g_buf, dtype), _values(tc_buf, dtype)
    dg_w, dc_w = np_backward(act, tc, c_prev.double().numpy(), dh_next.double().numpy(),
                             d_out.double().numpy(), dc.double().numpy())
    dh_buf, do_buf, dc_buf = _raw(dh_next), _raw(d_out), _raw(dc)
    dg_buf = np.empty_like(g_buf)
    assert lib.host_lstm_backward(CODES[dtype], _ptr(g_buf), _ptr(tc_buf), _ptr(cp_buf),
                                  _ptr(dh_buf), _ptr(do_buf), _ptr(dc_buf), _ptr(dg_buf),
                                  ctypes.c_int64(batch), ctypes.c_int64(hidden)) == 0
    _check(dg_buf, dg_w, dtype, "d_gates")
    _check(dc_buf, dc_w, dtype, "dc (the previous step's)")


def test_the_transposed_layout_of_the_sequence_loop(lib):
    """pyt._ext.lstm_loop calls the kernels on (4H, B) blocks as one row of 4 * H * B
    values (batch 1, hidden H * B): gate k of (unit u, batch b) at k * H * B + u * B + b.
    The result must be the batch-major one, transposed."""
    batch, hidden = 5, 6
    gates, c_prev = _inputs(pyt.float64, batch, hidden, 7)[:2]
    act, c, tc, h = np_forward(gates.numpy(), c_prev.numpy())
    flat = gates.view(batch, 4, hidden).permute(1, 2, 0).contiguous()      # (4, H, B)
    g_buf, cp_buf = _raw(flat), _raw(c_prev.t())
    c_buf, tc_buf, h_buf = (np.empty_like(cp_buf) for _ in range(3))
    assert lib.host_lstm_forward(CODES[pyt.float64], _ptr(g_buf), _ptr(cp_buf), _ptr(c_buf),
                                 _ptr(tc_buf), _ptr(h_buf), ctypes.c_int64(1),
                                 ctypes.c_int64(hidden * batch)) == 0
    np.testing.assert_allclose(g_buf, act.reshape(batch, 4, hidden).transpose(1, 2, 0),
                               rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(h_buf, h.T, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(c_buf, c.T, rtol=1e-13, atol=1e-13)


def test_other_dtypes_are_refused(lib):
    buf = np.zeros(16, dtype=np.int64)
    assert lib.host_lstm_forward(5, _ptr(buf), _ptr(buf), _ptr(buf), _ptr(buf), _ptr(buf),
                                 ctypes.c_int64(1), ctypes.c_int64(1)) == -3
