# The strided iteration of include/pyt_loop.h and the copy loops of pyt_cast.h, for
# every Cython module that runs kernels: `from pyt._ext.loop cimport ...`.
from pyt._ext.dtypes cimport PYT_NUM_DTYPES

cdef extern from "pyt_loop.h":
    enum:
        PYT_MAX_DIMS
        PYT_MAX_OPERANDS
        PYT_GRAIN_SIZE
    ctypedef void (*pyt_inner_loop)(char** ptrs, const Py_ssize_t* strides,
                                    Py_ssize_t n, void* ctx) noexcept nogil
    ctypedef struct pyt_iter:
        int nops
        int ndim
    Py_ssize_t pyt_iter_init(pyt_iter* it, int nops, int ndim, const Py_ssize_t* shape,
                             char** base, const Py_ssize_t* strides) noexcept nogil
    void pyt_iter_range(const pyt_iter* it, Py_ssize_t begin, Py_ssize_t end,
                        pyt_inner_loop fn, void* ctx) noexcept nogil
    void pyt_iter_run(const pyt_iter* it, Py_ssize_t numel, pyt_inner_loop fn,
                      void* ctx, int nthreads, Py_ssize_t grain) noexcept nogil

cdef extern from "pyt_cast.h":
    const pyt_inner_loop pyt_cast_table[PYT_NUM_DTYPES][PYT_NUM_DTYPES]
    pyt_inner_loop pyt_move_loop(int itemsize) noexcept nogil
