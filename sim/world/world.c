/*
 * world.c — one replication of one policy: sessions speak, the real core
 * dispatches, simulated nodes compute, the network delays and loses, the client
 * records. Everything runs on the engine; every random draw comes from a stream
 * keyed by what it describes, so all policies see the same world.
 *
 * Wiring, in one direction: engine events call the core and the models with
 * `now`; their sinks turn commands and outputs into future events (messages
 * with a network delay); after each call the caller re-arms the component's
 * single deadline timer from its next_deadline().
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "world_internal.h"

/* --- refused core calls --------------------------------------------------- */

/* Records the first failure (kind SIM_FAIL_INPUT or SIM_FAIL_INTERNAL) and stops
 * the replication at the end of the current event: a core that refused an
 * input did not see it, so nothing the run measures after it would be true. */
void world_fail(world *w, int kind, const char *fmt, ...)
{
    if (w->fail)
        return;
    w->fail = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->fail_msg, sizeof w->fail_msg, fmt, ap);
    va_end(ap);
    sim_engine_stop(w->e);
}

/* A core call the world's own bookkeeping should never see refused; but for
 * the allocator's refusal (DISP_ENOMEM), which is the machine's limit, not a
 * fault of dsim's: said as such (exit 2), naming what to make smaller. */
void world_internal(world *w, int rc, const char *call)
{
    if (rc == DISP_ENOMEM)
        world_fail(w, SIM_FAIL_INPUT,
                   "out of memory: %s returned DISP_ENOMEM at t=%.9g s (the core could not "
                   "grow its tables): the world needs more memory than this process may have; "
                   "fewer nodes or sessions, or more memory",
                   call, (double)sim_engine_now(w->e) / 1e9);
    else if (rc != 0)
        world_fail(w, SIM_FAIL_INTERNAL, "internal error: %s returned %d (%s: %s) at t=%.9g s",
                   call, rc, disp_err_name(rc), disp_strerror(rc),
                   (double)sim_engine_now(w->e) / 1e9);
}

/* disp_utterance refused (session a, index): a full table of the core is an
 * input error (the workload asks for more than the core holds), named with the
 * fields that drive it; anything else is internal. */
void world_utterance_refused(world *w, int rc, uint64_t a, uint32_t index)
{
    if (rc != DISP_ELIMIT) {
        world_internal(w, rc, "disp_utterance");
        return;
    }
    const disp_policy *p = &w->s->policies[w->policy].policy;
    uint32_t jobs_max = p->max_jobs_held ? p->max_jobs_held : DISP_JOBS_HELD_MAX;
    uint32_t window_max = p->max_session_window ? p->max_session_window : DISP_SESSION_WINDOW_MAX;
    double t = (double)sim_engine_now(w->e) / 1e9;
    disp_stats st;
    disp_get_stats(w->d, &st);
    if (st.jobs_in_memory >= jobs_max)
        world_fail(w, SIM_FAIL_INPUT,
                   "workload: more than %" PRIu32 " jobs held at once at t=%.9g s, the core's "
                   "limit (it keeps a finished job for the policy's longest window, at least "
                   "5 min): fewer sessions (workload.sessions) or longer gaps (workload.gap_s)",
                   jobs_max, t);
    else if (st.sessions_in_memory >= DISP_SESSIONS_MAX)
        world_fail(w, SIM_FAIL_INPUT,
                   "workload.sessions: more than %" PRIu32
                   " sessions open at once at t=%.9g s, the core's limit",
                   DISP_SESSIONS_MAX, t);
    else
        world_fail(w, SIM_FAIL_INPUT,
                   "workload.utterances_per_session: session %" PRIu64 " reached utterance %" PRIu32
                   " at t=%.9g s while an index %" PRIu32 " or more below it still mattered (a "
                   "job held, a gap waited on), the core's limit of a session's window: fewer "
                   "utterances per session or longer gaps (workload.gap_s)",
                   a, index, t, window_max);
}

/* --- stop condition ------------------------------------------------------ */

/* Sessions without a close time of their own (no linger_s) close all at once,
 * in id order: the core flushes what it still holds for them. */
void world_close_open_sessions(world *w)
{
    if (!w->close_at_drain || w->sessions_open == 0)
        return;
    w->sessions_open = 0;
    for (uint32_t a = 0; a < w->client.n_sessions; a++) {
        sim_tl_session_close(w->tl, sim_engine_now(w->e), a);
        int rc = disp_session_close(w->d, sim_engine_now(w->e), a);
        if (rc != DISP_EUNKNOWN) /* DISP_EUNKNOWN: it made no job */
            world_internal(w, rc, "disp_session_close");
    }
    world_call_core_done(w);
}

/* The run has drained when nothing is on the wire or on a node, the core holds
 * no job (it forgets a finished job after its retention) and every session has
 * closed — or, without linger_s, has spoken its last utterance: those sessions
 * close now, and the run stops once what their close released has arrived. */
void world_maybe_stop(world *w)
{
    if (w->msgs_in_flight || w->attempts_on_nodes)
        return;
    if (w->close_at_drain ? w->sessions_speaking : w->sessions_open)
        return;
    disp_stats st;
    disp_get_stats(w->d, &st);
    if (st.jobs_in_memory != 0)
        return;
    if (w->sessions_open)
        world_close_open_sessions(w); /* comes back here */
    else
        sim_engine_stop(w->e);
}

/* The LOG events that drop a result the ordered queue could still have
 * released: its held entry (world_held_put) goes, or none is made. */
#define WORLD_HELD_LOG_EVENTS                                                           \
    (DISP_LOG_BIT(DISP_LOG_QUEUE_DUPLICATE) | DISP_LOG_BIT(DISP_LOG_QUEUE_EVICT) |       \
     DISP_LOG_BIT(DISP_LOG_ACK_DISCARD))

/* --- the core's sink ----------------------------------------------------- */

static void core_sink(void *ctx, const disp_cmd *c)
{
    world *w = ctx;
    sim_tl_cmd(w->tl, c);
    sim_inv_cmd(w->inv, c);
    switch (c->kind) {
    case DISP_CMD_ASSIGN:
    case DISP_CMD_CANCEL: {
        uint32_t i = world_msg_alloc(w);
        msg *m = &w->msgs[i];
        memset(m, 0, sizeof *m);
        m->kind = c->kind == DISP_CMD_ASSIGN ? MSG_ASSIGN : MSG_CANCEL;
        m->node = c->node;
        m->job_id = c->job_id;
        m->job = c->job;
        m->attempt = c->attempt;
        m->session = c->session;
        m->index = c->index;
        m->audio = c->audio;
        uint64_t key[4] = {c->session, c->index, c->attempt, m->kind};
        if (m->kind == MSG_CANCEL)
            key[3] = ((uint64_t)++w->cancels << 8) | MSG_CANCEL;
        world_send(w, i, NET_TO_NODE, key);
        break;
    }
    case DISP_CMD_DELIVER: {
        /* The useful attempt is the one whose copy the client receives first
         * (client_receive), not the one the core released first: the client
         * hop may reorder them (network.fifo false). The copy carries its
         * attempt's worker time: the result's now, or the one held for it. */
        int nth = sim_client_sent(&w->client, c->session, c->index, false);
        int64_t busy;
        if (w->in_result && c->job == w->cur_job && c->attempt == w->cur_attempt) {
            busy = w->cur_busy;
            w->cur_released = true;
        } else {
            busy = world_held_take(w, c->job, c->attempt);
        }
        world_to_client(w, c, MSG_DELIVER, nth < 0 ? 0 : (uint16_t)nth, busy);
        break;
    }
    case DISP_CMD_ERROR: {
        int nth = sim_client_sent(&w->client, c->session, c->index, true);
        world_to_client(w, c, MSG_ERROR, nth < 0 ? 0 : (uint16_t)nth, 0);
        break;
    }
    case DISP_CMD_LOG:
        if (w->lingua) {
            sim_lingua_cmd(w->lingua, c);
            if (sim_lingua_overflow(w->lingua))
                world_fail(w, SIM_FAIL_INPUT, "--log-format lingua: more than 2^20 jobs or "
                                              "sessions in one run: its 8-hex-digit ids would repeat");
        } else if (w->o->log) {
            sim_log_cmd(w->o->log, w->policy_name, w->rep, c,
                        world_job_label(w, c->job_id, c->job, c->session, c->index));
        }
        sim_client_log_cause(&w->client, c);
        /* A result the queue dropped (a copy of a released index, one evicted,
         * one past the ack timeout) will never be released: nothing to hold
         * for it, or the held entry goes (else the table only grows). */
        if ((WORLD_HELD_LOG_EVENTS >> c->event) & 1u) {
            if (w->in_result && c->job == w->cur_job && c->attempt == w->cur_attempt)
                w->cur_released = true;
            else if (c->job != 0)
                (void)world_held_take(w, c->job, c->attempt);
        }
        break;
    }
}

static void ev_core(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)a;
    (void)b;
    world *w = ctx;
    w->core_timer = 0;
    w->core_at = SIM_NEVER;
    int rc = disp_advance(w->d, sim_engine_now(e));
    /* DISP_ELIMIT: the core's runaway guard; what is left stays due and runs at
     * the next call (the timer below is re-armed at once; the event budget
     * bounds a real runaway). */
    if (rc != DISP_ELIMIT)
        world_internal(w, rc, "disp_advance");
    world_call_core_done(w);
}

/* After any call into the core: re-arm its deadline timer, check for the end. */
void world_call_core_done(world *w)
{
    sim_time at = disp_next_deadline(w->d);
    sim_time now = sim_engine_now(w->e);
    if (at != SIM_NEVER && at < now)
        at = now;
    if (at != w->core_at) {
        if (w->core_timer)
            sim_engine_cancel(w->e, w->core_timer);
        w->core_timer = at == SIM_NEVER ? 0 : sim_engine_schedule(w->e, at, ev_core, w, 0, 0);
        w->core_at = at;
    }
    world_maybe_stop(w);
}

/* --- one replication ------------------------------------------------------ */

static double world_jitter(void *ctx)
{
    return sim_stream_uniform(ctx);
}

void sim_node_override_apply(const sim_node_override *o, node_config *c)
{
    if (o->has_on_cancel)
        c->on_cancel = o->on_cancel;
    if (o->has_cancel_between_stages)
        c->cancel_between_stages = o->cancel_between_stages;
    if (o->has_attempt_check)
        c->attempt_check = o->attempt_check;
    if (o->has_skip_repeat_job_id)
        c->skip_repeat_job_id = o->skip_repeat_job_id;
}

uint64_t sim_default_event_budget(const sim_scenario *s)
{
    uint64_t utt = s->workload.trace ? s->workload.trace->n
                                     : (uint64_t)s->workload.sessions *
                                           (uint64_t)s->workload.utterances_per_session;
    return SIM_EVENTS_PER_UTTERANCE * utt + SIM_EVENTS_BASE;
}

uint64_t sim_keyed_u64(uint64_t seed, const uint64_t *keys, size_t n)
{
    return sim_seed_derive(seed, keys, n);
}

uint64_t sim_replication_seed(uint64_t seed, int r)
{
    return sim_seed_derive(seed, (const uint64_t[]){SIM_KEY_REPLICATION, (uint64_t)r}, 2);
}

int sim_run_one(const sim_scenario *s, size_t policy, int rep, const sim_run_opts *o,
                double v[SIM_M_COUNT], sim_error *err)
{
    assert(policy < s->n_policies);
    static const sim_run_opts no_opts;
    if (!o)
        o = &no_opts;
    uint64_t budget = o->max_events ? o->max_events : sim_default_event_budget(s);
    int plan = sim_run_plan_check(s, policy, budget, err);
    if (plan != 0)
        return plan;
    world w;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.o = o;
    w.policy_name = s->policies[policy].name;
    w.policy = policy;
    w.rep = rep;
    w.seed = sim_replication_seed(s->seed, rep);
    w.free_msg = UINT32_MAX;
    w.core_at = SIM_NEVER;
    w.progress.p = o->progress_runs ? NULL : o->progress;
    sim_streams_init(&w.ks, w.seed);
    sim_stream_named(&w.jitter, &w.ks, SIM_KEY_POLICY, 0, 0, 0);
    disp_config dcfg;
    disp_config_init(&dcfg, &s->policies[policy].policy);
    dcfg.sink = core_sink;
    dcfg.sink_ctx = &w;
    dcfg.uniform = world_jitter;
    dcfg.uniform_ctx = &w.jitter;
    if (!o->log && !o->timeline) /* nobody reads LOG commands but the client's
                                  * causes and the held results (core_sink) */
        dcfg.log_off = ~(sim_client_log_events() | WORLD_HELD_LOG_EVENTS);
    if (disp_create(&w.d, &dcfg) != 0) {
        sim_error_add(err, "%s: policies[%zu]: %s", s->path ? s->path : "scenario", policy,
                      disp_policy_check(&s->policies[policy].policy));
        return SIM_FAIL_INPUT;
    }
    const wl_config *wl = &s->workload;
    uint32_t n_sessions = (uint32_t)wl->sessions;
    sim_client_init(&w.client, n_sessions, (uint32_t)wl->utterances_per_session,
                    o->latencies != NULL);
    if (o->invariants) {
        const disp_policy *dp = &s->policies[policy].policy;
        sim_inv_config ic = {n_sessions, (uint32_t)wl->utterances_per_session,
                             dp->result_queue == DISP_QUEUE_ORDERED, dp->max_failovers,
                             dp->hedge.enabled ? dp->hedge.max_extra : 0};
        w.inv = sim_inv_new(&ic);
    }
    w.to_client = sim_xcalloc(n_sessions, sizeof *w.to_client);
    w.sess_live = sim_xcalloc(n_sessions ? n_sessions : 1, sizeof *w.sess_live);
    w.closing = sim_xcalloc(n_sessions ? n_sessions : 1, sizeof *w.closing);
    w.client_instant = net_client_instant(&s->network);
    w.cursors = sim_xcalloc(n_sessions, sizeof *w.cursors);
    for (size_t c = 0; c < s->n_nodes; c++)
        w.n_nodes += (uint32_t)s->nodes[c].count;
    w.nodes = sim_xcalloc(w.n_nodes, sizeof *w.nodes);
    w.e = sim_engine_new(1024 + 4 * (size_t)w.n_nodes);
    if (o->timeline) {
        sim_tl_filter all;
        sim_tl_filter_all(&all);
        w.tl = sim_tl_new(o->timeline, o->timeline_filter ? o->timeline_filter : &all, s, policy,
                          rep, o->timeline_pid_base);
    }
    w.fold = w.tl == NULL;
    int rc = 0;
    uint32_t id = 0;
    if (o->log && o->log_format == SIM_LOG_LINGUA) {
        size_t run = policy * (size_t)(s->replications > 0 ? s->replications : 1) + (size_t)rep;
        w.lingua = sim_lingua_new(o->log, s->policies[policy].preset, &s->policies[policy].policy,
                                  run < UINT32_MAX ? (uint32_t)run : UINT32_MAX, s->log_epoch_s);
        if (!w.lingua) {
            sim_error_add(err, "%s: --log-format lingua: more than 4096 runs (policies x "
                          "replications) in one log: its 8-hex-digit ids would repeat",
                          s->path ? s->path : "scenario");
            rc = SIM_FAIL_INPUT;
            goto out;
        }
    }
    for (size_t c = 0; c < s->n_nodes; c++) {
        node_config cfg = s->nodes[c]; /* shallow: node_new deep-copies what it keeps */
        sim_node_override_apply(&s->policies[policy].node, &cfg);
        for (int k = 0; k < s->nodes[c].count; k++, id++) {
            wnode *wn = &w.nodes[id];
            wn->cls = (uint32_t)c;
            wn->timer_at = SIM_NEVER;
            sim_stream_named(&wn->faults, &w.ks, SIM_KEY_NODE, id, 0, 0);
            wn->n = node_new(&cfg, id, (uint32_t)c, &wn->faults.rng, world_node_sink, &w);
            if (!wn->n) {
                sim_error_add(err, "%s: nodes[%zu]: unusable node configuration",
                              s->path ? s->path : "scenario", c);
                rc = SIM_FAIL_INPUT;
                goto out;
            }
        }
    }
    for (uint32_t i = 0; i < w.n_nodes; i++) {
        /* The heartbeat phase: keyed by node alone, so every policy sees it. */
        sim_stream ph;
        sim_stream_named(&ph, &w.ks, SIM_KEY_HEARTBEAT, i, 0, 0);
        node_start(w.nodes[i].n, 0, sim_stream_uniform(&ph));
        world_node_done(&w, i);
    }
    world_sessions_start(&w);
    /* Run until drained (world_maybe_stop), the horizon, or the event budget: a
     * scenario whose timers are far shorter than its jobs (a heartbeat of a
     * microsecond) must end with an error, not run for hours. */
    sim_engine_status ran = sim_engine_run(
        w.e, s->max_time_s > 0 ? (sim_time)(s->max_time_s * 1e9) : SIM_NEVER, budget);
    if (w.fail) {
        sim_error_add(err, "%s: policy %s, replication %d: %s", s->path ? s->path : "scenario",
                      w.policy_name, rep, w.fail_msg);
        rc = w.fail;
        if (rc == SIM_FAIL_INTERNAL)
            err->internal = true;
        goto out;
    }
    if (ran == SIM_ENGINE_BUDGET) {
        sim_error_add(err,
                      "%s: policy %s, replication %d: more than %llu events (timers far "
                      "shorter than the work?); raise the budget with %s --max-events N",
                      s->path ? s->path : "scenario", w.policy_name, rep,
                      (unsigned long long)budget, o->command ? o->command : "dsim run");
        rc = SIM_FAIL_INPUT;
        goto out;
    }
    disp_stats ds;
    disp_get_stats(w.d, &ds);
    memset(v, 0, SIM_M_COUNT * sizeof *v);
    sim_client_metrics(&w.client, v);
    v[SIM_M_FAILOVERS] = (double)ds.failovers;
    v[SIM_M_DISPATCHES] = (double)ds.dispatches;
    v[SIM_M_EXTRA_LOAD] = v[SIM_M_UTTERANCES] > 0
                              ? (double)ds.dispatches / v[SIM_M_UTTERANCES] - 1.0
                              : NAN; /* no utterance: no load per utterance */
    v[SIM_M_HEDGES] = (double)ds.hedges;
    v[SIM_M_BUDGET_REFUSALS] = (double)ds.budget_refusals;
    /* Attempts still on a node at the cut (max_time_s, the drain horizon) spent
     * worker time on output that was never delivered: their busy time up to it
     * (total_busy_ns has only the attempts that ended). A run that drained has
     * none. */
    for (uint32_t i = 0; i < w.n_nodes; i++)
        w.total_busy_ns += (double)node_busy_running(w.nodes[i].n, sim_engine_now(w.e));
    v[SIM_M_WASTED_NODE_S] = (w.total_busy_ns - w.client.useful_busy_ns) / 1e9;
    v[SIM_M_EVENTS] = (double)sim_engine_events_executed(w.e);
    if (o->latencies)
        sim_client_write_latencies(&w.client, o->latencies, w.policy_name, rep);
    sim_inv_finish(w.inv, v);
    if (sim_inv_broken(w.inv)) {
        sim_error_add(err, "%s: policy %s, replication %d: invariant %s",
                      s->path ? s->path : "scenario", w.policy_name, rep, sim_inv_what(w.inv));
        rc = SIM_FAIL_INVARIANT;
    }
out:
    /* a run over before its horizon's last utterance still did its share */
    sim_progress_batch_flush(&w.progress, rc == 0 ? (uint64_t)n_sessions *
                                                        (uint64_t)wl->utterances_per_session
                                                  : 0);
    sim_tl_finish(w.tl, sim_engine_now(w.e), rc == 0 ? &w.client : NULL);
    for (uint32_t i = 0; i < w.n_nodes; i++)
        node_free(w.nodes[i].n);
    free(w.nodes);
    free(w.cursors);
    free(w.to_client);
    free(w.sess_live);
    free(w.closing);
    free(w.msgs);
    free(w.held);
    sim_client_free(&w.client);
    sim_inv_free(w.inv);
    disp_free(w.d);
    sim_engine_free(w.e);
    sim_lingua_free(w.lingua);
    return rc;
}

