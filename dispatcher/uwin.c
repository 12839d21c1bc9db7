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
 * When an entry can no longer matter (disp__u_trim drops it from the front):
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

disp__uinfo *disp__u_get(const disp__session *s, int64_t index)
{
    if (s->un == 0 || index < (int64_t)s->ubase || index >= (int64_t)s->ubase + s->un)
        return NULL;
    return &s->u[(uint32_t)index & (s->ucap - 1)];
}

/* Moves the window into an allocation of `cap` entries (a power of two >= un). */
static void u_realloc(disp__session *s, uint32_t cap)
{
    disp__uinfo *u;

    assert(cap >= s->un && (cap & (cap - 1)) == 0);
    if (cap == s->ucap)
        return;
    u = disp__xcalloc(cap, sizeof *u);
    for (uint32_t k = 0; k < s->un; k++) {
        uint32_t i = s->ubase + k;
        u[i & (cap - 1)] = s->u[i & (s->ucap - 1)];
    }
    free(s->u);
    s->u = u;
    s->ucap = cap;
}

static void u_clear(disp__session *s, uint32_t lo, uint32_t hi)
{
    for (uint32_t i = lo; i < hi; i++) {
        s->u[i & (s->ucap - 1)].wait = -1;
        s->u[i & (s->ucap - 1)].job = 0;
    }
}

void disp__u_cover(disp *d, disp__session *s, uint32_t lo, uint32_t hi)
{
    uint32_t top = s->ubase + s->un, nlo = lo, nhi = hi, cap;

    assert(lo < hi);
    if (s->un > 0) {
        nlo = lo < s->ubase ? lo : s->ubase;
        nhi = hi > top ? hi : top;
    }
    assert(nhi - nlo <= d->window_max);
    if (nhi - nlo > s->ucap) {
        for (cap = s->ucap ? s->ucap : DISP__WINDOW_MIN; cap < nhi - nlo; cap *= 2)
            ;
        u_realloc(s, cap);
    }
    if (s->un == 0) {
        u_clear(s, nlo, nhi);
    } else {
        u_clear(s, nlo, s->ubase);
        u_clear(s, top, nhi);
    }
    d->st.session_index_entries += (uint64_t)(nhi - nlo) - s->un;
    s->ubase = nlo;
    s->un = nhi - nlo;
}

/* Whether the front entry (index b) can no longer matter; see the top. */
static bool droppable(const disp *d, const disp__session *s, uint32_t b, const disp__uinfo *u)
{
    uint64_t job = u->job & ~DISP__ATTEMPT_MASK;

    if (job != 0 && disp__job_by_id(d, job) != NULL)
        return false;
    if (s->pn > 0 && s->pend[s->pstart].index <= b)
        return false;
    if (u->wait < 0 && (u->job & DISP__ATTEMPT_MASK) == 0)
        return true;
    if ((int64_t)b >= s->expected)
        return false;
    return job != 0 || u->wait < 0 || d->now - u->wait >= d->retain;
}

void disp__u_trim(disp *d, disp__session *s)
{
    uint32_t cap;

    while (s->un > 0) {
        const disp__uinfo *u = &s->u[s->ubase & (s->ucap - 1)];
        if (!droppable(d, s, s->ubase, u))
            break;
        if (u->wait >= 0)
            s->nwait--;
        s->ubase++;
        s->un--;
        d->st.session_index_entries--;
    }
    if (s->ucap > DISP__WINDOW_MIN && s->un <= s->ucap / 4) {
        for (cap = DISP__WINDOW_MIN; cap < 2 * s->un; cap *= 2)
            ;
        u_realloc(s, cap);
    }
}

void disp__u_free(disp *d, disp__session *s)
{
    d->st.session_index_entries -= s->un;
    free(s->u);
    s->u = NULL;
    s->ubase = s->un = s->ucap = 0;
    s->nwait = 0;
}
