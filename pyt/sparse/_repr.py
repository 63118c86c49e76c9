"""repr of a sparse COO tensor, laid out as torch prints it."""
import pyt
from pyt._tensor_str import _data_str


def _part(t, indent):
    """tensor([...]) for indices or values (copied to the host to be printed): no device,
    dtype or grad suffixes, which the sparse tensor's own suffixes carry."""
    if t.numel() == 0:
        return f"tensor([], size={tuple(t.shape)})"
    return "tensor(" + _data_str(t, indent + len("tensor(")) + ")"


def sparse_repr(s):
    head = "tensor(indices="
    gap = " " * len("tensor(")
    text = head + _part(s._indices(), len(head))
    text += ",\n" + gap + "values=" + _part(s._values().detach(), len(gap + "values="))
    suffixes = [] if s.device.type == "cpu" else [f"device='{s.device}'"]
    suffixes += [f"size={tuple(s.shape)}", f"nnz={s._nnz()}"]
    if s.dtype not in (pyt.get_default_dtype(), pyt.int64, pyt.bool):
        suffixes.append(f"dtype={s.dtype!r}")
    suffixes.append("layout=pyt.sparse_coo")
    if s.grad_fn is not None:
        suffixes.append(f"grad_fn=<{s.grad_fn.name()}>")
    elif s.requires_grad:
        suffixes.append("requires_grad=True")
    return text + ",\n" + gap + ", ".join(suffixes) + ")"
