"""pyt.backends: the switches torch.backends offers for the CUDA backend."""
from pyt.backends import cuda, cudnn

__all__ = ["cuda", "cudnn"]
