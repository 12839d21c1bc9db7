/*
 * bench_mmc.c — dsim against a bare event loop on the same M/M/4 world:
 *
 *   run.mmc jobs=1000000 ns_per_job=X bare_ns_per_job=Y ratio=R ...
 *
 * The world is scenarios/queueing-mmc.json (4 workers, arrivals at 3/s, exponential
 * service of mean 1 s, node_load reserved) with one session of 1e6 utterances and
 * one replication. ns_per_job is dsim's whole path (workload, network, node, the
 * real dispatcher, client accounting and the metrics) per job; bare_ns_per_job is
 * bare_mmc.c (a binary heap, one generator, a FIFO) on the same world. Both are
 * CPU time of this process (CLOCK_PROCESS_CPUTIME_ID), measured in alternating
 * runs (dsim, bare, dsim, bare, ...) so that a drift of the machine's speed hits
 * both; each figure is the median of its runs and ratio is the median of the
 * per-pair ratios. mean_s / bare_mean_s are the two mean latencies (Erlang C
 * says 1.509 s): the two loops simulate the same world.
 *
 * Usage: bench_mmc [JOBS [RUNS]]   (default 1000000 jobs, 5 runs each)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bare_mmc.h"
#include "run.h"
#include "scenario.h"
#include "xalloc.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define MAX_RUNS 51

int main(int argc, char **argv)
{
    sim_malloc_keep(); /* as dsim's main() */
    long jobs = argc > 1 ? atol(argv[1]) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (jobs < 1 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_mmc: usage: bench_mmc [JOBS >= 1 [RUNS 1..%d]]\n", MAX_RUNS);
        return 2;
    }
    sim_limits lim;
    sim_limits_default(&lim);
    sim_error err = {0};
    sim_scenario s;
    if (sim_scenario_load(DSIM_SOURCE_DIR "/scenarios/queueing-mmc.json", &lim, &s, &err) != 0) {
        sim_error_print(&err);
        return 1;
    }
    char num[32];
    snprintf(num, sizeof num, "%ld", jobs);
    if (sim_scenario_set(&s, "workload.utterances_per_session", num, &err) != 0 ||
        sim_scenario_set(&s, "replications", "1", &err) != 0) {
        sim_error_print(&err);
        return 1;
    }
    double sim_ns[MAX_RUNS], bare_ns[MAX_RUNS], ratio[MAX_RUNS];
    double v[SIM_M_COUNT], bare_mean = 0.0;
    for (int i = 0; i < runs; i++) {
        double t0 = cpu_now();
        if (sim_run_one(&s, 0, 0, NULL, v, &err) != 0) {
            sim_error_print(&err);
            return 1;
        }
        double t1 = cpu_now();
        bare_mean = bare_mmc_run(jobs, 4, 3.0, 1.0, 1002 + (uint64_t)i);
        double t2 = cpu_now();
        if (bare_mean < 0.0) {
            fprintf(stderr, "bench_mmc: out of memory\n");
            return 1;
        }
        if (v[SIM_M_DELIVERED] != (double)jobs) {
            fprintf(stderr, "bench_mmc: dsim delivered %.0f of %ld jobs\n", v[SIM_M_DELIVERED],
                    jobs);
            return 1;
        }
        sim_ns[i] = (t1 - t0) * 1e9 / (double)jobs;
        bare_ns[i] = (t2 - t1) * 1e9 / (double)jobs;
        ratio[i] = sim_ns[i] / bare_ns[i];
    }
    printf("run.mmc jobs=%ld ns_per_job=%.0f bare_ns_per_job=%.1f ratio=%.2f runs=%d "
           "stat=median_cpu_time mean_s=%.4f bare_mean_s=%.4f\n",
           jobs, median(sim_ns, runs), median(bare_ns, runs), median(ratio, runs), runs,
           v[SIM_M_LATENCY_MEAN], bare_mean);
    sim_scenario_free(&s);
    return 0;
}
