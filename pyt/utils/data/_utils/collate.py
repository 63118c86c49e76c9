"""default_collate (samples -> batch) and default_convert (NumPy -> tensors), by
torch's rules: tensors and NumPy arrays are stacked on a new first dimension, Python
numbers become float64 / int64 tensors, strings and bytes stay lists, and containers
(mappings, namedtuples, sequences) are collated field by field."""
import collections.abc
import copy
import re

import pyt
from pyt.utils.data._utils import worker as _worker

try:
    import numpy as np
except ImportError:            # NumPy is optional here: only its types are looked for
    np = None

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map",
           "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn"]

# NumPy dtypes whose arrays cannot become tensors: bytes, strings, objects
_np_str_obj_array_pattern = re.compile(r"[SaUO]")

_collate_error = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
                  "dicts or lists; found {}")


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def default_convert(data):
    """NumPy arrays and scalars inside data become tensors; containers are rebuilt
    around the converted elements (tuples become lists, as in torch); anything else is
    returned as is. The DataLoader's collate_fn when batching is disabled."""
    if isinstance(data, pyt.Tensor):
        return data
    if np is not None and isinstance(data, np.ndarray):
        if _np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return pyt.as_tensor(data)
    if np is not None and isinstance(data, (np.bool_, np.number)):
        return pyt.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(like, values):
    """A mapping of like's type holding values (a plain dict when that type cannot be
    built from one)."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            # a copy keeps the attributes of a custom mapping type
            clone = copy.copy(like)
            clone.update(values)
            return clone
        return type(like)(values)
    except TypeError:
        return values


def _rebuild_sequence(like, values):
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(like)(values)
    except TypeError:
        return values


def collate(batch, *, collate_fn_map=None):
    """Collates a list of samples with the functions of collate_fn_map (type, or tuple of
    types -> fn(batch, *, collate_fn_map)), found by exact type first and then by
    isinstance; containers are collated element by element with the same map."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for types, fn in collate_fn_map.items():
            if isinstance(elem, types):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, {key: collate([d[key] for d in batch],
                                                    collate_fn_map=collate_fn_map)
                                       for key in elem})
    if _is_namedtuple(elem):
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(samples, collate_fn_map=collate_fn_map)
                   for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return columns              # torch returns tuples' columns as a list
        return _rebuild_sequence(elem, columns)
    raise TypeError(_collate_error.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stacks tensors on a new first dimension. In a DataLoader worker the result is
    allocated in shared memory when pyt supports it, so that sending it to the main
    process does not copy it a second time."""
    global _shared_memory_works
    elem = batch[0]
    if (_shared_memory_works and _worker.get_worker_info() is not None
            and hasattr(elem, "share_memory_") and elem.numel() > 0):
        try:
            out = _shared_output(elem, len(batch))
        except NotImplementedError:
            _shared_memory_works = False      # this build has no shared storages
        else:
            return pyt.stack(batch, 0, out=out)
    return pyt.stack(batch, 0)


def _shared_output(elem, count):
    """An uninitialised tensor of shape (count, *elem.shape) in shared memory."""
    shape = (count,) + tuple(elem.shape)
    new_shared = getattr(type(elem.untyped_storage()), "_new_shared", None)
    if new_shared is not None:
        # a fresh shared storage: sharing an existing one may have to look for the
        # other tensors over it, which costs milliseconds in a large heap
        storage = new_shared(count * elem.numel() * elem.element_size())
        return pyt.empty(0, dtype=elem.dtype).set_(storage, 0, shape)
    out = pyt.empty(shape, dtype=elem.dtype)
    out.share_memory_()
    return out


_shared_memory_works = True


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(_collate_error.format(elem.dtype))
    return collate([pyt.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    # through one NumPy array, which keeps the scalars' dtype (int16 stays int16)
    return pyt.as_tensor(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return pyt.tensor(batch, dtype=pyt.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    # bool is an int: a batch of bools becomes a bool tensor, as in torch
    return pyt.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {pyt.Tensor: collate_tensor_fn}
if np is not None:
    default_collate_fn_map[np.ndarray] = collate_numpy_array_fn
    default_collate_fn_map[(np.bool_, np.number, np.object_)] = collate_numpy_scalar_fn
default_collate_fn_map[float] = collate_float_fn
default_collate_fn_map[int] = collate_int_fn
default_collate_fn_map[str] = collate_str_fn
default_collate_fn_map[bytes] = collate_str_fn


def default_collate(batch):
    """Merges a list of samples into a batch (the DataLoader's collate_fn when batching):
    tensors -> stacked tensor, NumPy arrays / scalars -> stacked tensor, float -> float64
    tensor, int (and bool) -> int64 (bool) tensor, str / bytes -> the list unchanged,
    Mapping -> same keys with collated values, namedtuple -> same type of collated fields,
    other sequences -> list of collated columns (all samples of equal length)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
