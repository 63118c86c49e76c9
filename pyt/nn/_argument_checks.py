"""Type checks for the tensor arguments of `pyt.nn.functional`.

Functions written in Python would meet a wrong argument with an AttributeError deep
inside ("'int' object has no attribute 'dim'"); torch says which argument is wrong with a
TypeError. Rather than open every function with the same lines, `check_tensor_arguments`
wraps each public function that has a tensor parameter (by torch's parameter names) in a
thin function with the same signature whose only extra work is an isinstance test."""
import functools
import inspect

from pyt._ext.tensor import Tensor

# parameters that hold a tensor in torch.nn.functional (optional ones default to None)
TENSOR_PARAMETERS = {
    "input", "target", "input1", "input2", "x1", "x2", "anchor", "positive", "negative",
    "query", "key", "log_probs", "targets", "offsets", "theta", "grid", "weight", "bias",
    "per_sample_weights", "attn_mask", "key_padding_mask", "pos_weight", "indices", "tensor",
    "running_mean", "running_var",
}
# tensor parameters that take None even without a default (batch norm in training mode)
NONE_ALLOWED = {"running_mean", "running_var"}


def refuse(function, parameter, position, value):
    where = f" (position {position})" if position else ""
    raise TypeError(f"{function}(): argument '{parameter}'{where} must be Tensor, not "
                    f"{type(value).__name__}")


def _checked(fn):
    """fn behind a generated wrapper with fn's own signature that type-checks the tensor
    parameters before calling it (None passes where the parameter defaults to None)."""
    signature = inspect.signature(fn)
    params, call, checks, env = [], [], [], {"Tensor": Tensor, "refuse": refuse, "fn": fn}
    star = False
    for i, p in enumerate(signature.parameters.values()):
        default = ""
        if p.default is not p.empty:
            env[f"_default{i}"] = p.default
            default = f"=_default{i}"
        if p.kind is p.VAR_POSITIONAL:
            params.append(f"*{p.name}")
            call.append(f"*{p.name}")
            star = True
            continue
        if p.kind is p.VAR_KEYWORD:
            params.append(f"**{p.name}")
            call.append(f"**{p.name}")
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        params.append(p.name + default)
        call.append(f"{p.name}={p.name}" if p.kind is p.KEYWORD_ONLY else p.name)
        if p.name in TENSOR_PARAMETERS:
            if p.default is p.empty and p.name not in NONE_ALLOWED:
                test = f"not isinstance({p.name}, Tensor)"
            elif p.default is None or p.name in NONE_ALLOWED:
                test = f"{p.name} is not None and not isinstance({p.name}, Tensor)"
            else:
                continue
            position = i + 1 if p.kind is not p.KEYWORD_ONLY else 0
            checks.append(f"    if {test}:\n"
                          f"        refuse({fn.__name__!r}, {p.name!r}, {position}, {p.name})\n")
    if not checks:
        return fn
    source = (f"def {fn.__name__}({', '.join(params)}):\n" + "".join(checks)
              + f"    return fn({', '.join(call)})\n")
    exec(source, env)
    return functools.wraps(fn)(env[fn.__name__])


def check_tensor_arguments(namespace):
    """Replaces the public functions defined in a module namespace by checked ones."""
    module = namespace["__name__"]
    for name, fn in list(namespace.items()):
        if (not name.startswith("_") and inspect.isfunction(fn)
                and fn.__module__ == module):
            namespace[name] = _checked(fn)
