"""LazyModuleMixin: modules whose parameter shapes come from the first input.

A lazy module holds UninitializedParameter / UninitializedBuffer placeholders. A forward
pre-hook calls ``initialize_parameters(*inputs)`` on the first call, which materialises
them; the module then turns into its ``cls_to_become`` (LazyConv2d -> Conv2d). Loading a
state_dict of real tensors materialises the placeholders with the loaded shapes, but the
module stays lazy until its first forward, as in torch.
"""
import itertools

import pyt
from pyt.nn.parameter import UninitializedBuffer, is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Put first among the bases: ``class LazyConv2d(_LazyConvMixin, Conv2d)``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        # placeholders go in as they are (their detach would be an ordinary empty tensor)
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if is_lazy(param) or keep_vars \
                    else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if is_lazy(buf) or keep_vars \
                    else buf.detach()

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                        unexpected_keys, error_msgs):
        """Gives each placeholder the shape of the real tensor about to be loaded into it."""
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                incoming = state_dict[key]
                if not is_lazy(incoming):
                    with pyt.no_grad():
                        self._materialize(name, tuple(incoming.shape))

    def _materialize(self, name, shape):
        """Materialises the placeholder called name. A buffer is replaced by a plain
        Tensor view of its new storage (see parameter._MaterializedBuffer)."""
        if name in self._parameters:
            self._parameters[name].materialize(shape)
        else:
            buf = self._buffers[name]
            buf.materialize(shape)
            self._buffers[name] = buf.data

    def _apply(self, fn, recurse=True):
        # dtype and device changes reach the placeholders, which stay placeholders
        lazy = {k: b for k, b in self._buffers.items() if is_lazy(b)}
        for k in lazy:
            self._buffers[k] = None
        super()._apply(fn, recurse)
        for k, buf in lazy.items():
            with pyt.no_grad():
                pyt.Tensor.data.__set__(buf, fn(buf))
            self._buffers[k] = buf
        return self

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{self.__class__.__name__}")

    def has_uninitialized_params(self):
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                      self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        """The forward pre-hook: shapes from the first inputs, then the final class."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        # by id in this module's own dicts: a deepcopy's handles still point at the
        # original's dicts, but the ids are the same
        hook_id, load_id = module._initialize_hook.id, module._load_hook.id
        module._forward_pre_hooks.pop(hook_id, None)
        module._forward_pre_hooks_with_kwargs.pop(hook_id, None)
        module._load_state_dict_pre_hooks.pop(load_id, None)
        del module._initialize_hook
        del module._load_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError("Modules with uninitialized parameters can't be used with "
                           "`DataParallel`. Run a dummy forward pass to correctly initialize "
                           "the modules")
