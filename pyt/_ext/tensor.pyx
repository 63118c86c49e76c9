# cython: language_level=3, cdivision=True
"""The tensor type.

The class body lists the Tensor API; most methods hand over to the module-level
function of the same name, which lives in one of the included .pxi files, one
concept each:

    views.pxi      shape and stride views (view, transpose, expand, split, ...)
    creation.pxi   tensor, from_numpy, zeros, arange, *_like, ...
    convert.pxi    copy_, to, dtype conversion, item, tolist, numpy, buffer protocol
    joining.pxi    cat, stack, flip, roll, repeat, tile, tril, triu
    indexing.pxi   __getitem__ / __setitem__ and the index ops (gather, scatter, ...)
    pointwise.pxi  add, sub, mul, div and comparisons: promotion, broadcasting, scalars
    random.pxi     the Philox generator and random tensors
    dlpack.pxi     DLPack exchange
"""
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.ref cimport Py_INCREF, Py_REFCNT
from cpython.buffer cimport (PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES,
    PyBUF_RECORDS_RO, PyObject_GetBuffer, PyBuffer_Release)
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from pyt._ext.cuda_api cimport *
from libc.stdint cimport int64_t, uint64_t, uint8_t, int8_t, int16_t, int32_t, uint16_t

from pyt._ext.dtypes cimport dtype as DType
from pyt._ext.dtypes cimport scalar_type_name, cpp_type_name
from pyt._ext.dtypes cimport (dtype, dtype_of_code, promote, get_default, is_integral,
    PYT_BOOL, PYT_UINT8, PYT_INT8, PYT_INT16, PYT_INT32, PYT_INT64, PYT_FLOAT16,
    PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64, PYT_NUM_DTYPES,
    pyt_half_to_float, pyt_float_to_half, pyt_bfloat16_to_float, pyt_float_to_bfloat16)
from pyt._ext.storage cimport Storage, new_storage, wrap_storage, cuda_storage
from pyt._ext.parallel cimport num_threads
from pyt._ext.index_kernels cimport (IndexOffsets, LinearOffsets, Accumulate, Masked,
    ACC_ADD, ACC_MULTIPLY, index_offsets_loop, linear_offsets_loop, gather_loop, scatter_loop,
    accumulate_loop, masked_fill_loop, masked_select_loop, masked_scatter_loop,
    count_nonzero_loop, where_loop, nonzero_coordinates)

import numpy as np
from pyt._ext import dtypes as _dtypes
from pyt._ext.device import device, cpu as _cpu
from pyt._ext.layout import strided as _strided

from pyt._ext.graph cimport (Node, new_node, new_c_node, backward_c_fn,
    set_version_reader)
import threading as _threading
from weakref import ref as _weakref
from pyt._ext.loop cimport (PYT_MAX_DIMS, PYT_MAX_OPERANDS, PYT_GRAIN_SIZE, pyt_inner_loop,
    pyt_iter, pyt_iter_init, pyt_iter_range, pyt_iter_run, pyt_cast_table, pyt_move_loop)

cdef extern from "pyt_grad_mode.h":
    int pyt_grad_disabled
    int pyt_inference_mode


cdef bint grad_enabled() noexcept nogil:
    return not pyt_grad_disabled


cdef void set_grad_enabled_flag(bint enabled) noexcept nogil:
    global pyt_grad_disabled
    pyt_grad_disabled = not enabled


cdef bint inference_mode_enabled() noexcept nogil:
    return pyt_inference_mode


cdef void set_inference_mode_flag(bint enabled) noexcept nogil:
    global pyt_inference_mode
    pyt_inference_mode = enabled


def is_grad_enabled():
    """Whether ops on this thread record the autograd graph."""
    return not pyt_grad_disabled


def _set_grad_enabled(bint enabled):
    set_grad_enabled_flag(enabled)


def is_inference_mode_enabled():
    return pyt_inference_mode != 0


def _set_inference_mode(bint enabled):
    set_inference_mode_flag(enabled)


cdef dtype _bool = _dtypes.bool_
cdef dtype _int64 = _dtypes.int64
cdef dtype _float32 = _dtypes.float32
cdef dtype _float64 = _dtypes.float64


class Size(tuple):
    """The shape of a tensor: a tuple of ints (``torch.Size``)."""

    def __repr__(self):
        return f"pyt.Size({list(self)})"

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(other + tuple(self))

    def __mul__(self, n):
        if not isinstance(n, int):
            return NotImplemented
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self):
        cdef Py_ssize_t n = 1
        for s in self:
            n *= s
        return n

    def __reduce__(self):
        return (Size, (tuple(self),))


cdef class Tensor:
    """A multi-dimensional array of one dtype, on one device, with autograd fields."""

    def __cinit__(self):
        self._shape = self._small
        self._strides = self._small
        self._ndim = 0
        self._numel = 1
        self._output_nr = 0

    def __dealloc__(self):
        if self._shape != self._small and self._shape != NULL:
            free(self._shape)

    def __init__(self, *args, **kwargs):
        # pyt.Tensor(2, 3) / pyt.Tensor([1, 2]) as the legacy constructor does
        cdef Tensor t
        if kwargs:
            raise TypeError(f"Tensor() got unexpected keyword arguments {list(kwargs)}")
        if len(args) == 1 and isinstance(args[0], Tensor):
            # torch.Tensor(other) is other.alias(): the same memory, dtype and device (never
            # a copy on the CPU), a view with other's history (AliasBackward0)
            t = args[0][...]
            self._requires_grad = t._requires_grad
            self._grad_fn = t._grad_fn
            self._output_nr = t._output_nr
            self._view_of = t._view_of
        elif len(args) == 1 and not isinstance(args[0], (int, Size)):
            t = tensor(args[0], dtype=get_default(True))
        else:
            t = empty(*(args or (0,)))      # torch.Tensor(): an empty 1-d tensor
        self._storage = t._storage
        self._dtype = t._dtype
        self._device = t._device
        self._set_geometry(t._ndim, t._shape, t._strides)
        self._offset = t._offset
        self._data = t._data

    cdef int _set_geometry(self, int ndim, const Py_ssize_t* shape,
                           const Py_ssize_t* strides) except -1:
        cdef Py_ssize_t* block
        cdef Py_ssize_t n = 1
        cdef int i
        if ndim > PYT_MAX_DIMS:
            raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions, got {ndim}")
        if 2 * ndim <= 8:
            block = self._small
        else:
            block = <Py_ssize_t*>malloc(2 * ndim * sizeof(Py_ssize_t))
            if block == NULL:
                raise MemoryError()
        for i in range(ndim):
            block[i] = shape[i]
            block[ndim + i] = strides[i]
            n *= shape[i]
        if self._shape != self._small and self._shape != NULL:
            free(self._shape)
        self._shape = block
        self._strides = block + ndim
        self._ndim = ndim
        self._numel = n
        return 0

    # ----- properties -------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def is_meta(self):
        return False

    @property
    def layout(self):
        return _strided

    @property
    def shape(self):
        return self.size()

    @property
    def ndim(self):
        return self._ndim

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self._numel * self._dtype.itemsize

    @property
    def _version(self):
        return self._storage.version

    @property
    def _base(self):
        return self._view_of

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if not requires_grad and self._grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        cdef Tensor g
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            g = value
            if g._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if g.size() != self.size():
                raise RuntimeError("assigned grad has data of a different size")
            if g._device != self._device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    @property
    def grad_fn(self):
        if self._grad_fn is not None and self._view_of is not None:
            _refresh_view_history(self)
        return self._grad_fn

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Computes the gradient of this tensor with respect to the graph's leaves and
        accumulates it into their .grad."""
        if inputs is None:
            _autograd.run_backward((self,), (gradient,), bool(create_graph) if
                                   retain_graph is None else bool(retain_graph),
                                   bool(create_graph), (), True, True)
        else:
            _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """hook(grad) -> new grad or None, called when this tensor's gradient is computed."""
        return _autograd.register_tensor_hook(self, hook)

    def retain_grad(self):
        """Keeps .grad of a non-leaf tensor after backward."""
        _autograd.retain_grad(self)

    @property
    def retains_grad(self):
        return bool(self._autograd_meta and self._autograd_meta.get("retains_grad"))

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def data(self):
        return detach(self)

    @data.setter
    def data(self, Tensor value):
        self._storage = value._storage
        self._dtype = value._dtype
        self._device = value._device
        self._set_geometry(value._ndim, value._shape, value._strides)
        self._offset = value._offset
        self._data = value._data

    @property
    def T(self):
        return _reverse_dims(self)

    @property
    def mT(self):
        if self._ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self._ndim}-D tensor.")
        return transpose(self, -2, -1)

    @property
    def H(self):
        return self.T

    @property
    def mH(self):
        return self.mT

    # ----- geometry ---------------------------------------------------------------
    def size(self, dim=None):
        cdef int i
        if dim is None:
            return Size([self._shape[i] for i in range(self._ndim)])
        return self._shape[wrap_dim(dim, self._ndim)]

    def stride(self, dim=None):
        cdef int i
        if dim is None:
            return tuple([self._strides[i] for i in range(self._ndim)])
        return self._strides[wrap_dim(dim, self._ndim)]

    def dim(self):
        return self._ndim

    def ndimension(self):
        return self._ndim

    def numel(self):
        return self._numel

    def nelement(self):
        return self._numel

    def element_size(self):
        return self._dtype.itemsize

    def storage_offset(self):
        return self._offset

    def data_ptr(self):
        return <size_t>self._data

    def untyped_storage(self):
        return self._storage

    def set_(self, source=None, storage_offset=0, size=None, stride=None):
        return set_(self, source, storage_offset, size, stride)

    def share_memory_(self):
        """Moves the storage into memory shared between processes (in place: views of it
        stay views, the data pointer does not change); a no-op when already shared."""
        cdef Storage s = self._storage
        cdef bint others
        if s.shared is None:
            # two references (self._storage and s): no other tensor views this storage,
            # so the storage need not search the heap for views to repoint (slow)
            others = Py_REFCNT(s) > 2
            s.share_memory_(_find_views=others)
            self._data = s.data + self._offset * self._dtype.itemsize
        return self

    def is_shared(self):
        return self._storage.is_shared()

    # ----- torch functions composed in Python (pyt/_functional): thin lazy-import methods
    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        from pyt import _functional as F
        return F.shapes.repeat_interleave(self, repeats, dim, output_size=output_size)

    def take_along_dim(self, indices, dim=None):
        from pyt import _functional as F
        return F.shapes.take_along_dim(self, indices, dim)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        from pyt import _functional as F
        return F.shapes.diff(self, n, dim, prepend, append)

    def rot90(self, k=1, dims=(0, 1)):
        from pyt import _functional as F
        return F.shapes.rot90(self, k, dims)

    def narrow_copy(self, dim, start, length):
        from pyt import _functional as F
        return F.shapes.narrow_copy(self, dim, start, length)

    def hsplit(self, indices_or_sections):
        from pyt import _functional as F
        return F.shapes.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        from pyt import _functional as F
        return F.shapes.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        from pyt import _functional as F
        return F.shapes.dsplit(self, indices_or_sections)

    def is_nonzero(self):
        from pyt import _functional as F
        return F.predicates.is_nonzero(self)

    def is_same_size(self, other):
        from pyt import _functional as F
        return F.predicates.is_same_size(self, other)

    def positive(self):
        from pyt import _functional as F
        return F.math.positive(self)

    def cross(self, other, dim=None):
        from pyt import _functional as F
        return F.vector.cross(self, other, dim)

    def logaddexp(self, other):
        from pyt import _functional as F
        return F.math.logaddexp(self, other)

    def logaddexp2(self, other):
        from pyt import _functional as F
        return F.math.logaddexp2(self, other)

    def xlogy(self, other):
        from pyt import _functional as F
        return F.math.xlogy(self, other)

    def xlogy_(self, other):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.math.xlogy(self.clone(), other))

    def sinc(self):
        from pyt import _functional as F
        return F.math.sinc(self)

    def sinc_(self):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.math.sinc(self.clone()))

    def signbit(self):
        from pyt import _functional as F
        return F.math.signbit(self)

    def copysign(self, other):
        from pyt import _functional as F
        return F.math.copysign(self, other)

    def copysign_(self, other):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.math.copysign(self.clone(), other))

    def heaviside(self, values):
        from pyt import _functional as F
        return F.math.heaviside(self, values)

    def heaviside_(self, values):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.math.heaviside(self.clone(), values))

    def float_power(self, exponent):
        from pyt import _functional as F
        return F.math.float_power(self, exponent)

    def float_power_(self, exponent):
        from pyt import _functional as F
        if self._dtype is not _dtypes.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype "
                               f"{F._util.dtype_name(self._dtype)} but the operation's "
                               f"result requires dtype Double")
        return F._util.write_inplace(self, F.math.float_power(self.clone(), exponent))

    def deg2rad(self):
        from pyt import _functional as F
        return F.math.deg2rad(self)

    def deg2rad_(self):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.math.deg2rad(self.clone()))

    def rad2deg(self):
        from pyt import _functional as F
        return F.math.rad2deg(self)

    def rad2deg_(self):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.math.rad2deg(self.clone()))

    def gcd(self, other):
        from pyt import _functional as F
        return F.integer.gcd(self, other)

    def gcd_(self, other):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.integer.gcd(self.clone(), other))

    def lcm(self, other):
        from pyt import _functional as F
        return F.integer.lcm(self, other)

    def lcm_(self, other):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.integer.lcm(self.clone(), other))

    def cov(self, *, correction=1, fweights=None, aweights=None):
        from pyt import _functional as F
        return F.statistics.cov(self, correction=correction, fweights=fweights,
                                aweights=aweights)

    def corrcoef(self):
        from pyt import _functional as F
        return F.statistics.corrcoef(self)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        from pyt import _functional as F
        return F.statistics.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        from pyt import _functional as F
        return F.statistics.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def histogram(self, bins, *, range=None, weight=None, density=False):
        from pyt import _functional as F
        return F.statistics.histogram(self, bins, range=range, weight=weight,
                                      density=density)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        from pyt import _functional as F
        return F.scatter.scatter_reduce(self, dim, index, src, reduce,
                                        include_self=include_self)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.scatter.scatter_reduce(
            self.clone(), dim, index, src, reduce, include_self=include_self))
    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        from pyt import _functional as F
        return F.scatter.index_reduce(self, dim, index, source, reduce,
                                      include_self=include_self)

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        from pyt import _functional as F
        return F._util.write_inplace(self, F.scatter.index_reduce(
            self.clone(), dim, index, source, reduce, include_self=include_self))
    # ----- end of the pyt/_functional methods

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        from pyt import sparse
        return sparse.to_sparse(self, sparse_dim, layout=layout, dense_dim=dense_dim)

    def to_sparse_coo(self, sparse_dim=None):
        from pyt import sparse
        return sparse.to_sparse(self, sparse_dim)

    def to_dense(self, dtype=None, *, masked_grad=None):
        return self if dtype is None else self.to(dtype)

    def is_contiguous(self, memory_format=None):
        return is_contiguous(self)

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return False

    def is_signed(self):
        return self._dtype.is_signed

    def get_device(self):
        return -1 if self._device is _cpu else self._device.index

    def pin_memory(self, device=None):
        """A copy in page-locked host memory (self when it already is pinned), from which
        copies to the GPU can run asynchronously (non_blocking=True)."""
        return self if _is_pinned(self) else _pinned_copy(self)

    def is_pinned(self, device=None):
        return _is_pinned(self)

    def record_stream(self, stream):
        """Marks this tensor's memory as used on `stream`: the caching allocator reuses it
        only after the work queued there so far has finished."""
        if self._device is _cpu:
            raise RuntimeError("record_stream is only meaningful for CUDA tensors")
        from pyt._ext.cuda import record_stream as _record
        _record(<size_t>self._storage.data, stream)

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, bool)):
            return bool((self == element).any())
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you "
                           f"passed in a {type(element)}.")

    def __len__(self):
        if self._ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        if self._ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(unbind(self, 0))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from pyt._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if not isinstance(spec, str):           # format(True, 1) is a SystemError
            raise TypeError(f"__format__() argument must be str, not {type(spec).__name__}")
        if self._ndim == 0 and spec:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        return _reduce_tensor(self)

    def __deepcopy__(self, memo):
        cdef Tensor c = clone(self)
        c._requires_grad = self._requires_grad
        if self._grad is not None:
            c._grad = clone(self._grad)
        memo[id(self)] = c
        return c

    # ----- views (views.pxi) -----------------------------------------------------
    def view(self, *shape):
        return view(self, *shape)

    def view_as(self, Tensor other):
        return view(self, other.size())

    def reshape(self, *shape):
        return reshape(self, *shape)

    def reshape_as(self, Tensor other):
        return reshape(self, other.size())

    def transpose(self, dim0, dim1):
        return transpose(self, dim0, dim1)

    def swapaxes(self, axis0, axis1):
        return transpose(self, axis0, axis1)

    def swapdims(self, dim0, dim1):
        return transpose(self, dim0, dim1)

    def transpose_(self, dim0, dim1):
        return _transpose_(self, dim0, dim1, "TransposeBackward1")

    def permute(self, *dims):
        return permute(self, *dims)

    def t(self):
        return t(self)

    def t_(self):
        if self._ndim > 2:
            raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                               f"{self._ndim}D")
        return _transpose_(self, 0, 1, "TBackward1")

    def squeeze(self, dim=None):
        return squeeze(self, dim)

    def squeeze_(self, dim=None):
        name = "SqueezeBackward3" if dim is None else \
            "SqueezeBackward5" if isinstance(dim, (tuple, list)) else "SqueezeBackward4"
        return _reshape_(self, squeeze, (dim,), name)

    def unsqueeze(self, dim):
        return unsqueeze(self, dim)

    def unsqueeze_(self, dim):
        return _reshape_(self, unsqueeze, (dim,), "UnsqueezeBackward1")

    def expand(self, *sizes):
        return expand(self, *sizes)

    def expand_as(self, Tensor other):
        return expand(self, other.size())

    def broadcast_to(self, size):
        return expand(self, size)

    def flatten(self, start_dim=0, end_dim=-1):
        return flatten(self, start_dim, end_dim)

    def ravel(self):
        return flatten(self)

    def unflatten(self, dim, sizes):
        return unflatten(self, dim, sizes)

    def narrow(self, dim, start, length):
        return narrow(self, dim, start, length)

    def select(self, dim, index):
        return select(self, dim, index)

    def unbind(self, dim=0):
        return unbind(self, dim)

    def split(self, split_size, dim=0):
        return split(self, split_size, dim)

    def tensor_split(self, indices_or_sections, dim=0):
        return tensor_split(self, indices_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return chunk(self, chunks, dim)

    def movedim(self, source, destination):
        return movedim(self, source, destination)

    def moveaxis(self, source, destination):
        return movedim(self, source, destination)

    def as_strided(self, size, stride, storage_offset=None):
        return as_strided(self, size, stride, storage_offset)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return diagonal(self, offset, dim1, dim2)

    def unfold(self, dimension, size, step):
        return _unfold_view(self, dimension, size, step)

    def contiguous(self, memory_format=None):
        return _track_copy(self, contiguous(self), "CloneBackward0")

    def clone(self, memory_format=None):
        return clone(self)

    def detach(self):
        return detach(self)

    def detach_(self):
        if self._view_of is not None and self._grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._requires_grad = False
        self._grad_fn = None
        return self

    # ----- conversion and copies (convert.pxi) -------------------------------------
    def copy_(self, src, non_blocking=False):
        return _copy(self, src, bool(non_blocking))

    def resize_(self, *sizes, memory_format=None):
        return resize_(self, sizes)

    def resize_as_(self, Tensor other):
        return resize_(self, (other.size(),))

    def fill_(self, value):
        return fill_(self, value)

    def zero_(self):
        return _fill(self, 0, "ZeroBackward0")

    def to(self, *args, **kwargs):
        return _to(self, args, kwargs)

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return _legacy_type_name(self)
        return _to_dtype(self, _parse_dtype(dtype), False)

    # ----- new tensors like self (its dtype and device unless given) ---------------
    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        return empty(*size, dtype=dtype or self._dtype, device=device or self._device,
                     requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        return zeros(*size, dtype=dtype or self._dtype, device=device or self._device,
                     requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        return ones(*size, dtype=dtype or self._dtype, device=device or self._device,
                    requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
                 **kwargs):
        return full(size, fill_value, dtype=dtype or self._dtype,
                    device=device or self._device, requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, **kwargs):
        if isinstance(data, Tensor):
            data = (<Tensor>data).detach().clone()
        return tensor(data, dtype=dtype or self._dtype, device=device or self._device,
                      requires_grad=requires_grad)

    def type_as(self, other):
        return _to_dtype(self, (<Tensor?>other)._dtype, False)

    def cpu(self, memory_format=None):
        if self._device is _cpu:
            return self
        return _track_copy(self, _to_device(self, _cpu, self._dtype, False, False),
                           "ToCopyBackward0")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        cdef object dev
        if device is None:
            dev = _check_device("cuda")
        elif isinstance(device, int) and not isinstance(device, bool):
            dev = _check_device(f"cuda:{device}")
        else:
            dev = _check_device(device)
            if dev.type != "cuda":
                raise RuntimeError(f"Invalid device, must be cuda device")
        if dev is self._device:
            return self
        return _track_copy(self, _to_device(self, dev, self._dtype, False, bool(non_blocking)),
                           "ToCopyBackward0")

    def float(self):
        return _to_dtype(self, _float32, False)

    def double(self):
        return _to_dtype(self, _float64, False)

    def half(self):
        return _to_dtype(self, _dtypes.float16, False)

    def bfloat16(self):
        return _to_dtype(self, _dtypes.bfloat16, False)

    def long(self):
        return _to_dtype(self, _int64, False)

    def int(self):
        return _to_dtype(self, _dtypes.int32, False)

    def short(self):
        return _to_dtype(self, _dtypes.int16, False)

    def char(self):
        return _to_dtype(self, _dtypes.int8, False)

    def byte(self):
        return _to_dtype(self, _dtypes.uint8, False)

    def bool(self):
        return _to_dtype(self, _bool, False)

    def item(self):
        return item(self)

    def tolist(self):
        return tolist(self)

    def numpy(self, force=False):
        return to_numpy(self, force)

    def __array__(self, dtype=None, copy=None):
        a = to_numpy(self, False)
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return a.copy() if copy else a

    def __bool__(self):
        if self._numel != 1:
            if self._numel == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(item(self))

    def __float__(self):
        return float(_single_item(self))

    def __int__(self):
        return int(_single_item(self))

    def __index__(self):
        if self._numel != 1 or not is_integral(self._dtype, True):
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(item(self))

    def __getbuffer__(self, Py_buffer* buf, int flags):
        _get_buffer(self, buf, flags)

    def __releasebuffer__(self, Py_buffer* buf):
        free(buf.internal)

    # ----- arithmetic and comparison (pointwise.pxi) -------------------------------
    def __add__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_ADD, self, other, None, False)

    def __radd__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_ADD, other, self, None, False)

    def __iadd__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_ADD, self, other, None, True)

    def __sub__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_SUB, self, other, None, False)

    def __rsub__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_SUB, other, self, None, False)

    def __isub__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_SUB, self, other, None, True)

    def __mul__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_MUL, self, other, None, False)

    def __rmul__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_MUL, other, self, None, False)

    def __imul__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_MUL, self, other, None, True)

    def __truediv__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_DIV, self, other, None, False)

    def __rtruediv__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_DIV, other, self, None, False)

    def __itruediv__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_DIV, self, other, None, True)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return self

    def __eq__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _compare(PYT_CMP_EQ, self, other, None)

    def __ne__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _compare(PYT_CMP_NE, self, other, None)

    def __lt__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _compare(PYT_CMP_LT, self, other, None)

    def __le__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _compare(PYT_CMP_LE, self, other, None)

    def __gt__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _compare(PYT_CMP_GT, self, other, None)

    def __ge__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _compare(PYT_CMP_GE, self, other, None)

    def add(self, other, *, alpha=1):
        return add(self, other, alpha=alpha)

    def add_(self, other, *, alpha=1):
        return _add_sub(PYT_OP_ADD, self, other, alpha, None, True)

    def sub(self, other, *, alpha=1):
        return sub(self, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return _add_sub(PYT_OP_SUB, self, other, alpha, None, True)

    def mul(self, other):
        return _binary(PYT_OP_MUL, self, other, None, False)

    def mul_(self, other):
        return _binary(PYT_OP_MUL, self, other, None, True)

    def div(self, other, *, rounding_mode=None):
        return div(self, other, rounding_mode=rounding_mode)

    def div_(self, other, *, rounding_mode=None):
        return _div(self, other, rounding_mode, None, True)

    true_divide = div
    true_divide_ = div_
    multiply = mul
    multiply_ = mul_
    subtract = sub
    subtract_ = sub_

    def neg(self):
        return neg(self)

    def neg_(self):
        return _neg(self, None, True)

    def eq(self, other):
        return _compare(PYT_CMP_EQ, self, other, None)

    def ne(self, other):
        return _compare(PYT_CMP_NE, self, other, None)

    def lt(self, other):
        return _compare(PYT_CMP_LT, self, other, None)

    def le(self, other):
        return _compare(PYT_CMP_LE, self, other, None)

    def gt(self, other):
        return _compare(PYT_CMP_GT, self, other, None)

    def ge(self, other):
        return _compare(PYT_CMP_GE, self, other, None)

    # ----- joining and reordering (joining.pxi) ------------------------------------
    def flip(self, *dims):
        return flip(self, _dims_arg(dims))

    def fliplr(self):
        return fliplr(self)

    def flipud(self):
        return flipud(self)

    def roll(self, shifts, dims=None):
        return roll(self, shifts, dims)

    def repeat(self, *sizes):
        return _repeat(self, sizes)

    def tile(self, *dims):
        return tile(self, _dims_arg(dims))

    def tril(self, diagonal=0):
        return tril(self, diagonal)

    def triu(self, diagonal=0):
        return triu(self, diagonal)

    def tril_(self, diagonal=0):
        return _triangle_(self, diagonal, True)

    def triu_(self, diagonal=0):
        return _triangle_(self, diagonal, False)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return diag_embed(self, offset, dim1, dim2)

    # ----- indexing (indexing.pxi) ---------------------------------------------------
    def __getitem__(self, index):
        return _getitem_tracked(self, index)

    def __setitem__(self, index, value):
        _setitem_tracked(self, index, value)

    def index_select(self, dim, index):
        return index_select(self, dim, index)

    def gather(self, dim, index):
        return gather(self, dim, index)

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        return scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim, index, src=None, value=None, reduce=None):
        return _scatter_(self, dim, index, src, value, reduce)

    def scatter_add(self, dim, index, src):
        return scatter_add(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return _scatter_add_(self, dim, index, src)

    def masked_fill(self, mask, value):
        return masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        return _masked_fill_(self, mask, value)

    def masked_select(self, mask):
        return masked_select(self, mask)

    def masked_scatter_(self, mask, source):
        return _masked_scatter_(self, mask, source)

    def masked_scatter(self, mask, source):
        return masked_scatter(self, mask, source)

    def where(self, condition, other):
        return where(condition, self, other)

    def take(self, index):
        return take(self, index)

    def nonzero(self, as_tuple=False):
        return nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return nonzero(self)

    def index_add_(self, dim, index, source, alpha=1):
        return _index_add_(self, dim, index, source, alpha)

    def index_add(self, dim, index, source, alpha=1):
        return _index_add(self, dim, index, source, alpha)

    def index_copy_(self, dim, index, source):
        return _index_copy_(self, dim, index, source)

    def index_copy(self, dim, index, source):
        return _index_copy(self, dim, index, source)

    def index_fill_(self, dim, index, value):
        return _index_fill_(self, dim, index, value)

    def index_fill(self, dim, index, value):
        return _index_fill(self, dim, index, value)

    def index_put_(self, indices, values, accumulate=False):
        return _index_put_(self, indices, values, accumulate)

    def index_put(self, indices, values, accumulate=False):
        return _index_put(self, indices, values, accumulate)

    def put_(self, index, source, accumulate=False):
        return _put_(self, index, source, accumulate)

    def put(self, index, source, accumulate=False):
        return put(self, index, source, accumulate)

    # ----- random (random.pxi) --------------------------------------------------------
    def uniform_(self, from_=0.0, to=1.0, *, generator=None):
        return _uniform_(self, from_, to, generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _normal_(self, mean, std, generator)

    def random_(self, *args, generator=None, **kwargs):
        # random_(to) and random_(from, None) differ by argument count, as in torch
        return _random_(self, args, kwargs, generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        return _bernoulli_(self, p, generator)

    def bernoulli(self, p=None, *, generator=None):
        return bernoulli(self, p, generator=generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        return _exponential_(self, lambd, generator)

    def geometric_(self, p, *, generator=None):
        return _geometric_(self, p, generator)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        return _log_normal_(self, mean, std, generator)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        return _cauchy_(self, median, sigma, generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return multinomial(self, num_samples, replacement, generator=generator)

    # ----- DLPack (dlpack.pxi) ------------------------------------------------------
    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        return _to_dlpack(self, stream, max_version, dl_device, copy)

    def __dlpack_device__(self):
        return _dlpack_device(self)

    # ----- elementwise math (math_ops.pyx) -----------------------------------------
    def __floordiv__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_FLOORDIV, self, other, None, False)

    def __rfloordiv__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_FLOORDIV, other, self, None, False)

    def __ifloordiv__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_FLOORDIV, self, other, None, True)

    def __mod__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_REMAINDER, self, other, None, False)

    def __rmod__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_REMAINDER, other, self, None, False)

    def __imod__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _binary(PYT_OP_REMAINDER, self, other, None, True)

    def __pow__(self, other, modulo=None):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.pow(self, other)

    def __rpow__(self, other, modulo=None):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.pow(other, self)

    def __ipow__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.pow_(self, other)

    def __and__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_and(self, other)

    def __rand__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_and(other, self)

    def __iand__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_and_(self, other)

    def __or__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_or(self, other)

    def __ror__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_or(other, self)

    def __ior__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_or_(self, other)

    def __xor__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_xor(other, self)

    def __ixor__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_xor_(self, other)

    def __lshift__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_left_shift(other, self)

    def __ilshift__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_left_shift_(self, other)

    def __rshift__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_right_shift(other, self)

    def __irshift__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _math_ops.bitwise_right_shift_(self, other)

    def __invert__(self):
        return _math_ops._invert(self)

    def __abs__(self):
        return _math_ops.abs(self)

    def exp(self):
        return _math_ops.exp(self)

    def exp_(self):
        return _math_ops.exp_(self)

    def exp2(self):
        return _math_ops.exp2(self)

    def exp2_(self):
        return _math_ops.exp2_(self)

    def expm1(self):
        return _math_ops.expm1(self)

    def expm1_(self):
        return _math_ops.expm1_(self)

    def log(self):
        return _math_ops.log(self)

    def log_(self):
        return _math_ops.log_(self)

    def log2(self):
        return _math_ops.log2(self)

    def log2_(self):
        return _math_ops.log2_(self)

    def log10(self):
        return _math_ops.log10(self)

    def log10_(self):
        return _math_ops.log10_(self)

    def log1p(self):
        return _math_ops.log1p(self)

    def log1p_(self):
        return _math_ops.log1p_(self)

    def sqrt(self):
        return _math_ops.sqrt(self)

    def sqrt_(self):
        return _math_ops.sqrt_(self)

    def rsqrt(self):
        return _math_ops.rsqrt(self)

    def rsqrt_(self):
        return _math_ops.rsqrt_(self)

    def sin(self):
        return _math_ops.sin(self)

    def sin_(self):
        return _math_ops.sin_(self)

    def cos(self):
        return _math_ops.cos(self)

    def cos_(self):
        return _math_ops.cos_(self)

    def tan(self):
        return _math_ops.tan(self)

    def tan_(self):
        return _math_ops.tan_(self)

    def asin(self):
        return _math_ops.asin(self)

    def asin_(self):
        return _math_ops.asin_(self)

    def acos(self):
        return _math_ops.acos(self)

    def acos_(self):
        return _math_ops.acos_(self)

    def atan(self):
        return _math_ops.atan(self)

    def atan_(self):
        return _math_ops.atan_(self)

    def sinh(self):
        return _math_ops.sinh(self)

    def sinh_(self):
        return _math_ops.sinh_(self)

    def cosh(self):
        return _math_ops.cosh(self)

    def cosh_(self):
        return _math_ops.cosh_(self)

    def tanh(self):
        return _math_ops.tanh(self)

    def tanh_(self):
        return _math_ops.tanh_(self)

    def asinh(self):
        return _math_ops.asinh(self)

    def asinh_(self):
        return _math_ops.asinh_(self)

    def acosh(self):
        return _math_ops.acosh(self)

    def acosh_(self):
        return _math_ops.acosh_(self)

    def atanh(self):
        return _math_ops.atanh(self)

    def atanh_(self):
        return _math_ops.atanh_(self)

    def arcsin(self):
        return _math_ops.arcsin(self)

    def arcsin_(self):
        return _math_ops.arcsin_(self)

    def arccos(self):
        return _math_ops.arccos(self)

    def arccos_(self):
        return _math_ops.arccos_(self)

    def arctan(self):
        return _math_ops.arctan(self)

    def arctan_(self):
        return _math_ops.arctan_(self)

    def arcsinh(self):
        return _math_ops.arcsinh(self)

    def arcsinh_(self):
        return _math_ops.arcsinh_(self)

    def arccosh(self):
        return _math_ops.arccosh(self)

    def arccosh_(self):
        return _math_ops.arccosh_(self)

    def arctanh(self):
        return _math_ops.arctanh(self)

    def arctanh_(self):
        return _math_ops.arctanh_(self)

    def sigmoid(self):
        return _math_ops.sigmoid(self)

    def sigmoid_(self):
        return _math_ops.sigmoid_(self)

    def erf(self):
        return _math_ops.erf(self)

    def erf_(self):
        return _math_ops.erf_(self)

    def erfc(self):
        return _math_ops.erfc(self)

    def erfc_(self):
        return _math_ops.erfc_(self)

    def erfinv(self):
        return _math_ops.erfinv(self)

    def erfinv_(self):
        return _math_ops.erfinv_(self)

    def lgamma(self):
        return _math_ops.lgamma(self)

    def lgamma_(self):
        return _math_ops.lgamma_(self)

    def digamma(self):
        return _math_ops.digamma(self)

    def digamma_(self):
        return _math_ops.digamma_(self)

    def polygamma(self, n):
        return _math_ops.polygamma(n, self)

    def polygamma_(self, n):
        return _math_ops.polygamma_(self, n)

    def reciprocal(self):
        return _math_ops.reciprocal(self)

    def reciprocal_(self):
        return _math_ops.reciprocal_(self)

    def abs(self):
        return _math_ops.abs(self)

    def abs_(self):
        return _math_ops.abs_(self)

    def absolute(self):
        return _math_ops.absolute(self)

    def absolute_(self):
        return _math_ops.absolute_(self)

    def floor(self):
        return _math_ops.floor(self)

    def floor_(self):
        return _math_ops.floor_(self)

    def ceil(self):
        return _math_ops.ceil(self)

    def ceil_(self):
        return _math_ops.ceil_(self)

    def trunc(self):
        return _math_ops.trunc(self)

    def trunc_(self):
        return _math_ops.trunc_(self)

    def fix(self):
        return _math_ops.fix(self)

    def fix_(self):
        return _math_ops.fix_(self)

    def frac(self):
        return _math_ops.frac(self)

    def frac_(self):
        return _math_ops.frac_(self)

    def sign(self):
        return _math_ops.sign(self)

    def sign_(self):
        return _math_ops.sign_(self)

    def sgn(self):
        return _math_ops.sgn(self)

    def sgn_(self):
        return _math_ops.sgn_(self)

    def square(self):
        return _math_ops.square(self)

    def square_(self):
        return _math_ops.square_(self)

    def bitwise_not(self):
        return _math_ops.bitwise_not(self)

    def bitwise_not_(self):
        return _math_ops.bitwise_not_(self)

    def logical_not(self):
        return _math_ops.logical_not(self)

    def logical_not_(self):
        return _math_ops.logical_not_(self)

    def relu(self):
        return _math_ops.relu(self)

    def relu_(self):
        return _math_ops.relu_(self)

    def logit(self, eps=None):
        return _math_ops.logit(self, eps)

    def logit_(self, eps=None):
        return _math_ops.logit_(self, eps)

    def round(self, *, decimals=None):
        return _math_ops.round(self, decimals=decimals)

    def round_(self, *, decimals=None):
        return _math_ops.round_(self, decimals=decimals)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return _math_ops.nan_to_num(self, nan, posinf, neginf)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return _math_ops.nan_to_num_(self, nan, posinf, neginf)

    def isnan(self):
        return _math_ops.isnan(self)

    def isinf(self):
        return _math_ops.isinf(self)

    def isposinf(self):
        return _math_ops.isposinf(self)

    def isneginf(self):
        return _math_ops.isneginf(self)

    def isfinite(self):
        return _math_ops.isfinite(self)

    def pow(self, exponent):
        return _math_ops.pow(self, exponent)

    def pow_(self, exponent):
        return _math_ops.pow_(self, exponent)

    def floor_divide(self, other):
        return _binary(PYT_OP_FLOORDIV, self, other, None, False)

    def floor_divide_(self, other):
        return _binary(PYT_OP_FLOORDIV, self, other, None, True)

    def remainder(self, other):
        return _binary(PYT_OP_REMAINDER, self, other, None, False)

    def remainder_(self, other):
        return _binary(PYT_OP_REMAINDER, self, other, None, True)

    def fmod(self, other):
        return _binary(PYT_OP_FMOD, self, other, None, False)

    def fmod_(self, other):
        return _binary(PYT_OP_FMOD, self, other, None, True)

    def atan2(self, other):
        return _math_ops.atan2(self, other)

    def atan2_(self, other):
        return _math_ops.atan2_(self, other)

    def arctan2(self, other):
        return _math_ops.arctan2(self, other)

    def arctan2_(self, other):
        return _math_ops.arctan2_(self, other)

    def hypot(self, other):
        return _math_ops.hypot(self, other)

    def hypot_(self, other):
        return _math_ops.hypot_(self, other)

    def bitwise_and(self, other):
        return _math_ops.bitwise_and(self, other)

    def bitwise_and_(self, other):
        return _math_ops.bitwise_and_(self, other)

    def bitwise_or(self, other):
        return _math_ops.bitwise_or(self, other)

    def bitwise_or_(self, other):
        return _math_ops.bitwise_or_(self, other)

    def bitwise_xor(self, other):
        return _math_ops.bitwise_xor(self, other)

    def bitwise_xor_(self, other):
        return _math_ops.bitwise_xor_(self, other)

    def bitwise_left_shift(self, other):
        return _math_ops.bitwise_left_shift(self, other)

    def bitwise_left_shift_(self, other):
        return _math_ops.bitwise_left_shift_(self, other)

    def bitwise_right_shift(self, other):
        return _math_ops.bitwise_right_shift(self, other)

    def bitwise_right_shift_(self, other):
        return _math_ops.bitwise_right_shift_(self, other)

    def logical_and(self, other):
        return _math_ops.logical_and(self, other)

    def logical_and_(self, other):
        return _math_ops.logical_and_(self, other)

    def logical_or(self, other):
        return _math_ops.logical_or(self, other)

    def logical_or_(self, other):
        return _math_ops.logical_or_(self, other)

    def logical_xor(self, other):
        return _math_ops.logical_xor(self, other)

    def logical_xor_(self, other):
        return _math_ops.logical_xor_(self, other)

    def maximum(self, other):
        return _math_ops.maximum(self, other)

    def minimum(self, other):
        return _math_ops.minimum(self, other)

    def fmax(self, other):
        return _math_ops.fmax(self, other)

    def fmin(self, other):
        return _math_ops.fmin(self, other)

    def clamp(self, min=None, max=None):
        return _math_ops.clamp(self, min, max)

    def clamp_(self, min=None, max=None):
        return _math_ops.clamp_(self, min, max)

    clip = clamp
    clip_ = clamp_

    def clamp_min(self, min):
        return _math_ops.clamp_min(self, min)

    def clamp_min_(self, min):
        return _math_ops.clamp_min_(self, min)

    def clamp_max(self, max):
        return _math_ops.clamp_max(self, max)

    def clamp_max_(self, max):
        return _math_ops.clamp_max_(self, max)

    def lerp(self, end, weight):
        return _math_ops.lerp(self, end, weight)

    def lerp_(self, end, weight):
        return _math_ops.lerp_(self, end, weight)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return _math_ops.addcmul(self, tensor1, tensor2, value=value)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return _math_ops.addcmul_(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return _math_ops.addcdiv(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return _math_ops.addcdiv_(self, tensor1, tensor2, value=value)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _math_ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _math_ops.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return _math_ops.equal(self, other)

    # ----- reductions, scans and sorting (reductions.pyx) ----------------------------
    # Each forwards to the function of the same name, whose signature is torch's.
    def sum(self, *args, **kwargs):
        return _reductions.sum(self, *args, **kwargs)

    def nansum(self, *args, **kwargs):
        return _reductions.nansum(self, *args, **kwargs)

    def mean(self, *args, **kwargs):
        return _reductions.mean(self, *args, **kwargs)

    def nanmean(self, *args, **kwargs):
        return _reductions.nanmean(self, *args, **kwargs)

    def prod(self, *args, **kwargs):
        return _reductions.prod(self, *args, **kwargs)

    def max(self, *args, **kwargs):
        return _reductions.max(self, *args, **kwargs)

    def min(self, *args, **kwargs):
        return _reductions.min(self, *args, **kwargs)

    def amax(self, *args, **kwargs):
        return _reductions.amax(self, *args, **kwargs)

    def amin(self, *args, **kwargs):
        return _reductions.amin(self, *args, **kwargs)

    def aminmax(self, *, dim=None, keepdim=False):
        return _reductions.aminmax(self, dim=dim, keepdim=keepdim)

    def argmax(self, *args, **kwargs):
        return _reductions.argmax(self, *args, **kwargs)

    def argmin(self, *args, **kwargs):
        return _reductions.argmin(self, *args, **kwargs)

    def all(self, *args, **kwargs):
        return _reductions.all(self, *args, **kwargs)

    def any(self, *args, **kwargs):
        return _reductions.any(self, *args, **kwargs)

    def count_nonzero(self, dim=None):
        return _reductions.count_nonzero(self, dim)

    def std(self, *args, **kwargs):
        return _reductions.std(self, *args, **kwargs)

    def var(self, *args, **kwargs):
        return _reductions.var(self, *args, **kwargs)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _reductions.norm(self, p, dim, keepdim, dtype=dtype)

    def logsumexp(self, dim, keepdim=False):
        return _reductions.logsumexp(self, dim, keepdim)

    def cumsum(self, dim, *, dtype=None):
        return _reductions.cumsum(self, dim, dtype=dtype)

    def cumsum_(self, dim, *, dtype=None):
        if _needs_grad(self):           # recorded out of place on a copy (see _inplace_result)
            return _inplace_result(self, _reductions.cumsum(clone(self), dim, dtype=dtype))
        return copy_(self, _reductions.cumsum(self, dim, dtype=dtype))

    def cumprod(self, dim, *, dtype=None):
        return _reductions.cumprod(self, dim, dtype=dtype)

    def cumprod_(self, dim, *, dtype=None):
        if _needs_grad(self):
            return _inplace_result(self, _reductions.cumprod(clone(self), dim, dtype=dtype))
        return copy_(self, _reductions.cumprod(self, dim, dtype=dtype))

    def cummax(self, dim):
        return _reductions.cummax(self, dim)

    def cummin(self, dim):
        return _reductions.cummin(self, dim)

    def logcumsumexp(self, dim):
        return _reductions.logcumsumexp(self, dim)

    def sort(self, *args, **kwargs):
        return _reductions.sort(self, *args, **kwargs)

    def argsort(self, *args, **kwargs):
        return _reductions.argsort(self, *args, **kwargs)

    def msort(self):
        return _reductions.msort(self)

    def topk(self, *args, **kwargs):
        return _reductions.topk(self, *args, **kwargs)

    def kthvalue(self, *args, **kwargs):
        return _reductions.kthvalue(self, *args, **kwargs)

    def median(self, dim=None, keepdim=False):
        return _reductions.median(self, dim, keepdim)

    def nanmedian(self, dim=None, keepdim=False):
        return _reductions.nanmedian(self, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        return _reductions.mode(self, dim, keepdim)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return _reductions.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return _reductions.unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights=None, minlength=0):
        return _reductions.bincount(self, weights, minlength)

    def histc(self, bins=100, min=0, max=0):
        return _reductions.histc(self, bins, min, max)

    # ----- linear algebra (linalg.pyx) -------------------------------------------------
    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return _linalg.matmul(other, self)

    def matmul(self, other):
        return _linalg.matmul(self, other)

    def mm(self, mat2):
        return _linalg.mm(self, mat2)

    def bmm(self, mat2):
        return _linalg.bmm(self, mat2)

    def mv(self, vec):
        return _linalg.mv(self, vec)

    def dot(self, other):
        return _linalg.dot(self, other)

    def vdot(self, other):
        return _linalg.vdot(self, other)

    def inner(self, other):
        return _linalg.inner(self, other)

    def outer(self, vec2):
        return _linalg.outer(self, vec2)

    def ger(self, vec2):
        return _linalg.outer(self, vec2)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return _linalg.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return _linalg.addmm_(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return _linalg.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        return _linalg.addmv_(self, mat, vec, beta=beta, alpha=alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _linalg.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _linalg.addbmm_(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _linalg.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _linalg.baddbmm_(self, batch1, batch2, beta=beta, alpha=alpha)

    def kron(self, other):
        return _linalg.kron(self, other)

    def trace(self):
        return _linalg.trace(self)

    def diag(self, diagonal=0):
        return _linalg.diag(self, diagonal)

    def diagflat(self, offset=0):
        return _linalg.diagflat(self, offset)

    def det(self):
        return _linalg.det(self)

    def logdet(self):
        return _linalg.logdet(self)

    def slogdet(self):
        return _linalg._slogdet_old(self)

    def inverse(self):
        return _linalg.inv(self)

    def cholesky(self, upper=False):
        return _linalg.cholesky(self, upper=upper)

    def qr(self, some=True):
        return _linalg._qr_old(self, some)

    def svd(self, some=True, compute_uv=True):
        return _linalg._svd_old(self, some, compute_uv)

    def pinverse(self, rcond=1e-15):
        return _linalg.pinverse(self, rcond)

    def matrix_power(self, n):
        return _linalg.matrix_power(self, n)

    # the ops of pyt/_linalg_lu.py (Python, which imports pyt: reached at call time)
    def matrix_exp(self):
        from pyt import _linalg_lu
        return _linalg_lu.matrix_exp(self)

    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
        from pyt import _linalg_lu
        return _linalg_lu.triangular_solve(self, A, upper, transpose, unitriangular)

    def lu(self, pivot=True, get_infos=False):
        from pyt import _linalg_lu
        return _linalg_lu.lu_old(self, pivot, get_infos)

    def lu_solve(self, LU_data, LU_pivots):
        from pyt import _linalg_lu
        return _linalg_lu.lu_solve_old(self, LU_data, LU_pivots)

    def cholesky_solve(self, input2, upper=False):
        from pyt import _linalg_lu
        return _linalg_lu.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper=False):
        from pyt import _linalg_lu
        return _linalg_lu.cholesky_inverse(self, upper)

    def geqrf(self):
        from pyt import _linalg_lu
        return _linalg_lu.geqrf(self)

    def orgqr(self, input2):
        from pyt import _linalg_lu
        return _linalg_lu.orgqr(self, input2)

    def ormqr(self, input2, input3, left=True, transpose=False):
        from pyt import _linalg_lu
        return _linalg_lu.ormqr(self, input2, input3, left, transpose)

    # ----- nn kernels (nn_kernels.pyx) ---------------------------------------------------
    def softmax(self, dim, dtype=None):
        return _nn_kernels.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return _nn_kernels.log_softmax(self, dim, dtype)


# ----- core helpers shared by every .pxi and by other modules ----------------------------

cdef int wrap_dim(object dim, int ndim) except -1:
    """A dim in [-ndim, ndim) as a non-negative index (a 0-d tensor accepts -1 and 0)."""
    cdef Py_ssize_t d
    cdef int n = ndim if ndim > 0 else 1
    if not isinstance(dim, int) or isinstance(dim, bool):
        if hasattr(dim, "__index__") and not isinstance(dim, bool):
            dim = dim.__index__()
        else:
            raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    d = dim
    if d < -n or d >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {d})")
    return <int>(d + n if d < 0 else d)


cdef int _parse_size(tuple args, Py_ssize_t* out, str what) except -1:
    """Sizes given as f(2, 3), f((2, 3)) or f([2, 3]) into out; returns their count."""
    cdef Py_ssize_t n = 0, s
    seq = args
    if len(args) == 1 and not isinstance(args[0], int) and not hasattr(args[0], "__index__"):
        seq = args[0]
    elif len(args) == 1 and isinstance(args[0], Tensor) and (<Tensor>args[0])._ndim == 1:
        seq = args[0].tolist()
    try:
        seq = tuple(seq)
    except TypeError:
        raise TypeError(f"{what}: argument 'size' must be a tuple of ints, "
                        f"not {type(seq).__name__}") from None
    if len(seq) > PYT_MAX_DIMS:
        raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions, got {len(seq)}")
    for x in seq:
        if isinstance(x, bool) or not (isinstance(x, int) or hasattr(x, "__index__")):
            raise TypeError(f"{what}: argument 'size' must be a tuple of ints, but found "
                            f"element of type {type(x).__name__} at pos {n}")
        s = x.__index__() if not isinstance(x, int) else x
        out[n] = s
        n += 1
    return <int>n


cdef int _check_sizes_nonnegative(int ndim, const Py_ssize_t* shape) except -1:
    cdef int i
    for i in range(ndim):
        if shape[i] < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {shape[i]}: "
                               f"{[shape[j] for j in range(ndim)]}")
    return 0


cdef Py_ssize_t _checked_numel(int ndim, const Py_ssize_t* shape, int itemsize) except -1:
    cdef Py_ssize_t n = 1, limit = (<Py_ssize_t>1 << 62) // itemsize
    cdef int i
    _check_sizes_nonnegative(ndim, shape)
    for i in range(ndim):
        if shape[i] == 0:
            return 0
    for i in range(ndim):
        if n > limit // shape[i]:
            raise RuntimeError(f"numel: integer multiplication overflow (sizes "
                               f"{[shape[j] for j in range(ndim)]})")
        n *= shape[i]
    return n


cdef void _contiguous_strides(int ndim, const Py_ssize_t* shape, Py_ssize_t* strides) noexcept:
    cdef Py_ssize_t acc = 1
    cdef int i
    for i in range(ndim - 1, -1, -1):
        strides[i] = acc
        acc *= shape[i] if shape[i] > 1 else 1


cdef Tensor new_empty(int ndim, const Py_ssize_t* shape, dtype dt, object device, bint zeroed):
    """A new contiguous tensor on device (None: the CPU)."""
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t numel
    cdef Tensor t
    if ndim > PYT_MAX_DIMS:
        raise RuntimeError(f"pyt supports tensors of at most {PYT_MAX_DIMS} dimensions, got {ndim}")
    if device is None:
        device = _cpu
    elif device is not _cpu:
        device = _check_device(device)             # canonical: cuda:i or the CPU
    numel = _checked_numel(ndim, shape, dt.itemsize)
    _contiguous_strides(ndim, shape, strides)
    t = Tensor.__new__(Tensor)
    if device is _cpu:
        t._storage = new_storage(numel * dt.itemsize, zeroed)
    else:
        t._storage = _cuda_new_storage(numel * dt.itemsize, device, zeroed)
    t._dtype = dt
    t._device = device
    t._set_geometry(ndim, shape, strides)
    t._offset = 0
    t._data = t._storage.data
    return t


cdef Tensor new_view(Tensor src, int ndim, const Py_ssize_t* shape,
                     const Py_ssize_t* strides, Py_ssize_t offset):
    """A tensor sharing src's storage with the given geometry (offset in elements)."""
    cdef Tensor t = Tensor.__new__(Tensor)
    t._storage = src._storage
    t._dtype = src._dtype
    t._device = src._device
    t._set_geometry(ndim, shape, strides)
    t._offset = offset
    t._data = src._storage.data + offset * src._dtype.itemsize
    t._view_of = src._view_of if src._view_of is not None else src
    return t


cdef bint is_contiguous(Tensor t) noexcept:
    cdef Py_ssize_t expected = 1
    cdef int i
    if t._numel == 0:
        return True
    for i in range(t._ndim - 1, -1, -1):
        if t._shape[i] != 1:
            if t._strides[i] != expected:
                return False
            expected *= t._shape[i]
    return True


cdef bint _is_non_overlapping_and_dense(Tensor t) noexcept:
    """True when the elements fill a block of memory exactly, in some dim order."""
    cdef int order[PYT_MAX_DIMS]
    cdef int i, j, k
    cdef Py_ssize_t expected = 1
    if is_contiguous(t):
        return True
    for i in range(t._ndim):
        order[i] = i
    # insertion sort of dims by |stride| ascending (ndim is small)
    for i in range(1, t._ndim):
        k = order[i]
        j = i - 1
        while j >= 0 and t._strides[order[j]] > t._strides[k]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k
    for i in range(t._ndim):
        k = order[i]
        if t._shape[k] == 1:
            continue
        if t._strides[k] != expected:
            return False
        expected *= t._shape[k]
    return True


cdef Tensor _empty_like_layout(Tensor src, dtype dt):
    """A new tensor shaped like src; keeps src's dim order when src is dense (torch's
    preserve_format), contiguous otherwise."""
    return _empty_like_on(src, dt, src._device)


cdef Tensor _empty_like_on(Tensor src, dtype dt, object device):
    """_empty_like_layout on device."""
    cdef Tensor out = new_empty(src._ndim, src._shape, dt, device, False)
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int order[PYT_MAX_DIMS]
    cdef int i, j, k
    cdef Py_ssize_t acc = 1
    if src._ndim < 2 or is_contiguous(src) or not _is_non_overlapping_and_dense(src):
        return out
    for i in range(src._ndim):
        order[i] = i
    for i in range(1, src._ndim):      # dims by stride, innermost first; stable for ties
        k = order[i]
        j = i - 1
        while j >= 0 and src._strides[order[j]] > src._strides[k]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k
    for i in range(src._ndim):
        k = order[i]
        strides[k] = acc
        acc *= src._shape[k]
    out._set_geometry(src._ndim, src._shape, strides)
    return out


cdef Tensor contiguous(Tensor t):
    if is_contiguous(t):
        return t
    cdef Tensor out = new_empty(t._ndim, t._shape, t._dtype, t._device, False)
    copy_into(out, t)
    return out


cdef bint _has_internal_overlap(Tensor t) noexcept:
    """True when two indices of t name one memory location (expanded dims)."""
    cdef int i
    for i in range(t._ndim):
        if t._shape[i] > 1 and t._strides[i] == 0:
            return True
    return False


cdef void byte_extent(Tensor t, char** lo, char** hi) noexcept:
    """[lo, hi): the bytes from t's lowest to its highest element (exactly its bytes when
    it is contiguous; a strided tensor counts as its whole span)."""
    cdef Py_ssize_t a = 0, b = 0, step
    cdef int i
    for i in range(t._ndim):
        step = (t._shape[i] - 1) * t._strides[i]
        if step < 0:
            a += step
        else:
            b += step
    lo[0] = t._data + a * t._dtype.itemsize
    hi[0] = t._data + (b + 1) * t._dtype.itemsize


cdef bint _may_overlap(Tensor a, Tensor b) noexcept:
    cdef char* alo
    cdef char* ahi
    cdef char* blo
    cdef char* bhi
    if a._storage is not b._storage or a._numel == 0 or b._numel == 0:
        return False
    byte_extent(a, &alo, &ahi)
    byte_extent(b, &blo, &bhi)
    return alo < bhi and blo < ahi


cdef int _broadcast_strides_to(Tensor src, int ndim, const Py_ssize_t* shape,
                               Py_ssize_t* out) except -1:
    """Element strides of src broadcast to shape (0 along broadcast dims)."""
    cdef int i, j
    cdef int lead = ndim - src._ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({ndim}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({src._ndim})")
    for i in range(ndim):
        j = i - lead
        if j < 0:
            out[i] = 0
        elif src._shape[j] == shape[i]:
            out[i] = src._strides[j] if shape[i] != 1 else 0
        elif src._shape[j] == 1:
            out[i] = 0
        else:
            raise RuntimeError(f"The size of tensor a ({shape[i]}) must match the size of "
                               f"tensor b ({src._shape[j]}) at non-singleton dimension {i}")
    return 0


cdef int copy_into(Tensor dst, Tensor src) except -1:
    """dst[...] = src, broadcasting src and converting its dtype."""
    cdef Py_ssize_t strides[2 * PYT_MAX_DIMS]
    cdef char* base[2]
    cdef pyt_iter it
    cdef pyt_inner_loop fn
    cdef int i, nd = dst._ndim, nthreads
    cdef Py_ssize_t numel
    if _has_internal_overlap(dst):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    if dst._device is not _cpu or src._device is not _cpu:
        return _cuda_copy_into(dst, src, False)
    _broadcast_strides_to(src, nd, dst._shape, strides + nd)
    if dst._numel == 0:
        return 0
    if _may_overlap(dst, src) and not (dst._data == src._data and _same_geometry(dst, src)
                                       and dst._dtype.itemsize == src._dtype.itemsize):
        src = clone(src)
        _broadcast_strides_to(src, nd, dst._shape, strides + nd)
    for i in range(nd):
        strides[i] = dst._strides[i] * dst._dtype.itemsize
        strides[nd + i] *= src._dtype.itemsize
    base[0] = dst._data
    base[1] = src._data
    if dst._dtype is src._dtype:
        fn = pyt_move_loop(dst._dtype.itemsize)
    else:
        fn = pyt_cast_table[dst._dtype.code][src._dtype.code]
    nthreads = num_threads()
    with nogil:
        numel = pyt_iter_init(&it, 2, nd, dst._shape, base, strides)
        pyt_iter_run(&it, numel, fn, NULL, nthreads, PYT_GRAIN_SIZE)
    return 0


cdef bint _same_geometry(Tensor a, Tensor b) noexcept:
    cdef int i
    if a._ndim != b._ndim:
        return False
    for i in range(a._ndim):
        if a._shape[i] != b._shape[i] or a._strides[i] != b._strides[i]:
            return False
    return True




cdef str _scalar_type_name(DType dt):
    """torch's name of a dtype in error messages ('Float', 'Long', ...)."""
    return scalar_type_name(dt.code)


# ----- shared memory (pyt.multiprocessing) ------------------------------------------------
def _storage_moved(Storage storage):
    """Called by Storage.share_memory_ after it moved a storage's bytes: every live tensor
    over it re-reads its cached data pointer (gc finds them: tensors are gc-tracked)."""
    import gc
    cdef Tensor t
    for obj in gc.get_referrers(storage):
        if isinstance(obj, Tensor) and (<Tensor>obj)._storage is storage:
            t = <Tensor>obj
            t._data = storage.data + t._offset * t._dtype.itemsize


def _tensor_over_storage(Storage storage, DType dt, Py_ssize_t offset, shape, strides):
    """A new tensor viewing storage with the given geometry (any strides, negative
    included), checked to lie inside it: how pyt.multiprocessing rebuilds a received one."""
    cdef Py_ssize_t sh[PYT_MAX_DIMS]
    cdef Py_ssize_t st[PYT_MAX_DIMS]
    cdef Py_ssize_t lo = 0, hi = 0, step
    cdef int nd = _parse_size((shape,), sh, "_tensor_over_storage"), i
    if _parse_size((strides,), st, "_tensor_over_storage") != nd:
        raise RuntimeError("mismatch in length of strides and shape")
    _check_sizes_nonnegative(nd, sh)
    if _checked_numel(nd, sh, dt.itemsize) > 0:
        for i in range(nd):
            step = (sh[i] - 1) * st[i]
            if step < 0:
                lo += step
            else:
                hi += step
        if offset + lo < 0 or (offset + hi + 1) * dt.itemsize > storage.length:
            raise RuntimeError(f"a tensor of sizes {list(shape)}, strides {list(strides)} "
                               f"and storage offset {offset} does not fit in a storage of "
                               f"{storage.length} bytes")
    elif offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    cdef Tensor t = Tensor.__new__(Tensor)
    t._storage = storage
    t._dtype = dt
    t._device = storage.device
    t._set_geometry(nd, sh, st)
    t._offset = offset
    t._data = storage.data + offset * dt.itemsize
    return t


include "views.pxi"
include "creation.pxi"
include "convert.pxi"
include "joining.pxi"
include "indexing.pxi"
include "random.pxi"
include "dlpack.pxi"
include "pointwise.pxi"
include "recording.pxi"
include "cuda_dispatch.pxi"


# ----- op modules -------------------------------------------------------------------------
# Larger op families live in modules of their own that cimport this one (tensor.pxd), so
# they compile separately; Tensor's methods reach them through these names. They are
# imported last: by now this module's types and C functions are ready for them.
from pyt._ext import autograd as _autograd
from pyt._ext import linalg as _linalg
from pyt._ext import reductions as _reductions
from pyt._ext import math_ops as _math_ops
from pyt._ext import nn_kernels as _nn_kernels
