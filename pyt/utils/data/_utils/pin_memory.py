"""pin_memory=True: batches copied into page-locked host memory, from which copies to the
GPU run asynchronously (x.cuda(non_blocking=True)). With worker processes a background
thread of the main process pins each batch as it arrives, so pinning overlaps the
training step; the main process then reads the pinned batches from a queue."""
import collections.abc
import copy
import queue

from pyt import Tensor
from pyt.utils.data._utils import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper


def pin_memory(data, device=None):
    """data with every tensor in it (through dicts, lists, tuples, namedtuples, and any
    object with a pin_memory() method) pinned, as torch's."""
    if isinstance(data, Tensor):
        return data.pin_memory()
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        try:
            clone = copy.copy(data)     # keeps the mapping's type (and its attributes)
            clone.update({k: pin_memory(v, device) for k, v in data.items()})
            return clone
        except TypeError:               # a mapping that cannot be copied or updated
            return {k: pin_memory(v, device) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):      # namedtuple
        return type(data)(*(pin_memory(v, device) for v in data))
    if isinstance(data, tuple):
        return [pin_memory(v, device) for v in data]      # a list, as torch's
    if isinstance(data, collections.abc.Sequence):
        try:
            clone = copy.copy(data)
            for i, item in enumerate(data):
                clone[i] = pin_memory(item, device)
            return clone
        except TypeError:
            return [pin_memory(v, device) for v in data]
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data


def _pin_memory_loop(get, out_queue, done_event, pin, device, skip=()):
    """The pin-memory thread: takes (epoch, idx, result) messages from get(timeout) (None
    when nothing came), pins each result that is data, and puts the message on
    out_queue, until done_event is set. A failure to pin travels as an ExceptionWrapper,
    raised by the main thread in the batch's place; a failure to read the results ends
    the thread with the error on out_queue (the main thread then checks its workers)."""
    while not done_event.is_set():
        try:
            message = get(MP_STATUS_CHECK_INTERVAL)
        except Exception:
            out_queue.put(ExceptionWrapper(where="in pin memory thread"))
            return
        if message is None:
            continue
        epoch, idx, data = message
        if not isinstance(data, (ExceptionWrapper,) + tuple(skip)):
            try:
                data = pin(data, device)
            except Exception:
                data = ExceptionWrapper(where=f"in pin memory thread for device {device}")
        while not done_event.is_set():
            try:
                out_queue.put((epoch, idx, data), timeout=MP_STATUS_CHECK_INTERVAL)
                break
            except queue.Full:
                continue
