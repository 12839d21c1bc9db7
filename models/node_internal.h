/*
 * node_internal.h — the node's body, shared by node.c (clock, workers, faults)
 * and node_input.c (assign, cancel). Not for use outside models/node*.c.
 */
#ifndef DSIM_NODE_INTERNAL_H
#define DSIM_NODE_INTERNAL_H

#include "node.h"

typedef struct node_attempt {
    struct node_attempt *prev, *next; /* queue links; `next` also links the free list */
    node_job job;
    int64_t stage_ns[STAGE_COUNT]; /* service time per stage (stall/cold in ASR) */
    int64_t cold_ns;               /* cold-start extra, paid if `cold` */
    bool cold;
    bool no_result;
    bool marked;       /* to abort at the next stage boundary */
    node_end mark_end; /* ABORTED or SUPERSEDED, for a marked attempt */
    int stage;         /* running: current stage */
    int64_t started;   /* running: when it took its worker */
    bool ran;          /* took a worker (`worker`, at `started`) */
    int worker;
    int64_t stall_ns;  /* the stall extra in stage_ns[cfg.stall_stage], or 0 */
    bool kept;         /* queued or started (not dropped on arrival) */
    bool in_set;       /* holds its job_id's entry in the agent's job set */
    /* the job set's list (node_jobs.c), when in_set */
    struct node_attempt *set_prev, *set_next;
    bool holds_ctl;    /* holds its job_id's abort handle (node_jobs.c) */
    struct node_attempt *ctl_prev, *ctl_next; /* the handles' list, when holds_ctl */
} node_attempt;

typedef struct node_seen {
    uint64_t job;
    uint32_t attempt; /* highest seen; 0 = empty entry */
} node_seen;

struct node {
    node_config cfg;
    uint32_t id, cls;
    gsl_rng *fault_rng;
    node_sink_fn sink;
    void *ctx;

    int64_t now;
    int64_t hb_ns;
    /* The per-attempt times that are the same for every attempt (dist_fixed:
     * a const without per_audio_s), in ns, or -1 for those drawn per attempt. */
    int64_t stage_fixed_ns[STAGE_COUNT];
    int64_t stall_fixed_ns, cold_fixed_ns;
    int64_t cold_idle_ns; /* cfg.cold_idle_s */
    bool started, up;
    bool have_last; /* last_job_id holds the last job_id received */

    node_attempt **worker; /* [cfg.workers], NULL = free */
    int64_t *stage_end;    /* [cfg.workers], written through node__stage_end_set */
    int64_t work_at;       /* the earliest stage_end (NODE_NEVER when none runs) */
    int work_w;            /* the lowest worker whose stage ends at work_at, or -1 */
    int set_size;          /* entries of the job set (set_head; here to pack the struct) */
    node_attempt *q_head, *q_tail;
    int queued, running;
    node_attempt *free_list;

    int64_t hb_at;    /* next heartbeat, NODE_NEVER when down */
    int64_t fault_at; /* next crash (up) or recovery (down), NODE_NEVER if no crash */
    int64_t timer_at; /* the earlier of hb_at and fault_at (node__timers_set) */
    int64_t idle_since;

    /* The agent's currentJobs (node_jobs.c): one entry per distinct wire job_id,
     * held by one attempt of that id (in_set), listed from set_head. */
    node_attempt *set_head;
    /* The agent's jobAbortControllers (node_jobs.c), kept under on_cancel
     * abort_by_job_id only: one handle per wire job_id, held by the attempt
     * whose stage request set it last (holds_ctl), listed from ctl_head. */
    node_attempt *ctl_head;

    uint64_t last_job_id;
    node_seen *seen; /* [NODE_SEEN_MAX] when drop_stale */

    node_stats stats;
};

/* Outputs about one attempt. */
void node__result(node *n, int64_t at, const node_attempt *a, bool ok, int64_t busy);
void node__end(node *n, int64_t at, const node_attempt *a, node_end end, int64_t busy);
/* Attempt records: get a zeroed one / return one to the free list. */
node_attempt *node__attempt_get(node *n);
void node__attempt_put(node *n, node_attempt *a);
/* Queue at the tail; start on free worker w at `at` (ASR, plus cold extra). */
void node__queue_push(node *n, node_attempt *a);
void node__start_on(node *n, int w, int64_t at, node_attempt *a);
/* Aborts: a queued attempt at once; the attempt on worker w per
 * cancel_between_stages. Both send success=false and END `end`. */
void node__abort_queued(node *n, int64_t at, node_attempt *a, node_end end);
void node__abort_worker(node *n, int w, int64_t at, node_end end);
/* The agent's job set (node_jobs.c). _enter: a kept attempt arrives (its job_id
 * enters unless already there). _forget: job_id leaves (ASR done, job_cancel).
 * _leave: attempt a ended, so its job_id leaves, whichever attempt entered it.
 * _current_jobs: what a heartbeat reports under cfg.heartbeat_count. */
void node__jobs_enter(node *n, node_attempt *a);
void node__jobs_forget(node *n, uint64_t job_id);
void node__jobs_leave(node *n, node_attempt *a);
int node__current_jobs(const node *n);
/* The agent's abort handles (node_jobs.c; no-ops unless on_cancel is
 * abort_by_job_id). _set: a stage request of `a` starts (an assign that is
 * kept: its ASR; the start of NMT, TTS): `a` takes its job_id's handle,
 * whoever held it. _end: a request of `a` ended (its stage finished, or the
 * attempt was aborted or lost): its job_id's handle is deleted, whoever set
 * it. _take: job_cancel: the attempt holding job_id's handle, if any, which
 * loses it; NULL when no attempt holds one. */
void node__ctl_set(node *n, node_attempt *a);
void node__ctl_end(node *n, node_attempt *a);
node_attempt *node__ctl_take(node *n, uint64_t job_id);
/* Runs every event due at or before `now`. */
void node__run_due(node *n, int64_t now);

#endif
