/*
 * dispatcher.h — dsim's real dispatcher core: a sans-IO job scheduler.
 *
 * The core owns the job lifecycle of a speech-translation scheduler (create,
 * dispatch, time out, cancel, fail over, accept results, order them per session,
 * deliver). It reads no clock, opens no socket or file, and holds no globals:
 * every input is a function call that carries `now`, every output is a command
 * handed to the driver's sink, and the driver asks disp_next_deadline() when to
 * call disp_advance() next. dsim's simulator is one driver; a production event
 * loop is another (see dispatcher/README.md).
 *
 * Ownership: disp_new() / disp_create() return a handle the caller frees with
 * disp_free(). Commands passed to the sink are borrowed for the duration of the
 * call only. Memory comes from the allocator given at creation (libc's by
 * default); the core writes nothing to stderr and never aborts on an input.
 *
 * Re-entrancy and threads: the core never calls the sink re-entrantly. A sink
 * that calls an input of the same handle gets DISP_EBUSY (nothing is done); it
 * may call the read-only functions (disp_next_deadline, disp_get_stats,
 * disp_node_load); a disp_free from the sink is refused too: it does nothing
 * (free the handle after the input returns). The core holds no globals and
 * takes no locks: one handle belongs to one thread at a time (move it between
 * threads with the driver's own synchronisation); different handles may be used
 * from different threads at once. Policies are copied at creation, so one
 * disp_policy may be shared. The preset names and the static strings returned
 * (disp_log_name, disp_err_name, disp_strerror, disp_version,
 * disp_policy_check) are immutable and may be shared by every thread.
 *
 * Installed as <dsim/dispatcher.h> (library dsim-dispatcher: pkg-config
 * dsim-dispatcher, CMake find_package(dsim CONFIG) -> dsim::dispatcher).
 */
#ifndef DSIM_DISPATCHER_H
#define DSIM_DISPATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatcher_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a function whose result must be checked: ignoring it is a compiler
 * warning (GCC and Clang; nothing elsewhere). Every int input of the core
 * carries it, because a refused input leaves the core's state unchanged and a
 * driver that does not look goes on with a world the core never saw. */
#if defined(__GNUC__) || defined(__clang__)
#define DISP_NODISCARD __attribute__((warn_unused_result))
#else
#define DISP_NODISCARD
#endif

/* Time is integer nanoseconds on the driver's clock. */
typedef int64_t disp_time;
#define DISP_NS_PER_MS INT64_C(1000000)
#define DISP_NS_PER_S INT64_C(1000000000)
#define DISP_NEVER INT64_MAX
/* No duration knob of a policy may exceed one day (disp_policy_check). */
#define DISP_DURATION_MAX (INT64_C(86400) * DISP_NS_PER_S)

typedef struct disp disp;

/* ------------------------------------------------------------------------ */
/* Policy                                                                    */
/* ------------------------------------------------------------------------ */

/* What a dispatch timeout does to the job. */
typedef enum {
    DISP_FAILOVER_SAME_JOB_ID,   /* reference: re-dispatch with the same job_id, attempt+1 */
    DISP_FAILOVER_NEW_JOB_ID,    /* a fresh job_id per attempt; (session, index) ties them */
    DISP_FAILOVER_EXTEND_IF_BUSY /* extend the deadline if the node reported progress on
                                    this attempt within the last timeout period */
} disp_failover_mode;

/* Which results of a job are accepted and passed on to the result queue. */
typedef enum {
    DISP_ACCEPT_ALL,              /* reference: every successful result is queued */
    DISP_ACCEPT_CURRENT_ATTEMPT,  /* fencing: results of superseded attempts dropped */
    DISP_ACCEPT_FIRST_RESULT_WINS /* first success from any attempt completes the job */
} disp_accept_mode;

/* The per-session result queue between accepted results and the client. */
typedef enum {
    DISP_QUEUE_REFERENCE, /* the reference queue, quirks included */
    DISP_QUEUE_ORDERED,   /* hold later indices; skip a gap after ack_timeout; never
                             move back, never release an index twice */
    DISP_QUEUE_IMMEDIATE  /* deliver on arrival */
} disp_queue_mode;

/* What happens to a job that finds no node with a free slot. */
typedef enum {
    DISP_PENDING_FAIL, /* reference: stays Pending, never dispatched, fails at pending_timeout */
    DISP_PENDING_QUEUE /* FIFO; dispatched when a slot frees; pending_timeout bounds the wait
                          (0 = no bound) */
} disp_pending_mode;

/* What a node's load is, for the slot check and the least-loaded choice. */
typedef enum {
    DISP_LOAD_HEARTBEAT, /* the reference's Phase 1 path (the presets' default): max(current_jobs
                            of its last heartbeat, reserved), a reservation counted at once
                            (node_registry/selection.rs, reserved.rs, 98e3526) */
    DISP_LOAD_RESERVED,  /* the slots the core reserved; heartbeats are not used for load */
    DISP_LOAD_SNAPSHOT   /* the reference as shipped, Phase 2 (config.toml [scheduler.phase2]
                            enabled = true at 98e3526, af7c4a9, 467aee4): the choice (the slot
                            check and least-loaded order) sees current_jobs only, set to a
                            heartbeat's running_jobs when it arrives and, at every multiple of
                            node_snapshot_refresh, to max(that heartbeat's figure, the
                            reservations held then) (phase2/runtime_snapshot.rs); reservations
                            made between two ticks are not seen. The reservation on the chosen
                            node is denied when max(current_jobs, reservations held now) >=
                            slots (the Redis Lua, phase2/redis_handle.rs): a denied first
                            dispatch goes Pending as one that found no node
                            (core/dispatcher.rs), a denied failover fails the job as one that
                            found no node (timeout/job_timeout.rs); both are logged so
                            (job_pending / failover_no_node: the reference writes no line of
                            its own) */
} disp_load_mode;

typedef enum {
    DISP_TIMEOUT_FIXED,   /* dispatch_timeout */
    DISP_TIMEOUT_RFC6298, /* SRTT + K*RTTVAR per node class, Karn's rule, backoff x2 */
    DISP_TIMEOUT_QUANTILE /* q-quantile of recent durations x factor */
} disp_timeout_mode;

typedef enum {
    DISP_LIVENESS_NONE,      /* the dispatch timeout alone decides */
    DISP_LIVENESS_HEARTBEAT, /* fail over only after `silence` without progress */
    DISP_LIVENESS_PHI        /* phi-accrual detector on progress inter-arrivals */
} disp_liveness_mode;

typedef enum {
    DISP_JITTER_NONE,
    DISP_JITTER_FULL,
    DISP_JITTER_EQUAL,
    DISP_JITTER_DECORRELATED
} disp_jitter_mode;

/*
 * A policy: every knob of the scheduler. Fill it with disp_policy_preset() and
 * change fields; all durations are nanoseconds.
 */
typedef struct disp_policy {
    size_t size;                     /* sizeof(disp_policy) of the header the caller was
                                        built with: set by disp_policy_preset, checked by
                                        disp_new/disp_create (DISP_EVERSION) */
    disp_time dispatch_timeout;      /* job_timeout_seconds: no result this long -> timeout */
    disp_time scan_interval;         /* timeout scanner period; a timeout fires at the first
                                        multiple of it strictly after the deadline; 0 = exact
                                        per-job deadlines */
    disp_time pending_timeout;       /* a job without a node fails after this (see pending;
                                        queue mode: 0 = wait without bound) */
    int max_failovers;               /* failover_max_attempts: re-dispatches after a timeout */
    bool send_cancel;                /* send job_cancel to the old node on a timeout */
    bool cancel_carries_attempt;     /* job_cancel names the attempt it cancels */
    disp_failover_mode failover;
    disp_accept_mode result_accept;
    disp_queue_mode result_queue;
    disp_time ack_timeout;           /* result-queue gap grace period (reference: discard at
                                        >= ack_timeout; ordered: skip the gap after it) */
    int result_queue_max;            /* pending results per session before eviction (200) */
    disp_time result_check_interval; /* periodic get_ready_results (1 s), at its multiples */
    int result_check_sessions;       /* sessions visited per periodic check (100), round robin
                                        over the sessions whose `expected` is waiting */
    disp_time dedup_ttl;             /* drop a 2nd result for (session, job_id) within; 0 = off */
    disp_pending_mode pending;
    int default_slots;               /* max_concurrent_jobs_per_node when a node says 0 */
    disp_load_mode node_load;        /* a node's load: heartbeat (Phase 1, the presets),
                                        reserved, or snapshot (Phase 2, as shipped) */
    disp_time node_snapshot_refresh; /* node_load snapshot: the refresh period, ticks at its
                                        multiples (2 s: config.toml [scheduler.phase2.
                                        node_snapshot] refresh_interval_ms = 2000, 98e3526);
                                        > 0 and <= 1 day; not read by the other modes */
    disp_time retain;                /* keep a finished job (for late results and the
                                        (session, index) idempotency) this long; 0 = auto:
                                        a job every attempt of which has reported, at
                                        least 5 min and the dedup, ack and pending windows;
                                        one with an attempt still out, also (max_failovers
                                        + 1) x the (largest) dispatch timeout */

    /* Beyond the reference (policies of the shoot-out). */
    /* Durations are observed per node class (disp_node_up's `cls`) from results of
     * jobs never failed over (Karn's rule); estimates need 16 samples, until then
     * the fixed dispatch_timeout is used. */
    struct {
        disp_timeout_mode mode;
        disp_time min, max;  /* clamp of the adaptive deadline; `max` also caps an
                                attempt's life under liveness modes (default 300 s) */
        double k;            /* RFC 6298 K (4); the deadline doubles per failover */
        double q, factor;    /* quantile mode: q-quantile x factor */
        int window;          /* recent durations kept per class (quantile mode and the
                                hedge quantile; 16..65536) */
    } timeout;
    struct {
        disp_liveness_mode mode; /* replaces the dispatch timeout when not NONE */
        disp_time silence;   /* heartbeat: dead after this without progress or result
                                from the attempt's node (also phi's fallback before 4
                                inter-arrival samples) */
        double threshold;    /* phi: fail over when phi exceeds it (8) */
    } liveness;
    struct {
        bool enabled;        /* implies result_accept = first_result_wins */
        disp_time after;     /* fixed hedge delay, or 0 to use after_quantile */
        double after_quantile; /* e.g. 0.95: the class's p95 of observed durations
                                  (half the dispatch timeout until 16 samples) */
        int max_extra;       /* extra attempts per job, to other nodes (1..4) */
        double budget;       /* hedges <= budget x jobs created */
    } hedge;
    struct {
        bool enabled;        /* wait before each failover re-dispatch */
        disp_time base, cap; /* t = min(cap, base x 2^failovers_so_far) */
        disp_jitter_mode jitter; /* none: t; full: U t; equal: t/2 + U t/2;
                                    decorrelated: min(cap, base + U (3 prev - base)) */
    } backoff;
    struct {
        bool enabled;        /* Finagle-style, over a sliding 10 s window: */
        double ratio;        /* re-dispatches+hedges <= ratio x first dispatches ... */
        double min_per_s;    /* ... + min_per_s x 10 s. A refused failover keeps the
                                running attempt one more period and uses up one of
                                max_failovers; a refused hedge is not sent. */
    } retry_budget;

    /* Memory bounds; 0 = the largest the core supports. An input that would
     * pass one is refused with DISP_ELIMIT (state unchanged). */
    uint32_t max_jobs_held;      /* jobs held at once, <= DISP_JOBS_HELD_MAX */
    uint32_t max_session_window; /* indices a session's window spans,
                                    <= DISP_SESSION_WINDOW_MAX */
} disp_policy;

/*
 * Fills *out with the named preset and returns 0, or returns -1 and leaves *out
 * untouched when the name is unknown. Presets: "lingua-2025-12-28",
 * "lingua-2025-12-31", "lingua-2026-01-19" (see reference-scheduler.md).
 */
DISP_NODISCARD int disp_policy_preset(disp_policy *out, const char *name);

/* The preset names, NULL-terminated, for help texts and error messages. */
extern const char *const disp_preset_names[];

/* Returns NULL when the policy is usable, else a static message naming the field. */
const char *disp_policy_check(const disp_policy *p);

/* ------------------------------------------------------------------------ */
/* Commands (outputs)                                                        */
/* ------------------------------------------------------------------------ */

typedef enum {
    DISP_CMD_ASSIGN,  /* send job_assign {job_id, attempt} to node */
    DISP_CMD_CANCEL,  /* send job_cancel {job_id[, attempt]} to node */
    DISP_CMD_DELIVER, /* deliver the translation of (session, index) to the client */
    DISP_CMD_ERROR,   /* send an error for (session, index) to the client */
    DISP_CMD_LOG      /* a structured log record */
} disp_cmd_kind;

typedef enum {
    DISP_ERR_JOB_TIMEOUT,   /* JOB_TIMEOUT: pending timeout, failovers exhausted, no node */
    DISP_ERR_PROCESSING     /* the node reported success=false (e.g. aborted by a cancel) */
} disp_error_code;

/* Stable event names of log records; disp_log_name() gives the string. */
typedef enum {
    DISP_LOG_JOB_CREATED,          /* "job_created" */
    DISP_LOG_JOB_DISPATCHED,       /* "job_dispatched": first dispatch */
    DISP_LOG_JOB_PENDING,          /* "job_pending": no node with a free slot */
    DISP_LOG_PENDING_TIMEOUT,      /* "pending_timeout": Pending job failed */
    DISP_LOG_DISPATCH_TIMEOUT,     /* "dispatch_timeout": "Job dispatched 超时，尝试 cancel + failover" */
    DISP_LOG_FAILOVER_DISPATCHED,  /* "failover_dispatched": "Job failover dispatched" */
    DISP_LOG_FAILOVER_EXHAUSTED,   /* "failover_exhausted": max failovers reached, job Failed */
    DISP_LOG_FAILOVER_NO_NODE,     /* "failover_no_node": no node for the failover, job Failed */
    DISP_LOG_DEADLINE_EXTENDED,    /* "deadline_extended": extend_if_busy / liveness kept it */
    DISP_LOG_RESULT_ACCEPTED,      /* "result_accepted": current result, job Completed */
    DISP_LOG_RESULT_STALE_QUEUED,  /* "result_stale_queued": not current, queued anyway */
    DISP_LOG_RESULT_FENCED,        /* "result_fenced": dropped by result_accept */
    DISP_LOG_RESULT_DUPLICATE,     /* "result_duplicate_filtered": dedup drop */
    DISP_LOG_RESULT_FAILED,        /* "result_failed": success=false */
    DISP_LOG_ACK_DISCARD,          /* "ack_timeout_discard": "Result arrived after
                                      acknowledgment timeout, discarding" */
    DISP_LOG_ACK_SKIP,             /* "ack_timeout_skip": "Pending acknowledgment timeout,
                                      skipping utterance_index" */
    DISP_LOG_QUEUE_EVICT,          /* "result_queue_evict": pending > max, largest evicted */
    DISP_LOG_RESULT_RELEASED,      /* "result_released": handed to the client */
    DISP_LOG_HEDGE_DISPATCHED,     /* "hedge_dispatched" */
    DISP_LOG_BUDGET_REFUSED,       /* "retry_budget_refused" */
    DISP_LOG_BACKOFF_WAIT,         /* "backoff_wait": failover delayed by backoff */
    DISP_LOG_NODE_DOWN,            /* "node_offline" */
    DISP_LOG_RESULT_UNKNOWN,       /* "result_unknown_job": job_id never issued or forgotten */
    DISP_LOG_RESULT_SESSION_CLOSED,/* "result_session_closed": accepted after the session
                                      closed; not delivered (the reference drops it too) */
    DISP_LOG_QUEUE_DUPLICATE,      /* "result_queue_duplicate": ordered queue dropped a copy
                                      of an index it already released or holds */
    DISP_LOG_EVENT_COUNT
} disp_log_event;

const char *disp_log_name(disp_log_event ev);

/*
 * One command. Fields not meaningful for a kind are zero. `job_id` is the id
 * sent to / received from nodes (under DISP_FAILOVER_NEW_JOB_ID it differs per
 * attempt: job_id = job + attempt); `job` is the core's stable id of the
 * utterance's job.
 */
typedef struct disp_cmd {
    disp_cmd_kind kind;
    disp_time now;
    uint32_t node;          /* ASSIGN, CANCEL; LOG where a node is concerned */
    uint64_t job_id;        /* wire job id (LOG before the first dispatch, attempt 0: the
                               id the first dispatch carries) */
    uint64_t job;           /* stable job (one per session utterance) */
    uint32_t attempt;       /* attempt_id: 1 on first dispatch; CANCEL: 0 unless carried */
    uint64_t session;
    uint32_t index;         /* utterance_index */
    disp_time audio;        /* ASSIGN: the utterance's audio length */
    bool hedge;             /* ASSIGN: a hedged extra attempt */
    disp_error_code error;  /* ERROR */
    disp_log_event event;   /* LOG */
    int failover_attempts;  /* LOG */
    int64_t elapsed_ms;     /* LOG: result_accepted, result_stale_queued: since the job's
                               creation (the reference's "Received JobResult"; 0 for a job
                               the core has forgotten); ack_timeout_discard/_skip: since
                               the index's gap clock started (0: a discard of an index the
                               ordered queue never waited for or no longer holds);
                               dispatch_timeout, failover_exhausted/_no_node,
                               deadline_extended, retry_budget_refused: since the
                               primary dispatch; pending_timeout: since it went Pending;
                               result_duplicate_filtered: since the first result;
                               backoff_wait: the delay; others 0 */
    int64_t ack_timeout_ms; /* LOG: ack discard/skip */
} disp_cmd;

typedef void (*disp_sink_fn)(void *ctx, const disp_cmd *cmd);

/* A random source the driver lends for jitter: returns a double in [0, 1). */
typedef double (*disp_uniform_fn)(void *ctx);

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */
/* ------------------------------------------------------------------------ */

/*
 * Creates a dispatcher for `policy` (copied) that emits commands to sink(ctx, cmd).
 * `uniform` may be NULL when the policy uses no jitter. Memory comes from libc.
 * Returns NULL when disp_create() would fail (bad or mismatched policy, no
 * memory); disp_create() says which.
 */
disp *disp_new(const disp_policy *policy, disp_sink_fn sink, void *ctx,
               disp_uniform_fn uniform, void *uniform_ctx);

/* Frees everything the dispatcher owns. NULL is a no-op, and so is a call from
 * the sink (refused, as inputs there are: the handle stays valid). */
void disp_free(disp *d);

/* ------------------------------------------------------------------------ */
/* Inputs. Each takes `now`, which must never decrease between calls.        */
/* Each returns 0, or a negative DISP_E* code when the input was refused     */
/* (unknown node or job, bad argument, a full table, no memory, called from  */
/* the sink); the core's state is then unchanged.                            */
/* ------------------------------------------------------------------------ */

#define DISP_EUNKNOWN (-1) /* unknown node / job / session */
#define DISP_EINVAL (-2)   /* bad argument (time went back, slots < 0, ...) */
#define DISP_ELIMIT (-3)   /* a bounded table is full */
#define DISP_EBUSY (-4)    /* an input called from within the same handle's sink */
#define DISP_ENOMEM (-5)   /* the allocator refused; the core's state is unchanged */
#define DISP_EVERSION (-6) /* a struct's size field does not match this library */

/* Every error code once: XX(code, "name", "message"). disp_err_name and
 * disp_strerror are made from it; a driver may expand it for its own table. */
#define DISP_ERRNO_MAP(XX)                                                      \
    XX(DISP_EUNKNOWN, "DISP_EUNKNOWN", "unknown node, job or session")          \
    XX(DISP_EINVAL, "DISP_EINVAL", "invalid argument")                          \
    XX(DISP_ELIMIT, "DISP_ELIMIT", "a bounded table is full")                   \
    XX(DISP_EBUSY, "DISP_EBUSY", "called from within the dispatcher's own sink") \
    XX(DISP_ENOMEM, "DISP_ENOMEM", "out of memory")                             \
    XX(DISP_EVERSION, "DISP_EVERSION", "struct size does not match the library")

/* The code's name ("DISP_EINVAL"; "DISP_OK" for 0), or "DISP_E?" for a value
 * that is no code. Static strings. */
const char *disp_err_name(int code);
/* A lower-case message for the code ("success" for 0, "unknown error" for a
 * value that is no code). Static strings. */
const char *disp_strerror(int code);

/* The bounded tables (DISP_ELIMIT when one is full). A driver that feeds the
 * core from a configuration checks it against these before it starts. */
#define DISP_SLOTS_MAX 65536                   /* disp_node_up's slots */
#define DISP_JOBS_HELD_MAX (UINT32_C(1) << 22) /* jobs held at once, finished ones included
                                                  (they are kept for the retention) */
#define DISP_SESSIONS_MAX (UINT32_C(1) << 24)  /* sessions open at once */

/* A node registers (or comes back online) with `slots` concurrent jobs
 * (0 = policy default_slots) in node class `cls` (for per-class estimates). */
DISP_NODISCARD int disp_node_up(disp *d, disp_time now, uint32_t node, uint32_t cls, int slots);

/* A node goes offline: it is no longer chosen; its jobs time out as usual. */
DISP_NODISCARD int disp_node_down(disp *d, disp_time now, uint32_t node);

/* A node heartbeat reporting how many jobs it is running (current_jobs). */
DISP_NODISCARD int disp_node_heartbeat(disp *d, disp_time now, uint32_t node, int current_jobs);

/* Utterance indices are 0 .. DISP_INDEX_MAX - 1. */
#define DISP_INDEX_MAX UINT32_MAX
/* A session holds per-index facts (its job, the result queue's wait entries
 * and flags) for a sliding window of indices only: from the oldest index that
 * can still matter (a job still held, a gap the queue still waits on) to the
 * newest. The window spans at most this many indices. */
#define DISP_SESSION_WINDOW_MAX (UINT32_C(1) << 20)

/* An utterance ended: create (idempotently) the job for (session, index) and
 * try to dispatch it. *job_out (may be NULL) receives the stable job id.
 * Returns DISP_EINVAL for index >= DISP_INDEX_MAX, and DISP_ELIMIT when the
 * session's window would span more than DISP_SESSION_WINDOW_MAX indices (an
 * index that far from the oldest one still held; under the ordered queue,
 * also from `expected`, since every index in between is waited for). */
DISP_NODISCARD int disp_utterance(disp *d, disp_time now, uint64_t session, uint32_t index,
                   disp_time audio, uint64_t *job_out);

/*
 * A node's job_result {job_id, attempt_id, node_id, session_id, utterance_index,
 * success} (the reference's message carries all six: job_result.rs at 98e3526).
 * `success` false is a failed result (PROCESSING_ERROR).
 *
 * For a job the core holds, `session` and `index` are not read: the job's own
 * win (a real node echoes them). A job_id the core does not hold — never issued,
 * or a finished job forgotten after the policy's `retain` — is handled as the
 * reference handles a result whose job does not exist ("Received JobResult but
 * Job does not exist, will still add to result queue"): logged
 * "result_unknown_job", then, under result_accept all, a success enters the
 * result queue of the open session `session` at `index` (as a stale result)
 * and a failure sends the client an error for it; under the fencing modes it is
 * fenced (a finished job has no current attempt, and whether it already
 * succeeded is forgotten). The dedup (dedup_ttl) applies first, as for any
 * result.
 *
 * Returns 0 when the result was taken (queued, fenced, dropped by the dedup or
 * the queue). DISP_EUNKNOWN when the job is not held and either the job_id and
 * attempt cannot name a job of this core (attempt 0, another failover mode's
 * id) or no session `session` is open (then a success is logged
 * "result_session_closed" too): nothing else changes. DISP_EINVAL when `index`
 * >= DISP_INDEX_MAX, DISP_ELIMIT when `index` lies too far from the session's
 * window (DISP_SESSION_WINDOW_MAX); nothing changes then either.
 */
DISP_NODISCARD int disp_result(disp *d, disp_time now, uint64_t job_id, uint32_t attempt, uint32_t node,
                               uint64_t session, uint32_t index, bool success);

/* A node reports that `stage` (0 ASR, 1 NMT, 2 TTS) of an attempt finished. */
DISP_NODISCARD int disp_progress(disp *d, disp_time now, uint64_t job_id, uint32_t attempt, uint32_t node,
                  int stage);

/* The session closed: flush its result queue; forget it once nothing can arrive. */
DISP_NODISCARD int disp_session_close(disp *d, disp_time now, uint64_t session);

/* Time passed: run every timer due at or before `now` (scans, timeouts, checks). */
DISP_NODISCARD int disp_advance(disp *d, disp_time now);

/* The earliest time at which disp_advance() has work, or DISP_NEVER. */
disp_time disp_next_deadline(const disp *d);

/* ------------------------------------------------------------------------ */
/* Introspection (tests, metrics)                                            */
/* ------------------------------------------------------------------------ */

typedef struct disp_stats {
    uint64_t jobs_created;
    uint64_t dispatches;       /* job_assign commands */
    uint64_t failovers;        /* re-dispatches after a timeout */
    uint64_t hedges;
    uint64_t budget_refusals;
    uint64_t jobs_in_memory;   /* jobs currently held (not yet forgotten) */
    uint64_t sessions_in_memory;
    uint64_t deliveries;       /* DELIVER commands */
    uint64_t errors;           /* ERROR commands */
    uint64_t timeouts;         /* dispatch timeouts that cancelled/failed over */
    uint64_t pending_timeouts; /* jobs failed at the pending timeout */
    uint64_t extensions;       /* deadlines extended (extend_if_busy) */
    uint64_t dedup_drops;      /* results dropped by the (session, job_id) dedup */
    uint64_t fenced;           /* results dropped by result_accept */
    uint64_t stale_queued;     /* not-current successful results passed to the queue */
    uint64_t ack_discards;     /* results the queue discarded (ack timeout / skipped) */
    uint64_t ack_skips;        /* indices skipped by the queue */
    uint64_t evictions;        /* results evicted beyond result_queue_max */
    uint64_t queue_duplicates; /* copies the ordered queue dropped */
    uint64_t timers;           /* timers currently armed */
    uint64_t session_index_entries; /* per-index entries held in the sessions' windows,
                                       and runs of the reference queue's wait entries
                                       kept outside them (16 bytes each; the
                                       allocation is at most 4x this, 16 window
                                       entries minimum per session) */
} disp_stats;

void disp_get_stats(const disp *d, disp_stats *out);

/* How many jobs the core holds for session id `session`, open or closed, as of its
 * last input: a job is held from its creation until it is forgotten (a finished
 * job after the policy's retention). 0 once every job of the session is
 * forgotten: then, with no attempt of it left on a node or on the wire, nothing
 * the core does can name the session again. */
uint64_t disp_session_jobs(const disp *d, uint64_t session);

/* A node's load as the scheduler's choice sees it: max(current_jobs, reserved), or
 * reserved alone under node_load reserved, or current_jobs alone under node_load
 * snapshot (the last heartbeat's figure or the last refresh's); -1 if unknown. */
int disp_node_load(const disp *d, uint32_t node);

/* ------------------------------------------------------------------------ */
/* Library: version, allocator, creation from a config                      */
/* ------------------------------------------------------------------------ */

/*
 * ABI rule. DISP_VERSION_* (dispatcher_version.h) name the header; disp_version()
 * names the library linked. Within one MAJOR (one MINOR while MAJOR is 0, the
 * shared library's SOVERSION) the ABI only grows: functions, enum values,
 * command kinds, log events and error codes are added, never changed or
 * removed. The structs the caller allocates (disp_policy, disp_config) grow by
 * new fields and carry their size, so a program built against another header
 * gets DISP_EVERSION from disp_create instead of a misread struct. disp_cmd and
 * disp_stats are filled by the core up to their size in this header.
 */
const char *disp_version(void);       /* DISP_VERSION_STRING of the library, e.g. "0.2.0" */
unsigned disp_version_hex(void);      /* DISP_VERSION_HEX of the library */

/*
 * The host's allocator, per dispatcher (no process-wide hook: two handles may use
 * two allocators). All three NULL: libc's malloc/realloc/free. Each gets `ctx`.
 * realloc_fn(ctx, NULL, n) must act as malloc; free_fn(ctx, NULL) must be a no-op.
 * A NULL return is out of memory: the input that needed the memory returns
 * DISP_ENOMEM and the core's state is as before the call. The core never asks
 * for 0 bytes and frees everything it got by disp_free().
 */
typedef struct disp_alloc {
    void *(*malloc_fn)(void *ctx, size_t size);
    void *(*realloc_fn)(void *ctx, void *ptr, size_t size);
    void (*free_fn)(void *ctx, void *ptr);
    void *ctx;
} disp_alloc;

/* Everything disp_create needs. Fill it with disp_config_init, then set fields. */
typedef struct disp_config {
    size_t size;                 /* sizeof(disp_config): set by disp_config_init */
    const disp_policy *policy;   /* copied by disp_create */
    disp_sink_fn sink;           /* may be NULL (commands dropped) */
    void *sink_ctx;
    disp_uniform_fn uniform;     /* NULL unless the policy uses jitter */
    void *uniform_ctx;
    disp_alloc alloc;            /* all NULL: libc */
    uint64_t log_off;            /* LOG events the sink does not want: bit DISP_LOG_BIT(ev)
                                    set means no LOG command of event ev is built or passed
                                    to the sink (0, the default: every event). Changes no
                                    other command, no statistic and no decision. */
} disp_config;

/* The bit of log event ev in disp_config.log_off. */
#define DISP_LOG_BIT(ev) (UINT64_C(1) << (ev))

/* Zeroes *cfg, sets its size and its policy. */
void disp_config_init(disp_config *cfg, const disp_policy *policy);

/*
 * Creates a dispatcher from *cfg into *out. Returns 0, DISP_EVERSION when
 * cfg->size or the policy's size is not this library's, DISP_EINVAL for a policy
 * disp_policy_check refuses (or jitter without `uniform`, or some but not all
 * of the allocator's functions), DISP_ENOMEM when the allocator refused. *out is NULL on error.
 */
DISP_NODISCARD int disp_create(disp **out, const disp_config *cfg);

#ifdef __cplusplus
}
#endif
#endif
