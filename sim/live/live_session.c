/*
 * live_session.c — the sessions and the client of dsim live, inside the
 * scheduler process: the same draws as the simulation's session driver
 * (world_session.c: start, utterance end times and audio, close), given to the
 * core when the scaled wall clock reaches them; deliveries and errors reach
 * the client after the client hop's delay (world_net.c world_to_client's keys)
 * and are recorded by the simulation's client accounting.
 */
#include <stdlib.h>

#include "live_internal.h"
#include "xalloc.h"

/* --- the client -------------------------------------------------------------- */

static void client_receive(live *v, sim_time now, uint8_t kind, uint64_t session,
                           uint32_t index, int error, uint64_t job, uint32_t attempt)
{
    if (kind == LIVE_MSG_DELIVER) {
        bool first = sim_client_deliver(&v->client, now, session, index);
        sim_tl_client(v->tl, now, true, first, 0, session, index, job, attempt);
        return;
    }
    sim_tl_client(v->tl, now, false, false, error, session, index, job, attempt);
    v->client.errors++;
    if (error == DISP_ERR_PROCESSING)
        sim_client_cause(&v->client, session, index, CAUSE_PROCESSING_ERROR);
}

/* A delivery or error held for the client hop's delay: what the client gets and
 * the job and attempt whose copy it is (the timeline names them). */
typedef struct held_answer {
    uint64_t session, job;
    uint32_t index, attempt;
    uint8_t kind;
    int error;
} held_answer;

/* a = the held answer (freed here, also when the run is stopping) */
static void ev_to_client(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    live *v = ctx;
    held_answer *h = (held_answer *)(uintptr_t)a;
    v->in_flight--;
    if (!v->stopping)
        client_receive(v, sim_engine_now(e), h->kind, h->session, h->index, h->error, h->job,
                       h->attempt);
    free(h);
}

void live_to_client(live *v, const disp_cmd *c, uint8_t kind)
{
    int sent = sim_client_sent(&v->client, c->session, c->index, kind == LIVE_MSG_ERROR);
    uint64_t nth = sent > 0 ? (uint64_t)sent : 0;
    if (sent >= 0) {
        uint8_t *ans = &v->answered[c->session * v->client.per_session + c->index];
        if (!*ans)
            v->n_answered++;
        *ans = 1;
    }
    if (v->client_instant || c->session >= v->client.n_sessions) {
        client_receive(v, c->now, kind, c->session, c->index, (int)c->error, c->job, c->attempt);
        return;
    }
    sim_stream r;
    sim_stream_named(&r, &v->ks, SIM_KEY_CLIENT, c->session, c->index, (nth << 8) | kind);
    int64_t delay = net_client_delay(&v->s->network, &r.rng);
    sim_time at = net_link_arrival(&v->to_client[c->session], v->s->network.fifo, c->now, delay);
    held_answer *h = sim_xmalloc(sizeof *h);
    *h = (held_answer){c->session, c->job, c->index, c->attempt, kind, (int)c->error};
    v->in_flight++;
    sim_engine_schedule(v->L.e, at, ev_to_client, v, (uint64_t)(uintptr_t)h, 0);
}

bool live_client_answered(const live *v)
{
    return v->n_answered == v->n_ended;
}

/* --- sessions ---------------------------------------------------------------- */

static void ev_session_close(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    live *v = ctx;
    if (v->stopping)
        return;
    sim_tl_session_close(v->tl, sim_engine_now(e), a);
    int rc = disp_session_close(v->d, sim_engine_now(e), a);
    if (rc != 0)
        live_fail(v, SIM_FAIL_INTERNAL, "internal error: disp_session_close returned %d", rc);
    if (--v->sessions_open == 0)
        live_arm_drain(v);
    live_core_done(v);
}

static void ev_utterance(sim_engine *e, void *ctx, uint64_t a, uint64_t audio);

static void session_next(live *v, uint64_t a)
{
    wl_cursor *cur = &v->cursors[a];
    sim_stream r;
    sim_stream_named(&r, &v->ks, SIM_KEY_WORKLOAD, a, cur->next, 0);
    wl_utterance u;
    if (wl_next_utterance(&v->s->workload, cur, &r.rng, &u) == 0) {
        sim_engine_schedule(v->L.e, u.end, ev_utterance, v, a, (uint64_t)u.audio);
        return;
    }
    v->sessions_speaking--;
    sim_time close = wl_close_time(&v->s->workload, cur->t);
    if (close != WL_NEVER)
        sim_engine_schedule(v->L.e, close, ev_session_close, v, a, 0);
    else if (v->sessions_speaking == 0)
        live_arm_drain(v);
}

static void ev_utterance(sim_engine *e, void *ctx, uint64_t a, uint64_t audio)
{
    live *v = ctx;
    if (v->stopping)
        return;
    uint32_t index = v->cursors[a].next - 1;
    sim_time now = sim_engine_now(e);
    sim_client_utterance_ended(&v->client, a, index, now);
    v->n_ended++;
    sim_progress_add(v->o->progress, 1); /* one loop thread, real time: no batch needed */
    int rc = disp_utterance(v->d, now, a, index, (disp_time)audio, NULL);
    if (rc != 0)
        live_fail(v, rc == DISP_ELIMIT ? SIM_FAIL_INPUT : SIM_FAIL_INTERNAL,
                  "disp_utterance refused session %llu utterance %u (%d): run it with dsim run "
                  "for the reason",
                  (unsigned long long)a, index, rc);
    session_next(v, a);
    live_core_done(v);
}

static void ev_session_start(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    live *v = ctx;
    if (v->stopping)
        return;
    v->client.sessions[a].start = sim_engine_now(e);
    wl_cursor_init(&v->cursors[a], (uint32_t)a, sim_engine_now(e));
    session_next(v, a);
}

void live_sessions_start(live *v)
{
    const wl_config *wl = &v->s->workload;
    for (uint32_t a = 0; a < v->client.n_sessions; a++) {
        sim_stream r;
        sim_stream_named(&r, &v->ks, SIM_KEY_WORKLOAD, a, UINT64_MAX, 0);
        sim_engine_schedule(v->L.e, wl_session_start(wl, a, &r.rng), ev_session_start, v, a, 0);
    }
    v->sessions_open = v->sessions_speaking = v->client.n_sessions;
    v->close_at_drain = wl->linger_s < 0;
}
