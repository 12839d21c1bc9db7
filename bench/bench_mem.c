/*
 * bench_mem.c — peak memory of one replication against the number of utterances:
 *
 *   mem.mmc utterances=1000000 max_rss_kb=X utterances=4000000 max_rss_kb=Y grows_kb=Y-X
 *
 * The world is bench_mmc's (scenarios/queueing-mmc.json: one session, 4 workers,
 * arrivals at 3/s), so the work in flight is bounded and the peak should not
 * follow the run. Each size runs in a child process of its own; max_rss_kb is
 * that child's peak resident set (getrusage's ru_maxrss, as /usr/bin/time -v
 * prints it). grows_kb is the last size's peak minus the first's.
 *
 * Usage: bench_mem [UTTERANCES ...]   (default 1000000 4000000)
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"
#include "scenario.h"
#include "xalloc.h"

/* One replication of n utterances in this (child) process: 0 when all delivered. */
static int run(long n)
{
    sim_limits lim;
    sim_limits_default(&lim);
    lim.max_utterances = (uint64_t)n;
    sim_error err = {0};
    sim_scenario s;
    char num[32];
    snprintf(num, sizeof num, "%ld", n);
    if (sim_scenario_load(DSIM_SOURCE_DIR "/scenarios/queueing-mmc.json", &lim, &s, &err) != 0 ||
        sim_scenario_set(&s, "workload.utterances_per_session", num, &err) != 0 ||
        sim_scenario_set(&s, "replications", "1", &err) != 0) {
        sim_error_print(&err);
        return 1;
    }
    double v[SIM_M_COUNT];
    if (sim_run_one(&s, 0, 0, NULL, v, &err) != 0) {
        sim_error_print(&err);
        return 1;
    }
    sim_scenario_free(&s);
    return v[SIM_M_DELIVERED] == (double)n ? 0 : 1;
}

int main(int argc, char **argv)
{
    sim_malloc_keep(); /* as dsim's main() */
    long sizes[16] = {1000000, 4000000};
    int n = 2;
    if (argc > 1) {
        n = 0;
        for (int i = 1; i < argc && n < 16; i++)
            if ((sizes[n++] = atol(argv[i])) < 1) {
                fprintf(stderr, "bench_mem: usage: bench_mem [UTTERANCES >= 1 ...]\n");
                return 2;
            }
    }
    long first = 0, last = 0;
    printf("mem.mmc");
    for (int i = 0; i < n; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("bench_mem: fork");
            return 1;
        }
        if (pid == 0)
            _exit(run(sizes[i]));
        int st;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "\nbench_mem: the run of %ld utterances failed\n", sizes[i]);
            return 1;
        }
        printf(" utterances=%ld max_rss_kb=%ld", sizes[i], ru.ru_maxrss);
        if (i == 0)
            first = ru.ru_maxrss;
        last = ru.ru_maxrss;
    }
    printf(" grows_kb=%ld\n", last - first);
    return 0;
}
