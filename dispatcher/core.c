/*
 * core.c — the dispatcher handle: creation, the public inputs, advancing time,
 * the command helpers and statistics.
 *
 * Every public input checks `now`, forgets what has expired (finished jobs past
 * their retention, dedup records past their TTL), does its work, then lets
 * waiting jobs (pending = queue) take any slot that became free.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- the library ------------------------------------------------------------------ */

const char *disp_version(void)
{
    return DISP_VERSION_STRING;
}

unsigned disp_version_hex(void)
{
    return DISP_VERSION_HEX;
}

#define DISP__ERR_NAME(code, name, msg) case code: return name;
#define DISP__ERR_MSG(code, name, msg) case code: return msg;

const char *disp_err_name(int code)
{
    if (code == 0)
        return "DISP_OK";
    switch (code) {
    DISP_ERRNO_MAP(DISP__ERR_NAME)
    default:
        return "DISP_E?";
    }
}

const char *disp_strerror(int code)
{
    if (code == 0)
        return "success";
    switch (code) {
    DISP_ERRNO_MAP(DISP__ERR_MSG)
    default:
        return "unknown error";
    }
}

/* ---- commands ------------------------------------------------------------------ */

void disp__emit(disp *d, const disp_cmd *c)
{
    if (c->kind == DISP_CMD_ERROR)
        d->st.errors++;
    if (d->sink != NULL) {
        d->in_sink++; /* inputs from within the sink get DISP_EBUSY */
        d->sink(d->ctx, c);
        d->in_sink--;
    }
}

void disp__log_job_emit(disp *d, disp_log_event ev, const disp__job *j, const disp__attempt *a,
                        int64_t elapsed_ms)
{
    disp_cmd c;

    memset(&c, 0, sizeof c);
    c.kind = DISP_CMD_LOG;
    c.now = d->now;
    c.event = ev;
    c.job = j->id;
    c.attempt = a ? a->attempt : j->attempt;
    c.job_id = disp__log_wire(d, j, c.attempt);
    c.node = a ? a->node : 0;
    c.session = j->session;
    c.index = j->index;
    c.failover_attempts = j->failover_attempts;
    c.elapsed_ms = elapsed_ms;
    c.ack_timeout_ms = disp__ms(d->p.ack_timeout);
    disp__emit(d, &c);
}

void disp__error(disp *d, disp__job *j, disp_error_code code)
{
    disp_cmd c;

    memset(&c, 0, sizeof c);
    c.kind = DISP_CMD_ERROR;
    c.now = d->now;
    c.job = j->id;
    c.attempt = j->attempt;
    c.job_id = disp__wire(d, j, j->attempt);
    c.session = j->session;
    c.index = j->index;
    c.error = code;
    c.failover_attempts = j->failover_attempts;
    j->error_sent = true;
    disp__emit(d, &c);
}

/* ---- life cycle ------------------------------------------------------------------ */

static disp_time max_time(disp_time a, disp_time b)
{
    return a > b ? a : b;
}

/* How long a finished job every attempt of which has reported is kept: no node
 * can refer to it again, only the client (the reference's job-key idempotency
 * TTL) and the windows of the result queue and the dedup. */
static disp_time auto_retain_quiet(const disp_policy *p)
{
    disp_time t = 300 * DISP_NS_PER_S; /* the reference's job-key idempotency TTL */

    t = max_time(t, p->dedup_ttl);
    t = max_time(t, p->ack_timeout);
    t = max_time(t, p->pending_timeout);
    return t;
}

/* The longest window after which nothing about a finished job can matter: an
 * attempt still out may report up to the last failover's deadline. */
static disp_time auto_retain(const disp_policy *p)
{
    disp_time t = auto_retain_quiet(p);

    t = max_time(t, (disp_time)(p->max_failovers + 1) * p->dispatch_timeout);
    if (p->timeout.mode != DISP_TIMEOUT_FIXED || p->liveness.mode != DISP_LIVENESS_NONE)
        t = max_time(t, (disp_time)(p->max_failovers + 1) * p->timeout.max);
    return t;
}

void disp_config_init(disp_config *cfg, const disp_policy *policy)
{
    assert(cfg != NULL);
    memset(cfg, 0, sizeof *cfg);
    cfg->size = sizeof *cfg;
    cfg->policy = policy;
}

int disp_create(disp **out, const disp_config *cfg)
{
    const disp_policy *policy;
    disp_alloc al;
    disp *d;

    if (out == NULL)
        return DISP_EINVAL;
    *out = NULL;
    if (cfg == NULL || cfg->policy == NULL)
        return DISP_EINVAL;
    /* the sizes first: nothing beyond them is read from a struct of another header */
    if (cfg->size != sizeof *cfg || cfg->policy->size != sizeof *cfg->policy)
        return DISP_EVERSION;
    policy = cfg->policy;
    if (disp_policy_check(policy) != NULL)
        return DISP_EINVAL;
    if (policy->backoff.enabled && policy->backoff.jitter != DISP_JITTER_NONE &&
        cfg->uniform == NULL)
        return DISP_EINVAL;
    if (cfg->alloc.malloc_fn == NULL && cfg->alloc.realloc_fn == NULL &&
        cfg->alloc.free_fn == NULL) {
        al = disp__libc_alloc;
    } else if (cfg->alloc.malloc_fn == NULL || cfg->alloc.realloc_fn == NULL ||
               cfg->alloc.free_fn == NULL) {
        return DISP_EINVAL;
    } else {
        al = cfg->alloc;
    }
    if ((d = disp__alloc_raw(&al, 1, sizeof *d)) == NULL)
        return DISP_ENOMEM;
    d->al = al;
    d->p = *policy;
    if (d->p.hedge.enabled) /* hedging implies first_result_wins */
        d->p.result_accept = DISP_ACCEPT_FIRST_RESULT_WINS;
    d->sink = cfg->sink;
    d->ctx = cfg->sink_ctx;
    d->log_off = cfg->log_off;
    d->uniform = cfg->uniform;
    d->uctx = cfg->uniform_ctx;
    d->retain = d->p.retain ? d->p.retain : auto_retain(&d->p);
    d->retain_quiet = d->p.retain ? d->p.retain : auto_retain_quiet(&d->p);
    d->jobs_max = d->p.max_jobs_held ? d->p.max_jobs_held : DISP_JOBS_HELD_MAX;
    d->window_max = d->p.max_session_window ? d->p.max_session_window : DISP__WINDOW_MAX;
    d->qhead = d->qtail = DISP__NONE;
    d->sfree = d->armed_cursor = DISP__NONE;
    d->check_hpos = -1;
    d->refresh_hpos = -1;
    d->forget_next = DISP_NEVER;
    for (int i = 0; i < DISP__BUDGET_SLOTS; i++)
        d->budget_sec[i] = INT64_MIN;
    if (d->p.liveness.mode == DISP_LIVENESS_PHI)
        d->phi_z = disp__phi_z(d->p.liveness.threshold);
    *out = d;
    return 0;
}

disp *disp_new(const disp_policy *policy, disp_sink_fn sink, void *ctx,
               disp_uniform_fn uniform, void *uniform_ctx)
{
    disp_config cfg;
    disp *d;

    disp_config_init(&cfg, policy);
    cfg.sink = sink;
    cfg.sink_ctx = ctx;
    cfg.uniform = uniform;
    cfg.uniform_ctx = uniform_ctx;
    return disp_create(&d, &cfg) == 0 ? d : NULL;
}

void disp_free(disp *d)
{
    /* from the sink: refused, as every input is there (it returns void, so it
     * does nothing; the input that called the sink still uses the handle) */
    if (d == NULL || d->in_sink > 0)
        return;
    disp__jobs_free(d);
    disp__nodes_free(d);
    disp__classes_free(d);
    disp__sessions_free(d);
    disp__map_free(d, &d->dedup);
    disp__free(d, d->dq);
    disp__free(d, d->heap);
    d->al.free_fn(d->al.ctx, d);
}

/* ---- inputs ------------------------------------------------------------------------ */

int disp_utterance(disp *d, disp_time now, uint64_t session, uint32_t index,
                   disp_time audio, uint64_t *job_out)
{
    disp__session *s;
    uint64_t known;
    int rc;

    assert(d != NULL);
    if ((rc = disp__enter(d, now)) != 0)
        return rc;
    if (session == UINT64_MAX || index >= DISP__INDEX_MAX || audio < 0)
        return DISP_EINVAL;
    s = disp__session_find(d, session);
    if ((known = disp__job_held(d, s, index)) != 0) { /* idempotent per (session, index) */
        if (job_out)
            *job_out = known;
    } else {
        if (disp__reserve_utterance(d, s, index) != 0)
            return DISP_ENOMEM;
        rc = disp__job_create(d, s, session, index, audio, job_out);
    }
    disp__queue_pump(d);
    return rc;
}

int disp_result(disp *d, disp_time now, uint64_t job_id, uint32_t attempt, uint32_t node,
                uint64_t session, uint32_t index, bool success)
{
    disp__job *j;
    int rc;

    assert(d != NULL);
    if ((rc = disp__enter(d, now)) != 0)
        return rc;
    j = disp__job_by_id(d, job_id & ~DISP__ATTEMPT_MASK); /* looked up once */
    if (disp__reserve_result(d, j) != 0)
        return DISP_ENOMEM;
    rc = disp__result(d, j, job_id, attempt, node, session, index, success);
    disp__queue_pump(d);
    return rc;
}

int disp_session_close(disp *d, disp_time now, uint64_t session)
{
    disp__session *s;
    int rc;

    assert(d != NULL);
    if ((rc = disp__enter(d, now)) != 0)
        return rc;
    if ((s = disp__session_find(d, session)) == NULL)
        return DISP_EUNKNOWN;
    return disp__session_close(d, s);
}

int disp_advance(disp *d, disp_time now)
{
    uint64_t guard;
    int rc;

    assert(d != NULL);
    if ((rc = disp__enter(d, now)) != 0)
        return rc;
    /* Every firing either ends its owner's timer or re-arms it later; zero
     * delays (an ack timeout of 0) progress through the owner's state. The
     * bound only stops a runaway: what is left stays due. */
    guard = 64 * ((uint64_t)d->hn + d->njobs + d->nsess) + 1024;
    while (d->hn > 0 && d->heap[0].when <= now) {
        uint32_t ref = d->heap[0].ref;
        if (guard-- == 0)
            return DISP_ELIMIT;
        disp__timer_clear(d, ref);
        switch (ref & 3u) {
        case DISP__T_JOB_MAIN:
        case DISP__T_JOB_HEDGE:
            disp__job_timer(d, ref >> 2, (int)(ref & 3u));
            break;
        case DISP__T_SESSION:
            disp__rq_gap_timer(d, ref >> 2);
            break;
        default:
            if (ref == DISP__TREF_REFRESH)
                disp__nodes_refresh(d);
            else
                disp__rq_check(d);
            break;
        }
        disp__queue_pump(d);
    }
    return 0;
}

/* ---- introspection ------------------------------------------------------------------ */

void disp_get_stats(const disp *d, disp_stats *out)
{
    assert(d != NULL && out != NULL);
    *out = d->st;
    out->timers = d->hn;
}
