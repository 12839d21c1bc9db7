/*
 * rqueue.c — sessions and their result queue between accepted results and the
 * client: `reference` (the scheduler's queue with its ack timeout, quirks and
 * all), `ordered` (hold, skip a gap after ack_timeout, never release twice) and
 * `immediate` (deliver on arrival).
 *
 * The reference queue keeps `expected`, `pending` (results by index) and
 * wait entries (index -> wait start). See reference-scheduler.md, "The session
 * result queue": every branch below maps to one sentence there.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t sslot(const disp *d, const disp__session *s)
{
    return (uint32_t)(s - d->sessions);
}

disp__session *disp__session_open(disp *d, uint64_t id)
{
    disp__session *s;
    uint32_t slot;

    if (d->sfree != DISP__NONE) {
        slot = d->sfree;
        d->sfree = d->sessions[slot].fnext;
    } else {
        if (d->nsess == DISP__SESSION_MAX)
            return NULL;
        assert(d->nsess < d->scap); /* reserved: disp__reserve_session */
        slot = d->nsess++;
    }
    s = &d->sessions[slot];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->epoch = ++d->sess_epoch;
    s->in_use = true;
    s->hpos = -1;
    s->anext = s->aprev = DISP__NONE;
    s->fnext = DISP__NONE;
    disp__map_put(&d->sess_map, id, 0, slot);
    d->st.sessions_in_memory++;
    return s;
}

/* ---- pending results, sorted by index ----------------------------------------- */

/* Position of the first entry with index >= idx (relative to pstart). */
static uint32_t pend_lower(const disp__session *s, uint32_t idx)
{
    uint32_t lo = 0, hi = s->pn;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->pend[s->pstart + mid].index < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool pend_has(const disp__session *s, int64_t idx)
{
    uint32_t i;

    if (idx < 0 || idx >= (int64_t)DISP__INDEX_MAX || s->pn == 0)
        return false;
    i = pend_lower(s, (uint32_t)idx);
    return i < s->pn && s->pend[s->pstart + i].index == (uint32_t)idx;
}

/* Inserts, or overwrites the entry with the same index (the reference's map insert).
 * The side of the insertion point with fewer entries moves: an index that fills
 * the gap at the front of a long ordered queue costs no move of the rest. */
static void pend_put(disp *d, disp__session *s, const disp__rq_entry *e)
{
    uint32_t i = pend_lower(s, e->index);

    if (i < s->pn && s->pend[s->pstart + i].index == e->index) {
        s->pend[s->pstart + i] = *e;
        return;
    }
    if (s->pstart > 0 && i < s->pn - i) {
        memmove(s->pend + s->pstart - 1, s->pend + s->pstart, i * sizeof *s->pend);
        s->pstart--;
    } else {
        if (s->pstart + s->pn == s->pcap) {
            /* Slide back only when at least half is free at the front: each
             * slide moves no more entries than were popped since the last. */
            if (s->pstart > 0 && s->pstart >= s->pn) {
                memmove(s->pend, s->pend + s->pstart, s->pn * sizeof *s->pend);
                s->pstart = 0;
            } else {
                int rc = disp__grow(d, &s->pend, &s->pcap, (uint64_t)s->pcap + 1,
                                    sizeof *s->pend, 8);
                assert(rc == 0); /* reserved: disp__rq_reserve */
                (void)rc;
            }
        }
        memmove(s->pend + s->pstart + i + 1, s->pend + s->pstart + i,
                (s->pn - i) * sizeof *s->pend);
    }
    s->pend[s->pstart + i] = *e;
    s->pn++;
}

static disp__rq_entry pend_pop_min(disp__session *s)
{
    disp__rq_entry e = s->pend[s->pstart];

    assert(s->pn > 0);
    s->pstart++;
    if (--s->pn == 0)
        s->pstart = 0;
    return e;
}

static disp__rq_entry pend_take(disp__session *s, uint32_t idx)
{
    uint32_t i = pend_lower(s, idx);
    disp__rq_entry e = s->pend[s->pstart + i];

    assert(i < s->pn && e.index == idx);
    memmove(s->pend + s->pstart + i, s->pend + s->pstart + i + 1,
            (s->pn - i - 1) * sizeof *s->pend);
    if (--s->pn == 0)
        s->pstart = 0;
    return e;
}

/* ---- per-index facts: wait entries, the job, ordered-queue flags -------------- */

/* The entries live in a window of indices (uwin.c). Reads outside it find
 * nothing; writes land inside it: a job's index is claimed at its creation and
 * stays in the window while the job is held, results come from held jobs, and
 * ref_add() covers the wait entries it creates. */

void disp__session_set_job(disp__session *s, uint32_t index, uint64_t job)
{
    disp__uinfo *u = disp__u_get(s, index);

    assert((job & DISP__ATTEMPT_MASK) == 0);
    assert(u != NULL); /* claimed by the caller */
    u->job = (u->job & DISP__ATTEMPT_MASK) | job;
}

static bool u_flag(const disp__session *s, int64_t index, uint64_t flag)
{
    const disp__uinfo *u = disp__u_get(s, index);

    return u != NULL && (u->job & flag) != 0;
}

/* Sets a flag on an index of a held job or a pending result: in the window. */
static void u_set_flag(disp__session *s, uint32_t index, uint64_t flag)
{
    disp__uinfo *u = disp__u_get(s, index);

    assert(u != NULL);
    if (u != NULL)
        u->job |= flag;
}

/* When the wait entry of `index` started, or -1 if it has none: in the window,
 * or kept after its window entry left (uwin.c). */
static inline disp_time ack_get(const disp__session *s, int64_t index)
{
    const disp__uinfo *u = disp__u_get(s, index);
    const disp__krun *k;

    if (u != NULL)
        return u->wait;
    k = disp__u_kept(s, index);
    return k != NULL ? k->wait : -1;
}

/* Sets a wait entry; the index lies in the window. */
static void ack_put(disp__session *s, uint32_t index, disp_time now)
{
    disp__uinfo *u = disp__u_get(s, index);

    assert(u != NULL);
    if (u == NULL)
        return;
    if (u->wait < 0)
        s->nwait++;
    u->wait = now;
}

static void ack_del(disp *d, disp__session *s, int64_t index)
{
    disp__uinfo *u = disp__u_get(s, index);

    if (u != NULL) {
        if (u->wait >= 0) {
            u->wait = -1;
            s->nwait--;
        }
    } else if (disp__u_kept(s, index) != NULL) {
        disp__u_kept_del(d, s, (uint32_t)index);
        s->nwait--;
    }
}

/* ---- log records and delivery -------------------------------------------------- */

static void qlog_emit(disp *d, disp_log_event ev, const disp__session *s, int64_t index,
                      const disp__rq_entry *e, int64_t elapsed_ms)
{
    disp_cmd c;

    memset(&c, 0, sizeof c);
    c.kind = DISP_CMD_LOG;
    c.now = d->now;
    c.event = ev;
    c.session = s->id;
    c.index = (uint32_t)index;
    c.elapsed_ms = elapsed_ms;
    c.ack_timeout_ms = disp__ms(d->p.ack_timeout);
    if (e != NULL) {
        const disp__job *j = disp__job_by_id(d, e->job);
        c.job = e->job;
        c.job_id = e->job_id;
        c.attempt = e->attempt;
        c.node = e->node;
        c.failover_attempts = j ? j->failover_attempts : 0;
    } else {
        uint64_t id = index >= 0 && index < (int64_t)DISP__INDEX_MAX
                          ? disp__session_job(s, (uint32_t)index) : 0;
        disp__job *j = id ? disp__job_by_id(d, id) : NULL;
        if (j != NULL) {
            c.job = j->id;
            c.job_id = disp__log_wire(d, j, j->attempt);
            c.attempt = j->attempt;
            c.failover_attempts = j->failover_attempts;
        }
    }
    disp__emit(d, &c);
}

/* A LOG record about a queue event at (s, index); e is the result concerned, if
 * any. Checked inline: an event nobody wants costs no call. */
static inline void qlog(disp *d, disp_log_event ev, const disp__session *s, int64_t index,
                        const disp__rq_entry *e, int64_t elapsed_ms)
{
    if (disp__log_on(d, ev))
        qlog_emit(d, ev, s, index, e, elapsed_ms);
}

static void deliver(disp *d, disp__session *s, const disp__rq_entry *e)
{
    disp_cmd c;

    memset(&c, 0, sizeof c);
    c.kind = DISP_CMD_DELIVER;
    c.now = d->now;
    c.node = e->node;
    c.job_id = e->job_id;
    c.job = e->job;
    c.attempt = e->attempt;
    c.session = s->id;
    c.index = e->index;
    disp__emit(d, &c);
    d->st.deliveries++;
    if (d->p.result_queue == DISP_QUEUE_ORDERED)
        u_set_flag(s, e->index, DISP__U_RELEASED);
    qlog(d, DISP_LOG_RESULT_RELEASED, s, e->index, e, 0);
}

static void evict_beyond_max(disp *d, disp__session *s)
{
    while (s->pn > (uint32_t)d->p.result_queue_max) {
        disp__rq_entry e = s->pend[s->pstart + s->pn - 1];
        s->pn--;
        d->st.evictions++;
        qlog(d, DISP_LOG_QUEUE_EVICT, s, e.index, &e, 0);
    }
}

/* ---- reference queue ------------------------------------------------------------- */

static void arm_check(disp *d, disp__session *s)
{
    bool want = ack_get(s, s->expected) >= 0;
    uint32_t slot = sslot(d, s);

    if (want == s->armed)
        return;
    s->armed = want;
    if (want) { /* join the ring just before the cursor: last in this round */
        if (d->armed_cursor == DISP__NONE) {
            s->anext = s->aprev = slot;
            d->armed_cursor = slot;
        } else {
            disp__session *c = &d->sessions[d->armed_cursor];
            s->anext = d->armed_cursor;
            s->aprev = c->aprev;
            d->sessions[c->aprev].anext = slot;
            c->aprev = slot;
        }
        if (d->narmed++ == 0)
            disp__timer_set(d, DISP__TREF(DISP__T_CHECK, 0),
                            disp__next_multiple(d->now, d->p.result_check_interval));
    } else {
        if (s->anext == slot) {
            d->armed_cursor = DISP__NONE;
        } else {
            d->sessions[s->aprev].anext = s->anext;
            d->sessions[s->anext].aprev = s->aprev;
            if (d->armed_cursor == slot)
                d->armed_cursor = s->anext;
        }
        s->anext = s->aprev = DISP__NONE;
        if (--d->narmed == 0)
            disp__timer_clear(d, DISP__TREF(DISP__T_CHECK, 0));
    }
}

/* get_ready_results(now): releases what it can, moves `expected`, skips. */
static void ref_ready(disp *d, disp__session *s)
{
    uint64_t guard = (uint64_t)s->pn + s->nwait + 2;

    if (s->pn > 0 && s->expected < (int64_t)s->pend[s->pstart].index)
        s->expected = s->pend[s->pstart].index;
    while (guard-- > 0) {
        disp_time w;
        if (pend_has(s, s->expected)) {
            disp__rq_entry e = pend_take(s, (uint32_t)s->expected);
            deliver(d, s, &e);
            ack_del(d, s, s->expected);
            s->expected++;
            continue;
        }
        if (s->pn > 0) {
            /* A smaller index moves `expected` back; a larger one leaves it. */
            disp__rq_entry e = pend_pop_min(s);
            deliver(d, s, &e);
            ack_del(d, s, e.index);
            if ((int64_t)e.index < s->expected)
                s->expected = (int64_t)e.index + 1;
            continue;
        }
        w = ack_get(s, s->expected);
        if (w >= 0 && d->now - w >= d->p.ack_timeout) {
            d->st.ack_skips++;
            qlog(d, DISP_LOG_ACK_SKIP, s, s->expected, NULL, disp__ms(d->now - w));
            ack_del(d, s, s->expected);
            s->expected++;
            continue;
        }
        break;
    }
    arm_check(d, s);
}

static void ref_add(disp *d, disp__session *s, const disp__rq_entry *e)
{
    disp_time w = ack_get(s, e->index);

    if (w >= 0) {
        disp_time waited = d->now - w;
        ack_del(d, s, e->index);
        if (waited >= d->p.ack_timeout) {
            d->st.ack_discards++;
            qlog(d, DISP_LOG_ACK_DISCARD, s, e->index, e, disp__ms(waited));
            ref_ready(d, s); /* the caller asks for ready results all the same */
            return;
        }
    }
    if ((int64_t)e->index > s->expected) {
        /* The gap clock starts now for every index in [expected, index) that is
         * neither pending nor waiting — delivered or discarded ones included.
         * At most DISP__ACK_RANGE_MAX of them, and none that would stretch
         * the window beyond its bound (max_session_window). */
        int64_t i = s->expected, top = (int64_t)s->ubase + s->un;
        if ((int64_t)e->index - i > DISP__ACK_RANGE_MAX)
            i = (int64_t)e->index - DISP__ACK_RANGE_MAX;
        if (top - i > (int64_t)d->window_max)
            i = top - (int64_t)d->window_max;
        if (i < (int64_t)e->index && disp__u_cover(d, s, (uint32_t)i, e->index) != 0)
            i = e->index; /* not reached: reserved by disp__rq_reserve */
        for (; i < (int64_t)e->index; i++)
            if (!pend_has(s, i) && ack_get(s, i) < 0)
                ack_put(s, (uint32_t)i, d->now);
    }
    pend_put(d, s, e);
    evict_beyond_max(d, s);
    ref_ready(d, s);
}

void disp__rq_check(disp *d)
{
    uint32_t count = d->narmed < (uint32_t)d->p.result_check_sessions
                         ? d->narmed : (uint32_t)d->p.result_check_sessions;

    for (uint32_t k = 0; k < count && d->armed_cursor != DISP__NONE; k++) {
        disp__session *s = &d->sessions[d->armed_cursor];
        d->armed_cursor = s->anext;
        ref_ready(d, s);
    }
    if (d->narmed > 0)
        disp__timer_set(d, DISP__TREF(DISP__T_CHECK, 0),
                        disp__next_multiple(d->now, d->p.result_check_interval));
}

/* ---- ordered queue ---------------------------------------------------------------- */

static void ord_pump(disp *d, disp__session *s)
{
    uint64_t guard = (uint64_t)s->pn + s->un + 2; /* failed flags lie in the window */
    uint32_t ref = DISP__TREF(DISP__T_SESSION, sslot(d, s));

    while (guard-- > 0) {
        if (s->pn > 0 && (int64_t)s->pend[s->pstart].index == s->expected) {
            disp__rq_entry e = pend_pop_min(s);
            deliver(d, s, &e);
            s->expected++;
            continue;
        }
        if (u_flag(s, s->expected, DISP__U_FAILED)) { /* failed for good: no wait */
            s->expected++;
            continue;
        }
        break;
    }
    if (s->pn == 0) {
        disp__timer_clear(d, ref);
    } else if (!disp__timer_armed(d, ref) || s->gap_index != s->expected) {
        s->gap_index = s->expected;
        s->gap_since = d->now;
        disp__timer_set(d, ref, d->now + d->p.ack_timeout);
    }
}

static void ord_add(disp *d, disp__session *s, const disp__rq_entry *e)
{
    if ((int64_t)e->index < s->expected) {
        if (u_flag(s, e->index, DISP__U_RELEASED)) {
            d->st.queue_duplicates++;
            qlog(d, DISP_LOG_QUEUE_DUPLICATE, s, e->index, e, 0);
        } else { /* skipped (too late) or passed over as failed */
            const disp__uinfo *u = disp__u_get(s, e->index);
            d->st.ack_discards++;
            /* the wait since its gap clock started, as the reference queue's
             * discards carry; 0 where the queue never waited for it (failed) */
            qlog(d, DISP_LOG_ACK_DISCARD, s, e->index, e,
                 u != NULL && u->wait >= 0 ? disp__ms(d->now - u->wait) : 0);
        }
        return;
    }
    if (pend_has(s, e->index)) { /* a copy is already held: keep the first */
        d->st.queue_duplicates++;
        qlog(d, DISP_LOG_QUEUE_DUPLICATE, s, e->index, e, 0);
        return;
    }
    pend_put(d, s, e);
    ord_pump(d, s); /* release first: only what is still held counts for eviction */
    evict_beyond_max(d, s);
}

void disp__rq_gap_timer(disp *d, uint32_t slot)
{
    disp__session *s = &d->sessions[slot];
    int64_t upto;

    assert(s->in_use && s->pn > 0);
    upto = s->pend[s->pstart].index;
    for (; s->expected < upto; s->expected++) {
        disp__uinfo *u = disp__u_get(s, s->expected);
        if (u_flag(s, s->expected, DISP__U_RELEASED | DISP__U_FAILED))
            continue;
        if (u != NULL) /* for a late result's discard record (ord_add) */
            u->wait = s->gap_since;
        d->st.ack_skips++;
        qlog(d, DISP_LOG_ACK_SKIP, s, s->expected, NULL, disp__ms(d->now - s->gap_since));
    }
    ord_pump(d, s);
}

/* ---- entry points from results and jobs ------------------------------------------- */

void disp__rq_add(disp *d, disp__session *s, const disp__rq_entry *e)
{
    assert(disp__u_get(s, e->index) != NULL); /* a held job's index, or claimed: in the window */
    switch (d->p.result_queue) {
    case DISP_QUEUE_IMMEDIATE:
        deliver(d, s, e);
        break;
    case DISP_QUEUE_ORDERED:
        ord_add(d, s, e);
        break;
    default:
        ref_add(d, s, e);
        break;
    }
}

void disp__rq_failed(disp *d, disp__session *s, uint32_t index)
{
    if (d->p.result_queue != DISP_QUEUE_ORDERED || (int64_t)index < s->expected)
        return;
    u_set_flag(s, index, DISP__U_FAILED);
    ord_pump(d, s);
}

int disp__session_close(disp *d, disp__session *s)
{
    uint32_t slot = sslot(d, s);

    /* its jobs still held are counted by id from now on (disp_session_jobs) */
    if (s->held > 0) {
        int64_t *v;
        if (disp__map_reserve(d, &d->closed_held, d->closed_held.n + 1) != 0)
            return DISP_ENOMEM; /* nothing has changed */
        v = disp__map_get(&d->closed_held, s->id, 0);
        disp__map_put(&d->closed_held, s->id, 0, (v ? *v : 0) + (int64_t)s->held);
    }

    while (s->pn > 0) { /* flush: everything still pending goes out, in index order */
        disp__rq_entry e = pend_pop_min(s);
        deliver(d, s, &e);
    }
    disp__u_free(d, s); /* no wait entries: arm_check() leaves the ring */
    arm_check(d, s);
    disp__timer_clear(d, DISP__TREF(DISP__T_SESSION, slot));
    disp__free(d, s->pend);
    disp__map_del(&d->sess_map, s->id, 0);
    memset(s, 0, sizeof *s);
    s->hpos = -1;
    s->fnext = d->sfree;
    d->sfree = slot;
    d->st.sessions_in_memory--;
    return 0;
}

void disp__sessions_free(disp *d)
{
    for (uint32_t i = 0; i < d->nsess; i++) {
        disp__free(d, d->sessions[i].pend);
        disp__free(d, d->sessions[i].u);
        disp__free(d, d->sessions[i].kept);
    }
    disp__free(d, d->sessions);
    disp__free(d, d->spare_u);
    disp__map_free(d, &d->sess_map);
    disp__map_free(d, &d->closed_held);
}

int disp__rq_reserve(disp *d, disp__session *s, uint32_t index)
{
    int64_t top = (int64_t)s->ubase + s->un;

    if ((uint64_t)s->pstart + s->pn + 1 > s->pcap && /* room already: no call */
        disp__grow(d, &s->pend, &s->pcap, (uint64_t)s->pstart + s->pn + 1, sizeof *s->pend,
                   8) != 0)
        return DISP_ENOMEM;
    /* the gap entries disp__rq_add may create (reference queue), as it computes them */
    if (d->p.result_queue == DISP_QUEUE_REFERENCE && (int64_t)index > s->expected) {
        int64_t i = s->expected;
        if ((int64_t)index - i > DISP__ACK_RANGE_MAX)
            i = (int64_t)index - DISP__ACK_RANGE_MAX;
        if (top - i > (int64_t)d->window_max)
            i = top - (int64_t)d->window_max;
        if (i < (int64_t)index)
            return disp__u_reserve(d, s, i, index);
    }
    return 0;
}
