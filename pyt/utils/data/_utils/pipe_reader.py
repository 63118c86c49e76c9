"""Reading a multiprocessing Queue's messages without ever blocking for long.

Queue.get(timeout) only waits with a timeout for the first byte of a message: it then
reads the rest in one blocking call. A worker killed while it was writing a message
larger than the pipe (a big non-tensor sample) leaves half a message behind, and that
call waits forever for the other half. _MessageReader reads the same framing (a 4-byte
big-endian signed length, or -1 then an 8-byte length, then the pickle) in pieces, each
after a bounded wait, keeping a partial message across calls; the caller checks between
calls whether the writers are still alive."""
import os
import select
import struct
import time
from multiprocessing.reduction import ForkingPickler


class _MessageReader:
    """Reads the messages that the feeder threads of a Queue's writers put in its pipe.
    The only reader of that queue must be this object (it bypasses the queue's lock)."""

    def __init__(self, q):
        self._fd = q._reader.fileno()
        self._poller = select.poll()
        self._poller.register(self._fd, select.POLLIN)
        self._buf = bytearray()
        self._size = None               # the payload size, once the header is in

    def _wanted(self):
        """How many bytes to read next: the rest of the header or of the payload."""
        if self._size is None:
            if len(self._buf) < 4:
                return 4 - len(self._buf)
            size, = struct.unpack("!i", self._buf[:4])
            if size != -1:
                self._size, self._buf = size, self._buf[4:]
            elif len(self._buf) < 12:
                return 12 - len(self._buf)
            else:
                self._size, = struct.unpack("!Q", self._buf[4:12])
                self._buf = self._buf[12:]
        return self._size - len(self._buf)

    def get(self, timeout):
        """The next object, or None if no whole message arrived within about `timeout`
        seconds (a part that did arrive is kept for the next call). EOFError once every
        writer has closed the pipe and nothing is left."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            wanted = self._wanted()
            if wanted == 0:
                data, self._buf, self._size = self._buf, bytearray(), None
                return ForkingPickler.loads(data)
            left = max(0.0, deadline - time.monotonic())
            if not self._poller.poll(left * 1000):
                return None
            chunk = os.read(self._fd, wanted)
            if not chunk:
                raise EOFError("the result pipe was closed")
            self._buf += chunk
