"""Finite-difference checks of gradients: gradcheck (first order) and gradgradcheck."""
import numpy as np

from pyt._ext.tensor import Tensor, zeros
from pyt._ext import autograd as _engine
from pyt.autograd.grad_mode import no_grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _differentiable_inputs(inputs):
    return [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def _numerical_jacobians(fn, inputs, eps):
    """J[k][i]: d outputs[k] / d inputs[i] by central differences, as (out_numel, in_numel).
    (fn runs with grad mode on: gradgradcheck's fn itself calls autograd.grad.)"""
    outputs = [o.detach() for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]
    jacobians = [[None] * len(inputs) for _ in outputs]
    for i in _differentiable_inputs(inputs):
        x = inputs[i]
        flat = x.detach().numpy().reshape(-1) if x.is_contiguous() else None
        if flat is None:
            raise GradcheckError("gradcheck expects contiguous inputs")
        columns = [np.zeros((o.numel(), x.numel())) for o in outputs]
        for j in range(x.numel()):
            orig = flat[j]
            flat[j] = orig + eps
            plus = [np.array(o.detach().numpy(), dtype=np.float64).reshape(-1)
                    for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]
            flat[j] = orig - eps
            minus = [np.array(o.detach().numpy(), dtype=np.float64).reshape(-1)
                     for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]
            flat[j] = orig
            for k in range(len(outputs)):
                columns[k][:, j] = (plus[k] - minus[k]) / (2 * eps)
        for k in range(len(outputs)):
            jacobians[k][i] = columns[k]
    return outputs, jacobians


def _analytical_jacobians(fn, inputs):
    outputs = [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]
    diff = _differentiable_inputs(inputs)
    jacobians = [[None] * len(inputs) for _ in outputs]
    for k, out in enumerate(outputs):
        rows = {i: np.zeros((out.numel(), inputs[i].numel())) for i in diff}
        if out.requires_grad:
            for r in range(out.numel()):
                seed = zeros(tuple(out.shape), dtype=out.dtype, device=out.device)
                seed.view(-1)[r] = 1
                grads = _engine.grad((out,), tuple(inputs[i] for i in diff), (seed,),
                                     retain_graph=True, allow_unused=True)
                for i, g in zip(diff, grads):
                    if g is not None:
                        if g.shape != inputs[i].shape:
                            raise GradcheckError(f"grad of input {i} has shape {g.shape}, "
                                                 f"expected {inputs[i].shape}")
                        rows[i][r] = np.array(g.detach().numpy(), dtype=np.float64).reshape(-1)
        for i in diff:
            jacobians[k][i] = rows[i]
    return jacobians


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Compares the gradients autograd computes for func at inputs with central finite
    differences. Inputs that require grad should be float64 and contiguous."""
    inputs = _as_tuple(inputs)
    for i in _differentiable_inputs(inputs):
        if inputs[i].dtype.name != "float64":
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision "
                          "floating point. This check will likely fail if all the inputs are "
                          "not of double precision floating point.")
    outputs, numerical = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(func, inputs)
    for k in range(len(outputs)):
        for i in _differentiable_inputs(inputs):
            a, n = analytical[k][i], numerical[k][i]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {k} with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the gradients themselves: checks second derivatives (the backward
    must be differentiable, i.e. written with recorded ops)."""
    inputs = _as_tuple(inputs)
    diff = _differentiable_inputs(inputs)
    if grad_outputs is None:
        with no_grad():
            outs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
        rng = np.random.default_rng(0)
        from pyt._ext.tensor import tensor
        grad_outputs = tuple(tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype,
                                    requires_grad=True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        xs, gs = args[:n], args[n:]
        outs = [o for o in _as_tuple(func(*xs)) if isinstance(o, Tensor)]
        grads = _engine.grad(tuple(outs), tuple(xs[i] for i in diff), tuple(gs),
                             create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
