# The tensor type. This file is public: Cython extensions cimport it
# (`from pyt._ext.tensor cimport Tensor, tensor_data, ...`), so every field
# added here breaks extensions compiled against an older pyt. Keep it small.
from pyt._ext.dtypes cimport dtype
from pyt._ext.storage cimport Storage


cdef class Tensor:
    cdef Storage _storage
    cdef dtype _dtype
    cdef object _device
    cdef int _ndim
    cdef Py_ssize_t* _shape          # _ndim sizes, then _strides
    cdef Py_ssize_t* _strides        # in elements, may be 0 (expanded) or negative
    cdef Py_ssize_t _small[8]        # holds shape+strides up to 4 dims without malloc
    cdef Py_ssize_t _offset          # storage offset, in elements
    cdef Py_ssize_t _numel
    cdef char* _data                 # storage data + offset * itemsize
    # autograd
    cdef bint _requires_grad
    cdef object _grad
    cdef object _grad_fn
    cdef int _output_nr
    cdef object _view_of             # the tensor this is a view of (torch: ._base)
    cdef dict __dict__
    cdef object __weakref__

    cdef int _set_geometry(self, int ndim, const Py_ssize_t* shape,
                           const Py_ssize_t* strides) except -1


# Accessors for Cython users: raw data and geometry of a CPU tensor.
cdef inline char* tensor_data(Tensor t) noexcept:
    return t._data

cdef inline int tensor_ndim(Tensor t) noexcept:
    return t._ndim

cdef inline const Py_ssize_t* tensor_shape(Tensor t) noexcept:
    return t._shape

cdef inline const Py_ssize_t* tensor_strides(Tensor t) noexcept:
    """Strides in elements."""
    return t._strides

cdef inline Py_ssize_t tensor_numel(Tensor t) noexcept:
    return t._numel

cdef inline int tensor_dtype_code(Tensor t) noexcept:
    return t._dtype.code

cdef inline int tensor_itemsize(Tensor t) noexcept:
    return t._dtype.itemsize


# Constructors and helpers shared with other Cython modules of pyt.
cdef Tensor new_empty(int ndim, const Py_ssize_t* shape, dtype dt, object device, bint zeroed)
cdef Tensor new_view(Tensor src, int ndim, const Py_ssize_t* shape,
                     const Py_ssize_t* strides, Py_ssize_t offset)
cdef int copy_into(Tensor dst, Tensor src) except -1
cdef bint is_contiguous(Tensor t) noexcept
cdef Tensor contiguous(Tensor t)
cdef int wrap_dim(object dim, int ndim) except -1
