/*
 * jobs.c — the job lifecycle: create, dispatch, time out, cancel, fail over,
 * hedge, wait in the pending queue, finish, and be forgotten.
 *
 * Reference behaviour (reference-scheduler.md): a job that finds no node stays
 * Pending and fails at the first scan tick after pending_timeout; a dispatched
 * job times out at the first scan tick after dispatch + timeout; a timeout logs,
 * cancels the old node (send_cancel), releases its slot, then fails the job when
 * max_failovers re-dispatches were used, else re-dispatches to another node
 * (the old one only when no other has a free slot) with attempt + 1.
 *
 * Under node_load snapshot the node chosen may deny the reservation
 * (disp__node_grants): the job is then where it would be had no node been
 * found — Pending on a first dispatch (core/dispatcher.rs 98e3526: the Redis
 * reserve fails, assigned_node_id = None), failed on a failover
 * (timeout/job_timeout.rs: "if !reserved" -> Failed, JOB_TIMEOUT), no other
 * node is tried.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { KIND_FIRST, KIND_FAILOVER, KIND_HEDGE };

#ifndef NDEBUG /* only the assertions ask (clang warns of an unused one) */
static inline bool terminal(const disp__job *j)
{
    return j->state == DISP__J_COMPLETED || j->state == DISP__J_FAILED;
}
#endif

static uint32_t jslot(const disp *d, const disp__job *j)
{
    return (uint32_t)(j - d->jobs);
}

/* ---- the pending FIFO (pending = queue) ------------------------------------ */

static void enqueue(disp *d, disp__job *j)
{
    uint32_t s = jslot(d, j);

    assert(!j->in_queue);
    j->in_queue = true;
    j->qnext = DISP__NONE;
    j->qprev = d->qtail;
    if (d->qtail != DISP__NONE)
        d->jobs[d->qtail].qnext = s;
    else
        d->qhead = s;
    d->qtail = s;
}

static void dequeue(disp *d, disp__job *j)
{
    if (!j->in_queue)
        return;
    if (j->qprev != DISP__NONE)
        d->jobs[j->qprev].qnext = j->qnext;
    else
        d->qhead = j->qnext;
    if (j->qnext != DISP__NONE)
        d->jobs[j->qnext].qprev = j->qprev;
    else
        d->qtail = j->qprev;
    j->in_queue = false;
    j->qprev = j->qnext = DISP__NONE;
}

/* ---- attempts ---------------------------------------------------------------- */

void disp__job_drop_live(disp *d, disp__job *j, int i, bool cancel)
{
    disp__attempt a = j->live[i];

    assert(i >= 0 && i < j->n_live);
    if (cancel) {
        disp_cmd c;
        memset(&c, 0, sizeof c);
        c.kind = DISP_CMD_CANCEL;
        c.now = d->now;
        c.node = a.node;
        c.job_id = disp__wire(d, j, a.attempt);
        c.job = j->id;
        c.attempt = d->p.cancel_carries_attempt ? a.attempt : 0;
        c.session = j->session;
        c.index = j->index;
        disp__emit(d, &c);
    }
    disp__node_release(d, &d->nodes[a.nslot]);
    if (i + 1 < j->n_live)
        memmove(&j->live[i], &j->live[i + 1], (size_t)(j->n_live - i - 1) * sizeof j->live[0]);
    j->n_live--;
}

static void drop_all_live(disp *d, disp__job *j, bool cancel)
{
    while (j->n_live > 0)
        disp__job_drop_live(d, j, j->n_live - 1, cancel);
}

void disp__job_finish(disp *d, disp__job *j, disp__jstate st)
{
    uint32_t s = jslot(d, j);

    assert(!terminal(j)); /* at most one terminal state per job */
    assert(st == DISP__J_COMPLETED || st == DISP__J_FAILED);
    drop_all_live(d, j, false);
    disp__job_timer_clear(d, j, DISP__T_JOB_MAIN);
    disp__job_timer_clear(d, j, DISP__T_JOB_HEDGE);
    dequeue(d, j);
    j->state = (uint8_t)st;
    {
        /* A job every attempt of which has reported can hear from no node again:
         * it is kept for the shorter retention (the client's and the queue's
         * windows); one with an attempt still out, for the longer one. */
        bool quiet = j->unreported == 0 && !j->unreported_far;
        disp__fring *q = &d->fq[quiet ? DISP__FQ_QUIET : DISP__FQ_LATE];
        j->forget_at = d->now + (quiet ? d->retain_quiet : d->retain);
        assert(q->n < q->cap); /* one entry per job slot at most: grown with the jobs */
        q->v[(q->head + q->n) % q->cap] = (disp__forget){
            .at = j->forget_at, .session = j->session, .sess_epoch = j->sess_epoch,
            .sess_slot = j->sess_slot, .slot = s};
        q->n++;
        /* each ring is in forget order: only a first entry can be a new earliest */
        if (j->forget_at < d->forget_next)
            d->forget_next = j->forget_at;
    }
    if (st == DISP__J_FAILED) {
        disp__session *ss = disp__session_of(d, j);
        if (ss != NULL)
            disp__rq_failed(d, ss, j->index);
    }
}

/* Fails a job for good with JOB_TIMEOUT, after logging why. */
static void fail_timeout(disp *d, disp__job *j, disp_log_event ev, int64_t elapsed_ms)
{
    disp__log_job(d, ev, j, NULL, elapsed_ms);
    if (ev == DISP_LOG_PENDING_TIMEOUT)
        d->st.pending_timeouts++;
    disp__job_finish(d, j, DISP__J_FAILED);
    disp__error(d, j, DISP_ERR_JOB_TIMEOUT);
}

/* Arms the main timer for a running timeout period that started at `base`. */
static void arm_deadline(disp *d, disp__job *j, const disp__node *n)
{
    disp_time when = j->deadline_base + j->timeout;

    if (d->p.liveness.mode != DISP_LIVENESS_NONE) {
        disp_time cap = j->dispatched_at + d->p.timeout.max;
        when = disp__liveness_due(d, n, &j->live[0]);
        if (when > cap)
            when = cap;
    }
    disp__timer_set(d, DISP__TREF(DISP__T_JOB_MAIN, jslot(d, j)), disp__scan_round(d, when));
}

/* The node chosen, if its reservation is granted; else NULL (as if none was
 * found). Only node_load snapshot denies one. */
static inline disp__node *granted(const disp *d, disp__node *n)
{
    return n != NULL && disp__node_grants(d, n) ? n : NULL;
}

static void dispatch(disp *d, disp__job *j, disp__node *n, int kind)
{
    disp__attempt *a;
    disp__class *cls = &d->classes[n->cls_slot];
    disp_cmd c;

    assert(j->n_live < DISP__LIVE_MAX);
    assert(j->attempt < DISP__ATTEMPT_MASK);
    disp__node_reserve(d, n);
    a = &j->live[j->n_live++];
    a->attempt = ++j->attempt; /* attempt ids strictly increase per job */
    a->node = n->id;
    a->nslot = (uint32_t)(n - d->nodes);
    a->dispatched_at = d->now;
    a->last_progress = -1;
    a->hedge = kind == KIND_HEDGE;
    if (a->attempt <= 32)
        j->unreported |= UINT32_C(1) << (a->attempt - 1);
    else
        j->unreported_far = true;
    j->state = DISP__J_ASSIGNED;
    if (kind == KIND_FAILOVER) {
        j->failover_attempts++;
        d->st.failovers++;
    }

    memset(&c, 0, sizeof c);
    c.kind = DISP_CMD_ASSIGN;
    c.now = d->now;
    c.node = n->id;
    c.job_id = disp__wire(d, j, a->attempt);
    c.job = j->id;
    c.attempt = a->attempt;
    c.session = j->session;
    c.index = j->index;
    c.audio = j->audio;
    c.hedge = a->hedge;
    disp__emit(d, &c);
    d->st.dispatches++;

    if (kind == KIND_HEDGE) {
        j->hedges++;
        d->st.hedges++;
        disp__log_job(d, DISP_LOG_HEDGE_DISPATCHED, j, a, 0);
        return;
    }
    if (kind == KIND_FIRST) {
        disp__budget_deposit(d);
        disp__log_job(d, DISP_LOG_JOB_DISPATCHED, j, a, 0);
    } else {
        disp__log_job(d, DISP_LOG_FAILOVER_DISPATCHED, j, a, 0);
    }
    /* A primary attempt (first or failover) starts the timeout period. */
    assert(j->n_live == 1);
    j->dispatched_at = d->now;
    j->deadline_base = d->now;
    j->timeout = disp__timeout_for(d, cls, j->failover_attempts);
    arm_deadline(d, j, n);
    if (d->p.hedge.enabled)
        disp__timer_set(d, DISP__TREF(DISP__T_JOB_HEDGE, jslot(d, j)),
                        d->now + disp__hedge_delay(d, cls));
}

/* No node now: Pending (fail mode) or the FIFO (queue mode). */
static void to_pending(disp *d, disp__job *j, bool redispatch)
{
    uint32_t s = jslot(d, j);

    j->state = DISP__J_PENDING;
    j->redispatch = redispatch;
    j->wait_since = d->now;
    disp__log_job(d, DISP_LOG_JOB_PENDING, j, NULL, 0);
    if (d->p.pending == DISP_PENDING_QUEUE)
        enqueue(d, j);
    if (d->p.pending == DISP_PENDING_FAIL || d->p.pending_timeout > 0)
        disp__timer_set(d, DISP__TREF(DISP__T_JOB_MAIN, s),
                        disp__scan_round(d, d->now + d->p.pending_timeout));
}

/* Re-dispatch after a timeout: another node first, then the old one. */
static void failover_now(disp *d, disp__job *j)
{
    disp__node *n = disp__node_pick(d, &j->last_node, 1);

    if (n == NULL)
        n = disp__node_pick(d, NULL, 0);
    if ((n = granted(d, n)) != NULL) {
        dispatch(d, j, n, KIND_FAILOVER);
    } else if (d->p.pending == DISP_PENDING_QUEUE) {
        to_pending(d, j, true);
    } else {
        fail_timeout(d, j, DISP_LOG_FAILOVER_NO_NODE, disp__ms(d->now - j->dispatched_at));
    }
}

static void on_dispatch_timeout(disp *d, disp__job *j)
{
    uint32_t s = jslot(d, j);
    disp__attempt newest;
    bool exhausted;
    int i;

    assert(j->n_live > 0);
    if (d->p.liveness.mode != DISP_LIVENESS_NONE) {
        /* Dead only when every live attempt is silent (or the hard cap passed). */
        disp_time due = INT64_MIN, cap = j->dispatched_at + d->p.timeout.max;
        for (i = 0; i < j->n_live; i++) {
            disp_time t = disp__liveness_due(d, &d->nodes[j->live[i].nslot], &j->live[i]);
            if (t > due)
                due = t;
        }
        if (due > d->now && cap > d->now) {
            disp__timer_set(d, DISP__TREF(DISP__T_JOB_MAIN, s),
                            disp__scan_round(d, due < cap ? due : cap));
            return;
        }
    } else if (d->p.failover == DISP_FAILOVER_EXTEND_IF_BUSY) {
        disp_time lp = -1;
        for (i = 0; i < j->n_live; i++)
            if (j->live[i].last_progress > lp)
                lp = j->live[i].last_progress;
        if (lp >= 0 && lp > d->now - j->timeout) {
            j->deadline_base = lp;
            d->st.extensions++;
            disp__log_job(d, DISP_LOG_DEADLINE_EXTENDED, j, &j->live[j->n_live - 1],
                          disp__ms(d->now - j->dispatched_at));
            disp__timer_set(d, DISP__TREF(DISP__T_JOB_MAIN, s), disp__scan_round(d, lp + j->timeout));
            return;
        }
    }
    exhausted = j->failover_attempts + j->budget_waits >= d->p.max_failovers;
    if (!exhausted && d->p.retry_budget.enabled && !disp__budget_withdraw(d)) {
        /* Refused: the attempt keeps running for another period (no cancel). */
        j->budget_waits++;
        d->st.budget_refusals++;
        disp__log_job(d, DISP_LOG_BUDGET_REFUSED, j, &j->live[j->n_live - 1],
                      disp__ms(d->now - j->dispatched_at));
        j->deadline_base = d->now;
        disp__timer_set(d, DISP__TREF(DISP__T_JOB_MAIN, s), disp__scan_round(d, d->now + j->timeout));
        return;
    }
    newest = j->live[j->n_live - 1];
    d->st.timeouts++;
    disp__log_job(d, DISP_LOG_DISPATCH_TIMEOUT, j, &newest, disp__ms(d->now - j->dispatched_at));
    drop_all_live(d, j, d->p.send_cancel);
    disp__timer_clear(d, DISP__TREF(DISP__T_JOB_HEDGE, s));
    j->last_node = newest.node;
    if (exhausted) {
        fail_timeout(d, j, DISP_LOG_FAILOVER_EXHAUSTED, disp__ms(d->now - j->dispatched_at));
        return;
    }
    if (d->p.backoff.enabled) {
        disp_time delay = disp__backoff_delay(d, j);
        j->state = DISP__J_BACKOFF;
        j->redispatch = true;
        disp__log_job(d, DISP_LOG_BACKOFF_WAIT, j, &newest, disp__ms(delay));
        disp__timer_set(d, DISP__TREF(DISP__T_JOB_MAIN, s), d->now + delay);
        return;
    }
    failover_now(d, j);
}

static void on_hedge(disp *d, disp__job *j)
{
    uint32_t avoid[DISP__LIVE_MAX];
    disp__class *cls;
    disp__node *n;
    int i, max_live = 1 + d->p.hedge.max_extra;

    if (j->state != DISP__J_ASSIGNED || j->n_live >= max_live || j->n_live == 0)
        return;
    cls = &d->classes[d->nodes[j->live[0].nslot].cls_slot];
    if ((double)(d->st.hedges + 1) > d->p.hedge.budget * (double)d->st.jobs_created)
        return; /* the hedge budget (a fraction of jobs) is spent */
    for (i = 0; i < j->n_live; i++)
        avoid[i] = j->live[i].node;
    n = granted(d, disp__node_pick(d, avoid, j->n_live));
    if (n == NULL) {
        /* No other node has a free slot: look again after another delay. */
        disp__timer_set(d, DISP__TREF(DISP__T_JOB_HEDGE, jslot(d, j)),
                        d->now + disp__hedge_delay(d, cls));
        return;
    }
    if (d->p.retry_budget.enabled && !disp__budget_withdraw(d)) {
        d->st.budget_refusals++;
        disp__log_job(d, DISP_LOG_BUDGET_REFUSED, j, &j->live[j->n_live - 1],
                      disp__ms(d->now - j->dispatched_at));
        return;
    }
    dispatch(d, j, n, KIND_HEDGE);
    if (j->n_live < max_live)
        disp__timer_set(d, DISP__TREF(DISP__T_JOB_HEDGE, jslot(d, j)),
                        d->now + disp__hedge_delay(d, cls));
}

void disp__job_timer(disp *d, uint32_t slot, int kind)
{
    disp__job *j = &d->jobs[slot];

    assert(j->state != DISP__J_FREE && !terminal(j));
    if (kind == DISP__T_JOB_HEDGE) {
        on_hedge(d, j);
        return;
    }
    switch (j->state) {
    case DISP__J_PENDING:
        dequeue(d, j);
        fail_timeout(d, j, DISP_LOG_PENDING_TIMEOUT, disp__ms(d->now - j->wait_since));
        break;
    case DISP__J_ASSIGNED:
        on_dispatch_timeout(d, j);
        break;
    case DISP__J_BACKOFF:
        failover_now(d, j);
        break;
    default:
        assert(!"job timer in an unexpected state");
    }
}

void disp__queue_pump_run(disp *d)
{
    uint32_t guard = d->njobs + 1;

    while (d->qhead != DISP__NONE && guard-- > 0) {
        disp__job *j = &d->jobs[d->qhead];
        disp__node *n = j->redispatch ? disp__node_pick(d, &j->last_node, 1) : NULL;
        if (n == NULL)
            n = disp__node_pick(d, NULL, 0);
        if ((n = granted(d, n)) == NULL)
            return;
        dequeue(d, j);
        disp__timer_clear(d, DISP__TREF(DISP__T_JOB_MAIN, jslot(d, j)));
        dispatch(d, j, n, j->redispatch ? KIND_FAILOVER : KIND_FIRST);
    }
}

/* ---- creation and forgetting ------------------------------------------------- */

uint64_t disp_session_jobs(const disp *d, uint64_t session)
{
    const disp__session *s = disp__session_find(d, session);
    const int64_t *closed = disp__map_get(&d->closed_held, session, 0);
    return (s != NULL ? s->held : 0) + (closed != NULL ? (uint64_t)*closed : 0);
}

/* A job is forgotten: one fewer held of its session's opening, open or closed. */
static void held_drop(disp *d, const disp__forget *f)
{
    disp__session *s = disp__session_at(d, f->sess_slot, f->sess_epoch);
    if (s != NULL) {
        assert(s->held > 0);
        s->held--;
        return;
    }
    int64_t *v = disp__map_get(&d->closed_held, f->session, 0);
    assert(v != NULL && *v > 0);
    if (--*v == 0)
        disp__map_del(&d->closed_held, f->session, 0);
}

/* A free job record, or NULL when d->jobs_max jobs are held. */
static disp__job *job_alloc(disp *d)
{
    uint32_t s;
    disp__job *j;

    if (d->st.jobs_in_memory >= d->jobs_max)
        return NULL;
    if (d->nfree > 0) {
        s = d->jfree[--d->nfree];
    } else {
        if (d->njobs == DISP__SLOT_MAX)
            return NULL;
        assert(d->njobs < d->jcap); /* reserved: disp__reserve_job */
        s = d->njobs++;
    }
    j = &d->jobs[s];
#if defined(__GNUC__)
    /* The record the next creation takes was forgotten long after its job
     * finished, so it is cold: ask for it now, while other events run, rather
     * than stall on it then (the incident world without PGO: -2.7 % CPU, the
     * median of 20 pairs; with PGO within the machine's noise). */
    if (d->nfree > 0) {
        const char *next = (const char *)&d->jobs[d->jfree[d->nfree - 1]];
        for (size_t off = 0; off < sizeof *j; off += 64)
            __builtin_prefetch(next + off, 1);
    }
#endif
    /* live[] is last and is read only below n_live: every entry is written
     * when an attempt is added, so the rest of the record is what is cleared */
    memset(j, 0, offsetof(disp__job, live));
    j->hpos[0] = j->hpos[1] = -1;
    j->qprev = j->qnext = DISP__NONE;
    j->last_node = UINT32_MAX;
    return j;
}

uint64_t disp__job_held(const disp *d, const disp__session *s, uint32_t index)
{
    uint64_t known = s != NULL ? disp__session_job(s, index) : 0;

    return known != 0 && disp__job_by_id(d, known) != NULL ? known : 0;
}

int disp__job_create(disp *d, disp__session *s, uint64_t session, uint32_t index, disp_time audio,
                     uint64_t *job_out)
{
    disp__job *j;
    disp__node *n;
    int rc;

    assert(disp__job_held(d, s, index) == 0);
    if (s == NULL && (s = disp__session_open(d, session)) == NULL)
        return DISP_ELIMIT;
    if ((rc = disp__session_claim(d, s, index)) != 0)
        return rc;
    if ((j = job_alloc(d)) == NULL)
        return DISP_ELIMIT;
    if ((++d->serial & ((UINT64_C(1) << DISP__GEN_BITS) - 1)) == 0)
        ++d->serial; /* generation 0 never names a job */
    j->id = (d->serial & ((UINT64_C(1) << DISP__GEN_BITS) - 1)) << DISP__GEN_SHIFT |
            (uint64_t)jslot(d, j) << DISP__ATTEMPT_BITS;
    j->session = session;
    j->sess_epoch = s->epoch;
    j->sess_slot = (uint32_t)(s - d->sessions);
    s->held++;
    j->index = index;
    j->audio = audio;
    j->created_at = d->now;
    j->dispatched_at = d->now;
    disp__session_set_job(s, index, j->id);
    d->st.jobs_created++;
    d->st.jobs_in_memory++;
    if (job_out)
        *job_out = j->id;
    disp__log_job(d, DISP_LOG_JOB_CREATED, j, NULL, 0);

    /* Queue mode keeps arrival order: nobody overtakes a waiting job. */
    n = d->qhead == DISP__NONE ? granted(d, disp__node_pick(d, NULL, 0)) : NULL;
    if (n != NULL)
        dispatch(d, j, n, KIND_FIRST);
    else
        to_pending(d, j, false);
    return 0;
}

/* Forgets finished jobs past their retention. Their records are not touched:
 * disp__job_by_id() no longer sees a job whose forget time has come, and the
 * slot is reused (and overwritten) by a later job. The session's (index -> id)
 * entry may stay until its window moves past it (uwin.c): an id whose slot no
 * longer holds it names no job. */
void disp__jobs_forget(disp *d)
{
    d->forget_next = DISP_NEVER;
    for (int r = 0; r < 2; r++) {
        disp__fring *q = &d->fq[r];
        while (q->n > 0 && q->v[q->head].at <= d->now) {
            held_drop(d, &q->v[q->head]);
            assert(d->nfree < d->fcap); /* grown with the jobs */
            d->jfree[d->nfree++] = q->v[q->head].slot;
            q->head = (q->head + 1) % q->cap;
            q->n--;
            d->st.jobs_in_memory--;
        }
        if (q->n > 0 && q->v[q->head].at < d->forget_next)
            d->forget_next = q->v[q->head].at;
    }
}

void disp__jobs_free(disp *d)
{
    disp__free(d, d->jobs);
    disp__free(d, d->jfree);
    disp__free(d, d->fq[0].v);
    disp__free(d, d->fq[1].v);
}
