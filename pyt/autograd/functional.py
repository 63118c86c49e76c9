"""Derivatives of whole functions: vjp, jvp, jacobian, hessian, vhp and hvp.

Everything here is built on autograd.grad. pyt has no forward-mode AD, so the products
with a tangent (jvp, hvp, the forward-mode Jacobian) use the double-backward trick: a
backward pass is linear in the gradient it is seeded with, so differentiating it with
respect to that seed (at zero) gives J @ v.
"""
from pyt._ext.tensor import Tensor, is_grad_enabled, stack, zeros, zeros_like
from pyt._ext import autograd as _engine
from pyt.autograd.grad_mode import enable_grad, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ---- argument handling ----------------------------------------------------------------

def _tensors(value, arg_name, fn_name):
    """(was a tuple, the value as a tuple of Tensors), with torch's TypeError otherwise."""
    was_tuple = isinstance(value, tuple)
    items = value if was_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"value at index {i}" if was_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the {where} has type {type(item)}.")
    return was_tuple, items


def _unpack(result, was_tuple):
    """Undo _tensors: hand a single Tensor back when the user gave a single Tensor."""
    return result if was_tuple else result[0]


def _unpack_nested(result, outer_was_tuple, inner_was_tuple):
    if not inner_was_tuple:
        result = tuple(row[0] for row in result)
    return _unpack(result, outer_was_tuple)


def _fresh_inputs(inputs, create_graph, need_graph):
    """New Tensor objects for func to see, so its result's graph starts at them (and not at
    some other use of the caller's tensors). With create_graph, a differentiable view keeps
    the caller's own graph attached; otherwise a detached leaf."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(need_graph) for x in inputs)


def _finish(result, create_graph):
    """Results carry history only when the caller asked for it (nested tuples allowed)."""
    if create_graph:
        return result
    return tuple(r.detach() if isinstance(r, Tensor) else _finish(r, create_graph)
                 for r in result)


def _check_v(v, like, like_was_tuple):
    if len(v) != len(like):
        if like_was_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (v_i, like_i) in enumerate(zip(v, like)):
        if v_i.size() != like_i.size():
            entry = f"Entry {i} in " if like_was_tuple else ""
            raise RuntimeError(f"{entry}v has invalid size: should be {like_i.size()} but "
                               f"got {v_i.size()}.")


def _take_v(v, like, like_was_tuple, create_graph, fn_name, v_for):
    """v as a tuple matched against `like`; None only where `like` is one single element."""
    if v is None:
        if len(like) != 1 or like[0].nelement() != 1:
            if v_for == "outputs":
                raise RuntimeError("The vector v can only be None if the user-provided "
                                   "function returns a single Tensor with a single element.")
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        return None
    v = _tensors(v, "v", fn_name)[1]
    v = _fresh_inputs(v, create_graph, need_graph=False)
    _check_v(v, like, like_was_tuple)
    return v


def _call(func, inputs, fn_name, strict):
    was_tuple, outputs = _tensors(func(*inputs), "outputs of the user-provided function",
                                  fn_name)
    _strict_check(outputs, "outputs", strict)
    return was_tuple, outputs


def _single_element_output(outputs, was_tuple, fn_name):
    if was_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           "contain a single element")


# ---- strict mode ----------------------------------------------------------------------

def _strict_check(tensors, kind, strict):
    """In strict mode, every tensor of `kind` must exist and depend on the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if t.requires_grad:
            continue
        if kind == "outputs":
            raise RuntimeError(f"Output {i} of the user-provided function does not require "
                               "gradients. The outputs must be computed in a differentiable "
                               "manner from the input when running in strict mode.")
        if kind == "grad_inputs":
            raise RuntimeError(f"The gradient with respect to input {i} is independent of the "
                               "inputs of the user-provided function. This is not allowed in "
                               "strict mode.")
        if kind == "jacobian":
            raise RuntimeError("While computing the hessian, found that the jacobian of the "
                               f"user-provided function with respect to input {i} is "
                               "independent of the input. This is not allowed in strict mode. "
                               "You should ensure that your function is twice differentiable "
                               "and that the jacobian depends on the inputs (this would be "
                               "violated by a linear function for example).")


_MISSING = {
    "back": "The output of the user-provided function is independent of input {i}. "
            "This is not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}


def _zeros_for_missing(grads, like, strict, create_graph, stage):
    """A missing gradient is mathematically zero; strict mode refuses it instead (and, with
    create_graph, also refuses a gradient that cannot be differentiated further)."""
    result = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_MISSING[stage].format(i=i))
            g = zeros_like(like[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        result.append(g)
    return tuple(result)


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that have a graph (None for an input none reaches)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _engine.grad(tuple(o for o, _ in pairs), inputs, tuple(g for _, g in pairs),
                        retain_graph=retain_graph, create_graph=create_graph,
                        allow_unused=True)


# ---- products with a vector -----------------------------------------------------------

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T J): the vector-Jacobian product, shaped like the inputs."""
    with enable_grad():
        inputs_were_tuple, inputs = _tensors(inputs, "inputs", "vjp")
        inputs = _fresh_inputs(inputs, create_graph, need_graph=True)
        outputs_were_tuple, outputs = _call(func, inputs, "vjp", strict)
        v = _take_v(v, outputs, outputs_were_tuple, create_graph, "vjp", "outputs")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        result = _zeros_for_missing(grads, inputs, strict, create_graph, "back")
    return (_unpack(_finish(outputs, create_graph), outputs_were_tuple),
            _unpack(_finish(result, create_graph), inputs_were_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), J v): the Jacobian-vector product, shaped like the outputs (computed
    with the double-backward trick)."""
    with enable_grad():
        inputs_were_tuple, inputs = _tensors(inputs, "inputs", "jvp")
        inputs = _fresh_inputs(inputs, create_graph, need_graph=True)
        v = _take_v(v, inputs, inputs_were_tuple, create_graph, "jvp", "inputs")
        outputs_were_tuple, outputs = _call(func, inputs, "jvp", strict)
        # u -> J^T u, recorded so that it can be differentiated with respect to u.
        seeds = tuple(zeros_like(o, requires_grad=True) for o in outputs)
        backward = _grad(outputs, inputs, seeds, create_graph=True)
        _strict_check(backward, "grad_inputs", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(backward, seeds, v, create_graph=create_graph)
        result = _zeros_for_missing(grads, outputs, strict, create_graph, "back_trick")
    return (_unpack(_finish(outputs, create_graph), outputs_were_tuple),
            _unpack(_finish(result, create_graph), outputs_were_tuple))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T H) for a function with a single-element output."""
    with enable_grad():
        inputs_were_tuple, inputs = _tensors(inputs, "inputs", "vhp")
        inputs = _fresh_inputs(inputs, create_graph, need_graph=True)
        v = _take_v(v, inputs, inputs_were_tuple, create_graph, "vhp", "inputs")
        outputs_were_tuple, outputs = _call(func, inputs, "vhp", strict)
        _single_element_output(outputs, outputs_were_tuple, "vhp")
        gradient = _grad(outputs, inputs, create_graph=True)
        _strict_check(gradient, "jacobian", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(gradient, inputs, v, create_graph=create_graph)
        result = _zeros_for_missing(grads, inputs, strict, create_graph, "double_back")
    return (_unpack(_finish(outputs, create_graph), outputs_were_tuple),
            _unpack(_finish(result, create_graph), inputs_were_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), H v) for a function with a single-element output (double-backward
    trick on top of the gradient; equal to vhp when H is symmetric, but slower)."""
    with enable_grad():
        inputs_were_tuple, inputs = _tensors(inputs, "inputs", "hvp")
        inputs = _fresh_inputs(inputs, create_graph, need_graph=True)
        v = _take_v(v, inputs, inputs_were_tuple, create_graph, "hvp", "inputs")
        outputs_were_tuple, outputs = _call(func, inputs, "hvp", strict)
        _single_element_output(outputs, outputs_were_tuple, "hvp")
        gradient = _grad(outputs, inputs, create_graph=True)
        _strict_check(gradient, "jacobian", strict)
        seeds = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        backward = _grad(gradient, inputs, seeds, create_graph=True)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(backward, seeds, v, create_graph=create_graph)
        result = _zeros_for_missing(grads, inputs, strict, create_graph, "double_back_trick")
    return (_unpack(_finish(outputs, create_graph), outputs_were_tuple),
            _unpack(_finish(result, create_graph), inputs_were_tuple))


# ---- full matrices --------------------------------------------------------------------

def _block(pieces, out, x, dim):
    """Stack the per-element pieces of d out / d x into one out.shape + x.shape tensor.
    Reverse mode stacks rows (dim 0, one per output element), forward mode columns."""
    shape = tuple(out.shape) + tuple(x.shape)
    if not pieces:  # a zero-size output or input: nothing to stack
        return zeros(shape, dtype=(x if dim == 0 else out).dtype, device=x.device)
    return stack(pieces, dim=dim).reshape(shape)


def _jacobian_reverse(func, inputs, create_graph, strict, vectorize):
    """One backward pass per output element: row k of d out_i / d inputs."""
    with enable_grad():
        inputs_were_tuple, inputs = _tensors(inputs, "inputs", "jacobian")
        inputs = _fresh_inputs(inputs, create_graph, need_graph=True)
        outputs_were_tuple, outputs = _call(func, inputs, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`vectorized=True` are not supported together. Please either "
                               "set `strict=False` or `vectorize=False`.")
        # pyt has no vmap: vectorize=True runs the same per-row loop (same results).
        jacobian = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(out.nelement()):
                grads = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (g, x) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {j}. This is not "
                                               "allowed in strict mode.")
                        g = zeros_like(x)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError("The jacobian of the user-provided function is "
                                           f"independent of input {j}. This is not allowed "
                                           "in strict mode when create_graph=True.")
                    rows[j].append(g)
            jacobian.append(tuple(_block(r, out, x, 0) for r, x in zip(rows, inputs)))
    return _unpack_nested(_finish(tuple(jacobian), create_graph), outputs_were_tuple,
                          inputs_were_tuple)


def _jacobian_forward(func, inputs):
    """One Jacobian-vector product per input element: column of d outputs / d x_j.
    The blocks take the outputs' dtype, as forward-mode AD gives in torch. (No create_graph
    here, so the results carry no history.)"""
    with enable_grad():
        inputs_were_tuple, inputs = _tensors(inputs, "inputs", "jacobian")
        inputs = _fresh_inputs(inputs, False, need_graph=True)
        outputs_were_tuple, outputs = _call(func, inputs, "jacobian", False)
        seeds = tuple(zeros_like(o, requires_grad=True) for o in outputs)
        backward = _grad(outputs, inputs, seeds, create_graph=True)
    no_tangent = [zeros_like(x) for x in inputs]
    columns = [[[] for _ in inputs] for _ in outputs]
    for j, x in enumerate(inputs):
        for k in range(x.nelement()):
            # A fresh one-hot tangent each time: a result may be the tangent itself.
            one_hot = zeros_like(x)
            one_hot.view(-1)[k] = 1
            tangents = no_tangent[:j] + [one_hot] + no_tangent[j + 1:]
            grads = _grad(backward, seeds, tuple(tangents), retain_graph=True)
            for i, (g, out) in enumerate(zip(grads, outputs)):
                columns[i][j].append(g if g is not None else zeros_like(out))
    # Lists, not tuples, where both nest: torch's forward-mode path returns them so.
    jacobian = [[_block(columns[i][j], out, x, -1) for j, x in enumerate(inputs)]
                for i, out in enumerate(outputs)]
    return _unpack_nested(jacobian, outputs_were_tuple, inputs_were_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of func at inputs: a Tensor of shape out.shape + in.shape, in a tuple
    per input and/or per output when func takes/returns tuples (jac[i][j] = d out_i / d in_j).
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or '
                             '"reverse-mode". Hint: If your function has more outputs than '
                             'inputs, "forward-mode" tends to be more performant. Otherwise, '
                             'prefer to use "reverse-mode".')
    if strategy == "reverse-mode":
        return _jacobian_reverse(func, inputs, create_graph, strict, vectorize)
    if create_graph:
        raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` "
                                  'and `strategy="forward-mode"` are not supported together '
                                  "(yet). Please either set `create_graph=False` or "
                                  '`strategy="reverse-mode"`.')
    if strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and '
                           '`strategy="forward-mode"` are not supported together (yet). '
                           'Please either set `strict=False` or `strategy="reverse-mode"`.')
    _tensors(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")
    return _jacobian_forward(func, inputs)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a single-element func: shape in.shape + in.shape, or a tuple of tuples
    (hess[i][j] = d^2 f / d in_i d in_j) when inputs is a tuple."""
    inputs_were_tuple, inputs = _tensors(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*xs):
        was_tuple, outputs = _call(func, xs, "hessian", strict)
        _single_element_output(outputs, was_tuple, "hessian")
        return outputs[0].squeeze()

    def gradient(*xs):
        # The inner Jacobian of a scalar is its gradient, kept differentiable.
        grads = jacobian(scalar_func, xs, create_graph=True)
        _strict_check(grads, "jacobian", strict)
        return grads

    # inputs is a tuple here, so the outer Jacobian nests per input twice.
    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _unpack_nested(result, inputs_were_tuple, inputs_were_tuple)
