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
#include "latency.h"
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

/* What the client knows of one utterance that still needs a record: ended and
 * not yet delivered, or anything but one delivery sent and received (no error,
 * no duplicate). An utterance that ended and was delivered once, as the core
 * sent it once, has no record: memory follows the work in flight (and the
 * utterances lost, duplicated or answered with an error), not the run. */
typedef struct sim_utt_rec {
    uint64_t key;      /* 1 + the utterance's number (session x per_session + index); 0 free */
    int64_t end;       /* its end (simulated ns), until its first delivery */
    uint16_t copies;   /* deliveries received (saturating) */
    uint16_t delivers, errors; /* what the core sent the client about it (saturating) */
    uint8_t cause;     /* sim_loss_cause */
    uint8_t seen;      /* the utterance has ended (its job exists) */
} sim_utt_rec;

typedef struct sim_session_state {
    int64_t start;
    int32_t max_delivered; /* highest index delivered so far, -1 none */
    uint32_t ended;        /* utterances 0 .. ended - 1 have ended (they end in order) */
    bool folded;           /* its records are folded into counts (sim_client_fold) */
} sim_session_state;

/* The client: records, then turns them into metrics. Times are integer
 * nanoseconds until the statistics: no rounding, no saturation. */
typedef struct sim_client {
    uint32_t n_sessions, per_session;
    sim_session_state *sessions;
    sim_utt_rec *tab;       /* the records, open addressing (linear probing) */
    size_t tab_cap, tab_n;  /* cap a power of two, at most half full */
    sim_lat lat;            /* latency of every first delivery (latency.h) */
    uint64_t delivered, duplicates;
    /* of folded sessions: lost utterances by cause, utterances delivered before they ended */
    uint64_t folded_lost[CAUSE_ACK_DISCARD + 1], folded_unseen;
    uint64_t out_of_order, errors;
    double useful_busy_ns;  /* node time of attempts that made a first delivery */
} sim_client;

/* keep_latencies: every latency is kept for sim_client_write_latencies. */
void sim_client_init(sim_client *c, uint32_t n_sessions, uint32_t per_session,
                     bool keep_latencies);
void sim_client_free(sim_client *c);
/* Utterance `index` of a session ended (each session's in order 0, 1, ...). */
void sim_client_utterance_ended(sim_client *c, uint64_t session, uint32_t index, int64_t end);
/* Records a delivery; returns true when it is the utterance's first. */
bool sim_client_deliver(sim_client *c, int64_t now, uint64_t session, uint32_t index);
void sim_client_cause(sim_client *c, uint64_t session, uint32_t index, sim_loss_cause cause);
/* The loss cause a LOG command of the core gives its utterance (a pending
 * timeout: no_node, an ack discard, ...); other commands and events: none. */
void sim_client_log_cause(sim_client *c, const disp_cmd *cmd);
/* The LOG events (DISP_LOG_BIT of each) sim_client_log_cause reads: a run with
 * no log asks the core for these (and what else it reads itself) only. */
uint64_t sim_client_log_events(void);
/* The core sends the client a delivery (error false) or an error about
 * (session, index): returns how many of that kind it sent before (saturating
 * at UINT16_MAX) and counts this one; -1 when it is no utterance of the run. */
int sim_client_sent(sim_client *c, uint64_t session, uint32_t index, bool error);
/* How many deliveries the core sent about (session, index), -1 as above. */
int sim_client_delivers_sent(const sim_client *c, uint64_t session, uint32_t index);
/* True when (session, index) ended and was never delivered; *cause says why. */
bool sim_client_lost(const sim_client *c, uint32_t session, uint32_t index, uint8_t *cause);
/* Nothing can name `session` again (it closed; none of its jobs, attempts or
 * messages is left): its records become counts, and it takes no more. */
void sim_client_fold(sim_client *c, uint32_t session);
/* Fills the client-side metrics of v (counts, losses by cause, latencies: NaN
 * when nothing was delivered). After the run. */
void sim_client_metrics(sim_client *c, double v[SIM_M_COUNT]);
/* Writes "policy,rep,latency_s" for every first delivery, ascending, the latency
 * in exact decimal seconds from its nanoseconds ("1.950000000"). Needs
 * keep_latencies. Returns 0, or -1 when its temporary file failed (latency.h). */
int sim_client_write_latencies(sim_client *c, FILE *f, const char *policy, int rep);

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
