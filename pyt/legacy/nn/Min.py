"""Min: the minimum over ``dimension``; the gradient goes to the arg min."""
from .Max import Max


class Min(Max):
    _reduce = "min"
