"""The host round trip that gives the LAPACK-backed linalg ops their CUDA path
(pyt/_ext/linalg_lapack.pxi: _host_round_trip and the @_via_host decorator), run here with
the CPU as the device: the copies are then no-ops, so what is checked is the plumbing:
result types (named tuples), out= (tuples too, resizing, its checks), errors passing
through, autograd through it; and the ops-based matrix norms that CUDA tensors use
(_norm_by_ops) against the CPU kernel. tests/cuda/test_linalg_cuda.py runs it all on a GPU."""
import numpy as np
import pytest

import pyt
from pyt._ext.linalg import (_host_round_trip, _inputs_device, _norm_by_ops,
    _svd_driver_on_cuda, _lstsq_driver_on_cuda)
from pyt.autograd import gradcheck, gradgradcheck

CPU = pyt.device("cpu")
f64 = pyt.float64


def mat(*shape, seed=0, dtype=f64, requires_grad=False):
    """Random matrices with 2 added on the diagonal (well conditioned when square)."""
    rng = np.random.default_rng(seed)
    x = pyt.tensor(rng.standard_normal(shape), dtype=dtype)
    if shape[-1] == shape[-2]:
        x = x + 2 * pyt.eye(shape[-1], dtype=dtype)
    return x.requires_grad_(requires_grad)


def spd(x):
    return x @ x.mT + 2 * pyt.eye(x.shape[-1], dtype=x.dtype)


def sym(x):
    return x + x.mT


def trip(fn, *args, **kwargs):
    return _host_round_trip(fn, args, kwargs, CPU)


def tensors_of(r):
    return [r] if isinstance(r, pyt.Tensor) else [t for x in r for t in tensors_of(x)]


def same(expected, actual):
    assert type(actual) is type(expected)
    e, a = tensors_of(expected), tensors_of(actual)
    assert len(e) == len(a)
    for x, y in zip(e, a):
        assert x.dtype is y.dtype and tuple(x.shape) == tuple(y.shape)
        np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())


A, B = mat(2, 3, 3), mat(2, 3, 2, seed=1)
OPS = {
    "inv": (pyt.linalg.inv, (A,), {}),
    "inv_ex": (pyt.linalg.inv_ex, (A,), {}),
    "inverse": (pyt.inverse, (A,), {}),
    "det": (pyt.linalg.det, (A,), {}),
    "slogdet": (pyt.linalg.slogdet, (A,), {}),
    "slogdet_old": (pyt.slogdet, (A,), {}),
    "logdet": (pyt.logdet, (spd(A),), {}),
    "solve": (pyt.linalg.solve, (A, B), {}),
    "solve_right": (pyt.linalg.solve, (A, B.mT), {"left": False}),
    "cholesky": (pyt.linalg.cholesky, (spd(A),), {"upper": True}),
    "cholesky_ex": (pyt.linalg.cholesky_ex, (spd(A),), {}),
    "cholesky_old": (pyt.cholesky, (spd(A),), {}),
    "qr": (pyt.linalg.qr, (B,), {}),
    "qr_complete": (pyt.linalg.qr, (B,), {"mode": "complete"}),
    "qr_old": (pyt.qr, (B,), {}),
    "svd": (pyt.linalg.svd, (B,), {"full_matrices": False}),
    "svd_old": (pyt.svd, (B,), {}),
    "svdvals": (pyt.linalg.svdvals, (B,), {}),
    "eigh": (pyt.linalg.eigh, (sym(A),), {}),
    "eigvalsh": (pyt.linalg.eigvalsh, (sym(A),), {"UPLO": "U"}),
    "lstsq": (pyt.linalg.lstsq, (B.mT @ A, B.mT), {"driver": "gelsd"}),
    "pinv": (pyt.linalg.pinv, (B,), {}),
    "pinverse": (pyt.pinverse, (B,), {}),
    "matrix_rank": (pyt.linalg.matrix_rank, (B,), {}),
    "matrix_norm_2": (pyt.linalg.matrix_norm, (B,), {"ord": 2}),
    "matrix_norm_nuc": (pyt.linalg.matrix_norm, (B,), {"ord": "nuc", "keepdim": True}),
    "matrix_power": (pyt.linalg.matrix_power, (A, -2), {}),
}


@pytest.mark.parametrize("name", list(OPS))
def test_same_result_and_type(name):
    fn, args, kwargs = OPS[name]
    same(fn(*args, **kwargs), trip(fn, *args, **kwargs))


def test_named_tuples_keep_their_type():
    assert type(trip(pyt.linalg.slogdet, A)) is pyt.return_types.linalg_slogdet
    assert type(trip(pyt.linalg.qr, B)) is pyt.return_types.linalg_qr
    assert type(trip(pyt.linalg.svd, B)) is pyt.return_types.linalg_svd
    assert type(trip(pyt.linalg.eigh, A)) is pyt.return_types.linalg_eigh
    assert type(trip(pyt.linalg.lstsq, A, B)) is pyt.return_types.linalg_lstsq
    assert type(trip(pyt.linalg.inv_ex, A)) is pyt.return_types.linalg_inv_ex
    assert type(trip(pyt.linalg.cholesky_ex, spd(A))) is pyt.return_types.linalg_cholesky_ex
    assert trip(pyt.linalg.eigh, A).eigenvectors.shape == (2, 3, 3)
    # a plain tuple stays a plain tuple, lists stay lists
    r = trip(lambda x, ys: (x, list(ys)), A, (B, B))
    assert type(r) is tuple and type(r[1]) is list and r[1][0] is B


def test_decorated_ops_keep_their_names():
    for fn in (pyt.linalg.inv, pyt.linalg.solve, pyt.linalg.svd, pyt.logdet):
        assert fn.__wrapped__.__name__ == fn.__name__
        assert fn.__doc__ == fn.__wrapped__.__doc__
    assert pyt.linalg.inv.__name__ == "inv"
    assert "inverse" in pyt.linalg.inv.__doc__


def test_out_is_written_and_returned():
    out = pyt.empty(5, dtype=f64)                      # the wrong shape: resized
    r = trip(pyt.linalg.inv, A, out=out)
    assert r is out and out.shape == (2, 3, 3)
    same(pyt.linalg.inv(A), out)
    ptr = out.data_ptr()
    assert trip(pyt.linalg.det, A[0], out=pyt.empty(0, dtype=f64)).shape == ()
    assert trip(pyt.linalg.inv, A, out=out) is out and out.data_ptr() == ptr   # reused


def test_out_in_another_dtype():
    out = pyt.empty(0, dtype=pyt.float32)            # float64 results fit a float32 out
    assert trip(pyt.linalg.inv, A, out=out) is out and out.dtype is pyt.float32
    np.testing.assert_allclose(out.numpy(), pyt.linalg.inv(A).numpy(), rtol=1e-6)


TUPLE_OUTS = {
    "slogdet": (pyt.linalg.slogdet, (A,), {}, (f64, f64)),
    "slogdet_old": (pyt.slogdet, (A,), {}, None),
    "qr": (pyt.linalg.qr, (B,), {}, (f64, f64)),
    "qr_old": (pyt.qr, (B,), {}, (f64, f64)),
    "svd": (pyt.linalg.svd, (B,), {"full_matrices": False}, (f64, f64, f64)),
    "svd_old": (pyt.svd, (B,), {}, (f64, f64, f64)),
    "eigh": (pyt.linalg.eigh, (sym(A),), {}, (f64, f64)),
    "inv_ex": (pyt.linalg.inv_ex, (A,), {}, (f64, pyt.int32)),
    "cholesky_ex": (pyt.linalg.cholesky_ex, (spd(A),), {}, (f64, pyt.int32)),
}


@pytest.mark.parametrize("name", [n for n in TUPLE_OUTS if TUPLE_OUTS[n][3]])
def test_tuple_outs(name):
    fn, args, kwargs, dtypes = TUPLE_OUTS[name]
    outs = tuple(pyt.empty(0, dtype=d) for d in dtypes)
    r = trip(fn, *args, out=outs, **kwargs)
    expected = fn(*args, **kwargs)
    assert type(r) is type(expected)
    assert all(x is o for x, o in zip(r, outs))
    same(expected, r)
    outs = [pyt.empty(7, dtype=d) for d in dtypes]             # a list works as well
    assert all(x is o for x, o in zip(trip(fn, *args, out=outs, **kwargs), outs))


def test_out_checks_come_through():
    with pytest.raises(RuntimeError, match="result type Double can't be cast to the desired "
                                           "output type Long"):
        trip(pyt.linalg.inv, A, out=pyt.empty(0, dtype=pyt.int64))
    with pytest.raises(RuntimeError, match=r"linalg_inv_ex\(\): functions with out=\.\.\. "
                                           r"arguments don't support automatic"):
        trip(pyt.linalg.inv, mat(3, 3, requires_grad=True), out=pyt.empty(0, dtype=f64))
    with pytest.raises(RuntimeError, match=r"linalg_qr\(\): functions with out="):
        trip(pyt.linalg.qr, mat(3, 2, requires_grad=True),
             out=(pyt.empty(0, dtype=f64), pyt.empty(0, dtype=f64)))


def test_out_on_another_device_is_refused():
    """The device check runs before anything is copied, so a CPU out against a CUDA
    device object shows it without a GPU."""
    cuda0 = pyt.device("cuda", 0)
    with pytest.raises(RuntimeError, match="Expected out tensor to have device cuda:0, but "
                                           "got cpu instead"):
        _host_round_trip(pyt.linalg.inv, (A,), {"out": pyt.empty(0, dtype=f64)}, cuda0)
    with pytest.raises(RuntimeError, match="Expected out tensor to have device cuda:0"):
        _host_round_trip(pyt.linalg.qr, (B,), {"out": (pyt.empty(0, dtype=f64),
                                                      pyt.empty(0, dtype=f64))}, cuda0)


def test_inputs_device():
    assert _inputs_device((A, [B, 3], None), {"left": True, "out": A}) == CPU
    assert _inputs_device((), {}) == CPU


def test_driver_arguments_on_cuda():
    """torch's CUDA svd takes cuSOLVER's driver names (the host computes with gesdd), and
    its CUDA lstsq only 'gels', its default there."""
    for driver in (None, "gesvd", "gesvdj", "gesvda"):
        kwargs = {"driver": driver, "out": None}
        _svd_driver_on_cuda(kwargs)
        assert kwargs == {"out": None}
    with pytest.raises(RuntimeError, match="torch.linalg.svd: unknown svd driver gesdd"):
        _svd_driver_on_cuda({"driver": "gesdd"})
    for driver in (None, "gels"):
        kwargs = {"driver": driver}
        _lstsq_driver_on_cuda(kwargs)
        assert kwargs == {"driver": "gels"}
    kwargs = {}
    _lstsq_driver_on_cuda(kwargs)
    assert kwargs == {"driver": "gels"}
    with pytest.raises(RuntimeError, match="torch.linalg.lstsq: `driver` other than `gels` "
                                           "is not supported on CUDA"):
        _lstsq_driver_on_cuda({"driver": "gelsd"})
    # what the host then computes: gels fills no rank and no singular values
    r = trip(pyt.linalg.lstsq, mat(4, 3), mat(4, 2, seed=1), driver="gels")
    assert r.rank.shape == (0,) and r.singular_values.shape == (0,) and r.residuals.shape == (2,)


ERRORS = {
    "singular": (pyt.linalg.inv, (pyt.zeros(2, 3, 3, dtype=f64),)),
    "singular_solve": (pyt.linalg.solve, (pyt.ones(3, 3, dtype=f64), pyt.ones(3, dtype=f64))),
    "not_pd": (pyt.linalg.cholesky, (-pyt.eye(3, dtype=f64),)),
    "not_square": (pyt.linalg.det, (B,)),
    "integer": (pyt.linalg.svd, (pyt.ones(2, 2, dtype=pyt.int64),)),
    "half": (pyt.linalg.eigh, (pyt.ones(2, 2, dtype=pyt.float16),)),
    "one_dim": (pyt.linalg.qr, (pyt.ones(3, dtype=f64),)),
    "shapes": (pyt.linalg.solve, (A, mat(4, 2))),
    "bad_uplo": (pyt.linalg.eigh, (A, "X")),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_come_through_unchanged(name):
    fn, args = ERRORS[name]
    with pytest.raises(Exception) as direct:
        fn(*args)
    with pytest.raises(type(direct.value)) as through:
        trip(fn, *args)
    assert str(through.value) == str(direct.value)


# ----- autograd through the round trip --------------------------------------------------------

GRADS = {
    "inv": (lambda x: trip(pyt.linalg.inv, x), (2, 3, 3)),
    "det": (lambda x: trip(pyt.linalg.det, x), (3, 3)),
    "slogdet": (lambda x: trip(pyt.linalg.slogdet, x).logabsdet, (2, 2, 2)),
    "solve": (lambda x: trip(pyt.linalg.solve, x, x[..., :2] * 2 + 1), (3, 3)),
    "cholesky": (lambda x: trip(pyt.linalg.cholesky, spd(x)), (3, 3)),
    "qr": (lambda x: tuple(trip(pyt.linalg.qr, x[..., :2])), (3, 3)),
    "svd": (lambda x: (lambda U, S, Vh: (U * S.unsqueeze(-2)) @ Vh)(
        *trip(pyt.linalg.svd, x[..., :2], full_matrices=False)), (3, 3)),
    "eigh": (lambda x: (lambda L, V: (V * L.unsqueeze(-2) * V).sum(-1))(
        *trip(pyt.linalg.eigh, sym(x))), (2, 2, 2)),
    "eigvalsh": (lambda x: trip(pyt.linalg.eigvalsh, sym(x)), (3, 3)),
    "pinv": (lambda x: trip(pyt.linalg.pinv, x[..., :2]), (3, 3)),
    "matrix_norm_2": (lambda x: trip(pyt.linalg.matrix_norm, x, 2), (3, 3)),
}


@pytest.mark.parametrize("name", list(GRADS))
def test_gradients_through_the_round_trip(name):
    fn, shape = GRADS[name]
    x = mat(*shape, seed=3, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_solve_gradients_reach_both_inputs():
    a, b = mat(3, 3, requires_grad=True), mat(3, 2, seed=1, requires_grad=True)
    assert gradcheck(lambda x, y: trip(pyt.linalg.solve, x, y), (a, b))
    assert gradgradcheck(lambda x, y: trip(pyt.linalg.solve, x, y), (a, b))


def test_lstsq_gradients_through_the_round_trip():
    a, b = mat(4, 3, requires_grad=True), mat(4, 2, seed=1, requires_grad=True)
    assert gradcheck(lambda x, y: trip(pyt.linalg.lstsq, x, y).solution, (a, b))


# ----- the matrix norms that CUDA tensors compute with ops --------------------------------------

NORM_ORDS = ["fro", 1, -1, float("inf"), float("-inf")]
NORM_CASES = [((3, 4), (0, 1)), ((3, 4), (1, 0)), ((2, 3, 4), (1, 2)), ((2, 3, 4), (2, 0)),
              ((3, 2, 4), (0, 2))]


def ties(shape, seed=0, dtype=f64):
    """Halves in [-3, 3]: many equal row and column sums."""
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.integers(-6, 7, shape) / 2.0, dtype=dtype)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("case", NORM_CASES, ids=str)
@pytest.mark.parametrize("ord", NORM_ORDS, ids=str)
def test_norm_by_ops_matches_the_kernel(ord, case, keepdim):
    shape, (d0, d1) = case
    for dtype, rtol in ((f64, 1e-12), (pyt.float32, 1e-6)):
        x = ties(shape, dtype=dtype).requires_grad_()
        y = x.detach().clone().requires_grad_()
        expected = pyt.linalg.matrix_norm(x, ord, (d0, d1), keepdim)
        actual = _norm_by_ops(y, ord, d0, d1, keepdim)
        assert actual.dtype is dtype and actual.shape == expected.shape
        np.testing.assert_allclose(actual.detach().numpy(), expected.detach().numpy(),
                                   rtol=rtol)
        w = ties(expected.shape, seed=1, dtype=dtype)
        (expected * w).sum().backward()
        (actual * w).sum().backward()
        np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("ord", NORM_ORDS, ids=str)
def test_norm_by_ops_gradcheck(ord):
    x = mat(2, 3, 4, seed=5, requires_grad=True)
    assert gradcheck(lambda t: _norm_by_ops(t, ord, 1, 2, False), (x,))


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (2, 0, 3), (2, 3, 0)], ids=str)
@pytest.mark.parametrize("ord", NORM_ORDS, ids=str)
def test_norm_by_ops_empty(ord, shape):
    x = pyt.ones(*shape, dtype=pyt.float32)
    for keepdim in (False, True):
        expected = pyt.linalg.matrix_norm(x, ord, keepdim=keepdim)
        actual = _norm_by_ops(x, ord, x.ndim - 2, x.ndim - 1, keepdim)
        same(expected, actual)


def test_norm_by_ops_half():
    x = ties((3, 4), dtype=pyt.float16)
    for ord in NORM_ORDS:
        r = _norm_by_ops(x, ord, 0, 1, False)
        assert r.dtype is pyt.float16
        np.testing.assert_allclose(r.float().numpy(),
                                   pyt.linalg.matrix_norm(x, ord).float().numpy(), rtol=1e-3)
