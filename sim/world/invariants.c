/* invariants.c — the built-in trace invariants of one replication (invariants.h). */
#include "invariants.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

const char *const sim_inv_names[] = {
    "conserved",       "spoken_first", "one_job",     "attempts_bounded",
    "cancel_assigned", "backed",       "client_sent", "ordered_once",
    "ordered_forward", "time_forward", NULL};

/* What the checker knows of one utterance. */
typedef struct inv_utt {
    int64_t end;                             /* when it ended; -1: not yet */
    uint64_t job;                            /* the core's job, 0 before its first assign */
    uint32_t last_attempt;                   /* the highest attempt id assigned */
    uint32_t primaries, hedges;              /* assigns: first + failovers, hedges */
    uint32_t results_ok, delivers, received; /* saturating */
} inv_utt;

struct sim_inv {
    sim_inv_config c;
    inv_utt *utt;      /* n_sessions x per_session */
    int64_t *released; /* per session: the highest index released, -1 none */
    uint64_t *pairs;   /* (utterance + 1) << 24 | node of every assign: open addressing */
    size_t pairs_cap, pairs_n;
    int64_t now;
    uint64_t ended;
    bool broken;
    char name[32];
    char what[400];
};

sim_inv *sim_inv_new(const sim_inv_config *c)
{
    sim_inv *v = sim_xcalloc(1, sizeof *v);
    v->c = *c;
    size_t n = (size_t)c->n_sessions * c->per_session;
    v->utt = sim_xcalloc(n ? n : 1, sizeof *v->utt);
    for (size_t i = 0; i < n; i++)
        v->utt[i].end = -1;
    v->released = sim_xcalloc(c->n_sessions ? c->n_sessions : 1, sizeof *v->released);
    for (uint32_t s = 0; s < c->n_sessions; s++)
        v->released[s] = -1;
    v->now = INT64_MIN;
    return v;
}

void sim_inv_free(sim_inv *v)
{
    if (!v)
        return;
    free(v->utt);
    free(v->released);
    free(v->pairs);
    free(v);
}

static void broke(sim_inv *v, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void broke(sim_inv *v, const char *name, const char *fmt, ...)
{
    if (v->broken)
        return;
    v->broken = true;
    snprintf(v->name, sizeof v->name, "%s", name);
    char text[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (v->now == INT64_MIN)
        snprintf(v->what, sizeof v->what, "%s: %s", name, text);
    else
        snprintf(v->what, sizeof v->what, "%s: %s, at t=%.9g s", name, text, (double)v->now / 1e9);
}

static void advance(sim_inv *v, int64_t now)
{
    if (now < v->now && v->now != INT64_MIN)
        broke(v, "time_forward", "an event at t=%.9g s after one at t=%.9g s", (double)now / 1e9,
              (double)v->now / 1e9);
    if (now > v->now)
        v->now = now;
}

/* The utterance, or NULL (and broken: spoken_first) when (session, index) is
 * outside the workload. */
static inv_utt *utt_of(sim_inv *v, uint64_t session, uint32_t index, const char *what)
{
    if (session >= v->c.n_sessions || index >= v->c.per_session) {
        broke(v, "spoken_first",
              "%s for session %" PRIu64 " index %" PRIu32 ", which the workload never speaks", what,
              session, index);
        return NULL;
    }
    return &v->utt[session * v->c.per_session + index];
}

static void bump(uint32_t *n)
{
    if (*n < UINT32_MAX)
        (*n)++;
}

/* Adds the pair key; returns true when it was there already. */
static bool pair_put(sim_inv *v, uint64_t key, bool insert)
{
    if (insert && 2 * (v->pairs_n + 1) > v->pairs_cap) {
        size_t old_cap = v->pairs_cap;
        uint64_t *old = v->pairs;
        v->pairs_cap = old_cap ? 2 * old_cap : 256;
        v->pairs = sim_xcalloc(v->pairs_cap, sizeof *v->pairs);
        v->pairs_n = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i])
                pair_put(v, old[i], true);
        free(old);
    }
    if (!v->pairs_cap)
        return false;
    size_t mask = v->pairs_cap - 1;
    size_t j = (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 17) & mask;
    while (v->pairs[j] && v->pairs[j] != key)
        j = (j + 1) & mask;
    if (v->pairs[j])
        return true;
    if (insert) {
        v->pairs[j] = key;
        v->pairs_n++;
    }
    return false;
}

static uint64_t pair_key(const sim_inv *v, uint64_t session, uint32_t index, uint32_t node)
{
    uint64_t u = session * v->c.per_session + index;
    return ((u + 1) << 24) | (node & 0xFFFFFFu);
}

void sim_inv_utterance(sim_inv *v, int64_t now, uint64_t session, uint32_t index)
{
    if (!v)
        return;
    advance(v, now);
    inv_utt *u = utt_of(v, session, index, "an utterance ended");
    if (!u)
        return;
    if (u->end >= 0)
        broke(v, "conserved", "session %" PRIu64 " index %" PRIu32 " ended twice", session, index);
    else
        v->ended++;
    u->end = now;
}

void sim_inv_result(sim_inv *v, int64_t now, uint64_t session, uint32_t index, bool success)
{
    if (!v)
        return;
    advance(v, now);
    inv_utt *u = utt_of(v, session, index, "a node's result");
    if (u && success)
        bump(&u->results_ok);
}

static void on_assign(sim_inv *v, const disp_cmd *c, inv_utt *u)
{
    if (u->job == 0)
        u->job = c->job;
    else if (u->job != c->job)
        broke(v, "one_job",
              "session %" PRIu64 " index %" PRIu32 " assigned as job %" PRIu64
              " after job %" PRIu64,
              c->session, c->index, c->job, u->job);
    if (c->attempt <= u->last_attempt)
        broke(v, "attempts_bounded",
              "session %" PRIu64 " index %" PRIu32 ": attempt %" PRIu32
              " assigned after attempt %" PRIu32,
              c->session, c->index, c->attempt, u->last_attempt);
    u->last_attempt = c->attempt > u->last_attempt ? c->attempt : u->last_attempt;
    bump(c->hedge ? &u->hedges : &u->primaries);
    uint64_t primaries_max = (uint64_t)v->c.max_failovers + 1;
    if (u->primaries > primaries_max)
        broke(v, "attempts_bounded",
              "session %" PRIu64 " index %" PRIu32 ": %" PRIu32
              " dispatches without hedges, more than max_failovers + 1 = %" PRIu64,
              c->session, c->index, u->primaries, primaries_max);
    if ((uint64_t)u->hedges > primaries_max * (uint64_t)v->c.hedge_max_extra)
        broke(v, "attempts_bounded",
              "session %" PRIu64 " index %" PRIu32 ": %" PRIu32
              " hedges, more than (max_failovers + 1) x hedge.max_extra = %" PRIu64,
              c->session, c->index, u->hedges, primaries_max * (uint64_t)v->c.hedge_max_extra);
    pair_put(v, pair_key(v, c->session, c->index, c->node), true);
}

static void on_deliver(sim_inv *v, const disp_cmd *c, inv_utt *u)
{
    bump(&u->delivers);
    if (u->delivers > u->results_ok)
        broke(v, "backed",
              "session %" PRIu64 " index %" PRIu32 " delivered %" PRIu32 " times from %" PRIu32
              " successful results",
              c->session, c->index, u->delivers, u->results_ok);
    if (!v->c.ordered)
        return;
    if (u->delivers > 1)
        broke(v, "ordered_once", "session %" PRIu64 " index %" PRIu32 " released twice", c->session,
              c->index);
    else if ((int64_t)c->index <= v->released[c->session])
        broke(v, "ordered_forward",
              "session %" PRIu64 " index %" PRIu32 " released after index %" PRId64, c->session,
              c->index, v->released[c->session]);
    if ((int64_t)c->index > v->released[c->session])
        v->released[c->session] = c->index;
}

void sim_inv_cmd(sim_inv *v, const disp_cmd *c)
{
    if (!v || c->kind == DISP_CMD_LOG)
        return;
    advance(v, c->now);
    static const char *const what[] = {"an assign", "a cancel", "a delivery", "an error"};
    inv_utt *u = utt_of(v, c->session, c->index, what[c->kind]);
    if (!u)
        return;
    if (u->end < 0 || c->now < u->end) {
        broke(v, "spoken_first",
              "%s for session %" PRIu64 " index %" PRIu32 " before that utterance ended",
              what[c->kind], c->session, c->index);
        return;
    }
    switch (c->kind) {
    case DISP_CMD_ASSIGN:
        on_assign(v, c, u);
        break;
    case DISP_CMD_CANCEL:
        if (!pair_put(v, pair_key(v, c->session, c->index, c->node), false))
            broke(v, "cancel_assigned",
                  "a cancel of session %" PRIu64 " index %" PRIu32 " to node %" PRIu32
                  ", which never had it",
                  c->session, c->index, c->node);
        break;
    case DISP_CMD_DELIVER:
        on_deliver(v, c, u);
        break;
    default:
        break;
    }
}

void sim_inv_client(sim_inv *v, int64_t now, bool deliver, uint64_t session, uint32_t index)
{
    if (!v)
        return;
    advance(v, now);
    inv_utt *u = utt_of(v, session, index, deliver ? "a delivery received" : "an error received");
    if (!u || !deliver)
        return;
    bump(&u->received);
    if (u->received > u->delivers)
        broke(v, "client_sent",
              "the client received %" PRIu32 " copies of session %" PRIu64 " index %" PRIu32
              ", the core sent %" PRIu32,
              u->received, session, index, u->delivers);
}

void sim_inv_finish(sim_inv *v, const double m[SIM_M_COUNT])
{
    if (!v || v->broken)
        return;
    uint64_t delivered = 0, extra = 0;
    size_t n = (size_t)v->c.n_sessions * v->c.per_session;
    for (size_t i = 0; i < n; i++)
        if (v->utt[i].received > 0) {
            delivered++;
            extra += v->utt[i].received - 1;
        }
    double lost_causes = 0;
    for (int k = SIM_M_LOST_NO_NODE; k <= SIM_M_LOST_UNFINISHED; k++)
        lost_causes += m[k];
    if (m[SIM_M_UTTERANCES] != (double)v->ended)
        broke(v, "conserved", "%.17g utterances counted, %" PRIu64 " ended", m[SIM_M_UTTERANCES],
              v->ended);
    else if (m[SIM_M_DELIVERED] != (double)delivered)
        broke(v, "conserved", "%.17g delivered counted, %" PRIu64 " utterances received a copy",
              m[SIM_M_DELIVERED], delivered);
    else if (m[SIM_M_DUPLICATES] != (double)extra)
        broke(v, "conserved", "%.17g duplicates counted, %" PRIu64 " extra copies received",
              m[SIM_M_DUPLICATES], extra);
    else if (m[SIM_M_DELIVERED] + m[SIM_M_LOST] != m[SIM_M_UTTERANCES])
        broke(v, "conserved", "%.17g delivered + %.17g lost != %.17g utterances",
              m[SIM_M_DELIVERED], m[SIM_M_LOST], m[SIM_M_UTTERANCES]);
    else if (lost_causes != m[SIM_M_LOST])
        broke(v, "conserved", "the lost_by_cause counts add up to %.17g, lost is %.17g",
              lost_causes, m[SIM_M_LOST]);
}

bool sim_inv_broken(const sim_inv *v)
{
    return v && v->broken;
}

const char *sim_inv_what(const sim_inv *v)
{
    return v && v->broken ? v->what : "";
}

const char *sim_inv_name(const sim_inv *v)
{
    return v && v->broken ? v->name : "";
}
