"""What runs in a DataLoader worker process, and get_worker_info() for the dataset."""
import os
import queue
import random

from pyt.utils.data._utils import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper, signal_handling

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info = None


class WorkerInfo:
    """Who this worker is: id (0 .. num_workers - 1), num_workers, seed (the seed pyt and
    `random` were given in this worker) and dataset (this worker's copy). Read-only."""

    __initialized = False

    def __init__(self, **kwargs):
        for name, value in kwargs.items():
            setattr(self, name, value)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, name, value):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        super().__setattr__(name, value)

    def __repr__(self):
        fields = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{self.__class__.__name__}({fields})"


def get_worker_info():
    """The WorkerInfo of the current DataLoader worker process, or None in the main
    process. An IterableDataset's __iter__ uses it to give each worker its own share,
    a worker_init_fn to configure the worker's dataset copy."""
    return _worker_info


class _IterableDatasetStopIteration:
    """A worker's answer once its copy of an IterableDataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class _ParentWatchdog:
    """Whether the process that started this worker is still alive (a worker whose
    parent died is re-parented, and must leave instead of waiting forever)."""

    def __init__(self):
        self.parent_pid = os.getppid()

    def is_alive(self):
        return os.getppid() == self.parent_pid


def _numpy_seed(base_seed, worker_id):
    """NumPy's seed for a worker as torch computes it: four 32-bit words of a
    SeedSequence of (worker_id, base_seed's low and high halves, 0), so that NumPy's
    stream differs from `random`'s and from the other workers'."""
    import numpy as np
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4)


def _seed_worker(base_seed, worker_id):
    import pyt
    seed = base_seed + worker_id
    random.seed(seed)
    pyt.manual_seed(seed)
    try:
        import numpy as np
    except ImportError:
        pass
    else:
        np.random.seed(_numpy_seed(base_seed, worker_id))
    return seed


def _worker_loop(is_iterable, dataset, index_queue, result_queue, done_event,
                 auto_collation, collate_fn, drop_last, base_seed, init_fn, worker_id,
                 num_workers):
    """Answers every task (epoch, idx, index) from index_queue with exactly one
    (epoch, idx, result) on result_queue, where result is the batch, an
    ExceptionWrapper, or _IterableDatasetStopIteration; leaves on None. A task of a
    new epoch (persistent workers) restarts an iterable dataset's iterator."""
    global _worker_info
    import pyt
    from pyt.utils.data._utils.fetch import create_fetcher
    try:
        signal_handling._set_worker_signal_handlers()
        pyt.set_num_threads(1)        # the workers share the cores among themselves
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)

        init_error = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn,
                                     drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        epoch = None
        watchdog = _ParentWatchdog()
        while watchdog.is_alive():
            try:
                task = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                # the None that ends the loop may never come: when the iterator dies
                # in a garbage collection, its queues' feeder threads stop first
                if done_event.is_set():
                    break
                continue
            if task is None:
                break
            if done_event.is_set():
                continue                      # shutting down: drain without working
            task_epoch, idx, index = task
            if epoch is not None and task_epoch != epoch and is_iterable and init_error is None:
                fetcher = create_fetcher(is_iterable, dataset, auto_collation,
                                         collate_fn, drop_last)
            epoch = task_epoch
            if init_error is not None:
                result, init_error = init_error, None
            else:
                try:
                    result = fetcher.fetch(index)
                except StopIteration:
                    if is_iterable:
                        result = _IterableDatasetStopIteration(worker_id)
                    else:                     # a map-style dataset raising it is a bug
                        result = ExceptionWrapper(
                            where=f"in DataLoader worker process {worker_id}")
                except Exception:
                    result = ExceptionWrapper(
                        where=f"in DataLoader worker process {worker_id}")
            result_queue.put((epoch, idx, result))
            del result, index, task           # free the batch before waiting again
    except KeyboardInterrupt:
        pass                                  # the main process reports it
    if done_event.is_set():
        # nobody reads what is still buffered: exit without flushing it
        result_queue.cancel_join_thread()
        result_queue.close()
