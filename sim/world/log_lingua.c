/*
 * log_lingua.c — the core's log records as the reference scheduler would have
 * written them (`--log-format lingua`).
 *
 * The reference (TinoTau/lingua_1, central_server/scheduler) logs through
 * tracing-subscriber's JSON formatter, set up in src/main.rs at 98e3526 and
 * af7c4a9 (src/app/logging.rs at 467aee4): `.with_timer(UtcTime::rfc_3339())`,
 * `.with_target(true)`, `.with_thread_ids(true)`, `.with_file(true)`,
 * `.with_line_number(true)`, `.with_level(true)`, `.json()`, filter "info" by
 * default (utils/logging_config.rs), so debug! lines are not in the file. One
 * object per line, keys in the formatter's order: timestamp, level, fields
 * (message first, then the macro's fields in order), target, filename,
 * line_number, threadId. Field values keep tracing-serde's shapes: `%x` and
 * `?x` are strings, integers are numbers.
 *
 * Each core record becomes the lines the reference writes at that point of its
 * code (README "Logs in the reference's format" has the table); records the
 * reference does not log are left out. What the reference logs but the core
 * cannot know (translated text, audio size, service timings) is left out of the
 * fields, never invented.
 */
#include "simworld.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "escape.h"
#include "xalloc.h"

/* The reference lines dsim writes (README table). */
enum {
    L_CREATED, L_NO_NODE, L_PENDING_TIMEOUT, L_DISPATCH_TIMEOUT, L_FAILOVER,
    L_STALE_DONE, L_STALE_NODE, L_STALE_ATTEMPT, L_UNKNOWN, L_RECEIVED, L_FAILED,
    L_SENT, L_ACK_DISCARD, L_ACK_SKIP, L_EVICT, L_DEDUP, L_FINALIZING, L_NODE_REGISTERED,
    L_NODE_MESSAGE, L_COUNT
};

static const struct {
    const char *level, *msg;
} line_text[L_COUNT] = {
    [L_CREATED] = {"INFO", "Job created (from session actor)"},
    [L_NO_NODE] = {"WARN", "Job has no available nodes (internal scheduling issue, not sent to "
                           "client)"},
    [L_PENDING_TIMEOUT] = {"WARN", "Job pending 超时，标记失败"},
    [L_DISPATCH_TIMEOUT] = {"WARN", "Job dispatched 超时，尝试 cancel + failover"},
    [L_FAILOVER] = {"INFO", "Job failover 重派成功下发"},
    [L_STALE_DONE] = {"WARN", "Received result for terminated Job, will still add to result "
                              "queue for utterance_index continuity"},
    [L_STALE_NODE] = {"WARN", "Received JobResult from non-current node (possible failover), "
                              "will still add to result queue for utterance_index continuity"},
    [L_STALE_ATTEMPT] = {"WARN", "Received JobResult for non-current attempt (possible "
                                 "cancel/retry), will still add to result queue for "
                                 "utterance_index continuity"},
    [L_UNKNOWN] = {"WARN", "Received JobResult but Job does not exist, will still add to "
                           "result queue for utterance_index continuity"},
    [L_RECEIVED] = {"INFO", "Received JobResult, adding to result queue"},
    [L_FAILED] = {"ERROR", "Job processing failed"},
    [L_SENT] = {"INFO", "Successfully sent translation result to session"},
    [L_ACK_DISCARD] = {"WARN", "Result arrived after acknowledgment timeout, discarding (will "
                               "not be sent)"},
    [L_ACK_SKIP] = {"WARN", "Pending acknowledgment timeout, skipping utterance_index (no "
                            "Missing result created)"},
    [L_EVICT] = {"WARN", "Pending queue overflow, evicted furthest result"},
    [L_DEDUP] = {"WARN", "Duplicate job_result filtered (received within 30 seconds), skipping "
                         "processing"},
    [L_FINALIZING] = {"INFO", "Finalizing audio utterance (EDGE-1: unified finalize interface)"},
    [L_NODE_REGISTERED] = {"INFO", "Node registered successfully"},
    [L_NODE_MESSAGE] = {"INFO", NULL}, /* "Received node message (length: N): TEXT" */
};

/* Where each line's macro is, per commit (file under central_server/scheduler,
 * line of the info!/warn!/error! call: tracing's line!()). NULL: not at that
 * commit. */
typedef struct {
    const char *file;
    int line;
} src_at;

#define ACTOR98 "src/websocket/session_actor/actor.rs"
#define ACTOR467 "src/websocket/session_actor/actor/actor_finalize.rs"
#define TIMEOUT "src/timeout/job_timeout.rs"
#define RESULT "src/websocket/node_handler/message/job_result.rs"
#define RESULT467 "src/websocket/node_handler/message/job_result/"
#define QUEUE "src/managers/result_queue.rs"
#define REGISTRY "src/node_registry/core.rs"
#define CONNECTION "src/websocket/node_handler/connection.rs"

enum { C_98E3526, C_AF7C4A9, C_467AEE4, N_COMMITS };

static const src_at line_src[N_COMMITS][L_COUNT] = {
    [C_98E3526] = {
        [L_CREATED] = {ACTOR98, 624}, [L_NO_NODE] = {ACTOR98, 693},
        [L_PENDING_TIMEOUT] = {TIMEOUT, 41}, [L_DISPATCH_TIMEOUT] = {TIMEOUT, 69},
        [L_FAILOVER] = {TIMEOUT, 209}, [L_STALE_DONE] = {RESULT, 44},
        [L_STALE_NODE] = {RESULT, 53}, [L_STALE_ATTEMPT] = {RESULT, 62},
        [L_UNKNOWN] = {RESULT, 121}, [L_RECEIVED] = {RESULT, 344}, [L_FAILED] = {RESULT, 588},
        [L_SENT] = {RESULT, 506}, [L_ACK_DISCARD] = {QUEUE, 108}, [L_ACK_SKIP] = {QUEUE, 271},
        [L_EVICT] = {QUEUE, 156}, [L_DEDUP] = {NULL, 0}, [L_FINALIZING] = {ACTOR98, 566},
        [L_NODE_REGISTERED] = {REGISTRY, 225}, [L_NODE_MESSAGE] = {CONNECTION, 33}},
    [C_AF7C4A9] = {
        [L_CREATED] = {ACTOR98, 734}, [L_NO_NODE] = {ACTOR98, 803},
        [L_PENDING_TIMEOUT] = {TIMEOUT, 41}, [L_DISPATCH_TIMEOUT] = {TIMEOUT, 69},
        [L_FAILOVER] = {TIMEOUT, 209}, [L_STALE_DONE] = {RESULT, 57},
        [L_STALE_NODE] = {RESULT, 66}, [L_STALE_ATTEMPT] = {RESULT, 75},
        [L_UNKNOWN] = {RESULT, 134}, [L_RECEIVED] = {RESULT, 357}, [L_FAILED] = {RESULT, 625},
        [L_SENT] = {RESULT, 543}, [L_ACK_DISCARD] = {QUEUE, 108}, [L_ACK_SKIP] = {QUEUE, 271},
        [L_EVICT] = {QUEUE, 156}, [L_DEDUP] = {RESULT, 39}, [L_FINALIZING] = {ACTOR98, 608},
        [L_NODE_REGISTERED] = {REGISTRY, 225}, [L_NODE_MESSAGE] = {CONNECTION, 33}},
    [C_467AEE4] = {
        [L_CREATED] = {ACTOR467, 367}, [L_NO_NODE] = {ACTOR467, 462},
        [L_PENDING_TIMEOUT] = {TIMEOUT, 41}, [L_DISPATCH_TIMEOUT] = {TIMEOUT, 72},
        [L_FAILOVER] = {TIMEOUT, 229},
        [L_STALE_DONE] = {RESULT467 "job_result_job_management.rs", 21},
        [L_STALE_NODE] = {RESULT467 "job_result_job_management.rs", 30},
        [L_STALE_ATTEMPT] = {RESULT467 "job_result_job_management.rs", 39},
        [L_UNKNOWN] = {RESULT467 "job_result_job_management.rs", 52},
        [L_RECEIVED] = {RESULT467 "job_result_creation.rs", 148},
        [L_FAILED] = {RESULT467 "job_result_error.rs", 62},
        [L_SENT] = {RESULT467 "job_result_sending.rs", 184}, [L_ACK_DISCARD] = {QUEUE, 110},
        [L_ACK_SKIP] = {QUEUE, 265}, [L_EVICT] = {QUEUE, 157},
        [L_DEDUP] = {RESULT467 "job_result_deduplication.rs", 14},
        [L_FINALIZING] = {ACTOR467, 142}, [L_NODE_REGISTERED] = {REGISTRY, 270},
        [L_NODE_MESSAGE] = {CONNECTION, 33}},
};

/* The reference's ids are "job-"/"s-"/"node-" + 8 upper-case hex digits (the
 * first 8 of a UUID v4: core/dispatcher.rs, core/session.rs,
 * node_registry/core.rs). dsim numbers jobs and sessions per run and packs
 * (run, number) into 32 bits, then scrambles them with a bijection, so ids
 * are unique in a file of many runs and look like the reference's. */
#define LINGUA_LOCAL_BITS 20
#define LINGUA_MAX_RUNS (1u << (32 - LINGUA_LOCAL_BITS))
#define LINGUA_MAX_LOCAL (1u << LINGUA_LOCAL_BITS)

static uint32_t scramble(uint32_t x)
{
    /* lowbias32 (Chris Wellons): xor-shift and odd multiplies, a bijection. */
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

enum { J_CREATED_LOGGED = 1, J_DONE = 2, J_DISPATCHED = 4 };

typedef struct ljob {
    uint64_t key; /* 0: empty */
    uint32_t num, node, attempt;
    uint8_t flags;
    int64_t created;
} ljob;

struct sim_lingua_log {
    FILE *f;
    int commit;
    uint32_t run;
    const disp_policy *p;
    int64_t epoch_s;
    ljob *jobs;          /* open addressing, n_cap a power of two */
    size_t n_jobs, n_cap;
    uint32_t next_num;   /* job ids numbered 1.. in order of first record */
    uint32_t wire_num;   /* the number of the current record's wire job_id */
    bool overflow;
};

sim_lingua_log *sim_lingua_new(FILE *f, const char *preset, const disp_policy *p, uint32_t run,
                               int64_t epoch_s)
{
    if (run >= LINGUA_MAX_RUNS)
        return NULL;
    sim_lingua_log *l = sim_xcalloc(1, sizeof *l);
    l->f = f;
    l->commit = C_98E3526;
    if (preset && strcmp(preset, "lingua-2025-12-31") == 0)
        l->commit = C_AF7C4A9;
    else if (preset && strcmp(preset, "lingua-2026-01-19") == 0)
        l->commit = C_467AEE4;
    l->run = run;
    l->p = p;
    l->epoch_s = epoch_s;
    l->n_cap = 1024;
    l->jobs = sim_xcalloc(l->n_cap, sizeof *l->jobs);
    return l;
}

void sim_lingua_free(sim_lingua_log *l)
{
    if (!l)
        return;
    free(l->jobs);
    free(l);
}

bool sim_lingua_overflow(const sim_lingua_log *l)
{
    return l->overflow;
}

static ljob *job_find(sim_lingua_log *l, uint64_t key)
{
    if (key == 0)
        key = UINT64_MAX; /* a job_id the core never issued (RESULT_UNKNOWN) */
    if (2 * (l->n_jobs + 1) > l->n_cap) {
        size_t cap = l->n_cap * 2;
        ljob *t = sim_xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < l->n_cap; i++) {
            if (!l->jobs[i].key)
                continue;
            size_t h = (size_t)(l->jobs[i].key * UINT64_C(0x9E3779B97F4A7C15) >> 20) & (cap - 1);
            while (t[h].key)
                h = (h + 1) & (cap - 1);
            t[h] = l->jobs[i];
        }
        free(l->jobs);
        l->jobs = t;
        l->n_cap = cap;
    }
    size_t h = (size_t)(key * UINT64_C(0x9E3779B97F4A7C15) >> 20) & (l->n_cap - 1);
    while (l->jobs[h].key && l->jobs[h].key != key)
        h = (h + 1) & (l->n_cap - 1);
    ljob *j = &l->jobs[h];
    if (!j->key) {
        j->key = key;
        j->num = ++l->next_num;
        if (j->num >= LINGUA_MAX_LOCAL)
            l->overflow = true;
        l->n_jobs++;
    }
    return j;
}

static uint32_t packed(const sim_lingua_log *l, uint64_t local, uint32_t salt)
{
    return scramble(((l->run << LINGUA_LOCAL_BITS) | (uint32_t)(local & (LINGUA_MAX_LOCAL - 1))) ^
                    salt);
}

/* Session ids: dsim's sessions are 0..n-1; more than 2^20 is an overflow. */
static uint32_t session_hex(sim_lingua_log *l, uint64_t session)
{
    if (session >= LINGUA_MAX_LOCAL)
        l->overflow = true;
    return packed(l, session, 0x5E55u);
}

static uint32_t node_hex(uint32_t node)
{
    return scramble(node ^ 0x40DE0000u); /* the same machines in every run */
}

/* RFC 3339 in UTC as the time crate writes it: fraction trimmed of trailing
 * zeros, none when zero, "Z". */
static void put_timestamp(FILE *f, int64_t epoch_s, int64_t t_ns)
{
    int64_t ns = t_ns % 1000000000, s = epoch_s + t_ns / 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        s -= 1;
    }
    int64_t days = s / 86400, sec = s % 86400;
    if (sec < 0) {
        sec += 86400;
        days -= 1;
    }
    int64_t y, m, d;
    sim_civil_from_days(days, &y, &m, &d);
    fprintf(f, "\"%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64 ":%02" PRId64
               ":%02" PRId64,
            y, m, d, sec / 3600, sec / 60 % 60, sec % 60);
    if (ns) {
        int digits = 9;
        while (ns % 10 == 0) {
            ns /= 10;
            digits--;
        }
        fprintf(f, ".%0*" PRId64, digits, ns);
    }
    fputs("Z\"", f);
}

/* A line under construction: head, fields..., tail. */
static void line_begin(sim_lingua_log *l, int what, int64_t now)
{
    fputs("{\"timestamp\":", l->f);
    put_timestamp(l->f, l->epoch_s, now);
    fprintf(l->f, ",\"level\":\"%s\",\"fields\":{\"message\":", line_text[what].level);
    if (what == L_FINALIZING && l->commit == C_467AEE4)
        sim_json_string(l->f, "Finalizing audio utterance"); /* actor_finalize.rs:150 */
    else if (line_text[what].msg)
        sim_json_string(l->f, line_text[what].msg);
}

static void line_end(sim_lingua_log *l, int what)
{
    const src_at *src = &line_src[l->commit][what];
    /* target = the module path: the bin crate "scheduler" (Cargo.toml [[bin]]
     * name) declares its modules in main.rs. */
    fputs("},\"target\":\"scheduler", l->f);
    const char *p = src->file + 3; /* after "src" */
    for (; *p && strcmp(p, ".rs") != 0; p++) {
        if (*p == '/')
            fputs("::", l->f);
        else
            fputc(*p, l->f);
    }
    fprintf(l->f, "\",\"filename\":\"%s\",\"line_number\":%d,\"threadId\":\"ThreadId(%d)\"}\n",
            src->file, src->line, SIM_LINGUA_THREAD_ID);
}

static void f_str_hex(sim_lingua_log *l, const char *key, const char *prefix, uint32_t v)
{
    fprintf(l->f, ",\"%s\":\"%s%08" PRIX32 "\"", key, prefix, v);
}

static void f_trace(sim_lingua_log *l, uint64_t session)
{
    /* The session's trace_id: a UUID in the reference; here a UUID-shaped
     * string derived from the session, so one session's lines share it. */
    uint32_t a = session_hex(l, session), b = scramble(a), c = scramble(b);
    fprintf(l->f,
            ",\"trace_id\":\"%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-%04" PRIx32 "-%08" PRIx32
            "%04" PRIx32 "\"",
            a, b >> 16, b & 0xfff, 0x8000 | (c >> 20), scramble(c), c & 0xffff);
}

/* The job_id on the wire: one per job, or one per attempt under
 * failover: new_job_id (numbered by sim_lingua_cmd before the job's state is
 * looked up). */
static void f_job(sim_lingua_log *l, const ljob *j)
{
    (void)j;
    f_str_hex(l, "job_id", "job-", packed(l, l->wire_num, 0x10B0u));
}

static void f_session(sim_lingua_log *l, uint64_t session)
{
    f_str_hex(l, "session_id", "s-", session_hex(l, session));
}

static void f_u(sim_lingua_log *l, const char *key, int64_t v)
{
    fprintf(l->f, ",\"%s\":%" PRId64, key, v);
}

/* Option<String> through `?`: "Some(\"node-…\")" or "None". */
static void f_node_opt(sim_lingua_log *l, const char *key, bool some, uint32_t node)
{
    if (some)
        fprintf(l->f, ",\"%s\":\"Some(\\\"node-%08" PRIX32 "\\\")\"", key, node_hex(node));
    else
        fprintf(l->f, ",\"%s\":\"None\"", key);
}

/* Whole seconds as the reference's u64 config; a fraction (a dsim knob the
 * reference cannot express) as a decimal number. */
static void f_seconds(sim_lingua_log *l, const char *key, int64_t ns)
{
    if (ns % 1000000000 == 0)
        fprintf(l->f, ",\"%s\":%" PRId64, key, ns / 1000000000);
    else
        fprintf(l->f, ",\"%s\":%.9g", key, (double)ns / 1e9);
}

/* The stale-result warning the reference writes before queueing a result
 * that is not current, by the order of its checks (job_result.rs). Returns
 * false when the result is current. */
static bool stale_line(sim_lingua_log *l, const disp_cmd *c, ljob *j)
{
    int what = (j->flags & J_DONE)           ? L_STALE_DONE
               : !(j->flags & J_DISPATCHED)  ? L_STALE_NODE /* assigned_node_id None */
               : c->node != j->node          ? L_STALE_NODE
               : c->attempt != j->attempt    ? L_STALE_ATTEMPT
                                             : -1;
    if (what < 0)
        return false;
    line_begin(l, what, c->now);
    f_trace(l, c->session);
    f_job(l, j);
    f_str_hex(l, "node_id", "node-", node_hex(c->node));
    if (what == L_STALE_ATTEMPT) {
        f_u(l, "attempt_id", c->attempt);
        f_u(l, "current_attempt_id", j->attempt);
    } else {
        f_node_opt(l, "current_node_id", (j->flags & J_DISPATCHED) != 0, j->node);
    }
    line_end(l, what);
    return true;
}

static void received_line(sim_lingua_log *l, const disp_cmd *c, const ljob *j)
{
    line_begin(l, L_RECEIVED, c->now);
    f_trace(l, c->session);
    f_job(l, j);
    f_session(l, c->session);
    f_u(l, "utterance_index", c->index);
    /* elapsed_ms = %elapsed_ms_str: "{}ms" since the job's created_at */
    fprintf(l->f, ",\"elapsed_ms\":\"%" PRId64 "ms\"", (c->now - j->created) / 1000000);
    line_end(l, L_RECEIVED);
}

void sim_lingua_cmd(sim_lingua_log *l, const disp_cmd *c)
{
    ljob *j = NULL;
    switch (c->event) {
    case DISP_LOG_ACK_DISCARD:
    case DISP_LOG_ACK_SKIP:
    case DISP_LOG_QUEUE_EVICT:
    case DISP_LOG_RESULT_RELEASED:
    case DISP_LOG_NODE_DOWN:
        break;
    case DISP_LOG_RESULT_UNKNOWN:
        j = job_find(l, c->job_id);
        l->wire_num = j->num;
        break;
    default: {
        /* the job first, then its wire id (one per attempt under new_job_id),
         * so ids are numbered in the order the jobs and attempts appear; the
         * job is looked up again since a job_find may move the table */
        uint64_t key = c->job ? c->job : c->job_id;
        job_find(l, key);
        l->wire_num = job_find(l, c->job_id ? c->job_id : c->job)->num;
        j = job_find(l, key);
        break;
    }
    }
    switch (c->event) {
    case DISP_LOG_JOB_CREATED:
        j->created = c->now;
        break;
    case DISP_LOG_JOB_DISPATCHED:
        j->flags |= J_DISPATCHED;
        j->node = c->node;
        j->attempt = c->attempt;
        /* A job that went Pending and is dispatched later from the queue
         * (pending: queue, dsim only) gets the line again, now with its node:
         * the line the reference's session actor writes before it dispatches
         * a job (create_job is idempotent: asked again, it returns the same
         * job, and the actor dispatches it unless already dispatched). */
        j->flags |= J_CREATED_LOGGED;
        line_begin(l, L_CREATED, c->now);
        f_trace(l, c->session);
        f_job(l, j);
        f_node_opt(l, "node_id", true, c->node);
        line_end(l, L_CREATED);
        break;
    case DISP_LOG_JOB_PENDING:
        if (j->flags & J_CREATED_LOGGED)
            break;
        j->flags |= J_CREATED_LOGGED;
        line_begin(l, L_CREATED, c->now);
        f_trace(l, c->session);
        f_job(l, j);
        f_node_opt(l, "node_id", false, 0);
        line_end(l, L_CREATED);
        line_begin(l, L_NO_NODE, c->now);
        f_session(l, c->session);
        f_job(l, j);
        f_u(l, "utterance_index", c->index);
        line_end(l, L_NO_NODE);
        break;
    case DISP_LOG_PENDING_TIMEOUT:
        j->flags |= J_DONE;
        line_begin(l, L_PENDING_TIMEOUT, c->now);
        f_trace(l, c->session);
        f_job(l, j);
        f_session(l, c->session);
        f_u(l, "utterance_index", c->index);
        f_node_opt(l, "node_id", false, 0);
        f_seconds(l, "pending_timeout_seconds", l->p->pending_timeout);
        line_end(l, L_PENDING_TIMEOUT);
        break;
    case DISP_LOG_DISPATCH_TIMEOUT:
        line_begin(l, L_DISPATCH_TIMEOUT, c->now);
        f_trace(l, c->session);
        f_job(l, j);
        f_session(l, c->session);
        f_u(l, "utterance_index", c->index);
        f_str_hex(l, "node_id", "node-", node_hex(c->node));
        f_seconds(l, "dispatched_timeout_seconds", l->p->dispatch_timeout);
        f_u(l, "failover_attempts", c->failover_attempts);
        f_u(l, "failover_max_attempts", l->p->max_failovers);
        if (l->commit == C_467AEE4)
            f_u(l, "elapsed_ms", c->elapsed_ms);
        line_end(l, L_DISPATCH_TIMEOUT);
        break;
    case DISP_LOG_FAILOVER_DISPATCHED:
        line_begin(l, L_FAILOVER, c->now);
        f_trace(l, c->session);
        f_job(l, j);
        f_str_hex(l, "old_node_id", "node-", node_hex(j->node));
        f_str_hex(l, "new_node_id", "node-", node_hex(c->node));
        f_u(l, "failover_attempts", c->failover_attempts);
        line_end(l, L_FAILOVER);
        j->flags |= J_DISPATCHED;
        j->node = c->node;
        j->attempt = c->attempt;
        break;
    case DISP_LOG_FAILOVER_EXHAUSTED:
    case DISP_LOG_FAILOVER_NO_NODE:
        j->flags |= J_DONE; /* status Failed; the reference writes no line of its own */
        break;
    case DISP_LOG_RESULT_ACCEPTED:
        received_line(l, c, j);
        j->flags |= J_DONE;
        break;
    case DISP_LOG_RESULT_STALE_QUEUED:
        stale_line(l, c, j);
        received_line(l, c, j);
        break;
    case DISP_LOG_RESULT_FAILED:
        if (!stale_line(l, c, j))
            j->flags |= J_DONE;
        line_begin(l, L_FAILED, c->now);
        f_trace(l, c->session);
        f_job(l, j);
        f_session(l, c->session);
        line_end(l, L_FAILED);
        break;
    case DISP_LOG_RESULT_UNKNOWN:
        /* the core knows neither session nor index of a job_id it never issued */
        line_begin(l, L_UNKNOWN, c->now);
        f_trace(l, c->session);
        f_job(l, j);
        f_str_hex(l, "node_id", "node-", node_hex(c->node));
        line_end(l, L_UNKNOWN);
        break;
    case DISP_LOG_RESULT_DUPLICATE:
        if (!line_src[l->commit][L_DEDUP].file)
            break;
        line_begin(l, L_DEDUP, c->now);
        f_trace(l, c->session);
        f_job(l, j);
        f_session(l, c->session);
        f_u(l, "utterance_index", c->index);
        line_end(l, L_DEDUP);
        break;
    case DISP_LOG_ACK_DISCARD:
    case DISP_LOG_ACK_SKIP: {
        int what = c->event == DISP_LOG_ACK_DISCARD ? L_ACK_DISCARD : L_ACK_SKIP;
        line_begin(l, what, c->now);
        f_session(l, c->session);
        f_u(l, "utterance_index", c->index);
        f_u(l, "elapsed_ms", c->elapsed_ms);
        f_u(l, "ack_timeout_ms", c->ack_timeout_ms);
        line_end(l, what);
        break;
    }
    case DISP_LOG_QUEUE_EVICT:
        line_begin(l, L_EVICT, c->now);
        f_session(l, c->session);
        f_u(l, "evicted_index", c->index);
        line_end(l, L_EVICT);
        break;
    case DISP_LOG_RESULT_RELEASED:
        line_begin(l, L_SENT, c->now);
        f_trace(l, c->session);
        f_session(l, c->session);
        line_end(l, L_SENT);
        break;
    default:
        break; /* not logged by the reference (README table) */
    }
}

/* pcm16 (the reference's audio_format when the session gives none, actor.rs),
 * 16000 Hz (the sample rate the actor passes), one channel: 2 bytes a sample. */
#define PCM16_BYTES_PER_S 32000

void sim_lingua_utterance(sim_lingua_log *l, int64_t now, uint64_t session, uint32_t index,
                          int64_t audio_ns)
{
    /* reason, finalize_type, padding_ms: not modelled, left out */
    line_begin(l, L_FINALIZING, now);
    f_session(l, session);
    f_u(l, "utterance_index", index);
    f_u(l, "audio_size_bytes", (audio_ns * PCM16_BYTES_PER_S + 500000000) / 1000000000);
    fputs(",\"audio_format\":\"pcm16\"", l->f);
    line_end(l, L_FINALIZING);
}

void sim_lingua_node_up(sim_lingua_log *l, int64_t now, uint32_t node)
{
    /* name, version, platform, gpu_count, model_count, accept_public_jobs: not
     * modelled, left out; max_concurrent_jobs is not logged (node_registry/core.rs
     * sets 4) */
    line_begin(l, L_NODE_REGISTERED, now);
    f_str_hex(l, "node_id", "node-", node_hex(node));
    fputs(",\"status\":\"Registering\"", l->f);
    line_end(l, L_NODE_REGISTERED);
}

void sim_lingua_heartbeat(sim_lingua_log *l, int64_t now, uint32_t node, uint32_t current_jobs)
{
    /* connection.rs logs every node message as received; of a heartbeat dsim
     * knows the node and resource_usage.running_jobs (the current_jobs the
     * registry reads), nothing else (cpu, gpu, memory, services: left out). */
    char text[160];
    int n = snprintf(text, sizeof text,
                     "{\"type\":\"node_heartbeat\",\"node_id\":\"node-%08" PRIX32
                     "\",\"resource_usage\":{\"running_jobs\":%" PRIu32 "}}",
                     node_hex(node), current_jobs);
    char msg[200];
    snprintf(msg, sizeof msg, "Received node message (length: %d): %s", n, text);
    line_begin(l, L_NODE_MESSAGE, now);
    sim_json_string(l->f, msg);
    line_end(l, L_NODE_MESSAGE);
}
