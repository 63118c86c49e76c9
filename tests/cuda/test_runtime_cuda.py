"""The CUDA runtime as torch users see it: devices, streams, events, the caching
allocator's statistics, out-of-memory, copies between devices, factories, device checks,
autograd, printing. Every result is compared with pyt's own CPU result. (These tests skip
without a GPU: tests/conftest.py.)"""
import gc

import numpy as np
import pytest

import pyt
from _helpers import assert_same, bits, exact_float32

ALL_DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
              pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
SIGNED = [pyt.int8, pyt.int16, pyt.int32, pyt.int64,
          pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
CUDA0 = pyt.device("cuda", 0)
MiB = 1 << 20


def host(shape, dtype, seed=0, special=True):
    """A CPU tensor of varied values; floats include NaN, +-inf, -0.0 and tiny values."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype is pyt.bool:
        return pyt.tensor(rng.random(n) > 0.5).reshape(shape)
    if dtype.is_floating_point:
        values = rng.standard_normal(n) * 50
        if special and n >= 8:
            values[:8] = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-30, -3.5, 65000.0]
        return pyt.tensor(values.astype(np.float32 if dtype is pyt.bfloat16 else np.float64),
                          dtype=dtype).reshape(shape)
    info = np.iinfo(dtype.numpy_dtype)
    values = rng.integers(info.min, info.max, n, endpoint=True, dtype=np.int64)
    return pyt.tensor(values.astype(dtype.numpy_dtype), dtype=dtype).reshape(shape)


def stats():
    return pyt.cuda.memory_stats()


# ---- devices ---------------------------------------------------------------------------

def test_devices():
    assert pyt.cuda.is_available()
    n = pyt.cuda.device_count()
    assert isinstance(n, int) and n >= 1
    pyt.cuda.set_device(0)
    assert pyt.cuda.current_device() == 0
    with pyt.cuda.device(0):
        assert pyt.cuda.current_device() == 0
    assert pyt.cuda.current_device() == 0


def test_tensor_device_attributes():
    for dev in ("cuda", "cuda:0", CUDA0, 0):
        t = pyt.zeros(3, device=dev)
        assert t.is_cuda
        assert t.device == CUDA0
        assert t.device.type == "cuda" and t.device.index == 0
        assert str(t.device) == "cuda:0"
    assert not pyt.zeros(3).is_cuda


def test_bad_device_index_raises():
    with pytest.raises(RuntimeError):
        pyt.zeros(1, device=f"cuda:{pyt.cuda.device_count()}")
    assert pyt.ones(2, device="cuda").sum().item() == 2


# ---- streams and events ----------------------------------------------------------------

def test_synchronize():
    x = pyt.ones(MiB, device="cuda")
    y = x + 1
    assert pyt.cuda.synchronize() is None
    pyt.cuda.synchronize(0)
    assert y[0].item() == 2


def test_stream_context_switches_current_stream():
    default = pyt.cuda.default_stream()
    assert pyt.cuda.current_stream() == default
    s1, s2 = pyt.cuda.Stream(), pyt.cuda.Stream()
    assert s1 != default and s1 != s2
    with pyt.cuda.stream(s1):
        assert pyt.cuda.current_stream() == s1
        with pyt.cuda.stream(s2):
            assert pyt.cuda.current_stream() == s2
        assert pyt.cuda.current_stream() == s1
    assert pyt.cuda.current_stream() == default


def test_work_on_a_side_stream():
    x = pyt.rand(4 * MiB, device="cuda")                # written on the default stream
    ready = pyt.cuda.Event()
    ready.record()
    s = pyt.cuda.Stream()
    with pyt.cuda.stream(s):
        ready.wait()                                    # s waits for x
        y = x * 2 + 1
        done = pyt.cuda.Event()
        done.record()
    done.synchronize()
    assert done.query()
    s.synchronize()
    assert s.query()
    assert_same(x.cpu() * 2 + 1, y)


def test_event_elapsed_time():
    start = pyt.cuda.Event(enable_timing=True)
    end = pyt.cuda.Event(enable_timing=True)
    x = pyt.ones(16 * MiB, device="cuda")
    start.record()
    for _ in range(5):
        x = x * 1.5
    end.record()
    end.synchronize()
    assert end.query() and start.query()
    ms = start.elapsed_time(end)
    assert isinstance(ms, float) and ms > 0
    assert x[0].item() == 1.5 ** 5


def test_record_stream():
    s = pyt.cuda.Stream()
    x = pyt.arange(MiB, dtype=pyt.float32, device="cuda")
    s.wait_event(_recorded_event())
    with pyt.cuda.stream(s):
        y = x + 1
    x.record_stream(s)
    del x                          # its block must not be reused before s is done with it
    z = pyt.zeros(MiB, device="cuda")
    s.synchronize()
    assert_same(pyt.arange(MiB, dtype=pyt.float32) + 1, y)
    assert z.sum().item() == 0


def _recorded_event():
    e = pyt.cuda.Event()
    e.record()
    return e


# ---- the caching allocator's statistics ------------------------------------------------

def _settle():
    gc.collect()
    pyt.cuda.synchronize()


@pytest.mark.parametrize("nbytes, rounded", [(0, 0), (1, 512), (511, 512), (512, 512),
                                             (513, 1024), (4000, 4096), (MiB, MiB)])
def test_memory_allocated_counts_rounded_blocks(nbytes, rounded):
    pyt.empty(16, device="cuda")                        # the runtime is initialised
    _settle()
    before = pyt.cuda.memory_allocated()
    t = pyt.empty(nbytes, dtype=pyt.uint8, device="cuda")
    assert pyt.cuda.memory_allocated() == before + rounded
    assert pyt.cuda.memory_allocated(0) == pyt.cuda.memory_allocated("cuda:0") \
        == pyt.cuda.memory_allocated(CUDA0) == before + rounded
    assert pyt.cuda.memory_reserved() >= pyt.cuda.memory_allocated()
    del t
    assert pyt.cuda.memory_allocated() == before


def test_memory_stats_keys_agree():
    keep = pyt.empty(1000, device="cuda")
    s = stats()
    for key in ("allocated_bytes.all.current", "allocated_bytes.all.peak",
                "reserved_bytes.all.current", "reserved_bytes.all.peak",
                "num_device_alloc", "num_device_free", "num_alloc_retries", "num_ooms"):
        assert key in s, key
    assert s["allocated_bytes.all.current"] == pyt.cuda.memory_allocated()
    assert s["allocated_bytes.all.peak"] == pyt.cuda.max_memory_allocated()
    assert s["reserved_bytes.all.current"] == pyt.cuda.memory_reserved()
    assert s["reserved_bytes.all.peak"] == pyt.cuda.max_memory_reserved()
    assert pyt.cuda.max_memory_reserved() >= pyt.cuda.memory_reserved() \
        >= pyt.cuda.memory_allocated() >= 4000
    summary = pyt.cuda.memory_summary()
    assert isinstance(summary, str) and summary
    del keep


def test_peak_and_reset():
    _settle()
    pyt.cuda.reset_peak_memory_stats()
    base = pyt.cuda.memory_allocated()
    assert pyt.cuda.max_memory_allocated() == base
    t = pyt.empty(8 * MiB, dtype=pyt.uint8, device="cuda")
    del t
    assert pyt.cuda.memory_allocated() == base
    assert pyt.cuda.max_memory_allocated() >= base + 8 * MiB
    assert pyt.cuda.max_memory_reserved() >= 8 * MiB
    pyt.cuda.reset_peak_memory_stats()
    assert pyt.cuda.max_memory_allocated() == base


@pytest.mark.parametrize("nbytes", [4096, 3 * MiB, 64 * MiB])
def test_freed_block_is_reused_without_a_device_allocation(nbytes):
    t = pyt.empty(nbytes, dtype=pyt.uint8, device="cuda")
    del t
    _settle()
    allocs = stats()["num_device_alloc"]
    reserved = pyt.cuda.memory_reserved()
    for _ in range(3):
        t = pyt.empty(nbytes, dtype=pyt.uint8, device="cuda")
        del t
    assert stats()["num_device_alloc"] == allocs
    assert pyt.cuda.memory_reserved() == reserved


def test_empty_cache_returns_free_segments():
    _settle()
    t = pyt.empty(64 * MiB, dtype=pyt.uint8, device="cuda")
    reserved_with_t = pyt.cuda.memory_reserved()
    del t
    assert pyt.cuda.memory_reserved() == reserved_with_t      # cached, not given back
    frees = stats()["num_device_free"]
    pyt.cuda.empty_cache()
    assert pyt.cuda.memory_reserved() <= reserved_with_t - 64 * MiB
    assert stats()["num_device_free"] > frees
    assert pyt.cuda.memory_reserved() >= pyt.cuda.memory_allocated()
    if pyt.cuda.memory_allocated() == 0:                      # nothing alive: nothing kept
        assert pyt.cuda.memory_reserved() == 0
    assert pyt.ones(10, device="cuda").sum().item() == 10    # still usable


def test_out_of_memory_raises_and_recovers():
    assert issubclass(pyt.cuda.OutOfMemoryError, RuntimeError)
    ooms = stats()["num_ooms"]
    allocated = pyt.cuda.memory_allocated()
    with pytest.raises(pyt.cuda.OutOfMemoryError, match="Tried to allocate"):
        pyt.empty(2 ** 40, dtype=pyt.uint8, device="cuda")
    with pytest.raises(RuntimeError, match="Tried to allocate"):
        pyt.zeros(2 ** 38, device="cuda")
    assert stats()["num_ooms"] >= ooms + 2
    assert pyt.cuda.memory_allocated() == allocated
    x = pyt.arange(1000, dtype=pyt.float32, device="cuda")
    assert x.sum().item() == 499500


# ---- copies ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: d.name)
def test_round_trip_is_bit_exact(dtype):
    x = host((37, 29), dtype)
    for g in (x.cuda(), x.to("cuda"), x.to(CUDA0), x.to(device="cuda")):
        assert g.is_cuda and g.dtype is dtype and tuple(g.shape) == (37, 29)
        back = g.cpu()
        assert not back.is_cuda and back.device == pyt.device("cpu")
        np.testing.assert_array_equal(bits(back), bits(x))
        np.testing.assert_array_equal(bits(g.to("cpu")), bits(x))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: d.name)
def test_empty_and_scalar_round_trip(dtype):
    for shape in [(0,), (3, 0), ()]:
        x = host(shape, dtype) if shape != () else host((1,), dtype).reshape(())
        g = x.cuda()
        assert tuple(g.shape) == shape and g.dtype is dtype
        np.testing.assert_array_equal(bits(g), bits(x))


def _non_contiguous(x):
    """Views of a 12 x 10 tensor that are not contiguous (and one that is, offset)."""
    return {"transposed": x.t(), "stepped": x[1::2, ::3], "row_range": x[2:9],
            "column": x[:, 3], "expanded": x[0:1].expand(5, x.shape[1]),
            "permuted_3d": x.reshape(4, 6, 5).permute(2, 0, 1)}


@pytest.mark.parametrize("dtype", [pyt.bool, pyt.int8, pyt.int64, pyt.float16,
                                   pyt.bfloat16, pyt.float64], ids=lambda d: d.name)
def test_non_contiguous_sources(dtype):
    x = host((12, 10), dtype)
    for name, v in _non_contiguous(x).items():
        g = v.cuda()                                          # host view -> device
        np.testing.assert_array_equal(bits(g), bits(v), err_msg=name)
    gx = x.cuda()
    for name, v in _non_contiguous(gx).items():              # device view -> host
        ref = _non_contiguous(x)[name]
        np.testing.assert_array_equal(bits(v.cpu()), bits(ref), err_msg=name)
        np.testing.assert_array_equal(bits(v.contiguous()), bits(ref), err_msg=name)


def test_copy_into_device_views_and_broadcast():
    src = host((6, 4), pyt.float32, special=False)
    d, ref = pyt.zeros(6, 8, device="cuda"), pyt.zeros(6, 8)
    d[:, ::2].copy_(src)                                      # host -> strided device view
    ref[:, ::2].copy_(src)
    assert_same(ref, d)
    row = pyt.arange(8, dtype=pyt.float64)                    # broadcast, and a dtype change
    d.copy_(row)
    ref.copy_(row)
    assert_same(ref, d)
    back = pyt.empty(8, 6, dtype=pyt.float64)                 # device -> strided host
    back.t().copy_(d)
    assert_same(ref.double(), back.t().contiguous())


@pytest.mark.parametrize("src_dtype", ALL_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("dst_dtype", ALL_DTYPES, ids=lambda d: d.name)
def test_device_copy_converts_dtype(src_dtype, dst_dtype):
    # values in [0, 100) convert without overflow between any pair
    rng = np.random.default_rng(1)
    values = rng.random(257) * 100
    if not src_dtype.is_floating_point:
        values = np.floor(values)
    x = pyt.tensor(values).to(src_dtype)
    expected = pyt.empty(257, dtype=dst_dtype).copy_(x)
    g = pyt.empty(257, dtype=dst_dtype, device="cuda")
    g.copy_(x.cuda())
    np.testing.assert_array_equal(bits(g), bits(expected))
    np.testing.assert_array_equal(bits(x.cuda().to(dst_dtype)), bits(expected))


@pytest.mark.parametrize("src_dtype", SIGNED, ids=lambda d: d.name)
@pytest.mark.parametrize("dst_dtype", SIGNED, ids=lambda d: d.name)
def test_device_copy_converts_negative_values(src_dtype, dst_dtype):
    values = np.array([-100.75, -3.5, -2.5, -0.5, 0.5, 1.5, 2.5, 99.25, -0.0, 7])
    if not src_dtype.is_floating_point:
        values = np.trunc(values)
    x = pyt.tensor(values).to(src_dtype)
    expected = x.to(dst_dtype)
    np.testing.assert_array_equal(bits(x.cuda().to(dst_dtype)), bits(expected))
    # a strided device source too
    gx = pyt.stack([x, x]).cuda().t()
    expected_t = pyt.stack([x, x]).t().to(dst_dtype)
    np.testing.assert_array_equal(bits(gx.to(dst_dtype)), bits(expected_t))


def test_non_blocking_with_pinned_memory():
    x = pyt.arange(4 * MiB, dtype=pyt.float32)
    assert not x.is_pinned()
    p = x.pin_memory()
    assert p.is_pinned() and not p.is_cuda
    assert_same(x, p)
    g = p.to("cuda", non_blocking=True)
    g2 = p.cuda(non_blocking=True)
    back = pyt.zeros(4 * MiB).pin_memory()
    back.copy_(g, non_blocking=True)
    pyt.cuda.synchronize()
    assert_same(x, g)
    assert_same(x, g2)
    assert_same(x, back)
    plain = pyt.zeros(4 * MiB)                               # pageable memory: still right
    plain.copy_(g, non_blocking=True)
    pyt.cuda.synchronize()
    assert_same(x, plain)


def test_to_same_device_returns_self():
    g = pyt.ones(3, device="cuda")
    assert g.to("cuda") is g
    assert g.to("cuda:0") is g
    assert g.to(CUDA0) is g
    assert g.cuda() is g
    assert g.to(pyt.float32) is g
    assert g.to("cuda", pyt.float32) is g
    c = pyt.ones(3)
    assert c.cpu() is c
    h = g.to(pyt.float64)
    assert h is not g and h.is_cuda and h.dtype is pyt.float64
    assert g.to("cuda", copy=True) is not g


def test_item_tolist_and_numpy():
    x = host((3, 4), pyt.float32, special=False)
    g = x.cuda()
    assert g[1, 2].item() == x[1, 2].item()
    assert g.tolist() == x.tolist()
    np.testing.assert_array_equal(g.cpu().numpy(), x.numpy())
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        g.numpy()


def test_repr_shows_the_device():
    g = pyt.tensor([1.0, 2.0]).cuda()
    assert repr(g) == "tensor([1., 2.], device='cuda:0')"
    assert "device='cuda:0'" in str(pyt.arange(3, dtype=pyt.int32, device="cuda"))
    assert "device='cuda:0'" in repr(pyt.zeros(0, device="cuda"))
    assert "device" not in repr(pyt.tensor([1.0, 2.0]))


# ---- factories -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: d.name)
def test_constant_factories(dtype):
    for make in (lambda **k: pyt.zeros(3, 5, **k), lambda **k: pyt.ones(3, 5, **k),
                 lambda **k: pyt.full((3, 5), 7, **k)):
        g = make(dtype=dtype, device="cuda")
        assert g.is_cuda
        assert_same(make(dtype=dtype), g)
    e = pyt.empty(3, 5, dtype=dtype, device="cuda")
    assert e.is_cuda and e.dtype is dtype and tuple(e.shape) == (3, 5)


def test_arange_and_like_factories():
    assert_same(pyt.arange(10), pyt.arange(10, device="cuda"))
    assert_same(pyt.arange(1.0, 4.0, 0.25), pyt.arange(1.0, 4.0, 0.25, device="cuda"))
    assert_same(pyt.arange(-5, 5, 2, dtype=pyt.int16), pyt.arange(-5, 5, 2, dtype=pyt.int16,
                                                                   device="cuda"))
    g = pyt.ones(2, 3, dtype=pyt.float64, device="cuda")
    for like in (pyt.zeros_like, pyt.ones_like, pyt.empty_like, pyt.rand_like,
                 pyt.randn_like):
        r = like(g)
        assert r.is_cuda and r.dtype is pyt.float64 and tuple(r.shape) == (2, 3), like
    f = pyt.full_like(g, 2.5)
    assert f.is_cuda and f.sum().item() == 15.0
    assert pyt.zeros_like(g, device="cpu").device == pyt.device("cpu")
    assert pyt.zeros_like(pyt.ones(2), device="cuda").is_cuda
    assert_same(pyt.tensor([[1, 2], [3, 4]]), pyt.tensor([[1, 2], [3, 4]], device="cuda"))


@pytest.mark.parametrize("dtype", [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64],
                         ids=lambda d: d.name)
def test_random_factories_match_cpu(dtype):
    for n in (1, 7, 1000, 100003):
        pyt.manual_seed(1234)
        cpu = pyt.rand(n, dtype=dtype)
        pyt.manual_seed(1234)
        gpu = pyt.rand(n, dtype=dtype, device="cuda")
        np.testing.assert_array_equal(bits(gpu), bits(cpu))
        pyt.manual_seed(99)
        cpu = pyt.randn(n, dtype=dtype)
        pyt.manual_seed(99)
        gpu = pyt.randn(n, dtype=dtype, device="cuda")
        tol = {pyt.float64: 1e-12, pyt.float32: 1e-6}.get(dtype, 1e-2)
        assert_same(cpu, gpu, rtol=tol, atol=tol)


def test_randint_and_like_match_cpu():
    pyt.manual_seed(5)
    cpu = pyt.randint(-50, 50, (3, 333))
    pyt.manual_seed(5)
    gpu = pyt.randint(-50, 50, (3, 333), device="cuda")
    assert_same(cpu, gpu)
    pyt.manual_seed(6)
    cpu = pyt.rand_like(pyt.empty(4, 5))
    pyt.manual_seed(6)
    gpu = pyt.rand_like(pyt.empty(4, 5, device="cuda"))
    assert_same(cpu, gpu)


# ---- device checks ---------------------------------------------------------------------

SAME_DEVICE = "Expected all tensors to be on the same device"


def test_mixing_devices_raises():
    g, c = pyt.ones(3, device="cuda"), pyt.ones(3)
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        g + c
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        c + g
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        g.add_(c)
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        pyt.ones(2, 3, device="cuda") @ pyt.ones(3, 2)
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        pyt.matmul(pyt.ones(2, 3), pyt.ones(3, 2, device="cuda"))
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        pyt.cat([g, c])
    assert_same(pyt.ones(3), g)                               # nothing was changed


def test_cpu_scalar_tensor_joins_a_cuda_op():
    g = pyt.arange(4, dtype=pyt.float32, device="cuda")
    for r in (g + pyt.tensor(2.0), pyt.tensor(2.0) + g, g * pyt.tensor(3), g + 1.5):
        assert r.is_cuda
    assert_same(pyt.arange(4, dtype=pyt.float32) + 2.0, g + pyt.tensor(2.0))
    assert_same(pyt.arange(4, dtype=pyt.float32) * pyt.tensor(3), g * pyt.tensor(3))


# ---- autograd --------------------------------------------------------------------------

def _mlp_loss(params, x, target):
    w1, b1, w2, b2 = params
    h = pyt.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    return -(logits.log_softmax(-1) * target).sum() / x.shape[0]


def test_mlp_gradients_match_cpu():
    pyt.manual_seed(0)
    x = pyt.randn(16, 8)
    target = pyt.zeros(16, 4)
    target[pyt.arange(16), pyt.arange(16) % 4] = 1.0
    cpu = [pyt.randn(8, 32) * 0.3, pyt.randn(32) * 0.1, pyt.randn(32, 4) * 0.3,
           pyt.randn(4) * 0.1]
    gpu = [p.cuda().requires_grad_() for p in cpu]
    cpu = [p.requires_grad_() for p in cpu]
    loss_c = _mlp_loss(cpu, x, target)
    loss_g = _mlp_loss(gpu, x.cuda(), target.cuda())
    assert loss_g.is_cuda
    loss_c.backward()
    loss_g.backward()
    assert abs(loss_g.item() - loss_c.item()) < 1e-5
    for pc, pg in zip(cpu, gpu):
        assert pg.grad is not None and pg.grad.is_cuda and pg.grad.device == pg.device
        assert_same(pc.grad, pg.grad, rtol=1e-5, atol=1e-5)


def test_module_to_cuda_trains_like_cpu():
    def model():
        pyt.manual_seed(3)
        return pyt.nn.Sequential(pyt.nn.Linear(8, 16), pyt.nn.Tanh(), pyt.nn.Linear(16, 2))
    mc, mg = model(), model().to("cuda")
    assert all(p.is_cuda for p in mg.parameters())
    x, y = pyt.randn(10, 8), pyt.randn(10, 2)
    loss_c = ((mc(x) - y) ** 2).mean()
    loss_g = ((mg(x.cuda()) - y.cuda()) ** 2).mean()
    loss_c.backward()
    loss_g.backward()
    assert abs(loss_g.item() - loss_c.item()) < 1e-5
    for pc, pg in zip(mc.parameters(), mg.parameters()):
        assert pg.grad.is_cuda
        assert_same(pc.grad, pg.grad, rtol=1e-5, atol=1e-5)


def test_tf32_setting():
    matmul = pyt.backends.cuda.matmul
    assert matmul.allow_tf32 is False                         # torch's default
    a, b = pyt.randn(64, 96), pyt.randn(96, 48)
    assert_same(a @ b, a.cuda() @ b.cuda(), rtol=1e-4, atol=1e-4)
    try:
        matmul.allow_tf32 = True
        assert matmul.allow_tf32 is True
        assert_same(a @ b, a.cuda() @ b.cuda(), rtol=2e-2, atol=5e-2)
    finally:
        matmul.allow_tf32 = False
    assert matmul.allow_tf32 is False


# ---- ops without a CUDA kernel ---------------------------------------------------------

F = pyt.nn.functional
NO_KERNEL_YET = {        # part 2 of the CUDA work; each must fail clearly or be right
    "sort": lambda x: pyt.sort(x, dim=-1),
    "cumsum": lambda x: pyt.cumsum(x, dim=-1),
    "topk": lambda x: pyt.topk(x, 3, dim=-1),
    "conv2d": lambda x: F.conv2d(x.reshape(1, 1, 6, 8), pyt.ones(1, 1, 3, 3, device=x.device)),
    "max_pool2d": lambda x: F.max_pool2d(x.reshape(1, 1, 6, 8), 2),
    "layer_norm": lambda x: F.layer_norm(x, (8,)),
    "cross_entropy": lambda x: F.cross_entropy(x, pyt.arange(6, device=x.device) % 8),
}


@pytest.mark.parametrize("name", list(NO_KERNEL_YET))
def test_op_without_kernel_fails_clearly_or_is_right(name):
    op = NO_KERNEL_YET[name]
    x = host((6, 8), pyt.float32, special=False)
    expected = op(x)
    try:
        with exact_float32():
            got = op(x.cuda())
    except (NotImplementedError, RuntimeError) as e:
        assert "cuda" in str(e).lower(), str(e)
    else:
        assert_same(expected, got, rtol=1e-5, atol=1e-5)
    assert pyt.ones(4, device="cuda").sum().item() == 4     # still usable
