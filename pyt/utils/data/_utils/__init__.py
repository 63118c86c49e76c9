"""The DataLoader's machinery: collation, fetching, worker processes, signals."""
import sys
import traceback

# How often (seconds) a waiting process looks up from its queue to check that the other
# side is still alive. The main process waits on its result queue in these steps too:
# a worker killed by a signal is noticed within one step instead of hanging forever.
MP_STATUS_CHECK_INTERVAL = 0.1

# How long shutdown waits for a worker to finish its current sample and leave before
# terminating it.
WORKER_JOIN_TIMEOUT = 5.0


class KeyErrorMessage(str):
    """A KeyError's message printed as is (KeyError shows the repr of its argument,
    which would print a traceback with literal \\n)."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process with its formatted
    traceback and raised there again by reraise()."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = (f"Caught {self.exc_type.__name__} {self.where}.\n"
               f"Original {self.exc_msg}")
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            # an exception that takes its message as a keyword
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            # the type cannot be built from one message: say so in a RuntimeError
            raise RuntimeError(msg) from None
        raise exception
