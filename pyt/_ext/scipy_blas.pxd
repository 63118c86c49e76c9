# SciPy's BLAS and LAPACK as pyt's modules take them: entry points from SciPy's
# cython_blas / cython_lapack capsules on first use rather than cimported (importing
# scipy.linalg costs about 0.3 s, which `import pyt` should not pay), the fork guard around
# every call (pyt_fork_guard.h) and the OpenBLAS thread control (pyt_blas_threads.h).
# Shared by linalg, nn_kernels (convolution) and rnn_kernels (the LSTM loop).
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_GetName

cdef extern from "pyt_fork_guard.h":
    void pyt_fork_guard_install()
    void pyt_blas_enter() nogil
    void pyt_blas_exit() nogil

cdef extern from "pyt_blas_threads.h":
    enum:
        PYT_BLAS_MAX_LIBS
    int pyt_blas_threads_init()
    void pyt_blas_serial_begin(int* saved) nogil
    void pyt_blas_serial_end(const int* saved) nogil
    void pyt_blas_set_all(int n)

ctypedef void (*sgemm_t)(char*, char*, int*, int*, int*, float*, float*, int*, float*, int*,
                         float*, float*, int*) noexcept nogil
ctypedef void (*dgemm_t)(char*, char*, int*, int*, int*, double*, double*, int*, double*,
                         int*, double*, double*, int*) noexcept nogil


cdef inline void* scipy_entry(str module, str name) except NULL:
    """The C function `name` of scipy.linalg's `module` (cython_blas or cython_lapack)."""
    import importlib
    capsule = importlib.import_module("scipy.linalg." + module).__pyx_capi__[name]
    return PyCapsule_GetPointer(capsule, PyCapsule_GetName(capsule))
