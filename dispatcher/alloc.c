/*
 * alloc.c — the dispatcher's memory: every byte comes from the host's allocator
 * (disp_config.alloc, libc's by default), per handle. Nothing here aborts or
 * prints: a refused request is NULL / DISP_ENOMEM, and the owner is left as it was.
 *
 * Growth happens before change: each public input first reserves what it may
 * need (disp__reserve_* below and in the modules), and only then changes state,
 * so an allocation that fails leaves the core as before the call. Tables that
 * follow the job table (free-slot stack, forget ring, timer heap) are grown with
 * it to the bounds they can reach, so nothing grows while an input runs.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void *libc_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void *libc_realloc(void *ctx, void *p, size_t size)
{
    (void)ctx;
    return realloc(p, size);
}

static void libc_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

const disp_alloc disp__libc_alloc = {libc_malloc, libc_realloc, libc_free, NULL};

void *disp__alloc_raw(const disp_alloc *al, size_t n, size_t size)
{
    void *p;

    if (n == 0 || size == 0 || n > SIZE_MAX / size)
        return NULL;
    p = al->malloc_fn(al->ctx, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void *disp__alloc(disp *d, size_t n, size_t size)
{
    return disp__alloc_raw(&d->al, n, size);
}

void disp__free(disp *d, void *p)
{
    if (p != NULL)
        d->al.free_fn(d->al.ctx, p);
}

int disp__grow(disp *d, void *pp, uint32_t *cap, uint64_t need, size_t size, uint32_t first)
{
    void **p = pp;
    uint64_t c = *cap ? *cap : first;
    void *q;

    if (need <= *cap)
        return 0;
    while (c < need)
        c *= 2;
    if (c > UINT32_MAX || c > SIZE_MAX / size)
        return DISP_ENOMEM;
    q = d->al.realloc_fn(d->al.ctx, *p, (size_t)c * size);
    if (q == NULL)
        return DISP_ENOMEM; /* *p is still valid and unchanged */
    *p = q;
    *cap = (uint32_t)c;
    return 0;
}

int disp__ring_grow(disp *d, void *pp, uint32_t *head, uint32_t n, uint32_t *cap,
                    uint64_t need, size_t size)
{
    char **p = pp, *q;
    uint64_t c = *cap ? *cap : 256;

    if (need <= *cap)
        return 0;
    while (c < need)
        c *= 2;
    if (c > UINT32_MAX || (q = disp__alloc(d, (size_t)c, size)) == NULL)
        return DISP_ENOMEM;
    for (uint32_t i = 0; i < n; i++) /* unroll */
        memcpy(q + (size_t)i * size, *p + (size_t)((*head + i) % *cap) * size, size);
    disp__free(d, *p);
    *p = q;
    *cap = (uint32_t)c;
    *head = 0;
    return 0;
}

/* The timer heap holds at most a main and a hedge timer per job slot, a gap
 * timer per session slot, the periodic check and the node refresh tick. */
static int reserve_heap(disp *d, uint64_t jcap, uint64_t scap)
{
    return disp__grow(d, &d->heap, &d->hcap, 2 * jcap + scap + 2, sizeof *d->heap, 64);
}

int disp__reserve_job(disp *d)
{
    uint64_t cap;

    if (d->nfree > 0 || d->njobs < d->jcap || d->st.jobs_in_memory >= d->jobs_max ||
        d->njobs == DISP__SLOT_MAX)
        return 0; /* a free record, or job_alloc refuses anyway */
    cap = d->jcap ? 2 * (uint64_t)d->jcap : 256;
    if (disp__grow(d, &d->jfree, &d->fcap, cap, sizeof *d->jfree, 256) != 0 ||
        disp__ring_grow(d, &d->fq[0].v, &d->fq[0].head, d->fq[0].n, &d->fq[0].cap, cap,
                        sizeof *d->fq[0].v) != 0 ||
        disp__ring_grow(d, &d->fq[1].v, &d->fq[1].head, d->fq[1].n, &d->fq[1].cap, cap,
                        sizeof *d->fq[1].v) != 0 ||
        reserve_heap(d, cap, d->scap) != 0 ||
        disp__grow(d, &d->jobs, &d->jcap, cap, sizeof *d->jobs, 256) != 0)
        return DISP_ENOMEM;
    return 0;
}

int disp__reserve_session(disp *d)
{
    uint64_t cap;

    if (disp__map_reserve(d, &d->sess_map, d->sess_map.n + 1) != 0)
        return DISP_ENOMEM;
    if (d->sfree != DISP__NONE || d->nsess < d->scap || d->nsess == DISP__SESSION_MAX)
        return 0;
    cap = d->scap ? 2 * (uint64_t)d->scap : 64;
    if (reserve_heap(d, d->jcap, cap) != 0 ||
        disp__grow(d, &d->sessions, &d->scap, cap, sizeof *d->sessions, 64) != 0)
        return DISP_ENOMEM;
    return 0;
}

int disp__reserve_dedup(disp *d)
{
    if (d->p.dedup_ttl == 0)
        return 0;
    if (disp__map_reserve(d, &d->dedup, d->dedup.n + 1) != 0 ||
        disp__ring_grow(d, &d->dq, &d->dq_head, d->dq_n, &d->dq_cap, (uint64_t)d->dq_n + 1,
                        sizeof *d->dq) != 0)
        return DISP_ENOMEM;
    return 0;
}

int disp__reserve_utterance(disp *d, disp__session *s, uint32_t index)
{
    if (s == NULL && disp__reserve_session(d) != 0)
        return DISP_ENOMEM;
    if (disp__reserve_job(d) != 0 || disp__u_reserve(d, s, index, (int64_t)index + 1) != 0)
        return DISP_ENOMEM;
    return 0;
}

int disp__reserve_result(disp *d, const disp__job *j)
{
    disp__session *s;

    if (j == NULL)
        return 0; /* unknown: nothing is stored */
    if (disp__reserve_dedup(d) != 0)
        return DISP_ENOMEM;
    s = disp__session_of(d, j);
    return s != NULL ? disp__rq_reserve(d, s, j->index) : 0;
}
