import numpy as np
import pytest

import pyt
from conftest import ALL_DTYPES

torch_names = {"bool": "bool", "uint8": "uint8", "int8": "int8", "int16": "int16",
               "int32": "int32", "int64": "int64", "float16": "float16",
               "bfloat16": "bfloat16", "float32": "float32", "float64": "float64"}


def test_dtype_attributes():
    assert pyt.float32.itemsize == 4 and pyt.float32.is_floating_point
    assert pyt.bfloat16.itemsize == 2 and pyt.bfloat16.is_floating_point
    assert not pyt.int64.is_floating_point and pyt.int64.is_signed
    assert not pyt.uint8.is_signed and not pyt.bool.is_signed
    assert repr(pyt.float16) == "pyt.float16"
    assert pyt.float is pyt.float32 and pyt.double is pyt.float64 and pyt.half is pyt.float16
    assert pyt.long is pyt.int64 and pyt.int is pyt.int32 and pyt.short is pyt.int16


def test_dtypes_pickle_as_singletons():
    import pickle
    for d in ALL_DTYPES:
        assert pickle.loads(pickle.dumps(d)) is d


@pytest.mark.parametrize("a", ALL_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("b", ALL_DTYPES, ids=lambda d: d.name)
def test_promote_types_matches_torch(a, b):
    torch = pytest.importorskip("torch")
    expected = torch.promote_types(getattr(torch, a.name), getattr(torch, b.name))
    assert pyt.promote_types(a, b).name == str(expected).replace("torch.", "")


def test_promote_types_table():
    assert pyt.promote_types(pyt.uint8, pyt.int8) is pyt.int16
    assert pyt.promote_types(pyt.float16, pyt.bfloat16) is pyt.float32
    assert pyt.promote_types(pyt.int64, pyt.float16) is pyt.float16
    assert pyt.promote_types(pyt.bool, pyt.uint8) is pyt.uint8


def test_result_type():
    i32 = pyt.zeros(2, dtype=pyt.int32)
    assert pyt.result_type(i32, 1) is pyt.int32
    assert pyt.result_type(i32, 1.5) is pyt.float32
    assert pyt.result_type(pyt.zeros(2, dtype=pyt.float16), 1.5) is pyt.float16
    assert pyt.result_type(pyt.tensor(True), 2) is pyt.int64
    assert pyt.result_type(i32, pyt.tensor(1.0, dtype=pyt.float64)) is pyt.float64
    assert pyt.result_type(pyt.zeros(2, dtype=pyt.float16), pyt.tensor(1.0, dtype=pyt.float64)) is pyt.float16
    assert pyt.result_type(pyt.zeros(2, dtype=pyt.bool), 2.5) is pyt.float32
    assert pyt.result_type(i32, pyt.tensor(1, dtype=pyt.int64)) is pyt.int32
    assert pyt.result_type(pyt.tensor(1, dtype=pyt.int8), pyt.tensor(1, dtype=pyt.int64)) is pyt.int64
    assert pyt.result_type(2, 2.5) is pyt.float32


def test_default_dtype():
    assert pyt.get_default_dtype() is pyt.float32
    try:
        pyt.set_default_dtype(pyt.float64)
        assert pyt.tensor([1.5]).dtype is pyt.float64
        assert pyt.zeros(2).dtype is pyt.float64
        assert pyt.arange(0, 1, 0.5).dtype is pyt.float64
    finally:
        pyt.set_default_dtype(pyt.float32)
    with pytest.raises(TypeError):
        pyt.set_default_dtype(pyt.int32)


def test_finfo_iinfo():
    assert pyt.finfo(pyt.float32).eps == np.finfo(np.float32).eps
    assert pyt.finfo(pyt.float16).max == 65504.0
    assert pyt.finfo(pyt.bfloat16).eps == 2 ** -7
    assert pyt.finfo().dtype == "float32"
    assert pyt.iinfo(pyt.int8).min == -128 and pyt.iinfo(pyt.uint8).max == 255
    with pytest.raises(TypeError):
        pyt.iinfo(pyt.float32)
    with pytest.raises(TypeError):
        pyt.finfo(pyt.int32)


def test_device():
    d = pyt.device("cpu")
    assert d.type == "cpu" and d.index is None and str(d) == "cpu"
    assert pyt.zeros(1).device == "cpu" and pyt.zeros(1).device == d
    assert pyt.device("cuda:1").index == 1 and repr(pyt.device("cuda", 0)) == "device(type='cuda', index=0)"
    with pytest.raises(RuntimeError):
        pyt.device("tpu")
    with pytest.raises(RuntimeError):
        pyt.zeros(2, device="cuda")
