"""Training steps on the GPU, pyt against PyTorch on the same GPU: forward, loss,
zero_grad, backward and the optimizer's step, the same model code on each library.

    python benchmarks/bench_cuda_training.py [--steps N]

Run on a machine with a GPU after building with CUDA (benchmarks/gpu_check.sh does).
Cases (issue 12), cross_entropy each: an MLP 784-512-256-10 (ReLU) at batch 128 with SGD
(momentum 0.9) and with Adam, LeNet-5 on 1x28x28 at batch 64 (Adam), a 2-layer LSTM(200)
language model (vocabulary 10000, 35 steps x batch 20, SGD) and a ResNet-18-sized CNN on
3x32x32 at batch 128 (SGD momentum). Targets: a step no slower than 1.5x torch's (the
ResNet 2x), peak memory (max_memory_allocated) at most 1.2x torch's. Models with layers
that have no CUDA kernel in pyt yet print "n/a" with the error.
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


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def lenet5(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def resnet18(lib):
    """ResNet-18's layout for 32x32 inputs: 4 stages of 2 basic blocks, 64..512 channels."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
            self.skip = (nn.Sequential() if stride == 1 and cin == cout else nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)))

        def forward(self, x):
            return (self.body(x) + self.skip(x)).relu()

    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


def lstm_lm(lib):
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10000, 200)
            self.rnn = nn.LSTM(200, 200, 2)
            self.head = nn.Linear(200, 10000)

        def forward(self, tokens):                    # (35, 20) -> (700, 10000)
            out, _ = self.rnn(self.embed(tokens))
            return self.head(out.reshape(-1, 200))

    return LM()


def sgd(lib, params):
    return lib.optim.SGD(params, lr=0.01, momentum=0.9)


def adam(lib, params):
    return lib.optim.Adam(params, lr=1e-3)


def plain_sgd(lib, params):
    return lib.optim.SGD(params, lr=0.1)


# name, model, optimizer, input shape (None: token input), label count and range
CASES = [
    ("MLP 784-512-256-10, batch 128, SGD momentum", mlp, sgd, (128, 784), (128, 10)),
    ("MLP 784-512-256-10, batch 128, Adam", mlp, adam, (128, 784), (128, 10)),
    ("LeNet-5 1x28x28, batch 64, Adam", lenet5, adam, (64, 1, 28, 28), (64, 10)),
    ("LSTM(200) x2 LM, 35x20 tokens, SGD", lstm_lm, plain_sgd, None, (700, 10000)),
    ("ResNet-18-sized 3x32x32, batch 128, SGD mom.", resnet18, sgd, (128, 3, 32, 32), (128, 10)),
]


def case_inputs(rng, shape, n_labels, n_classes):
    """A case's input (shape None: the language model's tokens) and labels, as numpy."""
    if shape is None:
        x_np = rng.integers(0, 10000, (35, 20)).astype(np.int64)
    else:
        x_np = rng.standard_normal(shape).astype(np.float32)
    return x_np, rng.integers(0, n_classes, n_labels).astype(np.int64)


def training_step(lib, build, make_optimizer, x_np, y_np):
    """A function that runs one training step of the case on the GPU and returns its loss."""
    lib.manual_seed(0)
    model = build(lib).to("cuda")
    optimizer = make_optimizer(lib, model.parameters())
    x = lib.tensor(x_np).to("cuda")
    y = lib.tensor(y_np).to("cuda")

    def step():
        loss = lib.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss
    return step


def run_case(lib, build, make_optimizer, x_np, y_np, steps):
    """Median step time (ms) and peak memory (MiB) of `steps` steps after 5 warm-ups."""
    step = training_step(lib, build, make_optimizer, x_np, y_np)
    lib.cuda.synchronize()
    lib.cuda.reset_peak_memory_stats()
    times = []
    for i in range(steps + 5):
        start = time.perf_counter()
        loss = step()
        lib.cuda.synchronize()
        if i >= 5:
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, lib.cuda.max_memory_allocated() / 2**20, loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    require_gpu()
    rng = np.random.default_rng(0)
    header = f"{'case':46} {'pyt ms':>8} {'torch ms':>9} {'ratio':>6} {'pyt MiB':>8} {'torch MiB':>9}"
    print(header)
    print("-" * len(header))
    for name, build, make_optimizer, shape, (n_labels, n_classes) in CASES:
        x_np, y_np = case_inputs(rng, shape, n_labels, n_classes)
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
