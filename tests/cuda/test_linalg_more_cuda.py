"""The ops of pyt/_linalg_lu.py on CUDA tensors against pyt's CPU results: the LAPACK ones
go through the host (same bytes in, so results equal the CPU's), the compositions run as
CUDA ops (within rounding). (These tests skip without a GPU.)"""
import pytest

import pyt

from _helpers import assert_same
# the shared pieces of the first linalg GPU file (its autouse fixture keeps TF32 off here too)
from test_linalg_cuda import FLOATS, TOL, _no_tf32, cuda_of, tensors_of  # noqa: F401
from test_linalg_cuda import mat as _mat

pytestmark = pytest.mark.skipif(not pyt.cuda.is_available(), reason="no CUDA device")


def mat(*shape, seed=0, dtype=pyt.float64):
    return _mat(*shape, seed=seed, dtype=dtype, boost=3)


def lu_of(A):
    return tuple(pyt.linalg.lu_factor(A))


OPS = {
    "solve_triangular": (pyt.linalg.solve_triangular, lambda A, B: (A, B), {"upper": True}),
    "solve_triangular_right": (pyt.linalg.solve_triangular, lambda A, B: (A, B.mT),
                               {"upper": False, "left": False, "unitriangular": True}),
    "triangular_solve": (pyt.triangular_solve, lambda A, B: (B, A), {"transpose": True}),
    "lu_factor": (pyt.linalg.lu_factor, lambda A, B: (A,), {}),
    "lu_factor_ex": (pyt.linalg.lu_factor_ex, lambda A, B: (B,), {}),
    "lu": (pyt.linalg.lu, lambda A, B: (B.mT,), {}),
    "lu_unpack": (pyt.lu_unpack, lambda A, B: lu_of(A), {}),
    "lu_solve": (pyt.linalg.lu_solve, lambda A, B: lu_of(A) + (B,), {}),
    "lu_solve_adjoint": (pyt.linalg.lu_solve, lambda A, B: lu_of(A) + (B,), {"adjoint": True}),
    "cholesky_solve": (pyt.cholesky_solve, lambda A, B: (B, A.tril()), {}),
    "cholesky_inverse": (pyt.cholesky_inverse, lambda A, B: (A.triu(),), {"upper": True}),
    "solve_ex": (pyt.linalg.solve_ex, lambda A, B: (A, B), {}),
    "cond": (pyt.linalg.cond, lambda A, B: (A,), {}),
    "cond_fro": (pyt.linalg.cond, lambda A, B: (A, "fro"), {}),
    "matrix_exp": (pyt.linalg.matrix_exp, lambda A, B: (A,), {}),
    "vecdot": (pyt.linalg.vecdot, lambda A, B: (A, A.mT), {}),
    "cross": (pyt.linalg.cross, lambda A, B: (A, A.mT), {}),
    "vander": (pyt.linalg.vander, lambda A, B: (A[0, 0],), {}),
    "householder_product": (pyt.linalg.householder_product,
                            lambda A, B: tuple(pyt.geqrf(B)), {}),
    "geqrf": (pyt.geqrf, lambda A, B: (B,), {}),
    "tensorinv": (pyt.linalg.tensorinv, lambda A, B: (A[0],), {"ind": 1}),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("name", list(OPS))
def test_matches_cpu(name, dtype):
    fn, make, kwargs = OPS[name]
    args = make(mat(2, 3, 3, dtype=dtype), mat(2, 3, 2, seed=1, dtype=dtype))
    cpu = fn(*args, **kwargs)
    gpu = fn(*cuda_of(args), **kwargs)
    assert type(gpu) is type(cpu)
    for t in tensors_of(gpu):
        assert t.is_cuda
    assert_same(cpu, gpu, **TOL[dtype])


def test_gradients_reach_the_device():
    a = mat(2, 3, 3)
    b = mat(2, 3, 2, seed=1)
    ga, gb = a.cuda().requires_grad_(), b.cuda().requires_grad_()
    pyt.linalg.solve_triangular(ga, gb, upper=True).sum().backward()
    ca, cb = a.clone().requires_grad_(), b.clone().requires_grad_()
    pyt.linalg.solve_triangular(ca, cb, upper=True).sum().backward()
    assert ga.grad.is_cuda and gb.grad.is_cuda
    assert_same(ca.grad, ga.grad, **TOL[pyt.float64])
    assert_same(cb.grad, gb.grad, **TOL[pyt.float64])
