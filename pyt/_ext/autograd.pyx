# cython: language_level=3
"""The backward engine.

backward()/grad() start from the given outputs, count for every node of the graph how
many gradients will flow into it, and run each node once all of them have arrived (the
ready node with the highest sequence number first, so the order is the reverse of the
forward, as torch's). Gradients reaching one input from several uses are summed. Leaves
receive theirs through an AccumulateGrad node that adds into `.grad`. The engine is
synchronous and runs on the calling thread."""
from heapq import heappush, heappop
import weakref

from pyt._ext.tensor cimport (Tensor, _add_grads, _write_scalar, grad_enabled, set_grad_enabled_flag, new_empty,
                              detach, _to_dtype, scalar_tensor_of, copy_into, _check_hook_result)
from pyt._ext.graph cimport Node, new_node
from pyt._ext import graph as _graph
from pyt._ext.device import cpu as _cpu


# ----- edges and leaves (the recording itself lives in the tensor module) ----------------------

from pyt._ext.tensor import _edge as edge_of, _grad_accumulator_of as grad_accumulator


cdef dict _autograd_meta_of(Tensor t):
    if t._autograd_meta is None:
        t._autograd_meta = {}
    return t._autograd_meta


def collect_next_functions(tensors):
    """The next_functions of a node whose inputs are tensors (None for non-tensors)."""
    return tuple([edge_of(t) for t in tensors])


cpdef set_history(Tensor t, Node node, int output_nr):
    t._grad_fn = node
    t._output_nr = output_nr
    t._requires_grad = True


# ----- hooks ---------------------------------------------------------------------------------

def register_tensor_hook(Tensor t, hook):
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t._grad_fn is not None:
        return _graph.add_output_hook(t._grad_fn, t._output_nr, hook)
    hooks = _autograd_meta_of(t).setdefault("hooks", [])
    hooks.append(hook)
    return _graph._RemovableHandle(hooks, hook)


def retain_grad(Tensor t):
    if not t._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t._grad_fn is None or _autograd_meta_of(t).get("retains_grad"):
        return                                  # leaves keep their grad anyway
    ref = weakref.ref(t)

    def keep(grad):
        owner = ref()
        if owner is not None:
            g = grad if grad_enabled() else detach(grad)
            owner.grad = g.clone() if owner.grad is None else owner.grad + g
    _autograd_meta_of(t)["retains_grad"] = True
    _graph.add_output_hook(t._grad_fn, t._output_nr, keep)


# ----- anomaly mode -------------------------------------------------------------------------

cdef bint _anomaly = False


def anomaly_enabled():
    return _anomaly


def set_anomaly_enabled(bint enabled):
    global _anomaly
    _anomaly = enabled


cdef _check_nan(Node node, tuple input_grads):
    import numpy as np
    for i, g in enumerate(input_grads):
        if isinstance(g, Tensor) and (<Tensor>g)._dtype.is_floating_point:
            values = detach(g).float().cpu().numpy()
            if np.isnan(values).any():
                raise RuntimeError(f"Function '{node._name}' returned nan values in its "
                                   f"{i}th output.")


# ----- the engine ------------------------------------------------------------------------------

cdef Tensor _initial_grad(Tensor out, object g, int i):
    cdef Tensor grad
    if g is None:
        if out._numel != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        grad = new_empty(out._ndim, out._shape, out._dtype, out._device, False)
        if out._device is _cpu:
            _write_scalar(grad._data, out._dtype, 1)
        else:                                        # device memory: a fill on the GPU
            copy_into(grad, scalar_tensor_of(1, out._dtype))
        return grad
    if not isinstance(g, Tensor):
        raise TypeError(f"gradient must be a Tensor or None, got {type(g).__name__}")
    grad = g
    if grad.shape != out.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {grad.shape} "
                           f"and output[{i}] has a shape of {out.shape}.")
    if grad._dtype.is_floating_point != out._dtype.is_floating_point:
        raise RuntimeError(f"Mismatch in dtype: grad_output[{i}] has a dtype of {grad._dtype} "
                           f"and output[{i}] has a dtype of {out._dtype}.")
    if grad._dtype is not out._dtype:
        grad = _to_dtype(grad, out._dtype, False)
    return grad


cdef Tensor _sum_grads(object a, object b):
    if a is None:
        return b
    if b is None:
        return a
    return _add_grads(a, b)


cdef object _apply_output_hooks(Node node, list grads):
    cdef int nr
    if node._output_pre_hooks is None:
        return
    for nr, hooks in node._output_pre_hooks.items():
        for hook in list(hooks):
            g = grads[nr]
            if g is None:
                continue
            result = hook(g)
            if result is not None:
                _check_hook_result(result, g, hook)
                grads[nr] = result


def run_backward(tuple outputs, tuple grad_outputs, bint keep_graph, bint create_graph,
                 tuple inputs, bint allow_unused, bint accumulate):
    """The engine. Returns the gradients of `inputs` (grad()) or None (backward())."""
    cdef Tensor out
    cdef Node node, nxt
    cdef int i, n_inputs = len(inputs)
    cdef dict deps, buffers = {}, captures = {}
    cdef list heap, grads
    cdef tuple edge, input_grads
    cdef set needed = None
    cdef bint previous_mode

    roots = []
    for i in range(len(outputs)):
        out = outputs[i]
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               f"have a grad_fn")
        node_, nr = edge_of(out)
        roots.append((node_, nr, _initial_grad(out, grad_outputs[i], i)))

    # where the gradients asked for are read: at the node (and output slot) feeding each input
    results = [None] * n_inputs
    for i in range(n_inputs):
        x = inputs[i]
        if not isinstance(x, Tensor):
            raise TypeError(f"inputs must be Tensors, got {type(x).__name__}")
        if not (<Tensor>x)._requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors does not require grad")
        node_, nr = edge_of(x)
        captures.setdefault(node_, []).append((nr, i))
    if n_inputs:
        needed = _nodes_leading_to(roots, captures)
    deps = _count_dependencies(roots, needed)

    for node_, nr, g in roots:
        grads = buffers.get(node_)
        if grads is None:
            grads = buffers[node_] = [None] * (<Node>node_).num_outputs
        grads[nr] = _sum_grads(grads[nr], g)

    heap = []
    for node_ in buffers:
        if node_ not in deps and (needed is None or node_ in needed):
            heappush(heap, (-(<Node>node_).sequence_nr, node_))

    previous_mode = grad_enabled()
    set_grad_enabled_flag(create_graph)
    try:
        while heap:
            node = heappop(heap)[1]
            grads = buffers.pop(node)
            if node._output_pre_hooks is not None:
                _apply_output_hooks(node, grads)
            if captures:
                for nr, slot in captures.get(node, ()):
                    results[slot] = _sum_grads(results[slot], grads[nr])
            if node._name == "AccumulateGrad" and (not accumulate or (
                    n_inputs and node not in captures)):
                continue
            if node._pre_hooks is not None:
                for hook in node._pre_hooks:
                    result = hook(tuple(grads))
                    if result is not None:
                        grads = list(result)
            input_grads = _apply(node, grads)
            if _anomaly:
                _check_nan(node, input_grads)
            if node._post_hooks is not None:
                for hook in node._post_hooks:
                    hook(input_grads, tuple(grads))
            if not keep_graph:
                node.release_saved()
            for i in range(len(node.next_functions)):
                edge = node.next_functions[i]
                nxt_ = edge[0]
                if nxt_ is None or (needed is not None and nxt_ not in needed):
                    continue
                g = input_grads[i]
                grads = buffers.get(nxt_)
                if grads is None:
                    grads = buffers[nxt_] = [None] * (<Node>nxt_).num_outputs
                if g is not None:
                    nr = edge[1]
                    grads[nr] = _sum_grads(grads[nr], g)
                remaining = deps[nxt_] - 1
                deps[nxt_] = remaining
                if remaining == 0:
                    heappush(heap, (-(<Node>nxt_).sequence_nr, nxt_))
    finally:
        set_grad_enabled_flag(previous_mode)
    if n_inputs:
        for i in range(n_inputs):
            if results[i] is None and not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        return tuple(results)
    return None


cdef tuple _apply(Node node, list grads):
    """node's backward on the gradients of its outputs: one gradient per input."""
    cdef object g
    cdef Py_ssize_t n = len(node.next_functions)
    for g in grads:
        if g is not None:
            break
    else:
        return (None,) * n
    result = node.call_backward(tuple(grads))
    if len(result) != n and node._name != "AccumulateGrad":
        raise RuntimeError(f"function {node._name} returned an incorrect number of "
                           f"gradients (expected {n}, got {len(result)})")
    return result


cdef dict _count_dependencies(list roots, set needed):
    """For every node reachable from the roots (and in needed, when given): how many
    gradients flow into it. Each node is visited once, so each edge counts once."""
    cdef dict deps = {}
    cdef set seen = set()
    cdef list stack = []
    cdef Node node
    for r in roots:
        if r[0] not in seen:
            seen.add(r[0])
            stack.append(r[0])
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            nxt_ = (<tuple>edge)[0]
            if nxt_ is None or (needed is not None and nxt_ not in needed):
                continue
            deps[nxt_] = deps.get(nxt_, 0) + 1
            if nxt_ not in seen:
                seen.add(nxt_)
                stack.append(nxt_)
    return deps


cdef set _nodes_leading_to(list roots, dict captures):
    """The nodes reachable from the roots from which a captured node is reachable: only
    they need to run for grad(inputs=...)."""
    cdef set seen = set()
    cdef list stack = [r[0] for r in roots], order = []
    cdef Node node
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for nxt_, _ in node.next_functions:
            if nxt_ is not None and nxt_ not in seen:
                stack.append(nxt_)
    cdef set needed = set(captures)
    changed = True
    while changed:
        changed = False
        for node in reversed(order):
            if node not in needed and any(e[0] in needed for e in node.next_functions):
                needed.add(node)
                changed = True
    return needed


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulates the gradients of tensors into the .grad of the leaves (or of inputs)."""
    tensors = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if not grads:
        grads = (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} gradients for {len(tensors)} tensors")
    inputs = _as_tuple(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, grads, retain_graph, create_graph, inputs, True, True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of outputs with respect to inputs, returned (not accumulated)."""
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs)
    if not grads:
        grads = (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad_outputs has {len(grads)} elements for {len(outputs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs_t,
                          allow_unused, False)
    if materialize_grads:
        result = tuple([r if r is not None else _zeros_like(x)
                        for r, x in zip(result, inputs_t)])
    return result


cdef Tensor _zeros_like(Tensor x):
    cdef Tensor z = new_empty(x._ndim, x._shape, x._dtype, x._device, True)
    return z
