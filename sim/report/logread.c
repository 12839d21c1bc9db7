/* logread.c — a log's lines as JSON values (logread.h). */
#include "logread.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "dispatcher.h"
#include "hash.h"
#include "version.h"
#include "xalloc.h"

/* The lines of one run, by two hashes and the length (an exact copy's test). */
typedef struct seen_entry {
    uint64_t h1, h2, line; /* line 0: empty */
} seen_entry;

struct sim_log_seen {
    seen_entry *e;
    size_t n, cap;
};

static void seen_clear(sim_log_seen *s)
{
    if (s) {
        free(s->e);
        memset(s, 0, sizeof *s);
    }
}

/* The earlier line with this hash, or 0 after adding this one. */
static uint64_t seen_add(sim_log_seen *s, uint64_t h1, uint64_t h2, uint64_t line)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        seen_entry *e = sim_xcalloc(cap, sizeof *e);
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->e[i].line)
                continue;
            size_t k = (size_t)s->e[i].h1 & (cap - 1);
            while (e[k].line)
                k = (k + 1) & (cap - 1);
            e[k] = s->e[i];
        }
        free(s->e);
        s->e = e;
        s->cap = cap;
    }
    size_t k = (size_t)h1 & (s->cap - 1);
    for (; s->e[k].line; k = (k + 1) & (s->cap - 1))
        if (s->e[k].h1 == h1 && s->e[k].h2 == h2)
            return s->e[k].line;
    s->e[k] = (seen_entry){h1, h2, line};
    s->n++;
    return 0;
}

int sim_logread_open(sim_logread *r, const char *path, sim_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "rb");
    if (!r->f) {
        sim_error_add(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    r->buf = sim_xmalloc(SIM_LOG_MAX_LINE + 1);
    return 0;
}

void sim_logread_close(sim_logread *r)
{
    if (r->f)
        fclose(r->f);
    free(r->buf);
    free(r->run);
    seen_clear(r->seen);
    free(r->seen);
    memset(r, 0, sizeof *r);
}

void sim_logread_rewind(sim_logread *r)
{
    rewind(r->f);
    r->line = 0;
    r->bytes = 0;
    r->format = SIM_LOGLINE_OTHER;
    r->have_t = false;
    free(r->run);
    r->run = NULL;
    r->runs = r->copies = 0;
    seen_clear(r->seen);
}

/* Reads the next line into r->buf (without its newline). Returns its length,
 * -1 at the end, -2 when it is too long, -3 on a read error. */
static long next_line(sim_logread *r)
{
    size_t n = 0;
    int c;
    while ((c = getc(r->f)) != EOF && c != '\n') {
        if (n >= SIM_LOG_MAX_LINE) {
            r->line++;
            return -2;
        }
        r->buf[n++] = (char)c;
    }
    r->bytes += n + (c == '\n');
    if (ferror(r->f))
        return -3;
    if (c == EOF && n == 0)
        return -1;
    r->line++;
    r->buf[n] = '\0';
    r->len = n;
    return (long)n;
}

int sim_logread_next(sim_logread *r, json_t **root, sim_error *err)
{
    long n = next_line(r);
    if (n == -1)
        return 0;
    if (n == -2) {
        sim_error_add(err, "%s:%" PRIu64 ": line longer than %u bytes: not a log line", r->path,
                      r->line, SIM_LOG_MAX_LINE);
        return -1;
    }
    if (n == -3) {
        sim_error_add(err, "%s: cannot read: %s", r->path, strerror(errno));
        return -1;
    }
    json_error_t je;
    *root = json_loadb(r->buf, (size_t)n, JSON_DECODE_ANY, &je);
    if (!*root) {
        sim_error_add(err,
                      "%s:%" PRIu64 ":%d: not JSON: %s (a log holds one JSON object per line, "
                      "as a JSON log formatter writes it)",
                      r->path, r->line, je.column, je.text);
        return -1;
    }
    return 1;
}

bool sim_log_is_version_record(const json_t *root)
{
    return json_object_size(root) == 3 && json_is_string(json_object_get(root, "dsim_version")) &&
           json_is_integer(json_object_get(root, "schema_version")) &&
           json_is_string(json_object_get(root, "stream"));
}

/* ---- checking a line ---------------------------------------------------------- */

/* "PATH:LINE: KEY: expected WHAT, got VALUE" (VALUE: the JSON, cut at 60 bytes). */
static int bad(const sim_logread *r, sim_error *err, const char *key, const char *what,
               const json_t *got)
{
    char shown[80] = "nothing";
    if (got) {
        char *d = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
        if (d && strlen(d) > 60)
            snprintf(shown, sizeof shown, "%.57s...", d);
        else if (d)
            snprintf(shown, sizeof shown, "%s", d);
        free(d);
    }
    sim_error_add(err, "%s:%" PRIu64 ": %s: expected %s, got %s", r->path, r->line, key, what,
                  shown);
    return -1;
}

/* An integer o[k] in [lo, hi]; the elapsed_ms form "12ms" too when ms. Returns 1,
 * 0 when absent (an error when required), -1 with err. */
static int check_int(const sim_logread *r, const json_t *o, const char *prefix, const char *k,
                     int64_t lo, int64_t hi, bool required, bool ms, sim_error *err)
{
    const json_t *x = json_object_get(o, k);
    char key[64], what[96];
    snprintf(key, sizeof key, "%s%s", prefix, k);
    snprintf(what, sizeof what, "an integer in [%" PRId64 ", %" PRId64 "]%s", lo, hi,
             ms ? " (or \"Nms\")" : "");
    if (!x)
        return required ? bad(r, err, key, what, NULL) : 0;
    int64_t v;
    if (json_is_integer(x))
        v = json_integer_value(x);
    else if (ms && json_is_string(x)) {
        const char *s = json_string_value(x);
        size_t n = strspn(s, "0123456789");
        if (n == 0 || n > 18 || strcmp(s + n, "ms") != 0)
            return bad(r, err, key, what, x);
        v = strtoll(s, NULL, 10);
    } else
        return bad(r, err, key, what, x);
    return v < lo || v > hi ? bad(r, err, key, what, x) : 1;
}

static int check_num(const sim_logread *r, const json_t *o, const char *prefix, const char *k,
                     double lo, double hi, bool lo_open, sim_error *err)
{
    const json_t *x = json_object_get(o, k);
    char key[64], what[96];
    snprintf(key, sizeof key, "%s%s", prefix, k);
    snprintf(what, sizeof what, "a number in %s%g, %g]", lo_open ? "(" : "[", lo, hi);
    if (!x)
        return 0;
    double v = json_is_number(x) ? json_number_value(x) : NAN;
    return !(lo_open ? v > lo : v >= lo) || !(v <= hi) ? bad(r, err, key, what, x) : 1;
}

/* A string id of 1..max bytes (absent: fine unless required). */
static int check_str(const sim_logread *r, const json_t *o, const char *prefix, const char *k,
                     size_t max, bool required, sim_error *err)
{
    const json_t *x = json_object_get(o, k);
    char key[64], what[64];
    snprintf(key, sizeof key, "%s%s", prefix, k);
    snprintf(what, sizeof what, "a string of 1 to %zu bytes", max);
    if (!x)
        return required ? bad(r, err, key, what, NULL) : 0;
    if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > max)
        return bad(r, err, key, what, x);
    return 1;
}

#define NODE_ID_WHAT "a node id of 1 to 79 bytes, \"None\" or Some(\"id\")"

/* fields.node_id: a plain id, "None" or Some("id"), the id within bounds. */
static int check_node_id(const sim_logread *r, const json_t *f, const char *k, sim_error *err)
{
    const json_t *x = json_object_get(f, k);
    if (!x)
        return 0;
    const char *s = json_string_value(x);
    size_t n = s ? strlen(s) : 0;
    if (s && strncmp(s, "Some(\"", 6) == 0 && n >= 8 && strcmp(s + n - 2, "\")") == 0)
        n -= 8;
    char key[64];
    snprintf(key, sizeof key, "fields.%s", k);
    if (!s || n == 0 || n > SIM_LOG_ID_MAX)
        return bad(r, err, key, NODE_ID_WHAT, x);
    return 1;
}

/* The fields a message analyze or fit recognises must carry (those the reference
 * writes with it, log_lingua.c): a line without one would be silently not used. */
enum { NEED_ID, NEED_NODE, NEED_INDEX };
static const struct {
    const char *msg; /* the message, or its start when prefix */
    bool prefix;
    const char *field[2];
    int kind[2];
} needs[] = {
    {"Finalizing audio utterance", true, {"session_id", "utterance_index"}, {NEED_ID, NEED_INDEX}},
    {"Node registered successfully", false, {"node_id", NULL}, {NEED_NODE, 0}},
    {SIM_LINGUA_CREATED, false, {"job_id", "node_id"}, {NEED_ID, NEED_NODE}},
    {SIM_LINGUA_TIMEOUT, false, {"job_id", NULL}, {NEED_ID, 0}},
    {SIM_LINGUA_FAILOVER, false, {"job_id", "new_node_id"}, {NEED_ID, NEED_NODE}},
    {SIM_LINGUA_PENDING, false, {"job_id", NULL}, {NEED_ID, 0}},
    {"Received result for terminated Job", true, {"job_id", "node_id"}, {NEED_ID, NEED_NODE}},
    {"Received JobResult from non-current node", true, {"job_id", "node_id"},
     {NEED_ID, NEED_NODE}},
    {"Received JobResult for non-current attempt", true, {"job_id", "node_id"},
     {NEED_ID, NEED_NODE}},
    {"Received JobResult, adding to result queue", false, {"job_id", NULL}, {NEED_ID, 0}},
    {"Duplicate job_result filtered", true, {"job_id", NULL}, {NEED_ID, 0}},
    {"Job processing failed", false, {"job_id", NULL}, {NEED_ID, 0}},
};

static int check_needed(const sim_logread *r, const char *msg, const json_t *f, sim_error *err)
{
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
        size_t n = strlen(needs[i].msg);
        if (needs[i].prefix ? strncmp(msg, needs[i].msg, n) != 0 : strcmp(msg, needs[i].msg) != 0)
            continue;
        for (int k = 0; k < 2 && needs[i].field[k]; k++) {
            if (json_object_get(f, needs[i].field[k]))
                continue; /* its value is checked with the others' */
            char what[96];
            int kind = needs[i].kind[k];
            snprintf(what, sizeof what, "%s",
                     kind == NEED_NODE    ? NODE_ID_WHAT
                     : kind == NEED_INDEX ? "an integer in [0, 4294967295]"
                                          : "a string of 1 to 79 bytes");
            sim_error_add(err, "%s:%" PRIu64 ": fields.%s: expected %s, got nothing (a '%s' "
                               "line carries it)",
                          r->path, r->line, needs[i].field[k], what, needs[i].msg);
            return -1;
        }
        return 0;
    }
    return 0;
}

static int check_lingua(const sim_logread *r, const json_t *root, const json_t *f,
                        sim_error *err)
{
    static const char *const ids[] = {"job_id", "session_id", "trace_id"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (check_str(r, f, "fields.", ids[i], SIM_LOG_ID_MAX, false, err) < 0)
            return -1;
    static const char *const nodes[] = {"node_id", "new_node_id", "old_node_id"};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        if (check_node_id(r, f, nodes[i], err) < 0)
            return -1;
    if (check_int(r, f, "fields.", "utterance_index", 0, UINT32_MAX, false, false, err) < 0 ||
        check_int(r, f, "fields.", "attempt_id", 0, UINT32_MAX, false, false, err) < 0 ||
        check_int(r, f, "fields.", "audio_size_bytes", 0, SIM_LOG_AUDIO_BYTES_MAX, false, false,
                  err) < 0 ||
        check_int(r, f, "fields.", "failover_attempts", 0, SIM_LOG_FAILOVERS_MAX, false, false,
                  err) < 0 ||
        check_int(r, f, "fields.", "failover_max_attempts", 0, SIM_LOG_FAILOVERS_MAX, false,
                  false, err) < 0 ||
        check_int(r, f, "fields.", "ack_timeout_ms", 0, SIM_LOG_ACK_MS_MAX, false, false, err) <
            0 ||
        check_int(r, f, "fields.", "elapsed_ms", 0, SIM_LOG_ELAPSED_MS_MAX, false, true, err) <
            0 ||
        /* a timeout that fired, as a scenario's positive duration (>= 1 ns) */
        check_num(r, f, "fields.", "dispatched_timeout_seconds", 1e-9, SIM_LOG_TIMEOUT_S_MAX,
                  false, err) < 0 ||
        check_num(r, f, "fields.", "pending_timeout_seconds", 1e-9, SIM_LOG_TIMEOUT_S_MAX, false,
                  err) < 0 ||
        check_int(r, root, "", "line_number", 0, INT32_MAX, false, false, err) < 0)
        return -1;
    const json_t *fn = json_object_get(root, "filename");
    if (fn && !json_is_string(fn))
        return bad(r, err, "filename", "a string", fn);
    return check_needed(r, json_string_value(json_object_get(f, "message")), f, err);
}

static bool known_event(const char *e)
{
    for (int i = 0; i < DISP_LOG_EVENT_COUNT; i++)
        if (strcmp(e, disp_log_name((disp_log_event)i)) == 0)
            return true;
    return false;
}

static int check_dsim(sim_logread *r, const json_t *root, sim_logline *ln, sim_error *err)
{
    const json_t *ev = json_object_get(root, "event"), *t = json_object_get(root, "t");
    if (!json_is_string(ev) || !known_event(json_string_value(ev)))
        return bad(r, err, "event", "one of dsim's event names (README \"Logs in the "
                                    "reference's format\", first column)", ev);
    double v = json_is_number(t) ? json_number_value(t) : NAN;
    if (!(v >= 0 && v <= SIM_LOG_T_MAX))
        return bad(r, err, "t", "a number of seconds in [0, 2.31e+09] (the ~73 years a "
                                "simulated time can reach)", t);
    /* dsim writes every field in every record (world_log.c, sim_log_cmd): one
     * lacking is not dsim's, and would be silently not used */
    if (check_str(r, root, "", "policy", SIM_LOG_POLICY_MAX, true, err) < 0 ||
        check_int(r, root, "", "replication", 0, SIM_LOG_REPLICATION_MAX, true, false, err) <
            0 ||
        check_int(r, root, "", "attempt_id", 0, UINT32_MAX, true, false, err) < 0 ||
        check_int(r, root, "", "session", 0, INT64_MAX, true, false, err) < 0 ||
        check_int(r, root, "", "utterance_index", 0, UINT32_MAX, true, false, err) < 0 ||
        check_int(r, root, "", "node", 0, UINT32_MAX, true, false, err) < 0 ||
        check_int(r, root, "", "failover_attempts", 0, INT32_MAX, true, false, err) < 0 ||
        check_int(r, root, "", "elapsed_ms", 0, SIM_LOG_ELAPSED_MS_MAX, true, false, err) < 0 ||
        check_int(r, root, "", "ack_timeout_ms", 0, SIM_LOG_ACK_MS_MAX, true, false, err) < 0)
        return -1;
    const json_t *job = json_object_get(root, "job_id");
    const char *js = json_string_value(job);
    if (!js || strlen(js) != 12 || strncmp(js, "job-", 4) != 0 ||
        strspn(js + 4, "0123456789ABCDEF") != 8)
        return bad(r, err, "job_id", "a string \"job-XXXXXXXX\" (8 upper-case hex digits)", job);
    ln->event = json_string_value(ev);
    ln->policy = json_is_string(json_object_get(root, "policy"))
                     ? json_string_value(json_object_get(root, "policy"))
                     : "";
    ln->replication = json_is_integer(json_object_get(root, "replication"))
                          ? json_integer_value(json_object_get(root, "replication"))
                          : 0;
    ln->t = (int64_t)llround(v * 1e9);
    snprintf(ln->when, sizeof ln->when, "%.9f", v);
    return 0;
}

static int classify(sim_logread *r, const json_t *root, sim_logline *ln, sim_error *err)
{
    memset(ln, 0, sizeof *ln);
    if (sim_log_is_version_record(root)) {
        ln->kind = SIM_LOGLINE_VERSION;
        const json_t *stream = json_object_get(root, "stream");
        if (strcmp(json_string_value(stream), "trace") == 0) {
            sim_error_add(err, "%s:%" PRIu64 ": stream: expected \"log\", got \"trace\": a "
                               "trace (dsim run --trace) is not a log; give a log: dsim run "
                               "--log's (either --log-format) or the reference's scheduler.log",
                          r->path, r->line);
            return -1;
        }
        if (strcmp(json_string_value(stream), "log") != 0)
            return bad(r, err, "stream", "\"log\" (a dsim run --log file)", stream);
        const json_t *sv = json_object_get(root, "schema_version");
        if (json_integer_value(sv) != SIM_SCHEMA_VERSION) {
            char what[80];
            snprintf(what, sizeof what, "%d (the schema of this dsim's logs, %s)",
                     SIM_SCHEMA_VERSION, sim_version());
            return bad(r, err, "schema_version", what, sv);
        }
        return 0;
    }
    if (!json_is_object(root))
        return 0;
    const json_t *ts = json_object_get(root, "timestamp"), *f = json_object_get(root, "fields");
    if (ts && !f && r->format == SIM_LOGLINE_LINGUA) /* every line of the formatter has them */
        return bad(r, err, "fields", "an object with a string \"message\"", NULL);
    if (ts && f) {
        const json_t *msg = json_object_get(f, "message");
        if (!json_is_object(f))
            return bad(r, err, "fields", "an object with a string \"message\"", f);
        if (!json_is_string(msg))
            return bad(r, err, "fields.message", "a string", msg);
        if (!sim_rfc3339_parse(json_string_value(ts), &ln->t))
            return bad(r, err, "timestamp",
                       "an RFC 3339 time YYYY-MM-DDTHH:MM:SS[.up to 9 digits](Z|+HH:MM|-HH:MM), "
                       "of a year in 1970..2261",
                       ts);
        ln->kind = SIM_LOGLINE_LINGUA;
        ln->msg = json_string_value(msg);
        ln->fields = f;
        snprintf(ln->when, sizeof ln->when, "%s", json_string_value(ts));
        return check_lingua(r, root, f, err);
    }
    if (json_object_get(root, "t") && json_object_get(root, "event")) {
        ln->kind = SIM_LOGLINE_DSIM;
        return check_dsim(r, root, ln, err);
    }
    return 0;
}

static const char *format_of(sim_logline_kind k)
{
    return k == SIM_LOGLINE_LINGUA ? "the reference's" : "dsim's";
}

/* Time order, runs and exact copies. */
static int order(sim_logread *r, sim_logline *ln, sim_error *err)
{
    if (ln->kind == SIM_LOGLINE_OTHER)
        return 0;
    /* dsim's version record is of dsim's format */
    sim_logline_kind fmt = ln->kind == SIM_LOGLINE_VERSION ? SIM_LOGLINE_DSIM : ln->kind;
    if (r->format == SIM_LOGLINE_OTHER) {
        r->format = fmt;
        r->format_line = r->line;
    } else if (r->format != fmt) {
        sim_error_add(err, "%s:%" PRIu64 ": a line in %s format in a log in %s (from line %" PRIu64
                      "): a log is in one format",
                      r->path, r->line, format_of(fmt), format_of(r->format), r->format_line);
        return -1;
    }
    if (ln->kind == SIM_LOGLINE_VERSION)
        return 0;
    bool new_run = false;
    if (ln->kind == SIM_LOGLINE_LINGUA) {
        if (!r->have_t) {
            r->first_t = ln->t;
            r->have_t = true;
            r->runs = 1;
        } else if (ln->t < r->prev_t - SIM_LOG_BACK_NS) {
            if (ln->t > r->first_t + SIM_LOG_BACK_NS || ln->t < r->first_t - SIM_LOG_BACK_NS) {
                sim_error_add(err,
                              "%s:%" PRIu64 ": timestamp: %s goes back %.9g s from the line "
                              "before: a line out of time order (%+.9g s from the log's first "
                              "line; another run starts within a second of that)",
                              r->path, r->line, ln->when, (double)(r->prev_t - ln->t) / 1e9,
                              (double)(ln->t - r->first_t) / 1e9);
                return -1;
            }
            new_run = true;
        } else if ((double)(ln->t - r->first_t) / 1e9 > SIM_LOG_SPAN_MAX) {
            sim_error_add(err,
                          "%s:%" PRIu64 ": timestamp: expected a time within %.7g s of the "
                          "log's first line, got %s (%.9g s after it)",
                          r->path, r->line, SIM_LOG_SPAN_MAX, ln->when,
                          (double)(ln->t - r->first_t) / 1e9);
            return -1;
        }
        r->prev_t = ln->t;
    } else {
        size_t n = strlen(ln->policy) + 32;
        char *run = sim_xmalloc(n);
        snprintf(run, n, "%s/%" PRId64, ln->policy, ln->replication);
        if (!r->run || strcmp(run, r->run) != 0) {
            new_run = r->run != NULL;
            free(r->run);
            r->run = run;
            r->runs++;
        } else {
            free(run);
            if (ln->t < r->prev_t) {
                sim_error_add(err,
                              "%s:%" PRIu64 ": t: goes back %.9f s (from %.9f to %s) within the "
                              "run %s: dsim writes a run's records in time order",
                              r->path, r->line, (double)(r->prev_t - ln->t) / 1e9,
                              (double)r->prev_t / 1e9, ln->when, r->run);
                return -1;
            }
        }
        r->prev_t = ln->t;
    }
    if (new_run) {
        ln->new_run = true;
        if (ln->kind == SIM_LOGLINE_LINGUA)
            r->runs++;
        seen_clear(r->seen);
    }
    if (!r->seen)
        r->seen = sim_xcalloc(1, sizeof *r->seen);
    uint64_t h1 = sim_hash(SIM_HASH_INIT, r->buf, r->len);
    uint64_t h2 = sim_hash(sim_hash(0x9E3779B97F4A7C15ULL, &r->len, sizeof r->len), r->buf,
                           r->len);
    uint64_t earlier = seen_add(r->seen, h1, h2, r->line);
    if (earlier) {
        if (ln->kind == SIM_LOGLINE_LINGUA && strcmp(ln->msg, SIM_LINGUA_SENT) == 0) {
            ln->copy_of = earlier;
            r->copies++;
            return 0;
        }
        sim_error_add(err,
                      "%s:%" PRIu64 ": the same line as line %" PRIu64 " (an exact copy: "
                      "a log's lines differ but for the reference's delivery line)",
                      r->path, r->line, earlier);
        return -1;
    }
    return 0;
}

int sim_logread_line(sim_logread *r, json_t **root, sim_logline *ln, sim_error *err)
{
    int rc = sim_logread_next(r, root, err);
    if (rc != 1)
        return rc;
    if (classify(r, *root, ln, err) != 0 || order(r, ln, err) != 0) {
        json_decref(*root);
        *root = NULL;
        return -1;
    }
    return 1;
}
