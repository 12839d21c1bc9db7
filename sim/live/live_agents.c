/*
 * live_agents.c — the agent processes of dsim live's scheduler (live_internal.h):
 * one `dsim agent` per node, started with uv_spawn of the dsim executable; a
 * crash fault's death (SIGKILL at the node's own crash time) restarts it, any
 * other death ends the run; at the end they are asked to exit (SIGTERM), then
 * killed after LIVE_GRACE_MS.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_internal.h"
#include "xalloc.h"

void live_kill_agents(live *v, int sig)
{
    for (uint32_t i = 0; i < v->n_nodes; i++)
        if (v->nodes[i].proc)
            uv_process_kill(&v->nodes[i].proc->p, sig);
}

void live_on_grace(uv_timer_t *t)
{
    live_kill_agents(t->data, SIGKILL);
}

/* The crash fault's own timeline (no jobs: crash and downtime draws depend on
 * nothing else), its crashes counted and each recovery's time kept. */
static void shadow_sink(void *ctx, int64_t at, const node_out *o)
{
    live_node *n = ctx;
    if (o->kind == NODE_OUT_DOWN) {
        n->shadow_downs++;
    } else if (o->kind == NODE_OUT_UP && n->n_recover < n->shadow_downs) {
        n->recover = sim_xgrow(n->recover, &n->cap_recover, n->n_recover + 1, sizeof *n->recover, 8);
        n->recover[n->n_recover++] = at;
    }
}

/* Node i's agent died of SIGKILL at now: the simulated time its node comes back
 * up after the crash that killed it, the first of its timeline's crashes at or
 * before now not yet used, or -1 when there is none (not a crash of the
 * scenario). The death reaches the scheduler some wall time after the crash, so
 * a short downtime may be over already: then the time it ended (in the past;
 * the new agent comes up at once). */
static int64_t shadow_recovery(live *v, uint32_t i, sim_time now)
{
    live_node *n = &v->nodes[i];
    if (!n->shadow)
        return -1;
    node_advance(n->shadow, now);
    if (n->crashes_used >= n->shadow_downs)
        return -1;
    size_t k = n->crashes_used++;
    if (k < n->n_recover)
        return n->recover[k];
    return node_next_deadline(n->shadow); /* down now: its recovery */
}

void live_shadow_init(live *v, uint32_t id)
{
    const sim_scenario *s = v->s;
    live_node *n = &v->nodes[id];
    uint32_t c = n->cls;
    if (!s->nodes[c].crash)
        return;
    sim_stream_named(&n->shadow_faults, &v->ks, SIM_KEY_NODE, id, 0, 0);
    n->shadow = node_new(&s->nodes[c], id, c, &n->shadow_faults.rng, shadow_sink, n);
    sim_stream ph;
    sim_stream_named(&ph, &v->ks, SIM_KEY_HEARTBEAT, id, 0, 0);
    if (n->shadow)
        node_start(n->shadow, 0, sim_stream_uniform(&ph));
}

static void on_proc_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_exit_agent(uv_process_t *proc, int64_t status, int sig)
{
    live_proc *lp = proc->data;
    live *v = lp->v;
    uint32_t i = lp->node;
    live_node *n = &v->nodes[i];
    n->proc = NULL;
    v->agents_running--;
    uv_close((uv_handle_t *)proc, on_proc_closed);
    if (v->o->verbose)
        fprintf(stderr, "dsim: live: agent %s exited (status %" PRId64 ", signal %d) at t=%.3f s\n",
                n->name, status, sig, (double)sim_engine_now(v->L.e) / 1e9);
    if (v->stopping) {
        if (v->agents_running == 0) {
            uv_timer_stop(&v->grace);
            uv_stop(&v->L.uv);
        }
        return;
    }
    live_loop_sync(&v->L);
    int64_t up = sig == SIGKILL ? shadow_recovery(v, i, sim_engine_now(v->L.e)) : -1;
    if (up > 0) { /* its crash fault: a new agent, online after the downtime */
        if (live_spawn_agent(v, i, v->L.t0, up) != 0)
            live_fail(v, SIM_FAIL_INTERNAL, "cannot restart the agent of node %s", n->name);
    } else if (sig == 0 && status == 2) { /* dsim's exit for bad input */
        /* it said why on stderr (a file the scenario names changed, ...) */
        live_fail(v, SIM_FAIL_INPUT,
                  "the agent of node %s refused its input at t=%.3f s (exit 2, its message above)",
                  n->name, (double)sim_engine_now(v->L.e) / 1e9);
    } else {
        live_fail(v, SIM_FAIL_INTERNAL,
                  "the agent of node %s exited at t=%.3f s (status %" PRId64 ", signal %d)",
                  n->name, (double)sim_engine_now(v->L.e) / 1e9, status, sig);
    }
    live_loop_arm(&v->L);
}

int live_spawn_agent(live *v, uint32_t i, uint64_t t0, int64_t restart_at)
{
    char nodeid[16], port[16], speed[40], t0s[32], rep[16], restart[32], hash[24];
    snprintf(nodeid, sizeof nodeid, "%" PRIu32, i);
    snprintf(port, sizeof port, "%d", v->port);
    snprintf(speed, sizeof speed, "%.17g", v->o->speed);
    snprintf(t0s, sizeof t0s, "%" PRIu64, t0);
    snprintf(rep, sizeof rep, "%d", v->o->rep);
    snprintf(restart, sizeof restart, "%" PRId64, restart_at);
    snprintf(hash, sizeof hash, "%" PRIu64, v->s->files_hash);
    /* the scenario's text as loaded, on the agent's standard input (a copy in
     * memory: an edit of the file during the run does not reach a restarted
     * agent); SCENARIO still names it and places the files it names, whose
     * contents the agent checks against the hash the scheduler loaded */
    char *args[] = {(char *)v->o->exe, "agent", (char *)v->o->scenario_path, "--policy",
                    (char *)v->s->policies[v->o->policy].name, "--replication", rep, "--node",
                    nodeid, "--port", port, "--speed", speed, "--time-zero", t0s,
                    "--text-on-stdin", "--files-hash", hash, NULL, NULL, NULL, NULL};
    int n_args = 18;
    if (restart_at > 0) {
        args[n_args++] = "--restart-at";
        args[n_args++] = restart;
    }
    if (v->o->verbose)
        args[n_args++] = "--verbose";
    uv_stdio_container_t stdio[3] = {{UV_INHERIT_FD, {.fd = v->text_fd}},
                                     {UV_INHERIT_FD, {.fd = 2}}, {UV_INHERIT_FD, {.fd = 2}}};
    uv_process_options_t po;
    memset(&po, 0, sizeof po);
    po.file = v->o->exe;
    po.args = args;
    po.exit_cb = on_exit_agent;
    po.stdio_count = 3;
    po.stdio = stdio;
    live_node *n = &v->nodes[i];
    live_proc *lp = sim_xcalloc(1, sizeof *lp);
    lp->v = v;
    lp->node = i;
    lp->p.data = lp;
    int rc = uv_spawn(&v->L.uv, &lp->p, &po);
    if (rc != 0) {
        /* libuv: a handle whose spawn failed must still be closed */
        uv_close((uv_handle_t *)&lp->p, on_proc_closed);
        return rc;
    }
    n->proc = lp;
    v->agents_running++;
    if (v->o->verbose && restart_at > 0)
        fprintf(stderr, "dsim: live: agent %s started (pid %d), up at t=%.3f s\n", n->name,
                lp->p.pid, (double)restart_at / 1e9);
    else if (v->o->verbose)
        fprintf(stderr, "dsim: live: agent %s started (pid %d)\n", n->name, lp->p.pid);
    return 0;
}
