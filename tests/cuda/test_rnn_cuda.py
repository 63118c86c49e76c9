"""nn.LSTM / GRU / RNN and the cells on the GPU against the same modules on the CPU (the
state_dict copied): outputs, final states and every gradient (input, initial states,
parameters). The LSTM (and LSTMCell) runs pyt.nn._rnn_cuda: time loops in C
(pyt._ext.lstm_loop) over cuBLAS gemms and cuda_src/rnn.cu's fused cell kernels; with a
projection, packed sequences of unequal steps, GRU and RNN run the generic CUDA ops."""
import numpy as np
import pytest

import pyt
import pyt.nn as nn
from pyt.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

DEVICE = "cuda"


def rand(shape, seed, dtype=pyt.float32, scale=1.0):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.uniform(-1, 1, shape) * scale, dtype=dtype)


def close(cpu, dev, rtol=1e-4, atol=1e-5):
    assert dev.device.type == pyt.device(DEVICE).type, dev.device
    assert dev.dtype is cpu.dtype, (dev.dtype, cpu.dtype)
    assert tuple(dev.shape) == tuple(cpu.shape), (tuple(dev.shape), tuple(cpu.shape))
    np.testing.assert_allclose(dev.detach().cpu().double().numpy(),
                               cpu.detach().double().numpy(), rtol=rtol, atol=atol)


def twin(cls, *args, **kwargs):
    """A module on the CPU and its copy (state_dict) on the device."""
    pyt.manual_seed(0)
    cpu = cls(*args, **kwargs)
    dev = cls(*args, **kwargs)
    dev.load_state_dict(cpu.state_dict())
    return cpu, dev.to(DEVICE)


def states_of(result):
    """(output, [final states]) of a module's result, LSTM's (h, c) flattened."""
    out, final = result
    return out, list(final) if isinstance(final, tuple) else [final]


def run(module, x, hx, device, seed=5):
    """module(x, hx) with x and hx as leaves on device; backward of a weighted sum of the
    output and the final states. Returns (output, states, input grads, param grads)."""
    leaves = [x.detach().clone().to(device).requires_grad_()]
    if hx is not None:
        hx_leaves = [h.detach().clone().to(device).requires_grad_() for h in hx]
        leaves += hx_leaves
        hx = tuple(hx_leaves) if len(hx_leaves) == 2 else hx_leaves[0]
    out, states = states_of(module(leaves[0], hx))
    loss = (out * rand(tuple(out.shape), seed).to(device)).sum()
    for k, s in enumerate(states):
        loss = loss + (s * rand(tuple(s.shape), seed + 1 + k).to(device)).sum()
    loss.backward()
    grads = [p.grad for p in module.parameters()]
    return out, states, [t.grad for t in leaves], grads


def check_module(cpu, dev, x, hx=None, rtol=1e-4, atol=1e-5):
    out_c, st_c, in_c, par_c = run(cpu, x, hx, "cpu")
    out_d, st_d, in_d, par_d = run(dev, x, hx, DEVICE)
    close(out_c, out_d, rtol, atol)
    assert len(st_c) == len(st_d)
    for a, b in zip(st_c + in_c + par_c, st_d + in_d + par_d):
        close(a, b, rtol, atol)


CONFIGS = [
    dict(num_layers=1),
    dict(num_layers=2),
    dict(num_layers=2, bidirectional=True),
    dict(num_layers=1, batch_first=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(num_layers=1, bias=False),
]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN], ids=lambda c: c.__name__)
def test_module_matches_cpu(cls, config):
    cpu, dev = twin(cls, 6, 5, **config)
    shape = (3, 7, 6) if config.get("batch_first") else (7, 3, 6)
    check_module(cpu, dev, rand(shape, 1), None)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN], ids=lambda c: c.__name__)
def test_module_with_initial_state(cls):
    cpu, dev = twin(cls, 4, 8, num_layers=2, bidirectional=True)
    hx = [rand((4, 3, 8), 2)]
    if cls is nn.LSTM:
        hx.append(rand((4, 3, 8), 3))
    check_module(cpu, dev, rand((6, 3, 4), 1), hx)


def test_rnn_relu_matches_cpu():
    cpu, dev = twin(nn.RNN, 4, 6, num_layers=2, nonlinearity="relu")
    check_module(cpu, dev, rand((5, 2, 4), 1), None)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_with_projection(bidirectional):
    cpu, dev = twin(nn.LSTM, 5, 8, num_layers=2, proj_size=3, bidirectional=bidirectional)
    d = 2 if bidirectional else 1
    check_module(cpu, dev, rand((6, 2, 5), 1), [rand((2 * d, 2, 3), 2), rand((2 * d, 2, 8), 3)])


def test_lstm_unbatched_input():
    cpu, dev = twin(nn.LSTM, 4, 5)
    check_module(cpu, dev, rand((6, 4), 1), [rand((1, 5), 2), rand((1, 5), 3)])


def test_lstm_float64_is_tight():
    cpu, dev = twin(nn.LSTM, 6, 7, num_layers=2, bidirectional=True, dtype=pyt.float64)
    check_module(cpu, dev, rand((9, 4, 6), 1, pyt.float64), None, rtol=1e-10, atol=1e-12)


def test_lstm_benchmark_shape():
    """The issue's LSTM(200) x2 at 35 steps x batch 20."""
    cpu, dev = twin(nn.LSTM, 200, 200, 2)
    check_module(cpu, dev, rand((35, 20, 200), 1), None, rtol=2e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [pyt.float16, pyt.bfloat16], ids=str)
def test_lstm_half_types_follow_float32(dtype):
    """Halves on the GPU (gemms and the fused cell computing in float) against the float32
    CPU module, loosely."""
    cpu, dev = twin(nn.LSTM, 6, 8, num_layers=2)
    dev = dev.to(dtype)
    x = rand((5, 3, 6), 1)
    out_c, (h_c, c_c) = cpu(x)
    out_d, (h_d, c_d) = dev(x.to(dtype).to(DEVICE))
    assert out_d.dtype is dtype and out_d.device.type == pyt.device(DEVICE).type
    tol = 2e-2 if dtype is pyt.float16 else 8e-2
    for a, b in ((out_c, out_d), (h_c, h_d), (c_c, c_d)):
        np.testing.assert_allclose(b.detach().cpu().double().numpy(),
                                   a.detach().double().numpy(), rtol=tol, atol=tol)
    out_d.float().sum().backward()
    assert all(p.grad is not None and p.grad.dtype is dtype for p in dev.parameters())


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU], ids=lambda c: c.__name__)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_sequences(cls, bidirectional):
    cpu, dev = twin(cls, 4, 5, num_layers=2, bidirectional=bidirectional)
    x = rand((6, 4, 4), 1)
    lengths = [4, 6, 1, 3]                              # unsorted: a permutation too
    results = []
    for module, device in ((cpu, "cpu"), (dev, DEVICE)):
        xl = x.clone().to(device).requires_grad_()
        packed = pack_padded_sequence(xl, lengths, enforce_sorted=False)
        out, states = states_of(module(packed))
        padded, out_lengths = pad_packed_sequence(out)
        assert out_lengths.tolist() == lengths and not out_lengths.is_cuda
        loss = (padded * rand(tuple(padded.shape), 5).to(device)).sum()
        for k, s in enumerate(states):
            loss = loss + (s * rand(tuple(s.shape), 6 + k).to(device)).sum()
        loss.backward()
        results.append([padded] + states + [xl.grad] + [p.grad for p in module.parameters()])
    for a, b in zip(*results):
        close(a, b)


@pytest.mark.parametrize("cls", [nn.LSTMCell, nn.GRUCell, nn.RNNCell],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_cpu(cls, with_hx, batched):
    cpu, dev = twin(cls, 4, 6)
    lead = (3,) if batched else ()
    x = rand(lead + (4,), 1)
    hx = None
    if with_hx:
        hx = [rand(lead + (6,), 2)] + ([rand(lead + (6,), 3)] if cls is nn.LSTMCell else [])
    results = []
    for module, device in ((cpu, "cpu"), (dev, DEVICE)):
        xl = x.clone().to(device).requires_grad_()
        leaves = [xl]
        h = None
        if hx is not None:
            hl = [t.clone().to(device).requires_grad_() for t in hx]
            leaves += hl
            h = tuple(hl) if cls is nn.LSTMCell else hl[0]
        r = module(xl, h)
        states = list(r) if isinstance(r, tuple) else [r]
        loss = sum((s * rand(tuple(s.shape), 7 + k).to(device)).sum()
                   for k, s in enumerate(states))
        loss.backward()
        results.append(states + [t.grad for t in leaves] + [p.grad for p in module.parameters()])
    for a, b in zip(*results):
        close(a, b)


def test_lstm_cell_steps_in_a_loop():
    """A cell unrolled by hand over several steps (the fused one-step path each time)."""
    cpu, dev = twin(nn.LSTMCell, 3, 4)
    xs = rand((5, 2, 3), 1)
    results = []
    for module, device in ((cpu, "cpu"), (dev, DEVICE)):
        x = xs.clone().to(device).requires_grad_()
        h = c = pyt.zeros(2, 4, device=device)
        total = 0
        for t in range(5):
            h, c = module(x[t], (h, c))
            total = total + (h * (t + 1)).sum() + c.sum()
        total.backward()
        results.append([h, c, x.grad] + [p.grad for p in module.parameters()])
    for a, b in zip(*results):
        close(a, b)


def test_lstm_double_backward():
    """create_graph=True: the recorded recomputation on the GPU too."""
    cpu, dev = twin(nn.LSTM, 3, 4)
    results = []
    for module, device in ((cpu, "cpu"), (dev, DEVICE)):
        x = rand((4, 2, 3), 1).to(device).requires_grad_()
        out, _ = module(x)
        g, = pyt.autograd.grad((out * out).sum(), x, create_graph=True)
        (g * g).sum().backward()
        results.append([g, x.grad] + [p.grad for p in module.parameters()])
    for a, b in zip(*results):
        close(a, b)


def test_training_steps_match_cpu():
    """A few SGD steps of a 2-layer LSTM: the parameters stay equal to the CPU's."""
    cpu, dev = twin(nn.LSTM, 5, 6, num_layers=2)
    x = rand((8, 4, 5), 1)
    target = rand((8, 4, 6), 2)
    for module, device in ((cpu, "cpu"), (dev, DEVICE)):
        opt = pyt.optim.SGD(module.parameters(), lr=0.1)
        xd, td = x.to(device), target.to(device)
        for _ in range(3):
            opt.zero_grad()
            out, _ = module(xd)
            ((out - td) ** 2).mean().backward()
            opt.step()
    for a, b in zip(cpu.parameters(), dev.parameters()):
        close(a, b)


def test_device_mismatch_errors():
    cpu, dev = twin(nn.LSTM, 3, 4)
    x = rand((5, 2, 3), 1)
    with pytest.raises(RuntimeError, match="Input and parameter tensors are not at the same "
                                           "device"):
        cpu(x.to(DEVICE))
    with pytest.raises(RuntimeError, match="Input and hidden tensors are not at the same "
                                           "device"):
        dev(x.to(DEVICE), (pyt.zeros(1, 2, 4), pyt.zeros(1, 2, 4)))
    from pyt._ext import lstm_loop
    acts = pyt.zeros(2, 16, 1, device=DEVICE)
    hs, cs = pyt.zeros(3, 4, 1, device=DEVICE), pyt.zeros(3, 4, 1)       # cs on the CPU
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        lstm_loop.forward_steps(acts, hs, cs, pyt.zeros(2, 4, 1, device=DEVICE),
                                pyt.zeros(16, 4, device=DEVICE), 2, 1, 4, False)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.float16, pyt.bfloat16],
                         ids=str)
@pytest.mark.parametrize("reverse", [False, True])
def test_time_loops_match_their_cpu_reference(dtype, reverse):
    """pyt._ext.lstm_loop on CUDA tensors (cuBLAS gemms, cuda_src/rnn.cu's cell kernels)
    against its CPU reference loops (tests/test_lstm_loop.py checks those against the CPU
    layer), buffer for buffer; float32 on the CPU for the half types."""
    from pyt._ext import lstm_loop
    steps, batch, hidden = 4, 3, 5
    ref = pyt.float64 if dtype is pyt.float64 else pyt.float32
    first = steps if reverse else 0
    acts0 = rand((steps, 4 * hidden, batch), 1) * 3
    hs0, cs0 = rand((steps + 1, hidden, batch), 2), rand((steps + 1, hidden, batch), 3)
    w = rand((4 * hidden, hidden), 4)
    d_out, dh, dc = (rand((steps, hidden, batch), 5), rand((hidden, batch), 6),
                     rand((hidden, batch), 7))
    results = []
    for device, dt in (("cpu", ref), (DEVICE, dtype)):
        # fresh copies in dt on device: the loops write into their buffers
        acts, hs, cs, wd, go, dhd, dcd = (t.to(dtype).to(dt).to(device).clone() for t in
                                          (acts0, hs0, cs0, w, d_out, dh, dc))
        tc = pyt.empty(steps, hidden, batch, dtype=dt, device=device)
        lstm_loop.forward_steps(acts, hs, cs, tc, wd, steps, batch, hidden, reverse)
        dg = pyt.empty(steps, 4 * hidden, batch, dtype=dt, device=device)
        lstm_loop.backward_steps(acts, tc, cs, wd.t().contiguous(), go, dhd, dcd, dg, steps,
                                 batch, hidden, reverse)
        results.append([acts, hs, cs, tc, dg, dhd, dcd])
    tol = {pyt.float64: 1e-12, pyt.float32: 1e-5, pyt.float16: 2e-2, pyt.bfloat16: 1e-1}[dtype]
    for a, b in zip(*results):
        assert b.dtype is dtype and b.is_cuda
        np.testing.assert_allclose(b.cpu().double().numpy(), a.double().numpy(), rtol=tol,
                                   atol=tol)
    assert pyt.equal(results[1][1][first].cpu().to(ref), hs0[first].to(dtype).to(ref))
