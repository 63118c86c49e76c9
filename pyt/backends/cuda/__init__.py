"""pyt.backends.cuda: matmul.allow_tf32 (TensorFloat-32 in float32 matrix products on
the GPU, off by default as in torch)."""
from pyt._ext import cuda as _cuda

__all__ = ["is_built", "matmul"]


def is_built():
    """Whether pyt was built with CUDA (not whether a device is there)."""
    return _cuda.is_built()


class _MatmulFlags:
    __slots__ = ()

    @property
    def allow_tf32(self):
        return _cuda.get_allow_tf32()

    @allow_tf32.setter
    def allow_tf32(self, value):
        _cuda.set_allow_tf32(bool(value))

    def __repr__(self):
        return f"<pyt.backends.cuda.matmul allow_tf32={self.allow_tf32}>"


matmul = _MatmulFlags()
