"""DLPack helpers under torch.utils.dlpack's names.

Prefer ``pyt.from_dlpack(obj)`` on any object with ``__dlpack__``; the capsule functions
here are the older, explicit style of exchange.
"""
import enum

from pyt._ext.tensor import Tensor, from_dlpack

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    """Device type codes of the DLPack specification."""
    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16


def to_dlpack(tensor):
    """A legacy "dltensor" capsule sharing ``tensor``'s memory.

    Give it to exactly one ``from_dlpack`` (pyt's, torch's, NumPy's...); a capsule that
    nobody consumes frees its hold on the memory when it is garbage collected.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack: expected a Tensor, got {type(tensor).__name__}")
    return tensor.__dlpack__()
