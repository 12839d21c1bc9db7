/*
 * world_session.c — the session driver of one replication (world_internal.h):
 * sessions start, speak their utterances into the core, close, and the run's
 * horizon when nothing else ends it.
 */
#include "world_internal.h"

#include <inttypes.h>

#include "dist.h"

/* --- sessions ------------------------------------------------------------- */

/* Without max_time_s: the run ends this long after the last session closed (or,
 * without linger_s, spoke its last utterance; those sessions close now), even
 * if the policy still holds jobs (they count as lost, cause "unfinished"). */
static void ev_horizon(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)a;
    (void)b;
    world_close_open_sessions(ctx);
    sim_engine_stop(e);
}

static void ev_session_close(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    sim_tl_session_close(w->tl, sim_engine_now(e), a);
    world_internal(w, disp_session_close(w->d, sim_engine_now(e), a), "disp_session_close");
    if (--w->sessions_open == 0 && w->s->max_time_s <= 0)
        sim_engine_schedule(e, sim_engine_now(e) + WORLD_DRAIN_HORIZON, ev_horizon, w, 0, 0);
    world_call_core_done(w);
    if (w->fold) {
        w->closing[w->n_closing++] = (uint32_t)a;
        world_fold_sessions(w);
    }
}

void world_fold_sessions(world *w)
{
    for (uint32_t k = 0; k < w->n_closing;) {
        uint32_t a = w->closing[k];
        if (w->sess_live[a] == 0 && disp_session_jobs(w->d, a) == 0) {
            sim_client_fold(&w->client, a);
            w->closing[k] = w->closing[--w->n_closing];
        } else {
            k++;
        }
    }
}

static void ev_utterance(sim_engine *e, void *ctx, uint64_t a, uint64_t audio);

/* Draws session a's next utterance and schedules its end, or its close. */
static void world_session_next(world *w, uint64_t a)
{
    wl_cursor *cur = &w->cursors[a];
    sim_stream r;
    sim_stream_named(&r, &w->ks, SIM_KEY_WORKLOAD, a, cur->next, 0);
    wl_utterance u;
    if (wl_next_utterance(&w->s->workload, cur, &r.rng, &u) == 0) {
        /* an end held at the cap on simulated time (DIST_NS_MAX) would pile
         * utterances onto one instant: the run stops, unless max_time_s ends it
         * long before (the loader refuses a world expected to get there) */
        if (u.end >= DIST_NS_MAX && w->s->max_time_s <= 0) {
            world_fail(w, SIM_FAIL_INPUT,
                       "workload: session %" PRIu64 "'s utterance %" PRIu32 " would end past "
                       "the %.4g s (about 73 years) a simulated time can reach: fewer "
                       "utterances_per_session, a shorter gap_s, or a max_time_s",
                       a, cur->next - 1, (double)DIST_NS_MAX / 1e9);
            return;
        }
        sim_engine_schedule(w->e, u.end, ev_utterance, w, a, (uint64_t)u.audio);
        return;
    }
    w->sessions_speaking--;
    sim_time close = wl_close_time(&w->s->workload, cur->t);
    if (close != WL_NEVER)
        sim_engine_schedule(w->e, close, ev_session_close, w, a, 0);
    else if (w->sessions_speaking == 0 && w->s->max_time_s <= 0)
        sim_engine_schedule(w->e, sim_engine_now(w->e) + WORLD_DRAIN_HORIZON, ev_horizon, w, 0, 0);
}

static void ev_utterance(sim_engine *e, void *ctx, uint64_t a, uint64_t audio)
{
    world *w = ctx;
    uint32_t index = w->cursors[a].next - 1;
    sim_time now = sim_engine_now(e);
    sim_client_utterance_ended(&w->client, a, index, now);
    sim_progress_tick(&w->progress);
    if (w->lingua)
        sim_lingua_utterance(w->lingua, now, a, index, (int64_t)audio);
    sim_inv_utterance(w->inv, now, a, index);
    int rc = disp_utterance(w->d, now, a, index, (disp_time)audio, NULL);
    if (rc != 0)
        world_utterance_refused(w, rc, a, index);
    world_session_next(w, a);
    world_call_core_done(w);
}

static void ev_session_start(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)b;
    world *w = ctx;
    w->client.sessions[a].start = sim_engine_now(e);
    wl_cursor_init(&w->cursors[a], (uint32_t)a, sim_engine_now(e));
    world_session_next(w, a);
}


void world_sessions_start(world *w)
{
    const wl_config *wl = &w->s->workload;
    for (uint32_t a = 0; a < w->client.n_sessions; a++) {
        sim_stream r;
        sim_stream_named(&r, &w->ks, SIM_KEY_WORKLOAD, a, UINT64_MAX, 0);
        sim_engine_schedule(w->e, wl_session_start(wl, (uint32_t)a, &r.rng), ev_session_start, w, a, 0);
    }
    w->sessions_open = w->sessions_speaking = w->client.n_sessions;
    w->close_at_drain = wl->linger_s < 0;
}

uint32_t sim_utterances_ended_by(const sim_scenario *s, int rep, int64_t t, int64_t *last_end)
{
    /* the keys of world_sessions_start and world_session_next */
    sim_streams ks;
    sim_streams_init(&ks, sim_replication_seed(s->seed, rep));
    uint32_t most = 0;
    *last_end = 0;
    for (uint64_t a = 0; a < (uint64_t)s->workload.sessions; a++) {
        sim_stream r;
        sim_stream_named(&r, &ks, SIM_KEY_WORKLOAD, a, UINT64_MAX, 0);
        wl_cursor cur;
        wl_cursor_init(&cur, (uint32_t)a, wl_session_start(&s->workload, (uint32_t)a, &r.rng));
        uint32_t n = 0;
        for (;;) {
            sim_stream_named(&r, &ks, SIM_KEY_WORKLOAD, a, cur.next, 0);
            wl_utterance u;
            if (wl_next_utterance(&s->workload, &cur, &r.rng, &u) != 0)
                break;
            if (u.end <= t)
                n++;
            if (u.end > *last_end)
                *last_end = u.end;
        }
        if (n > most)
            most = n;
    }
    return most;
}
