"""LookupTable: rows of a (nIndex, nOutput) weight picked by integer indices (0-based).

Indices equal to ``paddingValue`` give rows whose gradient is not accumulated. With
``maxNorm``, the rows used are renormalised to at most that norm before the lookup.
"""
import pyt
import pyt.nn.functional as F

from .Module import Module


class LookupTable(Module):
    _parameter_names = (("weight", "gradWeight"),)

    def __init__(self, nIndex, nOutput, paddingValue=-1, maxNorm=None, normType=None):
        super().__init__()
        self.weight = pyt.empty(nIndex, nOutput)
        self.gradWeight = pyt.zeros(nIndex, nOutput)
        self.paddingValue = paddingValue
        self.maxNorm = maxNorm
        self.normType = 2.0 if normType is None else normType
        self.reset()

    def reset(self, stdv=1):
        self.weight.normal_(0, stdv)
        return self

    def _check(self, input):
        self._check_tensor(input)
        if input.is_floating_point() or input.dtype == pyt.bool:
            self._error(f"expected integer indices but got {input.dtype}", TypeError)
        if input.dim() not in (1, 2):
            self._error(f"expected input of size [n] or [batch, n] but got {list(input.shape)}")
        n = self.weight.shape[0]
        if input.numel() and (int(input.min()) < 0 or int(input.max()) >= n):
            self._error(f"index out of range: indices must be in [0, {n - 1}]", IndexError)

    def updateOutput(self, input):
        self._check(input)
        with pyt.no_grad():
            self.output = F.embedding(input, self.weight, max_norm=self.maxNorm,
                                      norm_type=self.normType)
        return self.output

    def updateGradInput(self, input, gradOutput):
        # indices have no gradient; Lua still gives a zero tensor of the input's size
        self.gradInput = pyt.zeros(input.shape, dtype=self.weight.dtype)
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        index = input.reshape(-1)
        rows = gradOutput.reshape(-1, self.weight.shape[1])
        if self.paddingValue >= 0:
            keep = index != self.paddingValue
            index, rows = index[keep], rows[keep]
        self.gradWeight.index_add_(0, index, rows, alpha=scale)

    def __repr__(self):
        return f"nn.LookupTable({self.weight.shape[0]} -> {self.weight.shape[1]})"
