/*
 * node.c — the simulated node state machine (node.h).
 *
 * Layout (node_internal.h): `workers` slots of running attempts (each with the
 * end of its current stage), a FIFO queue of waiting attempts (doubly linked, so
 * a cancel can take one out of the middle), a free list of attempt records, and
 * two timers (heartbeat, crash-or-recovery). The next deadline is the earliest.
 * This file holds the clock and the workers; node_input.c the assign and cancel
 * inputs.
 */
#include "node.h"
#include "node_internal.h"
#include "xalloc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- outputs ------------------------------------------------------------ */

static void node__emit_job(node *n, int64_t at, node_out_kind kind, const node_attempt *a,
                           node_out *o)
{
    o->kind = kind;
    o->node = n->id;
    o->job_id = a->job.job_id;
    o->job = a->job.job;
    o->attempt = a->job.attempt;
    o->session = a->job.session;
    o->index = a->job.index;
    n->sink(n->ctx, at, o);
}

void node__result(node *n, int64_t at, const node_attempt *a, bool ok, int64_t busy)
{
    node_out o;
    memset(&o, 0, sizeof o);
    o.success = ok;
    o.busy_ns = busy;
    n->stats.results++;
    node__emit_job(n, at, NODE_OUT_RESULT, a, &o);
}

void node__end(node *n, int64_t at, const node_attempt *a, node_end end, int64_t busy)
{
    node_out o;
    memset(&o, 0, sizeof o);
    o.end = end;
    o.busy_ns = busy;
    o.ran = a->ran;
    o.worker = a->worker;
    o.started = a->started;
    memcpy(o.stage_ns, a->stage_ns, sizeof o.stage_ns);
    o.stall_ns = a->stall_ns;
    o.stall_stage = n->cfg.stall_stage;
    o.cold_ns = a->cold ? a->cold_ns : 0;
    n->stats.busy_ns += busy;
    node__emit_job(n, at, NODE_OUT_END, a, &o);
}

static void node__emit_plain(node *n, int64_t at, node_out_kind kind)
{
    node_out o;
    memset(&o, 0, sizeof o);
    o.kind = kind;
    o.node = n->id;
    o.current_jobs = node__current_jobs(n);
    o.slots = n->cfg.slots;
    n->sink(n->ctx, at, &o);
}

/* ---- attempt records ---------------------------------------------------- */

node_attempt *node__attempt_get(node *n)
{
    node_attempt *a = n->free_list;
    if (a)
        n->free_list = a->next;
    else {
        a = sim_xcalloc(1, sizeof *a);
        n->stats.records++;
    }
    memset(a, 0, sizeof *a);
    return a;
}

/* Returns a record to the free list. */
void node__attempt_put(node *n, node_attempt *a)
{
    a->next = n->free_list;
    n->free_list = a;
}

/* An attempt that was held here left at `at`: the node is idle if none is left. */
static void node__left(node *n, int64_t at, node_attempt *a)
{
    node__ctl_end(n, a);    /* its request's `finally` (a no-op after a stage end) */
    node__jobs_leave(n, a); /* processJob's `finally` */
    node__attempt_put(n, a);
    if (n->queued + n->running == 0)
        n->idle_since = at;
}

void node__queue_push(node *n, node_attempt *a)
{
    a->next = NULL;
    a->prev = n->q_tail;
    if (n->q_tail)
        n->q_tail->next = a;
    else
        n->q_head = a;
    n->q_tail = a;
    n->queued++;
}

static void node__queue_remove(node *n, node_attempt *a)
{
    if (a->prev)
        a->prev->next = a->next;
    else
        n->q_head = a->next;
    if (a->next)
        a->next->prev = a->prev;
    else
        n->q_tail = a->prev;
    a->prev = a->next = NULL;
    assert(n->queued > 0);
    n->queued--;
}

/* ---- workers ------------------------------------------------------------ */

/* work_at and work_w from every worker. */
static void node__work_scan(node *n)
{
    n->work_at = NODE_NEVER;
    n->work_w = -1;
    for (int w = 0; w < n->cfg.workers; w++) {
        if (n->stage_end[w] < n->work_at) {
            n->work_at = n->stage_end[w];
            n->work_w = w;
        }
    }
}

/* Sets the end of worker w's stage to t, keeping work_at and work_w exact
 * without a scan unless the earliest worker's end moves later. */
static void node__stage_end_set(node *n, int w, int64_t t)
{
    int64_t old = n->stage_end[w];
    n->stage_end[w] = t;
    if (t < n->work_at || (t == n->work_at && w < n->work_w)) {
        n->work_at = t;
        n->work_w = w;
    } else if (w == n->work_w && t != old) {
        node__work_scan(n);
    }
}

void node__start_on(node *n, int w, int64_t at, node_attempt *a)
{
    assert(!n->worker[w]);
    a->stage = STAGE_ASR;
    a->started = at;
    a->ran = true;
    a->worker = w;
    n->worker[w] = a;
    node__stage_end_set(n, w, at + a->stage_ns[STAGE_ASR] + (a->cold ? a->cold_ns : 0));
    n->running++;
}

/* Worker w is free at `at`: it takes the queue's head, if any. */
static void node__worker_next(node *n, int w, int64_t at)
{
    node_attempt *a = n->q_head;
    if (!a)
        return;
    node__queue_remove(n, a);
    node__start_on(n, w, at, a);
}

/* Takes the attempt off worker w (the caller reports it), without freeing it. */
static node_attempt *node__worker_take(node *n, int w)
{
    node_attempt *a = n->worker[w];
    assert(a && n->running > 0);
    n->worker[w] = NULL;
    node__stage_end_set(n, w, NODE_NEVER);
    n->running--;
    return a;
}

/* Aborts the attempt on worker w at `at`: failed result, END `end`, next job. */
static void node__abort_running(node *n, int w, int64_t at, node_end end)
{
    node_attempt *a = node__worker_take(n, w);
    int64_t busy = at - a->started;
    node__result(n, at, a, false, busy);
    node__end(n, at, a, end, busy);
    node__left(n, at, a);
    node__worker_next(n, w, at);
}

void node__abort_queued(node *n, int64_t at, node_attempt *a, node_end end)
{
    node__queue_remove(n, a);
    node__result(n, at, a, false, 0);
    node__end(n, at, a, end, 0);
    node__left(n, at, a);
}

/* Abort per cancel_between_stages: at once, or mark for the next boundary. */
void node__abort_worker(node *n, int w, int64_t at, node_end end)
{
    if (n->cfg.cancel_between_stages) {
        node__abort_running(n, w, at, end);
    } else if (!n->worker[w]->marked) {
        n->worker[w]->marked = true;
        n->worker[w]->mark_end = end;
    }
}

/* The current stage of worker w ended at `at`. */
static void node__stage_done(node *n, int w, int64_t at)
{
    node_attempt *a = n->worker[w];
    node__ctl_end(n, a); /* the stage's request ended */
    if (a->marked) {
        node__abort_running(n, w, at, a->mark_end);
        return;
    }
    if (n->cfg.progress) {
        node_out o;
        memset(&o, 0, sizeof o);
        o.stage = a->stage;
        node__emit_job(n, at, NODE_OUT_PROGRESS, a, &o);
    }
    if (a->stage == STAGE_ASR)
        node__jobs_leave(n, a); /* the orchestrator's ASR-completed callback */
    if (a->stage + 1 < STAGE_COUNT) {
        a->stage++;
        node__ctl_set(n, a); /* the next stage's request starts */
        node__stage_end_set(n, w, at + a->stage_ns[a->stage]);
        return;
    }
    node__worker_take(n, w);
    int64_t busy = at - a->started;
    if (a->no_result) {
        node__end(n, at, a, NODE_END_NO_RESULT, busy);
    } else {
        node__result(n, at, a, true, busy);
        node__end(n, at, a, NODE_END_DONE, busy);
    }
    node__left(n, at, a);
    node__worker_next(n, w, at);
}

/* ---- faults and heartbeat ----------------------------------------------- */

/* Sets both timers and their minimum, timer_at. */
static void node__timers_set(node *n, int64_t hb_at, int64_t fault_at)
{
    n->hb_at = hb_at;
    n->fault_at = fault_at;
    n->timer_at = hb_at < fault_at ? hb_at : fault_at;
}

/* A fault-stream duration, at least 1 ns so that time always moves. */
static int64_t node__fault_ns(node *n, const dist *d)
{
    int64_t t = dist_to_ns(dist_sample(d, n->fault_rng, 0.0));
    return t > 0 ? t : 1;
}

static void node__crash(node *n, int64_t at)
{
    n->stats.crashes++;
    for (int w = 0; w < n->cfg.workers; w++) {
        if (!n->worker[w])
            continue;
        node_attempt *a = node__worker_take(n, w);
        node__end(n, at, a, NODE_END_CRASHED, at - a->started);
        node__ctl_end(n, a);
        node__jobs_leave(n, a);
        node__attempt_put(n, a);
    }
    for (int k = 0, queued = n->queued; k < queued; k++) {
        node_attempt *a = n->q_head;
        node__queue_remove(n, a);
        node__end(n, at, a, NODE_END_CRASHED, 0);
        node__ctl_end(n, a);
        node__jobs_leave(n, a);
        node__attempt_put(n, a);
    }
    assert(!n->q_head && !n->set_head && n->set_size == 0 && !n->ctl_head);
    n->up = false;
    n->have_last = false;
    if (n->seen)
        memset(n->seen, 0, NODE_SEEN_MAX * sizeof *n->seen);
    node__timers_set(n, NODE_NEVER, at + node__fault_ns(n, &n->cfg.crash_downtime));
    node__emit_plain(n, at, NODE_OUT_DOWN);
}

static void node__recover(node *n, int64_t at)
{
    n->up = true;
    n->idle_since = at;
    node__timers_set(n, at + n->hb_ns, at + node__fault_ns(n, &n->cfg.crash_between));
    node__emit_plain(n, at, NODE_OUT_UP);
}

/* ---- life cycle --------------------------------------------------------- */

/* The ns every draw of d gives (dist_fixed), or -1 when it must be drawn. */
static int64_t node__fixed_ns(const dist *d)
{
    double v;
    return dist_fixed(d, &v) ? dist_to_ns(v) : -1;
}

node *node_new(const node_config *cfg, uint32_t id, uint32_t cls, gsl_rng *fault_rng,
               node_sink_fn sink, void *ctx)
{
    assert(cfg && sink);
    if (cfg->workers < 1 || cfg->workers > NODE_WORKERS_MAX || cfg->slots < 1)
        return NULL;
    if (!(cfg->heartbeat_s > 0.0) || dist_to_ns(cfg->heartbeat_s) < 1)
        return NULL;
    if (cfg->crash && !fault_rng)
        return NULL;
    if ((unsigned)cfg->on_cancel > NODE_CANCEL_ABORT_ATTEMPT ||
        (unsigned)cfg->attempt_check > NODE_ATTEMPT_DROP_STALE ||
        (unsigned)cfg->heartbeat_count > NODE_HB_ATTEMPTS ||
        (unsigned)cfg->heartbeat_phase > NODE_HB_PHASE_ALIGNED)
        return NULL;
    node *n = sim_xcalloc(1, sizeof *n);
    node_config_copy(&n->cfg, cfg);
    n->id = id;
    n->cls = cls;
    n->fault_rng = fault_rng;
    n->sink = sink;
    n->ctx = ctx;
    n->hb_ns = dist_to_ns(cfg->heartbeat_s);
    for (int s = 0; s < STAGE_COUNT; s++)
        n->stage_fixed_ns[s] = node__fixed_ns(&n->cfg.stage[s]);
    n->stall_fixed_ns = node__fixed_ns(&n->cfg.stall_extra);
    n->cold_fixed_ns = node__fixed_ns(&n->cfg.cold_extra);
    n->cold_idle_ns = dist_to_ns(cfg->cold_idle_s);
    n->worker = sim_xcalloc((size_t)cfg->workers, sizeof *n->worker);
    n->stage_end = sim_xcalloc((size_t)cfg->workers, sizeof *n->stage_end);
    for (int w = 0; w < cfg->workers; w++)
        n->stage_end[w] = NODE_NEVER;
    node__work_scan(n);
    node__timers_set(n, NODE_NEVER, NODE_NEVER);
    if (cfg->attempt_check == NODE_ATTEMPT_DROP_STALE)
        n->seen = sim_xcalloc(NODE_SEEN_MAX, sizeof *n->seen);
    return n;
}

void node_free(node *n)
{
    if (!n)
        return;
    for (int w = 0; w < n->cfg.workers; w++)
        free(n->worker[w]);
    for (node_attempt *a = n->q_head, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    for (node_attempt *a = n->free_list, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    free(n->worker);
    free(n->stage_end);
    free(n->seen);
    node_config_free(&n->cfg);
    free(n);
}

void node_start(node *n, int64_t now, double phase)
{
    assert(n && !n->started && now >= 0 && phase >= 0.0 && phase < 1.0);
    n->started = true;
    n->now = now;
    n->up = true;
    n->idle_since = now;
    if (n->cfg.heartbeat_phase == NODE_HB_PHASE_ALIGNED)
        phase = 0.0;
    /* hb_ns - floor(phase * hb_ns): in (0, hb_ns], hb_ns itself when phase is 0 */
    int64_t first = n->hb_ns - (int64_t)(phase * (double)n->hb_ns);
    int64_t fault_at = n->cfg.crash ? now + node__fault_ns(n, &n->cfg.crash_between) : NODE_NEVER;
    node__timers_set(n, now + (first > 0 ? first : 1), fault_at);
    node__emit_plain(n, now, NODE_OUT_UP);
}

/* ---- the clock ---------------------------------------------------------- */

int64_t node_next_deadline(const node *n)
{
    assert(n);
    return n->work_at < n->timer_at ? n->work_at : n->timer_at;
}

/* Runs the earliest event, due at t (= node_next_deadline). */
static void node__step(node *n, int64_t t)
{
    if (n->work_at == t) { /* worker stage ends first, in worker order */
        node__stage_done(n, n->work_w, t);
        return;
    }
    if (n->fault_at == t) {
        if (n->up)
            node__crash(n, t);
        else
            node__recover(n, t);
        return;
    }
    assert(n->hb_at == t);
    node__emit_plain(n, t, NODE_OUT_HEARTBEAT);
    node__timers_set(n, t + n->hb_ns, n->fault_at);
}

/* Every step either ends a stage (finite work) or moves a timer forward by at
 * least 1 ns, so the loop ends; the guard catches a bug that would break that. */
__attribute__((noinline)) static void node__run_loop(node *n, int64_t now)
{
    int64_t t;
    for (uint64_t guard = 0; (t = node_next_deadline(n)) <= now; guard++) {
        assert(guard < UINT64_C(1) << 40);
        node__step(n, t);
    }
}

/* Every input calls this, mostly with nothing due: that test is kept apart
 * from the loop (node__run_loop), so it costs no stack frame. */
void node__run_due(node *n, int64_t now)
{
    if (node_next_deadline(n) <= now)
        node__run_loop(n, now);
}

void node_advance(node *n, int64_t now)
{
    assert(n && n->started && now >= n->now);
    n->now = now;
    node__run_due(n, now);
}

/* ---- introspection ------------------------------------------------------ */

int node_in_flight(const node *n)
{
    assert(n);
    return n->queued + n->running;
}

int node_current_jobs(const node *n)
{
    assert(n);
    return node__current_jobs(n);
}

int64_t node_busy_running(const node *n, int64_t now)
{
    assert(n);
    int64_t busy = 0;
    for (int w = 0; w < n->cfg.workers; w++)
        if (n->worker[w] && now > n->worker[w]->started)
            busy += now - n->worker[w]->started;
    return busy;
}

bool node_is_up(const node *n)
{
    assert(n);
    return n->up;
}

uint32_t node_id(const node *n)
{
    assert(n);
    return n->id;
}

int node_slots(const node *n)
{
    assert(n);
    return n->cfg.slots;
}

void node_get_stats(const node *n, node_stats *out)
{
    assert(n && out);
    *out = n->stats;
}
