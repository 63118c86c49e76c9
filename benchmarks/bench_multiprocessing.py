"""Sending a 64 MB tensor to another process through a Queue: pyt.multiprocessing against
torch.multiprocessing (both pass a file descriptor of shared memory), and a NumPy array
through the standard library's Queue (pickled, so copied through a pipe) for scale.

    python benchmarks/bench_multiprocessing.py [--mb 64] [--threads 2]

Each timing is a round trip: the parent puts the tensor on a Queue, a worker process
(started once, with fork) gets it, reads one element and puts that back. Cases:
  shared   the tensor is already in shared memory (sent again and again)
  fresh    a private tensor cloned each time, so the send includes share_memory_
           (copying 64 MB into shared memory); the clone alone is timed too
"""
import argparse
import multiprocessing
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)                      # the in-place build, not an installed pyt
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyt                                    # noqa: E402
import pyt.multiprocessing                    # noqa: E402,F401  (registers the reducers)
from _timing import measure, print_table, set_threads, torch   # noqa: E402

if torch is not None:
    import torch.multiprocessing              # noqa: F401  (registers torch's reducers)


def _echo(inbox, outbox):
    # the worker: answer each message with its first element, until None
    while True:
        x = inbox.get()
        if x is None:
            return
        outbox.put(float(x[0]))
        del x


class Worker:
    def __init__(self):
        ctx = multiprocessing.get_context("fork")
        self.inbox, self.outbox = ctx.Queue(), ctx.Queue()
        self.process = ctx.Process(target=_echo, args=(self.inbox, self.outbox), daemon=True)
        self.process.start()

    def round_trip(self, x):
        self.inbox.put(x)
        return self.outbox.get(timeout=60)

    def close(self):
        self.inbox.put(None)
        self.process.join(30)


def cases(lib, n, worker):
    """(name, fn) pairs for pyt or torch."""
    shared = lib.ones(n).share_memory_()
    private = lib.ones(n)
    return [
        ("clone (no send)", lambda: private.clone()),
        ("send shared", lambda: worker.round_trip(shared)),
        ("send fresh (clone + share + send)", lambda: worker.round_trip(private.clone())),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    set_threads(args.threads)
    n = args.mb * (1 << 20) // 4                  # float32 elements
    worker = Worker()
    try:
        timings = {}
        for name, fn in cases(pyt, n, worker):
            timings[name] = [measure(fn, 0.2, args.repeat), "-", "-"]
        if torch is not None:
            for name, fn in cases(torch, n, worker):
                timings[name][2] = measure(fn, 0.2, args.repeat)
        array = np.ones(n, dtype=np.float32)
        timings["send shared"][1] = measure(lambda: worker.round_trip(array), 0.2,
                                            args.repeat)
    finally:
        worker.close()
    rows = [(f"{name} {args.mb} MB", p, np_, t,
             "numpy: pickled through the pipe" if name == "send shared" else "")
            for name, (p, np_, t) in timings.items()]
    print_table(rows, title=f"Queue round trip of a {args.mb} MB float32 tensor, "
                            f"{args.threads} threads (medians)")


if __name__ == "__main__":
    main()
