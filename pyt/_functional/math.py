"""Pointwise math composed from pyt's elementwise ops: log-sum-exp pairs, xlogy, sinc,
sign manipulation, heaviside, float_power, angle conversion and Vandermonde matrices.

Where a formula has a removable singularity (sinc at 0, xlogy at x == 0) the singular
input is first replaced by a harmless one, so that the unused branch of the final where
gives a zero gradient rather than 0 * inf = nan.
"""
import math as _math

import pyt
from pyt._functional._util import check_tensor, check_int, check_number, not_implemented


def _float_dtype(*operands):
    """The dtype of a floating-point result: promoted, integers to the default float."""
    dtype = pyt.result_type(*operands) if len(operands) > 1 else operands[0].dtype
    return dtype if dtype.is_floating_point else pyt.get_default_dtype()


def _as_operand(value, like, dtype):
    """value as a tensor of dtype on like's device (scalars become 0-d tensors)."""
    if isinstance(value, pyt.Tensor):
        return value.to(dtype)
    return pyt.tensor(value, dtype=dtype, device=like.device)


def _tensor_or_number(fname, input, other):
    """torch's (Tensor, Tensor | Number) or (Number, Tensor) forms; TypeError otherwise."""
    for name, value in (("input", input), ("other", other)):
        if not isinstance(value, pyt.Tensor):
            check_number(value, fname, name)
    if not isinstance(input, pyt.Tensor) and not isinstance(other, pyt.Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _two_floats(fname, input, other):
    """Both tensors, float-promoted, for the ops torch defines only on floating types."""
    check_tensor(input, fname, "input")
    check_tensor(other, fname, "other")
    dtype = pyt.result_type(input, other)
    if not dtype.is_floating_point:
        raise not_implemented(f"{fname}_cpu", dtype)
    return input.to(dtype), other.to(dtype)


def positive(input):
    """input itself (unary plus); refused for bool like torch's + operator."""
    check_tensor(input, "positive", "input")
    if input.dtype == pyt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def logaddexp(input, other):
    """log(exp(input) + exp(other)) without overflow."""
    a, b = _two_floats("logaddexp", input, other)
    return _log_add(a, b, lambda d: pyt.log1p(pyt.exp(d)))


def logaddexp2(input, other):
    """log2(2**input + 2**other) without overflow."""
    a, b = _two_floats("logaddexp2", input, other)
    return _log_add(a, b, lambda d: pyt.log1p(pyt.exp2(d)) * (1 / _math.log(2)))


def _log_add(a, b, log_one_plus):
    larger = pyt.maximum(a, b)
    # equal infinities: the difference is nan, the sum is that infinity
    same_inf = pyt.isinf(larger) & (a == b)
    gap = pyt.where(same_inf, 0.0, -pyt.abs(a - b))
    return pyt.where(same_inf, larger, larger + log_one_plus(gap))


def xlogy(input, other):
    """input * log(other), 0 where input == 0 (unless other is nan)."""
    return x_times_log("xlogy", input, other, pyt.log, 1.0)


def x_times_log(fname, input, other, log, harmless):
    """input * log(other), 0 where input == 0 (unless other is nan); other is replaced by
    harmless (log's finite point) there, so the unused branch has a finite gradient."""
    _tensor_or_number(fname, input, other)
    like = input if isinstance(input, pyt.Tensor) else other
    dtype = _float_dtype(input, other)
    x, y = _as_operand(input, like, dtype), _as_operand(other, like, dtype)
    zero_x = x == 0
    out = pyt.where(zero_x, 0.0, x * log(pyt.where(zero_x, harmless, y)))
    return pyt.where(pyt.isnan(y), float("nan"), out)


def sinc(input):
    """sin(pi x) / (pi x), 1 at x == 0."""
    check_tensor(input, "sinc", "input")
    x = input.to(_float_dtype(input))
    zero = x == 0
    scaled = pyt.where(zero, 1.0, x) * _math.pi
    return pyt.where(zero, 1.0, pyt.sin(scaled) / scaled)


def signbit(input):
    """True where the sign bit is set: negative numbers, -0.0 and negative nans."""
    check_tensor(input, "signbit", "input")
    dtype = input.dtype
    if not dtype.is_floating_point:
        return input < 0 if dtype.is_signed else pyt.zeros_like(input, dtype=pyt.bool)
    bits = {2: pyt.int16, 4: pyt.int32, 8: pyt.int64}[input.element_size()]
    if input.dim() and not input.is_contiguous():
        input = input.contiguous()
    return input.view(bits) < 0


def copysign(input, other):
    """|input| with the sign (bit) of other, as a floating tensor."""
    check_tensor(input, "copysign", "input")
    _tensor_or_number("copysign", input, other)
    dtype = _float_dtype(input, other)
    magnitude = pyt.abs(input.to(dtype))
    if isinstance(other, pyt.Tensor):
        negative = signbit(other)
    else:
        negative = _math.copysign(1.0, other) < 0
        return -magnitude if negative else magnitude
    return pyt.where(negative, -magnitude, magnitude)


def heaviside(input, values):
    """0 where input < 0, values where input == 0, 1 where input > 0."""
    check_tensor(input, "heaviside", "input")
    check_tensor(values, "heaviside", "values")
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes.")
    return pyt.where(input == 0, values, (input > 0).to(input.dtype))


def float_power(input, exponent):
    """input ** exponent computed and returned in float64."""
    _tensor_or_number("float_power", input, exponent)
    if isinstance(input, pyt.Tensor):
        input = input.to(pyt.float64)
    else:
        input = float(input)
    if isinstance(exponent, pyt.Tensor):
        exponent = exponent.to(pyt.float64)
    else:
        exponent = float(exponent)
    return pyt.pow(input, exponent)


def deg2rad(input):
    """Angles in degrees to radians."""
    check_tensor(input, "deg2rad", "input")
    return input.to(_float_dtype(input)) * (_math.pi / 180)


def rad2deg(input):
    """Angles in radians to degrees."""
    check_tensor(input, "rad2deg", "input")
    return input.to(_float_dtype(input)) * (180 / _math.pi)


def vander(x, N=None, increasing=False):
    """Columns x**(N-1), ..., x**0 of a 1-d x (x**0 first when increasing)."""
    check_tensor(x, "vander", "x")
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is None:
        N = x.shape[0]
    check_int(N, "vander", "N")
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    # torch computes in int64 for integer (and bool) inputs, else in x's dtype
    dtype = x.dtype if x.dtype.is_floating_point else pyt.int64
    if N == 0 or x.shape[0] == 0:
        return pyt.empty((x.shape[0], N), dtype=dtype, device=x.device)
    if N > 2 ** 16:
        pyt.empty((x.shape[0], N), dtype=dtype, device=x.device)   # fails fast if too big
    # a running product keeps integer powers exact and differentiates as torch's does
    columns = [pyt.ones((x.shape[0],), dtype=dtype, device=x.device)]
    base = x.to(dtype)
    for _ in range(N - 1):
        columns.append(columns[-1] * base)
    if not increasing:
        columns.reverse()
    return pyt.stack(columns, dim=1)
