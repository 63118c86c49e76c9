"""The fused LSTM layer on CUDA tensors.

A hand-written backward through time like the CPU's _LSTMSequence (pyt.nn._rnn_steps),
with states and gates kept transposed, (H, B) and (4H, B), the layout of the CUDA cell
kernels; both time loops run in C (pyt._ext.lstm_loop): a step is one gemm and one cell
kernel launch, so the host keeps ahead of the GPU. Nothing
in it waits for the device. (On CPU tensors it runs lstm_loop's plain reference loops:
the tests use that to check it without a GPU.)"""
import pyt
from pyt.autograd import Function
from pyt._ext import lstm_loop as _loop


def _fresh(t, like):
    """A new contiguous tensor with t's values (the loops write into it)."""
    return pyt.empty(tuple(t.shape), **like).copy_(t)


class LSTMSequenceCUDA(Function):
    """One LSTM layer and direction over `steps` equal steps of `batch` rows; gx holds
    x W_ih^T + biases for every step. Returns (output rows, h_n, c_n)."""

    @staticmethod
    def forward(ctx, gx, h0, c0, w_hh, steps, reverse):
        batch, hidden = h0.size(0), h0.size(1)
        like = dict(dtype=gx.dtype, device=gx.device)
        # transposed blocks, one per step: gates (4H, B), states (H, B)
        acts = _fresh(gx.reshape(steps, batch, 4 * hidden).transpose(1, 2), like)
        tanh_c = pyt.empty(steps, hidden, batch, **like)
        hs = pyt.empty(steps + 1, hidden, batch, **like)     # h0 and every step's h
        cs = pyt.empty(steps + 1, hidden, batch, **like)
        first = steps if reverse else 0
        hs[first].copy_(h0.t())
        cs[first].copy_(c0.t())
        _loop.forward_steps(acts, hs, cs, tanh_c, w_hh.contiguous(), steps, batch, hidden,
                            reverse)
        ctx.save_for_backward(w_hh, acts, tanh_c, hs, cs, gx, h0, c0)
        ctx.layout = (steps, batch, hidden, reverse)
        outputs = hs[:steps] if reverse else hs[1:]
        last = 0 if reverse else steps
        return (outputs.transpose(1, 2).reshape(steps * batch, hidden),
                hs[last].t().contiguous(), cs[last].t().contiguous())

    @staticmethod
    def backward(ctx, d_output, d_h, d_c):
        if pyt.is_grad_enabled():
            return LSTMSequenceCUDA._recorded_backward(ctx, d_output, d_h, d_c)
        w_hh, acts, tanh_c, hs, cs = ctx.saved_tensors[:5]
        steps, batch, hidden, reverse = ctx.layout
        like = dict(dtype=acts.dtype, device=acts.device)
        d_gates = pyt.empty(steps, 4 * hidden, batch, **like)
        d_out = d_output.reshape(steps, batch, hidden).transpose(1, 2).contiguous()
        dh = _fresh(d_h.t(), like)                 # in: h_n's gradient; out: h0's
        dc = _fresh(d_c.t(), like)
        _loop.backward_steps(acts, tanh_c, cs, w_hh.t().contiguous(), d_out, dh, dc,
                             d_gates, steps, batch, hidden, reverse)
        d_gx = d_gates.transpose(1, 2).reshape(steps * batch, 4 * hidden)
        h_prev = hs[1:] if reverse else hs[:steps]
        d_w_hh = d_gx.t().matmul(h_prev.transpose(1, 2).reshape(steps * batch, hidden))
        return d_gx, dh.t().contiguous(), dc.t().contiguous(), d_w_hh, None, None

    @staticmethod
    def _recorded_backward(ctx, d_output, d_h, d_c):
        """create_graph: as the CPU's (the saved tensors come in the same order)."""
        from pyt.nn._rnn_steps import _LSTMSequence
        return _LSTMSequence._recorded_backward(ctx, d_output, d_h, d_c)
