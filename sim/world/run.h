/*
 * run.h — running a scenario: the world and the core on the engine.
 *
 * One replication of one policy is a deterministic function of (scenario,
 * policy index, replication index): its seed is derived from the scenario seed
 * and the replication index alone, so every policy sees the same N worlds
 * (common random numbers), and results do not depend on thread count.
 */
#ifndef DSIM_RUN_H
#define DSIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics.h"
#include "progress.h"
#include "scenario.h"

enum { SIM_LOG_DSIM = 0, SIM_LOG_LINGUA = 1 };

typedef struct sim_run_opts {
    FILE *log;        /* JSON lines of the core's log records (simulated time), or NULL */
    int log_format;   /* SIM_LOG_DSIM (dsim's records) or SIM_LOG_LINGUA (the reference's) */
    FILE *trace;      /* JSON lines of every message in the world, or NULL */
    FILE *latencies;  /* CSV rows "policy,replication,latency_s", one per first delivery,
                         ascending within a run, or NULL */
    FILE *timeline;   /* trace-event JSON (timeline.h) of the runs the filter keeps, or NULL */
    const struct sim_tl_filter *timeline_filter; /* NULL: keep everything */
    uint64_t timeline_pid_base; /* the timeline's pids start after it */
    int jobs;         /* worker threads for sim_run_all (<= 0: all cores) */
    uint64_t max_events; /* per replication, 0 = sim_default_event_budget() */
    const char *command; /* what a budget error tells to raise it ("dsim check"); NULL:
                            "dsim run" */
    bool invariants;  /* check the built-in trace invariants (invariants.h): a broken one
                         fails the run with SIM_FAIL_INVARIANT */
    int rep_first, rep_count; /* sim_run_all: only replications rep_first ..
                               * rep_first + rep_count - 1 (a sweep shard's share of a
                               * point), in slots 0..rep_count-1; rep_count 0 = all */

    /* sim_run_all only. On several threads, each task's log, trace and latency
     * records go to anonymous spool files (sim_spool_open) in these folders (NULL:
     * the system's temporary folder) and are appended to log/trace/latencies in
     * task order as soon as every earlier task is appended; at most a few tasks
     * per thread run ahead of the oldest unfinished one. So memory follows the
     * tasks in flight, and the bytes are the same whatever the thread count. */
    const char *log_dir, *trace_dir, *latencies_dir, *timeline_dir;
    /* Called on the calling thread each time the records of tasks [0, done) are
     * whole in log/trace/latencies (not yet flushed), or NULL. */
    void (*committed)(void *ctx, size_t done);
    void *committed_ctx;
    /* Counts the work done (progress.h), or NULL: every utterance of every run
     * (sessions x utterances per run), or with progress_runs one per run. */
    sim_progress *progress;
    bool progress_runs;
} sim_run_opts;

/* The default bound on events per replication: a run of the incident world takes
 * about 10 events per utterance; exceeding the bound is an error (exit 2). */
#define SIM_EVENTS_PER_UTTERANCE 10000u
#define SIM_EVENTS_BASE 10000000u
uint64_t sim_default_event_budget(const sim_scenario *s);

/* SIM_HEARTBEAT_TIMEOUT_S, SIM_STATUS_SCAN_S, SIM_DRAIN_HORIZON_S: scenario.h. */

/* The reference's status scan (scenario.h): the time of the first scan at or
 * after `now` (ns) at which more than SIM_HEARTBEAT_TIMEOUT_S have passed since
 * `last_heartbeat` (ns, <= now), the last heartbeat or registration the
 * scheduler received from a node: when it marks that node offline, if nothing
 * arrives from it before. Scans run every SIM_STATUS_SCAN_S from time 0. */
int64_t sim_crash_notice_scan(int64_t last_heartbeat, int64_t now);

/* Refuses, before the first event, a replication of `policy` whose node
 * heartbeats alone over the run's expected length would exceed `budget` events: returns 0, or SIM_FAIL_INPUT with
 * a message naming the field and the --max-events flag (run_plan.c). */
int sim_run_plan_check(const sim_scenario *s, size_t policy, uint64_t budget, sim_error *err);

/* For replication rep of s: the most utterances any one session has ended at or
 * before t (ns), and in *last_end the end (ns) of the last utterance of all (the
 * workload alone decides both: the draws a run makes). For shrinking (dsim hunt). */
uint32_t sim_utterances_ended_by(const sim_scenario *s, int rep, int64_t t, int64_t *last_end);

/* 64 bits keyed by (seed, keys[0..n)), n <= 6: the engine's keyed derivation
 * (sim_seed_derive), for studies above the world that draw their own values
 * (dsim hunt's seeds and knob values). */
uint64_t sim_keyed_u64(uint64_t seed, const uint64_t *keys, size_t n);

/* The seed of replication r of a scenario seeded `seed`. */
uint64_t sim_replication_seed(uint64_t seed, int r);

/* How a run fails: the scenario asks for what cannot run (exit 2), or dsim
 * itself is wrong (a core call refused that the world should never make: exit 3).
 * sim_fail_exit() gives the exit code. */
#define SIM_FAIL_INPUT (-1)
#define SIM_FAIL_INTERNAL (-2)
#define SIM_FAIL_INVARIANT (-3) /* o->invariants: a built-in invariant broke (exit 1) */
int sim_fail_exit(int fail);

/*
 * Runs replication `rep` of policy `policy`; fills v[SIM_M_COUNT] with the
 * metrics of that run. Returns 0, or SIM_FAIL_INPUT / SIM_FAIL_INTERNAL with err
 * filled: the replication stops at the first refused core call.
 */
int sim_run_one(const sim_scenario *s, size_t policy, int rep, const sim_run_opts *o,
                double v[SIM_M_COUNT], sim_error *err);

/* Every metric of every (policy, replication): v[(p * n_reps + r) * SIM_M_COUNT + m]. */
typedef struct sim_results {
    size_t n_policies;
    size_t n_reps;
    double *v; /* owned */
} sim_results;

static inline double *sim_results_at(const sim_results *res, size_t p, size_t r)
{
    return res->v + (p * res->n_reps + r) * SIM_M_COUNT;
}

/* Runs every policy x replication (task t = policy * replications + replication)
 * on o->jobs threads. Returns 0, or the failure (SIM_FAIL_*) of the first task,
 * in task order, that failed, with err filled by it: no later task is started,
 * and log/trace/latencies then hold the records of every earlier task and those
 * the failed task wrote before its error (an event budget that tripped: the
 * records that explain the runaway). o->rep_count > 0: only that range,
 * out->n_reps = rep_count, slot r holding replication rep_first + r. */
int sim_run_all(const sim_scenario *s, const sim_run_opts *o, sim_results *out,
                sim_error *err);

void sim_results_free(sim_results *res);

/* The units sim_run_all counts into o->progress for s: policies x replications
 * (o->rep_count when set) x, without o->progress_runs, the utterances of a run. */
uint64_t sim_run_progress_units(const sim_scenario *s, const sim_run_opts *o);

/* The number of online cores (1..256): the default of --jobs. */
int sim_default_jobs(void);

#endif
