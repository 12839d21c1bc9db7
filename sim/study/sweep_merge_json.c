/* sweep_merge_json.c — the merged sweep.json of sweep shards (sim_sweep_merge_json,
 * sweep.h): each shard's JSON checked against its CSV, the points joined, split
 * points recomputed from the CSVs' parts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "merge_internal.h"
#include "report.h"
#include "sweep.h"
#include "xalloc.h"

/* A JSON's path: the CSV's with .json for .csv. Returns 0, or -1 (err). */
static int json_path(const char *csv, char *buf, size_t size, sim_error *err)
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
    if (json_path(csv, path, sizeof path, err) != 0)
        return NULL;
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
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
