/* pointwise_ops.cuh's polygamma (and digamma, polygamma's n = 0) compiled for the host,
   for test_polygamma_on_host.py. */
#include "pointwise_ops.cuh"

extern "C" void host_polygamma(int n, const double *x, double *y, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        y[i] = n == 0 ? pyt_cu_digamma(x[i]) : pyt_cu_polygamma(n, x[i]);
}
