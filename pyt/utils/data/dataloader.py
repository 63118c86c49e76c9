"""DataLoader: batches from a dataset, in the main process or in worker processes.

With num_workers > 0 each worker gets tasks (epoch, idx, indices) through its own index
queue and answers each with one (epoch, idx, result) on a result queue shared by all;
the main process keeps prefetch_factor tasks per worker in flight, hands them out round
robin, and yields results in task order, so the batches are exactly those of
num_workers=0. It waits on the result queue in short steps and checks in between that
every worker is alive, so a crashed worker raises instead of hanging.

pin_memory=True (with a CUDA device): batches come out in page-locked memory. Without
workers each batch is pinned as it is fetched; with workers a thread of the main process
takes the results off the result queue, pins them and hands them over through a queue
(the main process then waits on that queue, checking its workers as before)."""
import itertools
import math
import os
import queue
import signal
import threading
import time
import warnings

import pyt
from pyt.utils.data._utils import MP_STATUS_CHECK_INTERVAL, WORKER_JOIN_TIMEOUT, ExceptionWrapper
from pyt.utils.data._utils.collate import default_collate, default_convert
from pyt.utils.data._utils.fetch import create_fetcher
from pyt.utils.data._utils import pin_memory as _pin_utils
from pyt.utils.data._utils.pipe_reader import _MessageReader
from pyt.utils.data._utils.worker import (
    _IterableDatasetStopIteration, _worker_loop, get_worker_info,
)
from pyt.utils.data.dataset import IterableDataset
from pyt.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

# Queues and processes come from pyt.multiprocessing when it exists: it registers
# reducers that send tensors through shared memory instead of pickling their bytes.
try:
    import pyt.multiprocessing as _mp
except ImportError:
    import multiprocessing as _mp
import multiprocessing.context as _mp_context

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]


class _DatasetKind:
    Map = 0
    Iterable = 1


class _InfiniteConstantSampler(Sampler):
    """None forever: the 'indices' of an IterableDataset (its workers just take the
    next samples of their own iterators)."""

    def __iter__(self):
        while True:
            yield None


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def _enlarge_pipe(q):
    """Gives a queue's pipe room for a few whole batches (Linux): a 400 KB batch then
    goes in one write instead of 64 KB pieces that each wait for the reader to drain the
    pipe, two context switches apiece. Best effort: the default size still works."""
    try:
        import fcntl
        size = min(_PIPE_BYTES, int(open("/proc/sys/fs/pipe-max-size").read()))
        fcntl.fcntl(q._writer.fileno(), fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError, ValueError):
        pass


_PIPE_BYTES = 1 << 20


class DataLoader:
    """Iterates over a dataset in batches.

    dataset: map-style (Dataset) or iterable-style (IterableDataset). batch_size,
    drop_last: samples per batch and whether to drop a short last one (batch_size=None
    disables batching: collate_fn then converts single samples). shuffle / sampler /
    batch_sampler: the order of a map-style dataset. num_workers: worker processes
    (0: load in the main process). collate_fn: samples -> batch (default_collate).
    timeout: seconds to wait for a worker's batch before RuntimeError (0: forever).
    worker_init_fn(worker_id): run in each worker after seeding. generator: draws the
    workers' base seed and RandomSampler's order. prefetch_factor: batches in flight per
    worker (default 2). persistent_workers: keep the workers between epochs. in_order:
    False lets batches come in the order workers finish them. multiprocessing_context:
    'fork', 'spawn', 'forkserver' or a context object. pin_memory: batches (their tensors,
    through dicts, lists and tuples) in page-locked memory, when CUDA is available (else
    a warning and no pinning, as torch)."""

    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None,
                 batch_sampler=None, num_workers=0, collate_fn=None, pin_memory=False,
                 drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            # an iterable dataset decides its own order, in each worker
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        # len(loader) of an IterableDataset, remembered to warn when it yields more
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with "
                                 "multi-process loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = _mp.get_all_start_methods()
                if context not in methods:
                    raise ValueError("multiprocessing_context option should specify a "
                                     f"valid start method in {methods!r}, but got "
                                     f"multiprocessing_context={context!r}")
                context = _mp.get_context(context)
            if not isinstance(context, _mp_context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context "
                                "object or a string specifying the start method, but got "
                                f"multiprocessing_context={context}")
        self.__multiprocessing_context = context

    def __setattr__(self, name, value):
        if self.__initialized and name in ("batch_size", "batch_sampler", "sampler",
                                           "drop_last", "dataset", "persistent_workers"):
            raise ValueError(f"{name} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        # what the fetcher is given: lists of indices when batching, else single indices
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._shutdown:
                # first epoch, or the workers were stopped by an error: start them anew
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            # only as good as the dataset's own __len__ (and its sharding over workers)
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    length = length // self.batch_size
                else:
                    length = math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        """Warns when more workers are asked for than this process may use CPUs."""
        if self.num_workers == 0:
            return
        cpus = _cpu_count()
        if cpus is not None and self.num_workers > cpus:
            warnings.warn(
                f"This DataLoader will create {self.num_workers} worker processes in "
                f"total. Our suggested max number of worker in current system is {cpus}, "
                "which is smaller than what this DataLoader is going to create. Please be "
                "aware that excessive worker creation might get DataLoader running slow or "
                "even freeze, lower the worker number to avoid potential slowness/freeze "
                "if necessary.", stacklevel=2)


def _pin_memory_available():
    """Whether pin_memory=True pins: only with a CUDA device, as in torch."""
    return pyt.cuda.is_available()


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._pin_memory = bool(loader.pin_memory)
        if self._pin_memory and not _pin_memory_available():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is "
                          "found, then device pinned memory won't be used.", stacklevel=3)
            self._pin_memory = False
        self._pin_memory_device = loader.pin_memory_device or "cuda"
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # drawn for every iterator, workers or not, so that the loader's generator
        # advances the same way whatever num_workers is
        self._base_seed = int(pyt.empty((), dtype=pyt.int64)
                              .random_(generator=loader.generator).item())
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable
                and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be "
                   f"{self._IterableDataset_len_called}(when accessing len(dataloader)), "
                   f"but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not "
                        "properly configuring the IterableDataset replica at each worker. "
                        "Please see https://pytorch.org/docs/stable/data.html#torch.utils."
                        "data.IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{self.__class__.__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._dataset_fetcher = create_fetcher(
            self._dataset_kind == _DatasetKind.Iterable, self._dataset,
            self._auto_collation, self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()                     # may raise StopIteration
        data = self._dataset_fetcher.fetch(index)      # may raise StopIteration
        if self._pin_memory:
            data = _pin_utils.pin_memory(data, self._pin_memory_device)
        return data


_SKIPPED = object()     # a task answered by an exhausted IterableDataset worker

# After a timeout, how long idle workers get to leave (they see the request within
# MP_STATUS_CHECK_INTERVAL) before the rest are terminated.
_TIMED_OUT_JOIN_TIMEOUT = 0.5


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._shutdown = True                  # nothing to shut down until started
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        context = loader.multiprocessing_context
        if context is None:
            context = _mp.get_context() if hasattr(_mp, "get_context") else _mp
        self._worker_result_queue = context.Queue()
        _enlarge_pipe(self._worker_result_queue)
        # reads it in bounded steps even mid-message (a worker may die half-way through)
        self._result_reader = _MessageReader(self._worker_result_queue)
        self._workers_done_event = context.Event()
        self._index_queues = []
        self._workers = []
        self._pin_memory_thread = None
        self._shutdown = False
        is_iterable = self._dataset_kind == _DatasetKind.Iterable
        try:
            for worker_id in range(self._num_workers):
                index_queue = context.Queue()
                # a dead worker must not make the main process hang at exit flushing this
                index_queue.cancel_join_thread()
                worker = context.Process(
                    target=_worker_loop,
                    args=(is_iterable, self._dataset, index_queue, self._worker_result_queue,
                          self._workers_done_event, self._auto_collation, self._collate_fn,
                          self._drop_last, self._base_seed, loader.worker_init_fn,
                          worker_id, self._num_workers),
                    daemon=True)
                worker.start()
                self._index_queues.append(index_queue)
                self._workers.append(worker)
            if self._pin_memory:
                # the thread holds the reader, the queue and the event, never self: the
                # iterator can still be collected (and its __del__ stop the thread)
                self._pin_memory_thread_done_event = threading.Event()
                self._data_queue = queue.Queue()
                thread = threading.Thread(
                    target=_pin_utils._pin_memory_loop,
                    args=(self._result_reader.get, self._data_queue,
                          self._pin_memory_thread_done_event, _pin_utils.pin_memory,
                          self._pin_memory_device, (_IterableDatasetStopIteration,)),
                    name="pyt-pin-memory", daemon=True)
                thread.start()
                self._pin_memory_thread = thread
        except BaseException:
            self._shutdown_workers()
            raise
        self._epoch = -1
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        # results of an earlier epoch (persistent workers, epoch left early) carry the
        # old epoch number and are dropped when they arrive
        self._epoch += 1
        self._send_idx = 0
        self._rcvd_idx = 0
        self._ready = {}                       # idx -> result that came early
        self._outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        for _ in range(max(1, self._prefetch_factor) * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        if self._outstanding >= max(1, self._prefetch_factor) * self._num_workers:
            return
        if not any(self._workers_status):
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_status[worker_id]:
                break
        self._index_queues[worker_id].put((self._epoch, self._send_idx, index))
        self._outstanding += 1
        self._send_idx += 1

    def _next_data(self):
        if self._shutdown:
            raise StopIteration            # the workers were stopped by an error
        while True:
            if self._in_order:
                while self._ready.get(self._rcvd_idx, None) is _SKIPPED:
                    del self._ready[self._rcvd_idx]
                    self._rcvd_idx += 1
                if self._rcvd_idx in self._ready:
                    self._rcvd_idx += 1
                    return self._process_data(self._ready.pop(self._rcvd_idx - 1))
            if self._outstanding == 0:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            epoch, idx, data = self._get_data()
            if epoch != self._epoch:
                continue                       # a leftover of an abandoned epoch
            self._outstanding -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                if self._in_order:
                    self._ready[idx] = _SKIPPED
                self._try_put_index()
                continue
            if not self._in_order or idx == self._rcvd_idx:
                if self._in_order:
                    self._rcvd_idx += 1
                return self._process_data(data)
            self._ready[idx] = data

    def _process_data(self, data):
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _get_data(self):
        """The next (epoch, idx, result) from any worker; raises if a worker died or
        the timeout passed (the workers are shut down first: the iterator is over)."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = MP_STATUS_CHECK_INTERVAL
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    # a worker that missed the timeout is stuck in its sample: it will
                    # not leave when asked, so do not wait the usual grace period for it
                    self._shutdown_workers(join_timeout=_TIMED_OUT_JOIN_TIMEOUT)
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
                wait = min(wait, left)
            result = self._next_result(wait)
            if result is not None:
                return result
            self._check_workers_alive()

    def _next_result(self, wait):
        """The next (epoch, idx, result) within wait seconds, or None: straight from the
        workers' queue, or, pinning, from the pin-memory thread's."""
        if not self._pin_memory:
            return self._result_reader.get(wait)
        try:
            result = self._data_queue.get(timeout=wait)
        except queue.Empty:
            if not self._pin_memory_thread.is_alive():
                self._shutdown_workers()
                raise RuntimeError("Pin memory thread exited unexpectedly") from None
            return None
        if isinstance(result, ExceptionWrapper):
            # the thread could not read the results: a dead worker says why, if one died
            self._check_workers_alive()
            self._shutdown_workers()
            result.reraise()
        return result

    def _check_workers_alive(self):
        for worker in self._workers:
            if worker.is_alive():             # also reaps a dead worker: no zombie
                continue
            code = worker.exitcode
            self._shutdown_workers()
            if code is not None and code < 0:
                try:
                    name = signal.strsignal(-code) or f"signal {-code}"
                except ValueError:
                    name = f"signal {-code}"
                raise RuntimeError(f"DataLoader worker (pid {worker.pid}) is killed by "
                                   f"signal: {name}.")
            raise RuntimeError(f"DataLoader worker (pid {worker.pid}) exited unexpectedly "
                               f"with exit code {code}. Details are lost due to "
                               "multiprocessing. Rerunning with num_workers=0 may give "
                               "better error trace.")

    def _shutdown_workers(self, join_timeout=WORKER_JOIN_TIMEOUT):
        """Tells every worker to leave, joins them (terminating any that do not leave
        in join_timeout seconds) and closes the queues. Idempotent."""
        if getattr(self, "_shutdown", True):
            return
        self._shutdown = True
        try:
            # the pin-memory thread first: it reads the result queue closed below
            thread = getattr(self, "_pin_memory_thread", None)
            if thread is not None:
                self._pin_memory_thread_done_event.set()
                if thread is not threading.current_thread():
                    thread.join()
                self._pin_memory_thread = None
            self._workers_done_event.set()
            for index_queue in self._index_queues:
                try:
                    index_queue.put(None)
                except (OSError, ValueError):
                    pass
            deadline = time.monotonic() + join_timeout
            for worker in self._workers:
                worker.join(timeout=max(0.0, deadline - time.monotonic()))
            for worker in self._workers:
                if worker.is_alive():
                    worker.terminate()
                    worker.join(timeout=1.0)
                    if worker.is_alive():
                        worker.kill()
                        worker.join()
        finally:
            for index_queue in self._index_queues:
                index_queue.cancel_join_thread()
                index_queue.close()
            self._worker_result_queue.cancel_join_thread()
            self._worker_result_queue.close()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:       # at interpreter exit, modules may be half torn down
            pass
