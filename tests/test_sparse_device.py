"""Device plumbing of sparse COO tensors, runnable without a GPU: a sparse tensor lives on
its values' device, .to()/.cpu() and device= follow Tensor's rules, and operands on two
devices are refused with torch's errors before any op reads them. (The same ops on a GPU:
tests/cuda/test_sparse_cuda.py.)"""
import io

import numpy as np
import pytest

import pyt
from pyt.sparse import SparseTensor
from pyt.sparse._creation import check_parts_device

CPU, GPU = pyt.device("cpu"), pyt.device("cuda:0")


class ClaimsGpu(pyt.Tensor):
    """A CPU tensor that says it is on cuda:0: what the device checks look at, while any
    op that ran by mistake would still read host memory (never a crash)."""

    @property
    def device(self):
        return GPU


def sample():
    return pyt.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))


def test_device_attributes_on_the_cpu():
    s = sample()
    assert s.device == CPU and not s.is_cuda and s.get_device() == -1
    assert s._indices().device == CPU and s._values().device == CPU


def test_to_and_cpu_on_the_cpu():
    s = sample()
    assert s.cpu() is s and s.to("cpu") is s and s.to(CPU) is s and s.to(device="cpu") is s
    assert s.to(pyt.float32) is s and s.to("cpu", pyt.float32) is s
    d = s.to("cpu", pyt.float64)
    assert isinstance(d, SparseTensor) and d.dtype is pyt.float64 and d.device == CPU
    assert d._indices() is s._indices() and not d.is_coalesced()
    assert s.to(device=CPU, dtype=pyt.int32).dtype is pyt.int32
    assert s.to(pyt.zeros(1, dtype=pyt.float16)).dtype is pyt.float16   # to(other)
    assert s.to(d).dtype is pyt.float64                                # a sparse other
    c = s.to("cpu", copy=True)
    assert c is not s and c._values().data_ptr() != s._values().data_ptr()
    assert c._indices().data_ptr() != s._indices().data_ptr()
    np.testing.assert_array_equal(c.to_dense().numpy(), s.to_dense().numpy())
    with pytest.raises(TypeError):
        s.to(memory_layout=1)
    with pytest.raises(TypeError):
        s.to([1])


def test_legacy_type_names():
    s = sample()
    assert s.type() == "pyt.sparse.FloatTensor" and s.double().type() == "pyt.sparse.DoubleTensor"
    assert s.type(pyt.float64).dtype is pyt.float64


def test_to_keeps_the_graph():
    v = pyt.tensor([1., 2.], requires_grad=True)
    s = pyt.sparse_coo_tensor([[0, 1]], v, (3,))
    s.to(pyt.float64).to_dense().sum().backward()
    assert v.grad.tolist() == [1., 1.]


def test_device_argument():
    for device in ("cpu", CPU, None):
        s = pyt.sparse_coo_tensor([[0, 1]], [1., 2.], (2,), device=device)
        assert s.device == CPU and s._indices().device == CPU
        s = pyt.sparse_coo_tensor(pyt.tensor([[0, 1]]), pyt.tensor([1., 2.]), device=device)
        assert s.device == CPU
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda|device|Device"):
        pyt.sparse_coo_tensor([[0, 1]], [1., 2.], device="nowhere")


def test_the_parts_device_check():
    check_parts_device(CPU, CPU)
    check_parts_device(GPU, pyt.device("cuda", 0))
    message = ("Expected all tensors to be on the same device, but got values is on cuda:0, "
               "different from other tensors on cpu (when checking argument in method "
               "wrapper_SparseCUDA___sparse_coo_tensor_with_dims_and_tensors)")
    with pytest.raises(RuntimeError) as e:
        check_parts_device(CPU, GPU)
    assert str(e.value) == message
    with pytest.raises(RuntimeError, match="values is on cpu, different from other tensors on "
                                           "cuda:0"):
        check_parts_device(GPU, CPU)


def test_parts_on_two_devices_are_refused():
    i, v = pyt.tensor([[0, 1]]), pyt.tensor([1., 2.])
    with pytest.raises(RuntimeError, match="values is on cuda:0, different from other "
                                           "tensors on cpu"):
        pyt.sparse_coo_tensor(i, ClaimsGpu(v), (2,))
    with pytest.raises(RuntimeError, match="values is on cpu, different from other "
                                           "tensors on cuda:0"):
        pyt.sparse_coo_tensor(ClaimsGpu(i), v)


def test_operands_on_two_devices_are_refused():
    s = sample()
    two = "Expected all tensors to be on the same device, but found at least two devices, "
    dense = ClaimsGpu(pyt.ones(3, 2))
    for product in (lambda: s @ dense, lambda: pyt.sparse.mm(s, dense),
                    lambda: pyt.mm(s, dense), lambda: pyt.sparse.spmm(s, dense),
                    lambda: s @ ClaimsGpu(pyt.ones(3)),
                    lambda: ClaimsGpu(pyt.ones(2, 2)) @ s):
        with pytest.raises(RuntimeError, match=two + "cpu and cuda:0!"):
            product()
    with pytest.raises(RuntimeError, match=two + "cpu and cuda:0!"):
        pyt.sparse.addmm(ClaimsGpu(pyt.ones(2, 2)), s, pyt.ones(3, 2))
    with pytest.raises(RuntimeError, match=two + "cuda:0 and cpu!"):
        ClaimsGpu(pyt.ones(2, 3)) + s
    with pytest.raises(RuntimeError, match=two + "cpu and cuda:0!"):
        s * ClaimsGpu(pyt.ones(2, 3))


def test_save_load_map_location(tmp_path):
    s = sample().coalesce()
    pyt.save(s, tmp_path / "s.pt")
    for where in ("cpu", CPU, {"cpu": "cpu"}, None):
        back = pyt.load(tmp_path / "s.pt", map_location=where, weights_only=False)
        assert isinstance(back, SparseTensor) and back.device == CPU and back.is_coalesced()
        np.testing.assert_array_equal(back.to_dense().numpy(), s.to_dense().numpy())
    buf = io.BytesIO()
    pyt.save({"s": s}, buf)
    buf.seek(0)
    assert pyt.load(buf, weights_only=False)["s"]._indices().tolist() == [[0, 1, 1], [2, 0, 2]]


def test_repr_names_a_gpu_device():
    s = sample()
    g = SparseTensor(s._indices(), ClaimsGpu(s._values()), s.shape)
    assert g.device == GPU and repr(g) == repr(s).replace("size=(2, 3)",
                                                          "device='cuda:0', size=(2, 3)")
