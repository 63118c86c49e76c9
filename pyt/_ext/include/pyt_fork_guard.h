/* Keeping fork() out of BLAS calls that other threads are running.

   OpenBLAS's pthread_atfork prepare handler shuts its thread pool down: a GEMM that
   another thread is running on that pool then never returns (and the fork may hang
   too). pyt's own prepare handler, registered after OpenBLAS has loaded, runs before
   OpenBLAS's (prepare handlers run in reverse order of registration): it waits until no
   pyt GEMM is in flight and holds new ones back until the fork is done. Each extension
   module that includes this has its own lock, guarding its own calls. */
#ifndef PYT_FORK_GUARD_H
#define PYT_FORK_GUARD_H
#include <pthread.h>

static pthread_rwlock_t pyt_fork_guard_lock = PTHREAD_RWLOCK_INITIALIZER;
static int pyt_fork_guard_installed = 0;

static void pyt_fork_guard_prepare(void) { pthread_rwlock_wrlock(&pyt_fork_guard_lock); }
static void pyt_fork_guard_parent(void) { pthread_rwlock_unlock(&pyt_fork_guard_lock); }
static void pyt_fork_guard_child(void)
{
    /* the child has only the forking thread, which holds the lock: start afresh */
    pthread_rwlock_t fresh = PTHREAD_RWLOCK_INITIALIZER;
    pyt_fork_guard_lock = fresh;
}

/* Call with the GIL held, once the BLAS libraries are loaded. */
static void pyt_fork_guard_install(void)
{
    if (!pyt_fork_guard_installed) {
        pthread_atfork(pyt_fork_guard_prepare, pyt_fork_guard_parent, pyt_fork_guard_child);
        pyt_fork_guard_installed = 1;
    }
}

/* Around each BLAS call (shared: many threads may be inside at once). */
static inline void pyt_blas_enter(void) { pthread_rwlock_rdlock(&pyt_fork_guard_lock); }
static inline void pyt_blas_exit(void) { pthread_rwlock_unlock(&pyt_fork_guard_lock); }

#endif
