/*
 * test_dist.c — distributions against their closed forms.
 *
 * Each statistical check uses N = 1e5 draws from mt19937 with a fixed seed and a
 * tolerance of 5 standard errors: the sample mean within 5 sd/sqrt(N) of the
 * closed-form mean, and the empirical CDF at a few points within
 * 5 sqrt(F(1-F)/N) of the closed-form F (gsl_cdf_*_P). A correct sampler fails
 * such a check with probability below 1e-6; a wrong parameterisation (scale vs
 * rate, sigma vs variance, shape swapped) misses by far more.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "dist.h"

#define N 100000
#define Z 5.0

static gsl_rng *rng_new(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

static dist mk(dist_kind k, double p0, double p1)
{
    dist d = dist_const(0.0);
    d.kind = k;
    d.p0 = p0;
    d.p1 = p1;
    return d;
}

typedef double (*cdf_fn)(double x, const double *par);

/* Draws N values and checks the mean and the CDF at xs[] against the closed forms. */
static void check_fit(const dist *d, double mean, double sd, cdf_fn cdf, const double *par,
                      const double *xs, int nx)
{
    gsl_rng *r = rng_new(12345);
    double *v = malloc(N * sizeof *v);
    assert_non_null(v);
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        v[i] = dist_sample(d, r, 0.0);
        assert_true(v[i] >= 0.0);
        sum += v[i];
    }
    double m = sum / N;
    double se = sd / sqrt((double)N);
    if (fabs(m - mean) > Z * se)
        fail_msg("%s: sample mean %.6g, expected %.6g +- %.3g", dist_kind_name(d->kind), m, mean,
                 Z * se);
    assert_true(fabs(dist_mean(d) - mean) <= 1e-9 * fabs(mean));
    for (int k = 0; k < nx; k++) {
        int below = 0;
        for (int i = 0; i < N; i++)
            below += v[i] <= xs[k];
        double f = cdf(xs[k], par);
        double emp = (double)below / N;
        double tol = Z * sqrt(f * (1.0 - f) / N) + 1e-12;
        if (fabs(emp - f) > tol)
            fail_msg("%s: F(%g) sampled %.5f, expected %.5f +- %.5f", dist_kind_name(d->kind),
                     xs[k], emp, f, tol);
    }
    free(v);
    gsl_rng_free(r);
}

static double cdf_flat(double x, const double *p)
{
    return gsl_cdf_flat_P(x, p[0], p[1]);
}
static double cdf_exp(double x, const double *p)
{
    return gsl_cdf_exponential_P(x, p[0]);
}
static double cdf_lognormal(double x, const double *p)
{
    return gsl_cdf_lognormal_P(x, log(p[0]), p[1]);
}
static double cdf_gamma(double x, const double *p)
{
    return gsl_cdf_gamma_P(x, p[0], p[1]);
}
static double cdf_weibull(double x, const double *p)
{
    return gsl_cdf_weibull_P(x, p[1], p[0]); /* GSL: (x, scale a, shape b) */
}
static double cdf_pareto(double x, const double *p)
{
    return gsl_cdf_pareto_P(x, p[0], p[1]);
}

static void uniform_matches_closed_form(void **state)
{
    (void)state;
    dist d = mk(DIST_UNIFORM, 1.0, 4.0);
    double par[] = {1.0, 4.0}, xs[] = {1.3, 2.5, 3.9};
    check_fit(&d, 2.5, 3.0 / sqrt(12.0), cdf_flat, par, xs, 3);
}

static void exponential_matches_closed_form(void **state)
{
    (void)state;
    dist d = mk(DIST_EXPONENTIAL, 2.0, 0.0);
    double par[] = {2.0}, xs[] = {0.2, 1.386, 6.0};
    check_fit(&d, 2.0, 2.0, cdf_exp, par, xs, 3);
}

static void lognormal_is_parameterised_by_median_and_sigma(void **state)
{
    (void)state;
    double m = 0.8, s = 0.8;
    dist d = mk(DIST_LOGNORMAL, m, s);
    double mean = m * exp(s * s / 2);
    double sd = sqrt((exp(s * s) - 1.0) * m * m * exp(s * s));
    double par[] = {m, s}, xs[] = {0.3, m, 2.5};
    check_fit(&d, mean, sd, cdf_lognormal, par, xs, 3);
}

static void gamma_is_parameterised_by_shape_and_scale(void **state)
{
    (void)state;
    dist d = mk(DIST_GAMMA, 2.5, 0.4);
    double par[] = {2.5, 0.4}, xs[] = {0.3, 0.9, 2.2};
    check_fit(&d, 1.0, sqrt(2.5) * 0.4, cdf_gamma, par, xs, 3);
}

static void weibull_is_parameterised_by_shape_and_scale(void **state)
{
    (void)state;
    double k = 1.5, lam = 2.0;
    dist d = mk(DIST_WEIBULL, k, lam);
    double g1 = gsl_sf_gamma(1 + 1 / k), g2 = gsl_sf_gamma(1 + 2 / k);
    double par[] = {k, lam}, xs[] = {0.5, 1.7, 4.0};
    check_fit(&d, lam * g1, lam * sqrt(g2 - g1 * g1), cdf_weibull, par, xs, 3);
}

static void pareto_is_parameterised_by_alpha_and_min(void **state)
{
    (void)state;
    double a = 4.5, xm = 1.5;
    dist d = mk(DIST_PARETO, a, xm);
    double mean = a * xm / (a - 1);
    double sd = xm / (a - 1) * sqrt(a / (a - 2));
    double par[] = {a, xm}, xs[] = {1.6, 2.0, 3.5};
    check_fit(&d, mean, sd, cdf_pareto, par, xs, 3);
}

static void pareto_mean_is_infinite_when_alpha_at_most_one(void **state)
{
    (void)state;
    dist d = mk(DIST_PARETO, 1.0, 2.0);
    assert_true(isinf(dist_mean(&d)));
    d.p0 = 1.01;
    assert_true(isfinite(dist_mean(&d)));
}

static void empirical_picks_samples_uniformly(void **state)
{
    (void)state;
    double samples[] = {1.0, 2.0, 2.0, 5.0};
    dist d = dist_const(0.0);
    d.kind = DIST_EMPIRICAL;
    d.n = 4;
    d.samples = samples;
    gsl_rng *r = rng_new(7);
    int count[6] = {0};
    for (int i = 0; i < N; i++) {
        double v = dist_sample(&d, r, 0.0);
        assert_true(v == 1.0 || v == 2.0 || v == 5.0);
        count[(int)v]++;
    }
    double tol = Z * sqrt(0.25 * 0.75 / N);
    assert_true(fabs(count[1] / (double)N - 0.25) < tol);
    assert_true(fabs(count[2] / (double)N - 0.50) < Z * sqrt(0.25 / N));
    assert_true(fabs(count[5] / (double)N - 0.25) < tol);
    assert_true(dist_mean(&d) == 2.5);
    gsl_rng_free(r);
}

static void mixture_picks_components_by_weight(void **state)
{
    (void)state;
    dist comps[2] = {dist_const(1.0), mk(DIST_EXPONENTIAL, 10.0, 0.0)};
    double w[2] = {1.0, 3.0};
    dist d = dist_const(0.0);
    d.kind = DIST_MIXTURE;
    d.n = 2;
    d.components = comps;
    d.weights = w;
    assert_null(dist_check(&d));
    assert_true(fabs(dist_mean(&d) - (1.0 + 30.0) / 4.0) < 1e-12);
    gsl_rng *r = rng_new(99);
    int ones = 0;
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        double v = dist_sample(&d, r, 0.0);
        ones += v == 1.0;
        sum += v;
    }
    assert_true(fabs(ones / (double)N - 0.25) < Z * sqrt(0.25 * 0.75 / N));
    /* variance of the mixture: E[X^2] - mean^2 = (1 + 3*200)/4 - 7.75^2 */
    double sd = sqrt((1.0 + 3.0 * 200.0) / 4.0 - 7.75 * 7.75);
    assert_true(fabs(sum / N - 7.75) < Z * sd / sqrt((double)N));
    gsl_rng_free(r);
}

static void per_audio_s_adds_seconds_per_audio_second(void **state)
{
    (void)state;
    dist c = dist_const(0.5);
    c.per_audio_s = 0.2;
    gsl_rng *r = rng_new(1);
    assert_true(fabs(dist_sample(&c, r, 10.0) - 2.5) < 1e-12);
    /* the same stream state gives the same base draw: the difference is exact */
    dist d = mk(DIST_LOGNORMAL, 1.0, 0.5);
    d.per_audio_s = 0.15;
    gsl_rng *r1 = rng_new(5), *r2 = rng_new(5);
    for (int i = 0; i < 1000; i++) {
        double a = dist_sample(&d, r1, 0.0), b = dist_sample(&d, r2, 4.0);
        assert_true(fabs(b - a - 0.6) < 1e-9);
    }
    gsl_rng_free(r);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
}

static void max_clamps_draws_above_it(void **state)
{
    (void)state;
    dist d = mk(DIST_LOGNORMAL, 3.0, 0.5);
    d.has_max = true;
    d.max = 3.0; /* the median: half of the draws are clamped */
    gsl_rng *r = rng_new(3);
    int at_max = 0;
    for (int i = 0; i < N; i++) {
        double v = dist_sample(&d, r, 0.0);
        assert_true(v <= 3.0);
        at_max += v == 3.0;
    }
    assert_true(fabs(at_max / (double)N - 0.5) < Z * sqrt(0.25 / N));
    /* max applies after per_audio_s */
    dist c = dist_const(1.0);
    c.per_audio_s = 1.0;
    c.has_max = true;
    c.max = 5.0;
    assert_true(dist_sample(&c, r, 2.0) == 3.0);
    assert_true(dist_sample(&c, r, 20.0) == 5.0);
    gsl_rng_free(r);
}

/* The mean of N draws of d at audio_s, against dist_mean_clamped: within 5
 * standard errors of the draws' own spread (the clamp keeps it finite). */
static void check_clamped_mean(const dist *d, double audio_s, unsigned long seed)
{
    gsl_rng *r = rng_new(seed);
    double sum = 0.0, sum2 = 0.0;
    for (int i = 0; i < N; i++) {
        double v = dist_sample(d, r, audio_s);
        sum += v;
        sum2 += v * v;
    }
    gsl_rng_free(r);
    double m = sum / N, sd = sqrt(fmax(sum2 / N - m * m, 0.0) * N / (N - 1.0));
    double want = dist_mean_clamped(d, audio_s), tol = Z * sd / sqrt((double)N) + 1e-12;
    if (!(fabs(m - want) <= tol))
        fail_msg("%s (audio %g s): sample mean %.6g, dist_mean_clamped %.6g +- %.3g",
                 dist_kind_name(d->kind), audio_s, m, want, tol);
}

static dist with_max(dist d, double max)
{
    d.has_max = true;
    d.max = max;
    return d;
}

/* A max that cuts the tail lowers the mean of the draws below the base mean
 * (audit 2, A F6): each kind's E[min(X + per_audio_s x audio, max)] matches
 * the mean of its draws, with maxes that clamp from a few % to most draws. */
static void clamped_mean_is_the_mean_of_the_draws(void **state)
{
    (void)state;
    double samples[] = {0.5, 1.0, 2.0, 8.0, 30.0};
    dist e = dist_const(0.0);
    e.kind = DIST_EMPIRICAL;
    e.n = 5;
    e.samples = samples;
    dist kinds[] = {
        with_max(dist_const(3.0), 2.0),
        with_max(mk(DIST_UNIFORM, 1.0, 5.0), 4.0),
        with_max(mk(DIST_UNIFORM, 1.0, 5.0), 0.5),
        with_max(mk(DIST_EXPONENTIAL, 2.0, 0.0), 3.0),
        with_max(mk(DIST_LOGNORMAL, 1.0, 1.5), 4.0),
        with_max(mk(DIST_LOGNORMAL, 0.5, 0.0), 0.2),
        with_max(mk(DIST_GAMMA, 0.5, 4.0), 3.0),
        with_max(mk(DIST_GAMMA, 7.0, 0.5), 4.0),
        with_max(mk(DIST_WEIBULL, 0.6, 2.0), 5.0),
        with_max(mk(DIST_WEIBULL, 3.0, 1.0), 1.0),
        with_max(mk(DIST_PARETO, 1.2, 5.0), 600.0),
        with_max(mk(DIST_PARETO, 0.5, 1.0), 100.0), /* no mean without the max */
        with_max(mk(DIST_PARETO, 1.0, 1.0), 50.0),
        with_max(mk(DIST_PARETO, 3.0, 2.0), 1.5), /* below min: every draw clamped */
        with_max(e, 4.0),
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        dist *d = &kinds[k];
        assert_null(dist_check(d));
        double m = dist_mean_clamped(d, 0.0);
        assert_true(m >= 0.0 && m <= d->max);
        assert_true(m < dist_mean(d)); /* each max above cuts a tail */
        check_clamped_mean(d, 0.0, 100 + k);
        d->per_audio_s = 0.25; /* the max applies after per_audio_s */
        check_clamped_mean(d, 3.0, 200 + k);
        assert_true(dist_mean_clamped(d, 3.0) <= m + 0.75 + 1e-12);
        assert_true(dist_mean_clamped(d, 3.0) >= m - 1e-12);
    }
    /* hand-computed closed forms */
    dist x = with_max(mk(DIST_EXPONENTIAL, 2.0, 0.0), 3.0);
    assert_true(fabs(dist_mean_clamped(&x, 0.0) - 2.0 * (1.0 - exp(-1.5))) < 1e-12);
    dist u = with_max(mk(DIST_UNIFORM, 1.0, 5.0), 4.0); /* (4^2 - 1)/2/4 + 4 x 1/4 */
    assert_true(fabs(dist_mean_clamped(&u, 0.0) - (7.5 / 4.0 + 1.0)) < 1e-12);
    dist p = with_max(mk(DIST_PARETO, 1.0, 1.0), 50.0);
    assert_true(fabs(dist_mean_clamped(&p, 0.0) - (1.0 + log(50.0))) < 1e-12);
    assert_true(fabs(dist_mean_clamped(&kinds[14], 0.0) - (0.5 + 1 + 2 + 4 + 4) / 5.0) < 1e-15);
}

/* heavy-tail-stalls' ASR stage: 0.96 lognormal (median 0.5, sigma 0.5) + 0.04
 * pareto (alpha 1.2, min 5), max 600: 1.360 s, not the 1.744 s of the base
 * (audit 2, A F6). A mixture's mean is its components' clamped means, each
 * component's own max and per_audio_s first, the mixture's after. */
static void clamped_mean_of_a_mixture_composes_its_maxes(void **state)
{
    (void)state;
    dist comps[2] = {mk(DIST_LOGNORMAL, 0.5, 0.5), mk(DIST_PARETO, 1.2, 5.0)};
    double w[2] = {0.96, 0.04};
    dist d = dist_const(0.0);
    d.kind = DIST_MIXTURE;
    d.n = 2;
    d.components = comps;
    d.weights = w;
    d.has_max = true;
    d.max = 600.0;
    double hand = 0.96 * 0.5 * exp(0.125) + 0.04 * (5.0 + 25.0 * (1.0 - pow(5.0 / 600.0, 0.2)));
    assert_true(fabs(dist_mean_clamped(&d, 0.0) - hand) < 1e-12 * hand);
    assert_true(fabs(hand - 1.360) < 5e-4);
    assert_true(fabs(dist_mean(&d) - 1.744) < 5e-4); /* the old figure */
    check_clamped_mean(&d, 0.0, 31);
    d.per_audio_s = 0.1;
    check_clamped_mean(&d, 3.4, 32);
    /* a component's max, its per_audio_s, then the mixture's tighter max */
    comps[1].has_max = true;
    comps[1].max = 40.0;
    comps[1].per_audio_s = 2.0;
    d.max = 20.0;
    check_clamped_mean(&d, 3.0, 33);
    check_clamped_mean(&d, 0.0, 34);
    d.max = 600.0; /* the component's max binds, the mixture's does not */
    check_clamped_mean(&d, 3.0, 35);
    assert_true(dist_mean_clamped(&d, 3.0) <= 0.96 * (0.5 * exp(0.125)) + 0.04 * 40.0 + 0.3 + 1e-9);
}

/* Without a max anywhere the figure is dist_mean's exactly, plus per_audio_s. */
static void clamped_mean_without_a_max_is_the_mean(void **state)
{
    (void)state;
    dist kinds[] = {dist_const(3.0),
                    mk(DIST_UNIFORM, 1, 5),
                    mk(DIST_EXPONENTIAL, 2, 0),
                    mk(DIST_LOGNORMAL, 0.8, 0.8),
                    mk(DIST_GAMMA, 0.5, 4),
                    mk(DIST_WEIBULL, 0.6, 2),
                    mk(DIST_PARETO, 1.2, 5),
                    mk(DIST_PARETO, 0.9, 5)};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        double m = dist_mean(&kinds[k]), c = dist_mean_clamped(&kinds[k], 0.0);
        assert_true(c == m || (isinf(m) && isinf(c)));
        kinds[k].per_audio_s = 0.5;
        assert_true(dist_mean_clamped(&kinds[k], 2.0) == 1.0 + m || isinf(m));
    }
    double w[2] = {1.0, 3.0};
    dist mix = dist_const(0.0);
    mix.kind = DIST_MIXTURE;
    mix.n = 2;
    mix.components = kinds;
    mix.weights = w;
    assert_true(dist_mean_clamped(&mix, 0.0) == dist_mean(&mix));
}

static void draws_are_never_negative(void **state)
{
    (void)state;
    dist d = mk(DIST_UNIFORM, -1.0, 1.0); /* refused by dist_check, clamped anyway */
    assert_non_null(dist_check(&d));
    gsl_rng *r = rng_new(4);
    int zeros = 0;
    for (int i = 0; i < 10000; i++) {
        double v = dist_sample(&d, r, 0.0);
        assert_true(v >= 0.0);
        zeros += v == 0.0;
    }
    assert_true(zeros > 4500 && zeros < 5500);
    gsl_rng_free(r);
}

/* Inverted kinds take one uniform a draw; a const takes none (the lognormal's
 * ziggurat takes a variable number: its fit is checked above). */
static void each_draw_consumes_one_uniform(void **state)
{
    (void)state;
    dist kinds[] = {dist_const(1.0),          mk(DIST_UNIFORM, 0, 1), mk(DIST_EXPONENTIAL, 1, 0),
                    mk(DIST_GAMMA, 0.5, 2),   mk(DIST_WEIBULL, 2, 1), mk(DIST_PARETO, 2, 1)};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        gsl_rng *a = rng_new(11), *b = rng_new(11);
        for (int i = 0; i < 200; i++) {
            dist_sample(&kinds[k], a, 0.0);
            if (kinds[k].kind != DIST_CONST)
                gsl_rng_uniform(b);
        }
        assert_true(gsl_rng_get(a) == gsl_rng_get(b));
        gsl_rng_free(a);
        gsl_rng_free(b);
    }
}

/* A gsl_rng that always returns the largest double below 1. */
static void top_set(void *s, unsigned long seed)
{
    (void)s, (void)seed;
}
static unsigned long top_get(void *s)
{
    (void)s;
    return 0xffffffffUL;
}
static double top_get_double(void *s)
{
    (void)s;
    return 1.0 - 0x1p-53;
}
static const gsl_rng_type top_type = {"top",   0xffffffffUL,  0, sizeof(int), top_set,
                                      top_get, top_get_double};

static void extreme_uniforms_give_finite_draws(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(&top_type);
    /* (no lognormal: the ziggurat rejects a constant generator's draws forever;
     * its extremes are drawn from a real generator below) */
    dist kinds[] = {mk(DIST_GAMMA, 0.3, 2), mk(DIST_GAMMA, 50, 0.1), mk(DIST_WEIBULL, 0.5, 1),
                    mk(DIST_PARETO, 1.1, 1)};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        double v = dist_sample(&kinds[k], r, 0.0);
        assert_true(isfinite(v) && v > 0.0);
    }
    gsl_rng_free(r);
}

/* A gsl_rng whose next uniform is `fixed_u` (set by the test). */
static double fixed_u;
static unsigned long fixed_get(void *s)
{
    (void)s;
    return (unsigned long)(fixed_u * 4294967295.0);
}
static double fixed_get_double(void *s)
{
    (void)s;
    return fixed_u;
}
static const gsl_rng_type fixed_type = {"fixed",   0xffffffffUL,     0, sizeof(int), top_set,
                                        fixed_get, fixed_get_double};

/* The uniforms a draw may see: both ends (0 becomes 2^-60 in dist.c), the
 * middle, and the tails where GSL's gamma inverse fails for small shapes. */
static const double extreme_us[] = {0.0,  1e-300, 1e-12, 1e-6, 0.01, 0.05, 0.2,         0.3,
                                    0.5,  0.7,    0.95,  0.99, 0.999999, 1.0 - 0x1p-53};

/* Every parameter the loader accepts, at its extremes (SIM__POSITIVE is (0, 1e9],
 * seconds (0, 1e7], weibull shape >= 0.01, lognormal sigma <= 10): each draw is
 * finite, in [0, DIST_SECONDS_MAX], and below max when one is set. */
static void extreme_accepted_parameters_sample_finite_values(void **state)
{
    (void)state;
    const double tiny = 0x1p-1074, shapes[] = {tiny, 1e-300, 1e-10, 0.01, 0.1, 0.15,
                                               0.5,  1,      7.5,   1e4,  1e9};
    const double scales[] = {tiny, 1e-9, 1, 1e7};
    gsl_rng *r = gsl_rng_alloc(&fixed_type), *real = rng_new(5);
    size_t draws = 0;
    for (int kind = DIST_EXPONENTIAL; kind <= DIST_PARETO; kind++)
        for (size_t a = 0; a < sizeof shapes / sizeof shapes[0]; a++)
            for (size_t b = 0; b < sizeof scales / sizeof scales[0]; b++)
                for (int variant = 0; variant < 3; variant++) {
                    double p0 = shapes[a], p1 = scales[b];
                    if (kind == DIST_EXPONENTIAL || kind == DIST_LOGNORMAL)
                        p0 = scales[b], p1 = fmin(shapes[a], 10.0); /* median, sigma */
                    if (kind == DIST_WEIBULL && p0 < 0.01)
                        continue;
                    dist d = mk((dist_kind)kind, p0, p1);
                    if (variant >= 1) {
                        d.has_max = true;
                        d.max = variant == 1 ? 1e7 : 0.0;
                    }
                    if (variant == 2)
                        d.per_audio_s = 1e7;
                    assert_null(dist_check(&d));
                    /* the lognormal's ziggurat needs a real generator: 2000 draws
                     * reach |z| > 3.4, its tail, about once */
                    size_t n_draws = kind == DIST_LOGNORMAL ? 2000
                                                            : sizeof extreme_us / sizeof extreme_us[0];
                    for (size_t k = 0; k < n_draws; k++) {
                        fixed_u = kind == DIST_LOGNORMAL ? 0.5 : extreme_us[k];
                        double v = dist_sample(&d, kind == DIST_LOGNORMAL ? real : r,
                                               variant == 2 ? 1e7 : 0.0);
                        if (!(isfinite(v) && v >= 0.0 && v <= DIST_SECONDS_MAX))
                            fail_msg("%s(%g, %g) at u=%g: %g", dist_kind_name(d.kind), p0, p1,
                                     fixed_u, v);
                        if (d.has_max)
                            assert_true(v <= d.max);
                        draws++;
                    }
                }
    assert_true(draws > 1000);
    gsl_rng_free(r);
    gsl_rng_free(real);
}

/* Gamma draws are the quantile of their uniform, for shapes where GSL's Newton
 * inverse does not converge (shape <= ~0.15) as well as where it does: the draw
 * x has P(x) = u (Q(x) = 1 - u in the upper half) to 1e-6, or is 0 when the
 * quantile lies below the smallest double. (Up to shape 100: beyond it GSL's
 * incomplete gamma, the reference here, is itself noisy to 1e-3.) */
static void gamma_draws_are_quantiles_for_every_shape(void **state)
{
    (void)state;
    const double shapes[] = {0.005, 0.02, 0.05, 0.1, 0.12, 0.15, 0.2, 0.5, 1, 3, 100};
    gsl_rng *r = gsl_rng_alloc(&fixed_type);
    for (size_t a = 0; a < sizeof shapes / sizeof shapes[0]; a++)
        for (size_t k = 0; k < sizeof extreme_us / sizeof extreme_us[0]; k++) {
            dist d = mk(DIST_GAMMA, shapes[a], 2.0);
            fixed_u = extreme_us[k];
            double u = fixed_u > 0.0 ? fixed_u : 0x1p-60, x = dist_sample(&d, r, 0.0) / 2.0;
            assert_true(isfinite(x) && x >= 0.0);
            if (x < 1e-300) {
                assert_true(gsl_sf_gamma_inc_P(shapes[a], 1e-300) >= u * (1.0 - 1e-6));
                continue;
            }
            double got = u <= 0.5 ? gsl_sf_gamma_inc_P(shapes[a], x)
                                  : gsl_sf_gamma_inc_Q(shapes[a], x),
                   want = u <= 0.5 ? u : 1.0 - u;
            if (fabs(got - want) > 1e-6 * want)
                fail_msg("gamma(%g) at u=%g: x=%g has tail %g, want %g", shapes[a], u, x, got,
                         want);
        }
    gsl_rng_free(r);
}

static void names_parse_back_to_their_kind(void **state)
{
    (void)state;
    for (int k = DIST_CONST; k <= DIST_MIXTURE; k++) {
        dist_kind out;
        assert_int_equal(dist_kind_parse(dist_kind_name((dist_kind)k), &out), 0);
        assert_int_equal(out, k);
    }
    dist_kind out = DIST_CONST;
    assert_int_equal(dist_kind_parse("normal", &out), -1);
    assert_int_equal(dist_kind_parse("Lognormal", &out), -1);
    assert_string_equal(dist_kind_name(DIST_LOGNORMAL), "lognormal");
}

static void check_names_what_is_out_of_range(void **state)
{
    (void)state;
    dist d = mk(DIST_LOGNORMAL, 1.0, -0.1);
    assert_string_equal(dist_check(&d), "sigma must be >= 0");
    d = mk(DIST_LOGNORMAL, 0.0, 0.5);
    assert_string_equal(dist_check(&d), "median must be > 0");
    d = mk(DIST_UNIFORM, 3.0, 2.0);
    assert_string_equal(dist_check(&d), "max must be >= min");
    d = mk(DIST_GAMMA, 1.0, 1.0);
    assert_null(dist_check(&d));
    d.per_audio_s = -1.0;
    assert_string_equal(dist_check(&d), "per_audio_s must be >= 0");
    d = dist_const(0.0);
    d.kind = DIST_EMPIRICAL;
    assert_string_equal(dist_check(&d), "samples must not be empty");
}

static void copy_is_deep_and_free_resets(void **state)
{
    (void)state;
    dist src = dist_const(0.0);
    src.kind = DIST_MIXTURE;
    src.n = 2;
    src.weights = malloc(2 * sizeof(double));
    src.components = calloc(2, sizeof(dist));
    src.weights[0] = 1.0;
    src.weights[1] = 1.0;
    src.components[0] = dist_const(2.0);
    src.components[1] = dist_const(0.0);
    src.components[1].kind = DIST_EMPIRICAL;
    src.components[1].n = 1;
    src.components[1].samples = malloc(sizeof(double));
    src.components[1].samples[0] = 4.0;
    dist dst;
    dist_copy(&dst, &src);
    double mean = dist_mean(&src);
    dist_free(&src);
    assert_int_equal(src.kind, DIST_CONST);
    assert_null(src.components);
    assert_true(dist_mean(&dst) == mean);
    gsl_rng *r = rng_new(2);
    for (int i = 0; i < 100; i++) {
        double v = dist_sample(&dst, r, 0.0);
        assert_true(v == 2.0 || v == 4.0);
    }
    dist_free(&dst);
    dist_free(&dst); /* safe twice */
    gsl_rng_free(r);
}

static void seconds_convert_to_rounded_clamped_ns(void **state)
{
    (void)state;
    assert_true(dist_to_ns(1.5) == INT64_C(1500000000));
    assert_true(dist_to_ns(1e-9 * 0.6) == 1);
    assert_true(dist_to_ns(-2.0) == 0);
    assert_true(dist_to_ns(NAN) == 0);
    assert_true(dist_to_ns(1e300) == DIST_NS_MAX);
    /* llround (halves away from zero) wherever the clamp does not apply, halves
     * of a nanosecond and the largest doubles below the clamp included */
    for (double ns = 0x1p-30; ns < (double)DIST_NS_MAX; ns *= 1.001) {
        double half = floor(ns) + 0.5;
        double xs[] = {ns, half, nextafter(half, 0.0), nextafter(half, INFINITY)};
        for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++)
            assert_true(dist_to_ns(xs[k] / 1e9) == llround(xs[k] / 1e9 * 1e9));
    }
}

static void fixed_is_a_const_without_per_audio_s(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(7);
    double v = -1.0;
    dist d = dist_const(2.5);
    assert_true(dist_fixed(&d, &v) && v == 2.5 && v == dist_sample(&d, r, 9.0));
    d.has_max = true;
    d.max = 1.0; /* the clamp applies, as in a draw */
    assert_true(dist_fixed(&d, &v) && v == 1.0 && v == dist_sample(&d, r, 9.0));
    d.per_audio_s = 0.1; /* depends on the audio */
    assert_false(dist_fixed(&d, &v));
    dist e = mk(DIST_EXPONENTIAL, 1.0, 0.0);
    assert_false(dist_fixed(&e, &v));
    assert_true(v == 1.0); /* untouched when false */
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uniform_matches_closed_form),
        cmocka_unit_test(exponential_matches_closed_form),
        cmocka_unit_test(lognormal_is_parameterised_by_median_and_sigma),
        cmocka_unit_test(gamma_is_parameterised_by_shape_and_scale),
        cmocka_unit_test(weibull_is_parameterised_by_shape_and_scale),
        cmocka_unit_test(pareto_is_parameterised_by_alpha_and_min),
        cmocka_unit_test(pareto_mean_is_infinite_when_alpha_at_most_one),
        cmocka_unit_test(empirical_picks_samples_uniformly),
        cmocka_unit_test(mixture_picks_components_by_weight),
        cmocka_unit_test(per_audio_s_adds_seconds_per_audio_second),
        cmocka_unit_test(max_clamps_draws_above_it),
        cmocka_unit_test(clamped_mean_is_the_mean_of_the_draws),
        cmocka_unit_test(clamped_mean_of_a_mixture_composes_its_maxes),
        cmocka_unit_test(clamped_mean_without_a_max_is_the_mean),
        cmocka_unit_test(draws_are_never_negative),
        cmocka_unit_test(each_draw_consumes_one_uniform),
        cmocka_unit_test(extreme_uniforms_give_finite_draws),
        cmocka_unit_test(extreme_accepted_parameters_sample_finite_values),
        cmocka_unit_test(gamma_draws_are_quantiles_for_every_shape),
        cmocka_unit_test(names_parse_back_to_their_kind),
        cmocka_unit_test(check_names_what_is_out_of_range),
        cmocka_unit_test(copy_is_deep_and_free_resets),
        cmocka_unit_test(seconds_convert_to_rounded_clamped_ns),
        cmocka_unit_test(fixed_is_a_const_without_per_audio_s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
