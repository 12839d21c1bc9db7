/* sweep_merge.c — joining the CSVs of sweep shards (sim_sweep_merge, sweep.h). */
#include "sweep.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"

#define MERGE_FILE_MAX ((size_t)1 << 31) /* bytes of one input */

typedef struct merge_row {
    size_t point, file, order;
    const char *line; /* into the file's text, '\n' included */
    size_t len;
} merge_row;

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

/* What a shard's last line says (SIM_SWEEP_SHARD_LINE). */
typedef struct shard_info {
    size_t index, count, points, policies;
    unsigned long long seed;
    int reps;
    char fp[17];
} shard_info;

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

int sim_sweep_merge(const char *const *inputs, size_t n, const char *out_path,
                    sim_error *err)
{
    if (n == 0) {
        sim_error_add(err, "merge: no input files");
        return -1;
    }
    char **texts = sim_xcalloc(n, sizeof *texts);
    shard_info *info = sim_xcalloc(n, sizeof *info);
    size_t *by_index = NULL; /* shard index - 1 -> input, n when absent */
    bool *present = NULL;
    merge_row *rows = NULL;
    size_t n_rows = 0, cap = 0, header_len = 0;
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
        size_t line_no = 1;
        for (const char *l = nl + 1; l < t + last; line_no++) {
            const char *e = strchr(l, '\n');
            size_t ll = (size_t)(e - l) + 1;
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
            if (r->point >= info[f].points || r->point % info[f].count != si) {
                sim_error_add(err, "%s:%zu: point %zu does not belong to shard %zu of %zu",
                              inputs[f], line_no + 1, r->point, si + 1, info[f].count);
                goto done;
            }
            r->file = f;
            r->order = n_rows++;
            r->line = l;
            r->len = ll;
            l += ll;
        }
    }
    for (size_t i = 0; i < info[0].count; i++)
        if (!present[i]) {
            report_missing(present, info[0].count, err);
            goto done;
        }
    qsort(rows, n_rows, sizeof *rows, row_cmp);
    /* Every point, one row per policy. */
    for (size_t i = 0, p = 0; p < info[0].points; p++) {
        size_t k = 0;
        for (; i < n_rows && rows[i].point == p; i++)
            k++;
        if (k != info[0].policies) {
            sim_error_add(err, "%s: point %zu has %zu rows, expected %zu (one per policy)",
                          inputs[by_index[p % info[0].count]], p, k, info[0].policies);
            goto done;
        }
    }
    sim_outfile o;
    if (sim_outfile_open(&o, out_path, err) != 0)
        goto done;
    fwrite(texts[0], 1, header_len, o.f);
    for (size_t i = 0; i < n_rows; i++)
        fwrite(rows[i].line, 1, rows[i].len, o.f);
    rc = sim_outfile_commit(&o, err);
done:
    for (size_t f = 0; f < n; f++)
        free(texts[f]);
    free(texts);
    free(info);
    free(by_index);
    free(present);
    free(rows);
    return rc;
}
