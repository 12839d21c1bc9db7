/*
 * run.c — every (policy, replication) of a scenario on a pool of threads.
 *
 * Each task writes only its own slot of the results (and, with --log/--trace,
 * its own in-memory buffer, concatenated in task order at the end), so the
 * output is byte-identical whatever the number of threads.
 */
#include "run.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct task {
    char *log_buf, *trace_buf, *lat_buf;
    size_t log_len, trace_len, lat_len;
    int rc;
    sim_error err;
} task;

typedef struct pool {
    const sim_scenario *s;
    const sim_run_opts *o;
    sim_results *res;
    task *tasks;
    size_t n_tasks;
    atomic_size_t next;
} pool;

static void run_task(pool *p, size_t t)
{
    size_t pol = t / p->res->n_reps;
    int rep = (int)(t % p->res->n_reps);
    task *tk = &p->tasks[t];
    sim_run_opts o = *p->o;
    FILE *log = NULL, *trace = NULL, *lat = NULL;
    if (p->o->log)
        o.log = log = open_memstream(&tk->log_buf, &tk->log_len);
    if (p->o->trace)
        o.trace = trace = open_memstream(&tk->trace_buf, &tk->trace_len);
    if (p->o->latencies)
        o.latencies = lat = open_memstream(&tk->lat_buf, &tk->lat_len);
    if ((p->o->log && !log) || (p->o->trace && !trace) || (p->o->latencies && !lat)) {
        fputs("dsim: out of memory\n", stderr);
        abort();
    }
    tk->rc = sim_run_one(p->s, pol, rep, &o, sim_results_at(p->res, pol, (size_t)rep), &tk->err);
    if (log)
        fclose(log);
    if (trace)
        fclose(trace);
    if (lat)
        fclose(lat);
}

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t t = atomic_fetch_add(&p->next, 1);
        if (t >= p->n_tasks)
            return NULL;
        run_task(p, t);
    }
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
    size_t n = out->n_policies * out->n_reps;
    out->v = sim_xcalloc(n * SIM_M_COUNT, sizeof *out->v);
    pool p = {.s = s, .o = o, .res = out, .n_tasks = n};
    p.tasks = sim_xcalloc(n, sizeof *p.tasks);
    atomic_init(&p.next, 0);
    int jobs = o->jobs > 0 ? o->jobs : sim_default_jobs();
    if ((size_t)jobs > n)
        jobs = (int)n;
    if (jobs <= 1) {
        worker(&p);
    } else {
        pthread_t *th = calloc((size_t)jobs, sizeof *th);
        int started = 0;
        for (int i = 0; i < jobs && th; i++, started++)
            if (pthread_create(&th[i], NULL, worker, &p) != 0)
                break;
        if (started == 0)
            worker(&p);
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        free(th);
    }
    int rc = 0;
    for (size_t t = 0; t < n; t++) {
        task *tk = &p.tasks[t];
        if (o->log && tk->log_len)
            fwrite(tk->log_buf, 1, tk->log_len, o->log);
        if (o->trace && tk->trace_len)
            fwrite(tk->trace_buf, 1, tk->trace_len, o->trace);
        if (o->latencies && tk->lat_len)
            fwrite(tk->lat_buf, 1, tk->lat_len, o->latencies);
        free(tk->log_buf);
        free(tk->trace_buf);
        free(tk->lat_buf);
        if (tk->rc != 0 && rc == 0) {
            rc = -1;
            for (int i = 0; i < tk->err.count && i < SIM_ERR_MAX; i++)
                sim_error_add(err, "%s", tk->err.msg[i]);
        }
    }
    free(p.tasks);
    if (rc != 0)
        sim_results_free(out);
    return rc;
}

void sim_results_free(sim_results *res)
{
    free(res->v);
    memset(res, 0, sizeof *res);
}
