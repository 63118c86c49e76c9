# cross_entropy with class-index targets on CUDA, fused (loss.cu): one kernel takes each
# row's log-sum-exp and -logp[target] * weight, one more the gradient
# (softmax - onehot) * weight * grad, where log_softmax + nll_loss take several kernels
# and keep the whole log_softmax for the backward. The CPU path, label smoothing and
# probability targets stay log_softmax + nll_loss (pyt.nn.functional.cross_entropy).
# An out-of-range target does not make the call wait for the GPU (torch checks on the
# device too): its row reads nothing and counts 0, loss.cu keeps the first such target on
# the host, and the IndexError ("Target 7 is out of bounds.") comes from the first later
# cross_entropy call made after the GPU ran the bad one, or from pyt.cuda.synchronize().

cdef dict _CE_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def fused_cross_entropy(input, target, weight, ignore_index, str reduction):
    """F.cross_entropy for a floating CUDA input [N, C, *] (or [C]) and class indices
    (int64 or uint8) of the shape _check_class_target accepted; weight None or C values
    (checked by the caller). Recorded as one node when input needs a gradient."""
    cdef Tensor x = _tensor_arg(input, "input", "cross_entropy")
    cdef Tensor t = _tensor_arg(target, "target", "cross_entropy")
    cdef Node node
    common_device((x, t, weight))
    if t._device is not x._device:       # a CPU 0-d target of an unbatched input
        t = t.to(x._device)
    if not _tracks(x):
        return _ce_forward(x, t, weight, int(ignore_index), reduction)[0]
    out, xc, tc, wc, stats, total = _untracked(_ce_forward, (x, t, weight, int(ignore_index),
                                                            reduction))
    node = _record("NllLossBackward0", _ce_node_backward, (x,), (out,))
    node.save(x, tc, wc, stats, total)     # x, not a copy: create_graph reaches x through it
    node.ctx = (_CE_REDUCTIONS[reduction], int(ignore_index))
    return out


cdef void _ce_sizes(Tensor x, int64_t* N, int64_t* C, int64_t* S) noexcept:
    """x as [N, C, S]: an unbatched [C] is one row, spatial dims fold into S."""
    cdef int i
    N[0] = 1 if x._ndim == 1 else x._shape[0]
    C[0] = x._shape[0] if x._ndim == 1 else x._shape[1]
    S[0] = 1
    for i in range(2, x._ndim):
        S[0] *= x._shape[i]


def _ce_forward(Tensor x, Tensor t, weight, int64_t ignore_index, str reduction):
    """(loss, and what the backward needs: contiguous logits, flat int64 targets, weights
    in the compute dtype, per-row (max, log of the sum), the total weight)."""
    cdef int red = _CE_REDUCTIONS[reduction], rc
    cdef int64_t N, C, S, bad = 0
    cdef DType cdt = _compute_dtype(x._dtype)
    cdef Tensor xc = contiguous(x)
    cdef Tensor tc = contiguous(_to_dtype(t, _i64, False))
    cdef Tensor wc = None, out, stats, total
    cdef const void* wp = NULL
    _ce_sizes(x, &N, &C, &S)
    if weight is not None:
        wc = _as(<Tensor>weight, cdt)
        wp = wc._data
    out = _new_on(_shape(t) if red == 0 and x._ndim > 1 else [], x._dtype, False, x)
    stats = _new_on([N * S, 2], cdt, False, x)
    total = _new_on([1], cdt, False, x)
    with nogil:
        rc = pyt_cuda_cross_entropy(x._dtype.code, red, xc._data, <int64_t*>tc._data, wp,
                                    N, C, S, ignore_index, out._data, stats._data,
                                    total._data, &bad)
    if rc == PYT_CUDA_ERR_INDEX:
        raise IndexError(f"Target {bad} is out of bounds.")
    cuda_check(rc, "cross_entropy")
    return out, xc, tc, wc, stats, total


cdef tuple _ce_node_backward(Node node, tuple grads):
    """The fused kernel at first order; recorded ops (softmax - onehot) * coefficient
    under create_graph, so the gradient is differentiable in its turn."""
    cdef Tensor x, xc, tc, wc, stats, total, g, gc, gx
    cdef int red, rc
    cdef int64_t N, C, S, ignore_index
    cdef const void* wp = NULL
    x, tc, wc, stats, total = node.saved_values()
    red, ignore_index = node.ctx
    g = grads[0]
    _ce_sizes(x, &N, &C, &S)
    if grad_enabled():
        return (_ce_grad_recorded(x, tc, wc, total, g, red, ignore_index, N, C, S),)
    xc = contiguous(x)
    gc = contiguous(_cast(g, xc._dtype))
    gx = _new_on(_shape(xc), xc._dtype, False, xc)
    if wc is not None:
        wp = wc._data
    with nogil:
        rc = pyt_cuda_cross_entropy_backward(xc._dtype.code, red, xc._data,
                                             <int64_t*>tc._data, wp, stats._data,
                                             total._data, gc._data, gx._data, N, C, S,
                                             ignore_index)
    cuda_check(rc, "cross_entropy_backward")
    return (gx,)


cdef Tensor _ce_grad_recorded(Tensor x, Tensor tc, Tensor wc, Tensor total, Tensor g, int red,
                              int64_t ignore_index, int64_t N, int64_t C, int64_t S):
    import pyt
    keep = (tc != ignore_index).reshape(N, S)
    safe = tc.reshape(N, S).masked_fill(~keep, 0)
    prob = _softmax(x.reshape(N, C, S), 1, None, False)
    wrow = keep.to(prob.dtype) if wc is None else wc[safe] * keep.to(wc.dtype)
    if red == 0:
        coef = g.reshape(N, S) * wrow
    elif red == 2:
        coef = g.reshape(()) * wrow
    else:
        coef = (g.reshape(()) / total.reshape(())) * wrow
    onehot = (pyt.arange(C, device=x.device).reshape(1, C, 1) ==
              safe.reshape(N, 1, S)).to(prob.dtype)
    return ((prob - onehot) * coef.reshape(N, 1, S)).to(x.dtype).reshape(_shape(x))
