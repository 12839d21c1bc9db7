/* sweep_points.c — a sweep's points/ on disk (sweep_internal.h): each unit's raw
 * results written when it completes, read back by --resume, cleared for a fresh start. */
#include "sweep.h"
#include "xalloc.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "merge_internal.h"
#include "outfile.h"
#include "report.h"
#include "sweep_internal.h"

/* DIR/points/pI.json (a whole point) or pI.rA-B.json (replications A..B-1 of it). */
static void point_path(const sweep_ctx *c, size_t u, char *buf, size_t size)
{
    int first, count;
    sim__sweep_unit_reps(c, u, &first, &count);
    if (count > 0)
        snprintf(buf, size, "%s/p%zu.r%d-%d.json", c->points_dir, u / c->slices, first,
                 first + count);
    else
        snprintf(buf, size, "%s/p%zu.json", c->points_dir, u);
}

/* Writes point i's raw results (17 significant digits: exact) atomically. */
int sim__sweep_save_point(const sweep_ctx *c, size_t i, const sim_results *r, sim_error *err)
{
    json_t *o = json_object(), *values = json_array();
    json_object_set_new(o, "fingerprint", json_string(c->fingerprint));
    json_object_set_new(o, "point", json_integer((json_int_t)(i / c->slices)));
    json_object_set_new(o, "n_policies", json_integer((json_int_t)r->n_policies));
    json_object_set_new(o, "n_reps", json_integer((json_int_t)r->n_reps));
    size_t n = r->n_policies * r->n_reps * SIM_M_COUNT;
    for (size_t k = 0; k < n; k++)
        json_array_append_new(values, sim_json_num(r->v[k]));
    json_object_set_new(o, "values", values);
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (!text) sim_oom("json_dumps");
    char path[SWEEP_PATH_LEN];
    point_path(c, i, path, sizeof path);
    int rc = sim_outfile_write(path, text, strlen(text), err);
    free(text);
    return rc;
}

/*
 * Loads unit i from its file in DIR/points/ when that file is of this very sweep.
 * Returns 0 (loaded), 1 (no file, or one of another sweep: another fingerprint,
 * to recompute), or -1 with err: a file that is no point file of dsim, or one of
 * this sweep whose contents are impossible (another point, a wrong count of
 * values, a value no run gives: sim__sweep_value_check). Point files are written
 * whole (sim_outfile_write: a temporary renamed into place), so such a file was
 * cut or edited after the fact: it is bad input, not something to recompute.
 */
int sim__sweep_load_point(const sweep_ctx *c, size_t i, sim_results *out, sim_error *err)
{
    char path[SWEEP_PATH_LEN];
    point_path(c, i, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    json_error_t jerr;
    json_t *o = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    const char *fp = json_string_value(json_object_get(o, "fingerprint"));
    if (!o || !fp) {
        if (o)
            sim_error_add(err, "%s: not a point file of dsim (no \"fingerprint\"): points are "
                               "written whole, so it was edited; remove it and --resume "
                               "recomputes that point",
                          path);
        else
            sim_error_add(err, "%s:%d:%d: not a point file of dsim: %s; points are written "
                               "whole, so it was cut or edited; remove it and --resume "
                               "recomputes that point",
                          path, jerr.line, jerr.column, jerr.text);
        json_decref(o);
        return -1;
    }
    if (strcmp(fp, c->fingerprint) != 0) { /* another sweep's: recomputed */
        json_decref(o);
        return 1;
    }
    json_t *values = json_object_get(o, "values");
    json_t *jp = json_object_get(o, "point"), *jnp = json_object_get(o, "n_policies"),
           *jnr = json_object_get(o, "n_reps");
    int first, count;
    sim__sweep_unit_reps(c, i, &first, &count);
    json_int_t want_reps = count > 0 ? count : c->s->replications;
    char why[256] = "";
    if (json_integer_value(jp) != (json_int_t)(i / c->slices) || !json_is_integer(jp))
        snprintf(why, sizeof why, "\"point\": expected %zu", i / c->slices);
    else if (!json_is_integer(jnp) || json_integer_value(jnp) != (json_int_t)c->s->n_policies)
        snprintf(why, sizeof why, "\"n_policies\": expected %zu", c->s->n_policies);
    else if (!json_is_integer(jnr) || json_integer_value(jnr) != want_reps)
        snprintf(why, sizeof why, "\"n_reps\": expected %lld", (long long)want_reps);
    else if (!json_is_array(values) ||
             json_array_size(values) != c->s->n_policies * (size_t)want_reps * SIM_M_COUNT)
        snprintf(why, sizeof why, "\"values\": expected an array of %zu (policies x "
                                  "replications x metrics)",
                 c->s->n_policies * (size_t)want_reps * SIM_M_COUNT);
    if (!why[0]) {
        out->n_policies = c->s->n_policies;
        out->n_reps = (size_t)want_reps;
        out->v = sim_xcalloc(json_array_size(values), sizeof(double));
        for (size_t k = 0; k < json_array_size(values) && !why[0]; k++) {
            json_t *x = json_array_get(values, k);
            size_t m = k % SIM_M_COUNT;
            out->v[k] = json_is_number(x) ? json_number_value(x) : NAN;
            const char *bad = json_is_number(x) || json_is_null(x)
                                  ? sim__sweep_value_check(m, out->v[k])
                                  : "a number or null";
            if (bad)
                snprintf(why, sizeof why, "\"values\"[%zu] (policy %zu, replication %zu, %s): "
                                          "expected %s",
                         k, k / SIM_M_COUNT / out->n_reps,
                         (size_t)first + k / SIM_M_COUNT % out->n_reps,
                         sim_metric_name((sim_metric)m), bad);
        }
        if (why[0]) {
            free(out->v);
            memset(out, 0, sizeof *out);
        }
    }
    json_decref(o);
    if (!why[0])
        return 0;
    sim_error_add(err, "%s: a point file of this sweep with impossible contents: %s; points "
                       "are written whole, so it was edited; remove it and --resume "
                       "recomputes that point",
                  path, why);
    return -1;
}

/* Removes this shard's old point files (a fresh start). */
void sim__sweep_clear_points(const sweep_ctx *c)
{
    char path[SWEEP_PATH_LEN];
    for (size_t u = 0; u < c->n_units; u++) {
        if (!sim__sweep_is_mine(c->o, u))
            continue;
        point_path(c, u, path, sizeof path);
        remove(path);
    }
}

/* Removes temporaries "pI.json.tmp.PID" of this shard's points that a killed run
 * left behind (other shards may be writing theirs in the same folder). */
void sim__sweep_clear_temporaries(const sweep_ctx *c)
{
    DIR *d = opendir(c->points_dir);
    if (!d)
        return;
    struct dirent *e;
    char path[SWEEP_PATH_LEN + 512];
    while ((e = readdir(d)) != NULL) {
        size_t i, u;
        long pid;
        int a, b;
        char tail;
        if (sscanf(e->d_name, "p%zu.json.tmp.%ld%c", &i, &pid, &tail) == 2 && c->slices == 1)
            u = i;
        else if (sscanf(e->d_name, "p%zu.r%d-%d.json.tmp.%ld%c", &i, &a, &b, &pid, &tail) == 4 &&
                 c->slices > 1 && i < c->n_points && a >= 0 && a < c->s->replications)
            /* the range whose first replication is a: ceil(a * K / R) */
            u = i * c->slices + ((size_t)a * c->slices + (size_t)c->s->replications - 1) /
                                    (size_t)c->s->replications;
        else
            continue;
        if (u >= c->n_units || !sim__sweep_is_mine(c->o, u))
            continue;
        snprintf(path, sizeof path, "%s/%s", c->points_dir, e->d_name);
        remove(path);
    }
    closedir(d);
}
