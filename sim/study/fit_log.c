/*
 * fit_log.c — what `dsim fit` reads from a log (fit_internal.h), in the
 * reference's format (`--log-format lingua`, a production scheduler.log) or
 * dsim's own (`dsim run --log`), through the reader `dsim analyze` uses
 * (logread.h).
 *
 * An attempt runs from its dispatch (the reference's "Job created" with a node,
 * or "Job failover 重派成功下发"; dsim's job_dispatched / failover_dispatched /
 * hedge_dispatched) to its result ("Received JobResult, adding to result
 * queue"; result_accepted / result_stale_queued). An attempt that timed out
 * ("Job dispatched 超时"; dispatch_timeout) or failed before a result ("Job
 * processing failed"; result_failed), or was still out when the log ends, is
 * right-censored at that time. A result that arrives later from a node whose
 * attempt timed out (the reference's stale-result warning names the node;
 * dsim's records the attempt) is that attempt's real duration: its censored
 * observation becomes exact. The reference logs no node on a current result:
 * it is the job's current attempt's.
 *
 * Every line is checked by the reader (logread.h: types, a scenario's bounds,
 * time order, exact copies), so a bad value is refused at its line. One run per
 * file: a reference log whose time goes back to its first second starts another
 * run (dsim writes the runs of a scenario one after another; standard error
 * names the line), and in dsim's format only the first (policy, replication) is
 * read; the rest is counted as ignored. Several files are the pieces of one log:
 * one format (the reference's), in time order, one run.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"
#include "logread.h"
#include "strmap.h"
#include "xalloc.h"

/* What logs fitted together may span, seconds: the 1e7 s a trace holds less room
 * for an hour of audio before the first line (a trace's time 0 is the first
 * utterance's start). */
#define FIT_SPAN_MAX 9990000.0

enum { A_OPEN, A_CENSORED, A_DONE };

typedef struct fit_attempt {
    uint32_t node;
    int64_t start, id;
    size_t obs;       /* index into the node's obs once it ended */
    int state;
} fit_attempt;

typedef struct fit_job {
    fit_attempt *a;
    size_t n, cap;
    int64_t created;
    uint32_t session;
    int64_t index;
    bool has_utt;
    bool stale;       /* the last line was a stale-result warning for this job */
    uint32_t stale_node;
    int64_t stale_attempt; /* the warning's attempt_id (1, 2, ... per job), or 0 */
} fit_job;

/* ---- tables ---------------------------------------------------------------- */

static uint32_t session_of(fit_log *lg, const char *label)
{
    bool added;
    uint32_t s = sim_strmap_get(&lg->session_ids, label, &added);
    if (added) {
        lg->session_labels = sim_xgrow(lg->session_labels, &lg->cap_sessions, lg->n_sessions + 1,
                                       sizeof *lg->session_labels, 64);
        lg->session_labels[lg->n_sessions++] = sim_xstrdup(label);
    }
    return s;
}

static uint32_t node_of(fit_log *lg, const char *label)
{
    bool added;
    uint32_t n = sim_strmap_get(&lg->node_ids, label, &added);
    if (added) {
        if (lg->n_nodes == lg->cap_nodes)
            lg->nodes = sim_xgrow(lg->nodes, &lg->cap_nodes, lg->n_nodes + 1, sizeof *lg->nodes, 16);
        fit_node *nd = &lg->nodes[lg->n_nodes++];
        memset(nd, 0, sizeof *nd);
        snprintf(nd->label, sizeof nd->label, "%s", label);
        nd->last_beat = -1;
    }
    return n;
}

static fit_job *job_of(fit_log *lg, const char *label)
{
    bool added;
    uint32_t j = sim_strmap_get(&lg->job_ids, label, &added);
    if (added) {
        if (lg->n_jobs == lg->cap_jobs)
            lg->jobs = sim_xgrow(lg->jobs, &lg->cap_jobs, lg->n_jobs + 1, sizeof(fit_job), 1024);
        fit_job *jb = (fit_job *)lg->jobs + lg->n_jobs++;
        memset(jb, 0, sizeof *jb);
        jb->created = INT64_MIN;
    }
    return (fit_job *)lg->jobs + j;
}

static void add_utt(fit_log *lg, uint32_t session, int64_t index, int64_t end, double audio_s)
{
    if (lg->n_utts == lg->cap_utts)
        lg->utts = sim_xgrow(lg->utts, &lg->cap_utts, lg->n_utts + 1, sizeof *lg->utts, 1024);
    lg->utts[lg->n_utts++] = (fit_utt){session, index, end, audio_s};
}

/* ---- attempts ---------------------------------------------------------------- */

static void open_attempt(fit_log *lg, fit_job *j, uint32_t node, int64_t start, int64_t id)
{
    (void)lg;
    if (j->n == j->cap)
        j->a = sim_xgrow(j->a, &j->cap, j->n + 1, sizeof *j->a, 2);
    j->a[j->n++] = (fit_attempt){node, start, id, 0, A_OPEN};
}

/* Ends attempt a at time t: exact (a result) or censored. A censored one that
 * timed out stays open to a later result (A_CENSORED). */
static void end_attempt(fit_log *lg, fit_attempt *a, int64_t t, bool censored, bool timed_out)
{
    fit_node *nd = &lg->nodes[a->node];
    double d = (double)(t - a->start) / 1e9;
    if (!(d > 0.0)) {
        /* an end at its dispatch instant says nothing of its duration */
        lg->zero_dropped++;
        if (a->state == A_OPEN)
            a->state = A_DONE;
        return;
    }
    if (a->state == A_CENSORED && !censored) {
        nd->obs[a->obs] = (sim_fit_obs){d, false};
        nd->censored--;
        nd->exact++;
        nd->upgraded++;
        a->state = A_DONE;
        return;
    }
    if (a->state != A_OPEN)
        return;
    if (nd->n_obs == nd->cap_obs) {
        size_t cap = nd->cap_obs; /* both arrays grow alike */
        nd->obs = sim_xgrow(nd->obs, &nd->cap_obs, nd->n_obs + 1, sizeof *nd->obs, 256);
        nd->start = sim_xgrow(nd->start, &cap, nd->n_obs + 1, sizeof *nd->start, 256);
    }
    nd->start[nd->n_obs] = a->start;
    a->obs = nd->n_obs;
    nd->obs[nd->n_obs++] = (sim_fit_obs){d, censored};
    if (censored)
        nd->censored++;
    else
        nd->exact++;
    a->state = censored && timed_out ? A_CENSORED : A_DONE;
}

/* The job's current (last) attempt when it is still out, else NULL. */
static fit_attempt *current(fit_job *j)
{
    return j->n && j->a[j->n - 1].state == A_OPEN ? &j->a[j->n - 1] : NULL;
}

/* The first attempt of j on node that timed out and has no result yet: a
 * node's results come in the order of its work (first come, first served). */
static fit_attempt *timed_out_on(fit_job *j, uint32_t node)
{
    for (size_t i = 0; i < j->n; i++)
        if (j->a[i].node == node && j->a[i].state == A_CENSORED)
            return &j->a[i];
    return NULL;
}

static fit_attempt *attempt_id(fit_job *j, int64_t id)
{
    for (size_t i = j->n; i-- > 0;)
        if (j->a[i].id == id)
            return &j->a[i];
    return NULL;
}

/* The timed-out attempt a stale-result warning names: by its attempt_id when
 * the warning has one (attempts are numbered 1, 2, ... per job, as the
 * reference's attempt_id), else the first on its node. */
static fit_attempt *stale_attempt(fit_job *j)
{
    fit_attempt *a = j->stale_attempt ? attempt_id(j, j->stale_attempt) : NULL;
    if (a && a->node == j->stale_node && a->state == A_CENSORED)
        return a;
    return timed_out_on(j, j->stale_node);
}

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
        uint32_t n = node_of(lg, node); /* may move lg->nodes */
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
static int lingua_line(fit_log *lg, const json_t *root, const char *msg, int64_t t,
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
        add_utt(lg, session_of(lg, s), v, t, audio);
        lg->from_finalize = true;
        return true;
    }
    if (strcmp(msg, "Node registered successfully") == 0 && fstr(f, "node_id")) {
        uint32_t n = node_of(lg, fstr(f, "node_id")); /* may move lg->nodes */
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
    fit_job *j = job_of(lg, job);
    const char *sess = fstr(f, "session_id");
    if (sess && fint(f, "utterance_index", &v) && !j->has_utt) {
        j->session = session_of(lg, sess);
        j->index = v;
        j->has_utt = true;
    }
    bool stale = j->stale;
    j->stale = false;
    if (strcmp(msg, SIM_LINGUA_CREATED) == 0) {
        j->created = t;
        const char *node = node_label(fstr(f, "node_id"), buf, sizeof buf);
        if (node)
            open_attempt(lg, j, node_of(lg, node), t, (int64_t)j->n + 1);
    } else if (strcmp(msg, SIM_LINGUA_TIMEOUT) == 0) {
        lg->timeouts++;
        json_t *x = json_object_get(f, "dispatched_timeout_seconds");
        if (json_is_number(x))
            lg->dispatch_timeout_s = json_number_value(x);
        if (fint(f, "failover_max_attempts", &v))
            lg->max_failovers = v;
        fit_attempt *a = current(j);
        if (a)
            end_attempt(lg, a, t, true, true);
    } else if (strcmp(msg, SIM_LINGUA_FAILOVER) == 0) {
        lg->failovers++;
        const char *node = fstr(f, "new_node_id");
        if (node)
            open_attempt(lg, j, node_of(lg, node), t, (int64_t)j->n + 1);
    } else if (starts(msg, "Received result for terminated Job") ||
               starts(msg, "Received JobResult from non-current node") ||
               starts(msg, "Received JobResult for non-current attempt")) {
        const char *node = fstr(f, "node_id");
        if (node) {
            j->stale = true;
            j->stale_node = node_of(lg, node);
            if (!fint(f, "attempt_id", &j->stale_attempt))
                j->stale_attempt = 0;
        }
    } else if (strcmp(msg, "Received JobResult, adding to result queue") == 0) {
        lg->results++;
        fit_attempt *a = stale ? stale_attempt(j) : current(j);
        lg->stale_results += stale;
        if (a) {
            lg->late_after_cancel += a->state == A_CENSORED;
            end_attempt(lg, a, t, false, false);
        }
    } else if (starts(msg, "Duplicate job_result filtered")) {
        /* a result the dedup dropped: the line names no node; the job's current
         * attempt's when one is out (the reference keeps a job dispatched when
         * a stale result came first), else the one timed-out attempt still
         * without a result, if there is exactly one */
        lg->results++;
        fit_attempt *a = current(j), *only = NULL;
        size_t waiting = 0;
        for (size_t i = 0; i < j->n; i++)
            if (j->a[i].state == A_CENSORED) {
                waiting++;
                only = &j->a[i];
            }
        if ((!a || a->start == t) && waiting == 1)
            a = only; /* not the attempt dispatched at this very instant */
        if (a) {
            lg->late_after_cancel += a->state == A_CENSORED;
            end_attempt(lg, a, t, false, false);
        }
    } else if (strcmp(msg, "Job processing failed") == 0) {
        lg->failed_results++;
        fit_attempt *a = current(j);
        if (stale) {
            if (stale_attempt(j)) {
                lg->failed_after_cancel++;
                lg->nodes[j->stale_node].aborted++;
            }
        } else if (a) {
            end_attempt(lg, a, t, true, false);
        }
    } else
        return strcmp(msg, SIM_LINGUA_PENDING) == 0;
    return true;
}

/* ---- dsim's records ------------------------------------------------------------- */

static bool dsim_record(fit_log *lg, const json_t *root, const char *event, int64_t t)
{
    const char *job = fstr(root, "job_id");
    int64_t session, index, node, att;
    if (!job || !fint(root, "session", &session) || !fint(root, "utterance_index", &index) ||
        !fint(root, "node", &node) || !fint(root, "attempt_id", &att))
        return false;
    char label[FIT_LABEL_MAX];
    snprintf(label, sizeof label, "node %" PRId64, node);
    fit_job *j = job_of(lg, job);
    if (strcmp(event, "job_created") == 0) {
        char s[32];
        snprintf(s, sizeof s, "%" PRId64, session);
        add_utt(lg, session_of(lg, s), index, t, NAN);
        return true;
    }
    if (strcmp(event, "job_dispatched") == 0 || strcmp(event, "failover_dispatched") == 0 ||
        strcmp(event, "hedge_dispatched") == 0) {
        lg->failovers += event[0] == 'f';
        open_attempt(lg, j, node_of(lg, label), t, att);
        return true;
    }
    fit_attempt *a = attempt_id(j, att);
    if (strcmp(event, "dispatch_timeout") == 0) {
        lg->timeouts++;
        if (a)
            end_attempt(lg, a, t, true, true);
    } else if (strcmp(event, "result_accepted") == 0 ||
               strcmp(event, "result_stale_queued") == 0 ||
               strcmp(event, "result_duplicate_filtered") == 0) {
        lg->results++;
        if (a) {
            lg->late_after_cancel += a->state == A_CENSORED;
            end_attempt(lg, a, t, false, false);
        }
    } else if (strcmp(event, "result_failed") == 0) {
        lg->failed_results++;
        if (a && a->state == A_CENSORED) {
            lg->failed_after_cancel++;
            lg->nodes[a->node].aborted++;
        }
        else if (a)
            end_attempt(lg, a, t, true, false);
    } else if (strcmp(event, "ack_timeout_discard") == 0) {
        lg->ack_discards++;
        fint(root, "ack_timeout_ms", &lg->ack_timeout_ms);
    } else
        return false;
    return true;
}

/* ---- files ----------------------------------------------------------------------- */

/* The format, and the first and last times, of the files read so far: several
 * logs are one log in pieces (README "A scenario from a log"). */
typedef struct fit_files {
    sim_logline_kind format;
    int64_t first, last;
    bool have_t;
} fit_files;

static int read_file(fit_log *lg, size_t k, fit_files *ff, sim_error *err)
{
    sim_logread rd;
    if (sim_logread_open(&rd, lg->files[k], err) != 0)
        return -1;
    json_t *root;
    int rc;
    sim_logline ln;
    bool lingua = false, dsim = false, done = false, first = true;
    uint64_t cut = 0, counted = 0;
    double back = 0;
    /* no time arithmetic across files: a heartbeat interval is within one */
    for (size_t i = 0; i < lg->n_nodes; i++)
        lg->nodes[i].last_beat = -1;
    while ((rc = sim_logread_line(&rd, &root, &ln, err)) == 1) {
        lg->file_lines[k]++;
        sim_progress_add(lg->progress, rd.bytes - counted);
        counted = rd.bytes;
        int64_t t = ln.t;
        int used = 0;
        bool record = ln.kind == SIM_LOGLINE_LINGUA || ln.kind == SIM_LOGLINE_DSIM;
        if (record && first) {
            first = false;
            if (k > 0 && ff->format != SIM_LOGLINE_OTHER && ln.kind != ff->format) {
                sim_error_add(err,
                              "%s:%" PRIu64 ": a log in %s format after %s in %s: several logs "
                              "are the pieces of one log, in one format",
                              lg->files[k], rd.line, ln.kind == SIM_LOGLINE_DSIM ? "dsim's"
                                                                                : "the reference's",
                              ff->format == SIM_LOGLINE_DSIM ? "dsim's" : "the reference's",
                              lg->files[k - 1]);
                rc = -1;
            } else if (k > 0 && ln.kind == SIM_LOGLINE_DSIM) {
                sim_error_add(err,
                              "%s: a second log in dsim's format: its times count from its run's "
                              "start, so it cannot continue %s; fit one dsim log at a time",
                              lg->files[k], lg->files[k - 1]);
                rc = -1;
            } else if (k > 0 && ff->have_t && t < ff->last - SIM_LOG_BACK_NS) {
                sim_error_add(err,
                              "%s:%" PRIu64 ": timestamp: %s is %.9g s before the end of %s: "
                              "several logs are the pieces of one log, given in time order",
                              lg->files[k], rd.line, ln.when, (double)(ff->last - t) / 1e9,
                              lg->files[k - 1]);
                rc = -1;
            } /* the span: below, as for every line */
            ff->format = ln.kind;
            if (rc == -1) {
                json_decref(root);
                break;
            }
        }
        if (ln.kind == SIM_LOGLINE_LINGUA && ff->have_t &&
            (double)(t - ff->first) / 1e9 > FIT_SPAN_MAX) {
            sim_error_add(err,
                          "%s:%" PRIu64 ": timestamp: %s is %.9g s after the first line of %s: "
                          "the logs together span at most %.7g s",
                          lg->files[k], rd.line, ln.when, (double)(t - ff->first) / 1e9,
                          lg->files[0], FIT_SPAN_MAX);
            json_decref(root);
            rc = -1;
            break;
        }
        if (ln.kind == SIM_LOGLINE_LINGUA && !done) {
            if (!ff->have_t)
                ff->first = t;
            ff->have_t = true;
            if (t > ff->last || !lingua)
                ff->last = t;
        }
        if (done) {
            lg->file_ignored[k]++;
        } else if (ln.kind == SIM_LOGLINE_LINGUA) {
            if (ln.new_run) {
                done = true; /* another run */
                cut = rd.line;
                back = (double)(ff->last - t) / 1e9;
                lg->file_ignored[k]++;
            } else {
                lingua = true;
                used = lingua_line(lg, root, ln.msg, t, lg->files[k], rd.line, err);
            }
        } else if (ln.kind == SIM_LOGLINE_DSIM) {
            if (!dsim && !lg->dsim_policy[0])
                snprintf(lg->dsim_policy, sizeof lg->dsim_policy, "%s", ln.policy);
            if (ln.new_run) {
                done = true; /* the first (policy, replication) only */
                lg->file_ignored[k]++;
            } else {
                dsim = true;
                used = dsim_record(lg, root, ln.event, t);
            }
        }
        if (used < 0) {
            json_decref(root);
            rc = -1;
            break;
        }
        if (used) {
            lg->file_used[k]++;
            if (t < lg->t_first)
                lg->t_first = t;
            if (t > lg->t_last)
                lg->t_last = t;
        }
        json_decref(root);
    }
    snprintf(lg->file_format[k], sizeof lg->file_format[k], "%s",
             lingua && dsim ? "mixed" : lingua ? "lingua" : dsim ? "dsim" : "none");
    sim_logread_close(&rd);
    if (rc == 0 && cut && lg->n_files > 1) {
        sim_error_add(err,
                      "%s:%" PRIu64 ": another run starts here (the time goes back %.9g s, to "
                      "the log's first second): with several logs, each is a piece of one run",
                      lg->files[k], cut, back);
        return -1;
    }
    if (rc == 0 && cut && lg->file_ignored[k])
        fprintf(stderr,
                "dsim: fit: %s:%" PRIu64 ": another run starts here (the time goes back %.9g s, "
                "to the log's first second): its %" PRIu64 " lines from there on are not used "
                "(one run per file)\n",
                lg->files[k], cut, back, lg->file_ignored[k]);
    return rc;
}

int sim__fit_read(fit_log *lg, char **files, size_t n_files, sim_error *err)
{
    lg->files = files;
    lg->n_files = n_files;
    lg->file_lines = sim_xcalloc(n_files, sizeof *lg->file_lines);
    lg->file_used = sim_xcalloc(n_files, sizeof *lg->file_used);
    lg->file_ignored = sim_xcalloc(n_files, sizeof *lg->file_ignored);
    lg->file_format = sim_xcalloc(n_files, sizeof *lg->file_format);
    lg->t_first = INT64_MAX;
    lg->t_last = INT64_MIN;
    lg->dispatch_timeout_s = lg->pending_timeout_s = NAN;
    lg->max_failovers = lg->ack_timeout_ms = -1;
    fit_files ff = {SIM_LOGLINE_OTHER, 0, 0, false};
    for (size_t k = 0; k < n_files; k++)
        if (read_file(lg, k, &ff, err) != 0)
            return -1;
    /* attempts still out at the end: censored there */
    for (size_t i = 0; i < lg->n_jobs; i++) {
        fit_job *j = (fit_job *)lg->jobs + i;
        fit_attempt *a = current(j);
        if (a && lg->t_last > a->start) {
            end_attempt(lg, a, lg->t_last, true, false);
            lg->open_at_end++;
        }
        /* without finalize lines, an utterance is its job's creation */
        if (!lg->from_finalize && j->has_utt && j->created != INT64_MIN)
            add_utt(lg, j->session, j->index, j->created, NAN);
    }
    return 0;
}

void sim__fit_log_free(fit_log *lg)
{
    for (size_t i = 0; i < lg->n_jobs; i++)
        free(((fit_job *)lg->jobs)[i].a);
    free(lg->jobs);
    for (size_t i = 0; i < lg->n_nodes; i++) {
        free(lg->nodes[i].obs);
        free(lg->nodes[i].start);
    }
    free(lg->nodes);
    for (size_t i = 0; i < lg->n_sessions; i++)
        free(lg->session_labels[i]);
    free(lg->session_labels);
    free(lg->utts);
    sim_strmap_free(&lg->session_ids);
    sim_strmap_free(&lg->node_ids);
    sim_strmap_free(&lg->job_ids);
    free(lg->file_lines);
    free(lg->file_used);
    free(lg->file_ignored);
    free(lg->file_format);
}
