/*
 * bench_sweep.c — a 16-point sweep on one thread and on two:
 *   sweep.scale jobs=1 s=... jobs=2 s=... speedup=...
 * Best of five runs each. The two must write byte-identical CSVs (checked; exit 1
 * otherwise). cpu1/cpu2: CPU seconds of the best runs. bare_speedup and of_bare
 * as in bench_jobs (bare_parallel.c); procs_speedup: shards 1/2 and 2/2 of the
 * sweep at once, in two processes of one thread each, as a user would split it
 * over two machines (merged, they must give the same CSV: identical= says both);
 * of_procs = speedup / procs_speedup; cpu_procs: the CPU seconds of the two.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bare_parallel.h"
#include "bench_clock.h"
#include "run.h"
#include "scenario.h"
#include "sweep.h"
#include "xalloc.h"

static const char scenario[] =
    "{\"name\": \"bench-sweep\", \"seed\": 7, \"replications\": 8,\n"
    " \"workload\": {\"sessions\": 20, \"session_start_s\": {\"dist\": \"uniform\", \"min\": 0, "
    "\"max\": 20},\n"
    "   \"utterances_per_session\": 100, \"gap_s\": {\"dist\": \"uniform\", \"min\": 1, \"max\": 4},\n"
    "   \"audio_s\": {\"dist\": \"lognormal\", \"median\": 3.0, \"sigma\": 0.5, \"max\": 20}},\n"
    " \"nodes\": [{\"name\": \"home-gpu\", \"count\": 5, \"slots\": 4, \"workers\": 1,\n"
    "   \"stages\": {\"asr\": {\"dist\": \"lognormal\", \"median\": 0.8, \"sigma\": 0.8, "
    "\"per_audio_s\": 0.15},\n"
    "     \"nmt\": {\"dist\": \"lognormal\", \"median\": 0.25, \"sigma\": 0.5},\n"
    "     \"tts\": {\"dist\": \"lognormal\", \"median\": 0.6, \"sigma\": 0.7}},\n"
    "   \"on_cancel\": \"ignore\",\n"
    "   \"faults\": {\"stall\": {\"prob\": 0.04, \"extra_s\": {\"dist\": \"uniform\", \"min\": 20, "
    "\"max\": 90}}}}],\n"
    " \"network\": {\"delay_s\": {\"dist\": \"lognormal\", \"median\": 0.02, \"sigma\": 0.5}},\n"
    " \"policies\": [{\"name\": \"lingua-2025-12-28\", \"preset\": \"lingua-2025-12-28\"},\n"
    "   {\"name\": \"fenced\", \"preset\": \"lingua-2025-12-28\", \"pending\": \"queue\",\n"
    "    \"result_accept\": \"first_result_wins\", \"result_queue\": \"ordered\", "
    "\"ack_timeout_s\": 30}]}\n";

/* CPU seconds of the process (all threads). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc((size_t)n + 1, 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* Removes our mkdtemp folder: DIR/jN/{sweep.csv,sweep.json,points/pI.json}. */
static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(path);
        else
            remove(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Runs the sweep (shard `shard` of 2, or 0: all of it) into dir on `jobs`
 * threads. Returns 0, or -1 (printed). */
static int run_sweep(const sim_scenario *s, const sim_sweep_param *p, int jobs, int shard,
                     const char *dir, sim_sweep_outcome *out)
{
    sim_run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.jobs = 1;
    sim_sweep_opts o = {.params = p, .n_params = 1, .jobs = jobs, .out_dir = dir,
                        .scenario_hash = 1, .max_points = 1000,
                        .eval = sim_sweep_eval_run, .eval_ctx = &ro,
                        .split_replications = true,
                        .n_shards = shard ? 2 : 0, .shard = shard};
    sim_error err = {0};
    if (sim_sweep_run(s, &o, out, &err) != 0) {
        sim_error_print(&err);
        return -1;
    }
    return 0;
}

/* The whole sweep on `jobs` threads; returns seconds, or -1; *cpu gets the CPU
 * seconds it used. */
static double timed_sweep(const sim_scenario *s, const sim_sweep_param *p, int jobs,
                          const char *dir, sim_sweep_outcome *out, double *cpu)
{
    double t0 = bench_wall_s(), c0 = bench_cpu_s();
    if (run_sweep(s, p, jobs, 0, dir, out) != 0)
        return -1;
    *cpu = bench_cpu_s() - c0;
    return bench_wall_s() - t0;
}

/* One shard of two on one thread (bare_parallel_two_procs). */
typedef struct shard_job {
    const sim_scenario *s;
    const sim_sweep_param *p;
    const char *dir;
} shard_job;

static int half_sweep(void *ctx, int half)
{
    const shard_job *j = ctx;
    sim_sweep_outcome out;
    return run_sweep(j->s, j->p, 1, half + 1, j->dir, &out);
}

int main(void)
{
    sim_malloc_keep(); /* as dsim's main() */
    sim_limits lim;
    sim_limits_default(&lim);
    sim_scenario s;
    sim_error err = {0};
    if (sim_scenario_load_string(scenario, strlen(scenario), "bench-sweep", &lim, &s, &err)) {
        sim_error_print(&err);
        return 1;
    }
    sim_sweep_param p;
    if (sim_sweep_param_parse("policies.fenced.dispatch_timeout_s=5:80:5", &p, &err) != 0) {
        sim_error_print(&err);
        return 1;
    }
    char dir[] = "/tmp/dsim-bench-sweep-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char d1[64], d2[64], dp[64];
    snprintf(d1, sizeof d1, "%s/j1", dir);
    snprintf(d2, sizeof d2, "%s/j2", dir);
    snprintf(dp, sizeof dp, "%s/procs", dir);
    shard_job sj = {&s, &p, dp};
    sim_sweep_outcome o1, o2;
    /* Best of five, alternating, so that a busy moment of the machine does not
     * decide the figure. */
    double c1 = 0, c2 = 0, cp = 0, t1 = 1e300, t2 = 1e300, tp = 1e300;
    bool failed = false;
    bare_parallel bare = {0};
    for (int round = 0; round < 5 && !failed; round++) {
        double c, t = timed_sweep(&s, &p, 1, d1, &o1, &c);
        if (t >= 0 && t < t1) {
            t1 = t;
            c1 = c;
        }
        failed = t < 0;
        t = failed ? -1 : timed_sweep(&s, &p, 2, d2, &o2, &c);
        if (t >= 0 && t < t2) {
            t2 = t;
            c2 = c;
        }
        failed = failed || t < 0;
        if (!failed)
            bare_parallel_round(&bare, t1);
        t = failed ? -1 : bare_parallel_two_procs(half_sweep, &sj, &c);
        if (t >= 0 && t < tp) {
            tp = t;
            cp = c;
        }
        failed = failed || t < 0;
    }
    int rc = 0;
    if (failed) {
        rc = 1;
    } else {
        char *a = slurp(o1.csv), *b = slurp(o2.csv);
        bool same = a && b && strcmp(a, b) == 0;
        /* the two processes did the same work: their shards merge into it */
        char s1[96], s2[96], merged[96];
        snprintf(s1, sizeof s1, "%s/sweep-1-of-2.csv", dp);
        snprintf(s2, sizeof s2, "%s/sweep-2-of-2.csv", dp);
        snprintf(merged, sizeof merged, "%s/merged.csv", dp);
        const char *shards[] = {s1, s2};
        sim_error merr = {0};
        if (sim_sweep_merge(shards, 2, merged, &merr) != 0) {
            sim_error_print(&merr);
            same = false;
        } else {
            char *m = slurp(merged);
            same = same && m && a && strcmp(m, a) == 0;
            free(m);
        }
        /* cpu: CPU seconds of each run; a cpu ratio near 1 means the threads add no
         * work, so on two idle cores the speedup approaches 2. */
        double bs = bare_parallel_speedup(&bare);
        printf("sweep.scale points=%zu jobs=1 s=%.3f jobs=2 s=%.3f speedup=%.2f "
               "cpu1=%.3f cpu2=%.3f identical=%s bare_speedup=%.2f of_bare=%.2f "
               "procs_speedup=%.2f of_procs=%.2f cpu_procs=%.3f\n",
               o1.points, t1, t2, t1 / t2, c1, c2, same ? "yes" : "NO", bs, t1 / t2 / bs,
               t1 / tp, tp / t2, cp);
        rc = same ? 0 : 1;
        free(a);
        free(b);
    }
    rm_tree(dir);
    sim_sweep_param_free(&p);
    sim_scenario_free(&s);
    return rc;
}
