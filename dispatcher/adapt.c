/*
 * adapt.c — the policies beyond the reference: adaptive dispatch timeouts
 * (RFC 6298 and quantile, per node class), progress liveness (silence and phi
 * accrual), hedge delays, backoff with jitter, and the retry budget.
 *
 * libc only: the few numeric functions needed (square root, logarithm,
 * exponential) are small local helpers, so the core does not need libm.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- numeric helpers ---------------------------------------------------------- */

static double xsqrt(double x)
{
    double r = x > 1.0 ? x : 1.0;

    if (!(x > 0.0))
        return 0.0;
    for (int i = 0; i < 200; i++) {
        double next = 0.5 * (r + x / r);
        if (next >= r)
            break;
        r = next;
    }
    return r;
}

static const double LN2 = 0.69314718055994530942;

/* Natural logarithm for x > 0: scale into [0.5, 2), then 2 atanh((x-1)/(x+1)). */
static double xlog(double x)
{
    double k = 0.0, t, t2, sum = 0.0, term;

    assert(x > 0.0);
    for (int i = 0; i < 2100 && x >= 2.0; i++) {
        x *= 0.5;
        k += 1.0;
    }
    for (int i = 0; i < 2100 && x < 0.5; i++) {
        x *= 2.0;
        k -= 1.0;
    }
    t = (x - 1.0) / (x + 1.0);
    t2 = t * t;
    term = t;
    for (int n = 1; n < 200; n += 2) {
        sum += term / n;
        term *= t2;
        if (term < 1e-300 && term > -1e-300)
            break;
    }
    return 2.0 * sum + k * LN2;
}

/* e^x for moderate x: range reduction by ln 2, then a Taylor series. */
static double xexp(double x)
{
    double k = 0.0, r, sum = 1.0, term = 1.0, scale = 1.0;
    int kk;

    if (x < -700.0)
        return 0.0;
    if (x > 700.0)
        x = 700.0;
    k = (double)(long)(x / LN2);
    r = x - k * LN2;
    for (int n = 1; n < 40; n++) {
        term *= r / n;
        sum += term;
    }
    kk = (int)k;
    for (int i = 0; i < (kk < 0 ? -kk : kk); i++)
        scale *= 2.0;
    return kk < 0 ? sum / scale : sum * scale;
}

/*
 * The phi threshold as a standard score. Phi accrual (Hayashibara et al., with
 * the logistic approximation of the normal tail used by Akka):
 * P(later) = e / (1 + e), e = exp(-y (1.5976 + 0.070566 y^2)), phi = -log10 P.
 * phi > threshold  <=>  y (1.5976 + 0.070566 y^2) > ln((1 - p) / p), p = 10^-threshold.
 */
double disp__phi_z(double threshold)
{
    double p = xexp(-threshold * xlog(10.0));
    double target = xlog((1.0 - p) / p), lo = -60.0, hi = 60.0;

    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (mid * (1.5976 + 0.070566 * mid * mid) < target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* ---- node classes and duration estimates --------------------------------------- */

static bool want_window(const disp *d)
{
    return d->p.timeout.mode == DISP_TIMEOUT_QUANTILE ||
           (d->p.hedge.enabled && d->p.hedge.after == 0);
}

disp__class *disp__class_get(disp *d, uint32_t cls)
{
    int64_t *v = disp__map_get(&d->class_map, cls, 0);
    disp__class *c;

    disp_time *win = NULL;

    if (v != NULL)
        return &d->classes[*v];
    /* all the memory first: a refusal leaves everything as it was */
    if (disp__grow(d, &d->classes, &d->ccap, (uint64_t)d->nclasses + 1, sizeof *d->classes,
                   4) != 0 ||
        disp__map_reserve(d, &d->class_map, d->class_map.n + 1) != 0)
        return NULL;
    if (want_window(d)) {
        if (d->scratch == NULL &&
            (d->scratch = disp__alloc(d, (size_t)d->p.timeout.window, sizeof *d->scratch)) ==
                NULL)
            return NULL;
        if ((win = disp__alloc(d, (size_t)d->p.timeout.window, sizeof *win)) == NULL)
            return NULL;
    }
    c = &d->classes[d->nclasses];
    memset(c, 0, sizeof *c);
    c->cls = cls;
    if (win != NULL) {
        c->wcap = (uint32_t)d->p.timeout.window;
        c->win = win;
    }
    disp__map_put(&d->class_map, cls, 0, d->nclasses);
    return &d->classes[d->nclasses++];
}

void disp__class_sample(disp *d, disp__class *c, disp_time dur)
{
    double r = (double)dur;

    /* The smoothed estimates are read by the rfc6298 timeout only (the policy
     * is fixed for the handle's life): other modes do not keep them. */
    if (d->p.timeout.mode == DISP_TIMEOUT_RFC6298) {
        if (!c->has_rtt) { /* RFC 6298 2.2 */
            c->srtt = r;
            c->rttvar = r / 2.0;
            c->has_rtt = true;
        } else { /* RFC 6298 2.3, alpha 1/8, beta 1/4 */
            double diff = c->srtt > r ? c->srtt - r : r - c->srtt;
            c->rttvar = 0.75 * c->rttvar + 0.25 * diff;
            c->srtt = 0.875 * c->srtt + 0.125 * r;
        }
    }
    if (c->win != NULL) {
        c->win[c->wpos] = dur;
        c->wpos = (c->wpos + 1) % c->wcap;
        if (c->wn < c->wcap)
            c->wn++;
        c->dirty++;
    }
}

static int cmp_time(const void *x, const void *y)
{
    disp_time a = *(const disp_time *)x, b = *(const disp_time *)y;

    return (a > b) - (a < b);
}

/* The q-quantile of a sorted window: the value at rank floor(q * n). */
static disp_time rank_of(const disp_time *sorted, uint32_t n, double q)
{
    uint32_t k = (uint32_t)(q * (double)n);

    return sorted[k < n ? k : n - 1];
}

/* Refreshes the cached quantiles every wcap/16 new samples (a sort of the window). Returns false while
 * the class has too few samples for an estimate. */
static bool quantiles(disp *d, disp__class *c)
{
    uint32_t every = c->wcap / 16 ? c->wcap / 16 : 1;

    if (c->win == NULL || c->wn < DISP__EST_MIN_SAMPLES)
        return false;
    if (!c->q_valid || c->dirty >= every) {
        memcpy(d->scratch, c->win, c->wn * sizeof *c->win);
        qsort(d->scratch, c->wn, sizeof *d->scratch, cmp_time);
        c->q_timeout = rank_of(d->scratch, c->wn, d->p.timeout.q);
        c->q_hedge = rank_of(d->scratch, c->wn, d->p.hedge.after_quantile);
        c->q_valid = true;
        c->dirty = 0;
    }
    return true;
}

static disp_time clamp(const disp *d, double t)
{
    if (t < (double)d->p.timeout.min)
        return d->p.timeout.min;
    if (t > (double)d->p.timeout.max)
        return d->p.timeout.max;
    return (disp_time)t;
}

disp_time disp__timeout_for(disp *d, disp__class *c, int failovers)
{
    disp_time t;

    switch (d->p.timeout.mode) {
    case DISP_TIMEOUT_RFC6298:
        t = clamp(d, c->has_rtt ? c->srtt + d->p.timeout.k * c->rttvar
                                : (double)d->p.dispatch_timeout);
        for (int i = 0; i < failovers && t < d->p.timeout.max; i++) /* back off x2 */
            t = t > d->p.timeout.max / 2 ? d->p.timeout.max : 2 * t;
        return t;
    case DISP_TIMEOUT_QUANTILE:
        if (!quantiles(d, c))
            return d->p.dispatch_timeout;
        return clamp(d, (double)c->q_timeout * d->p.timeout.factor);
    default:
        return d->p.dispatch_timeout;
    }
}

disp_time disp__hedge_delay(disp *d, disp__class *c)
{
    disp_time t = d->p.hedge.after;

    if (t == 0)
        t = quantiles(d, c) ? c->q_hedge : d->p.dispatch_timeout / 2;
    return t > DISP_NS_PER_MS ? t : DISP_NS_PER_MS;
}

/* ---- liveness -------------------------------------------------------------------- */

disp_time disp__liveness_due(const disp *d, const disp__node *n, const disp__attempt *a)
{
    disp_time base = a->dispatched_at;

    if (a->last_progress > base)
        base = a->last_progress;
    if (n != NULL && n->last_signal > base)
        base = n->last_signal;
    if (d->p.liveness.mode == DISP_LIVENESS_PHI && n != NULL && n->phi_n >= 4) {
        double mean = n->phi_sum / n->phi_n;
        double var = n->phi_sumsq / n->phi_n - mean * mean;
        double sd = xsqrt(var > 0.0 ? var : 0.0);
        if (sd < 0.1) /* Akka's min-std-deviation: 100 ms */
            sd = 0.1;
        return base + (disp_time)((mean + d->phi_z * sd) * (double)DISP_NS_PER_S);
    }
    return base + d->p.liveness.silence;
}

/* ---- backoff with jitter (driver's random source) ----------------------------------- */

static double uniform01(disp *d)
{
    double u = d->uniform(d->uctx);

    if (!(u >= 0.0))
        return 0.0;
    return u < 1.0 ? u : 0.9999999999999999;
}

disp_time disp__backoff_delay(disp *d, disp__job *j)
{
    disp_time cap = d->p.backoff.cap, base = d->p.backoff.base, t = base, prev;

    for (int i = 0; i < j->failover_attempts && t < cap; i++)
        t = t > cap / 2 ? cap : 2 * t;
    if (t > cap)
        t = cap;
    switch (d->p.backoff.jitter) {
    case DISP_JITTER_FULL:
        return (disp_time)(uniform01(d) * (double)t);
    case DISP_JITTER_EQUAL:
        return t / 2 + (disp_time)(uniform01(d) * (double)(t - t / 2));
    case DISP_JITTER_DECORRELATED:
        prev = j->backoff_prev > 0 ? j->backoff_prev : base;
        t = base + (disp_time)(uniform01(d) * (double)(3 * prev - base));
        if (t > cap)
            t = cap;
        j->backoff_prev = t;
        return t;
    default:
        return t;
    }
}

/* ---- retry budget: Finagle-style, over a 10 s window of 1 s buckets ---------------- */

static int budget_bucket(disp *d)
{
    int64_t sec = d->now / DISP_NS_PER_S;
    int i = (int)(sec % DISP__BUDGET_SLOTS);

    if (d->budget_sec[i] != sec) {
        d->budget_sec[i] = sec;
        d->budget_dep[i] = 0.0;
        d->budget_wd[i] = 0.0;
    }
    return i;
}

void disp__budget_deposit(disp *d)
{
    if (d->p.retry_budget.enabled)
        d->budget_dep[budget_bucket(d)] += d->p.retry_budget.ratio;
}

bool disp__budget_withdraw(disp *d)
{
    int64_t sec = d->now / DISP_NS_PER_S;
    int cur = budget_bucket(d);
    double avail = d->p.retry_budget.min_per_s * DISP__BUDGET_SLOTS;

    for (int i = 0; i < DISP__BUDGET_SLOTS; i++)
        if (d->budget_sec[i] > sec - DISP__BUDGET_SLOTS)
            avail += d->budget_dep[i] - d->budget_wd[i];
    if (avail < 1.0)
        return false;
    d->budget_wd[cur] += 1.0;
    return true;
}

void disp__classes_free(disp *d)
{
    for (uint32_t i = 0; i < d->nclasses; i++)
        disp__free(d, d->classes[i].win);
    disp__free(d, d->classes);
    disp__free(d, d->scratch);
    disp__map_free(d, &d->class_map);
}
