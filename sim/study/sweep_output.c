/* sweep_output.c — a sweep's sweep.csv and sweep.json (sweep_internal.h): each
 * unit's share rendered by the thread that completed it, the files put together
 * from the shares at the end. */
#include "sweep.h"
#include "xalloc.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "merge_internal.h"
#include "outfile.h"
#include "report.h"
#include "sweep_internal.h"

/* A knob value in JSON: an integer, a number, or the text. */
json_t *sim__sweep_knob_json(const char *v)
{
    char *end = NULL;
    errno = 0;
    long long ll = strtoll(v, &end, 10);
    if (*v && end && *end == '\0' && errno == 0)
        return json_integer(ll);
    double d = strtod(v, &end);
    if (*v && end && *end == '\0' && isfinite(d))
        return json_real(d);
    return json_string(v);
}

/* The leading fields of point i's row for policy p: "point,knob...,policy". */
static void row_prefix(FILE *f, const sweep_ctx *c, size_t i, const size_t *choice, size_t p)
{
    fprintf(f, "%zu", i);
    for (size_t k = 0; k < c->o->n_params; k++) {
        fputc(',', f);
        sim_csv_field(f, c->o->params[k].values[choice[k]]);
    }
    fputc(',', f);
    sim_csv_field(f, c->s->policies[p].name);
}

/* Unit u (a replication range) as SIM_SWEEP_PART_TAG lines, one per policy. */
static void write_parts(FILE *f, const sweep_ctx *c, size_t u, const size_t *choice)
{
    const sim_results *r = &c->res[u];
    int first, count;
    sim__sweep_unit_reps(c, u, &first, &count);
    for (size_t p = 0; p < r->n_policies; p++) {
        fprintf(f, SIM_SWEEP_PART_TAG "%zu,%d,%d", p, first, count);
        for (size_t k = 0; k < r->n_reps; k++)
            for (size_t m = 0; m < SIM_M_COUNT; m++) {
                double x = sim_results_at(r, p, k)[m];
                if (isnan(x))
                    fputc(',', f);
                else
                    fprintf(f, ",%.17g", x);
            }
        fputc(',', f);
        row_prefix(f, c, u / c->slices, choice, p);
        fputc('\n', f);
    }
}

/* Renders unit u's text (c->text[u]) from its complete results: its CSV lines,
 * and its JSON entry as json_dumps prints it, each line but the first indented
 * by two levels, where a member of a top-level array stands in the whole file
 * (JSON text holds no raw newline but the layout's, so this is exact). Called
 * by the thread that completed the unit: formatting the numbers is most of the
 * outputs' cost, and so it runs in parallel, not after the last point. */
void sim__sweep_render_unit(const sweep_ctx *c, size_t u, size_t *choice)
{
    const sim_sweep_opts *o = c->o;
    const sim_scenario *s = c->s;
    unit_text *t = &c->text[u];
    size_t i = u / c->slices;
    sim_sweep_point_choice(o->params, o->n_params, i, choice);
    FILE *f = open_memstream(&t->csv, &t->csv_len);
    if (!f)
        sim_oom("open_memstream");
    json_t *pt = json_object(), *kv = json_object();
    for (size_t k = 0; k < o->n_params; k++)
        json_object_set_new(kv, o->params[k].key,
                            sim__sweep_knob_json(o->params[k].values[choice[k]]));
    json_object_set_new(pt, "point", json_integer((json_int_t)i));
    json_object_set_new(pt, "knobs", kv);
    if (c->slices > 1) { /* raw values in the CSV; merge makes the point */
        int first, count;
        sim__sweep_unit_reps(c, u, &first, &count);
        write_parts(f, c, u, choice);
        json_object_set_new(pt, "first_replication", json_integer(first));
        json_object_set_new(pt, "replications", json_integer(count));
    } else {
        for (size_t p = 0; p < s->n_policies; p++) {
            row_prefix(f, c, i, choice, p);
            sim_report_csv_metrics(f, &c->res[u], p);
        }
        json_object_set_new(pt, "policies", sim_report_policies_json(s, &c->res[u], o->baseline));
    }
    bool bad = ferror(f) != 0; /* a memory stream fails only for want of memory */
    if (fclose(f) != 0 || bad)
        sim_oom("open_memstream");
    char *text = json_dumps(pt, SIM_JSON_FLAGS);
    json_decref(pt);
    if (!text)
        sim_oom("json_dumps");
    size_t lines = 0, n = strlen(text);
    for (size_t k = 0; k < n; k++)
        lines += text[k] == '\n';
    size_t pad = 2 * (size_t)(SIM_JSON_FLAGS & JSON_MAX_INDENT);
    char *out = sim_xmalloc(n + lines * pad + 1), *w = out;
    for (size_t k = 0; k < n; k++) {
        *w++ = text[k];
        if (text[k] == '\n')
            for (size_t j = 0; j < pad; j++)
                *w++ = ' ';
    }
    *w = '\0';
    free(text);
    t->json = out;
}

/* Writes root's text with the units' entries as the elements of its member
 * `key`, an empty array in root: json_dumps(root) with "[]" there replaced by
 * the array as json_dumps would print it. A write error stays in f's error flag
 * (sim_outfile_commit reports it). */
static void dump_root(FILE *f, const sweep_ctx *c, json_t *root, const char *key)
{
    char *text = json_dumps(root, SIM_JSON_FLAGS);
    if (!text)
        sim_oom("json_dumps");
    size_t ind = (size_t)(SIM_JSON_FLAGS & JSON_MAX_INDENT);
    char marker[64];
    /* a member of root starts a line indented once; no string holds a raw newline */
    snprintf(marker, sizeof marker, "\n%*s\"%s\": []", (int)ind, "", key);
    char *at = strstr(text, marker);
    assert(at);
    size_t head = (size_t)(at - text) + strlen(marker) - 2; /* up to the "[]" */
    fwrite(text, 1, head, f);
    bool any = false;
    for (size_t u = 0; u < c->n_units; u++) {
        if (!c->have[u])
            continue;
        fprintf(f, "%s\n%*s%s", any ? "," : "[", (int)(2 * ind), "", c->text[u].json);
        any = true;
    }
    fprintf(f, any ? "\n%*s]" : "[]", (int)ind, "");
    fputs(text + head + 2, f);
    fputc('\n', f);
    free(text);
}

int sim__sweep_write_outputs(const sweep_ctx *c, sim_sweep_outcome *out, sim_error *err)
{
    const sim_sweep_opts *o = c->o;
    const sim_scenario *s = c->s;
    size_t *choice = sim_xcalloc(o->n_params, sizeof *choice);
    for (size_t u = 0; u < c->n_units; u++) /* reused points (resume) */
        if (c->have[u] && !c->text[u].json)
            sim__sweep_render_unit(c, u, choice);
    free(choice);
    sim_outfile f;
    if (sim_outfile_open(&f, out->csv, err) != 0)
        return -1;
    fputs("point", f.f);
    for (size_t k = 0; k < o->n_params; k++) {
        fputc(',', f.f);
        sim_csv_field(f.f, o->params[k].key);
    }
    fputc(',', f.f);
    sim_report_csv_header(f.f);
    for (size_t u = 0; u < c->n_units; u++)
        if (c->have[u])
            fwrite(c->text[u].csv, 1, c->text[u].csv_len, f.f);
    json_t *root = json_object(), *knobs = json_array();
    sim_report_version_json(root);
    json_object_set_new(root, "scenario", json_string(s->name ? s->name : ""));
    json_object_set_new(root, "seed", json_integer((json_int_t)s->seed));
    json_object_set_new(root, "replications", json_integer(s->replications));
    if (s->n_policies)
        json_object_set_new(root, "baseline", json_string(s->policies[o->baseline].name));
    for (size_t k = 0; k < o->n_params; k++)
        json_array_append_new(knobs, json_string(o->params[k].key));
    json_object_set_new(root, "knobs", knobs);
    if (o->n_shards > 1) { /* what dsim merge checks */
        fprintf(f.f, SIM_SWEEP_SHARD_LINE, o->shard, o->n_shards, c->n_points, s->n_policies,
                (unsigned long long)s->seed, s->replications, c->fingerprint);
        json_t *sh = json_object();
        json_object_set_new(sh, "index", json_integer(o->shard));
        json_object_set_new(sh, "count", json_integer(o->n_shards));
        json_object_set_new(sh, "points", json_integer((json_int_t)c->n_points));
        json_object_set_new(sh, "fingerprint", json_string(c->fingerprint));
        json_object_set_new(sh, "replication_ranges", json_integer((json_int_t)c->slices));
        json_t *names = json_array();
        for (size_t p = 0; p < s->n_policies; p++)
            json_array_append_new(names, json_string(s->policies[p].name));
        json_object_set_new(sh, "policies", names);
        json_object_set_new(root, "shard", sh);
    }
    /* the units' entries go into "parts" (replication ranges) or "points" */
    json_object_set_new(root, "points", json_array());
    if (c->slices > 1)
        json_object_set_new(root, "parts", json_array());
    if (sim_outfile_commit(&f, err) != 0 || sim_outfile_open(&f, out->json, err) != 0) {
        json_decref(root);
        return -1;
    }
    dump_root(f.f, c, root, c->slices > 1 ? "parts" : "points");
    json_decref(root);
    return sim_outfile_commit(&f, err);
}
