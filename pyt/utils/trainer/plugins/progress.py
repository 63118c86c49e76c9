"""Shows how far the current epoch has got."""
import sys
import time

from .plugin import Plugin


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressMonitor(Plugin):
    """Progress through each epoch, with batches per second and the time left.

    On a terminal: one live line, `epoch 3 [#######.......] 120/450 (26.7%)  35.2 it/s
    ETA 0:00:09  loss 0.2345`, redrawn at most every `refresh` seconds. Elsewhere (a
    file, a pipe, a notebook's captured output): a plain line each time another
    1/`lines` of the epoch is done and one at its end. `fields` names other stats to show
    (their running average, else their last value), e.g. ('loss', 'accuracy').
    Records samples_used (batches this epoch), epoch_size, percent, rate and eta in
    `trainer.stats['progress']`.
    """
    order = 100
    stat_name = "progress"

    def __init__(self, fields=(), stream=None, width=30, refresh=0.1, lines=4):
        super().__init__([(1, "batch"), (1, "iteration"), (1, "epoch")])
        self.fields = list(fields)
        self.stream = stream
        self.width = width
        self.refresh = refresh
        self.lines = lines

    def register(self, trainer):
        super().register(trainer)
        try:
            size = len(trainer.dataset)
        except TypeError:                # an iterable without a length
            size = None
        self.stats = trainer.stats.setdefault(self.stat_name, {})
        self.stats.update(samples_used=0, epoch_size=size, percent=0.0, rate=0.0, eta=None,
                          log_iter_fields=["{samples_used}/{epoch_size}", "({percent:.2f}%)"])
        self._reset()

    def _reset(self):
        self.stats.update(samples_used=0, percent=0.0)
        self._start = None
        self._last_draw = 0.0
        self._lines_done = 0

    @property
    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def _is_tty(self):
        isatty = getattr(self._out, "isatty", None)
        return bool(isatty and isatty())

    def batch(self, iteration, input, target):
        if self._start is None:
            self._start = time.perf_counter()

    def iteration(self, iteration, *args):
        stats = self.stats
        stats["samples_used"] += 1
        if self._start is None:          # registered in the middle of a batch
            self._start = time.perf_counter()
        elapsed = time.perf_counter() - self._start
        stats["rate"] = stats["samples_used"] / elapsed if elapsed > 0 else 0.0
        size = stats["epoch_size"]
        if size:
            stats["percent"] = 100.0 * stats["samples_used"] / size
            left = max(size - stats["samples_used"], 0)
            stats["eta"] = left / stats["rate"] if stats["rate"] else None
        now = time.perf_counter()
        if self._is_tty():
            last = size is not None and stats["samples_used"] >= size
            if last or now - self._last_draw >= self.refresh:
                self._last_draw = now
                self._out.write("\r" + self._line(bar=True) + "\033[K")
                self._out.flush()
        elif size and self.lines:
            # A plain line each time another 1/lines of the epoch is done (not the end:
            # the epoch's own line says that).
            due = int(stats["samples_used"] * self.lines // size)
            if due > self._lines_done and stats["samples_used"] < size:
                self._lines_done = due
                self._print(self._line(bar=False))

    def epoch(self, epoch):
        stats = self.stats
        elapsed = time.perf_counter() - self._start if self._start is not None else 0.0
        summary = (f"epoch {epoch} done: {stats['samples_used']} batches in {elapsed:.1f} s"
                   f" ({stats['rate']:.1f} it/s)" + self._fields_text(epoch_end=True))
        if self._is_tty():
            self._out.write("\r" + summary + "\033[K\n")
            self._out.flush()
        else:
            self._print(summary)
        self._reset()

    def _line(self, bar):
        stats = self.stats
        size, used = stats["epoch_size"], stats["samples_used"]
        parts = [f"epoch {self.trainer.epochs + 1}"]
        if size:
            if bar:
                filled = min(self.width, int(self.width * used / size))
                parts.append("[" + "#" * filled + "." * (self.width - filled) + "]")
            parts.append(f"{used}/{size} ({stats['percent']:.1f}%)")
        else:
            parts.append(f"{used} batches")
        parts.append(f"{stats['rate']:.1f} it/s")
        if size and stats["eta"] is not None:
            parts.append("ETA " + _clock(stats["eta"]))
        return "  ".join(parts) + self._fields_text()

    def _fields_text(self, epoch_end=False):
        text = ""
        for name in self.fields:
            stat = self.trainer.stats.get(name)
            if not isinstance(stat, dict):
                continue
            keys = ("epoch_mean",) if epoch_end else ("running_avg", "last")
            value = next((stat[k] for k in keys if k in stat), None)
            if value is None:
                continue
            text += f"  {name} {value:{stat.get('log_format', '.4f')}}{stat.get('log_unit', '')}"
        return text

    def _print(self, line):
        self._out.write(line + "\n")
        self._out.flush()
