# cython: language_level=3, boundscheck=False, wraparound=False
"""dtype objects, their promotion lattice, and the default dtype."""
import numpy as np

cdef list _ALL = [None] * PYT_NUM_DTYPES
cdef dict _BY_NAME = {}


cdef class dtype:
    def __repr__(self):
        return "pyt." + self.name

    def __reduce__(self):
        # dtypes are singletons: pickle by name
        return (_dtype_by_name, (self.name,))

    @property
    def is_complex(self):
        return False

    def to_real(self):
        return self

    def to_complex(self):
        raise TypeError("pyt has no complex dtypes yet")


def _dtype_by_name(str name):
    return _BY_NAME[name]


cdef dtype _make(int code, int itemsize, str name, bint floating, bint signed,
                 str fmt, object np_dtype):
    cdef dtype d = dtype.__new__(dtype)
    d.code = code
    d.itemsize = itemsize
    d.name = name
    d.is_floating_point = floating
    d.is_signed = signed
    d.format = fmt
    d.numpy_dtype = np_dtype
    _ALL[code] = d
    _BY_NAME[name] = d
    return d


bool_ = _make(PYT_BOOL, 1, "bool", False, False, "?", np.dtype(np.bool_))
uint8 = _make(PYT_UINT8, 1, "uint8", False, False, "B", np.dtype(np.uint8))
int8 = _make(PYT_INT8, 1, "int8", False, True, "b", np.dtype(np.int8))
int16 = _make(PYT_INT16, 2, "int16", False, True, "h", np.dtype(np.int16))
int32 = _make(PYT_INT32, 4, "int32", False, True, "i", np.dtype(np.int32))
int64 = _make(PYT_INT64, 8, "int64", False, True, "q", np.dtype(np.int64))
float16 = _make(PYT_FLOAT16, 2, "float16", True, True, "e", np.dtype(np.float16))
bfloat16 = _make(PYT_BFLOAT16, 2, "bfloat16", True, True, "", None)
float32 = _make(PYT_FLOAT32, 4, "float32", True, True, "f", np.dtype(np.float32))
float64 = _make(PYT_FLOAT64, 8, "float64", True, True, "d", np.dtype(np.float64))

all_dtypes = tuple(_ALL)

cdef dtype _default_float = float32


cdef dtype dtype_of_code(int code):
    return <dtype>_ALL[code]


# torch's names for dtypes in its error messages: ScalarType names and C++ type names
cdef tuple _SCALAR_TYPE_NAMES = ("Bool", "Byte", "Char", "Short", "Int", "Long", "Half",
                                 "BFloat16", "Float", "Double")
cdef tuple _CPP_TYPE_NAMES = ("bool", "unsigned char", "signed char", "short int", "int",
                              "long int", "c10::Half", "c10::BFloat16", "float", "double")


cdef str scalar_type_name(int code):
    return _SCALAR_TYPE_NAMES[code]


cdef str cpp_type_name(int code):
    return _CPP_TYPE_NAMES[code]


cdef dtype get_default(bint floating):
    return _default_float if floating else int64


cdef bint is_integral(dtype d, bint include_bool):
    if d.code == PYT_BOOL:
        return include_bool
    return not d.is_floating_point


cdef dtype promote(dtype a, dtype b):
    """The smallest dtype both convert to without losing range (torch's table)."""
    if a is b:
        return a
    if a.code == PYT_BOOL:
        return b
    if b.code == PYT_BOOL:
        return a
    if a.is_floating_point or b.is_floating_point:
        if not b.is_floating_point:
            return a
        if not a.is_floating_point:
            return b
        if a.itemsize == b.itemsize:          # float16 with bfloat16
            return float32
        return a if a.itemsize > b.itemsize else b
    # both integers
    if a.code == PYT_UINT8 or b.code == PYT_UINT8:
        other = b if a.code == PYT_UINT8 else a
        return int16 if other.code == PYT_INT8 else other
    return a if a.itemsize > b.itemsize else b


def promote_types(dtype type1, dtype type2):
    """The dtype to which both convert (``torch.promote_types``)."""
    return promote(type1, type2)


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    if not isinstance(d, dtype) or not (<dtype>d).is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    if (<dtype>d).code not in (PYT_FLOAT32, PYT_FLOAT64, PYT_FLOAT16, PYT_BFLOAT16):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


cdef dict _FROM_NUMPY = {(<dtype>d).numpy_dtype: d for d in _ALL
                        if (<dtype>d).numpy_dtype is not None}


def from_numpy_dtype(np_dtype):
    """pyt dtype of a numpy dtype, or TypeError as torch.from_numpy raises."""
    found = _FROM_NUMPY.get(np_dtype)
    if found is not None:
        return found
    np_dtype = np.dtype(np_dtype)
    found = _FROM_NUMPY.get(np_dtype)
    if found is not None:
        return found
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{np_dtype}. The only supported types "
        "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
