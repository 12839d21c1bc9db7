/*
 * simworld.h — one replication of one policy: the simulated world (nodes,
 * network, sessions, client) and the real core, wired together on the engine.
 *
 * The world room's: sim_run_one() is the public entry (run.h). The world itself
 * is world.c, world_net.c, world_node.c and world_session.c (their shared state:
 * internal/world_internal.h); world_client.c is what the client saw (deliveries,
 * errors, loss causes, latencies -> metrics), world_log.c the JSON-lines log and
 * trace writers.
 */
#ifndef DSIM_SIMWORLD_H
#define DSIM_SIMWORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dispatcher.h"
#include "metrics.h"

/* Why an utterance was lost; a higher value wins when several apply (the
 * strongest evidence of what happened to its result). */
typedef enum {
    CAUSE_UNFINISHED = 0,   /* nothing recorded (run ended first) */
    CAUSE_FAILOVER_EXHAUSTED,
    CAUSE_NO_NODE,
    CAUSE_NO_RESULT,
    CAUSE_NETWORK,
    CAUSE_NODE_CRASH,       /* lost in a crash, or sent to a node that was down */
    CAUSE_PROCESSING_ERROR,
    CAUSE_FENCED,
    CAUSE_SESSION_CLOSED,   /* the result came after the client left */
    CAUSE_DEDUP_DROP,
    CAUSE_ACK_DISCARD
} sim_loss_cause;

/* What the client knows of one utterance: 4 bytes, one per utterance of the run
 * (its time is in sim_client.ns, 8 bytes more). */
typedef struct sim_utt_state {
    uint16_t copies;  /* deliveries received */
    uint8_t cause;    /* sim_loss_cause */
    uint8_t seen;     /* the utterance has ended (its job exists) */
} sim_utt_state;

typedef struct sim_session_state {
    int64_t start;
    int32_t max_delivered; /* highest index delivered so far, -1 none */
} sim_session_state;

/* The client: records, then turns them into metrics. Times are integer
 * nanoseconds until the statistics: no rounding, no saturation. */
typedef struct sim_client {
    uint32_t n_sessions, per_session;
    sim_utt_state *utt;            /* n_sessions x per_session */
    sim_session_state *sessions;
    /* One slot per utterance: its end time (simulated ns) until its first
     * delivery, then that delivery's latency (ns, >= 0). sim_client_metrics packs
     * the latencies of delivered utterances into ns[0..n_latency). */
    int64_t *ns;
    size_t n_latency;
    bool packed;            /* ns holds only latencies: no more records */
    uint64_t out_of_order, errors;
    double useful_busy_ns;  /* node time of attempts that made a first delivery */
} sim_client;

void sim_client_init(sim_client *c, uint32_t n_sessions, uint32_t per_session);
void sim_client_free(sim_client *c);
sim_utt_state *sim_client_utt(sim_client *c, uint64_t session, uint32_t index);
void sim_client_utterance_ended(sim_client *c, uint64_t session, uint32_t index, int64_t end);
/* Records a delivery; returns true when it is the utterance's first. */
bool sim_client_deliver(sim_client *c, int64_t now, uint64_t session, uint32_t index);
void sim_client_cause(sim_client *c, uint64_t session, uint32_t index, sim_loss_cause cause);
/* Fills the client-side metrics of v (counts, losses by cause, latencies: NaN
 * when nothing was delivered). Call once, after the run: it packs c->ns. */
void sim_client_metrics(sim_client *c, double v[SIM_M_COUNT]);
/* Writes "policy,rep,latency_s" for every first delivery, ascending, the latency
 * in exact decimal seconds from its nanoseconds ("1.950000000"). After
 * sim_client_metrics. */
void sim_client_write_latencies(sim_client *c, FILE *f, const char *policy, int rep);

/* Log and trace lines (JSON lines, simulated seconds). */
/*
 * The number a log or trace line shows for a job, printed "job-%08X": the
 * reference's job ids are "job-" + 8 upper-case hex digits (the first 8 of a
 * UUID: core/dispatcher.rs create_job at 98e3526). dsim's are 1 + the
 * utterance's number in the run (session x per_session + index), plus
 * utterances x attempt for a per-attempt wire id (failover new_job_id: job_id =
 * job + attempt), so an utterance shows the same id under every policy and in
 * every output. Taken mod 2^32: past 2^32 - 1 ids they repeat, as the
 * reference's random ones can collide. 0 is no job (job_id 0: heartbeats).
 */
uint32_t sim_job_label(uint64_t job_id, uint64_t job, uint64_t session, uint32_t index,
                       uint32_t per_session, uint64_t utterances);

void sim_log_cmd(FILE *f, const char *policy, int rep, const disp_cmd *cmd, uint32_t job_label);
void sim_trace_msg(FILE *f, const char *policy, int rep, int64_t t, const char *msg,
                   uint32_t node, uint32_t job_label, uint32_t attempt, uint64_t session,
                   uint32_t index, bool lost);

/* The same records in the reference scheduler's own log format (log_lingua.c,
 * `--log-format lingua`): tracing-subscriber JSON lines, one writer per run. */
typedef struct sim_lingua_log sim_lingua_log;
/* Every line's threadId: the reference's tokio worker is not modelled. */
#define SIM_LINGUA_THREAD_ID 1
/* A writer to f for run number `run` (policy x replications + replication) of a
 * policy made from `preset` (NULL or unknown: 98e3526's lines), timestamps at
 * epoch_s + simulated time. p is borrowed for the writer's life. Returns NULL
 * when run >= 4096 (ids would repeat in the file). Free with sim_lingua_free. */
sim_lingua_log *sim_lingua_new(FILE *f, const char *preset, const disp_policy *p, uint32_t run,
                               int64_t epoch_s);
void sim_lingua_cmd(sim_lingua_log *l, const disp_cmd *cmd);
/* Lines the world writes, not the core: an utterance finalized (its job is
 * created next; audio as pcm16 bytes), a node registered, a heartbeat received
 * (the raw node message with running_jobs). */
void sim_lingua_utterance(sim_lingua_log *l, int64_t now, uint64_t session, uint32_t index,
                          int64_t audio_ns);
void sim_lingua_node_up(sim_lingua_log *l, int64_t now, uint32_t node);
void sim_lingua_heartbeat(sim_lingua_log *l, int64_t now, uint32_t node, uint32_t current_jobs);
/* True once a run had more than 2^20 jobs or sessions: ids may repeat. */
bool sim_lingua_overflow(const sim_lingua_log *l);
void sim_lingua_free(sim_lingua_log *l);

#endif
