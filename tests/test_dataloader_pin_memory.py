"""DataLoader(pin_memory=True). Without CUDA: torch's warning and no pinning. The
pinning machinery itself (the pin-memory thread that takes worker results off the result
queue, pins them and hands them over) runs here with the CUDA check and the pin function
replaced: order, errors, worker death, shutdown, no leaked threads."""
import collections
import gc
import threading
import time
import warnings

import pytest

import pyt
import _data_helpers as H
from pyt.utils.data import DataLoader
from pyt.utils.data import dataloader as dl
from pyt.utils.data._utils import pin_memory as pin_utils


class Pinned:
    """What the stand-in pin function returns: the batch, and the thread that pinned it."""

    def __init__(self, data):
        self.data = data
        self.thread = threading.current_thread().name


def _pin_threads():
    return [t for t in threading.enumerate() if t.name == "pyt-pin-memory"]


@pytest.fixture
def fake_pinning(monkeypatch):
    """CUDA 'available' and a pin function that wraps the batch (calls counted)."""
    calls = []

    def fake_pin(data, device=None):
        calls.append(device)
        return Pinned(data)
    monkeypatch.setattr(dl, "_pin_memory_available", lambda: True)
    monkeypatch.setattr(pin_utils, "pin_memory", fake_pin)
    yield calls
    gc.collect()
    assert _pin_threads() == []


def _plain(n=10, batch_size=3):
    return list(DataLoader(H.RangeDataset(n), batch_size=batch_size))


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert pyt.equal(x[0], y[0]) and pyt.equal(x[1], y[1])


# ----- without CUDA -------------------------------------------------------------------

@pytest.mark.skipif(pyt.cuda.is_available(), reason="a CUDA device pins for real")
@pytest.mark.parametrize("workers", [0, 1])
def test_no_cuda_warns_and_does_not_pin(workers):
    loader = DataLoader(H.RangeDataset(7), batch_size=2, pin_memory=True, num_workers=workers)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                         "accelerator is found"):
        batches = list(loader)
    _same(batches, _plain(7, 2))
    assert _pin_threads() == []


def test_no_warning_without_pin_memory():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(DataLoader(H.RangeDataset(4), batch_size=2))


# ----- the pinning machinery, with a stand-in pin function ----------------------------

def test_single_process_pins_each_batch_in_order(fake_pinning):
    out = list(DataLoader(H.RangeDataset(10), batch_size=3, pin_memory=True))
    assert all(isinstance(b, Pinned) for b in out)
    _same([b.data for b in out], _plain())
    assert fake_pinning == ["cuda"] * 4
    assert _pin_threads() == []            # no thread without workers, as torch


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_batches_pinned_by_the_thread_in_order(fake_pinning, workers):
    loader = DataLoader(H.RangeDataset(10), batch_size=3, pin_memory=True,
                        num_workers=workers, pin_memory_device="cuda:0")
    out = list(loader)
    assert all(isinstance(b, Pinned) and b.thread == "pyt-pin-memory" for b in out)
    _same([b.data for b in out], _plain())
    assert fake_pinning == ["cuda:0"] * 4


def test_workers_unordered_gives_every_batch(fake_pinning):
    out = list(DataLoader(H.RangeDataset(10), batch_size=2, pin_memory=True,
                          num_workers=2, in_order=False))
    assert sorted(int(b.data[1][0]) for b in out) == [0, 2, 4, 6, 8]


def test_worker_error_reraised_in_main_thread(fake_pinning):
    loader = DataLoader(H.FailingDataset(8, bad=5), batch_size=None, pin_memory=True,
                        num_workers=2)
    got = []
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process"):
        for b in loader:
            got.append(b.data)
    assert got == [0, 1, 2, 3, 4]          # the batches before it, in order


def test_pin_error_reraised_in_main_thread(monkeypatch):
    def bad_pin(data, device=None):
        if data == 2:
            raise RuntimeError("cannot pin this one")
        return Pinned(data)
    monkeypatch.setattr(dl, "_pin_memory_available", lambda: True)
    monkeypatch.setattr(pin_utils, "pin_memory", bad_pin)
    got = []
    with pytest.raises(RuntimeError, match="(?s)in pin memory thread.*cannot pin this one"):
        for b in DataLoader(H.RangeDataset(6), batch_size=None, pin_memory=True,
                            num_workers=1, collate_fn=lambda s: s[1]):
            got.append(b.data)
    assert got == [0, 1]
    gc.collect()
    assert _pin_threads() == []


def test_worker_death_reported(fake_pinning):
    loader = DataLoader(H.ExitingDataset(4, bad=1), batch_size=None, pin_memory=True,
                        num_workers=1)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) exited "
                                           r"unexpectedly with exit code 3"):
        list(loader)


def test_partly_consumed_iterator_joins_the_thread(fake_pinning):
    loader = DataLoader(H.RangeDataset(40), batch_size=2, pin_memory=True, num_workers=2)
    it = iter(loader)
    assert int(next(it).data[1][0]) == 0
    assert int(next(it).data[1][0]) == 2
    thread = it._pin_memory_thread
    assert thread.is_alive()
    del it
    gc.collect()
    assert not thread.is_alive()           # __del__ stopped and joined it


def test_explicit_shutdown_joins_the_thread(fake_pinning):
    it = iter(DataLoader(H.RangeDataset(20), batch_size=2, pin_memory=True, num_workers=1))
    next(it)
    thread = it._pin_memory_thread
    it._shutdown_workers()
    assert not thread.is_alive()
    with pytest.raises(StopIteration):
        next(it)


def test_persistent_workers_two_epochs(fake_pinning):
    loader = DataLoader(H.RangeDataset(9), batch_size=4, pin_memory=True, num_workers=2,
                        persistent_workers=True)
    first = [b.data for b in loader]
    second = [b.data for b in loader]
    _same(first, list(DataLoader(H.RangeDataset(9), batch_size=4)))
    _same(first, second)
    thread = loader._iterator._pin_memory_thread
    loader._iterator._shutdown_workers()
    assert not thread.is_alive()


def test_timeout_still_raises(fake_pinning):
    loader = DataLoader(H.SlowDataset(4, delay=2.0), batch_size=None, pin_memory=True,
                        num_workers=1, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        list(loader)
    assert time.monotonic() - start < 5


# ----- the recursive pin function -----------------------------------------------------

class HasPin:
    def __init__(self):
        self.pinned = False

    def pin_memory(self):
        out = HasPin()
        out.pinned = True
        return out


Pair = collections.namedtuple("Pair", "a b")


def test_pin_memory_recurses_like_torch():
    out = pin_utils.pin_memory({"x": [HasPin(), ("s", HasPin())], "p": Pair(HasPin(), 3),
                                "b": b"raw"})
    assert out["x"][0].pinned
    assert out["x"][1][0] == "s" and out["x"][1][1].pinned
    assert isinstance(out["x"][1], list)            # a plain tuple becomes a list (torch)
    assert isinstance(out["p"], Pair) and out["p"].a.pinned and out["p"].b == 3
    assert out["b"] == b"raw"
    od = pin_utils.pin_memory(collections.OrderedDict(k=HasPin()))
    assert isinstance(od, collections.OrderedDict) and od["k"].pinned


@pytest.mark.skipif(not pyt.cuda.is_available(), reason="needs CUDA")
def test_pin_memory_pins_tensors():
    out = pin_utils.pin_memory({"t": pyt.ones(3), "l": [pyt.zeros(2)]})
    assert out["t"].is_pinned() and out["l"][0].is_pinned()
