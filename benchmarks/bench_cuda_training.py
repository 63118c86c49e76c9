"""Training steps on the GPU, pyt against PyTorch on the same GPU: forward, loss,
zero_grad, backward and the optimizer's step, the same model code on each library.

    python benchmarks/bench_cuda_training.py [--steps N]

Run on a machine with a GPU after building with CUDA (benchmarks/gpu_check.sh does).
Cases (issue 12): an MLP 784-512-256-10 (ReLU) at batch 128 with SGD (momentum 0.9) and
with Adam, cross_entropy. Targets: a step no slower than 1.5x torch's, peak memory
(max_memory_allocated) at most 1.2x torch's. Models with layers that have no CUDA kernel
in pyt yet print "n/a" with the error.
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

try:
    import torch
except ImportError:                           # the torch column reads "-"
    torch = None


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def sgd(lib, params):
    return lib.optim.SGD(params, lr=0.01, momentum=0.9)


def adam(lib, params):
    return lib.optim.Adam(params, lr=1e-3)


CASES = [
    ("MLP 784-512-256-10, batch 128, SGD momentum", mlp, sgd, (128, 784)),
    ("MLP 784-512-256-10, batch 128, Adam", mlp, adam, (128, 784)),
]


def run_case(lib, build, make_optimizer, x_np, y_np, steps):
    """Median step time (ms) and peak memory (MiB) of `steps` steps after 5 warm-ups."""
    lib.manual_seed(0)
    model = build(lib).to("cuda")
    optimizer = make_optimizer(lib, model.parameters())
    x = lib.tensor(x_np).to("cuda")
    y = lib.tensor(y_np).to("cuda")
    lib.cuda.synchronize()
    lib.cuda.reset_peak_memory_stats()
    times = []
    for i in range(steps + 5):
        start = time.perf_counter()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lib.cuda.synchronize()
        if i >= 5:
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, lib.cuda.max_memory_allocated() / 2**20, loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    if not pyt.cuda.is_available():
        sys.exit("no GPU: pyt.cuda.is_available() is False")
    print("gpu:", pyt.cuda.get_device_name(0))
    rng = np.random.default_rng(0)
    header = f"{'case':46} {'pyt ms':>8} {'torch ms':>9} {'ratio':>6} {'pyt MiB':>8} {'torch MiB':>9}"
    print(header)
    print("-" * len(header))
    for name, build, make_optimizer, shape in CASES:
        x_np = rng.standard_normal(shape).astype(np.float32)
        y_np = rng.integers(0, 10, shape[0]).astype(np.int64)
        try:
            p_ms, p_mib, p_loss = run_case(pyt, build, make_optimizer, x_np, y_np, args.steps)
        except Exception as e:                # a layer without a CUDA kernel yet
            print(f"{name:46} n/a: {type(e).__name__}: {e}")
            continue
        if torch is None:
            print(f"{name:46} {p_ms:8.3f} {'-':>9} {'-':>6} {p_mib:8.1f} {'-':>9}")
            continue
        t_ms, t_mib, t_loss = run_case(torch, build, make_optimizer, x_np, y_np, args.steps)
        print(f"{name:46} {p_ms:8.3f} {t_ms:9.3f} {p_ms / t_ms:6.2f} {p_mib:8.1f} {t_mib:9.1f}"
              f"   (last loss pyt {p_loss:.4f}, torch {t_loss:.4f})")


if __name__ == "__main__":
    main()
