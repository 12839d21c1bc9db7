/* world_client.c — what the client saw, and the metrics computed from it. */
#include "simworld.h"
#include "escape.h"
#include "version.h"
#include "xalloc.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void sim_client_init(sim_client *c, uint32_t n_sessions, uint32_t per_session)
{
    memset(c, 0, sizeof *c);
    c->n_sessions = n_sessions;
    c->per_session = per_session;
    c->utt = sim_xcalloc((size_t)n_sessions * per_session, sizeof *c->utt);
    c->sessions = sim_xcalloc(n_sessions, sizeof *c->sessions);
    /* one time per utterance: sized once, never grown */
    c->ns = sim_xcalloc((size_t)n_sessions * per_session, sizeof *c->ns);
    for (uint32_t s = 0; s < n_sessions; s++)
        c->sessions[s].max_delivered = -1;
}

void sim_client_free(sim_client *c)
{
    free(c->utt);
    free(c->sessions);
    free(c->ns);
    memset(c, 0, sizeof *c);
}

sim_utt_state *sim_client_utt(sim_client *c, uint64_t session, uint32_t index)
{
    if (session >= c->n_sessions || index >= c->per_session)
        return NULL;
    return &c->utt[session * c->per_session + index];
}

void sim_client_utterance_ended(sim_client *c, uint64_t session, uint32_t index, int64_t end)
{
    sim_utt_state *u = sim_client_utt(c, session, index);
    assert(u && !c->packed);
    if (u->copies == 0) /* the slot holds a latency once delivered */
        c->ns[u - c->utt] = end;
    u->seen = 1;
}

bool sim_client_deliver(sim_client *c, int64_t now, uint64_t session, uint32_t index)
{
    sim_utt_state *u = sim_client_utt(c, session, index);
    if (!u)
        return false;
    assert(!c->packed);
    sim_session_state *s = &c->sessions[session];
    if ((int32_t)index < s->max_delivered)
        c->out_of_order++;
    if ((int32_t)index > s->max_delivered)
        s->max_delivered = (int32_t)index;
    if (u->copies < UINT16_MAX)
        u->copies++;
    if (u->copies > 1)
        return false;
    /* end -> latency, in place; an utterance not ended yet counts from its
     * session's start (a job exists only once its utterance has ended) */
    int64_t *slot = &c->ns[u - c->utt];
    int64_t end = u->seen ? *slot : s->start;
    *slot = now > end ? now - end : 0;
    return true;
}

void sim_client_cause(sim_client *c, uint64_t session, uint32_t index, sim_loss_cause cause)
{
    sim_utt_state *u = sim_client_utt(c, session, index);
    if (u && (uint8_t)cause > u->cause)
        u->cause = (uint8_t)cause;
}

static void swap_ns(int64_t *a, int64_t *b)
{
    int64_t t = *a;
    *a = *b;
    *b = t;
}

/* Puts the k-th smallest of a[0..n) (k < n) at a[k], with everything before it no
 * larger and everything after it no smaller; returns it. Quickselect with a
 * median-of-three pivot and a three-way partition, so runs of equal latencies
 * (const service times) take one pass. Deterministic. */
static int64_t select_ns(int64_t *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* a[k] is in [lo, hi) */
    while (hi - lo > 1) {
        int64_t x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
        int64_t p = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
        size_t lt = lo, i = lo, gt = hi; /* [lo,lt) < p, [lt,i) == p, [gt,hi) > p */
        while (i < gt) {
            if (a[i] < p)
                swap_ns(&a[lt++], &a[i++]);
            else if (a[i] > p)
                swap_ns(&a[i], &a[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return a[k];
    }
    return a[k];
}

/*
 * The p-quantile of l[0..n), in seconds, as GSL's gsl_stats_quantile_from_sorted_data
 * defines it (linear between order statistics (n-1)p and the next), without
 * sorting: a selection puts the order statistic k in place with everything after
 * it no smaller, so the next one is the minimum of the rest. O(n) per quantile.
 * Exact in nanoseconds until the one division into seconds.
 */
static double quantile(int64_t *l, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t k = (size_t)h;
    int64_t lo = select_ns(l, n, k);
    if (k + 1 >= n || h == (double)k)
        return (double)lo / 1e9;
    int64_t hi = l[k + 1];
    for (size_t i = k + 2; i < n; i++)
        if (l[i] < hi)
            hi = l[i];
    return ((double)lo + (h - (double)k) * (double)(hi - lo)) / 1e9;
}

/* The mean of l[0..n) (n > 0, values >= 0) in seconds: the sum kept exactly as
 * q n + r (0 <= r < n), so it neither overflows nor rounds until the end. */
static double mean_s(const int64_t *l, size_t n)
{
    uint64_t q = 0, r = 0, m = (uint64_t)n;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = (uint64_t)l[i];
        q += x / m;
        r += x % m;
        if (r >= m) {
            r -= m;
            q++;
        }
    }
    return ((double)q + (double)r / (double)m) / 1e9;
}

/* Moves the latencies of delivered utterances to ns[0..n_latency), once. */
static void pack(sim_client *c)
{
    if (c->packed)
        return;
    size_t n = (size_t)c->n_sessions * c->per_session, k = 0;
    for (size_t i = 0; i < n; i++)
        if (c->utt[i].copies)
            c->ns[k++] = c->ns[i];
    c->n_latency = k;
    c->packed = true;
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

void sim_client_metrics(sim_client *c, double v[SIM_M_COUNT])
{
    /* Only utterances that were spoken count: one that max_time_s cut off
     * before it ended never became a job, so it is neither an utterance of the
     * run nor lost. */
    size_t all = (size_t)c->n_sessions * c->per_session;
    uint64_t n = 0, delivered = 0, dups = 0;
    for (size_t i = 0; i < all; i++) {
        const sim_utt_state *u = &c->utt[i];
        if (!u->seen && !u->copies)
            continue;
        n++;
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
    pack(c);
    if (c->n_latency) {
        int64_t *l = c->ns;
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
        int64_t max = 0;
        for (size_t i = 0; i < m; i++)
            max = l[i] > max ? l[i] : max;
        v[SIM_M_LATENCY_MAX] = (double)max / 1e9;
        v[SIM_M_LATENCY_MEAN] = mean_s(l, m);
    } else {
        /* Nothing delivered: there is no latency to report (not 0). */
        v[SIM_M_LATENCY_P50] = v[SIM_M_LATENCY_P90] = v[SIM_M_LATENCY_P99] = NAN;
        v[SIM_M_LATENCY_P999] = v[SIM_M_LATENCY_MAX] = v[SIM_M_LATENCY_MEAN] = NAN;
    }
}

static int cmp_ns(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void sim_client_write_latencies(sim_client *c, FILE *f, const char *policy, int rep)
{
    pack(c);
    qsort(c->ns, c->n_latency, sizeof *c->ns, cmp_ns);
    for (size_t i = 0; i < c->n_latency; i++) {
        int64_t ns = c->ns[i];
        sim_csv_field(f, policy);
        fprintf(f, ",%d,%" PRId64 ".%09" PRId64, rep, ns / 1000000000, ns % 1000000000);
        sim_version_csv_fields(f);
        fputc('\n', f);
    }
}
