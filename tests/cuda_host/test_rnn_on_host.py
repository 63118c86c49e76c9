"""cuda_src/rnn.cu's LSTM cell functions compiled for the host and compared with
rnn_kernels.pyx's CPU kernels (float32, float64), and with the float32 CPU kernel rounded
once for float16 / bfloat16 (the GPU computes halves in float). Needs nvcc; skipped
without it."""
import ctypes
import os
import shutil
import subprocess

import numpy as np
import pytest

import pyt

rnn_kernels = pytest.importorskip("pyt._ext.rnn_kernels")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NVCC = shutil.which("nvcc")
pytestmark = pytest.mark.skipif(NVCC is None, reason="needs nvcc")
CODES = {pyt.float16: 6, pyt.bfloat16: 7, pyt.float32: 8, pyt.float64: 9}
HALF_TOL = {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2}


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    path = tmp_path_factory.mktemp("rnn_host") / "rnn_host.so"
    r = subprocess.run([NVCC, "-std=c++17", "-O2", "-shared", "-Xcompiler", "-fPIC",
                        "-I", os.path.join(ROOT, "cuda_src"),
                        "-I", os.path.join(ROOT, "pyt", "_ext", "include"),
                        os.path.join(HERE, "rnn_host.cu"), "-o", str(path)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return ctypes.CDLL(str(path))


def _host(t):
    """A contiguous numpy copy of t's raw values (halves as their 16-bit patterns)."""
    if t.dtype in (pyt.float16, pyt.bfloat16):
        t = t.view(pyt.int16)
    return np.ascontiguousarray(t.numpy()).copy()


def _back(a, dtype):
    """A host buffer as a float64 pyt tensor of dtype's values."""
    t = pyt.from_numpy(a.copy())
    if dtype in (pyt.float16, pyt.bfloat16):
        t = t.view(dtype)
    return t.double()


def _ptr(a):
    return ctypes.c_void_p(a.ctypes.data)


def _inputs(dtype, batch, hidden, seed):
    """Gate pre-activations (with saturating values), states and gradients, in dtype."""
    g = np.random.default_rng(seed)
    gates = g.normal(0, 2, (batch, 4 * hidden))
    gates.flat[::7] *= 15
    vals = [gates] + [g.normal(0, 1, (batch, hidden)) for _ in range(4)]
    return [pyt.tensor(v).to(dtype) for v in vals]


def _cpu_forward(gates, c_prev):
    """The CPU kernel's (activations, c, tanh(c), h), on float32 / float64 inputs."""
    act = gates.clone()
    c, tc, h = (pyt.empty_like(c_prev) for _ in range(3))
    rnn_kernels.lstm_cell_forward(act, c_prev, c, tc, h)
    return act, c, tc, h


def _check(got, want, dtype, what):
    if dtype in HALF_TOL:
        # the reference in float32, rounded once to dtype: at most an ulp or two apart
        tol = HALF_TOL[dtype]
        np.testing.assert_allclose(got.numpy(), want.to(dtype).double().numpy(),
                                   rtol=tol, atol=tol, err_msg=what)
    else:
        tol = 2e-6 if dtype is pyt.float32 else 1e-13
        np.testing.assert_allclose(got.numpy(), want.double().numpy(), rtol=tol, atol=tol,
                                   err_msg=what)


@pytest.mark.parametrize("dtype", list(CODES), ids=str)
@pytest.mark.parametrize("batch, hidden", [(3, 37), (1, 8 * 5), (2, 1)])
def test_lstm_cell_forward_and_backward_match_the_cpu(lib, dtype, batch, hidden):
    gates, c_prev, dh_next, d_out, dc = _inputs(dtype, batch, hidden, batch * 100 + hidden)
    ref = pyt.float64 if dtype is pyt.float64 else pyt.float32
    gates_r, c_prev_r, dh_r, dout_r, dc_r = (t.to(ref).clone() for t in (
        gates, c_prev, dh_next, d_out, dc))                     # the CPU kernels write
    act_r, c_r, tc_r, h_r = _cpu_forward(gates_r, c_prev_r)

    # forward: the gates become activations in place
    g_buf, cp_buf = _host(gates), _host(c_prev)
    c_buf, tc_buf, h_buf = (np.empty_like(cp_buf) for _ in range(3))
    assert lib.host_lstm_forward(CODES[dtype], _ptr(g_buf), _ptr(cp_buf), _ptr(c_buf),
                                 _ptr(tc_buf), _ptr(h_buf), ctypes.c_int64(batch),
                                 ctypes.c_int64(hidden)) == 0
    for got, want, what in ((g_buf, act_r, "activations"), (c_buf, c_r, "c"),
                            (tc_buf, tc_r, "tanh(c)"), (h_buf, h_r, "h")):
        _check(_back(got, dtype), want, dtype, what)

    # backward from the same activations on both sides (the CPU's, rounded to dtype)
    act = act_r.to(dtype)
    tc = tc_r.to(dtype)
    act_ref, tc_ref = act.to(ref), tc.to(ref)
    dg_r = pyt.empty_like(act_ref)
    rnn_kernels.lstm_cell_backward(act_ref, tc_ref, c_prev_r, dh_r, dout_r, dc_r, dg_r)
    a_buf, t_buf, dc_buf = _host(act), _host(tc), _host(dc)
    dh_buf, do_buf = _host(dh_next), _host(d_out)
    dg_buf = np.empty_like(a_buf)
    assert lib.host_lstm_backward(CODES[dtype], _ptr(a_buf), _ptr(t_buf), _ptr(cp_buf),
                                  _ptr(dh_buf), _ptr(do_buf), _ptr(dc_buf), _ptr(dg_buf),
                                  ctypes.c_int64(batch), ctypes.c_int64(hidden)) == 0
    _check(_back(dg_buf, dtype), dg_r, dtype, "d_gates")
    _check(_back(dc_buf, dtype), dc_r, dtype, "dc (the previous step's)")


def test_the_transposed_layout_of_the_sequence_loop(lib):
    """_LSTMSequence calls the kernels on (4H, B) blocks as one row of 4 * H * B values:
    gate k of (unit u, batch b) at k * H * B + u * B + b. The host functions on that row
    must agree with the CPU kernel on the batch-major layout, transposed."""
    batch, hidden = 5, 6
    gates, c_prev = _inputs(pyt.float64, batch, hidden, 7)[:2]
    act, c, tc, h = _cpu_forward(gates, c_prev)
    flat = gates.view(batch, 4, hidden).permute(1, 2, 0).contiguous()      # (4, H, B)
    g_buf, cp_buf = _host(flat), _host(c_prev.t())
    c_buf, tc_buf, h_buf = (np.empty_like(cp_buf) for _ in range(3))
    lib.host_lstm_forward(CODES[pyt.float64], _ptr(g_buf), _ptr(cp_buf), _ptr(c_buf),
                          _ptr(tc_buf), _ptr(h_buf), ctypes.c_int64(1),
                          ctypes.c_int64(hidden * batch))
    np.testing.assert_allclose(g_buf, act.view(batch, 4, hidden).permute(1, 2, 0).numpy(),
                               rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(h_buf, h.t().numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(c_buf, c.t().numpy(), rtol=1e-13, atol=1e-13)
