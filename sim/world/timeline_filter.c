/* timeline_filter.c — what --timeline-filter keeps, and the size a timeline will
 * have (see timeline.h). */
#include "timeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* --- the filter ------------------------------------------------------------------ */

void sim_tl_filter_all(sim_tl_filter *f)
{
    memset(f, 0, sizeof *f);
    f->replication = -1;
    f->session = -1;
    f->from = 0;
    f->to = INT64_MAX;
}

static const char *const tl_keys[] = {"policy", "replication", "session", "from", "to"};
#define N_TL_KEYS (sizeof tl_keys / sizeof tl_keys[0])

/* The key `text` starts with ("KEY="), or -1. */
static int tl_key_at(const char *text)
{
    for (size_t k = 0; k < N_TL_KEYS; k++) {
        size_t n = strlen(tl_keys[k]);
        if (strncmp(text, tl_keys[k], n) == 0 && text[n] == '=')
            return (int)k;
    }
    return -1;
}

/* Seconds >= 0 with up to 9 decimals, exactly into ns. */
static int tl_parse_seconds(const char *s, size_t len, int64_t *out)
{
    int64_t whole = 0, frac = 0;
    size_t i = 0, digits = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (whole > (INT64_MAX / 1000000000 - 9) / 10)
            return -1;
        whole = whole * 10 + (s[i] - '0');
    }
    if (i < len && s[i] == '.') {
        size_t f = 0;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, f++) {
            if (f >= 9)
                return -1;
            frac = frac * 10 + (s[i] - '0');
            digits++;
        }
        for (; f < 9; f++)
            frac *= 10;
    }
    if (i != len || digits == 0)
        return -1;
    *out = whole * 1000000000 + frac;
    return 0;
}

static int tl_parse_int(const char *s, size_t len, int64_t max, int64_t *out)
{
    int64_t v = 0;
    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (max - (s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int sim_tl_filter_parse(const char *text, sim_tl_filter *f, sim_error *err)
{
    sim_tl_filter_all(f);
    bool seen[N_TL_KEYS] = {false};
    const char *p = text;
    if (!*p) {
        sim_error_add(err, "--timeline-filter: expected KEY=VALUE[,KEY=VALUE...] with keys "
                           "policy, replication, session, from, to; got an empty text");
        return -1;
    }
    while (*p) {
        int k = tl_key_at(p);
        if (k < 0) {
            size_t n = strcspn(p, ",=");
            sim_error_add(err, "--timeline-filter: unknown key '%.*s'; expected policy, "
                               "replication, session, from or to (KEY=VALUE, comma-separated)",
                          (int)n, p);
            return -1;
        }
        if (seen[k]) {
            sim_error_add(err, "--timeline-filter: '%s' given twice", tl_keys[k]);
            return -1;
        }
        seen[k] = true;
        const char *v = p + strlen(tl_keys[k]) + 1, *end = v;
        /* the value runs to the next ",KEY=" (a policy name may hold commas) */
        for (;;) {
            end += strcspn(end, ",");
            if (!*end || (k != 0 || tl_key_at(end + 1) >= 0))
                break;
            end++;
        }
        size_t len = (size_t)(end - v);
        int64_t x = 0;
        int bad = 0;
        if (k == 0) {
            if (len == 0 || len >= sizeof f->policy)
                bad = 1;
            else
                memcpy(f->policy, v, len), f->policy[len] = '\0';
        } else if (k == 1) {
            bad = tl_parse_int(v, len, INT32_MAX, &x);
            f->replication = (int)x;
        } else if (k == 2) {
            bad = tl_parse_int(v, len, INT64_MAX, &x);
            f->session = x;
        } else {
            bad = tl_parse_seconds(v, len, &x);
            if (k == 3)
                f->from = x;
            else
                f->to = x;
        }
        if (bad) {
            static const char *const want[] = {
                "a policy name (1..255 bytes)", "an integer >= 0", "an integer >= 0",
                "seconds >= 0 (up to 9 decimals)", "seconds >= 0 (up to 9 decimals)"};
            sim_error_add(err, "--timeline-filter: %s: expected %s, got '%.*s'", tl_keys[k],
                          want[k], (int)len, v);
            return -1;
        }
        p = *end ? end + 1 : end;
        if (*end && !*p) {
            sim_error_add(err, "--timeline-filter: a trailing ',' in '%s'", text);
            return -1;
        }
    }
    if (f->to < f->from) {
        sim_error_add(err, "--timeline-filter: to (%.9g s) is before from (%.9g s)",
                      (double)f->to / 1e9, (double)f->from / 1e9);
        return -1;
    }
    return 0;
}

int sim_tl_filter_check(const sim_tl_filter *f, const sim_scenario *s, sim_error *err)
{
    const char *file = s->path ? s->path : "scenario";
    if (f->policy[0]) {
        bool found = false;
        for (size_t p = 0; p < s->n_policies && !found; p++)
            found = strcmp(s->policies[p].name, f->policy) == 0;
        if (!found) {
            sim_error_add(err, "--timeline-filter: policy: no policy named '%s' in %s", f->policy,
                          file);
            return -1;
        }
    }
    if (f->replication >= s->replications) {
        sim_error_add(err, "--timeline-filter: replication: expected 0..%d (%s runs %d), got %d",
                      s->replications - 1, file, s->replications, f->replication);
        return -1;
    }
    if (f->session >= (int64_t)s->workload.sessions) {
        sim_error_add(err, "--timeline-filter: session: expected 0..%d (%s has %d), got %" PRId64,
                      s->workload.sessions - 1, file, s->workload.sessions, f->session);
        return -1;
    }
    return 0;
}

uint64_t sim_tl_estimate(const sim_scenario *s, const sim_tl_filter *f)
{
    uint64_t runs = (f->policy[0] ? 1 : s->n_policies) *
                    (uint64_t)(f->replication >= 0 ? 1 : s->replications);
    uint64_t utt = (uint64_t)(f->session >= 0 ? 1 : s->workload.sessions) *
                   (uint64_t)s->workload.utterances_per_session;
    return runs * utt * SIM_TL_BYTES_PER_UTTERANCE;
}
