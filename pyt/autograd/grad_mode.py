"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode. Each is a context
manager and a decorator; the mode is per thread."""
import functools
import inspect

from pyt._ext import tensor as _core


class _GradModeContext:
    """Base: set a mode on enter, restore the previous one on exit; usable as decorator."""

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                with self.__class__(*self._args()):
                    yield from fn(*args, **kwargs)
            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self):
        return ()

    def clone(self):
        return self.__class__(*self._args())


class _FixedGradMode(_GradModeContext):
    """A context that turns grad mode to a fixed value; also a bare decorator (@no_grad)."""
    _enabled = None

    def __new__(cls, orig_func=None):
        if orig_func is not None and callable(orig_func):       # bare @no_grad
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func=None):
        pass

    def __enter__(self):
        self._prev = _core.is_grad_enabled()
        _core._set_grad_enabled(self._enabled)

    def __exit__(self, *exc):
        _core._set_grad_enabled(self._prev)


class no_grad(_FixedGradMode):
    """Ops inside do not record the autograd graph."""
    _enabled = False


class enable_grad(_FixedGradMode):
    """Ops inside record the graph, even within no_grad."""
    _enabled = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode on or off: right away, and back when used as a context manager."""

    def __init__(self, mode):
        self._prev = _core.is_grad_enabled()
        self._mode = bool(mode)
        _core._set_grad_enabled(self._mode)

    def _args(self):
        return (self._mode,)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _core._set_grad_enabled(self._prev)

    def __call__(self, fn):
        _core._set_grad_enabled(self._prev)     # as a decorator it must not change the mode now
        return super().__call__(fn)


class inference_mode(_GradModeContext):
    """Like no_grad, for code that never needs gradients (torch also marks the tensors)."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self._mode = bool(mode)

    def _args(self):
        return (self._mode,)

    def __enter__(self):
        self._prev = (_core.is_grad_enabled(), _core.is_inference_mode_enabled())
        if self._mode:
            _core._set_grad_enabled(False)
        _core._set_inference_mode(self._mode)

    def __exit__(self, *exc):
        _core._set_grad_enabled(self._prev[0])
        _core._set_inference_mode(self._prev[1])


def is_grad_enabled():
    return _core.is_grad_enabled()


def is_inference_mode_enabled():
    return _core.is_inference_mode_enabled()
