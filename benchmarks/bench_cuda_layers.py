"""The layers of the GPU training benchmarks one by one, pyt against PyTorch on the same GPU:
where a training step's time goes (bench_cuda_training.py times whole steps).

    python benchmarks/bench_cuda_layers.py [--reps N]

Each case runs a layer's forward ("fwd") or forward and backward ("f+b", the gradients of
the input and of the parameters) at the shapes of the ResNet-18-sized CNN (3x32x32, batch
128) and LeNet-5 (1x28x28, batch 64), each library with its defaults (TensorFloat-32 in
float32 convolutions, as torch's cudnn.allow_tf32). Median milliseconds of --reps runs.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)                      # the in-place build, not an installed pyt

import pyt                                    # noqa: E402
from _timing import require_gpu               # noqa: E402

try:
    import torch
except ImportError:                           # the torch column reads "-"
    torch = None


def conv(cin, cout, k, stride, pad, batch, size):
    def make(lib):
        layer = lib.nn.Conv2d(cin, cout, k, stride, pad, bias=False).to("cuda")
        return layer, (batch, cin, size, size)
    return make


def batch_norm(channels, batch, size):
    def make(lib):
        return lib.nn.BatchNorm2d(channels).to("cuda"), (batch, channels, size, size)
    return make


def tf32_product(rows, inner, batch, cols):
    """weight [rows, inner] @ x [batch, inner, cols] with TensorFloat-32 on (both libraries'
    matmul switch is left on: this case runs last)."""
    def make(lib):
        lib.backends.cuda.matmul.allow_tf32 = True
        w = lib.randn(rows, inner, device="cuda", requires_grad=True)
        layer = lambda x: w @ x                 # noqa: E731
        layer.parameters = lambda: [w]
        return layer, (batch, inner, cols)
    return make


def module(build, shape):
    def make(lib):
        return build(lib), shape
    return make


CASES = [
    ("ResNet stem conv 3->64 3x3 @32", conv(3, 64, 3, 1, 1, 128, 32)),
    ("ResNet conv 64->64 3x3 @32", conv(64, 64, 3, 1, 1, 128, 32)),
    ("ResNet conv 64->128 3x3 s2 @32", conv(64, 128, 3, 2, 1, 128, 32)),
    ("ResNet conv 64->128 1x1 s2 @32", conv(64, 128, 1, 2, 0, 128, 32)),
    ("ResNet conv 128->128 3x3 @16", conv(128, 128, 3, 1, 1, 128, 16)),
    ("ResNet conv 256->256 3x3 @8", conv(256, 256, 3, 1, 1, 128, 8)),
    ("ResNet conv 512->512 3x3 @4", conv(512, 512, 3, 1, 1, 128, 4)),
    ("ResNet batch_norm 64 @32", batch_norm(64, 128, 32)),
    ("ResNet relu 64 @32", module(lambda lib: lib.nn.ReLU(), (128, 64, 32, 32))),
    ("ResNet avg pool + linear", module(
        lambda lib: lib.nn.Sequential(lib.nn.AdaptiveAvgPool2d(1), lib.nn.Flatten(),
                                      lib.nn.Linear(512, 10)).to("cuda"), (128, 512, 4, 4))),
    ("LeNet conv 1->6 5x5 pad 2 @28", conv(1, 6, 5, 1, 2, 64, 28)),
    ("LeNet conv 6->16 5x5 @14", conv(6, 16, 5, 1, 0, 64, 14)),
    ("LeNet max_pool 2 @28", module(lambda lib: lib.nn.MaxPool2d(2), (64, 6, 28, 28))),
    # conv 64->64 3x3 @32 taken apart: its im2col (unfold; backward: col2im) and its product
    ("  its im2col (unfold)", module(
        lambda lib: lambda x: lib.nn.functional.unfold(x, 3, padding=1), (128, 64, 32, 32))),
    ("  its product (TF32 matmul)", tf32_product(64, 576, 128, 1024)),
]


def median_ms(lib, fn, reps):
    for _ in range(3):
        fn()
    lib.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        lib.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def time_case(lib, make, x_np, reps):
    """(forward ms, forward + backward ms)."""
    layer, _ = make(lib)
    x = lib.tensor(x_np).to("cuda")
    xg = x.clone().requires_grad_()
    params = list(layer.parameters()) if hasattr(layer, "parameters") else []

    def forward():
        with lib.no_grad():
            layer(x)

    def forward_backward():
        xg.grad = None
        for p in params:
            p.grad = None
        layer(xg).sum().backward()

    return median_ms(lib, forward, reps), median_ms(lib, forward_backward, reps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    require_gpu()
    header = (f"{'case':34} {'pyt fwd':>8} {'torch':>8} {'ratio':>6}   "
              f"{'pyt f+b':>8} {'torch':>8} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for name, make in CASES:
        shape = make(pyt)[1]
        x_np = rng.standard_normal(shape).astype(np.float32)
        try:
            p_f, p_fb = time_case(pyt, make, x_np, args.reps)
        except Exception as e:
            print(f"{name:34} n/a: {type(e).__name__}: {e}")
            continue
        if torch is None:
            print(f"{name:34} {p_f:8.3f} {'-':>8} {'-':>6}   {p_fb:8.3f} {'-':>8} {'-':>6}")
            continue
        t_f, t_fb = time_case(torch, make, x_np, args.reps)
        print(f"{name:34} {p_f:8.3f} {t_f:8.3f} {p_f / t_f:6.2f}   "
              f"{p_fb:8.3f} {t_fb:8.3f} {p_fb / t_fb:6.2f}")


if __name__ == "__main__":
    main()
