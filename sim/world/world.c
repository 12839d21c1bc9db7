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

#include "engine.h"
#include "xalloc.h"
#include "net.h"
#include "node.h"
#include "run.h"
#include "stream.h"
#include "timeline.h"
#include "workload.h"
#include "simworld.h"

/* How long the scheduler takes to notice a node that went silent (heartbeat
 * timeout of the reference: 45 s). */
#define WORLD_NODE_DOWN_NOTICE (SIM_NODE_DOWN_NOTICE_S * SIM_NS_PER_S)
/* Without max_time_s, a run stops at the last session close plus this (sessions
 * without linger_s: at the end of the last utterance plus this). */
#define WORLD_DRAIN_HORIZON (SIM_DRAIN_HORIZON_S * SIM_NS_PER_S)

enum { MSG_ASSIGN = 1, MSG_CANCEL, MSG_RESULT, MSG_PROGRESS, MSG_HEARTBEAT, MSG_DELIVER, MSG_ERROR };

/* A message on the wire, pooled. */
typedef struct msg {
    uint8_t kind;
    bool success;
    int8_t stage;
    uint8_t error; /* MSG_ERROR: disp_error_code */
    uint32_t node;
    uint32_t attempt;
    uint32_t index;
    int32_t current_jobs;
    uint64_t job_id;
    uint64_t job;
    uint64_t session;
    int64_t audio;
    int64_t busy;
    uint32_t next_free;
} msg;

typedef struct wnode {
    node *n;
    uint32_t cls;
    sim_timer timer;
    sim_time timer_at;
    sim_stream faults;
    uint32_t down_gen; /* bumped at every UP: a stale down notice is ignored */
    uint64_t heartbeats;
    net_link to_node, to_sched; /* its two directed links (order state) */
} wnode;

/* What the core sent the client about one utterance (keys the client hop's
 * draws, so the n-th delivery of an utterance meets the same delay under every
 * policy; and tells the first delivery the core made). */
typedef struct wclient_sent {
    uint16_t delivers, errors; /* saturating */
} wclient_sent;

typedef struct world {
    const sim_scenario *s;
    const sim_run_opts *o;
    const char *policy_name;
    sim_lingua_log *lingua; /* --log-format lingua, or NULL */
    size_t policy;
    int rep;
    uint64_t seed; /* this replication's seed */
    sim_engine *e;
    disp *d;
    sim_timer core_timer;
    sim_time core_at;
    wnode *nodes;
    uint32_t n_nodes;
    sim_client client;
    wclient_sent *sent;     /* per utterance, as client.utt */
    net_link *to_client;    /* per session: the scheduler -> client link */
    bool client_instant;    /* the client hop is const 0: no event needed */
    wl_cursor *cursors;     /* per session */
    uint32_t sessions_open; /* sessions not yet closed */
    uint32_t sessions_speaking; /* sessions whose last utterance has not ended */
    bool close_at_drain;    /* no linger_s: sessions close when the run has drained */
    msg *msgs;
    uint32_t n_msgs, cap_msgs, free_msg;
    uint64_t msgs_in_flight; /* assign/cancel/result/progress/client messages on the wire */
    int64_t attempts_on_nodes;
    uint64_t cancels;
    double total_busy_ns;
    /* the result being handed to the core, for wasted-work accounting */
    uint64_t cur_job;
    uint32_t cur_attempt;
    int64_t cur_busy;
    bool in_result;
    sim_stream jitter;
    /* busy time of successful results the core held back (ordered queue):
     * (job, attempt) -> busy, open addressing, linear probing */
    struct held { uint64_t key; int64_t busy; } *held;
    size_t held_cap, held_n;
    /* the first refused core call: SIM_FAIL_INPUT or SIM_FAIL_INTERNAL, and why */
    int fail;
    char fail_msg[400];
    sim_tl *tl; /* --timeline writer of this run, or NULL */
} world;

static void world_call_core_done(world *w);
static void world_node_done(world *w, uint32_t i);

/* --- message pool -------------------------------------------------------- */

static uint32_t msg_alloc(world *w)
{
    if (w->free_msg != UINT32_MAX) {
        uint32_t i = w->free_msg;
        w->free_msg = w->msgs[i].next_free;
        return i;
    }
    if (w->n_msgs == w->cap_msgs) {
        w->cap_msgs = w->cap_msgs ? w->cap_msgs * 2 : 256;
        w->msgs = sim_xrealloc(w->msgs, (size_t)w->cap_msgs * sizeof *w->msgs);
    }
    return w->n_msgs++;
}

static void msg_free(world *w, uint32_t i)
{
    w->msgs[i].next_free = w->free_msg;
    w->free_msg = i;
}

/* An arriving message: its copy, its slot freed. */
static msg msg_take(world *w, uint64_t i)
{
    msg m = w->msgs[i];
    msg_free(w, (uint32_t)i);
    return m;
}

/* --- held results (wasted-work accounting) ------------------------------- */

static uint64_t held_key(uint64_t job, uint32_t attempt)
{
    return ((job + 1) << 8) ^ attempt; /* never 0: 0 marks an empty slot */
}

static size_t held_slot(uint64_t key, size_t cap)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static void held_put(world *w, uint64_t job, uint32_t attempt, int64_t busy)
{
    if (2 * (w->held_n + 1) > w->held_cap) {
        size_t old_cap = w->held_cap;
        struct held *old = w->held;
        w->held_cap = old_cap ? old_cap * 2 : 64;
        w->held = sim_xcalloc(w->held_cap, sizeof *w->held);
        w->held_n = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].key) {
                size_t j = held_slot(old[i].key, w->held_cap);
                while (w->held[j].key)
                    j = (j + 1) & (w->held_cap - 1);
                w->held[j] = old[i];
                w->held_n++;
            }
        free(old);
    }
    uint64_t key = held_key(job, attempt);
    size_t j = held_slot(key, w->held_cap);
    while (w->held[j].key && w->held[j].key != key)
        j = (j + 1) & (w->held_cap - 1);
    if (!w->held[j].key)
        w->held_n++;
    w->held[j].key = key;
    w->held[j].busy = busy;
}

/* Removes and returns the busy time held for (job, attempt), or 0. */
static int64_t held_take(world *w, uint64_t job, uint32_t attempt)
{
    if (!w->held_n)
        return 0;
    uint64_t key = held_key(job, attempt);
    size_t mask = w->held_cap - 1, j = held_slot(key, w->held_cap);
    while (w->held[j].key && w->held[j].key != key)
        j = (j + 1) & mask;
    if (!w->held[j].key)
        return 0;
    int64_t busy = w->held[j].busy;
    /* backward-shift deletion keeps probe chains intact */
    size_t i = j;
    for (;;) {
        w->held[i].key = 0;
        size_t k = i;
        for (;;) {
            k = (k + 1) & mask;
            if (!w->held[k].key) {
                w->held_n--;
                return busy;
            }
            size_t home = held_slot(w->held[k].key, w->held_cap);
            if (((k - home) & mask) >= ((k - i) & mask))
                break;
        }
        w->held[i] = w->held[k];
        i = k;
    }
}

/* --- refused core calls --------------------------------------------------- */

/* Records the first failure (kind SIM_FAIL_INPUT or SIM_FAIL_INTERNAL) and stops
 * the replication at the end of the current event: a core that refused an
 * input did not see it, so nothing the run measures after it would be true. */
static void world_fail(world *w, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void world_fail(world *w, int kind, const char *fmt, ...)
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

static const char *disp_rc_name(int rc)
{
    return rc == DISP_EUNKNOWN ? "DISP_EUNKNOWN"
           : rc == DISP_EINVAL ? "DISP_EINVAL"
           : rc == DISP_ELIMIT ? "DISP_ELIMIT"
                               : "an unknown code";
}

/* A core call the world's own bookkeeping should never see refused. */
static void world_internal(world *w, int rc, const char *call)
{
    if (rc != 0)
        world_fail(w, SIM_FAIL_INTERNAL, "internal error: %s returned %d (%s) at t=%.9g s", call,
                   rc, disp_rc_name(rc), (double)sim_engine_now(w->e) / 1e9);
}

/* disp_utterance refused (session a, index): a full table of the core is an
 * input error (the workload asks for more than the core holds), named with the
 * fields that drive it; anything else is internal. */
static void world_utterance_refused(world *w, int rc, uint64_t a, uint32_t index)
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
static void world_close_open_sessions(world *w)
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
static void world_maybe_stop(world *w)
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

/* --- network ------------------------------------------------------------- */

static const char *msg_name[] = {"",          "assign",  "cancel", "result",
                                 "progress",  "heartbeat", "deliver", "error"};

static void ev_to_node(sim_engine *e, void *ctx, uint64_t a, uint64_t b);
static void ev_to_sched(sim_engine *e, void *ctx, uint64_t a, uint64_t b);
static void ev_to_client(sim_engine *e, void *ctx, uint64_t a, uint64_t b);

/* The id logs and traces show for a job (sim_job_label). */
static uint32_t world_job_label(const world *w, uint64_t job_id, uint64_t job, uint64_t session,
                                uint32_t index)
{
    return sim_job_label(job_id, job, session, index, w->client.per_session,
                         (uint64_t)w->client.n_sessions * w->client.per_session);
}

/* Sends message i in direction dir; key identifies it (policy-independent). */
static void world_send(world *w, uint32_t i, net_dir dir, const uint64_t key[4])
{
    msg *m = &w->msgs[i];
    sim_stream r;
    sim_stream_init(&r, w->seed, (const uint64_t[]){SIM_KEY_NET, key[0], key[1], key[2], key[3]},
                    5);
    int64_t delay = 0;
    bool arrives = net_message(&w->s->network, dir, &r.rng, &delay);
    sim_time now = sim_engine_now(w->e);
    if (w->o->trace)
        sim_trace_msg(w->o->trace, w->policy_name, w->rep, now, msg_name[m->kind], m->node,
                      world_job_label(w, m->job_id, m->job, m->session, m->index), m->attempt,
                      m->session, m->index, !arrives);
    if (!arrives) {
        if (m->kind == MSG_ASSIGN || m->kind == MSG_RESULT)
            sim_client_cause(&w->client, m->session, m->index, CAUSE_NETWORK);
        if (m->kind == MSG_RESULT)
            sim_tl_result_lost(w->tl, m->job, m->attempt);
        msg_free(w, i);
        return;
    }
    if (m->kind != MSG_HEARTBEAT)
        w->msgs_in_flight++;
    sim_time at = now + delay;
    if (m->node < w->n_nodes) {
        wnode *wn = &w->nodes[m->node];
        at = net_link_arrival(dir == NET_TO_NODE ? &wn->to_node : &wn->to_sched,
                              w->s->network.fifo, now, delay);
    }
    sim_engine_schedule(w->e, at, dir == NET_TO_NODE ? ev_to_node : ev_to_sched, w, i, 0);
}

/* --- the client ------------------------------------------------------------ */

/* The client receives a delivery or an error for (session, index). */
static void client_receive(world *w, sim_time now, uint8_t kind, uint64_t session,
                           uint32_t index, int error, uint64_t job, uint32_t attempt)
{
    if (kind == MSG_DELIVER) {
        bool first = sim_client_deliver(&w->client, now, session, index);
        sim_tl_client(w->tl, now, true, first, 0, session, index, job, attempt);
        return;
    }
    sim_tl_client(w->tl, now, false, false, error, session, index, job, attempt);
    w->client.errors++;
    if (error == DISP_ERR_PROCESSING)
        sim_client_cause(&w->client, session, index, CAUSE_PROCESSING_ERROR);
}

/* The core sends the client a delivery or an error: it arrives after the
 * client hop's delay (network.client_delay_s), in order per session when links
 * keep order. The draw is keyed by (session, index, kind, nth), nth counting
 * the earlier messages of that kind for the utterance, so the first delivery
 * of an utterance meets the same delay under every policy. */
static void world_to_client(world *w, const disp_cmd *c, uint8_t kind, uint16_t nth)
{
    if (w->client_instant || c->session >= w->client.n_sessions) {
        client_receive(w, c->now, kind, c->session, c->index, (int)c->error, c->job, c->attempt);
        return;
    }
    sim_stream r;
    sim_stream_init(&r, w->seed,
                    (const uint64_t[]){SIM_KEY_NET, c->session, c->index, UINT64_MAX - 1,
                                       ((uint64_t)nth << 8) | kind},
                    5);
    int64_t delay = net_client_delay(&w->s->network, &r.rng);
    sim_time at = net_link_arrival(&w->to_client[c->session], w->s->network.fifo, c->now, delay);
    uint32_t i = msg_alloc(w);
    msg *m = &w->msgs[i];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->session = c->session;
    m->index = c->index;
    m->error = (uint8_t)c->error;
    m->job = c->job;
    m->attempt = c->attempt;
    w->msgs_in_flight++;
    sim_engine_schedule(w->e, at, ev_to_client, w, i, 0);
}

static void ev_to_client(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    msg m = msg_take(w, a);
    w->msgs_in_flight--;
    client_receive(w, sim_engine_now(e), m.kind, m.session, m.index, m.error, m.job, m.attempt);
    world_maybe_stop(w);
}

static wclient_sent *world_sent(world *w, uint64_t session, uint32_t index)
{
    if (session >= w->client.n_sessions || index >= w->client.per_session)
        return NULL;
    return &w->sent[session * w->client.per_session + index];
}

/* --- the core's sink ----------------------------------------------------- */

static void core_sink(void *ctx, const disp_cmd *c)
{
    world *w = ctx;
    sim_tl_cmd(w->tl, c);
    switch (c->kind) {
    case DISP_CMD_ASSIGN:
    case DISP_CMD_CANCEL: {
        uint32_t i = msg_alloc(w);
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
        /* The useful attempt is the one whose output the core released first. */
        wclient_sent *sn = world_sent(w, c->session, c->index);
        uint16_t nth = sn ? sn->delivers : 0;
        if (sn && nth == 0) {
            if (w->in_result && c->job == w->cur_job && c->attempt == w->cur_attempt)
                w->client.useful_busy_ns += (double)w->cur_busy;
            else
                w->client.useful_busy_ns += (double)held_take(w, c->job, c->attempt);
        }
        if (sn && sn->delivers < UINT16_MAX)
            sn->delivers++;
        world_to_client(w, c, MSG_DELIVER, nth);
        break;
    }
    case DISP_CMD_ERROR: {
        wclient_sent *sn = world_sent(w, c->session, c->index);
        uint16_t nth = sn ? sn->errors : 0;
        if (sn && sn->errors < UINT16_MAX)
            sn->errors++;
        world_to_client(w, c, MSG_ERROR, nth);
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
        switch (c->event) {
        case DISP_LOG_PENDING_TIMEOUT:
            sim_client_cause(&w->client, c->session, c->index, CAUSE_NO_NODE);
            break;
        case DISP_LOG_FAILOVER_EXHAUSTED:
        case DISP_LOG_FAILOVER_NO_NODE:
            sim_client_cause(&w->client, c->session, c->index, CAUSE_FAILOVER_EXHAUSTED);
            break;
        case DISP_LOG_ACK_DISCARD:
            sim_client_cause(&w->client, c->session, c->index, CAUSE_ACK_DISCARD);
            break;
        case DISP_LOG_RESULT_DUPLICATE:
            sim_client_cause(&w->client, c->session, c->index, CAUSE_DEDUP_DROP);
            break;
        case DISP_LOG_RESULT_FENCED:
            sim_client_cause(&w->client, c->session, c->index, CAUSE_FENCED);
            break;
        case DISP_LOG_RESULT_SESSION_CLOSED:
            sim_client_cause(&w->client, c->session, c->index, CAUSE_SESSION_CLOSED);
            break;
        default:
            break;
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
static void world_call_core_done(world *w)
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

/* --- nodes ---------------------------------------------------------------- */

static void ev_node(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    wnode *wn = &w->nodes[a];
    wn->timer = 0;
    wn->timer_at = SIM_NEVER;
    node_advance(wn->n, sim_engine_now(e));
    world_node_done(w, (uint32_t)a);
}

static void world_node_done(world *w, uint32_t i)
{
    wnode *wn = &w->nodes[i];
    sim_time at = node_next_deadline(wn->n);
    if (at != wn->timer_at) {
        if (wn->timer)
            sim_engine_cancel(w->e, wn->timer);
        wn->timer = at == NODE_NEVER ? 0 : sim_engine_schedule(w->e, at, ev_node, w, i, 0);
        wn->timer_at = at;
    }
    world_maybe_stop(w);
}

static void ev_node_down_notice(sim_engine *e, void *ctx, uint64_t a, uint64_t gen)
{
    world *w = ctx;
    if (w->nodes[a].down_gen != gen)
        return; /* it came back before the scheduler noticed */
    world_internal(w, disp_node_down(w->d, sim_engine_now(e), (uint32_t)a), "disp_node_down");
    world_call_core_done(w);
}

static void ev_node_up(sim_engine *e, void *ctx, uint64_t a, uint64_t slots)
{
    world *w = ctx;
    int rc = disp_node_up(w->d, sim_engine_now(e), (uint32_t)a, w->nodes[a].cls, (int)slots);
    if (rc == DISP_EINVAL && (slots < 1 || slots > DISP_SLOTS_MAX))
        world_fail(w, SIM_FAIL_INPUT, "nodes[%" PRIu32 "].slots: expected an integer in 1..%d, got %d",
                   w->nodes[a].cls, DISP_SLOTS_MAX, (int)slots);
    else
        world_internal(w, rc, "disp_node_up");
    world_call_core_done(w);
}

static void node_sink(void *ctx, int64_t at, const node_out *o)
{
    world *w = ctx;
    wnode *wn = &w->nodes[o->node];
    switch (o->kind) {
    case NODE_OUT_RESULT:
    case NODE_OUT_PROGRESS:
    case NODE_OUT_HEARTBEAT: {
        uint32_t i = msg_alloc(w);
        msg *m = &w->msgs[i];
        memset(m, 0, sizeof *m);
        m->node = o->node;
        m->job_id = o->job_id;
        m->job = o->job;
        m->attempt = o->attempt;
        m->session = o->session;
        m->index = o->index;
        m->success = o->success;
        m->stage = (int8_t)o->stage;
        m->busy = o->busy_ns;
        m->current_jobs = o->current_jobs;
        uint64_t key[4] = {o->session, o->index, o->attempt, 0};
        if (o->kind == NODE_OUT_RESULT) {
            m->kind = MSG_RESULT;
            key[3] = MSG_RESULT;
        } else if (o->kind == NODE_OUT_PROGRESS) {
            m->kind = MSG_PROGRESS;
            key[3] = MSG_PROGRESS + 16u * (uint64_t)(o->stage + 1);
        } else {
            m->kind = MSG_HEARTBEAT;
            key[0] = UINT64_MAX;
            key[1] = o->node;
            key[2] = wn->heartbeats++;
            key[3] = MSG_HEARTBEAT;
        }
        world_send(w, i, NET_TO_SCHED, key);
        break;
    }
    case NODE_OUT_DOWN:
        sim_engine_schedule(w->e, sim_engine_now(w->e) + WORLD_NODE_DOWN_NOTICE, ev_node_down_notice, w,
                     o->node, wn->down_gen);
        break;
    case NODE_OUT_UP:
        wn->down_gen++;
        sim_engine_schedule(w->e, sim_engine_now(w->e), ev_node_up, w, o->node, (uint64_t)o->slots);
        break;
    case NODE_OUT_END:
        sim_tl_node_end(w->tl, at, o);
        w->attempts_on_nodes--;
        w->total_busy_ns += (double)o->busy_ns;
        if (o->end == NODE_END_CRASHED || o->end == NODE_END_REFUSED)
            sim_client_cause(&w->client, o->session, o->index, CAUSE_NODE_CRASH);
        else if (o->end == NODE_END_NO_RESULT)
            sim_client_cause(&w->client, o->session, o->index, CAUSE_NO_RESULT);
        break;
    }
}

static void ev_to_node(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    msg m = msg_take(w, a);
    w->msgs_in_flight--;
    if (m.node >= w->n_nodes)
        return;
    wnode *wn = &w->nodes[m.node];
    sim_time now = sim_engine_now(e);
    if (m.kind == MSG_ASSIGN) {
        sim_stream r;
        sim_stream_init(&r, w->seed,
                        (const uint64_t[]){SIM_KEY_SERVICE, m.session, m.index, m.attempt, wn->cls},
                        5);
        node_job j = {m.job_id, m.job, m.attempt, m.session, m.index, m.audio};
        sim_tl_arrived(w->tl, now, m.job, m.attempt);
        w->attempts_on_nodes++;
        node_assign(wn->n, now, &j, &r.rng);
    } else {
        node_cancel(wn->n, now, m.job_id, m.attempt);
    }
    world_node_done(w, m.node);
}

static void ev_to_sched(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    msg m = msg_take(w, a);
    sim_time now = sim_engine_now(e);
    int rc;
    switch (m.kind) {
    case MSG_RESULT:
        w->msgs_in_flight--;
        w->in_result = true;
        w->cur_job = m.job;
        w->cur_attempt = m.attempt;
        w->cur_busy = m.busy;
        rc = disp_result(w->d, now, m.job_id, m.attempt, m.node, m.session, m.index, m.success);
        w->in_result = false;
        /* DISP_EUNKNOWN: a result for a job the core forgot (a very late one)
         * of a session that closed; the core logged it, it is part of the world. */
        if (rc != DISP_EUNKNOWN)
            world_internal(w, rc, "disp_result");
        if (m.success && w->s->policies[w->policy].policy.result_queue == DISP_QUEUE_ORDERED) {
            /* only the ordered queue holds a result back and releases it later */
            const wclient_sent *sn = world_sent(w, m.session, m.index);
            if (sn && sn->delivers == 0)
                held_put(w, m.job, m.attempt, m.busy);
        }
        break;
    case MSG_PROGRESS:
        w->msgs_in_flight--;
        rc = disp_progress(w->d, now, m.job_id, m.attempt, m.node, m.stage);
        if (rc != DISP_EUNKNOWN) /* as for results: a forgotten job */
            world_internal(w, rc, "disp_progress");
        break;
    case MSG_HEARTBEAT:
        world_internal(w, disp_node_heartbeat(w->d, now, m.node, m.current_jobs),
                       "disp_node_heartbeat");
        break;
    }
    world_call_core_done(w);
}

/* --- sessions ------------------------------------------------------------- */

/* Without max_time_s: the run ends this long after the last session closed (or,
 * without linger_s, spoke its last utterance; those sessions close now), even
 * if the policy still holds jobs (they count as lost, cause "unfinished"). */
static void ev_horizon(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)a;
    (void)b;
    world_close_open_sessions(ctx);
    sim_engine_stop(e);
}

static void ev_session_close(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    sim_tl_session_close(w->tl, sim_engine_now(e), a);
    world_internal(w, disp_session_close(w->d, sim_engine_now(e), a), "disp_session_close");
    if (--w->sessions_open == 0 && w->s->max_time_s <= 0)
        sim_engine_schedule(e, sim_engine_now(e) + WORLD_DRAIN_HORIZON, ev_horizon, w, 0, 0);
    world_call_core_done(w);
}

static void ev_utterance(sim_engine *e, void *ctx, uint64_t a, uint64_t audio);

/* Draws session a's next utterance and schedules its end, or its close. */
static void world_session_next(world *w, uint64_t a)
{
    wl_cursor *cur = &w->cursors[a];
    sim_stream r;
    sim_stream_init(&r, w->seed, (const uint64_t[]){SIM_KEY_WORKLOAD, a, cur->next}, 3);
    wl_utterance u;
    if (wl_next_utterance(&w->s->workload, cur, &r.rng, &u) == 0) {
        sim_engine_schedule(w->e, u.end, ev_utterance, w, a, (uint64_t)u.audio);
        return;
    }
    w->sessions_speaking--;
    sim_time close = wl_close_time(&w->s->workload, cur->t);
    if (close != WL_NEVER)
        sim_engine_schedule(w->e, close, ev_session_close, w, a, 0);
    else if (w->sessions_speaking == 0 && w->s->max_time_s <= 0)
        sim_engine_schedule(w->e, sim_engine_now(w->e) + WORLD_DRAIN_HORIZON, ev_horizon, w, 0, 0);
}

static void ev_utterance(sim_engine *e, void *ctx, uint64_t a, uint64_t audio)
{
    world *w = ctx;
    uint32_t index = w->cursors[a].next - 1;
    sim_time now = sim_engine_now(e);
    sim_client_utterance_ended(&w->client, a, index, now);
    int rc = disp_utterance(w->d, now, a, index, (disp_time)audio, NULL);
    if (rc != 0)
        world_utterance_refused(w, rc, a, index);
    world_session_next(w, a);
    world_call_core_done(w);
}

static void ev_session_start(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    w->client.sessions[a].start = sim_engine_now(e);
    wl_cursor_init(&w->cursors[a], sim_engine_now(e));
    world_session_next(w, a);
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
    uint64_t utt = (uint64_t)s->workload.sessions * (uint64_t)s->workload.utterances_per_session;
    return SIM_EVENTS_PER_UTTERANCE * utt + SIM_EVENTS_BASE;
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
    sim_stream_init(&w.jitter, w.seed, (const uint64_t[]){SIM_KEY_POLICY}, 1);
    disp_config dcfg;
    disp_config_init(&dcfg, &s->policies[policy].policy);
    dcfg.sink = core_sink;
    dcfg.sink_ctx = &w;
    dcfg.uniform = world_jitter;
    dcfg.uniform_ctx = &w.jitter;
    if (!o->log && !o->timeline) /* nobody reads LOG commands but the client's causes */
        dcfg.log_off = ~(DISP_LOG_BIT(DISP_LOG_PENDING_TIMEOUT) |
                         DISP_LOG_BIT(DISP_LOG_FAILOVER_EXHAUSTED) |
                         DISP_LOG_BIT(DISP_LOG_FAILOVER_NO_NODE) | DISP_LOG_BIT(DISP_LOG_ACK_DISCARD) |
                         DISP_LOG_BIT(DISP_LOG_RESULT_DUPLICATE) |
                         DISP_LOG_BIT(DISP_LOG_RESULT_FENCED) |
                         DISP_LOG_BIT(DISP_LOG_RESULT_SESSION_CLOSED));
    if (disp_create(&w.d, &dcfg) != 0) {
        sim_error_add(err, "%s: policies[%zu]: %s", s->path ? s->path : "scenario", policy,
                      disp_policy_check(&s->policies[policy].policy));
        return SIM_FAIL_INPUT;
    }
    const wl_config *wl = &s->workload;
    uint32_t n_sessions = (uint32_t)wl->sessions;
    sim_client_init(&w.client, n_sessions, (uint32_t)wl->utterances_per_session);
    w.sent = sim_xcalloc((size_t)n_sessions * (size_t)wl->utterances_per_session, sizeof *w.sent);
    w.to_client = sim_xcalloc(n_sessions, sizeof *w.to_client);
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
            sim_stream_init(&wn->faults, w.seed, (const uint64_t[]){SIM_KEY_NODE, id}, 2);
            wn->n = node_new(&cfg, id, (uint32_t)c, &wn->faults.rng, node_sink, &w);
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
        sim_stream_init(&ph, w.seed, (const uint64_t[]){SIM_KEY_HEARTBEAT, i}, 2);
        node_start(w.nodes[i].n, 0, sim_stream_uniform(&ph));
        world_node_done(&w, i);
    }
    for (uint32_t a = 0; a < n_sessions; a++) {
        sim_stream r;
        sim_stream_init(&r, w.seed, (const uint64_t[]){SIM_KEY_WORKLOAD, a, UINT64_MAX}, 3);
        sim_engine_schedule(w.e, wl_session_start(wl, &r.rng), ev_session_start, &w, a, 0);
    }
    w.sessions_open = w.sessions_speaking = n_sessions;
    w.close_at_drain = wl->linger_s < 0;
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
                      "shorter than the work?); raise the budget with dsim run --max-events N",
                      s->path ? s->path : "scenario", w.policy_name, rep,
                      (unsigned long long)budget);
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
    v[SIM_M_WASTED_NODE_S] = (w.total_busy_ns - w.client.useful_busy_ns) / 1e9;
    v[SIM_M_EVENTS] = (double)sim_engine_events_executed(w.e);
    if (o->latencies)
        sim_client_write_latencies(&w.client, o->latencies, w.policy_name, rep);
out:
    sim_tl_finish(w.tl, sim_engine_now(w.e), rc == 0 ? &w.client : NULL);
    for (uint32_t i = 0; i < w.n_nodes; i++)
        node_free(w.nodes[i].n);
    free(w.nodes);
    free(w.cursors);
    free(w.sent);
    free(w.to_client);
    free(w.msgs);
    free(w.held);
    sim_client_free(&w.client);
    disp_free(w.d);
    sim_engine_free(w.e);
    sim_lingua_free(w.lingua);
    return rc;
}
