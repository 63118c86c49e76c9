"""Variable-length sequences: PackedSequence and the pack/pad helpers.

A packed sequence stores the time steps one after the other, step t holding the
batch_sizes[t] sequences that are still running (sequences sorted by length, longest
first). Packing and padding are each one index_select, so gradients flow through them."""
from collections import namedtuple

import pyt

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


def invert_permutation(permutation):
    """The permutation that undoes `permutation` (None stays None)."""
    if permutation is None:
        return None
    inverse = pyt.empty_like(permutation)
    inverse.scatter_(0, permutation, pyt.arange(permutation.numel(), dtype=permutation.dtype,
                                                device=permutation.device))
    return inverse


class PackedSequence(namedtuple("PackedSequence_",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Packed time steps (data), the batch size of each step (a CPU int64 tensor) and the
    permutation that sorted the batch by length (None when it came sorted)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:                     # PackedSequence((data, batch_sizes))
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        """The same sequence with data replaced; the permutations follow data's device."""
        if data is self.data:
            return self
        sorted_indices, unsorted_indices = (
            None if p is None else p.to(data.device)
            for p in (self.sorted_indices, self.unsorted_indices))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """data converted like Tensor.to; the indices stay int64 (and batch_sizes on CPU)."""
        return self._with_data(self.data.to(*args, **kwargs))

    def cpu(self, *args, **kwargs):
        return self._with_data(self.data.cpu(*args, **kwargs))

    def cuda(self, *args, **kwargs):
        return self._with_data(self.data.cuda(*args, **kwargs))

    def pin_memory(self):
        return self

    def double(self):
        return self.to(dtype=pyt.float64)

    def float(self):
        return self.to(dtype=pyt.float32)

    def half(self):
        return self.to(dtype=pyt.float16)

    def long(self):
        return self.to(dtype=pyt.int64)

    def int(self):
        return self.to(dtype=pyt.int32)

    def short(self):
        return self.to(dtype=pyt.int16)

    def char(self):
        return self.to(dtype=pyt.int8)

    def byte(self):
        return self.to(dtype=pyt.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def _lengths_list(lengths):
    """lengths (a list/tuple or a 1-D CPU tensor) as a list of ints."""
    if isinstance(lengths, pyt.Tensor):
        if lengths.dim() != 1:
            raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{lengths.dim()}D cpu {_type_name(lengths)} tensor")
        return [int(v) for v in lengths.to(pyt.int64).tolist()]
    return [int(v) for v in lengths]


def _type_name(t):
    return {pyt.int64: "Long", pyt.int32: "Int", pyt.float32: "Float",
            pyt.float64: "Double"}.get(t.dtype, str(t.dtype))


def _batch_sizes(lengths):
    """Per time step, how many of the (decreasing) lengths are still running."""
    sizes, count = [], len(lengths)
    for t in range(lengths[0] if lengths else 0):
        while count and lengths[count - 1] <= t:
            count -= 1
        sizes.append(count)
    return sizes


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) ((B, T, *) if batch_first) of sequences whose
    lengths are given. With enforce_sorted=False the batch may come in any order."""
    lengths = _lengths_list(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])   # stable
        sorted_indices = pyt.tensor(order, dtype=pyt.int64, device=input.device)
        lengths = [lengths[i] for i in order]
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.size(0), input.size(1)
    if input.numel() == 0 and steps == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if len(lengths) != batch:
        raise RuntimeError("Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch})")
    if any(n <= 0 for n in lengths[-1:]) and all(
            a >= b for a, b in zip(lengths, lengths[1:])):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if any(a < b for a, b in zip(lengths, lengths[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                           "to pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lengths and lengths[0] > steps:
        raise RuntimeError(f"Expected all lengths to be at most the padded length {steps}, "
                           f"but got {lengths[0]}")
    sizes = _batch_sizes(lengths)
    rows = [t * batch + b for t, size in enumerate(sizes) for b in range(size)]
    flat = input.reshape((steps * batch,) + tuple(input.shape[2:]))
    data = flat.index_select(0, pyt.tensor(rows, dtype=pyt.int64, device=input.device))
    return PackedSequence(data, pyt.tensor(sizes, dtype=pyt.int64), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo pack_padded_sequence: (padded, lengths), with padded (T, B, *) ((B, T, *) if
    batch_first), T = total_length or the longest length; lengths in the original order."""
    data, batch_sizes, sorted_indices, unsorted_indices = sequence
    sizes = [int(v) for v in batch_sizes.tolist()]
    steps, batch = len(sizes), sizes[0] if sizes else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    # source row of every (t, b) cell: a packed row, or the padding row appended at the end
    pad_row = data.size(0)
    source, start = [], 0
    for t in range(steps):
        size = sizes[t] if t < len(sizes) else 0
        source.extend(range(start, start + size))
        source.extend([pad_row] * (batch - size))
        start += size
    feature = tuple(data.shape[1:])
    padding = pyt.full((1,) + feature, padding_value, dtype=data.dtype, device=data.device)
    rows = pyt.cat([data, padding], 0).index_select(
        0, pyt.tensor(source, dtype=pyt.int64, device=data.device))
    padded = rows.reshape((steps, batch) + feature)
    lengths = [sum(1 for size in sizes if size > b) for b in range(batch)]
    lengths = pyt.tensor(lengths, dtype=pyt.int64)
    if unsorted_indices is not None:
        padded = padded.index_select(1, unsorted_indices)
        lengths = lengths.index_select(0, unsorted_indices.cpu())   # lengths stay on the CPU
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences (L_i, *) into (max L, B, *) ((B, max L, *) if batch_first), padding
    on the right (or on the left) with padding_value."""
    if padding_side not in ("left", "right"):
        raise RuntimeError("Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if isinstance(sequences, pyt.Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    feature = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        if tuple(s.shape[1:]) != feature:
            raise RuntimeError(f"The size of the sequences must match past the first "
                               f"dimension, but got {list(sequences[0].shape)} and "
                               f"{list(s.shape)}")
    lengths = [s.size(0) for s in sequences]
    longest = max(lengths)
    dtype = sequences[0].dtype
    pad_row = sum(lengths)
    starts = [0]
    for n in lengths:
        starts.append(starts[-1] + n)
    source = []                                # (b, t) order: batch-first rows
    for b, n in enumerate(lengths):
        rows = list(range(starts[b], starts[b] + n))
        pad = [pad_row] * (longest - n)
        source.extend(rows + pad if padding_side == "right" else pad + rows)
    device = sequences[0].device
    padding = pyt.full((1,) + feature, padding_value, dtype=dtype, device=device)
    joined = pyt.cat([s.reshape((s.size(0),) + feature) for s in sequences] + [padding], 0)
    padded = joined.index_select(0, pyt.tensor(source, dtype=pyt.int64, device=device))
    padded = padded.reshape((len(sequences), longest) + feature)
    return padded if batch_first else padded.transpose(0, 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences, each cut to its length, from a padded batch."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), _lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (L_i, *); with enforce_sorted they must come longest
    first."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
