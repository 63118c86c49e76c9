/* Inner loops for flip. They move elements as pyt_move_loop does, with a fast path
   for the one case the plain strided loop handles badly: a row read backwards
   (source stride -itemsize) into contiguous memory, the innermost dim of a flip.
   Written as an indexed loop, compilers vectorise it with a shuffle. */
#ifndef PYT_REVERSE_H
#define PYT_REVERSE_H
#include "pyt_cast.h"

#define PYT_REVERSE_FN(T, NAME)                                                    \
    static void pyt_reverse_##NAME(char **p, const Py_ssize_t *s, Py_ssize_t n,    \
                                   void *ctx)                                      \
    {                                                                              \
        if (s[0] == (Py_ssize_t)sizeof(T) && s[1] == -(Py_ssize_t)sizeof(T)) {     \
            T *d = (T *)p[0];                                                      \
            const T *src = (const T *)p[1];                                        \
            for (Py_ssize_t i = 0; i < n; i++) d[i] = src[-i];                     \
        } else {                                                                   \
            pyt_move_##NAME(p, s, n, ctx);                                         \
        }                                                                          \
    }
PYT_REVERSE_FN(uint8_t, 1) PYT_REVERSE_FN(uint16_t, 2) PYT_REVERSE_FN(uint32_t, 4)
PYT_REVERSE_FN(uint64_t, 8)

static inline pyt_inner_loop pyt_reverse_loop(int itemsize)
{
    switch (itemsize) {
    case 1: return pyt_reverse_1;
    case 2: return pyt_reverse_2;
    case 4: return pyt_reverse_4;
    default: return pyt_reverse_8;
    }
}

#endif
