"""The core on a GPU: factories, copies of every dtype both ways, device conversion,
pinned memory, the pointwise families against the CPU, autograd, repr. Every check
compares with pyt's own CPU result (the spec), through the public API."""
import numpy as np
import pytest

import pyt


def _cuda_works():
    try:
        pyt.zeros(1, device="cuda")
        return True
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _cuda_works(), reason="no CUDA device")

DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64, pyt.float16,
          pyt.bfloat16, pyt.float32, pyt.float64]
FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
INTS = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]
_BITS = {1: pyt.uint8, 2: pyt.int16, 4: pyt.int32, 8: pyt.int64}


def bits(t):
    """t's raw element bits on the host, as a NumPy array (exact comparisons)."""
    t = t.cpu()
    if t.dtype is pyt.bool:
        return t.to(pyt.uint8).numpy()
    return t.contiguous().view(_BITS[t.dtype.itemsize]).numpy()


def same(gpu, cpu):
    assert gpu.device.type == "cuda"
    assert gpu.dtype is cpu.dtype and tuple(gpu.shape) == tuple(cpu.shape)
    np.testing.assert_array_equal(bits(gpu), bits(cpu))


def close(gpu, cpu):
    assert gpu.device.type == "cuda"
    assert gpu.dtype is cpu.dtype and tuple(gpu.shape) == tuple(cpu.shape)
    if not cpu.dtype.is_floating_point:
        np.testing.assert_array_equal(bits(gpu), bits(cpu))
        return
    tol = {pyt.float16: 2e-3, pyt.bfloat16: 1e-2}.get(cpu.dtype, 1e-5)
    np.testing.assert_allclose(gpu.cpu().double().numpy(), cpu.double().numpy(),
                               rtol=tol, atol=tol, equal_nan=True)


def sample(dtype, shape=(3, 5), low=-4, high=5, seed=0):
    """Values every dtype holds exactly (non-negative for uint8 and bool's 0/1)."""
    rng = np.random.default_rng(seed)
    if dtype is pyt.bool:
        return pyt.tensor(rng.integers(0, 2, shape).astype(bool))
    if dtype is pyt.uint8:
        low = max(low, 0)
    vals = rng.integers(low, high, shape).astype(np.float64)
    if dtype.is_floating_point:
        vals = vals + rng.integers(0, 4, shape) * 0.25
    return pyt.tensor(vals).to(dtype)


# ----- devices and factories --------------------------------------------------------------

def test_device_of_a_cuda_tensor():
    t = pyt.zeros(2, device="cuda")
    assert t.device == pyt.device("cuda", 0)
    assert repr(t.device) == "device(type='cuda', index=0)"
    assert t.is_cuda and not t.is_cpu
    assert t.get_device() == 0
    assert t.untyped_storage().is_cuda


def test_invalid_device_ordinal():
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        pyt.zeros(2, device="cuda:64")


@pytest.mark.parametrize("dtype", DTYPES)
def test_factories(dtype):
    same(pyt.zeros(2, 3, dtype=dtype, device="cuda"), pyt.zeros(2, 3, dtype=dtype))
    same(pyt.ones(4, dtype=dtype, device="cuda"), pyt.ones(4, dtype=dtype))
    same(pyt.full((3, 2), 1, dtype=dtype, device="cuda"), pyt.full((3, 2), 1, dtype=dtype))
    same(pyt.eye(3, 4, dtype=dtype, device="cuda"), pyt.eye(3, 4, dtype=dtype))
    x = sample(dtype)
    same(pyt.tensor(x.tolist(), dtype=dtype, device="cuda"), x)
    same(pyt.zeros_like(x, device="cuda"), pyt.zeros_like(x))
    same(pyt.ones_like(x.cuda()), pyt.ones_like(x))
    same(x.cuda().new_full((2,), 1), x.new_full((2,), 1))
    assert pyt.empty(3, dtype=dtype, device="cuda").device.type == "cuda"


def test_ranges():
    same(pyt.arange(10, device="cuda"), pyt.arange(10))
    same(pyt.arange(0, 1, 0.125, device="cuda"), pyt.arange(0, 1, 0.125))
    same(pyt.linspace(-1, 1, 7, device="cuda"), pyt.linspace(-1, 1, 7))
    same(pyt.logspace(0, 2, 5, device="cuda"), pyt.logspace(0, 2, 5))
    same(pyt.full((2, 2), -0.0, device="cuda"), pyt.full((2, 2), -0.0))


def test_zero_size_and_0d():
    same(pyt.zeros(0, 3, device="cuda"), pyt.zeros(0, 3))
    same(pyt.tensor(2.5, device="cuda"), pyt.tensor(2.5))
    assert pyt.tensor(2.5, device="cuda").item() == 2.5


# ----- copies -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(dtype):
    x = sample(dtype)
    y = x.cuda()
    assert y.device.type == "cuda" and y.dtype is dtype
    same(y, x)
    back = y.cpu()
    assert back.device.type == "cpu"
    np.testing.assert_array_equal(bits(back), bits(x))
    same(x.to("cuda"), x)
    same(x.to(pyt.device("cuda:0")), x)


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("dst", DTYPES)
def test_conversions_on_the_device(src, dst):
    x = sample(src, low=0, high=5)
    same(x.cuda().to(dst), x.to(dst))
    same(x.to("cuda", dst), x.to(dst))                       # host converts, then moves
    same(x.cuda().to("cpu", dst).cuda(), x.to(dst))          # device -> host converting


@pytest.mark.parametrize("dtype", [pyt.int16, pyt.float32, pyt.bfloat16, pyt.float64])
def test_non_contiguous_copies(dtype):
    x = sample(dtype, shape=(4, 6))
    y = x.cuda()
    same(y.t(), x.t())
    same(y.t().contiguous(), x.t().contiguous())
    same(y.as_strided((4, 3), (6, 2)), x.as_strided((4, 3), (6, 2)))   # a step of 2
    same(y.t().clone(), x.t().clone())
    same(x.t().cuda(), x.t())                                # host side not contiguous
    np.testing.assert_array_equal(bits(y.t().cpu()), bits(x.t()))
    # into a non-contiguous destination, both ways, with broadcasting
    d = pyt.zeros(6, 4, dtype=dtype, device="cuda").t()
    d.copy_(x)
    same(d, x)
    d2 = pyt.zeros(4, 6, dtype=dtype, device="cuda")
    d2.copy_(x.select(0, 0))                                 # broadcast a row
    same(d2, x.select(0, 0).expand(4, 6).contiguous())
    h = pyt.zeros(6, 4, dtype=dtype).t()
    h.copy_(y)
    np.testing.assert_array_equal(bits(h), bits(x))
    e = pyt.zeros(4, 6, dtype=pyt.float64, device="cuda")
    e.copy_(y)                                               # converting, same device
    same(e, x.double())
    e.copy_(pyt.tensor(3.0))                                 # CPU 0-d source: a fill
    same(e, pyt.full((4, 6), 3.0, dtype=pyt.float64))


def test_copy_of_expanded_source_and_overlap():
    x = sample(pyt.float32, shape=(1, 5)).cuda()
    same(x.expand(3, 5).contiguous(), x.cpu().expand(3, 5).contiguous())
    y = sample(pyt.float32, shape=(8,))
    z = y.cuda()
    w = z.clone()
    w.narrow(0, 1, 7).copy_(w.narrow(0, 0, 7))              # overlapping views
    expect = y.clone()
    expect.narrow(0, 1, 7).copy_(expect.narrow(0, 0, 7))
    same(w, expect)


def test_pinned_memory_and_non_blocking():
    x = sample(pyt.float32, shape=(64, 33))
    p = x.pin_memory()
    assert p.is_pinned() and not x.is_pinned()
    assert p.pin_memory() is p
    np.testing.assert_array_equal(bits(p), bits(x))
    y = p.cuda(non_blocking=True)
    same(y, x)
    q = pyt.empty(64, 33).pin_memory()
    q.copy_(y, non_blocking=True)
    y.cpu()                                                  # blocking: orders the stream
    np.testing.assert_array_equal(bits(q), bits(x))
    z = p.to("cuda", non_blocking=True)
    same(z, x)
    with pytest.raises(RuntimeError, match="only dense CPU tensors can be pinned"):
        y.pin_memory()


def test_item_tolist_numpy():
    y = pyt.tensor([[1.5, -2.0], [3.25, 4.0]], device="cuda")
    assert y.select(0, 1).select(0, 0).item() == 3.25
    assert y.tolist() == [[1.5, -2.0], [3.25, 4.0]]
    assert pyt.tensor([7], device="cuda").item() == 7
    assert pyt.tensor(True, device="cuda").item() is True
    assert float(pyt.tensor([0.5], device="cuda")) == 0.5
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy. "
                                        "Use Tensor.cpu\\(\\) to copy the tensor to host "
                                        "memory first."):
        y.numpy()
    with pytest.raises(TypeError, match="can't convert cuda:0"):
        np.asarray(y)


def test_repr():
    x = pyt.tensor([1.0, 2.5, -3.0])
    assert repr(x.cuda()) == "tensor([ 1.0000,  2.5000, -3.0000], device='cuda:0')"
    assert repr(pyt.tensor([1, 2], device="cuda", dtype=pyt.int32)) == \
        "tensor([1, 2], device='cuda:0', dtype=pyt.int32)"
    assert "device='cuda:0'" in str(pyt.zeros(0, device="cuda"))


def test_share_memory_is_a_no_op():
    y = pyt.ones(3, device="cuda")
    assert y.share_memory_() is y


# ----- pointwise ops ----------------------------------------------------------------------

ARITH = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("floor_divide", lambda a, b: pyt.div(a, b, rounding_mode="floor")),
    ("trunc_divide", lambda a, b: pyt.div(a, b, rounding_mode="trunc")),
    ("remainder", lambda a, b: pyt.remainder(a, b)),
    ("fmod", lambda a, b: pyt.fmod(a, b)),
]
CMP = [("eq", pyt.eq), ("ne", pyt.ne), ("lt", pyt.lt), ("le", pyt.le), ("gt", pyt.gt),
       ("ge", pyt.ge)]


def _divisor(dtype):
    """Non-zero values (integer division by zero differs between devices, as in torch)."""
    return sample(dtype, low=1, high=6, seed=1)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d is not pyt.bool])
@pytest.mark.parametrize("name,op", ARITH)
def test_arith(dtype, name, op):
    a, b = sample(dtype), _divisor(dtype)
    close(op(a.cuda(), b.cuda()), op(a, b))
    close(op(a.cuda(), b.cuda()[0]), op(a, b[0]))           # broadcasting
    close(op(a.cuda().t(), b.cuda().t()), op(a.t(), b.t()))  # transposed operands


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,op", CMP)
def test_comparisons(dtype, name, op):
    a, b = sample(dtype), sample(dtype, seed=2)
    same(op(a.cuda(), b.cuda()), op(a, b))
    same(op(a.cuda(), 1), op(a, 1))


def test_bool_ops():
    a, b = sample(pyt.bool), sample(pyt.bool, seed=3)
    same(a.cuda() + b.cuda(), a + b)
    same(a.cuda() * b.cuda(), a * b)
    same(a.cuda() & b.cuda(), a & b)
    same(a.cuda() | b.cuda(), a | b)
    same(a.cuda() ^ b.cuda(), a ^ b)
    same(~a.cuda(), ~a)


UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs", "floor", "ceil",
         "round", "trunc", "sign", "neg", "reciprocal", "erf", "expm1", "log1p", "relu",
         "isnan", "isinf", "isfinite", "frac", "rsqrt"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary(dtype, name):
    x = sample(dtype, low=1, high=6) if name in ("log", "sqrt", "rsqrt", "reciprocal") \
        else sample(dtype)
    fn = getattr(pyt, name)
    try:
        expect = fn(x)
    except (RuntimeError, NotImplementedError, TypeError) as e:
        with pytest.raises(type(e)):
            fn(x.cuda())
        return
    close(fn(x.cuda()), expect)


@pytest.mark.parametrize("dtype", DTYPES)
def test_math_binary(dtype):
    a, b = sample(dtype, low=0, high=4), sample(dtype, low=0, high=3, seed=4)
    for name in ["pow", "maximum", "minimum", "atan2", "hypot", "fmax", "fmin",
                 "bitwise_and", "bitwise_or", "bitwise_xor", "logical_and", "logical_or",
                 "logical_xor"]:
        fn = getattr(pyt, name)
        try:
            expect = fn(a, b)
        except (RuntimeError, NotImplementedError, TypeError):
            continue
        close(fn(a.cuda(), b.cuda()), expect)


@pytest.mark.parametrize("dtype", [pyt.int32, pyt.int64, pyt.float16, pyt.bfloat16,
                                   pyt.float32, pyt.float64])
def test_ternary(dtype):
    x, y, z = sample(dtype), sample(dtype, seed=5), _divisor(dtype)
    close(pyt.addcmul(x.cuda(), y.cuda(), z.cuda(), value=2), pyt.addcmul(x, y, z, value=2))
    close(pyt.clamp(x.cuda(), -1, 2), pyt.clamp(x, -1, 2))
    close(pyt.clamp(x.cuda(), y.cuda(), z.cuda()), pyt.clamp(x, y, z))
    if dtype.is_floating_point:
        close(pyt.addcdiv(x.cuda(), y.cuda(), z.cuda(), value=0.5),
              pyt.addcdiv(x, y, z, value=0.5))
        close(pyt.lerp(x.cuda(), y.cuda(), 0.25), pyt.lerp(x, y, 0.25))


@pytest.mark.parametrize("dtype", [pyt.uint8, pyt.int32, pyt.int64, pyt.float16,
                                   pyt.float32, pyt.float64])
def test_scalar_operands(dtype):
    x = sample(dtype, low=0)
    g = x.cuda()
    close(g + 2, x + 2)
    close(3 - g, 3 - x)
    close(g * 2.5, x * 2.5)                                  # promotes integers to float
    close(g / 2, x / 2)
    close(2 ** g if dtype.is_floating_point else g ** 2, 2 ** x if dtype.is_floating_point
          else x ** 2)
    same(g > 1, x > 1)
    same(g == 2, x == 2)
    close(g + pyt.tensor(3.0), x + pyt.tensor(3.0))          # CPU 0-d tensor: a scalar
    close(pyt.tensor(2) * g, pyt.tensor(2) * x)


def test_in_place_and_out():
    x = sample(pyt.float32)
    g = x.cuda()
    g.add_(1).mul_(2)
    same(g, (x + 1) * 2)
    g.sin_()
    close(g, ((x + 1) * 2).sin())
    out = pyt.empty(3, 5, device="cuda")
    pyt.mul(x.cuda(), 3, out=out)
    same(out, x * 3)
    y = sample(pyt.int32).cuda()
    y += 1
    same(y, sample(pyt.int32) + 1)
    g.fill_(2.5)
    same(g, pyt.full((3, 5), 2.5))
    g.zero_()
    same(g, pyt.zeros(3, 5))


def test_integer_division_by_zero_does_not_raise_on_cuda():
    a = pyt.tensor([1, 2], device="cuda")
    pyt.div(a, pyt.tensor([0, 1], device="cuda"), rounding_mode="trunc")   # as torch


def test_device_mismatch():
    g = pyt.ones(3, device="cuda")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        g + pyt.ones(3)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        pyt.ones(3) * g
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        pyt.maximum(g, pyt.ones(3))
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        pyt.exp(g, out=pyt.empty(3))


def test_random_matches_the_cpu():
    gc = pyt.Generator().manual_seed(123)
    gg = pyt.Generator(device="cuda").manual_seed(123)
    same(pyt.rand(100, generator=gg, device="cuda"), pyt.rand(100, generator=gc))
    same(pyt.randn(7, 9, generator=gg, device="cuda"), pyt.randn(7, 9, generator=gc))
    same(pyt.randint(-5, 50, (33,), generator=gg, device="cuda"),
         pyt.randint(-5, 50, (33,), generator=gc))
    same(pyt.randperm(20, generator=gg, device="cuda"), pyt.randperm(20, generator=gc))
    p = pyt.rand(40, generator=pyt.Generator().manual_seed(1))
    same(pyt.bernoulli(p.cuda(), generator=gg), pyt.bernoulli(p, generator=gc))
    rates = pyt.full((30,), 3.0)
    same(pyt.poisson(rates.cuda(), generator=gg), pyt.poisson(rates, generator=gc))


# ----- autograd ---------------------------------------------------------------------------

def test_autograd_through_pointwise_ops():
    a0 = sample(pyt.float32, seed=7)
    b0 = _divisor(pyt.float32)
    results = []
    for dev in ("cpu", "cuda"):
        a = a0.clone().to(dev).requires_grad_()
        b = b0.clone().to(dev).requires_grad_()
        out = a * b + a.sin() / b - (a - 1).exp() * 0.5
        out.backward(pyt.ones_like(out))
        assert a.grad.device.type == dev and b.grad.device.type == dev
        results.append((out.detach(), a.grad, b.grad))
    for gpu, cpu in zip(results[1], results[0]):
        close(gpu, cpu)


def test_autograd_scalar_seed_and_device_copy():
    a0 = sample(pyt.float32, shape=(1,), seed=8)
    a = a0.clone().requires_grad_()
    y = (a.cuda() * 3).exp()          # a CPU leaf, its graph through the GPU
    y.backward()                       # implicit ones seed, on the GPU
    assert a.grad.device.type == "cpu"
    close(a.grad.cuda(), (a0 * 3).exp() * 3)


def test_autograd_broadcast_reduces_on_the_device():
    a = sample(pyt.float32, shape=(3, 4)).cuda().requires_grad_()
    b = sample(pyt.float32, shape=(4,), seed=9).cuda().requires_grad_()
    (a * b).backward(pyt.ones(3, 4, device="cuda"))
    assert b.grad.device.type == "cuda"
    close(b.grad, a.detach().cpu().sum(0))
