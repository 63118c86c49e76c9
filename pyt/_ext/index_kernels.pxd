# Inner loops of the index ops (indexing.pxi drives them through pyt_loop.h).
#
# Every loop has pyt_loop's signature: ptrs[k] is operand k's first element in the row,
# strides[k] its byte stride along the row, n the row length, ctx the op's context.
# "Offsets" operands hold int64 byte offsets computed from index tensors by the offset
# loops, which validate every index before any data moves.
from libc.stdint cimport int64_t


cdef struct IndexOffsets:      # offsets (+)= index * stride, index checked against size
    Py_ssize_t size            # extent of the indexed dim
    Py_ssize_t stride          # its byte stride
    int index_itemsize         # 4 (int32 indices) or 8 (int64)
    bint wrap                  # accept -size <= i < 0 as Python does
    bint add                   # add to the offsets already there (later index tensors)
    int bad                    # raised when an index is out of range
    int64_t bad_value          # the bad index (the first one when run serially)


cdef struct LinearOffsets:     # take / put: a linear index into a strided tensor
    int ndim
    Py_ssize_t numel
    Py_ssize_t shape[64]       # PYT_MAX_DIMS
    Py_ssize_t strides[64]     # byte strides
    int bad
    int64_t bad_value


cdef enum:
    ACC_ADD = 0                # dst += alpha * src
    ACC_MULTIPLY = 1           # dst *= src


cdef struct Accumulate:
    int code                   # dtype code of dst and src
    int mode                   # ACC_ADD or ACC_MULTIPLY
    double alpha_f             # alpha for floating dtypes
    int64_t alpha_i            # alpha for integer and bool dtypes


cdef struct Masked:            # masked_fill / masked_select / masked_scatter, counting
    int itemsize
    bint is_float              # nonzero test: floats ignore the sign bit (-0.0 is zero)
    char value[8]              # masked_fill: the value's bytes
    char* cursor               # masked_select: next output; masked_scatter: next source
    Py_ssize_t count


# ptrs: [int64 offsets (out), index (int32/int64)]; ctx: IndexOffsets
cdef void index_offsets_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [int64 offsets (out), int64 linear index]; ctx: LinearOffsets
cdef void linear_offsets_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [dst, src, offsets]: dst = *(src + offset); ctx: int itemsize
cdef void gather_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [dst, src, offsets]: *(dst + offset) = src; ctx: int itemsize
cdef void scatter_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [dst, src, offsets]: *(dst + offset) (+)= alpha * src or *= src; ctx: Accumulate
cdef void accumulate_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [dst, bool mask]: dst = value where mask; ctx: Masked
cdef void masked_fill_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [src, bool mask]: appends src at cursor where mask (serial); ctx: Masked
cdef void masked_select_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [dst, bool mask]: dst = next source element where mask (serial); ctx: Masked
cdef void masked_scatter_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [src]: count += number of nonzero elements (serial); ctx: Masked
cdef void count_nonzero_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil
# ptrs: [dst, condition (bool/uint8), x, y]: dst = condition ? x : y; ctx: int itemsize
cdef void where_loop(char** p, const Py_ssize_t* s, Py_ssize_t n, void* ctx) noexcept nogil

# The coordinates of the nonzero elements of a strided array, row by row, into out
# (count rows of ndim int64 each, count from a count_nonzero_loop pass).
cdef void nonzero_coordinates(const char* data, int ndim, const Py_ssize_t* shape,
                              const Py_ssize_t* strides, int itemsize, bint is_float,
                              int64_t* out, Py_ssize_t count) noexcept nogil
