"""The harness of tests/cuda/test_every_op_cuda.py, checked on the CPU: comparing the CPU
with itself finds no difference (so what it finds on a GPU is the GPU's), and a device
that computes other values or other gradients is caught."""
import pyt
from _op_compare import sweep
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
