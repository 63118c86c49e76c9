# cython: language_level=3
"""pyt.set_num_threads / get_num_threads, and fork safety.

GNU OpenMP is not fork-safe: a child forked after its parent used a parallel
region hangs in its own first one. So a forked child runs every kernel with one
thread (kernels make no OpenMP call at all then), and cannot raise the count."""
import os
import warnings

cdef int _num_threads = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
cdef bint _in_forked_child = False



cdef int num_threads() noexcept nogil:
    return _num_threads


def get_num_threads():
    """The number of threads pyt's CPU kernels use."""
    return _num_threads


def set_num_threads(int n):
    """Sets the number of threads of pyt's CPU kernels and of the BLAS library."""
    global _num_threads
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    if _in_forked_child and n > 1:
        warnings.warn("pyt: a forked process runs its kernels on one thread "
                      "(OpenMP is not fork-safe); set_num_threads ignored", RuntimeWarning)
        return
    _num_threads = n
    _set_blas_threads(n)


def _set_blas_threads(int n):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(n, user_api="blas")


def _after_fork_in_child():
    global _num_threads, _in_forked_child
    _num_threads = 1
    _in_forked_child = True


os.register_at_fork(after_in_child=_after_fork_in_child)
