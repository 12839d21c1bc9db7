/*
 * fit_class.c — nodes grouped into classes that look alike, and each class's
 * turnaround fitted (fit_internal.h): the family with the least AIC among the
 * fits that are not degenerate when its Kaplan-Meier distance is within the
 * 1 % bound, else the empirical distribution of the Kaplan-Meier quantiles; a
 * class with fewer than SIM_FIT_MIN_RESULTS results gets neither.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"
#include "xalloc.h"

typedef struct km {
    double *t, *s;
    size_t m, exact;
    double t_max; /* the last observation, exact or not */
} km;

static void km_of(const sim_fit_obs *sorted, size_t n, km *k)
{
    k->t = sim_xmalloc((n ? n : 1) * sizeof *k->t);
    k->s = sim_xmalloc((n ? n : 1) * sizeof *k->s);
    k->m = sim_fit_km(sorted, n, k->t, k->s);
    k->exact = 0;
    for (size_t i = 0; i < n; i++)
        k->exact += !sorted[i].censored;
    k->t_max = n ? sorted[n - 1].t : 0.0;
}

static void km_free(km *k)
{
    free(k->t);
    free(k->s);
}

/* S(t) of a Kaplan-Meier step function. */
static double km_at(const km *k, double t)
{
    size_t lo = 0, hi = k->m; /* the number of steps at times <= t */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (k->t[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? k->s[lo - 1] : 1.0;
}

/* The largest |S_a - S_b| at the steps of either, up to the shorter range. */
static double km_distance(const km *a, const km *b)
{
    double end = fmin(a->t_max, b->t_max), worst = 0.0;
    for (int side = 0; side < 2; side++) {
        const km *x = side ? b : a;
        for (size_t i = 0; i < x->m && x->t[i] <= end; i++)
            worst = fmax(worst, fabs(km_at(a, x->t[i]) - km_at(b, x->t[i])));
    }
    return worst;
}

static void pool(const fit_log *lg, fit_class *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_members; i++)
        n += lg->nodes[c->members[i]].n_obs;
    free(c->obs);
    c->obs = sim_xmalloc((n ? n : 1) * sizeof *c->obs);
    c->n = c->exact = 0;
    for (size_t i = 0; i < c->n_members; i++) {
        const fit_node *nd = &lg->nodes[c->members[i]];
        if (nd->n_obs)
            memcpy(c->obs + c->n, nd->obs, nd->n_obs * sizeof *c->obs);
        c->n += nd->n_obs;
        c->exact += nd->exact;
    }
    if (c->n)
        sim_fit_sort(c->obs, c->n);
}

static void join(const fit_log *lg, fit_class *c, size_t node)
{
    c->members = sim_xrealloc(c->members, (c->n_members + 1) * sizeof *c->members);
    c->members[c->n_members++] = node;
    pool(lg, c);
}

/* Quantiles of the Kaplan-Meier estimate at (i + 0.5) / N; the mass beyond its
 * last step (censored tail) goes to the largest time observed. */
static void empirical(fit_class *c)
{
    km k;
    km_of(c->obs, c->n, &k);
    c->samples = sim_xmalloc(SIM_FIT_EMPIRICAL_SAMPLES * sizeof *c->samples);
    c->n_samples = SIM_FIT_EMPIRICAL_SAMPLES;
    c->tail_mass = k.m ? k.s[k.m - 1] : 1.0;
    size_t j = 0;
    for (size_t i = 0; i < SIM_FIT_EMPIRICAL_SAMPLES; i++) {
        double u = ((double)i + 0.5) / SIM_FIT_EMPIRICAL_SAMPLES;
        while (j < k.m && 1.0 - k.s[j] < u)
            j++;
        c->samples[i] = j < k.m ? k.t[j] : k.t_max;
    }
    km_free(&k);
}

typedef struct arrival {
    int64_t at;
    size_t i;
} arrival;

static int by_arrival(const void *a, const void *b)
{
    const arrival *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

void sim__fit_serial(fit_log *lg, size_t *out_of_order, size_t *never_started)
{
    *out_of_order = *never_started = 0;
    for (size_t k = 0; k < lg->n_nodes; k++) {
        fit_node *nd = &lg->nodes[k];
        if (nd->n_obs == 0)
            continue;
        arrival *order = sim_xmalloc(nd->n_obs * sizeof *order);
        for (size_t i = 0; i < nd->n_obs; i++)
            order[i] = (arrival){nd->start[i], i};
        qsort(order, nd->n_obs, sizeof *order, by_arrival);
        sim_fit_obs *obs = sim_xmalloc(nd->n_obs * sizeof *obs);
        size_t n = 0;
        int64_t free_at = INT64_MIN; /* when the worker is free */
        nd->exact = nd->censored = 0;
        for (size_t i = 0; i < nd->n_obs; i++) {
            const sim_fit_obs *o = &nd->obs[order[i].i];
            int64_t a = order[i].at, d = a + llround(o->t * 1e9);
            int64_t begin = a > free_at ? a : free_at;
            if (d > free_at)
                free_at = d;
            if (d <= begin) {
                *(o->censored ? never_started : out_of_order) += 1;
                continue;
            }
            obs[n++] = (sim_fit_obs){(double)(d - begin) / 1e9, o->censored};
            if (o->censored)
                nd->censored++;
            else
                nd->exact++;
        }
        memcpy(nd->obs, obs, n * sizeof *obs);
        nd->n_obs = n; /* start[] no longer matches: not used again */
        free(obs);
        free(order);
    }
}

size_t sim__fit_classes(const fit_log *lg, fit_class **out)
{
    fit_class *cls = sim_xcalloc(lg->n_nodes ? lg->n_nodes : 1, sizeof *cls);
    size_t n = 0;
    bool *small = sim_xcalloc(lg->n_nodes ? lg->n_nodes : 1, sizeof *small);
    for (size_t i = 0; i < lg->n_nodes; i++) {
        const fit_node *nd = &lg->nodes[i];
        if (nd->exact < SIM_FIT_MIN_EXACT) {
            small[i] = true;
            continue;
        }
        sim_fit_obs *mine = sim_xmalloc(nd->n_obs * sizeof *mine);
        memcpy(mine, nd->obs, nd->n_obs * sizeof *mine);
        sim_fit_sort(mine, nd->n_obs);
        km a;
        km_of(mine, nd->n_obs, &a);
        size_t c = 0;
        for (; c < n; c++) {
            km b;
            km_of(cls[c].obs, cls[c].n, &b);
            double nn = (double)a.exact, mm = (double)b.exact;
            bool alike = km_distance(&a, &b) <= 1.628 * sqrt((nn + mm) / (nn * mm));
            km_free(&b);
            if (alike)
                break;
        }
        km_free(&a);
        free(mine);
        if (c == n)
            n++;
        join(lg, &cls[c], i);
    }
    /* the small ones: into the class with the most observations, or one of
     * their own when there is none */
    size_t biggest = 0;
    for (size_t c = 1; c < n; c++)
        if (cls[c].n > cls[biggest].n)
            biggest = c;
    for (size_t i = 0; i < lg->n_nodes; i++)
        if (small[i]) {
            if (n == 0)
                n = 1;
            join(lg, &cls[biggest], i);
        }
    free(small);
    for (size_t c = 0; c < n; c++) {
        fit_class *k = &cls[c];
        if (k->exact < SIM_FIT_MIN_RESULTS) { /* too few to fit: dsim fit refuses */
            for (int f = 0; f < SIM_FIT_FAMILIES; f++)
                k->fits[f] = (sim_fit){.family = (sim_fit_family)f};
            k->best = -1;
            k->ks_critical = sim_fit_ks_critical(k->exact);
            continue;
        }
        k->best = sim_fit_all(k->obs, k->n, k->fits);
        k->ks_critical = sim_fit_ks_critical(k->exact);
        k->empirical = k->best < 0 || !(k->fits[k->best].ks <= k->ks_critical);
        if (k->empirical && k->exact > 0)
            empirical(k);
    }
    *out = cls;
    return n;
}

void sim__fit_classes_free(fit_class *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].members);
        free(c[i].obs);
        free(c[i].samples);
    }
    free(c);
}
