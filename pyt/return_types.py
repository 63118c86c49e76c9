"""Named result tuples of the ops that return several tensors (torch.return_types).

Each is a tuple (unpacks and indexes like one) whose items also have names:
``values, indices = x.max(0)`` or ``x.max(0).indices``."""
from collections import namedtuple as _namedtuple

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "cummax", "cummin", "aminmax"]


def _result_type(name, fields):
    base = _namedtuple(name, fields)

    def __repr__(self):
        items = ",\n".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
        return f"pyt.return_types.{name}(\n{items})"

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs:               # from one sequence, as torch allows
            args = tuple(args[0])
        return base.__new__(cls, *args, **kwargs)

    return type(name, (base,), {"__slots__": (), "__new__": __new__, "__repr__": __repr__,
                                "__module__": __name__})


max = _result_type("max", ("values", "indices"))
min = _result_type("min", ("values", "indices"))
sort = _result_type("sort", ("values", "indices"))
topk = _result_type("topk", ("values", "indices"))
kthvalue = _result_type("kthvalue", ("values", "indices"))
median = _result_type("median", ("values", "indices"))
nanmedian = _result_type("nanmedian", ("values", "indices"))
mode = _result_type("mode", ("values", "indices"))
cummax = _result_type("cummax", ("values", "indices"))
cummin = _result_type("cummin", ("values", "indices"))
aminmax = _result_type("aminmax", ("min", "max"))
