"""Pickling tensors and storages between processes through shared memory.

Registered on multiprocessing's ForkingPickler (what Queue, Pipe and Process arguments
use): a storage is moved into shared memory (share_memory_, in place) and travels as a
duplicated file descriptor of its memfd; a tensor travels as its storage plus geometry.
The receiver maps the same memory, so writes on either side are seen by the other.
"""
import os
import weakref
from multiprocessing.reduction import DupFd, ForkingPickler

from pyt._ext.storage import Storage
from pyt._ext.tensor import Tensor, _tensor_over_storage

# Storages this process has shared or received, by the identity of their memfd: a
# storage that arrives twice (two messages, or sent back to where it came from) is
# rebuilt as the one storage it is, so tensors over it stay views of each other.
_storages = weakref.WeakValueDictionary()


def _memfd_key(fd):
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def reduce_storage(storage):
    fd, nbytes = storage._share_fd_cpu_()
    key = _memfd_key(fd)
    _storages[key] = storage
    return rebuild_storage_fd, (DupFd(fd), nbytes, key)


def rebuild_storage_fd(dupfd, nbytes, key):
    fd = dupfd.detach()
    known = _storages.get(key)
    if known is not None and known.nbytes() == nbytes:
        os.close(fd)
        return known
    storage = Storage._new_shared_fd_cpu(fd, nbytes)
    _storages[key] = storage
    return storage


def reduce_tensor(tensor):
    if tensor.requires_grad and not tensor.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
            "autograd does not support crossing process boundaries.  If you just want to "
            "transfer the data, call detach() on the tensor before serializing (e.g., "
            "putting it on the queue).")
    if tensor.is_cuda:
        raise RuntimeError("pyt.multiprocessing shares CPU tensors only")
    tensor.share_memory_()     # cheaper than the storage's own when no other tensor views it
    return rebuild_tensor, (type(tensor), tensor.untyped_storage(), tensor.dtype,
                            tensor.storage_offset(), tuple(tensor.size()), tensor.stride(),
                            tensor.requires_grad, dict(tensor.__dict__))


def rebuild_tensor(cls, storage, dtype, offset, size, stride, requires_grad, state):
    t = _tensor_over_storage(storage, dtype, offset, size, stride)
    if cls is not Tensor:
        from pyt.nn.parameter import Parameter
        if issubclass(cls, Parameter):
            t = cls(t, requires_grad)
        else:
            # a subclass instance over the same memory (what the Tensor.data setter does)
            obj = Tensor.__new__(cls)
            Tensor.data.__set__(obj, t)
            t = obj
    if requires_grad and not t.requires_grad:
        t.requires_grad_(True)
    if state:
        t.__dict__.update(state)
    return t


def init_reductions():
    """Registers the reducers (done when pyt.multiprocessing is imported)."""
    from pyt.nn.parameter import Parameter, Buffer
    ForkingPickler.register(Storage, reduce_storage)
    for cls in (Tensor, Parameter, Buffer):
        ForkingPickler.register(cls, reduce_tensor)
