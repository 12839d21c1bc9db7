/*
 * net.c — message delay and loss, link order, the client hop (net.h).
 */
#include "net.h"

#include <assert.h>

bool net_message(const net_config *c, net_dir dir, gsl_rng *r, int64_t *delay)
{
    assert(c && r && delay);
    assert(dir == NET_TO_NODE || dir == NET_TO_SCHED);
    double loss = dir == NET_TO_NODE ? c->to_node_loss : c->to_sched_loss;
    const dist *d = dir == NET_TO_NODE ? &c->to_node_delay : &c->to_sched_delay;
    /* a zero (or certain) loss draws nothing */
    bool lost = loss >= 1.0 || (loss > 0.0 && gsl_rng_uniform(r) < loss);
    *delay = dist_to_ns(dist_sample(d, r, 0.0));
    return !lost;
}

int64_t net_client_delay(const net_config *c, gsl_rng *r)
{
    assert(c && r);
    return dist_to_ns(dist_sample(&c->client_delay, r, 0.0));
}

bool net_client_instant(const net_config *c)
{
    assert(c);
    /* const 0: per_audio_s has no audio here, and a clamp cannot lift a 0 */
    return c->client_delay.kind == DIST_CONST && c->client_delay.p0 == 0.0;
}

int64_t net_link_arrival(net_link *l, bool fifo, int64_t now, int64_t delay)
{
    assert(l && now >= 0 && delay >= 0);
    int64_t at = delay > INT64_MAX - now ? INT64_MAX : now + delay;
    if (fifo && at < l->last)
        at = l->last;
    if (at > l->last)
        l->last = at;
    return at;
}
