"""Thread settings and fork safety (DESIGN.md decision 9)."""
import multiprocessing as mp
import warnings

import numpy as np
import pytest

import pyt


def test_set_get_num_threads():
    n = pyt.get_num_threads()
    assert n >= 1
    try:
        pyt.set_num_threads(1)
        assert pyt.get_num_threads() == 1
    finally:
        pyt.set_num_threads(n)
    with pytest.raises(RuntimeError):
        pyt.set_num_threads(0)


def _child_work(queue):
    big = pyt.arange(1_000_000, dtype=pyt.float32)
    out = (big.view(1000, 1000).t().contiguous() + 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pyt.set_num_threads(4)
    queue.put((pyt.get_num_threads(), float(out[999, 0].item()), len(caught)))


def test_forked_child_runs_kernels_after_parent_used_openmp():
    # the parent runs parallel kernels first: GNU OpenMP would hang a child that
    # enters a parallel region after fork
    pyt.set_num_threads(2)
    big = pyt.arange(2_000_000, dtype=pyt.float32)
    (big.view(2000, 1000).t().contiguous() + big.view(2000, 1000).t()).numpy()
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_work, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("forked child hung in a pyt kernel")
    threads, value, warned = queue.get(timeout=5)
    assert child.exitcode == 0
    assert threads == 1 and warned == 1
    assert value == 999 + 1
