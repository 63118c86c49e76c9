# Decompositions and solvers through LAPACK. Every matrix of a batch is first copied into
# column-major order: the layout LAPACK works in, and the one torch returns these results
# in (strides (1, rows)), so LAPACK works in place and nothing is transposed afterwards.
# Kernels record LAPACK's info per matrix; the caller raises for the first failure.
# Each differentiable result is recorded as one node (torch's names, LinalgSvdBackward0, ...)
# whose backward is written with pyt ops, the decompositions' own outputs included.
import functools

from libc.math cimport sqrt, fabs
from pyt.return_types import (slogdet as slogdet_result, qr as qr_result, svd as svd_result,
    linalg_slogdet, linalg_qr, linalg_svd, linalg_eigh, linalg_lstsq, linalg_inv_ex,
    linalg_cholesky_ex)


class LinAlgError(RuntimeError):
    """A matrix was singular or not positive-definite, or an algorithm did not converge."""


# ----- CUDA tensors: a round trip through the host --------------------------------------------
# There is no cuSOLVER binding yet, so the ops of this file take CUDA tensors by copying them
# to the host, running the CPU code and copying the results back, as torch itself does for
# linalg.eig on CUDA. The copies are the differentiable .cpu() / .to(), so autograd needs
# nothing more: the backward runs on the host, and the gradient reaches the device through
# the copies' own backward (double backward likewise). The copies synchronise with the GPU.

cdef bint _off_host(object x):
    """Whether x is a CUDA tensor, or a list / tuple holding one."""
    if isinstance(x, Tensor):
        return is_cuda(<Tensor>x)
    if isinstance(x, (list, tuple)):
        for y in x:
            if _off_host(y):
                return True
    return False


cdef object _map_tensors(object x, object f):
    """x with f applied to every tensor in it: a tensor, or a list or tuple of them (a named
    tuple is rebuilt with its own type); anything else as it is."""
    if isinstance(x, Tensor):
        return f(x)
    if isinstance(x, list):
        return [_map_tensors(y, f) for y in x]
    if isinstance(x, tuple):
        items = [_map_tensors(y, f) for y in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    return x


def _inputs_device(tuple args, dict kwargs):
    """The device of the tensors in args and kwargs, out aside (also inside lists), with
    torch's error when they are on two devices."""
    tensors = []
    for x in list(args) + [v for k, v in kwargs.items() if k != "out"]:
        if isinstance(x, (list, tuple)):
            tensors.extend(x)
        else:
            tensors.append(x)
    return common_device(tuple(tensors))


cdef int _check_out_device(object out, object dev) except -1:
    for o in (out if isinstance(out, (list, tuple)) else (out,)):
        if isinstance(o, Tensor) and (<Tensor>o)._device is not dev and \
                (<Tensor>o)._device != dev:
            raise RuntimeError(f"Expected out tensor to have device {dev}, but got "
                               f"{(<Tensor>o)._device} instead")
    return 0


def _host_round_trip(fn, tuple args, dict kwargs, dev):
    """fn(*args, **kwargs) for tensors on device dev, computed by fn on the host. Tensor
    arguments (also in lists) go to the host, every tensor of the result comes back to dev
    (tuples keep their type). out, which must be on dev, is written as fn writes it: fn
    fills an empty host tensor of out's dtype in its place (with all its checks), and
    that is copied into out, resized as needed. With dev the CPU, the copies are no-ops."""
    out = kwargs.get("out")
    _check_out_device(out, dev)
    stand_ins = {}                 # id of the host stand-in: (stand-in, the out it is for)

    def stand_in(o):
        h = _t.empty(0, dtype=o.dtype)
        stand_ins[id(h)] = (h, o)
        return h

    def back(t):
        pair = stand_ins.get(id(t))
        if pair is not None and pair[0] is t:
            return _into_out(t, pair[1])
        return t.to(dev)

    def to_host(t):
        return t.cpu()

    host_kwargs = {k: _map_tensors(v, to_host) for k, v in kwargs.items()}
    if out is not None:
        host_kwargs["out"] = _map_tensors(out, stand_in)
    return _map_tensors(fn(*_map_tensors(args, to_host), **host_kwargs), back)


def _via_host(fn=None, *, on_cuda=None):
    """Decorates an op of this file so that it takes CUDA tensors too, through
    _host_round_trip; the CPU's calls go straight to fn. on_cuda(kwargs), when given,
    checks and adapts a CUDA call's keyword arguments first (the drivers of svd and lstsq,
    which torch treats differently on CUDA)."""
    if fn is None:
        return lambda f: _via_host(f, on_cuda=on_cuda)

    @functools.wraps(fn)
    def dispatch(*args, **kwargs):
        if _off_host(args) or (kwargs and _off_host(tuple(kwargs.values()))):
            dev = _inputs_device(args, kwargs)
            if on_cuda is not None:
                on_cuda(kwargs)
            return _host_round_trip(fn, args, kwargs, dev)
        return fn(*args, **kwargs)
    return dispatch


def _svd_driver_on_cuda(dict kwargs):
    """torch's CUDA SVD takes cuSOLVER's driver names; the host's gesdd serves them all."""
    driver = kwargs.pop("driver", None)
    if driver not in (None, "gesvd", "gesvdj", "gesvda"):
        raise RuntimeError(f"torch.linalg.svd: unknown svd driver {driver} in svd_cusolver "
                           f"computation.")


def _lstsq_driver_on_cuda(dict kwargs):
    """torch's CUDA lstsq has one driver, 'gels' (so rank and singular values come empty)."""
    if kwargs.get("driver") not in (None, "gels"):
        raise RuntimeError("torch.linalg.lstsq: `driver` other than `gels` is not supported "
                           "on CUDA")
    kwargs["driver"] = "gels"


cdef enum:
    NOT_FINITE = -1000    # an info of our own: the input held NaN or infinity


cdef object _into_outs(tuple results, object out, object result_type):
    """The results as result_type, or written into the tuple out and it returned so."""
    if out is None:
        return result_type(*results)
    for r, o in zip(results, out):
        _into_out(r, o)
    return result_type(*out)


cdef inline bint _tracked_arg(object x):
    return isinstance(x, Tensor) and _tracked(<Tensor>x)


cdef inline Tensor _as_matrix_of(Tensor t):
    """A batch of scalars (..., ) as (..., 1, 1), to scale a batch of matrices."""
    return _t.unsqueeze(_t.unsqueeze(t, -1), -1)


cdef Tensor _float_matrices(object A, str fn, str name="A"):
    """A as a batch of float32/float64 matrices, with torch's messages otherwise."""
    cdef Tensor a = _tensor_arg(A, fn, name, 1)
    if a._ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    if not a._dtype.is_floating_point:
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(a._dtype.code)}")
    if a._dtype.code != PYT_FLOAT32 and a._dtype.code != PYT_FLOAT64:
        raise RuntimeError(f"{fn}: Low precision dtypes not supported. Got "
                           f"{scalar_type_name(a._dtype.code)}")
    return a


cdef int _check_square(Tensor a, str fn, str name="A") except -1:
    if a._shape[a._ndim - 1] != a._shape[a._ndim - 2]:
        raise RuntimeError(f"{fn}: {name} must be batches of square matrices, but they are "
                           f"{a._shape[a._ndim - 2]} by {a._shape[a._ndim - 1]} matrices")
    return 0


cdef Tensor _column_major(int nb, const Py_ssize_t* bshape, Py_ssize_t rows, Py_ssize_t cols,
                          DType dt, Tensor src):
    """A new (bshape, rows, cols) tensor whose matrices are column-major, holding src
    (broadcast) when given, zeros otherwise."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef Py_ssize_t strides[PYT_MAX_DIMS]
    cdef int i
    for i in range(nb):
        shape[i] = bshape[i]
    shape[nb] = cols
    shape[nb + 1] = rows
    cdef Tensor t = new_empty(nb + 2, shape, dt, None, src is None)
    for i in range(nb):
        strides[i] = t._strides[i]
    shape[nb] = rows
    shape[nb + 1] = cols
    strides[nb] = 1
    strides[nb + 1] = max(rows, 1)
    t._set_geometry(nb + 2, shape, strides)
    if src is not None:
        copy_into(t, src)
    return t


cdef Py_ssize_t _count(int nb, const Py_ssize_t* bshape) noexcept:
    cdef Py_ssize_t n = 1
    cdef int i
    for i in range(nb):
        n *= bshape[i]
    return n


cdef Tensor _new(int nd, const Py_ssize_t* shape, DType dt, bint zeroed=False):
    return new_empty(nd, shape, dt, None, zeroed)


cdef Tensor _batch_plus(int nb, const Py_ssize_t* bshape, list tail, DType dt, bint zeroed=False):
    """A new contiguous (bshape, *tail) tensor."""
    cdef Py_ssize_t shape[PYT_MAX_DIMS]
    cdef int i
    for i in range(nb):
        shape[i] = bshape[i]
    for i in range(len(tail)):
        shape[nb + i] = tail[i]
    return new_empty(nb + len(tail), shape, dt, None, zeroed)


cdef int _raise_first(Tensor infos, Tensor a, str what) except -1:
    """Raises LinAlgError for the first matrix whose info is not 0; what(info) words it."""
    cdef int* p = <int*>infos._data
    cdef Py_ssize_t i
    for i in range(infos._numel):
        if p[i] != 0:
            prefix = f"(Batch element {i}): " if a._ndim > 2 else ""
            raise LinAlgError(what.split("|", 1)[0] + prefix + what.split("|", 1)[1].format(
                info=p[i]))
    return 0


cdef int _bad_alloc(int ok) except -1:
    if ok != 0:
        raise MemoryError()
    return 0


cdef inline int _workspace(double q) noexcept nogil:
    """LAPACK's workspace answer, rounded up (float32 rounds large sizes down)."""
    return <int>(q * (1 + 1e-6)) + 1


cdef bint _finite(const floating* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating s = 0
    for i in range(n):
        s += a[i] * 0
    return s == 0                  # NaN or infinity make the sum NaN


# ----- inverse -----------------------------------------------------------------------------

cdef int _inv_kernel(floating* data, Py_ssize_t count, int n, int* infos) noexcept nogil:
    cdef int* ipiv = <int*>malloc(n * sizeof(int))
    cdef floating query = 0
    cdef int lwork
    cdef floating* work
    cdef Py_ssize_t i
    if ipiv == NULL:
        return -1
    getri(n, data, ipiv, &query, -1)
    lwork = _workspace(query)
    work = <floating*>malloc(lwork * sizeof(floating))
    if work == NULL:
        free(ipiv)
        return -1
    for i in range(count):
        infos[i] = getrf(n, data + i * n * n, ipiv)
        if infos[i] == 0:
            infos[i] = getri(n, data + i * n * n, ipiv, work, lwork)
    free(work)
    free(ipiv)
    return 0


cdef tuple _inv(object A, str fn):
    cdef Tensor a = _float_matrices(A, fn)
    _check_square(a, fn)
    cdef int nb = a._ndim - 2, ok = 0
    cdef Py_ssize_t n = a._shape[nb], count = _count(nb, a._shape)
    cdef Tensor r = _column_major(nb, a._shape, n, n, a._dtype, a)
    cdef Tensor infos = _new(nb, a._shape, _i32, True)
    if r._numel > 0:
        _load_blas()
        with nogil:
            if a._dtype.code == PYT_FLOAT32:
                ok = _inv_kernel(<float*>r._data, count, <int>n, <int*>infos._data)
            else:
                ok = _inv_kernel(<double*>r._data, count, <int>n, <int*>infos._data)
        _bad_alloc(ok)
    return r, infos, a


@_via_host
def inv(A, *, out=None):
    """The inverse of each square matrix (LU factorisation, getrf + getri)."""
    r, infos, a = _inv(A, "linalg.inv")
    _raise_first(infos, a, "linalg.inv: |The diagonal element {info} is zero, the inversion "
                           "could not be completed because the input matrix is singular.")
    return _into_out(_record_inv(r, a, out), out)


@_via_host
def inv_ex(A, *, check_errors=False, out=None):
    r, infos, a = _inv(A, "linalg.inv_ex")
    if check_errors:
        _raise_first(infos, a, "linalg.inv_ex: |The diagonal element {info} is zero, the "
                               "inversion could not be completed because the input matrix is "
                               "singular.")
    return _into_outs((_record_inv(r, a, out), infos), out, linalg_inv_ex)


cdef Tensor _record_inv(Tensor r, Tensor a, object out):
    if _tracked(a):
        _refuse_out(out, "linalg_inv_ex")      # torch's name, for inv too
        _record("LinalgInvExBackward0", _inv_backward, (a,), (r,)).save_output(r)
    return r


cdef tuple _inv_backward(Node node, tuple grads):
    """d(A^-1) = -A^-1 dA A^-1, so gA = -A^-T g A^-T."""
    (r,) = node.saved_values()
    cdef Tensor rt = _mT(r)
    return (-_matmul_rec(rt, _matmul_rec(grads[0], rt)),)


@_via_host
def inverse(input, *, out=None):
    return inv(input, out=out)


# ----- determinants ---------------------------------------------------------------------------

cdef int _det_kernel(floating* lu, Py_ssize_t count, int n, floating* det, floating* sign,
                     floating* logabs) noexcept nogil:
    """det (when det is not NULL) or sign and log|det| of each matrix, from its LU factors."""
    cdef int* ipiv = <int*>malloc(n * sizeof(int))
    cdef Py_ssize_t i
    cdef int j
    cdef floating* a
    cdef floating prod, s, u
    cdef double logsum
    if ipiv == NULL:
        return -1
    for i in range(count):
        a = lu + i * n * n
        getrf(n, a, ipiv)                 # a singular matrix leaves a zero on the diagonal
        prod = 1
        s = 1
        logsum = 0
        for j in range(n):
            u = a[j + <Py_ssize_t>j * n]
            if ipiv[j] != j + 1:
                s = -s
            if det != NULL:
                prod *= u
            else:
                if u < 0:
                    s = -s
                    logsum += log(-u)
                else:
                    logsum += log(u)      # log(0) = -inf
                    if u == 0:
                        s = 0
        if det != NULL:
            det[i] = s * prod
        else:
            sign[i] = s
            logabs[i] = <floating>logsum
    free(ipiv)
    return 0


cdef tuple _lu_det(object A, str fn, bint want_log):
    cdef Tensor a = _float_matrices(A, fn)
    _check_square(a, fn)
    cdef int nb = a._ndim - 2, ok = 0
    cdef Py_ssize_t n = a._shape[nb], count = _count(nb, a._shape)
    cdef Tensor lu = _column_major(nb, a._shape, n, n, a._dtype, a)
    cdef Tensor det = None, sign = None, logabs = None
    if want_log:
        sign = _new(nb, a._shape, a._dtype)
        logabs = _new(nb, a._shape, a._dtype)
    else:
        det = _new(nb, a._shape, a._dtype)
    if count == 0:
        return det, sign, logabs
    if n == 0:                               # the empty product
        _t.fill_(det if det is not None else sign, 1)
        if logabs is not None:
            _t.fill_(logabs, 0)
        return det, sign, logabs
    _load_blas()
    cdef char* pd = NULL if det is None else det._data
    cdef char* ps = NULL if sign is None else sign._data
    cdef char* pl = NULL if logabs is None else logabs._data
    with nogil:
        if a._dtype.code == PYT_FLOAT32:
            ok = _det_kernel(<float*>lu._data, count, <int>n, <float*>pd, <float*>ps,
                             <float*>pl)
        else:
            ok = _det_kernel(<double*>lu._data, count, <int>n, <double*>pd, <double*>ps,
                             <double*>pl)
    _bad_alloc(ok)
    return det, sign, logabs


@_via_host
def det(A, *, out=None):
    """The determinant of each square matrix, from its LU factorisation."""
    cdef Tensor d = _lu_det(A, "linalg.det", False)[0]
    cdef Node node
    if _tracked_arg(A):
        _refuse_out(out, "linalg_det")
        node = _record("LinalgDetBackward0", _det_backward, (A,), (d,))
        node.save(A)
        node.save_output(d)
    return _into_out(d, out)


cdef tuple _det_backward(Node node, tuple grads):
    """d det(A) = det(A) tr(A^-1 dA), so gA = g det(A) A^-T. A singular matrix has no
    inverse but has a gradient all the same (its adjugate), taken from the SVD."""
    a, d = node.saved_values()
    g = grads[0]
    if not bool((detach(d) == 0).any()):
        try:
            return (_as_matrix_of(g * d) * _mT(inv(a)),)
        except LinAlgError:
            pass
    return (_det_grad_singular(a, g),)


cdef Tensor _det_grad_singular(Tensor a, Tensor g):
    """det(A) = det(U) det(Vh) prod(S), so gA = U diag(g det(U) det(Vh) prod_{j!=i} S_j) Vh."""
    U, S, Vh = svd(a)
    cdef Tensor sign = det(detach(U)) * det(detach(Vh))        # +-1, locally constant
    cdef Py_ssize_t k = S.shape[-1], i
    # products of the values before and after each one (no division: zeros are the point)
    before, after = [None] * k, [None] * k
    for i in range(k):
        before[i] = None if i == 0 else (_t.select(S, -1, 0) if i == 1 else
                                         before[i - 1] * _t.select(S, -1, i - 1))
    for i in range(k - 1, -1, -1):
        after[i] = None if i == k - 1 else (_t.select(S, -1, k - 1) if i == k - 2 else
                                            after[i + 1] * _t.select(S, -1, i + 1))
    others = [_t.ones_like(_t.select(S, -1, 0)) if b is None and c is None else
              (c if b is None else (b if c is None else b * c))
              for b, c in zip(before, after)]
    cdef Tensor scale = _t.unsqueeze(g * sign, -1) * _t.stack(others, -1)
    return _matmul_rec(U * _t.unsqueeze(scale, -2), Vh)


cdef tuple _slogdet(object A):
    """sign and log|det|, recorded as one node (torch's sign is recorded too, and gets no
    gradient)."""
    _, sign, logabs = _lu_det(A, "linalg.slogdet", True)
    if _tracked_arg(A):
        _record("LinalgSlogdetBackward0", _slogdet_backward, (A,), (sign, logabs)).save(A)
    return sign, logabs


cdef tuple _slogdet_backward(Node node, tuple grads):
    """d log|det A| = tr(A^-1 dA), so gA = g A^-T."""
    g = grads[1]
    if g is None:
        return (None,)
    (a,) = node.saved_values()
    return (_as_matrix_of(g) * _mT(inv(a)),)


@_via_host
def slogdet(A, *, out=None):
    """The sign and the log of the absolute value of each determinant."""
    if out is not None and _tracked_arg(A):
        _refuse_out(out, "linalg_slogdet")
    sign, logabs = _slogdet(A)
    return _into_outs((sign, logabs), out, linalg_slogdet)


@_via_host
def _slogdet_old(A):
    return slogdet_result(*_slogdet(A))


cdef void _logdet_kernel(const floating* sign, floating* logabs, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(count):
        if sign[i] < 0:
            logabs[i] = <floating>NAN


@_via_host
def logdet(input):
    """log(det): NaN for a negative determinant, -inf for a zero one."""
    cdef Tensor s, l
    if _tracked_arg(input):
        # log|det| recorded; where the determinant is negative, NaN with no gradient
        s, l = _slogdet(input)
        if not bool((s < 0).any()):
            return l
        keep = _to_dtype(s >= 0, l._dtype, False)
        return l * keep + _t.zeros_like(keep).masked_fill_(s < 0, NAN)
    _, sign, logabs = _lu_det(input, "logdet", True)
    s, l = sign, logabs
    if s._dtype.code == PYT_FLOAT32:
        _logdet_kernel(<float*>s._data, <float*>l._data, s._numel)
    else:
        _logdet_kernel(<double*>s._data, <double*>l._data, s._numel)
    return l


cdef bint _is_vector_rhs(Tensor a, Tensor b):
    """torch's rule: B is a (batch of) vector(s) when 1-D or shaped like A without its
    last dim."""
    return b._ndim == 1 or (b._ndim == a._ndim - 1 and
                            _shape_list(b) == _shape_list(a)[:a._ndim - 1])


# ----- solve --------------------------------------------------------------------------------

cdef int _solve_kernel(floating* a, floating* b, Py_ssize_t count, int n, int nrhs,
                       int* infos) noexcept nogil:
    cdef int* ipiv = <int*>malloc(n * sizeof(int))
    cdef Py_ssize_t i
    if ipiv == NULL:
        return -1
    for i in range(count):
        infos[i] = gesv(n, nrhs, a + i * n * n, ipiv, b + i * n * nrhs)
    free(ipiv)
    return 0


@_via_host
def solve(A, B, *, left=True, out=None):
    """X with A @ X = B (or X @ A = B when left=False), A square; B may be a vector (or a
    batch of vectors) as torch decides: B.ndim == 1 or B.shape == A.shape[:-1]."""
    cdef bint vector = False
    cdef Tensor x
    cdef Node node
    if not (_tracked_arg(A) or _tracked_arg(B)):
        return _into_out(_solve(A, B, left, &vector), out)
    _refuse_out(out, "linalg_solve")
    with _untracked:
        x = _solve(A, B, left, &vector)
    node = _record("LinalgSolveExBackward0", _solve_backward, (A, B), (x,))
    node.save(A)
    node.save_output(x)
    node.ctx = (left, vector, _meta(A), _meta(B))
    return x


cdef tuple _solve_backward(Node node, tuple grads):
    """A X = B: dX = A^-1 (dB - dA X), so gB = A^-T gX and gA = -gB X^T (for X A = B:
    gB = gX A^-T and gA = -X^T gB), each summed over its broadcast batch dims."""
    left, vector, meta_a, meta_b = node.ctx
    a, x = node.saved_values()
    g = grads[0]
    if vector:
        g = _t.unsqueeze(g, -1)
        x = _t.unsqueeze(x, -1)
    gb = solve(_mT(a), g, left=left)
    ga = None
    if _wanted(node, 0):
        ga = _grad_like(-(_matmul_rec(gb, _mT(x)) if left else _matmul_rec(_mT(x), gb)), meta_a)
    if not _wanted(node, 1):
        return ga, None
    return ga, _grad_like(_t.squeeze(gb, -1) if vector else gb, meta_b)


cdef Tensor _solve(object A, object B, bint left, bint* vector_rhs):
    cdef Tensor a = _float_matrices(A, "linalg.solve")
    cdef Tensor b = _tensor_arg(B, "linalg.solve", "B", 2)
    _check_square(a, "linalg.solve")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {scalar_type_name(a._dtype.code)} and B of type "
                           f"{scalar_type_name(b._dtype.code)} instead")
    cdef bint vector = _is_vector_rhs(a, b)
    vector_rhs[0] = vector and left
    if not left:
        if vector:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                               "supported for left=False. In this case linalg.solve is "
                               "equivalent to B / A.squeeze(-1)")
        if b._ndim < 2:
            raise RuntimeError("linalg.solve: The input tensor B must have at least 2 "
                               "dimensions.")
        if b._shape[b._ndim - 1] != a._shape[a._ndim - 1]:
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                               f"XA = B ({a._shape[a._ndim - 2]}x{a._shape[a._ndim - 1]} and "
                               f"{b._shape[b._ndim - 2]}x{b._shape[b._ndim - 1]})")
        return transpose(_solve(transpose(a, -2, -1), transpose(b, -2, -1), True, vector_rhs),
                         -2, -1)
    cdef Tensor bm = _insert_dim(b, b._ndim) if vector else b
    cdef Py_ssize_t n = a._shape[a._ndim - 1]
    if bm._ndim < 2 or bm._shape[bm._ndim - 2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({n}x{n} and {bm._shape[bm._ndim - 2] if bm._ndim > 1 else 1}"
                           f"x{bm._shape[bm._ndim - 1]})")
    cdef Py_ssize_t bshape[PYT_MAX_DIMS]
    cdef int nb = _broadcast_batch(a, bm, a._ndim - 2, bm._ndim - 2, bshape), ok = 0
    cdef Py_ssize_t nrhs = bm._shape[bm._ndim - 1], count = _count(nb, bshape)
    cdef Tensor lu = _column_major(nb, bshape, n, n, a._dtype, a)
    cdef Tensor x = _column_major(nb, bshape, n, nrhs, a._dtype, bm)
    cdef Tensor infos = _new(nb, bshape, _i32, True)
    if x._numel > 0 and n > 0:
        _load_blas()
        with nogil:
            if a._dtype.code == PYT_FLOAT32:
                ok = _solve_kernel(<float*>lu._data, <float*>x._data, count, <int>n, <int>nrhs,
                                   <int*>infos._data)
            else:
                ok = _solve_kernel(<double*>lu._data, <double*>x._data, count, <int>n,
                                   <int>nrhs, <int*>infos._data)
        _bad_alloc(ok)
        _raise_first(infos, lu if a._ndim > 2 or nb > 0 else a,
                     "torch.linalg.solve: |The solver failed because the input matrix is "
                     "singular.")
    if vector:
        x = _drop_dim(x, x._ndim - 1)
    return x


# ----- Cholesky ------------------------------------------------------------------------------

cdef void _cholesky_kernel(floating* data, Py_ssize_t count, int n, char uplo,
                           int* infos) noexcept nogil:
    cdef Py_ssize_t i
    cdef int r, c
    cdef floating* a
    for i in range(count):
        a = data + i * n * n
        infos[i] = potrf(uplo, n, a)
        for c in range(n):              # LAPACK leaves the other triangle as it was
            for r in range(n):
                if (r < c) if uplo == b'L' else (r > c):
                    a[r + <Py_ssize_t>c * n] = 0


cdef tuple _cholesky(object A, bint upper, str fn):
    cdef Tensor a = _float_matrices(A, fn)
    _check_square(a, fn)
    cdef int nb = a._ndim - 2
    cdef Py_ssize_t n = a._shape[nb], count = _count(nb, a._shape)
    cdef Tensor r = _column_major(nb, a._shape, n, n, a._dtype, a)
    cdef Tensor infos = _new(nb, a._shape, _i32, True)
    cdef char uplo = b'U' if upper else b'L'
    if r._numel > 0:
        _load_blas()
        with nogil:
            if a._dtype.code == PYT_FLOAT32:
                _cholesky_kernel(<float*>r._data, count, <int>n, uplo, <int*>infos._data)
            else:
                _cholesky_kernel(<double*>r._data, count, <int>n, uplo, <int*>infos._data)
    return r, infos, a


@_via_host
def cholesky(A, *, upper=False, out=None):
    """L with A = L @ L^T (U with A = U^T @ U when upper), A symmetric positive-definite."""
    r, infos, a = _cholesky(A, upper, "linalg.cholesky")
    _raise_first(infos, a, "linalg.cholesky: |The factorization could not be completed because "
                           "the input is not positive-definite (the leading minor of order "
                           "{info} is not positive-definite).")
    return _into_out(_record_cholesky(r, a, upper, out), out)


@_via_host
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    r, infos, a = _cholesky(A, upper, "linalg.cholesky_ex")
    if check_errors:
        _raise_first(infos, a, "linalg.cholesky_ex: |The factorization could not be completed "
                               "because the input is not positive-definite (the leading minor "
                               "of order {info} is not positive-definite).")
    return _into_outs((_record_cholesky(r, a, upper, out), infos), out, linalg_cholesky_ex)


cdef Tensor _record_cholesky(Tensor L, Tensor a, bint upper, object out):
    cdef Node node
    if _tracked(a):
        _refuse_out(out, "linalg_cholesky_ex")   # torch's name, for cholesky too
        node = _record("LinalgCholeskyExBackward0", _cholesky_backward, (a,), (L,))
        node.save_output(L)
        node.ctx = upper
    return L


cdef tuple _cholesky_backward(Node node, tuple grads):
    """A = L L^T: dL = L phi(L^-1 dA L^-T), phi keeping the lower triangle with its diagonal
    halved, so gA = L^-T phi(L^T gL) L^-1, made symmetric as A is (upper: L = U^T)."""
    (L,) = node.saved_values()
    g = grads[0]
    if node.ctx:
        L, g = _mT(L), _mT(g)
    P = _matmul_rec(_mT(L), g)
    P = P.tril() - 0.5 * P.diagonal(0, -2, -1).diag_embed()
    L_inv = inv(L)
    ga = _matmul_rec(_mT(L_inv), _matmul_rec(P, L_inv))
    return (0.5 * (ga + _mT(ga)),)


def _cholesky_old(input, upper=False, *, out=None):
    """torch.cholesky: linalg.cholesky with its older name and arguments."""
    return cholesky(input, upper=upper, out=out)


# ----- QR ------------------------------------------------------------------------------------

cdef int _qr_kernel(floating* w, floating* rout, Py_ssize_t count, int m, int n, int wcols,
                    int qcols, int rrows, bint want_q) noexcept nogil:
    """Householder QR of each m x n matrix in w (column-major, wcols columns allocated):
    R's rrows x n upper part into rout, then Q's first qcols columns over w."""
    cdef int k = min(m, n), lwork, r, c
    cdef floating q1 = 0, q2 = 0
    cdef floating* tau = <floating*>malloc(k * sizeof(floating))
    cdef floating* work
    cdef floating* a
    cdef floating* ro
    cdef Py_ssize_t i
    if tau == NULL:
        return -1
    geqrf(m, n, w, tau, &q1, -1)
    if want_q:
        orgqr(m, qcols, k, w, tau, &q2, -1)
    lwork = max(_workspace(q1), _workspace(q2))
    work = <floating*>malloc(lwork * sizeof(floating))
    if work == NULL:
        free(tau)
        return -1
    for i in range(count):
        a = w + i * m * wcols
        ro = rout + i * rrows * n
        geqrf(m, n, a, tau, work, lwork)
        for c in range(n):
            for r in range(rrows):
                ro[r + <Py_ssize_t>c * rrows] = a[r + <Py_ssize_t>c * m] if r <= c else 0
        if want_q:
            orgqr(m, qcols, k, a, tau, work, lwork)
    free(work)
    free(tau)
    return 0


@_via_host
def qr(A, mode="reduced", *, out=None):
    """A = Q @ R with Q's columns orthonormal and R upper triangular; mode 'reduced' (k =
    min(m, n) columns of Q), 'complete' (all m) or 'r' (R only, Q empty)."""
    cdef Tensor a = _float_matrices(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    cdef int nb = a._ndim - 2, ok = 0
    cdef Py_ssize_t m = a._shape[nb], n = a._shape[nb + 1], k = min(m, n)
    cdef Py_ssize_t qcols = m if mode == "complete" else k
    cdef Py_ssize_t rrows = qcols, wcols = max(n, qcols), count = _count(nb, a._shape)
    cdef bint want_q = mode != "r"
    cdef Tensor w = _column_major(nb, a._shape, m, wcols, a._dtype, None)
    cdef Tensor R = _column_major(nb, a._shape, rrows, n, a._dtype, None)
    cdef Tensor Q
    copy_into(_t.narrow(w, -1, 0, n), a)
    if count > 0 and k > 0:
        _load_blas()
        with nogil:
            if a._dtype.code == PYT_FLOAT32:
                ok = _qr_kernel(<float*>w._data, <float*>R._data, count, <int>m, <int>n,
                                <int>wcols, <int>qcols, <int>rrows, want_q)
            else:
                ok = _qr_kernel(<double*>w._data, <double*>R._data, count, <int>m, <int>n,
                                <int>wcols, <int>qcols, <int>rrows, want_q)
        _bad_alloc(ok)
    elif want_q:
        # no reflectors: Q is the identity's first qcols columns
        w = _column_major(nb, a._shape, m, wcols, a._dtype, None)
        copy_into(_t.narrow(w, -1, 0, qcols), _t.eye(m, qcols, dtype=a._dtype))
    if not want_q:
        Q = _t.zeros(0, dtype=a._dtype)
    elif wcols == qcols:
        Q = w
    else:
        Q = _column_major(nb, a._shape, m, qcols, a._dtype, _t.narrow(w, -1, 0, qcols))
    cdef Node node
    if _tracked(a):
        _refuse_out(out, "linalg_qr")
        node = _record("LinalgQrBackward0", _qr_backward, (a,), (Q, R))
        node.save_output(Q)
        node.save_output(R)
        node.ctx = (mode, m, n)
    return _into_outs((Q, R), out, linalg_qr)


cdef tuple _qr_backward(Node node, tuple grads):
    """A wide A = Q [U | V] is a square QR X = Q U of its first m columns, and Y = Q V:
    Y's gradient is Q gV, and gV reaches Q as Y gV^T."""
    mode, m, n = node.ctx
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going "
                           "to differentiate through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    gQ, gR = grads
    Q, R = node.saved_values()
    if m >= n:
        return (_qr_grad(gQ, gR, Q, R),)
    U, V = _t.narrow(R, -1, 0, m), _t.narrow(R, -1, m, n - m)
    if gR is None:
        return (_t.cat([_qr_grad(gQ, None, Q, U), _t.zeros_like(V)], -1),)
    gU, gV = _t.narrow(gR, -1, 0, m), _t.narrow(gR, -1, m, n - m)
    gY = _matmul_rec(Q, gV)
    gQ = _matmul_rec(_matmul_rec(Q, V), _mT(gV)) + (0 if gQ is None else gQ)
    return (_t.cat([_qr_grad(gQ, gU, Q, U), gY], -1),)


cdef Tensor _qr_grad(object gQ, object gR, Tensor Q, Tensor R):
    """A = Q R with R square: C = Q^T dA R^-1 = Q^T dQ + dR R^-1 is a skew part plus an upper
    triangle, which gives dQ and dR; by adjoints, with M = gR R^T - Q^T gQ,
    gA = (gQ + Q (triu(M) + triu(M, 1)^T)) R^-T."""
    M = None
    if gR is not None:
        M = _matmul_rec(gR, _mT(R))
    if gQ is not None:
        QtgQ = _matmul_rec(_mT(Q), gQ)
        M = -QtgQ if M is None else M - QtgQ
    ga = _matmul_rec(Q, M.triu() + _mT(M.triu(1)))
    if gQ is not None:
        ga = ga + gQ
    return solve(_mT(R), ga, left=False)


@_via_host
def _qr_old(input, some=True, *, out=None):
    if out is not None and _tracked_arg(input):
        _refuse_out(out, "qr")
    Q, R = qr(input, "reduced" if some else "complete")
    return _into_outs((Q, R), out, qr_result)


# ----- SVD ----------------------------------------------------------------------------------

cdef int _svd_kernel(floating* a, floating* s, floating* u, floating* vt, Py_ssize_t count,
                     int m, int n, char jobz, int ucols, int vrows, int* infos) noexcept nogil:
    """Divide-and-conquer SVD (gesdd) of each m x n column-major matrix in a (destroyed)."""
    cdef int k = min(m, n), lwork
    cdef int ldu = m if jobz != b'N' else 1, ldvt = vrows if jobz != b'N' else 1
    cdef floating query = 0, dummy = 0
    cdef int* iwork = <int*>malloc(8 * k * sizeof(int))
    cdef floating* work
    cdef Py_ssize_t i
    if iwork == NULL:
        return -1
    if jobz == b'N':
        u = &dummy
        vt = &dummy
    gesdd(jobz, m, n, a, s, u, ldu, vt, ldvt, &query, -1, iwork)
    lwork = _workspace(query)
    work = <floating*>malloc(lwork * sizeof(floating))
    if work == NULL:
        free(iwork)
        return -1
    for i in range(count):
        if not _finite(a + i * m * n, m * n):
            infos[i] = NOT_FINITE
            continue
        infos[i] = gesdd(jobz, m, n, a + i * m * n, s + i * k,
                         u + (i * m * ucols if jobz != b'N' else 0), ldu,
                         vt + (i * vrows * n if jobz != b'N' else 0), ldvt, work, lwork, iwork)
    free(work)
    free(iwork)
    return 0


cdef tuple _svd(object A, bint full_matrices, bint compute_uv, str fn):
    cdef Tensor a = _float_matrices(A, fn)
    cdef int nb = a._ndim - 2, ok = 0
    cdef Py_ssize_t m = a._shape[nb], n = a._shape[nb + 1], k = min(m, n)
    cdef Py_ssize_t count = _count(nb, a._shape)
    cdef Py_ssize_t ucols = m if full_matrices else k, vrows = n if full_matrices else k
    cdef char jobz = (b'A' if full_matrices else b'S') if compute_uv else b'N'
    cdef Tensor S = _batch_plus(nb, a._shape, [k], a._dtype)
    cdef Tensor U = None, Vh = None, infos = _new(nb, a._shape, _i32, True)
    if compute_uv:
        U = _column_major(nb, a._shape, m, ucols, a._dtype, None)
        Vh = _column_major(nb, a._shape, vrows, n, a._dtype, None)
    if count > 0 and k > 0:
        work = _column_major(nb, a._shape, m, n, a._dtype, a)
        _load_blas()
        with nogil:
            if a._dtype.code == PYT_FLOAT32:
                ok = _svd_kernel(<float*>work._data, <float*>S._data,
                                 <float*>(U._data if compute_uv else NULL),
                                 <float*>(Vh._data if compute_uv else NULL), count, <int>m,
                                 <int>n, jobz, <int>ucols, <int>vrows, <int*>infos._data)
            else:
                ok = _svd_kernel(<double*>work._data, <double*>S._data,
                                 <double*>(U._data if compute_uv else NULL),
                                 <double*>(Vh._data if compute_uv else NULL), count, <int>m,
                                 <int>n, jobz, <int>ucols, <int>vrows, <int*>infos._data)
        _bad_alloc(ok)
        _raise_svd(infos, a, fn)
    elif compute_uv and count > 0:
        # an empty matrix: the singular vectors of its other side are any orthonormal basis
        copy_into(U, _t.eye(m, ucols, dtype=a._dtype))
        copy_into(Vh, _t.eye(vrows, n, dtype=a._dtype))
    return U, S, Vh


cdef int _raise_svd(Tensor infos, Tensor a, str fn) except -1:
    cdef int* p = <int*>infos._data
    cdef Py_ssize_t i
    for i in range(infos._numel):
        if p[i] != 0:
            prefix = f"(Batch element {i}): " if a._ndim > 2 else ""
            if p[i] == NOT_FINITE:
                raise LinAlgError(f"{fn}: {prefix}The algorithm failed to converge because the "
                                  f"input matrix contained non-finite values.")
            raise LinAlgError(f"{fn}: {prefix}The algorithm failed to converge because the input "
                              f"matrix is ill-conditioned or has too many repeated singular "
                              f"values (error code: {p[i]}).")
    return 0


@_via_host(on_cuda=_svd_driver_on_cuda)
def svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U @ diag(S) @ Vh, singular values descending (LAPACK's gesdd, as torch on CPU;
    driver= only for CUDA tensors, where every cuSOLVER name gets gesdd's result)."""
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on "
                           "CUDA inputs with cuSOLVER backend.")
    U, S, Vh = _svd_rec(A, full_matrices, out, "linalg.svd")
    return _into_outs((U, S, Vh), out, linalg_svd)


cdef tuple _svd_rec(object A, bint full_matrices, object out, str fn):
    """The SVD, recorded when A needs a gradient."""
    U, S, Vh = _svd(A, full_matrices, True, fn)
    cdef Node node
    if _tracked_arg(A):
        _refuse_out(out, fn.replace(".", "_"))
        node = _record("LinalgSvdBackward0", _svd_backward, (A,), (U, S, Vh))
        for t in (U, S, Vh):
            node.save_output(t)
        node.ctx = full_matrices
    return U, S, Vh


cdef tuple _svd_backward(Node node, tuple grads):
    """Of A = U diag(S) Vh (k = min(m, n) singular values): gS reaches A as U diag(gS) Vh;
    gU and gVh through their skew parts U^T gU and Vh gVh^T divided by E_ij = S_j^2 - S_i^2
    (undefined for repeated singular values, as in torch), plus, for a tall (wide) A, the
    part of gU (gVh) outside the span of U (V). With full_matrices, the columns beyond k do
    not depend on A (they are any orthonormal completion) and get no gradient."""
    gU, gS, gVh = grads
    U, S, Vh = node.saved_values()
    cdef Py_ssize_t m = U.shape[-2], n = Vh.shape[-1], k = S.shape[-1]
    if node.ctx:
        U, Vh = _t.narrow(U, -1, 0, k), _t.narrow(Vh, -2, 0, k)
        gU = None if gU is None else _t.narrow(gU, -1, 0, k)
        gVh = None if gVh is None else _t.narrow(gVh, -2, 0, k)
    if gU is None and gVh is None:
        if gS is None:
            return (None,)
        return (_matmul_rec(U * _t.unsqueeze(gS, -2), Vh),)
    S_row, S_col = _t.unsqueeze(S, -2), _t.unsqueeze(S, -1)
    S2 = S * S
    E = _t.unsqueeze(S2, -2) - _t.unsqueeze(S2, -1) + _t.eye(k, dtype=S.dtype)
    UtgU = VhgV = None
    if gU is not None:
        UtgU = _matmul_rec(_mT(U), gU)
        UtgU = UtgU - _mT(UtgU)
    if gVh is not None:
        VhgV = _matmul_rec(Vh, _mT(gVh))
        VhgV = VhgV - _mT(VhgV)
    if UtgU is not None and VhgV is not None:
        ga = (UtgU * S_row + S_col * VhgV) / E
    elif UtgU is not None:
        ga = UtgU / E * S_row
    else:
        ga = S_col * (VhgV / E)
    if gS is not None:
        ga = ga + gS.diag_embed()
    if m > n and gU is not None:
        gU_Sinv = gU / S_row
        ga = _matmul_rec(U, ga) + gU_Sinv - _matmul_rec(U, _matmul_rec(_mT(U), gU_Sinv))
        return (_matmul_rec(ga, Vh),)
    if m < n and gVh is not None:
        Sinv_gVh = gVh / S_col
        ga = _matmul_rec(ga, Vh) + Sinv_gVh - _matmul_rec(_matmul_rec(Sinv_gVh, _mT(Vh)), Vh)
        return (_matmul_rec(U, ga),)
    return (_matmul_rec(_matmul_rec(U, ga), Vh),)


@_via_host(on_cuda=_svd_driver_on_cuda)
def svdvals(A, *, driver=None, out=None):
    """The singular values, descending (with a gradient, the whole SVD is recorded: the
    derivative needs the singular vectors)."""
    if _tracked_arg(A):
        return _svd_rec(A, False, out, "linalg.svdvals")[1]
    return _into_out(_svd(A, False, False, "linalg.svdvals")[1], out)


@_via_host
def _svd_old(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: V rather than Vh, and zero U and V when compute_uv is False."""
    cdef Tensor a = _float_matrices(input, "svd")
    if _tracked(a):
        _refuse_out(out, "svd")
        U, S, Vh = _svd_rec(a, not some, None, "svd")
    else:
        U, S, Vh = _svd(a, not some, compute_uv, "svd")
    if not compute_uv:
        m, n = a._shape[a._ndim - 2], a._shape[a._ndim - 1]
        batch = _shape_list(a)[:a._ndim - 2]
        U = _t.zeros(*(batch + [m, m]), dtype=a._dtype)
        V = _t.zeros(*(batch + [n, n]), dtype=a._dtype)
    else:
        V = transpose(Vh, -2, -1)
    return _into_outs((U, S, V), out, svd_result)


# ----- symmetric eigendecomposition ----------------------------------------------------------

cdef int _eigh_kernel(floating* a, floating* w, Py_ssize_t count, int n, char jobz, char uplo,
                      int* infos) noexcept nogil:
    cdef floating query = 0
    cdef int iquery = 0, lwork, liwork
    cdef floating* work
    cdef int* iwork
    cdef Py_ssize_t i
    syevd(jobz, uplo, n, a, w, &query, -1, &iquery, -1)
    lwork = _workspace(query)
    liwork = iquery if iquery > 1 else 1
    work = <floating*>malloc(lwork * sizeof(floating))
    iwork = <int*>malloc(liwork * sizeof(int))
    if work == NULL or iwork == NULL:
        free(work)
        free(iwork)
        return -1
    for i in range(count):
        infos[i] = syevd(jobz, uplo, n, a + i * n * n, w + i * n, work, lwork, iwork, liwork)
    free(work)
    free(iwork)
    return 0


cdef tuple _eigh(object A, object UPLO, bint vectors, str fn):
    cdef Tensor a = _float_matrices(A, fn)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _check_square(a, fn)
    cdef int nb = a._ndim - 2, ok = 0
    cdef Py_ssize_t n = a._shape[nb], count = _count(nb, a._shape)
    cdef Tensor v = _column_major(nb, a._shape, n, n, a._dtype, a)
    cdef Tensor w = _batch_plus(nb, a._shape, [n], a._dtype)
    cdef Tensor infos = _new(nb, a._shape, _i32, True)
    cdef char jobz = b'V' if vectors else b'N'
    cdef char uplo = b'L' if UPLO == "L" else b'U'
    if count > 0 and n > 0:
        _load_blas()
        with nogil:
            if a._dtype.code == PYT_FLOAT32:
                ok = _eigh_kernel(<float*>v._data, <float*>w._data, count, <int>n, jobz, uplo,
                                  <int*>infos._data)
            else:
                ok = _eigh_kernel(<double*>v._data, <double*>w._data, count, <int>n, jobz,
                                  uplo, <int*>infos._data)
        _bad_alloc(ok)
        _raise_first(infos, a, fn + ": |The algorithm failed to converge because the input "
                     "matrix is ill-conditioned or has too many repeated eigenvalues (error "
                     "code: {info}).")
    return w, v


@_via_host
def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric matrices;
    only the UPLO triangle is read."""
    w, v = _eigh_rec(A, UPLO, out, "linalg.eigh")
    return _into_outs((w, v), out, linalg_eigh)


@_via_host
def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues, ascending (with a gradient, the eigenvectors too are computed and
    recorded: the derivative needs them)."""
    if _tracked_arg(A):
        return _eigh_rec(A, UPLO, out, "linalg.eigvalsh")[0]
    return _into_out(_eigh(A, UPLO, False, "linalg.eigvalsh")[0], out)


cdef tuple _eigh_rec(object A, object UPLO, object out, str fn):
    w, v = _eigh(A, UPLO, True, fn)
    cdef Node node
    if _tracked_arg(A):
        _refuse_out(out, fn.replace(".", "_"))
        node = _record("LinalgEighBackward0", _eigh_backward, (A,), (w, v))
        node.save_output(w)
        node.save_output(v)
    return w, v


cdef tuple _eigh_backward(Node node, tuple grads):
    """A = V diag(L) V^T: dL = diag(V^T dA V) and dV = V (F o V^T dA V) with
    F_ij = 1 / (L_j - L_i) off the diagonal, so gA = V (diag(gL) + F o (V^T gV)) V^T, of which
    the symmetric part is kept (A is symmetric): V^T gV enters through its skew part / 2.
    Repeated eigenvalues make F infinite, as in torch."""
    gL, gV = grads
    L, V = node.saved_values()
    cdef Py_ssize_t n = L.shape[-1]
    if gV is None:
        if gL is None:
            return (None,)
        return (_matmul_rec(V * _t.unsqueeze(gL, -2), _mT(V)),)
    VtgV = _matmul_rec(_mT(V), gV)
    E = _t.unsqueeze(L, -2) - _t.unsqueeze(L, -1) + _t.eye(n, dtype=L.dtype)
    inner = (VtgV - _mT(VtgV)) / (2 * E)
    if gL is not None:
        inner = inner + gL.diag_embed()
    return (_matmul_rec(V, _matmul_rec(inner, _mT(V))),)


# ----- least squares -------------------------------------------------------------------------

cdef int _lstsq_kernel(floating* a, floating* b, floating* s, int* ranks, Py_ssize_t count,
                       int m, int n, int nrhs, int ldb, floating rcond,
                       int* infos) noexcept nogil:
    cdef int k = min(m, n), lwork, liwork, iquery = 0
    cdef floating query = 0
    cdef floating* work
    cdef int* iwork
    cdef Py_ssize_t i
    gelsd(m, n, nrhs, a, b, ldb, s, rcond, ranks, &query, -1, &iquery)
    lwork = _workspace(query)
    liwork = iquery if iquery > 1 else 1
    work = <floating*>malloc(lwork * sizeof(floating))
    iwork = <int*>malloc(liwork * sizeof(int))
    if work == NULL or iwork == NULL:
        free(work)
        free(iwork)
        return -1
    for i in range(count):
        infos[i] = gelsd(m, n, nrhs, a + i * m * n, b + i * ldb * nrhs, ldb, s + i * k, rcond,
                         ranks + i, work, lwork, iwork)
    free(work)
    free(iwork)
    return 0


@_via_host(on_cuda=_lstsq_driver_on_cuda)
def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A @ X = B (LAPACK's gelsd for every driver name).
    Returns (solution, residuals, rank, singular_values) with torch's rules for which of
    the last three are filled: residuals when m > n and every matrix has full rank (not
    for 'gelsy', torch's CPU default), rank except for 'gels', singular values for
    'gelsd' and 'gelss'. CUDA tensors take only 'gels', their default, as in torch."""
    cdef Tensor a = _float_matrices(A, "torch.linalg.lstsq")
    cdef Tensor b = _tensor_arg(B, "torch.linalg.lstsq", "B", 2)
    if driver is None:
        driver = "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           f"gelsy, gelsd, gelss)")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {scalar_type_name(a._dtype.code)} and "
                           f"other's dtype {scalar_type_name(b._dtype.code)}")
    cdef bint vector = b._ndim == a._ndim - 1      # simpler than solve's rule, as torch
    cdef Tensor bm = _insert_dim(b, b._ndim) if vector else b
    cdef Py_ssize_t m = a._shape[a._ndim - 2], n = a._shape[a._ndim - 1], k = min(m, n)
    if bm._ndim < 2 or bm._shape[bm._ndim - 2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    cdef Py_ssize_t bshape[PYT_MAX_DIMS]
    cdef int nb = _broadcast_batch(a, bm, a._ndim - 2, bm._ndim - 2, bshape), ok = 0
    cdef Py_ssize_t nrhs = bm._shape[bm._ndim - 1], ldb = max(m, n, 1)
    cdef Py_ssize_t count = _count(nb, bshape)
    cdef double eps = 1.1920928955078125e-07 if a._dtype.code == PYT_FLOAT32 else 2.220446049250313e-16
    cdef double rc = eps * max(m, n) if rcond is None else rcond
    cdef Tensor aw = _column_major(nb, bshape, m, n, a._dtype, a)
    cdef Tensor bw = _column_major(nb, bshape, ldb, nrhs, a._dtype, None)
    cdef Tensor S = _batch_plus(nb, bshape, [k], a._dtype, True)
    cdef Tensor ranks = _new(nb, bshape, _i32, True)
    cdef Tensor infos = _new(nb, bshape, _i32, True)
    copy_into(_t.narrow(bw, -2, 0, m), bm)
    if count > 0 and k > 0 and nrhs > 0:
        _load_blas()
        with nogil:
            if a._dtype.code == PYT_FLOAT32:
                ok = _lstsq_kernel(<float*>aw._data, <float*>bw._data, <float*>S._data,
                                   <int*>ranks._data, count, <int>m, <int>n, <int>nrhs,
                                   <int>ldb, <float>rc, <int*>infos._data)
            else:
                ok = _lstsq_kernel(<double*>aw._data, <double*>bw._data, <double*>S._data,
                                   <int*>ranks._data, count, <int>m, <int>n, <int>nrhs,
                                   <int>ldb, rc, <int*>infos._data)
        _bad_alloc(ok)
        _raise_first(infos, a, "torch.linalg.lstsq: |The least squares solution could not be "
                               "computed because the input matrix does not have full rank "
                               "(error code: {info}).")
    elif count > 0:
        _t.fill_(bw, 0)
    solution = _t.narrow(bw, -2, 0, n)
    if vector:
        solution = _t.select(solution, -1, 0)
    full_rank = all([r == k for r in (<object>_t.reshape(ranks, -1)).tolist()])
    cdef bint with_residuals = m > n and driver != "gelsy" and full_rank and count > 0
    if with_residuals:
        tail = _t.narrow(bw, -2, n, m - n)
        residuals = _sum_dims(_t.mul(tail, tail), [nb])
        if vector:
            residuals = _t.select(residuals, -1, 0)
    else:
        residuals = _t.zeros(0, dtype=a._dtype)
    rank = _to_dtype(ranks, _i64, False) if driver != "gels" else _t.zeros(0, dtype=_i64)
    sv = S if driver in ("gelsd", "gelss") else _t.zeros(0, dtype=a._dtype)
    cdef Node node
    if _tracked(a, b):
        node = _record("LinalgLstsqBackward0", _lstsq_backward, (a, b), (solution,))
        node.save(a, b)
        node.ctx = (vector, _meta(a), _meta(b))
        if with_residuals:         # |A X - B|^2 over the rows, recorded through X
            diff = _matmul_rec(a, _t.unsqueeze(solution, -1) if vector else solution) - \
                (_t.unsqueeze(b, -1) if vector else b)
            residuals = (diff * diff).sum(-2)
            if vector:
                residuals = _t.select(residuals, -1, 0)
    return linalg_lstsq(solution, residuals, rank, sv)


cdef tuple _lstsq_backward(Node node, tuple grads):
    """X = pinv(A) B: gB = pinv(A)^T gX, and A's gradient is pinv's for gP = gX B^T."""
    vector, meta_a, meta_b = node.ctx
    a, b = node.saved_values()
    g = grads[0]
    if vector:
        g, b = _t.unsqueeze(g, -1), _t.unsqueeze(b, -1)
    cdef Tensor P = pinv(a)
    ga = gb = None
    if _wanted(node, 0):
        ga = _grad_like(_pinv_grad(_matmul_rec(g, _mT(b)), P, a), meta_a)
    if _wanted(node, 1):
        gb = _matmul_rec(_mT(P), g)
        gb = _grad_like(_t.squeeze(gb, -1) if vector else gb, meta_b)
    return ga, gb


# ----- built on the SVD: pinv, matrix_rank; matrix_power ---------------------------------------

cdef void _cutoff_kernel(const floating* s, floating* inv_s, int64_t* rank, Py_ssize_t count,
                         Py_ssize_t k, double atol, double rtol) noexcept nogil:
    """Per matrix, the singular values above max(atol, rtol * the largest): their count
    into rank, and their reciprocals (0 for the others) into inv_s, where given."""
    cdef Py_ssize_t i, j
    cdef int64_t r
    cdef double tol, v
    for i in range(count):
        tol = rtol * s[i * k] if k > 0 else 0
        if atol > tol:
            tol = atol
        r = 0
        for j in range(k):
            v = s[i * k + j]
            if v > tol:
                r += 1
            if inv_s != NULL:
                inv_s[i * k + j] = <floating>(1 / v) if v > tol else 0
        if rank != NULL:
            rank[i] = r


cdef tuple _tolerances(Tensor a, object atol, object rtol):
    """atol and rtol as numbers, with torch's default rtol (eps * max(m, n), or 0 when only
    a positive atol is given)."""
    cdef double eps = 1.1920928955078125e-07 if a._dtype.code == PYT_FLOAT32 else 2.220446049250313e-16
    for v in (atol, rtol):
        if isinstance(v, Tensor) and (<Tensor>v)._ndim != 0:
            raise NotImplementedError("pyt: atol/rtol as batched tensors are not supported")
    atol = _number(atol)
    rtol = _number(rtol)
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else \
            eps * max(a._shape[a._ndim - 2], a._shape[a._ndim - 1])
    return (0.0 if atol is None else float(atol)), float(rtol)


cdef Tensor _apply_cutoff(Tensor S, Tensor a, object atol, object rtol, bint want_inverse):
    """The reciprocals of S above the tolerance (want_inverse), or the rank."""
    cdef int nb = a._ndim - 2
    cdef double at, rt
    at, rt = _tolerances(a, atol, rtol)
    cdef Py_ssize_t k = S._shape[nb], count = _count(nb, a._shape)
    cdef Tensor r = _batch_plus(nb, a._shape, [k], a._dtype) if want_inverse else \
        _new(nb, a._shape, _i64)
    cdef char* inv_p = r._data if want_inverse else NULL
    cdef char* rank_p = NULL if want_inverse else r._data
    with nogil:
        if a._dtype.code == PYT_FLOAT32:
            _cutoff_kernel(<float*>S._data, <float*>inv_p, <int64_t*>rank_p, count, k, at, rt)
        else:
            _cutoff_kernel(<double*>S._data, <double*>inv_p, <int64_t*>rank_p, count, k, at, rt)
    return r


@_via_host
def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse, V diag(1/s) U^T over the singular values above the
    tolerance (the SVD serves symmetric input as well)."""
    cdef Tensor a = _float_matrices(A, "linalg.pinv")
    cdef int nb = a._ndim - 2
    cdef Py_ssize_t m = a._shape[nb], n = a._shape[nb + 1]
    if m == 0 or n == 0:
        return _into_out(_t.zeros(*(_shape_list(a)[:nb] + [n, m]), dtype=a._dtype), out)
    U, S, Vh = _svd(a, False, True, "linalg.pinv")
    inv_s = _apply_cutoff(S, a, atol, rtol, True)
    scaled = _t.mul(transpose(Vh, -2, -1), _t.unsqueeze(inv_s, -2))
    cdef Tensor r = _matmul(scaled, transpose(U, -2, -1))
    cdef Node node
    if _tracked(a):
        _refuse_out(out, "linalg_pinv")
        node = _record("LinalgPinvBackward0", _pinv_backward, (a,), (r,))
        node.save(a)
        node.save_output(r)
    return _into_out(r, out)


cdef tuple _pinv_backward(Node node, tuple grads):
    a, r = node.saved_values()
    return (_pinv_grad(grads[0], r, a),)


cdef Tensor _pinv_grad(Tensor gP, Tensor P, Tensor A):
    """The gradient of P = pinv(A) where A's rank does not change (full rank), from
    dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P:
    gA = -P^T gP P^T + (I - A P) gP^T P P^T + P^T P gP^T (I - P A),
    grouped so that the products stay of the smaller size."""
    cdef Tensor Pt = _mT(P), gPt = _mT(gP), K, KPt, PtK
    if A.shape[-2] <= A.shape[-1]:
        K = _matmul_rec(gPt, P)
        KPt = _matmul_rec(K, Pt)
        return (-_mT(_matmul_rec(P, K)) + KPt - _matmul_rec(_matmul_rec(A, P), KPt) +
                _matmul_rec(_matmul_rec(Pt, P), gPt - _matmul_rec(K, A)))
    K = _matmul_rec(P, gPt)
    PtK = _matmul_rec(Pt, K)
    return (-_mT(_matmul_rec(K, P)) +
            _matmul_rec(_matmul_rec(gPt - _matmul_rec(A, K), P), Pt) + PtK -
            _matmul_rec(_matmul_rec(PtK, P), A))


@_via_host
def pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond)


@_via_host
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The number of singular values above the tolerance."""
    cdef Tensor a = _float_matrices(A, "linalg.matrix_rank")
    cdef Tensor S = _svd(a, False, False, "linalg.matrix_rank")[1]
    return _into_out(_apply_cutoff(S, a, atol, rtol, False), out)


def matrix_power(A, n):
    """A multiplied by itself n times (by squaring); the inverse's power for n < 0."""
    cdef Tensor a = _tensor_arg(A, "matrix_power", "input", 1)
    if a._ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    _check_square(a, "linalg.matrix_power")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    cdef Tensor given = a
    if n == 0:
        r = clone(_t.expand(_t.eye(a._shape[a._ndim - 1], dtype=a._dtype, device=a._device),
                            _shape_list(a)))
        # torch's result requires grad (a zero gradient) when A does
        return copy_(clone(a), r) if _tracked(a) else r
    if n < 0:
        a = inv(a)
        n = -n
    result = None
    base = a
    while True:
        if n & 1:
            result = base if result is None else _matmul_rec(result, base)
        n >>= 1
        if not n:
            break
        base = _matmul_rec(base, base)
    return clone(result) if result is given else result


# ----- matrix norms ---------------------------------------------------------------------------

cdef enum:
    NORM_FRO = 0
    NORM_MAX_COLUMN = 1       # ord 1: the largest column sum of |a|
    NORM_MIN_COLUMN = 2       # ord -1
    NORM_MAX_ROW = 3          # ord inf: the largest row sum of |a|
    NORM_MIN_ROW = 4          # ord -inf


cdef int _norm_kernel(const floating* a, floating* out, Py_ssize_t count, Py_ssize_t m,
                      Py_ssize_t n, int kind) noexcept nogil:
    """One norm per contiguous m x n matrix, summed in double."""
    cdef double* sums = <double*>malloc((n if n > 0 else 1) * sizeof(double))
    cdef Py_ssize_t b, i, j
    cdef double s, best, v
    cdef const floating* x
    if sums == NULL:
        return -1
    for b in range(count):
        x = a + b * m * n
        best = 0
        if kind == NORM_FRO:
            s = 0
            for i in range(m * n):
                s += <double>x[i] * x[i]
            best = sqrt(s)
        elif kind == NORM_MAX_COLUMN or kind == NORM_MIN_COLUMN:
            for j in range(n):
                sums[j] = 0
            for i in range(m):
                for j in range(n):
                    sums[j] += fabs(x[i * n + j])
            for j in range(n):
                if j == 0 or (sums[j] > best if kind == NORM_MAX_COLUMN else sums[j] < best):
                    best = sums[j]
            if m == 0:
                best = 0
        else:
            for i in range(m):
                s = 0
                for j in range(n):
                    s += fabs(x[i * n + j])
                if i == 0 or (s > best if kind == NORM_MAX_ROW else s < best):
                    best = s
        out[b] = <floating>best
    free(sums)
    return 0


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """The Frobenius ('fro'), nuclear ('nuc'), spectral (2, -2: largest / smallest singular
    value), column-sum (1, -1) or row-sum (inf, -inf) norm of the matrices over dim."""
    cdef Tensor a = _tensor_arg(A, "linalg.matrix_norm", "A", 1)
    cdef int d0, d1, nb, kind, ok = 0
    if a._ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if not a._dtype.is_floating_point:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor "
                           f"as input. Got {scalar_type_name(a._dtype.code)}")
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError(f"linalg.matrix_norm: dtype should be floating point or "
                               f"complex, but got {scalar_type_name(dtype.code)}")
        a = _to_dtype(a, dtype, False)
    d0, d1 = wrap_dim(dim[0], a._ndim), wrap_dim(dim[1], a._ndim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    kinds = {"fro": NORM_FRO, 1: NORM_MAX_COLUMN, -1: NORM_MIN_COLUMN,
             float("inf"): NORM_MAX_ROW, float("-inf"): NORM_MIN_ROW}
    if ord not in kinds and ord not in ("nuc", 2, -2):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    rest = [d for d in range(a._ndim) if d != d0 and d != d1]
    cdef Tensor x = _t.permute(a, *(rest + [d0, d1]))
    nb = a._ndim - 2
    cdef Py_ssize_t m = x._shape[nb], n = x._shape[nb + 1], count = _count(nb, x._shape)
    cdef Tensor r
    cdef bint tracked = _tracked(x)
    if tracked:
        _refuse_out(out, "linalg_matrix_norm")
    if is_cuda(a) or _off_host(out):
        if ord in ("nuc", 2, -2):            # the singular values, on the host
            return _host_round_trip(matrix_norm, (A, ord, dim, keepdim),
                                    {"dtype": dtype, "out": out}, a.device)
        _check_out_device(out, a.device)
        return _into_out(_norm_by_ops(a, ord, d0, d1, keepdim), out)
    if m == 0 or n == 0:
        r = _new(nb, x._shape, a._dtype, True)
    elif ord in ("nuc", 2, -2):
        # through the singular values, recorded (the SVD's derivative) when needed
        S = _svd_rec(x, False, None, "linalg.matrix_norm")[1] if tracked else \
            _svd(x, False, False, "linalg.matrix_norm")[1]
        if ord == "nuc":
            r = _sum_dims(S, [nb])
        else:
            r = clone(_t.select(S, -1, 0 if ord == 2 else min(m, n) - 1))
    elif not tracked:
        r = _norm_by_kernel(x, kinds[ord])
    else:
        kind = kinds[ord]
        with _untracked:
            r = _norm_by_kernel(x, kind)
        node = _record("LinalgVectorNormBackward0" if kind == NORM_FRO else
                       "AmaxBackward0" if kind == NORM_MAX_COLUMN or kind == NORM_MAX_ROW else
                       "AminBackward0", _norm_backward, (x,), (r,))
        node.save(x)
        node.save_output(r)
        node.ctx = kind
    if keepdim:
        for d in sorted((d0, d1)):
            r = _t.unsqueeze(r, d)
    return _into_out(r, out)


def _norm_by_ops(Tensor a, ord, int d0, int d1, bint keepdim):
    """The norms that need no SVD, from pyt ops that run on a's device (CUDA tensors):
    Frobenius as the vector 2-norm over both dims; the column-sum (row-sum) norms as the
    largest or smallest vector 1-norm over d0 (d1). Their recorded steps give the kernel's
    gradient (ties of amax / amin share it evenly). A def, so that tests can run it on
    CPU tensors."""
    cdef list shape
    from pyt._ext.reductions import vector_norm
    if a._shape[d0] == 0 or a._shape[d1] == 0:      # zeros, as the CPU kernel gives
        shape = _shape_list(a)
        shape[d0] = shape[d1] = 1
        r = _t.zeros(*shape, dtype=a._dtype, device=a.device)
    elif ord == "fro":
        r = vector_norm(a, 2, (d0, d1), True)
    else:
        summed, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = vector_norm(a, 1, summed, True)
        r = sums.amax(other, True) if ord > 0 else sums.amin(other, True)
    return r if keepdim else _t.squeeze(_t.squeeze(r, max(d0, d1)), min(d0, d1))


cdef Tensor _norm_by_kernel(Tensor x, int kind):
    """One norm per matrix of x (..., m, n), summed in double."""
    cdef int nb = x._ndim - 2, ok = 0
    cdef Py_ssize_t m = x._shape[nb], n = x._shape[nb + 1], count = _count(nb, x._shape)
    cdef Tensor work = x
    if x._dtype.code == PYT_FLOAT16 or x._dtype.code == PYT_BFLOAT16:
        work = _to_dtype(x, _f32, False)
    work = contiguous(work)
    cdef Tensor r = _new(nb, x._shape, work._dtype)
    with nogil:
        if work._dtype.code == PYT_FLOAT32:
            ok = _norm_kernel(<float*>work._data, <float*>r._data, count, m, n, kind)
        else:
            ok = _norm_kernel(<double*>work._data, <double*>r._data, count, m, n, kind)
    _bad_alloc(ok)
    return _to_dtype(r, x._dtype, False)


cdef tuple _norm_backward(Node node, tuple grads):
    """Frobenius: d|x| = <x, dx> / |x| (0 for x = 0, as torch). The largest (smallest)
    column or row sum of |x|: the gradient goes to that column's (row's) signs, split evenly
    among ties."""
    x, r = node.saved_values()
    g = grads[0]
    cdef int kind = node.ctx
    if kind == NORM_FRO:
        return (x * _as_matrix_of(g / (r + _to_dtype(detach(r) == 0, r.dtype, False))),)
    cdef int summed = -2 if kind == NORM_MAX_COLUMN or kind == NORM_MIN_COLUMN else -1
    cdef Tensor xd = detach(x)
    sums = xd.abs().sum(summed)
    best = sums.amax(-1, True) if kind == NORM_MAX_COLUMN or kind == NORM_MAX_ROW else \
        sums.amin(-1, True)
    picked = _to_dtype(sums == best, x.dtype, False)
    share = picked / picked.sum(-1, keepdim=True)
    return (xd.sign() * _t.unsqueeze(_t.unsqueeze(g, -1) * share, summed),)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """A matrix norm over two dims (ord given for a 2-D input, or dim of length 2), a vector
    norm otherwise; without ord, the 2-norm of the flattened dims."""
    cdef Tensor a = _tensor_arg(A, "linalg.norm", "A", 1)
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
    if ord is not None and dim is None and a._ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {a._ndim}D.")
    if isinstance(dim, tuple) and len(dim) == 2 or (dim is None and ord is not None and a._ndim == 2):
        return matrix_norm(a, "fro" if ord is None else ord, dim if dim is not None else (-2, -1),
                           keepdim, dtype=dtype, out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported for vectors.")
    from pyt._ext.reductions import vector_norm
    return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
