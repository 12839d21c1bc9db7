/*
 * agent.c — `dsim agent`: one node of a scenario as a process (live.h). It runs
 * the simulation's node model (models/node.h) against the scaled wall clock and
 * speaks the node protocol over a WebSocket to the scheduler:
 *   - the node comes up (node_start at simulated time 0, or a recovery): node_register;
 *   - job_assign -> node_assign with the attempt's own stream (the world's keys:
 *     (session, utterance, attempt, node class)), so its stage times, stall and
 *     no_result draws are the simulation's;
 *   - job_cancel -> node_cancel (on_cancel, cancel_between_stages,
 *     attempt_check, skip_repeat_job_id and the rest are the model's);
 *   - its results and heartbeats leave after the network model's delay (the
 *     world's keys), or are lost;
 *   - a crash fault kills the process (SIGKILL); the scheduler starts a new one
 *     that replays the node's fault timeline and comes up after the downtime.
 * Stage progress reports (progress: true) have no message in the reference's
 * node protocol at 98e3526 and are not sent.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "live_internal.h"
#include "xalloc.h"

typedef struct agent {
    live_loop L;
    struct lws_context *ctx;
    live_conn conn;
    const sim_scenario *s;
    const sim_agent_opts *o;
    uint32_t cls;
    char name[96];
    sim_streams ks;
    sim_stream faults;
    node *n;
    double phase;
    sim_timer node_timer;
    sim_time node_at;
    bool replay; /* a restart replaying its fault timeline: nothing is sent */
    bool registered; /* a first start: node_register went at connect, before time 0 */
    net_link to_sched;
    uint64_t heartbeats; /* the node's heartbeats since time 0, a replayed life's too */
    uv_signal_t sigterm;
    bool closed;
    bool discard; /* the end: pending events only free what they hold */
    int fail;
    char fail_msg[300];
} agent;

static void agent_fail(agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void agent_fail(agent *a, const char *fmt, ...)
{
    if (a->fail)
        return;
    a->fail = SIM_FAIL_INTERNAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->fail_msg, sizeof a->fail_msg, fmt, ap);
    va_end(ap);
    uv_stop(&a->L.uv);
}

/* --- the node ---------------------------------------------------------------- */

static void ev_node(sim_engine *e, void *ctx, uint64_t x, uint64_t y);

static void node_done(agent *a)
{
    sim_time at = node_next_deadline(a->n);
    if (at == a->node_at)
        return;
    if (a->node_timer)
        sim_engine_cancel(a->L.e, a->node_timer);
    a->node_timer = at == NODE_NEVER ? 0 : sim_engine_schedule(a->L.e, at, ev_node, a, 0, 0);
    a->node_at = at;
}

static void ev_node(sim_engine *e, void *ctx, uint64_t x, uint64_t y)
{
    (void)x;
    (void)y;
    agent *a = ctx;
    a->node_timer = 0;
    a->node_at = NODE_NEVER;
    if (a->discard)
        return;
    node_advance(a->n, sim_engine_now(e));
    node_done(a);
}

static void ev_start(sim_engine *e, void *ctx, uint64_t x, uint64_t y)
{
    (void)x;
    (void)y;
    agent *a = ctx;
    if (a->discard)
        return;
    node_start(a->n, sim_engine_now(e), a->phase);
    node_done(a);
}

/* A message whose network delay has passed: x = its text. */
static void ev_send(sim_engine *e, void *ctx, uint64_t x, uint64_t y)
{
    (void)e;
    (void)y;
    agent *a = ctx;
    char *text = (char *)(uintptr_t)x;
    if (!a->discard)
        live_conn_send(&a->conn, text);
    free(text);
}

/* Sends msg once its network delay has passed; false when the network loses it. */
static bool send_later(agent *a, json_t *msg, const uint64_t key[4])
{
    sim_stream r;
    live_net_stream(&a->ks, &r, key);
    int64_t delay = 0;
    bool arrives = net_message(&a->s->network, NET_TO_SCHED, &r.rng, &delay);
    if (!arrives) {
        json_decref(msg);
        return false;
    }
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        sim_oom("a message");
    sim_time now = sim_engine_now(a->L.e);
    sim_time at = net_link_arrival(&a->to_sched, a->s->network.fifo, now, delay);
    sim_engine_schedule(a->L.e, at, ev_send, a, (uint64_t)(uintptr_t)text, 0);
    return true;
}

static void node_sink(void *ctx, int64_t at, const node_out *o)
{
    agent *a = ctx;
    if (a->replay) {
        /* the node's life before this restart: its heartbeats are counted, as
         * the simulation keys heartbeat k of a node by its whole life's count
         * (world_node.c world_node_sink) */
        if (o->kind == NODE_OUT_HEARTBEAT)
            a->heartbeats++;
        return;
    }
    switch (o->kind) {
    case NODE_OUT_UP:
        if (a->registered) /* the first start's: registered at connect */
            a->registered = false;
        else
            live_conn_send_json(&a->conn, live_msg_register(a->name, o->slots));
        break;
    case NODE_OUT_HEARTBEAT:
        send_later(a,
                   live_msg_heartbeat(a->name, sim_engine_now(a->L.e) / 1000000, o->current_jobs),
                   (uint64_t[4]){UINT64_MAX, o->node, a->heartbeats++, LIVE_MSG_HEARTBEAT});
        break;
    case NODE_OUT_RESULT:
        if (!send_later(a, live_msg_result(a->name, o, at / 1000000),
                        (uint64_t[4]){o->session, o->index, o->attempt, LIVE_MSG_RESULT}))
            live_conn_send_json(&a->conn, live_msg_attempt_end(a->name, o, LIVE_END_NETWORK));
        break;
    case NODE_OUT_END:
        /* an attempt that left without a job_result: the scheduler is told (and
         * the cause the simulation records then) */
        if (o->end == NODE_END_NO_RESULT)
            live_conn_send_json(&a->conn, live_msg_attempt_end(a->name, o, LIVE_END_NO_RESULT));
        else if (o->end == NODE_END_REFUSED)
            live_conn_send_json(&a->conn, live_msg_attempt_end(a->name, o, LIVE_END_NODE_CRASH));
        else if (o->end == NODE_END_SKIPPED || o->end == NODE_END_STALE)
            live_conn_send_json(&a->conn, live_msg_attempt_end(a->name, o, LIVE_END_NONE));
        break;
    case NODE_OUT_DOWN:
        /* the crash fault: a real one (what it held is lost, its socket dies) */
        if (a->o->verbose)
            fprintf(stderr, "dsim: agent %s: crash at t=%.3f s\n", a->name, (double)at / 1e9);
        fflush(NULL);
        raise(SIGKILL);
        break;
    case NODE_OUT_PROGRESS: /* no message for it in the reference's protocol */
        break;
    }
}

/* --- messages from the scheduler --------------------------------------------- */

static void on_message(agent *a, const json_t *m)
{
    live_loop_sync(&a->L);
    sim_time now = sim_engine_now(a->L.e);
    const char *type = json_string_value(json_object_get(m, "type"));
    if (type && strcmp(type, "job_assign") == 0) {
        node_job j;
        if (!live_read_assign(m, &j, (uint32_t)a->s->workload.utterances_per_session)) {
            agent_fail(a, "node %s: a job_assign with a field missing or out of range", a->name);
            return;
        }
        sim_stream r;
        sim_stream_named(&r, &a->ks, SIM_KEY_SERVICE, j.session, j.index,
                         (uint64_t)j.attempt << 40 | a->cls);
        node_assign(a->n, now, &j, &r.rng);
    } else if (type && strcmp(type, "job_cancel") == 0) {
        uint64_t job_id;
        json_t *att = json_object_get(m, "attempt_id");
        json_int_t attempt = json_is_integer(att) ? json_integer_value(att) : 0;
        if (!live_job_parse(json_string_value(json_object_get(m, "job_id")), &job_id) ||
            attempt < 0 || attempt > UINT16_MAX) {
            agent_fail(a, "node %s: a job_cancel with a bad job_id or attempt_id", a->name);
            return;
        }
        node_cancel(a->n, now, job_id, (uint32_t)attempt);
    } else if (type && strcmp(type, "error") == 0) {
        agent_fail(a, "node %s: the scheduler answered: %s", a->name,
                   json_string_value(json_object_get(m, "message")));
        return;
    } /* node_register_ack and anything else: nothing to do */
    node_done(a);
    live_loop_arm(&a->L);
}

static int on_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    (void)user;
    agent *a = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        a->conn.wsi = wsi;
        if (a->conn.head)
            lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        bool bad;
        json_t *m = live_conn_receive(&a->conn, in, len, lws_is_final_fragment(wsi), &bad);
        if (bad)
            agent_fail(a, "node %s: a message that is not a JSON object", a->name);
        if (m)
            on_message(a, m);
        json_decref(m);
        break;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (live_conn_writable(&a->conn) < 0)
            return -1;
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        agent_fail(a, "node %s: cannot connect to 127.0.0.1:%d: %s", a->name, a->o->port,
                   in ? (const char *)in : "no reason given");
        a->conn.wsi = NULL;
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        /* the scheduler ended the run */
        a->conn.wsi = NULL;
        a->closed = true;
        uv_stop(&a->L.uv);
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"lingua-node", on_ws, 0, LIVE_MSG_MAX, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};

static void on_sigterm(uv_signal_t *sig, int signum)
{
    (void)signum;
    agent *a = sig->data;
    a->closed = true;
    uv_stop(&a->L.uv);
}

int sim_agent_run(const sim_scenario *s, const sim_agent_opts *o, sim_error *err)
{
    /* never outlive the scheduler, and leave Ctrl-C to it (it stops us) */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_IGN);
    if (getppid() == 1)
        return 0;
    uint32_t count = 0;
    for (size_t c = 0; c < s->n_nodes; c++)
        count += (uint32_t)s->nodes[c].count;
    if (o->node >= count || o->policy >= s->n_policies) {
        sim_error_add(err, "agent: %s: no node %u (it has %u) or no such policy", s->path,
                      o->node, count);
        return SIM_FAIL_INPUT;
    }
    agent *a = sim_xcalloc(1, sizeof *a);
    a->s = s;
    a->o = o;
    a->node_at = NODE_NEVER;
    live_loop_init(&a->L, o->t0, o->speed);
    uint32_t first = 0;
    for (size_t c = 0; c < s->n_nodes; c++) {
        if (o->node < first + (uint32_t)s->nodes[c].count) {
            a->cls = (uint32_t)c;
            break;
        }
        first += (uint32_t)s->nodes[c].count;
    }
    live_node_name(a->name, sizeof a->name, s, o->node);
    sim_streams_init(&a->ks, sim_replication_seed(s->seed, o->rep));
    sim_stream_named(&a->faults, &a->ks, SIM_KEY_NODE, o->node, 0, 0);
    node_config cfg = s->nodes[a->cls];
    sim_node_override_apply(&s->policies[o->policy].node, &cfg);
    a->n = node_new(&cfg, o->node, a->cls, &a->faults.rng, node_sink, a);
    int rc = 0;
    if (!a->n) {
        sim_error_add(err, "agent: %s: nodes[%u]: unusable node configuration", s->path, a->cls);
        rc = SIM_FAIL_INPUT;
        goto out;
    }
    sim_stream ph;
    sim_stream_named(&ph, &a->ks, SIM_KEY_HEARTBEAT, o->node, 0, 0);
    a->phase = sim_stream_uniform(&ph);
    if (o->restart_at > 0) { /* down until restart_at: replay the fault timeline silently */
        a->replay = true;
        node_start(a->n, 0, a->phase);
        node_advance(a->n, o->restart_at - 1);
        a->replay = false;
        if (o->verbose)
            fprintf(stderr,
                    "dsim: agent %s: node %u restarted, up at t=%.9f s, its heartbeats "
                    "numbered from %llu\n",
                    a->name, o->node, (double)o->restart_at / 1e9,
                    (unsigned long long)a->heartbeats);
        node_done(a);
    } else {
        /* registered as soon as connected, so that the scheduler has every node
         * before simulated time 0 at any --speed (the simulation's are up at 0);
         * the node's own UP at 0 is then not sent again */
        live_conn_send_json(&a->conn, live_msg_register(a->name, cfg.slots));
        a->registered = true;
        sim_engine_schedule(a->L.e, 0, ev_start, a, 0, 0);
    }
    a->ctx = live_ws_context(&a->L, protocols, false, a);
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = a->ctx;
    ci.address = "127.0.0.1";
    ci.port = o->port;
    ci.path = LIVE_NODE_PATH;
    ci.host = ci.address;
    ci.origin = ci.address;
    ci.ietf_version_or_minus_one = -1;
    if (!a->ctx || !lws_client_connect_via_info(&ci)) {
        sim_error_add(err, "agent: node %s: cannot connect to 127.0.0.1:%d", a->name, o->port);
        err->internal = true;
        rc = SIM_FAIL_INTERNAL;
        goto out;
    }
    uv_signal_init(&a->L.uv, &a->sigterm);
    a->sigterm.data = a;
    uv_signal_start(&a->sigterm, on_sigterm, SIGTERM);
    live_loop_arm(&a->L);
    uv_run(&a->L.uv, UV_RUN_DEFAULT);
    if (o->verbose) {
        char who[128];
        snprintf(who, sizeof who, "agent %s", a->name);
        live_loop_report(&a->L, who);
    }
    if (a->fail) {
        sim_error_add(err, "agent: %s", a->fail_msg);
        err->internal = true;
        rc = a->fail;
    }
out:
    /* what was still held for its network delay is dropped */
    a->discard = true;
    for (sim_time t; (t = sim_engine_next_time(a->L.e)) != SIM_NEVER;)
        sim_engine_run(a->L.e, t, 0);
    live_conn_clear(&a->conn);
    if (uv_is_active((uv_handle_t *)&a->sigterm) || a->sigterm.data)
        uv_close((uv_handle_t *)&a->sigterm, NULL);
    live_ws_destroy(&a->L, a->ctx);
    live_loop_free(&a->L);
    node_free(a->n);
    free(a);
    return rc;
}
