"""pyt.autograd.Function: ops with a user-written backward."""
import functools
import weakref

from pyt._ext import graph as _graph
from pyt._ext import autograd as _engine
from pyt._ext.tensor import Tensor, zeros
from pyt.autograd.grad_mode import no_grad, is_grad_enabled


class FunctionCtx(_graph._KeepCtx):
    """The ctx of forward/backward: saved tensors and flags."""

    def __init__(self):
        self._to_save = ()
        self._dirty = ()
        self._non_differentiable = ()
        self._materialize_grads = True
        self._node = None           # a weak reference: the node holds this ctx
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    @property
    def saved_tensors(self):
        node = self._node() if self._node is not None else None
        if node is None:
            return tuple(self._to_save)
        return node.saved_tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)


class Function:
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs), call
    with .apply(*args). (forward(*args) with a separate setup_context(ctx, inputs,
    output) works too, as in torch 2.)"""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is not "
                           "supported. Please use new-style autograd function with static "
                           "forward method.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        separate_setup = cls.setup_context.__func__ is not Function.setup_context.__func__ \
            if hasattr(cls.setup_context, "__func__") else \
            cls.setup_context is not Function.setup_context
        with no_grad():
            if separate_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if not (is_grad_enabled() and any(ctx.needs_input_grad)):
            return outputs
        return _record(cls, ctx, args, outputs)


def _record(cls, ctx, args, outputs):
    single = not isinstance(outputs, tuple)
    outs = (outputs,) if single else outputs
    node = _graph.make_node(cls.__name__ + "Backward", _backward_of(cls),
                            _engine.collect_next_functions(args), len(outs))
    node.ctx = ctx
    ctx._node = weakref.ref(node)
    ctx._output_meta = [(o.shape, o.dtype, o.device) if isinstance(o, Tensor) else None
                        for o in outs]
    dirty = set(map(id, ctx._dirty))
    non_diff = set(map(id, ctx._non_differentiable))
    inputs = set(id(a) for a in args if isinstance(a, Tensor))
    result = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            result.append(o)
            continue
        if id(o) in dirty:
            if o.is_leaf and o.requires_grad:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
        elif id(o) in inputs:
            o = o.view_as(o)          # an input returned as is: a new tensor gets the history
        if id(o) in non_diff or not o.is_floating_point():
            o.requires_grad_(False) if o.is_leaf else None
        else:
            _engine.set_history(o, node, i)
        result.append(o)
    node.save(*ctx._to_save)
    # the node keeps the saved tensors now (and frees them after backward); the ctx must
    # not, nor hold the outputs, whose history leads back to the node and so to the ctx:
    # such a cycle kept a step's buffers alive until the garbage collector ran
    ctx._to_save = ctx._dirty = ctx._non_differentiable = ()
    return result[0] if single else tuple(result)


def _backward_of(cls):
    def backward_fn(node, grads):
        ctx = node.ctx
        if ctx._materialize_grads:
            grads = tuple(g if g is not None or meta is None
                          else zeros(meta[0], dtype=meta[1], device=meta[2])
                          for g, meta in zip(grads, ctx._output_meta))
        result = cls.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(node.next_functions)
        if len(result) != expected:
            if len(result) > expected and all(r is None for r in result[expected:]):
                result = result[:expected]
            else:
                raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect "
                                   f"number of gradients (expected {expected}, got {len(result)})")
        return result
    return backward_fn


def once_differentiable(fn):
    """For a backward that is not itself differentiable: it runs without recording."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
