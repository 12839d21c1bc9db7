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
 *
 * What each line says (the reference's lines, dsim's records): fit_lines.c.
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

/* ---- tables ---------------------------------------------------------------- */

uint32_t sim__fit_session_of(fit_log *lg, const char *label)
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

uint32_t sim__fit_node_of(fit_log *lg, const char *label)
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

fit_job *sim__fit_job_of(fit_log *lg, const char *label)
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

void sim__fit_add_utt(fit_log *lg, uint32_t session, int64_t index, int64_t end, double audio_s)
{
    if (lg->n_utts == lg->cap_utts)
        lg->utts = sim_xgrow(lg->utts, &lg->cap_utts, lg->n_utts + 1, sizeof *lg->utts, 1024);
    lg->utts[lg->n_utts++] = (fit_utt){session, index, end, audio_s};
}

/* ---- attempts ---------------------------------------------------------------- */

void sim__fit_open_attempt(fit_log *lg, fit_job *j, uint32_t node, int64_t start, int64_t id)
{
    (void)lg;
    if (j->n == j->cap)
        j->a = sim_xgrow(j->a, &j->cap, j->n + 1, sizeof *j->a, 2);
    j->a[j->n++] = (fit_attempt){node, start, id, 0, FIT_A_OPEN};
}

/* Ends attempt a at time t: exact (a result) or censored. A censored one that
 * timed out stays open to a later result (FIT_A_CENSORED). */
void sim__fit_end_attempt(fit_log *lg, fit_attempt *a, int64_t t, bool censored, bool timed_out)
{
    fit_node *nd = &lg->nodes[a->node];
    double d = (double)(t - a->start) / 1e9;
    if (!(d > 0.0)) {
        /* an end at its dispatch instant says nothing of its duration */
        lg->zero_dropped++;
        if (a->state == FIT_A_OPEN)
            a->state = FIT_A_DONE;
        return;
    }
    if (a->state == FIT_A_CENSORED && !censored) {
        nd->obs[a->obs] = (sim_fit_obs){d, false};
        nd->censored--;
        nd->exact++;
        nd->upgraded++;
        a->state = FIT_A_DONE;
        return;
    }
    if (a->state != FIT_A_OPEN)
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
    a->state = censored && timed_out ? FIT_A_CENSORED : FIT_A_DONE;
}

/* The job's current (last) attempt when it is still out, else NULL. */
fit_attempt *sim__fit_current(fit_job *j)
{
    return j->n && j->a[j->n - 1].state == FIT_A_OPEN ? &j->a[j->n - 1] : NULL;
}

fit_attempt *sim__fit_attempt_id(fit_job *j, int64_t id)
{
    for (size_t i = j->n; i-- > 0;)
        if (j->a[i].id == id)
            return &j->a[i];
    return NULL;
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
                used = sim__fit_lingua_line(lg, root, ln.msg, t, lg->files[k], rd.line, err);
            }
        } else if (ln.kind == SIM_LOGLINE_DSIM) {
            if (!dsim && !lg->dsim_policy[0])
                snprintf(lg->dsim_policy, sizeof lg->dsim_policy, "%s", ln.policy);
            if (ln.new_run) {
                done = true; /* the first (policy, replication) only */
                lg->file_ignored[k]++;
            } else {
                dsim = true;
                used = sim__fit_dsim_record(lg, root, ln.event, t);
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
        fit_attempt *a = sim__fit_current(j);
        if (a && lg->t_last > a->start) {
            sim__fit_end_attempt(lg, a, lg->t_last, true, false);
            lg->open_at_end++;
        }
        /* without finalize lines, an utterance is its job's creation */
        if (!lg->from_finalize && j->has_utt && j->created != INT64_MIN)
            sim__fit_add_utt(lg, j->session, j->index, j->created, NAN);
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
