/*
 * config.h — configuration of the simulated world, as plain structs.
 *
 * The scenario loader in sim/ fills these; models/ reads them. No JSON here.
 * Durations in these config structs are seconds (double), as in scenario files;
 * models convert to nanoseconds at their boundary.
 */
#ifndef DSIM_CONFIG_H
#define DSIM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "dist.h"
#include "trace.h"

enum { STAGE_ASR, STAGE_NMT, STAGE_TTS, STAGE_COUNT };

typedef enum {
    NODE_CANCEL_IGNORE,          /* queued / running work goes on, its result is sent */
    NODE_CANCEL_ABORT_BY_JOB_ID, /* reference: the attempt holding that job_id's one abort
                                    handle (its stage request started last) is aborted and
                                    sends success=false (node.h) */
    NODE_CANCEL_ABORT_ATTEMPT    /* only the named attempt is aborted */
} node_cancel_mode;

typedef enum {
    NODE_ATTEMPT_NONE,      /* reference: attempt ids are only echoed */
    NODE_ATTEMPT_SUPERSEDE, /* a newer attempt of a job cancels the older one here */
    NODE_ATTEMPT_DROP_STALE /* an assign older than one already seen is ignored */
} node_attempt_mode;

/* What a heartbeat's current_jobs counts (node.h states the rules exactly). */
typedef enum {
    NODE_HB_JOB_IDS, /* reference agent: distinct wire job_ids, from arrival to end of ASR,
                        end of the attempt or job_cancel (inference-service.ts) */
    NODE_HB_ATTEMPTS /* dsim before: every queued or running attempt, all three stages,
                        stale and cancelled ones included */
} node_hb_count;

/* When a node's first heartbeat comes after it starts. */
typedef enum {
    NODE_HB_PHASE_RANDOM, /* reference: each node's timer starts when it registers, so its
                             phase is a keyed draw per node, uniform in (0, heartbeat_s] */
    NODE_HB_PHASE_ALIGNED /* dsim before: heartbeat_s after start, every node in phase */
} node_hb_phase;

/* How the scheduler notices a crashed node (the world, not the node, applies it:
 * sim/world/world_node.c; the rule's constants are in sim/scenario/scenario.h). */
typedef enum {
    NODE_CRASH_HEARTBEAT_TIMEOUT, /* reference (Phase 1): at the first status scan, every
                                     30 s from time 0, more than 45 s after the last
                                     heartbeat (or registration) the scheduler received */
    NODE_CRASH_SOCKET_CLOSE       /* the agent died, its OS closed the socket: at once, as
                                     the close arrives (connection.rs on close) */
} node_crash_notice;

typedef struct node_config {
    char name[64];
    int count;                 /* identical nodes of this class */
    int slots;                 /* advertised max concurrent jobs */
    int workers;               /* jobs really processed at once; the rest queue (FIFO) */
    dist stage[STAGE_COUNT];   /* service time per stage (per_audio_s applies) */
    node_cancel_mode on_cancel;
    bool cancel_between_stages; /* true: an abort stops a running job at once; false:
                                   at the end of its current stage (node.h) */
    node_attempt_mode attempt_check;
    bool skip_repeat_job_id;   /* 12-31 node: drop an assign equal to the last job_id */
    bool progress;             /* report each finished stage */
    double heartbeat_s;        /* heartbeat period (15) */
    node_hb_count heartbeat_count; /* what current_jobs counts (job_ids) */
    node_hb_phase heartbeat_phase; /* first heartbeat after start (random) */
    /* faults */
    double stall_prob;         /* per attempt */
    dist stall_extra;          /* extra seconds added to a stalled attempt */
    int stall_stage;           /* the stage that stalls: STAGE_ASR (default), _NMT, _TTS */
    bool crash;                /* crash fault enabled */
    dist crash_between;        /* up time between crashes */
    dist crash_downtime;       /* down time */
    node_crash_notice crash_notice; /* how the scheduler notices a crash (heartbeat_timeout) */
    bool cold_start;
    double cold_idle_s;        /* idle at least this long -> next job pays cold_extra */
    dist cold_extra;
    double no_result_prob;     /* a finished attempt sends nothing */
} node_config;

typedef struct net_config {
    dist to_node_delay;   /* scheduler -> node */
    dist to_sched_delay;  /* node -> scheduler */
    double to_node_loss;  /* probability a message is lost */
    double to_sched_loss;
    bool fifo;            /* links keep order: a message never overtakes an earlier
                             one on its directed link (net_link_arrival; default) */
    dist client_delay;    /* scheduler -> client, per message (default const 0) */
} net_config;

typedef struct wl_config {
    int sessions;
    dist session_start;   /* when each session starts */
    int utterances_per_session;
    dist gap;             /* silence between utterances */
    dist audio;           /* utterance audio length */
    double linger_s;      /* a session closes this long after its last utterance;
                             WL_LINGER_UNTIL_DRAINED (the default, the scenario says
                             nothing): it stays open until the run drains */
    struct wl_trace *trace; /* owned; NULL: sessions and utterances are drawn as above.
                               Else they are replayed (trace.h): sessions and
                               utterances_per_session then hold the trace's session
                               count and its longest session, audio is drawn only
                               where the trace does not know it */
} wl_config;

/* linger_s of a scenario that gives none: no close time of its own (sim/world/world.c
 * closes such sessions when the run has drained, or at its end). */
#define WL_LINGER_UNTIL_DRAINED (-1.0)

/*
 * _init fills the defaults of a scenario (node: count 1, slots 4, workers 1,
 * stages const 0, heartbeat 15 s counting job_ids at a random phase, on_cancel
 * ignore, attempt_check none, cancel_between_stages true, no faults; network:
 * delays const 0, loss 0, FIFO links, client hop const 0;
 * workload: 1 session at 0, 1 utterance, gap/audio const 0, no linger: sessions
 * open until the run drains).
 * _free frees the dists the struct owns (safe after _init, safe twice).
 * _copy deep-copies src into dst (dst is overwritten, not freed first).
 */
void node_config_init(node_config *c);
void node_config_free(node_config *c);
void node_config_copy(node_config *dst, const node_config *src);
void net_config_init(net_config *c);
void net_config_free(net_config *c);
void net_config_copy(net_config *dst, const net_config *src);
void wl_config_init(wl_config *c);
void wl_config_free(wl_config *c);
void wl_config_copy(wl_config *dst, const wl_config *src);

#endif
