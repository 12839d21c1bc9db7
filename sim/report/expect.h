/*
 * expect.h — a scenario's `expect` block, checked against the figures of a run.
 *
 * An expectation (sim_expect, filled by the loader) names a policy or "*", a
 * metric, and bounds min / max / equals, checked against the mean over
 * replications or, with "on", against a bound of its 95% confidence interval.
 * Checking happens in two steps so that a bad name is reported before anything
 * runs: sim_expect_plan() expands "*" and resolves names into items, then
 * sim_expect_eval() fills each item from the results. Everything here is a pure
 * function of its inputs; items come out in file order, "*" expanded in policy
 * order.
 */
#ifndef DSIM_EXPECT_H
#define DSIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"
#include "run.h"
#include "scenario.h"

/* One expectation applied to one policy. */
typedef struct sim_expect_item {
    size_t expect;       /* index into s->expects */
    size_t policy;       /* index into s->policies */
    sim_metric metric;
    /* filled by sim_expect_eval(): */
    sim_summary summary; /* of that metric for that policy, over the replications */
    size_t reps;         /* replications run (summary.n counts those with a value) */
    double value;        /* what the bounds were compared with (mean or a CI bound) */
    bool pass;
} sim_expect_item;

/*
 * Expands s->expects into items: one per (expectation, policy), "*" giving one
 * per policy of the scenario. Returns 0 and sets *items (an array the caller
 * frees with free(); NULL when there are none) and *n; or -1 with one error per
 * unknown policy or metric name and per expectation without a bound
 * ("FILE: expect.POLICY.METRIC: ..."), and *items NULL.
 */
int sim_expect_plan(const sim_scenario *s, sim_expect_item **items, size_t *n,
                    sim_error *err);

/*
 * Fills summary, value and pass of every item from res, which must be the
 * results of running s (res->n_policies == s->n_policies, res->n_reps >= 1).
 */
void sim_expect_eval(const sim_scenario *s, const sim_results *res, sim_expect_item *items,
                     size_t n);

/*
 * The figure expectation e on metric m is checked against, in m's unit: the
 * mean; for "ci_lower" mean - half_width; for "ci_upper" mean + half_width,
 * except for an event metric (stats.h) that was 0 in all N replications: then
 * the rule-of-three bound, 3 / (N x U) for duplicate_rate and lost_rate and
 * 3 / N for a count per replication — so `"max": 0` on "ci_upper" never
 * passes (N finite runs cannot prove a rate of zero; use the mean for "never").
 * NaN when it was not measured: a latency with no delivery in any replication,
 * a CI bound from a single value (which then fails every bound).
 */
double sim_expect_value(const sim_expect *e, sim_metric m, const sim_summary *sum);

/*
 * True when `value` satisfies every bound of e. `equals` allows a relative
 * difference of 1e-9 (of max(1, |equals|)) for rounding in means. NaN satisfies
 * no bound.
 */
bool sim_expect_holds(const sim_expect *e, double value);

/*
 * Writes what an item checks into buf (always NUL-terminated, truncated to
 * size): "POLICY METRIC >= 1", "POLICY METRIC (ci_upper) <= 0",
 * "POLICY METRIC >= 1 and <= 5". Returns buf.
 */
char *sim_expect_describe(const sim_scenario *s, const sim_expect_item *it, char *buf,
                          size_t size);

/*
 * Writes the measured figures of an evaluated item into buf: "37.2 ± 4.1"
 * (mean ± 95% half-width) when the mean was checked, "0.31 (mean 0.1 ± 0.21)"
 * when a CI bound was, "0.75 (rule of three, mean 0 ± 0)" for the upper bound
 * of an event never seen. What was not measured is said, never shown as a
 * number: "1.95" alone for one replication (no interval), "no confidence
 * interval from 1 replication (mean 1.95)" for a CI bound of one value,
 * "no utterance delivered (in 3 replications)" for a latency of runs that
 * delivered nothing, and "(over the 2 of 3 replications that delivered)" when
 * only some did. Returns buf.
 */
char *sim_expect_measured(const sim_scenario *s, const sim_expect_item *it, char *buf,
                          size_t size);

/* Writes the bounds of e into buf: ">= 1", ">= 1 and <= 5", "== 0". Returns buf. */
char *sim_expect_bounds(const sim_expect *e, char *buf, size_t size);

/* "mean", "ci_upper" or "ci_lower". */
const char *sim_expect_on_name(sim_expect_on on);

/* Formats v with `digits` significant digits (%g), "n/a" (NaN: not measured), "inf"
 * or "-inf"; -0 as 0.
 * Returns buf. */
char *sim_expect_number(double v, int digits, char *buf, size_t size);

#endif
