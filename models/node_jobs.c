/*
 * node_jobs.c — the node agent's set of current jobs, which its heartbeat reports.
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
