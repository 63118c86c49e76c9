# The Philox generator: pyt.Generator and the CPU kernels filling memory with
# random numbers. Public: other Cython modules cimport it.
from libc.stdint cimport int64_t, uint64_t


cdef class Generator:
    cdef readonly object device
    cdef uint64_t _seed
    cdef uint64_t _offset           # Philox blocks handed out since the seed was set
    cdef uint64_t reserve(self, uint64_t blocks)


cdef Generator get_generator(object generator)   # None -> the default generator
cdef Generator generator_for(object generator, object device)  # None -> device's default


# What a fill kernel draws. Each value comes out as double (int64 for INTEGER)
# and is stored with pyt's cast to the target dtype.
cdef enum RandomKind:
    UNIFORM        # a + (b - a) * U[0, 1), with the dtype's mantissa bits
    NORMAL         # a + b * N(0, 1)
    LOG_NORMAL     # exp(a + b * N(0, 1))
    EXPONENTIAL    # Exp(rate a)
    GEOMETRIC      # failures-until-success count >= 1, success probability a
    CAUCHY         # median a, scale b
    BERNOULLI      # 1 with probability a, else 0
    INTEGER        # low + [0, range), range 0 meaning 2^64
    POISSON        # Poisson(rate a)


cdef struct RandomSpec:
    RandomKind kind
    double a
    double b
    const double* a_each    # per-value a (n values), or NULL to use a everywhere
    const double* b_each    # per-value b, or NULL
    int64_t low             # INTEGER
    uint64_t range          # INTEGER


cdef uint64_t blocks_needed(const RandomSpec* spec, int code, Py_ssize_t n) noexcept nogil
cdef void fill(const RandomSpec* spec, char* out, int code, Py_ssize_t n,
               uint64_t seed, uint64_t first_block) noexcept nogil
cdef void randperm_fill(int64_t* out, Py_ssize_t n, uint64_t seed,
                        uint64_t first_block) noexcept nogil
cdef int multinomial_fill(const double* probs, Py_ssize_t rows, Py_ssize_t categories,
                          int64_t* out, Py_ssize_t samples, bint replacement,
                          uint64_t seed, uint64_t first_block) except -1
