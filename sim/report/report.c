/* report.c — table, JSON and CSV reports of a run (see report.h). */
#include "report.h"
#include "xalloc.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "textwidth.h"
#include "version.h"

/* Names straight from the X-macro, so this file needs nothing but metrics.h. */
static const char *const metric_names[SIM_M_COUNT] = {
#define REPORT_NAME(id, name) name,
    SIM_METRICS(REPORT_NAME)
#undef REPORT_NAME
};

/* The rows of the paired block of the table. */
static const sim_metric key_metrics[] = {SIM_M_DUPLICATES, SIM_M_LOST, SIM_M_LATENCY_P99};

int sim_format_parse(const char *s, sim_format *out)
{
    static const char *const names[] = {"table", "json", "csv"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (sim_format)i;
            return 0;
        }
    }
    return -1;
}

int sim_report_find_policy(const sim_scenario *s, const char *name)
{
    for (size_t p = 0; p < s->n_policies; p++)
        if (strcmp(s->policies[p].name, name) == 0)
            return (int)p;
    return -1;
}

/* --- table ------------------------------------------------------------------- */

#define CELL_MAX 128 /* a cell: two numbers of NUM_MAX, " ± " and " (n=N)" */
#define NUM_MAX 40

/* Decimals that show a half-width to two significant digits; without one, enough
 * for the value itself (-1 = use %.3g). */
static int decimals_for(double mean, double hw)
{
    if (isfinite(hw) && hw > 0) {
        int d = 1 - (int)floor(log10(hw));
        return d < 0 ? 0 : d > 10 ? 10 : d;
    }
    double a = fabs(mean);
    if (a == floor(a) && a < 1e15)
        return 0;
    return a >= 100 ? 1 : a >= 1 ? 3 : -1;
}

/* x with `decimals` (or %.3g when < 0); a leading + when `plus` and x > 0. */
static void format_value(char buf[NUM_MAX], double x, int decimals, bool plus)
{
    if (!isfinite(x))
        snprintf(buf, NUM_MAX, "n/a"); /* not measured: a latency with no delivery */
    else if (decimals < 0)
        snprintf(buf, NUM_MAX, plus ? "%+.3g" : "%.3g", x);
    else
        snprintf(buf, NUM_MAX, plus ? "%+.*f" : "%.*f", decimals, x);
    if (plus && buf[0] == '+' && strspn(buf + 1, "0.") == strlen(buf + 1))
        memmove(buf, buf + 1, strlen(buf)); /* "+0.0" is just "0.0" */
}

/* "mean", or "mean ± hw" when there are several replications and hw > 0, into buf
 * (an unknown hw, from one value, shows no ±); `plus` signs differences. */
static void format_mean_hw(char *buf, double mean, double hw, size_t reps, bool plus)
{
    int d = decimals_for(mean, reps > 1 ? hw : 0);
    char m[NUM_MAX], h[NUM_MAX];
    format_value(m, mean, d, plus);
    if (reps < 2 || !isfinite(mean) || !(hw > 0)) {
        memcpy(buf, m, NUM_MAX);
        return;
    }
    format_value(h, hw, d, false);
    snprintf(buf, CELL_MAX, "%s ± %s", m, h);
}

void sim_report_format(char *buf, size_t size, double mean, double hw, size_t reps)
{
    char cell[CELL_MAX];
    format_mean_hw(cell, mean, hw, reps, false);
    snprintf(buf, size, "%s", cell);
}

/* One table row: label, then one right-aligned cell per policy. */
static void put_row(FILE *f, const char *label, size_t label_w, char (*cells)[CELL_MAX],
                    size_t n, const size_t *col_w)
{
    sim_text_padded(f, label, label_w, false);
    for (size_t p = 0; p < n; p++) {
        fputs("  ", f);
        sim_text_padded(f, cells[p], col_w[p], true);
    }
    fputc('\n', f);
}

static void write_table(FILE *f, const sim_scenario *s, const sim_results *res,
                        size_t baseline)
{
    size_t np = res->n_policies, reps = res->n_reps;
    size_t n_key = sizeof key_metrics / sizeof key_metrics[0];
    size_t n_rows = SIM_M_COUNT + (np > 1 ? n_key : 0);
    char(*cells)[CELL_MAX] = sim_xcalloc(n_rows * (np ? np : 1), CELL_MAX);
    size_t *col_w = sim_xcalloc(np, sizeof *col_w);
    bool any_bound = false, any_partial = false;

    for (size_t m = 0; m < SIM_M_COUNT; m++) {
        for (size_t p = 0; p < np; p++) {
            sim_summary sum;
            char *c = cells[m * np + p];
            sim_summarize(res, p, (sim_metric)m, &sum);
            double rate = sim_summary_rate_bound(&sum); /* NaN unless never seen */
            if (sim_summary_is_rule_of_three(&sum, (sim_metric)m) && isfinite(rate)) {
                snprintf(c, CELL_MAX, "0 (≤ %.2g/utt)", sim_round_up(rate, 2)); /* up: a bound */
                any_bound = true;
            } else {
                format_mean_hw(c, sum.mean, sum.half_width, sum.n, false);
                if (sum.n > 0 && sum.n < reps) { /* some replications delivered nothing */
                    size_t l = strlen(c);
                    snprintf(c + l, CELL_MAX - l, " (n=%zu)", sum.n);
                    any_partial = true;
                }
            }
        }
    }
    for (size_t k = 0; np > 1 && k < n_key; k++) {
        for (size_t p = 0; p < np; p++) {
            char *c = cells[(SIM_M_COUNT + k) * np + p];
            double mean, half;
            if (p == baseline) {
                snprintf(c, CELL_MAX, "baseline");
                continue;
            }
            size_t pairs = sim_paired(res, p, baseline, key_metrics[k], &mean, &half);
            format_mean_hw(c, mean, half, pairs, true);
            if (pairs > 0 && pairs < reps) { /* a side has no value in some replications */
                size_t l = strlen(c);
                snprintf(c + l, CELL_MAX - l, " (n=%zu)", pairs);
                any_partial = true;
            }
        }
    }
    size_t label_w = strlen("metric");
    for (size_t m = 0; m < SIM_M_COUNT; m++)
        label_w = strlen(metric_names[m]) > label_w ? strlen(metric_names[m]) : label_w;
    for (size_t p = 0; p < np; p++) {
        col_w[p] = sim_text_width(s->policies[p].name);
        for (size_t r = 0; r < n_rows; r++) {
            size_t w = sim_text_width(cells[r * np + p]);
            col_w[p] = w > col_w[p] ? w : col_w[p];
        }
    }

    fprintf(f, "scenario %s, seed %llu, %zu replication%s", s->name ? s->name : "",
            (unsigned long long)s->seed, reps, reps == 1 ? "" : "s");
    fputs(reps > 1 ? " (mean ± ci95, the 95% CI half-width)\n\n" : "\n\n", f);
    sim_text_padded(f, "metric", label_w, false);
    for (size_t p = 0; p < np; p++) {
        fputs("  ", f);
        sim_text_padded(f, s->policies[p].name, col_w[p], true);
    }
    fputc('\n', f);
    for (size_t m = 0; m < SIM_M_COUNT; m++)
        put_row(f, metric_names[m], label_w, cells + m * np, np, col_w);
    if (np > 1) {
        fputs("\npaired difference vs ", f);
        sim_text_field(f, s->policies[baseline].name);
        fprintf(f, " (mean%s of the per-replication differences)\n", reps > 1 ? " ± ci95" : "");
        for (size_t k = 0; k < n_key; k++)
            put_row(f, metric_names[key_metrics[k]], label_w, cells + (SIM_M_COUNT + k) * np,
                    np, col_w);
    }
    if (any_partial)
        fputs("\n(n=k): over the k replications that have a value; a replication that "
              "delivered nothing has no latency\n",
              f);
    if (any_bound)
        fputs("\n0 (≤ r/utt): no event in any replication; r is the 95% upper bound on "
              "its per-utterance rate (rule of three)\n",
              f);
    free(cells);
    free(col_w);
}

/* --- JSON -------------------------------------------------------------------- */

json_t *sim_json_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* {"mean", "ci95", "n"} of a comparison, n the pairs (paired) or the policy's
 * values (unpaired, which adds "n_baseline", the baseline's). */
static json_t *comparison_json(double mean, double half, size_t n)
{
    json_t *o = json_object();
    json_object_set_new(o, "mean", sim_json_num(mean));
    json_object_set_new(o, "ci95", sim_json_num(half));
    json_object_set_new(o, "n", json_integer((json_int_t)n));
    return o;
}

json_t *sim_report_policies_json(const sim_scenario *s, const sim_results *res,
                                 size_t baseline)
{
    assert(res->n_policies == s->n_policies && (res->n_policies == 0 || baseline < res->n_policies));
    json_t *arr = json_array();
    for (size_t p = 0; p < res->n_policies; p++) {
        json_t *pol = json_object(), *metrics = json_object();
        json_t *paired = json_object(), *unpaired = json_object();
        for (size_t m = 0; m < SIM_M_COUNT; m++) {
            sim_summary sum;
            sim_summarize(res, p, (sim_metric)m, &sum);
            json_t *o = json_object(), *values = json_array();
            json_object_set_new(o, "n", json_integer((json_int_t)sum.n));
            json_object_set_new(o, "mean", sim_json_num(sum.mean));
            json_object_set_new(o, "ci95", sim_json_num(sum.half_width));
            json_object_set_new(o, "min", sim_json_num(sum.min));
            json_object_set_new(o, "max", sim_json_num(sum.max));
            json_object_set_new(o, "upper_bound", sim_json_num(sum.upper_bound));
            json_object_set_new(o, "rule_of_three",
                                json_boolean(sim_summary_is_rule_of_three(&sum, (sim_metric)m)));
            for (size_t r = 0; r < res->n_reps; r++)
                json_array_append_new(values, sim_json_num(sim_results_at(res, p, r)[m]));
            json_object_set_new(o, "values", values);
            json_object_set_new(metrics, metric_names[m], o);
            if (p != baseline) {
                double mean, half;
                size_t pairs = sim_paired(res, p, baseline, (sim_metric)m, &mean, &half);
                json_object_set_new(paired, metric_names[m], comparison_json(mean, half, pairs));
                size_t n_p, n_base;
                sim_unpaired(res, p, baseline, (sim_metric)m, &mean, &half, &n_p, &n_base);
                json_t *u = comparison_json(mean, half, n_p);
                json_object_set_new(u, "n_baseline", json_integer((json_int_t)n_base));
                json_object_set_new(unpaired, metric_names[m], u);
            }
        }
        json_object_set_new(pol, "name", json_string(s->policies[p].name));
        json_object_set_new(pol, "metrics", metrics);
        if (p != baseline) {
            json_object_set_new(pol, "paired_vs_baseline", paired);
            json_object_set_new(pol, "unpaired_vs_baseline", unpaired);
        } else {
            json_decref(paired);
            json_decref(unpaired);
        }
        json_array_append_new(arr, pol);
    }
    return arr;
}

void sim_report_version_json(json_t *root)
{
    json_object_set_new(root, "dsim_version", json_string(sim_version()));
    json_object_set_new(root, "schema_version", json_integer(SIM_SCHEMA_VERSION));
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return fwrite(buf, 1, size, (FILE *)data) == size ? 0 : -1;
}

static void write_json(FILE *f, const sim_scenario *s, const sim_results *res, size_t baseline)
{
    json_t *root = json_object();
    sim_report_version_json(root);
    json_object_set_new(root, "scenario", json_string(s->name ? s->name : ""));
    json_object_set_new(root, "seed", json_integer((json_int_t)s->seed));
    json_object_set_new(root, "replications", json_integer((json_int_t)res->n_reps));
    if (res->n_policies > 0)
        json_object_set_new(root, "baseline", json_string(s->policies[baseline].name));
    json_object_set_new(root, "policies", sim_report_policies_json(s, res, baseline));
    json_dump_callback(root, dump_cb, f, SIM_JSON_FLAGS);
    fputc('\n', f);
    json_decref(root);
}

/* --- CSV --------------------------------------------------------------------- */

/* A comma and x; only the comma (an empty field) when x was not measured. */
static void csv_num(FILE *f, double x)
{
    fputc(',', f);
    if (isfinite(x))
        fprintf(f, "%.10g", x);
}

void sim_report_csv_header(FILE *f)
{
    fputs("policy,replications", f);
    for (size_t m = 0; m < SIM_M_COUNT; m++)
        fprintf(f, ",%s,%s_ci95", metric_names[m], metric_names[m]);
    sim_version_csv_header(f);
    fputc('\n', f);
}

void sim_report_csv_row(FILE *f, const sim_scenario *s, const sim_results *res, size_t p)
{
    assert(p < res->n_policies && p < s->n_policies);
    sim_csv_field(f, s->policies[p].name);
    sim_report_csv_metrics(f, res, p);
}

void sim_report_csv_metrics(FILE *f, const sim_results *res, size_t p)
{
    assert(p < res->n_policies);
    fprintf(f, ",%zu", res->n_reps);
    for (size_t m = 0; m < SIM_M_COUNT; m++) {
        sim_summary sum;
        sim_summarize(res, p, (sim_metric)m, &sum);
        csv_num(f, sum.mean);
        csv_num(f, sum.half_width);
    }
    sim_version_csv_fields(f);
    fputc('\n', f);
}

static void write_csv(FILE *f, const sim_scenario *s, const sim_results *res)
{
    sim_report_csv_header(f);
    for (size_t p = 0; p < res->n_policies; p++)
        sim_report_csv_row(f, s, res, p);
}

void sim_report_long_csv(FILE *f, const sim_scenario *s, const sim_results *res)
{
    assert(res->n_policies == s->n_policies);
    fputs("policy,replication,metric,value", f);
    sim_version_csv_header(f);
    fputc('\n', f);
    for (size_t p = 0; p < res->n_policies; p++) {
        for (size_t r = 0; r < res->n_reps; r++) {
            const double *v = sim_results_at(res, p, r);
            for (size_t m = 0; m < SIM_M_COUNT; m++) {
                sim_csv_field(f, s->policies[p].name);
                fprintf(f, ",%zu,%s", r, metric_names[m]);
                csv_num(f, v[m]);
                sim_version_csv_fields(f);
                fputc('\n', f);
            }
        }
    }
}

int sim_report(FILE *f, sim_format fmt, const sim_scenario *s, const sim_results *res,
               size_t baseline)
{
    assert(f && s && res && res->n_policies == s->n_policies);
    assert(res->n_policies == 0 || baseline < res->n_policies);
    switch (fmt) {
    case SIM_FMT_TABLE:
        write_table(f, s, res, baseline);
        break;
    case SIM_FMT_JSON:
        write_json(f, s, res, baseline);
        break;
    case SIM_FMT_CSV:
        write_csv(f, s, res);
        break;
    }
    return ferror(f) ? -1 : 0;
}
