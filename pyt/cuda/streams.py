"""CUDA streams and events (torch.cuda.Stream, Event, stream(), current_stream())."""
from pyt._ext import cuda as _cuda
from pyt._ext.cuda import Stream, Event

__all__ = ["Stream", "Event", "StreamContext", "stream", "current_stream",
           "default_stream", "set_stream"]


def _init():
    from pyt.cuda import _lazy_init
    _lazy_init()


def current_stream(device=None):
    """The calling thread's current stream on a device (the current one by default)."""
    _init()
    return _cuda.current_stream(device)


def default_stream(device=None):
    """A device's default stream."""
    _init()
    return _cuda.default_stream(device)


def set_stream(stream):
    """Makes `stream` current on its device (None: no change)."""
    if stream is None:
        return
    _init()
    _cuda.set_stream(stream)


class StreamContext:
    """Makes a stream current (and its device, for the block), restoring both on exit.
    None is a no-op."""

    def __init__(self, stream):
        self.stream = stream
        self.src_prev_stream = self.dst_prev_stream = None
        self.prev_device = -1

    def __enter__(self):
        s = self.stream
        if s is None:
            return s
        _init()
        self.prev_device = _cuda.get_device()
        self.src_prev_stream = _cuda.current_stream(self.prev_device)
        if s.device_index != self.prev_device:
            # the stream's device becomes current; remember its own current stream
            _cuda.set_device(s.device_index)
            self.dst_prev_stream = _cuda.current_stream(s.device_index)
        _cuda.set_stream(s)
        return s

    def __exit__(self, *exc):
        s = self.stream
        if s is None:
            return False
        if self.dst_prev_stream is not None:
            _cuda.set_stream(self.dst_prev_stream)
            _cuda.set_device(self.prev_device)
        _cuda.set_stream(self.src_prev_stream)
        return False


def stream(stream):
    """Context manager: work inside it is queued on `stream` (None: no change)."""
    return StreamContext(stream)
