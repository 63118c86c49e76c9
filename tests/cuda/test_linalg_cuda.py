"""The LAPACK-backed linalg ops on CUDA tensors against pyt's CPU results. They have no GPU
kernel: the inputs go to the host, the CPU code runs, the results come back (as torch does
for linalg.eig), so results equal the CPU's (the input bytes are the same) and the
gradients arrive through the copies. Also: results are on the GPU with the CPU's result
types, out= on the GPU, the device errors, and the matrix norms that run on the GPU with
ops (fro, 1, -1, inf, -inf: within rounding of the CPU kernel).
(These tests skip without a GPU.)"""
import numpy as np
import pytest

import pyt

from _helpers import assert_same

pytestmark = pytest.mark.skipif(not pyt.cuda.is_available(), reason="no CUDA device")

FLOATS = [pyt.float32, pyt.float64]
TOL = {pyt.float32: dict(rtol=1e-4, atol=1e-5), pyt.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.fixture(autouse=True)
def _no_tf32():
    saved = pyt.backends.cuda.matmul.allow_tf32
    pyt.backends.cuda.matmul.allow_tf32 = False
    yield
    pyt.backends.cuda.matmul.allow_tf32 = saved


def mat(*shape, seed=0, dtype=pyt.float64, boost=2):
    """Random CPU matrices, boost added on the diagonal when square (well conditioned)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if shape[-1] == shape[-2]:
        x = x + boost * np.eye(shape[-1])
    return pyt.tensor(x).to(dtype)


def spd(x):
    return x @ x.mT + 2 * pyt.eye(x.shape[-1], dtype=x.dtype, device=x.device)


def sym(x):
    return x + x.mT


def cuda_of(x):
    if isinstance(x, pyt.Tensor):
        return x.cuda()
    if isinstance(x, (list, tuple)):
        return type(x)(cuda_of(y) for y in x)
    return x


def tensors_of(r):
    return [r] if isinstance(r, pyt.Tensor) else [t for x in r for t in tensors_of(x)]


def check(cpu, gpu, dtype):
    """Same result type, every tensor on the GPU, values as the CPU's."""
    assert type(gpu) is type(cpu), (type(gpu), type(cpu))
    for t in tensors_of(gpu):
        assert t.is_cuda
    assert_same(cpu, gpu, **TOL[dtype])


# Each: (op, inputs made from (A square batch, B tall batch), kwargs). The inputs are
# prepared on the CPU and copied, so both sides see the same bytes.
OPS = {
    "inv": (pyt.linalg.inv, lambda A, B: (A,), {}),
    "inv_ex": (pyt.linalg.inv_ex, lambda A, B: (A,), {}),
    "inverse": (pyt.inverse, lambda A, B: (A,), {}),
    "det": (pyt.linalg.det, lambda A, B: (A,), {}),
    "det_old": (pyt.det, lambda A, B: (A,), {}),
    "slogdet": (pyt.linalg.slogdet, lambda A, B: (A,), {}),
    "slogdet_old": (pyt.slogdet, lambda A, B: (A,), {}),
    "logdet": (pyt.logdet, lambda A, B: (spd(A),), {}),
    "solve": (pyt.linalg.solve, lambda A, B: (A, B[..., :3, :]), {}),
    "solve_vector": (pyt.linalg.solve, lambda A, B: (A, B[..., :3, 0]), {}),
    "solve_right": (pyt.linalg.solve, lambda A, B: (A, B[..., :3, :].mT), {"left": False}),
    "cholesky": (pyt.linalg.cholesky, lambda A, B: (spd(A),), {}),
    "cholesky_upper": (pyt.linalg.cholesky, lambda A, B: (spd(A),), {"upper": True}),
    "cholesky_ex": (pyt.linalg.cholesky_ex, lambda A, B: (spd(A),), {}),
    "cholesky_old": (pyt.cholesky, lambda A, B: (spd(A),), {}),
    "qr": (pyt.linalg.qr, lambda A, B: (B,), {}),
    "qr_complete": (pyt.linalg.qr, lambda A, B: (B,), {"mode": "complete"}),
    "qr_r": (pyt.linalg.qr, lambda A, B: (B,), {"mode": "r"}),
    "qr_old": (pyt.qr, lambda A, B: (B,), {}),
    "svd": (pyt.linalg.svd, lambda A, B: (B,), {}),
    "svd_reduced": (pyt.linalg.svd, lambda A, B: (B,), {"full_matrices": False}),
    "svd_old": (pyt.svd, lambda A, B: (B,), {}),
    "svdvals": (pyt.linalg.svdvals, lambda A, B: (B,), {}),
    "eigh": (pyt.linalg.eigh, lambda A, B: (sym(A),), {}),
    "eigvalsh": (pyt.linalg.eigvalsh, lambda A, B: (sym(A),), {"UPLO": "U"}),
    "lstsq": (pyt.linalg.lstsq, lambda A, B: (B, B[..., :1] + 1), {"driver": "gels"}),
    "pinv": (pyt.linalg.pinv, lambda A, B: (B,), {}),
    "pinverse": (pyt.pinverse, lambda A, B: (B,), {}),
    "matrix_rank": (pyt.linalg.matrix_rank, lambda A, B: (B,), {}),
    "matrix_power": (pyt.linalg.matrix_power, lambda A, B: (A, 3), {}),
    "matrix_power_0": (pyt.linalg.matrix_power, lambda A, B: (A, 0), {}),
    "matrix_power_neg": (pyt.linalg.matrix_power, lambda A, B: (A, -2), {}),
    "norm_2": (pyt.linalg.matrix_norm, lambda A, B: (B,), {"ord": 2}),
    "norm_-2": (pyt.linalg.matrix_norm, lambda A, B: (B,), {"ord": -2}),
    "norm_nuc": (pyt.linalg.matrix_norm, lambda A, B: (B,), {"ord": "nuc", "keepdim": True}),
    "norm_fro": (pyt.linalg.matrix_norm, lambda A, B: (B,), {}),
    "norm_1": (pyt.linalg.matrix_norm, lambda A, B: (B,), {"ord": 1}),
    "norm_-1": (pyt.linalg.matrix_norm, lambda A, B: (B,), {"ord": -1, "keepdim": True}),
    "norm_inf": (pyt.linalg.matrix_norm, lambda A, B: (B,), {"ord": float("inf")}),
    "norm_-inf": (pyt.linalg.matrix_norm, lambda A, B: (B,), {"ord": float("-inf")}),
    "norm_dims": (pyt.linalg.matrix_norm, lambda A, B: (B,), {"ord": 1, "dim": (2, 0)}),
    "linalg_norm_nuc": (pyt.linalg.norm, lambda A, B: (B[0],), {"ord": "nuc"}),
    "linalg_norm_2": (pyt.linalg.norm, lambda A, B: (B[0],), {"ord": 2}),
    "linalg_norm_inf": (pyt.linalg.norm, lambda A, B: (B,), {"ord": float("inf"),
                                                           "dim": (1, 2)}),
    "torch_norm_nuc": (pyt.norm, lambda A, B: (B,), {"p": "nuc"}),
    "trace": (pyt.trace, lambda A, B: (A[0],), {}),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("name", list(OPS))
def test_matches_cpu(name, dtype):
    fn, make, kwargs = OPS[name]
    args = make(mat(2, 3, 3, dtype=dtype), mat(2, 4, 3, seed=1, dtype=dtype))
    check(fn(*args, **kwargs), fn(*cuda_of(args), **kwargs), dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_unbatched_and_empty(dtype):
    a = mat(4, 4, dtype=dtype)
    check(pyt.linalg.inv(a), pyt.linalg.inv(a.cuda()), dtype)
    check(pyt.linalg.svd(a[:, :2]), pyt.linalg.svd(a[:, :2].cuda()), dtype)
    e = pyt.zeros(0, 3, 3, dtype=dtype)
    check(pyt.linalg.det(e), pyt.linalg.det(e.cuda()), dtype)
    check(pyt.linalg.eigh(e), pyt.linalg.eigh(e.cuda()), dtype)


def test_noncontiguous_inputs():
    a = mat(3, 6, 6)[:, ::2, 1::2].mT                  # strided and transposed
    check(pyt.linalg.inv(a), pyt.linalg.inv(a.cuda()), pyt.float64)
    ac = mat(3, 6, 6).cuda()[:, ::2, 1::2].mT          # made non-contiguous on the GPU
    check(pyt.linalg.inv(a), pyt.linalg.inv(ac), pyt.float64)


# ----- gradients: x.cuda().requires_grad_() ------------------------------------------------

GRADS = {
    "inv": lambda x: pyt.linalg.inv(x),
    "det": lambda x: pyt.linalg.det(x),
    "slogdet": lambda x: pyt.linalg.slogdet(x).logabsdet,
    "logdet": lambda x: pyt.logdet(spd(x)),
    "solve": lambda x: pyt.linalg.solve(x, x[..., :2] * 2 + 1),
    "cholesky": lambda x: pyt.linalg.cholesky(spd(x)),
    "qr_Q": lambda x: pyt.linalg.qr(x[..., :2]).Q,
    "qr_R": lambda x: pyt.linalg.qr(x).R,
    "svd": lambda x: (lambda U, S, Vh: (U * S.unsqueeze(-2)) @ Vh)(
        *pyt.linalg.svd(x[..., :2], full_matrices=False)),
    "svdvals": lambda x: pyt.linalg.svdvals(x),
    "eigh": lambda x: (lambda L, V: (V * L.unsqueeze(-2) * V).sum(-1))(*pyt.linalg.eigh(sym(x))),
    "eigvalsh": lambda x: pyt.linalg.eigvalsh(sym(x)),
    "pinv": lambda x: pyt.linalg.pinv(x[..., :2]),
    "lstsq": lambda x: pyt.linalg.lstsq(x[..., :2], x[..., 2:]).solution,
    "matrix_power_neg": lambda x: pyt.linalg.matrix_power(x, -2),
    "norm_2": lambda x: pyt.linalg.matrix_norm(x, 2),
    "norm_nuc": lambda x: pyt.linalg.matrix_norm(x, "nuc"),
    "norm_fro": lambda x: pyt.linalg.matrix_norm(x),
    "norm_1": lambda x: pyt.linalg.matrix_norm(x, 1),
    "norm_inf": lambda x: pyt.linalg.matrix_norm(x, float("inf")),
    "trace": lambda x: pyt.trace(x[0]),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("name", list(GRADS))
def test_gradients_match_cpu(name, dtype):
    fn = GRADS[name]
    x = mat(2, 3, 3, dtype=dtype)
    results = []
    for device in ("cpu", "cuda"):
        leaf = x.detach().to(device).requires_grad_()    # (x itself stays a constant)
        y = fn(leaf)
        w = mat(*y.shape, seed=2, dtype=dtype) if y.ndim >= 2 else \
            pyt.linspace(0.5, 1.5, y.numel(), dtype=dtype).reshape(y.shape)
        (y * w.to(device)).sum().backward()
        results.append((y.detach(), leaf.grad))
    (y_cpu, g_cpu), (y_gpu, g_gpu) = results
    assert y_gpu.is_cuda and g_gpu.is_cuda
    assert_same(y_cpu, y_gpu, **TOL[dtype])
    assert_same(g_cpu, g_gpu, rtol=TOL[dtype]["rtol"] * 10, atol=TOL[dtype]["atol"] * 10)


@pytest.mark.parametrize("name", ["inv", "det", "solve", "cholesky", "svdvals", "eigvalsh"])
def test_double_backward_matches_cpu(name):
    fn = GRADS[name]
    x = mat(2, 3, 3)
    results = []
    for device in ("cpu", "cuda"):
        leaf = x.detach().to(device).requires_grad_()    # (x itself stays a constant)
        (g,) = pyt.autograd.grad(fn(leaf).sum(), (leaf,), create_graph=True)
        (g * g).sum().backward()
        results.append((g.detach(), leaf.grad))
    assert results[1][0].is_cuda and results[1][1].is_cuda
    assert_same(results[0], results[1], rtol=1e-9, atol=1e-11)


# ----- out= -----------------------------------------------------------------------------------

def test_out_on_cuda():
    a = mat(2, 3, 3)
    out = pyt.empty(0, dtype=pyt.float64, device="cuda")
    r = pyt.linalg.inv(a.cuda(), out=out)
    assert r is out and out.is_cuda
    assert_same(pyt.linalg.inv(a), out, **TOL[pyt.float64])
    out32 = pyt.empty(5, device="cuda")                         # resized, converted
    assert pyt.linalg.det(a.cuda(), out=out32) is out32 and out32.shape == (2,)
    assert_same(pyt.linalg.det(a).float(), out32, rtol=1e-5)
    n = pyt.empty(0, dtype=pyt.float64, device="cuda")
    assert pyt.linalg.matrix_norm(a.cuda(), 1, out=n) is n            # the ops' path
    assert_same(pyt.linalg.matrix_norm(a, 1), n, **TOL[pyt.float64])
    n = pyt.empty(0, dtype=pyt.float64, device="cuda")
    assert pyt.linalg.matrix_norm(a.cuda(), "nuc", out=n) is n        # the round trip
    assert_same(pyt.linalg.matrix_norm(a, "nuc"), n, **TOL[pyt.float64])


@pytest.mark.parametrize("fn,make,dtypes", [
    (pyt.linalg.slogdet, lambda a: a, (pyt.float64, pyt.float64)),
    (pyt.linalg.qr, lambda a: a, (pyt.float64, pyt.float64)),
    (pyt.linalg.svd, lambda a: a, (pyt.float64, pyt.float64, pyt.float64)),
    (pyt.linalg.eigh, sym, (pyt.float64, pyt.float64)),
    (pyt.linalg.inv_ex, lambda a: a, (pyt.float64, pyt.int32)),
    (pyt.linalg.cholesky_ex, spd, (pyt.float64, pyt.int32)),
])
def test_tuple_out_on_cuda(fn, make, dtypes):
    a = make(mat(2, 3, 3))
    outs = tuple(pyt.empty(0, dtype=d, device="cuda") for d in dtypes)
    r = fn(a.cuda(), out=outs)
    assert type(r) is type(fn(a)) and all(x is o for x, o in zip(r, outs))
    check(fn(a), r, pyt.float64)


def test_out_on_another_device():
    a = mat(3, 3)
    with pytest.raises(RuntimeError, match="Expected out tensor to have device cuda:0, but "
                                           "got cpu instead"):
        pyt.linalg.inv(a.cuda(), out=pyt.empty(0, dtype=pyt.float64))
    with pytest.raises(RuntimeError, match="Expected out tensor to have device cpu, but got "
                                           "cuda:0 instead"):
        pyt.linalg.inv(a, out=pyt.empty(0, dtype=pyt.float64, device="cuda"))
    with pytest.raises(RuntimeError, match="Expected out tensor to have device cuda:0"):
        pyt.linalg.qr(a.cuda(), out=(pyt.empty(0, dtype=pyt.float64, device="cuda"),
                                     pyt.empty(0, dtype=pyt.float64)))
    with pytest.raises(RuntimeError, match="Expected out tensor to have device cuda:0"):
        pyt.linalg.matrix_norm(a.cuda(), out=pyt.empty(0, dtype=pyt.float64))


def test_out_refused_with_grad():
    a = mat(3, 3).cuda().requires_grad_()
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        pyt.linalg.inv(a, out=pyt.empty(0, dtype=pyt.float64, device="cuda"))


# ----- errors -----------------------------------------------------------------------------

def test_mixed_devices():
    a, b = mat(3, 3), mat(3, 2)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but "
                                           "found at least two devices, cuda:0 and cpu!"):
        pyt.linalg.solve(a.cuda(), b)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        pyt.linalg.lstsq(a, b.cuda())


def test_drivers_as_torch_on_cuda():
    """svd takes cuSOLVER's driver names on CUDA (the CPU refuses driver=); lstsq only
    'gels', its CUDA default: no rank, no singular values."""
    b = mat(2, 4, 3)
    for driver in ("gesvd", "gesvdj", "gesvda"):
        check(pyt.linalg.svd(b), pyt.linalg.svd(b.cuda(), driver=driver), pyt.float64)
        check(pyt.linalg.svdvals(b), pyt.linalg.svdvals(b.cuda(), driver=driver), pyt.float64)
    with pytest.raises(RuntimeError, match="unknown svd driver"):
        pyt.linalg.svd(b.cuda(), driver="bad")
    with pytest.raises(RuntimeError, match="only supported on CUDA inputs"):
        pyt.linalg.svd(b, driver="gesvd")
    rhs = mat(2, 4, 2, seed=1)
    r = pyt.linalg.lstsq(b.cuda(), rhs.cuda())
    check(pyt.linalg.lstsq(b, rhs, driver="gels"), r, pyt.float64)
    assert r.rank.shape == (0,) and r.singular_values.shape == (0,)
    with pytest.raises(RuntimeError, match="`driver` other than `gels` is not supported on CUDA"):
        pyt.linalg.lstsq(b.cuda(), rhs.cuda(), driver="gelsd")


def test_errors_as_on_the_cpu():
    cases = [(pyt.linalg.inv, pyt.zeros(2, 3, 3, dtype=pyt.float64)),
             (pyt.linalg.cholesky, -pyt.eye(3, dtype=pyt.float64)),
             (pyt.linalg.det, mat(3, 2)),
             (pyt.linalg.svd, pyt.ones(2, 2, dtype=pyt.int64))]
    for fn, a in cases:
        with pytest.raises(Exception) as on_cpu:
            fn(a)
        with pytest.raises(type(on_cpu.value)) as on_gpu:
            fn(a.cuda())
        assert str(on_gpu.value) == str(on_cpu.value)
