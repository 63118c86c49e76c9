"""CrossEntropyCriterion: LogSoftMax followed by ClassNLLCriterion, on raw scores."""
from .ClassNLLCriterion import ClassNLLCriterion
from .Criterion import Criterion
from .LogSoftMax import LogSoftMax


class CrossEntropyCriterion(Criterion):
    def __init__(self, weights=None, sizeAverage=True):
        super().__init__()
        self.lsm = LogSoftMax()
        self.nll = ClassNLLCriterion(weights, sizeAverage)

    @property
    def sizeAverage(self):
        return self.nll.sizeAverage

    @sizeAverage.setter
    def sizeAverage(self, value):
        self.nll.sizeAverage = value

    def _check(self, input):
        if hasattr(input, "dim") and input.dim() not in (1, 2):
            self._error(f"expected input of size [C] or [N, C] but got {list(input.shape)}")

    def updateOutput(self, input, target):
        self._check(input)
        self.lsm.updateOutput(input)
        self.output = self.nll.updateOutput(self.lsm.output, target)
        return self.output

    def updateGradInput(self, input, target):
        self._check(input)
        self.nll.updateGradInput(self.lsm.output, target)
        self.gradInput = self.lsm.updateGradInput(input, self.nll.gradInput)
        return self.gradInput
