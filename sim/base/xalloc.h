/*
 * xalloc.h — the one allocation policy of sim/ and models/: an allocation never
 * returns NULL; out of memory prints "dsim: out of memory (...)" on stderr and
 * aborts (Redis's zmalloc does the same). Every allocation in sim/ and models/
 * goes through these, and so does jansson's (sim/cli/main.c hands it
 * sim_xmalloc). It lives in dsim_base, which every room of sim/ and models/
 * link. (The core, dispatcher/, links nothing: it takes an allocator from its
 * caller and returns DISP_ENOMEM when it refuses.)
 */
#ifndef DSIM_XALLOC_H
#define DSIM_XALLOC_H

#include <stddef.h>

void *sim_xmalloc(size_t n);
void *sim_xcalloc(size_t n, size_t size);
void *sim_xrealloc(void *p, size_t n);
char *sim_xstrdup(const char *s);
/* aligned_alloc(align, n) with n rounded up to a multiple of align; free() it. */
void *sim_xaligned_alloc(size_t align, size_t n);

/* Grows the array p of *cap elements of `size` bytes to hold at least `need`:
 * doubling from *cap (from `first` when *cap is 0). Returns p as it is when it
 * holds need already, else the moved array, *cap updated. */
void *sim_xgrow(void *p, size_t *cap, size_t need, size_t size, size_t first);

/* Keeps freed memory in the process for the next allocation instead of giving
 * it back to the system at once (glibc: a fixed 256 MB trim threshold; blocks of
 * 4 MB and more mapped on their own, so they grow by mremap without copying and
 * leave no holes; elsewhere nothing). A run grows its arrays by doubling and frees
 * them at its end; given back, the next run on that thread page-faults them in
 * again, and two threads' faults contend in the kernel: a 16-point sweep (bench_sweep)
 * page-faulted 550 000 times and spent 27 % of its time in the kernel; with this,
 * 1 800 times and 2 %. Peak memory moves by a few MB either way (the incident world:
 * 13.0 -> 15.0 MB at 10^6 utterances, 31.2 -> 28.1 MB at 10^7). dsim's main() and
 * the benchmarks call it first. */
void sim_malloc_keep(void);

/* The policy itself, for memory another library failed to get (json_dumps
 * returning NULL): prints "dsim: out of memory (what)" and aborts. */
_Noreturn void sim_oom(const char *what);

#endif
