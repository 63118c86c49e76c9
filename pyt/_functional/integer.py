"""Greatest common divisor and least common multiple of integer tensors.

Euclid's algorithm, vectorised: every element takes remainder steps together until all
remainders are zero (at most about 1.44 * log2(max) rounds).
"""
import pyt
from pyt._functional._util import check_tensor, not_implemented


def _integer_pair(fname, input, other):
    check_tensor(input, fname, "input")
    check_tensor(other, fname, "other")
    dtype = pyt.result_type(input, other)
    if dtype.is_floating_point or dtype == pyt.bool:
        raise not_implemented(f"{fname}_cpu", dtype)
    a, b = pyt.broadcast_tensors(input.to(dtype), other.to(dtype))
    return a, b


def _gcd(a, b):
    a, b = pyt.abs(a), pyt.abs(b)
    while bool((b != 0).any()):
        nonzero = b != 0
        remainder = pyt.remainder(a, pyt.where(nonzero, b, pyt.ones_like(b)))
        a, b = pyt.where(nonzero, b, a), pyt.where(nonzero, remainder, b)
    return a


def gcd(input, other):
    """The non-negative greatest common divisor, elementwise; gcd(0, 0) = 0."""
    a, b = _integer_pair("gcd", input, other)
    return _gcd(a, b).contiguous()


def lcm(input, other):
    """The non-negative least common multiple, elementwise; 0 if either is 0."""
    a, b = _integer_pair("lcm", input, other)
    divisor = _gcd(a, b)
    zero = divisor == 0
    out = pyt.abs(pyt.floor_divide(a, pyt.where(zero, pyt.ones_like(divisor), divisor)) * b)
    return pyt.where(zero, pyt.zeros_like(out), out)
