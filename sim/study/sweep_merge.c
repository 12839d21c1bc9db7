/* sweep_merge.c — joining the CSVs of sweep shards (sim_sweep_merge, sweep.h);
 * their lines read: sweep_merge_lines.c; their JSONs: sweep_merge_json.c. */
#include "sweep.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "merge_internal.h"
#include "outfile.h"
#include "report.h"

#define MERGE_FILE_MAX ((size_t)1 << 31) /* bytes of one input */

typedef struct merge_row {
    size_t point, file, order;
    size_t policy, line_no; /* its policy's number, its line in its file */
    const char *line; /* into the file's text, '\n' included */
    size_t len;
} merge_row;

/* Reads path whole; returns a NUL-terminated buffer or NULL (err). */
static char *slurp(const char *path, size_t *len, sim_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        sim_error_add(err, "%s: a folder: merge takes the shards' CSV files "
                           "(%s/sweep-I-of-N.csv)", path, path);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        sim_error_add(err, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = sim_xrealloc(NULL, cap);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 >= cap) {
            if (cap >= MERGE_FILE_MAX) {
                sim_error_add(err, "%s: larger than %zu bytes", path, MERGE_FILE_MAX);
                fclose(f);
                free(buf);
                return NULL;
            }
            cap *= 2;
            buf = sim_xrealloc(buf, cap);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        sim_error_add(err, "%s: read error", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int row_cmp(const void *a, const void *b)
{
    const merge_row *x = a, *y = b;
    if (x->point != y->point)
        return x->point < y->point ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Says how b (of file fb) differs from a (of fa) in err; 0 when it does not. */
static int shard_differs(const shard_info *a, const char *fa, const shard_info *b,
                         const char *fb, sim_error *err)
{
    const struct {
        const char *what;
        unsigned long long here, there;
    } field[] = {{"shard count", b->count, a->count},
                 {"points", b->points, a->points},
                 {"policies", b->policies, a->policies},
                 {"seed", b->seed, a->seed},
                 {"replications", (unsigned long long)b->reps, (unsigned long long)a->reps}};
    for (size_t i = 0; i < sizeof field / sizeof field[0]; i++) {
        if (field[i].here != field[i].there) {
            sim_error_add(err, "%s: not a shard of the same sweep as %s: %s %llu here, %llu there",
                          fb, fa, field[i].what, field[i].here, field[i].there);
            return -1;
        }
    }
    if (strcmp(a->fp, b->fp) != 0) {
        sim_error_add(err,
                      "%s: not a shard of the same sweep as %s: fingerprint %s here, %s there "
                      "(another scenario text, samples file, knob values or dsim version)",
                      fb, fa, b->fp, a->fp);
        return -1;
    }
    return 0;
}

/* "shard 3 of 4 missing" or "shards 2, 3 of 4 missing" (the first few). */
static void report_missing(const bool *present, size_t count, sim_error *err)
{
    char list[400] = "";
    size_t missing = 0, w = 0;
    for (size_t i = 0; i < count; i++) {
        if (present[i])
            continue;
        if (missing < 10 && w < sizeof list) {
            int k = snprintf(list + w, sizeof list - w, "%s%zu", missing ? ", " : "", i + 1);
            w += k > 0 ? (size_t)k : 0;
        } else if (missing == 10 && w < sizeof list) {
            snprintf(list + w, sizeof list - w, ", ...");
            w = sizeof list;
        }
        missing++;
    }
    sim_error_add(err,
                  "merge: shard%s %s of %zu missing (give every sweep-I-of-%zu.csv of the sweep)",
                  missing > 1 ? "s" : "", list, count, count);
}

int sim_sweep_merge(const char *const *inputs, size_t n, const char *out_path,
                    sim_error *err)
{
    return sim_sweep_merge_json(inputs, n, out_path, NULL, err);
}

/* Refuses outputs that name an input (a shard's CSV or JSON) or each other, and
 * outputs that cannot be written: before anything is read. Returns 0 or -1 (err). */
static int check_outputs(const char *const *inputs, size_t n, const char *out_path,
                         const char *json_out, sim_error *err)
{
    if (json_out && sim_path_same(out_path, json_out)) {
        sim_error_add(err, "merge: -o and --json both name %s: give two files", json_out);
        return -1;
    }
    for (size_t f = 0; f < n; f++) {
        char jp[4096] = "";
        sim_error ignored = {0};
        sim__merge_json_path(inputs[f], jp, sizeof jp, &ignored);
        const char *outs[] = {out_path, json_out}, *opt[] = {"-o", "--json"};
        for (int o = 0; o < 2; o++) {
            if (!outs[o])
                continue;
            const char *in = sim_path_same(outs[o], inputs[f]) ? inputs[f]
                             : jp[0] && sim_path_same(outs[o], jp) ? jp
                                                                    : NULL;
            if (in) {
                sim_error_add(err, "merge: %s %s is the input %s: it would be replaced (write "
                                   "the merged file elsewhere)",
                              opt[o], outs[o], in);
                return -1;
            }
        }
    }
    if (sim_sweep_check_output(out_path, err) != 0 ||
        (json_out && sim_sweep_check_output(json_out, err) != 0))
        return -1;
    return 0;
}

int sim_sweep_merge_json(const char *const *inputs, size_t n, const char *out_path,
                         const char *json_out, sim_error *err)
{
    if (n == 0) {
        sim_error_add(err, "merge: no input files");
        return -1;
    }
    if (check_outputs(inputs, n, out_path, json_out, err) != 0)
        return -1;
    char **texts = sim_xcalloc(n, sizeof *texts);
    shard_info *info = sim_xcalloc(n, sizeof *info);
    json_t **roots = sim_xcalloc(n, sizeof *roots);
    size_t *by_index = NULL; /* shard index - 1 -> input, n when absent */
    bool *present = NULL;
    merge_row *rows = NULL;
    merge_part *parts = NULL;
    char *json_text = NULL;
    merge_sweep sw = {0};
    sim_outfile o = {0}, oj = {0};
    size_t n_rows = 0, cap = 0, n_parts = 0, cap_parts = 0, header_len = 0, slices = 1;
    int rc = -1;
    for (size_t f = 0; f < n; f++) {
        size_t len;
        if (!(texts[f] = slurp(inputs[f], &len, err)))
            goto done;
        const char *t = texts[f];
        const char *nl = strchr(t, '\n');
        if (strncmp(t, "point,", 6) != 0 || !nl) {
            sim_error_add(err, "%s: not a dsim sweep CSV (no 'point,...' header line)",
                          inputs[f]);
            goto done;
        }
        if (t[len - 1] != '\n') {
            sim_error_add(err, "%s: the last line is cut short (no newline)", inputs[f]);
            goto done;
        }
        size_t last = len - 1; /* start of the last line */
        while (last > 0 && t[last - 1] != '\n')
            last--;
        if (strncmp(t + last, "# dsim sweep shard ", 19) != 0) {
            sim_error_add(err,
                          "%s: no shard line at its end: only the CSVs of 'dsim sweep --shard "
                          "I/N' (this dsim or later) can be merged",
                          inputs[f]);
            goto done;
        }
        if (sim__merge_parse_shard_line(t + last, len - last, &info[f]) != 0) {
            sim_error_add(err, "%s: its shard line is malformed: '%.120s'", inputs[f], t + last);
            goto done;
        }
        size_t hl = (size_t)(nl - t) + 1;
        if (f == 0) {
            header_len = hl;
            by_index = sim_xcalloc(info[0].count, sizeof *by_index);
            present = sim_xcalloc(info[0].count, sizeof *present);
            slices = sim_sweep_slices(info[0].points, (int)info[0].count, info[0].reps);
            sw.knobs_of = sim_xcalloc(info[0].points, sizeof *sw.knobs_of);
            sw.policies_of = sim_xcalloc(info[0].points, sizeof *sw.policies_of);
            sw.reps = info[0].reps;
        } else if (shard_differs(&info[0], inputs[0], &info[f], inputs[f], err) != 0) {
            goto done;
        } else if (hl != header_len || memcmp(t, texts[0], hl) != 0) {
            sim_error_add(err, "%s: its header differs from %s's: not shards of one sweep",
                          inputs[f], inputs[0]);
            goto done;
        }
        size_t si = info[f].index - 1;
        if (present[si]) {
            sim_error_add(err, "merge: %s and %s are both shard %zu of %zu", inputs[by_index[si]],
                          inputs[f], si + 1, info[f].count);
            goto done;
        }
        present[si] = true;
        by_index[si] = f;
        /* the shard's JSON says what its rows must hold */
        if (!(roots[f] = sim__merge_load_json(inputs[f], &info[f], err)) ||
            sim__merge_take_json(&sw, roots, f, info[0].points, inputs, err) != 0)
            goto done;
        if (f == 0 && !sim__merge_header_is(&sw, t, hl)) {
            sim_error_add(err, "%s:1: expected the header 'point', the sweep's knobs (as its "
                               "JSON lists them), then this dsim's columns of a run's CSV",
                          inputs[f]);
            goto done;
        }
        size_t line_no = 1;
        for (const char *next = nl + 1; next < t + last; line_no++) {
            const char *l = next;
            size_t ll = (size_t)(strchr(l, '\n') - l) + 1;
            next += ll;
            char why[300] = "";
            if (strncmp(l, SIM_SWEEP_PART_TAG, strlen(SIM_SWEEP_PART_TAG)) == 0) {
                if (n_parts == cap_parts) {
                    cap_parts = cap_parts ? 2 * cap_parts : 256;
                    parts = sim_xrealloc(parts, cap_parts * sizeof *parts);
                }
                merge_part *pt = &parts[n_parts];
                if (slices == 1) {
                    sim_error_add(err, "%s:%zu: a replication range, but the points of this "
                                       "sweep are not split (shards <= points)",
                                  inputs[f], line_no + 1);
                    goto done;
                }
                if (sim__merge_parse_part(l, ll, pt, why, sizeof why) != 0) {
                    sim_error_add(err, "%s:%zu: malformed replication range: %s", inputs[f],
                                  line_no + 1, why);
                    goto done;
                }
                n_parts++;
                pt->file = f;
                size_t sl = sim__merge_slice_of(info[f].reps, slices, pt->first, pt->count);
                if (pt->point >= info[f].points || pt->policy >= info[f].policies ||
                    sl == slices || (pt->point * slices + sl) % info[f].count != si) {
                    sim_error_add(err, "%s:%zu: point %zu, replications %d..%d do not belong "
                                       "to shard %zu of %zu",
                                  inputs[f], line_no + 1, pt->point, pt->first,
                                  pt->first + pt->count - 1, si + 1, info[f].count);
                    goto done;
                }
                size_t q = 0;
                if (sim__merge_check_fields(&sw, pt->prefix, pt->prefix + pt->prefix_len, false,
                                            pt->point, &q, why, sizeof why) != 0 ||
                    (q != pt->policy &&
                     snprintf(why, sizeof why, "column policy: expected '%s', the name of the "
                                               "line's policy %zu",
                              json_string_value(json_array_get(sw.names, pt->policy)),
                              pt->policy) > 0)) {
                    sim_error_add(err, "%s:%zu: %s", inputs[f], line_no + 1, why);
                    goto done;
                }
                continue;
            }
            if (n_rows == cap) {
                cap = cap ? 2 * cap : 256;
                rows = sim_xrealloc(rows, cap * sizeof *rows);
            }
            merge_row *r = &rows[n_rows];
            if (sim__merge_row_point(l, ll, &r->point) != 0) {
                sim_error_add(err, "%s:%zu: expected a point number in the first column",
                              inputs[f], line_no + 1);
                goto done;
            }
            if (slices > 1) {
                sim_error_add(err, "%s:%zu: a row of means, but this sweep's points are split "
                                   "into replication ranges (shards > points)",
                              inputs[f], line_no + 1);
                goto done;
            }
            if (r->point >= info[f].points || r->point % info[f].count != si) {
                sim_error_add(err, "%s:%zu: point %zu does not belong to shard %zu of %zu",
                              inputs[f], line_no + 1, r->point, si + 1, info[f].count);
                goto done;
            }
            if (sim__merge_check_fields(&sw, l, l + ll - 1, true, r->point, &r->policy, why,
                                        sizeof why) != 0) {
                sim_error_add(err, "%s:%zu: %s", inputs[f], line_no + 1, why);
                goto done;
            }
            r->file = f;
            r->order = n_rows++;
            r->line = l;
            r->len = ll;
            r->line_no = line_no + 1;
        }
    }
    for (size_t i = 0; i < info[0].count; i++)
        if (!present[i]) {
            report_missing(present, info[0].count, err);
            goto done;
        }
    if (rows)
        qsort(rows, n_rows, sizeof *rows, row_cmp);
    if (parts)
        qsort(parts, n_parts, sizeof *parts, sim__merge_part_cmp);
    /* Every point, one row per policy, in the policies' order. */
    for (size_t i = 0, p = 0; slices == 1 && p < info[0].points; p++) {
        size_t k = 0, start = i;
        for (; i < n_rows && rows[i].point == p; i++)
            k++;
        if (k != info[0].policies) {
            sim_error_add(err, "%s: point %zu has %zu rows, expected %zu (one per policy)",
                          inputs[by_index[p % info[0].count]], p, k, info[0].policies);
            goto done;
        }
        for (size_t q = 0; q < k; q++) {
            const merge_row *r = &rows[start + q];
            if (r->policy != q) {
                sim_error_add(err, "%s:%zu: point %zu: expected the row of policy '%s' (the "
                                   "sweep's policy %zu), got '%s'",
                              inputs[r->file], r->line_no, p,
                              json_string_value(json_array_get(sw.names, q)), q,
                              json_string_value(json_array_get(sw.names, r->policy)));
                goto done;
            }
        }
    }
    if (slices > 1 && sim__merge_check_parts(parts, n_parts, &info[0], inputs, err) != 0)
        goto done;
    if (json_out && !(json_text = sim__merge_json(roots, n, &info[0], parts, n_parts, err)))
        goto done;
    /* Both outputs open before either is written, both whole before either is
     * renamed into place. */
    if (sim_outfile_open(&o, out_path, err) != 0 ||
        (json_out && sim_outfile_open(&oj, json_out, err) != 0))
        goto done;
    fwrite(texts[0], 1, header_len, o.f);
    for (size_t i = 0; i < n_rows; i++)
        fwrite(rows[i].line, 1, rows[i].len, o.f);
    for (size_t i = 0; i < n_parts;) { /* a row per point x policy from its ranges */
        sim_results r = {.n_policies = 1, .n_reps = (size_t)info[0].reps};
        r.v = sim_xcalloc(r.n_reps * SIM_M_COUNT, sizeof *r.v);
        fwrite(parts[i].prefix, 1, parts[i].prefix_len, o.f);
        size_t p = parts[i].point, q = parts[i].policy;
        for (; i < n_parts && parts[i].point == p && parts[i].policy == q; i++)
            memcpy(r.v + (size_t)parts[i].first * SIM_M_COUNT, parts[i].v,
                   (size_t)parts[i].count * SIM_M_COUNT * sizeof *r.v);
        sim_report_csv_metrics(o.f, &r, 0);
        sim_results_free(&r);
    }
    if (json_out) {
        size_t jl = strlen(json_text);
        json_text[jl] = '\n'; /* the NUL becomes the last newline; written by length */
        fwrite(json_text, 1, jl + 1, oj.f);
    }
    bool whole = sim_outfile_checkpoint(&o, 0) == 0;
    if (!whole || (json_out && sim_outfile_checkpoint(&oj, 0) != 0)) {
        /* the commit of the one that failed reports the error and removes it */
        sim_outfile_commit(whole ? &oj : &o, err);
        goto done;
    }
    if (sim_outfile_commit(&o, err) != 0)
        goto done;
    rc = json_out ? sim_outfile_commit(&oj, err) : 0;
done:
    sim_outfile_abort(&o);
    sim_outfile_abort(&oj);
    for (size_t f = 0; f < n; f++) {
        free(texts[f]);
        json_decref(roots[f]);
    }
    for (size_t i = 0; i < n_parts; i++)
        free(parts[i].v);
    free(parts);
    free(json_text);
    free(texts);
    free(roots);
    free(info);
    free(by_index);
    free(present);
    free(rows);
    free(sw.knobs_of);
    free(sw.policies_of);
    return rc;
}
