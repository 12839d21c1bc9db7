/*
 * core.c — the dispatcher handle (skeleton; the lifecycle lands next).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher.h"

struct disp {
    disp_policy policy;
    disp_sink_fn sink;
    void *ctx;
    disp_stats stats;
};

disp *disp_new(const disp_policy *policy, disp_sink_fn sink, void *ctx,
               disp_uniform_fn uniform, void *uniform_ctx)
{
    disp *d;

    (void)uniform;
    (void)uniform_ctx;
    if (policy == NULL || disp_policy_check(policy) != NULL)
        return NULL;
    d = calloc(1, sizeof *d);
    if (d == NULL) {
        fputs("dispatcher: out of memory\n", stderr);
        abort();
    }
    d->policy = *policy;
    d->sink = sink;
    d->ctx = ctx;
    return d;
}

void disp_free(disp *d) { free(d); }

int disp_node_up(disp *d, disp_time now, uint32_t node, uint32_t cls, int slots)
{ (void)d; (void)now; (void)node; (void)cls; (void)slots; return 0; }
int disp_node_down(disp *d, disp_time now, uint32_t node)
{ (void)d; (void)now; (void)node; return 0; }
int disp_node_heartbeat(disp *d, disp_time now, uint32_t node, int current_jobs)
{ (void)d; (void)now; (void)node; (void)current_jobs; return 0; }
int disp_utterance(disp *d, disp_time now, uint64_t session, uint32_t index,
                   disp_time audio, uint64_t *job_out)
{ (void)d; (void)now; (void)session; (void)index; (void)audio; if (job_out) *job_out = 0; return 0; }
int disp_result(disp *d, disp_time now, uint64_t job_id, uint32_t attempt, uint32_t node,
                bool success)
{ (void)d; (void)now; (void)job_id; (void)attempt; (void)node; (void)success; return 0; }
int disp_progress(disp *d, disp_time now, uint64_t job_id, uint32_t attempt, uint32_t node,
                  int stage)
{ (void)d; (void)now; (void)job_id; (void)attempt; (void)node; (void)stage; return 0; }
int disp_session_close(disp *d, disp_time now, uint64_t session)
{ (void)d; (void)now; (void)session; return 0; }
int disp_advance(disp *d, disp_time now) { (void)d; (void)now; return 0; }
disp_time disp_next_deadline(const disp *d) { (void)d; return DISP_NEVER; }
void disp_get_stats(const disp *d, disp_stats *out) { *out = d->stats; }
int disp_node_load(const disp *d, uint32_t node) { (void)d; (void)node; return -1; }
