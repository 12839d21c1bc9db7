/*
 * uwin.c — a session's window of per-index entries: which job an utterance
 * index has (idempotent creation), the reference queue's wait entries, the
 * ordered queue's released/failed flags.
 *
 * Only a window of indices [ubase, ubase + un) is held, in a ring addressed by
 * index (entry of i at u[i & (ucap - 1)]), so a long session costs memory for
 * the indices that can still matter, not for every index it ever spoke. An
 * index outside the window holds nothing but, at most, a kept wait entry of
 * the reference queue (below).
 *
 * When an entry can no longer matter as a window entry (u_trim drops it from
 * the front):
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
 *    there). A job made again for the index starts from a fresh job and
 *    flags.
 * A wait entry of the reference queue outlives its window entry: the
 * reference removes one only when a result for its index arrives, when the
 * index is released or skipped, or with the whole session
 * (`managers/result_queue.rs` 98e3526 lines 104-127, 213, 234, 257, 283,
 * 343-353), never because its job is old. So a dropped entry's wait entry
 * moves to the session's kept runs (`kept`: runs of consecutive indices whose
 * wait entries started at one time, sorted, disjoint from the window; the
 * wait entries one arrival creates form one run), and comes back into the
 * window when the window covers its index again (a job or a result for it).
 * Memory is then what the reference keeps: its wait entries still waiting.
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

/* ---- kept wait entries: runs outside the window --------------------------- */

/* Position of the first run that ends above idx (runs are disjoint and sorted).
 * An index above every run (where the window and `expected` usually are, and
 * where u_trim parks) costs no search. */
static uint32_t k_pos(const disp__session *s, uint32_t idx)
{
    uint32_t lo = 0, hi = s->nkept;

    if (hi == 0 || s->kept[hi - 1].hi <= idx)
        return hi;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->kept[mid].hi <= idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const disp__krun *disp__u_kept_find(const disp__session *s, uint32_t index)
{
    uint32_t i = k_pos(s, index);

    return i < s->nkept && s->kept[i].lo <= index ? &s->kept[i] : NULL;
}

static void k_remove(disp *d, disp__session *s, uint32_t i)
{
    memmove(s->kept + i, s->kept + i + 1, (s->nkept - i - 1) * sizeof *s->kept);
    s->nkept--;
    d->st.session_index_entries--;
}

/* Inserts run r at position i. Room: the spare, or grown here; returns 0, or
 * DISP_ENOMEM with nothing changed. */
static int k_insert(disp *d, disp__session *s, uint32_t i, disp__krun r)
{
    if (s->nkept == s->kcap &&
        disp__grow(d, &s->kept, &s->kcap, (uint64_t)s->nkept + 1, sizeof *s->kept, 4) != 0)
        return DISP_ENOMEM;
    memmove(s->kept + i + 1, s->kept + i, (s->nkept - i) * sizeof *s->kept);
    s->kept[i] = r;
    s->nkept++;
    d->st.session_index_entries++;
    return 0;
}

/* Keeps the wait entry of idx (outside the window from now on; held by no
 * run), started at `wait`. 0, or DISP_ENOMEM with nothing changed. Leaves a
 * spare run, so that one cut inside a run (k_take, disp__u_kept_del) needs
 * no allocation. */
static int k_park(disp *d, disp__session *s, uint32_t idx, disp_time wait)
{
    uint32_t i = k_pos(s, idx);
    disp__krun *prev = i > 0 ? &s->kept[i - 1] : NULL;
    disp__krun *next = i < s->nkept ? &s->kept[i] : NULL;

    assert(next == NULL || next->lo > idx);
    if (prev != NULL && prev->hi == idx && prev->wait == wait) {
        prev->hi++;
        if (next != NULL && next->lo == idx + 1 && next->wait == wait) {
            prev->hi = next->hi;
            k_remove(d, s, i);
        }
        return 0;
    }
    if (next != NULL && next->lo == idx + 1 && next->wait == wait) {
        next->lo = idx;
        return 0;
    }
    if (disp__grow(d, &s->kept, &s->kcap, (uint64_t)s->nkept + 2, sizeof *s->kept, 4) != 0)
        return DISP_ENOMEM;
    return k_insert(d, s, i, (disp__krun){idx, idx + 1, wait});
}

/* Moves the kept wait entries of [lo, hi) into the window, which now holds
 * those indices (as fresh entries). A run reaching past both ends is cut in
 * two, into the spare (disp__u_reserve). A range beside every run costs two
 * comparisons. */
static void k_take(disp *d, disp__session *s, uint32_t lo, uint32_t hi)
{
    uint32_t i;

    if (s->nkept == 0 || lo >= hi || lo >= s->kept[s->nkept - 1].hi || hi <= s->kept[0].lo)
        return;
    i = k_pos(s, lo);
    while (i < s->nkept && s->kept[i].lo < hi) {
        disp__krun *r = &s->kept[i];
        uint32_t a = r->lo > lo ? r->lo : lo, b = r->hi < hi ? r->hi : hi;
        for (uint32_t x = a; x < b; x++) {
            disp__uinfo *u = disp__u_get(s, x);
            assert(u != NULL && u->wait < 0);
            u->wait = r->wait; /* still counted in nwait */
        }
        if (r->lo < a && r->hi > b) {
            disp__krun rest = {b, r->hi, r->wait};
            r->hi = a;
            if (k_insert(d, s, i + 1, rest) != 0)
                assert(!"kept runs: no spare for a cut"); /* reserved: disp__u_reserve */
            return;
        }
        if (r->lo < a) {
            r->hi = a;
            i++;
        } else if (r->hi > b) {
            r->lo = b;
            return;
        } else {
            k_remove(d, s, i);
        }
    }
}

void disp__u_kept_del(disp *d, disp__session *s, uint32_t index)
{
    uint32_t i = k_pos(s, index);
    disp__krun *r = &s->kept[i];

    assert(i < s->nkept && r->lo <= index);
    if (r->lo == index) {
        if (++r->lo == r->hi)
            k_remove(d, s, i);
    } else if (r->hi - 1 == index) {
        r->hi--;
    } else {
        /* Not reached: read outside the window only at `expected`, which
         * meets a run at its first index (it moves up one at a time, or to
         * a window index + 1, and runs never touch the window). */
        disp__krun rest = {index + 1, r->hi, r->wait};
        r->hi = index;
        if (k_insert(d, s, i + 1, rest) != 0)
            assert(!"kept runs: no spare for a cut");
    }
}

int disp__u_reserve(disp *d, disp__session *s, int64_t lo, int64_t hi)
{
    /* the spare run a cut may take (k_take); k_park leaves one, a cut uses it */
    if (s != NULL && s->nkept > 0 && s->kcap <= s->nkept &&
        disp__grow(d, &s->kept, &s->kcap, (uint64_t)s->nkept + 1, sizeof *s->kept, 4) != 0)
        return DISP_ENOMEM;
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
    uint32_t top = s->ubase + s->un, nlo = lo, nhi = hi, old_lo, old_n;

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
    old_lo = s->ubase;
    old_n = s->un;
    s->ubase = nlo;
    s->un = nhi - nlo;
    /* Wait entries kept for the new indices come back (runs lie below the
     * window as a rule: one comparison each side). */
    if (s->nkept > 0 && nlo < s->kept[s->nkept - 1].hi && nhi > s->kept[0].lo) {
        if (old_n == 0) {
            k_take(d, s, nlo, nhi);
        } else {
            k_take(d, s, nlo, old_lo);
            k_take(d, s, top, nhi);
        }
    }
    return 0;
}

int disp__u_cover(disp *d, disp__session *s, uint32_t lo, uint32_t hi)
{
    return u_cover(d, s, lo, hi);
}

/* Whether the front entry (index b) can no longer matter as a window entry
 * (a wait entry it holds is kept: u_trim); see the top. */
static bool droppable(const disp *d, const disp__session *s, uint32_t b, const disp__uinfo *u)
{
    uint64_t job = u->job & ~DISP__ATTEMPT_MASK;

    if (job != 0 && disp__job_by_id(d, job) != NULL)
        return false;
    if (s->pn > 0 && s->pend[s->pstart].index <= b)
        return false;
    if (!disp__u_waits(d, u) && (u->job & DISP__ATTEMPT_MASK) == 0)
        return true;
    return (int64_t)b < s->expected;
}

/* Drops entries from the front of the window while they can no longer matter,
 * keeping their wait entries. Returns 0, or DISP_ENOMEM when keeping one was
 * refused (that entry and those after it stay in the window). */
static int u_trim(disp *d, disp__session *s)
{
    while (s->un > 0) {
        const disp__uinfo *u = &s->u[s->ubase & (s->ucap - 1)];
        if (!droppable(d, s, s->ubase, u))
            break;
        if (disp__u_waits(d, u) && k_park(d, s, s->ubase, u->wait) != 0)
            return DISP_ENOMEM;
        s->ubase++;
        s->un--;
        d->st.session_index_entries--;
    }
    return 0;
}

/* Shrinks a sparse allocation (the window's, the kept runs') to what is left.
 * Returns 0, or DISP_ENOMEM when the smaller allocation was refused (the
 * larger one stays; nothing else changed). */
static int u_shrink(disp *d, disp__session *s)
{
    uint32_t cap;

    if (s->ucap > DISP__WINDOW_MIN && s->un <= s->ucap / 4) {
        for (cap = DISP__WINDOW_MIN; cap < 2 * s->un; cap *= 2)
            ;
        if (u_realloc(d, s, cap) != 0)
            return DISP_ENOMEM;
    }
    if (s->kcap > 4 && s->nkept + 1 <= s->kcap / 4) { /* keeping the spare */
        disp__krun *k;
        for (cap = 4; cap < 2 * (s->nkept + 1); cap *= 2)
            ;
        if ((k = disp__alloc(d, cap, sizeof *k)) == NULL)
            return DISP_ENOMEM;
        memcpy(k, s->kept, s->nkept * sizeof *k);
        disp__free(d, s->kept);
        s->kept = k;
        s->kcap = cap;
    }
    return 0;
}

int disp__session_claim(disp *d, disp__session *s, uint32_t index)
{
    int64_t lo = index, hi = (int64_t)index + 1;

    if (disp__u_get(s, index) != NULL)
        return 0;
    if (u_trim(d, s) != 0) /* what it dropped changes nothing: a refusal all the same */
        return DISP_ENOMEM;
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
    /* A refused shrink is refused as any allocation is: the new entry holds
     * nothing yet and the kept wait entries it took read the same there. */
    return u_shrink(d, s);
}

void disp__u_free(disp *d, disp__session *s)
{
    d->st.session_index_entries -= (uint64_t)s->un + s->nkept;
    disp__free(d, s->u);
    disp__free(d, s->kept);
    s->u = NULL;
    s->kept = NULL;
    s->ubase = s->un = s->ucap = 0;
    s->nkept = s->kcap = 0;
    s->nwait = 0;
}
