"""The Trainer: epochs of optimizer steps over a dataset, with plugins called on schedule."""
import contextlib
import heapq
import itertools
import signal
import sys
import threading

UNITS = ("iteration", "batch", "epoch", "update")


class Trainer:
    """Runs `optimizer.step(closure)` over each `(input, target)` batch of `dataset`.

    Plugins ask to be called every n units: `plugin.trigger_interval = [(n, unit), ...]`
    with unit one of 'batch' (before the step: `plugin.batch(i, input, target)`),
    'iteration' (after it: `plugin.iteration(i, input, target, output, loss)`), 'update'
    (`plugin.update(i, model)`) and 'epoch' (`plugin.epoch(epoch)`). Plugins share what
    they measure through `trainer.stats`. Plugins due at the same time run by their
    `order` attribute (measuring ones 0, deciding ones like EarlyStopping 50, reporting
    ones like Logger and ProgressMonitor 100), then in registration order.

    Ctrl-C during `run()` stops training after the current batch (a second Ctrl-C stops at
    once); the partial epoch calls no epoch plugins, so checkpoints stay those of whole
    epochs. An exception from a plugin stops training and propagates.
    """

    def __init__(self, model=None, criterion=None, optimizer=None, dataset=None):
        self.model = model
        self.criterion = criterion
        self.optimizer = optimizer
        self.dataset = dataset
        self.iterations = 0              # batches trained, over all runs
        self.epochs = 0                  # whole epochs trained, over all runs
        self.stats = {}
        self.plugins = []
        self.plugin_queues = {unit: [] for unit in UNITS}
        self.interrupted = False
        self.stop_reason = None
        self._stop_requested = False
        self._order = itertools.count()  # registration order breaks ties

    def register_plugin(self, plugin):
        """Adds `plugin`; its first call comes n units after the current count."""
        intervals = plugin.trigger_interval
        if isinstance(intervals, tuple):
            intervals = [intervals]
        for entry in intervals:
            if not (isinstance(entry, (tuple, list)) and len(entry) == 2):
                raise ValueError(f"{type(plugin).__name__}: a trigger interval is an "
                                 f"(n, unit) pair, got {entry!r}")
            n, unit = entry
            if unit not in self.plugin_queues:
                raise ValueError(f"{type(plugin).__name__}: unknown trigger unit {unit!r} "
                                 f"(expected one of {', '.join(UNITS)})")
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise ValueError(f"{type(plugin).__name__}: a trigger interval must be a "
                                 f"positive integer, got {n!r}")
        plugin.register(self)
        self.plugins.append(plugin)
        for n, unit in intervals:
            now = self.epochs if unit == "epoch" else self.iterations
            key = (getattr(plugin, "order", 0), next(self._order))
            heapq.heappush(self.plugin_queues[unit], (now + n, key, n, plugin))

    def call_plugins(self, unit, time, *args):
        """Calls every plugin of `unit` due at `time`: by `plugin.order`, then registration."""
        queue = self.plugin_queues[unit]
        while queue and queue[0][0] <= time:
            _, key, interval, plugin = queue[0]
            getattr(plugin, unit)(time, *args)
            heapq.heapreplace(queue, (time + interval, key, interval, plugin))

    def stop(self, reason=None):
        """Asks `run()` to stop after the current batch (or epoch, from an epoch plugin)."""
        self._stop_requested = True
        self.stop_reason = reason

    def run(self, epochs=1):
        """Trains for `epochs` epochs, fewer when stopped or interrupted; returns self."""
        self._stop_requested = False
        self.interrupted = False
        self.stop_reason = None
        with self._sigint_stops_after_batch():
            try:
                for _ in range(epochs):
                    if not self.train():
                        break
                    self.epochs += 1
                    self.call_plugins("epoch", self.epochs)
                    if self._stop_requested:
                        break
            except KeyboardInterrupt:
                self.interrupted = True
                self.stop_reason = "interrupted"
        if self.interrupted:
            print(f"Training interrupted after iteration {self.iterations} "
                  f"({self.epochs} whole epochs).", file=sys.stderr)
        return self

    def train(self):
        """One epoch: a step per batch of the dataset. False when stopped before its end."""
        if hasattr(self.model, "train"):
            self.model.train()
        for batch in self.dataset:
            try:
                batch_input, batch_target = batch
            except (TypeError, ValueError):
                raise TypeError("Trainer: the dataset must yield (input, target) pairs, got "
                                f"{type(batch).__name__}") from None
            i = self.iterations + 1
            self.call_plugins("batch", i, batch_input, batch_target)
            first = []                   # output and loss of the closure's first call

            def closure():
                self.optimizer.zero_grad()
                output = self.model(batch_input)
                loss = self.criterion(output, batch_target)
                loss.backward()
                if not first:
                    first.extend((output.detach(), loss.detach()))
                return loss

            self.optimizer.step(closure)
            self.iterations = i
            self.call_plugins("iteration", i, batch_input, batch_target, *first)
            self.call_plugins("update", i, self.model)
            if self._stop_requested:
                return False
        return True

    @contextlib.contextmanager
    def _sigint_stops_after_batch(self):
        """While training, a first Ctrl-C only asks to stop; a second raises at once."""
        if threading.current_thread() is not threading.main_thread():
            yield                        # signal handlers live in the main thread only
            return

        def on_sigint(signum, frame):
            if self.interrupted:
                raise KeyboardInterrupt
            self.interrupted = True
            self.stop("interrupted")
            print("\nCtrl-C: stopping after the current batch (press again to stop now).",
                  file=sys.stderr)

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT,
                          previous if previous is not None else signal.default_int_handler)
