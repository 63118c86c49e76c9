"""mp.spawn / start_processes: run fn(i, *args) in nprocs processes and report how the
first one that failed died (its traceback, or the signal or exit code)."""
import multiprocessing
import multiprocessing.connection
import os
import signal
import tempfile
import traceback
import warnings


class ProcessException(Exception):
    """A process started by spawn failed."""

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A process failed with an exception raised by fn (its traceback is in the message)."""


class ProcessExitedException(ProcessException):
    """A process died by a signal, or exited with a non-zero code without raising."""

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code,
                            self.signal_name)


def _run(fn, i, args, error_file):
    # the child's entry point: a traceback goes to error_file for the parent to read
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass                             # the parent is stopping everyone
    except Exception:
        with open(error_file, "w") as f:
            f.write(traceback.format_exc())
        raise SystemExit(1)


class ProcessContext:
    """The processes of one start_processes call; join() waits for them."""

    def __init__(self, processes, error_files):
        self.processes = processes
        self.error_files = error_files
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout=None, grace_period=None):
        """Waits up to timeout seconds for a process to end. Returns True once all have
        ended successfully, False while some still run; when one failed, stops the others
        (SIGTERM, then SIGKILL after the grace period) and raises ProcessRaisedException
        or ProcessExitedException about it."""
        if not self.sentinels:
            return True
        failed = None
        for sentinel in multiprocessing.connection.wait(list(self.sentinels), timeout):
            index = self.sentinels.pop(sentinel)
            self.processes[index].join()
            if self.processes[index].exitcode != 0:
                failed = index
                break
        if failed is None:
            return not self.sentinels
        self._stop_others(30 if grace_period is None else grace_period, grace_period)
        error = self._failure(failed)
        self._cleanup_files()
        raise error

    def _stop_others(self, kill_after, grace_period):
        if grace_period is not None:
            self._wait_all(grace_period)
        for p in self.processes:
            if p.is_alive():
                p.terminate()
        self._wait_all(kill_after)
        for p in self.processes:
            if p.is_alive():
                p.kill()
            p.join()
        self.sentinels.clear()

    def _wait_all(self, seconds):
        alive = [p.sentinel for p in self.processes if p.is_alive()]
        if alive:
            multiprocessing.connection.wait(alive, seconds)

    def _failure(self, index):
        process = self.processes[index]
        trace = self._read_trace(index)
        if trace:
            return ProcessRaisedException(
                f"\n\n-- Process {index:d} terminated with the following error:\n{trace}",
                index, process.pid)
        code = process.exitcode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"<Unknown signal {-code}>"
            return ProcessExitedException(f"process {index:d} terminated with signal {name}",
                                          index, process.pid, code, name)
        return ProcessExitedException(f"process {index:d} terminated with exit code {code:d}",
                                      index, process.pid, code)

    def _read_trace(self, index):
        try:
            with open(self.error_files[index]) as f:
                return f.read()
        except OSError:
            return ""

    def _cleanup_files(self):
        for name in self.error_files:
            try:
                os.unlink(name)
            except OSError:
                pass

    def __del__(self):
        if not self.sentinels:
            self._cleanup_files()


# torch's old name for the context spawn() returns
SpawnContext = ProcessContext


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Starts nprocs processes with the given start method, each running fn(i, *args)
    (fn must be picklable: a module-level function unless start_method is 'fork').
    join=True waits for all (raising about the first failure) and returns None;
    join=False returns the ProcessContext."""
    ctx = multiprocessing.get_context(start_method)
    processes, error_files = [], []
    for i in range(nprocs):
        fd, error_file = tempfile.mkstemp(prefix="pyt_spawn_", suffix=".err")
        os.close(fd)
        os.unlink(error_file)            # the child creates it only when fn raises
        p = ctx.Process(target=_run, args=(fn, i, args, error_file), daemon=daemon)
        p.start()
        processes.append(p)
        error_files.append(error_file)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Runs fn(i, *args) for i in range(nprocs), each in a new process started with
    'spawn'. If one fails, the others are stopped and ProcessRaisedException (with the
    child's traceback) or ProcessExitedException (signal or exit code) is raised.
    Returns None when join is True, the ProcessContext otherwise."""
    if start_method != "spawn":
        warnings.warn(f"spawn only supports start_method='spawn' (got {start_method!r}); "
                      "use pyt.multiprocessing.start_processes for other methods",
                      FutureWarning, stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
