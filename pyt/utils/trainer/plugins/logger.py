"""Prints chosen stats every few iterations or epochs."""
import sys

from .plugin import Plugin


class Logger(Plugin):
    """Prints `fields` of `trainer.stats` (dotted paths: 'loss', 'validation.accuracy').

    A stat that is a dict prints through its 'log_iter_fields' (on iterations) or
    'log_epoch_fields' (on epochs); a plain number prints with its parent's 'log_format'
    and 'log_unit'. Stats not recorded yet are left out. Default interval: every
    iteration and every epoch.
    """
    order = 100

    def __init__(self, fields, interval=None, stream=None):
        super().__init__(interval or [(1, "iteration"), (1, "epoch")])
        if isinstance(fields, str):
            fields = [fields]
        self.fields = list(fields)
        self.stream = stream

    def log(self, message):
        out = self.stream if self.stream is not None else sys.stdout
        out.write(message + "\n")
        out.flush()

    def _describe(self, path, kind):
        parent, stat = None, self.trainer.stats
        for key in path.split("."):
            if not isinstance(stat, dict) or key not in stat:
                return None
            parent, stat = stat, stat[key]
        if isinstance(stat, dict):
            values = []
            for template in stat.get(kind, []):
                try:
                    values.append(template.format(**stat))
                except KeyError:         # not measured yet (e.g. before the first epoch)
                    return None
            return f"{path}: {' '.join(values)}" if values else None
        fmt, unit = parent.get("log_format", ""), parent.get("log_unit", "")
        return f"{path}: {stat:{fmt}}{unit}"

    def _log_all(self, prefix, kind):
        parts = [p for p in (self._describe(f, kind) for f in self.fields) if p]
        if parts:
            self.log(prefix + "  " + "  ".join(parts))

    def iteration(self, iteration, *args):
        self._log_all(f"iteration {iteration}", "log_iter_fields")

    def epoch(self, epoch):
        self._log_all(f"epoch {epoch}", "log_epoch_fields")
