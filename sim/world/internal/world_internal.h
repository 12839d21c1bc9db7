/*
 * world_internal.h — the world of one replication, shared by its files (the
 * world room's own: internal/ is a PRIVATE include directory):
 *   world.c          wiring: refused core calls, the stop condition, the core's
 *                    sink and deadline, one replication (sim_run_one)
 *   world_net.c      message transport: the message pool, the network, the
 *                    client hop, arrivals at nodes and at the scheduler, the
 *                    held results of the wasted-work accounting (an attempt's
 *                    worker time is useful when its copy is the first the
 *                    client receives)
 *   world_node.c     node events and the nodes' sink
 *   world_session.c  the session driver: starts, utterances, closes, horizon
 */
#ifndef DSIM_WORLD_INTERNAL_H
#define DSIM_WORLD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "invariants.h"
#include "net.h"
#include "node.h"
#include "run.h"
#include "simworld.h"
#include "stream.h"
#include "timeline.h"
#include "workload.h"

/* Without max_time_s, a run stops at the last session close plus this (sessions
 * without linger_s: at the end of the last utterance plus this). */
#define WORLD_DRAIN_HORIZON (SIM_DRAIN_HORIZON_S * SIM_NS_PER_S)

enum { MSG_ASSIGN = 1, MSG_CANCEL, MSG_RESULT, MSG_PROGRESS, MSG_HEARTBEAT, MSG_DELIVER, MSG_ERROR };

/* A message on the wire, pooled. */
typedef struct msg {
    uint8_t kind;
    bool success;
    int8_t stage;
    uint8_t error; /* MSG_ERROR: disp_error_code */
    uint32_t node;
    uint32_t attempt;
    uint32_t index;
    int32_t current_jobs;
    uint64_t job_id;
    uint64_t job;
    uint64_t session;
    int64_t audio;
    int64_t busy; /* RESULT: the attempt's worker time; DELIVER: the same, of the attempt it is a copy of */
    uint32_t next_free;
} msg;

typedef struct wnode {
    node *n;
    uint32_t cls;
    uint32_t down_gen; /* bumped at every UP: a stale down notice is ignored */
    sim_timer timer;
    sim_time timer_at;
    sim_stream faults;
    uint64_t heartbeats;
    sim_time last_heartbeat; /* the last heartbeat or UP (registration) the core received */
    net_link to_node, to_sched; /* its two directed links (order state) */
} wnode;

typedef struct world {
    const sim_scenario *s;
    const sim_run_opts *o;
    const char *policy_name;
    sim_lingua_log *lingua; /* --log-format lingua, or NULL */
    size_t policy;
    int rep;
    uint64_t seed; /* this replication's seed */
    sim_streams ks; /* its named streams (the seed hashed once) */
    sim_engine *e;
    disp *d;
    sim_timer core_timer;
    sim_time core_at;
    wnode *nodes;
    uint32_t n_nodes;
    sim_client client;
    net_link *to_client;    /* per session: the scheduler -> client link */
    bool client_instant;    /* the client hop is const 0: no event needed */
    wl_cursor *cursors;     /* per session */
    uint32_t sessions_open; /* sessions not yet closed */
    /* Per session: its messages on the wire and attempts on nodes. A closed
     * session with none of those, of which the core holds no job, can name
     * nothing again: its client records fold (world_fold_sessions). */
    uint32_t *sess_live;
    uint32_t *closing;      /* closed sessions not yet folded */
    uint32_t n_closing;
    bool fold;              /* fold closed sessions (not with a timeline: it reads them at the end) */
    uint32_t sessions_speaking; /* sessions whose last utterance has not ended */
    bool close_at_drain;    /* no linger_s: sessions close when the run has drained */
    msg *msgs;
    uint32_t n_msgs, cap_msgs, free_msg;
    uint64_t msgs_in_flight; /* assign/cancel/result/progress/client messages on the wire */
    int64_t attempts_on_nodes;
    uint64_t cancels;
    double total_busy_ns; /* worker time of the attempts that left a node (then, at a cut, of those on one) */
    /* the result being handed to the core, for wasted-work accounting */
    uint64_t cur_job;
    uint32_t cur_attempt;
    int64_t cur_busy;
    bool in_result;
    bool cur_released; /* the core released it to the client (or its queue dropped it)
                          in that call: it is not held */
    sim_stream jitter;
    /* busy time of successful results the core held back (ordered queue) that
     * may still be the client's first copy: (job, attempt) -> busy, open
     * addressing, linear probing */
    struct held { uint64_t key; int64_t busy; } *held;
    size_t held_cap, held_n;
    /* the first refused core call: SIM_FAIL_INPUT or SIM_FAIL_INTERNAL, and why */
    int fail;
    char fail_msg[400];
    sim_tl *tl; /* --timeline writer of this run, or NULL */
    sim_inv *inv; /* the built-in invariants (o->invariants), or NULL */
    sim_progress_batch progress; /* utterances ended, for o->progress */
} world;


/* world.c */
/* Records the first failure (kind SIM_FAIL_INPUT or SIM_FAIL_INTERNAL) and stops
 * the replication at the end of the current event. */
void world_fail(world *w, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A core call the world's own bookkeeping should never see refused (rc != 0). */
void world_internal(world *w, int rc, const char *call);
/* disp_utterance refused rc for (session a, index). */
void world_utterance_refused(world *w, int rc, uint64_t a, uint32_t index);
void world_close_open_sessions(world *w);
void world_maybe_stop(world *w);
/* After any call into the core: re-arm its deadline timer, check for the end. */
void world_call_core_done(world *w);

/* world_net.c */
uint32_t world_msg_alloc(world *w);
void world_held_put(world *w, uint64_t job, uint32_t attempt, int64_t busy);
/* Removes and returns the busy time held for (job, attempt), or 0. */
int64_t world_held_take(world *w, uint64_t job, uint32_t attempt);
/* The id logs and traces show for a job (sim_job_label). */
uint32_t world_job_label(const world *w, uint64_t job_id, uint64_t job, uint64_t session,
                         uint32_t index);
/* Sends message i in direction dir; key identifies it (policy-independent). */
void world_send(world *w, uint32_t i, net_dir dir, const uint64_t key[4]);
/* The core sends the client a delivery or an error (kind MSG_DELIVER, MSG_ERROR);
 * busy: a delivery's attempt's worker time, useful if the client hears this copy
 * first (0 for an error). */
void world_to_client(world *w, const disp_cmd *c, uint8_t kind, uint16_t nth, int64_t busy);

/* world_node.c */
/* After any call into node i: re-arm its deadline timer, check for the end. */
void world_node_done(world *w, uint32_t i);
/* The nodes' sink (node_new's). */
void world_node_sink(void *ctx, int64_t at, const node_out *o);

/* One more (+1) or one fewer (-1) message or attempt of `session` in the world. */
static inline void world_live(world *w, uint64_t session, int delta)
{
    if (session < w->client.n_sessions)
        w->sess_live[session] += (uint32_t)delta;
}

/* world_session.c */
/* Folds the client records of closed sessions nothing can name any more. */
void world_fold_sessions(world *w);
/* Schedules every session's start; all are open and speaking. */
void world_sessions_start(world *w);

#endif
