# Random tensors: rand, randn, randint, randperm, normal, bernoulli, multinomial,
# poisson and the in-place samplers (uniform_, normal_, random_, ...).
#
# Every op checks its arguments first (torch's messages), then reserves Philox
# blocks from a Generator and lets a kernel of philox.pyx write the values. An
# op that has reserved blocks never fails, so an error leaves the generator as
# it was. Non-contiguous targets are filled through a contiguous temporary, so
# the values depend only on the seed and the logical shape.
from pyt._ext.philox cimport (Generator, get_generator, generator_for, RandomSpec, RandomKind,
    blocks_needed,
    fill, randperm_fill, multinomial_fill, UNIFORM, NORMAL, LOG_NORMAL, EXPONENTIAL,
    GEOMETRIC, CAUCHY, BERNOULLI, INTEGER, POISSON)
from libc.stdint cimport uint64_t
from libc.math cimport INFINITY
import warnings as _warnings

# the largest finite value and the mantissa digits of each floating dtype
cdef dict _FLOAT_LIMITS = {PYT_FLOAT16: (65504.0, 11), PYT_BFLOAT16: (3.3895313892515355e38, 8),
                           PYT_FLOAT32: (3.4028234663852886e38, 24),
                           PYT_FLOAT64: (1.7976931348623157e308, 53)}
cdef dict _INT_LIMITS = {PYT_BOOL: (0, 1), PYT_UINT8: (0, 255), PYT_INT8: (-128, 127),
                         PYT_INT16: (-2**15, 2**15 - 1), PYT_INT32: (-2**31, 2**31 - 1),
                         PYT_INT64: (-2**63, 2**63 - 1)}


cdef object _MISSING = object()


cdef str _fmt(double x):
    """A double as C++ streams print it (torch's messages): 1 not 1.0, 1e+20, nan."""
    return "%g" % x


cdef int _require_floating(Tensor t, str kernel) except -1:
    if not t._dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{scalar_type_name(t._dtype.code)}'")
    return 0


cdef int _require_continuous(Tensor t, str distribution) except -1:
    if not t._dtype.is_floating_point:
        raise RuntimeError(f"{distribution} distribution is a continuous probability "
                           f"distribution. dtype must be a floating point but you specified "
                           f"{scalar_type_name(t._dtype.code)}")
    return 0


cdef double _float_arg(object value, str fname, str argname, int position) except? -1:
    if isinstance(value, (str, bytes)) or not (isinstance(value, (int, float, Tensor))
                                               or hasattr(value, "__float__")):
        raise TypeError(f"{fname}(): argument '{argname}' (position {position}) must be float, "
                        f"not {type(value).__name__}")
    return float(value)


cdef object _rng_int_arg(object value, str fname, str argname):
    """A Python int from an int-like argument (ints, NumPy ints, one-element int tensors)."""
    if isinstance(value, int):
        result = value
    elif isinstance(value, float) or not hasattr(value, "__index__"):
        raise TypeError(f"{fname}(): argument '{argname}' must be int, not {type(value).__name__}")
    else:
        result = value.__index__()
    if result < -2**63 or result >= 2**63:
        raise ValueError("Overflow when unpacking long long")
    return result


cdef Tensor _float64_copy(Tensor src, int ndim, const Py_ssize_t* shape):
    """src broadcast to shape as a new contiguous float64 tensor (per-value parameters)."""
    cdef Tensor out = new_empty(ndim, shape, _float64, _cpu, False)
    copy_into(out, src)
    return out


cdef int _check_writable(Tensor self) except -1:
    if _has_internal_overlap(self):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    return 0


cdef Tensor _fill_random(Tensor self, RandomSpec* spec, object generator, str name=None,
                         object param=None):
    """Fills self in place with values drawn as spec says; returns self. Any per-value
    parameter arrays in spec hold self's numel values in logical order. The in-place
    samplers name their node (and bernoulli_ its tensor p): recorded, self's new values
    give zero gradient to its old ones and to p, as torch's."""
    cdef Generator g = _generator_of(generator, self)
    cdef Tensor target = self
    cdef int code = self._dtype.code
    cdef Py_ssize_t n = self._numel
    cdef uint64_t first
    cdef bint record = (name is not None and self._dtype.is_floating_point and
                        _wants_grad((self, param)))
    cdef Node node
    if record:
        _check_inplace_allowed(self)
    _check_writable(self)
    if record:
        inputs = (param,) if param is not None else ()
        node = _record_inplace(name, _zero_backward, self, inputs)
        node.ctx = (_zero_meta(self),) + tuple([_zero_meta(x) for x in inputs])
    if n == 0:
        return self
    if not is_contiguous(self):
        target = new_empty(self._ndim, self._shape, self._dtype, self._device, False)
    first = g.reserve(blocks_needed(spec, code, n))
    if self._device is _cpu:
        with nogil:
            fill(spec, target._data, code, n, g._seed, first)
    else:
        _fill_random_cuda(spec, target, g._seed, first)
    if target is not self:
        copy_into(self, target)
    self._storage.version += 1
    return self


cdef Generator _generator_of(object generator, Tensor t):
    """The generator a draw into t uses: generator, or the default one of t's device."""
    if generator is not None and t._device is not _cpu and isinstance(generator, Generator) \
            and (<Generator>generator).device.type != "cuda":
        raise RuntimeError(f"Expected a 'cuda' device type for generator but found "
                           f"'{(<Generator>generator).device.type}'")
    return generator_for(generator, t._device)


cdef int _fill_random_cuda(RandomSpec* spec, Tensor target, uint64_t seed,
                           uint64_t first) except -1:
    """The CUDA twin of philox.fill into contiguous target: the same values as the CPU's
    for the same (seed, first). Kinds without a GPU kernel draw on the CPU and copy."""
    cdef pyt_cuda_random_spec cs
    cdef Tensor a_dev = None, b_dev = None, host
    cdef Py_ssize_t n = target._numel
    cdef int rc
    cs.kind = <int>spec.kind
    cs.a = spec.a
    cs.b = spec.b
    cs.low = spec.low
    cs.range = spec.range
    cs.a_each = NULL
    cs.b_each = NULL
    if spec.a_each != NULL:                 # the per-value parameters go to the device
        a_dev = new_empty(1, &n, _float64, target._device, False)
        _memcpy_checked(a_dev._data, <const char*>spec.a_each, n * 8, PYT_CUDA_H2D, False)
        cs.a_each = <const double*>a_dev._data
    if spec.b_each != NULL:
        b_dev = new_empty(1, &n, _float64, target._device, False)
        _memcpy_checked(b_dev._data, <const char*>spec.b_each, n * 8, PYT_CUDA_H2D, False)
        cs.b_each = <const double*>b_dev._data
    with nogil:
        rc = pyt_cuda_random_fill(&cs, target._data, target._dtype.code, n, seed, first)
    if rc != PYT_CUDA_ERR_UNSUPPORTED:
        return cuda_check(rc, "random")
    host = new_empty(target._ndim, target._shape, target._dtype, _cpu, False)
    with nogil:
        fill(spec, host._data, target._dtype.code, n, seed, first)
    return _cuda_copy_into(target, host, False)


cdef RandomSpec _spec(RandomKind kind, double a, double b):
    cdef RandomSpec spec
    spec.kind = kind
    spec.a = a
    spec.b = b
    spec.a_each = NULL
    spec.b_each = NULL
    spec.low = 0
    spec.range = 0
    return spec


# ----- in-place samplers (Tensor methods) -------------------------------------------------

cdef _uniform_(Tensor self, from_, to, generator):
    _require_floating(self, "check_uniform_bounds")
    cdef double lo = _float_arg(from_, "uniform_", "from", 1)
    cdef double hi = _float_arg(to, "uniform_", "to", 2)
    cdef double limit = _FLOAT_LIMITS[self._dtype.code][0]
    cdef str ctype = cpp_type_name(self._dtype.code)
    if not (-limit <= lo <= limit):
        raise RuntimeError(f"from is out of bounds for {ctype}")
    if not (-limit <= hi <= limit):
        raise RuntimeError(f"to is out of bounds for {ctype}")
    if lo > hi:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_fmt(lo)} > to={_fmt(hi)}")
    if hi - lo > limit:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<"
                           f"{scalar_type_name(self._dtype.code)}>::max(), but found "
                           f"to={_fmt(hi)} and from={_fmt(lo)} which result in to-from to "
                           f"exceed the limit")
    cdef RandomSpec spec = _spec(UNIFORM, lo, hi)
    return _fill_random(self, &spec, generator, "UniformBackward0")


cdef _normal_(Tensor self, mean, std, generator):
    _require_floating(self, "normal_kernel_cpu")
    cdef double m = _float_arg(mean, "normal_", "mean", 1)
    cdef double s = _float_arg(std, "normal_", "std", 2)
    if not s >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(s)}")
    cdef RandomSpec spec = _spec(NORMAL, m, s)
    return _fill_random(self, &spec, generator, "NormalBackward0")


cdef _log_normal_(Tensor self, mean, std, generator):
    _require_floating(self, "log_normal_cpu")
    cdef double m = _float_arg(mean, "log_normal_", "mean", 1)
    cdef double s = _float_arg(std, "log_normal_", "std", 2)
    if not s > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(s)}")
    cdef RandomSpec spec = _spec(LOG_NORMAL, m, s)
    return _fill_random(self, &spec, generator, "LogNormalBackward0")


cdef _exponential_(Tensor self, lambd, generator):
    _require_continuous(self, "Exponential")
    cdef double rate = _float_arg(lambd, "exponential_", "lambd", 1)
    if not rate > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(rate)}")
    cdef RandomSpec spec = _spec(EXPONENTIAL, rate, 0)
    return _fill_random(self, &spec, generator, "ExponentialBackward0")


cdef _geometric_(Tensor self, p, generator):
    if self._dtype.code == PYT_BOOL:
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    cdef double q = _float_arg(p, "geometric_", "p", 1)
    if not (0 < q < 1):
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(q)}")
    cdef RandomSpec spec = _spec(GEOMETRIC, q, 0)
    return _fill_random(self, &spec, generator, "GeometricBackward0")


cdef _cauchy_(Tensor self, median, sigma, generator):
    _require_continuous(self, "Cauchy")
    cdef double m = _float_arg(median, "cauchy_", "median", 1)
    cdef double s = _float_arg(sigma, "cauchy_", "sigma", 2)
    if not s > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(s)}")
    cdef RandomSpec spec = _spec(CAUCHY, m, s)
    return _fill_random(self, &spec, generator, "CauchyBackward0")


cdef _bernoulli_(Tensor self, p, generator):
    cdef RandomSpec spec
    cdef Tensor probs
    cdef double q
    cdef Py_ssize_t i
    if isinstance(p, Tensor):
        probs = p
        _require_floating(probs, "bernoulli_tensor_cpu_p_")
        probs = _float64_copy(expand(probs, self.size()), self._ndim, self._shape)
        for i in range(probs._numel):
            q = (<double*>probs._data)[i]
            if not (0 <= q <= 1):
                raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        spec = _spec(BERNOULLI, 0, 0)
        spec.a_each = <double*>probs._data
        return _fill_random(self, &spec, generator, "BernoulliBackward1", p)
    if isinstance(p, (str, bytes)) or not hasattr(p, "__float__"):
        raise TypeError(f"bernoulli_(): argument 'p' must be float or Tensor, not "
                        f"{type(p).__name__}")
    q = float(p)
    if not (0 <= q <= 1):
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(q)}")
    spec = _spec(BERNOULLI, q, 0)
    return _fill_random(self, &spec, generator, "BernoulliBackward2")


cdef _random_(Tensor self, tuple args, dict kwargs, generator):
    """random_(), random_(to), random_(from, to), random_(from, None); keywords
    `from` and `to` as torch's."""
    cdef object missing = _MISSING
    from_ = kwargs.pop("from", missing)
    to = kwargs.pop("to", missing)
    if kwargs:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(args) > 2:
        raise TypeError(f"random_() takes 2 positional arguments but {len(args)} were given")
    if len(args) == 2:
        if from_ is not missing or to is not missing:
            raise TypeError("random_() got multiple values for argument 'from' or 'to'")
        from_, to = args
    elif len(args) == 1:
        if to is not missing:
            from_ = args[0]
        else:
            to = args[0]
    if from_ is missing and to is missing:
        return _random_range(self, None, None, True, generator, "RandomBackward2")
    name = "RandomBackward1" if from_ is missing else "RandomBackward0"
    if from_ is missing:
        from_ = 0
    if to is missing:
        to = None
    return _random_range(self, from_, to, False, generator, name)


cdef int _check_random_bound(Tensor self, object value, str name) except -1:
    """torch's range checks of random_'s ends: an error outside the dtype, a warning
    for floats past the last integer they hold exactly."""
    cdef int code = self._dtype.code
    cdef str ctype = cpp_type_name(code)
    if code in _INT_LIMITS:
        lo, hi = _INT_LIMITS[code]
        if not (lo <= value <= hi):
            raise RuntimeError(f"{name} is out of bounds for {ctype}")
        return 0
    limit, digits = _FLOAT_LIMITS[code]
    if not (-limit <= value <= limit):
        raise RuntimeError(f"{name} is out of bounds for {ctype}")
    if not (-2**digits <= value <= 2**digits):
        _warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision "
                       f"limitations {ctype} can support discrete uniform distribution only "
                       f"within this range. This warning will become an error in version 1.7 "
                       f"release, please fix the code in advance", UserWarning, stacklevel=3)
    return 0


cdef Tensor _random_range(Tensor self, object from_, object to, bint full, object generator,
                          str name):
    """Integers in [from_, to) stored as self's dtype; to None: up to the dtype's largest
    integer (inclusive); full: from 0 to that largest integer."""
    cdef int code = self._dtype.code
    cdef RandomSpec spec
    # the largest integer the dtype holds, and below which every integer is exact
    top = _INT_LIMITS[code][1] if code in _INT_LIMITS else 2**_FLOAT_LIMITS[code][1]
    if full:
        low, count = 0, top + 1
    else:
        low = _rng_int_arg(from_, "random_", "from")
        if to is None:
            # (torch asks floats for from < to_inc, strictly, and checks that first)
            if code not in _INT_LIMITS and not low < top:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or "
                                   f"equal to 'to_inc' casted to dtype, but got from={low} > "
                                   f"to_inc={top}")
            _check_random_bound(self, low, "from")
            count = top - low + 1
        else:
            high = _rng_int_arg(to, "random_", "to")
            if low >= high:
                raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                                   f"from={low} >= to={high}")
            _check_random_bound(self, low, "from")
            _check_random_bound(self, high - 1, "to - 1")
            count = high - low
    spec = _spec(INTEGER, 0, 0)
    spec.low = low
    spec.range = count % 2**64          # 2^64 (all of int64) is written as 0
    return _fill_random(self, &spec, generator, name)


# ----- creation -----------------------------------------------------------------------

cdef Tensor _random_output(tuple size, object dt, DType default, object out, object dev,
                           str fname):
    """The tensor a creation op fills: a new one of size, or `out` resized to it."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int nd
    cdef Tensor result
    if len(size) == 0:
        raise TypeError(f"{fname}() missing 1 required positional argument: 'size'")
    if len(size) == 1 and isinstance(size[0], float):
        raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size[0]).__name__}")
    nd = _parse_size(size, shape, fname)
    dev = _check_device(dev)
    if out is None:
        return new_empty(nd, shape, _dtype_or_default(dt, default), dev, False)
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}(): argument 'out' must be Tensor, not {type(out).__name__}")
    result = out
    if dt is not None and _parse_dtype(dt) is not result._dtype:
        raise RuntimeError(f"dtype {scalar_type_name(_parse_dtype(dt).code)} does not match "
                           f"dtype of out parameter ({scalar_type_name(result._dtype.code)})")
    if [shape[i] for i in range(nd)] != list(result.size()):
        resize_(result, ([shape[i] for i in range(nd)],))
    return result


cdef tuple _size_args(tuple args, object size, str fname):
    """The size given by position, rand(2, 3) / rand((2, 3)), or as size=(2, 3)."""
    if size is None:
        return args
    if args:
        raise TypeError(f"{fname}() got multiple values for argument 'size'")
    return (size,)


def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform numbers in [0, 1)."""
    cdef Tensor result = _random_output(_size_args(args, size, "rand"), dtype,
                                        get_default(True), out, device, "rand")
    _uniform_(result, 0.0, 1.0, generator)
    return _finish(result, requires_grad)


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal numbers."""
    cdef Tensor result = _random_output(_size_args(args, size, "randn"), dtype,
                                        get_default(True), out, device, "randn")
    _normal_(result, 0.0, 1.0, generator)
    return _finish(result, requires_grad)


def rand_like(Tensor input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    cdef Tensor result = _like(input, None, dtype, device, False)
    _uniform_(result, 0.0, 1.0, generator)
    return _finish(result, requires_grad)


def randn_like(Tensor input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    cdef Tensor result = _like(input, None, dtype, device, False)
    _normal_(result, 0.0, 1.0, generator)
    return _finish(result, requires_grad)


def randint(*args, size=None, low=None, high=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False):
    """Integers in [low, high): randint(high, size), randint(low, high, size)."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if len(args) > 2 or (len(args) == 2 and (low is not None or high is not None)) \
            or (len(args) == 1 and high is not None):
        raise TypeError("randint() received an invalid combination of arguments: expected "
                        "(int high, tuple of ints size) or (int low, int high, tuple of ints size)")
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        high = args[0]
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    cdef Tensor result = _random_output((size,), dtype, _int64, out, device, "randint")
    _random_range(result, 0 if low is None else low, high, False, generator, None)
    return _finish(result, requires_grad)


def randint_like(Tensor input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """Integers in [low, high) shaped like input: randint_like(input, high) or
    randint_like(input, low, high)."""
    if high is None:
        low, high = 0, low
    cdef Tensor result = _like(input, None, dtype, device, False)
    _random_range(result, low, high, False, generator, None)
    return _finish(result, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0 .. n-1."""
    if isinstance(n, bool) or not isinstance(n, int) and not hasattr(n, "__index__") \
            or isinstance(n, float):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    cdef Py_ssize_t count = n.__index__()
    # int64 unless dtype or out says otherwise
    cdef DType dt = _dtype_or_default(dtype, out.dtype if isinstance(out, Tensor) else _int64)
    cdef int code = dt.code
    if code == PYT_BOOL:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if code == PYT_FLOAT16 and count > 2049:
        raise RuntimeError("n cannot be greater than 2049 for Half type.")
    if code == PYT_FLOAT32 and count > 2**24 + 1:
        raise RuntimeError("n cannot be greater than 2^24+1 for Float type.")
    if code == PYT_FLOAT64 and count > 2**53 + 1:
        raise RuntimeError("n cannot be greater than 2^53+1 for Double type.")
    if code in _INT_LIMITS and count - 1 > _INT_LIMITS[code][1]:
        raise RuntimeError(f"value cannot be converted to type "
                           f"{dt.name}_t without overflow")
    cdef Tensor result = _random_output((count,), dtype, dt, out, device, "randperm")
    cdef Tensor perm = result
    if code != PYT_INT64 or not is_contiguous(result) or result._device is not _cpu:
        perm = new_empty(1, &count, _int64, _cpu, False)   # drawn on the CPU (any device)
    cdef Generator g = _generator_of(generator, result)
    cdef uint64_t first = g.reserve(<uint64_t>(count // 2))   # (n - 1) / 2 rounded up
    with nogil:
        randperm_fill(<int64_t*>perm._data, count, g._seed, first)
    if perm is not result:
        copy_into(result, perm)
    result._storage.version += 1
    return _finish(result, requires_grad)


# ----- distributions with tensor parameters --------------------------------------------------

# (broadcast shapes come from _broadcast_shape in pointwise.pxi)


cdef object _NORMAL_SIGNATURES = (
    "normal() received an invalid combination of arguments - got ({}), but expected one of:\n"
    " * (Tensor mean, Tensor std, *, pyt.Generator generator = None, Tensor out = None)\n"
    " * (Tensor mean, float std = 1, *, pyt.Generator generator = None, Tensor out = None)\n"
    " * (float mean, Tensor std, *, pyt.Generator generator = None, Tensor out = None)\n"
    " * (float mean, float std, tuple of ints size, *, pyt.Generator generator = None, "
    "Tensor out = None, pyt.dtype dtype = None, pyt.layout layout = None, "
    "pyt.device device = None, bool pin_memory = False, bool requires_grad = False)")


def normal(mean=None, std=None, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, pin_memory=False, requires_grad=False):
    """Normal numbers: mean and std each a tensor or a number (broadcast together), or
    both numbers with a size."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int nd, i
    cdef Tensor mean_t, std_t, result, means = None, stds = None
    cdef RandomSpec spec
    cdef double m = 0, s = 1
    mean_is_tensor = isinstance(mean, Tensor)
    std_is_tensor = isinstance(std, Tensor)
    if size is not None or not (mean_is_tensor or std_is_tensor):
        if mean_is_tensor or std_is_tensor or size is None or mean is None or std is None:
            got = ", ".join(type(x).__name__ for x in (mean, std, size) if x is not None)
            raise TypeError(_NORMAL_SIGNATURES.format(got))
        if not isinstance(size, (tuple, list)):
            raise TypeError(_NORMAL_SIGNATURES.format(
                ", ".join(type(x).__name__ for x in (mean, std, size))))
        m = _float_arg(mean, "normal", "mean", 1)
        s = _float_arg(std, "normal", "std", 2)
        if not s >= 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(s)}")
        result = _random_output((size,), dtype, get_default(True), out, device, "normal")
        _normal_(result, m, s, generator)
        return _finish(result, requires_grad)
    if dtype is not None or requires_grad:
        raise TypeError(_NORMAL_SIGNATURES.format(
            ", ".join(type(x).__name__ for x in (mean, std) if x is not None)))
    params = tuple([x for x in (mean, std) if isinstance(x, Tensor)])
    if _wants_grad(params):
        _refuse_out(out, "normal")
        with _RECORDING_OFF:
            result = normal(mean, std, generator=generator)
        _record_draw("NormalBackward3" if len(params) == 2 else
                     "NormalBackward1" if mean_is_tensor else "NormalBackward2", params, result)
        return result
    if mean_is_tensor:
        mean_t = mean
        _require_floating(mean_t, "normal_kernel_cpu")
        if std_is_tensor:
            std_t = std
            nd = _broadcast_shape(mean_t, std_t, shape)
        else:
            s = 1.0 if std is None else _float_arg(std, "normal", "std", 2)
            if not s >= 0:
                raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(s)}")
            nd = mean_t._ndim
            for i in range(nd):
                shape[i] = mean_t._shape[i]
        result = new_empty(nd, shape, mean_t._dtype,
                           common_device((mean_t, std if std_is_tensor else None)), False)
        means = _float64_copy(mean_t, nd, shape)
    else:
        std_t = std
        _require_floating(std_t, "normal_kernel_cpu")
        m = _float_arg(mean, "normal", "mean", 1)
        nd = std_t._ndim
        for i in range(nd):
            shape[i] = std_t._shape[i]
        result = new_empty(nd, shape, std_t._dtype, common_device((std_t,)), False)
    if std_is_tensor:
        stds = _float64_copy(std_t, nd, shape)
        for i in range(stds._numel):
            if not (<double*>stds._data)[i] >= 0:
                raise RuntimeError("normal expects all elements of std >= 0.0")
    spec = _spec(NORMAL, m, s)
    if means is not None:
        spec.a_each = <double*>means._data
    if stds is not None:
        spec.b_each = <double*>stds._data
    _fill_random(result, &spec, generator)
    return _into_out(result, out)


cdef Tensor _record_draw(str name, tuple params, Tensor result):
    """A draw from distributions with tensor parameters: recorded as torch does, with a
    zero gradient for each parameter."""
    if result._dtype.is_floating_point:
        _record(name, _zero_backward, params, (result,)).ctx = \
            tuple([_zero_meta(x) for x in params])
    return result


def bernoulli(Tensor input, p=None, *, generator=None, out=None):
    """0/1 draws: with probabilities input (p None), or with probability p everywhere,
    shaped and typed like input."""
    cdef Tensor result
    if _needs_grad(input):
        _refuse_out(out, "bernoulli")
        with _RECORDING_OFF:
            result = bernoulli(input, p, generator=generator)
        if p is None:
            return _record_draw("BernoulliBackward0", (input,), result)
        _record_not_implemented("bernoulli", (input,), result)
        return result
    result = _empty_like_layout(input, input._dtype)
    if p is None:
        _require_floating(input, "bernoulli_tensor_cpu_p_")
        _bernoulli_(result, input, generator)
    else:
        _bernoulli_(result, p, generator)
    return _into_out(result, out)


def poisson(Tensor input, generator=None):
    """Poisson counts with rates input, as input's dtype."""
    cdef Tensor rates, result
    cdef RandomSpec spec
    cdef Py_ssize_t i
    cdef double rate
    _require_floating(input, "poisson_cpu")
    rates = _float64_copy(input, input._ndim, input._shape)
    for i in range(rates._numel):
        rate = (<double*>rates._data)[i]
        if not rate >= 0:
            raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    result = _empty_like_layout(input, input._dtype)
    spec = _spec(POISSON, 0, 0)
    spec.a_each = <double*>rates._data
    _fill_random(result, &spec, generator)
    if _needs_grad(input):
        _record_draw("PoissonBackward0", (input,), result)
    return result


def multinomial(Tensor input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices drawn from the weights in each row of input (1-d or 2-d)."""
    cdef Py_ssize_t rows, categories, samples, r, j, total_values
    cdef Py_ssize_t shape[2]
    cdef Tensor probs, result
    cdef double* p
    cdef double x, row_sum
    cdef Generator g
    cdef uint64_t first
    if isinstance(num_samples, (bool, float)) or not hasattr(num_samples, "__index__"):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    samples = num_samples.__index__()
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{scalar_type_name(input._dtype.code)}")
    if input._ndim != 1 and input._ndim != 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = input._shape[input._ndim - 1]
    rows = input._shape[0] if input._ndim == 2 else 1
    if not replacement and samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if categories > 2**24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    probs = _float64_copy(input, input._ndim, input._shape)
    p = <double*>probs._data
    for r in range(rows):
        row_sum = 0
        for j in range(categories):
            x = p[r * categories + j]
            if not (0 <= x < INFINITY):
                raise RuntimeError("probability tensor contains either `inf`, `nan` or "
                                   "element < 0")
            row_sum += x
        if not row_sum > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    shape[0] = rows
    shape[1] = samples
    if input._ndim == 2:
        result = new_empty(2, shape, _int64, _cpu, False)
    else:
        result = new_empty(1, &shape[1], _int64, _cpu, False)
    if rows > 0:
        g = _generator_of(generator, input)
        total_values = rows * (samples if replacement else categories)
        first = g.reserve(<uint64_t>((total_values + 1) // 2))
        multinomial_fill(p, rows, categories, <int64_t*>result._data, samples,
                         bool(replacement), g._seed, first)
    return _into_out(_moved(result, input._device), out)   # drawn on the CPU (any device)
