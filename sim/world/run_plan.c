/*
 * run_plan.c — before a replication runs: a scenario the loader accepts can
 * still ask for far more events than its budget (a heartbeat of a microsecond
 * on every node for the whole run). Such a run would spend its whole budget —
 * and the memory of every message in flight — before it failed; it is refused
 * before the first event, with the field that drives it and the budget flag.
 *
 * The estimate is of the timers that run for the whole run, the node
 * heartbeats (a fixed period over the run's length), from the workload's means: it is not a bound, and a run that passes
 * it can still exceed its budget (then it stops with the budget's error).
 */
#include <math.h>
#include <stdio.h>

#include "run.h"

/* The mean of what the distribution draws, every max honoured (dist.h), at no
 * audio; INFINITY when it has none (pareto alpha <= 1 without a max). */
static double mean_s(const dist *d)
{
    return dist_mean_clamped(d, 0.0);
}

/* How long a replication runs, in seconds: max_time_s, or the workload's
 * expected length (start, speech, linger) plus the core's retention (at least
 * 5 min) that keeps the run going until every job is forgotten. NaN when a
 * mean is infinite (pareto alpha <= 1): no estimate then. */
static double horizon_s(const sim_scenario *s)
{
    if (s->max_time_s > 0)
        return s->max_time_s;
    const wl_config *w = &s->workload;
    if (w->trace)
        return (double)wl_trace_last_end(w->trace) / 1e9 + (w->linger_s > 0 ? w->linger_s : 0.0) +
               300.0;
    double h = mean_s(&w->session_start) +
               (double)w->utterances_per_session * (mean_s(&w->gap) + mean_s(&w->audio)) +
               (w->linger_s > 0 ? w->linger_s : 0.0) + 300.0;
    return isfinite(h) ? h : NAN;
}

int sim_run_plan_check(const sim_scenario *s, size_t policy, uint64_t budget, sim_error *err)
{
    (void)policy; /* no policy timer runs for the whole run: the reference queue's
                     periodic check only while a gap is waited on */
    double h = horizon_s(s);
    if (!(h > 0))
        return 0;
    const char *file = s->path ? s->path : "scenario";
    double total = 0; /* the timers only: the work itself is the budget's to bound */
    double worst = -1;
    char what[300] = "";
    for (size_t c = 0; c < s->n_nodes; c++) {
        const node_config *n = &s->nodes[c];
        /* each heartbeat is two events: the node's timer and the arrival */
        double ev = 2.0 * (double)n->count * h / n->heartbeat_s;
        total += ev;
        if (ev > worst) {
            worst = ev;
            snprintf(what, sizeof what,
                     "nodes[%zu].heartbeat_s: a heartbeat every %g s on %d node%s for the run's "
                     "~%.0f s",
                     c, n->heartbeat_s, n->count, n->count == 1 ? "" : "s", h);
        }
    }
    if (total <= (double)budget)
        return 0;
    sim_error_add(err,
                  "%s: %s makes about %.2g events, more than the budget of %llu per replication "
                  "(an estimate from the workload's means, before the run): lengthen it, or "
                  "raise the budget with --max-events N",
                  file, what, total, (unsigned long long)budget);
    return SIM_FAIL_INPUT;
}
