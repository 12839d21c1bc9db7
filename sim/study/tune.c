/* tune.c — grid-then-compass search with common random numbers (tune.h). */
#include "tune.h"
#include "xalloc.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define TUNE_ITER_MAX 10000 /* refinement rounds */

uint64_t sim_tune_confirm_seed(uint64_t seed)
{
    /* splitmix64 of the seed xor "confirm": a different, fixed family of worlds;
     * `dsim run --seed` with this seed replays them. */
    uint64_t z = seed ^ 0x636f6e6669726dULL;
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    z &= INT64_MAX; /* a seed `dsim run --seed` accepts */
    return z == seed ? (z + 1) & INT64_MAX : z;
}

void sim_tune_setting_metric(const sim_tune_setting *s, sim_metric m, double *mean, double *hw)
{
    sim_mean_ci(s->v + m, s->reps, SIM_M_COUNT, mean, hw, NULL);
}

/* Mean, half-width and number of replications where e is defined (a latency
 * is not where nothing was delivered). */
static size_t setting_expr(const sim_tune_setting *s, const sim_expr *e, double *mean,
                           double *hw)
{
    double *x = sim_xcalloc(s->reps, sizeof *x);
    for (size_t r = 0; r < s->reps; r++)
        x[r] = sim_expr_eval(e, s->v + r * SIM_M_COUNT);
    size_t n;
    sim_mean_ci(x, s->reps, 1, mean, hw, &n);
    free(x);
    return n;
}

void sim_tune_setting_expr(const sim_tune_setting *s, const sim_expr *e, double *mean,
                           double *hw)
{
    setting_expr(s, e, mean, hw);
}

/* What an undefined figure costs: more than any real violation. */
#define TUNE_UNDEFINED 1e300

/* Objective and constraint violation of a freshly run setting. An objective or
 * constraint undefined on some replication (latency_s.* of a run that delivered
 * nothing) is not a small number: the setting is infeasible, ranked after every
 * setting where all is defined, and never the best of a feasible search. */
static void score(const sim_tune_opts *o, sim_tune_setting *s)
{
    size_t n = setting_expr(s, &o->objective, &s->objective, &s->objective_hw);
    double tie_hw;
    if (setting_expr(s, &o->tie_break, &s->tie, &tie_hw) < s->reps || !isfinite(s->tie))
        s->tie = INFINITY;
    s->violation = 0;
    if (n < s->reps) {
        s->objective = INFINITY;
        s->violation += TUNE_UNDEFINED;
    }
    for (size_t c = 0; c < o->n_constraints; c++) {
        const sim_constraint *k = &o->constraints[c];
        double lhs, hw;
        size_t m = setting_expr(s, &k->lhs, &lhs, &hw);
        double scale = fabs(k->bound) > 1 ? fabs(k->bound) : 1;
        double over = k->at_most ? lhs - k->bound : k->bound - lhs;
        if (m < s->reps || !isfinite(lhs))
            s->violation += TUNE_UNDEFINED;
        else if (over > 0)
            s->violation += over / scale;
    }
}

/* True when a ranks before b. */
static bool better(const sim_tune_setting *a, const sim_tune_setting *b)
{
    bool fa = a->violation == 0, fb = b->violation == 0;
    if (fa != fb)
        return fa;
    if (!fa && a->violation != b->violation)
        return a->violation < b->violation;
    if (fa && a->objective != b->objective)
        return a->objective < b->objective;
    if (a->tie != b->tie)
        return a->tie < b->tie;
    return a->order < b->order;
}

/* --- parallel evaluation ----------------------------------------------------- */

typedef struct batch {
    const sim_tune_opts *o;
    void **worlds;
    sim_tune_setting *out;
    size_t k, reps;
    atomic_size_t next;
    pthread_mutex_t mu;
    bool failed;
    size_t failed_task;
    sim_error err;
} batch;

static void *batch_worker(void *arg)
{
    batch *b = arg;
    sim_error *err = sim_xcalloc(1, sizeof *err);
    for (;;) {
        size_t t = atomic_fetch_add(&b->next, 1);
        if (t >= b->k * b->reps)
            break;
        size_t i = t / b->reps, r = t % b->reps;
        memset(err, 0, sizeof *err);
        int rc = b->o->eval.run(b->o->eval.ctx, b->worlds[i], (int)r,
                                b->out[i].v + r * SIM_M_COUNT, err);
        sim_progress_add(b->o->progress, 1);
        if (rc != 0) {
            pthread_mutex_lock(&b->mu);
            if (!b->failed || t < b->failed_task) {
                b->failed = true;
                b->failed_task = t;
                b->err = *err;
            }
            pthread_mutex_unlock(&b->mu);
        }
    }
    free(err);
    return NULL;
}

/* Runs settings xs[0..k) (each n_knobs coordinates) on R replications of `seed`
 * into out[0..k). Returns 0 or -1 (err). */
static int evaluate(const sim_tune_opts *o, const double *xs, size_t k, uint64_t seed,
                    sim_tune_setting *out, sim_error *err)
{
    batch *b = sim_xcalloc(1, sizeof *b);
    b->o = o;
    b->k = k;
    b->reps = (size_t)o->replications;
    b->out = out;
    b->worlds = sim_xcalloc(k, sizeof *b->worlds);
    int rc = 0;
    for (size_t i = 0; i < k; i++) {
        memset(&out[i], 0, sizeof out[i]);
        memcpy(out[i].x, xs + i * o->n_knobs, o->n_knobs * sizeof(double));
        out[i].reps = b->reps;
        out[i].v = sim_xcalloc(b->reps * SIM_M_COUNT, sizeof(double));
        if (rc == 0 && !(b->worlds[i] = o->eval.prepare(o->eval.ctx, out[i].x, seed, err)))
            rc = -1;
    }
    if (rc == 0) {
        atomic_init(&b->next, 0);
        pthread_mutex_init(&b->mu, NULL);
        size_t n = (size_t)(o->jobs > 0 ? o->jobs : 1);
        n = n < k * b->reps ? n : k * b->reps;
        pthread_t *th = sim_xcalloc(n, sizeof *th);
        size_t started = 0;
        for (; n > 1 && started < n; started++)
            if (pthread_create(&th[started], NULL, batch_worker, b) != 0)
                break;
        if (started == 0)
            batch_worker(b);
        for (size_t t = 0; t < started; t++)
            pthread_join(th[t], NULL);
        free(th);
        pthread_mutex_destroy(&b->mu);
        if (b->failed) {
            sim_error_merge(err, &b->err);
            if (b->err.count == 0)
                sim_error_add(err, "tune: an evaluation failed");
            rc = -1;
        }
    }
    for (size_t i = 0; i < k; i++) {
        if (b->worlds[i])
            o->eval.release(o->eval.ctx, b->worlds[i]);
        if (rc == 0)
            score(o, &out[i]);
    }
    free(b->worlds);
    free(b);
    if (rc != 0)
        for (size_t i = 0; i < k; i++) {
            free(out[i].v);
            out[i].v = NULL;
        }
    return rc;
}

/* --- the search -------------------------------------------------------------- */

typedef struct tuner {
    const sim_tune_opts *o;
    sim_tune_result *res;
    size_t cap;
    size_t settings_max; /* budget / R */
} tuner;

/* True when a and b are the same setting. The grid's levels and the compass's
 * steps reach one point by different sums (5 + 115/3 and 62.5 - 115/6 are one
 * ulp apart), so a real knob's coordinates are the same within 1e-9 of its
 * range (and a few ulps of the value, for a range far below it): every two
 * settings the search makes lie at least its last step, 1e-3 of the range /
 * 2, apart. Integer and list knobs hold whole numbers: exact. */
static bool same_setting(const sim_tune_opts *o, const double *a, const double *b)
{
    for (size_t k = 0; k < o->n_knobs; k++) {
        if (a[k] == b[k])
            continue;
        const sim_tune_knob *kn = &o->knobs[k];
        if (kn->kind != SIM_KNOB_REAL)
            return false;
        double tol = fmax(1e-9 * (kn->hi - kn->lo), 4 * DBL_EPSILON * fmax(fabs(a[k]), fabs(b[k])));
        if (!(fabs(a[k] - b[k]) <= tol))
            return false;
    }
    return true;
}

static bool seen(const tuner *t, const double *x)
{
    for (size_t i = 0; i < t->res->n; i++)
        if (same_setting(t->o, t->res->all[i].x, x))
            return true;
    return false;
}

/* Evaluates the settings of xs not seen yet, as many as the budget allows.
 * Returns the number evaluated, or -1 (err). */
static long run_new(tuner *t, const double *xs, size_t k, sim_error *err)
{
    size_t d = t->o->n_knobs;
    double *fresh = sim_xcalloc(k * d, sizeof *fresh);
    size_t n = 0;
    for (size_t i = 0; i < k && t->res->n + n < t->settings_max; i++) {
        const double *x = xs + i * d;
        bool dup = seen(t, x);
        for (size_t j = 0; j < n && !dup; j++)
            dup = same_setting(t->o, fresh + j * d, x);
        if (!dup)
            memcpy(fresh + n++ * d, x, d * sizeof(double));
    }
    if (t->res->n + n > t->cap) {
        t->cap = (t->res->n + n) * 2;
        t->res->all = sim_xrealloc(t->res->all, t->cap * sizeof *t->res->all);
    }
    sim_tune_setting *out = t->res->all + t->res->n;
    if (n > 0 && evaluate(t->o, fresh, n, t->o->seed, out, err) != 0) {
        free(fresh);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        out[i].order = t->res->n + i;
    t->res->n += n;
    t->res->runs += n * (size_t)t->o->replications;
    free(fresh);
    return (long)n;
}

static size_t best_index(const sim_tune_result *r, size_t skip)
{
    size_t b = r->n;
    for (size_t i = 0; i < r->n; i++)
        if (i != skip && (b == r->n || better(&r->all[i], &r->all[b])))
            b = i;
    return b;
}

static double snap(const sim_tune_knob *k, double x)
{
    x = x < k->lo ? k->lo : x > k->hi ? k->hi : x;
    return k->kind == SIM_KNOB_INT ? floor(x + 0.5) : x;
}

/* Levels per numeric knob of the grid: the largest g >= 2 with g^dn x (product
 * of the list sizes) within half the settings budget. *dn and *lists receive the
 * number of numeric knobs and that product (as a double: it may be huge). */
static size_t grid_levels(const tuner *t, size_t *dn, double *lists)
{
    const sim_tune_opts *o = t->o;
    *dn = 0;
    *lists = 1;
    for (size_t k = 0; k < o->n_knobs; k++) {
        if (o->knobs[k].kind == SIM_KNOB_LIST)
            *lists *= (double)o->knobs[k].n;
        else
            (*dn)++;
    }
    double share = t->settings_max / 2 > 0 ? (double)(t->settings_max / 2) : 1;
    size_t g = 2;
    while (*dn > 0 && g < 1000 && pow((double)(g + 1), (double)*dn) * *lists <= share)
        g++;
    return g;
}

/* The grid: levels[k][0..nl[k]) per knob, enumerated first knob slowest. */
static int grid(tuner *t, sim_error *err)
{
    const sim_tune_opts *o = t->o;
    size_t d = o->n_knobs, dn;
    double lists;
    size_t g = grid_levels(t, &dn, &lists);
    double need = pow(2.0, (double)dn) * lists;
    if (need > (double)t->settings_max) {
        sim_error_add(err, "tune: --budget %zu is too small: the coarsest grid has %.0f settings "
                           "x %d replications = %.0f runs",
                      o->budget, need, o->replications, need * o->replications);
        return -1;
    }
    double *levels[SIM_TUNE_KNOBS_MAX];
    size_t nl[SIM_TUNE_KNOBS_MAX], total = 1;
    for (size_t k = 0; k < d; k++) {
        const sim_tune_knob *kn = &o->knobs[k];
        size_t cnt = kn->kind == SIM_KNOB_LIST ? kn->n : g;
        levels[k] = sim_xcalloc(cnt, sizeof(double));
        nl[k] = 0;
        for (size_t i = 0; i < cnt; i++) {
            double x = kn->kind == SIM_KNOB_LIST
                           ? (double)i
                           : snap(kn, kn->lo + (kn->hi - kn->lo) * (double)i / (double)(g - 1));
            if (nl[k] == 0 || levels[k][nl[k] - 1] != x)
                levels[k][nl[k]++] = x;
        }
        total *= nl[k];
    }
    double *xs = sim_xcalloc(total * d, sizeof *xs);
    for (size_t i = 0; i < total; i++) {
        size_t rest = i;
        for (size_t k = d; k-- > 0;) {
            xs[i * d + k] = levels[k][rest % nl[k]];
            rest /= nl[k];
        }
    }
    long rc = run_new(t, xs, total, err);
    free(xs);
    for (size_t k = 0; k < d; k++)
        free(levels[k]);
    return rc < 0 ? -1 : 0;
}

/* Compass search around the best setting until resolution or budget. */
static int refine(tuner *t, sim_error *err)
{
    const sim_tune_opts *o = t->o;
    size_t d = o->n_knobs;
    double h[SIM_TUNE_KNOBS_MAX], lists;
    size_t dn, g = grid_levels(t, &dn, &lists);
    if (dn == 0)
        return 0;
    for (size_t k = 0; k < d; k++) /* start from the grid's step */
        h[k] = (o->knobs[k].hi - o->knobs[k].lo) / (double)(g - 1);
    double *xs = sim_xcalloc(2 * d * d, sizeof *xs);
    size_t center = best_index(t->res, t->res->n);
    for (int iter = 0; iter < TUNE_ITER_MAX; iter++) {
        size_t k_new = 0;
        bool active = false;
        for (size_t k = 0; k < d; k++) {
            const sim_tune_knob *kn = &o->knobs[k];
            if (kn->kind == SIM_KNOB_LIST)
                continue;
            double res = kn->kind == SIM_KNOB_INT ? 1.0 : 1e-3 * (kn->hi - kn->lo);
            if (h[k] < res)
                continue;
            active = true;
            for (int s = -1; s <= 1; s += 2) {
                double *x = xs + k_new * d;
                memcpy(x, t->res->all[center].x, d * sizeof(double));
                double step = kn->kind == SIM_KNOB_INT ? floor(h[k] + 0.5) : h[k];
                x[k] = snap(kn, x[k] + s * step);
                if (x[k] != t->res->all[center].x[k])
                    k_new++;
            }
        }
        if (!active || t->res->n >= t->settings_max)
            break;
        if (run_new(t, xs, k_new, err) < 0) {
            free(xs);
            return -1;
        }
        size_t b = best_index(t->res, t->res->n);
        if (b != center) {
            center = b;
        } else {
            for (size_t k = 0; k < d; k++)
                h[k] /= 2;
        }
    }
    free(xs);
    return 0;
}

int sim_tune_run(const sim_tune_opts *o, sim_tune_result *out, sim_error *err)
{
    assert(o && out && o->n_knobs > 0 && o->n_knobs <= SIM_TUNE_KNOBS_MAX);
    assert(o->replications >= 1 && o->eval.prepare && o->eval.run && o->eval.release);
    memset(out, 0, sizeof *out);
    tuner t = {.o = o, .res = out, .settings_max = o->budget / (size_t)o->replications};
    uint64_t confirm_runs = 2 * (uint64_t)o->replications;
    sim_progress_set_total(o->progress, t.settings_max * (uint64_t)o->replications + confirm_runs);
    if (t.settings_max == 0 || grid(&t, err) != 0 || refine(&t, err) != 0) {
        if (t.settings_max == 0)
            sim_error_add(err, "tune: --budget %zu is below one setting's %d replications",
                          o->budget, o->replications);
        sim_tune_result_free(out);
        return -1;
    }
    out->best = best_index(out, out->n);
    out->runner_up = best_index(out, out->best);
    out->feasible = out->all[out->best].violation == 0;
    out->confirm_seed = sim_tune_confirm_seed(o->seed);
    double xs[2 * SIM_TUNE_KNOBS_MAX];
    sim_tune_setting conf[2];
    size_t k = out->runner_up < out->n ? 2 : 1;
    sim_progress_set_total(o->progress, out->runs + k * (uint64_t)o->replications);
    memcpy(xs, out->all[out->best].x, o->n_knobs * sizeof(double));
    if (k == 2)
        memcpy(xs + o->n_knobs, out->all[out->runner_up].x, o->n_knobs * sizeof(double));
    if (evaluate(o, xs, k, out->confirm_seed, conf, err) != 0) {
        sim_tune_result_free(out);
        return -1;
    }
    out->confirm_best = conf[0];
    out->confirmed = conf[0].violation == 0;
    if (k == 2)
        out->confirm_runner_up = conf[1];
    return 0;
}

void sim_tune_result_free(sim_tune_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->all[i].v);
    free(r->all);
    free(r->confirm_best.v);
    free(r->confirm_runner_up.v);
    memset(r, 0, sizeof *r);
}
