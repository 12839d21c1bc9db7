/*
 * report.h — the figures of a run as a table (people), JSON or CSV (programs).
 *
 * Every output is a pure function of (scenario name, seed, policy names,
 * results): identical results give byte-identical output, whatever thread count
 * produced them. Wall-clock figures (events per second) never appear here.
 *
 * Nothing unmeasured is printed as a number: a latency of runs that delivered
 * nothing, or a half-width from a single value, is NaN, shown "n/a" in the table
 * (a half-width just left out), null in JSON and an empty field in CSV.
 *
 * Table: one column per policy, one row per metric of metrics.h, "mean ± ci95"
 * (ci95: the 95% Student-t half-width, the name every output uses) when there is more than one replication; an event
 * metric that was 0 in every replication shows its rule-of-three bound
 * ("0 (≤ 0.0006/utt)", see stats.h). When there are several policies, a second
 * block gives the paired difference against the baseline policy for duplicates,
 * lost and latency_s.p99 ("-41.2 ± 3.1", "+0.5 (n=2)" over fewer pairs than
 * replications, as a mean over fewer replications is marked).
 *
 * JSON (schema/results.schema.json): {"dsim_version", "schema_version", "scenario", "seed", "replications", "baseline", "policies": [{"name",
 * "metrics": {NAME: {"n", "mean", "ci95", "min", "max", "upper_bound", "rule_of_three",
 * "values": [one per replication]}}, "paired_vs_baseline": {NAME: {"n", "mean", "ci95"}},
 * "unpaired_vs_baseline": {NAME: {"n", "n_baseline", "mean", "ci95"}}}]} — metrics in
 * metrics.h order (a comparison's "n": the pairs, or this policy's replications with
 * a value, "n_baseline" the baseline's),
 * the comparison objects absent for the baseline itself, reals printed with 10
 * significant digits, a value that is not finite as null; "n" is the number of
 * replications with a value, which the mean, CI, min and max are over.
 *
 * CSV: a header line, then one row per policy: "policy,replications" then, for
 * each metric in metrics.h order, two columns NAME (the mean) and NAME_ci95 (the
 * half-width), then "dsim_version,schema_version" (version.h). Reals are printed
 * "%.10g", not-finite values as an empty field. Sweeps put "point" and one column
 * per knob in front of the same columns.
 *
 * Long CSV (results-long.csv): "policy,replication,metric,value,dsim_version,
 * schema_version", one row per policy x replication x metric, in that order.
 */
#ifndef DSIM_REPORT_H
#define DSIM_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "escape.h"
#include "run.h"
#include "scenario.h"

typedef enum { SIM_FMT_TABLE, SIM_FMT_JSON, SIM_FMT_CSV } sim_format;

/* "table", "json" or "csv" -> *out. Returns 0, or -1 for anything else. */
int sim_format_parse(const char *s, sim_format *out);

/*
 * Writes the report of res (res->n_policies == s->n_policies) to f in format fmt,
 * comparing every policy with policy `baseline` (< s->n_policies). Returns 0, or
 * -1 when writing to f failed (the caller names the file).
 */
int sim_report(FILE *f, sim_format fmt, const sim_scenario *s, const sim_results *res,
               size_t baseline);

/* The index of the policy called `name` in s, or -1. */
int sim_report_find_policy(const sim_scenario *s, const char *name);

/* --- building blocks shared with sweeps -------------------------------------- */

/* The JSON array of "policies" described above (a new reference). */
json_t *sim_report_policies_json(const sim_scenario *s, const sim_results *res,
                                 size_t baseline);

/* The dump flags of every dsim JSON output (indent 2, 10 significant digits). */
#define SIM_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(10))

/* A JSON number for x, or null when x is not finite (a new reference). */
json_t *sim_json_num(double x);

/* "mean" or "mean ± hw" (when reps > 1 and hw > 0) with as many decimals as show
 * hw to two significant digits, as in the table; "n/a" for a value not finite
 * (a NaN hw is left out). */
void sim_report_format(char *buf, size_t size, double mean, double hw, size_t reps);

/* Writes the metric columns of the CSV header: "policy,replications,NAME,NAME_ci95,...,
 * dsim_version,schema_version" and a newline. */
void sim_report_csv_header(FILE *f);

/* Writes policy p's row: its name, replications, the mean and half-width of every
 * metric and the two version fields, and a newline. */
void sim_report_csv_row(FILE *f, const sim_scenario *s, const sim_results *res, size_t p);

/* The part of that row after the name: ",replications", the mean and half-width
 * of every metric and the version fields, and a newline (dsim merge rebuilds rows
 * with it). */
void sim_report_csv_metrics(FILE *f, const sim_results *res, size_t p);

/* Writes the long CSV of res (see above): every value of every replication. */
void sim_report_long_csv(FILE *f, const sim_scenario *s, const sim_results *res);

/* Sets "dsim_version" and "schema_version" in root (a JSON object), the first
 * keys of every JSON document dsim writes. */
void sim_report_version_json(json_t *root);

#endif
