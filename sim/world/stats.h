/*
 * stats.h — summaries of a metric over replications, and policy comparisons.
 *
 * Every figure dsim reports over N replications is a mean with a 95% Student-t
 * confidence half-width: t(0.975, n-1) * s / sqrt(n), s the sample standard
 * deviation (n-1 denominator). One value gives no interval: the half-width is
 * then NaN (unknown), never 0. Values that are not finite (a latency of a
 * replication that delivered nothing) are left out: n counts finite values, and
 * the mean is over those.
 *
 * Rare events (the rule of three). An "event" metric counts things that should
 * not happen: duplicates, lost, lost_by_cause.*, out_of_order, client_errors,
 * and the per-utterance rates duplicate_rate and lost_rate. When such a metric
 * is 0 in all N replications, a mean of 0 says little; its upper_bound is then
 * a rule-of-three 95% upper bound in the metric's own unit:
 *  - a rate per utterance (duplicate_rate, lost_rate): 3 / (N x U), U the mean
 *    number of utterances per replication (zero events in N x U trials), capped
 *    at 1 (a rate per utterance cannot exceed it: N x U < 3; 3/T is above the
 *    exact bound 1 - 0.05^(1/T) for every T, so it stays a true bound); NaN when
 *    U is 0 (no utterance, no trial);
 *  - a count per replication (every other event metric): 3 / N (zero events in
 *    N replications), and for a loss count (lost, lost_by_cause.*: an utterance
 *    is lost at most once) never more than U (0 when nothing was spoken).
 * The count's per-utterance rate, as tables print it ("0 (<= r/utt)"), is
 * sim_summary_rate_bound().
 * In every other case upper_bound = mean + half_width, in the metric's own unit
 * (NaN when n < 2).
 */
#ifndef DSIM_STATS_H
#define DSIM_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"
#include "run.h"

/* t(0.975, dof): the Student-t quantile of a 95% two-sided interval (dof > 0). */
double sim_t975(double dof);

/* True for the event metrics named above (counts and per-utterance rates). */
bool sim_metric_is_event(sim_metric m);

/*
 * Summarises metric m of policy p over every replication of res into *out
 * (n, mean, half_width, min, max, upper_bound as described above). With no
 * finite value, n = 0 and every field is NAN. `p` must be < res->n_policies.
 */
void sim_summarize(const sim_results *res, size_t p, sim_metric m, sim_summary *out);

/* True when out describes an event metric that was 0 in every replication, i.e.
 * out->upper_bound is a rule-of-three bound (in the metric's unit, above). */
bool sim_summary_is_rule_of_three(const sim_summary *out, sim_metric m);

/* The rule-of-three 95% bound on the per-utterance rate of an event never seen,
 * 3 / (N x U) capped at 1, for a summary of sim_summarize() that is one
 * (sim_summary_is_rule_of_three); NaN for any other, and when U is 0. For
 * duplicate_rate and lost_rate it is their upper_bound. */
double sim_summary_rate_bound(const sim_summary *s);

/* x rounded up at `digits` significant digits (1 to 17): the least decimal of that
 * many digits that is not below x, e.g. 0.00375 -> 0.0038 at 2 digits, so that an
 * upper bound printed with %.<digits>g stays an upper bound. x itself when it is
 * 0, negative or not finite. */
double sim_round_up(double x, int digits);

/*
 * Paired comparison of policy p against policy base on metric m: the mean of the
 * per-replication differences x[p][r] - x[base][r] and its 95% half-width
 * (replications where either value is not finite are skipped; the half-width is
 * NaN with fewer than 2 pairs, the mean NaN with none). Returns the number of
 * pairs used (0 to res->n_reps). With common random numbers this interval is
 * much narrower than the unpaired one.
 */
size_t sim_paired(const sim_results *res, size_t p, size_t base, sim_metric m, double *mean,
                  double *half);

/*
 * Unpaired (Welch) comparison: mean(x[p]) - mean(x[base]) and the 95% half-width
 * t(0.975, nu) * sqrt(s_p^2/n_p + s_b^2/n_b), nu from Welch-Satterthwaite; the
 * half-width is NaN (unknown) when either side has fewer than 2 values, 0 when
 * both are constant; both are NaN when a side has no value. *n_p and *n_base
 * (each may be NULL) receive the number of finite values of each side.
 */
void sim_unpaired(const sim_results *res, size_t p, size_t base, sim_metric m, double *mean,
                  double *half, size_t *n_p, size_t *n_base);

/* Mean and 95% half-width of n values x[0], x[stride], ... (non-finite skipped;
 * mean NaN with none, half-width NaN with fewer than 2); *count receives the
 * number used (may be NULL). */
void sim_mean_ci(const double *x, size_t n, size_t stride, double *mean, double *half,
                 size_t *count);

#endif
