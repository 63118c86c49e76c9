/* unpool.cuh's index math run on the host as unpool.cu's two passes run it on the GPU,
   visiting the elements in a given (shuffled) order, as racing threads would, for
   test_unpool_on_host.py. */
#include <vector>
#include "unpool.cuh"

extern "C" {
/* dst (zeros) gets the unpooled values; returns the first bad position, or -1 */
int64_t host_unpool(const double *src, const int64_t *idx, double *dst, int64_t planes,
                    int64_t src_len, int64_t dst_len, const int64_t *order)
{
    const int64_t n = planes * src_len;
    std::vector<long long> win(planes * dst_len, -1);
    int64_t bad = -1;
    for (int64_t k = 0; k < n; k++) {                   /* pass 1: check and claim */
        const int64_t e = order[k];
        const int64_t at = unpool_slot(idx, e, src_len, dst_len);
        if (at < 0) {
            if (bad < 0 || e < bad) bad = e;
        } else if (unpool_claim(e, src_len) > win[at]) {
            win[at] = unpool_claim(e, src_len);
        }
    }
    if (bad >= 0) return bad;
    for (int64_t k = n - 1; k >= 0; k--) {              /* pass 2: the claimed values */
        const int64_t e = order[k];
        const int64_t at = unpool_slot(idx, e, src_len, dst_len);
        if (at >= 0 && win[at] == unpool_claim(e, src_len)) dst[at] = src[e];
    }
    return -1;
}
}
