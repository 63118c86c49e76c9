"""pyt._foreach_* on the CPU: each op equals its per-tensor definition (same bits), for
scalar, scalar-list and tensor-list operands, in place and not; torch's errors; and
agreement with torch's _foreach ops when torch is installed."""
import numpy as np
import pytest

import pyt

SHAPES = [(2, 3), (4,), (), (0, 2), (3, 1, 2)]
FLOATS = [pyt.float32, pyt.float64, pyt.float16, pyt.bfloat16]


def _list(seed, dtype=pyt.float32, positive=False, noncontig=False):
    rng = np.random.default_rng(seed)
    out = []
    for s in SHAPES:
        a = rng.standard_normal(s)
        if positive:
            a = np.abs(a) + 0.5
        t = pyt.tensor(a, dtype=dtype)
        if noncontig and t.dim() == 2:
            t = pyt.tensor(a.T.copy(), dtype=dtype).t()
        out.append(t)
    return out


def _same(xs, ys):
    assert len(xs) == len(ys)
    for x, y in zip(xs, ys):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert _bits(x) == _bits(y)


def _bits(t):
    if t.dtype in (pyt.float16, pyt.bfloat16):     # exact in float32
        t = t.float()
    return t.contiguous().numpy().tobytes()


def _clone(xs):
    return [x.clone() for x in xs]


BINARY = [("add", pyt.add), ("sub", pyt.sub), ("mul", pyt.mul), ("div", pyt.div)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name,fn", BINARY)
@pytest.mark.parametrize("noncontig", [False, True])
def test_binary_forms(name, fn, dtype, noncontig):
    a, b = _list(1, dtype, noncontig=noncontig), _list(2, dtype, positive=True)
    op, op_ = getattr(pyt, f"_foreach_{name}"), getattr(pyt, f"_foreach_{name}_")
    scalars = [0.5, -2, 3.0, 1.5, 0.25]
    # scalar, scalar list, tensor list, 0-d tensor
    _same(op(a, 1.5), [fn(x, 1.5) for x in a])
    _same(op(a, scalars), [fn(x, s) for x, s in zip(a, scalars)])
    _same(op(a, b), [fn(x, y) for x, y in zip(a, b)])
    _same(op(a, pyt.tensor(2.0)), [fn(x, pyt.tensor(2.0)) for x in a])
    if name in ("add", "sub"):
        _same(op(a, b, alpha=0.3), [fn(x, y, alpha=0.3) for x, y in zip(a, b)])
    # in place: the same values, the same tensors
    c = _clone(a)
    res = op_(c, b)
    assert res is c
    _same(c, [fn(x, y) for x, y in zip(a, b)])
    assert isinstance(op(a, 1), tuple)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name):
    a, b = _list(1), _list(2)
    a[0][0, 0] = float("nan")
    fn = getattr(pyt, name)
    op, op_ = getattr(pyt, f"_foreach_{name}"), getattr(pyt, f"_foreach_{name}_")
    _same(op(a, b), [fn(x, y) for x, y in zip(a, b)])
    _same(op(a, 0.1), [fn(x, pyt.tensor(0.1)) for x in a])
    c = _clone(a)
    op_(c, [0.1] * 5)
    _same(c, [fn(x, pyt.tensor(0.1)) for x in a])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv(name, dtype):
    a, b, c = _list(1, dtype), _list(2, dtype), _list(3, dtype, positive=True)
    fn = getattr(pyt, name)
    op, op_ = getattr(pyt, f"_foreach_{name}"), getattr(pyt, f"_foreach_{name}_")
    _same(op(a, b, c), [fn(x, y, z) for x, y, z in zip(a, b, c)])
    _same(op(a, b, c, 0.5), [fn(x, y, z, value=0.5) for x, y, z in zip(a, b, c)])
    _same(op(a, b, c, value=0.5), [fn(x, y, z, value=0.5) for x, y, z in zip(a, b, c)])
    vals = [0.1, 0.2, -0.3, 4.0, 5.0]
    _same(op(a, b, c, vals), [fn(x, y, z, value=v) for x, y, z, v in zip(a, b, c, vals)])
    _same(op(a, b, c, pyt.tensor(vals, dtype=pyt.float64)),
          [fn(x, y, z, value=v) for x, y, z, v in zip(a, b, c, vals)])
    d = _clone(a)
    assert op_(d, b, c, vals) is d
    _same(d, [fn(x, y, z, value=v) for x, y, z, v in zip(a, b, c, vals)])


@pytest.mark.parametrize("dtype", FLOATS)
def test_lerp(dtype):
    a, b, w = _list(1, dtype), _list(2, dtype), _list(3, dtype)
    _same(pyt._foreach_lerp(a, b, 0.3), [pyt.lerp(x, y, 0.3) for x, y in zip(a, b)])
    _same(pyt._foreach_lerp(a, b, w), [pyt.lerp(x, y, z) for x, y, z in zip(a, b, w)])
    ws = [0.1, 0.7, 0.5, 0.2, 0.9]
    _same(pyt._foreach_lerp(a, b, ws), [pyt.lerp(x, y, z) for x, y, z in zip(a, b, ws)])
    c = _clone(a)
    pyt._foreach_lerp_(c, b, 0.8)
    _same(c, [pyt.lerp(x, y, 0.8) for x, y in zip(a, b)])


UNARY = ["sqrt", "neg", "abs", "sign", "exp", "log", "reciprocal", "sigmoid", "floor"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", FLOATS + [pyt.int64])
def test_unary(name, dtype):
    a = _list(4, dtype, positive=name in ("sqrt", "log"))
    fn = getattr(pyt, name)
    if dtype == pyt.int64 and name in ("floor",):
        return
    _same(getattr(pyt, f"_foreach_{name}")(a), [fn(x) for x in a])
    if dtype.is_floating_point:
        c = _clone(a)
        assert getattr(pyt, f"_foreach_{name}_")(c) is c
        _same(c, [fn(x) for x in a])


def test_zero_copy_norm():
    a, b = _list(1), _list(2, pyt.float64)
    c = _clone(a)
    assert pyt._foreach_zero_(c) is c
    assert all(float(x.abs().sum()) == 0 for x in c)
    pyt._foreach_copy_(c, b)                     # converts the dtype, as copy_
    _same(c, [y.to(pyt.float32) for y in b])
    for ord in (2, 1, 3, 0):
        _same(pyt._foreach_norm(a, ord), [pyt.linalg.vector_norm(x, ord) for x in a])
    full = [x for x in a if x.numel()]
    _same(pyt._foreach_norm(full, float("inf")),
          [pyt.linalg.vector_norm(x, float("inf")) for x in full])
    _same(pyt._foreach_norm(a, dtype=pyt.float64),
          [pyt.linalg.vector_norm(x, dtype=pyt.float64) for x in a])


def test_integer_promotion():
    a = [pyt.tensor([1, 2]), pyt.tensor([3])]
    out = pyt._foreach_add(a, 1.5)
    assert out[0].dtype == pyt.float32
    with pytest.raises(RuntimeError, match="can't be cast"):
        pyt._foreach_add_(_clone(a), 1.5)


def test_errors():
    a = [pyt.ones(2), pyt.ones(3)]
    with pytest.raises(RuntimeError, match="Tensor lists must have the same number of "
                                           "tensors, got 2 and 1"):
        pyt._foreach_add(a, [pyt.ones(2)])
    with pytest.raises(RuntimeError, match="Tensor list must have same number of elements "
                                           "as scalar list"):
        pyt._foreach_mul(a, [1.0])
    with pytest.raises(RuntimeError, match="Tensor list must have same number of elements "
                                           "as scalar list"):
        pyt._foreach_addcmul(a, a, a, [1.0])
    with pytest.raises(RuntimeError, match="Tensor list must have at least one tensor"):
        pyt._foreach_add([], 1)
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        pyt._foreach_add(a, [pyt.ones(2), pyt.ones(4)])
    with pytest.raises(RuntimeError, match="scalar tensor expected to be 0 dim"):
        pyt._foreach_add(a, pyt.ones(1))
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        pyt._foreach_add(a, "x")
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        pyt._foreach_add(pyt.ones(2), 1)
    with pytest.raises(TypeError, match="expected Tensor as element 1 in argument 0"):
        pyt._foreach_add([pyt.ones(2), 3], 1)
    with pytest.raises(TypeError):
        pyt._foreach_mul(a, a, alpha=2)


TORCH_OPS = [
    ("_foreach_add", lambda L: (L[0], L[1]), {"alpha": 0.5}),
    ("_foreach_sub", lambda L: (L[0], 0.7), {}),
    ("_foreach_mul", lambda L: (L[0], [0.5, 1, 2, 3, 4]), {}),
    ("_foreach_div", lambda L: (L[0], L[2]), {}),
    ("_foreach_maximum", lambda L: (L[0], L[1]), {}),
    ("_foreach_addcmul", lambda L: (L[0], L[1], L[2], 0.3), {}),
    ("_foreach_addcdiv", lambda L: (L[0], L[1], L[2], [0.1, 0.2, 0.3, 0.4, 0.5]), {}),
    ("_foreach_lerp", lambda L: (L[0], L[1], 0.25), {}),
    ("_foreach_lerp", lambda L: (L[0], L[1], L[2]), {}),
    ("_foreach_sqrt", lambda L: (L[2],), {}),
    ("_foreach_neg", lambda L: (L[0],), {}),
    ("_foreach_abs", lambda L: (L[0],), {}),
    ("_foreach_sign", lambda L: (L[0],), {}),
    ("_foreach_exp", lambda L: (L[0],), {}),
    ("_foreach_norm", lambda L: (L[0],), {}),
    ("_foreach_norm", lambda L: (L[0], 1), {}),
]


@pytest.mark.parametrize("name,args,kwargs", TORCH_OPS, ids=[o[0] for o in TORCH_OPS])
def test_matches_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    lists = [_list(1), _list(2), _list(3, positive=True)]
    tlists = [[torch.tensor(x.numpy()) for x in L] for L in lists]
    ours = getattr(pyt, name)(*args(lists), **kwargs)
    theirs = getattr(torch, name)(*args(tlists), **kwargs)
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-6, atol=1e-7)
