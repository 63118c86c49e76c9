# pyt._ext.cuda for other Cython modules. The C API itself is declared once, in
# cuda_api.pxd.
from pyt._ext.cuda_api cimport *

# Raises for a nonzero code of pyt_cuda.h: OutOfMemoryError (with the allocator's
# message) for PYT_CUDA_ERR_OOM, RuntimeError("CUDA error: ...") otherwise. Returns 0.
cdef int check_cuda(int err) except -1
