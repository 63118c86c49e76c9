"""What the every-op GPU sweep found (tests/cuda/test_every_op_cuda.py), checked one by one:
empty pooling outputs launch nothing, zero gradients of random draws and of unused pieces
land on the input's device, a CUDA tensor refuses the buffer protocol, the legacy
constructor aliases a CUDA tensor, and set_() empties a tensor on its own device."""
import numpy as np
import pytest

import pyt
import pyt.nn.functional as F

from _helpers import assert_same


def rand(*shape, seed=0):
    return pyt.tensor(np.random.default_rng(seed).uniform(-1, 1, shape), dtype=pyt.float32)


@pytest.mark.parametrize("op", [F.adaptive_max_pool1d, F.adaptive_avg_pool1d,
                                lambda x, s: F.adaptive_max_pool1d(x, s, return_indices=True),
                                F.adaptive_max_pool1d_with_indices, pyt.adaptive_max_pool1d])
def test_adaptive_pooling_to_size_zero(op):
    x = rand(4, 4)
    assert_same(op(x, 0), op(x.cuda(), 0))
    xb = rand(2, 3, 4)
    assert_same(op(xb, 0), op(xb.cuda(), 0))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_empty_pooling_outputs_and_their_gradients(k):
    x = rand(*([2, 3] + [4] * k))
    size = (0,) * k
    for op in (getattr(F, f"adaptive_max_pool{k}d"), getattr(F, f"adaptive_avg_pool{k}d")):
        leaf_cpu, leaf_gpu = x.clone().requires_grad_(), x.cuda().requires_grad_()
        y_cpu, y_gpu = op(leaf_cpu, size), op(leaf_gpu, size)
        assert_same(y_cpu, y_gpu)
        y_cpu.sum().backward()
        y_gpu.sum().backward()
        assert leaf_gpu.grad.is_cuda
        assert_same(leaf_cpu.grad, leaf_gpu.grad)
    empty_batch = rand(*([0, 3] + [4] * k))       # no planes: nothing to pool
    for op in (lambda t: getattr(F, f"max_pool{k}d")(t, 2, return_indices=True),
               lambda t: getattr(F, f"avg_pool{k}d")(t, 2),
               lambda t: getattr(F, f"adaptive_max_pool{k}d")(t, 2, return_indices=True),
               lambda t: getattr(F, f"adaptive_avg_pool{k}d")(t, 2)):
        assert_same(op(empty_batch), op(empty_batch.cuda()))


@pytest.mark.parametrize("draw", [lambda m, s: pyt.normal(m), lambda m, s: pyt.normal(m, 1.0),
                                  lambda m, s: pyt.normal(m, s), lambda m, s: pyt.normal(0.5, s),
                                  lambda m, s: pyt.poisson(m.abs())])
def test_random_draws_give_zero_gradients_on_the_inputs_device(draw):
    mean = rand(4, 4).cuda().requires_grad_()
    std = (rand(4, 4, seed=1).abs() + 0.1).cuda().requires_grad_()
    draw(mean, std).sum().backward()
    for t in (mean, std):
        if t.grad is not None:
            assert t.grad.is_cuda and t.grad.shape == t.shape
            assert not t.grad.cpu().any()


def test_in_place_draws_give_zero_gradients_on_the_device():
    x = rand(3, 4).cuda().requires_grad_()
    y = x * 2
    y.normal_()
    y.sum().backward()
    assert x.grad.is_cuda and not x.grad.cpu().any()


def test_unused_pieces_give_zero_gradients_on_the_device():
    x = rand(3, 4).cuda().requires_grad_()
    a, b, c = x.unbind(0)
    (b * 2).sum().backward()
    assert x.grad.is_cuda
    assert_same(pyt.tensor([[0.0] * 4, [2.0] * 4, [0.0] * 4]), x.grad)
    x.grad = None
    p, q = x.split(2, 1)
    q.sum().backward()
    assert x.grad.is_cuda
    assert_same(pyt.tensor([[0.0, 0.0, 1.0, 1.0]] * 3), x.grad)


def test_repeat_of_nothing_and_as_strided_gradients_on_the_device():
    x = rand(2, 3)
    for f in (lambda t: t.repeat(0, 2), lambda t: t.as_strided((2, 2), (1, 2), 1)):
        leaf_cpu, leaf_gpu = x.clone().requires_grad_(), x.cuda().requires_grad_()
        (f(leaf_cpu) * 3).sum().backward()
        (f(leaf_gpu) * 3).sum().backward()
        assert leaf_gpu.grad.is_cuda
        assert_same(leaf_cpu.grad, leaf_gpu.grad)


def test_a_cuda_tensor_refuses_the_buffer_protocol():
    x = rand(2, 3).cuda()
    with pytest.raises(BufferError):
        memoryview(x)
    if hasattr(x, "__buffer__"):                 # Python 3.12
        for flags in (0, 1, 0x11c):
            with pytest.raises(BufferError):
                x.__buffer__(flags)
    for convert in (np.asarray, lambda t: t.numpy()):
        with pytest.raises(TypeError, match="Tensor.cpu()"):
            convert(x)
    assert x.tolist() == rand(2, 3).tolist()    # through the host


def test_the_legacy_constructor_aliases_a_cuda_tensor():
    x = rand(2, 3).double().cuda()
    y = pyt.Tensor(x)
    assert y.is_cuda and y.dtype is pyt.float64 and y.data_ptr() == x.data_ptr()
    y.add_(1)
    assert_same(rand(2, 3).double() + 1, x)


def test_set_with_no_source_empties_the_tensor_on_its_device():
    x = rand(2, 3).cuda()
    assert x.set_() is x
    assert x.is_cuda and x.shape == (0,) and x.dtype is pyt.float32
