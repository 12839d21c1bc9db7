/* stats.c — means, Student-t intervals, rule of three, paired comparison (stats.h). */
#include "stats.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

double sim_t975(double dof)
{
    assert(dof > 0);
    return gsl_cdf_tdist_Pinv(0.975, dof);
}

/* Names straight from the X-macro (every lost_by_cause.* is an event). */
static const char *const metric_names[SIM_M_COUNT] = {
#define STATS_NAME(id, name) name,
    SIM_METRICS(STATS_NAME)
#undef STATS_NAME
};

bool sim_metric_is_event(sim_metric m)
{
    assert((int)m >= 0 && m < SIM_M_COUNT);
    switch (m) {
    case SIM_M_DUPLICATES:
    case SIM_M_LOST:
    case SIM_M_DUPLICATE_RATE:
    case SIM_M_LOST_RATE:
    case SIM_M_OUT_OF_ORDER:
    case SIM_M_ERRORS_TO_CLIENT:
        return true;
    default:
        return strncmp(metric_names[m], "lost_by_cause.", 14) == 0;
    }
}

/* Two-pass mean and sample variance over the finite values; returns the count. */
static size_t moments(const double *x, size_t n, size_t stride, double *mean, double *var)
{
    size_t k = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (isfinite(v)) {
            sum += v;
            k++;
        }
    }
    *mean = k ? sum / (double)k : NAN;
    double ss = 0;
    for (size_t i = 0; k > 1 && i < n; i++) {
        double v = x[i * stride];
        if (isfinite(v))
            ss += (v - *mean) * (v - *mean);
    }
    *var = k > 1 ? ss / (double)(k - 1) : 0;
    return k;
}

void sim_mean_ci(const double *x, size_t n, size_t stride, double *mean, double *half,
                 size_t *count)
{
    double var;
    size_t k = moments(x, n, stride, mean, &var);
    /* One value says nothing about its spread: the half-width is unknown. */
    *half = k > 1 ? sim_t975((double)(k - 1)) * sqrt(var / (double)k) : NAN;
    if (count)
        *count = k;
}

void sim_summarize(const sim_results *res, size_t p, sim_metric m, sim_summary *out)
{
    assert(res && out && p < res->n_policies && (int)m >= 0 && m < SIM_M_COUNT);
    const double *x = res->v + p * res->n_reps * SIM_M_COUNT + m;
    sim_mean_ci(x, res->n_reps, SIM_M_COUNT, &out->mean, &out->half_width, &out->n);
    if (out->n == 0) {
        out->half_width = out->min = out->max = out->upper_bound = NAN;
        out->utterances = 0;
        return;
    }
    out->min = INFINITY;
    out->max = -INFINITY;
    for (size_t r = 0; r < res->n_reps; r++) {
        double v = x[r * SIM_M_COUNT];
        if (!isfinite(v))
            continue;
        out->min = v < out->min ? v : out->min;
        out->max = v > out->max ? v : out->max;
    }
    out->upper_bound = out->mean + out->half_width;
    out->utterances = 0;
    if (sim_summary_is_rule_of_three(out, m)) {
        /* U: mean utterances per replication of this policy (the same under CRN). */
        const double *ux = res->v + p * res->n_reps * SIM_M_COUNT + SIM_M_UTTERANCES;
        double u, u_var;
        if (moments(ux, res->n_reps, SIM_M_COUNT, &u, &u_var) > 0 && u > 0)
            out->utterances = u;
        if (m == SIM_M_DUPLICATE_RATE || m == SIM_M_LOST_RATE) {
            /* a rate per utterance: 3 / (N x U), none without a trial */
            out->upper_bound = sim_summary_rate_bound(out);
        } else {
            /* a count per replication: 3 / N, and a loss (one per utterance at
             * most) never more than the U utterances a replication has: 0 when
             * nothing was spoken, as nothing can be lost */
            bool once = m == SIM_M_LOST ||
                        (m >= SIM_M_LOST_NO_NODE && m <= SIM_M_LOST_UNFINISHED);
            out->upper_bound = 3.0 / (double)out->n;
            if (once && out->upper_bound > out->utterances)
                out->upper_bound = out->utterances;
        }
    }
}

double sim_summary_rate_bound(const sim_summary *s)
{
    assert(s);
    /* With no utterance there was no trial: no bound on a rate (not 0); 3/T
     * bounds a probability: never above 1 (fewer than 3 trials). */
    if (!(s->utterances > 0) || s->n == 0)
        return NAN;
    return fmin(3.0 / ((double)s->n * s->utterances), 1.0);
}

double sim_round_up(double x, int digits)
{
    assert(digits >= 1 && digits <= 17);
    if (!isfinite(x) || x <= 0)
        return x;
    /* x to nearest at `digits` significant digits, as %.*e writes it; one unit
     * of the last digit more when that is below x (by more than x's own
     * rounding: 3/T computed a few ulps above a two-digit decimal stays it). */
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
    char *e = strchr(buf, 'e');
    assert(e);
    int exp10 = atoi(e + 1) - (digits - 1);
    long long mant = 0;
    for (const char *c = buf; c < e; c++)
        if (*c >= '0' && *c <= '9')
            mant = mant * 10 + (*c - '0');
    snprintf(buf, sizeof buf, "%llde%d", mant, exp10);
    double y = strtod(buf, NULL);
    if (y < x * (1 - 1e-12)) {
        snprintf(buf, sizeof buf, "%llde%d", mant + 1, exp10);
        y = strtod(buf, NULL);
    }
    return y;
}

bool sim_summary_is_rule_of_three(const sim_summary *out, sim_metric m)
{
    return sim_metric_is_event(m) && out->n > 0 && out->min == 0 && out->max == 0;
}

size_t sim_paired(const sim_results *res, size_t p, size_t base, sim_metric m, double *mean,
                  double *half)
{
    assert(res && p < res->n_policies && base < res->n_policies && m < SIM_M_COUNT);
    /* Differences skip pairs with a non-finite side (NAN propagates into d). */
    size_t n = res->n_reps;
    double sum = 0;
    size_t k = 0;
    for (size_t r = 0; r < n; r++) {
        double d = sim_results_at(res, p, r)[m] - sim_results_at(res, base, r)[m];
        if (isfinite(d)) {
            sum += d;
            k++;
        }
    }
    *mean = k ? sum / (double)k : NAN;
    double ss = 0;
    for (size_t r = 0; k > 1 && r < n; r++) {
        double d = sim_results_at(res, p, r)[m] - sim_results_at(res, base, r)[m];
        if (isfinite(d))
            ss += (d - *mean) * (d - *mean);
    }
    *half = k > 1 ? sim_t975((double)(k - 1)) * sqrt(ss / (double)(k - 1) / (double)k) : NAN;
    return k;
}

void sim_unpaired(const sim_results *res, size_t p, size_t base, sim_metric m, double *mean,
                  double *half, size_t *n_p, size_t *n_base)
{
    assert(res && p < res->n_policies && base < res->n_policies && m < SIM_M_COUNT);
    double ma, va, mb, vb;
    size_t na = moments(res->v + p * res->n_reps * SIM_M_COUNT + m, res->n_reps, SIM_M_COUNT,
                        &ma, &va);
    size_t nb = moments(res->v + base * res->n_reps * SIM_M_COUNT + m, res->n_reps,
                        SIM_M_COUNT, &mb, &vb);
    if (n_p)
        *n_p = na;
    if (n_base)
        *n_base = nb;
    if (na == 0 || nb == 0) {
        *mean = *half = NAN;
        return;
    }
    *mean = ma - mb;
    double qa = va / (double)na, qb = vb / (double)nb;
    if (na < 2 || nb < 2 || qa + qb == 0) {
        *half = na < 2 || nb < 2 ? NAN : 0; /* unknown spread, or none measured */
        return;
    }
    double nu = (qa + qb) * (qa + qb) /
                (qa * qa / (double)(na - 1) + qb * qb / (double)(nb - 1));
    *half = sim_t975(nu) * sqrt(qa + qb);
}
