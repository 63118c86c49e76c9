"""Tab-separated log of named values, as Lua's optim.Logger (without its gnuplot plots)."""
import os
import sys
import time


class Logger:
    """Writes one row per `add()` to `filename` (stdout when None), a header row first.

    `add({'loss': 0.5, 'acc': 91.2})` or, after `setNames(['loss', 'acc'])`,
    `add([0.5, 91.2])`. Numbers are written as `%11.4e`, strings as they are; the values
    are kept in `self.symbols[name]`. `style`, `setlogscale`, `display` keep their settings
    and `plot` draws nothing (Lua's gnuplot output is not reproduced).
    """

    def __init__(self, filename=None, timestamp=False):
        if filename is not None:
            self.name = filename
            directory = os.path.dirname(filename)
            if directory:
                os.makedirs(directory, exist_ok=True)
            if timestamp:
                filename = filename + "-" + time.strftime("%Y_%m_%d_%H:%M:%S")
            self.file = open(filename, "w")
            self.epsfile = self.name + ".eps"
        else:
            self.name = "stdout"
            self.file = sys.stdout
            print("<Logger> warning: no path provided, logging to std out")
        self.empty = True
        self.names = []
        self.symbols = {}
        self.styles = {}
        self.showPlot = True
        self.logscale = False
        self.defaultStyle = "+"

    def setNames(self, names):
        """Fixes the columns (and writes the header) so that rows can be plain lists."""
        self._start(list(names))
        return self

    def _start(self, names):
        self.names = names
        self.empty = False
        for name in names:
            self.symbols.setdefault(name, [])
            self.styles.setdefault(name, [self.defaultStyle])
        self.file.write("".join(f"{name}\t" for name in names) + "\n")
        self.file.flush()

    def add(self, symbols):
        """Appends one row: a dict by name, or a list in `setNames` order."""
        if isinstance(symbols, dict):
            if self.empty:
                self._start(list(symbols))
            row = [(name, symbols[name]) for name in self.names if name in symbols]
        else:
            symbols = list(symbols)
            if self.empty:
                self._start([str(i + 1) for i in range(len(symbols))])
            if len(symbols) > len(self.names):
                raise ValueError(f"Logger.add: {len(symbols)} values for "
                                 f"{len(self.names)} columns")
            row = list(zip(self.names, symbols))
        cells = []
        for name, value in row:
            if hasattr(value, "item") and not isinstance(value, (int, float, str)):
                value = value.item()             # a one-element tensor
            if isinstance(value, str):
                cells.append(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f"{value:11.4e}")
            else:
                raise TypeError(f"Logger can only log numbers and strings, got "
                                f"{type(value).__name__} for {name!r}")
            self.symbols[name].append(value)
        self.file.write("".join(f"{cell}\t" for cell in cells) + "\n")
        self.file.flush()

    def style(self, symbols):
        for name, style in (symbols.items() if isinstance(symbols, dict)
                            else zip(self.names, symbols)):
            self.styles[name] = style if isinstance(style, list) else [style]
        return self

    def setlogscale(self, state=True):
        self.logscale = state

    def display(self, state=True):
        self.showPlot = state

    def plot(self, *names):
        """Lua drew the columns with gnuplot; pyt has no plotting backend, so nothing."""

    def close(self):
        if self.file is not sys.stdout:
            self.file.close()
