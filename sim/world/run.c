/*
 * run.c — every (policy, replication) of a scenario on a pool of threads.
 *
 * Each task writes only its own slot of the results and, with --log, --trace or
 * --latencies, its own spool files; the calling thread appends finished tasks'
 * spools to the outputs in task order. So the output is byte-identical whatever
 * the number of threads, and memory holds only the tasks in flight.
 */
#include "run.h"
#include "outfile.h"
#include "xalloc.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { S_LOG, S_TRACE, S_LAT, S_TL, N_STREAMS };

typedef struct task {
    FILE *spool[N_STREAMS]; /* open from the task's start until appended or dropped */
    int rc;
    bool done;
} task;

typedef struct pool {
    const sim_scenario *s;
    const sim_run_opts *o;
    FILE *out[N_STREAMS];      /* the outputs (NULL: not asked for) */
    const char *dir[N_STREAMS];
    bool streams;              /* any of out[] */
    sim_results *res;
    task *tasks;
    size_t n_tasks;

    pthread_mutex_t mu;        /* guards everything below */
    pthread_cond_t wake_worker, wake_committer;
    size_t next;               /* the next task to start */
    size_t appended;           /* tasks [0, appended) are in the outputs */
    size_t window;             /* tasks may start up to appended + window */
    size_t failed;             /* the lowest failed task, or SIZE_MAX */
    sim_error err;             /* its error */
} pool;

/* How many tasks per thread may run ahead of the oldest one not yet appended. */
#define RUN_AHEAD_PER_JOB 2

/* Runs task t; its records go to its spools (or, when `direct`, straight to the
 * outputs). Returns its rc; on error *err holds the message. */
static int run_task(pool *p, size_t t, bool direct, sim_error *err)
{
    size_t pol = t / p->res->n_reps;
    int rep = p->o->rep_first + (int)(t % p->res->n_reps);
    task *tk = &p->tasks[t];
    sim_run_opts o = *p->o;
    FILE **sink[N_STREAMS] = {&o.log, &o.trace, &o.latencies, &o.timeline};
    for (int k = 0; k < N_STREAMS && !direct; k++) {
        if (!p->out[k])
            continue;
        tk->spool[k] = sim_spool_open(p->dir[k]);
        if (!tk->spool[k]) {
            sim_error_add(err, "%s: cannot create a temporary file: %s",
                          p->dir[k] ? p->dir[k] : "the temporary folder", strerror(errno));
            return -1;
        }
        *sink[k] = tk->spool[k];
    }
    int rc = sim_run_one(p->s, pol, rep, &o, sim_results_at(p->res, pol, t % p->res->n_reps), err);
    if (o.progress_runs)
        sim_progress_add(o.progress, 1);
    return rc;
}

static void drop_spools(task *tk)
{
    for (int k = 0; k < N_STREAMS; k++)
        if (tk->spool[k]) {
            fclose(tk->spool[k]);
            tk->spool[k] = NULL;
        }
}

/* Appends task t's spools to the outputs and closes them. Returns 0, or -1 with
 * err (a spool that cannot be read back). Write errors on an output stay in its
 * stream's error flag, for the caller's commit to report. */
static int append_task(pool *p, size_t t, char *buf, size_t size, sim_error *err)
{
    task *tk = &p->tasks[t];
    int rc = 0;
    for (int k = 0; k < N_STREAMS; k++) {
        FILE *sp = tk->spool[k];
        if (!sp)
            continue;
        if (fflush(sp) != 0 || fseek(sp, 0, SEEK_SET) != 0) {
            rc = -1;
        } else {
            size_t n;
            while ((n = fread(buf, 1, size, sp)) > 0)
                if (fwrite(buf, 1, n, p->out[k]) != n)
                    break;
            rc = ferror(sp) ? -1 : rc;
        }
        if (rc != 0)
            sim_error_add(err, "%s: a temporary file failed (full disk?): %s",
                          p->dir[k] ? p->dir[k] : "the temporary folder", strerror(errno));
    }
    drop_spools(tk);
    return rc;
}

/* Records task t's outcome (mu held). */
static void task_finished(pool *p, size_t t, int rc, const sim_error *err)
{
    p->tasks[t].rc = rc;
    p->tasks[t].done = true;
    if (rc != 0 && (p->failed == SIZE_MAX || t < p->failed)) {
        p->failed = t;
        p->err = *err;
    }
}

static void *worker(void *arg)
{
    pool *p = arg;
    sim_error *err = sim_xcalloc(1, sizeof *err);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->next < p->n_tasks && p->next < p->failed &&
               p->next >= p->appended + p->window)
            pthread_cond_wait(&p->wake_worker, &p->mu);
        if (p->next >= p->n_tasks || p->next >= p->failed)
            break;
        size_t t = p->next++;
        pthread_mutex_unlock(&p->mu);
        memset(err, 0, sizeof *err);
        int rc = run_task(p, t, false, err);
        pthread_mutex_lock(&p->mu);
        task_finished(p, t, rc, err);
        pthread_cond_signal(&p->wake_committer);
    }
    pthread_mutex_unlock(&p->mu);
    free(err);
    return NULL;
}

/* The calling thread, while workers run: appends tasks in order as they finish,
 * up to and including the first failed one. */
static void commit_loop(pool *p)
{
    const size_t size = 1 << 16;
    char *buf = sim_xmalloc(size);
    sim_error *err = sim_xcalloc(1, sizeof *err);
    pthread_mutex_lock(&p->mu);
    while (p->appended < p->n_tasks && p->appended <= p->failed) {
        size_t t = p->appended;
        if (!p->tasks[t].done) {
            pthread_cond_wait(&p->wake_committer, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        memset(err, 0, sizeof *err);
        int rc = append_task(p, t, buf, size, err);
        bool whole = rc == 0 && p->tasks[t].rc == 0;
        if (whole && p->o->committed)
            p->o->committed(p->o->committed_ctx, t + 1);
        pthread_mutex_lock(&p->mu);
        if (rc != 0)
            task_finished(p, t, rc, err);
        p->appended = t + 1;
        pthread_cond_broadcast(&p->wake_worker);
    }
    pthread_mutex_unlock(&p->mu);
    free(buf);
    free(err);
}

/* jobs == 1: every task in order on the calling thread, straight into the outputs. */
static void run_serial(pool *p)
{
    sim_error *err = sim_xcalloc(1, sizeof *err);
    for (size_t t = 0; t < p->n_tasks; t++) {
        int rc = run_task(p, t, true, err);
        task_finished(p, t, rc, err);
        if (rc != 0)
            break;
        if (p->streams && p->o->committed)
            p->o->committed(p->o->committed_ctx, t + 1);
    }
    free(err);
}

int sim_fail_exit(int fail)
{
    /* SIM_EXIT_INTERNAL, SIM_EXIT_FAIL, SIM_EXIT_USAGE */
    return fail == SIM_FAIL_INTERNAL ? 3 : fail == SIM_FAIL_INVARIANT ? 1 : 2;
}

int sim_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

int sim_run_all(const sim_scenario *s, const sim_run_opts *o, sim_results *out, sim_error *err)
{
    static const sim_run_opts no_opts;
    if (!o)
        o = &no_opts;
    memset(out, 0, sizeof *out);
    out->n_policies = s->n_policies;
    out->n_reps = (size_t)(s->replications > 0 ? s->replications : 1);
    if (o->rep_count > 0) {
        assert(o->rep_first >= 0 && (size_t)o->rep_first + (size_t)o->rep_count <= out->n_reps);
        out->n_reps = (size_t)o->rep_count;
    }
    size_t n = out->n_policies * out->n_reps;
    out->v = sim_xcalloc(n * SIM_M_COUNT, sizeof *out->v);
    pool *p = sim_xcalloc(1, sizeof *p);
    *p = (pool){.s = s, .o = o, .res = out, .n_tasks = n, .failed = SIZE_MAX,
                .out = {o->log, o->trace, o->latencies, o->timeline},
                .dir = {o->log_dir, o->trace_dir, o->latencies_dir, o->timeline_dir}};
    p->streams = o->log || o->trace || o->latencies || o->timeline;
    p->tasks = sim_xcalloc(n ? n : 1, sizeof *p->tasks);
    int jobs = o->jobs > 0 ? o->jobs : sim_default_jobs();
    if ((size_t)jobs > n)
        jobs = (int)n;
    p->window = p->streams ? (size_t)jobs * RUN_AHEAD_PER_JOB + 1 : SIZE_MAX;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake_worker, NULL);
    pthread_cond_init(&p->wake_committer, NULL);

    pthread_t *th = jobs > 1 ? sim_xcalloc((size_t)jobs, sizeof *th) : NULL;
    int started = 0;
    if (th) {
        sigset_t saved; /* workers never take SIGINT/SIGTERM/SIGPIPE: this thread does */
        sim_signals_block(&saved);
        for (; started < jobs; started++)
            if (pthread_create(&th[started], NULL, worker, p) != 0)
                break;
        sim_signals_restore(&saved);
    }
    if (started == 0) {
        run_serial(p);
    } else {
        if (p->streams)
            commit_loop(p);
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
    }
    free(th);
    for (size_t t = 0; t < n; t++)
        drop_spools(&p->tasks[t]); /* tasks past a failure */
    int rc = 0;
    if (p->failed != SIZE_MAX) {
        rc = p->tasks[p->failed].rc;
        rc = rc == SIM_FAIL_INTERNAL || rc == SIM_FAIL_INVARIANT ? rc : SIM_FAIL_INPUT;
        sim_error_merge(err, &p->err);
    }
    pthread_cond_destroy(&p->wake_worker);
    pthread_cond_destroy(&p->wake_committer);
    pthread_mutex_destroy(&p->mu);
    free(p->tasks);
    free(p);
    if (rc != 0)
        sim_results_free(out);
    return rc;
}

uint64_t sim_run_progress_units(const sim_scenario *s, const sim_run_opts *o)
{
    uint64_t reps = o->rep_count > 0 ? (uint64_t)o->rep_count
                                     : (uint64_t)(s->replications > 0 ? s->replications : 1);
    uint64_t per_run = o->progress_runs ? 1
                                        : (uint64_t)s->workload.sessions *
                                              (uint64_t)s->workload.utterances_per_session;
    return (uint64_t)s->n_policies * reps * per_run;
}

void sim_results_free(sim_results *res)
{
    free(res->v);
    memset(res, 0, sizeof *res);
}
