"""The time loop of the recurrent layers.

A direction of a layer works on packed rows: `data` holds the time steps one after the
other, step t having batch_sizes[t] rows (non-increasing; a plain (T, B) sequence is the
case of all B). The input projection x W_ih^T + b for every step is one matmul; each step
then adds h W_hh^T and applies the gate math. An LSTM over equal-sized steps (no
projection, float32/64) runs _LSTMSequence: fused gate kernels and a hand-written
backward through time; everything else runs the steps as recorded pyt ops."""
import pyt
from pyt.autograd import Function

try:
    from pyt._ext import rnn_kernels as _kernels
except ImportError:                  # not built: the layers run on composed ops only
    _kernels = None

_tanh = pyt.tanh
_sigmoid = pyt.sigmoid
_addmm = pyt.addmm


def _step_lstm(gx, state, w_hh, b_hh, w_hr):
    h, c = state
    gates = _addmm(gx, h, w_hh.t())
    i, f, g, o = gates.chunk(4, 1)
    c = _sigmoid(f) * c + _sigmoid(i) * _tanh(g)
    h = _sigmoid(o) * _tanh(c)
    if w_hr is not None:
        h = h.matmul(w_hr.t())
    return h, c


def _step_gru(gx, state, w_hh, b_hh, w_hr):
    h = state[0]
    gh = h.matmul(w_hh.t()) if b_hh is None else _addmm(b_hh, h, w_hh.t())
    xr, xz, xn = gx.chunk(3, 1)
    hr, hz, hn = gh.chunk(3, 1)
    r = _sigmoid(xr + hr)
    z = _sigmoid(xz + hz)
    n = _tanh(xn + r * hn)
    return (n + z * (h - n),)


def _step_tanh(gx, state, w_hh, b_hh, w_hr):
    return (_tanh(_addmm(gx, state[0], w_hh.t())),)


def _step_relu(gx, state, w_hh, b_hh, w_hr):
    return (pyt.relu(_addmm(gx, state[0], w_hh.t())),)


_STEPS = {"LSTM": _step_lstm, "GRU": _step_gru, "RNN_TANH": _step_tanh,
          "RNN_RELU": _step_relu}


def _input_projection(mode, x, w_ih, b_ih, b_hh):
    """x W_ih^T plus the biases that can be added before the loop: both for LSTM/RNN,
    only b_ih for GRU (its b_hh sits inside the reset gate's product)."""
    if b_ih is None:
        return x.matmul(w_ih.t())
    bias = b_ih if mode == "GRU" else b_ih + b_hh
    return _addmm(bias, x, w_ih.t())


class _LSTMSequence(Function):
    """The recurrence of one LSTM layer and direction over equal-sized steps, with a
    hand-written backward through time. The whole time loop runs in C
    (pyt._ext.rnn_kernels, pyt_lstm.h): per step one small product and the fused gate
    math, the hidden units split between the threads. W_hh's gradient is then one matmul
    over all steps. Buffers are indexed by time; layouts in pyt_lstm.h."""

    @staticmethod
    def forward(ctx, gx, h0, c0, w_hh, steps, reverse):
        batch, hidden = h0.size(0), h0.size(1)
        like = dict(dtype=gx.dtype)
        acts = pyt.empty(steps * batch, 4 * hidden, **like)
        tanh_c = pyt.empty(steps * batch, hidden, **like)
        cs = pyt.empty((steps + 1) * batch, hidden, **like)       # c0 and every step's c
        h_rows = pyt.empty((steps + 1) * batch, hidden, **like)   # h0 and every step's h
        first, last = (steps, 0) if reverse else (0, steps)      # blocks of h0 and of h_T
        h_rows[first * batch:(first + 1) * batch].copy_(h0)
        cs[first * batch:(first + 1) * batch].copy_(c0)
        w_hh = w_hh.contiguous()
        _kernels.lstm_sequence_forward(gx.contiguous(), w_hh, acts, tanh_c, cs, h_rows,
                                       steps, reverse)
        ctx.save_for_backward(w_hh, acts, tanh_c, h_rows, cs, gx, h0, c0)
        ctx.layout = (steps, batch, hidden, reverse)
        output = h_rows[:steps * batch] if reverse else h_rows[batch:]
        return (output, h_rows[last * batch:(last + 1) * batch].clone(),
                cs[last * batch:(last + 1) * batch].clone())

    @staticmethod
    def backward(ctx, d_output, d_h, d_c):
        if pyt.is_grad_enabled():
            # create_graph: the saved activations carry no history, so differentiate a
            # recomputation made of recorded ops instead
            return _LSTMSequence._recorded_backward(ctx, d_output, d_h, d_c)
        w_hh, acts, tanh_c, h_rows, cs = ctx.saved_tensors[:5]
        steps, batch, hidden, reverse = ctx.layout
        like = dict(dtype=acts.dtype)
        d_gx = pyt.empty(steps * batch, 4 * hidden, **like)
        dh0, dc0 = pyt.empty(batch, hidden, **like), pyt.empty(batch, hidden, **like)
        _kernels.lstm_sequence_backward(acts, tanh_c, cs, w_hh, d_output.contiguous(),
                                        d_h.contiguous(), d_c.contiguous(), d_gx, dh0, dc0,
                                        steps, reverse)
        h_prev = h_rows[batch:] if reverse else h_rows[:steps * batch]
        d_w_hh = d_gx.t().matmul(h_prev)
        return d_gx, dh0, dc0, d_w_hh, None, None

    @staticmethod
    def _recorded_backward(ctx, d_output, d_h, d_c):
        w_hh, gx, h0, c0 = (ctx.saved_tensors[0],) + tuple(ctx.saved_tensors[5:])
        steps, batch, hidden, reverse = ctx.layout
        inputs = [t if t.requires_grad else t.detach().requires_grad_() for t in (gx, h0, c0,
                                                                                    w_hh)]
        with pyt.enable_grad():
            output, state = _composed_direction("LSTM", inputs[0], [batch] * steps,
                                                (inputs[1], inputs[2]),
                                                (None, inputs[3], None, None, None), reverse)
            grads = pyt.autograd.grad((output,) + tuple(state), inputs,
                                      (d_output, d_h, d_c), create_graph=True,
                                      allow_unused=True)
        return tuple(grads) + (None, None)


def _fused_lstm_ok(gx, initial, w_hh, w_hr, batch_sizes):
    """The fused path: LSTM without projection, all steps the same size, float32/64
    (on CUDA float16/bfloat16 too: pyt.nn._rnn_cuda)."""
    return (_kernels is not None and w_hr is None and bool(batch_sizes)
            and batch_sizes[-1] == batch_sizes[0] > 0 and initial[0].size(-1) > 0
            and (gx.dtype in (pyt.float32, pyt.float64)
                 or gx.is_cuda and gx.dtype in (pyt.float16, pyt.bfloat16))
            and all(t.dtype == gx.dtype for t in (initial[0], initial[1], w_hh)))


def _lstm_sequence(gx):
    """The fused LSTM Function for gx's device: CUDA's has its own time loops."""
    if gx.is_cuda:
        from pyt.nn._rnn_cuda import LSTMSequenceCUDA
        return LSTMSequenceCUDA
    return _LSTMSequence


def run_direction(mode, data, batch_sizes, initial, weights, reverse=False):
    """One layer in one direction. initial: the state tuple, each (B, .) with B =
    batch_sizes[0]. Returns (output rows like data's, final state tuple)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gx = _input_projection(mode, data, w_ih, b_ih, b_hh)
    if mode == "LSTM" and _fused_lstm_ok(gx, initial, w_hh, w_hr, batch_sizes):
        output, h, c = _lstm_sequence(gx).apply(gx, initial[0], initial[1], w_hh,
                                                len(batch_sizes), reverse)
        return output, (h, c)
    return _composed_direction(mode, gx, batch_sizes, initial, weights, reverse)


def _composed_direction(mode, gx, batch_sizes, initial, weights, reverse):
    """The time loop as recorded pyt ops, one step after the other."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    step = _STEPS[mode]
    gx_steps = gx.split(batch_sizes, 0)
    outputs = []
    if not reverse:
        # rows leave the batch as their sequences end: keep their last state aside
        state, rows, done = initial, batch_sizes[0] if batch_sizes else 0, []
        for t, size in enumerate(batch_sizes):
            if size < rows:
                done.append(tuple(s[size:rows] for s in state))
                state = tuple(s[:size] for s in state)
                rows = size
            state = step(gx_steps[t], state, w_hh, b_hh, w_hr)
            outputs.append(state[0])
        if done:
            done.append(state)
            state = tuple(pyt.cat([d[k] for d in reversed(done)], 0)
                          for k in range(len(state)))
    else:
        # backwards in time the batch grows: rows join with their initial state
        rows = batch_sizes[-1] if batch_sizes else 0
        state = tuple(s[:rows] for s in initial) if rows < len(initial[0]) else initial
        for t in range(len(batch_sizes) - 1, -1, -1):
            size = batch_sizes[t]
            if size > rows:
                state = tuple(pyt.cat([s, s0[rows:size]], 0) for s, s0 in zip(state, initial))
                rows = size
            state = step(gx_steps[t], state, w_hh, b_hh, w_hr)
            outputs.append(state[0])
        outputs.reverse()
    output = pyt.cat(outputs, 0) if outputs else gx.new_zeros((0, initial[0].size(-1)))
    return output, state


def cell_step(mode, x, state, weights):
    """One step of a cell on a (B, input) batch: the new state tuple."""
    w_ih, w_hh, b_ih, b_hh, _ = weights
    gx = _input_projection(mode, x, w_ih, b_ih, b_hh)
    if (mode == "LSTM" and gx.is_cuda and state[0].device == state[1].device == gx.device
            and _fused_lstm_ok(gx, state, w_hh, None, [gx.size(0)])):
        # on the GPU a one-step sequence: one fused kernel each way, not a dozen launches
        _, h, c = _lstm_sequence(gx).apply(gx, state[0], state[1], w_hh, 1, False)
        return h, c
    return _STEPS[mode](gx, state, w_hh, b_hh, None)
