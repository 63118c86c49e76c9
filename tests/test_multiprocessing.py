"""pyt.multiprocessing: shared-memory storages, tensors through queues under every start
method, spawn, fork safety after parallel kernels, no leaked memfds."""
import gc
import os
import pickle
import signal
import subprocess
import sys

import numpy as np
import pytest

import pyt
import pyt.multiprocessing as mp
from pyt import nn
from multiprocessing.reduction import ForkingPickler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 60          # seconds: a hang fails the test instead of blocking CI
METHODS = [m for m in ("fork", "spawn", "forkserver") if m in mp.get_all_start_methods()]
LARGE = 1 << 20       # float32 elements: 4 MiB, one of the allocator's large blocks
MEDIUM = 100_000     # float32: 400 kB, a block of the allocator's medium class


def memfds():
    """How many of pyt's shared-memory fds this process holds."""
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{name}").startswith("/memfd:pyt_shared")
        except OSError:
            pass
    return count


@pytest.fixture(autouse=True)
def nothing_left_behind():
    gc.collect()
    before_fds = memfds()
    before_shm = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    yield
    gc.collect()
    assert memfds() == before_fds
    if os.path.isdir("/dev/shm"):
        assert not {f for f in set(os.listdir("/dev/shm")) - before_shm if "pyt" in f}


def roundtrip(obj):
    return ForkingPickler.loads(ForkingPickler.dumps(obj))


# ----- share_memory_ in one process ---------------------------------------------------

@pytest.mark.parametrize("size", [LARGE, MEDIUM])
def test_share_memory_large_in_place(size):
    t = pyt.arange(size, dtype=pyt.float32)
    view = t[10:20]
    array = t.numpy()
    ptr = t.data_ptr()
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and view.is_shared()
    assert t.data_ptr() == ptr and view.data_ptr() == ptr + 40
    np.testing.assert_array_equal(t.numpy(), np.arange(size, dtype=np.float32))
    t[0] = -5.0
    array[11] = -7.0                  # the NumPy array exported before still aliases it
    assert array[0] == -5.0 and view[1].item() == -7.0
    t.share_memory_()                 # already shared: nothing changes
    assert t.data_ptr() == ptr and memfds() >= 1


@pytest.mark.parametrize("dtype", [pyt.bool, pyt.uint8, pyt.int64, pyt.float16,
                                   pyt.bfloat16, pyt.float64])
def test_share_memory_small_keeps_views(dtype):
    t = pyt.arange(12).to(dtype).reshape(3, 4)
    expected = t.float().numpy().copy()
    col = t[:, 1]
    row = t[1]
    t.share_memory_()
    assert t.is_shared() and col.is_shared()
    np.testing.assert_array_equal(t.float().numpy(), expected)
    assert col.data_ptr() == t.data_ptr() + t.element_size()
    assert row.data_ptr() == t.data_ptr() + 4 * t.element_size()
    t[1, 1] = 1                       # views see the shared memory
    assert col[1].item() == row[1].item() == t[1, 1].item()


def test_share_memory_small_exported_buffer_stays_valid():
    t = pyt.arange(6.0)
    array = t.numpy()
    t.share_memory_()
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    np.testing.assert_array_equal(array, np.arange(6.0))   # old memory, still alive


def test_share_memory_foreign_memory_is_copied():
    source = np.arange(5.0)
    t = pyt.from_numpy(source)
    t.share_memory_()
    t[0] = 9.0
    assert t.tolist() == [9.0, 1.0, 2.0, 3.0, 4.0] and source[0] == 0.0


def test_share_memory_zero_size_and_scalar():
    empty = pyt.empty(0).share_memory_()
    scalar = pyt.tensor(3.5).share_memory_()
    assert empty.is_shared() and empty.numel() == 0
    assert scalar.is_shared() and scalar.item() == 3.5


def test_new_shared_storage_is_zeroed():
    storage = pyt.UntypedStorage._new_shared(100)
    assert storage.is_shared() and storage.nbytes() == 100
    assert bytes(storage) == bytes(100)
    with pytest.raises(RuntimeError):
        pyt.UntypedStorage._new_shared(-1)


def test_memfds_closed_when_storages_die():
    gc.collect()
    before = memfds()
    tensors = [pyt.ones(n).share_memory_() for n in (1, 1000, LARGE)]
    assert memfds() == before + 3
    del tensors
    gc.collect()
    assert memfds() == before


@pytest.mark.parametrize("size", [LARGE, MEDIUM])
def test_large_block_reused_after_shared(size):
    # the block goes back to the allocator as private memory and serves the next tensor
    pyt.full((size,), 2.0).share_memory_()           # dies at once: back to the cache
    t = pyt.zeros(size)
    t += 1
    assert not t.is_shared() and t.sum().item() == size


def test_module_share_memory():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    assert model.share_memory() is model
    assert all(t.is_shared() for t in list(model.parameters()) + list(model.buffers()))
    assert isinstance(model[0].weight, nn.Parameter) and model[0].weight.requires_grad


# ----- pickling -----------------------------------------------------------------------

def test_pickle_in_process_gives_the_same_memory():
    t = pyt.arange(10.0)
    a, b = roundtrip((t[2:5], t.t()))
    assert a.untyped_storage() is t.untyped_storage()
    assert a.data_ptr() == t.data_ptr() + 8 and b.data_ptr() == t.data_ptr()


def test_pickle_keeps_geometry_and_dtype():
    base = pyt.arange(24, dtype=pyt.int16).reshape(2, 3, 4)
    t = base.permute(2, 0, 1)[1:, :, ::2]
    r = roundtrip(t)
    assert r.dtype is pyt.int16 and r.shape == t.shape and r.stride() == t.stride()
    assert r.storage_offset() == t.storage_offset()
    np.testing.assert_array_equal(r.numpy(), t.numpy())


def test_pickle_negative_strides():
    t = pyt.from_numpy(np.arange(6.0)[::-1])
    r = roundtrip(t)
    assert r.stride() == (-1,) and r.tolist() == [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]


def test_pickle_parameter_and_requires_grad():
    p = nn.Parameter(pyt.ones(3))
    leaf = pyt.zeros(2, requires_grad=True)
    frozen = nn.Parameter(pyt.ones(1), requires_grad=False)
    rp, rl, rf = roundtrip((p, leaf, frozen))
    assert type(rp) is nn.Parameter and rp.requires_grad and rp.is_leaf
    assert type(rl) is pyt.Tensor and rl.requires_grad
    assert type(rf) is nn.Parameter and not rf.requires_grad


def test_pickle_refuses_non_leaf_requiring_grad():
    x = pyt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf"):
        ForkingPickler.dumps(x * 2)
    assert roundtrip((x * 2).detach()).tolist() == [2.0, 2.0]


def test_plain_pickle_still_copies():
    t = pyt.arange(4.0)
    r = pickle.loads(pickle.dumps(t))
    assert r.tolist() == t.tolist() and not r.is_shared() and not t.is_shared()


def test_sharing_strategies():
    assert "file_descriptor" in mp.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == "file_descriptor"
    mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(ValueError):
        mp.set_sharing_strategy("carrier_pigeon")


def test_drop_in_for_multiprocessing():
    import multiprocessing
    assert mp.Queue is multiprocessing.Queue and mp.get_context is multiprocessing.get_context
    assert set(multiprocessing.__all__) <= set(mp.__all__)


# ----- between processes --------------------------------------------------------------
# Child entry points are module-level functions so that spawn and forkserver can pickle
# them.

def _child_writes(inbox, outbox):
    t, view, param = inbox.get(timeout=TIMEOUT)
    facts = (t.is_shared(), view.data_ptr() == t.data_ptr() + 8,
             type(param) is nn.Parameter, param.requires_grad)
    t[0] = 42.0
    view[0] = 7.0
    with pyt.no_grad():
        param.mul_(3.0)
    outbox.put((facts, t))            # sent back: arrives as the parent's own storage
    inbox.get(timeout=TIMEOUT)        # stay alive until the parent has received it


@pytest.mark.parametrize("method", METHODS)
def test_queue_shares_memory(method):
    ctx = mp.get_context(method)
    inbox, outbox = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=_child_writes, args=(inbox, outbox))
    child.start()
    try:
        t = pyt.zeros(6)
        param = nn.Parameter(pyt.ones(3))
        inbox.put((t, t[2:5], param))
        facts, back = outbox.get(timeout=TIMEOUT)
        inbox.put("done")
        assert facts == (True, True, True, True)
        assert t.tolist() == [42.0, 0.0, 7.0, 0.0, 0.0, 0.0]
        assert param.tolist() == [3.0, 3.0, 3.0]
        assert back.untyped_storage() is t.untyped_storage()
        del back
    finally:
        child.join(TIMEOUT)
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0


def _child_sends_then_waits(outbox, size):
    t = pyt.full((size,), 3.0)
    outbox.put(t)
    signal.pause()                    # until the parent kills it


def test_memory_outlives_a_killed_sender():
    ctx = mp.get_context("fork")
    outbox = ctx.Queue()
    child = ctx.Process(target=_child_sends_then_waits, args=(outbox, LARGE))
    child.start()
    try:
        t = outbox.get(timeout=TIMEOUT)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(TIMEOUT)
    assert child.exitcode == -signal.SIGKILL
    assert t.is_shared() and t.sum().item() == 3.0 * LARGE
    t += 1                            # the memory is still ours to use
    assert t[0].item() == 4.0
    del t                             # the fixture checks that the memfd is gone


def _spawn_ok(i, path):
    with open(f"{path}.{i}", "w") as f:
        f.write(str(pyt.arange(4.0).sum().item() + i))


def _spawn_raise(i):
    raise ValueError(f"bad value in process {i}")


def _spawn_die(i):
    os.kill(os.getpid(), signal.SIGKILL)


def _spawn_exit(i):
    sys.exit(3)


def test_spawn_runs_every_process(tmp_path):
    mp.spawn(_spawn_ok, args=(str(tmp_path / "out"),), nprocs=2)
    assert [open(tmp_path / f"out.{i}").read() for i in range(2)] == ["6.0", "7.0"]


def test_spawn_reports_the_exception():
    with pytest.raises(mp.ProcessRaisedException,
                       match=r"(?s)Process 0 terminated with the following error.*"
                             r"ValueError: bad value in process 0"):
        mp.spawn(_spawn_raise, nprocs=1)


def test_start_processes_reports_signal_and_exit_code():
    with pytest.raises(mp.ProcessExitedException,
                       match="process 0 terminated with signal SIGKILL") as info:
        mp.start_processes(_spawn_die, nprocs=1, start_method="fork")
    assert info.value.signal_name == "SIGKILL" and info.value.exit_code == -9
    context = mp.start_processes(_spawn_exit, nprocs=1, join=False, start_method="fork")
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 1
    with pytest.raises(mp.ProcessExitedException,
                       match="process 0 terminated with exit code 3"):
        while not context.join(TIMEOUT):
            pass


def _child_big_ops(outbox):
    a = pyt.arange(300 * 300, dtype=pyt.float64).reshape(300, 300) / 1e4
    b = pyt.ones(1 << 21).mul(2.0)
    outbox.put(((a @ a).sum().item(), b.sum().item(), pyt.get_num_threads()))


def test_fork_after_parallel_kernels():
    threads = pyt.get_num_threads()
    pyt.set_num_threads(2)
    try:
        a = pyt.rand(300, 300, dtype=pyt.float64)
        (a @ a).sum().item()
        pyt.ones(1 << 21).mul(2.0).sum().item()      # parallel regions in the parent
        ctx = mp.get_context("fork")
        outbox = ctx.Queue()
        children = [ctx.Process(target=_child_big_ops, args=(outbox,)) for _ in range(2)]
        for c in children:
            c.start()
        results = [outbox.get(timeout=TIMEOUT) for _ in children]
        for c in children:
            c.join(TIMEOUT)
            if c.is_alive():
                c.kill()
            assert c.exitcode == 0
    finally:
        pyt.set_num_threads(threads)
    x = np.arange(300 * 300, dtype=np.float64).reshape(300, 300) / 1e4
    for matmul_sum, total, child_threads in results:
        assert matmul_sum == pytest.approx((x @ x).sum(), rel=1e-12)
        assert total == 2.0 * (1 << 21) and child_threads == 1


# ----- the example --------------------------------------------------------------------

def test_hogwild_example():
    pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "hogwild_digits.py"),
         "--processes", "2", "--epochs", "6", "--hidden", "64", "--no-baseline"],
        capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "[worker 1] epoch   6" in result.stdout
    accuracy = float(result.stdout.split("hogwild test accuracy:")[1].split()[0])
    assert accuracy >= 0.9      # the full run (15 epochs, 128 hidden) reaches about 0.96
