/*
 * fit_mle.h — service-time distributions fitted to right-censored observations:
 * maximum likelihood for lognormal, gamma and Weibull (GSL's Nelder-Mead
 * simplex on the log-parameters), standard errors from the numerical Hessian
 * (the inverse observed information), AIC, the Kaplan-Meier estimate and the
 * largest vertical distance between a fitted survival and it.
 *
 * An observation is a duration in seconds (> 0) and whether it is censored: a
 * censored one says only "longer than this" (an attempt that timed out or was
 * cancelled before its result). Its likelihood term is the survival S(t), an
 * exact one's the density f(t).
 */
#ifndef DSIM_FIT_MLE_H
#define DSIM_FIT_MLE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sim_fit_obs {
    double t;        /* seconds, > 0 */
    bool censored;   /* true: the duration is longer than t */
} sim_fit_obs;

typedef enum {
    SIM_FIT_LOGNORMAL, /* p[0] median, p[1] sigma (scenario: lognormal {median, sigma}) */
    SIM_FIT_GAMMA,     /* p[0] shape, p[1] scale */
    SIM_FIT_WEIBULL,   /* p[0] shape, p[1] scale */
    SIM_FIT_FAMILIES
} sim_fit_family;

/* The family's name as a scenario's "dist" writes it, and its parameters'. */
const char *sim_fit_family_name(sim_fit_family f);
const char *sim_fit_param_name(sim_fit_family f, int i);

typedef struct sim_fit {
    sim_fit_family family;
    bool ok;          /* the minimizer converged to finite parameters */
    bool degenerate;  /* ok, but the optimum is no distribution a scenario can use
                         (sim_fit_degenerate): not fitted */
    bool has_se;      /* the Hessian was positive definite: se[] are defined */
    double p[2];      /* parameters (see sim_fit_family) */
    double se[2];     /* their standard errors (has_se) */
    double nll;       /* negative log-likelihood at p */
    double aic;       /* 2 * 2 + 2 * nll */
    double ks;        /* max |S_fit(t) - S_KM(t)| over the observed range */
    int iterations;
} sim_fit;

/*
 * Why parameters p of family f are a degenerate optimum, or NULL when they are
 * not: a spread so small that the results are (nearly) all equal, a coefficient
 * of variation below about 1e-4 (lognormal sigma < 1e-4, gamma shape > 1e8,
 * Weibull shape > 1e4: what tied durations, from timestamps in whole seconds,
 * give), or a parameter beyond what a scenario takes (lognormal sigma > 10,
 * Weibull shape < 0.01, a median, scale or gamma mean over 1e7 s). The text
 * (static) names the parameter.
 */
const char *sim_fit_degenerate(sim_fit_family f, const double p[2]);

/* Survival S(t) = P(T > t) of family f with parameters p. */
double sim_fit_survival(sim_fit_family f, const double p[2], double t);

/* Quantile: the t with S(t) = 1 - q, for 0 < q < 1. */
double sim_fit_quantile(sim_fit_family f, const double p[2], double q);

/* Sorts obs by time, exact before censored at equal times (the order the
 * Kaplan-Meier estimate wants). */
void sim_fit_sort(sim_fit_obs *obs, size_t n);

/*
 * The Kaplan-Meier estimate of sorted obs (sim_fit_sort): at each distinct
 * exact time t[j], the survival just after it, surv[j]. Writes at most n
 * steps into t and surv (caller's arrays of n) and returns how many. Censored
 * observations at a time are still at risk at that time.
 */
size_t sim_fit_km(const sim_fit_obs *obs, size_t n, double *t, double *surv);

/* Max vertical distance between family f with p and the Kaplan-Meier steps
 * (t, surv, m) of sorted obs, both sides of every step; NaN when m == 0. */
double sim_fit_km_distance(sim_fit_family f, const double p[2], const double *t,
                           const double *surv, size_t m);

/*
 * Fits family f to obs[0..n) (any order) by maximum likelihood with censoring.
 * Needs at least 2 exact observations and every t > 0; otherwise, or when the
 * minimizer fails, returns -1 with out->ok false. A degenerate optimum
 * (sim_fit_degenerate) returns -1 with out->ok and out->degenerate true and its
 * p, without standard errors or ks. Otherwise fills out (and its ks) and
 * returns 0. Deterministic: the same observations give the same bits.
 */
int sim_fit_mle(const sim_fit_obs *obs, size_t n, sim_fit_family f, sim_fit *out);

/* The critical Kaplan-Meier distance below which a family "fits": the
 * one-sample Kolmogorov-Smirnov bound at level 0.01, 1.628 / sqrt(n_exact)
 * (n_exact: uncensored observations; an approximation under censoring). */
double sim_fit_ks_critical(size_t n_exact);

/*
 * Fits all three families; fits[i] is family i. Returns the index of the one
 * with the least AIC among those that converged to a fit that is not
 * degenerate, or -1 when none did.
 */
int sim_fit_all(const sim_fit_obs *obs, size_t n, sim_fit fits[SIM_FIT_FAMILIES]);

#endif
