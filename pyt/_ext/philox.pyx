# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The Philox generator: pyt.Generator and the CPU kernels that fill memory with
random numbers.

A generator is just (seed, offset): Philox4x32-10 is counter based, so value i
of a call is a pure function of the seed, the call's first block and i (the
stream layout is described in include/pyt_philox.h). Kernels therefore split
their work over any number of threads, or GPU lanes, without changing a single
value; the same seed gives the same numbers for every thread count.

Kernels take raw pointers, write n contiguous values of any dtype, and never
touch Python objects; the ops in tensor's random.pxi check arguments, reserve
blocks from a Generator and call them."""
import os
import struct

import numpy as np

from libc.stdint cimport uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, free, qsort
from libc.math cimport log, log1p, exp, tan, ceil, floor, sqrt, fabs
from cython.parallel cimport prange, threadid
from pyt._ext.parallel cimport num_threads
from pyt._ext.dtypes cimport (PYT_FLOAT16, PYT_BFLOAT16, PYT_FLOAT32, PYT_FLOAT64,
                              PYT_INT64, PYT_NUM_DTYPES)

cdef extern from "pyt_philox.h":
    void pyt_philox4x32_10_raw(const uint32_t* ctr, const uint32_t* key,
                               uint32_t* out) noexcept nogil
    void pyt_philox_block(uint64_t seed, uint64_t block, uint64_t draw,
                          uint32_t* out) noexcept nogil
    uint64_t pyt_rng_u64(uint32_t lo, uint32_t hi) noexcept nogil
    double pyt_rng_uniform_bits(uint32_t w, int digits) noexcept nogil
    double pyt_rng_uniform53(uint64_t r) noexcept nogil
    double pyt_rng_open01(uint64_t r) noexcept nogil
    double pyt_rng_log(double x) noexcept nogil
    uint64_t pyt_rng_below(uint64_t r, uint64_t range) noexcept nogil
    void pyt_rng_normal_pair(uint64_t r0, uint64_t r1, double* z0, double* z1) noexcept nogil

cdef extern from "pyt_loop.h":
    enum:
        PYT_GRAIN_SIZE
    ctypedef void (*pyt_inner_loop)(char** ptrs, const Py_ssize_t* strides,
                                    Py_ssize_t n, void* ctx) noexcept nogil

cdef extern from "pyt_cast.h":
    const pyt_inner_loop pyt_cast_table[PYT_NUM_DTYPES][PYT_NUM_DTYPES]

cdef extern from *:
    """
    static const int pyt_rng_itemsize[] = {1, 1, 1, 2, 4, 8, 2, 2, 4, 8};
    """
    const int* pyt_rng_itemsize


cdef enum:
    CHUNK = 256        # values made in a stack buffer, then cast into the output at once
    # Philox costs about ten times a copy per value, so threads pay off on far
    # smaller inputs than the copy kernels' grain.
    RANDOM_GRAIN = PYT_GRAIN_SIZE // 4

# torch's default seed, so that a fresh Generator() reports the familiar initial_seed()
cdef uint64_t DEFAULT_SEED = 67280421310721ULL
cdef double PI = 3.14159265358979323846


# ----- the generator ------------------------------------------------------------------

cdef class Generator:
    """A Philox4x32-10 random number generator (``torch.Generator``).

    Its state is the seed and the number of 128-bit Philox blocks used since the seed
    was set; get_state() / set_state() exchange them as a 16-byte ByteTensor."""

    def __init__(self, device="cpu"):
        from pyt._ext.device import device as _device
        dev = _device(device)
        if dev.type != "cpu":
            raise RuntimeError("pyt was built without CUDA support, or no CUDA device is available")
        self.device = dev
        self._seed = DEFAULT_SEED
        self._offset = 0

    def manual_seed(self, seed):
        """Sets the seed (any int in [-2**63, 2**64); negatives wrap) and restarts the stream."""
        self._seed = _seed_value(seed)
        self._offset = 0
        return self

    def seed(self):
        """Seeds from the operating system's entropy and returns the new seed."""
        cdef uint64_t s = int.from_bytes(os.urandom(8), "little")
        self._seed = s
        self._offset = 0
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a ByteTensor: seed and offset, 8 little-endian bytes each."""
        from pyt._ext.tensor import from_numpy
        raw = struct.pack("<QQ", self._seed, self._offset)
        return from_numpy(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        from pyt._ext.tensor import Tensor
        from pyt._ext.dtypes import uint8
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a pyt.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not uint8:
            raise TypeError("RNG state must be a pyt.ByteTensor")
        if new_state.numel() != 16:
            raise RuntimeError(f"Expected a Philox generator state of size 16 but found the "
                               f"input RNG state size to be {new_state.numel()}")
        self._seed, self._offset = struct.unpack("<QQ", new_state.numpy().tobytes())
        return self

    def __reduce__(self):
        return (_rebuild_generator, (str(self.device), self._seed, self._offset))

    cdef uint64_t reserve(self, uint64_t blocks):
        """The first of `blocks` fresh blocks; the offset moves past them. Called with
        the GIL held, so concurrent Python threads never get the same blocks."""
        cdef uint64_t first = self._offset
        self._offset += blocks
        return first


def _rebuild_generator(device, seed, offset):
    cdef Generator g = Generator(device)
    g._seed = seed
    g._offset = offset
    return g


cdef uint64_t _seed_value(object seed) except? 0:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if seed < -2**63 or seed >= 2**64:
        raise ValueError("Overflow when unpacking long long")
    return <uint64_t>(seed % 2**64)


# The default generator: seeded from the OS at import, as torch's is.
cdef Generator _default = Generator()
_default.seed()
default_generator = _default


cdef Generator get_generator(object generator):
    if generator is None:
        return _default
    if isinstance(generator, Generator):
        return <Generator>generator
    raise TypeError(f"expected a pyt.Generator as 'generator', but got {type(generator).__name__}")


# TEMPORARY (cu-core): the per-device CUDA default generators are cu-runtime's; this
# minimal version of the declared contract lets the core compile until that lands.
cdef dict _cuda_defaults = {}


cdef Generator generator_for(object generator, object device):
    """The generator an op on device draws from: generator when given, else the default
    generator of device (the CPU's, or cuda:i's own)."""
    cdef Generator g
    if generator is not None or device is None or device.type == "cpu":
        return get_generator(generator)
    g = _cuda_defaults.get(device.index)
    if g is None:
        g = Generator.__new__(Generator)
        g.device = device
        g._seed = DEFAULT_SEED
        g._offset = 0
        _cuda_defaults[device.index] = g
    return g


def _philox4x32_10(ctr, key):
    """The raw Philox4x32-10 bijection (for known-answer tests)."""
    cdef uint32_t c[4]
    cdef uint32_t k[2]
    cdef uint32_t out[4]
    cdef int i
    for i in range(4):
        c[i] = ctr[i]
    for i in range(2):
        k[i] = key[i]
    pyt_philox4x32_10_raw(c, k, out)
    return (out[0], out[1], out[2], out[3])


def _normal_pair(uint64_t r0, uint64_t r1):
    """The two normals Box-Muller makes of 128 random bits (for accuracy tests)."""
    cdef double z0, z1
    pyt_rng_normal_pair(r0, r1, &z0, &z1)
    return z0, z1


# ----- filling memory -------------------------------------------------------------------

cdef inline int _mantissa_digits(int code) noexcept nogil:
    if code == PYT_FLOAT16:
        return 11
    if code == PYT_BFLOAT16:
        return 8
    if code == PYT_FLOAT32:
        return 24
    return 53


cdef inline int _values_per_block(RandomKind kind, int code) noexcept nogil:
    """How many values one 128-bit block gives: a uniform of <= 24 bits takes 32 bits,
    a Poisson value counts its own draws, everything else takes 64 bits."""
    if kind == UNIFORM and _mantissa_digits(code) <= 24:
        return 4
    if kind == POISSON:
        return 1
    return 2


cdef uint64_t blocks_needed(const RandomSpec* spec, int code, Py_ssize_t n) noexcept nogil:
    cdef uint64_t per = _values_per_block(spec.kind, code)
    return (<uint64_t>n + per - 1) // per


cdef void fill(const RandomSpec* spec, char* out, int code, Py_ssize_t n,
               uint64_t seed, uint64_t first_block) noexcept nogil:
    """Writes n values of dtype `code` at out (contiguous), value i from block
    first_block + i // per_block: the split over threads cannot change them."""
    cdef Py_ssize_t chunks = (n + CHUNK - 1) // CHUNK, c
    cdef int nthreads = num_threads()
    if nthreads > 1 and n >= RANDOM_GRAIN:
        if nthreads > n // (RANDOM_GRAIN // 2):
            nthreads = <int>(n // (RANDOM_GRAIN // 2))
        for c in prange(chunks, num_threads=nthreads, schedule="static"):
            _fill_chunk(spec, out, code, c * CHUNK, n if (c + 1) * CHUNK > n else (c + 1) * CHUNK,
                        seed, first_block)
    else:
        # a forked child has one thread and must not enter OpenMP at all
        for c in range(chunks):
            _fill_chunk(spec, out, code, c * CHUNK, n if (c + 1) * CHUNK > n else (c + 1) * CHUNK,
                        seed, first_block)


cdef void _fill_chunk(const RandomSpec* s, char* out, int code, Py_ssize_t begin,
                      Py_ssize_t end, uint64_t seed, uint64_t first_block) noexcept nogil:
    """Values [begin, end) (at most CHUNK; begin a multiple of CHUNK, so every block
    starts at slot 0). The standard variate of each kind goes to a buffer, the
    distribution's parameters are applied in a second pass, and one cast stores it."""
    cdef double values[CHUNK + 4]      # + 4: a last block may spill past end
    cdef int64_t ints[CHUNK + 2]
    cdef uint32_t w[4]
    cdef Py_ssize_t m = end - begin, j
    cdef int per = _values_per_block(s.kind, code), digits = _mantissa_digits(code)
    cdef uint64_t block = first_block + <uint64_t>(begin // per)
    cdef uint64_t low = <uint64_t>s.low
    cdef double a = s.a, b = s.b, log_q
    cdef char* ptrs[2]
    cdef Py_ssize_t strides[2]
    ptrs[0] = out + begin * pyt_rng_itemsize[code]
    strides[0] = pyt_rng_itemsize[code]
    strides[1] = 8

    if s.kind == INTEGER:
        for j in range(0, m, 2):
            pyt_philox_block(seed, block + <uint64_t>(j // 2), 0, w)
            ints[j] = <int64_t>(low + pyt_rng_below(pyt_rng_u64(w[0], w[1]), s.range))
            ints[j + 1] = <int64_t>(low + pyt_rng_below(pyt_rng_u64(w[2], w[3]), s.range))
        ptrs[1] = <char*>ints
        pyt_cast_table[code][PYT_INT64](ptrs, strides, m, NULL)
        return

    # 1. the standard variate
    if s.kind == POISSON:
        for j in range(m):
            values[j] = _poisson(s.a_each[begin + j] if s.a_each != NULL else a,
                                 seed, block + <uint64_t>j)
    elif per == 4:                                      # narrow uniforms
        for j in range(0, m, 4):
            pyt_philox_block(seed, block + <uint64_t>(j // 4), 0, w)
            values[j] = pyt_rng_uniform_bits(w[0], digits)
            values[j + 1] = pyt_rng_uniform_bits(w[1], digits)
            values[j + 2] = pyt_rng_uniform_bits(w[2], digits)
            values[j + 3] = pyt_rng_uniform_bits(w[3], digits)
    elif s.kind == NORMAL or s.kind == LOG_NORMAL:
        for j in range(0, m, 2):
            pyt_philox_block(seed, block + <uint64_t>(j // 2), 0, w)
            pyt_rng_normal_pair(pyt_rng_u64(w[0], w[1]), pyt_rng_u64(w[2], w[3]),
                                &values[j], &values[j + 1])
    elif s.kind == UNIFORM or s.kind == BERNOULLI:      # [0, 1), 53 bits
        for j in range(0, m, 2):
            pyt_philox_block(seed, block + <uint64_t>(j // 2), 0, w)
            values[j] = pyt_rng_uniform53(pyt_rng_u64(w[0], w[1]))
            values[j + 1] = pyt_rng_uniform53(pyt_rng_u64(w[2], w[3]))
    else:                                               # (0, 1) for log and tan
        for j in range(0, m, 2):
            pyt_philox_block(seed, block + <uint64_t>(j // 2), 0, w)
            values[j] = pyt_rng_open01(pyt_rng_u64(w[0], w[1]))
            values[j + 1] = pyt_rng_open01(pyt_rng_u64(w[2], w[3]))

    # 2. the distribution's parameters (per value when given as arrays)
    if s.kind == UNIFORM:
        for j in range(m):
            values[j] = a + (b - a) * values[j]
    elif s.kind == NORMAL or s.kind == LOG_NORMAL:
        for j in range(m):
            if s.a_each != NULL:
                a = s.a_each[begin + j]
            if s.b_each != NULL:
                b = s.b_each[begin + j]
            values[j] = a + b * values[j]
            if s.kind == LOG_NORMAL:
                values[j] = exp(values[j])
    elif s.kind == BERNOULLI:
        for j in range(m):
            if s.a_each != NULL:
                a = s.a_each[begin + j]
            values[j] = 1.0 if values[j] < a else 0.0
    elif s.kind == EXPONENTIAL:
        for j in range(m):
            values[j] = -pyt_rng_log(values[j]) / a
    elif s.kind == GEOMETRIC:
        # the number of trials up to the first success: ceil(log U / log(1 - p)) >= 1
        log_q = log1p(-a)
        for j in range(m):
            values[j] = ceil(pyt_rng_log(values[j]) / log_q)
    elif s.kind == CAUCHY:
        for j in range(m):
            values[j] = a + b * tan(PI * (values[j] - 0.5))

    ptrs[1] = <char*>values
    pyt_cast_table[code][PYT_FLOAT64](ptrs, strides, m, NULL)


# ----- Poisson: a varying number of draws per value ----------------------------------------

cdef struct Draws:
    uint64_t seed, block, draw
    uint32_t w[4]
    int left                     # 64-bit halves of w not used yet


cdef inline double _next_open01(Draws* d) noexcept nogil:
    if d.left == 0:
        pyt_philox_block(d.seed, d.block, d.draw, d.w)
        d.draw += 1
        d.left = 2
    d.left -= 1
    if d.left == 1:
        return pyt_rng_open01(pyt_rng_u64(d.w[0], d.w[1]))
    return pyt_rng_open01(pyt_rng_u64(d.w[2], d.w[3]))


cdef double _log_factorial(double k) noexcept nogil:
    """log(k!) for a whole k >= 0: exact products while they fit, then Stirling's series
    for log Gamma(k + 1) (its error is below 1e-13 from x = 16 on)."""
    cdef double x, p = 1.0, i
    if k < 16:
        i = 2
        while i <= k:
            p *= i
            i += 1
        return log(p)
    x = k + 1
    return ((x - 0.5) * log(x) - x + 0.91893853320467274178
            + 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x * x) + 1.0 / (1260.0 * x * x * x * x * x))


cdef double _poisson(double rate, uint64_t seed, uint64_t block) noexcept nogil:
    """One Poisson(rate) value from the draws of one block. Small rates multiply
    uniforms until the product falls below exp(-rate) (Knuth); large ones use
    Hormann's transformed rejection with squeeze (PTRS, 1993), O(1) draws."""
    cdef Draws d
    cdef double limit, product, slam, log_rate, b_, a_, inv_alpha, v_r, u, v, us, k
    d.seed = seed
    d.block = block
    d.draw = 0
    d.left = 0
    if rate <= 0:
        return 0
    if rate < 10:
        limit = exp(-rate)
        product = _next_open01(&d)
        k = 0
        while product > limit:
            product *= _next_open01(&d)
            k += 1
        return k
    slam = sqrt(rate)
    log_rate = log(rate)
    b_ = 0.931 + 2.53 * slam
    a_ = -0.059 + 0.02483 * b_
    inv_alpha = 1.1239 + 1.1328 / (b_ - 3.4)
    v_r = 0.9277 - 3.6224 / (b_ - 2)
    while True:
        u = _next_open01(&d) - 0.5
        v = _next_open01(&d)
        us = 0.5 - fabs(u)
        k = floor((2 * a_ / us + b_) * u + rate + 0.43)
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (log(v) + log(inv_alpha) - log(a_ / (us * us) + b_)
                <= -rate + k * log_rate - _log_factorial(k)):
            return k


# ----- permutations and categorical draws --------------------------------------------------

cdef void randperm_fill(int64_t* out, Py_ssize_t n, uint64_t seed,
                        uint64_t first_block) noexcept nogil:
    """A uniform permutation of 0..n-1 (Fisher-Yates, serial: each swap depends on
    the last). Step t draws 64 bits from block first_block + t // 2: (n - 1) / 2
    blocks, rounded up."""
    cdef Py_ssize_t i, j, step = 0
    cdef int64_t tmp
    cdef uint32_t w[4]
    cdef uint64_t r, spare = 0
    for i in range(n):
        out[i] = i
    i = n - 1
    while i > 0:
        if step % 2 == 0:
            pyt_philox_block(seed, first_block + <uint64_t>(step // 2), 0, w)
            r = pyt_rng_u64(w[0], w[1])
            spare = pyt_rng_u64(w[2], w[3])
        else:
            r = spare
        j = <Py_ssize_t>pyt_rng_below(r, <uint64_t>(i + 1))
        tmp = out[i]
        out[i] = out[j]
        out[j] = tmp
        step += 1
        i -= 1


cdef struct Keyed:
    double key
    int64_t index


cdef int _by_key_descending(const void* x, const void* y) noexcept nogil:
    cdef const Keyed* p = <const Keyed*>x
    cdef const Keyed* q = <const Keyed*>y
    if p.key != q.key:
        return -1 if p.key > q.key else 1
    return -1 if p.index < q.index else (1 if p.index > q.index else 0)


cdef inline uint64_t _bits_at(uint64_t seed, uint64_t first_block, uint64_t i) noexcept nogil:
    """The 64 bits of value i of a two-per-block stream."""
    cdef uint32_t w[4]
    pyt_philox_block(seed, first_block + i // 2, 0, w)
    return pyt_rng_u64(w[0], w[1]) if i % 2 == 0 else pyt_rng_u64(w[2], w[3])


cdef void _multinomial_row(const double* p, Py_ssize_t categories, int64_t* out,
                           Py_ssize_t samples, bint replacement, Keyed* scratch,
                           uint64_t seed, uint64_t first_block, uint64_t first_value) noexcept nogil:
    """Draws one row. With replacement: inverse CDF by binary search, value
    first_value + s for sample s. Without: the `samples` largest p_j / E_j with
    E_j ~ Exp(1) (value first_value + j), which picks categories in the order
    successive draws without replacement would."""
    cdef Py_ssize_t j, s, lo, hi, last_positive = 0
    cdef double total = 0, x
    if replacement:
        for j in range(categories):
            total += p[j]
            scratch[j].key = total
            if p[j] > 0:
                last_positive = j
        for s in range(samples):
            x = pyt_rng_uniform53(_bits_at(seed, first_block, first_value + <uint64_t>s)) * total
            lo = 0
            hi = categories            # the first j whose cumulative sum exceeds x
            while lo < hi:
                j = (lo + hi) // 2
                if scratch[j].key > x:
                    hi = j
                else:
                    lo = j + 1
            out[s] = lo if lo < categories else last_positive   # x rounded up to total
    else:
        for j in range(categories):
            scratch[j].key = p[j] / -pyt_rng_log(pyt_rng_open01(
                _bits_at(seed, first_block, first_value + <uint64_t>j)))
            scratch[j].index = j
        if samples == 1:                # the common case needs only the largest key
            lo = 0
            for j in range(1, categories):
                if scratch[j].key > scratch[lo].key:
                    lo = j
            out[0] = lo
            return
        qsort(scratch, categories, sizeof(Keyed), _by_key_descending)
        for s in range(samples):
            out[s] = scratch[s].index


cdef int multinomial_fill(const double* probs, Py_ssize_t rows, Py_ssize_t categories,
                          int64_t* out, Py_ssize_t samples, bint replacement,
                          uint64_t seed, uint64_t first_block) except -1:
    """Samples for each row of a (rows, categories) matrix of valid weights into a
    (rows, samples) int64 matrix. Rows are independent: threads split them.
    Uses ceil(rows * per_row / 2) blocks, per_row = samples with replacement,
    categories without."""
    cdef Py_ssize_t r, per_row = samples if replacement else categories
    cdef int nthreads = num_threads()
    if nthreads > rows:
        nthreads = <int>rows
    if nthreads < 1 or rows * categories < RANDOM_GRAIN:
        nthreads = 1
    cdef Keyed* scratch = <Keyed*>malloc(nthreads * categories * sizeof(Keyed) + 1)
    if scratch == NULL:
        raise MemoryError()
    with nogil:
        if nthreads > 1:
            for r in prange(rows, num_threads=nthreads, schedule="static"):
                _multinomial_row(probs + r * categories, categories, out + r * samples,
                                 samples, replacement, scratch + threadid() * categories,
                                 seed, first_block, <uint64_t>(r * per_row))
        else:
            for r in range(rows):
                _multinomial_row(probs + r * categories, categories, out + r * samples,
                                 samples, replacement, scratch, seed, first_block,
                                 <uint64_t>(r * per_row))
    free(scratch)
    return 0
