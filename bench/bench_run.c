/*
 * bench_run.c — the whole simulator end to end: the incident world scaled up,
 * through the lingua-2025-12-28 preset, on one core.
 *
 *   run.incident utterances=N events=E events_per_s=X cpu_s=C wall_s=W peak_rss_mb=M
 *
 * events_per_s is events per CPU second of the run (one thread).
 *
 * Usage: bench_run [UTTERANCES...]   (default: 1e6 then 1e7)
 * The incident world grows in time, not in width: sessions of 100 utterances
 * (about 550 s each) start one after another, so that about 50 talk at once on 50
 * nodes whatever the total. Work in flight stays the same while work done grows,
 * and peak memory must follow the former (the client keeps 12 bytes per utterance
 * for the metrics; everything else is bounded by work in flight).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"
#include "run.h"
#include "scenario.h"
#include "xalloc.h"

#define CONCURRENT 50   /* sessions talking at once, and nodes */
#define PER_SESSION 100 /* utterances per session, as in the incident */
#define SESSION_S 550.0 /* about how long a session of 100 utterances talks */

static int set(sim_scenario *s, const char *key, const char *value)
{
    sim_error err = {0};
    if (sim_scenario_set(s, key, value, &err) != 0) {
        sim_error_print(&err);
        return -1;
    }
    return 0;
}

/* One measurement in its own process, so peak RSS is this run's alone. */
static int bench_one(long long utterances)
{
    sim_limits lim;
    sim_limits_default(&lim);
    sim_error err = {0};
    sim_scenario s;
    if (sim_scenario_load(DSIM_SOURCE_DIR "/scenarios/incident-2025-12-30.json", &lim, &s,
                          &err) != 0) {
        sim_error_print(&err);
        return 1;
    }
    long long sessions = utterances / PER_SESSION;
    char n_sessions[32], per[32], nodes[32], span[64];
    snprintf(n_sessions, sizeof n_sessions, "%lld", sessions);
    snprintf(per, sizeof per, "%d", PER_SESSION);
    snprintf(nodes, sizeof nodes, "%d", CONCURRENT);
    snprintf(span, sizeof span, "%.0f", (double)sessions * SESSION_S / CONCURRENT);
    if (set(&s, "workload.sessions", n_sessions) ||
        set(&s, "workload.utterances_per_session", per) || set(&s, "nodes[0].count", nodes) ||
        set(&s, "workload.session_start_s.max", span))
        return 1;
    double v[SIM_M_COUNT];
    double t0 = bench_wall_s(), c0 = bench_cpu_s();
    if (sim_run_one(&s, 0, 0, NULL, v, &err) != 0) {
        sim_error_print(&err);
        return 1;
    }
    double dt = bench_wall_s() - t0, cpu = bench_cpu_s() - c0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* events_per_s is per CPU second (the run is one thread: what it costs a
     * core, whatever else the machine runs); wall_s is the wall clock's */
    printf("run.incident utterances=%.0f events=%.0f events_per_s=%.0f cpu_s=%.2f "
           "wall_s=%.2f peak_rss_mb=%.1f duplicates=%.0f lost=%.0f\n",
           v[SIM_M_UTTERANCES], v[SIM_M_EVENTS], v[SIM_M_EVENTS] / cpu, cpu, dt,
           (double)ru.ru_maxrss / 1024.0, v[SIM_M_DUPLICATES], v[SIM_M_LOST]);
    fflush(stdout);
    sim_scenario_free(&s);
    return 0;
}

int main(int argc, char **argv)
{
    sim_malloc_keep(); /* as dsim's main() */
    long long def[] = {1000000, 10000000};
    int n = argc > 1 ? argc - 1 : 2;
    for (int i = 0; i < n; i++) {
        long long u = argc > 1 ? atoll(argv[i + 1]) : def[i];
        if (u < PER_SESSION) {
            fprintf(stderr, "bench_run: expected at least %d utterances\n", PER_SESSION);
            return 2;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(bench_one(u));
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 1;
    }
    return 0;
}
