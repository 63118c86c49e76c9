"""Where a training step's GPU time goes: one of bench_cuda_training.py's cases run for a
few steps under torch.profiler, which records every kernel launched in the process
(pyt's included, through CUPTI), then the kernels by total time, for pyt and for torch.

    python benchmarks/profile_cuda_step.py [--case ResNet] [--steps 5] [--top 25]

Needs a GPU and PyTorch (for its profiler); benchmarks/gpu_check.sh's `profile` stage.
"""
import argparse
import collections
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_cuda_training as training           # noqa: E402  (puts the in-place pyt first)

import pyt                                        # noqa: E402
from _timing import require_gpu                   # noqa: E402
import torch                                      # noqa: E402


def kernel_times(prof):
    """{kernel name: (launches, total microseconds)} of the GPU events profiled."""
    table = collections.defaultdict(lambda: [0, 0.0])
    for event in prof.events():
        if "CUDA" not in str(getattr(event, "device_type", "")):
            continue
        row = table[event.name]
        row[0] += 1
        row[1] += event.time_range.elapsed_us()
    return table


def profile(lib, build, make_optimizer, x_np, y_np, steps):
    step = training.training_step(lib, build, make_optimizer, x_np, y_np)
    for _ in range(3):
        step()
    lib.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(steps):
            step()
        lib.cuda.synchronize()
    return kernel_times(prof)


def report(name, table, steps, top):
    total = sum(t for _, t in table.values())
    print(f"\n{name}: {total / steps / 1e3:.3f} ms of kernels per step, "
          f"{sum(n for n, _ in table.values()) / steps:.0f} launches per step")
    print(f"{'ms/step':>8} {'share':>6} {'calls':>6}  kernel")
    rows = sorted(table.items(), key=lambda kv: -kv[1][1])
    for kernel, (calls, us) in rows[:top]:
        print(f"{us / steps / 1e3:8.3f} {us / max(total, 1e-9):6.1%} {calls // steps:6d}  "
              f"{kernel[:110]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="ResNet", help="a prefix of the case's name")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    case = next(c for c in training.CASES if c[0].startswith(args.case))
    name, build, make_optimizer, shape, (n_labels, n_classes) = case
    x_np, y_np = training.case_inputs(np.random.default_rng(0), shape, n_labels, n_classes)
    require_gpu(f" | case: {name}")
    for lib in (pyt, torch):
        table = profile(lib, build, make_optimizer, x_np, y_np, args.steps)
        report(lib.__name__, table, args.steps, args.top)


if __name__ == "__main__":
    main()
