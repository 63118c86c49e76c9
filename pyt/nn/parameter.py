"""nn.Parameter: a tensor that a Module registers as a learnable parameter."""
from collections import OrderedDict

from pyt._ext.tensor import Tensor, empty


def _share_data(target, source):
    # the Tensor.data setter makes target a view of source's storage and geometry
    Tensor.data.__set__(target, source)


class Parameter(Tensor):
    """A Tensor that, assigned as a Module attribute, appears in ``parameters()``.
    It shares the storage of ``data`` and requires grad unless told otherwise."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{type(data).__name__}")
        self = Tensor.__new__(cls)
        _share_data(self, data)
        self.requires_grad_(requires_grad)
        return self

    def __init__(self, *args, **kwargs):
        pass                            # everything happens in __new__

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (type(self), self.data, self.requires_grad,
                                     OrderedDict(self.__dict__)))

    def __reduce__(self):
        return self.__reduce_ex__(2)


def _rebuild_parameter(cls, data, requires_grad, state):
    p = cls(data, requires_grad)
    p.__dict__.update(state)
    return p


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (lazy modules); ``materialize`` gives it
    storage and turns it into an ordinary Parameter."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        self = Parameter.__new__(cls, empty(0, dtype=dtype), requires_grad)
        return self

    def materialize(self, shape, device=None, dtype=None):
        _share_data(self, empty(*shape, dtype=self.dtype if dtype is None else dtype))
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return "<UninitializedParameter>"

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, None, self.dtype)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        raise RuntimeError("Can't pickle an UninitializedParameter: run a forward pass "
                           "first to initialise it.")


class _MaterializedBuffer(Tensor):
    """What an UninitializedBuffer becomes: torch turns it into a plain Tensor, but pyt's
    Tensor is a built-in type, which ``__class__`` cannot be set to. Lazy modules replace
    the object in their buffers with a plain Tensor view (see LazyModuleMixin)."""

    def __repr__(self):
        return Tensor.__repr__(self)


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (lazy modules); ``materialize`` gives it
    storage."""

    cls_to_become = _MaterializedBuffer

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        self = Tensor.__new__(cls)
        _share_data(self, empty(0, dtype=dtype))
        self.requires_grad_(requires_grad)
        self.persistent = persistent
        return self

    def __init__(self, *args, **kwargs):
        pass

    def materialize(self, shape, device=None, dtype=None):
        _share_data(self, empty(*shape, dtype=self.dtype if dtype is None else dtype))
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return "<UninitializedBuffer>"

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, None, self.dtype, self.persistent)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        raise RuntimeError("Can't pickle an UninitializedBuffer: run a forward pass first to "
                           "initialise it.")


class Buffer(Tensor):
    """Marks a tensor to register as a buffer when assigned to a Module attribute."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        self = Tensor.__new__(cls)
        _share_data(self, data)
        self.persistent = persistent
        return self

    def __init__(self, *args, **kwargs):
        pass


def is_lazy(param):
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))
