"""Membership tests: isin by binary search in the sorted test elements."""
import pyt


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of elements occurs in test_elements (False when invert)."""
    if not isinstance(elements, pyt.Tensor) and not isinstance(test_elements, pyt.Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__})")
    from pyt._functional._util import check_number
    for name, value in (("elements", elements), ("test_elements", test_elements)):
        if not isinstance(value, pyt.Tensor):
            check_number(value, "isin", name)
    like = elements if isinstance(elements, pyt.Tensor) else test_elements
    dtype = pyt.result_type(elements, test_elements)
    for t in (elements, test_elements):
        if isinstance(t, pyt.Tensor) and t.dtype == pyt.bool:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    elements = _as_tensor(elements, like, dtype)
    test_elements = _as_tensor(test_elements, like, dtype)
    table = test_elements.reshape(-1)
    if dtype.is_floating_point:
        table = table[~pyt.isnan(table)]      # nan matches nothing (nor sorts for search)
    if table.numel() == 0:
        found = pyt.zeros(elements.shape, dtype=pyt.bool, device=elements.device)
    else:
        table = pyt.sort(table).values
        position = pyt.searchsorted(table, elements.reshape(-1))
        position = position.clamp_max(table.shape[0] - 1)
        found = (table[position] == elements.reshape(-1)).reshape(elements.shape)
    return ~found if invert else found


def _as_tensor(value, like, dtype):
    if isinstance(value, pyt.Tensor):
        return value.to(dtype)
    return pyt.tensor(value, dtype=dtype, device=like.device)
