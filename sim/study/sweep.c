/* sweep.c — running a sweep (sweep.h): its units planned and run on threads;
 * points/ on disk and --resume: sweep_points.c; the outputs: sweep_output.c. */
#include "sweep.h"
#include "xalloc.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sweep_internal.h"

#ifndef DSIM_VERSION
#define DSIM_VERSION "dev"
#endif

/* Is unit u (a point, or a point's replication range) this shard's? */
bool sim__sweep_is_mine(const sim_sweep_opts *o, size_t u)
{
    return o->n_shards <= 1 || u % (size_t)o->n_shards == (size_t)(o->shard - 1);
}

size_t sim_sweep_slices(size_t points, int n_shards, int reps)
{
    if (n_shards <= 1 || points == 0 || (size_t)n_shards <= points || reps <= 1)
        return 1;
    size_t k = ((size_t)n_shards + points - 1) / points;
    return k < (size_t)reps ? k : (size_t)reps;
}

void sim_sweep_slice_reps(int reps, size_t slices, size_t slice, int *first, int *count)
{
    assert(slices >= 1 && slice < slices);
    size_t r = (size_t)reps;
    size_t a = slice * r / slices, b = (slice + 1) * r / slices;
    *first = (int)a;
    *count = (int)(b - a);
}

/* The replications of unit u: first and count; count 0 = all (whole points). */
void sim__sweep_unit_reps(const sweep_ctx *c, size_t u, int *first, int *count)
{
    *first = 0;
    *count = 0;
    if (c->slices > 1)
        sim_sweep_slice_reps(c->s->replications, c->slices, u % c->slices, first, count);
}

/* The sweep's identity: scenario text, seed, replications, knobs, policies, format. */
static void fingerprint(sweep_ctx *c)
{
    const sim_scenario *s = c->s;
    uint64_t h = sim_hash(SIM_HASH_INIT, &c->o->scenario_hash, sizeof(uint64_t));
    char buf[128];
    int n = snprintf(buf, sizeof buf, "%s|%llu|%d|%zu|%d|", DSIM_VERSION,
                     (unsigned long long)s->seed, s->replications, s->n_policies, SIM_M_COUNT);
    h = sim_hash(h, buf, (size_t)n);
    for (size_t p = 0; p < s->n_policies; p++)
        h = sim_hash(h, s->policies[p].name, strlen(s->policies[p].name) + 1);
    for (size_t k = 0; k < c->o->n_params; k++) {
        const sim_sweep_param *pa = &c->o->params[k];
        h = sim_hash(h, pa->key, strlen(pa->key) + 1);
        for (size_t v = 0; v < pa->n; v++)
            h = sim_hash(h, pa->values[v], strlen(pa->values[v]) + 1);
        h = sim_hash(h, "\x1e", 1);
    }
    snprintf(c->fingerprint, sizeof c->fingerprint, "%016llx", (unsigned long long)h);
}

/* The runs (policy x replication) of unit u. */
static uint64_t unit_runs(const sweep_ctx *c, size_t u)
{
    int first, count;
    sim__sweep_unit_reps(c, u, &first, &count);
    return (uint64_t)c->s->n_policies * (uint64_t)(count > 0 ? count : c->s->replications);
}

/* Piece k of the todo list: its unit and replications (count 0 = all). */
static size_t piece_of(const sweep_ctx *c, size_t k, int *first, int *count)
{
    size_t u = c->todo[k / c->pieces];
    sim__sweep_unit_reps(c, u, first, count);
    if (c->pieces > 1)
        sim_sweep_slice_reps(c->s->replications, c->pieces, k % c->pieces, first, count);
    return u;
}

/* Files piece r (replications first.. of unit u) into the unit's results, under
 * c->mu. Returns true when it was the unit's last piece. */
static bool piece_done(sweep_ctx *c, size_t u, int first, sim_results *r)
{
    if (c->pieces == 1) {
        c->res[u] = *r;
        return true;
    }
    sim_results *all = &c->res[u];
    if (all->v == NULL) {
        all->n_policies = r->n_policies;
        all->n_reps = (size_t)c->s->replications;
        all->v = sim_xcalloc(all->n_policies * all->n_reps * SIM_M_COUNT, sizeof *all->v);
    }
    for (size_t p = 0; p < r->n_policies; p++)
        memcpy(sim_results_at(all, p, (size_t)first), sim_results_at(r, p, 0),
               r->n_reps * SIM_M_COUNT * sizeof *r->v);
    free(r->v);
    return --c->left[u] == 0;
}

static void *worker(void *arg)
{
    sweep_ctx *c = arg;
    const sim_sweep_opts *o = c->o;
    size_t *choice = sim_xcalloc(o->n_params, sizeof *choice);
    sim_error *err = sim_xcalloc(1, sizeof *err);
    for (;;) {
        pthread_mutex_lock(&c->mu);
        if (c->stop || c->next >= c->n_todo * c->pieces) {
            pthread_mutex_unlock(&c->mu);
            break;
        }
        int first, count;
        size_t i = piece_of(c, c->next++, &first, &count);
        pthread_mutex_unlock(&c->mu);

        memset(err, 0, sizeof *err);
        sim_results r;
        memset(&r, 0, sizeof r);
        sim_sweep_point_choice(o->params, o->n_params, i / c->slices, choice);
        int rc = o->eval(o->eval_ctx, c->s, o->params, o->n_params, choice, first, count, &r,
                         err);
        if (rc == 0 && (r.n_policies != c->s->n_policies || r.n_reps < 1 || !r.v ||
                        (count > 0 && r.n_reps != (size_t)count))) {
            sim_error_add(err, "sweep point %zu: no results", i / c->slices);
            rc = -1;
        }
        bool filed = false, whole = false; /* r is the unit's (or freed) once filed */
        pthread_mutex_lock(&c->mu);
        if (rc == 0) {
            whole = piece_done(c, i, first, &r);
            filed = true;
        }
        pthread_mutex_unlock(&c->mu);
        /* the unit's results are complete: no other thread writes them now */
        if (rc == 0 && whole) {
            rc = sim__sweep_save_point(c, i, &c->res[i], err);
            if (rc == 0)
                sim__sweep_render_unit(c, i, choice);
        }

        pthread_mutex_lock(&c->mu);
        if (rc != 0) {
            if (!c->failed || i / c->slices < c->failed_point) {
                c->failed = true;
                c->failed_point = i / c->slices;
                c->err = *err;
            }
            c->stop = true;
            if (!filed)
                free(r.v);
        } else if (whole) {
            c->have[i] = true;
            c->done++;
        }
        pthread_mutex_unlock(&c->mu);
    }
    free(choice);
    free(err);
    return NULL;
}

/* How many replication ranges each unit is evaluated in: 1, unless the evaluator
 * allows it (o->split_replications) and the units are too few to keep o->jobs
 * threads evenly busy to the end: then enough for about PIECES_PER_THREAD pieces
 * a thread (a thread idles at most about one piece while the last ones finish). */
enum { PIECES_PER_THREAD = 32 };
static size_t pieces_per_unit(const sweep_ctx *c)
{
    size_t jobs = (size_t)(c->o->jobs > 0 ? c->o->jobs : 1);
    size_t reps = (size_t)(c->s->replications > 0 ? c->s->replications : 1);
    if (!c->o->split_replications || jobs < 2 || c->slices > 1 || c->n_todo == 0)
        return 1;
    size_t want = (PIECES_PER_THREAD * jobs + c->n_todo - 1) / c->n_todo;
    return want < 1 ? 1 : want < reps ? want : reps;
}

static int run_threads(sweep_ctx *c, sim_error *err)
{
    size_t n = (size_t)(c->o->jobs > 0 ? c->o->jobs : 1);
    n = n < c->n_todo * c->pieces ? n : c->n_todo * c->pieces;
    pthread_t *th = sim_xcalloc(n, sizeof *th);
    size_t started = 0;
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, worker, c) != 0)
            break;
    if (started == 0 && n > 0)
        worker(c); /* no thread could start: run here */
    for (size_t t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    free(th);
    if (c->failed) {
        sim_error_merge(err, &c->err);
        if (c->err.count == 0)
            sim_error_add(err, "sweep point %zu failed", c->failed_point);
        return -1;
    }
    return 0;
}

int sim_sweep_run(const sim_scenario *s, const sim_sweep_opts *o, sim_sweep_outcome *out,
                  sim_error *err)
{
    assert(s && o && out && o->eval && o->out_dir);
    assert(o->n_shards <= 1 || (o->shard >= 1 && o->shard <= o->n_shards));
    assert(s->n_policies == 0 || o->baseline < s->n_policies);
    memset(out, 0, sizeof *out);
    if (strlen(o->out_dir) > SWEEP_PATH_LEN - 128) {
        sim_error_add(err, "%.64s...: folder name too long", o->out_dir);
        return -1;
    }
    bool over = false;
    size_t n_points = sim_sweep_points(o->params, o->n_params, o->max_points, &over);
    if (over) {
        char hint[SIM_LIMITS_HINT_CAP];
        sim_error_add(err, "the sweep has more than %zu points (%s)", o->max_points,
                      sim_limits_hint("--max-sweep-points", o->max_points, hint, sizeof hint));
        return -1;
    }
    if (n_points == 0) {
        sim_error_add(err, "nothing to sweep: give --param KEY=V1,V2,... or a \"sweep\" block");
        return -1;
    }
    sweep_ctx *c = sim_xcalloc(1, sizeof *c);
    c->s = s;
    c->o = o;
    c->n_points = n_points;
    snprintf(c->points_dir, sizeof c->points_dir, "%s/points", o->out_dir);
    if (o->n_shards > 1) {
        snprintf(out->csv, sizeof out->csv, "%s/sweep-%d-of-%d.csv", o->out_dir, o->shard,
                 o->n_shards);
        snprintf(out->json, sizeof out->json, "%s/sweep-%d-of-%d.json", o->out_dir, o->shard,
                 o->n_shards);
    } else {
        snprintf(out->csv, sizeof out->csv, "%s/sweep.csv", o->out_dir);
        snprintf(out->json, sizeof out->json, "%s/sweep.json", o->out_dir);
    }
    int rc = -1;
    /* its outputs are checked before the first point runs: a sweep must not run
     * every point, then fail on a file it cannot write */
    if (sim_sweep_mkdir(c->points_dir, err) != 0 || sim_sweep_check_output(out->csv, err) != 0 ||
        sim_sweep_check_output(out->json, err) != 0)
        goto done;
    fingerprint(c);
    c->slices = sim_sweep_slices(n_points, o->n_shards, s->replications);
    c->n_units = n_points * c->slices;
    c->res = sim_xcalloc(c->n_units, sizeof *c->res);
    c->have = sim_xcalloc(c->n_units, sizeof *c->have);
    c->todo = sim_xcalloc(c->n_units, sizeof *c->todo);
    c->text = sim_xcalloc(c->n_units, sizeof *c->text);
    sim__sweep_clear_temporaries(c);
    if (!o->resume)
        sim__sweep_clear_points(c);
    uint64_t runs = 0, reused_runs = 0;
    for (size_t i = 0; i < c->n_units; i++) {
        if (!sim__sweep_is_mine(o, i))
            continue;
        c->mine++;
        runs += unit_runs(c, i);
        int got = o->resume ? sim__sweep_load_point(c, i, &c->res[i], err) : 1;
        if (got < 0)
            goto done;
        if (got == 0) {
            c->have[i] = true;
            c->done++;
            reused_runs += unit_runs(c, i);
        } else {
            c->todo[c->n_todo++] = i;
        }
    }
    out->points = n_points;
    out->slices = c->slices;
    out->mine = c->mine;
    out->reused = c->done;
    sim_progress_set_total(o->progress, runs);
    sim_progress_add(o->progress, reused_runs);
    c->pieces = pieces_per_unit(c);
    c->left = sim_xcalloc(c->n_units, sizeof *c->left);
    for (size_t k = 0; k < c->n_todo; k++)
        c->left[c->todo[k]] = c->pieces;
    pthread_mutex_init(&c->mu, NULL);
    rc = run_threads(c, err);
    pthread_mutex_destroy(&c->mu);
    if (rc == 0)
        rc = sim__sweep_write_outputs(c, out, err);
done:
    for (size_t i = 0; c->res && i < c->n_units; i++) {
        free(c->res[i].v);
        free(c->text[i].csv);
        free(c->text[i].json);
    }
    free(c->res);
    free(c->text);
    free(c->have);
    free(c->todo);
    free(c->left);
    free(c);
    return rc;
}
