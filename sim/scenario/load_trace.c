/*
 * load_trace.c — a trace workload's CSV (`workload: {"trace": "FILE"}`).
 *
 * The file: '#' comment lines and empty lines anywhere, then the header
 * `session,utterance_index,end_s,audio_s`, then one row per utterance: a session
 * label (1 to 64 printable characters, no comma or quote), its utterance_index
 * (0, 1, 2, ... each once per session), the time its utterance ended in seconds
 * (its job is created then), and its audio length in seconds or nothing when
 * unknown. Rows may come in any order; a session's end times must not decrease
 * with its index. Sessions are numbered in order of first appearance. Every
 * message names FILE:LINE.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "strmap.h"

#define TRACE_HEADER "session,utterance_index,end_s,audio_s"
#define TRACE_LINE_MAX 4096
#define TRACE_LABEL_MAX 64
#define TRACE_MAX_BYTES (1ull << 30)

typedef struct row {
    uint32_t session, index;
    uint64_t line;
    int64_t end, audio;
} row;

/* A number of seconds in [0, SIM_MAX_SECONDS] as ns; false if it is not one. */
static bool seconds_field(const char *s, int64_t *ns)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(x) || x < 0 ||
        x > SIM_MAX_SECONDS)
        return false;
    *ns = dist_to_ns(x);
    return true;
}

/* Splits a row into 4 fields in place. Returns the number of fields found. */
static int split(char *s, char *field[4])
{
    int n = 0;
    field[n++] = s;
    for (char *p = s; *p; p++) {
        if (*p != ',')
            continue;
        if (n == 4)
            return 5;
        *p = '\0';
        field[n++] = p + 1;
    }
    return n;
}

/* Reads one line into buf (without its newline and a trailing CR). Returns its
 * length, -1 at the end, -2 when it is longer than TRACE_LINE_MAX. */
static long read_line(FILE *f, char *buf, uint64_t *hash)
{
    size_t n = 0;
    int c;
    bool long_line = false;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (n < TRACE_LINE_MAX)
            buf[n++] = (char)c;
        else
            long_line = true;
    }
    if (c == EOF && n == 0)
        return -1;
    *hash = sim_hash(*hash, buf, n);
    if (long_line)
        return -2;
    if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return (long)n;
}

static bool bad_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TRACE_LABEL_MAX)
        return true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '"')
            return true;
    return false;
}

void sim__load_trace(sim__ld *ld, const char *name, wl_config *c)
{
    char path[4096], safe[80];
    long long size;
    FILE *f = sim__open_input(ld, name, "trace file", TRACE_MAX_BYTES, path, sizeof path, &size);
    sim_safe_text(path, safe, sizeof safe);
    if (!f)
        return;
    char *buf = sim_xmalloc(TRACE_LINE_MAX + 1);
    sim_strmap lab = {0};
    row *rows = NULL;
    size_t n = 0, cap = 0;
    uint64_t line = 0, hash = ld->files_hash;
    bool header = false, bad = false;
    long len;
    while (!bad && (len = read_line(f, buf, &hash)) != -1) {
        line++;
        if (len == -2) {
            sim__err(ld, "%s:%" PRIu64 ": line longer than %d bytes", safe, line, TRACE_LINE_MAX);
            bad = true;
            break;
        }
        if (line == 1 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
            /* a UTF-8 byte order mark (Excel's "CSV UTF-8"), accepted as in scenarios */
            memmove(buf, buf + 3, (size_t)len - 2);
            len -= 3;
        }
        if (len == 0 || buf[0] == '#')
            continue;
        if (memchr(buf, '\0', (size_t)len)) {
            sim__err(ld, "%s:%" PRIu64 ": a NUL byte", safe, line);
            bad = true;
            break;
        }
        if (!header) {
            if (strcmp(buf, TRACE_HEADER) != 0) {
                char got[64];
                sim_safe_text(buf, got, sizeof got);
                sim__err(ld, "%s:%" PRIu64 ": expected the header '" TRACE_HEADER "', got '%s'",
                         safe, line, got);
                bad = true;
            }
            header = true;
            continue;
        }
        char *fl[4];
        int nf = split(buf, fl);
        int64_t idx = -1, end = 0, audio = WL_TRACE_NO_AUDIO;
        char *e = NULL;
        if (nf != 4) {
            sim__err(ld, "%s:%" PRIu64 ": expected 4 fields (" TRACE_HEADER "), got %d", safe,
                     line, nf > 4 ? 5 : nf);
            bad = true;
        } else if (bad_label(fl[0])) {
            sim__err(ld, "%s:%" PRIu64 ": session: expected 1 to %d printable characters "
                     "without a quote", safe, line, TRACE_LABEL_MAX);
            bad = true;
        } else if ((errno = 0, idx = strtoll(fl[1], &e, 10), e == fl[1] || *e || errno ||
                    idx < 0 || idx > INT32_MAX)) {
            sim__err(ld, "%s:%" PRIu64 ": utterance_index: expected an integer in 0..%d", safe,
                     line, INT32_MAX);
            bad = true;
        } else if (!seconds_field(fl[2], &end)) {
            sim__err(ld, "%s:%" PRIu64 ": end_s: expected a number of seconds in [0, 1e+07]",
                     safe, line);
            bad = true;
        } else if (fl[3][0] && !seconds_field(fl[3], &audio)) {
            sim__err(ld, "%s:%" PRIu64 ": audio_s: expected a number of seconds in [0, 1e+07] "
                     "or nothing (unknown)", safe, line);
            bad = true;
        } else if (n >= ld->lim.max_utterances) {
            char hint[SIM_LIMITS_HINT_CAP];
            sim__err(ld, "%s:%" PRIu64 ": more than %" PRIu64 " utterances (%s)", safe, line,
                     ld->lim.max_utterances,
                     sim_limits_hint("--max-utterances", ld->lim.max_utterances, hint,
                                     sizeof hint));
            bad = true;
        } else {
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                rows = sim_xrealloc(rows, cap * sizeof *rows);
            }
            rows[n++] = (row){sim_strmap_get(&lab, fl[0], NULL), (uint32_t)idx, line, end, audio};
        }
    }
    fclose(f);
    free(buf);
    uint64_t n64 = (uint64_t)size;
    ld->files_hash = sim_hash(hash, &n64, sizeof n64);
    if (!bad && n == 0) {
        sim__err(ld, "%s: no utterances (expected the header '" TRACE_HEADER "' and rows)", safe);
        bad = true;
    }
    uint32_t ns = (uint32_t)lab.n;
    uint64_t *first = NULL;
    int64_t *ends = NULL, *audio = NULL;
    uint64_t *at = NULL; /* row slot -> line + 1 (0: empty) */
    uint32_t longest = 0;
    if (!bad) {
        first = sim_xcalloc((size_t)ns + 1, sizeof *first);
        for (size_t i = 0; i < n; i++)
            first[rows[i].session + 1]++;
        for (uint32_t s = 0; s < ns; s++) {
            if (first[s + 1] > longest)
                longest = (uint32_t)first[s + 1];
            first[s + 1] += first[s];
        }
        if (!sim__check_sessions(ld, ns, c->linger_s >= 0, safe)) {
            bad = true;
        } else if ((uint64_t)ns * longest > ld->lim.max_utterances) {
            char hint[SIM_LIMITS_HINT_CAP];
            sim__err(ld, "%s: %" PRIu32 " sessions x %" PRIu32 " utterances of the longest = "
                     "%" PRIu64 ", more than the limit of %" PRIu64 " (dsim holds a slot per "
                     "session and index; %s)", safe, ns, longest,
                     (uint64_t)ns * longest, ld->lim.max_utterances,
                     sim_limits_hint("--max-utterances", ld->lim.max_utterances, hint,
                                     sizeof hint));
            bad = true;
        }
    }
    if (!bad) {
        ends = sim_xcalloc(n, sizeof *ends);
        audio = sim_xcalloc(n, sizeof *audio);
        at = sim_xcalloc(n, sizeof *at);
        for (size_t i = 0; i < n && !bad; i++) {
            const row *r = &rows[i];
            uint64_t count = first[r->session + 1] - first[r->session];
            uint64_t k = first[r->session] + r->index;
            if (r->index >= count || at[k]) {
                sim__err(ld, "%s:%" PRIu64 ": utterance_index %" PRIu32 " %s: a session's "
                         "indices are 0..n-1, each once (this session has %" PRIu64 " rows)",
                         safe, r->line, r->index, r->index >= count ? "out of range" :
                         "repeated", count);
                bad = true;
                break;
            }
            at[k] = r->line + 1;
            ends[k] = r->end;
            audio[k] = r->audio;
        }
        for (uint32_t s = 0; s < ns && !bad; s++)
            for (uint64_t k = first[s] + 1; k < first[s + 1]; k++)
                if (ends[k] < ends[k - 1]) {
                    sim__err(ld, "%s:%" PRIu64 ": end_s goes back: utterance %" PRIu64 " of its "
                             "session ends before utterance %" PRIu64 " (line %" PRIu64 ")",
                             safe, at[k] - 1, k - first[s], k - 1 - first[s], at[k - 1] - 1);
                    bad = true;
                    break;
                }
    }
    free(rows);
    free(at);
    sim_strmap_free(&lab);
    if (bad) {
        free(first);
        free(ends);
        free(audio);
        return;
    }
    wl_trace *t = sim_xcalloc(1, sizeof *t);
    *t = (wl_trace){ns, longest, n, first, ends, audio};
    wl_trace_free(c->trace);
    c->trace = t;
    c->sessions = (int)ns;
    c->utterances_per_session = (int)longest;
}
