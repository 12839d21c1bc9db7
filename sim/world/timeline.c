/* timeline.c — Chrome trace-event JSON of a run (see timeline.h). */
#include "timeline.h"
#include "version.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "simworld.h"
#include "xalloc.h"

/* Track ids, every one below 2^31 and unique in its process (Perfetto's JSON
 * importer reads tid as a uint32 and puts a larger one on the process's own
 * track): the scheduler 1, session s 2 + s, then a block per node sized from the
 * scenario — its queue track (queue lane 0), then its workers — and after the
 * last block the queue lanes 1, 2, ... of every node that needs them (sim_tl_finish
 * numbers them, node by node). The blocks end below 2 + SIM_SESSIONS_MAX +
 * SIM_LIMIT_NODES_CEIL x (1 + NODE_WORKERS_MAX) < 2^31. */
#define TID_SCHED UINT64_C(1)
#define TID_SESSION(s) (UINT64_C(2) + (s))
#define TID_LIMIT (UINT64_C(1) << 31)
_Static_assert(2 + (uint64_t)SIM_SESSIONS_MAX + SIM_LIMIT_NODES_CEIL * (1 + NODE_WORKERS_MAX) <
                   TID_LIMIT,
               "the node blocks fit below 2^31");

/* --- writing ------------------------------------------------------------------------ */

static void put_ts(FILE *f, const char *key, int64_t ns)
{
    fprintf(f, ",\"%s\":%" PRId64 ".%03d", key, ns / 1000, (int)(ns % 1000));
}

/* ",\n{"ph":PH,"name":NAME,"ts":..,"pid":P,"tid":T" — the caller closes it. */
static void put_head(FILE *f, const char *ph, const char *name, int64_t ts, uint64_t pid,
                     uint64_t tid)
{
    fprintf(f, ",\n{\"ph\":\"%s\",\"name\":", ph);
    sim_json_string(f, name);
    put_ts(f, "ts", ts);
    fprintf(f, ",\"pid\":%" PRIu64 ",\"tid\":%" PRIu64, pid, tid);
}

static void put_meta(FILE *f, const char *what, uint64_t pid, uint64_t tid, const char *name,
                     uint64_t sort)
{
    put_head(f, "M", what, 0, pid, tid);
    fputs(",\"args\":{\"name\":", f);
    sim_json_string(f, name);
    fputs("}}", f);
    char sort_what[32];
    snprintf(sort_what, sizeof sort_what, "%s_sort_index",
             strcmp(what, "process_name") == 0 ? "process" : "thread");
    put_head(f, "M", sort_what, 0, pid, tid);
    fprintf(f, ",\"args\":{\"sort_index\":%" PRIu64 "}}", sort);
}

void sim_tl_head(FILE *f, const char *title)
{
    /* otherData: the trace-event format's place for what is about the file */
    fprintf(f, "{\"otherData\":{\"dsim_version\":\"%s\",\"schema_version\":%d},", sim_version(),
            SIM_SCHEMA_VERSION);
    fputs("\"traceEvents\":[\n{\"ph\":\"M\",\"name\":\"process_name\",\"ts\":0,\"pid\":0,"
          "\"tid\":0,\"args\":{\"name\":",
          f);
    size_t n = strlen(title) + 8;
    char *name = sim_xmalloc(n);
    snprintf(name, n, "dsim %s", title);
    sim_json_string(f, name);
    free(name);
    fputs("}}", f);
}

/* --- one run --------------------------------------------------------------------------- */

enum { FATE_NONE, FATE_RESULT_LOST, FATE_DELIVERED, FATE_DUPLICATE, FATE_DISCARDED,
       FATE_DEDUP, FATE_FENCED, FATE_SESSION_CLOSED, FATE_EVICTED, FATE_QUEUE_DUP,
       FATE_UNKNOWN, FATE_FAILED };
static const char *const fate_name[] = {
    "", "result_lost", "delivered", "duplicate", "discarded", "dedup_drop", "fenced",
    "session_closed", "evicted", "queue_duplicate", "unknown_job", "failed"};
static const char *const end_name[] = {"result_sent", "no_result", "aborted",  "superseded",
                                       "crashed",     "refused",   "skipped", "dropped_stale"};
static const char *const stage_name[STAGE_COUNT] = {"ASR", "NMT", "TTS"};
/* sim_loss_cause (simworld.h) as in lost_by_cause */
static const char *const cause_name[] = {
    "unfinished", "failover_exhausted", "no_node", "no_result", "network", "node_crash",
    "processing_error", "fenced", "session_closed", "dedup_drop", "ack_discard"};

typedef struct tl_att {
    uint64_t job, job_id, session;
    uint32_t attempt, node, index;
    int worker;
    int64_t assigned, arrived, ended, started, busy;
    int64_t stage_ns[STAGE_COUNT], stall_ns, cold_ns;
    int stall_stage;
    bool hedge, stale, ran, has_end;
    uint8_t end, fate;
} tl_att;

struct sim_tl {
    FILE *f;
    sim_tl_filter flt;
    uint64_t pid;
    tl_att *att;
    size_t n_att, cap_att;
    uint32_t *slot; /* hash (job, attempt) -> 1 + index into att; 0 empty */
    size_t cap_slot;
    int64_t *closed; /* per session: close time, -1 open */
    uint32_t n_sessions, per_session;
    uint64_t flows;
    /* per node: the tid of its queue track (its workers follow); q_tid[n_nodes] is
     * where the extra queue lanes start */
    uint64_t *q_tid;
    uint32_t *node_class; /* per node: its class, for the lanes' names */
    char (*class_name)[64];
    uint32_t n_nodes;
};

/* The id logs show for a job (sim_job_label): the same in every output. */
static uint32_t tl_label(const sim_tl *t, uint64_t job_id, uint64_t job, uint64_t session,
                         uint32_t index)
{
    return sim_job_label(job_id, job, session, index, t->per_session,
                         (uint64_t)t->n_sessions * t->per_session);
}

static size_t tl_hash(uint64_t job, uint32_t attempt, size_t cap)
{
    uint64_t h = (job * UINT64_C(0x9E3779B97F4A7C15)) ^ ((uint64_t)attempt * UINT64_C(0xC2B2AE3D27D4EB4F));
    return (size_t)(h >> 17) & (cap - 1);
}

static tl_att *tl_find(sim_tl *t, uint64_t job, uint32_t attempt)
{
    if (!t->cap_slot)
        return NULL;
    for (size_t j = tl_hash(job, attempt, t->cap_slot);; j = (j + 1) & (t->cap_slot - 1)) {
        uint32_t s = t->slot[j];
        if (!s)
            return NULL;
        tl_att *a = &t->att[s - 1];
        if (a->job == job && a->attempt == attempt)
            return a;
    }
}

static void tl_slot_put(sim_tl *t, size_t i)
{
    size_t j = tl_hash(t->att[i].job, t->att[i].attempt, t->cap_slot);
    while (t->slot[j])
        j = (j + 1) & (t->cap_slot - 1);
    t->slot[j] = (uint32_t)(i + 1);
}

static tl_att *tl_add(sim_tl *t, uint64_t job, uint32_t attempt)
{
    if (2 * (t->n_att + 1) > t->cap_slot) {
        free(t->slot);
        t->cap_slot = t->cap_slot ? t->cap_slot * 2 : 256;
        t->slot = sim_xcalloc(t->cap_slot, sizeof *t->slot);
        for (size_t i = 0; i < t->n_att; i++)
            tl_slot_put(t, i);
    }
    if (t->n_att == t->cap_att) {
        t->cap_att = t->cap_att ? t->cap_att * 2 : 256;
        t->att = sim_xrealloc(t->att, t->cap_att * sizeof *t->att);
    }
    tl_att *a = &t->att[t->n_att];
    memset(a, 0, sizeof *a);
    a->job = job;
    a->attempt = attempt;
    a->arrived = a->started = a->ended = -1;
    tl_slot_put(t, t->n_att++);
    return a;
}

sim_tl *sim_tl_new(FILE *f, const sim_tl_filter *flt, const sim_scenario *s, size_t policy,
                   int rep, uint64_t pid_base)
{
    const char *name = s->policies[policy].name;
    if (!f || (flt->policy[0] && strcmp(flt->policy, name) != 0) ||
        (flt->replication >= 0 && flt->replication != rep))
        return NULL;
    sim_tl *t = sim_xcalloc(1, sizeof *t);
    t->f = f;
    t->flt = *flt;
    t->pid = pid_base + 1 + (uint64_t)policy * (uint64_t)s->replications + (uint64_t)rep;
    t->n_sessions = (uint32_t)s->workload.sessions;
    t->per_session = (uint32_t)s->workload.utterances_per_session;
    t->closed = sim_xcalloc(t->n_sessions ? t->n_sessions : 1, sizeof *t->closed);
    for (uint32_t a = 0; a < t->n_sessions; a++)
        t->closed[a] = -1;
    size_t n = strlen(name) + 32;
    char *pname = sim_xmalloc(n), tname[128];
    snprintf(pname, n, "%s #%d", name, rep);
    put_meta(f, "process_name", t->pid, 0, pname, t->pid);
    free(pname);
    put_head(f, "M", "process_labels", 0, t->pid, 0);
    fputs(",\"args\":{\"labels\":", f);
    sim_json_string(f, s->name);
    fputs("}}", f);
    put_meta(f, "thread_name", t->pid, TID_SCHED, "scheduler", 0);
    for (uint32_t a = 0; a < t->n_sessions; a++) {
        if (flt->session >= 0 && flt->session != (int64_t)a)
            continue;
        snprintf(tname, sizeof tname, "session %" PRIu32, a);
        put_meta(f, "thread_name", t->pid, TID_SESSION(a), tname, TID_SESSION(a));
    }
    for (size_t c = 0; c < s->n_nodes; c++)
        t->n_nodes += (uint32_t)s->nodes[c].count;
    t->q_tid = sim_xmalloc(((size_t)t->n_nodes + 1) * sizeof *t->q_tid);
    t->node_class = sim_xmalloc((t->n_nodes ? t->n_nodes : 1) * sizeof *t->node_class);
    t->class_name = sim_xmalloc((s->n_nodes ? s->n_nodes : 1) * sizeof *t->class_name);
    uint32_t id = 0;
    uint64_t tid = TID_SESSION(t->n_sessions);
    for (size_t c = 0; c < s->n_nodes; c++) {
        snprintf(t->class_name[c], sizeof t->class_name[c], "%s", s->nodes[c].name);
        for (int k = 0; k < s->nodes[c].count; k++, id++) {
            t->node_class[id] = (uint32_t)c;
            t->q_tid[id] = tid;
            snprintf(tname, sizeof tname, "node %" PRIu32 " (%s) queue", id, s->nodes[c].name);
            put_meta(f, "thread_name", t->pid, tid, tname, tid);
            for (int w = 0; w < s->nodes[c].workers; w++) {
                snprintf(tname, sizeof tname, "node %" PRIu32 " (%s) worker %d", id,
                         s->nodes[c].name, w);
                put_meta(f, "thread_name", t->pid, tid + 1 + (uint64_t)w, tname,
                         tid + 1 + (uint64_t)w);
            }
            tid += 1 + (uint64_t)s->nodes[c].workers;
        }
    }
    t->q_tid[t->n_nodes] = tid;
    return t;
}

static bool tl_session_kept(const sim_tl *t, uint64_t session)
{
    return t->flt.session < 0 || (uint64_t)t->flt.session == session;
}

static bool tl_time_kept(const sim_tl *t, int64_t from, int64_t to)
{
    return to >= t->flt.from && from <= t->flt.to;
}

/* An instant with the reference's fields of a job (job_id, attempt_id, ...). */
static void tl_instant(sim_tl *t, const char *name, int64_t ts, uint64_t tid,
                       const disp_cmd *c, const char *extra)
{
    put_head(t->f, "i", name, ts, t->pid, tid);
    fputs(",\"s\":\"t\",\"cat\":\"", t->f);
    fputs(tid == TID_SCHED ? "scheduler" : "client", t->f);
    fprintf(t->f,
            "\",\"args\":{\"job_id\":\"job-%08" PRIX32 "\",\"attempt_id\":%" PRIu32
            ",\"session\":%" PRIu64 ",\"utterance_index\":%" PRIu32,
            tl_label(t, c->job_id, c->job, c->session, c->index), c->attempt, c->session,
            c->index);
    if (extra)
        fputs(extra, t->f);
    fputs("}}", t->f);
}

void sim_tl_cmd(sim_tl *t, const disp_cmd *c)
{
    if (!t)
        return;
    char extra[160];
    if (c->kind == DISP_CMD_ASSIGN) {
        tl_att *a = tl_add(t, c->job, c->attempt);
        a->job_id = c->job_id;
        a->session = c->session;
        a->index = c->index;
        a->node = c->node;
        a->assigned = c->now;
        a->hedge = c->hedge;
    }
    if (!tl_session_kept(t, c->session) && c->kind != DISP_CMD_LOG)
        return;
    switch (c->kind) {
    case DISP_CMD_ASSIGN:
    case DISP_CMD_CANCEL:
        if (!tl_time_kept(t, c->now, c->now))
            return;
        snprintf(extra, sizeof extra, ",\"node\":%" PRIu32 "%s", c->node,
                 c->hedge ? ",\"hedge\":true" : "");
        tl_instant(t, c->kind == DISP_CMD_ASSIGN ? "job_assign" : "job_cancel", c->now,
                   TID_SCHED, c, extra);
        break;
    case DISP_CMD_LOG: {
        if (c->event == DISP_LOG_ACK_DISCARD || c->event == DISP_LOG_RESULT_DUPLICATE ||
            c->event == DISP_LOG_RESULT_FENCED || c->event == DISP_LOG_RESULT_SESSION_CLOSED ||
            c->event == DISP_LOG_QUEUE_EVICT || c->event == DISP_LOG_QUEUE_DUPLICATE ||
            c->event == DISP_LOG_RESULT_STALE_QUEUED || c->event == DISP_LOG_RESULT_FAILED) {
            tl_att *a = tl_find(t, c->job, c->attempt);
            if (a && c->event == DISP_LOG_RESULT_STALE_QUEUED)
                a->stale = true;
            else if (a && a->fate == FATE_NONE)
                a->fate = c->event == DISP_LOG_ACK_DISCARD         ? FATE_DISCARDED
                          : c->event == DISP_LOG_RESULT_DUPLICATE  ? FATE_DEDUP
                          : c->event == DISP_LOG_RESULT_FENCED     ? FATE_FENCED
                          : c->event == DISP_LOG_QUEUE_EVICT       ? FATE_EVICTED
                          : c->event == DISP_LOG_QUEUE_DUPLICATE   ? FATE_QUEUE_DUP
                          : c->event == DISP_LOG_RESULT_FAILED     ? FATE_FAILED
                                                                   : FATE_SESSION_CLOSED;
        }
        bool about_node = c->event == DISP_LOG_NODE_DOWN;
        if ((!about_node && !tl_session_kept(t, c->session)) || !tl_time_kept(t, c->now, c->now))
            return;
        if (about_node) {
            put_head(t->f, "i", disp_log_name(c->event), c->now, t->pid, TID_SCHED);
            fprintf(t->f, ",\"s\":\"t\",\"cat\":\"scheduler\",\"args\":{\"node\":%" PRIu32 "}}",
                    c->node);
            return;
        }
        snprintf(extra, sizeof extra,
                 ",\"node\":%" PRIu32 ",\"failover_attempts\":%d,\"elapsed_ms\":%" PRId64
                 ",\"ack_timeout_ms\":%" PRId64,
                 c->node, c->failover_attempts, c->elapsed_ms, c->ack_timeout_ms);
        tl_instant(t, disp_log_name(c->event), c->now, TID_SCHED, c, extra);
        break;
    }
    default:
        break;
    }
}

void sim_tl_arrived(sim_tl *t, int64_t now, uint64_t job, uint32_t attempt)
{
    tl_att *a = t ? tl_find(t, job, attempt) : NULL;
    if (a)
        a->arrived = now;
}

void sim_tl_node_end(sim_tl *t, int64_t at, const node_out *o)
{
    tl_att *a = t ? tl_find(t, o->job, o->attempt) : NULL;
    if (!a)
        return;
    a->has_end = true;
    a->ended = at;
    a->end = (uint8_t)o->end;
    a->ran = o->ran;
    a->worker = o->worker;
    a->started = o->started;
    a->busy = o->busy_ns;
    memcpy(a->stage_ns, o->stage_ns, sizeof a->stage_ns);
    a->stall_ns = o->stall_ns;
    a->stall_stage = o->stall_stage;
    a->cold_ns = o->cold_ns;
}

void sim_tl_node_state(sim_tl *t, int64_t at, uint32_t id, bool up)
{
    if (!t || !tl_time_kept(t, at, at))
        return;
    if (id >= t->n_nodes)
        return;
    put_head(t->f, "i", up ? "node_up" : "node_crash", at, t->pid, t->q_tid[id]);
    fprintf(t->f, ",\"s\":\"t\",\"cat\":\"node\",\"args\":{\"node\":%" PRIu32 "}}", id);
}

void sim_tl_result_lost(sim_tl *t, uint64_t job, uint32_t attempt)
{
    tl_att *a = t ? tl_find(t, job, attempt) : NULL;
    if (a && a->fate == FATE_NONE)
        a->fate = FATE_RESULT_LOST;
}

/* The worker thread that ran attempt a. */
static uint64_t tl_worker_tid(const sim_tl *t, const tl_att *a)
{
    return t->q_tid[a->node] + 1 + (uint64_t)a->worker;
}

static int64_t tl_att_from(const tl_att *a)
{
    return a->ran ? a->started : a->arrived;
}

static void tl_flow(sim_tl *t, int64_t from, uint64_t from_tid, int64_t to, uint64_t to_tid,
                    const char *name)
{
    if (!tl_time_kept(t, from, from) || !tl_time_kept(t, to, to))
        return;
    uint64_t id = (t->pid << 32) + ++t->flows;
    put_head(t->f, "s", name, from, t->pid, from_tid);
    fprintf(t->f, ",\"cat\":\"flow\",\"id\":%" PRIu64 "}", id);
    put_head(t->f, "f", name, to, t->pid, to_tid);
    fprintf(t->f, ",\"cat\":\"flow\",\"id\":%" PRIu64 ",\"bp\":\"e\"}", id);
}

/* sim_tl_client with a timeline: kept out of line, so a run without one pays
 * only the test of t (its frame is large). */
__attribute__((noinline)) static void tl_client(sim_tl *t, int64_t now, bool deliver, bool first,
                                                int code, uint64_t session, uint32_t index,
                                                uint64_t job, uint32_t attempt)
{
    tl_att *a = deliver ? tl_find(t, job, attempt) : NULL;
    if (a && (a->fate == FATE_NONE || a->fate == FATE_DISCARDED))
        a->fate = first ? FATE_DELIVERED : FATE_DUPLICATE;
    if (!tl_session_kept(t, session) || !tl_time_kept(t, now, now))
        return;
    disp_cmd c;
    memset(&c, 0, sizeof c);
    c.session = session;
    c.index = index;
    char extra[96] = "";
    if (a) {
        c.job_id = a->job_id;
        c.job = a->job;
        c.attempt = a->attempt;
    }
    if (!deliver)
        snprintf(extra, sizeof extra, ",\"error\":\"%s\"",
                 code == DISP_ERR_PROCESSING ? "PROCESSING_ERROR" : "JOB_TIMEOUT");
    tl_instant(t, !deliver ? "error" : first ? "delivery" : "duplicate_delivery", now,
               TID_SESSION(session), &c, extra);
    /* a delivered result comes from an attempt that ran (one that never ran sends
     * success=false, which delivers nothing) */
    if (a && a->has_end && a->ran && a->node < t->n_nodes)
        tl_flow(t, a->ended, tl_worker_tid(t, a), now, TID_SESSION(session), "result");
}

void sim_tl_client(sim_tl *t, int64_t now, bool deliver, bool first, int code, uint64_t session,
                   uint32_t index, uint64_t job, uint32_t attempt)
{
    if (t)
        tl_client(t, now, deliver, first, code, session, index, job, attempt);
}

void sim_tl_session_close(sim_tl *t, int64_t now, uint64_t session)
{
    if (t && session < t->n_sessions && t->closed[session] < 0)
        t->closed[session] = now;
}

/* A complete event [from, to) on tid, args opened ("args":{ written). */
static void tl_slice(sim_tl *t, const char *cat, const char *name, int64_t from, int64_t to,
                     uint64_t tid)
{
    put_head(t->f, "X", name, from, t->pid, tid);
    put_ts(t->f, "dur", to - from);
    fprintf(t->f, ",\"cat\":\"%s\",\"args\":{", cat);
}

/* Attempt a, its wait drawn on queue lane tid qtid (sim_tl_finish). */
static void tl_write_attempt(sim_tl *t, const tl_att *a, uint64_t qtid)
{
    if (!a->has_end || !tl_session_kept(t, a->session))
        return; /* the assign was lost, or the run ended first: no attempt on a node */
    int64_t from = tl_att_from(a), to = a->ended;
    char name[64];
    uint32_t label = tl_label(t, a->job_id, a->job, a->session, a->index);
    snprintf(name, sizeof name, "job-%08" PRIX32 " #%" PRIu32, label, a->attempt);
    if (a->ran && a->arrived >= 0 && a->arrived < a->started &&
        tl_time_kept(t, a->arrived, a->started)) {
        tl_slice(t, "queue", name, a->arrived, a->started, qtid);
        fputs("}}", t->f);
    }
    if (tl_time_kept(t, from, to)) {
        uint64_t tid = a->ran ? tl_worker_tid(t, a) : qtid;
        tl_slice(t, "attempt", name, from, to, tid);
        const char *outcome = a->end == NODE_END_DONE && a->fate != FATE_NONE
                                  ? fate_name[a->fate]
                                  : end_name[a->end];
        fprintf(t->f,
                "\"job_id\":\"job-%08" PRIX32 "\",\"attempt_id\":%" PRIu32
                ",\"session\":%" PRIu64 ",\"utterance_index\":%" PRIu32 ",\"node\":%" PRIu32
                ",\"outcome\":\"%s\",\"stale\":%s,\"hedge\":%s,\"busy_ms\":%" PRId64 ".%06d}}",
                label, a->attempt, a->session, a->index, a->node, outcome,
                a->stale ? "true" : "false", a->hedge ? "true" : "false", a->busy / 1000000,
                (int)(a->busy % 1000000));
        if (a->ran) {
            /* stages back to back from the start, cut where the attempt ended; the
             * cold start opens ASR, the stall closes the stage it is in */
            int64_t at = a->started;
            for (int s = 0; s < STAGE_COUNT && at < to; s++) {
                int64_t len = a->stage_ns[s] + (s == STAGE_ASR ? a->cold_ns : 0);
                int64_t end = at + len < to ? at + len : to;
                tl_slice(t, "stage", stage_name[s], at, end, tid);
                fputs("}}", t->f);
                if (s == STAGE_ASR && a->cold_ns > 0) {
                    int64_t ce = at + a->cold_ns < end ? at + a->cold_ns : end;
                    tl_slice(t, "stage", "cold start", at, ce, tid);
                    fputs("}}", t->f);
                }
                if (s == a->stall_stage && a->stall_ns > 0 && at + len - a->stall_ns < end) {
                    tl_slice(t, "stage", "stall", at + len - a->stall_ns, end, tid);
                    fputs("}}", t->f);
                }
                at += len;
            }
        }
    }
    if (a->arrived >= 0)
        tl_flow(t, a->assigned, TID_SCHED, from, a->ran ? tl_worker_tid(t, a) : qtid, "assign");
}

/* A wait on a node's queue: [from, to) of attempt i (its queue slice if it ran,
 * the attempt itself if it never did). */
typedef struct tl_wait {
    uint32_t node, i;
    int64_t from, to;
} tl_wait;

static int tl_wait_cmp(const void *x, const void *y)
{
    const tl_wait *a = x, *b = y;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->to != b->to)
        return a->to < b->to ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* The queue lane of every attempt's wait (qtid[i], 0 for none), and the names of
 * the lanes past the first. Waits on one node overlap when it holds more
 * attempts than workers; a trace-event thread holds only slices that nest or are
 * disjoint, so each wait takes the lowest-numbered lane of its node free at its
 * start (in order of start, then end, then assign): lane 0 is the node's queue
 * track, lane k >= 1 "node N (CLASS) queue k", numbered after every node's
 * block, its sort index the queue track's. Over every attempt, whatever the
 * filter keeps, so a filtered file draws each wait where the whole one does. */
static uint64_t *tl_lanes(sim_tl *t)
{
    uint64_t *qtid = sim_xcalloc(t->n_att ? t->n_att : 1, sizeof *qtid);
    tl_wait *w = sim_xmalloc((t->n_att ? t->n_att : 1) * sizeof *w);
    size_t n = 0;
    for (size_t i = 0; i < t->n_att; i++) {
        const tl_att *a = &t->att[i];
        if (!a->has_end || a->node >= t->n_nodes)
            continue;
        int64_t from = a->arrived >= 0 ? a->arrived : a->ended;
        int64_t to = a->ran ? a->started : a->ended;
        if (a->ran && !(a->arrived >= 0 && a->arrived < a->started))
            continue; /* ran at once: no wait */
        w[n++] = (tl_wait){a->node, (uint32_t)i, from, to};
    }
    qsort(w, n, sizeof *w, tl_wait_cmp);
    int64_t *busy = NULL; /* per lane of the node: the end of its last wait */
    size_t cap = 0;
    uint64_t next = t->q_tid[t->n_nodes]; /* the next extra lane's tid */
    for (size_t k = 0; k < n;) {
        uint32_t nd = w[k].node;
        size_t lanes = 0;
        uint64_t first = next; /* this node's lane 1 */
        for (; k < n && w[k].node == nd; k++) {
            size_t l = 0;
            while (l < lanes && busy[l] > w[k].from)
                l++;
            if (l == lanes) {
                if (lanes > 0 && first + lanes - 1 >= TID_LIMIT) {
                    /* no tid left below 2^31 (about 10^9 waits at once, far more
                     * than memory holds): the last lane takes it */
                    l = lanes - 1;
                } else {
                    if (lanes == cap) {
                        cap = cap ? 2 * cap : 16;
                        busy = sim_xrealloc(busy, cap * sizeof *busy);
                    }
                    busy[lanes++] = INT64_MIN;
                }
            }
            if (busy[l] < w[k].to)
                busy[l] = w[k].to;
            qtid[w[k].i] = l == 0 ? t->q_tid[nd] : first + l - 1;
        }
        char tname[128];
        for (size_t l = 1; l < lanes; l++) {
            snprintf(tname, sizeof tname, "node %" PRIu32 " (%s) queue %zu", nd,
                     t->class_name[t->node_class[nd]], l);
            put_meta(t->f, "thread_name", t->pid, first + l - 1, tname, t->q_tid[nd]);
        }
        next = first + (lanes ? lanes - 1 : 0);
    }
    free(busy);
    free(w);
    return qtid;
}

void sim_tl_finish(sim_tl *t, int64_t now, const sim_client *c)
{
    if (!t)
        return;
    for (uint32_t s = 0; c && s < c->n_sessions && s < t->n_sessions; s++) {
        if (!tl_session_kept(t, s))
            continue;
        int64_t at = t->closed[s] >= 0 ? t->closed[s] : now;
        if (!tl_time_kept(t, at, at))
            continue;
        for (uint32_t i = 0; i < c->per_session; i++) {
            uint8_t cause;
            if (!sim_client_lost(c, s, i, &cause))
                continue;
            put_head(t->f, "i", "never_delivered", at, t->pid, TID_SESSION(s));
            fprintf(t->f,
                    ",\"s\":\"t\",\"cat\":\"client\",\"args\":{\"session\":%" PRIu32
                    ",\"utterance_index\":%" PRIu32 ",\"cause\":\"%s\"}}",
                    s, i, cause < sizeof cause_name / sizeof *cause_name ? cause_name[cause] : "?");
        }
    }
    uint64_t *qtid = tl_lanes(t);
    for (size_t i = 0; i < t->n_att; i++)
        tl_write_attempt(t, &t->att[i], qtid[i]);
    free(qtid);
    free(t->att);
    free(t->slot);
    free(t->closed);
    free(t->q_tid);
    free(t->node_class);
    free(t->class_name);
    free(t);
}
