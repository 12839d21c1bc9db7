/*
 * fit_lines.c — what each line of a log tells `dsim fit` (fit_internal.h): the
 * reference's lines and dsim's records, as fit_log.c's reader hands them over
 * (checked by logread.c), into the log's tables and attempts (fit_log.c).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"
#include "logread.h"

/* ---- the reference's lines ------------------------------------------------------ */

static const char *fstr(const json_t *o, const char *k)
{
    const json_t *x = json_object_get(o, k);
    return json_is_string(x) ? json_string_value(x) : NULL;
}

static bool fint(const json_t *o, const char *k, int64_t *v)
{
    const json_t *x = json_object_get(o, k);
    if (json_is_integer(x))
        *v = json_integer_value(x);
    else if (json_is_string(x)) /* "%x" fields, e.g. elapsed_ms "12ms" */
        return sscanf(json_string_value(x), "%" SCNd64, v) == 1;
    return json_is_integer(x);
}

/* The first attempt of j on node that timed out and has no result yet: a
 * node's results come in the order of its work (first come, first served). */
static fit_attempt *timed_out_on(fit_job *j, uint32_t node)
{
    for (size_t i = 0; i < j->n; i++)
        if (j->a[i].node == node && j->a[i].state == FIT_A_CENSORED)
            return &j->a[i];
    return NULL;
}

/* The timed-out attempt a stale-result warning names: by its attempt_id when
 * the warning has one (attempts are numbered 1, 2, ... per job, as the
 * reference's attempt_id), else the first on its node. */
static fit_attempt *stale_attempt(fit_job *j)
{
    fit_attempt *a = j->stale_attempt ? sim__fit_attempt_id(j, j->stale_attempt) : NULL;
    if (a && a->node == j->stale_node && a->state == FIT_A_CENSORED)
        return a;
    return timed_out_on(j, j->stale_node);
}

/* Where a line's macro is tells the commit (log_lingua.c's table): the lines
 * that moved between the three. */
static const struct {
    const char *file_end;
    int line;
    const char *commit;
} commit_marks[] = {
    {"session_actor/actor.rs", 624, "98e3526"},   {"session_actor/actor.rs", 734, "af7c4a9"},
    {"actor/actor_finalize.rs", 367, "467aee4"},  {"message/job_result.rs", 344, "98e3526"},
    {"message/job_result.rs", 357, "af7c4a9"},    {"job_result_creation.rs", 148, "467aee4"},
    {"timeout/job_timeout.rs", 72, "467aee4"},
};

static void note_commit(fit_log *lg, const json_t *root, const char *path, uint64_t line)
{
    const char *file = fstr(root, "filename");
    int64_t ln;
    if (!file || !fint(root, "line_number", &ln))
        return;
    size_t fl = strlen(file);
    for (size_t i = 0; i < sizeof commit_marks / sizeof commit_marks[0]; i++) {
        size_t el = strlen(commit_marks[i].file_end);
        if (ln != commit_marks[i].line || fl < el || strcmp(file + fl - el, commit_marks[i].file_end))
            continue;
        if (!lg->commit[0]) {
            snprintf(lg->commit, sizeof lg->commit, "%s", commit_marks[i].commit);
            snprintf(lg->commit_from, sizeof lg->commit_from, "%s:%" PRIu64 " (%s:%" PRId64 ")",
                     path, line, file, ln);
        } else if (strcmp(lg->commit, commit_marks[i].commit) != 0)
            lg->mixed_commits = true;
    }
}

/* "Some(\"node-…\")" -> node-…; a plain id as it is; NULL for None. */
static const char *node_label(const char *v, char *buf, size_t cap)
{
    if (!v || strcmp(v, "None") == 0)
        return NULL;
    if (strncmp(v, "Some(\"", 6) == 0) {
        snprintf(buf, cap, "%s", v + 6);
        char *q = strchr(buf, '"');
        if (q)
            *q = '\0';
        return buf;
    }
    return v;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A heartbeat as the scheduler received it. Returns 0, or -1 with err for a
 * node id or running_jobs out of bounds. */
static int heartbeat(fit_log *lg, const char *msg, int64_t t, const char *path, uint64_t line,
                     sim_error *err)
{
    const char *text = strstr(msg, "): ");
    if (!text)
        return 0;
    json_t *m = json_loads(text + 3, 0, NULL);
    const char *type = fstr(m, "type"), *node = fstr(m, "node_id");
    const json_t *run = json_object_get(json_object_get(m, "resource_usage"), "running_jobs");
    if (type && node && strcmp(type, "node_heartbeat") == 0 &&
        (strlen(node) == 0 || strlen(node) > SIM_LOG_ID_MAX ||
         (run && (!json_is_integer(run) || json_integer_value(run) < 0)))) {
        sim_error_add(err,
                      "%s:%" PRIu64 ": fields.message: a node_heartbeat: expected a node_id of 1 "
                      "to %d bytes and resource_usage.running_jobs an integer >= 0",
                      path, line, SIM_LOG_ID_MAX);
        json_decref(m);
        return -1;
    }
    if (type && node && strcmp(type, "node_heartbeat") == 0) {
        uint32_t n = sim__fit_node_of(lg, node); /* may move lg->nodes */
        fit_node *nd = &lg->nodes[n];
        if (run) {
            nd->running_sum += (double)json_integer_value(run);
            nd->running_reports++;
        }
        if (nd->last_beat >= 0) {
            nd->beat_gap_sum += (double)(t - nd->last_beat) / 1e9;
            nd->beat_gaps++;
        }
        nd->last_beat = t;
        nd->heartbeats++;
    }
    json_decref(m);
    return 0;
}

/* One reference line at time t, checked by logread.c. Returns 1, 0 when it says
 * nothing fit uses, -1 with err. */
int sim__fit_lingua_line(fit_log *lg, const json_t *root, const char *msg, int64_t t,
                         const char *path, uint64_t line, sim_error *err)
{
    const json_t *f = json_object_get(root, "fields");
    const char *job = fstr(f, "job_id");
    char buf[FIT_LABEL_MAX];
    int64_t v;
    note_commit(lg, root, path, line);
    if (starts(msg, "Finalizing audio utterance")) {
        const char *s = fstr(f, "session_id");
        if (!s || !fint(f, "utterance_index", &v))
            return false;
        int64_t bytes;
        double audio = fint(f, "audio_size_bytes", &bytes) ? (double)bytes / 32000.0 : NAN;
        sim__fit_add_utt(lg, sim__fit_session_of(lg, s), v, t, audio);
        lg->from_finalize = true;
        return true;
    }
    if (strcmp(msg, "Node registered successfully") == 0 && fstr(f, "node_id")) {
        uint32_t n = sim__fit_node_of(lg, fstr(f, "node_id")); /* may move lg->nodes */
        lg->nodes[n].registrations++;
        return true;
    }
    if (starts(msg, "Received node message"))
        return heartbeat(lg, msg, t, path, line, err) == 0 ? 1 : -1;
    if (strcmp(msg, SIM_LINGUA_ACK_DISCARD) == 0) {
        lg->ack_discards++;
        if (fint(f, "ack_timeout_ms", &v))
            lg->ack_timeout_ms = v;
        return true;
    }
    if (strcmp(msg, SIM_LINGUA_PENDING) == 0) {
        int64_t secs;
        if (fint(f, "pending_timeout_seconds", &secs))
            lg->pending_timeout_s = (double)secs;
    }
    if (!job)
        return false;
    fit_job *j = sim__fit_job_of(lg, job);
    const char *sess = fstr(f, "session_id");
    if (sess && fint(f, "utterance_index", &v) && !j->has_utt) {
        j->session = sim__fit_session_of(lg, sess);
        j->index = v;
        j->has_utt = true;
    }
    bool stale = j->stale;
    j->stale = false;
    if (strcmp(msg, SIM_LINGUA_CREATED) == 0) {
        /* the line again with a node (a job dispatched from dsim's pending
         * queue, or the reference's idempotent create_job): created once */
        if (j->created == INT64_MIN)
            j->created = t;
        const char *node = node_label(fstr(f, "node_id"), buf, sizeof buf);
        if (node)
            sim__fit_open_attempt(lg, j, sim__fit_node_of(lg, node), t, (int64_t)j->n + 1);
    } else if (strcmp(msg, SIM_LINGUA_TIMEOUT) == 0) {
        lg->timeouts++;
        json_t *x = json_object_get(f, "dispatched_timeout_seconds");
        if (json_is_number(x))
            lg->dispatch_timeout_s = json_number_value(x);
        if (fint(f, "failover_max_attempts", &v))
            lg->max_failovers = v;
        fit_attempt *a = sim__fit_current(j);
        if (a)
            sim__fit_end_attempt(lg, a, t, true, true);
    } else if (strcmp(msg, SIM_LINGUA_FAILOVER) == 0) {
        lg->failovers++;
        const char *node = fstr(f, "new_node_id");
        if (node)
            sim__fit_open_attempt(lg, j, sim__fit_node_of(lg, node), t, (int64_t)j->n + 1);
    } else if (starts(msg, "Received result for terminated Job") ||
               starts(msg, "Received JobResult from non-current node") ||
               starts(msg, "Received JobResult for non-current attempt")) {
        const char *node = fstr(f, "node_id");
        if (node) {
            j->stale = true;
            j->stale_node = sim__fit_node_of(lg, node);
            if (!fint(f, "attempt_id", &j->stale_attempt))
                j->stale_attempt = 0;
        }
    } else if (strcmp(msg, "Received JobResult, adding to result queue") == 0) {
        lg->results++;
        fit_attempt *a = stale ? stale_attempt(j) : sim__fit_current(j);
        lg->stale_results += stale;
        if (a) {
            lg->late_after_cancel += a->state == FIT_A_CENSORED;
            sim__fit_end_attempt(lg, a, t, false, false);
        }
    } else if (starts(msg, "Duplicate job_result filtered")) {
        /* a result the dedup dropped: the line names no node; the job's current
         * attempt's when one is out (the reference keeps a job dispatched when
         * a stale result came first), else the one timed-out attempt still
         * without a result, if there is exactly one */
        lg->results++;
        fit_attempt *a = sim__fit_current(j), *only = NULL;
        size_t waiting = 0;
        for (size_t i = 0; i < j->n; i++)
            if (j->a[i].state == FIT_A_CENSORED) {
                waiting++;
                only = &j->a[i];
            }
        if ((!a || a->start == t) && waiting == 1)
            a = only; /* not the attempt dispatched at this very instant */
        if (a) {
            lg->late_after_cancel += a->state == FIT_A_CENSORED;
            sim__fit_end_attempt(lg, a, t, false, false);
        }
    } else if (strcmp(msg, "Job processing failed") == 0) {
        lg->failed_results++;
        fit_attempt *a = sim__fit_current(j);
        if (stale) {
            if (stale_attempt(j)) {
                lg->failed_after_cancel++;
                lg->nodes[j->stale_node].aborted++;
            }
        } else if (a) {
            sim__fit_end_attempt(lg, a, t, true, false);
        }
    } else
        return strcmp(msg, SIM_LINGUA_PENDING) == 0;
    return true;
}

/* ---- dsim's records ------------------------------------------------------------- */

bool sim__fit_dsim_record(fit_log *lg, const json_t *root, const char *event, int64_t t)
{
    const char *job = fstr(root, "job_id");
    int64_t session, index, node, att;
    if (!job || !fint(root, "session", &session) || !fint(root, "utterance_index", &index) ||
        !fint(root, "node", &node) || !fint(root, "attempt_id", &att))
        return false;
    char label[FIT_LABEL_MAX];
    snprintf(label, sizeof label, "node %" PRId64, node);
    fit_job *j = sim__fit_job_of(lg, job);
    if (strcmp(event, "job_created") == 0) {
        char s[32];
        snprintf(s, sizeof s, "%" PRId64, session);
        sim__fit_add_utt(lg, sim__fit_session_of(lg, s), index, t, NAN);
        return true;
    }
    if (strcmp(event, "job_dispatched") == 0 || strcmp(event, "failover_dispatched") == 0 ||
        strcmp(event, "hedge_dispatched") == 0) {
        lg->failovers += event[0] == 'f';
        sim__fit_open_attempt(lg, j, sim__fit_node_of(lg, label), t, att);
        return true;
    }
    fit_attempt *a = sim__fit_attempt_id(j, att);
    if (strcmp(event, "dispatch_timeout") == 0) {
        lg->timeouts++;
        if (a)
            sim__fit_end_attempt(lg, a, t, true, true);
    } else if (strcmp(event, "result_accepted") == 0 ||
               strcmp(event, "result_stale_queued") == 0 ||
               strcmp(event, "result_duplicate_filtered") == 0) {
        lg->results++;
        if (a) {
            lg->late_after_cancel += a->state == FIT_A_CENSORED;
            sim__fit_end_attempt(lg, a, t, false, false);
        }
    } else if (strcmp(event, "result_failed") == 0) {
        lg->failed_results++;
        if (a && a->state == FIT_A_CENSORED) {
            lg->failed_after_cancel++;
            lg->nodes[a->node].aborted++;
        }
        else if (a)
            sim__fit_end_attempt(lg, a, t, true, false);
    } else if (strcmp(event, "ack_timeout_discard") == 0) {
        lg->ack_discards++;
        fint(root, "ack_timeout_ms", &lg->ack_timeout_ms);
    } else
        return false;
    return true;
}
