"""Criterion: the base of Lua Torch's losses: forward(input, target) -> a number."""
import copy

import pyt

from .Module import _convert, _dtype_of


class Criterion:
    """Keeps the last loss in ``output`` (a float) and its gradient in ``gradInput``."""

    def __init__(self):
        self.gradInput = pyt.tensor([])
        self.output = 0.0

    def forward(self, input, target):
        return self.updateOutput(input, target)

    def backward(self, input, target):
        return self.updateGradInput(input, target)

    def updateOutput(self, input, target):
        raise NotImplementedError

    def updateGradInput(self, input, target):
        raise NotImplementedError

    def clone(self):
        return copy.deepcopy(self)

    def type(self, type, tensorCache=None):
        seen = {} if tensorCache is None else tensorCache
        dtype = _dtype_of(type)
        for key, value in list(self.__dict__.items()):
            self.__dict__[key] = _convert(value, dtype, seen)
        return self

    def float(self):
        return self.type(pyt.float32)

    def double(self):
        return self.type(pyt.float64)

    def clearState(self):
        self.gradInput = pyt.tensor([])
        return self

    def __repr__(self):
        return "nn." + type(self).__name__

    # ------------------------------------------------------------ helpers
    def _error(self, message, kind=RuntimeError):
        raise kind(f"{type(self).__name__}: {message}")

    def _check_same_size(self, input, target):
        for t, what in ((input, "input"), (target, "target")):
            if not isinstance(t, pyt.Tensor):
                self._error(f"expected {what} to be a Tensor but got {type(t).__name__}",
                            TypeError)
        if input.numel() != target.numel():
            self._error(f"expected target of size {list(input.shape)} but got "
                        f"{list(target.shape)}")
        return target.reshape(input.shape).to(input.dtype)

    def _scale(self, input):
        """The divisor of a summed loss: the element count when averaging."""
        return input.numel() if getattr(self, "sizeAverage", False) and input.numel() else 1
