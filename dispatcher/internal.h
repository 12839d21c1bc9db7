/*
 * internal.h — the dispatcher core's private structures and cross-file helpers.
 *
 * Nothing here is part of the contract; only the .c files of dispatcher/ include it. Names that
 * cross files are `disp__name`. Tables are pools indexed by uint32_t slots so
 * that growing them never invalidates a stored reference (slots, not pointers).
 */
#ifndef DSIM_DISPATCHER_INTERNAL_H
#define DSIM_DISPATCHER_INTERNAL_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatcher.h"

#define DISP__NONE UINT32_MAX
#define DISP__LIVE_MAX 5            /* attempts of one job holding a slot: 1 + 4 hedges */
#define DISP__HEDGE_MAX (DISP__LIVE_MAX - 1)
#define DISP__ATTEMPT_BITS 16       /* wire job_id = stable id | attempt (new_job_id) */
#define DISP__ATTEMPT_MASK ((UINT64_C(1) << DISP__ATTEMPT_BITS) - 1)
/* A stable job id is (generation << 38) | (slot << 16): the job table is indexed
 * by slot directly (O(1), no hashing) and the generation tells a reused slot's
 * new job from the forgotten one (it wraps after 2^26 jobs). */
#define DISP__SLOT_BITS 22          /* jobs held at once: at most 4M */
#define DISP__SLOT_MAX (UINT32_C(1) << DISP__SLOT_BITS)
_Static_assert(DISP__SLOT_MAX == DISP_JOBS_HELD_MAX, "jobs held: one limit");
_Static_assert(DISP_LOG_EVENT_COUNT <= 64, "log events: one bit each in disp_config.log_off");
#define DISP__GEN_BITS 26
#define DISP__GEN_SHIFT (DISP__ATTEMPT_BITS + DISP__SLOT_BITS)
#define DISP__INDEX_MAX DISP_INDEX_MAX /* utterance indices are below it */
#define DISP__WINDOW_MAX DISP_SESSION_WINDOW_MAX /* indices a session's window spans */
#define DISP__WINDOW_MIN 16         /* smallest window allocation (entries) */
#define DISP__SESSION_MAX DISP_SESSIONS_MAX /* sessions open at once */
#define DISP__ACK_RANGE_MAX 65536   /* wait entries created by one arrival */
#define DISP__EST_MIN_SAMPLES 16    /* durations before an estimate replaces the default */
#define DISP__PHI_WINDOW 64         /* inter-arrival samples per node (phi accrual) */
#define DISP__BUDGET_SLOTS 10       /* retry budget: 10 one-second buckets (a 10 s window) */

/* ---- alloc.c: the host's allocator; growth before change ------------------ */
struct disp;
extern const disp_alloc disp__libc_alloc;
void *disp__alloc_raw(const disp_alloc *al, size_t n, size_t size); /* zeroed; NULL */
void *disp__alloc(struct disp *d, size_t n, size_t size);           /* zeroed; NULL */
void disp__free(struct disp *d, void *p);
/* Grows the array *pp (elements of `size`) to at least `need` (doubling from
 * `first`). Returns 0 or DISP_ENOMEM with *pp and *cap unchanged. */
int disp__grow(struct disp *d, void *pp, uint32_t *cap, uint64_t need, size_t size,
               uint32_t first);
/* The same for a ring of n elements from *head; it is unrolled (head 0). */
int disp__ring_grow(struct disp *d, void *pp, uint32_t *head, uint32_t n, uint32_t *cap,
                    uint64_t need, size_t size);
/* Room for one more job (with its free-slot, forget and timer entries), one more
 * session, one more dedup record. 0 or DISP_ENOMEM (nothing changed). */
int disp__reserve_job(struct disp *d);
int disp__reserve_session(struct disp *d);
int disp__reserve_dedup(struct disp *d);
/* disp__reserve_utterance and disp__reserve_result take the core's types: they
 * are declared after them (alloc.c, continued). */

/* ---- hash map: (a, b) -> int64, open addressing, no tombstones ------------ */
typedef struct {
    uint64_t a, b; /* a == UINT64_MAX marks an empty slot */
    int64_t v;
} disp__mslot;

typedef struct {
    disp__mslot *s;
    size_t cap; /* 0 or a power of two */
    size_t n;
} disp__map;

void disp__map_free(struct disp *d, disp__map *m);
/* Room for n keys: 0 or DISP_ENOMEM (the map unchanged). */
int disp__map_reserve(struct disp *d, disp__map *m, size_t n);
/* The home slot of (a, b): one round of splitmix64's finalizer over a and a
 * multiplicative spread of b (cap is a power of two). */
static inline size_t disp__map_home(const disp__map *m, uint64_t a, uint64_t b)
{
    uint64_t x = a ^ (b * UINT64_C(0x9e3779b97f4a7c15));

    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return (size_t)x & (m->cap - 1);
}

/* Returns the value's address or NULL; valid until the next put/del. */
static inline int64_t *disp__map_get(const disp__map *m, uint64_t a, uint64_t b)
{
    if (m->n == 0)
        return NULL;
    for (size_t i = disp__map_home(m, a, b);; i = (i + 1) & (m->cap - 1)) {
        disp__mslot *s = &m->s[i];
        if (s->a == UINT64_MAX)
            return NULL;
        if (s->a == a && s->b == b)
            return &s->v;
    }
}
/* Inserts or overwrites; room was reserved. `a` must not be UINT64_MAX. */
void disp__map_put(disp__map *m, uint64_t a, uint64_t b, int64_t v);
/* Removes the key; returns whether it was there. */
bool disp__map_del(disp__map *m, uint64_t a, uint64_t b);

/* ---- timers: one indexed min-heap of (when, seq) -------------------------- */
enum {
    DISP__T_JOB_MAIN = 0,  /* pending timeout / dispatch deadline / backoff wait */
    DISP__T_JOB_HEDGE = 1, /* next hedge */
    DISP__T_SESSION = 2,   /* ordered queue: gap timeout */
    DISP__T_CHECK = 3      /* reference queue: periodic result check (slot 0);
                              node_load snapshot: the refresh tick (slot 1) */
};
#define DISP__TREF(kind, slot) (((uint32_t)(slot) << 2) | (uint32_t)(kind))
#define DISP__TREF_REFRESH DISP__TREF(DISP__T_CHECK, 1)

typedef struct {
    disp_time when;
    uint64_t seq;
    uint32_t ref;
} disp__hent;

/* ---- nodes ----------------------------------------------------------------- */
typedef struct {
    uint32_t id, cls, cls_slot;
    int slots, reserved, current;
    int hb;                 /* node_load snapshot: the last heartbeat's running_jobs (the
                               Redis snapshot's current_jobs); current is what the choice
                               sees: hb at a heartbeat, max(hb, reserved) at a refresh */
    bool online;
    int32_t hpos;           /* position in the eligible-node heap, -1 if absent */
    disp_time last_signal;  /* last progress or result from this node, -1 = none */
    bool idle_since_signal; /* no live attempt at some point since last_signal */
    disp_time *phi_win;     /* DISP__PHI_WINDOW inter-arrivals (liveness phi only) */
    uint32_t phi_n, phi_pos;
    double phi_sum, phi_sumsq; /* over the window, in seconds */
} disp__node;

/* An entry of the eligible-node heap: the key is copied in, so sifting never
 * touches the node records. The slot is the registration order too: a node's
 * record is appended when it first registers and never removed, so ties go to
 * the lower slot, the first registered. */
typedef struct {
    int load;
    uint32_t slot;
} disp__eent;

/* Per node class duration estimates (adaptive timeouts, hedge delay). */
typedef struct {
    uint32_t cls;
    bool has_rtt;
    double srtt, rttvar;    /* nanoseconds */
    disp_time *win;         /* ring of recent durations (quantile estimates) */
    uint32_t wcap, wn, wpos, dirty;
    disp_time q_timeout, q_hedge; /* cached quantiles */
    bool q_valid;
} disp__class;

/* ---- jobs ------------------------------------------------------------------ */
typedef enum {
    DISP__J_FREE = 0,
    DISP__J_PENDING,   /* no node: fail mode waits for the timeout, queue mode queued */
    DISP__J_ASSIGNED,  /* at least one live attempt */
    DISP__J_BACKOFF,   /* between a timeout and the delayed re-dispatch */
    DISP__J_COMPLETED,
    DISP__J_FAILED
} disp__jstate;

typedef struct {
    uint32_t attempt, node;
    disp_time dispatched_at;
    disp_time last_progress; /* -1 = none */
    uint32_t nslot;          /* the node's slot in d->nodes (nodes are never removed) */
    bool hedge;
} disp__attempt;

typedef struct {
    uint64_t id;           /* stable id (serial << DISP__ATTEMPT_BITS) */
    uint64_t session;
    uint64_t sess_epoch;   /* the session's epoch when the job was created */
    uint32_t sess_slot;    /* its session's slot then (counts it in `held`) */
    uint32_t index;
    uint8_t state;
    uint8_t n_live;
    bool succeeded;        /* a successful result was passed to the queue */
    bool error_sent;       /* an ERROR went to the client */
    bool in_queue;         /* in the pending FIFO */
    bool redispatch;       /* the wait (queue/backoff) is for a failover */
    uint32_t attempt;      /* last attempt id issued; 0 = never dispatched */
    uint32_t last_node;    /* node of the attempt that timed out last */
    int failover_attempts;
    int budget_waits;      /* timeouts that kept the attempt (retry budget refused) */
    int hedges;
    disp_time audio, created_at;
    disp_time dispatched_at; /* the current primary attempt's dispatch */
    disp_time wait_since;    /* entering Pending / the queue */
    disp_time deadline_base; /* start of the running timeout period */
    disp_time timeout;       /* length of the running timeout period */
    disp_time backoff_prev;
    disp_time forget_at;     /* finished: no longer a job from this time on */
    uint32_t unreported;     /* bit a-1: attempt a (<= 32) was dispatched, no result yet */
    bool unreported_far;     /* an attempt above 32 was dispatched (not tracked) */
    int32_t hpos[2];         /* DISP__T_JOB_MAIN, DISP__T_JOB_HEDGE */
    uint32_t qprev, qnext;   /* pending FIFO */
    disp__attempt live[DISP__LIVE_MAX];
} disp__job;

/* ---- sessions and their result queue ------------------------------------- */
typedef struct {
    uint32_t index, attempt, node;
    uint64_t job, job_id;
} disp__rq_entry;

/* What a session knows per utterance index. Only a window of indices is held
 * (uwin.c): an index outside it holds no flag and no job, and a wait entry
 * only as a kept run (disp__session.kept). */
#define DISP__U_RELEASED UINT64_C(1) /* ordered queue: handed to the client */
#define DISP__U_FAILED UINT64_C(2)   /* ordered queue: the job failed for good */
typedef struct {
    disp_time wait;        /* reference queue: wait start, -1 = no wait entry;
                            * ordered queue: for an index it skipped, when that
                            * gap clock started (for the log only), else -1 */
    uint64_t job;          /* stable job id | DISP__U_* flags (ids have 16 low zero bits) */
} disp__uinfo;

/* A run [lo, hi) of consecutive indices outside the window whose wait entries
 * all started at `wait` (uwin.c: kept after their entries left the window). */
typedef struct {
    uint32_t lo, hi;
    disp_time wait;
} disp__krun;

typedef struct {
    uint64_t id;
    uint64_t epoch;        /* which opening of the id (a closed session's jobs keep theirs) */
    bool in_use;
    int64_t expected;
    disp__rq_entry *pend;  /* sorted by index: pend[pstart .. pstart+pn) */
    uint32_t pstart, pn, pcap;
    disp__uinfo *u;        /* ring: index i (ubase <= i < ubase + un) at u[i & (ucap - 1)] */
    uint32_t ubase, un;    /* the window of indices held */
    uint32_t ucap;         /* 0 or a power of two >= un */
    disp__krun *kept;      /* wait entries kept outside the window: runs sorted by index */
    uint32_t nkept, kcap;  /* runs; their allocation (> nkept while any is held: a spare) */
    uint64_t nwait;        /* wait entries: set in u[] plus those kept (every index counted) */
    bool armed;            /* reference: `expected` has a wait entry */
    uint32_t anext, aprev; /* ring of armed sessions (periodic check) */
    int32_t hpos;          /* ordered: gap timer */
    int64_t gap_index;     /* ordered: `expected` when the gap clock started */
    disp_time gap_since;
    uint32_t fnext;
    uint64_t held;         /* jobs of this opening the core holds (disp_session_jobs) */
} disp__session;

/* A finished job in forget order: forgetting touches these rings only (and the
 * job's session, named here so the long-finished job record is not read). */
typedef struct {
    disp_time at;
    uint64_t session;    /* the job's session id, its slot and epoch then */
    uint64_t sess_epoch;
    uint32_t sess_slot;
    uint32_t slot;
} disp__forget;

/* One ring of finished jobs that share a retention (so their forget times come
 * in order). */
typedef struct {
    disp__forget *v;
    uint32_t head, n, cap;
} disp__fring;
enum { DISP__FQ_QUIET = 0, DISP__FQ_LATE = 1 };

/* A dedup record in expiry order. */
typedef struct {
    uint64_t a, b;
    disp_time at;
} disp__dqent;

/* ---- the handle ------------------------------------------------------------ */
struct disp {
    disp_policy p;
    disp_alloc al;           /* the host's allocator (disp__libc_alloc by default) */
    disp_sink_fn sink;
    void *ctx;
    uint64_t log_off;        /* disp_config.log_off */
    disp_uniform_fn uniform;
    void *uctx;
    int in_sink;             /* > 0 while the sink runs: inputs are refused (DISP_EBUSY) */
    disp_time now;           /* the latest input's time */
    disp_time retain;        /* effective finished-job retention (an attempt may still report) */
    disp_time retain_quiet;  /* ... of a job every attempt of which has reported */
    uint32_t jobs_max;       /* effective max_jobs_held */
    uint32_t window_max;     /* effective max_session_window */
    disp_stats st;

    disp__job *jobs;
    uint32_t njobs, jcap;
    uint32_t *jfree;         /* stack of free slots */
    uint32_t nfree, fcap;
    uint64_t serial;
    uint32_t qhead, qtail;   /* pending FIFO (queue mode) */
    disp__fring fq[2];       /* finished jobs in forget order: DISP__FQ_QUIET, _LATE */
    disp_time forget_next;   /* the earliest forget time in fq[] (a head's), DISP_NEVER if none */

    disp__node *nodes;
    uint32_t nnodes, ncap;
    disp__map node_map;      /* (node id, 0) -> slot */
    disp__eent *elig;        /* heap of eligible nodes by (load, slot = registration order) */
    uint32_t nelig;

    disp__class *classes;
    uint32_t nclasses, ccap;
    disp__map class_map;
    disp_time *scratch;      /* quantile selection */

    disp__uinfo *spare_u;    /* a reserved first window for a session about to open */
    disp__session *sessions;
    uint32_t nsess, scap, sfree;
    disp__map sess_map;      /* (session id, 0) -> slot */
    disp__map closed_held;   /* (session id, 0) -> jobs of its closed openings still held */
    uint64_t sess_epoch;     /* sessions opened so far */
    uint32_t armed_cursor, narmed;
    int32_t check_hpos;
    int32_t refresh_hpos;    /* node_load snapshot: the refresh tick's timer */

    disp__hent *heap;
    uint32_t hn, hcap;
    uint64_t hseq;

    disp__map dedup;         /* (session, wire job_id) -> time recorded */
    disp__dqent *dq;         /* dedup expiry FIFO (ring) */
    uint32_t dq_head, dq_n, dq_cap;

    double phi_z;            /* phi threshold as a standard score */
    int64_t budget_sec[DISP__BUDGET_SLOTS];
    double budget_dep[DISP__BUDGET_SLOTS], budget_wd[DISP__BUDGET_SLOTS];
};

/* ---- alloc.c, continued ---------------------------------------------------- */
/* Everything disp_utterance may need to create the job of (s, index) (s NULL:
 * the session is not open yet), and everything disp_result may need for a
 * result of the held job j (NULL: none is held, nothing is stored). */
int disp__reserve_utterance(disp *d, disp__session *s, uint32_t index);
int disp__reserve_result(disp *d, const disp__job *j);

/* ---- core.c: commands ------------------------------------------------------ */
void disp__emit(disp *d, const disp_cmd *c);
/* Whether a LOG command of event ev is wanted (disp_config.log_off). */
static inline bool disp__log_on(const disp *d, disp_log_event ev)
{
    return d->sink != NULL && !((d->log_off >> ev) & 1u);
}
/* A LOG record about a job (fields from the job and, if given, an attempt).
 * The check is inline, so an event nobody wants costs no call and no record. */
void disp__log_job_emit(disp *d, disp_log_event ev, const disp__job *j, const disp__attempt *a,
                        int64_t elapsed_ms);
static inline void disp__log_job(disp *d, disp_log_event ev, const disp__job *j,
                                 const disp__attempt *a, int64_t elapsed_ms)
{
    if (disp__log_on(d, ev))
        disp__log_job_emit(d, ev, j, a, elapsed_ms);
}
void disp__error(disp *d, disp__job *j, disp_error_code code);
/* The wire job_id of a job's attempt (new_job_id: one per attempt). */
static inline uint64_t disp__wire(const disp *d, const disp__job *j, uint32_t attempt)
{
    if (d->p.failover == DISP_FAILOVER_NEW_JOB_ID && attempt > 0)
        return j->id | attempt;
    return j->id;
}
static inline int64_t disp__ms(disp_time t) { return t / DISP_NS_PER_MS; }

/* The job_id a log record names: its attempt's wire id; before the first
 * dispatch (attempt 0: created, pending, a pending timeout), the id that
 * dispatch carries (attempt 1). Under new_job_id the job's own id goes out in
 * no message, so a record naming it would name a job nothing else does. */
static inline uint64_t disp__log_wire(const disp *d, const disp__job *j, uint32_t attempt)
{
    return disp__wire(d, j, attempt > 0 ? attempt : 1);
}
/* ---- timers.c ---------------------------------------------------------------- */
void disp__timer_set(disp *d, uint32_t ref, disp_time when);
void disp__timer_clear(disp *d, uint32_t ref);
bool disp__timer_armed(const disp *d, uint32_t ref);
/* Clears job j's timer of `kind` (DISP__T_JOB_MAIN or _HEDGE); one that is not
 * armed costs no call. */
static inline void disp__job_timer_clear(disp *d, const disp__job *j, uint32_t kind)
{
    if (j->hpos[kind] >= 0)
        disp__timer_clear(d, DISP__TREF(kind, j - d->jobs));
}
/* The first multiple of `period` strictly after t. */
disp_time disp__next_multiple(disp_time t, disp_time period);
/* The first scan tick strictly after t (t itself when scans are off). */
static inline disp_time disp__scan_round(const disp *d, disp_time t)
{
    if (d->p.scan_interval == 0)
        return t;
    return disp__next_multiple(t, d->p.scan_interval);
}

/* ---- nodes.c --------------------------------------------------------------- */
/* The node registered as `id`, or NULL. */
static inline disp__node *disp__node_find(const disp *d, uint32_t id)
{
    int64_t *v = disp__map_get(&d->node_map, id, 0);

    return v ? &d->nodes[*v] : NULL;
}
/* A node's load as the choice sees it: max(current_jobs of its last heartbeat,
 * slots reserved); under node_load snapshot, current_jobs alone (the refresh
 * folds the reservations in, disp__nodes_refresh). */
static inline int disp__node_held(const disp__node *n) /* max(current_jobs, reserved) */
{
    return n->current > n->reserved ? n->current : n->reserved;
}
static inline int disp__node_load(const disp *d, const disp__node *n)
{
    if (d->p.node_load == DISP_LOAD_SNAPSHOT)
        return n->current;
    return disp__node_held(n);
}
/* Whether a reservation on the chosen node n is granted. Always, but under
 * node_load snapshot: denied when max(current_jobs, reservations held) >= slots
 * (the Redis Lua, phase2/redis_handle.rs 98e3526). */
static inline bool disp__node_grants(const disp *d, const disp__node *n)
{
    return d->p.node_load != DISP_LOAD_SNAPSHOT || disp__node_held(n) < n->slots;
}
/* Least loaded eligible node (ties: first registered), avoiding the nodes in
 * `avoid` (n_avoid of them); NULL when none. Avoiding none, it is the top of
 * the eligible-node heap (inline); else the heap is walked best-first. */
disp__node *disp__node_pick_avoiding(disp *d, const uint32_t *avoid, int n_avoid);
static inline disp__node *disp__node_pick(disp *d, const uint32_t *avoid, int n_avoid)
{
    if (n_avoid == 0)
        return d->nelig > 0 ? &d->nodes[d->elig[0].slot] : NULL;
    return disp__node_pick_avoiding(d, avoid, n_avoid);
}
/* Reserves a slot on n, which is eligible and grants it (disp__node_grants). */
void disp__node_reserve(disp *d, disp__node *n);
void disp__node_release(disp *d, disp__node *n);
/* A message from the node (progress/result): liveness bookkeeping. */
void disp__node_signal(disp *d, disp__node *n, disp_time now);
/* node_load snapshot: the refresh tick (every node's current_jobs becomes
 * max(its last heartbeat's figure, its reservations)). */
void disp__nodes_refresh(disp *d);
void disp__nodes_free(disp *d);

/* ---- jobs.c ------------------------------------------------------------------ */
/* The job of stable id `stable` if the core holds it (its slot holds that id
 * and it is not past its forget time), else NULL. */
static inline disp__job *disp__job_by_id(const disp *d, uint64_t stable)
{
    uint32_t slot = (uint32_t)(stable >> DISP__ATTEMPT_BITS) & (DISP__SLOT_MAX - 1);
    disp__job *j;

    if (stable == 0 || (stable & DISP__ATTEMPT_MASK) != 0 || slot >= d->njobs)
        return NULL;
    j = &d->jobs[slot];
    if (j->id != stable || ((j->state == DISP__J_COMPLETED || j->state == DISP__J_FAILED) &&
                            j->forget_at <= d->now))
        return NULL;
    return j;
}
/* The stable id of the job the core holds for (s, index), 0 if none (s may be
 * NULL: no session open). */
uint64_t disp__job_held(const disp *d, const disp__session *s, uint32_t index);
/* Creates and dispatches the job of (session, index), which holds none
 * (disp__job_held); s is the open session of that id or NULL. The caller
 * reserved the memory (disp__reserve_utterance). 0 or DISP_ELIMIT. */
int disp__job_create(disp *d, disp__session *s, uint64_t session, uint32_t index, disp_time audio,
                     uint64_t *job_out);
void disp__job_timer(disp *d, uint32_t slot, int kind);
/* Puts a job in its terminal state, releasing and cancelling what it holds. */
void disp__job_finish(disp *d, disp__job *j, disp__jstate st);
/* Releases the slot of live attempt i and removes it (cancel it first if asked). */
void disp__job_drop_live(disp *d, disp__job *j, int i, bool cancel);
/* Lets waiting jobs (pending = queue) take the slots that are free; the
 * check for an empty queue is inline. */
void disp__queue_pump_run(disp *d);
static inline void disp__queue_pump(disp *d)
{
    if (d->qhead != DISP__NONE)
        disp__queue_pump_run(d);
}
/* Whether a finished job's forget time has come. */
static inline bool disp__forget_due(const disp *d)
{
    return d->forget_next <= d->now;
}
/* Forgets the finished jobs whose forget time has come. */
void disp__jobs_forget(disp *d);
void disp__jobs_free(disp *d);

/* ---- results.c --------------------------------------------------------------- */
/* A result for wire job_id; j is the job it names if the core holds it
 * (disp__job_by_id of its stable part), else NULL. */
int disp__result(disp *d, disp__job *j, uint64_t job_id, uint32_t attempt, uint32_t node,
                 uint64_t session, uint32_t index, bool success);
void disp__dedup_expire(disp *d);

/* ---- entering an input -------------------------------------------------------- */
/* Checks `now` (>= 0, never decreasing) and that no sink is running, records
 * it and forgets what has expired. Returns 0, DISP_EBUSY or DISP_EINVAL. Every
 * public input starts with it. */
static inline int disp__enter(disp *d, disp_time now)
{
    if (d->in_sink > 0)
        return DISP_EBUSY;
    if (now < 0 || now < d->now)
        return DISP_EINVAL;
    d->now = now;
    if (disp__forget_due(d))
        disp__jobs_forget(d);
    if (d->p.dedup_ttl > 0)
        disp__dedup_expire(d);
    return 0;
}

/* ---- uwin.c: a session's window of per-index entries ----------------------------- */
/* The entry of `index`, or NULL when the index lies outside the window. */
static inline disp__uinfo *disp__u_get(const disp__session *s, int64_t index)
{
    if (s->un == 0 || index < (int64_t)s->ubase || index >= (int64_t)s->ubase + s->un)
        return NULL;
    return &s->u[(uint32_t)index & (s->ucap - 1)];
}
/* Whether an entry holds a wait entry of the reference queue (the ordered
 * queue's `wait` is for the log only: see disp__uinfo). */
static inline bool disp__u_waits(const disp *d, const disp__uinfo *u)
{
    return u->wait >= 0 && d->p.result_queue != DISP_QUEUE_ORDERED;
}
/* Adds [lo, hi) to the window (the window becomes the smallest range holding
 * both); new entries hold nothing. The caller checked the span (d->window_max). */
int disp__u_cover(disp *d, disp__session *s, uint32_t lo, uint32_t hi);
/* Makes the allocation hold [lo, hi) with the window (s NULL: the first window
 * of a session about to open), and the kept runs have their spare. 0 or
 * DISP_ENOMEM, the window unchanged. */
int disp__u_reserve(disp *d, disp__session *s, int64_t lo, int64_t hi);
/* Makes room for `index` in the session's window (dropping what can no longer
 * matter first, keeping their wait entries). Returns 0, DISP_ELIMIT when the
 * window would span more than DISP__WINDOW_MAX indices, or DISP_ENOMEM when
 * keeping a wait entry was refused (what was dropped before changes nothing). */
int disp__session_claim(disp *d, disp__session *s, uint32_t index);
/* The kept run holding the wait entry of `index` (outside the window), or
 * NULL. An index above every run (as `expected` is, as a rule) is answered
 * inline. */
const disp__krun *disp__u_kept_find(const disp__session *s, uint32_t index);
static inline const disp__krun *disp__u_kept(const disp__session *s, int64_t index)
{
    if (s->nkept == 0 || index < 0 || index >= (int64_t)s->kept[s->nkept - 1].hi)
        return NULL;
    return disp__u_kept_find(s, (uint32_t)index);
}
/* Removes the kept wait entry of `index` (disp__u_kept found it); the caller
 * counts it out of nwait. */
void disp__u_kept_del(disp *d, disp__session *s, uint32_t index);
/* Frees the window and the kept wait entries. */
void disp__u_free(disp *d, disp__session *s);

/* ---- rqueue.c ---------------------------------------------------------------- */
/* The open session of `id`, or NULL. */
static inline disp__session *disp__session_find(const disp *d, uint64_t id)
{
    int64_t *v = disp__map_get(&d->sess_map, id, 0);

    return v ? &d->sessions[*v] : NULL;
}
/* The session the job was created in, or NULL once that session closed (even
 * if a session with the same id has opened since). Found by the job's slot, no
 * hashing: an epoch names one opening of one id, so a slot in use with the
 * job's epoch is the open session of the job's id. */
static inline disp__session *disp__session_at(const disp *d, uint32_t slot, uint64_t epoch)
{
    disp__session *s = &d->sessions[slot];

    return s->in_use && s->epoch == epoch ? s : NULL;
}
static inline disp__session *disp__session_of(const disp *d, const disp__job *j)
{
    return disp__session_at(d, j->sess_slot, j->sess_epoch);
}
/* Opens a session; NULL when DISP__SESSION_MAX are open. */
disp__session *disp__session_open(disp *d, uint64_t id);
/* The stable id of the session's job for `index`, 0 if none is held. */
static inline uint64_t disp__session_job(const disp__session *s, uint32_t index)
{
    const disp__uinfo *u = disp__u_get(s, index);

    return u ? u->job & ~DISP__ATTEMPT_MASK : 0;
}
/* Records the job of `index`, which the caller claimed. */
void disp__session_set_job(disp__session *s, uint32_t index, uint64_t job);
/* A successful result for (session, index) enters the result queue. */
void disp__rq_add(disp *d, disp__session *s, const disp__rq_entry *e);
/* Room for one more result of `index` in the session's queue (and the gap
 * entries it may create). 0 or DISP_ENOMEM, nothing changed. */
int disp__rq_reserve(disp *d, disp__session *s, uint32_t index);
/* The job of (session, index) failed for good (ordered queue skips it). */
void disp__rq_failed(disp *d, disp__session *s, uint32_t index);
void disp__rq_gap_timer(disp *d, uint32_t slot);
void disp__rq_check(disp *d);
int disp__session_close(disp *d, disp__session *s);
void disp__sessions_free(disp *d);

/* ---- adapt.c ------------------------------------------------------------------ */
disp__class *disp__class_get(disp *d, uint32_t cls);
/* A duration sample from a completed first-dispatch job (Karn's rule). */
void disp__class_sample(disp *d, disp__class *c, disp_time dur);
/* The dispatch timeout for an attempt on a node of class c. */
disp_time disp__timeout_for(disp *d, disp__class *c, int failovers);
disp_time disp__hedge_delay(disp *d, disp__class *c);
/* Liveness: the time at which the attempt counts as dead. */
disp_time disp__liveness_due(const disp *d, const disp__node *n, const disp__attempt *a);
double disp__phi_z(double threshold);
disp_time disp__backoff_delay(disp *d, disp__job *j);
/* Retry budget: deposit on a first dispatch; withdraw returns false when refused. */
void disp__budget_deposit(disp *d);
bool disp__budget_withdraw(disp *d);
void disp__classes_free(disp *d);

#endif
