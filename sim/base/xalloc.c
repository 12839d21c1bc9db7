/* xalloc.c — allocation that never returns NULL (see xalloc.h). */
#include "xalloc.h"
#include "outfile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* The outputs are left as a signal leaves them (no temporary behind), then
 * SIGABRT. */
_Noreturn static void oom_stop(void)
{
    sim_outfile_stop("running out of memory");
    abort();
}

_Noreturn void sim_oom(const char *what)
{
    fprintf(stderr, "dsim: out of memory (%s)\n", what);
    oom_stop();
}

_Noreturn static void oom_bytes(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        fprintf(stderr, "dsim: out of memory (%zu x %zu bytes)\n", n, size);
    else
        fprintf(stderr, "dsim: out of memory (%zu bytes)\n", n * size);
    oom_stop();
}

void *sim_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom_bytes(n, 1);
    return p;
}

void *sim_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom_bytes(n, size);
    return p;
}

void *sim_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom_bytes(n, 1);
    return q;
}

char *sim_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sim_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

void *sim_xaligned_alloc(size_t align, size_t n)
{
    size_t rounded = n ? n : 1;
    if (rounded % align)
        rounded += align - rounded % align;
    if (rounded < n)
        oom_bytes(n, 1);
    void *p = aligned_alloc(align, rounded);
    if (!p)
        oom_bytes(rounded, 1);
    return p;
}

void *sim_xgrow(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : (first ? first : 1);
    while (c < need) {
        if (c > SIZE_MAX / 2)
            oom_bytes(need, size);
        c *= 2;
    }
    if (size && c > SIZE_MAX / size)
        oom_bytes(c, size);
    p = sim_xrealloc(p, c * size);
    *cap = c;
    return p;
}

void sim_malloc_keep(void)
{
#ifdef __GLIBC__
    /* a fixed value also stops glibc's own adjustment of both thresholds */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
}
