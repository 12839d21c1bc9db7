/*
 * net.c — message delay and loss (net.h).
 */
#include "net.h"

#include <assert.h>

bool net_message(const net_config *c, net_dir dir, gsl_rng *r, int64_t *delay)
{
    assert(c && r && delay);
    assert(dir == NET_TO_NODE || dir == NET_TO_SCHED);
    double loss = dir == NET_TO_NODE ? c->to_node_loss : c->to_sched_loss;
    const dist *d = dir == NET_TO_NODE ? &c->to_node_delay : &c->to_sched_delay;
    double u = gsl_rng_uniform(r);
    *delay = dist_to_ns(dist_sample(d, r, 0.0));
    return !(u < loss);
}
