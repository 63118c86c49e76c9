/* The CPU's tables (pyt_math.h, pyt_binary.h, pyt_cast.h), called on contiguous arrays
   by check_ops.cu. */
#include "pyt_math.h"
#include "pyt_cast.h"

int cpu_pointwise(int family, int op, int dtype, char **ptrs, int nops, const int *sizes,
                  long n, void *ctx)
{
    pyt_inner_loop f = NULL;
    Py_ssize_t s[4];
    for (int k = 0; k < nops; k++) s[k] = sizes[k];
    switch (family) {
    case 0: f = pyt_arith_table[op][dtype]; break;
    case 1: f = pyt_cmp_table[op][dtype]; break;
    case 2: f = pyt_unary_table[op][dtype]; break;
    case 3: f = pyt_math_binary_table[op][dtype]; break;
    case 4: f = pyt_ternary_table[op][dtype]; break;
    }
    if (!f) return -1;
    f(ptrs, s, n, ctx);
    return 0;
}

int cpu_cast(int dst, int src, char *d, const char *s, long n, int dsize, int ssize)
{
    char *p[2] = {d, (char *)s};
    Py_ssize_t st[2] = {dsize, ssize};
    pyt_cast_table[dst][src](p, st, n, NULL);
    return 0;
}

unsigned short cpu_f2h(float f) { return pyt_float_to_half(f); }
float cpu_h2f(unsigned short h) { return pyt_half_to_float(h); }
