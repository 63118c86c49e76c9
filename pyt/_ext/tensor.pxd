# The tensor type. This file is public: Cython extensions cimport it
# (`from pyt._ext.tensor cimport Tensor, tensor_data, ...`), so every field
# added here breaks extensions compiled against an older pyt. Keep it small.
from pyt._ext.dtypes cimport dtype
from pyt._ext.storage cimport Storage
from pyt._ext.loop cimport pyt_inner_loop


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
    cdef object _autograd_meta       # dict: leaf accumulator (weak), hooks, retains_grad
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
cdef void byte_extent(Tensor t, char** lo, char** hi) noexcept
cdef Tensor contiguous(Tensor t)
cdef int wrap_dim(object dim, int ndim) except -1


# Grad mode (thread-local) and graph recording.
cdef bint grad_enabled() noexcept nogil
cdef void set_grad_enabled_flag(bint enabled) noexcept nogil
cdef bint inference_mode_enabled() noexcept nogil
cdef void set_inference_mode_flag(bint enabled) noexcept nogil


cdef int _check_hook_result(object result, object grad, object hook) except -1
# recording an op (recording.pxi)
from pyt._ext.graph cimport Node, backward_c_fn
cdef Node _record(str name, backward_c_fn backward, tuple inputs, tuple outputs)
cdef Node _record_inplace(str name, backward_c_fn backward, Tensor self, tuple others)
cdef int _check_inplace_allowed(Tensor self) except -1
cdef Tensor _sum_to(Tensor grad, object shape)
cdef Tensor _add_grads(Tensor a, Tensor b)
cdef object _grad_like(object g, object meta)
cdef object _meta(object x)
cdef bint _wants_grad(tuple inputs)
cdef int _refuse_out(object out, str name) except -1
cdef Tensor _inplace_result(Tensor self, Tensor result)


# For pyt's own op modules (reductions, linalg, ...): the machinery every op shares.
# Not a stable API for users.
cdef int _parse_size(tuple args, Py_ssize_t* out, str what) except -1
cdef Py_ssize_t _checked_numel(int ndim, const Py_ssize_t* shape, int itemsize) except -1
cdef void _contiguous_strides(int ndim, const Py_ssize_t* shape, Py_ssize_t* strides) noexcept
cdef Tensor _empty_like_layout(Tensor src, dtype dt)
cdef bint _may_overlap(Tensor a, Tensor b) noexcept
cdef bint _same_geometry(Tensor a, Tensor b) noexcept
cdef bint _has_internal_overlap(Tensor t) noexcept
cdef int _broadcast_strides_to(Tensor src, int ndim, const Py_ssize_t* shape,
                               Py_ssize_t* out) except -1
cdef int _broadcast_shape(Tensor a, Tensor b, Py_ssize_t* out) except -1
cdef dtype _result_dtype(object a, object b)
cdef dtype _result_dtype_of(tuple operands)
cdef Tensor _binary(int op, object a, object b, object out, bint inplace)
cdef Tensor _operand(object x, dtype dt)
cdef int _run_binary(pyt_inner_loop fn, Tensor out, Tensor a, Tensor b) except -1
cdef Tensor scalar_tensor_of(object value, dtype dt)
cdef Tensor _to_dtype(Tensor t, dtype dt, bint copy)
cdef dtype _parse_dtype(object d)
cdef object _check_device(object dev)
cdef object _into_out(Tensor result, object out)
cdef object _read_element(char* p, int code)
cdef int _write_scalar(char* p, dtype dt, object value) except -1
cdef Tensor resize_(Tensor self, tuple sizes)
cpdef Tensor clone(Tensor input)
cpdef Tensor detach(Tensor input)
cpdef Tensor transpose(Tensor input, dim0, dim1)
cpdef object item(Tensor t)
cpdef Tensor copy_(Tensor self, object src)
cpdef Tensor fill_(Tensor self, object value)


# CUDA (cuda_dispatch.pxi): what every op's CUDA path shares. cuda_iter fills a
# pyt_cuda_iter; it is a void* here so that extensions cimporting this file need no CUDA
# header.
cdef object cuda_device(int index)
cdef bint is_cuda(Tensor t) noexcept
cdef int cuda_check(int rc, str what) except -1
cdef object common_device(tuple tensors)
cdef int refuse_cuda(str what, Tensor t) except -1
cdef int _refuse_args(str what, tuple args) except -1
cdef int cuda_iter(void* it, Tensor out, Tensor a, Tensor b, Tensor c) except -1
