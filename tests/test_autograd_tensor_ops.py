"""Derivatives of the tensor module's data-movement ops: joining and reordering, the index
ops, masks, where, views, copies and the random ops with tensor parameters."""
import numpy as np
import pytest

import pyt
from pyt.autograd import gradcheck, gradgradcheck


def leaf(*shape, seed=0, dtype=pyt.float64):
    values = np.random.default_rng(seed).standard_normal(shape)
    return pyt.tensor(values, dtype=dtype, requires_grad=True)


MASK = [[True, False, True], [False, False, True]]
ROW_MASK = [True, False, True]


# ----- gradcheck and gradgradcheck over every op -------------------------------------------------
# (id, f(module, *leaves), shapes of the leaves): module is pyt, or torch for the comparison
# below. Every op here is linear in its differentiable inputs, so gradgradcheck checks that
# the backward records itself.

CASES = [
    # joining
    ("cat", lambda M, a, b: M.cat([a, b], 1), [(2, 3), (2, 2)]),
    ("cat_neg_dim_three", lambda M, a, b: M.cat((a, b, a), dim=-2), [(2, 3), (1, 3)]),
    ("cat_axis", lambda M, a, b: M.concat([a, b], axis=0), [(1, 2), (2, 2)]),
    ("cat_noncontiguous", lambda M, a: M.cat([a.t(), a.t()[::2]]), [(3, 2)]),
    ("cat_empty_vector", lambda M, a, e: M.cat([e, a, e]), [(2, 3), (0,)]),
    ("cat_zero_length", lambda M, a, b: M.cat([a, b], 1), [(2, 0), (2, 2)]),
    ("cat_constant", lambda M, a: M.cat([M.ones(1, 2, dtype=M.float64), a]), [(2, 2)]),
    ("stack", lambda M, a, b: M.stack([a, b]), [(2, 3), (2, 3)]),
    ("stack_last", lambda M, a, b: M.stack([a, b, a], -1), [(2, 3), (2, 3)]),
    ("stack_0d", lambda M, a, b: M.stack([a, b]), [(), ()]),
    ("hstack", lambda M, a, b: M.hstack([a, b]), [(2, 1), (2, 3)]),
    ("hstack_vectors", lambda M, a, b: M.hstack([a, b]), [(2,), (3,)]),
    ("hstack_scalars", lambda M, a, b: M.hstack([a, b]), [(), ()]),
    ("vstack", lambda M, a, b: M.vstack([a, b]), [(3,), (2, 3)]),
    ("row_stack", lambda M, a, b: M.row_stack([a, b]), [(), (1, 1)]),
    ("dstack", lambda M, a, b: M.dstack([a, b]), [(3,), (1, 3)]),
    ("column_stack", lambda M, a, b, c: M.column_stack([a, b, c]), [(2,), (2, 2), (2, 1)]),
    ("column_stack_scalars", lambda M, a, b: M.column_stack([a, b]), [(), ()]),
    ("atleast_1d", lambda M, a: M.atleast_1d(a), [()]),
    ("atleast_2d", lambda M, a, b: M.atleast_2d(a, b), [(), (3,)]),
    ("atleast_3d", lambda M, a, b, c: M.atleast_3d([a, b, c]), [(), (3,), (2, 3)]),
    ("block_diag", lambda M, a, b, c: M.block_diag(a, b, c), [(2, 3), (2,), ()]),
    ("block_diag_one", lambda M, a: M.block_diag(a), [(2, 2)]),
    # reordering and repetition
    ("flip", lambda M, a: M.flip(a, (0, 2)), [(2, 3, 2)]),
    ("flip_method", lambda M, a: a.flip(-1), [(2, 3)]),
    ("flip_0d", lambda M, a: a.flip(0), [()]),
    ("flip_noncontiguous", lambda M, a: a.t().flip(0) * 1, [(3, 2)]),
    ("fliplr", lambda M, a: M.fliplr(a), [(2, 3)]),
    ("flipud", lambda M, a: a.flipud(), [(3, 2)]),
    ("roll", lambda M, a: M.roll(a, 1, 1), [(2, 3)]),
    ("roll_dims", lambda M, a: a.roll((1, -2), (0, 1)), [(2, 3)]),
    ("roll_repeated_dim", lambda M, a: a.roll((1, 1), (1, 1)), [(2, 3)]),
    ("roll_flat", lambda M, a: a.t().roll(2), [(2, 3)]),
    ("repeat", lambda M, a: a.repeat(2, 3), [(2, 3)]),
    ("repeat_leading", lambda M, a: a.repeat(2, 1, 2), [(1, 3)]),
    ("repeat_0d", lambda M, a: a.repeat(3, 2), [()]),
    ("repeat_ones", lambda M, a: a.repeat(1, 1), [(2, 2)]),
    ("repeat_zero", lambda M, a: a.repeat(0, 2), [(2, 2)]),
    ("tile", lambda M, a: M.tile(a, (2,)), [(2, 3)]),
    ("tile_method", lambda M, a: a.tile(2, 1, 2), [(2, 1)]),
    ("tril", lambda M, a: M.tril(a), [(3, 3)]),
    ("tril_k", lambda M, a: a.tril(1), [(2, 3, 4)]),
    ("triu", lambda M, a: M.triu(a, -1), [(4, 3)]),
    ("triu_noncontiguous", lambda M, a: a.t().triu(), [(3, 3)]),
    ("tril_", lambda M, a: (a * 1).tril_(-1), [(3, 3)]),
    ("triu_", lambda M, a: (a * 1).triu_(), [(2, 3)]),
    ("diag_embed", lambda M, a: M.diag_embed(a), [(2, 3)]),
    ("diag_embed_offset", lambda M, a: a.diag_embed(1, 0, 2), [(2, 2)]),
    ("diag_embed_negative", lambda M, a: a.diag_embed(-2), [(3,)]),
    # index ops
    ("index_select", lambda M, a: M.index_select(a, 1, M.tensor([2, 0, 2])), [(2, 3)]),
    ("index_select_int32", lambda M, a: a.index_select(0, M.tensor([1], dtype=M.int32)), [(2, 3)]),
    ("index_select_0d", lambda M, a: a.index_select(0, M.tensor([0])), [()]),
    ("index_add", lambda M, a, s: M.index_add(a, 0, M.tensor([1, 1, 0]), s, alpha=2),
     [(2, 3), (3, 3)]),
    ("index_add_method", lambda M, a, s: a.index_add(1, M.tensor([2]), s), [(2, 3), (2, 1)]),
    ("index_add_", lambda M, a, s: (a * 1).index_add_(-1, M.tensor([0, 2]), s, alpha=-1),
     [(2, 3), (2, 2)]),
    ("index_add_source_only",
     lambda M, s: M.zeros(3, 2, dtype=M.float64).index_add(0, M.tensor([2]), s),
     [(1, 2)]),
    ("index_copy", lambda M, a, s: M.index_copy(a, 0, M.tensor([1]), s), [(2, 3), (1, 3)]),
    ("index_copy_", lambda M, a, s: (a * 1).index_copy_(1, M.tensor([2, 0]), s), [(2, 3), (2, 2)]),
    ("index_fill", lambda M, a: M.index_fill(a, 1, M.tensor([0, 2]), -1.5), [(2, 3)]),
    ("index_fill_tensor", lambda M, a, v: a.index_fill(0, M.tensor([-1, 1, 1]), v), [(3, 2), ()]),
    ("index_fill_", lambda M, a, v: (a * 1).index_fill_(1, M.tensor([1]), v), [(2, 3), ()]),
    ("index_put", lambda M, a, v: M.index_put(a, (M.tensor([0, 1]), M.tensor([2, 2])), v),
     [(2, 3), (2,)]),
    ("index_put_accumulate", lambda M, a, v: a.index_put((M.tensor([1, 1]),), v, accumulate=True),
     [(2, 3), (3,)]),
    ("index_put_mask", lambda M, a, v: a.index_put((M.tensor(MASK),), v), [(2, 3), ()]),
    ("index_put_", lambda M, a, v: M.index_put_(a * 1, (M.tensor([0]), M.tensor([1])), v, True),
     [(2, 3), (1,)]),
    ("gather", lambda M, a: M.gather(a, 0, M.tensor([1, 0, 1]).view(1, 3)), [(2, 3)]),
    ("gather_dim1", lambda M, a: a.gather(1, M.tensor([[0, 0], [2, 1]])), [(2, 3)]),
    ("gather_noncontiguous", lambda M, a: a.t().gather(0, M.tensor([[2, 0]])), [(2, 3)]),
    ("gather_0d", lambda M, a: a.gather(0, M.tensor(0)), [()]),
    ("gather_expanded", lambda M, a: a.expand(2, 3).gather(0, M.tensor([[1, 0, 1]])), [(3,)]),
    ("cat_expanded", lambda M, a: M.cat([a.expand(2, 2), a[None]]), [(2,)]),
    ("index_select_expanded", lambda M, a: a.expand(3, 2).index_select(0, M.tensor([2, 2])),
     [(1, 2)]),
    ("masked_fill_expanded", lambda M, a: a.expand(2, 3).masked_fill(M.tensor(MASK), 0.0),
     [(3,)]),
    ("scatter", lambda M, a, s: M.scatter(a, 0, M.tensor([[1, 0, 1]]), s), [(2, 3), (2, 3)]),
    ("scatter_value", lambda M, a: a.scatter(1, M.tensor([[0], [2]]), 2.5), [(2, 3)]),
    ("scatter_value_kw", lambda M, a: M.scatter(a, 1, M.tensor([[1]]), value=1.0), [(2, 3)]),
    ("scatter_", lambda M, a, s: (a * 1).scatter_(1, M.tensor([[2, 0]]), s), [(2, 3), (1, 2)]),
    ("scatter_add", lambda M, a, s: M.scatter_add(a, 0, M.tensor([[1, 1, 0]]), s),
     [(2, 3), (1, 3)]),
    ("scatter_add_big_src", lambda M, a, s: a.scatter_add(0, M.tensor([[1, 1]]), s),
     [(2, 3), (2, 3)]),
    ("scatter_add_", lambda M, a, s: (a * 1).scatter_add_(1, M.tensor([[0, 0]]), s),
     [(2, 3), (1, 2)]),
    ("take", lambda M, a: M.take(a, M.tensor([[5, -1], [0, 5]])), [(2, 3)]),
    ("take_noncontiguous", lambda M, a: a.t().take(M.tensor([1, 2])), [(2, 3)]),
    ("put", lambda M, a, s: M.put(a, M.tensor([4, 0]), s), [(2, 3), (2,)]),
    ("put_accumulate", lambda M, a, s: a.put(M.tensor([1, 1, -1]), s, accumulate=True),
     [(2, 3), (3,)]),
    ("put_", lambda M, a, s: (a * 1).put_(M.tensor([[0, 2]]), s), [(2, 3), (2,)]),
    # masks and where
    ("masked_fill", lambda M, a: M.masked_fill(a, M.tensor(MASK), 0.5), [(2, 3)]),
    ("masked_fill_tensor", lambda M, a, v: a.masked_fill(M.tensor(MASK), v), [(2, 3), ()]),
    ("masked_fill_broadcast", lambda M, a, v: a.masked_fill(M.tensor(MASK), v), [(3,), ()]),
    ("masked_fill_", lambda M, a, v: (a * 1).masked_fill_(M.tensor(ROW_MASK), v), [(2, 3), ()]),
    ("masked_select", lambda M, a: M.masked_select(a, M.tensor(MASK)), [(2, 3)]),
    ("masked_select_broadcast", lambda M, a: a.masked_select(M.tensor(MASK)), [(1, 3)]),
    ("masked_select_method", lambda M, a: a.t().masked_select(M.tensor(ROW_MASK).view(3, 1)),
     [(2, 3)]),
    ("masked_scatter", lambda M, a, s: M.masked_scatter(a, M.tensor(MASK), s), [(2, 3), (2, 2)]),
    ("masked_scatter_broadcast", lambda M, a, s: a.masked_scatter(M.tensor(MASK), s), [(3,), (3,)]),
    ("masked_scatter_", lambda M, a, s: (a * 1).masked_scatter_(M.tensor(ROW_MASK), s),
     [(2, 3), (5,)]),
    ("where", lambda M, a, b: M.where(M.tensor(MASK), a, b), [(2, 3), (2, 3)]),
    ("where_broadcast", lambda M, a, b: M.where(M.tensor(ROW_MASK), a, b), [(2, 1), (3,)]),
    ("where_scalar_other", lambda M, a: M.where(M.tensor(MASK), a, 2.0), [(2, 3)]),
    ("where_scalar_input", lambda M, b: M.where(M.tensor(MASK), 0, b), [(3,)]),
    ("where_method", lambda M, a, b: a.where(M.tensor(MASK), b), [(2, 3), ()]),
    # views
    ("as_strided", lambda M, a: a.as_strided((2, 2), (3, 1), 1), [(2, 3)]),
    ("as_strided_noncontiguous", lambda M, a: a.t().as_strided((2, 2), (1, 2), 1), [(2, 3)]),
    ("as_strided_overlapping_output", lambda M, a: M.as_strided(a, (3, 3), (1, 1)), [(6,)]),
    ("as_strided_expanded_input", lambda M, a: a.expand(2, 3).as_strided((2,), (1,)), [(3,)]),
    ("as_strided_flipped_input", lambda M, a: a.flip(0).as_strided((2, 2), (2, 1), 0), [(4,)]),
    ("unfold", lambda M, a: a.unfold(1, 2, 1), [(2, 3)]),
    ("unfold_noncontiguous", lambda M, a: a.t().unfold(0, 2, 2), [(2, 4)]),
    ("tensor_split", lambda M, a: M.tensor_split(a, 2, 1), [(2, 3)]),
    ("tensor_split_indices", lambda M, a: a.tensor_split([1, 3], 1), [(2, 4)]),
    ("flatten", lambda M, a: a.t().flatten(), [(2, 3)]),
    ("flatten_0d", lambda M, a: M.flatten(a), [()]),
    ("unflatten", lambda M, a: a.t().unflatten(0, (3, 1)), [(2, 3)]),
    ("view", lambda M, a: a.view(3, 2), [(2, 3)]),
    ("view_as", lambda M, a: a.view_as(M.ones(6)), [(2, 3)]),
    ("reshape_copying", lambda M, a: a.t().reshape(-1), [(2, 3)]),
    ("reshape_as", lambda M, a: a.reshape_as(M.ones(3, 2)), [(2, 3)]),
    ("permute", lambda M, a: a.permute(2, 0, 1), [(2, 3, 2)]),
    ("transpose", lambda M, a: M.transpose(a, 0, -1), [(2, 3)]),
    ("t", lambda M, a: a.t(), [(2, 3)]),
    ("T", lambda M, a: a.T, [(2, 3)]),
    ("mT", lambda M, a: a.mT, [(2, 3, 2)]),
    ("expand", lambda M, a: a.expand(2, 3, 3), [(3, 1)]),
    ("expand_as", lambda M, a: a.expand_as(M.ones(2, 3)), [(3,)]),
    ("broadcast_to", lambda M, a: M.broadcast_to(a, (2, 2)), [()]),
    ("squeeze", lambda M, a: a.squeeze(), [(2, 1, 3)]),
    ("squeeze_dim", lambda M, a: a.squeeze(1), [(2, 1, 3)]),
    ("squeeze_dims", lambda M, a: a.squeeze((0, 1)), [(2, 1, 3)]),
    ("unsqueeze", lambda M, a: M.unsqueeze(a, -1), [(2, 3)]),
    ("narrow", lambda M, a: a.narrow(1, 1, 2), [(2, 3)]),
    ("select", lambda M, a: a.select(-1, 2), [(2, 3)]),
    ("split", lambda M, a: a.split(2, 1), [(2, 3)]),
    ("split_sizes", lambda M, a: M.split(a, [1, 0, 2], 1), [(2, 3)]),
    ("split_one_used", lambda M, a: a.split(1)[1], [(2, 3)]),
    ("chunk", lambda M, a: a.chunk(2, -1), [(2, 3)]),
    ("unbind", lambda M, a: a.unbind(1), [(2, 3)]),
    ("unbind_one_used", lambda M, a: M.unbind(a)[0] * 2, [(2, 3)]),
    ("movedim", lambda M, a: a.movedim(0, -1), [(2, 3, 2)]),
    ("diagonal", lambda M, a: M.diagonal(a, 1, 0, 2), [(2, 3, 3)]),
    ("getitem_basic", lambda M, a: a[None, 1, ::2], [(2, 3)]),
    ("getitem_index", lambda M, a: a[:, M.tensor([2, 0, 2])], [(2, 3)]),
    ("getitem_mask", lambda M, a: a[M.tensor(MASK)], [(2, 3)]),
    ("setitem_slice", lambda M, a, v: _set(a * 1, (slice(None), slice(1, None)), v),
     [(2, 3), (2,)]),
    ("setitem_index", lambda M, a, v: _set(a * 1, M.tensor([1, 0]), v), [(2, 3), (3,)]),
    ("setitem_mask", lambda M, a, v: _set(a * 1, M.tensor(MASK), v), [(2, 3), ()]),
    ("clone", lambda M, a: M.clone(a.t()), [(2, 3)]),
    ("contiguous", lambda M, a: a.t().contiguous(), [(2, 3)]),
    ("to", lambda M, a: a.to(M.float64, copy=True), [(2, 3)]),
    ("t_", lambda M, a: (a * 1).t_(), [(2, 3)]),
    ("t_vector", lambda M, a: (a * 1).t_(), [(3,)]),
    ("transpose_", lambda M, a: (a * 1).transpose_(0, -1), [(2, 1, 3)]),
    ("squeeze_", lambda M, a: (a * 1).squeeze_(), [(2, 1, 3)]),
    ("squeeze_dim", lambda M, a: (a * 1).squeeze_(1), [(2, 1, 3)]),
    ("unsqueeze_", lambda M, a: (a * 1).unsqueeze_(1), [(2, 3)]),
    # copies and fills
    ("fill_tensor", lambda M, a, v: (a * 1).fill_(v), [(2, 3), ()]),
    ("fill_scalar", lambda M, a: (a * 1).fill_(2.0) * a, [(2, 3)]),
    ("zero_", lambda M, a: (a * 1).zero_() + a, [(2, 3)]),
    ("copy_", lambda M, a, s: (a * 1).copy_(s), [(2, 3), (3,)]),
]


def _set(t, index, value):
    t[index] = value
    return t


def _leaves(shapes):
    return tuple(leaf(*shape, seed=i) for i, shape in enumerate(shapes))


@pytest.mark.parametrize("fn, shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gradcheck(fn, shapes):
    assert gradcheck(lambda *xs: fn(pyt, *xs), _leaves(shapes))


@pytest.mark.parametrize("fn, shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gradgradcheck(fn, shapes):
    assert gradgradcheck(lambda *xs: fn(pyt, *xs), _leaves(shapes))


# where torch itself fails: it does not wrap negative indices in index_fill's backward,
# and refuses a scatter source larger than the index (pyt gives its unread part zero)
TORCH_FAILS = {"index_fill_tensor", "scatter", "scatter_add_big_src"}
# torch names advanced t[index] = v IndexPutBackward0; pyt's recording.pxi, CopySlices
OTHER_NAME = {"setitem_index", "setitem_mask"}


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


@pytest.mark.parametrize("name, fn, shapes", [c for c in CASES if c[0] not in TORCH_FAILS],
                         ids=[c[0] for c in CASES if c[0] not in TORCH_FAILS])
def test_same_as_torch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    values = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate(shapes)]
    xs = [pyt.tensor(v, dtype=pyt.float64, requires_grad=True) for v in values]
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    outs, touts = _outputs(fn(pyt, *xs)), _outputs(fn(torch, *ts))
    assert len(outs) == len(touts)
    seeds = [rng.standard_normal(tuple(o.shape)) for o in touts]
    for o, t in zip(outs, touts):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy())
        if name not in OTHER_NAME:
            assert o.grad_fn.name() == type(t.grad_fn).__name__
    grads = pyt.autograd.grad(outs, xs, [pyt.tensor(s) for s in seeds], allow_unused=True)
    tgrads = torch.autograd.grad(touts, ts, [torch.tensor(s) for s in seeds],
                                 allow_unused=True)
    for g, tg in zip(grads, tgrads):                 # (no gradient counts as zero)
        assert g is not None or tg is None or not tg.any()
        if g is not None:
            np.testing.assert_allclose(g.numpy(), tg.numpy(), atol=1e-12)


def test_mixed_dtypes_and_low_precision_grads():
    a, b = leaf(2, 3, dtype=pyt.float32), leaf(1, 3)
    y = pyt.cat([a, b])
    assert y.dtype is pyt.float64
    ga, gb = pyt.autograd.grad(y.sum(), (a, b))
    assert ga.dtype is pyt.float32 and gb.dtype is pyt.float64
    ga, gb = pyt.autograd.grad(pyt.where(pyt.tensor(ROW_MASK), a, b).sum(), (a, b))
    assert ga.dtype is pyt.float32 and ga.tolist() == [[1, 0, 1]] * 2
    assert gb.dtype is pyt.float64 and gb.tolist() == [[0, 2, 0]]
    for dt in (pyt.float16, pyt.bfloat16, pyt.float32):
        x = leaf(2, 3, dtype=dt)
        g, = pyt.autograd.grad(x.gather(1, pyt.tensor([[1, 1]])).sum(), x)
        assert g.dtype is dt and g.float().tolist() == [[0, 2, 0], [0, 0, 0]]
    v = leaf(dtype=pyt.float64)
    y = leaf(2, dtype=pyt.float32).masked_fill(pyt.tensor([True, False]), v)
    assert y.dtype is pyt.float32
    g, = pyt.autograd.grad(y.sum(), v)
    assert g.dtype is pyt.float64 and g.item() == 1


def test_integer_outputs_do_not_require_grad():
    x = leaf(2, 3)
    for out in (x.nonzero(), pyt.argwhere(x), pyt.where(x > 0)[0], x.nonzero(as_tuple=True)[1],
                pyt.tril_indices(3, 3), pyt.multinomial(x.detach().abs() + 0.1, 2),
                pyt.randint_like(x, 5), pyt.masked_select(pyt.ones(3, dtype=pyt.int64),
                                                           pyt.tensor(ROW_MASK))):
        assert not out.requires_grad and out.grad_fn is None
    assert not pyt.rand_like(x).requires_grad and not pyt.zeros_like(x).requires_grad
    assert not pyt.tensor([1, 2]).index_select(0, pyt.tensor([1])).requires_grad
    # an integer tensor written from one that requires grad takes no gradient
    n = pyt.zeros(3, dtype=pyt.int64)
    n.copy_(leaf(3))
    assert not n.requires_grad and n.grad_fn is None


def test_no_graph_without_grad():
    x, i = pyt.ones(2, 3), pyt.tensor([[0, 1, 1]])
    assert x.gather(0, i).grad_fn is None and pyt.cat([x, x]).grad_fn is None
    with pyt.no_grad():
        y = leaf(2, 3)
        for out in (y.gather(0, i), pyt.cat([y, y]), y.flip(0), y.repeat(2, 1), y.tril(),
                    pyt.where(y > 0, y, 0.0), y.masked_select(y > 0), y.roll(1),
                    y.index_select(0, pyt.tensor([1])), (y * 1).index_add_(0, i[0, :1], y[:1])):
            assert not out.requires_grad


@pytest.mark.parametrize("fn, name", [
    (lambda x, o: pyt.cat([x, x], out=o), "cat"),
    (lambda x, o: pyt.stack([x, x], out=o), "stack"),
    (lambda x, o: pyt.hstack([x, x], out=o), "cat"),
    (lambda x, o: pyt.index_select(x, 0, pyt.tensor([0]), out=o), "index_select"),
    (lambda x, o: pyt.gather(x, 0, pyt.tensor([[0]]), out=o), "gather"),
    (lambda x, o: pyt.masked_select(x, x > 0, out=o), "masked_select"),
    (lambda x, o: pyt.where(x > 0, x, 1.0, out=o), "where"),
    (lambda x, o: pyt.tril(x, out=o), "tril"),
    (lambda x, o: pyt.triu(x, out=o), "triu"),
    (lambda x, o: pyt.index_add(x, 0, pyt.tensor([0]), x[:1], out=o), "index_add"),
    (lambda x, o: pyt.index_copy(x, 0, pyt.tensor([0]), x[:1], out=o), "index_copy"),
    (lambda x, o: pyt.normal(x, 1.0, out=o), "normal"),
    (lambda x, o: pyt.bernoulli(x * 0 + 0.5, out=o), "bernoulli"),
])
def test_out_with_grad_raises(fn, name):
    with pytest.raises(RuntimeError, match=rf"^{name}\(\): functions with out=\.\.\. arguments"):
        fn(leaf(2, 3), pyt.empty(0, dtype=pyt.float64))
    fn(leaf(2, 3).detach(), pyt.empty(0, dtype=pyt.float64))    # fine without grad


@pytest.mark.parametrize("fn", [
    lambda x: x.index_add_(0, pyt.tensor([0]), x.detach()[:1]),
    lambda x: x.index_copy_(0, pyt.tensor([0]), x.detach()[:1]),
    lambda x: x.index_fill_(0, pyt.tensor([0]), 1.0),
    lambda x: x.index_put_((pyt.tensor([0]),), pyt.ones(3, dtype=pyt.float64)),
    lambda x: x.scatter_(0, pyt.tensor([[0]]), 1.0),
    lambda x: x.scatter_add_(0, pyt.tensor([[0]]), x.detach()),
    lambda x: x.put_(pyt.tensor([0]), pyt.ones(1, dtype=pyt.float64)),
    lambda x: x.masked_fill_(x.detach() > 0, 1.0),
    lambda x: x.masked_scatter_(x.detach() > 0, x.detach()),
    lambda x: x.tril_(), lambda x: x.triu_(1), lambda x: x.fill_(1.0), lambda x: x.zero_(),
    lambda x: x.t_(), lambda x: x.transpose_(0, 1), lambda x: x.unsqueeze_(0),
    lambda x: x.uniform_(), lambda x: x.normal_(), lambda x: x.bernoulli_(0.5),
    lambda x: x.random_(3), lambda x: x.exponential_(),
])
def test_inplace_on_leaf_raises(fn):
    x = leaf(2, 3)
    before = x.detach().clone()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation"):
        fn(x)
    assert x.tolist() == before.tolist() and tuple(x.shape) == (2, 3)
    with pyt.no_grad():
        fn(x)                                          # allowed without grad mode


def test_inplace_source_requires_grad():
    # a plain tensor written in place from one that requires grad takes its history
    src = leaf(2, 3)
    buf = pyt.zeros(3, 3, dtype=pyt.float64)
    buf.index_add_(0, pyt.tensor([2, 0]), src)
    assert buf.requires_grad and buf.grad_fn.name() == "IndexAddBackward0"
    buf.sum().backward()
    assert src.grad.tolist() == [[1, 1, 1]] * 2
    p = leaf(2, 3)
    z = pyt.zeros(2, 3, dtype=pyt.float64).index_fill_(1, pyt.tensor([0]), p[0, 0])
    assert z.grad_fn.name() == "IndexFillBackward1"
    z.sum().backward()
    assert p.grad[0, 0].item() == 2


def test_expanded_self_is_refused_in_place():
    y = pyt.zeros(1, 3, dtype=pyt.float64).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        y.index_add_(0, pyt.tensor([0]), leaf(1, 3))


def test_modified_index_is_caught():
    x, i = leaf(2, 3), pyt.tensor([[1, 0, 1]])
    y = x.gather(0, i)
    i[0, 0] = 0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_scatter_with_reduce_has_no_derivative():
    x = leaf(2, 3)
    for y in (x.scatter(0, pyt.tensor([[0, 1, 0]]), 2.0, reduce="add"),
              (x * 1).scatter_(0, pyt.tensor([[0, 1, 0]]), 2.0, reduce="multiply")):
        assert y.requires_grad and y.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()


# ----- random draws ------------------------------------------------------------------------------

def test_random_ops_with_tensor_parameters():
    mean, std = leaf(2, 3), leaf(2, 3, seed=1).detach().abs().requires_grad_()
    for y, name, inputs in [(pyt.normal(mean, std), "NormalBackward3", (mean, std)),
                            (pyt.normal(mean, 2.0), "NormalBackward1", (mean,)),
                            (pyt.normal(1.0, std), "NormalBackward2", (std,)),
                            (pyt.bernoulli(std / (std + 1)), "BernoulliBackward0", (std,)),
                            (pyt.poisson(std), "PoissonBackward0", (std,))]:
        assert y.grad_fn.name() == name
        grads = pyt.autograd.grad(y.sum(), inputs)
        assert all(g.shape == x.shape and not g.any() for g, x in zip(grads, inputs))
    y = pyt.bernoulli(std * 1, 0.5)
    assert y.grad_fn.name() == "torch::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not implemented"):
        y.sum().backward()


@pytest.mark.parametrize("fn, name", [
    (lambda y: y.uniform_(), "UniformBackward0"), (lambda y: y.normal_(), "NormalBackward0"),
    (lambda y: y.log_normal_(), "LogNormalBackward0"),
    (lambda y: y.exponential_(), "ExponentialBackward0"),
    (lambda y: y.geometric_(0.5), "GeometricBackward0"),
    (lambda y: y.cauchy_(), "CauchyBackward0"), (lambda y: y.bernoulli_(0.5), "BernoulliBackward2"),
    (lambda y: y.random_(), "RandomBackward2"), (lambda y: y.random_(4), "RandomBackward1"),
    (lambda y: y.random_(1, 4), "RandomBackward0"),
])
def test_inplace_draws_cut_the_gradient(fn, name):
    x = leaf(2, 3)
    y = x * 2
    assert fn(y) is y and y.grad_fn.name() == name
    (y * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())   # only through y * x


def test_bernoulli_with_tensor_p_in_place():
    x, p = leaf(2, 3), leaf(2, 3, seed=1).detach().sigmoid().requires_grad_()
    y = (x * 1).bernoulli_(p)
    assert y.grad_fn.name() == "BernoulliBackward1"
    gx, gp = pyt.autograd.grad(y.sum(), (x, p))
    assert not gx.any() and not gp.any()
    z = pyt.zeros(2, 3, dtype=pyt.float64).bernoulli_(p)       # p alone requires grad
    assert z.grad_fn.name() == "BernoulliBackward1"


# ----- views ----------------------------------------------------------------------------------

def test_detach_stops_the_gradient():
    x = leaf(2, 3)
    g, = pyt.autograd.grad((x * x.detach()).sum(), x)
    assert g.tolist() == x.detach().tolist()
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and d.data_ptr() == x.data_ptr()


def test_inplace_views_move_the_version_and_check_leaves():
    x = leaf(2, 3)
    y = x * 1
    z = y * y                                              # saves y
    y.t_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    y = x[0]                                               # a view of a leaf
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        y.unsqueeze_(0)
    with pyt.no_grad():
        w = x.detach()
        w.t_()
    assert tuple(w.shape) == (3, 2)


def test_new_tensors_from_tensors_that_require_grad():
    y = leaf(3) * 2
    for t in (pyt.tensor(y), pyt.tensor([y[0], y[2]]), pyt.tensor([[y[1]], [y[0]]])):
        assert not t.requires_grad and t.grad_fn is None
    assert pyt.tensor([y[0], y[2]], dtype=pyt.float64).tolist() == [y[0].item(), y[2].item()]
    assert pyt.as_tensor(y) is y
