/* resample.cuh's index math run on the host over whole tensors, as the kernels of
   resample.cu run it on the GPU (one call per element), for test_resample_on_host.py. */
#include <vector>
#include "resample.cuh"

template <typename T>
static void pad_grad(const T *g, T *gi, int64_t planes, const int64_t *size, const int64_t *out,
                     const int64_t *maps)
{
    PadGeom geom = {planes, {size[0], size[1], size[2]}, {out[0], out[1], out[2]}};
    const int64_t nptr = size[0] + size[1] + size[2] + 3;
    std::vector<int64_t> table(nptr + out[0] + out[1] + out[2]);
    pad_invert(geom, maps, table.data(), table.data() + nptr);
    const int64_t n = planes * size[0] * size[1] * size[2];
    for (int64_t e = 0; e < n; e++) gi[e] = pad_grad_element(e, geom, g, table.data(), table.data() + nptr);
}

template <typename T>
static void resample(int adjoint, const T *x, T *y, int64_t outer, int64_t n_in, int64_t n_out,
                     int64_t inner, int64_t ntaps, const int64_t *idx, const double *w)
{
    ResampleGeom g = {outer, n_in, n_out, inner, ntaps};
    if (!adjoint) {
        for (int64_t e = 0; e < outer * n_out * inner; e++) y[e] = resample_element(e, g, x, idx, w);
        return;
    }
    std::vector<int64_t> ptr(n_in + 1), lst(n_out * ntaps);
    resample_invert(g, idx, ptr.data(), lst.data());
    for (int64_t e = 0; e < outer * n_in * inner; e++)
        y[e] = resample_adjoint_element(e, g, x, ptr.data(), lst.data(), w);
}

extern "C" {
void host_pad_gather(const double *x, double *y, int64_t planes, const int64_t *size,
                     const int64_t *out, const int64_t *maps)
{
    PadGeom g = {planes, {size[0], size[1], size[2]}, {out[0], out[1], out[2]}};
    for (int64_t e = 0; e < planes * out[0] * out[1] * out[2]; e++) y[e] = x[pad_source(e, g, maps)];
}
void host_pad_grad_f(const float *g, float *gi, int64_t planes, const int64_t *size,
                     const int64_t *out, const int64_t *maps)
{
    pad_grad(g, gi, planes, size, out, maps);
}
void host_pad_grad_d(const double *g, double *gi, int64_t planes, const int64_t *size,
                     const int64_t *out, const int64_t *maps)
{
    pad_grad(g, gi, planes, size, out, maps);
}
void host_resample_f(int adjoint, const float *x, float *y, int64_t outer, int64_t n_in,
                     int64_t n_out, int64_t inner, int64_t ntaps, const int64_t *idx, const double *w)
{
    resample(adjoint, x, y, outer, n_in, n_out, inner, ntaps, idx, w);
}
void host_resample_d(int adjoint, const double *x, double *y, int64_t outer, int64_t n_in,
                     int64_t n_out, int64_t inner, int64_t ntaps, const int64_t *idx, const double *w)
{
    resample(adjoint, x, y, outer, n_in, n_out, inner, ntaps, idx, w);
}
}
