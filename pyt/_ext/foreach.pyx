# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The CUDA path of the _foreach_* ops and of the optimizers' multi-tensor steps: one
pyt_cuda_foreach call (a launch per chunk of tensors, foreach.cu) per dtype.

cuda_foreach answers False, touching nothing, when the lists do not fit the kernel
(a CPU tensor, mixed devices, a non-contiguous tensor, tensors of one index that differ
in dtype or shape, a non-float dtype, autograd wanting a graph): the caller then loops
over the tensors with the ordinary ops, which also give torch's errors. So does a list
in which a tensor the kernel writes shares memory with another entry (the same tensor
twice: the kernel's blocks would update it at once): one op after the other gives the
CPU's sequential result (`_foreach_add_([a, a], 1)` adds 2)."""
from libc.stdint cimport int64_t, uintptr_t
from libc.stdlib cimport malloc, free, qsort

from pyt._ext.tensor cimport (Tensor, is_contiguous, is_cuda, cuda_check, grad_enabled,
    byte_extent)
from pyt._ext.cuda_api cimport pyt_cuda_foreach, PYT_FOREACH_NPARAMS
from pyt._ext.dtypes cimport PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64


cdef bint _same_shape(Tensor a, Tensor b) noexcept:
    cdef int d
    if a._ndim != b._ndim:
        return False
    for d in range(a._ndim):
        if a._shape[d] != b._shape[d]:
            return False
    return True


ctypedef struct _span:
    uintptr_t lo, hi                    # the bytes [lo, hi) the entry covers
    int index                           # its position in the lists
    bint written


cdef int _by_start(const void* a, const void* b) noexcept nogil:
    cdef const _span* x = <const _span*>a
    cdef const _span* y = <const _span*>b
    if x.lo != y.lo:
        return -1 if x.lo < y.lo else 1
    return -1 if x.hi < y.hi else (1 if x.hi > y.hi else 0)


cdef void _span_of(Tensor x, _span* out) noexcept:
    cdef char* lo
    cdef char* hi
    byte_extent(x, &lo, &hi)
    out.lo = <uintptr_t>lo
    out.hi = <uintptr_t>hi


cdef bint _overlaps(tuple lists, int n, tuple written) except -1:
    """True when an entry that the op writes shares bytes with an entry of another index,
    or with one of its own index that is not exactly it (out[t] is self[t], in place, is
    fine: each element is read and written by one thread). Sorted by first byte, the
    entries fall into runs of overlapping spans; a run that holds a written entry must be
    one (index, span) repeated. Empty tensors take no part. (Distinct allocations never
    share bytes, so raw addresses on one device are enough.)"""
    cdef int nl = len(lists), m = 0, l, t, i, j
    cdef bint has_written, alike
    cdef uintptr_t end
    cdef Tensor x
    cdef _span* spans = <_span*>malloc(sizeof(_span) * n * nl + 1)
    if spans == NULL:
        raise MemoryError()
    try:
        for l in range(nl):
            for t in range(n):
                x = <Tensor?>lists[l][t]
                if x._numel == 0:
                    continue
                _span_of(x, &spans[m])
                spans[m].index = t
                spans[m].written = l in written
                m += 1
        qsort(spans, m, sizeof(_span), _by_start)
        i = 0
        while i < m:
            end, has_written, alike = spans[i].hi, spans[i].written, True
            j = i + 1
            while j < m and spans[j].lo < end:
                end = max(end, spans[j].hi)
                has_written = has_written or spans[j].written
                alike = alike and spans[j].lo == spans[i].lo and spans[j].hi == spans[i].hi \
                    and spans[j].index == spans[i].index
                j += 1
            if has_written and not alike:
                return True
            i = j
        return False
    finally:
        free(spans)


def lists_overlap(tuple lists, tuple written=(0,)):
    """_overlaps for Python (the tests run it on CPU tensors): lists of tensors, all of one
    length; written: the lists the op writes."""
    cdef int n = len(lists[0]) if lists else 0
    for lst in lists:
        if len(lst) != n:
            raise ValueError("lists_overlap: lists of different lengths")
    return _overlaps(lists, n, written) if n else False


cdef bint _fits(tuple lists, int n) except -1:
    """Every tensor on one CUDA device, contiguous, a float dtype; tensors of one index
    alike in dtype and shape; no autograd graph to record."""
    cdef Tensor first, x
    cdef object dev = None
    cdef bint record = grad_enabled()
    cdef int code, t
    for t in range(n):
        first = <Tensor?>lists[0][t]
        code = first._dtype.code
        if code != PYT_FLOAT32 and code != PYT_FLOAT64 and code != PYT_FLOAT16 and \
                code != PYT_BFLOAT16:
            return False
        if not is_cuda(first):
            return False
        if dev is None:
            dev = first._device
        for lst in lists:
            x = <Tensor?>lst[t]
            if x._device is not dev or x._dtype is not first._dtype or \
                    not is_contiguous(x) or not _same_shape(x, first) or \
                    (record and x._requires_grad):
                return False
    return True


def cuda_foreach(int op, tuple lists, s0=None, s1=None, params=(), tuple written=(0,)):
    """Runs foreach.cu's op over lists (list 0 the output; all of one length) when they
    fit the kernel, and returns True; else False. s0, s1: per-tensor scalars (sequences
    of numbers, or None); params: the op's parameters; written: the lists whose tensors
    change (their version counters are bumped)."""
    cdef int nl = len(lists), n = len(lists[0]), m, t, l, k
    cdef int codes[4]
    cdef char** ptrs
    cdef int64_t* numel
    cdef double* s
    cdef double p[PYT_FOREACH_NPARAMS]
    cdef Tensor x
    cdef int rc = 0
    if n == 0 or not _fits(lists, n) or _overlaps(lists, n, written):
        return False
    for k in range(PYT_FOREACH_NPARAMS):
        p[k] = float(params[k]) if k < len(params) else 0.0
    ptrs = <char**>malloc(sizeof(char*) * n * nl)
    numel = <int64_t*>malloc(sizeof(int64_t) * n)
    s = <double*>malloc(sizeof(double) * 2 * n)
    if ptrs == NULL or numel == NULL or s == NULL:
        free(ptrs); free(numel); free(s)
        raise MemoryError()
    codes[0] = PYT_FLOAT32; codes[1] = PYT_FLOAT64
    codes[2] = PYT_FLOAT16; codes[3] = PYT_BFLOAT16
    try:
        for k in range(4):               # a call per dtype present
            m = 0
            for t in range(n):
                x = lists[0][t]
                if x._dtype.code != codes[k]:
                    continue
                for l in range(nl):
                    ptrs[m * nl + l] = (<Tensor>lists[l][t])._data
                numel[m] = x._numel
                s[2 * m] = float(s0[t]) if s0 is not None else 0.0
                s[2 * m + 1] = float(s1[t]) if s1 is not None else 0.0
                m += 1
            if m:
                with nogil:
                    rc = pyt_cuda_foreach(op, codes[k], nl, m, ptrs, numel, s, p)
                cuda_check(rc, "_foreach op")
    finally:
        free(ptrs); free(numel); free(s)
    for l in written:
        for t in range(n):
            (<Tensor>lists[l][t])._storage.version += 1
    return True
