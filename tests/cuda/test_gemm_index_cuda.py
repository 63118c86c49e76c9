"""Matrix products and index ops on the GPU against pyt's CPU results.

GEMMs run twice: through cuBLAS (when it loads) and through pyt's tiled kernel, forced
with pyt._ext.cuda._set_use_blas(False). Index ops must give the CPU's result exactly;
duplicate indices in accumulating ops use small integer values, so that any summation
order gives the same floats."""
import numpy as np
import pytest

import pyt

FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
ALL_DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64,
              pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]


def gpu(t):
    return t.cuda()


def host(t):
    """A NumPy copy of a tensor on any device (half types through float64)."""
    t = t.detach().cpu()
    if t.dtype in (pyt.float16, pyt.bfloat16):
        t = t.double()
    return np.array(t.numpy(), copy=True)


def rand(shape, dtype=pyt.float32, seed=0):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.uniform(-1, 1, shape).astype(np.float64), dtype=dtype)


def small_ints(shape, dtype, seed=0, low=-3, high=4):
    """Values every dtype holds exactly (bool: 0/1, uint8: non-negative)."""
    rng = np.random.default_rng(seed)
    if dtype is pyt.bool:
        return pyt.tensor(rng.random(shape) > 0.5)
    if dtype is pyt.uint8:
        low = 0
    return pyt.tensor(rng.integers(low, high, shape), dtype=dtype)


def assert_same(got, want):
    """GPU result == CPU result: same dtype, shape and values (NaN where NaN)."""
    assert got.device.type == "cuda"
    assert got.dtype == want.dtype
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(host(got), host(want))


# ----- matrix products ------------------------------------------------------------------

@pytest.fixture(params=["cublas", "tiled"])
def gemm_path(request):
    from pyt._ext import cuda as _cuda
    _cuda._set_use_blas(request.param == "cublas")
    yield request.param
    _cuda._set_use_blas(True)


def tolerance(dtype, k):
    """(rtol, atol) for a product summing k terms of values in [-1, 1]."""
    eps = {pyt.float16: 1e-3, pyt.bfloat16: 8e-3, pyt.float32: 1e-5, pyt.float64: 1e-13}[dtype]
    return 10 * eps, 10 * eps * max(1.0, k ** 0.5)


def assert_close(got, want, k):
    assert got.device.type == "cuda"
    assert got.dtype == want.dtype
    assert tuple(got.shape) == tuple(want.shape)
    rtol, atol = tolerance(want.dtype, k)
    np.testing.assert_allclose(host(got), host(want), rtol=rtol, atol=atol)


def test_cublas_is_found():
    """The GPU machine has the nvidia-cublas package: pyt must find and load it."""
    from pyt._ext import cuda as _cuda
    a = rand((8, 8))
    gpu(a) @ gpu(a)
    assert _cuda._blas_loaded()


def test_allow_tf32_defaults_to_false():
    assert pyt.backends.cuda.matmul.allow_tf32 is False


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (5, 3, 7), (64, 64, 64), (65, 33, 130),
                                   (200, 300, 100), (3, 1000, 2)])
def test_mm(gemm_path, dtype, m, k, n):
    a, b = rand((m, k), dtype, 1), rand((k, n), dtype, 2)
    assert_close(pyt.mm(gpu(a), gpu(b)), pyt.mm(a, b), k)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("ta,tb", [(False, True), (True, False), (True, True)])
def test_mm_transposed_and_strided(gemm_path, dtype, ta, tb):
    a = rand((40, 70), dtype, 3).t() if ta else rand((70, 40), dtype, 3)   # (70, 40)
    b = rand((90, 40), dtype, 4).t() if tb else rand((40, 90), dtype, 4)   # (40, 90)
    assert_close(gpu(a) @ gpu(b), a @ b, 40)
    # views that are neither row- nor column-major: sliced with steps
    c, d = rand((70, 80), dtype, 7)[:, ::2], rand((40, 90), dtype, 8)[:, 1::3]
    assert_close(gpu(c) @ gpu(d), c @ d, 40)
    # transposed on the GPU side only
    assert_close(gpu(a.t().contiguous()).t() @ gpu(b.t().contiguous()).t(), a @ b, 40)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_bmm_and_batched_broadcast(gemm_path, dtype):
    a, b = rand((6, 17, 9), dtype, 1), rand((6, 9, 70), dtype, 2)
    assert_close(pyt.bmm(gpu(a), gpu(b)), pyt.bmm(a, b), 9)
    assert_close(pyt.bmm(gpu(a), gpu(b.transpose(1, 2).contiguous()).transpose(1, 2)),
                 pyt.bmm(a, b), 9)
    c, d = rand((2, 1, 5, 7), dtype, 3), rand((3, 7, 4), dtype, 4)
    assert_close(pyt.matmul(gpu(c), gpu(d)), pyt.matmul(c, d), 7)
    e = rand((7,), dtype, 5)
    assert_close(pyt.matmul(gpu(c), gpu(e)), pyt.matmul(c, e), 7)
    assert_close(pyt.matmul(gpu(e), gpu(d)), pyt.matmul(e, d), 7)
    f = rand((4, 5, 7), dtype, 6)
    assert_close(gpu(f) @ gpu(d[0]), f @ d[0], 7)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_addmm_mv_dot(gemm_path, dtype):
    inp, a, b = rand((9, 11), dtype, 1), rand((9, 20), dtype, 2), rand((20, 11), dtype, 3)
    assert_close(pyt.addmm(gpu(inp), gpu(a), gpu(b)), pyt.addmm(inp, a, b), 20)
    assert_close(pyt.addmm(gpu(inp), gpu(a), gpu(b), beta=0.5, alpha=-2.0),
                 pyt.addmm(inp, a, b, beta=0.5, alpha=-2.0), 20)
    row = rand((11,), dtype, 4)                                # a broadcast input
    assert_close(pyt.addmm(gpu(row), gpu(a), gpu(b)), pyt.addmm(row, a, b), 20)
    v = rand((20,), dtype, 5)
    assert_close(pyt.mv(gpu(a), gpu(v)), pyt.mv(a, v), 20)
    assert_close(pyt.matmul(gpu(v), gpu(v)), pyt.matmul(v, v), 20)


def test_addmm_beta_zero_ignores_nan_input(gemm_path):
    inp = pyt.full((4, 5), float("nan"))
    a, b = rand((4, 6), seed=1), rand((6, 5), seed=2)
    out = pyt.addmm(gpu(inp), gpu(a), gpu(b), beta=0)
    assert not np.isnan(host(out)).any()
    assert_close(out, pyt.addmm(inp, a, b, beta=0), 6)


def test_empty_products(gemm_path):
    a, b = rand((0, 3)), rand((3, 4))
    assert_close(gpu(a) @ gpu(b), a @ b, 3)
    c, d = rand((3, 0)), rand((0, 4))
    out = gpu(c) @ gpu(d)
    assert_close(out, c @ d, 1)
    assert (host(out) == 0).all()
    inp = rand((3, 4), seed=9)
    assert_close(pyt.addmm(gpu(inp), gpu(c), gpu(d), beta=2.0), pyt.addmm(inp, c, d, beta=2.0), 1)


def test_tf32_switch():
    a, b = rand((256, 512), seed=1), rand((512, 128), seed=2)
    want = a @ b
    matmul = pyt.backends.cuda.matmul
    matmul.allow_tf32 = True
    try:
        np.testing.assert_allclose(host(gpu(a) @ gpu(b)), host(want), rtol=2e-2, atol=2e-2)
    finally:
        matmul.allow_tf32 = False
    assert_close(gpu(a) @ gpu(b), want, 512)


# ----- indexing: reads ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_getitem_with_index_tensors(dtype):
    x = small_ints((6, 7, 5), dtype, 1)
    idx = pyt.tensor([0, 5, -1, 2, 2, -6])
    idx32 = pyt.tensor([[1, 0], [4, -2]], dtype=pyt.int32)
    assert_same(gpu(x)[gpu(idx)], x[idx])
    assert_same(gpu(x)[:, gpu(idx32)], x[:, idx32])
    assert_same(gpu(x)[gpu(idx), :, gpu(pyt.tensor([0, 1, 2, 3, 4, 4]))],
                x[idx, :, pyt.tensor([0, 1, 2, 3, 4, 4])])
    assert_same(gpu(x)[1, gpu(idx32)], x[1, idx32])
    assert_same(gpu(x)[:, ::2][gpu(idx[:3])], x[:, ::2][idx[:3]])        # strided source


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_bool_mask_and_masked_select(dtype):
    x = small_ints((4, 9), dtype, 2)
    mask = small_ints((4, 9), pyt.bool, 3)
    assert_same(gpu(x)[gpu(mask)], x[mask])
    assert_same(pyt.masked_select(gpu(x), gpu(mask)), pyt.masked_select(x, mask))
    row_mask = small_ints((9,), pyt.bool, 4)                       # broadcast mask
    assert_same(pyt.masked_select(gpu(x), gpu(row_mask)), pyt.masked_select(x, row_mask))
    assert_same(gpu(x)[gpu(pyt.zeros(4, dtype=pyt.bool))], x[pyt.zeros(4, dtype=pyt.bool)])


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_index_select_gather_take(dtype):
    x = small_ints((5, 8), dtype, 5)
    idx = pyt.tensor([4, 0, 0, 7, 3])
    assert_same(pyt.index_select(gpu(x), 1, gpu(idx)), pyt.index_select(x, 1, idx))
    assert_same(pyt.index_select(gpu(x), 0, gpu(idx[:3])), pyt.index_select(x, 0, idx[:3]))
    gidx = pyt.tensor(np.random.default_rng(6).integers(0, 8, (5, 3)))
    assert_same(pyt.gather(gpu(x), 1, gpu(gidx)), pyt.gather(x, 1, gidx))
    assert_same(pyt.gather(gpu(x.t()), 0, gpu(gidx.t())), pyt.gather(x.t(), 0, gidx.t()))
    tidx = pyt.tensor([[0, -1, 39], [7, 7, -40]])
    assert_same(pyt.take(gpu(x), gpu(tidx)), pyt.take(x, tidx))
    assert_same(pyt.take(gpu(x.t()), gpu(tidx)), pyt.take(x.t(), tidx))   # strided source


# ----- indexing: writes (distinct indices: a store per element) -------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_setitem_scatter_put(dtype):
    x, v = small_ints((6, 5), dtype, 1), small_ints((3, 5), dtype, 2)
    idx = pyt.tensor([4, -6, 2])
    gx, want = gpu(x), x.clone()
    gx[gpu(idx)] = gpu(v)
    want[idx] = v
    assert_same(gx, want)
    gx, want = gpu(x), x.clone()
    gx[gpu(idx), 1] = gpu(v[:, 0])
    want[idx, 1] = v[:, 0]
    assert_same(gx, want)
    mask = small_ints((6, 5), pyt.bool, 3)
    gx, want = gpu(x), x.clone()
    gx[gpu(mask)] = 1
    want[mask] = 1
    assert_same(gx, want)
    perm = pyt.tensor(np.argsort(np.random.default_rng(4).random((6, 5)), axis=0))
    src = small_ints((6, 5), dtype, 5)
    assert_same(gpu(x).scatter_(0, gpu(perm), gpu(src)), x.clone().scatter_(0, perm, src))
    assert_same(pyt.scatter(gpu(x), 0, gpu(perm[:2]), gpu(src)), pyt.scatter(x, 0, perm[:2], src))
    pidx = pyt.tensor([0, 29, -2, 7])
    pv = small_ints((4,), dtype, 6)
    assert_same(gpu(x).put_(gpu(pidx), gpu(pv)), x.clone().put_(pidx, pv))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_masked_fill(dtype):
    x = small_ints((7, 3), dtype, 1)
    mask = small_ints((7, 3), pyt.bool, 2)
    value = True if dtype is pyt.bool else 2
    assert_same(pyt.masked_fill(gpu(x), gpu(mask), value), pyt.masked_fill(x, mask, value))
    assert_same(gpu(x).masked_fill_(gpu(mask[0]), value), x.clone().masked_fill_(mask[0], value))


# ----- indexing: accumulation with duplicate indices (atomics) --------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_index_put_accumulate_duplicates(dtype):
    x = small_ints((5, 4), dtype, 1)
    idx = pyt.tensor([1, 3, 1, 1, 0, 3, -4])
    v = small_ints((7, 4), dtype, 2)
    assert_same(gpu(x).index_put_((gpu(idx),), gpu(v), accumulate=True),
                x.clone().index_put_((idx,), v, accumulate=True))
    # a 1-d tensor of a small dtype: many lanes of one 32-bit word updated at once
    y = small_ints((3,), dtype, 3)
    many = pyt.tensor(np.random.default_rng(4).integers(0, 3, 1000))
    ones = pyt.ones(1000, dtype=dtype)
    if dtype.is_floating_point or dtype is pyt.bool:
        ones = small_ints((1000,), dtype, 5, low=-1, high=2)
    assert_same(gpu(y).index_put_((gpu(many),), gpu(ones), accumulate=True),
                y.clone().index_put_((many,), ones, accumulate=True))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_put_accumulate_duplicates(dtype):
    x = small_ints((4, 6), dtype, 1)
    idx = pyt.tensor([0, 23, 0, -1, 5, 5, 5])
    v = small_ints((7,), dtype, 2)
    assert_same(gpu(x).put_(gpu(idx), gpu(v), accumulate=True),
                x.clone().put_(idx, v, accumulate=True))


@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES if d is not pyt.bool], ids=str)
def test_scatter_add_and_index_add_duplicates(dtype):
    x = small_ints((4, 6), dtype, 1)
    idx = pyt.tensor(np.random.default_rng(2).integers(0, 4, (9, 6)))
    src = small_ints((9, 6), dtype, 3)
    assert_same(pyt.scatter_add(gpu(x), 0, gpu(idx), gpu(src)), pyt.scatter_add(x, 0, idx, src))
    assert_same(gpu(x).scatter_add_(0, gpu(idx[:, :3]), gpu(src)),
                x.clone().scatter_add_(0, idx[:, :3], src))
    rows = pyt.tensor([3, 0, 3, 3, 1])
    source = small_ints((5, 6), dtype, 4)
    alpha = 1 if dtype is pyt.uint8 else 2
    assert_same(gpu(x).index_add_(0, gpu(rows), gpu(source), alpha=alpha),
                x.clone().index_add_(0, rows, source, alpha=alpha))
    cols = rows + 2
    source_t = small_ints((5, 4), dtype, 5).t()                        # non-contiguous
    assert_same(pyt.index_add(gpu(x), 1, gpu(cols), gpu(source_t)),
                pyt.index_add(x, 1, cols, source_t))


@pytest.mark.parametrize("dtype", [pyt.int8, pyt.int16, pyt.int32, pyt.int64,
                                   pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64], ids=str)
@pytest.mark.filterwarnings("ignore:The reduce argument")
def test_scatter_multiply_duplicates(dtype):
    x = small_ints((3, 5), dtype, 1, low=-2, high=3)
    idx = pyt.tensor(np.random.default_rng(2).integers(0, 3, (6, 5)))
    src = small_ints((6, 5), dtype, 3, low=-2, high=3)
    assert_same(gpu(x).scatter_(0, gpu(idx), gpu(src), reduce="multiply"),
                x.clone().scatter_(0, idx, src, reduce="multiply"))


def test_float_accumulation_is_close_for_any_order():
    x = pyt.zeros(10)
    idx = pyt.tensor(np.random.default_rng(1).integers(0, 10, 100000))
    v = rand((100000,), seed=2)
    got = gpu(x).index_add_(0, gpu(idx), gpu(v))
    np.testing.assert_allclose(host(got), host(x.clone().index_add_(0, idx, v)),
                               rtol=1e-4, atol=1e-3)


# ----- nonzero ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_nonzero(dtype):
    x = small_ints((3, 4, 5), dtype, 1, low=-1, high=2)
    assert_same(pyt.nonzero(gpu(x)), pyt.nonzero(x))
    assert_same(gpu(x).nonzero(), x.nonzero())
    for a, b in zip(pyt.nonzero(gpu(x), as_tuple=True), pyt.nonzero(x, as_tuple=True)):
        assert_same(a, b)
    strided = x[:, ::2].transpose(0, 2)
    assert_same(pyt.nonzero(gpu(strided)), pyt.nonzero(strided))
    for t in (pyt.zeros(0, 3, dtype=dtype), pyt.ones((), dtype=dtype), pyt.zeros((), dtype=dtype)):
        assert_same(pyt.nonzero(gpu(t)), pyt.nonzero(t))


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_nonzero_negative_zero_is_zero(dtype):
    x = pyt.tensor([0.0, -0.0, 1.0, -2.0, -0.0, float("nan")], dtype=dtype)
    assert_same(pyt.nonzero(gpu(x)), pyt.nonzero(x))
    assert host(pyt.nonzero(gpu(x))).ravel().tolist() == [2, 3, 5]
    assert_same(gpu(x)[gpu(x != 0)], x[x != 0])


def test_nonzero_large_in_order():
    """Many chunks of the ordered compaction, and more than 1024 of them."""
    rng = np.random.default_rng(7)
    x = pyt.tensor((rng.random(5_000_003) < 0.3).astype(np.uint8))
    got = pyt.nonzero(gpu(x))
    assert_same(got, pyt.nonzero(x))
    assert pyt.count_nonzero(gpu(x)).item() == int(np.count_nonzero(host(x)))


# ----- out of range ------------------------------------------------------------------------

def test_out_of_range_indices_raise_index_error():
    x = gpu(pyt.arange(12.0).reshape(3, 4))
    with pytest.raises(IndexError):
        x[gpu(pyt.tensor([0, 3]))]
    with pytest.raises(IndexError):
        x[gpu(pyt.tensor([-4]))]
    with pytest.raises(IndexError):
        x[:, gpu(pyt.tensor([4], dtype=pyt.int32))]
    with pytest.raises(IndexError):
        pyt.index_select(x, 1, gpu(pyt.tensor([1, 9])))
    with pytest.raises(RuntimeError):       # torch: gather's bad index is a RuntimeError
        pyt.gather(x, 1, gpu(pyt.tensor([[0], [4], [1]])))
    with pytest.raises(IndexError):
        pyt.take(x, gpu(pyt.tensor([12])))
    with pytest.raises(IndexError):
        x.put_(gpu(pyt.tensor([-13])), gpu(pyt.tensor([1.0])))
    with pytest.raises(IndexError):
        x[gpu(pyt.tensor([5]))] = 1.0
    with pytest.raises(IndexError):
        x.index_put_((gpu(pyt.tensor([2, 3])),), gpu(pyt.tensor(1.0)), accumulate=True)
    # nothing was written by the failed ops
    np.testing.assert_array_equal(host(x), np.arange(12.0).reshape(3, 4))
