/*
 * uwin.c — a session's window of per-index entries: which job an utterance
 * index has (idempotent creation), the reference queue's wait entries, the
 * ordered queue's released/failed flags.
 *
 * Only a window of indices [ubase, ubase + un) is held, in a ring addressed by
 * index (entry of i at u[i & (ucap - 1)]), so a long session costs memory for
 * the indices that can still matter, not for every index it ever spoke. An
 * index outside the window holds nothing.
 *
 * When an entry can no longer matter (u_trim drops it from the front):
 *  - Its job is not held. A held job still takes results, and its (session,
 *    index) must keep naming it (idempotent creation); a forgotten job takes
 *    no result (DISP_EUNKNOWN), and a job made again for its index is new.
 *    Results reach a queue only from jobs of that session (epochs, rqueue.c),
 *    so every result's index has a held job: it lies inside the window; a
 *    result for a job no longer held claims its index first (results.c).
 *  - No pending result sits at it.
 *  - It holds nothing at all (no wait entry, no flag): dropping it changes
 *    nothing, wherever it lies; or it lies below `expected` and is settled.
 *    Below `expected`, an entry is read again only if `expected` moves back
 *    to or below it (reference queue: to a pending result's index + 1, which
 *    has a held job, so lies inside the window: never below the front; the
 *    ordered queue never moves back), or by a result for its own index (a job
 *    there). Settled: a job was made for the index and is forgotten — a job
 *    made again starts from a fresh entry — or its wait entry is older than
 *    the retention (`retain`): an index that never had a job keeps its wait
 *    entry that long, so an utterance that arrives late still finds it.
 * Writes outside the window add to it: a job created for an index below or
 * above it (disp__session_claim, which bounds the span), and the reference
 * queue's wait entries for [expected, index) below it (rqueue.c), which it
 * jumps over at once.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Moves the window into an allocation of `cap` entries (a power of two >= un).
 * Returns 0, or DISP_ENOMEM with the window as it was. A new session's first
 * allocation takes the spare one disp__u_reserve made. */
static int u_realloc(disp *d, disp__session *s, uint32_t cap)
{
    disp__uinfo *u;

    assert(cap >= s->un && (cap & (cap - 1)) == 0);
    if (cap == s->ucap)
        return 0;
    if (s->ucap == 0 && cap == DISP__WINDOW_MIN && d->spare_u != NULL) {
        u = d->spare_u;
        d->spare_u = NULL;
    } else if ((u = disp__alloc(d, cap, sizeof *u)) == NULL) {
        return DISP_ENOMEM;
    }
    for (uint32_t k = 0; k < s->un; k++) {
        uint32_t i = s->ubase + k;
        u[i & (cap - 1)] = s->u[i & (s->ucap - 1)];
    }
    disp__free(d, s->u);
    s->u = u;
    s->ucap = cap;
    return 0;
}

static uint32_t u_cap_for(const disp__session *s, uint64_t span)
{
    uint32_t cap;

    for (cap = s->ucap ? s->ucap : DISP__WINDOW_MIN; cap < span; cap *= 2)
        ;
    return cap;
}

int disp__u_reserve(disp *d, disp__session *s, int64_t lo, int64_t hi)
{
    if (s == NULL) { /* a session about to open: its first window */
        if (d->spare_u == NULL &&
            (d->spare_u = disp__alloc(d, DISP__WINDOW_MIN, sizeof *d->spare_u)) == NULL)
            return DISP_ENOMEM;
        return 0;
    }
    if (s->un > 0) {
        lo = lo < (int64_t)s->ubase ? lo : (int64_t)s->ubase;
        hi = hi > (int64_t)s->ubase + s->un ? hi : (int64_t)s->ubase + s->un;
    }
    if (hi - lo > (int64_t)d->window_max) /* refused later with DISP_ELIMIT */
        return 0;
    if (hi - lo > (int64_t)s->ucap || s->ucap == 0)
        return u_realloc(d, s, u_cap_for(s, (uint64_t)(hi - lo)));
    return 0;
}

static void u_clear(disp__session *s, uint32_t lo, uint32_t hi)
{
    for (uint32_t i = lo; i < hi; i++) {
        s->u[i & (s->ucap - 1)].wait = -1;
        s->u[i & (s->ucap - 1)].job = 0;
    }
}

/* disp__u_cover's body, which disp__session_claim has inline. */
static inline int u_cover(disp *d, disp__session *s, uint32_t lo, uint32_t hi)
{
    uint32_t top = s->ubase + s->un, nlo = lo, nhi = hi;

    assert(lo < hi);
    if (s->un > 0) {
        nlo = lo < s->ubase ? lo : s->ubase;
        nhi = hi > top ? hi : top;
    }
    assert(nhi - nlo <= d->window_max);
    if ((nhi - nlo > s->ucap || s->ucap == 0) && u_realloc(d, s, u_cap_for(s, nhi - nlo)) != 0)
        return DISP_ENOMEM; /* not reached: the input reserved it (disp__u_reserve) */
    if (s->un == 0) {
        u_clear(s, nlo, nhi);
    } else {
        u_clear(s, nlo, s->ubase);
        u_clear(s, top, nhi);
    }
    d->st.session_index_entries += (uint64_t)(nhi - nlo) - s->un;
    s->ubase = nlo;
    s->un = nhi - nlo;
    return 0;
}

int disp__u_cover(disp *d, disp__session *s, uint32_t lo, uint32_t hi)
{
    return u_cover(d, s, lo, hi);
}

/* Whether the front entry (index b) can no longer matter; see the top. */
static bool droppable(const disp *d, const disp__session *s, uint32_t b, const disp__uinfo *u)
{
    uint64_t job = u->job & ~DISP__ATTEMPT_MASK;
    bool waits = disp__u_waits(d, u);

    if (job != 0 && disp__job_by_id(d, job) != NULL)
        return false;
    if (s->pn > 0 && s->pend[s->pstart].index <= b)
        return false;
    if (!waits && (u->job & DISP__ATTEMPT_MASK) == 0)
        return true;
    if ((int64_t)b >= s->expected)
        return false;
    return job != 0 || !waits || d->now - u->wait >= d->retain;
}

/* Drops entries from the front of the window while they can no longer matter. */
static void u_trim(disp *d, disp__session *s)
{
    while (s->un > 0) {
        const disp__uinfo *u = &s->u[s->ubase & (s->ucap - 1)];
        if (!droppable(d, s, s->ubase, u))
            break;
        if (disp__u_waits(d, u))
            s->nwait--;
        s->ubase++;
        s->un--;
        d->st.session_index_entries--;
    }
}

/* Shrinks a sparse allocation to what is left (kept as is if refused). */
static void u_shrink(disp *d, disp__session *s)
{
    uint32_t cap;

    if (s->ucap > DISP__WINDOW_MIN && s->un <= s->ucap / 4) {
        for (cap = DISP__WINDOW_MIN; cap < 2 * s->un; cap *= 2)
            ;
        (void)u_realloc(d, s, cap); /* refused: the larger allocation stays */
    }
}

int disp__session_claim(disp *d, disp__session *s, uint32_t index)
{
    int64_t lo = index, hi = (int64_t)index + 1;

    if (disp__u_get(s, index) != NULL)
        return 0;
    u_trim(d, s);
    if (s->un > 0) {
        lo = lo < s->ubase ? lo : s->ubase;
        hi = hi > (int64_t)s->ubase + s->un ? hi : (int64_t)s->ubase + s->un;
    }
    /* The ordered queue waits on every index from `expected` on, one by one. */
    if (d->p.result_queue == DISP_QUEUE_ORDERED && s->expected < lo)
        lo = s->expected;
    if (hi - lo > (int64_t)d->window_max)
        return DISP_ELIMIT;
    if (u_cover(d, s, index, index + 1) != 0)
        return DISP_ENOMEM; /* not reached: reserved by disp__reserve_utterance */
    u_shrink(d, s);
    return 0;
}

void disp__u_free(disp *d, disp__session *s)
{
    d->st.session_index_entries -= s->un;
    disp__free(d, s->u);
    s->u = NULL;
    s->ubase = s->un = s->ucap = 0;
    s->nwait = 0;
}
