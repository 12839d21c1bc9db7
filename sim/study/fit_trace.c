/*
 * fit_trace.c — `dsim fit`'s workload (fit_internal.h): the utterances cleaned into
 * a trace, the checks that it fits a trace's range, and the two outputs checked
 * before and committed together after.
 */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fit_internal.h"
#include "outfile.h"
#include "scenario.h"
#include "xalloc.h"

static int by_session_index(const void *a, const void *b)
{
    const fit_utt *x = a, *y = b;
    if (x->session != y->session)
        return x->session < y->session ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Sorts and cleans the utterances: one per (session, index), indices 0, 1, ...
 * per session, end times not decreasing with the index. */
void sim__fit_clean_trace(fit_log *lg, trace_facts *tf)
{
    if (lg->n_utts)
        qsort(lg->utts, lg->n_utts, sizeof *lg->utts, by_session_index);
    size_t k = 0;
    int64_t next = 0, prev_index = 0;
    uint32_t prev_session = 0;
    for (size_t i = 0; i < lg->n_utts; i++) {
        fit_utt u = lg->utts[i];
        bool first = i == 0 || prev_session != u.session;
        bool repeat = !first && prev_index == u.index;
        prev_session = u.session;
        prev_index = u.index;
        if (repeat) {
            tf->duplicates++;
            continue;
        }
        if (first)
            next = 0;
        if (u.index != next)
            tf->renumbered++;
        u.index = next++;
        if (!first && k && u.end < lg->utts[k - 1].end) {
            u.end = lg->utts[k - 1].end;
            tf->reordered++;
        }
        tf->audio_known += !isnan(u.audio_s);
        lg->utts[k++] = u;
    }
    lg->n_utts = tf->rows = k;
}

/* A session label as a trace row may carry it (1 to 64 printable characters,
 * no comma, quote or control character: load_trace.c); another is written as
 * "fit-session-N" (N its number), so that it stays one session. */
static const char *trace_label(const char *s, uint32_t session, char buf[32])
{
    size_t n = strlen(s);
    bool ok = n >= 1 && n <= 64;
    for (const unsigned char *p = (const unsigned char *)s; ok && *p; p++)
        ok = *p >= 0x20 && *p != 0x7f && *p != '"' && *p != ',';
    if (ok && s[0] != '#')
        return s;
    snprintf(buf, 32, "fit-session-%" PRIu32, session + 1);
    return buf;
}

/* The trace's rows (check_trace: every time in [0, SIM_MAX_SECONDS] after epoch). */
void sim__fit_write_trace(const fit_log *lg, FILE *f, int64_t epoch)
{
    char buf[32];
    fputs("# dsim fit: the utterances of the log, replayed (README \"Scenario files\")\n"
          "session,utterance_index,end_s,audio_s\n",
          f);
    for (size_t i = 0; i < lg->n_utts; i++) {
        const fit_utt *u = &lg->utts[i];
        int64_t t = u->end - epoch;
        fprintf(f, "%s,%" PRId64 ",%" PRId64 ".%09" PRId64 ",",
                trace_label(lg->session_labels[u->session], u->session, buf),
                u->index, t / 1000000000, t % 1000000000);
        if (!isnan(u->audio_s))
            fprintf(f, "%.6f", u->audio_s);
        fputc('\n', f);
    }
}

/* Whether every utterance's audio length is unknown or in [0, SIM_MAX_SECONDS],
 * else err names the first other one. */
bool sim__fit_check_audio(const fit_log *lg, const char *logs, sim_error *err)
{
    char buf[32];
    for (size_t i = 0; i < lg->n_utts; i++) {
        const fit_utt *u = &lg->utts[i];
        if (isnan(u->audio_s) || (u->audio_s >= 0.0 && u->audio_s <= SIM_MAX_SECONDS))
            continue;
        char got[40];
        if (isfinite(u->audio_s))
            snprintf(got, sizeof got, "%.6g s", u->audio_s);
        else
            snprintf(got, sizeof got, "not a finite number");
        sim_error_add(err, "%s: utterance %" PRId64 " of session %s: audio length %s, not in "
                           "the [0, 1e7] s a trace holds: nothing fitted",
                      logs, u->index, trace_label(lg->session_labels[u->session], u->session, buf),
                      got);
        return false;
    }
    return true;
}

/* Whether every utterance's time lies in [0, SIM_MAX_SECONDS] after epoch (a
 * trace's range), else err names the first other one: logs of different days,
 * or of both formats, given together. */
bool sim__fit_check_trace(const fit_log *lg, const char *logs, int64_t epoch, bool lingua,
                        sim_error *err)
{
    char buf[32];
    for (size_t i = 0; i < lg->n_utts; i++) {
        const fit_utt *u = &lg->utts[i];
        int64_t t;
        if (!__builtin_sub_overflow(u->end, epoch, &t) && t >= 0 &&
            t <= (int64_t)(SIM_MAX_SECONDS * 1e9))
            continue;
        bool over = __builtin_sub_overflow(u->end, epoch, &t);
        char at[48];
        if (over)
            snprintf(at, sizeof at, "more than 9.2e9 s");
        else
            snprintf(at, sizeof at, "%.9g s", (double)t / 1e9);
        sim_error_add(err, "%s: utterance %" PRId64 " of session %s: its time from the trace's "
                           "time 0 (%s) is %s, not in the [0, 1e7] s (116 days) a trace "
                           "holds%s",
                      logs, u->index, trace_label(lg->session_labels[u->session], u->session, buf),
                      lingua ? "the log's first second" : "the run's start", at,
                      over || t > 0 ? ": logs of different days, or of both formats, cannot be "
                                      "fitted as one run"
                                    : "");
        return false;
    }
    return true;
}

bool sim__fit_check_limits(const fit_log *lg, const fit_class *cls, size_t n_cls,
                           const char *logs, sim_error *err)
{
    uint64_t nodes = 0, sessions = 0, longest = 0, run = 0;
    for (size_t c = 0; c < n_cls; c++)
        nodes += cls[c].n_members;
    for (size_t i = 0; i < lg->n_utts; i++) { /* sorted by session (clean_trace) */
        run = i && lg->utts[i].session == lg->utts[i - 1].session ? run + 1 : 1;
        sessions += run == 1;
        longest = run > longest ? run : longest;
    }
    const char *why = "dsim fit writes a scenario that runs without --max-... flags, and fit "
                      "takes none: nothing fitted";
    if (nodes > SIM_LIMIT_NODES_DEFAULT) {
        sim_error_add(err, "%s: %" PRIu64 " nodes, more than the %" PRIu64 " a scenario may "
                           "have by default (--max-nodes); %s",
                      logs, nodes, SIM_LIMIT_NODES_DEFAULT, why);
        return false;
    }
    if (sessions > SIM_SESSIONS_OPEN_MAX) {
        sim_error_add(err, "%s: %" PRIu64 " sessions, more than the %" PRIu32 " a run may have "
                           "without linger_s (2^24: the fitted sessions stay open until the "
                           "run drains): nothing fitted",
                      logs, sessions, SIM_SESSIONS_OPEN_MAX);
        return false;
    }
    if (sessions * longest > SIM_LIMIT_UTTERANCES_DEFAULT) {
        sim_error_add(err, "%s: %" PRIu64 " sessions x %" PRIu64 " utterances of the longest = "
                           "%" PRIu64 ", more than the %" PRIu64 " a trace may ask for by "
                           "default (--max-utterances: dsim holds a slot per session and "
                           "index); %s",
                      logs, sessions, longest, sessions * longest, SIM_LIMIT_UTTERANCES_DEFAULT,
                      why);
        return false;
    }
    return true;
}

/* Whether the output path can be replaced: it names no input log and, if it
 * exists, is a regular file (not a folder, a device or a FIFO). */
bool sim__fit_check_output(const sim_fit_opts *o, const char *path, const char *what,
                         sim_error *err)
{
    for (size_t k = 0; k < o->n_logs; k++)
        if (sim_path_same(path, o->logs[k])) {
            sim_error_add(err, "%s: %s is the input log %s: refused (writing it would replace "
                               "the log)",
                          path, what, o->logs[k]);
            return false;
        }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        sim_error_add(err, "%s: cannot write %s: %s", path, what,
                      S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
        return false;
    }
    return true;
}

/* Puts the trace and the scenario, both written and checked, into place
 * together: signals wait until both are, and when the scenario cannot be
 * renamed, the trace that was there before is put back (or the new one
 * removed). Returns 0, or -1 with err; both temporaries are gone either way. */
int sim__fit_commit_both(sim_outfile *tr, sim_outfile *sc, sim_error *err)
{
    sigset_t saved;
    sim_signals_block(&saved);
    const char *trace = tr->path;
    size_t n = strlen(trace) + 40;
    char *old = sim_xmalloc(n), *kept = sim_xstrdup(trace);
    snprintf(old, n, "%s.old.%ld", trace, (long)getpid());
    bool had = access(trace, F_OK) == 0, saved_old = had && link(trace, old) == 0;
    int rc = 0;
    if (sim_outfile_commit(tr, err) != 0) {
        sim_outfile_abort(sc);
        rc = -1;
    } else if (sim_outfile_commit(sc, err) != 0) {
        if (saved_old)
            rename(old, kept);
        else if (!had)
            remove(kept);
        else
            sim_error_add(err, "%s: replaced by the new trace, whose scenario was not written",
                          kept);
        rc = -1;
    }
    if (saved_old)
        unlink(old); /* still there only when the commit went through */
    free(old);
    free(kept);
    sim_signals_restore(&saved);
    return rc;
}
