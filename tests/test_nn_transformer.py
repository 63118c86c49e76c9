"""Attention and Transformers: scaled_dot_product_attention, multi_head_attention_forward,
MultiheadAttention, the Transformer encoder / decoder stacks, against NumPy, torch
(weights moved by state_dict) and gradcheck; bad input; the sequence-reversal example."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import pyt
import pyt.nn as nn
import pyt.nn.functional as F
from pyt.autograd import gradcheck

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rand(*shape, dtype=pyt.float64, seed=0, grad=False):
    t = pyt.from_numpy(np.random.default_rng(seed + len(shape) * 7 + shape[-1]).standard_normal(
        shape)).to(dtype)
    return t.requires_grad_() if grad else t


def to_torch(t, torch):
    if not isinstance(t, pyt.Tensor):
        return t
    return torch.from_numpy(np.ascontiguousarray(t.detach().numpy()))


def to_pyt(t):
    return pyt.from_numpy(t.detach().numpy().copy())


def copy_weights(src_torch, dst_pyt):
    """torch's state_dict loaded into the pyt module: the same names, the same shapes."""
    state = {k: to_pyt(v) for k, v in src_torch.state_dict().items()}
    assert list(state) == list(dst_pyt.state_dict())
    dst_pyt.load_state_dict(state)


def close(a, b, atol=1e-5):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4, atol=atol)


def np_attention(q, k, v, mask=None, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    s = s - s.max(-1, keepdims=True)
    w = np.exp(s)
    return (w / w.sum(-1, keepdims=True)) @ v


# ---------------------------------------------------------------- scaled_dot_product_attention

def test_sdpa_against_numpy():
    q, k, v = rand(2, 3, 4, 8), rand(2, 3, 5, 8, seed=1), rand(2, 3, 5, 6, seed=2)
    mask = np.random.default_rng(3).random((4, 5)) > 0.3
    mask[:, 0] = True
    fmask = np.random.default_rng(4).standard_normal((3, 4, 5))
    expect = np_attention(q.numpy(), k.numpy(), v.numpy())
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v).numpy(), expect)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=pyt.from_numpy(mask))
    np.testing.assert_allclose(out.numpy(), np_attention(q.numpy(), k.numpy(), v.numpy(), mask))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=pyt.from_numpy(fmask), scale=0.3)
    np.testing.assert_allclose(out.numpy(),
                               np_attention(q.numpy(), k.numpy(), v.numpy(), fmask, 0.3))
    causal = np.tril(np.ones((4, 5), bool))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(out.numpy(), np_attention(q.numpy(), k.numpy(), v.numpy(), causal))
    # causal and an explicit mask together: both apply
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=pyt.from_numpy(mask), is_causal=True)
    np.testing.assert_allclose(out.numpy(),
                               np_attention(q.numpy(), k.numpy(), v.numpy(), mask & causal))


def test_sdpa_fully_masked_rows_give_zeros_and_finite_grads():
    q, k, v = rand(1, 2, 3, 4, grad=True), rand(1, 2, 5, 4, seed=1), rand(1, 2, 5, 4, seed=2)
    mask = pyt.ones(3, 5, dtype=pyt.bool)
    mask[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert (out[:, :, 1] == 0).all()
    out.sum().backward()
    assert pyt.isfinite(q.grad).all()
    fmask = pyt.zeros(3, 5, dtype=pyt.float64).masked_fill(~mask, float("-inf"))
    out2 = F.scaled_dot_product_attention(q, k, v, attn_mask=fmask)
    close(out2, out)


def test_sdpa_gqa_unbatched_and_dropout():
    q, k, v = rand(2, 4, 3, 8), rand(2, 2, 5, 8, seed=1), rand(2, 2, 5, 8, seed=2)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    kk = np.repeat(k.numpy(), 2, axis=1)
    vv = np.repeat(v.numpy(), 2, axis=1)
    np.testing.assert_allclose(out.numpy(), np_attention(q.numpy(), kk, vv))
    assert F.scaled_dot_product_attention(q[0, 0], k[0, 0], v[0, 0]).shape == (3, 8)
    pyt.manual_seed(0)
    d = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert d.shape == q.shape and not pyt.allclose(d, F.scaled_dot_product_attention(q, q, q))


def test_sdpa_against_torch():
    torch = pytest.importorskip("torch")
    q, k, v = rand(2, 3, 4, 8, grad=True), rand(2, 3, 6, 8, seed=1), rand(2, 3, 6, 5, seed=2)
    masks = [None, pyt.from_numpy(np.random.default_rng(5).random((4, 6)) > 0.5),
             rand(2, 1, 4, 6, seed=6)]
    for mask in masks:
        for causal in (False, True) if mask is None else (False,):
            tq = to_torch(q, torch).requires_grad_()
            expect = torch.nn.functional.scaled_dot_product_attention(
                tq, to_torch(k, torch), to_torch(v, torch),
                attn_mask=None if mask is None else to_torch(mask, torch), is_causal=causal)
            q.grad = None
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
            close(out, expect)
            out.pow(2).sum().backward()
            expect.pow(2).sum().backward()
            close(q.grad, tq.grad)


def test_sdpa_bad_input():
    q = rand(2, 4, 8, dtype=pyt.float32)
    with pytest.raises(RuntimeError, match="to have the same dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(RuntimeError, match="bool or float or to match query dtype"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=pyt.zeros(4, 4, dtype=pyt.int64))
    with pytest.raises(RuntimeError, match="bool or float or to match query dtype"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=pyt.zeros(4, 4, dtype=pyt.float64))
    with pytest.raises(RuntimeError, match="at least 2 dimensional"):
        F.scaled_dot_product_attention(q[0, 0], q[0, 0], q[0, 0])
    with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=1.5)
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(q, q[..., :5], q)
    with pytest.raises(RuntimeError, match="must divide the number of heads"):
        F.scaled_dot_product_attention(rand(1, 3, 4, 8), rand(1, 2, 4, 8), rand(1, 2, 4, 8),
                                       enable_gqa=True)


# ---------------------------------------------------------------- MultiheadAttention

def mha_pair(torch, seed=0, **kwargs):
    torch.manual_seed(seed)
    t = torch.nn.MultiheadAttention(**kwargs).double()
    if kwargs.get("bias", True):          # non-zero biases, so that they are tested
        with torch.no_grad():
            t.in_proj_bias.normal_()
            t.out_proj.bias.normal_()
    p = nn.MultiheadAttention(**kwargs).double()
    copy_weights(t, p)
    return t, p


def bool_mask(shape, seed, keep_first=True):
    m = np.random.default_rng(seed).random(shape) < 0.3
    if keep_first:
        m[..., 0] = False                  # every query sees a key: no NaN rows
    return pyt.from_numpy(m)


MHA_CASES = [
    ("plain", dict(embed_dim=8, num_heads=2), {}),
    ("batch_first", dict(embed_dim=8, num_heads=2, batch_first=True), {}),
    ("kdim_vdim", dict(embed_dim=8, num_heads=4, kdim=5, vdim=3), {}),
    ("bias_kv_zero_attn", dict(embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True),
     {}),
    ("no_bias", dict(embed_dim=6, num_heads=3, bias=False, batch_first=True), {}),
    ("bool_masks", dict(embed_dim=8, num_heads=2),
     dict(attn_mask=("bool2", 1), key_padding_mask=("bool", 2))),
    ("float_masks", dict(embed_dim=8, num_heads=2, batch_first=True),
     dict(attn_mask=("float3", 3), key_padding_mask=("float", 4))),
    ("3d_bool_mask_kdim", dict(embed_dim=8, num_heads=2, kdim=4, vdim=4, add_bias_kv=True),
     dict(attn_mask=("bool3", 5))),
]


def make_masks(spec, L, S, N, H):
    out = {}
    for name, (kind, seed) in spec.items():
        if kind == "bool2":
            out[name] = bool_mask((L, S), seed)
        elif kind == "bool3":
            out[name] = bool_mask((N * H, L, S), seed)
        elif kind == "float3":
            out[name] = rand(N * H, L, S, seed=seed)
        elif kind == "bool":
            out[name] = bool_mask((N, S), seed)
        else:
            out[name] = rand(N, S, seed=seed)
    return out


@pytest.mark.parametrize("name,kwargs,mask_spec", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_against_torch(name, kwargs, mask_spec):
    torch = pytest.importorskip("torch")
    L, S, N, H = 4, 5, 3, kwargs["num_heads"]
    E = kwargs["embed_dim"]
    t, p = mha_pair(torch, **kwargs)
    bf = kwargs.get("batch_first", False)
    shape = (lambda n, length, e: (n, length, e)) if bf else (lambda n, length, e: (length, n, e))
    query = rand(*shape(N, L, E), grad=True)
    self_attn = "kdim" not in kwargs
    key = query if self_attn and name == "plain" else rand(*shape(N, S, kwargs.get("kdim", E)),
                                                           seed=1)
    value = key if self_attn and name == "plain" else rand(*shape(N, S, kwargs.get("vdim", E)),
                                                           seed=2)
    if name == "plain":
        S = L
    masks = make_masks(mask_spec, L, S, N, H)
    tmasks = {k: to_torch(m, torch) for k, m in masks.items()}
    for need, average in ((True, True), (True, False), (False, True)):
        query.grad = None
        tq = to_torch(query, torch).requires_grad_()
        tk = tq if key is query else to_torch(key, torch)
        tv = tk if value is key else to_torch(value, torch)
        out, w = p(query, key, value, need_weights=need, average_attn_weights=average, **masks)
        tout, tw = t(tq, tk, tv, need_weights=need, average_attn_weights=average, **tmasks)
        close(out, tout)
        if need:
            close(w, tw)
        else:
            assert w is None
        out.sum().backward()
        tout.sum().backward()
        close(query.grad, tq.grad)
    # unbatched input: the first batch entry alone
    un = {k: m[0] for k, m in masks.items() if k == "key_padding_mask"}
    if "attn_mask" in masks and masks["attn_mask"].dim() == 2:
        un["attn_mask"] = masks["attn_mask"]
    q0, k0, v0 = (x[0] if bf else x[:, 0] for x in (query, key, value))
    out, w = p(q0, k0, v0, **un)
    tout, tw = t(to_torch(q0, torch), to_torch(k0, torch), to_torch(v0, torch),
                 **{k: to_torch(m, torch) for k, m in un.items()})
    close(out, tout)
    close(w, tw)


def test_multihead_attention_parameters_match_torch():
    torch = pytest.importorskip("torch")
    for kwargs in (dict(embed_dim=8, num_heads=2), dict(embed_dim=8, num_heads=2, kdim=3,
                                                          vdim=5, add_bias_kv=True),
                   dict(embed_dim=4, num_heads=1, bias=False)):
        t = torch.nn.MultiheadAttention(**kwargs)
        p = nn.MultiheadAttention(**kwargs)
        assert [(k, tuple(v.shape)) for k, v in t.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in p.state_dict().items()]
        assert repr(p) == repr(t)
    p = nn.MultiheadAttention(8, 2)
    assert (p.in_proj_bias == 0).all() and (p.out_proj.bias == 0).all()
    bound = math.sqrt(6 / (8 + 24))             # xavier_uniform_ of (24, 8)
    assert p.in_proj_weight.abs().max() <= bound and p.in_proj_weight.std() > bound / 3


def test_multihead_attention_is_causal_and_dropout():
    torch = pytest.importorskip("torch")
    t, p = mha_pair(torch, embed_dim=8, num_heads=2, batch_first=True)
    x = rand(2, 5, 8)
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype=pyt.float64)
    out, _ = p(x, x, x, attn_mask=causal, is_causal=True, need_weights=False)
    tx = to_torch(x, torch)
    tout, _ = t(tx, tx, tx, attn_mask=to_torch(causal, torch), is_causal=True,
                need_weights=False)
    close(out, tout)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        p(x, x, x, is_causal=True)
    d = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = rand(2, 5, 8, dtype=pyt.float32)
    assert not pyt.allclose(d(x, x, x)[0], d.eval()(x, x, x)[0])


def test_mha_gradcheck():
    E, H = 4, 2
    q, k, v = rand(3, 2, E, grad=True), rand(4, 2, E, seed=1, grad=True), rand(4, 2, E, seed=2)
    w_in, b_in = rand(3 * E, E, seed=3, grad=True), rand(3 * E, seed=4, grad=True)
    w_out, b_out = rand(E, E, seed=5, grad=True), rand(E, seed=6)
    bk, bv = rand(1, 1, E, seed=7, grad=True), rand(1, 1, E, seed=8, grad=True)
    kpm = pyt.tensor([[0.0, 0.0, -math.inf, 0.0], [0.0, -math.inf, 0.0, 0.0]],
                     dtype=pyt.float64)
    mask = rand(3, 4, seed=9)

    def fn(q, k, v, w_in, b_in, w_out, bk, bv):
        out, w = F.multi_head_attention_forward(
            q, k, v, E, H, w_in, b_in, bk, bv, True, 0.0, w_out, b_out, training=False,
            key_padding_mask=kpm, attn_mask=mask, average_attn_weights=False)
        return out, w

    assert gradcheck(fn, (q, k, v, w_in, b_in, w_out, bk, bv))
    assert gradcheck(lambda q, w: F.multi_head_attention_forward(
        q, q, q, E, H, w, b_in, None, None, False, 0.0, w_out, b_out, need_weights=False,
        attn_mask=nn.Transformer.generate_square_subsequent_mask(3, dtype=pyt.float64),
        is_causal=True)[0], (q, w_in))


def test_multihead_attention_bad_input():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    m = nn.MultiheadAttention(8, 2)
    x = rand(4, 2, 8, dtype=pyt.float32)
    with pytest.raises(AssertionError, match="query should be unbatched 2D or batched 3D"):
        m(x[0, 0], x[0, 0], x[0, 0])
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D"):
        m(x, x[0], x[0])
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 6"):
        m(x[..., :6], x[..., :6], x[..., :6])
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is .*\(4, 4\)"):
        m(x, x, x, attn_mask=pyt.zeros(3, 4, dtype=pyt.bool))
    with pytest.raises(RuntimeError, match=r"The shape of the 3D attn_mask is .*\(4, 4, 4\)"):
        m(x, x, x, attn_mask=pyt.zeros(2, 4, 4, dtype=pyt.bool))
    with pytest.raises(AssertionError, match="expected `attn_mask` to be `None`, 2-D or 3-D"):
        m(x, x, x, attn_mask=pyt.zeros(4, dtype=pyt.bool))
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask"):
        m(x, x, x, attn_mask=pyt.zeros(4, 4, dtype=pyt.int64))
    with pytest.raises(AssertionError, match="only bool and floating types of key_padding_mask"):
        m(x, x, x, key_padding_mask=pyt.zeros(2, 4, dtype=pyt.int32))
    with pytest.raises(AssertionError, match="Expected key_padded_mask.shape\\[1\\] to be 4"):
        m(x, x, x, key_padding_mask=pyt.zeros(2, 3, dtype=pyt.bool))
    with pytest.raises(AssertionError, match="Expected key_padded_mask.shape\\[0\\] to be 2"):
        m(x, x, x, key_padding_mask=pyt.zeros(3, 4, dtype=pyt.bool))
    with pytest.raises(AssertionError, match="expected `key_padding_mask` to be `None` or 2-D"):
        m(x, x, x, key_padding_mask=pyt.zeros(4, dtype=pyt.bool))
    with pytest.raises(AssertionError, match="key shape .* does not match value shape"):
        m(x, x, x[:3])
    with pytest.raises(RuntimeError, match=r"shape '\[5, 4, 4\]' is invalid for input of size 40"):
        m(x, rand(5, 1, 8, dtype=pyt.float32), rand(5, 1, 8, dtype=pyt.float32))
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask"):
        m(x, x, x, key_padding_mask=pyt.zeros(2, 4, dtype=pyt.bool), attn_mask=pyt.zeros(4, 4))


# ---------------------------------------------------------------- Transformer stacks

def torch_pair(torch, make, seed=0):
    """The same module on both libraries (torch's weights), in float64 eval mode."""
    torch.manual_seed(seed)
    t = make(torch).double().eval()
    p = make(pyt).double().eval()
    copy_weights(t, p)
    return t, p


def check_forward_backward(torch, t, p, inputs, kwargs=None, tkwargs=None):
    kwargs = kwargs or {}
    tkwargs = tkwargs if tkwargs is not None else \
        {k: to_torch(v, torch) for k, v in kwargs.items()}
    tin = [to_torch(x, torch).requires_grad_() for x in inputs]
    pin = [x.detach().requires_grad_() for x in inputs]
    out, tout = p(*pin, **kwargs), t(*tin, **tkwargs)
    close(out, tout)
    out.pow(2).sum().backward()
    tout.pow(2).sum().backward()
    for a, b in zip(pin, tin):
        close(a.grad, b.grad, atol=1e-4)
    grads = dict(t.named_parameters())
    for name, param in p.named_parameters():
        close(param.grad, grads[name].grad, atol=1e-4)


@pytest.mark.parametrize("norm_first,activation,batch_first", [
    (False, "relu", False), (True, "gelu", True), (False, "gelu", True)])
def test_encoder_against_torch(norm_first, activation, batch_first):
    torch = pytest.importorskip("torch")

    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation=activation,
                                               batch_first=batch_first, norm_first=norm_first)
        return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(8),
                                         enable_nested_tensor=False)

    t, p = torch_pair(torch, make)
    src = rand(2, 5, 8) if batch_first else rand(5, 2, 8)
    kpm = pyt.tensor([[False] * 5, [False, False, False, True, True]])
    check_forward_backward(torch, t, p, [src])
    check_forward_backward(torch, t, p, [src], dict(src_key_padding_mask=kpm))
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype=pyt.float64)
    check_forward_backward(torch, t, p, [src], dict(mask=causal))
    check_forward_backward(torch, t, p, [src], dict(mask=causal, is_causal=True))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_decoder_and_transformer_against_torch():
    torch = pytest.importorskip("torch")

    def make_decoder(lib):
        layer = lib.nn.TransformerDecoderLayer(8, 2, 16, activation=lib.nn.functional.gelu,
                                               batch_first=True)
        return lib.nn.TransformerDecoder(layer, 2)

    t, p = torch_pair(torch, make_decoder)
    tgt, memory = rand(2, 4, 8), rand(2, 6, 8, seed=1)
    causal = nn.Transformer.generate_square_subsequent_mask(4, dtype=pyt.float64)
    mkpm = pyt.tensor([[False] * 6, [False] * 4 + [True] * 2])
    check_forward_backward(torch, t, p, [tgt, memory],
                           dict(tgt_mask=causal, memory_key_padding_mask=mkpm))

    def make_transformer(lib):
        return lib.nn.Transformer(8, 2, 2, 1, 16, norm_first=True)

    t, p = torch_pair(torch, make_transformer, seed=1)
    src, tgt = rand(6, 2, 8, seed=2), rand(4, 2, 8, seed=3)
    check_forward_backward(torch, t, p, [src, tgt], dict(tgt_mask=causal))
    assert repr(p) == repr(t)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert pyt.equal(nn.Transformer.generate_square_subsequent_mask(4), to_pyt(tmask))


def test_encoder_layer_gradcheck_and_unbatched():
    pyt.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0).double()
    x = rand(3, 2, 4, grad=True)
    assert gradcheck(lambda x: layer(x), (x,))
    out = layer(x)
    np.testing.assert_allclose(layer(x[:, 1]).detach().numpy(), out[:, 1].detach().numpy(),
                               atol=1e-12)


def test_transformer_bad_input():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.TransformerEncoderLayer(8, 3)
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(pyt.randn(5, 2, 8), pyt.randn(4, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal"):
        model(pyt.randn(5, 2, 8), pyt.randn(4, 2, 6))
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(AssertionError, match="query should be unbatched 2D or batched 3D"):
        layer(pyt.randn(2, 3, 4, 8))


# ---------------------------------------------------------------- example

def test_transformer_reverse_example_learns():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "transformer_reverse.py"),
         "--steps", "200", "--threads", "1"], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "step  100" in result.stdout
    token_acc = float(result.stdout.split("token accuracy:")[1].split()[0])
    assert token_acc > 0.5                     # chance is 0.1


def test_functional_mha_separate_weights_and_static_kv_against_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    E, H, N = 6, 2, 2
    q, k, v = rand(3, N, E), rand(5, N, 4, seed=1), rand(5, N, 3, seed=2)
    wq, wk, wv = rand(E, E, seed=3), rand(E, 4, seed=4), rand(E, 3, seed=5)
    b_in, w_out, b_out = rand(3 * E, seed=6), rand(E, E, seed=7), rand(E, seed=8)
    args = (E, H, None, b_in, None, None, False, 0.0, w_out, b_out)
    kw = dict(use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
              v_proj_weight=wv, training=False)
    out, w = F.multi_head_attention_forward(q, k, v, *args, **kw)
    tout, tw = tF.multi_head_attention_forward(
        *(to_torch(x, torch) for x in (q, k, v)), *(to_torch(a, torch) for a in args),
        **{key: to_torch(val, torch) for key, val in kw.items()})
    close(out, tout)
    close(w, tw)
    # caller-given keys and values per (batch, head): (N * H, S, D)
    static_k, static_v = rand(N * H, 7, E // H, seed=9), rand(N * H, 7, E // H, seed=10)
    kw.update(static_k=static_k, static_v=static_v)
    out, w = F.multi_head_attention_forward(q, k, v, *args, **kw)
    tout, tw = tF.multi_head_attention_forward(
        *(to_torch(x, torch) for x in (q, k, v)), *(to_torch(a, torch) for a in args),
        **{key: to_torch(val, torch) for key, val in kw.items()})
    close(out, tout)
    close(w, tw)
    with pytest.raises(AssertionError, match="expecting static_k.size\\(0\\) of 4, but got 3"):
        F.multi_head_attention_forward(q, k, v, *args, **dict(kw, static_k=static_k[:3]))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_unbatched_transformer_without_bias_against_torch():
    torch = pytest.importorskip("torch")

    def make(lib):
        return lib.nn.Transformer(8, 2, 1, 1, 16, activation="gelu", bias=False,
                                  batch_first=True)

    t, p = torch_pair(torch, make, seed=2)
    assert "norm1.bias" not in dict(p.named_parameters())
    src, tgt = rand(5, 8, seed=4), rand(3, 8, seed=5)
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=pyt.float64)
    check_forward_backward(torch, t, p, [src, tgt], dict(tgt_mask=causal, tgt_is_causal=True))
