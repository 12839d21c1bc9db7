/*
 * net.h — the network between scheduler and nodes: per-message delay and loss.
 *
 * Pure: a message's fate is drawn from a gsl_rng the driver keyed by what the
 * message is, so every policy's identical message meets the identical network.
 */
#ifndef DSIM_NET_H
#define DSIM_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "world.h"

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

#endif
