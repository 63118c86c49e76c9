"""pyt.multiprocessing: the standard library's multiprocessing, plus tensors that travel
between processes through shared memory.

Everything in ``multiprocessing`` is here (Process, Queue, Pool, get_context, ...).
Importing this module registers reducers on ``multiprocessing.reduction.ForkingPickler``,
so a tensor put on a Queue, sent through a Pipe or passed to a spawned Process arrives
as a view of the same memory: its storage is moved into shared memory in place (see
``Tensor.share_memory_``) and sent as a file descriptor of an anonymous memfd. Nothing is
ever created in /dev/shm: the memory is freed by the kernel when the last process using it
exits, however it exits. ``spawn`` runs a function in several processes, as torch's does.
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403  (the drop-in part)

from pyt.multiprocessing.reductions import init_reductions
from pyt.multiprocessing.spawn import (
    ProcessContext, ProcessException, ProcessExitedException, ProcessRaisedException,
    SpawnContext, spawn, start_processes,
)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies",
           "spawn", "start_processes", "ProcessContext", "SpawnContext",
           "ProcessException", "ProcessRaisedException", "ProcessExitedException"]
__all__ += multiprocessing.__all__

# Only file descriptors of memfds: nothing to clean up by name, nothing left behind.
# (torch's 'file_system' strategy exists to survive fd limits; pyt keeps one fd per
# shared storage, so raise `ulimit -n` if a process holds thousands of them.)
_sharing_strategy = "file_descriptor"
_all_sharing_strategies = {"file_descriptor"}


def set_sharing_strategy(new_strategy):
    """Sets the strategy for sharing CPU tensors (only 'file_descriptor' exists)."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise ValueError(f"unknown sharing strategy {new_strategy!r}: expected one of "
                         f"{sorted(_all_sharing_strategies)}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    """The current strategy for sharing CPU tensors."""
    return _sharing_strategy


def get_all_sharing_strategies():
    """The set of sharing strategies this system supports."""
    return set(_all_sharing_strategies)


init_reductions()
