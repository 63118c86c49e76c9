"""torch's multi-tensor ops, pyt._foreach_add ... _foreach_norm: one op over lists of
tensors, as the optimizers' foreach paths use them.

On CUDA, lists that fit foreach.cu (contiguous float tensors on one device, tensors of
one index alike in dtype and shape) run as one fused launch per chunk of tensors;
anything else (the CPU, mixed layouts, integer dtypes, autograd) loops over the tensors
with the ordinary ops, which is what torch does on the CPU too and gives its errors."""
import numbers

import pyt
from pyt import Tensor
from pyt._ext.foreach import cuda_foreach as _cuda_foreach

# op codes of pyt_cuda.h's PYT_FE_* (foreach.cu)
(FE_ADD, FE_SUB, FE_MUL, FE_DIV, FE_MAXIMUM, FE_MINIMUM, FE_ADDCMUL, FE_ADDCDIV, FE_LERP,
 FE_SQRT, FE_NEG, FE_ABS, FE_SIGN, FE_EXP, FE_COPY, FE_ZERO, FE_ADAM, FE_SGD) = range(18)


# ----- argument checks (torch's messages) ---------------------------------------------

def _is_number(x):
    return isinstance(x, numbers.Number) and not isinstance(x, Tensor)


def _bad_args(name, args):
    got = ", ".join(type(a).__name__ for a in args)
    return TypeError(f"{name}() received an invalid combination of arguments - got ({got})")


def _tensors(x, pos, name, args):
    """x as a list of tensors (argument number pos of name), checked."""
    if isinstance(x, Tensor) or not isinstance(x, (list, tuple)):
        raise _bad_args(name, args)
    for i, t in enumerate(x):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument {pos}, but got "
                            f"{type(t).__name__}")
    return x


def _self_list(self, name, args):
    self = _tensors(self, 0, name, args)
    if len(self) == 0:
        raise RuntimeError("Tensor list must have at least one tensor.")
    return self


def _same_length(a, b):
    if len(a) != len(b):
        raise RuntimeError(f"Tensor lists must have the same number of tensors, got "
                           f"{len(a)} and {len(b)}")


def _scalar_list(scalars, n):
    if isinstance(scalars, Tensor):
        if scalars.dim() != 1:
            raise RuntimeError(f"Expected scalars to be 1D tensor, but got {scalars.dim()}D "
                               f"tensor")
        scalars = scalars.tolist()
    if len(scalars) != n:
        raise RuntimeError("Tensor list must have same number of elements as scalar list.")
    return list(scalars)


def _zero_dim(t):
    if t.dim() != 0:
        raise RuntimeError(f"scalar tensor expected to be 0 dim but it has {t.dim()} "
                           f"dimensions and {t.numel()} elements.")
    return t


def _kind(other, n, name, args, pos=1):
    """What the second operand of a binary foreach op is: ('list', tensors),
    ('scalars', numbers), ('tensor', a 0-d tensor) or ('scalar', a number)."""
    if isinstance(other, Tensor):
        return "tensor", _zero_dim(other)
    if _is_number(other):
        return "scalar", other
    if isinstance(other, (list, tuple)):
        if len(other) and all(_is_number(s) for s in other):
            return "scalars", _scalar_list(other, n)
        return "list", _tensors(other, pos, name, args)
    raise _bad_args(name, args)


def _on_cuda(tensors):
    return tensors[0].is_cuda


def _float_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, Tensor)


# ----- binary ops: add, sub, mul, div, maximum, minimum -------------------------------

def _binary_fn(name):
    if name == "maximum":
        return (lambda a, b: pyt.maximum(a, b) if isinstance(b, Tensor) else pyt.clamp(a, min=b),
                lambda a, b: a.copy_(pyt.maximum(a, b)) if isinstance(b, Tensor)
                else a.clamp_(min=b))
    if name == "minimum":
        return (lambda a, b: pyt.minimum(a, b) if isinstance(b, Tensor) else pyt.clamp(a, max=b),
                lambda a, b: a.copy_(pyt.minimum(a, b)) if isinstance(b, Tensor)
                else a.clamp_(max=b))
    fn = getattr(pyt, name)
    inplace = getattr(Tensor, name + "_")
    return fn, inplace


def _make_binary(name, code, has_alpha):
    fn, fn_ = _binary_fn(name)

    def run(self, other, alpha, inplace, public):
        args = (self, other)
        self = _self_list(self, public, args)
        n = len(self)
        kind, other = _kind(other, n, public, args)
        if kind == "list":
            _same_length(self, other)
        if alpha != 1 and kind in ("scalar", "scalars"):
            raise _bad_args(public, args)
        # the fused kernel
        if _on_cuda(self) and kind != "tensor" and (kind != "scalar" or _float_number(other)) \
                and (kind != "scalars" or all(_float_number(s) for s in other)):
            out = list(self) if inplace else [pyt.empty_like(t) for t in self]
            if kind == "list":
                ok = _cuda_foreach(code, (out, self, other), None, None, (alpha,))
            else:
                scal = other if kind == "scalars" else [other] * n
                ok = _cuda_foreach(code, (out, self), scal)
            if ok:
                return self if inplace else tuple(out)
        # one op per tensor
        extra = {"alpha": alpha} if has_alpha and alpha != 1 else {}
        if kind == "list":
            pairs = zip(self, other)
        elif kind == "scalars":
            pairs = zip(self, other)
        else:
            pairs = ((t, other) for t in self)
        if inplace:
            for a, b in pairs:
                fn_(a, b, **extra)
            return self
        return tuple(fn(a, b, **extra) for a, b in pairs)

    if has_alpha:
        def op(self, other, *, alpha=1):
            return run(self, other, alpha, False, f"_foreach_{name}")

        def op_(self, other, *, alpha=1):
            return run(self, other, alpha, True, f"_foreach_{name}_")
    else:
        def op(self, other):
            return run(self, other, 1, False, f"_foreach_{name}")

        def op_(self, other):
            return run(self, other, 1, True, f"_foreach_{name}_")
    op.__name__, op_.__name__ = f"_foreach_{name}", f"_foreach_{name}_"
    op.__doc__ = f"[{name}(t, other) for each t] (other: a tensor list, a scalar list, " \
                 f"a number or a 0-d tensor)"
    op_.__doc__ = f"In-place _foreach_{name}."
    return op, op_


_foreach_add, _foreach_add_ = _make_binary("add", FE_ADD, True)
_foreach_sub, _foreach_sub_ = _make_binary("sub", FE_SUB, True)
_foreach_mul, _foreach_mul_ = _make_binary("mul", FE_MUL, False)
_foreach_div, _foreach_div_ = _make_binary("div", FE_DIV, False)
_foreach_maximum, _foreach_maximum_ = _make_binary("maximum", FE_MAXIMUM, False)
_foreach_minimum, _foreach_minimum_ = _make_binary("minimum", FE_MINIMUM, False)
_foreach_clamp_min, _foreach_clamp_min_ = _foreach_maximum, _foreach_maximum_
_foreach_clamp_max, _foreach_clamp_max_ = _foreach_minimum, _foreach_minimum_


# ----- addcmul, addcdiv ---------------------------------------------------------------

def _make_pointwise(name, code):
    fn, fn_ = getattr(pyt, name), getattr(Tensor, name + "_")
    public = f"_foreach_{name}"

    def run(self, tensor1, tensor2, scalars, inplace):
        args = (self, tensor1, tensor2)
        self = _self_list(self, public, args)
        tensor1 = _tensors(tensor1, 1, public, args)
        tensor2 = _tensors(tensor2, 2, public, args)
        _same_length(self, tensor1)
        _same_length(self, tensor2)
        n = len(self)
        if _is_number(scalars):
            values = [scalars] * n
        elif isinstance(scalars, (list, tuple, Tensor)):
            values = _scalar_list(scalars, n)
        else:
            raise _bad_args(public, args + (scalars,))
        if _on_cuda(self) and all(_float_number(v) for v in values):
            out = list(self) if inplace else [pyt.empty_like(t) for t in self]
            if _cuda_foreach(code, (out, self, tensor1, tensor2), values):
                return self if inplace else tuple(out)
        if inplace:
            for a, b, c, v in zip(self, tensor1, tensor2, values):
                fn_(a, b, c, value=v)
            return self
        return tuple(fn(a, b, c, value=v) for a, b, c, v in zip(self, tensor1, tensor2, values))

    def op(self, tensor1, tensor2, scalars=1, *, value=None):
        return run(self, tensor1, tensor2, scalars if value is None else value, False)

    def op_(self, tensor1, tensor2, scalars=1, *, value=None):
        return run(self, tensor1, tensor2, scalars if value is None else value, True)
    op.__name__, op_.__name__ = public, public + "_"
    op.__doc__ = f"[{name}(t, t1, t2, value=v) for each t] (value: a number or one per tensor)"
    op_.__doc__ = f"In-place {public}."
    return op, op_


_foreach_addcmul, _foreach_addcmul_ = _make_pointwise("addcmul", FE_ADDCMUL)
_foreach_addcdiv, _foreach_addcdiv_ = _make_pointwise("addcdiv", FE_ADDCDIV)


# ----- lerp ---------------------------------------------------------------------------

def _lerp(self, tensors1, weight, inplace):
    public = "_foreach_lerp_" if inplace else "_foreach_lerp"
    args = (self, tensors1, weight)
    self = _self_list(self, public, args)
    tensors1 = _tensors(tensors1, 1, public, args)
    _same_length(self, tensors1)
    n = len(self)
    kind, weight = _kind(weight, n, public, args, pos=2)
    if kind == "list":
        _same_length(self, weight)
    if _on_cuda(self) and kind != "tensor" and (kind != "scalar" or _float_number(weight)) \
            and (kind != "scalars" or all(_float_number(w) for w in weight)):
        out = list(self) if inplace else [pyt.empty_like(t) for t in self]
        if kind == "list":
            ok = _cuda_foreach(FE_LERP, (out, self, tensors1, weight))
        else:
            ok = _cuda_foreach(FE_LERP, (out, self, tensors1),
                               weight if kind == "scalars" else [weight] * n)
        if ok:
            return self if inplace else tuple(out)
    weights = weight if kind in ("list", "scalars") else [weight] * n
    if inplace:
        for a, b, w in zip(self, tensors1, weights):
            a.lerp_(b, w)
        return self
    return tuple(pyt.lerp(a, b, w) for a, b, w in zip(self, tensors1, weights))


def _foreach_lerp(self, tensors1, weight):
    """[lerp(t, t1, w) for each t] (weight: a number, one per tensor, or a tensor list)"""
    return _lerp(self, tensors1, weight, False)


def _foreach_lerp_(self, tensors1, weight):
    """In-place _foreach_lerp."""
    return _lerp(self, tensors1, weight, True)


# ----- unary ops ----------------------------------------------------------------------

def _make_unary(name, code=None):
    public = f"_foreach_{name}"
    fn = getattr(pyt, name)
    fn_ = getattr(Tensor, name + "_")

    def run(self, inplace):
        self = _self_list(self, public + ("_" if inplace else ""), (self,))
        if code is not None and _on_cuda(self):
            out = list(self) if inplace else [pyt.empty_like(t) for t in self]
            if _cuda_foreach(code, (out, self)):
                return self if inplace else tuple(out)
        if inplace:
            for t in self:
                fn_(t)
            return self
        return tuple(fn(t) for t in self)

    def op(self):
        return run(self, False)

    def op_(self):
        return run(self, True)
    op.__name__, op_.__name__ = public, public + "_"
    op.__doc__ = f"[{name}(t) for each t]"
    op_.__doc__ = f"In-place {public}."
    return op, op_


_foreach_sqrt, _foreach_sqrt_ = _make_unary("sqrt", FE_SQRT)
_foreach_neg, _foreach_neg_ = _make_unary("neg", FE_NEG)
_foreach_abs, _foreach_abs_ = _make_unary("abs", FE_ABS)
_foreach_sign, _foreach_sign_ = _make_unary("sign", FE_SIGN)
_foreach_exp, _foreach_exp_ = _make_unary("exp", FE_EXP)
# the rest loop over the tensors
_foreach_log, _foreach_log_ = _make_unary("log")
_foreach_log1p, _foreach_log1p_ = _make_unary("log1p")
_foreach_expm1, _foreach_expm1_ = _make_unary("expm1")
_foreach_reciprocal, _foreach_reciprocal_ = _make_unary("reciprocal")
_foreach_sigmoid, _foreach_sigmoid_ = _make_unary("sigmoid")
_foreach_tanh, _foreach_tanh_ = _make_unary("tanh")
_foreach_sin, _foreach_sin_ = _make_unary("sin")
_foreach_cos, _foreach_cos_ = _make_unary("cos")
_foreach_floor, _foreach_floor_ = _make_unary("floor")
_foreach_ceil, _foreach_ceil_ = _make_unary("ceil")
_foreach_round, _foreach_round_ = _make_unary("round")
_foreach_trunc, _foreach_trunc_ = _make_unary("trunc")
_foreach_frac, _foreach_frac_ = _make_unary("frac")


def _foreach_zero_(self):
    """Every tensor of self filled with zeros."""
    self = _self_list(self, "_foreach_zero_", (self,))
    if not (_on_cuda(self) and _cuda_foreach(FE_ZERO, (self,))):
        for t in self:
            t.zero_()
    return self


def _foreach_copy_(self, src, non_blocking=False):
    """self[i].copy_(src[i]) for each i."""
    args = (self, src)
    self = _self_list(self, "_foreach_copy_", args)
    src = _tensors(src, 1, "_foreach_copy_", args)
    _same_length(self, src)
    if not (_on_cuda(self) and _cuda_foreach(FE_COPY, (self, src))):
        for t, s in zip(self, src):
            t.copy_(s, non_blocking=non_blocking)
    return self


def _foreach_norm(self, ord=2, dtype=None):
    """[linalg.vector_norm(t, ord, dtype=dtype) for each t] (0-d tensors)."""
    self = _self_list(self, "_foreach_norm", (self, ord))
    return tuple(pyt.linalg.vector_norm(t, ord, dtype=dtype) for t in self)


def _foreach_pow(self, exponent):
    """[t ** e for each t] (exponent: a number, one per tensor, or a tensor list)."""
    self = _self_list(self, "_foreach_pow", (self, exponent))
    kind, exponent = _kind(exponent, len(self), "_foreach_pow", (self, exponent))
    if kind == "list":
        _same_length(self, exponent)
    if kind in ("list", "scalars"):
        return tuple(pyt.pow(t, e) for t, e in zip(self, exponent))
    return tuple(pyt.pow(t, exponent) for t in self)


def _foreach_pow_(self, exponent):
    """In-place _foreach_pow."""
    self = _self_list(self, "_foreach_pow_", (self, exponent))
    kind, exponent = _kind(exponent, len(self), "_foreach_pow_", (self, exponent))
    if kind == "list":
        _same_length(self, exponent)
    pairs = zip(self, exponent) if kind in ("list", "scalars") else ((t, exponent) for t in self)
    for t, e in pairs:
        t.pow_(e)
    return self


# ----- the optimizers' fused steps (CUDA only; False: not run, use the foreach ops) ----

def _fused_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, bias_correction1,
                bias_correction2_sqrt, beta1, beta2, lr, eps, weight_decay, decoupled,
                maximize):
    """One Adam / AdamW step over the lists in foreach.cu's fused kernel, when they fit it
    (bias corrections: one per tensor). True when done."""
    if not (params and params[0].is_cuda):
        return False
    lists = (params, grads, exp_avgs, exp_avg_sqs)
    written = (0, 2, 3)
    if max_exp_avg_sqs is not None:
        lists += (max_exp_avg_sqs,)
        written += (4,)
    return _cuda_foreach(FE_ADAM, lists, bias_correction1, bias_correction2_sqrt,
                         (beta1, beta2, lr, eps, weight_decay, decoupled, maximize), written)


def _fused_sgd(params, grads, buffers, new_buffer, lr, momentum, dampening, weight_decay,
               nesterov, maximize):
    """One SGD step over the lists in foreach.cu's fused kernel (buffers None: no
    momentum; new_buffer[i] true: buffer i is fresh and takes the update). True when done."""
    if not (params and params[0].is_cuda):
        return False
    lists = (params, grads) if buffers is None else (params, grads, buffers)
    written = (0,) if buffers is None else (0, 2)
    return _cuda_foreach(FE_SGD, lists, new_buffer, None,
                         (lr, momentum, dampening, weight_decay, nesterov, maximize), written)


__all__ = [name for name in dir() if name.startswith("_foreach_")]
