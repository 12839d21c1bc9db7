/*
 * plot_data.c — data files for the gnuplot scripts and the report (plot_data.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "outfile.h"
#include "plot_data.h"
#include "stats.h"
#include "version.h"
#include "xalloc.h"

#define PD_FIELDS 256   /* CSV fields read per row */
#define PD_WIDTH 512    /* bytes per unquoted field */
#define PD_LINE (1 << 20)

/* Reads the CSV field that starts at c, unquoted ("" inside quotes is one "),
 * into out: at most width - 1 bytes, NUL-terminated (nothing if width is 0);
 * *len gets how many were stored. Returns where the field ends: its comma, or
 * the line's end (NUL, '\n' or '\r' outside quotes). */
static const char *csv_field_scan(const char *c, char *out, size_t width, size_t *len)
{
    size_t k = 0;
    bool q = false;
    for (;; c++) {
        if (!*c || (!q && (*c == '\n' || *c == '\r' || *c == ',')))
            break;
        if (*c == '"') {
            if (q && c[1] == '"') {
                c++;
            } else {
                q = !q;
                continue;
            }
        }
        if (k + 1 < width)
            out[k++] = *c;
    }
    if (width)
        out[k] = '\0';
    if (len)
        *len = k;
    return c;
}

size_t sim_plot_csv_fields(const char *line, char *fields, size_t width, size_t *ends, size_t max)
{
    size_t n = 0;
    const char *c = line;
    if (max == 0)
        return 0;
    for (;;) {
        c = csv_field_scan(c, fields + n * width, width, NULL);
        if (ends)
            ends[n] = (size_t)(c - line);
        n++;
        if (*c != ',' || n >= max)
            return n;
        c++;
    }
}

/* ---- knob words ------------------------------------------------------------- */

typedef struct {
    const char *key;   /* the path's last part(s), e.g. "ack_timeout_s", "stall.prob" */
    const char *label;   /* a few words for an axis */
    const char *meaning; /* what the knob does, one line */
    const char *unit;    /* "" for none */
} knob_words;

static const knob_words KNOB_WORDS[] = {
    {"dispatch_timeout_s", "dispatch timeout", "no result this long after a dispatch: cancel and fail over", "s"},
    {"scan_interval_s", "timeout scan period", "how often the scheduler looks for timed-out jobs", "s"},
    {"pending_timeout_s", "pending timeout", "a job without a free node fails after this", "s"},
    {"max_failovers", "max failovers", "re-dispatches of a job before it fails", "failovers"},
    {"ack_timeout_s", "ack timeout", "how long the result queue waits for a missing earlier result", "s"},
    {"result_queue_max", "result queue bound", "results a session's queue holds before it evicts", "results"},
    {"result_check_interval_s", "result check period", "how often the result queue is checked", "s"},
    {"dedup_ttl_s", "dedup window", "a second result for (session, job_id) within this is dropped", "s"},
    {"node_snapshot_refresh_s", "snapshot refresh period", "how often node choice (node_load snapshot) takes in the reservations", "s"},
    {"timeout.min_s", "timeout floor", "the adaptive timeout's lower clamp", "s"},
    {"timeout.max_s", "timeout cap", "the adaptive timeout's upper clamp", "s"},
    {"timeout.k", "timeout K", "deadline SRTT + K x RTTVAR", ""},
    {"timeout.q", "timeout quantile", "the quantile of recent durations", ""},
    {"timeout.factor", "timeout factor", "deadline = quantile x factor", ""},
    {"liveness.silence_s", "silence limit", "fail over when the node is silent this long", "s"},
    {"liveness.threshold", "phi threshold", "phi-accrual failure detector threshold", "phi"},
    {"hedge.max_extra", "hedge extra attempts", "most extra attempts per job", "attempts"},
    {"hedge.budget", "hedge budget", "most hedges per job", "hedges/job"},
    {"backoff.base_s", "backoff base", "wait before a failover, first step", "s"},
    {"backoff.cap_s", "backoff cap", "longest wait before a failover", "s"},
    {"retry_budget.ratio", "retry budget ratio", "re-dispatches allowed per first dispatch", ""},
    {"retry_budget.min_per_s", "retry budget floor", "re-dispatches allowed per second", "1/s"},
    {"workload.sessions", "sessions", "concurrent clients, one session each", "sessions"},
    {"workload.utterances_per_session", "utterances per session", "utterances each client speaks", "utterances"},
    {"workload.gap_s", "utterance gap", "pause between a session's utterances", "s"},
    {"workload.audio_s", "audio length", "speech per utterance", "s"},
    {"workload.linger_s", "linger", "how long a client stays after its last utterance", "s"},
    {"count", "node count", "nodes of this class", "nodes"},
    {"slots", "slots per node", "jobs a node accepts at once", "slots"},
    {"workers", "workers per node", "jobs a node runs at once", "workers"},
    {"heartbeat_s", "heartbeat period", "time between a node's heartbeats", "s"},
    {"stall.prob", "stall probability", "chance that an attempt stalls", "probability"},
    {"stall.extra_s", "stall length", "extra time of a stalled attempt", "s"},
    {"crash.between_s", "time between crashes", "mean time between a node's crashes", "s"},
    {"crash.downtime_s", "crash downtime", "time a crashed node stays down", "s"},
    {"cold_start.idle_s", "cold-start idle time", "idle time after which a node starts cold", "s"},
    {"cold_start.extra_s", "cold-start cost", "extra time of a cold start", "s"},
    {"no_result.prob", "no-result probability", "chance that a node never sends a result", "probability"},
    {"network.loss", "message loss", "loss probability of a message, each way", "probability"},
    {"network.to_node_loss", "loss to nodes", "loss probability of a message to a node", "probability"},
    {"network.to_scheduler_loss", "loss to scheduler", "loss probability of a message to the scheduler", "probability"},
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0 && (a == b || s[a - b - 1] == '.');
}

void sim_plot_knob_words(const char *knob, char *buf, size_t size)
{
    /* The subject: a policy's name or a node class's index. */
    char subject[PD_WIDTH] = "";
    if (strncmp(knob, "policies.", 9) == 0) {
        const char *dot = strchr(knob + 9, '.');
        /* a policy name may hold dots: the subject is what precedes the known key */
        for (size_t i = 0; i < sizeof KNOB_WORDS / sizeof KNOB_WORDS[0]; i++) {
            if (ends_with(knob, KNOB_WORDS[i].key) &&
                strlen(knob) > 9 + strlen(KNOB_WORDS[i].key) + 1) {
                dot = knob + strlen(knob) - strlen(KNOB_WORDS[i].key) - 1;
                break;
            }
        }
        if (dot)
            snprintf(subject, sizeof subject, "%.*s ", (int)(dot - knob - 9), knob + 9);
    } else if (strncmp(knob, "nodes[", 6) == 0) {
        const char *close = strchr(knob, ']');
        if (close)
            snprintf(subject, sizeof subject, "%.*s ", (int)(close - knob + 1), knob);
    }
    for (size_t i = 0; i < sizeof KNOB_WORDS / sizeof KNOB_WORDS[0]; i++) {
        const knob_words *w = &KNOB_WORDS[i];
        if (ends_with(knob, w->key)) {
            snprintf(buf, size, "%s%s%s%s%s\n(%s)", subject, w->label, w->unit[0] ? " (" : "",
                     w->unit, w->unit[0] ? ")" : "", w->meaning);
            return;
        }
    }
    /* Unknown: the path, with "(s)" for a key in seconds. */
    size_t n = strlen(knob);
    bool secs = n > 2 && strcmp(knob + n - 2, "_s") == 0;
    snprintf(buf, size, "%s%s", knob, secs ? " (s)" : "");
}

bool sim_plot_scenario_name(const char *json_path, char *buf, size_t size)
{
    json_error_t je;
    json_t *root = json_load_file(json_path, 0, &je);
    const char *name = json_string_value(json_object_get(root, "scenario"));
    bool ok = name != NULL;
    if (ok)
        snprintf(buf, size, "%s", name);
    json_decref(root);
    return ok;
}

/* ---- paired differences of a sweep --------------------------------------------- */

static const char *const PAIRED_METRICS[] = {"duplicates", "lost", "duplicate_rate", "lost_rate"};
#define N_PAIRED (sizeof PAIRED_METRICS / sizeof PAIRED_METRICS[0])

static const json_t *point_policy(const json_t *points, size_t p, const char *name)
{
    const json_t *pols = json_object_get(json_array_get(points, p), "policies");
    for (size_t j = 0; j < json_array_size(pols); j++) {
        const json_t *pol = json_array_get(pols, j);
        const char *nm = json_string_value(json_object_get(pol, "name"));
        if (nm && strcmp(nm, name) == 0)
            return pol;
    }
    return NULL;
}

/* The first point whose knobs other than xknob equal those of point p. */
static size_t first_like(const json_t *points, size_t p, const char *xknob)
{
    const json_t *kp = json_object_get(json_array_get(points, p), "knobs");
    for (size_t q = 0; q < p; q++) {
        const json_t *kq = json_object_get(json_array_get(points, q), "knobs");
        const char *key;
        const json_t *v;
        bool same = true;
        json_object_foreach((json_t *)kp, key, v) {
            if (strcmp(key, xknob) != 0 && !json_equal(v, json_object_get(kq, key)))
                same = false;
        }
        if (same)
            return q;
    }
    return p;
}

/* Mean and half-width of a[r] - b[r] over the replications both have. */
static int paired(const json_t *a, const json_t *b, const char *metric, double *mean, double *half)
{
    const json_t *va = json_object_get(json_object_get(json_object_get(a, "metrics"), metric), "values");
    const json_t *vb = json_object_get(json_object_get(json_object_get(b, "metrics"), metric), "values");
    size_t n = json_array_size(va);
    if (!json_is_array(va) || !json_is_array(vb) || n != json_array_size(vb) || n == 0)
        return -1;
    double *d = sim_xcalloc(n, sizeof *d);
    for (size_t r = 0; r < n; r++) {
        const json_t *x = json_array_get(va, r), *y = json_array_get(vb, r);
        d[r] = json_is_number(x) && json_is_number(y) ? json_number_value(x) - json_number_value(y)
                                                      : NAN;
    }
    sim_mean_ci(d, n, 1, mean, half, NULL);
    free(d);
    return 0;
}

static void put_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, ",%.10g", x);
    else
        fputs(",", f);
}

int sim_plot_paired_csv(const char *sweep_csv, const char *sweep_json, const char *xknob,
                        const char *out_csv, char *baseline, size_t size, bool *self,
                        sim_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(sweep_json, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        sim_error_add(err, "%s:%d:%d: %s", sweep_json, je.line, je.column, je.text);
        return -1;
    }
    const json_t *points = json_object_get(root, "points");
    const char *base = json_string_value(json_object_get(root, "baseline"));
    if (!json_is_array(points) || !base) {
        sim_error_add(err, "%s: not a dsim sweep JSON (expected \"points\" and \"baseline\")",
                      sweep_json);
        json_decref(root);
        return -1;
    }
    snprintf(baseline, size, "%s", base);
    char own[PD_WIDTH];
    snprintf(own, sizeof own, "policies.%s.", base);
    *self = strncmp(xknob, own, strlen(own)) == 0;

    FILE *in = fopen(sweep_csv, "rb");
    if (!in) {
        sim_error_add(err, "%s: cannot read: %s", sweep_csv, strerror(errno));
        json_decref(root);
        return -1;
    }
    sim_outfile o;
    if (sim_outfile_open(&o, out_csv, err) != 0) {
        fclose(in);
        json_decref(root);
        return -1;
    }
    char *line = sim_xmalloc(PD_LINE);
    char *fields = sim_xmalloc((size_t)PD_FIELDS * PD_WIDTH);
    size_t ends[PD_FIELDS];
    size_t pol = 0, lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, PD_LINE, in)) {
        lineno++;
        if (line[0] == '#')
            continue; /* a shard's trailer */
        size_t n = sim_plot_csv_fields(line, fields, PD_WIDTH, ends, PD_FIELDS);
        if (lineno == 1) {
            for (pol = 1; pol < n && strcmp(fields + pol * PD_WIDTH, "policy") != 0; pol++)
                ;
            if (pol >= n || strcmp(fields, "point") != 0) {
                sim_error_add(err, "%s: not a sweep CSV (no point and policy columns)", sweep_csv);
                rc = -1;
                break;
            }
            fprintf(o.f, "%.*s", (int)ends[pol], line);
            for (size_t m = 0; m < N_PAIRED; m++)
                fprintf(o.f, ",%s,%s_ci95", PAIRED_METRICS[m], PAIRED_METRICS[m]);
            sim_version_csv_header(o.f);
            fputc('\n', o.f);
            continue;
        }
        if (n <= pol)
            continue;
        char *endp;
        unsigned long p = strtoul(fields, &endp, 10);
        const char *name = fields + pol * PD_WIDTH;
        const json_t *me = *endp == '\0' && p < json_array_size(points)
                               ? point_policy(points, p, name)
                               : NULL;
        size_t q = *self ? first_like(points, p, xknob) : p;
        const json_t *ref = me ? point_policy(points, q, base) : NULL;
        if (!me || !ref) {
            sim_error_add(err, "%s: line %zu: point %s, policy '%s' not in %s (%s)", sweep_csv,
                          lineno, fields, name, sweep_json,
                          me ? "no baseline there" : "a JSON of another sweep?");
            rc = -1;
            break;
        }
        fprintf(o.f, "%.*s", (int)ends[pol], line);
        for (size_t m = 0; m < N_PAIRED; m++) {
            double mean, half;
            if (paired(me, ref, PAIRED_METRICS[m], &mean, &half) != 0) {
                sim_error_add(err, "%s: point %lu, policy '%s': no per-replication values of %s",
                              sweep_json, p, name, PAIRED_METRICS[m]);
                rc = -1;
                break;
            }
            put_num(o.f, mean);
            put_num(o.f, half);
        }
        sim_version_csv_fields(o.f);
        fputc('\n', o.f);
    }
    free(line);
    free(fields);
    fclose(in);
    json_decref(root);
    if (rc == 0 && lineno == 0) {
        sim_error_add(err, "%s: empty", sweep_csv);
        rc = -1;
    }
    if (rc != 0) {
        sim_outfile_abort(&o);
        return -1;
    }
    return sim_outfile_commit(&o, err);
}

/* ---- latency ECDF over all utterances ----------------------------------------- */

typedef struct {
    char name[PD_WIDTH];
    double *x;
    size_t n, cap;
    double total; /* utterances: the denominator */
} ecdf_policy;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The sum of a metric's per-replication values in a results.json policy. */
static double metric_sum(const json_t *pol, const char *metric)
{
    const json_t *v = json_object_get(
        json_object_get(json_object_get(pol, "metrics"), metric), "values");
    double t = 0;
    for (size_t r = 0; r < json_array_size(v); r++)
        t += json_number_value(json_array_get(v, r));
    return t;
}

/*
 * Denominators from results.json: each policy of the latencies file must be there
 * with as many deliveries as it has rows, and every policy there that is not in
 * the file must have delivered nothing. On success *pols becomes the policies of
 * results.json in its order (those that delivered nothing with no latency) and
 * *np their number; false (and why) when it does not fit, *pols untouched.
 */
static bool ecdf_totals(const char *path, ecdf_policy **pols, size_t *np, char *why, size_t size)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        snprintf(why, size, "%s: %s", path, je.text);
        return false;
    }
    const json_t *arr = json_object_get(root, "policies");
    size_t nj = json_array_size(arr);
    bool ok = true;
    for (size_t i = 0; i < *np && ok; i++) {
        const json_t *pj = NULL;
        for (size_t j = 0; j < nj; j++) {
            const char *nm = json_string_value(json_object_get(json_array_get(arr, j), "name"));
            if (nm && strcmp(nm, (*pols)[i].name) == 0)
                pj = json_array_get(arr, j);
        }
        double tu = metric_sum(pj, "utterances"), td = metric_sum(pj, "delivered");
        if (!pj) {
            snprintf(why, size, "%s has no policy '%s'", path, (*pols)[i].name);
            ok = false;
        } else if (td != (double)(*pols)[i].n || tu < td) {
            snprintf(why, size, "%s is of another run: policy '%s' delivered %.0f, the latencies "
                     "file has %zu", path, (*pols)[i].name, td, (*pols)[i].n);
            ok = false;
        }
    }
    ecdf_policy *all = nj ? sim_xcalloc(nj, sizeof *all) : NULL;
    for (size_t j = 0; j < nj && ok; j++) {
        const json_t *pj = json_array_get(arr, j);
        const char *nm = json_string_value(json_object_get(pj, "name"));
        size_t i = 0;
        while (nm && i < *np && strcmp((*pols)[i].name, nm) != 0)
            i++;
        double td = metric_sum(pj, "delivered");
        if (!nm || (i == *np && td != 0)) {
            snprintf(why, size, "%s is of another run: policy '%s' delivered %.0f, the latencies "
                     "file has none", path, nm ? nm : "?", td);
            ok = false;
        } else if (i < *np) {
            all[j] = (*pols)[i];
        } else {
            snprintf(all[j].name, sizeof all[j].name, "%s", nm);
        }
        all[j].total = metric_sum(pj, "utterances");
    }
    json_decref(root);
    if (!ok) {
        free(all);
        return false;
    }
    free(*pols); /* the latency arrays now belong to all[] */
    *pols = all;
    *np = nj;
    return true;
}

/* A text field of a data file as gnuplot's data reader gives it back exactly
 * (plot_data.h): the reader cuts a field at '"' (and at the separator, `comma`),
 * takes a backslash for an escape, skips a field's leading spaces, skips a line that
 * starts with '#' and reads a field "NaN" as missing (the scripts' `set datafile
 * missing NaN`), and strcol()/columnhead() decode octal escapes; so those bytes
 * are written \ooo, and so is an octal digit right after one (the decoder reads
 * every octal digit that follows a backslash, not three). */
static void put_gp_field(FILE *f, const char *s, size_t len, bool comma)
{
    bool esc = false, lead = true, nan = len == 3 && memcmp(s, "NaN", 3) == 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        lead = lead && c == ' ';
        esc = c == '"' || c == '\\' || (comma && c == ',') || lead || (i == 0 && c == '#') ||
              (i == 0 && nan) || (esc && c >= '0' && c <= '7');
        if (esc)
            fprintf(f, "\\%03o", (unsigned)c);
        else
            fputc(c, f);
    }
}

static void put_gp_name(FILE *f, const char *name)
{
    put_gp_field(f, name, strlen(name), false);
}

int sim_plot_gp_csv(const char *csv, const char *out_csv, sim_error *err)
{
    FILE *in = fopen(csv, "rb");
    if (!in) {
        sim_error_add(err, "%s: cannot read: %s", csv, strerror(errno));
        return -1;
    }
    sim_outfile o;
    if (sim_outfile_open(&o, out_csv, err) != 0) {
        fclose(in);
        return -1;
    }
    char *line = NULL, *field = NULL;
    size_t cap = 0, fcap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        if ((size_t)len + 1 > fcap) {
            fcap = (size_t)len + 1;
            free(field);
            field = sim_xmalloc(fcap);
        }
        /* each field unquoted as sim_plot_csv_fields reads it, then written for gnuplot */
        for (const char *c = line;; c++) {
            size_t k;
            c = csv_field_scan(c, field, fcap, &k);
            put_gp_field(o.f, field, k, true);
            if (*c != ',')
                break;
            fputc(',', o.f);
        }
        fputc('\n', o.f);
    }
    bool bad = ferror(in);
    free(line);
    free(field);
    fclose(in);
    if (bad) {
        sim_error_add(err, "%s: cannot read: %s", csv, strerror(errno));
        sim_outfile_abort(&o);
        return -1;
    }
    return sim_outfile_commit(&o, err);
}

/* One row of the ECDF table: latency (empty when none), fraction, the policy. */
static void put_ecdf_row(FILE *f, const char *x, double frac, const char *name)
{
    fprintf(f, "%s\t%.10g\t", x, frac);
    put_gp_name(f, name);
    fputc('\n', f);
}

int sim_plot_ecdf(const char *lat_csv, const char *results_json, const char *out_tsv,
                  bool *over_all, char *why, size_t size, sim_error *err)
{
    FILE *in = fopen(lat_csv, "rb");
    if (!in) {
        sim_error_add(err, "%s: cannot read: %s", lat_csv, strerror(errno));
        return -1;
    }
    enum { ECDF_FIELDS = 6 }; /* the widest row read: three columns and the version's two, plus one */
    char line[4 * PD_WIDTH];
    char fields[ECDF_FIELDS * PD_WIDTH];
    size_t np = 0, cap = 0, lineno = 0;
    ecdf_policy *pols = NULL;
    int rc = 0;
    while (fgets(line, sizeof line, in)) {
        if (++lineno == 1)
            continue;
        /* the version columns (version.h) follow; a file of an older dsim has none */
        size_t n = sim_plot_csv_fields(line, fields, PD_WIDTH, NULL, ECDF_FIELDS);
        char *endp;
        bool shape = n == 3 || n == 5;
        double x = shape ? strtod(fields + 2 * PD_WIDTH, &endp) : NAN;
        if (!shape || endp == fields + 2 * PD_WIDTH || !isfinite(x)) {
            sim_error_add(err, "%s: line %zu: expected policy,replication,latency_s,dsim_version,"
                          "schema_version", lat_csv, lineno);
            rc = -1;
            break;
        }
        if (np == 0 || strcmp(pols[np - 1].name, fields) != 0) {
            for (size_t i = 0; i < np; i++) {
                if (strcmp(pols[i].name, fields) == 0) {
                    sim_error_add(err, "%s: line %zu: the rows of policy '%s' are not together",
                                  lat_csv, lineno, fields);
                    rc = -1;
                }
            }
            if (rc)
                break;
            if (np == cap) {
                cap = cap ? 2 * cap : 8;
                pols = sim_xrealloc(pols, cap * sizeof *pols);
            }
            memset(&pols[np], 0, sizeof pols[np]);
            snprintf(pols[np].name, sizeof pols[np].name, "%.*s", PD_WIDTH - 1, fields); /* field 0 */
            np++;
        }
        ecdf_policy *p = &pols[np - 1];
        if (p->n == p->cap) {
            p->cap = p->cap ? 2 * p->cap : 1024;
            p->x = sim_xrealloc(p->x, p->cap * sizeof *p->x);
        }
        p->x[p->n++] = x;
    }
    fclose(in);
    if (rc == 0) {
        *over_all = results_json && ecdf_totals(results_json, &pols, &np, why, size);
        if (!results_json)
            snprintf(why, size, "no results.json beside %s", lat_csv);
        double xmin = INFINITY, xmax = 0;
        for (size_t i = 0; i < np; i++) {
            if (!*over_all)
                pols[i].total = (double)pols[i].n;
            if (pols[i].n == 0)
                continue; /* delivered nothing */
            qsort(pols[i].x, pols[i].n, sizeof *pols[i].x, cmp_double);
            if (pols[i].x[pols[i].n - 1] > xmax)
                xmax = pols[i].x[pols[i].n - 1];
            if (pols[i].x[0] < xmin)
                xmin = pols[i].x[0];
        }
        sim_outfile o;
        char num[32];
        rc = sim_outfile_open(&o, out_tsv, err);
        for (size_t i = 0; rc == 0 && i < np; i++) {
            const ecdf_policy *p = &pols[i];
            size_t step = (p->n + SIM_PLOT_ECDF_POINTS - 1) / SIM_PLOT_ECDF_POINTS;
            if (i)
                fputs("\n\n", o.f);
            if (p->n == 0) {
                /* nothing delivered: 0 over the others' latencies, or no latency at all */
                if (isfinite(xmin)) {
                    snprintf(num, sizeof num, "%.9g", xmin);
                    put_ecdf_row(o.f, num, 0, p->name);
                    snprintf(num, sizeof num, "%.9g", xmax);
                    put_ecdf_row(o.f, num, 0, p->name);
                } else {
                    put_ecdf_row(o.f, "", 0, p->name);
                }
                continue;
            }
            /* rank k (1-based) at its latency: every step-th rank, the first and the last */
            for (size_t k = 1; k <= p->n; k++) {
                if (k == 1 || k == p->n || k % step == 0) {
                    snprintf(num, sizeof num, "%.9g", p->x[k - 1]);
                    put_ecdf_row(o.f, num, (double)k / p->total, p->name);
                }
            }
            snprintf(num, sizeof num, "%.9g", xmax);
            put_ecdf_row(o.f, num, (double)p->n / p->total, p->name);
        }
        if (rc == 0)
            rc = sim_outfile_commit(&o, err);
    }
    for (size_t i = 0; i < np; i++)
        free(pols[i].x);
    free(pols);
    return rc == 0 ? (int)np : -1;
}
