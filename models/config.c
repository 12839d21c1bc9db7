/*
 * config.c — defaults and clean-up of the world's config structs (config.h).
 */
#include "config.h"

#include <assert.h>
#include <string.h>

void node_config_init(node_config *c)
{
    assert(c);
    memset(c, 0, sizeof *c);
    c->count = 1;
    c->slots = 4;
    c->workers = 1;
    for (int s = 0; s < STAGE_COUNT; s++)
        c->stage[s] = dist_const(0.0);
    c->on_cancel = NODE_CANCEL_IGNORE;
    c->cancel_between_stages = true;
    c->attempt_check = NODE_ATTEMPT_NONE;
    c->skip_repeat_job_id = false;
    c->progress = false;
    c->heartbeat_s = 15.0;
    c->heartbeat_count = NODE_HB_JOB_IDS;
    c->heartbeat_phase = NODE_HB_PHASE_RANDOM;
    c->stall_prob = 0.0;
    c->stall_extra = dist_const(0.0);
    c->crash = false;
    c->crash_between = dist_const(0.0);
    c->crash_downtime = dist_const(0.0);
    c->crash_notice = NODE_CRASH_HEARTBEAT_TIMEOUT;
    c->cold_start = false;
    c->cold_idle_s = 0.0;
    c->cold_extra = dist_const(0.0);
    c->no_result_prob = 0.0;
}

void node_config_free(node_config *c)
{
    if (!c)
        return;
    for (int s = 0; s < STAGE_COUNT; s++)
        dist_free(&c->stage[s]);
    dist_free(&c->stall_extra);
    dist_free(&c->crash_between);
    dist_free(&c->crash_downtime);
    dist_free(&c->cold_extra);
}

void net_config_init(net_config *c)
{
    assert(c);
    memset(c, 0, sizeof *c);
    c->to_node_delay = dist_const(0.0);
    c->to_sched_delay = dist_const(0.0);
    c->to_node_loss = 0.0;
    c->to_sched_loss = 0.0;
    c->fifo = true;
    c->client_delay = dist_const(0.0);
}

void net_config_free(net_config *c)
{
    if (!c)
        return;
    dist_free(&c->to_node_delay);
    dist_free(&c->to_sched_delay);
    dist_free(&c->client_delay);
}

void wl_config_init(wl_config *c)
{
    assert(c);
    memset(c, 0, sizeof *c);
    c->sessions = 1;
    c->session_start = dist_const(0.0);
    c->utterances_per_session = 1;
    c->gap = dist_const(0.0);
    c->audio = dist_const(0.0);
    c->linger_s = WL_LINGER_UNTIL_DRAINED;
}

void wl_config_free(wl_config *c)
{
    if (!c)
        return;
    dist_free(&c->session_start);
    dist_free(&c->gap);
    dist_free(&c->audio);
    wl_trace_free(c->trace);
    c->trace = NULL;
}

void node_config_copy(node_config *dst, const node_config *src)
{
    assert(dst && src && dst != src);
    *dst = *src;
    for (int s = 0; s < STAGE_COUNT; s++)
        dist_copy(&dst->stage[s], &src->stage[s]);
    dist_copy(&dst->stall_extra, &src->stall_extra);
    dist_copy(&dst->crash_between, &src->crash_between);
    dist_copy(&dst->crash_downtime, &src->crash_downtime);
    dist_copy(&dst->cold_extra, &src->cold_extra);
}

void net_config_copy(net_config *dst, const net_config *src)
{
    assert(dst && src && dst != src);
    *dst = *src;
    dist_copy(&dst->to_node_delay, &src->to_node_delay);
    dist_copy(&dst->to_sched_delay, &src->to_sched_delay);
    dist_copy(&dst->client_delay, &src->client_delay);
}

void wl_config_copy(wl_config *dst, const wl_config *src)
{
    assert(dst && src && dst != src);
    *dst = *src;
    dist_copy(&dst->session_start, &src->session_start);
    dist_copy(&dst->gap, &src->gap);
    dist_copy(&dst->audio, &src->audio);
    dst->trace = wl_trace_copy(src->trace);
}
