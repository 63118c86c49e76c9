/* im2col.cuh's per-thread functions run on the host over every (sample, channel,
   position), as conv.cu's kernels run them, for test_im2col_on_host.py. */
#include "im2col.cuh"

template <typename I, int K>
static void walk(bool to_columns, double *im, double *col, const ConvGeom &g, int64_t batch,
                 int64_t im_stride, int64_t col_stride, int64_t ldcol)
{
    const ConvDividers<I> D(g);
    const int64_t plane = g.size[0] * g.size[1] * g.size[2];
    const int64_t L = g.out[0] * g.out[1] * g.out[2], kvol = g.k[0] * g.k[1] * g.k[2];
    for (int64_t b = 0; b < batch; b++)
        for (int64_t c = 0; c < g.channels; c++) {
            double *src_im = im + b * im_stride + c * plane;
            double *src_col = col + b * col_stride + c * kvol * ldcol;
            if (to_columns)
                for (I o = 0; o < (I)L; o++)
                    im2col_taps<double, I, K>(src_im, src_col, g, D, o, ldcol);
            else
                for (I p = 0; p < (I)plane; p++)
                    src_im[p] = col2im_gather<double, double, I, K>(src_col, g, D, p, ldcol);
        }
}

extern "C" {
/* whether the geometry takes the 32-bit path (conv_fits_int32) */
int host_fits_int32(const int64_t *geom) { return conv_fits_int32(conv_geom(geom)); }

/* im2col (to_columns) or col2im over the whole batch: in 32-bit indices when use32 and the
   geometry fits, with the K x K kernel fixed when compiling when K is 1, 3 or 5 (the
   caller passes K = 0 or the geometry's k[1] == k[2]), as conv.cu dispatches */
void host_im2col(int to_columns, int use32, int K, double *im, double *col,
                 const int64_t *geom, int64_t batch, int64_t im_stride, int64_t col_stride,
                 int64_t ldcol)
{
    const ConvGeom g = conv_geom(geom);
    if (!use32 || !conv_fits_int32(g))
        walk<int64_t, 0>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol);
    else if (K == 1)
        walk<int32_t, 1>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol);
    else if (K == 3)
        walk<int32_t, 3>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol);
    else if (K == 5)
        walk<int32_t, 5>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol);
    else
        walk<int32_t, 0>(to_columns, im, col, g, batch, im_stride, col_stride, ldcol);
}

/* Divider<int32_t>(d).div(n) == n / d for the pairs given; returns the first bad index */
int64_t host_divider_check(const int64_t *d, const int64_t *n, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        if (Divider<int32_t>(d[i]).div((int32_t)n[i]) != n[i] / d[i]) return i;
    return -1;
}
}
