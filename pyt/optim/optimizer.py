"""The Optimizer base class: parameter groups, per-parameter state and checkpoints."""
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

import pyt
from pyt import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter that has no default and must be given per group."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    """A type's name for error messages: 'float', 'pyt.Tensor', 'module.Class'."""
    if isinstance(obj, Tensor):
        return "pyt.Tensor"
    kind = type(obj)
    return kind.__qualname__ if kind.__module__ == "builtins" \
        else f"{kind.__module__}.{kind.__qualname__}"


def _scalar(value):
    """A hyper-parameter given as a 1-element tensor, as a Python number."""
    return value.item() if isinstance(value, Tensor) else value


def _use_grad(step):
    """Run an optimizer's step (and its hooks) without recording the updates in the
    autograd graph."""
    def wrapper(self, *args, **kwargs):
        for hook in list(self._step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                args, kwargs = result
        with pyt.no_grad():
            out = step(self, *args, **kwargs)
        for hook in list(self._step_post_hooks.values()):
            hook(self, args, kwargs)
        return out
    wrapper.__name__ = step.__name__
    wrapper.__doc__ = step.__doc__
    return wrapper


def _check_common(lr=None, eps=None, betas=None, weight_decay=None):
    """The range checks most optimizers share, with torch's messages."""
    if lr is not None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
    if eps is not None and not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if betas is not None:
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if weight_decay is not None and not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _params_with_grad(group):
    """The parameters of a group that received a gradient, with their gradients."""
    return [(p, p.grad) for p in group["params"] if p.grad is not None]


def _use_foreach(group, params):
    """Whether a group steps through the multi-tensor (_foreach_*) path, as torch decides:
    foreach=True or False as given; None: when every parameter is on CUDA (and the step
    need not be differentiable)."""
    foreach = group.get("foreach")
    if foreach is None:
        return (not group.get("differentiable", False) and len(params) > 0
                and all(p.is_cuda for p in params))
    return bool(foreach)


def _foreach_lists(optimizer, group, pairs):
    """What every foreach step starts from: the parameters, their gradients (negated when
    maximizing), their states, and each state's step counter advanced by one and read
    back as a number."""
    params, grads = [p for p, _ in pairs], [g for _, g in pairs]
    states = [optimizer.state[p] for p in params]
    if group["maximize"]:
        grads = pyt._foreach_neg(grads)
    counters = [st["step"] for st in states]
    pyt._foreach_add_(counters, 1)
    return params, grads, states, [c.item() for c in counters]


def _float_step():
    """A fresh step counter: a 0-d float32 tensor, as torch 2.x keeps it."""
    return pyt.zeros((), dtype=pyt.float32)


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of tensors, or of dicts that each hold a ``'params'`` entry
    plus options that override ``defaults`` for that group.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._step_pre_hooks = OrderedDict()
        self._step_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_step_post_hooks", OrderedDict())

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with 'params' and optional options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(param_group["params"]) != len({id(p) for p in param_group["params"]}):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; ", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None by default, like torch)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def step(self, closure=None):
        raise NotImplementedError

    # Hooks: called around every step() of this optimizer.
    def register_step_pre_hook(self, hook):
        return _Handle(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        return _Handle(self._step_post_hooks, hook)

    def _evaluate(self, closure):
        """The loss from the closure, computed with gradients enabled."""
        if closure is None:
            return None
        with pyt.enable_grad():
            return closure()

    # Checkpoints: tensors are named by their index in the order of the param groups,
    # so a state dict does not depend on the identity of the parameter objects.
    def state_dict(self):
        index_of = {}
        next_index = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next_index
                    next_index += 1
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for group, saved in zip(groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            # State follows its parameter's dtype, except the step counters (float32).
            if isinstance(value, Tensor):
                if key != "step" and param.is_floating_point() and value.is_floating_point():
                    return value.to(dtype=param.dtype).clone()
                return value.clone()
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v, key) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})


class _Handle:
    """Removes a registered hook."""
    _next_id = 0

    def __init__(self, hooks, hook):
        self.hooks = hooks
        self.id = _Handle._next_id
        _Handle._next_id += 1
        hooks[self.id] = hook

    def remove(self):
        self.hooks.pop(self.id, None)
