"""Signals in DataLoader workers.

A worker that crashes in native code (SIGSEGV, SIGBUS, SIGFPE) prints the Python
traceback of where it was to stderr before dying (faulthandler), since the main process
only sees the signal. The main process does not install a SIGCHLD handler (torch does,
in C): it notices a dead worker by polling is_alive() between short waits on its result
queue (see dataloader.py), which also reaps the dead child so no zombie is left."""
import faulthandler
import signal
import sys


def _set_worker_signal_handlers():
    """Called first thing in every worker process."""
    try:
        faulthandler.enable(file=sys.stderr, all_threads=False)
    except (AttributeError, ValueError, OSError):
        pass                          # stderr closed or not a real file: nothing to do
    # the main process handles Ctrl-C and shuts the workers down
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _set_SIGCHLD_handler():
    """Kept for torch's API: pyt polls worker liveness instead."""
