"""SelectTable: entry ``index`` of a table (negative counts from the end)."""
import pyt

from .Module import Module


def _zeros_like(x):
    if isinstance(x, (list, tuple)):
        return [_zeros_like(v) for v in x]
    return pyt.zeros_like(x)


class SelectTable(Module):
    def __init__(self, index):
        super().__init__()
        self.index = index

    def _position(self, input):
        self._check_table(input)
        n = len(input)
        if not -n <= self.index < n:
            self._error(f"index {self.index} out of range for a table of {n} entries",
                        IndexError)
        return self.index % n

    def updateOutput(self, input):
        self.output = input[self._position(input)]
        return self.output

    def updateGradInput(self, input, gradOutput):
        i = self._position(input)
        self.gradInput = [gradOutput if j == i else _zeros_like(x) for j, x in enumerate(input)]
        return self.gradInput

    def __repr__(self):
        return f"nn.SelectTable({self.index})"
