"""save / load in PyTorch's zip checkpoint layout, so pyt and torch read each other's files.

A checkpoint is a zip archive (records stored uncompressed, each 64-byte aligned so a
storage can be memory-mapped in place):

    <archive>/data.pkl                 the pickled object; tensors reference storages
    <archive>/.format_version          b"1"
    <archive>/.storage_alignment       b"64"
    <archive>/byteorder                b"little"
    <archive>/data/<key>               one raw little-endian record per storage
    <archive>/version                  b"3\\n"
    <archive>/.data/serialization_id   40 digits

The pickle names torch's globals (``torch._utils._rebuild_tensor_v2``,
``torch.FloatStorage``, ``torch.float32``...), never pyt's, so ``torch.load`` reads pyt's
files without importing pyt; ``pyt.load`` maps those names to pyt's objects.

``load`` unpickles with an allow-list by default (``weights_only=True``): only tensor,
storage, dtype, device, Size and container globals resolve, and only they may be called.
"""
import _compat_pickle
import collections
import contextlib
import gc
import io
import mmap as _mmap
import os
import pickle
import random
import stat
import struct
import sys
import tempfile
import threading
import zipfile
import zlib

import pyt
from pyt._ext.tensor import Tensor, Size
from pyt._ext.device import device as _device
from pyt._ext.dtypes import dtype as _dtype
from pyt._ext.storage import Storage as _Storage

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2

_ALIGNMENT = 64
# Sizes and offsets at or above this use zip64 fields (a module variable so tests can
# exercise the zip64 path with small files).
_ZIP64_LIMIT = 0xFFFFFFFF

# pyt dtype <-> torch's legacy typed-storage class names (what the pickle names).
_STORAGE_NAMES = {
    "bool": "BoolStorage", "uint8": "ByteStorage", "int8": "CharStorage",
    "int16": "ShortStorage", "int32": "IntStorage", "int64": "LongStorage",
    "float16": "HalfStorage", "bfloat16": "BFloat16Storage", "float32": "FloatStorage",
    "float64": "DoubleStorage",
}
# torch storage classes whose dtype pyt lacks: loading them fails with the dtype's name.
_MISSING_STORAGES = {
    "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
    "QInt8Storage": "qint8", "QUInt8Storage": "quint8", "QInt32Storage": "qint32",
    "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
}
_MISSING_DTYPES = {
    "complex32", "complex64", "complex128", "cfloat", "cdouble", "chalf", "uint16",
    "uint32", "uint64", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
    "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32",
    "quint4x2", "quint2x4", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
    "int1", "int2", "int3", "int4", "int5", "int6", "int7",
    "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7",
}


# ---------------------------------------------------------------------------------------
# Safe globals (the user's additions to weights_only's allow-list)
# ---------------------------------------------------------------------------------------

_user_safe_globals = {}            # "module.qualname" -> object
_safe_lock = threading.Lock()


def _global_name(obj):
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module is None or name is None:
        raise TypeError(f"add_safe_globals: {obj!r} has no __module__/__qualname__; pass "
                        f"(obj, 'module.name') instead")
    return f"{module}.{name}"


def add_safe_globals(safe_globals):
    """Allow ``pyt.load(weights_only=True)`` to resolve these globals (classes or
    functions, or ``(obj, "module.name")`` pairs for objects saved under another name)."""
    with _safe_lock:
        for entry in safe_globals:
            if isinstance(entry, tuple):
                if len(entry) != 2 or not isinstance(entry[1], str):
                    raise TypeError("add_safe_globals: a tuple entry must be "
                                    "(obj, 'module.name')")
                obj, name = entry
            else:
                obj, name = entry, _global_name(entry)
            _user_safe_globals[name] = obj


def get_safe_globals():
    """The globals added with :func:`add_safe_globals`."""
    with _safe_lock:
        return list(_user_safe_globals.values())


def clear_safe_globals():
    """Forget every global added with :func:`add_safe_globals`."""
    with _safe_lock:
        _user_safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Context manager that allows ``safe_globals`` for the ``load`` calls inside it."""
    with _safe_lock:
        saved = dict(_user_safe_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        with _safe_lock:
            _user_safe_globals.clear()
            _user_safe_globals.update(saved)


# ---------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------

class _TorchGlobal:
    """A name in torch's namespace, written as a pickle GLOBAL without importing torch."""
    _cache = {}

    def __new__(cls, module, name):
        key = (module, name)
        self = cls._cache.get(key)
        if self is None:
            self = object.__new__(cls)
            self.module, self.name = module, name
            cls._cache[key] = self
        return self

    def __call__(self, *args):         # pickle wants the function of a reduce callable
        raise TypeError(f"{self.module}.{self.name} is a placeholder for torch's object")


def _dtype_name(dt):
    return dt.name


class _Pickler(pickle._Pickler):
    """The pure-Python pickler (its ``save`` can be extended) with pyt's objects written
    under torch's names and storages replaced by persistent ids."""

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}             # id(storage) -> (key, dtype name, storage on the host)
        self._kept = []                # the device storages those host copies are of
        self._rebuild_v2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
        self._ordered_dict = collections.OrderedDict

    def save(self, obj, save_persistent_id=True):
        if type(obj) is _TorchGlobal:
            self._save_torch_global(obj)
        elif type(obj) is _dtype:
            self._save_torch_global(_TorchGlobal("torch", _dtype_name(obj)))
        else:
            super().save(obj, save_persistent_id)

    def _save_torch_global(self, g):
        if id(g) in self.memo:
            self.write(self.get(self.memo[id(g)][0]))
            return
        if self.proto >= 4:
            self.save(g.module)
            self.save(g.name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{g.module}\n{g.name}\n".encode("utf-8"))
        self.memoize(g)

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return self._storage_id(obj.storage, obj.dtype_name)
        if isinstance(obj, _Storage):
            return self._storage_id(obj, None)
        return None

    def _storage_id(self, storage, dtype_name):
        entry = self.storages.get(id(storage))
        location = str(storage.device) if hasattr(storage, "device") else "cpu"
        if entry is None:
            data = storage
            if location != "cpu":      # device memory: its bytes are written from a host copy
                from pyt._ext.tensor import _storage_to
                data = _storage_to(storage, "cpu")
                self._kept.append(storage)       # ids stay unique while pickling
            entry = (str(len(self.storages)), dtype_name, data)
            self.storages[id(storage)] = entry
        elif entry[1] != dtype_name:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                               "data as different types")
        key = entry[0]
        if dtype_name is None:
            stype = _TorchGlobal("torch.storage", "UntypedStorage")
            numel = storage.nbytes()
        else:
            stype = _TorchGlobal("torch", _STORAGE_NAMES[dtype_name])
            numel = storage.nbytes() // getattr(pyt, dtype_name).itemsize
        return ("storage", stype, key, location, numel)

    def reducer_override(self, obj):
        t = type(obj)
        if t is _device:
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return (_TorchGlobal("torch", "device"), args)
        if t is Size:
            return (_TorchGlobal("torch", "Size"), (tuple(obj),))
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        return NotImplemented

    def _reduce_tensor(self, t):
        from pyt.nn.parameter import Parameter, UninitializedParameter
        if isinstance(t, Parameter):
            if isinstance(t, UninitializedParameter):
                return t.__reduce_ex__(self.proto)          # raises a clear error
            state = dict(t.__dict__)
            if state:
                return (_TorchGlobal("torch._utils", "_rebuild_parameter_with_state"),
                        (t.data, t.requires_grad, self._ordered_dict(), state))
            return (_TorchGlobal("torch._utils", "_rebuild_parameter"),
                    (t.data, t.requires_grad, self._ordered_dict()))
        ref = _StorageRef(t.untyped_storage(), _dtype_name(t.dtype))
        return (self._rebuild_v2, (ref, t.storage_offset(), tuple(t.size()),
                                   tuple(t.stride()), t.requires_grad, self._ordered_dict()))


class _StorageRef:
    """A storage seen through a dtype: what a tensor's pickle refers to."""
    __slots__ = ("storage", "dtype_name")

    def __init__(self, storage, dtype_name):
        self.storage, self.dtype_name = storage, dtype_name


class _ZipWriter:
    """A minimal streaming zip writer: stored records, each one's data 64-byte aligned
    (padding in a local-header extra field, as torch does), zip64 where sizes need it.
    It only appends, so it works on non-seekable files."""

    def __init__(self, f, prefix):
        self._f = f
        self._prefix = prefix
        self._pos = 0
        self._entries = []

    def _write(self, data):
        mv = memoryview(data)
        if mv.ndim != 1 or mv.format != "B":
            mv = mv.cast("B")
        done = 0
        while done < len(mv):
            n = self._f.write(mv[done:])
            if n is None:              # a file object that returns nothing wrote it all
                n = len(mv) - done
            if n <= 0:
                raise OSError("pyt.save: the file accepted no more data")
            done += n
        self._pos += len(mv)

    def write_record(self, name, data):
        mv = memoryview(data)
        if mv.ndim != 1 or mv.format != "B":
            mv = mv.cast("B")
        size = len(mv)
        crc = zlib.crc32(mv)
        name_b = (self._prefix + name).encode("utf-8")
        offset = self._pos
        extra = b""
        size32 = size
        if size >= _ZIP64_LIMIT:
            extra = struct.pack("<HHQQ", 1, 16, size, size)
            size32 = 0xFFFFFFFF
        pad = -(offset + 30 + len(name_b) + len(extra) + 4) % _ALIGNMENT
        extra += struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if size32 != size else 20,
                             0x0800, 0, 0, 0, crc, size32, size32, len(name_b), len(extra))
        self._write(header + name_b + extra)
        self._write(mv)
        self._entries.append((name_b, crc, size, offset))

    def finish(self):
        cd_start = self._pos
        for name_b, crc, size, offset in self._entries:
            extra = b""
            size32, offset32, version = size, offset, 20
            if size >= _ZIP64_LIMIT or offset >= _ZIP64_LIMIT:
                extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
                size32 = offset32 = 0xFFFFFFFF
                version = 45
            self._write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version,
                                    0x0800, 0, 0, 0, crc, size32, size32, len(name_b),
                                    len(extra), 0, 0, 0, 0, offset32) + name_b + extra)
        cd_size = self._pos - cd_start
        n = len(self._entries)
        if n >= 0xFFFF or cd_start >= _ZIP64_LIMIT or cd_size >= _ZIP64_LIMIT:
            eocd64 = self._pos
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n,
                                    cd_size, cd_start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
            n, cd_size, cd_start = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_start, 0))


_serialization_counter = 0


def _serialization_id():
    global _serialization_counter
    _serialization_counter += 1
    return f"{random.getrandbits(64):020d}{_serialization_counter:020d}"


def _pickle(obj, pickle_module, pickle_protocol):
    buf = io.BytesIO()
    if pickle_module is pickle or pickle_module is None:
        base = pickle._Pickler
    else:
        # another pickle module: its pure-Python Pickler (whose save() can be extended)
        base = getattr(pickle_module, "_Pickler", None) or pickle_module.Pickler
    cls = _Pickler if base is pickle._Pickler else type("_Pickler", (_Pickler, base), {})
    pickler = cls(buf, pickle_protocol)
    pickler.dump(obj)
    return buf.getvalue(), [(key, storage) for key, _, storage in pickler.storages.values()]


def _write_checkpoint(f, archive_name, data_pkl, storages):
    z = _ZipWriter(f, archive_name + "/")
    z.write_record("data.pkl", data_pkl)
    z.write_record(".format_version", b"1")
    z.write_record(".storage_alignment", str(_ALIGNMENT).encode())
    z.write_record("byteorder", b"little")
    for key, storage in storages:
        z.write_record(f"data/{key}", storage)
    z.write_record("version", b"3\n")
    z.write_record(".data/serialization_id", _serialization_id().encode())
    z.finish()


def _umask():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _save_to_path(path, archive_name, data_pkl, storages):
    # Write a temporary file next to the target and rename it over the target only once
    # it is complete and on disk: a crash or a full disk leaves the old checkpoint intact.
    target = os.path.realpath(path)            # through a symlink, to the file it names
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {folder} does not exist.")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_checkpoint(f, archive_name, data_pkl, storages)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):         # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save ``obj`` (tensors, containers, state dicts, ...) to ``f`` (a path or a binary
    file object) in PyTorch's zip checkpoint format.

    A path is written atomically: the checkpoint goes to a temporary file in the same
    folder that replaces ``f`` only once fully written and synced.
    """
    if not _use_new_zipfile_serialization:
        raise RuntimeError("pyt.save: the legacy (pre-1.6, non-zip) format is not supported")
    if pickle_module is None:
        pickle_module = pickle
    is_path = isinstance(f, (str, os.PathLike))
    if not is_path and not hasattr(f, "write"):
        raise AttributeError(f"pyt.save: expected a path or a file object with write(), "
                             f"got {type(f).__name__}")
    data_pkl, storages = _pickle(obj, pickle_module, pickle_protocol)
    if is_path:
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        archive_name = os.path.splitext(os.path.basename(path))[0] or "archive"
        _save_to_path(path, archive_name, data_pkl, storages)
    else:
        _write_checkpoint(f, "archive", data_pkl, storages)
        if hasattr(f, "flush"):
            f.flush()


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------

class _StorageType:
    """What a torch storage class name resolves to: the dtype its records hold."""
    __slots__ = ("name", "dtype_name", "missing")

    def __init__(self, name, dtype_name, missing=False):
        self.name, self.dtype_name, self.missing = name, dtype_name, missing

    def __repr__(self):
        return f"<storage type {self.name}>"


class _MissingDtype:
    """A torch dtype pyt lacks: loading a tensor of it raises an error naming it."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


def _missing_dtype_error(name):
    return RuntimeError(f"pyt.load: the checkpoint holds a tensor of dtype torch.{name}, "
                        f"which pyt does not support")


_WEIGHTS_ONLY_HELP = (
    "Weights only load failed. This file can still be loaded, to do so you have two "
    "options, do those steps only if you trust the source of the checkpoint.\n\t(1) "
    "Re-running `pyt.load` with `weights_only` set to `False` will likely succeed, but it "
    "can result in arbitrary code execution. Do it only if you got the file from a trusted "
    "source.\n\t(2) Alternatively, to load with `weights_only=True` please check the "
    "recommended steps in the following error message.\n\tWeightsUnpickler error: ")


def _refused_global(full_name):
    return pickle.UnpicklingError(
        _WEIGHTS_ONLY_HELP + f"Unsupported global: GLOBAL {full_name} was not an allowed "
        f"global by default. Please use `pyt.serialization.add_safe_globals([{full_name}])`"
        f" or the `pyt.serialization.safe_globals([{full_name}])` context manager to "
        f"allowlist this global if you trust this class/function, or weights_only=False if "
        f"you trust the source of the checkpoint.")


def _refused(what):
    return pickle.UnpicklingError(_WEIGHTS_ONLY_HELP + what)


class _LoaderMixin:
    """Maps torch's (and pyt's own) globals to pyt objects and storages to the archive's
    records; in weights_only mode refuses every other global and every call of an object
    that did not come from the allow-list."""

    weights_only = True

    def _init_loader(self, storage_loader):
        self._load_storage = storage_loader
        self._resolved = {}                        # full name -> object
        self._callable_ids = set()                 # ids of allow-listed callables
        self._storage_dtypes = {}                  # id(storage) -> dtype name or None
        self._storages = []                        # keeps those ids valid
        self._builtin_globals = self._make_builtin_globals()

    def _make_builtin_globals(self):
        from pyt.nn.parameter import Parameter
        from pyt._ext import dtypes as dtypes_module
        g = {
            "torch._utils._rebuild_tensor_v2": self._rebuild_tensor_v2,
            "torch._utils._rebuild_tensor_v3": self._rebuild_tensor_v3,
            "torch._utils._rebuild_parameter": self._rebuild_parameter,
            "torch._utils._rebuild_parameter_with_state": self._rebuild_parameter_with_state,
            "torch.Size": Size,
            "torch.device": _device,
            "torch.nn.parameter.Parameter": Parameter,
            "torch.storage.UntypedStorage": _StorageType("UntypedStorage", None),
            "torch.UntypedStorage": _StorageType("UntypedStorage", None),
            "collections.OrderedDict": collections.OrderedDict,
            "builtins.set": set,
            "builtins.frozenset": frozenset,
            "builtins.complex": complex,
            "builtins.bytearray": _safe_bytearray,
            "builtins.bytes": _safe_bytes,
            "collections.Counter": collections.Counter,
            "builtins.slice": slice,
            "_codecs.encode": _codecs_encode,
            # pyt's own names (pickles made by pickle.dumps of pyt objects)
            "pyt._ext.tensor.Size": Size,
            "pyt._ext.device.device": _device,
            "pyt._ext.dtypes._dtype_by_name": dtypes_module._dtype_by_name,
            "pyt._ext.tensor._rebuild_tensor": _pyt_rebuild_tensor,
            "pyt.nn.parameter.Parameter": Parameter,
            "pyt.nn.parameter._rebuild_parameter": _pyt_rebuild_parameter,
        }
        for dtype_name, storage_name in _STORAGE_NAMES.items():
            g["torch." + dtype_name] = getattr(pyt, dtype_name)
            for module in ("torch", "torch.cuda"):
                g[f"{module}.{storage_name}"] = _StorageType(storage_name, dtype_name)
        for storage_name, dtype_name in _MISSING_STORAGES.items():
            for module in ("torch", "torch.cuda"):
                g[f"{module}.{storage_name}"] = _StorageType(storage_name, dtype_name, True)
        for dtype_name in _MISSING_DTYPES:
            g["torch." + dtype_name] = _MissingDtype(dtype_name)
        return g

    def release(self):
        self._resolved = self._builtin_globals = self._load_storage = None
        self._storages = self._storage_dtypes = self._callable_ids = None
        self.memo = {}
        if isinstance(getattr(self, "stack", None), list):    # the pure-Python unpickler
            self.stack, self.metastack = [], []

    def find_class(self, module, name):
        if module in ("__builtin__", "copy_reg") or getattr(self, "proto", 3) < 3:
            module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        full = f"{module}.{name}"
        obj = self._resolved.get(full)
        if obj is not None:
            return obj
        if full in self._builtin_globals:
            obj = self._builtin_globals[full]
        else:
            with _safe_lock:
                obj = _user_safe_globals.get(full)
            if obj is None:
                if module == "torch" or module.startswith("torch."):
                    # never import torch; a torch object pyt has no counterpart for
                    raise pickle.UnpicklingError(
                        f"pyt.load: the checkpoint uses {full}, which pyt does not "
                        f"provide (register a replacement with pyt.serialization."
                        f"add_safe_globals([(obj, '{full}')]) if you have one)")
                if self.weights_only:
                    raise _refused_global(full)
                obj = super().find_class(module, name)
        self._resolved[full] = obj
        if callable(obj):
            self._callable_ids.add(id(obj))
        return obj

    def persistent_load(self, pid):
        if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
                or not isinstance(pid[1], _StorageType) or not isinstance(pid[2], str)
                or not isinstance(pid[3], str) or type(pid[4]) is not int or pid[4] < 0):
            raise pickle.UnpicklingError(f"pyt.load: unsupported persistent id {pid!r:.200}")
        _, stype, key, location, numel = pid
        if stype.missing:
            raise _missing_dtype_error(stype.dtype_name)
        itemsize = 1 if stype.dtype_name is None else getattr(pyt, stype.dtype_name).itemsize
        storage = self._load_storage(key, numel * itemsize, location)
        if id(storage) not in self._storage_dtypes:
            self._storages.append(storage)
        self._storage_dtypes[id(storage)] = stype.dtype_name
        return storage

    # -- rebuild functions the pickle calls -------------------------------------------

    def _tensor_over(self, storage, dt, offset, size, stride):
        if not isinstance(storage, _Storage) or id(storage) not in self._storage_dtypes:
            raise pickle.UnpicklingError("pyt.load: a tensor's storage is not a storage "
                                         "record of this checkpoint")
        if (type(offset) is not int or not isinstance(size, tuple)
                or not isinstance(stride, tuple) or len(size) != len(stride)
                or any(type(v) is not int for v in size + stride)):
            raise pickle.UnpicklingError(
                f"pyt.load: malformed tensor geometry (offset {offset!r:.50}, size "
                f"{size!r:.100}, stride {stride!r:.100})")
        if offset < 0 or any(v < 0 for v in size + stride):
            raise RuntimeError(f"pyt.load: tensor with negative offset, size or stride "
                               f"(offset {offset}, size {size}, stride {stride})")
        itemsize = dt.itemsize
        available = storage.nbytes() // itemsize
        if all(size):
            needed = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
        else:
            needed = 0
        if needed > available:
            raise RuntimeError(
                f"pyt.load: a tensor (storage offset {offset}, size {list(size)}, stride "
                f"{list(stride)}) reaches element {needed - 1} of a {dt} storage of "
                f"{available} elements: the checkpoint is corrupt")
        return pyt.empty(0, dtype=dt, device=storage.device).set_(storage, offset, size, stride)

    def _rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad,
                           backward_hooks=None, metadata=None):
        name = self._storage_dtypes.get(id(storage))
        dt = getattr(pyt, name) if name is not None else pyt.uint8
        t = self._tensor_over(storage, dt, storage_offset, size, stride)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def _rebuild_tensor_v3(self, storage, storage_offset, size, stride, requires_grad,
                           backward_hooks, dt, metadata=None):
        if isinstance(dt, _MissingDtype):
            raise _missing_dtype_error(dt.name)
        if not isinstance(dt, _dtype):
            raise pickle.UnpicklingError(f"pyt.load: {dt!r:.100} is not a dtype")
        t = self._tensor_over(storage, dt, storage_offset, size, stride)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def _rebuild_parameter(self, data, requires_grad, backward_hooks=None):
        from pyt.nn.parameter import Parameter
        if not isinstance(data, Tensor):
            raise pickle.UnpicklingError("pyt.load: a Parameter's data is not a tensor")
        return Parameter(data, bool(requires_grad))

    def _rebuild_parameter_with_state(self, data, requires_grad, backward_hooks, state):
        p = self._rebuild_parameter(data, requires_grad)
        if isinstance(state, tuple) and len(state) == 2:       # (dict state, slots state)
            dict_state, slots_state = state
            state = {**(dict_state or {}), **(slots_state or {})}
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("pyt.load: a Parameter's state is not a dict")
        for k, v in state.items():
            setattr(p, k, v)
        return p


def _pyt_rebuild_tensor(dtype_name, shape, data, requires_grad):
    """pyt's own tensor pickles (pickle.dumps of a tensor), checked before allocating."""
    from pyt._ext.tensor import _rebuild_tensor
    dt = getattr(pyt, dtype_name, None) if isinstance(dtype_name, str) else None
    if (not isinstance(dt, _dtype) or not isinstance(shape, tuple)
            or not isinstance(data, bytes) or any(type(n) is not int or n < 0 for n in shape)):
        raise pickle.UnpicklingError("pyt.load: malformed pyt tensor pickle")
    numel = 1
    for n in shape:
        numel *= n
    if numel * dt.itemsize != len(data):
        raise RuntimeError("pyt.load: corrupt tensor pickle: data size does not match its "
                           "shape")
    return _rebuild_tensor(dtype_name, shape, data, requires_grad)


def _pyt_rebuild_parameter(cls, data, requires_grad, state):
    from pyt.nn.parameter import Parameter, _rebuild_parameter
    if not (isinstance(cls, type) and issubclass(cls, Parameter)):
        raise pickle.UnpicklingError("pyt.load: malformed Parameter pickle")
    return _rebuild_parameter(cls, data, requires_grad, state)


def _bytes_args(args, what):
    # bytes(n) / bytearray(n) would allocate n bytes: only the text forms pickles use
    if args and not isinstance(args[0], (str, bytes, bytearray)):
        raise pickle.UnpicklingError(f"pyt.load: unsupported {what} call")
    return args


def _safe_bytes(*args):
    return bytes(*_bytes_args(args, "bytes"))


def _safe_bytearray(*args):
    return bytearray(*_bytes_args(args, "bytearray"))


def _codecs_encode(obj, encoding="utf-8", errors="strict"):
    # what protocol-2 pickles use for bytes: only latin1 text is ever needed
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise pickle.UnpicklingError("pyt.load: unsupported _codecs.encode call")
    return obj.encode(encoding, errors)


class _WeightsOnlyUnpickler(_LoaderMixin, pickle._Unpickler):
    """The pure-Python unpickler, so the opcodes that call objects can be checked too:
    REDUCE, NEWOBJ, OBJ, INST and BUILD act only on allow-listed globals."""

    weights_only = True
    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, **kwargs):
        super().__init__(file, **kwargs)
        file.seek(0, os.SEEK_END)
        self.pickle_size = file.tell()
        file.seek(0)

    def _check_callable(self, func, opcode):
        if id(func) not in self._callable_ids:
            raise _refused(f"Unsupported operation: {opcode} calls {func!r:.100}, which is "
                           f"not an allow-listed global")

    def load_reduce(self):
        self._check_callable(self.stack[-2], "REDUCE")
        pickle._Unpickler.load_reduce(self)
    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_newobj(self):
        self._check_callable(self.stack[-2], "NEWOBJ")
        pickle._Unpickler.load_newobj(self)
    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self):
        self._check_callable(self.stack[-3], "NEWOBJ_EX")
        pickle._Unpickler.load_newobj_ex(self)
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def load_obj(self):
        # the class is the first item after the mark
        args = self.pop_mark()
        if not args:
            raise pickle.UnpicklingError("pyt.load: OBJ without a class")
        self._check_callable(args[0], "OBJ")
        self._instantiate(args[0], args[1:])
    dispatch[pickle.OBJ[0]] = load_obj

    def load_bytearray8(self):
        # the pure unpickler allocates the announced length before reading it
        size, = struct.unpack("<Q", self.read(8))
        if size > self.pickle_size:
            raise pickle.UnpicklingError("pyt.load: BYTEARRAY8 longer than the pickle")
        self.append(bytearray(self.read(size)))
    dispatch[pickle.BYTEARRAY8[0]] = load_bytearray8

    def load_build(self):
        inst = self.stack[-2]
        if type(inst) is not collections.OrderedDict and id(type(inst)) not in \
                self._callable_ids:
            raise _refused(f"Unsupported operation: BUILD of a {type(inst).__name__} "
                           f"object, which is not an allow-listed type")
        state = self.stack[-1]
        if type(inst) is collections.OrderedDict:
            # a state dict's _metadata: plain attribute state only
            if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
                raise pickle.UnpicklingError("pyt.load: unsupported OrderedDict state")
            self.stack.pop()
            inst.__dict__.update(state)
            return
        pickle._Unpickler.load_build(self)
    dispatch[pickle.BUILD[0]] = load_build


def _trusting_unpickler(pickle_module):
    base = pickle_module.Unpickler if pickle_module is not None else pickle.Unpickler
    return type("_TrustingUnpickler", (_LoaderMixin, base), {"weights_only": False})


# -- the archive ---------------------------------------------------------------------

_LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."


class _Archive:
    """A checkpoint zip opened for reading: validated records, the pickle, raw storage
    reads (CRC-checked) or views of a memory map."""

    def __init__(self, fileobj, description, mapped=None):
        self._f = fileobj
        self._desc = description
        self._map = mapped
        fileobj.seek(0, os.SEEK_END)
        self._size = fileobj.tell()
        fileobj.seek(0)
        head = fileobj.read(len(_LEGACY_MAGIC))
        fileobj.seek(0)
        try:
            self._zip = zipfile.ZipFile(fileobj)
        except Exception as e:
            if isinstance(e, MemoryError):
                raise
            if head == _LEGACY_MAGIC:
                raise RuntimeError(f"pyt.load: {description} is in PyTorch's legacy (pre-1.6, "
                                   f"non-zip) format, which pyt does not support; re-save it "
                                   f"with a current torch.save") from None
            raise RuntimeError(f"pyt.load: {description} is not a valid checkpoint: failed "
                               f"reading zip archive ({e})") from None
        names = self._zip.namelist()
        pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pkls:
            if any(n.endswith("constants.pkl") for n in names):
                raise RuntimeError(f"pyt.load: {description} is a TorchScript archive, "
                                   f"which pyt does not support")
            raise RuntimeError(f"pyt.load: {description} is not a checkpoint: the zip "
                               f"archive has no <archive>/data.pkl record")
        self.prefix = pkls[0][:-len("data.pkl")]
        for info in self._zip.infolist():
            self._check_info(info)

    def _check_info(self, info):
        end = info.header_offset + 30 + len(info.orig_filename.encode("utf-8")) + \
            info.compress_size
        if info.header_offset < 0 or end > self._size:
            raise RuntimeError(f"pyt.load: {self._desc} is truncated or corrupt: record "
                               f"{info.filename} lies past the end of the file")
        if info.flag_bits & 0x1:
            raise RuntimeError(f"pyt.load: {self._desc}: record {info.filename} is "
                               f"encrypted, which checkpoints never are")
        if info.compress_type not in (0, 8):
            raise RuntimeError(f"pyt.load: {self._desc}: record {info.filename} uses "
                               f"unsupported compression method {info.compress_type}")
        if info.compress_type == 8 and info.file_size > 1100 * info.compress_size + 1024:
            raise RuntimeError(f"pyt.load: {self._desc}: record {info.filename} has "
                               f"an impossible compressed size")

    def _info(self, name):
        try:
            return self._zip.getinfo(self.prefix + name)
        except KeyError:
            return None

    def read(self, name):
        """A small record's bytes (zipfile checks its CRC), or None if absent."""
        info = self._info(name)
        if info is None:
            return None
        try:
            return self._zip.read(info)
        except Exception as e:
            if isinstance(e, MemoryError):
                raise
            raise RuntimeError(f"pyt.load: {self._desc} is corrupt: reading record "
                               f"{info.filename} failed ({e})") from None

    def _data_offset(self, info):
        self._f.seek(info.header_offset)
        header = self._f.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise RuntimeError(f"pyt.load: {self._desc} is corrupt: bad local header for "
                               f"record {info.filename}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        name = self._f.read(name_len)
        if name != info.orig_filename.encode("utf-8"):
            raise RuntimeError(f"pyt.load: {self._desc} is corrupt: record {info.filename}'s "
                               f"local header names {name!r:.80}")
        start = info.header_offset + 30 + name_len + extra_len
        if start + info.compress_size > self._size:
            raise RuntimeError(f"pyt.load: {self._desc} is truncated: record "
                               f"{info.filename} lies past the end of the file")
        return start

    def storage(self, key, nbytes):
        """The record data/<key> as a new storage of exactly ``nbytes`` bytes."""
        name = f"data/{key}"
        info = self._info(name)
        if info is None:
            raise RuntimeError(f"pyt.load: {self._desc} is corrupt or truncated: storage "
                               f"record {self.prefix}{name} is missing")
        if info.file_size != nbytes:
            raise RuntimeError(f"pyt.load: {self._desc} is corrupt: storage record "
                               f"{info.filename} holds {info.file_size} bytes, the pickle "
                               f"expects {nbytes}")
        if info.compress_type != 0:
            data = self.read(name)
            if len(data) != nbytes:
                raise RuntimeError(f"pyt.load: {self._desc} is corrupt: record "
                                   f"{info.filename} is short")
            storage = _new_storage(nbytes)
            memoryview(storage)[:] = data
            return storage
        if info.compress_size != nbytes:
            raise RuntimeError(f"pyt.load: {self._desc} is corrupt: stored record "
                               f"{info.filename} has {info.compress_size} bytes on disk, "
                               f"{nbytes} expected")
        start = self._data_offset(info)
        if self._map is not None and start % _ALIGNMENT == 0:
            # a private copy-on-write view of the file: no read, writes stay in memory
            return _keep_mapped(
                _Storage.from_buffer(memoryview(self._map)[start:start + nbytes]))
        # read straight into memory pyt owns (no intermediate copy)
        storage = _new_storage(nbytes)
        view = memoryview(storage)
        self._f.seek(start)
        got = 0
        while got < nbytes:
            n = self._f.readinto(view[got:])
            if not n:
                raise RuntimeError(f"pyt.load: {self._desc} is truncated: record "
                                   f"{info.filename} is short")
            got += n
        if zlib.crc32(view) != info.CRC:
            raise RuntimeError(f"pyt.load: {self._desc} is corrupt: CRC-32 mismatch in "
                               f"record {info.filename}")
        return storage


# Storages over a memory map are kept in this registry until nothing else refers to them.
# A Storage that wraps foreign memory must never be emptied by the cycle collector: its
# tp_clear drops the owner first and its dealloc then frees the mapping as if pyt had
# allocated it (a crash). Held here, such a storage is never part of cyclic garbage; once
# the registry holds its only reference (checked after each collection) it is dropped and
# freed by reference counting, which is safe.
_mapped = {}


def _refcounts(registry):
    return [(key, sys.getrefcount(obj)) for key, obj in registry.items()]


_ONLY_REGISTRY = _refcounts({0: object()})[0][1]


_pruning = False          # no pruning from a collection that starts while we prune


def _prune_mapped(phase="stop", info=None):
    global _pruning
    if phase != "stop" or _pruning:
        return
    _pruning = True
    try:
        for key, count in _refcounts(_mapped):
            if count <= _ONLY_REGISTRY:
                del _mapped[key]
    finally:
        _pruning = False


def _keep_mapped(storage):
    global _pruning
    if _prune_mapped not in gc.callbacks:
        gc.callbacks.append(_prune_mapped)
    _prune_mapped()
    _pruning = True
    try:
        _mapped[id(storage)] = storage
    finally:
        _pruning = False
    return storage


def _new_storage(nbytes):
    """A storage of nbytes bytes that pyt allocated (and frees)."""
    return pyt.empty(nbytes, dtype=pyt.uint8).untyped_storage()


def _byteswapped(storage, itemsize):
    import array
    code = {2: "H", 4: "I", 8: "Q"}[itemsize]
    arr = array.array(code)
    arr.frombytes(bytes(memoryview(storage)))
    arr.byteswap()
    return arr


_CUDA_MISSING = (
    "Attempting to deserialize object on a CUDA device but pyt.cuda.is_available() is "
    "False. If you are running on a CPU-only machine, please use pyt.load with "
    "map_location=pyt.device('cpu') to map your storages to the CPU.")


def _cuda_available():
    cuda = getattr(pyt, "cuda", None)
    return cuda is not None and cuda.is_available()


def _restore_location(storage, location):
    """The storage moved to the device ``location`` names (only the CPU here)."""
    if location == "cpu":
        return storage
    if location.startswith("cuda"):
        if not _cuda_available():
            raise RuntimeError(_CUDA_MISSING)
        from pyt._ext.tensor import _storage_to
        return _storage_to(storage, location)
    raise RuntimeError(f"don't know how to restore data location of pyt.UntypedStorage "
                       f"(tagged with {location})")


def _location_mapper(map_location):
    """A function (storage, location) -> storage from load's map_location argument."""
    if map_location is None:
        return _restore_location
    if isinstance(map_location, (str, _device)):
        target = str(map_location)
        return lambda storage, location: _restore_location(storage, target)
    if isinstance(map_location, dict):
        mapping = {str(k): str(v) for k, v in map_location.items()}
        return lambda storage, location: _restore_location(
            storage, mapping.get(location, location))
    if callable(map_location):
        def mapped(storage, location):
            result = map_location(storage, location)
            if result is None:
                return _restore_location(storage, location)
            if isinstance(result, Tensor):
                result = result.untyped_storage()
            if not isinstance(result, _Storage):
                raise TypeError(f"pyt.load: map_location returned a "
                                f"{type(result).__name__}, expected a storage or None")
            if result.nbytes() < storage.nbytes():
                raise RuntimeError("pyt.load: map_location returned a smaller storage")
            return result
        return mapped
    raise TypeError(f"pyt.load: map_location should be None, a str, a device, a dict or a "
                    f"callable, not {type(map_location).__name__}")


def _describe(f):
    if isinstance(f, (str, os.PathLike)):
        return f"'{os.fspath(f)}'"
    return "the file"


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with ``pyt.save`` or ``torch.save`` from ``f`` (a path or a
    seekable binary file object).

    weights_only (default True unless ``pickle_module`` is given): unpickle only tensors,
    dtypes, devices, sizes, containers and primitive values, plus the globals allowed with
    :func:`add_safe_globals`; anything else raises ``pickle.UnpicklingError``. Pass
    ``weights_only=False`` only for files you trust: unpickling can run arbitrary code.
    map_location: None, a device or str, a dict {saved location: new location}, or a
    callable(storage, location) returning a storage (or None for the default).
    mmap: map the storages from the file (copy-on-write) instead of reading them.
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    if "encoding" not in pickle_load_args:
        pickle_load_args["encoding"] = "utf-8"
    restore = _location_mapper(map_location)
    description = _describe(f)
    with contextlib.ExitStack() as stack:
        mapped = None
        if isinstance(f, (str, os.PathLike)):
            fileobj = stack.enter_context(open(f, "rb"))
            if mmap:
                size = os.fstat(fileobj.fileno()).st_size
                if size > 0:
                    mapped = _mmap.mmap(fileobj.fileno(), 0, access=_mmap.ACCESS_COPY)
                    stack.callback(_close_unless_used, mapped)
        else:
            if mmap:
                raise ValueError("f must be a file path in order to use the mmap argument")
            fileobj = f
            if not (hasattr(fileobj, "seekable") and fileobj.seekable()):
                fileobj = io.BytesIO(fileobj.read())
        archive = _Archive(fileobj, description, mapped)
        result = _load_from(archive, restore, weights_only, pickle_module, pickle_load_args)
        if mapped is not None and os.fstat(fileobj.fileno()).st_size < len(mapped):
            # pages of the map past the new end of the file raise SIGBUS when touched:
            # refuse to hand out tensors over them
            raise RuntimeError(f"pyt.load: {description} was truncated while it was "
                               f"being loaded with mmap=True")
        return result


def _close_unless_used(mapped):
    # storages over the map keep it open (they hold views of it); otherwise unmap now
    with contextlib.suppress(BufferError):
        mapped.close()


def _load_from(archive, restore, weights_only, pickle_module, pickle_load_args):
    byteorder = archive.read("byteorder")
    if byteorder not in (None, b"little", b"big"):
        raise RuntimeError(f"pyt.load: unknown byteorder record {byteorder!r:.40}")
    data_pkl = archive.read("data.pkl")
    loaded = {}                        # key -> storage (views of one storage stay views)

    def load_storage(key, nbytes, location):
        storage = loaded.get(key)
        if storage is None:
            storage = archive.storage(key, nbytes)
            storage = restore(storage, location)
            loaded[key] = storage
        elif storage.nbytes() < nbytes:
            raise RuntimeError(f"pyt.load: storage record {key} is used with different "
                               f"sizes")
        return storage

    if weights_only:
        unpickler = _WeightsOnlyUnpickler(io.BytesIO(data_pkl), **pickle_load_args)
    else:
        unpickler = _trusting_unpickler(pickle_module)(io.BytesIO(data_pkl),
                                                       **pickle_load_args)
    unpickler._init_loader(load_storage)
    try:
        result = unpickler.load()
        if byteorder == b"big":
            _swap_loaded(unpickler)
        return result
    except (RuntimeError, pickle.UnpicklingError, MemoryError):
        raise
    except Exception as e:
        raise pickle.UnpicklingError(f"pyt.load: the checkpoint's pickle is corrupt "
                                     f"({type(e).__name__}: {e})") from e
    finally:
        # The unpickler refers to itself (its rebuild functions are bound methods): drop
        # its state now, so no loaded object waits for the cycle collector.
        unpickler.release()


def _swap_loaded(unpickler):
    """Big-endian checkpoints: convert every multi-byte storage to little-endian in place."""
    for storage in unpickler._storages:
        name = unpickler._storage_dtypes.get(id(storage))
        itemsize = 1 if name is None else getattr(pyt, name).itemsize
        if itemsize > 1:
            swapped = _byteswapped(storage, itemsize)
            memoryview(storage)[:] = memoryview(swapped).cast("B")


def get_unsafe_globals_in_checkpoint(f):
    """The names of the globals in checkpoint ``f`` that ``weights_only=True`` would refuse
    (without unpickling anything)."""
    import pickletools
    with contextlib.ExitStack() as stack:
        fileobj = stack.enter_context(open(f, "rb")) if isinstance(
            f, (str, os.PathLike)) else f
        archive = _Archive(fileobj, _describe(f))
        data_pkl = archive.read("data.pkl")
    probe = _WeightsOnlyUnpickler(io.BytesIO(b""))
    probe._init_loader(None)
    allowed = set(probe._builtin_globals)
    with _safe_lock:
        allowed |= set(_user_safe_globals)
    unsafe, strings = [], []
    for opcode, arg, _ in pickletools.genops(data_pkl):
        if opcode.name in ("GLOBAL", "INST"):
            module, name = arg.split(" ", 1)
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            module, name = strings[-2], strings[-1]
        else:
            if isinstance(arg, str):
                strings.append(arg)
            continue
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        full = f"{module}.{name}"
        if full not in allowed and full not in unsafe:
            unsafe.append(full)
    return unsafe
