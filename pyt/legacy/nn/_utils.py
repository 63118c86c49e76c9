"""Small shared helpers of the legacy modules."""


def sum_to(t, shape):
    """Sum a broadcast gradient ``t`` back to ``shape`` (a trailing-aligned shape)."""
    shape = tuple(shape)
    lead = t.dim() - len(shape)
    if lead > 0:
        t = t.sum(tuple(range(lead)))
    dims = tuple(i for i, n in enumerate(shape) if n == 1 and t.shape[i] != 1)
    if dims:
        t = t.sum(dims, keepdim=True)
    return t
