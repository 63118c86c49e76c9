"""Long runs leave nothing behind: memory stays flat over many small ops and training
steps, no tensor outlives its last reference, and DataLoader iterators created and
dropped leave no processes, threads, file descriptors or shared memory.

PYT_LEAK_SCALE multiplies the run lengths (CI runs 1; a release check runs
`PYT_LEAK_SCALE=10 python -m pytest tests/leaks`, which gives the issue's 100,000 ops,
2,000 training steps and 500 DataLoader iterators)."""
import gc
import os
import threading

import numpy as np
import pytest

import pyt
import pyt.nn as nn
import pyt.nn.functional as F
from conftest import child_processes

SCALE = int(os.environ.get("PYT_LEAK_SCALE", "1"))
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def live_tensors():
    gc.collect()
    return sum(isinstance(o, pyt.Tensor) for o in gc.get_objects())


def grows_by(step, calls, warmup):
    """MB of RSS that `calls` more calls of step add after `warmup` calls."""
    for _ in range(warmup):
        step()
    gc.collect()
    before = rss_mb()
    for _ in range(calls):
        step()
    gc.collect()
    return rss_mb() - before


def test_small_ops_keep_memory_flat():
    a, b = pyt.randn(64), pyt.randn(64)

    def step():
        c = (a + b) * 2
        c.sum().item()
        c[3:9].exp_()
    assert grows_by(step, 10_000 * SCALE, 2_000) < 4


def test_small_ops_with_autograd_keep_memory_flat_and_free_their_graphs():
    w = pyt.randn(64, requires_grad=True)
    x = pyt.randn(64)
    baseline = live_tensors()

    def step():
        loss = (w * x).tanh().sum()
        loss.backward()
        w.grad = None
    assert grows_by(step, 10_000 * SCALE, 2_000) < 4
    assert live_tensors() <= baseline + 1


def test_training_steps_keep_memory_flat():
    """The digits CNN's training step (conv, pool, linear, cross-entropy, Adam)."""
    pyt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    optimizer = pyt.optim.Adam(model.parameters(), lr=1e-3)
    images, labels = pyt.randn(32, 1, 8, 8), pyt.randint(0, 10, (32,))

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()
    step()
    baseline = live_tensors()
    assert grows_by(step, 200 * SCALE, 50) < 4
    assert live_tensors() <= baseline


def test_graphs_are_freed_by_reference_counting_alone():
    """No reference cycles in a recorded graph (backward(create_graph=True) makes one,
    x -> x.grad -> its graph -> x, in torch too)."""
    gc.collect()
    gc.disable()
    try:
        before = live_tensors_without_collecting()
        for _ in range(100):
            x = pyt.randn(8, requires_grad=True)
            y = (x.exp() * x).sigmoid().sum()
            y.backward()
            g, = pyt.autograd.grad((x * x).sum(), x, create_graph=True)
            g.sum().backward()
            del x, y, g
        assert live_tensors_without_collecting() <= before
    finally:
        gc.enable()


def test_custom_function_graphs_are_freed_by_reference_counting_alone():
    """An autograd.Function's node and ctx must not form a cycle with its saved tensors
    or outputs (it kept an LSTM step's buffers alive until the collector ran)."""
    class Scale(pyt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable()
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 + 0 * x

    lstm = nn.LSTM(4, 5, 2)
    gc.collect()
    gc.disable()
    try:
        before = live_tensors_without_collecting()
        for _ in range(20):
            x = pyt.randn(3, 2, 4, requires_grad=True)
            out, (h, c) = lstm(Scale.apply(x))
            (out.sum() + h.sum() + c.sum()).backward()
            unused = Scale.apply(pyt.randn(3, requires_grad=True))     # never backpropagated
            del x, out, h, c, unused
        lstm.zero_grad(set_to_none=True)
        assert live_tensors_without_collecting() <= before
    finally:
        gc.enable()


def live_tensors_without_collecting():
    return sum(isinstance(o, pyt.Tensor) for o in gc.get_objects())


def open_fds():
    return len(os.listdir("/proc/self/fd"))


def shm_files():
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def take_some(batches, count):
    for _ in range(count):
        x, y = next(batches)                   # shared-memory tensors: one fd each
        assert np.array_equal(x[:, 0].numpy(), 4 * y.numpy())


def test_dataloader_iterators_dropped_early_leave_nothing_behind():
    from pyt.utils.data import DataLoader, TensorDataset
    data = TensorDataset(pyt.arange(4000.).reshape(1000, 4), pyt.arange(1000))
    loader = DataLoader(data, batch_size=50, num_workers=2, shuffle=True)
    next(iter(loader))                      # warm-up: imports, first fork
    gc.collect()
    # helpers other tests may have started (forkserver, resource tracker) stay out of it
    fds, threads, shm, helpers = (open_fds(), threading.active_count(), shm_files(),
                                  set(sum(child_processes(), [])))
    for i in range(50 * SCALE):
        take_some(iter(loader), i % 3)         # the iterator is dropped part-way
    gc.collect()
    assert set(sum(child_processes(), [])) <= helpers
    assert threading.active_count() <= threads
    assert open_fds() <= fds
    assert shm_files() <= shm
