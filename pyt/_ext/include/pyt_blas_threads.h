/* Making the loaded OpenBLAS libraries single-threaded for a while.

   Kernels that call BLAS from inside an OpenMP region (one GEMM per sample, one sample
   per thread) need BLAS to run on the calling thread: a multi-threaded BLAS would wake
   its own worker threads and, on a machine with few cores, they and the OpenMP threads
   would spin against each other. scipy.linalg.cython_blas gives the GEMM but not the
   thread setting, so this finds every loaded OpenBLAS (SciPy's and NumPy's carry
   prefixed symbol names) and its set/get_num_threads. Without one, kernels keep BLAS
   out of their parallel regions instead. */
#ifndef PYT_BLAS_THREADS_H
#define PYT_BLAS_THREADS_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#define PYT_BLAS_MAX_LIBS 4

typedef void (*pyt_blas_set_fn)(int);
typedef int (*pyt_blas_get_fn)(void);

static pyt_blas_set_fn pyt_blas_setters[PYT_BLAS_MAX_LIBS];
static pyt_blas_get_fn pyt_blas_getters[PYT_BLAS_MAX_LIBS];
static int pyt_blas_nlibs = 0;

#if defined(__linux__)
#include <dlfcn.h>
#include <link.h>

static int pyt_blas_visit(struct dl_phdr_info *info, size_t size, void *data)
{
    static const char *names[][2] = {
        {"scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"},
        {"scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"},
        {"openblas_set_num_threads64_", "openblas_get_num_threads64_"},
        {"openblas_set_num_threads", "openblas_get_num_threads"},
    };
    (void)size; (void)data;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "openblas") == NULL ||
        pyt_blas_nlibs >= PYT_BLAS_MAX_LIBS)
        return 0;
    /* already loaded: this only takes a reference, which keeps the pointers valid */
    void *lib = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
    if (lib == NULL)
        return 0;
    for (int i = 0; i < 4; i++) {
        void *set = dlsym(lib, names[i][0]), *get = dlsym(lib, names[i][1]);
        if (set != NULL && get != NULL) {
            pyt_blas_setters[pyt_blas_nlibs] = (pyt_blas_set_fn)set;
            pyt_blas_getters[pyt_blas_nlibs] = (pyt_blas_get_fn)get;
            pyt_blas_nlibs++;
            return 0;
        }
    }
    dlclose(lib);
    return 0;
}

/* Finds the libraries; returns how many (call with the GIL held, once). */
static int pyt_blas_threads_init(void)
{
    pyt_blas_nlibs = 0;
    dl_iterate_phdr(pyt_blas_visit, NULL);
    return pyt_blas_nlibs;
}
#else
static int pyt_blas_threads_init(void) { return 0; }
#endif

/* Every found library to n threads. */
static inline void pyt_blas_set_all(int n)
{
    for (int i = 0; i < pyt_blas_nlibs; i++) pyt_blas_setters[i](n);
}

/* Every found library to one thread; saved[] gets their counts for the restore. */
static inline void pyt_blas_serial_begin(int *saved)
{
    for (int i = 0; i < pyt_blas_nlibs; i++) {
        saved[i] = pyt_blas_getters[i]();
        if (saved[i] != 1) pyt_blas_setters[i](1);
    }
}

static inline void pyt_blas_serial_end(const int *saved)
{
    for (int i = 0; i < pyt_blas_nlibs; i++)
        if (saved[i] != 1) pyt_blas_setters[i](saved[i]);
}

#endif
