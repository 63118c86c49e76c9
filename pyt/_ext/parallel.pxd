# The thread count every kernel reads, and the grain below which kernels stay serial.

cdef int num_threads() noexcept nogil
