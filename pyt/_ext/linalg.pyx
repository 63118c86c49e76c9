# cython: language_level=3, cdivision=True
"""Linear algebra.

Matrix products go to BLAS (SciPy's OpenBLAS through cython_blas), row-major as pyt stores
them: C = A @ B is, read column-major, C^T = B^T @ A^T, so a matrix whose rows are
contiguous goes in as it is ('N') and a transposed view goes in as 'T', neither copied.
float16/bfloat16 products accumulate in float32 through the same BLAS; 8- and 16-bit integer
products are exact in double, so they go through dgemm too; 32- and 64-bit integer products
run a blocked int64 kernel. Integer results wrap like torch's.

    linalg.pyx           the product driver and matmul, mm, bmm, mv, dot, addmm, ...
    linalg_blas.pxi      BLAS/LAPACK entry points, loaded on first use
    linalg_contract.pxi  einsum, tensordot, kron, trace, diag, multi_dot
    linalg_lapack.pxi    inv, det, solve, cholesky, qr, svd, eigh, lstsq, pinv, ... (CUDA
                         tensors: through the host, no cuSOLVER yet)

Each differentiable op records one node on the autograd tape when grad mode is on and an
input requires grad; its derivative sits beside it and is written with pyt ops, so that
it is itself differentiable. Composite ops (einsum, tensordot, multi_dot, matrix_power, ...)
are differentiated through the recorded ops they are made of.
"""
from libc.stdlib cimport malloc, free
from libc.stdint cimport int64_t
from libc.limits cimport INT_MAX
from libc.math cimport log, NAN
from cython.parallel cimport prange

from pyt._ext.tensor cimport (Tensor, new_empty, new_view, copy_into, contiguous, wrap_dim,
    _to_dtype, _into_out, clone, detach, transpose, copy_, grad_enabled, set_grad_enabled_flag,
    _record, _refuse_out, _inplace_result, _grad_like, _sum_to, _meta, is_cuda, cuda_check,
    common_device)
from pyt._ext.cuda_api cimport pyt_cuda_gemm, pyt_cuda_blas_loaded, pyt_cuda_blas_try_load
from pyt._ext.graph cimport Node
from pyt._ext.dtypes cimport dtype as DType
from pyt._ext.dtypes cimport scalar_type_name, cpp_type_name
from pyt._ext.dtypes cimport (is_integral, PYT_BOOL, PYT_UINT8, PYT_INT8, PYT_INT16,
    PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64)
from pyt._ext.loop cimport PYT_MAX_DIMS, PYT_GRAIN_SIZE
from pyt._ext.parallel cimport num_threads

from pyt._ext import dtypes as _dtypes
from pyt._ext import parallel as _parallel
from pyt._ext import tensor as _t          # views and pointwise ops, at Python level

include "linalg_blas.pxi"

cdef DType _f32 = _dtypes.float32
cdef DType _f64 = _dtypes.float64
cdef DType _i64 = _dtypes.int64
cdef DType _i32 = _dtypes.int32



cdef Tensor _tensor_arg(object x, str fn, str name, int pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, "
                        f"not {type(x).__name__}")
    return <Tensor>x


cdef list _shape_list(Tensor t):
    return [t._shape[i] for i in range(t._ndim)]


cdef Tensor _matrix_view(Tensor t, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t rs,
                         Py_ssize_t cs):
    cdef Py_ssize_t shape[2]
    cdef Py_ssize_t strides[2]
    shape[0] = rows
    shape[1] = cols
    strides[0] = rs
    strides[1] = cs
    return new_view(t, 2, shape, strides, t._offset)


cdef Tensor _drop_dim(Tensor t, int d):
    """Removes the size-1 dim d of t in place: t is a fresh result nobody else holds."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i, j = 0
    for i in range(t._ndim):
        if i != d:
            shape[j] = t._shape[i]
            strides[j] = t._strides[i]
            j += 1
    t._set_geometry(t._ndim - 1, shape, strides)
    return t


cdef Tensor _insert_dim(Tensor t, int d):
    """A view of t with a new size-1 dim at d (unsqueeze)."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i, j = 0
    for i in range(t._ndim + 1):
        if i == d:
            shape[i] = 1
            strides[i] = 1
        else:
            shape[i] = t._shape[j]
            strides[i] = t._strides[j]
            j += 1
    return new_view(t, t._ndim + 1, shape, strides, t._offset)


# ----- recording on the autograd tape ------------------------------------------------------

cdef inline bint _tracked(Tensor a, Tensor b=None, Tensor c=None):
    """Whether an op of a (and b, c when given) must be recorded: grad mode is on and one
    of them requires grad. A few field reads on the plain path."""
    return ((a._requires_grad or (b is not None and b._requires_grad) or
             (c is not None and c._requires_grad)) and grad_enabled())


cdef class _Untracked:
    """`with _untracked:` computes a recorded op's forward without recording its inner
    steps. Entered only in grad mode, so leaving turns grad mode back on."""
    def __enter__(self):
        set_grad_enabled_flag(False)

    def __exit__(self, *exc):
        set_grad_enabled_flag(True)


cdef _Untracked _untracked = _Untracked()


cdef inline bint _wanted(Node node, int i):
    """Whether input i of a recorded op needs its gradient (its edge leads somewhere)."""
    return node.next_functions[i][0] is not None


cdef inline object _times(object g, object scalar):
    return g if g is None or scalar == 1 else g * scalar


cdef inline Tensor _mT(Tensor t):
    return transpose(t, -2, -1)


# ----- the product driver ----------------------------------------------------------------

cdef struct gemm_plan:
    Py_ssize_t nbatch
    const Py_ssize_t* offsets     # per product: element offsets of A, B and C
    int m, n, k
    char ta, tb                   # how BLAS reads A and B (see _blas_layout)
    int lda, ldb
    double alpha, beta


cdef bint _blas_layout(Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t rs, Py_ssize_t cs,
                       char* trans, int* ld) noexcept:
    """How column-major BLAS reads a row-major rows x cols matrix of element strides
    (rs, cs): 'N' when its rows are contiguous (BLAS sees the transpose, which is what
    C^T = B^T A^T asks for), 'T' when its columns are (a transposed view). False when
    neither: the matrix needs a copy."""
    if (cols <= 1 or cs == 1) and (rows <= 1 or cols <= rs <= INT_MAX):
        trans[0] = b'N'
        ld[0] = <int>(rs if rows > 1 else max(cols, 1))
        return True
    if (rows <= 1 or rs == 1) and (cols <= 1 or rows <= cs <= INT_MAX):
        trans[0] = b'T'
        ld[0] = <int>(cs if cols > 1 else max(rows, 1))
        return True
    return False


cdef void _gemm_one(const gemm_plan* p, Py_ssize_t i, floating* A, floating* B,
                    floating* C) noexcept nogil:
    """Product i of the plan; C is contiguous. A vector operand goes to gemv, which BLAS's
    gemm does not always pick by itself."""
    cdef floating alpha = <floating>p.alpha, beta = <floating>p.beta
    cdef floating* a = A + p.offsets[3 * i]
    cdef floating* b = B + p.offsets[3 * i + 1]
    cdef floating* c = C + p.offsets[3 * i + 2]
    cdef int inca = 1 if p.ta == b'N' else p.lda      # A's row, when m == 1
    cdef int incb = p.ldb if p.tb == b'N' else 1      # B's column, when n == 1
    cdef char N = b'N', T = b'T'
    if p.n == 1:                                      # c = A b
        if p.ta == b'N':
            gemv(T, p.k, p.m, alpha, a, p.lda, b, incb, beta, c, 1)
        else:
            gemv(N, p.m, p.k, alpha, a, p.lda, b, incb, beta, c, 1)
    elif p.m == 1:                                    # c = B^T a
        if p.tb == b'N':
            gemv(N, p.n, p.k, alpha, b, p.ldb, a, inca, beta, c, 1)
        else:
            gemv(T, p.k, p.n, alpha, b, p.ldb, a, inca, beta, c, 1)
    else:
        gemm(p.tb, p.ta, p.n, p.m, p.k, alpha, b, p.ldb, a, p.lda, beta, c, p.n)


cdef bint _batch_in_parallel(const gemm_plan* p, int nthreads) noexcept:
    """Whether a batch runs one single-threaded BLAS call per OpenMP thread rather than a
    loop of calls threaded inside BLAS: when the BLAS pool can be set to one thread, the
    batch is worth a parallel region, and it splits evenly over the threads or its
    products are small (BLAS threads a 128^3 product poorly; below 64^3 OpenBLAS does
    not thread it at all, leaving a loop on one core)."""
    cdef double work = <double>p.m * p.n * p.k
    cdef Py_ssize_t rounds = (p.nbatch + nthreads - 1) // nthreads
    if nthreads < 2 or p.nbatch < 2 or _pool_count == 0 or work * p.nbatch < 4 * PYT_GRAIN_SIZE:
        return False
    return work <= 128.0 * 128 * 128 or rounds * nthreads * 4 <= p.nbatch * 5


cdef void _run_gemm(const gemm_plan* p, floating* A, floating* B, floating* C,
                    int nthreads) noexcept nogil:
    """The plan's products: a loop of BLAS calls, or (nthreads > 1) one single-threaded
    call per OpenMP thread at a time, the BLAS pools at one thread meanwhile."""
    cdef Py_ssize_t i
    if nthreads > 1:
        _set_pools(1)
        for i in prange(p.nbatch, num_threads=nthreads, schedule="static"):
            _gemm_one(p, i, A, B, C)
        _set_pools(_blas_threads)
    else:
        for i in range(p.nbatch):
            _gemm_one(p, i, A, B, C)


cdef Py_ssize_t* _batch_offsets(Tensor a, Tensor b, int nb, const Py_ssize_t* bshape,
                                Py_ssize_t mn, Py_ssize_t* count) except NULL:
    """For each product of the broadcast batch: element offsets into a, b and the
    contiguous result (malloc'ed, 3 per product)."""
    cdef Py_ssize_t sa[PYT_MAX_DIMS]
    cdef Py_ssize_t sb[PYT_MAX_DIMS]
    cdef Py_ssize_t idx[PYT_MAX_DIMS]
    cdef Py_ssize_t total = 1, i, oa = 0, ob = 0
    cdef int d, j
    cdef Py_ssize_t* offs
    for d in range(nb):
        total *= bshape[d]
        j = d - (nb - (a._ndim - 2))
        sa[d] = a._strides[j] if j >= 0 and a._shape[j] != 1 else 0
        j = d - (nb - (b._ndim - 2))
        sb[d] = b._strides[j] if j >= 0 and b._shape[j] != 1 else 0
        idx[d] = 0
    offs = <Py_ssize_t*>malloc(3 * (total if total > 0 else 1) * sizeof(Py_ssize_t))
    if offs == NULL:
        raise MemoryError()
    for i in range(total):
        offs[3 * i] = oa
        offs[3 * i + 1] = ob
        offs[3 * i + 2] = i * mn
        d = nb - 1                                   # odometer over the batch dims
        while d >= 0:
            idx[d] += 1
            oa += sa[d]
            ob += sb[d]
            if idx[d] < bshape[d]:
                break
            oa -= sa[d] * bshape[d]
            ob -= sb[d] * bshape[d]
            idx[d] = 0
            d -= 1
    count[0] = total
    return offs


cdef bint _fold_rows(Tensor a, Tensor b, int nb, const Py_ssize_t* bshape, gemm_plan* p):
    """When b is the same matrix for every product and a's batch dims stack its rows at
    one stride (x @ W with x (N, L, k)), the batch is one tall product: torch folds it
    too. Updates p (m, lda) and returns True when so."""
    cdef Py_ssize_t rows = 1, row_stride = 0, size, stride
    cdef Py_ssize_t k = a._shape[a._ndim - 1]
    cdef int d, j, lead_a = nb - (a._ndim - 2), lead_b = nb - (b._ndim - 2)
    cdef char trans
    cdef int ld
    for d in range(nb):
        j = d - lead_b
        if j >= 0 and b._shape[j] != 1 and bshape[d] != 1:
            return False
    # (size, stride) of a's batch dims then its row dim, outermost first; size-1 dims skipped
    for d in range(nb + 1):
        if d < nb:
            size = bshape[d]
            j = d - lead_a
            if size == 1:
                continue
            if j < 0 or a._shape[j] == 1:
                return False                         # a repeats along this dim
            stride = a._strides[j]
        else:
            size = a._shape[a._ndim - 2]
            stride = a._strides[a._ndim - 2]
            if size == 1:
                break
        if rows > 1 and row_stride != stride * size:
            return False
        rows *= size
        row_stride = stride
    if rows > INT_MAX or not _blas_layout(rows, k, row_stride, a._strides[a._ndim - 1],
                                          &trans, &ld) or trans != b'N':
        return False
    p.m = <int>rows
    p.lda = ld
    p.ta = trans
    return True


cdef Tensor _product(Tensor a, Tensor b, int nb, const Py_ssize_t* bshape, Tensor input,
                     object alpha, object beta, str name):
    """alpha * a @ b + beta * input, a new contiguous (bshape, m, n) tensor: a is
    (..., m, k) and b (..., k, n) with batch dims broadcast to bshape[:nb], of one dtype;
    input broadcasts to the result and is ignored when beta is 0 (NaN in it too, as
    torch). The callers check shapes and dtypes."""
    cdef int code = a._dtype.code
    cdef Tensor r
    if is_cuda(a) or is_cuda(b) or (input is not None and is_cuda(input)):
        return _cuda_product(a, b, nb, bshape, input, alpha, beta, name)
    if code == PYT_FLOAT32 or code == PYT_FLOAT64:
        return _blas_product(a, b, nb, bshape, input, alpha, beta)
    if code == PYT_FLOAT16 or code == PYT_BFLOAT16:
        # sums in float32, one rounding at the end
        r = _blas_product(_to_dtype(a, _f32, False), _to_dtype(b, _f32, False), nb, bshape,
                          None if input is None else _to_dtype(input, _f32, False),
                          alpha, beta)
        return _to_dtype(r, a._dtype, False)
    if code == PYT_BOOL:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    if (code == PYT_UINT8 or code == PYT_INT8 or code == PYT_INT16) and input is None and \
            alpha == 1 and a._shape[a._ndim - 1] <= (1 << 20):
        # products of 8- and 16-bit integers and sums of a million of them stay below 2^53:
        # exact in double, so BLAS computes them, and the cast back wraps like torch
        r = _blas_product(_to_dtype(a, _f64, False), _to_dtype(b, _f64, False), nb, bshape,
                          None, 1, 0)
        return _to_dtype(_to_dtype(r, _i64, False), a._dtype, False)
    return _int_product(a, b, nb, bshape, input, alpha, beta)


cdef Tensor _new_result(Tensor a, Tensor b, int nb, const Py_ssize_t* bshape, DType dt,
                        Tensor input, bint use_input):
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int i
    for i in range(nb):
        shape[i] = bshape[i]
    shape[nb] = a._shape[a._ndim - 2]
    shape[nb + 1] = b._shape[b._ndim - 1]
    cdef Tensor c = new_empty(nb + 2, shape, dt, a._device, not use_input)
    if use_input:
        copy_into(c, input)
    return c


cdef Tensor _blas_product(Tensor a, Tensor b, int nb, const Py_ssize_t* bshape, Tensor input,
                          double alpha, double beta):
    cdef Py_ssize_t m = a._shape[a._ndim - 2], k = a._shape[a._ndim - 1]
    cdef Py_ssize_t n = b._shape[b._ndim - 1]
    cdef bint use_input = input is not None and beta != 0
    cdef Tensor c = _new_result(a, b, nb, bshape, a._dtype, input, use_input)
    cdef gemm_plan p
    cdef Py_ssize_t single[3]
    cdef Py_ssize_t* offs = NULL
    if c._numel == 0:
        return c
    if k == 0:                                       # empty sums: beta * input or zeros
        return _t.mul(c, beta) if use_input and beta != 1 else c
    if m > INT_MAX or n > INT_MAX or k > INT_MAX:
        raise RuntimeError(f"matrix product of {m}x{k} and {k}x{n} matrices is too large "
                           f"for BLAS (32-bit sizes)")
    if not _blas_layout(m, k, a._strides[a._ndim - 2], a._strides[a._ndim - 1], &p.ta, &p.lda):
        a = contiguous(a)
        _blas_layout(m, k, a._strides[a._ndim - 2], a._strides[a._ndim - 1], &p.ta, &p.lda)
    if not _blas_layout(k, n, b._strides[b._ndim - 2], b._strides[b._ndim - 1], &p.tb, &p.ldb):
        b = contiguous(b)
        _blas_layout(k, n, b._strides[b._ndim - 2], b._strides[b._ndim - 1], &p.tb, &p.ldb)
    p.m = <int>m
    p.n = <int>n
    p.k = <int>k
    p.alpha = alpha
    p.beta = beta if use_input else 0.0
    _load_blas()
    if nb == 0 or _fold_rows(a, b, nb, bshape, &p):
        single[0] = single[1] = single[2] = 0
        p.offsets = single
        p.nbatch = 1
    else:
        offs = _batch_offsets(a, b, nb, bshape, m * n, &p.nbatch)
        p.offsets = offs
    cdef int nthreads = num_threads()
    if not _batch_in_parallel(&p, nthreads):
        nthreads = 1
    try:
        with nogil:
            if a._dtype.code == PYT_FLOAT32:
                _run_gemm(&p, <float*>a._data, <float*>b._data, <float*>c._data, nthreads)
            else:
                _run_gemm(&p, <double*>a._data, <double*>b._data, <double*>c._data, nthreads)
    finally:
        free(offs)
    return c


# ----- products on the GPU: pyt_cuda_gemm (cuBLAS, or pyt's tiled kernel) --------------------

# torch's names of the CUDA kernels, for its "not implemented for 'Long'" errors
cdef dict _CUDA_NAMES = {"addmm_impl_cpu_": "addmm_cuda", "addmv_impl_cpu": "addmv_impl_cuda",
                         "bmm": "bmm_cuda", "dot": "dot"}
cdef bint _cublas_tried = False


def _load_cublas():
    """Offers cuBLAS to the gemm of libpyt_cuda.so once, before the first CUDA product:
    the copies pip installs (site-packages/nvidia/.../libcublas.so.*, which the loader does
    not search) on every sys.path entry, then the loader's own path. True when loaded;
    pyt's tiled kernel runs the products otherwise."""
    global _cublas_tried
    import os, sys
    if _cublas_tried:
        return bool(pyt_cuda_blas_loaded())
    _cublas_tried = True
    for entry in sys.path:
        for sub in (("nvidia", "cublas", "lib"), ("nvidia", "cu13", "lib")):
            for version in ("13", "12"):
                path = os.path.join(entry or os.curdir, *sub, f"libcublas.so.{version}")
                if os.path.exists(path) and pyt_cuda_blas_try_load(os.fsencode(path)):
                    return True
    return bool(pyt_cuda_blas_try_load(NULL))   # $PYT_CUBLAS_PATH, then the plain sonames


cdef bint _batch_stride(Tensor t, int nb, const Py_ssize_t* bshape, Py_ssize_t* stride):
    """Whether t's batch dims (aligned right with bshape[:nb], broadcast where t has 1 or
    lacks the dim) walk the flattened batch at one element stride (0 when t repeats):
    what a strided-batched gemm needs."""
    cdef Py_ssize_t expect = -1, s
    cdef int d, j, lead = nb - (t._ndim - 2)
    stride[0] = 0
    for d in range(nb - 1, -1, -1):
        if bshape[d] == 1:
            continue
        j = d - lead
        s = t._strides[j] if j >= 0 and t._shape[j] != 1 else 0
        if s < 0:
            return False                           # walked backwards: copied instead
        if expect < 0:
            stride[0] = s                          # the innermost batch dim that counts
        elif s != expect:
            return False
        expect = s * bshape[d]
    return True


cdef Tensor _cuda_operand(Tensor t, int nb, const Py_ssize_t* bshape, Py_ssize_t* stride,
                          char* trans, int64_t* ld):
    """t ready for pyt_cuda_gemm: a strided batch of matrices cuBLAS reads as they are
    ('N' rows contiguous, 'T' a transposed view), or else a contiguous copy of t expanded
    to the whole batch."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int i, ldi
    cdef Py_ssize_t rows = t._shape[t._ndim - 2], cols = t._shape[t._ndim - 1]
    if _batch_stride(t, nb, bshape, stride) and _blas_layout(
            rows, cols, t._strides[t._ndim - 2], t._strides[t._ndim - 1], trans, &ldi):
        ld[0] = ldi
        return t
    for i in range(nb):
        shape[i] = bshape[i]
    shape[nb] = rows
    shape[nb + 1] = cols
    t = contiguous(_t.expand(t, *[shape[i] for i in range(nb + 2)]))
    stride[0] = rows * cols
    trans[0] = b'N'
    ld[0] = cols if cols > 0 else 1
    return t


cdef Tensor _cuda_product(Tensor a, Tensor b, int nb, const Py_ssize_t* bshape, Tensor input,
                          object alpha, object beta, str name):
    """_product on the GPU: one strided-batched gemm, column-major as cuBLAS reads it
    (row-major C = A @ B is column-major C^T = B^T A^T, so B goes first)."""
    cdef int code = a._dtype.code, i
    cdef Py_ssize_t m = a._shape[a._ndim - 2], k = a._shape[a._ndim - 1]
    cdef Py_ssize_t n = b._shape[b._ndim - 1], batch = 1, sa, sb
    cdef char ta, tb
    cdef int64_t lda, ldb
    cdef double dalpha, dbeta
    cdef bint use_input
    cdef Tensor c
    cdef int rc
    common_device((a, b, input))
    if is_integral(a._dtype, True):
        raise RuntimeError(f"\"{_CUDA_NAMES.get(name, name)}\" not implemented for "
                           f"'{scalar_type_name(code)}'")
    dalpha = alpha
    dbeta = beta
    use_input = input is not None and dbeta != 0
    c = _new_result(a, b, nb, bshape, a._dtype, input, use_input)
    if c._numel == 0:
        return c
    if k == 0:                                       # empty sums: beta * input or zeros
        return _t.mul(c, dbeta) if use_input and dbeta != 1 else c
    for i in range(nb):
        batch *= bshape[i]
    a = _cuda_operand(a, nb, bshape, &sa, &ta, &lda)
    b = _cuda_operand(b, nb, bshape, &sb, &tb, &ldb)
    if not _cublas_tried:
        _load_cublas()
    cdef const void* pa = a._data
    cdef const void* pb = b._data
    cdef void* pc = c._data
    with nogil:
        rc = pyt_cuda_gemm(code, tb, ta, n, m, k, dalpha, pb, ldb, sb, pa, lda, sa,
                           dbeta if use_input else 0.0, pc, n, m * n, batch)
    cuda_check(rc, name)
    return c


# ----- integer products: a blocked int64 kernel -----------------------------------------------

cdef enum:
    ROW_BLOCK = 16        # rows of C per work unit (the unit of parallel work)
    K_BLOCK = 128         # a K_BLOCK x N_BLOCK block of B stays in L2 while rows pass over it
    N_BLOCK = 512


cdef void _int_rows(const int64_t* A, const int64_t* B, int64_t* C, Py_ssize_t i0,
                    Py_ssize_t i1, Py_ssize_t n, Py_ssize_t k, Py_ssize_t rsa, Py_ssize_t csa,
                    Py_ssize_t rsb, int64_t alpha, int64_t beta) noexcept nogil:
    """Rows i0..i1 of C = alpha * A @ B + beta * C; B's rows are contiguous, C is. Signed
    overflow wraps (-fwrapv), as torch's integer products do."""
    cdef Py_ssize_t i, j, q, j0, j1, q0, q1
    cdef int64_t av
    cdef int64_t* crow
    cdef const int64_t* brow
    for i in range(i0, i1):
        crow = C + i * n
        for j in range(n):
            crow[j] = 0 if beta == 0 else crow[j] * beta
    j0 = 0
    while j0 < n:
        j1 = min(j0 + N_BLOCK, n)
        q0 = 0
        while q0 < k:
            q1 = min(q0 + K_BLOCK, k)
            for i in range(i0, i1):
                crow = C + i * n
                for q in range(q0, q1):
                    av = alpha * A[i * rsa + q * csa]
                    if av == 0:
                        continue
                    brow = B + q * rsb
                    for j in range(j0, j1):
                        crow[j] += av * brow[j]
            q0 = q1
        j0 = j1


cdef void _run_int_gemm(const int64_t* A, const int64_t* B, int64_t* C,
                        const Py_ssize_t* offs, Py_ssize_t nbatch, Py_ssize_t m, Py_ssize_t n,
                        Py_ssize_t k, Py_ssize_t rsa, Py_ssize_t csa, Py_ssize_t rsb,
                        int64_t alpha, int64_t beta, int nthreads) noexcept nogil:
    cdef Py_ssize_t blocks = (m + ROW_BLOCK - 1) // ROW_BLOCK, units = nbatch * blocks, u
    cdef Py_ssize_t bi, i0
    if nthreads > 1 and units > 1 and nbatch * m * n * k >= 4 * PYT_GRAIN_SIZE:
        for u in prange(units, nogil=True, num_threads=nthreads, schedule="static"):
            bi = u // blocks
            i0 = (u % blocks) * ROW_BLOCK
            _int_rows(A + offs[3 * bi], B + offs[3 * bi + 1], C + offs[3 * bi + 2], i0,
                      min(i0 + ROW_BLOCK, m), n, k, rsa, csa, rsb, alpha, beta)
    else:
        for bi in range(nbatch):
            _int_rows(A + offs[3 * bi], B + offs[3 * bi + 1], C + offs[3 * bi + 2], 0, m,
                      n, k, rsa, csa, rsb, alpha, beta)


cdef Tensor _int_product(Tensor a, Tensor b, int nb, const Py_ssize_t* bshape, Tensor input,
                         object alpha, object beta):
    cdef DType dt = a._dtype
    cdef int64_t ialpha = int(alpha), ibeta = int(beta)     # torch truncates float scalars
    cdef bint use_input = input is not None and ibeta != 0
    cdef Tensor c = _new_result(a, b, nb, bshape, _i64, input, use_input)
    cdef Py_ssize_t m = a._shape[a._ndim - 2], k = a._shape[a._ndim - 1]
    cdef Py_ssize_t n = b._shape[b._ndim - 1], count
    cdef Py_ssize_t* offs
    cdef int nthreads = num_threads()
    if c._numel > 0:
        a = _to_dtype(a, _i64, False)
        b = _to_dtype(b, _i64, False)
        if n > 1 and b._strides[b._ndim - 1] != 1:
            b = contiguous(b)
        offs = _batch_offsets(a, b, nb, bshape, m * n, &count)
        with nogil:
            _run_int_gemm(<int64_t*>a._data, <int64_t*>b._data, <int64_t*>c._data, offs,
                          count, m, n, k, a._strides[a._ndim - 2], a._strides[a._ndim - 1],
                          b._strides[b._ndim - 2], ialpha, ibeta if use_input else 0,
                          nthreads)
        free(offs)
    return _to_dtype(c, dt, False)


# ----- checks shared by the products ---------------------------------------------------------

cdef int _check_expandable(Tensor t, int nd, const Py_ssize_t* shape) except -1:
    """torch's expand() message when t does not broadcast to shape."""
    cdef int i, j
    cdef bint ok = t._ndim <= nd
    cdef Py_ssize_t have = 0, want = 0
    cdef int where = 0
    if ok:
        for i in range(t._ndim):
            j = nd - t._ndim + i
            if t._shape[i] != shape[j] and t._shape[i] != 1:
                ok = False
                have, want, where = t._shape[i], shape[j], j
                break
    if not ok:
        target = [shape[i] for i in range(nd)]
        if t._ndim > nd:
            raise RuntimeError(f"expand(torch.FloatTensor{{{_shape_list(t)}}}, size={target}): "
                               f"the number of sizes provided ({nd}) must be greater or equal "
                               f"to the number of dimensions in the tensor ({t._ndim})")
        raise RuntimeError(f"The expanded size of the tensor ({want}) must match the existing "
                           f"size ({have}) at non-singleton dimension {where}.  Target sizes: "
                           f"{target}.  Tensor sizes: {_shape_list(t)}")
    return 0


cdef int _same_dtype_mm(Tensor a, Tensor b) except -1:
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{cpp_type_name(a._dtype.code)} != {cpp_type_name(b._dtype.code)}")
    return 0


cdef int _same_dtype_scalar(Tensor a, Tensor b) except -1:
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(a._dtype.code)} but found "
                           f"{scalar_type_name(b._dtype.code)}")
    return 0


cdef int _check_mm_shapes(Tensor a, Tensor b) except -1:
    if a._shape[1] != b._shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a._shape[0]}x"
                           f"{a._shape[1]} and {b._shape[0]}x{b._shape[1]})")
    return 0


cdef int _check_scalars(Tensor t, object alpha, object beta) except -1:
    for v in (alpha, beta):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if isinstance(v, Tensor) and (<Tensor>v)._ndim == 0:
                continue
            raise TypeError(f"beta and alpha must be numbers, not {type(v).__name__}")
    return 0


cdef object _number(object v):
    return _t.item(v) if isinstance(v, Tensor) else v


# ----- the public products -------------------------------------------------------------------

cdef Tensor _mm(Tensor a, Tensor b, Tensor input, object alpha, object beta):
    if a._ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b._ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _same_dtype_mm(a, b)
    _check_mm_shapes(a, b)
    return _product(a, b, 0, NULL, input, alpha, beta, "addmm_impl_cpu_")


cdef Tensor _mv(Tensor mat, Tensor vec, Tensor input, object alpha, object beta):
    cdef Py_ssize_t m
    if mat._ndim != 2 or vec._ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got "
                           f"{1 if input is None else input._ndim}, {mat._ndim}, {vec._ndim}")
    m = mat._shape[0]
    if mat._shape[1] != vec._shape[0] or (input is not None and input._ndim == 1 and
                                           input._shape[0] not in (1, m)):
        raise RuntimeError(f"size mismatch, got input ({m if input is None else input._numel}"
                           f"), mat ({m}x{mat._shape[1]}), vec ({vec._shape[0]})")
    if mat._dtype is not vec._dtype or (input is not None and input._dtype is not vec._dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{scalar_type_name((vec if input is None else input)._dtype.code)}, "
                           f"{scalar_type_name(mat._dtype.code)}, and "
                           f"{scalar_type_name(vec._dtype.code)}")
    if input is not None and input._ndim == 1:
        input = _matrix_view(input, input._shape[0], 1, input._strides[0], 0)
    cdef Tensor col = _matrix_view(vec, vec._shape[0], 1, vec._strides[0], 1)
    return _drop_dim(_product(mat, col, 0, NULL, input, alpha, beta, "addmv_impl_cpu"), 1)


cdef Tensor _dot(Tensor a, Tensor b):
    if a._ndim != 1 or b._ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._ndim}D and {b._ndim}D tensors")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{scalar_type_name(a._dtype.code)} and {scalar_type_name(b._dtype.code)}")
    if a._shape[0] != b._shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a._shape[0]}] and src "
                           f"[{b._shape[0]}] to have the same number of elements, but got "
                           f"{a._shape[0]} and {b._shape[0]} elements respectively")
    cdef Tensor row = _matrix_view(a, 1, a._shape[0], 1, a._strides[0])
    cdef Tensor col = _matrix_view(b, b._shape[0], 1, b._strides[0], 1)
    cdef Tensor r = _product(row, col, 0, NULL, None, 1, 0, "dot")
    r._set_geometry(0, NULL, NULL)
    return r


cdef int _broadcast_batch(Tensor a, Tensor b, int na, int nb_, Py_ssize_t* out) except -1:
    """Broadcasts a's first na dims with b's first nb_ dims into out; returns the count."""
    cdef int nd = max(na, nb_), i, ia, ib
    cdef Py_ssize_t sa, sb
    for i in range(nd):
        ia = i - (nd - na)
        ib = i - (nd - nb_)
        sa = a._shape[ia] if ia >= 0 else 1
        sb = b._shape[ib] if ib >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b "
                               f"({sb}) at non-singleton dimension {i}")
        out[i] = sb if sa == 1 else sa
    return nd


cdef Tensor _matmul(Tensor a, Tensor b):
    cdef int da = a._ndim, db = b._ndim, nb, i, nd
    cdef Py_ssize_t bshape[PYT_MAX_DIMS]
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t rows, batch
    cdef Tensor a2, b2, r
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da == 1 and db == 1:
        return _dot(a, b)
    if da == 2 and db == 1:
        return _mv(a, b, None, 1, 0)
    if da == 1 and db == 2:
        return _drop_dim(_mm(_insert_dim(a, 0), b, None, 1, 0), 0)
    if da == 2 and db == 2:
        return _mm(a, b, None, 1, 0)
    if da >= 3 and db <= 2:
        # torch folds a's batch into its rows: its messages speak of the folded matrix
        rows = 1
        for i in range(da - 1):
            rows *= a._shape[i]
        if db == 1:
            if a._shape[da - 1] != b._shape[0]:
                raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x"
                                   f"{a._shape[da - 1]}), vec ({b._shape[0]})")
            if a._dtype is not b._dtype:
                raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                                   f"{scalar_type_name(b._dtype.code)}, {scalar_type_name(a._dtype.code)}"
                                   f", and {scalar_type_name(b._dtype.code)}")
            b2 = _matrix_view(b, b._shape[0], 1, b._strides[0], 1)
            r = _product(a, b2, da - 2, a._shape, None, 1, 0, "addmv_impl_cpu")
            return _drop_dim(r, da - 1)
        if a._shape[da - 1] != b._shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x"
                               f"{a._shape[da - 1]} and {b._shape[0]}x{b._shape[1]})")
        _same_dtype_mm(a, b)
        return _product(a, b, da - 2, a._shape, None, 1, 0, "addmm_impl_cpu_")
    # batched, with broadcasting of the batch dims
    a2 = a if da >= 2 else _insert_dim(a, 0)
    b2 = b if db >= 2 else _insert_dim(b, 1)
    nb = _broadcast_batch(a2, b2, a2._ndim - 2, b2._ndim - 2, bshape)
    if a2._shape[a2._ndim - 1] != b2._shape[b2._ndim - 2]:
        batch = 1
        for i in range(nb):
            batch *= bshape[i]
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {a2._shape[a2._ndim - 1]}] but got: [{batch}, "
                           f"{b2._shape[b2._ndim - 2]}].")
    _same_dtype_scalar(a, b)
    r = _product(a2, b2, nb, bshape, None, 1, 0, "bmm")
    if da == 1:
        r = _drop_dim(r, nb)
    elif db == 1:
        r = _drop_dim(r, nb + 1)
    return r


# ----- recorded products and their derivatives ----------------------------------------------

cdef str _matmul_name(int da, int db):
    """The node torch's matmul ends in: dot, mv and mm for vectors and matrices, else the
    view that reshapes its folded or batched product back (torch composes those)."""
    if da == 1 and db == 1:
        return "DotBackward0"
    if da == 2 and db == 1:
        return "MvBackward0"
    if da == 2 and db == 2:
        return "MmBackward0"
    if da == 1 and db == 2:
        return "SqueezeBackward4"
    return "UnsafeViewBackward0"


cdef Tensor _record_product(str name, Tensor r, Tensor a, Tensor b):
    """Records r = a @ b (matmul's rules). Integer products need no gradient."""
    cdef Node node
    if r._dtype.is_floating_point:
        node = _record(name, _dot_backward if a._ndim == 1 and b._ndim == 1 else
                       _product_backward, (a, b), (r,))
        node.save(a, b)
    return r


cdef Tensor _matmul_rec(Tensor a, Tensor b):
    """a @ b, recorded when a gradient is needed."""
    cdef Tensor r
    if not _tracked(a, b):
        return _matmul(a, b)
    with _untracked:
        r = _matmul(a, b)
    return _record_product(_matmul_name(a._ndim, b._ndim), r, a, b)


cdef Tensor _mm_rec(Tensor a, Tensor b):
    cdef Tensor r
    if not _tracked(a, b):
        return _mm(a, b, None, 1, 0)
    with _untracked:
        r = _mm(a, b, None, 1, 0)
    return _record_product("MmBackward0", r, a, b)


cdef Tensor _product_rec(Tensor a, Tensor b, int nb, const Py_ssize_t* bshape):
    """The batched product of the contractions (einsum), recorded when needed."""
    cdef Tensor r
    if not _tracked(a, b):
        return _product(a, b, nb, bshape, None, 1, 0, "bmm")
    with _untracked:
        r = _product(a, b, nb, bshape, None, 1, 0, "bmm")
    return _record_product("BmmBackward0" if nb else "MmBackward0", r, a, b)


cdef inline bint _is_column_major(Tensor m) noexcept:
    return m._strides[0] == 1 and m._shape[1] > 1 and m._strides[1] >= m._shape[0]


cdef tuple _product_grads(Tensor g, Tensor a, Tensor b, bint want_a, bint want_b):
    """Gradients of a @ b (matmul's rules) for the output gradient g: g @ b^T for a and
    a^T @ g for b, each summed over the batch dims it was broadcast along. 1-D operands
    are lifted to matrices as the forward did. Every step is a recorded op (BLAS products
    of transposed views), so the result is differentiable again."""
    cdef Tensor A = a, B = b, ga = None, gb = None
    if a._ndim == 1:
        A = _t.unsqueeze(a, 0)
        g = _t.unsqueeze(g, -2)
    if b._ndim == 1:
        B = _t.unsqueeze(b, 1)
        g = _t.unsqueeze(g, -1)
    if want_a:
        ga = _sum_to(_matmul_rec(g, _mT(B)), A.size())
        if a._ndim == 1:
            ga = _t.reshape(ga, a.size())
    if want_b:
        if B._ndim == 2 and A._ndim > 2:
            # one matrix b for the whole batch: a single tall product over all its rows
            gb = _mm_rec(_mT(_t.reshape(A, -1, A._shape[A._ndim - 1])),
                         _t.reshape(g, -1, g._shape[g._ndim - 1]))
        elif B._ndim == 2 and A._ndim == 2 and _is_column_major(B):
            # b is a transposed view (linear's weight.t()): (g^T a)^T comes out in b's
            # layout, so the weight's gradient needs no transposing copy later
            gb = _mT(_mm_rec(_mT(g), A))
        else:
            gb = _sum_to(_matmul_rec(_mT(A), g), B.size())
        if b._ndim == 1:
            gb = _t.reshape(gb, b.size())
    return ga, gb


cdef tuple _product_backward(Node node, tuple grads):
    a, b = node.saved_values()
    return _product_grads(grads[0], a, b, _wanted(node, 0), _wanted(node, 1))


cdef tuple _dot_backward(Node node, tuple grads):
    a, b = node.saved_values()
    g = grads[0]
    return (g * b if _wanted(node, 0) else None, g * a if _wanted(node, 1) else None)


cdef Tensor _record_addmm(str name, Tensor r, Tensor c, Tensor a, Tensor b, object alpha,
                          object beta):
    """Records r = beta * c + alpha * a @ b (for addbmm, the batch's products summed)."""
    cdef Node node
    if r._dtype.is_floating_point:
        node = _record(name, _addmm_backward, (c, a, b), (r,))
        node.save(a, b)
        node.ctx = (_meta(c), alpha, beta, name == "AddbmmBackward0")
    return r


cdef tuple _addmm_backward(Node node, tuple grads):
    meta, alpha, beta, summed = node.ctx
    a, b = node.saved_values()
    cdef Tensor g = grads[0]
    gc = _grad_like(_times(g, beta), meta) if _wanted(node, 0) else None
    ga, gb = _product_grads(_t.unsqueeze(g, 0) if summed else g, a, b, _wanted(node, 1),
                            _wanted(node, 2))
    return gc, _times(ga, alpha), _times(gb, alpha)


cdef Tensor _updated(Tensor self, Tensor result):
    """The end of an in-place product (addmm_, ...): self takes result's values, and its
    history when it was recorded."""
    if result._grad_fn is not None:
        return _inplace_result(self, result)
    return copy_(self, result)


# ----- the public products ---------------------------------------------------------------------

cdef object _sparse_product(str fn, tuple args, dict kwargs, out):
    """The product from pyt.sparse when an argument is a sparse COO tensor (only reached
    on the path where an argument is not a Tensor, so dense calls pay nothing); None
    otherwise, and the caller raises its usual TypeError."""
    for a in args:
        if getattr(a, "is_sparse", False) is True and not isinstance(a, Tensor):
            break
    else:
        return None
    import pyt.sparse
    r = getattr(pyt.sparse, fn)(*args, **kwargs)
    return r if out is None else _into_out(r, out)


def matmul(input, other, *, out=None):
    """Matrix product with torch's rules for 1-D operands and batch broadcasting."""
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)):
        sp = _sparse_product("matmul", (input, other), {}, out)
        if sp is not None:
            return sp
    cdef Tensor a = _tensor_arg(input, "matmul", "input", 1)
    cdef Tensor b = _tensor_arg(other, "matmul", "other", 2)
    if _tracked(a, b):
        _refuse_out(out, "matmul")
    return _into_out(_matmul_rec(a, b), out)


def mm(input, mat2, *, out=None):
    if not (isinstance(input, Tensor) and isinstance(mat2, Tensor)):
        sp = _sparse_product("mm", (input, mat2), {}, out)
        if sp is not None:
            return sp
    cdef Tensor a = _tensor_arg(input, "mm", "input", 1), b = _tensor_arg(mat2, "mm", "mat2", 2)
    if _tracked(a, b):
        _refuse_out(out, "mm")
    return _into_out(_mm_rec(a, b), out)


def mv(input, vec, *, out=None):
    cdef Tensor a = _tensor_arg(input, "mv", "input", 1), b = _tensor_arg(vec, "mv", "vec", 2)
    cdef Tensor r
    if not _tracked(a, b):
        return _into_out(_mv(a, b, None, 1, 0), out)
    _refuse_out(out, "mv")
    with _untracked:
        r = _mv(a, b, None, 1, 0)
    return _record_product("MvBackward0", r, a, b)


cdef Tensor _dot_rec(Tensor a, Tensor b, str name):
    cdef Tensor r
    if not _tracked(a, b):
        return _dot(a, b)
    with _untracked:
        r = _dot(a, b)
    return _record_product(name, r, a, b)


def dot(input, other, *, out=None):
    cdef Tensor a = _tensor_arg(input, "dot", "input", 1), b = _tensor_arg(other, "dot", "tensor", 2)
    if _tracked(a, b):
        _refuse_out(out, "dot")
    return _into_out(_dot_rec(a, b, "DotBackward0"), out)


def vdot(input, other, *, out=None):
    """dot, conjugating the first argument: the same for real tensors."""
    cdef Tensor a = _tensor_arg(input, "vdot", "input", 1), b = _tensor_arg(other, "vdot", "other", 2)
    if _tracked(a, b):
        _refuse_out(out, "vdot")
    return _into_out(_dot_rec(a, b, "VdotBackward0"), out)


cdef int _check_batches(Tensor b1, Tensor b2) except -1:
    if b1._ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2._ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b2._shape[0] != b1._shape[0] or b2._shape[1] != b1._shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1._shape[0]}, {b1._shape[2]}] but got: [{b2._shape[0]}, "
                           f"{b2._shape[1]}].")
    return 0


def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors (no broadcasting)."""
    cdef Tensor a = _tensor_arg(input, "bmm", "input", 1), b = _tensor_arg(mat2, "bmm", "mat2", 2)
    cdef Tensor r
    _check_batches(a, b)
    _same_dtype_scalar(a, b)
    if not _tracked(a, b):
        return _into_out(_product(a, b, 1, a._shape, None, 1, 0, "bmm"), out)
    _refuse_out(out, "bmm")
    with _untracked:
        r = _product(a, b, 1, a._shape, None, 1, 0, "bmm")
    return _record_product("BmmBackward0", r, a, b)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * mat1 @ mat2 (input broadcast; ignored when beta is 0)."""
    if not (isinstance(mat1, Tensor) and isinstance(mat2, Tensor)):
        sp = _sparse_product("addmm", (input, mat1, mat2), {"beta": beta, "alpha": alpha}, out)
        if sp is not None:
            return sp
    cdef Tensor c = _tensor_arg(input, "addmm", "input", 1)
    cdef Tensor a = _tensor_arg(mat1, "addmm", "mat1", 2)
    cdef Tensor b = _tensor_arg(mat2, "addmm", "mat2", 3)
    cdef Tensor r
    cdef Py_ssize_t shape[2]
    _check_scalars(c, alpha, beta)
    if a._ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {a._ndim}-D tensor")
    if b._ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {b._ndim}-D tensor")
    _check_mm_shapes(a, b)
    if c._dtype is not b._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{scalar_type_name(c._dtype.code)} and {scalar_type_name(b._dtype.code)}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{scalar_type_name(a._dtype.code)} and {scalar_type_name(b._dtype.code)}")
    shape[0] = a._shape[0]
    shape[1] = b._shape[1]
    _check_expandable(c, 2, shape)
    alpha, beta = _number(alpha), _number(beta)
    if not _tracked(c, a, b):
        return _into_out(_product(a, b, 0, NULL, c, alpha, beta, "addmm_impl_cpu_"), out)
    _refuse_out(out, "addmm")
    with _untracked:
        r = _product(a, b, 0, NULL, c, alpha, beta, "addmm_impl_cpu_")
    return _record_addmm("AddmmBackward0", r, c, a, b, alpha, beta)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * mat @ vec."""
    cdef Tensor c = _tensor_arg(input, "addmv", "input", 1)
    cdef Tensor a, b, r
    _check_scalars(c, alpha, beta)
    if c._ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {c._ndim}, "
                           f"{(<Tensor?>mat)._ndim}, {(<Tensor?>vec)._ndim}")
    a = _tensor_arg(mat, "addmv", "mat", 2)
    b = _tensor_arg(vec, "addmv", "vec", 3)
    alpha, beta = _number(alpha), _number(beta)
    if not _tracked(c, a, b):
        return _into_out(_mv(a, b, c, alpha, beta), out)
    _refuse_out(out, "addmv")
    with _untracked:
        r = _mv(a, b, c, alpha, beta)
    return _record_addmm("AddmvBackward0", r, c, a, b, alpha, beta)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * batch1 @ batch2, batch by batch."""
    cdef Tensor c = _tensor_arg(input, "baddbmm", "input", 1)
    cdef Tensor a = _tensor_arg(batch1, "baddbmm", "batch1", 2)
    cdef Tensor b = _tensor_arg(batch2, "baddbmm", "batch2", 3)
    cdef Tensor r
    cdef Py_ssize_t shape[3]
    _check_scalars(c, alpha, beta)
    _check_batches(a, b)
    _same_dtype_scalar(a, b)
    _same_dtype_scalar(c, a)
    shape[0] = a._shape[0]
    shape[1] = a._shape[1]
    shape[2] = b._shape[2]
    _check_expandable(c, 3, shape)
    alpha, beta = _number(alpha), _number(beta)
    if not _tracked(c, a, b):
        return _into_out(_product(a, b, 1, a._shape, c, alpha, beta, "bmm"), out)
    _refuse_out(out, "baddbmm")
    with _untracked:
        r = _product(a, b, 1, a._shape, c, alpha, beta, "bmm")
    return _record_addmm("BaddbmmBackward0", r, c, a, b, alpha, beta)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * the sum over the batch of batch1[i] @ batch2[i]: one product of
    the batch laid side by side, (m, B*k) @ (B*k, n)."""
    cdef Tensor c = _tensor_arg(input, "addbmm", "input", 1)
    cdef Tensor a = _tensor_arg(batch1, "addbmm", "batch1", 2)
    cdef Tensor b = _tensor_arg(batch2, "addbmm", "batch2", 3)
    cdef Tensor r
    cdef Py_ssize_t shape[2]
    _check_scalars(c, alpha, beta)
    if a._ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b._ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a._shape[0] != b._shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{a._shape[0]} and {b._shape[0]}")
    if a._shape[2] != b._shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({a._shape[1]}x{a._shape[2]} "
                           f"and {b._shape[1]}x{b._shape[2]})")
    _same_dtype_scalar(a, b)
    _same_dtype_scalar(c, a)
    shape[0] = a._shape[1]
    shape[1] = b._shape[2]
    _check_expandable(c, 2, shape)
    alpha, beta = _number(alpha), _number(beta)
    if not _tracked(c, a, b):
        return _into_out(_addbmm(c, a, b, alpha, beta), out)
    _refuse_out(out, "addbmm")
    with _untracked:
        r = _addbmm(c, a, b, alpha, beta)
    return _record_addmm("AddbmmBackward0", r, c, a, b, alpha, beta)


cdef Tensor _addbmm(Tensor c, Tensor a, Tensor b, object alpha, object beta):
    cdef Tensor wide = _t.reshape(_t.permute(a, 1, 0, 2), a._shape[1], a._shape[0] * a._shape[2])
    cdef Tensor tall = _t.reshape(b, b._shape[0] * b._shape[1], b._shape[2])
    return _product(wide, tall, 0, NULL, c, alpha, beta, "addmm_impl_cpu_")


def addmm_(Tensor self, mat1, mat2, *, beta=1, alpha=1):
    return _updated(self, addmm(self, mat1, mat2, beta=beta, alpha=alpha))


def addmv_(Tensor self, mat, vec, *, beta=1, alpha=1):
    return _updated(self, addmv(self, mat, vec, beta=beta, alpha=alpha))


def addbmm_(Tensor self, batch1, batch2, *, beta=1, alpha=1):
    return _updated(self, addbmm(self, batch1, batch2, beta=beta, alpha=alpha))


def baddbmm_(Tensor self, batch1, batch2, *, beta=1, alpha=1):
    return _updated(self, baddbmm(self, batch1, batch2, beta=beta, alpha=alpha))


def outer(input, vec2, *, out=None):
    """input[i] * vec2[j], with type promotion (recorded as the product it is)."""
    cdef Tensor a = _tensor_arg(input, "outer", "input", 1)
    cdef Tensor b = _tensor_arg(vec2, "outer", "vec2", 2)
    if a._ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {a._ndim}-D")
    if b._ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {b._ndim}-D")
    if _tracked(a, b):
        return _t.mul(_t.reshape(a, -1, 1), b, out=out)
    return _t.mul(_matrix_view(a, a._shape[0], 1, a._strides[0], 0), b, out=out)


ger = outer


def inner(input, other, *, out=None):
    """Sum over the last dims of both; a product with a 0-d operand."""
    cdef Tensor a = _tensor_arg(input, "inner", "input", 1)
    cdef Tensor b = _tensor_arg(other, "inner", "other", 2)
    if a._ndim == 0 or b._ndim == 0:
        return _t.mul(a, b, out=out)
    if a._shape[a._ndim - 1] != b._shape[b._ndim - 1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {_shape_list(a)} and {_shape_list(b)}")
    return tensordot(a, b, ([a._ndim - 1], [b._ndim - 1]), out=out)


include "linalg_contract.pxi"
include "linalg_lapack.pxi"
include "linalg_lu.pxi"
