/*
 * node_jobs.c — the node agent's bookkeeping by wire job_id: its set of current
 * jobs, which its heartbeat reports, and its abort handles, which job_cancel uses.
 *
 * The reference agent (TinoTau/lingua_1 98e3526 and af7c4a9,
 * electron_node/electron-node/main/src/inference/inference-service.ts) keeps
 * `currentJobs: Set<string>` of wire job_ids: processJob adds the id as it starts
 * (node-agent.ts handles every job_assign at once, without a queue of its own, so
 * an assign that waits for the ASR worker is in the set too); the id is deleted
 * when ASR completes (the pipeline-orchestrator.ts callback), when processJob
 * ends (`finally`, if the id is still there) and when job_cancel arrives
 * (cancelJob, whatever the service behind it then does). The heartbeat sends
 * `running_jobs: getCurrentJobCount()`, the set's size (node-agent.ts).
 *
 * It is a set of ids, not of attempts: two attempts of one job_id on a node are
 * one entry, and whichever of them passes ASR or ends first deletes it, also for
 * the other. Here each entry is held by one attempt of that id (`in_set`), listed
 * from set_head; every entry's holder is a held attempt before the end of its
 * ASR, so the list is never longer than the attempts held.
 *
 * The abort handles (on_cancel abort_by_job_id) are the agent's
 * `jobAbortControllers: Map<string, AbortController>` (98e3526,
 * electron_node/electron-node/main/src/task-router/task-router.ts line 32):
 * each stage request (routeASRTask, routeNMTTask, routeTTSTask) does
 * `set(task.job_id, controller)` as it starts (lines 680, 1172, 1237), so it
 * overwrites the handle an earlier attempt of the same job_id set, and its
 * `finally` does `delete(task.job_id)` as it ends (lines 1125, 1206, 1344),
 * whoever set the entry; cancelJob (lines 1137-1146) aborts the one
 * controller it finds and deletes it, or does nothing. The ASR request starts
 * when the assign arrives (processJob runs at once, inference-service.ts; the
 * service behind the request is what queues it, the node's FIFO here), NMT and
 * TTS at the end of the stage before (pipeline-orchestrator.ts awaits one
 * request after the other and checks no cancel flag between them). Each handle
 * is held by one attempt (holds_ctl), listed from ctl_head.
 */
#include <assert.h>

#include "node.h"
#include "node_internal.h"

static node_attempt *node__jobs_find(const node *n, uint64_t job_id)
{
    for (node_attempt *a = n->set_head; a; a = a->set_next)
        if (a->job.job_id == job_id)
            return a;
    return NULL;
}

static void node__jobs_unlink(node *n, node_attempt *a)
{
    assert(a->in_set && n->set_size > 0);
    if (a->set_prev)
        a->set_prev->set_next = a->set_next;
    else
        n->set_head = a->set_next;
    if (a->set_next)
        a->set_next->set_prev = a->set_prev;
    a->set_prev = a->set_next = NULL;
    a->in_set = false;
    n->set_size--;
}

void node__jobs_enter(node *n, node_attempt *a)
{
    assert(a->kept && !a->in_set);
    if (node__jobs_find(n, a->job.job_id))
        return;
    a->in_set = true;
    a->set_prev = NULL;
    a->set_next = n->set_head;
    if (n->set_head)
        n->set_head->set_prev = a;
    n->set_head = a;
    n->set_size++;
}

void node__jobs_forget(node *n, uint64_t job_id)
{
    node_attempt *a = node__jobs_find(n, job_id);
    if (a)
        node__jobs_unlink(n, a);
}

void node__jobs_leave(node *n, node_attempt *a)
{
    if (a->in_set)
        node__jobs_unlink(n, a); /* the holder: no other entry has its id */
    else
        node__jobs_forget(n, a->job.job_id);
}

int node__current_jobs(const node *n)
{
    if (n->cfg.heartbeat_count == NODE_HB_ATTEMPTS)
        return n->queued + n->running;
    return n->set_size;
}

/* ---- abort handles ------------------------------------------------------ */

static node_attempt *node__ctl_find(const node *n, uint64_t job_id)
{
    for (node_attempt *a = n->ctl_head; a; a = a->ctl_next)
        if (a->job.job_id == job_id)
            return a;
    return NULL;
}

static void node__ctl_unlink(node *n, node_attempt *a)
{
    assert(a->holds_ctl);
    if (a->ctl_prev)
        a->ctl_prev->ctl_next = a->ctl_next;
    else
        n->ctl_head = a->ctl_next;
    if (a->ctl_next)
        a->ctl_next->ctl_prev = a->ctl_prev;
    a->ctl_prev = a->ctl_next = NULL;
    a->holds_ctl = false;
}

void node__ctl_set(node *n, node_attempt *a)
{
    if (n->cfg.on_cancel != NODE_CANCEL_ABORT_BY_JOB_ID || a->holds_ctl)
        return;
    node_attempt *h = node__ctl_find(n, a->job.job_id);
    if (h)
        node__ctl_unlink(n, h); /* set() overwrites the earlier attempt's entry */
    a->holds_ctl = true;
    a->ctl_prev = NULL;
    a->ctl_next = n->ctl_head;
    if (n->ctl_head)
        n->ctl_head->ctl_prev = a;
    n->ctl_head = a;
}

void node__ctl_end(node *n, node_attempt *a)
{
    if (n->cfg.on_cancel != NODE_CANCEL_ABORT_BY_JOB_ID)
        return;
    node_attempt *h = a->holds_ctl ? a : node__ctl_find(n, a->job.job_id);
    if (h)
        node__ctl_unlink(n, h); /* `finally`: delete(job_id), whoever set it */
}

node_attempt *node__ctl_take(node *n, uint64_t job_id)
{
    node_attempt *h = node__ctl_find(n, job_id);
    if (h)
        node__ctl_unlink(n, h);
    return h;
}
