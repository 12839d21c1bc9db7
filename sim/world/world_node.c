/*
 * world_node.c — the nodes of one replication (world_internal.h): their
 * deadline timers, down and up notices, and the sink that turns a node's
 * outputs into messages and the run's accounting.
 */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "world_internal.h"

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

void world_node_done(world *w, uint32_t i)
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

int64_t sim_crash_notice_scan(int64_t last_heartbeat, int64_t now)
{
    const int64_t scan = SIM_STATUS_SCAN_S * SIM_NS_PER_S;
    const int64_t timeout = SIM_HEARTBEAT_TIMEOUT_S * SIM_NS_PER_S;
    assert(last_heartbeat >= 0 && last_heartbeat <= now);
    int64_t t = last_heartbeat + timeout + 1; /* strictly more than the timeout */
    if (t < now)
        t = now;
    return (t + scan - 1) / scan * scan;
}

/* The core is told the node is down; `gen` is its down_gen at the crash. */
static void ev_node_down_notice(sim_engine *e, void *ctx, uint64_t a, uint64_t gen)
{
    world *w = ctx;
    wnode *wn = &w->nodes[a];
    if (wn->down_gen != gen)
        return; /* it came back before the scheduler noticed */
    sim_time now = sim_engine_now(e);
    if (w->s->nodes[wn->cls].crash_notice == NODE_CRASH_HEARTBEAT_TIMEOUT) {
        /* a heartbeat sent before the crash may have arrived since */
        sim_time at = sim_crash_notice_scan(wn->last_heartbeat, now);
        if (at > now) {
            sim_engine_schedule(w->e, at, ev_node_down_notice, w, a, gen);
            return;
        }
    }
    world_internal(w, disp_node_down(w->d, now, (uint32_t)a), "disp_node_down");
    world_call_core_done(w);
}

/* Node i crashed now: when the core hears of it (faults.crash.notice). */
static void node_down_notice(world *w, uint32_t i)
{
    wnode *wn = &w->nodes[i];
    sim_time now = sim_engine_now(w->e), at;
    if (w->s->nodes[wn->cls].crash_notice == NODE_CRASH_SOCKET_CLOSE)
        /* the close travels with no delay of its own, behind what the node sent
         * before it on a FIFO link */
        at = net_link_arrival(&wn->to_sched, w->s->network.fifo, now, 0);
    else
        at = sim_crash_notice_scan(wn->last_heartbeat, now);
    sim_engine_schedule(w->e, at, ev_node_down_notice, w, i, wn->down_gen);
}

static void ev_node_up(sim_engine *e, void *ctx, uint64_t a, uint64_t slots)
{
    world *w = ctx;
    w->nodes[a].last_heartbeat = sim_engine_now(e); /* registration: node_registry/core.rs line 212 */
    if (w->lingua)
        sim_lingua_node_up(w->lingua, sim_engine_now(e), (uint32_t)a);
    int rc = disp_node_up(w->d, sim_engine_now(e), (uint32_t)a, w->nodes[a].cls, (int)slots);
    if ((rc == DISP_EINVAL || rc == DISP_ELIMIT) && (slots < 1 || slots > DISP_SLOTS_MAX))
        world_fail(w, SIM_FAIL_INPUT, "nodes[%" PRIu32 "].slots: expected an integer in 1..%d, got %d",
                   w->nodes[a].cls, DISP_SLOTS_MAX, (int)slots);
    else
        world_internal(w, rc, "disp_node_up");
    world_call_core_done(w);
}

void world_node_sink(void *ctx, int64_t at, const node_out *o)
{
    world *w = ctx;
    wnode *wn = &w->nodes[o->node];
    switch (o->kind) {
    case NODE_OUT_RESULT:
    case NODE_OUT_PROGRESS:
    case NODE_OUT_HEARTBEAT: {
        uint32_t i = world_msg_alloc(w);
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
        sim_tl_node_state(w->tl, at, o->node, false);
        node_down_notice(w, o->node);
        break;
    case NODE_OUT_UP:
        sim_tl_node_state(w->tl, at, o->node, true);
        wn->down_gen++;
        sim_engine_schedule(w->e, sim_engine_now(w->e), ev_node_up, w, o->node, (uint64_t)o->slots);
        break;
    case NODE_OUT_END:
        sim_tl_node_end(w->tl, at, o);
        w->attempts_on_nodes--;
        world_live(w, o->session, -1);
        w->total_busy_ns += (double)o->busy_ns;
        if (o->end == NODE_END_CRASHED || o->end == NODE_END_REFUSED)
            sim_client_cause(&w->client, o->session, o->index, CAUSE_NODE_CRASH);
        else if (o->end == NODE_END_NO_RESULT)
            sim_client_cause(&w->client, o->session, o->index, CAUSE_NO_RESULT);
        break;
    }
}

