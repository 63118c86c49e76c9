"""pyt.utils.data: datasets, samplers, collation and the DataLoader (with workers)."""
import collections
import gc
import multiprocessing
import os
import random

import numpy as np
import pytest

import pyt
from pyt.utils.data import (
    BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, DistributedSampler,
    RandomSampler, SequentialSampler, StackDataset, Subset,
    SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate,
    default_convert, get_worker_info, random_split,
)

import _data_helpers as H
from conftest import child_processes


def _assert_no_workers_left():
    gc.collect()
    assert multiprocessing.active_children() == []
    live, zombies = child_processes()
    assert zombies == []
    # the forkserver and resource tracker that spawn / forkserver start live on
    for pid in live:
        with open(f"/proc/{pid}/cmdline") as f:
            cmdline = f.read()
        assert "forkserver" in cmdline or "resource_tracker" in cmdline, cmdline


def _as_list(batch):
    """Nested batch -> plain Python values, to compare loaders exactly."""
    if isinstance(batch, pyt.Tensor):
        return ("tensor", str(batch.dtype), batch.tolist())
    if isinstance(batch, (list, tuple)):
        return [_as_list(b) for b in batch]
    return batch


# ----------------------------------------------------------------------------- datasets

def test_tensor_dataset():
    x, y = pyt.arange(12.).reshape(6, 2), pyt.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    assert a.tolist() == [8., 9.] and b.item() == 4
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, pyt.arange(5))


def test_concat_chain_subset_stack():
    a, b = H.RangeDataset(3), H.RangeDataset(2)
    cat = ConcatDataset([a, b])
    assert len(cat) == 5 and cat[3][1] == 0 and cat[-1][1] == 1 and cat[2][1] == 2
    assert (a + b).cumulative_sizes == [3, 5]
    with pytest.raises(ValueError, match="absolute value of index"):
        cat[-6]
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([a, H.UnshardedRange(3)])
    with pytest.raises(AssertionError, match="empty iterable"):
        ConcatDataset([])
    chain = ChainDataset([H.UnshardedRange(2), H.UnshardedRange(3)])
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    assert list(H.UnshardedRange(1) + H.UnshardedRange(2)) == [0, 0, 1]
    sub = Subset(a, [2, 0])
    assert len(sub) == 2 and sub[0][1] == 2 and [s[1] for s in sub.__getitems__([1, 0])] == [0, 2]
    stack = StackDataset(a, [10, 11, 12])
    assert stack[1][1] == 11 and stack.__getitems__([0, 2])[1][1] == 12
    named = StackDataset(x=a, y=[10, 11, 12])
    assert named[2]["y"] == 12 and len(named) == 3
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(a, [1])
    with pytest.raises(ValueError, match="At least one dataset"):
        StackDataset()
    with pytest.raises(NotImplementedError):
        Dataset()[0]


def test_random_split():
    ds = H.RangeDataset(10)
    parts = random_split(ds, [3, 7], generator=pyt.Generator().manual_seed(0))
    again = random_split(ds, [3, 7], generator=pyt.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    assert parts[0].indices == again[0].indices
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    # fractions: floor each, then the remainder one by one from the first split
    assert [len(p) for p in random_split(ds, [0.25, 0.25, 0.5])] == [3, 2, 5]
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        assert [len(p) for p in random_split(H.RangeDataset(2), [0.5, 0.5, 0.0])] == [1, 1, 0]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(ds, [0.5, -0.5, 1.0])


# ----------------------------------------------------------------------------- samplers

def test_sequential_and_random_sampler():
    data = range(7)
    assert list(SequentialSampler(data)) == list(range(7))
    g = pyt.Generator().manual_seed(3)
    perm = list(RandomSampler(data, generator=g))
    assert sorted(perm) == list(range(7))
    assert perm == list(RandomSampler(data, generator=pyt.Generator().manual_seed(3)))
    long = list(RandomSampler(data, num_samples=17, generator=g))
    assert len(long) == 17 and sorted(long[:14]) == sorted(list(range(7)) * 2)
    with_repl = list(RandomSampler(data, replacement=True, num_samples=70, generator=g))
    assert len(with_repl) == 70 and set(with_repl) <= set(range(7))
    assert len(RandomSampler(data, num_samples=5)) == 5
    pyt.manual_seed(5)
    first = list(RandomSampler(data))
    pyt.manual_seed(5)
    assert list(RandomSampler(data)) == first     # seeded through the default generator
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(data, replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(data, num_samples=0)


def test_subset_and_weighted_sampler():
    g = pyt.Generator().manual_seed(0)
    assert sorted(SubsetRandomSampler([5, 9, 11], generator=g)) == [5, 9, 11]
    drawn = list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=g))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0 and 0.7 < counts[2] / 4000 < 0.8
    once = list(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False, generator=g))
    assert sorted(once) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement=0)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given "
                                         r"weights have shape \(1, 2\)"):
        WeightedRandomSampler([[1.0, 2.0]], 1)


def test_batch_sampler():
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3
    assert len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, "
                                         "but got batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(3), 1, 0)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 4, False),
                                                  (12, 4, True)])
def test_distributed_sampler(n, replicas, drop_last):
    data = range(n)
    parts = [list(DistributedSampler(data, replicas, r, shuffle=False, drop_last=drop_last))
             for r in range(replicas)]
    assert all(len(p) == len(DistributedSampler(data, replicas, 0, drop_last=drop_last))
               for p in parts)
    try:
        from torch.utils.data import DistributedSampler as TorchSampler
    except ImportError:
        TorchSampler = None
    if TorchSampler is not None:
        assert parts == [list(TorchSampler(data, replicas, r, shuffle=False,
                                           drop_last=drop_last)) for r in range(replicas)]
    shuffled = [DistributedSampler(data, replicas, r, seed=7, drop_last=drop_last)
                for r in range(replicas)]
    epoch0 = [list(s) for s in shuffled]
    assert [len(p) for p in epoch0] == [len(p) for p in parts]
    assert set(sum(epoch0, [])) == (set(range(n)) if not drop_last else set(sum(epoch0, [])))
    assert set(sum(epoch0, [])) <= set(range(n))
    for s in shuffled:
        s.set_epoch(1)
    if n > 2:
        assert [list(s) for s in shuffled] != epoch0
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the "
                                         r"interval \[0, 2\]"):
        DistributedSampler(data, 3, 3)
    with pytest.raises(RuntimeError, match="Requires distributed package"):
        DistributedSampler(data)


# ----------------------------------------------------------------------------- collate

Point = collections.namedtuple("Point", "x y")


def _collate_cases(lib):
    return [
        [lib.tensor([1, 2]), lib.tensor([3, 4])],
        [np.array([1.5, 2.0], dtype=np.float32), np.array([3.0, 4.0], dtype=np.float32)],
        [np.float32(1), np.float32(2)],
        [np.int16(3), np.int16(4)],
        [np.bool_(True), np.bool_(False)],
        [1.5, 2],
        [1, 2],
        [True, False],
        ["a", "b"],
        [b"a", b"b"],
        [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
        [Point(1, 2.0), Point(3, 4.0)],
        [(1, "x"), (2, "y")],
        [[1, 2], [3, 4]],
        [np.array(3.0), np.array(4.0)],
    ]


def _plain(value):
    """A collated batch in library-independent terms (dtype name, values, type)."""
    if hasattr(value, "dtype") and hasattr(value, "tolist") and not isinstance(value, np.ndarray):
        return ("tensor", str(value.dtype).split(".")[-1], value.tolist())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__,) + tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_default_collate_rules():
    got = [_plain(default_collate(c)) for c in _collate_cases(pyt)]
    assert got[0] == ("tensor", "int64", [[1, 2], [3, 4]])
    assert got[1] == ("tensor", "float32", [[1.5, 2.0], [3.0, 4.0]])
    assert got[2] == ("tensor", "float32", [1.0, 2.0])
    assert got[3] == ("tensor", "int16", [3, 4])
    assert got[4] == ("tensor", "bool", [True, False])
    assert got[5] == ("tensor", "float64", [1.5, 2.0])
    assert got[6] == ("tensor", "int64", [1, 2])
    assert got[7] == ("tensor", "bool", [True, False])
    assert got[8] == ["a", "b"] and got[9] == [b"a", b"b"]
    assert got[10] == {"a": ("tensor", "int64", [1, 2]),
                       "b": [("tensor", "float64", [1.0, 3.0]), ("tensor", "float64", [2.0, 4.0])]}
    assert got[11] == ("Point", ("tensor", "int64", [1, 3]), ("tensor", "float64", [2.0, 4.0]))
    assert got[12] == [("tensor", "int64", [1, 2]), ("x", "y")]
    assert got[13] == [("tensor", "int64", [1, 3]), ("tensor", "int64", [2, 4])]
    assert got[14] == ("tensor", "float64", [3.0, 4.0])


def test_default_collate_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    for ours, theirs in zip(_collate_cases(pyt), _collate_cases(torch)):
        assert _plain(default_collate(ours)) == _plain(torch_collate(theirs))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but "
                                           r"got \[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([pyt.zeros(2), pyt.zeros(3)])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy "
                                        "arrays, numbers, dicts or lists; found <class 'object'>"):
        default_collate([object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_collate_in_worker_allocates_shared_memory(monkeypatch):
    from pyt.utils.data._utils import collate as collate_module, worker as worker_module
    monkeypatch.setattr(worker_module, "_worker_info", object())   # as if in a worker
    monkeypatch.setattr(collate_module, "_shared_memory_works", True)
    out = default_collate([pyt.ones(2), pyt.zeros(2)])
    assert out.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    if hasattr(out, "is_shared"):
        try:
            pyt.ones(1).share_memory_()
            supported = True
        except NotImplementedError:          # pyt.multiprocessing not there
            supported = False
        assert out.is_shared() == supported


def test_default_convert():
    out = default_convert((np.zeros(2), 1, "s", {"k": np.int32(3)}, Point(np.ones(1), 2)))
    assert isinstance(out, list)
    assert out[0].dtype is pyt.float64 and out[1] == 1 and out[2] == "s"
    assert out[3]["k"].dtype is pyt.int32 and out[3]["k"].dim() == 0
    assert isinstance(out[4], Point) and out[4].x.tolist() == [1.0]
    strings = np.array(["a"])
    assert default_convert(strings) is strings
    t = pyt.zeros(2)
    assert default_convert(t) is t


# ----------------------------------------------------------------------------- DataLoader

def test_loader_argument_errors():
    ds = H.RangeDataset(4)
    cases = [
        (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
        (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
        (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified"),
        (dict(num_workers=1, prefetch_factor=-1), ValueError,
         "prefetch_factor option should be non-negative"),
        (dict(persistent_workers=True), ValueError,
         "persistent_workers option needs num_workers > 0"),
        (dict(sampler=[0, 1], shuffle=True), ValueError,
         "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), ValueError,
         "batch_sampler option is mutually exclusive with batch_size"),
        (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables"),
        (dict(multiprocessing_context="fork"), ValueError,
         "multiprocessing_context can only be used with multi-process loading"),
        (dict(num_workers=1, multiprocessing_context="nope"), ValueError,
         "multiprocessing_context option should specify a valid start method"),
        (dict(num_workers=1, multiprocessing_context=3), TypeError,
         "multiprocessing_context option should be a valid context object"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            DataLoader(ds, **kwargs)
    for kwargs, message in [(dict(shuffle=True), "expected unspecified shuffle option"),
                            (dict(sampler=[0]), "expected unspecified sampler option"),
                            (dict(batch_sampler=[[0]]), "expected unspecified batch_sampler")]:
        with pytest.raises(ValueError, match=message):
            DataLoader(H.UnshardedRange(3), **kwargs)
    loader = DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        loader.batch_size = 3


def test_loader_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader as TorchLoader
    for kwargs in [dict(num_workers=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
                   dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
                   dict(sampler=[0], shuffle=True),
                   dict(num_workers=1, multiprocessing_context="x")]:
        with pytest.raises(Exception) as ours:
            DataLoader(list(range(4)), **kwargs)
        with pytest.raises(Exception) as theirs:
            TorchLoader(list(range(4)), **kwargs)
        assert ours.type is theirs.type
        assert str(ours.value).replace("pyt", "torch") == str(theirs.value).replace(
            "torch.multiprocessing", "multiprocessing")


def test_loader_single_process_basics():
    x, y = pyt.arange(20.).reshape(10, 2), pyt.arange(10)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 2)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(loader) == 2 and len(list(loader)) == 2
    unbatched = list(DataLoader(H.RangeDataset(3), batch_size=None))
    assert unbatched[2][1] == 2 and unbatched[2][0].tolist() == [2.0, 2.5]
    assert len(DataLoader(H.RangeDataset(10), batch_size=3)) == 4
    custom = list(DataLoader(H.RangeDataset(5), batch_size=2, collate_fn=lambda b: len(b)))
    assert custom == [2, 2, 1]
    sampled = list(DataLoader(H.RangeDataset(5), batch_sampler=[[4, 0], [2]]))
    assert [b[1].tolist() for b in sampled] == [[4, 0], [2]]


def test_loader_shuffle_uses_generator():
    def epoch(seed):
        g = pyt.Generator().manual_seed(seed)
        return [b[1].tolist() for b in DataLoader(H.RangeDataset(9), batch_size=3,
                                                  shuffle=True, generator=g)]
    assert epoch(1) == epoch(1) and epoch(1) != epoch(2)
    assert sorted(sum(epoch(1), [])) == list(range(9))


def test_iterable_len_and_warning():
    loader = DataLoader(H.UnshardedRange(7), batch_size=3)
    assert len(loader) == 3
    assert len(DataLoader(H.UnshardedRange(7), batch_size=3, drop_last=True)) == 2
    assert len(DataLoader(H.UnshardedRange(7), batch_size=None)) == 7
    assert [b.tolist() for b in DataLoader(H.UnshardedRange(7), batch_size=3, drop_last=True)] \
        == [[0, 1, 2], [3, 4, 5]]
    short = DataLoader(H.UnshardedRange(5, length=2), batch_size=None)
    len(short)
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(short)


def test_pin_memory_warns():
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                         "accelerator is found"):
        batches = list(DataLoader(H.RangeDataset(2), pin_memory=True))
    assert len(batches) == 2


def test_get_worker_info_in_main_process():
    assert get_worker_info() is None


# ----------------------------------------------------------------------------- workers

@pytest.mark.parametrize("kwargs", [
    dict(batch_size=3, shuffle=True),
    dict(batch_size=4, drop_last=True, prefetch_factor=1),
    dict(batch_size=None),
    dict(batch_size=2, collate_fn=lambda batch: [b[1] for b in batch]),
])
def test_workers_equal_single_process(kwargs):
    def run(workers):
        extra = dict(kwargs)
        if workers == 0:
            extra.pop("prefetch_factor", None)
        g = pyt.Generator().manual_seed(11)
        return [_as_list(b) for b in DataLoader(H.RangeDataset(11), num_workers=workers,
                                                generator=g, **extra)]
    assert run(2) == run(0)
    _assert_no_workers_left()


def test_worker_seeding():
    torch_generate = None
    try:
        from torch.utils.data._utils.worker import _generate_state as torch_generate
    except ImportError:
        pass
    from pyt.utils.data._utils.worker import _numpy_seed

    def run(seed):
        g = pyt.Generator().manual_seed(seed)
        return [_as_list(b) for b in DataLoader(H.RandomDataset(4), batch_size=None,
                                                num_workers=2, generator=g)]
    first = run(5)
    assert first == run(5) and first != run(6)
    # worker i seeds pyt and random with base_seed + i, NumPy from a SeedSequence
    seeded = pyt.Generator().manual_seed(5)
    base = int(pyt.empty((), dtype=pyt.int64).random_(generator=seeded).item())
    for worker in (0, 1):
        pyt.manual_seed(base + worker)
        random.seed(base + worker)
        np.random.seed(_numpy_seed(base, worker))
        expected = [pyt.rand(2).tolist(), random.random(), float(np.random.rand())]
        # tasks go round robin: sample `worker` is the first one worker `worker` made
        assert first[worker][0][2] == expected[0]
        assert first[worker][1:] == expected[1:]
        if torch_generate is not None:
            assert list(_numpy_seed(base, worker)) == torch_generate(base, worker)
    infos = list(DataLoader(H.WorkerInfoDataset(4), batch_size=None, num_workers=2,
                            generator=pyt.Generator().manual_seed(5)))
    assert [(i[1], i[2], i[3]) for i in infos] == [(0, base, 2), (1, base + 1, 2),
                                                   (0, base, 2), (1, base + 1, 2)]
    _assert_no_workers_left()


def test_iterable_dataset_sharding():
    loader = DataLoader(H.ShardedRange(0, 10), batch_size=2, num_workers=2)
    values = sorted(sum((b.tolist() for b in loader), []))
    assert values == list(range(10))
    # without sharding every worker yields everything
    dup = list(DataLoader(H.UnshardedRange(3), batch_size=None, num_workers=2))
    assert dup == [0, 0, 1, 1, 2, 2]
    dropped = list(DataLoader(H.ShardedRange(0, 10), batch_size=2, drop_last=True,
                              num_workers=2))
    assert sorted(sum((b.tolist() for b in dropped), [])) == [0, 1, 2, 3, 5, 6, 7, 8]
    _assert_no_workers_left()


def test_worker_init_fn_and_exception():
    values = list(DataLoader(H.InitCheckDataset(), batch_size=None, num_workers=2,
                             worker_init_fn=H.record_init))
    assert values == [0, 1, 0, 1]
    with pytest.raises(ValueError) as info:
        list(DataLoader(H.FailingDataset(6, bad=3), batch_size=2, num_workers=2))
    message = str(info.value)
    assert message.startswith("Caught ValueError in DataLoader worker process 1.\n"
                              "Original Traceback (most recent call last):")
    assert "raise ValueError(f\"bad sample {i}\")" in message and "bad sample 3" in message
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(DataLoader(H.RangeDataset(4), num_workers=1, worker_init_fn=H.failing_init))
    del info
    _assert_no_workers_left()


def test_worker_killed_by_signal():
    loader = DataLoader(H.KillingDataset(8, bad=2), batch_size=None, num_workers=2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed by "
                                           r"signal: Killed\."):
        list(loader)
    _assert_no_workers_left()


def test_worker_exit_code():
    loader = DataLoader(H.ExitingDataset(4, bad=1), batch_size=None, num_workers=1)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) exited "
                                           r"unexpectedly with exit code 3"):
        list(loader)
    _assert_no_workers_left()


def test_every_dtype_crosses_processes():
    from conftest import ALL_DTYPES, make
    columns = [make((6, 3), dt, seed=i) for i, dt in enumerate(ALL_DTYPES)]
    columns.append(make((6, 4), pyt.float32).t().contiguous().t()[:, 1:])  # non-contiguous rows
    dataset = TensorDataset(*columns)
    single = [_as_list(b) for b in DataLoader(dataset, batch_size=4)]
    assert [_as_list(b) for b in DataLoader(dataset, batch_size=4, num_workers=2)] == single
    dtypes = [b[6].dtype for b in DataLoader(dataset, batch_size=4, num_workers=1)]
    assert dtypes == [pyt.float16] * 2
    _assert_no_workers_left()


def test_timeout():
    loader = DataLoader(H.SlowDataset(2, delay=0.6), batch_size=None, num_workers=1,
                        timeout=0.2)
    it = iter(loader)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        next(it)
    with pytest.raises(StopIteration):        # the workers were stopped
        next(it)
    del it
    _assert_no_workers_left()


def test_early_shutdown_and_persistent_workers():
    it = iter(DataLoader(H.RangeDataset(50), batch_size=2, num_workers=2))
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    _assert_no_workers_left()
    loader = DataLoader(H.WorkerInfoDataset(6), batch_size=2, num_workers=2,
                        persistent_workers=True)
    first = [b[0].tolist() for b in loader]
    pids = {p for b in loader for p in b[4].tolist()}
    for b in loader:             # an epoch left early: its leftovers must not leak
        break
    assert [b[0].tolist() for b in loader] == first == [[0, 1], [2, 3], [4, 5]]
    assert {p for b in loader for p in b[4].tolist()} == pids and len(pids) == 2
    del loader
    stream = DataLoader(H.ShardedRange(0, 6), batch_size=2, num_workers=2,
                        persistent_workers=True)
    first = sorted(sum((b.tolist() for b in stream), []))
    assert first == list(range(6)) and sorted(sum((b.tolist() for b in stream), [])) == first
    del stream
    _assert_no_workers_left()


def test_persistent_workers_restart_after_error():
    loader = DataLoader(H.FailingDataset(4, bad=1), batch_size=None, num_workers=1,
                        persistent_workers=True)
    for _ in range(2):
        with pytest.raises(ValueError, match="bad sample 1"):
            list(loader)
    del loader
    _assert_no_workers_left()


def test_in_order_false_yields_every_batch():
    batches = list(DataLoader(H.RangeDataset(9), batch_size=2, num_workers=2, in_order=False))
    assert sorted(i for b in batches for i in b[1].tolist()) == list(range(9))
    _assert_no_workers_left()


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_start_methods(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} not available")
    g = pyt.Generator().manual_seed(2)
    ds = TensorDataset(pyt.arange(10.).reshape(5, 2), pyt.arange(5))
    got = [_as_list(b) for b in DataLoader(ds, batch_size=2, num_workers=2, shuffle=True,
                                           generator=g, multiprocessing_context=method)]
    g = pyt.Generator().manual_seed(2)
    assert got == [_as_list(b) for b in DataLoader(ds, batch_size=2, shuffle=True, generator=g)]
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process"):
        list(DataLoader(H.FailingDataset(2, bad=0), num_workers=1,
                        multiprocessing_context=multiprocessing.get_context(method)))
    _assert_no_workers_left()


def test_fork_after_parallel_kernels():
    threads = pyt.get_num_threads()
    pyt.set_num_threads(2)
    try:
        big = pyt.ones(400, 400)
        assert pyt.matmul(big, big).sum().item() == 400.0 ** 3     # parent runs OpenMP/BLAS
        values = [b.tolist() for b in DataLoader(H.MatmulDataset(6), batch_size=3,
                                                 num_workers=2, timeout=30,
                                                 multiprocessing_context="fork")]
    finally:
        pyt.set_num_threads(threads)
    assert values == [[0.0, 96.0, 192.0], [288.0, 384.0, 480.0]]
    _assert_no_workers_left()


# ----------------------------------------------------------------------------- example

def test_digits_dataloader_example():
    pytest.importorskip("sklearn")
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, os.path.join(root, "examples", "digits_dataloader.py"),
                             "--epochs", "2", "--workers", "2", "--seed", "1"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "epoch   2" in result.stdout and "2 worker processes" in result.stdout
    assert float(result.stdout.split("final validation accuracy:")[1]) > 0.7
