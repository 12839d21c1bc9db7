/*
 * analyze.c — `dsim analyze`: what the incident report grepped for, counted
 * from one log. Each line is parsed with jansson and recognised as a dsim
 * record ({"t", "event", ...}: `dsim run --log`) or a reference line
 * (tracing-subscriber JSON with fields.message: `--log-format lingua` or a
 * production scheduler.log), each checked by the reader (logread.h); any other
 * JSON is counted and named as unrecognised; a line that is not JSON, is too
 * long or breaks the reader's rules is an error, and so is a log of no format.
 *
 * In dsim's format a job is named "policy/replication/job_id" (its ids repeat
 * from run to run); in the reference's, by its job_id.
 */
#include "analyze.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hash.h"
#include "logread.h"
#include "version.h"
#include "xalloc.h"

/* ---- a string-keyed table of counters (open addressing) ------------------- */

typedef struct an_entry {
    char *key;          /* owned; NULL: empty */
    uint64_t h;
    uint64_t lines;     /* jobs: lines naming it; deliveries: releases */
    uint64_t dispatches;
    uint64_t first;     /* line of its first appearance */
} an_entry;

typedef struct an_table {
    an_entry *e;
    size_t n, cap;
} an_table;

static void table_free(an_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->e[i].key);
    free(t->e);
    memset(t, 0, sizeof *t);
}

static an_entry *table_get(an_table *t, const char *key, uint64_t line)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        an_entry *e = sim_xcalloc(cap, sizeof *e);
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->e[i].key)
                continue;
            size_t k = (size_t)t->e[i].h & (cap - 1);
            while (e[k].key)
                k = (k + 1) & (cap - 1);
            e[k] = t->e[i];
        }
        free(t->e);
        t->e = e;
        t->cap = cap;
    }
    uint64_t h = sim_hash(SIM_HASH_INIT, key, strlen(key));
    size_t k = (size_t)h & (t->cap - 1);
    while (t->e[k].key && (t->e[k].h != h || strcmp(t->e[k].key, key) != 0))
        k = (k + 1) & (t->cap - 1);
    if (!t->e[k].key) {
        t->e[k].key = sim_xstrdup(key);
        t->e[k].h = h;
        t->e[k].first = line;
        t->n++;
    }
    return &t->e[k];
}

/* The entries in order of first appearance (a stable order for output). */
static an_entry **table_sorted(const an_table *t)
{
    an_entry **v = sim_xcalloc(t->n ? t->n : 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->e[i].key)
            v[n++] = &t->e[i];
    return v;
}

static int by_first(const void *a, const void *b)
{
    const an_entry *x = *(an_entry *const *)a, *y = *(an_entry *const *)b;
    return (x->first > y->first) - (x->first < y->first);
}

static int by_lines_desc(const void *a, const void *b)
{
    const an_entry *x = *(an_entry *const *)a, *y = *(an_entry *const *)b;
    if (x->lines != y->lines)
        return x->lines < y->lines ? 1 : -1;
    return (x->first > y->first) - (x->first < y->first);
}

/* ---- one record, normalised --------------------------------------------- */

enum {
    K_OTHER, K_DISPATCH, K_FAILOVER, K_TIMEOUT, K_EXHAUSTED, K_NO_NODE, K_ACK_DISCARD,
    K_PENDING_TIMEOUT, K_RELEASE
};

typedef enum { F_NONE, F_DSIM, F_LINGUA } an_format;

typedef struct an_rec {
    an_format fmt;
    int kind;
    bool exhausted;          /* lingua: a timeout at failover_attempts >= max */
    bool exhausted_unknown;  /* lingua: a timeout without failover_(max_)attempts */
    /* the ids are bounded (logread.h: policy 63 bytes, ids 79), so the keys fit */
    char job[SIM_LOG_POLICY_MAX + SIM_LOG_ID_MAX + 32]; /* "" when the line names no job */
    char delivery[SIM_LOG_POLICY_MAX + 64]; /* session + index of a release, "" when not visible */
    bool has_elapsed, has_ack_timeout;
    int64_t elapsed_ms, ack_timeout_ms;
    const char *when;        /* borrowed from the sim_logline */
    const char *what;        /* borrowed from the line's root */
} an_rec;

static bool get_int(const json_t *o, const char *k, int64_t *v)
{
    const json_t *x = json_object_get(o, k);
    if (!json_is_integer(x))
        return false;
    *v = json_integer_value(x);
    return true;
}

static const char *get_str(const json_t *o, const char *k)
{
    const json_t *x = json_object_get(o, k);
    return json_is_string(x) ? json_string_value(x) : NULL;
}

static const struct {
    const char *event;
    int kind;
} dsim_kinds[] = {
    {"job_dispatched", K_DISPATCH},       {"hedge_dispatched", K_DISPATCH},
    {"failover_dispatched", K_FAILOVER},  {"dispatch_timeout", K_TIMEOUT},
    {"failover_exhausted", K_EXHAUSTED},  {"failover_no_node", K_NO_NODE},
    {"ack_timeout_discard", K_ACK_DISCARD}, {"pending_timeout", K_PENDING_TIMEOUT},
    {"result_released", K_RELEASE},
};

/* Recognises a checked line (logread.h). Returns false when it is neither format. */
static bool recognise(const json_t *root, const sim_logline *ln, an_rec *r)
{
    memset(r, 0, sizeof *r);
    if (ln->kind == SIM_LOGLINE_LINGUA) {
        const json_t *fields = ln->fields;
        const char *msg = ln->msg;
        r->fmt = F_LINGUA;
        r->when = ln->when;
        r->what = msg;
        const char *job = get_str(fields, "job_id");
        if (job)
            snprintf(r->job, sizeof r->job, "%s", job);
        const char *node = get_str(fields, "node_id");
        int64_t fa, fmax;
        if (strcmp(msg, SIM_LINGUA_CREATED) == 0)
            r->kind = node && strncmp(node, "Some(", 5) == 0 ? K_DISPATCH : K_OTHER;
        else if (strcmp(msg, SIM_LINGUA_FAILOVER) == 0)
            r->kind = K_FAILOVER;
        else if (strcmp(msg, SIM_LINGUA_TIMEOUT) == 0) {
            r->kind = K_TIMEOUT;
            bool known = get_int(fields, "failover_attempts", &fa) &&
                         get_int(fields, "failover_max_attempts", &fmax);
            r->exhausted = known && fa >= fmax;
            r->exhausted_unknown = !known;
        } else if (strcmp(msg, SIM_LINGUA_ACK_DISCARD) == 0)
            r->kind = K_ACK_DISCARD;
        else if (strcmp(msg, SIM_LINGUA_PENDING) == 0)
            r->kind = K_PENDING_TIMEOUT;
        else if (strcmp(msg, SIM_LINGUA_SENT) == 0)
            r->kind = K_RELEASE; /* the line has no utterance_index */
        r->has_elapsed = get_int(fields, "elapsed_ms", &r->elapsed_ms);
        r->has_ack_timeout = get_int(fields, "ack_timeout_ms", &r->ack_timeout_ms);
        return true;
    }
    if (ln->kind == SIM_LOGLINE_DSIM) {
        const char *policy = ln->policy, *event = ln->event;
        int64_t rep = ln->replication, sess, idx;
        r->fmt = F_DSIM;
        r->when = ln->when;
        r->what = event;
        const char *job = get_str(root, "job_id");
        /* records about no job (an ack skip) carry job_id 0 */
        if (job && strspn(job + (strncmp(job, "job-", 4) == 0 ? 4 : 0), "0") !=
                       strlen(job) - (strncmp(job, "job-", 4) == 0 ? 4 : 0))
            snprintf(r->job, sizeof r->job, "%s/%" PRId64 "/%s", policy, rep, job);
        for (size_t i = 0; i < sizeof dsim_kinds / sizeof dsim_kinds[0]; i++)
            if (strcmp(event, dsim_kinds[i].event) == 0)
                r->kind = dsim_kinds[i].kind;
        if (r->kind == K_RELEASE && get_int(root, "session", &sess) &&
            get_int(root, "utterance_index", &idx))
            snprintf(r->delivery, sizeof r->delivery, "%s/%" PRId64 "/%" PRId64 "/%" PRId64,
                     policy, rep, sess, idx);
        r->has_elapsed = get_int(root, "elapsed_ms", &r->elapsed_ms);
        r->has_ack_timeout = get_int(root, "ack_timeout_ms", &r->ack_timeout_ms);
        return true;
    }
    return false;
}

/* ---- the evidence of one log --------------------------------------------- */

typedef struct an_stats {
    uint64_t lines, dsim, lingua, unrecognised;
    bool version;       /* dsim's version record: a dsim log, even without records */
    uint64_t named[SIM_ANALYZE_NAMED];
    uint64_t counts[K_RELEASE + 1];
    uint64_t exhausted_lingua, exhausted_unknown;
    uint64_t copies, copy_first, copy_of; /* delivery lines repeated exactly (logread.h) */
    bool ack_elapsed_seen, ack_timeout_seen;
    int64_t ack_elapsed_min, ack_elapsed_max, ack_timeout_min, ack_timeout_max;
    uint64_t releases_with_index;
    an_table jobs, deliveries;
} an_stats;

static void add_record(an_stats *s, const an_rec *r, uint64_t line)
{
    if (r->fmt == F_DSIM)
        s->dsim++;
    else
        s->lingua++;
    s->counts[r->kind]++;
    s->exhausted_lingua += r->exhausted;
    s->exhausted_unknown += r->exhausted_unknown;
    if (r->job[0]) {
        an_entry *e = table_get(&s->jobs, r->job, line);
        e->lines++;
        e->dispatches += r->kind == K_DISPATCH || r->kind == K_FAILOVER;
    }
    if (r->kind == K_ACK_DISCARD && r->has_elapsed) {
        if (!s->ack_elapsed_seen || r->elapsed_ms < s->ack_elapsed_min)
            s->ack_elapsed_min = r->elapsed_ms;
        if (!s->ack_elapsed_seen || r->elapsed_ms > s->ack_elapsed_max)
            s->ack_elapsed_max = r->elapsed_ms;
        s->ack_elapsed_seen = true;
    }
    if (r->kind == K_ACK_DISCARD && r->has_ack_timeout) {
        if (!s->ack_timeout_seen || r->ack_timeout_ms < s->ack_timeout_min)
            s->ack_timeout_min = r->ack_timeout_ms;
        if (!s->ack_timeout_seen || r->ack_timeout_ms > s->ack_timeout_max)
            s->ack_timeout_max = r->ack_timeout_ms;
        s->ack_timeout_seen = true;
    }
    if (r->kind == K_RELEASE && r->delivery[0]) {
        s->releases_with_index++;
        table_get(&s->deliveries, r->delivery, line)->lines++;
    }
}

static int read_log(sim_logread *rd, an_stats *s, sim_error *err)
{
    json_t *root;
    int rc;
    an_rec *r = sim_xmalloc(sizeof *r);
    sim_logline ln;
    bool version = false;
    while ((rc = sim_logread_line(rd, &root, &ln, err)) == 1) {
        s->lines++;
        if (ln.kind == SIM_LOGLINE_VERSION)
            version = true; /* dsim's header record (version.h): about the file, not a job */
        else if (recognise(root, &ln, r)) {
            add_record(s, r, rd->line);
            if (ln.copy_of && !s->copies++) {
                s->copy_first = rd->line;
                s->copy_of = ln.copy_of;
            }
        } else if (s->unrecognised++ < SIM_ANALYZE_NAMED)
            s->named[s->unrecognised - 1] = rd->line;
        json_decref(root);
    }
    free(r);
    s->version = version;
    if (rc == 0 && !version && !s->dsim && !s->lingua) {
        sim_error_add(err,
                      "%s: %s: a log in no known format (neither dsim's records {\"t\", "
                      "\"event\", ...} nor the reference's lines {\"timestamp\", \"fields\": "
                      "{\"message\", ...}})",
                      rd->path, s->lines ? "no line of either format" : "an empty file");
        return -1;
    }
    return rc;
}

/* The lines naming `job`, from a second reading of the file. */
typedef struct an_step {
    uint64_t line;
    char when[40];
    char *what; /* owned */
    bool has_elapsed;
    int64_t elapsed_ms;
} an_step;

static int read_timeline(sim_logread *rd, const char *job, an_step *steps, size_t *n,
                         sim_error *err)
{
    json_t *root;
    int rc;
    an_rec *r = sim_xmalloc(sizeof *r);
    sim_logline ln;
    *n = 0;
    while ((rc = sim_logread_line(rd, &root, &ln, err)) == 1) {
        if (recognise(root, &ln, r) && strcmp(r->job, job) == 0 && *n < SIM_ANALYZE_TIMELINE) {
            an_step *st = &steps[(*n)++];
            st->line = rd->line;
            snprintf(st->when, sizeof st->when, "%s", r->when);
            st->what = sim_xstrdup(r->what);
            st->has_elapsed = r->has_elapsed;
            st->elapsed_ms = r->elapsed_ms;
        }
        json_decref(root);
    }
    free(r);
    return rc;
}

/* ---- output ---------------------------------------------------------------- */

typedef struct an_hist {
    uint64_t value, jobs;
} an_hist;

static int by_value(const void *a, const void *b)
{
    const an_hist *x = a, *y = b;
    return (x->value > y->value) - (x->value < y->value);
}

/* The histogram of `dispatches` (or lines) over jobs, ascending by value. */
static size_t histogram(an_entry **v, size_t n, bool dispatches, an_hist *h)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = dispatches ? v[i]->dispatches : v[i]->lines;
        size_t j = 0;
        while (j < k && h[j].value != x)
            j++;
        if (j == k)
            h[k++] = (an_hist){x, 0};
        h[j].jobs++;
    }
    qsort(h, k, sizeof *h, by_value);
    return k;
}

/* A log is in one format (logread.c refuses a mix), and in some format. */
static const char *format_name(const an_stats *s)
{
    return s->dsim || s->version ? "dsim" : "lingua";
}

static void print_table(FILE *o, const char *path, const an_stats *s, an_entry **jobs,
                        const an_hist *lh, size_t nlh, const an_hist *dh, size_t ndh,
                        uint64_t repeated, uint64_t extra, const an_step *steps, size_t nsteps)
{
    fprintf(o, "== %s: %s format, %" PRIu64 " lines, %" PRIu64 " unrecognised\n", path,
            format_name(s), s->lines, s->unrecognised);
    if (s->unrecognised) {
        fputs("unrecognised lines:", o);
        for (uint64_t i = 0; i < s->unrecognised && i < SIM_ANALYZE_NAMED; i++)
            fprintf(o, " %s:%" PRIu64, path, s->named[i]);
        if (s->unrecognised > SIM_ANALYZE_NAMED)
            fprintf(o, " (and %" PRIu64 " more)", s->unrecognised - SIM_ANALYZE_NAMED);
        fputc('\n', o);
    }
    fprintf(o, "jobs named: %zu\n", s->jobs.n);
    if (s->jobs.n) {
        fputs("most named jobs (lines):", o);
        for (size_t i = 0; i < s->jobs.n && i < SIM_ANALYZE_TOP; i++)
            fprintf(o, " %s %" PRIu64, jobs[i]->key, jobs[i]->lines);
        fputs("\nlines per job (lines: jobs):", o);
        for (size_t i = 0; i < nlh; i++)
            fprintf(o, " %" PRIu64 ": %" PRIu64, lh[i].value, lh[i].jobs);
        fputs("\ndispatches per job (dispatches: jobs):", o);
        for (size_t i = 0; i < ndh; i++)
            fprintf(o, " %" PRIu64 ": %" PRIu64, dh[i].value, dh[i].jobs);
        fputc('\n', o);
    }
    uint64_t exhausted = s->counts[K_EXHAUSTED] + s->exhausted_lingua;
    fprintf(o, "dispatch timeouts: %" PRIu64 ", failovers: %" PRIu64, s->counts[K_TIMEOUT],
            s->counts[K_FAILOVER]);
    if (s->exhausted_unknown)
        fprintf(o, ", failovers exhausted: n/a (%" PRIu64 " timeout lines lacking "
                   "failover_attempts or failover_max_attempts)",
                s->exhausted_unknown);
    else
        fprintf(o, ", failovers exhausted: %" PRIu64, exhausted);
    if (s->dsim)
        fprintf(o, ", no node for the failover: %" PRIu64, s->counts[K_NO_NODE]);
    fprintf(o, "\npending timeouts: %" PRIu64 "\nack-timeout discards: %" PRIu64,
            s->counts[K_PENDING_TIMEOUT], s->counts[K_ACK_DISCARD]);
    if (s->ack_elapsed_seen)
        fprintf(o, ", elapsed_ms %" PRId64 "..%" PRId64, s->ack_elapsed_min, s->ack_elapsed_max);
    /* a log of several policies holds several timeouts: their range, not one */
    if (s->ack_timeout_seen && s->ack_timeout_min == s->ack_timeout_max)
        fprintf(o, " (ack_timeout_ms %" PRId64 ")", s->ack_timeout_max);
    else if (s->ack_timeout_seen)
        fprintf(o, " (ack_timeout_ms %" PRId64 "..%" PRId64 ")", s->ack_timeout_min,
                s->ack_timeout_max);
    else if (s->counts[K_ACK_DISCARD])
        fputs(" (ack_timeout_ms n/a)", o);
    fprintf(o, "\ndeliveries: %" PRIu64, s->counts[K_RELEASE]);
    if (s->copies)
        fprintf(o, " (%" PRIu64 " of them lines exactly like an earlier one, first %s:%" PRIu64
                   " = %s:%" PRIu64 ": results released at one instant to one session, whose "
                   "line names no job)",
                s->copies, path, s->copy_first, path, s->copy_of);
    fputc('\n', o);
    if (s->releases_with_index)
        fprintf(o, "repeated deliveries: %" PRIu64 " (session, utterance_index) delivered more "
                   "than once, %" PRIu64 " extra copies\n",
                repeated, extra);
    else
        fputs("repeated deliveries: not visible (no delivery line names its utterance_index)\n",
              o);
    if (nsteps) {
        fprintf(o, "time line of %s (%" PRIu64 " lines):\n", jobs[0]->key, jobs[0]->lines);
        for (size_t i = 0; i < nsteps; i++) {
            fprintf(o, "  %s:%" PRIu64 "  %s  %s", path, steps[i].line, steps[i].when,
                    steps[i].what);
            if (steps[i].has_elapsed)
                fprintf(o, "  elapsed_ms=%" PRId64, steps[i].elapsed_ms);
            fputc('\n', o);
        }
        if (jobs[0]->lines > nsteps)
            fprintf(o, "  (and %" PRIu64 " more lines)\n", jobs[0]->lines - nsteps);
    }
}

static void json_hist(FILE *o, const char *key, const an_hist *h, size_t n)
{
    fprintf(o, ",\"%s\":{", key);
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%s\"%" PRIu64 "\":%" PRIu64, i ? "," : "", h[i].value, h[i].jobs);
    fputc('}', o);
}

static void print_json(FILE *o, const char *path, const an_stats *s, an_entry **jobs,
                       an_entry **by_appearance, const an_hist *lh, size_t nlh,
                       const an_hist *dh, size_t ndh, uint64_t repeated, uint64_t extra,
                       const an_step *steps, size_t nsteps)
{
    fprintf(o, "{\"dsim_version\":\"%s\",\"schema_version\":%d,\"file\":", sim_version(),
            SIM_SCHEMA_VERSION);
    sim_json_string(o, path);
    fprintf(o, ",\"format\":\"%s\",\"lines\":%" PRIu64 ",\"unrecognised\":%" PRIu64
               ",\"unrecognised_at\":[",
            format_name(s), s->lines, s->unrecognised);
    for (uint64_t i = 0; i < s->unrecognised && i < SIM_ANALYZE_NAMED; i++)
        fprintf(o, "%s%" PRIu64, i ? "," : "", s->named[i]);
    fputs("],\"job_id_occurrences\":{", o);
    for (size_t i = 0; i < s->jobs.n; i++) {
        if (i)
            fputc(',', o);
        sim_json_string(o, by_appearance[i]->key);
        fprintf(o, ":%" PRIu64, by_appearance[i]->lines);
    }
    fputc('}', o);
    json_hist(o, "job_id_occurrence_histogram", lh, nlh);
    json_hist(o, "dispatches_per_job_histogram", dh, ndh);
    fputs(",\"top_jobs\":[", o);
    for (size_t i = 0; i < s->jobs.n && i < SIM_ANALYZE_TOP; i++) {
        fputs(i ? ",{\"job_id\":" : "{\"job_id\":", o);
        sim_json_string(o, jobs[i]->key);
        fprintf(o, ",\"lines\":%" PRIu64 ",\"dispatches\":%" PRIu64 "}", jobs[i]->lines,
                jobs[i]->dispatches);
    }
    fprintf(o, "],\"dispatch_timeouts\":%" PRIu64 ",\"failovers\":%" PRIu64, s->counts[K_TIMEOUT],
            s->counts[K_FAILOVER]);
    if (s->exhausted_unknown)
        fputs(",\"failovers_exhausted\":null", o);
    else
        fprintf(o, ",\"failovers_exhausted\":%" PRIu64,
                s->counts[K_EXHAUSTED] + s->exhausted_lingua);
    if (s->dsim)
        fprintf(o, ",\"failover_no_node\":%" PRIu64, s->counts[K_NO_NODE]);
    else
        fputs(",\"failover_no_node\":null", o);
    fprintf(o, ",\"pending_timeouts\":%" PRIu64 ",\"ack_discards\":%" PRIu64,
            s->counts[K_PENDING_TIMEOUT], s->counts[K_ACK_DISCARD]);
    if (s->ack_elapsed_seen)
        fprintf(o, ",\"ack_discard_elapsed_ms_min\":%" PRId64 ",\"ack_discard_elapsed_ms_max\":%" PRId64,
                s->ack_elapsed_min, s->ack_elapsed_max);
    else
        fputs(",\"ack_discard_elapsed_ms_min\":null,\"ack_discard_elapsed_ms_max\":null", o);
    /* ack_timeout_ms: the one value the discards carry, null when none or several */
    if (s->ack_timeout_seen && s->ack_timeout_min == s->ack_timeout_max)
        fprintf(o, ",\"ack_timeout_ms\":%" PRId64, s->ack_timeout_max);
    else
        fputs(",\"ack_timeout_ms\":null", o);
    if (s->ack_timeout_seen)
        fprintf(o, ",\"ack_timeout_ms_min\":%" PRId64 ",\"ack_timeout_ms_max\":%" PRId64,
                s->ack_timeout_min, s->ack_timeout_max);
    else
        fputs(",\"ack_timeout_ms_min\":null,\"ack_timeout_ms_max\":null", o);
    fprintf(o, ",\"deliveries\":%" PRIu64 ",\"delivery_line_copies\":%" PRIu64, s->counts[K_RELEASE],
            s->copies);
    if (s->releases_with_index)
        fprintf(o, ",\"repeated_deliveries\":{\"pairs\":%" PRIu64 ",\"extra_copies\":%" PRIu64 "}",
                repeated, extra);
    else
        fputs(",\"repeated_deliveries\":null", o);
    fputs(",\"worst_job\":", o);
    if (!s->jobs.n) {
        fputs("null}\n", o);
        return;
    }
    fputs("{\"job_id\":", o);
    sim_json_string(o, jobs[0]->key);
    fprintf(o, ",\"lines\":%" PRIu64 ",\"dispatches\":%" PRIu64 ",\"timeline\":[", jobs[0]->lines,
            jobs[0]->dispatches);
    for (size_t i = 0; i < nsteps; i++) {
        fprintf(o, "%s{\"line\":%" PRIu64 ",\"time\":", i ? "," : "", steps[i].line);
        sim_json_string(o, steps[i].when);
        fputs(",\"what\":", o);
        sim_json_string(o, steps[i].what);
        if (steps[i].has_elapsed)
            fprintf(o, ",\"elapsed_ms\":%" PRId64, steps[i].elapsed_ms);
        fputc('}', o);
    }
    fputs("]}}\n", o);
}

int sim_analyze_log(const char *path, bool json, FILE *out, sim_error *err)
{
    sim_logread rd;
    if (sim_logread_open(&rd, path, err) != 0)
        return -1;
    an_stats *s = sim_xcalloc(1, sizeof *s);
    an_step *steps = NULL;
    an_entry **jobs = NULL, **appear = NULL;
    an_hist *lh = NULL, *dh = NULL;
    int rc = read_log(&rd, s, err);
    size_t nsteps = 0;
    if (rc == 0) {
        jobs = table_sorted(&s->jobs);
        appear = table_sorted(&s->jobs);
        qsort(jobs, s->jobs.n, sizeof *jobs, by_lines_desc);
        qsort(appear, s->jobs.n, sizeof *appear, by_first);
        if (s->jobs.n) {
            steps = sim_xcalloc(SIM_ANALYZE_TIMELINE, sizeof *steps);
            sim_logread_rewind(&rd);
            rc = read_timeline(&rd, jobs[0]->key, steps, &nsteps, err);
        }
    }
    if (rc == 0) {
        lh = sim_xcalloc(s->jobs.n ? s->jobs.n : 1, sizeof *lh);
        dh = sim_xcalloc(s->jobs.n ? s->jobs.n : 1, sizeof *dh);
        size_t nlh = histogram(appear, s->jobs.n, false, lh);
        size_t ndh = histogram(appear, s->jobs.n, true, dh);
        uint64_t repeated = 0, extra = 0;
        for (size_t i = 0; i < s->deliveries.cap; i++)
            if (s->deliveries.e[i].key && s->deliveries.e[i].lines > 1) {
                repeated++;
                extra += s->deliveries.e[i].lines - 1;
            }
        if (json)
            print_json(out, path, s, jobs, appear, lh, nlh, dh, ndh, repeated, extra, steps,
                       nsteps);
        else
            print_table(out, path, s, jobs, lh, nlh, dh, ndh, repeated, extra, steps, nsteps);
    }
    sim_logread_close(&rd);
    for (size_t i = 0; i < nsteps; i++)
        free(steps[i].what);
    free(steps);
    free(jobs);
    free(appear);
    free(lh);
    free(dh);
    table_free(&s->jobs);
    table_free(&s->deliveries);
    free(s);
    return rc == 0 ? 0 : -1;
}
