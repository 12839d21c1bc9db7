/*
 * node_input.c — the node's inputs: assign (draws, checks, queue) and cancel.
 */
#include <assert.h>
#include <string.h>

#include "node.h"
#include "node_internal.h"

/* ---- inputs ------------------------------------------------------------- */

static size_t node__seen_slot(uint64_t job)
{
    uint64_t z = job + UINT64_C(0x9e3779b97f4a7c15); /* splitmix64 finaliser */
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    return (size_t)(z & (NODE_SEEN_MAX - 1));
}

/* drop_stale: true when the assign is older than an attempt already seen for
 * its job; otherwise records it. */
static bool node__stale(node *n, const node_job *j)
{
    node_seen *s = &n->seen[node__seen_slot(j->job)];
    if (s->attempt != 0 && s->job == j->job) {
        if (j->attempt < s->attempt)
            return true;
        s->attempt = j->attempt;
        return false;
    }
    s->job = j->job; /* empty, or another job's entry: forget it */
    s->attempt = j->attempt;
    return false;
}

/* supersede: false when a newer attempt of the job is here (the new one is
 * rejected); otherwise aborts every older attempt of the job held here. */
static bool node__supersede(node *n, int64_t now, const node_job *j)
{
    for (int w = 0; w < n->cfg.workers; w++) {
        const node_attempt *a = n->worker[w];
        if (a && a->job.job == j->job && a->job.attempt > j->attempt)
            return false;
    }
    for (const node_attempt *a = n->q_head; a; a = a->next)
        if (a->job.job == j->job && a->job.attempt > j->attempt)
            return false;
    for (node_attempt *a = n->q_head, *next; a; a = next) {
        next = a->next;
        if (a->job.job == j->job && a->job.attempt < j->attempt)
            node__abort_queued(n, now, a, NODE_END_SUPERSEDED);
    }
    for (int w = 0; w < n->cfg.workers; w++) {
        node_attempt *a = n->worker[w];
        if (a && a->job.job == j->job && a->job.attempt < j->attempt)
            node__abort_worker(n, w, now, NODE_END_SUPERSEDED);
    }
    return true;
}

/* One per-attempt time in ns: the node's fixed value, else a draw from r. */
static int64_t node__draw_ns(const dist *d, int64_t fixed_ns, gsl_rng *r, double audio_s)
{
    return fixed_ns >= 0 ? fixed_ns : dist_to_ns(dist_sample(d, r, audio_s));
}

void node_assign(node *n, int64_t now, const node_job *job, gsl_rng *r)
{
    assert(n && n->started && job && r && now >= n->now && job->audio >= 0);
    n->now = now;
    node__run_due(n, now);
    n->stats.assigns++;

    /* The draws, in the documented order; a probability of 0 or 1 draws
     * nothing, and a const nothing either (dist.h). */
    node_attempt *a = node__attempt_get(n);
    a->job = *job;
    double audio_s = (double)job->audio / 1e9;
    for (int s = 0; s < STAGE_COUNT; s++)
        a->stage_ns[s] = node__draw_ns(&n->cfg.stage[s], n->stage_fixed_ns[s], r, audio_s);
    double p_stall = n->cfg.stall_prob, p_none = n->cfg.no_result_prob;
    bool stall = p_stall >= 1.0 || (p_stall > 0.0 && gsl_rng_uniform(r) < p_stall);
    int64_t stall_ns =
        p_stall > 0.0 ? node__draw_ns(&n->cfg.stall_extra, n->stall_fixed_ns, r, audio_s) : 0;
    a->no_result = p_none >= 1.0 || (p_none > 0.0 && gsl_rng_uniform(r) < p_none);
    a->cold_ns = node__draw_ns(&n->cfg.cold_extra, n->cold_fixed_ns, r, audio_s);
    if (stall) {
        a->stage_ns[n->cfg.stall_stage] += stall_ns;
        a->stall_ns = stall_ns;
    }

    node_end drop = NODE_END_DONE; /* DONE = not dropped */
    if (!n->up) {
        drop = NODE_END_REFUSED;
    } else if (n->cfg.skip_repeat_job_id && n->have_last && n->last_job_id == job->job_id) {
        drop = NODE_END_SKIPPED;
    } else if (n->cfg.attempt_check == NODE_ATTEMPT_DROP_STALE && node__stale(n, job)) {
        drop = NODE_END_STALE;
    }
    if (n->up) {
        n->have_last = true;
        n->last_job_id = job->job_id;
    }
    if (drop != NODE_END_DONE) {
        node__end(n, now, a, drop, 0);
        node__attempt_put(n, a);
        return;
    }
    if (n->cfg.attempt_check == NODE_ATTEMPT_SUPERSEDE && !node__supersede(n, now, job)) {
        node__result(n, now, a, false, 0);
        node__end(n, now, a, NODE_END_SUPERSEDED, 0);
        node__attempt_put(n, a);
        node__run_due(n, now);
        return;
    }

    a->cold = n->cfg.cold_start && n->queued + n->running == 0 &&
              now - n->idle_since >= n->cold_idle_ns;
    int free_w = -1; /* the first free worker, looked for only when one is free */
    if (!n->q_head && n->running < n->cfg.workers)
        for (int w = 0; w < n->cfg.workers && free_w < 0; w++)
            if (!n->worker[w])
                free_w = w;
    if (free_w >= 0)
        node__start_on(n, free_w, now, a);
    else
        node__queue_push(n, a);
    a->kept = true;
    node__jobs_enter(n, a); /* processJob starts at once, queued or not */
    node__ctl_set(n, a);    /* and so does its ASR request */
    int in_flight = n->queued + n->running;
    if (in_flight > n->stats.peak_in_flight)
        n->stats.peak_in_flight = in_flight;
    node__run_due(n, now);
}

void node_cancel(node *n, int64_t now, uint64_t job_id, uint32_t attempt)
{
    assert(n && n->started && now >= n->now);
    n->now = now;
    node__run_due(n, now);
    if (!n->up)
        return;
    node__jobs_forget(n, job_id); /* cancelJob forgets the id whatever on_cancel does */
    if (n->cfg.on_cancel == NODE_CANCEL_IGNORE)
        return;
    if (n->cfg.on_cancel == NODE_CANCEL_ABORT_BY_JOB_ID) {
        /* cancelJob: the one handle of that job_id, if an attempt holds it */
        node_attempt *h = node__ctl_take(n, job_id);
        assert(!h || !h->ran || n->worker[h->worker] == h);
        if (h && h->ran)
            node__abort_worker(n, h->worker, now, NODE_END_ABORTED);
        else if (h)
            node__abort_queued(n, now, h, NODE_END_ABORTED);
        node__run_due(n, now);
        return;
    }
    bool any_attempt = attempt == 0; /* abort_attempt without an attempt: every one */
    for (node_attempt *a = n->q_head, *next; a; a = next) {
        next = a->next;
        if (a->job.job_id == job_id && (any_attempt || a->job.attempt == attempt))
            node__abort_queued(n, now, a, NODE_END_ABORTED);
    }
    for (int w = 0; w < n->cfg.workers; w++) {
        node_attempt *a = n->worker[w];
        if (a && a->job.job_id == job_id && (any_attempt || a->job.attempt == attempt))
            node__abort_worker(n, w, now, NODE_END_ABORTED);
    }
    node__run_due(n, now);
}
