/*
 * results.c — a node's job_result and progress: dedup, the stale check, the
 * result_accept modes, and the hand-over to the session's result queue.
 *
 * Reference order (reference-scheduler.md): (1) dedup on (session, job_id)
 * before anything else, success included; (2) the stale check (job finished,
 * other node, other attempt); a current result releases the slot and finishes
 * the job; (3) every successful result, current or not, goes to the result
 * queue; a failed one reaches the client as an error instead. A result for a
 * job the core no longer holds takes the same path for the (session, index)
 * its message names, as the reference's does ("Job does not exist, will still
 * add to result queue": job_result.rs at 98e3526).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Checks the job a wire job_id names (j: the held job of its stable id, or
 * NULL): returns 0 and sets *out to j, or DISP_EUNKNOWN when the id and attempt cannot name a
 * job of this core (no stable id, attempt 0 or past the job's last attempt, the
 * id form of another failover mode). */
static int resolve(const disp *d, disp__job *j, uint64_t job_id, uint32_t attempt, disp__job **out)
{
    uint64_t low = job_id & DISP__ATTEMPT_MASK;

    if ((job_id & ~DISP__ATTEMPT_MASK) == 0 || attempt == 0 || (j != NULL && attempt > j->attempt))
        return DISP_EUNKNOWN;
    if (d->p.failover == DISP_FAILOVER_NEW_JOB_ID ? low != attempt : low != 0)
        return DISP_EUNKNOWN;
    *out = j;
    return 0;
}

static int live_index(const disp__job *j, uint32_t attempt, uint32_t node)
{
    for (int i = 0; i < j->n_live; i++)
        if (j->live[i].attempt == attempt && j->live[i].node == node)
            return i;
    return -1;
}

/* A LOG record about one result (its own attempt and node). */
static void log_result(disp *d, disp_log_event ev, const disp__job *j, uint32_t attempt,
                       uint32_t node, int64_t elapsed_ms)
{
    disp__attempt a;

    if (!disp__log_on(d, ev))
        return;
    memset(&a, 0, sizeof a);
    a.attempt = attempt;
    a.node = node;
    disp__log_job_emit(d, ev, j, &a, elapsed_ms);
}

/* A LOG record about a result for no held job, with what its message says. */
static void unknown(disp *d, disp_log_event ev, uint64_t job_id, uint32_t attempt, uint32_t node,
                    uint64_t session, uint32_t index)
{
    disp_cmd c;

    if (!disp__log_on(d, ev))
        return;
    memset(&c, 0, sizeof c);
    c.kind = DISP_CMD_LOG;
    c.now = d->now;
    c.event = ev;
    c.job_id = job_id;
    c.job = job_id & ~DISP__ATTEMPT_MASK;
    c.attempt = attempt;
    c.node = node;
    c.session = session;
    c.index = index;
    c.ack_timeout_ms = disp__ms(d->p.ack_timeout);
    disp__emit(d, &c);
}

/* Dedup on (session, wire job_id), dedup_ttl > 0: whether this result is a
 * second one within the TTL (dropped, logged); else it is recorded. */
static bool dedup_drop(disp *d, const disp__job *j, uint64_t job_id, uint32_t attempt,
                       uint32_t node)
{
    int64_t *rec;

    assert(d->p.dedup_ttl > 0); /* the callers check: dedup off costs no call */
    rec = disp__map_get(&d->dedup, j->session, job_id);
    if (rec != NULL && d->now - *rec < d->p.dedup_ttl) {
        d->st.dedup_drops++;
        log_result(d, DISP_LOG_RESULT_DUPLICATE, j, attempt, node, disp__ms(d->now - *rec));
        return true;
    }
    disp__map_put(&d->dedup, j->session, job_id, d->now);
    assert(d->dq_n < d->dq_cap); /* reserved: disp__reserve_dedup */
    {
        uint32_t t = (d->dq_head + d->dq_n) % d->dq_cap;
        d->dq[t].a = j->session;
        d->dq[t].b = job_id;
        d->dq[t].at = d->now;
        d->dq_n++;
    }
    return false;
}

void disp__dedup_expire(disp *d)
{
    while (d->dq_n > 0 && d->now - d->dq[d->dq_head].at >= d->p.dedup_ttl) {
        int64_t *rec = disp__map_get(&d->dedup, d->dq[d->dq_head].a, d->dq[d->dq_head].b);
        if (rec != NULL && *rec == d->dq[d->dq_head].at)
            disp__map_del(&d->dedup, d->dq[d->dq_head].a, d->dq[d->dq_head].b);
        d->dq_head = (d->dq_head + 1) % d->dq_cap;
        d->dq_n--;
    }
}

static void fenced(disp *d, const disp__job *j, uint32_t attempt, uint32_t node)
{
    d->st.fenced++;
    log_result(d, DISP_LOG_RESULT_FENCED, j, attempt, node, 0);
}

/* elapsed_ms of a queued result's record: since the job's creation, as the
 * reference's "Received JobResult" line carries; 0 for the stand-in of a job
 * the core no longer holds (forgotten(): no creation time is kept). */
static int64_t since_created(const disp *d, const disp__job *j)
{
    return disp__job_by_id(d, j->id) == j ? disp__ms(d->now - j->created_at) : 0;
}

static void on_failed(disp *d, disp__job *j, uint32_t attempt, uint32_t node, int li)
{
    disp_accept_mode mode = d->p.result_accept;

    if ((mode != DISP_ACCEPT_ALL && li < 0) ||
        (mode == DISP_ACCEPT_FIRST_RESULT_WINS && j->succeeded)) {
        fenced(d, j, attempt, node);
        return;
    }
    log_result(d, DISP_LOG_RESULT_FAILED, j, attempt, node, 0);
    if (li >= 0) {
        disp__job_drop_live(d, j, li, false);
        if (mode == DISP_ACCEPT_FIRST_RESULT_WINS && j->n_live > 0)
            return; /* another attempt of this job is still running */
        disp__job_finish(d, j, DISP__J_FAILED);
    }
    disp__error(d, j, DISP_ERR_PROCESSING);
}

static void on_success(disp *d, disp__job *j, uint32_t attempt, uint32_t node, int li)
{
    disp_accept_mode mode = d->p.result_accept;
    disp__rq_entry e;
    disp__session *s;

    if ((mode == DISP_ACCEPT_CURRENT_ATTEMPT && li < 0) ||
        (mode == DISP_ACCEPT_FIRST_RESULT_WINS && j->succeeded)) {
        fenced(d, j, attempt, node);
        return;
    }
    if (li >= 0) {
        disp__attempt a = j->live[li];
        /* Karn's rule: no sample from a job that was re-dispatched. */
        if (j->failover_attempts == 0)
            disp__class_sample(d, &d->classes[d->nodes[a.nslot].cls_slot],
                               d->now - a.dispatched_at);
        disp__log_job(d, DISP_LOG_RESULT_ACCEPTED, j, &a, since_created(d, j));
        disp__job_drop_live(d, j, li, false);
    } else {
        d->st.stale_queued++;
        log_result(d, DISP_LOG_RESULT_STALE_QUEUED, j, attempt, node, since_created(d, j));
    }
    if (li >= 0 || (mode == DISP_ACCEPT_FIRST_RESULT_WINS && j->state != DISP__J_COMPLETED &&
                    j->state != DISP__J_FAILED)) {
        while (j->n_live > 0) /* attempts that lost the race (hedges) are cancelled */
            disp__job_drop_live(d, j, j->n_live - 1, true);
        disp__job_finish(d, j, DISP__J_COMPLETED);
    }
    j->succeeded = true;
    s = disp__session_of(d, j);
    if (s == NULL) { /* closed (a session opened since with its id is another) */
        log_result(d, DISP_LOG_RESULT_SESSION_CLOSED, j, attempt, node, 0);
        return;
    }
    e.index = j->index;
    e.attempt = attempt;
    e.node = node;
    e.job = j->id;
    e.job_id = disp__wire(d, j, attempt);
    disp__rq_add(d, s, &e);
}

/* A result for a job the core does not hold (never issued or forgotten): the
 * shared paths below run on a stand-in for it — a finished job of the
 * message's (session, index) that may have succeeded already — which is never
 * stored. */
static int forgotten(disp *d, uint64_t job_id, uint32_t attempt, uint32_t node, uint64_t session,
                     uint32_t index, bool success)
{
    disp__session *s;
    disp__job g;
    int rc;

    if (index >= DISP__INDEX_MAX)
        return DISP_EINVAL;
    /* Room first, as for a held job (disp__reserve_result): the claim, then
     * the queue's entry and the dedup record. The claim only drops and adds
     * entries nothing reads differently, so a refusal after it changes nothing. */
    if ((s = disp__session_find(d, session)) != NULL) {
        if (disp__u_reserve(d, s, index, (int64_t)index + 1) != 0)
            return DISP_ENOMEM;
        if ((rc = disp__session_claim(d, s, index)) != 0)
            return rc;
        if (disp__rq_reserve(d, s, index) != 0 || disp__reserve_dedup(d) != 0)
            return DISP_ENOMEM;
    }
    unknown(d, DISP_LOG_RESULT_UNKNOWN, job_id, attempt, node, session, index);
    if (s == NULL) {
        if (success)
            unknown(d, DISP_LOG_RESULT_SESSION_CLOSED, job_id, attempt, node, session, index);
        return DISP_EUNKNOWN;
    }
    memset(&g, 0, sizeof g);
    g.id = job_id & ~DISP__ATTEMPT_MASK;
    g.session = session;
    g.sess_epoch = s->epoch;
    g.sess_slot = (uint32_t)(s - d->sessions);
    g.index = index;
    g.state = DISP__J_COMPLETED;
    g.attempt = attempt;
    g.succeeded = true; /* unknown: first_result_wins must not take a second success */
    g.hpos[0] = g.hpos[1] = -1;
    g.qprev = g.qnext = DISP__NONE;
    if (d->p.dedup_ttl > 0 && dedup_drop(d, &g, job_id, attempt, node))
        return 0;
    if (success)
        on_success(d, &g, attempt, node, -1);
    else
        on_failed(d, &g, attempt, node, -1);
    return 0;
}

int disp__result(disp *d, disp__job *held, uint64_t job_id, uint32_t attempt, uint32_t node,
                 uint64_t session, uint32_t index, bool success)
{
    disp__job *j = NULL;
    disp__node *n;
    int rc, li;

    if ((rc = resolve(d, held, job_id, attempt, &j)) != 0) {
        unknown(d, DISP_LOG_RESULT_UNKNOWN, job_id, attempt, node, session, index);
        return rc;
    }
    if (j == NULL)
        return forgotten(d, job_id, attempt, node, session, index, success);
    if (attempt <= 32) /* this attempt has reported (see disp__job_finish) */
        j->unreported &= ~(UINT32_C(1) << (attempt - 1));
    li = (j->state == DISP__J_COMPLETED || j->state == DISP__J_FAILED)
             ? -1 : live_index(j, attempt, node);
    /* a live attempt's node is known by slot; another node is looked up */
    if ((n = li >= 0 ? &d->nodes[j->live[li].nslot] : disp__node_find(d, node)) != NULL)
        disp__node_signal(d, n, d->now);
    if (d->p.dedup_ttl > 0 && dedup_drop(d, j, job_id, attempt, node))
        return 0;
    if (success)
        on_success(d, j, attempt, node, li);
    else
        on_failed(d, j, attempt, node, li);
    return 0;
}

int disp_progress(disp *d, disp_time now, uint64_t job_id, uint32_t attempt, uint32_t node,
                  int stage)
{
    disp__job *j = NULL;
    disp__node *n;
    int rc, li;

    assert(d != NULL);
    if ((rc = disp__enter(d, now)) != 0)
        return rc;
    if (stage < 0 || stage > 2)
        return DISP_EINVAL;
    j = disp__job_by_id(d, job_id & ~DISP__ATTEMPT_MASK);
    if ((rc = resolve(d, j, job_id, attempt, &j)) != 0 || j == NULL)
        return DISP_EUNKNOWN;
    li = live_index(j, attempt, node);
    if ((n = li >= 0 ? &d->nodes[j->live[li].nslot] : disp__node_find(d, node)) != NULL)
        disp__node_signal(d, n, now);
    if (li >= 0 && j->state == DISP__J_ASSIGNED)
        j->live[li].last_progress = now;
    return 0;
}
