/* sweep_merge.c — joining the CSVs of sweep shards (sim_sweep_merge, sweep.h);
 * their JSONs: sweep_merge_json.c. */
#include "sweep.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "decimal.h"
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

static int row_point(const char *line, size_t len, size_t *point);

int sim__sweep_decimal(const char *s, size_t len, double *out)
{
    double x;
    if (!sim_decimal(s, len, &x) || !(fabs(x) <= SIM_SWEEP_VALUE_MAX))
        return -1;
    *out = x;
    return 0;
}

/* The metrics that count something (never missing, never negative). */
static bool is_count(size_t m)
{
    return m <= SIM_M_LOST_UNFINISHED || m == SIM_M_FAILOVERS || m == SIM_M_DISPATCHES ||
           m == SIM_M_HEDGES || m == SIM_M_BUDGET_REFUSALS || m == SIM_M_OUT_OF_ORDER ||
           m == SIM_M_ERRORS_TO_CLIENT || m == SIM_M_EVENTS;
}

const char *sim__sweep_value_check(size_t m, double x)
{
    if (is_count(m)) {
        if (!(x >= 0 && x <= SIM_SWEEP_VALUE_MAX))
            return "a count: a decimal number from 0 to 1e100";
        return NULL;
    }
    if (!isnan(x) && !(fabs(x) <= SIM_SWEEP_VALUE_MAX))
        return "a decimal number within +-1e100, or nothing (not measured)";
    return NULL;
}

/* Digits at p (before end), at most max: *out, and the end of the digits; NULL
 * when there is none or the number is over max. */
static const char *read_uint(const char *p, const char *end, size_t max, size_t *out)
{
    size_t v = 0;
    const char *start = p;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (size_t)(*p - '0');
        if (v > max)
            return NULL;
    }
    if (p == start)
        return NULL;
    *out = v;
    return p;
}

/* Parses line[0..len) ('\n' included) into *pt: the numbers strictly (each value
 * as sim__sweep_value_check allows). Returns 0, or -1 with what is wrong in
 * why[0..size). */
static int parse_part(const char *line, size_t len, merge_part *pt, char *why, size_t size)
{
    const char *p = line + strlen(SIM_SWEEP_PART_TAG), *end = line + len - 1;
    size_t pol, first, count;
    memset(pt, 0, sizeof *pt);
    if (!(p = read_uint(p, end, 1000000, &pol)) || *p != ',')
        return snprintf(why, size, "%s", "expected the policy number"), -1;
    if (!(p = read_uint(p + 1, end, 100000, &first)) || *p != ',')
        return snprintf(why, size, "%s", "expected the first replication"), -1;
    if (!(p = read_uint(p + 1, end, 100000, &count)) || *p != ',' || count < 1)
        return snprintf(why, size, "%s", "expected the number of replications (1 or more)"), -1;
    size_t n = (size_t)count * SIM_M_COUNT;
    pt->v = sim_xcalloc(n, sizeof *pt->v);
    for (size_t k = 0; k < n; k++) {
        if (p >= end || *p != ',') {
            free(pt->v);
            pt->v = NULL;
            return snprintf(why, size, "%s", "fewer values than replications x metrics"), -1;
        }
        p++;
        const char *q = p;
        while (q < end && *q != ',')
            q++;
        size_t m = k % SIM_M_COUNT;
        if (q == p)
            pt->v[k] = NAN;
        else if (sim__sweep_decimal(p, (size_t)(q - p), &pt->v[k]) != 0)
            pt->v[k] = INFINITY; /* refused below */
        const char *bad = sim__sweep_value_check(m, pt->v[k]);
        if (bad) {
            free(pt->v);
            pt->v = NULL;
            snprintf(why, size, "replication %zu's %s: expected %s, got '%.*s'",
                     (size_t)first + k / SIM_M_COUNT, sim_metric_name((sim_metric)m), bad,
                     (int)(q - p < 40 ? q - p : 40), p);
            return -1;
        }
        p = q;
    }
    if (p >= end || *p != ',' || row_point(p + 1, (size_t)(end - p), &pt->point) != 0) {
        free(pt->v);
        pt->v = NULL;
        return snprintf(why, size, "%s", "expected the point number after the values"), -1;
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
                if (parse_part(l, ll, pt, why, sizeof why) != 0) {
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
        qsort(parts, n_parts, sizeof *parts, part_cmp);
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
    if (slices > 1 && check_parts(parts, n_parts, &info[0], inputs, err) != 0)
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
