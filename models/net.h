/*
 * net.h — the network: scheduler <-> nodes (per-message delay and loss, links
 * that keep order) and scheduler -> client (the session hop).
 *
 * Pure: a message's fate is drawn from a gsl_rng the driver keyed by what the
 * message is, so every policy's identical message meets the identical network.
 * A link's order state is a plain struct the driver owns, one per directed link.
 */
#ifndef DSIM_NET_H
#define DSIM_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "config.h"

typedef enum {
    NET_TO_NODE, /* scheduler -> node (assign, cancel) */
    NET_TO_SCHED /* node -> scheduler (result, progress, heartbeat) */
} net_dir;

/*
 * Draws a message's fate, always in this order: a uniform for loss, then the delay
 * (dist_sample of the direction's delay, no audio). Returns true and sets *delay
 * (ns, >= 0) when the message arrives; false when it is lost (*delay is still set,
 * for a trace).
 */
bool net_message(const net_config *c, net_dir dir, gsl_rng *r, int64_t *delay);

/* The scheduler -> client delay of one message (ns, >= 0): one draw of
 * client_delay from `r` (no loss on this hop). */
int64_t net_client_delay(const net_config *c, gsl_rng *r);

/* True when the client hop is a constant 0 (the default): every message reaches
 * the client at the instant the core sends it, so the driver needs no event. */
bool net_client_instant(const net_config *c);

/* The order state of one directed link (scheduler -> node i, node i ->
 * scheduler, scheduler -> session s). Zeroed = nothing sent on it yet. */
typedef struct net_link {
    int64_t last; /* arrival time (ns) of the latest message that arrives on it */
} net_link;

/*
 * When a message sent at `now` (ns, >= 0) with network delay `delay` (ns, >= 0)
 * arrives: now + delay, and on a FIFO link (`fifo`) no earlier than the previous
 * arrival on `l`, so messages on a link never overtake each other. The reference
 * runs one WebSocket over TCP per node and per session, with one send task and
 * one receive loop each (websocket/node_handler/connection.rs,
 * websocket/session_handler.rs at 98e3526). Records the arrival in *l; call it
 * only for a message that arrives (a lost one holds nothing back). Messages
 * that arrive at the same instant keep their send order when the driver
 * schedules them in send order (the engine runs equal times by insertion).
 * Without `fifo` each message keeps its own delay (today's independent links).
 * Saturates at INT64_MAX.
 */
int64_t net_link_arrival(net_link *l, bool fifo, int64_t now, int64_t delay);

#endif
