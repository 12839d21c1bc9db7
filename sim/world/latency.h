/*
 * latency.h — the latencies of one run: quantiles, mean and maximum in memory
 * that does not grow with the run, and every value written in order on demand.
 *
 * Up to `bound` values are kept exactly: the quantiles are then exact order
 * statistics (GSL's definition, linear between them), to the nanosecond. Past
 * the bound every value goes into a log-bucketed histogram (HDR-style: a value
 * below 2^SIM_LAT_SUB_BITS ns has a bucket of its own; above, a bucket spans
 * 2^-(SIM_LAT_SUB_BITS-1) of its lower edge) and a quantile is read at the
 * middle of its bucket, clamped to the exact minimum and maximum: its relative
 * error is at most 2^-SIM_LAT_SUB_BITS (0.0244 %). The mean and the maximum
 * stay exact whatever the count (an exact 128-bit sum).
 *
 * With `keep_all`, every value is also kept for sim_lat_write: the exact ones in
 * memory, then sorted runs of `bound` values spilled to an anonymous temporary
 * file and merged on output, so memory stays bounded then too.
 */
#ifndef DSIM_LATENCY_H
#define DSIM_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The default bound: a run's latencies are exact up to this many (2^20). */
#define SIM_LAT_EXACT_MAX ((size_t)1 << 20)
/* Significant bits of a histogram bucket (relative error <= 2^-SIM_LAT_SUB_BITS). */
#define SIM_LAT_SUB_BITS 12

typedef struct sim_lat {
    size_t bound;     /* exact values kept at most */
    bool keep_all;    /* every value is kept for sim_lat_write */
    int64_t *v;       /* exact values (all of them until the bound), or the spill's next run */
    size_t n_v, cap_v;
    size_t sel_lo;    /* v[0..sel_lo) are the sel_lo smallest, each no larger than the rest */
    uint64_t *hist;   /* past the bound: counts per bucket, else NULL */
    uint64_t n;       /* values added */
    uint64_t sum_hi, sum_lo; /* exact sum of every value */
    int64_t min, max;
    FILE *spill;      /* keep_all past the bound: sorted runs, or NULL */
    size_t *runs;     /* length of each spilled run */
    size_t n_runs, cap_runs;
    bool spill_failed;
} sim_lat;

/* An empty record keeping up to `bound` (>= 1) values exactly. Free with sim_lat_free. */
void sim_lat_init(sim_lat *l, size_t bound, bool keep_all);
void sim_lat_free(sim_lat *l);
/* Adds a latency (ns, >= 0). */
void sim_lat_add(sim_lat *l, int64_t ns);
/* True while every value is held exactly (no more than the bound added). */
bool sim_lat_exact(const sim_lat *l);
/* The p-quantile (0 <= p <= 1) in seconds; n must be > 0. Reorders the exact values. */
double sim_lat_quantile(sim_lat *l, double p);
/* The exact mean in seconds (n > 0). */
double sim_lat_mean_s(const sim_lat *l);
/*
 * Writes "policy,rep,latency_s" plus the version fields for every value,
 * ascending, in exact decimal seconds. Needs keep_all. Returns 0, or -1 when
 * the temporary file could not be written or read back (what was written to f
 * then is incomplete).
 */
int sim_lat_write(sim_lat *l, FILE *f, const char *policy, int rep);

#endif
