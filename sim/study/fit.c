/*
 * fit.c — `dsim fit` (fit.h): the trace CSV, the scenario with its provenance,
 * and the report of the fits and checks.
 */
#include "fit.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "dispatcher.h"
#include "fit_internal.h"
#include "outfile.h"
#include "scenario.h"
#include "xalloc.h"

/* ---- a growing text ------------------------------------------------------------ */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void __attribute__((format(printf, 2, 3))) say(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    t->s = sim_xgrow(t->s, &t->cap, t->n + (size_t)k + 1, 1, 1024);
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    t->n += (size_t)k;
}

/* ---- the policy ------------------------------------------------------------------ */

static const char *preset_of(const fit_log *lg, text *note)
{
    static const char *const map[][2] = {{"98e3526", "lingua-2025-12-28"},
                                         {"af7c4a9", "lingua-2025-12-31"},
                                         {"467aee4", "lingua-2026-01-19"}};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(lg->commit, map[i][0]) == 0) {
            say(note, "preset %s: the lines are those of the reference at %s (%s)%s", map[i][1],
                map[i][0], lg->commit_from,
                lg->mixed_commits ? "; other lines show another commit: the first is used" : "");
            return map[i][1];
        }
    const char *const *p = disp_preset_names;
    for (; *p; p++)
        if (strcmp(*p, lg->dsim_policy) == 0) {
            say(note, "preset %s: the policy named in dsim's log", *p);
            return *p;
        }
    say(note, "preset lingua-2025-12-28 assumed: the log shows no line whose position tells "
              "the reference's commit%s",
        lg->dsim_policy[0] ? " and its dsim policy is no preset" : "");
    return "lingua-2025-12-28";
}

static json_t *policy_json(const fit_log *lg, text *note, text *missing)
{
    json_t *p = json_object();
    json_object_set_new(p, "name", json_string("observed"));
    const char *preset = preset_of(lg, note);
    json_object_set_new(p, "preset", json_string(preset));
    disp_policy d;
    if (disp_policy_preset(&d, preset) != 0)
        return p;
    if (!isnan(lg->dispatch_timeout_s)) {
        say(note, "; dispatch timeout %g s as logged (dispatched_timeout_seconds)",
            lg->dispatch_timeout_s);
        if (fabs(lg->dispatch_timeout_s * 1e9 - (double)d.dispatch_timeout) > 0.5)
            json_object_set_new(p, "dispatch_timeout_s", json_real(lg->dispatch_timeout_s));
    } else
        say(missing, "the dispatch timeout (not logged: the preset's %g s); ",
            (double)d.dispatch_timeout / 1e9);
    if (lg->max_failovers >= 0) {
        say(note, "; failover_max_attempts %" PRId64 " as logged", lg->max_failovers);
        if (lg->max_failovers != d.max_failovers)
            json_object_set_new(p, "max_failovers", json_integer(lg->max_failovers));
    } else
        say(missing, "the failover limit (the preset's %d); ", d.max_failovers);
    if (lg->ack_timeout_ms >= 0) {
        say(note, "; ack timeout %" PRId64 " ms as logged (ack_timeout_ms)", lg->ack_timeout_ms);
        if ((double)lg->ack_timeout_ms * 1e6 != (double)d.ack_timeout)
            json_object_set_new(p, "ack_timeout_s", json_real((double)lg->ack_timeout_ms / 1e3));
    } else
        say(missing, "the ack timeout (no discard logged: the preset's %g s); ",
            (double)d.ack_timeout / 1e9);
    if (!isnan(lg->pending_timeout_s)) {
        say(note, "; pending timeout %g s as logged", lg->pending_timeout_s);
        if (fabs(lg->pending_timeout_s * 1e9 - (double)d.pending_timeout) > 0.5)
            json_object_set_new(p, "pending_timeout_s", json_real(lg->pending_timeout_s));
    } else
        say(missing, "the pending timeout (the preset's %g s); ", (double)d.pending_timeout / 1e9);
    say(missing, "the scan interval, result queue, dedup and cancel settings (the preset's); "
                 "when sessions close (linger_s: open until the run drains); ");
    return p;
}

/* ---- the nodes -------------------------------------------------------------------- */

static double sig(double x)
{
    char b[32];
    snprintf(b, sizeof b, "%.6g", x);
    return strtod(b, NULL);
}

static json_t *dist_json(const fit_class *c)
{
    json_t *d = json_object();
    if (c->empirical) {
        json_object_set_new(d, "dist", json_string("empirical"));
        json_t *a = json_array();
        for (size_t i = 0; i < c->n_samples; i++)
            json_array_append_new(a, json_real(sig(c->samples[i])));
        json_object_set_new(d, "samples", a);
        return d;
    }
    const sim_fit *f = &c->fits[c->best];
    json_object_set_new(d, "dist", json_string(sim_fit_family_name(f->family)));
    for (int i = 0; i < 2; i++)
        json_object_set_new(d, sim_fit_param_name(f->family, i), json_real(sig(f->p[i])));
    return d;
}

static void fit_line(text *t, const sim_fit *f, double bound, bool chosen)
{
    if (!f->ok) {
        say(t, "%s did not converge", sim_fit_family_name(f->family));
        return;
    }
    if (f->degenerate) { /* a fit to (nearly) equal results: never chosen */
        say(t, "%s degenerate, not used: %s %.4g %s %.4g (%s)", sim_fit_family_name(f->family),
            sim_fit_param_name(f->family, 0), f->p[0], sim_fit_param_name(f->family, 1), f->p[1],
            sim_fit_degenerate(f->family, f->p));
        return;
    }
    say(t, "%s", sim_fit_family_name(f->family));
    for (int i = 0; i < 2; i++) {
        say(t, " %s %.4g", sim_fit_param_name(f->family, i), f->p[i]);
        if (f->has_se)
            say(t, " +- %.2g", f->se[i]);
    }
    say(t, ", AIC %.1f, KM distance %.4f (%s the 1 %% bound %.4f)%s", f->aic, f->ks,
        f->ks <= bound ? "within" : "over", bound, chosen ? " [chosen]" : "");
}

/* The node ids a class's text names in the scenario's description (the report
 * names them all): the description is bounded (SIM_DESCRIPTION_MAX), a class
 * may hold thousands of nodes, and the class's count is in its node entry. */
#define FIT_DESC_IDS 3

static void class_text(const fit_log *lg, const fit_class *c, size_t k, text *t, bool report)
{
    size_t cens = c->n - c->exact, late = 0;
    double running = 0, gaps = 0;
    uint64_t beats = 0, n_gaps = 0, n_running = 0;
    size_t shown = report || c->n_members <= FIT_DESC_IDS + 1 ? c->n_members : FIT_DESC_IDS;
    say(t, "class-%zu (%zu node%s:", k + 1, c->n_members,
        c->n_members == 1 ? "" : "s");
    for (size_t i = 0; i < c->n_members; i++) {
        const fit_node *nd = &lg->nodes[c->members[i]];
        if (i < shown)
            say(t, " %s", nd->label);
        else if (i == shown)
            say(t, " ... (%zu more)", c->n_members - shown);
        late += nd->upgraded;
        running += nd->running_sum;
        n_running += nd->running_reports;
        beats += nd->heartbeats;
        gaps += nd->beat_gap_sum;
        n_gaps += nd->beat_gaps;
    }
    say(t, "): %zu attempts, %zu with a result, %zu censored (%.1f %%), %zu of the results "
           "late after a timeout",
        c->n, c->exact, cens, c->n ? 100.0 * (double)cens / (double)c->n : 0.0, late);
    size_t aborted = 0;
    for (size_t i = 0; i < c->n_members; i++)
        aborted += lg->nodes[c->members[i]].aborted;
    say(t, ", %zu failed after a timeout (on_cancel: %s)", aborted,
        late > aborted ? "ignore" : aborted ? "abort_by_job_id" : "not visible, dsim's default");
    if (beats && n_running) /* the mean over the heartbeats that report it */
        say(t, "; %" PRIu64 " heartbeats, running_jobs %.2f on average", beats,
            running / (double)n_running);
    else if (beats)
        say(t, "; %" PRIu64 " heartbeats, running_jobs n/a (not in them)", beats);
    if (n_gaps)
        say(t, " every %.1f s", gaps / (double)n_gaps);
    say(t, report ? "\n" : ". ");
    for (int f = 0; f < SIM_FIT_FAMILIES; f++) {
        say(t, report ? "  " : "");
        fit_line(t, &c->fits[f], c->ks_critical, !c->empirical && f == c->best);
        say(t, report ? "\n" : "; ");
    }
    if (c->empirical)
        say(t, "%s%s: the empirical distribution of %zu Kaplan-Meier "
               "quantiles (%.1f %% of the mass beyond the last result, put at the largest "
               "time observed, %.4g s)%s",
            report ? "  " : "",
            c->best < 0 ? "no family converged to a fit that is not degenerate"
                        : "no family within the bound",
            c->n_samples, 100.0 * c->tail_mass,
            c->n ? c->obs[c->n - 1].t : 0.0, report ? "\n" : ". ");
}

static json_t *nodes_json(const fit_log *lg, const fit_class *cls, size_t n_cls, bool serial)
{
    json_t *a = json_array();
    for (size_t c = 0; c < n_cls; c++) {
        /* what the class's nodes did with a cancelled attempt, by the majority */
        size_t went_on = 0, aborted = 0;
        for (size_t i = 0; i < cls[c].n_members; i++) {
            went_on += lg->nodes[cls[c].members[i]].upgraded;
            aborted += lg->nodes[cls[c].members[i]].aborted;
        }
        const char *on_cancel = went_on > aborted ? "ignore"
                                : aborted        ? "abort_by_job_id"
                                                 : NULL;
        json_t *nd = json_object();
        char name[32];
        snprintf(name, sizeof name, "class-%zu", c + 1);
        json_object_set_new(nd, "name", json_string(name));
        json_object_set_new(nd, "count", json_integer((json_int_t)cls[c].n_members));
        json_object_set_new(nd, "slots", json_integer(4));
        json_object_set_new(nd, "workers", json_integer(serial ? 1 : 4));
        json_t *st = json_object();
        json_object_set_new(st, "asr", dist_json(&cls[c]));
        json_object_set_new(st, "nmt", json_pack("{s:s,s:i}", "dist", "const", "value", 0));
        json_object_set_new(st, "tts", json_pack("{s:s,s:i}", "dist", "const", "value", 0));
        json_object_set_new(nd, "stages", st);
        if (on_cancel)
            json_object_set_new(nd, "on_cancel", json_string(on_cancel));
        double gaps = 0;
        uint64_t n_gaps = 0;
        for (size_t i = 0; i < cls[c].n_members; i++) {
            gaps += lg->nodes[cls[c].members[i]].beat_gap_sum;
            n_gaps += lg->nodes[cls[c].members[i]].beat_gaps;
        }
        if (n_gaps)
            json_object_set_new(nd, "heartbeat_s",
                                json_real(round(gaps / (double)n_gaps * 1e3) / 1e3));
        json_array_append_new(a, nd);
    }
    return a;
}

/* t (ns since 1970) as "YYYY-MM-DDTHH:MM:SSZ", rounded down to the second. */
static void utc_of(int64_t t, char buf[64])
{
    int64_t s = t / 1000000000 - (t % 1000000000 < 0);
    int64_t days = s / 86400 - (s % 86400 < 0), sec = s - days * 86400;
    int64_t y, m, d;
    sim_civil_from_days(days, &y, &m, &d);
    snprintf(buf, 64, "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64 ":%02" PRId64
                      ":%02" PRId64 "Z",
             y, m, d, sec / 3600, sec / 60 % 60, sec % 60);
}

/* ---- the whole ---------------------------------------------------------------------- */

/* Replaces each `from` in msg (cap bytes) by `to`, cutting what does not fit. */
static void rename_in(char *msg, size_t cap, const char *from, const char *to)
{
    size_t nf = strlen(from);
    if (nf == 0)
        return;
    char *out = sim_xmalloc(cap), *p = msg;
    size_t w = 0;
    for (char *q; (q = strstr(p, from)) != NULL; p = q + nf) {
        int k = snprintf(out + w, cap - w, "%.*s%s", (int)(q - p), p, to);
        w = k < 0 || (size_t)k >= cap - w ? cap - 1 : w + (size_t)k;
    }
    snprintf(out + w, cap - w, "%s", p);
    snprintf(msg, cap, "%s", out);
    free(out);
}

/* Cuts t (valid UTF-8) to at most SIM_DESCRIPTION_MAX bytes, at a character's
 * start, ending it with a note that it was cut: many logs with long paths, or
 * many classes, would outgrow what a scenario's description may hold. */
static void bound_description(text *t)
{
    static const char cut[] = " ... (cut at the 4096 bytes a description holds: dsim fit "
                              "--report prints every class and the policy)";
    _Static_assert(SIM_DESCRIPTION_MAX == 4096, "the note names the limit");
    if (t->n <= SIM_DESCRIPTION_MAX)
        return;
    size_t n = SIM_DESCRIPTION_MAX - (sizeof cut - 1);
    while (n > 0 && ((unsigned char)t->s[n] & 0xC0) == 0x80)
        n--;
    memcpy(t->s + n, cut, sizeof cut);
    t->n = n + sizeof cut - 1;
}

static void provenance(const fit_log *lg, const trace_facts *tf, const char *trace_name, text *t)
{
    say(t, "Fitted by dsim fit from");
    for (size_t k = 0; k < lg->n_files; k++)
        say(t, "%s %s (%" PRIu64 " lines, %s format, %" PRIu64 " used, %" PRIu64
               " after its first run ignored)",
            k ? ";" : "", lg->files[k], lg->file_lines[k], lg->file_format[k], lg->file_used[k],
            lg->file_ignored[k]);
    say(t, ". ");
    say(t, "Workload: %zu sessions, %zu utterances replayed from %s (%s)", lg->n_sessions,
        tf->rows, trace_name,
        lg->from_finalize ? "the 'Finalizing audio utterance' lines" : "job creation");
    say(t, "; audio lengths %s", tf->audio_known ? "from audio_size_bytes at 32000 bytes/s"
                                                 : "not logged (const 0)");
    if (tf->duplicates || tf->renumbered || tf->reordered)
        say(t, "; %zu repeated (session, index) dropped, %zu indices renumbered from 0, %zu end "
               "times raised to the previous one's",
            tf->duplicates, tf->renumbered, tf->reordered);
    say(t, ". Nodes: %zu ids; slots are not logged: 4 each (the reference's max_concurrent_jobs), "
           "workers = slots. Service time: each attempt's dispatch-to-result time as the "
           "scheduler logged it. Network delay cannot be separated from node time in such a "
           "log: the whole turnaround is in the asr stage (nmt and tts const 0, network const "
           "0), drawn independently of load and audio length. Attempts that timed out, failed "
           "or were still out at the end are right-censored there (%" PRIu64 " still out); a "
           "result after a timeout is its attempt's real time; %" PRIu64 " that ended at "
           "their dispatch instant are left out. ",
        lg->n_nodes, lg->open_at_end, lg->zero_dropped);
}

int sim_fit_logs(const sim_fit_opts *o, sim_error *err)
{
    fit_log lg;
    memset(&lg, 0, sizeof lg);
    fit_class *cls = NULL;
    size_t n_cls = 0;
    text desc = {0}, note = {0}, missing = {0}, rep = {0};
    json_t *root = NULL;
    sim_outfile tr = {0}, sc = {0};
    int rc = -1;
    size_t len = strlen(o->out);
    char *trace_path = sim_xmalloc(len + 16);
    snprintf(trace_path, len + 16, "%.*s.trace.csv",
             (int)(len > 5 && strcmp(o->out + len - 5, ".json") == 0 ? len - 5 : len), o->out);
    const char *trace_name = sim_path_last(trace_path);
    json_t *trace_json = json_string(trace_name);
    if (!trace_json) {
        sim_error_add(err, "%s: expected a file name in UTF-8 (the scenario names its trace, "
                           "%s, in JSON)",
                      o->out, trace_name);
        goto done;
    }
    json_decref(trace_json);
    size_t what_n = strlen(o->out) + 32;
    char *what = sim_xmalloc(what_n);
    snprintf(what, what_n, "the trace of -o %s", o->out);
    bool writable = sim__fit_check_output(o, o->out, "-o", err) && sim__fit_check_output(o, trace_path, what, err);
    free(what);
    if (!writable)
        goto done;
    lg.progress = o->progress;
    if (sim__fit_read(&lg, o->logs, o->n_logs, err) != 0)
        goto done;
    trace_facts tf = {0};
    sim__fit_clean_trace(&lg, &tf);
    size_t dropped = 0;
    if (o->ignore_censoring)
        for (size_t i = 0; i < lg.n_nodes; i++) {
            fit_node *nd = &lg.nodes[i];
            size_t k = 0;
            for (size_t j = 0; j < nd->n_obs; j++)
                if (!nd->obs[j].censored)
                    nd->obs[k++] = nd->obs[j];
            dropped += nd->n_obs - k;
            nd->n_obs = k;
            nd->censored = 0;
        }
    size_t out_of_order = 0, never_started = 0;
    if (o->serial_nodes)
        sim__fit_serial(&lg, &out_of_order, &never_started);
    n_cls = sim__fit_classes(&lg, &cls);
    char logs[4200];
    snprintf(logs, sizeof logs, "%s%s", o->logs[0], o->n_logs > 1 ? " ..." : "");
    if (tf.rows == 0 || n_cls == 0) {
        sim_error_add(err, "%s: %s", logs,
                      tf.rows == 0 ? "no utterance in the log (no 'Finalizing audio utterance' "
                                     "line, no job creation with its session and index)"
                                   : "no attempt with a result: nothing to fit");
        goto done;
    }
    for (size_t c = 0; c < n_cls; c++)
        if (cls[c].exact < SIM_FIT_MIN_RESULTS) {
            char bound[64] = "";
            if (cls[c].exact)
                snprintf(bound, sizeof bound, " (the 1 %% bound 1.628/sqrt(%zu) would be %.2f)",
                         cls[c].exact, cls[c].ks_critical);
            text nodes = {0};
            for (size_t i = 0; i < cls[c].n_members && i < 8; i++)
                say(&nodes, " %s", lg.nodes[cls[c].members[i]].label);
            sim_error_add(err, "%s: class-%zu (%zu node%s:%s%s): %zu attempt%s with a result, "
                               "fewer than the %d a fit needs%s: nothing fitted",
                          logs, c + 1, cls[c].n_members, cls[c].n_members == 1 ? "" : "s",
                          nodes.s ? nodes.s : "", cls[c].n_members > 8 ? " ..." : "",
                          cls[c].exact, cls[c].exact == 1 ? "" : "s", SIM_FIT_MIN_RESULTS,
                          bound);
            free(nodes.s);
            goto done;
        }
    if (!sim__fit_check_audio(&lg, logs, err))
        goto done;
    bool lingua = false; /* times since 1970, not since a run's start */
    for (size_t k = 0; k < lg.n_files; k++)
        lingua |= strcmp(lg.file_format[k], "dsim") != 0 && strcmp(lg.file_format[k], "none") != 0;
    tf.epoch = 0;
    if (lingua) {
        int64_t first = lg.t_first;
        for (size_t i = 0; i < lg.n_utts; i++) {
            if (lg.utts[i].end < first) /* not before the log's first line, in a good log */
                first = lg.utts[i].end;
            if (!isnan(lg.utts[i].audio_s))
                first = (int64_t)fmin((double)first, (double)lg.utts[i].end - lg.utts[i].audio_s * 1e9);
        }
        tf.epoch = first / 1000000000 * 1000000000 - (first % 1000000000 < 0) * 1000000000;
    }
    if (!sim__fit_check_trace(&lg, logs, tf.epoch, lingua, err) ||
        !sim__fit_check_limits(&lg, cls, n_cls, logs, err))
        goto done;
    provenance(&lg, &tf, trace_name, &desc);
    if (o->ignore_censoring)
        say(&desc, "IGNORING CENSORING (--ignore-censoring): the %zu censored attempts are "
                   "dropped, so every fit below is biased toward fast attempts; for "
                   "comparison only. ",
            dropped);
    if (o->serial_nodes)
        say(&desc, "SERIAL NODES (--serial-nodes): each node runs one attempt at a time, first "
                   "come first served (workers 1); an attempt's service is its result (or "
                   "censoring) time minus the later of its dispatch and the previous attempt's "
                   "end on that node, network delay neglected; %zu results came before an "
                   "earlier attempt's (a serial node never does that) and %zu censored "
                   "attempts had not begun: left out. ",
            out_of_order, never_started);
    for (size_t c = 0; c < n_cls; c++)
        class_text(&lg, &cls[c], c, &desc, false);
    json_t *policy = policy_json(&lg, &note, &missing);
    say(&desc, "Policy: %s. Not inferred: %sthe node faults (stalls and crashes are in the "
               "fitted tail, not modelled as faults).",
        note.s, missing.s ? missing.s : "");

    root = json_object();
    char name[96];
    const char *base = sim_path_last(o->out);
    snprintf(name, sizeof name, "fitted-%.*s", (int)strcspn(base, "."), base);
    for (char *c = name; *c; c++) /* the file's name as a scenario name: printable ASCII */
        if (*c < 0x21 || *c > 0x7e || *c == '"')
            *c = '_';
    json_object_set_new(root, "name", json_string(name));
    json_t *d = json_string(desc.s);
    if (!d) /* a log's path is not UTF-8: its bytes beyond ASCII become '?' */
        for (unsigned char *c = (unsigned char *)desc.s; *c; c++)
            if (*c < 0x20 || *c > 0x7e)
                *c = '?';
    json_decref(d);
    bound_description(&desc);
    json_object_set_new(root, "description", json_string(desc.s));
    json_object_set_new(root, "seed", json_integer(1));
    json_object_set_new(root, "replications", json_integer(o->replications));
    if (lingua) {
        char utc[64];
        utc_of(tf.epoch, utc);
        json_object_set_new(root, "log_epoch_utc", json_string(utc));
    }
    json_t *wl = json_object();
    json_object_set_new(wl, "trace", json_string(trace_name));
    if (tf.audio_known < tf.rows)
        json_object_set_new(wl, "audio_s", json_pack("{s:s,s:i}", "dist", "const", "value", 0));
    json_object_set_new(root, "workload", wl);
    json_object_set_new(root, "nodes", nodes_json(&lg, cls, n_cls, o->serial_nodes));
    json_object_set_new(root, "network",
                        json_pack("{s:{s:s,s:i}}", "delay_s", "dist", "const", "value", 0));
    json_object_set_new(root, "policies", json_pack("[o]", policy));
    /* Both files are written to temporaries and the scenario loaded from them
     * (naming the trace's temporary) before either is put into place: a file
     * that does not load is never left, nor an earlier pair replaced by it. */
    if (sim_outfile_open(&tr, trace_path, err) != 0) {
        sim_error_add(err, "%s: not written (its trace, %s, goes beside it)", o->out, trace_path);
        goto done;
    }
    sim__fit_write_trace(&lg, tr.f, tf.epoch);
    if (fflush(tr.f) != 0 || ferror(tr.f)) {
        sim_error_add(err, "%s: write failed: %s", trace_path, strerror(errno));
        sim_error_add(err, "%s: not written (its trace, %s, goes beside it)", o->out, trace_path);
        goto done;
    }
    json_object_set_new(wl, "trace", json_string(tr.tmp ? sim_path_last(tr.tmp) : trace_name));
    char *check_js = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_object_set_new(wl, "trace", json_string(trace_name));
    char *js = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    if (!js || !check_js)
        sim_oom("dsim fit: the scenario's JSON");
    sim_limits lim;
    sim_limits_default(&lim);
    sim_scenario check;
    sim_error verr = {0};
    int loads = sim_scenario_load_string(check_js, strlen(check_js), o->out, &lim, &check, &verr);
    free(check_js);
    if (loads != 0) {
        free(js);
        if (tr.tmp) /* the messages name the trace as it will be, not its temporary */
            for (int i = 0; i < verr.count && i < SIM_ERR_MAX; i++)
                rename_in(verr.msg[i], sizeof verr.msg[i], sim_path_last(tr.tmp), trace_name);
        sim_error_merge(err, &verr);
        sim_error_add(err, "%s: the fitted scenario does not load (dsim's fault): neither it nor "
                           "%s is written",
                      o->out, trace_path);
        err->internal = true;
        goto done;
    }
    sim_scenario_free(&check);
    if (sim_outfile_open(&sc, o->out, err) != 0) {
        free(js);
        goto done;
    }
    size_t js_len = strlen(js);
    bool wrote = fwrite(js, 1, js_len, sc.f) == js_len;
    int werr = errno;
    free(js);
    if (!wrote) {
        sim_error_add(err, "%s: write failed: %s", o->out, strerror(werr));
        goto done;
    }
    if (sim__fit_commit_both(&tr, &sc, err) != 0)
        goto done;
    if (o->report) {
        say(&rep, "%s: %zu sessions, %zu utterances -> %s\n", o->out, lg.n_sessions, tf.rows,
            trace_path);
        if (o->ignore_censoring)
            say(&rep, "ignoring censoring: %zu censored attempts dropped (biased)\n", dropped);
        if (o->serial_nodes)
            say(&rep, "serial nodes: service = result - max(dispatch, the previous end on the "
                      "node); %zu results out of FIFO order, %zu censored attempts not begun: "
                      "left out\n",
                out_of_order, never_started);
        for (size_t c = 0; c < n_cls; c++)
            class_text(&lg, &cls[c], c, &rep, true);
        say(&rep, "fits: from %d results per class at least (the 1 %% bound 1.628/sqrt(n) is "
                  "%.2f at %d); a degenerate optimum is never chosen\n",
            SIM_FIT_MIN_RESULTS, sim_fit_ks_critical(SIM_FIT_MIN_RESULTS), SIM_FIT_MIN_RESULTS);
        say(&rep, "policy: %s\nnot inferred: %snode faults\n", note.s,
            missing.s ? missing.s : "");
        fputs(rep.s, o->report);
    } else {
        fprintf(o->summary, "dsim: fit: wrote %s (%zu node class%s) and %s (%zu utterances)\n",
                o->out, n_cls, n_cls == 1 ? "" : "es", trace_path, tf.rows);
    }
    rc = 0;
done:
    sim_outfile_abort(&tr);
    sim_outfile_abort(&sc);
    json_decref(root);
    free(desc.s);
    free(note.s);
    free(missing.s);
    free(rep.s);
    free(trace_path);
    sim__fit_classes_free(cls, n_cls);
    sim__fit_log_free(&lg);
    return rc;
}
