/* test_report.c — the table, JSON and CSV reports of a set of results. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "civil.h"
#include "logread.h"
#include "page.h"
#include "report.h"
#include "stats.h"
#include "textwidth.h"
#include "version.h"

static const char *const names[SIM_M_COUNT] = {
#define T_NAME(id, name) name,
    SIM_METRICS(T_NAME)
#undef T_NAME
};

typedef struct fixture {
    sim_scenario s;
    sim_policy pol[3];
    sim_results res;
} fixture;

/* Three policies, `reps` replications, 500 utterances each. Duplicates: the
 * baseline 50, 60, 70, ...; "better" has 1, 2, 3, ... fewer (paired mean -2 over
 * three replications); "fenced, v2" never duplicates. */
static void fixture_init(fixture *fx, size_t reps)
{
    memset(fx, 0, sizeof *fx);
    fx->s.name = "demo";
    fx->s.seed = 42;
    fx->s.replications = (int)reps;
    snprintf(fx->pol[0].name, SIM_NAME_MAX, "lingua-2025-12-28");
    snprintf(fx->pol[1].name, SIM_NAME_MAX, "better");
    snprintf(fx->pol[2].name, SIM_NAME_MAX, "fenced, v2");
    fx->s.policies = fx->pol;
    fx->s.n_policies = 3;
    fx->res.n_policies = 3;
    fx->res.n_reps = reps;
    fx->res.v = calloc(3 * reps * SIM_M_COUNT, sizeof(double));
    assert_non_null(fx->res.v);
    for (size_t r = 0; r < reps; r++) {
        for (size_t p = 0; p < 3; p++) {
            double *v = sim_results_at(&fx->res, p, r);
            v[SIM_M_UTTERANCES] = 500;
            v[SIM_M_LATENCY_P99] = 4.0 + 0.5 * (double)p + 0.1 * (double)r;
            v[SIM_M_LATENCY_MAX] = p == 2 ? NAN : 30;
        }
        sim_results_at(&fx->res, 0, r)[SIM_M_DUPLICATES] = 50 + 10 * (double)r;
        sim_results_at(&fx->res, 1, r)[SIM_M_DUPLICATES] = 50 + 10 * (double)r - (double)(r + 1);
    }
}

static char *report_string(const fixture *fx, sim_format fmt, size_t baseline)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(sim_report(f, fmt, &fx->s, &fx->res, baseline), 0);
    fclose(f);
    return buf;
}

/* dsim report's policy table of the fixture's results (baseline lingua-2025-12-28). */
static char *page_table_string(const fixture *fx)
{
    json_t *pols = sim_report_policies_json(&fx->s, &fx->res, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    sim_page_policy_table(f, pols, "lingua-2025-12-28", NULL);
    fclose(f);
    json_decref(pols);
    return buf;
}

/* The table line that starts with `label` followed by a space. */
static const char *find_line(const char *text, const char *label)
{
    size_t n = strlen(label);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, label, n) == 0 && l[n] == ' ')
            return l;
    return NULL;
}

static void format_names_parse_and_others_do_not(void **state)
{
    (void)state;
    sim_format f;
    assert_int_equal(sim_format_parse("csv", &f), 0);
    assert_int_equal(f, SIM_FMT_CSV);
    assert_int_equal(sim_format_parse("json", &f), 0);
    assert_int_equal(f, SIM_FMT_JSON);
    assert_int_equal(sim_format_parse("table", &f), 0);
    assert_int_equal(f, SIM_FMT_TABLE);
    assert_int_equal(sim_format_parse("xml", &f), -1);
    assert_int_equal(sim_format_parse("", &f), -1);
}

static void table_has_a_row_per_metric_and_paired_differences(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 3);
    char *t = report_string(&fx, SIM_FMT_TABLE, 0);
    for (size_t m = 0; m < SIM_M_COUNT; m++)
        assert_non_null(find_line(t, names[m]));
    const char *head = find_line(t, "metric");
    assert_non_null(head);
    assert_non_null(strstr(head, "lingua-2025-12-28"));
    assert_true(strstr(head, "fenced, v2") < strchr(head, '\n'));
    /* Baseline duplicates 50, 60, 70: mean 60, hw t(.975,2) * 10 / sqrt(3) = 24.8. */
    const char *dup = find_line(t, "duplicates");
    assert_non_null(strstr(dup, "60 ± 25"));
    /* The paired block: differences -1, -2, -3 -> -2.0 ± 2.5. */
    const char *paired = strstr(t, "paired difference vs lingua-2025-12-28");
    assert_non_null(paired);
    const char *pdup = find_line(paired, "duplicates");
    assert_non_null(pdup);
    assert_non_null(strstr(pdup, "baseline"));
    assert_non_null(strstr(pdup, "-2.0 ± 2.5"));
    /* latency_s.p99 of "better" is 0.5 s above the baseline in every replication. */
    const char *plat = find_line(paired, "latency_s.p99");
    assert_non_null(plat);
    assert_non_null(strstr(plat, " +0.5"));
    assert_null(strstr(plat, "±"));
    /* "fenced, v2": 0 duplicates in 3 x 500 utterances -> rate <= 3/1500 = 0.002. */
    assert_non_null(strstr(dup, "0 (≤ 0.002/utt)"));
    assert_non_null(strstr(t, "rule of three"));
    /* Latency max with no finite value shows "n/a" (never 0 or "0 ± 0"). */
    assert_true(strstr(find_line(t, "latency_s.max"), " n/a\n") != NULL);
    free(t);
    free(fx.res.v);
}

static void table_of_one_replication_has_no_intervals(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 1);
    char *t = report_string(&fx, SIM_FMT_TABLE, 1);
    assert_null(strstr(t, "±"));
    assert_non_null(strstr(t, "paired difference vs better"));
    assert_non_null(strstr(find_line(t, "duplicates"), " 50 "));
    free(t);
    free(fx.res.v);
}

static void json_has_summaries_values_and_comparisons(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 3);
    char *text = report_string(&fx, SIM_FMT_JSON, 0);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "scenario")), "demo");
    assert_int_equal(json_integer_value(json_object_get(root, "seed")), 42);
    assert_int_equal(json_integer_value(json_object_get(root, "replications")), 3);
    json_t *pols = json_object_get(root, "policies");
    assert_int_equal(json_array_size(pols), 3);
    json_t *base = json_array_get(pols, 0), *better = json_array_get(pols, 1);
    assert_null(json_object_get(base, "paired_vs_baseline"));
    json_t *metrics = json_object_get(better, "metrics");
    /* Metrics appear in metrics.h order. */
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(metrics, key, val) {
        assert_true(i < SIM_M_COUNT);
        assert_string_equal(key, names[i]);
        i++;
    }
    assert_int_equal(i, SIM_M_COUNT);
    json_t *dup = json_object_get(metrics, "duplicates");
    assert_true(fabs(json_number_value(json_object_get(dup, "mean")) - 58) < 1e-9);
    assert_int_equal(json_array_size(json_object_get(dup, "values")), 3);
    assert_true(fabs(json_number_value(json_array_get(json_object_get(dup, "values"), 2)) - 67) <
                1e-9);
    json_t *pd = json_object_get(json_object_get(better, "paired_vs_baseline"), "duplicates");
    json_t *ud = json_object_get(json_object_get(better, "unpaired_vs_baseline"), "duplicates");
    assert_true(fabs(json_number_value(json_object_get(pd, "mean")) + 2) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(pd, "ci95")) - 4.3026527 / sqrt(3)) < 1e-6);
    assert_true(json_number_value(json_object_get(ud, "ci95")) >
                5 * json_number_value(json_object_get(pd, "ci95")));
    /* A rare event's bound, and a metric with no finite value as null. */
    json_t *fenced = json_object_get(json_array_get(pols, 2), "metrics");
    json_t *fdup = json_object_get(fenced, "duplicates");
    assert_true(json_is_true(json_object_get(fdup, "rule_of_three")));
    /* in the count's unit, 3 a replication over 3 (what `dsim check` uses); the
     * rate's, 3 / 1500 per utterance */
    assert_true(fabs(json_number_value(json_object_get(fdup, "upper_bound")) - 1.0) < 1e-12);
    json_t *frate = json_object_get(fenced, "duplicate_rate");
    assert_true(json_is_true(json_object_get(frate, "rule_of_three")));
    assert_true(fabs(json_number_value(json_object_get(frate, "upper_bound")) - 0.002) < 1e-12);
    assert_true(json_is_null(json_object_get(json_object_get(fenced, "latency_s.max"), "mean")));
    assert_null(strstr(text, "events_per_s"));
    json_decref(root);
    free(text);
    free(fx.res.v);
}

/* Splits a CSV line on commas outside quotes; returns the number of fields. */
static size_t csv_count_fields(const char *line)
{
    size_t n = 1;
    int quoted = 0;
    for (; *line && *line != '\n'; line++) {
        if (*line == '"')
            quoted = !quoted;
        else if (*line == ',' && !quoted)
            n++;
    }
    return n;
}

/* Field `idx` (0-based) of a CSV line into buf, unquoted; returns buf. */
static const char *csv_field(const char *line, size_t idx, char *buf, size_t size)
{
    size_t n = 0, o = 0;
    int quoted = 0;
    for (; *line && *line != '\n'; line++) {
        if (*line == '"') {
            quoted = !quoted;
        } else if (*line == ',' && !quoted) {
            if (n++ == idx)
                break;
        } else if (n == idx && o + 1 < size) {
            buf[o++] = *line;
        }
    }
    buf[o] = '\0';
    return buf;
}

static void csv_has_mean_and_half_width_columns_per_metric(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 3);
    char *text = report_string(&fx, SIM_FMT_CSV, 0);
    size_t cols = csv_count_fields(text);
    assert_int_equal(cols, 2 + 2 * SIM_M_COUNT + 2);
    assert_int_equal(strncmp(text, "policy,replications,utterances,utterances_ci95,", 47), 0);
    /* the last two columns: the versions, on the header and on every row */
    char field[64], want[64];
    assert_string_equal(csv_field(text, cols - 2, field, sizeof field), "dsim_version");
    assert_string_equal(csv_field(text, cols - 1, field, sizeof field), "schema_version");
    const char *row1 = strchr(text, '\n') + 1;
    assert_string_equal(csv_field(row1, cols - 2, field, sizeof field), sim_version());
    snprintf(want, sizeof want, "%d", SIM_SCHEMA_VERSION);
    assert_string_equal(csv_field(row1, cols - 1, field, sizeof field), want);
    size_t rows = 0;
    for (const char *l = strchr(text, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
        assert_int_equal(csv_count_fields(l), cols);
        rows++;
    }
    assert_int_equal(rows, 3);
    assert_non_null(strstr(text, "\n\"fenced, v2\",3,500,0,"));
    /* better: utterances 500 ± 0, delivered 0 ± 0, duplicates 58 ± t*10/sqrt(3). */
    char expect[128];
    snprintf(expect, sizeof expect, "\nbetter,3,500,0,0,0,58,%.10g,", sim_t975(2) * 9 / sqrt(3));
    assert_non_null(strstr(text, expect));
    /* "fenced, v2" has no latency_s.max: both its fields are empty, not 0 or nan. */
    const char *fenced = strstr(text, "\n\"fenced, v2\"") + 1;
    size_t col = 2 + 2 * SIM_M_LATENCY_MAX;
    assert_string_equal(csv_field(text, col, field, sizeof field), "latency_s.max");
    assert_string_equal(csv_field(fenced, col, field, sizeof field), "");
    assert_string_equal(csv_field(fenced, col + 1, field, sizeof field), "");
    assert_string_equal(csv_field(fenced, col + 2, field, sizeof field), "0");
    assert_null(strstr(text, "nan"));
    free(text);
    free(fx.res.v);
}

/* One replication: a mean but no interval — the CSV leaves every _ci95 empty,
 * JSON has ci95 and upper_bound null and n 1, the paired difference has no ci95. */
static void one_replication_has_no_interval_in_csv_or_json(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 1);
    char *csv = report_string(&fx, SIM_FMT_CSV, 0);
    const char *row = strstr(csv, "\nbetter,") + 1;
    char field[64];
    assert_string_equal(csv_field(row, 2 + 2 * SIM_M_DUPLICATES, field, sizeof field), "49");
    for (size_t m = 0; m < SIM_M_COUNT; m++)
        assert_string_equal(csv_field(row, 3 + 2 * m, field, sizeof field), "");
    free(csv);
    char *text = report_string(&fx, SIM_FMT_JSON, 0);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    json_t *better = json_array_get(json_object_get(root, "policies"), 1);
    json_t *dup = json_object_get(json_object_get(better, "metrics"), "duplicates");
    assert_int_equal(json_integer_value(json_object_get(dup, "n")), 1);
    assert_true(fabs(json_number_value(json_object_get(dup, "mean")) - 49) < 1e-12);
    assert_true(json_is_null(json_object_get(dup, "ci95")));
    assert_true(json_is_null(json_object_get(dup, "upper_bound")));
    json_t *pd = json_object_get(json_object_get(better, "paired_vs_baseline"), "duplicates");
    assert_true(fabs(json_number_value(json_object_get(pd, "mean")) + 1) < 1e-12);
    assert_true(json_is_null(json_object_get(pd, "ci95")));
    json_t *ud = json_object_get(json_object_get(better, "unpaired_vs_baseline"), "duplicates");
    assert_true(json_is_null(json_object_get(ud, "ci95")));
    json_decref(root);
    free(text);
    free(fx.res.v);
}

/* A latency measured in only some replications: the mean is over those, the
 * table says how many, JSON gives n and null for the others. */
static void latency_of_some_replications_says_over_how_many(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 3);
    /* "better" delivers nothing in replication 1: 4.5 and 4.7 remain */
    sim_results_at(&fx.res, 1, 1)[SIM_M_LATENCY_P99] = NAN;
    char *t = report_string(&fx, SIM_FMT_TABLE, 0);
    const char *line = find_line(t, "latency_s.p99");
    char want[64];
    snprintf(want, sizeof want, "4.6 ± %.1f (n=2)", sim_t975(1) * 0.1); /* s = 0.1 * sqrt(2) */
    assert_non_null(strstr(line, want));
    char row[256];
    snprintf(row, sizeof row, "%.*s", (int)(strchr(line, '\n') - line), line);
    assert_true(strstr(row, "(n=") == strrchr(row, '(')); /* only that cell */
    assert_non_null(strstr(t, "(n=k): over the k replications that have a value"));
    /* the paired difference is over the 2 pairs with both sides: it says so too
     * (fenced, v2 has all 3 pairs: no mark) */
    const char *paired = strstr(t, "\npaired difference vs ");
    assert_non_null(paired);
    const char *pline = find_line(paired + 1, "latency_s.p99");
    assert_non_null(pline);
    snprintf(row, sizeof row, "%.*s", (int)(strchr(pline, '\n') - pline), pline);
    assert_non_null(strstr(row, "+0.5 (n=2)"));
    assert_true(strstr(row, "(n=") == strrchr(row, '('));
    const char *pdup = find_line(paired + 1, "duplicates");
    assert_non_null(pdup);
    snprintf(row, sizeof row, "%.*s", (int)(strchr(pdup, '\n') - pdup), pdup);
    assert_null(strstr(row, "(n="));
    free(t);
    char *text = report_string(&fx, SIM_FMT_JSON, 0);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    json_t *better = json_array_get(json_object_get(root, "policies"), 1);
    json_t *p99 = json_object_get(json_object_get(better, "metrics"), "latency_s.p99");
    assert_int_equal(json_integer_value(json_object_get(p99, "n")), 2);
    assert_true(fabs(json_number_value(json_object_get(p99, "mean")) - 4.6) < 1e-12);
    assert_true(json_is_null(json_array_get(json_object_get(p99, "values"), 1)));
    /* the comparisons' counts: 2 pairs; unpaired 2 values against the baseline's 3 */
    json_t *pd = json_object_get(json_object_get(better, "paired_vs_baseline"), "latency_s.p99");
    assert_int_equal(json_integer_value(json_object_get(pd, "n")), 2);
    json_t *ud = json_object_get(json_object_get(better, "unpaired_vs_baseline"), "latency_s.p99");
    assert_int_equal(json_integer_value(json_object_get(ud, "n")), 2);
    assert_int_equal(json_integer_value(json_object_get(ud, "n_baseline")), 3);
    json_t *pdd = json_object_get(json_object_get(better, "paired_vs_baseline"), "duplicates");
    assert_int_equal(json_integer_value(json_object_get(pdd, "n")), 3);
    json_decref(root);
    free(text);
    free(fx.res.v);
}

static void identical_results_give_identical_bytes(void **state)
{
    (void)state;
    for (int fmt = SIM_FMT_TABLE; fmt <= SIM_FMT_CSV; fmt++) {
        fixture a, b;
        fixture_init(&a, 4);
        fixture_init(&b, 4);
        char *ta = report_string(&a, (sim_format)fmt, 0);
        char *tb = report_string(&b, (sim_format)fmt, 0);
        assert_string_equal(ta, tb);
        /* ... and a changed value changes them. */
        sim_results_at(&b.res, 1, 2)[SIM_M_LOST] = 1;
        free(tb);
        tb = report_string(&b, (sim_format)fmt, 0);
        assert_string_not_equal(ta, tb);
        free(ta);
        free(tb);
        free(a.res.v);
        free(b.res.v);
    }
}

/* The long CSV: a row per policy x replication x metric, every value as the
 * results hold it, an unmeasured one as an empty field, the versions last. */
static void long_csv_has_every_value_of_every_replication(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 3);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    sim_report_long_csv(f, &fx.s, &fx.res);
    fclose(f);
    char head[128];
    snprintf(head, sizeof head, "policy,replication,metric,value,dsim_version,schema_version\n");
    assert_int_equal(strncmp(buf, head, strlen(head)), 0);
    size_t rows = 0;
    for (const char *l = strchr(buf, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
        assert_int_equal(csv_count_fields(l), 6);
        rows++;
    }
    assert_int_equal(rows, 3 * 3 * SIM_M_COUNT);
    char want[160];
    /* the baseline's duplicates in replication 2: 70 */
    snprintf(want, sizeof want, "\nlingua-2025-12-28,2,duplicates,70,%s,%d\n", sim_version(),
             SIM_SCHEMA_VERSION);
    assert_non_null(strstr(buf, want));
    /* "better", replication 1: 60 - 2 = 58 */
    snprintf(want, sizeof want, "\nbetter,1,duplicates,58,%s,", sim_version());
    assert_non_null(strstr(buf, want));
    /* a name with a comma is quoted; a value not measured is an empty field */
    snprintf(want, sizeof want, "\n\"fenced, v2\",0,latency_s.max,,%s,", sim_version());
    assert_non_null(strstr(buf, want));
    snprintf(want, sizeof want, "\n\"fenced, v2\",2,latency_s.p99,5.2,%s,", sim_version());
    assert_non_null(strstr(buf, want));
    free(buf);
    free(fx.res.v);
}

/* Table columns are sized by display width: a CJK policy name (two columns a
 * character, three bytes) lines up with the numbers under it. */
static void table_columns_follow_display_width(void **state)
{
    (void)state;
    assert_int_equal(sim_text_width("abc"), 3);
    assert_int_equal(sim_text_width("调度器"), 6);         /* 9 bytes, 3 wide characters */
    assert_int_equal(sim_text_width("±"), 1);              /* 2 bytes */
    assert_int_equal(sim_text_width("e\xcc\x81"), 1);      /* e + combining acute */
    assert_int_equal(sim_text_width("ｆｕｌｌ"), 8);       /* fullwidth forms */
    assert_int_equal(sim_text_width("\xff\xfe"), 2);       /* invalid bytes: one column each */
    fixture fx;
    fixture_init(&fx, 3);
    snprintf(fx.pol[1].name, SIM_NAME_MAX, "新调度器-长名字");
    char *t = report_string(&fx, SIM_FMT_TABLE, 0);
    /* every line of the first block ends at the same display column */
    const char *head = find_line(t, "metric");
    const char *dup = find_line(t, "duplicates");
    const char *lost = find_line(t, "lost");
    char line[512];
    size_t w[3];
    const char *ls[3] = {head, dup, lost};
    for (int i = 0; i < 3; i++) {
        size_t n = (size_t)(strchr(ls[i], '\n') - ls[i]);
        assert_true(n < sizeof line);
        memcpy(line, ls[i], n);
        line[n] = '\0';
        w[i] = sim_text_width(line);
    }
    assert_int_equal(w[0], w[1]);
    assert_int_equal(w[0], w[2]);
    free(t);
    free(fx.res.v);
}

/* dsim report's table: a count never seen shows the rate per utterance, as the
 * run's table does (3 / 1500 here), though results.json's upper_bound of the count
 * is per replication (1). */
static void page_shows_the_rate_bound_of_a_count_never_seen(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 3);
    char *buf = page_table_string(&fx);
    const char *row = strstr(buf, "fenced, v2");
    assert_non_null(row);
    const char *end = strstr(row, "</tr>");
    assert_non_null(end);
    size_t hits = 0;
    for (const char *c = strstr(row, "0 (&le; 0.002/utt)"); c && c < end;
         c = strstr(c + 1, "0 (&le; 0.002/utt)"))
        hits++;
    assert_int_equal(hits, 4); /* lost, duplicates, their rates */
    assert_null(strstr(row, "&le; 1/utt"));
    free(buf);
    free(fx.res.v);
}

/* 0 in 4 x 200 utterances: 3/800 = 0.00375, printed rounded up (0.0038), never
 * to nearest (0.0037, below the exact bound 0.0037377): in the run's table and in
 * dsim report's page. */
static void rule_of_three_bound_is_printed_rounded_up(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 4);
    for (size_t r = 0; r < 4; r++)
        for (size_t p = 0; p < 3; p++)
            sim_results_at(&fx.res, p, r)[SIM_M_UTTERANCES] = 200;
    char *text = report_string(&fx, SIM_FMT_TABLE, 0);
    const char *dup = find_line(text, "duplicates");
    assert_non_null(dup);
    assert_non_null(strstr(dup, "0 (≤ 0.0038/utt)"));
    assert_null(strstr(text, "0.0037/utt"));
    free(text);
    char *buf = page_table_string(&fx);
    assert_non_null(strstr(buf, "0 (&le; 0.0038/utt)"));
    assert_null(strstr(buf, "0.0037"));
    free(buf);
    free(fx.res.v);
}

static void json_carries_the_versions(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 2);
    char *text = report_string(&fx, SIM_FMT_JSON, 0);
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_PRESERVE_ORDER, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "dsim_version")), sim_version());
    assert_int_equal(json_integer_value(json_object_get(root, "schema_version")),
                     SIM_SCHEMA_VERSION);
    assert_int_equal(strncmp(text, "{\n  \"dsim_version\"", 18), 0); /* the first key */
    json_decref(root);
    free(text);
    free(fx.res.v);
}

static void policy_names_are_found_by_name(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx, 1);
    assert_int_equal(sim_report_find_policy(&fx.s, "better"), 1);
    assert_int_equal(sim_report_find_policy(&fx.s, "worse"), -1);
    free(fx.res.v);
}

/* civil.h: a reference timestamp is strict RFC 3339 (README "Reading a log"). */
static void log_timestamps_are_strict_rfc3339(void **state)
{
    (void)state;
    int64_t ns = 0;
    assert_true(sim_rfc3339_parse("2025-12-30T00:00:16Z", &ns));
    assert_int_equal(ns, (int64_t)1767052816 * 1000000000);
    assert_true(sim_rfc3339_parse("2025-12-30T00:00:16.5Z", &ns));
    assert_int_equal(ns, (int64_t)1767052816 * 1000000000 + 500000000);
    assert_true(sim_rfc3339_parse("2025-12-30T05:00:16.000000001+05:00", &ns));
    assert_int_equal(ns, (int64_t)1767052816 * 1000000000 + 1);
    assert_true(sim_rfc3339_parse("2024-02-29T00:00:00Z", &ns));
    static const char *const bad[] = {
        "2025-12-30 00:00:16Z", "garbage", "2025-13-45T99:99:99Z", "2025-02-29T00:00:00Z",
        "2025-04-31T00:00:00Z", "2025-12-30T00:00:16", "2025-12-30T00:00:16.Z",
        "2025-12-30T00:00:16.1234567890Z", "+025-12-30T00:00:16Z", " 2025-12-30T00:00:16Z",
        "2025-12-30T00:00:16Z ", "9999-12-30T00:00:00Z", "1969-12-31T23:59:59Z",
        "2025-12-30T00:00:16+5:00", "2025-12-30T24:00:00Z", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ns = 42;
        assert_false(sim_rfc3339_parse(bad[i], &ns));
        assert_int_equal(ns, 42);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_names_parse_and_others_do_not),
        cmocka_unit_test(table_has_a_row_per_metric_and_paired_differences),
        cmocka_unit_test(table_of_one_replication_has_no_intervals),
        cmocka_unit_test(json_has_summaries_values_and_comparisons),
        cmocka_unit_test(csv_has_mean_and_half_width_columns_per_metric),
        cmocka_unit_test(one_replication_has_no_interval_in_csv_or_json),
        cmocka_unit_test(latency_of_some_replications_says_over_how_many),
        cmocka_unit_test(identical_results_give_identical_bytes),
        cmocka_unit_test(policy_names_are_found_by_name),
        cmocka_unit_test(long_csv_has_every_value_of_every_replication),
        cmocka_unit_test(table_columns_follow_display_width),
        cmocka_unit_test(page_shows_the_rate_bound_of_a_count_never_seen),
        cmocka_unit_test(rule_of_three_bound_is_printed_rounded_up),
        cmocka_unit_test(json_carries_the_versions),
        cmocka_unit_test(log_timestamps_are_strict_rfc3339),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
