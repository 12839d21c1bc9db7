/*
 * node.h — a simulated worker node (slots, workers, ASR -> NMT -> TTS, cancel
 * behaviour, faults), as a state machine driven with `now`.
 *
 * The node never sees the event queue. The driver calls an input (start, assign,
 * cancel, advance) with the current time; the node answers through its sink
 * (results, progress, heartbeats, down/up, accounting) and says when it next needs
 * to be called (node_next_deadline). Every input first runs what is due at or
 * before `now` (as node_advance does), then applies itself, then runs what that
 * made due at `now` (a zero-length stage), so after any call the next deadline is
 * later than `now`. `now` must never decrease between calls (asserted).
 *
 * Time is int64 nanoseconds here; the config (config.h) is in seconds.
 *
 * Randomness:
 *   - per attempt: node_assign takes a gsl_rng the driver keyed by (seed, session,
 *     index, attempt, node class) and draws, in this fixed order, whatever the
 *     node's state: ASR, NMT, TTS service times (dist_sample with the audio
 *     length), a uniform for the stall and the stall extra (both only when
 *     0 < stall_prob; the uniform only when stall_prob < 1), a uniform for
 *     no_result (only when 0 < no_result_prob < 1), the cold-start extra. What is
 *     drawn depends on the config and the stream alone, so the same attempt gets
 *     the same service times under every policy.
 *   - faults: crash up times and downtimes come from `fault_rng` (given at
 *     node_new, keyed by (seed, node) by the driver), in crash order.
 *
 * Behaviour, precisely:
 *   - `slots` is only advertised (in the UP output); the scheduler enforces it. A
 *     node accepts any number of assigns; `workers` attempts run at once, the rest
 *     wait in a FIFO queue. An attempt runs ASR, NMT, TTS back to back on one
 *     worker. A stall's extra time is added to the stage cfg->stall_stage
 *     names (ASR by default), a cold start's extra time to the ASR stage.
 *   - cold start: an assign that arrives (and is kept) while the node has been
 *     idle — nothing queued or running — for at least cold_idle_s pays cold_extra.
 *     The node is idle from node_start, from each UP, and from the moment its last
 *     held attempt leaves.
 *   - checks on an assign, in order: node down -> dropped (END REFUSED);
 *     skip_repeat_job_id and job_id equal to the last job_id received -> dropped
 *     (END SKIPPED); drop_stale and attempt below the highest attempt seen for the
 *     same `job` -> dropped (END STALE); supersede -> an older attempt arriving
 *     after a newer one of the same `job` is rejected at once with a failed result
 *     (END SUPERSEDED), and a newer one aborts every older attempt of that `job`
 *     still queued or running here (failed result, END SUPERSEDED). "The same job"
 *     is the stable `job` (it stands for the (session, index) a real assign
 *     carries), so it works whether or not failover changes the wire job_id.
 *     The last-job_id memory is updated by every assign that passes the down
 *     check. drop_stale remembers the highest attempt of the last
 *     NODE_SEEN_MAX distinct jobs (direct-mapped by job; an older entry may be
 *     forgotten). Crash restarts the agent: both memories are cleared.
 *   - on_cancel: IGNORE does nothing. ABORT_BY_JOB_ID is the reference agent's
 *     one abort handle per wire job_id (node_jobs.c): a kept assign's ASR request
 *     starts at once (queued or not) and takes its job_id's handle, overwriting
 *     an earlier attempt's; at each stage end the handle is deleted, whoever set
 *     it, and the attempt's next stage request (NMT, TTS) takes it again; an
 *     aborted or crashed attempt's request deletes it too. A cancel aborts the
 *     attempt holding its job_id's handle, if any, and deletes the handle; any
 *     other attempt of that job_id goes on and reports its result. So with one
 *     attempt of a job_id on the node the cancel always finds it; with two, it
 *     finds the one whose stage request started last, or none when the other's
 *     stage end deleted the handle (as the reference finds none for an attempt
 *     between two stage requests). ABORT_ATTEMPT aborts only the attempt whose
 *     (job_id, attempt) matches; a cancel that carries no attempt (attempt 0)
 *     then aborts every attempt of that job_id, queued ones first (FIFO order),
 *     then running ones (worker order). An aborted queued attempt leaves the
 *     queue at once and sends success=false (busy 0).
 *     cancel_between_stages (both abort modes) = true: a running attempt is
 *     aborted at once: its current stage is cut short, its worker takes the next
 *     queued attempt, and it sends success=false now. false: the running attempt
 *     is only marked; its worker finishes the current stage (busy), and at that
 *     stage boundary — including the end of TTS — the attempt stops and sends
 *     success=false instead of going on (no PROGRESS for that stage). A cancel
 *     aimed at no attempt on the node does nothing.
 *   - a finished attempt sends RESULT success=true, unless its no_result draw hits
 *     (then nothing is sent; END NO_RESULT).
 *   - progress: if enabled, each finished stage (0 ASR, 1 NMT, 2 TTS) sends
 *     PROGRESS before the next stage starts (TTS progress comes just before the
 *     RESULT).
 *   - heartbeat: while up, every heartbeat_s; the first comes heartbeat_s x
 *     (1 - phase) after node_start (heartbeat_phase random; `phase` is the
 *     driver's keyed draw per node) or heartbeat_s after it (aligned), and
 *     heartbeat_s after each UP of a recovery (the agent's timer starts when it
 *     connects: node-agent.ts startHeartbeat, 98e3526). current_jobs is, with
 *     heartbeat_count job_ids (the reference agent, node_jobs.c), the number of
 *     distinct wire job_ids in a set: an id enters when an assign is kept
 *     (queued or started; a dropped one never enters), and leaves when any
 *     attempt of that id finishes ASR, when any attempt of that id leaves the
 *     node (done, aborted, superseded, no_result, crashed), or when a job_cancel
 *     for it arrives while the node is up, whatever on_cancel then does. Two
 *     attempts of one id count once, and the first of them to pass ASR or end
 *     removes the id for both. With heartbeat_count attempts (dsim before):
 *     queued + running attempts, cancelled-but-running and stale ones included.
 *   - crash (if enabled): after an up time ~ crash_between the node crashes:
 *     every running (worker order) then queued (FIFO) attempt is lost without a
 *     result (END CRASHED, busy so far), then the node sends DOWN, drops every assign and cancel while down, and
 *     after a downtime ~ crash_downtime sends UP (with its slots) and draws its
 *     next up time.
 *   - events due at the same time run in this order: worker stage ends (worker
 *     index order), crash or recovery, heartbeat.
 *
 * Accounting: every assign the node receives ends in exactly one END output
 * (after its RESULT, if any), with the worker time it consumed on this node
 * (busy_ns) and how it ended. A driver computes wasted node time from them.
 *
 * Memory is bounded by work in flight: attempt records come from a free list that
 * grows only to the peak number of attempts held at once.
 */
#ifndef DSIM_NODE_H
#define DSIM_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "config.h"

#define NODE_NEVER INT64_MAX
#define NODE_SEEN_MAX 256     /* drop_stale: jobs whose highest attempt is remembered */
#define NODE_WORKERS_MAX 1024 /* bound on cfg->workers */

typedef struct node node;

/* An assign as the node receives it. */
typedef struct node_job {
    uint64_t job_id;  /* wire job id */
    uint64_t job;     /* stable job id (one per session utterance) */
    uint32_t attempt; /* attempt_id, echoed back */
    uint64_t session;
    uint32_t index; /* utterance_index */
    int64_t audio;  /* audio length, ns */
} node_job;

typedef enum {
    NODE_OUT_RESULT,    /* job_result {job_id, attempt, success} to the scheduler */
    NODE_OUT_PROGRESS,  /* stage `stage` of {job_id, attempt} finished */
    NODE_OUT_HEARTBEAT, /* current_jobs */
    NODE_OUT_DOWN,      /* the node went offline (crash) */
    NODE_OUT_UP,        /* the node is online with `slots` (node_start, recovery) */
    NODE_OUT_END        /* accounting: an attempt left the node (see node_end) */
} node_out_kind;

/* How an attempt left the node (NODE_OUT_END). */
typedef enum {
    NODE_END_DONE,       /* finished, RESULT success=true sent */
    NODE_END_NO_RESULT,  /* finished, nothing sent (no_result fault) */
    NODE_END_ABORTED,    /* aborted by a cancel, RESULT success=false sent */
    NODE_END_SUPERSEDED, /* aborted by a newer attempt, RESULT success=false sent */
    NODE_END_CRASHED,    /* lost in a crash, nothing sent */
    NODE_END_REFUSED,    /* assign arrived while the node was down, nothing sent */
    NODE_END_SKIPPED,    /* skip_repeat_job_id dropped it, nothing sent */
    NODE_END_STALE       /* drop_stale dropped it, nothing sent */
} node_end;

/* One output. Fields not meaningful for a kind are zero. */
typedef struct node_out {
    node_out_kind kind;
    uint32_t node;    /* the node's id */
    uint64_t job_id;  /* RESULT, PROGRESS, END */
    uint64_t job;     /* RESULT, PROGRESS, END: stable job id from the assign */
    uint32_t attempt; /* RESULT, PROGRESS, END */
    uint64_t session; /* RESULT, PROGRESS, END */
    uint32_t index;   /* RESULT, PROGRESS, END */
    bool success;     /* RESULT */
    int stage;        /* PROGRESS: 0 ASR, 1 NMT, 2 TTS */
    int current_jobs; /* HEARTBEAT */
    int slots;        /* UP */
    int64_t busy_ns;  /* RESULT, END: worker time this attempt used on this node */
    node_end end;     /* END */
    /* END, for timelines: whether it took a worker, which one and when; the
     * service time drawn per stage (stall included), the stall's part of it,
     * the cold-start extra paid before ASR (0 when none). */
    bool ran;
    int worker;
    int64_t started;
    int64_t stage_ns[STAGE_COUNT];
    int64_t stall_ns, cold_ns;
    int stall_stage; /* END: the stage stall_ns is part of (cfg->stall_stage) */
} node_out;

/* The sink: called synchronously, with the time the output happens at (the time
 * of the due event, <= the `now` of the call that runs it). */
typedef void (*node_sink_fn)(void *ctx, int64_t at, const node_out *out);

/* Counters for tests and metrics. */
typedef struct node_stats {
    uint64_t assigns; /* assigns received */
    uint64_t results; /* RESULT outputs */
    uint64_t crashes;
    int64_t busy_ns;    /* total worker time used */
    int peak_in_flight; /* most attempts held at once (queued + running) */
    int records;        /* attempt records allocated (memory follows work in flight) */
} node_stats;

/*
 * Creates node `id` of class `cls` from `cfg` (copied, dists deep-copied), down
 * until node_start. `fault_rng` is borrowed (must outlive the node; may be NULL
 * when cfg->crash is false). Returns NULL when cfg is unusable (workers outside
 * 1..NODE_WORKERS_MAX, slots < 1, heartbeat_s <= 0 ...). Out of memory aborts.
 */
node *node_new(const node_config *cfg, uint32_t id, uint32_t cls, gsl_rng *fault_rng,
               node_sink_fn sink, void *ctx);

/* Frees the node and everything it owns (not fault_rng). NULL is a no-op. */
void node_free(node *n);

/* Brings the node online at `now`: sends UP, arms heartbeat and crash timers.
 * `phase` in [0, 1) places the first heartbeat (see heartbeat above); the
 * driver draws it per node from a stream that no policy changes. Called once. */
void node_start(node *n, int64_t now, double phase);

/*
 * An assign arrives. Draws the attempt's times from `r` (see the header comment),
 * then applies the checks and queues or starts the attempt. `r` is only used
 * during the call.
 */
void node_assign(node *n, int64_t now, const node_job *job, gsl_rng *r);

/* A cancel arrives for wire `job_id`; `attempt` is 0 when the cancel carries none. */
void node_cancel(node *n, int64_t now, uint64_t job_id, uint32_t attempt);

/* Runs everything due at or before `now`. */
void node_advance(node *n, int64_t now);

/* The earliest time node_advance has something to do, or NODE_NEVER. */
int64_t node_next_deadline(const node *n);

/* Attempts held (queued + running, cancelled-but-running included). */
int node_in_flight(const node *n);
/* What a heartbeat sent now would report as current_jobs. */
int node_current_jobs(const node *n);
/* The worker time the attempts running now have used so far (now minus each
 * one's start on its worker): the busy_ns their END would carry if they ended
 * at `now` (queued attempts have used none). For a driver that stops with
 * attempts still on the node. */
int64_t node_busy_running(const node *n, int64_t now);
bool node_is_up(const node *n);
uint32_t node_id(const node *n);
int node_slots(const node *n);
void node_get_stats(const node *n, node_stats *out);

#endif
