/* world_client.c — what the client saw, and the metrics computed from it. */
#include "simworld.h"
#include "xalloc.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort_float.h>
#include <gsl/gsl_statistics_float.h>

void wc_client_init(wc_client *c, uint32_t n_sessions, uint32_t per_session)
{
    memset(c, 0, sizeof *c);
    c->n_sessions = n_sessions;
    c->per_session = per_session;
    c->utt = sim_xcalloc((size_t)n_sessions * per_session, sizeof *c->utt);
    c->sessions = sim_xcalloc(n_sessions, sizeof *c->sessions);
    /* at most one first delivery per utterance: sized once, never grown */
    c->cap_latency = (size_t)n_sessions * per_session;
    c->latency = sim_xcalloc(c->cap_latency, sizeof *c->latency);
    for (uint32_t s = 0; s < n_sessions; s++)
        c->sessions[s].max_delivered = -1;
}

void wc_client_free(wc_client *c)
{
    free(c->utt);
    free(c->sessions);
    free(c->latency);
    memset(c, 0, sizeof *c);
}

wc_utt *wc_client_utt(wc_client *c, uint64_t session, uint32_t index)
{
    if (session >= c->n_sessions || index >= c->per_session)
        return NULL;
    return &c->utt[session * c->per_session + index];
}

void wc_client_utterance_ended(wc_client *c, uint64_t session, uint32_t index, int64_t end)
{
    wc_utt *u = wc_client_utt(c, session, index);
    assert(u);
    int64_t rel = (end - c->sessions[session].start) / 1000000;
    u->end_ms = rel < 0 ? 0 : rel > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)rel;
    u->seen = 1;
}

bool wc_client_deliver(wc_client *c, int64_t now, uint64_t session, uint32_t index)
{
    wc_utt *u = wc_client_utt(c, session, index);
    if (!u)
        return false;
    wc_session *s = &c->sessions[session];
    if ((int32_t)index < s->max_delivered)
        c->out_of_order++;
    if ((int32_t)index > s->max_delivered)
        s->max_delivered = (int32_t)index;
    if (u->copies < UINT16_MAX)
        u->copies++;
    if (u->copies > 1)
        return false;
    double end_s = (double)s->start / 1e9 + (double)u->end_ms / 1e3;
    double lat = (double)now / 1e9 - end_s;
    if (lat < 0)
        lat = 0;
    assert(c->n_latency < c->cap_latency);
    c->latency[c->n_latency++] = (float)lat;
    return true;
}

void wc_client_cause(wc_client *c, uint64_t session, uint32_t index, wc_cause cause)
{
    wc_utt *u = wc_client_utt(c, session, index);
    if (u && (uint8_t)cause > u->cause)
        u->cause = (uint8_t)cause;
}

/*
 * The p-quantile of l[0..n) as GSL's gsl_stats_quantile_from_sorted_data defines it
 * (linear between order statistics (n-1)p and the next), without sorting: a
 * selection puts the order statistic k in place with everything after it no
 * smaller, so the next one is the minimum of the rest. O(n) per quantile.
 */
static double quantile(float *l, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t k = (size_t)h;
    double lo = gsl_stats_float_select(l, 1, n, k);
    if (k + 1 >= n || h == (double)k)
        return lo;
    float hi = l[k + 1];
    for (size_t i = k + 2; i < n; i++)
        if (l[i] < hi)
            hi = l[i];
    return lo + (h - (double)k) * ((double)hi - lo);
}

static const sim_metric cause_metric[] = {
    [CAUSE_UNFINISHED] = SIM_M_LOST_UNFINISHED,
    [CAUSE_FAILOVER_EXHAUSTED] = SIM_M_LOST_FAILOVER_EXHAUSTED,
    [CAUSE_NO_NODE] = SIM_M_LOST_NO_NODE,
    [CAUSE_NO_RESULT] = SIM_M_LOST_NO_RESULT,
    [CAUSE_SESSION_CLOSED] = SIM_M_LOST_SESSION_CLOSED,
    [CAUSE_NETWORK] = SIM_M_LOST_NETWORK,
    [CAUSE_NODE_CRASH] = SIM_M_LOST_NODE_CRASH,
    [CAUSE_PROCESSING_ERROR] = SIM_M_LOST_PROCESSING_ERROR,
    [CAUSE_FENCED] = SIM_M_LOST_FENCED,
    [CAUSE_DEDUP_DROP] = SIM_M_LOST_DEDUP_DROP,
    [CAUSE_ACK_DISCARD] = SIM_M_LOST_ACK_DISCARD,
};

void wc_client_metrics(wc_client *c, double v[SIM_M_COUNT])
{
    size_t n = (size_t)c->n_sessions * c->per_session;
    uint64_t delivered = 0, dups = 0;
    for (size_t i = 0; i < n; i++) {
        const wc_utt *u = &c->utt[i];
        if (u->copies) {
            delivered++;
            dups += u->copies - 1u;
        } else {
            v[cause_metric[u->cause]] += 1;
        }
    }
    v[SIM_M_UTTERANCES] = (double)n;
    v[SIM_M_DELIVERED] = (double)delivered;
    v[SIM_M_DUPLICATES] = (double)dups;
    v[SIM_M_LOST] = (double)(n - delivered);
    v[SIM_M_DUPLICATE_RATE] = n ? (double)dups / (double)n : NAN;
    v[SIM_M_LOST_RATE] = n ? (double)(n - delivered) / (double)n : NAN;
    v[SIM_M_OUT_OF_ORDER] = (double)c->out_of_order;
    v[SIM_M_ERRORS_TO_CLIENT] = (double)c->errors;
    if (c->n_latency) {
        float *l = c->latency;
        size_t m = c->n_latency;
        static const struct {
            sim_metric id;
            double p;
        } q[] = {{SIM_M_LATENCY_P50, 0.50},
                 {SIM_M_LATENCY_P90, 0.90},
                 {SIM_M_LATENCY_P99, 0.99},
                 {SIM_M_LATENCY_P999, 0.999}};
        for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
            v[q[i].id] = quantile(l, m, q[i].p);
        double sum = 0, max = 0;
        for (size_t i = 0; i < m; i++) {
            sum += l[i];
            if (l[i] > max)
                max = l[i];
        }
        v[SIM_M_LATENCY_MAX] = max;
        v[SIM_M_LATENCY_MEAN] = sum / (double)m;
    } else {
        /* Nothing delivered: there is no latency to report (not 0). */
        v[SIM_M_LATENCY_P50] = v[SIM_M_LATENCY_P90] = v[SIM_M_LATENCY_P99] = NAN;
        v[SIM_M_LATENCY_P999] = v[SIM_M_LATENCY_MAX] = v[SIM_M_LATENCY_MEAN] = NAN;
    }
}
