/*
 * timers.c — every deadline of the core in one indexed binary min-heap.
 *
 * Entries are ordered by (when, seq): seq is an insertion counter, so timers due
 * at the same instant run in the order they were set. Each owner (a job, a
 * session, the periodic check) stores its entry's heap position, so clearing or
 * moving a timer is O(log n) and the heap holds live timers only: the top is
 * always a real deadline and disp_next_deadline() is O(1).
 */
#include "internal.h"

static int32_t *pos_of(disp *d, uint32_t ref)
{
    uint32_t slot = ref >> 2;

    switch (ref & 3u) {
    case DISP__T_JOB_MAIN:
        return &d->jobs[slot].hpos[0];
    case DISP__T_JOB_HEDGE:
        return &d->jobs[slot].hpos[1];
    case DISP__T_SESSION:
        return &d->sessions[slot].hpos;
    default:
        return &d->check_hpos;
    }
}

static bool before(const disp__hent *x, const disp__hent *y)
{
    return x->when < y->when || (x->when == y->when && x->seq < y->seq);
}

static void place(disp *d, uint32_t i, disp__hent e)
{
    d->heap[i] = e;
    *pos_of(d, e.ref) = (int32_t)i;
}

static void sift_up(disp *d, uint32_t i)
{
    disp__hent e = d->heap[i];

    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!before(&e, &d->heap[parent]))
            break;
        place(d, i, d->heap[parent]);
        i = parent;
    }
    place(d, i, e);
}

static void sift_down(disp *d, uint32_t i)
{
    disp__hent e = d->heap[i];

    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= d->hn)
            break;
        if (c + 1 < d->hn && before(&d->heap[c + 1], &d->heap[c]))
            c++;
        if (!before(&d->heap[c], &e))
            break;
        place(d, i, d->heap[c]);
        i = c;
    }
    place(d, i, e);
}

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
    d->hn--;
    if (i == d->hn)
        return;
    {
        disp__hent moved = d->heap[d->hn];
        place(d, i, moved);
        sift_up(d, i);
        if (*pos_of(d, moved.ref) == (int32_t)i)
            sift_down(d, i);
    }
}

void disp__timer_set(disp *d, uint32_t ref, disp_time when)
{
    disp__hent e;

    disp__timer_clear(d, ref);
    assert(d->hn < d->hcap); /* grown with the jobs and sessions (alloc.c) */
    e.when = when;
    e.seq = d->hseq++;
    e.ref = ref;
    d->hn++;
    place(d, d->hn - 1, e);
    sift_up(d, d->hn - 1);
}

disp_time disp__next_multiple(disp_time t, disp_time period)
{
    disp_time q = t / period;

    if (t < 0 && q * period != t)
        q--; /* floor */
    return (q + 1) * period;
}

disp_time disp__scan_round(const disp *d, disp_time t)
{
    if (d->p.scan_interval == 0)
        return t;
    return disp__next_multiple(t, d->p.scan_interval);
}

/* ---- public: deadlines and advancing time ------------------------------------ */

disp_time disp_next_deadline(const disp *d)
{
    assert(d != NULL);
    return d->hn ? d->heap[0].when : DISP_NEVER;
}
