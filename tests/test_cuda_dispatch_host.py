"""The CUDA dispatch of the core (devices, factories, copies, pinning) on a machine
without a GPU: what must happen when a CUDA tensor is asked for and none can exist."""
import pytest

import pyt


def _cuda_works():
    try:
        pyt.zeros(1, device="cuda")
        return True
    except Exception:
        return False


no_gpu = pytest.mark.skipif(_cuda_works(), reason="a CUDA device is available")


def test_device_parsing():
    d = pyt.device("cuda")
    assert d.type == "cuda" and d.index is None
    assert repr(d) == "device(type='cuda')"
    assert pyt.device("cuda:1").index == 1
    assert pyt.device("cuda", 0) == pyt.device("cuda:0")
    assert str(pyt.device("cuda:0")) == "cuda:0"


def test_cpu_tensor_device_queries():
    t = pyt.ones(3)
    assert t.device == pyt.device("cpu")
    assert not t.is_cuda and t.is_cpu
    assert t.get_device() == -1
    assert t.cpu() is t
    assert not t.is_pinned()
    assert not t.untyped_storage().is_cuda


@no_gpu
@pytest.mark.parametrize("make", [
    lambda: pyt.zeros(2, device="cuda"),
    lambda: pyt.ones(2, 3, device="cuda:0"),
    lambda: pyt.empty(2, device=pyt.device("cuda")),
    lambda: pyt.full((2,), 1.5, device="cuda"),
    lambda: pyt.tensor([1, 2], device="cuda"),
    lambda: pyt.arange(4, device="cuda"),
    lambda: pyt.rand(3, device="cuda"),
    lambda: pyt.randn(3, device="cuda"),
    lambda: pyt.randint(0, 5, (3,), device="cuda"),
    lambda: pyt.eye(2, device="cuda"),
    lambda: pyt.zeros_like(pyt.ones(2), device="cuda"),
    lambda: pyt.ones(2).new_zeros(3, device="cuda"),
    lambda: pyt.ones(2).cuda(),
    lambda: pyt.ones(2).to("cuda"),
    lambda: pyt.ones(2).to(device="cuda", dtype=pyt.float64),
])
def test_cuda_requests_raise_runtime_error(make):
    with pytest.raises(RuntimeError, match="CUDA|NVIDIA|GPU"):
        make()


@no_gpu
def test_pin_memory_without_an_accelerator():
    # torch's CPU-only build says this
    with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
        pyt.ones(3).pin_memory()
    assert not pyt.ones(3).is_pinned()


def test_cpu_paths_unchanged():
    a = pyt.arange(6.0).reshape(2, 3)
    b = a.to("cpu")
    assert b is a
    assert a.to("cpu", pyt.int64).dtype is pyt.int64
    assert (a.cpu() + 1).tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert pyt.zeros(2, device="cpu").device.type == "cpu"
    assert pyt.tensor([1.0], device=pyt.device("cpu")).item() == 1.0
    c = pyt.empty(2, 3)
    c.copy_(a, non_blocking=True)
    assert c.tolist() == a.tolist()


def test_share_memory_and_storage_device():
    t = pyt.ones(4)
    s = t.untyped_storage()
    assert s.device.type == "cpu"
    t.share_memory_()
    assert t.is_shared()
