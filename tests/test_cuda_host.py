"""pyt.cuda on a machine without a GPU (CI, the development machines): it imports, says
no device is there, and every CUDA call raises a clear RuntimeError, as torch built with
CUDA does on such a machine. Skipped where a GPU is available (tests/cuda covers that)."""
import pytest

import pyt
from conftest import cuda_available

pytestmark = pytest.mark.skipif(cuda_available(), reason="a CUDA device is available")

NO_GPU = r"(?i)cuda|nvidia|gpu|accelerator"     # torch: "Found no NVIDIA driver..."


def test_no_device():
    assert pyt.cuda.is_available() is False
    assert pyt.cuda.device_count() == 0


def test_cuda_tensors_raise_clearly():
    with pytest.raises(RuntimeError, match=NO_GPU):
        pyt.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match=NO_GPU):
        pyt.empty(3, 4, device="cuda:0")
    with pytest.raises(RuntimeError, match=NO_GPU):
        pyt.ones(2).cuda()
    with pytest.raises(RuntimeError, match=NO_GPU):
        pyt.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match=NO_GPU):
        pyt.cuda.current_device()
    assert pyt.ones(2).sum().item() == 2                     # the CPU is untouched


def test_pinned_memory_needs_a_gpu():
    assert pyt.ones(2).is_pinned() is False
    with pytest.raises(RuntimeError, match=NO_GPU):
        pyt.ones(2).pin_memory()


def test_cuda_devices_can_be_named():
    d = pyt.device("cuda:0")
    assert d.type == "cuda" and d.index == 0 and str(d) == "cuda:0"
    assert pyt.device("cuda", 1).index == 1
    assert pyt.device("cuda").index is None
    assert not pyt.ones(2).is_cuda


def test_memory_statistics_are_zero_before_any_use():
    # torch answers these without initialising CUDA: zeros and an empty dict
    assert pyt.cuda.memory_allocated() == 0
    assert pyt.cuda.max_memory_allocated() == 0
    assert pyt.cuda.memory_reserved() == 0
    assert pyt.cuda.max_memory_reserved() == 0
    stats = pyt.cuda.memory_stats()
    assert isinstance(stats, dict) and all(v == 0 for v in stats.values())
    pyt.cuda.empty_cache()                                   # a no-op, as in torch


def test_api_objects_exist():
    assert issubclass(pyt.cuda.OutOfMemoryError, RuntimeError)
    matmul = pyt.backends.cuda.matmul
    assert matmul.allow_tf32 is False                        # torch's default
    try:
        matmul.allow_tf32 = True
        assert matmul.allow_tf32 is True
    finally:
        matmul.allow_tf32 = False
