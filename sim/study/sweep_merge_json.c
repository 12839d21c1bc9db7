/* sweep_merge_json.c — the shards' JSONs in a sweep merge (sim_sweep_merge_json,
 * sweep.h): each checked against its CSV, the CSVs' rows checked against what
 * they say of the sweep (knob values, policies, version), the points joined,
 * split points recomputed from the CSVs' parts. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "merge_internal.h"
#include "report.h"
#include "sweep.h"
#include "xalloc.h"

/* A JSON's path: the CSV's with .json for .csv. Returns 0, or -1 (err). */
int sim__merge_json_path(const char *csv, char *buf, size_t size, sim_error *err)
{
    size_t n = strlen(csv);
    if (n < 4 || strcmp(csv + n - 4, ".csv") != 0 || n + 2 > size) {
        sim_error_add(err, "%s: its name does not end in .csv: cannot find its JSON", csv);
        return -1;
    }
    snprintf(buf, size, "%.*s.json", (int)(n - 4), csv);
    return 0;
}

/* Loads the JSON of shard CSV inputs[f] (info si) and checks it is that shard's. */
json_t *sim__merge_load_json(const char *csv, const shard_info *si, sim_error *err)
{
    char path[4096];
    if (sim__merge_json_path(csv, path, sizeof path, err) != 0)
        return NULL;
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (je.line < 1) /* not a position in the text: the file could not be read */
            sim_error_add(err, "%s: %s (merge reads each shard's JSON, beside its CSV)", path,
                          je.text);
        else
            sim_error_add(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return NULL;
    }
    json_t *sh = json_object_get(root, "shard");
    const char *fp = json_string_value(json_object_get(sh, "fingerprint"));
    if (!json_is_object(root) || !json_is_array(json_object_get(root, "points")) ||
        !fp || strcmp(fp, si->fp) != 0 ||
        json_integer_value(json_object_get(sh, "index")) != (json_int_t)si->index ||
        json_integer_value(json_object_get(sh, "count")) != (json_int_t)si->count ||
        json_array_size(json_object_get(sh, "policies")) != si->policies) {
        sim_error_add(err, "%s: not the JSON of %s (its \"shard\" object names another shard "
                           "or sweep)",
                      path, csv);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* The field of a CSV line at p (before end): unquoted into buf[0..size) as
 * sim_csv_field quotes. Returns what follows it (',' or end), or NULL when it is
 * malformed or too long. */
static const char *csv_field(const char *p, const char *end, char *buf, size_t size)
{
    size_t n = 0;
    if (p < end && *p == '"') {
        for (p++;; p++) {
            if (p >= end)
                return NULL;
            if (*p == '"' && !(p + 1 < end && p[1] == '"')) {
                p++;
                break;
            }
            if (*p == '"')
                p++;
            if (n + 1 >= size)
                return NULL;
            buf[n++] = *p;
        }
        if (p < end && *p != ',')
            return NULL;
    } else {
        for (; p < end && *p != ','; p++) {
            if (*p == '"' || n + 1 >= size)
                return NULL;
            buf[n++] = *p;
        }
    }
    buf[n] = '\0';
    return p;
}

/* The name of column c of a row (knobs first, then policy, replications, the
 * metrics' means and CIs, the version), in buf. */
static const char *column_name(const merge_sweep *sw, size_t c, char *buf, size_t size)
{
    size_t k = json_array_size(sw->keys);
    const char *name = "";
    if (c == 0)
        name = "point";
    else if (c <= k)
        name = json_string_value(json_array_get(sw->keys, c - 1));
    else if (c == k + 1)
        name = "policy";
    else if (c == k + 2)
        name = "replications";
    else if (c < k + 3 + 2 * SIM_M_COUNT) {
        size_t m = (c - k - 3) / 2;
        snprintf(buf, size, "%s%s", sim_metric_name((sim_metric)m),
                 (c - k - 3) % 2 ? "_ci95" : "");
        return buf;
    } else
        name = c == k + 3 + 2 * SIM_M_COUNT ? "dsim_version" : "schema_version";
    snprintf(buf, size, "%s", name ? name : "?");
    return buf;
}

/*
 * Checks the fields of a row of point `point`, line[0..end) (end: its '\n'):
 * each knob's value is the point's in the shards' JSON, the policy is one of the
 * sweep's (its number in *policy); a row of means (`means`) then has the
 * sweep's replications, every mean and CI a number (a count's mean never
 * missing nor negative, a CI never negative) and the JSON's version, and no
 * more fields; a #part line's "point,knob...,policy" ends at the policy.
 * Returns 0, or -1 with what is wrong in why[0..size).
 */
int sim__merge_check_fields(const merge_sweep *sw, const char *line, const char *end, bool means,
                        size_t point, size_t *policy, char *why, size_t size)
{
    char buf[SIM_NAME_MAX * 4 + SIM_SWEEP_VALUE_LEN], col[160];
    const char *p = csv_field(line, end, buf, sizeof buf); /* the point: read already */
    size_t k = json_array_size(sw->keys), c = 1;
    size_t last = means ? k + 4 + 2 * SIM_M_COUNT : k + 1; /* its last column */
    for (; c <= last; c++) {
        if (!p || p >= end || *p != ',') {
            snprintf(why, size, "%s", p ? "fewer fields than the header's" : "a malformed field");
            return -1;
        }
        const char *at = p + 1;
        if (!(p = csv_field(at, end, buf, sizeof buf))) {
            snprintf(why, size, "column %s: a malformed or too long field",
                     column_name(sw, c, col, sizeof col));
            return -1;
        }
        const char *expect = NULL;
        char want[200] = "";
        if (c <= k) {
            const char *key = json_string_value(json_array_get(sw->keys, c - 1));
            json_t *v = json_object_get(sw->knobs_of[point], key ? key : "");
            /* as the JSON prints them: its reals have SIM_JSON_FLAGS' precision */
            json_t *got = sim__sweep_knob_json(buf);
            char *a = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | SIM_JSON_FLAGS) : NULL;
            char *b = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT | SIM_JSON_FLAGS);
            bool same = a && b && strcmp(a, b) == 0;
            free(a);
            free(b);
            json_decref(got);
            if (!same) {
                char *t = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                snprintf(want, sizeof want, "point %zu's value in the shards' JSON (%s)",
                         point, t ? t : "none");
                free(t);
                expect = want;
            }
        } else if (c == k + 1) {
            size_t q = 0, np = json_array_size(sw->names);
            while (q < np && strcmp(json_string_value(json_array_get(sw->names, q)), buf) != 0)
                q++;
            if (q == np)
                expect = "a policy of the sweep (its shards' JSONs name them)";
            *policy = q;
        } else if (c == k + 2) {
            snprintf(want, sizeof want, "%d", sw->reps);
            if (strcmp(buf, want) != 0) {
                snprintf(want, sizeof want, "the sweep's replications, %d", sw->reps);
                expect = want;
            }
        } else if (c < k + 3 + 2 * SIM_M_COUNT) {
            size_t m = (c - k - 3) / 2;
            bool ci = (c - k - 3) % 2;
            double x = NAN;
            if (*buf && sim__sweep_decimal(buf, strlen(buf), &x) != 0)
                expect = "a decimal number, or nothing";
            else if (ci && x < 0)
                expect = "a CI half-width >= 0, or nothing";
            else if (!ci && sim__sweep_value_check(m, x))
                expect = sim__sweep_value_check(m, x);
            else { /* the JSON's figure, as the CSV prints it ("%.10g", or nothing) */
                json_t *pj = json_array_get(sw->policies_of[point], *policy);
                json_t *mj = json_object_get(json_object_get(pj, "metrics"),
                                             sim_metric_name((sim_metric)m));
                json_t *vj = json_object_get(mj, ci ? "ci95" : "mean");
                char jt[64] = "";
                if (json_is_number(vj))
                    snprintf(jt, sizeof jt, "%.10g", json_number_value(vj));
                if (strcmp(jt, buf) != 0) {
                    snprintf(want, sizeof want, "the figure of the shards' JSON (%s)",
                             jt[0] ? jt : "nothing");
                    expect = want;
                }
            }
        } else if (c == k + 3 + 2 * SIM_M_COUNT) {
            if (strcmp(buf, sw->version) != 0) {
                snprintf(want, sizeof want, "the shards' dsim_version, %s", sw->version);
                expect = want;
            }
        } else {
            snprintf(want, sizeof want, "%lld", (long long)sw->schema);
            if (strcmp(buf, want) != 0) {
                snprintf(want, sizeof want, "the shards' schema_version, %lld",
                         (long long)sw->schema);
                expect = want;
            }
        }
        if (expect) {
            snprintf(why, size, "column %s: expected %s, got '%.60s'",
                     column_name(sw, c, col, sizeof col), expect, buf);
            return -1;
        }
    }
    if (p != end) {
        snprintf(why, size, "more fields than the header's %zu", last + 1);
        return -1;
    }
    return 0;
}

/* Whether the first line of the sweep's CSV (header[0..len), '\n' included) is
 * "point", the knobs of sw, then this dsim's columns of a run's CSV. */
bool sim__merge_header_is(const merge_sweep *sw, const char *header, size_t len)
{
    char *want = NULL;
    size_t wl = 0;
    FILE *m = open_memstream(&want, &wl);
    if (!m)
        sim_oom("open_memstream");
    fputs("point", m);
    for (size_t k = 0; k < json_array_size(sw->keys); k++) {
        fputc(',', m);
        const char *key = json_string_value(json_array_get(sw->keys, k));
        sim_csv_field(m, key ? key : "");
    }
    fputc(',', m);
    sim_report_csv_header(m);
    if (fclose(m) != 0)
        sim_oom("open_memstream");
    bool same = wl == len && memcmp(want, header, len) == 0;
    free(want);
    return same;
}

/* Takes the sweep's names, version and the points' knob values from the shard
 * JSON roots[f] (of inputs[f]) into sw; the first gives them, the others must
 * agree. Returns 0 or -1 (err). */
int sim__merge_take_json(merge_sweep *sw, json_t *const *roots, size_t f, size_t points,
                     const char *const *inputs, sim_error *err)
{
    json_t *r = roots[f], *sh = json_object_get(r, "shard");
    if (f == 0) {
        sw->keys = json_object_get(r, "knobs");
        sw->names = json_object_get(sh, "policies");
        sw->version = json_string_value(json_object_get(r, "dsim_version"));
        sw->schema = json_integer_value(json_object_get(r, "schema_version"));
        bool ok = json_is_array(sw->keys) && sw->version &&
                  json_is_integer(json_object_get(r, "schema_version"));
        for (size_t k = 0; ok && k < json_array_size(sw->keys); k++)
            ok = json_is_string(json_array_get(sw->keys, k));
        for (size_t q = 0; ok && q < json_array_size(sw->names); q++)
            ok = json_is_string(json_array_get(sw->names, q));
        if (!ok) {
            sim_error_add(err, "%s's JSON: expected \"dsim_version\", \"schema_version\", "
                               "\"knobs\" (names) and \"shard\".\"policies\" (names)",
                          inputs[f]);
            return -1;
        }
    } else if (!json_equal(sw->keys, json_object_get(r, "knobs")) ||
               !json_equal(sw->names, json_object_get(sh, "policies")) ||
               !json_equal(json_object_get(roots[0], "dsim_version"),
                           json_object_get(r, "dsim_version")) ||
               !json_equal(json_object_get(roots[0], "schema_version"),
                           json_object_get(r, "schema_version"))) {
        sim_error_add(err, "%s's JSON: its knobs, policies or dsim version differ from %s's",
                      inputs[f], inputs[0]);
        return -1;
    }
    /* Each point's paired differences are against its shard's --baseline: shards
     * of other baselines hold other figures under the same names. */
    const char *b0 = json_string_value(json_object_get(roots[0], "baseline")),
               *bf = json_string_value(json_object_get(r, "baseline"));
    if (f > 0 && (!b0 || !bf || strcmp(b0, bf) != 0)) {
        sim_error_add(err,
                      "%s: not a shard of the same sweep as %s: baseline %s here, %s there "
                      "(each point's paired differences are against its shard's --baseline: "
                      "run every shard with the same one)",
                      inputs[f], inputs[0], bf ? bf : "(none)", b0 ? b0 : "(none)");
        return -1;
    }
    for (int key = 0; key < 2; key++) {
        json_t *arr = json_object_get(r, key ? "parts" : "points");
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *e = json_array_get(arr, i), *kv = json_object_get(e, "knobs");
            json_int_t p = json_integer_value(json_object_get(e, "point"));
            if (json_is_object(kv) && p >= 0 && (size_t)p < points && !sw->knobs_of[p]) {
                sw->knobs_of[p] = kv;
                sw->policies_of[p] = json_object_get(e, "policies");
            }
        }
    }
    return 0;
}

static int json_point_cmp(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "point"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "point"));
    return (x > y) - (x < y);
}

/* Every entry of key ("points" or "parts") of every shard JSON, sorted by point. */
static json_t **gather(json_t *const *roots, size_t n, const char *key, size_t *count)
{
    size_t total = 0;
    for (size_t f = 0; f < n; f++)
        total += json_array_size(json_object_get(roots[f], key));
    json_t **all = sim_xcalloc(total ? total : 1, sizeof *all);
    size_t k = 0;
    for (size_t f = 0; f < n; f++) {
        json_t *arr = json_object_get(roots[f], key);
        for (size_t i = 0; i < json_array_size(arr); i++)
            all[k++] = json_array_get(arr, i);
    }
    qsort(all, total, sizeof *all, json_point_cmp);
    *count = total;
    return all;
}

/*
 * The unsharded sweep.json from the shards' JSONs (roots[f] of inputs[f]): its
 * header fields from the first, the points of whole-point shards as they are, the
 * points of split ones recomputed from the CSVs' parts (pt, sorted). Returns the
 * text (malloc'd), or NULL (err).
 */
char *sim__merge_json(json_t *const *roots, size_t n, const shard_info *si, const merge_part *pt,
                      size_t n_parts, sim_error *err)
{
    json_t *first = roots[0], *out = json_object(), *points = json_array();
    static const char *const head[] = {"dsim_version", "schema_version", "scenario", "seed",
                                       "replications", "baseline", "knobs"};
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++) {
        json_t *v = json_object_get(first, head[k]);
        if (v)
            json_object_set(out, head[k], v);
    }
    size_t n_entries, slices = sim_sweep_slices(si->points, (int)si->count, si->reps);
    json_t **e = gather(roots, n, slices > 1 ? "parts" : "points", &n_entries);
    char *text = NULL;
    sim_scenario names; /* only what the report reads: the policies' names */
    memset(&names, 0, sizeof names);
    names.n_policies = si->policies;
    names.policies = sim_xcalloc(si->policies, sizeof *names.policies);
    json_t *pn = json_object_get(json_object_get(first, "shard"), "policies");
    size_t baseline = 0;
    const char *bname = json_string_value(json_object_get(first, "baseline"));
    for (size_t q = 0; q < si->policies; q++) {
        const char *nm = json_string_value(json_array_get(pn, q));
        snprintf(names.policies[q].name, sizeof names.policies[q].name, "%s", nm ? nm : "");
        if (bname && nm && strcmp(nm, bname) == 0)
            baseline = q;
    }
    size_t ip = 0;
    for (size_t p = 0, k = 0; p < si->points; p++) {
        if (k >= n_entries || json_integer_value(json_object_get(e[k], "point")) != (json_int_t)p) {
            sim_error_add(err, "merge: the shards' JSONs have no point %zu", p);
            goto done;
        }
        if (slices == 1) {
            json_array_append(points, e[k++]);
            if (k < n_entries && json_integer_value(json_object_get(e[k], "point")) == (json_int_t)p) {
                sim_error_add(err, "merge: the shards' JSONs have point %zu twice", p);
                goto done;
            }
            continue;
        }
        json_t *pt_json = json_object();
        json_object_set_new(pt_json, "point", json_integer((json_int_t)p));
        json_object_set(pt_json, "knobs", json_object_get(e[k], "knobs"));
        sim_results r;
        sim__merge_part_results(pt, n_parts, &ip, si, &r);
        json_object_set_new(pt_json, "policies", sim_report_policies_json(&names, &r, baseline));
        sim_results_free(&r);
        json_array_append_new(points, pt_json);
        while (k < n_entries && json_integer_value(json_object_get(e[k], "point")) == (json_int_t)p)
            k++;
    }
    json_object_set(out, "points", points);
    text = json_dumps(out, SIM_JSON_FLAGS);
    if (!text) sim_oom("json_dumps");
done:
    free(names.policies);
    free(e);
    json_decref(points);
    json_decref(out);
    return text;
}
