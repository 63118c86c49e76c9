"""The harness of tests/cuda/test_every_op_cuda.py, checked on the CPU: comparing the CPU
with itself finds no difference (so what it finds on a GPU is the GPU's), and a device
that computes other values or other gradients is caught, and one whose ops kill the
process is reported op by op."""
import textwrap

import pyt
from _op_compare import sweep, sweep_in_children
from _op_sweep import public_ops


def test_the_cpu_agrees_with_itself():
    problems, compared, gradients = sweep(lambda t: t.clone(), "cpu")
    assert not problems, "\n".join(map(str, problems))
    # most of the API is reached: a harness that compares nothing would pass vacuously
    assert compared > 1500 and gradients > 500, (compared, gradients)


def test_a_device_with_other_values_is_caught():
    def off(t):
        return t.clone() + 1 if t.is_floating_point() else t.clone()
    names = {"pyt.exp", "pyt.matmul", "Tensor.sum", "F.relu", "Tensor.to_sparse"}
    problems, compared, _ = sweep(off, "cpu", [op for op in public_ops() if op[0] in names])
    assert compared and {p[0] for p in problems} == names, problems


class _TwiceWithAWrongGradientOnTheDevice(pyt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.factor = 3 if getattr(x, "on_device", False) else 2
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor


def test_a_wrong_gradient_is_caught():
    def place(t):
        t = t.clone()
        t.on_device = True
        return t
    fn = _TwiceWithAWrongGradientOnTheDevice.apply
    problems, compared, gradients = sweep(place, "cpu", [("test.twice", "twice", fn)])
    assert compared and gradients
    assert problems and all(p[2].startswith("gradient: ") for p in problems), problems


def test_ops_that_kill_the_process_are_named_and_the_sweep_goes_on(tmp_path):
    # a crash in the sweep's child: one op that always dies, one that dies only after the
    # op before it has run in the same process (as after heap damage); the ops around them
    # are still compared
    (tmp_path / "deadly_ops.py").write_text(textwrap.dedent("""\
        import os, signal
        import pyt

        damaged = []

        def deadly(x):
            os.kill(os.getpid(), signal.SIGSEGV)

        def damage(x):
            damaged.append(1)
            return x + 1

        def victim(x):
            if damaged:
                os.kill(os.getpid(), signal.SIGSEGV)
            return x * 2

        def public_ops():
            return [("pyt.exp", "exp", pyt.exp), ("x.deadly", "deadly", deadly),
                    ("x.damage", "damage", damage), ("x.victim", "victim", victim),
                    ("pyt.sin", "sin", pyt.sin)]
        """))
    problems, compared, _ = sweep_in_children("cpu", ops_from="deadly_ops",
                                              path=[str(tmp_path)])
    died = {op: why for op, _, why in problems}
    assert set(died) == {"x.deadly", "x.victim"}, problems
    assert "kills a fresh process by itself" in died["x.deadly"]
    assert "runs alone" in died["x.victim"] and "x.damage" in died["x.victim"]
    assert compared >= 3 * 3          # exp, damage and sin, PER_OP argument lists each


def _on_device(t):
    t = t.clone()
    t.on_device = True
    return t


def _device_op(on_cpu, on_device):
    """An op computed by on_cpu, or by on_device for the sweep's device tensors."""
    def op(x, *rest):
        return (on_device if getattr(x, "on_device", False) else on_cpu)(x)
    return op


def _raise(message):
    def fail(x):
        raise RuntimeError(message)
    return fail


def test_a_kernel_without_the_dtype_is_a_refusal_and_other_errors_are_problems():
    # torch's CUDA has no int64 matrix product: '"addmm_cuda" not implemented for 'Long''
    refuses = _device_op(lambda x: x + 1, _raise('"addmm_cuda" not implemented for \'Long\''))
    breaks = _device_op(lambda x: x + 1, _raise("CUDA error: invalid argument"))
    problems, compared, _ = sweep(_on_device, "cpu", [("t.refuses", "refuses", refuses),
                                                      ("t.breaks", "breaks", breaks)])
    assert {p[0] for p in problems} == {"t.breaks"}, problems


def test_factories_are_compared_by_value_on_any_device():
    from _op_compare import FACTORIES, difference
    assert {"arange", "empty", "zeros", "ones", "rand", "randn", "scalar_tensor",
            "__class__"} <= FACTORIES
    t = pyt.arange(3.0)
    assert difference(t, t.clone(), "cuda") == "result on cpu"    # other ops: on the device
    assert difference(t, t.clone(), None) is None
    assert difference(t, t + 1, None).startswith("values differ")


def test_unordered_writes_and_partial_results_compare_what_is_defined():
    # scatter with duplicate indices: any write may win; lstsq: only the solution and the
    # residuals are defined alike on every device (rank and singular values depend on the
    # driver)
    other_winner = _device_op(lambda x: x, lambda x: x + 1)
    problems, compared, _ = sweep(_on_device, "cpu", [("t.scatter", "scatter", other_winner),
                                                      ("t.other", "other", other_winner)])
    assert compared and {p[0] for p in problems} == {"t.other"}, problems

    def lstsq(on_device, solution_off):
        def result(x):
            rank = pyt.zeros(0, dtype=pyt.int64) if on_device else pyt.tensor(4)
            return (x + (1 if solution_off else 0), x.sum(), rank, x[:0])
        return result
    good = _device_op(lstsq(False, False), lstsq(True, False))
    bad = _device_op(lstsq(False, False), lstsq(True, True))
    problems, compared, _ = sweep(_on_device, "cpu", [("t.lstsq", "lstsq", good),
                                                      ("t.lstsq_bad", "lstsq", bad)])
    assert compared and {p[0] for p in problems} == {"t.lstsq_bad"}, problems
