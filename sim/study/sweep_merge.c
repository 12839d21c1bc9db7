/* sweep_merge.c — joining the CSVs of sweep shards (sim_sweep_merge, sweep.h);
 * their JSONs: sweep_merge_json.c. */
#include "sweep.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "merge_internal.h"
#include "outfile.h"
#include "report.h"

#define MERGE_FILE_MAX ((size_t)1 << 31) /* bytes of one input */

typedef struct merge_row {
    size_t point, file, order;
    const char *line; /* into the file's text, '\n' included */
    size_t len;
} merge_row;

static int row_point(const char *line, size_t len, size_t *point);

/* Parses line[0..len) ('\n' included) into *pt. Returns 0, or -1 with what is wrong
 * in why. */
static int parse_part(const char *line, size_t len, merge_part *pt, const char **why)
{
    const char *p = line + strlen(SIM_SWEEP_PART_TAG), *end = line + len - 1;
    char *e;
    memset(pt, 0, sizeof *pt);
    unsigned long long pol = strtoull(p, &e, 10);
    if (e == p || *e != ',')
        return *why = "expected the policy number", -1;
    p = e + 1;
    long first = strtol(p, &e, 10);
    if (e == p || *e != ',' || first < 0 || first > 100000)
        return *why = "expected the first replication", -1;
    p = e + 1;
    long count = strtol(p, &e, 10);
    if (e == p || *e != ',' || count < 1 || count > 100000)
        return *why = "expected the number of replications", -1;
    p = e;
    size_t n = (size_t)count * SIM_M_COUNT;
    pt->v = sim_xcalloc(n, sizeof *pt->v);
    for (size_t k = 0; k < n; k++) {
        if (p >= end || *p != ',') {
            free(pt->v);
            pt->v = NULL;
            return *why = "fewer values than replications x metrics", -1;
        }
        p++;
        if (*p == ',') {
            pt->v[k] = NAN;
            continue;
        }
        pt->v[k] = strtod(p, &e);
        if (e == p || (*e != ',' && *e != '\n')) {
            free(pt->v);
            pt->v = NULL;
            return *why = "expected a number", -1;
        }
        p = e;
    }
    if (p >= end || *p != ',' || row_point(p + 1, (size_t)(end - p), &pt->point) != 0) {
        free(pt->v);
        pt->v = NULL;
        return *why = "expected the point number after the values", -1;
    }
    pt->policy = (size_t)pol;
    pt->first = (int)first;
    pt->count = (int)count;
    pt->prefix = p + 1;
    pt->prefix_len = (size_t)(end - p - 1);
    return 0;
}

static int part_cmp(const void *a, const void *b)
{
    const merge_part *x = a, *y = b;
    if (x->point != y->point)
        return x->point < y->point ? -1 : 1;
    if (x->policy != y->policy)
        return x->policy < y->policy ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

/* Reads path whole; returns a NUL-terminated buffer or NULL (err). */
static char *slurp(const char *path, size_t *len, sim_error *err)
{
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

/* The leading "point" field of a row: digits then a comma. */
static int row_point(const char *line, size_t len, size_t *point)
{
    size_t i = 0, v = 0;
    for (; i < len && line[i] >= '0' && line[i] <= '9' && i < 19; i++)
        v = v * 10 + (size_t)(line[i] - '0');
    if (i == 0 || i >= len || line[i] != ',')
        return -1;
    *point = v;
    return 0;
}

/* Parses the shard line line[0..len) ('\n' included). Returns 0 or -1. */
static int parse_shard_line(const char *line, size_t len, shard_info *si)
{
    char buf[256], tail = 0;
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, line, len);
    buf[len] = '\0';
    memset(si, 0, sizeof *si);
    int n = sscanf(buf,
                   "# dsim sweep shard %zu/%zu points=%zu policies=%zu seed=%llu "
                   "replications=%d fingerprint=%16[0-9a-f]%c",
                   &si->index, &si->count, &si->points, &si->policies, &si->seed, &si->reps,
                   si->fp, &tail);
    if (n != 8 || tail != '\n' || strlen(si->fp) != 16 || si->count < 2 ||
        si->count > 1000000 || si->index < 1 || si->index > si->count || si->points < 1 ||
        si->policies < 1 || si->reps < 1)
        return -1;
    return 0;
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

/* The slice of range (first, count) of `reps` cut into k, or k when there is none. */
static size_t slice_of(int reps, size_t k, int first, int count)
{
    size_t sl = ((size_t)first * k + (size_t)reps - 1) / (size_t)reps; /* ceil(first k / R) */
    int f, c;
    if (sl >= k)
        return k;
    sim_sweep_slice_reps(reps, k, sl, &f, &c);
    return f == first && c == count ? sl : k;
}

/* Checks that the parts (sorted) cover every point x policy x replication exactly
 * once with the same leading fields. Returns 0 or -1 (err). */
static int check_parts(const merge_part *pt, size_t n_parts, const shard_info *si,
                       const char *const *inputs, sim_error *err)
{
    size_t i = 0;
    for (size_t p = 0; p < si->points; p++)
        for (size_t q = 0; q < si->policies; q++) {
            int next = 0;
            const merge_part *head = i < n_parts ? &pt[i] : NULL;
            for (; i < n_parts && pt[i].point == p && pt[i].policy == q; i++) {
                if (pt[i].first > next) {
                    sim_error_add(err, "merge: point %zu, policy %zu: replications %d..%d "
                                       "missing",
                                  p, q, next, pt[i].first - 1);
                    return -1;
                }
                if (pt[i].first < next) {
                    sim_error_add(err, "%s: point %zu, policy %zu: replications %d..%d given "
                                       "twice",
                                  inputs[pt[i].file], p, q, pt[i].first,
                                  pt[i].first + pt[i].count - 1);
                    return -1;
                }
                if (pt[i].prefix_len != head->prefix_len ||
                    memcmp(pt[i].prefix, head->prefix, head->prefix_len) != 0) {
                    sim_error_add(err, "%s: point %zu, policy %zu: its knob values or policy "
                                       "name differ from those in %s",
                                  inputs[pt[i].file], p, q, inputs[head->file]);
                    return -1;
                }
                next += pt[i].count;
            }
            if (next != si->reps) {
                sim_error_add(err, "merge: point %zu, policy %zu: replications %d..%d missing",
                              p, q, next, si->reps - 1);
                return -1;
            }
        }
    return 0;
}

/* Point p's results (every policy, every replication) from its parts, starting
 * at pt[*i]; advances *i past them. */
void sim__merge_part_results(const merge_part *pt, size_t n_parts, size_t *i,
                              const shard_info *si, sim_results *r)
{
    r->n_policies = si->policies;
    r->n_reps = (size_t)si->reps;
    r->v = sim_xcalloc(r->n_policies * r->n_reps * SIM_M_COUNT, sizeof *r->v);
    size_t p = pt[*i].point;
    for (; *i < n_parts && pt[*i].point == p; (*i)++)
        memcpy(sim_results_at(r, pt[*i].policy, (size_t)pt[*i].first), pt[*i].v,
               (size_t)pt[*i].count * SIM_M_COUNT * sizeof *r->v);
}

int sim_sweep_merge(const char *const *inputs, size_t n, const char *out_path,
                    sim_error *err)
{
    return sim_sweep_merge_json(inputs, n, out_path, NULL, err);
}

int sim_sweep_merge_json(const char *const *inputs, size_t n, const char *out_path,
                         const char *json_out, sim_error *err)
{
    if (n == 0) {
        sim_error_add(err, "merge: no input files");
        return -1;
    }
    char **texts = sim_xcalloc(n, sizeof *texts);
    shard_info *info = sim_xcalloc(n, sizeof *info);
    json_t **roots = sim_xcalloc(n, sizeof *roots);
    size_t *by_index = NULL; /* shard index - 1 -> input, n when absent */
    bool *present = NULL;
    merge_row *rows = NULL;
    merge_part *parts = NULL;
    char *json_text = NULL;
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
        if (parse_shard_line(t + last, len - last, &info[f]) != 0) {
            sim_error_add(err, "%s: its shard line is malformed: '%.120s'", inputs[f], t + last);
            goto done;
        }
        size_t hl = (size_t)(nl - t) + 1;
        if (f == 0) {
            header_len = hl;
            by_index = sim_xcalloc(info[0].count, sizeof *by_index);
            present = sim_xcalloc(info[0].count, sizeof *present);
            slices = sim_sweep_slices(info[0].points, (int)info[0].count, info[0].reps);
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
        if (json_out && !(roots[f] = sim__merge_load_json(inputs[f], &info[f], err)))
            goto done;
        size_t line_no = 1;
        for (const char *next = nl + 1; next < t + last; line_no++) {
            const char *l = next;
            size_t ll = (size_t)(strchr(l, '\n') - l) + 1;
            next += ll;
            if (strncmp(l, SIM_SWEEP_PART_TAG, strlen(SIM_SWEEP_PART_TAG)) == 0) {
                if (n_parts == cap_parts) {
                    cap_parts = cap_parts ? 2 * cap_parts : 256;
                    parts = sim_xrealloc(parts, cap_parts * sizeof *parts);
                }
                merge_part *pt = &parts[n_parts];
                const char *why = "";
                if (slices == 1) {
                    sim_error_add(err, "%s:%zu: a replication range, but the points of this "
                                       "sweep are not split (shards <= points)",
                                  inputs[f], line_no + 1);
                    goto done;
                }
                if (parse_part(l, ll, pt, &why) != 0) {
                    sim_error_add(err, "%s:%zu: malformed replication range: %s", inputs[f],
                                  line_no + 1, why);
                    goto done;
                }
                n_parts++;
                pt->file = f;
                size_t sl = slice_of(info[f].reps, slices, pt->first, pt->count);
                if (pt->point >= info[f].points || pt->policy >= info[f].policies ||
                    sl == slices || (pt->point * slices + sl) % info[f].count != si) {
                    sim_error_add(err, "%s:%zu: point %zu, replications %d..%d do not belong "
                                       "to shard %zu of %zu",
                                  inputs[f], line_no + 1, pt->point, pt->first,
                                  pt->first + pt->count - 1, si + 1, info[f].count);
                    goto done;
                }
                continue;
            }
            if (n_rows == cap) {
                cap = cap ? 2 * cap : 256;
                rows = sim_xrealloc(rows, cap * sizeof *rows);
            }
            merge_row *r = &rows[n_rows];
            if (row_point(l, ll, &r->point) != 0) {
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
            r->file = f;
            r->order = n_rows++;
            r->line = l;
            r->len = ll;
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
        qsort(parts, n_parts, sizeof *parts, part_cmp);
    /* Every point, one row per policy. */
    for (size_t i = 0, p = 0; slices == 1 && p < info[0].points; p++) {
        size_t k = 0;
        for (; i < n_rows && rows[i].point == p; i++)
            k++;
        if (k != info[0].policies) {
            sim_error_add(err, "%s: point %zu has %zu rows, expected %zu (one per policy)",
                          inputs[by_index[p % info[0].count]], p, k, info[0].policies);
            goto done;
        }
    }
    if (slices > 1 && check_parts(parts, n_parts, &info[0], inputs, err) != 0)
        goto done;
    if (json_out && !(json_text = sim__merge_json(roots, n, &info[0], parts, n_parts, err)))
        goto done;
    sim_outfile o;
    if (sim_outfile_open(&o, out_path, err) != 0)
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
    if ((rc = sim_outfile_commit(&o, err)) != 0 || !json_out)
        goto done;
    size_t jl = strlen(json_text);
    json_text[jl] = '\n'; /* the NUL becomes the last newline; written by length */
    rc = sim_outfile_write(json_out, json_text, jl + 1, err);
done:
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
    return rc;
}
