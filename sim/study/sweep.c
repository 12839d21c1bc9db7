/* sweep.c — running a sweep: points on threads, points/ on disk, resume (sweep.h). */
#include "sweep.h"
#include "xalloc.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "merge_internal.h"
#include "outfile.h"
#include "report.h"

#ifndef DSIM_VERSION
#define DSIM_VERSION "dev"
#endif

#define PATH_LEN 4096

/* A unit's share of sweep.csv (its rows, or its part lines) and of sweep.json (its
 * entry of "points", or of "parts", indented for that place). */
typedef struct unit_text {
    char *csv, *json;
    size_t csv_len;
} unit_text;

typedef struct sweep_ctx {
    const sim_scenario *s;
    const sim_sweep_opts *o;
    size_t n_points;
    size_t slices, n_units; /* replication ranges per point; points x slices */
    char points_dir[PATH_LEN - 64];
    char fingerprint[17]; /* hex of the sweep's hash */

    size_t pieces;        /* replication ranges a unit is evaluated in (1: whole) */

    unit_text *text;      /* per unit: its outputs' text once rendered (render_unit) */

    pthread_mutex_t mu;   /* guards everything below */
    size_t *todo;         /* units still to run, ascending */
    size_t n_todo, next;  /* next: the next piece, todo[next / pieces]'s */
    size_t *left;         /* per unit: its pieces not yet evaluated */
    sim_results *res;     /* per unit (only this shard's are filled) */
    bool *have;
    size_t done, mine;    /* units finished (reused included) / of this shard */
    bool stop, failed;
    size_t failed_point;
    sim_error err;        /* of the lowest failed point */
} sweep_ctx;

/* Is unit u (a point, or a point's replication range) this shard's? */
static bool is_mine(const sim_sweep_opts *o, size_t u)
{
    return o->n_shards <= 1 || u % (size_t)o->n_shards == (size_t)(o->shard - 1);
}

size_t sim_sweep_slices(size_t points, int n_shards, int reps)
{
    if (n_shards <= 1 || points == 0 || (size_t)n_shards <= points || reps <= 1)
        return 1;
    size_t k = ((size_t)n_shards + points - 1) / points;
    return k < (size_t)reps ? k : (size_t)reps;
}

void sim_sweep_slice_reps(int reps, size_t slices, size_t slice, int *first, int *count)
{
    assert(slices >= 1 && slice < slices);
    size_t r = (size_t)reps;
    size_t a = slice * r / slices, b = (slice + 1) * r / slices;
    *first = (int)a;
    *count = (int)(b - a);
}

/* The replications of unit u: first and count; count 0 = all (whole points). */
static void unit_reps(const sweep_ctx *c, size_t u, int *first, int *count)
{
    *first = 0;
    *count = 0;
    if (c->slices > 1)
        sim_sweep_slice_reps(c->s->replications, c->slices, u % c->slices, first, count);
}

/* The sweep's identity: scenario text, seed, replications, knobs, policies, format. */
static void fingerprint(sweep_ctx *c)
{
    const sim_scenario *s = c->s;
    uint64_t h = sim_hash(SIM_HASH_INIT, &c->o->scenario_hash, sizeof(uint64_t));
    char buf[128];
    int n = snprintf(buf, sizeof buf, "%s|%llu|%d|%zu|%d|", DSIM_VERSION,
                     (unsigned long long)s->seed, s->replications, s->n_policies, SIM_M_COUNT);
    h = sim_hash(h, buf, (size_t)n);
    for (size_t p = 0; p < s->n_policies; p++)
        h = sim_hash(h, s->policies[p].name, strlen(s->policies[p].name) + 1);
    for (size_t k = 0; k < c->o->n_params; k++) {
        const sim_sweep_param *pa = &c->o->params[k];
        h = sim_hash(h, pa->key, strlen(pa->key) + 1);
        for (size_t v = 0; v < pa->n; v++)
            h = sim_hash(h, pa->values[v], strlen(pa->values[v]) + 1);
        h = sim_hash(h, "\x1e", 1);
    }
    snprintf(c->fingerprint, sizeof c->fingerprint, "%016llx", (unsigned long long)h);
}

/* DIR/points/pI.json (a whole point) or pI.rA-B.json (replications A..B-1 of it). */
static void point_path(const sweep_ctx *c, size_t u, char *buf, size_t size)
{
    int first, count;
    unit_reps(c, u, &first, &count);
    if (count > 0)
        snprintf(buf, size, "%s/p%zu.r%d-%d.json", c->points_dir, u / c->slices, first,
                 first + count);
    else
        snprintf(buf, size, "%s/p%zu.json", c->points_dir, u);
}

/* Writes point i's raw results (17 significant digits: exact) atomically. */
static int save_point(const sweep_ctx *c, size_t i, const sim_results *r, sim_error *err)
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
    char path[PATH_LEN];
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
static int load_point(const sweep_ctx *c, size_t i, sim_results *out, sim_error *err)
{
    char path[PATH_LEN];
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
    unit_reps(c, i, &first, &count);
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

/* The runs (policy x replication) of unit u. */
static uint64_t unit_runs(const sweep_ctx *c, size_t u)
{
    int first, count;
    unit_reps(c, u, &first, &count);
    return (uint64_t)c->s->n_policies * (uint64_t)(count > 0 ? count : c->s->replications);
}

/* Piece k of the todo list: its unit and replications (count 0 = all). */
static size_t piece_of(const sweep_ctx *c, size_t k, int *first, int *count)
{
    size_t u = c->todo[k / c->pieces];
    unit_reps(c, u, first, count);
    if (c->pieces > 1)
        sim_sweep_slice_reps(c->s->replications, c->pieces, k % c->pieces, first, count);
    return u;
}

/* Files piece r (replications first.. of unit u) into the unit's results, under
 * c->mu. Returns true when it was the unit's last piece. */
static bool piece_done(sweep_ctx *c, size_t u, int first, sim_results *r)
{
    if (c->pieces == 1) {
        c->res[u] = *r;
        return true;
    }
    sim_results *all = &c->res[u];
    if (all->v == NULL) {
        all->n_policies = r->n_policies;
        all->n_reps = (size_t)c->s->replications;
        all->v = sim_xcalloc(all->n_policies * all->n_reps * SIM_M_COUNT, sizeof *all->v);
    }
    for (size_t p = 0; p < r->n_policies; p++)
        memcpy(sim_results_at(all, p, (size_t)first), sim_results_at(r, p, 0),
               r->n_reps * SIM_M_COUNT * sizeof *r->v);
    free(r->v);
    return --c->left[u] == 0;
}

static void render_unit(const sweep_ctx *c, size_t u, size_t *choice);

static void *worker(void *arg)
{
    sweep_ctx *c = arg;
    const sim_sweep_opts *o = c->o;
    size_t *choice = sim_xcalloc(o->n_params, sizeof *choice);
    sim_error *err = sim_xcalloc(1, sizeof *err);
    for (;;) {
        pthread_mutex_lock(&c->mu);
        if (c->stop || c->next >= c->n_todo * c->pieces) {
            pthread_mutex_unlock(&c->mu);
            break;
        }
        int first, count;
        size_t i = piece_of(c, c->next++, &first, &count);
        pthread_mutex_unlock(&c->mu);

        memset(err, 0, sizeof *err);
        sim_results r;
        memset(&r, 0, sizeof r);
        sim_sweep_point_choice(o->params, o->n_params, i / c->slices, choice);
        int rc = o->eval(o->eval_ctx, c->s, o->params, o->n_params, choice, first, count, &r,
                         err);
        if (rc == 0 && (r.n_policies != c->s->n_policies || r.n_reps < 1 || !r.v ||
                        (count > 0 && r.n_reps != (size_t)count))) {
            sim_error_add(err, "sweep point %zu: no results", i / c->slices);
            rc = -1;
        }
        bool filed = false, whole = false; /* r is the unit's (or freed) once filed */
        pthread_mutex_lock(&c->mu);
        if (rc == 0) {
            whole = piece_done(c, i, first, &r);
            filed = true;
        }
        pthread_mutex_unlock(&c->mu);
        /* the unit's results are complete: no other thread writes them now */
        if (rc == 0 && whole) {
            rc = save_point(c, i, &c->res[i], err);
            if (rc == 0)
                render_unit(c, i, choice);
        }

        pthread_mutex_lock(&c->mu);
        if (rc != 0) {
            if (!c->failed || i / c->slices < c->failed_point) {
                c->failed = true;
                c->failed_point = i / c->slices;
                c->err = *err;
            }
            c->stop = true;
            if (!filed)
                free(r.v);
        } else if (whole) {
            c->have[i] = true;
            c->done++;
        }
        pthread_mutex_unlock(&c->mu);
    }
    free(choice);
    free(err);
    return NULL;
}

/* Removes this shard's old point files (a fresh start). */
static void clear_points(const sweep_ctx *c)
{
    char path[PATH_LEN];
    for (size_t u = 0; u < c->n_units; u++) {
        if (!is_mine(c->o, u))
            continue;
        point_path(c, u, path, sizeof path);
        remove(path);
    }
}

/* Removes temporaries "pI.json.tmp.PID" of this shard's points that a killed run
 * left behind (other shards may be writing theirs in the same folder). */
static void clear_temporaries(const sweep_ctx *c)
{
    DIR *d = opendir(c->points_dir);
    if (!d)
        return;
    struct dirent *e;
    char path[PATH_LEN + 512];
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
        if (u >= c->n_units || !is_mine(c->o, u))
            continue;
        snprintf(path, sizeof path, "%s/%s", c->points_dir, e->d_name);
        remove(path);
    }
    closedir(d);
}

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
    unit_reps(c, u, &first, &count);
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
static void render_unit(const sweep_ctx *c, size_t u, size_t *choice)
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
        unit_reps(c, u, &first, &count);
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

static int write_outputs(const sweep_ctx *c, sim_sweep_outcome *out, sim_error *err)
{
    const sim_sweep_opts *o = c->o;
    const sim_scenario *s = c->s;
    size_t *choice = sim_xcalloc(o->n_params, sizeof *choice);
    for (size_t u = 0; u < c->n_units; u++) /* reused points (resume) */
        if (c->have[u] && !c->text[u].json)
            render_unit(c, u, choice);
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

/* How many replication ranges each unit is evaluated in: 1, unless the evaluator
 * allows it (o->split_replications) and the units are too few to keep o->jobs
 * threads evenly busy to the end: then enough for about PIECES_PER_THREAD pieces
 * a thread (a thread idles at most about one piece while the last ones finish). */
enum { PIECES_PER_THREAD = 32 };
static size_t pieces_per_unit(const sweep_ctx *c)
{
    size_t jobs = (size_t)(c->o->jobs > 0 ? c->o->jobs : 1);
    size_t reps = (size_t)(c->s->replications > 0 ? c->s->replications : 1);
    if (!c->o->split_replications || jobs < 2 || c->slices > 1 || c->n_todo == 0)
        return 1;
    size_t want = (PIECES_PER_THREAD * jobs + c->n_todo - 1) / c->n_todo;
    return want < 1 ? 1 : want < reps ? want : reps;
}

static int run_threads(sweep_ctx *c, sim_error *err)
{
    size_t n = (size_t)(c->o->jobs > 0 ? c->o->jobs : 1);
    n = n < c->n_todo * c->pieces ? n : c->n_todo * c->pieces;
    pthread_t *th = sim_xcalloc(n, sizeof *th);
    size_t started = 0;
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, worker, c) != 0)
            break;
    if (started == 0 && n > 0)
        worker(c); /* no thread could start: run here */
    for (size_t t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    free(th);
    if (c->failed) {
        sim_error_merge(err, &c->err);
        if (c->err.count == 0)
            sim_error_add(err, "sweep point %zu failed", c->failed_point);
        return -1;
    }
    return 0;
}

int sim_sweep_run(const sim_scenario *s, const sim_sweep_opts *o, sim_sweep_outcome *out,
                  sim_error *err)
{
    assert(s && o && out && o->eval && o->out_dir);
    assert(o->n_shards <= 1 || (o->shard >= 1 && o->shard <= o->n_shards));
    assert(s->n_policies == 0 || o->baseline < s->n_policies);
    memset(out, 0, sizeof *out);
    if (strlen(o->out_dir) > PATH_LEN - 128) {
        sim_error_add(err, "%.64s...: folder name too long", o->out_dir);
        return -1;
    }
    bool over = false;
    size_t n_points = sim_sweep_points(o->params, o->n_params, o->max_points, &over);
    if (over) {
        char hint[SIM_LIMITS_HINT_CAP];
        sim_error_add(err, "the sweep has more than %zu points (%s)", o->max_points,
                      sim_limits_hint("--max-sweep-points", o->max_points, hint, sizeof hint));
        return -1;
    }
    if (n_points == 0) {
        sim_error_add(err, "nothing to sweep: give --param KEY=V1,V2,... or a \"sweep\" block");
        return -1;
    }
    sweep_ctx *c = sim_xcalloc(1, sizeof *c);
    c->s = s;
    c->o = o;
    c->n_points = n_points;
    snprintf(c->points_dir, sizeof c->points_dir, "%s/points", o->out_dir);
    if (o->n_shards > 1) {
        snprintf(out->csv, sizeof out->csv, "%s/sweep-%d-of-%d.csv", o->out_dir, o->shard,
                 o->n_shards);
        snprintf(out->json, sizeof out->json, "%s/sweep-%d-of-%d.json", o->out_dir, o->shard,
                 o->n_shards);
    } else {
        snprintf(out->csv, sizeof out->csv, "%s/sweep.csv", o->out_dir);
        snprintf(out->json, sizeof out->json, "%s/sweep.json", o->out_dir);
    }
    int rc = -1;
    /* its outputs are checked before the first point runs: a sweep must not run
     * every point, then fail on a file it cannot write */
    if (sim_sweep_mkdir(c->points_dir, err) != 0 || sim_sweep_check_output(out->csv, err) != 0 ||
        sim_sweep_check_output(out->json, err) != 0)
        goto done;
    fingerprint(c);
    c->slices = sim_sweep_slices(n_points, o->n_shards, s->replications);
    c->n_units = n_points * c->slices;
    c->res = sim_xcalloc(c->n_units, sizeof *c->res);
    c->have = sim_xcalloc(c->n_units, sizeof *c->have);
    c->todo = sim_xcalloc(c->n_units, sizeof *c->todo);
    c->text = sim_xcalloc(c->n_units, sizeof *c->text);
    clear_temporaries(c);
    if (!o->resume)
        clear_points(c);
    uint64_t runs = 0, reused_runs = 0;
    for (size_t i = 0; i < c->n_units; i++) {
        if (!is_mine(o, i))
            continue;
        c->mine++;
        runs += unit_runs(c, i);
        int got = o->resume ? load_point(c, i, &c->res[i], err) : 1;
        if (got < 0)
            goto done;
        if (got == 0) {
            c->have[i] = true;
            c->done++;
            reused_runs += unit_runs(c, i);
        } else {
            c->todo[c->n_todo++] = i;
        }
    }
    out->points = n_points;
    out->slices = c->slices;
    out->mine = c->mine;
    out->reused = c->done;
    sim_progress_set_total(o->progress, runs);
    sim_progress_add(o->progress, reused_runs);
    c->pieces = pieces_per_unit(c);
    c->left = sim_xcalloc(c->n_units, sizeof *c->left);
    for (size_t k = 0; k < c->n_todo; k++)
        c->left[c->todo[k]] = c->pieces;
    pthread_mutex_init(&c->mu, NULL);
    rc = run_threads(c, err);
    pthread_mutex_destroy(&c->mu);
    if (rc == 0)
        rc = write_outputs(c, out, err);
done:
    for (size_t i = 0; c->res && i < c->n_units; i++) {
        free(c->res[i].v);
        free(c->text[i].csv);
        free(c->text[i].json);
    }
    free(c->res);
    free(c->text);
    free(c->have);
    free(c->todo);
    free(c->left);
    free(c);
    return rc;
}
