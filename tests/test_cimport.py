"""A Cython user's extension: cimports pyt's Tensor and reads / writes its memory.

Builds a small .pyx the way a user's setup.py would (setuptools + cythonize with
``include_dirs=[pyt.get_include()]``), imports it and runs it on pyt tensors.
Skips only when there is no C compiler (or no Cython).
"""
import importlib.util
import os
import shutil
import sysconfig

import numpy as np
import pytest

import pyt

USER_PYX = '''
# cython: language_level=3
from pyt._ext.tensor cimport (Tensor, tensor_data, tensor_ndim, tensor_shape,
                              tensor_strides, tensor_numel, tensor_dtype_code)
from pyt._ext.dtypes cimport PYT_FLOAT32, PYT_FLOAT64


def geometry(Tensor t):
    cdef int i, nd = tensor_ndim(t)
    return (nd, tuple(tensor_shape(t)[i] for i in range(nd)),
            tuple(tensor_strides(t)[i] for i in range(nd)),
            tensor_numel(t), tensor_dtype_code(t))


cdef Py_ssize_t element_offset(Tensor t, Py_ssize_t flat):
    """Offset in elements of the flat-th element (row-major order), following strides."""
    cdef Py_ssize_t off = 0
    cdef int d
    for d in range(tensor_ndim(t) - 1, -1, -1):
        off += (flat % tensor_shape(t)[d]) * tensor_strides(t)[d]
        flat //= tensor_shape(t)[d]
    return off


def double_in_place(Tensor t):
    """t *= 2 for a float32 or float64 tensor of any strides."""
    cdef Py_ssize_t k, n = tensor_numel(t)
    cdef int code = tensor_dtype_code(t)
    if code != PYT_FLOAT32 and code != PYT_FLOAT64:
        raise TypeError("float32 or float64 expected")
    for k in range(n):
        if code == PYT_FLOAT32:
            (<float*>tensor_data(t))[element_offset(t, k)] *= 2
        else:
            (<double*>tensor_data(t))[element_offset(t, k)] *= 2


def total(Tensor t):
    """Sum of a float tensor's elements, read in row-major order."""
    cdef Py_ssize_t k
    cdef double s = 0
    for k in range(tensor_numel(t)):
        if tensor_dtype_code(t) == PYT_FLOAT32:
            s += (<float*>tensor_data(t))[element_offset(t, k)]
        else:
            s += (<double*>tensor_data(t))[element_offset(t, k)]
    return s
'''


def _have_c_compiler():
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(os.environ.get("CC", cc).split()[0]) is not None


@pytest.fixture(scope="module")
def user_ext(tmp_path_factory):
    if not _have_c_compiler():
        pytest.skip("no C compiler found")
    pytest.importorskip("Cython")
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    work = tmp_path_factory.mktemp("cimport")
    pyx = work / "pyt_user_ext.pyx"
    pyx.write_text(USER_PYX)
    # what a user's setup.py does; the .pxd files are found through sys.path
    ext = Extension("pyt_user_ext", [str(pyx)], include_dirs=[pyt.get_include()])
    dist = Distribution({"ext_modules": cythonize([ext], quiet=True),
                         "script_args": ["build_ext", "--build-lib", str(work),
                                         "--build-temp", str(work / "tmp")]})
    dist.parse_command_line()
    dist.run_commands()
    built = [p for p in work.iterdir() if p.name.startswith("pyt_user_ext.") and
             p.suffix in (".so", ".pyd")]
    assert built, f"no extension built in {work}"
    spec = importlib.util.spec_from_file_location("pyt_user_ext", built[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_get_include_holds_the_headers():
    inc = pyt.get_include()
    for header in ["pyt_dtypes.h", "pyt_loop.h", "dlpack.h"]:
        assert os.path.isfile(os.path.join(inc, header))
    # the .pxd files a user cimports sit in the package, found through sys.path
    assert os.path.isfile(os.path.join(os.path.dirname(pyt.__file__), "_ext", "tensor.pxd"))


@pytest.mark.parametrize("dt", [pyt.float32, pyt.float64], ids=str)
def test_user_extension_contiguous(user_ext, dt):
    t = pyt.arange(12, dtype=dt).view(3, 4)
    code = {pyt.float32: 8, pyt.float64: 9}[dt]
    assert user_ext.geometry(t) == (2, (3, 4), (4, 1), 12, code)
    assert user_ext.total(t) == 66.0
    user_ext.double_in_place(t)
    np.testing.assert_array_equal(t.numpy(), np.arange(12).reshape(3, 4) * 2)


@pytest.mark.parametrize("dt", [pyt.float32, pyt.float64], ids=str)
def test_user_extension_strided(user_ext, dt):
    base = pyt.arange(24, dtype=dt).view(4, 6)
    expected = np.arange(24.0).reshape(4, 6)
    v = base.t()
    assert user_ext.geometry(v)[:3] == (2, (6, 4), (1, 6))
    assert user_ext.total(v) == expected.sum()
    user_ext.double_in_place(v)                       # writes through the transposed view
    expected *= 2
    np.testing.assert_array_equal(base.numpy(), expected)
    w = base[1:, ::2]                                 # offset and stepped
    assert user_ext.total(w) == expected[1:, ::2].sum()
    user_ext.double_in_place(w)
    expected[1:, ::2] *= 2
    np.testing.assert_array_equal(base.numpy(), expected)
    neg = pyt.from_numpy(np.arange(5.0)[::-1].astype(np.dtype(str(dt).split(".")[1])))
    user_ext.double_in_place(neg)                     # negative strides
    assert neg.tolist() == [8.0, 6.0, 4.0, 2.0, 0.0]


def test_user_extension_edge_shapes(user_ext):
    s = pyt.tensor(1.5, dtype=pyt.float64)
    user_ext.double_in_place(s)
    assert s.item() == 3.0 and user_ext.geometry(s) == (0, (), (), 1, 9)
    z = pyt.zeros(0, 3)
    user_ext.double_in_place(z)
    assert user_ext.total(z) == 0.0
    with pytest.raises(TypeError):
        user_ext.double_in_place(pyt.ones(2, dtype=pyt.int32))
    with pytest.raises(TypeError):
        user_ext.total(np.ones(2))                    # typed argument: a Tensor only
