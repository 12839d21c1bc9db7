/*
 * timers.c — every deadline of the core in one indexed binary min-heap.
 *
 * Entries are ordered by (when, seq): seq is an insertion counter, so timers due
 * at the same instant run in the order they were set. Each owner (a job, a
 * session, the periodic check, the node refresh) stores its entry's heap position, so clearing or
 * moving a timer is O(log n) and the heap holds live timers only: the top is
 * always a real deadline and disp_next_deadline() is O(1).
 */
#include "heap.h"
#include "internal.h"

_Static_assert(DISP__T_JOB_MAIN == 0 && DISP__T_JOB_HEDGE == 1,
               "a job's hpos[] is indexed by its timer kind");

static inline int32_t *pos_of(disp *d, uint32_t ref)
{
    uint32_t slot = ref >> 2, kind = ref & 3u;

    if (kind <= DISP__T_JOB_HEDGE) /* the common case: a job's main or hedge timer */
        return &d->jobs[slot].hpos[kind];
    if (kind == DISP__T_SESSION)
        return &d->sessions[slot].hpos;
    return slot == 0 ? &d->check_hpos : &d->refresh_hpos;
}

static inline bool before(const disp__hent *x, const disp__hent *y)
{
    return x->when < y->when || (x->when == y->when && x->seq < y->seq);
}

static inline void placed(disp *d, const disp__hent *e, uint32_t i)
{
    *pos_of(d, e->ref) = (int32_t)i;
}

DISP__HEAP_DEFINE(theap, disp__hent, before, placed)

bool disp__timer_armed(const disp *d, uint32_t ref)
{
    return *pos_of((disp *)d, ref) >= 0;
}

void disp__timer_clear(disp *d, uint32_t ref)
{
    int32_t *pos = pos_of(d, ref);
    uint32_t i;

    if (*pos < 0)
        return;
    i = (uint32_t)*pos;
    assert(i < d->hn && d->heap[i].ref == ref);
    *pos = -1;
    theap_remove(d, d->heap, &d->hn, i);
}

void disp__timer_set(disp *d, uint32_t ref, disp_time when)
{
    int32_t *pos = pos_of(d, ref);
    disp__hent e;

    e.when = when;
    e.seq = d->hseq++;
    e.ref = ref;
    if (*pos >= 0) { /* moved: a new key in place */
        uint32_t i = (uint32_t)*pos;
        assert(i < d->hn && d->heap[i].ref == ref);
        d->heap[i] = e;
        theap_fix(d, d->heap, d->hn, i);
        return;
    }
    assert(d->hn < d->hcap); /* grown with the jobs and sessions (alloc.c) */
    theap_push(d, d->heap, &d->hn, e);
}

disp_time disp__next_multiple(disp_time t, disp_time period)
{
    disp_time q = t / period;

    if (t < 0 && q * period != t)
        q--; /* floor */
    return (q + 1) * period;
}

/* ---- public: deadlines and advancing time ------------------------------------ */

disp_time disp_next_deadline(const disp *d)
{
    assert(d != NULL);
    return d->hn ? d->heap[0].when : DISP_NEVER;
}
