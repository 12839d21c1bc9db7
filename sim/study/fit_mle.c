/*
 * fit_mle.c — censored maximum likelihood for three families, the
 * Kaplan-Meier estimate, and the distance between them (fit_mle.h).
 *
 * The log-likelihood of observations (t_i, c_i) is the sum over exact ones of
 * log f(t_i) and over censored ones of log S(t_i). The simplex minimizes its
 * negative over the logs of the two (positive) parameters, from a start
 * computed from the exact observations' moments; the Hessian is then taken by
 * central differences in the parameters themselves, so that its inverse is
 * their covariance.
 */
#include "fit_mle.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "xalloc.h"

#define FIT_MAX_ITER 2000
#define FIT_SIMPLEX_TOL 1e-8
/* A simplex this small that makes no more progress (GSL_ENOPROG, or the
 * iterations run out while rounding keeps it from shrinking: the start is
 * already the optimum, as for a lognormal without censoring) has converged
 * too: 1e-6 in the logs of the parameters is a relative 1e-6. */
#define FIT_STALL_TOL 1e-6
#define LOG_TINY (-745.0) /* log of the smallest subnormal: a log S that underflowed */

static const char *const family_names[SIM_FIT_FAMILIES] = {"lognormal", "gamma", "weibull"};
static const char *const param_names[SIM_FIT_FAMILIES][2] = {
    {"median", "sigma"}, {"shape", "scale"}, {"shape", "scale"}};

const char *sim_fit_family_name(sim_fit_family f)
{
    return family_names[f];
}

const char *sim_fit_param_name(sim_fit_family f, int i)
{
    return param_names[f][i];
}

const char *sim_fit_degenerate(sim_fit_family f, const double p[2])
{
    if (!(isfinite(p[0]) && isfinite(p[1]) && p[0] > 0.0 && p[1] > 0.0))
        return "a parameter that is not a positive number";
    switch (f) {
    case SIM_FIT_LOGNORMAL:
        if (p[1] < 1e-4)
            return "sigma below 1e-4: the results are (nearly) all equal";
        if (p[1] > 10.0)
            return "sigma over 10, more than a scenario takes";
        if (p[0] > SIM_MAX_SECONDS)
            return "a median over 1e7 s";
        return NULL;
    case SIM_FIT_GAMMA:
        if (p[0] > 1e8)
            return "shape over 1e8: the results are (nearly) all equal";
        if (p[1] > SIM_MAX_SECONDS || p[0] * p[1] > SIM_MAX_SECONDS)
            return "a scale or mean over 1e7 s";
        return NULL;
    default:
        if (p[0] > 1e4)
            return "shape over 1e4: the results are (nearly) all equal";
        if (p[0] < 0.01)
            return "shape below 0.01, less than a scenario takes";
        if (p[1] > SIM_MAX_SECONDS)
            return "a scale over 1e7 s";
        return NULL;
    }
}

/* What log f and log S need of the parameters, computed once per evaluation. */
typedef struct fit_consts {
    sim_fit_family f;
    double a, b, c; /* lognormal: log median, sigma, log sigma + log sqrt(2 pi);
                       gamma: shape, scale, lngamma(shape) + shape log scale;
                       Weibull: shape, scale, log shape - shape log scale */
} fit_consts;

static fit_consts consts_of(sim_fit_family f, const double p[2])
{
    fit_consts k = {f, 0, 0, 0};
    switch (f) {
    case SIM_FIT_LOGNORMAL:
        k.a = log(p[0]);
        k.b = p[1];
        k.c = log(p[1]) + 0.5 * log(2.0 * M_PI);
        break;
    case SIM_FIT_GAMMA:
        k.a = p[0];
        k.b = p[1];
        k.c = gsl_sf_lngamma(p[0]) + p[0] * log(p[1]);
        break;
    default:
        k.a = p[0];
        k.b = p[1];
        k.c = log(p[0]) - p[0] * log(p[1]);
        break;
    }
    return k;
}

/* log f(t) (when want_f) or log S(t) (otherwise) at t > 0. */
static double log_term(const fit_consts *k, double t, bool want_f)
{
    double lt = log(t), v;
    switch (k->f) {
    case SIM_FIT_LOGNORMAL: {
        double z = (lt - k->a) / k->b;
        v = want_f ? -lt - k->c - 0.5 * z * z : gsl_sf_log_erfc(z / M_SQRT2) - M_LN2;
        break;
    }
    case SIM_FIT_GAMMA: {
        double x = t / k->b;
        if (want_f)
            v = (k->a - 1.0) * lt - x - k->c;
        else {
            gsl_sf_result r;
            v = gsl_sf_gamma_inc_Q_e(k->a, x, &r) == GSL_SUCCESS && r.val > 0.0 ? log(r.val)
                                                                               : LOG_TINY;
        }
        break;
    }
    default: { /* Weibull: f = k/lam (t/lam)^(k-1) exp(-(t/lam)^k) */
        double z = exp(k->a * (lt - log(k->b)));
        v = want_f ? k->c + (k->a - 1.0) * lt - z : -z;
        break;
    }
    }
    if (!want_f && !(v >= LOG_TINY))
        v = LOG_TINY;
    return v;
}

double sim_fit_survival(sim_fit_family f, const double p[2], double t)
{
    if (!(t > 0.0))
        return 1.0;
    fit_consts k = consts_of(f, p);
    double ls = log_term(&k, t, false);
    return ls <= LOG_TINY ? 0.0 : exp(ls);
}

double sim_fit_quantile(sim_fit_family f, const double p[2], double q)
{
    switch (f) {
    case SIM_FIT_LOGNORMAL:
        return p[0] * exp(p[1] * gsl_cdf_ugaussian_Pinv(q));
    case SIM_FIT_WEIBULL:
        return p[1] * pow(-log1p(-q), 1.0 / p[0]);
    default: {
        /* gamma: bisection on log t (converges for every shape) */
        double lo = -700.0, hi = 700.0;
        for (int i = 0; i < 200 && hi - lo > 1e-12 * (1.0 + fabs(lo)); i++) {
            double mid = 0.5 * (lo + hi);
            if (1.0 - sim_fit_survival(f, p, exp(mid)) < q)
                lo = mid;
            else
                hi = mid;
        }
        return exp(0.5 * (lo + hi));
    }
    }
}

/* ---- the likelihood ------------------------------------------------------- */

typedef struct fit_data {
    const sim_fit_obs *obs;
    size_t n;
    sim_fit_family f;
} fit_data;

static double nll_at(const fit_data *d, const double p[2])
{
    if (!(p[0] > 0.0 && p[1] > 0.0 && isfinite(p[0]) && isfinite(p[1])))
        return GSL_POSINF;
    fit_consts k = consts_of(d->f, p);
    double sum = 0.0;
    for (size_t i = 0; i < d->n; i++)
        sum += log_term(&k, d->obs[i].t, !d->obs[i].censored);
    return isfinite(sum) ? -sum : GSL_POSINF;
}

static double simplex_f(const gsl_vector *x, void *params)
{
    double p[2] = {exp(gsl_vector_get(x, 0)), exp(gsl_vector_get(x, 1))};
    return nll_at(params, p);
}

/* A start from the exact observations: mean and sd of t and of log t. */
static void start_at(const fit_data *d, double p[2])
{
    double m = 0, m2 = 0, lm = 0, lm2 = 0;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->obs[i].censored)
            continue;
        double t = d->obs[i].t, lt = log(t);
        m += t;
        m2 += t * t;
        lm += lt;
        lm2 += lt * lt;
        k++;
    }
    m /= (double)k;
    lm /= (double)k;
    double var = fmax(m2 / (double)k - m * m, 1e-12 * m * m);
    double ls = sqrt(fmax(lm2 / (double)k - lm * lm, 1e-6));
    switch (d->f) {
    case SIM_FIT_LOGNORMAL:
        p[0] = exp(lm);
        p[1] = ls;
        break;
    case SIM_FIT_GAMMA:
        p[0] = m * m / var;
        p[1] = var / m;
        break;
    default:
        p[0] = 1.2 / ls;
        p[1] = exp(lm + 0.5772 / p[0]);
        break;
    }
}

/* The covariance of p: the inverse of the Hessian of the negative
 * log-likelihood by central differences. Returns false when it is not
 * positive definite (or not finite). */
static bool standard_errors(const fit_data *d, const double p[2], double f0, double se[2])
{
    double h[2] = {1e-4 * p[0], 1e-4 * p[1]}, H[2][2];
    for (int i = 0; i < 2; i++) {
        double a[2] = {p[0], p[1]}, b[2] = {p[0], p[1]};
        a[i] += h[i];
        b[i] -= h[i];
        H[i][i] = (nll_at(d, a) - 2.0 * f0 + nll_at(d, b)) / (h[i] * h[i]);
    }
    double pp[2] = {p[0] + h[0], p[1] + h[1]}, pm[2] = {p[0] + h[0], p[1] - h[1]};
    double mp[2] = {p[0] - h[0], p[1] + h[1]}, mm[2] = {p[0] - h[0], p[1] - h[1]};
    H[0][1] = H[1][0] =
        (nll_at(d, pp) - nll_at(d, pm) - nll_at(d, mp) + nll_at(d, mm)) / (4.0 * h[0] * h[1]);
    double det = H[0][0] * H[1][1] - H[0][1] * H[1][0];
    if (!(det > 0.0 && H[0][0] > 0.0 && isfinite(det)))
        return false;
    se[0] = sqrt(H[1][1] / det);
    se[1] = sqrt(H[0][0] / det);
    return isfinite(se[0]) && isfinite(se[1]);
}

int sim_fit_mle(const sim_fit_obs *obs, size_t n, sim_fit_family f, sim_fit *out)
{
    gsl_set_error_handler_off(); /* failures come back as statuses (dist.c does the same) */
    memset(out, 0, sizeof *out);
    out->family = f;
    out->nll = out->aic = out->ks = NAN;
    out->se[0] = out->se[1] = NAN;
    size_t exact = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(obs[i].t > 0.0 && isfinite(obs[i].t)))
            return -1;
        exact += !obs[i].censored;
    }
    if (exact < 2)
        return -1;
    fit_data d = {obs, n, f};
    double p[2];
    start_at(&d, p);
    gsl_vector *x = gsl_vector_alloc(2), *step = gsl_vector_alloc(2);
    gsl_vector_set(x, 0, log(p[0]));
    gsl_vector_set(x, 1, log(p[1]));
    gsl_vector_set_all(step, 0.3);
    gsl_multimin_function fn = {simplex_f, 2, &d};
    gsl_multimin_fminimizer *m = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 2);
    int status = GSL_CONTINUE;
    if (m && gsl_multimin_fminimizer_set(m, &fn, x, step) == GSL_SUCCESS) {
        /* a second run from the optimum with a small simplex: a simplex can
         * stall on a ridge; the first converged answer stands if the second
         * makes no progress */
        for (int round = 0; round < 2; round++) {
            int st = GSL_CONTINUE;
            for (int it = 0; it < FIT_MAX_ITER && st == GSL_CONTINUE; it++) {
                out->iterations++;
                if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS)
                    break;
                st = gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), FIT_SIMPLEX_TOL);
            }
            if (st != GSL_SUCCESS && gsl_multimin_fminimizer_size(m) < FIT_STALL_TOL)
                st = GSL_SUCCESS;
            if (st == GSL_SUCCESS)
                status = GSL_SUCCESS;
            if (status != GSL_SUCCESS || round == 1)
                break;
            gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(m));
            gsl_vector_set_all(step, 0.05);
            if (gsl_multimin_fminimizer_set(m, &fn, x, step) != GSL_SUCCESS)
                break;
        }
    }
    if (status == GSL_SUCCESS) {
        const gsl_vector *best = gsl_multimin_fminimizer_x(m);
        out->p[0] = exp(gsl_vector_get(best, 0));
        out->p[1] = exp(gsl_vector_get(best, 1));
        out->nll = nll_at(&d, out->p);
        out->ok = isfinite(out->nll);
    }
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(x);
    gsl_vector_free(step);
    if (!out->ok)
        return -1;
    if (sim_fit_degenerate(f, out->p)) {
        out->degenerate = true;
        return -1;
    }
    out->aic = 2.0 * 2.0 + 2.0 * out->nll;
    out->has_se = standard_errors(&d, out->p, out->nll, out->se);
    if (!out->has_se)
        out->se[0] = out->se[1] = NAN;
    sim_fit_obs *sorted = sim_xmalloc(n * sizeof *sorted);
    double *kt = sim_xmalloc(n * sizeof *kt), *ks = sim_xmalloc(n * sizeof *ks);
    memcpy(sorted, obs, n * sizeof *sorted);
    sim_fit_sort(sorted, n);
    size_t steps = sim_fit_km(sorted, n, kt, ks);
    out->ks = sim_fit_km_distance(f, out->p, kt, ks, steps);
    free(sorted);
    free(kt);
    free(ks);
    return 0;
}

/* ---- Kaplan-Meier --------------------------------------------------------- */

static int by_time(const void *a, const void *b)
{
    const sim_fit_obs *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (int)x->censored - (int)y->censored; /* exact first */
}

void sim_fit_sort(sim_fit_obs *obs, size_t n)
{
    if (n > 1)
        qsort(obs, n, sizeof *obs, by_time);
}

size_t sim_fit_km(const sim_fit_obs *obs, size_t n, double *t, double *surv)
{
    double s = 1.0;
    size_t m = 0, i = 0;
    while (i < n) {
        double at = obs[i].t;
        size_t risk = n - i, deaths = 0, j = i;
        for (; j < n && obs[j].t == at; j++)
            deaths += !obs[j].censored;
        if (deaths) {
            s *= 1.0 - (double)deaths / (double)risk;
            t[m] = at;
            surv[m] = s;
            m++;
        }
        i = j;
    }
    return m;
}

double sim_fit_km_distance(sim_fit_family f, const double p[2], const double *t,
                           const double *surv, size_t m)
{
    if (m == 0)
        return NAN;
    double worst = 0.0, before = 1.0;
    for (size_t j = 0; j < m; j++) {
        double s = sim_fit_survival(f, p, t[j]);
        worst = fmax(worst, fmax(fabs(s - before), fabs(s - surv[j])));
        before = surv[j];
    }
    return worst;
}

double sim_fit_ks_critical(size_t n_exact)
{
    return n_exact ? 1.628 / sqrt((double)n_exact) : NAN;
}

int sim_fit_all(const sim_fit_obs *obs, size_t n, sim_fit fits[SIM_FIT_FAMILIES])
{
    int best = -1;
    for (int f = 0; f < SIM_FIT_FAMILIES; f++)
        if (sim_fit_mle(obs, n, (sim_fit_family)f, &fits[f]) == 0 &&
            (best < 0 || fits[f].aic < fits[best].aic))
            best = f;
    return best;
}
