/*
 * world_net.c — message transport of one replication (world_internal.h): the
 * pooled messages, the network between the scheduler and the nodes, the client
 * hop, and what arriving messages do at a node and at the scheduler.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "world_internal.h"

/* --- message pool -------------------------------------------------------- */

uint32_t world_msg_alloc(world *w)
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

void world_held_put(world *w, uint64_t job, uint32_t attempt, int64_t busy)
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
int64_t world_held_take(world *w, uint64_t job, uint32_t attempt)
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

/* --- network ------------------------------------------------------------- */

static const char *msg_name[] = {"",          "assign",  "cancel", "result",
                                 "progress",  "heartbeat", "deliver", "error"};

static void ev_to_node(sim_engine *e, void *ctx, uint64_t a, uint64_t b);
static void ev_to_sched(sim_engine *e, void *ctx, uint64_t a, uint64_t b);
static void ev_to_client(sim_engine *e, void *ctx, uint64_t a, uint64_t b);

/* The id logs and traces show for a job (sim_job_label). */
uint32_t world_job_label(const world *w, uint64_t job_id, uint64_t job, uint64_t session,
                                uint32_t index)
{
    return sim_job_label(job_id, job, session, index, w->client.per_session,
                         (uint64_t)w->client.n_sessions * w->client.per_session);
}

/* The stream of a message's trip, named by key (policy-independent): (session,
 * index, attempt, what) for a job's messages, (UINT64_MAX, node, heartbeat
 * number, _) for a heartbeat. */
static void net_stream(const world *w, sim_stream *r, const uint64_t key[4])
{
    if (key[0] == UINT64_MAX) {
        sim_stream_named(r, &w->ks, SIM_KEY_NET_BEAT, key[1], key[2], 0);
        return;
    }
    /* attempt ids have 16 bits in the core; `what` is a kind, a stage or a
     * cancel's number (one per cancel of the run) */
    assert(key[2] < (UINT64_C(1) << 16) && key[3] < (UINT64_C(1) << 40));
    sim_stream_named(r, &w->ks, SIM_KEY_NET, key[0], key[1], key[2] << 40 | key[3]);
}

/* Sends message i in direction dir; key identifies it (policy-independent). */
void world_send(world *w, uint32_t i, net_dir dir, const uint64_t key[4])
{
    msg *m = &w->msgs[i];
    sim_stream r;
    net_stream(w, &r, key);
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
    if (m->kind != MSG_HEARTBEAT) {
        w->msgs_in_flight++;
        world_live(w, m->session, 1);
    }
    sim_time at = now + delay;
    if (m->node < w->n_nodes) {
        wnode *wn = &w->nodes[m->node];
        at = net_link_arrival(dir == NET_TO_NODE ? &wn->to_node : &wn->to_sched,
                              w->s->network.fifo, now, delay);
    }
    sim_engine_schedule(w->e, at, dir == NET_TO_NODE ? ev_to_node : ev_to_sched, w, i, 0);
}

/* --- the client ------------------------------------------------------------ */

/* The client receives a delivery or an error for (session, index); a delivery
 * carries its attempt's worker time (busy), useful if it is the first copy. */
static void client_receive(world *w, sim_time now, uint8_t kind, uint64_t session,
                           uint32_t index, int error, uint64_t job, uint32_t attempt,
                           int64_t busy)
{
    sim_inv_client(w->inv, now, kind == MSG_DELIVER, session, index);
    if (kind == MSG_DELIVER) {
        bool first = sim_client_deliver(&w->client, now, session, index);
        if (first)
            w->client.useful_busy_ns += (double)busy;
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
void world_to_client(world *w, const disp_cmd *c, uint8_t kind, uint16_t nth, int64_t busy)
{
    if (w->client_instant || c->session >= w->client.n_sessions) {
        client_receive(w, c->now, kind, c->session, c->index, (int)c->error, c->job, c->attempt,
                       busy);
        return;
    }
    sim_stream r;
    sim_stream_named(&r, &w->ks, SIM_KEY_CLIENT, c->session, c->index,
                     ((uint64_t)nth << 8) | kind);
    int64_t delay = net_client_delay(&w->s->network, &r.rng);
    sim_time at = net_link_arrival(&w->to_client[c->session], w->s->network.fifo, c->now, delay);
    uint32_t i = world_msg_alloc(w);
    msg *m = &w->msgs[i];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->session = c->session;
    m->index = c->index;
    m->error = (uint8_t)c->error;
    m->job = c->job;
    m->attempt = c->attempt;
    m->busy = busy;
    w->msgs_in_flight++;
    world_live(w, m->session, 1);
    sim_engine_schedule(w->e, at, ev_to_client, w, i, 0);
}

static void ev_to_client(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    msg m = msg_take(w, a);
    w->msgs_in_flight--;
    world_live(w, m.session, -1);
    client_receive(w, sim_engine_now(e), m.kind, m.session, m.index, m.error, m.job, m.attempt,
                   m.busy);
    world_maybe_stop(w);
}

static void ev_to_node(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    msg m = msg_take(w, a);
    w->msgs_in_flight--;
    world_live(w, m.session, -1);
    if (m.node >= w->n_nodes)
        return;
    wnode *wn = &w->nodes[m.node];
    sim_time now = sim_engine_now(e);
    if (m.kind == MSG_ASSIGN) {
        sim_stream r;
        assert(m.attempt < (UINT64_C(1) << 16) && wn->cls < (UINT64_C(1) << 40));
        sim_stream_named(&r, &w->ks, SIM_KEY_SERVICE, m.session, m.index,
                         (uint64_t)m.attempt << 40 | wn->cls);
        node_job j = {m.job_id, m.job, m.attempt, m.session, m.index, m.audio};
        sim_tl_arrived(w->tl, now, m.job, m.attempt);
        w->attempts_on_nodes++;
        world_live(w, m.session, 1);
        node_assign(wn->n, now, &j, &r.rng);
    } else {
        node_cancel(wn->n, now, m.job_id, m.attempt);
    }
    world_node_done(w, m.node);
}

/* Whether a copy of (session, index) the core releases from now on may still be
 * the first the client receives: none received yet, and none sent, unless the
 * client hop can overtake (network.fifo false and a delay on it). */
static bool may_be_first(world *w, uint64_t session, uint32_t index)
{
    uint8_t cause;
    if (session >= w->client.n_sessions ||
        !sim_client_lost(&w->client, (uint32_t)session, index, &cause))
        return false; /* a copy reached the client (or no utterance of the run) */
    return sim_client_delivers_sent(&w->client, session, index) == 0 ||
           (!w->s->network.fifo && !w->client_instant);
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
        world_live(w, m.session, -1);
        w->in_result = true;
        w->cur_released = false;
        w->cur_job = m.job;
        w->cur_attempt = m.attempt;
        w->cur_busy = m.busy;
        sim_inv_result(w->inv, now, m.session, m.index, m.success);
        rc = disp_result(w->d, now, m.job_id, m.attempt, m.node, m.session, m.index, m.success);
        w->in_result = false;
        /* DISP_EUNKNOWN: a result for a job the core forgot (a very late one)
         * of a session that closed; the core logged it, it is part of the world. */
        if (rc != DISP_EUNKNOWN)
            world_internal(w, rc, "disp_result");
        /* only the ordered queue holds a result back and releases it later */
        if (m.success && !w->cur_released &&
            w->s->policies[w->policy].policy.result_queue == DISP_QUEUE_ORDERED &&
            may_be_first(w, m.session, m.index))
            world_held_put(w, m.job, m.attempt, m.busy);
        break;
    case MSG_PROGRESS:
        w->msgs_in_flight--;
        world_live(w, m.session, -1);
        rc = disp_progress(w->d, now, m.job_id, m.attempt, m.node, m.stage);
        if (rc != DISP_EUNKNOWN) /* as for results: a forgotten job */
            world_internal(w, rc, "disp_progress");
        break;
    case MSG_HEARTBEAT:
        w->nodes[m.node].last_heartbeat = now; /* node_registry/core.rs line 287 */
        if (w->lingua)
            sim_lingua_heartbeat(w->lingua, now, m.node, (uint32_t)m.current_jobs);
        world_internal(w, disp_node_heartbeat(w->d, now, m.node, m.current_jobs),
                       "disp_node_heartbeat");
        break;
    }
    world_call_core_done(w);
}

