"""Linear algebra: products (every matmul rank combination, batching, layouts, dtypes),
contractions (einsum, tensordot, kron, ...) and LAPACK decompositions, against NumPy and
SciPy; error types and messages against torch where it is installed."""
import numpy as np
import pytest

import pyt
from conftest import ALL_DTYPES, to_numpy, sample, make

INT_DTYPES = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]


def rand(*shape, dtype=pyt.float64, seed=0):
    rng = np.random.default_rng(seed)
    return pyt.tensor(rng.standard_normal(shape), dtype=dtype)


def close(r, expected, dtype=pyt.float64):
    tol = {pyt.float64: 1e-10, pyt.float32: 2e-4, pyt.float16: 2e-2,
           pyt.bfloat16: 1e-1}[dtype]
    r = to_numpy(r) if isinstance(r, pyt.Tensor) else np.asarray(r)
    np.testing.assert_allclose(r.astype(np.float64), np.asarray(expected, np.float64),
                               rtol=tol, atol=tol * 10)


# ----- matmul: every rank combination ---------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((2, 1, 2, 3), (1, 3, 3, 4)),
    ((1, 2, 3), (5, 3, 4)), ((4, 1, 2, 3), (3,)), ((3,), (2, 2, 3, 4)), ((1, 3), (3, 1)),
    ((3, 1), (1, 3)), ((2, 1, 3), (3, 1)), ((6, 1, 1, 2, 3), (1, 4, 3, 1)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_matmul_ranks(sa, sb, dtype):
    a, b = rand(*sa, dtype=dtype, seed=1), rand(*sb, dtype=dtype, seed=2)
    r = pyt.matmul(a, b)
    expected = np.matmul(to_numpy(a).astype(np.float64), to_numpy(b).astype(np.float64))
    assert r.dtype is dtype and r.shape == expected.shape
    assert r.is_contiguous()
    close(r, expected, dtype)
    close(a @ b, expected, dtype)
    close(a.matmul(b), expected, dtype)


def test_matmul_noncontiguous_operands():
    a, b = rand(6, 8, seed=1), rand(9, 10, seed=2)
    na, nb = to_numpy(a), to_numpy(b)
    close(a.t() @ rand(6, 4), na.T @ to_numpy(rand(6, 4)))
    close(a[::2, 1::3] @ b[1::3, ::4].t()[:3], na[::2, 1::3] @ to_numpy(b)[1::3, ::4].T[:3])
    close(a[:, :5].t() @ a[:, 2:7], na[:, :5].T @ na[:, 2:7])
    x = rand(4, 5, 3, seed=3)
    nx = to_numpy(x)
    close(x.permute(1, 0, 2) @ rand(3, 2, seed=4), nx.transpose(1, 0, 2) @ to_numpy(rand(3, 2, seed=4)))
    close(x.transpose(1, 2) @ x, nx.transpose(0, 2, 1) @ nx)
    close(x @ x.transpose(1, 2), nx @ nx.transpose(0, 2, 1))
    close(x.permute(2, 1, 0) @ rand(4, 2, seed=5), nx.transpose(2, 1, 0) @ to_numpy(rand(4, 2, seed=5)))
    # expanded (stride 0) operands, inside the matrix and along the batch
    col = rand(5, 1, seed=6)
    close(col.expand(5, 3).t() @ rand(5, 2), to_numpy(col).repeat(3, 1).T @ to_numpy(rand(5, 2)))
    w = rand(3, 4, seed=7)
    close(x @ w.expand(4, 3, 4), nx @ to_numpy(w))
    # vectors with steps
    v = rand(10, seed=8)
    close(rand(4, 5) @ v[::2], to_numpy(rand(4, 5)) @ to_numpy(v)[::2])
    close(v[1::2] @ rand(5, 3), to_numpy(v)[1::2] @ to_numpy(rand(5, 3)))
    close(v[::2] @ v[1::2], to_numpy(v)[::2] @ to_numpy(v)[1::2])


@pytest.mark.parametrize("threads", [1, 2])
def test_batched_products_threaded_or_not(threads):
    # batches of small products run one BLAS call per thread: same results as a loop
    n = pyt.get_num_threads()
    x, y = rand(64, 32, 24, dtype=pyt.float32), rand(64, 24, 40, dtype=pyt.float32, seed=1)
    w = rand(5, 64, 40, 24, seed=2)
    try:
        pyt.set_num_threads(threads)
        close(pyt.bmm(x, y), to_numpy(x).astype(np.float64) @ to_numpy(y), pyt.float32)
        close(x.transpose(1, 2).transpose(1, 2) @ y.permute(0, 2, 1).transpose(1, 2),
              to_numpy(x).astype(np.float64) @ to_numpy(y), pyt.float32)
        close(w @ w.transpose(-1, -2)[:, :1], to_numpy(w) @ np.swapaxes(to_numpy(w), -1, -2)[:, :1])
        close(pyt.baddbmm(pyt.ones(32, 40), x, y, beta=2), 2 + to_numpy(x).astype(np.float64) @ to_numpy(y),
              pyt.float32)
    finally:
        pyt.set_num_threads(n)


def test_transposed_operands_are_not_copied():
    # BLAS reads a transposed view as 'T': the only large allocation is the result
    from pyt._ext import allocator

    def large_allocations(fn):
        stats = allocator.cache_stats()
        before = stats["hits"] + stats["misses"]
        r = fn()
        stats = allocator.cache_stats()
        return stats["hits"] + stats["misses"] - before, r

    a, b = pyt.ones(512, 1024), pyt.ones(512, 1024)
    count, r = large_allocations(lambda: a.t() @ b)
    assert count == 1 and r.shape == (1024, 1024) and float(r[3, 5]) == 512
    count, r = large_allocations(lambda: a @ b.t())
    assert count == 1 and r.shape == (512, 512)
    x = pyt.ones(4, 256, 512)
    count, r = large_allocations(lambda: x.transpose(1, 2) @ x)
    assert count == 1 and r.shape == (4, 512, 512)
    count, r = large_allocations(lambda: pyt.addmm(pyt.zeros(1024), a.t(), b))
    assert count == 1


def test_matmul_folds_batch_into_rows():
    # (N, L, k) @ (k, n) runs as one (N*L, k) product, also from a sliced batch
    x = rand(6, 7, 5, seed=1)
    w = rand(5, 3, seed=2)
    close(x @ w, to_numpy(x) @ to_numpy(w))
    close(x[::2] @ w, to_numpy(x)[::2] @ to_numpy(w))
    close(x[:, 1:] @ w, to_numpy(x)[:, 1:] @ to_numpy(w))
    close(x @ rand(5, seed=3), to_numpy(x) @ to_numpy(rand(5, seed=3)))


@pytest.mark.parametrize("sa,sb", [((0, 3), (3, 4)), ((2, 3), (3, 0)), ((0, 2, 3), (3, 4)),
                                   ((2, 0, 3), (2, 3, 4)), ((0,), (0,)), ((3, 0), (0,))])
def test_matmul_zero_size(sa, sb):
    a, b = pyt.ones(*sa), pyt.ones(*sb)
    r = a @ b
    assert r.shape == np.matmul(np.ones(sa), np.ones(sb)).shape
    np.testing.assert_array_equal(r.numpy(), np.matmul(np.ones(sa), np.ones(sb)))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.float16, pyt.int32])
def test_zero_inner_dim_gives_zeros(dtype):
    r = pyt.ones(2, 0, dtype=dtype) @ pyt.ones(0, 4, dtype=dtype)
    assert r.shape == (2, 4) and r.dtype is dtype
    assert (to_numpy(r) == 0).all()
    r = pyt.bmm(pyt.ones(3, 2, 0, dtype=dtype), pyt.ones(3, 0, 4, dtype=dtype))
    assert r.shape == (3, 2, 4) and (to_numpy(r) == 0).all()
    r = pyt.addmm(pyt.full((2, 4), 3, dtype=dtype), pyt.ones(2, 0, dtype=dtype),
                  pyt.ones(0, 4, dtype=dtype), beta=2)
    assert (to_numpy(r) == 6).all()


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_matmul(dtype):
    a, b = make((7, 33), dtype, 1), make((33, 5), dtype, 2)
    expected = (to_numpy(a).astype(np.int64) @ to_numpy(b).astype(np.int64)).astype(dtype.numpy_dtype)
    r = a @ b
    assert r.dtype is dtype
    np.testing.assert_array_equal(r.numpy(), expected)      # wraps like torch
    x, y = make((3, 4, 6), dtype, 3), make((6, 2), dtype, 4)
    np.testing.assert_array_equal(
        (x.transpose(1, 2).transpose(1, 2) @ y).numpy(),
        (to_numpy(x).astype(np.int64) @ to_numpy(y).astype(np.int64)).astype(dtype.numpy_dtype))
    np.testing.assert_array_equal((a[::2] @ b.t().t()).numpy(),
                                  (to_numpy(a)[::2].astype(np.int64) @ to_numpy(b).astype(np.int64)).astype(dtype.numpy_dtype))
    v = make((33,), dtype, 5)
    assert int(pyt.dot(v, v)) == np.int64(to_numpy(v).astype(np.int64) @ to_numpy(v).astype(np.int64)).astype(dtype.numpy_dtype)


def test_integer_matmul_large_parallel():
    # above the grain the int kernel splits rows over threads: same result
    a, b = make((200, 300), pyt.int64, 1), make((300, 150), pyt.int64, 2)
    np.testing.assert_array_equal((a @ b).numpy(), to_numpy(a) @ to_numpy(b))
    c = make((4, 130, 70), pyt.int32, 3)
    np.testing.assert_array_equal(pyt.bmm(c, c.transpose(1, 2)).numpy(),
                                  (to_numpy(c).astype(np.int64) @ to_numpy(c).astype(np.int64).transpose(0, 2, 1)).astype(np.int32))


@pytest.mark.parametrize("dtype", [pyt.float16, pyt.bfloat16])
def test_low_precision_matmul(dtype):
    a, b = rand(5, 64, dtype=dtype, seed=1), rand(64, 3, dtype=dtype, seed=2)
    expected = to_numpy(a).astype(np.float32) @ to_numpy(b).astype(np.float32)
    r = a @ b
    assert r.dtype is dtype
    close(r, expected, dtype)
    close(pyt.bmm(a.unsqueeze(0), b.unsqueeze(0))[0], expected, dtype)
    close(pyt.addmm(rand(3, dtype=dtype), a, b, beta=0.5, alpha=2),
          0.5 * to_numpy(rand(3, dtype=dtype)) + 2 * expected, dtype)


def test_bool_matmul_not_implemented():
    a = pyt.ones(2, 2, dtype=pyt.bool)
    with pytest.raises(RuntimeError, match="not implemented for 'Bool'"):
        a @ a
    with pytest.raises(RuntimeError, match="\"dot\" not implemented for 'Bool'"):
        pyt.dot(a[0], a[0])


def test_matmul_large_matches_numpy():
    a, b = rand(130, 257, dtype=pyt.float32), rand(257, 70, dtype=pyt.float32, seed=1)
    close(a @ b, to_numpy(a).astype(np.float64) @ to_numpy(b).astype(np.float64), pyt.float32)


# ----- mm, bmm, mv, dot, addmm and friends ----------------------------------------------

def test_mm_bmm_mv_dot():
    a, b = rand(3, 4), rand(4, 5)
    close(pyt.mm(a, b), to_numpy(a) @ to_numpy(b))
    close(a.mm(b), to_numpy(a) @ to_numpy(b))
    x, y = rand(6, 3, 4), rand(6, 4, 2)
    close(pyt.bmm(x, y), to_numpy(x) @ to_numpy(y))
    close(x.bmm(y), to_numpy(x) @ to_numpy(y))
    v = rand(4)
    close(pyt.mv(a, v), to_numpy(a) @ to_numpy(v))
    close(a.mv(v), to_numpy(a) @ to_numpy(v))
    r = pyt.dot(v, v)
    assert r.shape == () and r.dtype is pyt.float64
    close(r, to_numpy(v) @ to_numpy(v))
    close(pyt.vdot(v, v), to_numpy(v) @ to_numpy(v))
    close(v.dot(v), to_numpy(v) @ to_numpy(v))


def test_addmm_family():
    c, a, b = rand(4), rand(3, 5, seed=1), rand(5, 4, seed=2)
    na, nb, nc = to_numpy(a), to_numpy(b), to_numpy(c)
    close(pyt.addmm(c, a, b), nc + na @ nb)
    close(pyt.addmm(c, a, b, beta=0.5, alpha=-2), 0.5 * nc - 2 * na @ nb)
    close(pyt.addmm(c.unsqueeze(1)[:1], a, b, beta=3), 3 * nc[:1, None] + na @ nb)
    close(c.expand(3, 4).addmm(a, b), nc + na @ nb)
    s = pyt.zeros(3, 4, dtype=pyt.float64)
    assert s.addmm_(a, b, alpha=2) is s
    close(s, 2 * na @ nb)
    m, v, i = rand(3, 5), rand(5), rand(3)
    close(pyt.addmv(i, m, v, beta=2, alpha=0.5), 2 * to_numpy(i) + 0.5 * to_numpy(m) @ to_numpy(v))
    close(pyt.addmv(pyt.tensor(1.0, dtype=pyt.float64), m, v), 1 + to_numpy(m) @ to_numpy(v))
    b1, b2, inp = rand(4, 3, 5), rand(4, 5, 2), rand(3, 2)
    nb1, nb2 = to_numpy(b1), to_numpy(b2)
    close(pyt.baddbmm(inp, b1, b2, beta=0.5, alpha=2), 0.5 * to_numpy(inp) + 2 * (nb1 @ nb2))
    close(pyt.addbmm(inp, b1, b2, beta=0.5, alpha=2), 0.5 * to_numpy(inp) + 2 * (nb1 @ nb2).sum(0))
    close(pyt.addbmm(inp, b1.transpose(1, 2).transpose(1, 2), b2), to_numpy(inp) + (nb1 @ nb2).sum(0))
    t = pyt.zeros(4, 3, 2, dtype=pyt.float64)
    t.baddbmm_(b1, b2)
    close(t, nb1 @ nb2)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64, pyt.float16, pyt.int64])
def test_beta_zero_ignores_nan_in_input(dtype):
    if dtype is pyt.int64:
        inp = pyt.full((2, 3), 7, dtype=dtype)
    else:
        inp = pyt.full((2, 3), float("nan"), dtype=dtype)
    a, b = pyt.ones(2, 4, dtype=dtype), pyt.ones(4, 3, dtype=dtype)
    r = pyt.addmm(inp, a, b, beta=0)
    assert (to_numpy(r) == 4).all()
    r = pyt.baddbmm(inp.unsqueeze(0), a.unsqueeze(0), b.unsqueeze(0), beta=0, alpha=2)
    assert (to_numpy(r) == 8).all()
    r = pyt.addmv(inp[:, 0], a, b[:, 0], beta=0)
    assert (to_numpy(r) == 4).all()


def test_integer_addmm_truncates_scalars():
    c = pyt.ones(3, dtype=pyt.int64)
    a, b = pyt.ones(2, 3, dtype=pyt.int64), pyt.ones(3, 3, dtype=pyt.int64)
    assert pyt.addmm(c, a, b, beta=0.5).tolist() == [[3] * 3] * 2      # beta -> 0
    assert pyt.addmm(c, a, b, alpha=1.5).tolist() == [[4] * 3] * 2     # alpha -> 1
    assert pyt.addmm(c, a, b, beta=2, alpha=3).tolist() == [[11] * 3] * 2


def test_outer_inner():
    a, b = rand(3), rand(4, seed=1)
    close(pyt.outer(a, b), np.outer(to_numpy(a), to_numpy(b)))
    close(pyt.ger(a, b), np.outer(to_numpy(a), to_numpy(b)))
    close(a.outer(b), np.outer(to_numpy(a), to_numpy(b)))
    r = pyt.outer(pyt.arange(3), pyt.ones(2))                 # promotes like mul
    assert r.dtype is pyt.float32
    x, y = rand(2, 3, 4), rand(5, 4, seed=2)
    close(pyt.inner(x, y), np.inner(to_numpy(x), to_numpy(y)))
    close(x.inner(y), np.inner(to_numpy(x), to_numpy(y)))
    close(pyt.inner(x, pyt.tensor(2.0, dtype=pyt.float64)), 2 * to_numpy(x))
    close(pyt.inner(a, a), np.inner(to_numpy(a), to_numpy(a)))


def test_out_argument():
    a, b = rand(3, 4), rand(4, 2)
    out = pyt.empty(0, dtype=pyt.float64)
    r = pyt.matmul(a, b, out=out)
    assert r is out and out.shape == (3, 2)
    close(out, to_numpy(a) @ to_numpy(b))
    out2 = pyt.empty(3, 2, dtype=pyt.float64)
    pyt.mm(a, b, out=out2)
    close(out2, to_numpy(a) @ to_numpy(b))
    out3 = pyt.empty(3, 2, dtype=pyt.float64)
    pyt.addmm(pyt.ones(2, dtype=pyt.float64), a, b, out=out3)
    close(out3, 1 + to_numpy(a) @ to_numpy(b))


def test_rmatmul_and_operand_types():
    a = rand(2, 2)
    assert a.__matmul__([[1.0, 0.0], [0.0, 1.0]]) is NotImplemented
    with pytest.raises(TypeError):
        a @ 2
    with pytest.raises(TypeError, match="must be Tensor"):
        pyt.mm([[1.0]], a)
    b = a                     # a @= b rebinds (torch has no in-place matmul)
    b @= a
    assert b is not a


# ----- error messages like torch --------------------------------------------------------

ERRORS = [
    (lambda: pyt.mm(pyt.ones(2, 3), pyt.ones(4, 5)),
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    (lambda: pyt.mm(pyt.ones(2, 3), pyt.ones(3, 4, dtype=pyt.float64)),
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda: pyt.ones(2, 3, dtype=pyt.int64) @ pyt.ones(3, 4),
     "expected m1 and m2 to have the same dtype, but got: long int != float"),
    (lambda: pyt.matmul(pyt.ones(3), pyt.ones(4)),
     "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
     "elements, but got 3 and 4 elements respectively"),
    (lambda: pyt.matmul(pyt.ones(3), pyt.ones(3, dtype=pyt.float64)),
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda: pyt.mv(pyt.ones(2, 3), pyt.ones(4)), "size mismatch, got input (2), mat (2x3), vec (4)"),
    (lambda: pyt.bmm(pyt.ones(2, 2, 3), pyt.ones(3, 2, 3)),
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 2]."),
    (lambda: pyt.bmm(pyt.ones(2, 3), pyt.ones(2, 3)), "batch1 must be a 3D tensor"),
    (lambda: pyt.mm(pyt.ones(3), pyt.ones(3)), "self must be a matrix"),
    (lambda: pyt.matmul(pyt.ones(()), pyt.ones(3)),
     "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    (lambda: pyt.matmul(pyt.ones(2, 5, 3), pyt.ones(3, 3, 4)),
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
    (lambda: pyt.matmul(pyt.ones(2, 5, 3), pyt.ones(2, 4, 4)),
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4]."),
    (lambda: pyt.matmul(pyt.ones(2, 5, 3), pyt.ones(4, 4)),
     "mat1 and mat2 shapes cannot be multiplied (10x3 and 4x4)"),
    (lambda: pyt.matmul(pyt.ones(5, 2, 3), pyt.ones(4)),
     "size mismatch, got input (10), mat (10x3), vec (4)"),
    (lambda: pyt.matmul(pyt.ones(2, 5, 3), pyt.ones(2, 3, 4, dtype=pyt.float64)),
     "expected scalar type Float but found Double"),
    (lambda: pyt.addmm(pyt.ones(4), pyt.ones(2, 3), pyt.ones(3, 3)),
     "The expanded size of the tensor (3) must match the existing size (4) at non-singleton "
     "dimension 1.  Target sizes: [2, 3].  Tensor sizes: [4]"),
    (lambda: pyt.addmm(pyt.ones(3, dtype=pyt.float64), pyt.ones(2, 3), pyt.ones(3, 3)),
     "self and mat2 must have the same dtype, but got Double and Float"),
    (lambda: pyt.addmm(pyt.ones(3), pyt.ones(3), pyt.ones(3, 3)), "mat1 must be a matrix, got 1-D tensor"),
    (lambda: pyt.addbmm(pyt.ones(2, 2), pyt.ones(4, 2, 3), pyt.ones(3, 3, 2)),
     "batch1 and batch2 must have same number of batches, got 4 and 3"),
    (lambda: pyt.baddbmm(pyt.ones(3, 2), pyt.ones(4, 2, 3), pyt.ones(4, 3, 2)),
     "The expanded size of the tensor (2) must match the existing size (3) at non-singleton "
     "dimension 1.  Target sizes: [4, 2, 2].  Tensor sizes: [3, 2]"),
    (lambda: pyt.dot(pyt.ones(2, 3), pyt.ones(4)), "1D tensors expected, but got 2D and 1D tensors"),
    (lambda: pyt.outer(pyt.ones(2, 3), pyt.ones(2)), "outer: Expected 1-D argument self, but got 2-D"),
    (lambda: pyt.inner(pyt.ones(2, 3), pyt.ones(4, 2)),
     "inner() the last dimension must match on both input tensors but got shapes [2, 3] and [4, 2]"),
    (lambda: pyt.tensordot(pyt.ones(2, 3), pyt.ones(4, 2), ([1], [0])),
     "contracted dimensions need to match, but first has size 3 in dim 1 and second has size 4 in dim 0"),
    (lambda: pyt.tensordot(pyt.ones(2, 3, 4), pyt.ones(3, 4, 5), 4),
     "tensordot expects dims < ndim_a or ndim_b, but got dims=4"),
    (lambda: pyt.tensordot(pyt.ones(2, 3), pyt.ones(3, 2, dtype=pyt.float64), 1),
     "both inputs should have same dtype"),
    (lambda: pyt.trace(pyt.ones(3)), "trace: expected a matrix, but got tensor with dim 1"),
    (lambda: pyt.diag(pyt.ones(3, 3, 3)), "diag(): Supports 1D or 2D tensors. Got 3D"),
    (lambda: pyt.linalg.multi_dot([pyt.ones(3)]), "multi_dot(): expected at least 2 tensors but got 1"),
    (lambda: pyt.linalg.multi_dot([pyt.ones(2, 3), pyt.ones(3), pyt.ones(2)]),
     "multi_dot(): tensor 1 must be 2D but got 1D"),
    (lambda: pyt.linalg.multi_dot([pyt.ones(2, 3), pyt.ones(4, 2)]),
     "multi_dot(): tensors 0 and 1 with shapes [2, 3] and [4, 2] cannot be multiplied"),
    (lambda: pyt.einsum("i,i->", pyt.ones(3), pyt.ones(4)),
     "einsum(): subscript i has size 4 for operand 1 which does not broadcast with previously seen size 3"),
    (lambda: pyt.einsum("ij->k", pyt.ones(3, 3)),
     "einsum(): output subscript k does not appear in the equation for any input operand"),
    (lambda: pyt.einsum("ij,jk->ik", pyt.ones(3, 3)),
     "einsum(): fewer operands were provided than specified in the equation"),
    (lambda: pyt.einsum("ii->i", pyt.ones(3, 4)),
     "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 4 != 3"),
    (lambda: pyt.einsum("ij->jj", pyt.ones(3, 3)),
     "einsum(): output subscript j appears more than once in the output"),
    (lambda: pyt.einsum("ij", pyt.ones(3, 3, 3)),
     "einsum(): the number of subscripts in the equation (2) does not match the number of "
     "dimensions (3) for operand 0 and no ellipsis was given"),
    (lambda: pyt.einsum("ij,jk", pyt.ones(2, 2), pyt.ones(2, 2, dtype=pyt.float64)),
     "expected scalar type Float but found Double"),
    (lambda: pyt.linalg.inv(pyt.ones(3, 3)),
     "linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because "
     "the input matrix is singular."),
    (lambda: pyt.linalg.inv(pyt.zeros(2, 3, 3)),
     "linalg.inv: (Batch element 0): The diagonal element 1 is zero, the inversion could not be "
     "completed because the input matrix is singular."),
    (lambda: pyt.linalg.inv(pyt.ones(3, 3, dtype=pyt.int64)),
     "linalg.inv: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: pyt.linalg.inv(pyt.ones(3, 3, dtype=pyt.float16)),
     "linalg.inv: Low precision dtypes not supported. Got Half"),
    (lambda: pyt.linalg.inv(pyt.ones(2, 3)),
     "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: pyt.linalg.inv(pyt.ones(3)), "linalg.inv: The input tensor A must have at least 2 dimensions."),
    (lambda: pyt.linalg.cholesky(pyt.tensor([[1.0, 2], [2, 1]])),
     "linalg.cholesky: The factorization could not be completed because the input is not "
     "positive-definite (the leading minor of order 2 is not positive-definite)."),
    (lambda: pyt.linalg.cholesky(pyt.tensor([[[1.0, 2], [2, 1]]] * 2)),
     "linalg.cholesky: (Batch element 0): The factorization could not be completed because the "
     "input is not positive-definite (the leading minor of order 2 is not positive-definite)."),
    (lambda: pyt.linalg.solve(pyt.zeros(3, 3), pyt.ones(3)),
     "torch.linalg.solve: The solver failed because the input matrix is singular."),
    (lambda: pyt.linalg.solve(pyt.zeros(2, 3, 3), pyt.ones(3)),
     "torch.linalg.solve: (Batch element 0): The solver failed because the input matrix is singular."),
    (lambda: pyt.linalg.solve(pyt.eye(3), pyt.ones(3, dtype=pyt.float64)),
     "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and B of "
     "type Double instead"),
    (lambda: pyt.linalg.solve(pyt.eye(3), pyt.ones(4)),
     "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x1)"),
    (lambda: pyt.linalg.det(pyt.ones(3, 3, dtype=pyt.int32)),
     "linalg.det: Expected a floating point or complex tensor as input. Got Int"),
    (lambda: pyt.linalg.eigh(pyt.ones(2, 3)),
     "linalg.eigh: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: pyt.linalg.eigh(pyt.eye(3), UPLO="X"), "Expected UPLO argument to be 'L' or 'U', but got X"),
    (lambda: pyt.linalg.qr(pyt.ones(3, 2), mode="x"),
     "qr received unrecognized mode 'x' but expected one of 'reduced' (default), 'r', or 'complete'"),
    (lambda: pyt.linalg.svd(pyt.full((3, 3), float("nan"))),
     "linalg.svd: The algorithm failed to converge because the input matrix contained non-finite values."),
]


@pytest.mark.parametrize("fn,message", ERRORS, ids=range(len(ERRORS)))
def test_error_messages(fn, message):
    with pytest.raises(RuntimeError) as info:
        fn()
    assert str(info.value) == message


def test_linalg_error_type():
    assert issubclass(pyt.linalg.LinAlgError, RuntimeError)
    for fn in (lambda: pyt.linalg.inv(pyt.zeros(2, 2)),
               lambda: pyt.linalg.cholesky(-pyt.eye(2)),
               lambda: pyt.linalg.solve(pyt.zeros(2, 2), pyt.ones(2))):
        with pytest.raises(pyt.linalg.LinAlgError):
            fn()


@pytest.mark.parametrize("fn,message", ERRORS, ids=range(len(ERRORS)))
def test_error_messages_match_torch(fn, message):
    torch = pytest.importorskip("torch")
    import pyt as module
    # the same call on torch's tensors: rerun the lambda with torch in pyt's place
    code = fn.__code__
    g = dict(fn.__globals__, pyt=torch)
    with pytest.raises(RuntimeError) as info:
        type(fn)(code, g)()
    assert str(info.value) == message, module


# ----- einsum ------------------------------------------------------------------------------

EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii", [(4, 4)]), ("ii->i", [(4, 4)]), ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]), ("ij->j", [(3, 4)]),
    ("i,i->", [(5,), (5,)]), ("i,j->ij", [(3,), (4,)]), ("i,j", [(3,), (4,)]), ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]), ("ba", [(3, 4)]), ("...ij,...jk", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]), ("i...->...", [(3, 4, 5)]),
    ("...,...", [(3, 4), (4,)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]), ("iij,jk->ik", [(3, 3, 4), (4, 2)]),
    ("ijji->", [(2, 3, 3, 2)]), ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 5), (5, 2)]), ("abc,cd->abd", [(2, 3, 4), (4, 5)]),
    ("i,i,i->i", [(4,), (4,), (4,)]), ("ij,kl->ijkl", [(2, 3), (4, 5)]), ("Ab,bA->A", [(3, 4), (4, 3)]),
    ("aB,Ba", [(3, 4), (4, 3)]), ("ij,j->i", [(3, 4), (4,)]), ("ik,jk->ij", [(3, 4), (5, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]), ("xyz,zy->x", [(2, 3, 4), (4, 3)]),
    ("ij,jk->", [(3, 4), (4, 5)]), ("i->i", [(0,)]), ("ij,jk->ik", [(0, 4), (4, 5)]),
    ("ij,jk->ik", [(3, 0), (0, 5)]), (" i j , j k -> i k ", [(3, 4), (4, 5)]),
    ("ij,kj->i", [(3, 4), (5, 4)]), ("ab,cd->", [(2, 3), (4, 5)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_matches_numpy(eq, shapes):
    ops = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    expected = np.einsum(eq.replace(" ", ""), *[to_numpy(o) for o in ops])
    r = pyt.einsum(eq, *ops)
    assert r.shape == np.shape(expected)
    close(r, expected)
    close(pyt.einsum(eq, ops), expected)                 # operands as one list


def test_einsum_noncontiguous_and_broadcast_dims():
    x = rand(4, 3, 5)
    y = rand(5, 3, seed=1)
    close(pyt.einsum("ijk,kj->i", x.permute(0, 1, 2), y), np.einsum("ijk,kj->i", to_numpy(x), to_numpy(y)))
    close(pyt.einsum("kji,kj->i", x.permute(2, 1, 0), y),
          np.einsum("kji,kj->i", to_numpy(x).transpose(2, 1, 0), to_numpy(y)))
    a, b = rand(1, 3), rand(4, 3, seed=2)            # a size-1 subscript broadcasts
    close(pyt.einsum("ij,ij->ij", a, b), to_numpy(a) * to_numpy(b))
    close(pyt.einsum("ij,ij->j", a, b), (to_numpy(a) * to_numpy(b)).sum(0))


def test_einsum_sums_ellipsis_dims_missing_from_the_output():
    x = rand(3, 4, 2)
    close(pyt.einsum("i...->", x), to_numpy(x).sum())
    close(pyt.einsum("i...->i", x), to_numpy(x).sum((1, 2)))


def test_einsum_sublist_format():
    a, b = rand(2, 3), rand(3, 4, seed=1)
    close(pyt.einsum(a, [0, 1], b, [1, 2], [0, 2]), to_numpy(a) @ to_numpy(b))
    close(pyt.einsum(a, [0, 1], [1, 0]), to_numpy(a).T)
    close(pyt.einsum(a, [Ellipsis, 1], b, [1, 2]), to_numpy(a) @ to_numpy(b))


@pytest.mark.parametrize("dtype", [pyt.int32, pyt.int64, pyt.float16, pyt.float32])
def test_einsum_dtypes(dtype):
    a, b = make((3, 4), dtype, 1), make((4, 2), dtype, 2)
    r = pyt.einsum("ij,jk->ik", a, b)
    assert r.dtype is dtype
    wide = np.float64 if dtype.is_floating_point else np.int64
    close(r, to_numpy(a).astype(wide) @ to_numpy(b).astype(wide),
          dtype if dtype.is_floating_point else pyt.float64)
    s = pyt.einsum("ij->", a)                       # a one-operand sum: int64 for integers, as torch
    assert s.dtype is (pyt.int64 if not dtype.is_floating_point else dtype)


def test_einsum_returns_views_when_nothing_is_summed():
    a = rand(3, 4)
    r = pyt.einsum("ij->ji", a)
    assert r.data_ptr() == a.data_ptr()


# ----- tensordot, kron, trace, diag, multi_dot ------------------------------------------------

def test_tensordot():
    a, b = rand(2, 3, 4), rand(3, 4, 5, seed=1)
    close(pyt.tensordot(a, b), np.tensordot(to_numpy(a), to_numpy(b)))
    c = rand(4, 5, seed=2)
    close(pyt.tensordot(a, c, 1), np.tensordot(to_numpy(a), to_numpy(c), 1))
    close(pyt.tensordot(a, b, ([1, 2], [0, 1])), np.tensordot(to_numpy(a), to_numpy(b), ([1, 2], [0, 1])))
    close(pyt.tensordot(a, b, dims=([2, 1], [1, 0])), np.tensordot(to_numpy(a), to_numpy(b), ([2, 1], [1, 0])))
    close(pyt.tensordot(a, b, 0), np.tensordot(to_numpy(a), to_numpy(b), 0))
    close(pyt.tensordot(a, b, pyt.tensor(2)), np.tensordot(to_numpy(a), to_numpy(b), 2))
    x = rand(3, 2)
    close(pyt.tensordot(x, x, ([0], [0])), to_numpy(x).T @ to_numpy(x))


def test_kron():
    for sa, sb in [((2, 3), (4, 5)), ((2,), (3,)), ((2, 2), (3,)), ((), (2, 3)), ((2, 1, 3), (3, 2))]:
        a, b = rand(*sa), rand(*sb, seed=1)
        close(pyt.kron(a, b), np.kron(to_numpy(a), to_numpy(b)))
    r = pyt.kron(pyt.ones(2, 2, dtype=pyt.int64), pyt.ones(3))
    assert r.dtype is pyt.float32 and r.shape == (2, 6)
    assert pyt.ones(2, dtype=pyt.bool).kron(pyt.ones(2, dtype=pyt.bool)).dtype is pyt.bool


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_trace(dtype):
    a = make((4, 6), dtype, 1)
    r = pyt.trace(a)
    expected_dtype = dtype if dtype.is_floating_point else pyt.int64
    assert r.dtype is expected_dtype and r.shape == ()
    expected = np.trace(to_numpy(a).astype(np.float64 if dtype.is_floating_point else np.int64))
    if dtype.is_floating_point:
        close(r, expected, pyt.float64 if dtype is pyt.float64 else pyt.float16 if dtype in (pyt.float16, pyt.bfloat16) else pyt.float32)
    else:
        assert int(r) == expected
    assert float(a.t().trace()) == pytest.approx(float(r), rel=1e-2)


def test_diag_diagflat():
    v = rand(3)
    for off in (-2, -1, 0, 1, 3):
        close(pyt.diag(v, off), np.diag(to_numpy(v), off))
        close(v.diag(off), np.diag(to_numpy(v), off))
    m = rand(3, 5)
    for off in (-4, -1, 0, 2, 5, 7):
        close(pyt.diag(m, off), np.diag(to_numpy(m), off))
        close(pyt.diag(m.t(), off), np.diag(to_numpy(m).T, off))
    d = pyt.diag(m)
    assert d.is_contiguous() and d.data_ptr() != m.data_ptr()
    close(pyt.diagflat(m, 1), np.diagflat(to_numpy(m), 1))
    close(pyt.diagflat(pyt.tensor(2.0, dtype=pyt.float64)), [[2.0]])
    assert pyt.diag(pyt.ones(3, dtype=pyt.bool), 1).dtype is pyt.bool


def test_multi_dot_and_chain_matmul():
    mats = [rand(2, 30, seed=0), rand(30, 3, seed=1), rand(3, 40, seed=2), rand(40, 5, seed=3)]
    expected = np.linalg.multi_dot([to_numpy(m) for m in mats])
    close(pyt.linalg.multi_dot(mats), expected)
    close(pyt.chain_matmul(*mats), expected)
    v, w = rand(2, seed=4), rand(5, seed=5)
    close(pyt.linalg.multi_dot([v] + mats + [w]), to_numpy(v) @ expected @ to_numpy(w))
    close(pyt.linalg.multi_dot([v, v]), to_numpy(v) @ to_numpy(v))
    close(pyt.linalg.multi_dot([mats[0], rand(30, seed=6)]), to_numpy(mats[0]) @ to_numpy(rand(30, seed=6)))
    close(pyt.linalg.matmul(mats[0], mats[1]), to_numpy(mats[0]) @ to_numpy(mats[1]))


# ----- LAPACK ----------------------------------------------------------------------------

def spd(*shape, dtype=pyt.float64, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    m = a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])
    return pyt.tensor(m, dtype=dtype)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5, 5), (2, 1, 3, 3), (1, 1), (0, 0), (0, 3, 3)])
def test_inv_det_slogdet(dtype, shape):
    a = rand(*shape, dtype=dtype) + pyt.eye(shape[-1], dtype=dtype) * 3
    na = to_numpy(a).astype(np.float64)
    r = pyt.linalg.inv(a)
    assert r.shape == a.shape and r.dtype is dtype
    if r.numel():
        close(r, np.linalg.inv(na), dtype)
    assert r.stride()[-2:] == ((1, shape[-1]) if shape[-1] else r.stride()[-2:])   # column-major, as torch
    close(pyt.linalg.det(a), np.linalg.det(na) if na.size or na.ndim == 2 else np.ones(na.shape[:-2]), dtype)
    sign, logabs = pyt.linalg.slogdet(a)
    es, el = np.linalg.slogdet(na)
    close(sign, es, dtype)
    close(logabs, el, dtype)
    close(pyt.inverse(a), np.linalg.inv(na) if na.size else na, dtype)


def test_inv_noncontiguous_and_methods():
    a = rand(4, 4) + 4 * pyt.eye(4, dtype=pyt.float64)
    close(pyt.linalg.inv(a.t()), np.linalg.inv(to_numpy(a).T))
    close(a.inverse(), np.linalg.inv(to_numpy(a)))
    close(a.det(), np.linalg.det(to_numpy(a)))
    close(pyt.det(a), np.linalg.det(to_numpy(a)))
    s, l = a.slogdet()
    close(l, np.linalg.slogdet(to_numpy(a))[1])
    inv, info = pyt.linalg.inv_ex(pyt.zeros(2, 2, 2))
    assert info.tolist() == [1, 1]


def test_det_singular_and_logdet():
    assert float(pyt.linalg.det(pyt.zeros(3, 3))) == 0
    sign, logabs = pyt.linalg.slogdet(pyt.zeros(3, 3))
    assert float(sign) == 0 and float(logabs) == float("-inf")
    a = pyt.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=pyt.float64)     # det -1
    assert np.isnan(float(pyt.logdet(a)))
    close(pyt.logdet(spd(3, 3)), np.log(np.linalg.det(to_numpy(spd(3, 3)))))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_solve(dtype):
    A = rand(4, 4, dtype=dtype) + 4 * pyt.eye(4, dtype=dtype)
    nA = to_numpy(A).astype(np.float64)
    B = rand(4, 3, dtype=dtype, seed=1)
    close(pyt.linalg.solve(A, B), np.linalg.solve(nA, to_numpy(B)), dtype)
    b = rand(4, dtype=dtype, seed=2)
    x = pyt.linalg.solve(A, b)
    assert x.shape == (4,)
    close(x, np.linalg.solve(nA, to_numpy(b)), dtype)
    # batches broadcast; a batch of vectors when B.shape == A.shape[:-1]
    As = rand(2, 4, 4, dtype=dtype, seed=3) + 4 * pyt.eye(4, dtype=dtype)
    bs = rand(2, 4, dtype=dtype, seed=4)
    close(pyt.linalg.solve(As, bs), np.linalg.solve(to_numpy(As), to_numpy(bs)[..., None])[..., 0], dtype)
    close(pyt.linalg.solve(A, rand(3, 4, 2, dtype=dtype, seed=5)),
          np.linalg.solve(nA, to_numpy(rand(3, 4, 2, dtype=dtype, seed=5))), dtype)
    close(pyt.linalg.solve(A.t(), B), np.linalg.solve(nA.T, to_numpy(B)), dtype)
    # X A = B
    C = rand(3, 4, dtype=dtype, seed=6)
    close(pyt.linalg.solve(A, C, left=False), np.linalg.solve(nA.T, to_numpy(C).T).T, dtype)
    assert pyt.linalg.solve(A, pyt.ones(4, 0, dtype=dtype)).shape == (4, 0)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_cholesky(dtype):
    S = spd(2, 4, 4, dtype=dtype)
    L = pyt.linalg.cholesky(S)
    close(L, np.linalg.cholesky(to_numpy(S).astype(np.float64)), dtype)
    assert (np.triu(to_numpy(L), 1) == 0).all()
    U = pyt.linalg.cholesky(S, upper=True)
    close(U, np.swapaxes(np.linalg.cholesky(to_numpy(S).astype(np.float64)), -1, -2), dtype)
    close(pyt.cholesky(S[0]), np.linalg.cholesky(to_numpy(S[0]).astype(np.float64)), dtype)
    close(S[0].cholesky(), np.linalg.cholesky(to_numpy(S[0]).astype(np.float64)), dtype)
    L2, info = pyt.linalg.cholesky_ex(pyt.tensor([[1.0, 2.0], [2.0, 1.0]]))
    assert int(info) == 2


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 5, 3), (3, 0), (0, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(shape, mode):
    a = rand(*shape)
    Q, R = pyt.linalg.qr(a, mode=mode)
    m, n = shape[-2:]
    k = min(m, n)
    rows = m if mode == "complete" else k
    assert R.shape == shape[:-2] + (rows, n)
    assert (np.tril(to_numpy(R), -1) == 0).all()
    if mode == "r":
        assert Q.shape == (0,)
        close(np.abs(to_numpy(R)), np.abs(np.linalg.qr(to_numpy(a), mode="r")))
        return
    assert Q.shape == shape[:-2] + (m, rows)
    close(Q @ R, to_numpy(a))
    qtq = np.swapaxes(to_numpy(Q), -1, -2) @ to_numpy(Q)
    close(qtq, np.broadcast_to(np.eye(rows), qtq.shape))


def test_qr_old_api():
    a = rand(5, 3)
    Q, R = pyt.qr(a)
    assert Q.shape == (5, 3)
    Q, R = a.qr(some=False)
    assert Q.shape == (5, 5)
    close(Q @ R, to_numpy(a))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 3, 4), (3, 0)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(dtype, shape, full):
    a = rand(*shape, dtype=dtype)
    U, S, Vh = pyt.linalg.svd(a, full_matrices=full)
    nU, nS, nVh = np.linalg.svd(to_numpy(a).astype(np.float64), full_matrices=full)
    assert U.shape == nU.shape and S.shape == nS.shape and Vh.shape == nVh.shape
    close(S, nS, dtype)
    k = min(shape[-2:])
    rec = (to_numpy(U)[..., :, :k] * to_numpy(S)[..., None, :]) @ to_numpy(Vh)[..., :k, :]
    close(rec, to_numpy(a), dtype)
    close(pyt.linalg.svdvals(a), nS, dtype)
    if full:
        m = shape[-2]
        close(np.swapaxes(to_numpy(U), -1, -2) @ to_numpy(U), np.broadcast_to(np.eye(m), nU.shape), dtype)


def test_svd_old_api():
    a = rand(4, 3)
    U, S, V = pyt.svd(a)
    assert U.shape == (4, 3) and V.shape == (3, 3)
    close(U @ pyt.diag(S) @ V.t(), to_numpy(a))
    U, S, V = a.svd(compute_uv=False)
    assert (to_numpy(U) == 0).all() and U.shape == (4, 4) and V.shape == (3, 3)


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(dtype, uplo):
    S = spd(3, 5, 5, dtype=dtype)
    # only the UPLO triangle is read
    skewed = S + (pyt.triu(pyt.ones(5, 5, dtype=dtype), 1) * 100 if uplo == "L" else
                  pyt.tril(pyt.ones(5, 5, dtype=dtype), -1) * 100)
    w, v = pyt.linalg.eigh(skewed, UPLO=uplo)
    nw, nv = np.linalg.eigh(to_numpy(S).astype(np.float64), UPLO=uplo)
    close(w, nw, dtype)
    nS = to_numpy(S).astype(np.float64)
    close(nS @ to_numpy(v), to_numpy(v) * to_numpy(w)[..., None, :], dtype)
    close(pyt.linalg.eigvalsh(skewed, UPLO=uplo), nw, dtype)
    assert v.stride()[-2:] == (1, 5)


def test_eigh_empty_and_failure():
    w, v = pyt.linalg.eigh(pyt.ones(0, 0))
    assert w.shape == (0,) and v.shape == (0, 0)
    with pytest.raises(pyt.linalg.LinAlgError, match="linalg.eigh: The algorithm failed to converge"):
        pyt.linalg.eigh(pyt.full((3, 3), float("nan")))


@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_lstsq(dtype):
    A, B = rand(6, 3, dtype=dtype), rand(6, 2, dtype=dtype, seed=1)
    nA, nB = to_numpy(A).astype(np.float64), to_numpy(B).astype(np.float64)
    x, res, rank, sv = np.linalg.lstsq(nA, nB, rcond=None)
    r = pyt.linalg.lstsq(A, B, driver="gelsd")
    close(r.solution, x, dtype)
    close(r.residuals, res, dtype)
    assert int(r.rank) == 3 and r.rank.dtype is pyt.int64
    close(r.singular_values, sv, dtype)
    r = pyt.linalg.lstsq(A, B)                        # gelsy: no residuals nor singular values
    close(r.solution, x, dtype)
    assert r.residuals.shape == (0,) and r.singular_values.shape == (0,)
    r = pyt.linalg.lstsq(A.t(), B[:3], driver="gelss")
    close(r.solution, np.linalg.lstsq(nA.T, nB[:3], rcond=None)[0], dtype)
    r = pyt.linalg.lstsq(A, B[:, 0])
    close(r.solution, x[:, 0], dtype)
    As = rand(2, 6, 3, dtype=dtype, seed=2)
    r = pyt.linalg.lstsq(As, B.expand(2, 6, 2))
    close(r.solution, np.stack([np.linalg.lstsq(to_numpy(As)[i].astype(np.float64), nB, rcond=None)[0]
                                for i in range(2)]), dtype)


def test_pinv_rank_power():
    a = rand(3, 5)
    close(pyt.linalg.pinv(a), np.linalg.pinv(to_numpy(a)))
    close(pyt.pinverse(a), np.linalg.pinv(to_numpy(a)))
    low = pyt.tensor(np.outer(np.arange(1.0, 5), np.arange(1.0, 4)))
    close(pyt.linalg.pinv(low), np.linalg.pinv(to_numpy(low)))
    assert int(pyt.linalg.matrix_rank(low)) == 1
    assert pyt.linalg.matrix_rank(rand(2, 4, 4)).tolist() == [4, 4]
    assert int(pyt.linalg.matrix_rank(low, atol=1e30)) == 0
    m = rand(3, 3)
    close(pyt.linalg.matrix_power(m, 5), np.linalg.matrix_power(to_numpy(m), 5))
    close(m.matrix_power(0), np.eye(3))
    close(pyt.matrix_power(m + 3 * pyt.eye(3, dtype=pyt.float64), -2),
          np.linalg.matrix_power(to_numpy(m) + 3 * np.eye(3), -2))
    i = pyt.tensor([[1, 1], [1, 0]])
    assert pyt.linalg.matrix_power(i, 10).tolist() == [[89, 55], [55, 34]]
    assert pyt.linalg.pinv(pyt.ones(0, 3)).shape == (3, 0)


# ----- threads ----------------------------------------------------------------------------

def test_set_num_threads_reaches_scipy_blas():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    n = pyt.get_num_threads()
    a = rand(64, 64, dtype=pyt.float32)
    try:
        pyt.set_num_threads(1)
        r1 = a @ a
        blas = [i for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas" and "scipy" in i["filepath"]]
        assert blas and all(i["num_threads"] == 1 for i in blas)
        pyt.set_num_threads(2)
        r2 = a @ a
        blas = [i for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas" and "scipy" in i["filepath"]]
        assert all(i["num_threads"] == 2 for i in blas)
        close(r1, to_numpy(r2).astype(np.float64), pyt.float32)
    finally:
        pyt.set_num_threads(n)


# ----- against torch ------------------------------------------------------------------------

def test_dtypes_and_shapes_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda m: m.matmul(m.ones(2, 5, 3), m.ones(3)),
        lambda m: m.matmul(m.ones(3), m.ones(2, 3, 4)),
        lambda m: m.ones(2, 2, dtype=m.int8) @ m.ones(2, 2, dtype=m.int8),
        lambda m: m.ones(2, 2, dtype=m.bfloat16) @ m.ones(2, 2, dtype=m.bfloat16),
        lambda m: m.einsum("ii", m.ones(2, 2, dtype=m.int32)),
        lambda m: m.einsum("i,i", m.ones(2, dtype=m.int8), m.ones(2, dtype=m.int8)),
        lambda m: m.trace(m.ones(2, 3, dtype=m.uint8)),
        lambda m: m.kron(m.ones(2, 2, dtype=m.int64), m.ones(3)),
        lambda m: m.outer(m.ones(3, dtype=m.int64), m.ones(2)),
        lambda m: m.diag(m.ones(2, 3), 5),
        lambda m: m.linalg.det(m.ones(2, 3, 3)),
        lambda m: m.linalg.inv(m.eye(3)),
        lambda m: m.linalg.qr(m.ones(4, 2), mode="complete").R,
        lambda m: m.linalg.svd(m.ones(3, 0)).U,
        lambda m: m.linalg.lstsq(m.ones(4, 3) + m.eye(4, 3), m.ones(4, 2)).rank,
        lambda m: m.linalg.matrix_rank(m.ones(3, 3)),
        lambda m: m.linalg.multi_dot([m.ones(3), m.ones(3, 4), m.ones(4)]),
        lambda m: m.tensordot(m.ones(2, 3, 4), m.ones(3, 4, 5), 2),
        lambda m: m.linalg.solve(m.eye(3).expand(2, 3, 3), m.ones(2, 3)),
        lambda m: m.linalg.eigh(m.eye(3)).eigenvectors,
        lambda m: m.linalg.cholesky(m.eye(3), upper=True),
    ]
    for i, case in enumerate(cases):
        p, t = case(pyt), case(torch)
        assert tuple(p.shape) == tuple(t.shape), i
        assert str(p.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], i
        if i != 18:           # torch lays a batch of solved vectors out batch-innermost
            assert tuple(p.stride()) == tuple(t.stride()), i
        np.testing.assert_allclose(to_numpy(p).astype(np.float64), t.double().numpy(), atol=1e-5)


# ----- norms -----------------------------------------------------------------------------

@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), float("-inf")])
@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_matrix_norm(ord, dtype):
    a = rand(3, 4, 5, dtype=dtype)
    expected = np.linalg.norm(to_numpy(a).astype(np.float64), ord, axis=(-2, -1))
    close(pyt.linalg.matrix_norm(a, ord), expected, dtype)
    close(pyt.linalg.matrix_norm(a.transpose(1, 2), ord, dim=(-1, -2)), expected, dtype)
    r = pyt.linalg.matrix_norm(a, ord, dim=(0, 2), keepdim=True)
    assert r.shape == (1, 4, 1)
    close(r[0, :, 0], np.linalg.norm(to_numpy(a).astype(np.float64), ord, axis=(0, 2)), dtype)
    assert float(pyt.linalg.matrix_norm(pyt.ones(0, 3, dtype=dtype), ord)) == 0


def test_norm():
    a = rand(3, 4)
    close(pyt.linalg.norm(a), np.linalg.norm(to_numpy(a)))
    close(pyt.linalg.norm(a, 1), np.linalg.norm(to_numpy(a), 1))
    close(pyt.linalg.norm(a, "nuc"), np.linalg.norm(to_numpy(a), "nuc"))
    close(pyt.linalg.norm(rand(2, 3, 4)), np.linalg.norm(to_numpy(rand(2, 3, 4))))
    close(pyt.linalg.norm(rand(2, 3, 4), dim=1), np.linalg.norm(to_numpy(rand(2, 3, 4)), axis=1))
    close(pyt.linalg.norm(rand(2, 3, 4), dim=(0, 2)), np.linalg.norm(to_numpy(rand(2, 3, 4)), axis=(0, 2)))
    r = pyt.linalg.norm(rand(2, 3, 4), dim=(0, 2), keepdim=True, ord=2)
    assert r.shape == (1, 3, 1)
    assert pyt.linalg.norm(pyt.ones(3, 3, dtype=pyt.float16)).dtype is pyt.float16
    with pytest.raises(RuntimeError, match="If dim is not specified but ord is"):
        pyt.linalg.norm(pyt.ones(3, 3, 3), 1)
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        pyt.linalg.matrix_norm(pyt.ones(3, 3), 3)
