"""The time loop of the recurrent layers, composed of differentiable pyt ops.

A direction of a layer works on packed rows: `data` holds the time steps one after the
other, step t having batch_sizes[t] rows (non-increasing; a plain (T, B) sequence is the
case of all B). The input projection x W_ih^T + b for every step is one matmul; each step
then adds h W_hh^T and applies the gate math."""
import pyt

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


def run_direction(mode, data, batch_sizes, initial, weights, reverse=False):
    """One layer in one direction. initial: the state tuple, each (B, .) with B =
    batch_sizes[0]. Returns (output rows like data's, final state tuple)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    step = _STEPS[mode]
    gx_steps = _input_projection(mode, data, w_ih, b_ih, b_hh).split(batch_sizes, 0)
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
    output = pyt.cat(outputs, 0) if outputs else data.new_zeros((0, initial[0].size(-1)))
    return output, state


def cell_step(mode, x, state, weights):
    """One step of a cell on a (B, input) batch: the new state tuple."""
    w_ih, w_hh, b_ih, b_hh, _ = weights
    gx = _input_projection(mode, x, w_ih, b_ih, b_hh)
    return _STEPS[mode](gx, state, w_hh, b_hh, None)
