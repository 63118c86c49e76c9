/* cuda_src/random.cu's per-block function run on the host, for test_kernels_on_host.py to
   compare with philox.pyx's fill() through ctypes. */
#include "random.cu"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void) { return 0; }

extern "C" void host_random_fill(const pyt_cuda_random_spec *spec, char *out, int code,
                                 int64_t n, uint64_t seed, uint64_t first_block)
{
    int per = pyt_cu_values_per_block(spec->kind, code);
    double log_q = spec->kind == PYT_RNG_GEOMETRIC ? log1p(-spec->a) : 0.0;
    for (int64_t b = 0; b * per < n; b++) {
        int64_t first = b * per;
        int count = n - first < per ? (int)(n - first) : per;
        pyt_cu_random_block(*spec, out, code, first, count, seed, first_block, log_q);
    }
}
