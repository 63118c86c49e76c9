"""Runs every public op on the CPU and on another device with the same arguments and
compares the results, values and gradients: the sweep behind tests/cuda/test_every_op_cuda.py
(and its self-check on the CPU, tests/test_op_sweep_harness.py)."""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

import pyt
import pyt.backends.cudnn
from _op_sweep import argument_lists, describe, public_ops

# Ops whose index outputs may legitimately differ between devices: the order of equal
# elements is unspecified (torch documents the same), so only their values are compared.
TIE_ORDER = {"sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode"}
# Ops whose result holds no values to compare (uninitialised memory): shape and dtype only.
UNINITIALISED = {"empty", "empty_like", "new_empty", "empty_strided", "new_empty_strided",
                 "__class__"}
# Factories given a tensor as their size or value (pyt.zeros(int tensor), arange(0-d tensor),
# scalar_tensor(0-d tensor), x.__class__(1) = pyt.Tensor(1)...): the result is made on the
# default device, the CPU, in torch too, whatever device the tensor argument is on. Their
# values and shapes are compared, not their device.
FACTORIES = {"arange", "range", "empty", "zeros", "ones", "full", "rand", "randn", "randint",
             "randperm", "scalar_tensor", "eye", "linspace", "logspace", "empty_strided",
             "tril_indices", "triu_indices", "__class__"}
# Writes that collide: with duplicate indices (the sweep's index tensors have them), which
# write wins is unspecified (torch documents it for scatter_); shape and dtype only, of the
# result and of the argument written in place (their gradients are deterministic and compared).
UNORDERED_WRITES = {"scatter", "scatter_"}
# Results of which only some items are comparable across devices, by op: linalg.lstsq's
# default driver is 'gels' on CUDA, whose rank and singular_values are empty (torch's too),
# and 'gelsy' on the CPU, which computes the rank; the solution and residuals agree.
COMPARED_ITEMS = {"lstsq": (0, 1)}
# Answers about the object or its place, not about the values: not compared.
IDENTITY = {"__hash__", "data_ptr", "get_device", "__dlpack_device__", "__dlpack__",
            "untyped_storage", "storage", "__sizeof__", "is_pinned", "pin_memory", "is_shared",
            "share_memory_", "numpy", "__array__", "cpu", "cuda", "to", "type", "storage_type",
            # host memory through the buffer protocol: a CUDA tensor refuses it (BufferError;
            # torch's have no buffer at all), tests/test_cuda_dispatch_coverage.py checks that
            "__buffer__", "__release_buffer__"}
# How many argument lists per op are compared (the first that run on the CPU).
PER_OP = 3


def _host(t):
    t = t.detach().cpu()
    if t.dtype in (pyt.float16, pyt.bfloat16):
        t = t.double()
    return np.array(t.numpy(), copy=True)


def _tolerance(dtype):
    if dtype in (pyt.float16, pyt.bfloat16):
        return 2e-2, 2e-3
    if dtype is pyt.float32:
        return 2e-4, 2e-5
    return 1e-9, 1e-12


def difference(cpu, other, device_type, values_only=False, shape_only=False):
    """None when other (computed on device_type; None: on any device) equals cpu, else why
    not. values_only: integer results (indices) are not compared; shape_only: no values are."""
    if isinstance(cpu, pyt.sparse.SparseTensor):      # compared through their dense form
        if not isinstance(other, pyt.sparse.SparseTensor):
            return f"a {type(other).__name__} instead of a sparse tensor"
        return difference(cpu.to_dense(), other.to_dense(), device_type, values_only, shape_only)
    if isinstance(cpu, pyt.Tensor):
        if not isinstance(other, pyt.Tensor):
            return f"a {type(other).__name__} instead of a tensor"
        if device_type is not None and other.device.type != device_type:
            return f"result on {other.device}"
        if other.dtype is not cpu.dtype:
            return f"dtype {other.dtype} vs {cpu.dtype}"
        if tuple(other.shape) != tuple(cpu.shape):
            return f"shape {tuple(other.shape)} vs {tuple(cpu.shape)}"
        if shape_only or (values_only and not (cpu.is_floating_point() or cpu.dtype is pyt.bool)):
            return None
        a, e = _host(other), _host(cpu)
        if e.dtype.kind == "f":
            rtol, atol = _tolerance(cpu.dtype)
            if not np.allclose(a, e, rtol=rtol, atol=atol * max(1.0, float(np.nanmax(np.abs(e), initial=0.0))
                                                                if np.isfinite(e).any() else 1.0),
                               equal_nan=True):
                return f"values differ: max |diff| {np.nanmax(np.abs(a - e), initial=0.0):.3g}"
        elif not np.array_equal(a, e):
            return "values differ"
        return None
    if isinstance(cpu, (tuple, list)):
        if not isinstance(other, (tuple, list)) or len(other) != len(cpu):
            return f"{type(other).__name__} of another length"
        for i, (c, o) in enumerate(zip(cpu, other)):
            why = difference(c, o, device_type, values_only, shape_only)
            if why:
                return f"item {i}: {why}"
        return None
    if isinstance(cpu, (bool, int, float)):
        if isinstance(cpu, float) and isinstance(other, float):
            return None if np.isclose(cpu, other, rtol=1e-4, atol=1e-6, equal_nan=True) else \
                f"{other} vs {cpu}"
        return None if cpu == other else f"{other!r} vs {cpu!r}"
    return None


def refused(e):
    """Whether exception e is the device declining an op, as torch's CUDA does: a
    NotImplementedError, or the RuntimeError of a kernel without that dtype
    ('"addmm_cuda" not implemented for 'Long'')."""
    return isinstance(e, NotImplementedError) or (isinstance(e, RuntimeError)
                                                  and "not implemented for" in str(e))


def _comparable(name, result):
    """The part of an op's result that is compared (COMPARED_ITEMS)."""
    if name in COMPARED_ITEMS and isinstance(result, (tuple, list)):
        return [result[i] for i in COMPARED_ITEMS[name] if i < len(result)]
    return result


def _tensors(x):
    if isinstance(x, pyt.Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for y in x for t in _tensors(y)]
    return []


def _gradients(fn, args, place):
    """Gradients of a fixed weighted sum of fn's float outputs with respect to its float
    tensor arguments, in float64, the arguments placed by place; None when there are none."""
    leaves = []
    placed = []
    for a in args:
        if isinstance(a, pyt.Tensor) and a.is_floating_point():
            a = place(a.double()).requires_grad_()
            leaves.append(a)
        elif isinstance(a, pyt.Tensor):
            a = place(a.clone())
        placed.append(a)
    if not leaves:
        return None
    outs = [o for o in _tensors(fn(*placed)) if o.requires_grad and o.is_floating_point()]
    if not outs:
        return None
    total = 0
    for o in outs:
        weights = pyt.linspace(-1, 1, max(o.numel(), 1), dtype=o.dtype).reshape(o.shape)
        total = total + (o * place(weights)).sum()
    grads = pyt.autograd.grad(total, leaves, allow_unused=True)
    return [g if g is not None else pyt.zeros_like(x) for g, x in zip(grads, leaves)]


def sweep(place, device_type, ops=None):
    """([(op, args, what differs)], results compared, gradients compared) over every public
    op (or of ops: (qualified name, name, callable) triples), with place moving a CPU tensor
    to the device under test. Ops that raise on both sides, or that the
    device refuses (see refused), are not differences."""
    problems, compared, gradients = [], 0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for qualified, name, fn in (public_ops() if ops is None else ops):
            if name in IDENTITY:
                continue
            done = 0
            for cpu_args, dev_args in zip(argument_lists(), argument_lists(place)):
                if done == PER_OP:
                    break
                pyt.manual_seed(0)
                try:
                    expected = fn(*cpu_args)
                except Exception:
                    continue
                if not _tensors(expected) and not _tensors(cpu_args):
                    continue
                done += 1
                pyt.manual_seed(0)
                try:
                    got = fn(*dev_args)
                except Exception as e:
                    if not refused(e):
                        problems.append((qualified, describe(cpu_args),
                                         f"raised {type(e).__name__}: {e}"))
                    continue
                compared += 1
                unordered = name in UNORDERED_WRITES
                why = (difference(_comparable(name, expected), _comparable(name, got),
                                  None if name in FACTORIES else device_type,
                                  name in TIE_ORDER, name in UNINITIALISED or unordered)
                       or difference(list(cpu_args), list(dev_args), device_type,
                                     shape_only=unordered))
                if why:
                    problems.append((qualified, describe(cpu_args), why))
                    continue
                try:
                    pyt.manual_seed(0)
                    g_cpu = _gradients(fn, cpu_args, lambda t: t)
                except Exception:
                    continue
                if g_cpu is None:
                    continue
                try:
                    pyt.manual_seed(0)
                    g_dev = _gradients(fn, cpu_args, place)
                except Exception as e:
                    problems.append((qualified, describe(cpu_args), f"backward raised {type(e).__name__}: {e}"))
                    continue
                gradients += 1
                why = difference(g_cpu, g_dev, device_type, name in TIE_ORDER)
                if why:
                    problems.append((qualified, describe(cpu_args), "gradient: " + why))
    return problems, compared, gradients


# ----- the sweep in child processes ------------------------------------------------------------
# A kernel bug on a device can kill the process (a host read of device memory, a damaged
# heap), and with it a whole sweep's report. sweep_in_children runs the sweep in a child
# that notes each op before calling it; when the child dies, the op it was running is a
# problem, it is tried once more alone (does it kill a fresh process by itself, or did
# earlier ops damage the heap?), and a new child resumes after it.

def _child(device, journal_path, resume_after, only, ops_from):
    """Sweeps the ops (ops_from: the module whose public_ops lists them) after resume_after
    (all when empty; only the op named only, when given), writing one journal line before
    and one after each op."""
    ops = list(__import__(ops_from).public_ops())
    names = [q for q, _, _ in ops]
    ops = ops[names.index(resume_after) + 1:] if resume_after else ops
    if only:
        ops = [op for op in ops if op[0] == only]
    place = (lambda t: t.to(device))
    pyt.backends.cudnn.allow_tf32 = False   # float32 convolutions as exact as the CPU's
    fd = os.open(journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    for op in ops:
        os.write(fd, (json.dumps({"start": op[0]}) + "\n").encode())
        problems, compared, gradients = sweep(place, pyt.device(device).type, [op])
        os.write(fd, (json.dumps({"done": op[0], "problems": problems, "compared": compared,
                                  "gradients": gradients}) + "\n").encode())
    os.close(fd)


def _run_child(device, journal, ops_from, path, resume_after="", only=""):
    code = (f"import sys; sys.path[:0] = {path!r}; import _op_compare; "
            f"_op_compare._child({device!r}, {journal!r}, {resume_after!r}, {only!r}, "
            f"{ops_from!r})")
    return subprocess.run([sys.executable, "-X", "faulthandler", "-c", code],
                          capture_output=True, text=True)


def sweep_in_children(device, max_deaths=20, ops_from="_op_sweep", path=()):
    """sweep's (problems, compared, gradients) for device ("cuda"), run in child
    processes: an op during which the child dies is a problem, and the sweep goes on.
    ops_from: the module (found on sys.path or in path) whose public_ops() lists the ops."""
    path = list(path) + [os.path.dirname(os.path.abspath(__file__))]
    problems, compared, gradients = [], 0, 0
    resume_after = ""
    with tempfile.TemporaryDirectory() as d:
        for attempt in range(max_deaths + 1):
            journal = os.path.join(d, f"journal{attempt}")
            proc = _run_child(device, journal, ops_from, path, resume_after)
            last_start, last_done = None, None
            if os.path.exists(journal):
                for line in open(journal):
                    entry = json.loads(line)
                    if "start" in entry:
                        last_start = entry["start"]
                    else:
                        last_done = entry["done"]
                        problems += [tuple(p) for p in entry["problems"]]
                        compared += entry["compared"]
                        gradients += entry["gradients"]
            if proc.returncode == 0:
                return problems, compared, gradients
            if last_start is None or last_start == last_done:
                tail = (proc.stderr or "")[-2000:]
                problems.append(("(sweep)", "", f"child failed outside an op "
                                                 f"(status {proc.returncode}): {tail}"))
                return problems, compared, gradients
            alone = _run_child(device, os.path.join(d, f"alone{attempt}"), ops_from, path,
                               only=last_start)
            how = ("kills a fresh process by itself" if alone.returncode != 0 else
                   f"runs alone: the heap was damaged earlier (ops before it: ... {last_done})")
            problems.append((last_start, "", f"the process died (status {proc.returncode}); "
                                             f"it {how}; its stderr ends: "
                                             f"{(proc.stderr or '')[-1500:]}"))
            resume_after = last_start
    problems.append(("(sweep)", "", f"stopped after {max_deaths} dead processes"))
    return problems, compared, gradients
