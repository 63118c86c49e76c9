# Contractions built on the product driver: einsum, tensordot, kron, trace, diag, multi_dot.
# Each reduces to views (permute, diagonal) plus one batched product per pair of operands;
# a sum over dims is a product with a vector of ones, so BLAS does the adding. They are
# differentiated through those steps, which record themselves when a gradient is needed
# (a sum then is the recorded sum); trace and diag have derivatives of their own.

cdef Tensor _sum_trailing(Tensor t, int keep):
    """Sums t over its dims after the first `keep` (a new tensor of t's first dims)."""
    cdef Py_ssize_t rows = 1, cols = 1
    cdef int i
    for i in range(t._ndim):
        if i < keep:
            rows *= t._shape[i]
        else:
            cols *= t._shape[i]
    kept = [t._shape[i] for i in range(keep)]
    if _tracked(t):
        return t.sum(tuple(range(keep, t._ndim))) if keep < t._ndim else t
    if is_cuda(t):                       # the GPU's reduction (integers too), in t's dtype
        return t.sum(tuple(range(keep, t._ndim)), dtype=t._dtype) if keep < t._ndim else t
    cdef Tensor flat = _t.reshape(t, rows, cols)
    cdef Tensor ones = _t.ones(cols, 1, dtype=t._dtype, device=t.device)
    cdef Tensor r = _product(flat, ones, 0, NULL, None, 1, 0, "sum")
    return _t.reshape(r, kept)


cdef Tensor _sum_dims(Tensor t, list dims):
    """Sums t over dims (a list of dim indices); the others keep their order."""
    keep = [d for d in range(t._ndim) if d not in dims]
    return _sum_trailing(_t.permute(t, *(keep + dims)), len(keep))


cdef inline Tensor _widened_for_sum(Tensor t):
    """torch's sum gives int64 for integer and bool inputs."""
    return _to_dtype(t, _i64, False) if is_integral(t._dtype, True) else t


# ----- einsum ------------------------------------------------------------------------------

cdef int _label_of(str ch, Py_ssize_t pos) except -1:
    """Subscripts A-Z are 0..25 and a-z 26..51 (so uppercase sorts first, as torch)."""
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A")
    if "a" <= ch <= "z":
        return ord(ch) - ord("a") + 26
    raise RuntimeError(f"einsum(): invalid subscript given at index {pos} in the equation "
                       f"string, subscripts must be in [a-zA-Z]")


cdef str _letter(int label):
    return chr(ord("A") + label) if label < 26 else chr(ord("a") + label - 26)


cdef list _parse_term(str term, Py_ssize_t start, str what):
    """Labels of one term in order; -1 stands for the ellipsis."""
    cdef list labels = []
    cdef Py_ssize_t i = 0, n = len(term)
    cdef bint ellipsis = False
    while i < n:
        if term[i] == ".":
            if term[i:i + 3] != "...":
                raise RuntimeError(f"einsum(): found '.' for {what} that is not part of any "
                                   f"ellipsis")
            if ellipsis:
                raise RuntimeError(f"einsum(): found '...' more than once for {what}")
            ellipsis = True
            labels.append(-1)
            i += 3
        else:
            labels.append(_label_of(term[i], start + i))
            i += 1
    return labels


cdef tuple _sublist_equation(tuple args):
    """einsum(op0, sublist0, op1, sublist1, ..., [out_sublist]) as an equation string."""
    ops = args[0::2]
    subs = args[1::2]
    out = None
    if len(args) % 2 == 1:
        ops = args[0:len(args) - 1:2]
        out = args[len(args) - 1]
    else:
        ops = args[0::2]

    def term(sub):
        parts = []
        for s in sub:
            if s is Ellipsis:
                parts.append("...")
            elif isinstance(s, int) and 0 <= s < 52:
                parts.append(_letter(s))
            else:
                raise RuntimeError(f"einsum(): expected subscript to be in range [0, 52) but "
                                   f"got {s}")
        return "".join(parts)

    eq = ",".join([term(s) for s in subs])
    if out is not None:
        eq += "->" + term(out)
    return eq, tuple(ops)


def einsum(*args):
    """Einstein summation: any equation, with repeated subscripts (diagonals), '...' for
    broadcast dims and the implicit output of torch/NumPy. Operands are contracted left to
    right, each pair as one batched product."""
    cdef Py_ssize_t i, j, nlab, E = 0
    cdef Tensor t
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, "
                        "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    ops = [_tensor_arg(o, "einsum", "operands", k + 1) for k, o in enumerate(operands)]
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(ops):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(ops):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    # labels of each operand's dims; the ellipsis becomes labels 52.. aligned to the right
    parsed = []
    pos = 0
    for i in range(len(terms)):
        parsed.append(_parse_term(terms[i], pos, f"operand {i}"))
        pos += len(terms[i]) + 1
    for i in range(len(ops)):
        t = ops[i]
        nlab = len([l for l in parsed[i] if l >= 0])
        if -1 in parsed[i]:
            if nlab > t._ndim:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({nlab})"
                                   f" is more than the number of dimensions ({t._ndim}) for "
                                   f"operand {i}")
            E = max(E, t._ndim - nlab)
        elif nlab != t._ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({nlab}) "
                               f"does not match the number of dimensions ({t._ndim}) for "
                               f"operand {i} and no ellipsis was given")
    labels = []
    for i in range(len(ops)):
        t = ops[i]
        nlab = len([l for l in parsed[i] if l >= 0])
        dims = []
        for l in parsed[i]:
            if l == -1:
                dims.extend(range(52 + E - (t._ndim - nlab), 52 + E))
            else:
                dims.append(l)
        labels.append(dims)
    ellipsis_labels = list(range(52, 52 + E))
    if arrow:
        out = _parse_term(rhs, len(lhs) + 2, "the output")
        seen = set()
        for l in out:
            if l >= 0 and l in seen:
                raise RuntimeError(f"einsum(): output subscript {_letter(l)} appears more than "
                                   f"once in the output")
            seen.add(l)
            if l >= 0 and not any(l in p for p in parsed):
                raise RuntimeError(f"einsum(): output subscript {_letter(l)} does not appear in "
                                   f"the equation for any input operand")
        if -1 in out:
            j = out.index(-1)
            out = out[:j] + ellipsis_labels + out[j + 1:]
    else:
        counts = {}
        for p in parsed:
            for l in p:
                counts[l] = counts.get(l, 0) + 1
        out = ellipsis_labels + sorted([l for l in counts if l >= 0 and counts[l] == 1])
    _check_einsum_dtypes(ops)
    return _einsum(ops, labels, out)


cdef int _check_einsum_dtypes(list ops) except -1:
    cdef Tensor first = ops[0]
    for t in ops[1:]:
        _same_dtype_scalar(first, t)
    return 0


cdef tuple _take_diagonals(Tensor t, list labels, int index):
    """Repeated labels of one operand become one dim: a strided view of the diagonal."""
    sizes, strides, uniq = [], [], []
    for d in range(t._ndim):
        l = labels[d]
        if l in uniq:
            j = uniq.index(l)
            if sizes[j] != t._shape[d]:
                raise RuntimeError(f"einsum(): subscript {_letter(l)} is repeated for operand "
                                   f"{index} but the sizes don't match, {t._shape[d]} != "
                                   f"{sizes[j]}")
            strides[j] += t._strides[d]
        else:
            uniq.append(l)
            sizes.append(t._shape[d])
            strides.append(t._strides[d])
    if len(uniq) == t._ndim:
        return t, labels
    return _t.as_strided(t, sizes, strides, t._offset), uniq


cdef Tensor _einsum(list ops, list labels, list out):
    cdef Tensor t
    cdef dict size = {}
    cdef int i, n = len(ops)
    cdef bint single = n == 1
    # diagonals, and sizes (a size-1 dim broadcasts against the others)
    for i in range(n):
        ops[i], labels[i] = _take_diagonals(ops[i], labels[i], i)
        t = ops[i]
        for d in range(t._ndim):
            l, s = labels[i][d], t._shape[d]
            if l not in size or size[l] == 1:
                size[l] = s
            elif s != 1 and s != size[l]:
                raise RuntimeError(f"einsum(): subscript {_letter(l) if l < 52 else '...'} has "
                                   f"size {s} for operand {i} which does not broadcast with "
                                   f"previously seen size {size[l]}")
    # labels only one operand has and the output lacks are summed away first
    for i in range(n):
        others = set(out)
        for j in range(n):
            if j != i:
                others.update(labels[j])
        drop = [d for d in range(len(labels[i])) if labels[i][d] not in others]
        if drop:
            t = _widened_for_sum(ops[i]) if single else ops[i]
            ops[i] = _sum_dims(t, drop)
            labels[i] = [l for l in labels[i] if l in others]
    t = ops[0]
    cur = labels[0]
    for i in range(1, n):
        later = set(out)
        for j in range(i + 1, n):
            later.update(labels[j])
        t, cur = _contract_pair(t, cur, ops[i], labels[i], later, size)
    extra = [d for d in range(len(cur)) if cur[d] not in out]
    if extra:
        t = _sum_dims(t, extra)
        cur = [l for l in cur if l in out]
    return _t.permute(t, *[cur.index(l) for l in out])


cdef tuple _contract_pair(Tensor x, list xl, Tensor y, list yl, set later, dict size):
    """x and y contracted over their shared labels that nothing later needs: one batched
    product of x as (batch, M, K) and y as (batch, K, N)."""
    batch = [l for l in xl if l in yl and l in later]
    summed = [l for l in xl if l in yl and l not in later]
    xonly = [l for l in xl if l not in yl]
    yonly = [l for l in yl if l not in xl]
    xs = [x._shape[xl.index(l)] for l in xl]
    ys = [y._shape[yl.index(l)] for l in yl]
    # a summed label of size 1 on one side broadcasts against the other
    xp = _t.permute(x, *[xl.index(l) for l in batch + xonly + summed])
    yp = _t.permute(y, *[yl.index(l) for l in batch + summed + yonly])
    K = 1
    for l in summed:
        K *= size[l]
    if any(x._shape[xl.index(l)] != size[l] for l in summed):
        xp = _t.expand(xp, *([-1] * (len(batch) + len(xonly)) + [size[l] for l in summed]))
    if any(y._shape[yl.index(l)] != size[l] for l in summed):
        yp = _t.expand(yp, *([-1] * len(batch) + [size[l] for l in summed] + [-1] * len(yonly)))
    xb = [x._shape[xl.index(l)] for l in batch]
    yb = [y._shape[yl.index(l)] for l in batch]
    M = 1
    for l in xonly:
        M *= x._shape[xl.index(l)]
    N = 1
    for l in yonly:
        N *= y._shape[yl.index(l)]
    cdef Tensor xm = _t.reshape(xp, *(xb + [M, K]))
    cdef Tensor ym = _t.reshape(yp, *(yb + [K, N]))
    cdef Py_ssize_t bshape[PYT_MAX_DIMS]
    cdef int nb = _broadcast_batch(xm, ym, len(batch), len(batch), bshape)
    cdef Tensor r = _product_rec(xm, ym, nb, bshape)
    shape = [bshape[i] for i in range(nb)] + [x._shape[xl.index(l)] for l in xonly] + \
            [y._shape[yl.index(l)] for l in yonly]
    return _t.reshape(r, *shape), batch + xonly + yonly


# ----- tensordot, kron, trace, diag -----------------------------------------------------------

def tensordot(a, b, dims=2, out=None):
    """Sums a and b over the paired dims: dims=n pairs a's last n with b's first n."""
    cdef Tensor x = _tensor_arg(a, "tensordot", "a", 1), y = _tensor_arg(b, "tensordot", "b", 2)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int) or hasattr(dims, "__index__") and not isinstance(dims, (list, tuple)):
        n = int(dims)
        if n < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
        if n > x._ndim or n > y._ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={n}")
        da = list(range(x._ndim - n, x._ndim))
        db = list(range(n))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
        da = [wrap_dim(d, x._ndim) for d in da]
        db = [wrap_dim(d, y._ndim) for d in db]
    if x._dtype is not y._dtype:
        raise RuntimeError("both inputs should have same dtype")
    K = 1
    for i in range(len(da)):
        if x._shape[da[i]] != y._shape[db[i]]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{x._shape[da[i]]} in dim {da[i]} and second has size "
                               f"{y._shape[db[i]]} in dim {db[i]}")
        K *= x._shape[da[i]]
    fa = [d for d in range(x._ndim) if d not in da]
    fb = [d for d in range(y._ndim) if d not in db]
    M = 1
    for d in fa:
        M *= x._shape[d]
    N = 1
    for d in fb:
        N *= y._shape[d]
    cdef Tensor xm = _t.reshape(_t.permute(x, *(fa + da)), M, K)
    cdef Tensor ym = _t.reshape(_t.permute(y, *(db + fb)), K, N)
    if _tracked(x, y):
        _refuse_out(out, "tensordot")
    cdef Tensor r = _mm_rec(xm, ym)
    r = _t.reshape(r, *([x._shape[d] for d in fa] + [y._shape[d] for d in fb]))
    return _into_out(r, out)


def kron(input, other, *, out=None):
    """The Kronecker product: every element of input times a copy of other."""
    cdef Tensor a = _tensor_arg(input, "kron", "input", 1)
    cdef Tensor b = _tensor_arg(other, "kron", "other", 2)
    cdef int nd = max(a._ndim, b._ndim), i
    sa = [1] * (nd - a._ndim) + _shape_list(a)
    sb = [1] * (nd - b._ndim) + _shape_list(b)
    # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...), then pairs merged
    ia, ib = [], []
    for i in range(nd):
        ia += [sa[i], 1]
        ib += [1, sb[i]]
    if _tracked(a, b):
        _refuse_out(out, "kron")
    r = _t.mul(_t.reshape(a, *ia), _t.reshape(b, *ib))
    return _into_out(_t.reshape(r, *[sa[i] * sb[i] for i in range(nd)]), out)


def trace(input):
    """The sum of a matrix's diagonal (int64 for integer input, as torch)."""
    cdef Tensor t = _tensor_arg(input, "trace", "input", 1)
    cdef Tensor r
    if t._ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {t._ndim}")
    if not _tracked(t):
        return _sum_trailing(_t.diagonal(_widened_for_sum(t)), 0)
    with _untracked:
        r = _sum_trailing(_t.diagonal(t), 0)
    _record("TraceBackward0", _trace_backward, (t,), (r,)).ctx = (t._shape[0], t._shape[1])
    return r


cdef tuple _trace_backward(Node node, tuple grads):
    """The gradient on the diagonal, zeros elsewhere."""
    rows, cols = node.ctx
    g = grads[0]
    return (g * _t.eye(rows, cols, dtype=g.dtype, device=g.device),)


def diag(input, diagonal=0, *, out=None):
    """A 1-D input as the given diagonal of a square matrix; of a 2-D input, that diagonal."""
    cdef Tensor t = _tensor_arg(input, "diag", "input", 1)
    cdef Py_ssize_t off = diagonal, n
    cdef Tensor r
    if t._ndim != 1 and t._ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {t._ndim}D")
    if _tracked(t):
        _refuse_out(out, "diag")
    if t._ndim == 2:
        return _into_out(clone(_t.diagonal(t, off)), out)      # recorded as those two
    n = t._shape[0] + (off if off >= 0 else -off)
    r = _t.zeros(n, n, dtype=t._dtype, device=t.device)
    copy_into(_t.diagonal(r, off), t)
    if _tracked(t):
        _record("DiagEmbedBackward0", _diag_backward, (t,), (r,)).ctx = off
    return _into_out(r, out)


cdef tuple _diag_backward(Node node, tuple grads):
    """The gradient's diagonal that the vector was laid on."""
    return (_t.diagonal(grads[0], node.ctx),)


def diagflat(input, offset=0):
    """The flattened input as a diagonal of a square matrix."""
    cdef Tensor t = _tensor_arg(input, "diagflat", "input", 1)
    return diag(_t.reshape(t, -1), offset)


# ----- chains of products ---------------------------------------------------------------------

cdef list _chain_order(list dims):
    """The cheapest parenthesisation of a matrix chain (dims[i] x dims[i+1] matrices), by
    dynamic programming: split[i][j] is where chain i..j splits."""
    cdef int n = len(dims) - 1, length, i, j, s
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            best = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if best is None or c < best:
                    best, split[i][j] = c, s
            cost[i][j] = best
    return split


cdef Tensor _chain(list mats, list split, int i, int j):
    if i == j:
        return mats[i]
    cdef int s = split[i][j]
    return _mm_rec(_chain(mats, split, i, s), _chain(mats, split, s + 1, j))


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices in the cheapest order; the first and last may be
    vectors (a row and a column)."""
    given = list(tensors)
    mats = list(given)
    cdef int n = len(mats), i
    cdef Tensor t, first, last
    cdef bint tracked = False
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i in range(n):
        t = _tensor_arg(mats[i], "multi_dot", "tensors", 1)
        if i == 0 or i == n - 1:
            if t._ndim not in (1, 2):
                raise RuntimeError(f"multi_dot(): the {'first' if i == 0 else 'last'} tensor "
                                   f"must be 1D or 2D but got {t._ndim}D")
        elif t._ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._ndim}D")
        if t._dtype is not (<Tensor>mats[0])._dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor"
                               f" 0 is {cpp_type_name((<Tensor>mats[0])._dtype.code)} and tensor {i}"
                               f" {cpp_type_name(t._dtype.code)}")
        tracked = tracked or _tracked(t)
    if tracked:
        _refuse_out(out, "multi_dot")
    first, last = mats[0], mats[n - 1]
    if first._ndim == 1:
        mats[0] = _t.unsqueeze(first, 0) if tracked else _insert_dim(first, 0)
    if last._ndim == 1:
        mats[n - 1] = _t.unsqueeze(last, 1) if tracked else _insert_dim(last, 1)
    for i in range(n - 1):
        if (<Tensor>mats[i])._shape[1] != (<Tensor>mats[i + 1])._shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{_shape_list(given[i])} and {_shape_list(given[i + 1])} "
                               f"cannot be multiplied")
    dims = [(<Tensor>mats[0])._shape[0]] + [(<Tensor>m)._shape[1] for m in mats]
    cdef Tensor r = _chain(mats, _chain_order(dims), 0, n - 1)
    if r._requires_grad:               # recorded: drop the vectors' dims with a recorded view
        return _t.reshape(r, [r._shape[i] for i in range(2) if (first._ndim, last._ndim)[i] != 1])
    if last._ndim == 1:
        r = _drop_dim(r, 1) if r._ndim == 2 else r
    if first._ndim == 1:
        r = _drop_dim(r, 0)
    return _into_out(r, out)


def chain_matmul(*matrices, out=None):
    """The product of 2-D matrices in the cheapest order (torch's older multi_dot)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    for i, m in enumerate(matrices):
        if not isinstance(m, Tensor) or (<Tensor>m)._ndim != 2:
            raise RuntimeError(f"Tensor dimension is {getattr(m, 'ndim', None)}, expected 2 "
                               f"instead.")
    if len(matrices) == 1:
        return _into_out(clone(matrices[0]), out)
    return multi_dot(matrices, out=out)
