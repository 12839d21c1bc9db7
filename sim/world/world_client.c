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

/* --- the records: (session, index) -> sim_utt_rec, open addressing --------- */

static size_t slot_of(const sim_client *c, uint64_t key)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (c->tab_cap - 1);
}

/* The slot of key (never 0): its record's, or the free one that ends its probe
 * (where it would go). */
static size_t rec_slot(const sim_client *c, uint64_t key)
{
    size_t i = slot_of(c, key);
    while (c->tab[i].key != key && c->tab[i].key != 0)
        i = (i + 1) & (c->tab_cap - 1);
    return i;
}

static sim_utt_rec *rec_find(const sim_client *c, uint64_t key)
{
    size_t i = rec_slot(c, key);
    return c->tab[i].key ? &c->tab[i] : NULL;
}

static void rec_grow(sim_client *c)
{
    sim_utt_rec *old = c->tab;
    size_t n = c->tab_cap;
    c->tab_cap *= 2;
    c->tab = sim_xcalloc(c->tab_cap, sizeof *c->tab);
    for (size_t i = 0; i < n; i++) {
        if (old[i].key == 0)
            continue;
        size_t j = slot_of(c, old[i].key);
        while (c->tab[j].key != 0)
            j = (j + 1) & (c->tab_cap - 1);
        c->tab[j] = old[i];
    }
    free(old);
}

/* Removes record r, shifting back the ones after it that probed past it. */
static void rec_remove(sim_client *c, sim_utt_rec *r)
{
    size_t mask = c->tab_cap - 1, i = (size_t)(r - c->tab);
    for (size_t j = (i + 1) & mask; c->tab[j].key != 0; j = (j + 1) & mask) {
        size_t home = slot_of(c, c->tab[j].key);
        /* j may move to i when its home is not in (i, j] (cyclically) */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            c->tab[i] = c->tab[j];
            i = j;
        }
    }
    memset(&c->tab[i], 0, sizeof c->tab[i]);
    c->tab_n--;
}

static uint64_t utt_key(const sim_client *c, uint64_t session, uint32_t index)
{
    return session * c->per_session + index + 1;
}

static bool valid(const sim_client *c, uint64_t session, uint32_t index)
{
    if (session >= c->n_sessions || index >= c->per_session)
        return false;
    assert(!c->sessions[session].folded); /* nothing names a folded session */
    return !c->sessions[session].folded;
}

/* An utterance that ended and has no record was delivered once as sent once. */
static bool settled(const sim_client *c, uint64_t session, uint32_t index)
{
    return index < c->sessions[session].ended;
}

/* A new record for key (not in the table) of a valid (session, index), in
 * free slot i (rec_slot's) unless the table grows. Kept out of line:
 * rec_get's usual case is a record that exists. */
__attribute__((noinline)) static sim_utt_rec *rec_add(sim_client *c, size_t i, uint64_t key,
                                                      uint64_t session, uint32_t index)
{
    if (2 * (c->tab_n + 1) > c->tab_cap) {
        rec_grow(c);
        i = rec_slot(c, key);
    }
    sim_utt_rec *r = &c->tab[i];
    c->tab_n++;
    r->key = key;
    if (settled(c, session, index)) {
        r->seen = 1;
        r->copies = r->delivers = 1;
    }
    return r;
}

/* The record of a valid (session, index), made when there is none. */
static inline sim_utt_rec *rec_get(sim_client *c, uint64_t session, uint32_t index)
{
    uint64_t key = utt_key(c, session, index);
    size_t i = rec_slot(c, key);
    return c->tab[i].key ? &c->tab[i] : rec_add(c, i, key, session, index);
}

/* Drops a record that says no more than its absence would. */
static void rec_settle(sim_client *c, sim_utt_rec *r)
{
    if (r->seen && r->copies == 1 && r->delivers == 1 && r->errors == 0)
        rec_remove(c, r);
}

void sim_client_init(sim_client *c, uint32_t n_sessions, uint32_t per_session,
                     bool keep_latencies)
{
    memset(c, 0, sizeof *c);
    c->n_sessions = n_sessions;
    c->per_session = per_session;
    c->sessions = sim_xcalloc(n_sessions, sizeof *c->sessions);
    c->tab_cap = 64;
    c->tab = sim_xcalloc(c->tab_cap, sizeof *c->tab);
    sim_lat_init(&c->lat, SIM_LAT_EXACT_MAX, keep_latencies);
    for (uint32_t s = 0; s < n_sessions; s++)
        c->sessions[s].max_delivered = -1;
}

void sim_client_free(sim_client *c)
{
    free(c->tab);
    free(c->sessions);
    sim_lat_free(&c->lat);
    memset(c, 0, sizeof *c);
}

void sim_client_utterance_ended(sim_client *c, uint64_t session, uint32_t index, int64_t end)
{
    assert(valid(c, session, index) && index == c->sessions[session].ended);
    sim_utt_rec *r = rec_get(c, session, index);
    if (r->copies == 0) /* a delivery before the end counted from the session's start */
        r->end = end;
    r->seen = 1;
    c->sessions[session].ended++;
    rec_settle(c, r);
}

bool sim_client_deliver(sim_client *c, int64_t now, uint64_t session, uint32_t index)
{
    if (!valid(c, session, index))
        return false;
    sim_session_state *s = &c->sessions[session];
    if ((int32_t)index < s->max_delivered)
        c->out_of_order++;
    if ((int32_t)index > s->max_delivered)
        s->max_delivered = (int32_t)index;
    sim_utt_rec *r = rec_get(c, session, index);
    if (r->copies == UINT16_MAX)
        return false;
    if (++r->copies > 1) {
        c->duplicates++;
        return false;
    }
    /* an utterance not ended yet counts from its session's start (a job
     * exists only once its utterance has ended) */
    int64_t end = r->seen ? r->end : s->start;
    sim_lat_add(&c->lat, now > end ? now - end : 0);
    c->delivered++;
    rec_settle(c, r);
    return true;
}

void sim_client_cause(sim_client *c, uint64_t session, uint32_t index, sim_loss_cause cause)
{
    /* a settled utterance was delivered: its cause is never read */
    if (!valid(c, session, index) ||
        (settled(c, session, index) && !rec_find(c, utt_key(c, session, index))))
        return;
    sim_utt_rec *r = rec_get(c, session, index);
    if ((uint8_t)cause > r->cause)
        r->cause = (uint8_t)cause;
}

int sim_client_sent(sim_client *c, uint64_t session, uint32_t index, bool error)
{
    if (!valid(c, session, index))
        return -1;
    sim_utt_rec *r = rec_get(c, session, index);
    uint16_t *n = error ? &r->errors : &r->delivers;
    int before = *n;
    if (*n < UINT16_MAX)
        ++*n;
    rec_settle(c, r);
    return before;
}

int sim_client_delivers_sent(const sim_client *c, uint64_t session, uint32_t index)
{
    if (!valid(c, session, index))
        return -1;
    const sim_utt_rec *r = rec_find(c, utt_key(c, session, index));
    return r ? r->delivers : settled(c, session, index);
}

void sim_client_fold(sim_client *c, uint32_t session)
{
    assert(session < c->n_sessions && !c->sessions[session].folded);
    for (uint32_t i = 0; i < c->per_session && c->tab_n > 0; i++) {
        sim_utt_rec *r = rec_find(c, utt_key(c, session, i));
        if (!r)
            continue;
        if (r->seen && !r->copies)
            c->folded_lost[r->cause]++;
        else if (!r->seen && r->copies)
            c->folded_unseen++;
        rec_remove(c, r);
    }
    c->sessions[session].folded = true;
}

bool sim_client_lost(const sim_client *c, uint32_t session, uint32_t index, uint8_t *cause)
{
    const sim_utt_rec *r =
        valid(c, session, index) ? rec_find(c, utt_key(c, session, index)) : NULL;
    if (!r || !r->seen || r->copies)
        return false;
    *cause = r->cause;
    return true;
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
     * run nor lost (one delivered before it ended counts). Every undelivered
     * one that ended has a record. */
    uint64_t n = c->folded_unseen;
    for (uint32_t s = 0; s < c->n_sessions; s++)
        n += c->sessions[s].ended;
    for (size_t i = 0; i < sizeof c->folded_lost / sizeof *c->folded_lost; i++)
        v[cause_metric[i]] += (double)c->folded_lost[i];
    for (size_t i = 0; i < c->tab_cap; i++) {
        const sim_utt_rec *u = &c->tab[i];
        if (u->key == 0)
            continue;
        if (!u->seen && u->copies)
            n++;
        else if (u->seen && !u->copies)
            v[cause_metric[u->cause]] += 1;
    }
    uint64_t delivered = c->delivered, dups = c->duplicates;
    v[SIM_M_UTTERANCES] = (double)n;
    v[SIM_M_DELIVERED] = (double)delivered;
    v[SIM_M_DUPLICATES] = (double)dups;
    v[SIM_M_LOST] = (double)(n - delivered);
    v[SIM_M_DUPLICATE_RATE] = n ? (double)dups / (double)n : NAN;
    v[SIM_M_LOST_RATE] = n ? (double)(n - delivered) / (double)n : NAN;
    v[SIM_M_OUT_OF_ORDER] = (double)c->out_of_order;
    v[SIM_M_ERRORS_TO_CLIENT] = (double)c->errors;
    if (c->lat.n) {
        static const struct {
            sim_metric id;
            double p;
        } q[] = {{SIM_M_LATENCY_P50, 0.50},
                 {SIM_M_LATENCY_P90, 0.90},
                 {SIM_M_LATENCY_P99, 0.99},
                 {SIM_M_LATENCY_P999, 0.999}};
        for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
            v[q[i].id] = sim_lat_quantile(&c->lat, q[i].p);
        v[SIM_M_LATENCY_MAX] = (double)c->lat.max / 1e9;
        v[SIM_M_LATENCY_MEAN] = sim_lat_mean_s(&c->lat);
    } else {
        /* Nothing delivered: there is no latency to report (not 0). */
        v[SIM_M_LATENCY_P50] = v[SIM_M_LATENCY_P90] = v[SIM_M_LATENCY_P99] = NAN;
        v[SIM_M_LATENCY_P999] = v[SIM_M_LATENCY_MAX] = v[SIM_M_LATENCY_MEAN] = NAN;
    }
}

int sim_client_write_latencies(sim_client *c, FILE *f, const char *policy, int rep)
{
    return sim_lat_write(&c->lat, f, policy, rep);
}

uint64_t sim_client_log_events(void)
{
    return DISP_LOG_BIT(DISP_LOG_PENDING_TIMEOUT) | DISP_LOG_BIT(DISP_LOG_FAILOVER_EXHAUSTED) |
           DISP_LOG_BIT(DISP_LOG_FAILOVER_NO_NODE) | DISP_LOG_BIT(DISP_LOG_ACK_DISCARD) |
           DISP_LOG_BIT(DISP_LOG_QUEUE_EVICT) | DISP_LOG_BIT(DISP_LOG_RESULT_DUPLICATE) |
           DISP_LOG_BIT(DISP_LOG_RESULT_FENCED) | DISP_LOG_BIT(DISP_LOG_RESULT_SESSION_CLOSED);
}

/* The loss cause a log record of the core gives its utterance, if any (the
 * events of sim_client_log_events). */
void sim_client_log_cause(sim_client *c, const disp_cmd *cmd)
{
    switch (cmd->event) {
    case DISP_LOG_PENDING_TIMEOUT:
        sim_client_cause(c, cmd->session, cmd->index, CAUSE_NO_NODE);
        break;
    case DISP_LOG_FAILOVER_EXHAUSTED:
    case DISP_LOG_FAILOVER_NO_NODE:
        sim_client_cause(c, cmd->session, cmd->index, CAUSE_FAILOVER_EXHAUSTED);
        break;
    case DISP_LOG_ACK_DISCARD:
    case DISP_LOG_QUEUE_EVICT: /* the queue's size bound dropped it: the queue's loss too */
        sim_client_cause(c, cmd->session, cmd->index, CAUSE_ACK_DISCARD);
        break;
    case DISP_LOG_RESULT_DUPLICATE:
        sim_client_cause(c, cmd->session, cmd->index, CAUSE_DEDUP_DROP);
        break;
    case DISP_LOG_RESULT_FENCED:
        sim_client_cause(c, cmd->session, cmd->index, CAUSE_FENCED);
        break;
    case DISP_LOG_RESULT_SESSION_CLOSED:
        sim_client_cause(c, cmd->session, cmd->index, CAUSE_SESSION_CLOSED);
        break;
    default:
        break;
    }
}
