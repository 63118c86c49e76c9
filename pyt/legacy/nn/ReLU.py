"""ReLU: max(0, x), elementwise (``ip``: in place)."""
from .Threshold import Threshold


class ReLU(Threshold):
    def __init__(self, ip=False):
        super().__init__(0, 0, ip)
