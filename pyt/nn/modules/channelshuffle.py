"""ChannelShuffle: interleaves the channels of `groups` groups (ShuffleNet)."""
from pyt.nn import functional as F
from pyt.nn.modules.module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """[N, g * k, *] -> the channels taken in the order 0, k, 2k, ..., 1, k + 1, ..."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
