"""pyt.cuda on a machine without a GPU (or a build without CUDA): it imports, answers
"no device" as torch's CPU build does, and never crashes. Also checks that the C API's
stubs (cuda_src/stub.c) and runtime (cuda_src/runtime.cu) cover pyt_cuda.h."""
import re
from pathlib import Path

import pytest

import pyt
import pyt.cuda
from pyt._ext import cuda as _cuda

CUDA_SRC = Path(__file__).resolve().parent.parent / "cuda_src"

pytestmark = pytest.mark.skipif(pyt.cuda.device_count() > 0,
                                reason="checks the behaviour without a GPU")


def test_is_available_is_false_and_nothing_is_initialised():
    assert pyt.cuda.is_available() is False
    assert pyt.cuda.device_count() == 0
    assert pyt.cuda.is_initialized() is False


def test_is_built_matches_the_build():
    assert pyt.backends.cuda.is_built() == _cuda.is_built()
    assert isinstance(_cuda.is_built(), bool)


def test_memory_queries_answer_zero_like_torch_cpu_build():
    assert pyt.cuda.memory_allocated() == 0
    assert pyt.cuda.max_memory_allocated() == 0
    assert pyt.cuda.memory_reserved() == 0
    assert pyt.cuda.max_memory_reserved() == 0
    assert dict(pyt.cuda.memory_stats()) == {}
    pyt.cuda.empty_cache()
    pyt.cuda.reset_peak_memory_stats()
    pyt.cuda.reset_max_memory_allocated()
    assert "not available" in pyt.cuda.memory_summary()


def test_memory_queries_match_torch():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("torch sees a GPU")
    assert pyt.cuda.memory_allocated() == torch.cuda.memory_allocated()
    assert pyt.cuda.memory_reserved() == torch.cuda.memory_reserved()
    assert dict(pyt.cuda.memory_stats()) == dict(torch.cuda.memory_stats())


@pytest.mark.parametrize("name", ["current_device", "synchronize", "init", "initial_seed",
                                  "get_rng_state", "mem_get_info", "get_device_name",
                                  "get_device_properties", "get_device_capability",
                                  "current_stream", "default_stream"])
def test_calls_that_need_a_device_raise(name):
    # torch raises AssertionError without CUDA compiled in, RuntimeError without a device
    with pytest.raises((AssertionError, RuntimeError)):
        getattr(pyt.cuda, name)()
    assert pyt.cuda.is_initialized() is False


def test_streams_need_a_device():
    with pytest.raises(RuntimeError):
        pyt.cuda.Stream()
    with pytest.raises((AssertionError, RuntimeError)):
        pyt.cuda.set_device(0)


def test_no_op_contexts():
    with pytest.raises((AssertionError, RuntimeError)):
        pyt.cuda.device(0)
    with pyt.cuda.stream(None) as s:
        assert s is None
    with pyt.cuda.device(None):
        pass
    with pyt.cuda.device_of(pyt.zeros(2)):
        pass
    pyt.cuda.set_stream(None)
    pyt.cuda.set_device(-1)


def test_event_before_recording():
    e = pyt.cuda.Event(enable_timing=True)
    assert e.query() is True
    e.synchronize()
    assert e.cuda_event == 0
    assert "uninitialized" in repr(e)


def test_out_of_memory_error_is_a_runtime_error():
    assert issubclass(pyt.cuda.OutOfMemoryError, RuntimeError)
    assert pyt.cuda.OutOfMemoryError is _cuda.OutOfMemoryError


def test_allow_tf32_round_trips():
    matmul = pyt.backends.cuda.matmul
    assert matmul.allow_tf32 is False              # torch's default
    try:
        matmul.allow_tf32 = True
        assert matmul.allow_tf32 is True
        matmul.allow_tf32 = False
        assert matmul.allow_tf32 is False
    finally:
        matmul.allow_tf32 = False
    with pytest.raises(AttributeError):
        matmul.no_such_flag = 1


def test_cudnn_flags_are_plain_attributes():
    cudnn = pyt.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (
        True, False, False, True)
    old = cudnn.benchmark
    cudnn.benchmark = True
    assert pyt.backends.cudnn.benchmark is True
    cudnn.benchmark = old
    assert cudnn.is_available() is False


def test_seeding_without_a_device_works_lazily():
    pyt.cuda.manual_seed(3)
    pyt.cuda.manual_seed_all(3)
    pyt.cuda.seed()
    pyt.cuda.seed_all()
    assert pyt.cuda.default_generators == ()
    pyt.manual_seed(5)
    a = pyt.rand(4)
    pyt.manual_seed(5)
    assert pyt.equal(a, pyt.rand(4))
    assert pyt.initial_seed() == 5
    pyt.seed()
    with pyt.random.fork_rng():
        pyt.rand(3)


def test_cuda_generators_need_a_device():
    with pytest.raises(RuntimeError):
        pyt.Generator("cuda")
    with pytest.raises(RuntimeError):
        pyt.Generator(device="cuda:0")
    assert pyt.Generator("cpu").device == pyt.device("cpu")


def test_device_index_parsing():
    assert _cuda.device_index(1) == 1
    assert _cuda.device_index("cuda:2") == 2
    assert _cuda.device_index(pyt.device("cuda", 3)) == 3
    with pytest.raises(ValueError):
        _cuda.device_index("cpu")
    with pytest.raises(ValueError):
        _cuda.device_index(None, optional=False)
    with pytest.raises(TypeError):
        _cuda.device_index(1.5)


def test_error_strings():
    assert _cuda._error_string(0) == "no error"
    assert "without CUDA" in _cuda._error_string(-1)
    assert "out of memory" in _cuda._error_string(-2)
    assert _cuda._device_count_error() is not None       # why there is no device


# ----- the C API's coverage ---------------------------------------------------------------

def _declared_functions(text):
    """Names of the functions a C text declares or defines at top level (not static)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    names = re.findall(r"^(?!static)(?:const\s+)?[a-z_0-9]+\s*\*?\s*(pyt_\w+)\s*\(", text,
                       flags=re.M)
    return set(names)


def _header_sections():
    """{section title: function names} of pyt_cuda.h."""
    text = (CUDA_SRC / "pyt_cuda.h").read_text()
    parts = re.split(r"/\* ---- (.+?) -+", text)
    return {parts[i].strip(): _declared_functions(parts[i + 1])
            for i in range(1, len(parts) - 1, 2)}


def test_every_function_of_the_header_has_a_stub():
    declared = set().union(*_header_sections().values())
    assert "pyt_cuda_malloc" in declared and "pyt_cuda_gemm" in declared
    host_allocator = {n for n in declared if n.startswith("pyt_alloc_test_")}
    assert host_allocator <= _declared_functions((CUDA_SRC / "allocator.cpp").read_text())
    stubs = _declared_functions((CUDA_SRC / "stub.c").read_text())
    missing = declared - host_allocator - stubs
    assert not missing, f"no stub in stub.c for {sorted(missing)}"
    assert not stubs - declared, f"stubs for functions not in pyt_cuda.h: {sorted(stubs - declared)}"


def test_runtime_cu_defines_its_sections():
    sections = _header_sections()
    ours = set()
    for title in ("errors", "devices", "streams and events", "memory"):
        key = next(k for k in sections if k.startswith(title))
        ours |= sections[key]
    ours = {n for n in ours if not n.startswith("pyt_alloc_test_")}
    defined = _declared_functions((CUDA_SRC / "runtime.cu").read_text())
    assert not ours - defined, f"not in runtime.cu: {sorted(ours - defined)}"
