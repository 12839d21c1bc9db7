/*
 * live_internal.h — what the live room's files share (internal/ is PRIVATE):
 *   live_loop.c    the scaled wall clock and the engine of pending actions on a
 *                  libuv loop; WebSocket connections (libwebsockets on that loop)
 *   live_wire.c    the node protocol's JSON messages (names and fields)
 *   live.c         the scheduler process: the core, the node links, the agents
 *   live_session.c the sessions and the client, in the scheduler process
 *   agent.c        one node agent process
 */
#ifndef DSIM_LIVE_INTERNAL_H
#define DSIM_LIVE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <uv.h>

#include "engine.h"
#include "live.h"
#include "net.h"
#include "run.h"
#include "node.h"
#include "simworld.h"
#include "stream.h"
#include "timeline.h"
#include "workload.h"

/* The WebSocket path of node connections (the reference's main.rs at 98e3526:
 * .route("/ws/node", ...)). */
#define LIVE_NODE_PATH "/ws/node"
/* Largest message either side accepts (a job_assign with an empty audio field is
 * about 600 bytes). */
#define LIVE_MSG_MAX 65536
/* Agents connect and register before simulated time 0 comes: this long (wall)
 * after they are started. */
#define LIVE_START_DELAY_MS 400

/*
 * The keys of a message's network draw: the world's (world_net.c net_stream and
 * world_node.c / world.c callers) so that the same message meets the same delay
 * and loss in both executions. Kinds as world_internal.h's MSG_*.
 */
enum { LIVE_MSG_ASSIGN = 1, LIVE_MSG_CANCEL = 2, LIVE_MSG_RESULT = 3, LIVE_MSG_HEARTBEAT = 5,
       LIVE_MSG_DELIVER = 6, LIVE_MSG_ERROR = 7 };
/* Fills r with the stream of a job message (session, index, attempt, what) or,
 * key[0] == UINT64_MAX, of heartbeat number key[2] of node key[1]. */
void live_net_stream(const sim_streams *ks, sim_stream *r, const uint64_t key[4]);

/* --- live_loop.c: the clock and the pending actions ------------------------ */

/*
 * Simulated time is (CLOCK_MONOTONIC - t0) x speed. The engine holds what is due
 * later (the core's deadline, a node's, messages held for their network delay,
 * session events); a timerfd wakes the loop at its next event. Before any
 * input, live_loop_sync runs what is due and moves the engine's clock to now, so
 * every input is given sim_engine_now() and times never go back.
 */
typedef struct live_loop {
    uv_loop_t uv;
    int tfd;        /* a timerfd at the next event's wall instant */
    uv_poll_t wake; /* ... watched by the loop */
    sim_engine *e;
    uint64_t t0; /* CLOCK_MONOTONIC ns of simulated time 0 */
    double speed;
    void (*after)(void *ctx); /* called after every run of due events (may be NULL) */
    void *after_ctx;
    struct lws_context *ctx; /* the loop's lws context (live_ws_context), or NULL */
    /* wake-ups that found an event due, and how late (wall ns) the earliest was */
    uint64_t wakes;
    double late_sum_ns, late_max_ns;
} live_loop;

uint64_t live_mono_ns(void);
void live_loop_init(live_loop *l, uint64_t t0, double speed);
/* Runs every event due by now; the engine's clock is then now (>= 0). */
void live_loop_sync(live_loop *l);
/* Prints "WHO: N wake-ups, the due event late by mean X ms, max Y ms (wall)". */
void live_loop_report(const live_loop *l, const char *who);
/* Re-arms the wake-up at the engine's next event. */
void live_loop_arm(live_loop *l);
/* Frees the engine (pending events are dropped: their ctx is not touched),
 * closes the wake-up and runs the loop until every handle is closed: the caller
 * closed its own handles (signals, timers) and destroyed its lws context. */
void live_loop_free(live_loop *l);

/* A WebSocket connection's outgoing queue and incoming message buffer. */
typedef struct live_out {
    struct live_out *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes, then the text */
} live_out;

typedef struct live_conn {
    struct lws *wsi;
    live_out *head, *tail;
    char *rx;
    size_t rx_len;
    bool closing; /* close once the queue is written */
} live_conn;

/* Queues text (copied) and asks for a writable callback (once connected: a
 * connection not yet established sends its queue when it is). */
void live_conn_send(live_conn *c, const char *text);
/* Queues msg as compact JSON; takes the reference. */
void live_conn_send_json(live_conn *c, json_t *msg);
/* In a WRITEABLE callback: writes one queued message. Returns -1 when the
 * connection should now close (closing and empty, or a write failed). */
int live_conn_writable(live_conn *c);
/* Appends a received fragment; when the message is whole returns it parsed
 * (new reference) and resets the buffer, else NULL. *bad is set for a message
 * that is not JSON or too long. */
json_t *live_conn_receive(live_conn *c, const void *in, size_t len, bool final, bool *bad);
/* Frees the queue and the buffer; the wsi is forgotten. */
void live_conn_clear(live_conn *c);

/* A libwebsockets context on loop l: a server on 127.0.0.1 and an ephemeral port
 * (listen) or a client only. NULL on failure. */
struct lws_context *live_ws_context(live_loop *l, const struct lws_protocols *protocols,
                                    bool listen, void *user);
/* Destroys the context; lws closes its handles while the loop runs
 * (live_loop_free). */
void live_ws_destroy(live_loop *l, struct lws_context *ctx);

/* --- live_wire.c: the node protocol ---------------------------------------- */

/* "job-0000002A" <-> 42 (at least 8 upper-case hex digits, as the reference's
 * "job-" + 8 hex characters), "s7" <-> session 7. */
void live_job_name(char *out, size_t n, uint64_t job_id);
bool live_job_parse(const char *s, uint64_t *job_id);
void live_session_name(char *out, size_t n, uint64_t session);
bool live_session_parse(const char *s, uint64_t *session);
/* The name of node `id` of class `cls`: "<class name>-<k>" (k-th of its class). */
void live_node_name(char *out, size_t n, const sim_scenario *s, uint32_t id);

/* Messages (new references). */
json_t *live_msg_register(const char *node_id, int slots);
json_t *live_msg_register_ack(const char *node_id);
json_t *live_msg_heartbeat(const char *node_id, int64_t timestamp_ms, int running_jobs);
json_t *live_msg_assign(const disp_cmd *c);
json_t *live_msg_cancel(const disp_cmd *c);
json_t *live_msg_result(const char *node_id, const node_out *o, int64_t completed_ms);

/* An incoming job_assign / job_result, read and checked. Returns false when a
 * field is missing or out of range. */
bool live_read_assign(const json_t *m, node_job *j, uint32_t per_session);
typedef struct live_result {
    uint64_t job_id, session;
    uint32_t attempt, index;
    bool success;
    const char *node_id;
} live_result;
bool live_read_result(const json_t *m, live_result *r);

/* dsim's own node -> scheduler message: the attempt left the node without a
 * job_result, or its job_result was lost (live_wire.c). */
#define LIVE_MSG_ATTEMPT_END "dsim_attempt_end"
typedef enum { LIVE_END_NONE, LIVE_END_NO_RESULT, LIVE_END_NETWORK, LIVE_END_NODE_CRASH } live_end_cause;
json_t *live_msg_attempt_end(const char *node_id, const node_out *o, live_end_cause cause);
bool live_read_attempt_end(const json_t *m, live_result *r, live_end_cause *cause);

typedef struct live live; /* live.c */

/* --- the scheduler process (live.c) ----------------------------------------- */

/* An attempt sent to a node and not answered yet. */
typedef struct live_attempt {
    uint64_t job_id, session;
    uint32_t attempt, index;
} live_attempt;

/* One connection's state (lws per-session data). */
typedef struct live_peer {
    live_conn c;
    int node; /* the registered node, -1 before node_register */
} live_peer;

/* An agent process (one per start: a restarted node gets a new one). */
typedef struct live_proc {
    uv_process_t p;
    struct live *v;
    uint32_t node;
} live_proc;

typedef struct live_node {
    char name[96];
    uint32_t cls;
    live_peer *peer; /* its registered connection, or NULL */
    struct live_proc *proc; /* its agent process, while it runs */
    uint32_t down_gen;
    sim_time last_heartbeat; /* the last heartbeat or registration the core received */
    net_link to_node;
    live_attempt *out; /* answered attempts leave; a lost connection loses them */
    size_t n_out, cap_out;
    node *shadow; /* crash faults: the node's own fault timeline, no jobs */
    sim_stream shadow_faults;
    size_t shadow_downs;    /* the crashes of that timeline so far */
    size_t crashes_used;    /* ... that killed an agent (each restarted it) */
    int64_t *recover;       /* per crash: when it came back up (once it did) */
    size_t n_recover, cap_recover;
} live_node;

struct live {
    live_loop L;
    const sim_scenario *s;
    const sim_live_opts *o;
    sim_streams ks;
    sim_stream jitter;
    disp *d;
    sim_timer core_timer;
    sim_time core_at;
    struct lws_context *ctx;
    int port;
    live_node *nodes;
    uint32_t n_nodes, agents_running;
    uint32_t registered; /* first registrations in, < n_nodes: held (live.c on_register) */
    sim_client client;
    uint8_t *answered; /* per utterance: the core sent a delivery or an error */
    uint64_t n_answered, n_ended;
    net_link *to_client;
    bool client_instant;
    wl_cursor *cursors;
    uint32_t sessions_open, sessions_speaking;
    bool close_at_drain, drain_armed;
    uint64_t cancels;
    uint64_t in_flight; /* messages held for their network delay (to nodes, to the client) */
    sim_tl *tl;
    int text_fd; /* the scenario's text as loaded (a memfd): every agent's stdin */
    uv_signal_t sigint, sigterm;
    uv_timer_t grace;
    bool stopping;
    int interrupted; /* the signal (SIGINT, SIGTERM) that stopped the run, or 0 */
    int fail;
    char fail_msg[400];
};

/* Records the first failure and stops the run. */
void live_fail(live *v, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* After any call into the core: re-arm its deadline, check for the end. */
void live_core_done(live *v);
/* Stops the run: connections closed, agents asked to exit. */
void live_stop(live *v);
/* The drain bound: o->drain_s after now, the run stops whatever is still out. */
void live_arm_drain(live *v);

/* live_agents.c */
/* Wall time agents get to exit after they were asked (SIGTERM), then SIGKILL. */
#define LIVE_GRACE_MS 2000
/* Starts node i's agent (restart_at > 0: a restart after a crash). Returns 0
 * or a libuv error. */
int live_spawn_agent(live *v, uint32_t i, uint64_t t0, int64_t restart_at);
void live_kill_agents(live *v, int sig);
/* The grace timer: SIGKILL to every agent still running. */
void live_on_grace(uv_timer_t *t);
/* Node id's crash fault timeline, when its class crashes (a node of its own, no jobs). */
void live_shadow_init(live *v, uint32_t id);

/* --- live_session.c: sessions and the client ------------------------------- */

/* Schedules every session's start (the world's draws: world_session.c). */
void live_sessions_start(live *v);
/* A delivery or error for the client: after the client hop's delay. */
void live_to_client(live *v, const disp_cmd *c, uint8_t kind);
/* True when every utterance that ended has had a delivery or an error. */
bool live_client_answered(const live *v);

#endif
