/*
 * live.c — the scheduler process of dsim live (live.h): the core on a libuv
 * loop, WebSocket node connections (libwebsockets on the same loop), one agent
 * process per node, and the end of the run.
 *
 * The core is embedded as examples/server does (now never decreases, every
 * return code looked at, one deadline); its deadline is an event of the live
 * loop's engine, which also holds the messages to nodes until their network
 * delay has passed (the world's draws, world.c core_sink's keys).
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "live_internal.h"
#include "xalloc.h"

/* A scheduler wake-up later than this (simulated seconds) is warned of at the
 * end (README "dsim live"). */
#define LIVE_LATE_WARN_S 5.0

void live_fail(live *v, int kind, const char *fmt, ...)
{
    if (v->fail)
        return;
    v->fail = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->fail_msg, sizeof v->fail_msg, fmt, ap);
    va_end(ap);
    live_stop(v);
}

static void check_rc(live *v, int rc, const char *call)
{
    if (rc != 0)
        live_fail(v, SIM_FAIL_INTERNAL, "internal error: %s returned %d at t=%.9g s", call, rc,
                  (double)sim_engine_now(v->L.e) / 1e9);
}

/* --- the end of the run ------------------------------------------------------ */

static uint64_t attempts_out(const live *v)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < v->n_nodes; i++)
        n += v->nodes[i].n_out;
    return n;
}

static void close_open_sessions(live *v)
{
    if (v->sessions_open == 0)
        return;
    v->sessions_open = 0;
    for (uint32_t a = 0; a < v->client.n_sessions; a++) {
        sim_tl_session_close(v->tl, sim_engine_now(v->L.e), a);
        int rc = disp_session_close(v->d, sim_engine_now(v->L.e), a);
        if (rc != DISP_EUNKNOWN) /* it made no job */
            check_rc(v, rc, "disp_session_close");
    }
    live_core_done(v);
}

static void ev_drain(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)e;
    (void)a;
    (void)b;
    live *v = ctx;
    if (v->stopping)
        return;
    close_open_sessions(v);
    live_stop(v);
}

/* max_time_s: the run is cut there, as dsim run's (world.c: sim_engine_run up to
 * max_time_s, events at it included; sessions are not closed, what is out stays
 * lost with the cause recorded by then). */
static void ev_max_time(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)e;
    (void)a;
    (void)b;
    live_stop(ctx);
}

/* Simulated time 0: the simulation has every node up now; a node whose agent
 * has not registered yet (it registers on connect, LIVE_START_DELAY_MS before)
 * would leave the workload without it, and the run would not be the world's. */
static void ev_nodes_due(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)e;
    (void)a;
    (void)b;
    live *v = ctx;
    if (v->stopping || v->registered >= v->n_nodes)
        return;
    for (uint32_t i = 0; i < v->n_nodes; i++)
        if (!v->nodes[i].peer) {
            live_fail(v, SIM_FAIL_INTERNAL,
                      "node %s had not registered by simulated time 0 (%d ms of wall time after "
                      "its agent started; %u of %u nodes had): the machine is too loaded to run "
                      "it live",
                      v->nodes[i].name, LIVE_START_DELAY_MS, v->registered, v->n_nodes);
            return;
        }
}

void live_arm_drain(live *v)
{
    if (v->drain_armed)
        return;
    v->drain_armed = true;
    sim_engine_schedule(v->L.e, sim_engine_now(v->L.e) + (sim_time)(v->o->drain_s * 1e9),
                        ev_drain, v, 0, 0);
}

/* After every run of due events and every input: the world's stop rule, with
 * what the scheduler can see (attempts not answered instead of attempts on
 * nodes; the core's finished jobs are not waited for). */
static void maybe_stop(void *ctx)
{
    live *v = ctx;
    if (v->stopping || v->in_flight || attempts_out(v))
        return;
    if (v->close_at_drain && v->sessions_speaking == 0 && v->sessions_open &&
        live_client_answered(v))
        close_open_sessions(v);
    if (v->sessions_open == 0 && !v->in_flight)
        live_stop(v);
}

void live_stop(live *v)
{
    if (v->stopping)
        return;
    v->stopping = true;
    for (uint32_t i = 0; i < v->n_nodes; i++) {
        live_peer *p = v->nodes[i].peer;
        if (p && p->c.wsi) {
            p->c.closing = true;
            lws_callback_on_writable(p->c.wsi);
        }
    }
    live_kill_agents(v, SIGTERM);
    uv_timer_start(&v->grace, live_on_grace, LIVE_GRACE_MS, 0);
    if (v->agents_running == 0)
        uv_stop(&v->L.uv);
}

/* --- the core ---------------------------------------------------------------- */

static void ev_core(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)a;
    (void)b;
    live *v = ctx;
    v->core_timer = 0;
    v->core_at = SIM_NEVER;
    if (v->stopping)
        return;
    int rc = disp_advance(v->d, sim_engine_now(e));
    if (rc != DISP_ELIMIT)
        check_rc(v, rc, "disp_advance");
    live_core_done(v);
}

void live_core_done(live *v)
{
    sim_time at = disp_next_deadline(v->d);
    sim_time now = sim_engine_now(v->L.e);
    if (at != SIM_NEVER && at < now)
        at = now;
    if (at == v->core_at)
        return;
    if (v->core_timer)
        sim_engine_cancel(v->L.e, v->core_timer);
    v->core_timer = at == SIM_NEVER ? 0 : sim_engine_schedule(v->L.e, at, ev_core, v, 0, 0);
    v->core_at = at;
}

/* A message to node b arrives (its network delay passed): a = its text. */
static void ev_to_node(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)e;
    live *v = ctx;
    char *text = (char *)(uintptr_t)a;
    v->in_flight--;
    live_node *n = &v->nodes[b];
    if (n->peer && !v->stopping)
        live_conn_send(&n->peer->c, text);
    free(text);
}

static void send_to_node(live *v, const disp_cmd *c, json_t *msg, const uint64_t key[4])
{
    sim_stream r;
    live_net_stream(&v->ks, &r, key);
    int64_t delay = 0;
    bool arrives = net_message(&v->s->network, NET_TO_NODE, &r.rng, &delay);
    live_node *n = c->node < v->n_nodes ? &v->nodes[c->node] : NULL;
    if (!arrives || !n) {
        if (c->kind == DISP_CMD_ASSIGN)
            sim_client_cause(&v->client, c->session, c->index, CAUSE_NETWORK);
        json_decref(msg);
        return;
    }
    if (c->kind == DISP_CMD_ASSIGN) {
        if (!n->peer) { /* the node is down: the assign is refused there */
            sim_client_cause(&v->client, c->session, c->index, CAUSE_NODE_CRASH);
        } else {
            n->out = sim_xgrow(n->out, &n->cap_out, n->n_out + 1, sizeof *n->out, 16);
            n->out[n->n_out++] = (live_attempt){c->job_id, c->session, c->attempt, c->index};
        }
    }
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        sim_oom("a message");
    sim_time at = net_link_arrival(&n->to_node, v->s->network.fifo, c->now, delay);
    v->in_flight++;
    sim_engine_schedule(v->L.e, at, ev_to_node, v, (uint64_t)(uintptr_t)text, c->node);
}

static void core_sink(void *ctx, const disp_cmd *c)
{
    live *v = ctx;
    sim_tl_cmd(v->tl, c);
    switch (c->kind) {
    case DISP_CMD_ASSIGN:
        send_to_node(v, c, live_msg_assign(c),
                     (uint64_t[4]){c->session, c->index, c->attempt, LIVE_MSG_ASSIGN});
        break;
    case DISP_CMD_CANCEL:
        send_to_node(v, c, live_msg_cancel(c),
                     (uint64_t[4]){c->session, c->index, c->attempt,
                                   ((uint64_t)++v->cancels << 8) | LIVE_MSG_CANCEL});
        break;
    case DISP_CMD_DELIVER:
        live_to_client(v, c, LIVE_MSG_DELIVER);
        break;
    case DISP_CMD_ERROR:
        live_to_client(v, c, LIVE_MSG_ERROR);
        break;
    case DISP_CMD_LOG:
        if (v->o->log)
            sim_log_cmd(v->o->log, v->s->policies[v->o->policy].name, v->o->rep, c,
                        sim_job_label(c->job_id, c->job, c->session, c->index,
                                      v->client.per_session,
                                      (uint64_t)v->client.n_sessions * v->client.per_session));
        sim_client_log_cause(&v->client, c);
        break;
    }
}

/* --- node connections -------------------------------------------------------- */

static void ev_node_down_notice(sim_engine *e, void *ctx, uint64_t a, uint64_t gen)
{
    live *v = ctx;
    live_node *n = &v->nodes[a];
    if (n->down_gen != gen || v->stopping)
        return; /* it came back before the scheduler noticed */
    sim_time now = sim_engine_now(e);
    if (v->s->nodes[n->cls].crash_notice == NODE_CRASH_HEARTBEAT_TIMEOUT) {
        sim_time at = sim_crash_notice_scan(n->last_heartbeat, now);
        if (at > now) { /* a heartbeat arrived since: a later scan */
            sim_engine_schedule(v->L.e, at, ev_node_down_notice, v, a, gen);
            return;
        }
    }
    check_rc(v, disp_node_down(v->d, now, (uint32_t)a), "disp_node_down");
    live_core_done(v);
}

/* Node i's connection closed: what it held is lost (a crash); the core hears of
 * it as in the simulation (faults.crash.notice): at once, or at the status scan
 * that finds its last heartbeat too old. Once the run is stopping the
 * connections close because it ends: what is still out was cut by the end, as
 * the simulation's attempts on a node at its cut (no cause: "unfinished"), not
 * crashed. */
static void node_lost(live *v, uint32_t i)
{
    live_node *n = &v->nodes[i];
    n->peer = NULL;
    if (v->o->verbose)
        fprintf(stderr, "dsim: live: node %s's connection closed at t=%.3f s, %zu jobs held\n",
                n->name, (double)sim_engine_now(v->L.e) / 1e9, n->n_out);
    for (size_t k = 0; k < n->n_out && !v->stopping; k++)
        sim_client_cause(&v->client, n->out[k].session, n->out[k].index, CAUSE_NODE_CRASH);
    n->n_out = 0;
    sim_time now = sim_engine_now(v->L.e);
    if (!v->stopping)
        sim_engine_schedule(v->L.e,
                            v->s->nodes[n->cls].crash_notice == NODE_CRASH_SOCKET_CLOSE
                                ? now
                                : sim_crash_notice_scan(n->last_heartbeat, now),
                            ev_node_down_notice, v, i, n->down_gen);
}

static int find_node(const live *v, const char *name)
{
    for (uint32_t i = 0; name && i < v->n_nodes; i++)
        if (strcmp(v->nodes[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void refuse(live_peer *p, const char *code, const char *message)
{
    live_conn_send_json(&p->c, json_pack("{s:s, s:s, s:s}", "type", "error", "code", code,
                                         "message", message));
}

static void on_register(live *v, live_peer *p, const json_t *m, sim_time now)
{
    int i = find_node(v, json_string_value(json_object_get(m, "node_id")));
    if (i < 0 || (v->nodes[i].peer && v->nodes[i].peer != p)) {
        refuse(p, "INVALID_MESSAGE", "node_id: not a node of this scenario, or already online");
        return;
    }
    live_node *n = &v->nodes[i];
    p->node = i;
    n->peer = p;
    n->down_gen++;
    live_conn_send_json(&p->c, live_msg_register_ack(n->name));
    if (v->o->verbose)
        fprintf(stderr, "dsim: live: node %s registered at t=%.3f s\n", n->name, (double)now / 1e9);
    if (v->registered < v->n_nodes) {
        /* The core breaks ties between nodes by registration order, and the
         * simulation brings its nodes up in id order at time 0: the first
         * registrations, which arrive in whatever order the agents connected,
         * are given to the core in id order once all are in. */
        if (++v->registered < v->n_nodes)
            return;
        for (uint32_t k = 0; k < v->n_nodes; k++) {
            v->nodes[k].last_heartbeat = now;
            check_rc(v,
                     disp_node_up(v->d, now, k, v->nodes[k].cls,
                                  v->s->nodes[v->nodes[k].cls].slots),
                     "disp_node_up");
        }
        return;
    }
    n->last_heartbeat = now;
    check_rc(v, disp_node_up(v->d, now, (uint32_t)i, n->cls, v->s->nodes[n->cls].slots),
             "disp_node_up");
}

/* The attempt left node p->node's list of attempts out (answered or ended). */
static void attempt_answered(live *v, const live_peer *p, uint64_t job_id, uint32_t attempt)
{
    live_node *n = &v->nodes[p->node];
    for (size_t k = 0; k < n->n_out; k++)
        if (n->out[k].job_id == job_id && n->out[k].attempt == attempt) {
            n->out[k] = n->out[--n->n_out];
            break;
        }
}

/* dsim_attempt_end: no job_result will come for the attempt; the cause the
 * simulation records at that instant (live_wire.c). */
static void on_attempt_end(live *v, live_peer *p, const json_t *m)
{
    live_result r;
    live_end_cause cause;
    if (!live_read_attempt_end(m, &r, &cause) || find_node(v, r.node_id) != p->node) {
        refuse(p, "INVALID_MESSAGE", "dsim_attempt_end: a field is missing or not this node's");
        return;
    }
    attempt_answered(v, p, r.job_id, r.attempt);
    static const int to_cause[] = {[LIVE_END_NONE] = -1,
                                   [LIVE_END_NO_RESULT] = CAUSE_NO_RESULT,
                                   [LIVE_END_NETWORK] = CAUSE_NETWORK,
                                   [LIVE_END_NODE_CRASH] = CAUSE_NODE_CRASH};
    if (to_cause[cause] >= 0)
        sim_client_cause(&v->client, r.session, r.index, (sim_loss_cause)to_cause[cause]);
}

static void on_result(live *v, live_peer *p, const json_t *m, sim_time now)
{
    live_result r;
    if (!live_read_result(m, &r) || find_node(v, r.node_id) != p->node) {
        refuse(p, "INVALID_MESSAGE", "job_result: a field is missing or not this node's");
        return;
    }
    attempt_answered(v, p, r.job_id, r.attempt);
    int rc = disp_result(v->d, now, r.job_id, r.attempt, (uint32_t)p->node, r.session, r.index,
                         r.success);
    if (rc != DISP_EUNKNOWN) /* a job the core forgot: it logged it */
        check_rc(v, rc, "disp_result");
}

static void on_message(live *v, live_peer *p, json_t *m)
{
    live_loop_sync(&v->L);
    if (v->stopping)
        return;
    sim_time now = sim_engine_now(v->L.e);
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!type) {
        refuse(p, "INVALID_MESSAGE", "no \"type\"");
    } else if (strcmp(type, "node_register") == 0) {
        on_register(v, p, m, now);
    } else if (p->node < 0) {
        refuse(p, "NODE_NOT_REGISTERED", "send node_register first");
    } else if (v->registered < v->n_nodes) {
        /* before every node is up in the core (heartbeats come 15 s later) */
    } else if (strcmp(type, "node_heartbeat") == 0) {
        json_t *jobs = json_object_get(json_object_get(m, "resource_usage"), "running_jobs");
        if (!json_is_integer(jobs) || json_integer_value(jobs) < 0 ||
            json_integer_value(jobs) > INT32_MAX)
            refuse(p, "INVALID_MESSAGE", "resource_usage.running_jobs: expected an integer >= 0");
        else {
            v->nodes[p->node].last_heartbeat = now;
            check_rc(v,
                     disp_node_heartbeat(v->d, now, (uint32_t)p->node,
                                         (int)json_integer_value(jobs)),
                     "disp_node_heartbeat");
        }
    } else if (strcmp(type, "job_result") == 0) {
        on_result(v, p, m, now);
    } else if (strcmp(type, LIVE_MSG_ATTEMPT_END) == 0) {
        on_attempt_end(v, p, m);
    } /* other node messages (job_ack, job_started, asr_partial, ...): not used */
    live_core_done(v);
    maybe_stop(v);
    live_loop_arm(&v->L);
}

static int on_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    live *v = lws_context_user(lws_get_context(wsi));
    live_peer *p = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(p, 0, sizeof *p);
        p->c.wsi = wsi;
        p->node = -1;
        if (v->stopping)
            return -1;
        break;
    case LWS_CALLBACK_RECEIVE: {
        bool bad;
        json_t *m = live_conn_receive(&p->c, in, len, lws_is_final_fragment(wsi), &bad);
        if (bad)
            refuse(p, "INVALID_MESSAGE", "not a JSON object, or longer than 64 KiB");
        if (m)
            on_message(v, p, m);
        json_decref(m);
        break;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (live_conn_writable(&p->c) < 0)
            return -1;
        break;
    case LWS_CALLBACK_CLOSED:
        if (p->node >= 0 && v->nodes[p->node].peer == p) {
            live_loop_sync(&v->L);
            node_lost(v, (uint32_t)p->node);
            live_loop_arm(&v->L);
        }
        live_conn_clear(&p->c);
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"lingua-node", on_ws, sizeof(live_peer), LIVE_MSG_MAX, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

/* --- one live run ------------------------------------------------------------ */

static void on_signal(uv_signal_t *sig, int signum)
{
    live *v = sig->data;
    if (!v->interrupted)
        v->interrupted = signum;
    live_stop(v);
}

static void metrics(live *v, double out[SIM_M_COUNT])
{
    disp_stats ds;
    disp_get_stats(v->d, &ds);
    memset(out, 0, SIM_M_COUNT * sizeof *out);
    sim_client_metrics(&v->client, out);
    out[SIM_M_FAILOVERS] = (double)ds.failovers;
    out[SIM_M_DISPATCHES] = (double)ds.dispatches;
    out[SIM_M_EXTRA_LOAD] =
        out[SIM_M_UTTERANCES] > 0 ? (double)ds.dispatches / out[SIM_M_UTTERANCES] - 1.0 : NAN;
    out[SIM_M_HEDGES] = (double)ds.hedges;
    out[SIM_M_BUDGET_REFUSALS] = (double)ds.budget_refusals;
    out[SIM_M_WASTED_NODE_S] = NAN; /* node busy time is the agents': not measured here */
    out[SIM_M_EVENTS] = NAN;        /* no engine runs the world */
}

static double live_uniform(void *ctx)
{
    return sim_stream_uniform(ctx);
}

static int live_setup(live *v, sim_error *err)
{
    const sim_scenario *s = v->s;
    sim_streams_init(&v->ks, sim_replication_seed(s->seed, v->o->rep));
    sim_stream_named(&v->jitter, &v->ks, SIM_KEY_POLICY, 0, 0, 0);
    disp_config dcfg;
    disp_config_init(&dcfg, &s->policies[v->o->policy].policy);
    dcfg.sink = core_sink;
    dcfg.sink_ctx = v;
    dcfg.uniform = live_uniform;
    dcfg.uniform_ctx = &v->jitter;
    if (disp_create(&v->d, &dcfg) != 0) {
        sim_error_add(err, "%s: policies[%zu]: %s", s->path, v->o->policy,
                      disp_policy_check(&s->policies[v->o->policy].policy));
        return SIM_FAIL_INPUT;
    }
    const disp_policy *pol = &s->policies[v->o->policy].policy;
    bool progress = false;
    for (size_t c = 0; c < s->n_nodes; c++)
        progress = progress || s->nodes[c].progress;
    if (progress && (pol->failover == DISP_FAILOVER_EXTEND_IF_BUSY ||
                     pol->liveness.mode != DISP_LIVENESS_NONE))
        fprintf(stderr,
                "dsim: live: warning: policy %s reads stage progress, which the node "
                "protocol does not carry: live it sees none, and its results will differ\n",
                s->policies[v->o->policy].name);
    uint32_t n_sessions = (uint32_t)s->workload.sessions;
    uint32_t per = (uint32_t)s->workload.utterances_per_session;
    sim_client_init(&v->client, n_sessions, per, false);
    v->answered = sim_xcalloc((size_t)n_sessions * per + 1, 1);
    v->to_client = sim_xcalloc(n_sessions ? n_sessions : 1, sizeof *v->to_client);
    v->cursors = sim_xcalloc(n_sessions ? n_sessions : 1, sizeof *v->cursors);
    v->client_instant = net_client_instant(&s->network);
    for (size_t c = 0; c < s->n_nodes; c++)
        v->n_nodes += (uint32_t)s->nodes[c].count;
    v->nodes = sim_xcalloc(v->n_nodes, sizeof *v->nodes);
    uint32_t id = 0;
    for (size_t c = 0; c < s->n_nodes; c++)
        for (int k = 0; k < s->nodes[c].count; k++, id++) {
            live_node *n = &v->nodes[id];
            n->cls = (uint32_t)c;
            live_node_name(n->name, sizeof n->name, s, id);
            live_shadow_init(v, id);
        }
    /* the agents' copy of the scenario's text (live_spawn_agent) */
    v->text_fd = memfd_create("dsim-live-scenario", MFD_CLOEXEC);
    size_t done = 0;
    while (v->text_fd >= 0 && done < s->json_len) {
        ssize_t w = write(v->text_fd, s->json_text + done, s->json_len - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (v->text_fd < 0 || done < s->json_len) {
        sim_error_add(err, "live: cannot keep the scenario's text for the agents (memfd): %s",
                      strerror(errno));
        err->internal = true;
        return SIM_FAIL_INTERNAL;
    }
    if (v->o->timeline) {
        sim_tl_filter all;
        sim_tl_filter_all(&all);
        v->tl = sim_tl_new(v->o->timeline, &all, s, v->o->policy, v->o->rep, 0);
    }
    return 0;
}

int sim_live_run(const sim_scenario *s, const sim_live_opts *o, double out[SIM_M_COUNT],
                 sim_error *err)
{
    live *v = sim_xcalloc(1, sizeof *v);
    v->s = s;
    v->o = o;
    v->core_at = SIM_NEVER;
    v->text_fd = -1;
    /* simulated time 0 comes once every agent could connect */
    uint64_t t0 = live_mono_ns() + (uint64_t)LIVE_START_DELAY_MS * 1000000u;
    live_loop_init(&v->L, t0, o->speed);
    v->L.after = maybe_stop;
    v->L.after_ctx = v;
    int rc = live_setup(v, err);
    if (rc == 0) {
        v->ctx = live_ws_context(&v->L, protocols, true, v);
        v->port = v->ctx ? lws_get_vhost_listen_port(lws_get_vhost_by_name(v->ctx, "default"))
                         : -1;
        if (v->port <= 0) {
            sim_error_add(err, "live: cannot listen on 127.0.0.1 (libwebsockets)");
            err->internal = true;
            rc = SIM_FAIL_INTERNAL;
        }
    }
    uv_timer_init(&v->L.uv, &v->grace);
    v->grace.data = v;
    uv_signal_init(&v->L.uv, &v->sigint);
    uv_signal_init(&v->L.uv, &v->sigterm);
    v->sigint.data = v->sigterm.data = v;
    if (rc == 0) {
        if (o->verbose)
            fprintf(stderr, "dsim: live: listening on 127.0.0.1:%d\n", v->port);
        uv_signal_start(&v->sigint, on_signal, SIGINT);
        uv_signal_start(&v->sigterm, on_signal, SIGTERM);
        for (uint32_t i = 0; i < v->n_nodes && rc == 0; i++)
            if (live_spawn_agent(v, i, t0, 0) != 0) {
                live_fail(v, SIM_FAIL_INTERNAL, "cannot start the agent of node %s (%s)",
                          v->nodes[i].name, o->exe);
                rc = SIM_FAIL_INTERNAL;
            }
        sim_engine_schedule(v->L.e, 0, ev_nodes_due, v, 0, 0);
        if (s->max_time_s > 0)
            sim_engine_schedule(v->L.e, (sim_time)(s->max_time_s * 1e9) + 1, ev_max_time, v, 0, 0);
        live_sessions_start(v);
        live_loop_arm(&v->L);
        uv_run(&v->L.uv, UV_RUN_DEFAULT);
    }
    if (o->verbose)
        live_loop_report(&v->L, "scheduler");
    if (rc == 0 && v->fail) {
        sim_error_add(err, "%s: live: policy %s, replication %d: %s", s->path,
                      s->policies[o->policy].name, o->rep, v->fail_msg);
        err->internal = v->fail == SIM_FAIL_INTERNAL;
        rc = v->fail;
    }
    if (rc == 0 && v->interrupted) {
        rc = SIM_LIVE_INTERRUPTED;
        if (o->signal)
            *o->signal = v->interrupted;
    }
    if (rc == 0)
        metrics(v, out);
    /* a scheduler that woke up this late (simulated) ran another world: nodes
     * that look busy or dead, timeouts that fire early; said, not refused
     * (measured after the run) */
    double late_s = v->L.late_max_ns / 1e9 * o->speed;
    if (rc == 0 && late_s > LIVE_LATE_WARN_S)
        fprintf(stderr,
                "dsim: live: warning: the scheduler woke up as late as %.3f ms (wall), %.3g "
                "simulated seconds at --speed %g: more than %g s, the run is not the "
                "simulation's world; a lower --speed keeps it\n",
                v->L.late_max_ns / 1e6, late_s, o->speed, LIVE_LATE_WARN_S);
    sim_tl_finish(v->tl, sim_engine_now(v->L.e), rc == 0 ? &v->client : NULL);
    /* what was still held for its network delay is dropped with the engine */
    for (sim_time t; (t = sim_engine_next_time(v->L.e)) != SIM_NEVER;) {
        v->stopping = true;
        sim_engine_run(v->L.e, t, 0);
    }
    uv_close((uv_handle_t *)&v->sigint, NULL);
    uv_close((uv_handle_t *)&v->sigterm, NULL);
    uv_close((uv_handle_t *)&v->grace, NULL);
    live_ws_destroy(&v->L, v->ctx);
    live_loop_free(&v->L);
    for (uint32_t i = 0; i < v->n_nodes; i++) {
        free(v->nodes[i].out);
        free(v->nodes[i].recover);
        node_free(v->nodes[i].shadow);
    }
    free(v->nodes);
    if (v->text_fd >= 0)
        close(v->text_fd);
    free(v->answered);
    free(v->to_client);
    free(v->cursors);
    sim_client_free(&v->client);
    disp_free(v->d);
    free(v);
    return rc;
}
