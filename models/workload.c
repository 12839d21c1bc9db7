/*
 * workload.c — session start and utterance timing (workload.h).
 */
#include "workload.h"

#include <assert.h>

#define WL_NS_MAX DIST_NS_MAX

int64_t wl_session_start(const wl_config *c, uint32_t session, gsl_rng *r)
{
    assert(c && r);
    const wl_trace *t = c->trace;
    if (t) {
        if (wl_trace_count(t, session) == 0)
            return 0;
        uint64_t i = t->first[session];
        int64_t a = t->audio[i] == WL_TRACE_NO_AUDIO ? 0 : t->audio[i];
        return t->end[i] > a ? t->end[i] - a : 0;
    }
    return dist_to_ns(dist_sample(&c->session_start, r, 0.0));
}

void wl_cursor_init(wl_cursor *cur, uint32_t session, int64_t start)
{
    assert(cur && start >= 0);
    cur->t = start;
    cur->next = 0;
    cur->session = session;
}

static int next_from_trace(const wl_config *c, wl_cursor *cur, gsl_rng *r, wl_utterance *out)
{
    const wl_trace *t = c->trace;
    if (cur->next >= wl_trace_count(t, cur->session))
        return -1;
    uint64_t i = t->first[cur->session] + cur->next;
    int64_t audio = t->audio[i];
    if (audio == WL_TRACE_NO_AUDIO)
        audio = dist_to_ns(dist_sample(&c->audio, r, 0.0));
    int64_t end = t->end[i] > cur->t ? t->end[i] : cur->t; /* the loader keeps them in order */
    int64_t gap = end - cur->t - audio;
    out->index = cur->next;
    out->gap = gap > 0 ? gap : 0;
    out->audio = audio;
    out->end = end;
    cur->t = end;
    cur->next++;
    return 0;
}

int wl_next_utterance(const wl_config *c, wl_cursor *cur, gsl_rng *r, wl_utterance *out)
{
    assert(c && cur && r && out);
    if (c->trace)
        return next_from_trace(c, cur, r, out);
    if (c->utterances_per_session < 0 || cur->next >= (uint32_t)c->utterances_per_session)
        return -1;
    int64_t gap = dist_to_ns(dist_sample(&c->gap, r, 0.0));
    int64_t audio = dist_to_ns(dist_sample(&c->audio, r, 0.0));
    out->index = cur->next;
    out->gap = gap;
    out->audio = audio;
    int64_t end = cur->t + gap + audio; /* each term <= INT64_MAX/4 */
    if (end > WL_NS_MAX)
        end = WL_NS_MAX;
    out->end = end;
    cur->t = end;
    cur->next++;
    return 0;
}

int64_t wl_close_time(const wl_config *c, int64_t last_end)
{
    assert(c);
    if (c->linger_s < 0)
        return WL_NEVER;
    int64_t t = last_end + dist_to_ns(c->linger_s);
    return t > WL_NS_MAX ? WL_NS_MAX : t;
}
