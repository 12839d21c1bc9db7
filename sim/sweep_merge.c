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

int sim_sweep_merge(const char *const *inputs, size_t n, const char *out_path,
                    sim_error *err)
{
    if (n == 0) {
        sim_error_add(err, "merge: no input files");
        return -1;
    }
    char **texts = sim_xrealloc(NULL, n * sizeof *texts);
    memset(texts, 0, n * sizeof *texts);
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
        size_t hl = (size_t)(nl - t) + 1;
        if (f == 0) {
            header_len = hl;
        } else if (hl != header_len || memcmp(t, texts[0], hl) != 0) {
            sim_error_add(err, "%s: its header differs from %s's: not shards of one sweep",
                          inputs[f], inputs[0]);
            goto done;
        }
        size_t line_no = 1;
        for (const char *l = nl + 1; *l; line_no++) {
            const char *e = strchr(l, '\n');
            size_t ll = e ? (size_t)(e - l) + 1 : strlen(l);
            if (!e) {
                sim_error_add(err, "%s:%zu: the last line is cut short (no newline)",
                              inputs[f], line_no + 1);
                goto done;
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
            r->file = f;
            r->order = n_rows++;
            r->line = l;
            r->len = ll;
            l += ll;
        }
    }
    qsort(rows, n_rows, sizeof *rows, row_cmp);
    for (size_t i = 1; i < n_rows; i++) {
        if (rows[i].point == rows[i - 1].point && rows[i].file != rows[i - 1].file) {
            sim_error_add(err, "merge: point %zu is in both %s and %s", rows[i].point,
                          inputs[rows[i - 1].file], inputs[rows[i].file]);
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
    free(rows);
    return rc;
}
