"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional, packed input) and their
single-step cells RNNCell, LSTMCell, GRUCell.

Parameters carry torch's names, shapes and order (weight_ih_l0, weight_hh_l0, bias_ih_l0,
bias_hh_l0, weight_hr_l0, ..._reverse), so state_dicts move between the two libraries.
Each layer projects its whole input sequence with one matmul; the time loop then only adds
h @ W_hh^T and applies the gate math (pyt.nn._rnn_steps)."""
import math
import numbers
import warnings

import pyt
from pyt.nn import init
from pyt.nn import _rnn_steps as steps
from pyt.nn.parameter import Parameter
from pyt.nn.modules.module import Module
from pyt.nn.utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _permute_hidden(hx, permutation):
    """hx with its batch dim (1) reordered; None permutation means the identity."""
    if permutation is None:
        return hx
    return hx.index_select(1, permutation)


class RNNBase(Module):
    """The parameters, checks and layer/direction loop shared by RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size

        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for stem, shape in shapes:
                    setattr(self, stem + suffix,
                            Parameter(pyt.empty(shape, dtype=dtype, device=device)))
                    names.append(stem + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """A no-op: pyt keeps each weight in its own tensor (cuDNN's packing is moot)."""

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _layer_weights(self, layer, direction):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction; absent ones None."""
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        return tuple(getattr(self, stem + suffix, None)
                     for stem in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))

    # -- argument checks (torch's messages) --
    def check_input(self, input, batch_sizes):
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        directions = 2 if self.bidirectional else 1
        out = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * directions, mini_batch, out)

    def check_hidden_size(self, hx, expected_hidden_size,
                          msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(tuple(expected_hidden_size), list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        return _permute_hidden(hx, permutation)

    def _dims_message(self):
        return f"{type(self).__name__}: Expected input to be 2D or 3D, got {{}}D instead"

    # -- the computation --
    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = batch_sizes_t.tolist()
            batched = True
        else:
            if input.dim() not in (2, 3):
                raise ValueError(self._dims_message().format(input.dim()))
            batched = input.dim() == 3
            batch_sizes_t = sorted_indices = unsorted_indices = None
        states = self._initial_states(input, hx, batched, packed, sorted_indices)
        self._check_devices(input.data if packed else input, states)
        if packed:
            self.check_input(data, batch_sizes_t)
        else:
            if not batched:
                input = input.unsqueeze(1)
            elif self.batch_first:
                input = input.transpose(0, 1)
            self.check_input(input, None)
            steps_count, batch = input.size(0), input.size(1)
            batch_sizes = [batch] * steps_count
            data = input.reshape(steps_count * batch, input.size(2))
        output, final = self._run_layers(data, batch_sizes, states)
        if packed:
            output = PackedSequence(output, batch_sizes_t, sorted_indices, unsorted_indices)
            final = tuple(_permute_hidden(s, unsorted_indices) for s in final)
        else:
            output = output.reshape(steps_count, batch, output.size(-1))
            if not batched:
                output = output.squeeze(1)
                final = tuple(s.squeeze(1) for s in final)
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, (final if self.mode == "LSTM" else final[0])

    def _initial_states(self, input, hx, batched, packed, sorted_indices):
        """The checked initial states as a tuple ((h0,) or (h0, c0)), each 3-D and in the
        sorted batch order of a packed input; zeros where hx is None."""
        data = input.data if packed else input
        lstm = self.mode == "LSTM"
        if hx is not None:
            parts = tuple(hx) if lstm else (hx,)
            if not batched:
                if any(p.dim() != 2 for p in parts):
                    if lstm:
                        raise RuntimeError("For unbatched 2-D input, hx and cx should also be "
                                           f"2-D but got ({parts[0].dim()}-D, "
                                           f"{parts[1].dim()}-D) tensors")
                    raise RuntimeError("For unbatched 2-D input, hx should also be 2-D but "
                                       f"got {parts[0].dim()}-D tensor")
                parts = tuple(p.unsqueeze(1) for p in parts)
            elif not packed and any(p.dim() != 3 for p in parts):
                if lstm:
                    raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D "
                                       f"but got ({parts[0].dim()}-D, {parts[1].dim()}-D) "
                                       "tensors")
                raise RuntimeError("For batched 3-D input, hx should also be 3-D but got "
                                   f"{parts[0].dim()}-D tensor")
            parts = tuple(_permute_hidden(p, sorted_indices) for p in parts)
        # the expected sizes, on the input as the checks see it
        if packed:
            batch = int(input.batch_sizes[0])
        elif not batched:
            batch = 1
        else:
            batch = input.size(0) if self.batch_first else input.size(1)
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        h_size = (self.num_layers * directions, batch, real_hidden)
        c_size = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            like = dict(dtype=data.dtype, device=data.device)
            zeros_h = pyt.zeros(h_size, **like)
            return (zeros_h, pyt.zeros(c_size, **like)) if lstm else (zeros_h,)
        if lstm:
            self.check_hidden_size(parts[0], h_size, "Expected hidden[0] size {}, got {}")
            self.check_hidden_size(parts[1], c_size, "Expected hidden[1] size {}, got {}")
        else:
            self.check_hidden_size(parts[0], h_size)
        return parts

    def _check_devices(self, data, states):
        """torch's errors for parameters or states on another device than the input. (The
        weights are only looked at for a CUDA input: a CPU one meets CUDA weights in its
        first product, and the CPU path stays cheap.)"""
        device = data.device
        if data.is_cuda:
            for w in self._flat_weights:
                if w is not None and w.device != device:
                    raise RuntimeError(f"Input and parameter tensors are not at the same "
                                       f"device, found input tensor at {device} and "
                                       f"parameter tensor at {w.device}")
        for s in states:
            if s.device is not device and s.device != device:
                raise RuntimeError(f"Input and hidden tensors are not at the same device, "
                                   f"found input tensor at {device} and hidden tensor at "
                                   f"{s.device}")

    def _run_layers(self, data, batch_sizes, states):
        """Every layer and direction over the packed data (sum of batch_sizes rows).
        Returns the last layer's output rows and the final states, stacked per state."""
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        layer_input = data
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = self._layer_weights(layer, direction)
                initial = tuple(s[index] for s in states)
                out, last = steps.run_direction(self.mode, layer_input, batch_sizes, initial,
                                                weights, reverse=direction == 1)
                outputs.append(out)
                for store, value in zip(finals, last):
                    store.append(value)
            layer_input = outputs[0] if directions == 1 else pyt.cat(outputs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = pyt.nn.functional.dropout(layer_input, self.dropout, True)
        return layer_input, tuple(pyt.stack(store, 0) for store in finals)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def _dims_message(self):
        return "RNN: Expected input to be 2D or 3D, got {}D tensor instead"

    def extra_repr(self):
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity}" if self.nonlinearity != "tanh"
                    else "")


class LSTM(RNNBase):
    """Long short-term memory; proj_size > 0 projects h with weight_hr (LSTMP)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        size = self.get_expected_hidden_size(input, batch_sizes)
        return (size[0], size[1], self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        return tuple(_permute_hidden(h, permutation) for h in hx)


class GRU(RNNBase):
    """Gated recurrent unit (reset gate applied after the hidden projection, as torch)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """The parameters and checks shared by the single-step cells."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        like = dict(dtype=dtype, device=device)
        self.weight_ih = Parameter(pyt.empty(num_chunks * hidden_size, input_size, **like))
        self.weight_hh = Parameter(pyt.empty(num_chunks * hidden_size, hidden_size, **like))
        if bias:
            self.bias_ih = Parameter(pyt.empty(num_chunks * hidden_size, **like))
            self.bias_hh = Parameter(pyt.empty(num_chunks * hidden_size, **like))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _check(self, input, hx_parts):
        """input as 2-D (batched) plus whether it was 1-D; torch's messages."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.dim()}D instead")
        for i, h in enumerate(hx_parts):
            if h is not None and h.dim() not in (1, 2):
                raise ValueError(f"{type(self).__name__}: Expected hidden to be 1D or 2D, got "
                                 f"{h.dim()}D instead")
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(-1)} "
                               f"expected {self.input_size}")
        batched = input.dim() == 2
        for i, h in enumerate(hx_parts):
            if h is None:
                continue
            name = f"hidden{i}"
            if h.dim() == 2 and batched and h.size(0) != input.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match {name} "
                                   f"batch size {h.size(0)}")
            if h.size(-1) != self.hidden_size:
                raise RuntimeError(f"{name} has inconsistent hidden_size: got {h.size(-1)}, "
                                   f"expected {self.hidden_size}")
        return batched

    def _weights(self):
        return (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, None)


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        batched = self._check(input, (hx,))
        if not batched:
            input = input.unsqueeze(0)
            hx = None if hx is None else hx.unsqueeze(0)
        if hx is None:
            hx = pyt.zeros(input.size(0), self.hidden_size, dtype=input.dtype,
                           device=input.device)
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        h = steps.cell_step(mode, input, (hx,), self._weights())[0]
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        parts = (None, None) if hx is None else tuple(hx)
        batched = self._check(input, parts)
        if not batched:
            input = input.unsqueeze(0)
            parts = tuple(None if h is None else h.unsqueeze(0) for h in parts)
        if hx is None:
            zeros = pyt.zeros(input.size(0), self.hidden_size, dtype=input.dtype,
                              device=input.device)
            parts = (zeros, zeros)
        h, c = steps.cell_step("LSTM", input, parts, self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: h' = (1 - z) * n + z * h."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        batched = self._check(input, (hx,))
        if not batched:
            input = input.unsqueeze(0)
            hx = None if hx is None else hx.unsqueeze(0)
        if hx is None:
            hx = pyt.zeros(input.size(0), self.hidden_size, dtype=input.dtype,
                           device=input.device)
        h = steps.cell_step("GRU", input, (hx,), self._weights())[0]
        return h if batched else h.squeeze(0)
