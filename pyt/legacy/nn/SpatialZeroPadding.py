"""SpatialZeroPadding: zeros added around images (negative padding crops)."""
import pyt.nn.functional as F

from .Module import Module


class SpatialZeroPadding(Module):
    def __init__(self, pad_l, pad_r=None, pad_t=None, pad_b=None):
        super().__init__()
        self.pad_l = pad_l
        self.pad_r = pad_l if pad_r is None else pad_r
        self.pad_t = pad_l if pad_t is None else pad_t
        self.pad_b = pad_l if pad_b is None else pad_b

    def _pads(self):
        return (self.pad_l, self.pad_r, self.pad_t, self.pad_b)

    def updateOutput(self, input):
        self._check_tensor(input)
        if input.dim() not in (3, 4):
            self._error(f"expected input of size [*, C, H, W] but got {list(input.shape)}")
        h = input.shape[-2] + self.pad_t + self.pad_b
        w = input.shape[-1] + self.pad_l + self.pad_r
        if h <= 0 or w <= 0:
            self._error(f"padding {list(self._pads())} leaves nothing of input of size "
                        f"{list(input.shape)}")
        self.output = F.pad(input, self._pads())
        return self.output

    def updateGradInput(self, input, gradOutput):
        # the inverse padding: cut what was added, zero-fill what was cropped
        self.gradInput = F.pad(gradOutput, tuple(-p for p in self._pads()))
        return self.gradInput

    def __repr__(self):
        return f"nn.SpatialZeroPadding(l={self.pad_l}, r={self.pad_r}, t={self.pad_t}, " \
               f"b={self.pad_b})"
