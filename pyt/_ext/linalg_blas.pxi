# BLAS and LAPACK entry points, taken from SciPy's capsules on first use (scipy_blas.pxd).
# The wrappers below take values instead of Fortran's pointers and pick the single or
# double routine from the fused type.
from cython cimport floating
from pyt._ext.scipy_blas cimport (scipy_entry, sgemm_t, dgemm_t, pyt_fork_guard_install,
    pyt_blas_enter, pyt_blas_exit)
import os

# After each threaded call OpenBLAS's idle threads spin for 2^28 cycles (~0.1 s), fighting
# pyt's OpenMP threads for the cores whenever a BLAS call and a parallel kernel alternate
# (add + matmul 256 at 2 threads on 2 cores: 8 ms a round instead of 0.5 ms). 2^16 cycles
# (~25 us) still keeps back-to-back calls warm. OpenBLAS reads this when it is loaded,
# which for SciPy's happens on pyt's first BLAS call; a value the user set is kept.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "16")

ctypedef void (*sgemv_t)(char*, int*, int*, float*, float*, int*, float*, int*, float*,
                         float*, int*) noexcept nogil
ctypedef void (*dgemv_t)(char*, int*, int*, double*, double*, int*, double*, int*, double*,
                         double*, int*) noexcept nogil
ctypedef void (*sgetrf_t)(int*, int*, float*, int*, int*, int*) noexcept nogil
ctypedef void (*dgetrf_t)(int*, int*, double*, int*, int*, int*) noexcept nogil
ctypedef void (*sgetri_t)(int*, float*, int*, int*, float*, int*, int*) noexcept nogil
ctypedef void (*dgetri_t)(int*, double*, int*, int*, double*, int*, int*) noexcept nogil
ctypedef void (*sgesv_t)(int*, int*, float*, int*, int*, float*, int*, int*) noexcept nogil
ctypedef void (*dgesv_t)(int*, int*, double*, int*, int*, double*, int*, int*) noexcept nogil
ctypedef void (*spotrf_t)(char*, int*, float*, int*, int*) noexcept nogil
ctypedef void (*dpotrf_t)(char*, int*, double*, int*, int*) noexcept nogil
ctypedef void (*sgeqrf_t)(int*, int*, float*, int*, float*, float*, int*, int*) noexcept nogil
ctypedef void (*dgeqrf_t)(int*, int*, double*, int*, double*, double*, int*, int*) noexcept nogil
ctypedef void (*sorgqr_t)(int*, int*, int*, float*, int*, float*, float*, int*,
                          int*) noexcept nogil
ctypedef void (*dorgqr_t)(int*, int*, int*, double*, int*, double*, double*, int*,
                          int*) noexcept nogil
ctypedef void (*sgesdd_t)(char*, int*, int*, float*, int*, float*, float*, int*, float*, int*,
                          float*, int*, int*, int*) noexcept nogil
ctypedef void (*dgesdd_t)(char*, int*, int*, double*, int*, double*, double*, int*, double*,
                          int*, double*, int*, int*, int*) noexcept nogil
ctypedef void (*ssyevd_t)(char*, char*, int*, float*, int*, float*, float*, int*, int*, int*,
                          int*) noexcept nogil
ctypedef void (*dsyevd_t)(char*, char*, int*, double*, int*, double*, double*, int*, int*,
                          int*, int*) noexcept nogil
ctypedef void (*sgelsd_t)(int*, int*, int*, float*, int*, float*, int*, float*, float*, int*,
                          float*, int*, int*, int*) noexcept nogil
ctypedef void (*dgelsd_t)(int*, int*, int*, double*, int*, double*, int*, double*, double*,
                          int*, double*, int*, int*, int*) noexcept nogil

cdef sgemm_t _sgemm = NULL
cdef dgemm_t _dgemm = NULL
cdef sgemv_t _sgemv = NULL
cdef dgemv_t _dgemv = NULL
cdef sgetrf_t _sgetrf = NULL
cdef dgetrf_t _dgetrf = NULL
cdef sgetri_t _sgetri = NULL
cdef dgetri_t _dgetri = NULL
cdef sgesv_t _sgesv = NULL
cdef dgesv_t _dgesv = NULL
cdef spotrf_t _spotrf = NULL
cdef dpotrf_t _dpotrf = NULL
cdef sgeqrf_t _sgeqrf = NULL
cdef dgeqrf_t _dgeqrf = NULL
cdef sorgqr_t _sorgqr = NULL
cdef dorgqr_t _dorgqr = NULL
cdef sgesdd_t _sgesdd = NULL
cdef dgesdd_t _dgesdd = NULL
cdef ssyevd_t _ssyevd = NULL
cdef dsyevd_t _dsyevd = NULL
cdef sgelsd_t _sgelsd = NULL
cdef dgelsd_t _dgelsd = NULL
ctypedef void (*strsm_t)(char*, char*, char*, char*, int*, int*, float*, float*, int*, float*,
                         int*) noexcept nogil
ctypedef void (*dtrsm_t)(char*, char*, char*, char*, int*, int*, double*, double*, int*,
                         double*, int*) noexcept nogil
cdef strsm_t _strsm = NULL
cdef dtrsm_t _dtrsm = NULL
ctypedef void (*set_threads_t)(int) noexcept nogil

cdef bint _blas_loaded = False
cdef int _blas_threads = 0          # the thread count last handed to the BLAS pool
# openblas_set_num_threads of every BLAS in the process, when all are OpenBLAS with their
# own thread pool: then a batch of small products can run one BLAS call per OpenMP thread
# with the pools set to one thread meanwhile. Empty otherwise (a batch stays a loop).
cdef set_threads_t _pool_setters[4]
cdef int _pool_count = 0


cdef inline int _load_blas() except -1:
    """Before every BLAS call: the entry points, and pyt's thread count in the BLAS pool.
    The count is handed over whenever it changed since the last call, so it follows
    set_num_threads made before SciPy's OpenBLAS was loaded (threadpoolctl cannot reach
    it before) and the one thread of a forked child."""
    global _blas_threads
    if not _blas_loaded:
        _fill_entry_points()
    if num_threads() != _blas_threads:
        _blas_threads = num_threads()
        _parallel._set_blas_threads(_blas_threads)
    return 0


cdef int _fill_entry_points() except -1:
    global _sgemm, _dgemm, _sgemv, _dgemv, _sgetrf, _dgetrf, _sgetri, _dgetri, _sgesv
    global _dgesv, _spotrf, _dpotrf, _sgeqrf, _dgeqrf, _sorgqr, _dorgqr, _sgesdd, _dgesdd
    global _ssyevd, _dsyevd, _sgelsd, _dgelsd, _strsm, _dtrsm, _blas_loaded
    blas, lapack = "cython_blas", "cython_lapack"
    _sgemm = <sgemm_t>scipy_entry(blas, "sgemm")     # loads SciPy's OpenBLAS
    pyt_fork_guard_install()            # after OpenBLAS registered its own fork handler
    _dgemm = <dgemm_t>scipy_entry(blas, "dgemm")
    _sgemv = <sgemv_t>scipy_entry(blas, "sgemv")
    _dgemv = <dgemv_t>scipy_entry(blas, "dgemv")
    _sgetrf = <sgetrf_t>scipy_entry(lapack, "sgetrf")
    _dgetrf = <dgetrf_t>scipy_entry(lapack, "dgetrf")
    _sgetri = <sgetri_t>scipy_entry(lapack, "sgetri")
    _dgetri = <dgetri_t>scipy_entry(lapack, "dgetri")
    _sgesv = <sgesv_t>scipy_entry(lapack, "sgesv")
    _dgesv = <dgesv_t>scipy_entry(lapack, "dgesv")
    _spotrf = <spotrf_t>scipy_entry(lapack, "spotrf")
    _dpotrf = <dpotrf_t>scipy_entry(lapack, "dpotrf")
    _sgeqrf = <sgeqrf_t>scipy_entry(lapack, "sgeqrf")
    _dgeqrf = <dgeqrf_t>scipy_entry(lapack, "dgeqrf")
    _sorgqr = <sorgqr_t>scipy_entry(lapack, "sorgqr")
    _dorgqr = <dorgqr_t>scipy_entry(lapack, "dorgqr")
    _sgesdd = <sgesdd_t>scipy_entry(lapack, "sgesdd")
    _dgesdd = <dgesdd_t>scipy_entry(lapack, "dgesdd")
    _ssyevd = <ssyevd_t>scipy_entry(lapack, "ssyevd")
    _dsyevd = <dsyevd_t>scipy_entry(lapack, "dsyevd")
    _sgelsd = <sgelsd_t>scipy_entry(lapack, "sgelsd")
    _dgelsd = <dgelsd_t>scipy_entry(lapack, "dgelsd")
    _strsm = <strsm_t>scipy_entry(blas, "strsm")
    _dtrsm = <dtrsm_t>scipy_entry(blas, "dtrsm")
    _find_blas_pools()
    _blas_loaded = True
    return 0


cdef int _find_blas_pools() except -1:
    global _pool_count
    import ctypes
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 0
    setters = []
    for info in threadpool_info():
        if info.get("user_api") != "blas":
            continue
        if info.get("internal_api") != "openblas" or \
                info.get("threading_layer") not in ("pthreads", "disabled"):
            return 0                     # a BLAS we cannot make single-threaded cheaply
        lib = ctypes.CDLL(info["filepath"])
        names = [f"{pre}openblas_set_num_threads{suf}" for pre in ("", "scipy_")
                 for suf in ("", "64_", "_64")]
        found = [getattr(lib, n) for n in names if hasattr(lib, n)]
        if not found:
            return 0
        setters.append(ctypes.cast(found[0], ctypes.c_void_p).value)
    if not setters or len(setters) > 4:
        return 0
    for i, address in enumerate(setters):
        _pool_setters[i] = <set_threads_t><size_t>address
    _pool_count = len(setters)
    return 0


cdef inline void _set_pools(int n) noexcept nogil:
    cdef int i
    for i in range(_pool_count):
        _pool_setters[i](n)


# ----- value-argument wrappers (column-major, as BLAS/LAPACK see memory) ----------------------

cdef inline void gemm(char ta, char tb, int m, int n, int k, floating alpha, floating* a,
                      int lda, floating* b, int ldb, floating beta, floating* c,
                      int ldc) noexcept nogil:
    pyt_blas_enter()                    # no fork while the call runs (pyt_fork_guard.h)
    if floating is float:
        _sgemm(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc)
    else:
        _dgemm(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc)
    pyt_blas_exit()


cdef inline void gemv(char t, int m, int n, floating alpha, floating* a, int lda, floating* x,
                      int incx, floating beta, floating* y, int incy) noexcept nogil:
    pyt_blas_enter()
    if floating is float:
        _sgemv(&t, &m, &n, &alpha, a, &lda, x, &incx, &beta, y, &incy)
    else:
        _dgemv(&t, &m, &n, &alpha, a, &lda, x, &incx, &beta, y, &incy)
    pyt_blas_exit()


cdef inline int getrf(int n, floating* a, int* ipiv) noexcept nogil:
    cdef int info = 0
    if floating is float:
        _sgetrf(&n, &n, a, &n, ipiv, &info)
    else:
        _dgetrf(&n, &n, a, &n, ipiv, &info)
    return info


cdef inline int getri(int n, floating* a, int* ipiv, floating* work, int lwork) noexcept nogil:
    cdef int info = 0
    if floating is float:
        _sgetri(&n, a, &n, ipiv, work, &lwork, &info)
    else:
        _dgetri(&n, a, &n, ipiv, work, &lwork, &info)
    return info


cdef inline int gesv(int n, int nrhs, floating* a, int* ipiv, floating* b) noexcept nogil:
    cdef int info = 0
    cdef int ldb = n if n > 1 else 1
    if floating is float:
        _sgesv(&n, &nrhs, a, &n, ipiv, b, &ldb, &info)
    else:
        _dgesv(&n, &nrhs, a, &n, ipiv, b, &ldb, &info)
    return info


cdef inline int potrf(char uplo, int n, floating* a) noexcept nogil:
    cdef int info = 0
    if floating is float:
        _spotrf(&uplo, &n, a, &n, &info)
    else:
        _dpotrf(&uplo, &n, a, &n, &info)
    return info


cdef inline int geqrf(int m, int n, floating* a, floating* tau, floating* work,
                      int lwork) noexcept nogil:
    cdef int info = 0
    if floating is float:
        _sgeqrf(&m, &n, a, &m, tau, work, &lwork, &info)
    else:
        _dgeqrf(&m, &n, a, &m, tau, work, &lwork, &info)
    return info


cdef inline int orgqr(int m, int n, int k, floating* a, floating* tau, floating* work,
                      int lwork) noexcept nogil:
    cdef int info = 0
    if floating is float:
        _sorgqr(&m, &n, &k, a, &m, tau, work, &lwork, &info)
    else:
        _dorgqr(&m, &n, &k, a, &m, tau, work, &lwork, &info)
    return info


cdef inline int gesdd(char jobz, int m, int n, floating* a, floating* s, floating* u, int ldu,
                      floating* vt, int ldvt, floating* work, int lwork,
                      int* iwork) noexcept nogil:
    cdef int info = 0
    if floating is float:
        _sgesdd(&jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info)
    else:
        _dgesdd(&jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info)
    return info


cdef inline int syevd(char jobz, char uplo, int n, floating* a, floating* w, floating* work,
                      int lwork, int* iwork, int liwork) noexcept nogil:
    cdef int info = 0
    if floating is float:
        _ssyevd(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info)
    else:
        _dsyevd(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info)
    return info


cdef inline int gelsd(int m, int n, int nrhs, floating* a, floating* b, int ldb, floating* s,
                      floating rcond, int* rank, floating* work, int lwork,
                      int* iwork) noexcept nogil:
    cdef int info = 0
    if floating is float:
        _sgelsd(&m, &n, &nrhs, a, &m, b, &ldb, s, &rcond, rank, work, &lwork, iwork, &info)
    else:
        _dgelsd(&m, &n, &nrhs, a, &m, b, &ldb, s, &rcond, rank, work, &lwork, iwork, &info)
    return info


cdef inline int getrf_mn(int m, int n, floating* a, int* ipiv) noexcept nogil:
    """getrf of an m by n matrix (lda = m)."""
    cdef int info = 0
    cdef int lda = m if m > 1 else 1
    if floating is float:
        _sgetrf(&m, &n, a, &lda, ipiv, &info)
    else:
        _dgetrf(&m, &n, a, &lda, ipiv, &info)
    return info


cdef inline void trsm(char side, char uplo, char transa, char diag, int m, int n, floating* a,
                      int lda, floating* b, int ldb) noexcept nogil:
    """B := op(A)^-1 B (side 'L') or B op(A)^-1 (side 'R'), A triangular; no singularity
    check (a zero on the diagonal gives infinities and NaNs, as torch's)."""
    cdef floating one = 1
    pyt_blas_enter()
    if floating is float:
        _strsm(&side, &uplo, &transa, &diag, &m, &n, &one, a, &lda, b, &ldb)
    else:
        _dtrsm(&side, &uplo, &transa, &diag, &m, &n, &one, a, &lda, b, &ldb)
    pyt_blas_exit()
