"""SparseTensor: a tensor in the COO layout (indices of the stored elements + their values).

It is a class of its own, not a pyt.Tensor subclass: the Cython ops read a Tensor's dense
fields (data pointer, strides), which a COO tensor has no meaning for, so a sparse tensor
handed to a dense-only op gets a TypeError there instead of silently wrong numbers.

Everything here is composed from pyt's differentiable ops on the values, so autograd
reaches the values (and through them whatever they were computed from) for free. Those
ops run on either device, so a sparse tensor lives where its indices and values are (the
same device, which pyt.sparse_coo_tensor checks): every tensor made here is made there.
"""
import numbers

import pyt
from pyt._ext.layout import sparse_coo


def check_same_device(a, b):
    """torch's error for operands on two devices, raised before any op reads them."""
    if a.device != b.device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                           f"least two devices, {a.device} and {b.device}!")


def _linear_index(indices, sizes):
    """Row-major position of each column of `indices` in a block of shape `sizes`."""
    lin = None
    for d, n in enumerate(sizes):
        lin = indices[d] if lin is None else lin * n + indices[d]
    if lin is None:                           # no sparse dims: every element is position 0
        return pyt.zeros(indices.shape[1], dtype=pyt.int64, device=indices.device)
    return lin


def _unravel(lin, sizes):
    """The inverse of _linear_index: a (len(sizes), n) index tensor."""
    rows = []
    for n in reversed(sizes):
        rows.append(lin % n)
        lin = lin.div(n, rounding_mode="floor")
    rows.reverse()
    if not rows:
        return pyt.zeros(0, lin.shape[0], dtype=pyt.int64, device=lin.device)
    return pyt.stack(rows)


class SparseTensor:
    """A sparse COO tensor; build it with `pyt.sparse_coo_tensor` or `Tensor.to_sparse()`.

    `_ind` is an int64 (sparse_dim, nnz) tensor, `_val` a (nnz, *dense_shape) tensor;
    an element listed more than once stands for the sum of its values (until coalesce()).
    """
    __slots__ = ("_ind", "_val", "_size", "_coalesced", "_leaf", "__weakref__")
    __array_priority__ = 1000                 # numpy defers `ndarray @ sparse` to us

    def __init__(self, indices, values, size, coalesced=False, _leaf=False):
        # no checks here: pyt.sparse_coo_tensor checks user input; internal callers
        # pass consistent parts
        self._ind = indices
        self._val = values
        self._size = pyt.Size(tuple(int(s) for s in size))
        self._coalesced = bool(coalesced)
        self._leaf = _leaf                    # True when this tensor owns its values' grad

    # ----- what it is ------------------------------------------------------------------
    layout = sparse_coo
    is_sparse = True
    is_sparse_csr = False
    is_quantized = False
    is_mkldnn = False

    @property
    def shape(self):
        return self._size

    def size(self, dim=None):
        if dim is None:
            return self._size
        return self._size[self._wrap(dim)]

    def dim(self):
        return len(self._size)

    ndim = property(dim)

    def numel(self):
        n = 1
        for s in self._size:
            n *= s
        return n

    nelement = numel

    @property
    def dtype(self):
        return self._val.dtype

    @property
    def device(self):
        return self._val.device

    @property
    def is_cuda(self):
        return self._val.is_cuda

    def get_device(self):
        return self._val.get_device()

    def is_floating_point(self):
        return self._val.is_floating_point()

    def sparse_dim(self):
        return self._ind.shape[0]

    def dense_dim(self):
        return self._val.dim() - 1

    def _nnz(self):
        return self._val.shape[0]

    def is_coalesced(self):
        return self._coalesced

    def _indices(self):
        return self._ind

    def _values(self):
        return self._val

    def indices(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call "
                               ".coalesce() first")
        return self._ind

    def values(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call "
                               ".coalesce() first")
        return self._val

    def _wrap(self, dim):
        n = len(self._size)
        if not -max(n, 1) <= dim < max(n, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(n, 1)}, {max(n, 1) - 1}], but got {dim})")
        return dim % max(n, 1)

    def __len__(self):
        if not self._size:
            raise TypeError("len() of a 0-d tensor")
        return self._size[0]

    def __repr__(self):
        from pyt.sparse._repr import sparse_repr
        return sparse_repr(self)

    def __reduce__(self):
        return (_rebuild, (self._ind, self._val.detach(), tuple(self._size), self._coalesced,
                           self.requires_grad))

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is "
                               f"ambiguous")
        return bool(self.to_dense())

    def _like(self, values, indices=None, coalesced=None, size=None):
        """A sparse tensor sharing this one's structure, with other values."""
        return SparseTensor(self._ind if indices is None else indices, values,
                            self._size if size is None else size,
                            self._coalesced if coalesced is None else coalesced)

    # ----- conversion ------------------------------------------------------------------
    def coalesce(self):
        """The same tensor with each element listed once, in row-major order (duplicates
        summed)."""
        if self._coalesced:
            return self
        sizes = self._size[:self.sparse_dim()]
        lin = _linear_index(self._ind, sizes)
        # unique waits for the GPU: the count of distinct elements sizes the result
        uniq, where = pyt.unique(lin, return_inverse=True)
        dense_shape = tuple(self._val.shape[1:])
        val = pyt.zeros((uniq.shape[0],) + dense_shape, dtype=self.dtype,
                        device=self.device).index_add(0, where, self._val)
        return SparseTensor(_unravel(uniq, sizes), val, self._size, True)

    def to_dense(self, dtype=None, *, masked_grad=None):
        sparse_dim = self.sparse_dim()
        sizes = self._size[:sparse_dim]
        count = 1
        for s in sizes:
            count *= s
        dense_shape = tuple(self._size[sparse_dim:])
        val = self._val if dtype is None else self._val.to(dtype)
        flat = pyt.zeros((count,) + dense_shape, dtype=val.dtype, device=val.device)
        flat = flat.index_add(0, _linear_index(self._ind, sizes), val)
        return flat.reshape(tuple(self._size))

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        if layout not in (None, sparse_coo):
            raise RuntimeError(f"to_sparse: conversion from Sparse to {layout!r} is not "
                               f"implemented")
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError(f"to_sparse: conversion from Sparse to Sparse with sparse_dim "
                               f"argument !=self.sparse_dim() is not supported")
        return self

    to_sparse_coo = to_sparse

    def to(self, *args, **kwargs):
        """to(dtype) / to(device) / to(device, dtype) / to(other), parsed as Tensor.to
        parses them (another sparse tensor stands for its values' dtype and device); the
        indices follow the values to their device."""
        args = tuple(a._val if isinstance(a, SparseTensor) else a for a in args)
        val = self._val.to(*args, **kwargs)
        if val is self._val:
            return self
        ind = self._ind.to(val.device, copy=bool(kwargs.get("copy", False)))
        return SparseTensor(ind, val, self._size, self._coalesced)

    def type(self, dtype=None):
        if dtype is None:
            # as torch names them: pyt.sparse.FloatTensor, pyt.cuda.sparse.FloatTensor
            kind = self._val.type().rsplit(".", 1)[-1]
            return ("pyt.cuda.sparse." if self.is_cuda else "pyt.sparse.") + kind
        return self.to(dtype)

    def double(self):
        return self.to(pyt.float64)

    def float(self):
        return self.to(pyt.float32)

    def half(self):
        return self.to(pyt.float16)

    def long(self):
        return self.to(pyt.int64)

    def int(self):
        return self.to(pyt.int32)

    def bool(self):
        return self.to(pyt.bool)

    def cpu(self, memory_format=None):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """This tensor on a GPU (device: None for the current one, an index or a CUDA
        device), parsed as Tensor.cuda parses it."""
        val = self._val.cuda(device, non_blocking)
        if val is self._val:
            return self
        return SparseTensor(self._ind.to(val.device, non_blocking=non_blocking), val,
                            self._size, self._coalesced)

    def clone(self, *, memory_format=None):
        return SparseTensor(self._ind.clone(), self._val.clone(), self._size, self._coalesced)

    def detach(self):
        return SparseTensor(self._ind, self._val.detach(), self._size, self._coalesced)

    def numpy(self, *, force=False):
        raise TypeError("can't convert sparse tensor to numpy: use to_dense() first")

    def tolist(self):
        raise RuntimeError("tolist() is not supported for a sparse tensor: use to_dense()")

    # ----- autograd --------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._val.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        if self._val.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "If you want to use a computed variable in a subgraph that "
                                   "doesn't require differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and not self._val.requires_grad:
            # own values (sharing memory) so that the user's values tensor is not changed
            self._val = self._val.detach().requires_grad_()
            self._leaf = True
        elif not requires_grad and self._val.requires_grad:
            self._val = self._val.detach()
            self._leaf = False
        return self

    @property
    def is_leaf(self):
        return self._val.grad_fn is None

    @property
    def grad_fn(self):
        return self._val.grad_fn

    @property
    def grad(self):
        """The gradient of a leaf: sparse, at this tensor's (coalesced) indices."""
        g = self._val.grad if self._leaf else None
        if g is None:
            return None
        if self._coalesced:
            return SparseTensor(self._ind, g, self._size, True)
        # the copies of a repeated element each got the gradient at its position (when
        # the values were used through the tensor they stand for): that position gets it
        # once, as in torch (their mean, which is that common value)
        summed = SparseTensor(self._ind, g, self._size).coalesce()
        ones = pyt.ones(self._nnz(), dtype=g.dtype, device=g.device)
        counts = SparseTensor(self._ind, ones, self._size).coalesce()._val
        counts = counts.reshape((-1,) + (1,) * self.dense_dim())
        return SparseTensor(summed._ind, summed._val / counts, self._size, True)

    @grad.setter
    def grad(self, value):
        if value is None:
            self._val.grad = None
            return
        if not isinstance(value, SparseTensor):
            value = pyt.sparse.to_sparse(value)
        self._val.grad = _values_at(value, self)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            gradient = pyt.ones((), dtype=self.dtype, device=self.device)
        if isinstance(gradient, SparseTensor):
            gradient = gradient.to_dense()
        gradient = gradient.expand(tuple(self._size))
        self._val.backward(_values_at_dense(gradient, self), retain_graph=retain_graph,
                           create_graph=create_graph, inputs=inputs)

    def retain_grad(self):
        self._val.retain_grad()
        self._leaf = True

    # ----- shape -----------------------------------------------------------------------
    def transpose(self, dim0, dim1):
        d0, d1 = self._wrap(dim0), self._wrap(dim1)
        sparse_dim = self.sparse_dim()
        if d0 == d1:
            return self
        size = list(self._size)
        size[d0], size[d1] = size[d1], size[d0]
        if d0 < sparse_dim and d1 < sparse_dim:
            order = list(range(sparse_dim))
            order[d0], order[d1] = order[d1], order[d0]
            ind = pyt.stack([self._ind[d] for d in order])
            return SparseTensor(ind, self._val, size, self._nnz() <= 1 and self._coalesced)
        if d0 >= sparse_dim and d1 >= sparse_dim:
            val = self._val.transpose(d0 - sparse_dim + 1, d1 - sparse_dim + 1)
            return SparseTensor(self._ind, val, size, self._coalesced)
        raise RuntimeError("transpose(): a sparse dim and a dense dim cannot be swapped "
                           "(sparse_dim=%d, got dims %d and %d)" % (sparse_dim, d0, d1))

    def t(self):
        if self.dim() > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, "
                               f"but got {self.sparse_dim()} sparse and {self.dense_dim()} "
                               f"dense dimensions")
        return self if self.dim() < 2 else self.transpose(0, 1)

    @property
    def T(self):
        return self.t()

    @property
    def mT(self):
        return self.transpose(-2, -1)

    # ----- arithmetic ------------------------------------------------------------------
    def __neg__(self):
        return self._like(-self._val)

    def neg(self):
        return -self

    def __pos__(self):
        return self

    def mul(self, other):
        if isinstance(other, (numbers.Number,)) or (
                isinstance(other, pyt.Tensor) and other.dim() == 0):
            return self._like(self._val * other)
        if isinstance(other, SparseTensor):
            return _mul_sparse(self, other)
        if isinstance(other, pyt.Tensor):
            # (a + b) * d == a * d + b * d: duplicates need no coalescing
            if other.dim() > self.dim():
                raise RuntimeError(f"mul(sparse, dense): the dense operand has more dims "
                                   f"({other.dim()}) than the sparse one ({self.dim()})")
            check_same_device(self, other)
            dense = other.expand(tuple(self._size))
            return self._like(self._val * _values_at_dense(dense, self))
        return NotImplemented

    __mul__ = mul

    def __rmul__(self, other):
        return self.mul(other)

    def div(self, other):
        if isinstance(other, numbers.Number) or (
                isinstance(other, pyt.Tensor) and other.dim() == 0):
            return self._like(self._val / other)
        raise RuntimeError("div(sparse, tensor): only division by a scalar is supported")

    __truediv__ = div

    def add(self, other, *, alpha=1):
        if isinstance(other, SparseTensor):
            return _add_sparse(self, other, alpha)
        if isinstance(other, (pyt.Tensor, numbers.Number)):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) "
                               "instead.")
        return NotImplemented

    def __add__(self, other):
        if not isinstance(other, (SparseTensor, pyt.Tensor, numbers.Number)):
            return NotImplemented
        return self.add(other)

    def __radd__(self, other):
        if isinstance(other, pyt.Tensor):
            return _add_dense(other, self, 1)
        if isinstance(other, numbers.Number):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) "
                               "instead.")
        return NotImplemented

    def sub(self, other, *, alpha=1):
        return self.add(other, alpha=-alpha)

    def __sub__(self, other):
        if not isinstance(other, (SparseTensor, pyt.Tensor, numbers.Number)):
            return NotImplemented
        return self.sub(other)

    def __rsub__(self, other):
        if isinstance(other, pyt.Tensor):
            return _add_dense(other, self, -1)
        return NotImplemented

    def sum(self, dim=None, keepdim=False, dtype=None):
        from pyt.sparse import sum as sparse_sum
        if keepdim:
            raise RuntimeError("sum(sparse): keepdim=True is not supported")
        return sparse_sum(self, dim, dtype=dtype)

    # ----- products --------------------------------------------------------------------
    def mm(self, mat2):
        from pyt.sparse import mm
        return mm(self, mat2)

    def matmul(self, other):
        from pyt.sparse import _products
        return _products.matmul(self, other)

    def __matmul__(self, other):
        if not isinstance(other, (pyt.Tensor, SparseTensor)):
            return NotImplemented
        return self.matmul(other)

    def __rmatmul__(self, other):
        if not isinstance(other, pyt.Tensor):
            return NotImplemented
        from pyt.sparse import _products
        return _products.matmul(other, self)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        raise RuntimeError("addmm: a sparse input matrix is not supported; use a dense "
                           "input with a sparse mat1")


def _values_at_dense(dense, s):
    """dense's elements (or dense sub-tensors) at s's indices: a (nnz, *dense_shape) tensor."""
    check_same_device(s, dense)
    sparse_dim = s.sparse_dim()
    sizes = s._size[:sparse_dim]
    flat = dense.reshape((-1,) + tuple(s._size[sparse_dim:]))
    return flat.index_select(0, _linear_index(s._ind, sizes))


def _values_at(source, s):
    """source's values at s's indices (0 where source has no element there), coalesced
    source assumed to have s's shape."""
    return _values_at_dense(source.to_dense(), s)


def _add_sparse(a, b, alpha):
    if a._size != b._size:
        raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has "
                           f"size {list(a._size)} while other has size {list(b._size)} (FYI: "
                           f"dense-sparse addition not supported)")
    if a.sparse_dim() != b.sparse_dim():
        raise RuntimeError(f"add: expected 'self' and 'other' to have the same sparse_dim, but "
                           f"got {a.sparse_dim()} and {b.sparse_dim()}")
    check_same_device(a, b)
    dtype = pyt.promote_types(a.dtype, b.dtype)
    bv = b._val if alpha == 1 else b._val * alpha
    values = pyt.cat([a._val.to(dtype), bv.to(dtype)])
    return SparseTensor(pyt.cat([a._ind, b._ind], 1), values, a._size).coalesce()


def _add_dense(dense, s, sign):
    check_same_device(dense, s)
    d = s.to_dense()
    return dense + d if sign == 1 else dense - d


def _mul_sparse(a, b):
    """Elementwise product: nonzero only where both have an element."""
    if a._size != b._size:
        raise RuntimeError(f"mul: expected 'self' and 'other' to have same sizes, but "
                           f"{list(a._size)} != {list(b._size)}")
    check_same_device(a, b)
    a, b = a.coalesce(), b.coalesce()
    sparse_dim = a.sparse_dim()
    sizes = a._size[:sparse_dim]
    la, lb = _linear_index(a._ind, sizes), _linear_index(b._ind, sizes)
    # both are sorted and duplicate-free: find each of a's positions among b's
    pos = pyt.searchsorted(lb, la).clamp_max(max(lb.shape[0] - 1, 0))
    if lb.shape[0] == 0:
        hit = pyt.zeros(la.shape[0], dtype=pyt.bool, device=la.device)
    else:
        hit = lb.index_select(0, pos) == la
    keep = hit.nonzero().reshape(-1)             # waits for the GPU: sizes the result
    av = a._val.index_select(0, keep)
    bv = b._val.index_select(0, pos.index_select(0, keep))
    return SparseTensor(a._ind.index_select(1, keep), av * bv, a._size, True)


def _rebuild(indices, values, size, coalesced, requires_grad):
    s = SparseTensor(indices, values, size, coalesced)
    return s.requires_grad_() if requires_grad else s
