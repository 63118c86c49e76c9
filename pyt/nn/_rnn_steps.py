"""The time loop of the recurrent layers, composed of differentiable pyt ops.

A direction of a layer works on packed rows: `data` holds the time steps one after the
other, step t having batch_sizes[t] rows (non-increasing; a plain (T, B) sequence is the
case of all B). The input projection x W_ih^T + b for every step is one matmul; each step
then adds h W_hh^T and applies the gate math."""
import pyt
from pyt.autograd import Function

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
    hand-written backward through time: each step then costs one matmul and the gate
    math, and W_hh's gradient is one matmul over all steps (instead of one per step).
    The backward is made of pyt ops, so it is differentiable in turn."""

    @staticmethod
    def forward(ctx, gx, h0, c0, w_hh, steps, reverse):
        batch = h0.size(0)
        gx_steps = gx.split(batch, 0)
        hidden = h0.size(1)
        h, c = h0, c0
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        h_prev, c_prev, acts, tanh_c, outputs = [], [], [], [], [None] * steps
        w_t = w_hh.t()
        for t in order:
            gates = _addmm(gx_steps[t], h, w_t)
            act = _sigmoid(gates)                          # i, f, o used; g recomputed
            g = _tanh(gates[:, 2 * hidden:3 * hidden])
            act[:, 2 * hidden:3 * hidden] = g
            i, f, o = act[:, :hidden], act[:, hidden:2 * hidden], act[:, 3 * hidden:]
            h_prev.append(h)
            c_prev.append(c)
            c = pyt.addcmul(f * c, i, g)
            tc = _tanh(c)
            h = o * tc
            acts.append(act)
            tanh_c.append(tc)
            outputs[t] = h
        ctx.save_for_backward(w_hh, pyt.cat(h_prev, 0), pyt.cat(c_prev, 0), pyt.cat(acts, 0),
                              pyt.cat(tanh_c, 0), gx, h0, c0)
        ctx.layout = (steps, batch, hidden, reverse)
        output = pyt.cat(outputs, 0) if steps else gx.new_zeros((0, hidden))
        return output, h, c

    @staticmethod
    def backward(ctx, d_output, d_h, d_c):
        w_hh, h_prev, c_prev, acts, tanh_c, gx, h0, c0 = ctx.saved_tensors
        steps, batch, hidden, reverse = ctx.layout
        if pyt.is_grad_enabled():
            # create_graph: the saved activations carry no history, so differentiate a
            # recomputation made of recorded ops instead
            return _LSTMSequence._recorded_backward(ctx, d_output, d_h, d_c)
        d_out_steps = d_output.split(batch, 0)
        c_rows = c_prev.split(batch, 0)
        act_rows, tc_rows = acts.split(batch, 0), tanh_c.split(batch, 0)
        d_gates = [None] * steps
        dh, dc = d_h, d_c
        for pos in range(steps - 1, -1, -1):                # saved rows: processing order
            t = steps - 1 - pos if reverse else pos
            act, tc, cp = act_rows[pos], tc_rows[pos], c_rows[pos]
            i, f = act[:, :hidden], act[:, hidden:2 * hidden]
            g, o = act[:, 2 * hidden:3 * hidden], act[:, 3 * hidden:]
            dh = dh + d_out_steps[t]
            dc = dc + dh * o * (1 - tc * tc)
            dgate = pyt.cat([dc * g * i * (1 - i), dc * cp * f * (1 - f),
                             dc * i * (1 - g * g), dh * tc * o * (1 - o)], 1)
            d_gates[pos] = dgate
            dc = dc * f
            dh = dgate.matmul(w_hh)
        d_all = pyt.cat(d_gates, 0) if steps else acts.new_zeros((0, 4 * hidden))
        d_w_hh = d_all.t().matmul(h_prev)
        # d_all is in processing order; gx's rows are in time order
        d_gx = d_all if not reverse else pyt.cat(d_gates[::-1], 0)
        return d_gx, dh, dc, d_w_hh, None, None

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


def run_direction(mode, data, batch_sizes, initial, weights, reverse=False):
    """One layer in one direction. initial: the state tuple, each (B, .) with B =
    batch_sizes[0]. Returns (output rows like data's, final state tuple)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gx = _input_projection(mode, data, w_ih, b_ih, b_hh)
    if (mode == "LSTM" and w_hr is None and batch_sizes
            and batch_sizes[-1] == batch_sizes[0]):
        output, h, c = _LSTMSequence.apply(gx, initial[0], initial[1], w_hh,
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
    return _STEPS[mode](gx, state, w_hh, b_hh, None)
