/*
 * bench_jobs.c — dsim run's replications on one thread and on two:
 *
 *   run.jobs tasks=N jobs=1 s=... jobs=2 s=... speedup=... cpu1=... cpu2=... identical=yes
 *
 * The scenario is scenarios/policy-shootout.json (every policy x replication is a
 * task of sim_run_all, as `dsim run --jobs N` runs them). Best of five runs each,
 * alternating; the two must give bit-identical metrics (checked; exit 1 otherwise).
 * cpu1/cpu2: CPU seconds of the best runs — their ratio says what the threads
 * add; the wall-clock speedup needs two idle cores to mean anything.
 * bare_speedup: in the same rounds, two threads that share nothing, sized to the
 * one-thread run (bare_parallel.c): what the machine's second vCPU gives at the
 * time; of_bare = speedup / bare_speedup. procs_speedup: the same tasks in two
 * halves of the replications, run at once by two processes of one thread each
 * (fork): what the machine gives dsim's own work with nothing shared; of_procs =
 * speedup / procs_speedup, what the threading itself keeps of that; cpu_procs:
 * the CPU seconds the two processes used (against cpu1: what the pair costs).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bare_parallel.h"
#include "bench_clock.h"
#include "run.h"
#include "scenario.h"
#include "xalloc.h"

/* Runs replications [first, first + count) (count 0: all) of every policy on
 * `jobs` threads into *res. Returns 0, or -1 (printed). */
static int run(const sim_scenario *s, int jobs, int first, int count, sim_results *res)
{
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.jobs = jobs;
    o.rep_first = first;
    o.rep_count = count;
    sim_error err = {0};
    if (sim_run_all(s, &o, res, &err) != 0) {
        sim_error_print(&err);
        return -1;
    }
    return 0;
}

/* Every task on `jobs` threads into *res; returns seconds or -1, *cpu the CPU. */
static double timed_run(const sim_scenario *s, int jobs, sim_results *res, double *cpu)
{
    double t0 = bench_wall_s(), c0 = bench_cpu_s();
    if (run(s, jobs, 0, 0, res) != 0)
        return -1;
    *cpu = bench_cpu_s() - c0;
    return bench_wall_s() - t0;
}

/* One half of the replications on one thread (bare_parallel_two_procs). */
static int half_run(void *ctx, int half)
{
    const sim_scenario *s = ctx;
    int reps = s->replications > 0 ? s->replications : 1;
    sim_results r;
    if (run(s, 1, half ? reps / 2 : 0, half ? reps - reps / 2 : reps / 2, &r) != 0)
        return -1;
    sim_results_free(&r);
    return 0;
}

int main(void)
{
    sim_malloc_keep(); /* as dsim's main() */
    sim_limits lim;
    sim_limits_default(&lim);
    sim_scenario s;
    sim_error err = {0};
    if (sim_scenario_load(DSIM_SOURCE_DIR "/scenarios/policy-shootout.json", &lim, &s, &err) != 0) {
        sim_error_print(&err);
        return 1;
    }
    double c1 = 0, c2 = 0, cp = 0, t1 = 1e300, t2 = 1e300, tp = 1e300;
    bool same = true, failed = false;
    size_t tasks = 0;
    bare_parallel bare = {0};
    for (int round = 0; round < 5 && !failed; round++) {
        sim_results a, b;
        double c, t = timed_run(&s, 1, &a, &c);
        if ((failed = t < 0))
            break;
        if (t < t1) {
            t1 = t;
            c1 = c;
        }
        t = timed_run(&s, 2, &b, &c);
        if ((failed = t < 0)) {
            sim_results_free(&a);
            break;
        }
        if (t < t2) {
            t2 = t;
            c2 = c;
        }
        bare_parallel_round(&bare, t1);
        t = bare_parallel_two_procs(half_run, &s, &c);
        if ((failed = t < 0)) {
            fprintf(stderr, "bench_jobs: the two-process run failed\n");
        } else if (t < tp) {
            tp = t;
            cp = c;
        }
        tasks = a.n_policies * a.n_reps;
        same = same && memcmp(a.v, b.v, tasks * SIM_M_COUNT * sizeof *a.v) == 0;
        sim_results_free(&a);
        sim_results_free(&b);
    }
    sim_scenario_free(&s);
    if (failed)
        return 1;
    double bs = bare_parallel_speedup(&bare);
    printf("run.jobs tasks=%zu jobs=1 s=%.3f jobs=2 s=%.3f speedup=%.2f cpu1=%.3f cpu2=%.3f "
           "identical=%s bare_speedup=%.2f of_bare=%.2f procs_speedup=%.2f of_procs=%.2f "
           "cpu_procs=%.3f\n",
           tasks, t1, t2, t1 / t2, c1, c2, same ? "yes" : "NO", bs, t1 / t2 / bs, t1 / tp,
           tp / t2, cp);
    return same ? 0 : 1;
}
