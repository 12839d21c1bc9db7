/*
 * plot_check.c — a CSV checked whole before anything is drawn from it
 * (sim_plot_csv_check, plot_data.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "outfile.h"
#include "plot_data.h"
#include "xalloc.h"

#define PD_FIELDS 256   /* CSV fields read per row (as plot_data.c) */
#define PD_WIDTH 512    /* bytes per unquoted field */
#define PD_LINE (1 << 20)

/* ---- checking a CSV before it is drawn ---------------------------------------- */

/* The columns each kind's scripts draw (the .gp scripts of plots/). */
static const char *const RUN_NEEDS[] = {"duplicate_rate", "duplicate_rate_ci95", "lost_rate",
                                        "lost_rate_ci95", "latency_s.p50", "latency_s.p90",
                                        "latency_s.p99", "latency_s.p999", NULL};
static const char *const SWEEP_NEEDS[] = {"duplicates", "duplicates_ci95", "lost", "lost_ci95",
                                          "duplicate_rate", "duplicate_rate_ci95", "lost_rate",
                                          "lost_rate_ci95", NULL};

/* A decimal number as dsim writes one (decimal.h). */
static bool decimal(const char *s)
{
    double x;
    return sim_decimal(s, strlen(s), &x);
}

/* A whole number >= min, in decimal digits only. */
static bool whole(const char *s, unsigned long min)
{
    if (!(*s >= '0' && *s <= '9') || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
        return false;
    return strtoul(s, NULL, 10) >= min;
}

/* What column c of a row (named `name`; a knob when knob) must hold, or NULL when
 * `v` fits. */
static const char *field_want(sim_plot_kind kind, size_t c, bool knob, const char *name,
                              const char *v)
{
    if (kind == SIM_PLOT_SWEEP && c == 0)
        return whole(v, 0) ? NULL : "a point number (0, 1, ...)";
    if (knob || strcmp(name, "policy") == 0 || strcmp(name, "dsim_version") == 0)
        return v[0] ? NULL : "a value, not an empty field";
    if (strcmp(name, "replications") == 0)
        return whole(v, 1) ? NULL : "an integer >= 1";
    if (strcmp(name, "replication") == 0)
        return whole(v, 0) ? NULL : "an integer >= 0";
    if (strcmp(name, "schema_version") == 0)
        return whole(v, 1) ? NULL : "an integer >= 1";
    if (kind == SIM_PLOT_LATENCIES && strcmp(name, "latency_s") == 0)
        return decimal(v) && v[0] != '-' ? NULL : "a latency in seconds, a decimal number >= 0";
    return !v[0] || decimal(v) ? NULL : "a decimal number, or an empty field (not measured)";
}

/* A shard's CSV: its trailer "# dsim sweep shard I/N ..." (or its "#part" rows). */
static void shard_refusal(const char *csv, size_t lineno, const char *line, sim_error *err)
{
    unsigned i = 0, n = 0;
    char folder[PD_WIDTH];
    sim_path_dir(csv, folder, sizeof folder);
    if (sscanf(line, "# dsim sweep shard %u/%u", &i, &n) == 2)
        sim_error_add(err, "%s:%zu: shard %u/%u of a sweep (dsim sweep --shard), only part of it: "
                      "plot the merged CSV (dsim merge %s/sweep-*-of-%u.csv -o %s/sweep.csv "
                      "--json %s/sweep.json)", csv, lineno, i, n, folder, n, folder, folder);
    else
        sim_error_add(err, "%s:%zu: a '#part' line: a shard of a sweep (dsim sweep --shard), only "
                      "part of it: plot the merged CSV (dsim merge)", csv, lineno);
}

int sim_plot_csv_check(const char *csv, sim_plot_kind *kind, sim_error *err)
{
    FILE *in = fopen(csv, "rb");
    if (!in) {
        sim_error_add(err, "%s: cannot read: %s", csv, strerror(errno));
        return -1;
    }
    char *line = NULL, *fields = sim_xmalloc((size_t)(PD_FIELDS + 1) * PD_WIDTH);
    char(*head)[PD_WIDTH] = sim_xmalloc((size_t)PD_FIELDS * PD_WIDTH);
    size_t cap = 0, lineno = 0, ncols = 0, pol = 0, rows = 0, part = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if (len == 0 || line[len - 1] != '\n') {
            sim_error_add(err, "%s:%zu: the last line is cut short (no newline at its end)", csv,
                          lineno);
            rc = -1;
            break;
        }
        if (memchr(line, '\0', (size_t)len) || len > PD_LINE) {
            sim_error_add(err, "%s:%zu: %s", csv, lineno,
                          len > PD_LINE ? "a line over 1 MiB" : "a NUL byte (not a text CSV)");
            rc = -1;
            break;
        }
        if (line[0] == '#' && (lineno > 1 || strncmp(line, "#part,", 6) == 0)) {
            if (strncmp(line, "# dsim sweep shard ", 19) == 0) {
                shard_refusal(csv, lineno, line, err);
                rc = -1;
            } else if (strncmp(line, "#part,", 6) == 0 && !part) {
                part = lineno; /* the trailer at the end says which shard */
            }
            if (part || rc)
                continue;
        }
        size_t n = sim_plot_csv_fields(line, fields, PD_WIDTH, NULL, PD_FIELDS + 1);
        if (lineno == 1) {
            if (n > PD_FIELDS) {
                sim_error_add(err, "%s:1: more than %d columns", csv, PD_FIELDS);
                rc = -1;
                break;
            }
            for (size_t c = 0; c < n; c++)
                memcpy(head[c], fields + c * PD_WIDTH, PD_WIDTH);
            ncols = n;
            for (pol = 1; pol < n && strcmp(head[pol], "policy") != 0; pol++)
                ;
            bool lat = n >= 3 && strcmp(head[0], "policy") == 0 &&
                       strcmp(head[1], "replication") == 0 && strcmp(head[2], "latency_s") == 0;
            if (strcmp(head[0], "point") == 0 && n > 2)
                *kind = SIM_PLOT_SWEEP;
            else if (strcmp(head[0], "policy") == 0 && n > 2)
                *kind = lat ? SIM_PLOT_LATENCIES : SIM_PLOT_RUN;
            else {
                sim_error_add(err, "%s: not a dsim CSV (expected a 'point,...' or 'policy,...' "
                              "header)", csv);
                rc = -1;
                break;
            }
            if (*kind == SIM_PLOT_SWEEP && (pol == n || pol == 1)) {
                sim_error_add(err, "%s: a sweep CSV without knob or policy columns", csv);
                rc = -1;
                break;
            }
            const char *const *needs = *kind == SIM_PLOT_SWEEP ? SWEEP_NEEDS
                                       : *kind == SIM_PLOT_RUN ? RUN_NEEDS : NULL;
            for (size_t k = 0; needs && needs[k] && rc == 0; k++) {
                size_t c = 0;
                while (c < n && strcmp(head[c], needs[k]) != 0)
                    c++;
                if (c == n) {
                    sim_error_add(err, "%s:1: no column '%s' (expected the header of %s)", csv,
                                  needs[k], *kind == SIM_PLOT_SWEEP
                                                ? "a dsim sweep CSV, sweep.csv"
                                                : "a dsim run CSV: results.csv, or dsim run "
                                                  "--format csv");
                    rc = -1;
                }
            }
            continue;
        }
        if (n < ncols) {
            sim_error_add(err, "%s:%zu: %zu field%s, expected %zu as in the header (a row cut "
                          "short?)", csv, lineno, n, n == 1 ? "" : "s", ncols);
            rc = -1;
            break;
        }
        if (n > ncols) {
            sim_error_add(err, "%s:%zu: more than %zu fields, expected %zu as in the header", csv,
                          lineno, ncols, ncols);
            rc = -1;
            break;
        }
        for (size_t c = 0; c < n && rc == 0; c++) {
            const char *v = fields + c * PD_WIDTH;
            bool knob = *kind == SIM_PLOT_SWEEP && c > 0 && c < pol;
            const char *want = field_want(*kind, c, knob, head[c], v);
            if (want) {
                sim_error_add(err, "%s:%zu: column '%s' (field %zu): expected %s, got '%.40s'",
                              csv, lineno, head[c], c + 1, want, v);
                rc = -1;
            }
        }
        rows++;
    }
    if (rc == 0 && part)
        shard_refusal(csv, part, "#part", err), rc = -1;
    if (rc == 0 && ferror(in)) {
        sim_error_add(err, "%s: cannot read: %s", csv, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && lineno == 0) {
        sim_error_add(err, "%s: empty (expected a dsim CSV: a 'point,...' or 'policy,...' header)",
                      csv);
        rc = -1;
    }
    if (rc == 0 && rows == 0 && *kind != SIM_PLOT_LATENCIES) {
        sim_error_add(err, "%s: no row after the header (expected one per %s)", csv,
                      *kind == SIM_PLOT_SWEEP ? "point and policy" : "policy");
        rc = -1;
    }
    free(line);
    free(fields);
    free(head);
    fclose(in);
    return rc;
}
