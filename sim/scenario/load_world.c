/*
 * load_world.c — reading the workload, node classes and network of a scenario.
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "node.h"

/* workload: {"trace": FILE, "audio_s"?, "linger_s"?}: the sessions and their
 * utterances come from the file; what would draw them is refused. */
static void load_trace_workload(sim__ld *ld, const json_t *w, wl_config *c)
{
    static const char *const drawn[] = {"sessions", "utterances_per_session", "session_start_s",
                                        "gap_s", NULL};
    for (int i = 0; drawn[i]; i++)
        if (json_object_get(w, drawn[i])) {
            sim__push_key(ld, drawn[i]);
            sim__err(ld, "not used with 'trace' (the trace gives the sessions and the end time "
                     "of every utterance)");
            sim__pop(ld);
        }
    sim__dist_field(ld, w, "audio_s", false, &c->audio);
    sim__num(ld, w, "linger_s", false, SIM__SECONDS, &c->linger_s);
    const char *name;
    if (sim__str(ld, w, "trace", true, 4000, &name) == SIM__SET) {
        sim__push_key(ld, "trace");
        if (!name[0])
            sim__err(ld, "expected a file name, got an empty string");
        else
            sim__load_trace(ld, name, c);
        sim__pop(ld);
    }
}

/* A session's expected end, start + utterances x (gap + audio), must stay below
 * the ~73 years (DIST_SECONDS_MAX) a simulated time can reach: past it the
 * utterance ends saturate, many fall on one instant and the run is not the
 * world asked for. From the means of what the draws give, every max honoured
 * at any depth of a mixture (dist_mean_clamped, at no audio; a mean that is not
 * finite, or past the cap itself: no estimate). A run with max_time_s (at most 1e7 s, far below the
 * cap) stops before any time gets near it: no check. */
static void check_workload_horizon(sim__ld *ld, const wl_config *c, double max_time_s)
{
    if (max_time_s > 0)
        return;
    double start = dist_mean_clamped(&c->session_start, 0.0),
           gap = dist_mean_clamped(&c->gap, 0.0), audio = dist_mean_clamped(&c->audio, 0.0);
    /* a mean past the cap is not the capped world's (heavy tails): no estimate */
    if (!(start < DIST_SECONDS_MAX && gap < DIST_SECONDS_MAX && audio < DIST_SECONDS_MAX))
        return;
    double end = start + (double)c->utterances_per_session * (gap + audio);
    if (end < DIST_SECONDS_MAX)
        return;
    sim__err(ld,
             "a session's expected length, session_start_s + utterances_per_session x (gap_s + "
             "audio_s) = %.4g + %d x (%.4g + %.4g) = %.4g s, is past the %.4g s (about 73 years) "
             "a simulated time can reach: fewer utterances_per_session, a shorter gap_s, or a "
             "max_time_s to stop the run",
             start, c->utterances_per_session, gap, audio, end, DIST_SECONDS_MAX);
}

bool sim__check_sessions(sim__ld *ld, uint64_t n, bool lingers, const char *trace)
{
    /* without linger_s every session stays open until the run drains: they are
     * all open at once then; with it, only the run can tell how many overlap */
    uint64_t max = lingers ? SIM_SESSIONS_MAX : SIM_SESSIONS_OPEN_MAX;
    if (n <= max)
        return true;
    const char *why = lingers ? "a run's peak memory grows by about 150 bytes per session"
                              : "2^24: without linger_s every session stays open until the run "
                                "drains, and the core holds no more open at once";
    if (trace)
        sim__err(ld, "%s: %" PRIu64 " sessions, more than the %" PRIu64 " a run may have%s (%s)",
                 trace, n, max, lingers ? "" : " without linger_s", why);
    else {
        sim__push_key(ld, "sessions");
        sim__err(ld, "expected at most %" PRIu64 " sessions%s (%s), got %" PRIu64, max,
                 lingers ? "" : " without linger_s", why, n);
        sim__pop(ld);
    }
    return false;
}

void sim__load_workload(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    const json_t *w = sim__member(ld, root, "workload", true);
    if (!w)
        return;
    sim__push_key(ld, "workload");
    if (sim__want_object(ld, w, "an object")) {
        sim__check_keys(ld, w, sim__keys_workload);
        wl_config *c = &s->workload;
        if (json_object_get(w, "trace")) {
            load_trace_workload(ld, w, c);
            sim__pop(ld);
            return;
        }
        int ok = 0, before = ld->err->count;
        ok += sim__int32(ld, w, "sessions", true, 1, &c->sessions) == SIM__SET;
        ok += sim__int32(ld, w, "utterances_per_session", true, 1, &c->utterances_per_session) ==
              SIM__SET;
        sim__dist_field(ld, w, "session_start_s", false, &c->session_start);
        sim__dist_field(ld, w, "gap_s", false, &c->gap);
        sim__dist_field(ld, w, "audio_s", false, &c->audio);
        sim__num(ld, w, "linger_s", false, SIM__SECONDS, &c->linger_s);
        if (ok && !sim__check_sessions(ld, (uint64_t)c->sessions, c->linger_s >= 0, NULL))
            ok = 0;
        if (ok == 2 && ld->err->count == before)
            check_workload_horizon(ld, c, s->max_time_s); /* read before the workload */
        uint64_t total = (uint64_t)c->sessions * (uint64_t)c->utterances_per_session;
        char hint[SIM_LIMITS_HINT_CAP];
        if (ok == 2 && total > ld->lim.max_utterances)
            sim__err(ld,
                     "%d sessions x %d utterances = %" PRIu64 " utterances, more than the "
                     "limit of %" PRIu64 " (%s)",
                     c->sessions, c->utterances_per_session, total, ld->lim.max_utterances,
                     sim_limits_hint("--max-utterances", ld->lim.max_utterances, hint,
                                     sizeof hint));
    }
    sim__pop(ld);
}

static void load_faults(sim__ld *ld, const json_t *f, node_config *c)
{
    sim__check_keys(ld, f, sim__keys_faults);
    const json_t *o;
    if ((o = json_object_get(f, "stall"))) {
        sim__push_key(ld, "stall");
        if (sim__want_object(ld, o, "an object")) {
            sim__check_keys(ld, o, sim__keys_stall);
            sim__num(ld, o, "prob", true, SIM__PROB, &c->stall_prob);
            sim__dist_field(ld, o, "extra_s", true, &c->stall_extra);
            int e;
            if (sim__enum(ld, o, "stage", false, sim__enum_stall_stage, &e) == SIM__SET)
                c->stall_stage = e; /* the names are in STAGE_* order */
        }
        sim__pop(ld);
    }
    if ((o = json_object_get(f, "crash"))) {
        sim__push_key(ld, "crash");
        if (sim__want_object(ld, o, "an object")) {
            sim__check_keys(ld, o, sim__keys_crash);
            c->crash = true;
            sim__dist_field(ld, o, "between_s", true, &c->crash_between);
            sim__dist_field(ld, o, "downtime_s", true, &c->crash_downtime);
            int e;
            if (sim__enum(ld, o, "notice", false, sim__enum_crash_notice, &e) == SIM__SET)
                c->crash_notice = (node_crash_notice)e;
        }
        sim__pop(ld);
    }
    if ((o = json_object_get(f, "cold_start"))) {
        sim__push_key(ld, "cold_start");
        if (sim__want_object(ld, o, "an object")) {
            sim__check_keys(ld, o, sim__keys_cold_start);
            c->cold_start = true;
            sim__num(ld, o, "idle_s", true, SIM__SECONDS, &c->cold_idle_s);
            sim__dist_field(ld, o, "extra_s", true, &c->cold_extra);
        }
        sim__pop(ld);
    }
    if ((o = json_object_get(f, "no_result"))) {
        sim__push_key(ld, "no_result");
        if (sim__want_object(ld, o, "an object")) {
            sim__check_keys(ld, o, sim__keys_no_result);
            sim__num(ld, o, "prob", true, SIM__PROB, &c->no_result_prob);
        }
        sim__pop(ld);
    }
}

static void load_node(sim__ld *ld, const json_t *n, node_config *c, size_t i)
{
    sim__check_keys(ld, n, sim__keys_node);
    const char *name;
    if (sim__name(ld, n, "name", false, sizeof c->name - 1, &name) == SIM__SET)
        snprintf(c->name, sizeof c->name, "%s", name);
    else
        snprintf(c->name, sizeof c->name, "node%zu", i);
    sim__int32(ld, n, "count", false, 1, &c->count);
    int64_t v;
    /* what the core (disp_node_up) and the node model (node_new) accept */
    if (sim__int(ld, n, "slots", false, 1, DISP_SLOTS_MAX, &v) == SIM__SET)
        c->slots = (int)v;
    if (sim__int(ld, n, "workers", false, 1, NODE_WORKERS_MAX, &v) == SIM__SET)
        c->workers = (int)v;
    const json_t *st = sim__member(ld, n, "stages", true);
    if (st) {
        sim__push_key(ld, "stages");
        if (sim__want_object(ld, st, "an object with asr, nmt and tts dists")) {
            sim__check_keys(ld, st, sim__keys_stages);
            for (int k = 0; k < STAGE_COUNT; k++)
                sim__dist_field(ld, st, sim__keys_stages[k], true, &c->stage[k]);
        }
        sim__pop(ld);
    }
    int e;
    if (sim__enum(ld, n, "on_cancel", false, sim__enum_on_cancel, &e) == SIM__SET)
        c->on_cancel = (node_cancel_mode)e;
    sim__bool(ld, n, "cancel_between_stages", false, &c->cancel_between_stages);
    if (sim__enum(ld, n, "attempt_check", false, sim__enum_attempt_check, &e) == SIM__SET)
        c->attempt_check = (node_attempt_mode)e;
    sim__bool(ld, n, "skip_repeat_job_id", false, &c->skip_repeat_job_id);
    sim__bool(ld, n, "progress", false, &c->progress);
    sim__num(ld, n, "heartbeat_s", false, SIM__NS_SECONDS, &c->heartbeat_s);
    if (sim__enum(ld, n, "heartbeat_count", false, sim__enum_heartbeat_count, &e) == SIM__SET)
        c->heartbeat_count = (node_hb_count)e;
    if (sim__enum(ld, n, "heartbeat_phase", false, sim__enum_heartbeat_phase, &e) == SIM__SET)
        c->heartbeat_phase = (node_hb_phase)e;
    const json_t *f = json_object_get(n, "faults");
    if (f) {
        sim__push_key(ld, "faults");
        if (sim__want_object(ld, f, "an object"))
            load_faults(ld, f, c);
        sim__pop(ld);
    }
}

typedef struct named {
    const char *name;
    size_t index;
} named;

static int by_name_then_index(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Node class names are unique (set-by-path names them): sorted, not compared
 * pairwise, since a file may hold many classes. No globals: loads run on threads. */
static void check_unique_names(sim__ld *ld, const json_t *a, const sim_scenario *s)
{
    size_t n = s->n_nodes;
    named *v = sim_xcalloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (named){s->nodes[i].name, i};
    qsort(v, n, sizeof *v, by_name_then_index);
    size_t first = 0;
    for (size_t k = 1; k < n; k++) {
        if (strcmp(v[k].name, v[first].name) != 0) {
            first = k;
            continue;
        }
        size_t i = v[k].index;
        if (!json_object_get(json_array_get(a, i), "name"))
            continue;
        char safe[80];
        sim_safe_text(v[k].name, safe, sizeof safe);
        sim__push_index(ld, i);
        sim__push_key(ld, "name");
        sim__err(ld, "node class '%s' is already defined at nodes[%zu]", safe, v[first].index);
        sim__pop(ld);
        sim__pop(ld);
    }
    free(v);
}

void sim__load_nodes(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    const json_t *a = sim__member(ld, root, "nodes", true);
    if (!a)
        return;
    sim__push_key(ld, "nodes");
    size_t n = json_array_size(a);
    char got[80];
    if (!json_is_array(a)) {
        sim__describe(a, got, sizeof got);
        sim__err(ld, "expected an array of node classes, got %s", got);
    } else if (n == 0) {
        sim__err(ld, "expected at least one node class, got an empty array");
    } else if (n > ld->lim.max_nodes) {
        char hint[SIM_LIMITS_HINT_CAP];
        sim__err(ld, "%zu node classes, more than the limit of %" PRIu64 " nodes (%s)", n,
                 ld->lim.max_nodes,
                 sim_limits_hint("--max-nodes", ld->lim.max_nodes, hint, sizeof hint));
    } else {
        s->nodes = sim_xcalloc(n, sizeof *s->nodes);
        s->n_nodes = n;
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            node_config_init(&s->nodes[i]);
            sim__push_index(ld, i);
            const json_t *o = json_array_get(a, i);
            if (sim__want_object(ld, o, "a node class object"))
                load_node(ld, o, &s->nodes[i], i);
            total += (uint64_t)s->nodes[i].count;
            sim__pop(ld);
        }
        check_unique_names(ld, a, s);
        char hint[SIM_LIMITS_HINT_CAP];
        if (total > ld->lim.max_nodes)
            sim__err(ld,
                     "%" PRIu64 " nodes in total, more than the limit of %" PRIu64 " (%s)", total,
                     ld->lim.max_nodes,
                     sim_limits_hint("--max-nodes", ld->lim.max_nodes, hint, sizeof hint));
    }
    sim__pop(ld);
}

void sim__load_network(sim__ld *ld, const json_t *root, sim_scenario *s)
{
    const json_t *n = json_object_get(root, "network");
    if (!n)
        return;
    sim__push_key(ld, "network");
    if (sim__want_object(ld, n, "an object")) {
        net_config *c = &s->network;
        sim__check_keys(ld, n, sim__keys_network);
        if (sim__dist_field(ld, n, "delay_s", false, &c->to_node_delay) == SIM__SET)
            dist_copy(&c->to_sched_delay, &c->to_node_delay);
        sim__dist_field(ld, n, "to_node_delay_s", false, &c->to_node_delay);
        sim__dist_field(ld, n, "to_scheduler_delay_s", false, &c->to_sched_delay);
        double loss;
        if (sim__num(ld, n, "loss", false, SIM__PROB, &loss) == SIM__SET)
            c->to_node_loss = c->to_sched_loss = loss;
        sim__num(ld, n, "to_node_loss", false, SIM__PROB, &c->to_node_loss);
        sim__num(ld, n, "to_scheduler_loss", false, SIM__PROB, &c->to_sched_loss);
        sim__bool(ld, n, "fifo", false, &c->fifo);
        sim__dist_field(ld, n, "client_delay_s", false, &c->client_delay);
    }
    sim__pop(ld);
}
