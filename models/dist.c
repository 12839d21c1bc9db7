/*
 * dist.c — sampling, means, copies of the distributions of dist.h.
 *
 * A const draws nothing; a lognormal draws its normal by GSL's ziggurat
 * (gsl_ran_gaussian_ziggurat: exact, a variable number of draws, usually one
 * 32-bit word and one uniform); every other kind but mixture by inversion of
 * one uniform; a mixture takes one uniform to pick its component, then the
 * component's own. Streams are named per draw site (stream.h), so a variable
 * number of draws moves nothing else.
 */
/* GSL's documented switch for its inline functions: gsl_rng_uniform becomes
 * the call through r->type it stands for, without the call into libgsl. */
#define HAVE_INLINE 1

#include "dist.h"
#include "xalloc.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#define DIST_DEPTH_MAX 8 /* mixtures nested deeper than this are refused */

static const char *const dist_names[] = {
    [DIST_CONST] = "const",
    [DIST_UNIFORM] = "uniform",
    [DIST_EXPONENTIAL] = "exponential",
    [DIST_LOGNORMAL] = "lognormal",
    [DIST_GAMMA] = "gamma",
    [DIST_WEIBULL] = "weibull",
    [DIST_PARETO] = "pareto",
    [DIST_EMPIRICAL] = "empirical",
    [DIST_MIXTURE] = "mixture",
};
#define DIST_KIND_COUNT (sizeof dist_names / sizeof dist_names[0])

const char *dist_kind_name(dist_kind k)
{
    if ((size_t)k >= DIST_KIND_COUNT)
        return "?";
    return dist_names[k];
}

int dist_kind_parse(const char *name, dist_kind *out)
{
    assert(name && out);
    for (size_t i = 0; i < DIST_KIND_COUNT; i++) {
        if (strcmp(name, dist_names[i]) == 0) {
            *out = (dist_kind)i;
            return 0;
        }
    }
    return -1;
}

dist dist_const(double value)
{
    dist d;
    memset(&d, 0, sizeof d);
    d.kind = DIST_CONST;
    d.p0 = value;
    return d;
}

/* GSL's default error handler aborts the process (gsl_cdf_gamma_Pinv does not
 * converge for small shapes: "inverse failed to converge"). Every program that
 * links this file samples through it, so the handler is turned off when the
 * program starts: failures come back as NaN or a status, and dist.c checks both.
 * sim_main() turns it off too, for hosts that load the code another way. */
__attribute__((constructor)) static void dist__gsl_quiet(void)
{
    gsl_set_error_handler_off();
}

/* The standard gamma quantile by bisection on log x: P(x) = u (lower half) or
 * Q(x) = 1 - u (upper half), each tail in its own function so that neither
 * loses precision. Slow (about 60 evaluations) but it converges for every
 * shape > 0; used where GSL's Newton iteration fails. A result below the
 * smallest double is 0. */
static double dist__gamma_inv_bisect(double u, double shape)
{
    bool upper = u > 0.5;
    double tail = upper ? 1.0 - u : u;
    double lo = -746.0, hi = 710.0; /* log of the smallest subnormal, of DBL_MAX */
    for (int i = 0; i < 200 && hi - lo > 1e-13 * (1.0 + fabs(lo)); i++) {
        double mid = 0.5 * (lo + hi);
        gsl_sf_result r;
        int st = upper ? gsl_sf_gamma_inc_Q_e(shape, exp(mid), &r)
                       : gsl_sf_gamma_inc_P_e(shape, exp(mid), &r);
        bool below; /* the quantile lies above mid */
        if (st != GSL_SUCCESS || !isfinite(r.val))
            below = false;
        else
            below = upper ? r.val > tail : r.val < tail;
        if (below)
            lo = mid;
        else
            hi = mid;
    }
    return exp(0.5 * (lo + hi));
}

/* Gamma(shape, scale) at u: GSL's inverse where it converges, else bisection. */
static double dist__gamma_inv(double u, double shape, double scale)
{
    /* the upper half through Qinv: accurate (and convergent) in the tail */
    bool upper = u > 0.5;
    double tail = upper ? 1.0 - u : u;
    double x = upper ? gsl_cdf_gamma_Qinv(tail, shape, 1.0) : gsl_cdf_gamma_Pinv(tail, shape, 1.0);
    /* GSL may also return a wrong value without an error (Qinv at shape 0.005):
     * its answer is kept only when its tail probability checks out. */
    gsl_sf_result r;
    if (isfinite(x) && x > 0.0 &&
        (upper ? gsl_sf_gamma_inc_Q_e(shape, x, &r) : gsl_sf_gamma_inc_P_e(shape, x, &r)) ==
            GSL_SUCCESS &&
        fabs(r.val - tail) <= 1e-6 * tail)
        return scale * x;
    return scale * dist__gamma_inv_bisect(u, shape);
}

/* A uniform in (0, 1): exactly one draw from r. */
static double dist__u(gsl_rng *r)
{
    double u = gsl_rng_uniform(r);
    return u > 0.0 ? u : 0x1p-60;
}

static double dist__draw(const dist *d, gsl_rng *r, double audio_s, int depth);

/* The base draw of the kinds dist__base does not take itself: gamma, weibull,
 * pareto, empirical, mixture (which draws its component whole). Out of line so
 * that the common kinds pay for none of their locals. */
__attribute__((noinline)) static double dist__base_other(const dist *d, gsl_rng *r,
                                                         double audio_s, int depth)
{
    double u = dist__u(r);
    switch (d->kind) {
    case DIST_CONST:
    case DIST_UNIFORM:
    case DIST_EXPONENTIAL:
    case DIST_LOGNORMAL:
        break; /* dist__base */
    case DIST_GAMMA:
        return dist__gamma_inv(u, d->p0, d->p1);
    case DIST_WEIBULL:
        return d->p1 * pow(-log1p(-u), 1.0 / d->p0);
    case DIST_PARETO:
        return d->p1 * pow(1.0 - u, -1.0 / d->p0);
    case DIST_EMPIRICAL: {
        assert(d->n > 0 && d->samples);
        size_t i = (size_t)(u * (double)d->n);
        return d->samples[i < d->n ? i : d->n - 1];
    }
    case DIST_MIXTURE: {
        assert(d->n > 0 && d->components && d->weights);
        double total = 0.0;
        for (size_t i = 0; i < d->n; i++)
            total += d->weights[i];
        double x = u * total, acc = 0.0;
        size_t pick = d->n - 1;
        for (size_t i = 0; i < d->n; i++) {
            acc += d->weights[i];
            if (x < acc) {
                pick = i;
                break;
            }
        }
        return dist__draw(&d->components[pick], r, audio_s, depth + 1);
    }
    }
    assert(!"unknown dist kind");
    return 0.0;
}

/* The base draw (no per_audio_s, no max). */
static double dist__base(const dist *d, gsl_rng *r, double audio_s, int depth)
{
    assert(depth < DIST_DEPTH_MAX);
    switch (d->kind) {
    case DIST_CONST:
        return d->p0; /* draws nothing */
    case DIST_LOGNORMAL: /* an exact normal by the ziggurat (Marsaglia-Tsang) */
        return d->p0 * exp(d->p1 * gsl_ran_gaussian_ziggurat(r, 1.0));
    case DIST_UNIFORM: {
        double u = dist__u(r);
        return d->p0 + u * (d->p1 - d->p0);
    }
    case DIST_EXPONENTIAL:
        return -d->p0 * log1p(-dist__u(r));
    default:
        return dist__base_other(d, r, audio_s, depth);
    }
}

/* Clamped to [0, max] and to DIST_SECONDS_MAX. */
static double dist__clamp(const dist *d, double v)
{
    if (d->has_max && v > d->max)
        v = d->max;
    if (!(v > 0.0)) /* negative, zero or NaN */
        v = 0.0;
    if (v > DIST_SECONDS_MAX) /* a pareto with a tiny alpha reaches infinity */
        v = DIST_SECONDS_MAX;
    return v;
}

/* Base + per_audio_s x audio, clamped. */
static double dist__draw(const dist *d, gsl_rng *r, double audio_s, int depth)
{
    double v = dist__base(d, r, audio_s, depth);
    if (d->per_audio_s != 0.0)
        v += d->per_audio_s * audio_s;
    return dist__clamp(d, v);
}

double dist_sample(const dist *d, gsl_rng *r, double audio_s)
{
    assert(d && r);
    return dist__draw(d, r, audio_s, 0);
}

bool dist_fixed(const dist *d, double *value)
{
    assert(d && value);
    if (d->kind != DIST_CONST || d->per_audio_s != 0.0)
        return false;
    *value = dist__clamp(d, d->p0);
    return true;
}

int64_t dist_to_ns(double seconds)
{
    if (!(seconds > 0.0))
        return 0;
    double ns = seconds * 1e9;
    if (ns >= (double)DIST_NS_MAX)
        return DIST_NS_MAX;
    /* llround(ns) for 0 < ns < 2^61 without the call into libm: i = floor(ns)
     * is exact, and so is ns - i (Sterbenz for ns >= 1; ns itself below 1;
     * 0 from 2^52 up, where every double is an integer); a fraction of one
     * half or more rounds up (llround rounds halves away from zero). */
    int64_t i = (int64_t)ns;
    return ns - (double)i >= 0.5 ? i + 1 : i;
}

double dist_mean(const dist *d)
{
    assert(d);
    switch (d->kind) {
    case DIST_CONST:
        return d->p0;
    case DIST_UNIFORM:
        return 0.5 * (d->p0 + d->p1);
    case DIST_EXPONENTIAL:
        return d->p0;
    case DIST_LOGNORMAL:
        return d->p0 * exp(0.5 * d->p1 * d->p1);
    case DIST_GAMMA:
        return d->p0 * d->p1;
    case DIST_WEIBULL:
        return d->p1 * gsl_sf_gamma(1.0 + 1.0 / d->p0);
    case DIST_PARETO:
        return d->p0 > 1.0 ? d->p0 * d->p1 / (d->p0 - 1.0) : INFINITY;
    case DIST_EMPIRICAL: {
        double s = 0.0;
        for (size_t i = 0; i < d->n; i++)
            s += d->samples[i];
        return d->n ? s / (double)d->n : 0.0;
    }
    case DIST_MIXTURE: {
        double s = 0.0, w = 0.0;
        for (size_t i = 0; i < d->n; i++) {
            s += d->weights[i] * dist_mean(&d->components[i]);
            w += d->weights[i];
        }
        return w > 0.0 ? s / w : 0.0;
    }
    }
    return 0.0;
}

/* E[min(B, L)] for the base draw B of a kind other than mixture, L > 0 (the
 * limited expected value: the integral of P(B > t) over [0, L]), in closed
 * form; NaN where GSL fails (the caller falls back). */
static double dist__base_mean_below(const dist *d, double L)
{
    switch (d->kind) {
    case DIST_CONST:
        return fmin(d->p0, L);
    case DIST_UNIFORM: {
        double a = d->p0, b = d->p1;
        if (L >= b)
            return 0.5 * (a + b);
        if (L <= a)
            return L;
        /* a < L < b: (the part below L, integrated) + L x P(B > L) */
        return (0.5 * (L * L - a * a) + L * (b - L)) / (b - a);
    }
    case DIST_EXPONENTIAL:
        return -d->p0 * expm1(-L / d->p0);
    case DIST_LOGNORMAL: {
        double m = d->p0, s = d->p1;
        if (s == 0.0)
            return fmin(m, L);
        double z = (log(L) - log(m)) / s, p = gsl_cdf_ugaussian_P(z - s);
        /* mean x P(Z <= z - sigma) + L x P(Z > z), the mean in logs: it may
         * overflow where its share does not */
        double low = p > 0.0 ? exp(log(m) + 0.5 * s * s + log(p)) : 0.0;
        return low + L * gsl_cdf_ugaussian_Q(z);
    }
    case DIST_GAMMA: {
        double k = d->p0, th = d->p1;
        gsl_sf_result p, q;
        if (gsl_sf_gamma_inc_P_e(k + 1.0, L / th, &p) != GSL_SUCCESS ||
            gsl_sf_gamma_inc_Q_e(k, L / th, &q) != GSL_SUCCESS)
            return NAN;
        return k * th * p.val + L * q.val;
    }
    case DIST_WEIBULL: {
        double k = d->p0, lam = d->p1, x = pow(L / lam, k), a = 1.0 + 1.0 / k;
        gsl_sf_result p;
        if (gsl_sf_gamma_inc_P_e(a, x, &p) != GSL_SUCCESS)
            return NAN;
        /* scale x Gamma(a) x P(a, x) in logs: Gamma(a) overflows for small shapes */
        double low = p.val > 0.0 ? exp(log(lam) + gsl_sf_lngamma(a) + log(p.val)) : 0.0;
        return low + L * exp(-x);
    }
    case DIST_PARETO: {
        double al = d->p0, xm = d->p1;
        if (L <= xm)
            return L;
        double r = log(L / xm);
        if (al == 1.0)
            return xm * (1.0 + r);
        /* xm + the integral of (xm/t)^alpha over [xm, L] */
        return xm + xm * expm1((1.0 - al) * r) / (1.0 - al);
    }
    case DIST_EMPIRICAL: {
        double s = 0.0;
        for (size_t i = 0; i < d->n; i++)
            s += fmin(d->samples[i], L);
        return d->n ? s / (double)d->n : 0.0;
    }
    case DIST_MIXTURE:
        break;
    }
    assert(!"dist__base_mean_below: unknown kind or a mixture");
    return NAN;
}

/* E[min(D + c, M)] for D what dist__draw(d, ., audio_s) draws, c >= 0, M > 0
 * or INFINITY (no bound from outside). The draw is min(B + k a, max) (its
 * lower clamp at 0 never acts: B >= 0), so min(D + c, M) = min(B + c', M') with
 * c' = c + k a and M' = min(max + c, M): a mixture passes both on to each
 * component, as the sampler applies the component's per_audio_s and max, then
 * the mixture's. A bound at all (any max on the way) also brings in the clamp
 * at DIST_SECONDS_MAX; without one the mean is dist_mean's plus the offsets. */
static double dist__mean_below(const dist *d, double audio_s, double c, double M)
{
    double c2 = c + d->per_audio_s * audio_s, M2 = M;
    if (d->has_max)
        M2 = fmin(M, fmin(d->max, DIST_SECONDS_MAX) + c);
    if (d->kind == DIST_MIXTURE) {
        double s = 0.0, w = 0.0;
        for (size_t i = 0; i < d->n; i++) {
            s += d->weights[i] * dist__mean_below(&d->components[i], audio_s, c2, M2);
            w += d->weights[i];
        }
        return w > 0.0 ? s / w : 0.0;
    }
    if (!(M2 < INFINITY)) /* no max on the way */
        return c2 + dist_mean(d);
    if (M2 <= c2) /* every draw reaches the bound (B >= 0) */
        return M2;
    double L = M2 - c2, m = dist__base_mean_below(d, L);
    if (!(m >= 0.0)) /* GSL failed (NaN): the bound of the old estimate */
        m = fmin(dist_mean(d), L);
    return c2 + fmin(m, L);
}

double dist_mean_clamped(const dist *d, double audio_s)
{
    assert(d && audio_s >= 0.0);
    return dist__mean_below(d, audio_s, 0.0, INFINITY);
}

static const char *dist__check(const dist *d, int depth)
{
    if (depth >= DIST_DEPTH_MAX)
        return "mixtures nested too deep";
    if (!isfinite(d->p0) || !isfinite(d->p1) || !isfinite(d->per_audio_s))
        return "parameters must be finite numbers";
    if (d->per_audio_s < 0.0)
        return "per_audio_s must be >= 0";
    if (d->has_max && !(d->max >= 0.0))
        return "max must be >= 0";
    switch (d->kind) {
    case DIST_CONST:
        return d->p0 >= 0.0 ? NULL : "value must be >= 0";
    case DIST_UNIFORM:
        if (d->p0 < 0.0)
            return "min must be >= 0";
        return d->p1 >= d->p0 ? NULL : "max must be >= min";
    case DIST_EXPONENTIAL:
        return d->p0 > 0.0 ? NULL : "mean must be > 0";
    case DIST_LOGNORMAL:
        if (!(d->p0 > 0.0))
            return "median must be > 0";
        return d->p1 >= 0.0 ? NULL : "sigma must be >= 0";
    case DIST_GAMMA:
    case DIST_WEIBULL:
        if (!(d->p0 > 0.0))
            return "shape must be > 0";
        return d->p1 > 0.0 ? NULL : "scale must be > 0";
    case DIST_PARETO:
        if (!(d->p0 > 0.0))
            return "alpha must be > 0";
        return d->p1 > 0.0 ? NULL : "min must be > 0";
    case DIST_EMPIRICAL:
        if (d->n == 0 || !d->samples)
            return "samples must not be empty";
        for (size_t i = 0; i < d->n; i++)
            if (!(d->samples[i] >= 0.0) || !isfinite(d->samples[i]))
                return "samples must be finite numbers >= 0";
        return NULL;
    case DIST_MIXTURE: {
        if (d->n == 0 || !d->components || !d->weights)
            return "components must not be empty";
        double total = 0.0;
        for (size_t i = 0; i < d->n; i++) {
            if (!(d->weights[i] >= 0.0) || !isfinite(d->weights[i]))
                return "weights must be finite numbers >= 0";
            total += d->weights[i];
            const char *e = dist__check(&d->components[i], depth + 1);
            if (e)
                return e;
        }
        return total > 0.0 ? NULL : "weights must not all be 0";
    }
    }
    return "unknown distribution";
}

const char *dist_check(const dist *d)
{
    assert(d);
    return dist__check(d, 0);
}

void dist_copy(dist *dst, const dist *src)
{
    assert(dst && src && dst != src);
    *dst = *src;
    dst->samples = NULL;
    dst->weights = NULL;
    dst->components = NULL;
    if (src->kind == DIST_EMPIRICAL && src->n && src->samples) {
        dst->samples = sim_xmalloc(src->n * sizeof *dst->samples);
        memcpy(dst->samples, src->samples, src->n * sizeof *dst->samples);
    }
    if (src->kind == DIST_MIXTURE && src->n && src->components) {
        dst->weights = sim_xmalloc(src->n * sizeof *dst->weights);
        memcpy(dst->weights, src->weights, src->n * sizeof *dst->weights);
        dst->components = sim_xmalloc(src->n * sizeof *dst->components);
        for (size_t i = 0; i < src->n; i++)
            dist_copy(&dst->components[i], &src->components[i]);
    }
}

void dist_free(dist *d)
{
    if (!d)
        return;
    if (d->components) {
        for (size_t i = 0; i < d->n; i++)
            dist_free(&d->components[i]);
        free(d->components);
    }
    free(d->samples);
    free(d->weights);
    *d = dist_const(0.0);
}
