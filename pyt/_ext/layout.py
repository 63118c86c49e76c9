"""Tensor layouts: `pyt.strided` (dense, the default) and `pyt.sparse_coo`."""


class layout:
    """How a tensor's elements are stored. There is one object per layout, so `is` and `==`
    compare them, and pickling keeps that (an object pickles as its global name)."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"pyt.{self.name}"

    def __reduce__(self):
        return self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
