"""No op computes on the host with a CUDA tensor's memory.

Without a GPU, a CUDA tensor is faked: a small Cython module relabels a CPU tensor (and its
storage) as cuda:0. Every public function and Tensor method is then called with such
tensors. An op with a CUDA path reaches the CUDA runtime and raises (no driver here); an op
without one must refuse with NotImplementedError. What must never happen is a result: a
value read from the memory, a CPU tensor computed from it, or an `out=` tensor written,
because on a GPU that is a CPU kernel dereferencing a device pointer (a crash, or garbage).
Skipped where a GPU exists: there, a fake tensor would send host pointers to kernels."""
import os
import re
import subprocess
import sys
import textwrap
import warnings

import pytest

import pyt
from _op_sweep import argument_lists, describe, public_ops

pytest.importorskip("Cython")
pytestmark = pytest.mark.skipif(pyt.cuda.is_available(), reason="fakes CUDA tensors: needs no GPU")

EXT_DIR = os.path.dirname(pyt._ext.__file__)

# Answers that need no element of the tensor: metadata, identity and aliasing.
METADATA = {
    "dim", "ndimension", "numel", "nelement", "size", "stride", "storage_offset", "data_ptr",
    "element_size", "get_device", "is_complex", "is_contiguous", "is_floating_point",
    "is_pinned", "is_shared", "is_signed", "is_tensor", "__len__", "__hash__", "__sizeof__",
    "__dlpack_device__", "__class__",
    "equal",            # tensors of different shapes are unequal without a look at the data
    "is_same_size",     # compares shapes only
}


@pytest.fixture(scope="module")
def fake_cuda(tmp_path_factory):
    d = tmp_path_factory.mktemp("fakecuda")
    (d / "fakecuda.pyx").write_text(textwrap.dedent("""\
        # cython: language_level=3
        from pyt._ext.tensor cimport Tensor
        def relabel(Tensor t, device):
            t._device = device
            t._storage.device = device
            return t
        """))
    (d / "setup.py").write_text(textwrap.dedent(f"""\
        from setuptools import setup, Extension
        from Cython.Build import cythonize
        ext = Extension("fakecuda", ["fakecuda.pyx"], include_dirs=[{os.path.join(EXT_DIR, "include")!r}])
        setup(ext_modules=cythonize([ext], include_path=[{os.path.dirname(os.path.dirname(EXT_DIR))!r}], quiet=True))
        """))
    r = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q"], cwd=d,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.skip("cannot build the relabelling module: " + r.stderr[-500:])
    sys.path.insert(0, str(d))
    try:
        import fakecuda
    finally:
        sys.path.remove(str(d))
    device = pyt.device("cuda:0")
    return lambda t: fakecuda.relabel(t, device)


def _host_answer(result, args):
    """What in result could only come from reading the fake device memory on the host."""
    if isinstance(result, pyt.Tensor):
        return "a CPU tensor" if result.device.type == "cpu" else None
    if isinstance(result, (list, tuple)):
        return next((w for w in (_host_answer(r, args) for r in result) if w), None)
    if isinstance(result, (bool, int, float, complex)) or hasattr(result, "__array_interface__"):
        return f"a {type(result).__name__}"
    return None


def test_the_fake_reaches_the_cuda_runtime(fake_cuda):
    """Guards the two tests below against passing vacuously."""
    x = fake_cuda(pyt.randn(3))
    assert x.is_cuda and x.device == pyt.device("cuda:0")
    with pytest.raises(RuntimeError, match="NVIDIA|CUDA"):
        x + 1
    assert sum(1 for _ in public_ops()) > 500


def test_where_takes_a_python_scalar_to_the_gpu_as_a_scalar(fake_cuda):
    # a scalar side travels in the launch (relu's backward is where(v <= 0, 0.0, g)): the
    # result is made on the tensors' device and the call reaches the CUDA runtime, where
    # a result made on the scalar's (CPU) device was refused as a device mix
    cond = fake_cuda(pyt.tensor([True, False]))
    g = fake_cuda(pyt.randn(2))
    calls = [lambda: pyt.where(cond, 0.0, g), lambda: pyt.where(cond, g, 0.0),
             lambda: pyt.where(pyt.tensor(True), g, pyt.tensor(2.0)),
             lambda: pyt.where(cond, pyt.tensor(1.0), g),
             lambda: g.masked_fill_(cond, 1.5)]
    for call in calls:
        with pytest.raises(RuntimeError, match="NVIDIA|CUDA"):
            call()


def test_no_op_reads_cuda_memory_on_the_host(fake_cuda):
    offenders = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for qualified, name, fn in public_ops():
            for args in argument_lists(fake_cuda):
                try:
                    result = fn(*args)
                except Exception:
                    continue
                what = None if name in METADATA else _host_answer(result, args)
                if what:
                    offenders.append(f"{qualified}{describe(args)} gave {what}")
                    break
    assert not offenders, "\n".join(offenders)


def test_no_op_writes_a_cuda_out_tensor_on_the_host(fake_cuda):
    offenders = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for qualified, name, fn in public_ops():
            if qualified.startswith("Tensor."):
                continue
            for shape in ((4, 4), (4,), ()):
                for args in argument_lists(fake_cuda):
                    try:
                        fn(*args, out=fake_cuda(pyt.empty(shape)))
                    except Exception:
                        continue
                    offenders.append(f"{qualified}{describe(args)} wrote out")
                    break
    assert not offenders, "\n".join(offenders)


def test_a_cuda_tensor_exposes_no_host_memory(fake_cuda):
    # the buffer protocol is refused before a pointer is handed out (torch's CUDA tensors
    # have no buffer at all), and numpy's conversions say to copy to the host first
    import numpy as np
    x = fake_cuda(pyt.arange(6.0).reshape(2, 3))
    with pytest.raises(BufferError, match="cpu"):
        memoryview(x)
    with pytest.raises(BufferError):
        bytes(x)
    if hasattr(x, "__buffer__"):                 # Python 3.12
        for flags in (0, 1, 0x11c):
            with pytest.raises(BufferError):
                x.__buffer__(flags)
    for convert in (np.asarray, np.array, lambda t: t.numpy(), lambda t: t.__array__()):
        with pytest.raises(TypeError, match=r"cuda:0 device type tensor to numpy\. Use "
                                            r"Tensor\.cpu\(\)"):
            convert(x)
    with pytest.raises(BufferError):
        memoryview(x.untyped_storage())


def test_the_legacy_constructor_aliases_a_cuda_tensor(fake_cuda):
    # torch.Tensor(other) is other.alias(): same memory, dtype and device (no CPU copy)
    x = fake_cuda(pyt.arange(6, dtype=pyt.float64).reshape(2, 3).t())
    y = pyt.Tensor(x)
    assert y.device == x.device and y.dtype is pyt.float64
    assert y.data_ptr() == x.data_ptr() and y.shape == x.shape and y.stride() == x.stride()


def test_set_with_no_source_stays_on_the_tensors_device(fake_cuda):
    # the empty storage is allocated on the tensor's device (here: the CUDA runtime, which
    # has no driver), not on the CPU, which set_ would refuse as another device
    x = fake_cuda(pyt.ones(3))
    with pytest.raises(RuntimeError) as e:
        x.set_()
    assert "different device" not in str(e.value) and re.search("NVIDIA|CUDA", str(e.value))
