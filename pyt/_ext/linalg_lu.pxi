# The LAPACK/BLAS kernels behind pyt/_linalg_lu.py: triangular solves (trsm), LU with
# pivots (getrf), Householder products (orgqr) and geqrf's raw output. Each takes float32 /
# float64 tensors the caller has already checked (shapes, dtypes) and returns new
# column-major results, untracked: the public ops, their errors and their derivatives are
# written in Python on top of these.

cdef void _trsm_kernel(floating* a, floating* b, Py_ssize_t count, int n, int rows, int cols,
                       char side, char uplo, char diag) noexcept nogil:
    cdef Py_ssize_t i
    cdef char notrans = b'N'
    for i in range(count):
        trsm(side, uplo, notrans, diag, rows, cols, a + i * n * n, n if n > 1 else 1,
             b + i * rows * cols, rows if rows > 1 else 1)


def _trsm_raw(Tensor a, Tensor b, bint upper, bint left, bint unitriangular):
    """X with A X = B (left) or X A = B, A (..., n, n) triangular, batches broadcast."""
    cdef Py_ssize_t bshape[PYT_MAX_DIMS]
    cdef int nb = _broadcast_batch(a, b, a._ndim - 2, b._ndim - 2, bshape)
    cdef Py_ssize_t n = a._shape[a._ndim - 1], count = _count(nb, bshape)
    cdef Py_ssize_t rows = b._shape[b._ndim - 2], cols = b._shape[b._ndim - 1]
    cdef Tensor x = _column_major(nb, bshape, rows, cols, a._dtype, b)
    if x._numel == 0 or n == 0:
        return x
    cdef Tensor am = _column_major(nb, bshape, n, n, a._dtype, a)
    cdef char side = b'L' if left else b'R', uplo = b'U' if upper else b'L'
    cdef char diag = b'U' if unitriangular else b'N'
    _load_blas()
    with nogil:
        if a._dtype.code == PYT_FLOAT32:
            _trsm_kernel(<float*>am._data, <float*>x._data, count, <int>n, <int>rows,
                         <int>cols, side, uplo, diag)
        else:
            _trsm_kernel(<double*>am._data, <double*>x._data, count, <int>n, <int>rows,
                         <int>cols, side, uplo, diag)
    return x


cdef void _getrf_kernel(floating* a, int* piv, int* infos, Py_ssize_t count, int m,
                        int n) noexcept nogil:
    cdef Py_ssize_t i
    cdef int k = min(m, n)
    for i in range(count):
        infos[i] = getrf_mn(m, n, a + i * m * n, piv + i * k)


def _getrf_raw(Tensor a):
    """(LU, pivots, infos) of each m x n matrix: LU packed column-major, pivots int32 and
    1-based as LAPACK's (and torch's), infos > 0 where U has a zero on its diagonal."""
    cdef int nb = a._ndim - 2
    cdef Py_ssize_t m = a._shape[nb], n = a._shape[nb + 1], count = _count(nb, a._shape)
    cdef Tensor lu = _column_major(nb, a._shape, m, n, a._dtype, a)
    cdef Tensor piv = _batch_plus(nb, a._shape, [min(m, n)], _i32)
    cdef Tensor infos = _new(nb, a._shape, _i32, True)
    if lu._numel == 0:
        return lu, piv, infos
    _load_blas()
    with nogil:
        if a._dtype.code == PYT_FLOAT32:
            _getrf_kernel(<float*>lu._data, <int*>piv._data, <int*>infos._data, count,
                          <int>m, <int>n)
        else:
            _getrf_kernel(<double*>lu._data, <int*>piv._data, <int*>infos._data, count,
                          <int>m, <int>n)
    return lu, piv, infos


cdef int _orgqr_kernel(floating* a, floating* tau, Py_ssize_t count, int m, int n,
                       int k) noexcept nogil:
    cdef floating query = 0
    cdef int lwork
    cdef floating* work
    cdef Py_ssize_t i
    orgqr(m, n, k, a, tau, &query, -1)
    lwork = _workspace(query)
    work = <floating*>malloc(lwork * sizeof(floating))
    if work == NULL:
        return -1
    for i in range(count):
        orgqr(m, n, k, a + i * m * n, tau + i * k, work, lwork)
    free(work)
    return 0


def _orgqr_raw(Tensor a, Tensor tau):
    """The first n columns of the product of the k Householder reflectors stored below the
    diagonal of each m x n matrix of a, with scales tau (..., k); batches broadcast."""
    cdef Py_ssize_t bshape[PYT_MAX_DIMS]
    cdef int nb = _broadcast_batch(a, tau, a._ndim - 2, tau._ndim - 1, bshape), ok = 0
    cdef Py_ssize_t m = a._shape[a._ndim - 2], n = a._shape[a._ndim - 1]
    cdef Py_ssize_t k = tau._shape[tau._ndim - 1], count = _count(nb, bshape)
    cdef Tensor q = _column_major(nb, bshape, m, n, a._dtype, a)
    if q._numel == 0:
        return q
    cdef Tensor t = _batch_plus(nb, bshape, [k], a._dtype)
    copy_into(t, tau)
    _load_blas()
    with nogil:
        if a._dtype.code == PYT_FLOAT32:
            ok = _orgqr_kernel(<float*>q._data, <float*>t._data, count, <int>m, <int>n, <int>k)
        else:
            ok = _orgqr_kernel(<double*>q._data, <double*>t._data, count, <int>m, <int>n,
                               <int>k)
    _bad_alloc(ok)
    return q


cdef int _geqrf_kernel(floating* a, floating* tau, Py_ssize_t count, int m,
                       int n) noexcept nogil:
    cdef floating query = 0
    cdef int lwork, k = min(m, n)
    cdef floating* work
    cdef Py_ssize_t i
    geqrf(m, n, a, tau, &query, -1)
    lwork = _workspace(query)
    work = <floating*>malloc(lwork * sizeof(floating))
    if work == NULL:
        return -1
    for i in range(count):
        geqrf(m, n, a + i * m * n, tau + i * k, work, lwork)
    free(work)
    return 0


def _geqrf_raw(Tensor a):
    """LAPACK's geqrf of each matrix: (R above the diagonal and the reflectors below, tau)."""
    cdef int nb = a._ndim - 2, ok = 0
    cdef Py_ssize_t m = a._shape[nb], n = a._shape[nb + 1], count = _count(nb, a._shape)
    cdef Tensor r = _column_major(nb, a._shape, m, n, a._dtype, a)
    cdef Tensor tau = _batch_plus(nb, a._shape, [min(m, n)], a._dtype)
    if r._numel == 0:
        return r, tau
    _load_blas()
    with nogil:
        if a._dtype.code == PYT_FLOAT32:
            ok = _geqrf_kernel(<float*>r._data, <float*>tau._data, count, <int>m, <int>n)
        else:
            ok = _geqrf_kernel(<double*>r._data, <double*>tau._data, count, <int>m, <int>n)
    _bad_alloc(ok)
    return r, tau
