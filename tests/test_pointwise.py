"""add / sub / mul / div and comparisons: values against NumPy, dtypes against torch."""
import operator

import numpy as np
import pytest

import pyt
from conftest import ALL_DTYPES, to_numpy, sample, make

ARITH = [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
         ("div", operator.truediv)]
CMP = [("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt), ("le", operator.le),
       ("gt", operator.gt), ("ge", operator.ge)]


def expected_np(fn, a, b, dt):
    """NumPy's answer computed in float64 / int64 and cast to pyt's result dtype."""
    wide = lambda x: x.astype(np.float64 if dt.is_floating_point else np.int64)
    with np.errstate(all="ignore"):
        r = fn(wide(a), wide(b))
    return r.astype(np.float32 if dt is pyt.bfloat16 else dt.numpy_dtype)


def test_subtraction_with_a_bool_operand_is_refused_as_torch():
    mask, ints = pyt.tensor([True, False]), pyt.tensor([1, 2])
    floats = pyt.tensor([1.5, 2.0], requires_grad=True)
    two = "with two bool tensors"
    one = "with a bool tensor is not supported. If you are trying to invert a mask"
    for call, message in [(lambda: mask - mask, two), (lambda: mask.sub_(True), two),
                          (lambda: mask - 1, one), (lambda: 1 - mask, one),
                          (lambda: ints - mask, one), (lambda: ints - True, one),
                          (lambda: floats - mask, one),
                          (lambda: pyt.sub(ints, mask, alpha=2), one),
                          (lambda: ints.sub_(mask), one)]:
        with pytest.raises(RuntimeError, match=message):
            call()
    assert (ints - 1).tolist() == [0, 1] and (mask + mask).tolist() == [True, False]


@pytest.mark.parametrize("name,fn", ARITH)
def test_arith_same_dtype(name, fn, any_dtype):
    if any_dtype is pyt.bool and name == "sub":
        with pytest.raises(RuntimeError, match="Subtraction"):
            make((3,), pyt.bool) - make((3,), pyt.bool)
        return
    a, b = make((4, 5), any_dtype, 1), make((4, 5), any_dtype, 2)
    if name == "div" and not any_dtype.is_floating_point:
        b = pyt.tensor(np.where(to_numpy(b) == 0, 1, to_numpy(b)), dtype=any_dtype)
    r = fn(a, b)
    dt = r.dtype
    if name == "div" and not any_dtype.is_floating_point:
        assert dt is pyt.float32
    else:
        assert dt is any_dtype
    tol = {pyt.float16: 2e-3, pyt.bfloat16: 2e-2}.get(dt, 1e-6)
    np.testing.assert_allclose(to_numpy(r).astype(np.float64),
                               expected_np(fn, to_numpy(a), to_numpy(b), dt).astype(np.float64),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("name,fn", CMP)
def test_compare(name, fn, any_dtype):
    a, b = make((3, 4), any_dtype, 1), make((3, 4), any_dtype, 1)
    b[0] = make((4,), any_dtype, 5)
    r = fn(a, b)
    assert r.dtype is pyt.bool
    np.testing.assert_array_equal(to_numpy(r), fn(to_numpy(a), to_numpy(b)))
    np.testing.assert_array_equal(to_numpy(fn(a, 1)), fn(to_numpy(a), 1))


def test_broadcast_and_noncontiguous():
    a = pyt.arange(12, dtype=pyt.float32).view(3, 4)
    b = pyt.arange(4, dtype=pyt.float32)
    np.testing.assert_array_equal((a + b).numpy(), a.numpy() + b.numpy())
    np.testing.assert_array_equal((a.t() * a.t()).numpy(), a.numpy().T ** 2)
    np.testing.assert_array_equal((a[:, ::2] - b[None, 1::2]).numpy(),
                                  a.numpy()[:, ::2] - b.numpy()[None, 1::2])
    col = pyt.arange(3, dtype=pyt.float32).view(3, 1)
    assert (col + b).shape == (3, 4)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size "
                                           r"of tensor b \(4\) at non-singleton dimension 1"):
        a[:, :3] + pyt.zeros(4)
    assert (pyt.zeros(0, 4) + b).shape == (0, 4)
    assert (pyt.tensor(2.0) * pyt.tensor(3.0)).item() == 6.0


def test_large_parallel_results_match_serial():
    a = pyt.from_numpy(np.random.default_rng(0).standard_normal(300_000).astype(np.float32))
    n = pyt.get_num_threads()
    try:
        pyt.set_num_threads(1)
        one = (a * 3 + a).numpy().copy()
        pyt.set_num_threads(2)
        two = (a * 3 + a).numpy().copy()
    finally:
        pyt.set_num_threads(n)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one, a.numpy() * 4, rtol=1e-6)


@pytest.mark.parametrize("a_dt", ALL_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("b_dt", ALL_DTYPES, ids=lambda d: d.name)
def test_promotion_matches_torch(a_dt, b_dt):
    torch = pytest.importorskip("torch")
    ta = torch.ones(2, dtype=getattr(torch, a_dt.name))
    tb = torch.ones(2, dtype=getattr(torch, b_dt.name))
    pa, pb = pyt.ones(2, dtype=a_dt), pyt.ones(2, dtype=b_dt)
    for op in (operator.add, operator.mul, operator.truediv, operator.lt):
        assert op(pa, pb).dtype.name == str(op(ta, tb).dtype)[6:]
    for scalar in (2, 2.5, True):
        assert (pa * scalar).dtype.name == str((ta * scalar).dtype)[6:]
        assert (scalar + pa).dtype.name == str((scalar + ta).dtype)[6:]
    zero_dim = torch.tensor(3, dtype=getattr(torch, b_dt.name))
    assert (pa + pyt.tensor(3, dtype=b_dt)).dtype.name == str((ta + zero_dim).dtype)[6:]


def test_scalars_and_reflected_ops():
    a = pyt.tensor([1, 2, 3])
    assert (a + 1).tolist() == [2, 3, 4] and (1 - a).tolist() == [0, -1, -2]
    assert (2 * a).tolist() == [2, 4, 6] and (a * 1.5).dtype is pyt.float32
    assert (6 / a).tolist() == [6.0, 3.0, 2.0] and (a / 2).dtype is pyt.float32
    assert (-a).tolist() == [-1, -2, -3] and (+a) is a
    assert (-pyt.tensor([0.0])).numpy().tobytes() == np.float32(-0.0).tobytes()
    assert (a == 2).tolist() == [False, True, False] and (2 < a).tolist() == [False, False, True]
    assert pyt.tensor([1], dtype=pyt.uint8) + 300 is not None   # wraps like torch
    assert (a == None) is False and (a != "x") is True


def test_inplace_ops():
    a = pyt.ones(2, 3)
    v = a._version
    a += 1
    a *= pyt.tensor([1.0, 2.0, 3.0])
    a -= 0.5
    a /= 2
    np.testing.assert_allclose(a.numpy(), (np.full((2, 3), 2.0) * [1, 2, 3] - 0.5) / 2)
    assert a._version == v + 4
    i = pyt.ones(3, dtype=pyt.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i += 1.5
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        pyt.ones(3).add_(pyt.ones(2, 3))
    b = pyt.arange(5, dtype=pyt.float32)
    b[1:].add_(b[:-1])                        # overlapping operands read before writing
    assert b.tolist() == [0, 1, 3, 5, 7]
    c = pyt.arange(4)
    c.add_(c)
    assert c.tolist() == [0, 2, 4, 6]
    x = pyt.tensor([1.0, 2.0])
    x.add_(pyt.tensor([1.0, 1.0]), alpha=2)
    assert x.tolist() == [3.0, 4.0] and pyt.sub(x, 1, alpha=2).tolist() == [1.0, 2.0]


def test_out_argument():
    out = pyt.empty(3)
    r = pyt.add(pyt.ones(3), 2, out=out)
    assert r is out and out.tolist() == [3, 3, 3]
    bad = pyt.empty(3, dtype=pyt.int32)
    with pytest.raises(RuntimeError):
        pyt.add(pyt.ones(3), 1, out=bad)
    grow = pyt.empty(0)
    pyt.mul(pyt.ones(2, 2), 3, out=grow)
    assert grow.shape == (2, 2)
    m = pyt.empty(3, dtype=pyt.bool)
    pyt.lt(pyt.arange(3), 1, out=m)
    assert m.tolist() == [True, False, False]


def test_integer_overflow_wraps():
    a = pyt.tensor([127], dtype=pyt.int8)
    assert (a + 1).tolist() == [-128]
    big = pyt.tensor([2 ** 62], dtype=pyt.int64)
    assert (big * 4).tolist() == [0]
