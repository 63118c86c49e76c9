# The dtype objects and type promotion. Codes come from include/pyt_dtypes.h.

cdef extern from "pyt_dtypes.h":
    enum:
        PYT_BOOL, PYT_UINT8, PYT_INT8, PYT_INT16, PYT_INT32, PYT_INT64,
        PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64, PYT_NUM_DTYPES
    float pyt_half_to_float(unsigned short h) nogil
    unsigned short pyt_float_to_half(float f) nogil
    float pyt_bfloat16_to_float(unsigned short b) nogil
    unsigned short pyt_float_to_bfloat16(float f) nogil


cdef class dtype:
    cdef readonly int code
    cdef readonly int itemsize
    cdef readonly str name             # 'float32'
    cdef readonly bint is_floating_point
    cdef readonly bint is_signed
    cdef readonly str format           # PEP 3118 code, '' when there is none
    cdef readonly object numpy_dtype   # numpy.dtype, None for bfloat16


cdef dtype dtype_of_code(int code)
cdef dtype promote(dtype a, dtype b)
cdef str scalar_type_name(int code)       # torch's ScalarType name: "Float", "Long", ...
cdef str cpp_type_name(int code)          # its C++ type name: "float", "long int", ...
cdef dtype get_default(bint floating)   # default float dtype / int64
cdef bint is_integral(dtype d, bint include_bool)
