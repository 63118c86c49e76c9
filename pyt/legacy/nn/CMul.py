"""CMul: the input times a learnt weight of the given size (broadcast, batch included)."""
import math

import pyt

from .Module import Module
from ._utils import sum_to


class CMul(Module):
    def __init__(self, *size):
        super().__init__()
        if len(size) == 1 and isinstance(size[0], (tuple, list, pyt.Size)):
            size = tuple(size[0])
        self.size = tuple(size)
        self.weight = pyt.empty(*self.size)
        self.gradWeight = pyt.zeros(*self.size)
        self.reset()

    def reset(self, stdv=None):
        stdv = 1.0 / math.sqrt(self.weight.numel()) if stdv is None else stdv
        self.weight.uniform_(-stdv, stdv)
        return self

    def _weight_for(self, input):
        """weight shaped to broadcast against input (the same count with a batch dim)."""
        self._check_tensor(input)
        w = self.weight
        n = w.numel()
        if input.numel() == n:
            return w.view(input.shape)
        if input.dim() >= 1 and input[0].numel() == n:
            return w.view(input.shape[1:])
        tail = tuple(input.shape)[-len(self.size):] if self.size else ()
        if len(tail) == len(self.size) and all(a in (b, 1) for a, b in zip(self.size, tail)):
            return w    # broadcasts (a weight dim of 1 expands)
        self._error(f"expected input of size [*, {', '.join(map(str, self.size))}] but got "
                    f"{list(input.shape)}")

    def updateOutput(self, input):
        self.output = input * self._weight_for(input)
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput * self._weight_for(input)
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        w = self._weight_for(input)
        self.gradWeight.add_(sum_to(input * gradOutput, w.shape).reshape(self.size), alpha=scale)

    def __repr__(self):
        return f"nn.CMul({'x'.join(map(str, self.size))})"
