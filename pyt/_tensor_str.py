"""repr() and str() of tensors, in torch's format, and the print options behind them.

    tensor([[ 1.0000, -2.5000],
            [ 0.1250,     inf]], dtype=pyt.float64, requires_grad=True)

How a tensor is printed (the rules are torch's, so output matches it character for
character):
- Above `threshold` elements the tensor is summarised: every dim longer than
  2 * edgeitems shows only its first and last `edgeitems` entries, with `...` between.
- One formatter serves all displayed elements so that columns line up: integers and
  bools print as str(); floats print with `precision` decimals, or with a trailing dot
  when every finite value is a whole number, or in scientific notation when the
  nonzero finite magnitudes span more than 1000x, exceed 1e8 or fall below 1e-4.
  Only nonzero finite values decide the width; inf and nan just get padded.
- Rows are wrapped at `linewidth`; nested dims are separated by blank lines that grow
  with depth, and every level is indented past its opening bracket.
- Suffixes follow the data: size= for empty (non-1-d) tensors, dtype= when the dtype is
  not implied by the values (the default float dtype, int64 and bool are), and
  grad_fn=<...> or requires_grad=True.

The displayed elements are gathered first into a small NumPy array (at most
(2 * edgeitems) ** ndim elements), so printing a huge tensor never converts all of it.
"""
import contextlib
import dataclasses
import math
import sys

import numpy as np


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None         # None: chosen from the values; True / False: forced


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Options for printing tensors (as numpy's): digits after the point, element count
    that triggers summarisation, items kept at each end of a summarised dim, characters
    per line, a named profile ('default', 'short', 'full') that the other arguments then
    override, and sci_mode (True/False forces scientific notation on/off; None, the
    default, lets the values decide)."""
    if profile is not None:
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode          # as torch: not passing it resets it


def get_printoptions():
    """The current print options, as keyword arguments for set_printoptions."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Print options changed for the duration of a with block."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ----- the values that will be shown ---------------------------------------------------

def _host_array(t):
    """t's elements as a NumPy array viewing its memory (bfloat16 as its uint16 bits)."""
    import pyt
    t = t.detach().cpu()
    if t.dtype is pyt.bfloat16:
        return t.view(pyt.int16).numpy().view(np.uint16)
    return t.numpy()


def _displayed_array(t, summarize):
    """The elements on screen, as float64 / int64 / bool, and for each dim whether it is
    cut in the middle by a summary."""
    import pyt
    a = _host_array(t)
    edge = PRINT_OPTS.edgeitems
    cut = [summarize and n > 2 * edge for n in a.shape]
    if any(cut):
        keep = [np.r_[0:edge, n - edge:n] if c else np.arange(n) for n, c in zip(a.shape, cut)]
        a = a[np.ix_(*keep)]                # copies only what is kept
    if t.dtype is pyt.bfloat16:             # bfloat16 is the top half of a float32
        a = (a.astype(np.uint32) << 16).view(np.float32)
    if t.dtype.is_floating_point:
        a = a.astype(np.float64)            # exact for every float dtype
    return a, cut


# ----- one formatter for every element -------------------------------------------------

class _Formatter:
    """Formats elements to one common width, decided from all the displayed values."""

    def __init__(self, values, floating):
        """values: a flat NumPy array of the displayed elements."""
        self.floating = floating
        self.int_mode = True                # floats that are all whole numbers
        self.sci_mode = False
        self.width = 1
        precision = PRINT_OPTS.precision
        if not floating:
            self.width = max([len(str(v)) for v in values.tolist()], default=1)
            return
        shown = values[np.isfinite(values) & (values != 0)]
        if shown.size == 0:
            return                          # only zeros, inf and nan: "0.", "inf"
        magnitudes = np.abs(shown)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        if self.sci_mode:
            texts = [f"{v:.{precision}e}" for v in shown.tolist()]
        elif self.int_mode:
            texts = [f"{v:.0f}." for v in shown.tolist()]
        else:
            texts = [f"{v:.{precision}f}" for v in shown.tolist()]
        self.width = max(len(s) for s in texts)

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."                 # marks a float: "1." not "1"
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.width)


# ----- layout ----------------------------------------------------------------------------

def _vector_str(values, cut, indent, formatter):
    """One innermost row: elements wrapped to the line width, continuation lines
    indented past the bracket."""
    edge = PRINT_OPTS.edgeitems
    items = [formatter.format(v) for v in values]
    if cut:
        items = items[:edge] + [" ..."] + items[edge:]
    per_line = max(1, (PRINT_OPTS.linewidth - indent) // (formatter.width + 2))
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _block_str(values, cut, indent, formatter):
    """values: nested lists of the displayed elements, one level per dim in cut."""
    if not cut:
        return formatter.format(values)
    if len(cut) == 1:
        return _vector_str(values, cut[0], indent, formatter)
    rows = [_block_str(row, cut[1:], indent + 1, formatter) for row in values]
    if cut[0]:
        edge = PRINT_OPTS.edgeitems
        rows = rows[:edge] + ["..."] + rows[edge:]
    # sub-blocks are separated by as many line breaks as they have dims
    return "[" + ("," + "\n" * (len(cut) - 1) + " " * (indent + 1)).join(rows) + "]"


def _data_str(t, indent):
    """The bracketed elements of a non-empty tensor."""
    summarize = t.numel() > PRINT_OPTS.threshold
    if summarize and PRINT_OPTS.edgeitems == 0 and t.dim() > 0:
        return "[...]"
    values, cut = _displayed_array(t, summarize)
    formatter = _Formatter(values.reshape(-1), t.dtype.is_floating_point)
    return _block_str(values.tolist(), cut, indent, formatter)


def _with_suffixes(text, suffixes, indent):
    """text + ', suffix' for each suffix, breaking the line where one would pass the
    line width. (The length of the last line counts two more characters than it has;
    torch counts it so, and matching its output is the point.)"""
    parts = [text]
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_len += len(suffix) + 2
    return "".join(parts) + ")"


def _is_plain(t):
    """Tensors and nn.Parameters print as tensor(...); other subclasses by class name."""
    import pyt
    nn = sys.modules.get("pyt.nn")
    return type(t) is pyt.Tensor or type(t) is getattr(nn, "Parameter", None)


def tensor_repr(t):
    """repr(t) as torch writes it (with pyt. in place of torch.)."""
    import pyt
    prefix = "tensor(" if _is_plain(t) else type(t).__name__ + "("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    default_float = pyt.get_default_dtype()
    if t.numel() == 0:
        # numpy's habit: the shape is shown unless it is (0,); with no values to tell
        # the dtype, anything but the default float dtype is named
        if t.dim() != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype is not default_float:
            suffixes.append(f"dtype={t.dtype!r}")
        data = "[]"
    else:
        if PRINT_OPTS.edgeitems == 0:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype not in (default_float, pyt.int64, pyt.bool):
            suffixes.append(f"dtype={t.dtype!r}")
        data = _data_str(t, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + data, suffixes, indent)
