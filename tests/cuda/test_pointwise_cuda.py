"""Pointwise ops, copies, fill, where and random numbers on the GPU: every result must
equal pyt's CPU result (bit for bit where the CPU's is exact arithmetic; within a few
ulps for the transcendental math). Skipped without a GPU (tests/cuda/conftest.py)."""
import math

import numpy as np
import pytest

import pyt

INTS = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]
FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
DTYPES = [pyt.bool] + INTS + FLOATS
SPECIALS = [0.0, -0.0, math.inf, -math.inf, math.nan, 0.5, 2.5, -1.5, 1.0, -1.0]


def sample(dtype, shape=(6, 9), seed=0, low=None, high=None, specials=True):
    """A CPU tensor of dtype with small values (and inf, nan, -0.0 ... for floats)."""
    rng = np.random.default_rng(seed)
    if dtype is pyt.bool:
        return pyt.tensor(rng.integers(0, 2, shape).astype(bool))
    if dtype in INTS:
        lo = (0 if dtype is pyt.uint8 else -20) if low is None else low
        hi = 40 if high is None else high
        return pyt.tensor(rng.integers(lo, hi, shape)).to(dtype)
    lo = -3.0 if low is None else low
    hi = 3.0 if high is None else high
    values = rng.uniform(lo, hi, shape)
    if specials:
        flat = values.reshape(-1)
        flat[: len(SPECIALS)] = SPECIALS
        rng.shuffle(flat)
    return pyt.tensor(values).to(dtype)


def as_numpy(t):
    t = t.cpu()
    if t.dtype in (pyt.float16, pyt.bfloat16):
        t = t.float()
    return t.numpy()


def tolerance(dtype):
    return {pyt.float16: 2e-3, pyt.bfloat16: 1.6e-2, pyt.float32: 1e-5,
            pyt.float64: 1e-12}.get(dtype, 0)


def assert_same(gpu, cpu, exact=True):
    assert gpu.device.type == "cuda"
    assert gpu.dtype == cpu.dtype
    assert tuple(gpu.shape) == tuple(cpu.shape)
    g, c = as_numpy(gpu), as_numpy(cpu)
    if exact or not cpu.dtype.is_floating_point:
        if cpu.dtype.is_floating_point:
            np.testing.assert_array_equal(g, c)          # nan == nan here
            # and -0.0 vs 0.0: compare the sign bits of the zeros too
            assert np.array_equal(np.signbit(g[g == 0]), np.signbit(c[c == 0]))
        else:
            assert np.array_equal(g, c)
        return
    rtol = tolerance(cpu.dtype)
    np.testing.assert_allclose(g, c, rtol=rtol, atol=rtol * 0.1, equal_nan=True)


def check(fn, *args, exact=True):
    """fn on CPU tensors and on their CUDA copies (non-tensor args as they are): the same
    result, or the same exception type."""
    gpu_args = [a.cuda() if isinstance(a, pyt.Tensor) else a for a in args]
    try:
        expected = fn(*args)
    except Exception as e:                              # the CPU refuses: so must the GPU
        with pytest.raises(type(e)):
            fn(*gpu_args)
        return
    assert_same(fn(*gpu_args), expected, exact)


# ----- arithmetic and comparisons -------------------------------------------------------

ARITH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "floor_divide": lambda a, b: a // b,
    "div_trunc": lambda a, b: pyt.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda a, b: pyt.div(a, b, rounding_mode="floor"),
    "remainder": lambda a, b: a % b,
    "fmod": lambda a, b: pyt.fmod(a, b),
}
DIVISIONS = {"div", "floor_divide", "div_trunc", "div_floor", "remainder", "fmod"}
CMP = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}


def _divisor(dtype, seed):
    """nonzero for integers (the CPU raises on an integer division by zero)"""
    b = sample(dtype, seed=seed)
    if dtype in INTS or dtype is pyt.bool:
        b = pyt.where(b == 0, pyt.ones_like(b), b)
    return b


@pytest.mark.parametrize("name", sorted(ARITH))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_arith(name, dtype):
    a = sample(dtype, seed=1)
    b = _divisor(dtype, 2) if name in DIVISIONS else sample(dtype, seed=2)
    check(ARITH[name], a, b)


def test_integer_wrap_and_division_signs():
    a = pyt.tensor([2**62, -2**63, 7, -7, 7, -7, 0], dtype=pyt.int64)
    b = pyt.tensor([4, -1, 2, 2, -2, -2, 3], dtype=pyt.int64)
    for fn in ARITH.values():
        check(fn, a, b)
    x = pyt.tensor([100, -128, 127, -7], dtype=pyt.int8)
    y = pyt.tensor([3, -1, 127, 2], dtype=pyt.int8)
    for fn in ARITH.values():
        check(fn, x, y)
    f = pyt.tensor([7.5, -7.5, 7.5, -7.5, 0.0, -0.0, 1e308, 5.0], dtype=pyt.float64)
    g = pyt.tensor([2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 1e-308, 0.0], dtype=pyt.float64)
    for fn in ARITH.values():
        check(fn, f, g)


@pytest.mark.parametrize("name", sorted(CMP))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_compare(name, dtype):
    a = sample(dtype, seed=3)
    b = sample(dtype, seed=4)
    b[0] = a[0]                                         # some equal pairs
    b[2] = a[2]
    check(CMP[name], a, b)


def test_mixed_dtypes_promote():
    check(lambda a, b: a + b, sample(pyt.int32), sample(pyt.float32, seed=5))
    check(lambda a, b: a * b, sample(pyt.uint8), sample(pyt.int8, seed=5))
    check(lambda a, b: a < b, sample(pyt.float16), sample(pyt.float64, seed=5))
    check(lambda a, b: a / b, sample(pyt.int64), _divisor(pyt.int64, 6))


def test_python_numbers():
    for dtype in DTYPES:
        a = sample(dtype, seed=7)
        check(lambda x: x + 2, a)
        check(lambda x: 3 - x, a)
        check(lambda x: x * 2.5, a)
        check(lambda x: x / 4, a)
        check(lambda x: x > 1, a)
        check(lambda x: x == True, a)                   # noqa: E712


def test_cpu_scalar_tensor_with_cuda_tensor():
    for dtype in [pyt.int32, pyt.float32, pyt.float64]:
        a = sample(dtype, seed=8)
        s = pyt.tensor(2.5)                             # 0-d, stays on the CPU
        assert_same(a.cuda() + s, a + s)
        assert_same(s * a.cuda(), s * a)
        assert_same(pyt.maximum(a.cuda(), pyt.tensor(0.5, dtype=dtype)),
                    pyt.maximum(a, pyt.tensor(0.5, dtype=dtype)))


LAYOUTS = {
    "transposed": lambda t: t.t(),
    "stepped": lambda t: t[::2, 1::3],
    "expanded": lambda t: t[:1].expand(t.shape[0], t.shape[1]),
    "negative": lambda t: t.flip(0),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("dtype", [pyt.bool, pyt.uint8, pyt.int64, pyt.float16,
                                   pyt.bfloat16, pyt.float32, pyt.float64], ids=str)
def test_non_contiguous(layout, dtype):
    view = LAYOUTS[layout]
    a = sample(dtype, shape=(12, 18), seed=9)
    b = sample(dtype, shape=(12, 18), seed=10)
    ga, gb = a.cuda(), b.cuda()
    for fn in (lambda x, y: x + y, lambda x, y: x < y, lambda x, y: pyt.maximum(x, y),
               lambda x, y: x * y):
        try:
            expected = fn(view(a), view(b))
        except Exception:                               # e.g. bool subtraction
            continue
        assert_same(fn(view(ga), view(gb)), expected)
    # a non-contiguous output (out= of a strided view, and in place)
    if dtype is not pyt.bool:
        out_c = pyt.zeros(18, 12, dtype=dtype).t()
        out_g = pyt.zeros(18, 12, dtype=dtype).cuda().t()
        pyt.add(a, b, out=out_c)
        pyt.add(ga, gb, out=out_g)
        assert_same(out_g, out_c)
        c = a.clone().t()
        g = ga.clone().t()
        c.mul_(2)
        g.mul_(2)
        assert_same(g, c)
    # a broadcast pair: a row against a column
    assert_same(ga[:, :1] + gb[:1, :] if dtype is not pyt.bool else ga[:, :1] & gb[:1, :],
                a[:, :1] + b[:1, :] if dtype is not pyt.bool else a[:, :1] & b[:1, :])


def test_large_contiguous_and_misaligned():
    n = (1 << 20) + 3                                   # a tail after the vector loop
    a = pyt.arange(n, dtype=pyt.float32)
    b = pyt.full((n,), 0.5)
    assert_same(a.cuda() + b.cuda(), a + b)
    assert_same(a.cuda()[1:] * b.cuda()[:-1], a[1:] * b[:-1])        # 4-byte aligned only
    h = (a / 64).to(pyt.float16)                       # 8 halves per vector
    assert_same(h.cuda() + h.cuda(), h + h)
    assert_same(h.cuda()[1:] - h.cuda()[:-1], h[1:] - h[:-1])
    assert_same(h.cuda()[5:] < h.cuda()[:-5], h[5:] < h[:-5])
    assert_same(a.cuda().to(pyt.bfloat16), a.to(pyt.bfloat16))
    assert_same(a.cuda()[1:].to(pyt.float16), a[1:].to(pyt.float16))
    x = pyt.arange(n, dtype=pyt.int16)
    assert_same(x.cuda()[3:] - x.cuda()[:-3], x[3:] - x[:-3])
    assert_same(x.cuda()[1:] == x.cuda()[:-1], x[1:] == x[:-1])


def test_zero_size_and_0d():
    for dtype in [pyt.int32, pyt.float32]:
        e = pyt.zeros(0, 3, dtype=dtype)
        assert_same(e.cuda() + e.cuda(), e + e)
        s = pyt.tensor(3, dtype=dtype)
        assert_same(s.cuda() * s.cuda(), s * s)
        assert_same(pyt.exp(s.cuda().float()), pyt.exp(s.float()), exact=False)


# ----- unary math ------------------------------------------------------------------------

UNARY_EXACT = {
    "abs": pyt.abs, "neg": lambda x: -x, "floor": pyt.floor, "ceil": pyt.ceil,
    "round": pyt.round, "trunc": pyt.trunc, "sign": pyt.sign, "relu": pyt.relu,
    "frac": pyt.frac, "sqrt": pyt.sqrt, "rsqrt": pyt.rsqrt, "reciprocal": pyt.reciprocal,
    "round_decimals_2": lambda x: pyt.round(x, decimals=2),
    "round_decimals_-1": lambda x: pyt.round(x * 30, decimals=-1),
    "bitwise_not": pyt.bitwise_not, "nan_to_num": pyt.nan_to_num,
    "nan_to_num_args": lambda x: pyt.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0),
    "isnan": pyt.isnan, "isinf": pyt.isinf, "isposinf": pyt.isposinf,
    "isneginf": pyt.isneginf, "isfinite": pyt.isfinite, "logical_not": pyt.logical_not,
}
UNARY_MATH = {
    name: getattr(pyt, name) for name in
    ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin",
     "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf",
     "erfc", "erfinv", "lgamma", "digamma"]
}
UNARY_MATH["logit"] = pyt.logit
UNARY_MATH["logit_eps"] = lambda x: pyt.logit(x, eps=0.1)


@pytest.mark.parametrize("name", sorted(UNARY_EXACT))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_unary_exact(name, dtype):
    check(UNARY_EXACT[name], sample(dtype, seed=11))


@pytest.mark.parametrize("name", sorted(UNARY_MATH))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_unary_math(name, dtype):
    x = sample(dtype, seed=12, low=-1.2 if dtype.is_floating_point else None,
               high=1.2 if dtype.is_floating_point else None)
    check(UNARY_MATH[name], x, exact=False)
    if dtype.is_floating_point:                          # a wider range too
        check(UNARY_MATH[name], sample(dtype, seed=13, low=-8, high=8), exact=False)


# ----- binary and ternary math -------------------------------------------------------------

BINARY_EXACT = {
    "maximum": pyt.maximum, "minimum": pyt.minimum, "fmax": pyt.fmax, "fmin": pyt.fmin,
    "bitwise_and": pyt.bitwise_and, "bitwise_or": pyt.bitwise_or,
    "bitwise_xor": pyt.bitwise_xor, "logical_and": pyt.logical_and,
    "logical_or": pyt.logical_or, "logical_xor": pyt.logical_xor,
    "isclose": pyt.isclose,
    "isclose_args": lambda a, b: pyt.isclose(a, b, rtol=0.1, atol=0.5, equal_nan=True),
}


@pytest.mark.parametrize("name", sorted(BINARY_EXACT))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_binary_exact(name, dtype):
    a = sample(dtype, seed=14)
    b = sample(dtype, seed=15)
    b[1] = a[1]
    check(BINARY_EXACT[name], a, b)


@pytest.mark.parametrize("dtype", INTS, ids=str)
def test_shifts(dtype):
    a = sample(dtype, seed=16, low=-100 if dtype is not pyt.uint8 else 0, high=100)
    bits = 8 * a.element_size()
    b = pyt.tensor(np.random.default_rng(17).integers(0, bits + 3, tuple(a.shape))).to(dtype)
    check(lambda x, y: x << y, a, b)
    check(lambda x, y: x >> y, a, b)
    check(pyt.bitwise_left_shift, a, b)
    check(pyt.bitwise_right_shift, a, b)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_pow_atan2_hypot(dtype):
    if dtype.is_floating_point:
        a = sample(dtype, seed=18, low=0.1, high=3)
        b = sample(dtype, seed=19, low=-2, high=2)
    else:
        a = sample(dtype, seed=18, low=0 if dtype is pyt.uint8 else -4, high=5)
        b = sample(dtype, seed=19, low=0, high=6)
    check(pyt.pow, a, b, exact=False)
    check(lambda x: x ** 2, a, exact=False)
    check(pyt.atan2, a, b, exact=False)
    check(pyt.hypot, a, b, exact=False)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_ternary(dtype):
    a, b = sample(dtype, seed=20), sample(dtype, seed=21)
    c = _divisor(dtype, 22)
    value = 2 if not dtype.is_floating_point else 0.5
    check(lambda x, y, z: pyt.addcmul(x, y, z, value=value), a, b, c, exact=False)
    check(lambda x, y, z: pyt.addcdiv(x, y, z, value=value), a, b, c, exact=False)
    if dtype.is_floating_point:
        w = sample(dtype, seed=23, low=0, high=1, specials=False)
        check(pyt.lerp, a, b, w, exact=False)
        check(lambda x, y: pyt.lerp(x, y, 0.25), a, b, exact=False)
    lo, hi = sample(dtype, seed=24), sample(dtype, seed=25)
    check(pyt.clamp, a, lo, hi)
    check(lambda x: pyt.clamp(x, min=-1, max=1) if dtype is not pyt.uint8
          else pyt.clamp(x, min=3, max=20), a)
    check(lambda x: pyt.clamp(x, min=0), a)


# ----- copies, fill, where -------------------------------------------------------------------

def _cast_source(src):
    """values every conversion handles alike (in range of every integer dtype)"""
    if src.is_floating_point:
        return sample(src, seed=30, low=-100, high=100)
    return sample(src, seed=30)


@pytest.mark.parametrize("src", DTYPES, ids=str)
def test_to_dtype(src):
    x = _cast_source(src)
    g = x.cuda()
    assert_same(g.clone(), x.clone())
    for dst in DTYPES:
        assert_same(g.to(dst), x.to(dst))
        assert_same(g.t().to(dst), x.t().to(dst))             # strided source


def test_half_rounding_and_specials():
    vals = [0.1, 1 / 3, 65504.0, 65520.0, 1e-8, 6e-8, -2.5e-5, 1e30, -1e30, 3.0e38,
            math.inf, -math.inf, math.nan, -0.0, 1.00048828125, 1.0009765625 * 1.5]
    for src in (pyt.float32, pyt.float64):
        x = pyt.tensor(vals, dtype=src)
        for dst in DTYPES:
            if dst.is_floating_point or dst is pyt.bool:
                assert_same(x.cuda().to(dst), x.to(dst))
    bits = pyt.arange(-32768, 32768, dtype=pyt.int32).to(pyt.int16)
    for half in (pyt.float16, pyt.bfloat16):
        h = bits.view(half)                                     # every 16-bit pattern
        assert_same(h.cuda().float(), h.float())
        assert_same(h.cuda().double(), h.double())
        assert_same(h.cuda().float().to(half), h.float().to(half))


def test_float_to_int_truncates_and_wraps():
    x = pyt.tensor([2.9, -2.9, 300.7, -129.5, 65535.9, 1e9, -0.5])
    for dst in INTS + [pyt.bool]:
        assert_same(x.cuda().to(dst), x.to(dst))
    big = pyt.tensor([2**40 + 7, -(2**40) - 3, 2**31, -(2**31) - 1], dtype=pyt.int64)
    for dst in DTYPES:
        assert_same(big.cuda().to(dst), big.to(dst))


def test_copy_between_layouts():
    x = sample(pyt.float32, shape=(10, 14), seed=31)
    g = pyt.zeros(14, 10).cuda()
    g.copy_(x.t())                                              # host -> device, strided
    assert_same(g, x.t().contiguous())
    h = pyt.zeros(14, 10, dtype=pyt.float16).cuda()
    h.copy_(g)                                                  # device, converting
    assert_same(h, x.t().to(pyt.float16))
    k = pyt.zeros(10, 14, dtype=pyt.int64).cuda()
    k.t().copy_(g[:, :].to(pyt.int64))
    assert_same(k, x.to(pyt.int64))
    e = pyt.zeros(5, 14).cuda()
    e.copy_(x[0])                                               # broadcast source
    assert_same(e, x[0].expand(5, 14).contiguous())


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_fill(dtype):
    for value in (0, 1, 3, -2.5, True):
        try:
            expected = pyt.zeros(5, 7, dtype=dtype).fill_(value)
        except Exception as e:
            with pytest.raises(type(e)):
                pyt.zeros(5, 7, dtype=dtype).cuda().fill_(value)
            continue
        assert_same(pyt.zeros(5, 7, dtype=dtype).cuda().fill_(value), expected)
        g = pyt.zeros(5, 7, dtype=dtype).cuda()
        c = pyt.zeros(5, 7, dtype=dtype)
        g.t()[::2].fill_(value)                                 # strided
        c.t()[::2].fill_(value)
        assert_same(g, c)
    assert_same(pyt.full((4, 3), 7, dtype=dtype, device="cuda"), pyt.full((4, 3), 7, dtype=dtype))
    assert_same(pyt.ones(9, dtype=dtype, device="cuda"), pyt.ones(9, dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_where(dtype):
    cond = sample(pyt.bool, seed=40)
    a, b = sample(dtype, seed=41), sample(dtype, seed=42)
    check(pyt.where, cond, a, b)
    check(lambda c, x: pyt.where(c, x, 0), cond, a)
    check(lambda c, y: pyt.where(c, 1, y), cond, b)
    check(lambda c, x, y: pyt.where(c.t(), x.t(), y[:1].expand(6, 9).t()), cond, a, b)
    check(lambda c, x, y: pyt.where(c[:, :1], x, y), cond, a, b)      # broadcast condition


# ----- random numbers: the same stream as the CPU's -------------------------------------------

def _same_draw(make, seed=1234, exact=True):
    pyt.manual_seed(seed)
    expected = make("cpu")
    pyt.manual_seed(seed)
    got = make("cuda")
    assert_same(got, expected, exact)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_random_floats(dtype):
    for n in (1, 3, 1000, 4097):
        _same_draw(lambda d: pyt.rand(n, dtype=dtype, device=d))
        _same_draw(lambda d: pyt.randn(n, dtype=dtype, device=d))
        _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).uniform_(-2, 5))
        _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).normal_(1.5, 3))
        _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).exponential_(2.5))
        # exp and tan are the GPU's own libm: within an ulp of the CPU's
        _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).log_normal_(0.5, 0.5),
                   exact=False)
        _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).cauchy_(0, 1), exact=False)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_random_discrete(dtype):
    n = 2001
    _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).bernoulli_(0.3))
    _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).random_(0, 2))
    if dtype is not pyt.bool:
        _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).geometric_(0.2))
        _same_draw(lambda d: pyt.empty(n, dtype=dtype, device=d).random_(3, 100))
        _same_draw(lambda d: pyt.randint(0, 100, (n,), dtype=dtype, device=d))


def test_random_tensor_parameters_and_sequences():
    n = 1000
    p = pyt.linspace(0, 1, n)
    _same_draw(lambda d: pyt.bernoulli(p.to(d)))
    _same_draw(lambda d: pyt.empty(n, device=d).bernoulli_(p.to(d)))
    means, stds = pyt.linspace(-3, 3, n), pyt.linspace(0.1, 2, n)
    _same_draw(lambda d: pyt.normal(means.to(d), stds.to(d)))
    _same_draw(lambda d: pyt.randint(-2**40, 2**40, (n,), device=d))
    _same_draw(lambda d: pyt.empty(n, dtype=pyt.int64, device=d).random_())
    _same_draw(lambda d: pyt.poisson(pyt.linspace(0, 30, n).to(d)), exact=False)

    def two_draws(d):                                   # the offset advances alike
        a = pyt.rand(1001, device=d)
        b = pyt.randn(333, device=d)
        return pyt.cat([a, b.to(a.device)])
    _same_draw(two_draws)

    def strided(d):                                     # a non-contiguous target
        x = pyt.zeros(40, 50, device=d)
        x.t().uniform_()
        return x
    _same_draw(strided)
