"""CAddTable: the elementwise sum of a table of same-size tensors."""
from .Module import Module


class CAddTable(Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def _check(self, input):
        self._check_table(input)
        if not input:
            self._error("expected a non-empty table")
        for t in input:
            self._check_tensor(t)
            if t.shape != input[0].shape:
                self._error(f"expected input of size {list(input[0].shape)} but got "
                            f"{list(t.shape)}")

    def updateOutput(self, input):
        self._check(input)
        out = input[0] if self.inplace else input[0].clone()
        for t in input[1:]:
            out.add_(t)
        self.output = out
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = [gradOutput if self.inplace else gradOutput.clone() for _ in input]
        return self.gradInput
