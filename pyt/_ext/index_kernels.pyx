# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Inner loops of the index ops: index -> offset conversion with range checks, and the
element moves (gather, scatter, accumulate, masked ops, where, nonzero).

Moves only need the element size, so each loop dispatches once per row on the itemsize
to a fused-type row function; only accumulation needs the dtype. See index_kernels.pxd
for each loop's operands."""
from libc.stdint cimport int64_t, int32_t, int16_t, int8_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

cdef extern from "pyt_dtypes.h":
    enum:
        PYT_BOOL, PYT_UINT8, PYT_INT8, PYT_INT16, PYT_INT32, PYT_INT64,
        PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64
    float pyt_half_to_float(uint16_t h) nogil
    uint16_t pyt_float_to_half(float f) nogil
    float pyt_bfloat16_to_float(uint16_t b) nogil
    uint16_t pyt_float_to_bfloat16(float f) nogil

cdef extern from *:
    """
    /* The error flag of the offset loops is raised from several OpenMP threads. */
    static inline void pyt_flag_raise(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELAXED); }
    static inline int pyt_flag_get(int *flag) { return __atomic_load_n(flag, __ATOMIC_RELAXED); }
    """
    void pyt_flag_raise(int* flag) noexcept nogil
    int pyt_flag_get(int* flag) noexcept nogil


ctypedef fused word:           # element of a given size, for loops that only move bytes
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused number:         # dtypes whose arithmetic C does directly
    uint8_t
    int8_t
    int16_t
    int32_t
    int64_t
    float
    double


cdef inline int64_t _offset_at(const char* offsets, Py_ssize_t i, Py_ssize_t stride) noexcept nogil:
    return (<const int64_t*>(offsets + i * stride))[0]


# ----- index -> byte offset, validating every index -------------------------------------

cdef inline bint _record_bad(int* flag, int64_t* slot, int64_t value) noexcept nogil:
    if not pyt_flag_get(flag):
        slot[0] = value            # the serial rerun on error reads the first one
    pyt_flag_raise(flag)
    return False


cdef void index_offsets_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef IndexOffsets* c = <IndexOffsets*>ctx
    cdef Py_ssize_t i
    cdef int64_t v, lo = -c.size if c.wrap else 0
    cdef int64_t* out
    if pyt_flag_get(&c.bad):
        return                     # an earlier row failed: nothing will be written
    for i in range(n):
        if c.index_itemsize == 8:
            v = (<const int64_t*>(p[1] + i * s[1]))[0]
        else:
            v = (<const int32_t*>(p[1] + i * s[1]))[0]
        if v < lo or v >= c.size:
            _record_bad(&c.bad, &c.bad_value, v)
            return
        if v < 0:
            v += c.size
        out = <int64_t*>(p[0] + i * s[0])
        if c.add:
            out[0] += v * c.stride
        else:
            out[0] = v * c.stride


cdef void linear_offsets_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef LinearOffsets* c = <LinearOffsets*>ctx
    cdef Py_ssize_t i, rest, off
    cdef int64_t v
    cdef int d
    if pyt_flag_get(&c.bad):
        return
    for i in range(n):
        v = (<const int64_t*>(p[1] + i * s[1]))[0]
        if v < -c.numel or v >= c.numel:
            _record_bad(&c.bad, &c.bad_value, v)
            return
        rest = v + c.numel if v < 0 else v
        off = 0
        for d in range(c.ndim - 1, -1, -1):       # unravel in row-major order
            off += (rest % c.shape[d]) * c.strides[d]
            rest //= c.shape[d]
        (<int64_t*>(p[0] + i * s[0]))[0] = off


# ----- moves through offsets ---------------------------------------------------------------

cdef inline void _gather_row(word* kind, char** p, const Py_ssize_t* s, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef const char* src
    if s[2] == 0:                          # one offset for the row: a plain strided copy
        src = p[1] + _offset_at(p[2], 0, 0)
        if s[0] == sizeof(word) and s[1] == sizeof(word):
            memcpy(p[0], src, n * sizeof(word))
        else:
            for i in range(n):
                (<word*>(p[0] + i * s[0]))[0] = (<const word*>(src + i * s[1]))[0]
        return
    for i in range(n):
        (<word*>(p[0] + i * s[0]))[0] = \
            (<const word*>(p[1] + i * s[1] + _offset_at(p[2], i, s[2])))[0]


cdef void gather_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef int itemsize = (<int*>ctx)[0]
    if itemsize == 1:
        _gather_row(<uint8_t*>NULL, p, s, n)
    elif itemsize == 2:
        _gather_row(<uint16_t*>NULL, p, s, n)
    elif itemsize == 4:
        _gather_row(<uint32_t*>NULL, p, s, n)
    else:
        _gather_row(<uint64_t*>NULL, p, s, n)


cdef inline void _scatter_row(word* kind, char** p, const Py_ssize_t* s, Py_ssize_t n) noexcept nogil:
    # (values never share memory with the destination: indexing.pxi clones them if they do)
    cdef Py_ssize_t i
    cdef char* dst
    if s[2] == 0:                          # one offset for the row: a plain strided copy
        dst = p[0] + _offset_at(p[2], 0, 0)
        if s[0] == sizeof(word) and s[1] == sizeof(word):
            memcpy(dst, p[1], n * sizeof(word))
        else:
            for i in range(n):
                (<word*>(dst + i * s[0]))[0] = (<const word*>(p[1] + i * s[1]))[0]
        return
    for i in range(n):
        (<word*>(p[0] + i * s[0] + _offset_at(p[2], i, s[2])))[0] = \
            (<const word*>(p[1] + i * s[1]))[0]


cdef void scatter_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef int itemsize = (<int*>ctx)[0]
    if itemsize == 1:
        _scatter_row(<uint8_t*>NULL, p, s, n)
    elif itemsize == 2:
        _scatter_row(<uint16_t*>NULL, p, s, n)
    elif itemsize == 4:
        _scatter_row(<uint32_t*>NULL, p, s, n)
    else:
        _scatter_row(<uint64_t*>NULL, p, s, n)


# ----- accumulation through offsets (typed) ------------------------------------------------

cdef inline void _accumulate_row(number alpha, int mode, char** p, const Py_ssize_t* s,
                                 Py_ssize_t n) noexcept nogil:
    # the arithmetic happens in the element type, as torch's kernels do: integers wrap
    cdef Py_ssize_t i
    cdef number* dst
    cdef number v
    for i in range(n):
        dst = <number*>(p[0] + i * s[0] + _offset_at(p[2], i, s[2]))
        v = (<const number*>(p[1] + i * s[1]))[0]
        if mode == ACC_MULTIPLY:
            dst[0] = dst[0] * v
        else:
            dst[0] = dst[0] + alpha * v


cdef inline float _read16(uint16_t bits, bint bf16) noexcept nogil:
    return pyt_bfloat16_to_float(bits) if bf16 else pyt_half_to_float(bits)


cdef inline uint16_t _write16(float v, bint bf16) noexcept nogil:
    return pyt_float_to_bfloat16(v) if bf16 else pyt_float_to_half(v)


cdef inline void _accumulate_row16(bint bf16, float alpha, int mode, char** p,
                                   const Py_ssize_t* s, Py_ssize_t n) noexcept nogil:
    # half and bfloat16 compute in float and round back after every operation, as torch's
    # Half/BFloat16 operators do (indexing.pxi reduces scatter_add in float32 instead,
    # as torch's scatter kernels do)
    cdef Py_ssize_t i
    cdef uint16_t* dst
    cdef float v, a = _read16(_write16(alpha, bf16), bf16)
    for i in range(n):
        dst = <uint16_t*>(p[0] + i * s[0] + _offset_at(p[2], i, s[2]))
        v = _read16((<const uint16_t*>(p[1] + i * s[1]))[0], bf16)
        if mode == ACC_MULTIPLY:
            dst[0] = _write16(_read16(dst[0], bf16) * v, bf16)
        else:
            if a != 1:
                v = _read16(_write16(a * v, bf16), bf16)
            dst[0] = _write16(_read16(dst[0], bf16) + v, bf16)


cdef inline void _accumulate_row_bool(bint alpha, int mode, char** p, const Py_ssize_t* s,
                                      Py_ssize_t n) noexcept nogil:
    # bool arithmetic: + is or, * is and
    cdef Py_ssize_t i
    cdef uint8_t* dst
    cdef uint8_t v
    for i in range(n):
        dst = <uint8_t*>(p[0] + i * s[0] + _offset_at(p[2], i, s[2]))
        v = (<const uint8_t*>(p[1] + i * s[1]))[0] != 0
        if mode == ACC_MULTIPLY:
            dst[0] = dst[0] != 0 and v
        else:
            dst[0] = dst[0] != 0 or (alpha and v)


cdef void accumulate_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef Accumulate* c = <Accumulate*>ctx
    if c.code == PYT_FLOAT32:
        _accumulate_row(<float>c.alpha_f, c.mode, p, s, n)
    elif c.code == PYT_FLOAT64:
        _accumulate_row(<double>c.alpha_f, c.mode, p, s, n)
    elif c.code == PYT_INT64:
        _accumulate_row(<int64_t>c.alpha_i, c.mode, p, s, n)
    elif c.code == PYT_INT32:
        _accumulate_row(<int32_t>c.alpha_i, c.mode, p, s, n)
    elif c.code == PYT_INT16:
        _accumulate_row(<int16_t>c.alpha_i, c.mode, p, s, n)
    elif c.code == PYT_INT8:
        _accumulate_row(<int8_t>c.alpha_i, c.mode, p, s, n)
    elif c.code == PYT_UINT8:
        _accumulate_row(<uint8_t>c.alpha_i, c.mode, p, s, n)
    elif c.code == PYT_FLOAT16:
        _accumulate_row16(False, <float>c.alpha_f, c.mode, p, s, n)
    elif c.code == PYT_BFLOAT16:
        _accumulate_row16(True, <float>c.alpha_f, c.mode, p, s, n)
    else:
        _accumulate_row_bool(c.alpha_i != 0, c.mode, p, s, n)


# ----- masks -------------------------------------------------------------------------------

cdef inline void _masked_fill_row(word* kind, const char* value, char** p,
                                  const Py_ssize_t* s, Py_ssize_t n) noexcept nogil:
    # a select rather than a branch: random masks would defeat the branch predictor
    cdef Py_ssize_t i
    cdef word v = (<const word*>value)[0]
    cdef word* dst
    for i in range(n):
        dst = <word*>(p[0] + i * s[0])
        dst[0] = v if (<const uint8_t*>(p[1] + i * s[1]))[0] else dst[0]


cdef void masked_fill_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef Masked* c = <Masked*>ctx
    if c.itemsize == 1:
        _masked_fill_row(<uint8_t*>NULL, c.value, p, s, n)
    elif c.itemsize == 2:
        _masked_fill_row(<uint16_t*>NULL, c.value, p, s, n)
    elif c.itemsize == 4:
        _masked_fill_row(<uint32_t*>NULL, c.value, p, s, n)
    else:
        _masked_fill_row(<uint64_t*>NULL, c.value, p, s, n)


cdef void masked_select_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef Masked* c = <Masked*>ctx
    cdef Py_ssize_t i
    for i in range(n):
        if (<const uint8_t*>(p[1] + i * s[1]))[0]:
            memcpy(c.cursor, p[0] + i * s[0], c.itemsize)
            c.cursor += c.itemsize


cdef void masked_scatter_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef Masked* c = <Masked*>ctx
    cdef Py_ssize_t i
    for i in range(n):
        if (<const uint8_t*>(p[1] + i * s[1]))[0]:
            memcpy(p[0] + i * s[0], c.cursor, c.itemsize)
            c.cursor += c.itemsize


cdef inline word _nonzero_bits(word* kind, bint is_float) noexcept nogil:
    # the bits that make an element nonzero: all of them, or all but a float's sign
    cdef word all_bits = <word>(~(<word>0))
    if is_float:
        return <word>(all_bits >> 1)
    return all_bits


cdef inline Py_ssize_t _count_row(word* kind, bint is_float, const char* p, Py_ssize_t stride,
                                  Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i, count = 0
    cdef word bits = _nonzero_bits(kind, is_float)
    for i in range(n):
        count += ((<const word*>(p + i * stride))[0] & bits) != 0
    return count


cdef void count_nonzero_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef Masked* c = <Masked*>ctx
    if c.itemsize == 1:
        c.count += _count_row(<uint8_t*>NULL, c.is_float, p[0], s[0], n)
    elif c.itemsize == 2:
        c.count += _count_row(<uint16_t*>NULL, c.is_float, p[0], s[0], n)
    elif c.itemsize == 4:
        c.count += _count_row(<uint32_t*>NULL, c.is_float, p[0], s[0], n)
    else:
        c.count += _count_row(<uint64_t*>NULL, c.is_float, p[0], s[0], n)


cdef inline void _nonzero_fill(word* kind, bint is_float, const char* data, int ndim,
                               const Py_ssize_t* shape, const Py_ssize_t* strides,
                               int64_t* out, Py_ssize_t count) noexcept nogil:
    # an odometer over the coordinates; the innermost dim is scanned as a row
    cdef Py_ssize_t idx[64]
    cdef const char* row = data
    cdef Py_ssize_t j, found = 0
    cdef Py_ssize_t inner = shape[ndim - 1], inner_stride = strides[ndim - 1]
    cdef word bits = _nonzero_bits(kind, is_float)
    cdef int d
    for d in range(ndim):
        idx[d] = 0
    while found < count:
        for j in range(inner):
            if ((<const word*>(row + j * inner_stride))[0] & bits) != 0:
                for d in range(ndim - 1):
                    out[d] = idx[d]
                out[ndim - 1] = j
                out += ndim
                found += 1
        d = ndim - 2                 # next row, with carry
        while d >= 0:
            idx[d] += 1
            row += strides[d]
            if idx[d] < shape[d]:
                break
            row -= idx[d] * strides[d]
            idx[d] = 0
            d -= 1
        if d < 0:
            break


cdef void nonzero_coordinates(const char* data, int ndim, const Py_ssize_t* shape,
                              const Py_ssize_t* strides, int itemsize, bint is_float,
                              int64_t* out, Py_ssize_t count) noexcept nogil:
    if count == 0 or ndim == 0:
        return                       # a 0-d tensor has no coordinates to write
    if itemsize == 1:
        _nonzero_fill(<uint8_t*>NULL, is_float, data, ndim, shape, strides, out, count)
    elif itemsize == 2:
        _nonzero_fill(<uint16_t*>NULL, is_float, data, ndim, shape, strides, out, count)
    elif itemsize == 4:
        _nonzero_fill(<uint32_t*>NULL, is_float, data, ndim, shape, strides, out, count)
    else:
        _nonzero_fill(<uint64_t*>NULL, is_float, data, ndim, shape, strides, out, count)


# ----- where ---------------------------------------------------------------------------

cdef inline word _select(uint8_t condition, word x, word y) noexcept nogil:
    """x where condition else y, as bit masks: no branch to mispredict on a random
    condition (relu's backward), and a loop of these vectorises."""
    cdef word mask = <word>0 - <word>(condition != 0)
    return (x & mask) | (y & ~mask)


cdef inline void _where_row(word* kind, char** p, const Py_ssize_t* s, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef word* out = <word*>p[0]
    cdef const uint8_t* condition = <const uint8_t*>p[1]
    cdef const word* x = <const word*>p[2]
    cdef const word* y = <const word*>p[3]
    cdef word y0
    if s[0] == sizeof(word) and s[1] == 1 and s[2] == sizeof(word):
        if s[3] == 0:                      # where(mask, grad, 0): a scalar other side
            y0 = y[0]
            for i in range(n):
                out[i] = _select(condition[i], x[i], y0)
            return
        if s[3] == sizeof(word):
            for i in range(n):
                out[i] = _select(condition[i], x[i], y[i])
            return
    for i in range(n):
        (<word*>(p[0] + i * s[0]))[0] = _select((<const uint8_t*>(p[1] + i * s[1]))[0],
                                                (<const word*>(p[2] + i * s[2]))[0],
                                                (<const word*>(p[3] + i * s[3]))[0])


cdef void where_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil:
    cdef int itemsize = (<int*>ctx)[0]
    if itemsize == 1:
        _where_row(<uint8_t*>NULL, p, s, n)
    elif itemsize == 2:
        _where_row(<uint16_t*>NULL, p, s, n)
    elif itemsize == 4:
        _where_row(<uint32_t*>NULL, p, s, n)
    else:
        _where_row(<uint64_t*>NULL, p, s, n)
