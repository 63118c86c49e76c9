# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""NN kernels: the computation under pyt.nn.functional.

Every op checks its arguments like torch, brings its inputs to a contiguous
float32/float64 layout (float16/bfloat16 compute in float32, the result is cast
back), and runs a nogil kernel on raw pointers. Gradients are plain functions
(`conv_backward`, `batch_norm_backward`, ...), and every differentiable op records
itself on the autograd tape with torch's node name; its backward runs those native
kernels, and under create_graph=True records itself too (double backward).

    nn_conv.pxi           convolution and transposed convolution (im2col + GEMM),
                          unfold / fold
    nn_pooling.pxi        max / avg / adaptive pooling, max_unpool
    nn_softmax.pxi        softmax, log_softmax
    nn_normalization.pxi  batch / layer / group norm
    nn_embedding.pxi      embedding, dropout
    nn_padding.pxi        pad (constant, reflect, replicate, circular)
    nn_interpolate.pxi    interpolate (nearest, linear, bilinear, bicubic, trilinear, area)
    nn_loss.pxi           cross_entropy fused on CUDA
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.stdint cimport int64_t, int32_t, int16_t, int8_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.math cimport sqrt, floor, ceil, fabs, sin, pow as c_pow, INFINITY, M_PI
from cython.parallel cimport prange, threadid

from pyt._ext.tensor cimport (Tensor, new_empty, new_view, copy_into, contiguous,
    is_contiguous, wrap_dim, _to_dtype, _parse_dtype, fill_, clone, detach, _wants_grad, _record,
    _inplace_result, _meta, grad_enabled, set_grad_enabled_flag, is_cuda, cuda_check,
    refuse_cuda, common_device, _refuse_args)
from pyt._ext.cuda_api cimport (pyt_cuda_softmax, pyt_cuda_gemm_tf32, pyt_cuda_im2col,
    pyt_cuda_col2im, pyt_cuda_channel_bias, pyt_cuda_swap_leading, pyt_cuda_pool,
    pyt_cuda_pool_scatter, pyt_cuda_norm_forward, pyt_cuda_norm_backward, pyt_cuda_cross_entropy,
    pyt_cuda_cross_entropy_backward, pyt_cuda_pad, pyt_cuda_resample, pyt_cuda_max_unpool,
    PYT_CUDA_ERR_INDEX)
from pyt._ext.graph cimport Node
from pyt._ext.dtypes cimport dtype as DType
from pyt._ext.dtypes cimport (PYT_BOOL, PYT_UINT8, PYT_INT8, PYT_INT16, PYT_INT32,
    PYT_INT64, PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64)
from pyt._ext.parallel cimport num_threads
from pyt._ext.scipy_blas cimport (scipy_entry, sgemm_t, dgemm_t, pyt_fork_guard_install,
    pyt_blas_enter, pyt_blas_exit, PYT_BLAS_MAX_LIBS, pyt_blas_threads_init,
    pyt_blas_serial_begin, pyt_blas_serial_end, pyt_blas_set_all)
from pyt._ext.loop cimport PYT_MAX_DIMS, PYT_GRAIN_SIZE

import os

from pyt._ext import dtypes as _dtypes

ctypedef fused real:
    float
    double

cdef DType _f32 = _dtypes.float32
cdef DType _f64 = _dtypes.float64
cdef DType _i64 = _dtypes.int64
cdef DType _u8 = _dtypes.uint8
cdef DType _bool = _dtypes.bool_

# torch's names of the scalar types, as its error messages print them
cdef tuple _TORCH_NAMES = ("Bool", "Byte", "Char", "Short", "Int", "Long", "Half",
                           "BFloat16", "Float", "Double")


# ----- tensors in and out ---------------------------------------------------------------

cdef str _type_name(DType d):
    return _TORCH_NAMES[d.code]


cdef Tensor _tensor_arg(object x, str name, str op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return <Tensor>x


cdef DType _compute_dtype(DType d):
    """The dtype kernels run in: float64 stays, other floats compute in float32."""
    return _f64 if d.code == PYT_FLOAT64 else _f32


cdef Tensor _float_input(Tensor x, str op):
    """x as a contiguous float32/float64 tensor; integer and bool inputs fail like torch."""
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f'"{op}" not implemented for \'{_type_name(x._dtype)}\'')
    return _as(x, _compute_dtype(x._dtype))


cdef Tensor _as(Tensor x, DType dt):
    """x in dtype dt, contiguous (no copy when it already is)."""
    return contiguous(_to_dtype(x, dt, False))


cdef Tensor _cast(Tensor r, DType dt):
    return r if r._dtype is dt else _to_dtype(r, dt, False)


cdef Tensor _new(object shape, DType dt, bint zeroed):
    """A new contiguous tensor of the given shape (a sequence of ints)."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef int i, n = len(shape)
    for i in range(n):
        sizes[i] = shape[i]
    return new_empty(n, sizes, dt, None, zeroed)


cdef Tensor _reshaped(Tensor t, object shape):
    """A view of the contiguous tensor t with another shape of the same numel."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef Py_ssize_t acc = 1
    cdef int i, n = len(shape)
    for i in range(n):
        sizes[i] = shape[i]
    for i in range(n - 1, -1, -1):
        strides[i] = acc
        acc *= sizes[i] if sizes[i] > 1 else 1
    return new_view(t, n, sizes, strides, t._offset)


cdef list _shape(Tensor t):
    return [t._shape[i] for i in range(t._ndim)]


cdef bint _is_int(object v):
    if isinstance(v, bool):
        return False
    if isinstance(v, Tensor):
        return (<Tensor>v)._ndim == 0 and not (<Tensor>v)._dtype.is_floating_point \
            and (<Tensor>v)._dtype.code != PYT_BOOL
    return isinstance(v, int) or hasattr(v, "__index__")


cdef tuple _ntuple(object value, int n, str name, str op):
    """An int or a sequence of 1 or n ints, as a tuple of n Python ints; None when the
    length is wrong (each op words that error itself)."""
    if _is_int(value):
        return (int(value),) * n
    try:
        seq = tuple(value)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not "
                        f"{type(value).__name__}") from None
    for v in seq:
        if not _is_int(v):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found "
                            f"element of type {type(v).__name__}")
    seq = tuple([int(v) for v in seq])
    if len(seq) == 1 and n > 1:
        return seq * n
    if len(seq) != n:
        return None
    return seq


cdef str _dims_str(object sizes, str sep):
    return sep.join([str(s) for s in sizes])


cdef inline int _threads_for(Py_ssize_t work) noexcept nogil:
    """The threads a kernel of `work` elements uses: 1 below the grain."""
    cdef int nt = num_threads()
    return nt if nt > 1 and work >= PYT_GRAIN_SIZE else 1


cdef inline Py_ssize_t _prod(const Py_ssize_t* s, int n) noexcept nogil:
    cdef Py_ssize_t p = 1
    cdef int i
    for i in range(n):
        p *= s[i]
    return p


cdef void* _alloc(Py_ssize_t nbytes) except NULL:
    cdef void* p = malloc(nbytes if nbytes > 0 else 1)
    if p == NULL:
        raise MemoryError(f"pyt: could not allocate {nbytes} bytes of scratch memory")
    return p


# ----- scratch memory ----------------------------------------------------------------------
# Kernels' scratch buffers (conv's column matrices) are reused from call to call: a fresh
# multi-megabyte malloc is a fresh mmap whose pages fault in on first touch, a cost as
# large as the im2col itself. One cached block, handed out under the GIL; a second
# concurrent user (another Python thread) gets its own malloc.

cdef void* _cache = NULL
cdef Py_ssize_t _cache_bytes = 0
cdef bint _cache_busy = False
cdef Py_ssize_t _CACHE_LIMIT = 64 << 20


cdef void* _scratch(Py_ssize_t nbytes) except NULL:
    """Scratch memory of at least nbytes; give it back with _scratch_done."""
    global _cache, _cache_bytes, _cache_busy
    nbytes = max(nbytes, 64)
    if _cache_busy or nbytes > _CACHE_LIMIT:
        return _alloc(nbytes)
    if nbytes > _cache_bytes:
        free(_cache)
        _cache = NULL
        _cache_bytes = 0
        _cache = _alloc(nbytes)
        _cache_bytes = nbytes
    _cache_busy = True
    return _cache


cdef void _scratch_done(void* p) noexcept:
    global _cache_busy
    if p == NULL:
        return
    if p == _cache:
        _cache_busy = False
    else:
        free(p)


# ----- BLAS -------------------------------------------------------------------------------
# sgemm / dgemm come from SciPy's cython_blas capsules on first use rather than cimported:
# importing scipy.linalg costs about 0.3 s, which `import pyt` should not pay.

# After a threaded call OpenBLAS's idle threads spin for 2^28 cycles (~0.1 s), fighting
# pyt's OpenMP threads for the cores; 2^16 cycles keeps back-to-back calls warm. OpenBLAS
# reads this when it loads (SciPy's: on pyt's first BLAS call); a user's value is kept.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "16")

cdef sgemm_t _sgemm = NULL
cdef dgemm_t _dgemm = NULL
cdef int _blas_libs = 0             # OpenBLAS libraries whose thread count pyt can set


cdef int _load_blas() except -1:
    global _sgemm, _dgemm, _blas_libs
    if _sgemm != NULL:
        return 0
    _dgemm = <dgemm_t>scipy_entry("cython_blas", "dgemm")
    _blas_libs = pyt_blas_threads_init()
    pyt_fork_guard_install()            # after OpenBLAS registered its own fork handler
    # a library loaded just now missed pyt.set_num_threads: give it pyt's count
    if _blas_libs:
        pyt_blas_set_all(num_threads())
    _sgemm = <sgemm_t>scipy_entry("cython_blas", "sgemm")
    return 0


def _blas_libraries_found():
    """How many OpenBLAS libraries conv can make single-threaded inside its parallel
    region (0: BLAS then stays out of parallel regions)."""
    _load_blas()
    return _blas_libs


cdef inline void _gemm(bint trans_a, bint trans_b, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K,
                       real alpha, const real* A, Py_ssize_t lda, const real* B,
                       Py_ssize_t ldb, real beta, real* C, Py_ssize_t ldc) noexcept nogil:
    """Row-major C[M, N] = alpha * op(A) @ op(B) + beta * C. BLAS is column-major, where
    row-major C is C^T = op(B)^T @ op(A)^T: the operands swap and keep their flags.
    Sizes must fit in int (callers check); _load_blas() must have run."""
    cdef char ta = b'T' if trans_b else b'N'
    cdef char tb = b'T' if trans_a else b'N'
    cdef int m = <int>N, n = <int>M, k = <int>K
    cdef int la = <int>ldb, lb = <int>lda, lc = <int>ldc
    cdef Py_ssize_t i, j
    if M == 0 or N == 0:
        return
    if K == 0:                           # nothing to multiply: C = beta * C
        for i in range(M):
            for j in range(N):
                C[i * ldc + j] = 0 if beta == 0 else beta * C[i * ldc + j]
        return
    pyt_blas_enter()                    # no fork while the call runs (pyt_fork_guard.h)
    if real is float:
        _sgemm(&ta, &tb, &m, &n, &k, &alpha, <float*>B, &la, <float*>A, &lb, &beta, C, &lc)
    else:
        _dgemm(&ta, &tb, &m, &n, &k, &alpha, <double*>B, &la, <double*>A, &lb, &beta, C, &lc)
    pyt_blas_exit()


# ----- row sums in double, vectorised (include/pyt_nn_rows.h) -----------------------------

cdef extern from "pyt_nn_rows.h":
    double pyt_sum_f(const float* x, Py_ssize_t n) nogil
    double pyt_sqdev_f(const float* x, Py_ssize_t n, double m) nogil
    double pyt_wsum_f(const float* g, const float* w, Py_ssize_t n) nogil
    double pyt_wdotdev_f(const float* g, const float* w, const float* x, Py_ssize_t n,
                         double m) nogil
    double pyt_sum_d(const double* x, Py_ssize_t n) nogil
    double pyt_sqdev_d(const double* x, Py_ssize_t n, double m) nogil
    double pyt_wsum_d(const double* g, const double* w, Py_ssize_t n) nogil
    double pyt_wdotdev_d(const double* g, const double* w, const double* x, Py_ssize_t n,
                         double m) nogil


cdef inline double _sum(const real* x, Py_ssize_t n) noexcept nogil:
    if real is float:
        return pyt_sum_f(x, n)
    else:
        return pyt_sum_d(x, n)


cdef inline double _sqdev(const real* x, Py_ssize_t n, double m) noexcept nogil:
    if real is float:
        return pyt_sqdev_f(x, n, m)
    else:
        return pyt_sqdev_d(x, n, m)


cdef inline double _wsum(const real* g, const real* w, Py_ssize_t n) noexcept nogil:
    if real is float:
        return pyt_wsum_f(g, w, n)
    else:
        return pyt_wsum_d(g, w, n)


cdef inline double _wdotdev(const real* g, const real* w, const real* x, Py_ssize_t n,
                            double m) noexcept nogil:
    """sum of g * w * (x - m); w NULL: ones."""
    if real is float:
        return pyt_wdotdev_f(g, w, x, n, m)
    else:
        return pyt_wdotdev_d(g, w, x, n, m)


# ----- autograd ---------------------------------------------------------------------------
# A recorded op computes with recording off (so no stray nodes appear inside it) and
# then records one node. Linear ops (pooling, pad, interpolate, unfold, the gradients of
# max pooling and embedding, ...) are a native kernel and its adjoint, each the other's
# backward (_linear): derivatives of every order stay native and exact.

cdef inline bint _tracks(Tensor x) noexcept:
    """_wants_grad for one tensor input, without building a tuple (the no-grad path of
    small ops stays as fast as before recording existed)."""
    return x._requires_grad and grad_enabled()


cdef class _Bound:
    """(*t) -> fn(*t, *args): a kernel call a node keeps for its backward."""
    cdef object fn
    cdef tuple args

    def __call__(self, *t):
        return self.fn(*(t + self.args))


cdef _Bound _bind(object fn, tuple args):
    cdef _Bound b = _Bound.__new__(_Bound)
    b.fn = fn
    b.args = args
    return b


cdef object _untracked(object fn, tuple args):
    """fn(*args) with recording off: the forward of a recorded op."""
    cdef bint was = grad_enabled()
    set_grad_enabled_flag(False)
    try:
        return fn(*args)
    finally:
        set_grad_enabled_flag(was)


cdef str _twice(str name):
    """The name of the node that differentiates a backward: torch's XBackwardBackward0."""
    return (name[:len(name) - 1] if name.endswith("0") else name) + "Backward0"


cdef tuple _needs(Node node):
    """Which inputs of node take a gradient (those with an edge)."""
    return tuple([e[0] is not None for e in node.next_functions])


cdef Tensor _record_linear(Tensor x, Tensor y, str name, object adjoint, str adjoint_name,
                           object linear):
    """Records y, an op of x whose derivative at x is the linear map `linear`: backward
    applies adjoint (named adjoint_name), whose own backward applies linear again."""
    cdef Node node
    if y is x:
        return y
    node = _record(name, _linear_backward, (x,), (y,))
    node.ctx = (adjoint, adjoint_name, linear, name)
    return y


cdef Tensor _linear(Tensor x, object fn, str name, object adjoint, str adjoint_name,
                    object linear=None):
    """fn(x) for a linear (or affine: linear is then its linear part) native op fn,
    recorded when x needs a gradient."""
    if not _tracks(x):
        return fn(x)
    return _record_linear(x, _untracked(fn, (x,)), name, adjoint, adjoint_name,
                          fn if linear is None else linear)


cdef tuple _linear_backward(Node node, tuple grads):
    adjoint, adjoint_name, linear, name = node.ctx
    return (_linear(grads[0], adjoint, adjoint_name, linear, name),)


include "nn_conv.pxi"
include "nn_pooling.pxi"
include "nn_softmax.pxi"
include "nn_normalization.pxi"
include "nn_embedding.pxi"
include "nn_padding.pxi"
include "nn_interpolate.pxi"
include "nn_loss.pxi"
