"""Fault injection (issue 13): crashing, hanging and killed DataLoader workers, a Hogwild
child that dies, a full disk while saving, a checkpoint truncated under mmap; and ops
from several Python threads at once. Every fault must be reported clearly, leave the
main process working, and leave nothing behind (child processes, fds, /dev/shm files).
Every wait is bounded: a hang fails the test instead of blocking CI."""
import contextlib
import errno
import gc
import multiprocessing
import multiprocessing.resource_tracker
import os
import signal
import threading
import time

import numpy as np
import pytest

import pyt
import pyt.multiprocessing as mp
from pyt import nn
from pyt.utils.data import DataLoader

import _fault_helpers as H
from conftest import child_processes

HANG_GUARD = 60       # seconds any one test may take before it counts as hung


# ----------------------------------------------------------------------------- guards

class Hung(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds=HANG_GUARD):
    """Raises Hung in the main thread if the block runs longer than `seconds` (blocking
    waits in Python code are interrupted by the signal)."""
    def expired(signum, frame):
        raise Hung(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _unexpected_children():
    live, zombies = child_processes()
    unexpected = list(zombies)
    for pid in live:
        try:
            with open(f"/proc/{pid}/cmdline") as f:
                cmdline = f.read()
        except OSError:
            continue
        # spawn's resource tracker lives as long as this process
        if "resource_tracker" not in cmdline and "forkserver" not in cmdline:
            unexpected.append(pid)
    return unexpected, zombies


def _fds():
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            fds[name] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            pass
    return fds


def _shm():
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def _settle(check, seconds=3.0):
    """Polls check() until it is falsy (queue feeder threads close their pipe ends
    asynchronously); returns its last value."""
    end = time.monotonic() + seconds
    while True:
        gc.collect()
        value = check()
        if not value or time.monotonic() > end:
            return value
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def nothing_left_behind():
    multiprocessing.resource_tracker.ensure_running()    # its fd stays for good
    gc.collect()
    before_fds, before_shm = _fds(), _shm()
    yield
    _settle(lambda: any(_unexpected_children()))
    unexpected, zombies = _unexpected_children()
    assert unexpected == [] and zombies == [], "child processes left behind"
    extra = _settle(lambda: {k: v for k, v in _fds().items() if k not in before_fds})
    assert not extra, f"file descriptors left open: {extra}"
    assert _shm() - before_shm == set(), "files left in /dev/shm"


def assert_still_works():
    """The main process computes, and a fresh multi-worker DataLoader runs an epoch."""
    a = pyt.arange(6.0).reshape(2, 3)
    assert (a @ a.t()).tolist() == [[5.0, 14.0], [14.0, 50.0]]
    with deadline(30):
        batches = [b[0].tolist() for b in DataLoader(H.PidDataset(6), batch_size=2,
                                                     num_workers=2, timeout=20)]
    assert batches == [[0, 1], [2, 3], [4, 5]]


def _gone(pid):
    """Whether process pid no longer exists (not even as a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("X",)
    except OSError:
        return True


# ----------------------------------------------------------------------------- DataLoader

def test_worker_segfault_is_reported():
    loader = DataLoader(H.SegfaultDataset(8, bad=3), batch_size=None, num_workers=2,
                        timeout=30)
    got = []
    with deadline(), pytest.raises(RuntimeError, match=r"^DataLoader worker \(pid \d+\) is "
                                                       r"killed by signal: Segmentation "
                                                       r"fault\.$"):
        for value in loader:
            got.append(value)
    # batches before the crash arrive in order (the dead worker's last results may be
    # lost with it: they were still in its queue's feeder thread)
    assert got == [0, 1, 2][:len(got)]
    del loader
    assert_still_works()


def test_worker_hang_past_timeout(tmp_path):
    pid_file = str(tmp_path / "hung.pid")
    loader = DataLoader(H.HangingDataset(4, bad=1, seconds=300, pid_file=pid_file),
                        batch_size=None, num_workers=1, timeout=1)
    start = time.monotonic()
    it = iter(loader)
    with deadline():
        assert next(it) == 0
        with pytest.raises(RuntimeError, match=r"DataLoader timed out after 1 seconds"):
            next(it)
    assert time.monotonic() - start < 5         # no long grace period for a hung worker
    with open(pid_file) as f:
        hung = int(f.read())
    assert _gone(hung), "the hung worker is still running"
    with pytest.raises(StopIteration):
        next(it)
    del it, loader
    assert_still_works()


def test_persistent_worker_killed_between_epochs():
    loader = DataLoader(H.PidDataset(8), batch_size=2, num_workers=2,
                        persistent_workers=True, timeout=30)
    expected = [[0, 1], [2, 3], [4, 5], [6, 7]]
    with deadline():
        first = [b for b in loader]
        assert [b[0].tolist() for b in first] == expected
        pids = sorted({p for b in first for p in b[1].tolist()})
        assert len(pids) == 2
        os.kill(pids[0], signal.SIGKILL)
        # the next epoch either reports the death or recovers; it must not hang
        try:
            second = [b[0].tolist() for b in loader]
        except RuntimeError as e:
            assert f"DataLoader worker (pid {pids[0]}) is killed by signal: Killed." in str(e)
        else:
            assert second == expected
        # and the epoch after that runs on fresh workers
        third = [b for b in loader]
    assert [b[0].tolist() for b in third] == expected
    new_pids = {p for b in third for p in b[1].tolist()}
    assert pids[0] not in new_pids and len(new_pids) == 2
    del loader, first, third
    assert_still_works()


def _pipe_bytes(fd):
    import fcntl
    import termios
    return int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"), "little")


def test_worker_killed_while_sending_a_large_sample():
    # a sample bigger than the result pipe (bytes travel by value, not in shared
    # memory): the worker blocks half-way through writing it, is killed there, and the
    # main process must not wait forever for the other half
    loader = DataLoader(H.BigSampleDataset(4, 8 << 20), batch_size=None, num_workers=1,
                        timeout=30)
    it = iter(loader)
    fd = it._worker_result_queue._reader.fileno()
    with deadline():
        while _pipe_bytes(fd) < 64 << 10:         # the pipe fills up, the worker waits
            time.sleep(0.01)
        os.kill(it._workers[0].pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed "
                                               r"by signal: Killed\."):
            next(it)
    del it, loader
    with deadline():                              # and whole large samples still arrive
        sizes = [len(b) for b in DataLoader(H.BigSampleDataset(3, 3 << 20),
                                            batch_size=None, num_workers=2, timeout=30)]
    assert sizes == [3 << 20] * 3
    assert_still_works()


# ----------------------------------------------------------------------------- Hogwild

def _memfds():
    return sum(link.startswith("/memfd:pyt_shared") for link in _fds().values())


def test_hogwild_child_dies(tmp_path):
    before = _memfds()
    model = H.make_model()
    model.share_memory()
    initial = [p.detach().clone() for p in model.parameters()]
    with deadline(), pytest.raises(mp.ProcessExitedException,
                                   match="process 1 terminated with signal SIGKILL") as info:
        mp.spawn(H.hogwild_train, args=(model, 20, str(tmp_path)), nprocs=2)
    assert info.value.error_index == 1 and info.value.signal_name == "SIGKILL"
    assert info.value.exit_code == -signal.SIGKILL
    # the children trained the shared parameters, which the parent can still use
    params = list(model.parameters())
    assert all(p.is_shared() and bool(pyt.isfinite(p).all()) for p in params)
    assert any(not pyt.equal(p, q) for p, q in zip(params, initial))
    optimizer = pyt.optim.SGD(model.parameters(), lr=0.01)
    losses = [H.hogwild_step(model, optimizer, 7) for _ in range(3)]
    assert all(np.isfinite(losses)) and losses[2] <= losses[0]
    del model, params, optimizer, info
    gc.collect()
    assert _memfds() == before, "shared-memory fds leaked"
    assert_still_works()


# ----------------------------------------------------------------------------- full disk

def _checkpoint():
    return {"weight": pyt.arange(4096.0).reshape(64, 64), "step": 3}


def _assert_checkpoint(path, step):
    state = pyt.load(path)
    assert state["step"] == step
    assert pyt.equal(state["weight"], pyt.arange(4096.0).reshape(64, 64))


class FullDisk:
    """A binary file object that takes `room` bytes, then fails like a full disk."""

    def __init__(self, f, room):
        self._f, self.room = f, room

    def write(self, data):
        n = len(memoryview(data).cast("B"))
        if n > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= n
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


def _no_temp_files(folder):
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


def test_full_disk_file_object(tmp_path):
    with open(tmp_path / "out.pt", "wb") as raw:
        with pytest.raises(OSError) as info:
            pyt.save(_checkpoint(), FullDisk(raw, room=5000))
    assert info.value.errno == errno.ENOSPC
    assert os.path.getsize(tmp_path / "out.pt") <= 5000
    assert_still_works()


@pytest.mark.parametrize("fail", ["write", "fsync"])
def test_full_disk_path_keeps_previous_checkpoint(tmp_path, monkeypatch, fail):
    path = tmp_path / "model.pt"
    pyt.save(_checkpoint(), path)
    before = path.read_bytes()
    bigger = _checkpoint()
    bigger["step"] = 4
    bigger["extra"] = pyt.ones(50000)
    if fail == "write":
        real_fdopen = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k),
                                                                 room=100000))
    else:
        def full_fsync(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        monkeypatch.setattr(os, "fsync", full_fsync)
    with pytest.raises(OSError) as info:
        pyt.save(bigger, path)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before
    _assert_checkpoint(path, 3)
    assert _no_temp_files(tmp_path) == []
    pyt.save(bigger, path)            # with room again, the save goes through
    assert pyt.load(path)["step"] == 4
    assert _no_temp_files(tmp_path) == []


# ----------------------------------------------------------------------------- mmap

def test_truncated_checkpoint_with_mmap(tmp_path):
    path = tmp_path / "model.pt"
    pyt.save(_checkpoint(), path)
    data = path.read_bytes()
    for size in (len(data) - 1, len(data) // 2, 100, 0):
        path.write_bytes(data[:size])
        with pytest.raises(RuntimeError, match="pyt.load: .* (truncated|not a valid)"):
            pyt.load(path, mmap=True)
    assert_still_works()


def test_checkpoint_truncated_while_mmap_loading(tmp_path, monkeypatch):
    # the file shrinks after it was mapped: its storages would point past the end of the
    # file (SIGBUS on first touch), so load must refuse to return them
    path = tmp_path / "model.pt"
    pyt.save(_checkpoint(), path)
    real_storage = pyt.serialization._Archive.storage

    def truncating_storage(self, key, nbytes):
        os.truncate(path, 4096)
        return real_storage(self, key, nbytes)

    monkeypatch.setattr(pyt.serialization._Archive, "storage", truncating_storage)
    with pytest.raises(RuntimeError, match="truncated"):
        pyt.load(path, mmap=True)
    monkeypatch.undo()
    gc.collect()
    assert_still_works()


# ----------------------------------------------------------------------------- threads

def _run_threads(target, args_list, seconds=HANG_GUARD):
    """Runs target(*args) in one thread per args; returns their results, re-raising the
    first exception; a thread still running after `seconds` fails the test."""
    results, errors = [None] * len(args_list), []

    def body(i, args):
        try:
            results[i] = target(*args)
        except BaseException as e:          # noqa: B036 - reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i, a), daemon=True)
               for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    end = time.monotonic() + seconds
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def _thread_work(seed):
    """A mix of kernels and autograd on this thread's own tensors: NumPy copies of every
    result."""
    g = pyt.Generator().manual_seed(seed)
    a = pyt.randn(24, 24, generator=g)
    w = pyt.randn(4, 3, 3, 3, generator=g, requires_grad=True)
    x = pyt.randn(2, 3, 10, 10, generator=g)
    idx = pyt.randint(0, 24, (30,), generator=g)
    out = [a @ a.t(), a.sum(0), a.exp(), (a * 0.1).exp().sum()]
    y = nn.functional.conv2d(x, w, padding=1)
    out += [y, a.index_select(0, idx), a[idx, 3], a.gather(1, idx[:24].view(24, 1)),
            a[a > 0.5]]
    b = a.clone()
    b[idx] = 0.0
    b.index_add_(1, idx[:5], pyt.ones(24, 5))
    out.append(b)
    loss = (y.tanh() ** 2).mean()
    loss.backward()
    out.append(w.grad)
    return [t.detach().numpy().copy() for t in out]


def _check_thread_work(seed, expected, iterations):
    for _ in range(iterations):
        for got, want in zip(_thread_work(seed), expected):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    return iterations


def test_ops_from_threads_match_single_thread():
    seeds = range(4)
    expected = [_thread_work(s) for s in seeds]      # computed before any thread starts
    done = _run_threads(_check_thread_work, [(s, expected[s], 200) for s in seeds])
    assert done == [200] * 4


def test_threads_accumulate_into_a_shared_leaf():
    # Hogwild-style threads backpropagating through one weight: every gradient must
    # land in .grad (the in-place add runs without the GIL; it once lost updates)
    w = pyt.zeros(512, 512, requires_grad=True)
    x = pyt.ones(1, 512)

    def backprop(times):
        for _ in range(times):
            (x @ w).sum().backward()

    for _ in range(4):
        w.grad = None                   # the first accumulation races too
        _run_threads(backprop, [(50,)] * 4)
        values = np.unique(w.grad.numpy())
        assert values.tolist() == [200.0], values


def test_threads_share_a_model():
    # inference and backward through one module from several threads (conv, batch norm,
    # pooling, linear, embedding, LSTM): each thread's outputs are its single-thread ones
    pyt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 10)).eval()
    embed, lstm = nn.Embedding(50, 6), nn.LSTM(6, 12, batch_first=True)
    xs = [pyt.randn(4, 3, 8, 8, generator=pyt.Generator().manual_seed(i)) for i in range(4)]
    tokens = [pyt.randint(0, 50, (3, 7), generator=pyt.Generator().manual_seed(i))
              for i in range(4)]

    def forward(i):
        out, (h, _) = model(xs[i]), lstm(embed(tokens[i]))
        (out.sum() + h.sum()).backward()
        with pyt.no_grad():
            plain = model(xs[i])
        return [t.detach().numpy().copy() for t in (out, h, plain)]

    expected = [forward(i) for i in range(4)]

    def check(i):
        for _ in range(40):
            for got, want in zip(forward(i), expected[i]):
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)

    _run_threads(check, [(i,) for i in range(4)])


def test_threads_draw_from_the_default_generator():
    # the threads share the default generator: together they get exactly the numbers
    # one thread drawing as often would (none twice, none skipped)
    def draw(times):
        return [pyt.rand(3000).numpy().copy() for _ in range(times)]

    pyt.manual_seed(5)
    sequential = np.sort(np.concatenate(draw(4 * 60)))
    pyt.manual_seed(5)
    drawn = _run_threads(draw, [(60,)] * 4)
    assert np.array_equal(np.sort(np.concatenate(sum(drawn, []))), sequential)


def _grad_mode_thread(disable, inside, release):
    x = pyt.ones(3, requires_grad=True)
    if disable:
        with pyt.no_grad():
            inside.wait(10)             # both threads are now inside their blocks
            release.wait(10)
            return (x * 2).requires_grad, pyt.is_grad_enabled()
    inside.wait(10)
    release.wait(10)
    y = x * 2
    y.sum().backward()
    return y.requires_grad, pyt.is_grad_enabled(), x.grad.tolist()


def test_grad_mode_is_per_thread():
    inside, release = threading.Barrier(3), threading.Barrier(3)
    results = []

    def main_side():
        inside.wait(10)
        assert pyt.is_grad_enabled()         # the no_grad thread did not leak into this one
        release.wait(10)

    checker = threading.Thread(target=main_side, daemon=True)
    checker.start()
    results = _run_threads(_grad_mode_thread, [(True, inside, release),
                                               (False, inside, release)])
    checker.join(10)
    assert results[0] == (False, False)
    assert results[1] == (True, True, [2.0, 2.0, 2.0])
    assert pyt.is_grad_enabled()


def test_set_num_threads_while_kernels_run():
    before = pyt.get_num_threads()
    a = pyt.randn(200, 200, generator=pyt.Generator().manual_seed(1))
    product = (a @ a).numpy().copy()
    total = a.exp().sum().item()
    stop = threading.Event()

    def flip():
        n = 0
        while not stop.is_set():
            pyt.set_num_threads(1 + n % 2)
            n += 1
        return n

    def compute():
        try:
            for _ in range(100):
                np.testing.assert_allclose((a @ a).numpy(), product, rtol=1e-5, atol=1e-4)
                assert abs(a.exp().sum().item() - total) <= 1e-4 * abs(total)
        finally:
            stop.set()
        return True

    try:
        flips, ok = _run_threads(lambda job: job(), [(flip,), (compute,)])
    finally:
        pyt.set_num_threads(before)
    assert ok and flips > 0


_FORK_DURING_BLAS = r"""
import os, sys, threading, time
import pyt
count = [0]
def multiply():
    a = pyt.randn(200, 200)
    while True:
        a @ a
        count[0] += 1
threading.Thread(target=multiply, daemon=True).start()
time.sleep(0.2)
for _ in range(20):                     # what starting DataLoader workers does
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
before = count[0]
time.sleep(1)
sys.stdout.write(f"{count[0] - before}\n")
sys.stdout.flush()
os._exit(0)
"""


def test_fork_while_another_thread_runs_blas():
    # OpenBLAS's fork handler stops its thread pool: a GEMM running meanwhile in another
    # thread never returned (nor, at times, the fork) until pyt made fork wait for its
    # BLAS calls (include/pyt_fork_guard.h). In a subprocess: a hang must not stick here.
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        result = subprocess.run([sys.executable, "-c", _FORK_DURING_BLAS],
                                capture_output=True, text=True, timeout=8, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("the process hung in fork or in the multiplying thread")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0, "the multiplying thread hung after a fork"


def _counter_coverage(run):
    """Runs run() once while another thread counts in a Python loop: (seconds run()
    took, fraction of its 1 ms slices, over its first 80 %, in which the counter ticked).
    A kernel that holds the GIL gives 0: the counter cannot run until it returns."""
    ticks, stop = [], threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=count, daemon=True)
    t.start()
    time.sleep(0.02)
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    stop.set()
    t.join(10)
    end = start + 0.8 * elapsed
    slices = {int((x - start) / 0.001) for x in ticks if start < x < end}
    return elapsed, len(slices) / max(1, int(0.8 * elapsed / 0.001))


@pytest.mark.parametrize("kernel", ["matmul", "sum"])
def test_long_kernel_releases_the_gil(kernel):
    import sys
    before, interval = pyt.get_num_threads(), sys.getswitchinterval()
    pyt.set_num_threads(1)          # leave the other core to the counting thread
    sys.setswitchinterval(0.0005)   # the counter asks for the GIL promptly
    try:
        if kernel == "matmul":
            a = pyt.randn(1000, 1000)
            run = lambda: a @ a                                      # noqa: E731
        else:
            # 64 M elements to add, over 4 MiB of memory (an expanded tensor)
            a = pyt.randn(1 << 20).expand(64, 1 << 20)
            run = lambda: a.sum()                                    # noqa: E731
        run()
        # a loaded machine can deschedule the counter: a few tries, the best counts
        results = [_counter_coverage(run) for _ in range(3)]
    finally:
        sys.setswitchinterval(interval)
        pyt.set_num_threads(before)
    timed = [coverage for elapsed, coverage in results if elapsed > 0.004]
    assert timed, f"the kernel is too short to measure: {results}"
    assert max(timed) > 0.3, f"the counter stood still while the kernel ran: {results}"
