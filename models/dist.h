/*
 * dist.h — latency and size distributions (seconds), sampled through GSL.
 *
 * A dist is a plain config struct that the scenario loader fills; models sample it
 * with a gsl_rng the driver made from a keyed stream. All values are seconds.
 */
#ifndef DSIM_DIST_H
#define DSIM_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

typedef enum {
    DIST_CONST,       /* p0 = value */
    DIST_UNIFORM,     /* p0 = min, p1 = max */
    DIST_EXPONENTIAL, /* p0 = mean */
    DIST_LOGNORMAL,   /* p0 = median, p1 = sigma (of the underlying normal) */
    DIST_GAMMA,       /* p0 = shape, p1 = scale */
    DIST_WEIBULL,     /* p0 = shape, p1 = scale */
    DIST_PARETO,      /* p0 = alpha, p1 = min (scale) */
    DIST_EMPIRICAL,   /* samples[n]: draws one of them uniformly */
    DIST_MIXTURE      /* components[n] with weights[n] (normalised on use) */
} dist_kind;

typedef struct dist {
    dist_kind kind;
    double p0, p1;
    double per_audio_s;  /* added: per_audio_s x audio seconds (0 = none) */
    bool has_max;
    double max;          /* truncation: a draw above max is clamped to max */
    size_t n;            /* empirical: samples; mixture: components */
    double *samples;     /* owned (empirical) */
    double *weights;     /* owned (mixture) */
    struct dist *components; /* owned (mixture) */
} dist;

/* Names as they appear in scenario files ("const", "uniform", ...). */
const char *dist_kind_name(dist_kind k);
/* Returns 0 and sets *out for a known name, else -1. */
int dist_kind_parse(const char *name, dist_kind *out);

/* A const distribution of `value` seconds (no owned memory). */
dist dist_const(double value);

/*
 * Draws one value in seconds: the base draw, plus per_audio_s x audio_s, then
 * clamped to max if has_max. Never negative, never above DIST_SECONDS_MAX (so
 * always finite), for every parameter dist_check accepts; GSL's aborting error
 * handler is turned off when a program linking this code starts (dist.c). What
 * it draws from r depends on the kind and the stream only: a const draws
 * nothing; a lognormal draws a standard normal by GSL's ziggurat (exact; one
 * 32-bit word and one uniform in about 99 % of draws, more in the rest); every
 * other kind but mixture inverts exactly one uniform; a mixture takes one
 * uniform to pick a component (by weight), then draws that component whole (its
 * own per_audio_s and max apply, then the mixture's).
 */
double dist_sample(const dist *d, gsl_rng *r, double audio_s);

/* True when every draw of d is the same whatever the stream and the audio
 * length (a const without per_audio_s); then sets *value to what dist_sample
 * returns for it (it draws nothing). False for every other dist. */
bool dist_fixed(const dist *d, double *value);

/* Seconds to ns, rounded to nearest, clamped to [0, DIST_NS_MAX] (NaN -> 0). */
#define DIST_NS_MAX (INT64_MAX / 4)
/* The largest draw, in seconds (DIST_NS_MAX ns, about 73 years). */
#define DIST_SECONDS_MAX ((double)DIST_NS_MAX / 1e9)
int64_t dist_to_ns(double seconds);

/* The mean of the base distribution (no per_audio_s, no max); INFINITY when
 * it does not exist (pareto alpha <= 1). */
double dist_mean(const dist *d);

/* The mean of what dist_sample(d, r, audio_s) draws, in closed form:
 * E[min(base + per_audio_s x audio_s, max)], a mixture the weighted mean of its
 * components', each with its own per_audio_s and max and then the mixture's
 * (the sampler's order); an empirical the mean of its samples, each clamped.
 * The incomplete gamma (gamma, weibull) and the normal CDF (lognormal) come
 * from GSL. Where no max is on the way, dist_mean(d) plus the per_audio_s
 * terms exactly (INFINITY for pareto alpha <= 1, past DIST_SECONDS_MAX for a
 * mean past it, as dist_mean); with a max the clamp at DIST_SECONDS_MAX is
 * honoured too. audio_s >= 0. For summaries: no draw uses it. */
double dist_mean_clamped(const dist *d, double audio_s);

/* Returns NULL when d can be sampled (parameters in range, samples or components
 * present, mixtures nested at most 8 deep), else a static message saying what is
 * wrong ("sigma must be >= 0"). The loader adds the JSON path. */
const char *dist_check(const dist *d);

/* Deep copy (dst owns its own arrays). */
void dist_copy(dist *dst, const dist *src);

/* Frees what d owns and resets it to const 0. Safe on a zeroed dist. */
void dist_free(dist *d);

#endif
