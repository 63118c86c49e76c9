"""embedding's max_norm renormalisation: the CPU kernel (_embedding_renorm) against torch's
rule, and the composed, device-generic path that CUDA runs (_embedding_renorm_by_ops: unique,
index_select, a norm in double, where, index_copy_) forced on CPU tensors against the
kernel: the same weight bit for bit (on the GPU, CUDA's pow and a long row's cumsum may
move the norm by an ulp), every row that is not renormalised left as it was."""
import math

import numpy as np
import pytest

import pyt
import pyt.nn.functional as F
from pyt._ext import nn_kernels as K

NORM_TYPES = [1.0, 2.0, 3.0, math.inf, -math.inf, 0.0, 0.5, -1.0]
MAX_NORM = {0.0: 5.0, -math.inf: 0.1, -1.0: 0.1}     # some rows over, some not


def weight(dtype, rows=40, dim=9, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 1, (rows, dim)) * rng.uniform(0.05, 3, (rows, 1))
    w[3, 2] = 0.0
    return pyt.tensor(w).to(dtype)


def indices(seed=1, rows=40):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, rows - 5, (6, 7))              # repeats; the last rows unused
    idx[0, :3] = 3
    return pyt.tensor(idx)


def ulps(a, b):
    """Largest distance in ulps between two float arrays of one dtype (same sign here)."""
    a, b = np.asarray(a), np.asarray(b)
    ints = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}[a.dtype]
    return int(np.max(np.abs(a.view(ints).astype(np.int64) - b.view(ints).astype(np.int64)),
                      initial=0))


@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("dtype", [pyt.float32, pyt.float64])
def test_composed_path_matches_the_kernel(dtype, norm_type):
    w0, idx = weight(dtype), indices()
    max_norm = MAX_NORM.get(norm_type, 1.0)
    by_kernel, by_ops = w0.clone(), w0.clone()
    out = F.embedding(idx, by_kernel, max_norm=max_norm, norm_type=norm_type)
    K._embedding_renorm_by_ops(by_ops, idx, max_norm, norm_type)
    a, b, w = by_kernel.numpy(), by_ops.numpy(), w0.numpy()
    assert ulps(a, b) == 0
    changed = np.any(a != w, axis=1)
    assert changed.any() and not changed.all()           # some rows over max_norm, some not
    np.testing.assert_array_equal(b[~changed], w[~changed])   # untouched rows: bit for bit
    used = np.unique(idx.numpy())
    assert not changed[np.setdiff1d(np.arange(w.shape[0]), used)].any()
    np.testing.assert_array_equal(out.numpy(), a[idx.numpy()])   # looked up after the renorm


@pytest.mark.parametrize("dtype", [pyt.float16, pyt.bfloat16])
def test_composed_path_halves(dtype):
    w0, idx = weight(dtype), indices()
    by_kernel, by_ops = w0.clone(), w0.clone()
    F.embedding(idx, by_kernel, max_norm=1.0)
    K._embedding_renorm_by_ops(by_ops, idx, 1.0, 2.0)
    diff = (by_kernel.float() - by_ops.float()).abs()
    assert diff.max().item() <= 1e-2 * by_kernel.float().abs().max().item()
    assert (by_kernel.float() != w0.float()).any()


@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_kernel_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    w0, idx = weight(pyt.float64), indices()
    max_norm = MAX_NORM.get(norm_type, 1.0)
    ours, theirs = w0.clone(), torch.tensor(w0.numpy())
    F.embedding(idx, ours, max_norm=max_norm, norm_type=norm_type)
    torch.nn.functional.embedding(torch.tensor(idx.numpy()), theirs, max_norm=max_norm,
                                  norm_type=norm_type)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=0)


def test_composed_path_edges():
    w0 = weight(pyt.float32)
    w = w0.clone()
    with pytest.raises(IndexError):
        K._embedding_renorm_by_ops(w, pyt.tensor([1, 40]), 1.0, 2.0)
    assert (w == w0).all()                               # nothing written
    K._embedding_renorm_by_ops(w, pyt.tensor([], dtype=pyt.int64), 1.0, 2.0)
    assert (w == w0).all()
    with pytest.raises(RuntimeError, match="floating"):
        K._embedding_renorm_by_ops(pyt.ones(3, 2, dtype=pyt.int64), pyt.tensor([0]), 1.0, 2.0)
    # a leaf that requires grad is renormalised without autograd, then used with it
    leaf = w0.clone().requires_grad_()
    K._embedding_renorm_by_ops(leaf, indices(), 1.0, 2.0)
    assert leaf.grad_fn is None and leaf.requires_grad
    leaf2 = w0.clone().requires_grad_()
    F.embedding(indices(), leaf2, max_norm=1.0).sum().backward()
    assert (leaf2.detach() == leaf.detach()).all() or ulps(leaf2.detach().numpy(),
                                                           leaf.detach().numpy()) <= 1
    assert leaf2.grad is not None
