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


def _blocks(buffer, count, rows):
    """buffer (count * rows, B) as count (rows, B) views (the products' operands) and as
    count (1, rows * B) views (the kernels' flat rows)."""
    return buffer.split(rows, 0), buffer.view(count, -1).split(1, 0)


class _LSTMSequence(Function):
    """The recurrence of one LSTM layer and direction over equal-sized steps, with a
    hand-written backward through time: a step costs one matmul and one fused gate
    kernel (pyt._ext.rnn_kernels) each way, and W_hh's gradient is one matmul over all
    steps. The loop keeps states and gates transposed, (H, B) and (4H, B): W_hh @ h^T is
    the faster product shape for BLAS at a small batch, and the kernels then see each
    gate as one flat run of H * B values. Buffers are indexed by time."""

    @staticmethod
    def forward(ctx, gx, h0, c0, w_hh, steps, reverse):
        batch, hidden = h0.size(0), h0.size(1)
        like = dict(dtype=gx.dtype)
        acts = pyt.empty(steps * 4 * hidden, batch, **like)        # gates, then activations
        tanh_c = pyt.empty(steps * hidden, batch, **like)
        hs = pyt.empty((steps + 1) * hidden, batch, **like)      # h of every step, and h0
        cs = pyt.empty((steps + 1) * hidden, batch, **like)
        act_mat, act_flat = _blocks(acts, steps, 4 * hidden)
        h_mat, h_flat = _blocks(hs, steps + 1, hidden)
        _, c_flat = _blocks(cs, steps + 1, hidden)
        tc_flat = tanh_c.view(steps, -1).split(1, 0)
        gx_rows = gx.split(batch, 0)
        first = steps if reverse else 0                   # the block that holds h0 / c0
        h_mat[first].copy_(h0.t())
        cs.split(hidden, 0)[first].copy_(c0.t())
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            new, prev = (t, t + 1) if reverse else (t + 1, t)
            _addmm(gx_rows[t].t(), w_hh, h_mat[prev], out=act_mat[t])
            _kernels.lstm_cell_forward(act_flat[t], c_flat[prev], c_flat[new],
                                       tc_flat[t], h_flat[new])
        ctx.save_for_backward(w_hh, acts, tanh_c, hs, cs, gx, h0, c0)
        ctx.layout = (steps, batch, hidden, reverse)
        outputs = hs[:steps * hidden] if reverse else hs[hidden:]
        output = outputs.view(steps, hidden, batch).transpose(1, 2).reshape(steps * batch,
                                                                            hidden)
        last = 0 if reverse else steps
        return (output, h_mat[last].t().contiguous(),
                cs.split(hidden, 0)[last].t().contiguous())

    @staticmethod
    def backward(ctx, d_output, d_h, d_c):
        if pyt.is_grad_enabled():
            # create_graph: the saved activations carry no history, so differentiate a
            # recomputation made of recorded ops instead
            return _LSTMSequence._recorded_backward(ctx, d_output, d_h, d_c)
        w_hh, acts, tanh_c, hs, cs = ctx.saved_tensors[:5]
        steps, batch, hidden, reverse = ctx.layout
        like = dict(dtype=acts.dtype)
        d_gates = pyt.empty(steps * 4 * hidden, batch, **like)
        dg_mat, dg_flat = _blocks(d_gates, steps, 4 * hidden)
        act_flat = acts.view(steps, -1).split(1, 0)
        tc_flat = tanh_c.view(steps, -1).split(1, 0)
        c_flat = cs.view(steps + 1, -1).split(1, 0)
        d_out = d_output.reshape(steps, batch, hidden).transpose(1, 2).contiguous()
        d_out_flat = d_out.view(steps, -1).split(1, 0)
        dh = d_h.t().contiguous().view(1, -1)
        dc = pyt.empty(hidden, batch, **like).copy_(d_c.t()).view(1, -1)   # updated in place
        dh_buffer = pyt.empty(hidden, batch, **like)
        dh_flat = dh_buffer.view(1, -1)
        w_t = w_hh.t().contiguous()                              # W_hh^T @ dgates^T
        for t in (range(steps) if reverse else range(steps - 1, -1, -1)):
            prev = t + 1 if reverse else t
            _kernels.lstm_cell_backward(act_flat[t], tc_flat[t], c_flat[prev], dh,
                                        d_out_flat[t], dc, dg_flat[t])
            pyt.mm(w_t, dg_mat[t], out=dh_buffer)    # the kernel is done with dh
            dh = dh_flat
        d_gx = d_gates.view(steps, 4 * hidden, batch).transpose(1, 2).reshape(
            steps * batch, 4 * hidden)
        h_prev = hs[hidden:] if reverse else hs[:steps * hidden]
        h_prev = h_prev.view(steps, hidden, batch).transpose(1, 2).reshape(steps * batch,
                                                                           hidden)
        d_w_hh = d_gx.t().matmul(h_prev)
        return (d_gx, dh.view(hidden, batch).t().contiguous(),
                dc.view(hidden, batch).t().contiguous(), d_w_hh, None, None)

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
            and batch_sizes[-1] == batch_sizes[0] > 0
            and (gx.dtype in (pyt.float32, pyt.float64)
                 or gx.is_cuda and gx.dtype in (pyt.float16, pyt.bfloat16))
            and all(t.dtype == gx.dtype for t in (initial[0], initial[1], w_hh)))


def _lstm_sequence(gx):
    """The fused LSTM Function for gx's device: CUDA's runs its time loops in C."""
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
